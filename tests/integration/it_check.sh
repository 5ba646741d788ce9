#!/bin/bash
# Issue 15 (2): `midway-admin check` says what midway-consumer will do with
# every message of the project topics, writing nothing. The red-team
# corpus (good registrations between hostile ones, tests/redteam/) and a
# generated export go to two topics; check runs; then the consumer runs.
# Pass: check wrote nothing (no events, offsets or dead letters, no group
# offsets); its verdict is the consumer's for every message: the same
# (topic, partition, offset, stage) dead-lettered, and every message it
# calls "store" stored or counted as a duplicate; exit status 3.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics
topic=$(topic_of frederikshavn)
mkdir "$WORK/msgs"
/usr/bin/python3 "$MW_SOURCE_DIR/tests/redteam/hostile_messages.py" "$MW_REGISTRY_URL" "$topic" \
        "$MW_SOURCE_DIR/schemas/registration.avsc" "$WORK/msgs" >"$WORK/expect"
while read -r no _ _; do
        i=$((10#$no))
        k=()
        [ -f "$WORK/msgs/$no.key" ] && k=(-k "$(cat "$WORK/msgs/$no.key")")
        kcat -b "$MW_BROKERS" -P -t "$topic" -p $((i % 3)) "${k[@]}" "$WORK/msgs/$no.msg"
done <"$WORK/expect"
produce odder "$(gen odder 30 4)"
sent=$(( $(wc -l <"$WORK/expect") + $(kcat -b "$MW_BROKERS" -C -t "$(topic_of odder)" -e -q -f 'x\n' | wc -l) ))

rc=0
"$BIN/midway-admin" check >"$WORK/check" 2>"$WORK/check.log" || rc=$?
assert_eq "check: exit status (some messages would be dead-lettered)" 3 "$rc"
assert_eq "check: one line per message" "$sent" "$(wc -l <"$WORK/check")"
assert_eq "check wrote nothing: events, offsets, dead letters" "0|0|0" \
        "$(q "SELECT (SELECT count(*) FROM event), (SELECT count(*) FROM kafka_offset), (SELECT count(*) FROM dead_letter)")"
assert_eq "check wrote nothing: dead-letter topic" 0 \
        "$(kcat -b "$MW_BROKERS" -C -t "$MW_TOPIC_PREFIX.deadletter" -e -q -f 'x\n' | wc -l)"

consume_to_end 2>"$WORK/consumer.log"
awk '$4 == "dead-letter" { print $1 "|" $2 "|" $3 "|" $5 }' "$WORK/check" | sort >"$WORK/check.dead"
q "SELECT kafka_topic || '|' || kafka_partition || '|' || kafka_offset || '|' || stage FROM dead_letter" |
        sort >"$WORK/consumer.dead"
if ! diff -u "$WORK/check.dead" "$WORK/consumer.dead" >"$WORK/diff"; then
        head -20 "$WORK/diff" >&2
        fail "check's dead letters differ from the consumer's"
fi
n_dead=$(wc -l <"$WORK/check.dead")
[ "$n_dead" -gt 10 ] || fail "the corpus gave only $n_dead dead letters"
stored=$(grep -c ' store ' "$WORK/check")
assert_eq "messages check calls 'store' = events stored + duplicates" "$stored" \
        "$(q "SELECT (SELECT count(*) FROM event) + (SELECT coalesce(sum(duplicates), 0) FROM kafka_offset)")"
log "ok: check's verdict equals the consumer's for $sent messages ($n_dead dead letters at the same offsets and stages)"
