#!/bin/bash
# docs.contract (issue 15, item 1): the tables of the wire contract in
# docs/schemas.md, between its "generated" markers, are exactly what
# midway-contract prints from the field table and the code lists, so the
# document cannot drift from the code that enforces it.
# usage: contract.sh MIDWAY-CONTRACT DOC
set -euo pipefail
prog=${1:?usage: contract.sh MIDWAY-CONTRACT DOC} doc=${2:?}
tmp=$(mktemp -d /tmp/midway-contract.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$prog" >"$tmp/code"
awk '/<!-- end of the generated part -->/ { on = 0 } on { print } /paste its output here -->/ { on = 1 }' \
        "$doc" >"$tmp/doc"
[ -s "$tmp/doc" ] || { echo "contract: no generated part in $doc" >&2; exit 1; }
if ! diff -u "$tmp/doc" "$tmp/code" >"$tmp/diff"; then
        head -40 "$tmp/diff" >&2
        echo "contract: $doc differs from what $(basename "$prog") prints; run it and paste its output between the markers" >&2
        exit 1
fi
echo "contract: $doc matches the code ($(grep -c '^| ' "$tmp/code") table rows)"
