/* midway: splitting one line of a delimited export (RFC 4180 quoting:
 * a field may be quoted with '"', a quote inside is written '""'). */
#ifndef MIDWAY_CSV_H
#define MIDWAY_CSV_H

#include <stddef.h>

#include "midway/err.h"

#define MW_CSV_MAX_FIELDS 64

/* Splits line (len bytes, no line terminator; a trailing '\r' is
 * dropped) in place on sep. fields[i] point into line and are
 * NUL-terminated, quotes removed and "" unescaped. Fails with
 * MW_ERR_INVALID on an unterminated quote, text after a closing quote, or
 * more than max fields; the message names the 1-based column.
 * line[len] must be writable (normally the string's terminating NUL). */
mw_err_t mw_csv_split(char *line, size_t len, char sep, char **fields,
                      size_t max, size_t *n, char *errstr, size_t errstr_size);

/* Strips a UTF-8 byte-order mark from the start of s, in place;
 * returns 1 if there was one. */
int mw_csv_strip_bom(char *s, size_t *len);

#endif
