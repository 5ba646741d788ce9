# shellcheck shell=bash
# scripts/stack.d/registry.sh: Apicurio Registry, the schema registry, on the stack's
# PostgreSQL (database registry). Rendering stack/registry.properties into
# $STATE/registry/config (Quarkus reads it from its working directory), launching the runner
# jar (registry_launch) and its readiness probe (GET /subjects of the Confluent-compatible API).
#
# Reads: repo, STATE, REGISTRY_PORT, PG_PORT (common.sh), APICURIO_VERSION, APICURIO_JAR,
# java_bin (deps.sh).
# Sets: LAUNCHED_PID, LAUNCHED_NEW, STARTED (through java_daemon, procs.sh).

registry_url() { echo "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"; }

registry_probe() { curl -fsS -o /dev/null -m 3 "$(registry_url)/subjects" 2>/dev/null; }

# sets LAUNCHED_PID; LAUNCHED_NEW=1 if it started a process
registry_launch() {
        local dir=$STATE/registry java
        LAUNCHED_NEW=0
        if LAUNCHED_PID=$(comp_pid registry); then
                return
        fi
        ensure_registry_dist
        check_ports_free registry "$REGISTRY_PORT"
        probe pg || die "registry: PostgreSQL is not running (scripts/stack up pg)"
        mkdir -p "$dir/config" "$dir/tmp"
        render "$repo/stack/registry.properties" "$dir/config/application.properties" \
                "PG_PORT=$PG_PORT" "REGISTRY_PORT=$REGISTRY_PORT" "REGISTRY_TMP=$dir/tmp"
        java=$(java_bin)
        log "registry: starting Apicurio Registry $APICURIO_VERSION on $(registry_url) (log: $dir/registry.log)"
        java_daemon registry "$dir" "$java" -Xms128m -Xmx384m \
                -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$REGISTRY_PORT" \
                "-Djava.io.tmpdir=$dir/tmp" -Djava.awt.headless=true -jar "$APICURIO_JAR"
}
