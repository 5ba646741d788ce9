/* midway: librdkafka set-up shared by the programs. */
#ifndef MIDWAY_KAFKA_H
#define MIDWAY_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "midway/conf.h"
#include "midway/err.h"

/* A configuration with bootstrap.servers (conf->brokers), client.id, the
 * program's defaults (name, value, name, value, ..., NULL), then the user's
 * kafka.* / -X properties (which override the defaults), librdkafka's log
 * lines routed through mw_log, and mw_kafka_error_cb. Properties the
 * program relies on are set afterwards with mw_kafka_conf_force(). NULL
 * with errstr on failure; the caller owns the result (rd_kafka_new() takes
 * it over). */
rd_kafka_conf_t *mw_kafka_conf_new(const struct mw_conf *conf,
                                   const char *client_id,
                                   const char *const *defaults, char *errstr,
                                   size_t errstr_size);
mw_err_t mw_kafka_conf_force(rd_kafka_conf_t *kc, const char *name,
                             const char *value, char *errstr,
                             size_t errstr_size);

/* 1 if err cannot be cured by waiting (wrong credentials, a certificate
 * that does not verify, a fatal idempotence error): the program stops. */
int mw_kafka_error_is_fatal(rd_kafka_t *rk, int err);

/* The error callback mw_kafka_conf_new() installs logs every client error
 * (a broker outage is a warning: librdkafka keeps retrying) and calls hook
 * for the fatal ones. One hook per process; set it before rd_kafka_new(). */
void mw_kafka_on_fatal(void (*hook)(int err, const char *reason));

/* 1 if err is Kafka refusing an authorisation (topic, group or cluster;
 * also the fatal error of an idempotent producer refused its id). */
int mw_kafka_error_is_authz(rd_kafka_t *rk, int err);

/* Until until_ms (mw_clock_ms()), an authorisation error is logged as a
 * warning and reported to hook instead of the fatal hook: at start-up a
 * broker may not have applied the ACLs yet (they spread from the
 * controller), and the program connects again. The handle that got it may
 * be unusable (an idempotent producer without an id): the hook only flags,
 * the program makes new handles outside librdkafka's callbacks. */
void mw_kafka_on_authz(int64_t until_ms,
                       void (*hook)(int err, const char *reason));

#endif
