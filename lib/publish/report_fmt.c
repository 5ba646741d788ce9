/* midway: number and date formatting, escaping (include/midway/report.h). */
#include <stdio.h>
#include <string.h>

#include "midway/date.h"
#include "midway/report.h"

#define MINUS "\xe2\x88\x92" /* U+2212 */

static const char *const months_da[12] = {
    "januar", "februar", "marts",     "april",   "maj",      "juni",
    "juli",   "august",  "september", "oktober", "november", "december"};
static const char *const months_en[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
static const char *const abbr_da[12] = {"jan", "feb", "mar", "apr",
                                        "maj", "jun", "jul", "aug",
                                        "sep", "okt", "nov", "dec"};
static const char *const abbr_en[12] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};

static void
copy_out(char out[32], const char *s)
{
        size_t n = strlen(s);

        if (n > 31)
                n = 31;
        memcpy(out, s, n);
        out[n] = '\0';
}

/* Digits of v (>= 0) grouped by three with sep. */
static void
grouped(char *out, size_t size, unsigned long v, char sep)
{
        char digits[24], *o = out;
        int n, i;

        n = snprintf(digits, sizeof(digits), "%lu", v);
        for (i = 0; i < n && (size_t)(o - out) + 2 < size; i++) {
                if (i && (n - i) % 3 == 0)
                        *o++ = sep;
                *o++ = digits[i];
        }
        *o = '\0';
}

void
mw_fmt_fixed(char out[32], long scaled, int decimals, int sign,
             enum mw_lang lang)
{
        static const long pow10[] = {1, 10, 100, 1000};
        char ip[32], tmp[96];
        unsigned long a;
        long div;
        const char *pre = "";

        if (decimals < 0)
                decimals = 0;
        if (decimals > 3)
                decimals = 3;
        div = pow10[decimals];
        a = scaled < 0 ? 0UL - (unsigned long)scaled : (unsigned long)scaled;
        if (scaled < 0)
                pre = MINUS;
        else if (sign && scaled > 0)
                pre = "+";
        grouped(ip, sizeof(ip), a / (unsigned long)div,
                lang == MW_LANG_DA ? '.' : ',');
        if (decimals)
                snprintf(tmp, sizeof(tmp), "%s%s%c%0*lu", pre, ip,
                         lang == MW_LANG_DA ? ',' : '.', decimals,
                         a % (unsigned long)div);
        else
                snprintf(tmp, sizeof(tmp), "%s%s", pre, ip);
        copy_out(out, tmp);
}

void
mw_fmt_int(char out[32], long v, int sign, enum mw_lang lang)
{
        mw_fmt_fixed(out, v, 0, sign, lang);
}

void
mw_fmt_pct(char out[32], long tenths, int sign, enum mw_lang lang)
{
        char n[32], tmp[48];

        mw_fmt_fixed(n, tenths, 1, sign, lang);
        snprintf(tmp, sizeof(tmp), "%s%s", n, lang == MW_LANG_DA ? " %" : "%");
        copy_out(out, tmp);
}

long
mw_pct_tenths(long num, long den)
{
        if (den <= 0 || num < 0)
                return -1;
        /* round(1000 * num / den) half up, exactly */
        return (long)((1000LL * num * 2 + den) / (2LL * den));
}

mw_err_t
mw_fmt_parse_fixed(const char *s, int decimals, long *scaled)
{
        long ip = 0, fp = 0;
        int nf = 0, round_up = 0;
        const char *p = s;

        if (!s || !*s || decimals < 0 || decimals > 3)
                return MW_ERR_INVALID;
        for (; *p >= '0' && *p <= '9'; p++) {
                if (ip > 100000000L)
                        return MW_ERR_INVALID;
                ip = ip * 10 + (*p - '0');
        }
        if (p == s)
                return MW_ERR_INVALID;
        if (*p == '.') {
                p++;
                if (*p < '0' || *p > '9')
                        return MW_ERR_INVALID;
                for (; *p >= '0' && *p <= '9'; p++) {
                        if (nf < decimals) {
                                fp = fp * 10 + (*p - '0');
                                nf++;
                        } else if (nf == decimals) {
                                round_up = *p >= '5';
                                nf++;
                        }
                }
        }
        if (*p)
                return MW_ERR_INVALID;
        for (; nf < decimals; nf++)
                fp *= 10;
        *scaled = ip;
        for (nf = 0; nf < decimals; nf++)
                *scaled *= 10;
        *scaled += fp + round_up;
        return MW_OK;
}

void
mw_fmt_date(char out[32], int32_t days, enum mw_lang lang)
{
        char tmp[64];
        int y, m, d;

        mw_date_to_ymd(days, &y, &m, &d);
        if (m < 1 || m > 12) {
                copy_out(out, "?");
                return;
        }
        if (lang == MW_LANG_DA)
                snprintf(tmp, sizeof(tmp), "%d. %s %d", d, months_da[m - 1], y);
        else
                snprintf(tmp, sizeof(tmp), "%d %s %d", d, months_en[m - 1], y);
        copy_out(out, tmp);
}

const char *
mw_fmt_month_abbr(int month, enum mw_lang lang)
{
        if (month < 1 || month > 12)
                return "?";
        return lang == MW_LANG_DA ? abbr_da[month - 1] : abbr_en[month - 1];
}

mw_err_t
mw_buf_html(struct mw_buf *buf, const char *s)
{
        const char *p, *run = s;
        mw_err_t err = MW_OK;

        for (p = s; *p && !err; p++) {
                const char *ent = NULL;

                switch (*p) {
                case '&':
                        ent = "&amp;";
                        break;
                case '<':
                        ent = "&lt;";
                        break;
                case '>':
                        ent = "&gt;";
                        break;
                case '"':
                        ent = "&quot;";
                        break;
                case '\'':
                        ent = "&#39;";
                        break;
                default:
                        continue;
                }
                err = mw_buf_append(buf, run, (size_t)(p - run));
                if (!err)
                        err = mw_buf_append(buf, ent, strlen(ent));
                run = p + 1;
        }
        if (!err)
                err = mw_buf_append(buf, run, strlen(run));
        return err;
}

mw_err_t
mw_buf_csv(struct mw_buf *buf, const char *s)
{
        const char *p;
        mw_err_t err;

        if (strpbrk(s, ",\"\r\n") == NULL)
                return mw_buf_append(buf, s, strlen(s));
        err = mw_buf_append(buf, "\"", 1);
        for (p = s; *p && !err; p++) {
                if (*p == '"')
                        err = mw_buf_append(buf, "\"", 1);
                if (!err)
                        err = mw_buf_append(buf, p, 1);
        }
        if (!err)
                err = mw_buf_append(buf, "\"", 1);
        return err;
}

mw_err_t
mw_buf_md(struct mw_buf *buf, const char *s)
{
        const char *p;
        mw_err_t err = MW_OK;

        for (p = s; *p && !err; p++) {
                if (*p == '\n' || *p == '\r') {
                        err = mw_buf_append(buf, " ", 1);
                        continue;
                }
                if (strchr("\\`*_[]<>|#", *p))
                        err = mw_buf_append(buf, "\\", 1);
                if (!err)
                        err = mw_buf_append(buf, p, 1);
        }
        return err;
}
