#!/bin/bash
# Issue 3 (4, 5): late and corrected registrations. Hand-made registrations
# for Odder (project 20) with known answers: a correction replaces the fact
# it names, the latest of two corrections wins, a retraction removes the
# fact, corrections that arrive before their originals work, duplicates
# change nothing, and the status for a past date uses event time. After
# every step `verify` holds.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics

H="cpr;kommunekode;haendelse;dato;registreret;ydelse;problemomraader;indsats_id;indsatstype;status;startdato;afgangsaarsag;handling;erstatter;kilde_id"
cat >"$WORK/a.csv" <<CSV
$H
0101801234;727;visitation;10-01-2015;12-01-2015;kontanthjaelp;psykisk;;;;;;;;a1
0101801234;727;afgang;01-05-2015;02-05-2015;;;;;;;moved;;;a2
0202802345;727;visitation;15-01-2015;16-01-2015;ressourceforloeb;;;;;;;;;b1
0202802345;727;afgang;01-06-2015;02-06-2015;;;;;;;citizen_left;;;b2
0303803456;727;visitation;20-02-2015;21-02-2015;kontanthjaelp;fysisk,socialt;;;;;;;;c1
0303803456;727;profilaendring;01-04-2015;02-04-2015;ressourceforloeb;;;;;;;;;c2
0303803456;727;indsats;01-03-2015;02-03-2015;;;X1;mentor;started;01-03-2015;;;;c3
0404804567;727;visitation;01-03-2015;02-03-2015;kontanthjaelp;;;;;;;;;d1
CSV
# Event ids of the originals, as the producer derives them.
"$BIN/midway-producer" -q -n -p 20 -k "$WORK/key" "$WORK/a.csv" |
        python3 -c 'import json,sys; [print(json.loads(l)["event_id"]) for l in sys.stdin]' >"$WORK/a.ids"
id() { sed -n "$1p" "$WORK/a.ids"; }
cat >"$WORK/b.csv" <<CSV
$H
0101801234;727;afgang;01-05-2015;05-05-2015;;;;;;;ordinary_job;rettelse;$(id 2);a2r1
0101801234;727;afgang;01-05-2015;06-05-2015;;;;;;;flexjob;rettelse;$(id 2);a2r2
0202802345;727;afgang;01-06-2015;07-06-2015;;;;;;;citizen_left;annullering;$(id 4);b2x
0303803456;727;indsats;01-03-2015;08-03-2015;;;X1;company;started;01-03-2015;;rettelse;$(id 7);c3r
0404804567;727;visitation;01-02-2015;09-03-2015;kontanthjaelp;;;;;;;rettelse;$(id 8);d1r
CSV

# The corrections first: their originals arrive late.
produce 20 "$WORK/b.csv"
consume_to_end 2>>"$WORK/consumer.log"
verify_state
# Only the corrections so far: the corrected visitation counts; the exit and
# intervention of citizens whose intake is not stored yet are held back and
# flagged for reconciliation (the retraction alone is no fact at all).
assert_eq "visited while only corrections are stored" "1" "$(status_field 2015-07-01 20 visited)"
assert_eq "exits while only corrections are stored" "0" "$(status_field 2015-07-01 20 exits_total)"
assert_eq "citizens without intake" "2" "$(status_field 2015-07-01 20 citizens_without_intake)"
produce 20 "$WORK/a.csv"
produce 20 "$WORK/b.csv" # duplicates
consume_to_end 2>>"$WORK/consumer.log"
verify_state

s() { status_field "$1" 20 "$2"; }
assert_eq "visited" "4" "$(s 2015-07-01 visited)"
assert_eq "exits (one retracted)" "1" "$(s 2015-07-01 exits_total)"
assert_eq "exit reason: the later of two corrections (flexjob)" "1" "$(s 2015-07-01 exit_flexjob)"
assert_eq "exit reason: the replaced original (moved)" "0" "$(s 2015-07-01 exit_moved)"
assert_eq "exit reason: the earlier correction (ordinary_job)" "0" "$(s 2015-07-01 exit_ordinary_job)"
assert_eq "exit reason: the retracted exit (citizen_left)" "0" "$(s 2015-07-01 exit_citizen_left)"
assert_eq "active" "3" "$(s 2015-07-01 active)"
assert_eq "mentor (corrected to company)" "0" "$(s 2015-07-01 n_mentor)"
assert_eq "company-oriented" "1" "$(s 2015-07-01 n_company_oriented)"
assert_eq "over 4 months (a corrected visitation date counts)" "3" "$(s 2015-07-01 active_over_4_months)"
assert_eq "ressourceforloeb in force on 2015-07-01 (a profile change)" "2" "$(s 2015-07-01 n_ressourceforloeb)"
assert_eq "kontanthjaelp in force on 2015-03-15 (before the profile change)" "3" "$(s 2015-03-15 n_kontanthjaelp)"
assert_eq "kontanthjaelp in force on 2015-07-01 (one exited, one changed)" "1" "$(s 2015-07-01 n_kontanthjaelp)"
assert_eq "exits by 2015-04-15 (event time)" "0" "$(s 2015-04-15 exits_total)"
assert_eq "active on 2015-04-15" "4" "$(s 2015-04-15 active)"
assert_eq "visited by 2015-01-31" "2" "$(s 2015-01-31 visited)"
assert_eq "duplicates recognised" "5" "$(q "SELECT sum(duplicates) FROM kafka_offset")"
# The series of many dates in one pass agrees with the status of each,
# including on the days of intakes, exits and corrections themselves.
check_series 2015-01-09 2015-01-10 2015-01-31 2015-02-01 2015-03-01 2015-03-15 \
        2015-04-15 2015-05-01 2015-06-01 2015-06-30 2015-07-01
# The other output formats carry the same figures.
assert_eq "JSON: visited of project 20" "4" \
        "$("$BIN/midway-status" -a 2015-07-01 -f json | python3 -c 'import json,sys; print([p for p in json.load(sys.stdin)["projects"] if p["project_id"] == 20][0]["visited"])')"
assert_eq "--project 20: one row" "2" "$("$BIN/midway-status" -a 2015-07-01 -f csv -p 20 | wc -l)"
assert_eq "--project by slug: the same row" "$("$BIN/midway-status" -a 2015-07-01 -f csv -p 20)" \
        "$("$BIN/midway-status" -a 2015-07-01 -f csv -p odder)"
if "$BIN/midway-status" -a 2015-07-01 -p atlantis >/dev/null 2>&1; then fail "--project atlantis accepted"; fi
"$BIN/midway-status" -a 2015-07-01 -p 20 | grep -q '^Odder  *adult  *4 ' || fail "table format lacks Odder's row"

# verify can fail: tamper with one citizen's stored state.
ref=$(q "SELECT citizen_ref FROM citizen WHERE exit_on IS NOT NULL LIMIT 1")
q "UPDATE citizen SET exit_reason = 'death' WHERE citizen_ref = '$ref'" >/dev/null
if out=$("$BIN/midway-admin" verify 2>/dev/null); then
        fail "verify did not notice a tampered row"
fi
assert_eq "verify names the tampered citizen" \
        "citizen project=20 citizen=$ref: recomputed, not stored|citizen project=20 citizen=$ref: stored, not recomputed" \
        "$(echo "$out" | sort | paste -sd'|')"
"$BIN/midway-admin" rebuild 2>/dev/null
verify_state
echo "[$TEST_NAME] corrections, retractions, late originals and duplicates: all as expected"
