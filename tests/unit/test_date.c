/* Unit tests: lib/core/date.c. */
#define _DEFAULT_SOURCE /* struct tm's tm_gmtoff, setenv() */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "midway/date.h"

static void
test_known_days(void **state)
{
        (void)state;
        assert_int_equal(mw_date_from_ymd(1970, 1, 1), 0);
        assert_int_equal(mw_date_from_ymd(1970, 1, 2), 1);
        assert_int_equal(mw_date_from_ymd(1969, 12, 31), -1);
        assert_int_equal(mw_date_from_ymd(2000, 3, 1), 11017);
        assert_int_equal(mw_date_from_ymd(2015, 7, 1), 16617);
        assert_int_equal(mw_date_from_ymd(1900, 1, 1), -25567);
        assert_int_equal(mw_date_from_ymd(2199, 12, 31), 84005);
        assert_int_equal(mw_date_from_ymd(1858, 11, 17), -40587); /* MJD 0 */
}

static void
check_ymd(int32_t days, int year, int month, int day)
{
        int y, m, d;

        mw_date_to_ymd(days, &y, &m, &d);
        assert_int_equal(y, year);
        assert_int_equal(m, month);
        assert_int_equal(d, day);
}

static void
test_known_ymd(void **state)
{
        (void)state;
        check_ymd(0, 1970, 1, 1);
        check_ymd(-1, 1969, 12, 31);
        check_ymd(11016, 2000, 2, 29);
        check_ymd(16617, 2015, 7, 1);
        check_ymd(-25508, 1900, 3, 1); /* 1900 has no 29 Feb */
        check_ymd(-40587, 1858, 11, 17);
        /* extremes of int32_t do not overflow */
        check_ymd(INT32_MAX, 5881580, 7, 11);
        check_ymd(INT32_MIN, -5877641, 6, 23);
}

/* Every day from 1800 to 2300: to_ymd and from_ymd are inverse, the days
 * follow each other and mw_date_valid() agrees inside 1900..2199. */
static void
test_round_trip(void **state)
{
        int32_t first = mw_date_from_ymd(1800, 1, 1);
        int32_t last = mw_date_from_ymd(2300, 12, 31);
        int32_t n;
        int y, m, d, py = 1799, pm = 12, pd = 31;
        int leap_days = 0;

        (void)state;
        for (n = first; n <= last; n++) {
                mw_date_to_ymd(n, &y, &m, &d);
                assert_int_equal(mw_date_from_ymd(y, m, d), n);
                if (d == 1) {
                        assert_true(m == pm + 1 || (m == 1 && pm == 12));
                        assert_true(pd >= 28);
                } else {
                        assert_int_equal(d, pd + 1);
                        assert_int_equal(m, pm);
                }
                assert_true(y == py || (y == py + 1 && m == 1 && d == 1));
                if (m == 2 && d == 29)
                        leap_days++;
                assert_int_equal(mw_date_valid(y, m, d),
                                 y >= 1900 && y <= 2199);
                py = y;
                pm = m;
                pd = d;
        }
        /* leap years 1800..2300: 126 multiples of 4, minus 1800, 1900,
         * 2100, 2200, 2300 */
        assert_int_equal(leap_days, 121);
}

static void
test_valid(void **state)
{
        (void)state;
        assert_true(mw_date_valid(2000, 2, 29));
        assert_false(mw_date_valid(1900, 2, 29));
        assert_false(mw_date_valid(2100, 2, 29));
        assert_true(mw_date_valid(2016, 2, 29));
        assert_false(mw_date_valid(2015, 2, 29));
        assert_true(mw_date_valid(2015, 12, 31));
        assert_false(mw_date_valid(2015, 4, 31));
        assert_false(mw_date_valid(2015, 0, 1));
        assert_false(mw_date_valid(2015, 13, 1));
        assert_false(mw_date_valid(2015, 1, 0));
        assert_false(mw_date_valid(2015, 1, 32));
        assert_true(mw_date_valid(1900, 1, 1));
        assert_false(mw_date_valid(1899, 12, 31));
        assert_true(mw_date_valid(2199, 12, 31));
        assert_false(mw_date_valid(2200, 1, 1));
}

struct parse_ok {
        const char *text;
        int year, month, day;
};

static const struct parse_ok parse_ok_cases[] = {
    {"01-07-2015", 2015, 7, 1},  {"01.07.2015", 2015, 7, 1},
    {"01/07/2015", 2015, 7, 1},  {"2015-07-01", 2015, 7, 1},
    {"29-02-2000", 2000, 2, 29}, {"2000-02-29", 2000, 2, 29},
    {"29.02.2016", 2016, 2, 29}, {"31-12-2199", 2199, 12, 31},
    {"1900-01-01", 1900, 1, 1},  {" 01-07-2015", 2015, 7, 1},
    {"2015-07-01 ", 2015, 7, 1}, {"\t01.07.2015\t ", 2015, 7, 1},
    {"30-04-2015", 2015, 4, 30}, {"2014-10-01", 2014, 10, 1},
};

static void
test_parse_ok(void **state)
{
        char errstr[128];
        int32_t days;
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(parse_ok_cases) / sizeof(parse_ok_cases[0]);
             i++) {
                const struct parse_ok *c = &parse_ok_cases[i];

                days = -12345;
                errstr[0] = '\0';
                if (mw_date_parse(c->text, &days, errstr, sizeof(errstr)))
                        fail_msg("\"%s\": %s", c->text, errstr);
                assert_int_equal(days,
                                 mw_date_from_ymd(c->year, c->month, c->day));
        }
}

struct parse_bad {
        const char *text;
        const char *msg; /* the whole message */
};

static const struct parse_bad parse_bad_cases[] = {
    {"", "date is empty"},
    {"   ", "date is empty"},
    {"\t", "date is empty"},
    {"1-7-2015", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"01-07-15", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"2015/07/01", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"2015.07.01", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"01-07/2015", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"01.07-2015", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"0a-07-2015", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"01-07-20x5", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"2015-7-01x", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"20150701", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"0101901234", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"010190-1234", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"+1-07-2015", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"01 07 2015", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"x 01-07-2015", "date is not of the form dd-mm-yyyy or yyyy-mm-dd"},
    {"01-07-2015x", "unexpected text after the date"},
    {"01-07-2015 12:00", "unexpected text after the date"},
    {"2015-07-011", "unexpected text after the date"},
    {"2015-07-01T00:00:00Z", "unexpected text after the date"},
    {"01-07-1899", "date has year 1899, outside 1900..2199"},
    {"2200-01-01", "date has year 2200, outside 1900..2199"},
    {"0000-01-01", "date has year 0000, outside 1900..2199"},
    {"01-13-2015", "date has month 13, outside 01..12"},
    {"2015-00-10", "date has month 00, outside 01..12"},
    {"29-02-1900", "date has day 29, but 1900-02 has 28 days"},
    {"29-02-2015", "date has day 29, but 2015-02 has 28 days"},
    {"2100-02-29", "date has day 29, but 2100-02 has 28 days"},
    {"31-04-2015", "date has day 31, but 2015-04 has 30 days"},
    {"00-01-2015", "date has day 00, but 2015-01 has 31 days"},
    {"2015-01-32", "date has day 32, but 2015-01 has 31 days"},
};

static void
test_parse_errors(void **state)
{
        char errstr[128];
        int32_t days;
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(parse_bad_cases) / sizeof(parse_bad_cases[0]);
             i++) {
                const struct parse_bad *c = &parse_bad_cases[i];

                days = 4242;
                errstr[0] = '\0';
                if (mw_date_parse(c->text, &days, errstr, sizeof(errstr)) !=
                    MW_ERR_INVALID)
                        fail_msg("\"%s\" was accepted", c->text);
                if (strcmp(errstr, c->msg) != 0)
                        fail_msg("\"%s\": \"%s\", want \"%s\"", c->text, errstr,
                                 c->msg);
                assert_int_equal(days, 4242); /* untouched on error */
        }
        /* errstr may be NULL when errstr_size is 0 */
        assert_int_equal(mw_date_parse("x", &days, NULL, 0), MW_ERR_INVALID);
}

static void
test_format(void **state)
{
        char out[11];
        char want[11];
        int32_t n, days;
        int y, m, d;

        (void)state;
        mw_date_format(0, out);
        assert_string_equal(out, "1970-01-01");
        mw_date_format(mw_date_from_ymd(2000, 2, 29), out);
        assert_string_equal(out, "2000-02-29");
        mw_date_format(mw_date_from_ymd(1900, 3, 1), out);
        assert_string_equal(out, "1900-03-01");
        /* format then parse, both forms, over the whole valid range */
        for (n = mw_date_from_ymd(1900, 1, 1);
             n <= mw_date_from_ymd(2199, 12, 31); n += 7) {
                mw_date_format(n, out);
                assert_int_equal(mw_date_parse(out, &days, NULL, 0), MW_OK);
                assert_int_equal(days, n);
                mw_date_to_ymd(n, &y, &m, &d);
                snprintf(want, sizeof(want), "%02d.%02d.%04d", d, m, y);
                assert_int_equal(mw_date_parse(want, &days, NULL, 0), MW_OK);
                assert_int_equal(days, n);
        }
}

static void
test_today(void **state)
{
        time_t now = time(NULL);
        struct tm tm;
        int32_t today = mw_date_today();
        int y, m, d;

        (void)state;
        gmtime_r(&now, &tm);
        mw_date_to_ymd(today, &y, &m, &d);
        /* allow for midnight passing between the two calls */
        if (d != tm.tm_mday) {
                now = time(NULL);
                gmtime_r(&now, &tm);
        }
        assert_int_equal(y, tm.tm_year + 1900);
        assert_int_equal(m, tm.tm_mon + 1);
        assert_int_equal(d, tm.tm_mday);
        assert_true(today > mw_date_from_ymd(2024, 1, 1));
}

static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
        return (int64_t)mw_date_from_ymd(y, mo, d) * 86400 + h * 3600 +
               mi * 60 + s;
}

/* The EU switches of Danish time, at 01:00 UTC on the last Sundays of
 * March and October. */
static void
test_dk_offset_switches(void **state)
{
        (void)state;
        assert_int_equal(mw_date_dk_offset(utc(2026, 3, 29, 0, 59, 59)), 3600);
        assert_int_equal(mw_date_dk_offset(utc(2026, 3, 29, 1, 0, 0)), 7200);
        assert_int_equal(mw_date_dk_offset(utc(2026, 10, 25, 0, 59, 59)), 7200);
        assert_int_equal(mw_date_dk_offset(utc(2026, 10, 25, 1, 0, 0)), 3600);
        assert_int_equal(mw_date_dk_offset(utc(2015, 7, 1, 12, 0, 0)), 7200);
        assert_int_equal(mw_date_dk_offset(utc(2015, 1, 15, 12, 0, 0)), 3600);
        /* 2015: 29 March and 25 October */
        assert_int_equal(mw_date_dk_offset(utc(2015, 3, 28, 23, 0, 0)), 3600);
        assert_int_equal(mw_date_dk_offset(utc(2015, 10, 25, 0, 30, 0)), 7200);
}

/* The Danish date runs ahead of UTC's by the offset: a row dated today in
 * Denmark at 00:30 is not in the future while it is still yesterday in
 * UTC. */
static void
test_dk_day(void **state)
{
        (void)state;
        assert_int_equal(mw_date_dk_day(utc(2026, 11, 21, 23, 30, 0) * 1000),
                         mw_date_from_ymd(2026, 11, 22));
        assert_int_equal(mw_date_dk_day(utc(2026, 11, 21, 22, 59, 59) * 1000),
                         mw_date_from_ymd(2026, 11, 21));
        assert_int_equal(mw_date_dk_day(utc(2026, 6, 30, 22, 0, 0) * 1000),
                         mw_date_from_ymd(2026, 7, 1));
        assert_int_equal(
            mw_date_dk_day(utc(2026, 6, 30, 21, 59, 59) * 1000 + 999),
            mw_date_from_ymd(2026, 6, 30));
}

/* Against the system's time-zone database, every 61 minutes from 2014 to
 * 2035. */
static void
test_dk_against_tzdata(void **state)
{
        int64_t t, from = utc(2014, 1, 1, 0, 0, 0),
                   to = utc(2035, 1, 1, 0, 0, 0);
        long n = 0;

        (void)state;
        assert_int_equal(setenv("TZ", "Europe/Copenhagen", 1), 0);
        tzset();
        for (t = from; t < to; t += 61 * 60) {
                time_t tt = (time_t)t;
                struct tm tm;

                assert_non_null(localtime_r(&tt, &tm));
                if (mw_date_dk_offset(t) != tm.tm_gmtoff)
                        fail_msg("offset at %lld: %d, tzdata says %ld",
                                 (long long)t, mw_date_dk_offset(t),
                                 (long)tm.tm_gmtoff);
                assert_int_equal(mw_date_dk_day(t * 1000),
                                 mw_date_from_ymd(tm.tm_year + 1900,
                                                  tm.tm_mon + 1, tm.tm_mday));
                n++;
        }
        /* (without the zone, glibc falls back to UTC and the first
         * comparison fails) */
        assert_true(n > 180000);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_known_days),
            cmocka_unit_test(test_known_ymd),
            cmocka_unit_test(test_round_trip),
            cmocka_unit_test(test_valid),
            cmocka_unit_test(test_parse_ok),
            cmocka_unit_test(test_parse_errors),
            cmocka_unit_test(test_format),
            cmocka_unit_test(test_today),
            cmocka_unit_test(test_dk_offset_switches),
            cmocka_unit_test(test_dk_day),
            cmocka_unit_test(test_dk_against_tzdata),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
