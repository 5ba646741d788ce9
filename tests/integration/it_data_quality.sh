#!/bin/bash
# Issue 13 (4): the data quality of a project's registrations
# (status.data_quality(), midway-status --quality; docs/status.md "Data
# quality"), and the contacts-before-intake rule of the status.
# Odder gets a generated export, then hand-made rows: a contact dated
# before its citizen's intake and one after it, a contact of a citizen
# without an intake, an intake registered 73 days late, and a message the
# consumer cannot decode. Checked:
#  - the status counts the contact after the intake and not the one before
#    it, nor the one without an intake: contacts_total grows by exactly 1;
#  - data quality counts each defect exactly (before/after differences of
#    the generated base), the lag's maximum is the late intake's 73 days,
#    and the dead letter is Odder's, at stage decode;
#  - every other project's row is unchanged, and the total row is the sum
#    of the projects'.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics
AS_OF=2015-07-01

quality() { # -> JSON of the data quality
        "$BIN/midway-status" --quality --as-of "$AS_OF" --format json
}
qfield() { # JSON PROJECT_ID|Total FIELD
        python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["projects"]:
    if str(r["project_id"]) == sys.argv[2] or (sys.argv[2] == "Total" and r["project_id"] is None):
        v = r[sys.argv[3]]
        print(json.dumps(v, sort_keys=True) if isinstance(v, dict) else v)
        break
else:
    sys.exit("no row " + sys.argv[2])
' "$@"
}

produce 20 "$(gen 20 60 5)" 2>>"$WORK/logs"
consume_to_end 2>>"$WORK/logs"
quality >"$WORK/before.json"
contacts_before=$(status_field "$AS_OF" 20 contacts_total)

# The contact before the intake comes in an earlier export than the intake
# (within one file the producer refuses it).
header='cpr;kommunekode;hændelse;dato;registreret;målgruppe;ydelse;køn;problemområder;kontaktform;sted;indsats_id;indsatstype;status;startdato;afgangsårsag;kilde_id'
cat >"$WORK/early.csv" <<EOF
$header
0102801234;727;kontakt;01-03-2015;02-03-2015 09:00;;;;;Personlig samtale;;;;;;;Q2
EOF
cat >"$WORK/defects.csv" <<EOF
$header
0102801234;727;visitation;10-03-2015;11-03-2015 10:00;Voksne;Kontanthjælp;;psykisk;;;;;;;;Q1
0102801234;727;kontakt;15-03-2015;16-03-2015 09:00;;;;;Telefon;;;;;;;Q3
0203811235;727;kontakt;05-03-2015;05-03-2015 12:00;;;;;Telefon;;;;;;;Q4
0304821236;727;visitation;01-02-2015;15-04-2015 10:00;Voksne;Kontanthjælp;;socialt;;;;;;;;Q5
EOF
produce 20 "$WORK/early.csv" 2>>"$WORK/logs"
produce 20 "$WORK/defects.csv" 2>>"$WORK/logs"
printf 'not avro' | kcat -b "$MW_BROKERS" -P -t "$(topic_of odder)" -k garbage
consume_to_end 2>>"$WORK/logs"
verify_state
quality >"$WORK/after.json"

assert_eq "status: contacts_total counts only the contact after the intake" \
        "$((contacts_before + 1))" "$(status_field "$AS_OF" 20 contacts_total)"

delta() { # FIELD -> after minus before, for Odder
        echo $(($(qfield "$WORK/after.json" 20 "$1") - $(qfield "$WORK/before.json" 20 "$1")))
}
assert_eq "citizens with a registration: 3 new" 3 "$(delta citizens)"
assert_eq "citizens without an intake: 1 new" 1 "$(delta without_intake)"
assert_eq "contacts: 3 new" 3 "$(delta contacts)"
assert_eq "contacts before the intake: 1 new" 1 "$(delta contacts_before_intake)"
assert_eq "contacts without an intake: 1 new" 1 "$(delta contacts_without_intake)"
assert_eq "registrations: 5 new" 5 "$(delta registrations)"
late_before=$(qfield "$WORK/before.json" 20 lag_max_days)
[ "$late_before" -lt 73 ] || fail "the generated export already has a lag of $late_before days"
assert_eq "the longest lag is the late intake's" 73 "$(qfield "$WORK/after.json" 20 lag_max_days)"
assert_eq "registered more than 30 days after the fact: 1 new" 1 "$(delta registered_after_30_days)"
assert_eq "Odder's dead letters" 1 "$(qfield "$WORK/after.json" 20 dead_letters)"
assert_eq "Odder's dead letters by stage" '{"decode": 1}' \
        "$(qfield "$WORK/after.json" 20 dead_letters_by_stage)"

# the other projects unchanged; the total is the sum of the projects
python3 - "$WORK/before.json" "$WORK/after.json" <<'EOF' || fail "other projects or the total row"
import json, sys
b = {r["project_id"]: r for r in json.load(open(sys.argv[1]))["projects"]}
a = {r["project_id"]: r for r in json.load(open(sys.argv[2]))["projects"]}
assert len(a) == 31, len(a)
for pid in a:
    if pid not in (20, None):
        assert a[pid] == b[pid], pid
for f in ("citizens", "without_intake", "contacts", "contacts_before_intake",
          "contacts_without_intake", "registrations", "registered_after_30_days", "dead_letters"):
    assert a[None][f] == sum(r[f] for p, r in a.items() if p is not None), f
print("[it_data_quality] ok: 29 other projects unchanged, the total row is the sum of the projects")
EOF

# the table format names the columns
"$BIN/midway-status" --quality --as-of "$AS_OF" -p odder >"$WORK/table"
grep -q '^Data quality of the registrations as of 2015-07-01' "$WORK/table" ||
        fail "table title: $(head -1 "$WORK/table")"
grep -q 'before intake' "$WORK/table" || fail "table columns: $(sed -n 3p "$WORK/table")"
log "ok: midway-status --quality prints the table"
