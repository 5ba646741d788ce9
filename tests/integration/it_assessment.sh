#!/bin/bash
# Issue 13 (3): the evaluator's own assessments. An evaluator stores a
# file of assessments with midway-status --assess; the good rows are
# stored with who and when set by the database, the bad ones rejected with
# file:line and the reason (a CPR number in a text never quoted), exit 3.
# A later file replaces an item; the table is append-only; a text that
# looks like a CPR number is refused by the database too; a municipality
# reads nothing of it.
. "$(dirname "$0")/lib.sh"
psql "$ADMIN_CONNINFO" -q -c "CREATE DATABASE $DB" >/dev/null
"$BIN/midway-admin" migrate
EVAL="it_eval_$RUN_ID"
MUNI="it_muni_$RUN_ID"
q "CREATE ROLE $EVAL LOGIN IN ROLE midway_evaluator" >/dev/null
q "CREATE ROLE $MUNI LOGIN" >/dev/null
q "SELECT midway_grant_municipality('$MUNI', 20)" >/dev/null
at_exit "psql '$MW_PG_CONNINFO' -q -c 'DROP OWNED BY $EVAL, $MUNI' -c 'DROP ROLE IF EXISTS $EVAL, $MUNI' >/dev/null 2>&1"
as() { psql "$MW_PG_CONNINFO user=$1" -X -At -v ON_ERROR_STOP=1 -c "$2"; }

cat >"$WORK/june.csv" <<'EOF'
project;as_of;item;level;text
odder;2015-07-01;requirement_4;partly_met;Not every citizen has been offered a mentor yet.
odder;2015-07-01;focus_so_far;;"Intake; the cross-cutting plan; the mentor model"
20;2015-07-01;requirement_1;good;A level that is not one
odder;2015-07-01;requirement_2;met;The citizen born 0102801234 asked for it
nowhere;2015-07-01;requirement_3;met;Unknown project
odder;2015-07-01;focus_ahead;met;A focus area has no level
EOF
rc=0
"$BIN/midway-status" -d "$MW_PG_CONNINFO user=$EVAL" --assess "$WORK/june.csv" 2>"$WORK/june.log" || rc=$?
assert_eq "exit status with rejected rows" 3 "$rc"
for l in 4 5 6 7; do
        grep -q "june.csv:$l: rejected: " "$WORK/june.log" || fail "line $l not rejected: $(cat "$WORK/june.log")"
done
grep -q "june.csv:5: rejected: text holds what looks like a CPR number" "$WORK/june.log" ||
        fail "the CPR row's reason: $(grep ':5:' "$WORK/june.log")"
if grep -q "0102801234\|born" "$WORK/june.log"; then fail "a rejected text is quoted in the log"; fi
assert_eq "stored: by the evaluator, two rows" "$EVAL|2" \
        "$(q "SELECT string_agg(DISTINCT registered_by, ','), count(*) FROM status.assessment")"

# a later assessment of the same item replaces it
printf 'project;as_of;item;level;text\nodder;2015-07-01;requirement_4;met;Every citizen is now offered a mentor.\n' \
        >"$WORK/july.csv"
"$BIN/midway-status" -d "$MW_PG_CONNINFO user=$EVAL" --assess "$WORK/july.csv" 2>/dev/null
assert_eq "in force: the later requirement 4" "met|Every citizen is now offered a mentor." \
        "$(as "$EVAL" "SELECT level || '|' || text FROM status.project_assessment WHERE item = 'requirement_4'")"
assert_eq "history kept" 3 "$(q "SELECT count(*) FROM status.assessment")"

# the database's own rules
if as "$EVAL" "UPDATE status.assessment SET level = 'not_met'" >/dev/null 2>&1; then fail "an update was allowed"; fi
if as "$EVAL" "INSERT INTO status.assessment (project_id, as_of, item, level, text)
               VALUES (20, '2015-07-01', 'requirement_3', 'met', 'ref 010280-1234')" >/dev/null 2>&1; then
        fail "a CPR-like text was stored"
fi
as "$EVAL" "INSERT INTO status.assessment (project_id, as_of, item, level, text, registered_by, registered_at)
            VALUES (20, '2015-07-01', 'requirement_3', 'met', 'Plan in use', 'someone_else', '2000-01-01')" >/dev/null
assert_eq "who and when set by the database" "$EVAL|true" \
        "$(q "SELECT registered_by || '|' || (registered_at > now() - interval '1 hour') FROM status.assessment WHERE item = 'requirement_3'")"
if as "$MUNI" "SELECT count(*) FROM status.assessment" >/dev/null 2>&1; then fail "a municipality read the assessments"; fi
log "ok: assessments stored with who and when, bad rows rejected, history append-only"
