#!/bin/bash
# Entry point of the PostgreSQL image (docker/postgres/Dockerfile). On an empty data
# directory: initdb with the superuser's password (SCRAM), a pg_hba.conf that admits
# network clients only over TLS with a SCRAM password (hostssl, scram-sha-256; no trust,
# no plain TCP), and init.sh (roles and databases), run against a server that listens on
# its Unix socket only. Then the server, with TLS on.
#   env: POSTGRES_USER (the superuser, default postgres)
#   secrets: /run/secrets/pg-superuser (its password), /run/secrets/pg-server.pem (the
#   server's key and certificate, SAN DNS:postgres), /run/secrets/pg-passwords (init.sh)
set -euo pipefail
umask 077
: "${PGDATA:?}"
export POSTGRES_USER=${POSTGRES_USER:-postgres}
tls=/run/secrets/pg-server.pem
[ -r "$tls" ] || { echo "entrypoint: $tls missing or unreadable (docker/gen-secrets)" >&2; exit 1; }
# the server wants its key in a file only its user may read: split the PEM into
# the data directory's key and certificate on every start (a renewed secret is used)
settings=(-c ssl=on -c "ssl_cert_file=$PGDATA/server.crt" -c "ssl_key_file=$PGDATA/server.key"
          -c ssl_min_protocol_version=TLSv1.2 -c password_encryption=scram-sha-256)

if [ ! -s "$PGDATA/PG_VERSION" ]; then
        initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/run/secrets/pg-superuser \
                --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
        cat >"$PGDATA/pg_hba.conf" <<'HBA'
# midway (docker/postgres/entrypoint.sh): the superuser by peer on the Unix socket
# inside the container; every network client over TLS with a SCRAM password
local   all  postgres               peer
hostssl all  all       0.0.0.0/0    scram-sha-256
hostssl all  all       ::/0         scram-sha-256
HBA
fi
awk '/-----BEGIN [A-Z ]*PRIVATE KEY-----/,/-----END [A-Z ]*PRIVATE KEY-----/' "$tls" >"$PGDATA/server.key"
awk '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/' "$tls" >"$PGDATA/server.crt"
if [ ! -s "$PGDATA/server.key" ] || [ ! -s "$PGDATA/server.crt" ]; then echo "entrypoint: $tls holds no key and certificate" >&2; exit 1; fi

if [ ! -f "$PGDATA/midway-initialised" ]; then
        # Unix socket only: no network client sees a half-made server
        pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' ${settings[*]}" start >/dev/null
        bash /usr/local/lib/midway-postgres/init.sh
        pg_ctl -D "$PGDATA" -w -m fast stop >/dev/null
        touch "$PGDATA/midway-initialised"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "${settings[@]}"
