-- midway 0007: least privilege (docs/security.md, "Database roles").
--
-- 1. Evaluators get status figures only at publication cut-offs. A red-team
--    attack on 0002-0006 called status.project_status(date) as an evaluator
--    for every day of June 2015 and, differencing consecutive days, read
--    off the gender, age band and benefit of every citizen who was the only
--    intake of a project on a day (139 of them). Now:
--    * status.project_status(d) for an evaluator only when d is a
--      publication cut-off: the first day of a month ("per 1. juli 2015":
--      as_of counts the facts dated on or before d, so 2015-07-01 is the
--      midway status), or a date the owner registered in
--      status.publication_date;
--    * status.project_series(dates) (visited, active, exits and the key
--      counts, no profile) at publication cut-offs and month ends: the
--      points of midway-report's chart (docs/report.md);
--    * any other date raises SQLSTATE 42501 (insufficient_privilege)
--      naming the rule;
--    * midway_auditor (NOLOGIN group role) gets any date; each call is
--      recorded in status_access_log (rows the auditor can neither read
--      nor alter) and in the server log (RAISE LOG, which a rollback
--      does not undo);
--    * the owner and superusers are unaffected.
--    Who is asking is session_user: inside a SECURITY DEFINER function
--    current_user is the owner, and only a superuser can change
--    session_user.
-- 2. midway_pipeline gets exactly what the consumer does: nothing on
--    municipal_role (0002 let it re-point a municipality's login), no
--    TRUNCATE, REFERENCES, TRIGGER or DELETE on the event ledger, no
--    reference data.
-- 3. No function of ours is executable by PUBLIC, whoever created it.

DO $$
BEGIN
    CREATE ROLE midway_auditor NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- ---- publication cut-offs registered by the owner ------------------------
CREATE TABLE status.publication_date (
    cut_off       date PRIMARY KEY,
    registered_by name NOT NULL DEFAULT session_user,
    registered_at timestamptz NOT NULL DEFAULT now(),
    note          text
);

-- Who and when are set by the database, not by the writer; a registered
-- date stays at least 7 days from every other cut-off and month end, so
-- no two dates an evaluator may ask for are closer than a week (except a
-- month end and the first of the next month, which the series allows:
-- see docs/security.md).
CREATE FUNCTION midway_publication_date_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    d date := NEW.cut_off;
    near date;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'status.publication_date is append-only: delete the row and insert a new one'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.registered_by := session_user;
    NEW.registered_at := now();
    IF extract(day FROM d) = 1 THEN
        RAISE EXCEPTION 'publication cut-off %: the first day of every month is a cut-off already', d;
    END IF;
    near := CASE WHEN d - date_trunc('month', d)::date < 7 THEN date_trunc('month', d)::date
                 WHEN (date_trunc('month', d) + interval '1 month')::date - d <= 7
                     THEN (date_trunc('month', d) + interval '1 month')::date - 1
            END;
    IF near IS NULL THEN
        SELECT p.cut_off INTO near FROM status.publication_date p
         WHERE abs(p.cut_off - d) < 7 AND p.cut_off <> d LIMIT 1;
    END IF;
    IF near IS NOT NULL THEN
        RAISE EXCEPTION 'publication cut-off %: less than 7 days from the cut-off or month end %', d, near
            USING HINT = 'dates an evaluator may ask for must not be differenced into short windows (docs/security.md)';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER publication_date_check BEFORE INSERT OR UPDATE ON status.publication_date
    FOR EACH ROW EXECUTE FUNCTION midway_publication_date_check();

-- ---- the access log of the auditor --------------------------------------
CREATE TABLE status_access_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    accessed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    login       name NOT NULL DEFAULT session_user,
    function    text NOT NULL,
    dates       date[] NOT NULL
);

-- Is d a publication cut-off?
CREATE FUNCTION midway_is_cut_off(d date) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT d IS NOT NULL
       AND (extract(day FROM d) = 1
            OR EXISTS (SELECT 1 FROM status.publication_date p WHERE p.cut_off = d))
$$;

-- The rule, for the functions of the status schema (which run as the
-- owner: current_user is the owner, session_user the caller).
CREATE FUNCTION midway_status_gate(fn text, dates date[], month_ends boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    d date;
BEGIN
    -- the owner (and superusers, members of everything) unaffected
    IF pg_has_role(session_user, current_user, 'MEMBER') THEN
        RETURN;
    END IF;
    IF pg_has_role(session_user, 'midway_auditor', 'MEMBER') THEN
        INSERT INTO status_access_log (function, dates) VALUES (fn, coalesce(dates, '{}'));
        RAISE LOG 'midway audit: % called % for %', session_user, fn, dates;
        RETURN;
    END IF;
    FOREACH d IN ARRAY coalesce(dates, '{}') LOOP
        IF d IS NULL AND NOT month_ends THEN
            RAISE EXCEPTION 'permission denied for the status without a date'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        CONTINUE WHEN d IS NULL; -- the series ignores them
        IF midway_is_cut_off(d) OR (month_ends AND extract(day FROM d + 1) = 1) THEN
            CONTINUE;
        END IF;
        IF month_ends THEN
            RAISE EXCEPTION 'permission denied for the status series at %: an evaluator gets series points only at publication cut-offs (the first day of a month or a date in status.publication_date) and month ends (docs/security.md)', d
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'use month ends and first days of months (e.g. --as-of 2015-07-01), ask the owner to register the date, or ask a midway_auditor';
        END IF;
        RAISE EXCEPTION 'permission denied for the status at %: an evaluator gets the status only at publication cut-offs, the first day of a month or a date in status.publication_date (docs/security.md)', d
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'ask for the first day of a month (e.g. --as-of 2015-07-01), ask the owner to register the date, or ask a midway_auditor';
    END LOOP;
END $$;

-- The same signatures and results as before; now VOLATILE, since an
-- auditor's call writes the access log.
CREATE OR REPLACE FUNCTION status.project_status(as_of date) RETURNS SETOF midway_status_row
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM midway_status_gate('status.project_status', ARRAY[as_of], false);
    RETURN QUERY SELECT * FROM midway_status(as_of);
END $$;

CREATE OR REPLACE FUNCTION status.project_series(dates date[]) RETURNS SETOF midway_series_row
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM midway_status_gate('status.project_series', dates, true);
    RETURN QUERY SELECT * FROM midway_status_series(dates);
END $$;

-- The status at the latest publication cut-off on or before today (it was
-- today's, which an evaluator may no longer ask for); the date is the new
-- last column.
CREATE OR REPLACE VIEW status.current_status AS
WITH c AS (
    SELECT greatest(date_trunc('month', current_date)::date,
                    (SELECT max(cut_off) FROM status.publication_date WHERE cut_off <= current_date)) AS as_of
)
SELECT s.*, c.as_of FROM c CROSS JOIN LATERAL status.project_status(c.as_of) s;

-- ---- privileges ----------------------------------------------------------
-- No function of ours for PUBLIC (0002's default privileges hold only for
-- the role that ran it), then exactly the grants each role needs.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public, status, municipal FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

REVOKE ALL ON status.publication_date, status_access_log FROM PUBLIC;
GRANT SELECT ON status.publication_date TO midway_evaluator, midway_auditor;
GRANT USAGE ON SCHEMA status TO midway_auditor;
GRANT EXECUTE ON FUNCTION status.project_status(date), status.project_series(date[])
    TO midway_evaluator, midway_auditor;
GRANT SELECT ON status.current_status TO midway_evaluator, midway_auditor;

-- midway_pipeline: what midway-consumer and the batch functions it calls
-- (midway_apply_batch, midway_refresh_affected, midway_refresh_citizens)
-- do, and no more.
DROP POLICY pipeline ON municipal_role;
REVOKE ALL ON municipal_role, project, project_municipality, code, schema_migration,
    event, citizen, citizen_profile, citizen_contact, kafka_offset, dead_letter
    FROM midway_pipeline;
GRANT SELECT, INSERT ON event TO midway_pipeline;
GRANT SELECT, INSERT, UPDATE, DELETE ON citizen, citizen_profile, citizen_contact TO midway_pipeline;
GRANT SELECT, INSERT, UPDATE ON kafka_offset, dead_letter TO midway_pipeline;
GRANT SELECT ON schema_migration TO midway_pipeline;
