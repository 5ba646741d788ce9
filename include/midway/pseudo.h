/* midway: pseudonymisation of CPR numbers.
 *
 * citizen_ref = lowercase hex HMAC-SHA256(key, 10-digit CPR). The key is a
 * per-project secret read from a key file that nobody but its owner may
 * read (mode 0600 or 0400; anything group- or world-accessible is
 * refused). key_id = first 8 bytes of SHA-256(key), hex: it names the key
 * in every event without revealing it, so keys can be rotated.
 *
 * No function here ever copies a CPR number into errstr. */
#ifndef MIDWAY_PSEUDO_H
#define MIDWAY_PSEUDO_H

#include <stddef.h>

#include "midway/err.h"
#include "midway/event.h"

#define MW_CPR_LEN 10

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

/* Accepts "DDMMYYSSSS" or "DDMMYY-SSSS" with surrounding blanks; writes
 * the 10 digits to out. Checks digits and that the birth date exists
 * (century from the 7th digit, per the CPR office's rule). Modulus 11 is
 * deliberately NOT checked: numbers issued since 2007 may fail it. */
mw_err_t mw_cpr_normalise(const char *text, char out[MW_CPR_LEN + 1],
                          char *errstr, size_t errstr_size);

/* Birth date (days since the epoch) of a normalised CPR: returns 1 and
 * sets *days, or 0 if cpr is not 10 digits with a valid birth date. */
int mw_cpr_birth_date(const char cpr[MW_CPR_LEN], int *days);
/* 'f' or 'm' from the last digit (even = female). */
char mw_cpr_gender(const char cpr[MW_CPR_LEN]);

/* Copies text with every run of 6+ digits (with an optional '-' after the
 * sixth) replaced by 'X's, for reject files and messages. */
void mw_cpr_mask(const char *text, char *out, size_t out_size);

/* 1 if the len bytes of text hold a CPR number in any spelling. */
int mw_cpr_find(const char *text, size_t len);

#endif
