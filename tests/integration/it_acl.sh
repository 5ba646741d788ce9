#!/bin/bash
# Issue 4 item 7: transport security. Starts a secure Kafka of its own
# (`scripts/stack up --secure`: SASL_SSL, SCRAM-SHA-512, StandardAuthorizer,
# one user per project, ACLs) in a state directory under $WORK, next to the
# plain stack, whose PostgreSQL and registry it uses. Then:
#   project A's user produces to A's topic                 -> delivered
#   project A's user produces to B's topic                 -> refused, exit 1,
#                                                             the message names B's topic
#   A's user with a wrong password                         -> refused
#   a PLAINTEXT client, a TLS client without SASL          -> cannot produce
#   B's user reads A's topic; the consumer user writes it  -> refused
#   A's user writes an event of project 30 (Aalborg), and
#   one without a key, to its own topic                    -> the ACL lets them in; the
#                                                             consumer dead-letters both (bind)
#   the consumer user applies A's topic to PostgreSQL and
#   writes a poison message to the dead-letter topic       -> allowed
# The secure Kafka is stopped on every exit; its state directory goes with
# $WORK (kept on failure, with the broker's log).
. "$(dirname "$0")/lib.sh"
# The secure broker comes from each user's -c file; MW_BROKERS (the plain
# stack's, from lib.sh) would take precedence over a file (docs/configuration.md).
unset MW_BROKERS

A=frederikshavn # project 5
B=aalborg       # project 30
SEC_STATE=$WORK/stack-secure
STACK=$MW_SOURCE_DIR/scripts/stack

port_free() { ! (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
SEC_PORT=""
for base in 19292 19392 19492 19592 19692; do
        if port_free "$base" && port_free "$((base + 1))"; then
                SEC_PORT=$base
                break
        fi
done
[ -n "$SEC_PORT" ] || fail "no free pair of ports for the secure Kafka"

# scripts/stack on the secure state directory (lib.sh exported the plain one)
sstack() {
        MW_STACK_DIR=$SEC_STATE MW_KAFKA_PORT=$SEC_PORT MW_KAFKA_CONTROLLER_PORT=$((SEC_PORT + 1)) \
                "$STACK" "$@" --secure
}

# registered before the start, so that a half-started broker is stopped too
at_exit "sstack down >'$WORK/secure-down.log' 2>&1"

t0=$SECONDS
sstack up >"$WORK/secure-up.log" 2>&1 || {
        cat "$WORK/secure-up.log" >&2
        fail "scripts/stack up --secure failed"
}
log "secure Kafka up on SASL_SSL://127.0.0.1:$SEC_PORT in $((SECONDS - t0))s:"
grep -E "^stack: kafka: (ready|ACLs)" "$WORK/secure-up.log" >&2 || true

CONF=$WORK/conf
mkdir -m 700 "$CONF"
for u in admin consumer "$A" "$B"; do
        sstack env "$u" >"$CONF/$u.conf"
        sstack env "$u" --librdkafka >"$CONF/$u.librdkafka"
done
assert_eq "mode of the password file" "600" "$(stat -c %a "$SEC_STATE/secure/passwords")"
assert_eq "users with a password (30 projects, consumer, admin, broker)" "33" "$(wc -l <"$SEC_STATE/secure/passwords")"
grep -qx "kafka.security.protocol=SASL_SSL" "$CONF/$A.conf" || fail "$A.conf is not a SASL_SSL configuration"

# The ACLs: A's user may write and describe its own topic and nothing else.
sstack acls >"$WORK/acls"
assert_eq "ACL bindings (30 x 2 project, 30 x 3 + 5 consumer)" "155" "$(wc -l <"$WORK/acls")"
assert_eq "bindings of User:$A" \
        "User:$A TOPIC LITERAL $(topic_of "$A") DESCRIBE ALLOW *|User:$A TOPIC LITERAL $(topic_of "$A") WRITE ALLOW *" \
        "$(grep "^User:$A " "$WORK/acls" | paste -sd'|')"

# Database on the plain stack; topics on the secure Kafka, created by admin.
psql "$ADMIN_CONNINFO" -q -c "CREATE DATABASE $DB" >/dev/null
"$BIN/midway-admin" migrate 2>"$WORK/migrate.log" || { cat "$WORK/migrate.log" >&2; fail "migrate failed"; }
"$BIN/midway-admin" -c "$CONF/admin.conf" create-topics 2>"$WORK/create-topics.log" ||
        { cat "$WORK/create-topics.log" >&2; fail "create-topics as admin failed"; }
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/key"
chmod 600 "$WORK/key"

# count TOPIC: messages in TOPIC, read by admin
count() {
        kcat -F "$CONF/admin.librdkafka" -C -t "$1" -e -q -f '.\n' 2>/dev/null | wc -l
}
# sproduce LOG PROJECT FILE ARGS...: midway-producer on the secure Kafka; prints its exit status
# (broker.wait.ms bounds the refused cases: the producer asks the brokers for its topic before
# it reads a row, and librdkafka retries a connection it cannot make until then)
sproduce() {
        local logf=$1 p=$2 f=$3 rc=0 t=$SECONDS
        shift 3
        timeout 60 "$BIN/midway-producer" -p "$p" -k "$WORK/key" "$@" -o broker.wait.ms=5000 \
                -X message.timeout.ms=3000 "$f" \
                >/dev/null 2>"$WORK/$logf.log" || rc=$?
        echo "$rc"
        log "$logf: exit status $rc after $((SECONDS - t))s"
}

fa=$(gen 5 25 11)
fb=$(gen 30 25 12)
n_a=$("$BIN/midway-producer" -n -q -p 5 -k "$WORK/key" "$fa" | wc -l)
n_b=$("$BIN/midway-producer" -n -q -p 30 -k "$WORK/key" "$fb" | wc -l)
if [ "$n_a" -lt 50 ] || [ "$n_b" -lt 50 ]; then fail "too few events generated ($n_a, $n_b)"; fi

# 1. A's user, A's topic: delivered.
rc=$(sproduce a-to-a 5 "$fa" -c "$CONF/$A.conf")
[ "$rc" = 0 ] || { cat "$WORK/a-to-a.log" >&2; fail "A's user could not produce to A's topic"; }
assert_eq "A's user -> A's topic: exit status" "0" "$rc"
assert_eq "A's user -> A's topic: messages in $(topic_of "$A")" "$n_a" "$(count "$(topic_of "$A")")"

# 2. A's user, B's topic: refused before a row is read, naming B's topic.
rc=$(sproduce a-to-b 30 "$fb" -c "$CONF/$A.conf")
assert_eq "A's user -> B's topic: exit status" "1" "$rc"
assert_eq "A's user -> B's topic: the refusal, naming the topic" 1 \
        "$(grep -cF "topic=$(topic_of "$B"): Broker: Topic authorization failed" "$WORK/a-to-b.log" || true)"
assert_eq "A's user -> B's topic: rows read" 0 "$(grep -c 'rows read\|: rows [0-9]' "$WORK/a-to-b.log" || true)"
echo "[$TEST_NAME] A's user -> B's topic: $(grep -m1 -F "authorization failed" "$WORK/a-to-b.log" | sed 's/^.*\(topic=\)/\1/')"
assert_eq "A's user -> B's topic: messages in $(topic_of "$B")" "0" "$(count "$(topic_of "$B")")"

# refused LOG WHAT REASON: the producer stopped before it read a row, said why (Kafka refused
# it, or the brokers never answered it), and librdkafka logged REASON
refused() {
        local logf=$WORK/$1.log
        if grep -q ': rows [0-9]' "$logf" || ! grep -qF "$3" "$logf" ||
                ! grep -qE "Kafka refused this producer|cannot reach the Kafka brokers" "$logf"; then
                grep -v 'librdkafka' "$logf" | head -n 5 >&2
                fail "$2: expected a stop before any row and '$3'"
        fi
        echo "[$TEST_NAME] ok: $2: refused before any row; $(grep -m1 -oE "Kafka refused this producer|cannot reach the Kafka brokers" "$logf"); librdkafka: $(grep -m1 -oF "$3" "$logf")"
}

# 3. A's user with a wrong password: refused.
rc=$(sproduce wrong-password 5 "$fa" -c "$CONF/$A.conf" -X sasl.password=not-the-password)
assert_eq "wrong password: exit status" "1" "$rc"
refused wrong-password "wrong password" "Authentication failed during authentication due to invalid credentials"

# 4. Clients without credentials: PLAINTEXT, and TLS without SASL.
rc=$(sproduce plaintext 5 "$fa" -b "127.0.0.1:$SEC_PORT")
assert_eq "PLAINTEXT client: exit status" "1" "$rc"
refused plaintext "PLAINTEXT client" "Disconnected while requesting ApiVersion"
rc=$(sproduce tls-only 5 "$fa" -b "127.0.0.1:$SEC_PORT" -X security.protocol=SSL \
        -X "ssl.ca.location=$SEC_STATE/secure/ca.pem")
assert_eq "TLS client without SASL: exit status" "1" "$rc"
refused tls-only "TLS client without SASL" "broker might require SASL authentication"
if kcat -b "127.0.0.1:$SEC_PORT" -L -m 3 >/dev/null 2>&1; then fail "a PLAINTEXT client got metadata"; fi
assert_eq "messages in $(topic_of "$A") after the refused attempts" "$n_a" "$(count "$(topic_of "$A")")"

# 5. Neither B's user nor the consumer user may do the other thing.
if timeout 30 kcat -F "$CONF/$B.librdkafka" -C -t "$(topic_of "$A")" -e -q >"$WORK/b-reads-a.out" 2>"$WORK/b-reads-a.log"; then
        [ ! -s "$WORK/b-reads-a.out" ] || fail "B's user read A's topic"
fi
grep -qiF "authorization failed" "$WORK/b-reads-a.log" || { cat "$WORK/b-reads-a.log" >&2; fail "B's user reading A's topic: no authorization failure"; }
assert_eq "B's user reads A's topic: refused, messages read" "0" "$(wc -l <"$WORK/b-reads-a.out")"
echo poison | timeout 30 kcat -F "$CONF/consumer.librdkafka" -P -t "$(topic_of "$A")" 2>"$WORK/consumer-writes.log" &&
        fail "the consumer user could write a project topic"
grep -qiF "authorization failed" "$WORK/consumer-writes.log" || { cat "$WORK/consumer-writes.log" >&2; fail "consumer user writing: no authorization failure"; }
assert_eq "consumer user writes A's topic: refused, messages in it" "$n_a" "$(count "$(topic_of "$A")")"

# 6. A's user writes what its ACL allows but its project does not: an Aalborg
#    (project 30, municipality 851) event, and one without a key, on A's topic.
#    The ACL lets them in; the consumer binds topic and project and dead-letters both.
mkdir "$WORK/msgs"
/usr/bin/python3 "$MW_SOURCE_DIR/tests/redteam/hostile_messages.py" "$MW_REGISTRY_URL" "$(topic_of "$A")" \
        "$MW_SOURCE_DIR/schemas/registration.avsc" "$WORK/msgs" >"$WORK/msgs.expect"
for name in project-30-on-frederikshavn-topic null-key; do
        no=$(grep " $name\$" "$WORK/msgs.expect" | cut -d' ' -f1)
        k=()
        [ -f "$WORK/msgs/$no.key" ] && k=(-k "$(cat "$WORK/msgs/$no.key")")
        kcat -F "$CONF/$A.librdkafka" -P -t "$(topic_of "$A")" -p 0 "${k[@]}" "$WORK/msgs/$no.msg" ||
                fail "A's user could not write its own topic"
done

# 7. The consumer user: every project topic and its group to PostgreSQL, and a poison
#    message (written by admin) to the dead-letter topic.
printf 'not avro' | kcat -F "$CONF/admin.librdkafka" -P -t "$(topic_of "$A")" -p 0 2>/dev/null
timeout 120 "$BIN/midway-consumer" -q -e -c "$CONF/consumer.conf" 2>"$WORK/consumer.log" ||
        { cat "$WORK/consumer.log" >&2; fail "midway-consumer as the consumer user failed"; }
assert_eq "consumer user: events of A stored in PostgreSQL" "$n_a" "$(q "SELECT count(*) FROM event WHERE project_id = 5")"
assert_eq "consumer user: events of other projects (A's user wrote one of project 30)" "0" \
        "$(q "SELECT count(*) FROM event WHERE project_id <> 5")"
assert_eq "A's project-30 event and keyless event: dead-lettered at stage bind" \
        "bind: event of project 30 on the topic of project 5|bind: the message key is not the event's citizen_ref" \
        "$(q "SELECT stage || ': ' || reason FROM dead_letter WHERE stage = 'bind' ORDER BY kafka_offset" | paste -sd'|')"
assert_eq "consumer user: poison + 2 bound messages in $MW_TOPIC_PREFIX.deadletter" "3" "$(count "$MW_TOPIC_PREFIX.deadletter")"
verify_state

# 8. An erasure under the ACLs (docs/security.md, "Erasure and retention"): A's user sends
#    the request (a tombstone on its own topic); the consumer user removes the citizen and
#    deletes the records below the request (DELETE on the topics).
sed -n 2p "$fa" | cut -d';' -f1 >"$WORK/erase.txt"
n_k=$(grep -c "^$(cat "$WORK/erase.txt");" "$fa")
timeout 60 "$BIN/midway-erase" -p 5 -k "$WORK/key" -c "$CONF/$A.conf" "$WORK/erase.txt" 2>"$WORK/erase.log" ||
        { cat "$WORK/erase.log" >&2; fail "midway-erase as A's user failed"; }
timeout 120 "$BIN/midway-consumer" -e -c "$CONF/consumer.conf" 2>"$WORK/consumer-erase.log" ||
        { cat "$WORK/consumer-erase.log" >&2; fail "midway-consumer (erasure) as the consumer user failed"; }
assert_eq "erasure as A's user: events of A left" "$((n_a - n_k))" "$(q "SELECT count(*) FROM event WHERE project_id = 5")"
assert_eq "erasure: Kafka records deleted by the consumer user" 1 \
        "$(grep -c 'erasure: Kafka records deleted' "$WORK/consumer-erase.log" || true)"
verify_state

# 9. midway-kafka-acls wait (the compose deployment's topics job): every binding on each
#    broker, asked broker by broker; one no broker has makes it wait, then fail
sstack acls | awk '$6 == "ALLOW" { print $1, $2, $3, $4, $5 }' >"$WORK/bindings"
nb=$(grep -c '' "$WORK/bindings")
"$BIN/midway-kafka-acls" -F "$CONF/admin.librdkafka" wait 30 1 <"$WORK/bindings" >"$WORK/acl-wait.out" ||
        fail "midway-kafka-acls wait: the stack's own bindings not found ($(cat "$WORK/acl-wait.out"))"
assert_eq "midway-kafka-acls wait: the stack's bindings" "kafka-acls: every broker (1) has the $nb bindings" "$(cat "$WORK/acl-wait.out")"
t=$SECONDS
rc=0
{ cat "$WORK/bindings"; echo "User:nobody TOPIC LITERAL $(topic_of "$A") READ"; } |
        "$BIN/midway-kafka-acls" -F "$CONF/admin.librdkafka" wait 3 1 >/dev/null 2>"$WORK/acl-wait.err" || rc=$?
assert_eq "midway-kafka-acls wait, a binding no broker has: exit status" 1 "$rc"
[ $((SECONDS - t)) -ge 3 ] || fail "midway-kafka-acls wait gave up after $((SECONDS - t)) s, before 3 s"
grep -q "has $nb of $((nb + 1)) bindings" "$WORK/acl-wait.err" || { cat "$WORK/acl-wait.err" >&2; fail "midway-kafka-acls wait did not say what is missing"; }
rc=0
"$BIN/midway-kafka-acls" -F "$CONF/admin.librdkafka" wait 3 2 <"$WORK/bindings" >/dev/null 2>"$WORK/acl-wait2.err" || rc=$?
assert_eq "midway-kafka-acls wait for 2 brokers, 1 known: exit status" 1 "$rc"

# 10. auth.wait.ms (a broker that has not applied the ACLs yet, as at a cold start of the
#    compose deployment): an authorisation refused at start-up is retried with new
#    connections for that long, then the program stops; an ACL that arrives within it
#    lets the run go on. B's topic is empty (A's user was refused it above).
late=it-$RUN_ID-late
tb=$(topic_of "$B")
# retried LOG MIN: the warning of a retry, at least MIN times; prints how often
retried() {
        local n
        n=$(grep -c "Kafka refused an authorisation at start-up" "$WORK/$1.log" || true)
        [ "$n" -ge "$2" ] || { grep -v librdkafka "$WORK/$1.log" | tail -n 5 >&2; fail "$1: $n retries logged, expected $2 or more"; }
        echo "$n"
}
#  (a) the consumer user in a group without an ACL: retried for 5 s, then exit 1
t=$SECONDS
rc=0
timeout 60 "$BIN/midway-consumer" -e -c "$CONF/consumer.conf" -t "$tb" -o "group.id=$late" \
        -o auth.wait.ms=5000 2>"$WORK/authz-consumer.log" || rc=$?
assert_eq "consumer, group without an ACL, auth.wait.ms=5000: exit status" 1 "$rc"
[ $((SECONDS - t)) -ge 5 ] || fail "consumer gave up after $((SECONDS - t)) s, before auth.wait.ms"
log "consumer: $(retried authz-consumer 2) retries, stopped after $((SECONDS - t)) s: $(grep -m1 -o 'stopped: Kafka refused this consumer.*' "$WORK/authz-consumer.log" || grep -m1 -o 'Kafka: .*AUTHORIZATION.*' "$WORK/authz-consumer.log")"
#  (b) the same, with the group's ACL added after the first refusal: drains, exit 0
timeout 120 "$BIN/midway-consumer" -e -c "$CONF/consumer.conf" -t "$tb" -o "group.id=$late" \
        -o auth.wait.ms=60000 2>"$WORK/authz-consumer-late.log" &
cpid=$!
for _ in $(seq 120); do
        grep -q "Kafka refused an authorisation at start-up" "$WORK/authz-consumer-late.log" && break
        sleep 0.5
done
echo "User:consumer GROUP LITERAL $late READ" | "$BIN/midway-kafka-acls" -F "$CONF/admin.librdkafka" add >/dev/null
rc=0
wait "$cpid" || rc=$?
assert_eq "consumer, group's ACL added after its first refusal: exit status" 0 "$rc"
log "consumer, late ACL: $(retried authz-consumer-late 1) retries, then drained"
#  (c) A's user, B's topic: retried for 5 s, then exit 1; (d) the ACL added after the
#      first refusal: every row delivered
t=$SECONDS
rc=$(sproduce authz-producer 30 "$fb" -c "$CONF/$A.conf" -o auth.wait.ms=5000)
assert_eq "A's user -> B's topic, auth.wait.ms=5000: exit status" 1 "$rc"
[ $((SECONDS - t)) -ge 5 ] || fail "producer gave up after $((SECONDS - t)) s, before auth.wait.ms"
log "producer: $(retried authz-producer 2) retries, stopped after $((SECONDS - t)) s"
timeout 120 "$BIN/midway-producer" -p 30 -k "$WORK/key" -c "$CONF/$A.conf" -o auth.wait.ms=60000 \
        -X message.timeout.ms=30000 "$fb" >/dev/null 2>"$WORK/authz-producer-late.log" &
ppid=$!
for _ in $(seq 120); do
        grep -q "Kafka refused an authorisation at start-up" "$WORK/authz-producer-late.log" && break
        sleep 0.5
done
echo "User:$A TOPIC LITERAL $tb WRITE,DESCRIBE" | "$BIN/midway-kafka-acls" -F "$CONF/admin.librdkafka" add >/dev/null
rc=0
wait "$ppid" || rc=$?
assert_eq "A's user -> B's topic, its ACL added after the first refusal: exit status" 0 "$rc"
log "producer, late ACL: $(retried authz-producer-late 1) retries, then delivered"
assert_eq "messages in $tb after the late ACL" "$n_b" "$(count "$tb")"

echo "[$TEST_NAME] compared: A->A $n_a of $n_a delivered; A->B 0 of $n_b (authorization); wrong password, PLAINTEXT, TLS without SASL: 0; B reading A, consumer writing A: refused; A's user's project-30 and keyless events: dead-lettered (bind); consumer: $n_a events + 3 dead letters; $((SECONDS - t0))s"
