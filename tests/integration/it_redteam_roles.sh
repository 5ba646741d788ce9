#!/bin/bash
# The red-team attack on "aggregates only" (docs/security.md, "Database
# roles"): an evaluator login asks the status for every day of June 2015 and
# differences consecutive days. Every project-day with exactly one intake
# then gives away that citizen's gender, age band and benefit type. Run
# through status.project_status (one date a call) and status.project_series
# (one date a call, and all days in one call). Migration 0007 allows an
# evaluator only publication cut-offs (the first of a month, dates in
# status.publication_date; the series also month ends), so the attack must
# recover nobody as an evaluator, and still work as the superuser and as a
# midway_auditor (so the test can fail), whose calls are logged.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics

for p in 3 5 12 20 25 28; do
        produce "$p" "$(gen "$p" 150 7)"
done
consume_to_end 2>>"$WORK/consumer.log"
verify_state

EVAL="it_rte_$RUN_ID"  # member of midway_evaluator
AUD="it_rta_$RUN_ID"   # member of midway_auditor
NOBODY="it_rtn_$RUN_ID" # no role at all: what PUBLIC may do
for r in "$EVAL IN ROLE midway_evaluator" "$AUD IN ROLE midway_auditor" "$NOBODY"; do
        q "CREATE ROLE $r LOGIN" >/dev/null
done
drop_roles() {
        psql "$MW_PG_CONNINFO" -q -c "DROP OWNED BY $EVAL, $AUD, $NOBODY" \
                -c "DROP ROLE IF EXISTS $EVAL, $AUD, $NOBODY" >/dev/null 2>&1 || true
}
at_exit drop_roles
as() { psql "$MW_PG_CONNINFO user=$1" -X -At -v ON_ERROR_STOP=1 -c "$2"; }

june=$(q "SELECT count(*) FROM citizen WHERE visited_on BETWEEN '2015-06-01' AND '2015-07-01'")
single=$(q "SELECT count(*) FROM (SELECT 1 FROM citizen WHERE visited_on BETWEEN '2015-06-01' AND '2015-07-01'
             GROUP BY project_id, visited_on HAVING count(*) = 1) s")
log "test data: $june intakes from 1 June to 1 July 2015, $single project-days with exactly one"
[ "$single" -ge 20 ] || fail "too few single-intake project-days to attack ($single)"

# attack CONNINFO NAME: the reconstruction, as that login. Writes
# $WORK/NAME.recovered (day|project|gender|age band|benefit),
# $WORK/NAME.located (day|project: one intake located by the series) and
# $WORK/NAME.tries (function|calls|refused).
attack() {
        psql "$1" -X -At -q -v ON_ERROR_STOP=1 -F '|' >"$WORK/$2.out" <<'SQL'
CREATE TEMP TABLE st (d date, p int, visited int, active int, g int[], a int[], b int[]);
CREATE TEMP TABLE se (d date, p int, visited int, active int);
CREATE TEMP TABLE tries (via text, d date, ok boolean);
DO $$
DECLARE
    d date;
BEGIN
    FOR d IN SELECT x::date FROM generate_series(date '2015-05-31', date '2015-07-01', interval '1 day') x LOOP
        BEGIN
            INSERT INTO st
            SELECT d, project_id, visited, active, ARRAY[n_female, n_male],
                   ARRAY[n_age_18_24, n_age_25_29, n_age_30_39, n_age_40_49, n_age_50_plus],
                   ARRAY[n_ressourceforloeb, n_kontanthjaelp, n_uddannelseshjaelp, n_other_benefit, n_benefit_not_stated]
            FROM status.project_status(d) WHERE project_id IS NOT NULL;
            INSERT INTO tries VALUES ('project_status', d, true);
        EXCEPTION WHEN insufficient_privilege THEN
            INSERT INTO tries VALUES ('project_status', d, false);
        END;
        BEGIN
            INSERT INTO se SELECT as_of, project_id, visited, active
            FROM status.project_series(ARRAY[d]) WHERE project_id IS NOT NULL;
            INSERT INTO tries VALUES ('project_series', d, true);
        EXCEPTION WHEN insufficient_privilege THEN
            INSERT INTO tries VALUES ('project_series', d, false);
        END;
    END LOOP;
    BEGIN -- every day in one call
        INSERT INTO se SELECT as_of, project_id, visited, active
        FROM status.project_series(ARRAY(SELECT x::date FROM generate_series(date '2015-05-31', date '2015-07-01', interval '1 day') x))
        WHERE project_id IS NOT NULL;
        INSERT INTO tries VALUES ('project_series (all days)', NULL, true);
    EXCEPTION WHEN insufficient_privilege THEN
        INSERT INTO tries VALUES ('project_series (all days)', NULL, false);
    END;
END $$;
-- one increment of +1 in a vector of counts: its position, else NULL
CREATE FUNCTION pg_temp.one(now int[], before int[]) RETURNS int LANGUAGE sql AS $f$
    SELECT CASE WHEN count(*) FILTER (WHERE x - y <> 0) = 1 AND sum(x - y) = 1
                THEN max(i) FILTER (WHERE x - y = 1) END
    FROM unnest(now, before) WITH ORDINALITY AS u(x, y, i)
$f$;
SELECT 'R', t.d, t.p,
       (ARRAY['female', 'male'])[pg_temp.one(t.g, y.g)],
       (ARRAY['18-24', '25-29', '30-39', '40-49', '50+'])[pg_temp.one(t.a, y.a)],
       (ARRAY['ressourceforloeb', 'kontanthjaelp', 'uddannelseshjaelp', 'other', 'not_stated'])[pg_temp.one(t.b, y.b)]
FROM st t JOIN st y ON y.p = t.p AND y.d = t.d - 1
WHERE t.visited - y.visited = 1 AND t.active - y.active = 1
  AND pg_temp.one(t.g, y.g) IS NOT NULL AND pg_temp.one(t.a, y.a) IS NOT NULL
  AND pg_temp.one(t.b, y.b) IS NOT NULL;
SELECT DISTINCT 'L', t.d, t.p
FROM (SELECT DISTINCT * FROM se) t JOIN (SELECT DISTINCT * FROM se) y ON y.p = t.p AND y.d = t.d - 1
WHERE t.visited - y.visited = 1;
SELECT 'T', via, count(*), count(*) FILTER (WHERE NOT ok) FROM tries GROUP BY via ORDER BY via;
SQL
        grep '^R|' "$WORK/$2.out" | cut -d'|' -f2- >"$WORK/$2.recovered" || true
        grep '^L|' "$WORK/$2.out" | cut -d'|' -f2- >"$WORK/$2.located" || true
        grep '^T|' "$WORK/$2.out" | cut -d'|' -f2- >"$WORK/$2.tries" || true
}

# confirmed NAME -> "recovered confirmed": persons read off that are the
# only intake of their project that day, with that gender, age band and
# benefit in the citizen table (read as the superuser)
confirmed() {
        q "CREATE TABLE IF NOT EXISTS rt_recovered (who text, d date, p int, gender text, age text, benefit text)" >/dev/null
        q "DELETE FROM rt_recovered WHERE who = '$1'" >/dev/null
        sed "s/^/$1|/" "$WORK/$1.recovered" |
                psql "$MW_PG_CONNINFO" -X -q -c "\\copy rt_recovered FROM pstdin WITH (DELIMITER '|')"
        q "SELECT count(*), count(*) FILTER (WHERE c.citizen_ref IS NOT NULL)
           FROM rt_recovered r
           LEFT JOIN LATERAL (
               SELECT c.citizen_ref FROM citizen c
               WHERE c.project_id = r.p AND c.visited_on = r.d AND c.gender = r.gender AND c.age_band = r.age
                 AND (SELECT count(*) FROM citizen o WHERE o.project_id = r.p AND o.visited_on = r.d) = 1
                 AND r.benefit = coalesce((SELECT p.benefit_type FROM citizen_profile p
                                           WHERE p.project_id = c.project_id AND p.citizen_ref = c.citizen_ref
                                             AND p.valid_from <= r.d AND p.benefit_type IS NOT NULL
                                           ORDER BY p.valid_from DESC, p.registered_at DESC, p.event_id DESC LIMIT 1),
                                          'not_stated')) c ON true
           WHERE r.who = '$1'" | tr '|' ' '
}

report() { # NAME -> prints the counts; sets REC (confirmed persons) and LOC_IN, LOC_EDGE
        local calls refused n ok
        read -r n ok <<<"$(confirmed "$1")"
        [ "$n" = "$ok" ] || fail "$1: $n persons read off, only $ok match the citizen table (the attack is wrong)"
        REC=$ok
        LOC_IN=$(grep -cv -e '-01|' "$WORK/$1.located" || true)
        LOC_EDGE=$(grep -c -e '-01|' "$WORK/$1.located" || true)
        calls=$(awk -F'|' '{s += $2} END {print s + 0}' "$WORK/$1.tries")
        refused=$(awk -F'|' '{s += $3} END {print s + 0}' "$WORK/$1.tries")
        log "$1: $calls calls ($(tr '\n' ';' <"$WORK/$1.tries" | sed 's/;$//')), $refused refused;" \
                "persons recovered with gender, age band and benefit: $REC (all in the citizen table);" \
                "single intakes located by the series: $LOC_IN within June, $LOC_EDGE on the 1st of a month"
}

# 1. The superuser: the attack works, so this test is able to fail.
attack "$MW_PG_CONNINFO" superuser
report superuser
[ "$REC" -ge 10 ] || fail "the attack recovers only $REC persons as the superuser: it proves nothing"
[ "$LOC_IN" -ge 10 ] || fail "the series attack locates only $LOC_IN as the superuser: it proves nothing"

# 2. The evaluator: nobody.
attack "$MW_PG_CONNINFO user=$EVAL" evaluator
report evaluator
assert_eq "evaluator: persons recovered (gender, age band, benefit)" 0 "$REC"
assert_eq "evaluator: single intakes located by the series within June" 0 "$LOC_IN"
assert_eq "evaluator: project_status refused on every day but 1 June and 1 July" \
        "project_status|32|30" "$(grep '^project_status|' "$WORK/evaluator.tries")"
assert_eq "evaluator: project_series refused on every day but 31 May, 1 and 30 June, 1 July" \
        "project_series|32|28" "$(grep '^project_series|' "$WORK/evaluator.tries")"
assert_eq "evaluator: project_series with every day refused" \
        "project_series (all days)|1|1" "$(grep '^project_series (all' "$WORK/evaluator.tries")"
# What is left (docs/security.md): a month end and the next cut-off are a
# day apart in the series (the report's chart needs both). That locates
# intakes on the 1st of a month, with no profile.
assert_eq "evaluator: located single intakes, all on the 1st of a month (accepted)" \
        "$(grep -c -e '-01|' "$WORK/superuser.located")" "$LOC_EDGE"

# 3. The auditor: every date, and every call logged.
attack "$MW_PG_CONNINFO user=$AUD" auditor
report auditor
[ "$REC" -ge 10 ] || fail "the auditor recovered only $REC persons"
assert_eq "auditor: recovers what the superuser does" \
        "$(wc -l <"$WORK/superuser.recovered")" "$REC"
assert_eq "auditor: access log rows (65 calls)" "65" \
        "$(q "SELECT count(*) FROM status_access_log WHERE login = '$AUD'")"
assert_eq "auditor: logged project_status calls for 2015-06-17" "1" \
        "$(q "SELECT count(*) FROM status_access_log WHERE login = '$AUD' AND function = 'status.project_status' AND dates = '{2015-06-17}'")"
assert_eq "auditor: logged series with all 32 days" "1" \
        "$(q "SELECT count(*) FROM status_access_log WHERE login = '$AUD' AND cardinality(dates) = 32")"
n_refused=0
for s in "SELECT * FROM status_access_log" "DELETE FROM status_access_log" "TRUNCATE status_access_log" \
        "UPDATE status_access_log SET login = 'x'" "INSERT INTO status_access_log (function, dates) VALUES ('x', '{}')" \
        "ALTER TABLE status_access_log DISABLE TRIGGER ALL" "INSERT INTO status.publication_date (cut_off) VALUES ('2015-06-15')"; do
        as "$AUD" "$s" >/dev/null 2>&1 && fail "the auditor could: $s"
        n_refused=$((n_refused + 1))
done
log "auditor: $n_refused statements on the access log and the calendar, all refused"
assert_eq "auditor: access log unchanged" "65" "$(q "SELECT count(*) FROM status_access_log WHERE login = '$AUD'")"

# 4. The rule, seen from the evaluator's tools.
err=$(as "$EVAL" "SELECT * FROM status.project_status('2015-06-02')" 2>&1) && fail "2015-06-02 was allowed"
case "$err" in
*"permission denied for the status at 2015-06-02"*"publication cut-off"*"docs/security.md"*) ;;
*) fail "refusal message: $err" ;;
esac
assert_eq "evaluator: SQLSTATE of a refused date" "42501" \
        "$(psql "$MW_PG_CONNINFO user=$EVAL" -X -At -v VERBOSITY=verbose -c "SELECT 1 FROM status.project_status('2015-06-02')" 2>&1 |
                sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p')"
err=$(as "$EVAL" "SELECT * FROM status.data_quality('2015-06-02')" 2>&1) && fail "data quality at 2015-06-02 was allowed"
case "$err" in
*"permission denied for the status at 2015-06-02"*) ;;
*) fail "data quality: refusal message: $err" ;;
esac
for args in "'2015-06-02', NULL" "'2015-07-01', '2015-06-02'" "NULL, NULL"; do
        err=$(as "$EVAL" "SELECT * FROM status.appendix($args)" 2>&1) && fail "the appendices at ($args) were allowed"
        case "$err" in
        *"permission denied for the status"*) ;;
        *) fail "appendices at ($args): refusal message: $err" ;;
        esac
done
if "$BIN/midway-status" -d "$MW_PG_CONNINFO user=$EVAL" --as-of 2015-06-02 >/dev/null 2>"$WORK/status.err"; then
        fail "midway-status gave 2015-06-02 to the evaluator"
fi
assert_eq "midway-status: a refused date is one line" "1" "$(wc -l <"$WORK/status.err")"
grep -q "first day of a month (e.g. --as-of 2015-07-01)" "$WORK/status.err" ||
        fail "midway-status does not say what to do: $(cat "$WORK/status.err")"
log "midway-status as the evaluator at 2015-06-02: $(cat "$WORK/status.err")"
if "$BIN/midway-report" -d "$MW_PG_CONNINFO user=$EVAL" --as-of 2015-07-01 --previous 2015-04-15 \
        --out "$WORK/report" 2>"$WORK/report.err"; then
        fail "midway-report gave the evaluator a series at 2015-04-15"
fi
[ ! -e "$WORK/report" ] || fail "midway-report wrote a report after a refused date"
assert_eq "midway-report: the refused date in one line that says what to do" "1" \
        "$(grep -c "permission denied for the status series at 2015-04-15.*ask the owner to register the date" "$WORK/report.err")"
log "midway-report as the evaluator, --previous 2015-04-15: $(grep 'permission denied' "$WORK/report.err")"
assert_eq "midway-status as the evaluator at 2015-07-01 = as the owner" \
        "$(status_csv 2015-07-01 | md5sum)" "$(status_csv 2015-07-01 "$MW_PG_CONNINFO user=$EVAL" | md5sum)"
as "$EVAL" "EXPLAIN ANALYZE SELECT * FROM status.project_status('2015-06-02')" >/dev/null 2>&1 &&
        fail "EXPLAIN ANALYZE ran the status at a refused date"
assert_eq "evaluator: current_status is at the latest monthly cut-off" \
        "$(q "SELECT date_trunc('month', current_date)::date")" \
        "$(as "$EVAL" "SELECT DISTINCT as_of FROM status.current_status")"

# Registered publication dates: the owner only, who and when recorded.
as "$EVAL" "INSERT INTO status.publication_date (cut_off) VALUES ('2015-06-15')" >/dev/null 2>&1 &&
        fail "the evaluator registered a publication date"
q "INSERT INTO status.publication_date (cut_off, registered_by, registered_at, note)
   VALUES ('2015-06-15', 'someone_else', '2000-01-01', 'mid-June board meeting')" >/dev/null
assert_eq "publication date: who and when are the database's" "$(q "SELECT session_user")|t" \
        "$(q "SELECT registered_by, registered_at > now() - interval '1 hour' FROM status.publication_date")"
assert_eq "evaluator: a registered date is allowed" "31" \
        "$(as "$EVAL" "SELECT count(*) FROM status.project_status('2015-06-15')")"
q "INSERT INTO status.publication_date (cut_off) VALUES ('2015-06-19')" >/dev/null 2>&1 &&
        fail "a cut-off 4 days from another was registered"
q "INSERT INTO status.publication_date (cut_off) VALUES ('2015-06-28')" >/dev/null 2>&1 &&
        fail "a cut-off 2 days from a month end was registered"
q "UPDATE status.publication_date SET cut_off = '2015-06-16'" >/dev/null 2>&1 &&
        fail "a publication date was changed in place"
log "publication dates: registered by the owner, 3 unsafe changes refused"

# 5. Everything the evaluator (and PUBLIC) can reach.
reach() { # LOGIN -> functions, relations and schemas of this database it can use
        as "$1" "SELECT 'function ' || p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
                   AND n.nspname NOT LIKE 'pg_temp%' AND has_function_privilege(p.oid, 'EXECUTE')
                 UNION ALL
                 SELECT 'relation ' || c.oid::regclass || ' ' || concat_ws(',',
                        CASE WHEN has_table_privilege(c.oid, 'SELECT') THEN 'SELECT' END,
                        CASE WHEN has_table_privilege(c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER') THEN 'WRITE' END)
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
                   AND n.nspname NOT LIKE 'pg_temp%' AND c.relkind IN ('r', 'v', 'm', 'p', 'f', 'S')
                   AND (has_table_privilege(c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
                        OR (c.relkind = 'S' AND has_sequence_privilege(c.oid, 'USAGE,SELECT,UPDATE')))
                 UNION ALL
                 SELECT 'schema ' || nspname || ' ' || concat_ws(',',
                        CASE WHEN has_schema_privilege(oid, 'USAGE') THEN 'USAGE' END,
                        CASE WHEN has_schema_privilege(oid, 'CREATE') THEN 'CREATE' END)
                 FROM pg_namespace WHERE nspname IN ('public', 'status', 'municipal')
                 ORDER BY 1" | paste -sd';'
}
assert_eq "evaluator: everything it can reach" \
        "function status.appendix(date,date);function status.data_quality(date);function status.project_series(date[]);function status.project_status(date);relation status.assessment SELECT,WRITE;relation status.current_status SELECT;relation status.project_assessment SELECT;relation status.publication_date SELECT;schema municipal ;schema public USAGE;schema status USAGE" \
        "$(reach "$EVAL")"
assert_eq "PUBLIC: everything a login without roles can reach" \
        "schema municipal ;schema public USAGE;schema status " "$(reach "$NOBODY")"
assert_eq "auditor: everything it can reach" \
        "function status.appendix(date,date);function status.data_quality(date);function status.project_series(date[]);function status.project_status(date);relation status.assessment SELECT;relation status.current_status SELECT;relation status.project_assessment SELECT;relation status.publication_date SELECT;schema municipal ;schema public USAGE;schema status USAGE" \
        "$(reach "$AUD")"
assert_eq "SECURITY DEFINER functions: the status and data-quality functions, the appendices, the erasure, search_path pinned" \
        "midway_erase_citizen(integer,text,text,integer,bigint) search_path=pg_catalog, public, pg_temp;municipal.data_quality(date) search_path=pg_catalog, public, pg_temp;status.appendix(date,date) search_path=pg_catalog, public, pg_temp;status.data_quality(date) search_path=pg_catalog, public, pg_temp;status.project_series(date[]) search_path=pg_catalog, public, pg_temp;status.project_status(date) search_path=pg_catalog, public, pg_temp" \
        "$(q "SELECT string_agg(oid::regprocedure || ' ' || array_to_string(proconfig, ','), ';' ORDER BY oid::regprocedure::text)
              FROM pg_proc WHERE prosecdef")"
assert_eq "who may erase a citizen (functions/60_erasure.sql): the pipeline alone" "midway_pipeline" \
        "$(q "SELECT string_agg(r.rolname, ',' ORDER BY r.rolname) FROM pg_roles r
              WHERE NOT r.rolsuper AND r.oid <> (SELECT proowner FROM pg_proc WHERE proname = 'midway_erase_citizen')
                AND r.rolname NOT LIKE 'pg\_%' AND r.rolname LIKE 'midway\_%'
                AND has_function_privilege(r.oid, 'midway_erase_citizen(int, text, text, int, bigint)', 'EXECUTE')")"
assert_eq "functions of ours executable by PUBLIC" "" \
        "$(q "SELECT string_agg(p.oid::regprocedure::text, ',') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname IN ('public', 'status', 'municipal')
                AND EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                            WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')")"
echo "[$TEST_NAME] the evaluator gets the status at publication cut-offs only; the auditor's calls are logged"
