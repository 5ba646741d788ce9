#!/bin/bash
# Issue 11: the red-team corpus of hostile messages (tests/redteam/hostile_messages.py)
# on a live topic, between good events, with the consumer SIGKILLed while it works
# through them. Pass criterion:
#   - every good event is stored once, every hostile message is dead-lettered once,
#     at the stage the corpus names (decode, schema, privacy, validate, bind, store);
#   - a poison message that PostgreSQL refuses (stage store) costs one dead letter,
#     no stall: no batch is rolled back for it, and the time from the poison to the
#     commit of its batch is printed;
#   - the dead-letter topic holds exactly one record per source offset, also when the
#     consumer died between storing dead letters and publishing them (both cases:
#     published but not marked, stored but never produced);
#   - no CPR number of the corpus, in any spelling, is in a log, a table or the
#     dead-letter topic (only in the source topic, where the attacker wrote it);
#   - verify holds, and sum(kafka_offset.messages) = messages sent.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics
topic=$(topic_of frederikshavn)
dlq="$MW_TOPIC_PREFIX.deadletter"
mkdir "$WORK/msgs" "$WORK/logs"

# A rule of the database that validation does not know: a value PostgreSQL refuses.
q "ALTER TABLE event ADD CONSTRAINT redteam_poison CHECK (payload->>'intervention_ref' IS DISTINCT FROM 'REDTEAM-POISON')"

/usr/bin/python3 "$MW_SOURCE_DIR/tests/redteam/hostile_messages.py" "$MW_REGISTRY_URL" "$topic" \
        "$MW_SOURCE_DIR/schemas/registration.avsc" "$WORK/msgs" >"$WORK/expect"
sent=$(wc -l <"$WORK/expect")
good=$(grep -c ' stored ' "$WORK/expect")
bad=$((sent - good))
# Other sites' registrations flow at the same time.
f1=$(gen 1 40 1)
f2=$(gen 20 40 2)
other=$(($(tail -n +2 "$f1" | wc -l) + $(tail -n +2 "$f2" | wc -l)))
produce 1 "$f1"
produce 20 "$f2"
# Message i goes to partition i % 3, so it is at offset i / 3 there.
while read -r no expect name; do
        i=$((10#$no))
        k=()
        [ -f "$WORK/msgs/$no.key" ] && k=(-k "$(cat "$WORK/msgs/$no.key")")
        kcat -b "$MW_BROKERS" -P -t "$topic" -p $((i % 3)) "${k[@]}" "$WORK/msgs/$no.msg"
        echo "$((i % 3))|$((i / 3))|$expect|$name"
done <"$WORK/expect" | sort >"$WORK/expect.offsets"
log "sent $sent messages to $topic ($good good, $bad hostile) and $other rows of two other sites"

# Kill the consumer a few times while it works through the corpus (small batches,
# so that kills land between and inside many transactions), each time after it was
# seen to apply more.
applied() { q "SELECT coalesce(sum(messages), 0) FROM kafka_offset"; }
# Static membership: a restarted consumer takes its partitions back at once
# instead of waiting for the killed one's session to expire.
GROUP=(-X group.instance.id=redteam -X session.timeout.ms=6000 -X heartbeat.interval.ms=500)
total=$((sent + other))
kills=0
for round in 1 2 3 4; do
        before=$(applied)
        [ "$before" -lt "$total" ] || break
        "$BIN/midway-consumer" -v -o batch.rows=$((3 + round)) "${GROUP[@]}" 2>"$WORK/logs/kill$round.log" &
        CONSUMER_PID=$!
        for _ in $(seq 600); do
                [ "$(applied)" -gt "$before" ] && break
                kill -0 "$CONSUMER_PID" 2>/dev/null || break
                sleep 0.05
        done
        kill -9 "$CONSUMER_PID" 2>/dev/null && kills=$((kills + 1))
        wait "$CONSUMER_PID" 2>/dev/null || true
        CONSUMER_PID=
        log "kill $round: applied $before -> $(applied) of $total messages"
done
consume_to_end -v "${GROUP[@]}" 2>"$WORK/logs/final.log" || { tail -20 "$WORK/logs/final.log" >&2; fail "consumer failed"; }

verify_state
assert_eq "messages applied (sum of kafka_offset.messages)" "$total" "$(applied)"
assert_eq "events stored: the corpus's good ones and the other sites' rows" "$((good + other))" \
        "$(q "SELECT count(*) FROM event")"
q "SELECT kafka_partition || '|' || kafka_offset || '|' || stage FROM dead_letter WHERE kafka_topic = '$topic'" |
        sort >"$WORK/dead.actual"
grep -v '|stored|' "$WORK/expect.offsets" | cut -d'|' -f1-3 | sort >"$WORK/dead.expected"
if ! diff "$WORK/dead.expected" "$WORK/dead.actual" >"$WORK/dead.diff"; then
        paste -d' ' <(grep -v '|stored|' "$WORK/expect.offsets") /dev/null >&2
        cat "$WORK/dead.diff" >&2
        fail "dead letters differ from the corpus (expected < > actual)"
fi
assert_eq "dead letters, each at its stage" "$bad" "$(wc -l <"$WORK/dead.actual")"
assert_eq "dead letters not yet published" "0" "$(q "SELECT count(*) FROM dead_letter WHERE published_at IS NULL")"

# Exactly one record per source offset on the dead-letter topic.
dlq_sources() {
        kcat -b "$MW_BROKERS" -C -t "$dlq" -e -q -f '%h\n' |
                sed -n 's/.*mw.source.topic=\([^,]*\),mw.source.partition=\([0-9]*\),mw.source.offset=\([0-9]*\).*/\1|\2|\3/p'
}
dlq_sources >"$WORK/dlq.sources"
assert_eq "records on $dlq" "$bad" "$(wc -l <"$WORK/dlq.sources")"
assert_eq "distinct source offsets on $dlq" "$bad" "$(sort -u "$WORK/dlq.sources" | wc -l)"
withheld=$(kcat -b "$MW_BROKERS" -C -t "$dlq" -e -q -f '%h %S\n' | grep -c 'mw.error.stage=privacy.*mw.payload=withheld.* -1$' || true)
assert_eq "privacy dead letters published without their value" "$(grep -c '|privacy$' "$WORK/dead.expected")" "$withheld"

# No value of a message forges a log line (producer_id "host\nFAKE LOG LINE").
assert_eq "log lines forged by a hostile value" "0" "$(cat "$WORK"/logs/*.log | grep -c '^FAKE' || true)"

# No stall: the poison's batch was isolated once and committed; no batch was rolled back.
rolled=$(cat "$WORK"/logs/*.log | grep -c 'not applied' || true)
assert_eq "batches rolled back (kills aside)" "0" "$rolled"
iso=$(grep -h 'isolating the message' "$WORK"/logs/*.log | tail -n 1)
[ -n "$iso" ] || fail "no batch was isolated: the store poison did not reach PostgreSQL"
log "isolated: ${iso#* WARN }"
python3 - "$WORK/logs" <<'PY'
import datetime, glob, sys
# From the isolation of the poison's batch to that batch's commit (the next
# "batch committed" line of the same consumer run).
for path in sorted(glob.glob(sys.argv[1] + "/*.log")):
    lines = open(path, errors="replace").read().splitlines()
    for i, line in enumerate(lines):
        if "isolating the message" in line:
            t0 = datetime.datetime.fromisoformat(line.split()[0].replace("Z", "+00:00"))
            for later in lines[i + 1:]:
                if "batch committed" in later:
                    t1 = datetime.datetime.fromisoformat(later.split()[0].replace("Z", "+00:00"))
                    print(f"[it_redteam] poison to the commit of its batch: {(t1 - t0).total_seconds() * 1000:.0f} ms ({path.rsplit('/', 1)[1]})")
                    break
            else:
                sys.exit(f"{path}: the isolated batch was never committed")
PY

# Recovery 1: published but not marked (a crash after Kafka's acknowledgement):
# found on the topic by its source headers, marked, not produced again.
q "UPDATE dead_letter SET published_at = NULL WHERE stage IN ('decode', 'schema')" >/dev/null
unmarked=$(q "SELECT count(*) FROM dead_letter WHERE published_at IS NULL")
consume_to_end -v "${GROUP[@]}" 2>"$WORK/logs/recover1.log"
grep -F "pending dead letters: $unmarked found on $dlq, 0 produced" "$WORK/logs/recover1.log" >&2 ||
        { grep -i dead "$WORK/logs/recover1.log" >&2; fail "recovery did not find the $unmarked published dead letters"; }
assert_eq "published-but-unmarked dead letters marked again" "0" "$(q "SELECT count(*) FROM dead_letter WHERE published_at IS NULL")"
assert_eq "records on $dlq after recovery 1" "$bad" "$(dlq_sources | wc -l)"

# Recovery 2: stored but never produced (the dead-letter topic unreachable): two
# more hostile messages while dlq.topic names a topic that does not exist, the
# consumer stopped, then a consumer with the real one publishes them once.
for no in $(grep -m2 ' decode ' "$WORK/expect" | cut -d' ' -f1); do
        kcat -b "$MW_BROKERS" -P -t "$topic" -p 0 "$WORK/msgs/$no.msg"
done
"$BIN/midway-consumer" -v -o dlq.topic="$MW_TOPIC_PREFIX.nowhere" -X message.timeout.ms=2000 "${GROUP[@]}" \
        2>"$WORK/logs/nowhere.log" &
CONSUMER_PID=$!
for _ in $(seq 600); do
        [ "$(q "SELECT count(*) FROM dead_letter WHERE published_at IS NULL")" = 2 ] &&
                grep -q 'dead letters not yet on' "$WORK/logs/nowhere.log" && break
        sleep 0.1
done
kill -TERM "$CONSUMER_PID"
wait "$CONSUMER_PID" || true
CONSUMER_PID=
assert_eq "dead letters stored but not published" "2" "$(q "SELECT count(*) FROM dead_letter WHERE published_at IS NULL")"
consume_to_end -v "${GROUP[@]}" 2>"$WORK/logs/recover2.log"
grep -F "2 pending dead letters: 0 found on $dlq, 2 produced" "$WORK/logs/recover2.log" >&2 ||
        { grep -i dead "$WORK/logs/recover2.log" >&2; fail "recovery did not produce the 2 pending dead letters"; }
dlq_sources >"$WORK/dlq.sources"
assert_eq "records on $dlq after recovery 2" "$((bad + 2))" "$(wc -l <"$WORK/dlq.sources")"
assert_eq "distinct source offsets on $dlq after recovery 2" "$((bad + 2))" "$(sort -u "$WORK/dlq.sources" | wc -l)"
assert_eq "dead letters pending" "0" "$(q "SELECT count(*) FROM dead_letter WHERE published_at IS NULL")"
verify_state

# No CPR number of the corpus anywhere but the source topic: logs, every table
# (as superuser), the dead-letter topic's keys, values and headers.
{
        cat "$WORK"/logs/*.log
        for t in event citizen dead_letter kafka_offset; do
                psql "$MW_PG_CONNINFO" -X -At -c "SELECT t::text FROM $t t"
        done
        kcat -b "$MW_BROKERS" -C -t "$dlq" -e -q -f '%k %h %s\n'
} >"$WORK/everything" 2>&1
python3 - "$WORK/msgs/cprs" "$WORK/everything" <<'PY'
import re, sys, unicodedata
cprs = open(sys.argv[1]).read().split()
text = unicodedata.normalize("NFKC", open(sys.argv[2], "rb").read().decode("utf-8", "replace"))
digits = re.sub(r"[\s.\-/_\u2010-\u2015\u2212]", "", text)
found = [c for c in cprs if c in digits]
print(f"[it_redteam] CPR search: {len(cprs)} numbers of the corpus, {len(text)} characters searched, {len(found)} found")
sys.exit(1 if found else 0)
PY

stages=$(q "SELECT string_agg(stage || ' ' || n, ', ' ORDER BY stage) FROM (SELECT stage, count(*) n FROM dead_letter GROUP BY 1) s")
echo "[$TEST_NAME] redteam messages: sent $((sent + 2)), stored $good, dead-lettered $((bad + 2)) ($stages), refused 0; $other rows of two other sites stored; $kills kills"
