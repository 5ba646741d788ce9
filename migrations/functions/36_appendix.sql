-- midway functions 36: the figures of the report's appendices (Bilag 1-5)
-- and of each project's page "Indsatserne i projektet", one row per
-- project, figure and the total (docs/status.md, "Appendices": every
-- figure, its count and its denominator). Evaluators reach them through
-- status.appendix() (40_evaluator.sql), at publication cut-offs.

-- The figures in their printed order: position, appendix ('1'..'5', or
-- 'interventions' for the project page), name, and kind:
--   count      n persons (or reference numbers), no base
--   share      n of base persons, value = 100 n / base (1 decimal)
--   rate       n contacts of base persons, value = contacts per citizen
--              (first month) or per citizen-month (later months), 2 dec.
--   average    value = the mean over base persons (months, 1 decimal)
CREATE OR REPLACE FUNCTION midway_appendix_measures()
RETURNS TABLE (pos int, appendix text, measure text, kind text)
LANGUAGE sql IMMUTABLE AS $$
VALUES (1, '1', 'visited', 'count'), (2, '1', 'active', 'count'),
       (3, '1', 'expected_target', 'count'), (4, '1', 'expected_target_total', 'count'),
       (5, '1', 'share_of_total_target', 'share'),
       (10, '2', 'gender.female', 'share'), (11, '2', 'gender.male', 'share'),
       (20, '2', 'age.18_24', 'share'), (21, '2', 'age.25_29', 'share'),
       (22, '2', 'age.30_39', 'share'), (23, '2', 'age.40_49', 'share'),
       (24, '2', 'age.50_plus', 'share'),
       (30, '2', 'benefit.ressourceforloeb', 'share'), (31, '2', 'benefit.kontanthjaelp', 'share'),
       (32, '2', 'benefit.uddannelseshjaelp', 'share'), (33, '2', 'benefit.other', 'share'),
       (34, '2', 'benefit.not_stated', 'share'),
       (40, '2', 'problem.one', 'share'), (41, '2', 'problem.multiple', 'share'),
       (42, '2', 'problem.not_stated', 'share'),
       (50, '2', 'one.psychological', 'share'), (51, '2', 'one.physical', 'share'),
       (52, '2', 'one.social', 'share'),
       (60, '2', 'multiple.psychological_physical', 'share'),
       (61, '2', 'multiple.psychological_social', 'share'),
       (62, '2', 'multiple.physical_social', 'share'), (63, '2', 'multiple.all_three', 'share'),
       (70, '2', 'project_type.youth', 'share'), (71, '2', 'project_type.adult', 'share'),
       (100, '3', 'contacts.first_month', 'rate'), (101, '3', 'contacts.later_months', 'rate'),
       (102, '3', 'months_in_project', 'average'),
       (110, '4', 'mentor', 'share'), (111, '4', 'mentor_months', 'average'),
       (120, '5', 'without_intervention', 'share'),
       (121, '5', 'without_intervention_months', 'average'),
       (130, 'interventions', 'at_least_one', 'share'),
       (131, 'interventions', 'category.company', 'share'),
       (132, 'interventions', 'category.mentor', 'share'),
       (133, 'interventions', 'category.health', 'share'),
       (134, 'interventions', 'category.social', 'share'),
       (135, 'interventions', 'category.education', 'share'),
       (136, 'interventions', 'category.other', 'share'),
       (137, 'interventions', 'parallel', 'share')
$$;

-- One row per citizen visited on or before the cut-off: what the
-- appendices count. An intervention (a citizen's intervention_ref and
-- category) counts if one of its effective registrations has status
-- started or ended and starts (start_date, else the event date) on or
-- before the cut-off; it is in progress at the cut-off unless one of them
-- gives an end_date on or before it. Months are days / 30.4375.
CREATE OR REPLACE FUNCTION midway_appendix_citizens(as_of date)
RETURNS TABLE (project_id int, target_group text, active boolean, gender text,
               age_band text, benefit text, areas text[], months numeric,
               categories text[], in_progress int, mentor_months numeric,
               first_done boolean, k_first int, later_months numeric, k_later int)
LANGUAGE sql STABLE SET jit = off AS $$
WITH c AS (
    SELECT c.project_id, c.citizen_ref, c.visited_on, c.exit_on, c.gender, c.age_band,
           NOT coalesce(c.exit_on <= as_of, false) AS active,
           (c.visited_on + interval '1 month')::date AS m1
    FROM citizen c WHERE c.visited_on <= as_of
),
b AS (
    SELECT DISTINCT ON (p.project_id, p.citizen_ref) p.project_id, p.citizen_ref, p.benefit_type
    FROM citizen_profile p
    WHERE p.valid_from <= as_of AND p.benefit_type IS NOT NULL
    ORDER BY p.project_id, p.citizen_ref, p.valid_from DESC, p.registered_at DESC, p.event_id DESC
),
pa AS (
    SELECT DISTINCT ON (p.project_id, p.citizen_ref) p.project_id, p.citizen_ref, p.problem_areas
    FROM citizen_profile p
    WHERE p.valid_from <= as_of AND p.problem_areas IS NOT NULL
    ORDER BY p.project_id, p.citizen_ref, p.valid_from DESC, p.registered_at DESC, p.event_id DESC
),
iv AS (
    SELECT e.project_id, e.citizen_ref, e.payload->>'category' AS category,
           min(coalesce((e.payload->>'start_date')::date, e.event_date)) AS started,
           min((e.payload->>'end_date')::date)
               FILTER (WHERE (e.payload->>'end_date')::date <= as_of) AS ended
    FROM effective_event e
    WHERE e.kind = 'intervention' AND e.payload->>'status' IN ('started', 'ended')
      AND coalesce((e.payload->>'start_date')::date, e.event_date) <= as_of
    GROUP BY e.project_id, e.citizen_ref, e.payload->>'intervention_ref', e.payload->>'category'
),
ivc AS (
    SELECT iv.project_id, iv.citizen_ref,
           array_agg(DISTINCT iv.category) AS categories,
           count(*) FILTER (WHERE iv.ended IS NULL)::int AS in_progress,
           min(iv.started) FILTER (WHERE iv.category = 'mentor') AS m_start,
           CASE WHEN bool_or(iv.ended IS NULL) FILTER (WHERE iv.category = 'mentor') THEN as_of
                ELSE max(iv.ended) FILTER (WHERE iv.category = 'mentor') END AS m_end
    FROM iv GROUP BY iv.project_id, iv.citizen_ref
),
k AS (
    SELECT c.project_id, c.citizen_ref,
           count(*) FILTER (WHERE c.m1 <= as_of AND x.contact_on < c.m1)::int AS k_first,
           count(*) FILTER (WHERE x.contact_on >= c.m1
                              AND (c.exit_on IS NULL OR x.contact_on <= c.exit_on))::int AS k_later
    FROM citizen_contact x
    JOIN c ON c.project_id = x.project_id AND c.citizen_ref = x.citizen_ref
    WHERE x.contact_on <= as_of AND x.contact_on >= c.visited_on
    GROUP BY c.project_id, c.citizen_ref
)
SELECT c.project_id, p.target_group, c.active, c.gender, c.age_band,
       coalesce(b.benefit_type, 'not_stated'), coalesce(pa.problem_areas, '{}'),
       (as_of - c.visited_on) / 30.4375,
       coalesce(ivc.categories, '{}'), coalesce(ivc.in_progress, 0),
       (ivc.m_end - ivc.m_start) / 30.4375,
       c.m1 <= as_of, coalesce(k.k_first, 0),
       greatest(0, least(as_of, coalesce(c.exit_on, as_of)) - c.m1) / 30.4375,
       coalesce(k.k_later, 0)
FROM c
JOIN project p ON p.project_id = c.project_id
LEFT JOIN b ON b.project_id = c.project_id AND b.citizen_ref = c.citizen_ref
LEFT JOIN pa ON pa.project_id = c.project_id AND pa.citizen_ref = c.citizen_ref
LEFT JOIN ivc ON ivc.project_id = c.project_id AND ivc.citizen_ref = c.citizen_ref
LEFT JOIN k ON k.project_id = c.project_id AND k.citizen_ref = c.citizen_ref
$$;

-- Per project (and in all, project_id NULL) and figure: n, base and
-- value at the cut-off (midway_appendix_measures() says what they are).
-- For each citizen, the figures it is in the base of (b), is counted in
-- (h), and its amount (x: months or contacts) and weight (w).
CREATE OR REPLACE FUNCTION midway_appendix_counts(as_of date)
RETURNS TABLE (project_id int, pos int, n int, base int, value numeric)
LANGUAGE sql STABLE SET jit = off AS $$
WITH f AS (
    SELECT c.project_id, v.pos, v.b, v.h, v.x, v.w
    FROM midway_appendix_citizens(as_of) c
    CROSS JOIN LATERAL (
        SELECT cardinality(c.areas) AS na, c.areas AS a, 'mentor' = ANY (c.categories) AS m,
               cardinality(c.categories) = 0 AS none
    ) z
    CROSS JOIN LATERAL (VALUES
        (1, true, true, NULL::numeric, NULL::numeric), (2, true, c.active, NULL, NULL),
        (10, c.active, c.gender = 'female', NULL, NULL), (11, c.active, c.gender = 'male', NULL, NULL),
        (20, c.active, c.age_band = '18-24', NULL, NULL), (21, c.active, c.age_band = '25-29', NULL, NULL),
        (22, c.active, c.age_band = '30-39', NULL, NULL), (23, c.active, c.age_band = '40-49', NULL, NULL),
        (24, c.active, c.age_band = '50+', NULL, NULL),
        (30, c.active, c.benefit = 'ressourceforloeb', NULL, NULL),
        (31, c.active, c.benefit = 'kontanthjaelp', NULL, NULL),
        (32, c.active, c.benefit = 'uddannelseshjaelp', NULL, NULL),
        (33, c.active, c.benefit = 'other', NULL, NULL),
        (34, c.active, c.benefit = 'not_stated', NULL, NULL),
        (40, c.active, z.na = 1, NULL, NULL), (41, c.active, z.na > 1, NULL, NULL),
        (42, c.active, z.na = 0, NULL, NULL),
        (50, c.active AND z.na = 1, z.a = '{psychological}', NULL, NULL),
        (51, c.active AND z.na = 1, z.a = '{physical}', NULL, NULL),
        (52, c.active AND z.na = 1, z.a = '{social}', NULL, NULL),
        (60, c.active AND z.na > 1, z.a = '{physical,psychological}', NULL, NULL),
        (61, c.active AND z.na > 1, z.a = '{psychological,social}', NULL, NULL),
        (62, c.active AND z.na > 1, z.a = '{physical,social}', NULL, NULL),
        (63, c.active AND z.na > 1, z.na = 3, NULL, NULL),
        (70, c.active, c.target_group = 'youth', NULL, NULL),
        (71, c.active, c.target_group = 'adult', NULL, NULL),
        (100, c.first_done, true, c.k_first::numeric, 1::numeric),
        (101, c.later_months > 0, true, c.k_later::numeric, c.later_months),
        (102, c.active, true, c.months, 1),
        (110, c.active, z.m, NULL, NULL), (111, c.active AND z.m, true, c.mentor_months, 1),
        (120, c.active, z.none, NULL, NULL), (121, c.active AND z.none, true, c.months, 1),
        (130, c.active, NOT z.none, NULL, NULL),
        (131, c.active, 'company' = ANY (c.categories), NULL, NULL),
        (132, c.active, z.m, NULL, NULL),
        (133, c.active, 'health' = ANY (c.categories), NULL, NULL),
        (134, c.active, 'social' = ANY (c.categories), NULL, NULL),
        (135, c.active, 'education' = ANY (c.categories), NULL, NULL),
        (136, c.active, 'other' = ANY (c.categories), NULL, NULL),
        (137, c.active, c.in_progress >= 2, NULL, NULL)
    ) v(pos, b, h, x, w)
),
g AS (
    SELECT f.project_id, f.pos,
           count(*) FILTER (WHERE f.b AND f.h) AS n, count(*) FILTER (WHERE f.b) AS base,
           sum(f.x) FILTER (WHERE f.b) AS sx, sum(f.w) FILTER (WHERE f.b) AS sw
    FROM f GROUP BY GROUPING SETS ((f.project_id, f.pos), (f.pos))
)
SELECT g.project_id, g.pos,
       CASE WHEN m.kind = 'share' THEN g.n WHEN m.kind = 'rate' THEN g.sx::int
            WHEN m.kind = 'count' THEN g.n END::int,
       CASE WHEN m.kind <> 'count' THEN g.base END::int,
       CASE WHEN m.kind = 'share' THEN round(100.0 * g.n / nullif(g.base, 0), 1)
            WHEN m.kind = 'rate' THEN round(g.sx / nullif(g.sw, 0), 2)
            WHEN m.kind = 'average' THEN round(g.sx / nullif(g.sw, 0), 1) END
FROM g JOIN midway_appendix_measures() m ON m.pos = g.pos
$$;

-- The appendices at the cut-off, with each Bilag 2 share at the previous
-- cut-off (previous NULL: none) and its change in percentage points
-- (value - prev_value, from the unrounded shares, 1 decimal). Rows:
-- projects in order, then the total, each in the order of the figures;
-- a project without citizens has n 0, base 0 and no value; an average
-- has no n. Bilag 1's
-- target figures come from the reference data (NULL where the sources
-- state no target; the total row: the sums over the projects that state
-- one, and the visited of those projects against them).
CREATE OR REPLACE FUNCTION midway_appendix(as_of date, previous date)
RETURNS TABLE (project_id int, project_name text, appendix text, measure text,
               n int, base int, value numeric, prev_n int, prev_base int,
               prev_value numeric, change_pp numeric)
LANGUAGE sql STABLE SET jit = off AS $$
WITH pr AS (
    SELECT p.project_id, p.name, p.expected_target_2015_07_01 AS t1,
           p.expected_target_total AS tt, 0 AS is_total
    FROM project p
    UNION ALL
    SELECT NULL, 'Total', sum(p.expected_target_2015_07_01), sum(p.expected_target_total), 1
    FROM project p
),
now AS (SELECT * FROM midway_appendix_counts(as_of)),
bef AS (SELECT * FROM midway_appendix_counts(previous) WHERE previous IS NOT NULL),
-- visited of the projects that state a total target (for the total row)
vt AS (
    SELECT sum(c.n) AS n FROM now c JOIN project p ON p.project_id = c.project_id
    WHERE c.pos = 1 AND p.expected_target_total IS NOT NULL
),
r AS (
    SELECT pr.is_total, pr.project_id, pr.name, m.pos, m.appendix, m.measure, m.kind,
           CASE m.pos WHEN 3 THEN pr.t1 WHEN 4 THEN pr.tt
                      WHEN 5 THEN CASE WHEN pr.tt IS NULL THEN NULL
                                       WHEN pr.is_total = 1 THEN (SELECT vt.n FROM vt)
                                       ELSE v.n END
                      ELSE CASE WHEN m.kind <> 'average' THEN coalesce(now.n, 0) END END AS n,
           CASE WHEN m.pos = 5 THEN pr.tt WHEN m.kind <> 'count' THEN coalesce(now.base, 0) END AS base,
           now.value, bef.n AS pn, bef.base AS pb, bef.value AS pv
    FROM pr
    CROSS JOIN midway_appendix_measures() m
    LEFT JOIN now ON now.project_id IS NOT DISTINCT FROM pr.project_id AND now.pos = m.pos
    LEFT JOIN now v ON v.project_id IS NOT DISTINCT FROM pr.project_id AND v.pos = 1
    LEFT JOIN bef ON bef.project_id IS NOT DISTINCT FROM pr.project_id AND bef.pos = m.pos
                 AND m.appendix = '2'
)
SELECT r.project_id, r.name, r.appendix, r.measure, r.n::int, r.base::int,
       CASE WHEN r.pos = 5 THEN round(100.0 * r.n / nullif(r.base, 0), 1) ELSE r.value END,
       CASE WHEN previous IS NOT NULL AND r.appendix = '2' THEN coalesce(r.pn, 0) END::int,
       CASE WHEN previous IS NOT NULL AND r.appendix = '2' THEN coalesce(r.pb, 0) END::int,
       r.pv,
       round(100.0 * r.n / nullif(r.base, 0) - 100.0 * r.pn / nullif(r.pb, 0), 1)
FROM r
ORDER BY r.is_total, r.project_id, r.pos
$$;

REVOKE ALL ON FUNCTION midway_appendix_measures(), midway_appendix_citizens(date),
    midway_appendix_counts(date), midway_appendix(date, date)
    FROM PUBLIC, midway_evaluator, midway_municipality, midway_pipeline;
