/* midway-report's internal header: the report's state and the parts of
 * the program, shared by
 *   main.c     the command line, the run from reading to publishing
 *   dates.c    the dates read: month ends, the previous and the cut-off
 *   fetch.c    reading status.project_status(), project_series() and
 *              data_quality()
 *   cells.c    the cell rules: counts, percentages, ratios, changes
 *   labels.c   the Danish and English texts
 *   pages.c    the HTML and Markdown pages (overview, one per project,
 *              data quality)
 *   csv.c      status.csv, status-previous.csv, series.csv and
 *              data-quality.csv
 *   publish.c  the files, their hashes and data id, atomic publishing
 *   ledger.c   the record of published reports (--ledger)
 * dates.c, cells.c, labels.c, csv.c and publish.c use no PostgreSQL: the
 * unit test tests/unit/test_report_prog.c compiles them (tests/tests.cmake,
 * MW_UNIT_SOURCES_report_prog). */
#ifndef MIDWAY_REPORT_PROG_H
#define MIDWAY_REPORT_PROG_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "midway/buf.h"
#include "midway/conf.h"
#include "midway/err.h"
#include "midway/report.h"
#include "midway/report_table.h"

#define PROG        "midway-report"
#define MAX_JOBS    2
#define MAX_DATES   (MW_CHART_MAX_POINTS - 2)
#define MARKER      "x"
#define EXPECTED_ON 16617 /* 2015-07-01: the date of expected_target */

/* Set by SIGINT and SIGTERM (main.c; defined in publish.c): reading and
 * publishing stop. */
extern volatile sig_atomic_t mw_report_stop;

struct opts {
        int32_t as_of;
        int32_t prev; /* -1: three months before as_of */
        const char *out;
        enum mw_lang lang;
        int threshold;
        int jobs;
        const char *ledger; /* --ledger DIR or NULL */
};

enum label {
        L_TITLE,
        L_PROGRAMME,
        L_STATUS_AS_OF,
        L_KEY_FIGURES,
        L_VISITED,
        L_EXPECTED,
        L_EXPECTED_TOTAL,
        L_ACTIVE,
        L_EXITS,
        L_EXIT_RATE,
        L_OVER4,
        L_INTERVENTION,
        L_NO_INTERVENTION,
        L_MENTOR,
        L_COMPANY,
        L_CONTACTS_FIRST,
        L_CONTACTS_LATER,
        L_SMS_EMAIL,
        L_CONTACTS_TOTAL,
        L_EXIT_REASONS,
        L_OUTCOME,
        L_JOB,
        L_FLEXJOB,
        L_EDUCATION,
        L_OTHER,
        L_TOTAL,
        L_NUMBER,
        L_SHARE_OF_EXITS,
        L_SHARE_OF_ACTIVE,
        L_INTERVENTIONS_H,
        L_CONTACTS_H,
        L_CHANNEL,
        L_PROFILE_H,
        L_GENDER,
        L_AGE,
        L_BENEFIT,
        L_PROBLEM,
        L_ONE_AREA,
        L_MULTI_AREA,
        L_NO_AREA,
        L_PROJECTS_H,
        L_PROJECT,
        L_GROUP,
        L_YOUTH,
        L_ADULT,
        L_YOUTH_PROJECT,
        L_ADULT_PROJECT,
        L_OVER_TIME,
        L_CHART_DATA,
        L_THE_PROJECT,
        L_ALL_PROJECTS,
        L_AVERAGE,
        L_AVERAGE_NOTE,
        L_DATE,
        L_HIDDEN_TITLE,
        L_LEGEND,
        L_SOURCE,
        L_GAPS,
        L_BACK,
        L_CHANGE_SINCE,
        L_PP,
        L_MEASURE,
        L_MUNICIPALITY,
        L_PROJECTS_COUNT,
        L_EXITS_SHORT,
        L_OVER4_SHORT,
        L_INTERVENTION_SHORT,
        L_MENTOR_SHORT,
        L_COMPANY_SHORT,
        L_EXPECTED_SHORT,
        L_PROFILE_NOTE,
        L_CHANNEL_NOTE,
        L_CONTACTS_SHORT,
        L_SINCE,
        L_WOMEN,
        L_MEN,
        L_SMS,
        L_Y_PERSONS,
        L_DQ_H,
        L_DQ_INTRO,
        L_DQ_CONTACTS,
        L_DQ_BEFORE,
        L_DQ_WITHOUT,
        L_DQ_REG_H,
        L_DQ_REGISTRATIONS,
        L_DQ_MEDIAN,
        L_DQ_P90,
        L_DQ_MAX,
        L_DQ_LATE,
        L_DQ_DEAD_H,
        L_DQ_DEAD,
        L_ASSESS_H,
        L_ASSESS_ITEM,
        L_ASSESS_LEVEL,
        L_ASSESS_TEXT,
        L_ASSESS_NONE,
        L_REQ_1,
        L_REQ_2,
        L_REQ_3,
        L_REQ_4,
        L_FOCUS_SO_FAR,
        L_FOCUS_AHEAD,
        L_MET,
        L_PARTLY_MET,
        L_NOT_MET,
        L_DQ_DEAD_NOTE,
        L_DQ_LAG_NOTE,
        L_DQ_PERSONS_NOTE,
        L_DQ_LINK,
        L_COUNT
};

/* [label][0]: Danish, [1]: English; NULL: no text (L() gives ""). */
extern const char *const mw_report_labels[L_COUNT][2];

struct appendix;
/* A count of the appendices' own table that a report published before
 * printed (ledger.c). */
struct app_past {
        int project_id;
        int measure; /* index into mw_app_measures */
        long value;
};

struct file {
        char name[64];
        struct mw_buf buf; /* owned */
};

/* The stages of the dead-letter topic, in the order the report shows
 * them (docs/status.md, "Data quality"). */
#define DQ_STAGES 6
extern const char *const mw_report_dq_stages[DQ_STAGES];
extern const char *const mw_report_dq_stage_labels[DQ_STAGES][2];

/* One row of status.data_quality(): the registration-level figures only
 * (the counts of citizens are not read: docs/report.md). -1: null. */
struct dq_row {
        int project_id; /* 0: the total row */
        char name[64];
        long contacts, contacts_before, contacts_without;
        long registrations, lag_median, lag_p90, lag_max, late;
        long dead, dead_stage[DQ_STAGES];
};

/* One assessment in force at the cut-off (status.project_assessment). */
struct assessment {
        int project_id;
        char item[16];  /* requirement_1..4, focus_so_far, focus_ahead */
        char level[12]; /* met, partly_met, not_met; "" for focus areas */
        char *text;     /* owned */
};

/* The figures of a dq_row in the order of the data-quality table and
 * CSV: contacts, before intake, without intake, registrations, lag median,
 * p90 and longest, registered after 30 days, dead letters (-1: null). */
#define DQ_FIGURES 9
static inline void
mw_report_dq_figures(const struct dq_row *q, long v[DQ_FIGURES])
{
        v[0] = q->contacts;
        v[1] = q->contacts_before;
        v[2] = q->contacts_without;
        v[3] = q->registrations;
        v[4] = q->lag_median;
        v[5] = q->lag_p90;
        v[6] = q->lag_max;
        v[7] = q->late;
        v[8] = q->dead;
}

struct report {
        const struct opts *opts;
        enum mw_lang lang;
        struct mw_rdate *dates; /* owned, n_dates */
        size_t n_dates;
        size_t cutoff, prev;
        struct mw_rtable table;
        struct mw_rpast *past; /* owned, n_past: reports published before */
        size_t *past_file;     /* owned, n_past: which record */
        size_t n_past, n_ledgers;
        struct app_past *app_past; /* owned, n_app_past: the appendices'
                                      own counts reports printed before */
        size_t n_app_past;
        size_t n_rows, total; /* total: index of the total row */
        char data_id[13];
        char cut_text[32], prev_text[32];
        struct dq_row *dq; /* owned, n_dq; the total row last */
        size_t n_dq;
        struct appendix *app;      /* owned (appendix.h) */
        struct assessment *assess; /* owned, n_assess, by project */
        size_t n_assess;
        struct file *files; /* owned, n_files */
        size_t n_files;
        mw_err_t err;
};

/* The text of label l in the report's language. */
static inline const char *
L(const struct report *rep, enum label l)
{
        const char *s = mw_report_labels[l][rep->lang == MW_LANG_EN];

        return s ? s : "";
}

/* Text storage for the cells of one table row. */
struct rowtext {
        char s[24][48];
        size_t n;
};

/* dates.c */
/* Sets rep->dates (owned by rep; rows not yet read), n_dates, prev and
 * cutoff from rep->opts: the month ends from the programme start up to
 * (not including) the cut-off, the previous cut-off and the cut-off, in
 * order. */
mw_err_t mw_report_plan_dates(struct report *rep, char *errstr,
                              size_t errstr_size);

/* fetch.c */
/* Reads the cut-off's full status and every date's series into
 * rep->dates, in one snapshot. */
mw_err_t mw_report_fetch(struct report *rep, const struct mw_conf *conf,
                         char *errstr, size_t errstr_size);

/* cells.c: the text of a cell lives in rt (or is static). */
char *mw_report_slot(struct rowtext *rt);
const struct mw_rrow *mw_report_row(const struct report *rep, size_t date,
                                    size_t row);
long mw_report_value(const struct report *rep, size_t date, size_t row,
                     enum mw_rcol col);
int mw_report_hidden(const struct report *rep, size_t date, size_t row,
                     enum mw_rcol col);
/* Tenths of a percent of num over den, -1 if hidden, -2 if empty. */
long mw_report_pct_of(const struct report *rep, size_t date, size_t row,
                      enum mw_rcol num, enum mw_rcol den);
long mw_report_ratio_of(const struct report *rep, size_t date, size_t row,
                        enum mw_rratio ratio);
struct mw_rcell mw_report_cell_text(const char *text);
struct mw_rcell mw_report_cell_empty(void);
struct mw_rcell mw_report_cell_count(const struct report *rep,
                                     struct rowtext *rt, size_t date,
                                     size_t row, enum mw_rcol col);
struct mw_rcell mw_report_cell_pct_value(const struct report *rep,
                                         struct rowtext *rt, long tenths);
struct mw_rcell mw_report_cell_pct(const struct report *rep, struct rowtext *rt,
                                   size_t date, size_t row, enum mw_rcol num,
                                   enum mw_rcol den);
struct mw_rcell mw_report_cell_ratio(const struct report *rep,
                                     struct rowtext *rt, size_t date,
                                     size_t row, enum mw_rratio ratio);
struct mw_rcell mw_report_cell_average(const struct report *rep,
                                       struct rowtext *rt, enum mw_rcol col);
struct mw_rcell mw_report_cell_change_flow(const struct report *rep,
                                           struct rowtext *rt, size_t row,
                                           int k);
struct mw_rcell mw_report_cell_change_count(const struct report *rep,
                                            struct rowtext *rt, size_t row,
                                            enum mw_rcol col);
struct mw_rcell mw_report_cell_change_pct(const struct report *rep,
                                          struct rowtext *rt, long before,
                                          long now);

/* pages.c: each adds its files to rep (HTML and Markdown). */
void mw_report_overview(struct report *rep);
void mw_report_project_page(struct report *rep, size_t row);
void mw_report_quality_page(struct report *rep);
/* The frame of a page (with the link back to the overview) and its end. */
void mw_report_page_open(const struct report *rep, struct mw_rdoc *doc,
                         const char *title, const char *kicker, const char *h1,
                         const char *sub);
void mw_report_page_close(const struct report *rep, struct mw_rdoc *doc);

/* bilag.c: the appendices (Bilag 1-5) as a page of their own, the project
 * page's sections of its appendix figures and interventions, the link
 * from the overview, appendix.csv. */
void mw_report_appendix_page(struct report *rep);
void mw_report_project_appendix(struct report *rep, struct mw_rdoc *doc,
                                size_t row);
void mw_report_appendix_link(struct report *rep, struct mw_rdoc *doc);
void mw_report_appendix_csv(struct report *rep);

/* csv.c */
void mw_report_status_csv(struct report *rep, size_t date, const char *name);
void mw_report_series_csv(struct report *rep);
void mw_report_quality_csv(struct report *rep);

/* publish.c */
/* Adds a file named name to rep; takes buf's allocation (buf is left
 * empty). On failure sets rep->err. */
void mw_report_add_file(struct report *rep, const char *name,
                        struct mw_buf *buf);
int mw_report_data_id(struct report *rep);
void mw_report_sums(struct report *rep);
/* Frees what the report owns (the table, the dates' rows, the files); the
 * struct itself is the caller's. */
void mw_report_release(struct report *rep);
mw_err_t mw_report_publish(struct report *rep, char *errstr,
                           size_t errstr_size);

/* ledger.c: reads the records of reports published before into
 * rep->past (nothing without --ledger; MW_ERR_INVALID if this cut-off has
 * a record), and records this report once it is published. */
mw_err_t mw_report_ledger_load(struct report *rep, char *errstr,
                               size_t errstr_size);
mw_err_t mw_report_ledger_write(struct report *rep, char *errstr,
                                size_t errstr_size);

#endif
