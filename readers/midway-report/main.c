/* midway-report: the published midway status (docs/report.md).
 *
 * Writes an HTML overview, an HTML page per project (inline SVG charts, no
 * JavaScript, A4 print CSS), the same figures as Markdown and CSV, from
 * status.project_status() and status.project_series() only, so it runs as
 * a member of midway_evaluator. Every count goes through disclosure control
 * (one decision over every file, lib/publish/report_table.c and
 * lib/publish/disclosure.c). The files are written into DIR.tmp-XXXXXX and
 * renamed into place; the same database and date give the same bytes. */
#define _GNU_SOURCE /* renameat2(RENAME_EXCHANGE) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "midway/buf.h"
#include "midway/codes.h"
#include "midway/conf.h"
#include "midway/date.h"
#include "midway/disclosure.h"
#include "midway/log.h"
#include "midway/pg.h"
#include "midway/projects.h"
#include "midway/report.h"
#include "midway/report_table.h"

#define PROG        "midway-report"
#define EXIT_USAGE  2
#define MAX_JOBS    2
#define MAX_DATES   (MW_CHART_MAX_POINTS - 2)
#define MARKER      "x"
#define EXPECTED_ON 16617 /* 2015-07-01: the date of expected_target */

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
        (void)sig;
        stop = 1;
}

/* ---- options --------------------------------------------------------------
 */

struct opts {
        int32_t as_of;
        int32_t prev; /* -1: three months before as_of */
        const char *out;
        enum mw_lang lang;
        int threshold;
        int jobs;
};

static void
usage(FILE *fp)
{
        fprintf(
            fp,
            "Usage: " PROG " --as-of YYYY-MM-DD --out DIR [OPTION]...\n"
            "Write the published midway status: DIR/index.html, a page "
            "per project\n(DIR/<slug>.html and .md), DIR/status.md, "
            "DIR/status.csv,\nDIR/status-previous.csv, DIR/series.csv "
            "and DIR/SHA256SUMS.\n\n"
            "  -a, --as-of DATE      cut-off date (default: the first of this "
            "month\n"
            "                        in Denmark, the latest monthly cut-off)\n"
            "  -O, --out DIR         output directory; replaced as a "
            "whole (it must be\n"
            "                        empty or an earlier report)\n"
            "  -l, --lang LANG       da (default) or en\n"
            "  -t, --threshold N     hide counts of 1 to N-1 persons "
            "(default 5)\n"
            "  -P, --previous DATE   the previous cut-off for the "
            "changes (default: three\n"
            "                        months before --as-of)\n"
            "  -j, --jobs N          2 (default): read the cut-off's "
            "status and the\n"
            "                        series on two connections at once; "
            "1: one after\n"
            "                        the other\n"
            "  -d CONNINFO           libpq conninfo (pg.conninfo; PG* "
            "variables apply)\n"
            "  -c FILE               read key=value configuration from "
            "FILE\n"
            "  -o NAME=VALUE         set a midway property\n"
            "  -v, -q                more, less logging\n"
            "  -h, --help            this help\n\n"
            "Reads only status.project_status() and "
            "status.project_series() (role\nmidway_evaluator). Exit "
            "status: 0 written, 1 failure (nothing replaced),\n2 usage "
            "error.\n");
}

static int
parse_int_arg(const char *s, int min, int max, int *out)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return -1;
        *out = (int)v;
        return 0;
}

/* ---- labels ---------------------------------------------------------------
 */

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
        L_COUNT
};

static const char *const labels[L_COUNT][2] = {
    [L_TITLE] = {"Midtvejsstatus", "Midway status"},
    [L_PROGRAMME] = {"Empowerment af borgerne", "Empowerment af borgerne"},
    [L_STATUS_AS_OF] = {"Status pr. ", "Status as of "},
    [L_KEY_FIGURES] = {"Nøgletal", "Key figures"},
    [L_VISITED] = {"Visiterede borgere", "Citizens visited"},
    [L_EXPECTED] = {"Forventet pr. 1. juli 2015", "Expected by 1 July 2015"},
    [L_EXPECTED_TOTAL] = {"Samlet måltal", "Total target"},
    [L_ACTIVE] = {"Aktive borgere", "Active citizens"},
    [L_EXITS] = {"Afgange", "Exits"},
    [L_EXIT_RATE] = {"Afgange i pct. af visiterede", "Exits, % of visited"},
    [L_OVER4] = {"Aktive i mere end 4 måneder",
                 "Active for more than 4 months"},
    [L_INTERVENTION] = {"Aktive med mindst én indsats",
                        "Active with at least one intervention"},
    [L_NO_INTERVENTION] = {"Aktive uden indsats",
                           "Active without an intervention"},
    [L_MENTOR] = {"Aktive med mentorstøtte", "Active with mentor support"},
    [L_COMPANY] = {"Aktive med virksomhedsrettet indsats",
                   "Active with a company-oriented intervention"},
    [L_CONTACTS_FIRST] = {"Kontakter i første måned pr. borger",
                          "Contacts in the first month per citizen"},
    [L_CONTACTS_LATER] = {"Kontakter pr. borger pr. måned derefter",
                          "Contacts per citizen per month after that"},
    [L_SMS_EMAIL] = {"Kontakter via sms eller e-mail",
                     "Contacts by sms or e-mail"},
    [L_CONTACTS_TOTAL] = {"Kontakter i alt", "Contacts in total"},
    [L_EXIT_REASONS] = {"Afgange fordelt på årsag", "Exits by reason"},
    [L_OUTCOME] = {"Afgange fordelt på udfald", "Exits by outcome"},
    [L_JOB] = {"Ordinært job", "Ordinary job"},
    [L_FLEXJOB] = {"Fleksjob", "Flexjob"},
    [L_EDUCATION] = {"Ordinær uddannelse", "Ordinary education"},
    [L_OTHER] = {"Andre årsager", "Other reasons"},
    [L_TOTAL] = {"I alt", "Total"},
    [L_NUMBER] = {"Antal", "Number"},
    [L_SHARE_OF_EXITS] = {"Andel af afgange", "Share of exits"},
    [L_SHARE_OF_ACTIVE] = {"Andel af aktive", "Share of active"},
    [L_INTERVENTIONS_H] = {"Indsatser, mentorstøtte og virksomhedsrettede "
                           "indsatser",
                           "Interventions, mentor support and "
                           "company-oriented interventions"},
    [L_CONTACTS_H] = {"Kontakt med den koordinerende sagsbehandler",
                      "Contact with the coordinating caseworker"},
    [L_CHANNEL] = {"Kontaktform", "Contact form"},
    [L_PROFILE_H] = {"Målgruppeprofil, aktive borgere",
                     "Target-group profile, active citizens"},
    [L_GENDER] = {"Køn", "Gender"},
    [L_AGE] = {"Alder", "Age"},
    [L_BENEFIT] = {"Forsørgelsesgrundlag", "Benefit"},
    [L_PROBLEM] = {"Problemområder", "Problem areas"},
    [L_ONE_AREA] = {"Ét hovedproblemområde", "One main problem area"},
    [L_MULTI_AREA] = {"Flere hovedproblemområder",
                      "More than one main problem area"},
    [L_NO_AREA] = {"Problemområde ikke angivet", "Problem area not stated"},
    [L_PROJECTS_H] = {"Alle projekter", "All projects"},
    [L_PROJECT] = {"Projekt", "Project"},
    [L_GROUP] = {"Målgruppe", "Target group"},
    [L_YOUTH] = {"Unge", "Youth"},
    [L_ADULT] = {"Voksne", "Adults"},
    [L_YOUTH_PROJECT] = {"Ungeprojekt", "Youth project"},
    [L_ADULT_PROJECT] = {"Voksenprojekt", "Adult project"},
    [L_OVER_TIME] = {"Udvikling over tid", "Over time"},
    [L_CHART_DATA] = {"Tallene bag figuren", "The figures behind the chart"},
    [L_THE_PROJECT] = {"Projektet", "The project"},
    [L_ALL_PROJECTS] = {"Alle projekter", "All projects"},
    [L_AVERAGE] = {"Gennemsnit, alle projekter", "Cross-site average"},
    [L_AVERAGE_NOTE] = {"Gennemsnit: for antal gennemsnittet pr. projekt, "
                        "for andele alle projekters borgere under ét.",
                        "Cross-site average: for counts the average per "
                        "project, for shares all projects' citizens "
                        "together."},
    [L_DATE] = {"Dato", "Date"},
    [L_HIDDEN_TITLE] = {"Skjult af hensyn til diskretion",
                        "Hidden for confidentiality"},
    [L_LEGEND] = {"x: skjult af hensyn til diskretion. Antal på 1 til %d "
                  "personer vises ikke, og andre tal skjules, hvor et "
                  "skjult tal ellers kunne regnes ud af de viste (summer, "
                  "totaler, andre datoer). En andel skjules, når dens "
                  "tæller eller nævner er skjult.",
                  "x: hidden for confidentiality. Counts of 1 to %d "
                  "persons are not shown, and other figures are hidden "
                  "where a hidden count could otherwise be worked out "
                  "from those shown (sums, totals, other dates). A share "
                  "is hidden when its numerator or denominator is."},
    [L_SOURCE] = {"Kilde: midway, status.project_status() og "
                  "status.project_series(). Data-id %s.",
                  "Source: midway, status.project_status() and "
                  "status.project_series(). Data id %s."},
    [L_GAPS] = {"Huller i kurverne er skjulte tal.",
                "Gaps in the curves are hidden figures."},
    [L_BACK] = {"Oversigt over alle projekter", "Overview of all projects"},
    [L_CHANGE_SINCE] = {"Ændring siden ", "Change since "},
    [L_PP] = {" pct.-point", " pp"},
    [L_MEASURE] = {"Nøgletal", "Measure"},
    [L_MUNICIPALITY] = {"Kommune", "Municipality"},
    [L_PROJECTS_COUNT] = {"projekter", "projects"},
    [L_EXITS_SHORT] = {"Afgange", "Exits"},
    [L_OVER4_SHORT] = {"> 4 mdr.", "> 4 mo."},
    [L_INTERVENTION_SHORT] = {"Indsats", "Interv."},
    [L_MENTOR_SHORT] = {"Mentor", "Mentor"},
    [L_COMPANY_SHORT] = {"Virksomh.", "Company"},
    [L_EXPECTED_SHORT] = {"Forventet", "Expected"},
    [L_PROFILE_NOTE] = {"Andele af de aktive borgere.",
                        "Shares of the active citizens."},
    [L_CHANNEL_NOTE] = {"Andele af alle kontakter.", "Shares of all contacts."},
    [L_CONTACTS_SHORT] = {"Kontakter", "Contacts"},
    [L_SINCE] = {"siden ", "since "},
};

/* ---- the report's state ----------------------------------------------------
 */

struct file {
        char name[64];
        struct mw_buf buf; /* owned */
};

struct report {
        const struct opts *opts;
        enum mw_lang lang;
        struct mw_rdate *dates; /* owned, n_dates */
        size_t n_dates;
        size_t cutoff, prev;
        struct mw_rtable table;
        size_t n_rows, total; /* total: index of the total row */
        char data_id[13];
        char cut_text[32], prev_text[32];
        struct file *files; /* owned, n_files */
        size_t n_files;
        mw_err_t err;
};

static const char *
L(const struct report *rep, enum label l)
{
        const char *s = labels[l][rep->lang == MW_LANG_EN];

        return s ? s : "";
}

/* ---- dates ----------------------------------------------------------------
 */

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
static mw_err_t
plan_dates(struct report *rep, char *errstr, size_t errstr_size)
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

/* ---- reading the status
 * ------------------------------------------------------ */

static mw_err_t
parse_long(const char *s, long *out)
{
        char *end;

        errno = 0;
        *out = strtol(s, &end, 10);
        return (errno || end == s || *end) ? MW_ERR_INVALID : MW_OK;
}

static mw_err_t
parse_status(PGresult *res, struct mw_rdate *date, char *errstr,
             size_t errstr_size)
{
        int ncol = MW_RC_N_STATUS, col[MW_RC_N_STATUS], rcol[MW_RR_N];
        int f_id, f_name, f_group, f_exp, f_exp_total, r, c;
        int nrows = PQntuples(res);

        f_id = PQfnumber(res, "project_id");
        f_name = PQfnumber(res, "project_name");
        f_group = PQfnumber(res, "target_group");
        f_exp = PQfnumber(res, "expected_target");
        f_exp_total = PQfnumber(res, "expected_target_total");
        if (f_id < 0 || f_name < 0 || f_group < 0 || f_exp < 0 ||
            f_exp_total < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_DB,
                               "status: a project column is missing");
        for (c = 0; c < ncol; c++) {
                col[c] = PQfnumber(res, mw_rcol_name((enum mw_rcol)c));
                if (col[c] < 0)
                        return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                       "status has no column %s",
                                       mw_rcol_name((enum mw_rcol)c));
        }
        for (c = 0; c < MW_RR_N; c++) {
                rcol[c] = PQfnumber(res, mw_rratio_name((enum mw_rratio)c));
                if (rcol[c] < 0)
                        return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                       "status has no column %s",
                                       mw_rratio_name((enum mw_rratio)c));
        }
        if (nrows < 2 || nrows > 64)
                return mw_errf(errstr, errstr_size, MW_ERR_DB,
                               "status: %d rows", nrows);
        date->rows = calloc((size_t)nrows, sizeof(*date->rows));
        if (!date->rows)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        date->n_rows = (size_t)nrows;
        for (r = 0; r < nrows; r++) {
                struct mw_rrow *row = &date->rows[r];
                long v;

                row->project_id = 0;
                if (!PQgetisnull(res, r, f_id)) {
                        if (parse_long(PQgetvalue(res, r, f_id), &v) || v < 1 ||
                            v > 100000)
                                return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                               "bad project_id");
                        row->project_id = (int)v;
                }
                snprintf(row->name, sizeof(row->name), "%s",
                         PQgetvalue(res, r, f_name));
                snprintf(row->target_group, sizeof(row->target_group), "%s",
                         PQgetvalue(res, r, f_group));
                row->expected = row->expected_total = -1;
                if (!PQgetisnull(res, r, f_exp) &&
                    parse_long(PQgetvalue(res, r, f_exp), &row->expected))
                        return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                       "bad expected_target");
                if (!PQgetisnull(res, r, f_exp_total) &&
                    parse_long(PQgetvalue(res, r, f_exp_total),
                               &row->expected_total))
                        return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                       "bad expected_target_total");
                for (c = 0; c < ncol; c++)
                        if (PQgetisnull(res, r, col[c]) ||
                            parse_long(PQgetvalue(res, r, col[c]),
                                       &row->n[c]) ||
                            row->n[c] < 0)
                                return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                               "bad %s",
                                               mw_rcol_name((enum mw_rcol)c));
                for (c = 0; c < MW_RR_N; c++) {
                        row->ratio[c] = -1;
                        if (!PQgetisnull(res, r, rcol[c]) &&
                            mw_fmt_parse_fixed(
                                PQgetvalue(res, r, rcol[c]),
                                mw_rratio_decimals((enum mw_rratio)c),
                                &row->ratio[c]))
                                return mw_errf(
                                    errstr, errstr_size, MW_ERR_DB, "bad %s",
                                    mw_rratio_name((enum mw_rratio)c));
                }
        }
        if (date->rows[nrows - 1].project_id != 0)
                return mw_errf(errstr, errstr_size, MW_ERR_DB,
                               "status: no total row");
        return MW_OK;
}

static mw_err_t
exec_ok(PGconn *pg, const char *sql, char *errstr, size_t errstr_size)
{
        return mw_pg_result(pg, PQexec(pg, sql), NULL, errstr, errstr_size);
}

/* The columns status.project_series() gives for every date. */
static const enum mw_rcol series_cols[] = {
    MW_RC_VISITED,      MW_RC_ACTIVE, MW_RC_EXITS_TOTAL, MW_RC_OVER4,
    MW_RC_INTERVENTION, MW_RC_MENTOR, MW_RC_COMPANY,
};
#define N_SERIES_COLS (sizeof(series_cols) / sizeof(series_cols[0]))

/* Fills every date but the cut-off from status.project_series(), whose
 * rows come by date, then project, the total row last. The project
 * columns are the cut-off's (the same projects in the same order). The
 * series row of the cut-off itself must equal its full status: if the two
 * functions ever disagree, nothing is published. */
static mw_err_t
parse_series(PGresult *res, struct report *rep, char *errstr,
             size_t errstr_size)
{
        const struct mw_rdate *cut = &rep->dates[rep->cutoff];
        struct mw_rrow *rows = NULL;
        int col[N_SERIES_COLS], f_date, f_id, r = 0;
        size_t d, i, k;
        mw_err_t err = MW_OK;

        f_date = PQfnumber(res, "as_of");
        f_id = PQfnumber(res, "project_id");
        if (f_date < 0 || f_id < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_DB,
                               "series: a column is missing");
        for (k = 0; k < N_SERIES_COLS; k++) {
                col[k] = PQfnumber(res, mw_rcol_name(series_cols[k]));
                if (col[k] < 0)
                        return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                       "series has no column %s",
                                       mw_rcol_name(series_cols[k]));
        }
        if ((size_t)PQntuples(res) != rep->n_dates * cut->n_rows)
                return mw_errf(errstr, errstr_size, MW_ERR_DB,
                               "series: %d rows, expected %zu", PQntuples(res),
                               rep->n_dates * cut->n_rows);
        for (d = 0; d < rep->n_dates && !err; d++) {
                char day[11];

                mw_date_format(rep->dates[d].date, day);
                if (d != rep->cutoff) {
                        rows = calloc(cut->n_rows, sizeof(*rows));
                        if (!rows) {
                                err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                              "out of memory");
                                goto out;
                        }
                }
                for (i = 0; i < cut->n_rows; i++, r++) {
                        const struct mw_rrow *c = &cut->rows[i];
                        long id = 0, v;

                        if (strcmp(PQgetvalue(res, r, f_date), day) != 0 ||
                            (!PQgetisnull(res, r, f_id) &&
                             parse_long(PQgetvalue(res, r, f_id), &id)) ||
                            id != c->project_id) {
                                err = mw_errf(errstr, errstr_size, MW_ERR_DB,
                                              "series: row %d is not project "
                                              "%d on %s",
                                              r, c->project_id, day);
                                goto out;
                        }
                        for (k = 0; k < N_SERIES_COLS; k++) {
                                const char *name = mw_rcol_name(series_cols[k]);

                                if (PQgetisnull(res, r, col[k]) ||
                                    parse_long(PQgetvalue(res, r, col[k]),
                                               &v) ||
                                    v < 0) {
                                        err = mw_errf(errstr, errstr_size,
                                                      MW_ERR_DB,
                                                      "series: bad %s", name);
                                        goto out;
                                }
                                if (rows) {
                                        rows[i].n[series_cols[k]] = v;
                                } else if (v != c->n[series_cols[k]]) {
                                        err = mw_errf(
                                            errstr, errstr_size, MW_ERR_DB,
                                            "series and status disagree on "
                                            "%s of project %d on %s",
                                            name, c->project_id, day);
                                        goto out;
                                }
                        }
                        if (!rows)
                                continue;
                        rows[i].project_id = c->project_id;
                        memcpy(rows[i].name, c->name, sizeof(c->name));
                        memcpy(rows[i].target_group, c->target_group,
                               sizeof(c->target_group));
                        rows[i].expected = c->expected;
                        rows[i].expected_total = c->expected_total;
                        for (k = 0; k < MW_RR_N; k++)
                                rows[i].ratio[k] = -1;
                }
                if (rows) {
                        rep->dates[d].rows = rows;
                        rep->dates[d].n_rows = cut->n_rows;
                        rows = NULL;
                }
        }
out:
        free(rows);
        return err;
}

/* Reads, in one snapshot (REPEATABLE READ READ ONLY, pg_export_snapshot()
 * for the second connection), the full status of the cut-off and the
 * series of every date. With two jobs the two queries run side by side. */
enum { Q_STATUS, Q_SERIES, N_QUERIES };

static mw_err_t
fetch(struct report *rep, const struct mw_conf *conf, char *errstr,
      size_t errstr_size)
{
        static const char *const sql[N_QUERIES] = {
            [Q_STATUS] = "SELECT * FROM status.project_status($1::date)",
            [Q_SERIES] = "SELECT to_char(as_of, 'YYYY-MM-DD') AS as_of, "
                         "project_id, visited, active, exits_total, "
                         "active_over_4_months, n_at_least_one_intervention, "
                         "n_mentor, n_company_oriented "
                         "FROM status.project_series($1::date[])",
        };
        PGconn *pg[N_QUERIES] = {NULL};
        PGresult *res[N_QUERIES] = {NULL}, *r;
        /* "{d,d,...}": at most MAX_DATES + 2 dates of 10 characters and a
         * separator each, the braces and the terminator */
        char status_day[11], series_days[(MAX_DATES + 2) * 11 + 2], snap[128];
        char set_snap[200];
        const char *param[N_QUERIES] = {status_day, series_days};
        int n = rep->opts->jobs < N_QUERIES ? rep->opts->jobs : N_QUERIES;
        int k, q;
        size_t d, len;
        mw_err_t err = MW_OK;

        if (!rep->dates || rep->cutoff >= rep->n_dates)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "no dates to read");
        mw_date_format(rep->dates[rep->cutoff].date, status_day);
        if (rep->n_dates > MAX_DATES + 2)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID, "%zu dates",
                               rep->n_dates);
        len = (size_t)snprintf(series_days, sizeof(series_days), "{");
        for (d = 0; d < rep->n_dates; d++) {
                if (d)
                        series_days[len++] = ',';
                mw_date_format(rep->dates[d].date, series_days + len);
                len += 10;
        }
        snprintf(series_days + len, sizeof(series_days) - len, "}");
        for (k = 0; k < n && !err; k++) {
                pg[k] =
                    mw_pg_connect(conf->pg_conninfo, PROG, errstr, errstr_size);
                if (!pg[k]) {
                        err = MW_ERR_DB;
                        break;
                }
                err = exec_ok(pg[k],
                              "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                              errstr, errstr_size);
                if (err)
                        break;
                if (k == 0) {
                        r = PQexec(pg[0], "SELECT pg_export_snapshot()");
                        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
                                err = mw_errf(errstr, errstr_size, MW_ERR_DB,
                                              "snapshot: %s",
                                              PQerrorMessage(pg[0]));
                                PQclear(r);
                                break;
                        }
                        snprintf(snap, sizeof(snap), "%s", PQgetvalue(r, 0, 0));
                        PQclear(r);
                } else {
                        /* the identifier is PostgreSQL's own: hex and '-' */
                        snprintf(set_snap, sizeof(set_snap),
                                 "SET TRANSACTION SNAPSHOT '%s'", snap);
                        err = exec_ok(pg[k], set_snap, errstr, errstr_size);
                }
        }
        /* both queries go out before either result is awaited */
        for (q = 0; q < N_QUERIES && !err && n > 1; q++)
                if (!PQsendQueryParams(pg[q], sql[q], 1, NULL, &param[q], NULL,
                                       NULL, 0))
                        err = mw_errf(errstr, errstr_size, MW_ERR_DB, "%s: %s",
                                      q == Q_STATUS ? "status" : "series",
                                      PQerrorMessage(pg[q]));
        for (q = 0; q < N_QUERIES && !err; q++) {
                PGconn *c = pg[n > 1 ? q : 0];

                if (n > 1) {
                        while ((r = PQgetResult(c)) != NULL) {
                                if (res[q])
                                        PQclear(r);
                                else
                                        res[q] = r;
                        }
                } else {
                        res[q] = PQexecParams(c, sql[q], 1, NULL, &param[q],
                                              NULL, NULL, 0);
                }
                if (PQresultStatus(res[q]) != PGRES_TUPLES_OK) {
                        const char *state =
                            PQresultErrorField(res[q], PG_DIAG_SQLSTATE);
                        const char *msg =
                            PQresultErrorField(res[q], PG_DIAG_MESSAGE_PRIMARY);
                        const char *hint =
                            PQresultErrorField(res[q], PG_DIAG_MESSAGE_HINT);

                        /* a date the role may not ask for (migration
                         * 0007): the rule and what to do, on one line */
                        if (state && strcmp(state, "42501") == 0 && msg && hint)
                                err =
                                    mw_errf(errstr, errstr_size, MW_ERR_DB,
                                            "%s: %s; %s",
                                            q == Q_STATUS ? "status" : "series",
                                            msg, hint);
                        else
                                err = mw_errf(
                                    errstr, errstr_size, MW_ERR_DB, "%s: %s",
                                    q == Q_STATUS ? "status" : "series",
                                    PQerrorMessage(c));
                }
                if (!err && stop)
                        err = mw_errf(errstr, errstr_size, MW_ERR_IO,
                                      "interrupted");
        }
        if (!err)
                err = parse_status(res[Q_STATUS], &rep->dates[rep->cutoff],
                                   errstr, errstr_size);
        if (!err)
                err = parse_series(res[Q_SERIES], rep, errstr, errstr_size);
        for (q = 0; q < N_QUERIES; q++) {
                PQclear(res[q]);
                if (pg[q])
                        PQfinish(pg[q]);
        }
        return err;
}

/* ---- cells ------------------------------------------------------------------
 */

/* Text storage for the cells of one table row. */
struct rowtext {
        char s[24][48];
        size_t n;
};

static char *
slot(struct rowtext *rt)
{
        if (rt->n == sizeof(rt->s) / sizeof(rt->s[0]))
                rt->n = 0; /* never reached: rows have fewer cells */
        return rt->s[rt->n++];
}

static const struct mw_rrow *
row_at(const struct report *rep, size_t date, size_t row)
{
        return &rep->dates[date].rows[row];
}

static long
value(const struct report *rep, size_t date, size_t row, enum mw_rcol col)
{
        return row_at(rep, date, row)->n[col];
}

static int
hidden(const struct report *rep, size_t date, size_t row, enum mw_rcol col)
{
        return mw_rtable_hidden(&rep->table, date, row, col);
}

static struct mw_rcell
c_text(const char *text)
{
        struct mw_rcell c = {text, MW_RCELL_TEXT, NULL, NULL};

        return c;
}

static struct mw_rcell
c_hidden(void)
{
        struct mw_rcell c = {MARKER, MW_RCELL_HIDDEN, NULL, NULL};

        return c;
}

static struct mw_rcell
c_empty(void)
{
        struct mw_rcell c = {"\xe2\x80\x93", MW_RCELL_EMPTY, NULL, NULL};

        return c;
}

static struct mw_rcell
c_count(const struct report *rep, struct rowtext *rt, size_t date, size_t row,
        enum mw_rcol col)
{
        struct mw_rcell c = {NULL, MW_RCELL_COUNT, NULL, NULL};
        char *s;

        if (hidden(rep, date, row, col))
                return c_hidden();
        s = slot(rt);
        mw_fmt_int(s, value(rep, date, row, col), 0, rep->lang);
        c.text = s;
        return c;
}

/* Tenths of a percent of num over den, -1 if hidden, -2 if empty. */
static long
pct_of(const struct report *rep, size_t date, size_t row, enum mw_rcol num,
       enum mw_rcol den)
{
        if (hidden(rep, date, row, num) || hidden(rep, date, row, den))
                return -1;
        if (value(rep, date, row, den) == 0)
                return -2;
        return mw_pct_tenths(value(rep, date, row, num),
                             value(rep, date, row, den));
}

static struct mw_rcell
c_pct_value(const struct report *rep, struct rowtext *rt, long tenths)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        char *s;

        if (tenths == -1)
                return c_hidden();
        if (tenths < 0)
                return c_empty();
        s = slot(rt);
        mw_fmt_pct(s, tenths, 0, rep->lang);
        c.text = s;
        return c;
}

static struct mw_rcell
c_pct(const struct report *rep, struct rowtext *rt, size_t date, size_t row,
      enum mw_rcol num, enum mw_rcol den)
{
        return c_pct_value(rep, rt, pct_of(rep, date, row, num, den));
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

static long
ratio_of(const struct report *rep, size_t date, size_t row,
         enum mw_rratio ratio)
{
        if (primary(rep, date, row, MW_RC_VISITED) ||
            primary(rep, date, row, MW_RC_CONTACTS))
                return -1;
        if (row_at(rep, date, row)->ratio[ratio] < 0)
                return -2;
        return row_at(rep, date, row)->ratio[ratio];
}

static struct mw_rcell
c_ratio(const struct report *rep, struct rowtext *rt, size_t date, size_t row,
        enum mw_rratio ratio)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        long v = ratio_of(rep, date, row, ratio);
        char *s;

        if (v == -1)
                return c_hidden();
        if (v < 0)
                return c_empty();
        s = slot(rt);
        if (ratio >= MW_RR_PCT_SMS_EMAIL)
                mw_fmt_pct(s, v, 0, rep->lang);
        else
                mw_fmt_fixed(s, v, 2, 0, rep->lang);
        c.text = s;
        return c;
}

/* The cross-site average of a count: the total over the projects. */
static struct mw_rcell
c_average(const struct report *rep, struct rowtext *rt, enum mw_rcol col)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        long n = (long)rep->total, v;
        char *s;

        if (hidden(rep, rep->cutoff, rep->total, col) || n == 0)
                return c_hidden();
        v = value(rep, rep->cutoff, rep->total, col);
        s = slot(rt);
        mw_fmt_fixed(s, (10 * v + n / 2) / n, 1, 0, rep->lang);
        c.text = s;
        return c;
}

/* Change since the previous cut-off of visited (k 0) or exits (k 1): a
 * cell of the table itself. */
static struct mw_rcell
c_change_flow(const struct report *rep, struct rowtext *rt, size_t row, int k)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        size_t id = rep->table.change[row * 2 + (size_t)k];
        enum mw_rcol col = k ? MW_RC_EXITS_TOTAL : MW_RC_VISITED;
        char *s;

        if (mw_dc_suppressed(rep->table.dc, id) ||
            hidden(rep, rep->prev, row, col) ||
            hidden(rep, rep->cutoff, row, col))
                return c_hidden();
        s = slot(rt);
        mw_fmt_int(s, mw_dc_value(rep->table.dc, id), 1, rep->lang);
        c.text = s;
        return c;
}

/* Change of a count that is not a flow (active): shown only when both
 * counts are. */
static struct mw_rcell
c_change_count(const struct report *rep, struct rowtext *rt, size_t row,
               enum mw_rcol col)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        char *s;

        if (hidden(rep, rep->prev, row, col) ||
            hidden(rep, rep->cutoff, row, col))
                return c_hidden();
        s = slot(rt);
        mw_fmt_int(s,
                   value(rep, rep->cutoff, row, col) -
                       value(rep, rep->prev, row, col),
                   1, rep->lang);
        c.text = s;
        return c;
}

/* Change of a share in percentage points (of the printed shares). */
static struct mw_rcell
c_change_pct(const struct report *rep, struct rowtext *rt, long before,
             long now)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        char num[32], *s;

        if (before == -1 || now == -1)
                return c_hidden();
        if (before < 0 || now < 0)
                return c_empty();
        s = slot(rt);
        mw_fmt_fixed(num, now - before, 1, 1, rep->lang);
        snprintf(s, 48, "%s%s", num, L(rep, L_PP));
        c.text = s;
        return c;
}

/* ---- shared page parts
 * -------------------------------------------------------- */

static const char css[] =
    "<style>\n"
    ":root{--ink:#1a1a1a;--muted:#595959;--rule:#d9d9d9;--accent:#1f4e79;"
    "--band:#f3f6f9}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;color:var(--ink);background:#fff;font:15px/1.45 "
    "\"Segoe UI\",\"Helvetica Neue\",Helvetica,Arial,\"Liberation Sans\","
    "sans-serif}\n"
    "main{max-width:1040px;margin:0 auto;padding:28px 36px 40px}\n"
    "header.top{border-bottom:3px solid var(--accent);padding-bottom:10px;"
    "margin-bottom:18px}\n"
    "header.top .kicker{color:var(--accent);font-weight:600;letter-spacing:"
    ".04em;text-transform:uppercase;font-size:12px}\n"
    "h1{font-size:30px;margin:2px 0 4px;line-height:1.15}\n"
    "header.top .sub{color:var(--muted);font-size:15px}\n"
    "h2{font-size:19px;color:var(--accent);margin:26px 0 8px;border-bottom:"
    "1px solid var(--rule);padding-bottom:3px}\n"
    "h3{font-size:15px;margin:16px 0 6px}\n"
    "a{color:var(--accent)}\n"
    "table{border-collapse:collapse;width:100%;margin:6px 0 4px;"
    "font-size:13.5px;font-variant-numeric:tabular-nums}\n"
    "caption{text-align:left;font-weight:600;padding:4px 0;color:var(--ink)}"
    "\n"
    "th,td{padding:4px 8px;border-bottom:1px solid var(--rule);"
    "vertical-align:top}\n"
    "thead th{font-size:12px;color:var(--muted);font-weight:600;"
    "text-align:right;border-bottom:1.5px solid #8c8c8c}\n"
    "thead th.l,tbody th{text-align:left;font-weight:normal}\n"
    "td{text-align:right;white-space:nowrap}\n"
    "td.t{text-align:left;white-space:normal}\n"
    "td.x{color:#8c8c8c;font-style:italic}\n"
    "td.e{color:#a6a6a6}\n"
    "tbody tr:nth-child(even){background:var(--band)}\n"
    "tr.total th,tr.total td{font-weight:700;border-top:1.5px solid "
    "#8c8c8c}\n"
    "table.wide{font-size:12.5px}\n"
    "table.wide th,table.wide td{padding:3px 5px}\n"
    ".cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;"
    "margin:10px 0 6px}\n"
    ".card{background:var(--band);border-left:4px solid var(--accent);"
    "padding:8px 12px}\n"
    ".card .v{font-size:26px;font-weight:700;line-height:1.2}\n"
    ".card .k{font-size:12.5px;color:var(--muted)}\n"
    ".card .d{font-size:12px;color:var(--muted)}\n"
    ".cols{display:grid;grid-template-columns:1fr 1fr;gap:22px}\n"
    "svg.chart{width:100%;height:auto;display:block;margin:4px 0}\n"
    "svg.chart text{font-family:inherit}\n"
    "p.note,.legend{color:var(--muted);font-size:12.5px;margin:4px 0 8px}\n"
    "details{margin:4px 0 8px;font-size:13px}\n"
    "summary{cursor:pointer;color:var(--accent)}\n"
    "footer{margin-top:26px;border-top:1px solid var(--rule);padding-top:8px;"
    "color:var(--muted);font-size:12px}\n"
    "nav.back{font-size:13px;margin-bottom:6px}\n"
    "@page{size:A4;margin:12mm 12mm 13mm}\n"
    "@media print{body{font-size:9pt;line-height:1.25}"
    "main{max-width:none;padding:0}"
    "header.top{margin-bottom:6pt;padding-bottom:4pt}"
    "h1{font-size:18pt}h2{font-size:12pt;margin:9pt 0 3pt}"
    "h3{font-size:10pt;margin:5pt 0 2pt}"
    "table{font-size:8pt;margin:2pt 0}table.wide{font-size:7pt}"
    "th,td{padding:1.2pt 4pt}thead th{font-size:7.5pt}"
    "table.wide th,table.wide td{padding:1pt 2.5pt}"
    ".cards{gap:6pt;margin:4pt 0}.card{padding:4pt 8pt}"
    ".card .v{font-size:15pt}.cols{gap:12pt}"
    "p.note,.legend{font-size:7.5pt;margin:2pt 0 4pt}"
    "footer{margin-top:8pt;padding-top:4pt;font-size:7.5pt}"
    ".page2{break-before:page}"
    "h2,h3,caption{break-after:avoid}tr,svg,.card{break-inside:avoid}"
    "details{display:none}nav.back{display:none}a{color:inherit;"
    "text-decoration:none}}\n"
    "</style>\n";

static void
page_start(const struct report *rep, struct mw_rdoc *doc, const char *title,
           const char *kicker, const char *h1, const char *sub)
{
        mw_rdoc_html(doc, "<!DOCTYPE html>\n<html lang=\"");
        mw_rdoc_html(doc, rep->lang == MW_LANG_DA ? "da" : "en");
        mw_rdoc_html(doc, "\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-"
                          "width, initial-scale=1\">\n<title>");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, title);
        mw_rdoc_html(doc, "</title>\n");
        mw_rdoc_html(doc, css);
        mw_rdoc_html(doc, "</head>\n<body>\n<main>\n<header class=\"top\">"
                          "<div class=\"kicker\">");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, kicker);
        mw_rdoc_html(doc, "</div>\n");
        mw_rdoc_heading(doc, 1, NULL, h1);
        mw_rdoc_para(doc, "sub", sub);
        mw_rdoc_html(doc, "</header>\n");
}

static void
page_end(const struct report *rep, struct mw_rdoc *doc)
{
        char text[1024];

        mw_rdoc_html(doc, "<footer>\n");
        snprintf(text, sizeof(text), L(rep, L_LEGEND),
                 rep->opts->threshold - 1);
        mw_rdoc_para(doc, "legend", text);
        snprintf(text, sizeof(text), L(rep, L_SOURCE), rep->data_id);
        mw_rdoc_para(doc, NULL, text);
        mw_rdoc_html(doc, "</footer>\n</main>\n</body>\n</html>\n");
}

static void
add_file(struct report *rep, const char *name, struct mw_buf *buf)
{
        struct file *f;

        if (rep->err)
                return;
        f = realloc(rep->files, (rep->n_files + 1) * sizeof(*f));
        if (!f) {
                rep->err = MW_ERR_NOMEM;
                return;
        }
        rep->files = f;
        f = &rep->files[rep->n_files++];
        snprintf(f->name, sizeof(f->name), "%s", name);
        f->buf = *buf; /* takes the allocation */
        memset(buf, 0, sizeof(*buf));
}

static const char *
slug_of(int project_id, char buf[48])
{
        const struct mw_project *p = mw_project_find(project_id);

        if (p)
                return p->slug;
        snprintf(buf, 48, "project-%d", project_id);
        return buf;
}

/* The time series of one row: visited, active, exits (and the target). */
static void
series_chart(struct report *rep, struct mw_rdoc *doc, size_t row,
             const char *title)
{
        static const enum mw_rcol cols[3] = {MW_RC_VISITED, MW_RC_ACTIVE,
                                             MW_RC_EXITS_TOTAL};
        static const enum label names[3] = {L_VISITED, L_ACTIVE, L_EXITS};
        static const char *const cls[3] = {"s1", "s2", "s3"};
        int32_t dates[MAX_DATES + 2];
        long v[3][MAX_DATES + 2];
        unsigned char hid[3][MAX_DATES + 2];
        struct mw_chart_series series[3];
        const struct mw_rrow *last = row_at(rep, rep->cutoff, row);
        struct mw_buf svg = MW_BUF_INIT;
        const char *head[4];
        size_t d, s;

        for (d = 0; d < rep->n_dates; d++) {
                dates[d] = rep->dates[d].date;
                for (s = 0; s < 3; s++) {
                        v[s][d] = value(rep, d, row, cols[s]);
                        hid[s][d] = (unsigned char)hidden(rep, d, row, cols[s]);
                }
        }
        for (s = 0; s < 3; s++) {
                series[s].name = L(rep, names[s]);
                series[s].cls = cls[s];
                series[s].v = v[s];
                series[s].hidden = hid[s];
                series[s].dashed = 0;
        }
        mw_rdoc_heading(doc, 3, NULL, title);
        if (!doc->err)
                doc->err = mw_svg_line_chart(
                    &svg, title, dates, rep->n_dates, series, 3,
                    row == rep->total ? -1 : last->expected, L(rep, L_EXPECTED),
                    rep->lang);
        mw_rdoc_html(doc, svg.data ? svg.data : "");
        mw_buf_release(&svg);
        mw_rdoc_html(doc, "<p class=\"note\">");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, L(rep, L_GAPS));
        mw_rdoc_html(doc, "</p>\n<details><summary>");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, L(rep, L_CHART_DATA));
        mw_rdoc_html(doc, "</summary>\n");
        head[0] = L(rep, L_DATE);
        head[1] = L(rep, L_VISITED);
        head[2] = L(rep, L_ACTIVE);
        head[3] = L(rep, L_EXITS);
        mw_rdoc_table(doc, "series", NULL, head, 4);
        for (d = 0; d < rep->n_dates; d++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell c[4];
                char *ds = slot(&rt);

                mw_fmt_date(ds, rep->dates[d].date, rep->lang);
                c[0] = c_text(ds);
                for (s = 0; s < 3; s++)
                        c[1 + s] = c_count(rep, &rt, d, row, cols[s]);
                mw_rdoc_row(doc, c, 0);
        }
        mw_rdoc_table_end(doc, NULL);
        mw_rdoc_html(doc, "</details>\n");
}

/* Exits by outcome and by reason, for one row (and beside it the total
 * row when row is a project). */
static void
exits_tables(struct report *rep, struct mw_rdoc *doc, size_t row)
{
        static const enum label outcome[4] = {L_JOB, L_FLEXJOB, L_EDUCATION,
                                              L_OTHER};
        const struct mw_code *reasons;
        size_t nr, i, c = rep->cutoff, ncol;
        int project = row != rep->total;
        const char *head[5];

        reasons = mw_codes_list(MW_CL_EXIT_REASON, &nr);
        head[0] = L(rep, L_OUTCOME);
        head[1] = project ? L(rep, L_THE_PROJECT) : L(rep, L_NUMBER);
        head[2] = L(rep, L_SHARE_OF_EXITS);
        head[3] = L(rep, L_ALL_PROJECTS);
        head[4] = L(rep, L_SHARE_OF_EXITS);
        ncol = project ? 5 : 3;
        mw_rdoc_table(doc, NULL, NULL, head, ncol);
        for (i = 0; i <= 4; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[5];
                enum mw_rcol col = i < 4 ? (enum mw_rcol)(MW_RC_EXITS_JOB + i)
                                         : MW_RC_EXITS_TOTAL;

                cell[0] = c_text(L(rep, i < 4 ? outcome[i] : L_TOTAL));
                cell[1] = c_count(rep, &rt, c, row, col);
                cell[2] = c_pct(rep, &rt, c, row, col, MW_RC_EXITS_TOTAL);
                cell[3] = c_count(rep, &rt, c, rep->total, col);
                cell[4] =
                    c_pct(rep, &rt, c, rep->total, col, MW_RC_EXITS_TOTAL);
                mw_rdoc_row(doc, cell, i == 4);
        }
        mw_rdoc_table_end(doc, NULL);
        head[0] = L(rep, L_EXIT_REASONS);
        mw_rdoc_table(doc, NULL, NULL, head, ncol);
        for (i = 0; i <= nr && i <= MW_RT_REASONS; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[5];
                enum mw_rcol col = i < nr ? (enum mw_rcol)(MW_RC_EXIT_FIRST + i)
                                          : MW_RC_EXITS_TOTAL;

                cell[0] = c_text(i < nr ? (rep->lang == MW_LANG_DA
                                               ? reasons[i].label_da
                                               : reasons[i].label_en)
                                        : L(rep, L_TOTAL));
                cell[1] = c_count(rep, &rt, c, row, col);
                cell[2] = c_pct(rep, &rt, c, row, col, MW_RC_EXITS_TOTAL);
                cell[3] = c_count(rep, &rt, c, rep->total, col);
                cell[4] =
                    c_pct(rep, &rt, c, rep->total, col, MW_RC_EXITS_TOTAL);
                mw_rdoc_row(doc, cell, i == nr);
        }
        mw_rdoc_table_end(doc, NULL);
}

/* The profile of the active citizens: a table and a bar chart of shares
 * (the row beside all projects when row is a project). */
static void
profile(struct report *rep, struct mw_rdoc *doc, size_t row)
{
        struct prof {
                enum label group;
                enum mw_rcol col;
                const char *label;
        } items[20];
        const struct mw_code *codes;
        struct mw_bar_group bars[20];
        struct mw_buf svg = MW_BUF_INIT;
        const char *head[5], *bar_names[2];
        size_t n = 0, i, k, nc, c = rep->cutoff;
        int project = row != rep->total, en = rep->lang == MW_LANG_EN;

        codes = mw_codes_list(MW_CL_GENDER, &nc);
        for (i = 0; i < nc && i < 2; i++)
                items[n++] =
                    (struct prof){L_GENDER, (enum mw_rcol)(MW_RC_FEMALE + i),
                                  en ? codes[i].label_en : codes[i].label_da};
        codes = mw_codes_list(MW_CL_AGE_BAND, &nc);
        for (i = 0; i < nc && i < 5; i++)
                items[n++] =
                    (struct prof){L_AGE, (enum mw_rcol)(MW_RC_AGE_FIRST + i),
                                  en ? codes[i].label_en : codes[i].label_da};
        codes = mw_codes_list(MW_CL_BENEFIT, &nc);
        for (i = 0; i < nc && i < 5; i++)
                items[n++] = (struct prof){
                    L_BENEFIT, (enum mw_rcol)(MW_RC_BENEFIT_FIRST + i),
                    en ? codes[i].label_en : codes[i].label_da};
        items[n++] =
            (struct prof){L_PROBLEM, MW_RC_ONE_AREA, L(rep, L_ONE_AREA)};
        items[n++] =
            (struct prof){L_PROBLEM, MW_RC_MULTI_AREA, L(rep, L_MULTI_AREA)};
        items[n++] = (struct prof){L_PROBLEM, MW_RC_NO_AREA, L(rep, L_NO_AREA)};

        head[0] = "";
        head[1] = project ? L(rep, L_THE_PROJECT) : L(rep, L_NUMBER);
        head[2] = L(rep, L_SHARE_OF_ACTIVE);
        head[3] = L(rep, L_ALL_PROJECTS);
        head[4] = L(rep, L_SHARE_OF_ACTIVE);
        mw_rdoc_html(doc, "<div class=\"cols\"><div>\n");
        for (i = 0; i < n; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[5];

                if (i == 0 || items[i].group != items[i - 1].group) {
                        if (i)
                                mw_rdoc_table_end(doc, NULL);
                        head[0] = L(rep, items[i].group);
                        mw_rdoc_table(doc, NULL, NULL, head, project ? 5 : 3);
                }
                cell[0] = c_text(items[i].label);
                cell[1] = c_count(rep, &rt, c, row, items[i].col);
                cell[2] = c_pct(rep, &rt, c, row, items[i].col, MW_RC_ACTIVE);
                cell[3] = c_count(rep, &rt, c, rep->total, items[i].col);
                cell[4] =
                    c_pct(rep, &rt, c, rep->total, items[i].col, MW_RC_ACTIVE);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, L(rep, L_PROFILE_NOTE));
        mw_rdoc_html(doc, "</div><div>\n");
        for (i = 0; i < n; i++) {
                long p;

                bars[i].label = items[i].label;
                for (k = 0; k < 2; k++) {
                        size_t r = k == 0 && project ? row : rep->total;

                        p = pct_of(rep, c, r, items[i].col, MW_RC_ACTIVE);
                        bars[i].hidden[k] = p == -1;
                        bars[i].tenths[k] = p < 0 ? 0 : p;
                }
        }
        bar_names[0] = L(rep, L_THE_PROJECT);
        bar_names[1] = L(rep, L_ALL_PROJECTS);
        if (!doc->err)
                doc->err = mw_svg_bar_chart(&svg, L(rep, L_PROFILE_H), bars, n,
                                            project ? 2 : 1, bar_names, MARKER,
                                            rep->lang);
        mw_rdoc_html(doc, svg.data ? svg.data : "");
        mw_buf_release(&svg);
        mw_rdoc_html(doc, "</div></div>\n");
}

/* Contacts: per citizen and by channel (row beside all projects). */
static void
contacts(struct report *rep, struct mw_rdoc *doc, size_t row)
{
        static const enum mw_rratio main_ratios[3] = {
            MW_RR_CONTACTS_FIRST_MONTH, MW_RR_CONTACTS_LATER,
            MW_RR_PCT_SMS_EMAIL};
        static const enum label main_labels[3] = {
            L_CONTACTS_FIRST, L_CONTACTS_LATER, L_SMS_EMAIL};
        const struct mw_code *ch;
        size_t nch, i, c = rep->cutoff;
        int project = row != rep->total;
        const char *head[3];

        head[0] = L(rep, L_CONTACTS_SHORT);
        head[1] = project ? L(rep, L_THE_PROJECT) : L(rep, L_ALL_PROJECTS);
        head[2] = L(rep, L_ALL_PROJECTS);
        mw_rdoc_html(doc, "<div class=\"cols\"><div>\n");
        mw_rdoc_table(doc, NULL, NULL, head, project ? 3 : 2);
        for (i = 0; i < 3; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[3];

                cell[0] = c_text(L(rep, main_labels[i]));
                cell[1] = c_ratio(rep, &rt, c, row, main_ratios[i]);
                cell[2] = c_ratio(rep, &rt, c, rep->total, main_ratios[i]);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, NULL);
        mw_rdoc_html(doc, "</div><div>\n");
        ch = mw_codes_list(MW_CL_CHANNEL, &nch);
        head[0] = L(rep, L_CHANNEL);
        mw_rdoc_table(doc, NULL, NULL, head, project ? 3 : 2);
        for (i = 0; i < nch && i < 6; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[3];
                enum mw_rratio r =
                    (enum mw_rratio)(MW_RR_PCT_CHANNEL_FIRST + i);

                cell[0] = c_text(rep->lang == MW_LANG_DA ? ch[i].label_da
                                                         : ch[i].label_en);
                cell[1] = c_ratio(rep, &rt, c, row, r);
                cell[2] = c_ratio(rep, &rt, c, rep->total, r);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, L(rep, L_CHANNEL_NOTE));
        mw_rdoc_html(doc, "</div></div>\n");
}

/* ---- the overview
 * -------------------------------------------------------------- */

static void
card(const struct report *rep, struct mw_rdoc *doc, const struct mw_rcell *v,
     const char *label, const struct mw_rcell *change)
{
        mw_rdoc_html(doc, "<div class=\"card\"><div class=\"v\">");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, v->text);
        mw_rdoc_html(doc, "</div><div class=\"k\">");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, label);
        mw_rdoc_html(doc, "</div>");
        if (change) {
                mw_rdoc_html(doc, "<div class=\"d\">");
                if (!doc->err)
                        doc->err = mw_buf_html(&doc->html, change->text);
                mw_rdoc_html(doc, " ");
                if (!doc->err)
                        doc->err = mw_buf_html(&doc->html, L(rep, L_SINCE));
                if (!doc->err)
                        doc->err = mw_buf_html(&doc->html, rep->prev_text);
                mw_rdoc_html(doc, "</div>");
        }
        mw_rdoc_html(doc, "</div>\n");
}

/* Key figures of one row: the figure, (the cross-site average), the
 * previous cut-off, the change. */
static void
key_figures(struct report *rep, struct mw_rdoc *doc, size_t row)
{
        struct shr {
                enum label label;
                enum mw_rcol num, den;
        };
        static const struct shr shares[] = {
            {L_EXIT_RATE, MW_RC_EXITS_TOTAL, MW_RC_VISITED},
            {L_OVER4, MW_RC_OVER4, MW_RC_ACTIVE},
            {L_INTERVENTION, MW_RC_INTERVENTION, MW_RC_ACTIVE},
            {L_MENTOR, MW_RC_MENTOR, MW_RC_ACTIVE},
            {L_COMPANY, MW_RC_COMPANY, MW_RC_ACTIVE},
        };
        static const enum mw_rcol counts[3] = {MW_RC_VISITED, MW_RC_ACTIVE,
                                               MW_RC_EXITS_TOTAL};
        static const enum label count_labels[3] = {L_VISITED, L_ACTIVE,
                                                   L_EXITS};
        const struct mw_rrow *r = row_at(rep, rep->cutoff, row);
        int project = row != rep->total;
        size_t i, c = rep->cutoff, p = rep->prev, nc;
        char hd_now[64], hd_prev[64], hd_change[80];
        const char *head[5];

        snprintf(hd_now, sizeof(hd_now), "%s", rep->cut_text);
        snprintf(hd_prev, sizeof(hd_prev), "%s", rep->prev_text);
        snprintf(hd_change, sizeof(hd_change), "%s%s", L(rep, L_CHANGE_SINCE),
                 rep->prev_text);
        nc = 0;
        head[nc++] = L(rep, L_MEASURE);
        head[nc++] = project ? L(rep, L_THE_PROJECT) : hd_now;
        if (project)
                head[nc++] = L(rep, L_AVERAGE);
        head[nc++] = hd_prev;
        head[nc++] = hd_change;
        mw_rdoc_table(doc, "key", NULL, head, nc);
        for (i = 0; i < 3; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[5];
                size_t k = 0;

                cell[k++] = c_text(L(rep, count_labels[i]));
                cell[k++] = c_count(rep, &rt, c, row, counts[i]);
                if (project)
                        cell[k++] = c_average(rep, &rt, counts[i]);
                cell[k++] = c_count(rep, &rt, p, row, counts[i]);
                cell[k++] = counts[i] == MW_RC_ACTIVE
                                ? c_change_count(rep, &rt, row, counts[i])
                                : c_change_flow(rep, &rt, row,
                                                counts[i] == MW_RC_EXITS_TOTAL);
                mw_rdoc_row(doc, cell, 0);
                if (i == 0 && project &&
                    (r->expected >= 0 || r->expected_total >= 0)) {
                        struct rowtext rt2 = {.n = 0};
                        char *s;
                        int e;

                        for (e = 0; e < 2; e++) {
                                long t = e ? r->expected_total : r->expected;

                                if (t < 0)
                                        continue;
                                k = 0;
                                s = slot(&rt2);
                                mw_fmt_int(s, t, 0, rep->lang);
                                cell[k++] = c_text(
                                    L(rep, e ? L_EXPECTED_TOTAL : L_EXPECTED));
                                cell[k++] = (struct mw_rcell){s, MW_RCELL_NUM,
                                                              NULL, NULL};
                                cell[k++] = c_empty();
                                cell[k++] = c_empty();
                                cell[k++] = c_empty();
                                mw_rdoc_row(doc, cell, 0);
                        }
                }
        }
        for (i = 0; i < sizeof(shares) / sizeof(shares[0]); i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[5];
                long now = pct_of(rep, c, row, shares[i].num, shares[i].den);
                long before = pct_of(rep, p, row, shares[i].num, shares[i].den);
                size_t k = 0;

                cell[k++] = c_text(L(rep, shares[i].label));
                cell[k++] = c_pct_value(rep, &rt, now);
                if (project)
                        cell[k++] =
                            c_pct_value(rep, &rt,
                                        pct_of(rep, c, rep->total,
                                               shares[i].num, shares[i].den));
                cell[k++] = c_pct_value(rep, &rt, before);
                cell[k++] = c_change_pct(rep, &rt, before, now);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, project ? L(rep, L_AVERAGE_NOTE) : NULL);
}

static void
interventions(struct report *rep, struct mw_rdoc *doc)
{
        static const enum mw_rcol cols[5] = {
            MW_RC_INTERVENTION, MW_RC_NO_INTERVENTION, MW_RC_MENTOR,
            MW_RC_COMPANY, MW_RC_OVER4};
        static const enum label lab[5] = {L_INTERVENTION, L_NO_INTERVENTION,
                                          L_MENTOR, L_COMPANY, L_OVER4};
        const char *head[3];
        size_t i, c = rep->cutoff, t = rep->total;

        head[0] = "";
        head[1] = L(rep, L_NUMBER);
        head[2] = L(rep, L_SHARE_OF_ACTIVE);
        mw_rdoc_table(doc, NULL, NULL, head, 3);
        for (i = 0; i < 5; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[3];

                cell[0] = c_text(L(rep, lab[i]));
                cell[1] = c_count(rep, &rt, c, t, cols[i]);
                cell[2] = c_pct(rep, &rt, c, t, cols[i], MW_RC_ACTIVE);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, NULL);
}

static void
projects_table(struct report *rep, struct mw_rdoc *doc)
{
        const char *head[14];
        size_t r, c = rep->cutoff, k;

        k = 0;
        head[k++] = L(rep, L_PROJECT);
        head[k++] = L(rep, L_GROUP);
        head[k++] = L(rep, L_EXPECTED_SHORT);
        head[k++] = L(rep, L_VISITED);
        head[k++] = L(rep, L_ACTIVE);
        head[k++] = L(rep, L_EXITS_SHORT);
        head[k++] = L(rep, L_JOB);
        head[k++] = L(rep, L_FLEXJOB);
        head[k++] = L(rep, L_EDUCATION);
        head[k++] = L(rep, L_OTHER);
        head[k++] = L(rep, L_OVER4_SHORT);
        head[k++] = L(rep, L_INTERVENTION_SHORT);
        head[k++] = L(rep, L_MENTOR_SHORT);
        head[k++] = L(rep, L_COMPANY_SHORT);
        mw_rdoc_table(doc, "wide", NULL, head, k);
        for (r = 0; r < rep->n_rows; r++) {
                const struct mw_rrow *row = row_at(rep, c, r);
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[14];
                char slug[48], href[64], md_href[64];
                size_t i;

                k = 0;
                cell[k] = c_text(r == rep->total ? L(rep, L_TOTAL) : row->name);
                if (r != rep->total) {
                        const char *s = slug_of(row->project_id, slug);

                        snprintf(href, sizeof(href), "%s.html", s);
                        snprintf(md_href, sizeof(md_href), "%s.md", s);
                        cell[k].href = href;
                        cell[k].md_href = md_href;
                }
                k++;
                cell[k++] =
                    r == rep->total
                        ? c_text("")
                        : c_text(L(rep, strcmp(row->target_group, "youth") == 0
                                            ? L_YOUTH
                                            : L_ADULT));
                if (row->expected >= 0) {
                        char *s = slot(&rt);

                        mw_fmt_int(s, row->expected, 0, rep->lang);
                        cell[k++] =
                            (struct mw_rcell){s, MW_RCELL_NUM, NULL, NULL};
                } else {
                        cell[k++] = c_empty();
                }
                cell[k++] = c_count(rep, &rt, c, r, MW_RC_VISITED);
                cell[k++] = c_count(rep, &rt, c, r, MW_RC_ACTIVE);
                cell[k++] = c_count(rep, &rt, c, r, MW_RC_EXITS_TOTAL);
                for (i = 0; i < 4; i++)
                        cell[k++] =
                            c_count(rep, &rt, c, r,
                                    (enum mw_rcol)(MW_RC_EXITS_JOB + i));
                cell[k++] = c_pct(rep, &rt, c, r, MW_RC_OVER4, MW_RC_ACTIVE);
                cell[k++] =
                    c_pct(rep, &rt, c, r, MW_RC_INTERVENTION, MW_RC_ACTIVE);
                cell[k++] = c_pct(rep, &rt, c, r, MW_RC_MENTOR, MW_RC_ACTIVE);
                cell[k++] = c_pct(rep, &rt, c, r, MW_RC_COMPANY, MW_RC_ACTIVE);
                mw_rdoc_row(doc, cell, r == rep->total);
        }
        mw_rdoc_table_end(doc, NULL);
}

static void
overview(struct report *rep)
{
        struct mw_rdoc doc;
        struct rowtext rt = {.n = 0};
        struct mw_rcell v, d;
        char title[160], sub[200], kicker[96];
        size_t t = rep->total, c = rep->cutoff;

        mw_rdoc_init(&doc, L(rep, L_HIDDEN_TITLE));
        snprintf(title, sizeof(title), "%s %s", L(rep, L_TITLE), rep->cut_text);
        snprintf(kicker, sizeof(kicker), "%s", L(rep, L_PROGRAMME));
        snprintf(sub, sizeof(sub), "%s%s \xc2\xb7 %zu %s",
                 L(rep, L_STATUS_AS_OF), rep->cut_text, rep->n_rows - 1,
                 L(rep, L_PROJECTS_COUNT));
        page_start(rep, &doc, title, kicker, L(rep, L_TITLE), sub);

        mw_rdoc_heading(&doc, 2, "noegletal", L(rep, L_KEY_FIGURES));
        mw_rdoc_html(&doc, "<div class=\"cards\">\n");
        v = c_count(rep, &rt, c, t, MW_RC_VISITED);
        d = c_change_flow(rep, &rt, t, 0);
        card(rep, &doc, &v, L(rep, L_VISITED), &d);
        v = c_count(rep, &rt, c, t, MW_RC_ACTIVE);
        d = c_change_count(rep, &rt, t, MW_RC_ACTIVE);
        card(rep, &doc, &v, L(rep, L_ACTIVE), &d);
        v = c_count(rep, &rt, c, t, MW_RC_EXITS_TOTAL);
        d = c_change_flow(rep, &rt, t, 1);
        card(rep, &doc, &v, L(rep, L_EXITS), &d);
        v = c_pct(rep, &rt, c, t, MW_RC_INTERVENTION, MW_RC_ACTIVE);
        card(rep, &doc, &v, L(rep, L_INTERVENTION), NULL);
        mw_rdoc_html(&doc, "</div>\n");
        key_figures(rep, &doc, t);
        series_chart(rep, &doc, t, L(rep, L_OVER_TIME));

        mw_rdoc_heading(&doc, 2, "afgange", L(rep, L_EXIT_REASONS));
        exits_tables(rep, &doc, t);

        mw_rdoc_heading(&doc, 2, "indsatser", L(rep, L_INTERVENTIONS_H));
        interventions(rep, &doc);

        mw_rdoc_heading(&doc, 2, "kontakt", L(rep, L_CONTACTS_H));
        contacts(rep, &doc, t);

        mw_rdoc_html(&doc, "<div class=\"page2\"></div>\n");
        mw_rdoc_heading(&doc, 2, "profil", L(rep, L_PROFILE_H));
        profile(rep, &doc, t);

        mw_rdoc_heading(&doc, 2, "projekter", L(rep, L_PROJECTS_H));
        projects_table(rep, &doc);
        page_end(rep, &doc);
        if (!rep->err)
                rep->err = doc.err;
        add_file(rep, "index.html", &doc.html);
        add_file(rep, "status.md", &doc.md);
        mw_rdoc_release(&doc);
}

static void
project_page(struct report *rep, size_t row)
{
        const struct mw_rrow *r = row_at(rep, rep->cutoff, row);
        const struct mw_project *p = mw_project_find(r->project_id);
        struct mw_rdoc doc;
        char title[200], sub[300], kicker[160], name[64], slug[48], munis[160];
        const char *s = slug_of(r->project_id, slug);
        int i;

        mw_rdoc_init(&doc, L(rep, L_HIDDEN_TITLE));
        snprintf(title, sizeof(title), "%s \xc2\xb7 %s %s", r->name,
                 L(rep, L_TITLE), rep->cut_text);
        snprintf(kicker, sizeof(kicker), "%s \xc2\xb7 %s", L(rep, L_PROGRAMME),
                 L(rep, L_TITLE));
        munis[0] = '\0';
        for (i = 0; p && i < p->n_muni; i++) {
                size_t used = strlen(munis);

                snprintf(munis + used, sizeof(munis) - used, "%s%s",
                         i ? ", " : "", p->muni_name[i]);
        }
        snprintf(sub, sizeof(sub), "%s \xc2\xb7 %s%s%s%s \xc2\xb7 %s%s",
                 L(rep, strcmp(r->target_group, "youth") == 0
                            ? L_YOUTH_PROJECT
                            : L_ADULT_PROJECT),
                 munis[0] ? L(rep, L_MUNICIPALITY) : "", munis[0] ? ": " : "",
                 munis, "", L(rep, L_STATUS_AS_OF), rep->cut_text);
        page_start(rep, &doc, title, kicker, r->name, sub);
        mw_rdoc_html(&doc, "<nav class=\"back\"><a href=\"index.html\">");
        if (!doc.err)
                doc.err = mw_buf_html(&doc.html, L(rep, L_BACK));
        mw_rdoc_html(&doc, "</a></nav>\n");
        mw_rdoc_md(&doc, "[");
        mw_rdoc_md(&doc, L(rep, L_BACK));
        mw_rdoc_md(&doc, "](status.md)\n\n");

        mw_rdoc_heading(&doc, 2, "noegletal", L(rep, L_KEY_FIGURES));
        key_figures(rep, &doc, row);
        series_chart(rep, &doc, row, L(rep, L_OVER_TIME));
        mw_rdoc_heading(&doc, 2, "kontakt", L(rep, L_CONTACTS_H));
        contacts(rep, &doc, row);

        mw_rdoc_html(&doc, "<div class=\"page2\"></div>\n");
        mw_rdoc_heading(&doc, 2, "afgange", L(rep, L_EXIT_REASONS));
        exits_tables(rep, &doc, row);
        mw_rdoc_heading(&doc, 2, "profil", L(rep, L_PROFILE_H));
        profile(rep, &doc, row);
        page_end(rep, &doc);
        if (!rep->err)
                rep->err = doc.err;
        snprintf(name, sizeof(name), "%s.html", s);
        add_file(rep, name, &doc.html);
        snprintf(name, sizeof(name), "%s.md", s);
        add_file(rep, name, &doc.md);
        mw_rdoc_release(&doc);
}

/* ---- CSV
 * ------------------------------------------------------------------------- */

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

/* The status of one date, in the columns (and order) of
 * `midway-status --format csv` that the date carries, counts hidden as
 * "x"; percentages and ratios with a '.'; then the report's own
 * n_without_intervention. */
static void
status_csv(struct report *rep, size_t date, const char *name)
{
        static const enum mw_rcol pct_after[4] = {
            MW_RC_OVER4, MW_RC_INTERVENTION, MW_RC_MENTOR, MW_RC_COMPANY};
        static const char *const pct_names[4] = {
            "pct_active_over_4_months", "pct_at_least_one_intervention",
            "pct_mentor", "pct_company_oriented"};
        enum mw_rdate_kind kind = rep->dates[date].kind;
        int full = kind == MW_RD_FULL;
        struct mw_buf b = MW_BUF_INIT;
        mw_err_t err = MW_OK;
        char day[11], num[32];
        size_t r, c, k;
        long v;

        mw_date_format(rep->dates[date].date, day);
        csv_raw(&b, &err,
                "as_of,project_id,project_name,target_group,expected_target,"
                "expected_target_total");
        for (c = 0; c < MW_RC_N_STATUS; c++) {
                if (!mw_rtable_has(kind, (enum mw_rcol)c))
                        continue;
                csv_raw(&b, &err, ",");
                csv_raw(&b, &err, mw_rcol_name((enum mw_rcol)c));
                for (k = 0; k < 4; k++)
                        if (pct_after[k] == c) {
                                csv_raw(&b, &err, ",");
                                csv_raw(&b, &err, pct_names[k]);
                        }
                if (c == MW_RC_CONTACTS)
                        for (k = 0; k < 3; k++) {
                                csv_raw(&b, &err, ",");
                                csv_raw(&b, &err,
                                        mw_rratio_name((enum mw_rratio)k));
                        }
        }
        for (c = MW_RR_PCT_CHANNEL_FIRST; full && c < MW_RR_N; c++) {
                csv_raw(&b, &err, ",");
                csv_raw(&b, &err, mw_rratio_name((enum mw_rratio)c));
        }
        csv_raw(&b, &err, ",n_without_intervention\n");
        for (r = 0; r < rep->n_rows; r++) {
                const struct mw_rrow *row = row_at(rep, date, r);

                csv_raw(&b, &err, day);
                csv_raw(&b, &err, ",");
                if (row->project_id) {
                        snprintf(num, sizeof(num), "%d", row->project_id);
                        csv_raw(&b, &err, num);
                }
                csv_raw(&b, &err, ",");
                csv_put(&b, &err, row->name);
                csv_raw(&b, &err, ",");
                csv_put(&b, &err, row->target_group);
                csv_raw(&b, &err, ",");
                if (row->expected >= 0) {
                        snprintf(num, sizeof(num), "%ld", row->expected);
                        csv_raw(&b, &err, num);
                }
                csv_raw(&b, &err, ",");
                if (row->expected_total >= 0) {
                        snprintf(num, sizeof(num), "%ld", row->expected_total);
                        csv_raw(&b, &err, num);
                }
                for (c = 0; c < MW_RC_N_STATUS; c++) {
                        if (!mw_rtable_has(kind, (enum mw_rcol)c))
                                continue;
                        csv_raw(&b, &err, ",");
                        if (hidden(rep, date, r, (enum mw_rcol)c)) {
                                csv_raw(&b, &err, MARKER);
                        } else {
                                snprintf(num, sizeof(num), "%ld", row->n[c]);
                                csv_raw(&b, &err, num);
                        }
                        for (k = 0; k < 4; k++) {
                                if (pct_after[k] != c)
                                        continue;
                                v = pct_of(rep, date, r, pct_after[k],
                                           MW_RC_ACTIVE);
                                csv_raw(&b, &err, ",");
                                if (v == -1) {
                                        csv_raw(&b, &err, MARKER);
                                } else if (v >= 0) {
                                        mw_fmt_fixed(num, v, 1, 0, MW_LANG_EN);
                                        csv_raw(&b, &err, num);
                                }
                        }
                        for (k = 0; c == MW_RC_CONTACTS && k < 3; k++) {
                                v = ratio_of(rep, date, r, (enum mw_rratio)k);
                                csv_raw(&b, &err, ",");
                                if (v == -1) {
                                        csv_raw(&b, &err, MARKER);
                                } else if (v >= 0) {
                                        mw_fmt_fixed(num, v,
                                                     mw_rratio_decimals(
                                                         (enum mw_rratio)k),
                                                     0, MW_LANG_EN);
                                        csv_raw(&b, &err, num);
                                }
                        }
                }
                for (c = MW_RR_PCT_CHANNEL_FIRST; full && c < MW_RR_N; c++) {
                        v = ratio_of(rep, date, r, (enum mw_rratio)c);
                        csv_raw(&b, &err, ",");
                        if (v == -1) {
                                csv_raw(&b, &err, MARKER);
                        } else if (v >= 0) {
                                mw_fmt_fixed(num, v, 1, 0, MW_LANG_EN);
                                csv_raw(&b, &err, num);
                        }
                }
                csv_raw(&b, &err, ",");
                if (hidden(rep, date, r, MW_RC_NO_INTERVENTION)) {
                        csv_raw(&b, &err, MARKER);
                } else {
                        snprintf(num, sizeof(num), "%ld",
                                 row->n[MW_RC_NO_INTERVENTION]);
                        csv_raw(&b, &err, num);
                }
                csv_raw(&b, &err, "\n");
        }
        if (!rep->err)
                rep->err = err;
        add_file(rep, name, &b);
        mw_buf_release(&b);
}

static void
series_csv(struct report *rep)
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
                        const struct mw_rrow *row = row_at(rep, d, r);

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
                                if (hidden(rep, d, r, cols[k])) {
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
        add_file(rep, "series.csv", &b);
        mw_buf_release(&b);
}

/* ---- hashing
 * -------------------------------------------------------------------- */

static int
sha256_hex(const struct mw_buf *b, char out[65])
{
        unsigned char md[32];
        unsigned int len = 0, i;

        if (!EVP_Digest(b->data ? b->data : "", b->len, md, &len, EVP_sha256(),
                        NULL) ||
            len != 32)
                return -1;
        for (i = 0; i < 32; i++)
                snprintf(out + (size_t)2 * i, 3, "%02x", md[i]);
        return 0;
}

static int
cmp_files(const void *a, const void *b)
{
        return strcmp(((const struct file *)a)->name,
                      ((const struct file *)b)->name);
}

/* The data id: the first 12 hex digits of the SHA-256 of the CSV files. */
static int
data_id(struct report *rep)
{
        struct mw_buf all = MW_BUF_INIT;
        char hex[65];
        size_t i;
        int rc = 0;

        for (i = 0; i < rep->n_files && !rc; i++)
                if (mw_buf_append(&all, rep->files[i].buf.data,
                                  rep->files[i].buf.len))
                        rc = -1;
        if (!rc && sha256_hex(&all, hex))
                rc = -1;
        mw_buf_release(&all);
        if (!rc)
                snprintf(rep->data_id, sizeof(rep->data_id), "%.12s", hex);
        return rc;
}

static void
sums(struct report *rep)
{
        struct mw_buf b = MW_BUF_INIT;
        char hex[65];
        size_t i;

        qsort(rep->files, rep->n_files, sizeof(*rep->files), cmp_files);
        for (i = 0; i < rep->n_files && !rep->err; i++) {
                if (sha256_hex(&rep->files[i].buf, hex))
                        rep->err = MW_ERR_INVALID;
                else
                        rep->err = mw_buf_appendf(&b, "%s  %s\n", hex,
                                                  rep->files[i].name);
        }
        add_file(rep, "SHA256SUMS", &b);
        mw_buf_release(&b);
}

/* ---- writing
 * ---------------------------------------------------------------------- */

static int
write_file(int dirfd, const struct file *f)
{
        const char *p = f->buf.data ? f->buf.data : "";
        size_t left = f->buf.len;
        int fd = openat(dirfd, f->name, O_WRONLY | O_CREAT | O_EXCL, 0644);

        if (fd < 0)
                return -1;
        while (left) {
                ssize_t w = write(fd, p, left);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0) {
                        close(fd);
                        return -1;
                }
                p += w;
                left -= (size_t)w;
        }
        if (fsync(fd)) {
                close(fd);
                return -1;
        }
        return close(fd);
}

/* Removes the files of a report directory, then the directory. A
 * subdirectory (not ours) stops it. */
static int
remove_report_dir(const char *path)
{
        DIR *dir = opendir(path);
        struct dirent *e;
        int dfd, rc = 0;

        if (!dir)
                return errno == ENOENT ? 0 : -1;
        dfd = dirfd(dir);
        while ((e = readdir(dir)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                if (unlinkat(dfd, e->d_name, 0))
                        rc = -1;
        }
        closedir(dir);
        if (rc == 0 && rmdir(path))
                rc = -1;
        return rc;
}

/* An existing output directory may be replaced if it is empty or holds
 * an earlier report (SHA256SUMS). */
static int
replaceable(const char *path)
{
        char sums_path[4096];
        DIR *dir;
        struct dirent *e;
        int empty = 1;

        snprintf(sums_path, sizeof(sums_path), "%s/SHA256SUMS", path);
        if (access(sums_path, F_OK) == 0)
                return 1;
        dir = opendir(path);
        if (!dir)
                return 0;
        while ((e = readdir(dir)) != NULL)
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                        empty = 0;
        closedir(dir);
        return empty;
}

static mw_err_t
publish(struct report *rep, char *errstr, size_t errstr_size)
{
        const char *out = rep->opts->out;
        char tmp[4096], old[4096];
        struct stat st;
        int dfd = -1;
        size_t i;
        mw_err_t err = MW_OK;

        if (strlen(out) > sizeof(tmp) - 32)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "--out: path too long");
        if (stat(out, &st) == 0 && (!S_ISDIR(st.st_mode) || !replaceable(out)))
                return mw_errf(errstr, errstr_size, MW_ERR_IO,
                               "%s exists and is not an earlier report "
                               "(no SHA256SUMS); not replacing it",
                               out);
        snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", out);
        if (!mkdtemp(tmp))
                return mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s", tmp,
                               strerror(errno));
        if (chmod(tmp, 0755) || (dfd = open(tmp, O_RDONLY | O_DIRECTORY)) < 0)
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s", tmp,
                              strerror(errno));
        for (i = 0; !err && i < rep->n_files; i++)
                if (write_file(dfd, &rep->files[i]))
                        err =
                            mw_errf(errstr, errstr_size, MW_ERR_IO, "%s/%s: %s",
                                    tmp, rep->files[i].name, strerror(errno));
        if (!err && fsync(dfd))
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s", tmp,
                              strerror(errno));
        if (dfd >= 0)
                close(dfd);
        if (!err && stop)
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "interrupted");
        if (err) {
                remove_report_dir(tmp);
                return err;
        }
        if (stat(out, &st) != 0) {
                if (rename(tmp, out) == 0)
                        return MW_OK;
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "rename %s: %s",
                              out, strerror(errno));
                remove_report_dir(tmp);
                return err;
        }
        /* swap atomically; the old report ends up in tmp */
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_EXCHANGE) == 0) {
                if (remove_report_dir(tmp))
                        mw_log_warn("could not remove the old report in %s",
                                    tmp);
                return MW_OK;
        }
        if (errno != EINVAL && errno != ENOSYS) {
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "rename %s: %s",
                              out, strerror(errno));
                remove_report_dir(tmp);
                return err;
        }
        /* no RENAME_EXCHANGE on this file system: two renames */
        snprintf(old, sizeof(old), "%s.old-XXXXXX", out);
        if (!mkdtemp(old) || rmdir(old) || rename(out, old) ||
            rename(tmp, out)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "replace %s: %s",
                              out, strerror(errno));
                remove_report_dir(tmp);
                return err;
        }
        remove_report_dir(old);
        return MW_OK;
}

/* ---- main
 * ---------------------------------------------------------------------------
 */

static long
ms_since(const struct timespec *t0)
{
        struct timespec t1;

        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (long)(t1.tv_sec - t0->tv_sec) * 1000 +
               (long)(t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
report_release(struct report *rep)
{
        size_t i;

        mw_rtable_release(&rep->table);
        for (i = 0; rep->dates && i < rep->n_dates; i++)
                free(rep->dates[i].rows);
        free(rep->dates);
        for (i = 0; i < rep->n_files; i++)
                mw_buf_release(&rep->files[i].buf);
        free(rep->files);
}

static mw_err_t
render(struct report *rep)
{
        size_t r;

        status_csv(rep, rep->cutoff, "status.csv");
        status_csv(rep, rep->prev, "status-previous.csv");
        series_csv(rep);
        if (!rep->err && data_id(rep))
                rep->err = MW_ERR_INVALID;
        overview(rep);
        for (r = 0; r < rep->total && !rep->err; r++)
                project_page(rep, r);
        sums(rep);
        return rep->err;
}

static int
run(const struct opts *opts, const struct mw_conf *conf)
{
        struct report rep;
        struct mw_dc_stats st;
        struct timespec t0;
        char errstr[1024], day[11];
        mw_err_t err;
        size_t n_exposed = 0;
        long ms_fetch, ms_dc;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        memset(&rep, 0, sizeof(rep));
        rep.opts = opts;
        rep.lang = opts->lang;
        mw_date_format(opts->as_of, day);
        err = plan_dates(&rep, errstr, sizeof(errstr));
        if (!err) {
                mw_log_info("report: as_of=%s out=%s lang=%s threshold=%d "
                            "dates=%zu jobs=%d",
                            day, opts->out,
                            opts->lang == MW_LANG_DA ? "da" : "en",
                            opts->threshold, rep.n_dates, opts->jobs);
                err = fetch(&rep, conf, errstr, sizeof(errstr));
        }
        ms_fetch = ms_since(&t0);
        if (!err) {
                mw_log_info("fetched: %zu dates x %zu rows in %ld ms",
                            rep.n_dates, rep.dates ? rep.dates[0].n_rows : 0,
                            ms_fetch);
                err = mw_rtable_build(&rep.table, rep.dates, rep.n_dates,
                                      rep.prev, rep.cutoff, opts->threshold,
                                      errstr, sizeof(errstr));
        }
        if (!err)
                err = mw_dc_protect(rep.table.dc, errstr, sizeof(errstr));
        /* fail closed: the verifier must agree before anything is written */
        if (!err)
                err = mw_dc_verify(rep.table.dc, NULL, 0, &n_exposed, errstr,
                                   sizeof(errstr));
        if (!err && n_exposed)
                err = mw_errf(errstr, sizeof(errstr), MW_ERR_INVALID,
                              "disclosure control: %zu hidden cells can be "
                              "worked out; nothing written",
                              n_exposed);
        if (!err) {
                mw_dc_get_stats(rep.table.dc, &st);
                ms_dc = ms_since(&t0) - ms_fetch;
                mw_log_info("disclosure control: %zu cells, %zu relations, "
                            "%zu primary, %zu secondary (%zu by the audit, "
                            "%zu released); verified: no hidden cell can be "
                            "worked out; in %ld ms",
                            st.cells, st.relations, st.primary, st.secondary,
                            st.audit_added, st.released, ms_dc);
                rep.n_rows = rep.dates[0].n_rows;
                rep.total = rep.n_rows - 1;
                mw_fmt_date(rep.cut_text, rep.dates[rep.cutoff].date, rep.lang);
                mw_fmt_date(rep.prev_text, rep.dates[rep.prev].date, rep.lang);
                if (render(&rep))
                        err = mw_errf(errstr, sizeof(errstr), rep.err,
                                      "rendering failed: %s",
                                      mw_err_name(rep.err));
        }
        if (!err)
                err = publish(&rep, errstr, sizeof(errstr));
        if (err)
                mw_log_error("report failed: %s", errstr);
        else
                mw_log_info("written: %s (%zu files, data id %s) in %ld ms",
                            opts->out, rep.n_files, rep.data_id, ms_since(&t0));
        report_release(&rep);
        return err ? 1 : 0;
}

int
main(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"as-of", required_argument, NULL, 'a'},
            {"out", required_argument, NULL, 'O'},
            {"lang", required_argument, NULL, 'l'},
            {"threshold", required_argument, NULL, 't'},
            {"previous", required_argument, NULL, 'P'},
            {"jobs", required_argument, NULL, 'j'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        struct opts opts = {mw_date_cutoff(),        -1, NULL, MW_LANG_DA,
                            MW_DC_DEFAULT_THRESHOLD, 2};
        struct mw_conf conf;
        char errstr[512];
        int opt, verbosity = MW_LOG_INFO, rc;
        mw_err_t err = MW_OK;

        mw_log_set_cb(mw_log_stderr_cb, PROG);
        if (mw_conf_init(&conf) ||
            mw_conf_load_env(&conf, errstr, sizeof(errstr)))
                goto usage_error;
        while ((opt = getopt_long(argc, argv, MW_CONF_FLAGS "a:O:l:t:P:j:vqh",
                                  longopts, NULL)) != -1) {
                switch (opt) {
                case 'a':
                        err = mw_date_parse(optarg, &opts.as_of, errstr,
                                            sizeof(errstr));
                        break;
                case 'P':
                        err = mw_date_parse(optarg, &opts.prev, errstr,
                                            sizeof(errstr));
                        break;
                case 'O':
                        opts.out = optarg;
                        break;
                case 'l':
                        if (strcmp(optarg, "da") == 0)
                                opts.lang = MW_LANG_DA;
                        else if (strcmp(optarg, "en") == 0)
                                opts.lang = MW_LANG_EN;
                        else
                                err =
                                    mw_errf(errstr, sizeof(errstr),
                                            MW_ERR_INVALID, "--lang: da or en");
                        break;
                case 't':
                        if (parse_int_arg(optarg, 1, MW_DC_MAX_THRESHOLD,
                                          &opts.threshold))
                                err = mw_errf(
                                    errstr, sizeof(errstr), MW_ERR_INVALID,
                                    "--threshold: 1..%d", MW_DC_MAX_THRESHOLD);
                        break;
                case 'j':
                        if (parse_int_arg(optarg, 1, MAX_JOBS, &opts.jobs))
                                err = mw_errf(errstr, sizeof(errstr),
                                              MW_ERR_INVALID, "--jobs: 1..%d",
                                              MAX_JOBS);
                        break;
                case 'v':
                        verbosity = MW_LOG_DEBUG;
                        break;
                case 'q':
                        verbosity = MW_LOG_WARN;
                        break;
                case 'h':
                        usage(stdout);
                        mw_conf_release(&conf);
                        return 0;
                default:
                        err = mw_conf_flag(&conf, opt, optarg, errstr,
                                           sizeof(errstr));
                        if (err == MW_ERR_NOTFOUND) {
                                usage(stderr);
                                mw_conf_release(&conf);
                                return EXIT_USAGE;
                        }
                }
                if (err)
                        goto usage_error;
        }
        if (optind != argc) {
                snprintf(errstr, sizeof(errstr), "unexpected argument");
                goto usage_error;
        }
        if (!opts.out || !*opts.out) {
                snprintf(errstr, sizeof(errstr), "--out DIR is required");
                goto usage_error;
        }
        if (opts.prev >= 0 && opts.prev >= opts.as_of) {
                snprintf(errstr, sizeof(errstr),
                         "--previous must be before --as-of");
                goto usage_error;
        }
        mw_log_set_level((enum mw_log_level)verbosity);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        rc = run(&opts, &conf);
        mw_conf_release(&conf);
        return rc;
usage_error:
        mw_log_error("%s (see --help)", errstr);
        mw_conf_release(&conf);
        return EXIT_USAGE;
}
