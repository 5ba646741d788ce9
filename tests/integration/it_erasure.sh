#!/bin/bash
# Issue 15 (4): erasing citizens at a municipality's request (docs/security.md,
# "Erasure"). Three sites' exports go through the pipeline, one of the
# citizens also has a dead letter; then midway-erase asks, by CPR number,
# for 3 citizens of one site and 1 of another. Afterwards no store holds
# their references, event ids or CPR numbers: every topic of the run
# (the dead-letter topic too) read from the beginning, every table of the
# database read as a superuser (found by the catalogue, not a list of
# ours), and every log of the run. The events left are the oracle's
# (oracle.py) less the erased citizens', the status equals that of a
# second pipeline that retracted every registration of those citizens
# instead, and verify holds.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics
SUPER_CONNINFO=$MW_PG_CONNINFO # the stack's postgres login: a superuser
[ "$(q "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" = t ] ||
        fail "the search needs a superuser login (row-level security)"

# The retention policy of the stack (scripts/stack env) on the topics create-topics made.
ms() { if [ "$1" -lt 0 ]; then echo -1; else echo $(($1 * 86400000)); fi; }
for t in "$(topic_of odder)" "$MW_TOPIC_PREFIX.deadletter"; do
        "$MW_SOURCE_DIR/scripts/stack" kafka-topics --describe --topic "$t" >"$WORK/describe" 2>&1
        grep -o 'retention.ms=[-0-9]*' "$WORK/describe" || echo "$t: no retention.ms"
done >"$WORK/retention"
assert_eq "retention.ms of a project topic and of the dead-letter topic" \
        "retention.ms=$(ms "${MW_TOPIC_RETENTION_DAYS:--1}") retention.ms=$(ms "${MW_DLQ_RETENTION_DAYS:--1}")" \
        "$(paste -sd' ' "$WORK/retention")"

# -- three sites, one dead letter of a citizen to be erased ---------------
declare -A FILE
FILE[20]=$(gen 20 40 151)
FILE[1]=$(gen 1 30 152)
FILE[7]=$(gen 7 25 153)
for p in 20 1 7; do
        "$BIN/midway-producer" -v -p "$p" -k "$WORK/key" "${FILE[$p]}" 2>>"$WORK/producer.log"
        "$BIN/midway-producer" -q -n -p "$p" -k "$WORK/key" "${FILE[$p]}" >"$WORK/dry-$p.json"
done
cprs() { tail -n +2 "$1" | cut -d';' -f1 | awk '!seen[$0]++'; } # in order of first row
cprs "${FILE[20]}" | sed -n '2p;5p;9p' >"$WORK/erase-20.txt"
cprs "${FILE[1]}" | sed -n '3p' >"$WORK/erase-1.txt"

# The erased citizens' references (HMAC-SHA256 of the CPR, computed here, not
# by midway), their event ids, and every form a store may keep them in.
python3 - "$WORK" <<'PY'
import binascii, hashlib, hmac, json, sys
work = sys.argv[1]
key = open(f"{work}/key", "rb").read().rstrip(b"\n")
refs = {}
for p in ("20", "1"):
    for cpr in open(f"{work}/erase-{p}.txt").read().split():
        refs[hmac.new(key, cpr.encode(), hashlib.sha256).hexdigest()] = (p, cpr)
ids = [e["event_id"] for p in ("20", "1", "7") for e in map(json.loads, open(f"{work}/dry-{p}.json"))
       if e["citizen_ref"] in refs]
with open(f"{work}/refs", "w") as f:
    f.write("".join(r + "\n" for r in refs))
with open(f"{work}/patterns", "w") as f:  # text, and bytea's hex of the text
    for s in list(refs) + ids + [c for _, c in refs.values()]:
        f.write(f"{s}\n{binascii.hexlify(s.encode()).decode()}\n")
with open(f"{work}/erased-events", "w") as f:
    f.write(f"{len(ids)}\n")
PY
assert_eq "citizens to erase" 4 "$(wc -l <"$WORK/refs")"
n_erased=$(cat "$WORK/erased-events")

topic20=$(topic_of odder)
ref0=$(sed -n 1p "$WORK/refs")
kcat -b "$MW_BROKERS" -C -t "$topic20" -e -q -f '%k %p\n' >"$WORK/keys"
part0=$(awk -v k="$ref0" '$1 == k {print $2; exit}' "$WORK/keys")
[ -n "$part0" ] || fail "no record keyed by the first erased citizen"
# a frame naming a schema id the registry does not know, holding the reference
{ printf '\x00\x7f\xff\xff\x00'; printf '%s' "$ref0"; } >"$WORK/dead.bin"
kcat -b "$MW_BROKERS" -P -t "$topic20" -p "$part0" -k "$ref0" "$WORK/dead.bin"

consume_to_end -v 2>>"$WORK/consumer.log"
verify_state
assert_eq "the erased citizen's message dead-lettered" 1 "$(q "SELECT count(*) FROM dead_letter")"
before_events=$(q "SELECT count(*) FROM event")
status_csv 2015-07-01 >"$WORK/status-before.csv"

# -- the search --------------------------------------------------------------
# hits_topics, hits_tables, hits_logs: how many records, rows, log lines hold
# any of the patterns.
hits_topics() {
        local t n=0
        for t in $(kcat -b "$MW_BROKERS" -L -J | python3 -c '
import json, sys
for t in json.load(sys.stdin)["topics"]:
    if t["topic"].startswith(sys.argv[1] + "."):
        print(t["topic"])' "$MW_TOPIC_PREFIX"); do
                kcat -b "$MW_BROKERS" -C -t "$t" -e -q -f '%k\t%s\t%h\n' >"$WORK/topic.dump"
                n=$((n + $(grep -a -c -F -f "$WORK/patterns" "$WORK/topic.dump" || true)))
        done
        echo "$n"
}
hits_tables() {
        local re
        re=$(paste -sd'|' "$WORK/patterns")
        psql "$SUPER_CONNINFO" -X -At -v ON_ERROR_STOP=1 <<SQL | awk '{s += $1} END {print s + 0}'
SELECT format('SELECT count(*) FROM %s t WHERE t::text ~ %L', c.oid::regclass, '$re')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'm')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
\gexec
SQL
}
hits_logs() { cat "$WORK"/*.log | grep -a -c -F -f "$WORK/patterns" || true; }
tables=$(q "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg_toast%'")
# The search finds them before the erasure (it is not blind).
t0=$(hits_topics)
d0=$(hits_tables)
log "before the erasure: $t0 records and $d0 rows (of $tables tables) hold them"
[ "$t0" -gt "$n_erased" ] || fail "the topics hold only $t0 of >$n_erased records"
[ "$d0" -ge $((2 * n_erased)) ] || fail "the tables hold only $d0 rows"
assert_eq "log lines holding them" 0 "$(hits_logs)"

# -- the erasure ----------------------------------------------------------
# A dead letter not yet published keeps the message key: one of the second
# citizen, from a partition this consumer is not assigned (so it stays
# pending), must go with the citizen.
q "INSERT INTO dead_letter (kafka_topic, kafka_partition, kafka_offset, reason, stage, msg_key)
   VALUES ('$MW_TOPIC_PREFIX.elsewhere', 0, 0, 'pending', 'decode',
           convert_to('$(sed -n 2p "$WORK/refs")', 'UTF8'))" >/dev/null
printf '# erasure requests\n\n' >"$WORK/req-20.txt"
cat "$WORK/erase-20.txt" >>"$WORK/req-20.txt"
"$BIN/midway-erase" -v -p 20 -k "$WORK/key" "$WORK/req-20.txt" 2>>"$WORK/erase.log"
"$BIN/midway-erase" -v -p 1 -k "$WORK/key" - <"$WORK/erase-1.txt" 2>>"$WORK/erase.log"
rc=0
"$BIN/midway-admin" check >"$WORK/check.out" 2>"$WORK/check.log" || rc=$?
assert_eq "midway-admin check: erasure requests (exit 3: the dead letter)" "4 3" "$(grep -c ' erase$' "$WORK/check.out") $rc"
consume_to_end -v 2>>"$WORK/consumer.log"

assert_eq "erasures recorded (count, events, dead letters)" "4|$n_erased|1" \
        "$(q "SELECT count(*), sum(events), sum(dead_letters) FROM erasure")"
assert_eq "events left" "$((before_events - n_erased))" "$(q "SELECT count(*) FROM event")"
assert_eq "records holding an erased citizen, in every topic" 0 "$(hits_topics)"
assert_eq "rows holding an erased citizen, in all $tables tables" 0 "$(hits_tables)"
assert_eq "log lines holding an erased citizen" 0 "$(hits_logs)"
assert_eq "erasures the consumer logged, each with its Kafka records deleted" "4 4" \
        "$(grep -c 'erasure: project=' "$WORK/consumer.log") $(grep -c 'erasure: Kafka records deleted' "$WORK/consumer.log")"
verify_state

# -- the rest is as if the citizens had never been registered --------------
for p in 20 1 7; do
        python3 "$MW_SOURCE_DIR/tests/integration/oracle.py" \
                "$WORK/key" "$p" "${FILE[$p]}"
done | grep -v -F -f "$WORK/refs" | sed 's/|$//' | sort >"$WORK/oracle.events"
dump_events >"$WORK/stored.events"
cmp -s "$WORK/oracle.events" "$WORK/stored.events" ||
        fail "stored events differ from the oracle's less the erased citizens' ($(diff "$WORK/oracle.events" "$WORK/stored.events" | grep -c '^[<>]') lines)"
log "ok: the $(wc -l <"$WORK/stored.events") events left are the oracle's less the erased citizens'"

# ... and the status is what retracting every registration of the erased
# citizens gives: a second pipeline (its own topics, group and database)
# sends the exports and a retraction of each of their rows.
for p in 20 1; do
        python3 - "${FILE[$p]}" "$WORK/dry-$p.json" "$WORK/refs" >"$WORK/retract-$p.csv" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"), delimiter=";"))
events = [json.loads(l) for l in open(sys.argv[2])]
refs = set(open(sys.argv[3]).read().split())
assert len(rows) == len(events), (len(rows), len(events))
out = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) + ["handling", "erstatter"],
                     delimiter=";", lineterminator="\n")
out.writeheader()
for row, ev in zip(rows, events):
    if ev["citizen_ref"] in refs:
        out.writerow(dict(row, handling="annullering", erstatter=ev["event_id"],
                          kilde_id=row["kilde_id"] + "-erase"))
PY
done
REF_DB="${DB}_ref"
at_exit "psql \"\$ADMIN_CONNINFO\" -q -c 'DROP DATABASE IF EXISTS $REF_DB' >/dev/null 2>&1"
psql "$ADMIN_CONNINFO" -q -c "CREATE DATABASE $REF_DB" >/dev/null
(
        export MW_PG_CONNINFO="$ADMIN_CONNINFO dbname=$REF_DB" MW_TOPIC_PREFIX="$MW_TOPIC_PREFIX-ref" \
                MW_GROUP_ID="$MW_GROUP_ID-ref"
        "$BIN/midway-admin" -q migrate
        "$BIN/midway-admin" -q create-topics
        for p in 20 1 7; do produce "$p" "${FILE[$p]}"; done
        produce 20 "$WORK/retract-20.csv"
        produce 1 "$WORK/retract-1.csv"
        consume_to_end 2>"$WORK/ref-consumer.txt"
)
status_csv 2015-07-01 >"$WORK/status-after.csv"
[ "$(wc -l <"$WORK/status-after.csv")" -gt 3 ] || fail "no status after the erasure"
! cmp -s "$WORK/status-before.csv" "$WORK/status-after.csv" || fail "the erasure changed no figure of the status"
for d in 2015-03-01 2015-05-01 2015-07-01; do
        assert_eq "status on $d: erased = retracted" \
                "$(status_csv "$d" "$ADMIN_CONNINFO dbname=$REF_DB" | md5sum)" "$(status_csv "$d" | md5sum)"
done
# Retention in PostgreSQL: the published dead letter (it holds no reference)
# goes once it is older than dlq.retention.days.
for days in -1 1 0; do
        "$BIN/midway-admin" -q -o dlq.retention.days=$days expire
        echo "$days:$(q "SELECT count(*) FROM dead_letter")"
done >"$WORK/expire.txt"
assert_eq "dead letters kept after expire with -1, 1, 0 days" "-1:1 1:1 0:0" "$(paste -sd' ' "$WORK/expire.txt")"
echo "[$TEST_NAME] 4 citizens of 2 sites erased ($n_erased events, a published and a pending dead letter): found nowhere in $tables tables, the topics or the logs; status as if retracted"

# A wrong broker: named within broker.wait.ms, exit 1, nothing sent (issue 14, item 4)
t=$SECONDS
rc=0
"$BIN/midway-erase" -p 20 -k "$WORK/key" -b 127.0.0.1:1 -o broker.wait.ms=2000 "$WORK/req-20.txt" \
        2>"$WORK/erase-wrong.log" || rc=$?
assert_eq "midway-erase, a broker nobody runs: exit status" 1 "$rc"
[ $((SECONDS - t)) -le 30 ] || fail "midway-erase took $((SECONDS - t)) s to give up on a wrong broker"
grep -q "cannot reach the Kafka brokers 127.0.0.1:1 within broker.wait.ms (2000 ms).*nothing was sent" "$WORK/erase-wrong.log" ||
        { cat "$WORK/erase-wrong.log" >&2; fail "midway-erase does not name the unreachable broker"; }
echo "[$TEST_NAME] ok: midway-erase names an unreachable broker after broker.wait.ms and exits 1"
