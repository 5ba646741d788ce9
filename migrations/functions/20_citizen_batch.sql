-- midway functions 20: the consumer's per-batch maintenance of the
-- per-citizen state (docs/status.md, "Maintenance and the invariant";
-- docs/performance.md). The rules are those of 10_citizen_rules.sql, whose
-- SQL text these functions EXECUTE on their own sources.
--
-- midway_apply_batch(all_inserted) is called by the consumer after it has
-- inserted a batch from pg_temp.stage_event. Two paths:
-- * Recompute: every citizen a batch can affect (the citizens of its
--   registrations, of those they replace, and of other replacements of
--   the same registrations) gets its state from its effective events
--   (midway_refresh_affected). Used for batches with corrections,
--   retractions or duplicates, and for the citizens below.
-- * Incremental: a citizen whose batch registrations are all plain new
--   ones. A registration with action 'new' names nothing in supersedes, so
--   storing it changes the effectiveness of no other registration; and if
--   no stored registration names it, it is effective itself. The
--   effective registrations after the batch are those before it plus the
--   batch's, and the state is a merge of the stored citizen row with the
--   fold of the batch's registrations alone: minimums of the dates, sums
--   of the counts, and the intake's and the exit's fields from whichever
--   side holds the earlier one. What the stored row cannot tell is a tie:
--   the batch's earliest visitation or exit on the same day as the stored
--   one (the order then depends on registered_at and event_id of a
--   registration the row does not name), or a citizen with no visitation
--   on either side (the municipality comes from the earliest other
--   registration). Those citizens are recomputed. The merge is the one
--   rule not shared with the recompute path; tests/integration/it_fold.sh
--   compares the two paths on generated histories split into random
--   batches.
-- The consumer calls midway_apply_batch(true) only when every staged
-- registration was inserted (no duplicates): a duplicate is already in
-- the state and must not be merged again. midway_apply_batch(false)
-- recomputes every affected citizen.
--
-- The statements that join the batch's temporary tables to each other run
-- through EXECUTE with nested loops off. A PL/pgSQL plan is otherwise kept
-- for the session, and one made for a small batch (an idle stream) loops,
-- for every row of one temporary table, over all rows of another; even
-- planned afresh, a join of two aggregates of the batch on the citizen is
-- estimated at one row, with the same result. Either made a batch of a
-- few thousand registrations cost seconds (bench/latency.sh,
-- docs/performance.md). Every join in those statements is between the
-- batch's own rows, where hashing is always right. JIT is off: compiling
-- cost more per batch than the statements themselves.

-- Recomputes the citizens in pg_temp.affected_citizen. replacements:
-- whether the batch holds corrections or retractions; without them no
-- stored event changes effectiveness, so nothing is to be deleted.
-- Citizen rows are upserted (only changed rows are written); contact and
-- profile rows, which depend on their event alone, are only inserted for
-- new effective events and deleted for events no longer effective.
CREATE OR REPLACE FUNCTION midway_refresh_affected(replacements boolean) RETURNS int
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    n int;
    nestloop text;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS affected_event (
        event_id uuid, project_id int, citizen_ref text, municipality_code int,
        kind text, event_date date, registered_at timestamptz, payload jsonb
    ) ON COMMIT DELETE ROWS;
    DELETE FROM pg_temp.affected_event; -- empty unless called twice in a transaction
    -- The effective events (effective_event) of the affected citizens.
    -- OFFSET 0 keeps each subquery a per-row index probe whatever the
    -- statistics say (a hash join would read the whole event table).
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

    -- The fold of these citizens' effective events. EXECUTE, no nested
    -- loops: see the header.
    nestloop := current_setting('enable_nestloop');
    PERFORM set_config('enable_nestloop', 'off', true);
    EXECUTE format($q$
    WITH c AS (%s), up AS (
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
    SELECT count(*) FROM c
    $q$, midway_citizen_fold('pg_temp.affected_event')) INTO n;
    PERFORM set_config('enable_nestloop', nestloop, true);

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
    EXECUTE format($q$
    INSERT INTO citizen_contact
    SELECT r.* FROM (%s) r
     WHERE NOT EXISTS (SELECT 1 FROM citizen_contact k WHERE k.event_id = r.event_id OFFSET 0)
    $q$, midway_citizen_contact_rows('pg_temp.affected_event'));
    EXECUTE format($q$
    INSERT INTO citizen_profile
    SELECT r.* FROM (%s) r
     WHERE NOT EXISTS (SELECT 1 FROM citizen_profile p WHERE p.event_id = r.event_id OFFSET 0)
    $q$, midway_citizen_profile_rows('pg_temp.affected_event'));
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION midway_refresh_affected(boolean)
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
GRANT EXECUTE ON FUNCTION midway_refresh_affected(boolean) TO midway_pipeline;

CREATE OR REPLACE FUNCTION midway_apply_batch(all_inserted boolean) RETURNS int
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    targets uuid[];
    n int := 0;
    nestloop text;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS affected_citizen (
        project_id int, citizen_ref text, PRIMARY KEY (project_id, citizen_ref)
    ) ON COMMIT DELETE ROWS;
    SELECT array_agg(DISTINCT s.supersedes) INTO targets
      FROM pg_temp.stage_event s WHERE s.supersedes IS NOT NULL;
    IF NOT all_inserted THEN
        INSERT INTO pg_temp.affected_citizen
        SELECT DISTINCT s.project_id, s.citizen_ref FROM pg_temp.stage_event s
        ON CONFLICT DO NOTHING;
    ELSE
        -- citizens with a registration that is not plain new, or that a
        -- stored registration (this batch's included: they are inserted
        -- already) names in supersedes
        INSERT INTO pg_temp.affected_citizen
        SELECT DISTINCT s.project_id, s.citizen_ref FROM pg_temp.stage_event s
         WHERE s.action <> 'new' OR s.supersedes IS NOT NULL
            OR EXISTS (SELECT 1 FROM event r WHERE r.supersedes = s.event_id OFFSET 0)
        ON CONFLICT DO NOTHING;
    END IF;
    IF targets IS NOT NULL THEN
        INSERT INTO pg_temp.affected_citizen
        SELECT e.project_id, e.citizen_ref FROM event e WHERE e.event_id = ANY (targets)
        UNION
        SELECT o.project_id, o.citizen_ref FROM event o WHERE o.supersedes = ANY (targets)
        ON CONFLICT DO NOTHING;
    END IF;

    IF all_inserted THEN
        -- The plain citizens: the fold of their batch registrations alone
        -- (d), merged into the stored row. EXECUTE, no nested loops: see
        -- the header.
        nestloop := current_setting('enable_nestloop');
        PERFORM set_config('enable_nestloop', 'off', true);
        EXECUTE format($q$
        WITH b AS (
            SELECT s.* FROM pg_temp.stage_event s
             WHERE NOT EXISTS (SELECT 1 FROM pg_temp.affected_citizen a
                                WHERE a.project_id = s.project_id
                                  AND a.citizen_ref = s.citizen_ref)
        ), d AS (%s), up AS (
            -- A stored row that the batch ties with is left alone here (the
            -- WHERE) and recomputed below.
            INSERT INTO citizen AS t
            SELECT * FROM d
            ON CONFLICT (project_id, citizen_ref) DO UPDATE SET
                municipality_code = CASE WHEN excluded.visited_on < coalesce(t.visited_on, 'infinity')
                                         THEN excluded.municipality_code ELSE t.municipality_code END,
                visited_on = least(t.visited_on, excluded.visited_on),
                target_group = CASE WHEN excluded.visited_on < coalesce(t.visited_on, 'infinity')
                                    THEN excluded.target_group ELSE t.target_group END,
                gender = CASE WHEN excluded.visited_on < coalesce(t.visited_on, 'infinity')
                              THEN excluded.gender ELSE t.gender END,
                age_band = CASE WHEN excluded.visited_on < coalesce(t.visited_on, 'infinity')
                                THEN excluded.age_band ELSE t.age_band END,
                exit_on = least(t.exit_on, excluded.exit_on),
                exit_reason = CASE WHEN excluded.exit_on < coalesce(t.exit_on, 'infinity')
                                   THEN excluded.exit_reason ELSE t.exit_reason END,
                first_intervention_on = least(t.first_intervention_on, excluded.first_intervention_on),
                first_mentor_on = least(t.first_mentor_on, excluded.first_mentor_on),
                first_company_on = least(t.first_company_on, excluded.first_company_on),
                n_events = t.n_events + excluded.n_events,
                last_registered_at = greatest(t.last_registered_at, excluded.last_registered_at)
            -- (coalesce: an exit on one side only is no tie; without it
            -- the comparison was NULL and every stored citizen without an
            -- exit on both sides was recomputed, 0005 to issue 12)
            WHERE NOT (excluded.visited_on IS NOT DISTINCT FROM t.visited_on
                       OR coalesce(excluded.exit_on = t.exit_on, false))
            RETURNING t.project_id, t.citizen_ref
        ), k AS (
            INSERT INTO citizen_contact
            SELECT r.* FROM (%s) r JOIN up USING (project_id, citizen_ref)
        ), p AS (
            INSERT INTO citizen_profile
            SELECT r.* FROM (%s) r JOIN up USING (project_id, citizen_ref)
        ), tie AS (
            INSERT INTO pg_temp.affected_citizen
            SELECT d.project_id, d.citizen_ref FROM d
             WHERE NOT EXISTS (SELECT 1 FROM up WHERE up.project_id = d.project_id
                                                   AND up.citizen_ref = d.citizen_ref)
            ON CONFLICT DO NOTHING
        )
        SELECT count(*) FROM up
        $q$, midway_citizen_fold('b'), midway_citizen_contact_rows('b'),
             midway_citizen_profile_rows('b')) INTO n;
        PERFORM set_config('enable_nestloop', nestloop, true);
    END IF;

    IF EXISTS (SELECT 1 FROM pg_temp.affected_citizen) THEN
        n := n + midway_refresh_affected(targets IS NOT NULL);
    END IF;
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION midway_apply_batch(boolean)
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
GRANT EXECUTE ON FUNCTION midway_apply_batch(boolean) TO midway_pipeline;
