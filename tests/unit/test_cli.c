/* Unit tests: the shared command line (lib/cli.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "midway/cli.h"
#include "midway/log.h"

static const struct mw_cli_opt opts[] = {
    {'a', "as-of", "DATE", "cut-off date"},
    {'e', "exit-at-end", NULL, "exit at the end\nof every partition"},
    {300, "jobs", "N", "long only"},
    {0, NULL, NULL, NULL}};

static const struct mw_cli cli = {"prog",
                                  "[OPTION]... FILE...\n--watch DIR",
                                  "Does a thing.",
                                  opts,
                                  MW_CLI_PG | MW_CLI_FILE | MW_CLI_PROPS,
                                  0,
                                  NULL,
                                  NULL};

struct seen {
        char as_of[16];
        int exit_at_end, jobs;
};

static mw_err_t
on_opt(void *arg, int key, const char *value, char *errstr, size_t errstr_size)
{
        struct seen *s = arg;

        switch (key) {
        case 'a':
                snprintf(s->as_of, sizeof(s->as_of), "%s", value);
                return MW_OK;
        case 'e':
                s->exit_at_end = 1;
                return MW_OK;
        case 300:
                s->jobs = atoi(value);
                return s->jobs > 0 ? MW_OK
                                   : mw_errf(errstr, errstr_size,
                                             MW_ERR_INVALID, "--jobs: > 0");
        }
        return MW_ERR_INVALID;
}

static enum mw_cli_rc
parse(int argc, char **argv, struct seen *s, struct mw_conf *conf, int *first,
      char *errstr)
{
        int verbosity = MW_LOG_INFO;

        memset(s, 0, sizeof(*s));
        return mw_cli_parse(&cli, argc, argv, conf, on_opt, s, &verbosity,
                            first, errstr, 256);
}

static void
test_parse(void **state)
{
        char *argv[] = {"prog",   "--as-of", "2015-07-01", "in.csv",   "-e",
                        "--jobs", "3",       "-d",         "dbname=x", NULL};
        char errstr[256] = "";
        struct mw_conf conf;
        struct seen s;
        int first = 0;

        (void)state;
        assert_int_equal(mw_conf_init(&conf), MW_OK);
        assert_int_equal(parse(9, argv, &s, &conf, &first, errstr), MW_CLI_RUN);
        assert_string_equal(s.as_of, "2015-07-01");
        assert_int_equal(s.exit_at_end, 1);
        assert_int_equal(s.jobs, 3);
        assert_string_equal(conf.pg_conninfo, "dbname=x");
        /* getopt_long moves operands after the options */
        assert_string_equal(argv[first], "in.csv");
        mw_conf_release(&conf);
}

static void
test_errors(void **state)
{
        char *unknown[] = {"prog", "-x", NULL};
        char *missing[] = {"prog", "--as-of", NULL};
        char *badjobs[] = {"prog", "--jobs", "0", NULL};
        char *nofile[] = {"prog", "-c", "/nonexistent/midway.conf", NULL};
        char *notmine[] = {"prog", "-b", "kafka:9092", NULL};
        char errstr[256];
        struct mw_conf conf;
        struct seen s;
        int first;

        (void)state;
        assert_int_equal(mw_conf_init(&conf), MW_OK);
        assert_int_equal(parse(2, unknown, &s, &conf, &first, errstr),
                         MW_CLI_BAD);
        assert_string_equal(errstr, "unknown option '-x'");
        assert_int_equal(parse(2, missing, &s, &conf, &first, errstr),
                         MW_CLI_BAD);
        assert_string_equal(errstr, "option '--as-of' needs an argument");
        assert_int_equal(parse(3, badjobs, &s, &conf, &first, errstr),
                         MW_CLI_BAD);
        assert_string_equal(errstr, "--jobs: > 0");
        /* a -c file that cannot be read is named, not answered by usage */
        assert_int_equal(parse(3, nofile, &s, &conf, &first, errstr),
                         MW_CLI_BAD);
        assert_string_equal(errstr, "cannot read configuration file "
                                    "/nonexistent/midway.conf: No such file "
                                    "or directory");
        /* -b is not a flag of this program */
        assert_int_equal(parse(3, notmine, &s, &conf, &first, errstr),
                         MW_CLI_BAD);
        mw_conf_release(&conf);
}

static void
test_help_version(void **state)
{
        char *help[] = {"prog", "-h", NULL};
        char *version[] = {"prog", "--version", NULL};
        char errstr[256], *text = NULL;
        size_t len = 0;
        struct seen s;
        FILE *fp;
        int first;

        (void)state;
        assert_int_equal(parse(2, help, &s, NULL, &first, errstr), MW_CLI_HELP);
        assert_int_equal(parse(2, version, &s, NULL, &first, errstr),
                         MW_CLI_VERSION);
        assert_non_null(strchr(mw_cli_version(), '.'));
        fp = open_memstream(&text, &len);
        assert_non_null(fp);
        assert_int_equal(mw_cli_exit(&cli, MW_CLI_HELP, NULL, fp, fp), 0);
        assert_int_equal(mw_cli_exit(&cli, MW_CLI_BAD, "bad", fp, fp), 2);
        fclose(fp);
        /* every option of the table, and only the shared ones asked for */
        assert_non_null(strstr(text, "Usage: prog [OPTION]... FILE...\n"
                                     "       prog --watch DIR\n"));
        assert_non_null(strstr(text, "  -a, --as-of DATE"));
        assert_non_null(strstr(text, "      --jobs N"));
        assert_non_null(strstr(text, "exit at the end\n"));
        assert_non_null(strstr(text, "  -d CONNINFO"));
        assert_non_null(strstr(text, "  -V, --version"));
        assert_null(strstr(text, "  -b BROKERS"));
        assert_non_null(strstr(text, "prog: bad (see --help)\n"));
        free(text);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_help_version),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
