-- midway functions 30: the midway status for a cut-off date and the status
-- series for many dates (docs/status.md: every column and denominator;
-- docs/performance.md: why the queries are shaped as they are). Both read
-- the per-citizen tables only. Evaluators and municipalities reach them
-- through 40_evaluator.sql and 50_municipal.sql.
--
-- midway_status(as_of): one row per project and a total row (project_id
-- NULL, name 'Total'). Denominators: every pct_* has base `active`
-- (citizens visited on or before the cut-off and not exited by it), except
-- pct_contacts_sms_email (base: contacts_total);
-- contacts_first_month_per_citizen is over the visited citizens whose
-- first month has ended by the cut-off; contacts_later_per_citizen_month
-- is contacts after the first month per citizen-month after the first
-- month (until exit or the cut-off). One pass over each table:
-- * the latest benefit type and problem areas on or before the cut-off
--   come from one ordered pass over citizen_profile_latest_idx, which
--   holds them in the order of the citizen table's key, so the three are
--   merged without a sort;
-- * contacts are counted per project and channel straight from their join
--   with the citizens (the sums are additive);
-- * the planner settings: JIT off (compiling cost more than it saved),
--   work_mem 64 MB (sorts spilled to disk), and no sort where a hash does:
--   the row estimates of the two-column joins on (project_id, citizen_ref)
--   are far too low, and made the planner sort 650,000 contacts to group
--   them into 30 projects.

CREATE OR REPLACE FUNCTION midway_status(as_of date)
RETURNS SETOF midway_status_row
LANGUAGE sql STABLE SET jit = off SET work_mem = '64MB' SET enable_sort = off AS $$
WITH c AS (
    SELECT c.project_id, c.citizen_ref, c.visited_on, c.exit_on, c.exit_reason,
           c.gender, c.age_band, c.first_intervention_on, c.first_mentor_on,
           c.first_company_on,
           coalesce(c.visited_on <= as_of, false) AS v,
           coalesce(c.visited_on <= as_of AND c.exit_on <= as_of, false) AS x,
           coalesce(c.visited_on <= as_of AND NOT coalesce(c.exit_on <= as_of, false), false) AS a,
           (c.visited_on + interval '1 month')::date AS month1_end
    FROM citizen c
),
-- the latest stated benefit type and problem areas on or before the
-- cut-off, per citizen (latest by valid_from, registered_at, event_id)
b AS (
    SELECT DISTINCT ON (p.project_id, p.citizen_ref)
           p.project_id, p.citizen_ref, p.benefit_type AS benefit
    FROM citizen_profile p
    WHERE p.valid_from <= as_of AND p.benefit_type IS NOT NULL
    ORDER BY p.project_id, p.citizen_ref, p.valid_from DESC, p.registered_at DESC, p.event_id DESC
),
pa AS (
    SELECT DISTINCT ON (p.project_id, p.citizen_ref)
           p.project_id, p.citizen_ref, cardinality(p.problem_areas) AS n_areas
    FROM citizen_profile p
    WHERE p.valid_from <= as_of AND p.problem_areas IS NOT NULL
    ORDER BY p.project_id, p.citizen_ref, p.valid_from DESC, p.registered_at DESC, p.event_id DESC
),
-- contacts of visited citizens from their intake up to the cut-off (a
-- contact dated before the intake is no contact of the project: it is
-- counted in midway_data_quality() instead), counted per project and
-- channel (a few hundred groups, by hash), then per project; the end of
-- each citizen's first month is computed once per citizen
k0 AS (
    SELECT k.project_id, k.channel,
           count(*) AS n,
           count(*) FILTER (WHERE c.m1 <= as_of AND k.contact_on < c.m1) AS n_first,
           count(*) FILTER (WHERE k.contact_on >= c.m1
                              AND (c.exit_on IS NULL OR k.contact_on <= c.exit_on)) AS n_later
    FROM citizen_contact k
    JOIN (SELECT project_id, citizen_ref, visited_on, exit_on,
                 (visited_on + interval '1 month')::date AS m1
          FROM citizen WHERE visited_on <= as_of) c
      ON c.project_id = k.project_id AND c.citizen_ref = k.citizen_ref
    WHERE k.contact_on <= as_of AND k.contact_on >= c.visited_on
    GROUP BY k.project_id, k.channel
),
k AS (
    SELECT project_id AS pid,
           sum(n) AS k_total,
           coalesce(sum(n) FILTER (WHERE channel IN ('sms', 'email')), 0) AS k_sms_email,
           coalesce(sum(n) FILTER (WHERE channel = 'personal'), 0) AS k_personal,
           coalesce(sum(n) FILTER (WHERE channel = 'phone'), 0) AS k_phone,
           coalesce(sum(n) FILTER (WHERE channel = 'sms'), 0) AS k_sms,
           coalesce(sum(n) FILTER (WHERE channel = 'email'), 0) AS k_email,
           coalesce(sum(n) FILTER (WHERE channel = 'group'), 0) AS k_group,
           coalesce(sum(n) FILTER (WHERE channel = 'other'), 0) AS k_other,
           sum(n_first) AS k_first,
           sum(n_later) AS k_later
    FROM k0
    GROUP BY project_id
),
kt AS (
    SELECT k.*, 0 AS is_total FROM k
    UNION ALL
    SELECT NULL, sum(k_total), sum(k_sms_email), sum(k_personal), sum(k_phone), sum(k_sms),
           sum(k_email), sum(k_group), sum(k_other), sum(k_first), sum(k_later), 1
    FROM k
),
agg AS (
    SELECT c.project_id AS pid, grouping(c.project_id) AS is_total,
           count(*) FILTER (WHERE v) AS visited,
           count(*) FILTER (WHERE a) AS active,
           count(*) FILTER (WHERE x) AS exits_total,
           count(*) FILTER (WHERE x AND g.grp = 'job') AS exits_job,
           count(*) FILTER (WHERE x AND g.grp = 'flexjob') AS exits_flexjob,
           count(*) FILTER (WHERE x AND g.grp = 'education') AS exits_education,
           count(*) FILTER (WHERE x AND g.grp = 'other') AS exits_other,
           count(*) FILTER (WHERE x AND exit_reason = 'caseworker_assessed') AS r1,
           count(*) FILTER (WHERE x AND exit_reason = 'flexjob') AS r2,
           count(*) FILTER (WHERE x AND exit_reason = 'moved') AS r3,
           count(*) FILTER (WHERE x AND exit_reason = 'citizen_left') AS r4,
           count(*) FILTER (WHERE x AND exit_reason = 'ordinary_job') AS r5,
           count(*) FILTER (WHERE x AND exit_reason = 'ordinary_education') AS r6,
           count(*) FILTER (WHERE x AND exit_reason = 'disability_pension') AS r7,
           count(*) FILTER (WHERE x AND exit_reason = 'parental_leave') AS r8,
           count(*) FILTER (WHERE x AND exit_reason = 'rehabilitation') AS r9,
           count(*) FILTER (WHERE x AND exit_reason = 'prison') AS r10,
           count(*) FILTER (WHERE x AND exit_reason = 'retirement') AS r11,
           count(*) FILTER (WHERE x AND exit_reason = 'death') AS r12,
           count(*) FILTER (WHERE x AND exit_reason = 'illness') AS r13,
           count(*) FILTER (WHERE a AND visited_on < (as_of - interval '4 months')::date) AS over4,
           count(*) FILTER (WHERE a AND first_intervention_on <= as_of) AS n_int,
           count(*) FILTER (WHERE a AND first_mentor_on <= as_of) AS n_mentor,
           count(*) FILTER (WHERE a AND first_company_on <= as_of) AS n_company,
           count(*) FILTER (WHERE v AND month1_end <= as_of) AS n_first,
           sum(greatest(0, least(as_of, coalesce(exit_on, as_of)) - month1_end) / 30.4375)
               FILTER (WHERE v) AS later_months,
           count(*) FILTER (WHERE a AND gender = 'female') AS n_female,
           count(*) FILTER (WHERE a AND gender = 'male') AS n_male,
           count(*) FILTER (WHERE a AND age_band = '18-24') AS n_a1,
           count(*) FILTER (WHERE a AND age_band = '25-29') AS n_a2,
           count(*) FILTER (WHERE a AND age_band = '30-39') AS n_a3,
           count(*) FILTER (WHERE a AND age_band = '40-49') AS n_a4,
           count(*) FILTER (WHERE a AND age_band = '50+') AS n_a5,
           count(*) FILTER (WHERE a AND benefit = 'ressourceforloeb') AS n_b1,
           count(*) FILTER (WHERE a AND benefit = 'kontanthjaelp') AS n_b2,
           count(*) FILTER (WHERE a AND benefit = 'uddannelseshjaelp') AS n_b3,
           count(*) FILTER (WHERE a AND benefit = 'other') AS n_b4,
           count(*) FILTER (WHERE a AND (benefit = 'not_stated' OR benefit IS NULL)) AS n_b5,
           count(*) FILTER (WHERE a AND n_areas = 1) AS n_one,
           count(*) FILTER (WHERE a AND n_areas > 1) AS n_multi,
           count(*) FILTER (WHERE a AND coalesce(n_areas, 0) = 0) AS n_none,
           count(*) FILTER (WHERE visited_on IS NULL) AS no_intake
    FROM c
    LEFT JOIN b USING (project_id, citizen_ref)
    LEFT JOIN pa USING (project_id, citizen_ref)
    LEFT JOIN code g ON g.list = 'exit_reason' AND g.code = c.exit_reason
    GROUP BY GROUPING SETS ((c.project_id), ())
),
pr AS (
    SELECT p.*, 0 AS is_total FROM project p
    UNION ALL
    SELECT NULL, 'Total', NULL, NULL, NULL, NULL, 1
)
SELECT pr.project_id, pr.name, pr.target_group,
       CASE WHEN pr.is_total = 1 THEN NULL ELSE pr.expected_target_2015_07_01 END,
       CASE WHEN pr.is_total = 1 THEN NULL ELSE pr.expected_target_total END,
       coalesce(visited, 0)::int, coalesce(active, 0)::int,
       coalesce(exits_total, 0)::int, coalesce(exits_job, 0)::int, coalesce(exits_flexjob, 0)::int,
       coalesce(exits_education, 0)::int, coalesce(exits_other, 0)::int,
       coalesce(r1, 0)::int, coalesce(r2, 0)::int, coalesce(r3, 0)::int, coalesce(r4, 0)::int,
       coalesce(r5, 0)::int, coalesce(r6, 0)::int, coalesce(r7, 0)::int, coalesce(r8, 0)::int,
       coalesce(r9, 0)::int, coalesce(r10, 0)::int, coalesce(r11, 0)::int, coalesce(r12, 0)::int,
       coalesce(r13, 0)::int,
       coalesce(over4, 0)::int, round(100.0 * over4 / nullif(active, 0), 1),
       coalesce(n_int, 0)::int, round(100.0 * n_int / nullif(active, 0), 1),
       coalesce(n_mentor, 0)::int, round(100.0 * n_mentor / nullif(active, 0), 1),
       coalesce(n_company, 0)::int, round(100.0 * n_company / nullif(active, 0), 1),
       coalesce(k_total, 0)::int,
       round(coalesce(k_first, 0)::numeric / nullif(n_first, 0), 2),
       round(coalesce(k_later, 0) / nullif(later_months, 0), 2),
       round(100.0 * k_sms_email / nullif(k_total, 0), 1),
       coalesce(n_female, 0)::int, coalesce(n_male, 0)::int,
       coalesce(n_a1, 0)::int, coalesce(n_a2, 0)::int, coalesce(n_a3, 0)::int,
       coalesce(n_a4, 0)::int, coalesce(n_a5, 0)::int,
       coalesce(n_b1, 0)::int, coalesce(n_b2, 0)::int, coalesce(n_b3, 0)::int,
       coalesce(n_b4, 0)::int, coalesce(n_b5, 0)::int,
       coalesce(n_one, 0)::int, coalesce(n_multi, 0)::int, coalesce(n_none, 0)::int,
       coalesce(no_intake, 0)::int,
       round(100.0 * k_personal / nullif(k_total, 0), 1),
       round(100.0 * k_phone / nullif(k_total, 0), 1),
       round(100.0 * k_sms / nullif(k_total, 0), 1),
       round(100.0 * k_email / nullif(k_total, 0), 1),
       round(100.0 * k_group / nullif(k_total, 0), 1),
       round(100.0 * k_other / nullif(k_total, 0), 1)
FROM pr
LEFT JOIN agg ON (pr.is_total = 1 AND agg.is_total = 1)
              OR (pr.is_total = 0 AND agg.is_total = 0 AND agg.pid = pr.project_id)
LEFT JOIN kt ON (pr.is_total = 1 AND kt.is_total = 1)
             OR (pr.is_total = 0 AND kt.is_total = 0 AND kt.pid = pr.project_id)
WHERE pr.is_total = 1 OR pr.project_id IS NOT NULL
ORDER BY pr.is_total, pr.project_id
$$;
REVOKE ALL ON FUNCTION midway_status(date)
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
GRANT EXECUTE ON FUNCTION midway_status(date) TO midway_municipality;

-- For each of the dates, per project and in all (project_id NULL): the
-- figures of midway_status that need the citizen table alone, with the
-- same definitions. One scan of citizen for all dates: each citizen is
-- reduced to the positions, in the sorted dates, from which it counts as
-- visited, exited, over 4 months or with a first intervention, mentor or
-- company-oriented offer; citizens with equal positions are counted once
-- per project, and only those groups are expanded over the dates.
-- width_bucket(x, dates) is the number of dates <= x, so "day <= date j"
-- holds exactly for j > width_bucket(day - 1, dates).
CREATE OR REPLACE FUNCTION midway_status_series(dates date[])
RETURNS SETOF midway_series_row
LANGUAGE sql STABLE SET jit = off SET work_mem = '64MB' AS $$
WITH d AS (
    -- the dates, sorted and distinct, and for each the day before which an
    -- intake makes an active citizen "over 4 months" (as midway_status)
    SELECT array_agg(x ORDER BY x) AS a,
           array_agg((x - interval '4 months')::date ORDER BY x) AS t4
    FROM (SELECT DISTINCT x FROM unnest(dates) AS u(x) WHERE x IS NOT NULL) s
),
g AS (
    SELECT c.project_id,
           width_bucket(c.visited_on - 1, d.a) AS iv,
           coalesce(width_bucket(c.exit_on - 1, d.a), cardinality(d.a)) AS ix,
           width_bucket(c.visited_on, d.t4) AS i4,
           coalesce(width_bucket(c.first_intervention_on - 1, d.a), cardinality(d.a)) AS ii,
           coalesce(width_bucket(c.first_mentor_on - 1, d.a), cardinality(d.a)) AS im,
           coalesce(width_bucket(c.first_company_on - 1, d.a), cardinality(d.a)) AS ic,
           count(*) AS n
    FROM citizen c CROSS JOIN d
    WHERE c.visited_on <= d.a[cardinality(d.a)]
    GROUP BY 1, 2, 3, 4, 5, 6, 7
),
agg AS (
    SELECT j, g.project_id, grouping(g.project_id) AS is_total,
           sum(n) AS visited,
           sum(n) FILTER (WHERE j <= ix) AS active,
           sum(n) FILTER (WHERE j > ix) AS exits_total,
           sum(n) FILTER (WHERE j <= ix AND j > i4) AS over4,
           sum(n) FILTER (WHERE j <= ix AND j > ii) AS n_int,
           sum(n) FILTER (WHERE j <= ix AND j > im) AS n_mentor,
           sum(n) FILTER (WHERE j <= ix AND j > ic) AS n_company
    FROM g CROSS JOIN d CROSS JOIN generate_series(1, cardinality(d.a)) AS j
    WHERE j > iv
    GROUP BY GROUPING SETS ((j, g.project_id), (j))
),
pr AS (
    SELECT j, p.project_id, 0 AS is_total
    FROM d CROSS JOIN generate_series(1, cardinality(d.a)) AS j CROSS JOIN project p
    UNION ALL
    SELECT j, NULL, 1 FROM d CROSS JOIN generate_series(1, cardinality(d.a)) AS j
)
SELECT d.a[pr.j], pr.project_id,
       coalesce(visited, 0)::int, coalesce(active, 0)::int, coalesce(exits_total, 0)::int,
       coalesce(over4, 0)::int, coalesce(n_int, 0)::int, coalesce(n_mentor, 0)::int,
       coalesce(n_company, 0)::int
FROM pr
CROSS JOIN d
LEFT JOIN agg ON agg.j = pr.j
             AND ((pr.is_total = 1 AND agg.is_total = 1)
               OR (pr.is_total = 0 AND agg.is_total = 0 AND agg.project_id = pr.project_id))
ORDER BY pr.j, pr.is_total, pr.project_id
$$;
REVOKE ALL ON FUNCTION midway_status_series(date[])
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
