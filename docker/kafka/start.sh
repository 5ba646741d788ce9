#!/bin/bash
# Entry point of the Kafka image (docker/kafka/Dockerfile): renders server.properties for
# this node, formats the storage once with every SCRAM credential (KIP-900, as
# `scripts/stack up --secure` does), then runs the broker.
#   env: NODE_ID (1-3), HOST (kafka1..3), CLUSTER_ID (a Kafka Uuid, the same on every node)
#   secrets: /run/secrets/kafka-passwords ("user password" lines: broker, admin, consumer,
#   one per project), /run/secrets/$HOST.pem, /run/secrets/kafka-ca.pem
set -euo pipefail
umask 077
: "${NODE_ID:?}" "${HOST:?}" "${CLUSTER_ID:?}"
pw_file=/run/secrets/kafka-passwords
conf=/var/lib/kafka/server.properties
java_opts=(-Dlog4j.configuration=file:/opt/kafka/log4j.properties -cp '/opt/kafka/libs/*')

broker_pw=$(awk '$1 == "broker" { print $2 }' "$pw_file")
[ -n "$broker_pw" ] || { echo "start.sh: no password for 'broker' in $pw_file" >&2; exit 1; }
sed -e "s/@NODE_ID@/$NODE_ID/g" -e "s/@HOST@/$HOST/g" -e "s/@BROKER_PASSWORD@/$broker_pw/g" \
    /opt/kafka/server.properties >"$conf"

if [ ! -f /var/lib/kafka/data/meta.properties ]; then
        args=/var/lib/kafka/scram.args
        awk 'NF == 2 { print "--add-scram"; print "SCRAM-SHA-512=[name=" $1 ",password=" $2 "]" }' \
            "$pw_file" >"$args"
        java "${java_opts[@]}" kafka.tools.StorageTool format --ignore-formatted \
            -t "$CLUSTER_ID" -c "$conf" "@$args"
        rm -f "$args"
fi
exec java -Xms512m -Xmx1g -XX:+UseG1GC "${java_opts[@]}" kafka.Kafka "$conf"
