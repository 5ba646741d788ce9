#!/bin/bash
# Issue 15 (2): a producer we did not write. tests/vendor/producer.py is
# written from docs/schemas.md alone, in Python with fastavro and
# confluent-kafka from PyPI (installed into a virtual environment in the
# build directory on first use). It publishes a project's registrations,
# corrections and retractions included, and computes the status it
# expects. Pass: `midway-admin check` says every message will be stored;
# the consumer stores them; verify holds; midway-status reports exactly
# the producer's own figures.
. "$(dirname "$0")/lib.sh"
venv=$MW_BUILD_DIR/vendor-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import fastavro, confluent_kafka' 2>/dev/null; then
        log "installing fastavro and confluent-kafka from PyPI into $venv"
        rm -rf "$venv"
        /usr/bin/python3 -m venv "$venv"
        "$venv/bin/pip" install -q fastavro==1.13.1 confluent-kafka==2.16.2 >"$WORK/pip.log" 2>&1 ||
                fail "pip install from PyPI: $(tail -3 "$WORK/pip.log")"
fi
setup_db_and_topics
AS_OF=2015-07-01
"$venv/bin/python" "$MW_SOURCE_DIR/tests/vendor/producer.py" "$MW_BROKERS" "$MW_REGISTRY_URL" \
        "$(topic_of odder)" 20 727 "$WORK/key" "$MW_SOURCE_DIR/schemas/registration.avsc" "$AS_OF" 60 \
        >"$WORK/expected.json" 2>"$WORK/vendor.log" || fail "the vendor's producer: $(tail -3 "$WORK/vendor.log")"
messages=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"])' "$WORK/expected.json")

rc=0
"$BIN/midway-admin" check >"$WORK/check" 2>"$WORK/check.log" || rc=$?
if [ "$rc" != 0 ]; then
        grep dead-letter "$WORK/check" | head -5 >&2
        fail "check: exit status $rc, $(grep -c dead-letter "$WORK/check") message(s) would be dead-lettered"
fi
assert_eq "check: messages that will be stored" "$messages" "$(grep -c ' store ' "$WORK/check")"

consume_to_end 2>"$WORK/consumer.log"
verify_state
assert_eq "dead letters" 0 "$(q "SELECT count(*) FROM dead_letter")"
"$BIN/midway-status" --as-of "$AS_OF" -p odder -f json >"$WORK/status.json"
python3 - "$WORK/expected.json" "$WORK/status.json" <<'EOF' || fail "midway's status differs from the vendor's own figures"
import json, sys
want = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))["projects"][0]
for f in ("visited", "active", "exits_total", "contacts_total"):
    print(f"[it_vendor] {f}: vendor {want[f]}, midway {got[f]}")
    assert want[f] == got[f], f
assert want["visited"] > 30 and want["exits_total"] > 3, want
EOF
log "ok: the vendor's $messages messages stored, the status is its own figures"
