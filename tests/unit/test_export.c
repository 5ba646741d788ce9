/* Unit tests: lib/ingest/export.c, the export reader.
 *
 * Fixtures in tests/fixtures/exports/ (synthetic CPR numbers only):
 *   utf8.csv, utf8-bom.csv, cp1252.csv, export.jsonl  the same 9 rows
 *                                  in four encodings and formats
 *   cp1252-bad.csv   cp1252.csv with an undefined byte (0x81) in line 4
 *   errors.csv       one rejected row of every kind, with blank lines
 *   errors.jsonl     the errors of JSON Lines
 * Every reason is checked word for word with its line number, and no
 * reason or masked row may hold a CPR number of the input. Over 1,000
 * lines: one test binary per module (tests/tests.cmake). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "midway/buf.h"
#include "midway/date.h"
#include "midway/export.h"
#include "midway/projects.h"
#include "midway/pseudo.h"
#include "midway/validate.h"

#define TEST_KEY  "midway-test-key-0123456789abcdef!"
#define MAX_ROWS  64
#define ANY_TODAY "2025-06-15"

struct result {
        long line;
        mw_err_t err;
        char reason[512];
        char masked[2048];
        unsigned flags;
        struct mw_event ev;
};

struct run {
        mw_err_t fatal; /* MW_OK if the export was read to its end */
        char fatal_reason[512];
        long fatal_line;
        char format[16], encoding[32];
        size_t n;
        struct result rows[MAX_ROWS];
};

static struct mw_pseudo *ps;
static const struct mw_project *project;

static int
setup(void **state)
{
        char errstr[256];
        size_t n;

        (void)state;
        if (!mw_projects(&n, errstr, sizeof(errstr)))
                return -1;
        project = mw_project_find(5); /* Frederikshavn: municipality 813 */
        ps = mw_pseudo_new_key(TEST_KEY, strlen(TEST_KEY), errstr,
                               sizeof(errstr));
        return project && ps ? 0 : -1;
}

static int
teardown(void **state)
{
        (void)state;
        mw_pseudo_destroy(ps);
        return 0;
}

/* 2025-06-15 12:00 UTC: "today" of every test but test_danish_today. */
static int64_t now_offset_s = 12 * 3600;

static int64_t
now_ms(void)
{
        return ((int64_t)mw_date_from_ymd(2025, 6, 15) * 86400 + now_offset_s) *
               1000;
}

/* Reads every row of fp into a new struct run (free it). */
static struct run *
read_fp(FILE *fp, const char *name, enum mw_export_encoding encoding,
        enum mw_export_format format)
{
        struct mw_export_opts opts = {project, ps, "test", now_ms()};
        struct run *run;
        struct mw_export *x;
        struct result *r;
        char errstr[512];
        mw_err_t err;

        run = calloc(1, sizeof(*run));
        assert_non_null(run);
        assert_non_null(fp);
        x = mw_export_open(fp, name, &opts, errstr, sizeof(errstr));
        assert_non_null(x);
        mw_export_set_encoding(x, encoding);
        mw_export_set_format(x, format);
        for (;;) {
                assert_true(run->n < MAX_ROWS);
                r = &run->rows[run->n];
                err = mw_export_next(x, &r->ev, r->reason, sizeof(r->reason));
                if (err == MW_ERR_NOTFOUND)
                        break;
                if (err != MW_OK && err != MW_ERR_INVALID) {
                        run->fatal = err;
                        run->fatal_line = mw_export_line(x);
                        snprintf(run->fatal_reason, sizeof(run->fatal_reason),
                                 "%s", r->reason);
                        break;
                }
                r->err = err;
                r->line = mw_export_line(x);
                r->flags = mw_export_flags(x);
                if (err == MW_OK)
                        r->reason[0] = '\0';
                snprintf(r->masked, sizeof(r->masked), "%s",
                         mw_export_masked_row(x));
                run->n++;
        }
        snprintf(run->format, sizeof(run->format), "%s",
                 mw_export_format_name(x));
        snprintf(run->encoding, sizeof(run->encoding), "%s",
                 mw_export_encoding_name(x));
        mw_export_close(x);
        return run;
}

static char *
fixture_path(const char *name)
{
        const char *dir = getenv("MW_SOURCE_DIR");
        static char path[4096];

        snprintf(path, sizeof(path), "%s/tests/fixtures/exports/%s",
                 dir ? dir : ".", name);
        return path;
}

static struct run *
read_fixture(const char *name)
{
        FILE *fp = fopen(fixture_path(name), "rb");
        struct run *run;

        if (!fp)
                fail_msg("cannot open %s (set MW_SOURCE_DIR)",
                         fixture_path(name));
        run = read_fp(fp, name, MW_EXPORT_ENCODING_AUTO, MW_EXPORT_FORMAT_AUTO);
        fclose(fp);
        return run;
}

static struct run *
read_text(const char *text, const char *name)
{
        FILE *fp = fmemopen((void *)text, strlen(text), "r");
        struct run *run;

        run = read_fp(fp, name, MW_EXPORT_ENCODING_AUTO, MW_EXPORT_FORMAT_AUTO);
        fclose(fp);
        return run;
}

static const struct result *
row_at(const struct run *run, long line)
{
        static const struct result none; /* fail_msg() does not return */
        size_t i;

        for (i = 0; i < run->n; i++)
                if (run->rows[i].line == line)
                        return &run->rows[i];
        fail_msg("no row at line %ld", line);
        return &none;
}

/* Every 10-digit run of the file: its CPR numbers (and nothing may hold
 * one). */
static size_t
cprs_of(const char *path, char cprs[][11], size_t max)
{
        FILE *fp = fopen(path, "rb");
        char buf[16384];
        size_t len, i, run = 0, n = 0;

        assert_non_null(fp);
        len = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
        buf[len] = '\0';
        for (i = 0; i <= len; i++) {
                if (i < len && buf[i] >= '0' && buf[i] <= '9') {
                        run++;
                        continue;
                }
                if (run == 10 && n < max) {
                        memcpy(cprs[n], buf + i - 10, 10);
                        cprs[n++][10] = '\0';
                }
                run = 0;
        }
        return n;
}

/* No reason and no masked row holds a CPR of the fixture, nor any run of
 * 6 digits (the rule of mw_cpr_mask). */
static void
assert_no_cpr(const struct run *run, const char *fixture)
{
        char cprs[64][11];
        size_t n = cprs_of(fixture_path(fixture), cprs, 64), i, k, d;
        const char *texts[2];
        const char *p;
        int t;

        assert_true(n > 0);
        for (i = 0; i < run->n; i++) {
                texts[0] = run->rows[i].reason;
                texts[1] = run->rows[i].masked;
                for (t = 0; t < 2; t++) {
                        for (k = 0; k < n; k++)
                                if (strstr(texts[t], cprs[k]))
                                        fail_msg("%s line %ld: CPR in '%s'",
                                                 fixture, run->rows[i].line,
                                                 texts[t]);
                        for (p = texts[t], d = 0; *p; p++) {
                                d = *p >= '0' && *p <= '9' ? d + 1 : 0;
                                if (d >= 6)
                                        fail_msg("%s line %ld: 6 digits in "
                                                 "'%s'",
                                                 fixture, run->rows[i].line,
                                                 texts[t]);
                        }
                }
        }
        for (k = 0; k < n; k++)
                assert_null(strstr(run->fatal_reason, cprs[k]));
}

struct expect {
        long line;
        const char *reason; /* NULL: accepted */
        unsigned flags;
};

static void
assert_rows(const struct run *run, const struct expect *want, size_t n_want)
{
        const struct result *r;
        size_t i;

        assert_int_equal(run->fatal, MW_OK);
        for (i = 0; i < n_want; i++) {
                r = row_at(run, want[i].line);
                if (want[i].reason) {
                        if (r->err != MW_ERR_INVALID ||
                            strcmp(r->reason, want[i].reason) != 0)
                                fail_msg("line %ld: want '%s', got '%s'",
                                         want[i].line, want[i].reason,
                                         r->err ? r->reason : "(accepted)");
                } else {
                        if (r->err != MW_OK)
                                fail_msg("line %ld: rejected: %s", r->line,
                                         r->reason);
                        assert_int_equal(r->flags, want[i].flags);
                }
        }
        assert_int_equal(run->n, n_want);
}

/* ---- every reason, with its line ------------------------------------ */

static const struct expect errors_csv[] = {
    {2, NULL, 0},
    {3,
     "afgang dated 2015-03-01 is before the citizen's intake on 2015-03-10 "
     "(line 2)",
     0},
    {4,
     "afgang dated 2015-02-02 is before the citizen's intake on 2015-02-20 "
     "(line 5)",
     0},
    {5, NULL, 0},
    {6, NULL, 0},
    {7,
     "duplicate of line 6 (the same registration twice, kilde_id keeps rows "
     "apart)",
     0},
    {8, "unknown kontaktform 'Brevdue'", 0},
    {9, "dato 2099-01-01 is in the future (today is " ANY_TODAY ")", 0},
    {10, "dato 2014-09-30 is before the programme started on 2014-10-01", 0},
    /* 11 is blank */
    {12,
     "indsats_id looks like a CPR number (6 or more digits in a row, or a "
     "birth date and 4 digits however written)",
     0},
    {13, "CPR number has an invalid birth date", 0},
    {14, "kommunekode '851' is not a municipality of project 5 (frederikshavn)",
     0},
    {15,
     "unknown haendelse 'møde' (visitation, kontakt, indsats, afgang, "
     "profilaendring)",
     0},
    {16, "dato: date is not of the form dd-mm-yyyy or yyyy-mm-dd", 0},
    {17, "column 4: unterminated quote", 0},
    {18, "the row has 21 fields, the header 20", 0},
    {19,
     "citizen is 15 years old at visitation, the programme is for adults "
     "(18+)",
     0},
    {20, "unknown afgangsaarsag 'Vandt i lotto'", 0},
    {21, NULL, MW_EXPORT_NO_INTAKE},
    {22, "erstatter is not an event id (a UUID)", 0},
    {23, "unknown handling (ny, rettelse, annullering)", 0},
    {24, "registreret 2099-01-01 is in the future (today is " ANY_TODAY ")", 0},
    {25, "event date 2015-04-10 is after its registration time", 0},
    {26, "unknown ydelse 'XXXXXXXXXX'", 0},
    {27,
     "byte 0xE6 at column 49 is not valid UTF-8 (the file is read as "
     "UTF-8)",
     0},
    {28, NULL, 0},
    {29, "intervention ends before it starts", 0},
    {30, "profile change changes nothing", 0},
    {31, "CPR number is empty", 0},
    /* 32 holds only separators */
    {33, NULL, 0},
};

static void
test_errors_csv(void **state)
{
        struct run *run = read_fixture("errors.csv");

        (void)state;
        assert_rows(run, errors_csv, sizeof(errors_csv) / sizeof(*errors_csv));
        assert_string_equal(run->format, "CSV");
        assert_string_equal(run->encoding, "UTF-8");
        /* the row of line 12, as the reject file shows it */
        assert_string_equal(row_at(run, 12)->masked,
                            "XXXXXXXXXX;813;indsats;20-03-2015;;;;;;;;"
                            "XXXXXXXXXX;Mentorstøtte;Påbegyndt;;;;;;E7");
        /* the invalid byte is shown as U+FFFD */
        assert_non_null(
            strstr(row_at(run, 27)->masked, "Kontanthj\xEF\xBF\xBDlp"));
        assert_no_cpr(run, "errors.csv");
        free(run);
}

static const struct expect errors_jsonl[] = {
    {1, NULL, 0},
    {2, "not valid JSON at column 65: string or '}' expected near end of file",
     0},
    {3, "unknown key 'farve'", 0},
    {4, "the line is not a JSON object", 0},
    {5, "the value of 'dato' is not a string", 0},
    {6, "required key 'dato' is missing", 0},
    /* 7 is blank */
    {8, "not valid JSON at column 94: duplicate object key near '\"dato\"'", 0},
    {9, "unknown key 'XXXXXXXXXX'", 0},
    {10, "not valid JSON at column 9: invalid token near '0'", 0},
    {11, "key 'haendelse' appears twice", 0},
    {12, NULL, 0},
    {13, "the value of 'kommunekode' is not a string or an integer", 0},
    {14,
     "kontakt dated 2015-05-04 is before the citizen's intake on 2015-05-05 "
     "(line 1)",
     0},
};

static void
test_errors_jsonl(void **state)
{
        struct run *run = read_fixture("errors.jsonl");

        (void)state;
        assert_rows(run, errors_jsonl,
                    sizeof(errors_jsonl) / sizeof(*errors_jsonl));
        assert_string_equal(run->format, "JSON Lines");
        assert_no_cpr(run, "errors.jsonl");
        free(run);
}

static void
test_cp1252_bad(void **state)
{
        static const struct expect want[] = {
            {2, NULL, 0},
            {3, NULL, 0},
            {4,
             "byte 0x81 at column 46 is not a Windows-1252 character (the "
             "file is read as Windows-1252)",
             0},
            {5, NULL, 0},
            {6, NULL, 0},
            {7, NULL, 0},
            {8, NULL, 0},
            {9, NULL, MW_EXPORT_NO_INTAKE},
            {10, NULL, 0},
        };
        struct run *run = read_fixture("cp1252-bad.csv");

        (void)state;
        assert_rows(run, want, sizeof(want) / sizeof(*want));
        assert_string_equal(run->encoding, "Windows-1252");
        /* converted to UTF-8, the bad byte as U+FFFD */
        assert_non_null(strstr(row_at(run, 4)->masked,
                               "IND-\xEF\xBF\xBD"
                               "77;Mentorstøtte;Påbegyndt"));
        assert_no_cpr(run, "cp1252-bad.csv");
        free(run);
}

/* ---- one export in four encodings and formats ----------------------- */

static void
event_json(const struct mw_event *ev, char *out, size_t size)
{
        struct mw_buf buf = MW_BUF_INIT;

        assert_int_equal(mw_event_json(ev, &buf), MW_OK);
        snprintf(out, size, "%s", buf.data);
        mw_buf_release(&buf);
}

static void
test_twins(void **state)
{
        static const struct {
                const char *file, *format, *encoding;
        } twins[] = {
            {"utf8.csv", "CSV", "UTF-8"},
            {"utf8-bom.csv", "CSV", "UTF-8 with BOM"},
            {"cp1252.csv", "CSV", "Windows-1252"},
            {"export.jsonl", "JSON Lines", "UTF-8"},
        };
        struct run *base, *run;
        char a[2048], b[2048];
        size_t t, i;

        (void)state;
        base = read_fixture("utf8.csv");
        assert_int_equal(base->n, 9);
        for (i = 0; i < base->n; i++)
                if (base->rows[i].err != MW_OK)
                        fail_msg("utf8.csv line %ld: %s", base->rows[i].line,
                                 base->rows[i].reason);
        /* the Danish labels matched their codes */
        event_json(&row_at(base, 2)->ev, a, sizeof(a));
        assert_non_null(strstr(a, "\"benefit_type\":\"kontanthjaelp\""));
        assert_non_null(strstr(a, "\"registered_at\":1422958500000"));
        event_json(&row_at(base, 3)->ev, a, sizeof(a));
        assert_non_null(strstr(a, "\"place\":\"home\""));
        event_json(&row_at(base, 4)->ev, a, sizeof(a));
        assert_non_null(strstr(a, "\"category\":\"mentor\""));
        assert_non_null(strstr(a, "\"intervention_ref\":\"IND-77\""));
        event_json(&row_at(base, 5)->ev, a, sizeof(a));
        assert_non_null(strstr(a, "\"reason\":\"flexjob\""));
        event_json(&row_at(base, 7)->ev, a, sizeof(a));
        assert_non_null(strstr(a, "\"channel\":\"group\",\"place\":\"walk\""));
        event_json(&row_at(base, 10)->ev, a, sizeof(a));
        assert_non_null(strstr(a, "\"reason\":\"ordinary_education\""));
        /* the second pass returns the reference and id the first derived:
         * they are the HMAC of the row's CPR and a valid event */
        mw_pseudo_ref(ps, "1503851231", a);
        assert_string_equal(row_at(base, 2)->ev.citizen_ref, a);
        for (i = 0; i < base->n; i++)
                assert_int_equal(
                    mw_event_validate(&base->rows[i].ev, a, sizeof(a)), MW_OK);
        /* 220790-2468 and 2207902468 are one citizen */
        assert_string_equal(row_at(base, 6)->ev.citizen_ref,
                            row_at(base, 7)->ev.citizen_ref);
        assert_int_equal(row_at(base, 9)->flags, MW_EXPORT_NO_INTAKE);
        assert_no_cpr(base, "utf8.csv");

        for (t = 0; t < sizeof(twins) / sizeof(*twins); t++) {
                run = read_fixture(twins[t].file);
                assert_string_equal(run->format, twins[t].format);
                assert_string_equal(run->encoding, twins[t].encoding);
                assert_int_equal(run->n, base->n);
                for (i = 0; i < run->n; i++) {
                        assert_int_equal(run->rows[i].err, MW_OK);
                        assert_int_equal(run->rows[i].flags,
                                         base->rows[i].flags);
                        event_json(&base->rows[i].ev, a, sizeof(a));
                        event_json(&run->rows[i].ev, b, sizeof(b));
                        if (strcmp(a, b) != 0)
                                fail_msg("%s row %zu differs:\n%s\n%s",
                                         twins[t].file, i, a, b);
                }
                assert_no_cpr(run, twins[t].file);
                free(run);
        }
        free(base);
}

/* ---- checks between rows, either order ------------------------------ */

#define HDR                                                                    \
        "cpr;kommunekode;haendelse;dato;ydelse;kontaktform;afgangsaarsag;"     \
        "handling;erstatter;kilde_id\n"
#define VIS(cpr, date, id)                                                     \
        cpr ";813;visitation;" date ";Kontanthjælp;;;;;" id "\n"
#define KON(cpr, date, id) cpr ";813;kontakt;" date ";;Telefon;;;;" id "\n"
#define AFG(cpr, date, id) cpr ";813;afgang;" date ";;;Sygdom;;;" id "\n"
#define ANN(cpr, date, id)                                                     \
        cpr ";813;afgang;" date                                                \
            ";;;Sygdom;annullering;3634269f-85fa-447a-b126-7c2499adaa67;" id   \
            "\n"
#define P1 "0101901234"
#define P2 "0202902345"

struct order_case {
        const char *name;
        const char *text;
        struct expect want[6];
        size_t n;
};

static const struct order_case order_cases[] = {
    {"exit after the intake",
     HDR VIS(P1, "01-02-2015", "a") AFG(P1, "01-03-2015", "b"),
     {{2, NULL, 0}, {3, NULL, 0}},
     2},
    {"exit before the intake, intake first",
     HDR VIS(P1, "01-02-2015", "a") AFG(P1, "31-01-2015", "b"),
     {{2, NULL, 0},
      {3,
       "afgang dated 2015-01-31 is before the citizen's intake on "
       "2015-02-01 (line 2)",
       0}},
     2},
    {"exit before the intake, exit first",
     HDR AFG(P1, "31-01-2015", "b") VIS(P1, "01-02-2015", "a"),
     {{2,
       "afgang dated 2015-01-31 is before the citizen's intake on "
       "2015-02-01 (line 3)",
       0},
      {3, NULL, 0}},
     2},
    {"contact on the day of the intake",
     HDR KON(P1, "01-02-2015", "b") VIS(P1, "01-02-2015", "a"),
     {{2, NULL, 0}, {3, NULL, 0}},
     2},
    {"the earliest of two intakes counts",
     HDR VIS(P1, "01-04-2015", "a") KON(P1, "01-03-2015", "b")
         VIS(P1, "01-02-2015", "c") KON(P1, "31-01-2015", "d"),
     {{2, NULL, 0},
      {3, NULL, 0},
      {4, NULL, 0},
      {5,
       "kontakt dated 2015-01-31 is before the citizen's intake on "
       "2015-02-01 (line 4)",
       0}},
     4},
    {"another citizen's intake does not count",
     HDR VIS(P2, "01-01-2015", "a") AFG(P1, "01-03-2015", "b"),
     {{2, NULL, 0}, {3, NULL, MW_EXPORT_NO_INTAKE}},
     2},
    {"a rejected intake is no intake",
     HDR P1
     ";813;visitation;01-01-2015;Lotto;;;;;a\n" KON(P1, "01-03-2015", "b"),
     {{2, "unknown ydelse 'Lotto'", 0}, {3, NULL, MW_EXPORT_NO_INTAKE}},
     2},
    {"a retraction is not checked against the intake",
     HDR VIS(P1, "01-02-2015", "a") ANN(P1, "01-01-2015", "b"),
     {{2, NULL, 0}, {3, NULL, 0}},
     2},
    {"identical rows",
     HDR KON(P1, "01-02-2015", "a") KON(P1, "01-02-2015", "a")
         KON(P1, "01-02-2015", "a"),
     {{2, NULL, MW_EXPORT_NO_INTAKE},
      {3,
       "duplicate of line 2 (the same registration twice, kilde_id keeps "
       "rows apart)",
       0},
      {4,
       "duplicate of line 2 (the same registration twice, kilde_id keeps "
       "rows apart)",
       0}},
     3},
    {"the CPR written with and without a dash is one citizen",
     HDR KON("010190-1234", "01-02-2015", "a") KON(P1, "01-02-2015", "a"),
     {{2, NULL, MW_EXPORT_NO_INTAKE},
      {3,
       "duplicate of line 2 (the same registration twice, kilde_id keeps "
       "rows apart)",
       0}},
     2},
    {"kilde_id keeps rows apart",
     HDR KON(P1, "01-02-2015", "a") KON(P1, "01-02-2015", "b"),
     {{2, NULL, MW_EXPORT_NO_INTAKE}, {3, NULL, MW_EXPORT_NO_INTAKE}},
     2},
    {"a duplicate of a rejected row is rejected for itself",
     HDR KON(P1, "01-02-2099", "a") KON(P1, "01-02-2099", "a"),
     {{2, "dato 2099-02-01 is in the future (today is " ANY_TODAY ")", 0},
      {3, "dato 2099-02-01 is in the future (today is " ANY_TODAY ")", 0}},
     2},
};

static void
test_order(void **state)
{
        struct run *run;
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(order_cases) / sizeof(*order_cases); i++) {
                print_message("  %s\n", order_cases[i].name);
                run = read_text(order_cases[i].text, "order.csv");
                assert_rows(run, order_cases[i].want, order_cases[i].n);
                free(run);
        }
}

/* ---- inline cases: detection, fields, header ------------------------ */

struct text_case {
        const char *name;
        const char *text;
        const char *file;
        const char *format, *encoding; /* NULL: a fatal error */
        long line;                     /* of the row (or the fatal error) */
        const char *reason;            /* NULL: accepted */
};

#define ROW1 P1 ";813;kontakt;01-02-2015;Telefon"
#define H1   "cpr;kommunekode;haendelse;dato;kontaktform"

static const struct text_case text_cases[] = {
    {"ASCII is UTF-8", H1 "\n" ROW1 "\n", "a.csv", "CSV", "UTF-8", 2, NULL},
    {"Latin-1 header", "cpr;kommunekode;h\xE6ndelse;dato;kontaktform\n" ROW1,
     "a.csv", "CSV", "Windows-1252", 2, NULL},
    {"Latin-1 label",
     "cpr;kommunekode;haendelse;dato;ydelse\n" P1
     ";813;visitation;01-02-2015;Kontanthj\xE6lp\n",
     "a.csv", "CSV", "Windows-1252", 2, NULL},
    {"the euro sign is Windows-1252, not Latin-1",
     H1 ";kilde_id\n" ROW1 ";\x80"
        "1\n",
     "a.csv", "CSV", "Windows-1252", 2, NULL},
    {"UTF-8 majority, one Latin-1 row",
     "cpr;kommunekode;hændelse;dato;kontaktform;sted\n" ROW1
     ";Hjemmebesøg\n" ROW1 ";Gåtur\n" ROW1 ";Hjemmebes\xF8g\n",
     "a.csv", "CSV", "UTF-8", 4,
     "byte 0xF8 at column 52 is not valid UTF-8 (the file is read as "
     "UTF-8)"},
    {"a BOM decides UTF-8", "\xEF\xBB\xBF" H1 ";kilde_id\n" ROW1 ";\xE6\n",
     "a.csv", "CSV", "UTF-8 with BOM", 2,
     "byte 0xE6 at column 43 is not valid UTF-8 (the file is read as "
     "UTF-8 with BOM)"},
    {"overlong UTF-8 is invalid",
     H1 ";kilde_id\n" ROW1 ";\xC0\xAF\n" ROW1 ";æ\n" ROW1 ";ø\n" ROW1 ";å\n",
     "a.csv", "CSV", "UTF-8", 2,
     "byte 0xC0 at column 43 is not valid UTF-8 (the file is read as "
     "UTF-8)"},
    {"JSON by the first byte",
     "\n  {\"cpr\": \"" P1 "\", \"kommunekode\": \"813\", \"haendelse\": "
     "\"kontakt\", \"dato\": \"01-02-2015\", "
     "\"kontaktform\": \"Telefon\"}\n",
     "a.csv", "JSON Lines", "UTF-8", 2, NULL},
    {"JSON by the name", H1 "\n", "a.ndjson", "JSON Lines", "UTF-8", 1,
     "not valid JSON at column 3: '[' or '{' expected near 'cpr'"},
    {"JSON: a CPR in a bad token is masked", "{\"cpr\": 2802797779.}\n",
     "a.jsonl", "JSON Lines", "UTF-8", 1,
     "not valid JSON at column 19: invalid token near 'XXXXXXXXXX.'"},
    {"JSON: a number for a string",
     "{\"cpr\": \"" P1 "\", \"kommunekode\": 813, \"haendelse\": \"kontakt\", "
     "\"dato\": \"01-02-2015\", \"kontaktform\": 7}\n",
     "a.jsonl", "JSON Lines", "UTF-8", 1,
     "the value of 'kontaktform' is not a string"},
    {"JSON: NUL is refused",
     "{\"cpr\": \"" P1 "\", \"kommunekode\": 813, \"haendelse\": \"kontakt\", "
     "\"dato\": \"01-02-2015\", \"kontaktform\": \"Tele\\u0000fon\"}\n",
     "a.jsonl", "JSON Lines", "UTF-8", 1,
     "not valid JSON at column 118: \\u0000 is not allowed without "
     "JSON_ALLOW..."},
    {"JSON: a control character",
     "{\"cpr\": \"" P1 "\", \"kommunekode\": 813, \"haendelse\": "
     "\"kontakt\", \"dato\": \"01-02-2015\", "
     "\"kontaktform\": \"Tele\\nfon\"}\n",
     "a.jsonl", "JSON Lines", "UTF-8", 1,
     "kontaktform holds a control character"},
    {"CSV: a control character", H1 ";kilde_id\n" ROW1 ";a\x01z\n", "a.csv",
     "CSV", "UTF-8", 2, "kilde_id holds a control character"},
    {"CSV: a quoted ';' is not quoted back",
     H1 "\n" P1 ";813;kontakt;01-02-2015;\"Tele;fon\"\n", "a.csv", "CSV",
     "UTF-8", 2, "unknown kontaktform 'Tele?fon'"},
    {"CSV: a long value is cut on a character",
     H1 "\n" P1 ";813;kontakt;01-02-2015;"
        "Telefonsamtale med borgerens mor om næææ\n",
     "a.csv", "CSV", "UTF-8", 2,
     "unknown kontaktform 'Telefonsamtale med borgerens mor om næ...'"},
    {"CSV: a long value is cut",
     H1 "\n" P1 ";813;kontakt;01-02-2015;"
        "Telefonsamtale med borgerens mor om næste møde\n",
     "a.csv", "CSV", "UTF-8", 2,
     "unknown kontaktform 'Telefonsamtale med borgerens mor om næs...'"},
    {"CSV: fewer fields than the header", H1 ";sted\n" ROW1 "\n", "a.csv",
     "CSV", "UTF-8", 2, NULL},
    {"CSV: empty trailing fields", H1 "\n" ROW1 ";;\n", "a.csv", "CSV", "UTF-8",
     2, NULL},
    {"kommunekode that wraps around to 813 as an int",
     H1 "\n" P1 ";4294968109;kontakt;01-02-2015;Telefon\n", "a.csv", "CSV",
     "UTF-8", 2,
     "kommunekode 'XXXXXXXXXX' is not a municipality of project 5 "
     "(frederikshavn)"},
    {"case and spelling of words",
     H1 ";handling\n" P1 ";813;KONTAKT;01-02-2015;Telefon;Ny\n", "a.csv", "CSV",
     "UTF-8", 2, NULL},
    {"profilændring written with æ",
     "cpr;kommunekode;haendelse;dato;problemomraader\n" P1
     ";813;Profilændring;01-02-2015;Ingen\n",
     "a.csv", "CSV", "UTF-8", 2, NULL},
    {"registreret with seconds",
     H1 ";registreret\n" ROW1 ";02-02-2015 23:59:59\n", "a.csv", "CSV", "UTF-8",
     2, NULL},
    {"registreret: a bad clock", H1 ";registreret\n" ROW1 ";02-02-2015 24:00\n",
     "a.csv", "CSV", "UTF-8", 2,
     "registration time is not dd-mm-yyyy [HH:MM[:SS]]"},
    {"indsats_id with 6 digits",
     "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status\n" P1
     ";813;indsats;01-02-2015;INT-201501;Mentorstøtte;Tilbudt\n",
     "a.csv", "CSV", "UTF-8", 2,
     "indsats_id looks like a CPR number (6 or more digits in a row, or a "
     "birth date and 4 digits however written)"},
    {"indsats_id with 5 digits",
     "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status\n" P1
     ";813;indsats;01-02-2015;INT-20150;Mentorstøtte;Tilbudt\n",
     "a.csv", "CSV", "UTF-8", 2, NULL},
    {"indsats_id: CPR with dots and a dash",
     "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status\n" P1
     ";813;indsats;01-02-2015;IND 14.02.72-1168;Mentorstøtte;Tilbudt\n",
     "a.csv", "CSV", "UTF-8", 2,
     "indsats_id looks like a CPR number (6 or more digits in a row, or a "
     "birth date and 4 digits however written)"},
    {"indsats_id: CPR with blanks",
     "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status\n" P1
     ";813;indsats;01-02-2015;10 02 88 1172;Mentorstøtte;Tilbudt\n",
     "a.csv", "CSV", "UTF-8", 2,
     "indsats_id looks like a CPR number (6 or more digits in a row, or a "
     "birth date and 4 digits however written)"},
    {"indsats_id: CPR split oddly",
     "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status\n" P1
     ";813;indsats;01-02-2015;05086-71176;Mentorstøtte;Tilbudt\n",
     "a.csv", "CSV", "UTF-8", 2,
     "indsats_id looks like a CPR number (6 or more digits in a row, or a "
     "birth date and 4 digits however written)"},
    {"indsats_id: CPR in full-width digits",
     "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status\n" P1
     ";813;indsats;01-02-2015;"
     "\xef\xbc\x91\xef\xbc\x94\xef\xbc\x90\xef\xbc\x92\xef\xbc\x97\xef\xbc\x92"
     "\xef\xbc\x91\xef\xbc\x91\xef\xbc\x96\xef\xbc\x98;Mentorstøtte;Tilbudt\n",
     "a.csv", "CSV", "UTF-8", 2,
     "indsats_id looks like a CPR number (6 or more digits in a row, or a "
     "birth date and 4 digits however written)"},
    {"indsats_id: a case-system id with a year",
     "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status\n" P1
     ";813;indsats;01-02-2015;PRAKTIK/2015/17;Mentorstøtte;Tilbudt\n",
     "a.csv", "CSV", "UTF-8", 2, NULL},
    {"mentortype: a Danish label",
     "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status;"
     "mentortype\n" P1
     ";813;indsats;01-02-2015;INT-7;Mentorstøtte;Tilbudt;LAB-mentor\n",
     "a.csv", "CSV", "UTF-8", 2, NULL},
    {"mentortype: an unknown one",
     "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status;"
     "mentortype\n" P1
     ";813;indsats;01-02-2015;INT-7;Mentorstøtte;Tilbudt;Coach\n",
     "a.csv", "CSV", "UTF-8", 2, "unknown mentortype 'Coach'"},
    {"mentortype: not mentor support",
     "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status;"
     "mentortype\n" P1
     ";813;indsats;01-02-2015;INT-7;Sundhedsindsats;Tilbudt;frivillig mentor\n",
     "a.csv", "CSV", "UTF-8", 2,
     "mentor_type given for a health intervention, not mentor support"},
    {"CR-only line ends (old Mac)", H1 "\r" ROW1 "\r" ROW1 ";\r", "a.csv",
     "CSV", "UTF-8", 3,
     "duplicate of line 2 (the same registration twice, "
     "kilde_id keeps rows apart)"},
    {"CR-only line ends, JSON Lines",
     "{\"cpr\":\"" P1 "\",\"kommunekode\":\"813\",\"haendelse\":\"kontakt\","
     "\"dato\":\"01-02-2015\",\"kontaktform\":\"Telefon\"}\r\r",
     "a.jsonl", "JSON Lines", "UTF-8", 1, NULL},
    {"CR LF still one line end", H1 "\r\n" ROW1 "\r\n", "a.csv", "CSV", "UTF-8",
     2, NULL},
    {"blanks around kommunekode",
     H1 "\n" P1 ";813 ;kontakt;01-02-2015;Telefon\n", "a.csv", "CSV", "UTF-8",
     2, NULL},
    {"blanks around cpr and every field",
     H1 "\n " P1 "\t; 813; kontakt ;01-02-2015 ; Telefon \n", "a.csv", "CSV",
     "UTF-8", 2, NULL},
    {"blanks inside quotes too",
     H1 "\n\"" P1 " \";\" 813 \";kontakt;01-02-2015;Telefon\n", "a.csv", "CSV",
     "UTF-8", 2, NULL},
    {"blanks in JSON values",
     "{\"cpr\":\" " P1 "\",\"kommunekode\":\"813 \",\"haendelse\":"
     "\"kontakt\",\"dato\":\"01-02-2015\",\"kontaktform\":\" Telefon\"}\n",
     "a.jsonl", "JSON Lines", "UTF-8", 1, NULL},
    {"no header line: the CPR is masked", ROW1 "\n", "a.csv", NULL, NULL, 1,
     "unknown column 'XXXXXXXXXX' in the header (is the header line "
     "missing?)"},
    {"required column missing", "cpr;kommunekode;dato\n", "a.csv", NULL, NULL,
     1, "required column 'haendelse' is missing"},
    {"column twice", H1 ";hændelse\n", "a.csv", NULL, NULL, 1,
     "column 'haendelse' appears twice"},
    {"empty export", "\n\n", "a.csv", NULL, NULL, 2, "no header line"},
};

/* At 00:30 Danish summer time on 15 June it is 22:30 UTC on the 14th: a
 * row of the 15th is today's, one of the 16th is in the future. */
static void
test_danish_today(void **state)
{
        static const char text[] =
            HDR VIS(P1, "15-06-2025", "a") VIS(P2, "16-06-2025", "b");
        struct run *run;

        (void)state;
        now_offset_s = -90 * 60;
        run = read_text(text, "today.csv");
        now_offset_s = 12 * 3600;
        assert_int_equal(run->fatal, MW_OK);
        if (row_at(run, 2)->err != MW_OK)
                fail_msg("today's row rejected: %s", row_at(run, 2)->reason);
        assert_int_equal(row_at(run, 3)->err, MW_ERR_INVALID);
        assert_string_equal(row_at(run, 3)->reason,
                            "dato 2025-06-16 is in the future (today is "
                            "2025-06-15)");
        free(run);
}

static void
test_text_cases(void **state)
{
        const struct text_case *c;
        const struct result *r;
        struct run *run;
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(text_cases) / sizeof(*text_cases); i++) {
                c = &text_cases[i];
                print_message("  %s\n", c->name);
                run = read_text(c->text, c->file);
                if (!c->format) {
                        assert_int_not_equal(run->fatal, MW_OK);
                        assert_int_not_equal(run->fatal, MW_ERR_INVALID);
                        assert_string_equal(run->fatal_reason, c->reason);
                        assert_int_equal(run->fatal_line, c->line);
                        free(run);
                        continue;
                }
                assert_int_equal(run->fatal, MW_OK);
                assert_string_equal(run->format, c->format);
                assert_string_equal(run->encoding, c->encoding);
                r = row_at(run, c->line);
                if (c->reason) {
                        assert_int_equal(r->err, MW_ERR_INVALID);
                        assert_string_equal(r->reason, c->reason);
                } else if (r->err != MW_OK) {
                        fail_msg("rejected: %s", r->reason);
                }
                free(run);
        }
}

/* A column added after exports existed (mentortype): an empty one leaves
 * the event id of the row what it was without the column. */
static void
test_added_column_keeps_ids(void **state)
{
        static const char without[] =
            "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status\n" P1
            ";813;indsats;01-02-2015;INT-7;Mentorstøtte;Tilbudt\n";
        static const char empty[] =
            "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status;"
            "mentortype\n" P1 ";813;indsats;01-02-2015;INT-7;Mentorstøtte;"
            "Tilbudt;\n";
        static const char given[] =
            "cpr;kommunekode;haendelse;dato;indsats_id;indsatstype;status;"
            "mentortype\n" P1 ";813;indsats;01-02-2015;INT-7;Mentorstøtte;"
            "Tilbudt;lab\n";
        struct run *a, *b, *c;

        (void)state;
        a = read_text(without, "a.csv");
        b = read_text(empty, "b.csv");
        c = read_text(given, "c.csv");
        assert_int_equal(row_at(a, 2)->err, MW_OK);
        assert_int_equal(row_at(b, 2)->err, MW_OK);
        assert_int_equal(row_at(c, 2)->err, MW_OK);
        assert_string_equal(row_at(a, 2)->ev.event_id,
                            row_at(b, 2)->ev.event_id);
        assert_string_not_equal(row_at(a, 2)->ev.event_id,
                                row_at(c, 2)->ev.event_id);
        assert_string_equal(row_at(c, 2)->ev.u.intervention.mentor_type, "lab");
        free(a);
        free(b);
        free(c);
}

static void
test_utf16(void **state)
{
        static const char text[] = "\xFF\xFE"
                                   "c\0p\0r\0";
        struct run *run;
        FILE *fp;

        (void)state;
        fp = fmemopen((void *)text, sizeof(text) - 1, "r");
        run = read_fp(fp, "a.csv", MW_EXPORT_ENCODING_AUTO,
                      MW_EXPORT_FORMAT_AUTO);
        fclose(fp);
        assert_int_equal(run->fatal, MW_ERR_IO);
        assert_string_equal(run->fatal_reason,
                            "the export is UTF-16, which is not supported: "
                            "save it as UTF-8 or Windows-1252");
        free(run);
}

static void
test_forced(void **state)
{
        static const char latin[] =
            "cpr;kommunekode;haendelse;dato;ydelse\n" P1
            ";813;visitation;01-02-2015;Kontanthj\xE6lp\n";
        static const char utf8[] = H1 ";kilde_id\n" ROW1 ";Ærø\n";
        struct run *run;
        FILE *fp;

        (void)state;
        /* Windows-1252 read as UTF-8: the row is rejected, not garbled */
        fp = fmemopen((void *)latin, strlen(latin), "r");
        run = read_fp(fp, "a.csv", MW_EXPORT_ENCODING_UTF8,
                      MW_EXPORT_FORMAT_AUTO);
        fclose(fp);
        assert_string_equal(run->encoding, "UTF-8");
        assert_int_equal(run->rows[0].err, MW_ERR_INVALID);
        free(run);
        /* UTF-8 read as Windows-1252: every byte is a character */
        fp = fmemopen((void *)utf8, strlen(utf8), "r");
        run = read_fp(fp, "a.csv", MW_EXPORT_ENCODING_CP1252,
                      MW_EXPORT_FORMAT_CSV);
        fclose(fp);
        assert_string_equal(run->encoding, "Windows-1252");
        assert_int_equal(run->rows[0].err, MW_OK);
        free(run);
}

static void
test_long_line(void **state)
{
        size_t len = MW_EXPORT_MAX_LINE + 100, o;
        char *text = malloc(len + 200);
        struct run *run;

        (void)state;
        assert_non_null(text);
        o = (size_t)sprintf(text, H1 ";kilde_id\n" ROW1 ";");
        memset(text + o, 'k', len);
        o += len;
        o += (size_t)sprintf(text + o, "\n" ROW1 ";b\n");
        run = read_text(text, "a.csv");
        assert_int_equal(run->n, 2);
        assert_string_equal(run->rows[0].reason,
                            "line longer than 65536 bytes");
        assert_string_equal(run->rows[0].masked, "");
        assert_int_equal(run->rows[1].err, MW_OK);
        assert_int_equal(run->rows[1].line, 3);
        free(run);
        free(text);
}

/* A rejected row goes to the reject file with only the columns midway
 * knows: another column's personal data (a name) stays out of it. */
static void
test_reject_known_columns(void **state)
{
        struct run *run;

        (void)state;
        run =
            read_text("{\"cpr\":\"" P1 "\",\"kommunekode\":813,"
                      "\"haendelse\":\"kontakt\",\"dato\":\"01-02-2015\","
                      "\"kontaktform\":\"Telefon\",\"navn\":\"Jens Hansen\","
                      "\"kilde_id\":{\"adresse\":\"Vej 1\"}}\n"
                      "{\"cpr\":\"\\u0030101901234\",\"kommunekode\":813,"
                      "\"haendelse\":\"m\\u00f8de\",\"dato\":\"01-02-2015\"}\n"
                      "{\"cpr\":\"" P1 "\",\"navn\":\"Jens Hansen\"\n",
                      "a.jsonl");
        assert_int_equal(run->n, 3);
        assert_int_equal(run->rows[0].err, MW_ERR_INVALID);
        assert_string_equal(run->rows[0].reason, "unknown key 'navn'");
        assert_string_equal(run->rows[0].masked,
                            "{\"cpr\":\"XXXXXXXXXX\",\"kommunekode\":813,"
                            "\"haendelse\":\"kontakt\",\"dato\":"
                            "\"01-02-2015\",\"kontaktform\":\"Telefon\","
                            "\"kilde_id\":null}");
        /* a CPR written with JSON escapes is masked after decoding */
        assert_string_equal(run->rows[1].masked,
                            "{\"cpr\":\"XXXXXXXXXX\",\"kommunekode\":813,"
                            "\"haendelse\":\"møde\",\"dato\":\"01-02-2015\"}");
        /* not JSON: which text is a known column is unknown */
        assert_string_equal(run->rows[2].masked, "");
        free(run);

        run = read_text(H1 "\n" ROW1 ";Jens Hansen\n"
                           "\"" P1 "\";813;\"a;\"\"b\";01-02-2015;Telefon\n",
                        "a.csv");
        assert_int_equal(run->n, 2);
        assert_string_equal(run->rows[0].reason,
                            "the row has 6 fields, the header 5");
        assert_string_equal(run->rows[0].masked,
                            "XXXXXXXXXX;813;kontakt;01-02-2015;Telefon");
        assert_string_equal(run->rows[1].masked,
                            "XXXXXXXXXX;813;\"a;\"\"b\";01-02-2015;Telefon");
        free(run);
}

/* An export over the limit is refused before it is read: a sparse file
 * of 300 MiB costs no disk and, read, would cost 300 MiB of memory. */
static void
test_too_big(void **state)
{
        char path[] = "/tmp/mw-test-export-XXXXXX";
        struct run *run;
        FILE *fp;
        int fd;

        (void)state;
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 300L << 20), 0);
        close(fd);
        fp = fopen(path, "rb");
        assert_non_null(fp);
        run = read_fp(fp, "big.csv", MW_EXPORT_ENCODING_AUTO,
                      MW_EXPORT_FORMAT_AUTO);
        /* nothing was read */
        assert_int_equal(ftell(fp), 0);
        fclose(fp);
        unlink(path);
        assert_int_equal(run->fatal, MW_ERR_TOOBIG);
        assert_string_equal(run->fatal_reason,
                            "the export is larger than the limit of 256 MiB "
                            "(300 MiB), not read: split it");
        free(run);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_errors_csv),
            cmocka_unit_test(test_errors_jsonl),
            cmocka_unit_test(test_cp1252_bad),
            cmocka_unit_test(test_twins),
            cmocka_unit_test(test_order),
            cmocka_unit_test(test_danish_today),
            cmocka_unit_test(test_text_cases),
            cmocka_unit_test(test_added_column_keeps_ids),
            cmocka_unit_test(test_utf16),
            cmocka_unit_test(test_forced),
            cmocka_unit_test(test_long_line),
            cmocka_unit_test(test_reject_known_columns),
            cmocka_unit_test(test_too_big),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
