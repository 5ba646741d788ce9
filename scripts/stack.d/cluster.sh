# shellcheck shell=bash
# scripts/stack.d/cluster.sh: how many Kafka nodes and what they are called. One node is the
# component kafka; three (MW_KAFKA_NODES=3) are kafka1, kafka2, kafka3, each a combined KRaft
# broker+controller, node N on MW_KAFKA_PORT+2(N-1) with its controller on
# MW_KAFKA_CONTROLLER_PORT+2(N-1). The state directory remembers the number ($NODES_FILE).
# Also the names built from the nodes: brokers (bootstrap list), quorum_voters.
#
# Reads: MW_KAFKA_NODES, STATE, SECURE, KAFKA_PORT, KAFKA_CONTROLLER_PORT, PG_PORT,
# REGISTRY_PORT (common.sh).
# Sets (cluster_init): NODES_FILE, KAFKA_NODES, KAFKA_COMPS (the Kafka components) and
# COMPONENTS (every component of this stack, in start order).

cluster_init() { # command (reset may change the number of nodes)
        local had c p i seen
        NODES_FILE=$STATE/kafka-nodes
        KAFKA_NODES=${MW_KAFKA_NODES:-}
        if [ -n "$KAFKA_NODES" ] && ! [[ $KAFKA_NODES =~ ^[13]$ ]]; then
                usage_error "MW_KAFKA_NODES must be 1 or 3, got '$KAFKA_NODES'"
        fi
        if [ -f "$NODES_FILE" ]; then
                had=$(cat "$NODES_FILE")
                [[ $had =~ ^[13]$ ]] || die "$NODES_FILE: bad node count '$had'"
                if [ -n "$KAFKA_NODES" ] && [ "$KAFKA_NODES" != "$had" ] && [ "${1:-}" != reset ]; then
                        die "$STATE holds a $had-node Kafka, not MW_KAFKA_NODES=$KAFKA_NODES ('scripts/stack reset' deletes it, or use another MW_STACK_DIR)"
                fi
                KAFKA_NODES=$had
        elif [ "${KAFKA_NODES:-1}" != 1 ] && [ -e "$STATE/kafka/data" ]; then
                die "$STATE holds a one-node Kafka; MW_KAFKA_NODES=$KAFKA_NODES needs another MW_STACK_DIR (or 'scripts/stack reset')"
        fi
        KAFKA_NODES=${KAFKA_NODES:-1}
        if ((SECURE && KAFKA_NODES != 1)); then usage_error "the secure Kafka has one node (MW_KAFKA_NODES=1)"; fi
        KAFKA_COMPS=(kafka)
        COMPONENTS=(kafka pg registry)
        if ((SECURE)); then COMPONENTS=(kafka); fi
        if ((KAFKA_NODES > 1)); then
                KAFKA_COMPS=()
                for ((i = 1; i <= KAFKA_NODES; i++)); do KAFKA_COMPS+=("kafka$i"); done
                COMPONENTS=("${KAFKA_COMPS[@]}" pg registry)
                seen=" $PG_PORT $REGISTRY_PORT "
                for c in "${KAFKA_COMPS[@]}"; do
                        for p in "$(node_port "$c")" "$(node_ctrl_port "$c")"; do
                                ((p <= 65535)) || usage_error "$c: port $p is above 65535 (lower MW_KAFKA_PORT or MW_KAFKA_CONTROLLER_PORT)"
                                [[ $seen != *" $p "* ]] || usage_error "$c: port $p is used twice (node N uses MW_KAFKA_PORT+2(N-1) and MW_KAFKA_CONTROLLER_PORT+2(N-1))"
                                seen+="$p "
                        done
                done
        fi
}

# node N (component kafkaN, or kafka for node 1 of a one-node Kafka) and its ports
node_no() { if [ "$1" = kafka ]; then echo 1; else echo "${1#kafka}"; fi; }
node_port() { echo $((KAFKA_PORT + 2 * ($(node_no "$1") - 1))); }
node_ctrl_port() { echo $((KAFKA_CONTROLLER_PORT + 2 * ($(node_no "$1") - 1))); }

brokers() {
        local c out=""
        for c in "${KAFKA_COMPS[@]}"; do out+=",127.0.0.1:$(node_port "$c")"; done
        echo "${out#,}"
}
quorum_voters() {
        local c out=""
        for c in "${KAFKA_COMPS[@]}"; do out+=",$(node_no "$c")@127.0.0.1:$(node_ctrl_port "$c")"; done
        echo "${out#,}"
}
