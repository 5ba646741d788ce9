#!/bin/bash
# Issue 5 (item 5): the report in a real browser. Headless Chromium
# (Debian's chromium, installed by scripts/install-deps) renders the
# overview and one project page of the report of the seed-calibrated
# dataset: screenshots at A4 proportions (1240 x 1754) and PDFs, kept in
# $MW_BUILD_DIR/artifacts/report/ (paths printed), the DOM after loading
# holds the tables and the SVG charts, the console stays silent, a project
# page prints on three A4 pages, and nothing outside the report is loaded.
# Issue 13: every printed page but the last is filled (pdftoppm), the
# English profile chart has room for its longest label, the line chart's
# y axis has a title; the data-quality page renders too, and the
# appendices (bilag.html, Danish and English) and the project page's
# interventions (Danish and English).
. "$(dirname "$0")/lib.sh"

command -v chromium >/dev/null || fail "chromium is not installed (scripts/install-deps)"
command -v pdftoppm >/dev/null || fail "pdftoppm is not installed (poppler-utils, scripts/install-deps)"
src=$MW_SOURCE_DIR
ART=$MW_BUILD_DIR/artifacts/report
mkdir -p "$ART/en"
rm -f "$ART"/*.png "$ART"/*.pdf "$ART"/*.dom.html "$ART"/en/*

setup_db_and_topics
for p in $(seq 1 30); do
        f=$WORK/export-$p.csv
        "$BIN/midway-gen" -p "$p" --calibration "$src/reference/calibration.csv" -s 2015 >"$f"
        produce "$p" "$f" 2>>"$WORK/logs" || fail "midway-producer failed for project $p"
done
consume_to_end 2>>"$WORK/logs"
OUT=$WORK/report
"$BIN/midway-report" --as-of 2015-07-01 --out "$OUT" 2>>"$WORK/logs" || fail "midway-report failed"
"$BIN/midway-report" --as-of 2015-07-01 --out "$OUT/en" --lang en 2>>"$WORK/logs" ||
        fail "midway-report --lang en failed"

# chromium PAGE MODE OUT: a fresh profile each time, nothing from the net
chromium_run() {
        local page=$1 mode=$2 out=$3 profile
        profile=$(mktemp -d "$WORK/profile.XXXXXX")
        local args=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --hide-scrollbars
                --disable-background-networking --disable-component-update --disable-sync
                --user-data-dir="$profile" --enable-logging=stderr --v=0)
        case $mode in
        png) timeout 120 chromium "${args[@]}" --screenshot="$out" --window-size=1240,1754 \
                "file://$page" >/dev/null 2>"$out.log" ;;
        pdf) timeout 120 chromium "${args[@]}" --no-pdf-header-footer --print-to-pdf="$out" \
                "file://$page" >/dev/null 2>"$out.log" ;;
        dom) timeout 120 chromium "${args[@]}" --dump-dom "file://$page" >"$out" 2>"$out.log" ;;
        esac
}
console_errors() { # LOG: console messages and uncaught errors of the page
        grep -E 'CONSOLE|Uncaught' "$1" || true
}

# The console check works: a page with a script error is noticed.
cat >"$WORK/bad.html" <<'EOF'
<!DOCTYPE html><html><body><script>console.error("boom"); no_such_function();</script></body></html>
EOF
chromium_run "$WORK/bad.html" dom "$WORK/bad.dom"
[ -n "$(console_errors "$WORK/bad.dom.log")" ] || fail "the console check does not see a script error"
echo "[$TEST_NAME] ok: the console check sees a script error on a broken page"

png_size() { # PNG -> "width height"
        python3 -c 'import struct, sys
d = open(sys.argv[1], "rb").read(24)
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
print(*struct.unpack(">II", d[16:24]))' "$1"
}
# How far down each printed page its content reaches (0..1), one line per
# page: pdftoppm renders it in grey (PGM), the last row with ink counts.
pdf_fill() { # PDF PREFIX
        pdftoppm -r 20 -gray "$1" "$2"
        python3 -c 'import sys
for path in sys.argv[1:]:
    d = open(path, "rb").read()
    magic, w, h, _, px = d.split(maxsplit=4)
    assert magic == b"P5", path
    w, h = int(w), int(h)
    last = max((y for y in range(h) if min(px[y * w:(y + 1) * w]) < 200), default=0)
    print("%.2f" % (last / h))' $(ls "$2"-*.pgm | sort -V)
}
pdf_pages() {
        python3 -c 'import re, sys
print(max(int(n) for n in re.findall(rb"/Count (\d+)", open(sys.argv[1], "rb").read())))' "$1"
}

for page in index frederikshavn datakvalitet bilag en/index en/bilag en/frederikshavn; do
        html=$OUT/$page.html
        chromium_run "$html" png "$ART/$page.png"
        chromium_run "$html" pdf "$ART/$page.pdf"
        chromium_run "$html" dom "$ART/$page.dom.html"
        [ -s "$ART/$page.png" ] || fail "$page: no screenshot"
        assert_eq "$page: screenshot size" "1240 1754" "$(png_size "$ART/$page.png")"
        [ "$(stat -c %s "$ART/$page.png")" -gt 50000 ] || fail "$page: the screenshot looks empty"
        for log in "$ART/$page.png.log" "$ART/$page.pdf.log" "$ART/$page.dom.html.log"; do
                errs=$(console_errors "$log")
                [ -z "$errs" ] || fail "$page: console output: $errs"
        done
        dom=$ART/$page.dom.html
        n_tables=$(grep -o '<table' "$dom" | wc -l)
        n_svg=$({ grep -o '<svg' "$dom" || true; } | wc -l) # none on the data quality
        if [ "$page" = datakvalitet ]; then
                [ "$n_tables" -ge 2 ] || fail "$page: $n_tables tables in the DOM"
                grep -q 'Registreringer' "$dom" || fail "$page: labels missing"
        elif [ "${page#*/}" = bilag ]; then
                [ "$n_tables" -eq 8 ] || fail "$page: $n_tables tables in the DOM (Bilag 1, three of 2, Fig. 3, 3, 4, 5)"
                grep -qE 'Bilag 5. Borgere uden indsats|Appendix 5. Citizens without' "$dom" || fail "$page: labels missing"
        else
                [ "$n_tables" -ge 5 ] || fail "$page: $n_tables tables in the DOM"
                [ "$n_svg" -ge 2 ] || fail "$page: $n_svg SVG charts in the DOM"
                grep -q '<circle[^>]*data-n=' "$dom" || fail "$page: the line chart has no points"
                grep -q '<rect' "$dom" || fail "$page: the bar chart has no bars"
                grep -q 'class="ytitle"' "$dom" || fail "$page: the y axis has no title"
                grep -qE 'Visiterede borgere|Citizens visited' "$dom" || fail "$page: labels missing"
        fi
        # every printed page but the last is filled at least 60 % down
        fill=$(pdf_fill "$ART/$page.pdf" "$WORK/fill-${page//\//-}")
        # (no `echo | head -n 0 |` pipeline: with pipefail, head leaving
        # before echo has written is a SIGPIPE, which once failed this test
        # under load on a one-page PDF)
        n=$(wc -l <<<"$fill")
        awk -v p="$page" -v last="$n" 'NR < last && $1 < 0.6 {
                print "page " NR " of " p " is filled only " $1 " down"; bad = 1 } END { exit bad }' \
                <<<"$fill" || fail "$page: a printed page is mostly blank"
        # nothing is loaded from elsewhere: no src, links only to the report
        grep -qE '<(img|script|iframe|link)[ >]' "$html" && fail "$page: loads a resource"
        for target in $(grep -o 'href="[^"#]*"' "$html" | cut -d'"' -f2 | sort -u); do
                [ -e "$(dirname "$html")/$target" ] || fail "$page: broken link $target"
        done
        echo "[$TEST_NAME] ok: $page: $n_tables tables, $n_svg SVG charts, silent console, links resolve"
        echo "[$TEST_NAME] screenshot: $ART/$page.png"
        echo "[$TEST_NAME] pdf: $ART/$page.pdf ($(pdf_pages "$ART/$page.pdf") A4 pages, filled" $fill")"
done
assert_eq "project page printed on A4 (three pages: the third the interventions and appendices)" "3" \
        "$(pdf_pages "$ART/frederikshavn.pdf")"
grep -qE 'Indsatserne i projektet' "$ART/frederikshavn.dom.html" || fail "the project page lacks its interventions"
grep -qE 'The interventions in the project' "$ART/en/frederikshavn.dom.html" || fail "en: the project page lacks its interventions"
[ "$(pdf_pages "$ART/index.pdf")" -le 4 ] || fail "the overview prints on more than 4 pages"
grep -q '/MediaBox \[0 0 59[45]' "$ART/frederikshavn.pdf" || fail "the PDF is not A4 (595 x 842 pt)"
# The English profile chart: its longest label, right-aligned at the
# label column's edge, starts right of the chart's left edge (about 7 px
# a character at 12 px).
python3 - "$OUT/en/index.html" <<'EOF' || fail "the English profile chart clips a label"
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
svg = re.search(r'<svg class="chart bars".*?</svg>', page, re.S).group(0)
labels = re.findall(r'<text x="(\d+)" y="\d+" text-anchor="end"[^>]*>([^<]+)</text>', svg)
assert any(t == "More than one main problem area" for _, t in labels), labels
for x, t in labels:
    assert int(x) - 7 * len(t) >= 0, (x, t)
print("ok: the English profile labels fit (%d labels)" % len(labels))
EOF
echo "[$TEST_NAME] ok: a project page prints on three A4 pages, the overview on $(pdf_pages "$ART/index.pdf")"
