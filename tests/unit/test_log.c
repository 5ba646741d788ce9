/* lib/core/log.c: one event, one line, whatever the message quotes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "midway/log.h"

static char last[2048];

static void
capture(enum mw_log_level level, const char *line, void *opaque)
{
        (void)level;
        (void)opaque;
        snprintf(last, sizeof(last), "%s", line);
}

static int
setup(void **state)
{
        (void)state;
        mw_log_set_cb(capture, NULL);
        mw_log_set_level(MW_LOG_DEBUG);
        last[0] = '\0';
        return 0;
}

/* libpq's errors end in a newline and may hold more lines. */
static void
test_libpq_error_one_line(void **state)
{
        (void)state;
        mw_log_write(MW_LOG_WARN, "PostgreSQL unavailable: %s",
                     "connection to server at \"127.0.0.1\", port 5432 "
                     "failed: Connection refused\n\tIs the server running "
                     "on that host?\n");
        assert_string_equal(last, "PostgreSQL unavailable: connection to "
                                  "server at \"127.0.0.1\", port 5432 failed: "
                                  "Connection refused / Is the server running "
                                  "on that host?");
        mw_log_write(MW_LOG_ERROR, "a: %s", "ERROR:  x\r\nLINE 1: y\n  ^\n\n");
        assert_string_equal(last, "a: ERROR:  x / LINE 1: y / ^");
}

static void
test_plain_line_unchanged(void **state)
{
        (void)state;
        mw_log_write(MW_LOG_INFO, "topic=%s partition=%d", "t", 2);
        assert_string_equal(last, "topic=t partition=2");
}

/* A long message with many breaks is cut, never overrun. */
static void
test_long_cut(void **state)
{
        char msg[3000];

        (void)state;
        memset(msg, '\n', sizeof(msg) - 1);
        msg[sizeof(msg) - 1] = '\0';
        for (size_t i = 0; i + 1 < sizeof(msg); i += 2)
                msg[i] = 'x';
        mw_log_write(MW_LOG_INFO, "%s", msg);
        assert_true(strlen(last) < sizeof(last));
        assert_null(strchr(last, '\n'));
        assert_memory_equal(last, "x / x / x", 9);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_libpq_error_one_line, setup),
            cmocka_unit_test_setup(test_plain_line_unchanged, setup),
            cmocka_unit_test_setup(test_long_cut, setup),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
