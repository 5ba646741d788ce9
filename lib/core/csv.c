/* midway: splitting one line of a delimited export.
 *
 * The split works in place: every field is copied leftwards over its own
 * bytes (removing quotes and collapsing "" to ") and NUL-terminated, so the
 * write position never passes the read position. The terminator of the
 * last field may land on line[len], which must therefore be writable; for
 * a NUL-terminated string it is the terminator itself.
 *
 * Rules (RFC 4180, with the leniency municipal exports need):
 *   - a field that starts with '"' is quoted: it ends at the next single
 *     '"', a '"' inside is written '""', and the separator may appear
 *     inside; after the closing quote only the separator or the end of
 *     the line may follow;
 *   - in an unquoted field a '"' is an ordinary character;
 *   - "a;;b" has an empty middle field and "a;b;" an empty last field;
 *     an empty line is one empty field;
 *   - a NUL byte inside the line is refused, as it would silently cut the
 *     field short.
 * Error messages name the 1-based column and never quote the line, which
 * may hold a CPR number. */
#include <string.h>

#include "midway/csv.h"

static mw_err_t
nul_error(char *errstr, size_t errstr_size, size_t col)
{
        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                       "column %zu: NUL byte in the field", col);
}

mw_err_t
mw_csv_split(char *line, size_t len, char sep, char **fields, size_t max,
             size_t *n, char *errstr, size_t errstr_size)
{
        size_t r = 0; /* read position */
        size_t w = 0; /* write position, always <= r */
        size_t nf = 0;
        size_t col;
        mw_err_t err = MW_OK;

        *n = 0;
        if (len > 0 && line[len - 1] == '\r')
                len--;

        for (;;) {
                col = nf + 1;
                if (nf == max) {
                        err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                      "column %zu: more than %zu fields", col,
                                      max);
                        goto out;
                }
                fields[nf++] = line + w;
                if (r < len && line[r] == '"') {
                        r++;
                        for (;;) {
                                if (r == len) {
                                        err = mw_errf(errstr, errstr_size,
                                                      MW_ERR_INVALID,
                                                      "column %zu: "
                                                      "unterminated quote",
                                                      col);
                                        goto out;
                                }
                                if (line[r] == '\0') {
                                        err =
                                            nul_error(errstr, errstr_size, col);
                                        goto out;
                                }
                                if (line[r] != '"') {
                                        line[w++] = line[r++];
                                } else if (r + 1 < len && line[r + 1] == '"') {
                                        line[w++] = '"';
                                        r += 2;
                                } else {
                                        r++; /* closing quote */
                                        break;
                                }
                        }
                        if (r < len && line[r] != sep) {
                                err =
                                    mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                            "column %zu: text after the "
                                            "closing quote",
                                            col);
                                goto out;
                        }
                } else {
                        while (r < len && line[r] != sep) {
                                if (line[r] == '\0') {
                                        err =
                                            nul_error(errstr, errstr_size, col);
                                        goto out;
                                }
                                line[w++] = line[r++];
                        }
                }
                /* r is at the separator or at the end of the line */
                line[w++] = '\0';
                if (r == len)
                        break;
                r++;
        }
        *n = nf;
out:
        return err;
}

int
mw_csv_strip_bom(char *s, size_t *len)
{
        static const char bom[] = "\xEF\xBB\xBF";

        if (*len < 3 || memcmp(s, bom, 3) != 0)
                return 0;
        memmove(s, s + 3, *len - 3);
        *len -= 3;
        s[*len] = '\0';
        return 1;
}
