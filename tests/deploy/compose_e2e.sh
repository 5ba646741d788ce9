#!/bin/bash
# deploy.compose_e2e: docker/compose.yaml run for real, end to end (docs/deployment.md).
#
#   tests/deploy/compose_e2e.sh BUILD_DIR        (as root; ctest passes the build directory)
#
# 1. A Docker engine of its own (Debian's docker.io): dockerd on private paths under the
#    state directory (data-root, exec-root, socket), with no iptables rules, no NAT, no IP
#    forwarding and no default bridge: containers reach each other and nothing off the
#    machine. Builds use the host's network (--network host) to reach Debian's mirror
#    and Maven Central.
# 2. Base images debian:12 and debian:12-slim made with mmdebstrap from Debian's mirror
#    (no image registry is needed), then the project's four images. Both are cached in
#    the engine's data-root: a tag that exists is not made again, and docker build
#    reuses its layers.
# 3. docker/gen-secrets, the spool folders, `docker-compose up`: three brokers, the
#    registry, PostgreSQL (TLS and SCRAM only), migrate, topics (waits until every
#    broker has the ACLs), 30 producers and 2 consumers.
# 4. Seed-calibrated exports of five sites (midway-gen --calibration) dropped into the
#    producers' spool folders as a case system does (NAME.part, then a rename); one
#    broker killed while they stream; a consumer restarted while one streams. After
#    each phase PostgreSQL must hold exactly the events an independent oracle
#    (tests/integration/oracle.py: Python's hmac and uuid) computes from the exports:
#    nothing lost, nothing twice, no dead letter.
# 5. The clients' PostgreSQL connections use TLS, the passwords are SCRAM, and a
#    connection without TLS is refused.
# 6. The nightly report job (`docker-compose run --rm report`): its status.csv must show
#    each site's visited citizens as the oracle counts them.
# 7. Teardown, also on failure: `down -v`, dockerd stopped, its mounts unmounted, the
#    secrets and exports deleted. The engine's data-root (the image cache) stays.
#
# Environment: MW_COMPOSE_STATE (state directory, default /var/tmp/midway-compose-e2e),
# MW_COMPOSE_POOL (the engine's address pool, default 172.29.0.0/16: give two engines on
# one machine different pools), MW_COMPOSE_KEEP=1 (keep the run's containers, secrets and
# logs after a failure, for inspection; the engine is stopped all the same).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: compose_e2e.sh BUILD_DIR}" && pwd)
state=${MW_COMPOSE_STATE:-/var/tmp/midway-compose-e2e}
pool=${MW_COMPOSE_POOL:-172.29.0.0/16}
project=midway-e2e
# Debian's docker CLI and dockerd (scripts/install-deps), whatever else is on PATH
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export MW_SOURCE_DIR=$src
T0=$(date +%s)
say() { echo "[compose_e2e $(($(date +%s) - T0))s] $*"; }
fail() {
        echo "[compose_e2e] FAIL: $*" >&2
        exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (it starts a Docker engine)"
for c in dockerd docker docker-compose mmdebstrap python3; do
        command -v "$c" >/dev/null || fail "$c is missing: run scripts/install-deps"
done
[ -x "$build/midway-gen" ] || fail "$build/midway-gen is not built"

mkdir -p "$state"
exec 9>"$state/lock"
flock -w 1800 9 || fail "another run holds $state/lock"
run=$state/run # this run's secrets, exports, logs: deleted at the end
rm -rf "$run"
mkdir -p "$run/logs" "$run/exports"
logs=$run/logs
export DOCKER_HOST=unix://$state/docker.sock
export MW_SECRETS_DIR=$run/secrets MW_SPOOL_DIR=$run/spool
# Prometheus' host port (loopback): a free one, not 9090, which may be taken
MW_PROMETHEUS_PORT=${MW_PROMETHEUS_PORT:-$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')}
export MW_PROMETHEUS_PORT
C=(docker-compose -p "$project" -f "$src/docker/compose.yaml")

stop_engine() {
        local p i
        if [ -f "$state/dockerd.pid" ]; then
                p=$(cat "$state/dockerd.pid")
                if kill -0 "$p" 2>/dev/null && grep -q dockerd "/proc/$p/comm" 2>/dev/null; then
                        kill -TERM "$p"
                        for i in $(seq 60); do
                                kill -0 "$p" 2>/dev/null || break
                                [ "$i" -lt 60 ] && sleep 1
                        done
                        if kill -0 "$p" 2>/dev/null; then
                                echo "[compose_e2e] dockerd $p did not stop in 60 s: KILL" >&2
                                kill -KILL "$p"
                        fi
                fi
                rm -f "$state/dockerd.pid"
        fi
        # what the engine leaves mounted (its network namespace file, overlays of a
        # killed engine), deepest first
        local mounts
        mounts=$(findmnt -rn -o TARGET | grep -E "^$state/(exec|data)/" | sort -r || true)
        while read -r m; do
                [ -z "$m" ] || umount "$m" 2>/dev/null || umount -l "$m" || true
        done <<<"$mounts"
}

cleanup() {
        local rc=$?
        set +e
        if [ "$rc" -ne 0 ] && [ -S "$state/docker.sock" ]; then
                "${C[@]}" ps >"$logs/ps.txt" 2>&1
                "${C[@]}" logs --no-color --tail 200 >"$logs/compose.log" 2>&1
                echo "[compose_e2e] failed: the containers' last log lines are in $logs/compose.log" >&2
        fi
        if [ "$rc" -ne 0 ] && [ "${MW_COMPOSE_KEEP:-0}" = 1 ]; then
                echo "[compose_e2e] MW_COMPOSE_KEEP=1: containers and $run kept; engine at $DOCKER_HOST" >&2
                return
        fi
        if [ -S "$state/docker.sock" ] && docker version >/dev/null 2>&1; then
                timeout 300 "${C[@]}" --profile jobs down -v --remove-orphans -t 20 >"$logs/down.log" 2>&1 ||
                        echo "[compose_e2e] docker-compose down failed ($logs/down.log)" >&2
        fi
        stop_engine
        if [ "$rc" -eq 0 ]; then
                rm -rf "$run"
        else
                # the logs stay; secrets and the exports (CPR numbers) do not
                rm -rf "$run/secrets" "$run/spool" "$run/exports"
                echo "[compose_e2e] logs kept in $logs" >&2
        fi
        say "teardown done (exit $rc)"
}
trap cleanup EXIT
# an unexpected failure names its line (the expected ones say more through fail)
trap 'echo "[compose_e2e] FAIL: line $LINENO: \"$BASH_COMMAND\" exited with $?" >&2' ERR

# ---- 1. the engine
stop_engine # one a killed run left behind
say "1. dockerd (private paths; no iptables, NAT or IP forwarding)"
setsid dockerd --data-root "$state/data" --exec-root "$state/exec" --pidfile "$state/dockerd.pid" \
        -H "unix://$state/docker.sock" --storage-driver=overlay2 \
        --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none \
        --default-address-pool "base=$pool,size=24" >"$logs/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 120); do
        docker version >/dev/null 2>&1 && break
        sleep 0.5
done
docker version --format 'engine {{.Server.Version}}' >/dev/null 2>&1 ||
        fail "dockerd did not answer within 60 s ($logs/dockerd.log)"

# ---- 2. images
mkbase() { # OUT full|slim
        local o=()
        o+=(--aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Languages "none"')
        if [ "$2" = slim ]; then # as the official slim images: no docs, man pages or locales
                for p in doc info linda lintian/overrides locale man; do
                        o+=(--dpkgopt="path-exclude=/usr/share/$p/*")
                done
                o+=(--dpkgopt='path-include=/usr/share/doc/*/copyright'
                        --dpkgopt='path-include=/usr/share/locale/locale.alias')
                # the empty man folders stay: openjdk's postinst (update-alternatives) needs them
                # shellcheck disable=SC2016 # $1 is mmdebstrap's, in the hook's shell
                o+=(--customize-hook='for i in 1 2 3 4 5 6 7 8 9; do mkdir -p "$1/usr/share/man/man$i"; done')
        fi
        # a host that reaches the mirrors through a TLS-inspecting proxy trusts extra CAs;
        # ca-certificates in the images picks them up (empty on most hosts)
        # shellcheck disable=SC2016
        o+=(--customize-hook='mkdir -p "$1/usr/local/share/ca-certificates"; cp /usr/local/share/ca-certificates/*.crt "$1/usr/local/share/ca-certificates/" 2>/dev/null || true'
                --customize-hook='rm -rf "$1"/var/lib/apt/lists/*')
        mmdebstrap --variant=minbase --mode=root --format=tar "${o[@]}" bookworm "$1" \
                "deb http://deb.debian.org/debian bookworm main" \
                "deb http://deb.debian.org/debian bookworm-updates main" \
                "deb http://deb.debian.org/debian-security bookworm-security main"
}
t=$(date +%s)
if docker image inspect debian:12 >/dev/null 2>&1 && docker image inspect debian:12-slim >/dev/null 2>&1; then
        say "2. base images debian:12, debian:12-slim: cached"
else
        say "2. base images debian:12, debian:12-slim (mmdebstrap)"
        mkdir -p "$state/base"
        mkbase "$state/base/debian12.tar" full >"$logs/base-full.log" 2>&1 &
        b1=$!
        mkbase "$state/base/debian12-slim.tar" slim >"$logs/base-slim.log" 2>&1 &
        b2=$!
        if ! wait "$b1" || ! wait "$b2"; then fail "mmdebstrap ($logs/base-*.log)"; fi
        docker import -c 'CMD ["bash"]' "$state/base/debian12.tar" debian:12 >/dev/null
        docker import -c 'CMD ["bash"]' "$state/base/debian12-slim.tar" debian:12-slim >/dev/null
        rm -rf "$state/base"
        say "   made in $(($(date +%s) - t)) s"
fi
t=$(date +%s)
say "3. images midway, midway-kafka, midway-registry, midway-postgres, midway-prometheus"
build_image() { # NAME DOCKERFILE TAG
        if ! docker build --network host -f "$src/$2" -t "$3" "$src" >"$logs/build-$1.log" 2>&1; then
                tail -n 20 "$logs/build-$1.log" >&2
                return 1
        fi
}
pids=()
build_image midway docker/Dockerfile midway:latest &
pids+=($!)
build_image kafka docker/kafka/Dockerfile midway-kafka:3.9.1 &
pids+=($!)
build_image registry docker/registry/Dockerfile midway-registry:3.0.9 &
pids+=($!)
build_image postgres docker/postgres/Dockerfile midway-postgres:15 &
pids+=($!)
build_image prometheus docker/prometheus/Dockerfile midway-prometheus:2.42 &
pids+=($!)
for p in "${pids[@]}"; do wait "$p" || fail "image build ($logs/build-*.log)"; done
say "   built in $(($(date +%s) - t)) s"

# ---- 3. secrets, spool folders, up
"$src/docker/gen-secrets" "$MW_SECRETS_DIR" >"$logs/gen-secrets.log"
declare -A slug_of=()
while IFS=';' read -r id _ slug _; do
        [[ $id =~ ^[0-9]+$ ]] || continue
        slug_of[$id]=$slug
        install -d -o 10001 -g 10001 -m 0750 "$MW_SPOOL_DIR/$slug"
done <"$src/reference/projects.csv"
t=$(date +%s)
say "4. docker-compose up (3 brokers, registry, PostgreSQL, migrate, topics, 30 producers, 2 consumers)"
timeout 900 "${C[@]}" up -d --no-build >"$logs/up.log" 2>&1 || {
        tail -n 30 "$logs/up.log" >&2
        fail "docker-compose up"
}
say "   up in $(($(date +%s) - t)) s"
pg=$("${C[@]}" ps -q postgres)
[ -n "$pg" ] || fail "no postgres container"
q() { docker exec "$pg" psql -X -At -v ON_ERROR_STOP=1 -d midway -c "$1"; }
ctr_state() { docker inspect -f '{{.State.Status}}' "$("${C[@]}" ps -q "$1")"; }
for s in consumer-1 consumer-2 producer-odder kafka1 kafka2 kafka3 registry; do
        [ "$(ctr_state "$s")" = running ] || fail "$s is not running"
done
"${C[@]}" logs --no-color topics >"$logs/topics.log" 2>&1
grep -q 'every broker (3) has the 155 bindings' "$logs/topics.log" ||
        fail "the topics job did not see every ACL on each broker ($logs/topics.log)"
t_ready=$(date +%s)

# ---- 4. exports through the spool folders
expected=$run/expected
: >"$expected"
# export PROJECT CHUNKS: the site's seed-calibrated export, what the oracle expects of it
# added to $expected, split into CHUNKS files (each with the header) to drop one by one
export_site() {
        local id=$1 slug=${slug_of[$1]} f
        f=$run/exports/$slug.csv
        "$build/midway-gen" -p "$id" --calibration "$src/reference/calibration.csv" -s 2015 >"$f"
        python3 "$src/tests/integration/oracle.py" "$MW_SECRETS_DIR/key-$slug" "$id" "$f" |
                sed 's/|$//' >>"$expected"
        mkdir -p "$run/chunks/$slug"
        tail -n +2 "$f" >"$run/chunks/$slug.rows"
        split -n "l/$2" -d -a 2 "$run/chunks/$slug.rows" "$run/chunks/$slug/part-"
}
# drop PROJECT CHUNK: chunk number CHUNK into the site's spool folder, as a case system
# does (written as NAME.part, then renamed)
drop() {
        local slug=${slug_of[$1]} name
        name=e2e-$(printf '%02d' "$2").csv
        { head -n 1 "$run/exports/$slug.csv"; cat "$run/chunks/$slug/part-$(printf '%02d' "$2")"; } \
                >"$MW_SPOOL_DIR/$slug/$name.part"
        chown 10001:10001 "$MW_SPOOL_DIR/$slug/$name.part"
        mv "$MW_SPOOL_DIR/$slug/$name.part" "$MW_SPOOL_DIR/$slug/$name"
}
# drop_all PROJECT [FIRST]: the chunks from FIRST (default 0) on, 0.3 s apart
drop_all() {
        local i n
        n=$(find "$run/chunks/${slug_of[$1]}" -name 'part-*' | wc -l)
        for ((i = ${2:-0}; i < n; i++)); do
                drop "$1" "$i"
                sleep 0.3
        done
}
events() { q "SELECT count(*) FROM event"; }
# until PostgreSQL holds as many events as the oracle expects (at most SECONDS)
await_events() { # SECONDS
        local want n=0 i
        want=$(wc -l <"$expected")
        for ((i = 0; i < $1 * 2; i++)); do
                n=$(events 2>/dev/null) || n=0
                [ "$n" -ge "$want" ] && break
                sleep 0.5
        done
        [ "$n" -ge "$want" ] || fail "PostgreSQL holds $n events after $1 s, the exports $want"
}
# PostgreSQL holds exactly what the oracle computed from the exports
compare() { # WHAT
        local n
        sort "$expected" >"$run/expected.sorted"
        q "$(cat "$src/tests/integration/events.sql")" | sed 's/|$//' | sort >"$run/actual"
        if ! diff -u "$run/expected.sorted" "$run/actual" >"$run/diff"; then
                head -20 "$run/diff" >&2
                fail "$1: the events in PostgreSQL differ from the exports ($(grep -c '^-[^-]' "$run/diff") missing, $(grep -c '^+[^+]' "$run/diff") extra)"
        fi
        n=$(wc -l <"$run/actual")
        [ "$(q "SELECT count(*) FROM dead_letter")" = 0 ] || fail "$1: dead letters"
        [ "$(q "SELECT coalesce(sum(messages), 0) FROM kafka_offset")" = "$n" ] ||
                fail "$1: messages applied ($(q "SELECT sum(messages) FROM kafka_offset")) differ from events ($n)"
        say "   ok: $1: $n events in PostgreSQL, field by field those of the exports; no dead letter"
}
for p in 1 5 28 20 15; do
        [ -f "$MW_SECRETS_DIR/key-${slug_of[$p]}" ] || fail "no key for ${slug_of[$p]}"
done

t=$(date +%s)
say "5. Ballerup's export; Frederikshavn's, and kafka2 killed while it streams; Vallensbæk/Ishøj's with kafka2 down"
# await_more N SECONDS: until PostgreSQL holds more than N events
await_more() {
        local i
        for ((i = 0; i < $2 * 10; i++)); do
                [ "$(events 2>/dev/null || echo 0)" -gt "$1" ] && return 0
                sleep 0.1
        done
        fail "PostgreSQL still holds $1 events $2 s after an export was dropped"
}
kafka2=$("${C[@]}" ps -q kafka2)
export_site 1 1
drop_all 1
await_more 0 120
await_events 120
before=$(events)
export_site 5 8
drop 5 0
await_more "$before" 120 # the first of Frederikshavn's 8 files is in PostgreSQL
drop 5 1
docker kill -s KILL "$kafka2" >"$logs/kill-kafka2.log" 2>&1 || fail "could not kill kafka2"
say "   kafka2 killed with $(($(events) - before)) of Frederikshavn's $(($(wc -l <"$expected") - before)) events in PostgreSQL, 2 of its 8 files dropped"
drop_all 5 2
export_site 28 1
drop_all 28
await_events 240
compare "with a broker killed mid-stream"
for s in 1 5 28; do
        n=$(find "$MW_SPOOL_DIR/${slug_of[$s]}/done" -name 'e2e-*.csv' | wc -l)
        [ "$n" = "$(find "$run/chunks/${slug_of[$s]}" -name 'part-*' | wc -l)" ] ||
                fail "${slug_of[$s]}: $n of its files in done/"
done
"${C[@]}" start kafka2 >>"$logs/kill-kafka2.log" 2>&1 || fail "could not start kafka2 again"
t_broker=$(($(date +%s) - t))

t=$(date +%s)
say "6. Odder's export with consumer-1 restarted while it streams; then København's"
before=$(events)
export_site 20 8
drop 20 0
await_more "$before" 120 # the first of Odder's 8 files is in PostgreSQL
drop 20 1
docker restart -t 30 "$("${C[@]}" ps -q consumer-1)" >"$logs/restart-consumer.log" 2>&1 ||
        fail "could not restart consumer-1"
say "   consumer-1 restarted with $(($(events) - before)) of Odder's $(($(wc -l <"$expected") - before)) events in PostgreSQL, 2 of its 8 files dropped"
drop_all 20 2
await_events 240
export_site 15 1
drop_all 15
await_events 240
compare "with a consumer restarted mid-stream"
[ "$(ctr_state consumer-1)" = running ] || fail "consumer-1 is not running after its restart"
"${C[@]}" logs --no-color consumer-1 >"$logs/consumer-1.log" 2>&1
grep -q 'assigned' "$logs/consumer-1.log" || fail "consumer-1 was never assigned partitions"
t_consumer=$(($(date +%s) - t))
# the producers of the five sites and the consumers never stopped on an error
for s in consumer-1 consumer-2 producer-ballerup producer-frederikshavn producer-vallensbaek-ishoej producer-odder producer-koebenhavn; do
        c=$("${C[@]}" ps -q "$s")
        [ "$(docker inspect -f '{{.RestartCount}}' "$c")" = 0 ] || fail "$s was restarted by Docker (it failed)"
done

# the ACLs were on every broker before the first client came: no refusal, no retry
"${C[@]}" logs --no-color consumer-1 consumer-2 producer-ballerup producer-frederikshavn \
        producer-vallensbaek-ishoej producer-odder producer-koebenhavn >"$logs/clients.log" 2>&1
if grep -E 'AUTHORIZATION|refused an authorisation' "$logs/clients.log" >"$run/refusals"; then
        head -n 3 "$run/refusals" >&2
        fail "a client was refused an authorisation: the ACL wait of the topics job did not hold"
fi

# ---- 5. PostgreSQL: TLS and SCRAM only
say "7. PostgreSQL: every client on TLS, SCRAM passwords, no connection without TLS"
plain=$(q "SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
           WHERE a.usename IN ('midway_consumer', 'registry') AND NOT s.ssl")
tls=$(q "SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
         WHERE a.usename = 'midway_consumer' AND s.ssl")
{ [ "$plain" = 0 ] && [ "$tls" -ge 2 ]; } || fail "consumers' connections: $tls with TLS, $plain without"
q "SELECT count(*) FROM pg_authid WHERE rolcanlogin AND rolpassword LIKE 'SCRAM-SHA-256\$%'" >"$run/scram"
[ "$(cat "$run/scram")" = "$(q "SELECT count(*) FROM pg_authid WHERE rolcanlogin")" ] ||
        fail "a login role without a SCRAM password"
report_pw=$(awk '$1 == "midway_report" { print $2 }' "$MW_SECRETS_DIR/pg-passwords")
if docker exec -e PGPASSWORD="$report_pw" "$pg" psql -X -At -c 'SELECT 1' \
        "host=postgres dbname=midway user=midway_report sslmode=disable" >"$logs/plain.log" 2>&1; then
        fail "PostgreSQL accepted a connection without TLS"
fi
grep -q 'no encryption' "$logs/plain.log" || fail "a connection without TLS failed, but not as refused: $(cat "$logs/plain.log")"
say "   ok: $tls consumer connections on TLS, none without; every password SCRAM; a connection without TLS refused"

# ---- 6. the nightly report job
t=$(date +%s)
say "8. the nightly report job"
timeout 300 "${C[@]}" run --rm report >"$logs/report.log" 2>&1 || {
        tail -n 20 "$logs/report.log" >&2
        fail "the report job failed"
}
out=$run/report
mkdir -p "$out"
docker run --rm --network none -v "${project}_report:/srv/report:ro" midway:latest \
        tar -C /srv/report -cf - . | tar -C "$out" -xf -
for f in index.html status.csv series.csv data-quality.csv; do
        [ -s "$out/status/$f" ] || fail "the report has no status/$f"
done
python3 - "$out/status/status.csv" "$expected" <<'EOF' || fail "the report's status.csv does not match the exports"
import csv, sys
rows = {r["project_id"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
visited = {}
for line in open(sys.argv[2], encoding="utf-8"):
    f = line.rstrip("\n").split("|")
    if f[4] == "visitation":
        visited.setdefault(f[1], set()).add(f[3])
bad = 0
for p, refs in sorted(visited.items()):
    got = rows.get(p, {}).get("visited")
    print(f"project {p}: visited {got} in the report, {len(refs)} in the exports")
    bad += got != str(len(refs))
others = [p for p, r in rows.items() if p.isdigit() and p not in visited and r["visited"] not in ("0", "x")]
if others:
    print("projects without exports but with visited citizens:", others)
sys.exit(1 if bad or others or len(visited) != 5 else 0)
EOF
cut -d';' -f1 "$run"/exports/*.csv | grep -E '^[0-9]{10}$' | sort -u >"$run/cprs"
if grep -r -l -F -f "$run/cprs" "$out" >"$run/leaks"; then
        fail "CPR numbers in the report: $(cat "$run/leaks")"
fi
say "   ok: status/ of the report job, visited as the exports say, no CPR number in it ($(($(date +%s) - t)) s)"

# ---- 7. Prometheus of the deployment: every consumer and producer scraped, and the
#      consumers' events equal to PostgreSQL's
say "9. Prometheus (host port $MW_PROMETHEUS_PORT, loopback)"
prom() { # QUERY -> the sum of the result's values, or nothing
        curl -fsS --max-time 10 "http://127.0.0.1:$MW_PROMETHEUS_PORT/api/v1/query" \
                --data-urlencode "query=$1" 2>/dev/null |
                python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(int(sum(float(x["value"][1]) for x in r)) if r else "")' 2>/dev/null || true
}
# 32 targets (2 consumers, 30 producers) up; the consumers hold the 90 partitions, with
# no lag, PostgreSQL up for both, no dead letter (their counters start at their own
# start: consumer-1 was restarted, so events are compared through the lag)
want="32 90 0 2 0"
got=
for _ in $(seq 120); do
        got="$(prom 'sum(up)') $(prom 'sum(midway_consumer_assigned_partitions)') $(prom 'sum(midway_consumer_lag)') $(prom 'sum(midway_consumer_pg_up)') $(prom 'sum(midway_consumer_dead_letters_total) or vector(0)')"
        [ "$got" = "$want" ] && break
        sleep 1
done
[ "$got" = "$want" ] ||
        fail "Prometheus: targets up, partitions held, lag, pg_up, dead letters: expected $want, got $got"
say "   ok: 32 targets up; the 90 partitions held with lag 0; PostgreSQL up for both consumers; no dead letter"

say "PASS in $(($(date +%s) - T0)) s (ready after $((t_ready - T0)) s; broker phase ${t_broker} s, consumer phase ${t_consumer} s)"
