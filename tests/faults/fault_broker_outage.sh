#!/bin/bash
# Fault 3: the broker is stopped mid-stream (30 s; 8 s in the short run)
# while a producer and a consumer are both running, then started again.
# Pass: both recover by themselves, and every row is stored exactly once.
. "$(dirname "$0")/../integration/lib.sh"
setup_db_and_topics
OUTAGE=$([ -n "${MW_FAULTS_LONG:-}" ] && echo 30 || echo 8)
at_exit '"$MW_SOURCE_DIR/scripts/stack" up kafka >/dev/null 2>&1'

f=$(gen 29 1500 91)
rows=$(tail -n +2 "$f" | wc -l)
"$BIN/midway-consumer" -q -o batch.rows=200 -o batch.ms=20 2>"$WORK/consumer.log" &
CONSUMER_PID=$!
"$BIN/midway-producer" -p 29 -k "$WORK/key" -s "$WORK/state" \
        -X queue.buffering.max.messages=200 -X linger.ms=50 "$f" 2>"$WORK/producer.log" &
producer=$!
at_exit "kill -9 $producer 2>/dev/null"
for _ in $(seq 400); do
        [ "$(q "SELECT count(*) FROM event")" -gt 500 ] && break
        sleep 0.05
done
kill -0 "$producer" 2>/dev/null || fail "the producer finished before the outage"
"$MW_SOURCE_DIR/scripts/stack" down kafka >/dev/null
at=$(q "SELECT count(*) FROM event")
log "broker stopped with $at of $rows rows stored; down for ${OUTAGE}s"
sleep "$OUTAGE" # the outage itself
kill -0 "$CONSUMER_PID" 2>/dev/null || fail "the consumer exited during the outage"
kill -0 "$producer" 2>/dev/null || fail "the producer gave up during the outage"
"$MW_SOURCE_DIR/scripts/stack" up kafka >/dev/null
log "broker started again"
wait "$producer" || fail "the producer failed after the outage: $(tail -3 "$WORK/producer.log")"
for _ in $(seq 1200); do
        [ "$(q "SELECT count(*) FROM event")" -ge "$rows" ] && break
        kill -0 "$CONSUMER_PID" 2>/dev/null || fail "the consumer died: $(tail -3 "$WORK/consumer.log")"
        sleep 0.05
done
kill -TERM "$CONSUMER_PID"
wait "$CONSUMER_PID" || fail "the consumer did not stop cleanly"
CONSUMER_PID=
verify_state
assert_eq "events stored" "$rows" "$(q "SELECT count(*) FROM event")"
assert_eq "messages applied = events + duplicates" "$(q "SELECT sum(messages) FROM kafka_offset")" \
        "$(q "SELECT count(*) + (SELECT sum(duplicates) FROM kafka_offset) FROM event")"
echo "[$TEST_NAME] ${OUTAGE}s broker outage after $at of $rows: producer and consumer recovered, $rows stored once"
