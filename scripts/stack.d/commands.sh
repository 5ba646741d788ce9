# shellcheck shell=bash
# scripts/stack.d/commands.sh: the commands over the components, as scripts/stack dispatches
# them once it has parsed the command line: up (launch what is down, Kafka and the registry in
# parallel with PostgreSQL, then wait; with --for-tests the ctest fixture's marker), down and
# reset (stop order registry, Kafka nodes together, PostgreSQL), kill, status and env.
# Each component's own steps are in kafka.sh, pg.sh, registry.sh and secure.sh.
#
# Reads: STATE, SECURE, SEC, FOR_TESTS_MARK, STARTED (common.sh), KAFKA_COMPS, COMPONENTS
# (cluster.sh), KAFKA_LIBS (deps.sh), LAUNCHED_PID, LAUNCHED_NEW (kafka_launch,
# registry_launch).

env_lines() {
        echo "export MW_BROKERS=$(brokers)"
        if ((SECURE == 0)); then
                echo "export MW_REGISTRY_URL=$(registry_url)"
                echo "export MW_PG_CONNINFO='$(pg_conninfo)'"
        fi
        echo "export MW_STACK_DIR=$STATE"
        echo "export MW_KAFKA_LIBS=$KAFKA_LIBS"
        # the retention policy of the topics create-topics makes (docs/security.md)
        echo "export MW_TOPIC_RETENTION_DAYS=${MW_TOPIC_RETENTION_DAYS:-90}"
        echo "export MW_DLQ_RETENTION_DAYS=${MW_DLQ_RETENTION_DAYS:-30}"
}

java_up_wait() { # component pid new
        if (($3 == 0)) && probe "$1"; then
                log "$1: already running (pid $2)"
                return 0
        fi
        wait_ready "$1" "$2"
}

# Kafka and the registry are launched first and waited for last, so their JVMs start in
# parallel with PostgreSQL (the registry needs PostgreSQL up before it is launched).
cmd_up() { # components...
        local want=" $* " c i kcomps=() kpids=() knews=() rpid="" rnew=0
        ensure_deps
        state_init
        lock_state
        for c in "${KAFKA_COMPS[@]}"; do
                if [[ $want == *" $c "* ]]; then kcomps+=("$c"); fi
        done
        # artifacts first, so a download failure starts nothing
        if ((${#kcomps[@]})); then ensure_kafka_libs; fi
        if [[ $want == *" registry "* ]]; then ensure_registry_dist; fi
        # all Kafka nodes are launched before any is waited for: a node of three is ready
        # only when the controller quorum (two of three) has formed
        for c in "${kcomps[@]}"; do
                kafka_launch "$c"
                kpids+=("$LAUNCHED_PID")
                knews+=("$LAUNCHED_NEW")
        done
        if [[ $want == *" pg "* || $want == *" registry "* ]]; then
                pg_start
        fi
        if [[ $want == *" registry "* ]]; then
                registry_launch
                rpid=$LAUNCHED_PID rnew=$LAUNCHED_NEW
        fi
        for i in "${!kcomps[@]}"; do java_up_wait "${kcomps[i]}" "${kpids[i]}" "${knews[i]}"; done
        if [ -n "$rpid" ]; then java_up_wait registry "$rpid" "$rnew"; fi
        if ((SECURE)); then secure_acls; fi
        env_lines >"$STATE/env"
}

# The components are sent SIGTERM together: the nodes of a three-node Kafka stopped one

cmd_down() { # components (stopped in the given order; Kafka nodes together)
        local c kafkas=()
        lock_state
        for c in "$@"; do
                case $c in
                kafka*) kafkas+=("$c") ;;
                *)
                        if ((${#kafkas[@]})); then stop_java "${kafkas[@]}"; fi
                        kafkas=()
                        case $c in
                        pg) stop_pg ;;
                        *) stop_java "$c" ;;
                        esac
                        ;;
                esac
        done
        if ((${#kafkas[@]})); then stop_java "${kafkas[@]}"; fi
        wait_reaped
}

cmd_kill() {
        local comp=$1 pid
        lock_state
        case $comp in
        pg)
                pid=$(pg_pids)
                if [ -z "${pid// /}" ]; then
                        log "pg: not running"
                        return 0
                fi
                kill_pg
                ;;
        *)
                if ! pid=$(comp_pid "$comp"); then
                        log "$comp: not running"
                        return 0
                fi
                kill -KILL "$pid"
                log "$comp: SIGKILL $pid"
                rm -f "$(pidfile "$comp")"
                ;;
        esac
        # shellcheck disable=SC2086
        wait_gone "$comp" ${pid:-}
        wait_reaped
}

comp_state() { # prints "state pid"
        local pid
        if pid=$(comp_pid "$1"); then
                if probe "$1"; then echo "up $pid"; else echo "starting $pid"; fi
        elif [ -n "$(stray_pids "$1")" ]; then
                echo "stray $(stray_pids "$1" | head -n1)"
        else
                echo "down -"
        fi
}

cmd_status() {
        local c st pid rc=0
        printf '%-9s %-9s %-8s %s\n' COMPONENT STATE PID ENDPOINT
        for c in "$@"; do
                read -r st pid < <(comp_state "$c")
                printf '%-9s %-9s %-8s %s\n' "$c" "$st" "$pid" "$(endpoint "$c")"
                [ "$st" = up ] || rc=3
        done
        echo "state: $STATE"
        if ((SECURE)); then
                echo "secure: SCRAM-SHA-512 users and passwords in $SEC/passwords; client configs in $SEC/clients/USER.conf (env --secure USER)"
        fi
        return $rc
}

all_up() {
        local c
        for c in "${COMPONENTS[@]}"; do
                comp_pid "$c" >/dev/null && probe "$c" || return 1
        done
}

# up --for-tests: as up; if it started anything, mark the stack as started-for-tests
cmd_up_for_tests() { # components...
        local had_mark=0
        if all_up; then
                log "already running; not marking it started-for-tests"
                return
        fi
        # marked before starting, so that the cleanup also stops a half-started stack
        [ -f "$FOR_TESTS_MARK" ] && had_mark=1
        state_init
        touch "$FOR_TESTS_MARK"
        cmd_up "$@"
        if ((STARTED || had_mark)); then
                log "started for tests: 'down --if-started-for-tests' will stop it"
        else
                rm -f "$FOR_TESTS_MARK"
        fi
}

# the given components in stop order: registry (uses pg), the Kafka nodes, pg
stop_order() { # components...
        local c want=" $* "
        for c in registry "${KAFKA_COMPS[@]}" pg; do
                if [[ $want == *" $c "* ]]; then echo "$c"; fi
        done
}

cmd_reset() {
        if state_foreign; then
                die "$STATE is not a midway stack directory; not deleting it"
        fi
        # shellcheck disable=SC2046 # component names have no spaces
        cmd_down $(stop_order "${COMPONENTS[@]}")
        rm -rf "$STATE"
        log "reset: deleted $STATE"
}
