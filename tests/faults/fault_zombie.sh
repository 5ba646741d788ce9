#!/bin/bash
# Fault 2: a zombie consumer. Consumer A is frozen (SIGSTOP) while it holds
# an uncommitted batch, stays frozen past its session and poll timeouts, so
# consumer B takes over and applies everything; then A is resumed.
# Pass: A's late batch is refused (its offsets compare-and-set fails or it
# learns the partitions were lost) and rolled back; every event is stored
# and applied exactly once.
. "$(dirname "$0")/../integration/lib.sh"
setup_db_and_topics

f=$(gen 12 400 51)
total=$(tail -n +2 "$f" | wc -l)
produce 12 "$f"
TIMEOUTS=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500 -X max.poll.interval.ms=7000)
# A collects for 4 s before it commits: a wide window to freeze it in.
"$BIN/midway-consumer" -v -o batch.rows=100000 -o batch.ms=4000 "${TIMEOUTS[@]}" 2>"$WORK/a.log" &
A=$!
at_exit "kill -9 $A 2>/dev/null"
for _ in $(seq 600); do
        grep -q "batch started" "$WORK/a.log" && break
        sleep 0.05
done
grep -q "batch started" "$WORK/a.log" || fail "consumer A never started a batch"
kill -STOP "$A"
assert_eq "events stored while A holds its batch" "0" "$(q "SELECT count(*) FROM event")"
log "A frozen with an uncommitted batch; B takes over"
"$BIN/midway-consumer" -e -o batch.rows=500 "${TIMEOUTS[@]}" 2>"$WORK/b.log"
assert_eq "events stored by B" "$total" "$(q "SELECT count(*) FROM event")"
kill -CONT "$A"
# Let A run until it has dealt with its stale batch (bounded).
for _ in $(seq 400); do
        grep -qE "no longer|partitions lost|not applied" "$WORK/a.log" && break
        sleep 0.05
done
kill -TERM "$A"
wait "$A" || true
if grep -q "stored offset is no longer" "$WORK/a.log"; then
        how="its offset compare-and-set failed; batch rolled back"
elif grep -q "partitions lost" "$WORK/a.log"; then
        how="it learned its partitions were lost; batch discarded"
else
        fail "A's stale batch was neither refused nor discarded: $(tail -5 "$WORK/a.log")"
fi
grep -m 2 -E "no longer|partitions lost" "$WORK/a.log" | cut -c1-220 >&2
log "A on waking: $how"
verify_state
assert_eq "events stored" "$total" "$(q "SELECT count(*) FROM event")"
assert_eq "messages applied (each once)" "$total" "$(q "SELECT sum(messages) FROM kafka_offset")"
assert_eq "duplicates applied" "0" "$(q "SELECT sum(duplicates) FROM kafka_offset")"
echo "[$TEST_NAME] zombie refused ($how); $total of $total applied once"
