/* midway: statistical disclosure control for published tables of counts of
 * persons (docs/report.md, "Disclosure control").
 *
 * A table is a set of cells (non-negative counts) and additive relations
 * between them (total = part_1 + ... + part_n). One struct mw_dc holds
 * every cell that is published together, so that one decision covers every
 * place a number appears (an overview table and the per-project pages).
 * mw_dc_protect() decides which cells are suppressed:
 *
 *   primary     every cell with 1 <= value < threshold, except the
 *               published margins (priority MW_DC_PUBLIC). 0 is published.
 *   secondary   until nothing changes: for every relation with exactly one
 *               suppressed member, suppress one more member: the smallest
 *               non-zero published part (ties: the first in the relation),
 *               else the total. A caller can rank cells with
 *               mw_dc_priority(): a member of lower priority goes first
 *               (a report keeps its key figures, e.g. the base of its
 *               percentages); with equal priorities (the default) the
 *               rule is exactly the one above.
 *   audit       mw_dc_verify(); while a suppressed cell can be worked out,
 *               suppress the smallest non-zero published member of one of
 *               its relations and go back to the secondary step.
 *   release     secondary cells are tried for publication again, highest
 *               priority and largest value first (ties: lowest id); a
 *               cell stays published if no relation is left with exactly
 *               one suppressed member and mw_dc_verify() finds nothing.
 *               In components of up to 120 hidden cells each release is
 *               audited on its own, so every secondary cell that remains
 *               is needed; larger components are audited once for all
 *               releases, and the releases next to an exposed cell are
 *               taken back until nothing is exposed.
 *
 * A withheld cell (priority MW_DC_WITHHELD) is hidden whatever its value,
 * 0 included, and never released; the reader model gives it a lower bound
 * of 0.
 *
 * Every suppressed cell is published with the same marker: a marker
 * that told primary from secondary cells would tell a reader that a cell
 * lies in [1, threshold - 1], and a total "<5" of four parts "<5" would
 * then give every part away (1 each), with nothing left to suppress.
 * Zeros are never suppressed, so a reader knows a hidden cell is at
 * least 1. mw_dc_verify() assumes the reader knows that, the published
 * values, the relations and the orders (mw_dc_order(), in bounds
 * propagation only), and reports a hidden cell as exposed when
 *   - bounds propagation over the relations pins it to one value, or
 *   - it is a linear combination of published cells (reduced row echelon
 *     form of the relations restricted to hidden cells, modulo the prime
 *     2^31 - 1), or
 *   - linear programming over the relations and bounds (per connected
 *     component of hidden cells) cannot move it by 1 up or down. A basis
 *     vector of the null space with integer entries that fits within the
 *     bounds proves a second integer completion without a linear program.
 *
 * Everything is deterministic: cells and relations are visited in the
 * order they were added. Not thread-safe; one struct per thread. */
#ifndef MIDWAY_DISCLOSURE_H
#define MIDWAY_DISCLOSURE_H

#include <signal.h>
#include <stddef.h>

#include "midway/err.h"

#define MW_DC_DEFAULT_THRESHOLD 5
#define MW_DC_MAX_THRESHOLD     1000
#define MW_DC_MAX_VALUE         1000000000L /* per cell; sums use long long */

enum mw_dc_state {
        MW_DC_PUBLISHED = 0,
        MW_DC_PRIMARY,   /* 1 <= value < threshold */
        MW_DC_SECONDARY, /* hidden so that no hidden cell can be worked
                            out; never 0 */
};

struct mw_dc_stats {
        size_t cells;
        size_t relations;
        size_t primary;
        size_t secondary;    /* after release */
        size_t audit_added;  /* cells the audit step added */
        size_t released;     /* secondary cells published again */
        size_t verify_calls; /* mw_dc_verify() runs inside protect */
};

struct mw_dc;

/* 1 <= threshold <= MW_DC_MAX_THRESHOLD. NULL with errstr on failure; free
 * with mw_dc_destroy(). */
struct mw_dc *mw_dc_new(int threshold, char *errstr, size_t errstr_size);
void mw_dc_destroy(struct mw_dc *dc);

/* Adds a cell with its exact value (0..MW_DC_MAX_VALUE) and stores its id
 * (0, 1, 2, ... in the order of the calls) in *id. Cells can be added
 * only before mw_dc_protect(). */
mw_err_t mw_dc_cell(struct mw_dc *dc, long value, size_t *id, char *errstr,
                    size_t errstr_size);

/* Adds the relation total = parts[0] + ... + parts[n_parts - 1]
 * (n_parts >= 1, no cell twice). The values must add up: MW_ERR_INVALID
 * otherwise (a caller whose parts do not cover the total adds a residual
 * cell, published or not, as one more part). */
mw_err_t mw_dc_relation(struct mw_dc *dc, size_t total, const size_t *parts,
                        size_t n_parts, char *errstr, size_t errstr_size);

/* Adds what a reader knows besides the relations: cell a <= cell b (a
 * cumulative count on an earlier date, "over 4 months" at T and the
 * visited at T - 4 months). MW_ERR_INVALID if the values disagree. Bounds
 * propagation (mw_dc_verify(), mw_dc_bounds()) uses it; the linear
 * algebra and the linear programs do not. Before mw_dc_protect(). */
mw_err_t mw_dc_order(struct mw_dc *dc, size_t a, size_t b, char *errstr,
                     size_t errstr_size);

/* Decides every cell's state (header comment). Can be called again after
 * mw_dc_set_state(): the states set by hand are kept as a starting point.
 * MW_ERR_INVALID if the table cannot be protected (cannot happen when
 * every relation adds up and has a non-zero member). */
mw_err_t mw_dc_protect(struct mw_dc *dc, char *errstr, size_t errstr_size);

/* Exposed suppressed cells under the reader model of the header comment.
 * *n_exposed = their number; if exposed is not NULL it receives (up to
 * max_exposed of) their ids in increasing order. MW_ERR_NOMEM, or
 * MW_ERR_INVALID if the published values contradict the relations. */
mw_err_t mw_dc_verify(const struct mw_dc *dc, size_t *exposed,
                      size_t max_exposed, size_t *n_exposed, char *errstr,
                      size_t errstr_size);

/* The interval [*lo, *hi] bounds propagation leaves for a cell (*hi = -1:
 * unbounded). For tests and diagnostics. */
mw_err_t mw_dc_bounds(const struct mw_dc *dc, size_t id, long long *lo,
                      long long *hi, char *errstr, size_t errstr_size);

size_t mw_dc_n_cells(const struct mw_dc *dc);
long mw_dc_value(const struct mw_dc *dc, size_t id);
enum mw_dc_state mw_dc_state(const struct mw_dc *dc, size_t id);
int mw_dc_suppressed(const struct mw_dc *dc, size_t id);
/* For a figure computed from cells (a percentage, a change between two
 * dates): 1 if any of the n cells is suppressed. */
int mw_dc_any_suppressed(const struct mw_dc *dc, const size_t *ids, size_t n);
int mw_dc_threshold(const struct mw_dc *dc);
/* Ranks a cell for secondary suppression (default 0): lower priorities
 * are hidden first, higher ones released first. Before mw_dc_protect().
 * MW_DC_PUBLIC marks a published margin (a count a report publishes as it
 * is, docs/report.md): never a primary cell, whatever its value, and
 * hidden as a secondary cell only when a relation has no other member
 * left to hide (the last resort; released first). */
#define MW_DC_PUBLIC 1000000000
/* MW_DC_WITHHELD marks a cell of a breakdown withheld as a whole (every
 * part of a published margin hidden, zeros too, because no pattern of
 * hidden non-zero parts protects it): always hidden, never released, and
 * a reader knows only that it is at least 0. */
#define MW_DC_WITHHELD (-1000000000)
void mw_dc_priority(struct mw_dc *dc, size_t id, int priority);

/* While *stop is 0 (the program's stop flag, set by a signal; stop is
 * borrowed and may be NULL) mw_dc_protect() and mw_dc_verify() run to the
 * end; once it is not, they return MW_ERR_IO ("interrupted") between two
 * components of the audit. */
void mw_dc_set_stop(struct mw_dc *dc, const volatile sig_atomic_t *stop);
int mw_dc_priority_of(const struct mw_dc *dc, size_t id);
/* Freezes a cell a report already published (docs/report.md, "Reports
 * published before"): hidden (1) or published (0) for good. Protection
 * never changes a frozen cell; it hides more of the other cells until no
 * hidden cell, frozen ones included, can be worked out. A frozen hidden
 * cell's lower bound is 1, or 0 with priority MW_DC_WITHHELD. Before
 * mw_dc_protect(). */
void mw_dc_freeze(struct mw_dc *dc, size_t id, int hidden);
int mw_dc_frozen(const struct mw_dc *dc, size_t id);
/* Sets a state by hand (tests; checking a pattern decided elsewhere). */
void mw_dc_set_state(struct mw_dc *dc, size_t id, enum mw_dc_state state);
void mw_dc_get_stats(const struct mw_dc *dc, struct mw_dc_stats *stats);

#endif
