/* Internal to libmidway (and its unit tests): the HMAC primitive behind
 * mw_pseudo_ref(), exposed so tests can check it against published
 * vectors (RFC 4231) whose keys and messages do not fit the public API. */
#ifndef MIDWAY_LIB_PSEUDO_INTERNAL_H
#define MIDWAY_LIB_PSEUDO_INTERNAL_H

#include <stddef.h>

#include "midway/err.h"
#include "midway/event.h"

/* Largest key mw_pseudo_new() and mw_pseudo_new_key() accept. */
#define MW_PSEUDO_KEY_MAX 1024
/* Smallest key they accept. */
#define MW_PSEUDO_KEY_MIN 32

/* Size of the buffer mw_pseudo_read_key_file() needs: the largest key, its
 * newline and one byte to notice a file that is too big. */
#define MW_PSEUDO_KEY_BUF (MW_PSEUDO_KEY_MAX + 2)

/* Reads a key file into key (MW_PSEUDO_KEY_BUF bytes) after checking that
 * it is a regular file with no group or other access (MW_ERR_PERM
 * otherwise); strips one trailing newline and checks the length (empty:
 * MW_ERR_INVALID, shorter than MW_PSEUDO_KEY_MIN: MW_ERR_INVALID, longer
 * than MW_PSEUDO_KEY_MAX: MW_ERR_TOOBIG). The caller wipes key, also on
 * failure. */
mw_err_t mw_pseudo_read_key_file(const char *path,
                                 unsigned char key[MW_PSEUDO_KEY_BUF],
                                 size_t *key_len, char *errstr,
                                 size_t errstr_size);

/* Writes lowercase hex HMAC-SHA256(key, data) to out (64 hex digits and a
 * NUL). key_len may be any size up to MW_PSEUDO_KEY_MAX. On an OpenSSL
 * failure returns MW_ERR_INVALID and leaves out as "". */
mw_err_t mw_pseudo_hmac_hex(const void *key, size_t key_len, const void *data,
                            size_t len, char out[MW_REF_STRLEN + 1]);

#endif
