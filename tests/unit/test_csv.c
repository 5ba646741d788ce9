/* Unit tests: lib/core/csv.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "midway/csv.h"

#define MAXF 8

struct split_case {
        const char *line;
        char sep;
        mw_err_t err;           /* expected result */
        size_t max;             /* 0 = MAXF, (size_t)-1 = 0 */
        size_t n;               /* expected number of fields */
        const char *want[MAXF]; /* expected fields */
        const char *errsub;     /* substring of the message on error */
};

static const struct split_case cases[] = {
    {"a;b;c", ';', MW_OK, 0, 3, {"a", "b", "c"}, NULL},
    {"a,b,c", ',', MW_OK, 0, 3, {"a", "b", "c"}, NULL},
    {"a;b;c", ',', MW_OK, 0, 1, {"a;b;c"}, NULL},
    {"", ';', MW_OK, 0, 1, {""}, NULL},
    {";", ';', MW_OK, 0, 2, {"", ""}, NULL},
    {"a;;b", ';', MW_OK, 0, 3, {"a", "", "b"}, NULL},
    {"a;b;", ';', MW_OK, 0, 3, {"a", "b", ""}, NULL},
    {";a", ';', MW_OK, 0, 2, {"", "a"}, NULL},
    {"a;b\r", ';', MW_OK, 0, 2, {"a", "b"}, NULL},
    {"a;b;\r", ';', MW_OK, 0, 3, {"a", "b", ""}, NULL},
    {"a\rb;c", ';', MW_OK, 0, 2, {"a\rb", "c"}, NULL},
    {"\"a\";\"b\"", ';', MW_OK, 0, 2, {"a", "b"}, NULL},
    {"\"a;b\";c", ';', MW_OK, 0, 2, {"a;b", "c"}, NULL},
    {"\"\";x", ';', MW_OK, 0, 2, {"", "x"}, NULL},
    {"\"say \"\"hi\"\"\"", ';', MW_OK, 0, 1, {"say \"hi\""}, NULL},
    {"\"\"\"\"", ';', MW_OK, 0, 1, {"\""}, NULL},
    {"\"a\"\"\";b", ';', MW_OK, 0, 2, {"a\"", "b"}, NULL},
    {"x;\"\"", ';', MW_OK, 0, 2, {"x", ""}, NULL},
    {"\"line\nbreak\"", ';', MW_OK, 0, 1, {"line\nbreak"}, NULL},
    {"ab\"c;d", ';', MW_OK, 0, 2, {"ab\"c", "d"}, NULL},
    {"\"a\"\r", ';', MW_OK, 0, 1, {"a"}, NULL},
    {" a ; b ", ';', MW_OK, 0, 2, {" a ", " b "}, NULL},
    {"Ærø;Øst", ';', MW_OK, 0, 2, {"Ærø", "Øst"}, NULL},
    {"a;b;c", ';', MW_OK, 3, 3, {"a", "b", "c"}, NULL},
    /* errors */
    {"\"abc", ';', MW_ERR_INVALID, 0, 0, {NULL}, "column 1: unterminated"},
    {"a;\"b;c", ';', MW_ERR_INVALID, 0, 0, {NULL}, "column 2: unterminated"},
    {"a;\"b\"\"", ';', MW_ERR_INVALID, 0, 0, {NULL}, "column 2: unterminated"},
    {"\"", ';', MW_ERR_INVALID, 0, 0, {NULL}, "column 1: unterminated"},
    {"a;b;\"c\"d",
     ';',
     MW_ERR_INVALID,
     0,
     0,
     {NULL},
     "column 3: text after the closing quote"},
    {"\"a\" ;b",
     ';',
     MW_ERR_INVALID,
     0,
     0,
     {NULL},
     "column 1: text after the closing quote"},
    {"a;b;c;d",
     ';',
     MW_ERR_INVALID,
     3,
     0,
     {NULL},
     "column 4: more than 3 fields"},
    {"a;b;c;",
     ';',
     MW_ERR_INVALID,
     3,
     0,
     {NULL},
     "column 4: more than 3 fields"},
    {"a",
     ';',
     MW_ERR_INVALID,
     (size_t)-1,
     0,
     {NULL},
     "column 1: more than 0 fields"},
    {"\"a\"\"b\r", ';', MW_ERR_INVALID, 0, 0, {NULL}, "column 1: unterminated"},
};

static void
test_split_table(void **state)
{
        char buf[128];
        char errstr[128];
        char *fields[MAXF];
        size_t i, j, n, max;
        mw_err_t err;

        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const struct split_case *c = &cases[i];

                snprintf(buf, sizeof(buf), "%s", c->line);
                errstr[0] = '\0';
                max = c->max == 0 ? MAXF : c->max == (size_t)-1 ? 0 : c->max;
                n = 99;
                err = mw_csv_split(buf, strlen(buf), c->sep, fields, max, &n,
                                   errstr, sizeof(errstr));
                if (err != c->err)
                        fail_msg("case %zu (%s): err %s, want %s (%s)", i,
                                 c->line, mw_err_name(err), mw_err_name(c->err),
                                 errstr);
                if (err) {
                        assert_int_equal(n, 0);
                        if (!strstr(errstr, c->errsub))
                                fail_msg("case %zu: message \"%s\" lacks "
                                         "\"%s\"",
                                         i, errstr, c->errsub);
                        continue;
                }
                if (n != c->n)
                        fail_msg("case %zu (%s): %zu fields, want %zu", i,
                                 c->line, n, c->n);
                for (j = 0; j < n; j++) {
                        if (strcmp(fields[j], c->want[j]) != 0)
                                fail_msg("case %zu field %zu: \"%s\", want "
                                         "\"%s\"",
                                         i, j, fields[j], c->want[j]);
                }
        }
}

/* len, not the NUL, bounds the line: bytes after len are not read. */
static void
test_split_len_bounds(void **state)
{
        char buf[] = "a;b;c";
        char *fields[MAXF];
        size_t n;

        (void)state;
        assert_int_equal(mw_csv_split(buf, 3, ';', fields, MAXF, &n, NULL, 0),
                         MW_OK);
        assert_int_equal(n, 2);
        assert_string_equal(fields[0], "a");
        assert_string_equal(fields[1], "b");
}

static void
test_split_nul_byte(void **state)
{
        char buf[] = "ab;c\0d;e";
        char *fields[MAXF];
        char errstr[64];
        size_t n;

        (void)state;
        assert_int_equal(mw_csv_split(buf, sizeof(buf) - 1, ';', fields, MAXF,
                                      &n, errstr, sizeof(errstr)),
                         MW_ERR_INVALID);
        assert_string_equal(errstr, "column 2: NUL byte in the field");
}

/* Error messages never contain the line's content (it may hold a CPR). */
static void
test_split_error_hides_content(void **state)
{
        char buf[] = "0101901234;\"2802951234";
        char *fields[MAXF];
        char errstr[128];
        size_t n;

        (void)state;
        assert_int_equal(mw_csv_split(buf, strlen(buf), ';', fields, MAXF, &n,
                                      errstr, sizeof(errstr)),
                         MW_ERR_INVALID);
        assert_null(strstr(errstr, "0101"));
        assert_null(strstr(errstr, "2802"));
        /* errstr may be NULL when errstr_size is 0 */
        strcpy(buf, "\"x");
        assert_int_equal(mw_csv_split(buf, 2, ';', fields, MAXF, &n, NULL, 0),
                         MW_ERR_INVALID);
}

static void
test_strip_bom(void **state)
{
        char with[] = "\xEF\xBB\xBFid;navn";
        char without[] = "id;navn";
        char partial[] = "\xEF\xBBid";
        char tiny[] = "\xEF\xBB";
        char only[] = "\xEF\xBB\xBF";
        size_t len;

        (void)state;
        len = strlen(with);
        assert_int_equal(mw_csv_strip_bom(with, &len), 1);
        assert_int_equal(len, 7);
        assert_string_equal(with, "id;navn");

        len = strlen(without);
        assert_int_equal(mw_csv_strip_bom(without, &len), 0);
        assert_int_equal(len, 7);
        assert_string_equal(without, "id;navn");

        len = strlen(partial);
        assert_int_equal(mw_csv_strip_bom(partial, &len), 0);
        assert_int_equal(len, 4);

        len = strlen(tiny);
        assert_int_equal(mw_csv_strip_bom(tiny, &len), 0);

        len = strlen(only);
        assert_int_equal(mw_csv_strip_bom(only, &len), 1);
        assert_int_equal(len, 0);
        assert_string_equal(only, "");
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_split_table),
            cmocka_unit_test(test_split_len_bounds),
            cmocka_unit_test(test_split_nul_byte),
            cmocka_unit_test(test_split_error_hides_content),
            cmocka_unit_test(test_strip_bom),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
