#!/bin/bash
# Issue 3 (5): the invariant under random interleavings, duplicates, late
# events, corrections and consumer restarts. Exports for two sites and
# corrections of them are cut into chunks and produced in a random order
# (some twice) while the consumer is SIGKILLed and restarted at random
# points. Afterwards `verify` holds, and the state and the status for
# several cut-off dates equal those of a second database that read every
# event once, in one pass.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics
SEED=${MW_TEST_SEED:-$(( $(date +%s) % 100000 ))}
log "seed $SEED (set MW_TEST_SEED to repeat)"
RANDOM=$SEED

chunks=()
for p in 7 21; do
        f=$(gen "$p" 80 "$SEED")
        "$BIN/midway-producer" -q -n -p "$p" -k "$WORK/key" "$f" |
                python3 -c 'import json,sys; [print(json.loads(l)["event_id"]) for l in sys.stdin]' >"$WORK/ids.$p"
        python3 "$MW_SOURCE_DIR/tests/integration/make_corrections.py" "$f" "$WORK/ids.$p" "$SEED" 40 fix >"$WORK/fix.$p.csv"
        # Corrections of corrections: the later registration must win.
        "$BIN/midway-producer" -q -n -p "$p" -k "$WORK/key" "$WORK/fix.$p.csv" |
                python3 -c 'import json,sys; [print(json.loads(l)["event_id"]) for l in sys.stdin]' >"$WORK/fixids.$p"
        python3 "$MW_SOURCE_DIR/tests/integration/make_corrections.py" "$WORK/fix.$p.csv" "$WORK/fixids.$p" "$((SEED + 1))" 10 refix >"$WORK/refix.$p.csv"
        head -1 "$f" >"$WORK/header"
        tail -n +2 "$f" | shuf --random-source=<(yes "$SEED") >"$WORK/shuffled.$p"
        split -n l/4 "$WORK/shuffled.$p" "$WORK/chunk.$p."
        for c in "$WORK"/chunk."$p".*; do
                { cat "$WORK/header"; cat "$c"; } >"$c.csv"
                chunks+=("$p:$c.csv")
        done
        chunks+=("$p:$WORK/fix.$p.csv" "$p:$WORK/refix.$p.csv")
done
# A random order, with three chunks sent twice.
mapfile -t order < <(printf '%s\n' "${chunks[@]}" "${chunks[1]}" "${chunks[5]}" "${chunks[9]}" |
        shuf --random-source=<(yes "$SEED"))

# Static group membership (group.instance.id): each restart takes the killed
# member's place at once, so the group never holds a dead member. Without it a
# consumer killed while joining stays in the group until its session expires,
# may be given half of the partitions in the final consumer's rebalance, and
# the final `--exit-at-end` consumer, done with its own half, exits: 276 of
# some 1,300 messages applied.
GROUP=(-X group.instance.id=interleave -X session.timeout.ms=6000 -X heartbeat.interval.ms=500)
start_consumer() {
        "$BIN/midway-consumer" -q -o batch.rows=40 -o batch.ms=20 "${GROUP[@]}" \
                2>>"$WORK/consumer.log" &
        CONSUMER_PID=$!
}
kills=0
start_consumer
for item in "${order[@]}"; do
        produce "${item%%:*}" "${item#*:}" || [ $? -eq 3 ] # corrections of dropped rows may be rejected
        if [ $((RANDOM % 3)) -eq 0 ]; then
                kill -9 "$CONSUMER_PID"
                wait "$CONSUMER_PID" 2>/dev/null || true
                kills=$((kills + 1))
                start_consumer
        fi
done
kill -9 "$CONSUMER_PID"
wait "$CONSUMER_PID" 2>/dev/null || true
CONSUMER_PID=
consume_to_end "${GROUP[@]}" 2>>"$WORK/consumer.log"
log "${#order[@]} files produced in random order, consumer killed $kills times"
verify_state
total=$(q "SELECT sum(messages) FROM kafka_offset")
# Every message in Kafka was applied (a consumer that ends on part of the
# partitions fails here, not later as a difference in state).
inkafka=0
for slug in $(q "SELECT slug FROM project WHERE project_id IN (7, 21)"); do
        n=$(kcat -b "$MW_BROKERS" -C -t "$(topic_of "$slug")" -e -q -f 'x\n' | wc -l)
        inkafka=$((inkafka + n))
done
assert_eq "messages applied (every message in Kafka)" "$inkafka" "$total"
stored=$(q "SELECT count(*) FROM event")
assert_eq "messages applied = events stored + duplicates" "$total" \
        "$((stored + $(q "SELECT sum(duplicates) FROM kafka_offset")))"
[ "$(q "SELECT count(*) FROM event WHERE action <> 'new'")" -gt 40 ] || fail "too few corrections stored"

# A second database reads every message once, in Kafka's order.
DB2="${DB}_b"
psql "$ADMIN_CONNINFO" -q -c "CREATE DATABASE $DB2" >/dev/null
B="$ADMIN_CONNINFO dbname=$DB2"
MW_PG_CONNINFO=$B "$BIN/midway-admin" migrate 2>/dev/null
MW_PG_CONNINFO=$B MW_GROUP_ID="$MW_GROUP_ID-b" consume_to_end 2>>"$WORK/consumer.log"
MW_PG_CONNINFO=$B "$BIN/midway-admin" verify >/dev/null
assert_eq "messages applied by the clean replay" "$inkafka" \
        "$(psql "$B" -X -At -c "SELECT sum(messages) FROM kafka_offset")"
state() { psql "$1" -X -At -c "SELECT * FROM citizen ORDER BY 1, 2" | md5sum; }
assert_eq "per-citizen state equal in both databases" "$(state "$B")" "$(state "$MW_PG_CONNINFO")"
for d in 2015-01-01 2015-03-01 2015-07-01; do
        assert_eq "status on $d equal in both databases" "$(status_csv $d "$B" | md5sum)" "$(status_csv $d | md5sum)"
done
assert_eq "visited on 2015-07-01 (both sites)" "$(status_field 2015-07-01 Total visited)" \
        "$(MW_PG_CONNINFO=$B status_field 2015-07-01 Total visited)"
psql "$ADMIN_CONNINFO" -q -c "DROP DATABASE $DB2" >/dev/null
echo "[$TEST_NAME] seed $SEED: $stored events, $kills kills, state and status equal to a clean replay"
