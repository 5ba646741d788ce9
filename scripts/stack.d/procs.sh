# shellcheck shell=bash
# scripts/stack.d/procs.sh: the stack's processes. Which process is a component (comp_pid:
# pid file plus this stack's marker on the command line; stray_pids: by command line only),
# whether it answers (probe, wait_ready, with log_tail on failure), starting a JVM as a daemon
# (java_daemon), and stopping: SIGTERM, bounded waits, SIGKILL, waiting until reaped
# (stop_java, wait_gone, wait_reaped). PostgreSQL's start and stop are in pg.sh.
#
# Reads: STATE, SECURE, TIMEOUT (common.sh), PG_DATA, PG_LOG, PG_CLUSTER (pg.sh); calls each
# component's probe (kafka_probe, pg_probe, registry_probe), brokers, node_port (cluster.sh),
# and registry_url (registry.sh).
# Sets: LAUNCHED_PID, LAUNCHED_NEW, STARTED (java_daemon); REAP (pids for wait_reaped).

# true if the process exists and is not a zombie
alive() {
        local st
        [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
        st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
        [ -n "$st" ] && [ "${st%% *}" != Z ]
}

zombie() {
        local st
        st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) && [ "${st%% *}" = Z ]
}

# true if process $1 has every remaining argument as one of its argv entries
has_args() {
        local pid=$1 args
        shift
        args=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
        local a
        for a in "$@"; do
                grep -qxF -- "$a" <<<"$args" || return 1
        done
}

java_marker() { echo "-Dmidway.stack.dir=$STATE"; }
java_comp() { echo "-Dmidway.stack.component=$1"; }
pidfile() { echo "$STATE/$1/$1.pid"; }

# prints the pid of a running component, or returns 1
comp_pid() {
        local pid=""
        case $1 in
        pg) [ -f "$PG_DATA/postmaster.pid" ] && pid=$(head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null) ;;
        *) [ -f "$(pidfile "$1")" ] && pid=$(cat "$(pidfile "$1")" 2>/dev/null) ;;
        esac
        [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
        case $1 in
        pg) has_args "$pid" "cluster_name=$PG_CLUSTER" || return 1 ;;
        *) has_args "$pid" "$(java_marker)" "$(java_comp "$1")" || return 1 ;;
        esac
        echo "$pid"
}

regex_escape() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }

# every process of this stack's component $1, found by command line (not by pid file)
stray_pids() {
        local m
        case $1 in
        pg)
                m=$(regex_escape "$PG_CLUSTER")
                { pgrep -f -- "cluster_name=$m( |\$)" || true; pgrep -f -- "^postgres: $m: " || true; } | sort -u
                ;;
        *)
                m="$(regex_escape "$(java_marker)") $(regex_escape "$(java_comp "$1")")( |\$)"
                pgrep -f -- "$m" || true
                ;;
        esac
}

# in the subshell that becomes a daemon: close every inherited descriptor above 2 (our
# locks, and pipes of whoever called us, which would otherwise wait for EOF forever)
close_fds() {
        local fd
        for fd in /proc/"$BASHPID"/fd/*; do
                fd=${fd##*/}
                if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
}

port_busy() { timeout 2 bash -c ": </dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# java_daemon COMPONENT WORKDIR JAVA ARGS...: starts JAVA (this stack's marker options first)
# as a daemon of its own session in WORKDIR ("": ours), output appended to
# $STATE/COMPONENT/COMPONENT.log; sets LAUNCHED_PID, LAUNCHED_NEW=1 and STARTED=1
java_daemon() {
        local comp=$1 cwd=$2 java=$3 logf=$STATE/$1/$1.log
        shift 3
        echo "--- $(date -Is) start" >>"$logf"
        (
                if [ -n "$cwd" ]; then cd "$cwd"; fi
                close_fds
                exec setsid "$java" "$(java_marker)" "$(java_comp "$comp")" "$@" </dev/null >>"$logf" 2>&1
        ) &
        LAUNCHED_PID=$!
        echo "$LAUNCHED_PID" >"$(pidfile "$comp")"
        LAUNCHED_NEW=1
        STARTED=1
}

# ---------------------------------------------------------------- probes and readiness

probe() {
        case $1 in
        kafka*) kafka_probe "$1" ;;
        pg) pg_probe ;;
        registry) registry_probe ;;
        esac
}

comp_log() {
        case $1 in
        pg) echo "$PG_LOG" ;;
        *) echo "$STATE/$1/$1.log" ;;
        esac
}

endpoint() {
        case $1 in
        kafka*) if ((SECURE)); then echo "SASL_SSL://$(brokers)"; else echo "127.0.0.1:$(node_port "$1")"; fi ;;
        pg) echo "postgresql://postgres@127.0.0.1:$PG_PORT/midway" ;;
        registry) registry_url ;;
        esac
}

# the last lines of a component's log, from its latest start only
log_tail() {
        local f
        f=$(comp_log "$1")
        [ -f "$f" ] || return 0
        echo "--- last lines of $f:" >&2
        awk '/^--- .* start$/ { n = 0; next } { buf[n++] = $0 } END { for (i = (n > 40 ? n - 40 : 0); i < n; i++) print buf[i] }' "$f" >&2
}

# wait until component $1 (pid $2) answers its probe; fail with its log if it dies or times out
wait_ready() {
        local comp=$1 pid=$2 t0=$SECONDS
        while ! probe "$comp"; do
                if ! alive "$pid"; then
                        log_tail "$comp"
                        die "$comp exited during startup (log: $(comp_log "$comp"))"
                fi
                if ((SECONDS - t0 >= TIMEOUT)); then
                        log_tail "$comp"
                        die "$comp not ready after ${TIMEOUT}s (pid $pid still runs: 'scripts/stack down $comp' stops it; log: $(comp_log "$comp"))"
                fi
                sleep 0.5
        done
        log "$comp: ready ($(endpoint "$comp"), pid $pid, $((SECONDS - t0))s)"
}

check_ports_free() { # component port...
        local comp=$1 p pids
        shift
        for p in "$@"; do
                if port_busy "$p"; then
                        pids=$(stray_pids "$comp" | tr '\n' ' ')
                        [ -n "$pids" ] && die "$comp: port $p is in use by this stack's process(es) $pids without a valid pid file; run 'scripts/stack down $comp'"
                        die "$comp: port 127.0.0.1:$p is in use by another program (set MW_*_PORT to move the stack)"
                fi
        done
}

stop_java() { # component...
        local comp pid pids all="" t0
        declare -A cpids=()
        for comp in "$@"; do
                pids=$( (
                        comp_pid "$comp" || true
                        stray_pids "$comp"
                ) | sort -u | tr '\n' ' ')
                cpids[$comp]=$pids
                if [ -z "${pids// /}" ]; then
                        rm -f "$(pidfile "$comp")"
                        continue
                fi
                log "$comp: stopping (pid ${pids% })"
                all+=$pids
        done
        [ -n "${all// /}" ] || return 0
        # shellcheck disable=SC2086
        kill -TERM $all 2>/dev/null || true
        t0=$SECONDS
        for pid in $all; do
                while alive "$pid" && ((SECONDS - t0 < 45)); do sleep 0.2; done
                if alive "$pid"; then
                        log "pid $pid still running after 45s; SIGKILL"
                        kill -KILL "$pid" 2>/dev/null || true
                fi
        done
        for comp in "$@"; do
                rm -f "$(pidfile "$comp")"
                # shellcheck disable=SC2086
                wait_gone "$comp" ${cpids[$comp]}
        done
}

# After a stop or kill: bounded wait until no process of the component is left
# (SIGKILL for whatever is still there after 10 s). Remembers the pids for wait_reaped.
REAP=""
wait_gone() { # component [pid...]
        local comp=$1 left t0=$SECONDS
        shift
        REAP+="$* "
        while left=$(stray_pids "$comp" | tr '\n' ' ') && [ -n "${left// /}" ]; do
                if ((SECONDS - t0 >= 10)); then
                        log "$comp: SIGKILL left-over process(es) ${left% }"
                        # shellcheck disable=SC2086
                        kill -KILL $left 2>/dev/null || true
                fi
                ((SECONDS - t0 < 20)) || die "$comp: process(es) ${left% } do not go away"
                sleep 0.2
        done
}

# The daemons are orphans, so PID 1 reaps them, on some machines only every few seconds.
# Wait (bounded) until it has, so that no <defunct> java/postgres is left behind and
# PostgreSQL's lock-file check (kill -0 on the old postmaster pid) does not see a zombie.
wait_reaped() {
        local p zs t0=$SECONDS
        while :; do
                zs=""
                for p in $REAP; do
                        if zombie "$p"; then zs+="$p "; fi
                done
                [ -n "$zs" ] || return 0
                if ((SECONDS - t0 >= 15)); then
                        log "exited, but not yet reaped by their parent: pid(s) ${zs% }"
                        return 0
                fi
                sleep 0.2
        done
}

