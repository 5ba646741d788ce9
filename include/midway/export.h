/* midway: reading a municipality's export (docs/input-format.md) into
 * registrations.
 *
 * An export is CSV (semicolon-separated, header line) or JSON Lines, in
 * UTF-8 (with or without a byte-order mark) or Windows-1252/Latin-1; the
 * reader detects both per file and converts to UTF-8. A reader turns each
 * data row into a validated, pseudonymised struct mw_event, or rejects the
 * row with a reason. Rows are also checked against each other within the
 * export (duplicates, registrations dated before the citizen's intake),
 * so the reader reads the whole input (at most MW_EXPORT_MAX_BYTES) before
 * it returns the first row.
 *
 * The CPR number is read into a local buffer, pseudonymised and wiped: it
 * is never in an event, a reason, or the masked row text; no reason and no
 * masked row holds a run of 6 or more digits taken from the input. */
#ifndef MIDWAY_EXPORT_H
#define MIDWAY_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "midway/err.h"
#include "midway/event.h"
#include "midway/projects.h"
#include "midway/pseudo.h"

#define MW_EXPORT_MAX_LINE  65536        /* bytes of one line, as read */
#define MW_EXPORT_MAX_BYTES (256L << 20) /* bytes of one export */

/* The format of an export; AUTO (0) detects it: JSON Lines if the name
 * ends in .jsonl or .ndjson or the first non-blank byte is '{', else
 * CSV. */
enum mw_export_format {
        MW_EXPORT_FORMAT_AUTO = 0,
        MW_EXPORT_FORMAT_CSV,
        MW_EXPORT_FORMAT_JSONL,
};

/* The character encoding of an export; AUTO (0) detects it over the
 * whole file (docs/input-format.md, "Encodings"). */
enum mw_export_encoding {
        MW_EXPORT_ENCODING_AUTO = 0,
        MW_EXPORT_ENCODING_UTF8,
        MW_EXPORT_ENCODING_CP1252, /* Windows-1252, includes Latin-1 text */
};

struct mw_export_opts {
        const struct mw_project *project; /* borrowed: the producer's */
        const struct mw_pseudo *ps;       /* borrowed: the project's key */
        const char *producer_id;          /* borrowed */
        int64_t now_ms; /* registration time of rows that give none, and
                           the limit for dates in the future */
};

/* Flags of the row just returned (mw_export_flags()). */
#define MW_EXPORT_NO_INTAKE                                                    \
        0x1u /* accepted, but the citizen has no                               \
                intake (visitation) in this export */

struct mw_export;

/* Starts reading fp (borrowed; the caller closes it) named name (used in
 * messages and for format detection) with a copy of opts. NULL with
 * errstr on failure. Free with mw_export_close(). */
struct mw_export *mw_export_open(FILE *fp, const char *name,
                                 const struct mw_export_opts *opts,
                                 char *errstr, size_t errstr_size);
void mw_export_close(struct mw_export *x);

/* Before the first mw_export_next(): use this format or encoding instead
 * of detecting it (AUTO detects, the default). */
void mw_export_set_format(struct mw_export *x, enum mw_export_format format);
void mw_export_set_encoding(struct mw_export *x,
                            enum mw_export_encoding encoding);

/* Reads the next data row:
 *   MW_OK           *ev holds the row's registration;
 *   MW_ERR_NOTFOUND end of input;
 *   MW_ERR_INVALID  the row is rejected: errstr says why (no CPR in it),
 *                   mw_export_masked_row() gives the row, CPR masked;
 *   anything else   the export cannot be read (bad header, I/O error,
 *                   larger than MW_EXPORT_MAX_BYTES): errstr says why. The
 *                   first call reads and checks the whole input, so such
 *                   an error comes before any row.
 * mw_export_line() is the line number of the row just returned (of the
 * header line for a bad header). */
mw_err_t mw_export_next(struct mw_export *x, struct mw_event *ev, char *errstr,
                        size_t errstr_size);
long mw_export_line(const struct mw_export *x);
const char *mw_export_masked_row(const struct mw_export *x);
/* MW_EXPORT_* flags of the row just returned (0 for a rejected row). */
unsigned mw_export_flags(const struct mw_export *x);

/* After the first mw_export_next(): the detected (or given) format and
 * encoding, e.g. "CSV" and "Windows-1252"; "" before. Static strings. */
const char *mw_export_format_name(const struct mw_export *x);
const char *mw_export_encoding_name(const struct mw_export *x);

#endif
