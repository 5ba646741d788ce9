/* Unit tests: midway-report's own parts that use no PostgreSQL
 * (readers/midway-report/report.h): the dates it reads, its labels,
 * status.csv after disclosure control, and SHA256SUMS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/date.h"
#include "midway/disclosure.h"
#include "midway/projects.h"
#include "report.h"

static char errstr[256];

static int32_t
day(const char *s)
{
        int32_t d = 0;

        assert_int_equal(mw_date_parse(s, &d, errstr, sizeof(errstr)), MW_OK);
        return d;
}


/* The month ends from the programme start, the previous cut-off (three
 * months back by default, put in its place) and the cut-off last. */
static void
test_plan_dates(void **state)
{
        struct opts o = {0, -1, "out", MW_LANG_DA, 5, 2, NULL};
        struct report rep;
        size_t i;

        (void)state;
        o.as_of = day("2015-07-01");
        memset(&rep, 0, sizeof(rep));
        rep.opts = &o;
        assert_int_equal(mw_report_plan_dates(&rep, errstr, sizeof(errstr)),
                         MW_OK);
        assert_true(rep.n_dates >= 3);
        assert_int_equal(rep.cutoff, rep.n_dates - 1);
        assert_int_equal(rep.dates[rep.cutoff].date, o.as_of);
        assert_int_equal(rep.dates[rep.cutoff].kind, MW_RD_FULL);
        assert_int_equal(rep.dates[rep.prev].date, day("2015-04-01"));
        assert_int_equal(rep.dates[rep.prev].kind, MW_RD_KEY);
        /* the first month end is the programme start's */
        assert_true(rep.dates[0].date >= MW_PROGRAMME_START);
        assert_true(rep.dates[0].date - MW_PROGRAMME_START < 31);
        for (i = 1; i < rep.n_dates; i++) {
                assert_true(rep.dates[i].date > rep.dates[i - 1].date);
                if (i != rep.prev && i != rep.cutoff)
                        assert_int_equal(rep.dates[i].kind, MW_RD_SERIES);
        }
        /* 2015-03-31 and 2015-04-30 both read, 2015-04-01 between them */
        assert_int_equal(rep.dates[rep.prev - 1].date, day("2015-03-31"));
        assert_int_equal(rep.dates[rep.prev + 1].date, day("2015-04-30"));
        mw_report_release(&rep);
}

/* Three months before the 31st is the last day of a shorter month, which
 * is a month end already read: not read twice. A previous cut-off that is
 * not before the cut-off is refused. */
static void
test_plan_dates_month_end(void **state)
{
        struct opts o = {0, -1, "out", MW_LANG_EN, 5, 2, NULL};
        struct report rep;
        size_t i;

        (void)state;
        o.as_of = day("2015-05-31");
        memset(&rep, 0, sizeof(rep));
        rep.opts = &o;
        assert_int_equal(mw_report_plan_dates(&rep, errstr, sizeof(errstr)),
                         MW_OK);
        assert_int_equal(rep.dates[rep.prev].date, day("2015-02-28"));
        assert_int_equal(rep.dates[rep.prev].kind, MW_RD_KEY);
        for (i = 1; i < rep.n_dates; i++)
                assert_true(rep.dates[i].date > rep.dates[i - 1].date);
        mw_report_release(&rep);

        o.prev = o.as_of;
        memset(&rep, 0, sizeof(rep));
        rep.opts = &o;
        assert_int_equal(mw_report_plan_dates(&rep, errstr, sizeof(errstr)),
                         MW_ERR_INVALID);
        assert_string_equal(errstr, "--previous must be before --as-of");
        mw_report_release(&rep);
}

/* A label missing from the table would print as nothing: every label has
 * a Danish and an English text. */
static void
test_labels_complete(void **state)
{
        struct report da, en;
        int l;

        (void)state;
        memset(&da, 0, sizeof(da));
        memset(&en, 0, sizeof(en));
        da.lang = MW_LANG_DA;
        en.lang = MW_LANG_EN;
        for (l = 0; l < L_COUNT; l++) {
                assert_non_null(mw_report_labels[l][0]);
                assert_non_null(mw_report_labels[l][1]);
                assert_true(L(&da, (enum label)l)[0] != '\0');
                assert_true(L(&en, (enum label)l)[0] != '\0');
        }
        assert_string_equal(L(&da, L_TOTAL), "I alt");
        assert_string_equal(L(&en, L_TOTAL), "Total");
}

/* A consistent project row: every exit for the first reason, the active
 * citizens in one age band, one benefit and one problem area. */
static void
fill_row(struct mw_rrow *r, int id, long active, long exits, long over4,
         long interv)
{
        size_t i;

        memset(r, 0, sizeof(*r));
        r->project_id = id;
        snprintf(r->name, sizeof(r->name), "%s",
                 id ? mw_project_find(id)->name : "Total");
        snprintf(r->target_group, sizeof(r->target_group), "adult");
        r->expected = r->expected_total = -1;
        /* a small number of exits has one reason (caseworker assessed),
         * a larger one two (and an ordinary job) */
        r->n[MW_RC_EXIT_FIRST] = exits < 10 ? exits : exits - exits / 2;
        r->n[MW_RC_EXIT_FIRST + 4] = exits < 10 ? 0 : exits / 2;
        r->n[MW_RC_EXITS_JOB] = r->n[MW_RC_EXIT_FIRST + 4];
        r->n[MW_RC_EXITS_OTHER] = r->n[MW_RC_EXIT_FIRST];
        r->n[MW_RC_EXITS_TOTAL] = exits;
        r->n[MW_RC_ACTIVE] = active;
        r->n[MW_RC_VISITED] = active + exits;
        r->n[MW_RC_OVER4] = over4;
        r->n[MW_RC_INTERVENTION] = interv;
        r->n[MW_RC_MENTOR] = interv / 2;
        r->n[MW_RC_COMPANY] = interv / 2;
        r->n[MW_RC_CONTACTS] = 10 * active;
        r->n[MW_RC_FEMALE] = active / 2;
        r->n[MW_RC_MALE] = active - active / 2;
        r->n[MW_RC_AGE_FIRST] = active;
        r->n[MW_RC_BENEFIT_FIRST] = active;
        r->n[MW_RC_ONE_AREA] = active;
        for (i = 0; i < MW_RR_N; i++)
                r->ratio[i] = -1;
}

/* The CSV field col (0-based) of line, into out. */
static void
field(const char *line, int col, char *out, size_t size)
{
        const char *e;

        while (col-- > 0) {
                line = strchr(line, ',');
                assert_non_null(line);
                line++;
        }
        e = line + strcspn(line, ",\n");
        snprintf(out, size, "%.*s", (int)(e - line), line);
}

static int
column_of(const char *header, const char *name)
{
        char f[64];
        int c;

        for (c = 0; c < 200; c++) {
                field(header, c, f, sizeof(f));
                if (strcmp(f, name) == 0)
                        return c;
        }
        fail_msg("no column %s", name);
        return -1;
}

/* status.csv after disclosure control: the project with 2 exits shows
 * them (visited, active and exits are published margins), and withholds
 * its exits by outcome and reason as a whole, zeros too (both exits have
 * one reason: hiding the non-zero part alone would give it away); no
 * other count of 1 to 4 persons is printed, every line has the header's
 * fields, and the total row has no project id. */
static void
test_status_csv(void **state)
{
        struct opts o = {0, -1, "out", MW_LANG_EN, 5, 2, NULL};
        struct report rep;
        struct mw_rrow *rows;
        char *text, *lines[8], f[64];
        size_t n = 0, i, c, hidden_job = 0;
        int exits_col, job_col;

        (void)state;
        memset(&rep, 0, sizeof(rep));
        o.as_of = day("2015-07-01");
        rep.opts = &o;
        rep.lang = o.lang;
        rep.n_dates = 1;
        rep.dates = calloc(1, sizeof(*rep.dates));
        rows = calloc(4, sizeof(*rows));
        assert_non_null(rep.dates);
        assert_non_null(rows);
        rep.dates[0].date = o.as_of;
        rep.dates[0].kind = MW_RD_FULL;
        rep.dates[0].n_rows = 4;
        rep.dates[0].rows = rows;
        fill_row(&rows[0], 1, 30, 2, 10, 12);
        fill_row(&rows[1], 2, 40, 20, 14, 16);
        fill_row(&rows[2], 3, 50, 25, 18, 20);
        fill_row(&rows[3], 0, 0, 0, 0, 0);
        for (i = 0; i < 3; i++)
                for (c = 0; c < MW_RC_N_STATUS; c++)
                        rows[3].n[c] += rows[i].n[c];
        assert_int_equal(mw_rtable_build(&rep.table, rep.dates, 1, MW_RT_NONE,
                                         0, o.threshold, errstr,
                                         sizeof(errstr)),
                         MW_OK);
        assert_int_equal(mw_dc_protect(rep.table.dc, errstr, sizeof(errstr)),
                         MW_OK);
        rep.n_rows = 4;
        rep.total = 3;

        mw_report_status_csv(&rep, 0, "status.csv");
        assert_int_equal(rep.err, MW_OK);
        assert_int_equal(rep.n_files, 1);
        assert_string_equal(rep.files[0].name, "status.csv");
        assert_int_equal(mw_buf_append(&rep.files[0].buf, "", 1), MW_OK);
        text = rep.files[0].buf.data;
        for (char *s = text; *s && n < 8; s = strchr(s, '\n') + 1)
                lines[n++] = s;
        assert_int_equal(n, 5); /* the header, 3 projects, the total */
        assert_true(strncmp(lines[0], "as_of,project_id,project_name,", 30) ==
                    0);
        exits_col = column_of(lines[0], "exits_total");
        job_col = column_of(lines[0], "exits_job");
        field(lines[1], exits_col, f, sizeof(f));
        assert_string_equal(f, "2");
        field(lines[1], column_of(lines[0], "exits_other"), f, sizeof(f));
        assert_string_equal(f, MARKER);
        for (i = 1; i < 5; i++) {
                size_t commas = 0;
                const char *s;

                for (s = lines[i]; *s != '\n'; s++)
                        commas += *s == ',';
                for (s = lines[0]; *s != '\n'; s++)
                        commas -= *s == ',';
                assert_int_equal(commas, 0);
                field(lines[i], exits_col, f, sizeof(f));
                assert_string_not_equal(f, MARKER);
                field(lines[i], job_col, f, sizeof(f));
                hidden_job += strcmp(f, MARKER) == 0;
        }
        assert_true(hidden_job >= 2); /* another one protects it */
        field(lines[1], job_col, f, sizeof(f));
        assert_string_equal(f, MARKER); /* a withheld 0 */
        field(lines[4], 1, f, sizeof(f));
        assert_string_equal(f, "");
        field(lines[4], 2, f, sizeof(f));
        assert_string_equal(f, "Total");
        for (i = 1; i < 5; i++)
                for (c = 0; c < MW_RC_N_STATUS; c++) {
                        const char *name = mw_rcol_name((enum mw_rcol)c);
                        long v;

                        if (!mw_rtable_has(MW_RD_FULL, (enum mw_rcol)c) ||
                            c == MW_RC_VISITED || c == MW_RC_ACTIVE ||
                            c == MW_RC_EXITS_TOTAL)
                                continue;
                        field(lines[i], column_of(lines[0], name), f,
                              sizeof(f));
                        v = strtol(f, NULL, 10);
                        if (strcmp(f, MARKER) != 0 && v >= 1 && v <= 4)
                                fail_msg("line %zu: %s = %ld is shown", i, name,
                                         v);
                }
        mw_report_release(&rep);
}

/* SHA256SUMS: every file by name, in order, with its SHA-256. */
static void
test_sums(void **state)
{
        struct opts o = {0, -1, "out", MW_LANG_DA, 5, 2, NULL};
        struct report rep;
        struct mw_buf b = MW_BUF_INIT;

        (void)state;
        memset(&rep, 0, sizeof(rep));
        rep.opts = &o;
        assert_int_equal(mw_buf_append(&b, "b\n", 2), MW_OK);
        mw_report_add_file(&rep, "b.txt", &b);
        assert_null(b.data);
        assert_int_equal(mw_buf_append(&b, "", 0), MW_OK);
        mw_report_add_file(&rep, "a.txt", &b);
        assert_int_equal(mw_report_data_id(&rep), 0);
        assert_int_equal(strlen(rep.data_id), 12);
        mw_report_sums(&rep);
        assert_int_equal(rep.err, MW_OK);
        assert_int_equal(rep.n_files, 3);
        assert_string_equal(rep.files[2].name, "SHA256SUMS");
        assert_int_equal(mw_buf_append(&rep.files[2].buf, "", 1), MW_OK);
        assert_string_equal(
            rep.files[2].buf.data,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            "  a.txt\n"
            "0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f"
            "  b.txt\n");
        mw_report_release(&rep);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_plan_dates),
            cmocka_unit_test(test_plan_dates_month_end),
            cmocka_unit_test(test_labels_complete),
            cmocka_unit_test(test_status_csv),
            cmocka_unit_test(test_sums),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
