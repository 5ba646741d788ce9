/* Unit tests: lib/core/conf.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "midway/conf.h"

static const char *const env_vars[] = {
    "MW_BROKERS",          "MW_REGISTRY_URL",      "MW_PG_CONNINFO",
    "MW_TOPIC_PREFIX",     "MW_DLQ_TOPIC",         "MW_GROUP_ID",
    "MW_PRODUCER_ID",      "MW_BATCH_ROWS",        "MW_BATCH_MS",
    "MW_TOPIC_PARTITIONS", "MW_TOPIC_REPLICATION",
};

static void
clear_env(void)
{
        size_t i;

        for (i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
                unsetenv(env_vars[i]);
}

static int
conf_setup(void **state)
{
        struct mw_conf *conf = malloc(sizeof(*conf));

        if (!conf || mw_conf_init(conf)) {
                free(conf);
                return -1;
        }
        clear_env();
        *state = conf;
        return 0;
}

static int
conf_teardown(void **state)
{
        struct mw_conf *conf = *state;

        mw_conf_release(conf);
        free(conf);
        clear_env();
        return 0;
}

static void
test_defaults(void **state)
{
        struct mw_conf *conf = *state;

        assert_string_equal(conf->brokers, "127.0.0.1:19092");
        assert_string_equal(conf->registry_url,
                            "http://127.0.0.1:18081/apis/ccompat/v7");
        assert_string_equal(conf->pg_conninfo, "");
        assert_string_equal(conf->topic_prefix, "midway");
        assert_string_equal(conf->dlq_topic, "");
        assert_string_equal(conf->group_id, "midway-consumer");
        assert_string_equal(conf->producer_id, "");
        assert_string_equal(conf->metrics_addr, ""); /* no listener */
        assert_int_equal(conf->batch_size, 5000);
        assert_int_equal(conf->batch_ms, 200);
        assert_int_equal(conf->broker_wait_ms, 60000);
        assert_int_equal(conf->auth_wait_ms, 0);
        assert_int_equal(conf->partitions, 3);
        assert_int_equal(conf->replication, 1);
        assert_int_equal(conf->n_kafka, 0);
}

/* The table is complete and consistent: every default is accepted by
 * mw_conf_set(), and each entry has a doc string and an env name. */
static void
test_props_table(void **state)
{
        struct mw_conf *conf = *state;
        const struct mw_conf_prop *props;
        char errstr[256];
        size_t i, n = 0;

        props = mw_conf_props(&n);
        assert_int_equal(n, 16);
        assert_non_null(mw_conf_props(NULL));
        for (i = 0; i < n; i++) {
                assert_non_null(props[i].name);
                assert_non_null(props[i].def);
                assert_true(props[i].doc && props[i].doc[0]);
                if (mw_conf_set(conf, props[i].name, props[i].def, errstr,
                                sizeof(errstr)))
                        fail_msg("default of %s: %s", props[i].name, errstr);
                if (props[i].type == MW_CONF_INT)
                        assert_true(props[i].min <= props[i].max);
        }
        assert_string_equal(props[7].name, "batch.rows");
        assert_int_equal(props[7].min, 1);
        assert_int_equal(props[7].max, 1000000);
}

static void
test_set(void **state)
{
        struct mw_conf *conf = *state;
        char errstr[256];

        assert_int_equal(mw_conf_set(conf, "brokers", "k1:9092,k2:9092", errstr,
                                     sizeof(errstr)),
                         MW_OK);
        assert_string_equal(conf->brokers, "k1:9092,k2:9092");
        assert_int_equal(mw_conf_set(conf, "pg.conninfo",
                                     "host=/tmp port=5433 dbname=midway",
                                     errstr, sizeof(errstr)),
                         MW_OK);
        assert_string_equal(conf->pg_conninfo,
                            "host=/tmp port=5433 dbname=midway");
        assert_int_equal(
            mw_conf_set(conf, "batch.rows", "1000000", errstr, sizeof(errstr)),
            MW_OK);
        assert_int_equal(conf->batch_size, 1000000);
        assert_int_equal(
            mw_conf_set(conf, "batch.ms", "1", errstr, sizeof(errstr)), MW_OK);
        assert_int_equal(conf->batch_ms, 1);
        assert_int_equal(mw_conf_set(conf, "topic.partitions", "+12", errstr,
                                     sizeof(errstr)),
                         MW_OK);
        assert_int_equal(conf->partitions, 12);
        assert_int_equal(mw_conf_set(conf, "topic.replication", "10", errstr,
                                     sizeof(errstr)),
                         MW_OK);
        assert_int_equal(conf->replication, 10);
        /* strings may be empty */
        assert_int_equal(
            mw_conf_set(conf, "group.id", "", errstr, sizeof(errstr)), MW_OK);
        assert_string_equal(conf->group_id, "");

        assert_int_equal(
            mw_conf_set(conf, "no.such", "1", errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        assert_string_equal(errstr, "unknown property \"no.such\"");
        assert_int_equal(mw_conf_set(conf, "Brokers", "x", NULL, 0),
                         MW_ERR_INVALID);
        assert_int_equal(mw_conf_set(conf, "brokers", NULL, NULL, 0),
                         MW_ERR_INVALID);
        assert_int_equal(mw_conf_set(conf, NULL, "x", NULL, 0), MW_ERR_INVALID);
}

struct int_case {
        const char *name;
        const char *value;
        const char *msg; /* NULL: accepted */
};

static const struct int_case int_cases[] = {
    {"batch.rows", "1", NULL},
    {"batch.rows", "0001", NULL},
    {"batch.rows", "-0", "batch.rows: -0 is out of range (1..1000000)"},
    {"batch.rows", "0", "batch.rows: 0 is out of range (1..1000000)"},
    {"batch.rows", "1000001",
     "batch.rows: 1000001 is out of range (1..1000000)"},
    {"batch.rows", "-5", "batch.rows: -5 is out of range (1..1000000)"},
    {"batch.rows", "99999999999999999999",
     "batch.rows: 99999999999999999999 is out of range (1..1000000)"},
    {"batch.rows", "", "batch.rows: expected an integer (1..1000000)"},
    {"batch.rows", " 5", "batch.rows: expected an integer (1..1000000)"},
    {"batch.rows", "5 ", "batch.rows: expected an integer (1..1000000)"},
    {"batch.rows", "5x", "batch.rows: expected an integer (1..1000000)"},
    {"batch.rows", "0x10", "batch.rows: expected an integer (1..1000000)"},
    {"batch.rows", "1e3", "batch.rows: expected an integer (1..1000000)"},
    {"batch.rows", "1.5", "batch.rows: expected an integer (1..1000000)"},
    {"batch.rows", "+", "batch.rows: expected an integer (1..1000000)"},
    {"batch.rows", "-", "batch.rows: expected an integer (1..1000000)"},
    {"batch.rows", "+-1", "batch.rows: expected an integer (1..1000000)"},
    {"batch.rows", "abc", "batch.rows: expected an integer (1..1000000)"},
    {"batch.ms", "600000", NULL},
    {"batch.ms", "600001", "batch.ms: 600001 is out of range (1..600000)"},
    {"broker.wait.ms", "999",
     "broker.wait.ms: 999 is out of range (1000..86400000)"},
    {"topic.partitions", "1000", NULL},
    {"topic.partitions", "1001",
     "topic.partitions: 1001 is out of range (1..1000)"},
    {"topic.replication", "11",
     "topic.replication: 11 is out of range (1..10)"},
    {"topic.replication", "0", "topic.replication: 0 is out of range (1..10)"},
};

static void
test_ints(void **state)
{
        struct mw_conf *conf = *state;
        char errstr[256];
        size_t i;
        mw_err_t err;

        for (i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
                const struct int_case *c = &int_cases[i];

                errstr[0] = '\0';
                mw_conf_set(conf, "batch.rows", "77", NULL, 0);
                mw_conf_set(conf, "batch.ms", "77", NULL, 0);
                err = mw_conf_set(conf, c->name, c->value, errstr,
                                  sizeof(errstr));
                if (!c->msg) {
                        if (err)
                                fail_msg("%s=%s: %s", c->name, c->value,
                                         errstr);
                        continue;
                }
                if (err != MW_ERR_INVALID)
                        fail_msg("%s=\"%s\" was accepted", c->name, c->value);
                if (strcmp(errstr, c->msg) != 0)
                        fail_msg("%s=\"%s\": \"%s\", want \"%s\"", c->name,
                                 c->value, errstr, c->msg);
                /* a refused value leaves the old one */
                assert_int_equal(conf->batch_size, 77);
                assert_int_equal(conf->batch_ms, 77);
        }
}

static void
test_set_kv(void **state)
{
        struct mw_conf *conf = *state;
        char errstr[256];

        assert_int_equal(
            mw_conf_set_kv(conf, "group.id=g1", errstr, sizeof(errstr)), MW_OK);
        assert_string_equal(conf->group_id, "g1");
        assert_int_equal(
            mw_conf_set_kv(conf, "  batch.ms =  250 ", errstr, sizeof(errstr)),
            MW_OK);
        assert_int_equal(conf->batch_ms, 250);
        /* only the first '=' splits */
        assert_int_equal(mw_conf_set_kv(conf,
                                        "pg.conninfo=host=db password=a=b",
                                        errstr, sizeof(errstr)),
                         MW_OK);
        assert_string_equal(conf->pg_conninfo, "host=db password=a=b");
        assert_int_equal(
            mw_conf_set_kv(conf, "brokers=", errstr, sizeof(errstr)), MW_OK);
        assert_string_equal(conf->brokers, "");

        assert_int_equal(
            mw_conf_set_kv(conf, "brokers", errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        assert_string_equal(errstr, "expected name=value");
        assert_int_equal(mw_conf_set_kv(conf, " = x", errstr, sizeof(errstr)),
                         MW_ERR_INVALID);
        assert_string_equal(errstr, "expected name=value, the name is missing");
        assert_int_equal(mw_conf_set_kv(conf, NULL, NULL, 0), MW_ERR_INVALID);
}

/* String values never appear in messages (pg.conninfo holds passwords). */
static void
test_messages_hide_strings(void **state)
{
        struct mw_conf *conf = *state;
        char errstr[256];
        int i;

        assert_int_equal(
            mw_conf_set(conf, "kafka.", "s3cret", errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        assert_null(strstr(errstr, "s3cret"));
        for (i = 0; i < MW_CONF_MAX_KAFKA; i++) {
                char key[32];

                snprintf(key, sizeof(key), "kafka.k%d", i);
                assert_int_equal(mw_conf_set(conf, key, "v", NULL, 0), MW_OK);
        }
        assert_int_equal(mw_conf_set(conf, "kafka.sasl.password", "s3cret",
                                     errstr, sizeof(errstr)),
                         MW_ERR_TOOBIG);
        assert_null(strstr(errstr, "s3cret"));
}

static void
test_kafka_passthrough(void **state)
{
        struct mw_conf *conf = *state;
        char errstr[256];
        char key[32];
        int i;

        assert_int_equal(
            mw_conf_set(conf, "kafka.linger.ms", "5", errstr, sizeof(errstr)),
            MW_OK);
        assert_int_equal(
            mw_conf_set_kv(conf, "kafka.acks = all", errstr, sizeof(errstr)),
            MW_OK);
        assert_int_equal(conf->n_kafka, 2);
        assert_string_equal(conf->kafka_key[0], "linger.ms");
        assert_string_equal(conf->kafka_val[0], "5");
        assert_string_equal(conf->kafka_key[1], "acks");
        assert_string_equal(conf->kafka_val[1], "all");
        /* last one wins, in place */
        assert_int_equal(
            mw_conf_set(conf, "kafka.linger.ms", "50", errstr, sizeof(errstr)),
            MW_OK);
        assert_int_equal(conf->n_kafka, 2);
        assert_string_equal(conf->kafka_val[0], "50");
        /* values are not checked here: librdkafka does that */
        assert_int_equal(
            mw_conf_set(conf, "kafka.whatever", "", errstr, sizeof(errstr)),
            MW_OK);
        assert_int_equal(conf->n_kafka, 3);
        assert_int_equal(
            mw_conf_set(conf, "kafka.", "x", errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        /* "kafka" without a dot is just unknown */
        assert_int_equal(
            mw_conf_set(conf, "kafka", "x", errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        /* the cap */
        for (i = 3; i < MW_CONF_MAX_KAFKA; i++) {
                snprintf(key, sizeof(key), "kafka.p%d", i);
                assert_int_equal(
                    mw_conf_set(conf, key, "1", errstr, sizeof(errstr)), MW_OK);
        }
        assert_int_equal(conf->n_kafka, MW_CONF_MAX_KAFKA);
        assert_int_equal(
            mw_conf_set(conf, "kafka.one.more", "1", errstr, sizeof(errstr)),
            MW_ERR_TOOBIG);
        assert_string_equal(errstr,
                            "kafka.one.more: more than 64 kafka.* properties");
        /* replacing an existing key still works at the cap */
        assert_int_equal(
            mw_conf_set(conf, "kafka.acks", "1", errstr, sizeof(errstr)),
            MW_OK);
        assert_string_equal(conf->kafka_val[1], "1");
}

/* ---- config files */

static void
write_file(const char *path, const char *text)
{
        FILE *fp = fopen(path, "w");

        assert_non_null(fp);
        assert_int_equal(fputs(text, fp) >= 0, 1);
        assert_int_equal(fclose(fp), 0);
}

static void
test_load_file(void **state)
{
        struct mw_conf *conf = *state;
        char dir[] = "/tmp/mw_test_conf.XXXXXX";
        char path[64];
        char errstr[256];
        char want[256];

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/midway.conf", dir);

        write_file(path, "\xEF\xBB\xBF# midway test config\n"
                         "\n"
                         "brokers = k1:9092\r\n"
                         "   # indented comment\n"
                         "\t\n"
                         "topic.prefix=test\n"
                         "pg.conninfo=dbname=x password=a#b\n"
                         "kafka.acks=all\n"
                         "batch.rows=10");
        assert_int_equal(mw_conf_load_file(conf, path, errstr, sizeof(errstr)),
                         MW_OK);
        assert_string_equal(conf->brokers, "k1:9092");
        assert_string_equal(conf->topic_prefix, "test");
        assert_string_equal(conf->pg_conninfo, "dbname=x password=a#b");
        assert_int_equal(conf->batch_size, 10);
        assert_int_equal(conf->n_kafka, 1);

        write_file(path, "brokers=a\n# c\n\nbatch.rows=zero\nbrokers=b\n");
        assert_int_equal(mw_conf_load_file(conf, path, errstr, sizeof(errstr)),
                         MW_ERR_INVALID);
        snprintf(want, sizeof(want),
                 "%s:4: batch.rows: expected an integer (1..1000000)", path);
        assert_string_equal(errstr, want);
        assert_string_equal(conf->brokers, "a"); /* line 1 was applied */

        write_file(path, "brokers=a\nthis is not a setting\n");
        assert_int_equal(mw_conf_load_file(conf, path, errstr, sizeof(errstr)),
                         MW_ERR_INVALID);
        snprintf(want, sizeof(want), "%s:2: expected name=value", path);
        assert_string_equal(errstr, want);

        write_file(path, "\n\n\nbrokerz=a\n");
        assert_int_equal(mw_conf_load_file(conf, path, errstr, sizeof(errstr)),
                         MW_ERR_INVALID);
        snprintf(want, sizeof(want), "%s:4: unknown property \"brokerz\"",
                 path);
        assert_string_equal(errstr, want);

        write_file(path, "topic.replication=11\n");
        assert_int_equal(mw_conf_load_file(conf, path, errstr, sizeof(errstr)),
                         MW_ERR_INVALID);
        snprintf(want, sizeof(want),
                 "%s:1: topic.replication: 11 is out of range (1..10)", path);
        assert_string_equal(errstr, want);

        write_file(path, "");
        assert_int_equal(mw_conf_load_file(conf, path, errstr, sizeof(errstr)),
                         MW_OK);

        assert_int_equal(unlink(path), 0);
        assert_int_equal(mw_conf_load_file(conf, path, errstr, sizeof(errstr)),
                         MW_ERR_NOTFOUND);
        snprintf(want, sizeof(want),
                 "cannot read configuration file %s: No such file or "
                 "directory",
                 path);
        assert_string_equal(errstr, want);
        assert_int_equal(rmdir(dir), 0);
}

/* defaults < file < environment */
static void
test_env_precedence(void **state)
{
        struct mw_conf *conf = *state;
        char dir[] = "/tmp/mw_test_conf.XXXXXX";
        char path[64];
        char errstr[256];

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/midway.conf", dir);
        write_file(path, "brokers=file:1\ngroup.id=file-group\n"
                         "batch.rows=10\nregistry.url=http://file\n");
        setenv("MW_BROKERS", "env:1", 1);
        setenv("MW_BATCH_ROWS", "20", 1);
        setenv("MW_PG_CONNINFO", "service=midway", 1);
        setenv("MW_TOPIC_PREFIX", "envprefix", 1);
        setenv("MW_REGISTRY_URL", "http://env", 1);
        setenv("MW_TOPIC_REPLICATION", "3", 1);
        /* lowercase or dotted names are not ours */
        setenv("mw_group_id", "nope", 1);
        setenv("MW_GROUP.ID", "nope", 1);

        assert_int_equal(mw_conf_load_file(conf, path, errstr, sizeof(errstr)),
                         MW_OK);
        assert_int_equal(mw_conf_load_env(conf, errstr, sizeof(errstr)), MW_OK);
        assert_string_equal(conf->brokers, "env:1");
        assert_string_equal(conf->group_id, "file-group");
        assert_int_equal(conf->batch_size, 20);
        assert_string_equal(conf->pg_conninfo, "service=midway");
        assert_string_equal(conf->topic_prefix, "envprefix");
        assert_string_equal(conf->registry_url, "http://env");
        assert_int_equal(conf->replication, 3);
        assert_int_equal(conf->batch_ms, 200);

        /* a set but empty variable counts as set */
        setenv("MW_DLQ_TOPIC", "", 1);
        setenv("MW_PRODUCER_ID", "", 1);
        assert_int_equal(mw_conf_load_env(conf, errstr, sizeof(errstr)), MW_OK);
        assert_string_equal(conf->dlq_topic, "");

        setenv("MW_BATCH_MS", "fast", 1);
        assert_int_equal(mw_conf_load_env(conf, errstr, sizeof(errstr)),
                         MW_ERR_INVALID);
        assert_string_equal(errstr, "MW_BATCH_MS: batch.ms: expected an "
                                    "integer (1..600000)");
        unsetenv("mw_group_id");
        unsetenv("MW_GROUP.ID");
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

/* Precedence does not depend on the order of application: a file read
 * after the environment or after a flag does not override them. */
static void
test_precedence_any_order(void **state)
{
        struct mw_conf *conf = *state;
        char dir[] = "/tmp/mw_test_conf.XXXXXX";
        char path[64];
        char errstr[256];

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/midway.conf", dir);
        write_file(path, "brokers=file:1\ngroup.id=file-group\n"
                         "batch.ms=111\nkafka.linger.ms=5\n"
                         "kafka.acks=1\n");
        setenv("MW_BATCH_MS", "222", 1);
        assert_int_equal(mw_conf_load_env(conf, errstr, sizeof(errstr)), MW_OK);
        assert_int_equal(
            mw_conf_flag(conf, 'b', "flag:1", errstr, sizeof(errstr)), MW_OK);
        assert_int_equal(
            mw_conf_flag(conf, 'X', "linger.ms=50", errstr, sizeof(errstr)),
            MW_OK);
        /* -c after -b, -X and the environment */
        assert_int_equal(mw_conf_flag(conf, 'c', path, errstr, sizeof(errstr)),
                         MW_OK);
        assert_string_equal(conf->brokers, "flag:1");
        assert_int_equal(conf->batch_ms, 222);
        assert_string_equal(conf->group_id, "file-group");
        assert_int_equal(conf->n_kafka, 2);
        assert_string_equal(conf->kafka_key[0], "linger.ms");
        assert_string_equal(conf->kafka_val[0], "50");
        assert_string_equal(conf->kafka_key[1], "acks");
        assert_string_equal(conf->kafka_val[1], "1");
        /* a later flag still wins over an earlier one */
        assert_int_equal(
            mw_conf_flag(conf, 'b', "flag:2", errstr, sizeof(errstr)), MW_OK);
        assert_string_equal(conf->brokers, "flag:2");
        unsetenv("MW_BATCH_MS");
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void
test_topics(void **state)
{
        struct mw_conf *conf = *state;
        char out[256];
        char tiny[16];
        char slug[300];

        assert_int_equal(mw_conf_topic(conf, "aalborg", out, sizeof(out)),
                         MW_OK);
        assert_string_equal(out, "midway.registrations.aalborg");
        assert_int_equal(mw_conf_set(conf, "topic.prefix", "test-1", NULL, 0),
                         MW_OK);
        assert_int_equal(mw_conf_topic(conf, "koege_2", out, sizeof(out)),
                         MW_OK);
        assert_string_equal(out, "test-1.registrations.koege_2");

        assert_int_equal(mw_conf_topic(conf, "", out, sizeof(out)),
                         MW_ERR_INVALID);
        assert_int_equal(mw_conf_topic(conf, NULL, out, sizeof(out)),
                         MW_ERR_INVALID);
        assert_int_equal(mw_conf_topic(conf, "køge", out, sizeof(out)),
                         MW_ERR_INVALID);
        assert_int_equal(mw_conf_topic(conf, "a/b", out, sizeof(out)),
                         MW_ERR_INVALID);
        assert_string_equal(out, "");
        assert_int_equal(mw_conf_topic(conf, "aalborg", tiny, sizeof(tiny)),
                         MW_ERR_TOOBIG);
        assert_string_equal(tiny, "");
        memset(slug, 'a', sizeof(slug) - 1);
        slug[sizeof(slug) - 1] = '\0';
        assert_int_equal(mw_conf_topic(conf, slug, out, sizeof(out)),
                         MW_ERR_TOOBIG);
        assert_int_equal(mw_conf_set(conf, "topic.prefix", "", NULL, 0), MW_OK);
        assert_int_equal(mw_conf_topic(conf, "aalborg", out, sizeof(out)),
                         MW_ERR_INVALID);

        /* dead-letter topic */
        assert_int_equal(mw_conf_set(conf, "topic.prefix", "midway", NULL, 0),
                         MW_OK);
        assert_ptr_equal(mw_conf_dlq(conf, out, sizeof(out)), out);
        assert_string_equal(out, "midway.deadletter");
        assert_null(mw_conf_dlq(conf, tiny, 5));
        assert_string_equal(tiny, "");
        assert_int_equal(mw_conf_set(conf, "dlq.topic", "ops.dlq", NULL, 0),
                         MW_OK);
        assert_string_equal(mw_conf_dlq(conf, out, sizeof(out)), "ops.dlq");
        assert_null(mw_conf_dlq(conf, out, 0));
}

/* Release is safe twice and on a conf whose init failed (zeroed). */
static void
test_release(void **state)
{
        struct mw_conf conf;

        (void)state;
        assert_int_equal(mw_conf_init(&conf), MW_OK);
        assert_int_equal(mw_conf_set(&conf, "kafka.acks", "all", NULL, 0),
                         MW_OK);
        mw_conf_release(&conf);
        assert_null(conf.brokers);
        assert_int_equal(conf.n_kafka, 0);
        mw_conf_release(&conf);
        memset(&conf, 0, sizeof(conf));
        mw_conf_release(&conf);
}

/* A misspelt MW_ variable is named with its nearest property; a
 * property's own variable and the scripts' far-off ones are not. */
static void
test_env_typos(void **state)
{
        char *env[] = {"MW_BROKER=kafka:9092", "MW_BROKERS=kafka:9092",
                       "MW_STACK_DIR=/tmp/s",  "MW_PG_CONNINF=host=x",
                       "MW_GRUOP_ID=g",        "PATH=/bin",
                       "MW_REGISTRY_PORT=1",   NULL};
        struct mw_conf_typo t[8];
        size_t n;

        (void)state;
        n = mw_conf_env_typos(env, t, 8);
        assert_int_equal(n, 3);
        assert_string_equal(t[0].name, "MW_BROKER");
        assert_string_equal(t[0].hint, "MW_BROKERS");
        assert_string_equal(t[1].name, "MW_PG_CONNINF");
        assert_string_equal(t[1].hint, "MW_PG_CONNINFO");
        assert_string_equal(t[2].name, "MW_GRUOP_ID");
        assert_string_equal(t[2].hint, "MW_GROUP_ID");
        assert_int_equal(mw_conf_env_typos(env, t, 1), 1);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, conf_setup, conf_teardown)
        const struct CMUnitTest tests[] = {
            T(test_defaults),
            T(test_props_table),
            T(test_set),
            T(test_ints),
            T(test_set_kv),
            T(test_messages_hide_strings),
            T(test_kafka_passthrough),
            T(test_load_file),
            T(test_env_precedence),
            T(test_precedence_any_order),
            T(test_topics),
            cmocka_unit_test(test_release),
            cmocka_unit_test(test_env_typos),
        };
#undef T

        return cmocka_run_group_tests(tests, NULL, NULL);
}
