#!/bin/bash
# The shared command line (lib/core/cli.c) as midway-producer and
# midway-report use it, without the stack: --help lists every option and
# exits 0, --version, usage errors exit 2 with "PROG: why (see --help)",
# a -c file that cannot be read is named.
set -euo pipefail
bin=${1:?usage: programs.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect STATUS STDERR_LINE PROG ARG...: the exit status and the one line
# of standard error
expect() {
        local want=$1 line=$2 rc=0
        shift 2
        "$@" >"$work/out" 2>"$work/err" || rc=$?
        [ "$rc" -eq "$want" ] || fail "$*: exit $rc, not $want ($(cat "$work/err"))"
        [ "$(cat "$work/err")" = "$line" ] || fail "$*: stderr '$(cat "$work/err")', not '$line'"
}

for prog in midway-producer midway-report; do
        p=$bin/$prog
        expect 0 "" "$p" --help
        grep -q "^Usage: $prog " "$work/out" || fail "$prog --help: no usage line"
        grep -q "^Exit status: 0 " "$work/out" || fail "$prog --help: no exit statuses"
        for opt in -c -o -v -q -V -h; do
                grep -qE "^  ${opt}[ ,]" "$work/out" || fail "$prog --help does not list $opt"
        done
        expect 0 "" "$p" -h
        expect 0 "" "$p" --version
        grep -qE "^$prog [0-9]+\.[0-9]+\.[0-9]+" "$work/out" || fail "$prog --version: $(cat "$work/out")"
        expect 2 "$prog: unknown option '--nope' (see --help)" "$p" --nope
        expect 2 "$prog: cannot read configuration file /nonexistent/x.conf: No such file or directory (see --help)" \
                "$p" -c /nonexistent/x.conf
done
echo "ok: --help, --version, unknown options and -c FILE of both programs"

p=$bin/midway-producer
for opt in -p -k -R -n -s -w --poll-ms --force -b -r -X; do
        grep -qE -- "^  +${opt}[ ,]" <("$p" --help) || fail "midway-producer --help does not list $opt"
done
req="midway-producer: -p PROJECT, -k KEYFILE and either FILEs or --watch DIR are required (see --help)"
expect 2 "$req" "$p" -p 3 -k "$work/key"
expect 2 "$req" "$p" -k "$work/key" x.csv
expect 2 "midway-producer: unknown project 'nowhere': a project id (1-30) or slug, e.g. 20 or odder (see --help)" \
        "$p" -p nowhere -k "$work/key" x.csv
expect 2 "midway-producer: --poll-ms: 10 to 3600000 (see --help)" \
        "$p" -p 3 -k "$work/key" --watch "$work" --poll-ms 5
expect 2 "midway-producer: --watch writes its own reject files and cannot be a dry run (see --help)" \
        "$p" -p odder -k "$work/key" --watch "$work" -n
expect 2 "midway-producer: metrics address 'localhost:9464': expected PORT, IPV4ADDRESS:PORT or [IPV6ADDRESS]:PORT (numeric) (see --help)" \
        "$p" -p odder -k "$work/key" --watch "$work" --metrics localhost:9464
expect 2 "midway-consumer: metrics address '0.0.0.0:99999': expected PORT, IPV4ADDRESS:PORT or [IPV6ADDRESS]:PORT (numeric) (see --help)" \
        "$bin/midway-consumer" --metrics 0.0.0.0:99999
# -d and -g are the consumer's and the readers', not the producer's
expect 2 "midway-producer: unknown option '-d' (see --help)" "$p" -d x -p 3 -k k f
echo "ok: midway-producer's usage errors"

p=$bin/midway-report
for opt in -a -O -l -t -P -j -d; do
        grep -qE -- "^  ${opt}[ ,]" <("$p" --help) || fail "midway-report --help does not list $opt"
done
expect 2 "midway-report: --out DIR is required (see --help)" "$p" --as-of 2015-07-01
expect 2 "midway-report: --lang: da or en (see --help)" "$p" -O "$work/r" -l fr
expect 2 "midway-report: --jobs: 1..2 (see --help)" "$p" -O "$work/r" -j 3
expect 2 "midway-report: --previous must be before --as-of (see --help)" \
        "$p" -O "$work/r" -a 2015-07-01 -P 2015-07-01
expect 2 "midway-report: unexpected argument 'extra' (see --help)" "$p" -O "$work/r" extra
[ ! -e "$work/r" ] || fail "a usage error wrote $work/r"
echo "ok: midway-report's usage errors"
