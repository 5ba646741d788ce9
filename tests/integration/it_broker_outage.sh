#!/bin/bash
# Issue 4 (4): the broker is killed mid-run and restarted; the producer
# recovers by itself, and PostgreSQL holds every accepted row exactly once.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics
restore() {
        "$MW_SOURCE_DIR/scripts/stack" up kafka >/dev/null 2>&1 || true
}
at_exit restore

big=$(gen 24 2500 31)
rows=$(tail -n +2 "$big" | wc -l)
"$BIN/midway-producer" -p 24 -k "$WORK/key" -s "$WORK/state" \
        -X queue.buffering.max.messages=200 -X linger.ms=50 "$big" 2>"$WORK/producer.log" &
pid=$!
for _ in $(seq 400); do
        [ "$( (cat "$WORK"/state/*.acked 2>/dev/null || true) | wc -l)" -ge 500 ] && break
        sleep 0.05
done
kill -0 "$pid" 2>/dev/null || fail "the producer finished before the broker could be stopped"
"$MW_SOURCE_DIR/scripts/stack" kill kafka >/dev/null
at=$(cat "$WORK"/state/*.acked | wc -l)
log "broker killed after $at of $rows rows were acknowledged"
kcat -b "$MW_BROKERS" -L -m 2 >/dev/null 2>&1 && fail "the broker is still up"
"$MW_SOURCE_DIR/scripts/stack" up kafka >/dev/null
log "broker restarted"
wait "$pid" || fail "the producer did not recover by itself (exit $?): $(tail -3 "$WORK/producer.log")"
grep -q "$big: rows $rows, sent $rows, acknowledged $rows, failed 0" "$WORK/producer.log" ||
        fail "producer summary: $(grep 'rows' "$WORK/producer.log" | tail -1)"

consume_to_end 2>"$WORK/consumer.log"
verify_state
assert_eq "events stored (every row once)" "$rows" "$(q "SELECT count(*) FROM event")"
echo "[$TEST_NAME] broker down after $at of $rows rows: producer recovered, $rows stored once"
