/* midway: librdkafka set-up shared by the programs. */
#include <stdio.h>

#include "midway/clock.h"
#include "midway/kafka.h"
#include "midway/log.h"

static void (*fatal_hook)(int err, const char *reason);
static void (*authz_hook)(int err, const char *reason);
static int64_t authz_until; /* mw_clock_ms() */

void
mw_kafka_on_fatal(void (*hook)(int err, const char *reason))
{
        fatal_hook = hook;
}

void
mw_kafka_on_authz(int64_t until_ms, void (*hook)(int err, const char *reason))
{
        authz_until = until_ms;
        authz_hook = hook;
}

static int
is_authz_code(int err)
{
        return err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
               err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
               err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED;
}

int
mw_kafka_error_is_authz(rd_kafka_t *rk, int err)
{
        char why[256];

        if (is_authz_code(err))
                return 1;
        return err == RD_KAFKA_RESP_ERR__FATAL && rk &&
               is_authz_code(rd_kafka_fatal_error(rk, why, sizeof(why)));
}

int
mw_kafka_error_is_fatal(rd_kafka_t *rk, int err)
{
        char why[256];

        switch (err) {
        case RD_KAFKA_RESP_ERR__AUTHENTICATION:
        case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
        case RD_KAFKA_RESP_ERR__SSL:
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR__FATAL:
                return 1;
        default:
                return rk && rd_kafka_fatal_error(rk, why, sizeof(why)) != 0;
        }
}

/* librdkafka's syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug. */
static void
log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
        enum mw_log_level l = level <= 3   ? MW_LOG_ERROR
                              : level == 4 ? MW_LOG_WARN
                              : level <= 6 ? MW_LOG_INFO
                                           : MW_LOG_DEBUG;

        if (mw_log_enabled(l))
                mw_log_write(l, "librdkafka %s %s: %s", rd_kafka_name(rk), fac,
                             buf);
}

static void
error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        (void)opaque;
        if (authz_hook && mw_clock_ms() < authz_until &&
            mw_kafka_error_is_authz(rk, err)) {
                mw_log_warn("Kafka: %s: %s", rd_kafka_err2name(err), reason);
                authz_hook(err, reason);
                return;
        }
        if (mw_kafka_error_is_fatal(rk, err)) {
                mw_log_error("Kafka: %s: %s", rd_kafka_err2name(err), reason);
                if (fatal_hook)
                        fatal_hook(err, reason);
                return;
        }
        /* Broker outages and the like: librdkafka retries by itself. */
        mw_log_warn("Kafka: %s: %s", rd_kafka_err2name(err), reason);
}

static mw_err_t
set(rd_kafka_conf_t *kc, const char *name, const char *value, char *errstr,
    size_t errstr_size)
{
        char why[512];

        if (rd_kafka_conf_set(kc, name, value, why, sizeof(why)) !=
            RD_KAFKA_CONF_OK)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "librdkafka %s: %s", name, why);
        return MW_OK;
}

mw_err_t
mw_kafka_conf_force(rd_kafka_conf_t *kc, const char *name, const char *value,
                    char *errstr, size_t errstr_size)
{
        return set(kc, name, value, errstr, errstr_size);
}

rd_kafka_conf_t *
mw_kafka_conf_new(const struct mw_conf *conf, const char *client_id,
                  const char *const *defaults, char *errstr, size_t errstr_size)
{
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        size_t i;

        if (set(kc, "bootstrap.servers", conf->brokers, errstr, errstr_size) ||
            set(kc, "client.id", client_id, errstr, errstr_size))
                goto fail;
        for (i = 0; defaults && defaults[i] && defaults[i + 1]; i += 2)
                if (set(kc, defaults[i], defaults[i + 1], errstr, errstr_size))
                        goto fail;
        for (i = 0; i < conf->n_kafka; i++)
                if (set(kc, conf->kafka_key[i], conf->kafka_val[i], errstr,
                        errstr_size))
                        goto fail;
        rd_kafka_conf_set_log_cb(kc, log_cb);
        rd_kafka_conf_set_error_cb(kc, error_cb);
        return kc;
fail:
        rd_kafka_conf_destroy(kc);
        return NULL;
}
