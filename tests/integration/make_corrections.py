#!/usr/bin/python3
"""Makes correction and retraction rows for an export (integration tests).

usage: make_corrections.py EXPORT.csv IDS SEED N TAG > corrections.csv
IDS holds the producer's event id of each data row of EXPORT (its --dry-run
output order). Picks N rows at random (seeded): an exit gets a different
reason, a contact is retracted, an intervention becomes company-oriented,
a visitation moves one week earlier; and some corrections are corrected
again.
"""
import csv
import random
import sys

REASONS = ["caseworker_assessed", "flexjob", "moved", "citizen_left", "ordinary_job",
           "ordinary_education", "disability_pension", "illness"]


def main():
    path, ids_path, seed, n, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    rng = random.Random(seed)
    with open(path, newline="", encoding="utf-8") as fp:
        reader = csv.DictReader(fp, delimiter=";")
        rows = list(reader)
        fields = reader.fieldnames + [c for c in ("handling", "erstatter")
                                      if c not in reader.fieldnames]
    ids = [l.strip() for l in open(ids_path)]
    assert len(ids) == len(rows), (len(ids), len(rows))
    out = csv.DictWriter(sys.stdout, fieldnames=fields, delimiter=";", lineterminator="\n")
    out.writeheader()
    picked = rng.sample(range(len(rows)), n)
    for k, i in enumerate(picked):
        row = dict(rows[i], handling="rettelse", erstatter=ids[i])
        row["kilde_id"] = f"{row['kilde_id']}-{tag}{k}"
        kind = row["haendelse"]
        if kind == "afgang":
            row["afgangsaarsag"] = rng.choice([r for r in REASONS if r != row["afgangsaarsag"]])
        elif kind == "kontakt":
            row["handling"] = "annullering"
        elif kind == "indsats":
            row["indsatstype"] = "company"
            if "mentortype" in row:  # mentor support only
                row["mentortype"] = ""
        elif kind == "visitation":
            d, m, y = row["dato"].split("-")
            day = max(1, int(d) - 7)
            row["dato"] = f"{day:02d}-{m}-{y}"
        else:
            continue
        out.writerow(row)


main()
