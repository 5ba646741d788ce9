#!/usr/bin/env python3
"""CPR numbers in any spelling, independent of libmidway (the rule of
mw_cpr_find() in include/midway/pseudo.h, without its hex exception).

    cpr.py inputs FILE...            print the CPR numbers the files (and
                                     their names) hold, one a line
    cpr.py check CPRS FILE...        exit 1, naming file and number, if a
                                     FILE holds a CPR number listed in CPRS

Each character is normalised with NFKC on its own; decimal digits count
as their digit; whitespace, . - / _ and the Unicode dashes and format
characters are separators, at most 3 in a row between two digits;
anything else ends a run; 10 consecutive digits of a run whose first six
are a valid DDMMYY (century from the 7th digit) are a CPR number. Files
are read as UTF-8 and as Windows-1252, and both readings count."""
import datetime
import sys
import unicodedata

SEP_MAX = 3


def is_sep(ch):
    if ch in " \t\n\r\v\f._/-\u2212":
        return True
    return unicodedata.category(ch) in ("Zs", "Zl", "Zp", "Pd", "Cf")


def year(d):
    yy, d7 = int(d[4:6]), int(d[6])
    if d7 <= 3:
        return 1900 + yy
    if d7 in (4, 9):
        return 2000 + yy if yy <= 36 else 1900 + yy
    return 2000 + yy if yy <= 57 else 1800 + yy


def valid(d):
    try:
        datetime.date(year(d), int(d[2:4]), int(d[0:2]))
        return True
    except ValueError:
        return False


def cprs(text):
    found, run, gap = set(), "", 0
    for raw in text:
        for ch in unicodedata.normalize("NFKC", raw):
            if ch.isdecimal():
                if run and gap > SEP_MAX:
                    run = ""
                run += str(unicodedata.decimal(ch))
                gap = 0
                if len(run) >= 10 and valid(run[-10:]):
                    found.add(run[-10:])
            elif unicodedata.category(ch).startswith("M"):
                pass
            elif is_sep(ch):
                gap += 1
            else:
                run, gap = "", 0
    return found


def of_file(path):
    data = open(path, "rb").read()
    return (cprs(data.decode("utf-8", errors="replace")) |
            cprs(data.decode("cp1252", errors="replace")))


def main(argv):
    if len(argv) >= 2 and argv[0] == "inputs":
        found = set()
        for path in argv[1:]:
            found |= of_file(path) | cprs(path)
        for c in sorted(found):
            print(c)
        return 0
    if len(argv) >= 2 and argv[0] == "check":
        wanted = set(open(argv[1]).read().split())
        bad = 0
        for path in argv[2:]:
            for c in sorted(of_file(path) & wanted):
                print(f"{path}: holds the input's CPR number "
                      f"{c[:2]}..{c[-2:]}", file=sys.stderr)
                bad = 1
        return bad
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
