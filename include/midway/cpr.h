/* midway: CPR numbers (the Danish personal identification number): a
 * number read from an export (normalised, its birth date and gender), and
 * a CPR number in any spelling found or masked in free text, for the
 * validator, the reject files and every log line of every program.
 *
 * No function here ever copies a CPR number into errstr. The keyed
 * pseudonym of a CPR number is midway/pseudo.h (the municipality's side
 * alone: midway-producer and midway-erase). */
#ifndef MIDWAY_CPR_H
#define MIDWAY_CPR_H

#include <stddef.h>

#include "midway/err.h"

#define MW_CPR_LEN 10

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

/* 1 if the len bytes of text (UTF-8; invalid UTF-8 is read byte by byte,
 * each byte as its Latin-1 character) hold a CPR number in any spelling,
 * else 0. Embedded NUL bytes are ordinary characters.
 *
 * The rule, after normalising each character as NFKC would (any Unicode
 * decimal digit, e.g. full-width U+FF10..U+FF19 or Arabic-Indic, is its
 * digit; superscript and circled digits decompose to digits; combining
 * marks are ignored):
 *   - a run is a sequence of digits in which at most 3 separators in a
 *     row may stand between two digits. Separators are whitespace
 *     (including U+00A0, U+2000..U+200A, U+202F, U+3000), '.', '-', '/',
 *     '_', the dashes (U+2010..U+2015, U+2212 and the rest of Unicode
 *     category Pd) and invisible format characters (category Cf, e.g.
 *     U+200B, U+00AD, U+FEFF). Anything else, a letter for one, ends the
 *     run;
 *   - a run holds a CPR number if any 10 consecutive digits of it are
 *     DDMMYY with a valid birth date, the century from the 7th digit
 *     (mw_cpr_birth_date()). So "14.02.72-1168", "10 02 88 1172",
 *     "05086-71176" and full-width digits are found; "2015-07-01",
 *     "IND-2015-000123" and "PRAKTIK/2015/17" are not.
 *   - One exception: an ASCII word of letters, digits and '-' that is a
 *     UUID (8-4-4-4-12 hex digits) or 32 or more hex digits with at least
 *     one letter among them (an event id, a citizen reference) is opaque,
 *     unless a digit stands within 3 separators before or after it: random
 *     hex digits often hold 10 decimal digits in a row. A CPR number
 *     written inside such a word is not found; check that a field meant to
 *     hold an id holds a known id.
 * Modulus 11 is not checked (mw_cpr_normalise()). Never copies a digit
 * anywhere; its scratch state is wiped. */
int mw_cpr_find(const char *text, size_t len);

/* Copies text (NUL-terminated; NULL is "") to out (out_size bytes, always
 * terminated when out_size > 0; cut on a character boundary) with 'X' for
 * every byte of
 *   - every run of 6 or more digits written together (any Unicode decimal
 *     digits), with an optional '-' after the sixth, and
 *   - every digit of a run that holds a CPR number in any spelling (the
 *     rule of mw_cpr_find(), without its hex exception); the separators
 *     between the digits stay: "14.02.72-1168" becomes "XX.XX.XX-XXXX".
 * For reject files and messages: mw_cpr_find() finds no CPR number in
 * the result. */
void mw_cpr_mask(const char *text, char *out, size_t out_size);

#endif
