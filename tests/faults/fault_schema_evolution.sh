#!/bin/bash
# Fault 9: schema evolution on a live topic. Writers of an older schema (no
# supersedes, no contact place), the current one and a newer one (extra
# header and payload fields, a code added to the exit-reason list later, and
# a payload kind the consumer does not know) are interleaved on one topic,
# each version registered with the schema registry, oldest first, under the
# subject's BACKWARD_TRANSITIVE rule. The messages are encoded
# by python3-avro, not by midway. Pass: every event of a known kind decodes
# to exactly the values written; the unknown kind is dead-lettered.
. "$(dirname "$0")/../integration/lib.sh"
setup_db_and_topics
topic=$(topic_of odder)
mkdir -p "$WORK/msgs"
/usr/bin/python3 "$MW_SOURCE_DIR/tests/faults/evolve_writer.py" "$MW_REGISTRY_URL" "$topic" \
        "$MW_SOURCE_DIR" "$WORK/msgs" 40 >"$WORK/plan"
for m in "$WORK"/msgs/*.msg; do
        kcat -b "$MW_BROKERS" -P -t "$topic" -k "$(cat "${m%.msg}.key")" "$m"
done
consume_to_end 2>"$WORK/consumer.log"
verify_state
grep -v ' DLQ$' "$WORK/plan" | cut -d' ' -f3 | sed 's/|$//' | sort >"$WORK/expected"
dump_events >"$WORK/actual"
if ! diff -u "$WORK/expected" "$WORK/actual" >"$WORK/diff"; then
        head -20 "$WORK/diff" >&2
        fail "decoded events differ from what the writers wrote"
fi
for w in older current newer; do
        assert_eq "events of the $w writer stored exactly as written" \
                "$(grep "^$w " "$WORK/plan" | grep -vc ' DLQ$')" \
                "$(q "SELECT count(*) FROM event WHERE producer_id = 'writer-$w'")"
done
assert_eq "schema versions used" "3" "$(cut -d' ' -f2 "$WORK/plan" | sort -u | wc -l)"
assert_eq "the unknown payload kind dead-lettered" "$(grep -c ' DLQ$' "$WORK/plan")" \
        "$(q "SELECT count(*) FROM dead_letter WHERE reason LIKE 'decode:%'")"
assert_eq "exits with the newer code (illness)" "$(grep -c '|exit|.*|illness$' "$WORK/plan")" \
        "$(q "SELECT count(*) FROM event WHERE payload->>'reason' = 'illness'")"
echo "[$TEST_NAME] $(wc -l <"$WORK/plan") messages from 3 schema versions: $(wc -l <"$WORK/actual") decoded exactly, $(grep -c ' DLQ$' "$WORK/plan") dead-lettered"
