-- midway functions 40: what evaluators (midway_evaluator) and auditors
-- (midway_auditor) may call: the schema status, aggregates only, and for
-- an evaluator only at publication cut-offs (35_status_gate.sql; why:
-- docs/security.md, "What an evaluator may see"). SECURITY DEFINER: the
-- citizen tables stay out of reach. VOLATILE: an auditor's call writes
-- the access log.

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

CREATE OR REPLACE FUNCTION status.data_quality(as_of date)
RETURNS SETOF midway_data_quality_row
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM midway_status_gate('status.data_quality', ARRAY[as_of], false);
    RETURN QUERY SELECT * FROM midway_data_quality(as_of);
END $$;

-- The appendices (36_appendix.sql) at a cut-off, with the shares of
-- Bilag 2 at a previous cut-off (NULL: none): both dates must be cut-offs.
CREATE OR REPLACE FUNCTION status.appendix(as_of date, previous date)
RETURNS TABLE (project_id int, project_name text, appendix text, measure text,
               n int, base int, value numeric, prev_n int, prev_base int,
               prev_value numeric, change_pp numeric)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM midway_status_gate('status.appendix',
                               ARRAY[as_of] || CASE WHEN previous IS NULL THEN '{}'::date[]
                                                    ELSE ARRAY[previous] END, false);
    RETURN QUERY SELECT a.* FROM midway_appendix(as_of, previous) a;
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

REVOKE ALL ON FUNCTION status.project_status(date), status.project_series(date[]),
                        status.data_quality(date), status.appendix(date, date)
    FROM PUBLIC, midway_evaluator, midway_auditor, midway_municipality, midway_pipeline;
GRANT EXECUTE ON FUNCTION status.project_status(date), status.project_series(date[]),
                          status.data_quality(date), status.appendix(date, date)
    TO midway_evaluator, midway_auditor;
REVOKE ALL ON status.current_status
    FROM PUBLIC, midway_evaluator, midway_auditor, midway_municipality, midway_pipeline;
GRANT SELECT ON status.current_status TO midway_evaluator, midway_auditor;

