-- midway functions 32: the data quality of each project's registrations
-- as of a cut-off date (docs/status.md, "Data quality"): what the status
-- cannot count, or counts only by a rule, and what arrived late or not at
-- all. For the municipalities (their own project, 50_municipal.sql) and
-- the evaluators (at publication cut-offs, 40_evaluator.sql). One row per
-- project and a total row (project_id NULL, name 'Total').
--
-- citizens                 citizens with a registration dated on or before
--                          the cut-off
-- without_intake           of those, citizens with no intake (visitation)
--                          on or before the cut-off: their contacts,
--                          interventions and exit are not in the status
-- contacts                 contacts dated on or before the cut-off
-- contacts_before_intake   of those, contacts of a citizen dated before the
--                          citizen's intake: not counted in the status
--                          (docs/status.md, "Contacts")
-- contacts_without_intake  contacts of citizens without an intake
-- registrations            new registrations (not corrections or
--                          retractions) of facts dated on or before the
--                          cut-off
-- lag_median_days, lag_p90_days, lag_max_days
--                          days from the fact to its registration (the
--                          Danish date of registered_at minus the event
--                          date), over those registrations
-- registered_after_30_days registrations entered more than 30 days after
--                          the fact
-- dead_letters             messages of the project's topic sent to the
--                          dead-letter topic so far (whatever the cut-off:
--                          a message that could not be read has no date of
--                          its own), and by stage (decode, schema, privacy,
--                          validate, bind, store) as a JSON object
CREATE OR REPLACE FUNCTION midway_data_quality(as_of date)
RETURNS SETOF midway_data_quality_row
LANGUAGE sql STABLE SET jit = off AS $$
WITH c AS (
    SELECT c.project_id, c.citizen_ref, c.visited_on <= as_of AS has_intake, c.visited_on
    FROM citizen c
    WHERE EXISTS (SELECT 1 FROM event e
                   WHERE e.project_id = c.project_id AND e.citizen_ref = c.citizen_ref
                     AND e.event_date <= as_of)
),
cq AS (
    SELECT project_id,
           count(*) AS citizens,
           count(*) FILTER (WHERE NOT coalesce(has_intake, false)) AS without_intake
    FROM c GROUP BY GROUPING SETS ((project_id), ())
),
kq AS (
    SELECT k.project_id,
           count(*) AS contacts,
           count(*) FILTER (WHERE c.visited_on <= as_of AND k.contact_on < c.visited_on)
               AS before_intake,
           count(*) FILTER (WHERE NOT coalesce(c.visited_on <= as_of, false)) AS without_intake
    FROM citizen_contact k
    JOIN citizen c USING (project_id, citizen_ref)
    WHERE k.contact_on <= as_of
    GROUP BY GROUPING SETS ((k.project_id), ())
),
lag AS (
    SELECT e.project_id,
           ((e.registered_at AT TIME ZONE 'Europe/Copenhagen')::date - e.event_date) AS days
    FROM event e
    WHERE e.action = 'new' AND e.event_date <= as_of
),
lq AS (
    SELECT project_id, count(*) AS n,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY days) AS p50,
           percentile_disc(0.9) WITHIN GROUP (ORDER BY days) AS p90,
           max(days) AS mx,
           count(*) FILTER (WHERE days > 30) AS late
    FROM lag GROUP BY GROUPING SETS ((project_id), ())
),
-- a dead letter's project is its topic's: <prefix>.registrations.<slug>
dl AS (
    SELECT p.project_id, d.stage, count(*) AS n
    FROM dead_letter d
    JOIN project p ON d.kafka_topic LIKE '%.registrations.' || p.slug
    GROUP BY GROUPING SETS ((p.project_id, d.stage), (d.stage))
),
dq AS (
    SELECT project_id, sum(n) AS n,
           jsonb_object_agg(stage, n ORDER BY stage) AS by_stage
    FROM dl GROUP BY project_id
),
pr AS (
    SELECT p.project_id, p.name, 0 AS is_total FROM project p
    UNION ALL
    SELECT NULL, 'Total', 1
)
SELECT pr.project_id, pr.name,
       coalesce(cq.citizens, 0)::int, coalesce(cq.without_intake, 0)::int,
       coalesce(kq.contacts, 0)::int, coalesce(kq.before_intake, 0)::int,
       coalesce(kq.without_intake, 0)::int,
       coalesce(lq.n, 0)::int, lq.p50, lq.p90, lq.mx, coalesce(lq.late, 0)::int,
       coalesce(dq.n, 0)::int, coalesce(dq.by_stage, '{}'::jsonb)
FROM pr
LEFT JOIN cq ON cq.project_id IS NOT DISTINCT FROM pr.project_id
LEFT JOIN kq ON kq.project_id IS NOT DISTINCT FROM pr.project_id
LEFT JOIN lq ON lq.project_id IS NOT DISTINCT FROM pr.project_id
LEFT JOIN dq ON dq.project_id IS NOT DISTINCT FROM pr.project_id
ORDER BY pr.is_total, pr.project_id
$$;
REVOKE ALL ON FUNCTION midway_data_quality(date)
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
