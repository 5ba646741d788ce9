# shellcheck shell=bash
# Shared set-up of the benchmarks bench/{producer,consumer,latency,memory}.sh
# (sourced; docs/performance.md). Run them through scripts/bench, which
# builds the release build and the Python venv and starts the stack.
#
# Each benchmark gets its own PostgreSQL database (bench_<name>) and its own
# topics (prefix bench.<name><time>) on the running stack; both are dropped
# at the end unless MW_BENCH_KEEP=1. Results are appended to
# bench/RESULTS.md (appending only: other benchmarks write there too).
set -euo pipefail

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_BUILD=$(cd "${1:-$BENCH_SRC/build/bench}" && pwd)
BENCH_NAME=$(basename "$0" .sh)
BENCH_PY=$BENCH_BUILD/venv/bin/python
RESULTS=${MW_BENCH_RESULTS:-$BENCH_SRC/bench/RESULTS.md} # another file for trial runs
for p in midway-gen midway-producer midway-consumer midway-admin; do
        [ -x "$BENCH_BUILD/$p" ] || {
                echo "bench: $BENCH_BUILD/$p is not built (run scripts/bench)" >&2
                exit 1
        }
done
if [ -z "${MW_BROKERS:-}" ]; then
        eval "$("$BENCH_SRC/scripts/stack" env)"
fi
BENCH_ADMIN_CONNINFO=$MW_PG_CONNINFO
BENCH_RUN=$(date +%s)
BENCH_WORK=$(mktemp -d "/tmp/midway-bench-$BENCH_NAME.XXXXXX")
BENCH_DBS=()
export MW_GROUP_ID="bench-$BENCH_NAME-$BENCH_RUN"
export MW_TOPIC_PREFIX="bench.$BENCH_NAME$BENCH_RUN"

bench_cleanup() {
        local rc=$? db
        jobs -p | xargs -r kill 2>/dev/null || true
        if [ "${MW_BENCH_KEEP:-0}" = 1 ]; then
                echo "[$BENCH_NAME] kept $BENCH_WORK and databases ${BENCH_DBS[*]:-}" >&2
        else
                for db in "${BENCH_DBS[@]}"; do
                        psql "$BENCH_ADMIN_CONNINFO" -Xq -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
                done
                rm -rf "$BENCH_WORK"
        fi
        return $rc
}
trap bench_cleanup EXIT

log() { echo "[$BENCH_NAME] $*" >&2; }
die() {
        log "error: $*"
        exit 1
}

# new_db NAME: a fresh database with the midway schema; sets MW_PG_CONNINFO
new_db() {
        psql "$BENCH_ADMIN_CONNINFO" -Xq -c "SET client_min_messages = warning" \
                -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
        BENCH_DBS+=("$1")
        export MW_PG_CONNINFO="$BENCH_ADMIN_CONNINFO dbname=$1"
        "$BENCH_BUILD/midway-admin" migrate 2>&1 | grep -v ' INFO ' >&2 || true
        [ "$(q "SELECT count(*) FROM project")" = 30 ] || die "migrate failed in $1"
}

# q SQL: one value from the current database
q() { psql "$MW_PG_CONNINFO" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# new_key: the producers' pseudonymisation key
new_key() {
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$BENCH_WORK/key" # 64 hex digits (docs/producer.md)
        chmod 600 "$BENCH_WORK/key"
}

# fill N: produces N events (midway-gen, midway-producer with the key of
# new_key) over the 30 project topics of the current prefix
fill() {
        local n=$1 per p want done_=0
        per=$(((n + 29) / 30))
        for p in $(seq 1 30); do
                want=$((n - done_ < per ? n - done_ : per))
                [ "$want" -gt 0 ] || break
                "$BENCH_BUILD/midway-gen" -p "$p" -n $((want / 5 + 100)) -s "$p" >"$BENCH_WORK/full.csv"
                head -n $((want + 1)) "$BENCH_WORK/full.csv" >"$BENCH_WORK/export.csv"
                "$BENCH_BUILD/midway-producer" -q -p "$p" -k "$BENCH_WORK/key" "$BENCH_WORK/export.csv"
                done_=$((done_ + want))
        done
        rm -f "$BENCH_WORK/full.csv" "$BENCH_WORK/export.csv"
        [ "$done_" -eq "$n" ] || die "produced $done_ events, not $n"
}

# now_ns: monotonic clock
now_ns() { date +%s%N; }

# secs START_NS END_NS: elapsed seconds, 3 decimals
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# ratio A B: A / B, 2 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# rate N SECONDS: per second, no decimals
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }

# The machine, as the row of bench/RESULTS.md describes it.
machine() {
        local model mem
        model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
        mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
        echo "$(nproc) × ${model:-unknown CPU}, $mem RAM, Linux $(uname -r)"
}

# The load average when the benchmark started: the machine may be shared.
BENCH_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# result BENCHMARK FIGURES REFERENCE RATIO TARGET VERDICT NOTES: appends a
# row to bench/RESULTS.md and prints it. MW_BENCH_LABEL, if set, starts the
# notes (e.g. "before: f02ab07").
result() {
        local row notes=$7
        if [ -n "${MW_BENCH_LABEL:-}" ]; then
                notes="$MW_BENCH_LABEL; $notes"
        fi
        if [ ! -s "$RESULTS" ]; then
                {
                        echo "# Benchmark results"
                        echo
                        echo "Rows are appended by the benchmarks in bench/ (docs/performance.md)."
                        echo
                } >>"$RESULTS"
        fi
        if ! grep -q '^| date | benchmark |' "$RESULTS"; then
                {
                        echo "| date | benchmark | figures | reference | ratio | target | met | machine | notes |"
                        echo "|---|---|---|---|---|---|---|---|---|"
                } >>"$RESULTS"
        fi
        row="| $(date -u +%Y-%m-%dT%H:%MZ) | $1 | $2 | $3 | $4 | $5 | $6 | $(machine); load $BENCH_LOAD | $notes |"
        echo "$row" >>"$RESULTS"
        echo "$row"
}

# topic_count TOPIC: messages in the topic (sum of high watermarks, the
# topics are never compacted or truncated)
topic_count() {
        "$BENCH_PY" - "$MW_BROKERS" "$1" <<'EOF'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "bench-count"})
md = c.list_topics(sys.argv[2], timeout=10).topics[sys.argv[2]]
n = 0
for p in md.partitions:
    lo, hi = c.get_watermark_offsets(TopicPartition(sys.argv[2], p), timeout=10)
    n += hi - lo
c.close()
print(n)
EOF
}

# topic_partitions TOPIC
topic_partitions() {
        "$BENCH_PY" - "$MW_BROKERS" "$1" <<'EOF'
import sys
from confluent_kafka.admin import AdminClient
md = AdminClient({"bootstrap.servers": sys.argv[1]}).list_topics(sys.argv[2], timeout=10)
print(len(md.topics[sys.argv[2]].partitions))
EOF
}

# backend_cpu_watch DB APP OUT: waits for the PostgreSQL backend of
# application_name APP on database DB, then, until it ends, keeps its CPU
# time (ns, /proc/PID/schedstat; the server runs on this machine) in OUT
backend_cpu_watch() {
        local pid="" v=0 _
        for _ in $(seq 1 600); do
                pid=$(psql "$BENCH_ADMIN_CONNINFO" -XAtq -c "SELECT pid FROM pg_stat_activity
                        WHERE datname = '$1' AND application_name = '$2' LIMIT 1")
                [ -n "$pid" ] && break
                sleep 0.1
        done
        echo 0 >"$3"
        [ -n "$pid" ] || return 0
        while [ -r "/proc/$pid/schedstat" ]; do
                v=$(cut -d' ' -f1 "/proc/$pid/schedstat" 2>/dev/null || echo "$v")
                echo "$v" >"$3"
                sleep 0.2
        done
}
