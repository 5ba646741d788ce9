-- midway functions 10: the per-citizen rules (docs/status.md, "Rules"),
-- each written once.
--
-- * effective_event: which registrations are effective. A registration is
--   effective unless it is a retraction, or a stored correction/retraction
--   names it in supersedes, or another correction/retraction of the same
--   target was registered later (registered_at, then event_id): the latest
--   replacement wins. The set depends only on which events are stored,
--   never on the order they arrived in. (midway_refresh_affected in
--   20_citizen_batch.sql applies the same three conditions per citizen, as
--   index probes; `midway-admin verify` compares the two.)
-- * midway_citizen_fold(source): the state of each citizen (a row of the
--   table citizen) from a set of that citizen's effective registrations.
-- * midway_citizen_profile_rows(source), midway_citizen_contact_rows(source):
--   the rows of citizen_profile and citizen_contact, one per registration.
--
-- The fold and the two projections are used on three sources: all stored
-- events (the views below: verify and rebuild), the effective events of
-- the citizens a batch affects (midway_refresh_affected) and a batch's own
-- registrations (the incremental path of midway_apply_batch). PostgreSQL
-- has no view over "a relation named by the caller", and a function taking
-- the rows as an array or an aggregate with a PL/pgSQL transition would
-- cost every batch a row-by-row call; so each rule is SQL text with the
-- source as a parameter, which the views are created from (here) and the
-- batch functions EXECUTE (they plan those statements per call anyway).
-- The fold is the single aggregation 0002's view had; the batch functions
-- had an equivalent form with DISTINCT ON (issue 12 made them one).
--
-- Source: a relation or CTE name with the columns event_id, project_id,
-- citizen_ref, municipality_code, kind, event_date, registered_at, payload
-- of event, holding effective registrations only.

CREATE OR REPLACE VIEW effective_event AS
SELECT e.*
FROM event e
WHERE e.action <> 'retraction'
  AND NOT EXISTS (SELECT 1 FROM event s WHERE s.supersedes = e.event_id)
  AND NOT (e.supersedes IS NOT NULL AND EXISTS (
        SELECT 1 FROM event o
        WHERE o.supersedes = e.supersedes
          AND (o.registered_at, o.event_id) > (e.registered_at, e.event_id)));

-- The intake is the earliest visitation (by event_date, registered_at,
-- event_id): the municipality, target group, gender and age band come from
-- it (the municipality from the earliest registration when there is no
-- visitation); the exit is the earliest exit; an intervention counts from
-- its start date (else its registration's date) if it started or ended.
CREATE OR REPLACE FUNCTION midway_citizen_fold(source text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT format($q$
SELECT e.project_id,
       e.citizen_ref,
       (array_agg(e.municipality_code ORDER BY e.kind <> 'visitation', e.event_date, e.registered_at, e.event_id))[1] AS municipality_code,
       min(e.event_date) FILTER (WHERE e.kind = 'visitation') AS visited_on,
       (array_agg(e.payload->>'target_group' ORDER BY e.event_date, e.registered_at, e.event_id) FILTER (WHERE e.kind = 'visitation'))[1] AS target_group,
       (array_agg(e.payload->>'gender' ORDER BY e.event_date, e.registered_at, e.event_id) FILTER (WHERE e.kind = 'visitation'))[1] AS gender,
       (array_agg(e.payload->>'age_band' ORDER BY e.event_date, e.registered_at, e.event_id) FILTER (WHERE e.kind = 'visitation'))[1] AS age_band,
       min(e.event_date) FILTER (WHERE e.kind = 'exit') AS exit_on,
       (array_agg(e.payload->>'reason' ORDER BY e.event_date, e.registered_at, e.event_id) FILTER (WHERE e.kind = 'exit'))[1] AS exit_reason,
       min(coalesce((e.payload->>'start_date')::date, e.event_date)) FILTER (
           WHERE e.kind = 'intervention' AND e.payload->>'status' IN ('started', 'ended')) AS first_intervention_on,
       min(coalesce((e.payload->>'start_date')::date, e.event_date)) FILTER (
           WHERE e.kind = 'intervention' AND e.payload->>'status' IN ('started', 'ended')
             AND e.payload->>'category' = 'mentor') AS first_mentor_on,
       min(coalesce((e.payload->>'start_date')::date, e.event_date)) FILTER (
           WHERE e.kind = 'intervention' AND e.payload->>'status' IN ('started', 'ended')
             AND e.payload->>'category' = 'company') AS first_company_on,
       count(*)::int AS n_events,
       max(e.registered_at) AS last_registered_at
FROM %s e
GROUP BY e.project_id, e.citizen_ref
$q$, source)
$fn$;

-- Visitations and profile changes state the benefit type and problem
-- areas (NULL: unchanged; {} none stated), in force from their event date.
CREATE OR REPLACE FUNCTION midway_citizen_profile_rows(source text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT format($q$
SELECT e.event_id,
       e.project_id,
       e.citizen_ref,
       e.event_date AS valid_from,
       e.registered_at,
       e.payload->>'benefit_type' AS benefit_type,
       CASE WHEN jsonb_typeof(e.payload->'problem_areas') = 'array'
            THEN ARRAY(SELECT a FROM jsonb_array_elements_text(e.payload->'problem_areas') AS x(a) ORDER BY a)
       END AS problem_areas
FROM %s e
WHERE e.kind IN ('visitation', 'profile_change')
$q$, source)
$fn$;

CREATE OR REPLACE FUNCTION midway_citizen_contact_rows(source text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT format($q$
SELECT e.event_id, e.project_id, e.citizen_ref, e.event_date AS contact_on,
       e.payload->>'channel' AS channel
FROM %s e
WHERE e.kind = 'contact'
$q$, source)
$fn$;

-- The batch functions of the consumer (SECURITY INVOKER) build their
-- statements with these.
REVOKE ALL ON FUNCTION midway_citizen_fold(text), midway_citizen_profile_rows(text),
    midway_citizen_contact_rows(text)
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
GRANT EXECUTE ON FUNCTION midway_citizen_fold(text), midway_citizen_profile_rows(text),
    midway_citizen_contact_rows(text) TO midway_pipeline;

-- The state from all stored events.
DO $$
BEGIN
    EXECUTE 'CREATE OR REPLACE VIEW citizen_computed AS '
            || midway_citizen_fold('effective_event');
    EXECUTE 'CREATE OR REPLACE VIEW citizen_profile_computed AS '
            || midway_citizen_profile_rows('effective_event');
    EXECUTE 'CREATE OR REPLACE VIEW citizen_contact_computed AS '
            || midway_citizen_contact_rows('effective_event');
END $$;

-- Differences between the maintained tables and a recomputation from all
-- stored events; empty when the invariant holds (`midway-admin verify`).
CREATE OR REPLACE VIEW verify_difference AS
WITH cs AS (SELECT * FROM citizen), cc AS (SELECT * FROM citizen_computed),
     ps AS (SELECT * FROM citizen_profile), pc AS (SELECT * FROM citizen_profile_computed),
     ks AS (SELECT * FROM citizen_contact), kc AS (SELECT * FROM citizen_contact_computed)
SELECT 'citizen' AS tbl, 'stored, not recomputed' AS side, project_id, citizen_ref FROM (SELECT * FROM cs EXCEPT SELECT * FROM cc) d
UNION ALL
SELECT 'citizen', 'recomputed, not stored', project_id, citizen_ref FROM (SELECT * FROM cc EXCEPT SELECT * FROM cs) d
UNION ALL
SELECT 'citizen_profile', 'stored, not recomputed', project_id, citizen_ref FROM (SELECT * FROM ps EXCEPT SELECT * FROM pc) d
UNION ALL
SELECT 'citizen_profile', 'recomputed, not stored', project_id, citizen_ref FROM (SELECT * FROM pc EXCEPT SELECT * FROM ps) d
UNION ALL
SELECT 'citizen_contact', 'stored, not recomputed', project_id, citizen_ref FROM (SELECT * FROM ks EXCEPT SELECT * FROM kc) d
UNION ALL
SELECT 'citizen_contact', 'recomputed, not stored', project_id, citizen_ref FROM (SELECT * FROM kc EXCEPT SELECT * FROM ks) d;

-- The views of this file are the owner's alone (verify, rebuild).
REVOKE ALL ON effective_event, citizen_computed, citizen_profile_computed,
    citizen_contact_computed, verify_difference
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;

-- Recomputes every citizen from all stored events (`midway-admin rebuild`).
CREATE OR REPLACE FUNCTION midway_rebuild_citizens() RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    n int;
BEGIN
    TRUNCATE citizen, citizen_profile, citizen_contact;
    INSERT INTO citizen SELECT * FROM citizen_computed;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO citizen_profile SELECT * FROM citizen_profile_computed;
    INSERT INTO citizen_contact SELECT * FROM citizen_contact_computed;
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION midway_rebuild_citizens()
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
