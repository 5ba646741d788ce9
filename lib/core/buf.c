/* midway: growable byte buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/buf.h"

mw_err_t
mw_buf_reserve(struct mw_buf *buf, size_t extra)
{
        size_t need, cap;
        char *p;

        if (extra > SIZE_MAX / 2 - buf->len)
                return MW_ERR_TOOBIG;
        need = buf->len + extra + 1;
        if (need <= buf->cap)
                return MW_OK;
        cap = buf->cap ? buf->cap : 256;
        while (cap < need)
                cap *= 2;
        p = realloc(buf->data, cap);
        if (!p)
                return MW_ERR_NOMEM;
        buf->data = p;
        buf->cap = cap;
        return MW_OK;
}

mw_err_t
mw_buf_append(struct mw_buf *buf, const void *data, size_t len)
{
        mw_err_t err;

        err = mw_buf_reserve(buf, len);
        if (err)
                return err;
        if (len)
                memcpy(buf->data + buf->len, data, len);
        buf->len += len;
        buf->data[buf->len] = '\0';
        return MW_OK;
}

mw_err_t
mw_buf_appendf(struct mw_buf *buf, const char *fmt, ...)
{
        va_list ap;
        int n;
        mw_err_t err;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return MW_ERR_INVALID;
        err = mw_buf_reserve(buf, (size_t)n);
        if (err)
                return err;
        va_start(ap, fmt);
        vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        buf->len += (size_t)n;
        return MW_OK;
}

mw_err_t
mw_buf_append_json_str(struct mw_buf *buf, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p;
        char esc[6];
        mw_err_t err;

        err = mw_buf_append(buf, "\"", 1);
        for (p = (const unsigned char *)s; !err && *p; p++) {
                if (*p == '"' || *p == '\\') {
                        esc[0] = '\\';
                        esc[1] = (char)*p;
                        err = mw_buf_append(buf, esc, 2);
                } else if (*p < 0x20) {
                        esc[0] = '\\';
                        esc[1] = 'u';
                        esc[2] = '0';
                        esc[3] = '0';
                        esc[4] = hex[*p >> 4];
                        esc[5] = hex[*p & 0xf];
                        err = mw_buf_append(buf, esc, 6);
                } else {
                        err = mw_buf_append(buf, p, 1);
                }
        }
        if (!err)
                err = mw_buf_append(buf, "\"", 1);
        return err;
}

void
mw_buf_reset(struct mw_buf *buf)
{
        buf->len = 0;
        if (buf->data)
                buf->data[0] = '\0';
}

void
mw_buf_release(struct mw_buf *buf)
{
        free(buf->data);
        buf->data = NULL;
        buf->len = 0;
        buf->cap = 0;
}
