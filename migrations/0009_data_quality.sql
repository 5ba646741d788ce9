-- The row of the data-quality table (functions/32_data_quality.sql, docs/
-- status.md "Data quality"): new columns only ever at the end.
CREATE TYPE midway_data_quality_row AS (
    project_id int, project_name text,
    citizens int, without_intake int,
    contacts int, contacts_before_intake int, contacts_without_intake int,
    registrations int, lag_median_days int, lag_p90_days int, lag_max_days int,
    registered_after_30_days int,
    dead_letters int, dead_letters_by_stage jsonb
);
