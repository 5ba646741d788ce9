/* midway: the published report's figures as one disclosure-controlled
 * table (docs/report.md).
 *
 * The report publishes the status of several dates: the cut-off in full
 * (every count of status.project_status()), the previous cut-off with the
 * key figures (visited, active, exits, and active over 4 months, with an
 * intervention, mentor support, a company-oriented intervention), and the
 * month ends of the time series with visited, active and exits. All of
 * it goes into one struct mw_dc, with these relations, so that one
 * decision covers every page and file and no hidden count can be worked
 * out from anything published together with it:
 *
 *   per row (project or total) and date
 *     visited = active + exits_total
 *   per row at the full date
 *     exits_total = exits_job + exits_flexjob + exits_education +
 *                   exits_other
 *     exits_total = the 13 exit reasons
 *     exits_<group> = the exit reasons of the group (lib/event/codes.c)
 *     active = female + male = the 5 age bands = the 5 benefit types
 *            = one + multiple + no problem area
 *   per row at the full and the key date
 *     active = active_over_4_months + active_4_months_or_less
 *            = n_at_least_one_intervention + n_without_intervention
 *            = n_mentor + n_without_mentor
 *            = n_company_oriented + n_without_company_oriented
 *       (the complements are cells too: active minus a published count is
 *        a count of persons a reader can compute)
 *   per column and date
 *     total row = the sum of the project rows
 *   between the previous cut-off and the cut-off, per row, for visited and
 *   exits_total: stock(cut-off) = stock(previous cut-off) + change, the
 *   change (people visited, or exited, in between) being a cell too: the
 *   report prints it.
 *
 * The month ends are not linked to each other: the difference of two
 * month ends (the people visited in a month) is not a published cell
 * (docs/report.md). The previous cut-off carries no exit reasons, so that
 * no exits by reason in a period can be worked out.
 *
 * A partition that does not add up (e.g. a gender outside the code list)
 * gets a residual cell (not printed) so that the relation holds. */
#ifndef MIDWAY_REPORT_TABLE_H
#define MIDWAY_REPORT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "midway/disclosure.h"
#include "midway/err.h"

#define MW_RT_NONE    ((size_t)-1)
#define MW_RT_REASONS 13

/* Count columns: those read from status.project_status() (by these
 * names), then the complements the report computes. */
enum mw_rcol {
        MW_RC_VISITED = 0,
        MW_RC_ACTIVE,
        MW_RC_EXITS_TOTAL,
        MW_RC_EXITS_JOB,
        MW_RC_EXITS_FLEXJOB,
        MW_RC_EXITS_EDUCATION,
        MW_RC_EXITS_OTHER,
        MW_RC_EXIT_FIRST, /* the 13 reasons, in lib/event/codes.c order */
        MW_RC_OVER4 = MW_RC_EXIT_FIRST + MW_RT_REASONS,
        MW_RC_INTERVENTION,
        MW_RC_MENTOR,
        MW_RC_COMPANY,
        MW_RC_CONTACTS, /* contacts, not persons; protected all the same */
        MW_RC_FEMALE,
        MW_RC_MALE,
        MW_RC_AGE_FIRST,                           /* 5 age bands */
        MW_RC_BENEFIT_FIRST = MW_RC_AGE_FIRST + 5, /* 5 benefit types */
        MW_RC_ONE_AREA = MW_RC_BENEFIT_FIRST + 5,
        MW_RC_MULTI_AREA,
        MW_RC_NO_AREA,
        MW_RC_N_STATUS, /* columns from the status end here */
        MW_RC_UPTO4 = MW_RC_N_STATUS,
        MW_RC_NO_INTERVENTION,
        MW_RC_NO_MENTOR,
        MW_RC_NO_COMPANY,
        MW_RC_N
};

/* Ratios the database computes (kept as scaled integers, -1 = empty). */
enum mw_rratio {
        MW_RR_CONTACTS_FIRST_MONTH = 0, /* x100: contacts per citizen */
        MW_RR_CONTACTS_LATER,           /* x100: per citizen-month */
        MW_RR_PCT_SMS_EMAIL,            /* x10: percent of contacts */
        MW_RR_PCT_CHANNEL_FIRST,        /* x10: 6 channels */
        MW_RR_N = MW_RR_PCT_CHANNEL_FIRST + 6
};

/* Column name in status.project_status(), or the report's own name for a
 * complement (e.g. "n_without_intervention"). */
const char *mw_rcol_name(enum mw_rcol col);
const char *mw_rratio_name(enum mw_rratio ratio);
/* Decimal places of a ratio (2 or 1). */
int mw_rratio_decimals(enum mw_rratio ratio);

struct mw_rrow {
        int project_id; /* 0 on the total row */
        char name[64];
        char target_group[8];
        long expected;       /* -1 = not stated */
        long expected_total; /* -1 = not stated */
        long n[MW_RC_N];     /* complements are filled by the builder */
        long ratio[MW_RR_N];
};

enum mw_rdate_kind {
        MW_RD_SERIES = 0, /* visited, active, exits_total */
        MW_RD_KEY,        /* and the four shares' counts, complements */
        MW_RD_FULL,       /* every column */
};

/* The status of one date: projects in order, the total row last. */
struct mw_rdate {
        int32_t date; /* days since 1970-01-01 */
        enum mw_rdate_kind kind;
        size_t n_rows;
        struct mw_rrow *rows; /* owned */
};

/* What an earlier report published of one of its dates (its cut-off or
 * previous cut-off), for the protection of the reports published together
 * (docs/report.md, "Reports published before"). */
enum mw_rshown {
        MW_RS_NONE = 0,  /* not in that report */
        MW_RS_PUBLISHED, /* printed as it is */
        MW_RS_HIDDEN,    /* printed as x, at least 1 */
        MW_RS_WITHHELD,  /* printed as x in a withheld breakdown, >= 0 */
};

struct mw_rpast {
        struct mw_rdate date; /* kind KEY or FULL; the report's rows */
        unsigned char *shown; /* [row * MW_RC_N + col]: enum mw_rshown */
};

struct mw_rtable {
        struct mw_dc *dc; /* owned */
        size_t n_dates;
        const struct mw_rdate *dates; /* borrowed, by increasing date */
        size_t n_past;
        size_t cutoff;              /* index into dates */
        unsigned char *force_exits; /* owned: [row] exits withheld */
        size_t n_flows; /* counts hidden for a change of 1-4 persons */
        size_t n_rows;
        size_t *cell;     /* owned: [date][row][col] cell id or MW_RT_NONE */
        size_t *change;   /* owned: [row][2] visited, exits from the
                             previous cut-off to the cut-off, or NULL */
        size_t *residual; /* owned: cells not printed */
        size_t n_residual;
};

/* Builds the table. dates: increasing, every date the same rows (same
 * project ids, total last); prev/cutoff: indexes into dates of the
 * previous cut-off (kind KEY or FULL, or MW_RT_NONE) and the cut-off
 * (FULL). Fills the complements in the rows (hence non-const).
 * Release with mw_rtable_release(), also on failure. */
mw_err_t mw_rtable_build(struct mw_rtable *t, struct mw_rdate *dates,
                         size_t n_dates, size_t prev, size_t cutoff,
                         int threshold, char *errstr, size_t errstr_size);
/* mw_rtable_build() with the dates of reports published before (past,
 * n_past; borrowed, their rows' complements filled): their cells are
 * frozen as they were published, related as in their report, ordered
 * in time with this report's (cumulative counts never fall), and every
 * count this report prints at the cut-off or the previous cut-off is tied
 * to each published count of the same row and column by a change cell
 * (a count of persons like any other). */
mw_err_t mw_rtable_build_past(struct mw_rtable *t, struct mw_rdate *dates,
                              size_t n_dates, size_t prev, size_t cutoff,
                              struct mw_rpast *past, size_t n_past,
                              int threshold, char *errstr, size_t errstr_size);
void mw_rtable_release(struct mw_rtable *t);
/* What this report prints of a count (for the next report's record). */
enum mw_rshown mw_rtable_shown(const struct mw_rtable *t, size_t date,
                               size_t row, enum mw_rcol col);

/* 1 if dates of this kind carry the column. */
int mw_rtable_has(enum mw_rdate_kind kind, enum mw_rcol col);
/* Cell id of a count, MW_RT_NONE if the date does not carry the column. */
size_t mw_rtable_id(const struct mw_rtable *t, size_t date, size_t row,
                    enum mw_rcol col);
/* 1 if the count is hidden (or not in the table). */
int mw_rtable_hidden(const struct mw_rtable *t, size_t date, size_t row,
                     enum mw_rcol col);

#endif
