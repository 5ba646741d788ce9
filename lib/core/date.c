/* midway: calendar dates as days since 1970-01-01.
 *
 * The conversions use the proleptic Gregorian calendar and work for any
 * year an int32_t day count can reach (the arithmetic is done in 64 bits);
 * only mw_date_valid() and mw_date_parse() limit the year to
 * 1900..2199. The algorithm counts in 400-year eras starting on 1 March,
 * so that the leap day is the last day of its year (H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms").
 *
 * Parse error messages never quote the input, which may be a CPR number
 * that ended up in the wrong column; once the text has the shape of a date
 * the message may show its numbers.
 *
 * Danish time (mw_date_dk_offset(), mw_date_dk_day()) is the EU summer-
 * time rule in 20 lines, not the tz database through localtime_r() with
 * TZ=Europe/Copenhagen, on purpose (2026, issue 12): the validator calls it
 * per event, and it took 23 ns a call against localtime_r()'s 245 ns (gcc
 * -O2, medians of 5 runs of 2*10^6 calls); TZ is process-global, so
 * setenv()/tzset() would change every other local time of a program and
 * is not thread-safe; and a machine without tzdata would silently give
 * UTC. tests/unit/test_date.c compares it with tzdata for 2014-2035. */
#include <stdio.h>
#include <time.h>

#include "midway/date.h"

#define MW_DATE_YEAR_MIN 1900
#define MW_DATE_YEAR_MAX 2199

static int
is_leap(int64_t year)
{
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
days_in_month(int64_t year, int month)
{
        static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};

        if (month == 2 && is_leap(year))
                return 29;
        return mdays[month - 1];
}

int
mw_date_valid(int year, int month, int day)
{
        if (year < MW_DATE_YEAR_MIN || year > MW_DATE_YEAR_MAX)
                return 0;
        if (month < 1 || month > 12)
                return 0;
        return day >= 1 && day <= days_in_month(year, month);
}

/* Floor division for a positive divisor. */
static int64_t
floor_div(int64_t a, int64_t b)
{
        return (a >= 0 ? a : a - (b - 1)) / b;
}

int32_t
mw_date_from_ymd(int year, int month, int day)
{
        int64_t y = (int64_t)year - (month <= 2);
        int64_t era = floor_div(y, 400);
        int64_t yoe = y - era * 400;                         /* [0, 399] */
        int64_t mp = (month + 9) % 12;                       /* March = 0 */
        int64_t doy = (153 * mp + 2) / 5 + day - 1;          /* [0, 365] */
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */

        return (int32_t)(era * 146097 + doe - 719468);
}

void
mw_date_to_ymd(int32_t days, int *year, int *month, int *day)
{
        int64_t z = (int64_t)days + 719468;
        int64_t era = floor_div(z, 146097);
        int64_t doe = z - era * 146097; /* [0, 146096] */
        int64_t yoe =
            (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0,399] */
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365] */
        int64_t mp = (5 * doy + 2) / 153;                      /* [0, 11] */
        int64_t d = doy - (153 * mp + 2) / 5 + 1;              /* [1, 31] */
        int64_t m = mp < 10 ? mp + 3 : mp - 9;                 /* [1, 12] */

        *year = (int)(yoe + era * 400 + (m <= 2));
        *month = (int)m;
        *day = (int)d;
}

static int
is_blank(char c)
{
        return c == ' ' || c == '\t';
}

static int
is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* Reads exactly n digits at s; -1 if one is missing. */
static int
read_digits(const char *s, int n)
{
        int v = 0;
        int i;

        for (i = 0; i < n; i++) {
                if (!is_digit(s[i]))
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

/* Matches "dd-mm-yyyy" (also '.', '/') or "yyyy-mm-dd" at s; returns the
 * number of bytes matched (10) or 0. */
static int
match_date(const char *s, int *year, int *month, int *day)
{
        char sep = s[2];

        if ((sep == '-' || sep == '.' || sep == '/') && s[5] == sep) {
                *day = read_digits(s, 2);
                *month = read_digits(s + 3, 2);
                *year = read_digits(s + 6, 4);
        } else if (s[4] == '-' && s[7] == '-') {
                *year = read_digits(s, 4);
                *month = read_digits(s + 5, 2);
                *day = read_digits(s + 8, 2);
        } else {
                return 0;
        }
        if (*day < 0 || *month < 0 || *year < 0)
                return 0;
        return 10;
}

mw_err_t
mw_date_parse(const char *s, int32_t *days, char *errstr, size_t errstr_size)
{
        int year, month, day;
        size_t len;
        const char *end;
        mw_err_t err = MW_OK;

        while (is_blank(*s))
                s++;
        end = s;
        while (*end)
                end++;
        while (end > s && is_blank(end[-1]))
                end--;
        len = (size_t)(end - s);
        if (len == 0) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "date is empty");
                goto out;
        }
        /* match_date() looks at up to 10 bytes; make sure they exist */
        if (len < 10 || !match_date(s, &year, &month, &day)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "date is not of the form dd-mm-yyyy or "
                              "yyyy-mm-dd");
                goto out;
        }
        if (len > 10) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "unexpected text after the date");
                goto out;
        }
        if (year < MW_DATE_YEAR_MIN || year > MW_DATE_YEAR_MAX) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "date has year %04d, outside %d..%d", year,
                              MW_DATE_YEAR_MIN, MW_DATE_YEAR_MAX);
                goto out;
        }
        if (month < 1 || month > 12) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "date has month %02d, outside 01..12", month);
                goto out;
        }
        if (!mw_date_valid(year, month, day)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "date has day %02d, but %04d-%02d has %d days",
                              day, year, month, days_in_month(year, month));
                goto out;
        }
        *days = mw_date_from_ymd(year, month, day);
out:
        return err;
}

int
mw_date_format(int32_t days, char out[11])
{
        int year, month, day;

        mw_date_to_ymd(days, &year, &month, &day);
        if (year < 0 || year > 9999) {
                out[0] = '\0';
                return -1;
        }
        /* digit by digit: month and day are in range by construction,
         * which snprintf's truncation check cannot see at -O3 */
        out[0] = (char)('0' + year / 1000);
        out[1] = (char)('0' + year / 100 % 10);
        out[2] = (char)('0' + year / 10 % 10);
        out[3] = (char)('0' + year % 10);
        out[4] = '-';
        out[5] = (char)('0' + month / 10);
        out[6] = (char)('0' + month % 10);
        out[7] = '-';
        out[8] = (char)('0' + day / 10);
        out[9] = (char)('0' + day % 10);
        out[10] = '\0';
        return 0;
}

int32_t
mw_date_cutoff(void)
{
        int year, month, day;

        mw_date_to_ymd(mw_date_dk_day((int64_t)time(NULL) * 1000), &year,
                       &month, &day);
        return mw_date_from_ymd(year, month, 1);
}

/* The last Sunday of a month, as days since the epoch (a Thursday). */
static int64_t
last_sunday(int year, int month)
{
        int64_t last = month == 12 ? mw_date_from_ymd(year + 1, 1, 1) - 1
                                   : mw_date_from_ymd(year, month + 1, 1) - 1;

        return last - (last + 4) % 7; /* (day + 4) % 7: 0 is a Sunday */
}

int
mw_date_dk_offset(int64_t utc_seconds)
{
        int year, month, day;
        int64_t start, end;

        mw_date_to_ymd((int32_t)floor_div(utc_seconds, 86400), &year, &month,
                       &day);
        start = last_sunday(year, 3) * 86400 + 3600;
        end = last_sunday(year, 10) * 86400 + 3600;
        return utc_seconds >= start && utc_seconds < end ? 7200 : 3600;
}

int32_t
mw_date_dk_day(int64_t utc_ms)
{
        int64_t s = floor_div(utc_ms, 1000);

        return (int32_t)floor_div(s + mw_date_dk_offset(s), 86400);
}

int32_t
mw_date_today(void)
{
        time_t now = time(NULL);

        return (int32_t)floor_div((int64_t)now, 86400);
}
