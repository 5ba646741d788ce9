#!/bin/bash
# Issue 14: a replay must never report half a database as done. A live
# consumer runs in group G; a second consumer in G with --exit-at-end into
# a fresh database is given only part of the partitions, so it must exit
# non-zero and say why (before: exit 0, "done", half the events, and
# verify equal). Then docs/operations.md's replay, followed literally:
# createdb, midway-admin replay; it must store every event once and give
# the live database's status.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics

total=0
for p in 3 9 17; do
        f=$(gen "$p" 400 29)
        produce "$p" "$f"
        total=$((total + $(tail -n +2 "$f" | wc -l)))
done
"$BIN/midway-consumer" -X "group.instance.id=live-$RUN_ID" -X session.timeout.ms=6000 \
        2>"$WORK/live.log" &
CONSUMER_PID=$!
for _ in $(seq 600); do
        [ "$(q "SELECT count(*) FROM event")" = "$total" ] && break
        kill -0 "$CONSUMER_PID" 2>/dev/null || fail "the live consumer exited: $(tail -3 "$WORK/live.log")"
        sleep 0.1
done
assert_eq "events stored by the live consumer" "$total" "$(q "SELECT count(*) FROM event")"

# A fresh database, the live consumer's group, --exit-at-end.
fresh_db() { # NAME: created now, dropped if the test passes
        psql "$ADMIN_CONNINFO" -q -c "CREATE DATABASE $1" >/dev/null
        at_exit "[ \$rc -ne 0 ] || psql '$ADMIN_CONNINFO' -q -c 'DROP DATABASE IF EXISTS $1' >/dev/null 2>&1"
}
fresh_db "${DB}_same"
SAME="$ADMIN_CONNINFO dbname=${DB}_same"
"$BIN/midway-admin" -d "$SAME" migrate 2>/dev/null
rc=0
timeout 300 "$BIN/midway-consumer" -d "$SAME" --exit-at-end 2>"$WORK/same.log" || rc=$?
partial=$(psql "$SAME" -XAt -c "SELECT count(*) FROM event")
log "--exit-at-end in the live consumer's group: exit $rc, $partial of $total events"
[ "$rc" -ne 0 ] || fail "--exit-at-end exited 0 with $partial of $total events"
[ "$rc" -ne 124 ] || fail "--exit-at-end did not end within 300 s"
msg=$(grep "another member of group $MW_GROUP_ID holds" "$WORK/same.log") ||
        fail "no message naming the group: $(tail -3 "$WORK/same.log")"
log "its message: ${msg#* ERROR }"
grep -q "done:" "$WORK/same.log" && fail "it said done"
[ "$partial" -lt "$total" ] || fail "it had every event: the scenario did not happen"
grep -q "partitions revoked" "$WORK/live.log" || fail "the live consumer never shared its partitions"

# docs/operations.md, "Replaying from Kafka", literally.
fresh_db "${DB}_replay"
REPLAY="$ADMIN_CONNINFO dbname=${DB}_replay"
"$BIN/midway-admin" -d "$REPLAY" replay 2>"$WORK/replay.log" ||
        fail "midway-admin replay failed: $(tail -3 "$WORK/replay.log")"
grep -q "verify: state of .* equals" "$WORK/replay.log" || fail "replay did not verify"
group=$(sed -n 's/.*replay: group \([^ ,]*\),.*/\1/p' "$WORK/replay.log")
log "replay group: $group"
assert_eq "events replayed" "$total" "$(psql "$REPLAY" -XAt -c "SELECT count(*) FROM event")"
assert_eq "messages applied (each once)" "$total" \
        "$(psql "$REPLAY" -XAt -c "SELECT sum(messages) FROM kafka_offset WHERE consumer_group = '$group'")"
for d in 2015-07-01 2016-01-01; do
        assert_eq "status $d as the live database's" "$(status_csv "$d" | md5sum)" \
                "$(status_csv "$d" "$REPLAY" | md5sum)"
done
kill -0 "$CONSUMER_PID" 2>/dev/null || fail "the live consumer died: $(tail -3 "$WORK/live.log")"

# A database that is not fresh is refused.
rc=0
"$BIN/midway-admin" -d "$REPLAY" replay 2>"$WORK/again.log" || rc=$?
[ "$rc" = 1 ] && grep -q "already holds $total events" "$WORK/again.log" ||
        fail "replay into a used database: exit $rc, $(tail -1 "$WORK/again.log")"
echo "[$TEST_NAME] same group: exit $rc with $partial of $total, named; replay: $total of $total, status equal"
