/* midway-report: the dates the report reads (report.h). */
#include <stdlib.h>
#include <string.h>

#include "midway/date.h"
#include "midway/projects.h"
#include "report.h"

static int32_t
month_end(int year, int month)
{
        return month == 12 ? mw_date_from_ymd(year + 1, 1, 1) - 1
                           : mw_date_from_ymd(year, month + 1, 1) - 1;
}

static int32_t
months_before(int32_t day, int months)
{
        int y, m, d, last;

        mw_date_to_ymd(day, &y, &m, &d);
        m -= months;
        while (m < 1) {
                m += 12;
                y--;
        }
        last = month_end(y, m) - mw_date_from_ymd(y, m, 1) + 1;
        return mw_date_from_ymd(y, m, d > last ? last : d);
}

/* The month ends from the programme start up to (not including) the
 * cut-off, the previous cut-off and the cut-off, in order. */
mw_err_t
mw_report_plan_dates(struct report *rep, char *errstr, size_t errstr_size)
{
        int32_t list[MAX_DATES + 2], as_of = rep->opts->as_of, prev;
        size_t n = 0, i, j;
        int y, m, d;

        prev = rep->opts->prev >= 0 ? rep->opts->prev : months_before(as_of, 3);
        if (prev >= as_of)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "--previous must be before --as-of");
        mw_date_to_ymd(MW_PROGRAMME_START, &y, &m, &d);
        for (;;) {
                int32_t e = month_end(y, m);

                if (e >= as_of)
                        break;
                if (n == MAX_DATES)
                        return mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                                       "more than %d month ends", MAX_DATES);
                list[n++] = e;
                if (++m > 12) {
                        m = 1;
                        y++;
                }
        }
        for (i = 0; i < n && list[i] < prev; i++)
                ;
        if (i == n || list[i] != prev) {
                memmove(list + i + 1, list + i, (n - i) * sizeof(*list));
                list[i] = prev;
                n++;
        }
        list[n++] = as_of;
        rep->dates = calloc(n, sizeof(*rep->dates));
        if (!rep->dates) {
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                return MW_ERR_NOMEM;
        }
        rep->n_dates = n;
        for (j = 0; j < n; j++) {
                rep->dates[j].date = list[j];
                rep->dates[j].kind = list[j] == as_of  ? MW_RD_FULL
                                     : list[j] == prev ? MW_RD_KEY
                                                       : MW_RD_SERIES;
                if (list[j] == prev)
                        rep->prev = j;
        }
        rep->cutoff = n - 1;
        return MW_OK;
}
