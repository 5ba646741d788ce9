-- midway functions 40: what evaluators (midway_evaluator) may call: the
-- schema status, aggregates only (docs/status.md, "Access"). Exact counts:
-- this is the internal tool, disclosure control applies to published
-- reports. SECURITY DEFINER: the citizen tables stay out of reach.

CREATE OR REPLACE FUNCTION status.project_status(as_of date) RETURNS SETOF midway_status_row
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT * FROM midway_status(as_of)
$$;
REVOKE ALL ON FUNCTION status.project_status(date)
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
GRANT EXECUTE ON FUNCTION status.project_status(date) TO midway_evaluator;

CREATE OR REPLACE FUNCTION status.project_series(dates date[]) RETURNS SETOF midway_series_row
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT * FROM midway_status_series(dates)
$$;
REVOKE ALL ON FUNCTION status.project_series(date[])
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
GRANT EXECUTE ON FUNCTION status.project_series(date[]) TO midway_evaluator;

CREATE OR REPLACE VIEW status.current_status AS SELECT * FROM status.project_status(current_date);
REVOKE ALL ON status.current_status
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
GRANT SELECT ON status.current_status TO midway_evaluator;
