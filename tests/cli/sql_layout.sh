#!/bin/bash
# Issue 12 (4): every function and view has one definition, in
# migrations/functions/ (docs/operations.md, "Migrations"). A migration
# holds schema only: `midway-admin migrate` applies the function files after
# the migrations, so a function or view created by a migration would be
# replaced by the file's definition, or stand beside it as a second copy.
# The one exception is a stub: a migration whose policy or trigger calls a
# function creates it with a body of `SELECT NULL...` (no rule), and the
# function file defines it in the same transaction. Known stubs are listed.
set -euo pipefail
src=${1:?usage: sql_layout.sh SOURCE_DIR}
stubs='^(0002_status.sql:CREATE FUNCTION midway_role_projects\(\) RETURNS int\[\]|0007_least_privilege.sql:CREATE FUNCTION midway_publication_date_check\(\) RETURNS trigger|0010_assessment.sql:CREATE FUNCTION midway_assessment_check\(\) RETURNS trigger)$'
bad=$(cd "$src/migrations" &&
        grep -inHE '^\s*CREATE\s+(OR\s+REPLACE\s+)?((MATERIALIZED\s+)?VIEW|FUNCTION|PROCEDURE)\b' ./*.sql |
        sed 's|^\./||; s|:[0-9]*:|:|' | grep -vE "$stubs" || true)
if [ -n "$bad" ]; then
        echo "functions or views defined in a migration (move them to migrations/functions/, see docs/operations.md):" >&2
        echo "$bad" >&2
        exit 1
fi
n=$(ls "$src"/migrations/functions/*.sql | wc -l)
echo "ok: no function or view in a migration (3 stubs); $n function files"
