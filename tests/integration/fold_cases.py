#!/usr/bin/python3
"""Random per-citizen histories as SQL batches for the consumer's batch
function (it_fold.sh, issue 12 item 4).

usage: fold_cases.py SEED CITIZENS > batches.sql

Each citizen gets a random history: visitations, exits, interventions,
contacts and profile changes on few dates and few registration times (so
ties of intake and exit dates, and of registered_at, are common; in
Vallensbaek/Ishoej, project 28, of two municipalities), then
corrections and retractions of earlier registrations, some of them
corrected again. The registrations are shuffled (a correction may arrive
before what it corrects), a few are sent twice, and split into batches of
random size; each batch is one transaction that does what midway-consumer
does: stage, insert (duplicates skipped), midway_apply_batch(true) if none
was a duplicate, else (false). The state after all batches is then
compared with a recomputation from scratch (verify_difference).
"""
import json
import random
import sys
import uuid

DATES = ["2015-01-05", "2015-01-05", "2015-01-12", "2015-02-02", "2015-03-01", "2015-04-20"]
REGS = ["2015-05-01 10:00:00+00", "2015-05-01 10:00:00+00", "2015-05-02 09:00:00+00",
        "2015-05-03 12:00:00+00", "2015-06-01 08:00:00+00"]
KINDS = ["visitation", "visitation", "visitation", "exit", "exit", "intervention",
         "intervention", "contact", "profile_change"]


def payload(rng, kind):
    if kind == "visitation":
        return {"target_group": rng.choice(["youth", "adult"]),
                "gender": rng.choice(["female", "male"]),
                "age_band": rng.choice(["18-24", "25-29", "30-39"]),
                "benefit_type": rng.choice(["kontanthjaelp", "ressourceforloeb", None]),
                "problem_areas": rng.choice([["fysisk"], ["psykisk", "socialt"], []])}
    if kind == "exit":
        return {"reason": rng.choice(["moved", "ordinary_job", "flexjob", "illness"])}
    if kind == "intervention":
        p = {"intervention_ref": "X%d" % rng.randrange(3),
             "category": rng.choice(["mentor", "company", "health"]),
             "status": rng.choice(["started", "ended", "planned"])}
        if rng.random() < 0.6:
            p["start_date"] = rng.choice(DATES)
        return p
    if kind == "contact":
        return {"channel": rng.choice(["personal", "phone", "sms", "email"])}
    p = {}
    if rng.random() < 0.7:
        p["benefit_type"] = rng.choice(["kontanthjaelp", "other"])
    if rng.random() < 0.5:
        p["problem_areas"] = rng.choice([["fysisk"], []])
    return p


def event(rng, ref, kind, action="new", supersedes=None):
    return {"event_id": str(uuid.UUID(int=rng.getrandbits(128))), "citizen_ref": ref,
            "municipality": rng.choice([187, 183]),
            "kind": kind, "event_date": rng.choice(DATES), "registered_at": rng.choice(REGS),
            "action": action, "supersedes": supersedes, "payload": payload(rng, kind)}


def history(rng, ref):
    evs = [event(rng, ref, rng.choice(KINDS)) for _ in range(rng.randrange(1, 9))]
    for _ in range(rng.choice([0, 0, 0, 1, 2, 3])):  # half have only new ones
        target = rng.choice(evs)
        action = "retraction" if rng.random() < 0.3 else "correction"
        evs.append(event(rng, ref, target["kind"], action, target["event_id"]))
    return evs


def lit(v):
    if v is None:
        return "NULL"
    return "'" + str(v).replace("'", "''") + "'"


def main():
    seed, n = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    evs = []
    for i in range(n):
        evs += history(rng, "fold-%d-%d" % (seed, i))
    rng.shuffle(evs)
    evs += rng.sample(evs, max(1, len(evs) // 20))  # sent twice
    rng.shuffle(evs)
    print("SET client_min_messages = warning;")
    print("CREATE TEMP TABLE IF NOT EXISTS stage_event (LIKE event INCLUDING DEFAULTS) "
          "ON COMMIT DELETE ROWS;")
    i, offset, batches = 0, 0, 0
    while i < len(evs):
        size = rng.choice([1, 2, 3, 5, 8, 13, 30])
        rows = []
        for e in evs[i:i + size]:
            rows.append("(%s, 28, %d, %s, 'k1', %s, %s, %s, 'fold', %s, %s, %s, 'fold', 0, %d)" % (
                lit(e["event_id"]), e["municipality"], lit(e["citizen_ref"]), lit(e["kind"]), lit(e["event_date"]),
                lit(e["registered_at"]), lit(e["action"]), lit(e["supersedes"]),
                lit(json.dumps(e["payload"])), offset))
            offset += 1
        i += size
        batches += 1
        print("BEGIN;")
        print("INSERT INTO pg_temp.stage_event (event_id, project_id, municipality_code, "
              "citizen_ref, key_id, kind, event_date, registered_at, producer_id, action, "
              "supersedes, payload, kafka_topic, kafka_partition, kafka_offset) VALUES\n"
              + ",\n".join(rows) + ";")
        print("""DO $$
DECLARE staged int; inserted int;
BEGIN
    SELECT count(DISTINCT event_id) INTO staged FROM pg_temp.stage_event;
    INSERT INTO event SELECT DISTINCT ON (event_id) * FROM pg_temp.stage_event
    ON CONFLICT (event_id) DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    PERFORM midway_apply_batch(inserted = staged
                               AND staged = (SELECT count(*) FROM pg_temp.stage_event));
END $$;""")
        print("COMMIT;")
    sys.stderr.write("%d registrations of %d citizens in %d batches\n" % (len(evs), n, batches))


main()
