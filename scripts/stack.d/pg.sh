# shellcheck shell=bash
# scripts/stack.d/pg.sh: the private PostgreSQL cluster in $STATE/pg. initdb once and pg_ctl
# start, both as the postgres user when run as root (pg_start), the databases midway and
# registry, its readiness probe (pg_isready), and stopping or killing the postmaster with its
# children, including a stale postmaster.pid left by a SIGKILL. Its processes carry
# cluster_name=$PG_CLUSTER, which procs.sh's comp_pid and stray_pids look for.
#
# Reads: STATE, PG_PORT, TIMEOUT (common.sh), pg_bindir (deps.sh).
# Sets (pg_init): PG_DATA, PG_RUN, PG_LOG, PG_CLUSTER; STARTED=1 when it starts PostgreSQL.

pg_init() {
        PG_DATA=$STATE/pg/data
        PG_RUN=$STATE/pg/run
        PG_LOG=$STATE/pg/postgres.log
        # names this cluster's processes ("postgres: midway-1a2b3c4d: checkpointer")
        PG_CLUSTER=midway-$(printf '%s' "$STATE" | sha1sum | cut -c1-8)
}

pg_conninfo() { echo "host=127.0.0.1 port=$PG_PORT user=postgres dbname=midway"; }

pg_probe() { "$(pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -t 2; }

as_pg() {
        if [ "$(id -u)" -eq 0 ]; then
                runuser -u postgres -- "$@"
        else
                "$@"
        fi
}

# the postgres user must be able to reach $STATE/pg: make each ancestor traversable
pg_prepare_dirs() {
        mkdir -p "$STATE/pg" "$PG_RUN"
        [ "$(id -u)" -eq 0 ] || return 0
        id postgres >/dev/null 2>&1 || die "no 'postgres' user (scripts/install-deps installs postgresql)"
        chown postgres:postgres "$STATE/pg" "$PG_RUN"
        [ -f "$PG_LOG" ] && chown postgres:postgres "$PG_LOG"
        local d path=""
        local -a parts
        IFS=/ read -ra parts <<<"${STATE#/}"
        for d in "${parts[@]}"; do # top-down: / first, $STATE last
                path+=/$d
                if ! runuser -u postgres -- test -x "$path"; then
                        log "pg: chmod o+x $path (postgres must traverse it)"
                        chmod o+x "$path"
                fi
        done
}

psql_q() { "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tA "$@"; }

pg_start() {
        local bin pid
        if pid=$(comp_pid pg) && probe pg; then
                log "pg: already running (pid $pid)"
                pg_create_dbs
                return
        fi
        bin=$(pg_bindir)
        comp_pid pg >/dev/null || check_ports_free pg "$PG_PORT"
        pg_prepare_dirs
        if [ ! -f "$PG_DATA/PG_VERSION" ]; then
                log "pg: initdb $PG_DATA"
                rm -rf "$PG_DATA"
                as_pg "$bin/initdb" -D "$PG_DATA" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 \
                        --no-sync >"$STATE/pg/initdb.log" 2>&1 8>&- 9>&- ||
                        {
                                cat "$STATE/pg/initdb.log" >&2
                                die "pg: initdb failed"
                        }
        fi
        if ! pid=$(comp_pid pg); then
                pg_clear_stale_lock
                check_ports_free pg "$PG_PORT"
                (($(printf '%s' "$PG_RUN/.s.PGSQL.$PG_PORT" | wc -c) < 107)) ||
                        die "pg: socket path $PG_RUN/.s.PGSQL.$PG_PORT is too long for a unix socket; use a shorter MW_STACK_DIR"
                log "pg: starting on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
                if ! (
                        close_fds
                        as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$TIMEOUT" -s \
                                -o "-p $PG_PORT -k '$PG_RUN' -c listen_addresses=127.0.0.1 -c cluster_name=$PG_CLUSTER" \
                                start </dev/null >&2
                ); then
                        tail -n 30 "$PG_LOG" >&2 || true
                        die "pg: pg_ctl start failed (log: $PG_LOG)"
                fi
                STARTED=1
                pid=$(comp_pid pg) || die "pg: started, but no postmaster with cluster_name=$PG_CLUSTER found"
        fi
        wait_ready pg "$pid"
        pg_create_dbs
}

pg_create_dbs() {
        local db
        for db in midway registry; do
                if [ -z "$(psql_q -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
                        log "pg: creating database $db"
                        psql_q -c "CREATE DATABASE $db"
                fi
        done
}

pg_pids() {
        local pid
        {
                stray_pids pg
                if pid=$(comp_pid pg); then
                        echo "$pid"
                        pgrep -P "$pid" || true
                fi
        } | grep -E '^[0-9]+$' | sort -u | tr '\n' ' ' || true
}

stop_pg() {
        local pid pids
        pids=$(pg_pids)
        if pid=$(comp_pid pg); then
                log "pg: stopping (pid $pid)"
                if ! as_pg "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 -s stop </dev/null >&2 8>&- 9>&-; then
                        log "pg: pg_ctl stop failed; SIGKILL"
                        kill_pg
                fi
        elif [ -n "${pids// /}" ]; then
                kill_pg
        fi
        # shellcheck disable=SC2086
        wait_gone pg $pids
}

kill_pg() {
        local pids
        pids=$(pg_pids)
        [ -n "${pids// /}" ] || return 0
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        log "pg: SIGKILL ${pids% }"
}

# After a SIGKILL the lock file postmaster.pid stays. PostgreSQL copes with that unless the
# old pid still exists (a zombie not yet reaped); remove it when the old postmaster is gone.
pg_clear_stale_lock() {
        local lock=$PG_DATA/postmaster.pid old shmid
        [ -f "$lock" ] || return 0
        old=$(head -n1 "$lock")
        [[ $old =~ ^[0-9]+$ ]] || return 0
        if alive "$old"; then
                has_args "$old" "cluster_name=$PG_CLUSTER" && return 0
                has_args "$old" "$PG_DATA" && die "pg: a postmaster (pid $old) runs on $PG_DATA without this stack's settings; stop it first"
                # pid reused by an unrelated process: the lock is stale
        fi
        [ -z "$(stray_pids pg)" ] || return 0
        shmid=$(sed -n '7p' "$lock" | awk '{print $2}')
        if [[ $shmid =~ ^[0-9]+$ ]] && ipcs -m -i "$shmid" 2>/dev/null | grep -q 'nattch=0'; then
                ipcrm -m "$shmid" 2>/dev/null || true
        fi
        log "pg: removing stale postmaster.pid (pid $old is gone)"
        rm -f "$lock"
}
