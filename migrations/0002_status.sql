-- midway 0002: per-citizen state, the midway status for any cut-off date,
-- and access for evaluators and municipalities.
--
-- Rules (docs/status.md):
-- * Effective events. A registration is effective unless it is a
--   retraction, or a stored correction/retraction names it in supersedes,
--   or another correction/retraction of the same target was registered
--   later (registered_at, then event_id): the latest replacement wins.
--   The set of effective events depends only on which events are stored,
--   never on the order they arrived in.
-- * Per-citizen state is a function of the citizen's effective events.
--   The consumer recomputes it, in the transaction of each batch, for every
--   citizen the batch can affect: the citizens of the new events, of the
--   events they replace, and of other replacements of the same events.
--   `midway-admin verify` compares the stored state with a recomputation
--   from all events.
-- * Status at cut-off T uses event time: every fact registered so far,
--   dated on or before T.

-- ---- the from-scratch definitions --------------------------------------

CREATE VIEW effective_event AS
SELECT e.*
FROM event e
WHERE e.action <> 'retraction'
  AND NOT EXISTS (SELECT 1 FROM event s WHERE s.supersedes = e.event_id)
  AND NOT (e.supersedes IS NOT NULL AND EXISTS (
        SELECT 1 FROM event o
        WHERE o.supersedes = e.supersedes
          AND (o.registered_at, o.event_id) > (e.registered_at, e.event_id)));

CREATE VIEW citizen_computed AS
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
FROM effective_event e
GROUP BY e.project_id, e.citizen_ref;

CREATE VIEW citizen_profile_computed AS
SELECT e.event_id,
       e.project_id,
       e.citizen_ref,
       e.event_date AS valid_from,
       e.registered_at,
       e.payload->>'benefit_type' AS benefit_type,
       CASE WHEN jsonb_typeof(e.payload->'problem_areas') = 'array'
            THEN ARRAY(SELECT a FROM jsonb_array_elements_text(e.payload->'problem_areas') AS x(a) ORDER BY a)
       END AS problem_areas
FROM effective_event e
WHERE e.kind IN ('visitation', 'profile_change');

CREATE VIEW citizen_contact_computed AS
SELECT e.event_id, e.project_id, e.citizen_ref, e.event_date AS contact_on,
       e.payload->>'channel' AS channel
FROM effective_event e
WHERE e.kind = 'contact';

-- ---- the tables the consumer maintains ---------------------------------

CREATE TABLE citizen (
    project_id            int NOT NULL REFERENCES project,
    citizen_ref           text NOT NULL,
    municipality_code     int NOT NULL,
    visited_on            date,       -- NULL: events without an intake (to reconcile)
    target_group          text,
    gender                text,
    age_band              text,
    exit_on               date,
    exit_reason           text,
    first_intervention_on date,
    first_mentor_on       date,
    first_company_on      date,
    n_events              int NOT NULL,
    last_registered_at    timestamptz NOT NULL,
    PRIMARY KEY (project_id, citizen_ref)
);

CREATE TABLE citizen_profile (
    event_id      uuid PRIMARY KEY,
    project_id    int NOT NULL,
    citizen_ref   text NOT NULL,
    valid_from    date NOT NULL,
    registered_at timestamptz NOT NULL,
    benefit_type  text,            -- NULL: unchanged
    problem_areas text[]           -- NULL: unchanged; {} = none stated
);
CREATE INDEX citizen_profile_citizen_idx ON citizen_profile (project_id, citizen_ref, valid_from);

CREATE TABLE citizen_contact (
    event_id    uuid PRIMARY KEY,
    project_id  int NOT NULL,
    citizen_ref text NOT NULL,
    contact_on  date NOT NULL,
    channel     text NOT NULL
);
CREATE INDEX citizen_contact_citizen_idx ON citizen_contact (project_id, citizen_ref);

-- Recomputes the state of the citizens in pg_temp.affected_citizen. The
-- filter on citizen_ref = ANY (<array>) is what lets PostgreSQL push the
-- selection below the GROUP BY of citizen_computed (an IN (subquery) would
-- not be pushed down, and every batch would aggregate all events).
CREATE FUNCTION midway_refresh_citizens() RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    refs text[];
    n int;
BEGIN
    SELECT array_agg(citizen_ref) INTO refs FROM pg_temp.affected_citizen;
    IF refs IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM citizen c USING pg_temp.affected_citizen a
     WHERE c.project_id = a.project_id AND c.citizen_ref = a.citizen_ref;
    DELETE FROM citizen_profile c USING pg_temp.affected_citizen a
     WHERE c.project_id = a.project_id AND c.citizen_ref = a.citizen_ref;
    DELETE FROM citizen_contact c USING pg_temp.affected_citizen a
     WHERE c.project_id = a.project_id AND c.citizen_ref = a.citizen_ref;
    INSERT INTO citizen
    SELECT c.* FROM citizen_computed c
     WHERE c.citizen_ref = ANY (refs)
       AND (c.project_id, c.citizen_ref) IN (SELECT project_id, citizen_ref FROM pg_temp.affected_citizen);
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO citizen_profile
    SELECT c.* FROM citizen_profile_computed c
     WHERE c.citizen_ref = ANY (refs)
       AND (c.project_id, c.citizen_ref) IN (SELECT project_id, citizen_ref FROM pg_temp.affected_citizen);
    INSERT INTO citizen_contact
    SELECT c.* FROM citizen_contact_computed c
     WHERE c.citizen_ref = ANY (refs)
       AND (c.project_id, c.citizen_ref) IN (SELECT project_id, citizen_ref FROM pg_temp.affected_citizen);
    RETURN n;
END $$;

-- Called by the consumer after it has inserted a batch from
-- pg_temp.stage_event: recomputes every citizen the batch can affect.
CREATE FUNCTION midway_apply_batch() RETURNS int
LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS affected_citizen (
        project_id int, citizen_ref text, PRIMARY KEY (project_id, citizen_ref)
    ) ON COMMIT DELETE ROWS;
    INSERT INTO pg_temp.affected_citizen
    SELECT s.project_id, s.citizen_ref FROM pg_temp.stage_event s
    UNION
    SELECT e.project_id, e.citizen_ref FROM event e JOIN pg_temp.stage_event s ON e.event_id = s.supersedes
    UNION
    SELECT o.project_id, o.citizen_ref FROM event o JOIN pg_temp.stage_event s ON o.supersedes = s.supersedes
    ON CONFLICT DO NOTHING;
    RETURN midway_refresh_citizens();
END $$;

-- Differences between the maintained tables and a recomputation from all
-- stored events; empty when the invariant holds.
CREATE VIEW verify_difference AS
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

-- Recomputes every citizen from all stored events (used by this migration
-- for events stored before it, and by `midway-admin rebuild`).
CREATE FUNCTION midway_rebuild_citizens() RETURNS int
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
SELECT midway_rebuild_citizens();

-- ---- the midway status for a cut-off date ------------------------------
-- One row per project and a total row (project_id NULL, name 'Total').
-- Denominators: every pct_* has base `active` (citizens visited on or
-- before the cut-off and not exited by it), except pct_contacts_sms_email
-- (base: contacts_total); contacts_first_month_per_citizen is over the
-- visited citizens whose first month has ended by the cut-off;
-- contacts_later_per_citizen_month is contacts after the first month per
-- citizen-month after the first month (until exit or the cut-off).
CREATE TYPE midway_status_row AS (
    project_id int, project_name text, target_group text,
    expected_target int, expected_target_total int,
    visited int, active int,
    exits_total int, exits_job int, exits_flexjob int, exits_education int, exits_other int,
    exit_caseworker_assessed int, exit_flexjob int, exit_moved int, exit_citizen_left int,
    exit_ordinary_job int, exit_ordinary_education int, exit_disability_pension int,
    exit_parental_leave int, exit_rehabilitation int, exit_prison int, exit_retirement int,
    exit_death int, exit_illness int,
    active_over_4_months int, pct_active_over_4_months numeric,
    n_at_least_one_intervention int, pct_at_least_one_intervention numeric,
    n_mentor int, pct_mentor numeric,
    n_company_oriented int, pct_company_oriented numeric,
    contacts_total int, contacts_first_month_per_citizen numeric,
    contacts_later_per_citizen_month numeric, pct_contacts_sms_email numeric,
    n_female int, n_male int,
    n_age_18_24 int, n_age_25_29 int, n_age_30_39 int, n_age_40_49 int, n_age_50_plus int,
    n_ressourceforloeb int, n_kontanthjaelp int, n_uddannelseshjaelp int,
    n_other_benefit int, n_benefit_not_stated int,
    n_one_problem_area int, n_multiple_problem_areas int, n_problem_area_not_stated int,
    citizens_without_intake int,
    pct_contacts_personal numeric, pct_contacts_phone numeric, pct_contacts_sms numeric,
    pct_contacts_email numeric, pct_contacts_group numeric, pct_contacts_other numeric
);

CREATE FUNCTION midway_status(as_of date)
RETURNS SETOF midway_status_row
LANGUAGE sql STABLE AS $$
WITH c AS (
    SELECT c.*,
           coalesce(c.visited_on <= as_of, false) AS v,
           coalesce(c.visited_on <= as_of AND c.exit_on <= as_of, false) AS x,
           coalesce(c.visited_on <= as_of AND NOT coalesce(c.exit_on <= as_of, false), false) AS a,
           (SELECT p.benefit_type FROM citizen_profile p
             WHERE p.project_id = c.project_id AND p.citizen_ref = c.citizen_ref
               AND p.valid_from <= as_of AND p.benefit_type IS NOT NULL
             ORDER BY p.valid_from DESC, p.registered_at DESC, p.event_id DESC LIMIT 1) AS benefit,
           (SELECT cardinality(p.problem_areas) FROM citizen_profile p
             WHERE p.project_id = c.project_id AND p.citizen_ref = c.citizen_ref
               AND p.valid_from <= as_of AND p.problem_areas IS NOT NULL
             ORDER BY p.valid_from DESC, p.registered_at DESC, p.event_id DESC LIMIT 1) AS n_areas,
           (c.visited_on + interval '1 month')::date AS month1_end
    FROM citizen c
),
k AS (
    SELECT c.project_id, c.citizen_ref,
           count(*) AS total,
           count(*) FILTER (WHERE k.channel IN ('sms', 'email')) AS sms_email,
           count(*) FILTER (WHERE k.channel = 'personal') AS ch_personal,
           count(*) FILTER (WHERE k.channel = 'phone') AS ch_phone,
           count(*) FILTER (WHERE k.channel = 'sms') AS ch_sms,
           count(*) FILTER (WHERE k.channel = 'email') AS ch_email,
           count(*) FILTER (WHERE k.channel = 'group') AS ch_group,
           count(*) FILTER (WHERE k.channel = 'other') AS ch_other,
           count(*) FILTER (WHERE k.contact_on < c.month1_end) AS first_month,
           count(*) FILTER (WHERE k.contact_on >= c.month1_end
                              AND (c.exit_on IS NULL OR k.contact_on <= c.exit_on)) AS later
    FROM c JOIN citizen_contact k USING (project_id, citizen_ref)
    WHERE c.v AND k.contact_on <= as_of
    GROUP BY c.project_id, c.citizen_ref
),
ck AS (
    SELECT c.*, coalesce(k.total, 0) AS k_total, coalesce(k.sms_email, 0) AS k_sms_email,
           coalesce(k.ch_personal, 0) AS k_personal, coalesce(k.ch_phone, 0) AS k_phone,
           coalesce(k.ch_sms, 0) AS k_sms, coalesce(k.ch_email, 0) AS k_email,
           coalesce(k.ch_group, 0) AS k_group, coalesce(k.ch_other, 0) AS k_other,
           coalesce(k.first_month, 0) AS k_first, coalesce(k.later, 0) AS k_later,
           greatest(0, least(as_of, coalesce(c.exit_on, as_of)) - c.month1_end) / 30.4375 AS later_months
    FROM c LEFT JOIN k USING (project_id, citizen_ref)
),
agg AS (
    SELECT ck.project_id AS pid, grouping(ck.project_id) AS is_total,
           count(*) FILTER (WHERE v) AS visited,
           count(*) FILTER (WHERE a) AS active,
           count(*) FILTER (WHERE x) AS exits_total,
           count(*) FILTER (WHERE x AND g.grp = 'job') AS exits_job,
           count(*) FILTER (WHERE x AND g.grp = 'flexjob') AS exits_flexjob,
           count(*) FILTER (WHERE x AND g.grp = 'education') AS exits_education,
           count(*) FILTER (WHERE x AND g.grp = 'other') AS exits_other,
           count(*) FILTER (WHERE x AND exit_reason = 'caseworker_assessed') AS r1,
           count(*) FILTER (WHERE x AND exit_reason = 'flexjob') AS r2,
           count(*) FILTER (WHERE x AND exit_reason = 'moved') AS r3,
           count(*) FILTER (WHERE x AND exit_reason = 'citizen_left') AS r4,
           count(*) FILTER (WHERE x AND exit_reason = 'ordinary_job') AS r5,
           count(*) FILTER (WHERE x AND exit_reason = 'ordinary_education') AS r6,
           count(*) FILTER (WHERE x AND exit_reason = 'disability_pension') AS r7,
           count(*) FILTER (WHERE x AND exit_reason = 'parental_leave') AS r8,
           count(*) FILTER (WHERE x AND exit_reason = 'rehabilitation') AS r9,
           count(*) FILTER (WHERE x AND exit_reason = 'prison') AS r10,
           count(*) FILTER (WHERE x AND exit_reason = 'retirement') AS r11,
           count(*) FILTER (WHERE x AND exit_reason = 'death') AS r12,
           count(*) FILTER (WHERE x AND exit_reason = 'illness') AS r13,
           count(*) FILTER (WHERE a AND visited_on < (as_of - interval '4 months')::date) AS over4,
           count(*) FILTER (WHERE a AND first_intervention_on <= as_of) AS n_int,
           count(*) FILTER (WHERE a AND first_mentor_on <= as_of) AS n_mentor,
           count(*) FILTER (WHERE a AND first_company_on <= as_of) AS n_company,
           sum(k_total) FILTER (WHERE v) AS k_total,
           sum(k_sms_email) FILTER (WHERE v) AS k_sms_email,
           sum(k_personal) FILTER (WHERE v) AS k_personal,
           sum(k_phone) FILTER (WHERE v) AS k_phone,
           sum(k_sms) FILTER (WHERE v) AS k_sms,
           sum(k_email) FILTER (WHERE v) AS k_email,
           sum(k_group) FILTER (WHERE v) AS k_group,
           sum(k_other) FILTER (WHERE v) AS k_other,
           sum(k_first) FILTER (WHERE v AND month1_end <= as_of) AS k_first,
           count(*) FILTER (WHERE v AND month1_end <= as_of) AS n_first,
           sum(k_later) FILTER (WHERE v) AS k_later,
           sum(later_months) FILTER (WHERE v) AS later_months,
           count(*) FILTER (WHERE a AND gender = 'female') AS n_female,
           count(*) FILTER (WHERE a AND gender = 'male') AS n_male,
           count(*) FILTER (WHERE a AND age_band = '18-24') AS n_a1,
           count(*) FILTER (WHERE a AND age_band = '25-29') AS n_a2,
           count(*) FILTER (WHERE a AND age_band = '30-39') AS n_a3,
           count(*) FILTER (WHERE a AND age_band = '40-49') AS n_a4,
           count(*) FILTER (WHERE a AND age_band = '50+') AS n_a5,
           count(*) FILTER (WHERE a AND benefit = 'ressourceforloeb') AS n_b1,
           count(*) FILTER (WHERE a AND benefit = 'kontanthjaelp') AS n_b2,
           count(*) FILTER (WHERE a AND benefit = 'uddannelseshjaelp') AS n_b3,
           count(*) FILTER (WHERE a AND benefit = 'other') AS n_b4,
           count(*) FILTER (WHERE a AND (benefit = 'not_stated' OR benefit IS NULL)) AS n_b5,
           count(*) FILTER (WHERE a AND n_areas = 1) AS n_one,
           count(*) FILTER (WHERE a AND n_areas > 1) AS n_multi,
           count(*) FILTER (WHERE a AND coalesce(n_areas, 0) = 0) AS n_none,
           count(*) FILTER (WHERE visited_on IS NULL) AS no_intake
    FROM ck LEFT JOIN code g ON g.list = 'exit_reason' AND g.code = ck.exit_reason
    GROUP BY GROUPING SETS ((ck.project_id), ())
),
pr AS (
    SELECT p.*, 0 AS is_total FROM project p
    UNION ALL
    SELECT NULL, 'Total', NULL, NULL, NULL, NULL, 1
)
SELECT pr.project_id, pr.name, pr.target_group,
       CASE WHEN pr.is_total = 1 THEN NULL ELSE pr.expected_target_2015_07_01 END,
       CASE WHEN pr.is_total = 1 THEN NULL ELSE pr.expected_target_total END,
       coalesce(visited, 0)::int, coalesce(active, 0)::int,
       coalesce(exits_total, 0)::int, coalesce(exits_job, 0)::int, coalesce(exits_flexjob, 0)::int,
       coalesce(exits_education, 0)::int, coalesce(exits_other, 0)::int,
       coalesce(r1, 0)::int, coalesce(r2, 0)::int, coalesce(r3, 0)::int, coalesce(r4, 0)::int,
       coalesce(r5, 0)::int, coalesce(r6, 0)::int, coalesce(r7, 0)::int, coalesce(r8, 0)::int,
       coalesce(r9, 0)::int, coalesce(r10, 0)::int, coalesce(r11, 0)::int, coalesce(r12, 0)::int,
       coalesce(r13, 0)::int,
       coalesce(over4, 0)::int, round(100.0 * over4 / nullif(active, 0), 1),
       coalesce(n_int, 0)::int, round(100.0 * n_int / nullif(active, 0), 1),
       coalesce(n_mentor, 0)::int, round(100.0 * n_mentor / nullif(active, 0), 1),
       coalesce(n_company, 0)::int, round(100.0 * n_company / nullif(active, 0), 1),
       coalesce(k_total, 0)::int,
       round(k_first::numeric / nullif(n_first, 0), 2),
       round(k_later / nullif(later_months, 0), 2),
       round(100.0 * k_sms_email / nullif(k_total, 0), 1),
       coalesce(n_female, 0)::int, coalesce(n_male, 0)::int,
       coalesce(n_a1, 0)::int, coalesce(n_a2, 0)::int, coalesce(n_a3, 0)::int,
       coalesce(n_a4, 0)::int, coalesce(n_a5, 0)::int,
       coalesce(n_b1, 0)::int, coalesce(n_b2, 0)::int, coalesce(n_b3, 0)::int,
       coalesce(n_b4, 0)::int, coalesce(n_b5, 0)::int,
       coalesce(n_one, 0)::int, coalesce(n_multi, 0)::int, coalesce(n_none, 0)::int,
       coalesce(no_intake, 0)::int,
       round(100.0 * k_personal / nullif(k_total, 0), 1),
       round(100.0 * k_phone / nullif(k_total, 0), 1),
       round(100.0 * k_sms / nullif(k_total, 0), 1),
       round(100.0 * k_email / nullif(k_total, 0), 1),
       round(100.0 * k_group / nullif(k_total, 0), 1),
       round(100.0 * k_other / nullif(k_total, 0), 1)
FROM pr
LEFT JOIN agg ON (pr.is_total = 1 AND agg.is_total = 1)
              OR (pr.is_total = 0 AND agg.is_total = 0 AND agg.pid = pr.project_id)
WHERE pr.is_total = 1 OR pr.project_id IS NOT NULL
ORDER BY pr.is_total, pr.project_id
$$;

-- ---- access -------------------------------------------------------------
-- midway_evaluator: aggregates only, through the status schema.
-- midway_municipality: its own project's rows (row-level security, FORCE),
--   through the municipal schema's security_invoker views. A login role is
--   tied to a project with midway_grant_municipality(role, project_id).
-- midway_pipeline: the consumer and migrations (all rows).
DO $$
BEGIN
    CREATE ROLE midway_evaluator NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
DO $$
BEGIN
    CREATE ROLE midway_municipality NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
DO $$
BEGIN
    CREATE ROLE midway_pipeline NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

CREATE TABLE municipal_role (
    role_name  name PRIMARY KEY,
    project_id int NOT NULL REFERENCES project
);

-- Functions are not executable by everybody unless granted.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Each municipal role sees only its own mapping row, so the policies below
-- can ask "my projects" with the reader's own rights.
ALTER TABLE municipal_role ENABLE ROW LEVEL SECURITY;
ALTER TABLE municipal_role FORCE ROW LEVEL SECURITY;
CREATE POLICY own_role ON municipal_role FOR SELECT TO midway_municipality
    USING (role_name = current_user);
CREATE POLICY pipeline ON municipal_role TO midway_pipeline USING (true) WITH CHECK (true);
GRANT SELECT ON municipal_role TO midway_municipality;
GRANT ALL ON municipal_role TO midway_pipeline;

CREATE FUNCTION midway_role_projects() RETURNS int[]
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = public, pg_temp AS $$
    SELECT coalesce(array_agg(project_id), '{}') FROM municipal_role WHERE role_name = current_user
$$;
REVOKE EXECUTE ON FUNCTION midway_role_projects() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION midway_role_projects() TO midway_municipality;

CREATE FUNCTION midway_grant_municipality(grantee name, project int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('GRANT midway_municipality TO %I', grantee);
    INSERT INTO municipal_role AS m VALUES (grantee, project)
    ON CONFLICT (role_name) DO UPDATE SET project_id = EXCLUDED.project_id;
END $$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['event', 'citizen', 'citizen_profile', 'citizen_contact'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY own_project ON %I FOR SELECT TO midway_municipality '
                       'USING (project_id = ANY (midway_role_projects()))', t);
        EXECUTE format('CREATE POLICY pipeline ON %I TO midway_pipeline USING (true) WITH CHECK (true)', t);
        EXECUTE format('GRANT SELECT ON %I TO midway_municipality', t);
        EXECUTE format('GRANT ALL ON %I TO midway_pipeline', t);
    END LOOP;
END $$;
GRANT midway_pipeline TO CURRENT_USER;

GRANT SELECT ON project, project_municipality, code TO midway_municipality, midway_pipeline;

-- Evaluators: the status schema only (aggregates; exact counts: this is the
-- internal tool, disclosure control applies to published reports).
CREATE SCHEMA status;
CREATE FUNCTION status.project_status(as_of date) RETURNS SETOF midway_status_row
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT * FROM midway_status(as_of)
$$;
CREATE VIEW status.current_status AS SELECT * FROM status.project_status(current_date);
REVOKE ALL ON SCHEMA status FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION status.project_status(date) FROM PUBLIC;
GRANT USAGE ON SCHEMA status TO midway_evaluator;
GRANT EXECUTE ON FUNCTION status.project_status(date) TO midway_evaluator;
GRANT SELECT ON status.current_status TO midway_evaluator;

-- Municipalities: their own project's rows, through security_invoker views
-- (so the row-level security of the tables applies to the reader).
CREATE SCHEMA municipal;
CREATE VIEW municipal.citizen WITH (security_invoker = true) AS
SELECT project_id, citizen_ref, municipality_code, visited_on, target_group, gender,
       age_band, exit_on, exit_reason, first_intervention_on, first_mentor_on,
       first_company_on
FROM citizen;
CREATE VIEW municipal.registration WITH (security_invoker = true) AS
SELECT event_id, project_id, municipality_code, citizen_ref, kind, event_date,
       registered_at, action, supersedes, payload
FROM event;
CREATE FUNCTION municipal.project_status(as_of date) RETURNS SETOF midway_status_row
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = public, pg_temp AS $$
    SELECT * FROM midway_status(as_of) s
    WHERE s.project_id = ANY (midway_role_projects()) OR s.project_id IS NULL
$$;
REVOKE ALL ON SCHEMA municipal FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION municipal.project_status(date) FROM PUBLIC;
GRANT USAGE ON SCHEMA municipal TO midway_municipality;
GRANT SELECT ON municipal.citizen, municipal.registration TO midway_municipality;
GRANT EXECUTE ON FUNCTION municipal.project_status(date), midway_status(date) TO midway_municipality;
GRANT EXECUTE ON FUNCTION midway_apply_batch(), midway_refresh_citizens() TO midway_pipeline;
