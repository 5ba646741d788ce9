#!/usr/bin/python3
"""Writers of three schema versions, for the schema-evolution fault test.

Encodes registrations with Debian's python3-avro (an Avro implementation
independent of midway's avro-c codec) under an older, the current and a
newer version of the registration schema, registers each version with the
schema registry under the topic's subject, and writes one Confluent-framed
message per file (DIR/NNNN.msg, key in DIR/NNNN.key), the three writers
interleaved. Prints, per message, the line dump_events (lib.sh) must show
for it, or "DLQ <reason>" for a payload branch the consumer cannot know.

usage: evolve_writer.py REGISTRY_URL TOPIC SOURCE_DIR OUT_DIR N
"""
import datetime
import io
import json
import os
import random
import sys
import uuid

import avro.io
import avro.schema

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from confluent import delete_subject, frame, register, set_compatibility  # noqa: E402

REG, TOPIC, SRC, OUT, N = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
SCHEMAS = {
    "older": f"{SRC}/tests/fixtures/schemas/registration-older.avsc",
    "current": f"{SRC}/schemas/registration.avsc",
    "newer": f"{SRC}/tests/fixtures/schemas/registration-newer.avsc",
}
DAY0 = 16344  # 2014-10-01
rng = random.Random(7)


def date(days):
    return datetime.date(1970, 1, 1) + datetime.timedelta(days=days)


def iso(days):
    return date(days).isoformat()


def event(writer, i):
    ref = f"{rng.getrandbits(256):064x}"
    day = DAY0 + rng.randrange(250)
    ev = {"event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "project_id": 20,
          "municipality_code": 727, "citizen_ref": ref, "key_id": "00112233aabbccdd",
          "event_date": date(day),
          "registered_at": datetime.datetime.combine(date(day + 1), datetime.time(), datetime.timezone.utc),
          "producer_id": f"writer-{writer}",
          "action": "new"}
    if writer != "older":
        ev["supersedes"] = None
    if writer == "newer":
        ev["schema_note"] = "v3"
        ev["tags"] = {"x": 1}
    kind = ["visitation", "contact", "intervention", "exit"][i % 4]
    if writer == "newer" and i % 10 == 9:
        kind = "transfer"
    if kind == "visitation":
        p = {"target_group": "adult", "benefit_type": "kontanthjaelp", "gender": "female",
             "age_band": "30-39", "problem_areas": ["physical", "social"]}
        if writer == "newer":
            p.update(referral_source="jobcenter", score=3.5)
        detail = "adult|kontanthjaelp|female|30-39|physical,social"
    elif kind == "contact":
        p = {"channel": "sms"}
        if writer != "older":
            p["place"] = "home"
        detail = "sms|" + ("home" if writer != "older" else "")
    elif kind == "intervention":
        p = {"intervention_ref": f"R{i}", "category": "company", "status": "started",
             "start_date": date(day), "end_date": None}
        detail = f"R{i}|company|started|{iso(day)}"
    elif kind == "exit":
        # The newer writer uses a code added to the list later (illness).
        reason = "illness" if writer == "newer" else "flexjob"
        p = {"reason": reason}
        detail = reason
    else:
        p = {"to_project": 5}
        detail = None
    ev["payload"] = p
    if detail is None:
        return ev, "DLQ"
    return ev, "|".join([ev["event_id"], "20", "727", ref, kind, iso(day), detail])


def main():
    ids, parsed = {}, {}
    # The subject's history starts with the older version, as a real
    # deployment's would: the subject create-topics made (this build's
    # schema, BACKWARD_TRANSITIVE) is replaced by one whose first version is
    # the older schema, and the rule is set again after it, so the current
    # and the newer version are registered under it, oldest first.
    subject = f"{TOPIC}-value"
    delete_subject(REG, subject)
    for w, path in SCHEMAS.items():
        text = open(path).read()
        ids[w] = register(REG, subject, text)
        if w == "older":
            set_compatibility(REG, subject, "BACKWARD_TRANSITIVE")
        parsed[w] = avro.schema.parse(text)
    n = 0
    for i in range(N):
        for w in ("older", "current", "newer"):
            ev, expect = event(w, i)
            buf = io.BytesIO()
            avro.io.DatumWriter(parsed[w]).write(ev, avro.io.BinaryEncoder(buf))
            with open(f"{OUT}/{n:04d}.msg", "wb") as fp:
                fp.write(frame(ids[w], buf.getvalue()))
            with open(f"{OUT}/{n:04d}.key", "w") as fp:
                fp.write(ev["citizen_ref"])
            print(f"{w} {ids[w]} {expect}")
            n += 1


main()
