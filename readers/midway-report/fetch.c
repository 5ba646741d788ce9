/* midway-report: reading the status (report.h). Only
 * status.project_status(), status.project_series(), status.data_quality(),
 * status.appendix() and the assessments, so the report runs as a member
 * of midway_evaluator. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "midway/date.h"
#include "midway/pg.h"
#include "appendix.h"
#include "report.h"

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

/* The registration-level columns of status.data_quality(), in the order
 * of struct dq_row's longs (the stages from dead_letters_by_stage). The
 * counts of citizens (citizens, without_intake) are not read. */
static const char quality_sql[] =
    "SELECT project_id, project_name, contacts, contacts_before_intake, "
    "contacts_without_intake, registrations, lag_median_days, lag_p90_days, "
    "lag_max_days, registered_after_30_days, dead_letters, "
    "coalesce((dead_letters_by_stage->>'decode')::int, 0), "
    "coalesce((dead_letters_by_stage->>'schema')::int, 0), "
    "coalesce((dead_letters_by_stage->>'privacy')::int, 0), "
    "coalesce((dead_letters_by_stage->>'validate')::int, 0), "
    "coalesce((dead_letters_by_stage->>'bind')::int, 0), "
    "coalesce((dead_letters_by_stage->>'store')::int, 0) "
    "FROM status.data_quality($1::date)";
#define QUALITY_LONGS (9 + DQ_STAGES)

/* Fills one dq_row from row r of res (quality_sql's columns). */
static mw_err_t
parse_quality_row(PGresult *res, int r, struct dq_row *q, char *errstr,
                  size_t errstr_size)
{
        long *v[QUALITY_LONGS] = {&q->contacts,
                                  &q->contacts_before,
                                  &q->contacts_without,
                                  &q->registrations,
                                  &q->lag_median,
                                  &q->lag_p90,
                                  &q->lag_max,
                                  &q->late,
                                  &q->dead};
        long id = 0;
        int k;

        for (k = 0; k < DQ_STAGES; k++)
                v[9 + k] = &q->dead_stage[k];
        if (!PQgetisnull(res, r, 0) &&
            (parse_long(PQgetvalue(res, r, 0), &id) || id < 1 || id > 100000))
                return mw_errf(errstr, errstr_size, MW_ERR_DB,
                               "data quality: bad project_id");
        q->project_id = (int)id;
        snprintf(q->name, sizeof(q->name), "%s", PQgetvalue(res, r, 1));
        for (k = 0; k < QUALITY_LONGS; k++) {
                *v[k] = -1;
                if (!PQgetisnull(res, r, 2 + k) &&
                    (parse_long(PQgetvalue(res, r, 2 + k), v[k]) || *v[k] < 0))
                        return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                       "data quality: bad %s",
                                       PQfname(res, 2 + k));
        }
        return MW_OK;
}

/* Reads status.data_quality() of the cut-off on pg (in the snapshot of
 * the status): the same projects in the same order as the status, the
 * total row last. */
static mw_err_t
fetch_quality(struct report *rep, PGconn *pg, const char *day, char *errstr,
              size_t errstr_size)
{
        const struct mw_rdate *cut = &rep->dates[rep->cutoff];
        PGresult *res;
        mw_err_t err = MW_OK;
        int r, n;

        res = PQexecParams(pg, quality_sql, 1, NULL, &day, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                err = mw_errf(errstr, errstr_size, MW_ERR_DB,
                              "data quality: %s", PQerrorMessage(pg));
                PQclear(res);
                return err;
        }
        n = PQntuples(res);
        if (n < 1 || (size_t)n != cut->n_rows)
                err = mw_errf(errstr, errstr_size, MW_ERR_DB,
                              "data quality: %d rows, the status %zu", n,
                              cut->n_rows);
        if (!err) {
                rep->dq = calloc((size_t)n, sizeof(*rep->dq));
                if (!rep->dq)
                        err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                      "out of memory");
                else
                        rep->n_dq = (size_t)n;
        }
        for (r = 0; rep->dq && (size_t)r < rep->n_dq && !err; r++) {
                err =
                    parse_quality_row(res, r, &rep->dq[r], errstr, errstr_size);
                if (!err && rep->dq[r].project_id != cut->rows[r].project_id)
                        err = mw_errf(errstr, errstr_size, MW_ERR_DB,
                                      "data quality: row %d is not project "
                                      "%d",
                                      r, cut->rows[r].project_id);
        }
        PQclear(res);
        return err;
}

/* Reads the evaluator's assessments in force at the cut-off
 * (status.project_assessment, migration 0010), in the snapshot of the
 * status; a project may have none. */
static mw_err_t
fetch_assessments(struct report *rep, PGconn *pg, const char *day, char *errstr,
                  size_t errstr_size)
{
        PGresult *res;
        mw_err_t err = MW_OK;
        int r, n;

        res = PQexecParams(pg,
                           "SELECT project_id, item, coalesce(level, ''), text "
                           "FROM status.project_assessment WHERE as_of = $1 "
                           "ORDER BY project_id, item",
                           1, NULL, &day, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                err = mw_errf(errstr, errstr_size, MW_ERR_DB, "assessments: %s",
                              PQerrorMessage(pg));
                PQclear(res);
                return err;
        }
        n = PQntuples(res);
        if (n > 0) {
                rep->assess = calloc((size_t)n, sizeof(*rep->assess));
                if (!rep->assess)
                        err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                      "out of memory");
        }
        for (r = 0; rep->assess && !err && r < n; r++) {
                struct assessment *a = &rep->assess[r];

                a->project_id = (int)strtol(PQgetvalue(res, r, 0), NULL, 10);
                snprintf(a->item, sizeof(a->item), "%s", PQgetvalue(res, r, 1));
                snprintf(a->level, sizeof(a->level), "%s",
                         PQgetvalue(res, r, 2));
                if (!(a->text = strdup(PQgetvalue(res, r, 3))))
                        err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                      "out of memory");
                rep->n_assess = (size_t)r + 1;
        }
        PQclear(res);
        return err;
}

/* Reads status.appendix() of the cut-off, with Bilag 2 at the previous
 * cut-off, on pg (in the snapshot of the status). */
static mw_err_t
fetch_appendix(struct report *rep, PGconn *pg, const char *day, char *errstr,
               size_t errstr_size)
{
        char prev[11];
        const char *param[2] = {day, prev};
        PGresult *res;
        mw_err_t err;

        mw_date_format(rep->dates[rep->prev].date, prev);
        res = PQexecParams(pg,
                           "SELECT * FROM status.appendix($1::date, $2::date)",
                           2, NULL, param, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                err = mw_errf(errstr, errstr_size, MW_ERR_DB, "appendix: %s",
                              PQerrorMessage(pg));
        else
                err = mw_app_parse(rep, res, errstr, errstr_size);
        PQclear(res);
        return err;
}

enum { Q_STATUS, Q_SERIES, N_QUERIES };

/* "{YYYY-MM-DD,...}": every date of rep, the array series() takes. At
 * most MAX_DATES + 2 dates of 10 characters and a separator each, the
 * braces and the terminator. */
#define SERIES_DAYS_SIZE ((MAX_DATES + 2) * 11 + 2)

static mw_err_t
series_days(const struct report *rep, char out[SERIES_DAYS_SIZE], char *errstr,
            size_t errstr_size)
{
        size_t d, len;

        if (rep->n_dates > MAX_DATES + 2)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID, "%zu dates",
                               rep->n_dates);
        len = (size_t)snprintf(out, SERIES_DAYS_SIZE, "{");
        for (d = 0; d < rep->n_dates; d++) {
                if (d)
                        out[len++] = ',';
                mw_date_format(rep->dates[d].date, out + len);
                len += 10;
        }
        snprintf(out + len, SERIES_DAYS_SIZE - len, "}");
        return MW_OK;
}

/* Opens n connections (owned by the caller: pg[], whatever this returns)
 * in one snapshot: REPEATABLE READ READ ONLY, pg_export_snapshot() of the
 * first set on the others. */
static mw_err_t
connect_in_snapshot(const struct mw_conf *conf, PGconn **pg, int n,
                    char *errstr, size_t errstr_size)
{
        char snap[128], set_snap[200];
        PGresult *r;
        mw_err_t err = MW_OK;
        int k;

        for (k = 0; k < n && !err; k++) {
                pg[k] =
                    mw_pg_connect(conf->pg_conninfo, PROG, errstr, errstr_size);
                if (!pg[k])
                        return MW_ERR_DB;
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
        return err;
}

/* The error of query q's result res on connection c. */
static mw_err_t
query_error(PGresult *res, PGconn *c, int q, char *errstr, size_t errstr_size)
{
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
        const char *what = q == Q_STATUS ? "status" : "series";

        /* a date the role may not ask for (migration 0007): the rule and
         * what to do, on one line */
        if (state && strcmp(state, "42501") == 0 && msg && hint)
                return mw_errf(errstr, errstr_size, MW_ERR_DB, "%s: %s; %s",
                               what, msg, hint);
        return mw_errf(errstr, errstr_size, MW_ERR_DB, "%s: %s", what,
                       PQerrorMessage(c));
}

/* Reads, in one snapshot (connect_in_snapshot()), the full status of the
 * cut-off and the series of every date, then the data quality of the
 * cut-off. With two jobs the first two queries run side by side. */
mw_err_t
mw_report_fetch(struct report *rep, const struct mw_conf *conf, char *errstr,
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
        char status_day[11], days[SERIES_DAYS_SIZE];
        const char *param[N_QUERIES] = {status_day, days};
        int n = rep->opts->jobs < N_QUERIES ? rep->opts->jobs : N_QUERIES;
        int q;
        mw_err_t err;

        if (!rep->dates || rep->cutoff >= rep->n_dates)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "no dates to read");
        mw_date_format(rep->dates[rep->cutoff].date, status_day);
        err = series_days(rep, days, errstr, errstr_size);
        if (!err)
                err = connect_in_snapshot(conf, pg, n, errstr, errstr_size);
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
                if (PQresultStatus(res[q]) != PGRES_TUPLES_OK)
                        err = query_error(res[q], c, q, errstr, errstr_size);
                if (!err && mw_report_stop)
                        err = mw_errf(errstr, errstr_size, MW_ERR_IO,
                                      "interrupted");
        }
        if (!err)
                err = parse_status(res[Q_STATUS], &rep->dates[rep->cutoff],
                                   errstr, errstr_size);
        if (!err)
                err = parse_series(res[Q_SERIES], rep, errstr, errstr_size);
        if (!err)
                err =
                    fetch_quality(rep, pg[0], status_day, errstr, errstr_size);
        if (!err)
                err = fetch_assessments(rep, pg[0], status_day, errstr,
                                        errstr_size);
        if (!err)
                err =
                    fetch_appendix(rep, pg[0], status_day, errstr, errstr_size);
        for (q = 0; q < N_QUERIES; q++) {
                PQclear(res[q]);
                if (pg[q])
                        PQfinish(pg[q]);
        }
        return err;
}
