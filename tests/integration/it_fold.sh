#!/bin/bash
# Issue 12 (4): the consumer's two paths of per-citizen maintenance give the
# same state. The incremental path merges a batch of plain new
# registrations into the stored row (a rule of its own, 20_citizen_batch.sql);
# the recompute path folds the citizen's effective events
# (midway_citizen_fold). fold_cases.py makes random histories (ties of
# dates and registration times, corrections, retractions, corrections that
# arrive first, duplicates) split into random batches, applied through
# midway_apply_batch as the consumer does; after each round every citizen,
# profile and contact row must equal a recomputation from scratch
# (verify_difference, row by row). No Kafka: the batches go straight in.
. "$(dirname "$0")/lib.sh"
psql "$ADMIN_CONNINFO" -q -c "CREATE DATABASE $DB" >/dev/null
"$BIN/midway-admin" migrate
SEED=${MW_TEST_SEED:-$(( $(date +%s) % 100000 ))}
log "seed $SEED (set MW_TEST_SEED to repeat)"
ROUNDS=${MW_FOLD_ROUNDS:-6}
for r in $(seq 1 "$ROUNDS"); do
        python3 "$MW_SOURCE_DIR/tests/integration/fold_cases.py" "$((SEED + r))" 60 >"$WORK/round.sql"
        psql "$MW_PG_CONNINFO" -X -q -v ON_ERROR_STOP=1 -f "$WORK/round.sql" >/dev/null
        diffs=$(q "SELECT count(*) FROM verify_difference")
        [ "$diffs" = 0 ] || {
                q "SELECT * FROM verify_difference ORDER BY 3, 4, 1, 2" >&2
                fail "round $r (seed $((SEED + r))): $diffs rows differ from a recomputation"
        }
done
read -r citizens events retracted ties <<<"$(q "SELECT (SELECT count(*) FROM citizen),
        (SELECT count(*) FROM event), (SELECT count(*) FROM event WHERE action <> 'new'),
        (SELECT count(*) FROM (SELECT 1 FROM effective_event WHERE kind = 'visitation'
            GROUP BY citizen_ref, event_date HAVING count(*) > 1) t)" | tr '|' ' ')"
assert_eq "state of $citizens citizens from $events registrations ($retracted corrections/retractions, $ties same-day intakes) equals a recomputation after each of $ROUNDS rounds" \
        0 "$(q "SELECT count(*) FROM verify_difference")"
verify_state
