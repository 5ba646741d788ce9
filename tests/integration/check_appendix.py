"""The appendices of a published report (appendix.csv, bilag.html, the
project pages' sections) against `midway-status --appendix all --format
json` for the same cut-off, and the disclosure rules of docs/report.md
("Appendices"), independently of the report's code:
  - every published figure equals midway-status; a figure is left empty
    only where midway-status has none or the report does not publish it
    (the contacts behind a rate, Bilag 2 of a project at the previous
    cut-off);
  - no count of 1 to threshold - 1 persons but a margin (visited, active);
  - no share, rate or average over 1 to threshold - 1 persons; a change in
    percentage points only where both shares are published;
  - no hidden count is the only hidden member of a relation a reader
    knows (a breakdown against its published base, the total row against
    the projects), and no category leaves a complement of 1 to
    threshold - 1 persons (active minus the count);
  - the company-oriented share at the month ends equals the exact series;
  - bilag.html and each project page print what appendix.csv says.
Used by check_report.py (--exact-appendix)."""
import csv
import json
import os
import re
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

MARK = "x"
FIELDS = ["n", "base", "value", "prev_n", "prev_base", "prev_value", "change_pp"]
MARGINS = {"visited", "active", "expected_target", "expected_target_total"}
REFERENCE_BASE = {"share_of_total_target"}


class Tables(HTMLParser):
    """Every table of a page: its rows, each a list of cell texts."""

    def __init__(self, cls=None):
        super().__init__()
        self.tables, self._cell, self._cls, self._skip = [], None, cls, 0
        self.lang = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "table":
            if self._cls and self._cls not in (a.get("class") or "").split():
                self._skip += 1
                return
            self.tables.append([])
        elif tag == "tr" and self.tables and not self._skip:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and not self._skip:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self._skip:
            self._skip -= 1
            return
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None and not self._skip:
            self._cell.append(data)


def canon(text, lang):
    """A printed number (Danish or English) as appendix.csv writes it."""
    t = text.replace("\u2212", "-").replace("pct.-point", "").replace("pp", "")
    t = t.replace("%", "").replace("\u00a0", " ").strip()
    if t in ("\u2013", ""):
        return ""
    if t == MARK:
        return MARK
    if lang == "da":  # 2.145 / 51,3
        t = t.replace(".", "").replace(",", ".")
    else:  # English: 2,145 / 51.3
        t = t.replace(",", "")
    return str(Decimal(t.lstrip("+")))


def same(a, b):
    if a in ("", MARK) or b in ("", MARK):
        return a == b
    return Decimal(a) == Decimal(b)


def fail(msg):
    print("FAIL: " + msg)
    raise SystemExit(1)


def not_published(measure, field, project_row):
    if measure.startswith("contacts.") and field in ("n", "base"):
        return True
    return project_row and field.startswith("prev") or (project_row and field == "change_pp")


def check_rows(rows, exact, t):
    """appendix.csv at the cut-off against midway-status, and the rules."""
    n_pub = n_hid = 0
    for r in rows:
        k = (r["project_id"], r["measure"])
        e = exact.get(k) or fail("appendix.csv: no midway-status row for %s" % (k,))
        project_row = r["project_id"] != ""
        for f in FIELDS:
            v, want = r[f], e[f]
            if v == MARK:
                n_hid += 1
                continue
            if v == "":
                if want is not None and not not_published(r["measure"], f, project_row):
                    fail("appendix.csv %s %s: empty, midway-status %s" % (k, f, want))
                continue
            if want is None or Decimal(v) != Decimal(str(want)):
                fail("appendix.csv %s %s: published %s, midway-status %s" % (k, f, v, want))
            if not_published(r["measure"], f, project_row):
                fail("appendix.csv %s %s: published, but not for publication" % (k, f))
            n_pub += 1
        small = lambda s: s not in ("", MARK) and 1 <= int(s) < t  # noqa: E731
        if r["measure"] not in MARGINS and (small(r["n"]) or small(r["prev_n"])):
            fail("appendix.csv %s: a count of 1-%d persons is published" % (k, t - 1))
        base = e["base"]
        if r["measure"] not in REFERENCE_BASE and r["value"] not in ("", MARK) and \
                base is not None and 1 <= base < t:
            fail("appendix.csv %s: a figure over %d persons is published" % (k, base))
        pb = e["prev_base"]
        if r["prev_value"] not in ("", MARK) and pb is not None and 1 <= pb < t:
            fail("appendix.csv %s: a previous share over %d persons is published" % (k, pb))
        if r["change_pp"] not in ("", MARK) and MARK in (r["value"], r["prev_value"]):
            fail("appendix.csv %s: a change beside a hidden share is published" % (k,))
    return n_pub, n_hid


def check_company(rows, series_path):
    exact = {}
    with open(series_path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            exact[(r["as_of"], r["project_id"])] = r
    n = 0
    for r in rows:
        e = exact.get((r["as_of"], r["project_id"])) or \
            fail("appendix.csv: no exact series row for %s %s" % (r["as_of"], r["project_id"]))
        act, comp = int(e["active"]), int(e["n_company_oriented"])
        want = "" if act == 0 else str((Decimal(100 * comp) / act).quantize(Decimal("0.1"),
                                                                          ROUND_HALF_UP))
        if r["value"] not in (MARK, want) or (r["value"] == MARK and act == 0):
            fail("appendix.csv company-oriented %s %s: published %r, exact %r"
                 % (r["as_of"], r["project_id"], r["value"], want))
        n += r["value"] != MARK
    return n


GROUPS = {  # parts -> the figure whose n is their sum
    "one.": "problem.one", "multiple.": "problem.multiple",
}
OWN = ["one.psychological", "one.physical", "one.social", "multiple.psychological_physical",
       "multiple.psychological_social", "multiple.physical_social", "multiple.all_three",
       "category.health", "category.social", "category.education", "category.other", "parallel"]


def check_relations(rows, exact, t):
    """A hidden count alone in a relation with published members is worked
    out by subtraction: each breakdown of the appendix against its base,
    each figure's total row against the projects."""
    pub = {(r["project_id"], r["measure"]): r for r in rows}
    pids = sorted({r["project_id"] for r in rows if r["project_id"]}, key=int)
    n_rel = 0

    def alone(cells, what):
        hidden = [c for c in cells if c == MARK]
        if len(hidden) == 1:
            fail("appendix: a hidden count can be worked out from %s" % (what,))

    for pid in pids + [""]:
        for prefix, margin in GROUPS.items():
            parts = [m for m in OWN if m.startswith(prefix)]
            want = sum(exact[(pid, m)]["n"] for m in parts)
            if want != exact[(pid, margin)]["n"]:
                continue  # a residual the reader does not know
            alone([pub[(pid, margin)]["n"]] + [pub[(pid, m)]["n"] for m in parts],
                  "%s %s = %s" % (pid or "Total", margin, parts))
            n_rel += 1
        for m in OWN:
            r = pub[(pid, m)]
            if r["n"] != MARK and r["base"] != MARK and r["base"] != "" and \
                    1 <= int(r["base"]) - int(r["n"]) < t:
                fail("appendix: %s %s leaves %d persons without it" % (pid or "Total", m,
                                                                       int(r["base"]) - int(r["n"])))
    for m in OWN:
        alone([pub[("", m)]["n"]] + [pub[(pid, m)]["n"] for pid in pids], "the total of %s" % m)
        n_rel += 1
    for prefix in ("gender.", "age.", "benefit.", "problem."):
        parts = [r for r in rows if r["project_id"] == "" and r["measure"].startswith(prefix)]
        if sum(exact[("", r["measure"])]["prev_n"] or 0 for r in parts) == \
                exact[("", parts[0]["measure"])]["prev_base"]:
            alone([r["prev_n"] for r in parts], "all projects' %s at the previous cut-off" % prefix)
            n_rel += 1
    return n_rel


BILAG_TABLES = [
    [("expected_target", "n"), ("expected_target_total", "n"), ("visited", "n"),
     ("share_of_total_target", "value"), ("active", "n")],
    [("active", "n"), ("gender.female", "value"), ("gender.male", "value")]
    + [("age." + a, "value") for a in ("18_24", "25_29", "30_39", "40_49", "50_plus")],
    [("benefit." + b, "value") for b in ("ressourceforloeb", "kontanthjaelp", "uddannelseshjaelp",
                                         "other", "not_stated")],
    [("problem.one", "value"), ("problem.multiple", "value"), ("problem.not_stated", "value"),
     ("one.psychological", "value"), ("one.physical", "value"), ("one.social", "value"),
     ("multiple.psychological_physical", "value"), ("multiple.psychological_social", "value"),
     ("multiple.physical_social", "value"), ("multiple.all_three", "value")],
    "fig3",
    [("contacts.first_month", "value"), ("contacts.later_months", "value"),
     ("months_in_project", "value")],
    [("mentor", "n"), ("mentor", "value"), ("mentor_months", "value")],
    [("without_intervention", "n"), ("without_intervention", "value"),
     ("without_intervention_months", "value")],
]
PROJECT_ROWS = ["at_least_one", "category.company", "category.mentor", "category.health",
                "category.social", "category.education", "category.other", "parallel",
                "contacts.first_month", "contacts.later_months", "months_in_project", "mentor",
                "mentor_months", "without_intervention", "without_intervention_months",
                "one.psychological", "one.physical", "one.social",
                "multiple.psychological_physical", "multiple.psychological_social",
                "multiple.physical_social", "multiple.all_three"]


def check_pages(d, rows, order):
    """bilag.html's tables and each project page's appendix sections."""
    pub = {(r["project_id"], r["measure"]): r for r in rows}
    p = Tables("app")
    with open(os.path.join(d, "bilag.html"), encoding="utf-8") as f:
        p.feed(f.read())
    lang = p.lang
    if len(p.tables) != len(BILAG_TABLES):
        fail("bilag.html: %d tables, expected %d" % (len(p.tables), len(BILAG_TABLES)))
    n = 0
    for spec, table in zip(BILAG_TABLES, p.tables):
        body = table[1:]
        if spec == "fig3":
            ms = [m for (pid, m) in pub if pid == "" and pub[("", m)]["appendix"] == "2"]
            want = [[pub[("", m)][f] for f in ("prev_value", "value", "change_pp")] for m in ms]
            got = [[canon(c, lang) for c in row[1:]] for row in body]
        else:
            want = [[pub[(pid, m)][f] for m, f in spec] for pid in order]
            got = [[canon(c, lang) for c in row[1:]] for row in body]
        if len(got) != len(want) or not all(
                len(g) == len(w) and all(same(a, b) for a, b in zip(g, w)) for g, w in zip(got, want)):
            bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w][:2]
            fail("bilag.html: a table differs from appendix.csv: %s" % (bad,))
        n += sum(len(w) for w in want)
    for pid in order:
        if pid == "":
            continue
        slug = pub[(pid, "visited")]["slug"]
        p = Tables("beside")  # interventions, 3-5, the problem areas
        with open(os.path.join(d, slug + ".html"), encoding="utf-8") as f:
            p.feed(f.read())
        got = [[canon(c, lang) for c in row[1:4]] for t in p.tables for row in t[1:]]
        want = [[pub[(pid, m)]["n"], pub[(pid, m)]["value"], pub[("", m)]["value"]]
                for m in PROJECT_ROWS]
        if len(got) != len(want) or not all(all(same(a, b) for a, b in zip(g, w))
                                            for g, w in zip(got, want)):
            bad = [(PROJECT_ROWS[i], g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w][:2]
            fail("%s.html: the appendix sections differ from appendix.csv: %s" % (slug, bad))
        n += 3 * len(want)
    return n


def check_appendix(d, exact_path, series_path, t, slugs):
    with open(exact_path, encoding="utf-8") as f:
        exact_rows = json.load(f, parse_float=Decimal)["projects"]
    exact = {("" if r["project_id"] is None else str(r["project_id"]), r["measure"]): r
             for r in exact_rows}
    with open(os.path.join(d, "appendix.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    cut = rows[0]["as_of"]
    main = [r for r in rows if r["as_of"] == cut]
    if len(main) != len(exact):
        fail("appendix.csv: %d rows at %s, midway-status %d" % (len(main), cut, len(exact)))
    n_pub, n_hid = check_rows(main, exact, t)
    print("ok: appendix.csv: %d figures equal midway-status --appendix, %d hidden; no count, share "
          "or average of 1-%d persons, no change beside a hidden share" % (n_pub, n_hid, t - 1))
    n = check_relations(main, exact, t)
    print("ok: appendix: no hidden count alone in any of %d relations a reader knows, no category "
          "leaves 1-%d persons" % (n, t - 1))
    if series_path:
        n = check_company([r for r in rows if r["as_of"] != cut], series_path)
        print("ok: appendix.csv: %d company-oriented shares at the month ends equal the series" % n)
    order = []
    for r in main:
        if r["project_id"] not in order:
            order.append(r["project_id"])
        r["slug"] = slugs.get(r["project_id"], "")
    n = check_pages(d, main, order)
    print("ok: bilag.html and %d project pages print %d appendix figures as appendix.csv"
          % (len(order) - 1, n))
