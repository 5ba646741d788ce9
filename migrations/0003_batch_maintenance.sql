-- midway 0003: cheaper per-batch maintenance of the per-citizen state
-- (docs/performance.md). Same rules and the same resulting tables as 0002;
-- what changes is how much each batch reads and writes:
-- * the citizens a batch affects are found through indexes (0002 joined
--   the batch to the whole event table for its replacements);
-- * the effective events of those citizens are read once, by citizen,
--   with the replacement checks as index probes, into a temporary table;
-- * citizen rows are upserted (only changed rows are written) instead of
--   deleted and inserted; contact and profile rows, which depend on their
--   event alone, are only inserted for new effective events and deleted
--   for events no longer effective, which only a batch with corrections or
--   retractions can cause;
-- * JIT compilation is off for these statements: it cost more per batch
--   than the statements themselves.

-- Recomputes the citizens in pg_temp.affected_citizen. replacements:
-- whether the batch holds corrections or retractions; without them no
-- stored event changes effectiveness, so nothing is to be deleted.
CREATE FUNCTION midway_refresh_affected(replacements boolean) RETURNS int
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    n int;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS affected_event (
        event_id uuid, project_id int, citizen_ref text, municipality_code int,
        kind text, event_date date, registered_at timestamptz, payload jsonb
    ) ON COMMIT DELETE ROWS;
    DELETE FROM pg_temp.affected_event; -- empty unless called twice in a transaction
    -- The effective events (effective_event in 0002) of the affected
    -- citizens. OFFSET 0 keeps each subquery a per-row index probe whatever
    -- the statistics say (a hash join would read the whole event table).
    INSERT INTO pg_temp.affected_event
    SELECT e.* FROM pg_temp.affected_citizen a
    CROSS JOIN LATERAL (
        SELECT e.event_id, e.project_id, e.citizen_ref, e.municipality_code,
               e.kind, e.event_date, e.registered_at, e.payload
          FROM event e
         WHERE e.project_id = a.project_id AND e.citizen_ref = a.citizen_ref
           AND e.action <> 'retraction'
           AND NOT EXISTS (SELECT 1 FROM event s WHERE s.supersedes = e.event_id OFFSET 0)
           AND NOT (e.supersedes IS NOT NULL AND EXISTS (
                 SELECT 1 FROM event o
                  WHERE o.supersedes = e.supersedes
                    AND (o.registered_at, o.event_id) > (e.registered_at, e.event_id)
                 OFFSET 0))
        OFFSET 0) e;

    -- citizen_computed of 0002 for these citizens. The first row by
    -- (kind <> 'visitation', event_date, registered_at, event_id) gives the
    -- municipality and, when it is a visitation, the intake's fields (the
    -- earliest visitation); the first exit gives the exit reason.
    WITH f AS (
        SELECT DISTINCT ON (e.project_id, e.citizen_ref)
               e.project_id, e.citizen_ref, e.municipality_code,
               CASE WHEN e.kind = 'visitation' THEN e.payload->>'target_group' END AS target_group,
               CASE WHEN e.kind = 'visitation' THEN e.payload->>'gender' END AS gender,
               CASE WHEN e.kind = 'visitation' THEN e.payload->>'age_band' END AS age_band
          FROM pg_temp.affected_event e
         ORDER BY e.project_id, e.citizen_ref, e.kind <> 'visitation', e.event_date, e.registered_at, e.event_id
    ), x AS (
        SELECT DISTINCT ON (e.project_id, e.citizen_ref)
               e.project_id, e.citizen_ref, e.payload->>'reason' AS exit_reason
          FROM pg_temp.affected_event e
         WHERE e.kind = 'exit'
         ORDER BY e.project_id, e.citizen_ref, e.event_date, e.registered_at, e.event_id
    ), g AS (
        SELECT e.project_id, e.citizen_ref,
               min(e.event_date) FILTER (WHERE e.kind = 'visitation') AS visited_on,
               min(e.event_date) FILTER (WHERE e.kind = 'exit') AS exit_on,
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
          FROM pg_temp.affected_event e
         GROUP BY e.project_id, e.citizen_ref
    ), c AS (
        SELECT g.project_id, g.citizen_ref, f.municipality_code, g.visited_on,
               f.target_group, f.gender, f.age_band, g.exit_on, x.exit_reason,
               g.first_intervention_on, g.first_mentor_on, g.first_company_on,
               g.n_events, g.last_registered_at
          FROM g JOIN f USING (project_id, citizen_ref)
          LEFT JOIN x USING (project_id, citizen_ref)
    ), up AS (
        INSERT INTO citizen AS t
        SELECT * FROM c
        ON CONFLICT (project_id, citizen_ref) DO UPDATE SET
            municipality_code = excluded.municipality_code,
            visited_on = excluded.visited_on,
            target_group = excluded.target_group, gender = excluded.gender,
            age_band = excluded.age_band, exit_on = excluded.exit_on,
            exit_reason = excluded.exit_reason,
            first_intervention_on = excluded.first_intervention_on,
            first_mentor_on = excluded.first_mentor_on,
            first_company_on = excluded.first_company_on,
            n_events = excluded.n_events,
            last_registered_at = excluded.last_registered_at
        WHERE (t.*) IS DISTINCT FROM (excluded.*)
        RETURNING 1
    )
    SELECT count(*) INTO n FROM c;

    IF replacements THEN
        -- affected citizens left without an effective registration
        DELETE FROM citizen t
         WHERE (t.project_id, t.citizen_ref) IN (
               SELECT a.project_id, a.citizen_ref FROM pg_temp.affected_citizen a
                WHERE NOT EXISTS (SELECT 1 FROM pg_temp.affected_event e
                                   WHERE e.project_id = a.project_id
                                     AND e.citizen_ref = a.citizen_ref));
        -- their contact and profile rows whose event is no longer effective
        DELETE FROM citizen_contact
         WHERE event_id = ANY (ARRAY(
               SELECT k.event_id FROM pg_temp.affected_citizen a
               CROSS JOIN LATERAL (
                   SELECT k.event_id FROM citizen_contact k
                    WHERE k.project_id = a.project_id AND k.citizen_ref = a.citizen_ref
                   OFFSET 0) k
                WHERE NOT EXISTS (SELECT 1 FROM pg_temp.affected_event e
                                   WHERE e.event_id = k.event_id AND e.kind = 'contact')));
        DELETE FROM citizen_profile
         WHERE event_id = ANY (ARRAY(
               SELECT p.event_id FROM pg_temp.affected_citizen a
               CROSS JOIN LATERAL (
                   SELECT p.event_id FROM citizen_profile p
                    WHERE p.project_id = a.project_id AND p.citizen_ref = a.citizen_ref
                   OFFSET 0) p
                WHERE NOT EXISTS (SELECT 1 FROM pg_temp.affected_event e
                                   WHERE e.event_id = p.event_id
                                     AND e.kind IN ('visitation', 'profile_change'))));
    END IF;

    -- contact and profile rows of effective events not stored yet
    -- (citizen_contact_computed and citizen_profile_computed of 0002)
    INSERT INTO citizen_contact
    SELECT e.event_id, e.project_id, e.citizen_ref, e.event_date, e.payload->>'channel'
      FROM pg_temp.affected_event e
     WHERE e.kind = 'contact'
       AND NOT EXISTS (SELECT 1 FROM citizen_contact k WHERE k.event_id = e.event_id OFFSET 0);
    INSERT INTO citizen_profile
    SELECT e.event_id, e.project_id, e.citizen_ref, e.event_date, e.registered_at,
           e.payload->>'benefit_type',
           CASE WHEN jsonb_typeof(e.payload->'problem_areas') = 'array'
                THEN ARRAY(SELECT a FROM jsonb_array_elements_text(e.payload->'problem_areas') AS x(a) ORDER BY a)
           END
      FROM pg_temp.affected_event e
     WHERE e.kind IN ('visitation', 'profile_change')
       AND NOT EXISTS (SELECT 1 FROM citizen_profile p WHERE p.event_id = e.event_id OFFSET 0);
    RETURN n;
END $$;

-- Same contract as in 0002: recomputes the citizens in
-- pg_temp.affected_citizen.
CREATE OR REPLACE FUNCTION midway_refresh_citizens() RETURNS int
LANGUAGE plpgsql AS $$
BEGIN
    RETURN midway_refresh_affected(true);
END $$;

-- Same contract as in 0002: called by the consumer after it has inserted a
-- batch from pg_temp.stage_event; recomputes every citizen the batch can
-- affect (the citizens of its events, of the events they replace, and of
-- other replacements of those).
CREATE OR REPLACE FUNCTION midway_apply_batch() RETURNS int
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    targets uuid[];
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS affected_citizen (
        project_id int, citizen_ref text, PRIMARY KEY (project_id, citizen_ref)
    ) ON COMMIT DELETE ROWS;
    SELECT array_agg(DISTINCT s.supersedes) INTO targets
      FROM pg_temp.stage_event s WHERE s.supersedes IS NOT NULL;
    INSERT INTO pg_temp.affected_citizen
    SELECT DISTINCT s.project_id, s.citizen_ref FROM pg_temp.stage_event s
    ON CONFLICT DO NOTHING;
    IF targets IS NOT NULL THEN
        INSERT INTO pg_temp.affected_citizen
        SELECT e.project_id, e.citizen_ref FROM event e WHERE e.event_id = ANY (targets)
        UNION
        SELECT o.project_id, o.citizen_ref FROM event o WHERE o.supersedes = ANY (targets)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN midway_refresh_affected(targets IS NOT NULL);
END $$;

REVOKE EXECUTE ON FUNCTION midway_refresh_affected(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION midway_refresh_affected(boolean) TO midway_pipeline;
