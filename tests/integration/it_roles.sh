#!/bin/bash
# Issue 3 (6): evaluator and municipality access. The evaluator role sees
# the status (aggregates) and nothing citizen-level; a municipality's role
# sees its own project's rows only (row-level security with FORCE, views
# with security_invoker). Every "must not" is tried, and must fail.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics

for p in 5 20; do
        produce "$p" "$(gen "$p" 30 5)"
done
consume_to_end 2>>"$WORK/consumer.log"
verify_state

EVAL="it_eval_$RUN_ID"
PIPE="it_pipe_$RUN_ID" # a consumer's login: member of midway_pipeline, owns nothing
MUNI="it_frh_$RUN_ID" # Frederikshavn, project 5
ODDER="it_odd_$RUN_ID" # Odder, project 20
q "CREATE ROLE $EVAL LOGIN IN ROLE midway_evaluator" >/dev/null
q "CREATE ROLE $MUNI LOGIN" >/dev/null
q "CREATE ROLE $ODDER LOGIN" >/dev/null
q "CREATE ROLE $PIPE LOGIN IN ROLE midway_pipeline" >/dev/null
q "SELECT midway_grant_municipality('$MUNI', 5)" >/dev/null
q "SELECT midway_grant_municipality('$ODDER', 20)" >/dev/null
drop_roles() {
        psql "$MW_PG_CONNINFO" -q -c "DROP OWNED BY $EVAL, $MUNI, $ODDER, $PIPE" \
                -c "DROP ROLE IF EXISTS $EVAL, $MUNI, $ODDER, $PIPE" >/dev/null 2>&1 || true
}
at_exit drop_roles

as() { # ROLE SQL -> rows
        psql "$MW_PG_CONNINFO user=$1" -X -At -v ON_ERROR_STOP=1 -c "$2"
}
denied() { # ROLE SQL: must fail with a permission or row-security error
        local out
        if out=$(as "$1" "$2" 2>&1); then
                fail "$1 could run: $2 (got: $out)"
        fi
        case "$out" in
        *"permission denied"* | *"row-level security"*)
                echo "[$TEST_NAME] ok: $1 refused: $2" ;;
        *) fail "$1: unexpected error for $2: $out" ;;
        esac
}

total5=$(q "SELECT count(*) FROM citizen WHERE project_id = 5")
events5=$(q "SELECT count(*) FROM event WHERE project_id = 5")
[ "$total5" -gt 0 ] && [ "$(q "SELECT count(*) FROM citizen WHERE project_id = 20")" -gt 0 ] ||
        fail "test data missing"

# The evaluator: aggregates through the status schema, nothing else.
assert_eq "evaluator: status rows (30 projects + total)" "31" \
        "$(as "$EVAL" "SELECT count(*) FROM status.project_status('2015-07-01')")"
assert_eq "evaluator: Frederikshavn visited, exact" \
        "$(q "SELECT visited FROM midway_status('2015-07-01') WHERE project_id = 5")" \
        "$(as "$EVAL" "SELECT visited FROM status.project_status('2015-07-01') WHERE project_id = 5")"
as "$EVAL" "SELECT count(*) FROM status.current_status" >/dev/null
assert_eq "evaluator: series rows (2 dates x (30 projects + total))" "62" \
        "$(as "$EVAL" "SELECT count(*) FROM status.project_series('{2015-03-31,2015-07-01}')")"
assert_eq "evaluator: series, Frederikshavn active on 2015-07-01, exact" \
        "$(q "SELECT active FROM midway_status('2015-07-01') WHERE project_id = 5")" \
        "$(as "$EVAL" "SELECT active FROM status.project_series('{2015-07-01}') WHERE project_id = 5")"
for t in event citizen citizen_profile citizen_contact kafka_offset dead_letter municipal_role \
        effective_event citizen_computed verify_difference municipal.citizen municipal.registration; do
        denied "$EVAL" "SELECT * FROM $t LIMIT 1"
done
assert_eq "evaluator: data quality rows (30 projects + total)" "31" \
        "$(as "$EVAL" "SELECT count(*) FROM status.data_quality('2015-07-01')")"
assert_eq "evaluator: Frederikshavn's contacts in the data quality, exact" \
        "$(q "SELECT contacts FROM midway_data_quality('2015-07-01') WHERE project_id = 5")" \
        "$(as "$EVAL" "SELECT contacts FROM status.data_quality('2015-07-01') WHERE project_id = 5")"
denied "$EVAL" "SELECT * FROM midway_status('2015-07-01')"
denied "$EVAL" "SELECT * FROM midway_data_quality('2015-07-01')"
assert_eq "evaluator: Frederikshavn's women in Bilag 2, exact" \
        "$(q "SELECT n_female FROM midway_status('2015-07-01') WHERE project_id = 5")" \
        "$(as "$EVAL" "SELECT n FROM status.appendix('2015-07-01', '2015-04-01') WHERE project_id = 5 AND measure = 'gender.female'")"
for f in "midway_appendix('2015-07-01', NULL)" "midway_appendix_counts('2015-07-01')" \
        "midway_appendix_citizens('2015-07-01')"; do
        denied "$EVAL" "SELECT * FROM $f"
        denied "$MUNI" "SELECT * FROM $f"
done
denied "$MUNI" "SELECT * FROM status.appendix('2015-07-01', NULL)"
denied "$EVAL" "SELECT * FROM municipal.data_quality('2015-07-01')"
denied "$EVAL" "SELECT * FROM midway_status_series('{2015-07-01}')"
denied "$EVAL" "SELECT * FROM municipal.project_status('2015-07-01')"
denied "$EVAL" "INSERT INTO event (event_id) VALUES (gen_random_uuid())"

# The municipality: its own rows only.
assert_eq "municipality: own citizens" "$total5" "$(as "$MUNI" "SELECT count(*) FROM municipal.citizen")"
assert_eq "municipality: own registrations" "$events5" "$(as "$MUNI" "SELECT count(*) FROM municipal.registration")"
assert_eq "municipality: other projects' citizens" "0" \
        "$(as "$MUNI" "SELECT count(*) FROM municipal.citizen WHERE project_id <> 5")"
assert_eq "municipality: events of project 20 in the table itself" "0" \
        "$(as "$MUNI" "SELECT count(*) FROM event WHERE project_id = 20")"
assert_eq "municipality: projects visible in citizen_contact" "5" \
        "$(as "$MUNI" "SELECT string_agg(DISTINCT project_id::text, ',') FROM citizen_contact")"
assert_eq "municipality: its status rows (own project + total)" "5,Total" \
        "$(as "$MUNI" "SELECT string_agg(coalesce(project_id::text, project_name), ',') FROM municipal.project_status('2015-07-01')")"
assert_eq "municipality: its total is its own project" \
        "$(q "SELECT visited FROM midway_status('2015-07-01') WHERE project_id = 5")" \
        "$(as "$MUNI" "SELECT visited FROM municipal.project_status('2015-07-01') WHERE project_id IS NULL")"
assert_eq "municipality: its data quality row only" "5" \
        "$(as "$MUNI" "SELECT string_agg(coalesce(project_id::text, project_name), ',') FROM municipal.data_quality('2015-07-01')")"
assert_eq "municipality: its own contacts in the data quality" \
        "$(q "SELECT contacts FROM midway_data_quality('2015-07-01') WHERE project_id = 5")" \
        "$(as "$MUNI" "SELECT contacts FROM municipal.data_quality('2015-07-01')")"
assert_eq "the other municipality: its data quality row only" "20" \
        "$(as "$ODDER" "SELECT string_agg(coalesce(project_id::text, project_name), ',') FROM municipal.data_quality('2015-07-01')")"
denied "$MUNI" "SELECT * FROM status.data_quality('2015-07-01')"
denied "$MUNI" "SELECT * FROM midway_data_quality('2015-07-01')"
denied "$MUNI" "SET row_security = off; SELECT count(*) FROM event"
denied "$MUNI" "SELECT * FROM status.project_status('2015-07-01')"
denied "$MUNI" "SELECT * FROM status.project_series('{2015-07-01}')"
denied "$MUNI" "SELECT * FROM midway_status_series('{2015-07-01}')"
denied "$MUNI" "SELECT * FROM kafka_offset"
assert_eq "municipality: role mappings visible" "$MUNI:5" \
        "$(as "$MUNI" "SELECT string_agg(role_name || ':' || project_id, ',') FROM municipal_role")"
assert_eq "the other municipality: its own citizens only" \
        "$(q "SELECT count(*) FROM citizen WHERE project_id = 20")" \
        "$(as "$ODDER" "SELECT count(*) FROM municipal.citizen")"
assert_eq "the other municipality: projects it sees" "20" \
        "$(as "$ODDER" "SELECT string_agg(DISTINCT project_id::text, ',') FROM event")"
denied "$MUNI" "UPDATE citizen SET exit_reason = 'death'"
denied "$MUNI" "DELETE FROM event"
denied "$MUNI" "SELECT midway_grant_municipality('$MUNI', 20)"

# The pipeline: a consumer logged in as a member of midway_pipeline that
# owns nothing applies new registrations (offsets, events, per-citizen
# state), and that role still cannot read the published roles' secrets.
before=$(q "SELECT count(*) FROM event")
more=$(gen 12 10 21)
produce 12 "$more"
consume_to_end -d "$MW_PG_CONNINFO user=$PIPE" 2>>"$WORK/consumer.log" ||
        fail "the consumer failed as a midway_pipeline member (see $WORK/consumer.log)"
assert_eq "pipeline role: events applied" "$((before + $(tail -n +2 "$more" | wc -l)))" \
        "$(q "SELECT count(*) FROM event")"
assert_eq "pipeline role: offsets account for every message" "$(q "SELECT count(*) FROM event")" \
        "$(q "SELECT sum(messages) FROM kafka_offset")"
verify_state
denied "$PIPE" "SELECT * FROM status.project_status('2015-07-01')"

# Least privilege of the pipeline (migration 0007): stolen consumer
# credentials cannot re-point a municipality's login, change reference
# data or the record of migrations, rewrite the ledger, or drop, alter or
# truncate anything.
tried=0
refused=0
pipe_refused() { # SQL: must fail as the pipeline login, for want of a privilege
        local out
        tried=$((tried + 1))
        if out=$(as "$PIPE" "$1" 2>&1); then
                fail "$PIPE could run: $1 (got: $out)"
        fi
        case "$out" in
        *"permission denied"* | *"must be owner"* | *"row-level security"*) refused=$((refused + 1)) ;;
        *) fail "$PIPE: unexpected error for $1: $out" ;;
        esac
}
pipe_refused "UPDATE municipal_role SET project_id = 20 WHERE role_name = '$MUNI'"
pipe_refused "INSERT INTO municipal_role VALUES ('$PIPE', 20)"
pipe_refused "DELETE FROM municipal_role"
pipe_refused "SELECT * FROM municipal_role"
pipe_refused "SELECT midway_grant_municipality('$PIPE', 20)"
pipe_refused "UPDATE project SET name = 'x'"
pipe_refused "INSERT INTO project (project_id, name, slug, target_group) VALUES (99, 'x', 'x', 'adult')"
pipe_refused "DELETE FROM project WHERE project_id = 5"
pipe_refused "UPDATE project_municipality SET project_id = 20"
pipe_refused "INSERT INTO project_municipality VALUES (999, 5, 'x')"
pipe_refused "DELETE FROM project_municipality"
pipe_refused "UPDATE code SET label_en = 'x'"
pipe_refused "INSERT INTO code VALUES ('x', 'x', 1, 'x', 'x', NULL)"
pipe_refused "DELETE FROM code"
pipe_refused "UPDATE schema_migration SET name = 'x'"
pipe_refused "INSERT INTO schema_migration (name) VALUES ('9999_x.sql')"
pipe_refused "DELETE FROM schema_migration"
pipe_refused "UPDATE event SET payload = '{}'"
pipe_refused "DELETE FROM event"
pipe_refused "CREATE TABLE public.x (a int)"
for t in event citizen citizen_profile citizen_contact kafka_offset dead_letter municipal_role \
        project project_municipality code schema_migration; do
        pipe_refused "DROP TABLE $t"
        pipe_refused "ALTER TABLE $t ADD COLUMN x int"
        pipe_refused "TRUNCATE $t"
done
for f in "midway_rebuild_citizens()" "status.project_series('{2015-07-01}')" \
        "status.appendix('2015-07-01', NULL)"; do
        pipe_refused "SELECT $f"
done
log "pipeline login: $tried statements tried, $refused refused"
assert_eq "pipeline login: every statement refused" "$tried" "$refused"
assert_eq "municipality: still mapped to its own project" "$MUNI:5" \
        "$(q "SELECT role_name || ':' || project_id FROM municipal_role WHERE role_name = '$MUNI'")"
assert_eq "pipeline role: its table privileges" \
        "citizen:DELETE,INSERT,SELECT,UPDATE;citizen_contact:DELETE,INSERT,SELECT,UPDATE;citizen_profile:DELETE,INSERT,SELECT,UPDATE;dead_letter:INSERT,SELECT,UPDATE;event:INSERT,SELECT;kafka_offset:INSERT,SELECT,UPDATE;schema_migration:SELECT" \
        "$(q "SELECT string_agg(table_name || ':' || p, ';' ORDER BY table_name) FROM (
                SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) AS p
                FROM information_schema.role_table_grants WHERE grantee = 'midway_pipeline' GROUP BY 1) s")"

# EXPLAIN (accepted, docs/security.md): a municipality's row estimates for
# another project come from the table's statistics; pg_stats itself shows
# it nothing of the tables with row-level security.
q "ANALYZE" >/dev/null
est=$(as "$MUNI" "EXPLAIN SELECT * FROM event WHERE project_id = 20" | sed -n '1s/.*rows=\([0-9]*\).*/\1/p')
own=$(as "$MUNI" "EXPLAIN SELECT * FROM event WHERE project_id = 5" | sed -n '1s/.*rows=\([0-9]*\).*/\1/p')
log "municipality 5: EXPLAIN estimates $est events of project 20, $own of its own;" \
        "scaled by its own true count ($events5): $((est * events5 / own)); project 20 has" \
        "$(q "SELECT count(*) FROM event WHERE project_id = 20") (accepted, docs/security.md)"
assert_eq "municipality: pg_stats rows of citizen-level tables" "0" \
        "$(as "$MUNI" "SELECT count(*) FROM pg_stats WHERE tablename IN ('event', 'citizen', 'citizen_profile', 'citizen_contact', 'municipal_role')")"

# The mechanisms themselves.
assert_eq "FORCE row-level security on citizen-level tables" "citizen,citizen_contact,citizen_profile,event,municipal_role" \
        "$(q "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relforcerowsecurity AND relrowsecurity")"
assert_eq "municipal views are security_invoker" "citizen,registration" \
        "$(q "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 'municipal'::regnamespace AND 'security_invoker=true' = ANY (reloptions)")"
echo "[$TEST_NAME] evaluator and municipality roles see exactly what they should"
