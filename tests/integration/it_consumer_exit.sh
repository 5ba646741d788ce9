#!/bin/bash
# Issue 14: how midway-consumer --exit-at-end ends when it cannot finish.
# 1. Unreachable brokers: exit 1 within broker.wait.ms (plus a margin),
#    naming the brokers and what to check (before: it never ended).
# 2. SIGTERM before the end: exit 1 with a summary, not "done" (before:
#    exit 0, "done: 0 messages"). The consumer is held at a known point:
#    its first read of the stored offsets waits on a lock this test holds.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics

# 1. Nothing listens on port 1.
start=$(date +%s)
rc=0
timeout 60 "$BIN/midway-consumer" -b 127.0.0.1:1 --exit-at-end -o broker.wait.ms=3000 \
        2>"$WORK/nobroker.log" || rc=$?
took=$(($(date +%s) - start))
log "unreachable broker: exit $rc after ${took}s"
[ "$rc" = 1 ] || fail "unreachable broker: exit $rc (124: did not end within 60 s)"
[ "$took" -le 20 ] || fail "unreachable broker: took ${took}s with broker.wait.ms=3000"
msg=$(grep "ERROR cannot reach the Kafka brokers 127.0.0.1:1 within broker.wait.ms" "$WORK/nobroker.log") ||
        fail "no message naming the broker: $(tail -2 "$WORK/nobroker.log")"
log "its message: ${msg#* ERROR }"
grep -q "done:" "$WORK/nobroker.log" && fail "unreachable broker: it said done"

# 2. A signal before the end.
f=$(gen 5 300 11)
produce 5 "$f"
total=$(tail -n +2 "$f" | wc -l)
mkfifo "$WORK/lock.in"
# the lock holder: its transaction ends when this test closes the fifo
psql "$MW_PG_CONNINFO" -X -q -v ON_ERROR_STOP=1 <"$WORK/lock.in" >/dev/null &
LOCKER=$!
exec 7>"$WORK/lock.in"
at_exit "exec 7>&- ; kill $LOCKER 2>/dev/null"
echo "BEGIN; LOCK TABLE kafka_offset IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&7
for _ in $(seq 100); do
        [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                WHERE c.relname = 'kafka_offset' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
        sleep 0.1
done
"$BIN/midway-consumer" --exit-at-end -X "group.instance.id=sig-$RUN_ID" -X session.timeout.ms=6000 \
        2>"$WORK/signal.log" 7>&- &
CONSUMER_PID=$!
waiting=0
for _ in $(seq 300); do
        waiting=$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'midway-consumer'
                     AND datname = current_database() AND wait_event_type = 'Lock'")
        [ "$waiting" = 1 ] && break
        sleep 0.1
done
[ "$waiting" = 1 ] || fail "the consumer never waited on the lock: $(tail -3 "$WORK/signal.log")"
kill -TERM "$CONSUMER_PID"
exec 7>&- # psql ends at end of input, and its transaction with it: the lock goes
rc=0
wait "$CONSUMER_PID" || rc=$?
CONSUMER_PID=
log "SIGTERM before the end: exit $rc"
[ "$rc" = 1 ] || fail "SIGTERM before the end: exit $rc: $(tail -2 "$WORK/signal.log")"
msg=$(grep "ERROR stopped by a signal before the end" "$WORK/signal.log") ||
        fail "no summary: $(tail -2 "$WORK/signal.log")"
log "its message: ${msg#* ERROR }"
grep -q "INFO done:" "$WORK/signal.log" && fail "SIGTERM before the end: it said done"

# What it committed stays, and a new run finishes the job, exit 0.
consume_to_end 2>"$WORK/rest.log" || fail "the next run failed: $(tail -2 "$WORK/rest.log")"
assert_eq "events stored after the next run" "$total" "$(q "SELECT count(*) FROM event")"
assert_eq "messages applied (each once)" "$total" "$(q "SELECT sum(messages) FROM kafka_offset")"
verify_state
