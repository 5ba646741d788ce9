/* midway: CPR numbers: normalising one, its birth date and gender, and
 * finding or masking one in free text (moved here from pseudo.c, which
 * keeps the keyed pseudonym).
 *
 * Nothing in this file copies a CPR number, or any digit of one, into an
 * error message: messages say what is wrong ("has 9 digits, expected 10")
 * and at most give a position. Buffers that held CPR digits are wiped with
 * explicit_bzero() (glibc), which the compiler may not drop as a dead
 * store, before they go out of scope. */
#define _DEFAULT_SOURCE /* explicit_bzero() */
#include <string.h>

#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "midway/cpr.h"
#include "midway/date.h"

static int
is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static int
is_blank(char c)
{
        return c == ' ' || c == '\t';
}

/* The birth year of a CPR number from its two-digit year and the 7th
 * digit, by the CPR office's rule. */
static int
cpr_year(const char *cpr)
{
        int yy = (cpr[4] - '0') * 10 + (cpr[5] - '0');
        int d7 = cpr[6] - '0';

        if (d7 <= 3)
                return 1900 + yy;
        if (d7 == 4 || d7 == 9)
                return yy <= 36 ? 2000 + yy : 1900 + yy;
        return yy <= 57 ? 2000 + yy : 1800 + yy; /* 5..8 */
}

int
mw_cpr_birth_date(const char cpr[MW_CPR_LEN], int *days)
{
        int year, month, day, y, m, d;
        int32_t n;
        int i;

        for (i = 0; i < MW_CPR_LEN; i++) {
                if (!is_digit(cpr[i]))
                        return 0;
        }
        day = (cpr[0] - '0') * 10 + (cpr[1] - '0');
        month = (cpr[2] - '0') * 10 + (cpr[3] - '0');
        year = cpr_year(cpr);
        if (month < 1 || month > 12 || day < 1 || day > 31)
                return 0;
        /* a day past the month's end comes back as another date; this
         * honours leap years for 1858..2057 without a year limit */
        n = mw_date_from_ymd(year, month, day);
        mw_date_to_ymd(n, &y, &m, &d);
        if (y != year || m != month || d != day)
                return 0;
        *days = n;
        return 1;
}

mw_err_t
mw_cpr_normalise(const char *text, char out[MW_CPR_LEN + 1], char *errstr,
                 size_t errstr_size)
{
        char digits[MW_CPR_LEN];
        size_t ndigits = 0;
        size_t i = 0;
        int dash = 0;
        int days;
        mw_err_t err = MW_OK;

        out[0] = '\0';
        if (!text)
                text = "";
        while (is_blank(text[i]))
                i++;
        for (; text[i] && !is_blank(text[i]); i++) {
                if (is_digit(text[i])) {
                        if (ndigits < MW_CPR_LEN)
                                digits[ndigits] = text[i];
                        ndigits++;
                } else if (text[i] == '-' && ndigits == 6 && !dash) {
                        dash = 1;
                } else if (text[i] == '-') {
                        err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                      "CPR number has a '-' in the wrong "
                                      "place, expected DDMMYY-SSSS");
                        goto out;
                } else {
                        err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                      "CPR number has an unexpected character "
                                      "at position %zu",
                                      i + 1);
                        goto out;
                }
        }
        while (is_blank(text[i]))
                i++;
        if (text[i]) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "CPR number has a blank inside it");
                goto out;
        }
        if (ndigits == 0 && !dash) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "CPR number is empty");
                goto out;
        }
        if (ndigits != MW_CPR_LEN) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "CPR number has %zu digits, expected %d", ndigits,
                              MW_CPR_LEN);
                goto out;
        }
        if (!mw_cpr_birth_date(digits, &days)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "CPR number has an invalid birth date");
                goto out;
        }
        memcpy(out, digits, MW_CPR_LEN);
        out[MW_CPR_LEN] = '\0';
out:
        explicit_bzero(digits, sizeof(digits));
        return err;
}

char
mw_cpr_gender(const char cpr[MW_CPR_LEN])
{
        char last = cpr[MW_CPR_LEN - 1];

        if (!is_digit(last))
                return '?'; /* not a normalised CPR */
        return (last - '0') % 2 == 0 ? 'f' : 'm';
}


/* ---- CPR numbers in free text: mw_cpr_find(), mw_cpr_mask() ---------
 *
 * The text is read one character (a "unit": one UTF-8 sequence, or one
 * byte that is not valid UTF-8, read as Latin-1) at a time. Each unit is
 * normalised to the code points of its compatibility decomposition, as
 * NFKC would, but per character so that every code point still maps back
 * to the bytes it came from (the mask needs that): full-width, Arabic-
 * Indic and every other Unicode decimal digit is its digit
 * (uc_decimal_value()), a superscript or circled digit decomposes to one,
 * a no-break or ideographic space to a space. The Unicode data comes from
 * libunistring, not from tables of our own. */

#define SEP_MAX      3 /* separators in a row that still join two digits */
#define UNIT_MAX     UC_DECOMPOSITION_MAX_LENGTH
#define EXPAND_DEPTH 4 /* decomposition levels followed */

enum cls {
        CLS_OTHER,  /* a letter, a symbol, ...: ends a run of digits */
        CLS_DIGIT,  /* a decimal digit */
        CLS_SEP,    /* may stand between the digits of a run */
        CLS_IGNORE, /* a combining mark: belongs to the character before */
};

/* One character of the text, normalised. */
struct unit {
        size_t len; /* bytes in the text */
        int n;      /* code points it expands to */
        unsigned char cls[UNIT_MAX];
        char digit[UNIT_MAX]; /* '0'..'9' where cls is CLS_DIGIT */
        int ndigits;          /* of the n */
        int nother;           /* CLS_OTHER and CLS_SEP of the n */
};

/* The digits of the current run, for the window check. */
struct run {
        char win[MW_CPR_LEN]; /* its last (up to) 10 digits */
        size_t ndig;          /* digits in the run */
        int gap;              /* separators since its last digit */
        int hit;              /* some 10 digits of it are a CPR number */
};

static int
is_sep_ascii(unsigned char c)
{
        return c == ' ' || (c >= '\t' && c <= '\r') || c == '.' || c == '-' ||
               c == '/' || c == '_';
}

/* Whitespace (incl. U+00A0, U+2000..U+200A, U+202F, U+3000), the dashes
 * (U+2010..U+2015, U+2212 and the rest of category Pd) and invisible
 * format characters (category Cf: U+200B, U+00AD, U+2060, U+FEFF, ...). */
static int
is_sep_unicode(ucs4_t uc)
{
        return uc_is_property_white_space(uc) || uc == 0x2212 ||
               uc_is_general_category(uc, UC_CATEGORY_Pd) ||
               uc_is_general_category(uc, UC_CATEGORY_Cf);
}

static void
unit_add(struct unit *u, enum cls cls, char digit)
{
        if (u->n >= UNIT_MAX)
                return;
        u->cls[u->n] = (unsigned char)cls;
        u->digit[u->n] = digit;
        u->n++;
        if (cls == CLS_DIGIT)
                u->ndigits++;
        else if (cls != CLS_IGNORE)
                u->nother++;
}

static void
expand(struct unit *u, ucs4_t uc, int depth)
{
        ucs4_t d[UC_DECOMPOSITION_MAX_LENGTH];
        int tag, n, i, v;

        if (uc < 0x80) {
                if (uc >= '0' && uc <= '9')
                        unit_add(u, CLS_DIGIT, (char)uc);
                else
                        unit_add(u,
                                 is_sep_ascii((unsigned char)uc) ? CLS_SEP
                                                                 : CLS_OTHER,
                                 0);
                return;
        }
        v = uc_decimal_value(uc);
        if (v >= 0 && v <= 9) {
                unit_add(u, CLS_DIGIT, (char)('0' + v));
                return;
        }
        if (is_sep_unicode(uc)) {
                unit_add(u, CLS_SEP, 0);
                return;
        }
        if (uc_is_general_category(uc, UC_CATEGORY_M)) {
                unit_add(u, CLS_IGNORE, 0);
                return;
        }
        if (depth < EXPAND_DEPTH && (n = uc_decomposition(uc, &tag, d)) > 0) {
                for (i = 0; i < n; i++)
                        expand(u, d[i], depth + 1);
                return;
        }
        unit_add(u, CLS_OTHER, 0);
}

/* Reads the unit at s (n > 0 bytes left). */
static void
unit_read(const unsigned char *s, size_t n, struct unit *u)
{
        ucs4_t uc;
        int k;

        u->n = u->ndigits = u->nother = 0;
        if (s[0] < 0x80) {
                u->len = 1;
                expand(u, s[0], 0);
                return;
        }
        k = u8_mbtoucr(&uc, s, n);
        if (k <= 0) {
                u->len = 1; /* not UTF-8: the byte, as Latin-1 */
                uc = s[0];
        } else {
                u->len = (size_t)k;
        }
        expand(u, uc, 0);
}

static void
run_reset(struct run *r)
{
        r->ndig = 0;
        r->gap = 0;
        r->hit = 0;
}

/* Feeds one code point of class cls to the run r. Returns 1 if a run
 * ended before it (a digit too far from the last, or an OTHER). */
static int
run_feed(struct run *r, enum cls cls, char digit)
{
        int ended = 0, days;

        switch (cls) {
        case CLS_DIGIT:
                if (r->ndig > 0 && r->gap > SEP_MAX) {
                        run_reset(r);
                        ended = 1;
                }
                memmove(r->win, r->win + 1, MW_CPR_LEN - 1);
                r->win[MW_CPR_LEN - 1] = digit;
                r->ndig++;
                r->gap = 0;
                if (r->ndig >= MW_CPR_LEN && mw_cpr_birth_date(r->win, &days))
                        r->hit = 1;
                break;
        case CLS_SEP:
                if (r->ndig > 0)
                        r->gap++;
                break;
        case CLS_OTHER:
                ended = r->ndig > 0;
                run_reset(r);
                break;
        case CLS_IGNORE:
                break;
        }
        return ended;
}

/* ASCII letters, digits and '-': the bytes of a hex identifier. */
static int
is_tok(unsigned char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
               (c >= 'A' && c <= 'Z') || c == '-';
}

static int
is_hex(unsigned char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
               (c >= 'A' && c <= 'F');
}

/* 1 if the token s[0..n) is a UUID (8-4-4-4-12 hex digits) or 32 or more
 * hex digits (a digest, a citizen reference), with at least one letter
 * among its digits. */
static int
is_hex_id(const unsigned char *s, size_t n)
{
        size_t i;
        int letter = 0, uuid = n == 36;

        for (i = 0; i < n; i++) {
                if (uuid && (i == 8 || i == 13 || i == 18 || i == 23)) {
                        if (s[i] != '-')
                                return 0;
                        continue;
                }
                if (!is_hex(s[i]))
                        return 0;
                if (s[i] > '9')
                        letter = 1;
        }
        return letter && (uuid || n >= 32);
}

/* 1 if a digit comes after s[i] within SEP_MAX separators. */
static int
digit_follows(const unsigned char *s, size_t len, size_t i)
{
        struct unit u;
        int k, gap = 0;

        while (i < len) {
                unit_read(s + i, len - i, &u);
                for (k = 0; k < u.n; k++) {
                        if (u.cls[k] == CLS_DIGIT)
                                return 1;
                        if (u.cls[k] == CLS_OTHER)
                                return 0;
                        if (u.cls[k] == CLS_SEP && ++gap > SEP_MAX)
                                return 0;
                }
                i += u.len;
        }
        return 0;
}

int
mw_cpr_find(const char *text, size_t len)
{
        const unsigned char *s = (const unsigned char *)text;
        struct unit u;
        struct run r;
        size_t i = 0, j;
        int k, found = 0;

        if (!text)
                return 0;
        run_reset(&r);
        while (i < len && !found) {
                /* A hex identifier standing apart from any digits is one
                 * opaque word: its decimal digits are not a number. */
                if (is_tok(s[i]) && (i == 0 || !is_tok(s[i - 1]))) {
                        for (j = i; j < len && is_tok(s[j]); j++)
                                ;
                        if (is_hex_id(s + i, j - i) &&
                            !(r.ndig > 0 && r.gap <= SEP_MAX) &&
                            !digit_follows(s, len, j)) {
                                run_reset(&r);
                                i = j;
                                continue;
                        }
                }
                unit_read(s + i, len - i, &u);
                for (k = 0; k < u.n; k++)
                        run_feed(&r, (enum cls)u.cls[k], u.digit[k]);
                found = r.hit;
                i += u.len;
        }
        explicit_bzero(&r, sizeof(r));
        return found;
}

/* Masks with 'X' every byte of the units in s[from..to) that hold a
 * digit; out holds the first w bytes of s. */
static void
mask_digits(const unsigned char *s, size_t from, size_t to, char *out, size_t w)
{
        struct unit u;
        size_t i = from, k;

        while (i < to) {
                unit_read(s + i, to - i, &u);
                if (u.ndigits > 0)
                        for (k = i; k < i + u.len && k < w; k++)
                                out[k] = 'X';
                i += u.len;
        }
}

static void
mask_span(char *out, size_t w, size_t from, size_t to)
{
        for (; from < to && from < w; from++)
                out[from] = 'X';
}

/* The state of mw_cpr_mask(): the run of digits as written (6 or more
 * digits mask it, as before any other spelling was known) and the run of
 * digits across separators (a CPR number in it masks its digits). */
struct mask_state {
        const unsigned char *s;
        char *out;
        size_t w; /* bytes of out that hold text */
        size_t tight_from, tight_to, tight_digits;
        int tight_dash;
        size_t run_from, run_to;
        struct run r;
};

static void
tight_end(struct mask_state *m, size_t at)
{
        if (m->tight_digits >= 6)
                mask_span(m->out, m->w, m->tight_from,
                          m->tight_dash && m->tight_to < at ? at : m->tight_to);
        m->tight_digits = 0;
        m->tight_dash = 0;
}

static void
tight_feed(struct mask_state *m, const struct unit *u, size_t at)
{
        if (u->ndigits > 0 && u->nother == 0) {
                if (m->tight_digits == 0)
                        m->tight_from = at;
                m->tight_digits += (size_t)u->ndigits;
                m->tight_to = at + u->len;
        } else if (u->n == 1 && m->s[at] == '-' && m->tight_digits == 6 &&
                   !m->tight_dash && m->tight_to == at) {
                m->tight_dash = 1;
        } else if (u->ndigits > 0 || u->nother > 0) {
                tight_end(m, at);
        } /* else a combining mark: part of the digit before */
}

static void
run_feed_unit(struct mask_state *m, const struct unit *u, size_t at)
{
        int k, hit;

        for (k = 0; k < u->n; k++) {
                hit = m->r.hit; /* of the run, if this ends it */
                if (run_feed(&m->r, (enum cls)u->cls[k], u->digit[k]) && hit)
                        mask_digits(m->s, m->run_from, m->run_to, m->out, m->w);
                if (u->cls[k] == CLS_DIGIT) {
                        if (m->r.ndig == 1)
                                m->run_from = at;
                        m->run_to = at + u->len;
                }
        }
}

void
mw_cpr_mask(const char *text, char *out, size_t out_size)
{
        struct mask_state m;
        struct unit u;
        size_t len, i;

        if (out_size == 0)
                return;
        if (!text)
                text = "";
        memset(&m, 0, sizeof(m));
        m.s = (const unsigned char *)text;
        m.out = out;
        len = strlen(text);
        /* whole characters only: a cut one could read as another */
        while (m.w < len) {
                unit_read(m.s + m.w, len - m.w, &u);
                if (m.w + u.len + 1 > out_size)
                        break;
                m.w += u.len;
        }
        memcpy(out, text, m.w);
        out[m.w] = '\0';
        run_reset(&m.r);
        for (i = 0; i < len; i += u.len) {
                unit_read(m.s + i, len - i, &u);
                tight_feed(&m, &u, i);
                run_feed_unit(&m, &u, i);
        }
        tight_end(&m, len);
        if (m.r.hit)
                mask_digits(m.s, m.run_from, m.run_to, out, m.w);
        explicit_bzero(&m.r, sizeof(m.r));
}
