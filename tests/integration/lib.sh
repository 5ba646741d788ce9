# Shared set-up for the integration tests (sourced by tests/integration/it_*.sh).
#
# Each test gets its own PostgreSQL database and its own Kafka topics (a
# unique topic prefix) on the running local stack, so tests never see each
# other's data. Endpoints come from `scripts/stack env`, or from MW_BROKERS,
# MW_PG_CONNINFO and MW_REGISTRY_URL if already set (your own cluster).
set -euo pipefail

: "${MW_SOURCE_DIR:?run through ctest}" "${MW_BUILD_DIR:?run through ctest}"
if [ -z "${MW_BROKERS:-}" ]; then
        eval "$("$MW_SOURCE_DIR/scripts/stack" env)"
fi
BIN=$MW_BUILD_DIR
TEST_NAME=$(basename "$0" .sh)
RUN_ID="${TEST_NAME#it_}$(date +%s)$$"
RUN_ID=${RUN_ID//[^a-z0-9]/}
WORK=$(mktemp -d "/tmp/midway-$TEST_NAME.XXXXXX")
export MW_TOPIC_PREFIX="it.$RUN_ID"
export MW_GROUP_ID="it-$RUN_ID"
ADMIN_CONNINFO=$MW_PG_CONNINFO
DB="it_$RUN_ID"
export MW_PG_CONNINFO="$ADMIN_CONNINFO dbname=$DB"
CONSUMER_PID=
# Commands a test adds (at_exit CMD) run first on exit, before the database
# and work directory are dropped (kept on failure).
AT_EXIT=()
at_exit() { AT_EXIT+=("$1"); }

cleanup() {
        local rc=$? c
        for c in "${AT_EXIT[@]}"; do
                eval "$c" || true
        done
        if [ -n "$CONSUMER_PID" ]; then
                kill -9 "$CONSUMER_PID" 2>/dev/null || true
                wait "$CONSUMER_PID" 2>/dev/null || true
        fi
        if [ "$rc" -eq 0 ]; then
                psql "$ADMIN_CONNINFO" -q -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
                rm -rf "$WORK"
        else
                echo "FAILED: kept $WORK and database $DB for inspection" >&2
        fi
}
trap cleanup EXIT

log() { echo "[$TEST_NAME] $*" >&2; }
q() { psql "$MW_PG_CONNINFO" -X -At -v ON_ERROR_STOP=1 -c "$1"; }
fail() { echo "[$TEST_NAME] FAIL: $*" >&2; exit 1; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
        if [ "$2" != "$3" ]; then
                fail "$1: expected '$2', got '$3'"
        fi
        echo "[$TEST_NAME] ok: $1 = $3"
}

setup_db_and_topics() {
        psql "$ADMIN_CONNINFO" -q -c "CREATE DATABASE $DB" >/dev/null
        "$BIN/midway-admin" migrate
        "$BIN/midway-admin" create-topics
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/key"
        chmod 600 "$WORK/key"
}

# load_seed: the seed-calibrated exports of all 30 projects (WORK/export-P.csv,
# docs/calibration.md) through producer, Kafka and consumer, then verify.
load_seed() {
        local p f
        for p in $(seq 1 30); do
                f=$WORK/export-$p.csv
                "$BIN/midway-gen" -p "$p" --calibration "$MW_SOURCE_DIR/reference/calibration.csv" -s 2015 >"$f"
                produce "$p" "$f" 2>>"$WORK/logs" || fail "midway-producer failed for project $p"
        done
        consume_to_end 2>>"$WORK/logs"
        verify_state
}

# gen PROJECT CITIZENS SEED -> path of the CSV
gen() {
        local f="$WORK/export-$1-$3.csv"
        "$BIN/midway-gen" -p "$1" -n "$2" -s "$3" >"$f"
        echo "$f"
}

produce() { # PROJECT FILE...
        local p=$1
        shift
        "$BIN/midway-producer" -q -p "$p" -k "$WORK/key" "$@"
}

consume_to_end() {
        "$BIN/midway-consumer" -q -e -o batch.rows=${BATCH_ROWS:-5000} "$@"
}

topic_of() { # SLUG
        echo "$MW_TOPIC_PREFIX.registrations.$1"
}

# The per-citizen state must equal a recomputation from the stored events.
verify_state() {
        local out
        if ! out=$("$BIN/midway-admin" verify 2>&1); then
                echo "$out" >&2
                fail "verify found differences"
        fi
        echo "[$TEST_NAME] ok: verify: ${out##*verify: }"
}

# check_series DATE...: status.project_series() (functions/30_status.sql: all dates
# in one pass over citizen) gives, for every date and project, the same
# figures as midway_status() for that date alone.
check_series() {
        local dates out
        dates="{$(IFS=,; echo "$*")}"
        out=$(q "WITH d AS (SELECT unnest('$dates'::date[]) AS as_of),
                m AS (SELECT d.as_of, m.* FROM d CROSS JOIN LATERAL midway_status(d.as_of) m)
                SELECT count(*), count(*) FILTER (WHERE s.as_of IS NULL OR
                    (s.visited, s.active, s.exits_total, s.active_over_4_months,
                     s.n_at_least_one_intervention, s.n_mentor, s.n_company_oriented)
                    IS DISTINCT FROM
                    (m.visited, m.active, m.exits_total, m.active_over_4_months,
                     m.n_at_least_one_intervention, m.n_mentor, m.n_company_oriented)),
                    (SELECT count(*) FROM midway_status_series('$dates'))
                FROM m LEFT JOIN midway_status_series('$dates') s
                  ON s.as_of = m.as_of AND s.project_id IS NOT DISTINCT FROM m.project_id")
        IFS='|' read -r rows bad series <<<"$out"
        log "series vs status: $rows rows of $# dates compared (7 figures each), $bad differ; series has $series rows"
        [ "$bad" = 0 ] && [ "$rows" = "$series" ] && [ "$rows" -gt 0 ] ||
                fail "status.project_series differs from midway_status ($bad of $rows rows; series $series rows)"
}

# status_csv DATE [CONNINFO] -> the status CSV on stdout
status_csv() {
        "$BIN/midway-status" --as-of "$1" --format csv ${2:+-d "$2"}
}

# status_field DATE PROJECT_ID|Total COLUMN
status_field() {
        status_csv "$1" | python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
key, col = sys.argv[1], sys.argv[2]
for r in rows:
    if r["project_id"] == key or (key == "Total" and r["project_name"] == "Total"):
        print(r[col])
        break
else:
    sys.exit("no row " + key)
' "$2" "$3"
}

# The stored events, one normalised line each, sorted: event id, project,
# municipality, citizen, kind, date and the payload's fields (oracle.py and
# tests/faults/evolve_writer.py print the same form).
dump_events() {
        q "$(cat "$MW_SOURCE_DIR/tests/integration/events.sql")" | sed 's/|$//' | sort
}
