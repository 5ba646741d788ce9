#!/bin/bash
# PostgreSQL initialisation for docker/compose.yaml (docker/postgres/entrypoint.sh runs
# it once, on an empty data directory, as the superuser over the Unix socket). Creates
# the login roles (SCRAM passwords) and databases; midway's tables come later from
# `midway-admin migrate` (the migrate job), run as `midway`.
#
#   midway           owns the database midway; CREATEROLE, because the migrations create
#                    the group roles and grants (docs/status.md, "Access")
#   midway_consumer  the consumers: member of midway_pipeline (all rows)
#   midway_report    the nightly report: member of midway_evaluator (aggregates only)
#   registry         owns the database registry (Apicurio's SQL storage)
#
# Passwords: /run/secrets/pg-passwords, "role password" lines (docker/gen-secrets).
# The group roles are made here so that the login roles can join them before the
# first migration; the migrations create them only when they are missing.
set -euo pipefail
pw_file=/run/secrets/pg-passwords
pw() {
        local v
        v=$(awk -v r="$1" '$1 == r { print $2 }' "$pw_file")
        [ -n "$v" ] || { echo "init.sh: no password for '$1' in $pw_file" >&2; exit 1; }
        printf '%s' "$v"
}
psql -v ON_ERROR_STOP=1 -X -q --username "$POSTGRES_USER" --dbname postgres \
        -v midway_pw="$(pw midway)" -v consumer_pw="$(pw midway_consumer)" \
        -v report_pw="$(pw midway_report)" -v registry_pw="$(pw registry)" <<'SQL'
CREATE ROLE midway_evaluator NOLOGIN;
CREATE ROLE midway_municipality NOLOGIN;
CREATE ROLE midway_pipeline NOLOGIN;
CREATE ROLE midway LOGIN CREATEROLE PASSWORD :'midway_pw';
CREATE ROLE midway_consumer LOGIN PASSWORD :'consumer_pw' IN ROLE midway_pipeline;
CREATE ROLE midway_report LOGIN PASSWORD :'report_pw' IN ROLE midway_evaluator;
CREATE ROLE registry LOGIN PASSWORD :'registry_pw';
CREATE DATABASE midway OWNER midway;
CREATE DATABASE registry OWNER registry;
REVOKE ALL ON DATABASE midway FROM PUBLIC;
GRANT CONNECT ON DATABASE midway TO midway_consumer, midway_report;
-- the consumer stages each batch in temporary tables
GRANT TEMPORARY ON DATABASE midway TO midway_consumer;
\connect midway
-- What midway_pipeline may do is granted by the migrations (0006).
SQL
