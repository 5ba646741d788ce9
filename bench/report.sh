#!/bin/bash
# Benchmark (not a test, not in ctest): midway-report for 30 projects over
# about one million events must finish in 2 seconds or less.
#
#   bench/report.sh [BUILD_DIR]      (default: build-rep, else build)
#
# Loads the dataset once into its own database on the running local stack
# (database midway_bench_report, topics with the prefix bench.report):
# midway-gen writes 6,000 citizens per project (about a million events in
# all, dated up to 2015-07-01), midway-producer sends them through Kafka and
# midway-consumer applies them, i.e. the real pipeline, no COPY shortcut.
# Later runs reuse the database if it holds the events (MW_BENCH_RELOAD=1
# forces a reload). Then it runs the report as of 2015-07-01 as a member of
# midway_evaluator, prints the elapsed time and its ratio to the 2 s target,
# and appends a row to bench/RESULTS.md.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-}
if [ -z "$build" ]; then
        build=$src/build-rep
        [ -x "$build/midway-report" ] || build=$src/build
fi
build=$(cd "$build" && pwd)
for p in midway-gen midway-producer midway-consumer midway-admin; do
        [ -x "$build/$p" ] || { echo "bench: $build/$p is not built" >&2; exit 1; }
done
if [ -z "${MW_BROKERS:-}" ]; then
        eval "$("$src/scripts/stack" env)"
fi
CITIZENS=${MW_BENCH_CITIZENS:-6000}
load=$(cut -d' ' -f1-3 /proc/loadavg) # the machine may be shared
AS_OF=${MW_BENCH_AS_OF:-2015-07-01}
TARGET_S=2
admin=$MW_PG_CONNINFO
db=midway_bench_report
export MW_PG_CONNINFO="$admin dbname=$db"
export MW_TOPIC_PREFIX=bench.report
export MW_GROUP_ID=bench-report
work=$(mktemp -d /tmp/midway-bench-report.XXXXXX)
trap 'rm -rf "$work"' EXIT
log() { echo "[bench] $*" >&2; }

events() {
        psql "$MW_PG_CONNINFO" -XAtc "SELECT count(*) FROM event" 2>/dev/null || echo 0
}

load() {
        local t0 p rows=0 f
        log "loading $CITIZENS citizens x 30 projects into database $db"
        psql "$admin" -Xq -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
        "$build/midway-admin" migrate
        # a fresh prefix per load: old topics would be consumed again
        export MW_TOPIC_PREFIX="bench.report$(date +%s)"
        "$build/midway-admin" create-topics
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/key" # 64 hex digits
        chmod 600 "$work/key"
        t0=$(date +%s)
        for p in $(seq 1 30); do
                f=$work/export-$p.csv
                "$build/midway-gen" -p "$p" -n "$CITIZENS" -s "$p" >"$f"
                rows=$((rows + $(tail -n +2 "$f" | wc -l)))
                "$build/midway-producer" -q -p "$p" -k "$work/key" "$f"
                rm -f "$f"
        done
        log "produced $rows events in $(($(date +%s) - t0)) s"
        t0=$(date +%s)
        "$build/midway-consumer" -q -e -o batch.rows=20000
        log "consumed in $(($(date +%s) - t0)) s"
        [ "$(events)" -eq "$rows" ] || { log "stored $(events) of $rows events"; exit 1; }
        psql "$MW_PG_CONNINFO" -Xq -c "VACUUM ANALYZE" >/dev/null
}

if [ "${MW_BENCH_RELOAD:-0}" = 1 ] || [ "$(events)" -lt 900000 ]; then
        load
fi
n_events=$(events)
log "database $db: $n_events events"

# The report, as a member of midway_evaluator (the status function only).
role=bench_report_eval
psql "$MW_PG_CONNINFO" -Xq -c "DO \$\$ BEGIN CREATE ROLE $role LOGIN IN ROLE midway_evaluator;
        EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
report=${MW_BENCH_REPORT:-$src/build-rep-bench/midway-report}
if [ ! -x "$report" ]; then
        # a build without sanitizers: the sanitized test builds measure ASan
        log "building $report (RelWithDebInfo, no sanitizers)"
        cmake -S "$src" -B "$src/build-rep-bench" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
        ninja -C "$src/build-rep-bench" midway-report >/dev/null
fi
runs=${MW_BENCH_RUNS:-3}
times=()
for i in $(seq 1 "$runs"); do
        rm -rf "$work/out"
        t0=$(date +%s%N)
        "$report" -d "$MW_PG_CONNINFO user=$role" --as-of "$AS_OF" --out "$work/out" 2>"$work/log.$i" ||
                { cat "$work/log.$i" >&2; exit 1; }
        t1=$(date +%s%N)
        times+=("$(( (t1 - t0) / 1000000 ))")
        log "run $i: ${times[-1]} ms ($(grep -o 'fetched: [^)]*ms' "$work/log.$i" | sed 's/.* in //') in the database)"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
fetch_ms=$(grep -o 'fetched: .* in [0-9]* ms' "$work/log.1" | grep -o '[0-9]* ms' | tail -1 | cut -d' ' -f1)
dc_ms=$(grep -o 'worked out; in [0-9]* ms' "$work/log.1" | grep -o '[0-9]*' | tail -1)
ratio=$(awk -v m="$median" -v t="$TARGET_S" 'BEGIN { printf "%.2f", m / 1000 / t }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1 ? "meets" : "misses") }')
dates=$(grep -o 'dates=[0-9]*' "$work/log.1" | cut -d= -f2)
echo "report for 30 projects over $n_events events as of $AS_OF ($dates status dates):"
echo "  median ${median} ms of ${runs} runs (${times[*]}): ${ratio} x the ${TARGET_S} s target, ${verdict} it"
echo "  first run: database ${fetch_ms} ms, disclosure control ${dc_ms} ms"
# One row in bench/RESULTS.md, in the format the other benchmarks in
# bench/ use (bench/lib.sh result(); append only: they write there too).
results=$src/bench/RESULTS.md
if [ ! -s "$results" ]; then
        printf '# Benchmark results\n\nRows are appended by the benchmarks in bench/ (docs/performance.md).\n\n' >>"$results"
fi
if ! grep -q '^| date | benchmark |' "$results"; then
        printf '| date | benchmark | figures | reference | ratio | target | met | machine | notes |\n|---|---|---|---|---|---|---|---|---|\n' >>"$results"
fi
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
met=$([ "$verdict" = meets ] && echo yes || echo no)
row="| $(date -u +%Y-%m-%dT%H:%MZ) | midway-report, 30 projects, $n_events events, $dates status dates"
row+=" | median $median ms of $runs runs (${times[*]}): database $fetch_ms ms, disclosure control $dc_ms ms"
row+=" | the $TARGET_S s target | $ratio | <= 1.00 | $met"
row+=" | $(nproc) × ${model:-unknown CPU}, $mem RAM, Linux $(uname -r); load $load"
row+=" | $(git -C "$src" rev-parse --short HEAD); as a member of midway_evaluator; ${MW_BENCH_LABEL:-} |"
echo "$row" >>"$results"
log "appended to $results"
