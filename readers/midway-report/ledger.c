/* The record of published reports (--ledger DIR; docs/report.md, "Reports
 * published before"): what each report printed at its cut-off and its
 * previous cut-off, with the exact counts behind it, one file per cut-off,
 * DIR/YYYY-MM-DD.csv:
 *
 *   date,kind,project_id,column,value,shown
 *   2015-07-01,full,3,n_female,31,published
 *
 * (kind: key or full; shown: published, hidden or withheld; project_id 0
 * is the total row; kind appendix: a count of the appendices' own table,
 * column its measure, e.g. one.physical). A new report reads every record but
 * its own cut-off's and protects its cells together with them; it refuses a
 * cut-off that has a record (a cut-off is published once). The record
 * holds counts below the threshold: it stays with the evaluator (mode
 * 0600), never beside the published files.
 *
 * Our own reader, not lib/core/csv.c: the format is ours, unquoted, and
 * every line is checked field by field. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "midway/date.h"
#include "midway/log.h"
#include "appendix.h"
#include "report.h"

#define LEDGER_HEADER "date,kind,project_id,column,value,shown"

static const char *const shown_names[] = {[MW_RS_NONE] = "",
                                          [MW_RS_PUBLISHED] = "published",
                                          [MW_RS_HIDDEN] = "hidden",
                                          [MW_RS_WITHHELD] = "withheld"};

static int
col_of(const char *name)
{
        int c;

        for (c = 0; c < MW_RC_N; c++)
                if (strcmp(mw_rcol_name((enum mw_rcol)c), name) == 0)
                        return c;
        return -1;
}

static int
shown_of(const char *name)
{
        int s;

        for (s = MW_RS_PUBLISHED; s <= MW_RS_WITHHELD; s++)
                if (strcmp(shown_names[s], name) == 0)
                        return s;
        return -1;
}

/* The block of rep->past for (date, kind): found or added with this
 * report's rows (their counts 0, nothing shown). */
static struct mw_rpast *
past_block(struct report *rep, int32_t date, enum mw_rdate_kind kind,
           int *alloc_failed)
{
        const struct mw_rdate *cut = &rep->dates[rep->cutoff];
        struct mw_rpast *p;
        size_t i;

        for (i = 0; i < rep->n_past; i++)
                if (rep->past[i].date.date == date &&
                    rep->past[i].date.kind == kind &&
                    rep->past_file[i] == rep->n_ledgers)
                        return &rep->past[i];
        p = realloc(rep->past, (rep->n_past + 1) * sizeof(*p));
        if (p)
                rep->past = p;
        i = rep->n_past;
        if (p && !(rep->past_file =
                       realloc(rep->past_file, (i + 1) * sizeof(size_t))))
                p = NULL;
        if (!p) {
                *alloc_failed = 1;
                return NULL;
        }
        p = &rep->past[i];
        memset(p, 0, sizeof(*p));
        p->date.date = date;
        p->date.kind = kind;
        p->date.n_rows = cut->n_rows;
        p->date.rows = calloc(cut->n_rows, sizeof(*p->date.rows));
        p->shown = calloc(cut->n_rows * MW_RC_N, 1);
        rep->past_file[i] = rep->n_ledgers;
        rep->n_past++;
        if (!p->date.rows || !p->shown) {
                *alloc_failed = 1;
                return NULL;
        }
        for (i = 0; i < cut->n_rows; i++)
                p->date.rows[i].project_id = cut->rows[i].project_id;
        return p;
}

static long
row_of(const struct report *rep, int project_id)
{
        const struct mw_rdate *cut = &rep->dates[rep->cutoff];
        size_t r;

        for (r = 0; r < cut->n_rows; r++)
                if (cut->rows[r].project_id == project_id)
                        return (long)r;
        return -1;
}

/* A line of kind appendix: a printed one into rep->app_past. */
static mw_err_t
app_line(struct report *rep, char **f, const char *path, long no, char *errstr,
         size_t errstr_size)
{
        struct app_past *p;
        char *end;
        long pid, value;
        int m = mw_app_find(f[3]), shown = shown_of(f[5]);

        errno = 0;
        pid = strtol(f[2], &end, 10);
        if (errno || *end || end == f[2] || m < 0 || shown < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%s:%ld: not a line of a report record (%s)",
                               path, no, LEDGER_HEADER);
        value = strtol(f[4], &end, 10);
        if (errno || *end || end == f[4] || value < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%s:%ld: not a count", path, no);
        if (shown != MW_RS_PUBLISHED)
                return MW_OK;
        p = realloc(rep->app_past, (rep->n_app_past + 1) * sizeof(*p));
        if (!p)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        rep->app_past = p;
        p[rep->n_app_past++] = (struct app_past){(int)pid, m, value};
        return MW_OK;
}

/* One line of a record into rep->past. */
static mw_err_t
ledger_line(struct report *rep, char *line, const char *path, long no,
            char *errstr, size_t errstr_size)
{
        char *f[6], *save = NULL, *end;
        int32_t date;
        int col, shown, nomem = 0;
        long row, pid, value;
        struct mw_rpast *p;
        size_t k = 0;

        line[strcspn(line, "\r\n")] = '\0';
        for (char *s = strtok_r(line, ",", &save); s && k < 6;
             s = strtok_r(NULL, ",", &save))
                f[k++] = s;
        if (k != 6 || mw_date_parse(f[0], &date, errstr, errstr_size) ||
            (strcmp(f[1], "key") != 0 && strcmp(f[1], "full") != 0 &&
             strcmp(f[1], "appendix") != 0))
                goto bad;
        if (strcmp(f[1], "appendix") == 0)
                return app_line(rep, f, path, no, errstr, errstr_size);
        errno = 0;
        pid = strtol(f[2], &end, 10);
        if (errno || *end || end == f[2])
                goto bad;
        value = strtol(f[4], &end, 10);
        col = col_of(f[3]);
        shown = shown_of(f[5]);
        if (errno || *end || end == f[4] || value < 0 || col < 0 || shown < 0)
                goto bad;
        row = row_of(rep, (int)pid);
        if (row < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%s:%ld: project %ld is not in this report",
                               path, no, pid);
        p = past_block(rep, date, strcmp(f[1], "key") ? MW_RD_FULL : MW_RD_KEY,
                       &nomem);
        if (!p)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        p->date.rows[row].n[col] = value;
        p->shown[(size_t)row * MW_RC_N + (size_t)col] = (unsigned char)shown;
        return MW_OK;
bad:
        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                       "%s:%ld: not a line of a report record (%s)", path, no,
                       LEDGER_HEADER);
}

static mw_err_t
ledger_read(struct report *rep, const char *path, char *errstr,
            size_t errstr_size)
{
        FILE *fp = fopen(path, "r");
        char line[256];
        long no = 0;
        mw_err_t err = MW_OK;

        if (!fp)
                return mw_errf(errstr, errstr_size, MW_ERR_IO,
                               "cannot read %s: %s", path, strerror(errno));
        while (!err && fgets(line, sizeof(line), fp)) {
                if (++no == 1) {
                        if (strncmp(line, LEDGER_HEADER,
                                    strlen(LEDGER_HEADER)) != 0)
                                err = mw_errf(
                                    errstr, errstr_size, MW_ERR_INVALID,
                                    "%s:1: not a report record (header %s)",
                                    path, LEDGER_HEADER);
                        continue;
                }
                err = ledger_line(rep, line, path, no, errstr, errstr_size);
        }
        if (!err && ferror(fp))
                err = mw_errf(errstr, errstr_size, MW_ERR_IO,
                              "cannot read %s: %s", path, strerror(errno));
        fclose(fp);
        rep->n_ledgers++;
        return err;
}

static int
record_name(const char *name, int32_t *date)
{
        char day[11], err[64];
        size_t n = strlen(name);

        if (n != 14 || strcmp(name + 10, ".csv") != 0)
                return 0;
        memcpy(day, name, 10);
        day[10] = '\0';
        return mw_date_parse(day, date, err, sizeof(err)) == MW_OK;
}

/* Every count of every date a record holds must be in it: a truncated or
 * edited record would otherwise freeze counts of 0 as printed. */
static mw_err_t
complete(const struct report *rep, const char *dir, char *errstr,
         size_t errstr_size)
{
        size_t i, r, c;
        char day[11];

        for (i = 0; i < rep->n_past; i++) {
                const struct mw_rpast *p = &rep->past[i];

                for (r = 0; r < p->date.n_rows; r++)
                        for (c = 0; c < MW_RC_N; c++)
                                if (mw_rtable_has(p->date.kind,
                                                  (enum mw_rcol)c) &&
                                    p->shown[r * MW_RC_N + c] == MW_RS_NONE) {
                                        mw_date_format(p->date.date, day);
                                        return mw_errf(
                                            errstr, errstr_size, MW_ERR_INVALID,
                                            "--ledger %s: the record of %s "
                                            "lacks %s of project %d: it is "
                                            "incomplete; restore it from the "
                                            "evaluator's backup",
                                            dir, day,
                                            mw_rcol_name((enum mw_rcol)c),
                                            p->date.rows[r].project_id);
                                }
        }
        return MW_OK;
}

mw_err_t
mw_report_ledger_load(struct report *rep, char *errstr, size_t errstr_size)
{
        const char *dir = rep->opts->ledger;
        struct dirent **names = NULL;
        char path[4096], day[11];
        int n, i;
        int32_t date;
        mw_err_t err = MW_OK;

        if (!dir)
                return MW_OK;
        /* this report will be recorded there once published: a record
         * that cannot be written must stop it before, not after */
        if (access(dir, W_OK | X_OK) != 0)
                return mw_errf(errstr, errstr_size, MW_ERR_IO,
                               "--ledger %s: %s (the record of published "
                               "reports must be writable by this user; "
                               "nothing written)",
                               dir, strerror(errno));
        n = scandir(dir, &names, NULL, alphasort);
        if (n < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_IO,
                               "--ledger %s: %s (create it, mode 0700, "
                               "readable only by the evaluator)",
                               dir, strerror(errno));
        mw_date_format(rep->dates[rep->cutoff].date, day);
        for (i = 0; i < n; i++) {
                const char *name = names[i]->d_name;

                if (!err && record_name(name, &date)) {
                        snprintf(path, sizeof(path), "%s/%s", dir, name);
                        if (date == rep->dates[rep->cutoff].date)
                                err = mw_errf(
                                    errstr, errstr_size, MW_ERR_INVALID,
                                    "the report as of %s was published "
                                    "before (%s): a cut-off is published "
                                    "once (docs/report.md)",
                                    day, path);
                        else
                                err =
                                    ledger_read(rep, path, errstr, errstr_size);
                }
                free(names[i]);
        }
        free(names);
        if (!err)
                err = complete(rep, dir, errstr, errstr_size);
        if (!err)
                mw_log_info("ledger %s: %zu reports published before, %zu "
                            "dates",
                            dir, rep->n_ledgers, rep->n_past);
        return err;
}

static mw_err_t
ledger_block(struct report *rep, struct mw_buf *b, size_t d)
{
        const struct mw_rdate *date = &rep->dates[d];
        char day[11];
        size_t r, c;
        mw_err_t err = MW_OK;

        mw_date_format(date->date, day);
        for (r = 0; !err && r < date->n_rows; r++)
                for (c = 0; !err && c < MW_RC_N; c++) {
                        enum mw_rshown s =
                            mw_rtable_shown(&rep->table, d, r, (enum mw_rcol)c);

                        if (s == MW_RS_NONE)
                                continue;
                        err = mw_buf_appendf(
                            b, "%s,%s,%d,%s,%ld,%s\n", day,
                            date->kind == MW_RD_FULL ? "full" : "key",
                            date->rows[r].project_id,
                            mw_rcol_name((enum mw_rcol)c), date->rows[r].n[c],
                            shown_names[s]);
                }
        return err;
}

/* The appendices' own counts at the cut-off (appendix_dc.c). */
static mw_err_t
ledger_appendix(struct report *rep, struct mw_buf *b)
{
        const struct appendix *app = rep->app;
        char day[11];
        size_t r;
        int m;
        mw_err_t err = MW_OK;

        if (!app)
                return MW_OK;
        mw_date_format(rep->dates[rep->cutoff].date, day);
        for (r = 0; !err && r < app->n_rows; r++)
                for (m = 0; !err && m < APP_N; m++) {
                        const struct app_val *v = &app->rows[r].f[m];

                        if (v->id == MW_RT_NONE || v->null[AF_N])
                                continue;
                        err = mw_buf_appendf(
                            b, "%s,appendix,%d,%s,%ld,%s\n", day,
                            app->rows[r].project_id, mw_app_measures[m].name,
                            v->v[AF_N],
                            mw_app_show(rep, r, m, AF_N) == AS_SHOW
                                ? "published"
                                : "hidden");
                }
        return err;
}

mw_err_t
mw_report_ledger_write(struct report *rep, char *errstr, size_t errstr_size)
{
        struct mw_buf b = MW_BUF_INIT;
        char path[4096], tmp[4200], day[11];
        mw_err_t err;
        int fd = -1;

        if (!rep->opts->ledger)
                return MW_OK;
        mw_date_format(rep->dates[rep->cutoff].date, day);
        snprintf(path, sizeof(path), "%s/%s.csv", rep->opts->ledger, day);
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        err = mw_buf_appendf(&b, "%s\n", LEDGER_HEADER);
        if (!err && rep->prev != MW_RT_NONE)
                err = ledger_block(rep, &b, rep->prev);
        if (!err)
                err = ledger_block(rep, &b, rep->cutoff);
        if (!err)
                err = ledger_appendix(rep, &b);
        if (err) {
                mw_buf_release(&b);
                return mw_errf(errstr, errstr_size, err, "out of memory");
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
                int ok = write(fd, b.data, b.len) == (ssize_t)b.len &&
                         fsync(fd) == 0;

                ok = close(fd) == 0 && ok;
                if (ok && rename(tmp, path) == 0)
                        fd = 0; /* done */
                else
                        fd = -1;
        }
        if (fd < 0) {
                err = mw_errf(errstr, errstr_size, MW_ERR_IO,
                              "cannot write %s: %s; the report is published "
                              "but not recorded: write no other report "
                              "before this is fixed",
                              path, strerror(errno));
                unlink(tmp);
        }
        mw_buf_release(&b);
        if (!err)
                mw_log_info("recorded: %s", path);
        return err;
}
