#!/bin/bash
# Fault 8: poison messages on a live topic. While the consumer runs, every
# file of the decoder's fuzz corpus (valid frames, truncations, 2 GiB
# lengths, unknown schema ids ...) and random garbage is published on a
# project topic between good registrations. Pass: the consumer keeps going;
# every message is either a valid registration (stored) or lands in the
# dead-letter topic with headers naming its source and the reason; the
# numbers add up exactly.
. "$(dirname "$0")/../integration/lib.sh"
setup_db_and_topics
topic=$(topic_of randers)
dlq="$MW_TOPIC_PREFIX.deadletter"

f1=$(gen 21 60 81)
f2=$(gen 21 60 82)
good=$(($(tail -n +2 "$f1" | wc -l) + $(tail -n +2 "$f2" | wc -l)))
"$BIN/midway-consumer" -q -o batch.rows=50 -o batch.ms=20 2>"$WORK/consumer.log" &
CONSUMER_PID=$!
produce 21 "$f1"
poison=0
for m in "$MW_SOURCE_DIR"/tests/fuzz/corpus/decode/* "$MW_SOURCE_DIR"/tests/fuzz/corpus/csv/*; do
        kcat -b "$MW_BROKERS" -P -t "$topic" -k "poison-$poison" "$m"
        poison=$((poison + 1))
done
for i in $(seq 20); do
        head -c $((1 + RANDOM % 300)) /dev/urandom >"$WORK/r"
        kcat -b "$MW_BROKERS" -P -t "$topic" "$WORK/r"
        poison=$((poison + 1))
done
produce 21 "$f2"
# What the topic holds (kcat sends no message for an empty file).
total=$(kcat -b "$MW_BROKERS" -C -t "$topic" -e -q -f '%o\n' | wc -l)
poison=$((total - good))
for _ in $(seq 600); do
        [ "$(q "SELECT coalesce(sum(messages), 0) FROM kafka_offset")" -ge "$total" ] && break
        kill -0 "$CONSUMER_PID" 2>/dev/null || fail "the consumer died: $(tail -3 "$WORK/consumer.log")"
        sleep 0.05
done
kill -TERM "$CONSUMER_PID"
wait "$CONSUMER_PID" || fail "the consumer did not stop cleanly"
CONSUMER_PID=
verify_state
applied=$(q "SELECT sum(messages) FROM kafka_offset")
stored=$(q "SELECT count(*) FROM event")
dead=$(q "SELECT count(*) FROM dead_letter")
assert_eq "messages applied" "$total" "$applied"
assert_eq "stored + dead-lettered = everything" "$total" "$((stored + dead))"
[ "$stored" -ge "$good" ] || fail "only $stored of $good good registrations stored"
[ "$dead" -ge $((poison - 10)) ] || fail "only $dead of $poison poison messages dead-lettered"
kcat -b "$MW_BROKERS" -C -t "$dlq" -e -q -f '%h\n' >"$WORK/dlq.headers"
assert_eq "messages in the dead-letter topic" "$dead" "$(wc -l <"$WORK/dlq.headers")"
assert_eq "each with source and reason headers" "$dead" \
        "$(grep -c "mw.source.topic=$topic,mw.source.partition=[0-9]*,mw.source.offset=[0-9]*,mw.error.stage=[a-z]*,mw.error=." "$WORK/dlq.headers")"
q "SELECT split_part(reason, ':', 1) AS stage, count(*) FROM dead_letter GROUP BY 1 ORDER BY 1" >&2
echo "[$TEST_NAME] $poison poison messages among $good good ones: $stored stored, $dead dead-lettered, consumer kept going"
