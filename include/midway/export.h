/* midway: reading a municipality's export (docs/input-format.md) into
 * registrations.
 *
 * A reader turns each data row into a validated, pseudonymised struct
 * mw_event, or rejects the row with a reason. The CPR number is read into
 * a local buffer, pseudonymised and wiped: it is never in an event, a
 * reason, or the masked row text. */
#ifndef MIDWAY_EXPORT_H
#define MIDWAY_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "midway/err.h"
#include "midway/event.h"
#include "midway/projects.h"
#include "midway/pseudo.h"

#define MW_EXPORT_MAX_LINE 65536

struct mw_export_opts {
        const struct mw_project *project; /* borrowed: the producer's */
        const struct mw_pseudo *ps;       /* borrowed: the project's key */
        const char *producer_id;          /* borrowed */
        int64_t now_ms; /* registration time of rows that give none, and
                           the limit for dates in the future */
};

struct mw_export;

/* Starts reading fp (borrowed; the caller closes it) named name (used in
 * messages) with a copy of opts. NULL with errstr on failure. Free with
 * mw_export_close(). */
struct mw_export *mw_export_open(FILE *fp, const char *name,
                                 const struct mw_export_opts *opts,
                                 char *errstr, size_t errstr_size);
void mw_export_close(struct mw_export *x);

/* Reads the next data row:
 *   MW_OK           *ev holds the row's registration;
 *   MW_ERR_NOTFOUND end of input;
 *   MW_ERR_INVALID  the row is rejected: errstr says why (no CPR in it),
 *                   mw_export_masked_row() gives the row, CPR masked;
 *   anything else   the export cannot be read on (bad header, I/O error):
 *                   errstr says why.
 * mw_export_line() is the line number of the row just returned. */
mw_err_t mw_export_next(struct mw_export *x, struct mw_event *ev, char *errstr,
                        size_t errstr_size);
long mw_export_line(const struct mw_export *x);
const char *mw_export_masked_row(const struct mw_export *x);

#endif
