#!/usr/bin/env python3
"""Counts the hidden cells ("x") of a midway-report directory, per table.

    hidden_cells.py REPORT_DIR [--markdown]

A table here is a group of columns of the published CSV files (status.csv,
status-previous.csv, series.csv), counted separately for the project rows
and the total row (no project_id). For docs/report.md ("Hidden cells").
"""
import csv
import os
import sys

TABLES = [
    ("key figures (visited, active, exits_total)", lambda c: c in ("visited", "active", "exits_total")),
    ("exits by outcome", lambda c: c in ("exits_job", "exits_flexjob", "exits_education", "exits_other")),
    ("exit reasons", lambda c: c.startswith("exit_")),
    ("active over 4 months, interventions, mentor, company",
     lambda c: c in ("active_over_4_months", "n_at_least_one_intervention", "n_mentor",
                     "n_company_oriented")),
    ("contacts", lambda c: c == "contacts_total"),
    ("gender", lambda c: c in ("n_female", "n_male")),
    ("age", lambda c: c.startswith("n_age_")),
    ("benefit", lambda c: c in ("n_ressourceforloeb", "n_kontanthjaelp", "n_uddannelseshjaelp",
                                "n_other_benefit", "n_benefit_not_stated")),
    ("problem areas", lambda c: "problem_area" in c),
]


def count(path):
    rows = list(csv.DictReader(open(path, newline="")))
    out = []
    for name, pick in TABLES:
        cols = [c for c in rows[0] if pick(c)] if rows else []
        if not cols:
            continue
        for part, keep in (("projects", lambda r: r["project_id"] not in ("0", "")),
                           ("total row", lambda r: r["project_id"] in ("0", ""))):
            sel = [r for r in rows if keep(r)]
            cells = [r[c] for r in sel for c in cols]
            out.append((name, part, sum(v == "x" for v in cells), len(cells)))
    return out


def main():
    d = sys.argv[1]
    md = "--markdown" in sys.argv
    grand = [0, 0]
    for f in ("status.csv", "status-previous.csv", "series.csv"):
        p = os.path.join(d, f)
        if not os.path.exists(p):
            continue
        for name, part, h, n in count(p):
            grand[0] += h
            grand[1] += n
            if md:
                print("| %s | %s | %s | %d of %d |" % (f, name, part, h, n))
            else:
                print("%-20s %-55s %-10s %5d of %5d hidden" % (f, name, part, h, n))
    print(("| all | | | %d of %d |" if md else "all: %d of %d hidden") % tuple(grand))
    return 0


if __name__ == "__main__":
    sys.exit(main())
