#!/bin/bash
# Fault 5: a consumer group of two with a rebalance mid-stream. Consumer 1
# starts alone; when it has applied part of the stream consumer 2 joins, and
# the partitions are divided between them. Pass: every event is stored and
# applied exactly once.
. "$(dirname "$0")/../integration/lib.sh"
setup_db_and_topics

total=0
for p in 14 16 19; do
        f=$(gen "$p" 800 61)
        produce "$p" "$f"
        total=$((total + $(tail -n +2 "$f" | wc -l)))
done
"$BIN/midway-consumer" -e -o batch.rows=100 -o batch.ms=20 -X session.timeout.ms=6000 2>"$WORK/c1.log" &
C1=$!
at_exit "kill -9 $C1 2>/dev/null"
for _ in $(seq 600); do
        [ "$(q "SELECT count(*) FROM event")" -gt 1500 ] && break
        sleep 0.05
done
before=$(q "SELECT count(*) FROM event")
[ "$before" -lt "$total" ] || fail "consumer 1 finished before consumer 2 could join"
"$BIN/midway-consumer" -e -o batch.rows=100 -o batch.ms=20 -X session.timeout.ms=6000 2>"$WORK/c2.log" &
C2=$!
at_exit "kill -9 $C2 2>/dev/null"
wait "$C1" || fail "consumer 1 failed: $(tail -3 "$WORK/c1.log")"
wait "$C2" || fail "consumer 2 failed: $(tail -3 "$WORK/c2.log")"
grep -q "partitions revoked" "$WORK/c1.log" || fail "no rebalance happened in consumer 1"
grep -q "assigned" "$WORK/c2.log" || fail "consumer 2 was never assigned partitions"
# Whatever a member left at its end of stream, a last pass must find nothing.
consume_to_end 2>"$WORK/c3.log"
verify_state
assert_eq "events stored" "$total" "$(q "SELECT count(*) FROM event")"
assert_eq "messages applied (each once)" "$total" "$(q "SELECT sum(messages) FROM kafka_offset")"
assert_eq "duplicates applied" "0" "$(q "SELECT sum(duplicates) FROM kafka_offset")"
echo "[$TEST_NAME] rebalance after $before of $total: $total applied once by two consumers"
