#!/bin/bash
# Issue 4 (items 1 and 3): the municipal input formats and the validation,
# end to end. midway-producer --rejects runs on the export fixtures
# (tests/fixtures/exports/: UTF-8, UTF-8 with BOM, Windows-1252, JSON Lines,
# one with an undefined Windows-1252 byte, and the two with a rejected row
# of every kind). Checked:
#   - exit status 3 when rows were rejected, 0 otherwise;
#   - the reject file, line by line: file;line;reason;row, with the reasons
#     written out below and the rows rebuilt from their known columns and
#     masked by an independent oracle (Python: decode, split, then every
#     run of 6+ digits and every CPR number in any spelling -> X);
#   - every accepted row, and nothing else, reaches PostgreSQL (event ids
#     from --dry-run against the event table), once, whatever the encoding
#     or format of the file it came in;
#   - no CPR number of the fixtures in Kafka (kcat), PostgreSQL (pg_dump),
#     the reject files, stdout/stderr of producer and consumer, or the
#     --dry-run output.
. "$(dirname "$0")/lib.sh"
setup_db_and_topics

FIX=$MW_SOURCE_DIR/tests/fixtures/exports
# the producer's today is the Danish date (lib/core/date.c), not the UTC one
today=$(TZ=Europe/Copenhagen date +%F)

# The masked row as the reject file must show it (independent of libmidway).
oracle_rows() { # FILE ENCODING -> "line;masked row" for every line
        python3 - "$1" "$2" <<'EOF'
import datetime, json, re, sys, unicodedata
# The reject file shows only the columns midway knows: CSV the header's
# (fields past it dropped, re-quoted if they hold ; or "), JSON Lines the
# known keys under their canonical names (objects and arrays as null,
# compact); a line that cannot be split shows as "". Control characters
# become '?'. Then every run of 6+ digits (optionally '-' after the
# sixth) and every digit of a run holding a CPR number in any spelling
# (separators . - / _ blanks, at most 3 in a row) become X, one per byte.
COLS = ["cpr", "kommunekode", "haendelse", "dato", "registreret",
        "maalgruppe", "ydelse", "koen", "aldersgruppe", "problemomraader",
        "kontaktform", "sted", "indsats_id", "indsatstype", "status",
        "startdato", "slutdato", "afgangsaarsag", "handling", "erstatter",
        "kilde_id"]
def canon(k):
    k = k.strip(" \t").lower()
    for a, b in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        k = k.replace(a, b)
    return k if k in COLS else None
def split_csv(line):
    out, f, i, n = [], "", 0, len(line)
    while True:
        if i < n and line[i] == '"':
            i += 1
            while True:
                if i >= n:
                    return None
                if line[i] == '"':
                    if i + 1 < n and line[i + 1] == '"':
                        f += '"'; i += 2; continue
                    i += 1; break
                f += line[i]; i += 1
            while i < n and line[i] != ';':
                f += line[i]; i += 1
        else:
            while i < n and line[i] != ';':
                f += line[i]; i += 1
        out.append(f); f = ""
        if i >= n:
            return out
        i += 1
def year(d):
    yy, d7 = int(d[4:6]), int(d[6])
    if d7 <= 3: return 1900 + yy
    if d7 in (4, 9): return 2000 + yy if yy <= 36 else 1900 + yy
    return 2000 + yy if yy <= 57 else 1800 + yy
def valid(d):
    try:
        datetime.date(year(d), int(d[2:4]), int(d[0:2])); return True
    except ValueError:
        return False
def mask(t):
    m = [False] * len(t)
    for x in re.finditer(r'\d{6}(?:-\d*|\d*)', t):
        for k in range(x.start(), x.end()): m[k] = True
    run, pos, gap, hit = "", [], 0, False
    def end():
        if hit:
            for k in pos: m[k] = True
    for k, ch in enumerate(t):
        if ch.isdecimal():
            if run and gap > 3:
                end(); run, pos, hit = "", [], False
            run += str(unicodedata.decimal(ch)); pos.append(k); gap = 0
            if len(run) >= 10 and valid(run[-10:]): hit = True
        elif ch in " \t._/-" or unicodedata.category(ch) in ("Zs", "Pd", "Cf"):
            gap += 1 if run else 0
        else:
            end(); run, pos, gap, hit = "", [], 0, False
    end()
    return "".join("X" * len(c.encode()) if m[k] else c for k, c in enumerate(t))
def clean(t):
    return "".join("?" if ord(c) < 0x20 or c == "\x7f" else c for c in t)
data = open(sys.argv[1], 'rb').read()
if data.startswith(b'\xef\xbb\xbf'):
    data = data[3:]
jsonl = sys.argv[1].endswith(".jsonl")
n_header = None
for n, raw in enumerate(data.split(b'\n'), 1):
    text = raw.rstrip(b'\r').decode(sys.argv[2], errors='replace')
    row = ""
    if jsonl:
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                c = canon(k)
                if c:
                    out[c] = None if isinstance(v, (dict, list)) else v
            row = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
    else:
        f = split_csv(text)
        if n_header is None and text.strip(" \t;"):
            n_header = len(f or [])
        elif f is not None:
            row = ";".join('"' + x.replace('"', '""') + '"'
                           if (";" in x or '"' in x) else x
                           for x in f[:n_header])
    print(f'{n};{mask(clean(row))}')
EOF
}

# expect_rejects FILE ENCODING <<< "line|reason" lines -> $WORK/expected.rej
expect_rejects() {
        local file=$1 enc=$2 line reason
        oracle_rows "$file" "$enc" >"$WORK/oracle"
        : >"$WORK/expected.rej"
        while IFS='|' read -r line reason; do
                row=$(grep -m1 "^$line;" "$WORK/oracle" | cut -d';' -f2-)
                printf '%s;%s;%s;%s\n' "$file" "$line" "$reason" "$row" >>"$WORK/expected.rej"
        done
}

# run_producer NAME FILE EXPECTED_STATUS: --rejects to $WORK/NAME.rej
run_producer() {
        local name=$1 file=$2 want=$3 rc=0
        "$BIN/midway-producer" -p 5 -k "$WORK/key" --rejects "$WORK/$name.rej" "$file" \
                >"$WORK/$name.producer.out" 2>"$WORK/$name.producer.err" || rc=$?
        assert_eq "$name: exit status" "$want" "$rc"
        "$BIN/midway-producer" -p 5 -k "$WORK/key" --dry-run "$file" \
                >"$WORK/$name.dry.out" 2>"$WORK/$name.dry.err" || true
}

check_rejects() { # NAME
        if ! diff -u "$WORK/expected.rej" "$WORK/$1.rej" >"$WORK/$1.rej.diff"; then
                cat "$WORK/$1.rej.diff" >&2
                fail "$1: the reject file differs"
        fi
        assert_eq "$1: rejected rows in the reject file" "$(wc -l <"$WORK/expected.rej")" "$(wc -l <"$WORK/$1.rej")"
}

# 1. One rejected row of every kind.
run_producer errors-csv "$FIX/errors.csv" 3
expect_rejects "$FIX/errors.csv" utf-8 <<EOF
3|afgang dated 2015-03-01 is before the citizen's intake on 2015-03-10 (line 2)
4|afgang dated 2015-02-02 is before the citizen's intake on 2015-02-20 (line 5)
7|duplicate of line 6 (the same registration twice, kilde_id keeps rows apart)
8|unknown kontaktform 'Brevdue'
9|dato 2099-01-01 is in the future (today is $today)
10|dato 2014-09-30 is before the programme started on 2014-10-01
12|indsats_id looks like a CPR number (6 or more digits in a row, or a birth date and 4 digits however written)
13|CPR number has an invalid birth date
14|kommunekode '851' is not a municipality of project 5 (frederikshavn)
15|unknown haendelse 'møde' (visitation, kontakt, indsats, afgang, profilaendring)
16|dato: date is not of the form dd-mm-yyyy or yyyy-mm-dd
17|column 4: unterminated quote
18|the row has 21 fields, the header 20
19|citizen is 15 years old at visitation, the programme is for adults (18+)
20|unknown afgangsaarsag 'Vandt i lotto'
22|erstatter is not an event id (a UUID)
23|unknown handling (ny, rettelse, annullering)
24|registreret 2099-01-01 is in the future (today is $today)
25|event date 2015-04-10 is after its registration time
26|unknown ydelse 'XXXXXXXXXX'
27|byte 0xE6 at column 49 is not valid UTF-8 (the file is read as UTF-8)
29|intervention ends before it starts
30|profile change changes nothing
31|CPR number is empty
EOF
check_rejects errors-csv

run_producer errors-jsonl "$FIX/errors.jsonl" 3
expect_rejects "$FIX/errors.jsonl" utf-8 <<EOF
2|not valid JSON at column 65: string or '}' expected near end of file
3|unknown key 'farve'
4|the line is not a JSON object
5|the value of 'dato' is not a string
6|required key 'dato' is missing
8|not valid JSON at column 94: duplicate object key near '"dato"'
9|unknown key 'XXXXXXXXXX'
10|not valid JSON at column 9: invalid token near '0'
11|key 'haendelse' appears twice
13|the value of 'kommunekode' is not a string or an integer
14|kontakt dated 2015-05-04 is before the citizen's intake on 2015-05-05 (line 1)
EOF
check_rejects errors-jsonl

run_producer cp1252-bad "$FIX/cp1252-bad.csv" 3
expect_rejects "$FIX/cp1252-bad.csv" cp1252 <<EOF
4|byte 0x81 at column 46 is not a Windows-1252 character (the file is read as Windows-1252)
EOF
check_rejects cp1252-bad

# 2. One export in four encodings and formats: nothing rejected, the same
#    events.
for f in utf8.csv utf8-bom.csv cp1252.csv export.jsonl; do
        run_producer "$f" "$FIX/$f" 0
        assert_eq "$f: reject file is empty" "0" "$(wc -c <"$WORK/$f.rej")"
        jq -r .event_id "$WORK/$f.dry.out" >"$WORK/$f.ids"
        cmp -s "$WORK/utf8.csv.ids" "$WORK/$f.ids" || fail "$f: not the same events as utf8.csv"
done
assert_eq "events in utf8.csv" "9" "$(wc -l <"$WORK/utf8.csv.ids")"
assert_eq "accepted rows of errors.csv" "6" "$(wc -l <"$WORK/errors-csv.dry.out")"
assert_eq "accepted rows of errors.jsonl" "2" "$(wc -l <"$WORK/errors-jsonl.dry.out")"
assert_eq "accepted rows of cp1252-bad.csv" "8" "$(wc -l <"$WORK/cp1252-bad.dry.out")"
# Danish labels arrived as their codes, whatever the encoding.
for f in utf8-bom.csv cp1252.csv export.jsonl; do
        assert_eq "$f: exit reason 'Borgeren er overgået til fleksjob'" "flexjob" \
                "$(jq -r 'select(.kind == "exit") | .payload.reason' "$WORK/$f.dry.out" | head -1)"
        assert_eq "$f: benefit 'Kontanthjælp'" "kontanthjaelp" \
                "$(jq -r 'select(.kind == "visitation") | .payload.benefit_type' "$WORK/$f.dry.out" | head -1)"
done

# 3. The accepted rows, and only they, in PostgreSQL.
consume_to_end 2>"$WORK/consumer.err" >"$WORK/consumer.out"
cat "$WORK"/*.dry.out | jq -r .event_id | sort -u >"$WORK/expected.ids"
q "SELECT event_id FROM event ORDER BY 1" >"$WORK/stored.ids"
if ! diff -u "$WORK/expected.ids" "$WORK/stored.ids" >"$WORK/ids.diff"; then
        head -20 "$WORK/ids.diff" >&2
        fail "the stored events are not the accepted rows"
fi
assert_eq "events stored (the accepted rows, once each)" "17" "$(wc -l <"$WORK/stored.ids")"
assert_eq "dead letters" "0" "$(q "SELECT count(*) FROM dead_letter")"
assert_eq "exit reasons stored" "flexjob moved ordinary_education" \
        "$(q "SELECT string_agg(DISTINCT payload->>'reason', ' ' ORDER BY payload->>'reason') FROM event WHERE kind = 'exit'")"
verify_state

# 4. No CPR number of the fixtures anywhere downstream of the producer.
cat "$FIX"/* | grep -aoE '[0-9]{6}-?[0-9]{4}' | tr -d - | sort -u >"$WORK/cprs"
sed -E 's/^([0-9]{6})([0-9]{4})$/\1-\2/' "$WORK/cprs" >>"$WORK/cprs"
[ "$(wc -l <"$WORK/cprs")" -ge 18 ] || fail "too few CPR numbers found in the fixtures"
kcat -b "$MW_BROKERS" -C -t "$(topic_of frederikshavn)" -e -q -f '%k %h %s\n' >"$WORK/kafka.dump"
pg_dump "$MW_PG_CONNINFO" >"$WORK/db.dump"
ref=$(q "SELECT citizen_ref FROM event LIMIT 1")
grep -q "$ref" "$WORK/kafka.dump" || fail "the Kafka dump does not hold the events"
grep -q "$ref" "$WORK/db.dump" || fail "the database dump does not hold the events"
grep -q "XXXXXXXXXX" "$WORK/errors-csv.rej" || fail "the reject file shows no masked CPR"
for f in "$WORK/kafka.dump" "$WORK/db.dump" "$WORK"/*.rej "$WORK"/*.producer.out \
        "$WORK"/*.producer.err "$WORK"/*.dry.out "$WORK"/*.dry.err \
        "$WORK/consumer.out" "$WORK/consumer.err"; do
        leaks=$(grep -a -c -F -f "$WORK/cprs" "$f" || true)
        [ "$leaks" -eq 0 ] || fail "$leaks lines with a CPR number of the fixtures in $f"
done
echo "[$TEST_NAME] ok: none of $(wc -l <"$WORK/cprs") CPR spellings in Kafka, PostgreSQL, reject files, producer/consumer output or --dry-run"
