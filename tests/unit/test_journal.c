/* Unit tests: the producer's acknowledgement journal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "midway/journal.h"

static char dir[64];

static int
setup(void **state)
{
        (void)state;
        snprintf(dir, sizeof(dir), "/tmp/mw-journal-XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
        char cmd[128];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *path, const char *text)
{
        FILE *fp = fopen(path, "w");

        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
}

static void
test_digest(void **state)
{
        char path[128], hex[MW_DIGEST_HEX + 1], errstr[256];

        (void)state;
        snprintf(path, sizeof(path), "%s/abc", dir);
        write_file(path, "abc");
        assert_int_equal(mw_file_digest(path, hex, errstr, sizeof(errstr)),
                         MW_OK);
        /* FIPS 180-2, appendix B.1 */
        assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396"
                                 "177a9cb410ff61f20015ad");
        snprintf(path, sizeof(path), "%s/missing", dir);
        assert_int_equal(mw_file_digest(path, hex, errstr, sizeof(errstr)),
                         MW_ERR_IO);
        assert_non_null(strstr(errstr, "missing"));
}

static void
test_resume_and_complete(void **state)
{
        char errstr[256], summary[128], path[160];
        const char *d = "00ff";
        struct mw_journal *j;
        FILE *fp;

        (void)state;
        j = mw_journal_open(dir, d, errstr, sizeof(errstr));
        assert_non_null(j);
        assert_false(mw_journal_is_done(j, NULL, 0));
        assert_int_equal(mw_journal_ack(j, 2, errstr, sizeof(errstr)), MW_OK);
        assert_int_equal(mw_journal_ack(j, 70000, errstr, sizeof(errstr)),
                         MW_OK);
        assert_int_equal(mw_journal_ack(j, 2, errstr, sizeof(errstr)), MW_OK);
        assert_int_equal(mw_journal_sync(j, errstr, sizeof(errstr)), MW_OK);
        assert_int_equal(mw_journal_count(j), 2);
        mw_journal_close(j);

        /* A crash mid-write leaves a torn record: it is ignored. */
        snprintf(path, sizeof(path), "%s/%s.acked", dir, d);
        fp = fopen(path, "a");
        assert_non_null(fp);
        fputs("12", fp);
        fclose(fp);

        j = mw_journal_open(dir, d, errstr, sizeof(errstr));
        assert_non_null(j);
        assert_true(mw_journal_is_acked(j, 2));
        assert_true(mw_journal_is_acked(j, 70000));
        assert_false(mw_journal_is_acked(j, 3));
        assert_false(mw_journal_is_acked(j, 12));
        assert_false(mw_journal_is_acked(j, -1));
        assert_int_equal(mw_journal_count(j), 2);
        /* The resumed run's first record does not continue the torn one
         * ("12" + "5\n" would read as line 125). */
        assert_int_equal(mw_journal_ack(j, 5, errstr, sizeof(errstr)), MW_OK);
        assert_int_equal(mw_journal_sync(j, errstr, sizeof(errstr)), MW_OK);
        mw_journal_close(j);
        j = mw_journal_open(dir, d, errstr, sizeof(errstr));
        assert_non_null(j);
        assert_true(mw_journal_is_acked(j, 5));
        assert_false(mw_journal_is_acked(j, 125));
        assert_false(mw_journal_is_acked(j, 12));
        assert_int_equal(mw_journal_count(j), 3);
        assert_int_equal(
            mw_journal_complete(j, "rows 3, sent 3", errstr, sizeof(errstr)),
            MW_OK);
        mw_journal_close(j);
        assert_int_equal(access(path, F_OK), -1);

        j = mw_journal_open(dir, d, errstr, sizeof(errstr));
        assert_non_null(j);
        assert_true(mw_journal_is_done(j, summary, sizeof(summary)));
        assert_string_equal(summary, "rows 3, sent 3");
        mw_journal_close(j);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_digest),
            cmocka_unit_test(test_resume_and_complete),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
