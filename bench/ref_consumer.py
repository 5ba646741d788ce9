#!/usr/bin/env python3
"""The reference consumer of bench/consumer.sh: Kafka to PostgreSQL as a
municipal data team would write it, with the usual PyPI packages
(confluent-kafka, fastavro, psycopg 3).

One transaction per batch of up to --batch messages: the batch's events
(INSERT ... ON CONFLICT (event_id) DO NOTHING, with psycopg's executemany)
and their offsets (upsert into kafka_offset, read back on assignment), so
it is exactly-once as well. Avro is decoded with the writer schema fetched
from the registry by the id in the Confluent framing. It writes the same
event table as midway-consumer (same columns, payload as JSON), but no
per-citizen state, no validation and no dead letters.

usage: ref_consumer.py --brokers B --registry URL --conninfo C --group G
                       --topic T [--topic T ...] [--batch 1000]
Exits when every assigned partition is consumed to its end.
"""
import argparse
import io
import json
import struct
import sys
import time
import urllib.request

import fastavro
import psycopg
from confluent_kafka import Consumer, KafkaError

KINDS = {
    "Visitation": "visitation",
    "Contact": "contact",
    "Intervention": "intervention",
    "Exit": "exit",
    "ProfileChange": "profile_change",
}

INSERT = """INSERT INTO event (event_id, project_id, municipality_code, citizen_ref,
    key_id, kind, event_date, registered_at, producer_id, action, supersedes,
    payload, kafka_topic, kafka_partition, kafka_offset)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (event_id) DO NOTHING"""

OFFSET = """INSERT INTO kafka_offset (consumer_group, topic, partition, next_offset, messages)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (consumer_group, topic, partition) DO UPDATE
SET next_offset = EXCLUDED.next_offset,
    messages = kafka_offset.messages + EXCLUDED.messages,
    updated_at = now()"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("--conninfo", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--topic", action="append", required=True)
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args()

    db = psycopg.connect(args.conninfo)
    schemas = {}

    def schema(schema_id):
        if schema_id not in schemas:
            url = f"{args.registry}/schemas/ids/{schema_id}"
            with urllib.request.urlopen(url, timeout=10) as r:
                schemas[schema_id] = fastavro.parse_schema(json.loads(json.load(r)["schema"]))
        return schemas[schema_id]

    assigned = set()
    at_end = set()

    def on_assign(consumer, partitions):
        with db.cursor() as cur:
            for tp in partitions:
                cur.execute(
                    "SELECT next_offset FROM kafka_offset WHERE consumer_group = %s "
                    "AND topic = %s AND partition = %s",
                    (args.group, tp.topic, tp.partition))
                row = cur.fetchone()
                tp.offset = row[0] if row else -2  # OFFSET_BEGINNING
                assigned.add((tp.topic, tp.partition))
        db.commit()
        consumer.assign(partitions)

    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": args.group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": True,
        "isolation.level": "read_committed",
    })
    consumer.subscribe(args.topic, on_assign=on_assign)
    total = 0
    started = time.monotonic()
    while True:
        msgs = consumer.consume(num_messages=args.batch, timeout=1.0)
        rows = []
        offsets = {}
        for m in msgs:
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add((m.topic(), m.partition()))
                    continue
                raise SystemExit(f"consumer: {m.error()}")
            at_end.discard((m.topic(), m.partition()))
            value = m.value()
            _magic, schema_id = struct.unpack(">bI", value[:5])
            rec = fastavro.schemaless_reader(io.BytesIO(value[5:]), schema(schema_id),
                                             None, return_record_name=True)
            kind, payload = rec["payload"]
            rows.append((
                rec["event_id"], rec["project_id"], rec["municipality_code"],
                rec["citizen_ref"], rec["key_id"], KINDS[kind.rsplit(".", 1)[-1]],
                rec["event_date"], rec["registered_at"], rec["producer_id"],
                rec["action"], rec["supersedes"], json.dumps(payload, default=str),
                m.topic(), m.partition(), m.offset()))
            key = (m.topic(), m.partition())
            n, _ = offsets.get(key, (0, 0))
            offsets[key] = (n + 1, m.offset() + 1)
        if rows:
            with db.transaction():
                with db.cursor() as cur:
                    cur.executemany(INSERT, rows)
                    cur.executemany(OFFSET, [(args.group, t, p, nxt, n)
                                             for (t, p), (n, nxt) in offsets.items()])
            total += len(rows)
        if assigned and at_end >= assigned and not rows:
            break
    consumer.close()
    secs = time.monotonic() - started
    print(f"ref_consumer: {total} events in {secs:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
