#!/usr/bin/python3
"""Independent oracle for the integration tests.

Reads producer CSV exports and the pseudonymisation key and prints, one line
per expected stored event, what PostgreSQL must hold, computed without any of
midway's C code: the citizen reference (HMAC-SHA256 of the CPR), the event id
(UUIDv5 of the pseudonymised row, per docs/input-format.md), gender and age
band derived from the CPR, and the payload fields.

usage: oracle.py KEYFILE PROJECT_ID FILE...
"""
import csv
import datetime
import hashlib
import hmac
import sys
import uuid

NS_EVENT = uuid.UUID(bytes=bytes([0x36, 0x34, 0x26, 0x9F, 0x85, 0xFA, 0x44, 0x7A,
                                  0xB1, 0x26, 0x7C, 0x24, 0x99, 0xAD, 0xAA, 0x67]))
ID_COLUMNS = ["kommunekode", "haendelse", "dato", "registreret", "maalgruppe",
              "ydelse", "koen", "aldersgruppe", "problemomraader", "kontaktform",
              "sted", "indsats_id", "indsatstype", "status", "startdato",
              "slutdato", "afgangsaarsag", "handling", "erstatter", "kilde_id"]
# Columns added after exports existed: they join the id only when not empty,
# after the others (docs/input-format.md).
ADDED_ID_COLUMNS = ["mentortype"]
KINDS = {"visitation": "visitation", "kontakt": "contact", "indsats": "intervention",
         "afgang": "exit", "profilaendring": "profile_change"}


def target_groups():
    """project id -> youth/adult, from the repository's reference table."""
    import os
    path = os.path.join(os.environ["MW_SOURCE_DIR"], "reference", "projects.csv")
    with open(path, encoding="utf-8") as fp:
        rows = csv.DictReader((l for l in fp if not l.startswith("#")), delimiter=";")
        return {int(r["project_id"]): r["target_group"] for r in rows}


def dk(s):
    return datetime.datetime.strptime(s, "%d-%m-%Y").date()


def birth_date(cpr):
    d, m, yy, c7 = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    if c7 <= 3:
        century = 1900
    elif c7 in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:
        century = 2000 if yy <= 57 else 1800
    return datetime.date(century + yy, m, d)


def age_band(age):
    for limit, band in ((25, "18-24"), (30, "25-29"), (40, "30-39"), (50, "40-49")):
        if age < limit:
            return band
    return "50+"


def main():
    key = open(sys.argv[1], "rb").read()
    if key.endswith(b"\n"):
        key = key[:-1]
    project = int(sys.argv[2])
    target = target_groups()[project]
    for path in sys.argv[3:]:
        with open(path, newline="", encoding="utf-8") as fp:
            for row in csv.DictReader(fp, delimiter=";"):
                cpr = row["cpr"].replace("-", "")
                ref = hmac.new(key, cpr.encode(), hashlib.sha256).hexdigest()
                name = f"{project}\x1f{ref}" + "".join(
                    "\x1f" + row.get(c, "").lstrip(" ") for c in ID_COLUMNS) + "".join(
                    "\x1f" + row[c].lstrip(" ") for c in ADDED_ID_COLUMNS
                    if row.get(c, "").strip(" "))
                event_id = uuid.uuid5(NS_EVENT, name)
                kind = KINDS[row["haendelse"]]
                date = dk(row["dato"])
                if kind == "visitation":
                    b = birth_date(cpr)
                    age = date.year - b.year - ((date.month, date.day) < (b.month, b.day))
                    gender = "female" if int(cpr[9]) % 2 == 0 else "male"
                    areas = ",".join(a for a in row["problemomraader"].split(",") if a)
                    detail = [target, row["ydelse"],
                              gender, age_band(age), areas]
                elif kind == "contact":
                    detail = [row["kontaktform"], row["sted"]]
                elif kind == "intervention":
                    detail = [row["indsats_id"], row["indsatstype"], row["status"],
                              dk(row["startdato"]).isoformat() if row["startdato"] else "",
                              row.get("mentortype", "")]
                elif kind == "exit":
                    detail = [row["afgangsaarsag"]]
                else:
                    detail = []
                print("|".join([str(event_id), str(project), row["kommunekode"], ref,
                                kind, date.isoformat()] + detail))


main()
