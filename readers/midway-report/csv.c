/* midway-report: the CSV files (report.h). */
#include <stdio.h>
#include <string.h>

#include "midway/date.h"
#include "report.h"

static void
csv_put(struct mw_buf *b, mw_err_t *err, const char *s)
{
        if (!*err)
                *err = mw_buf_csv(b, s);
}

static void
csv_raw(struct mw_buf *b, mw_err_t *err, const char *s)
{
        if (!*err)
                *err = mw_buf_append(b, s, strlen(s));
}

static const enum mw_rcol pct_after[4] = {MW_RC_OVER4, MW_RC_INTERVENTION,
                                          MW_RC_MENTOR, MW_RC_COMPANY};

/* A count, or MARKER if hidden. */
static void
csv_count(struct mw_buf *b, mw_err_t *err, int hidden, long n)
{
        char num[32];

        if (hidden) {
                csv_raw(b, err, MARKER);
                return;
        }
        snprintf(num, sizeof(num), "%ld", n);
        csv_raw(b, err, num);
}

/* ",v" with decimals: MARKER if v is -1 (hidden), nothing if it is -2
 * (empty). */
static void
csv_fixed(struct mw_buf *b, mw_err_t *err, long v, int decimals)
{
        char num[32];

        csv_raw(b, err, ",");
        if (v == -1) {
                csv_raw(b, err, MARKER);
        } else if (v >= 0) {
                mw_fmt_fixed(num, v, decimals, 0, MW_LANG_EN);
                csv_raw(b, err, num);
        }
}

/* A number, or nothing if it is not present. */
static void
csv_long(struct mw_buf *b, mw_err_t *err, long v, int present)
{
        char num[32];

        if (!present)
                return;
        snprintf(num, sizeof(num), "%ld", v);
        csv_raw(b, err, num);
}

static void
status_header(struct mw_buf *b, mw_err_t *err, enum mw_rdate_kind kind)
{
        static const char *const pct_names[4] = {
            "pct_active_over_4_months", "pct_at_least_one_intervention",
            "pct_mentor", "pct_company_oriented"};
        size_t c, k;

        csv_raw(b, err,
                "as_of,project_id,project_name,target_group,expected_target,"
                "expected_target_total");
        for (c = 0; c < MW_RC_N_STATUS; c++) {
                if (!mw_rtable_has(kind, (enum mw_rcol)c))
                        continue;
                csv_raw(b, err, ",");
                csv_raw(b, err, mw_rcol_name((enum mw_rcol)c));
                for (k = 0; k < 4; k++)
                        if (pct_after[k] == c) {
                                csv_raw(b, err, ",");
                                csv_raw(b, err, pct_names[k]);
                        }
                if (c == MW_RC_CONTACTS)
                        for (k = 0; k < 3; k++) {
                                csv_raw(b, err, ",");
                                csv_raw(b, err,
                                        mw_rratio_name((enum mw_rratio)k));
                        }
        }
        for (c = MW_RR_PCT_CHANNEL_FIRST; kind == MW_RD_FULL && c < MW_RR_N;
             c++) {
                csv_raw(b, err, ",");
                csv_raw(b, err, mw_rratio_name((enum mw_rratio)c));
        }
        csv_raw(b, err, ",n_without_intervention\n");
}

/* Row r of the date: its status columns, each percentage after its count,
 * the contact ratios after the contacts. */
static void
status_row(const struct report *rep, struct mw_buf *b, mw_err_t *err,
           size_t date, size_t r)
{
        const struct mw_rrow *row = mw_report_row(rep, date, r);
        enum mw_rdate_kind kind = rep->dates[date].kind;
        char day[11];
        size_t c, k;

        mw_date_format(rep->dates[date].date, day);
        csv_raw(b, err, day);
        csv_raw(b, err, ",");
        csv_long(b, err, row->project_id, row->project_id != 0);
        csv_raw(b, err, ",");
        csv_put(b, err, row->name);
        csv_raw(b, err, ",");
        csv_put(b, err, row->target_group);
        csv_raw(b, err, ",");
        csv_long(b, err, row->expected, row->expected >= 0);
        csv_raw(b, err, ",");
        csv_long(b, err, row->expected_total, row->expected_total >= 0);
        for (c = 0; c < MW_RC_N_STATUS; c++) {
                if (!mw_rtable_has(kind, (enum mw_rcol)c))
                        continue;
                csv_raw(b, err, ",");
                csv_count(b, err,
                          mw_report_hidden(rep, date, r, (enum mw_rcol)c),
                          row->n[c]);
                for (k = 0; k < 4; k++)
                        if (pct_after[k] == c)
                                csv_fixed(b, err,
                                          mw_report_pct_of(rep, date, r,
                                                           pct_after[k],
                                                           MW_RC_ACTIVE),
                                          1);
                for (k = 0; c == MW_RC_CONTACTS && k < 3; k++)
                        csv_fixed(
                            b, err,
                            mw_report_ratio_of(rep, date, r, (enum mw_rratio)k),
                            mw_rratio_decimals((enum mw_rratio)k));
        }
        for (c = MW_RR_PCT_CHANNEL_FIRST; kind == MW_RD_FULL && c < MW_RR_N;
             c++)
                csv_fixed(b, err,
                          mw_report_ratio_of(rep, date, r, (enum mw_rratio)c),
                          1);
        csv_raw(b, err, ",");
        csv_count(b, err, mw_report_hidden(rep, date, r, MW_RC_NO_INTERVENTION),
                  row->n[MW_RC_NO_INTERVENTION]);
        csv_raw(b, err, "\n");
}

/* The status of one date, in the columns (and order) of
 * `midway-status --format csv` that the date carries, counts hidden as
 * "x"; percentages and ratios with a '.'; then the report's own
 * n_without_intervention. */
void
mw_report_status_csv(struct report *rep, size_t date, const char *name)
{
        struct mw_buf b = MW_BUF_INIT;
        mw_err_t err = MW_OK;
        size_t r;

        status_header(&b, &err, rep->dates[date].kind);
        for (r = 0; r < rep->n_rows; r++)
                status_row(rep, &b, &err, date, r);
        if (!rep->err)
                rep->err = err;
        mw_report_add_file(rep, name, &b);
        mw_buf_release(&b);
}

void
mw_report_series_csv(struct report *rep)
{
        static const enum mw_rcol cols[3] = {MW_RC_VISITED, MW_RC_ACTIVE,
                                             MW_RC_EXITS_TOTAL};
        struct mw_buf b = MW_BUF_INIT;
        mw_err_t err = MW_OK;
        char day[11], num[32];
        size_t d, r, k;

        csv_raw(&b, &err,
                "as_of,project_id,project_name,visited,active,exits_total\n");
        for (d = 0; d < rep->n_dates; d++) {
                mw_date_format(rep->dates[d].date, day);
                for (r = 0; r < rep->n_rows; r++) {
                        const struct mw_rrow *row = mw_report_row(rep, d, r);

                        csv_raw(&b, &err, day);
                        csv_raw(&b, &err, ",");
                        if (row->project_id) {
                                snprintf(num, sizeof(num), "%d",
                                         row->project_id);
                                csv_raw(&b, &err, num);
                        }
                        csv_raw(&b, &err, ",");
                        csv_put(&b, &err, row->name);
                        for (k = 0; k < 3; k++) {
                                csv_raw(&b, &err, ",");
                                if (mw_report_hidden(rep, d, r, cols[k])) {
                                        csv_raw(&b, &err, MARKER);
                                        continue;
                                }
                                snprintf(num, sizeof(num), "%ld",
                                         row->n[cols[k]]);
                                csv_raw(&b, &err, num);
                        }
                        csv_raw(&b, &err, "\n");
                }
        }
        if (!rep->err)
                rep->err = err;
        mw_report_add_file(rep, "series.csv", &b);
        mw_buf_release(&b);
}

/* data-quality.csv: the registration-level columns of
 * `midway-status --quality --format csv` the report publishes (no counts
 * of citizens), the stages of dead_letters_by_stage as columns
 * dead_letters_<stage>; a null lag is empty. */
void
mw_report_quality_csv(struct report *rep)
{
        struct mw_buf b = MW_BUF_INIT;
        mw_err_t err = MW_OK;
        char day[11];
        size_t r, k;

        csv_raw(&b, &err,
                "as_of,project_id,project_name,contacts,"
                "contacts_before_intake,contacts_without_intake,"
                "registrations,lag_median_days,lag_p90_days,lag_max_days,"
                "registered_after_30_days,dead_letters");
        for (k = 0; k < DQ_STAGES; k++) {
                csv_raw(&b, &err, ",dead_letters_");
                csv_raw(&b, &err, mw_report_dq_stages[k]);
        }
        csv_raw(&b, &err, "\n");
        mw_date_format(rep->dates[rep->cutoff].date, day);
        for (r = 0; r < rep->n_dq; r++) {
                const struct dq_row *q = &rep->dq[r];
                long v[DQ_FIGURES];

                mw_report_dq_figures(q, v);
                csv_raw(&b, &err, day);
                csv_raw(&b, &err, ",");
                csv_long(&b, &err, q->project_id, q->project_id != 0);
                csv_raw(&b, &err, ",");
                csv_put(&b, &err, q->name);
                for (k = 0; k < 9; k++) {
                        csv_raw(&b, &err, ",");
                        csv_long(&b, &err, v[k], v[k] >= 0);
                }
                for (k = 0; k < DQ_STAGES; k++) {
                        csv_raw(&b, &err, ",");
                        csv_long(&b, &err, q->dead_stage[k], 1);
                }
                csv_raw(&b, &err, "\n");
        }
        if (!rep->err)
                rep->err = err;
        mw_report_add_file(rep, "data-quality.csv", &b);
        mw_buf_release(&b);
}
