#!/bin/bash
# Fault 7 (and 6): order independence and replay. The same registrations
# (with corrections) are produced in three different orders to three sets of
# topics and consumed into three empty databases. Pass: the per-citizen
# state and the status for several cut-off dates are identical in all three.
. "$(dirname "$0")/../integration/lib.sh"
setup_db_and_topics
SEED=${MW_TEST_SEED:-$(( $(date +%s) % 100000 ))}
log "seed $SEED"

f=$(gen 26 300 "$SEED")
"$BIN/midway-producer" -q -n -p 26 -k "$WORK/key" "$f" |
        python3 -c 'import json,sys; [print(json.loads(l)["event_id"]) for l in sys.stdin]' >"$WORK/ids"
python3 "$MW_SOURCE_DIR/tests/integration/make_corrections.py" "$f" "$WORK/ids" "$SEED" 60 fix >"$WORK/fix.csv"
head -1 "$WORK/fix.csv" >"$WORK/header"
# One file of originals and corrections (the producer's columns are the
# union; the originals simply leave handling/erstatter empty).
{ cat "$WORK/header"; tail -n +2 "$f" | sed 's/$/;;/'; tail -n +2 "$WORK/fix.csv"; } >"$WORK/all.csv"
n=$(tail -n +2 "$WORK/all.csv" | wc -l)

declare -a dbs
for k in 1 2 3; do
        export MW_TOPIC_PREFIX="$RUN_ID.perm$k"
        export MW_GROUP_ID="$RUN_ID-perm$k"
        db="${DB}_p$k"
        psql "$ADMIN_CONNINFO" -q -c "CREATE DATABASE $db" >/dev/null
        at_exit "psql '$ADMIN_CONNINFO' -q -c 'DROP DATABASE IF EXISTS $db' >/dev/null 2>&1"
        conn="$ADMIN_CONNINFO dbname=$db"
        dbs+=("$conn")
        MW_PG_CONNINFO=$conn "$BIN/midway-admin" migrate 2>/dev/null
        "$BIN/midway-admin" create-topics 2>/dev/null
        case $k in
        1) cp "$WORK/all.csv" "$WORK/perm$k.csv" ;;
        2) { cat "$WORK/header"; tail -n +2 "$WORK/all.csv" | tac; } >"$WORK/perm$k.csv" ;;
        3) { cat "$WORK/header"; tail -n +2 "$WORK/all.csv" | shuf --random-source=<(yes "$SEED"); } >"$WORK/perm$k.csv" ;;
        esac
        produce 26 "$WORK/perm$k.csv"
        MW_PG_CONNINFO=$conn consume_to_end -o batch.rows=$((50 * k)) 2>>"$WORK/consumer.log"
        MW_PG_CONNINFO=$conn "$BIN/midway-admin" verify 2>/dev/null
done
cmp -s "$WORK/perm1.csv" "$WORK/perm3.csv" && fail "the permutations are equal"
state() { psql "$1" -X -At -c "SELECT * FROM citizen ORDER BY 1, 2" | md5sum; }
for k in 2 3; do
        assert_eq "state: order 1 = order $k" "$(state "${dbs[0]}")" "$(state "${dbs[$((k - 1))]}")"
        for d in 2015-01-31 2015-04-30 2015-07-01; do
                assert_eq "status $d: order 1 = order $k" "$(status_csv $d "${dbs[0]}" | md5sum)" \
                        "$(status_csv $d "${dbs[$((k - 1))]}" | md5sum)"
        done
done
assert_eq "corrections stored" "$(tail -n +2 "$WORK/fix.csv" | wc -l)" \
        "$(psql "${dbs[0]}" -X -At -c "SELECT count(*) FROM event WHERE action <> 'new'")"
echo "[$TEST_NAME] seed $SEED: $n registrations in 3 orders give identical state and status"
