/* midway: error codes shared by every module of libmidway.
 *
 * Every library function that can fail returns mw_err_t (MW_OK == 0) and,
 * on failure, writes a one-line human-readable reason into the caller's
 * errstr buffer (always NUL-terminated, truncated to errstr_size).
 * The library never prints and never exits. */
#ifndef MIDWAY_ERR_H
#define MIDWAY_ERR_H

#include <stddef.h>

typedef enum mw_err {
        MW_OK = 0,
        MW_ERR_INVALID,  /* bad argument or invalid input value */
        MW_ERR_NOMEM,    /* allocation failed */
        MW_ERR_TOOBIG,   /* input exceeds a hard cap */
        MW_ERR_DECODE,   /* bytes could not be decoded */
        MW_ERR_ENCODE,   /* a value could not be encoded */
        MW_ERR_NOTFOUND, /* an id, key or file was not found */
        MW_ERR_IO,       /* file or system call failed */
        MW_ERR_REGISTRY, /* schema registry request failed */
        MW_ERR_DB,       /* PostgreSQL failed */
        MW_ERR_KAFKA,    /* Kafka failed */
        MW_ERR_PERM,     /* insecure permissions (key files) */
} mw_err_t;

/* Symbolic name of an error code, e.g. "MW_ERR_DECODE". Never NULL. */
const char *mw_err_name(mw_err_t err);

/* Formats a message into errstr (may be NULL when errstr_size is 0) and
 * returns err unchanged, so callers can write `return mw_errf(...)`. */
mw_err_t mw_errf(char *errstr, size_t errstr_size, mw_err_t err,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
