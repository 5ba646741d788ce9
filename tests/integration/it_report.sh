#!/bin/bash
# Issue 5: the published report. The seed-calibrated dataset (all 30
# projects, as in it_acceptance.sh) goes through producer, Kafka and
# consumer; midway-report runs as a login role in midway_evaluator (the
# status function only) and must
#  - write every file (HTML overview and 30 pages, Markdown, CSV) into
#    place atomically, replacing an earlier report, and refuse to replace
#    a directory that is not one;
#  - publish exactly the figures of `midway-status` (run as the superuser)
#    except the hidden ones, with every hidden count needed and no count
#    of 1-4 persons anywhere, and secondary suppression that holds: its own
#    verifier (log line) and an independent one (check_report.py);
#  - give byte-identical files on a second run;
#  - follow --threshold and --lang en;
#  - exit 2 on usage errors and 1, with nothing replaced, on failures.
. "$(dirname "$0")/lib.sh"

src=$MW_SOURCE_DIR
AS_OF=2015-07-01
PREV=2015-04-01
[ -x "$BIN/midway-report" ] || fail "midway-report is not built in $BIN"
setup_db_and_topics

# 1. The calibrated dataset through the pipeline.
load_seed
assert_eq "visited by $AS_OF (the report's 2,145)" "2145" "$(status_field $AS_OF Total visited)"
# For the data-quality page: a contact of a citizen without an intake
# (Odder; not in the status) and a message that cannot be decoded (a dead
# letter of Odder's topic, stage decode).
cat >"$WORK/early.csv" <<EOF
cpr;kommunekode;hændelse;dato;registreret;målgruppe;ydelse;køn;problemområder;kontaktform;sted;indsats_id;indsatstype;status;startdato;afgangsårsag;kilde_id
0102801234;727;kontakt;01-03-2015;02-03-2015 09:00;;;;;Personlig samtale;;;;;;;Q2
EOF
produce 20 "$WORK/early.csv" 2>>"$WORK/logs" || fail "midway-producer failed for the early contact"
printf 'not avro' | kcat -b "$MW_BROKERS" -P -t "$(topic_of odder)" -k garbage
consume_to_end 2>>"$WORK/logs"
assert_eq "visited unchanged by the contact without an intake" "2145" \
        "$(status_field $AS_OF Total visited)"

# 2. A login role in midway_evaluator: the report reads nothing else.
EVAL="it_rep_$RUN_ID"
q "CREATE ROLE $EVAL LOGIN IN ROLE midway_evaluator" >/dev/null
drop_role() {
        psql "$MW_PG_CONNINFO" -q -c "DROP ROLE IF EXISTS $EVAL" >/dev/null 2>&1 || true
}
at_exit drop_role
EVAL_CONNINFO="$MW_PG_CONNINFO user=$EVAL"
# the evaluator's assessment of Odder (docs/report.md, "Assessments")
printf 'project;as_of;item;level;text\nodder;%s;requirement_4;partly_met;%s\nodder;%s;focus_ahead;;"%s"\n' \
        "$AS_OF" "Not every citizen has been offered a mentor yet." "$AS_OF" "Anchoring; results" \
        >"$WORK/assess.csv"
"$BIN/midway-status" -d "$EVAL_CONNINFO" --assess "$WORK/assess.csv" 2>>"$WORK/logs" ||
        fail "the evaluator could not store its assessments"
psql "$EVAL_CONNINFO" -XAtc "SELECT count(*) FROM citizen" >/dev/null 2>&1 &&
        fail "$EVAL can read citizen-level rows"
report() { # OUT [OPTION...]
        local out=$1
        shift
        "$BIN/midway-report" -d "$EVAL_CONNINFO" --as-of $AS_OF --out "$out" "$@"
}

OUT=$WORK/report
report "$OUT" 2>"$WORK/report.log" || { cat "$WORK/report.log" >&2; fail "midway-report failed"; }
cat "$WORK/report.log"
# MW_REPORT_KEEP=DIR keeps a copy of the seed-calibrated report (to count
# its hidden cells: tests/redteam/hidden_cells.py).
[ -z "${MW_REPORT_KEEP:-}" ] || { rm -rf "$MW_REPORT_KEEP" && cp -r "$OUT" "$MW_REPORT_KEEP"; }
grep -q "verified: no hidden cell can be worked out" "$WORK/report.log" ||
        fail "no verifier line in the log"
[ "$(grep -c '' "$WORK/report.log")" -eq 5 ] || fail "expected 5 log lines (one per step)"
grep -q "appendices: .*verified: no hidden cell can be worked out" "$WORK/report.log" ||
        fail "no verifier line of the appendices in the log"
n_html=$(ls "$OUT"/*.html | wc -l)
assert_eq "HTML pages (overview + 30 projects + data quality + appendices)" "33" "$n_html"
assert_eq "Markdown files" "33" "$(ls "$OUT"/*.md | wc -l)"
for f in index.html status.md status.csv status-previous.csv series.csv SHA256SUMS \
        frederikshavn.html vallensbaek-ishoej.html broenderslev.md \
        datakvalitet.html datakvalitet.md data-quality.csv bilag.html bilag.md appendix.csv; do
        [ -s "$OUT/$f" ] || fail "missing $f"
done
(cd "$OUT" && sha256sum -c --quiet SHA256SUMS) || fail "SHA256SUMS does not match"
ls -d "$WORK"/report.tmp-* 2>/dev/null && fail "a temporary directory was left behind"
grep -q '<html lang="da">' "$OUT/index.html" || fail "not Danish by default"
grep -q 'Vallensbæk/Ishøj' "$OUT/index.html" || fail "project names with æøå"
grep -q '<svg' "$OUT/frederikshavn.html" || fail "no chart on a project page"
grep -qi '<script' "$OUT"/*.html && fail "JavaScript in the report"
grep -q '@page{size:A4' "$OUT/index.html" || fail "no A4 print CSS"
grep -qE '[0-9],[0-9] %' "$OUT/index.html" || fail "no Danish percentages (42,0 %)"
grep -q '2.145' "$OUT/index.html" || fail "no Danish thousands separator (2.145)"
grep -qE '20[0-9]{2}-[0-9]{2}-[0-9]{2}T' "$OUT"/*.html "$OUT"/*.md && fail "a timestamp in the report"
grep -q 'href="datakvalitet.html"' "$OUT/index.html" || fail "the overview does not link the data quality"
grep -q 'href="bilag.html"' "$OUT/index.html" || fail "the overview does not link the appendices"
for want in "Bilag 1. Nøgletal" "Bilag 2. Målgruppeprofil" "Ændring i målgruppen siden" "Bilag 3." \
        "Bilag 4. Mentorstøtte" "Bilag 5. Borgere uden indsats" "giver kilderne intet måltal"; do
        grep -qF "$want" "$OUT/bilag.html" || fail "bilag.html lacks: $want"
done
grep -qF "Indsatserne i projektet" "$OUT/odder.html" || fail "a project page lacks its interventions"
for want in "Evaluators vurdering" "Minimumskrav 4: koordinerende sagsbehandler og mentor" "Delvist opfyldt" \
        "Not every citizen has been offered a mentor yet." "Fremadrettede fokusområder" "Anchoring; results"; do
        grep -qF "$want" "$OUT/odder.html" || fail "Odder's page lacks its assessment: $want"
done
grep -qF "har ikke registreret en vurdering" "$OUT/frederikshavn.html" ||
        fail "a project without an assessment does not say so"
grep -qE 'project_status|project_series|data_quality' "$OUT"/*.html "$OUT"/*.md &&
        fail "a page names an SQL function"
echo "[$TEST_NAME] ok: 33 pages, Markdown and CSV written, checksums match, no script, no timestamp"

# 3. The figures against midway-status (exact, superuser), and the
#    independent check of the suppression.
status_csv $AS_OF >"$WORK/exact.csv"
status_csv $PREV >"$WORK/exact-prev.csv"
dates=$(tail -n +2 "$OUT/series.csv" | cut -d, -f1 | sort -u | paste -sd, -)
{
        echo "as_of,project_id,visited,active,exits_total,n_company_oriented"
        q "SELECT d, s.project_id, s.visited, s.active, s.exits_total, s.n_company_oriented
           FROM unnest(string_to_array('$dates', ',')::date[]) d,
                LATERAL status.project_status(d) s" | tr '|' ','
} >"$WORK/exact-series.csv"
"$BIN/midway-status" --quality --format json --as-of $AS_OF >"$WORK/exact-quality.json"
"$BIN/midway-status" --appendix all --previous $PREV --format json --as-of $AS_OF >"$WORK/exact-appendix.json"
python3 -c 'import json, sys
r = [p for p in json.load(open(sys.argv[1]))["projects"] if p["project_id"] == 20][0]
assert r["dead_letters"] == 1 and r["contacts_without_intake"] == 1, r' "$WORK/exact-quality.json" ||
        fail "the data-quality set-up: no dead letter or contact without an intake for Odder"
python3 "$src/tests/integration/check_report.py" --threshold 5 --exact "$WORK/exact.csv" \
        --exact-prev "$WORK/exact-prev.csv" --exact-series "$WORK/exact-series.csv" \
        --exact-quality "$WORK/exact-quality.json" --exact-appendix "$WORK/exact-appendix.json" "$OUT" |
        sed "s/^/[$TEST_NAME] /"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "check_report.py failed"

# The attacker (tests/redteam/attack.py, no code of the report): it reads
# only the published files and must pin no hidden count of 1-4.
python3 "$src/tests/redteam/attack.py" --threshold 5 "$OUT" >"$WORK/attack.out" ||
        { cat "$WORK/attack.out" >&2; fail "the attacker worked out a hidden count of 1-4"; }
echo "[$TEST_NAME] ok: $(tail -1 "$WORK/attack.out")"

# Reports published a month apart, read together: it_report_series.sh.

# Chart = table: every point drawn is a published value of the tables.
python3 "$src/tests/integration/chart_audit.py" "$OUT" | sed "s/^/[$TEST_NAME] /"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "a chart draws a value the tables do not publish"
# ... and it notices a chart that draws a hidden value: hide, in the table
# only, a value the chart of Aalborg (project 30) draws at the cut-off.
cp -r "$OUT" "$WORK/chart"
sed -i "s/^\($AS_OF,30,Aalborg,[0-9]*,\)[0-9]*,/\1x,/" "$WORK/chart/series.csv"
grep -q "^$AS_OF,30,Aalborg,[0-9]*,x," "$WORK/chart/series.csv" || fail "could not hide a value of series.csv"
if python3 "$src/tests/integration/chart_audit.py" "$WORK/chart" >"$WORK/chart.out"; then
        fail "chart_audit.py accepted a chart that draws a hidden value"
fi
echo "[$TEST_NAME] ok: chart_audit.py rejects a chart that draws a hidden value ($(cut -c1-60 "$WORK/chart.out")...)"

# The checker and the attacker catch a weakened suppression: publish the
# one hidden partner of a small count in a breakdown of a published margin
# (two parts hidden; the margin minus the published parts gives the other).
cp -r "$OUT" "$WORK/broken"
python3 - "$WORK/broken" "$WORK/exact.csv" <<'EOF2'
import csv, os, sys
d = sys.argv[1]
exact = {r["project_id"]: r for r in csv.DictReader(open(sys.argv[2]))}
path = os.path.join(d, "status.csv")
rows = list(csv.DictReader(open(path)))
groups = [("active", ["n_female", "n_male"]),
          ("active", ["n_age_18_24", "n_age_25_29", "n_age_30_39", "n_age_40_49", "n_age_50_plus"]),
          ("active", ["n_ressourceforloeb", "n_kontanthjaelp", "n_uddannelseshjaelp", "n_other_benefit",
                      "n_benefit_not_stated"]),
          ("active", ["n_one_problem_area", "n_multiple_problem_areas", "n_problem_area_not_stated"])]
def victim():
    for r in rows:
        e = exact.get(r["project_id"])
        for margin, parts in groups:
            hid = [c for c in parts if r[c] == "x"]
            if e and r[margin] != "x" and len(hid) == 2 and sum(int(e[c]) for c in parts) == int(e[margin]):
                small = [c for c in hid if 1 <= int(e[c]) <= 4]
                big = [c for c in hid if c not in small]
                if len(small) == 1 and big:
                    return r, big[0], e
    sys.exit("no breakdown with one small and one partner hidden")
r, col, e = victim()
r[col] = e[col]
print("published %s of project %s" % (col, r["project_id"]))
w = csv.DictWriter(open(path, "w", newline=""), fieldnames=list(rows[0]), lineterminator="\n")
w.writeheader()
w.writerows(rows)
EOF2
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "could not weaken the report"
if python3 "$src/tests/integration/check_report.py" --threshold 5 --exact "$WORK/exact.csv" \
        --exact-prev "$WORK/exact-prev.csv" --exact-series "$WORK/exact-series.csv" \
        "$WORK/broken" >"$WORK/broken.out"; then
        fail "check_report.py accepted a report with a secondary cell published"
fi
echo "[$TEST_NAME] ok: check_report.py rejects a report with one hidden figure published ($(tail -1 "$WORK/broken.out"))"
if python3 "$src/tests/redteam/attack.py" --threshold 5 "$WORK/broken" >"$WORK/broken-attack.out"; then
        fail "the attacker found nothing in a report with a secondary cell published"
fi
echo "[$TEST_NAME] ok: the attacker breaks the weakened report ($(grep -m1 -E '^pinned: .* = [1-4]$' "$WORK/broken-attack.out"))"

# ... and a report whose data quality differs from midway-status: Odder's
# dead letter moved from decode to schema.
cp -r "$OUT" "$WORK/broken-q"
sed -i '/^[^,]*,20,/s/,1,1,0,0,0,0,0$/,1,0,1,0,0,0,0/' "$WORK/broken-q/data-quality.csv"
cmp -s "$OUT/data-quality.csv" "$WORK/broken-q/data-quality.csv" &&
        fail "the data-quality test edit changed nothing: $(grep ',20,' "$OUT/data-quality.csv")"
if python3 "$src/tests/integration/check_report.py" --threshold 5 --exact "$WORK/exact.csv" \
        --exact-quality "$WORK/exact-quality.json" "$WORK/broken-q" >"$WORK/broken-q.out"; then
        fail "check_report.py accepted a data-quality figure that differs from midway-status"
fi
echo "[$TEST_NAME] ok: check_report.py rejects a data-quality figure that differs ($(tail -1 "$WORK/broken-q.out"))"

# ... and a report whose appendix differs from midway-status: Odder's
# average time in the project one tenth of a month more.
cp -r "$OUT" "$WORK/broken-a"
python3 - "$WORK/broken-a/appendix.csv" <<'EOF2' || fail "could not change Odder's months in appendix.csv"
import sys
from decimal import Decimal
p = sys.argv[1]
lines = open(p, encoding="utf-8").read().split("\n")
for i, l in enumerate(lines):
    f = l.split(",")
    if len(f) > 7 and f[1] == "20" and f[4] == "months_in_project":
        f[7] = str(Decimal(f[7]) + Decimal("0.1"))
        lines[i] = ",".join(f)
        break
else:
    sys.exit("no row")
open(p, "w", encoding="utf-8").write("\n".join(lines))
EOF2
if python3 "$src/tests/integration/check_report.py" --threshold 5 --exact "$WORK/exact.csv" \
        --exact-prev "$WORK/exact-prev.csv" --exact-series "$WORK/exact-series.csv" \
        --exact-appendix "$WORK/exact-appendix.json" "$WORK/broken-a" >"$WORK/broken-a.out"; then
        fail "check_report.py accepted an appendix figure that differs from midway-status"
fi
grep -q "appendix.csv ('20', 'months_in_project') value" "$WORK/broken-a.out" ||
        fail "check_report.py failed on the changed appendix for another reason: $(tail -1 "$WORK/broken-a.out")"
echo "[$TEST_NAME] ok: check_report.py rejects an appendix figure that differs ($(tail -1 "$WORK/broken-a.out"))"
# ... and an appendix with a secondary cell published: of a breakdown of
# the problem areas with a published base and two parts hidden, one is
# published with its exact value (the other is then base minus the rest).
cp -r "$OUT" "$WORK/broken-s"
python3 - "$WORK/broken-s/appendix.csv" "$WORK/exact-appendix.json" <<'EOF2' || fail "could not publish a secondary cell of appendix.csv"
import csv, json, sys
path, exact = sys.argv[1], json.load(open(sys.argv[2]))["projects"]
ex = {(str(r["project_id"] or ""), r["measure"]): r for r in exact}
rows = list(csv.DictReader(open(path, encoding="utf-8")))
pub = {(r["project_id"], r["measure"]): r for r in rows if r["as_of"] == rows[0]["as_of"]}
for (pid, m), r in pub.items():
    if m != "problem.one" or r["n"] == "x":
        continue
    parts = [pub[(pid, "one." + a)] for a in ("psychological", "physical", "social")]
    hid = [p for p in parts if p["n"] == "x"]
    if len(hid) == 2 and any(ex[(pid, p["measure"])]["n"] >= 5 for p in hid):
        big = max(hid, key=lambda p: ex[(pid, p["measure"])]["n"])
        big["n"] = str(ex[(pid, big["measure"])]["n"])
        print("published %s of project %s" % (big["measure"], pid))
        break
else:
    sys.exit("no breakdown with two parts hidden")
w = csv.DictWriter(open(path, "w", newline="", encoding="utf-8"), fieldnames=list(rows[0]),
                   lineterminator="\n")
w.writeheader()
w.writerows(rows)
EOF2
if python3 "$src/tests/integration/check_report.py" --threshold 5 --exact "$WORK/exact.csv" \
        --exact-prev "$WORK/exact-prev.csv" --exact-series "$WORK/exact-series.csv" \
        --exact-appendix "$WORK/exact-appendix.json" "$WORK/broken-s" >"$WORK/broken-s.out"; then
        fail "check_report.py accepted an appendix with a secondary cell published"
fi
grep -q "a hidden count can be worked out" "$WORK/broken-s.out" ||
        fail "check_report.py failed on the weakened appendix for another reason: $(tail -1 "$WORK/broken-s.out")"
echo "[$TEST_NAME] ok: check_report.py rejects an appendix with a secondary cell published ($(tail -1 "$WORK/broken-s.out"))"

# 4. Deterministic: a second run into a fresh directory, and over the
#    existing one (replaced as a whole), give the same bytes.
report "$WORK/again" 2>/dev/null || fail "second run failed"
diff -r "$OUT" "$WORK/again" >/dev/null || fail "a second run differs: $(diff -rq "$OUT" "$WORK/again" | head -3)"
touch "$OUT/stale.html"
report "$OUT" 2>/dev/null || fail "replacing the report failed"
[ -e "$OUT/stale.html" ] && fail "the old report was not replaced as a whole"
diff -r "$OUT" "$WORK/again" >/dev/null || fail "the replaced report differs"
echo "[$TEST_NAME] ok: byte-identical on a second run and when replacing the earlier report"

# 5. Options: threshold, language, usage errors, failures replace nothing.
report "$WORK/t3" --threshold 3 2>"$WORK/t3.log" || fail "--threshold 3 failed"
python3 "$src/tests/integration/check_report.py" --threshold 3 --exact "$WORK/exact.csv" \
        --exact-prev "$WORK/exact-prev.csv" --exact-series "$WORK/exact-series.csv" \
        --exact-quality "$WORK/exact-quality.json" --exact-appendix "$WORK/exact-appendix.json" \
        "$WORK/t3" >"$WORK/t3.out" || { cat "$WORK/t3.out" >&2; fail "check_report.py --threshold 3"; }
p5=$(grep -m1 'disclosure control:' "$WORK/report.log" | grep -o '[0-9]* primary' | cut -d' ' -f1)
p3=$(grep -m1 'disclosure control:' "$WORK/t3.log" | grep -o '[0-9]* primary' | cut -d' ' -f1)
[ "$p3" -lt "$p5" ] || fail "threshold 3 hides $p3 small counts, threshold 5 $p5"
grep -q "Antal på 1 til 2 personer" "$WORK/t3/index.html" || fail "the legend does not follow --threshold"
grep -qE ',(3|4),' "$WORK/t3/status.csv" || fail "threshold 3 publishes no 3 or 4"
echo "[$TEST_NAME] ok: --threshold 3 hides fewer small counts ($p3 < $p5), publishes 3s and 4s, passes the same checks"
report "$WORK/en" --lang en 2>/dev/null || fail "--lang en failed"
grep -q '<html lang="en">' "$WORK/en/index.html" || fail "--lang en: not English"
grep -q 'Citizens visited' "$WORK/en/index.html" || fail "--lang en: labels"
grep -q '2,145' "$WORK/en/index.html" || fail "--lang en: number format"
cmp -s "$OUT/status.csv" "$WORK/en/status.csv" || fail "status.csv depends on the language"
echo "[$TEST_NAME] ok: --lang en (labels, 2,145), the CSV the same in both languages"
set +e
"$BIN/midway-report" --as-of $AS_OF 2>/dev/null
rc_usage=$?
"$BIN/midway-report" --as-of 2015-13-01 --out "$WORK/x" 2>/dev/null
rc_date=$?
mkdir "$WORK/notreport" && echo keep >"$WORK/notreport/file"
report "$WORK/notreport" 2>"$WORK/notreport.log"
rc_refuse=$?
"$BIN/midway-report" -d "$MW_PG_CONNINFO user=nobody_$RUN_ID" --as-of $AS_OF --out "$OUT" 2>"$WORK/fail.log"
rc_fail=$?
set -e
assert_eq "exit status without --out (usage)" "2" "$rc_usage"
assert_eq "exit status with a bad date (usage)" "2" "$rc_date"
assert_eq "exit status replacing a directory that is no report" "1" "$rc_refuse"
[ -s "$WORK/notreport/file" ] || fail "a directory that is no report was touched"
assert_eq "exit status when the database refuses" "1" "$rc_fail"
diff -r "$OUT" "$WORK/again" >/dev/null || fail "a failed run changed the published report"
grep -q "ERROR" "$WORK/fail.log" || fail "no ERROR line on failure"
echo "[$TEST_NAME] ok: exit 2 on usage errors, 1 on failures, the published report untouched"
