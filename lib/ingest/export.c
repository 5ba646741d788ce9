/* midway: reading a municipality's export into registrations
 * (docs/input-format.md).
 *
 * The first mw_export_next() reads the whole input (at most
 * MW_EXPORT_MAX_BYTES), detects its encoding and format, and checks every
 * row once (pass 1), remembering a few facts of each accepted row: its
 * event id, citizen reference, kind, action and date. From those it finds
 * the rows that fail only against other rows: duplicates and
 * registrations dated before the citizen's intake. Each mw_export_next()
 * then checks its row again (pass 2; the check is deterministic) to fill
 * the event or the reason, and adds the verdict of the cross-row checks.
 * For a row pass 1 accepted, pass 2 takes the citizen reference and event
 * id pass 1 derived instead of computing the HMAC and UUID again.
 * Checking twice costs CPU but keeps memory at the size of the input plus
 * about 80 bytes per row (and, while the cross-row checks run, a table of
 * 16 to 32 bytes per row).
 *
 * Lines are stored as read and converted to UTF-8 one at a time, so a
 * byte that is invalid in the detected encoding rejects its own row only.
 *
 * Text from the input reaches a reason only through quote(), which masks
 * CPR-like digit runs, and the masked row only through mw_cpr_mask().
 *
 * Why one file of more than 1,000 lines: the encodings, the two formats,
 * the two passes and the checks between rows all work on the reader's
 * private state (struct mw_export, struct row), which splitting would
 * have to publish in an internal header for one reader. What a field is
 * and which column carries it is not here but in the field table
 * (midway/fields.h). */
#include <errno.h>
#include <iconv.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <uuid/uuid.h>

#include "midway/codes.h"
#include "midway/csv.h"
#include "midway/date.h"
#include "midway/export.h"
#include "midway/fields.h"
#include "midway/uuid.h"
#include "midway/validate.h"

#define MS_PER_DAY 86400000LL
/* A line converted to UTF-8 grows at most threefold (Windows-1252's
 * euro sign, or U+FFFD for an invalid byte). */
#define CONV_MAX  (3 * (size_t)MW_EXPORT_MAX_LINE + 1)
#define QUOTE_MAX 40 /* bytes of input text quoted in a reason */
/* The row rebuilt from its known columns (masked_row()): every byte of a
 * line may double when quoted, plus quotes and separators. */
#define REBUILT_MAX (2 * CONV_MAX + 2 * (size_t)MW_CSV_MAX_FIELDS + 1)

/* The columns of the export. The reader's own come first; from C_PAYLOAD
 * on, the columns of the payload fields, in the field table's order
 * (midway/fields.h: each column once, however many kinds use it). The
 * canonical order used for event ids (struct cols, canon) is cpr,
 * kommunekode, haendelse, dato, registreret, the payload columns, handling,
 * erstatter, kilde_id, and last the payload columns added after exports
 * existed (MW_FF_ID_IF_SET, in the table's order). */
enum col {
        C_CPR,
        C_MUNI,
        C_KIND,
        C_DATE, /* the columns up to here are required */
        C_REGISTERED,
        C_ACTION,
        C_SUPERSEDES,
        C_SOURCE_ID,
        C_PAYLOAD
};

#define MAX_COLS 40 /* at most MW_CSV_MAX_FIELDS */

static const char *const frame_names[C_PAYLOAD] = {
    "cpr",         "kommunekode", "haendelse", "dato",
    "registreret", "handling",    "erstatter", "kilde_id"};

#define MAX_FIELDS 64 /* rows of the field table */

struct cols {
        const char *name[MAX_COLS]; /* static strings */
        unsigned flags[MAX_COLS];   /* MW_FF_* of the payload column */
        int canon[MAX_COLS];        /* the columns in canonical order */
        int n;
        int of_field[MAX_FIELDS]; /* field table row -> column, or -1 */
};


struct row_ctx {
        int map[MAX_COLS]; /* column index in the fields, -1 if absent */
};

/* The verdict of pass 1 on a row. */
enum row_state {
        ROW_REJECTED,     /* fails on its own (pass 2 says why) */
        ROW_OK,           /* accepted */
        ROW_DUPLICATE,    /* same event id as other_line */
        ROW_BEFORE_INTAKE /* dated before the intake at other_line */
};

struct row {
        size_t off; /* of the line in raw */
        size_t len; /* without the line terminator */
        long line;
        long other_line;
        int32_t date;
        int32_t intake_date;
        unsigned char state;
        unsigned char kind;
        unsigned char action;
        unsigned char no_intake;
        unsigned char ref[MW_REF_STRLEN / 2];
        unsigned char id[16];
};

struct mw_export {
        struct mw_export_opts opts;
        enum mw_export_format want_format;     /* AUTO: detect */
        enum mw_export_encoding want_encoding; /* AUTO: detect */
        FILE *fp;                              /* borrowed */
        char *name;                            /* owned */
        int loaded;
        enum mw_export_format format;
        enum mw_export_encoding encoding;
        int bom;
        iconv_t cd; /* Windows-1252 to UTF-8, if cd_open */
        int cd_open;
        int32_t today;
        struct cols cols;       /* the columns this reader knows */
        struct row_ctx rc;      /* CSV: from the header */
        struct row_ctx json_rc; /* JSON Lines: f[c] is column c */
        size_t n_header;        /* CSV: columns in the header */
        char *raw;              /* owned: the whole input, as read */
        size_t raw_len;
        struct row *rows; /* owned */
        size_t n_rows, cap_rows, next;
        long line;             /* of the row just returned */
        unsigned flags;        /* of the row just returned */
        char *conv;            /* owned: the current line in UTF-8 */
        char *vals;            /* owned: JSON values of the current line */
        char *masked;          /* owned: the current line, CPR masked */
        char *rebuilt;         /* owned: its known columns, unmasked */
        struct mw_uuid5 *uuid; /* owned: event ids */
};

/* ---- text helpers --------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if there is
 * none: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
        unsigned char lo = 0x80, hi = 0xBF;
        size_t len, i;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xC2 && s[0] <= 0xDF) {
                len = 2;
        } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
                len = 3;
                if (s[0] == 0xE0)
                        lo = 0xA0;
                else if (s[0] == 0xED)
                        hi = 0x9F;
        } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
                len = 4;
                if (s[0] == 0xF0)
                        lo = 0x90;
                else if (s[0] == 0xF4)
                        hi = 0x8F;
        } else {
                return 0;
        }
        if (n < len || s[1] < lo || s[1] > hi)
                return 0;
        for (i = 2; i < len; i++)
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
        return len;
}

/* Copies text for a reason: CPR-like digit runs masked, control
 * characters and ';' (which separates the fields of the reject file) as
 * '?', cut to QUOTE_MAX bytes on a character boundary. */
static const char *
quote(const char *text, char out[QUOTE_MAX + 8])
{
        size_t len, i;

        mw_cpr_mask(text, out, QUOTE_MAX + 8);
        len = strlen(out);
        if (len > QUOTE_MAX) {
                len = QUOTE_MAX;
                while (len > 0 && ((unsigned char)out[len] & 0xC0) == 0x80)
                        len--;
                memcpy(out + len, "...", 4);
        }
        for (i = 0; out[i]; i++)
                if ((unsigned char)out[i] < 0x20 || out[i] == 0x7F ||
                    out[i] == ';')
                        out[i] = '?';
        return out;
}

/* 1 if s holds a run the CPR mask would hide (6 or more digits written
 * together, or a CPR number in any other spelling). */
static int
looks_like_cpr(const char *s)
{
        char masked[MW_INTREF_MAX + 1];

        mw_cpr_mask(s, masked, sizeof(masked));
        return strcmp(masked, s) != 0;
}

/* Lower-cases a header name or a word and spells æ ø å as ae oe aa;
 * blanks around it are dropped. */
static void
normalise_word(const char *in, char *out, size_t size)
{
        static const struct {
                const char *from, *to;
        } map[] = {{"æ", "ae"}, {"Æ", "ae"}, {"ø", "oe"},
                   {"Ø", "oe"}, {"å", "aa"}, {"Å", "aa"}};
        size_t o = 0, k;
        char ch;

        while (*in == ' ' || *in == '\t')
                in++;
        while (*in && o + 3 < size) {
                int done = 0;

                for (k = 0; k < sizeof(map) / sizeof(map[0]) && !done; k++) {
                        if (strncmp(in, map[k].from, 2) == 0) {
                                out[o++] = map[k].to[0];
                                out[o++] = map[k].to[1];
                                in += 2;
                                done = 1;
                        }
                }
                if (done)
                        continue;
                ch = *in;
                if (ch >= 'A' && ch <= 'Z')
                        ch = (char)(ch - 'A' + 'a');
                out[o++] = ch;
                in++;
        }
        while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
                o--;
        out[o] = '\0';
}

/* The columns: the reader's own and the payload fields' export columns
 * (fields.h), each once. -1 if the table has more than MAX_COLS. */
static int
cols_build(struct cols *k)
{
        const struct mw_field *f;
        size_t nf, i;
        int c, o = 0;

        k->n = C_PAYLOAD;
        for (c = 0; c < C_PAYLOAD; c++) {
                k->name[c] = frame_names[c];
                k->flags[c] = 0;
        }
        f = mw_fields(&nf);
        if (nf > MAX_FIELDS)
                return -1;
        for (i = 0; i < nf; i++) {
                k->of_field[i] = -1;
                if (f[i].record == MW_REC_HEADER || !f[i].column)
                        continue;
                for (c = C_PAYLOAD; c < k->n; c++)
                        if (strcmp(k->name[c], f[i].column) == 0)
                                break;
                k->of_field[i] = c;
                if (c < k->n)
                        continue;
                if (k->n == MAX_COLS)
                        return -1;
                k->name[k->n] = f[i].column;
                k->flags[k->n++] = f[i].flags;
        }
        for (c = C_CPR; c <= C_REGISTERED; c++)
                k->canon[o++] = c;
        for (c = C_PAYLOAD; c < k->n; c++)
                if (!(k->flags[c] & MW_FF_ID_IF_SET))
                        k->canon[o++] = c;
        k->canon[o++] = C_ACTION;
        k->canon[o++] = C_SUPERSEDES;
        k->canon[o++] = C_SOURCE_ID;
        /* the columns added later go last (docs/input-format.md) */
        for (c = C_PAYLOAD; c < k->n; c++)
                if (k->flags[c] & MW_FF_ID_IF_SET)
                        k->canon[o++] = c;
        return 0;
}

/* The column of a header name or JSON key; -1 if unknown. */
static int
column_of(const struct cols *k, const char *name)
{
        char norm[64];
        int c;

        normalise_word(name, norm, sizeof(norm));
        for (c = 0; c < k->n; c++)
                if (strcmp(norm, k->name[c]) == 0)
                        return c;
        return -1;
}

static int
map_header(const struct cols *k, struct row_ctx *rc, char **f, size_t n,
           char *errstr, size_t errstr_size)
{
        char q[QUOTE_MAX + 8];
        size_t i;
        int c;

        for (c = 0; c < MAX_COLS; c++)
                rc->map[c] = -1;
        for (i = 0; i < n; i++) {
                c = column_of(k, f[i]);
                if (c < 0) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "unknown column '%s' in the header%s",
                                quote(f[i], q),
                                i == 0 ? " (is the header line missing?)" : "");
                        return -1;
                }
                if (rc->map[c] >= 0) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "column '%s' appears twice", k->name[c]);
                        return -1;
                }
                rc->map[c] = (int)i;
        }
        for (c = 0; c <= C_DATE; c++) {
                if (rc->map[c] < 0) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "required column '%s' is missing", k->name[c]);
                        return -1;
                }
        }
        return 0;
}

static const char *
field(const struct row_ctx *rc, char **f, size_t n, int c)
{
        const char *s;

        if (rc->map[c] < 0 || (size_t)rc->map[c] >= n)
                return "";
        s = f[rc->map[c]];
        while (*s == ' ')
                s++;
        return s;
}

static int
set_str(char *dst, size_t size, const char *src)
{
        size_t len = strlen(src);

        if (len >= size)
                return -1;
        memcpy(dst, src, len + 1);
        return 0;
}

/* snprintf(dst, size, "%s", src) without the format machinery: copies
 * src, cut to size - 1 bytes. */
static void
copy_cut(char *dst, size_t size, const char *src)
{
        size_t len = strnlen(src, size - 1);

        memcpy(dst, src, len);
        dst[len] = '\0';
}

/* Appends "\x1f" and s to the name at name + *o (size bytes in all);
 * *o counts what would have been written, as snprintf's return value
 * does, so *o >= size means the name did not fit. */
static void
name_append(char *name, size_t size, size_t *o, const char *s)
{
        size_t len = strlen(s), room;

        if (*o + 1 < size) {
                room = size - *o - 1; /* keep the terminator's byte */
                name[*o] = '\x1f';
                if (len < room) {
                        memcpy(name + *o + 1, s, len);
                } else {
                        memcpy(name + *o + 1, s, room - 1);
                        name[size - 1] = '\0';
                }
        }
        *o += 1 + len;
}

static const char hex_digits[] = "0123456789abcdef";

static void
bin_to_hex(const unsigned char *in, size_t n, char *out)
{
        size_t i;

        for (i = 0; i < n; i++) {
                out[2 * i] = hex_digits[in[i] >> 4];
                out[2 * i + 1] = hex_digits[in[i] & 0xf];
        }
        out[2 * n] = '\0';
}

/* ---- one row -------------------------------------------------------- */

/* Looks up a code by code or Danish/English label. */
static int
code(enum mw_codelist list, const char *text, char *dst, const char *what,
     char *errstr, size_t errstr_size)
{
        const struct mw_code *c;
        char q[QUOTE_MAX + 8];

        if (text[0] == '\0') {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID, "%s is missing",
                        what);
                return -1;
        }
        c = mw_codes_match(list, text);
        if (!c) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID, "unknown %s '%s'",
                        what, quote(text, q));
                return -1;
        }
        copy_cut(dst, MW_CODE_MAX + 1, c->code);
        return 0;
}

/* The codes of a comma-separated list into code array f of ev. */
static int
codes(const struct mw_field *f, const char *text, struct mw_event *ev,
      char *errstr, size_t errstr_size)
{
        static const struct {
                const char *word, *code;
        } shorts[] = {{"psykisk", "psychological"},
                      {"fysisk", "physical"},
                      {"socialt", "social"}};
        char copy[256], *tok, *save = NULL, words[MW_CODE_MAX + 1];
        int *n = mw_field_count(ev, f);
        const char *codetext;
        size_t k;

        /* "problem area" for problem_area */
        copy_cut(words, sizeof(words),
                 mw_codes_list_name((enum mw_codelist)f->codelist));
        for (k = 0; words[k]; k++)
                if (words[k] == '_')
                        words[k] = ' ';
        *n = 0;
        if (set_str(copy, sizeof(copy), text))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%ss too long", words),
                       -1;
        for (tok = strtok_r(copy, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
                while (*tok == ' ')
                        tok++;
                if (*tok == '\0')
                        continue;
                codetext = tok;
                for (k = 0; k < sizeof(shorts) / sizeof(shorts[0]); k++)
                        if (f->codelist == MW_CL_PROBLEM_AREA &&
                            strcmp(tok, shorts[k].word) == 0)
                                codetext = shorts[k].code;
                if (*n >= f->max_items) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "more than %d %ss", f->max_items, words);
                        return -1;
                }
                if (code((enum mw_codelist)f->codelist, codetext,
                         mw_field_item(ev, f, *n), words, errstr, errstr_size))
                        return -1;
                (*n)++;
        }
        return 0;
}

/* The kind of a haendelse word: the Danish word or the kind's name
 * (fields.h), as written or normalised. */
static int
kind_of(const char *s, enum mw_kind *kind)
{
        const struct mw_kind_info *k;
        char word[32];
        int i, pass;

        /* the spelling as written first: normalising would not change it */
        for (pass = 0; pass < 2; pass++) {
                if (pass == 1)
                        normalise_word(s, word, sizeof(word));
                for (i = 0; i < MW_KIND_COUNT; i++) {
                        k = mw_kind_info((enum mw_kind)i);
                        if (strcmp(pass ? word : s, k->word_da) == 0 ||
                            strcmp(pass ? word : s, k->name) == 0) {
                                *kind = (enum mw_kind)i;
                                return 1;
                        }
                }
        }
        return 0;
}

static int
action_of(const char *s, enum mw_action *action)
{
        char word[32];

        if (s[0] == '\0') { /* the usual: normalising keeps it "" */
                *action = MW_ACTION_NEW;
                return 1;
        }
        normalise_word(s, word, sizeof(word));
        if (word[0] == '\0' || strcmp(word, "ny") == 0) {
                *action = MW_ACTION_NEW;
                return 1;
        }
        if (strcmp(word, "rettelse") == 0) {
                *action = MW_ACTION_CORRECTION;
                return 1;
        }
        if (strcmp(word, "annullering") == 0) {
                *action = MW_ACTION_RETRACTION;
                return 1;
        }
        return mw_action_parse(word, action);
}

static int
opt_date(const char *s, int32_t *out, const char *what, char *errstr,
         size_t errstr_size)
{
        char why[128];

        *out = MW_DATE_NONE;
        if (s[0] == '\0')
                return 0;
        if (mw_date_parse(s, out, why, sizeof(why)) != MW_OK) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID, "%s: %s", what,
                        why);
                return -1;
        }
        return 0;
}

/* "HH:MM" or "HH:MM:SS". */
static int
parse_clock(const char *s, int *h, int *m, int *sec)
{
        int v[3] = {0, 0, 0}, i, n = 0;

        for (i = 0; i < 3; i++) {
                if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
                        return -1;
                v[i] = (s[0] - '0') * 10 + (s[1] - '0');
                n++;
                s += 2;
                if (*s != ':')
                        break;
                s++;
        }
        if (*s != '\0' || n < 2 || v[0] > 23 || v[1] > 59 || v[2] > 59)
                return -1;
        *h = v[0];
        *m = v[1];
        *sec = v[2];
        return 0;
}

/* "dd-mm-yyyy" or "dd-mm-yyyy HH:MM[:SS]" (local time taken as UTC). */
static int
registered(const char *s, int64_t now, int64_t *ms, char *errstr,
           size_t errstr_size)
{
        char day[16], why[128];
        int32_t days;
        int h = 0, m = 0, sec = 0;
        const char *sp;
        size_t len;

        if (s[0] == '\0') {
                *ms = now;
                return 0;
        }
        /* The day alone goes to day[]: "dd-mm-yyyy HH:MM:SS" is longer. */
        sp = strchr(s, ' ');
        len = sp ? (size_t)(sp - s) : strlen(s);
        if (len >= sizeof(day))
                goto bad;
        memcpy(day, s, len);
        day[len] = '\0';
        if (sp && parse_clock(sp + 1, &h, &m, &sec) != 0)
                goto bad;
        if (mw_date_parse(day, &days, why, sizeof(why)) != MW_OK)
                goto bad;
        *ms = ((int64_t)days * 86400 + (int64_t)h * 3600 + (int64_t)m * 60 +
               sec) *
              1000;
        return 0;
bad:
        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                "registration time is not dd-mm-yyyy [HH:MM[:SS]]");
        return -1;
}

static const char *
age_band(int years)
{
        if (years < 25)
                return "18-24";
        if (years < 30)
                return "25-29";
        if (years < 40)
                return "30-39";
        if (years < 50)
                return "40-49";
        return "50+";
}

static int
age_at(const char cpr[MW_CPR_LEN], int32_t date)
{
        int by, bm, bd, y, m, d, birth;

        mw_cpr_birth_date(cpr, &birth);
        mw_date_to_ymd(birth, &by, &bm, &bd);
        mw_date_to_ymd(date, &y, &m, &d);
        return y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0);
}

/* dato and registreret: not before the programme, not after today in
 * Denmark (an export made at 00:30 Danish time may hold rows of that day,
 * which is still yesterday in UTC). */
static int
check_dates(const struct mw_export *x, const struct mw_event *ev, char *errstr,
            size_t errstr_size)
{
        char day[11], today[11];
        int64_t regday;

        if (ev->event_date < MW_PROGRAMME_START) {
                mw_date_format(ev->event_date, day);
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "dato %s is before the programme started on "
                        "2014-10-01",
                        day);
                return -1;
        }
        if (ev->event_date > x->today) {
                mw_date_format(ev->event_date, day);
                mw_date_format(x->today, today);
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "dato %s is in the future (today is %s)", day, today);
                return -1;
        }
        regday = ev->registered_at / MS_PER_DAY;
        if (regday > x->today) {
                mw_date_format((int32_t)regday, day);
                mw_date_format(x->today, today);
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "registreret %s is in the future (today is %s)", day,
                        today);
                return -1;
        }
        return 0;
}

/* What the reader derives for an empty column of a MW_FF_DERIVED field
 * (the target group from the project, the gender from the CPR number,
 * the age band from the age at the event), in *s. The age is checked
 * whatever the column says: the programme is for adults. */
static int
derive(const struct mw_export *x, const struct mw_field *f, const char *cpr,
       const struct mw_event *ev, const char **s, char *errstr,
       size_t errstr_size)
{
        int age;

        if (strcmp(f->name, "target_group") == 0 && !(*s)[0])
                *s = x->opts.project->target_group;
        if (strcmp(f->name, "gender") == 0 && !(*s)[0])
                *s = mw_cpr_gender(cpr) == 'f' ? "female" : "male";
        if (strcmp(f->name, "age_band") == 0) {
                age = age_at(cpr, ev->event_date);
                if (age < 18) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "citizen is %d years old at visitation, the "
                                "programme is for adults (18+)",
                                age);
                        return -1;
                }
                if (!(*s)[0])
                        *s = age_band(age);
        }
        return 0;
}

/* One payload field from its export column s, as its table row says. */
static int
payload_field(const struct mw_field *f, const char *s, struct mw_event *ev,
              char *errstr, size_t errstr_size)
{
        char word[16];

        switch (f->type) {
        case MW_FT_STRING:
        case MW_FT_OPT_STRING:
                if (f->codelist >= 0)
                        return f->type == MW_FT_OPT_STRING && !s[0]
                                   ? 0
                                   : code((enum mw_codelist)f->codelist, s,
                                          mw_field_str(ev, f), f->column,
                                          errstr, errstr_size);
                if (set_str(mw_field_str(ev, f), f->size, s))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "%s is longer than %zu characters",
                                       f->column, f->size - 1),
                               -1;
                /* A free identifier travels to Kafka as it is: no CPR
                 * number in any spelling (the mask hides those and every
                 * run of 6 digits). */
                if (looks_like_cpr(mw_field_str(ev, f)))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "%s looks like a CPR number (6 or "
                                       "more digits in a row, or a birth "
                                       "date and 4 digits however written)",
                                       f->column),
                               -1;
                return 0;
        case MW_FT_OPT_DATE:
                return opt_date(s, mw_field_i32(ev, f), f->column, errstr,
                                errstr_size);
        case MW_FT_CODES:
                return codes(f, s, ev, errstr, errstr_size);
        case MW_FT_OPT_CODES:
                if (!s[0])
                        return 0;
                *mw_field_has(ev, f) = 1;
                normalise_word(s, word, sizeof(word));
                if (strcmp(word, "ingen") == 0) /* none: an empty list */
                        return 0;
                return codes(f, s, ev, errstr, errstr_size);
        default:
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%s: no export form for this field", f->name),
                       -1;
        }
}

/* The payload of the kind of ev, column by column from the field table. */
static int
build_payload(const struct mw_export *x, const struct row_ctx *rc, char **fv,
              size_t n, const char *cpr, struct mw_event *ev, char *errstr,
              size_t errstr_size)
{
        const struct mw_field *all, *f;
        const char *s;
        size_t i, nf, n_all;
        int c;

        all = mw_fields(&n_all);
        f = mw_fields_of((int)ev->kind, &nf);
        for (i = 0; i < nf; i++) {
                c = x->cols.of_field[&f[i] - all];
                s = c >= 0 ? field(rc, fv, n, c) : "";
                if ((f[i].flags & MW_FF_DERIVED) &&
                    derive(x, &f[i], cpr, ev, &s, errstr, errstr_size))
                        return -1;
                if (payload_field(&f[i], s, ev, errstr, errstr_size))
                        return -1;
        }
        return 0;
}

/* The reader's own columns of the row: kind, CPR number (into cpr),
 * municipality, dates, action, the event it replaces. */
static int
build_frame(const struct mw_export *x, const struct row_ctx *rc, char **f,
            size_t n, char cpr[MW_CPR_LEN + 1], struct mw_event *ev,
            char *errstr, size_t errstr_size)
{
        const struct mw_project *project = x->opts.project;
        char why[160], q[QUOTE_MAX + 8], words[128];
        enum mw_kind kind;
        size_t o;
        int i;
        const char *s;
        char *endp;
        long muni;

        s = field(rc, f, n, C_KIND);
        if (!kind_of(s, &kind)) {
                for (i = 0, o = 0; i < MW_KIND_COUNT && o < sizeof(words); i++)
                        o += (size_t)snprintf(
                            words + o, sizeof(words) - o, "%s%s", i ? ", " : "",
                            mw_kind_info((enum mw_kind)i)->word_da);
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "unknown haendelse '%s' (%s)", quote(s, q),
                               words),
                       -1;
        }
        mw_event_init(ev, kind);
        if (mw_cpr_normalise(field(rc, f, n, C_CPR), cpr, why, sizeof(why)))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID, "%s", why),
                       -1;
        s = field(rc, f, n, C_MUNI);
        errno = 0;
        muni = strtol(s, &endp, 10);
        if (errno || endp == s || *endp != '\0' || muni < 0 || muni > 9999 ||
            !mw_project_has_muni(project, (int)muni))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "kommunekode '%s' is not a municipality of "
                               "project %d (%s)",
                               quote(s, q), project->id, project->slug),
                       -1;
        ev->project_id = project->id;
        ev->municipality_code = (int32_t)muni;
        if (mw_date_parse(field(rc, f, n, C_DATE), &ev->event_date, why,
                          sizeof(why)))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID, "dato: %s",
                               why),
                       -1;
        if (registered(field(rc, f, n, C_REGISTERED), x->opts.now_ms,
                       &ev->registered_at, errstr, errstr_size) ||
            check_dates(x, ev, errstr, errstr_size))
                return -1;
        if (!action_of(field(rc, f, n, C_ACTION), &ev->action))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "unknown handling (ny, rettelse, annullering)"),
                       -1;
        /* erstatter travels to Kafka: only a UUID may (a UUID's hex digits
         * often hold 6 decimal digits in a row, so the CPR digit-run rule
         * cannot apply), and not one made of a CPR number's digits
         * (mw_cpr_find() finds those when the UUID has no hex letter). */
        s = field(rc, f, n, C_SUPERSEDES);
        if (s[0] != '\0' &&
            (set_str(ev->supersedes, sizeof(ev->supersedes), s) != 0 ||
             !mw_uuid_valid(ev->supersedes) ||
             mw_cpr_find(ev->supersedes, strlen(ev->supersedes))))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "erstatter is not an event id (a UUID)"),
                       -1;
        return 0;
}

/* Builds the event of one row. The CPR is copied only into a local
 * buffer and wiped before returning. */
static int
build_event(const struct mw_export *x, const struct row_ctx *rc, char **f,
            size_t n, const struct row *known, struct mw_event *ev,
            char *errstr, size_t errstr_size)
{
        char cpr[MW_CPR_LEN + 1], idname[4096];
        const char *s;
        int i, c, rcode = -1;
        size_t o, used = 0;

        memset(cpr, 0, sizeof(cpr));
        if (build_frame(x, rc, f, n, cpr, ev, errstr, errstr_size) ||
            build_payload(x, rc, f, n, cpr, ev, errstr, errstr_size))
                goto out;
        copy_cut(ev->key_id, sizeof(ev->key_id), mw_pseudo_key_id(x->opts.ps));
        copy_cut(ev->producer_id, sizeof(ev->producer_id), x->opts.producer_id);
        if (known) {
                /* accepted in pass 1: the same reference and id */
                bin_to_hex(known->ref, sizeof(known->ref), ev->citizen_ref);
                uuid_unparse_lower(known->id,
                                   ev->event_id); /* as mw_uuid_v5() */
                rcode = 0;
                goto out;
        }
        mw_pseudo_ref(x->opts.ps, cpr, ev->citizen_ref);
        /* The id names the pseudonymised row: project, citizen reference
         * and every other column in canonical order; a column added later
         * (MW_FF_ID_IF_SET) only when it holds something, so that the ids
         * of the rows of older exports stay what they were. */
        o = (size_t)snprintf(idname, sizeof(idname), "%d", ev->project_id);
        name_append(idname, sizeof(idname), &o, ev->citizen_ref);
        for (i = 1; i < x->cols.n && o < sizeof(idname); i++) {
                c = x->cols.canon[i];
                s = field(rc, f, n, c);
                if (!(x->cols.flags[c] & MW_FF_ID_IF_SET) || s[0])
                        name_append(idname, sizeof(idname), &o, s);
        }
        used = o < sizeof(idname) ? o : sizeof(idname);
        if (o >= sizeof(idname)) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID, "row too long");
                goto out;
        }
        mw_uuid5_make(x->uuid, idname, o, ev->event_id);
        if (mw_event_validate(ev, errstr, errstr_size) != MW_OK)
                goto out;
        rcode = 0;
out:
        OPENSSL_cleanse(cpr, sizeof(cpr));
        OPENSSL_cleanse(idname, used); /* the rest was never written */
        return rcode;
}

/* ---- encodings ------------------------------------------------------ */

/* Over the whole input: UTF-8 unless invalid UTF-8 sequences are at least
 * as many as valid multi-byte ones, then Windows-1252. Windows-1252 text
 * with Danish letters is almost never valid UTF-8 (æ is 0xE6, which UTF-8
 * must follow by two continuation bytes), and a UTF-8 export with one row
 * pasted from elsewhere keeps its majority. */
static enum mw_export_encoding
detect_encoding(const char *raw, size_t len)
{
        const unsigned char *s = (const unsigned char *)raw;
        size_t i = 0, k, valid = 0, invalid = 0;

        while (i < len) {
                if (s[i] < 0x80) {
                        i++;
                        continue;
                }
                k = utf8_len(s + i, len - i);
                if (k) {
                        valid++;
                        i += k;
                } else {
                        invalid++;
                        i++;
                }
        }
        return invalid == 0 || valid > invalid ? MW_EXPORT_ENCODING_UTF8
                                               : MW_EXPORT_ENCODING_CP1252;
}

/* Writes U+FFFD, the replacement character, in UTF-8 (3 bytes). */
static void
put_replacement(char *p)
{
        p[0] = (char)0xEF;
        p[1] = (char)0xBF;
        p[2] = (char)0xBD;
}

/* Converts len bytes at in to UTF-8 in x->conv (NUL-terminated, length in
 * *out_len). Returns 0, or the 1-based column of the first byte that is
 * invalid in the encoding (*bad: the byte); such bytes become U+FFFD. */
static size_t
convert(struct mw_export *x, char *in, size_t len, size_t *out_len,
        unsigned char *bad)
{
        size_t first_bad = 0, o = 0, i = 0, k, il = len, ol;
        char *ip = in, *op;

        if (x->encoding == MW_EXPORT_ENCODING_UTF8) {
                while (i < len) {
                        /* a run of ASCII, copied whole */
                        for (k = i; k < len && (signed char)in[k] >= 0; k++)
                                ;
                        if (k > i) {
                                memcpy(x->conv + o, in + i, k - i);
                                o += k - i;
                                i = k;
                                continue;
                        }
                        k = utf8_len((const unsigned char *)in + i, len - i);
                        if (k == 0) {
                                if (!first_bad) {
                                        first_bad = i + 1;
                                        *bad = (unsigned char)in[i];
                                }
                                put_replacement(x->conv + o);
                                o += 3;
                                i++;
                        } else {
                                memcpy(x->conv + o, in + i, k);
                                o += k;
                                i += k;
                        }
                }
                goto out;
        }
        op = x->conv;
        ol = CONV_MAX - 1;
        iconv(x->cd, NULL, NULL, NULL, NULL);
        while (il > 0) {
                if (iconv(x->cd, &ip, &il, &op, &ol) != (size_t)-1)
                        break;
                if (errno != EILSEQ && errno != EINVAL)
                        break; /* E2BIG: cannot happen, see CONV_MAX */
                if (!first_bad) {
                        first_bad = (size_t)(ip - in) + 1;
                        *bad = (unsigned char)*ip;
                }
                put_replacement(op);
                op += 3;
                ol -= 3;
                ip++;
                il--;
        }
        o = (size_t)(op - x->conv);
out:
        x->conv[o] = '\0';
        *out_len = o;
        return first_bad;
}

/* ---- JSON Lines ----------------------------------------------------- */

/* Parses one JSON object into f[column] (values in x->vals; an absent
 * key or null is ""). */
static int
json_fields(struct mw_export *x, const char *text, size_t len, char **f,
            char *errstr, size_t errstr_size)
{
        json_t *root, *val;
        json_error_t jerr;
        const char *key, *s;
        char q[QUOTE_MAX + 8], num[32];
        int seen[MAX_COLS] = {0};
        size_t o = 0, vlen;
        int rcode = -1, i, c;

        root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "not valid JSON at column %d: %s", jerr.column,
                        quote(jerr.text, q));
                return -1;
        }
        if (!json_is_object(root)) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "the line is not a JSON object");
                goto out;
        }
        for (i = 0; i < x->cols.n; i++)
                f[i] = "";
        json_object_foreach(root, key, val)
        {
                c = column_of(&x->cols, key);
                if (c < 0) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "unknown key '%s'", quote(key, q));
                        goto out;
                }
                if (seen[c]) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "key '%s' appears twice", x->cols.name[c]);
                        goto out;
                }
                seen[c] = 1;
                if (json_is_string(val)) {
                        s = json_string_value(val);
                        vlen = json_string_length(val);
                } else if (json_is_integer(val) && c == C_MUNI) {
                        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                                 json_integer_value(val));
                        s = num;
                        vlen = strlen(num);
                } else if (json_is_null(val)) {
                        s = "";
                        vlen = 0;
                } else {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "the value of '%s' is not a string%s",
                                x->cols.name[c],
                                c == C_MUNI ? " or an integer" : "");
                        goto out;
                }
                /* The values are no longer than the line (JSON escapes
                 * only shrink), plus terminators and kommunekode. */
                if (o + vlen + 1 > CONV_MAX + 64)
                        goto out;
                memcpy(x->vals + o, s, vlen);
                x->vals[o + vlen] = '\0';
                f[c] = x->vals + o;
                o += vlen + 1;
        }
        for (i = 0; i <= C_DATE; i++) {
                if (!seen[i]) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "required key '%s' is missing",
                                x->cols.name[i]);
                        goto out;
                }
        }
        rcode = 0;
out:
        json_decref(root);
        return rcode;
}

/* ---- rows ----------------------------------------------------------- */

/* 1 if s[0..len) holds a byte check_row() refuses in a field. */
static int
has_control(const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t i;

        for (i = 0; i < len; i++)
                if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7F)
                        return 1;
        return 0;
}

/* Drops blanks (spaces, tabs) around every field, in every column alike. */
static void
trim_fields(char **f, size_t n)
{
        size_t i, len;
        char *p, *e;

        for (i = 0; i < n; i++) {
                p = f[i];
                while (*p == ' ' || *p == '\t')
                        p++;
                len = strlen(p);
                e = p + len;
                while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
                        e--;
                if (e < p + len) /* f[i] may be a literal "" */
                        *e = '\0';
                f[i] = p;
        }
}

/* Appends len bytes of s to x->rebuilt at *o, control characters as '?';
 * what does not fit is dropped. */
static void
rebuilt_put(struct mw_export *x, size_t *o, const char *s, size_t len)
{
        size_t i;

        for (i = 0; i < len && *o + 1 < REBUILT_MAX; i++) {
                unsigned char ch = (unsigned char)s[i];

                if (ch < 0x20 || ch == 0x7F)
                        x->rebuilt[(*o)++] = '?';
                else
                        x->rebuilt[(*o)++] = s[i];
        }
        x->rebuilt[*o] = '\0';
}

/* The CSV row (x->conv, len bytes) rebuilt from the header's columns:
 * fields past the header are dropped. */
static int
rebuild_csv(struct mw_export *x, size_t len)
{
        char *f[MW_CSV_MAX_FIELDS], why[128];
        size_t n, i, o = 0;
        const char *p;

        memcpy(x->vals, x->conv, len + 1);
        if (mw_csv_split(x->vals, len, ';', f, MW_CSV_MAX_FIELDS, &n, why,
                         sizeof(why)) != MW_OK)
                return -1;
        x->rebuilt[0] = '\0';
        for (i = 0; i < n && i < x->n_header; i++) {
                if (i > 0)
                        rebuilt_put(x, &o, ";", 1);
                if (!strpbrk(f[i], ";\"")) {
                        rebuilt_put(x, &o, f[i], strlen(f[i]));
                        continue;
                }
                rebuilt_put(x, &o, "\"", 1);
                for (p = f[i]; *p; p++) {
                        rebuilt_put(x, &o, p, 1);
                        if (*p == '"') /* doubled inside quotes */
                                rebuilt_put(x, &o, p, 1);
                }
                rebuilt_put(x, &o, "\"", 1);
        }
        return 0;
}

/* The JSON Lines row (x->conv, len bytes) rebuilt from its known keys,
 * each under its canonical name; a value that is an object or an array
 * becomes null. */
static int
rebuild_json(struct mw_export *x, size_t len)
{
        json_t *root, *out = NULL, *val;
        json_error_t jerr;
        const char *key;
        char *text = NULL;
        size_t o = 0;
        int rcode = -1, c;

        root = json_loadb(x->conv, len, 0, &jerr);
        if (!root || !json_is_object(root) || !(out = json_object()))
                goto out;
        json_object_foreach(root, key, val)
        {
                c = column_of(&x->cols, key);
                if (c < 0)
                        continue;
                if (json_is_object(val) || json_is_array(val))
                        val = json_null();
                if (json_object_set(out, x->cols.name[c], val) != 0)
                        goto out;
        }
        text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!text)
                goto out;
        x->rebuilt[0] = '\0';
        rebuilt_put(x, &o, text, strlen(text));
        rcode = 0;
out:
        if (text) {
                OPENSSL_cleanse(text, strlen(text));
                free(text);
        }
        json_decref(out);
        json_decref(root);
        return rcode;
}

/* The row for the reject file in x->masked: only the columns midway
 * knows (CSV: the header's; JSON Lines: the known keys), control
 * characters as '?', CPR numbers masked (mw_cpr_mask()). A line that
 * cannot be split into columns (bad quoting, not a JSON object) shows
 * as "": which of its text is a known column is unknown. */
static void
masked_row(struct mw_export *x, size_t len)
{
        int rc = x->format == MW_EXPORT_FORMAT_JSONL ? rebuild_json(x, len)
                                                     : rebuild_csv(x, len);

        if (rc != 0)
                x->rebuilt[0] = '\0';
        mw_cpr_mask(x->rebuilt, x->masked, CONV_MAX);
}

/* Checks one data row on its own; fills *ev, or errstr and returns -1.
 * Again (pass 2), leaves the row, CPR masked, in x->masked either way;
 * pass 1 needs no masked row and leaves x->masked empty. */
static int
check_row(struct mw_export *x, const struct row *r, int again,
          struct mw_event *ev, char *errstr, size_t errstr_size)
{
        const struct row_ctx *rc = &x->rc;
        char *f[MW_CSV_MAX_FIELDS];
        size_t n, len, col, i;
        unsigned char bad = 0;
        const unsigned char *p;
        int i_c, c;

        x->masked[0] = '\0';
        if (r->len >= MW_EXPORT_MAX_LINE) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "line longer than %d bytes", MW_EXPORT_MAX_LINE);
                return -1;
        }
        col = convert(x, x->raw + r->off, r->len, &len, &bad);
        if (again)
                masked_row(x, len);
        if (col) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "byte 0x%02X at column %zu is not %s (the file is "
                        "read as %s)",
                        bad, col,
                        x->encoding == MW_EXPORT_ENCODING_UTF8
                            ? "valid UTF-8"
                            : "a Windows-1252 character",
                        mw_export_encoding_name(x));
                return -1;
        }
        if (x->format == MW_EXPORT_FORMAT_JSONL) {
                if (json_fields(x, x->conv, len, f, errstr, errstr_size))
                        return -1;
                n = (size_t)x->cols.n;
                rc = &x->json_rc;
        } else {
                if (mw_csv_split(x->conv, len, ';', f, MW_CSV_MAX_FIELDS, &n,
                                 errstr, errstr_size) != MW_OK)
                        return -1;
                for (i = x->n_header; i < n; i++) {
                        if (f[i][strspn(f[i], " \t")] != '\0') {
                                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                        "the row has %zu fields, the header "
                                        "%zu",
                                        n, x->n_header);
                                return -1;
                        }
                }
        }
        trim_fields(f, n);
        /* A CSV field holds only bytes of its line: a line without a
         * control character needs no look at each field. (JSON escapes
         * can make one, so JSON Lines are always looked at.) */
        if (x->format == MW_EXPORT_FORMAT_CSV && !has_control(x->conv, len))
                goto build;
        for (i_c = 0; i_c < x->cols.n; i_c++) {
                c = x->cols.canon[i_c];
                for (p = (const unsigned char *)field(rc, f, n, c); *p; p++) {
                        if ((*p < 0x20 && *p != '\t') || *p == 0x7F) {
                                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                        "%s holds a control character",
                                        x->cols.name[c]);
                                return -1;
                        }
                }
        }
build:
        /* Again (pass 2) for a row pass 1 accepted on its own: the checks
         * are deterministic, so it passes again, with the citizen
         * reference and event id pass 1 derived. */
        return build_event(x, rc, f, n,
                           again && r->state != ROW_REJECTED ? r : NULL, ev,
                           errstr, errstr_size);
}

/* The value of a hex digit (checked by mw_event_validate()): '0'-'9'
 * 0x30-0x39, 'a'-'f' 0x61-0x66, 'A'-'F' 0x41-0x46. */
static unsigned
hex_value(char ch)
{
        return ((unsigned char)ch & 0xFu) +
               9u * (((unsigned char)ch >> 6) & 1u);
}

/* n bytes from 2n hex digits; '-' between pairs (a UUID's) is skipped. */
static void
hex_to_bin(const char *hex, unsigned char *out, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++) {
                if (*hex == '-')
                        hex++;
                out[i] =
                    (unsigned char)(hex_value(hex[0]) << 4 | hex_value(hex[1]));
                hex += 2;
        }
}

/* The checks between rows look rows up by a key (an event id or a
 * citizen reference) in an open-addressing table of row indexes + 1 (0:
 * empty). The keys are SHA-1 and keyed SHA-256 output, so their first 8
 * bytes spread well.
 *
 * Ours (45 lines) and not uthash (uthash-dev), on purpose (2026, issue
 * 12): the three passes of cross_check() over a 120,603-row export
 * (midway-gen -p 15 -n 20000 -s 1, replicated in a benchmark) took 6.5 ms
 * here against 36 ms with uthash (gcc -O2, medians of 5 runs; 1,000,000
 * rows: 62 against 371 ms), and uthash needs a 72-byte entry per row
 * (a UT_hash_handle is 56) where this table has 16 to 32 bytes. */
struct slots {
        size_t *v; /* owned */
        unsigned bits;
};

static size_t
slot_of(const struct slots *t, const unsigned char *key)
{
        uint64_t k;

        memcpy(&k, key, sizeof(k));
        return (size_t)((k * 0x9E3779B97F4A7C15ULL) >> (64 - t->bits));
}

/* The slot holding a row whose key (at offset off in struct row, len
 * bytes) equals key, or the empty slot where it would go. */
static size_t *
slot_find(const struct slots *t, const struct row *rows, size_t off, size_t len,
          const unsigned char *key)
{
        size_t mask = ((size_t)1 << t->bits) - 1, h = slot_of(t, key);
        const unsigned char *other;

        for (;; h = (h + 1) & mask) {
                if (t->v[h] == 0)
                        return &t->v[h];
                other = (const unsigned char *)&rows[t->v[h] - 1] + off;
                if (memcmp(other, key, len) == 0)
                        return &t->v[h];
        }
}

/* The checks between rows of the export, on the rows accepted on their
 * own: a second row with the same event id is a duplicate; a contact,
 * intervention, exit or profile change (not a retraction) dated before
 * the citizen's earliest intake (a visitation, not a retraction) in the
 * export is rejected; one for a citizen with no intake in the export is
 * accepted and flagged. */
static mw_err_t
cross_check(struct mw_export *x, char *errstr, size_t errstr_size)
{
        const size_t id_off = offsetof(struct row, id);
        const size_t ref_off = offsetof(struct row, ref);
        struct slots t = {NULL, 4};
        const struct row *in;
        struct row *r;
        size_t i, *slot;

        /* at most half full */
        while (((size_t)1 << t.bits) < 2 * x->n_rows)
                t.bits++;
        t.v = calloc((size_t)1 << t.bits, sizeof(*t.v));
        if (!t.v)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        /* Rows are in line order: the row in the table is the first. */
        for (i = 0; i < x->n_rows; i++) {
                r = &x->rows[i];
                if (r->state != ROW_OK)
                        continue;
                slot = slot_find(&t, x->rows, id_off, sizeof(r->id), r->id);
                if (*slot == 0) {
                        *slot = i + 1;
                        continue;
                }
                r->state = ROW_DUPLICATE;
                r->other_line = x->rows[*slot - 1].line;
        }
        /* Each citizen's earliest intake (on one day, the first line). */
        memset(t.v, 0, ((size_t)1 << t.bits) * sizeof(*t.v));
        for (i = 0; i < x->n_rows; i++) {
                r = &x->rows[i];
                if (r->state != ROW_OK || r->kind != MW_KIND_VISITATION ||
                    r->action == MW_ACTION_RETRACTION)
                        continue;
                slot = slot_find(&t, x->rows, ref_off, sizeof(r->ref), r->ref);
                if (*slot == 0 || r->date < x->rows[*slot - 1].date)
                        *slot = i + 1;
        }
        for (i = 0; i < x->n_rows; i++) {
                r = &x->rows[i];
                if (r->state != ROW_OK || r->kind == MW_KIND_VISITATION ||
                    r->action == MW_ACTION_RETRACTION)
                        continue;
                slot = slot_find(&t, x->rows, ref_off, sizeof(r->ref), r->ref);
                if (*slot == 0) {
                        r->no_intake = 1;
                        continue;
                }
                in = &x->rows[*slot - 1];
                if (r->date < in->date) {
                        r->state = ROW_BEFORE_INTAKE;
                        r->other_line = in->line;
                        r->intake_date = in->date;
                }
        }
        free(t.v);
        return MW_OK;
}

/* ---- reading the export --------------------------------------------- */

static mw_err_t
read_all(struct mw_export *x, char *errstr, size_t errstr_size)
{
        size_t cap = 0, got, first = 65536;
        struct stat st;
        char *grown;
        int fd = fileno(x->fp);

        /* A regular file: refused before reading if it is too large, else
         * room for all of it at once (and the byte that shows it ended),
         * no copies while growing. Other input (a pipe) stops at the
         * limit. */
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
                if (st.st_size > MW_EXPORT_MAX_BYTES)
                        return mw_errf(
                            errstr, errstr_size, MW_ERR_TOOBIG,
                            "the export is larger than the limit "
                            "of %ld MiB (%lld MiB), not read: "
                            "split it",
                            MW_EXPORT_MAX_BYTES >> 20,
                            (long long)((st.st_size + (1 << 20) - 1) >> 20));
                if (st.st_size > 0)
                        first = (size_t)st.st_size + 2;
        }
        for (;;) {
                if (x->raw_len + 1 >= cap) {
                        /* room for one byte more than the limit */
                        cap = cap ? 2 * cap : first;
                        if (cap > (size_t)MW_EXPORT_MAX_BYTES + 2)
                                cap = (size_t)MW_EXPORT_MAX_BYTES + 2;
                        grown = malloc(cap);
                        if (!grown)
                                return mw_errf(errstr, errstr_size,
                                               MW_ERR_NOMEM, "out of memory");
                        if (x->raw) {
                                memcpy(grown, x->raw, x->raw_len);
                                OPENSSL_cleanse(x->raw, x->raw_len);
                                free(x->raw);
                        }
                        x->raw = grown;
                }
                got =
                    fread(x->raw + x->raw_len, 1, cap - x->raw_len - 1, x->fp);
                x->raw_len += got;
                if (x->raw_len > (size_t)MW_EXPORT_MAX_BYTES)
                        return mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                                       "the export is larger than the limit "
                                       "of %ld MiB (stopped reading there): "
                                       "split it",
                                       MW_EXPORT_MAX_BYTES >> 20);
                if (got == 0)
                        break;
        }
        if (ferror(x->fp))
                return mw_errf(errstr, errstr_size, MW_ERR_IO, "read error: %s",
                               strerror(errno));
        x->raw[x->raw_len] = '\0';
        return MW_OK;
}

static int
ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), k = strlen(suffix), i;

        if (n < k)
                return 0;
        for (i = 0; i < k; i++) {
                char ch = s[n - k + i];

                if (ch >= 'A' && ch <= 'Z')
                        ch = (char)(ch - 'A' + 'a');
                if (ch != suffix[i])
                        return 0;
        }
        return 1;
}

/* Encoding and format, from the options or the input. */
static mw_err_t
detect(struct mw_export *x, size_t *start, char *errstr, size_t errstr_size)
{
        const unsigned char *s = (const unsigned char *)x->raw;
        size_t i;

        *start = 0;
        if (x->raw_len >= 2 &&
            ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "the export is UTF-16, which is not supported: "
                               "save it as UTF-8 or Windows-1252");
        if (x->raw_len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
                x->bom = 1;
                *start = 3;
        }
        x->encoding = x->want_encoding;
        if (x->encoding == MW_EXPORT_ENCODING_AUTO)
                x->encoding = x->bom ? MW_EXPORT_ENCODING_UTF8
                                     : detect_encoding(x->raw, x->raw_len);
        if (x->encoding == MW_EXPORT_ENCODING_CP1252) {
                x->cd = iconv_open("UTF-8", "WINDOWS-1252");
                /* iconv_open's documented failure value */
                x->cd_open =
                    x->cd !=
                    (iconv_t)-1; /* NOLINT(performance-no-int-to-ptr) */
                if (!x->cd_open)
                        return mw_errf(errstr, errstr_size, MW_ERR_IO,
                                       "iconv cannot convert from "
                                       "Windows-1252: %s",
                                       strerror(errno));
        }
        x->format = x->want_format;
        if (x->format == MW_EXPORT_FORMAT_AUTO) {
                for (i = *start;
                     i < x->raw_len && strchr(" \t\r\n", s[i]) && s[i] != '\0';
                     i++)
                        ;
                x->format = ends_with(x->name, ".jsonl") ||
                                    ends_with(x->name, ".ndjson") ||
                                    (i < x->raw_len && s[i] == '{')
                                ? MW_EXPORT_FORMAT_JSONL
                                : MW_EXPORT_FORMAT_CSV;
        }
        return MW_OK;
}

static int
blank_line(const struct mw_export *x, const char *s, size_t len)
{
        size_t i;

        for (i = 0; i < len; i++)
                if (s[i] != ' ' && s[i] != '\t' &&
                    (s[i] != ';' || x->format != MW_EXPORT_FORMAT_CSV))
                        return 0;
        return 1;
}

static mw_err_t
header(struct mw_export *x, struct row *r, char *errstr, size_t errstr_size)
{
        char *f[MW_CSV_MAX_FIELDS];
        unsigned char bad = 0;
        size_t len;

        x->line = r->line;
        if (r->len >= MW_EXPORT_MAX_LINE)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "header line longer than %d bytes",
                               MW_EXPORT_MAX_LINE);
        if (convert(x, x->raw + r->off, r->len, &len, &bad))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "the header line is not valid %s (byte 0x%02X)",
                               mw_export_encoding_name(x), bad);
        if (mw_csv_split(x->conv, len, ';', f, MW_CSV_MAX_FIELDS, &x->n_header,
                         errstr, errstr_size) != MW_OK ||
            map_header(&x->cols, &x->rc, f, x->n_header, errstr, errstr_size) !=
                0)
                return MW_ERR_INVALID;
        return MW_OK;
}

static mw_err_t
add_row(struct mw_export *x, const struct row *r, char *errstr,
        size_t errstr_size)
{
        struct row *grown;
        size_t cap;

        if (x->n_rows == x->cap_rows) {
                cap = x->cap_rows ? 2 * x->cap_rows : 1024;
                grown = realloc(x->rows, cap * sizeof(*grown));
                if (!grown)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                x->rows = grown;
                x->cap_rows = cap;
        }
        x->rows[x->n_rows++] = *r;
        return MW_OK;
}

/* Reads and checks the whole export (pass 1). */
static mw_err_t
load(struct mw_export *x, char *errstr, size_t errstr_size)
{
        struct mw_event ev;
        struct row r, *rp;
        char why[512];
        size_t pos, end, i;
        const char *nl, *cr;
        int have_header;
        mw_err_t err;

        if ((err = read_all(x, errstr, errstr_size)) != MW_OK ||
            (err = detect(x, &pos, errstr, errstr_size)) != MW_OK)
                return err;
        have_header = x->format != MW_EXPORT_FORMAT_CSV;
        memset(&r, 0, sizeof(r));
        while (pos < x->raw_len) {
                /* a line ends at "\n", "\r\n" or a "\r" alone (old Mac) */
                nl = memchr(x->raw + pos, '\n', x->raw_len - pos);
                end = nl ? (size_t)(nl - x->raw) : x->raw_len;
                cr = memchr(x->raw + pos, '\r', end - pos);
                r.line++;
                r.off = pos;
                if (cr && (size_t)(cr - x->raw) + 1 < end) {
                        end = (size_t)(cr - x->raw);
                        pos = end + 1;
                } else {
                        pos = end + 1;
                        if (end > r.off && x->raw[end - 1] == '\r')
                                end--;
                }
                r.len = end - r.off;
                if (blank_line(x, x->raw + r.off, r.len))
                        continue;
                if (!have_header) {
                        if ((err = header(x, &r, errstr, errstr_size)))
                                return err;
                        have_header = 1;
                        continue;
                }
                if ((err = add_row(x, &r, errstr, errstr_size)))
                        return err;
        }
        if (!have_header) {
                x->line = r.line;
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "no header line");
        }
        for (i = 0; i < x->n_rows; i++) {
                rp = &x->rows[i];
                if (check_row(x, rp, 0, &ev, why, sizeof(why)) != 0)
                        continue;
                rp->state = ROW_OK;
                rp->kind = (unsigned char)ev.kind;
                rp->action = (unsigned char)ev.action;
                rp->date = ev.event_date;
                hex_to_bin(ev.citizen_ref, rp->ref, sizeof(rp->ref));
                hex_to_bin(ev.event_id, rp->id, sizeof(rp->id));
        }
        x->masked[0] = '\0';
        return cross_check(x, errstr, errstr_size);
}

/* ---- API ------------------------------------------------------------ */

struct mw_export *
mw_export_open(FILE *fp, const char *name, const struct mw_export_opts *opts,
               char *errstr, size_t errstr_size)
{
        struct mw_export *x;
        int c;

        x = calloc(1, sizeof(*x));
        if (!x) {
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                return NULL;
        }
        if (cols_build(&x->cols) != 0) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "the field table has more than %d rows or %d export "
                        "columns",
                        MAX_FIELDS, MAX_COLS);
                free(x);
                return NULL;
        }
        for (c = 0; c < MAX_COLS; c++)
                x->json_rc.map[c] = c < x->cols.n ? c : -1;
        if (!(x->name = strdup(name)) || !(x->conv = malloc(CONV_MAX)) ||
            !(x->vals = malloc(CONV_MAX + 64)) ||
            !(x->masked = malloc(CONV_MAX)) ||
            !(x->rebuilt = malloc(REBUILT_MAX)) ||
            !(x->uuid = mw_uuid5_new(MW_UUID_NS_EVENT))) {
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                mw_export_close(x);
                return NULL;
        }
        x->opts = *opts;
        x->fp = fp;
        x->masked[0] = '\0';
        x->today = mw_date_dk_day(opts->now_ms); /* the exports are Danish */
        return x;
}

void
mw_export_close(struct mw_export *x)
{
        if (!x)
                return;
        /* These may have held CPR numbers. */
        if (x->raw)
                OPENSSL_cleanse(x->raw, x->raw_len);
        if (x->conv)
                OPENSSL_cleanse(x->conv, CONV_MAX);
        if (x->vals)
                OPENSSL_cleanse(x->vals, CONV_MAX + 64);
        if (x->rebuilt)
                OPENSSL_cleanse(x->rebuilt, REBUILT_MAX);
        if (x->cd_open)
                iconv_close(x->cd);
        free(x->raw);
        free(x->rows);
        free(x->conv);
        free(x->vals);
        free(x->masked);
        free(x->rebuilt);
        mw_uuid5_destroy(x->uuid);
        free(x->name);
        free(x);
}

void
mw_export_set_format(struct mw_export *x, enum mw_export_format format)
{
        x->want_format = format;
}

void
mw_export_set_encoding(struct mw_export *x, enum mw_export_encoding encoding)
{
        x->want_encoding = encoding;
}

long
mw_export_line(const struct mw_export *x)
{
        return x->line;
}

const char *
mw_export_masked_row(const struct mw_export *x)
{
        return x->masked;
}

unsigned
mw_export_flags(const struct mw_export *x)
{
        return x->flags;
}

const char *
mw_export_format_name(const struct mw_export *x)
{
        switch (x->format) {
        case MW_EXPORT_FORMAT_CSV:
                return "CSV";
        case MW_EXPORT_FORMAT_JSONL:
                return "JSON Lines";
        case MW_EXPORT_FORMAT_AUTO:
                break;
        }
        return "";
}

const char *
mw_export_encoding_name(const struct mw_export *x)
{
        switch (x->encoding) {
        case MW_EXPORT_ENCODING_UTF8:
                return x->bom ? "UTF-8 with BOM" : "UTF-8";
        case MW_EXPORT_ENCODING_CP1252:
                return "Windows-1252";
        case MW_EXPORT_ENCODING_AUTO:
                break;
        }
        return "";
}

mw_err_t
mw_export_next(struct mw_export *x, struct mw_event *ev, char *errstr,
               size_t errstr_size)
{
        const struct row *r;
        char day[11], intake[11];
        mw_err_t err;

        if (!x->loaded) {
                x->loaded = 1;
                err = load(x, errstr, errstr_size);
                if (err != MW_OK) {
                        x->next = x->n_rows; /* nothing more to read */
                        return err == MW_ERR_INVALID ? MW_ERR_IO : err;
                }
        }
        x->flags = 0;
        if (x->next >= x->n_rows)
                return MW_ERR_NOTFOUND;
        r = &x->rows[x->next++];
        x->line = r->line;
        if (check_row(x, r, 1, ev, errstr, errstr_size) != 0)
                return MW_ERR_INVALID;
        switch ((enum row_state)r->state) {
        case ROW_DUPLICATE:
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "duplicate of line %ld (the same registration "
                               "twice, kilde_id keeps rows apart)",
                               r->other_line);
        case ROW_BEFORE_INTAKE:
                mw_date_format(r->date, day);
                mw_date_format(r->intake_date, intake);
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%s dated %s is before the citizen's intake "
                               "on %s (line %ld)",
                               mw_kind_info((enum mw_kind)r->kind)->word_da,
                               day, intake, r->other_line);
        case ROW_OK:
        case ROW_REJECTED: /* cannot pass now: the checks are the same */
                break;
        }
        if (r->no_intake)
                x->flags |= MW_EXPORT_NO_INTAKE;
        return MW_OK;
}
