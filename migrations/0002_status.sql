-- midway 0002: the per-citizen tables, the status's row type, and access
-- for evaluators and municipalities (roles, row-level security, schemas).
--
-- The rules (docs/status.md) and every function and view are in
-- migrations/functions/ (10_citizen_rules.sql: effective registrations and
-- the per-citizen fold; 20_citizen_batch.sql: the consumer's maintenance;
-- 30_status.sql: the status; 40_evaluator.sql, 50_municipal.sql: what each
-- role may call), applied by `midway-admin migrate` after the migrations,
-- in the same transaction. Until issue 12 this file held them too.

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

-- ---- the row of the midway status (functions/30_status.sql) -----------
-- Its columns are the CSV's (docs/status.md); new ones only ever at the
-- end (ALTER TYPE ... ADD ATTRIBUTE in a migration).
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

-- The policies below call midway_role_projects(); its definition is in
-- functions/50_municipal.sql, which replaces this stub in the same
-- transaction (a policy needs the function to exist when it is created).
CREATE FUNCTION midway_role_projects() RETURNS int[]
LANGUAGE sql STABLE AS 'SELECT NULL::int[]';

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
REVOKE ALL ON SCHEMA status FROM PUBLIC;
GRANT USAGE ON SCHEMA status TO midway_evaluator;

-- Municipalities: their own project's rows, through security_invoker views
-- (so the row-level security of the tables applies to the reader).
CREATE SCHEMA municipal;
REVOKE ALL ON SCHEMA municipal FROM PUBLIC;
GRANT USAGE ON SCHEMA municipal TO midway_municipality;
