#!/bin/bash
# Issue 7 (2): scale-out on a three-node Kafka. The test starts its own cluster
# (scripts/stack with MW_KAFKA_NODES=3, its own state directory and ports) and
# uses the PostgreSQL of the ordinary stack. The topics have replication
# factor 3 and min.insync.replicas=2 (midway-admin create-topics with
# topic.replication=3).
#
#   A. While a producer produces and a consumer consumes, the node leading the
#      consumer group's coordinator (the leader of __consumer_offsets) is
#      killed with SIGKILL. Both carry on with two nodes; the killed node is
#      restarted afterwards and rejoins every in-sync replica set.
#   B. Three consumers of one group consume while three producers produce;
#      one consumer is killed with SIGKILL. Its partitions go to the other two,
#      which apply what was produced to them after the kill.
#
# Pass: the stored events equal, field by field, what an independent oracle
# (tests/integration/oracle.py) computes from the producers' input, every
# message is applied exactly once (sum(kafka_offset.messages) = rows produced,
# no duplicates), and midway-admin verify finds no difference.
# Cluster ports (node N: client port, controller port + 2(N-1)): from
# MW_CLUSTER_KAFKA_PORT and MW_CLUSTER_CONTROLLER_PORT, by default
# MW_KAFKA_PORT+2 and MW_KAFKA_CONTROLLER_PORT+2 (19094/19095, 19096/19097,
# 19098/19099), so that they do not collide with the one-node stack.
. "$(dirname "$0")/../integration/lib.sh"

CL_DIR=$WORK/kafka3
CL_PORT=${MW_CLUSTER_KAFKA_PORT:-$((${MW_KAFKA_PORT:-19092} + 2))}
CL_CPORT=${MW_CLUSTER_CONTROLLER_PORT:-$((${MW_KAFKA_CONTROLLER_PORT:-19093} + 2))}
cl() {
        MW_STACK_DIR=$CL_DIR MW_KAFKA_NODES=3 MW_KAFKA_PORT=$CL_PORT \
                MW_KAFKA_CONTROLLER_PORT=$CL_CPORT "$MW_SOURCE_DIR/scripts/stack" "$@"
}
PIDS=()
stop_all() {
        local p
        for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
        cl down kafka >>"$WORK/stack.log" 2>&1 || echo "[$TEST_NAME] cluster down failed: see $WORK/stack.log" >&2
}
at_exit stop_all

# wait_for SECONDS WHAT COMMAND...: poll COMMAND until it succeeds; fail at the deadline
wait_for() {
        local secs=$1 end=$((SECONDS + $1)) what=$2
        shift 2
        until "$@"; do
                ((SECONDS < end)) || fail "timed out after ${secs}s waiting for $what"
                sleep 0.1
        done
}
running() { kill -0 "$1" 2>/dev/null; }
gone() { ! running "$1"; }
events() { q "SELECT count(*) FROM event"; }
acked() { cat "$1"/*.acked 2>/dev/null | wc -l; }
slug_of() { awk -F';' -v p="$1" '$1 == p { print $3 }' "$MW_SOURCE_DIR/reference/projects.csv"; }
# exit_status PID: wait for a child process that has exited (or will); prints its status
exit_status() {
        local rc=0
        wait "$1" || rc=$?
        echo "$rc"
}

t0=$SECONDS
log "starting a three-node Kafka on ports $CL_PORT, $((CL_PORT + 2)), $((CL_PORT + 4)) (state $CL_DIR)"
cl up kafka >>"$WORK/stack.log" 2>&1 || {
        tail -20 "$WORK/stack.log" >&2
        fail "the three-node Kafka did not start"
}
eval "$(cl env | grep '^export MW_BROKERS=')"
log "cluster up in $((SECONDS - t0))s: MW_BROKERS=$MW_BROKERS"
nodes=$(kcat -b "$MW_BROKERS" -L -t __midway_probe 2>/dev/null | grep -c '^  broker [0-9]* at ')
assert_eq "brokers in the cluster's metadata" 3 "$nodes"

export MW_TOPIC_REPLICATION=3
setup_db_and_topics 2>>"$WORK/admin.log"
topic_a=$(topic_of "$(slug_of 24)")
desc=$(cl kafka-topics --describe --topic "$topic_a" 2>/dev/null)
assert_eq "replication factor of $topic_a" 3 "$(grep -o 'ReplicationFactor: [0-9]*' <<<"$desc" | head -1 | cut -d' ' -f2)"
assert_eq "min.insync.replicas of $topic_a" 2 "$(grep -o 'min\.insync\.replicas=[0-9]*' <<<"$desc" | head -1 | cut -d= -f2)"

# "partition P leader L isrs I" for TOPIC
partitions() {
        kcat -b "$MW_BROKERS" -L -t "$1" 2>/dev/null |
                sed -nE 's/^ *partition ([0-9]+), leader (-?[0-9]+), replicas: [0-9,]*, isrs: ([0-9,]*).*/\1 \2 \3/p'
}
full_isrs() { # TOPIC...: every partition of every TOPIC has three in-sync replicas
        local t n
        for t in "$@"; do
                n=$(partitions "$t" | awk '{ if (split($3, a, ",") == 3) ok++ } END { print ok + 0 }')
                [ "$n" -ge 1 ] && [ "$n" -eq "$(partitions "$t" | wc -l)" ] || return 1
        done
}
expected_events() { # KEYFILE PROJECT FILE: the oracle's lines, appended to $WORK/expected
        python3 "$MW_SOURCE_DIR/tests/integration/oracle.py" "$WORK/key" "$1" "$2" >>"$WORK/expected"
}

# ---------------------------------------------------------------- A: a broker dies
fa=$(gen 24 3000 71)
rows_a=$(tail -n +2 "$fa" | wc -l)
: >"$WORK/expected"
expected_events 24 "$fa"
cons=(-o batch.rows=200 -o batch.ms=50 -X session.timeout.ms=6000 -X heartbeat.interval.ms=500)
"$BIN/midway-consumer" "${cons[@]}" 2>"$WORK/consumer-a.log" &
ca=$!
PIDS+=("$ca")
"$BIN/midway-producer" -p 24 -k "$WORK/key" -s "$WORK/state-a" \
        -X queue.buffering.max.messages=200 -X linger.ms=50 "$fa" 2>"$WORK/producer-a.log" &
pa=$!
PIDS+=("$pa")
a_started() { [ "$(acked "$WORK/state-a")" -ge $((rows_a / 5)) ] && [ "$(events)" -gt 0 ]; }
wait_for 120 "the producer to deliver a fifth of its rows and the consumer to apply some" a_started
running "$pa" || fail "the producer finished before a broker could be killed"
coord=$(partitions __consumer_offsets | awk '$1 == 0 { print $2 }')
[[ $coord =~ ^[123]$ ]] || fail "no leader of __consumer_offsets (got '$coord')"
led=$(partitions "$topic_a" | awk -v n="$coord" '$2 == n { print $1 }' | tr '\n' ' ')
cl kill "kafka$coord" >>"$WORK/stack.log" 2>&1
at_acked=$(acked "$WORK/state-a")
at_events=$(events)
log "A: SIGKILL kafka$coord (group coordinator; leader of $topic_a partition(s) ${led:-none}) after $at_acked of $rows_a rows acknowledged (producer journal), $at_events applied"
cl status "kafka$coord" >/dev/null 2>&1 && fail "kafka$coord still runs"
wait_for 240 "the producer to finish with two brokers" gone "$pa"
rc=$(exit_status "$pa")
[ "$rc" -eq 0 ] || fail "the producer failed (exit $rc): $(tail -3 "$WORK/producer-a.log")"
grep -q "$fa: rows $rows_a, sent $rows_a, acknowledged $rows_a, failed 0" "$WORK/producer-a.log" ||
        fail "producer summary: $(grep 'rows' "$WORK/producer-a.log" | tail -1)"
all_applied() { [ "$(events)" -ge "$1" ]; }
wait_for 240 "the consumer to apply all $rows_a rows with two brokers" all_applied "$rows_a"
cl status "kafka$coord" >/dev/null 2>&1 && fail "kafka$coord was restarted behind the test's back"
log "A: with kafka$coord down: $rows_a of $rows_a rows acknowledged and $(events) applied"
assert_eq "A: events applied while kafka$coord was down" "$rows_a" "$(events)"
kill -TERM "$ca"
wait_for 60 "consumer A to stop on SIGTERM" gone "$ca"
rc=$(exit_status "$ca")
[ "$rc" -eq 0 ] || fail "consumer A exited with $rc: $(tail -3 "$WORK/consumer-a.log")"
t1=$SECONDS
cl up "kafka$coord" >>"$WORK/stack.log" 2>&1 || fail "kafka$coord did not restart"
wait_for 120 "kafka$coord to rejoin the in-sync replicas" full_isrs "$topic_a" __consumer_offsets
log "A: kafka$coord restarted and back in every ISR of $topic_a and __consumer_offsets after $((SECONDS - t1))s"

# ---------------------------------------------------------------- B: a consumer dies
# Three consumers of one group (the same group: topic A is done), then three
# producers; consumer 2 is killed while the producers still produce.
fb=() pb=() cb=()
rows_b=0
for i in 1 2 3; do
        "$BIN/midway-consumer" "${cons[@]}" 2>"$WORK/consumer-b$i.log" &
        cb[i]=$!
        PIDS+=("${cb[i]}")
done
total_parts=$(kcat -b "$MW_BROKERS" -L 2>/dev/null |
        awk -v p="\"$MW_TOPIC_PREFIX.registrations." 'index($0, "  topic " p) == 1 { n += $4 } END { print n + 0 }')
# the partitions a consumer holds now ("topic partition" lines), from its log:
# every rebalance revokes all (roundrobin, eager) and then assigns the new set
holds() {
        awk '/partitions revoked/ { delete a; next }
             / assigned, starting at offset/ {
                     t = ""; p = ""
                     for (i = 1; i <= NF; i++) {
                             if ($i ~ /^topic=/) t = substr($i, 7)
                             if ($i ~ /^partition=/) p = substr($i, 11)
                     }
                     a[t " " p] = 1
             }
             END { for (k in a) print k }' "$1" | sort
}
group_of_three() {
        local i n all
        for i in 1 2 3; do
                running "${cb[i]}" || fail "consumer B$i exited: $(tail -3 "$WORK/consumer-b$i.log")"
                n=$(holds "$WORK/consumer-b$i.log" | wc -l)
                [ "$n" -gt 0 ] || return 1
        done
        all=$(for i in 1 2 3; do holds "$WORK/consumer-b$i.log"; done | sort -u | wc -l)
        n=$(for i in 1 2 3; do holds "$WORK/consumer-b$i.log"; done | wc -l)
        [ "$all" -eq "$total_parts" ] && [ "$n" -eq "$total_parts" ]
}
wait_for 120 "three consumers sharing all $total_parts partitions" group_of_three
log "B: three consumers share the $total_parts partitions: $(for i in 1 2 3; do holds "$WORK/consumer-b$i.log" | wc -l; done | tr '\n' ' ')"
before_b=$(events)
for p in 2 13 30; do
        f=$(gen "$p" 1200 73)
        fb+=("$f")
        rows_b=$((rows_b + $(tail -n +2 "$f" | wc -l)))
        expected_events "$p" "$f"
        "$BIN/midway-producer" -p "$p" -k "$WORK/key" -s "$WORK/state-b$p" \
                -X queue.buffering.max.messages=100 -X linger.ms=50 "$f" 2>"$WORK/producer-b$p.log" &
        pb+=($!)
        PIDS+=("$!")
done
# victim: consumer 2, once it has applied messages of the new topics
data_topics=$(for p in 2 13 30; do topic_of "$(slug_of "$p")"; done)
victim_parts() { holds "$WORK/consumer-b2.log" | grep -Fx -f <(for t in $data_topics; do printf '%s %s\n' "$t" 0 "$t" 1 "$t" 2; done); }
victim_working() {
        local t p n
        n=0
        while read -r t p; do
                n=$((n + $(q "SELECT coalesce(sum(messages), 0) FROM kafka_offset WHERE topic = '$t' AND partition = $p")))
        done < <(victim_parts)
        [ "$n" -gt 0 ]
}
wait_for 120 "consumer B2 to apply messages of its partitions" victim_working
vparts=$(victim_parts)
[ -n "$vparts" ] || fail "consumer B2 holds none of the new topics' partitions"
producing=0
for p in "${pb[@]}"; do if running "$p"; then producing=$((producing + 1)); fi; done
[ "$producing" -gt 0 ] || fail "the producers finished before the consumer could be killed"
lines=()
for i in 1 3; do lines[i]=$(wc -l <"$WORK/consumer-b$i.log"); done
kill -9 "${cb[2]}"
wait "${cb[2]}" 2>/dev/null || true
# what the killed consumer had committed (its open transaction, if any, is rolled back)
declare -A at_off=()
while read -r t p; do
        at_off["$t $p"]=$(q "SELECT coalesce(max(next_offset), 0) FROM kafka_offset WHERE topic = '$t' AND partition = $p")
done <<<"$vparts"
log "B: SIGKILL consumer B2 (holding $(wc -l <<<"$vparts") partitions of the new topics: $(tr '\n' ',' <<<"$vparts" | sed 's/,$//'); $producing producer(s) still running) after $(($(events) - before_b)) of $rows_b rows applied"

for p in "${pb[@]}"; do
        wait_for 240 "producer $p to finish" gone "$p"
        rc=$(exit_status "$p")
        [ "$rc" -eq 0 ] || fail "a producer of B failed (exit $rc)"
done
for i in 0 1 2; do
        f=${fb[i]}
        r=$(tail -n +2 "$f" | wc -l)
        grep -q "$f: rows $r, sent $r, acknowledged $r, failed 0" "$WORK"/producer-b*.log ||
                fail "producer summary for $f: $(grep -h 'rows' "$WORK"/producer-b*.log | tail -3)"
done
total=$((rows_a + rows_b))
wait_for 240 "the two remaining consumers to apply all $total rows" all_applied "$total"
# the survivors' logs since the kill (before they are stopped, which rebalances again)
for i in 1 3; do tail -n +"$((lines[i] + 1))" "$WORK/consumer-b$i.log" >"$WORK/after-kill-b$i.log"; done
moved=0
while read -r t p; do
        took=""
        for i in 1 3; do
                if grep -q "topic=$t partition=$p assigned" "$WORK/after-kill-b$i.log"; then
                        took+=" B$i ($(grep -o "topic=$t partition=$p assigned, .*" "$WORK/after-kill-b$i.log" | head -1 | sed 's/.*assigned, //'))"
                fi
        done
        if [ -n "$took" ]; then moved=$((moved + 1)); fi
        log "B: $t [$p] assigned after the kill to:${took:- nobody}"
done <<<"$vparts"
kill -TERM "${cb[1]}" "${cb[3]}"
for i in 1 3; do
        wait_for 60 "consumer B$i to stop on SIGTERM" gone "${cb[i]}"
        rc=$(exit_status "${cb[i]}")
        [ "$rc" -eq 0 ] || fail "consumer B$i exited with $rc: $(tail -3 "$WORK/consumer-b$i.log")"
done
advanced=0
while read -r t p; do
        now=$(q "SELECT next_offset FROM kafka_offset WHERE topic = '$t' AND partition = $p")
        log "B: $t [$p]: next offset ${at_off["$t $p"]} at the kill, $now now"
        if [ "$now" -gt "${at_off["$t $p"]}" ]; then advanced=$((advanced + 1)); fi
done <<<"$vparts"
nv=$(wc -l <<<"$vparts")
assert_eq "B: killed consumer's partitions taken over by the others" "$nv" "$moved"
# the producers still ran at the kill: some of their later rows went to these partitions
[ "$advanced" -ge 1 ] || fail "B: none of the killed consumer's partitions was applied further after the kill"
echo "[$TEST_NAME] ok: B: killed consumer's partitions applied further by the others = $advanced of $nv"

# ---------------------------------------------------------------- exactly once
dump_events >"$WORK/actual"
sed 's/|$//' "$WORK/expected" | sort >"$WORK/expected.sorted"
if ! diff -u "$WORK/expected.sorted" "$WORK/actual" >"$WORK/diff"; then
        head -20 "$WORK/diff" >&2
        fail "stored events differ from the producers' input"
fi
verify_state
assert_eq "events stored (field by field equal to the oracle)" "$total" "$(wc -l <"$WORK/actual")"
assert_eq "messages applied (each exactly once)" "$total" "$(q "SELECT sum(messages) FROM kafka_offset")"
assert_eq "duplicates applied" 0 "$(q "SELECT sum(duplicates) FROM kafka_offset")"
assert_eq "dead letters" 0 "$(q "SELECT count(*) FROM dead_letter")"
echo "[$TEST_NAME] three brokers, RF 3, min ISR 2: A $rows_a rows with kafka$coord killed, B $rows_b rows with 1 of 3 consumers killed; $total produced, $total stored, $total applied once ($((SECONDS - t0))s)"
