/* Unit tests: lib/publish/report_table.c, the report's figures as one
 * disclosure-controlled table (relations per row, per column, between the
 * previous cut-off and the cut-off; complements; residuals; priorities). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "midway/report_table.h"

static char errstr[256];

/* A consistent row: visited, exits by reason (list, in lib/event/codes.c
 * order), and the active citizens split evenly enough over every
 * partition. */
static void
fill_row(struct mw_rrow *r, int id, long active, const long *reasons,
         long over4, long interv, long mentor, long company)
{
        static const char *const groups[13] = {
            "o", "f", "o", "o", "j", "e", "o", "o", "o", "o", "o", "o", "o"};
        long exits = 0;
        size_t i;

        memset(r, 0, sizeof(*r));
        r->project_id = id;
        strcpy(r->name, id ? "Brønderslev" : "Total");
        strcpy(r->target_group, "youth");
        r->expected = r->expected_total = -1;
        for (i = 0; i < MW_RT_REASONS; i++) {
                r->n[MW_RC_EXIT_FIRST + i] = reasons[i];
                exits += reasons[i];
                switch (groups[i][0]) {
                case 'j':
                        r->n[MW_RC_EXITS_JOB] += reasons[i];
                        break;
                case 'f':
                        r->n[MW_RC_EXITS_FLEXJOB] += reasons[i];
                        break;
                case 'e':
                        r->n[MW_RC_EXITS_EDUCATION] += reasons[i];
                        break;
                default:
                        r->n[MW_RC_EXITS_OTHER] += reasons[i];
                }
        }
        r->n[MW_RC_ACTIVE] = active;
        r->n[MW_RC_EXITS_TOTAL] = exits;
        r->n[MW_RC_VISITED] = active + exits;
        r->n[MW_RC_OVER4] = over4;
        r->n[MW_RC_INTERVENTION] = interv;
        r->n[MW_RC_MENTOR] = mentor;
        r->n[MW_RC_COMPANY] = company;
        r->n[MW_RC_CONTACTS] = 10 * active;
        r->n[MW_RC_FEMALE] = active / 2;
        r->n[MW_RC_MALE] = active - active / 2;
        r->n[MW_RC_AGE_FIRST] = active;
        r->n[MW_RC_BENEFIT_FIRST + 2] = active;
        r->n[MW_RC_ONE_AREA] = active;
        for (i = 0; i < MW_RR_N; i++)
                r->ratio[i] = -1;
}

static void
sum_rows(struct mw_rrow *rows, size_t n)
{
        size_t r, c;

        fill_row(&rows[n], 0, 0, (long[13]){0}, 0, 0, 0, 0);
        for (r = 0; r < n; r++)
                for (c = 0; c < MW_RC_N_STATUS; c++)
                        rows[n].n[c] += rows[r].n[c];
}

static void
test_names(void **state)
{
        (void)state;
        assert_string_equal(mw_rcol_name(MW_RC_VISITED), "visited");
        assert_string_equal(mw_rcol_name(MW_RC_EXIT_FIRST), "exit_"
                                                            "caseworker_"
                                                            "assessed");
        assert_string_equal(mw_rcol_name((enum mw_rcol)(MW_RC_EXIT_FIRST + 12)),
                            "exit_illness");
        assert_string_equal(mw_rcol_name(MW_RC_AGE_FIRST + 4), "n_age_50_plus");
        assert_string_equal(mw_rcol_name(MW_RC_NO_INTERVENTION),
                            "n_without_intervention");
        assert_string_equal(mw_rratio_name(MW_RR_PCT_CHANNEL_FIRST + 5),
                            "pct_contacts_other");
        assert_int_equal(mw_rratio_decimals(MW_RR_CONTACTS_LATER), 2);
        assert_int_equal(mw_rratio_decimals(MW_RR_PCT_SMS_EMAIL), 1);
        assert_true(mw_rtable_has(MW_RD_SERIES, MW_RC_ACTIVE));
        assert_false(mw_rtable_has(MW_RD_SERIES, MW_RC_MENTOR));
        assert_true(mw_rtable_has(MW_RD_KEY, MW_RC_NO_MENTOR));
        assert_false(mw_rtable_has(MW_RD_KEY, MW_RC_FEMALE));
        assert_true(mw_rtable_has(MW_RD_FULL, MW_RC_FEMALE));
}

/* Two projects and the total at a series date, the previous cut-off (key
 * figures) and the cut-off (everything). */
struct fixture {
        struct mw_rrow rows[3][3];
        struct mw_rdate dates[3];
};

static void
fixture(struct fixture *f)
{
        static const long r_prev1[13] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        static const long r_cut1[13] = {2, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0};
        static const long r_prev2[13] = {5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        static const long r_cut2[13] = {9, 4, 0, 3, 0, 5, 0, 0, 0, 0, 0, 0, 0};
        static const long none[13] = {0};

        memset(f, 0, sizeof(*f));
        fill_row(&f->rows[0][0], 3, 20, none, 0, 0, 0, 0);
        fill_row(&f->rows[0][1], 7, 30, none, 0, 0, 0, 0);
        sum_rows(f->rows[0], 2);
        fill_row(&f->rows[1][0], 3, 40, r_prev1, 10, 30, 20, 8);
        fill_row(&f->rows[1][1], 7, 50, r_prev2, 20, 45, 25, 10);
        sum_rows(f->rows[1], 2);
        fill_row(&f->rows[2][0], 3, 60, r_cut1, 30, 57, 30, 12);
        fill_row(&f->rows[2][1], 7, 70, r_cut2, 40, 60, 35, 14);
        sum_rows(f->rows[2], 2);
        f->dates[0] = (struct mw_rdate){16465, MW_RD_SERIES, 3, f->rows[0]};
        f->dates[1] = (struct mw_rdate){16526, MW_RD_KEY, 3, f->rows[1]};
        f->dates[2] = (struct mw_rdate){16617, MW_RD_FULL, 3, f->rows[2]};
}

static void
test_build_and_protect(void **state)
{
        struct fixture f;
        struct mw_rtable t;
        struct mw_dc_stats st;
        size_t n;
        (void)state;

        fixture(&f);
        assert_int_equal(
            mw_rtable_build(&t, f.dates, 3, 1, 2, 5, errstr, sizeof(errstr)),
            MW_OK);
        /* complements filled in */
        assert_int_equal(f.rows[2][0].n[MW_RC_NO_INTERVENTION], 3);
        assert_int_equal(f.rows[2][0].n[MW_RC_UPTO4], 30);
        /* cells exist where the date carries the column */
        assert_true(mw_rtable_id(&t, 0, 0, MW_RC_ACTIVE) != MW_RT_NONE);
        assert_true(mw_rtable_id(&t, 0, 0, MW_RC_MENTOR) == MW_RT_NONE);
        assert_true(mw_rtable_id(&t, 1, 2, MW_RC_NO_MENTOR) != MW_RT_NONE);
        assert_true(mw_rtable_id(&t, 1, 0, MW_RC_FEMALE) == MW_RT_NONE);
        assert_true(mw_rtable_id(&t, 2, 1, MW_RC_FEMALE) != MW_RT_NONE);
        assert_true(mw_rtable_id(&t, 9, 0, MW_RC_ACTIVE) == MW_RT_NONE);
        assert_non_null(t.change);
        /* change of visited for project 3: 69 - 41 = 28 */
        assert_int_equal(mw_dc_value(t.dc, t.change[0]), 28);
        assert_int_equal(mw_dc_protect(t.dc, errstr, sizeof(errstr)), MW_OK);
        mw_dc_get_stats(t.dc, &st);
        assert_true(st.primary > 0);
        assert_int_equal(
            mw_dc_verify(t.dc, NULL, 0, &n, errstr, sizeof(errstr)), MW_OK);
        assert_int_equal(n, 0);
        /* small counts hidden, zeros and large counts of the key columns
         * kept: the active citizens (the base of every share) stay */
        assert_true(mw_rtable_hidden(&t, 2, 0, MW_RC_EXIT_FIRST + 2));
        assert_false(mw_rtable_hidden(&t, 2, 0, MW_RC_EXIT_FIRST + 1));
        assert_false(mw_rtable_hidden(&t, 2, 0, MW_RC_ACTIVE));
        assert_false(mw_rtable_hidden(&t, 2, 1, MW_RC_ACTIVE));
        assert_false(mw_rtable_hidden(&t, 2, 2, MW_RC_ACTIVE));
        /* project 3 has 3 citizens without an intervention: hidden, and
         * with it one more cell of active = interventions + without */
        assert_true(mw_rtable_hidden(&t, 2, 0, MW_RC_NO_INTERVENTION));
        assert_true(mw_rtable_hidden(&t, 2, 0, MW_RC_INTERVENTION));
        /* a column the series dates do not carry */
        assert_true(mw_rtable_hidden(&t, 0, 0, MW_RC_MENTOR));
        mw_rtable_release(&t);
}

/* Margins are published whatever their size (project 3 has 1 exit at
 * the previous cut-off), on every date, and their changes too; a project
 * with fewer visited than the threshold at the cut-off is protected as a
 * whole. */
static void
test_margins(void **state)
{
        static const enum mw_rcol margins[] = {MW_RC_VISITED, MW_RC_ACTIVE,
                                               MW_RC_EXITS_TOTAL};
        static const long none[13] = {0};
        struct fixture f;
        struct mw_rtable t;
        size_t d, r, i, n;
        (void)state;

        fixture(&f);
        assert_int_equal(
            mw_rtable_build(&t, f.dates, 3, 1, 2, 5, errstr, sizeof(errstr)),
            MW_OK);
        assert_int_equal(
            mw_dc_value(t.dc, mw_rtable_id(&t, 1, 0, MW_RC_EXITS_TOTAL)), 1);
        assert_int_equal(mw_dc_protect(t.dc, errstr, sizeof(errstr)), MW_OK);
        for (d = 0; d < 3; d++)
                for (r = 0; r < 3; r++)
                        for (i = 0; i < 3; i++)
                                if (mw_rtable_hidden(&t, d, r, margins[i]))
                                        fail_msg("date %zu row %zu: %s hidden",
                                                 d, r,
                                                 mw_rcol_name(margins[i]));
        for (i = 0; i < 6; i++)
                assert_false(mw_dc_suppressed(t.dc, t.change[i]));
        mw_rtable_release(&t);

        /* project 3 with 2 visited at the cut-off: protected as a whole,
         * every breakdown withheld on every date, its margins printed */
        for (d = 0; d < 3; d++) {
                fill_row(&f.rows[d][0], 3, d ? 2 : 1, none, 0, 0, 0, 0);
                sum_rows(f.rows[d], 2);
        }
        assert_int_equal(
            mw_rtable_build(&t, f.dates, 3, 1, 2, 5, errstr, sizeof(errstr)),
            MW_OK);
        assert_int_equal(mw_dc_protect(t.dc, errstr, sizeof(errstr)), MW_OK);
        for (d = 0; d < 3; d++) {
                assert_false(mw_rtable_hidden(&t, d, 0, MW_RC_VISITED));
                assert_false(mw_rtable_hidden(&t, d, 0, MW_RC_ACTIVE));
        }
        for (d = 1; d < 3; d++)
                for (i = 0; i < 4; i++)
                        assert_true(mw_rtable_hidden(
                            &t, d, 0, (enum mw_rcol)(MW_RC_OVER4 + i)));
        assert_true(mw_rtable_hidden(&t, 2, 0, MW_RC_FEMALE));
        assert_true(mw_rtable_hidden(&t, 2, 0, MW_RC_NO_AREA));
        assert_true(mw_rtable_hidden(&t, 2, 0, MW_RC_EXIT_FIRST));
        assert_int_equal(
            mw_dc_verify(t.dc, NULL, 0, &n, errstr, sizeof(errstr)), MW_OK);
        assert_int_equal(n, 0);
        mw_rtable_release(&t);
}

/* Reports published before: a count that moved by 1-4 since it was
 * printed is hidden now; a project whose exits breakdown was withheld,
 * with fewer than 5 exits since, has it withheld again (zeros too). */
static void
test_past(void **state)
{
        struct fixture f;
        struct mw_rtable t;
        struct mw_rrow old[3];
        unsigned char shown[3 * MW_RC_N];
        struct mw_rpast past;
        size_t r, c, n;
        (void)state;

        fixture(&f);
        memcpy(old, f.rows[2], sizeof(old));
        old[1].n[MW_RC_FEMALE] -= 2; /* project 7: 2 women fewer then */
        old[1].n[MW_RC_MALE] += 2;
        old[2].n[MW_RC_FEMALE] -= 2; /* and in the total */
        old[2].n[MW_RC_MALE] += 2;
        for (r = 0; r < 3; r++)
                for (c = 0; c < MW_RC_N; c++)
                        shown[r * MW_RC_N + c] =
                            mw_rtable_has(MW_RD_FULL, (enum mw_rcol)c)
                                ? MW_RS_PUBLISHED
                                : MW_RS_NONE;
        for (c = MW_RC_EXITS_JOB; c < MW_RC_EXIT_FIRST + MW_RT_REASONS; c++)
                shown[c] = shown[2 * MW_RC_N + c] =
                    MW_RS_WITHHELD; /* project 3 and the total row */
        past = (struct mw_rpast){{16587, MW_RD_FULL, 3, old}, shown};
        assert_int_equal(mw_rtable_build_past(&t, f.dates, 3, 1, 2, &past, 1, 5,
                                              errstr, sizeof(errstr)),
                         MW_OK);
        if (mw_dc_protect(t.dc, errstr, sizeof(errstr)) != MW_OK)
                fail_msg("protect: %s", errstr);
        assert_int_equal(
            mw_dc_verify(t.dc, NULL, 0, &n, errstr, sizeof(errstr)), MW_OK);
        assert_int_equal(n, 0);
        assert_true(mw_rtable_hidden(&t, 2, 1, MW_RC_FEMALE));
        assert_true(mw_rtable_hidden(&t, 2, 1, MW_RC_MALE));
        assert_int_equal(mw_rtable_shown(&t, 2, 1, MW_RC_FEMALE), MW_RS_HIDDEN);
        for (c = MW_RC_EXITS_JOB; c < MW_RC_EXIT_FIRST + MW_RT_REASONS; c++)
                assert_int_equal(mw_rtable_shown(&t, 2, 0, (enum mw_rcol)c),
                                 MW_RS_WITHHELD);
        mw_rtable_release(&t);

        /* the same without the earlier report: printed */
        fixture(&f);
        assert_int_equal(
            mw_rtable_build(&t, f.dates, 3, 1, 2, 5, errstr, sizeof(errstr)),
            MW_OK);
        assert_int_equal(mw_dc_protect(t.dc, errstr, sizeof(errstr)), MW_OK);
        assert_false(mw_rtable_hidden(&t, 2, 1, MW_RC_FEMALE));
        mw_rtable_release(&t);
}

static void
test_residual(void **state)
{
        struct fixture f;
        struct mw_rtable t;
        (void)state;

        fixture(&f);
        /* a gender outside the code list: 2 active are neither */
        f.rows[2][1].n[MW_RC_MALE] -= 2;
        f.rows[2][2].n[MW_RC_MALE] -= 2;
        assert_int_equal(
            mw_rtable_build(&t, f.dates, 3, 1, 2, 5, errstr, sizeof(errstr)),
            MW_OK);
        assert_int_equal(t.n_residual, 2);
        assert_int_equal(mw_dc_value(t.dc, t.residual[0]), 2);
        assert_int_equal(mw_dc_protect(t.dc, errstr, sizeof(errstr)), MW_OK);
        /* a residual of 2 persons is a small count like any other */
        assert_true(mw_dc_suppressed(t.dc, t.residual[0]));
        mw_rtable_release(&t);
}

static void
test_errors(void **state)
{
        struct fixture f;
        struct mw_rtable t;
        (void)state;

        /* parts exceeding the total */
        fixture(&f);
        f.rows[2][0].n[MW_RC_FEMALE] += 5;
        assert_int_equal(
            mw_rtable_build(&t, f.dates, 3, 1, 2, 5, errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        assert_non_null(strstr(errstr, "exceed"));
        mw_rtable_release(&t);
        /* visited shrinking between the two cut-offs */
        fixture(&f);
        f.rows[1][0].n[MW_RC_VISITED] += 100;
        f.rows[1][0].n[MW_RC_ACTIVE] += 100;
        f.rows[1][2].n[MW_RC_VISITED] += 100;
        f.rows[1][2].n[MW_RC_ACTIVE] += 100;
        f.rows[1][0].n[MW_RC_UPTO4] = 0;
        assert_int_equal(
            mw_rtable_build(&t, f.dates, 3, 1, 2, 5, errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        mw_rtable_release(&t);
        /* a negative count */
        fixture(&f);
        f.rows[0][0].n[MW_RC_EXITS_TOTAL] = -1;
        assert_int_equal(
            mw_rtable_build(&t, f.dates, 3, 1, 2, 5, errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        mw_rtable_release(&t);
        /* dates out of order, the cut-off not full, projects differing */
        fixture(&f);
        f.dates[1].date = 10;
        assert_int_equal(
            mw_rtable_build(&t, f.dates, 3, 1, 2, 5, errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        mw_rtable_release(&t);
        fixture(&f);
        assert_int_equal(
            mw_rtable_build(&t, f.dates, 3, 1, 1, 5, errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        mw_rtable_release(&t);
        fixture(&f);
        f.rows[1][1].project_id = 8;
        assert_int_equal(
            mw_rtable_build(&t, f.dates, 3, 1, 2, 5, errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        mw_rtable_release(&t);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_names),
            cmocka_unit_test(test_build_and_protect),
            cmocka_unit_test(test_margins),
            cmocka_unit_test(test_past),
            cmocka_unit_test(test_residual),
            cmocka_unit_test(test_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
