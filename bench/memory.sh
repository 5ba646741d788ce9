#!/bin/bash
# Benchmark 4, memory (docs/performance.md): the consumer's peak RSS while
# it drains a backlog, for two backlog sizes.
#
#   bench/memory.sh [BUILD_DIR]          (scripts/bench runs it)
#   MW_BENCH_MEMORY_EVENTS  the large backlog (default 10000000)
#   MW_BENCH_MEMORY_SMALL   the comparison backlog (default 1000000)
#
# For each size: a fresh database and fresh topics; midway-gen and
# midway-producer fill the 30 project topics with the backlog first; then
# midway-consumer -e (default configuration) drains it. Peak RSS is the
# kernel's high-water mark (VmHWM of /proc/PID/status, the figure
# /usr/bin/time -v reports as "Maximum resident set size"), sampled every
# second with VmRSS to show that it levels off. The full run (10 million
# events) takes about an hour on a 2-core machine: producing the backlog
# about a quarter of it, draining it the rest (docs/performance.md).
# Target: <= 100 MB, independent of the backlog size.
source "$(dirname "$0")/lib.sh"
BIG=${MW_BENCH_MEMORY_EVENTS:-10000000}
SMALL=${MW_BENCH_MEMORY_SMALL:-1000000}
TARGET_MB=100

# drain N: runs the consumer to the end; prints "peak_kB seconds samples"
drain() {
        local n=$1 pid t0 t1 hwm=0 rss samples=() i=0 h
        t0=$(now_ns)
        "$BENCH_BUILD/midway-consumer" -q -e &
        pid=$!
        while kill -0 "$pid" 2>/dev/null; do
                h=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
                rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
                [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
                # one VmRSS sample (MiB) every 30 s for the record
                if [ -n "$rss" ] && [ $((i % 30)) -eq 29 ]; then
                        samples+=("$((rss / 1024))")
                fi
                i=$((i + 1))
                sleep 1
        done
        wait "$pid" || die "midway-consumer failed"
        t1=$(now_ns)
        [ "$(q "SELECT count(*) FROM event")" -eq "$n" ] || die "stored $(q "SELECT count(*) FROM event") events, not $n"
        echo "$hwm $(secs "$t0" "$t1") $(
                IFS=,
                echo "${samples[*]}"
        )"
}

new_key
declare -A PEAK SECS SAMPLES FILL
for n in "$SMALL" "$BIG"; do
        export MW_TOPIC_PREFIX="bench.memory$BENCH_RUN.n$n"
        new_db "bench_memory_$n"
        "$BENCH_BUILD/midway-admin" create-topics 2>/dev/null
        log "backlog of $n events"
        t0=$(now_ns)
        fill "$n"
        FILL[$n]=$(secs "$t0" "$(now_ns)")
        log "draining $n events"
        read -r "PEAK[$n]" "SECS[$n]" "SAMPLES[$n]" < <(drain "$n")
        if [ -z "${PEAK[$n]}" ] || [ "${PEAK[$n]}" -le 0 ]; then
                die "draining $n events failed"
        fi
        log "$n events: peak RSS $((PEAK[$n] * 1024 / 1000000)) MB, drained in ${SECS[$n]} s (VmRSS every 30 s, MiB: ${SAMPLES[$n]})"
        psql "$BENCH_ADMIN_CONNINFO" -Xq -c "DROP DATABASE IF EXISTS bench_memory_$n" >/dev/null
done

# MB = 10^6 bytes (the kernel counts KiB)
big_mb=$(awk -v k="${PEAK[$BIG]}" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')
small_mb=$(awk -v k="${PEAK[$SMALL]}" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')
met=$(awk -v m="$big_mb" -v s="$small_mb" -v t="$TARGET_MB" 'BEGIN { print (m <= t && s <= t ? "yes" : "no") }')
r=$(ratio "$big_mb" "$small_mb")
cat <<EOF
consumer peak RSS while draining a backlog
  $BIG events    ${big_mb} MB  (produced in ${FILL[$BIG]} s, drained in ${SECS[$BIG]} s; VmRSS every 30 s: ${SAMPLES[$BIG]})
  $SMALL events  ${small_mb} MB  (produced in ${FILL[$SMALL]} s, drained in ${SECS[$SMALL]} s)
  ratio of the two  ${r}  (target <= ${TARGET_MB} MB for both: ${met})
EOF
result "memory, backlog $BIG vs $SMALL events" "peak RSS ${big_mb} MB draining $BIG (${SECS[$BIG]} s)" \
        "peak RSS ${small_mb} MB draining $SMALL (${SECS[$SMALL]} s)" "$r" "<= ${TARGET_MB} MB" "$met" \
        "VmHWM sampled every 1 s; consumer defaults; backlog produced in ${FILL[$BIG]} s + ${FILL[$SMALL]} s"
