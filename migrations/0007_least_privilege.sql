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
-- The functions and the view of the rule are defined in
-- migrations/functions/35_status_gate.sql and 40_evaluator.sql.

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

-- A stub: the trigger below needs its function to exist; the rule is in
-- migrations/functions/35_status_gate.sql (applied right after the
-- migrations, in the same transaction).
CREATE FUNCTION midway_publication_date_check() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN SELECT NULL; RETURN NEW; END $$;
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

-- ---- privileges ----------------------------------------------------------
-- No function of ours for PUBLIC (0002's default privileges hold only for
-- the role that ran it), then exactly the grants each role needs.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public, status, municipal FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

REVOKE ALL ON status.publication_date, status_access_log FROM PUBLIC;
GRANT SELECT ON status.publication_date TO midway_evaluator, midway_auditor;
GRANT USAGE ON SCHEMA status TO midway_auditor;
-- (the grants on the status functions and view are with their definitions,
-- in migrations/functions/40_evaluator.sql)

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
