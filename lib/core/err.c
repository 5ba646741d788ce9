/* midway: error codes. */
#include <stdarg.h>
#include <stdio.h>

#include "midway/err.h"

const char *
mw_err_name(mw_err_t err)
{
        switch (err) {
        case MW_OK:
                return "MW_OK";
        case MW_ERR_INVALID:
                return "MW_ERR_INVALID";
        case MW_ERR_NOMEM:
                return "MW_ERR_NOMEM";
        case MW_ERR_TOOBIG:
                return "MW_ERR_TOOBIG";
        case MW_ERR_DECODE:
                return "MW_ERR_DECODE";
        case MW_ERR_ENCODE:
                return "MW_ERR_ENCODE";
        case MW_ERR_NOTFOUND:
                return "MW_ERR_NOTFOUND";
        case MW_ERR_IO:
                return "MW_ERR_IO";
        case MW_ERR_REGISTRY:
                return "MW_ERR_REGISTRY";
        case MW_ERR_DB:
                return "MW_ERR_DB";
        case MW_ERR_KAFKA:
                return "MW_ERR_KAFKA";
        case MW_ERR_PERM:
                return "MW_ERR_PERM";
        }
        return "MW_ERR_UNKNOWN";
}

mw_err_t
mw_errf(char *errstr, size_t errstr_size, mw_err_t err, const char *fmt, ...)
{
        va_list ap;

        if (errstr && errstr_size > 0) {
                va_start(ap, fmt);
                vsnprintf(errstr, errstr_size, fmt, ap);
                va_end(ap);
        }
        return err;
}
