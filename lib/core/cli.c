/* midway: the command line every program shares (see cli.h). getopt_long
 * does the parsing; this file only builds its tables from the program's
 * and the shared options, so that parsing and --help come from one place. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/cli.h"
#include "midway/log.h"

extern char **environ;

#ifndef MW_VERSION
#define MW_VERSION "unknown"
#endif

#define MAX_OPTS 48

/* The shared options, in the order --help lists them. */
static const struct {
        unsigned flag; /* MW_CLI_*; 0: every program */
        struct mw_cli_opt opt;
} shared[] = {
    {MW_CLI_BROKERS,
     {'b', NULL, "BROKERS", "Kafka bootstrap servers (brokers)"}},
    {MW_CLI_PG,
     {'d', NULL, "CONNINFO",
      "libpq conninfo (pg.conninfo; PG* variables apply)"}},
    {MW_CLI_REGISTRY, {'r', NULL, "URL", "schema registry URL (registry.url)"}},
    {MW_CLI_GROUP, {'g', NULL, "GROUP", "consumer group (group.id)"}},
    {MW_CLI_FILE,
     {'c', NULL, "FILE", "read key=value configuration from FILE"}},
    {MW_CLI_KAFKA,
     {'X', NULL, "KEY=VALUE", "set a librdkafka property (repeatable)"}},
    {MW_CLI_PROPS,
     {'o', NULL, "NAME=VALUE", "set a midway property (repeatable)"}},
    {0, {'v', "verbose", NULL, "more logging (debug)"}},
    {0, {'q', "quiet", NULL, "less logging (warnings and errors only)"}},
    {0, {'V', "version", NULL, "print the version and exit"}},
    {0, {'h', "help", NULL, "this help"}},
};
#define N_SHARED (sizeof(shared) / sizeof(shared[0]))

const char *
mw_cli_version(void)
{
        return MW_VERSION;
}

/* The options of cli in getopt_long's form; 0, or -1 if there are too
 * many. */
static int
build(const struct mw_cli *cli, char *shorts, size_t shorts_size,
      struct option *longs, const struct mw_cli_opt **all, size_t *n_all)
{
        size_t i, n = 0, nl = 0, ns = 0;

        shorts[ns++] = ':'; /* a missing argument is ':' */
        for (i = 0; cli->opts && cli->opts[i].key; i++)
                all[n++] = &cli->opts[i];
        for (i = 0; i < N_SHARED; i++)
                if (!shared[i].flag || (cli->conf_flags & shared[i].flag))
                        all[n++] = &shared[i].opt;
        for (i = 0; i < n; i++) {
                if (ns + 3 >= shorts_size || nl + 1 >= MAX_OPTS)
                        return -1;
                if (all[i]->key < 256) {
                        shorts[ns++] = (char)all[i]->key;
                        if (all[i]->arg)
                                shorts[ns++] = ':';
                }
                if (all[i]->name) {
                        longs[nl].name = all[i]->name;
                        longs[nl].has_arg =
                            all[i]->arg ? required_argument : no_argument;
                        longs[nl].flag = NULL;
                        longs[nl].val = all[i]->key;
                        nl++;
                }
        }
        shorts[ns] = '\0';
        memset(&longs[nl], 0, sizeof(longs[nl]));
        *n_all = n;
        return 0;
}

static int
is_conf_flag(int key)
{
        return key < 256 && strchr(MW_CONF_FLAGS, key) && key != ':';
}

enum mw_cli_rc
mw_cli_parse(const struct mw_cli *cli, int argc, char **argv,
             struct mw_conf *conf, mw_cli_opt_cb *cb, void *arg, int *verbosity,
             int *first, char *errstr, size_t errstr_size)
{
        const struct mw_cli_opt *all[MAX_OPTS];
        struct option longs[MAX_OPTS];
        char shorts[2 * MAX_OPTS + 2];
        size_t n_all;
        int key;
        mw_err_t err = MW_OK;

        if (build(cli, shorts, sizeof(shorts), longs, all, &n_all) != 0) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "too many options");
                return MW_CLI_BAD;
        }
        opterr = 0;
        optind = 1;
        while ((key = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
                switch (key) {
                case 'h':
                        return MW_CLI_HELP;
                case 'V':
                        return MW_CLI_VERSION;
                case 'v':
                        *verbosity = MW_LOG_DEBUG;
                        continue;
                case 'q':
                        *verbosity = MW_LOG_WARN;
                        continue;
                case ':':
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "option '%s' needs an argument",
                                argv[optind - 1]);
                        return MW_CLI_BAD;
                case '?':
                        if (optopt && optopt < 256)
                                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                        "unknown option '-%c'", optopt);
                        else
                                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                        "unknown option '%s'",
                                        argv[optind - 1]);
                        return MW_CLI_BAD;
                default:
                        break;
                }
                /* the program's own first: it may reuse a letter */
                if (cb && cli->opts) {
                        size_t i;

                        for (i = 0; cli->opts[i].key; i++)
                                if (cli->opts[i].key == key)
                                        break;
                        if (cli->opts[i].key) {
                                err = cb(arg, key, optarg, errstr, errstr_size);
                                if (err)
                                        return MW_CLI_BAD;
                                continue;
                        }
                }
                if (conf && is_conf_flag(key)) {
                        err = mw_conf_flag(conf, key, optarg, errstr,
                                           errstr_size);
                        if (err)
                                return MW_CLI_BAD;
                        continue;
                }
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "option '%s' is not handled", argv[optind - 1]);
                return MW_CLI_BAD;
        }
        *first = optind;
        return MW_CLI_RUN;
}

/* A misspelt MW_ variable is ignored by the configuration: say so. */
static void
warn_env_typos(void)
{
        struct mw_conf_typo t[8];
        size_t n, i;

        n = mw_conf_env_typos(environ, t, sizeof(t) / sizeof(t[0]));
        for (i = 0; i < n; i++)
                mw_log_warn("environment: %s is not a midway variable and is "
                            "ignored; did you mean %s? (docs/configuration.md)",
                            t[i].name, t[i].hint);
}

enum mw_cli_rc
mw_cli_start(const struct mw_cli *cli, int argc, char **argv,
             struct mw_conf *conf, mw_cli_opt_cb *cb, void *arg,
             int min_operands, int max_operands, int *first, char *errstr,
             size_t errstr_size)
{
        static char prog[64]; /* the log's prefix: one program a process */
        enum mw_cli_rc rc;
        int verbosity = MW_LOG_INFO, n;

        snprintf(prog, sizeof(prog), "%s", cli->prog);
        mw_log_set_cb(mw_log_stderr_cb, prog);
        if (conf && mw_conf_init(conf) != MW_OK) {
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                return MW_CLI_BAD;
        }
        if (conf && mw_conf_load_env(conf, errstr, errstr_size) != MW_OK)
                return MW_CLI_BAD;
        if (conf)
                warn_env_typos();
        rc = mw_cli_parse(cli, argc, argv, conf, cb, arg, &verbosity, first,
                          errstr, errstr_size);
        if (rc != MW_CLI_RUN)
                return rc;
        n = argc - *first;
        if (n < min_operands || (max_operands >= 0 && n > max_operands)) {
                if (n > 0 && max_operands >= 0 && n > max_operands)
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "unexpected argument '%s'",
                                argv[*first + max_operands]);
                else
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "missing argument (usage: %s %.*s)", cli->prog,
                                (int)strcspn(cli->usage, "\n"), cli->usage);
                return MW_CLI_BAD;
        }
        mw_log_set_level((enum mw_log_level)verbosity);
        return MW_CLI_RUN;
}

/* "  -c, --config FILE" padded to width, then the doc; continuation lines
 * of the doc indented to the same column. */
static void
usage_line(FILE *fp, const struct mw_cli_opt *o)
{
        char head[64];
        const char *doc = o->doc ? o->doc : "", *nl;
        int n;

        if (o->key < 256 && o->name)
                n = snprintf(head, sizeof(head), "  -%c, --%s%s%s", o->key,
                             o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        else if (o->key < 256)
                n = snprintf(head, sizeof(head), "  -%c%s%s", o->key,
                             o->arg ? " " : "", o->arg ? o->arg : "");
        else
                n = snprintf(head, sizeof(head), "      --%s%s%s", o->name,
                             o->arg ? " " : "", o->arg ? o->arg : "");
        if (n >= 24) {
                fprintf(fp, "%s\n%24s", head, "");
        } else {
                fprintf(fp, "%-24s", head);
        }
        while ((nl = strchr(doc, '\n')) != NULL) {
                fprintf(fp, "%.*s\n%24s", (int)(nl - doc), doc, "");
                doc = nl + 1;
        }
        fprintf(fp, "%s\n", doc);
}

void
mw_cli_usage(const struct mw_cli *cli, FILE *fp)
{
        const struct mw_conf_prop *props;
        const char *u = cli->usage, *nl;
        size_t n, i;

        fprintf(fp, "Usage: %s ", cli->prog);
        while ((nl = strchr(u, '\n')) != NULL) {
                fprintf(fp, "%.*s\n       %s ", (int)(nl - u), u, cli->prog);
                u = nl + 1;
        }
        fprintf(fp, "%s\n%s\n\n", u, cli->summary);
        for (i = 0; cli->opts && cli->opts[i].key; i++)
                usage_line(fp, &cli->opts[i]);
        for (i = 0; i < N_SHARED; i++)
                if (!shared[i].flag || (cli->conf_flags & shared[i].flag))
                        usage_line(fp, &shared[i].opt);
        if (cli->conf_props) {
                fprintf(fp, "\nProperties (defaults; environment MW_<NAME>, "
                            "-o NAME=VALUE, or a -c file):\n");
                props = mw_conf_props(&n);
                for (i = 0; i < n; i++)
                        fprintf(fp, "  %-18s %s (default: \"%s\")\n",
                                props[i].name, props[i].doc, props[i].def);
        }
        if (cli->epilog)
                fprintf(fp, "\n%s\n", cli->epilog);
        fprintf(fp, "\nExit status: %s.\n",
                cli->exits ? cli->exits : "0 done, 1 failure, 2 usage error");
}

int
mw_cli_exit(const struct mw_cli *cli, enum mw_cli_rc rc, const char *why,
            FILE *out, FILE *err)
{
        switch (rc) {
        case MW_CLI_HELP:
                mw_cli_usage(cli, out);
                return MW_EXIT_OK;
        case MW_CLI_VERSION:
                fprintf(out, "%s %s\n", cli->prog, mw_cli_version());
                return MW_EXIT_OK;
        case MW_CLI_BAD:
                fprintf(err, "%s: %s (see --help)\n", cli->prog,
                        why && why[0] ? why : "usage error");
                return MW_EXIT_USAGE;
        case MW_CLI_RUN:
        default:
                return MW_EXIT_OK;
        }
}

void
mw_cli_signals(void (*stop)(int))
{
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = stop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sa.sa_handler = SIG_IGN;
        sigaction(SIGHUP, &sa, NULL);
}
