/* midway: configuration shared by the programs.
 *
 * One table (mw_conf_props()) drives parsing, --help and
 * docs/configuration.md. Precedence, lowest first: defaults, a config file
 * (key=value lines, '#' comments), MW_* environment variables (the key in
 * upper case with '.' and '-' as '_', e.g. MW_BROKERS), then command-line
 * flags. Keys starting with "kafka." are passed verbatim (without the
 * prefix) to librdkafka, like kcat's -X. PostgreSQL takes one libpq
 * conninfo; an empty one means libpq's defaults and PG* variables.
 *
 * Property names: brokers, registry.url, pg.conninfo, topic.prefix,
 * dlq.topic, group.id, producer.id, batch.rows, batch.ms,
 * topic.partitions, topic.replication, topic.retention.days,
 * dlq.retention.days, metrics.listen, kafka.<librdkafka property>. */
#ifndef MIDWAY_CONF_H
#define MIDWAY_CONF_H

#include <stddef.h>

#include "midway/err.h"

#define MW_CONF_MAX_KAFKA 64
#define MW_CONF_MAX_PROPS 32

struct mw_conf {
        char *brokers;      /* owned */
        char *registry_url; /* owned */
        char *pg_conninfo;  /* owned */
        char *topic_prefix; /* owned */
        char *dlq_topic;    /* owned; "" = <prefix>.deadletter */
        char *group_id;     /* owned */
        char *producer_id;  /* owned; "" = hostname */
        char *metrics_addr; /* owned; "" = no metrics listener */
        int batch_size;
        int batch_ms;
        int broker_wait_ms;
        int auth_wait_ms;
        int partitions;
        int replication;
        int topic_retention_days; /* -1: keep every record */
        int dlq_retention_days;   /* -1: keep every record */
        size_t n_kafka;
        char *kafka_key[MW_CONF_MAX_KAFKA]; /* owned */
        char *kafka_val[MW_CONF_MAX_KAFKA]; /* owned */
        /* Where each value came from (internal): a value is only replaced
         * by one of equal or higher precedence, so the order in which a
         * file, the environment and flags are applied does not matter. */
        unsigned char source[MW_CONF_MAX_PROPS];
        unsigned char kafka_source[MW_CONF_MAX_KAFKA];
};

enum mw_conf_type { MW_CONF_STR, MW_CONF_INT };

struct mw_conf_prop {
        const char *name;
        enum mw_conf_type type;
        size_t offset; /* offsetof(struct mw_conf, field) */
        int min, max;  /* MW_CONF_INT only */
        const char *def;
        const char *doc;
};

/* The property table, for --help and docs. */
const struct mw_conf_prop *mw_conf_props(size_t *n);

/* Sets defaults. Release with mw_conf_release(). */
mw_err_t mw_conf_init(struct mw_conf *conf);
void mw_conf_release(struct mw_conf *conf);

/* Sets one property by name ("kafka.<x>" → passthrough). Unknown names and
 * out-of-range or non-numeric integers are MW_ERR_INVALID. */
mw_err_t mw_conf_set(struct mw_conf *conf, const char *name, const char *value,
                     char *errstr, size_t errstr_size);
/* "name=value" form, as in a config file line; same rules as
 * mw_conf_set(). Programs implement -X k=v as mw_conf_set("kafka.k", v). */
mw_err_t mw_conf_set_kv(struct mw_conf *conf, const char *kv, char *errstr,
                        size_t errstr_size);
/* Errors name "path:line". */
mw_err_t mw_conf_load_file(struct mw_conf *conf, const char *path, char *errstr,
                           size_t errstr_size);
/* A variable of env (an environ-style array) that starts with MW_ and is
 * no property's variable but within two letters of one: probably a typo,
 * which would otherwise be ignored without a word. Fills at most max
 * entries of out and returns how many. */
struct mw_conf_typo {
        char name[64]; /* e.g. MW_BROKER */
        char hint[64]; /* the nearest property variable: MW_BROKERS */
};
size_t mw_conf_env_typos(char *const *env, struct mw_conf_typo *out,
                         size_t max);
mw_err_t mw_conf_load_env(struct mw_conf *conf, char *errstr,
                          size_t errstr_size);

/* The command-line flags every program shares (kcat and psql habits):
 *   -b BROKERS, -d CONNINFO, -r REGISTRY_URL, -g GROUP, -c FILE (config
 *   file), -X KEY=VALUE (a librdkafka property), -o NAME=VALUE (a midway
 *   property).
 * MW_CONF_FLAGS is their getopt(3) spec. mw_conf_flag() applies one flag
 * getopt returned: MW_OK if it was a shared flag, MW_ERR_NOTFOUND if it is
 * not one of them (the program handles it), else the error. */
#define MW_CONF_FLAGS "b:d:r:g:c:X:o:"
mw_err_t mw_conf_flag(struct mw_conf *conf, int flag, const char *arg,
                      char *errstr, size_t errstr_size);

/* Name of a project's topic: "<prefix>.registrations.<slug>". */
mw_err_t mw_conf_topic(const struct mw_conf *conf, const char *slug, char *out,
                       size_t out_size);
/* The dead-letter topic name. */
const char *mw_conf_dlq(const struct mw_conf *conf, char *out, size_t out_size);

#endif
