"""A case-system vendor's producer, written from docs/schemas.md alone
(issue 15): Python with fastavro and confluent-kafka from PyPI, none of
midway's code. It makes up citizens of one project, publishes their
registrations (intakes, contacts, exits, a correction and a retraction)
to the project's topic as the contract says, and prints on stdout, as
JSON, the status it expects midway to report for AS_OF.

usage: producer.py BROKERS REGISTRY_URL TOPIC PROJECT_ID MUNICIPALITY KEYFILE SCHEMA AS_OF N
"""
import datetime
import hashlib
import hmac
import io
import json
import random
import struct
import sys
import urllib.request
import uuid

import confluent_kafka
import fastavro

BROKERS, REGISTRY, TOPIC = sys.argv[1:4]
PROJECT, MUNI = int(sys.argv[4]), int(sys.argv[5])
KEYFILE, SCHEMA = sys.argv[6], sys.argv[7]
AS_OF = datetime.date.fromisoformat(sys.argv[8])
N = int(sys.argv[9])
rng = random.Random(15)

# "the key file's bytes, without one trailing newline"
key = open(KEYFILE, "rb").read()
if key.endswith(b"\n"):
    key = key[:-1]
KEY_ID = hashlib.sha256(key).digest()[:8].hex()
# our own namespace: "any stable recipe, e.g. a version 5 UUID over its own stable row id"
NS = uuid.UUID("6f1d2c3b-4a59-4e8d-9c7b-0a1b2c3d4e5f")

schema_text = open(SCHEMA).read()
parsed = fastavro.parse_schema(json.loads(schema_text))
req = urllib.request.Request(f"{REGISTRY}/subjects/{TOPIC}-value/versions",
                             data=json.dumps({"schema": schema_text}).encode(), method="POST",
                             headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
with urllib.request.urlopen(req, timeout=30) as resp:
    SCHEMA_ID = json.load(resp)["id"]

producer = confluent_kafka.Producer({"bootstrap.servers": BROKERS, "enable.idempotence": True,
                                     "acks": "all"})
sent = 0


def cpr(i):
    # day, month, year (1980-1989), then 4 digits
    return f"{(i % 28) + 1:02d}{(i % 12) + 1:02d}{80 + i % 10:02d}{1000 + i:04d}"


def ref_of(number):
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def send(row_id, ref, day, action, record, payload, supersedes=None):
    """Publishes one registration; returns its event id."""
    global sent
    event_id = str(uuid.uuid5(NS, row_id))
    ev = {"event_id": event_id, "project_id": PROJECT, "municipality_code": MUNI,
          "citizen_ref": ref, "key_id": KEY_ID, "event_date": day,
          # registered the next morning, 10:00 UTC
          "registered_at": datetime.datetime.combine(day + datetime.timedelta(days=1),
                                                     datetime.time(10), datetime.timezone.utc),
          "producer_id": "acme-case-3", "action": action, "supersedes": supersedes,
          "payload": ("dk.midway." + record, payload)}
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, parsed, ev)
    producer.produce(TOPIC, key=ref.encode(), value=b"\0" + struct.pack(">I", SCHEMA_ID) + buf.getvalue())
    producer.poll(0)
    sent += 1
    return event_id


visitation = {"target_group": "adult", "benefit_type": "kontanthjaelp", "gender": "female",
              "age_band": "30-39", "problem_areas": ["social"]}
start = datetime.date(2015, 1, 5)
visited = active = exits = contacts = 0
for i in range(N):
    ref = ref_of(cpr(i))
    intake = start + datetime.timedelta(days=rng.randrange(170))
    intake_id = send(f"case-{i}-intake", ref, intake, "new", "Visitation",
                     dict(visitation, gender=rng.choice(["female", "male"])))
    in_status = intake <= AS_OF
    # a correction of every 7th intake to a day after the cut-off: not visited by then
    if i % 7 == 3:
        later = AS_OF + datetime.timedelta(days=10)
        send(f"case-{i}-intake-fix", ref, later, "correction", "Visitation", visitation,
             supersedes=intake_id)
        intake, in_status = later, False
    for c in range(rng.randrange(4)):
        day = intake + datetime.timedelta(days=3 + 9 * c)
        send(f"case-{i}-contact-{c}", ref, day, "new", "Contact",
             {"channel": rng.choice(["personal", "phone", "sms"]), "place": None})
        if in_status and day <= AS_OF:
            contacts += 1
    exited = False
    if i % 5 == 1:
        day = intake + datetime.timedelta(days=20)
        exit_id = send(f"case-{i}-exit", ref, day, "new", "Exit", {"reason": "ordinary_job"})
        exited = day <= AS_OF
        # every 10th exit is withdrawn: a retraction carries the payload it withdraws
        if i % 10 == 1:
            send(f"case-{i}-exit-withdrawn", ref, day, "retraction", "Exit",
                 {"reason": "ordinary_job"}, supersedes=exit_id)
            exited = False
    if in_status:
        visited += 1
        exits += exited
        active += not exited

left = producer.flush(60)
if left:
    sys.exit(f"{left} messages not delivered")
json.dump({"as_of": AS_OF.isoformat(), "messages": sent, "visited": visited, "active": active,
           "exits_total": exits, "contacts_total": contacts}, sys.stdout)
print()
