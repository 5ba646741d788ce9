/* midway: configuration.
 *
 * One table, props[], drives defaults, parsing, range checks, the
 * environment variable names and the documentation. Every string field of
 * struct mw_conf is owned by the struct and replaced (old value freed) on
 * each set.
 *
 * Messages may quote property names and integer values, but never a string
 * value: pg.conninfo and kafka.sasl.password hold secrets.
 *
 * The file reader (mw_conf_load_file(), 55 lines) is ours and not inih
 * (libinih-dev), on purpose (2026, issue 12): inih 55 as Debian builds it
 * reads another format. Tried on five files: it cuts a value at " ;"
 * (kafka.sasl.password = ab ;cd gave "ab", no error), takes an indented
 * line as a continuation of the previous value (brokers became a second
 * "indented=2"), accepts "name: value" and "[section]" lines we refuse,
 * hands the first 200 bytes of a longer line over as its value and
 * reports the rest as an error of the next line, and goes on after an
 * error. Its handler is told no line number, so our "file:line: why"
 * messages would need state of their own besides. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/conf.h"
#include "midway/csv.h"

#define KAFKA_PREFIX     "kafka."
#define KAFKA_PREFIX_LEN (sizeof(KAFKA_PREFIX) - 1)
#define LINE_MAX_BYTES   65536 /* cap on one config file line */
#define TOPIC_MAX        249   /* Kafka's limit on a topic name */

#define STR(name, field, def, doc)                                             \
        {                                                                      \
                name, MW_CONF_STR, offsetof(struct mw_conf, field), 0, 0, def, \
                    doc                                                        \
        }
#define INT(name, field, min, max, def, doc)                                   \
        {                                                                      \
                name, MW_CONF_INT, offsetof(struct mw_conf, field), min, max,  \
                    def, doc                                                   \
        }

static const struct mw_conf_prop props[] = {
    STR("brokers", brokers, "127.0.0.1:19092",
        "Kafka bootstrap servers, host:port[,host:port...]"),
    STR("registry.url", registry_url, "http://127.0.0.1:18081/apis/ccompat/v7",
        "Base URL of the Confluent-compatible schema registry"),
    STR("pg.conninfo", pg_conninfo, "",
        "libpq connection string; empty means libpq's defaults and the "
        "PG* environment variables"),
    STR("topic.prefix", topic_prefix, "midway",
        "Prefix of every topic: <prefix>.registrations.<project slug>"),
    STR("dlq.topic", dlq_topic, "",
        "Dead-letter topic; empty means <topic.prefix>.deadletter"),
    STR("group.id", group_id, "midway-consumer",
        "Kafka consumer group of the consumer"),
    STR("producer.id", producer_id, "",
        "Name of this producer in every event; empty means the host "
        "name"),
    INT("batch.rows", batch_size, 1, 1000000, "5000",
        "Consumer: rows per PostgreSQL transaction"),
    INT("batch.ms", batch_ms, 1, 600000, "200",
        "Consumer: longest wait in milliseconds before a partial batch "
        "is committed"),
    INT("broker.wait.ms", broker_wait_ms, 1000, 86400000, "60000",
        "Consumer --exit-at-end: longest wait in milliseconds for the "
        "brokers (end offsets at start, then any message or end of "
        "partition) before giving up with exit 1"),
    INT("auth.wait.ms", auth_wait_ms, 0, 86400000, "0",
        "Consumer, producer: how long after start an authorisation error "
        "of Kafka (a broker that has not applied the ACLs yet) is retried "
        "with new connections before it stops the program; 0 stops at "
        "once"),
    INT("topic.partitions", partitions, 1, 1000, "3",
        "Partitions of a topic the programs create"),
    INT("topic.replication", replication, 1, 10, "1",
        "Replication factor of a topic the programs create"),
    INT("topic.retention.days", topic_retention_days, -1, 36500, "-1",
        "Days a project topic the programs create keeps a record "
        "(retention.ms); -1 keeps every record"),
    INT("dlq.retention.days", dlq_retention_days, -1, 36500, "-1",
        "Days the dead-letter topic the programs create keeps a record; -1 "
        "keeps every record"),
    STR("metrics.listen", metrics_addr, "",
        "Consumer and producer --watch: serve /metrics, /healthz and "
        "/readyz over HTTP on PORT (loopback), IPV4ADDRESS:PORT or "
        "[IPV6ADDRESS]:PORT; empty means no listener"),
};

#define N_PROPS (sizeof(props) / sizeof(props[0]))
_Static_assert(N_PROPS <= MW_CONF_MAX_PROPS, "raise MW_CONF_MAX_PROPS");

const struct mw_conf_prop *
mw_conf_props(size_t *n)
{
        if (n)
                *n = N_PROPS;
        return props;
}

static char **
str_field(struct mw_conf *conf, const struct mw_conf_prop *prop)
{
        return (char **)(void *)((char *)conf + prop->offset);
}

static int *
int_field(struct mw_conf *conf, const struct mw_conf_prop *prop)
{
        return (int *)(void *)((char *)conf + prop->offset);
}

static const struct mw_conf_prop *
find_prop(const char *name)
{
        size_t i;

        for (i = 0; i < N_PROPS; i++) {
                if (strcmp(props[i].name, name) == 0)
                        return &props[i];
        }
        return NULL;
}

/* Strict integer parsing: optional sign, decimal digits, nothing else (no
 * blanks), within [min, max]. */
static mw_err_t
parse_int(const struct mw_conf_prop *prop, const char *value, int *out,
          char *errstr, size_t errstr_size)
{
        const char *digits = value;
        char *end = NULL;
        long v;

        if (*digits == '-' || *digits == '+')
                digits++;
        /* strtol() would skip leading blanks and accept "" */
        if (*digits < '0' || *digits > '9')
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%s: expected an integer (%d..%d)", prop->name,
                               prop->min, prop->max);
        errno = 0;
        v = strtol(value, &end, 10);
        if (*end != '\0')
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%s: expected an integer (%d..%d)", prop->name,
                               prop->min, prop->max);
        if (errno == ERANGE || v < prop->min || v > prop->max)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%s: %.32s is out of range (%d..%d)", prop->name,
                               value, prop->min, prop->max);
        *out = (int)v;
        return MW_OK;
}

static mw_err_t
set_str(char **field, const char *value, char *errstr, size_t errstr_size)
{
        char *copy = strdup(value);

        if (!copy)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        free(*field);
        *field = copy;
        return MW_OK;
}

static mw_err_t
set_prop(struct mw_conf *conf, const struct mw_conf_prop *prop,
         const char *value, char *errstr, size_t errstr_size)
{
        if (prop->type == MW_CONF_INT)
                return parse_int(prop, value, int_field(conf, prop), errstr,
                                 errstr_size);
        return set_str(str_field(conf, prop), value, errstr, errstr_size);
}

/* Precedence of a value's source, lowest first. */
enum source { SRC_DEFAULT = 0, SRC_FILE, SRC_ENV, SRC_FLAG };

static mw_err_t
set_kafka(struct mw_conf *conf, const char *key, const char *value,
          enum source src, char *errstr, size_t errstr_size)
{
        size_t i;
        mw_err_t err;

        if (key[0] == '\0')
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "kafka.: missing librdkafka property name");
        for (i = 0; i < conf->n_kafka; i++) {
                if (strcmp(conf->kafka_key[i], key) != 0)
                        continue;
                if (src < conf->kafka_source[i])
                        return MW_OK; /* a higher-precedence value stays */
                conf->kafka_source[i] = (unsigned char)src;
                return set_str(&conf->kafka_val[i], value, errstr, errstr_size);
        }
        if (conf->n_kafka == MW_CONF_MAX_KAFKA)
                return mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                               "kafka.%.64s: more than %d kafka.* properties",
                               key, MW_CONF_MAX_KAFKA);
        err = set_str(&conf->kafka_key[i], key, errstr, errstr_size);
        if (err)
                return err;
        err = set_str(&conf->kafka_val[i], value, errstr, errstr_size);
        if (err) {
                free(conf->kafka_key[i]);
                conf->kafka_key[i] = NULL;
                return err;
        }
        conf->kafka_source[i] = (unsigned char)src;
        conf->n_kafka++;
        return MW_OK;
}

/* Sets a property if src has at least the precedence of its current
 * value's source. */
static mw_err_t
set_from(struct mw_conf *conf, const struct mw_conf_prop *prop,
         const char *value, enum source src, char *errstr, size_t errstr_size)
{
        size_t i = (size_t)(prop - props);
        mw_err_t err;

        if (src < conf->source[i])
                return MW_OK;
        err = set_prop(conf, prop, value, errstr, errstr_size);
        if (!err)
                conf->source[i] = (unsigned char)src;
        return err;
}

static mw_err_t
set_named(struct mw_conf *conf, const char *name, const char *value,
          enum source src, char *errstr, size_t errstr_size)
{
        const struct mw_conf_prop *prop;

        if (!name || !value)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "property name and value are required");
        if (strncmp(name, KAFKA_PREFIX, KAFKA_PREFIX_LEN) == 0)
                return set_kafka(conf, name + KAFKA_PREFIX_LEN, value, src,
                                 errstr, errstr_size);
        prop = find_prop(name);
        if (!prop)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "unknown property \"%.64s\"", name);
        return set_from(conf, prop, value, src, errstr, errstr_size);
}

mw_err_t
mw_conf_init(struct mw_conf *conf)
{
        size_t i;
        mw_err_t err = MW_OK;

        memset(conf, 0, sizeof(*conf));
        for (i = 0; i < N_PROPS && !err; i++)
                err = set_prop(conf, &props[i], props[i].def, NULL, 0);
        if (err)
                mw_conf_release(conf);
        return err;
}

void
mw_conf_release(struct mw_conf *conf)
{
        char **field;
        size_t i;

        for (i = 0; i < N_PROPS; i++) {
                if (props[i].type != MW_CONF_STR)
                        continue;
                field = str_field(conf, &props[i]);
                free(*field);
                *field = NULL;
        }
        for (i = 0; i < conf->n_kafka && i < MW_CONF_MAX_KAFKA; i++) {
                free(conf->kafka_key[i]);
                free(conf->kafka_val[i]);
                conf->kafka_key[i] = NULL;
                conf->kafka_val[i] = NULL;
        }
        conf->n_kafka = 0;
}

mw_err_t
mw_conf_set(struct mw_conf *conf, const char *name, const char *value,
            char *errstr, size_t errstr_size)
{
        return set_named(conf, name, value, SRC_FLAG, errstr, errstr_size);
}

static int
is_blank(char c)
{
        return c == ' ' || c == '\t';
}

/* Trims blanks off both ends of the NUL-terminated s, in place. */
static char *
trim(char *s)
{
        char *end;

        while (is_blank(*s))
                s++;
        end = s + strlen(s);
        while (end > s && is_blank(end[-1]))
                end--;
        *end = '\0';
        return s;
}

/* "name = value": blanks around the name and the value are dropped. */
static mw_err_t
set_kv_from(struct mw_conf *conf, const char *kv, enum source src, char *errstr,
            size_t errstr_size)
{
        char *copy = NULL;
        char *eq, *name, *value;
        mw_err_t err;

        if (!kv || !strchr(kv, '=')) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "expected name=value");
                goto out;
        }
        copy = strdup(kv);
        if (!copy) {
                err =
                    mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                goto out;
        }
        eq = strchr(copy, '=');
        *eq = '\0';
        name = trim(copy);
        value = trim(eq + 1);
        if (name[0] == '\0') {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "expected name=value, the name is missing");
                goto out;
        }
        err = set_named(conf, name, value, src, errstr, errstr_size);
out:
        free(copy);
        return err;
}

mw_err_t
mw_conf_set_kv(struct mw_conf *conf, const char *kv, char *errstr,
               size_t errstr_size)
{
        return set_kv_from(conf, kv, SRC_FLAG, errstr, errstr_size);
}

/* Lines are "name=value"; blank lines and lines whose first non-blank is
 * '#' are skipped ('#' later in a line is part of the value). A UTF-8 BOM
 * and '\r' line ends are accepted. On error the properties of the lines
 * before it have been set. */
mw_err_t
mw_conf_load_file(struct mw_conf *conf, const char *path, char *errstr,
                  size_t errstr_size)
{
        char why[256];
        char *line = NULL;
        char *s;
        size_t cap = 0;
        size_t len;
        ssize_t got;
        unsigned long lineno = 0;
        FILE *fp;
        mw_err_t err = MW_OK;

        fp = fopen(path, "r");
        if (!fp) {
                strerror_r(errno, why, sizeof(why));
                err =
                    mw_errf(errstr, errstr_size,
                            errno == ENOENT ? MW_ERR_NOTFOUND : MW_ERR_IO,
                            "cannot read configuration file %s: %s", path, why);
                goto out;
        }
        while ((got = getline(&line, &cap, fp)) >= 0) {
                lineno++;
                len = (size_t)got;
                if (len > LINE_MAX_BYTES) {
                        err = mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                                      "%s:%lu: line longer than %d bytes", path,
                                      lineno, LINE_MAX_BYTES);
                        goto out;
                }
                if (strlen(line) != len) {
                        err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                      "%s:%lu: NUL byte in the line", path,
                                      lineno);
                        goto out;
                }
                if (lineno == 1)
                        mw_csv_strip_bom(line, &len);
                while (len > 0 &&
                       (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        line[--len] = '\0';
                s = trim(line);
                if (s[0] == '\0' || s[0] == '#')
                        continue;
                err = set_kv_from(conf, s, SRC_FILE, why, sizeof(why));
                if (err) {
                        mw_errf(errstr, errstr_size, err, "%s:%lu: %s", path,
                                lineno, why);
                        goto out;
                }
        }
        if (ferror(fp))
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: read error",
                              path);
out:
        free(line);
        if (fp)
                fclose(fp);
        return err;
}

/* MW_ + the name in upper case with '.' and '-' as '_'. */
static void
env_name(const char *name, char *out, size_t out_size)
{
        size_t w = 0;

        w = (size_t)snprintf(out, out_size, "MW_");
        for (; *name && w + 1 < out_size; name++) {
                if (*name == '.' || *name == '-')
                        out[w++] = '_';
                else if (*name >= 'a' && *name <= 'z')
                        out[w++] = (char)(*name - 'a' + 'A');
                else
                        out[w++] = *name;
        }
        out[w] = '\0';
}

/* Every property of the table is read from its variable when that is set,
 * even to "" (for an integer property "" is an error). kafka.* properties
 * are not read from the environment. */
mw_err_t
mw_conf_load_env(struct mw_conf *conf, char *errstr, size_t errstr_size)
{
        char var[64];
        char why[256];
        const char *value;
        size_t i;
        mw_err_t err = MW_OK;

        for (i = 0; i < N_PROPS; i++) {
                env_name(props[i].name, var, sizeof(var));
                value = getenv(var);
                if (!value)
                        continue;
                err =
                    set_from(conf, &props[i], value, SRC_ENV, why, sizeof(why));
                if (err) {
                        mw_errf(errstr, errstr_size, err, "%s: %s", var, why);
                        break;
                }
        }
        return err;
}

/* Edit distance (insertions, deletions, substitutions) of a and b, both
 * shorter than 64 bytes; larger values are cut at 64. Our own: two rows of
 * a table, for the handful of MW_ variables a process has. */
static size_t
distance(const char *a, const char *b)
{
        size_t prev[64], cur[64], la = strlen(a), lb = strlen(b), i, j, v;

        if (la >= 64 || lb >= 64)
                return 64;
        for (j = 0; j <= lb; j++)
                prev[j] = j;
        for (i = 1; i <= la; i++) {
                cur[0] = i;
                for (j = 1; j <= lb; j++) {
                        v = prev[j - 1] + (a[i - 1] != b[j - 1]);
                        if (prev[j] + 1 < v)
                                v = prev[j] + 1;
                        if (cur[j - 1] + 1 < v)
                                v = cur[j - 1] + 1;
                        cur[j] = v;
                }
                memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
        }
        return prev[lb];
}

size_t
mw_conf_env_typos(char *const *env, struct mw_conf_typo *out, size_t max)
{
        char var[64], name[64];
        size_t n = 0, i, d, best;
        const char *eq;

        for (; env && *env && n < max; env++) {
                eq = strchr(*env, '=');
                if (strncmp(*env, "MW_", 3) != 0 || !eq ||
                    (size_t)(eq - *env) >= sizeof(name))
                        continue;
                memcpy(name, *env, (size_t)(eq - *env));
                name[eq - *env] = '\0';
                best = 64;
                for (i = 0; i < N_PROPS; i++) {
                        env_name(props[i].name, var, sizeof(var));
                        d = distance(name, var);
                        if (d < best) {
                                best = d;
                                snprintf(out[n].hint, sizeof(out[n].hint), "%s",
                                         var);
                        }
                }
                /* a property's own variable, or one far from every
                 * property's (the scripts' MW_STACK_DIR, MW_PG_PORT ...) */
                if (best == 0 || best > 2)
                        continue;
                snprintf(out[n].name, sizeof(out[n].name), "%s", name);
                n++;
        }
        return n;
}

/* Kafka topic names: [a-zA-Z0-9._-]. */
static int
topic_chars_ok(const char *s)
{
        for (; *s; s++) {
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
                      *s == '-'))
                        return 0;
        }
        return 1;
}

/* MW_ERR_INVALID if the prefix or slug is empty or has a character Kafka
 * does not allow; MW_ERR_TOOBIG if the name does not fit out or is longer
 * than Kafka's 249 characters. out is "" on error. */
mw_err_t
mw_conf_topic(const struct mw_conf *conf, const char *slug, char *out,
              size_t out_size)
{
        int n;

        if (out_size > 0)
                out[0] = '\0';
        if (!conf->topic_prefix || !conf->topic_prefix[0] || !slug ||
            !slug[0] || !topic_chars_ok(conf->topic_prefix) ||
            !topic_chars_ok(slug))
                return MW_ERR_INVALID;
        n = snprintf(out, out_size, "%s.registrations.%s", conf->topic_prefix,
                     slug);
        if (n < 0 || (size_t)n >= out_size || n > TOPIC_MAX) {
                if (out_size > 0)
                        out[0] = '\0';
                return MW_ERR_TOOBIG;
        }
        return MW_OK;
}

/* Writes dlq.topic, or "<topic.prefix>.deadletter" when it is empty, into
 * out and returns out; NULL (out "") if it does not fit. */
const char *
mw_conf_dlq(const struct mw_conf *conf, char *out, size_t out_size)
{
        int n;

        if (out_size == 0)
                return NULL;
        if (conf->dlq_topic && conf->dlq_topic[0])
                n = snprintf(out, out_size, "%s", conf->dlq_topic);
        else
                n = snprintf(out, out_size, "%s.deadletter",
                             conf->topic_prefix ? conf->topic_prefix : "");
        if (n < 0 || (size_t)n >= out_size) {
                out[0] = '\0';
                return NULL;
        }
        return out;
}

mw_err_t
mw_conf_flag(struct mw_conf *conf, int flag, const char *arg, char *errstr,
             size_t errstr_size)
{
        static const struct {
                int flag;
                const char *name;
        } direct[] = {{'b', "brokers"},
                      {'d', "pg.conninfo"},
                      {'r', "registry.url"},
                      {'g', "group.id"}};
        char key[256];
        const char *eq;
        size_t i;

        for (i = 0; i < sizeof(direct) / sizeof(direct[0]); i++)
                if (flag == direct[i].flag)
                        return mw_conf_set(conf, direct[i].name, arg, errstr,
                                           errstr_size);
        switch (flag) {
        case 'c':
                return mw_conf_load_file(conf, arg, errstr, errstr_size);
        case 'o':
                return mw_conf_set_kv(conf, arg, errstr, errstr_size);
        case 'X':
                eq = strchr(arg, '=');
                if (!eq || eq == arg)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "-X: expected KEY=VALUE");
                if ((size_t)(eq - arg) + KAFKA_PREFIX_LEN >= sizeof(key))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "-X: key too long");
                snprintf(key, sizeof(key), "%s%.*s", KAFKA_PREFIX,
                         (int)(eq - arg), arg);
                return mw_conf_set(conf, key, eq + 1, errstr, errstr_size);
        default:
                return MW_ERR_NOTFOUND;
        }
}
