/* midway: a growable byte buffer.
 *
 * struct mw_buf is caller-owned: initialise with MW_BUF_INIT (or zero it),
 * release with mw_buf_release(). data is NUL-terminated after every
 * append (the terminator is not counted in len). */
#ifndef MIDWAY_BUF_H
#define MIDWAY_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "midway/err.h"

struct mw_buf {
        char *data; /* owned */
        size_t len;
        size_t cap;
};

#define MW_BUF_INIT                                                            \
        {                                                                      \
                NULL, 0, 0                                                     \
        }

/* Ensures room for extra more bytes (+1 for the terminator). */
mw_err_t mw_buf_reserve(struct mw_buf *buf, size_t extra);
mw_err_t mw_buf_append(struct mw_buf *buf, const void *data, size_t len);
mw_err_t mw_buf_appendf(struct mw_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
mw_err_t mw_buf_append_json_str(struct mw_buf *buf, const char *s);
/* Sets len to 0 and keeps the allocation. */
void mw_buf_reset(struct mw_buf *buf);
void mw_buf_release(struct mw_buf *buf);

#endif
