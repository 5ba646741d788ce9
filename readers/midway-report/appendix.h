/* midway-report: the appendices (Bilag 1-5) and the interventions page,
 * shared by
 *   appendix.c  the figures of status.appendix() (docs/status.md,
 *               "Appendices"), their disclosure control and which are shown
 *   bilag.c     the appendix pages, the interventions section of each
 *               project page and appendix.csv
 * The figures the main table holds too (visited, active, gender, ...,
 * mentor support) take its decision; the others (the problem areas in
 * detail, the intervention categories, parallel interventions, Bilag 2 at
 * the previous cut-off, the company-oriented count at the month ends) are
 * cells of a second struct mw_dc, built with the same rules (docs/report.md,
 * "Appendices"). */
#ifndef MIDWAY_REPORT_APPENDIX_H
#define MIDWAY_REPORT_APPENDIX_H

#include <stddef.h>

#include "report.h"

enum app_kind { AK_COUNT, AK_SHARE, AK_RATE, AK_AVERAGE };

/* The fields of a figure, as status.appendix() gives them. */
enum app_field {
        AF_N = 0,
        AF_BASE,
        AF_VALUE,
        AF_PREV_N,
        AF_PREV_BASE,
        AF_PREV_VALUE,
        AF_CHANGE,
        AF_COUNT
};

struct app_measure {
        const char *name;     /* status.appendix()'s measure */
        const char *appendix; /* "1".."5", "interventions" */
        enum app_kind kind;
        int col;      /* the main table's count it is, or -1 (its own) */
        int base_col; /* the main table's count of its base, -1: none
                         published (a minimum of persons applies) */
        int group;    /* the breakdown it is a part of (parts of one base
                         add up to it), 0: none */
        const char *da, *en;
};

#define APP_N 44
extern const struct app_measure mw_app_measures[APP_N];

/* One figure of one row: the fields (scaled by their decimals), which are
 * null, and the cells of the appendix's own table. */
struct app_val {
        long v[AF_COUNT];
        unsigned char null[AF_COUNT];
        size_t id, prev_id; /* MW_RT_NONE: not a cell of its own */
};

struct app_row {
        int project_id; /* 0: the total */
        struct app_val f[APP_N];
};

struct appendix {
        struct app_row *rows; /* owned, n_rows: as the status's rows */
        size_t n_rows;
        struct mw_dc *dc;        /* owned */
        size_t *company;         /* owned: [date][row] cell or MW_RT_NONE */
        size_t *prev_active;     /* owned: [row] */
        unsigned char *withheld; /* owned: [cell] withheld as a whole */
        size_t n_withheld;
};

/* Index of a measure by name, -1 if unknown. */
int mw_app_find(const char *name);
/* Decimals of a field of measure m. */
int mw_app_decimals(int m, enum app_field f);
/* Parses status.appendix()'s rows (by project as the status, the total
 * last, each with the APP_N figures in order) into rep->app (allocated
 * here, owned by rep). */
mw_err_t mw_app_parse(struct report *rep, void *pgresult, char *errstr,
                      size_t errstr_size);
/* MW_ERR_DB unless every figure the status has too (after the main
 * table's complements are filled) equals it. */
mw_err_t mw_app_check(const struct report *rep, char *errstr,
                      size_t errstr_size);
/* Builds and protects the appendix's table (after the main table's
 * mw_dc_protect()); fails closed as the main table does. */
mw_err_t mw_app_protect(struct report *rep, char *errstr, size_t errstr_size);
/* Frees app and what it owns (NULL: nothing). */
void mw_app_release(struct appendix *app);

enum app_show { AS_SHOW = 0, AS_HIDDEN, AS_EMPTY };
/* Whether field f of measure m on row is shown, hidden or empty. */
enum app_show mw_app_show(const struct report *rep, size_t row, int m,
                          enum app_field f);
/* The company-oriented count at date d (any date of rep): shown? */
enum app_show mw_app_company_show(const struct report *rep, size_t d,
                                  size_t row);

#endif
