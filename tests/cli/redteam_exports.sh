#!/bin/bash
# The red team's hostile exports (tests/redteam/exports/) through
# midway-producer --dry-run (no broker needed), one file at a time:
#   - the exit status: 0 all rows accepted, 3 rows rejected, 1 refused;
#   - the rows accepted (events on stdout) and rejected (reject file, and
#     the file's summary line) against tests/redteam/exports/EXPECTED;
#   - no CPR number of the inputs (rows or file names, in any spelling:
#     tests/redteam/cpr.py) in stdout, stderr or the reject file;
#   - no column midway does not know (a name) in the reject file;
#   - an export over the size limit (a sparse file, truncate(1)) is
#     refused before it is read: max RSS well below the limit.
# Prints: redteam exports: N files, sent S, rejected R, refused F
# Usage: redteam_exports.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: redteam_exports.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$src/tests/redteam/exports
oracle=$src/tests/redteam/cpr.py
producer=$build/midway-producer
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
        echo "redteam_exports: $*" >&2
        exit 1
}

(umask 077 && printf 'midway-redteam-key-0123456789abcdef' >"$work/key")
mkdir "$work/in"
cp "$corpus"/*.csv "$corpus"/*.jsonl "$work/in/"
truncate -s 300M "$work/in/too_big.csv"
python3 "$oracle" inputs "$corpus"/*.csv "$corpus"/*.jsonl >"$work/cprs"
[ -s "$work/cprs" ] || fail "the oracle finds no CPR number in the inputs"

files=0 sent=0 rejected=0 refused=0
while read -r name want_ok want_rej what; do
        case $name in '' | '#'*) continue ;; esac
        [ -e "$work/in/$name" ] || fail "$name: in EXPECTED but not in the corpus"
        files=$((files + 1))
        out=$work/$name.out err=$work/$name.err rej=$work/$name.rejects
        rc=0
        /usr/bin/time -f '%M' -o "$work/$name.rss" \
                "$producer" -p 5 -k "$work/key" --dry-run --rejects "$rej" \
                "$work/in/$name" >"$out" 2>"$err" || rc=$?
        rss_kb=$(tail -n 1 "$work/$name.rss")
        if [ "$what" = refused ]; then
                [ "$rc" = 1 ] || fail "$name: exit status $rc, want 1 (refused)"
                grep -q 'larger than the limit' "$err" ||
                        fail "$name: no 'larger than the limit' error: $(cat "$err")"
                [ "$rss_kb" -lt 65536 ] ||
                        fail "$name: max RSS $rss_kb KiB: read before refused"
                refused=$((refused + 1))
        else
                want_rc=0
                [ "$want_rej" = 0 ] || want_rc=3
                [ "$rc" = "$want_rc" ] ||
                        fail "$name: exit status $rc, want $want_rc: $(cat "$err")"
                got_ok=$(wc -l <"$out")
                got_rej=$(wc -l <"$rej")
                [ "$got_ok" = "$want_ok" ] ||
                        fail "$name: $got_ok rows accepted, want $want_ok"
                [ "$got_rej" = "$want_rej" ] ||
                        fail "$name: $got_rej rows rejected, want $want_rej"
                grep -q "rows $((want_ok + want_rej)), sent $want_ok, .*rejected $want_rej," "$err" ||
                        fail "$name: the summary line does not say sent $want_ok, rejected $want_rej"
                sent=$((sent + got_ok))
                rejected=$((rejected + got_rej))
        fi
        # what is not a column of the export stays out of the reject file
        if grep -E -q 'Jens|Hansen|Storegade' "$rej" 2>/dev/null; then
                fail "$name: the reject file holds an unknown column: $(cat "$rej")"
        fi
        python3 "$oracle" check "$work/cprs" "$out" "$err" $([ -e "$rej" ] && echo "$rej") ||
                fail "$name: a CPR number of the inputs got out (see above)"
done <"$corpus/EXPECTED"
[ "$files" -gt 0 ] || fail "EXPECTED lists no file"
echo "redteam exports: $files files, sent $sent, rejected $rejected, refused $refused"
