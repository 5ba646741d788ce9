-- midway functions 45: the evaluator's assessments (migration 0010;
-- docs/report.md, "Assessments").

-- Who and when come from the database, not the writer; the table is
-- append-only; a text that looks like it holds a CPR number (ten digits,
-- with or without a separator after the sixth) is refused: assessments
-- are published, and describe projects, not people. midway-status
-- --assess checks the same with the producer's full rule first.
CREATE OR REPLACE FUNCTION midway_assessment_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'status.assessment is append-only: register a new assessment'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.text ~ '[0-9]{6}[^0-9]{0,3}[0-9]{4}' THEN
        RAISE EXCEPTION 'assessment of project % (%): the text looks like it holds a CPR number',
            NEW.project_id, NEW.item USING ERRCODE = 'check_violation';
    END IF;
    NEW.registered_by := session_user;
    NEW.registered_at := clock_timestamp();
    RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION midway_assessment_check()
    FROM PUBLIC, midway_evaluator, midway_auditor, midway_municipality, midway_pipeline;

-- The assessments in force: the latest of each project, cut-off and item.
CREATE OR REPLACE VIEW status.project_assessment AS
SELECT DISTINCT ON (a.project_id, a.as_of, a.item)
       a.project_id, a.as_of, a.item, a.level, a.text, a.registered_by, a.registered_at
FROM status.assessment a
ORDER BY a.project_id, a.as_of, a.item, a.registered_at DESC;
REVOKE ALL ON status.project_assessment
    FROM PUBLIC, midway_evaluator, midway_auditor, midway_municipality, midway_pipeline;
GRANT SELECT ON status.project_assessment TO midway_evaluator, midway_auditor;
