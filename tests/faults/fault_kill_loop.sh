#!/bin/bash
# Fault 1: the consumer is SIGKILLed at random points, again and again (60
# times in the long run, 15 in the short one). Batches are small, so most
# kills land in a transaction or its COMMIT. The consumer uses static group
# membership (group.instance.id), so each restart takes its partitions back
# at once. Pass: every produced event is stored exactly once, each message
# is applied once, and verify holds.
. "$(dirname "$0")/../integration/lib.sh"
setup_db_and_topics
KILLS=$([ -n "${MW_FAULTS_LONG:-}" ] && echo 60 || echo 15)
SEED=${MW_TEST_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$SEED
log "seed $SEED, $KILLS kills"

total=0
for p in 4 10 22; do
        f=$(gen "$p" $((KILLS * 40)) 71)
        produce "$p" "$f"
        total=$((total + $(tail -n +2 "$f" | wc -l)))
done
ARGS=(-q -o batch.rows=40 -o batch.ms=10 -X group.instance.id=fault-kill-loop
      -X session.timeout.ms=6000 -X heartbeat.interval.ms=500)
kills=0
for k in $(seq "$KILLS"); do
        "$BIN/midway-consumer" "${ARGS[@]}" 2>>"$WORK/consumer.log" &
        CONSUMER_PID=$!
        # A random point: 50-1500 ms into this run.
        sleep "0.$(printf '%03d' $((50 + RANDOM % 950)))"
        [ $((RANDOM % 3)) -eq 0 ] && sleep 0.5
        kill -9 "$CONSUMER_PID" 2>/dev/null && kills=$((kills + 1))
        wait "$CONSUMER_PID" 2>/dev/null || true
        CONSUMER_PID=
done
stored=$(q "SELECT count(*) FROM event")
log "$kills kills; $stored of $total events stored before the final run"
[ "$stored" -lt "$total" ] || log "note: the stream was fully applied before the last kill"
consume_to_end -X group.instance.id=fault-kill-loop -X session.timeout.ms=6000 2>>"$WORK/consumer.log"
verify_state
assert_eq "kills" "$KILLS" "$kills"
assert_eq "events stored" "$total" "$(q "SELECT count(*) FROM event")"
assert_eq "messages applied (each once)" "$total" "$(q "SELECT sum(messages) FROM kafka_offset")"
assert_eq "duplicates applied" "0" "$(q "SELECT sum(duplicates) FROM kafka_offset")"
echo "[$TEST_NAME] seed $SEED: $kills SIGKILLs at random points; $total of $total applied once"
