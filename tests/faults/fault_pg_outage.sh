#!/bin/bash
# Fault 4: PostgreSQL stopped mid-stream (30 s; 20 s in the short run) and
# started again. Pass: the consumer neither exits nor loses anything, its
# memory stays bounded, it resumes from its stored offsets by itself, and
# every produced event is stored exactly once. The outage is longer than
# the consumer's max.poll.interval.ms (10 s here): it must keep polling
# Kafka with its partitions paused, so it keeps its group membership and
# its assignment (issue 14: it used to block, and an outage longer than
# max.poll.interval.ms cost a rebalance).
. "$(dirname "$0")/../integration/lib.sh"
setup_db_and_topics
OUTAGE=$([ -n "${MW_FAULTS_LONG:-}" ] && echo 30 || echo 20)
POLL_MS=10000
restore() { "$MW_SOURCE_DIR/scripts/stack" up pg >/dev/null 2>&1 || true; }
at_exit restore

total=0
for p in 9 11; do
        f=$(gen "$p" 1500 41)
        produce "$p" "$f"
        total=$((total + $(tail -n +2 "$f" | wc -l)))
done
"$BIN/midway-consumer" -e -o batch.rows=200 -o batch.ms=20 \
        -X max.poll.interval.ms=$POLL_MS -X session.timeout.ms=6000 2>"$WORK/consumer.log" &
CONSUMER_PID=$!
for _ in $(seq 400); do
        [ "$(q "SELECT count(*) FROM event")" -gt 1000 ] && break
        sleep 0.05
done
kill -0 "$CONSUMER_PID" 2>/dev/null || fail "the consumer exited before the outage: $(tail -3 "$WORK/consumer.log")"
assigned_before=$(grep -c " assigned, starting at" "$WORK/consumer.log")
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$CONSUMER_PID/status")
"$MW_SOURCE_DIR/scripts/stack" down pg >/dev/null
log "PostgreSQL stopped with $total events produced; waiting ${OUTAGE}s"
# The outage itself is the test's subject: the consumer must survive it.
sleep "$OUTAGE"
kill -0 "$CONSUMER_PID" 2>/dev/null || fail "the consumer exited during the outage"
rss_during=$(awk '/VmRSS/ {print $2}' "/proc/$CONSUMER_PID/status")
"$MW_SOURCE_DIR/scripts/stack" up pg >/dev/null
log "PostgreSQL started again"
wait "$CONSUMER_PID" || fail "the consumer failed after the outage: $(tail -3 "$WORK/consumer.log")"
CONSUMER_PID=
grep -q "PostgreSQL connection re-established" "$WORK/consumer.log" || fail "no reconnection logged"
# Kept its membership: no poll-interval overrun, no revocation before its
# own close at the end (after "done:"), no assignment after the first.
if sed '/ INFO done: /q' "$WORK/consumer.log" |
        grep -E "maximum poll interval|partitions revoked|partitions lost" >&2; then
        fail "the consumer lost its assignment during a ${OUTAGE}s outage (max.poll.interval.ms=$POLL_MS)"
fi
assert_eq "assignments (none after the outage)" "$assigned_before" "$(grep -c " assigned, starting at" "$WORK/consumer.log")"
grep -q "partitions paused" "$WORK/consumer.log" || fail "the outage never reached the consumer"
grep -q "partitions rewound to their stored offsets and resumed" "$WORK/consumer.log" || fail "no resumption logged"
verify_state
assert_eq "events stored" "$total" "$(q "SELECT count(*) FROM event")"
assert_eq "messages applied (each once)" "$total" "$(q "SELECT sum(messages) FROM kafka_offset")"
[ "$rss_during" -lt $((rss_before * 2 + 20000)) ] || fail "memory grew from ${rss_before} kB to ${rss_during} kB"
echo "[$TEST_NAME] ${OUTAGE}s outage (max.poll.interval.ms=$POLL_MS): assignment kept, consumer survived (RSS ${rss_before} -> ${rss_during} kB), $total of $total stored once"
