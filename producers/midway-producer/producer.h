/* midway-producer's internal header: what main.c (the command line,
 * sending files, watch mode) asks of metrics.c (metrics and health over
 * HTTP, when metrics.listen or --metrics asks for them). */
#ifndef MIDWAY_PRODUCER_H
#define MIDWAY_PRODUCER_H

#include <stdint.h>

#include <librdkafka/rdkafka.h>

#define PROG "midway-producer"

/* The producer's running totals, all files together. */
struct producer_counts {
        long rows, sent, acked, rejected, failed;
};

struct producer_metrics;

/* Starts the listener on addr and the brokers' probe (a metadata request
 * for rkt's topic every 2 s on a thread of its own: ready = the brokers
 * answer). rk and rkt are borrowed and must outlive the result. NULL on
 * failure (logged). */
struct producer_metrics *mw_producer_metrics_start(const char *addr,
                                                   rd_kafka_t *rk,
                                                   rd_kafka_topic_t *rkt);
/* Feeds the totals: at most every 200 ms unless now. pm may be NULL. */
void mw_producer_metrics_update(struct producer_metrics *pm,
                                const struct producer_counts *n, int now);
/* A file of the watched folder is finished: done (moved to done/) or not
 * (moved to failed/). */
void mw_producer_metrics_file(struct producer_metrics *pm, int done);
/* Stops the listener and the probe; NULL is fine. */
void mw_producer_metrics_stop(struct producer_metrics *pm);

#endif
