/* midway-report: the cell rules (report.h): how a count, a percentage,
 * a ratio or a change is shown, and when it is hidden or empty. */
#include <stdio.h>
#include <stdlib.h>

#include "report.h"

char *
mw_report_slot(struct rowtext *rt)
{
        if (rt->n == sizeof(rt->s) / sizeof(rt->s[0]))
                rt->n = 0; /* never reached: rows have fewer cells */
        return rt->s[rt->n++];
}

const struct mw_rrow *
mw_report_row(const struct report *rep, size_t date, size_t row)
{
        return &rep->dates[date].rows[row];
}

long
mw_report_value(const struct report *rep, size_t date, size_t row,
                enum mw_rcol col)
{
        return mw_report_row(rep, date, row)->n[col];
}

int
mw_report_hidden(const struct report *rep, size_t date, size_t row,
                 enum mw_rcol col)
{
        return mw_rtable_hidden(&rep->table, date, row, col);
}

struct mw_rcell
mw_report_cell_text(const char *text)
{
        struct mw_rcell c = {text, MW_RCELL_TEXT, NULL, NULL};

        return c;
}

static struct mw_rcell
cell_hidden(void)
{
        struct mw_rcell c = {MARKER, MW_RCELL_HIDDEN, NULL, NULL};

        return c;
}

struct mw_rcell
mw_report_cell_empty(void)
{
        struct mw_rcell c = {"\xe2\x80\x93", MW_RCELL_EMPTY, NULL, NULL};

        return c;
}

struct mw_rcell
mw_report_cell_count(const struct report *rep, struct rowtext *rt, size_t date,
                     size_t row, enum mw_rcol col)
{
        struct mw_rcell c = {NULL, MW_RCELL_COUNT, NULL, NULL};
        char *s;

        if (mw_report_hidden(rep, date, row, col))
                return cell_hidden();
        s = mw_report_slot(rt);
        mw_fmt_int(s, mw_report_value(rep, date, row, col), 0, rep->lang);
        c.text = s;
        return c;
}

/* Tenths of a percent of num over den, -1 if hidden, -2 if empty. */
long
mw_report_pct_of(const struct report *rep, size_t date, size_t row,
                 enum mw_rcol num, enum mw_rcol den)
{
        if (mw_report_hidden(rep, date, row, num) ||
            mw_report_hidden(rep, date, row, den))
                return -1;
        if (mw_report_value(rep, date, row, den) == 0)
                return -2;
        return mw_pct_tenths(mw_report_value(rep, date, row, num),
                             mw_report_value(rep, date, row, den));
}

struct mw_rcell
mw_report_cell_pct_value(const struct report *rep, struct rowtext *rt,
                         long tenths)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        char *s;

        if (tenths == -1)
                return cell_hidden();
        if (tenths < 0)
                return mw_report_cell_empty();
        s = mw_report_slot(rt);
        mw_fmt_pct(s, tenths, 0, rep->lang);
        c.text = s;
        return c;
}

struct mw_rcell
mw_report_cell_pct(const struct report *rep, struct rowtext *rt, size_t date,
                   size_t row, enum mw_rcol num, enum mw_rcol den)
{
        return mw_report_cell_pct_value(
            rep, rt, mw_report_pct_of(rep, date, row, num, den));
}

/* A ratio of the database (contacts per citizen, shares of contacts):
 * hidden when the citizens or the contacts behind it are fewer than the
 * threshold (primary cells). It reveals no count: a secondary hidden
 * count does not hide it. */
static int
primary(const struct report *rep, size_t date, size_t row, enum mw_rcol col)
{
        size_t id = mw_rtable_id(&rep->table, date, row, col);

        return id == MW_RT_NONE ||
               mw_dc_state(rep->table.dc, id) == MW_DC_PRIMARY;
}

long
mw_report_ratio_of(const struct report *rep, size_t date, size_t row,
                   enum mw_rratio ratio)
{
        if (primary(rep, date, row, MW_RC_VISITED) ||
            primary(rep, date, row, MW_RC_CONTACTS))
                return -1;
        if (mw_report_row(rep, date, row)->ratio[ratio] < 0)
                return -2;
        return mw_report_row(rep, date, row)->ratio[ratio];
}

struct mw_rcell
mw_report_cell_ratio(const struct report *rep, struct rowtext *rt, size_t date,
                     size_t row, enum mw_rratio ratio)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        long v = mw_report_ratio_of(rep, date, row, ratio);
        char *s;

        if (v == -1)
                return cell_hidden();
        if (v < 0)
                return mw_report_cell_empty();
        s = mw_report_slot(rt);
        if (ratio >= MW_RR_PCT_SMS_EMAIL)
                mw_fmt_pct(s, v, 0, rep->lang);
        else
                mw_fmt_fixed(s, v, 2, 0, rep->lang);
        c.text = s;
        return c;
}

/* The cross-site average of a count: the total over the projects. */
struct mw_rcell
mw_report_cell_average(const struct report *rep, struct rowtext *rt,
                       enum mw_rcol col)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        long n = (long)rep->total, v;
        char *s;

        if (mw_report_hidden(rep, rep->cutoff, rep->total, col) || n == 0)
                return cell_hidden();
        v = mw_report_value(rep, rep->cutoff, rep->total, col);
        s = mw_report_slot(rt);
        mw_fmt_fixed(s, (10 * v + n / 2) / n, 1, 0, rep->lang);
        c.text = s;
        return c;
}

/* Change since the previous cut-off of visited (k 0) or exits (k 1): a
 * cell of the table itself. */
struct mw_rcell
mw_report_cell_change_flow(const struct report *rep, struct rowtext *rt,
                           size_t row, int k)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        size_t id = rep->table.change[row * 2 + (size_t)k];
        enum mw_rcol col = k ? MW_RC_EXITS_TOTAL : MW_RC_VISITED;
        char *s;

        if (mw_dc_suppressed(rep->table.dc, id) ||
            mw_report_hidden(rep, rep->prev, row, col) ||
            mw_report_hidden(rep, rep->cutoff, row, col))
                return cell_hidden();
        s = mw_report_slot(rt);
        mw_fmt_int(s, mw_dc_value(rep->table.dc, id), 1, rep->lang);
        c.text = s;
        return c;
}

/* Change of a count that is not a flow (active): shown only when both
 * counts are. */
struct mw_rcell
mw_report_cell_change_count(const struct report *rep, struct rowtext *rt,
                            size_t row, enum mw_rcol col)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        char *s;

        if (mw_report_hidden(rep, rep->prev, row, col) ||
            mw_report_hidden(rep, rep->cutoff, row, col))
                return cell_hidden();
        s = mw_report_slot(rt);
        mw_fmt_int(s,
                   mw_report_value(rep, rep->cutoff, row, col) -
                       mw_report_value(rep, rep->prev, row, col),
                   1, rep->lang);
        c.text = s;
        return c;
}

/* Change of a share in percentage points (of the printed shares). */
struct mw_rcell
mw_report_cell_change_pct(const struct report *rep, struct rowtext *rt,
                          long before, long now)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        char num[32], *s;

        if (before == -1 || now == -1)
                return cell_hidden();
        if (before < 0 || now < 0)
                return mw_report_cell_empty();
        s = mw_report_slot(rt);
        mw_fmt_fixed(num, now - before, 1, 1, rep->lang);
        snprintf(s, 48, "%s%s", num, L(rep, L_PP));
        c.text = s;
        return c;
}
