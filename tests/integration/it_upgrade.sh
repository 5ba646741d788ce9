#!/bin/bash
# Issue 12 (4): a database migrated by the binary of MW_UPGRADE_FROM (default
# dbe1d31: main before migrations/functions/) and filled by the consumer,
# then migrated by this build. The status for several dates is the same
# before and after, verify holds, check-sql finds no drift, and every
# function and view (definition and privileges) equals a fresh database's.
# The old midway-admin is built once from `git archive` into the build
# directory (a minute), or taken from MW_UPGRADE_ADMIN.
. "$(dirname "$0")/lib.sh"

FROM=${MW_UPGRADE_FROM:-dbe1d31}
OLD_ADMIN=${MW_UPGRADE_ADMIN:-$BIN/upgrade-from-$FROM/build/midway-admin}
if [ ! -x "$OLD_ADMIN" ]; then
        old=$BIN/upgrade-from-$FROM
        log "building midway-admin of $FROM in $old"
        rm -rf "$old" && mkdir -p "$old/src"
        git -C "$MW_SOURCE_DIR" archive "$FROM" | tar -x -C "$old/src"
        cmake -S "$old/src" -B "$old/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
        ninja -C "$old/build" midway-admin >/dev/null
fi

# The old binary migrates (0001-0006, 0008 with every function in them).
psql "$ADMIN_CONNINFO" -q -c "CREATE DATABASE $DB" >/dev/null
"$OLD_ADMIN" migrate
"$BIN/midway-admin" create-topics
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/key"
chmod 600 "$WORK/key"
assert_eq "no schema_function before the upgrade" "" \
        "$(q "SELECT to_regclass('schema_function')")"

# Data with corrections, retractions and corrections of corrections, applied
# by the consumer with the old functions.
SEED=${MW_TEST_SEED:-$(( $(date +%s) % 100000 ))}
log "seed $SEED (set MW_TEST_SEED to repeat)"
for p in 7 20 21; do
        f=$(gen "$p" 60 "$SEED")
        "$BIN/midway-producer" -q -n -p "$p" -k "$WORK/key" "$f" |
                python3 -c 'import json,sys; [print(json.loads(l)["event_id"]) for l in sys.stdin]' >"$WORK/ids.$p"
        python3 "$MW_SOURCE_DIR/tests/integration/make_corrections.py" "$f" "$WORK/ids.$p" "$SEED" 30 fix >"$WORK/fix.$p.csv"
        produce "$p" "$f" "$WORK/fix.$p.csv"
done
BATCH_ROWS=50 consume_to_end
verify_state

DATES="2014-09-01 2015-01-01 2015-03-15 2015-07-01 2016-01-01"
status_all() {
        local d
        for d in $DATES; do
                echo "== $d"
                status_csv "$d"
        done
}
# Every function and view of the three schemas: definition and privileges.
catalog() {
        psql "$1" -X -At -v ON_ERROR_STOP=1 -c "
        SELECT 'function ' || p.oid::regprocedure, md5(pg_get_functiondef(p.oid)), coalesce(p.proacl::text, '')
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname IN ('public', 'status', 'municipal') AND p.prokind IN ('f', 'p')
        UNION ALL
        SELECT 'view ' || c.oid::regclass, md5(pg_get_viewdef(c.oid) || coalesce(c.reloptions::text, '')), coalesce(c.relacl::text, '')
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname IN ('public', 'status', 'municipal') AND c.relkind = 'v'
        ORDER BY 1"
}
status_all >"$WORK/status.before"
[ "$(grep -c . "$WORK/status.before")" -gt 30 ] || fail "no status before the upgrade"

# The upgrade: no migration is pending, every function file is applied.
out=$("$BIN/midway-admin" migrate 2>&1)
echo "$out" >&2
nfiles=$(ls "$MW_SOURCE_DIR"/migrations/functions/*.sql | wc -l)
# the migrations that came after FROM (dbe1d31 had every one but 0007, least
# privilege, which was merged after it, and those numbered after 0008)
nmig=$(comm -13 <(git -C "$MW_SOURCE_DIR" ls-tree --name-only "$FROM" migrations/ | sed -n 's|^migrations/||p' | grep '\.sql$' | sort) \
        <(cd "$MW_SOURCE_DIR/migrations" && ls -- *.sql | sort) | wc -l)
case $out in
*"$nmig migration(s) and $nfiles function file(s) applied"*) ;;
*) fail "the upgrade should apply the $nmig migrations after $FROM and $nfiles function files" ;;
esac
status_all >"$WORK/status.after"
if ! diff "$WORK/status.before" "$WORK/status.after" >&2; then
        fail "the status differs after the upgrade"
fi
assert_eq "status lines identical before and after the upgrade ($(echo $DATES | wc -w) dates)" \
        "$(wc -l <"$WORK/status.before")" "$(wc -l <"$WORK/status.after")"
verify_state
"$BIN/midway-admin" check-sql || fail "check-sql after the upgrade"
assert_eq "migrate again applies nothing" "1" \
        "$("$BIN/midway-admin" migrate 2>&1 | grep -c '0 migration(s) and 0 function file(s)')"

# More data through the new functions, then the same figures as a rebuild.
f=$(gen 7 30 "$((SEED + 7))")
produce 7 "$f"
BATCH_ROWS=20 consume_to_end
verify_state

# A fresh database of this build has the same functions and views.
FRESH="${DB}_fresh"
at_exit "psql \"$ADMIN_CONNINFO\" -q -c 'DROP DATABASE IF EXISTS $FRESH' >/dev/null 2>&1"
psql "$ADMIN_CONNINFO" -q -c "CREATE DATABASE $FRESH" >/dev/null
MW_PG_CONNINFO="$ADMIN_CONNINFO dbname=$FRESH" "$BIN/midway-admin" migrate
catalog "$MW_PG_CONNINFO" >"$WORK/catalog.upgraded"
catalog "$ADMIN_CONNINFO dbname=$FRESH" >"$WORK/catalog.fresh"
if ! diff "$WORK/catalog.upgraded" "$WORK/catalog.fresh" >&2; then
        fail "functions or views of the upgraded database differ from a fresh one's"
fi
assert_eq "functions and views, upgraded = fresh" "$(wc -l <"$WORK/catalog.fresh")" \
        "$(wc -l <"$WORK/catalog.upgraded")"
