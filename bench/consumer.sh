#!/bin/bash
# Benchmark 2, consumer end to end (docs/performance.md).
#
#   bench/consumer.sh [BUILD_DIR]        (scripts/bench runs it)
#   MW_BENCH_CONSUMER_EVENTS  events (default 1000000, spread over the 30
#                             project topics)
#   MW_BENCH_BATCH_ROWS       midway-consumer batch.rows (default: its
#                             default, 5000)
#
# midway-gen writes exports for the 30 projects and midway-producer sends
# them, so the topics hold N events. Then, each timed on its own, wall clock:
#   midway    midway-consumer -e into a fresh database: exactly once into
#             the event ledger, the per-citizen state maintained in the
#             same transactions (COPY into a staging table, INSERT ... ON
#             CONFLICT, midway_apply_batch(), offsets compare-and-set);
#   COPY      the physical limit: the stored event rows are written out with
#             COPY TO, the event table truncated, and psql's \copy loads the
#             same rows into the same table (its indexes, foreign keys),
#             no Kafka, no decoding, no per-citizen state;
#   reference bench/ref_consumer.py (Python: confluent-kafka, fastavro,
#             psycopg; one transaction per 1000 messages with their offsets)
#             reading the same topics into another fresh database.
# Targets: midway >= 50% of COPY and >= 10 times the reference.
source "$(dirname "$0")/lib.sh"
N=${MW_BENCH_CONSUMER_EVENTS:-1000000}
BATCH=${MW_BENCH_BATCH_ROWS:-}
TARGET_COPY=0.50
TARGET_REF=10

new_db bench_consumer
"$BENCH_BUILD/midway-admin" create-topics 2>/dev/null
new_key
log "producing $N events over the 30 project topics"
fill "$N"
topic_args=()
for slug in $(q "SELECT slug FROM project ORDER BY project_id"); do
        topic_args+=(--topic "$MW_TOPIC_PREFIX.registrations.$slug")
done

log "midway-consumer: $N events, exactly once, into database bench_consumer"
psql "$MW_PG_CONNINFO" -Xq -c "CHECKPOINT"
backend_cpu_watch bench_consumer midway-consumer "$BENCH_WORK/mw.backend" &
watch=$!
t0=$(now_ns)
/usr/bin/time -f '%U %S %M' -o "$BENCH_WORK/mw.time" \
        "$BENCH_BUILD/midway-consumer" -q -e ${BATCH:+-o batch.rows=$BATCH}
t1=$(now_ns)
wait "$watch"
mw_s=$(secs "$t0" "$t1")
read -r mw_user mw_sys mw_rss <"$BENCH_WORK/mw.time"
mw_backend=$(awk '{ printf "%.1f", $1 / 1e9 }' "$BENCH_WORK/mw.backend")
stored=$(q "SELECT count(*) FROM event")
[ "$stored" -eq "$N" ] || die "midway stored $stored events, not $N"
"$BENCH_BUILD/midway-admin" verify >/dev/null 2>&1 || die "midway-admin verify failed"
citizens=$(q "SELECT count(*) FROM citizen")

log "COPY: the same $N rows into the same (truncated) event table"
psql "$MW_PG_CONNINFO" -Xq -c "\\copy event TO '$BENCH_WORK/event.copy'"
psql "$MW_PG_CONNINFO" -Xq -c "TRUNCATE event" -c "CHECKPOINT"
t0=$(now_ns)
/usr/bin/time -f '%U %S' -o "$BENCH_WORK/copy.time" psql "$MW_PG_CONNINFO" -Xq <<EOF
SELECT pg_backend_pid() AS pid \\gset
\\setenv PGPID :pid
\\! cut -d' ' -f1 /proc/\$PGPID/schedstat >$BENCH_WORK/copy.cpu0
\\copy event FROM '$BENCH_WORK/event.copy'
\\! cut -d' ' -f1 /proc/\$PGPID/schedstat >$BENCH_WORK/copy.cpu1
EOF
t1=$(now_ns)
copy_s=$(secs "$t0" "$t1")
read -r copy_user copy_sys <"$BENCH_WORK/copy.time"
copy_backend=$(awk -v a="$(cat "$BENCH_WORK/copy.cpu0")" -v b="$(cat "$BENCH_WORK/copy.cpu1")" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
[ "$(q "SELECT count(*) FROM event")" -eq "$N" ] || die "COPY stored $(q "SELECT count(*) FROM event") rows"
rm -f "$BENCH_WORK/event.copy"

log "reference consumer (Python): the same topics into database bench_consumer_ref"
new_db bench_consumer_ref
backend_cpu_watch bench_consumer_ref bench-ref-consumer "$BENCH_WORK/ref.backend" &
watch=$!
t0=$(now_ns)
/usr/bin/time -f '%U %S %M' -o "$BENCH_WORK/ref.time" \
        "$BENCH_PY" "$BENCH_SRC/bench/ref_consumer.py" --brokers "$MW_BROKERS" \
        --registry "$MW_REGISTRY_URL" \
        --conninfo "$MW_PG_CONNINFO application_name=bench-ref-consumer" \
        --group "$MW_GROUP_ID-ref" "${topic_args[@]}"
t1=$(now_ns)
wait "$watch"
ref_s=$(secs "$t0" "$t1")
read -r ref_user ref_sys ref_rss <"$BENCH_WORK/ref.time"
ref_backend=$(awk '{ printf "%.1f", $1 / 1e9 }' "$BENCH_WORK/ref.backend")
stored=$(q "SELECT count(*) FROM event")
[ "$stored" -eq "$N" ] || die "the reference stored $stored events, not $N"

mw_rate=$(rate "$N" "$mw_s")
copy_rate=$(rate "$N" "$copy_s")
ref_rate=$(rate "$N" "$ref_s")
r_copy=$(ratio "$mw_rate" "$copy_rate")
r_ref=$(ratio "$mw_rate" "$ref_rate")
met_copy=$(awk -v r="$r_copy" -v t="$TARGET_COPY" 'BEGIN { print (r >= t ? "yes" : "no") }')
met_ref=$(awk -v r="$r_ref" -v t="$TARGET_REF" 'BEGIN { print (r >= t ? "yes" : "no") }')
# CPU seconds (client + its PostgreSQL backend): less sensitive than wall
# clock to what else runs on the machine
mw_cpu=$(awk -v a="$mw_user" -v b="$mw_sys" -v c="$mw_backend" 'BEGIN { printf "%.1f", a + b + c }')
copy_cpu=$(awk -v a="$copy_user" -v b="$copy_sys" -v c="$copy_backend" 'BEGIN { printf "%.1f", a + b + c }')
ref_cpu=$(awk -v a="$ref_user" -v b="$ref_sys" -v c="$ref_backend" 'BEGIN { printf "%.1f", a + b + c }')
cr_copy=$(ratio "$copy_cpu" "$mw_cpu")
cr_ref=$(ratio "$ref_cpu" "$mw_cpu")
cat <<EOF
consumer end to end, $N events in 30 topics ($citizens citizens)
  midway-consumer  ${mw_s} s  ${mw_rate} events/s  CPU ${mw_cpu} s (client ${mw_user} s user ${mw_sys} s sys, backend ${mw_backend} s; peak RSS $((mw_rss / 1024)) MiB)
  COPY limit       ${copy_s} s  ${copy_rate} rows/s  CPU ${copy_cpu} s (psql ${copy_user} s user ${copy_sys} s sys, backend ${copy_backend} s)
  reference (Py)   ${ref_s} s  ${ref_rate} events/s  CPU ${ref_cpu} s (client ${ref_user} s user ${ref_sys} s sys, backend ${ref_backend} s; peak RSS $((ref_rss / 1024)) MiB)
  midway / COPY       ${r_copy}  (target >= ${TARGET_COPY}: ${met_copy}); by CPU time ${cr_copy}
  midway / reference  ${r_ref}  (target >= ${TARGET_REF}: ${met_ref}); by CPU time ${cr_ref}
  midway also maintains citizen, citizen_profile and citizen_contact in the same
  transactions; COPY and the reference write the event table only.
EOF
cfg="batch.rows ${BATCH:-5000 (default)}"
result "consumer vs COPY, $N events" "midway-consumer ${mw_rate} events/s (${mw_s} s)" \
        "COPY into event ${copy_rate} rows/s (${copy_s} s)" "$r_copy" ">= $TARGET_COPY" "$met_copy" \
        "$cfg; CPU (client + backend) midway ${mw_cpu} s, COPY ${copy_cpu} s: ratio by CPU ${cr_copy}; midway also maintains the per-citizen state"
result "consumer vs reference, $N events" "midway-consumer ${mw_rate} events/s (${mw_s} s)" \
        "Python reference ${ref_rate} events/s (${ref_s} s)" "$r_ref" ">= $TARGET_REF" "$met_ref" \
        "$cfg; CPU (client + backend) midway ${mw_cpu} s, reference ${ref_cpu} s: ratio by CPU ${cr_ref}; reference: confluent-kafka + fastavro + psycopg, 1000 messages per transaction, no per-citizen state"
