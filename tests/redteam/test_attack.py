#!/usr/bin/env python3
"""Tests of tests/redteam/attack.py on small hand-made reports: each thing
the attacker knows pins a hidden count it could not pin without it, and
the same report with that knowledge taken away (or a second hidden
partner) gives it nothing. Exit 1 on the first failure (cli.redteam_attack)."""
import csv
import os
import subprocess
import sys
import tempfile

ATTACK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attack.py")


def write(d, name, header, rows):
    with open(os.path.join(d, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def series(d, rows):
    """rows: (as_of, project_id, visited, active, exits_total); a total row
    is left out, so no column relation helps."""
    write(d, "series.csv", ["as_of", "project_id", "project_name", "visited", "active", "exits_total"],
          [(a, p, "P%s" % p, v, ac, e) for a, p, v, ac, e in rows])


def attack(*dirs):
    r = subprocess.run([sys.executable, ATTACK] + list(dirs), capture_output=True, text=True)
    return r.returncode, r.stdout


def expect(what, rc, want):
    if rc[0] != want:
        print("FAIL: %s: exit %d, expected %d\n%s" % (what, rc[0], want, rc[1]))
        sys.exit(1)
    print("ok: %s (exit %d)" % (what, want))


def main():
    with tempfile.TemporaryDirectory() as t:
        # the relation visited = active + exits: one hidden part is pinned
        d = os.path.join(t, "rel")
        os.mkdir(d)
        series(d, [("2015-07-01", "1", "20", "17", "x")])
        expect("a single hidden part of a relation (3 exits)", attack(d), 1)
        series(d, [("2015-07-01", "1", "20", "x", "x")])
        expect("two hidden parts", attack(d), 0)
        # monotone: exits 3 on two dates around a hidden one
        d = os.path.join(t, "mono")
        os.mkdir(d)
        series(d, [("2015-05-31", "1", "x", "x", "3"), ("2015-06-30", "1", "x", "x", "x"),
                   ("2015-07-01", "1", "x", "x", "3")])
        expect("a cumulative count between two equal published ones", attack(d), 1)
        series(d, [("2015-05-31", "1", "x", "x", "2"), ("2015-06-30", "1", "x", "x", "x"),
                   ("2015-07-01", "1", "x", "x", "3")])
        expect("... between 2 and 3", attack(d), 0)
        # hidden >= 1: a total of 2 with two hidden parts
        d = os.path.join(t, "one")
        os.mkdir(d)
        series(d, [("2015-07-01", "1", "x", "x", "x"), ("2015-07-01", "2", "x", "x", "x"),
                   ("2015-07-01", "", "40", "38", "2")])
        expect("two hidden exits adding up to 2 (each at least 1)", attack(d), 1)
        # over 4 months at 2015-07-01: at most the visited by 2015-03-31
        # (2 and 8); the total of 10 then pins project 1's to 2
        d = os.path.join(t, "over4")
        os.mkdir(d)
        write(d, "status.csv", ["as_of", "project_id", "project_name", "visited", "active",
                                "exits_total", "active_over_4_months"],
              [("2015-07-01", "1", "P1", "31", "30", "1", "x"),
               ("2015-07-01", "2", "P2", "41", "40", "1", "x"),
               ("2015-07-01", "", "Total", "72", "70", "2", "10")])
        expect("over 4 months without the earlier visited", attack(d), 0)
        series(d, [("2015-03-31", "1", "2", "2", "0"), ("2015-03-31", "2", "8", "8", "0"),
                   ("2015-07-01", "1", "31", "30", "1"), ("2015-07-01", "2", "41", "40", "1")])
        expect("over 4 months with the visited 4 months before", attack(d), 1)
        # two reports: the earlier one publishes what the later hides
        a, b = os.path.join(t, "a"), os.path.join(t, "b")
        os.mkdir(a)
        os.mkdir(b)
        series(a, [("2015-07-01", "1", "20", "x", "x")])
        series(b, [("2015-07-01", "1", "20", "16", "x")])
        expect("one report alone", attack(a), 0)
        expect("two reports read together", attack(a, b), 1)
        # changes: a count of persons printed on two dates that moves by
        # 1-4 (women 30 -> 31) gives the newcomer away; margins do not
        c1, c2 = os.path.join(t, "c1"), os.path.join(t, "c2")
        os.mkdir(c1)
        os.mkdir(c2)
        head = ["as_of", "project_id", "project_name", "visited", "active", "exits_total",
                "n_female", "n_male"]
        write(c1, "status.csv", head, [("2015-06-01", "1", "P1", "60", "60", "0", "30", "30")])
        write(c2, "status.csv", head, [("2015-07-01", "1", "P1", "61", "61", "0", "31", "30")])
        expect("a count of women that moves by 1 between two reports", attack(c1, c2), 1)
        write(c2, "status.csv", head, [("2015-07-01", "1", "P1", "61", "61", "0", "x", "x")])
        expect("... hidden in the later report", attack(c1, c2), 0)
        write(c2, "status.csv", head, [("2015-07-01", "1", "P1", "66", "66", "0", "35", "31")])
        expect("... a margin that moves by 6 and counts that move by 5 and 1", attack(c1, c2), 1)
        write(c2, "status.csv", head, [("2015-07-01", "1", "P1", "70", "70", "0", "35", "35")])
        expect("... counts that move by 5 each", attack(c1, c2), 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
