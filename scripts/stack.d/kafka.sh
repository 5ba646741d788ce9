# shellcheck shell=bash
# scripts/stack.d/kafka.sh: a Kafka node. Rendering its server.properties from
# stack/server.properties (one node) or stack/server-cluster.properties (a node of three),
# formatting its storage once (cluster id kept in the state directory), launching kafka.Kafka
# (kafka_launch), its readiness probe (kcat lists the node as broker N) and the kafka-topics
# command. What --secure adds to a node (TLS, SCRAM) comes from secure.sh.
#
# Reads: repo, STATE, SECURE, SEC (common.sh), KAFKA_NODES (cluster.sh), KAFKA_LIBS (deps.sh).
# Sets: LAUNCHED_PID, LAUNCHED_NEW, STARTED (through java_daemon, procs.sh).

# kafka_launch COMPONENT (kafka, or kafkaN of a three-node Kafka)
# sets LAUNCHED_PID; LAUNCHED_NEW=1 if it started a process
kafka_launch() {
        local comp=$1 dir=$STATE/$1 pid id port cport idfile heap=(-Xms256m -Xmx512m)
        LAUNCHED_NEW=0
        if LAUNCHED_PID=$(comp_pid "$comp"); then
                return
        fi
        ensure_kafka_libs
        port=$(node_port "$comp")
        cport=$(node_ctrl_port "$comp")
        check_ports_free "$comp" "$port" "$cport"
        mkdir -p "$dir/data" "$dir/logs"
        if ((KAFKA_NODES == 1)); then
                idfile=$dir/cluster-id
                render "$repo/stack/server.properties" "$dir/server.properties" \
                        "KAFKA_PORT=$port" "KAFKA_CONTROLLER_PORT=$cport" "KAFKA_DATA_DIR=$dir/data"
        else
                # one cluster id for all nodes; smaller heaps, as three JVMs share the machine
                idfile=$STATE/kafka-cluster-id
                heap=(-Xms128m -Xmx384m)
                render "$repo/stack/server-cluster.properties" "$dir/server.properties" \
                        "NODE_ID=$(node_no "$comp")" "KAFKA_PORT=$port" "KAFKA_CONTROLLER_PORT=$cport" \
                        "QUORUM_VOTERS=$(quorum_voters)" "KAFKA_DATA_DIR=$dir/data"
        fi
        local fmt_extra=()
        if ((SECURE)); then
                secure_prepare
                secure_render "$dir/server.properties"
                # SCRAM credentials are bootstrapped at format time, from an argument file
                # (the JVM expands @file), so no password is on a command line
                if [ ! -f "$dir/data/meta.properties" ]; then
                        secure_scram_args >"$SEC/scram.args"
                        fmt_extra=("@$SEC/scram.args")
                fi
        fi
        local java ok logopt=-Dlog4j.configuration=file:$repo/stack/log4j.properties
        java=$(java_bin)
        if [ ! -f "$dir/data/meta.properties" ]; then
                if [ ! -s "$idfile" ]; then
                        # a Kafka Uuid: 16 random bytes, base64url without padding, not starting with '-'
                        id=-
                        while [[ $id == -* ]]; do
                                id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
                        done
                        echo "$id" >"$idfile"
                fi
                id=$(cat "$idfile")
                log "$comp: formatting storage (cluster id $id)"
                ok=1
                "$java" "$logopt" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format --ignore-formatted \
                        -t "$id" -c "$dir/server.properties" "${fmt_extra[@]}" >"$dir/format.log" 2>&1 8>&- 9>&- || ok=0
                rm -f "$SEC/scram.args"
                if ((!ok)); then
                        cat "$dir/format.log" >&2
                        die "$comp: storage format failed"
                fi
        fi
        log "$comp: starting on 127.0.0.1:$port (log: $dir/$comp.log)"
        java_daemon "$comp" "" "$java" "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
                "$logopt" "-Dkafka.logs.dir=$dir/logs" -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties"
}

kafka_probe() { # component
        local sec=() addr
        addr=127.0.0.1:$(node_port "$1")
        if ((SECURE)); then sec=(-F "$SEC/clients/admin.librdkafka"); fi
        kcat "${sec[@]}" -L -b "$addr" -t __midway_probe -m 2 2>/dev/null | grep -qF "broker $(node_no "$1") at $addr"
}

# Kafka's TopicCommand against this stack (as the admin on the secure Kafka); replaces the shell
cmd_kafka_topics() { # args... (--secure is dropped)
        local a args=()
        [ -f "$KAFKA_LIBS/.pom.sha1" ] || die "no Kafka jars yet: run 'scripts/stack up kafka' first"
        for a in "$@"; do
                if [ "$a" != --secure ]; then args+=("$a"); fi
        done
        if ((SECURE)); then
                [ -f "$SEC/admin.properties" ] || die "no $SEC/admin.properties: run 'scripts/stack up --secure' first"
                args=(--command-config "$SEC/admin.properties" "${args[@]}")
        fi
        exec "$(java_bin)" -Dlog4j.configuration="file:$repo/stack/log4j.properties" -cp "$KAFKA_LIBS/*" \
                org.apache.kafka.tools.TopicCommand --bootstrap-server "$(brokers)" "${args[@]}"
}
