#!/bin/bash
# Issue 2 (d): garbage published on a site topic lands in the dead-letter
# topic with headers naming where it came from and why, and the consumer
# keeps going: the good events before and after it are all stored.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics
topic=$(topic_of odder)
dlq="$MW_TOPIC_PREFIX.deadletter"

f1=$(gen 20 30 1)
f2=$(gen 20 30 2)
n=$(($(tail -n +2 "$f1" | wc -l) + $(tail -n +2 "$f2" | wc -l)))
produce 20 "$f1"
# Hostile messages: random bytes, a bad magic byte, an unknown schema id,
# a valid frame whose Avro body claims a 2 GiB string, and a truncated one.
good=$(kcat -b "$MW_BROKERS" -C -t "$topic" -c 1 -e -q -f '%s' | od -An -tx1 | tr -d ' \n')
{
        head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n'; echo
        echo "07${good:2}"
        echo "007fffff00${good:10}"
        echo "${good:0:10}80808080100000"
        echo "${good:0:40}"
} >"$WORK/garbage.hex"
while read -r hex; do
        printf '%s' "$hex" | xxd -r -p >"$WORK/msg"
        kcat -b "$MW_BROKERS" -P -t "$topic" -p 0 "$WORK/msg"
done <"$WORK/garbage.hex"
bad=$(wc -l <"$WORK/garbage.hex")
produce 20 "$f2"
consume_to_end 2>"$WORK/consumer.log"

verify_state
assert_eq "good events stored (before and after the garbage)" "$n" "$(q "SELECT count(*) FROM event")"
assert_eq "dead letters recorded" "$bad" "$(q "SELECT count(*) FROM dead_letter")"
assert_eq "messages applied" "$((n + bad))" "$(q "SELECT sum(messages) FROM kafka_offset")"
kcat -b "$MW_BROKERS" -C -t "$dlq" -e -q -f '%h\n' >"$WORK/dlq.headers"
assert_eq "messages in $dlq" "$bad" "$(wc -l <"$WORK/dlq.headers")"
assert_eq "with source topic header" "$bad" "$(grep -c "mw.source.topic=$topic" "$WORK/dlq.headers")"
assert_eq "with offset and reason headers" "$bad" "$(grep -c 'mw.source.offset=[0-9].*mw.error=' "$WORK/dlq.headers")"
q "SELECT kafka_offset, reason FROM dead_letter ORDER BY 1" >&2
echo "[$TEST_NAME] $bad hostile messages dead-lettered, $n good events stored"
