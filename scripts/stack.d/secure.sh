# shellcheck shell=bash
# scripts/stack.d/secure.sh: what --secure adds to the one Kafka node. The SCRAM users (admin,
# consumer, one per project slug of reference/projects.csv) and their passwords, a CA and the
# broker's certificate made with openssl, the client configurations in $SEC/clients, the
# broker's additions from stack/server-secure.properties, the StorageTool arguments that
# bootstrap the SCRAM credentials, and the ACLs (set with tools/midway-kafka-acls.c, compiled into
# $SEC/bin). Also the commands acls and env --secure USER.
# tests/deploy/check_compose.py evaluates USERS=() .. secure_users, valid_name and
# secure_acl_lines from this file on their own: keep them free of other parts' functions.
#
# Reads: repo, STATE, SEC, KAFKA_PORT, KAFKA_CONTROLLER_PORT (common.sh), brokers (cluster.sh),
# MW_TOPIC_PREFIX, MW_GROUP_ID, MW_DLQ_TOPIC (the ACLs' names, defaults as in the programs).
# Sets: USERS, PW (user -> password).

# USERS: the SCRAM users handed out: admin (super user), consumer, and one per project slug
# (reference/projects.csv). The broker itself also uses the internal user `broker`.
USERS=()
secure_users() {
        local slug
        ((${#USERS[@]} == 0)) || return 0
        USERS=(admin consumer)
        while read -r slug; do
                [[ $slug =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "reference/projects.csv: bad slug '$slug'"
                USERS+=("$slug")
        done < <(awk -F';' '$1 ~ /^[0-9]+$/ { print $3 }' "$repo/reference/projects.csv")
        ((${#USERS[@]} > 2)) || die "no projects in $repo/reference/projects.csv"
}

# PW[user]: the passwords, from $SEC/passwords ("user password" lines)
declare -A PW=()
secure_load_passwords() {
        local u pw
        PW=()
        [ -s "$SEC/passwords" ] || die "no $SEC/passwords: run 'scripts/stack up --secure' first"
        while read -r u pw; do PW[$u]=$pw; done <"$SEC/passwords"
        for u in broker "${USERS[@]}"; do
                [ -n "${PW[$u]:-}" ] || die "no password for user '$u' in $SEC/passwords ('scripts/stack reset --secure' starts afresh)"
        done
}

# Once per state directory: passwords (the internal `broker` identity, which the broker uses
# on its own listeners, plus secure_users), a CA, and the broker's key and certificate.
# Every time: the client configurations (the port may have changed).
secure_prepare() {
        local u
        secure_users
        mkdir -p "$SEC/clients"
        chmod 700 "$SEC"
        if [ ! -s "$SEC/passwords" ]; then
                [ ! -f "$STATE/kafka/data/meta.properties" ] ||
                        die "kafka is formatted, but $SEC/passwords is missing; 'scripts/stack reset --secure' starts afresh"
                log "kafka: generating passwords ($SEC/passwords, mode 0600)"
                for u in broker "${USERS[@]}"; do
                        printf '%s %s\n' "$u" "$(openssl rand -hex 24)"
                done | write_atomic "$SEC/passwords"
        fi
        secure_load_passwords
        if [ ! -s "$SEC/broker.pem" ]; then
                log "kafka: generating a CA and the broker certificate (IP:127.0.0.1, DNS:localhost) in $SEC"
                {
                        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
                                -subj "/CN=midway local stack CA $(date -u +%Y%m%dT%H%M%SZ)" \
                                -addext basicConstraints=critical,CA:TRUE \
                                -addext keyUsage=critical,keyCertSign,cRLSign \
                                -keyout "$SEC/ca.key" -out "$SEC/ca.pem" &&
                                openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
                                        -keyout "$SEC/broker.key" -out "$SEC/broker.csr" &&
                                printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
                                        "basicConstraints=CA:FALSE" \
                                        "keyUsage=critical,digitalSignature,keyEncipherment" \
                                        "extendedKeyUsage=serverAuth,clientAuth" >"$SEC/broker.ext" &&
                                openssl x509 -req -in "$SEC/broker.csr" -CA "$SEC/ca.pem" -CAkey "$SEC/ca.key" \
                                        -CAcreateserial -days 3650 -sha256 -extfile "$SEC/broker.ext" \
                                        -out "$SEC/broker.crt"
                } >"$SEC/openssl.log" 2>&1 || {
                        cat "$SEC/openssl.log" >&2
                        die "kafka: openssl failed"
                }
                # Kafka's PEM key store: the unencrypted PKCS#8 key, then the certificate
                cat "$SEC/broker.key" "$SEC/broker.crt" | write_atomic "$SEC/broker.pem"
                rm -f "$SEC/broker.csr" "$SEC/broker.ext"
        fi
        for u in "${USERS[@]}"; do secure_write_client "$u"; done
        secure_write_java_admin
}

# $SEC/clients/USER.conf (the programs' -c FILE) and USER.librdkafka (kcat -F FILE)
secure_write_client() {
        local u=$1 pw=${PW[$1]} f=$SEC/clients/$1
        {
                echo "# midway configuration of SCRAM user '$u' on the secure Kafka $STATE"
                echo "# (written by 'scripts/stack up --secure'; use: midway-producer -c $f.conf ...)"
                echo "brokers=$(brokers)"
                secure_client_props kafka. "$u" "$pw"
        } | write_atomic "$f.conf"
        {
                echo "# librdkafka properties of SCRAM user '$u' on the secure Kafka $STATE (kcat -F $f.librdkafka)"
                echo "bootstrap.servers=$(brokers)"
                secure_client_props "" "$u" "$pw"
        } | write_atomic "$f.librdkafka"
}

# a client's librdkafka security properties, each name prefixed (kafka. in a midway -c file)
secure_client_props() { # prefix user password
        echo "${1}security.protocol=SASL_SSL"
        echo "${1}sasl.mechanisms=SCRAM-SHA-512"
        echo "${1}sasl.username=$2"
        echo "${1}sasl.password=$3"
        echo "${1}ssl.ca.location=$SEC/ca.pem"
}

# $SEC/admin.properties: the admin's settings for Kafka's Java tools (--command-config)
secure_write_java_admin() {
        {
                echo "security.protocol=SASL_SSL"
                echo "sasl.mechanism=SCRAM-SHA-512"
                echo "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"${PW[admin]}\";"
                echo "ssl.truststore.type=PEM"
                echo "ssl.truststore.location=$SEC/ca.pem"
        } | write_atomic "$SEC/admin.properties"
}

# appends the rendered stack/server-secure.properties to the broker's configuration
secure_render() { # server.properties
        render "$repo/stack/server-secure.properties" "$1.secure" \
                "KAFKA_PORT=$KAFKA_PORT" "KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT" \
                "SECURE_DIR=$SEC" "BROKER_PASSWORD=${PW[broker]}"
        cat "$1.secure" >>"$1"
        rm -f "$1.secure"
}

# the StorageTool arguments that bootstrap every SCRAM credential
secure_scram_args() {
        local u
        for u in broker "${USERS[@]}"; do
                echo "--add-scram"
                echo "SCRAM-SHA-512=[name=$u,password=${PW[$u]}]"
        done
}

# tools/midway-kafka-acls.c (librdkafka's admin API: all ACLs in one request), compiled into the
# state directory; again when the source changes
secure_acl_tool() {
        local bin=$SEC/bin/kafka-acls sum
        sum=$(sha1_of "$repo/tools/midway-kafka-acls.c")
        if [ ! -x "$bin" ] || [ "$(cat "$bin.sha1" 2>/dev/null)" != "$sum" ]; then
                mkdir -p "$SEC/bin"
                cc -std=c11 -O2 -Wall -Wextra -o "$bin.tmp" "$repo/tools/midway-kafka-acls.c" -lrdkafka >&2 ||
                        die "kafka: compiling tools/midway-kafka-acls.c failed"
                mv "$bin.tmp" "$bin"
                echo "$sum" >"$bin.sha1"
        fi
        echo "$bin"
}

valid_name() { # what name: Kafka topic and group names as the ACLs use them
        [[ $2 =~ ^[A-Za-z0-9._-]+$ ]] || die "$1 '$2' must consist of letters, digits, '.', '_' and '-'"
}

# The ACLs: each project's user may write (and describe) its own topic, which is all an
# idempotent producer needs (Kafka 3.x grants IdempotentWrite with Write on any topic);
# the consumer may read every project topic and its group, and write (and read back,
# to publish dead letters exactly once) the dead-letter topic.
# Names as the programs derive them from MW_TOPIC_PREFIX, MW_GROUP_ID and MW_DLQ_TOPIC.
secure_acl_lines() {
        local prefix=${MW_TOPIC_PREFIX:-midway} group=${MW_GROUP_ID:-midway-consumer} dlq slug t
        dlq=${MW_DLQ_TOPIC:-$prefix.deadletter}
        valid_name MW_TOPIC_PREFIX "$prefix"
        valid_name MW_GROUP_ID "$group"
        valid_name MW_DLQ_TOPIC "$dlq"
        secure_users
        for slug in "${USERS[@]:2}"; do
                t=$prefix.registrations.$slug
                echo "User:$slug TOPIC LITERAL $t WRITE,DESCRIBE"
                echo "User:consumer TOPIC LITERAL $t READ,DESCRIBE,DELETE"
        done
        echo "User:consumer GROUP LITERAL $group READ"
        echo "User:consumer TOPIC LITERAL $dlq READ,WRITE,DESCRIBE,DELETE"
}

secure_acls() {
        local tool out
        tool=$(secure_acl_tool)
        if ! out=$(secure_acl_lines | "$tool" -F "$SEC/clients/admin.librdkafka" add 2>&1); then
                printf '%s\n' "$out" >&2
                die "kafka: creating the ACLs failed"
        fi
        log "kafka: ACLs for topic prefix '${MW_TOPIC_PREFIX:-midway}', group '${MW_GROUP_ID:-midway-consumer}': ${out#kafka-acls: }"
}

# fails unless up --secure has made FILE (in $SEC) in this state directory
secure_need() { # file
        [ -f "$1" ] || die "no secure stack in $STATE yet: run 'scripts/stack up --secure'"
}

cmd_acls() {
        local tool
        secure_need "$SEC/clients/admin.librdkafka"
        tool=$(secure_acl_tool)
        "$tool" -F "$SEC/clients/admin.librdkafka" list | sort
}

# USER's configuration: the programs' -c FILE, or with --librdkafka kcat's -F FILE
cmd_env_user() { # user librdkafka(0|1)
        local f=$SEC/clients/$1.conf
        if (($2)); then f=$SEC/clients/$1.librdkafka; fi
        secure_need "$SEC/passwords"
        [ -f "$f" ] || die "no user '$1' (users: admin, consumer and the project slugs of reference/projects.csv)"
        cat "$f"
}
