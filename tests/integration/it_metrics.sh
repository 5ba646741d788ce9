#!/bin/bash
# Issue 14 (item 2): metrics and health, scraped by a real Prometheus.
# midway-consumer and midway-producer --watch run with --metrics on
# loopback (the system picks the ports, read back from their logs); a
# Prometheus (Debian's) scrapes both every second, and every figure is read
# back through its HTTP API:
#   - ready at start (/readyz 200: partitions assigned, PostgreSQL answers);
#   - PostgreSQL made unreachable for the consumer (its connections go
#     through a forwarder, tests/pylib/tcpproxy.py, which is stopped):
#     /readyz 503 naming pg_up, midway_consumer_pg_up 0;
#   - an export with a rejected row dropped into the watched folder, and
#     hostile messages on the topic: the producer's rows read, sent,
#     acknowledged, rejected and files done equal the file's; while the
#     consumer cannot commit, its lag equals every message sent;
#   - PostgreSQL back: ready again, pg_up 1, and messages, events, dead
#     letters equal what was sent (and what PostgreSQL holds), lag 0 on
#     every assigned partition, a commit time observed per batch;
#   - a producer whose brokers do not answer: /readyz 503 naming brokers.
. "$(dirname "$0")/lib.sh"
command -v prometheus >/dev/null || fail "prometheus is not installed (scripts/install-deps)"
setup_db_and_topics
topic=$(topic_of odder)
WAIT=${MW_METRICS_WAIT:-90} # seconds any one condition may take

# ---- helpers
pids=()
stop_all() {
        local p
        for p in "${pids[@]}"; do
                kill "$p" 2>/dev/null || true
        done
        for p in "${pids[@]}"; do
                wait "$p" 2>/dev/null || true
        done
}
at_exit stop_all

# port_of LOG: the port a program logged ("metrics: listening on ..., port N")
port_of() {
        local i line
        for ((i = 0; i < WAIT * 10; i++)); do
                line=$(grep -m1 -o 'metrics: listening on .*, port [0-9]*' "$1" || true)
                if [ -n "$line" ]; then
                        echo "${line##* }"
                        return
                fi
                sleep 0.1
        done
        fail "no metrics port in $1: $(tail -3 "$1")"
}

# status URL: the HTTP status (000: no answer)
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }

# wait_status WHAT URL CODE
wait_status() {
        local i got
        for ((i = 0; i < WAIT * 5; i++)); do
                got=$(status "$2")
                if [ "$got" = "$3" ]; then
                        echo "[$TEST_NAME] ok: $1: $2 answers $3"
                        return
                fi
                sleep 0.2
        done
        fail "$1: $2 answers $got, expected $3: $(curl -s --max-time 5 "$2" || true)"
}

# prom QUERY: the value of a query's single sample through Prometheus' API
# ("" when there is none, "many" when more than one)
prom() {
        curl -fsS --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
                --data-urlencode "query=$1" 2>/dev/null | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
except Exception:
    r = []
print(r[0]["value"][1] if len(r) == 1 else ("many" if r else ""))' || true
}

# wait_prom WHAT QUERY EXPECTED: polls Prometheus until QUERY gives EXPECTED
wait_prom() {
        local i got
        for ((i = 0; i < WAIT * 4; i++)); do
                got=$(prom "$2")
                if [ "$got" = "$3" ]; then
                        echo "[$TEST_NAME] ok: $1: $2 = $got (Prometheus)"
                        return
                fi
                sleep 0.25
        done
        fail "$1: $2 = '$got' in Prometheus, expected '$3'"
}

free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- PostgreSQL behind a forwarder, for the consumer only
pg_host=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$MW_PG_CONNINFO")
pg_port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$MW_PG_CONNINFO")
proxy_up() { # PORT (0: any)
        local i
        python3 "$MW_SOURCE_DIR/tests/pylib/tcpproxy.py" "127.0.0.1:$1" \
                "${pg_host:-127.0.0.1}:${pg_port:-5432}" >"$WORK/proxy.port" &
        PROXY_PID=$!
        pids+=("$PROXY_PID")
        for ((i = 0; i < WAIT * 10; i++)); do
                [ -s "$WORK/proxy.port" ] && break
                sleep 0.1
        done
        [ -s "$WORK/proxy.port" ] || fail "the forwarder did not start"
        PROXY_PORT=$(cat "$WORK/proxy.port")
}
proxy_down() {
        kill "$PROXY_PID"
        wait "$PROXY_PID" 2>/dev/null || true
}
proxy_up 0
consumer_pg="$(sed -e 's/host=[^ ]*//' -e 's/port=[0-9]*//' <<<"$MW_PG_CONNINFO") host=127.0.0.1 port=$PROXY_PORT"

# ---- the consumer, the producer and Prometheus
MW_PG_CONNINFO=$consumer_pg "$BIN/midway-consumer" --metrics 127.0.0.1:0 -o batch.ms=50 \
        2>"$WORK/consumer.log" &
consumer_pid=$!
pids+=("$consumer_pid")
C=http://127.0.0.1:$(port_of "$WORK/consumer.log")
mkdir "$WORK/spool"
"$BIN/midway-producer" -p odder -k "$WORK/key" --watch "$WORK/spool" --poll-ms 200 \
        --metrics 127.0.0.1:0 2>"$WORK/producer.log" &
pids+=("$!")
P=http://127.0.0.1:$(port_of "$WORK/producer.log")

PROM_PORT=$(free_port)
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: consumer
    static_configs: [{targets: ["${C#http://}"]}]
  - job_name: producer
    static_configs: [{targets: ["${P#http://}"]}]
EOF
promtool check config "$WORK/prometheus.yml" >/dev/null
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus" \
        --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn 2>"$WORK/prometheus.log" &
pids+=("$!")
wait_status "Prometheus" "http://127.0.0.1:$PROM_PORT/-/ready" 200

wait_status "consumer alive" "$C/healthz" 200
wait_status "consumer ready (assigned, PostgreSQL up)" "$C/readyz" 200
wait_status "producer ready (brokers answer)" "$P/readyz" 200
wait_status "no other path" "$C/nothing" 404
wait_prom "consumer scraped" 'up{job="consumer"}' 1
wait_prom "producer scraped" 'up{job="producer"}' 1
wait_prom "PostgreSQL up" 'midway_consumer_pg_up' 1
wait_prom "brokers up" 'midway_producer_brokers_up' 1
curl -fsS "$C/metrics" >"$WORK/consumer.metrics"
grep -q '^# TYPE midway_consumer_commit_seconds histogram$' "$WORK/consumer.metrics" ||
        fail "no commit-time histogram in /metrics"

# ---- PostgreSQL unreachable for the consumer
proxy_down
wait_status "consumer not ready without PostgreSQL" "$C/readyz" 503
grep -q "pg_up" <<<"$(curl -s "$C/readyz")" || fail "/readyz does not name pg_up"
wait_prom "PostgreSQL down" 'midway_consumer_pg_up' 0
wait_status "consumer alive all the same" "$C/healthz" 200

# ---- an export (one row rejected) and hostile messages, while it is down
f=$(gen odder 40 7)
echo "2812830005;727;visitation;99-99-2015;04-03-2015;ressourceforloeb;psychological;;;;;;;;;;999" >>"$f"
rows=$(($(wc -l <"$f") - 1))
sent=$((rows - 1))
for i in 1 2 3; do
        printf 'not a registration %s' "$i" | kcat -b "$MW_BROKERS" -P -t "$topic" -p $((i % 3))
done
bad=3
cp "$f" "$WORK/spool/export.csv.part"
mv "$WORK/spool/export.csv.part" "$WORK/spool/export.csv"
wait_prom "producer: files done" 'midway_producer_files_total{outcome="done"}' 1
wait_prom "producer: rows read" 'midway_producer_rows_read_total' "$rows"
wait_prom "producer: rows sent" 'midway_producer_rows_sent_total' "$sent"
wait_prom "producer: rows acknowledged" 'midway_producer_rows_acknowledged_total' "$sent"
wait_prom "producer: rows rejected" 'midway_producer_rows_rejected_total' 1
wait_prom "producer: delivery failures" 'midway_producer_delivery_failures_total' 0
wait_prom "producer: files failed" 'midway_producer_files_total{outcome="failed"}' 0
wait_prom "consumer lag while PostgreSQL is away: every message sent" \
        'sum(midway_consumer_lag)' "$((sent + bad))"
assert_eq "messages committed meanwhile" 0 "$(prom 'midway_consumer_messages_total')"

# ---- PostgreSQL back
proxy_up "$PROXY_PORT"
wait_status "consumer ready again" "$C/readyz" 200
wait_prom "PostgreSQL up again" 'midway_consumer_pg_up' 1
wait_prom "consumer: messages" 'midway_consumer_messages_total' "$((sent + bad))"
wait_prom "consumer: events" 'midway_consumer_events_total' "$sent"
wait_prom "consumer: dead letters" 'sum(midway_consumer_dead_letters_total)' "$bad"
wait_prom "consumer: duplicates" 'midway_consumer_duplicates_total' 0
wait_prom "consumer: lag" 'sum(midway_consumer_lag)' 0
wait_prom "consumer: lag known for every assigned partition" \
        'count(midway_consumer_lag) == count(midway_consumer_assigned)' \
        "$(prom 'count(midway_consumer_assigned)')"
assert_eq "consumer: assigned partitions" "$(prom 'count(midway_consumer_assigned)')" \
        "$(prom 'midway_consumer_assigned_partitions')"
batches=$(prom 'midway_consumer_batches_total')
if [ -z "$batches" ] || [ "$batches" -lt 1 ]; then
        fail "no batch counted: '$batches'"
fi
wait_prom "consumer: a commit time per batch" 'midway_consumer_commit_seconds_count' "$batches"
failures=$(prom 'midway_consumer_commit_failures_total')
if [ -z "$failures" ] || [ "$failures" -lt 1 ]; then
        fail "the batch that met the outage is not counted as a failed commit: '$failures'"
fi
echo "[$TEST_NAME] ok: commit failures during the outage: $failures"
age=$(prom 'midway_consumer_last_commit_age_seconds < 60')
[ -n "$age" ] || fail "last commit age: $(prom 'midway_consumer_last_commit_age_seconds')"
assert_eq "events in PostgreSQL (as Prometheus says)" "$sent" "$(q "SELECT count(*) FROM event")"
assert_eq "dead letters in PostgreSQL" "$bad" "$(q "SELECT count(*) FROM dead_letter")"

# ---- a producer whose brokers do not answer is alive but not ready
mkdir "$WORK/spool2"
"$BIN/midway-producer" -b 127.0.0.1:1 -p odder -k "$WORK/key" --watch "$WORK/spool2" \
        --metrics 127.0.0.1:0 2>"$WORK/producer2.log" &
pids+=("$!")
P2=http://127.0.0.1:$(port_of "$WORK/producer2.log")
wait_status "producer without brokers alive" "$P2/healthz" 200
wait_status "producer without brokers not ready" "$P2/readyz" 503
grep -q "brokers" <<<"$(curl -s "$P2/readyz")" || fail "/readyz does not name the brokers"
for ((i = 0; i < WAIT * 5; i++)); do
        grep -q '^midway_producer_brokers_up 0$' <<<"$(curl -s "$P2/metrics")" && break
        sleep 0.2
done
grep -q '^midway_producer_brokers_up 0$' <<<"$(curl -s "$P2/metrics")" || fail "brokers_up is not 0"
echo "[$TEST_NAME] ok: midway_producer_brokers_up 0"
# ---- a clean stop with the listener and the probe running (ASan: no leak, no race)
kill -TERM "$consumer_pid"
rc=0
wait "$consumer_pid" || rc=$?
assert_eq "consumer exit status after SIGTERM" 0 "$rc"
if grep -E "Sanitizer|runtime error" "$WORK/consumer.log" >&2; then
        fail "the consumer's log shows a sanitizer report"
fi
stop_all
pids=()
echo "[$TEST_NAME] Prometheus read $sent events, $bad dead letters, lag $((sent + bad)) then 0, readiness through a PostgreSQL outage"
