#!/usr/bin/env python3
"""Chart = table: every number a report's charts draw is a number its tables
publish, and every published number of the series is drawn.

    chart_audit.py REPORT_DIR

For the overview (index.html: the total row) and each project's page, the
points of the time chart (data-n of each <circle>, in the order drawn:
visited, active, exits, each by date) must be exactly the published
(not "x") values of series.csv for that row, in the same order; a value
hidden in status.csv or status-previous.csv at its date counts as hidden. A point for
a hidden value, or a published value missing from the chart, fails (exit 1).
No code of the report is used; a page is found by the project's name
(lower case, ae/oe/aa for æ/ø/å, "-" for "/" and spaces)."""
import csv
import os
import re
import sys

COLS = ("visited", "active", "exits_total")


def slug(name):
    s = name.lower()
    for a, b in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("/", "-"), (" ", "-")):
        s = s.replace(a, b)
    return s


def drawn(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return [int(v) for v in re.findall(r'<circle[^>]*\bdata-n="(-?\d+)"', text)]


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "series.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # the same figure in the tables of a cut-off: hidden if hidden anywhere
    tables = {}
    for name in ("status.csv", "status-previous.csv"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            with open(p, newline="", encoding="utf-8") as f:
                for r in csv.DictReader(f):
                    for c in COLS:
                        k = (r["as_of"], r["project_id"], c)
                        tables[k] = tables.get(k, r[c]) if r[c] != "x" else "x"
    for r in rows:
        for c in COLS:
            t = tables.get((r["as_of"], r["project_id"], c))
            if t is not None and t != r[c] and "x" in (t, r[c]):
                r[c] = "x"  # hidden in one table: must not be drawn
    by = {}
    for r in rows:
        by.setdefault((r["project_id"], r["project_name"]), []).append(r)
    n_pages = n_points = 0
    for (pid, name), rs in sorted(by.items()):
        rs.sort(key=lambda r: r["as_of"])
        want = [int(r[c]) for c in COLS for r in rs if r[c] != "x"]
        page = os.path.join(d, "index.html" if not pid else slug(name) + ".html")
        if not os.path.exists(page):
            print("FAIL: no page %s for %s" % (os.path.basename(page), name))
            return 1
        got = drawn(page)
        if got != want:
            print("FAIL: %s draws %s, the table publishes %s"
                  % (os.path.basename(page), got, want))
            return 1
        n_pages += 1
        n_points += len(got)
    print("ok: chart = table: %d pages, %d points drawn, each a published value" % (n_pages, n_points))
    return 0


if __name__ == "__main__":
    sys.exit(main())
