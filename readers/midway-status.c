/* midway-status: the cross-site midway status for a cut-off date, for
 * evaluators. One row per project plus a total row, from
 * status.project_status() (docs/status.md defines every column and its
 * denominator), or with --quality the data quality of the registrations
 * from status.data_quality() (docs/status.md, "Data quality"); with
 * --assess FILE it stores the evaluator's assessments of the projects
 * instead (docs/report.md, "Assessments"). Exact
 * counts: this is an internal tool for authorised evaluators; disclosure
 * control applies to published reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/buf.h"
#include "midway/cli.h"
#include "midway/conf.h"
#include "midway/cpr.h"
#include "midway/csv.h"
#include "midway/date.h"
#include "midway/log.h"
#include "midway/pg.h"
#include "midway/projects.h"

#define PROG "midway-status"

enum format { FMT_TABLE, FMT_CSV, FMT_JSON };

/* A column of the table format. */
struct col {
        const char *column;
        const char *title;
};

/* The status: the report's key figures. */
static const struct col status_cols[] = {
    {"project_name", "project"},
    {"target_group", "group"},
    {"visited", "visited"},
    {"expected_target", "expected"},
    {"active", "active"},
    {"exits_total", "exits"},
    {"exits_job", "job"},
    {"exits_flexjob", "flexjob"},
    {"exits_education", "educ."},
    {"exits_other", "other"},
    {"active_over_4_months", ">4 mo."},
    {"pct_at_least_one_intervention", "% interv."},
    {"pct_mentor", "% mentor"},
    {"pct_company_oriented", "% company"},
    {NULL, NULL}};

/* The data quality (--quality). */
static const struct col quality_cols[] = {
    {"project_name", "project"},
    {"citizens", "citizens"},
    {"without_intake", "no intake"},
    {"contacts", "contacts"},
    {"contacts_before_intake", "before intake"},
    {"contacts_without_intake", "w/o intake"},
    {"registrations", "registrations"},
    {"lag_median_days", "lag median"},
    {"lag_p90_days", "lag p90"},
    {"lag_max_days", "lag max"},
    {"registered_after_30_days", "> 30 days"},
    {"dead_letters", "dead letters"},
    {NULL, NULL}};

/* The appendices (--appendix): one row per project, figure and the
 * total row. */
static const struct col appendix_cols[] = {{"project_name", "project"},
                                           {"appendix", "appendix"},
                                           {"measure", "figure"},
                                           {"n", "n"},
                                           {"base", "base"},
                                           {"value", "value"},
                                           {"prev_value", "previous"},
                                           {"change_pp", "change pp"},
                                           {NULL, NULL}};

/* What is printed: the status, the data quality or an appendix. */
struct view {
        const char *title; /* of the table format */
        const char *sql;   /* $1 the cut-off, $2 the project or NULL; the
                              appendix also $3 the previous cut-off or
                              NULL, $4 which appendix or NULL (all) */
        const struct col *cols;
        int n_params;
};

static const struct view status_view = {
    "Midway status",
    "SELECT * FROM status.project_status($1::date) "
    "WHERE $2::int IS NULL OR project_id = $2::int",
    status_cols, 2};

static const struct view quality_view = {
    "Data quality of the registrations",
    "SELECT * FROM status.data_quality($1::date) "
    "WHERE $2::int IS NULL OR project_id = $2::int",
    quality_cols, 2};

/* The previous cut-off defaults to three months before the cut-off, as in
 * midway-report. */
static const struct view appendix_view = {
    "Appendices of the midway status",
    "SELECT * FROM status.appendix($1::date, "
    "coalesce($3::date, ($1::date - interval '3 months')::date)) "
    "WHERE ($2::int IS NULL OR project_id = $2::int) "
    "AND ($4::text IS NULL OR appendix = $4::text)",
    appendix_cols, 4};

/* Display width of UTF-8 text (code points; the names are Latin). */
static int
width(const char *s)
{
        int w = 0;

        for (; *s; s++)
                if (((unsigned char)*s & 0xC0) != 0x80)
                        w++;
        return w;
}

static int
is_numeric_type(Oid type)
{
        /* int2, int4, int8, numeric, float4, float8 */
        return type == 21 || type == 23 || type == 20 || type == 1700 ||
               type == 700 || type == 701;
}

static void
print_csv_field(const char *s)
{
        const char *p;

        if (strpbrk(s, ",\"\n\r") == NULL) {
                fputs(s, stdout);
                return;
        }
        putchar('"');
        for (p = s; *p; p++) {
                if (*p == '"')
                        putchar('"');
                putchar(*p);
        }
        putchar('"');
}

static void
print_csv(PGresult *res)
{
        int r, f, nf = PQnfields(res);

        for (f = 0; f < nf; f++)
                printf("%s%s", f ? "," : "", PQfname(res, f));
        putchar('\n');
        for (r = 0; r < PQntuples(res); r++) {
                for (f = 0; f < nf; f++) {
                        if (f)
                                putchar(',');
                        if (!PQgetisnull(res, r, f))
                                print_csv_field(PQgetvalue(res, r, f));
                }
                putchar('\n');
        }
}

static int
print_json(PGresult *res, const char *as_of)
{
        struct mw_buf b = MW_BUF_INIT;
        int r, f, nf = PQnfields(res);
        mw_err_t err;

        err = mw_buf_appendf(&b, "{\"as_of\":\"%s\",\"projects\":[", as_of);
        for (r = 0; !err && r < PQntuples(res); r++) {
                err = mw_buf_append(&b, r ? ",{" : "{", r ? 2 : 1);
                for (f = 0; !err && f < nf; f++) {
                        if (f)
                                err = mw_buf_append(&b, ",", 1);
                        if (!err)
                                err =
                                    mw_buf_append_json_str(&b, PQfname(res, f));
                        if (!err)
                                err = mw_buf_append(&b, ":", 1);
                        if (err)
                                break;
                        if (PQgetisnull(res, r, f))
                                err = mw_buf_append(&b, "null", 4);
                        else if (is_numeric_type(PQftype(res, f)))
                                err = mw_buf_appendf(&b, "%s",
                                                     PQgetvalue(res, r, f));
                        else
                                err = mw_buf_append_json_str(
                                    &b, PQgetvalue(res, r, f));
                }
                if (!err)
                        err = mw_buf_append(&b, "}", 1);
        }
        if (!err)
                err = mw_buf_append(&b, "]}\n", 3);
        if (!err)
                fputs(b.data, stdout);
        mw_buf_release(&b);
        return err ? -1 : 0;
}

/* Text left-aligned, numbers right-aligned, two spaces between columns. */
static void
print_cell(const char *v, int w, int left, int last)
{
        int pad = w - width(v);

        if (left)
                printf("%s%*s", v, pad, "");
        else
                printf("%*s%s", pad, "", v);
        fputs(last ? "\n" : "  ", stdout);
}

static int
print_table(PGresult *res, const char *as_of, const struct view *v)
{
        int col[16], w[16], left[16];
        size_t c, n;
        int r, pad;

        for (n = 0; v->cols[n].column && n < 16; n++) {
                col[n] = PQfnumber(res, v->cols[n].column);
                if (col[n] < 0) {
                        mw_log_error("the result has no column %s",
                                     v->cols[n].column);
                        return -1;
                }
                /* text left-aligned, numbers right-aligned */
                left[n] = !is_numeric_type(PQftype(res, col[n]));
                w[n] = width(v->cols[n].title);
                for (r = 0; r < PQntuples(res); r++)
                        if (width(PQgetvalue(res, r, col[n])) > w[n])
                                w[n] = width(PQgetvalue(res, r, col[n]));
        }
        printf("%s as of %s\n\n", v->title, as_of);
        for (c = 0; c < n; c++)
                print_cell(v->cols[c].title, w[c], left[c], c + 1 == n);
        for (c = 0; c < n; c++)
                for (pad = 0; pad < w[c] + (c + 1 < n ? 2 : 0); pad++)
                        putchar(pad < w[c] ? '-' : ' ');
        putchar('\n');
        for (r = 0; r < PQntuples(res); r++)
                for (c = 0; c < n; c++)
                        print_cell(PQgetvalue(res, r, col[c]), w[c], left[c],
                                   c + 1 == n);
        return 0;
}

static const struct mw_cli_opt opts[] = {
    {'a', "as-of", "DATE",
     "cut-off date (default: the first of this month,\nthe latest an "
     "evaluator may ask for)"},
    {'f', "format", "FMT", "table (default), csv or json"},
    {'p', "project", "ID", "only this project, by id or slug (and no total)"},
    {'A', "assess", "FILE",
     "store the assessments in FILE (project;as_of;item;\nlevel;text) "
     "instead; exit 3 if rows were\nrejected (docs/report.md)"},
    {'B', "appendix", "WHICH",
     "the figures of an appendix instead: 1 to 5,\ninterventions (the "
     "project page's) or all\n(docs/status.md, \"Appendices\")"},
    {'P', "previous", "DATE",
     "--appendix: the previous cut-off of Bilag 2's\nchanges (default: "
     "three months before --as-of)"},
    {'Q', "quality", NULL,
     "the data quality of the registrations instead:\nintakes missing, "
     "contacts before intake, registration\nlag, dead letters "
     "(docs/status.md)"},
    {0, NULL, NULL, NULL}};

static const struct mw_cli cli = {
    PROG,
    "[--as-of YYYY-MM-DD] [OPTION]...",
    "Print the midway status of every project and the total, as of a cut-off "
    "date.",
    opts,
    MW_CLI_PG | MW_CLI_FILE | MW_CLI_PROPS,
    0,
    "The CSV and JSON carry every column of docs/status.md; percentages have "
    "one\ndecimal place.",
    "0 done, 1 failure, 2 usage error, 3 --assess: rows were rejected (the "
    "others\nstored)"};

struct args {
        int32_t days;
        enum format fmt;
        const struct view *view;
        const char *assess;  /* --assess FILE */
        const char *project; /* NULL: all */
        char project_id[16];
        const char *appendix; /* --appendix: NULL all */
        int32_t prev;         /* --previous; -1: the default */
};

static mw_err_t
on_opt(void *arg, int key, const char *value, char *errstr, size_t errstr_size)
{
        struct args *a = arg;
        const struct mw_project *pr;
        mw_err_t err;

        switch (key) {
        case 'a':
                return mw_date_parse(value, &a->days, errstr, errstr_size);
        case 'Q':
                a->view = &quality_view;
                return MW_OK;
        case 'A':
                a->assess = value;
                return MW_OK;
        case 'B':
                a->view = &appendix_view;
                a->appendix = strcmp(value, "all") == 0 ? NULL : value;
                if (a->appendix && !strchr("12345", value[0]) &&
                    strcmp(value, "interventions") != 0)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "--appendix: 1 to 5, interventions "
                                       "or all");
                if (a->appendix && strchr("12345", value[0]) && value[1])
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "--appendix: 1 to 5, interventions "
                                       "or all");
                return MW_OK;
        case 'P':
                return mw_date_parse(value, &a->prev, errstr, errstr_size);
        case 'f':
                if (strcmp(value, "table") == 0)
                        a->fmt = FMT_TABLE;
                else if (strcmp(value, "csv") == 0)
                        a->fmt = FMT_CSV;
                else if (strcmp(value, "json") == 0)
                        a->fmt = FMT_JSON;
                else
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "--format: table, csv or json");
                return MW_OK;
        default: /* 'p': an id, or a slug of the built-in project list */
                if ((err = mw_project_arg(value, &pr, errstr, errstr_size)))
                        return err;
                snprintf(a->project_id, sizeof(a->project_id), "%d", pr->id);
                a->project = a->project_id;
                return MW_OK;
        }
}

/* ---- --assess FILE ------------------------------------------------- */

static const char *const assess_items[] = {"requirement_1", "requirement_2",
                                           "requirement_3", "requirement_4",
                                           "focus_so_far",  "focus_ahead"};

/* Checks one row (project;as_of;item;level;text) as the table and the
 * publication want it; fills vals (project id in pid) or errstr. The text
 * is never quoted in a message: it may hold what it must not. */
static mw_err_t
assess_row(char **f, size_t n, char pid[16], char *errstr, size_t errstr_size)
{
        const struct mw_project *pr;
        int32_t day;
        size_t i;
        int requirement = -1;

        if (n != 5)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%zu fields, expected 5 (project;as_of;item;"
                               "level;text)",
                               n);
        if (mw_project_arg(f[0], &pr, errstr, errstr_size))
                return MW_ERR_INVALID;
        snprintf(pid, 16, "%d", pr->id);
        if (mw_date_parse(f[1], &day, errstr, errstr_size))
                return MW_ERR_INVALID;
        if (day < MW_PROGRAMME_START || day > mw_date_today())
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "as_of %s is not between 2014-10-01 and today",
                               f[1]);
        for (i = 0; i < sizeof(assess_items) / sizeof(assess_items[0]); i++)
                if (strcmp(f[2], assess_items[i]) == 0)
                        requirement = i < 4;
        if (requirement < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "item is not requirement_1..4, focus_so_far "
                               "or focus_ahead");
        if (requirement !=
                (strcmp(f[3], "met") == 0 || strcmp(f[3], "partly_met") == 0 ||
                 strcmp(f[3], "not_met") == 0) ||
            (!requirement && f[3][0]))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               requirement
                                   ? "level is not met, partly_met or not_met"
                                   : "a focus area has no level");
        if (f[4][0] == '\0' || strlen(f[4]) > 2000)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "text is empty or longer than 2000 bytes");
        for (i = 0; f[4][i]; i++)
                if ((unsigned char)f[4][i] < 0x20)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "text has a control character");
        if (mw_cpr_find(f[4], strlen(f[4])))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "text holds what looks like a CPR number: "
                               "assessments are published");
        return MW_OK;
}

/* Stores the good rows of path in one transaction; rejects the others
 * with file:line and the reason. */
static int
assess(PGconn *pg, const char *path)
{
        char *line = NULL, *f[MW_CSV_MAX_FIELDS], errstr[512], pid[16];
        const char *vals[5];
        size_t cap = 0, n, len;
        long lineno = 0, stored = 0, rejected = 0;
        ssize_t got;
        PGresult *res;
        FILE *fp;
        int rc = MW_EXIT_FAILURE;

        fp = fopen(path, "r");
        if (!fp) {
                mw_log_error("%s: %s", path, strerror(errno));
                return MW_EXIT_FAILURE;
        }
        PQclear(PQexec(pg, "BEGIN"));
        while ((got = getline(&line, &cap, fp)) > 0) {
                len = (size_t)got;
                lineno++;
                while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        line[--len] = '\0';
                if (lineno == 1) {
                        mw_csv_strip_bom(line, &len);
                        if (strncmp(line, "project;", 8) == 0)
                                continue; /* the header */
                }
                if (len == 0)
                        continue;
                if (mw_csv_split(line, len, ';', f, MW_CSV_MAX_FIELDS, &n,
                                 errstr, sizeof(errstr)) ||
                    assess_row(f, n, pid, errstr, sizeof(errstr))) {
                        mw_log_warn("%s:%ld: rejected: %s", path, lineno,
                                    errstr);
                        rejected++;
                        continue;
                }
                vals[0] = pid;
                vals[1] = f[1];
                vals[2] = f[2];
                vals[3] = f[3][0] ? f[3] : NULL;
                vals[4] = f[4];
                res = PQexecParams(
                    pg,
                    "INSERT INTO status.assessment (project_id, as_of, item, "
                    "level, text) VALUES ($1, $2, $3, $4, $5)",
                    5, NULL, vals, NULL, NULL, 0);
                if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                        mw_log_error(
                            "%s:%ld: %s", path, lineno,
                            PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
                        PQclear(res);
                        goto out;
                }
                PQclear(res);
                stored++;
        }
        res = PQexec(pg, "COMMIT");
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
                mw_log_info("%s: %ld assessment(s) stored, %ld rejected", path,
                            stored, rejected);
                rc = rejected ? MW_EXIT_REJECTS : MW_EXIT_OK;
        } else {
                mw_log_error("%s: %s", path, PQerrorMessage(pg));
        }
        PQclear(res);
out:
        if (rc == MW_EXIT_FAILURE)
                PQclear(PQexec(pg, "ROLLBACK"));
        free(line);
        fclose(fp);
        return rc;
}

int
main(int argc, char **argv)
{
        struct args args = {mw_date_cutoff(),
                            FMT_TABLE,
                            &status_view,
                            NULL,
                            NULL,
                            "",
                            NULL,
                            -1};
        struct mw_conf conf;
        char errstr[512], as_of[11], prev[11];
        const char *vals[4];
        PGconn *pg = NULL;
        PGresult *res = NULL;
        enum mw_cli_rc cli_rc;
        int first = 0, rc = MW_EXIT_FAILURE;

        cli_rc = mw_cli_start(&cli, argc, argv, &conf, on_opt, &args, 0, 0,
                              &first, errstr, sizeof(errstr));
        if (cli_rc != MW_CLI_RUN) {
                mw_conf_release(&conf);
                return mw_cli_exit(&cli, cli_rc, errstr, stdout, stderr);
        }
        mw_date_format(args.days, as_of);
        pg = mw_pg_connect(conf.pg_conninfo, PROG, errstr, sizeof(errstr));
        if (!pg) {
                mw_log_error("%s", errstr);
                goto out;
        }
        if (args.assess) {
                rc = assess(pg, args.assess);
                goto out;
        }
        vals[0] = as_of;
        vals[1] = args.project;
        vals[2] = NULL;
        if (args.prev >= 0) {
                mw_date_format(args.prev, prev);
                vals[2] = prev;
        }
        vals[3] = args.appendix;
        res = PQexecParams(pg, args.view->sql, args.view->n_params, NULL, vals,
                           NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
                const char *msg =
                    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
                const char *hint =
                    PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

                /* a date the role may not ask for (migration 0007): the
                 * rule and what to do, on one line */
                if (state && strcmp(state, "42501") == 0 && msg && hint)
                        mw_log_error("status: %s; %s", msg, hint);
                else
                        mw_log_error("status: %s", PQerrorMessage(pg));
                goto out;
        }
        if (args.project && PQntuples(res) == 0) {
                mw_log_error("no project %s", args.project);
                goto out;
        }
        if (args.fmt == FMT_CSV)
                print_csv(res);
        else if (args.fmt == FMT_JSON ? print_json(res, as_of) != 0
                                      : print_table(res, as_of, args.view) != 0)
                goto out;
        rc = fflush(stdout) == 0 ? MW_EXIT_OK : MW_EXIT_FAILURE;
out:
        PQclear(res);
        if (pg)
                PQfinish(pg);
        mw_conf_release(&conf);
        return rc;
}
