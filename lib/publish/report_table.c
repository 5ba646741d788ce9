/* midway: the report's disclosure-controlled table
 * (include/midway/report_table.h). */
#include <stdlib.h>
#include <string.h>

#include "midway/codes.h"
#include "midway/report_table.h"

#define NAME_MAX_LEN 40

static const char *const col_names[MW_RC_N] = {
    [MW_RC_VISITED] = "visited",
    [MW_RC_ACTIVE] = "active",
    [MW_RC_EXITS_TOTAL] = "exits_total",
    [MW_RC_EXITS_JOB] = "exits_job",
    [MW_RC_EXITS_FLEXJOB] = "exits_flexjob",
    [MW_RC_EXITS_EDUCATION] = "exits_education",
    [MW_RC_EXITS_OTHER] = "exits_other",
    [MW_RC_OVER4] = "active_over_4_months",
    [MW_RC_INTERVENTION] = "n_at_least_one_intervention",
    [MW_RC_MENTOR] = "n_mentor",
    [MW_RC_COMPANY] = "n_company_oriented",
    [MW_RC_CONTACTS] = "contacts_total",
    [MW_RC_FEMALE] = "n_female",
    [MW_RC_MALE] = "n_male",
    [MW_RC_AGE_FIRST] = "n_age_18_24",
    [MW_RC_AGE_FIRST + 1] = "n_age_25_29",
    [MW_RC_AGE_FIRST + 2] = "n_age_30_39",
    [MW_RC_AGE_FIRST + 3] = "n_age_40_49",
    [MW_RC_AGE_FIRST + 4] = "n_age_50_plus",
    [MW_RC_BENEFIT_FIRST] = "n_ressourceforloeb",
    [MW_RC_BENEFIT_FIRST + 1] = "n_kontanthjaelp",
    [MW_RC_BENEFIT_FIRST + 2] = "n_uddannelseshjaelp",
    [MW_RC_BENEFIT_FIRST + 3] = "n_other_benefit",
    [MW_RC_BENEFIT_FIRST + 4] = "n_benefit_not_stated",
    [MW_RC_ONE_AREA] = "n_one_problem_area",
    [MW_RC_MULTI_AREA] = "n_multiple_problem_areas",
    [MW_RC_NO_AREA] = "n_problem_area_not_stated",
    [MW_RC_UPTO4] = "active_4_months_or_less",
    [MW_RC_NO_INTERVENTION] = "n_without_intervention",
    [MW_RC_NO_MENTOR] = "n_without_mentor",
    [MW_RC_NO_COMPANY] = "n_without_company_oriented",
};

static const char *const ratio_names[MW_RR_N] = {
    [MW_RR_CONTACTS_FIRST_MONTH] = "contacts_first_month_per_citizen",
    [MW_RR_CONTACTS_LATER] = "contacts_later_per_citizen_month",
    [MW_RR_PCT_SMS_EMAIL] = "pct_contacts_sms_email",
    [MW_RR_PCT_CHANNEL_FIRST] = "pct_contacts_personal",
    [MW_RR_PCT_CHANNEL_FIRST + 1] = "pct_contacts_phone",
    [MW_RR_PCT_CHANNEL_FIRST + 2] = "pct_contacts_sms",
    [MW_RR_PCT_CHANNEL_FIRST + 3] = "pct_contacts_email",
    [MW_RR_PCT_CHANNEL_FIRST + 4] = "pct_contacts_group",
    [MW_RR_PCT_CHANNEL_FIRST + 5] = "pct_contacts_other",
};

const char *
mw_rcol_name(enum mw_rcol col)
{
        static char names[MW_RT_REASONS][NAME_MAX_LEN];
        const struct mw_code *reasons;
        size_t n;

        if (col >= MW_RC_EXIT_FIRST && col < MW_RC_EXIT_FIRST + MW_RT_REASONS) {
                size_t i = col - MW_RC_EXIT_FIRST;

                reasons = mw_codes_list(MW_CL_EXIT_REASON, &n);
                if (i >= n)
                        return "";
                if (!names[i][0]) {
                        strcpy(names[i], "exit_");
                        strncat(names[i], reasons[i].code, NAME_MAX_LEN - 6);
                }
                return names[i];
        }
        return (unsigned)col < MW_RC_N && col_names[col] ? col_names[col] : "";
}

const char *
mw_rratio_name(enum mw_rratio ratio)
{
        return (unsigned)ratio < MW_RR_N ? ratio_names[ratio] : "";
}

int
mw_rratio_decimals(enum mw_rratio ratio)
{
        return ratio <= MW_RR_CONTACTS_LATER ? 2 : 1;
}

void
mw_rtable_release(struct mw_rtable *t)
{
        mw_dc_destroy(t->dc);
        free(t->cell);
        free(t->change);
        free(t->residual);
        free(t->force_exits);
        memset(t, 0, sizeof(*t));
}

static size_t *
cell_slot(const struct mw_rtable *t, size_t d, size_t r, size_t c)
{
        return &t->cell[(d * t->n_rows + r) * MW_RC_N + c];
}

size_t
mw_rtable_id(const struct mw_rtable *t, size_t date, size_t row,
             enum mw_rcol col)
{
        if (date >= t->n_dates || row >= t->n_rows || (unsigned)col >= MW_RC_N)
                return MW_RT_NONE;
        return *cell_slot(t, date, row, col);
}

int
mw_rtable_hidden(const struct mw_rtable *t, size_t date, size_t row,
                 enum mw_rcol col)
{
        size_t id = mw_rtable_id(t, date, row, col);

        return id == MW_RT_NONE || mw_dc_suppressed(t->dc, id);
}

static mw_err_t
add_cell(struct mw_rtable *t, long v, size_t *id, char *errstr,
         size_t errstr_size)
{
        return mw_dc_cell(t->dc, v, id, errstr, errstr_size);
}

/* A project's visited, active and exits in total are published as they
 * are (MW_DC_PUBLIC; docs/report.md, "Disclosure control"): they count
 * participation in the programme, which the municipalities publish
 * themselves. A project with fewer visited than the threshold at the
 * cut-off is protected as a whole: every breakdown of it, on every date,
 * is withheld (zeros too), so that nothing about its people can be read,
 * now or when a later report, where it has grown, prints its small
 * beginnings. Its margins are printed like every project's: hiding them
 * in one report would not bind the next, and breakdowns protected
 * against a hidden margin would then give way. */
static int
margin(enum mw_rcol col)
{
        return col == MW_RC_VISITED || col == MW_RC_ACTIVE ||
               col == MW_RC_EXITS_TOTAL;
}

static int
small_row(const long *n, int threshold)
{
        return n[MW_RC_VISITED] > 0 && n[MW_RC_VISITED] < threshold;
}

/* What to keep when a choice must be made (mw_dc_priority()): active
 * first (the base of every share), then visited, exits, the counts
 * behind the key shares, the profile and exits by outcome, the exit
 * reasons, and last the complements and residuals nobody reads; the total
 * row before the projects, the cut-off before the other dates. */
static int
priority(enum mw_rcol col, int total, int cutoff)
{
        int p;

        switch (col) {
        case MW_RC_ACTIVE:
                p = 6;
                break;
        case MW_RC_VISITED:
                p = 5;
                break;
        case MW_RC_EXITS_TOTAL:
                p = 4;
                break;
        case MW_RC_OVER4:
        case MW_RC_INTERVENTION:
        case MW_RC_MENTOR:
        case MW_RC_COMPANY:
                p = 3;
                break;
        case MW_RC_UPTO4:
        case MW_RC_NO_INTERVENTION:
        case MW_RC_NO_MENTOR:
        case MW_RC_NO_COMPANY:
                p = 0;
                break;
        default:
                p = col >= MW_RC_EXIT_FIRST &&
                            col < MW_RC_EXIT_FIRST + MW_RT_REASONS
                        ? 1
                        : 2;
        }
        return p + (total ? 8 : 0) + (cutoff ? 20 : 0);
}

/* total = parts; a residual cell is added when the parts fall short. */
static mw_err_t
relate(struct mw_rtable *t, size_t total, size_t *parts, size_t n, char *errstr,
       size_t errstr_size)
{
        long long sum = 0;
        size_t i, *res;
        mw_err_t err;

        for (i = 0; i < n; i++)
                sum += mw_dc_value(t->dc, parts[i]);
        if (sum > mw_dc_value(t->dc, total))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "the parts of a relation exceed its total "
                               "(%lld > %ld): the status is inconsistent",
                               sum, mw_dc_value(t->dc, total));
        if (sum < mw_dc_value(t->dc, total)) {
                res = realloc(t->residual, (t->n_residual + 1) * sizeof(*res));
                if (!res)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                t->residual = res;
                err = add_cell(t, (long)(mw_dc_value(t->dc, total) - sum),
                               &parts[n], errstr, errstr_size);
                if (err)
                        return err;
                res[t->n_residual++] = parts[n++];
        }
        return mw_dc_relation(t->dc, total, parts, n, errstr, errstr_size);
}

/* 1 if the breakdown total = parts of a published margin cannot be
 * protected by hiding non-zero parts: every non-zero part (the residual
 * included) is below the threshold, and there is one, or all of them are
 * 1 (a reader knows a hidden count is at least 1). */
static int
unprotectable(const struct mw_rtable *t, size_t total, const size_t *parts,
              size_t n, int threshold)
{
        long long rest = mw_dc_value(t->dc, total), v;
        size_t i, nonzero = 0;

        if (mw_dc_priority_of(t->dc, total) != MW_DC_PUBLIC || rest == 0)
                return 0;
        for (i = 0; i <= n; i++) {
                v = i < n ? mw_dc_value(t->dc, parts[i]) : rest;
                if (v >= threshold)
                        return 0;
                if (i < n)
                        rest -= v;
                nonzero += v > 0;
        }
        return nonzero == 1 || (long long)nonzero == mw_dc_value(t->dc, total);
}

/* Withholds a breakdown as a whole (MW_DC_WITHHELD): its parts and the
 * residual relate() added, if it did (n_residual before it: res0). */
static void
withhold(struct mw_rtable *t, const size_t *parts, size_t n, size_t res0)
{
        size_t i;

        for (i = 0; i < n; i++)
                mw_dc_priority(t->dc, parts[i], MW_DC_WITHHELD);
        for (i = res0; i < t->n_residual; i++)
                mw_dc_priority(t->dc, t->residual[i], MW_DC_WITHHELD);
}

/* relate() for a breakdown of a published margin; withheld as a whole
 * when unprotectable() (or when *force is set); sets *force if it was. */
static mw_err_t
breakdown(struct mw_rtable *t, size_t total, size_t *parts, size_t n,
          int *force, char *errstr, size_t errstr_size)
{
        size_t res0 = t->n_residual;
        int w =
            *force || unprotectable(t, total, parts, n, mw_dc_threshold(t->dc));
        mw_err_t err = relate(t, total, parts, n, errstr, errstr_size);

        if (!err && w) {
                withhold(t, parts, n, res0);
                *force = 1;
        }
        return err;
}

/* The row relations of one date (parts[] has room for 13 + 1). */
static mw_err_t
row_relations(struct mw_rtable *t, size_t d, size_t r, enum mw_rdate_kind kind,
              char *errstr, size_t errstr_size)
{
        static const enum mw_rcol pairs[][2] = {
            {MW_RC_OVER4, MW_RC_UPTO4},
            {MW_RC_INTERVENTION, MW_RC_NO_INTERVENTION},
            {MW_RC_MENTOR, MW_RC_NO_MENTOR},
            {MW_RC_COMPANY, MW_RC_NO_COMPANY},
        };
        static const char *const groups[] = {"job", "flexjob", "education",
                                             "other"};
        const struct mw_code *reasons;
        size_t parts[MW_RT_REASONS + 1], out[4 + 1], n, i, g, nr;
        int w,
            whole = d < t->n_dates && small_row(t->dates[t->cutoff].rows[r].n,
                                                mw_dc_threshold(t->dc));
        mw_err_t err;

#define ID(c) (*cell_slot(t, d, r, (c)))
        parts[0] = ID(MW_RC_ACTIVE);
        parts[1] = ID(MW_RC_EXITS_TOTAL);
        err = relate(t, ID(MW_RC_VISITED), parts, 2, errstr, errstr_size);
        for (i = 0; !err && kind != MW_RD_SERIES &&
                    i < sizeof(pairs) / sizeof(pairs[0]);
             i++) {
                parts[0] = ID(pairs[i][0]);
                parts[1] = ID(pairs[i][1]);
                w = whole;
                err = breakdown(t, ID(MW_RC_ACTIVE), parts, 2, &w, errstr,
                                errstr_size);
        }
        if (err || kind != MW_RD_FULL)
                return err;
        /* exits by outcome and by reason: withheld together */
        for (i = 0; i < 4; i++)
                out[i] = ID(MW_RC_EXITS_JOB + i);
        for (i = 0; i < MW_RT_REASONS; i++)
                parts[i] = ID(MW_RC_EXIT_FIRST + i);
        w = whole || (t->force_exits && d == t->cutoff && t->force_exits[r]) ||
            unprotectable(t, ID(MW_RC_EXITS_TOTAL), out, 4,
                          mw_dc_threshold(t->dc)) ||
            unprotectable(t, ID(MW_RC_EXITS_TOTAL), parts, MW_RT_REASONS,
                          mw_dc_threshold(t->dc));
        err = breakdown(t, ID(MW_RC_EXITS_TOTAL), out, 4, &w, errstr,
                        errstr_size);
        if (!err)
                err = breakdown(t, ID(MW_RC_EXITS_TOTAL), parts, MW_RT_REASONS,
                                &w, errstr, errstr_size);
        reasons = mw_codes_list(MW_CL_EXIT_REASON, &nr);
        for (g = 0; !err && g < 4; g++) {
                for (n = 0, i = 0; i < nr && i < MW_RT_REASONS; i++)
                        if (reasons[i].group &&
                            strcmp(reasons[i].group, groups[g]) == 0)
                                parts[n++] = ID(MW_RC_EXIT_FIRST + i);
                if (n)
                        err = relate(t, ID(MW_RC_EXITS_JOB + g), parts, n,
                                     errstr, errstr_size);
        }
        if (!err) {
                parts[0] = ID(MW_RC_FEMALE);
                parts[1] = ID(MW_RC_MALE);
                w = whole;
                err = breakdown(t, ID(MW_RC_ACTIVE), parts, 2, &w, errstr,
                                errstr_size);
        }
        for (i = 0; !err && i < 5; i++)
                parts[i] = ID(MW_RC_AGE_FIRST + i);
        w = whole;
        if (!err)
                err = breakdown(t, ID(MW_RC_ACTIVE), parts, 5, &w, errstr,
                                errstr_size);
        for (i = 0; !err && i < 5; i++)
                parts[i] = ID(MW_RC_BENEFIT_FIRST + i);
        w = whole;
        if (!err)
                err = breakdown(t, ID(MW_RC_ACTIVE), parts, 5, &w, errstr,
                                errstr_size);
        if (!err) {
                parts[0] = ID(MW_RC_ONE_AREA);
                parts[1] = ID(MW_RC_MULTI_AREA);
                parts[2] = ID(MW_RC_NO_AREA);
                w = whole;
                err = breakdown(t, ID(MW_RC_ACTIVE), parts, 3, &w, errstr,
                                errstr_size);
        }
#undef ID
        return err;
}

static int
public_pair(const struct mw_rtable *t, size_t before, size_t now)
{
        return mw_dc_priority_of(t->dc, before) == MW_DC_PUBLIC &&
               mw_dc_priority_of(t->dc, now) == MW_DC_PUBLIC;
}

int
mw_rtable_has(enum mw_rdate_kind kind, enum mw_rcol col)
{
        switch (col) {
        case MW_RC_VISITED:
        case MW_RC_ACTIVE:
        case MW_RC_EXITS_TOTAL:
                return 1;
        case MW_RC_OVER4:
        case MW_RC_UPTO4:
        case MW_RC_INTERVENTION:
        case MW_RC_NO_INTERVENTION:
        case MW_RC_MENTOR:
        case MW_RC_NO_MENTOR:
        case MW_RC_COMPANY:
        case MW_RC_NO_COMPANY:
                return kind != MW_RD_SERIES;
        default:
                return kind == MW_RD_FULL && (unsigned)col < MW_RC_N;
        }
}

static mw_err_t
check_dates(const struct mw_rdate *dates, size_t n_dates, size_t prev,
            size_t cutoff, char *errstr, size_t errstr_size)
{
        size_t d, r;

        if (n_dates == 0 || cutoff >= n_dates ||
            (prev != MW_RT_NONE &&
             (prev >= cutoff || dates[prev].kind == MW_RD_SERIES)) ||
            dates[cutoff].kind != MW_RD_FULL)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "report table: bad dates");
        for (d = 0; d < n_dates; d++) {
                if (dates[d].n_rows < 2 || dates[d].n_rows != dates[0].n_rows)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "report table: every date needs the "
                                       "same projects and a total row");
                if (d && dates[d].date <= dates[d - 1].date)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "report table: dates out of order");
                for (r = 0; r < dates[d].n_rows; r++)
                        if (dates[d].rows[r].project_id !=
                            dates[0].rows[r].project_id)
                                return mw_errf(errstr, errstr_size,
                                               MW_ERR_INVALID,
                                               "report table: the projects "
                                               "differ between dates");
                if (dates[d].rows[dates[d].n_rows - 1].project_id != 0)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "report table: no total row");
        }
        return MW_OK;
}

/* The change of visited and exits since the previous cut-off: cells of
 * their own, related to both dates' margins (published when both are). */
static mw_err_t
add_changes(struct mw_rtable *t, size_t prev, size_t cutoff, char *errstr,
            size_t errstr_size)
{
        size_t r, c, n_rows = t->n_rows, parts[2];
        mw_err_t err;

        t->change = malloc(n_rows * 2 * sizeof(*t->change));
        if (!t->change)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        for (r = 0; r < n_rows; r++)
                for (c = 0; c < 2; c++) {
                        enum mw_rcol col =
                            c ? MW_RC_EXITS_TOTAL : MW_RC_VISITED;
                        size_t now = *cell_slot(t, cutoff, r, col);
                        size_t before = *cell_slot(t, prev, r, col);

                        if (mw_dc_value(t->dc, now) <
                            mw_dc_value(t->dc, before))
                                return mw_errf(errstr, errstr_size,
                                               MW_ERR_INVALID,
                                               "%s shrinks over time: the "
                                               "dates do not come from one "
                                               "snapshot",
                                               mw_rcol_name(col));
                        err = add_cell(t,
                                       mw_dc_value(t->dc, now) -
                                           mw_dc_value(t->dc, before),
                                       &t->change[r * 2 + c], errstr,
                                       errstr_size);
                        parts[0] = before;
                        parts[1] = t->change[r * 2 + c];
                        /* the difference of two published
                         * margins is published too */
                        if (!err)
                                mw_dc_priority(t->dc, parts[1],
                                               public_pair(t, before, now)
                                                   ? MW_DC_PUBLIC
                                                   : priority(MW_RC_FEMALE,
                                                              r + 1 == n_rows,
                                                              1));
                        if (!err)
                                err = relate(t, now, parts, 2, errstr,
                                             errstr_size);
                        if (err)
                                return err;
                }
        return MW_OK;
}

/* A block of the table: one of this report's dates (d < n_dates) or the
 * date of a report published before (d - n_dates into past). */
static const struct mw_rdate *
block(const struct mw_rtable *t, const struct mw_rpast *past, size_t d)
{
        return d < t->n_dates ? &t->dates[d] : &past[d - t->n_dates].date;
}

static void
fill_complements(long *n)
{
        n[MW_RC_UPTO4] = n[MW_RC_ACTIVE] - n[MW_RC_OVER4];
        n[MW_RC_NO_INTERVENTION] = n[MW_RC_ACTIVE] - n[MW_RC_INTERVENTION];
        n[MW_RC_NO_MENTOR] = n[MW_RC_ACTIVE] - n[MW_RC_MENTOR];
        n[MW_RC_NO_COMPANY] = n[MW_RC_ACTIVE] - n[MW_RC_COMPANY];
}

/* The cells of block d. This report's: margins published (MW_DC_PUBLIC),
 * the rest by priority. A
 * report published before: frozen as it was printed. */
static mw_err_t
block_cells(struct mw_rtable *t, const struct mw_rpast *past, size_t d,
            char *errstr, size_t errstr_size)
{
        const struct mw_rdate *b = block(t, past, d);
        size_t r, c, *id;
        mw_err_t err;

        for (r = 0; r < t->n_rows; r++) {
                long *n = b->rows[r].n;

                fill_complements(n);
                for (c = 0; c < MW_RC_N; c++) {
                        if (!mw_rtable_has(b->kind, (enum mw_rcol)c))
                                continue;
                        if (n[c] < 0)
                                return mw_errf(errstr, errstr_size,
                                               MW_ERR_INVALID,
                                               "project %d: %s is negative",
                                               b->rows[r].project_id,
                                               mw_rcol_name((enum mw_rcol)c));
                        id = cell_slot(t, d, r, c);
                        err = add_cell(t, n[c], id, errstr, errstr_size);
                        if (err)
                                return err;
                        if (d >= t->n_dates)
                                continue; /* frozen after the relations */
                        mw_dc_priority(t->dc, *id,
                                       margin((enum mw_rcol)c)
                                           ? MW_DC_PUBLIC
                                           : priority((enum mw_rcol)c,
                                                      r + 1 == t->n_rows,
                                                      d == t->cutoff));
                }
        }
        return MW_OK;
}

/* The relations of block d: per row, and the total row per column. */
static mw_err_t
block_relations(struct mw_rtable *t, const struct mw_rpast *past, size_t d,
                char *errstr, size_t errstr_size)
{
        size_t r, c, parts[64 + 1];
        mw_err_t err;

        for (r = 0; r < t->n_rows; r++) {
                err = row_relations(t, d, r, block(t, past, d)->kind, errstr,
                                    errstr_size);
                if (err)
                        return err;
        }
        for (c = 0; c < MW_RC_N; c++) {
                if (*cell_slot(t, d, 0, c) == MW_RT_NONE)
                        continue;
                for (r = 0; r + 1 < t->n_rows; r++)
                        parts[r] = *cell_slot(t, d, r, c);
                err = relate(t, *cell_slot(t, d, t->n_rows - 1, c), parts,
                             t->n_rows - 1, errstr, errstr_size);
                if (err)
                        return err;
        }
        return MW_OK;
}

/* Freezes the cells of an earlier report's block as it printed them. */
static void
freeze_block(struct mw_rtable *t, const struct mw_rpast *p, size_t d)
{
        size_t r, c, id;

        for (r = 0; r < t->n_rows; r++)
                for (c = 0; c < MW_RC_N; c++) {
                        unsigned char s = p->shown[r * MW_RC_N + c];

                        id = *cell_slot(t, d, r, c);
                        if (id == MW_RT_NONE)
                                continue;
                        mw_dc_priority(t->dc, id,
                                       s == MW_RS_WITHHELD ? MW_DC_WITHHELD
                                       : margin((enum mw_rcol)c) ? MW_DC_PUBLIC
                                                                 : 0);
                        mw_dc_freeze(t->dc, id,
                                     s == MW_RS_HIDDEN || s == MW_RS_WITHHELD);
                }
}

/* The cumulative counts that describe people: exits by outcome and by
 * reason. The margins (visited, exits in total) are published on every
 * date; a report that hid one (a project protected as a whole at its
 * cut-off, and what that took) does not bind the next, where the project
 * may be large: its small beginnings are then published (the rule is the
 * project's at each cut-off). */
static int
cumulative(enum mw_rcol c)
{
        return c >= MW_RC_EXITS_JOB && c < MW_RC_EXIT_FIRST + MW_RT_REASONS;
}

/* 1 if a reader knows the cell's value whatever the suppression. */
static int
fixed(const struct mw_rtable *t, size_t id)
{
        return mw_dc_frozen(t->dc, id)
                   ? !mw_dc_suppressed(t->dc, id)
                   : mw_dc_priority_of(t->dc, id) == MW_DC_PUBLIC;
}

/* Cumulative counts never fall: for every row and cumulative column, the
 * blocks that carry it in order of date (an earlier report's before this
 * one's on the same date), each <= the next. A pair whose values
 * disagree (a registration retracted since) is left out. */
static mw_err_t
add_orders(struct mw_rtable *t, const struct mw_rpast *past, size_t n_blocks,
           char *errstr, size_t errstr_size)
{
        size_t r, c, d, e, last, *order;
        mw_err_t err = MW_OK;

        order = malloc(n_blocks * sizeof(*order));
        if (!order)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        /* blocks by date, earlier reports first on a tie (insertion) */
        for (d = 0; d < n_blocks; d++)
                order[d] = d;
        for (d = 1; d < n_blocks; d++)
                for (e = d; e > 0; e--) {
                        const struct mw_rdate *x = block(t, past, order[e - 1]);
                        const struct mw_rdate *y = block(t, past, order[e]);

                        if (x->date < y->date ||
                            (x->date == y->date && order[e - 1] >= t->n_dates))
                                break;
                        last = order[e];
                        order[e] = order[e - 1];
                        order[e - 1] = last;
                }
        for (r = 0; !err && r < t->n_rows; r++)
                for (c = 0; !err && c < MW_RC_N; c++) {
                        if (!cumulative((enum mw_rcol)c))
                                continue;
                        last = MW_RT_NONE;
                        for (d = 0; !err && d < n_blocks; d++) {
                                size_t id = *cell_slot(t, order[d], r, c);

                                if (id == MW_RT_NONE)
                                        continue;
                                if (last != MW_RT_NONE &&
                                    mw_dc_value(t->dc, last) <=
                                        mw_dc_value(t->dc, id) &&
                                    !(fixed(t, last) && fixed(t, id)))
                                        err = mw_dc_order(t->dc, last, id,
                                                          errstr, errstr_size);
                                last = id;
                        }
                }
        free(order);
        return err;
}

/* A date this report prints that a report published before printed too
 * (the previous cut-off is usually an earlier report's cut-off): a count
 * with the same value as then is printed as then, hidden or not (frozen
 * both ways: a reader has the earlier report). A count that changed since
 * (a late registration) is left to the rest of the rules. */
static void
inherit(struct mw_rtable *t, const struct mw_rpast *past)
{
        size_t d, p, r, c;

        if (!past)
                return;
        for (d = 0; d < t->n_dates; d++)
                for (p = 0; p < t->n_past; p++) {
                        if (past[p].date.date != t->dates[d].date)
                                continue;
                        for (r = 0; r < t->n_rows; r++)
                                for (c = 0; c < MW_RC_N; c++) {
                                        size_t now = *cell_slot(t, d, r, c);
                                        size_t then =
                                            *cell_slot(t, t->n_dates + p, r, c);

                                        if (now == MW_RT_NONE ||
                                            then == MW_RT_NONE ||
                                            mw_dc_value(t->dc, now) !=
                                                mw_dc_value(t->dc, then))
                                                continue;
                                        mw_dc_priority(
                                            t->dc, now,
                                            mw_dc_priority_of(t->dc, then));
                                        mw_dc_freeze(
                                            t->dc, now,
                                            mw_dc_suppressed(t->dc, then));
                                }
                }
}

/* 1 if a reader who reads the counts a and b of the same row and column
 * on two dates learns a change of 1 to threshold - 1 persons. */
static int
small_change(const struct mw_rtable *t, size_t a, size_t b)
{
        long d = mw_dc_value(t->dc, a) - mw_dc_value(t->dc, b);

        if (d < 0)
                d = -d;
        return d >= 1 && d < mw_dc_threshold(t->dc);
}

/* Changes between dates are counts of persons too (one woman entered a
 * project between two reports): a count this report prints at the
 * cut-off that differs by 1 to threshold - 1 from the same count printed
 * by a report published before, or at this report's previous cut-off,
 * is a primary cell (at the previous cut-off, where that is the one
 * printed twice in this report). Margins are published with their
 * changes anyway; contacts count no persons; a count that fell to 0 is
 * printed (zeros are never hidden). Secondary suppression then protects
 * the marked cells like any other. */
static void
mark(struct mw_rtable *t, size_t id)
{
        if (mw_dc_frozen(t->dc, id) || mw_dc_value(t->dc, id) == 0)
                return;
        if (mw_dc_state(t->dc, id) == MW_DC_PUBLISHED)
                t->n_flows++;
        mw_dc_set_state(t->dc, id, MW_DC_PRIMARY);
}

static void
mark_changes(struct mw_rtable *t, const struct mw_rpast *past, size_t prev)
{
        size_t d, r, c, now, then, old;

        for (r = 0; r < t->n_rows; r++)
                for (c = 0; c < MW_RC_N; c++) {
                        now = *cell_slot(t, t->cutoff, r, c);
                        if (now == MW_RT_NONE || margin((enum mw_rcol)c) ||
                            c == MW_RC_CONTACTS)
                                continue;
                        then = prev == MW_RT_NONE ? MW_RT_NONE
                                                  : *cell_slot(t, prev, r, c);
                        if (then != MW_RT_NONE && small_change(t, then, now))
                                mark(t, mw_dc_frozen(t->dc, then) ||
                                                mw_dc_value(t->dc, then) == 0
                                            ? now
                                            : then);
                        for (d = 0; past && d < t->n_past; d++) {
                                old = *cell_slot(t, t->n_dates + d, r, c);
                                if (old == MW_RT_NONE ||
                                    past[d].shown[r * MW_RC_N + c] !=
                                        MW_RS_PUBLISHED)
                                        continue;
                                if (small_change(t, old, now))
                                        mark(t, now);
                                if (then != MW_RT_NONE &&
                                    small_change(t, old, then))
                                        mark(t, then);
                        }
                }
}

/* A project whose exits by outcome and reason the latest report published
 * before withheld as a whole, with fewer than threshold exits since: its
 * breakdown now would give the earlier one away within those few exits
 * (exits never fall: 4 exits then, 4 now and none of them for a job now
 * means none for a job then), so it is withheld at the cut-off too. */
static mw_err_t
plan_exits(struct mw_rtable *t, const struct mw_rpast *past, char *errstr,
           size_t errstr_size)
{
        const struct mw_rdate *cut = &t->dates[t->cutoff];
        size_t d, r, latest = MW_RT_NONE;

        t->force_exits = calloc(t->n_rows, 1);
        if (!t->force_exits)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        for (d = 0; past && d < t->n_past; d++)
                if (past[d].date.kind == MW_RD_FULL &&
                    past[d].date.date < cut->date &&
                    (latest == MW_RT_NONE ||
                     past[d].date.date > past[latest].date.date))
                        latest = d;
        for (r = 0; latest != MW_RT_NONE && r < t->n_rows; r++)
                t->force_exits[r] =
                    past[latest].shown[r * MW_RC_N + MW_RC_EXITS_JOB] ==
                        MW_RS_WITHHELD &&
                    cut->rows[r].n[MW_RC_EXITS_TOTAL] -
                            past[latest].date.rows[r].n[MW_RC_EXITS_TOTAL] <
                        mw_dc_threshold(t->dc);
        return MW_OK;
}

mw_err_t
mw_rtable_build_past(struct mw_rtable *t, struct mw_rdate *dates,
                     size_t n_dates, size_t prev, size_t cutoff,
                     struct mw_rpast *past, size_t n_past, int threshold,
                     char *errstr, size_t errstr_size)
{
        size_t d, c, n_blocks = n_dates + n_past;
        mw_err_t err;

        memset(t, 0, sizeof(*t));
        err = check_dates(dates, n_dates, prev, cutoff, errstr, errstr_size);
        if (!past)
                n_past = 0;
        for (d = 0; !err && d < n_past; d++)
                if (past[d].date.n_rows != dates[0].n_rows ||
                    past[d].date.kind == MW_RD_SERIES)
                        err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                      "report table: a report published "
                                      "before has other projects");
        if (err)
                return err;
        t->n_rows = dates[0].n_rows;
        if (t->n_rows > 64)
                return mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                               "report table: more than 63 projects");
        t->dc = mw_dc_new(threshold, errstr, errstr_size);
        if (!t->dc)
                return MW_ERR_INVALID;
        t->n_dates = n_dates;
        t->dates = dates;
        t->n_past = n_past;
        t->cutoff = cutoff;
        t->cell = calloc(n_blocks * t->n_rows * MW_RC_N, sizeof(*t->cell));
        if (!t->cell)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        for (c = 0; c < n_blocks * t->n_rows * MW_RC_N; c++)
                t->cell[c] = MW_RT_NONE;
        for (d = 0; !err && d < n_blocks; d++)
                err = block_cells(t, past, d, errstr, errstr_size);
        if (!err)
                err = plan_exits(t, past, errstr, errstr_size);
        for (d = 0; !err && d < n_blocks; d++)
                err = block_relations(t, past, d, errstr, errstr_size);
        for (d = 0; !err && d < n_past; d++)
                freeze_block(t, &past[d], n_dates + d);
        if (!err)
                inherit(t, past);
        if (!err)
                err = add_orders(t, past, n_blocks, errstr, errstr_size);
        if (!err)
                mark_changes(t, past, prev);
        /* the change since the previous cut-off */
        if (!err && prev != MW_RT_NONE)
                err = add_changes(t, prev, cutoff, errstr, errstr_size);
        return err;
}

mw_err_t
mw_rtable_build(struct mw_rtable *t, struct mw_rdate *dates, size_t n_dates,
                size_t prev, size_t cutoff, int threshold, char *errstr,
                size_t errstr_size)
{
        return mw_rtable_build_past(t, dates, n_dates, prev, cutoff, NULL, 0,
                                    threshold, errstr, errstr_size);
}

enum mw_rshown
mw_rtable_shown(const struct mw_rtable *t, size_t date, size_t row,
                enum mw_rcol col)
{
        size_t id = mw_rtable_id(t, date, row, col);

        if (id == MW_RT_NONE)
                return MW_RS_NONE;
        if (!mw_dc_suppressed(t->dc, id))
                return MW_RS_PUBLISHED;
        return mw_dc_priority_of(t->dc, id) == MW_DC_WITHHELD ? MW_RS_WITHHELD
                                                              : MW_RS_HIDDEN;
}
