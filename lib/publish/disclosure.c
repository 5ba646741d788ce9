/* midway: statistical disclosure control (include/midway/disclosure.h).
 *
 * Cells are numbered 0..n_cells-1. A relation r is stored as a slice of
 * mem[]: mem[rel_off[r]] is the total, the parts follow up to
 * rel_off[r + 1]. cell_rel[] lists, per cell, the relations it belongs to
 * (built by index_cells() when mw_dc_protect() starts).
 *
 * The audit's linear algebra and simplex are ours and not GLPK's
 * (libglpk-dev) or lp_solve's, on purpose (2026, issue 12):
 *   - step 1 must be exact and is done modulo a prime: neither library
 *     row-reduces over a finite field, and a floating-point rank would
 *     call a cell hidden that a reader can compute;
 *   - the simplex (lp_max(), about 190 lines with its certificates) solves
 *     two small LPs per cell from a warm start and reads back the optimal
 *     point or unbounded ray to clear every other cell it moves; with
 *     GLPK that is a problem object rebuilt per component, glp_simplex()
 *     and glp_get_unbnd_ray(), roughly half the lines again, not none;
 *   - GLPK's errors end the process (glp_error() calls abort() unless a
 *     hook longjmps out) and it prints to stdout unless silenced, neither
 *     acceptable inside midway-report;
 *   - it is not a hot path: the whole of tests/unit/test_disclosure.c,
 *     brute-force comparisons included, runs in 0.19 s under ASan.
 *
 * Why one file of more than 1,000 lines: suppression, the audit and the
 * verifier share the cell and relation index and the exact arithmetic,
 * and the audit is what makes the suppression trustworthy; split, the
 * index would become a public interface of its own. The next disclosure
 * work (issue 13) is the moment to revisit it. */
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "midway/disclosure.h"

#define INF        LLONG_MAX
#define PRIME      2147483647ULL /* 2^31 - 1 */
#define MAX_PASSES 100000        /* bounds propagation; fail closed beyond */
#define MAX_ROUNDS 1000000       /* secondary + audit steps, a safety net */
#define GROW(n)    ((n) < 16 ? 16 : (n)*2)
#define NOT_FOUND  ((size_t)-1)

struct mw_dc {
        int threshold;
        size_t n_cells, cap_cells;
        long *value;           /* owned */
        unsigned char *state;  /* owned; enum mw_dc_state */
        int *prio;             /* owned; mw_dc_priority() */
        unsigned char *frozen; /* owned; mw_dc_freeze() */
        size_t n_rel, cap_rel;
        size_t *rel_off; /* owned; n_rel + 1 entries */
        size_t n_mem, cap_mem;
        size_t *mem; /* owned */
        /* cell -> relations, built by index_cells() */
        size_t *cell_off; /* owned; n_cells + 1 entries */
        size_t *cell_rel; /* owned */
        int indexed;
        struct mw_dc_stats stats;
        size_t *ord;           /* owned; pairs a <= b, mw_dc_order() */
        size_t n_ord, cap_ord; /* pairs */
        const volatile sig_atomic_t *stop; /* borrowed; mw_dc_set_stop() */
};

static size_t
rel_len(const struct mw_dc *dc, size_t r)
{
        return dc->rel_off[r + 1] - dc->rel_off[r];
}

static const size_t *
rel_mem(const struct mw_dc *dc, size_t r)
{
        return dc->mem + dc->rel_off[r];
}

struct mw_dc *
mw_dc_new(int threshold, char *errstr, size_t errstr_size)
{
        struct mw_dc *dc;

        if (threshold < 1 || threshold > MW_DC_MAX_THRESHOLD) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "threshold %d is out of range (1..%d)", threshold,
                        MW_DC_MAX_THRESHOLD);
                return NULL;
        }
        dc = calloc(1, sizeof(*dc));
        if (dc)
                dc->rel_off = calloc(1, sizeof(*dc->rel_off));
        if (!dc || !dc->rel_off) {
                free(dc);
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                return NULL;
        }
        dc->cap_rel = 0;
        dc->threshold = threshold;
        return dc;
}

void
mw_dc_destroy(struct mw_dc *dc)
{
        if (!dc)
                return;
        free(dc->value);
        free(dc->state);
        free(dc->prio);
        free(dc->frozen);
        free(dc->rel_off);
        free(dc->mem);
        free(dc->cell_off);
        free(dc->cell_rel);
        free(dc->ord);
        free(dc);
}

mw_err_t
mw_dc_cell(struct mw_dc *dc, long value, size_t *id, char *errstr,
           size_t errstr_size)
{
        if (dc->indexed)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "cells can only be added before protecting");
        if (value < 0 || value > MW_DC_MAX_VALUE)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "cell value %ld is out of range (0..%ld)", value,
                               MW_DC_MAX_VALUE);
        if (dc->n_cells == dc->cap_cells) {
                size_t cap = GROW(dc->cap_cells);
                long *v = realloc(dc->value, cap * sizeof(*v));
                unsigned char *s;

                if (!v)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                dc->value = v;
                int *pr;

                s = realloc(dc->state, cap);
                if (!s)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                dc->state = s;
                pr = realloc(dc->prio, cap * sizeof(*pr));
                if (!pr)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                dc->prio = pr;
                s = realloc(dc->frozen, cap);
                if (!s)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                dc->frozen = s;
                dc->cap_cells = cap;
        }
        dc->value[dc->n_cells] = value;
        dc->state[dc->n_cells] = MW_DC_PUBLISHED;
        dc->prio[dc->n_cells] = 0;
        dc->frozen[dc->n_cells] = 0;
        *id = dc->n_cells++;
        return MW_OK;
}

mw_err_t
mw_dc_relation(struct mw_dc *dc, size_t total, const size_t *parts,
               size_t n_parts, char *errstr, size_t errstr_size)
{
        long long sum = 0;
        size_t i, j;

        if (dc->indexed)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "relations can only be added before "
                               "protecting");
        if (n_parts == 0 || total >= dc->n_cells)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "relation %zu: no parts or no such total",
                               dc->n_rel);
        for (i = 0; i < n_parts; i++) {
                if (parts[i] >= dc->n_cells || parts[i] == total)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "relation %zu: bad part %zu", dc->n_rel,
                                       parts[i]);
                for (j = 0; j < i; j++)
                        if (parts[j] == parts[i])
                                return mw_errf(errstr, errstr_size,
                                               MW_ERR_INVALID,
                                               "relation %zu: cell %zu "
                                               "twice",
                                               dc->n_rel, parts[i]);
                sum += dc->value[parts[i]];
        }
        if (sum != dc->value[total])
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "relation %zu: parts add up to %lld, the "
                               "total (cell %zu) is %ld",
                               dc->n_rel, sum, total, dc->value[total]);
        if (dc->n_rel + 1 >= dc->cap_rel) {
                size_t cap = GROW(dc->cap_rel);
                size_t *o = realloc(dc->rel_off, (cap + 1) * sizeof(*o));

                if (!o)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                dc->rel_off = o;
                dc->cap_rel = cap;
        }
        while (dc->n_mem + n_parts + 1 > dc->cap_mem) {
                size_t cap = GROW(dc->cap_mem);
                size_t *m = realloc(dc->mem, cap * sizeof(*m));

                if (!m)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                dc->mem = m;
                dc->cap_mem = cap;
        }
        dc->mem[dc->n_mem++] = total;
        memcpy(dc->mem + dc->n_mem, parts, n_parts * sizeof(*parts));
        dc->n_mem += n_parts;
        dc->rel_off[++dc->n_rel] = dc->n_mem;
        return MW_OK;
}

mw_err_t
mw_dc_order(struct mw_dc *dc, size_t a, size_t b, char *errstr,
            size_t errstr_size)
{
        if (dc->indexed)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "orders can only be added before protecting");
        if (a >= dc->n_cells || b >= dc->n_cells || dc->value[a] > dc->value[b])
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "order %zu <= %zu: no such cells, or the "
                               "values disagree",
                               a, b);
        if (dc->n_ord == dc->cap_ord) {
                size_t cap = GROW(dc->cap_ord);
                size_t *o = realloc(dc->ord, cap * 2 * sizeof(*o));

                if (!o)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                dc->ord = o;
                dc->cap_ord = cap;
        }
        dc->ord[2 * dc->n_ord] = a;
        dc->ord[2 * dc->n_ord + 1] = b;
        dc->n_ord++;
        return MW_OK;
}

size_t
mw_dc_n_cells(const struct mw_dc *dc)
{
        return dc->n_cells;
}

long
mw_dc_value(const struct mw_dc *dc, size_t id)
{
        return id < dc->n_cells ? dc->value[id] : -1;
}

enum mw_dc_state
mw_dc_state(const struct mw_dc *dc, size_t id)
{
        return id < dc->n_cells ? (enum mw_dc_state)dc->state[id]
                                : MW_DC_PUBLISHED;
}

int
mw_dc_suppressed(const struct mw_dc *dc, size_t id)
{
        return mw_dc_state(dc, id) != MW_DC_PUBLISHED;
}

int
mw_dc_any_suppressed(const struct mw_dc *dc, const size_t *ids, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (mw_dc_suppressed(dc, ids[i]))
                        return 1;
        return 0;
}

int
mw_dc_threshold(const struct mw_dc *dc)
{
        return dc->threshold;
}

void
mw_dc_priority(struct mw_dc *dc, size_t id, int priority)
{
        if (id < dc->n_cells)
                dc->prio[id] = priority;
}

int
mw_dc_priority_of(const struct mw_dc *dc, size_t id)
{
        return id < dc->n_cells ? dc->prio[id] : 0;
}

void
mw_dc_set_state(struct mw_dc *dc, size_t id, enum mw_dc_state state)
{
        if (id < dc->n_cells)
                dc->state[id] = (unsigned char)state;
}

void
mw_dc_freeze(struct mw_dc *dc, size_t id, int hidden)
{
        if (id >= dc->n_cells)
                return;
        dc->state[id] =
            (unsigned char)(hidden ? MW_DC_SECONDARY : MW_DC_PUBLISHED);
        dc->frozen[id] = 1;
}

int
mw_dc_frozen(const struct mw_dc *dc, size_t id)
{
        return id < dc->n_cells && dc->frozen[id];
}

void
mw_dc_get_stats(const struct mw_dc *dc, struct mw_dc_stats *stats)
{
        *stats = dc->stats;
        stats->cells = dc->n_cells;
        stats->relations = dc->n_rel;
}

/* cell -> relations (counting sort over the members). */
static mw_err_t
index_cells(struct mw_dc *dc, char *errstr, size_t errstr_size)
{
        size_t r, i, *fill;

        if (dc->indexed)
                return MW_OK;
        dc->cell_off = calloc(dc->n_cells + 1, sizeof(*dc->cell_off));
        dc->cell_rel =
            malloc((dc->n_mem ? dc->n_mem : 1) * sizeof(*dc->cell_rel));
        fill = calloc(dc->n_cells + 1, sizeof(*fill));
        if (!dc->cell_off || !dc->cell_rel || !fill) {
                free(fill);
                free(dc->cell_off);
                free(dc->cell_rel);
                dc->cell_off = dc->cell_rel = NULL;
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                return MW_ERR_NOMEM;
        }
        for (i = 0; i < dc->n_mem; i++)
                dc->cell_off[dc->mem[i] + 1]++;
        for (i = 0; i < dc->n_cells; i++)
                dc->cell_off[i + 1] += dc->cell_off[i];
        for (r = 0; r < dc->n_rel; r++)
                for (i = dc->rel_off[r]; i < dc->rel_off[r + 1]; i++) {
                        size_t c = dc->mem[i];

                        dc->cell_rel[dc->cell_off[c] + fill[c]++] = r;
                }
        free(fill);
        dc->indexed = 1;
        return MW_OK;
}

/* ---- the reader's view: bounds propagation --------------------------- */

/* A reader's knowledge of a cell: a published value, or, for a hidden
 * cell (one marker for every hidden cell), at least 1 since zeros are
 * never hidden (a hidden zero, set by hand, at least 0). */
static void
initial_bounds(const struct mw_dc *dc, size_t c, long long *lo, long long *hi)
{
        if (dc->state[c] == MW_DC_PUBLISHED) {
                *lo = *hi = dc->value[c];
                return;
        }
        *lo = dc->value[c] > 0 && dc->prio[c] != MW_DC_WITHHELD ? 1 : 0;
        *hi = INF;
}

/* Tightens lo/hi over every relation until nothing changes. MW_ERR_INVALID
 * if the bounds cross (the markers or values contradict the relations). */
/* a <= b (mw_dc_order()): b is at least a's lower bound, a at most b's
 * upper bound. 1 if a bound changed. */
static int
propagate_order(const struct mw_dc *dc, long long *lo, long long *hi)
{
        size_t k;
        int changed = 0;

        for (k = 0; k < dc->n_ord; k++) {
                size_t a = dc->ord[2 * k], b = dc->ord[2 * k + 1];

                if (lo[a] > lo[b]) {
                        lo[b] = lo[a];
                        changed = 1;
                }
                if (hi[b] != INF && (hi[a] == INF || hi[b] < hi[a])) {
                        hi[a] = hi[b];
                        changed = 1;
                }
        }
        return changed;
}

static mw_err_t
propagate(const struct mw_dc *dc, long long *lo, long long *hi, char *errstr,
          size_t errstr_size)
{
        size_t r, i, pass, n;
        int changed = 1;

        for (i = 0; i < dc->n_cells; i++)
                initial_bounds(dc, i, &lo[i], &hi[i]);
        for (pass = 0; changed && pass < MAX_PASSES; pass++) {
                changed = 0;
                for (r = 0; r < dc->n_rel; r++) {
                        const size_t *m = rel_mem(dc, r);
                        long long slo = 0, shi = 0, tlo, thi;
                        size_t t = m[0], ninf = 0;

                        n = rel_len(dc, r);
                        for (i = 1; i < n; i++) {
                                slo += lo[m[i]];
                                if (hi[m[i]] == INF)
                                        ninf++;
                                else
                                        shi += hi[m[i]];
                        }
                        tlo = lo[t] > slo ? lo[t] : slo;
                        thi = ninf ? hi[t] : (hi[t] < shi ? hi[t] : shi);
                        if (tlo != lo[t] || thi != hi[t]) {
                                lo[t] = tlo;
                                hi[t] = thi;
                                changed = 1;
                        }
                        for (i = 1; i < n; i++) {
                                size_t p = m[i];
                                long long other_hi, other_lo = slo - lo[p];
                                long long plo = lo[p], phi = hi[p];

                                if (hi[p] == INF)
                                        other_hi = ninf > 1 ? INF : shi;
                                else
                                        other_hi = ninf ? INF : shi - hi[p];
                                if (other_hi != INF && lo[t] - other_hi > plo)
                                        plo = lo[t] - other_hi;
                                if (hi[t] != INF &&
                                    (phi == INF || hi[t] - other_lo < phi))
                                        phi = hi[t] - other_lo;
                                if (plo != lo[p] || phi != hi[p]) {
                                        /* keep slo/shi/ninf in step */
                                        slo += plo - lo[p];
                                        if (hi[p] == INF && phi != INF) {
                                                ninf--;
                                                shi += phi;
                                        } else if (hi[p] != INF) {
                                                shi += phi - hi[p];
                                        }
                                        lo[p] = plo;
                                        hi[p] = phi;
                                        changed = 1;
                                }
                        }
                }
                changed |= propagate_order(dc, lo, hi);
                for (i = 0; i < dc->n_cells; i++)
                        if (hi[i] != INF && lo[i] > hi[i])
                                return mw_errf(errstr, errstr_size,
                                               MW_ERR_INVALID,
                                               "cell %zu: the published "
                                               "values contradict the "
                                               "relations",
                                               i);
        }
        if (changed)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "bounds propagation did not converge");
        return MW_OK;
}

/* ---- the reader's view: linear algebra and linear programming ---------
 *
 * Suppressed cells that share a relation form a component; components are
 * independent. Per component, with x the true values:
 *   1. exact: the relations restricted to the component's cells in reduced
 *      row echelon form modulo PRIME; a row with one non-zero entry
 *      determines its cell;
 *   2. the same in floating point gives a basis N of the null space: every
 *      completion is x + N z. A basis vector with integer entries that can
 *      be added (or subtracted) within the bounds is a second integer
 *      completion, which clears every cell it moves;
 *   3. for each cell not cleared, a linear program (dense simplex, Bland's
 *      rule) finds how far the cell can move up and down within the bounds;
 *      less than 1 both ways means a reader can work it out. */

#define EPS 1e-9

/* dabs() and dround() without libm; |x| stays far below 2^62 here */
static double
dabs(double x)
{
        return x < 0 ? -x : x;
}

static double
dround(double x)
{
        return x < 0 ? -(double)(long long)(-x + 0.5)
                     : (double)(long long)(x + 0.5);
}
#define LP_ITERS 200000
#define DINF     1e300

struct work {
        size_t *parent, *col, *cells, *rels;
        uint32_t *mod;
        size_t mod_cap;
        double *a;
        size_t a_cap;
        double *nb; /* null basis, nc x d */
        size_t nb_cap;
        size_t *pivot_of_col, *free_cols;
        double *up, *dn;
        unsigned char *cert;
        double *tab;
        size_t tab_cap;
        size_t *basis;
        size_t basis_cap;
        size_t *lp_var; /* constraint row -> cell column, sign in lp_sign */
        signed char *lp_sign;
        size_t lp_m;  /* constraint rows of the current tableau */
        int lp_ready; /* tableau built for the current component */
};

static void
work_release(struct work *w)
{
        free(w->parent);
        free(w->col);
        free(w->cells);
        free(w->rels);
        free(w->mod);
        free(w->a);
        free(w->nb);
        free(w->pivot_of_col);
        free(w->free_cols);
        free(w->up);
        free(w->dn);
        free(w->cert);
        free(w->tab);
        free(w->basis);
        free(w->lp_var);
        free(w->lp_sign);
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
        void *n;

        if (need <= *cap)
                return 0;
        n = realloc(*p, need * size);
        if (!n)
                return -1;
        *p = n;
        *cap = need;
        return 0;
}

static uint64_t
mulmod(uint64_t a, uint64_t b)
{
        return (a * b) % PRIME;
}

static uint64_t
powmod(uint64_t a, uint64_t e)
{
        uint64_t r = 1;

        while (e) {
                if (e & 1)
                        r = mulmod(r, a);
                a = mulmod(a, a);
                e >>= 1;
        }
        return r;
}

static size_t
uf_find(size_t *parent, size_t x)
{
        while (parent[x] != x) {
                parent[x] = parent[parent[x]];
                x = parent[x];
        }
        return x;
}

/* Reduces the nr x w matrix mat (row-major, entries modulo PRIME) to
 * reduced row echelon form, pivoting on its first nc columns only (the
 * others, such as an identity appended to track which rows were combined,
 * are carried along). Returns the rank: rows 0..rank-1 hold the pivots. */
static size_t
rref_mod(uint32_t *mat, size_t nr, size_t nc, size_t w)
{
        size_t c, k, r, piv, pr = 0;

        for (c = 0; c < nc && pr < nr; c++) {
                uint64_t inv;

                for (piv = pr; piv < nr && mat[piv * w + c] == 0; piv++)
                        ;
                if (piv == nr)
                        continue;
                if (piv != pr)
                        for (k = 0; k < w; k++) {
                                uint32_t t = mat[pr * w + k];

                                mat[pr * w + k] = mat[piv * w + k];
                                mat[piv * w + k] = t;
                        }
                /* left of c the pivot row is 0: earlier pivots were
                 * eliminated from it, and the other columns are 0 from
                 * row pr down */
                inv = powmod(mat[pr * w + c], PRIME - 2);
                for (k = c; k < w; k++)
                        mat[pr * w + k] =
                            (uint32_t)mulmod(mat[pr * w + k], inv);
                for (r = 0; r < nr; r++) {
                        uint64_t f = mat[r * w + c];

                        if (r == pr || f == 0)
                                continue;
                        for (k = c; k < w; k++)
                                if (mat[pr * w + k])
                                        mat[r * w + k] =
                                            (uint32_t)((mat[r * w + k] + PRIME -
                                                        mulmod(
                                                            f,
                                                            mat[pr * w + k])) %
                                                       PRIME);
                }
                pr++;
        }
        return pr;
}

/* Step 1: exact linear determination (modulo PRIME). */
static void
exact_determined(const struct mw_dc *dc, struct work *w, size_t nc, size_t nr,
                 unsigned char *exposed)
{
        uint32_t *mat = w->mod;
        size_t row, k, pr;

        memset(mat, 0, nr * nc * sizeof(*mat));
        for (row = 0; row < nr; row++) {
                const size_t *m = rel_mem(dc, w->rels[row]);

                for (k = 0; k < rel_len(dc, w->rels[row]); k++)
                        if (dc->state[m[k]] != MW_DC_PUBLISHED)
                                mat[row * nc + w->col[m[k]]] =
                                    k == 0 ? 1 : (uint32_t)(PRIME - 1);
        }
        pr = rref_mod(mat, nr, nc, nc);
        for (row = 0; row < pr; row++) {
                size_t nz = 0, last = 0;

                for (k = 0; k < nc && nz < 2; k++)
                        if (mat[row * nc + k]) {
                                nz++;
                                last = k;
                        }
                if (nz == 1)
                        exposed[w->cells[last]] = 1;
        }
}

/* Step 2: floating-point RREF and the null-space basis; returns d. */
static size_t
null_basis(const struct mw_dc *dc, struct work *w, size_t nc, size_t nr)
{
        double *a = w->a;
        size_t row, c, k, piv, pr = 0, d = 0, q;

        memset(a, 0, nr * nc * sizeof(*a));
        for (row = 0; row < nr; row++) {
                const size_t *m = rel_mem(dc, w->rels[row]);

                for (k = 0; k < rel_len(dc, w->rels[row]); k++)
                        if (dc->state[m[k]] != MW_DC_PUBLISHED)
                                a[row * nc + w->col[m[k]]] = k == 0 ? 1 : -1;
        }
        for (c = 0; c < nc; c++)
                w->pivot_of_col[c] = NOT_FOUND;
        for (c = 0; c < nc && pr < nr; c++) {
                double best = EPS, f;

                piv = NOT_FOUND;
                for (row = pr; row < nr; row++)
                        if (dabs(a[row * nc + c]) > best) {
                                best = dabs(a[row * nc + c]);
                                piv = row;
                        }
                if (piv == NOT_FOUND)
                        continue;
                if (piv != pr)
                        for (k = 0; k < nc; k++) {
                                double t = a[pr * nc + k];

                                a[pr * nc + k] = a[piv * nc + k];
                                a[piv * nc + k] = t;
                        }
                f = a[pr * nc + c];
                for (k = 0; k < nc; k++)
                        a[pr * nc + k] /= f;
                for (row = 0; row < nr; row++) {
                        f = a[row * nc + c];
                        if (row == pr || dabs(f) <= EPS)
                                continue;
                        for (k = 0; k < nc; k++) {
                                a[row * nc + k] -= f * a[pr * nc + k];
                                if (dabs(a[row * nc + k]) <= EPS)
                                        a[row * nc + k] = 0;
                        }
                }
                w->pivot_of_col[c] = pr++;
        }
        for (c = 0; c < nc; c++)
                if (w->pivot_of_col[c] == NOT_FOUND)
                        w->free_cols[d++] = c;
        for (k = 0; k < nc; k++)
                for (q = 0; q < d; q++) {
                        size_t f = w->free_cols[q];
                        double v;

                        if (k == f)
                                v = 1;
                        else if (w->pivot_of_col[k] != NOT_FOUND)
                                v = -a[w->pivot_of_col[k] * nc + f];
                        else
                                v = 0;
                        if (dabs(v - dround(v)) <= 1e-7)
                                v = dround(v);
                        w->nb[k * (d ? d : 1) + q] = v;
                }
        return d;
}

/* Pivots the LP tableau (rows 0..m, row 0 the objective, ncol columns
 * plus the right-hand side in column ncol) on (pr, pc). */
static void
lp_pivot(double *t, size_t m, size_t ncol, size_t pr, size_t pc)
{
        size_t w = ncol + 1, r, k;
        double f = t[pr * w + pc];

        for (k = 0; k < w; k++)
                t[pr * w + k] /= f;
        for (r = 0; r <= m; r++) {
                double g = t[r * w + pc];

                if (r == pr || g == 0)
                        continue;
                for (k = 0; k < w; k++)
                        t[r * w + k] -= g * t[pr * w + k];
        }
}

#define LP_NOMEM  (-1.0)
#define LP_GAVEUP (-2.0)

/* Clears in cert[] every cell that the move N z changes by at least lim
 * (lim 0: at all, for a ray that can be followed as far as wanted). */
static void
cert_moved(struct work *w, size_t nc, size_t d, const double *z, double lim)
{
        size_t j, q;

        for (j = 0; j < nc; j++) {
                double mv = 0;

                for (q = 0; q < d; q++)
                        mv += w->nb[j * d + q] * z[q];
                if (lim > 0 ? dabs(mv) >= lim - 1e-7 : dabs(mv) > 1e-7)
                        w->cert[j] = 1;
        }
}

/* Builds the LP's constraint rows, once per component: only the lower
 * bounds -dn_j <= N_j z of the cells the null basis moves (the upper ones
 * follow from them and the relations), slack variables as the first
 * basis. -1 when out of memory. */
static int
lp_build(struct work *w, size_t nc, size_t d)
{
        size_t m = 0, j, q, k, ncol, wd;
        double *t;

        for (j = 0; j < nc; j++) {
                int nz = 0;

                for (q = 0; q < d && !nz; q++)
                        nz = w->nb[j * d + q] != 0;
                if (!nz)
                        continue;
                w->lp_var[m] = j;
                w->lp_sign[m++] = -1;
        }
        ncol = 2 * d + m;
        wd = ncol + 1;
        if (grow((void **)&w->tab, &w->tab_cap, (m + 1) * wd,
                 sizeof(*w->tab)) ||
            grow((void **)&w->basis, &w->basis_cap, m + 1, sizeof(*w->basis)))
                return -1;
        t = w->tab;
        memset(t, 0, (m + 1) * wd * sizeof(*t));
        for (k = 0; k < m; k++) {
                size_t r = k + 1;

                j = w->lp_var[k];
                for (q = 0; q < d; q++) {
                        t[r * wd + q] = w->lp_sign[k] * w->nb[j * d + q];
                        t[r * wd + d + q] = -w->lp_sign[k] * w->nb[j * d + q];
                }
                t[r * wd + 2 * d + k] = 1;
                t[r * wd + ncol] = w->dn[j];
                w->basis[r] = 2 * d + k;
        }
        w->lp_m = m;
        w->lp_ready = 1;
        return 0;
}

/* The objective row for the current basis (warm start: the last basis is
 * still feasible). */
static void
lp_objective(struct work *w, size_t d, const double *obj)
{
        size_t m = w->lp_m, wd = 2 * d + m + 1, k, q;
        double *t = w->tab;

        for (k = 0; k < wd; k++)
                t[k] = 0;
        for (q = 0; q < d; q++) {
                t[q] = -obj[q];
                t[d + q] = obj[q];
        }
        for (k = 1; k <= m; k++) {
                size_t bv = w->basis[k], c;
                double cb = bv < d ? obj[bv] : bv < 2 * d ? -obj[bv - d] : 0;

                if (cb == 0)
                        continue;
                for (c = 0; c < wd; c++)
                        t[c] += cb * t[k * wd + c];
        }
}

/* z: the ray along which the LP is unbounded, entering column pc. */
static void
lp_ray(const struct work *w, size_t d, size_t pc, double *z)
{
        size_t m = w->lp_m, wd = 2 * d + m + 1, k, q;
        const double *t = w->tab;

        for (q = 0; q < d; q++)
                z[q] = 0;
        if (pc < d)
                z[pc] += 1;
        else if (pc < 2 * d)
                z[pc - d] -= 1;
        for (k = 1; k <= m; k++) {
                size_t bv = w->basis[k];

                if (bv < d)
                        z[bv] -= t[k * wd + pc];
                else if (bv < 2 * d)
                        z[bv - d] += t[k * wd + pc];
        }
}

/* max obj . z subject to -dn_j <= N_j z, z free (z = p - q); z = 0 is
 * feasible, so the optimum is >= 0. Returns the optimum, DINF if
 * unbounded, LP_GAVEUP at the iteration cap or LP_NOMEM. Clears in
 * cert[] every cell the optimal point moves by at least 1, or, when
 * unbounded, every cell the unbounded ray moves. */
static double
lp_max(struct work *w, size_t nc, size_t d, const double *obj)
{
        size_t m, q, k, ncol, wd, it;
        double *t, *z = w->up + nc; /* scratch after up[] */

        if (!w->lp_ready && lp_build(w, nc, d) != 0)
                return LP_NOMEM;
        lp_objective(w, d, obj);
        m = w->lp_m;
        ncol = 2 * d + m;
        wd = ncol + 1;
        t = w->tab;
        for (it = 0; it < LP_ITERS; it++) {
                size_t pc = NOT_FOUND, pr = NOT_FOUND;
                double best = 0;

                for (k = 0; k < ncol; k++)
                        if (t[k] < -EPS) {
                                pc = k; /* Bland: the first improving */
                                break;
                        }
                if (pc == NOT_FOUND)
                        break;
                for (k = 1; k <= m; k++) {
                        double a = t[k * wd + pc], ratio;

                        if (a <= EPS)
                                continue;
                        ratio = t[k * wd + ncol] / a;
                        if (pr == NOT_FOUND || ratio < best - EPS ||
                            (ratio <= best + EPS &&
                             w->basis[k] < w->basis[pr])) {
                                best = ratio;
                                pr = k;
                        }
                }
                if (pr == NOT_FOUND) {
                        lp_ray(w, d, pc, z);
                        cert_moved(w, nc, d, z, 0);
                        return DINF;
                }
                lp_pivot(t, m, ncol, pr, pc);
                w->basis[pr] = pc;
        }
        if (it == LP_ITERS)
                return LP_GAVEUP;
        for (q = 0; q < d; q++)
                z[q] = 0;
        for (k = 1; k <= m; k++) {
                size_t bv = w->basis[k];

                if (bv < d)
                        z[bv] += t[k * wd + ncol];
                else if (bv < 2 * d)
                        z[bv - d] -= t[k * wd + ncol];
        }
        cert_moved(w, nc, d, z, 1);
        return t[ncol];
}

/* max sign * N_i z (see lp_max()). */
static double
lp_range(struct work *w, size_t nc, size_t d, size_t i, int sign)
{
        double *obj = w->dn + nc; /* scratch after dn[] */
        size_t q;

        for (q = 0; q < d; q++)
                obj[q] = sign * w->nb[i * d + q];
        return lp_max(w, nc, d, obj);
}

/* Steps 2 and 3 for one component. The columns are ordered: first the
 * cells with room below (value - lo >= 1, "F"), then the cells at their
 * lower bound ("S"); the reduced row echelon form of the relations then
 * also certifies, without a linear program,
 *   - an F cell outside the row space of the F columns: a move of F
 *     cells alone changes it, both ways;
 *   - an S cell whose column lies in the column space of the F columns:
 *     raising it and moving F cells alone keeps every relation. */
static mw_err_t
audit_component(const struct mw_dc *dc, struct work *w, size_t nc, size_t nf,
                size_t nr, const long long *lo, unsigned char *exposed,
                char *errstr, size_t errstr_size)
{
        size_t d, j, q, i, k, rf = 0, r = 0;

        d = null_basis(dc, w, nc, nr);
        w->lp_ready = 0;
        for (j = 0; j < nc; j++) {
                size_t c = w->cells[j];

                w->up[j] = DINF;
                w->dn[j] = (double)(dc->value[c] - lo[c]);
                w->cert[j] = 0;
                if (w->pivot_of_col[j] != NOT_FOUND) {
                        r++;
                        if (j < nf)
                                rf++;
                }
        }
        for (j = 0; j < nf; j++) {
                size_t pr = w->pivot_of_col[j];

                if (pr == NOT_FOUND) {
                        w->cert[j] = 1;
                        continue;
                }
                for (k = 0; k < nf && !w->cert[j]; k++)
                        if (w->pivot_of_col[k] == NOT_FOUND &&
                            w->a[pr * nc + k] != 0)
                                w->cert[j] = 1;
        }
        for (i = nf; i < nc; i++) {
                int in_span = w->pivot_of_col[i] == NOT_FOUND;

                for (k = rf; k < r && in_span; k++)
                        if (w->a[k * nc + i] != 0)
                                in_span = 0;
                if (in_span)
                        w->cert[i] = 1;
        }
        /* integer basis vectors of the null space that fit */
        for (q = 0; q < d; q++) {
                double tup = DINF, tdn = DINF;
                int integral = 1;

                for (j = 0; j < nc; j++) {
                        double v = w->nb[j * d + q];

                        if (v == 0)
                                continue;
                        if (v != dround(v))
                                integral = 0;
                        if (v > 0) {
                                if (w->dn[j] / v < tdn)
                                        tdn = w->dn[j] / v;
                        } else if (w->dn[j] / -v < tup) {
                                tup = w->dn[j] / -v;
                        }
                }
                if (!integral || (tup < 1 - 1e-7 && tdn < 1 - 1e-7))
                        continue;
                for (j = 0; j < nc; j++)
                        if (w->nb[j * d + q] != 0)
                                w->cert[j] = 1;
        }
        /* one linear program for all: raise the sum of the cells not
         * cleared yet; its optimum (or unbounded ray) clears many */
        if (d) {
                double *obj = w->dn + nc, opt;
                int any = 0;

                for (q = 0; q < d; q++)
                        obj[q] = 0;
                for (j = 0; j < nc; j++) {
                        if (w->cert[j] || exposed[w->cells[j]])
                                continue;
                        any = 1;
                        for (q = 0; q < d; q++)
                                obj[q] += w->nb[j * d + q];
                }
                opt = any ? lp_max(w, nc, d, obj) : 0;
                if (opt == LP_NOMEM)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
        }
        for (i = 0; i < nc; i++) {
                double up, dn;

                if (w->cert[i] || exposed[w->cells[i]])
                        continue;
                if (d == 0) {
                        exposed[w->cells[i]] = 1;
                        continue;
                }
                /* moves by 1 up or down: not exposed; gave up: exposed
                 * (fail closed) */
                up = lp_range(w, nc, d, i, 1);
                dn = up >= 1 - 1e-7 ? 0 : lp_range(w, nc, d, i, -1);
                if (up == LP_NOMEM || dn == LP_NOMEM)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                if (up >= 1 - 1e-7 || dn >= 1 - 1e-7)
                        w->cert[i] = 1;
                else
                        exposed[w->cells[i]] = 1;
        }
        return MW_OK;
}

/* Marks in exposed[] the suppressed cells of every component (or, with
 * only != NOT_FOUND, of the components next to cell only) that a reader
 * can work out from the relations, the published values and the lower
 * bounds lo. With only, a component of more than max_cells cells (if
 * max_cells > 0) stops the audit and sets *too_big. */
static mw_err_t
audit_components(const struct mw_dc *dc, const long long *lo, size_t only,
                 size_t max_cells, int *too_big, unsigned char *exposed,
                 char *errstr, size_t errstr_size)
{
        size_t n = dc->n_cells, r, i, k, nc, nr, c, nf = 0, pass;
        struct work w;
        unsigned char *want = NULL;
        mw_err_t err = MW_OK;

        memset(&w, 0, sizeof(w));
        w.parent = malloc((n ? n : 1) * sizeof(*w.parent));
        w.col = malloc((n ? n : 1) * sizeof(*w.col));
        w.cells = malloc((n ? n : 1) * sizeof(*w.cells));
        w.rels = malloc((dc->n_rel ? dc->n_rel : 1) * sizeof(*w.rels));
        w.pivot_of_col = malloc((n ? n : 1) * sizeof(*w.pivot_of_col));
        w.free_cols = malloc((n ? n : 1) * sizeof(*w.free_cols));
        w.up = malloc((2 * n + 1) * sizeof(*w.up));
        w.dn = malloc((2 * n + 1) * sizeof(*w.dn));
        w.cert = malloc(n ? n : 1);
        w.lp_var = malloc((2 * n + 1) * sizeof(*w.lp_var));
        w.lp_sign = malloc(2 * n + 1);
        want = calloc(n ? n : 1, 1);
        if (!w.parent || !w.col || !w.cells || !w.rels || !w.pivot_of_col ||
            !w.free_cols || !w.up || !w.dn || !w.cert || !w.lp_var ||
            !w.lp_sign || !want) {
                err =
                    mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                goto out;
        }
        for (i = 0; i < n; i++)
                w.parent[i] = i;
        for (r = 0; r < dc->n_rel; r++) {
                const size_t *m = rel_mem(dc, r);
                size_t first = NOT_FOUND;

                for (i = 0; i < rel_len(dc, r); i++) {
                        if (dc->state[m[i]] == MW_DC_PUBLISHED)
                                continue;
                        if (first == NOT_FOUND)
                                first = uf_find(w.parent, m[i]);
                        else
                                w.parent[uf_find(w.parent, m[i])] = first;
                }
        }
        for (i = 0; i < n; i++)
                if (dc->state[i] != MW_DC_PUBLISHED)
                        w.parent[i] = uf_find(w.parent, i);
        /* which components to look at */
        if (only == NOT_FOUND) {
                for (i = 0; i < n; i++)
                        if (dc->state[i] != MW_DC_PUBLISHED)
                                want[w.parent[i]] = 1;
        } else {
                for (k = dc->cell_off[only]; k < dc->cell_off[only + 1]; k++) {
                        const size_t *m = rel_mem(dc, dc->cell_rel[k]);

                        for (i = 0; i < rel_len(dc, dc->cell_rel[k]); i++)
                                if (dc->state[m[i]] != MW_DC_PUBLISHED)
                                        want[w.parent[m[i]]] = 1;
                }
        }
        for (i = 0; i < n; i++) {
                size_t root = i;

                if (dc->stop && *dc->stop) {
                        err = mw_errf(errstr, errstr_size, MW_ERR_IO,
                                      "interrupted");
                        goto out;
                }
                if (dc->state[i] == MW_DC_PUBLISHED || w.parent[i] != i ||
                    !want[i])
                        continue;
                nc = nr = 0;
                for (pass = 0; pass < 2; pass++) {
                        for (c = 0; c < n; c++)
                                if (dc->state[c] != MW_DC_PUBLISHED &&
                                    w.parent[c] == root &&
                                    (dc->value[c] > lo[c]) == (pass == 0)) {
                                        w.col[c] = nc;
                                        w.cells[nc++] = c;
                                }
                        if (pass == 0)
                                nf = nc;
                }
                if (only != NOT_FOUND && max_cells && nc > max_cells) {
                        *too_big = 1;
                        goto out;
                }
                for (r = 0; r < dc->n_rel; r++) {
                        const size_t *m = rel_mem(dc, r);

                        for (k = 0; k < rel_len(dc, r); k++)
                                if (dc->state[m[k]] != MW_DC_PUBLISHED &&
                                    w.parent[m[k]] == root) {
                                        w.rels[nr++] = r;
                                        break;
                                }
                }
                if (nr == 0)
                        continue; /* in no relation: nothing determines it */
                if (grow((void **)&w.mod, &w.mod_cap, nr * nc,
                         sizeof(*w.mod)) ||
                    grow((void **)&w.a, &w.a_cap, nr * nc, sizeof(*w.a)) ||
                    grow((void **)&w.nb, &w.nb_cap, nc * nc, sizeof(*w.nb))) {
                        err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                      "out of memory");
                        goto out;
                }
                exact_determined(dc, &w, nc, nr, exposed);
                err = audit_component(dc, &w, nc, nf, nr, lo, exposed, errstr,
                                      errstr_size);
                if (err)
                        goto out;
        }
out:
        work_release(&w);
        free(want);
        return err;
}

/* exposed[i] = 1 for every suppressed cell a reader can work out (only,
 * max_cells, too_big: as audit_components()). */
static mw_err_t
find_exposed(const struct mw_dc *dc, size_t only, size_t max_cells,
             int *too_big, unsigned char *exposed, char *errstr,
             size_t errstr_size)
{
        long long *lo, *hi;
        size_t i;
        mw_err_t err;

        memset(exposed, 0, dc->n_cells ? dc->n_cells : 1);
        lo = malloc((dc->n_cells ? dc->n_cells : 1) * sizeof(*lo));
        hi = malloc((dc->n_cells ? dc->n_cells : 1) * sizeof(*hi));
        if (!lo || !hi) {
                free(lo);
                free(hi);
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        }
        err = propagate(dc, lo, hi, errstr, errstr_size);
        if (!err)
                for (i = 0; i < dc->n_cells; i++)
                        if (dc->state[i] != MW_DC_PUBLISHED && lo[i] == hi[i])
                                exposed[i] = 1;
        if (!err)
                err = audit_components(dc, lo, only, max_cells, too_big,
                                       exposed, errstr, errstr_size);
        /* a withheld 0 that can be worked out gives no person away: what
         * gives it away is a published total of 0; the non-zero cells of
         * its breakdown are audited as every other */
        for (i = 0; !err && i < dc->n_cells; i++)
                if (dc->prio[i] == MW_DC_WITHHELD && dc->value[i] == 0)
                        exposed[i] = 0;
        free(lo);
        free(hi);
        return err;
}

mw_err_t
mw_dc_verify(const struct mw_dc *dc, size_t *exposed, size_t max_exposed,
             size_t *n_exposed, char *errstr, size_t errstr_size)
{
        unsigned char *ex;
        size_t i, n = 0;
        mw_err_t err;

        ex = calloc(dc->n_cells ? dc->n_cells : 1, 1);
        if (!ex)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        err = find_exposed(dc, NOT_FOUND, 0, NULL, ex, errstr, errstr_size);
        for (i = 0; !err && i < dc->n_cells; i++)
                if (ex[i] && dc->state[i] != MW_DC_PUBLISHED) {
                        if (exposed && n < max_exposed)
                                exposed[n] = i;
                        n++;
                }
        free(ex);
        *n_exposed = n;
        return err;
}

mw_err_t
mw_dc_bounds(const struct mw_dc *dc, size_t id, long long *lo, long long *hi,
             char *errstr, size_t errstr_size)
{
        long long *l, *h;
        mw_err_t err;

        if (id >= dc->n_cells)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "no cell %zu", id);
        l = malloc(dc->n_cells * sizeof(*l));
        h = malloc(dc->n_cells * sizeof(*h));
        if (!l || !h) {
                free(l);
                free(h);
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        }
        err = propagate(dc, l, h, errstr, errstr_size);
        if (!err) {
                *lo = l[id];
                *hi = h[id] == INF ? -1 : h[id];
        }
        free(l);
        free(h);
        return err;
}

/* ---- deciding ----------------------------------------------------------- */

static size_t
n_suppressed_in(const struct mw_dc *dc, size_t r)
{
        const size_t *m = rel_mem(dc, r);
        size_t i, n = 0;

        for (i = 0; i < rel_len(dc, r); i++)
                if (dc->state[m[i]] != MW_DC_PUBLISHED)
                        n++;
        return n;
}

/* 1 if cell a is a better choice to suppress than cell b: lower
 * priority, then a part before the total, then the smaller value, then
 * the earlier in the relation (a comes later than b in the scan, so equal
 * is not better). */
static int
better(const struct mw_dc *dc, size_t a, int a_total, size_t b, int b_total)
{
        if (dc->prio[a] != dc->prio[b])
                return dc->prio[a] < dc->prio[b];
        if (a_total != b_total)
                return b_total;
        return dc->value[a] < dc->value[b];
}

/* The member of r to suppress next: among the non-zero published
 * members, the lowest priority; on equal priority the smallest part
 * (first in the relation on ties), else the total. NOT_FOUND if there is
 * none. With every priority equal (the default) this is the rule: the
 * smallest non-zero published part, else the total. */
static size_t
choose(const struct mw_dc *dc, size_t r)
{
        const size_t *m = rel_mem(dc, r);
        size_t i, best = NOT_FOUND;
        int best_total = 0;

        for (i = 1; i < rel_len(dc, r); i++) {
                size_t c = m[i];

                if (dc->state[c] != MW_DC_PUBLISHED || dc->value[c] == 0 ||
                    dc->frozen[c])
                        continue;
                if (best == NOT_FOUND || better(dc, c, 0, best, best_total)) {
                        best = c;
                        best_total = 0;
                }
        }
        if (dc->state[m[0]] == MW_DC_PUBLISHED && dc->value[m[0]] > 0 &&
            !dc->frozen[m[0]] &&
            (best == NOT_FOUND || better(dc, m[0], 1, best, best_total)))
                best = m[0];
        return best;
}

/* 1 if a reader can work out r's hidden parts from its published total
 * alone: every hidden cell is at least 1, so hidden parts that add up to
 * their number are all 1. */
static int
pinned_by_bounds(const struct mw_dc *dc, size_t r)
{
        const size_t *m = rel_mem(dc, r);
        long long rest, lo_sum = 0, lo, hi;
        size_t i, k = 0;

        if (dc->state[m[0]] != MW_DC_PUBLISHED)
                return 0;
        rest = dc->value[m[0]];
        for (i = 1; i < rel_len(dc, r); i++) {
                if (dc->state[m[i]] == MW_DC_PUBLISHED) {
                        rest -= dc->value[m[i]];
                } else {
                        initial_bounds(dc, m[i], &lo, &hi);
                        lo_sum += lo;
                        k++;
                }
        }
        return k >= 2 && rest == lo_sum;
}

/* 1 if the hidden member of r is a withheld 0 (find_exposed()). */
static int
only_withheld_zero(const struct mw_dc *dc, size_t r)
{
        const size_t *m = rel_mem(dc, r);
        size_t i;

        for (i = 0; i < rel_len(dc, r); i++)
                if (dc->state[m[i]] != MW_DC_PUBLISHED)
                        return dc->prio[m[i]] == MW_DC_WITHHELD &&
                               dc->value[m[i]] == 0;
        return 0;
}

/* 1 if the hidden members of r are frozen (a report published before
 * decided them; the audit judges what that report printed). */
static int
hidden_frozen(const struct mw_dc *dc, size_t r)
{
        const size_t *m = rel_mem(dc, r);
        size_t i;

        for (i = 0; i < rel_len(dc, r); i++)
                if (dc->state[m[i]] != MW_DC_PUBLISHED && !dc->frozen[m[i]])
                        return 0;
        return 1;
}

/* 1 if r is the breakdown of a published margin (an MW_DC_PUBLIC total)
 * into cells that are no margins. */
static int
margin_rel(const struct mw_dc *dc, size_t r)
{
        const size_t *m = rel_mem(dc, r);
        size_t i;

        if (dc->prio[m[0]] != MW_DC_PUBLIC ||
            dc->state[m[0]] != MW_DC_PUBLISHED)
                return 0;
        for (i = 1; i < rel_len(dc, r); i++)
                if (dc->prio[m[i]] == MW_DC_PUBLIC)
                        return 0;
        return 1;
}

/* Withholds the parts of r as a whole, zeros too; returns how many cells
 * it hid. */
static size_t
withhold_rel(struct mw_dc *dc, size_t r)
{
        const size_t *m = rel_mem(dc, r);
        size_t i, n = 0;

        for (i = 1; i < rel_len(dc, r); i++) {
                if (dc->frozen[m[i]])
                        continue;
                if (dc->state[m[i]] == MW_DC_PUBLISHED)
                        n++;
                if (dc->state[m[i]] != MW_DC_PRIMARY)
                        dc->state[m[i]] = MW_DC_SECONDARY;
                dc->prio[m[i]] = MW_DC_WITHHELD;
        }
        return n;
}

/* Withholds a breakdown of a published margin next to the exposed cell
 * e: one of e's relations, else one of a relation of a hidden cell that
 * shares a relation with e. Returns how many cells it hid (0: none). */
static size_t
withhold_near(struct mw_dc *dc, size_t e)
{
        size_t k, m, q, hid = 0;

        for (k = dc->cell_off[e]; !hid && k < dc->cell_off[e + 1]; k++)
                if (margin_rel(dc, dc->cell_rel[k]))
                        hid = withhold_rel(dc, dc->cell_rel[k]);
        for (k = dc->cell_off[e]; !hid && k < dc->cell_off[e + 1]; k++) {
                size_t r = dc->cell_rel[k];

                for (m = dc->rel_off[r]; !hid && m < dc->rel_off[r + 1]; m++) {
                        size_t h = dc->mem[m];

                        if (h == e || dc->state[h] == MW_DC_PUBLISHED)
                                continue;
                        for (q = dc->cell_off[h];
                             !hid && q < dc->cell_off[h + 1]; q++)
                                if (margin_rel(dc, dc->cell_rel[q]))
                                        hid = withhold_rel(dc, dc->cell_rel[q]);
                }
        }
        return hid;
}

/* The secondary rule until nothing changes: a relation with exactly one
 * hidden member, or whose hidden parts its published total pins down,
 * gets one more. */
static mw_err_t
secondary(struct mw_dc *dc, size_t *rounds, char *errstr, size_t errstr_size)
{
        size_t r, c;
        int changed = 1;

        while (changed) {
                changed = 0;
                for (r = 0; r < dc->n_rel; r++) {
                        if (n_suppressed_in(dc, r) != 1 &&
                            !pinned_by_bounds(dc, r))
                                continue;
                        c = choose(dc, r);
                        /* a breakdown of a published margin that only
                         * the margin could protect is withheld */
                        if (margin_rel(dc, r) &&
                            (c == NOT_FOUND || dc->prio[c] == MW_DC_PUBLIC) &&
                            !only_withheld_zero(dc, r)) {
                                if (withhold_rel(dc, r) == 0)
                                        continue; /* the audit decides */
                                changed = 1;
                                continue;
                        }
                        if (c == NOT_FOUND) {
                                if (n_suppressed_in(dc, r) != 1 ||
                                    only_withheld_zero(dc, r) ||
                                    hidden_frozen(dc, r))
                                        continue; /* the audit decides */
                                return mw_errf(errstr, errstr_size,
                                               MW_ERR_INVALID,
                                               "relation %zu: nothing left "
                                               "to suppress",
                                               r);
                        }
                        dc->state[c] = MW_DC_SECONDARY;
                        changed = 1;
                        if (++*rounds > MAX_ROUNDS)
                                return mw_errf(errstr, errstr_size,
                                               MW_ERR_INVALID,
                                               "secondary suppression does "
                                               "not end");
                }
        }
        return MW_OK;
}

/* The audit's extra cell for an exposed cell e: the choice of e's
 * relation with the fewest hidden members (the tightest; first on ties)
 * that has one, else of the relations of any hidden cell. */
static size_t
audit_choice(const struct mw_dc *dc, size_t e)
{
        size_t k, c, best = NOT_FOUND, best_n = 0, cell;

        for (k = dc->cell_off[e]; k < dc->cell_off[e + 1]; k++) {
                size_t r = dc->cell_rel[k], n = n_suppressed_in(dc, r);

                c = choose(dc, r);
                if (c != NOT_FOUND && (best == NOT_FOUND || n < best_n)) {
                        best = c;
                        best_n = n;
                }
        }
        for (cell = 0; best == NOT_FOUND && cell < dc->n_cells; cell++) {
                if (dc->state[cell] == MW_DC_PUBLISHED)
                        continue;
                for (k = dc->cell_off[cell];
                     best == NOT_FOUND && k < dc->cell_off[cell + 1]; k++)
                        best = choose(dc, dc->cell_rel[k]);
        }
        return best;
}

static int
releasable(const struct mw_dc *dc, size_t c)
{
        size_t k;

        for (k = dc->cell_off[c]; k < dc->cell_off[c + 1]; k++)
                if (n_suppressed_in(dc, dc->cell_rel[k]) == 1 ||
                    pinned_by_bounds(dc, dc->cell_rel[k]))
                        return 0;
        return 1;
}

#define RELEASE_GROUP 6

/* Publishes c, and with it every secondary cell that would be left the
 * only hidden member of a relation (an identity like exits_job =
 * exit_ordinary_job can only be released as a pair), up to RELEASE_GROUP
 * cells. Returns the number published (their ids in grp), or 0 (and
 * nothing changed) if that leaves a relation with one hidden member or
 * pinned by its bounds. */
static size_t
release_group(struct mw_dc *dc, size_t c, size_t *grp)
{
        size_t n = 0, g, k, m;
        int grew = 1;

        grp[n++] = c;
        dc->state[c] = MW_DC_PUBLISHED;
        while (grew) {
                grew = 0;
                for (g = 0; g < n && !grew; g++)
                        for (k = dc->cell_off[grp[g]];
                             k < dc->cell_off[grp[g] + 1] && !grew; k++) {
                                size_t r = dc->cell_rel[k], last = NOT_FOUND;

                                if (n_suppressed_in(dc, r) != 1)
                                        continue;
                                for (m = dc->rel_off[r]; m < dc->rel_off[r + 1];
                                     m++)
                                        if (dc->state[dc->mem[m]] !=
                                            MW_DC_PUBLISHED)
                                                last = dc->mem[m];
                                if (dc->state[last] != MW_DC_SECONDARY ||
                                    dc->prio[last] == MW_DC_WITHHELD ||
                                    dc->frozen[last] || n == RELEASE_GROUP)
                                        goto undo;
                                dc->state[last] = MW_DC_PUBLISHED;
                                grp[n++] = last;
                                grew = 1;
                        }
        }
        for (g = 0; g < n; g++)
                if (!releasable(dc, grp[g]))
                        goto undo;
        return n;
undo:
        for (g = 0; g < n; g++)
                dc->state[grp[g]] = MW_DC_SECONDARY;
        return 0;
}

/* Release order: highest priority first, then the largest value, then
 * the lowest id. */
static int
cmp_release(const struct mw_dc *dc, size_t x, size_t y)
{
        if (dc->prio[x] != dc->prio[y])
                return dc->prio[x] > dc->prio[y] ? -1 : 1;
        if (dc->value[x] != dc->value[y])
                return dc->value[x] > dc->value[y] ? -1 : 1;
        return x < y ? -1 : x > y;
}

/* merge sort: qsort has no context argument in C11 */
static void
sort_release(const struct mw_dc *dc, size_t *ids, size_t *tmp, size_t n)
{
        size_t h = n / 2, i = 0, j = h, k = 0;

        if (n < 2)
                return;
        sort_release(dc, ids, tmp, h);
        sort_release(dc, ids + h, tmp, n - h);
        while (i < h && j < n)
                tmp[k++] =
                    cmp_release(dc, ids[j], ids[i]) < 0 ? ids[j++] : ids[i++];
        while (i < h)
                tmp[k++] = ids[i++];
        while (j < n)
                tmp[k++] = ids[j++];
        memcpy(ids, tmp, n * sizeof(*ids));
}

/* Marks in relmark[] the relations whose combination (modulo PRIME)
 * gives hidden cell e from published values, if there is one; returns 1
 * then, else 0 (-1: no memory). The matrix of e's component is reduced
 * together with an identity matrix that records the row operations. */
static int
explain(const struct mw_dc *dc, size_t e, unsigned char *relmark)
{
        size_t n = dc->n_cells, *comp = NULL, *rels = NULL, *col = NULL;
        size_t nc = 0, nr = 0, r, i, k, c, w, pr = 0;
        uint32_t *mat = NULL;
        int found = 0;
        unsigned char *in = NULL;

        memset(relmark, 0, dc->n_rel ? dc->n_rel : 1);
        comp = malloc((n ? n : 1) * sizeof(*comp));
        col = malloc((n ? n : 1) * sizeof(*col));
        rels = malloc((dc->n_rel ? dc->n_rel : 1) * sizeof(*rels));
        in = calloc(n ? n : 1, 1);
        if (!comp || !col || !rels || !in) {
                found = -1;
                goto out;
        }
        /* e's component: breadth first over relations */
        comp[nc++] = e;
        in[e] = 1;
        for (i = 0; i < nc; i++)
                for (k = dc->cell_off[comp[i]]; k < dc->cell_off[comp[i] + 1];
                     k++) {
                        const size_t *m = rel_mem(dc, dc->cell_rel[k]);

                        for (c = 0; c < rel_len(dc, dc->cell_rel[k]); c++)
                                if (dc->state[m[c]] != MW_DC_PUBLISHED &&
                                    !in[m[c]]) {
                                        in[m[c]] = 1;
                                        comp[nc++] = m[c];
                                }
                }
        for (i = 0; i < nc; i++)
                col[comp[i]] = i;
        for (r = 0; r < dc->n_rel; r++) {
                const size_t *m = rel_mem(dc, r);

                for (c = 0; c < rel_len(dc, r); c++)
                        if (in[m[c]]) {
                                rels[nr++] = r;
                                break;
                        }
        }
        w = nc + nr;
        mat = calloc(nr * w > 0 ? nr * w : 1, sizeof(*mat));
        if (!mat) {
                found = -1;
                goto out;
        }
        for (i = 0; i < nr; i++) {
                const size_t *m = rel_mem(dc, rels[i]);

                for (c = 0; c < rel_len(dc, rels[i]); c++)
                        if (in[m[c]])
                                mat[i * w + col[m[c]]] =
                                    c == 0 ? 1 : (uint32_t)(PRIME - 1);
                mat[i * w + nc + i] = 1;
        }
        pr = rref_mod(mat, nr, nc, w);
        for (r = 0; r < pr && !found; r++) {
                size_t nz = 0;

                for (k = 0; k < nc && nz < 2; k++)
                        if (mat[r * w + k])
                                nz++;
                if (nz != 1 || mat[r * w + col[e]] == 0)
                        continue;
                for (k = 0; k < nr; k++)
                        if (mat[r * w + nc + k])
                                relmark[rels[k]] = 1;
                found = 1;
        }
out:
        free(comp);
        free(col);
        free(rels);
        free(in);
        free(mat);
        return found;
}

#define AUDIT_TRIES 24

/* 1 if x is e or a hidden cell in one of e's relations. */
static int
next_to(const struct mw_dc *dc, size_t e, size_t x)
{
        size_t k, m;

        if (x == e)
                return 1;
        if (dc->state[x] == MW_DC_PUBLISHED)
                return 0;
        for (k = dc->cell_off[e]; k < dc->cell_off[e + 1]; k++) {
                size_t r = dc->cell_rel[k];

                for (m = dc->rel_off[r]; m < dc->rel_off[r + 1]; m++)
                        if (dc->mem[m] == x)
                                return 1;
        }
        return 0;
}

/* For an exposed cell e whose relations have nothing left to hide (frozen
 * cells of a report already published): a cell that an order ties to e or
 * to a hidden cell next to it, such as the same count on a later date.
 * A non-zero one is hidden; a zero one (zeros are never hidden) has its
 * breakdowns of a published margin withheld. Returns how many cells it
 * hid. */
static size_t
order_fix(struct mw_dc *dc, size_t e)
{
        size_t k, q, hid = 0;

        for (k = 0; k < dc->n_ord && !hid; k++) {
                size_t a = dc->ord[2 * k], b = dc->ord[2 * k + 1], p;

                if (next_to(dc, e, a))
                        p = b;
                else if (next_to(dc, e, b))
                        p = a;
                else
                        continue;
                if (dc->frozen[p] || dc->state[p] != MW_DC_PUBLISHED)
                        continue;
                if (dc->value[p] > 0) {
                        dc->state[p] = MW_DC_SECONDARY;
                        return 1;
                }
                for (q = dc->cell_off[p]; q < dc->cell_off[p + 1]; q++)
                        if (margin_rel(dc, dc->cell_rel[q]))
                                hid += withhold_rel(dc, dc->cell_rel[q]);
        }
        return hid;
}

/* Suppresses, for every exposed cell, one more cell: of the published
 * non-zero members of its relations, in the order of choose() (lowest
 * priority, smallest value), the first whose suppression makes the cell
 * safe (audited on the spot, up to AUDIT_TRIES tries), else the first;
 * with no such member, audit_choice(). Returns how many were added, or
 * (size_t)-1 with errstr on failure. */
static size_t
audit_add(struct mw_dc *dc, const unsigned char *ex, size_t *cand,
          unsigned char *ex2, unsigned char *relmark, char *errstr,
          size_t errstr_size)
{
        size_t i, k, m, r0, n_added = 0;

        for (i = 0; i < dc->n_cells; i++) {
                size_t nc = 0, j, t, pick = NOT_FOUND;
                int x;

                if (!ex[i] || dc->state[i] == MW_DC_PUBLISHED)
                        continue;
                /* candidates: the published non-zero members of the
                 * relations that work e out (if linear algebra does),
                 * else of e's relations and of the relations of the
                 * hidden cells next to e */
                x = explain(dc, i, relmark);
                if (x < 0)
                        return (size_t)-1;
                if (!x) {
                        for (k = dc->cell_off[i]; k < dc->cell_off[i + 1];
                             k++) {
                                size_t r = dc->cell_rel[k];

                                relmark[r] = 1;
                                for (m = dc->rel_off[r]; m < dc->rel_off[r + 1];
                                     m++) {
                                        size_t h = dc->mem[m], q;

                                        if (dc->state[h] == MW_DC_PUBLISHED)
                                                continue;
                                        for (q = dc->cell_off[h];
                                             q < dc->cell_off[h + 1]; q++)
                                                relmark[dc->cell_rel[q]] = 1;
                                }
                        }
                }
                for (r0 = 0; r0 < dc->n_rel; r0++) {
                        if (!relmark[r0])
                                continue;
                        for (m = dc->rel_off[r0]; m < dc->rel_off[r0 + 1];
                             m++) {
                                size_t c = dc->mem[m];

                                if (dc->state[c] != MW_DC_PUBLISHED ||
                                    dc->value[c] == 0 || dc->frozen[c])
                                        continue;
                                for (j = 0; j < nc && cand[j] != c; j++)
                                        ;
                                if (j == nc)
                                        cand[nc++] = c;
                        }
                }
                /* order: priority, value, id (insertion sort) */
                for (j = 1; j < nc; j++) {
                        size_t c = cand[j];

                        for (t = j; t > 0; t--) {
                                size_t o = cand[t - 1];

                                if (dc->prio[o] < dc->prio[c] ||
                                    (dc->prio[o] == dc->prio[c] &&
                                     (dc->value[o] < dc->value[c] ||
                                      (dc->value[o] == dc->value[c] && o < c))))
                                        break;
                                cand[t] = o;
                        }
                        cand[t] = c;
                }
                for (j = 0; j < nc && j < AUDIT_TRIES; j++) {
                        mw_err_t err;

                        dc->state[cand[j]] = MW_DC_SECONDARY;
                        dc->stats.verify_calls++;
                        err = find_exposed(dc, cand[j], 0, NULL, ex2, errstr,
                                           errstr_size);
                        dc->state[cand[j]] = MW_DC_PUBLISHED;
                        if (err)
                                return (size_t)-1;
                        if (!ex2[i]) {
                                pick = cand[j];
                                break;
                        }
                }
                if (pick == NOT_FOUND && nc == 0) {
                        size_t hid = order_fix(dc, i);

                        if (hid) {
                                dc->stats.audit_added += hid;
                                n_added += hid;
                                continue;
                        }
                }
                if (pick == NOT_FOUND)
                        pick = nc ? cand[0] : audit_choice(dc, i);
                if (pick != NOT_FOUND && dc->prio[pick] == MW_DC_PUBLIC) {
                        /* withhold a breakdown of a margin that holds i
                         * rather than hide the margin */
                        size_t hid = withhold_near(dc, i);

                        if (hid) {
                                dc->stats.audit_added += hid;
                                n_added += hid;
                                continue;
                        }
                }
                if (pick != NOT_FOUND && dc->state[pick] == MW_DC_PUBLISHED) {
                        dc->state[pick] = MW_DC_SECONDARY;
                        dc->stats.audit_added++;
                        n_added++;
                }
        }
        return n_added;
}

static size_t
count_exposed(const struct mw_dc *dc, const unsigned char *ex)
{
        size_t i, n = 0;

        for (i = 0; i < dc->n_cells; i++)
                n += ex[i] && dc->state[i] != MW_DC_PUBLISHED;
        return n;
}

/* Secondary rule, audit, more cells for the exposed ones, until nothing
 * is exposed. */
static mw_err_t
settle(struct mw_dc *dc, unsigned char *ex, unsigned char *ex2,
       unsigned char *relmark, size_t *picks, size_t *rounds, char *errstr,
       size_t errstr_size)
{
        size_t added;
        mw_err_t err;

        for (;;) {
                err = secondary(dc, rounds, errstr, errstr_size);
                if (err)
                        return err;
                dc->stats.verify_calls++;
                err = find_exposed(dc, NOT_FOUND, 0, NULL, ex, errstr,
                                   errstr_size);
                if (err)
                        return err;
                if (count_exposed(dc, ex) == 0)
                        return MW_OK;
                added =
                    audit_add(dc, ex, picks, ex2, relmark, errstr, errstr_size);
                if (added == (size_t)-1)
                        return MW_ERR_NOMEM;
                if (added == 0)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "a cell is exposed and nothing is "
                                       "left to suppress");
                if (++*rounds > MAX_ROUNDS)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "the audit does not end");
        }
}

/* Components up to this many hidden cells get an audit per released
 * cell; larger ones one audit for all (and a repair). */
#define RELEASE_LOCAL_MAX 120
/* The first candidates (highest priority) get an audit of their own in
 * any component. */
#define RELEASE_TOP 40

/* Releases, largest first, the secondary cells cand[] that are not
 * needed: in a small component with an audit of that component per cell;
 * in a large one tentatively (batch[], *n_batch), for one audit of them
 * all (settle_batch()). */
static mw_err_t
release_secondary(struct mw_dc *dc, const size_t *cand, size_t n_cand,
                  unsigned char *ex, unsigned char *batch, size_t *n_batch,
                  char *errstr, size_t errstr_size)
{
        size_t i;
        mw_err_t err = MW_OK;

        for (i = 0; i < n_cand; i++) {
                size_t c = cand[i], grp[RELEASE_GROUP], n_grp, g;
                int too_big = 0;

                if (dc->state[c] != MW_DC_SECONDARY)
                        continue; /* released with an earlier one */
                n_grp = release_group(dc, c, grp);
                if (n_grp == 0)
                        continue;
                dc->stats.verify_calls++;
                if (n_grp == 1)
                        err = find_exposed(
                            dc, c, i < RELEASE_TOP ? 0 : RELEASE_LOCAL_MAX,
                            &too_big, ex, errstr, errstr_size);
                else if (i < RELEASE_TOP)
                        err = find_exposed(dc, NOT_FOUND, 0, NULL, ex, errstr,
                                           errstr_size);
                else
                        too_big = 1;
                if (err)
                        return err;
                if (too_big && n_grp == 1) {
                        batch[c] = 1;
                        (*n_batch)++;
                } else if (too_big || count_exposed(dc, ex)) {
                        for (g = 0; g < n_grp; g++)
                                dc->state[grp[g]] = MW_DC_SECONDARY;
                }
        }
        return MW_OK;
}

/* Marks in relmark[] the relations whose tentative releases are hidden
 * again for the exposed cell e: those explain() finds working it out, or,
 * if it finds none, every relation of e and of the hidden or tentatively
 * released cells next to it. -1 when out of memory. */
static int
mark_rehide(const struct mw_dc *dc, size_t e, const unsigned char *batch,
            unsigned char *relmark)
{
        size_t k, m, u;
        int x = explain(dc, e, relmark);

        if (x)
                return x < 0 ? -1 : 0;
        for (k = dc->cell_off[e]; k < dc->cell_off[e + 1]; k++) {
                size_t q = dc->cell_rel[k];

                relmark[q] = 1;
                for (m = dc->rel_off[q]; m < dc->rel_off[q + 1]; m++) {
                        size_t h = dc->mem[m];

                        if (!batch[h] && dc->state[h] == MW_DC_PUBLISHED)
                                continue;
                        for (u = dc->cell_off[h]; u < dc->cell_off[h + 1]; u++)
                                relmark[dc->cell_rel[u]] = 1;
                }
        }
        return 0;
}

/* Hides again the tentative releases in the relations marked. */
static void
rehide_marked(struct mw_dc *dc, const unsigned char *relmark,
              unsigned char *batch, size_t *n_batch)
{
        size_t r, m;

        for (r = 0; r < dc->n_rel; r++) {
                if (!relmark[r])
                        continue;
                for (m = dc->rel_off[r]; m < dc->rel_off[r + 1]; m++)
                        if (batch[dc->mem[m]]) {
                                batch[dc->mem[m]] = 0;
                                dc->state[dc->mem[m]] = MW_DC_SECONDARY;
                                (*n_batch)--;
                        }
        }
}

/* The tentative releases: one audit of them all, then, while a cell is
 * exposed, hides again those in the relations that work an exposed cell
 * out (or next to it); if that hides none, all of them. */
static mw_err_t
settle_batch(struct mw_dc *dc, unsigned char *ex, unsigned char *batch,
             size_t n_batch, unsigned char *relmark, char *errstr,
             size_t errstr_size)
{
        size_t i;
        mw_err_t err;

        while (n_batch) {
                size_t before = n_batch;

                dc->stats.verify_calls++;
                err = find_exposed(dc, NOT_FOUND, 0, NULL, ex, errstr,
                                   errstr_size);
                if (err)
                        return err;
                if (count_exposed(dc, ex) == 0)
                        break;
                for (i = 0; i < dc->n_cells; i++) {
                        if (!ex[i] || dc->state[i] == MW_DC_PUBLISHED)
                                continue;
                        if (mark_rehide(dc, i, batch, relmark) < 0)
                                return mw_errf(errstr, errstr_size,
                                               MW_ERR_NOMEM, "out of memory");
                        rehide_marked(dc, relmark, batch, &n_batch);
                }
                if (n_batch == before)
                        for (i = 0; i < dc->n_cells; i++)
                                if (batch[i]) {
                                        batch[i] = 0;
                                        dc->state[i] = MW_DC_SECONDARY;
                                        n_batch--;
                                }
        }
        return MW_OK;
}

void
mw_dc_set_stop(struct mw_dc *dc, const volatile sig_atomic_t *stop)
{
        dc->stop = stop;
}

mw_err_t
mw_dc_protect(struct mw_dc *dc, char *errstr, size_t errstr_size)
{
        unsigned char *ex = NULL, *batch = NULL, *batch2 = NULL;
        unsigned char *relmark = NULL;
        size_t *cand = NULL, *picks = NULL;
        size_t i, rounds = 0, n_cand = 0, n_batch = 0;
        mw_err_t err;

        err = index_cells(dc, errstr, errstr_size);
        if (err)
                return err;
        memset(&dc->stats, 0, sizeof(dc->stats));
        ex = calloc(dc->n_cells ? dc->n_cells : 1, 1);
        batch = calloc(dc->n_cells ? dc->n_cells : 1, 1);
        batch2 = calloc(dc->n_cells ? dc->n_cells : 1, 1);
        relmark = calloc(dc->n_rel ? dc->n_rel : 1, 1);
        cand = malloc((dc->n_cells ? dc->n_cells : 1) * sizeof(*cand));
        picks = malloc((dc->n_cells ? dc->n_cells : 1) * sizeof(*picks));
        if (!ex || !batch || !batch2 || !relmark || !cand || !picks) {
                err =
                    mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                goto out;
        }
        for (i = 0; i < dc->n_cells; i++) {
                if (dc->frozen[i])
                        continue;
                if (dc->prio[i] == MW_DC_WITHHELD)
                        dc->state[i] = MW_DC_SECONDARY;
                if (dc->value[i] >= 1 && dc->value[i] < dc->threshold &&
                    dc->prio[i] != MW_DC_PUBLIC)
                        dc->state[i] = MW_DC_PRIMARY;
        }
        err = settle(dc, ex, batch2, relmark, picks, &rounds, errstr,
                     errstr_size);
        if (err)
                goto out;
        /* release what is not needed, largest first */
        for (i = 0; i < dc->n_cells; i++)
                if (dc->state[i] == MW_DC_SECONDARY &&
                    dc->prio[i] != MW_DC_WITHHELD && !dc->frozen[i])
                        cand[n_cand++] = i;
        sort_release(dc, cand, picks, n_cand);
        err = release_secondary(dc, cand, n_cand, ex, batch, &n_batch, errstr,
                                errstr_size);
        if (!err)
                err = settle_batch(dc, ex, batch, n_batch, relmark, errstr,
                                   errstr_size);
        /* hiding again cannot expose anything, but check: the published
         * pattern must pass the verifier */
        if (!err)
                err = settle(dc, ex, batch2, relmark, picks, &rounds, errstr,
                             errstr_size);
        if (err)
                goto out;
        for (i = 0; i < n_cand; i++)
                if (dc->state[cand[i]] == MW_DC_PUBLISHED)
                        dc->stats.released++;
        for (i = 0; i < dc->n_cells; i++) {
                if (dc->frozen[i])
                        continue;
                if (dc->state[i] == MW_DC_PRIMARY)
                        dc->stats.primary++;
                else if (dc->state[i] == MW_DC_SECONDARY)
                        dc->stats.secondary++;
        }
out:
        free(ex);
        free(batch);
        free(batch2);
        free(relmark);
        free(cand);
        free(picks);
        return err;
}
