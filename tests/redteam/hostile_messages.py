#!/usr/bin/python3
"""The red-team corpus of hostile Kafka messages (tests/integration/it_redteam.sh).

Writes Confluent-framed messages for the topic of project 5 (Frederikshavn,
municipality 813), encoded by Debian's python3-avro (not midway's codec),
each with what the consumer must do with it: store it, or dead-letter it at
one stage (decode, schema, privacy, validate, bind, store). Good messages
are interleaved so that every poison sits between events that must be
stored. Hostile values that python3-avro will not encode (dates past year
9999, invalid UTF-8) are written with the logical types stripped, or patched
into the encoded bytes at a placeholder of the same length.

usage: hostile_messages.py REGISTRY_URL TOPIC SCHEMA OUT_DIR
Prints one line per message: NNNN EXPECT NAME, and writes OUT_DIR/NNNN.msg
and OUT_DIR/NNNN.key (absent: the message has no key). OUT_DIR/cprs lists
the CPR numbers (10 digits) hidden in the corpus, for the leak search.
"""
import io
import json
import os
import random
import sys
import uuid

import avro.io
import avro.schema

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from confluent import frame, register  # noqa: E402

REG, TOPIC, SCHEMA, OUT = sys.argv[1:5]
DAY0 = 16344  # 2014-10-01
rng = random.Random(11)
CPRS = ["1402721168", "1002881172", "0508671176", "2101851234", "3112791000",
        "0107904321", "1503661122"]


def strip_logical(node):
    """The same schema with plain int/long/string where logical types were."""
    if isinstance(node, dict):
        out = {k: strip_logical(v) for k, v in node.items() if k != "logicalType"}
        if out.get("type") in ("int", "long", "string") and len(out) == 1:
            return out["type"]
        return out
    if isinstance(node, list):
        return [strip_logical(v) for v in node]
    return node


TEXT = open(SCHEMA).read()
ID = register(REG, f"{TOPIC}-value", TEXT)
PLAIN = avro.schema.parse(json.dumps(strip_logical(json.loads(TEXT))))


def ref():
    return f"{rng.getrandbits(256):064x}"


def base(kind_payload, **over):
    day = DAY0 + rng.randrange(200)
    ev = {"event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "project_id": 5,
          "municipality_code": 813, "citizen_ref": ref(), "key_id": "00112233aabbccdd",
          "event_date": day, "registered_at": (day + 1) * 86400000, "producer_id": "redteam-host",
          "action": "new", "supersedes": None, "payload": kind_payload}
    ev.update(over)
    return ev


def intervention(ref_text="R1", start=None, end=None):
    return {"intervention_ref": ref_text, "category": "company", "status": "started",
            "start_date": start, "end_date": end}


def contact():
    return {"channel": "sms", "place": None}


def encode(ev, patch=None):
    buf = io.BytesIO()
    avro.io.DatumWriter(PLAIN).write(ev, avro.io.BinaryEncoder(buf))
    body = buf.getvalue()
    if patch:
        old, new = patch
        assert len(old) == len(new) and body.count(old) == 1
        body = body.replace(old, new)
    return frame(ID, body)


def fullwidth(digits):
    return "".join(chr(0xFF10 + int(d)) for d in digits)


n = 0


def emit(expect, name, value, key=b"<ref>", ev=None):
    global n
    with open(f"{OUT}/{n:04d}.msg", "wb") as fp:
        fp.write(value)
    if key is not None:
        if key == b"<ref>":
            key = ev["citizen_ref"].encode()
        with open(f"{OUT}/{n:04d}.key", "wb") as fp:
            fp.write(key)
    print(f"{n:04d} {expect} {name}")
    n += 1


def good():
    ev = base(contact())
    emit("stored", "good", encode(ev), ev=ev)


def hostile(expect, name, ev, patch=None, key=b"<ref>"):
    emit(expect, name, encode(ev, patch), key=key, ev=ev)
    good()


good()
ok = encode(base(contact()))
# decode and schema stages: bytes that are no registration
emit("decode", "random-bytes", bytes(rng.getrandbits(8) for _ in range(64)), key=None)
emit("decode", "bad-magic", b"\x07" + ok[1:], key=None)
emit("decode", "truncated", ok[:20], key=None)
emit("decode", "string-claims-2GiB", ok[:5] + b"\x80\x80\x80\x80\x10" + b"x" * 8, key=None)
emit("schema", "unknown-schema-id", frame(999999, ok[5:]), key=None)
good()
# validate: what PostgreSQL would refuse, and what the contract forbids
hostile("validate", "invalid-utf8-intervention-ref",
        base(intervention("ZZPOISONZZ")), patch=(b"ZZPOISONZZ", b"\xff\xfe\xfdPOISON\xc3"))
hostile("validate", "control-char-producer-id", base(contact(), producer_id="host\nFAKE LOG LINE"))
hostile("validate", "event-date-year-10000", base(contact(), event_date=2932897,
                                                    registered_at=2932898 * 86400000))
hostile("validate", "registered-at-year-300000", base(contact(), registered_at=9_400_000_000_000_000))
hostile("validate", "intervention-start-2^31-1", base(intervention("R2", start=2**31 - 1)))
hostile("validate", "intervention-end-before-programme", base(intervention("R3", end=100)))
hostile("validate", "key-id-not-hex", base(contact(), key_id="k1"))
hostile("validate", "intervention-ref-with-blank", base(intervention("R 4")))
# privacy: a CPR number in any spelling, in any string (the value is withheld)
hostile("privacy", "cpr-dotted", base(intervention("14.02.72-1168")))
hostile("privacy", "cpr-spaced", base(intervention("10 02 88 1172")))
hostile("privacy", "cpr-odd-split", base(intervention("05086-71176")))
hostile("privacy", "cpr-fullwidth", base(intervention(fullwidth("2101851234"))))
hostile("privacy", "cpr-in-producer-id", base(contact(), producer_id="host-3112791000"))
hostile("privacy", "cpr-in-key-id", base(contact(), key_id="0107904321"))
hostile("privacy", "cpr-as-message-key", base(contact()), key=b"150366-1122")
# bind: what the topic's ACL does not cover
hostile("bind", "project-30-on-frederikshavn-topic", base(contact(), project_id=30,
                                                          municipality_code=851))
hostile("bind", "null-key", base(contact()), key=None)
hostile("bind", "key-not-citizen-ref", base(contact()), key=ref().encode())
# store: valid, but refused by a rule of the database (the test adds it)
hostile("store", "refused-by-database", base(intervention("REDTEAM-POISON")))
for _ in range(5):
    good()
with open(f"{OUT}/cprs", "w") as fp:
    fp.write("\n".join(CPRS) + "\n")
