#!/bin/bash
# Issue 13: reports published one after the other, read together. The
# seed-calibrated dataset through the pipeline, then the monthly reports of
# 1 May, 1 June and 1 July 2015 with a record of what was published
# (--ledger DIR; docs/report.md, "Reports published before"). Pass:
#  - the attacker (tests/redteam/attack.py, no code of the report), given
#    all three reports, pins no hidden count of 1-4 and finds no count of
#    persons that changes by 1-4 between two printed dates;
#  - the same dates reported without the record give the attacker both
#    (the audit can fail): Faaborg-Midtfyn's exits_other = 4 on 1 June,
#    and printed counts that move by 1-4;
#  - every report passes the chart = table audit and shows every project's
#    visited, active and exits;
#  - a cut-off is published once: the record refuses it again (exit 1,
#    nothing replaced), and the record is the evaluator's alone (0600).
. "$(dirname "$0")/lib.sh"

src=$MW_SOURCE_DIR
DATES="2015-05-01 2015-06-01 2015-07-01"
[ -x "$BIN/midway-report" ] || fail "midway-report is not built in $BIN"
setup_db_and_topics
load_seed

LEDGER=$WORK/ledger
mkdir -m 700 "$LEDGER" "$WORK/with" "$WORK/without"
for d in $DATES; do
        "$BIN/midway-report" --ledger "$LEDGER" --as-of "$d" --out "$WORK/with/$d" 2>"$WORK/with-$d.log" ||
                { cat "$WORK/with-$d.log" >&2; fail "midway-report --ledger failed for $d"; }
        grep -F "disclosure control:" "$WORK/with-$d.log" | sed "s/^.*INFO /[$TEST_NAME] $d: /"
        "$BIN/midway-report" --as-of "$d" --out "$WORK/without/$d" 2>"$WORK/without-$d.log" ||
                { cat "$WORK/without-$d.log" >&2; fail "midway-report failed for $d"; }
        [ "$(stat -c %a "$LEDGER/$d.csv")" = 600 ] || fail "the record of $d is not mode 0600"
        [ -e "$WORK/with/$d/$d.csv" ] && fail "the record was written beside the published files"
        python3 "$src/tests/integration/chart_audit.py" "$WORK/with/$d" >/dev/null ||
                fail "chart = table fails for the report of $d"
        python3 - "$WORK/with/$d" <<'EOF' || fail "a margin is hidden in the report of $d"
import csv, os, sys
for f in ("status.csv", "status-previous.csv", "series.csv"):
    for r in csv.DictReader(open(os.path.join(sys.argv[1], f), encoding="utf-8")):
        for c in ("visited", "active", "exits_total"):
            assert r[c] != "x", (f, r["as_of"], r["project_id"], c)
EOF
done
echo "[$TEST_NAME] ok: 3 monthly reports recorded (0600), every margin shown, chart = table"

# 1. With the record: the attacker reads all three and gets nothing.
python3 "$src/tests/redteam/attack.py" --threshold 5 "$WORK"/with/* >"$WORK/attack.out" || {
        grep -v '= 0$' "$WORK/attack.out" | tail -20 >&2
        fail "the attacker worked out a count of 1-4 from the three recorded reports"
}
echo "[$TEST_NAME] ok: reports recorded: $(tail -1 "$WORK/attack.out")"

# 2. Without it, the same three give people away: the audit can fail.
if python3 "$src/tests/redteam/attack.py" --threshold 5 "$WORK"/without/* >"$WORK/attack-without.out"; then
        fail "the attacker found nothing in reports published without the record"
fi
grep -qx "pinned: 2015-06-01 6 exits_other = 4" "$WORK/attack-without.out" ||
        fail "without the record, Faaborg-Midtfyn's 4 exits 'other' on 1 June are not pinned"
grep -q '^change: ' "$WORK/attack-without.out" || fail "without the record, no count changes by 1-4"
echo "[$TEST_NAME] ok: reports not recorded: $(tail -1 "$WORK/attack-without.out")"

# 3. A cut-off is published once.
before=$(cat "$WORK/with/2015-07-01/SHA256SUMS")
if "$BIN/midway-report" --ledger "$LEDGER" --as-of 2015-07-01 --out "$WORK/with/2015-07-01" 2>"$WORK/again.log"; then
        fail "the report of 2015-07-01 was published twice"
fi
grep -q "published before ($LEDGER/2015-07-01.csv)" "$WORK/again.log" ||
        { cat "$WORK/again.log" >&2; fail "the refusal does not name the record"; }
assert_eq "the published report, untouched" "$before" "$(cat "$WORK/with/2015-07-01/SHA256SUMS")"
echo "[$TEST_NAME] ok: a cut-off is published once ($(grep -o 'the report as of.*' "$WORK/again.log" | cut -c1-60)...)"

# 4. A record that is not whole (truncated, edited) stops the next report.
mkdir -m 700 "$WORK/cut"
cp "$LEDGER/2015-05-01.csv" "$WORK/cut/"
sed -i '/,n_female,/d' "$WORK/cut/2015-05-01.csv"
if "$BIN/midway-report" --ledger "$WORK/cut" --as-of 2015-06-01 --out "$WORK/cut-out" 2>"$WORK/cut.log"; then
        fail "a report was written with a record that lacks counts"
fi
grep -q "the record of 2015-05-01 lacks n_female of project" "$WORK/cut.log" ||
        { cat "$WORK/cut.log" >&2; fail "the incomplete record is not named"; }
[ -e "$WORK/cut-out" ] && fail "files written despite an incomplete record"
echo "[$TEST_NAME] ok: an incomplete record stops the report ($(grep -o 'the record of.*incomplete' "$WORK/cut.log"))"

# 5. A record that cannot be written stops the report before anything is published.
mkdir -m 500 "$WORK/ro"
if runuser -u nobody -- "$BIN/midway-report" --ledger "$WORK/ro" --as-of 2015-06-01 --out "$WORK/ro-out" \
        2>"$WORK/ro.log"; then
        fail "a report was published with a record it cannot write"
fi
grep -q "must be writable by this user; nothing written" "$WORK/ro.log" ||
        { cat "$WORK/ro.log" >&2; fail "the unwritable record is not named"; }
[ -e "$WORK/ro-out" ] && fail "files written although the record cannot be"
echo "[$TEST_NAME] ok: a record that cannot be written stops the report before it is published"
