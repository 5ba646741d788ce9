#!/bin/bash
# Issue 13 (2): the figures of the appendices (status.appendix(),
# migrations/functions/36_appendix.sql; docs/status.md, "Appendices").
# Three seed-calibrated projects through the pipeline; then
#  - every figure the status has too is equal to it (visited, active, the
#    breakdowns of Bilag 2, mentor support, interventions, contacts);
#  - the parts of each breakdown add up to its base, the total row is the
#    sum of the projects, the shares and changes follow from n and base;
#  - the detail of the problem areas and the averages equal a count from
#    the stored events written here once more, independently;
#  - an evaluator gets them at cut-offs only, and midway-status prints
#    them (JSON and CSV) as the function gives them.
. "$(dirname "$0")/lib.sh"

cal=$MW_SOURCE_DIR/reference/calibration.csv
AS_OF=2015-07-01
PREV=2015-04-01
setup_db_and_topics
for p in 5 20 30; do
        "$BIN/midway-gen" -p "$p" --calibration "$cal" -s 2015 >"$WORK/export-$p.csv"
        produce "$p" "$WORK/export-$p.csv" 2>>"$WORK/logs" || fail "midway-producer failed for $p"
done
consume_to_end 2>>"$WORK/logs"
verify_state

A="midway_appendix('$AS_OF', '$PREV')"
# 1. Equal to the status where the status has the figure.
bad=$(q "WITH s AS (SELECT * FROM midway_status('$AS_OF')),
        a AS (SELECT project_id, measure, n, value FROM $A),
        pairs(measure, col) AS (VALUES ('visited', 'visited'), ('active', 'active'),
            ('gender.female', 'n_female'), ('gender.male', 'n_male'),
            ('age.18_24', 'n_age_18_24'), ('age.50_plus', 'n_age_50_plus'),
            ('benefit.ressourceforloeb', 'n_ressourceforloeb'),
            ('benefit.not_stated', 'n_benefit_not_stated'),
            ('problem.one', 'n_one_problem_area'), ('problem.multiple', 'n_multiple_problem_areas'),
            ('problem.not_stated', 'n_problem_area_not_stated'),
            ('mentor', 'n_mentor'), ('category.mentor', 'n_mentor'),
            ('category.company', 'n_company_oriented'),
            ('at_least_one', 'n_at_least_one_intervention'))
        SELECT count(*) FROM s JOIN pairs ON true
        JOIN a ON a.project_id IS NOT DISTINCT FROM s.project_id AND a.measure = pairs.measure
        WHERE a.n IS DISTINCT FROM (to_jsonb(s) ->> pairs.col)::int")
assert_eq "appendix counts that differ from the status" "0" "$bad"
bad=$(q "SELECT count(*) FROM midway_status('$AS_OF') s
        JOIN $A a ON a.project_id IS NOT DISTINCT FROM s.project_id
        WHERE (a.measure = 'contacts.first_month' AND a.value IS DISTINCT FROM s.contacts_first_month_per_citizen)
           OR (a.measure = 'contacts.later_months' AND a.value IS DISTINCT FROM s.contacts_later_per_citizen_month)
           OR (a.measure = 'without_intervention' AND a.n <> s.active - s.n_at_least_one_intervention)
           OR (a.measure = 'mentor' AND a.value IS DISTINCT FROM s.pct_mentor)")
assert_eq "contacts, mentor share, without intervention that differ from the status" "0" "$bad"
log "ok: the figures the status has too are equal"

# 2. Breakdowns add up to their base; total = sum of projects; shares.
bad=$(q "WITH a AS (SELECT * FROM $A),
        g AS (SELECT project_id, split_part(measure, '.', 1) AS grp, sum(n) AS s, max(base) AS b
              FROM a WHERE appendix = '2' GROUP BY 1, 2)
        SELECT count(*) FROM g WHERE grp IN ('gender', 'age', 'benefit', 'problem', 'one',
                                             'multiple', 'project_type') AND s <> b")
assert_eq "Bilag 2 breakdowns whose parts do not add up to their base" "0" "$bad"
bad=$(q "WITH a AS (SELECT * FROM $A)
        SELECT count(*) FROM a t
        WHERE t.project_id IS NULL AND t.measure NOT LIKE 'expected%' AND t.measure <> 'share_of_total_target'
          AND ROW(t.n, t.base) IS DISTINCT FROM
              (SELECT ROW(sum(p.n)::int, sum(p.base)::int) FROM a p
                WHERE p.project_id IS NOT NULL AND p.measure = t.measure)")
assert_eq "total rows that are not the sum of the projects" "0" "$bad"
bad=$(q "SELECT count(*) FROM $A WHERE appendix IN ('2', '4', '5', 'interventions')
          AND measure NOT LIKE '%months'
          AND (value IS DISTINCT FROM round(100.0 * n / nullif(base, 0), 1)
               OR (appendix = '2' AND change_pp IS DISTINCT FROM
                   round(100.0 * n / nullif(base, 0) - 100.0 * prev_n / nullif(prev_base, 0), 1)))")
assert_eq "shares or changes that do not follow from n and base" "0" "$bad"
assert_eq "Bilag 2 at the previous cut-off equals the appendix of that date" "0" \
        "$(q "SELECT count(*) FROM $A a JOIN midway_appendix('$PREV', NULL) p
              ON p.project_id IS NOT DISTINCT FROM a.project_id AND p.measure = a.measure
              WHERE a.appendix = '2' AND (a.prev_n, a.prev_base) IS DISTINCT FROM (p.n, p.base)")"
assert_eq "projects with a share of the total target (Frederikshavn 150, Slagelse 250: no other source states one)" \
        "5:150:$(q "SELECT round(100.0 * visited / 150, 1) FROM midway_status('$AS_OF') WHERE project_id = 5")" \
        "$(q "SELECT string_agg(project_id || ':' || base || ':' || coalesce(value::text, ''), ',' ORDER BY project_id)
              FROM $A WHERE measure = 'share_of_total_target' AND base IS NOT NULL AND project_id IN (5, 20, 30)")"
log "ok: breakdowns add up, totals are sums, shares and changes follow from the counts"

# 3. The detail the status does not have, counted once more from the
#    stored events (effective registrations: the seed has no corrections).
exp=$(q "WITH c AS (SELECT project_id, citizen_ref, visited_on FROM citizen
                    WHERE visited_on <= '$AS_OF' AND NOT coalesce(exit_on <= '$AS_OF', false)),
        pa AS (SELECT DISTINCT ON (e.project_id, e.citizen_ref) e.project_id, e.citizen_ref,
                      e.payload->'problem_areas' AS pa
               FROM event e WHERE e.kind IN ('visitation', 'profile_change')
                 AND jsonb_typeof(e.payload->'problem_areas') = 'array' AND e.event_date <= '$AS_OF'
               ORDER BY e.project_id, e.citizen_ref, e.event_date DESC, e.registered_at DESC)
        SELECT count(*) FILTER (WHERE pa = '[\"psychological\"]'),
               count(*) FILTER (WHERE jsonb_array_length(pa) = 3)
        FROM c JOIN pa USING (project_id, citizen_ref) WHERE project_id = 20")
got=$(q "SELECT string_agg(n::text, '|' ORDER BY measure DESC) FROM $A
         WHERE project_id = 20 AND measure IN ('one.psychological', 'multiple.all_three')")
assert_eq "Odder: psychological only | all three (independent count)" "$exp" "$got"
assert_eq "Odder's average months in the project" \
        "$(q "SELECT round(avg(('$AS_OF'::date - visited_on) / 30.4375), 1) FROM citizen
              WHERE project_id = 20 AND visited_on <= '$AS_OF' AND NOT coalesce(exit_on <= '$AS_OF', false)")" \
        "$(q "SELECT value FROM $A WHERE project_id = 20 AND measure = 'months_in_project'")"
assert_eq "Odder: active with two interventions in progress (independent count)" \
        "$(q "WITH i AS (SELECT e.citizen_ref, e.payload->>'intervention_ref' AS r,
                        coalesce(bool_or((e.payload->>'end_date')::date <= '$AS_OF'), false) AS ended
                 FROM event e WHERE e.project_id = 20 AND e.kind = 'intervention'
                   AND e.payload->>'status' IN ('started', 'ended')
                   AND coalesce((e.payload->>'start_date')::date, e.event_date) <= '$AS_OF'
                 GROUP BY 1, 2)
              SELECT count(*) FROM citizen c WHERE c.project_id = 20 AND c.visited_on <= '$AS_OF'
                AND NOT coalesce(c.exit_on <= '$AS_OF', false)
                AND (SELECT count(*) FROM i WHERE i.citizen_ref = c.citizen_ref AND NOT i.ended) >= 2")" \
        "$(q "SELECT n FROM $A WHERE project_id = 20 AND measure = 'parallel'")"
log "ok: problem-area detail, months in the project and parallel interventions equal an independent count"

# 4. The evaluator: at cut-offs only; midway-status prints the function's figures.
EVAL="it_app_$RUN_ID"
q "CREATE ROLE $EVAL LOGIN IN ROLE midway_evaluator" >/dev/null
drop_role() { psql "$MW_PG_CONNINFO" -q -c "DROP ROLE IF EXISTS $EVAL" >/dev/null 2>&1 || true; }
at_exit drop_role
EC="$MW_PG_CONNINFO user=$EVAL"
"$BIN/midway-status" -d "$EC" --as-of $AS_OF --appendix all --format json >"$WORK/app.json" ||
        fail "the evaluator could not print the appendices"
"$BIN/midway-status" -d "$EC" --as-of $AS_OF --appendix 2 --format csv >"$WORK/app2.csv" ||
        fail "the evaluator could not print Bilag 2 as CSV"
if "$BIN/midway-status" -d "$EC" --as-of 2015-06-02 --appendix 1 2>"$WORK/denied.log"; then
        fail "an evaluator got the appendices at a date that is no cut-off"
fi
grep -q 'permission denied' "$WORK/denied.log" || fail "no refusal: $(cat "$WORK/denied.log")"
if "$BIN/midway-status" -d "$EC" --as-of $AS_OF --previous 2015-04-02 --appendix 2 2>/dev/null; then
        fail "an evaluator got Bilag 2's changes from a previous date that is no cut-off"
fi
set +e
"$BIN/midway-status" --appendix 6 2>/dev/null
rc=$?
set -e
assert_eq "exit status of --appendix 6" "2" "$rc"
q "SELECT json_agg(a) FROM $A a" >"$WORK/want.json"
python3 - "$WORK/app.json" "$WORK/app2.csv" "$WORK/want.json" <<'EOF' || fail "midway-status differs from status.appendix()"
import csv, json, sys
from decimal import Decimal
got = json.load(open(sys.argv[1]), parse_float=Decimal)["projects"]
want = json.load(open(sys.argv[3]), parse_float=Decimal)
assert len(got) == len(want), (len(got), len(want))
for g, w in zip(got, want):
    assert g == w, (g, w)
two = list(csv.DictReader(open(sys.argv[2])))
assert len(two) == sum(1 for w in want if w["appendix"] == "2"), len(two)
for r, w in zip(two, [w for w in want if w["appendix"] == "2"]):
    for k, v in w.items():
        assert r[k] == ("" if v is None else str(v)), (k, r[k], v)
print("midway-status: %d rows (JSON), %d (CSV, Bilag 2) equal" % (len(got), len(two)))
EOF
log "ok: the evaluator gets the appendices at cut-offs only; midway-status prints them as the function gives them"
