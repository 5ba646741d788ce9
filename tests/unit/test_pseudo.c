/* Unit tests: lib/ingest/pseudo.c and lib/event/cpr.c.
 *
 * Expected values were computed independently of libmidway:
 *   HMAC:   RFC 4231 test cases 2 and 6;
 *           printf 0101901234 | openssl dgst -sha256 -hmac "$KEY"
 *   key_id: printf "$KEY" | openssl dgst -sha256 (first 16 hex digits)
 * with KEY = midway-test-key-0123456789abcdef! (33 bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "midway/date.h"
#include "midway/pseudo.h"
#include "pseudo_internal.h"

#define TEST_KEY    "midway-test-key-0123456789abcdef!"
#define TEST_KEY_ID "c0715268abd6772c"
#define TEST_CPR    "0101901234"
#define TEST_CPR_REF                                                           \
        "2f10297822662ed64f05ef4ad6e913c75d8639f8f361279f97b0eeb1edd464a6"

/* ---- HMAC against published vectors */

static void
test_hmac_rfc4231(void **state)
{
        static const char msg6[] =
            "Test Using Larger Than Block-Size Key - Hash Key First";
        unsigned char key6[131];
        char out[MW_REF_STRLEN + 1];

        (void)state;
        /* test case 2: key "Jefe" */
        assert_int_equal(mw_pseudo_hmac_hex("Jefe", 4,
                                            "what do ya want for nothing?", 28,
                                            out),
                         MW_OK);
        assert_string_equal(out, "5bdcc146bf60754e6a042426089575c7"
                                 "5a003f089d2739839dec58b964ec3843");
        /* test case 6: 131-byte key, longer than the block */
        memset(key6, 0xaa, sizeof(key6));
        assert_int_equal(
            mw_pseudo_hmac_hex(key6, sizeof(key6), msg6, sizeof(msg6) - 1, out),
            MW_OK);
        assert_string_equal(out, "60e431591ee0b67f0d8a26aacbf5b77f"
                                 "8e0bc6213728c5140546040f0ee37f54");
}

/* The pre-keyed HMAC of mw_pseudo_ref() against the one-shot HMAC of
 * mw_pseudo_hmac_hex() for keys of 32 to 200 bytes (below, at and above
 * SHA-256's 64-byte block) and pseudo-random CPR digits. */
static void
test_ref_matches_one_shot(void **state)
{
        unsigned char key[200];
        char cpr[MW_CPR_LEN + 1], errstr[128];
        char got[MW_REF_STRLEN + 1], want[MW_REF_STRLEN + 1];
        struct mw_pseudo *ps;
        uint32_t x = 12345;
        size_t key_len, i;
        int k, n = 0;

        (void)state;
        for (key_len = 32; key_len <= sizeof(key); key_len += 8) {
                for (i = 0; i < key_len; i++) {
                        x = x * 1103515245u + 12345u;
                        key[i] = (unsigned char)(x >> 16);
                }
                ps = mw_pseudo_new_key(key, key_len, errstr, sizeof(errstr));
                assert_non_null(ps);
                for (k = 0; k < 50; k++) {
                        for (i = 0; i < MW_CPR_LEN; i++) {
                                x = x * 1103515245u + 12345u;
                                cpr[i] = (char)('0' + (x >> 16) % 10);
                        }
                        cpr[MW_CPR_LEN] = '\0';
                        mw_pseudo_ref(ps, cpr, got);
                        assert_int_equal(mw_pseudo_hmac_hex(key, key_len, cpr,
                                                            MW_CPR_LEN, want),
                                         MW_OK);
                        assert_string_equal(got, want);
                        n++;
                }
                mw_pseudo_destroy(ps);
        }
        print_message("pre-keyed HMAC equals one-shot HMAC for %d "
                      "references\n",
                      n);
}

static void
test_ref_vector(void **state)
{
        struct mw_pseudo *ps;
        char errstr[128];
        char out[MW_REF_STRLEN + 1];

        (void)state;
        ps = mw_pseudo_new_key(TEST_KEY, strlen(TEST_KEY), errstr,
                               sizeof(errstr));
        assert_non_null(ps);
        assert_string_equal(mw_pseudo_key_id(ps), TEST_KEY_ID);
        mw_pseudo_ref(ps, TEST_CPR, out);
        assert_string_equal(out, TEST_CPR_REF);
        /* only the 10 digits are hashed, not what follows them */
        mw_pseudo_ref(ps, TEST_CPR "999", out);
        assert_string_equal(out, TEST_CPR_REF);
        mw_pseudo_destroy(ps);
        mw_pseudo_destroy(NULL);
}

static void
test_new_key_sizes(void **state)
{
        unsigned char big[2000];
        struct mw_pseudo *ps;
        char errstr[128];

        (void)state;
        memset(big, 'k', sizeof(big));
        errstr[0] = '\0';
        assert_null(mw_pseudo_new_key(big, 31, errstr, sizeof(errstr)));
        assert_string_equal(errstr, "pseudonymisation key has 31 bytes, at "
                                    "least 32 are needed");
        assert_null(mw_pseudo_new_key(big, 0, errstr, sizeof(errstr)));
        assert_null(mw_pseudo_new_key(NULL, 40, errstr, sizeof(errstr)));
        assert_null(mw_pseudo_new_key(big, MW_PSEUDO_KEY_MAX + 1, errstr,
                                      sizeof(errstr)));
        assert_non_null(strstr(errstr, "at most"));
        ps = mw_pseudo_new_key(big, 32, errstr, sizeof(errstr));
        assert_non_null(ps);
        mw_pseudo_destroy(ps);
        ps = mw_pseudo_new_key(big, MW_PSEUDO_KEY_MAX, errstr, sizeof(errstr));
        assert_non_null(ps);
        mw_pseudo_destroy(ps);
}

/* ---- key files, in a private temporary directory */

struct keydir {
        char dir[64];
        char path[128];
};

static int
keydir_setup(void **state)
{
        struct keydir *kd = calloc(1, sizeof(*kd));

        if (!kd)
                return -1;
        snprintf(kd->dir, sizeof(kd->dir), "/tmp/mw_test_pseudo.XXXXXX");
        if (!mkdtemp(kd->dir)) {
                free(kd);
                return -1;
        }
        snprintf(kd->path, sizeof(kd->path), "%s/key", kd->dir);
        *state = kd;
        return 0;
}

static int
keydir_teardown(void **state)
{
        struct keydir *kd = *state;

        unlink(kd->path);
        rmdir(kd->dir);
        free(kd);
        return 0;
}

static void
write_key(const struct keydir *kd, const void *data, size_t len, mode_t mode)
{
        int fd;

        unlink(kd->path);
        fd = open(kd->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t)len);
        assert_int_equal(close(fd), 0);
        assert_int_equal(chmod(kd->path, mode), 0);
}

static void
test_key_file_modes(void **state)
{
        static const mode_t refused[] = {0644, 0640, 0604, 0660, 0610,
                                         0601, 0666, 0777, 0444};
        static const mode_t accepted[] = {0600, 0400, 0700};
        struct keydir *kd = *state;
        struct mw_pseudo *ps;
        char errstr[512];
        char want[512];
        size_t i;

        for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
                write_key(kd, TEST_KEY "\n", strlen(TEST_KEY) + 1, refused[i]);
                errstr[0] = '\0';
                ps = mw_pseudo_new(kd->path, errstr, sizeof(errstr));
                if (ps)
                        fail_msg("mode %04o was accepted", refused[i]);
                snprintf(want, sizeof(want),
                         "key file %s has mode %04o, but group and others "
                         "must have no access; run: chmod 600 %s",
                         kd->path, (unsigned)refused[i], kd->path);
                assert_string_equal(errstr, want);
        }
        for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
                write_key(kd, TEST_KEY "\n", strlen(TEST_KEY) + 1, accepted[i]);
                ps = mw_pseudo_new(kd->path, errstr, sizeof(errstr));
                if (!ps)
                        fail_msg("mode %04o: %s", accepted[i], errstr);
                assert_string_equal(mw_pseudo_key_id(ps), TEST_KEY_ID);
                mw_pseudo_destroy(ps);
        }
}

/* The refusal is MW_ERR_PERM; after chmod 600 the same file works. */
static void
test_key_file_perm_code(void **state)
{
        struct keydir *kd = *state;
        unsigned char key[MW_PSEUDO_KEY_BUF];
        struct mw_pseudo *ps;
        char errstr[256];
        char ref[MW_REF_STRLEN + 1];
        size_t len = 99;

        write_key(kd, TEST_KEY, strlen(TEST_KEY), 0640);
        assert_int_equal(mw_pseudo_read_key_file(kd->path, key, &len, errstr,
                                                 sizeof(errstr)),
                         MW_ERR_PERM);
        assert_int_equal(len, 0);
        assert_non_null(strstr(errstr, "mode 0640"));
        assert_non_null(strstr(errstr, "chmod 600"));
        assert_non_null(strstr(errstr, kd->path));
        assert_int_equal(chmod(kd->path, 0600), 0);
        assert_int_equal(mw_pseudo_read_key_file(kd->path, key, &len, errstr,
                                                 sizeof(errstr)),
                         MW_OK);
        assert_int_equal(len, strlen(TEST_KEY));
        assert_memory_equal(key, TEST_KEY, len);
        /* without a trailing newline the key is the same */
        ps = mw_pseudo_new(kd->path, errstr, sizeof(errstr));
        assert_non_null(ps);
        assert_string_equal(mw_pseudo_key_id(ps), TEST_KEY_ID);
        mw_pseudo_ref(ps, TEST_CPR, ref);
        assert_string_equal(ref, TEST_CPR_REF);
        mw_pseudo_destroy(ps);
}

static void
test_key_file_contents(void **state)
{
        struct keydir *kd = *state;
        char big[MW_PSEUDO_KEY_MAX + 10];
        char errstr[256];
        char want[256];
        struct mw_pseudo *ps;

        unsigned char key[MW_PSEUDO_KEY_BUF];
        size_t len;

        write_key(kd, "", 0, 0600);
        assert_int_equal(mw_pseudo_read_key_file(kd->path, key, &len, errstr,
                                                 sizeof(errstr)),
                         MW_ERR_INVALID);
        assert_null(mw_pseudo_new(kd->path, errstr, sizeof(errstr)));
        snprintf(want, sizeof(want), "key file %s is empty", kd->path);
        assert_string_equal(errstr, want);

        write_key(kd, "\n", 1, 0600);
        assert_null(mw_pseudo_new(kd->path, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "holds a 0-byte key"));

        /* 31 bytes and a newline: too short */
        write_key(kd, TEST_KEY, 31, 0600);
        assert_null(mw_pseudo_new(kd->path, errstr, sizeof(errstr)));
        snprintf(want, sizeof(want),
                 "key file %s holds a 31-byte key, at least 32 bytes are "
                 "needed",
                 kd->path);
        assert_string_equal(errstr, want);
        memcpy(big, TEST_KEY, 31);
        big[31] = '\n';
        write_key(kd, big, 32, 0600);
        assert_null(mw_pseudo_new(kd->path, errstr, sizeof(errstr)));
        assert_string_equal(errstr, want);

        /* only one newline is stripped: "key\n\n" is key plus '\n' */
        write_key(kd, TEST_KEY "\n\n", strlen(TEST_KEY) + 2, 0600);
        ps = mw_pseudo_new(kd->path, errstr, sizeof(errstr));
        assert_non_null(ps);
        assert_string_not_equal(mw_pseudo_key_id(ps), TEST_KEY_ID);
        mw_pseudo_destroy(ps);

        memset(big, 'k', sizeof(big));
        write_key(kd, big, MW_PSEUDO_KEY_MAX, 0600);
        ps = mw_pseudo_new(kd->path, errstr, sizeof(errstr));
        assert_non_null(ps);
        mw_pseudo_destroy(ps);
        write_key(kd, big, MW_PSEUDO_KEY_MAX + 1, 0600);
        assert_int_equal(mw_pseudo_read_key_file(kd->path, key, &len, errstr,
                                                 sizeof(errstr)),
                         MW_ERR_TOOBIG);
        assert_null(mw_pseudo_new(kd->path, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "holds more than"));
}

static void
test_key_file_missing(void **state)
{
        struct keydir *kd = *state;
        char errstr[256];

        unsigned char key[MW_PSEUDO_KEY_BUF];
        size_t len;

        unlink(kd->path);
        assert_int_equal(mw_pseudo_read_key_file(kd->path, key, &len, errstr,
                                                 sizeof(errstr)),
                         MW_ERR_NOTFOUND);
        assert_null(mw_pseudo_new(kd->path, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "cannot open key file"));
        assert_non_null(strstr(errstr, kd->path));
        /* a directory is not a key file */
        assert_null(mw_pseudo_new(kd->dir, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "not a regular file"));
}

/* ---- CPR numbers */

struct cpr_case {
        const char *text;
        const char *norm; /* NULL: must be refused */
        int year, month, day;
        char gender;
};

static const struct cpr_case cpr_cases[] = {
    {"0101901234", "0101901234", 1990, 1, 1, 'f'},
    {"010190-1234", "0101901234", 1990, 1, 1, 'f'},
    {"  010190-1235\t", "0101901235", 1990, 1, 1, 'm'},
    {"\t0101901237 ", "0101901237", 1990, 1, 1, 'm'},
    /* 7th digit 0-3: 1900s */
    {"3112990000", "3112990000", 1999, 12, 31, 'f'},
    {"0101000001", "0101000001", 1900, 1, 1, 'm'},
    {"0101002001", "0101002001", 1900, 1, 1, 'm'},
    {"0101363001", "0101363001", 1936, 1, 1, 'm'},
    /* 4 and 9: 2000s up to 36, else 1900s */
    {"0101364001", "0101364001", 2036, 1, 1, 'm'},
    {"0101374001", "0101374001", 1937, 1, 1, 'm'},
    {"0101009001", "0101009001", 2000, 1, 1, 'm'},
    {"0101379001", "0101379001", 1937, 1, 1, 'm'},
    {"0101999998", "0101999998", 1999, 1, 1, 'f'},
    /* 5-8: 2000s up to 57, else 1800s */
    {"0101575001", "0101575001", 2057, 1, 1, 'm'},
    {"0101585001", "0101585001", 1858, 1, 1, 'm'},
    {"0101998001", "0101998001", 1899, 1, 1, 'm'},
    {"0101106000", "0101106000", 2010, 1, 1, 'f'},
    {"0101587999", "0101587999", 1858, 1, 1, 'm'},
    /* leap days follow the century */
    {"2902004000", "2902004000", 2000, 2, 29, 'f'},
    {"2902000000", NULL, 0, 0, 0, 0}, /* 1900-02-29 */
    {"2902005000", "2902005000", 2000, 2, 29, 'f'},
    {"2902961234", "2902961234", 1996, 2, 29, 'f'},
    {"2902971234", NULL, 0, 0, 0, 0}, /* 1997 */
    {"2902884000", "2902884000", 1988, 2, 29, 'f'},
    {"2902128000", "2902128000", 2012, 2, 29, 'f'},
    {"2902728000", "2902728000", 1872, 2, 29, 'f'},
    /* born 2008, fails modulus 11, accepted */
    {"1502084001", "1502084001", 2008, 2, 15, 'm'},
    /* impossible dates */
    {"0001901234", NULL, 0, 0, 0, 0},
    {"3201901234", NULL, 0, 0, 0, 0},
    {"0100901234", NULL, 0, 0, 0, 0},
    {"0113901234", NULL, 0, 0, 0, 0},
    {"3104901234", NULL, 0, 0, 0, 0},
    {"3106901234", NULL, 0, 0, 0, 0},
    /* shape */
    {"", NULL, 0, 0, 0, 0},
    {"   ", NULL, 0, 0, 0, 0},
    {"010190123", NULL, 0, 0, 0, 0},
    {"01019012345", NULL, 0, 0, 0, 0},
    {"0101-901234", NULL, 0, 0, 0, 0},
    {"010190--1234", NULL, 0, 0, 0, 0},
    {"010190-", NULL, 0, 0, 0, 0},
    {"-0101901234", NULL, 0, 0, 0, 0},
    {"0101901234-", NULL, 0, 0, 0, 0},
    {"010190 1234", NULL, 0, 0, 0, 0},
    {"010190_1234", NULL, 0, 0, 0, 0},
    {"O101901234", NULL, 0, 0, 0, 0},
    {"0101901234x", NULL, 0, 0, 0, 0},
    {"\xd9\xa1"
     "101901234",
     NULL, 0, 0, 0, 0}, /* Arabic-Indic one */
};

static void
test_cpr_table(void **state)
{
        char out[MW_CPR_LEN + 1];
        char errstr[128];
        int days;
        size_t i;
        mw_err_t err;

        (void)state;
        for (i = 0; i < sizeof(cpr_cases) / sizeof(cpr_cases[0]); i++) {
                const struct cpr_case *c = &cpr_cases[i];

                memset(out, '#', sizeof(out));
                errstr[0] = '\0';
                err = mw_cpr_normalise(c->text, out, errstr, sizeof(errstr));
                if (!c->norm) {
                        if (err != MW_ERR_INVALID)
                                fail_msg("case %zu was accepted", i);
                        assert_string_equal(out, "");
                        assert_true(strncmp(errstr, "CPR number ", 11) == 0);
                        continue;
                }
                if (err)
                        fail_msg("case %zu: %s", i, errstr);
                assert_string_equal(out, c->norm);
                assert_int_equal(mw_cpr_birth_date(out, &days), 1);
                assert_int_equal(days,
                                 mw_date_from_ymd(c->year, c->month, c->day));
                assert_int_equal(mw_cpr_gender(out), c->gender);
        }
}

static void
test_cpr_messages(void **state)
{
        char out[MW_CPR_LEN + 1];
        char errstr[128];

        (void)state;
        mw_cpr_normalise("010190123", out, errstr, sizeof(errstr));
        assert_string_equal(errstr, "CPR number has 9 digits, expected 10");
        mw_cpr_normalise("3102901234", out, errstr, sizeof(errstr));
        assert_string_equal(errstr, "CPR number has an invalid birth date");
        mw_cpr_normalise("", out, errstr, sizeof(errstr));
        assert_string_equal(errstr, "CPR number is empty");
        mw_cpr_normalise(NULL, out, errstr, sizeof(errstr));
        assert_string_equal(errstr, "CPR number is empty");
        mw_cpr_normalise("0101-901234", out, errstr, sizeof(errstr));
        assert_string_equal(errstr, "CPR number has a '-' in the wrong "
                                    "place, expected DDMMYY-SSSS");
        mw_cpr_normalise("01019x1234", out, errstr, sizeof(errstr));
        assert_string_equal(errstr, "CPR number has an unexpected character "
                                    "at position 6");
        mw_cpr_normalise("010190 1234", out, errstr, sizeof(errstr));
        assert_string_equal(errstr, "CPR number has a blank inside it");
        assert_int_equal(mw_cpr_normalise("1", out, NULL, 0), MW_ERR_INVALID);
}

/* True if s contains any run of >= 4 consecutive digits of text. */
static int
leaks_digits(const char *s, const char *text)
{
        char run[64];
        size_t i, j, k, len = strlen(text);

        for (i = 0; i < len; i++) {
                for (j = i; j < len && text[j] >= '0' && text[j] <= '9'; j++)
                        ;
                /* every substring of length 4 of the run text[i..j) */
                for (k = i; k + 4 <= j; k++) {
                        memcpy(run, text + k, 4);
                        run[4] = '\0';
                        if (strstr(s, run))
                                return 1;
                }
                if (j > i)
                        i = j;
        }
        return 0;
}

static void
test_cpr_errors_hide_digits(void **state)
{
        static const char *const bad[] = {
            "010190123",
            "01019012345",
            "3102901234",
            "2902971234",
            "0113901234",
            "0101-901234",
            "010190--1234",
            "010190 1234",
            "0101901234x",
            "x0101901234",
            "01019O1234",
            "123456789012345",
            "31129912345",
            "310299-12345",
            "1234",
            "9999999999",
            "0000000000",
            " 3112991234 x",
            "2902000000",
            "010190-123",
            "0101901234-5678",
            "01.01.90-1234",
            "1111111111111111111111111111111111",
        };
        char out[MW_CPR_LEN + 1];
        char errstr[256];
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                errstr[0] = '\0';
                if (mw_cpr_normalise(bad[i], out, errstr, sizeof(errstr)) ==
                    MW_OK)
                        fail_msg("bad[%zu] was accepted", i);
                assert_true(errstr[0] != '\0');
                if (leaks_digits(errstr, bad[i]))
                        fail_msg("bad[%zu]: message leaks digits: %s", i,
                                 errstr);
        }
}

static void
test_cpr_birth_date_bad(void **state)
{
        static const char short_cpr[MW_CPR_LEN] = "01019";
        int days = 77;

        (void)state;
        assert_int_equal(mw_cpr_birth_date("3102901234", &days), 0);
        assert_int_equal(mw_cpr_birth_date("01019x1234", &days), 0);
        assert_int_equal(mw_cpr_birth_date(short_cpr, &days), 0);
        assert_int_equal(days, 77);
        assert_int_equal(mw_cpr_gender("0101901230"), 'f');
        assert_int_equal(mw_cpr_gender("0101901239"), 'm');
}

struct mask_case {
        const char *in;
        const char *out;
};

static const struct mask_case mask_cases[] = {
    {"0101901234", "XXXXXXXXXX"},
    {"010190-1234", "XXXXXXXXXXX"},
    {"cpr 010190-1234;x", "cpr XXXXXXXXXXX;x"},
    {"123456", "XXXXXX"},
    {"12345", "12345"},
    {"12345-6789", "12345-6789"},
    {"1234567-89", "XXXXXXX-89"},
    {"010190-", "XXXXXXX"},
    {"010190--1234", "XXXXXXX-XXXX"}, /* a CPR across two dashes */
    {"a0101901234b0101901234", "aXXXXXXXXXXbXXXXXXXXXX"},
    {"2015-07-01", "2015-07-01"},
    {"line 12: 99999", "line 12: 99999"},
    {"", ""},
    {"12;0101901234;abc", "12;XXXXXXXXXX;abc"},
};

static void
test_mask(void **state)
{
        char out[64];
        char small[8];
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(mask_cases) / sizeof(mask_cases[0]); i++) {
                mw_cpr_mask(mask_cases[i].in, out, sizeof(out));
                if (strcmp(out, mask_cases[i].out) != 0)
                        fail_msg("mask(\"%s\") = \"%s\", want \"%s\"",
                                 mask_cases[i].in, out, mask_cases[i].out);
        }
        /* truncation never reveals a digit of a run */
        mw_cpr_mask("ab0101901234", small, sizeof(small));
        assert_string_equal(small, "abXXXXX");
        mw_cpr_mask("0101901234", small, 1);
        assert_string_equal(small, "");
        mw_cpr_mask(NULL, small, sizeof(small));
        assert_string_equal(small, "");
        mw_cpr_mask("x", small, 0); /* writes nothing */
}

/* ---- CPR numbers in any spelling (mw_cpr_find) */

/* Spellings the red team sent through the producer in indsats_id, and
 * their relatives: each holds the CPR number 1402721168, 1002881172 or
 * 0508671176. */
static const char *const cpr_spellings[] = {
    "1402721168",
    "140272-1168",
    "14.02.72-1168",
    "10 02 88 1172",
    "05086-71176",
    "IND 14.02.72-1168 mentor",
    "ref:1402721168;",
    "CPR1402721168", /* letters before the digits end nothing of them */
    "14/02/72/1168",
    "14_02_72_1168",
    "14 . 02 . 72 - 1168", /* three separators in a row */
    "\xef\xbc\x91\xef\xbc\x94\xef\xbc\x90\xef\xbc\x92\xef\xbc\x97\xef\xbc\x92"
    "\xef\xbc\x91\xef\xbc\x91\xef\xbc\x96\xef\xbc\x98", /* full-width */
    "\xef\xbc\x91\xef\xbc\x94\xef\xbc\x90\xef\xbc\x92\xef\xbc\x97\xef\xbc\x92"
    "-1168", /* full-width and ASCII */
    "\xd9\xa1\xd9\xa4\xd9\xa0\xd9\xa2\xd9\xa7\xd9\xa2\xd9\xa1\xd9\xa1\xd9\xa6"
    "\xd9\xa8", /* Arabic-Indic */
    "140272\xc2\xa0"
    "1168", /* no-break space */
    "14\xe2\x80\x89"
    "02\xe2\x80\xaf"
    "72\xe3\x80\x80"
    "1168", /* thin, narrow and ideographic space */
    "140272\xe2\x80\x93"
    "1168", /* en dash */
    "140272\xe2\x88\x92"
    "1168", /* minus sign */
    "1402\xe2\x80\x8b"
    "721168", /* zero-width space */
    "1\xcc\xb2"
    "402721168", /* a combining low line */
    "\xc2\xb9\xe2\x81\xb4\xe2\x81\xb0\xc2\xb2\xe2\x81\xb7\xc2\xb2\xc2\xb9\xc2"
    "\xb9\xe2\x81\xb6\xe2\x81\xb8", /* superscript digits */
    "140272\xa0"
    "1168",                                   /* Windows-1252 NBSP, not UTF-8 */
    "99 1402721168 99",                       /* a window inside a longer run */
    "14027211-6800-4000-8000-000000000000",   /* UUID-shaped, no letter */
    "2 01028812-3456-4abc-9def-0123456789ab", /* a digit glued before */
};

/* Must not be found: dates, case-system ids, event ids, references. */
static const char *const cpr_negatives[] = {
    "2015-07-01",
    "01-07-2015",
    "IND-2015-000123",
    "PRAKTIK/2015/17",
    "IND-77",
    "C12-3",
    "3634269f-85fa-447a-b126-7c2499adaa67",
    "01028812-3456-4abc-9def-0123456789ab", /* date-like hex digits */
    "erstatter 01028812-3456-4abc-9def-0123456789ab",
    TEST_CPR_REF,
    "0102881234abcdef0102881234abcdef0102881234abcdef0102881234abcdef",
    "3102901234",      /* 31 February */
    "140272    1168",  /* four blanks: two numbers */
    "1402721",         /* too short */
    "14 02 72 11 6x8", /* a letter inside */
    "kontanthj\xc3\xa6lp",
    "",
};

static void
test_cpr_find(void **state)
{
        char masked[256];
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(cpr_spellings) / sizeof(cpr_spellings[0]); i++) {
                if (!mw_cpr_find(cpr_spellings[i], strlen(cpr_spellings[i])))
                        fail_msg("not found in spelling %zu", i);
                mw_cpr_mask(cpr_spellings[i], masked, sizeof(masked));
                if (mw_cpr_find(masked, strlen(masked)))
                        fail_msg("mask of spelling %zu still holds a CPR: %s",
                                 i, masked);
        }
        for (i = 0; i < sizeof(cpr_negatives) / sizeof(cpr_negatives[0]); i++) {
                if (mw_cpr_find(cpr_negatives[i], strlen(cpr_negatives[i])))
                        fail_msg("found in negative %zu: %s", i,
                                 cpr_negatives[i]);
        }
        /* len, not the terminator, ends the text; NUL is a character */
        assert_int_equal(mw_cpr_find("1402721168", 9), 0);
        assert_int_equal(mw_cpr_find("140272\0"
                                     "1168",
                                     11),
                         0);
        assert_int_equal(mw_cpr_find(NULL, 0), 0);
        /* the century from the 7th digit: 29-02-00 is a date in 2000
         * (7th digit 4) and not in 1900 (7th digit 0) */
        assert_int_equal(mw_cpr_find("290200-4000", 11), 1);
        assert_int_equal(mw_cpr_find("290200-0000", 11), 0);
        /* The rule's price: a date followed by an hour reads as one run
         * (0107201510: 1 July 1920). Free text holding such a timestamp
         * is refused; the date columns do not travel as text. */
        assert_int_equal(mw_cpr_find("01.07.2015 10:30", 16), 1);
}

static const struct mask_case mask_spelling_cases[] = {
    {"14.02.72-1168", "XX.XX.XX-XXXX"},
    {"10 02 88 1172", "XX XX XX XXXX"},
    {"05086-71176", "XXXXX-XXXXX"},
    {"ind 14/02/72/1168 x", "ind XX/XX/XX/XXXX x"},
    {"\xef\xbc\x91\xef\xbc\x94\xef\xbc\x90\xef\xbc\x92\xef\xbc\x97\xef\xbc\x92"
     "-1168",
     "XXXXXXXXXXXXXXXXXXXXXXX"}, /* written together: the '-' too */
    {"140272\xc2\xa0"
     "1168",
     "XXXXXX\xc2\xa0XXXX"},
    {"2015-07-01", "2015-07-01"},
    {"IND-2015-000123", "IND-2015-XXXXXX"},
    {"PRAKTIK/2015/17", "PRAKTIK/2015/17"},
    {"140272    1168", "XXXXXX    1168"},
};

static void
test_mask_spellings(void **state)
{
        char out[128], small[12];
        size_t i;

        (void)state;
        for (i = 0;
             i < sizeof(mask_spelling_cases) / sizeof(mask_spelling_cases[0]);
             i++) {
                mw_cpr_mask(mask_spelling_cases[i].in, out, sizeof(out));
                if (strcmp(out, mask_spelling_cases[i].out) != 0)
                        fail_msg("mask(\"%s\") = \"%s\", want \"%s\"",
                                 mask_spelling_cases[i].in, out,
                                 mask_spelling_cases[i].out);
        }
        /* cut on a character boundary, never inside a full-width digit */
        mw_cpr_mask("ab\xef\xbc\x91\xef\xbc\x94\xef\xbc\x90", small,
                    sizeof(small) - 1);
        assert_string_equal(small, "ab\xef\xbc\x91\xef\xbc\x94");
        mw_cpr_mask("14.02.72-1168", small, sizeof(small));
        assert_string_equal(small, "XX.XX.XX-XX");
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_hmac_rfc4231),
            cmocka_unit_test(test_ref_vector),
            cmocka_unit_test(test_ref_matches_one_shot),
            cmocka_unit_test(test_new_key_sizes),
            cmocka_unit_test_setup_teardown(test_key_file_modes, keydir_setup,
                                            keydir_teardown),
            cmocka_unit_test_setup_teardown(test_key_file_perm_code,
                                            keydir_setup, keydir_teardown),
            cmocka_unit_test_setup_teardown(test_key_file_contents,
                                            keydir_setup, keydir_teardown),
            cmocka_unit_test_setup_teardown(test_key_file_missing, keydir_setup,
                                            keydir_teardown),
            cmocka_unit_test(test_cpr_table),
            cmocka_unit_test(test_cpr_messages),
            cmocka_unit_test(test_cpr_errors_hide_digits),
            cmocka_unit_test(test_cpr_birth_date_bad),
            cmocka_unit_test(test_mask),
            cmocka_unit_test(test_cpr_find),
            cmocka_unit_test(test_mask_spellings),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
