-- midway 0010: the evaluator's own assessments of each project (issue 13;
-- docs/report.md, "Assessments"): the status of the four minimum
-- requirements (met / partly met / not met, with a comment) and the focus
-- areas, from interviews, not registrations. Append-only: the latest row
-- of a project, cut-off and item is in force (status.project_assessment,
-- functions/45_assessment.sql); who and when are set by the database.
CREATE TABLE status.assessment (
    project_id    int NOT NULL REFERENCES project,
    as_of         date NOT NULL,
    item          text NOT NULL CHECK (item IN ('requirement_1', 'requirement_2', 'requirement_3',
                                                'requirement_4', 'focus_so_far', 'focus_ahead')),
    level         text CHECK (level IN ('met', 'partly_met', 'not_met')),
    text          text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    registered_by name NOT NULL,
    registered_at timestamptz NOT NULL,
    CHECK ((item LIKE 'requirement_%') = (level IS NOT NULL))
);
CREATE INDEX assessment_key ON status.assessment (project_id, as_of, item, registered_at);

-- the trigger's function is defined in functions/45_assessment.sql
CREATE FUNCTION midway_assessment_check() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER assessment_check BEFORE INSERT OR UPDATE ON status.assessment
    FOR EACH ROW EXECUTE FUNCTION midway_assessment_check();

REVOKE ALL ON status.assessment FROM PUBLIC;
GRANT SELECT, INSERT ON status.assessment TO midway_evaluator;
GRANT SELECT ON status.assessment TO midway_auditor;
