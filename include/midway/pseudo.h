/* midway: pseudonymisation of CPR numbers.
 *
 * citizen_ref = lowercase hex HMAC-SHA256(key, 10-digit CPR). The key is a
 * per-project secret read from a key file that nobody but its owner may
 * read (mode 0600 or 0400; anything group- or world-accessible is
 * refused). key_id = first 8 bytes of SHA-256(key), hex: it names the key
 * in every event without revealing it, so keys can be rotated. Reading,
 * checking, finding and masking CPR numbers is midway/cpr.h.
 *
 * No function here ever copies a CPR number into errstr. */
#ifndef MIDWAY_PSEUDO_H
#define MIDWAY_PSEUDO_H

#include <stddef.h>

#include "midway/cpr.h"
#include "midway/err.h"
#include "midway/event.h"

struct mw_pseudo;

/* Reads the key file: the whole file is the key, with one trailing newline
 * stripped; at least 32 bytes. MW_ERR_PERM for a readable-by-others file.
 * Free with mw_pseudo_destroy(). */
struct mw_pseudo *mw_pseudo_new(const char *key_path, char *errstr,
                                size_t errstr_size);
/* For tests and tools: a key given as bytes. */
struct mw_pseudo *mw_pseudo_new_key(const void *key, size_t key_len,
                                    char *errstr, size_t errstr_size);
void mw_pseudo_destroy(struct mw_pseudo *ps);

const char *mw_pseudo_key_id(const struct mw_pseudo *ps);

/* cpr must be a normalised 10-digit CPR (see mw_cpr_normalise()). Uses
 * the handle's scratch digest context: one thread at a time per handle. */
void mw_pseudo_ref(const struct mw_pseudo *ps, const char cpr[MW_CPR_LEN],
                   char out[MW_REF_STRLEN + 1]);

#endif
