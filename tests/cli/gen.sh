#!/bin/bash
# midway-gen: the same seed gives the same bytes, another seed other bytes;
# it emits a million events for one project; every row it writes is
# accepted by the producer's validation (dry run, no Kafka).
set -euo pipefail
bin=${1:?usage: gen.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

a=$("$bin/midway-gen" -p 7 -n 2000 -s 9 | md5sum)
b=$("$bin/midway-gen" -p 7 -n 2000 -s 9 | md5sum)
c=$("$bin/midway-gen" -p 7 -n 2000 -s 10 | md5sum)
[ "$a" = "$b" ] || fail "same seed, different output"
[ "$a" != "$c" ] || fail "another seed, same output"
echo "ok: deterministic per seed"

n=$("$bin/midway-gen" -p 1 -n 170000 -s 3 | tail -n +2 | wc -l)
[ "$n" -ge 1000000 ] || fail "170000 citizens gave only $n events"
echo "ok: $n events for one project from 170000 citizens"

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/key" # 64 hex digits
chmod 600 "$work/key"
for p in 1 15 24 28 30; do
        "$bin/midway-gen" -p "$p" -n 500 -s 5 >"$work/e.csv"
        rows=$(tail -n +2 "$work/e.csv" | wc -l)
        out=$("$bin/midway-producer" -q -n -p "$p" -k "$work/key" "$work/e.csv" | wc -l) ||
                fail "project $p: the producer rejected generated rows"
        [ "$out" -eq "$rows" ] || fail "project $p: $out of $rows rows accepted"
done
echo "ok: every generated row of 5 projects passes validation"
