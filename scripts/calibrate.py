#!/usr/bin/env python3
"""Derive reference/calibration.csv from reference/sites.csv.

calibration.csv holds, per project, the exact integer counts a synthetic
export must produce at the midway cut-off (1 July 2015) so that the midway
status reproduces what the sites' sections of the midway report state
(DOMAIN.md section 12 for sites.csv, section 5 for the national figures).
docs/calibration.md explains every rule; the short version:

* A figure stated in sites.csv is used as stated. A stated percentage p of
  a base b becomes the count n of active citizens with
  round_half_up(100 * n / b) == p, the one closest to p * b / 100. When no
  whole number gives p, the nearest is used and the figure is listed in
  the row's not_reproducible column.
* Figures that follow arithmetically from the text (the rest, categories
  not mentioned, sums) are listed in `derived`; invented ones in `filled`.
* Contradictions (DOMAIN.md section 10) are resolved as documented below
  and in docs/calibration.md.

Usage: scripts/calibrate.py [-s SITES] [-p PROJECTS] [-o OUTPUT]
       scripts/calibrate.py --check   (exit 1 if OUTPUT differs from a fresh run)
Only the python3 standard library is used; the output is deterministic.
"""

import argparse
import csv
import io
import os
import sys
from fractions import Fraction

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))

# lib/event/codes.c: the exit reasons in Table 2's order, plus illness, and their
# groups.
REASONS = [
    ("caseworker_assessed", "other"),
    ("flexjob", "flexjob"),
    ("moved", "other"),
    ("citizen_left", "other"),
    ("ordinary_job", "job"),
    ("ordinary_education", "education"),
    ("disability_pension", "other"),
    ("parental_leave", "other"),
    ("rehabilitation", "other"),
    ("prison", "other"),
    ("retirement", "other"),
    ("death", "other"),
    ("illness", "other"),
]
GROUP_REASON = {"job": "ordinary_job", "flexjob": "flexjob",
                "education": "ordinary_education"}
OTHER_REASONS = [r for r, g in REASONS if g == "other"]

# Table 2 (DOMAIN.md 4.7), per 1 July 2015, all 30 projects; illness is on
# the municipal list but not in Table 2 (0).
TABLE2 = {
    "caseworker_assessed": 41, "flexjob": 32, "moved": 24,
    "citizen_left": 22, "ordinary_job": 21, "ordinary_education": 18,
    "disability_pension": 11, "parental_leave": 5, "rehabilitation": 3,
    "prison": 2, "retirement": 1, "death": 1, "illness": 0,
}

NATIONAL_VISITED = 2145
NATIONAL_ACTIVE = 1964
NATIONAL_EXITS = 181

# National shares of active citizens (DOMAIN.md section 5, Fig. 2, 4-6).
GENDER_PCT = [("female", 56), ("male", 44)]
# Fig. 2's five age values in printed order, taken as the band order
# (inferred: the order inside <30 and inside 30-49 was lost).
AGE_PCT = [("18_24", 10), ("25_29", 14), ("30_39", 27), ("40_49", 30),
           ("50_plus", 19)]
AGE_UNDER_30 = ("18_24", "25_29")
# Fig. 2 benefit mix (sums to 101.1 by rounding).
BENEFIT_PCT = {"ressourceforloeb": Fraction(43), "kontanthjaelp": Fraction(38),
               "uddannelseshjaelp": Fraction(19), "other": Fraction(1),
               "not_stated": Fraction(1, 10)}
BENEFITS = ["ressourceforloeb", "kontanthjaelp", "uddannelseshjaelp", "other",
            "not_stated"]
BENEFIT_COL = {"ressourceforloeb": "n_ressourceforloeb",
               "kontanthjaelp": "n_kontanthjaelp",
               "uddannelseshjaelp": "n_uddannelseshjaelp",
               "other": "n_other_benefit",
               "not_stated": "n_benefit_not_stated"}
SITE_BENEFIT_COL = {"ressourceforloeb": "pct_ressourceforloebsydelse",
                    "kontanthjaelp": "pct_kontanthjaelp",
                    "uddannelseshjaelp": "pct_uddannelseshjaelp",
                    "other": "pct_other_benefit"}
# Fig. 4: 1,122 one main problem area, 725 more than one, 117 not stated.
# Fig. 5 splits the one-area group 55/37/8 (psychological, physical,
# social); Fig. 6 the multi-area group 44/37/12 (psych.+phys.,
# psych.+social, all three), the remaining 7% physical+social (inferred).
AREAS_ONE = [("psychological", 55), ("physical", 37), ("social", 8)]
AREAS_MULTI = [("psychological_physical", 44), ("psychological_social", 37),
               ("all_three", 12), ("physical_social", 7)]
N_ONE_AREA, N_MULTI_AREA, N_NO_AREA = 1122, 725, 117
AREA_COLS = ["psychological", "physical", "social", "psychological_physical",
             "psychological_social", "physical_social", "all_three"]
# Share of active citizens with a company-oriented intervention, July 2015.
COMPANY_PCT = 20
# The cross-project average of "at least one intervention" (site sections).
INTERVENTION_PCT = 83

# ---- site-specific decisions (each one explained in docs/calibration.md) --

# Esbjerg's printed shares use its printed active count 71 (64/71 = 90%,
# the stated >4-months share), although its stated exits give 73 active.
STATED_ACTIVE_BASE = {"Esbjerg"}
# Shares printed "af borgerne i projektet" (of the citizens in the
# project): the base tried first is visited (sites.csv notes).
VISITED_WORDING = {("Brønderslev", "intervention"), ("København", "over_4"),
                   ("København", "intervention"), ("Middelfart", "intervention"),
                   ("Slagelse", "mentor")}
# The other exit reasons the text names (sites.csv notes).
STATED_OTHER_REASONS = {
    "Kalundborg": {"disability_pension": 1},        # 'grundet førtidspension'
    "Norddjurs": {"citizen_left": 1, "caseworker_assessed": 1},
    "Hedensted": {"citizen_left": 3},                # 'heraf 3 valgt at forlade'
}
# Frederikshavn's December 2015 exit table (DOMAIN.md section 9) bounds its
# July 'other' exits: only reasons with December counts are possible; they
# are split in proportion to the December counts.
FREDERIKSHAVN_DECEMBER_OTHER = {"caseworker_assessed": 4, "moved": 1,
                                "retirement": 2, "rehabilitation": 2}
# Benefit mixes of the three sites that give none, as the text describes
# them: Brønderslev and Esbjerg 'langt størstedelen ... uddannelseshjælp'
# (at least 75%, the rest ressourceforløb); Lyngby-Taarbæk ressourceforløb or
# kontanthjælp. The split is chosen so that the national mix comes as close
# to Fig. 2 as the stated mixes allow.
BENEFIT_FILL = {
    "Brønderslev": ("uddannelseshjaelp", "ressourceforloeb", Fraction(3, 4)),
    "Esbjerg": ("uddannelseshjaelp", "ressourceforloeb", Fraction(3, 4)),
    "Lyngby-Taarbæk": ("kontanthjaelp", "ressourceforloeb", Fraction(1, 4)),
}
# Where the printed benefit mix leaves citizens over, they are 'not
# stated' unless the text names the rest.
BENEFIT_REST = {"Jammerbugt": "ressourceforloeb"}  # 'de resterende'
# Stevns started its intake in January 2015 (only 2 citizens > 4 months).
FIRST_VISITATION = {"Stevns": "2015-01-05"}
PROGRAMME_START = "2014-10-01"
# Contacts: 2 in the first month, then one every other month nationally
# (one per 61 days); the text singles out sites with many or few contacts.
CONTACT_INTERVAL = {"Ballerup": 30, "Brønderslev": 30, "København": 122,
                    "Norddjurs": 122}
DEFAULT_CONTACT_INTERVAL = 61
NO_SMS = {"Sønderborg"}  # 'SMS not used for security reasons'


def rhu(num, den):
    """num/den rounded half up (non-negative integers or Fractions)."""
    q = Fraction(num) / Fraction(den)
    return int((2 * q.numerator + q.denominator) // (2 * q.denominator))


def pct(n, base):
    return rhu(100 * n, base)


def roundtrip(p, base, max_n):
    """The counts n <= max_n whose share of base rounds to p."""
    return [n for n in range(0, max_n + 1) if pct(n, base) == p]


def closest(cands, target):
    return min(cands, key=lambda n: (abs(Fraction(n) - target), n))


def count_for_pct(p, bases, max_n):
    """(n, base, reproducible) for a printed share p: the first base in
    bases that some whole n <= max_n reproduces, else the nearest n on the
    first base."""
    for b in bases:
        cands = roundtrip(p, b, max_n)
        if cands:
            return closest(cands, Fraction(p * b, 100)), b, True
    b = bases[0]
    n = closest(range(0, max_n + 1), Fraction(p * b, 100))
    return n, b, False


def apportion(total, weights):
    """Largest-remainder split of total in proportion to weights (ties to
    the earlier key)."""
    keys = list(weights)
    wsum = sum(weights.values())
    if wsum == 0:
        return {k: 0 for k in keys}
    quota = {k: Fraction(total) * weights[k] / wsum for k in keys}
    out = {k: int(quota[k]) for k in keys}
    left = total - sum(out.values())
    order = sorted(keys, key=lambda k: (-(quota[k] - out[k]), keys.index(k)))
    for k in order[:left]:
        out[k] += 1
    return out


def sequential(sizes, pool, allowed=None):
    """Splits a national pool {category: count} over rows {row: size} with
    sum(sizes) == sum(pool): each row in turn takes its share of what is
    left (largest remainder, capped by what is left), so every row sum and
    every national total is exact. allowed[row] restricts the categories."""
    left = dict(pool)
    out = {}
    for row, k in sizes.items():
        cats = [c for c in left if allowed is None or c in allowed.get(row, left)]
        w = {c: left[c] for c in cats}
        if sum(w.values()) < k:
            raise SystemExit(f"calibrate: pool exhausted at {row}")
        share = apportion(k, w)
        # a category's share never exceeds what is left: quota <= left
        for c in cats:
            left[c] -= share[c]
        out[row] = {c: share.get(c, 0) for c in pool}
    if any(left.values()):
        raise SystemExit(f"calibrate: pool not used up: {left}")
    return out


def num(cell):
    return int(cell) if cell.strip() != "" else None


class Site:
    def __init__(self, pid, row, project):
        self.pid = pid
        self.name = row["municipality"]
        self.slug = project["slug"]
        self.group = row["youth_or_adult"]
        if project["target_group"] != self.group:
            raise SystemExit(f"calibrate: {self.name}: target group differs")
        self.row = row
        self.visited = num(row["visited_by_2015_07_01"])
        self.stated_active = num(row["active"])
        self.derived = []
        self.filled = []
        self.not_reproducible = []
        self.exits = {}       # group -> count
        self.reason = {r: 0 for r, _ in REASONS}
        self.out = {}


def derive_exits(s):
    """Exit groups of one site from its stated cells (DOMAIN.md 12)."""
    r = s.row
    cats = {"job": num(r["exits_job"]), "flexjob": num(r["exits_flexjob"]),
            "education": num(r["exits_education"]),
            "other": num(r["exits_other"])}
    total = num(r["exits_total"])
    implied = (s.visited - s.stated_active
               if s.stated_active is not None else None)
    if all(v is None for v in cats.values()) and total is None \
            and implied is None:
        return None  # København: nothing stated
    if cats["other"] is not None or all(v is not None for v in cats.values()):
        # every category the text names is given: the unnamed are 0
        for k, v in cats.items():
            if v is None:
                cats[k] = 0
                s.derived.append(f"exits_{k}")
    else:
        t = total if total is not None else implied
        for k in ("job", "flexjob", "education"):
            if cats[k] is None:
                cats[k] = 0
                s.derived.append(f"exits_{k}")
        cats["other"] = t - cats["job"] - cats["flexjob"] - cats["education"]
        s.derived.append("exits_other")
    t = sum(cats.values())
    if total is not None and total != t:
        raise SystemExit(f"calibrate: {s.name}: exits {total} != {t}")
    if total is None:
        s.derived.append("exits_total")
    s.exits = cats
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-s", "--sites", default=os.path.join(ROOT, "reference", "sites.csv"))
    ap.add_argument("-p", "--projects", default=os.path.join(ROOT, "reference", "projects.csv"))
    ap.add_argument("-o", "--output", default=os.path.join(ROOT, "reference", "calibration.csv"))
    ap.add_argument("--check", action="store_true",
                    help="compare OUTPUT with a fresh run instead of writing it")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print the national totals and decisions to stderr")
    args = ap.parse_args()

    with open(args.sites, encoding="utf-8", newline="") as f:
        site_rows = list(csv.DictReader(f))
    with open(args.projects, encoding="utf-8") as f:
        lines = [l for l in f if not l.startswith("#")]
    projects = list(csv.DictReader(lines, delimiter=";"))
    if len(site_rows) != 30 or len(projects) != 30:
        raise SystemExit("calibrate: expected 30 sites and 30 projects")
    sites = [Site(i + 1, r, projects[i]) for i, r in enumerate(site_rows)]
    by_name = {s.name: s for s in sites}

    # ---- exits by group; the one site without figures gets the residual
    unknown = []
    for s in sites:
        if derive_exits(s) is None:
            unknown.append(s)
    known_exits = sum(sum(s.exits.values()) for s in sites if s.exits)
    if len(unknown) != 1:
        raise SystemExit("calibrate: expected exactly one site without exits")
    k = unknown[0]
    residual = NATIONAL_EXITS - known_exits
    # Table 2's job/flexjob/education totals are all placed by the other
    # sites (education exactly, job+flexjob together), so the residual is
    # an 'other' exit.
    k.exits = {"job": 0, "flexjob": 0, "education": 0, "other": residual}
    k.filled += ["exits_total", "exits_job", "exits_flexjob",
                 "exits_education", "exits_other"]

    conflicts = []
    for s in sites:
        s.exits_total = sum(s.exits.values())
        s.active = s.visited - s.exits_total
        if s.stated_active is None:
            s.derived.append("active")
        elif s.stated_active != s.active:
            conflicts.append(s.name)
            s.derived.append("active")
            s.not_reproducible.append(f"active={s.stated_active}")
    if sorted(conflicts) != sorted(["Esbjerg", "Vallensbæk/ Ishøj", "Aalborg"]):
        raise SystemExit(f"calibrate: unexpected active conflicts {conflicts}")
    tv = sum(s.visited for s in sites)
    ta = sum(s.active for s in sites)
    if (tv, ta) != (NATIONAL_VISITED, NATIONAL_ACTIVE):
        raise SystemExit(f"calibrate: national {tv}/{ta}")

    # ---- exit reasons: job/flexjob/education map one to one; 'other' is
    # split over the ten other reasons so that the national totals equal
    # Table 2 (the site texts fix job 22 / flexjob 31 where Table 2 has
    # 21 / 32: the site figures win, see docs/calibration.md).
    for s in sites:
        for g, r in GROUP_REASON.items():
            s.reason[r] = s.exits[g]
    pool = {r: TABLE2[r] for r in OTHER_REASONS}
    for name, fixed in STATED_OTHER_REASONS.items():
        s = by_name[name]
        for r, n in fixed.items():
            s.reason[r] += n
            s.derived.append("exit_" + r)
            pool[r] -= n
    fr = by_name["Frederikshavn"]
    split = apportion(fr.exits["other"], FREDERIKSHAVN_DECEMBER_OTHER)
    for r, n in split.items():
        fr.reason[r] += n
        pool[r] -= n
    fr.filled.append("exit_reasons_other")
    if any(v < 0 for v in pool.values()):
        raise SystemExit(f"calibrate: reason pool negative {pool}")
    sizes = {}
    allowed = {}
    for s in sites:
        fixed = sum(STATED_OTHER_REASONS.get(s.name, {}).values())
        if s is fr:
            continue
        rest = s.exits["other"] - fixed
        if rest:
            sizes[s.name] = rest
            s.filled.append("exit_reasons_other")
            # nobody in a youth project (under 30) retires
            allowed[s.name] = [r for r in OTHER_REASONS
                               if not (s.group == "youth" and r == "retirement")]
    for name, share in sequential(sizes, pool, allowed).items():
        for r, n in share.items():
            by_name[name].reason[r] += n
    for s in sites:
        if sum(s.reason.values()) != s.exits_total:
            raise SystemExit(f"calibrate: {s.name}: reasons do not add up")

    # ---- active over 4 months
    known_c = [(num(s.row["active_over_4_months_count"]), s.active)
               for s in sites if num(s.row["active_over_4_months_count"]) is not None]
    ratio = Fraction(sum(c for c, _ in known_c), sum(a for _, a in known_c))
    for s in sites:
        c = num(s.row["active_over_4_months_count"])
        p = num(s.row["active_over_4_months_pct"])
        bases = base_order(s, "over_4")
        if c is not None:
            s.over4 = c
            s.base_over4 = bases[0]
            if p is not None and pct(c, s.base_over4) != p:
                # Odder: 27 of 74 is 36%, not the printed 42% (section 10.5)
                s.not_reproducible.append(f"pct_active_over_4_months={p}")
        elif p is not None:
            s.over4, s.base_over4, ok = count_for_pct(p, bases, s.active)
            s.derived.append("active_over_4_months")
            if not ok:
                s.not_reproducible.append(f"pct_active_over_4_months={p}")
        else:
            s.over4 = rhu(ratio * s.active, 1)
            s.base_over4 = s.active
            s.filled.append("active_over_4_months")

    # ---- at least one intervention, mentor
    for s in sites:
        for what, col, attr in (("intervention", "pct_at_least_one_intervention", "interv"),
                                ("mentor", "pct_mentor", "mentor")):
            p = num(s.row[col])
            bases = base_order(s, what)
            field = "n_at_least_one_intervention" if what == "intervention" else "n_mentor"
            if p is None and what == "intervention":
                n, b = rhu(Fraction(INTERVENTION_PCT * s.active, 100), 1), s.active
                s.filled.append(field)
            elif p is None:
                raise SystemExit(f"calibrate: {s.name}: no mentor share")
            else:
                n, b, ok = count_for_pct(p, bases, s.active)
                s.derived.append(field)
                if not ok:
                    s.not_reproducible.append(f"{col}={p}")
            setattr(s, attr, n)
            setattr(s, "base_" + attr, b)
        if s.mentor > s.interv:
            raise SystemExit(f"calibrate: {s.name}: mentor {s.mentor} > intervention {s.interv}")

    # ---- company-oriented: 20% of all active, in proportion to active
    n_company = rhu(Fraction(COMPANY_PCT * NATIONAL_ACTIVE, 100), 1)
    comp = sequential({s.name: s.active for s in sites},
                      {"company": n_company, "none": NATIONAL_ACTIVE - n_company})
    for s in sites:
        s.company = comp[s.name]["company"]
        s.filled.append("n_company_oriented")
        if s.company > s.interv:
            raise SystemExit(f"calibrate: {s.name}: company > intervention")

    # ---- benefit mix
    for s in sites:
        s.benefit = benefit_mix(s)
    fill_benefits([by_name[n] for n in BENEFIT_FILL], sites)

    # ---- gender, age bands, problem areas: national shares
    sizes = {s.name: s.active for s in sites}
    gender = sequential(sizes, national_counts(GENDER_PCT, NATIONAL_ACTIVE))
    age_pool = national_counts(AGE_PCT, NATIONAL_ACTIVE)
    # Youth projects are under 30. In adult projects an uddannelseshjælp
    # recipient is under 30 (25-29) too; those are placed first.
    age = {}
    for s in sites:
        if s.group == "adult" and s.benefit["uddannelseshjaelp"]:
            age_pool["25_29"] -= s.benefit["uddannelseshjaelp"]
    youth = {s.name: s.active for s in sites if s.group == "youth"}
    adult = {s.name: s.active - (s.benefit["uddannelseshjaelp"])
             for s in sites if s.group == "adult"}
    under = {b: age_pool[b] for b in AGE_UNDER_30}
    youth_share = sequential(youth, apportion(sum(youth.values()), under))
    for b in AGE_UNDER_30:
        age_pool[b] -= sum(v[b] for v in youth_share.values())
    adult_share = sequential(adult, age_pool)
    for s in sites:
        if s.group == "youth":
            a = {b: youth_share[s.name].get(b, 0) for b, _ in AGE_PCT}
        else:
            a = dict(adult_share[s.name])
            a["25_29"] += s.benefit["uddannelseshjaelp"]
        age[s.name] = a
    area_pool = {}
    area_pool.update(national_counts(AREAS_ONE, N_ONE_AREA))
    area_pool.update(national_counts(AREAS_MULTI, N_MULTI_AREA))
    area_pool["not_stated"] = N_NO_AREA
    areas = sequential(sizes, area_pool)
    for s in sites:
        s.gender = gender[s.name]
        s.age = age[s.name]
        s.areas = areas[s.name]
        s.filled += ["n_female", "n_male", "n_age_*", "n_area_*",
                     "n_problem_area_not_stated"]

    rows = [row_of(s) for s in sites]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(rows[0].keys())
    for r in rows:
        w.writerow(r.values())
    text = out.getvalue()
    if args.verbose:
        report(sites, sys.stderr)
    if args.check:
        with open(args.output, encoding="utf-8", newline="") as f:
            if f.read() != text:
                print(f"calibrate: {args.output} differs from a fresh run of "
                      f"scripts/calibrate.py", file=sys.stderr)
                return 1
        print(f"calibrate: {args.output} is up to date ({len(rows)} projects)")
        return 0
    with open(args.output, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return 0


def base_order(s, what):
    """The bases to try for a printed share, first the documented one."""
    if s.name in STATED_ACTIVE_BASE:
        return [s.stated_active, s.active]
    if (s.name, what) in VISITED_WORDING:
        return [s.visited, s.active]
    return [s.active, s.visited]


def benefit_mix(s):
    """Counts of active citizens per benefit type from the printed mix:
    the combination of round-tripping counts that reproduces the most
    printed shares, then leaves the fewest citizens over, then is closest
    to the printed values."""
    a = s.active
    stated = {b: num(s.row[SITE_BENEFIT_COL[b]]) for b in SITE_BENEFIT_COL}
    stated = {b: p for b, p in stated.items() if p is not None}
    mix = {b: 0 for b in BENEFITS}
    if not stated:
        return mix  # filled later (fill_benefits)
    cands = {}
    for b, p in stated.items():
        exact = Fraction(p * a, 100)
        lo, hi = max(0, int(exact) - 2), min(a, int(exact) + 3)
        cands[b] = list(range(lo, hi + 1))
    best = None
    keys = list(stated)

    def walk(i, chosen):
        nonlocal best
        if i == len(keys):
            total = sum(chosen.values())
            if total > a:
                return
            bad = [b for b in keys if pct(chosen[b], a) != stated[b]]
            dist = sum(abs(Fraction(chosen[b]) - Fraction(stated[b] * a, 100)) for b in keys)
            # ties: more citizens in the earlier (more common) types
            key = (len(bad), a - total, dist, [-chosen[b] for b in keys])
            if best is None or key < best[0]:
                best = (key, dict(chosen), bad)
            return
        for n in cands[keys[i]]:
            chosen[keys[i]] = n
            walk(i + 1, chosen)
        del chosen[keys[i]]

    walk(0, {})
    _, chosen, bad = best
    mix.update(chosen)
    for b in keys:
        s.derived.append(BENEFIT_COL[b])
    for b in bad:
        s.not_reproducible.append(f"{SITE_BENEFIT_COL[b]}={stated[b]}")
    rest = a - sum(mix.values())
    if rest:
        b = BENEFIT_REST.get(s.name, "not_stated")
        mix[b] += rest
        if s.name in BENEFIT_REST:
            s.derived.append(BENEFIT_COL[b])
        else:
            s.filled.append(BENEFIT_COL[b])
    return mix


def fill_benefits(fill, sites):
    """The sites without a printed mix: the split (within the text's
    description) that brings the most national Fig. 2 shares to their
    printed value, then the smallest squared distance."""
    base = {b: sum(s.benefit[b] for s in sites) for b in BENEFITS}
    best = None
    ranges = []
    for s in fill:
        main, second, min_main = BENEFIT_FILL[s.name]
        lo = int(-(-(min_main * s.active) // 1))
        ranges.append([(s, main, second, n) for n in range(lo, s.active)])

    def walk(i, picks):
        nonlocal best
        if i == len(ranges):
            tot = dict(base)
            for s, main, second, n in picks:
                tot[main] += n
                tot[second] += s.active - n
            hit = sum(1 for b in ("ressourceforloeb", "kontanthjaelp", "uddannelseshjaelp")
                      if pct(tot[b], NATIONAL_ACTIVE) == BENEFIT_PCT[b])
            dist = sum((Fraction(100 * tot[b], NATIONAL_ACTIVE) - BENEFIT_PCT[b]) ** 2
                       for b in ("ressourceforloeb", "kontanthjaelp", "uddannelseshjaelp"))
            # equal shares for the two youth sites where possible
            spread = abs(Fraction(picks[0][3], picks[0][0].active)
                         - Fraction(picks[1][3], picks[1][0].active))
            key = (-hit, dist, spread, [p[3] for p in picks])
            if best is None or key < best[0]:
                best = (key, list(picks))
            return
        for pick in ranges[i]:
            picks.append(pick)
            walk(i + 1, picks)
            picks.pop()

    walk(0, [])
    for s, main, second, n in best[1]:
        s.benefit[main] = n
        s.benefit[second] = s.active - n
        s.filled += [BENEFIT_COL[main], BENEFIT_COL[second]]


def national_counts(shares, total):
    return apportion(total, {k: Fraction(p) for k, p in shares})


def row_of(s):
    r = {
        "project_id": s.pid,
        "slug": s.slug,
        "target_group": s.group,
        "first_visitation": FIRST_VISITATION.get(s.name, PROGRAMME_START),
        "visited": s.visited,
        "active": s.active,
        "exits_total": s.exits_total,
        "exits_job": s.exits["job"],
        "exits_flexjob": s.exits["flexjob"],
        "exits_education": s.exits["education"],
        "exits_other": s.exits["other"],
    }
    for reason, _ in REASONS:
        r["exit_" + reason] = s.reason[reason]
    r["active_over_4_months"] = s.over4
    r["n_at_least_one_intervention"] = s.interv
    r["n_mentor"] = s.mentor
    r["n_company_oriented"] = s.company
    for b in BENEFITS:
        r[BENEFIT_COL[b]] = s.benefit[b]
    r["n_female"] = s.gender["female"]
    r["n_male"] = s.gender["male"]
    for b, _ in AGE_PCT:
        r["n_age_" + b] = s.age[b]
    for a in AREA_COLS:
        r["n_area_" + a] = s.areas[a]
    r["n_problem_area_not_stated"] = s.areas["not_stated"]
    r["base_active_over_4_months"] = s.base_over4
    r["base_at_least_one_intervention"] = s.base_interv
    r["base_mentor"] = s.base_mentor
    r["contact_interval_days"] = CONTACT_INTERVAL.get(s.name, DEFAULT_CONTACT_INTERVAL)
    r["sms"] = 0 if s.name in NO_SMS else 1
    r["derived"] = " ".join(dedup(s.derived))
    r["filled"] = " ".join(dedup(s.filled))
    r["not_reproducible"] = " ".join(dedup(s.not_reproducible))
    check_row(s, r)
    return r


def dedup(xs):
    seen = []
    for x in xs:
        if x not in seen:
            seen.append(x)
    return seen


def check_row(s, r):
    a = s.active
    if sum(r[BENEFIT_COL[b]] for b in BENEFITS) != a \
            or r["n_female"] + r["n_male"] != a \
            or sum(r["n_age_" + b] for b, _ in AGE_PCT) != a \
            or sum(r["n_area_" + x] for x in AREA_COLS) + r["n_problem_area_not_stated"] != a \
            or not 0 <= r["active_over_4_months"] <= a \
            or not r["n_company_oriented"] <= r["n_at_least_one_intervention"] <= a \
            or not r["n_mentor"] <= r["n_at_least_one_intervention"]:
        raise SystemExit(f"calibrate: {s.name}: inconsistent row {r}")
    if r["n_age_18_24"] + r["n_age_25_29"] < r["n_uddannelseshjaelp"]:
        raise SystemExit(f"calibrate: {s.name}: uddannelseshjælp over 30")
    if s.group == "youth" and any(r["n_age_" + b] for b, _ in AGE_PCT if b not in AGE_UNDER_30):
        raise SystemExit(f"calibrate: {s.name}: youth project with citizens over 30")


def report(sites, fp):
    tot = {}
    for s in sites:
        r = row_of(s)
        for k, v in r.items():
            if isinstance(v, int) and k != "project_id" and not k.startswith("base_"):
                tot[k] = tot.get(k, 0) + v
    a = tot["active"]
    for k, v in tot.items():
        print(f"{k:32} {v:6} {100 * v / a:6.1f}%", file=fp)
    for s in sites:
        if s.not_reproducible:
            print(f"{s.name}: not reproducible: {' '.join(s.not_reproducible)}", file=fp)


if __name__ == "__main__":
    sys.exit(main())
