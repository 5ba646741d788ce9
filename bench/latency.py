#!/usr/bin/env python3
"""Helpers of bench/latency.sh (docs/performance.md).

  latency.py load   BROKERS TOPIC OUT      read every message of TOPIC (key,
                                           value) into OUT (pickle)
  latency.py produce BROKERS TOPIC IN RATE SECONDS LOG
                                           produce the messages of IN, in
                                           order, at RATE per second for
                                           SECONDS (idempotent, acks=all);
                                           LOG gets one line per message:
                                           partition offset t_produce t_ack
  latency.py watch  CONNINFO GROUP POLL_MS LOG STOPFILE
                                           poll kafka_offset every POLL_MS
                                           until STOPFILE exists; LOG gets
                                           t partition next_offset whenever
                                           a partition's stored offset moves
  latency.py report PRODUCED WATCHED WARMUP_S
                                           per event: the first watched time
                                           at which its partition's stored
                                           next_offset is past its offset,
                                           minus its produce time

Times are CLOCK_MONOTONIC nanoseconds (time.monotonic_ns), which all
processes of the machine share.
"""
import pickle
import sys
import time


def load(brokers, topic, out):
    from confluent_kafka import Consumer, KafkaError, TopicPartition
    c = Consumer({"bootstrap.servers": brokers, "group.id": "bench-latency-load",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    md = c.list_topics(topic, timeout=10).topics[topic]
    parts = [TopicPartition(topic, p, -2) for p in md.partitions]
    c.assign(parts)
    msgs, eof = [], set()
    while len(eof) < len(parts):
        for m in c.consume(10000, timeout=1.0):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    eof.add(m.partition())
                    continue
                raise SystemExit(str(m.error()))
            msgs.append((m.key(), m.value(), m.timestamp()[1]))
    c.close()
    # the order the export was written in (producer timestamps, stable)
    msgs.sort(key=lambda x: x[2])
    with open(out, "wb") as f:
        pickle.dump([(k, v) for k, v, _ in msgs], f)
    print(len(msgs))


def produce(brokers, topic, path, rate, seconds, log):
    from confluent_kafka import Producer
    with open(path, "rb") as f:
        msgs = pickle.load(f)
    n = min(len(msgs), int(rate * seconds))
    p = Producer({"bootstrap.servers": brokers, "enable.idempotence": True,
                  "acks": "all", "linger.ms": 5})
    sent = [None] * n
    acked = []

    def dr(err, m, i):
        if err is not None:
            raise SystemExit(f"delivery failed: {err}")
        acked.append((m.partition(), m.offset(), sent[i], time.monotonic_ns()))

    interval = 1e9 / rate
    start = time.monotonic_ns()
    for i in range(n):
        due = start + int(i * interval)
        while True:
            now = time.monotonic_ns()
            if now >= due:
                break
            p.poll(min((due - now) / 1e9, 0.001))
        k, v = msgs[i]
        sent[i] = time.monotonic_ns()
        p.produce(topic, value=v, key=k, on_delivery=lambda err, m, i=i: dr(err, m, i))
        p.poll(0)
    p.flush(30)
    took = (time.monotonic_ns() - start) / 1e9
    with open(log, "w") as f:
        for part, off, t0, t1 in acked:
            f.write(f"{part} {off} {t0} {t1}\n")
    print(f"produced {n} messages in {took:.1f} s ({n / took:.0f}/s), {len(acked)} acknowledged",
          file=sys.stderr)


def watch(conninfo, group, poll_ms, log, stopfile):
    import os
    import psycopg
    last = {}
    gaps = []
    prev = None
    with psycopg.connect(conninfo, autocommit=True) as db, open(log, "w") as f:
        cur = db.cursor()
        while not os.path.exists(stopfile):
            t = time.monotonic_ns()
            cur.execute("SELECT partition, next_offset FROM kafka_offset "
                        "WHERE consumer_group = %s", (group,), prepare=True)
            seen = time.monotonic_ns()
            for part, nxt in cur.fetchall():
                if last.get(part) != nxt:
                    last[part] = nxt
                    # visible to a query that started at t: committed
                    # before t, after the previous poll's t at the earliest
                    f.write(f"{t} {seen} {part} {nxt}\n")
            if prev is not None:
                gaps.append((t - prev) / 1e6)
            prev = t
            time.sleep(poll_ms / 1000)
    gaps.sort()
    # the resolution of the measurement: time between two polls
    with open(log + ".gaps", "w") as f:
        f.write(f"{len(gaps)} {gaps[len(gaps) // 2]:.1f} {gaps[int(len(gaps) * 0.99)]:.1f} "
                f"{gaps[-1]:.1f}\n")


def report(produced, watched, warmup_s):
    import bisect
    events = []
    for line in open(produced):
        part, off, t0, t1 = map(int, line.split())
        events.append((part, off, t0, t1))
    changes = {}
    for line in open(watched):
        t, seen, part, nxt = map(int, line.split())
        changes.setdefault(part, []).append((nxt, t))
    for part in changes:
        changes[part].sort()
    t_start = min(e[2] for e in events)
    lat, ack, missing = [], [], 0
    for part, off, t0, t1 in events:
        if (t0 - t_start) / 1e9 < warmup_s:
            continue
        ch = changes.get(part, [])
        # next_offset only grows: the first change with next_offset > off
        i = bisect.bisect_right(ch, (off, float("inf")))
        if i == len(ch):
            missing += 1
            continue
        lat.append((ch[i][1] - t0) / 1e6)
        ack.append((t1 - t0) / 1e6)
    lat.sort()
    ack.sort()

    def pct(v, p):
        return v[min(len(v) - 1, int(p / 100 * len(v)))]
    print(f"{len(lat)} {pct(lat, 50):.1f} {pct(lat, 99):.1f} {lat[-1]:.1f} "
          f"{pct(ack, 50):.1f} {pct(ack, 99):.1f} {missing}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "load":
        load(*args)
    elif cmd == "produce":
        produce(args[0], args[1], args[2], float(args[3]), float(args[4]), args[5])
    elif cmd == "watch":
        watch(args[0], args[1], float(args[2]), args[3], args[4])
    elif cmd == "report":
        report(args[0], args[1], float(args[2]))
    else:
        raise SystemExit(__doc__)
