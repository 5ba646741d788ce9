#!/bin/bash
# Issue 2 (a): events for 3 sites are produced, and the rows in PostgreSQL
# match them exactly, field by field, against an independent oracle
# (oracle.py: Python's hmac/uuid, no midway code). Also: no CPR number of the
# input appears in Kafka, PostgreSQL or any log.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics

# Ballerup (youth), Frederikshavn, and Vallensbaek/Ishoej (two municipalities).
declare -A slug=([1]=ballerup [5]=frederikshavn [28]=vallensbaek-ishoej)
: >"$WORK/expected"
for p in 1 5 28; do
        f=$(gen "$p" 40 7)
        produce "$p" "$f" 2>>"$WORK/logs"
        python3 "$MW_SOURCE_DIR/tests/integration/oracle.py" "$WORK/key" "$p" "$f" >>"$WORK/expected"
done
consume_to_end 2>>"$WORK/logs"

dump_events >"$WORK/actual"
sed 's/|$//' "$WORK/expected" | sort >"$WORK/expected.sorted"
expected=$(wc -l <"$WORK/expected.sorted")
actual=$(wc -l <"$WORK/actual")
[ "$expected" -gt 300 ] || fail "too few events generated ($expected)"
if ! diff -u "$WORK/expected.sorted" "$WORK/actual" >"$WORK/diff"; then
        head -20 "$WORK/diff" >&2
        fail "stored events differ from the input"
fi
verify_state
assert_eq "events stored (field by field equal to the oracle)" "$expected" "$actual"
assert_eq "projects with events" "1 5 28" "$(q "SELECT string_agg(p::text, ' ' ORDER BY p) FROM (SELECT DISTINCT project_id AS p FROM event) x")"
assert_eq "Vallensbaek/Ishoej municipalities" "183 187" \
        "$(q "SELECT string_agg(DISTINCT municipality_code::text, ' ' ORDER BY municipality_code::text) FROM event WHERE project_id = 28")"
assert_eq "messages applied" "$expected" "$(q "SELECT sum(messages) FROM kafka_offset")"
assert_eq "duplicates" "0" "$(q "SELECT sum(duplicates) FROM kafka_offset")"
assert_eq "dead letters" "0" "$(q "SELECT count(*) FROM dead_letter")"

# Privacy: no CPR of the input anywhere downstream of the producer.
cut -d';' -f1 "$WORK"/export-*.csv | grep -E '^[0-9]{10}$' | sort -u >"$WORK/cprs"
for p in 1 5 28; do
        kcat -b "$MW_BROKERS" -C -t "$(topic_of "${slug[$p]}")" -e -q -f '%k %s\n' >>"$WORK/kafka.dump"
done
pg_dump "$MW_PG_CONNINFO" >"$WORK/db.dump"
# The search must be able to find something: the dumps hold the citizen refs.
ref=$(q "SELECT citizen_ref FROM event LIMIT 1")
grep -q "$ref" "$WORK/kafka.dump" || fail "Kafka dump does not contain the events"
grep -q "$ref" "$WORK/db.dump" || fail "database dump does not contain the events"
leaks=$(cat "$WORK/kafka.dump" "$WORK/db.dump" "$WORK/logs" | grep -c -F -f "$WORK/cprs" || true)
assert_eq "CPR numbers found in Kafka, PostgreSQL and logs ($(wc -l <"$WORK/cprs") searched)" "0" "$leaks"
echo "[$TEST_NAME] compared $expected events from 3 sites: all equal"
