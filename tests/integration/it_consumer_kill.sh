#!/bin/bash
# Issue 2 (b): the consumer is killed with SIGKILL mid-stream several times
# and restarted; afterwards every event is stored exactly once, and the
# offsets table shows each message applied exactly once.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics

total=0
for p in 2 13 30; do
        f=$(gen "$p" 400 11)
        produce "$p" "$f"
        total=$((total + $(tail -n +2 "$f" | wc -l)))
done
log "produced $total events to 3 topics"

kills=0
for round in 1 2 3 4 5 6; do
        before=$(q "SELECT count(*) FROM event")
        # A killed member holds its partitions until its session expires: keep
        # that short so each restart rebalances quickly.
        "$BIN/midway-consumer" -q -o batch.rows=150 -o batch.ms=50 \
                -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 \
                2>>"$WORK/consumer.log" &
        CONSUMER_PID=$!
        # Wait (bounded) until this run has committed at least one batch,
        # then kill it wherever it is.
        for _ in $(seq 600); do
                now=$(q "SELECT count(*) FROM event")
                [ "$now" -gt "$before" ] && break
                kill -0 "$CONSUMER_PID" 2>/dev/null || break
                sleep 0.05
        done
        # Expiry is a failure, not a kill: a member killed before it has
        # joined can stay in the group and be given partitions in the final
        # consumer's rebalance, which then ends on the rest (it_interleave).
        if [ "$now" -le "$before" ]; then
                kill -0 "$CONSUMER_PID" 2>/dev/null ||
                        fail "round $round: the consumer exited: $(tail -3 "$WORK/consumer.log")"
                fail "round $round: no batch committed within 30 s"
        fi
        [ "$now" -lt "$total" ] || break
        kill -9 "$CONSUMER_PID"
        wait "$CONSUMER_PID" 2>/dev/null || true
        CONSUMER_PID=
        kills=$((kills + 1))
        log "round $round: killed with SIGKILL after $now of $total events"
done
[ "$kills" -ge 3 ] || fail "only $kills kills landed mid-stream"
consume_to_end -o batch.rows=150 -X session.timeout.ms=6000 2>>"$WORK/consumer.log"

verify_state
assert_eq "SIGKILLs mid-stream" "$kills" "$kills"
assert_eq "events stored" "$total" "$(q "SELECT count(*) FROM event")"
assert_eq "messages applied (each exactly once)" "$total" "$(q "SELECT sum(messages) FROM kafka_offset")"
assert_eq "duplicates applied" "0" "$(q "SELECT sum(duplicates) FROM kafka_offset")"
echo "[$TEST_NAME] $kills kills: $total produced, $total stored, $total applied"
