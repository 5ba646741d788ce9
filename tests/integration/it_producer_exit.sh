#!/bin/bash
# Issue 14 (4): the producer stops when asked, and does not wait minutes
# for brokers that are not there.
#  1. Brokers that do not answer (a closed port): exit 1 after
#     broker.wait.ms, naming the brokers; nothing read.
#  2. A topic that does not exist: exit 1, naming the topic and what to do.
#  3. SIGINT while every row waits for an acknowledgement that cannot come
#     (the broker frozen with SIGSTOP; message.timeout.ms 10 minutes):
#     exit 1 at once, every sent row reported as not acknowledged in one
#     line, no error line per row; sent again, every row is stored once.
. "$(dirname "$0")/lib.sh"
psql "$ADMIN_CONNINFO" -q -c "CREATE DATABASE $DB" >/dev/null
"$BIN/midway-admin" migrate
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/key"
chmod 600 "$WORK/key"
f=$(gen odder 40 3)
rows=$(($(wc -l <"$f") - 1))

# a port nobody listens on
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rc=0
timeout 60 "$BIN/midway-producer" -p odder -k "$WORK/key" -b "127.0.0.1:$port" \
        -o broker.wait.ms=2000 "$f" 2>"$WORK/closed.log" || rc=$?
assert_eq "unreachable brokers: exit status" 1 "$rc"
grep -q "cannot reach the Kafka brokers 127.0.0.1:$port within broker.wait.ms (2000 ms)" "$WORK/closed.log" ||
        fail "the message does not name the brokers: $(grep ERROR "$WORK/closed.log" | tail -2)"

rc=0
timeout 60 "$BIN/midway-producer" -p odder -k "$WORK/key" "$f" 2>"$WORK/notopic.log" || rc=$?
assert_eq "no topic: exit status" 1 "$rc"
grep -q "topic=$(topic_of odder): .*midway-admin create-topics" "$WORK/notopic.log" ||
        fail "the message does not name the topic: $(grep ERROR "$WORK/notopic.log" | tail -2)"

# 3. rows that cannot be acknowledged, then SIGINT. The producer reads the
# export from a pipe, so it passes its broker check and then waits for
# rows; the broker is frozen (SIGSTOP) before the rows come, so none can
# be acknowledged (message.timeout.ms: 10 minutes).
"$BIN/midway-admin" create-topics >/dev/null 2>&1
broker=$("$MW_SOURCE_DIR/scripts/stack" status | awk '$1 == "kafka" && $2 == "up" { print $3 }')
[ -n "$broker" ] || fail "no broker pid in scripts/stack status"
at_exit "kill -CONT $broker 2>/dev/null"
mkfifo "$WORK/pipe"
"$BIN/midway-producer" -p odder -k "$WORK/key" -X message.timeout.ms=600000 - \
        <"$WORK/pipe" 2>"$WORK/stuck.log" &
pid=$!
at_exit "kill -9 $pid 2>/dev/null"
exec 3>"$WORK/pipe"
# the broker check is done when the producer has registered and connected:
# its metadata answer precedes any row; wait for the topic line
for _ in $(seq 300); do
        grep -q "schema id" "$WORK/stuck.log" && break
        sleep 0.1
done
grep -q "schema id" "$WORK/stuck.log" || fail "the producer did not start: $(tail -2 "$WORK/stuck.log")"
kill -STOP "$broker"
cat "$f" >&3
# until the producer has read the whole pipe (bytes in it: FIONREAD)
unread() { python3 -c 'import fcntl, struct, termios; print(struct.unpack("i", fcntl.ioctl(3, termios.FIONREAD, b"0000"))[0])'; }
for _ in $(seq 300); do
        [ "$(unread)" = 0 ] && break
        sleep 0.1
done
[ "$(unread)" = 0 ] || fail "the producer does not read its input"
exec 3>&-
# every row sent, each waiting for its acknowledgement
for _ in $(seq 300); do
        grep -q "rows read, waiting for" "$WORK/stuck.log" && break
        sleep 0.1
done
grep -qF -- "-: $rows rows read, waiting for $rows acknowledgement(s)" "$WORK/stuck.log" ||
        fail "the producer does not wait for $rows acknowledgements: $(grep -v Kafka "$WORK/stuck.log" | tail -2)"
kill -INT "$pid"
rc=0
timeout 30 tail --pid="$pid" -f /dev/null || fail "the producer did not stop within 30 s of SIGINT"
wait "$pid" || rc=$?
kill -CONT "$broker"
assert_eq "SIGINT: exit status" 1 "$rc"
sent=$(sed -n "s/.*-: rows [0-9]*, sent \([0-9]*\), acknowledged 0,.*/\1/p" "$WORK/stuck.log")
[ -n "$sent" ] && [ "$sent" -gt 0 ] || fail "no file line with rows sent and none acknowledged: $(grep -v Kafka "$WORK/stuck.log" | tail -3)"
grep -q "stopped by a signal: $sent row(s) not acknowledged" "$WORK/stuck.log" ||
        fail "no summary of the unacknowledged rows: $(tail -4 "$WORK/stuck.log")"
assert_eq "error lines for the $sent unacknowledged rows" 0 "$(grep -c 'delivery failed' "$WORK/stuck.log" || true)"
log "SIGINT with $sent rows in flight to a frozen broker: exit 1, one summary line"

# sent again, whatever of the first run reached the broker after it woke:
# every row is stored once
"$BIN/midway-producer" -p odder -k "$WORK/key" "$f" 2>"$WORK/again.log"
grep -q "rows $rows, sent $rows, acknowledged $rows, failed 0" "$WORK/again.log" ||
        fail "the second run: $(tail -2 "$WORK/again.log")"
consume_to_end -t "$(topic_of odder)" 2>>"$WORK/logs"
assert_eq "events stored once" "$rows" "$(q "SELECT count(*) FROM event")"
