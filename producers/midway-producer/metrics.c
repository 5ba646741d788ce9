/* midway-producer's metrics and health: the totals of rows and files, fed
 * by main.c, and the brokers' probe for /readyz. Metric names and alerts:
 * docs/operations.md. */
#include <stdlib.h>

#include "midway/clock.h"
#include "midway/log.h"
#include "midway/metrics.h"
#include "producer.h"

#define UPDATE_MS 200
#define PROBE_MS  2000

struct producer_metrics {
        struct mw_metrics *reg; /* owned */
        struct mw_metric *rows, *sent, *acked, *rejected, *failed, *files,
            *brokers_up;
        int64_t updated_ms;
        rd_kafka_t *rk;        /* borrowed */
        rd_kafka_topic_t *rkt; /* borrowed */
        int was_up;            /* -1 not probed yet */
};

/* The probe thread: a metadata request for the topic; any broker that
 * answers will do. librdkafka's handles are thread-safe. */
static void
brokers_probe(struct mw_metrics *reg, void *arg)
{
        struct producer_metrics *pm = arg;
        const struct rd_kafka_metadata *md = NULL;
        int up;

        up = rd_kafka_metadata(pm->rk, 0, pm->rkt, &md, PROBE_MS) ==
             RD_KAFKA_RESP_ERR_NO_ERROR;
        if (md)
                rd_kafka_metadata_destroy(md);
        mw_metrics_lock(reg);
        mw_metric_set(pm->brokers_up, NULL, up);
        mw_metrics_condition(reg, "brokers", up);
        mw_metrics_unlock(reg);
        if (pm->was_up == 1 && !up)
                mw_log_warn("health: no broker answers (not ready)");
        else if (pm->was_up == 0 && up)
                mw_log_info("health: the brokers answer again");
        pm->was_up = up;
}

static struct mw_metric *
family(struct producer_metrics *pm, const char *name, const char *help,
       enum mw_metric_type type, char *errstr, size_t errstr_size)
{
        return mw_metrics_add(pm->reg, name, help, type, NULL, 0, errstr,
                              errstr_size);
}

struct producer_metrics *
mw_producer_metrics_start(const char *addr, rd_kafka_t *rk,
                          rd_kafka_topic_t *rkt)
{
        enum mw_metric_type c = MW_METRIC_COUNTER;
        struct producer_metrics *pm;
        char errstr[512] = "out of memory";
        char *e = errstr;
        size_t n = sizeof(errstr);

        pm = calloc(1, sizeof(*pm));
        if (!pm || !(pm->reg = mw_metrics_new(e, n)))
                goto fail;
        pm->rk = rk;
        pm->rkt = rkt;
        pm->was_up = -1;
        if (!(pm->rows = family(pm, "midway_producer_rows_read_total",
                                "Rows read from exports", c, e, n)) ||
            !(pm->sent = family(pm, "midway_producer_rows_sent_total",
                                "Rows produced to Kafka", c, e, n)) ||
            !(pm->acked = family(pm, "midway_producer_rows_acknowledged_total",
                                 "Rows the brokers acknowledged", c, e, n)) ||
            !(pm->rejected = family(pm, "midway_producer_rows_rejected_total",
                                    "Rows rejected by validation (reject "
                                    "files)",
                                    c, e, n)) ||
            !(pm->failed = family(pm, "midway_producer_delivery_failures_total",
                                  "Rows whose delivery failed (sent again "
                                  "from the journal)",
                                  c, e, n)) ||
            !(pm->files = family(pm, "midway_producer_files_total",
                                 "Files of the watched folder finished, by "
                                 "outcome (done, failed)",
                                 c, e, n)) ||
            !(pm->brokers_up = family(pm, "midway_producer_brokers_up",
                                      "1 if a broker answered the last "
                                      "probe (every 2 s)",
                                      MW_METRIC_GAUGE, e, n)))
                goto fail;
        mw_metric_add(pm->files, (const char *[]){"outcome", "done", NULL}, 0);
        mw_metric_add(pm->files, (const char *[]){"outcome", "failed", NULL},
                      0);
        mw_metric_set(pm->brokers_up, NULL, 0); /* until a broker answers */
        mw_metrics_condition(pm->reg, "brokers", 0);
        if (mw_metrics_listen(pm->reg, addr, e, n) ||
            mw_metrics_probe(pm->reg, brokers_probe, pm, PROBE_MS, e, n))
                goto fail;
        mw_log_info("metrics: listening on %s, port %d (/metrics, /healthz, "
                    "/readyz)",
                    addr, mw_metrics_port(pm->reg));
        return pm;
fail:
        mw_log_error("%s", errstr);
        mw_producer_metrics_stop(pm);
        return NULL;
}

void
mw_producer_metrics_update(struct producer_metrics *pm,
                           const struct producer_counts *n, int now)
{
        if (!pm || (!now && mw_clock_ms() - pm->updated_ms < UPDATE_MS))
                return;
        pm->updated_ms = mw_clock_ms();
        mw_metrics_lock(pm->reg);
        mw_metric_set(pm->rows, NULL, (double)n->rows);
        mw_metric_set(pm->sent, NULL, (double)n->sent);
        mw_metric_set(pm->acked, NULL, (double)n->acked);
        mw_metric_set(pm->rejected, NULL, (double)n->rejected);
        mw_metric_set(pm->failed, NULL, (double)n->failed);
        mw_metrics_unlock(pm->reg);
}

void
mw_producer_metrics_file(struct producer_metrics *pm, int done)
{
        if (pm)
                mw_metric_add(
                    pm->files,
                    (const char *[]){"outcome", done ? "done" : "failed", NULL},
                    1);
}

void
mw_producer_metrics_stop(struct producer_metrics *pm)
{
        if (!pm)
                return;
        mw_metrics_destroy(pm->reg); /* joins the probe thread */
        free(pm);
}
