-- midway functions 50: what a municipality (midway_municipality) may see:
-- its own project's rows, through the schema municipal's security_invoker
-- views (so the row-level security of the tables, 0002, applies to the
-- reader), and its project's status. A login role is tied to a project
-- with midway_grant_municipality(role, project_id).

-- The projects of the calling role: the row-level security policies of
-- event, citizen, citizen_profile and citizen_contact (0002) call it.
CREATE OR REPLACE FUNCTION midway_role_projects() RETURNS int[]
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = public, pg_temp AS $$
    SELECT coalesce(array_agg(project_id), '{}') FROM municipal_role WHERE role_name = current_user
$$;
REVOKE ALL ON FUNCTION midway_role_projects()
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
GRANT EXECUTE ON FUNCTION midway_role_projects() TO midway_municipality;

-- For the owner: make GRANTEE a municipality login of PROJECT.
CREATE OR REPLACE FUNCTION midway_grant_municipality(grantee name, project int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('GRANT midway_municipality TO %I', grantee);
    INSERT INTO municipal_role AS m VALUES (grantee, project)
    ON CONFLICT (role_name) DO UPDATE SET project_id = EXCLUDED.project_id;
END $$;
REVOKE ALL ON FUNCTION midway_grant_municipality(name, int)
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;

CREATE OR REPLACE VIEW municipal.citizen WITH (security_invoker = true) AS
SELECT project_id, citizen_ref, municipality_code, visited_on, target_group, gender,
       age_band, exit_on, exit_reason, first_intervention_on, first_mentor_on,
       first_company_on
FROM citizen;
CREATE OR REPLACE VIEW municipal.registration WITH (security_invoker = true) AS
SELECT event_id, project_id, municipality_code, citizen_ref, kind, event_date,
       registered_at, action, supersedes, payload
FROM event;
REVOKE ALL ON municipal.citizen, municipal.registration
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
GRANT SELECT ON municipal.citizen, municipal.registration TO midway_municipality;

CREATE OR REPLACE FUNCTION municipal.project_status(as_of date) RETURNS SETOF midway_status_row
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = public, pg_temp AS $$
    SELECT * FROM midway_status(as_of) s
    WHERE s.project_id = ANY (midway_role_projects()) OR s.project_id IS NULL
$$;
REVOKE ALL ON FUNCTION municipal.project_status(date)
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
GRANT EXECUTE ON FUNCTION municipal.project_status(date) TO midway_municipality;

-- The data quality of the calling municipality's project. SECURITY
-- DEFINER, because it counts dead letters, which a municipality cannot
-- read; the caller is session_user (current_user is the owner here).
CREATE OR REPLACE FUNCTION municipal.data_quality(as_of date) RETURNS SETOF midway_data_quality_row
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT q.* FROM midway_data_quality(as_of) q
    WHERE q.project_id IN (SELECT m.project_id FROM municipal_role m
                            WHERE m.role_name = session_user)
$$;
REVOKE ALL ON FUNCTION municipal.data_quality(date)
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
GRANT EXECUTE ON FUNCTION municipal.data_quality(date) TO midway_municipality;
