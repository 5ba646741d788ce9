#!/bin/bash
# Benchmark 1, producer (docs/performance.md): midway-producer against kcat.
#
#   bench/producer.sh [BUILD_DIR]        (scripts/bench runs it)
#   MW_BENCH_PRODUCER_EVENTS  events (default 500000)
#
# midway-gen writes a CSV export of about N events for one project;
# midway-producer reads it, validates every row, pseudonymises the CPR
# (HMAC-SHA256), derives the event id (UUIDv5), Avro-encodes and produces
# it (enable.idempotence=true, acks=all, linger.ms=20) and waits for every
# acknowledgement. The topic is then dumped with kcat (key and value,
# separated by long random delimiters; the count is checked) and Debian's
# kcat produces exactly those pre-encoded messages, with the same keys and
# the same librdkafka settings, into a fresh topic of the same partitions.
# Both timings are wall clock of the whole process (start-up, registry or
# metadata, the last acknowledgement). Target: midway >= 70% of kcat.
source "$(dirname "$0")/lib.sh"
N=${MW_BENCH_PRODUCER_EVENTS:-500000}
TARGET=0.70

new_db bench_producer
"$BENCH_BUILD/midway-admin" create-topics 2>/dev/null
new_key
topic=$MW_TOPIC_PREFIX.registrations.ballerup
# about 6 events per citizen: ask for enough citizens, then cut to N rows
csv=$BENCH_WORK/export.csv
"$BENCH_BUILD/midway-gen" -p 1 -n $((N / 5 + 100)) -s 1 >"$csv.full"
head -n $((N + 1)) "$csv.full" >"$csv"
rm "$csv.full"
rows=$(($(wc -l <"$csv") - 1))
[ "$rows" -eq "$N" ] || die "midway-gen gave $rows rows, not $N"

log "midway-producer: $N events from a CSV export into $topic"
t0=$(now_ns)
/usr/bin/time -f '%U %S' -o "$BENCH_WORK/mw.time" \
        "$BENCH_BUILD/midway-producer" -q -p 1 -k "$BENCH_WORK/key" "$csv"
t1=$(now_ns)
mw_s=$(secs "$t0" "$t1")
read -r mw_user mw_sys <"$BENCH_WORK/mw.time"
[ "$(topic_count "$topic")" -eq "$N" ] || die "$topic holds $(topic_count "$topic") messages, not $N"

# The same messages, pre-encoded: key KDELIM value DELIM, N times.
delim=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
kdelim=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
kcat -b "$MW_BROKERS" -C -t "$topic" -e -q -f "%k$kdelim%s$delim" >"$BENCH_WORK/dump"
dumped=$("$BENCH_PY" -c 'import sys; d = open(sys.argv[1], "rb").read(); print(d.count(sys.argv[2].encode()), d.count(sys.argv[3].encode()))' \
        "$BENCH_WORK/dump" "$delim" "$kdelim")
[ "$dumped" = "$N $N" ] || die "the dump holds '$dumped' messages/keys, not $N"
ktopic=$MW_TOPIC_PREFIX.kcat
"$BENCH_SRC/scripts/stack" kafka-topics --create --topic "$ktopic" \
        --partitions "$(topic_partitions "$topic")" >/dev/null 2>&1 ||
        die "cannot create $ktopic"

log "kcat: the same $N pre-encoded messages into $ktopic"
t0=$(now_ns)
/usr/bin/time -f '%U %S' -o "$BENCH_WORK/kcat.time" \
        kcat -b "$MW_BROKERS" -P -t "$ktopic" -D "$delim" -K "$kdelim" \
        -X enable.idempotence=true -X acks=all -X linger.ms=20 <"$BENCH_WORK/dump"
t1=$(now_ns)
kc_s=$(secs "$t0" "$t1")
read -r kc_user kc_sys <"$BENCH_WORK/kcat.time"
[ "$(topic_count "$ktopic")" -eq "$N" ] || die "$ktopic holds $(topic_count "$ktopic") messages, not $N"

mw_rate=$(rate "$N" "$mw_s")
kc_rate=$(rate "$N" "$kc_s")
r=$(ratio "$mw_rate" "$kc_rate")
met=$(awk -v r="$r" -v t="$TARGET" 'BEGIN { print (r >= t ? "yes" : "no") }')
mw_cpu=$(awk -v u="$mw_user" -v s="$mw_sys" -v n="$N" 'BEGIN { printf "%.1f", (u + s) * 1e6 / n }')
kc_cpu=$(awk -v u="$kc_user" -v s="$kc_sys" -v n="$N" 'BEGIN { printf "%.1f", (u + s) * 1e6 / n }')
cat <<EOF
producer, $N events, $(stat -c %s "$csv") bytes of CSV, $(($(stat -c %s "$BENCH_WORK/dump") / N - 96)) bytes per message (key and value)
  midway-producer  ${mw_s} s  ${mw_rate} events/s  CPU ${mw_user} s user ${mw_sys} s sys (${mw_cpu} µs/event)
  kcat             ${kc_s} s  ${kc_rate} events/s  CPU ${kc_user} s user ${kc_sys} s sys (${kc_cpu} µs/event)
  ratio            ${r} of kcat's rate (target >= ${TARGET}: ${met})
  midway-producer also parses and validates the CSV, computes an HMAC-SHA256 and a UUIDv5 per row
  and Avro-encodes; kcat only splits a file of finished messages.
EOF
result "producer, $N events" "midway-producer ${mw_rate} events/s (${mw_s} s, ${mw_cpu} µs CPU/event)" \
        "kcat ${kc_rate} events/s (${kc_s} s, ${kc_cpu} µs CPU/event), same pre-encoded messages" \
        "$r" ">= $TARGET" "$met" \
        "idempotent, acks=all, linger.ms=20 for both; midway also parses, validates, HMACs, UUIDv5s and encodes"
