#!/usr/bin/env python3
"""Independent check of a midway-report directory (tests/integration/it_report.sh).

    check_report.py --threshold N --exact STATUS.csv [--exact-prev PREV.csv]
                    [--exact-series SERIES.csv] [--exact-quality QUALITY.json]
                    REPORT_DIR

STATUS.csv, PREV.csv: `midway-status --format csv` (exact counts) at the
cut-off and at the previous cut-off; SERIES.csv: as_of,project_id,visited,
active,exits_total, exact, for every date of the report's series;
QUALITY.json: `midway-status --quality --format json` at the cut-off.

The margins (visited, active, exits_total, and the change of visited and
exits since the previous cut-off) of a project with at least threshold
visited at the cut-off (or none) are published as they are, on every date, whatever their value
(docs/report.md, "Disclosure control"); every other count is protected.

Checks, without any code of the report:
 1. every published figure of status.csv / status-previous.csv / series.csv
    equals the exact one; every other one is the marker "x";
 0. every margin of a project with >= threshold visited is published;
 2. a hidden count is either a small count (1 <= n < threshold) or a
    secondary suppression that shares a relation with another hidden cell;
 3. no published count of 1 .. threshold-1 persons anywhere but a margin:
    the CSV files, the count cells (class "n") and chart points (data-n)
    of every HTML page, and bare integers in the Markdown tables (there a
    small number passes only if it is the value of a published margin of
    the page's project; on the overview, of any project);
 4. secondary suppression holds: rebuilding the relations from the
    specification (docs/report.md) - per row, per column, between the two
    cut-offs - no hidden cell can be worked out from the published ones,
    by bounds propagation (hidden cells are >= 1) or by linear algebra
    (elimination modulo 1000000007, a prime other than the library's);
 5. the data-quality page (data-quality.csv, datakvalitet.html/.md) gives
    exactly the registration-level figures of midway-status --quality (the
    contacts, registrations, lags and dead letters by stage, per project
    and in total) and no count of citizens; its figures count
    registrations and days, not persons, so check 3 leaves its files out.
Prints one line per check and exits 1 on the first failure.
"""
import argparse
import csv
import glob
import html.parser
import json
import os
import re
import sys

from check_appendix import check_appendix

MARK = "x"
REASONS = ["caseworker_assessed", "flexjob", "moved", "citizen_left", "ordinary_job",
           "ordinary_education", "disability_pension", "parental_leave", "rehabilitation",
           "prison", "retirement", "death", "illness"]
GROUPS = {"exits_job": ["ordinary_job"], "exits_flexjob": ["flexjob"],
          "exits_education": ["ordinary_education"]}
GROUPS["exits_other"] = [r for r in REASONS if r not in ("ordinary_job", "flexjob", "ordinary_education")]
AGES = ["n_age_18_24", "n_age_25_29", "n_age_30_39", "n_age_40_49", "n_age_50_plus"]
BENEFITS = ["n_ressourceforloeb", "n_kontanthjaelp", "n_uddannelseshjaelp", "n_other_benefit",
            "n_benefit_not_stated"]
AREAS = ["n_one_problem_area", "n_multiple_problem_areas", "n_problem_area_not_stated"]
SHARES = ["active_over_4_months", "n_at_least_one_intervention", "n_mentor", "n_company_oriented"]
COUNTS_FULL = (["visited", "active", "exits_total", "exits_job", "exits_flexjob", "exits_education",
                "exits_other"] + ["exit_" + r for r in REASONS] + SHARES + ["contacts_total", "n_female",
                "n_male"] + AGES + BENEFITS + AREAS)
COUNTS_KEY = ["visited", "active", "exits_total"] + SHARES
COUNTS_SERIES = ["visited", "active", "exits_total"]
P = 1000000007


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ok(msg):
    print("ok: " + msg)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def key(row):
    return row["project_id"] or "Total"


class Table:
    """Cells (exact value, hidden?, printed?) and relations total =
    sum(parts). A cell the report does not print (active minus a count,
    a residual) is unknown to a reader unless the relations give it away;
    it may be 0, so its lower bound is 0."""

    def __init__(self):
        self.value, self.hidden, self.printed, self.name, self.rels = [], [], [], [], []
        self.zero_ok = []
        self.withheld = set()  # cells of a breakdown withheld as a whole
        self.index = {}

    def cell(self, name, value, hidden, printed=True, zero_ok=False):
        """zero_ok: a hidden cell that may be 0 (hidden because another
        figure is, like a change whose counts are hidden)."""
        self.index[name] = len(self.value)
        self.value.append(value)
        self.hidden.append(hidden or not printed)
        self.printed.append(printed)
        self.zero_ok.append(zero_ok or not printed)
        self.name.append(name)
        return self.index[name]

    def rel(self, total, parts):
        t = self.index[total]
        ps = [self.index[p] for p in parts]
        s = sum(self.value[p] for p in ps)
        if s > self.value[t]:
            fail("relation %s = %s does not hold (%d > %d)" % (total, "+".join(parts), s, self.value[t]))
        if s < self.value[t]:  # a residual the report does not print
            ps.append(self.cell(("residual",) + tuple(parts), self.value[t] - s, True, False))
        self.rels.append([t] + ps)


def build(threshold, dates):
    """dates: list of (label, kind, {rowkey: {col: (exact, hidden)}})."""
    t = Table()
    for label, kind, rows in dates:
        cols = {"full": COUNTS_FULL, "key": COUNTS_KEY, "series": COUNTS_SERIES}[kind]
        for rk, row in rows.items():
            for c in cols:
                v, h = row[c]
                t.cell((label, rk, c), v, h)
            if kind != "series":
                for c in SHARES:  # the complements: active - count
                    v = row["active"][0] - row[c][0]
                    if c == "n_at_least_one_intervention" and "n_without_intervention" in row:
                        t.cell((label, rk, "not_" + c), v, row["n_without_intervention"][1])
                    else:
                        t.cell((label, rk, "not_" + c), v, True, False)
        for rk in rows:
            n = lambda c: (label, rk, c)
            t.rel(n("visited"), [n("active"), n("exits_total")])
            if kind == "series":
                continue
            for c in SHARES:
                t.rel(n("active"), [n(c), n("not_" + c)])
            if kind != "full":
                continue
            t.rel(n("exits_total"), [n(g) for g in ("exits_job", "exits_flexjob", "exits_education",
                                                    "exits_other")])
            t.rel(n("exits_total"), [n("exit_" + r) for r in REASONS])
            for g, rs in GROUPS.items():
                t.rel(n(g), [n("exit_" + r) for r in rs])
            for part in (["n_female", "n_male"], AGES, BENEFITS, AREAS):
                t.rel(n("active"), [n(p) for p in part])
        projects = [rk for rk in rows if rk != "Total"]
        for c in cols + (["not_" + s for s in SHARES] if kind != "series" else []):
            t.rel((label, "Total", c), [(label, rk, c) for rk in projects])
    return t


def exposed(t, threshold):
    """Hidden cells, and unprinted small counts, a reader can work out:
    bounds propagation (hidden printed cells >= 1, unprinted >= 0) and
    linear algebra over the relations (mod P)."""
    INF = float("inf")
    n = len(t.value)
    lo = [t.value[i] if not t.hidden[i] else (0 if t.zero_ok[i] else 1) for i in range(n)]
    hi = [t.value[i] if not t.hidden[i] else INF for i in range(n)]
    changed = True
    while changed:
        changed = False
        for r in t.rels:
            tot, ps = r[0], r[1:]
            slo, shi = sum(lo[p] for p in ps), sum(hi[p] for p in ps)
            nlo, nhi = max(lo[tot], slo), min(hi[tot], shi)
            if (nlo, nhi) != (lo[tot], hi[tot]):
                lo[tot], hi[tot], changed = nlo, nhi, True
            for p in ps:
                olo, ohi = slo - lo[p], shi - hi[p]
                nlo, nhi = max(lo[p], lo[tot] - ohi), min(hi[p], hi[tot] - olo)
                if (nlo, nhi) != (lo[p], hi[p]):
                    lo[p], hi[p], changed = nlo, nhi, True
                    slo, shi = sum(lo[q] for q in ps), sum(hi[q] for q in ps)
    out = {i for i in range(n) if t.hidden[i] and lo[i] == hi[i]}
    # linear algebra: sparse elimination of the relations restricted to
    # hidden cells; a reduced row with one entry determines its cell
    pivots = {}
    for r in t.rels:
        row = {}
        for k, c in enumerate(r):
            if t.hidden[c]:
                row[c] = (row.get(c, 0) + (1 if k == 0 else -1)) % P
                if row[c] == 0:
                    del row[c]
        while row:
            c = min(row)
            if c in pivots:
                f, prow = row[c], pivots[c]
                for k2, v in prow.items():
                    nv = (row.get(k2, 0) - f * v) % P
                    if nv:
                        row[k2] = nv
                    else:
                        row.pop(k2, None)
            else:
                inv = pow(row[c], P - 2, P)
                pivots[c] = {k2: v * inv % P for k2, v in row.items()}
                break
    for c in sorted(pivots, reverse=True):  # back substitution
        prow = pivots[c]
        for c2, row2 in pivots.items():
            if c2 != c and c in row2:
                f = row2[c]
                for k2, v in prow.items():
                    nv = (row2.get(k2, 0) - f * v) % P
                    if nv:
                        row2[k2] = nv
                    else:
                        row2.pop(k2, None)
    out |= {c for c, row in pivots.items() if len(row) == 1}
    # a withheld 0 worked out gives no person away (a published total of 0
    # does); the non-zero cells of its breakdown are checked as any other
    return {i for i in out if (t.printed[i] or 1 <= t.value[i] < threshold)
            and not (i in t.withheld and t.value[i] == 0)}


MARGINS = ("visited", "active", "exits_total")


def slug(name):
    """A project's page name (frederikshavn, vallensbaek-ishoej)."""
    s = name.lower()
    for a, b in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("/", "-"), (" ", "-")):
        s = s.replace(a, b)
    return s


def public_margin(table, name, threshold):
    """name = (date, row, col) or ("change", row, col): a margin published
    as it is (its project has 0 or >= threshold visited at the cut-off)."""
    if len(name) != 3 or name[2] not in MARGINS:
        return False
    v = table.value[table.index[(table.cutoffs[0], name[1], "visited")]]
    return v == 0 or v >= threshold


def compare(published, exact, cols, what, threshold):
    """published and exact rows by project; returns {rowkey: {col: (v, hidden)}}."""
    ex = {key(r): r for r in exact}
    out, n_pub, n_hid = {}, 0, 0
    for r in published:
        k = key(r)
        if k not in ex:
            fail("%s: no exact row %s" % (what, k))
        out[k] = {}
        for c, v in r.items():
            if c in ("as_of", "project_id", "project_name", "target_group"):
                continue
            if c not in ex[k]:
                continue  # the report's own columns
            e = ex[k][c]
            if v == MARK:
                n_hid += 1
            elif v != e:
                fail("%s %s %s: published %r, exact %r" % (what, k, c, v, e))
            else:
                n_pub += 1
        for c in cols:
            v = int(ex[k][c])
            out[k][c] = (v, r[c] == MARK)
        if "n_without_intervention" in r:  # printed by the report only
            v = int(ex[k]["active"]) - int(ex[k]["n_at_least_one_intervention"])
            if r["n_without_intervention"] not in (MARK, str(v)):
                fail("%s %s n_without_intervention: published %s, exact %d"
                     % (what, k, r["n_without_intervention"], v))
            out[k]["n_without_intervention"] = (v, r["n_without_intervention"] == MARK)
    ok("%s: %d figures equal midway-status, %d hidden" % (what, n_pub, n_hid))
    return out


class Counts(html.parser.HTMLParser):
    """Count cells (<td class="n">; cls="v": other numbers) and chart points
    (data-n) of a page."""

    def __init__(self, cls="n"):
        super().__init__()
        self.values, self._in, self._cls = [], False, cls

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and a.get("class") == self._cls:
            self._in = True
        if "data-n" in a:
            self.values.append(a["data-n"])
        if tag == "script":
            fail("a <script> in the report")

    def handle_endtag(self, tag):
        if tag == "td":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.values.append(data)


QUALITY_COLS = ["contacts", "contacts_before_intake", "contacts_without_intake", "registrations",
                "lag_median_days", "lag_p90_days", "lag_max_days", "registered_after_30_days",
                "dead_letters"]
STAGES = ["decode", "schema", "privacy", "validate", "bind", "store"]
QUALITY_FILES = ("data-quality.csv", "datakvalitet.html", "datakvalitet.md")


def check_quality(d, exact_path):
    """Check 5: data-quality.csv and the page against midway-status --quality."""
    with open(exact_path, encoding="utf-8") as f:
        exact = json.load(f)
    ex = {}
    for r in exact["projects"]:
        by_stage = r["dead_letters_by_stage"]
        if isinstance(by_stage, str):
            by_stage = json.loads(by_stage)
        row = {c: "" if r[c] is None else str(r[c]) for c in QUALITY_COLS}
        for st in STAGES:
            row["dead_letters_" + st] = str(by_stage.get(st, 0))
        ex[str(r["project_id"]) if r["project_id"] is not None else "Total"] = row
    rows = read_csv(os.path.join(d, "data-quality.csv"))
    for c in ("citizens", "without_intake"):
        if c in rows[0]:
            fail("data-quality.csv publishes %s, a count of citizens" % c)
    if sorted(key(r) for r in rows) != sorted(ex):
        fail("data-quality.csv: projects %s, midway-status %s" % (sorted(key(r) for r in rows),
                                                                  sorted(ex)))
    n = 0
    for r in rows:
        if r["as_of"] != exact["as_of"]:
            fail("data-quality.csv: as_of %s, midway-status %s" % (r["as_of"], exact["as_of"]))
        for c, v in ex[key(r)].items():
            if r[c] != v:
                fail("data-quality.csv %s %s: published %r, midway-status %r" % (key(r), c, r[c], v))
            n += 1
    # the page shows the same rows: each project's row of figures, in order
    # (numbers, class "v"), and no count of persons (class "n")
    p, persons = Counts("v"), Counts("n")
    with open(os.path.join(d, "datakvalitet.html"), encoding="utf-8") as f:
        page = f.read()
    p.feed(page)
    persons.feed(page)
    if persons.values:
        fail("datakvalitet.html: counts of persons %s" % persons.values[:5])
    want = []
    for r in rows:
        want += [r[c] for c in QUALITY_COLS if r[c] != ""]
    for r in rows:
        if r["project_id"] and r["dead_letters"] == "0":
            continue
        want += [r["dead_letters_" + st] for st in STAGES] + [r["dead_letters"]]
    got = [str(number(v)) for v in p.values]
    if got != want:
        fail("datakvalitet.html: figures %s..., data-quality.csv %s..." % (got[:12], want[:12]))
    with open(os.path.join(d, "datakvalitet.md"), encoding="utf-8") as f:
        md = f.read()
    for r in rows:
        if r["project_id"] and r["project_name"] not in md:
            fail("datakvalitet.md: no row for %s" % r["project_name"])
    ok("data quality: %d figures of %d rows equal midway-status --quality, the page shows them, "
       "no count of citizens" % (n, len(rows)))


def number(s):
    s = s.strip().replace(".", "").replace(",", "")
    return int(s) if re.fullmatch(r"\d+", s) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=int, default=5)
    ap.add_argument("--exact", required=True)
    ap.add_argument("--exact-prev")
    ap.add_argument("--exact-series")
    ap.add_argument("--exact-quality")
    ap.add_argument("--exact-appendix", help="midway-status --appendix all --format json")
    ap.add_argument("report")
    a = ap.parse_args()
    t = a.threshold
    d = a.report

    # 1. published figures equal the exact ones
    dates = []
    cut = compare(read_csv(os.path.join(d, "status.csv")), read_csv(a.exact), COUNTS_FULL,
                  "status.csv", t)
    cut_date = read_csv(os.path.join(d, "status.csv"))[0]["as_of"]
    dates.append((cut_date, "full", cut))
    if a.exact_prev:
        prev_rows = read_csv(os.path.join(d, "status-previous.csv"))
        prev = compare(prev_rows, read_csv(a.exact_prev), COUNTS_KEY, "status-previous.csv", t)
        prev_date = prev_rows[0]["as_of"]
        dates.append((prev_date, "key", prev))
    if a.exact_series:
        exact_s = {}
        for r in read_csv(a.exact_series):
            exact_s[(r["as_of"], r["project_id"] or "Total")] = r
        by_date = {}
        n_pub = 0
        for r in read_csv(os.path.join(d, "series.csv")):
            k = (r["as_of"], key(r))
            e = exact_s.get(k) or fail("series.csv: no exact row for %s" % (k,))
            row = {}
            for c in COUNTS_SERIES:
                if r[c] != MARK and r[c] != e[c]:
                    fail("series.csv %s %s: published %s, exact %s" % (k, c, r[c], e[c]))
                n_pub += r[c] != MARK
                row[c] = (int(e[c]), r[c] == MARK)
            by_date.setdefault(r["as_of"], {})[key(r)] = row
        for day, rows in sorted(by_date.items()):
            if day in (cut_date, a.exact_prev and prev_date):
                # the same figures as the full tables: one decision
                full = cut if day == cut_date else prev
                for k, row in rows.items():
                    for c in COUNTS_SERIES:
                        if row[c][1] != full[k][c][1]:
                            fail("series.csv %s %s %s hidden differently from the table" % (day, k, c))
                continue
            dates.append((day, "series", rows))
        ok("series.csv: %d figures equal the exact series" % n_pub)

    # 2 and 4: rebuild the relations, check the suppression
    table = build(t, dates)
    table.cutoffs = [cut_date] + ([prev_date] if a.exact_prev else [])
    # a breakdown withheld as a whole: a published margin whose printed
    # parts are all hidden; those may be 0
    for r in table.rels:
        ps = [p for p in r[1:] if table.printed[p]]
        if table.name[r[0]][2] not in MARGINS or any(table.name[p][-1] in MARGINS for p in ps):
            continue  # not the breakdown of a margin
        if not table.hidden[r[0]] and ps and all(table.hidden[p] for p in ps):
            for p in ps:
                table.zero_ok[p] = True
                table.withheld.add(p)
    # the change since the previous cut-off, a printed figure (flows)
    if a.exact_prev:
        for k in cut:
            for c in ("visited", "exits_total"):
                now, before = (cut_date, k, c), (prev_date, k, c)
                v = table.value[table.index[now]] - table.value[table.index[before]]
                h = table.hidden[table.index[now]] or table.hidden[table.index[before]]
                table.cell(("change", k, c), v, h, zero_ok=True)
                table.rel(now, [before, ("change", k, c)])
    n_small = n_second = n_margin = 0
    allowed = {}  # row key -> small values published as its margins
    for i, name in enumerate(table.name):
        if not table.printed[i]:
            continue
        v, h = table.value[i], table.hidden[i]
        if public_margin(table, name, t):
            if h:
                fail("a margin is hidden: %s = %d" % (name, v))
            n_margin += 1
            if 1 <= v < t:
                allowed.setdefault(name[1], set()).add(v)
            continue
        if not h and 1 <= v < t:
            fail("published small count: %s = %d" % (name, v))
        if not h:
            continue
        if 1 <= v < t:
            n_small += 1
            continue
        if v == 0:
            if table.zero_ok[i]:
                continue
            fail("a hidden zero: %s" % (name,))
        n_second += 1
        if not any(i in r and sum(1 for c in r if table.hidden[c]) >= 2 for r in table.rels):
            fail("secondary suppression without a reason: %s" % (name,))
    ok("%d margins published; hidden counts: %d below the threshold, %d secondary, each in a "
       "relation with another hidden cell" % (n_margin, n_small, n_second))
    ex = exposed(table, t)
    if ex:
        fail("cells a reader can work out: %s" % sorted(str(table.name[i]) for i in ex)[:10])
    ok("secondary suppression: none of %d hidden cells and no small unprinted count can be worked out "
       "(%d cells, %d relations)" % (sum(1 for i, h in enumerate(table.hidden) if h and table.printed[i]),
                                     len(table.value), len(table.rels)))

    # 3. no small count anywhere in the files of persons but a margin of the
    #    row or page's project (the overview: of any project)
    def persons(path):  # the files whose counts are counts of persons
        return os.path.basename(path) not in QUALITY_FILES

    page_of = {}
    for r in read_csv(os.path.join(d, "status.csv")):
        page_of[slug(r["project_name"])] = key(r)
    everything = set().union(*allowed.values()) if allowed else set()

    def allowed_on(path):
        base = os.path.splitext(os.path.basename(path))[0]
        return allowed.get(page_of[base], set()) if base in page_of else everything
    for path in sorted(filter(persons, glob.glob(os.path.join(d, "*.csv")))):
        for r in read_csv(path):
            for c, v in r.items():
                if c in MARGINS and v not in (MARK, "") and int(v) in allowed.get(key(r), ()):
                    continue
                if c in COUNTS_FULL and v not in (MARK, "") and 1 <= int(v) < t:
                    fail("%s: %s %s = %s" % (os.path.basename(path), key(r), c, v))
    n_vals = 0
    for path in sorted(filter(persons, glob.glob(os.path.join(d, "*.html")))):
        p = Counts()
        with open(path, encoding="utf-8") as f:
            p.feed(f.read())
        for v in p.values:
            if v.strip() == MARK:
                continue
            x = number(v)
            if x is None:
                fail("%s: count cell %r is not a number" % (os.path.basename(path), v))
            if 1 <= x < t and x not in allowed_on(path):
                fail("%s: a count of %d is published" % (os.path.basename(path), x))
            n_vals += 1
    for path in sorted(filter(persons, glob.glob(os.path.join(d, "*.md")))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.startswith("|"):
                    continue
                for cell in line.strip().strip("|").split("|")[1:]:
                    cell = cell.strip().strip("*")
                    if re.fullmatch(r"[1-9]", cell) and int(cell) < t and \
                            int(cell) not in allowed_on(path):
                        fail("%s: a count of %s in %r" % (os.path.basename(path), cell, line.strip()))
    ok("no count of 1-%d persons in %d CSV, HTML and Markdown files (%d HTML count cells and chart points)"
       % (t - 1, len(list(filter(persons, glob.glob(os.path.join(d, "*"))))), n_vals))

    # 5. the data quality
    if a.exact_quality:
        check_quality(d, a.exact_quality)

    # 6. the appendices (check_appendix.py)
    if a.exact_appendix:
        slugs = {r["project_id"]: slug(r["project_name"])
                 for r in read_csv(os.path.join(d, "status.csv")) if r["project_id"]}
        check_appendix(d, a.exact_appendix, a.exact_series, t, slugs)


if __name__ == "__main__":
    main()
