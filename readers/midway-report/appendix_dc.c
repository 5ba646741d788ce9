/* midway-report: the disclosure control of the appendices (appendix.h,
 * docs/report.md "Appendices"). The counts the main table holds keep its
 * decision; they enter this table as margins (MW_DC_PUBLIC) or, hidden
 * there, as withheld cells (mirror()). The appendix's own counts are cells
 * with these relations (as the main table's):
 *   per row at the cut-off
 *     active = one + several + no problem area (the main table's)
 *     one main problem area = psychological + physical + social
 *     several areas = the four combinations
 *     active = category k + without category k (k: health, social,
 *              education, other), = parallel + not parallel
 *   all projects at the previous cut-off (Bilag 2's changes, Fig. 3)
 *     active = women + men = the 5 age bands = the 5 benefit types
 *            = one + several + no problem area
 *     one area = its 3 parts, several = its 4 combinations
 *   per row at each month end (the company-oriented curve)
 *     active = company-oriented + not
 *   per column: total row = the sum of the projects.
 * A margin the main table publishes that this table would have to hide
 * is kept published: the parts of every relation it is in are withheld
 * as a whole instead, and the table protected again (at most 4 rounds;
 * then nothing is published). */
#include <stdlib.h>
#include <string.h>

#include "appendix.h"

#define MAX_ROUNDS 4

/* The relations added, for finding a conflict's parts: members[start..]
 * with the total first. */
struct rels {
        size_t *ids;
        size_t n, cap;
        size_t *start; /* per relation */
        size_t n_rel, cap_rel;
};

struct build {
        struct report *rep;
        struct appendix *app;
        struct rels rels;
        size_t *mirror; /* cells mirroring the main table's */
        size_t n_mirror, cap_mirror;
        mw_err_t err;
        char *errstr;
        size_t errstr_size;
};

static void
push(struct build *b, size_t **arr, size_t *n, size_t *cap, size_t v)
{
        if (b->err)
                return;
        if (*n == *cap) {
                size_t nc = *cap ? *cap * 2 : 256;
                size_t *p = realloc(*arr, nc * sizeof(*p));

                if (!p) {
                        b->err = mw_errf(b->errstr, b->errstr_size,
                                         MW_ERR_NOMEM, "out of memory");
                        return;
                }
                *arr = p;
                *cap = nc;
        }
        (*arr)[(*n)++] = v;
}

/* A cell of its own (priority: withheld if an earlier round said so). */
static size_t
cell(struct build *b, long value)
{
        size_t id = MW_RT_NONE;

        if (b->err)
                return id;
        b->err = mw_dc_cell(b->app->dc, value, &id, b->errstr, b->errstr_size);
        if (!b->err && id < b->app->n_withheld && b->app->withheld[id])
                mw_dc_priority(b->app->dc, id, MW_DC_WITHHELD);
        return id;
}

/* A count of the main table at date d, with its decision: published, a
 * margin here (MW_DC_PUBLIC; b->mirror lists them: they must stay
 * published), or hidden, a withheld cell here (always hidden; this table
 * must not give it away either: its relations below hold it, with what
 * the main table relates it to within the same group). */
static size_t
mirror(struct build *b, size_t d, size_t row, enum mw_rcol col)
{
        size_t id = MW_RT_NONE;

        if (b->err)
                return id;
        b->err = mw_dc_cell(b->app->dc, mw_report_value(b->rep, d, row, col),
                            &id, b->errstr, b->errstr_size);
        if (b->err)
                return id;
        if (mw_report_hidden(b->rep, d, row, col)) {
                mw_dc_priority(b->app->dc, id, MW_DC_WITHHELD);
                return id;
        }
        mw_dc_priority(b->app->dc, id, MW_DC_PUBLIC);
        push(b, &b->mirror, &b->n_mirror, &b->cap_mirror, id);
        return id;
}

/* total = parts; with residual, one more part (not printed, often 0)
 * takes what the parts leave, so every row has the same cells. */
static void
relation(struct build *b, size_t total, size_t *parts, size_t n, int residual)
{
        long sum = 0;
        size_t i;

        if (b->err)
                return;
        for (i = 0; i < n; i++)
                sum += mw_dc_value(b->app->dc, parts[i]);
        if (sum > mw_dc_value(b->app->dc, total) ||
            (!residual && sum != mw_dc_value(b->app->dc, total))) {
                b->err = mw_errf(b->errstr, b->errstr_size, MW_ERR_DB,
                                 "appendix: parts do not add up to their "
                                 "total");
                return;
        }
        if (residual)
                parts[n++] = cell(b, mw_dc_value(b->app->dc, total) - sum);
        if (!b->err)
                b->err = mw_dc_relation(b->app->dc, total, parts, n, b->errstr,
                                        b->errstr_size);
        push(b, &b->rels.start, &b->rels.n_rel, &b->rels.cap_rel, b->rels.n);
        push(b, &b->rels.ids, &b->rels.n, &b->rels.cap, total);
        for (i = 0; i < n; i++)
                push(b, &b->rels.ids, &b->rels.n, &b->rels.cap, parts[i]);
}

/* The parts of measures m0..m1 (one group) of a row at the cut-off or,
 * prev set, the previous cut-off, as their own cells, against total. */
static void
group(struct build *b, size_t row, int m0, int m1, size_t total, int prev)
{
        size_t parts[16], n = 0;
        int m;

        for (m = m0; m <= m1; m++) {
                struct app_val *v = &b->app->rows[row].f[m];
                size_t id = cell(b, v->v[prev ? AF_PREV_N : AF_N]);

                if (prev)
                        v->prev_id = id;
                else
                        v->id = id;
                parts[n++] = id;
        }
        relation(b, total, parts, n, 1);
}

/* A count against active: active = n + (active - n). */
static size_t
split(struct build *b, size_t active, long n)
{
        size_t parts[3];

        parts[0] = cell(b, n);
        parts[1] = cell(b, mw_dc_value(b->app->dc, active) - n);
        relation(b, active, parts, 2, 0);
        return parts[0];
}

static int
first_of(const char *name)
{
        return mw_app_find(name);
}

/* Bilag 2 at the previous cut-off, of all projects only (row r, the
 * total): the national change of Fig. 3. Per project the breakdowns of
 * two cut-offs would be two tables of small groups to protect against each
 * other (docs/report.md, "Appendices"); they are not published. */
static void
prev_cells(struct build *b, size_t r)
{
        struct report *rep = b->rep;
        struct appendix *app = b->app;
        size_t pa;

        if (rep->prev == MW_RT_NONE ||
            app->rows[r].f[first_of("gender.female")].null[AF_PREV_N])
                return;
        pa = mirror(b, rep->prev, r, MW_RC_ACTIVE);
        app->prev_active[r] = pa;
        group(b, r, first_of("gender.female"), first_of("gender.male"), pa, 1);
        group(b, r, first_of("age.18_24"), first_of("age.50_plus"), pa, 1);
        group(b, r, first_of("benefit.ressourceforloeb"),
              first_of("benefit.not_stated"), pa, 1);
        group(b, r, first_of("problem.one"), first_of("problem.not_stated"), pa,
              1);
        group(b, r, first_of("one.psychological"), first_of("one.social"),
              app->rows[r].f[first_of("problem.one")].prev_id, 1);
        group(b, r, first_of("multiple.psychological_physical"),
              first_of("multiple.all_three"),
              app->rows[r].f[first_of("problem.multiple")].prev_id, 1);
}

/* The cells and relations of one row. */
static void
row_cells(struct build *b, size_t r)
{
        struct report *rep = b->rep;
        struct appendix *app = b->app;
        size_t c = rep->cutoff, d, act, one, multi, parts[4];
        int m;

        act = mirror(b, c, r, MW_RC_ACTIVE);
        one = mirror(b, c, r, MW_RC_ONE_AREA);
        multi = mirror(b, c, r, MW_RC_MULTI_AREA);
        parts[0] = one;
        parts[1] = multi;
        parts[2] = mirror(b, c, r, MW_RC_NO_AREA);
        relation(b, act, parts, 3, 1);
        group(b, r, first_of("one.psychological"), first_of("one.social"), one,
              0);
        group(b, r, first_of("multiple.psychological_physical"),
              first_of("multiple.all_three"), multi, 0);
        for (m = first_of("category.health"); m <= first_of("parallel"); m++)
                if (!b->err)
                        app->rows[r].f[m].id =
                            split(b, act, app->rows[r].f[m].v[AF_N]);
        for (d = 0; d < rep->n_dates && !b->err; d++) {
                if (rep->dates[d].kind != MW_RD_SERIES)
                        continue;
                app->company[d * app->n_rows + r] =
                    split(b, mirror(b, d, r, MW_RC_ACTIVE),
                          mw_report_value(rep, d, r, MW_RC_COMPANY));
        }
}

/* Total row = the sum of the project rows, for every cell (each row has
 * its cells in the same order; the margins' sums are the main table's
 * relations, true here as well). */
static void
column_sums(struct build *b, const size_t *first, size_t per_row)
{
        size_t n_rows = b->app->n_rows, k, r, parts[64];

        for (k = 0; k < per_row && !b->err; k++) {
                size_t total = first[n_rows - 1] + k;

                for (r = 0; r + 1 < n_rows && r < 63; r++)
                        parts[r] = first[r] + k;
                relation(b, total, parts, r, 0);
        }
}

/* A count of the appendices' own table that moved by 1 to threshold - 1
 * since a report published before printed it is a primary cell (the few
 * who came or left in between; docs/report.md, "Reports published
 * before"). */
static void
mark_changes(struct build *b)
{
        const struct report *rep = b->rep;
        struct appendix *app = b->app;
        size_t i, r;

        for (i = 0; i < rep->n_app_past; i++) {
                const struct app_past *p = &rep->app_past[i];

                for (r = 0; r < app->n_rows; r++) {
                        size_t id = app->rows[r].f[p->measure].id;
                        long now, d;

                        if (app->rows[r].project_id != p->project_id ||
                            id == MW_RT_NONE)
                                continue;
                        now = mw_dc_value(app->dc, id);
                        d = now > p->value ? now - p->value : p->value - now;
                        if (now > 0 && d >= 1 && d < mw_dc_threshold(app->dc))
                                mw_dc_set_state(app->dc, id, MW_DC_PRIMARY);
                }
        }
}

/* One round: every cell and relation, protected and verified. */
static void
build_round(struct build *b)
{
        struct appendix *app = b->app;
        size_t r, *first = calloc(app->n_rows + 1, sizeof(*first)), per_row;

        if (!first) {
                b->err = mw_errf(b->errstr, b->errstr_size, MW_ERR_NOMEM,
                                 "out of memory");
                return;
        }
        app->dc = mw_dc_new(b->rep->opts->threshold, b->errstr, b->errstr_size);
        if (!app->dc)
                b->err = MW_ERR_NOMEM;
        for (r = 0; r < app->n_rows && !b->err; r++) {
                first[r] = mw_dc_n_cells(app->dc);
                row_cells(b, r);
        }
        first[app->n_rows] = mw_dc_n_cells(app->dc);
        per_row = first[1] - first[0];
        for (r = 0; r < app->n_rows && !b->err; r++)
                if (first[r + 1] - first[r] != per_row)
                        b->err =
                            mw_errf(b->errstr, b->errstr_size, MW_ERR_INVALID,
                                    "appendix: rows differ in shape");
        column_sums(b, first, per_row);
        free(first);
        prev_cells(b, app->n_rows - 1);
        if (!b->err)
                mark_changes(b);
        if (!b->err) {
                mw_dc_set_stop(app->dc, &mw_report_stop);
                b->err = mw_dc_protect(app->dc, b->errstr, b->errstr_size);
        }
}

/* Marks the parts of every relation with a published margin of the main
 * table that this round hid; the number of such margins. */
static size_t
conflicts(struct build *b)
{
        struct appendix *app = b->app;
        size_t i, k, j, n = 0, nc = mw_dc_n_cells(app->dc);

        if (!app->withheld || app->n_withheld < nc) {
                unsigned char *w = realloc(app->withheld, nc);

                if (!w) {
                        b->err = mw_errf(b->errstr, b->errstr_size,
                                         MW_ERR_NOMEM, "out of memory");
                        return 0;
                }
                memset(w + app->n_withheld, 0, nc - app->n_withheld);
                app->withheld = w;
                app->n_withheld = nc;
        }
        for (i = 0; i < b->n_mirror; i++) {
                size_t id = b->mirror[i];

                if (!mw_dc_suppressed(app->dc, id))
                        continue;
                n++;
                for (k = 0; k < b->rels.n_rel; k++) {
                        size_t s = b->rels.start[k];
                        size_t e = k + 1 < b->rels.n_rel ? b->rels.start[k + 1]
                                                         : b->rels.n;
                        int has = 0;

                        for (j = s; j < e; j++)
                                has |= b->rels.ids[j] == id;
                        for (j = s; has && j < e; j++)
                                app->withheld[b->rels.ids[j]] = 1;
                }
        }
        return n;
}

static void
ids_reset(struct appendix *app, size_t n_dates)
{
        size_t r, i;
        int m;

        for (r = 0; r < app->n_rows; r++) {
                app->prev_active[r] = MW_RT_NONE;
                for (m = 0; m < APP_N; m++)
                        app->rows[r].f[m].id = app->rows[r].f[m].prev_id =
                            MW_RT_NONE;
        }
        for (i = 0; i < n_dates * app->n_rows; i++)
                app->company[i] = MW_RT_NONE;
        mw_dc_destroy(app->dc);
        app->dc = NULL;
}

mw_err_t
mw_app_protect(struct report *rep, char *errstr, size_t errstr_size)
{
        struct appendix *app = rep->app;
        struct build b;
        size_t round, n_conflicts = 1, n_exposed = 0;

        if (mw_app_check(rep, errstr, errstr_size))
                return MW_ERR_DB;
        memset(&b, 0, sizeof(b));
        b.rep = rep;
        b.app = app;
        b.errstr = errstr;
        b.errstr_size = errstr_size;
        app->company = calloc(rep->n_dates * app->n_rows, sizeof(size_t));
        app->prev_active = calloc(app->n_rows, sizeof(size_t));
        if (!app->company || !app->prev_active)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        for (round = 0; round < MAX_ROUNDS && n_conflicts && !b.err; round++) {
                ids_reset(app, rep->n_dates);
                b.rels.n = b.rels.n_rel = b.n_mirror = 0;
                build_round(&b);
                if (!b.err)
                        b.err = mw_dc_verify(app->dc, NULL, 0, &n_exposed,
                                             errstr, errstr_size);
                if (!b.err && n_exposed)
                        b.err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                        "appendix: %zu hidden cells can be "
                                        "worked out; nothing written",
                                        n_exposed);
                if (!b.err)
                        n_conflicts = conflicts(&b);
        }
        if (!b.err && n_conflicts)
                b.err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "appendix: %zu published margins would have "
                                "to be hidden; nothing written",
                                n_conflicts);
        free(b.rels.ids);
        free(b.rels.start);
        free(b.mirror);
        return b.err;
}
