/* midway: the command line every program shares (kcat and psql habits).
 *
 * A program describes its own options in a table; mw_cli_parse() runs
 * getopt_long over them and the shared ones: -h/--help, -V/--version,
 * -v/-q (more, less logging) and, as the program asks, the configuration
 * flags of conf.c (-b -d -r -g -c -X -o). mw_cli_usage() writes the help
 * from the same tables, so help and parsing cannot drift; mw_cli_exit()
 * turns the outcome of parsing into what a program prints and its exit
 * status. One set of exit statuses for every program. */
#ifndef MIDWAY_CLI_H
#define MIDWAY_CLI_H

#include <signal.h>
#include <stdio.h>

#include "midway/conf.h"
#include "midway/err.h"

#define MW_EXIT_OK      0
#define MW_EXIT_FAILURE 1 /* the job failed (error on stderr) */
#define MW_EXIT_USAGE   2 /* the command line is wrong */
#define MW_EXIT_REJECTS 3 /* done, but input rows were rejected */

/* Which configuration flags a program takes (conf.c, MW_CONF_FLAGS). */
#define MW_CLI_BROKERS  0x01u /* -b BROKERS */
#define MW_CLI_PG       0x02u /* -d CONNINFO */
#define MW_CLI_REGISTRY 0x04u /* -r URL */
#define MW_CLI_GROUP    0x08u /* -g GROUP */
#define MW_CLI_FILE     0x10u /* -c FILE */
#define MW_CLI_KAFKA    0x20u /* -X KEY=VALUE */
#define MW_CLI_PROPS    0x40u /* -o NAME=VALUE */

/* An option of the program's own. key is its short letter, or a number
 * from 256 for a long-only option; arg names its argument ("FILE"), NULL
 * for a flag; doc is its help (may hold '\n'). A table ends with key 0. */
struct mw_cli_opt {
        int key;
        const char *name;
        const char *arg;
        const char *doc;
};

struct mw_cli {
        const char *prog;              /* "midway-status" */
        const char *usage;             /* after "Usage: PROG " ('\n': more) */
        const char *summary;           /* one sentence */
        const struct mw_cli_opt *opts; /* the program's own; may be NULL */
        unsigned conf_flags;           /* MW_CLI_* */
        int conf_props;                /* list the midway properties */
        const char *epilog;            /* after the options, or NULL */
        const char *exits; /* "0 done, ..., 3 rows rejected"; NULL: 0-2 */
};

enum mw_cli_rc {
        MW_CLI_RUN,     /* parsed: run */
        MW_CLI_HELP,    /* -h/--help: print the usage, exit 0 */
        MW_CLI_VERSION, /* -V/--version: print the version, exit 0 */
        MW_CLI_BAD,     /* a usage error in errstr: exit 2 */
};

/* Called for each option of the program's own table; an error goes to
 * errstr and makes the parse MW_CLI_BAD. */
typedef mw_err_t mw_cli_opt_cb(void *arg, int key, const char *value,
                               char *errstr, size_t errstr_size);

/* Parses argv (getopt_long: options may follow operands). conf may be
 * NULL when conf_flags is 0; *verbosity is raised by -v, lowered by -q;
 * *first is the index of the first operand. A configuration file that
 * cannot be read is named in errstr. */
enum mw_cli_rc mw_cli_parse(const struct mw_cli *cli, int argc, char **argv,
                            struct mw_conf *conf, mw_cli_opt_cb *cb, void *arg,
                            int *verbosity, int *first, char *errstr,
                            size_t errstr_size);

/* What every program does first: the log line prefix (cli->prog), conf's
 * defaults and environment (when conf is not NULL; release it whatever
 * this returns), mw_cli_parse(), the log level, and a count of operands
 * between min and max (max -1: any). */
enum mw_cli_rc mw_cli_start(const struct mw_cli *cli, int argc, char **argv,
                            struct mw_conf *conf, mw_cli_opt_cb *cb, void *arg,
                            int min_operands, int max_operands, int *first,
                            char *errstr, size_t errstr_size);

/* Writes the help of cli to fp. */
void mw_cli_usage(const struct mw_cli *cli, FILE *fp);

/* "midway-status 0.1.0 (git 1a2b3c4)": the version CMake and git gave. */
const char *mw_cli_version(void);

/* Prints what rc asks (the help or version on out; on err the usage
 * error as "PROG: why (see --help)") and returns the exit status. */
int mw_cli_exit(const struct mw_cli *cli, enum mw_cli_rc rc, const char *why,
                FILE *out, FILE *err);

/* SIGINT and SIGTERM call stop (which sets the program's flag); SIGHUP is
 * ignored: a lost terminal or a log rotation's HUP never kills a run. */
void mw_cli_signals(void (*stop)(int));

#endif
