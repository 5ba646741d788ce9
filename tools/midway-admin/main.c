/* midway-admin: one-off administration steps.
 *
 *   midway-admin migrate         apply database migrations, refresh reference
 *                                data
 *   midway-admin verify          compare the per-citizen state with a
 *                                recomputation from all stored events
 *   midway-admin rebuild         recompute the per-citizen state
 *   midway-admin check-sql       compare the functions and views in the
 *                                database with migrations/functions/
 *   midway-admin create-topics   create every project's topic and the
 *                                dead-letter topic (auto-creation stays off),
 *                                and make the schema registry enforce the
 *                                evolution rule on each topic's subject
 *   midway-admin check           what the consumer would do with every
 *                                message of the project topics (check.c)
 *   midway-admin replay          rebuild a fresh database from the topics:
 *                                migrate, midway-consumer --exit-at-end in
 *                                a group of its own, then verify
 *   midway-admin expire          delete the dead letters older than
 *                                dlq.retention.days (docs/security.md)
 */
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "admin.h"
#include "midway/cli.h"
#include "midway/codec.h"
#include "midway/conf.h"
#include "midway/kafka.h"
#include "midway/log.h"
#include "midway/pg.h"
#include "midway/projects.h"
#include "midway/registry.h"

#define PROG       "midway-admin"
#define MAX_TOPICS 64
/* The registry's rule for every registration subject: a new version must
 * read what every earlier version wrote. Consumers are upgraded first
 * and replay topics kept forever, so the newest reader meets every old
 * writer; a new registration kind (a new union branch) stays possible,
 * which FULL would refuse (docs/schemas.md, "Evolution"). */
#define SUBJECT_COMPATIBILITY "BACKWARD_TRANSITIVE"
#define MAX_ARGS              256

extern char **environ;

static const struct mw_cli cli = {
    PROG,
    "[OPTION]... COMMAND",
    "Administer a midway deployment: the database and the topics.",
    NULL,
    MW_CLI_BROKERS | MW_CLI_PG | MW_CLI_REGISTRY | MW_CLI_GROUP | MW_CLI_FILE |
        MW_CLI_KAFKA | MW_CLI_PROPS,
    0,
    "Commands:\n"
    "  migrate         apply the database migrations and refresh the "
    "reference data\n"
    "  verify          check that the per-citizen state equals a "
    "recomputation from\n"
    "                  all stored events; prints each difference, exit 1 if "
    "any\n"
    "  rebuild         recompute the per-citizen state from all stored "
    "events\n"
    "  check-sql       check that the functions and views equal "
    "migrations/functions/;\n"
    "                  prints each difference, exit 1 if any\n"
    "  create-topics   create the project topics and the dead-letter topic\n"
    "                  (topic.partitions, topic.replication; existing topics "
    "are kept),\n"
    "                  register the registration schema under each topic's "
    "subject\n"
    "                  and set its compatibility to " SUBJECT_COMPATIBILITY "\n"
    "  check           print what midway-consumer would do with every "
    "message of\n"
    "                  the project topics (store, or dead-letter: stage and "
    "reason),\n"
    "                  writing nothing; exit 3 if any would be "
    "dead-lettered\n"
    "  replay          rebuild this (fresh, empty) database from the topics:\n"
    "                  migrate, midway-consumer --exit-at-end in a new group\n"
    "                  <group.id>-replay-<time> (the options are passed on),\n"
    "                  then verify; exit 0 only if every partition was "
    "drained\n"
    "                  to its end offset and verify found no difference\n"
    "  expire          delete the dead-letter records published more than\n"
    "                  dlq.retention.days ago (-1: nothing is deleted)",
    "0 done, 1 failure, 2 usage error, 3 check: messages would be "
    "dead-lettered"};

static int
cmd_migrate(const struct mw_conf *conf)
{
        char errstr[1024];
        PGconn *pg;
        int applied = 0, functions = 0, rc = 0;

        pg = mw_pg_connect(conf->pg_conninfo, PROG, errstr, sizeof(errstr));
        if (!pg) {
                mw_log_error("%s", errstr);
                return 1;
        }
        if (mw_pg_migrate(pg, &applied, &functions, errstr, sizeof(errstr)) !=
            MW_OK) {
                mw_log_error("migrate: %s", errstr);
                rc = 1;
        } else {
                mw_log_info("migrate: %d migration(s) and %d function "
                            "file(s) applied, reference data refreshed",
                            applied, functions);
        }
        PQfinish(pg);
        return rc;
}

/* The retention of dead letters in PostgreSQL (functions/60_erasure.sql). */
static int
cmd_expire(const struct mw_conf *conf)
{
        char errstr[1024], days[16];
        const char *vals[1] = {days};
        PGresult *res;
        PGconn *pg;
        int rc = 1;

        if (conf->dlq_retention_days < 0) {
                mw_log_info("expire: dlq.retention.days is -1: every dead "
                            "letter is kept");
                return 0;
        }
        pg = mw_pg_connect(conf->pg_conninfo, PROG, errstr, sizeof(errstr));
        if (!pg) {
                mw_log_error("%s", errstr);
                return 1;
        }
        snprintf(days, sizeof(days), "%d", conf->dlq_retention_days);
        res = PQexecParams(pg, "SELECT midway_expire($1)", 1, NULL, vals, NULL,
                           NULL, 0);
        if (PQresultStatus(res) == PGRES_TUPLES_OK) {
                mw_log_info("expire: %s dead letters published more than %d "
                            "days ago deleted",
                            PQgetvalue(res, 0, 0), conf->dlq_retention_days);
                rc = 0;
        } else {
                mw_log_error("expire: %s", PQerrorMessage(pg));
        }
        PQclear(res);
        PQfinish(pg);
        return rc;
}

/* Prints every difference between the functions and views in the database
 * and the function files compiled in (stdout, one line each). */
static int
cmd_check_sql(const struct mw_conf *conf)
{
        char errstr[1024];
        PGconn *pg;
        int n = 0, rc = 1;

        pg = mw_pg_connect(conf->pg_conninfo, PROG, errstr, sizeof(errstr));
        if (!pg) {
                mw_log_error("%s", errstr);
                return 1;
        }
        if (mw_pg_check_sql(pg, stdout, &n, errstr, sizeof(errstr)) != MW_OK)
                mw_log_error("check-sql: %s", errstr);
        else if (n > 0)
                mw_log_error("check-sql: %d difference(s) between the "
                             "database and migrations/functions/ (migrate "
                             "applies the files that changed; after a change "
                             "by hand, DELETE FROM schema_function and "
                             "migrate applies them all)",
                             n);
        else {
                mw_log_info("check-sql: every function and view equals "
                            "migrations/functions/");
                rc = 0;
        }
        PQfinish(pg);
        return rc;
}

#define PROGRESS_S 5

/* PQexec() that logs a line every PROGRESS_S seconds while the statement
 * runs ("verify: running for 10 s"), so a long verify or rebuild shows it
 * is alive. The last result (PQexec's), or NULL. */
static PGresult *
exec_progress(PGconn *pg, const char *sql, const char *what)
{
        PGresult *res, *last = NULL;
        struct pollfd p;
        int waited = 0;

        if (!PQsendQuery(pg, sql))
                return NULL;
        p.fd = PQsocket(pg);
        p.events = POLLIN;
        while (PQisBusy(pg)) {
                if (poll(&p, 1, PROGRESS_S * 1000) == 0) {
                        waited += PROGRESS_S;
                        mw_log_info("%s: running for %d s", what, waited);
                        continue;
                }
                if (!PQconsumeInput(pg))
                        break;
        }
        while ((res = PQgetResult(pg)) != NULL) {
                PQclear(last);
                last = res;
        }
        return last;
}

/* Prints every difference between the maintained per-citizen tables and a
 * recomputation from the stored events (stdout, one line each). */
static int
cmd_verify(const struct mw_conf *conf, int rebuild)
{
        char errstr[1024];
        PGconn *pg;
        PGresult *res = NULL;
        int rc = 1, r;

        pg = mw_pg_connect(conf->pg_conninfo, PROG, errstr, sizeof(errstr));
        if (!pg) {
                mw_log_error("%s", errstr);
                return 1;
        }
        if (rebuild) {
                mw_log_info("rebuild: recomputing the state of every citizen "
                            "from the stored events");
                res = exec_progress(pg, "SELECT midway_rebuild_citizens()",
                                    "rebuild");
                if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                        mw_log_error("rebuild: %s", PQerrorMessage(pg));
                        goto out;
                }
                mw_log_info("rebuild: %s citizens recomputed",
                            PQgetvalue(res, 0, 0));
                rc = 0;
                goto out;
        }
        mw_log_info("verify: comparing the state of every citizen with a "
                    "recomputation from the stored events, in one snapshot");
        /* One snapshot for both sides of the comparison. */
        if (mw_pg_exec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                       errstr, sizeof(errstr)) != MW_OK) {
                mw_log_error("verify: %s", errstr);
                goto out;
        }
        res = exec_progress(pg,
                            "SELECT tbl, side, project_id, citizen_ref "
                            "FROM verify_difference ORDER BY 1, 3, 4, 2",
                            "verify");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                mw_log_error("verify: %s", PQerrorMessage(pg));
                goto out;
        }
        for (r = 0; r < PQntuples(res); r++)
                printf("%s project=%s citizen=%s: %s\n", PQgetvalue(res, r, 0),
                       PQgetvalue(res, r, 2), PQgetvalue(res, r, 3),
                       PQgetvalue(res, r, 1));
        if (PQntuples(res) > 0) {
                mw_log_error("verify: %d difference(s) between the stored "
                             "state and a recomputation from the events",
                             PQntuples(res));
        } else {
                PQclear(res);
                res = PQexec(pg, "SELECT (SELECT count(*) FROM citizen), "
                                 "(SELECT count(*) FROM event)");
                mw_log_info("verify: state of %s citizens equals a "
                            "recomputation from %s events",
                            PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
                rc = 0;
        }
out:
        PQclear(res);
        PQfinish(pg);
        return rc;
}

/* Registers this build's registration schema under each topic's subject
 * (a schema the subject already has keeps its id and adds no version) and
 * sets the subject's compatibility, so that the registry refuses a
 * producer whose schema breaks the evolution rule before it sends
 * anything. */
static int
subject_rules(const struct mw_conf *conf, char names[][256], size_t n)
{
        char errstr[512], subject[300];
        struct mw_registry *reg;
        int32_t id = -1;
        size_t i;
        int rc = 1;

        reg =
            mw_registry_new(conf->registry_url, 10000, errstr, sizeof(errstr));
        if (!reg)
                goto out;
        for (i = 0; i < n; i++) {
                snprintf(subject, sizeof(subject), "%s-value", names[i]);
                if (mw_registry_register(reg, subject, mw_codec_schema_json(),
                                         &id, errstr, sizeof(errstr)) ||
                    mw_registry_set_compatibility(reg, subject,
                                                  SUBJECT_COMPATIBILITY, errstr,
                                                  sizeof(errstr)))
                        goto out;
        }
        mw_log_info("create-topics: %zu subjects have the registration schema "
                    "(id %d) and compatibility " SUBJECT_COMPATIBILITY,
                    n, (int)id);
        rc = 0;
out:
        if (rc)
                mw_log_error("%s (registry.url %s: is the schema registry "
                             "running and reachable?)",
                             errstr, conf->registry_url);
        mw_registry_destroy(reg);
        return rc;
}

static int
cmd_create_topics(const struct mw_conf *conf)
{
        char errstr[512], names[MAX_TOPICS][256];
        const struct mw_project *projects;
        rd_kafka_conf_t *kc;
        rd_kafka_t *rk = NULL;
        rd_kafka_NewTopic_t *topics[MAX_TOPICS];
        rd_kafka_queue_t *q = NULL;
        rd_kafka_event_t *ev = NULL;
        const rd_kafka_CreateTopics_result_t *res;
        const rd_kafka_topic_result_t **tres;
        size_t n, i, nt = 0, nres;
        int rc = 1, created = 0, existed = 0, days;
        char retention[24];

        projects = mw_projects(&n, errstr, sizeof(errstr));
        if (!projects) {
                mw_log_error("%s", errstr);
                return 1;
        }
        kc = mw_kafka_conf_new(conf, PROG, NULL, errstr, sizeof(errstr));
        if (!kc) {
                mw_log_error("%s", errstr);
                return 1;
        }
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
        if (!rk) {
                rd_kafka_conf_destroy(kc);
                mw_log_error("%s", errstr);
                return 1;
        }
        for (i = 0; i < n && nt + 1 < MAX_TOPICS; i++) {
                if (mw_conf_topic(conf, projects[i].slug, names[nt++],
                                  sizeof(names[0])) != MW_OK) {
                        mw_log_error("topic.prefix is too long");
                        rd_kafka_destroy(rk);
                        return 1;
                }
        }
        if (!mw_conf_dlq(conf, names[nt++], sizeof(names[0]))) {
                mw_log_error("dead-letter topic name is too long");
                rd_kafka_destroy(rk);
                return 1;
        }
        for (i = 0; i < nt; i++) {
                topics[i] = rd_kafka_NewTopic_new(names[i], conf->partitions,
                                                  conf->replication, errstr,
                                                  sizeof(errstr));
                if (!topics[i]) {
                        mw_log_error("%s: %s", names[i], errstr);
                        nt = i;
                        goto out;
                }
                /* Registrations are kept (-1) unless a retention is set
                 * (docs/security.md, "Retention"): replay from the earliest
                 * offset rebuilds the database only from a topic that kept
                 * every record. The dead-letter topic is the last. */
                days = i + 1 == nt ? conf->dlq_retention_days
                                   : conf->topic_retention_days;
                snprintf(retention, sizeof(retention), "%lld",
                         days < 0 ? -1LL : (long long)days * 86400000LL);
                rd_kafka_NewTopic_set_config(topics[i], "retention.ms",
                                             retention);
                if (conf->replication > 1)
                        rd_kafka_NewTopic_set_config(
                            topics[i], "min.insync.replicas", "2");
        }
        q = rd_kafka_queue_new(rk);
        rd_kafka_CreateTopics(rk, topics, nt, NULL, q);
        ev = rd_kafka_queue_poll(q, 60000);
        if (!ev || rd_kafka_event_error(ev)) {
                mw_log_error("create topics: %s",
                             ev ? rd_kafka_event_error_string(ev)
                                : "timed out");
                goto out;
        }
        res = rd_kafka_event_CreateTopics_result(ev);
        tres = rd_kafka_CreateTopics_result_topics(res, &nres);
        rc = 0;
        for (i = 0; i < nres; i++) {
                rd_kafka_resp_err_t err = rd_kafka_topic_result_error(tres[i]);

                if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                        existed++;
                } else if (err) {
                        mw_log_error(
                            "topic=%s: %s", rd_kafka_topic_result_name(tres[i]),
                            rd_kafka_topic_result_error_string(tres[i]));
                        rc = 1;
                } else {
                        created++;
                }
        }
        mw_log_info("create-topics: %d created, %d already existed "
                    "(%d partitions, replication %d, retention days: topics "
                    "%d, dead letters %d; -1 keeps every record)",
                    created, existed, conf->partitions, conf->replication,
                    conf->topic_retention_days, conf->dlq_retention_days);
        /* the project topics, not the dead-letter topic (raw bytes) */
        if (rc == 0)
                rc = subject_rules(conf, names, nt - 1);
out:
        if (ev)
                rd_kafka_event_destroy(ev);
        if (q)
                rd_kafka_queue_destroy(q);
        for (i = 0; i < nt; i++)
                rd_kafka_NewTopic_destroy(topics[i]);
        rd_kafka_destroy(rk);
        return rc;
}

/* ---- replay -------------------------------------------------------- */

static volatile pid_t replay_child;

static void
on_signal(int sig)
{
        if (replay_child > 0)
                kill(replay_child, sig);
}

/* Migrated, and holding no event and no stored offset. */
static int
fresh_database(const struct mw_conf *conf)
{
        char errstr[1024];
        PGconn *pg;
        PGresult *res;
        int rc = 1;

        if (cmd_migrate(conf) != 0)
                return 1;
        pg = mw_pg_connect(conf->pg_conninfo, PROG, errstr, sizeof(errstr));
        if (!pg) {
                mw_log_error("replay: %s", errstr);
                return 1;
        }
        res = PQexec(pg, "SELECT (SELECT count(*) FROM event), "
                         "(SELECT count(*) FROM kafka_offset)");
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                mw_log_error("replay: %s", PQerrorMessage(pg));
        else if (strcmp(PQgetvalue(res, 0, 0), "0") != 0 ||
                 strcmp(PQgetvalue(res, 0, 1), "0") != 0)
                mw_log_error("replay: the database already holds %s events "
                             "and %s stored offsets; replay into a fresh one "
                             "(createdb NAME, then -d 'dbname=NAME ...')",
                             PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
        else
                rc = 0;
        PQclear(res);
        PQfinish(pg);
        return rc;
}

/* midway-consumer beside this program, else the one on PATH. */
static void
consumer_path(char *path, size_t size)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

        if (n > 0) {
                self[n] = '\0';
                snprintf(path, size, "%s/midway-consumer", dirname(self));
                if (access(path, X_OK) == 0)
                        return;
        }
        snprintf(path, size, "midway-consumer");
}

/* Runs midway-consumer with this run's options (argv[1..first)), a group
 * of its own and --exit-at-end; its exit status, or -1. */
static int
run_consumer(char **argv, int first, const char *group)
{
        char path[PATH_MAX + 32];
        char *args[MAX_ARGS + 8];
        int i, n = 0, status, err;
        pid_t pid;

        consumer_path(path, sizeof(path));
        args[n++] = path;
        for (i = 1; i < first && n < MAX_ARGS; i++)
                args[n++] = argv[i];
        args[n++] = "-g";
        args[n++] = (char *)group;
        args[n++] = "--exit-at-end";
        args[n] = NULL;
        mw_cli_signals(on_signal);
        err = posix_spawnp(&pid, path, NULL, NULL, args, environ);
        if (err) {
                mw_log_error("replay: cannot run %s: %s", path, strerror(err));
                return -1;
        }
        replay_child = pid;
        while (waitpid(pid, &status, 0) < 0)
                ;
        replay_child = 0;
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        mw_log_error("replay: midway-consumer ended by signal %d",
                     WTERMSIG(status));
        return -1;
}

static int
cmd_replay(const struct mw_conf *conf, char **argv, int first)
{
        char group[256], when[32];
        time_t now = time(NULL);
        struct tm tm;
        int rc;

        if (fresh_database(conf) != 0)
                return 1;
        gmtime_r(&now, &tm);
        strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
        snprintf(group, sizeof(group), "%.200s-replay-%s", conf->group_id,
                 when);
        mw_log_info("replay: group %s, every partition of the topics to its "
                    "end offset",
                    group);
        rc = run_consumer(argv, first, group);
        if (rc != 0) {
                mw_log_error("replay: midway-consumer failed (exit %d): the "
                             "database is incomplete; see its messages above",
                             rc);
                return 1;
        }
        if (cmd_verify(conf, 0) != 0)
                return 1;
        mw_log_info("replay: complete; to go on consuming into this database "
                    "use -g %s (its offsets are stored under that group)",
                    group);
        return 0;
}

int
main(int argc, char **argv)
{
        struct mw_conf conf;
        char errstr[512];
        enum mw_cli_rc cli_rc;
        const char *cmd;
        int first = 0, rc;

        cli_rc = mw_cli_start(&cli, argc, argv, &conf, NULL, NULL, 1, 1, &first,
                              errstr, sizeof(errstr));
        cmd = cli_rc == MW_CLI_RUN ? argv[first] : "";
        if (strcmp(cmd, "migrate") == 0) {
                rc = cmd_migrate(&conf);
        } else if (strcmp(cmd, "verify") == 0) {
                rc = cmd_verify(&conf, 0);
        } else if (strcmp(cmd, "rebuild") == 0) {
                rc = cmd_verify(&conf, 1);
        } else if (strcmp(cmd, "check-sql") == 0) {
                rc = cmd_check_sql(&conf);
        } else if (strcmp(cmd, "create-topics") == 0) {
                rc = cmd_create_topics(&conf);
        } else if (strcmp(cmd, "check") == 0) {
                rc = mw_admin_check(&conf);
        } else if (strcmp(cmd, "replay") == 0) {
                rc = cmd_replay(&conf, argv, first);
        } else if (strcmp(cmd, "expire") == 0) {
                rc = cmd_expire(&conf);
        } else {
                if (cli_rc == MW_CLI_RUN) {
                        snprintf(errstr, sizeof(errstr), "unknown command '%s'",
                                 cmd);
                        cli_rc = MW_CLI_BAD;
                }
                rc = mw_cli_exit(&cli, cli_rc, errstr, stdout, stderr);
        }
        mw_conf_release(&conf);
        return rc;
}
