#!/usr/bin/env python3
"""An attacker on published midway reports (docs/report.md, "The attacker").

    attack.py [--threshold N] REPORT_DIR [REPORT_DIR...]

Reads only what a report publishes (status.csv, status-previous.csv,
series.csv of each directory, and the counts of appendix.csv for the
changes below; several directories = reports published on
different nights, read together) and tries to work out hidden cells ("x").
It shares no code with the report or its suppression. What it knows:
  - the documented relations of every row on every date (visited = active +
    exits; exits by outcome and by reason add up to exits; gender, age,
    benefit, problem areas add up to active; active = over 4 months + the
    rest, and the same for interventions, mentor and company support) and
    that the total row is the sum of the projects;
  - cumulative counts never fall: visited, exits in total, by outcome and
    by reason of a project on a date are at most those on any later date;
  - "over 4 months" at T means an intake before T - 4 months: at most the
    visited on the first published date on or after T - 4 months;
  - a hidden count is at least 1 (zeros are published), except in a
    breakdown withheld as a whole: a published margin (visited, active,
    exits) whose breakdown's parts are all hidden; those may be 0.
It pins a cell by bounds propagation over all of that, and by exact linear
algebra (fractions) over the equations. And it subtracts: a count of
persons printed on two dates that differs by 1 .. N-1 gives away the few
who came or left in between. Exit 1 if it pins a hidden count of 1 .. N-1
persons or finds such a change; prints every cell it pins and every
change."""
import argparse
import csv
import datetime
import os
import sys
from fractions import Fraction

MARK = "x"
REASONS = ["caseworker_assessed", "flexjob", "moved", "citizen_left", "ordinary_job",
           "ordinary_education", "disability_pension", "parental_leave", "rehabilitation",
           "prison", "retirement", "death", "illness"]
OUTCOME = {"exits_job": ["ordinary_job"], "exits_flexjob": ["flexjob"],
           "exits_education": ["ordinary_education"],
           "exits_other": [r for r in REASONS if r not in ("ordinary_job", "flexjob",
                                                           "ordinary_education")]}
PARTS_OF_ACTIVE = [["n_female", "n_male"],
                   ["n_age_18_24", "n_age_25_29", "n_age_30_39", "n_age_40_49", "n_age_50_plus"],
                   ["n_ressourceforloeb", "n_kontanthjaelp", "n_uddannelseshjaelp", "n_other_benefit",
                    "n_benefit_not_stated"],
                   ["n_one_problem_area", "n_multiple_problem_areas", "n_problem_area_not_stated"]]
SHARES = ["active_over_4_months", "n_at_least_one_intervention", "n_mentor", "n_company_oriented"]
CUMULATIVE = (["visited", "exits_total"] + list(OUTCOME) + ["exit_" + r for r in REASONS])
SKIP = {"as_of", "project_id", "project_name", "target_group", "expected_target",
        "expected_target_total", "contacts_first_month_per_citizen",
        "contacts_later_per_citizen_month"}


class Model:
    def __init__(self):
        self.known = {}    # cell -> published value
        self.hidden = set()
        self.marked = set()  # hidden cells printed as "x" (not complements)
        self.lo0 = {}      # cell -> lower bound (1 hidden, 0 never printed)
        self.eqs = []      # (total, [parts])
        self.les = []      # (a, b): a <= b
        self.app = {}      # appendix counts printed: for the changes only

    def cell(self, name, text):
        if text == MARK:
            if name not in self.known:
                self.hidden.add(name)
                self.marked.add(name)
                self.lo0[name] = 1
        elif text not in ("", None):
            self.known[name] = int(text)
            self.hidden.discard(name)
            self.marked.discard(name)

    def var(self, name):  # a count nobody prints (a complement)
        if name not in self.known and name not in self.hidden:
            self.hidden.add(name)
            self.lo0[name] = 0

    def has(self, name):
        return name in self.known or name in self.hidden


def load(m, dirs):
    rows = set()
    for d in dirs:
        for f in ("status.csv", "status-previous.csv", "series.csv"):
            p = os.path.join(d, f)
            if not os.path.exists(p):
                continue
            with open(p, newline="", encoding="utf-8") as fh:
                for r in csv.DictReader(fh):
                    k = (r["as_of"], r["project_id"] or "T")
                    rows.add(k)
                    for c, v in r.items():
                        if c in SKIP or c.startswith("pct_"):
                            continue
                        m.cell(k + (c,), v)
        p = os.path.join(d, "appendix.csv")
        if os.path.exists(p):
            with open(p, newline="", encoding="utf-8") as fh:
                for r in csv.DictReader(fh):
                    if r["n"] not in ("", MARK):
                        m.app[(r["as_of"], r["project_id"] or "T", "app:" + r["measure"])] = int(r["n"])
    return rows


def relations(m, rows):
    for day, pid in sorted(rows):
        n = lambda c: (day, pid, c)
        if m.has(n("exits_total")):
            m.eqs.append((n("visited"), [n("active"), n("exits_total")]))
        for s in SHARES:
            if m.has(n(s)):
                other = n("n_without_intervention") if s == "n_at_least_one_intervention" \
                    and m.has(n("n_without_intervention")) else n("not_" + s)
                m.var(other)
                m.eqs.append((n("active"), [n(s), other]))
        if m.has(n("exits_job")):
            m.eqs.append((n("exits_total"), [n(g) for g in OUTCOME]))
            m.eqs.append((n("exits_total"), [n("exit_" + r) for r in REASONS]))
            for g, rs in OUTCOME.items():
                m.eqs.append((n(g), [n("exit_" + r) for r in rs]))
            for ps in PARTS_OF_ACTIVE:
                m.eqs.append((n("active"), [n(p) for p in ps]))
    cols = {}
    for day, pid, c in list(m.known) + list(m.hidden):
        cols.setdefault((day, c), set()).add(pid)
    for (day, c), pids in cols.items():
        if "T" in pids:
            m.eqs.append(((day, "T", c), [(day, p, c) for p in sorted(pids - {"T"})]))
    # monotone cumulative counts, and "over 4 months"
    by = {}
    for day, pid in rows:
        by.setdefault(pid, []).append(day)
    for pid, days in by.items():
        days = sorted(set(days))
        for c in CUMULATIVE:
            have = [d for d in days if m.has((d, pid, c))]
            for a, b in zip(have, have[1:]):
                m.les.append(((a, pid, c), (b, pid, c)))
        for d in days:
            if not m.has((d, pid, "active_over_4_months")):
                continue
            t = datetime.date.fromisoformat(d)
            y, mo = (t.year, t.month - 4) if t.month > 4 else (t.year - 1, t.month + 8)
            back = t.replace(year=y, month=mo, day=min(t.day, 28))
            later = [e for e in days if e >= back.isoformat() and m.has((e, pid, "visited"))]
            if later:
                m.les.append(((d, pid, "active_over_4_months"), (later[0], pid, "visited")))


MARGINS = ("visited", "active", "exits_total")
APP_MARGINS = ("app:visited", "app:active", "app:exits_total")


def withheld(m):
    """The parts of a breakdown of a published margin that are all hidden
    may be 0 (withheld as a whole)."""
    for tot, ps in m.eqs:
        if tot[2] not in MARGINS or any(p[2] in MARGINS for p in ps):
            continue
        if tot in m.known and all(p in m.hidden for p in ps):
            for p in ps:
                m.lo0[p] = 0


def bounds(m):
    INF = float("inf")
    lo = {c: m.lo0[c] for c in m.hidden}
    hi = {c: INF for c in m.hidden}
    for c, v in m.known.items():
        lo[c] = hi[c] = v
    for tot, ps in m.eqs:
        for c in [tot] + ps:
            lo.setdefault(c, 0)
            hi.setdefault(c, INF)
    changed = True
    while changed:
        changed = False
        for tot, ps in m.eqs:
            slo, shi = sum(lo[p] for p in ps), sum(hi[p] for p in ps)
            if slo > lo[tot] or shi < hi[tot]:
                lo[tot], hi[tot], changed = max(lo[tot], slo), min(hi[tot], shi), True
            for p in ps:
                nlo = max(lo[p], lo[tot] - (shi - hi[p]))
                nhi = min(hi[p], hi[tot] - (slo - lo[p]))
                if nlo > lo[p] or nhi < hi[p]:
                    lo[p], hi[p], changed = nlo, nhi, True
                    slo, shi = sum(lo[q] for q in ps), sum(hi[q] for q in ps)
        for a, b in m.les:
            if a in lo and b in lo:
                if lo[a] > lo[b]:
                    lo[b], changed = lo[a], True
                if hi[b] < hi[a]:
                    hi[a], changed = hi[b], True
        bad = [c for c in lo if lo[c] > hi[c]]
        if bad:  # the model contradicts what is published: it is wrong
            print("attack: contradiction at %s" % (bad[0],))
            sys.exit(2)
    return lo, hi


def algebra(m):
    """Exact elimination of the equations over the hidden cells: a reduced
    equation with one hidden cell left gives its value."""
    piv = {}
    for tot, ps in m.eqs:
        row, const = {}, Fraction(0)
        for k, c in enumerate([tot] + ps):
            s = 1 if k == 0 else -1
            if c in m.hidden:
                row[c] = row.get(c, 0) + s
            else:
                const -= s * m.known.get(c, 0)
        row = {c: Fraction(v) for c, v in row.items() if v}
        while row:
            c = min(row)
            if c not in piv:
                f = row[c]
                piv[c] = ({k: v / f for k, v in row.items()}, const / f)
                break
            prow, pc = piv[c]
            f = row[c]
            for k, v in prow.items():
                nv = row.get(k, 0) - f * v
                if nv:
                    row[k] = nv
                else:
                    row.pop(k, None)
            const -= f * pc
    out = {}
    for c in sorted(piv, reverse=True):
        prow, pc = piv[c]
        for k in [k for k in prow if k != c and k in out]:
            pc -= prow[k] * out[k]
            del prow[k]
        piv[c] = (prow, pc)
        if len(prow) == 1:
            out[c] = pc
    return out


def changes(m, threshold):
    """Counts of persons printed on two dates (of one report or of two)
    whose difference is 1 .. threshold-1: the people who came into or left
    a group in between, e.g. one woman aged 40-49 who entered a project.
    The margins (visited, active, exits) are published with their changes
    (docs/report.md); contacts count no persons."""
    by = {}
    for (day, pid, c), v in list(m.known.items()) + list(m.app.items()):
        if c in MARGINS or c == "contacts_total" or c in APP_MARGINS or c.startswith("app:project_type."):
            continue  # project_type.*: the project's active or 0, a margin
        by.setdefault((pid, c), []).append((day, v))
    out = []
    for (pid, c), vals in sorted(by.items()):
        vals.sort()
        for i, (d1, v1) in enumerate(vals):
            for d2, v2 in vals[i + 1:]:
                if 1 <= abs(v2 - v1) < threshold:
                    out.append((pid, c, d1, v1, d2, v2))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=int, default=5)
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    m = Model()
    rows = load(m, a.dirs)
    relations(m, rows)
    withheld(m)
    lo, hi = bounds(m)
    pinned = {c: lo[c] for c in m.hidden if lo[c] == hi[c]}
    for c, v in algebra(m).items():
        if v.denominator == 1:
            pinned.setdefault(c, int(v))
    printed = {c: v for c, v in pinned.items() if c in m.marked}
    small = {c: v for c, v in printed.items() if 1 <= v < a.threshold}
    for c in sorted(printed):
        print("pinned: %s %s %s = %d" % (c + (printed[c],)))
    moved = changes(m, a.threshold)
    for pid, c, d1, v1, d2, v2 in moved:
        print("change: project %s %s %s %d -> %s %d" % (pid, c, d1, v1, d2, v2))
    print("attack: %d hidden cells, %d equations, %d inequalities; pinned %d hidden cells, %d of them "
          "a count of 1-%d; %d printed counts change by 1-%d between two dates"
          % (len(m.marked), len(m.eqs), len(m.les), len(printed), len(small),
             a.threshold - 1, len(moved), a.threshold - 1))
    return 1 if small or moved else 0


if __name__ == "__main__":
    sys.exit(main())
