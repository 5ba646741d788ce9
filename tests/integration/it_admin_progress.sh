#!/bin/bash
# Issue 14, item 4: a long `midway-admin verify` or `rebuild` shows it is alive,
# one log line every 5 s ("verify: running for 5 s"), and still ends as before.
# The comparison is made slow in this test's own database: verify_difference
# waits 6 s (pg_sleep) before its rows.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics
f=$(gen 3 20 1)
produce 3 "$f"
consume_to_end 2>>"$WORK/logs"
q "ALTER VIEW verify_difference RENAME TO verify_difference_fast" >/dev/null
q "CREATE VIEW verify_difference AS SELECT v.* FROM verify_difference_fast v, (SELECT pg_sleep(6)) s" >/dev/null
"$BIN/midway-admin" verify 2>"$WORK/verify.log" || { cat "$WORK/verify.log" >&2; fail "verify failed"; }
grep -q "verify: running for 5 s" "$WORK/verify.log" || { cat "$WORK/verify.log" >&2; fail "no progress line during a 6 s verify"; }
grep -q "verify: state of .* citizens equals" "$WORK/verify.log" || fail "verify did not end with its result"
echo "[$TEST_NAME] ok: $(grep -c 'running for' "$WORK/verify.log") progress line(s) during a 6 s verify, then: $(grep -o 'verify: state.*' "$WORK/verify.log")"
