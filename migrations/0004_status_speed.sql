-- midway 0004: the schema of the status in one pass (docs/performance.md):
-- an index of citizen_profile that holds the latest benefit type and
-- problem areas in the order of the citizen table's key (it replaces
-- 0002's, whose look-ups by citizen it serves as well), and the row type
-- of the status series. The functions that use them (midway_status,
-- midway_status_series, status.project_series) are in
-- migrations/functions/30_status.sql and 40_evaluator.sql.

CREATE INDEX citizen_profile_latest_idx ON citizen_profile
    (project_id, citizen_ref, valid_from DESC, registered_at DESC, event_id DESC)
    INCLUDE (benefit_type, problem_areas);
DROP INDEX citizen_profile_citizen_idx;

-- The row of midway_status_series(dates): for each date, per project and
-- in all (project_id NULL), the figures of the status that need the
-- citizen table alone.
CREATE TYPE midway_series_row AS (
    as_of date, project_id int,
    visited int, active int, exits_total int, active_over_4_months int,
    n_at_least_one_intervention int, n_mentor int, n_company_oriented int
);

