# shellcheck shell=bash
# scripts/stack.d/common.sh: what every part uses. Logging (log, die, usage_error), the
# settings every mode shares and their checks (stack_init: state directory, secure or plain,
# ports, timeout), the state directory itself (state_init, lock_state) and small file helpers
# (sha1_of, write_atomic, render).
#
# Reads: repo (set by scripts/stack), MW_STACK_DIR, MW_KAFKA_PORT, MW_KAFKA_CONTROLLER_PORT,
# MW_PG_PORT, MW_REGISTRY_PORT, MW_STACK_TIMEOUT; state_init also KAFKA_NODES and NODES_FILE
# (cluster.sh).
# Sets (stack_init): STATE, SEC, SECURE_MARK, SECURE, KAFKA_PORT, KAFKA_CONTROLLER_PORT,
# PG_PORT, REGISTRY_PORT, TIMEOUT, FOR_TESTS_MARK, STARTED (1 once anything was started).

log() { printf 'stack: %s\n' "$*" >&2; }
die() {
        log "error: $*"
        exit 1
}
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
usage_error() {
        echo "stack: $*" >&2
        echo "usage: scripts/stack up|down|kill|reset|status|env|acls [COMPONENT] [--secure]  (--help for more)" >&2
        exit 2
}

stack_init() { # the command line (only --secure is looked at)
        local a v val secure_flag=0
        # --secure anywhere on the command line selects the secure Kafka's defaults
        for a in "$@"; do
                if [ "$a" = --secure ]; then secure_flag=1; fi
        done
        if ((secure_flag)); then
                STATE=$(realpath -m -- "${MW_STACK_DIR:-$repo/build/stack-secure}")
        else
                STATE=$(realpath -m -- "${MW_STACK_DIR:-$repo/build/stack}")
        fi
        SEC=$STATE/secure
        SECURE_MARK=$STATE/.midway-secure
        SECURE=$secure_flag
        if [ -f "$SECURE_MARK" ]; then SECURE=1; fi
        if ((SECURE)); then
                umask 077 # keys, passwords and configs holding them are the owner's only
                KAFKA_PORT=${MW_KAFKA_PORT:-19192}
                KAFKA_CONTROLLER_PORT=${MW_KAFKA_CONTROLLER_PORT:-19193}
        else
                KAFKA_PORT=${MW_KAFKA_PORT:-19092}
                KAFKA_CONTROLLER_PORT=${MW_KAFKA_CONTROLLER_PORT:-19093}
        fi
        PG_PORT=${MW_PG_PORT:-15432}
        REGISTRY_PORT=${MW_REGISTRY_PORT:-18081}
        TIMEOUT=${MW_STACK_TIMEOUT:-120}
        FOR_TESTS_MARK=$STATE/started-for-tests
        STARTED=0

        for v in KAFKA_PORT KAFKA_CONTROLLER_PORT PG_PORT REGISTRY_PORT; do
                val=${!v}
                if ! [[ $val =~ ^[0-9]{1,5}$ ]] || ((10#$val < 1 || 10#$val > 65535)); then
                        usage_error "MW_$v must be a port number (1-65535), got '$val'"
                fi
                printf -v "$v" '%d' "$((10#$val))"
        done
        [[ $TIMEOUT =~ ^[0-9]+$ ]] || usage_error "MW_STACK_TIMEOUT must be a number of seconds, got '$TIMEOUT'"
        case $STATE in
        *[[:space:]\'\"\\]*) die "MW_STACK_DIR must not contain spaces or quotes: $STATE" ;;
        esac
        # --secure never touches a plain stack (it would stop or reset it)
        if ((SECURE)) && [ ! -f "$SECURE_MARK" ] &&
                { [ -e "$STATE/kafka" ] || [ -e "$STATE/pg" ] || [ -e "$STATE/registry" ]; }; then
                die "$STATE holds a plain stack; the secure Kafka needs a state directory of its own (MW_STACK_DIR)"
        fi
}

sha1_of() { sha1sum <"$1" | cut -d' ' -f1; }

# stdin into FILE, through FILE.tmp, so that no reader sees half a file
write_atomic() { # file
        cat >"$1.tmp"
        mv "$1.tmp" "$1"
}

render() { # template output key=value...
        local tpl=$1 out=$2 expr=() kv
        shift 2
        for kv in "$@"; do expr+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
        sed "${expr[@]}" "$tpl" >"$out.tmp"
        mv "$out.tmp" "$out"
}

# true if $STATE exists, is not empty and was not made by this script
state_foreign() {
        [ -d "$STATE" ] && [ ! -f "$STATE/.midway-stack" ] && [ -n "$(ls -A "$STATE")" ]
}

state_init() {
        if state_foreign; then
                die "$STATE exists, is not empty and is not a midway stack directory"
        fi
        mkdir -p "$STATE"
        touch "$STATE/.midway-stack"
        if ((SECURE)); then touch "$SECURE_MARK"; fi
        [ -f "$NODES_FILE" ] || echo "$KAFKA_NODES" >"$NODES_FILE"
}

lock_state() {
        [ -d "$STATE" ] || return 0
        exec 9>"$STATE/.lock"
        if ! flock -n 9; then
                log "waiting for another scripts/stack on $STATE"
                flock -w 600 9 || die "timed out waiting for $STATE/.lock"
        fi
}
