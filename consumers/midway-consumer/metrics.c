/* midway-consumer's metrics and health (metrics.listen, --metrics): the
 * families it serves, fed from the consumer's totals and partitions by the
 * poll loop (at most every UPDATE_MS, and after every commit), and the
 * PostgreSQL probe: a connection of its own on the registry's probe
 * thread, "SELECT 1" every PROBE_MS, so that an outage shows while the
 * consumer is idle too and a slow database never stalls the poll loop.
 * Ready (/readyz) = partitions assigned and PostgreSQL answering.
 *
 * Lag is the end offset (high watermark) minus the stored offset. The end
 * librdkafka last fetched goes stale on a paused partition (after a failed
 * commit, during a database outage: when lag matters most), so the probe
 * thread also asks the brokers for the end of every assigned partition
 * every END_MS, and the larger of the two ends counts. The metric names
 * and the alerts built on them: docs/operations.md. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "consumer.h"
#include "midway/cli.h"
#include "midway/clock.h"
#include "midway/log.h"
#include "midway/metrics.h"

#define UPDATE_MS 200
#define PROBE_MS  1000
#define END_MS    3000
#define END_WAIT  1000 /* ms a broker may take to give an end */

/* An assigned partition and its end as the brokers last gave it. */
struct end_seen {
        char topic[256];
        int32_t partition;
        int64_t end; /* -1: not known */
};

struct consumer_metrics {
        struct mw_metrics *reg; /* owned */
        struct mw_metric *messages, *events, *dups, *dead, *rejects, *batches,
            *failures, *commit_seconds, *last_commit, *lag, *stored, *end,
            *assigned, *n_assigned, *held, *pg_up;
        int64_t updated_ms;
        /* the probe thread's own */
        char *conninfo; /* owned */
        PGconn *pg;     /* owned */
        int pg_was;     /* -1 not probed yet, else the last result */
        int64_t ends_asked_ms;
        /* held by the probe while it uses rk, and by
         * mw_consumer_metrics_detach() to take rk away */
        pthread_mutex_t rk_lock;
        /* shared by the poll loop and the probe thread, under ends_lock */
        pthread_mutex_t ends_lock;
        rd_kafka_t *rk;        /* borrowed; NULL before the set-up */
        struct end_seen *ends; /* owned, n_ends: the assigned partitions */
        size_t n_ends, cap_ends;
};

static int
families(struct consumer_metrics *cm, char *errstr, size_t errstr_size)
{
        static const double commit_buckets[] = {
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
        static const struct {
                size_t at; /* offset of the member */
                const char *name;
                enum mw_metric_type type;
                const char *help;
        } fams[] = {
#define AT(m) offsetof(struct consumer_metrics, m)
            {AT(messages), "midway_consumer_messages_total", MW_METRIC_COUNTER,
             "Kafka messages consumed and committed (events, duplicates and "
             "dead letters)"},
            {AT(events), "midway_consumer_events_total", MW_METRIC_COUNTER,
             "Events stored in PostgreSQL (new ones)"},
            {AT(dups), "midway_consumer_duplicates_total", MW_METRIC_COUNTER,
             "Events already stored (a file sent again), not stored twice"},
            {AT(dead), "midway_consumer_dead_letters_total", MW_METRIC_COUNTER,
             "Messages sent to the dead-letter topic, by stage"},
            {AT(rejects), "midway_consumer_rejects_total", MW_METRIC_COUNTER,
             "Events PostgreSQL refused (isolated from their batch and "
             "dead-lettered, stage store)"},
            {AT(batches), "midway_consumer_batches_total", MW_METRIC_COUNTER,
             "Batches committed (one PostgreSQL transaction each)"},
            {AT(failures), "midway_consumer_commit_failures_total",
             MW_METRIC_COUNTER,
             "Batches rolled back by a failure that is not the data's "
             "(database away, a lost partition)"},
            {AT(commit_seconds), "midway_consumer_commit_seconds",
             MW_METRIC_HISTOGRAM, "Time to apply and commit a batch"},
            {AT(last_commit), "midway_consumer_last_commit_age_seconds",
             MW_METRIC_AGE,
             "Seconds since the last committed batch (since start before "
             "the first)"},
            {AT(lag), "midway_consumer_lag", MW_METRIC_GAUGE,
             "Messages of an assigned partition not yet committed: end "
             "offset (high watermark) minus the offset stored in "
             "PostgreSQL"},
            {AT(stored), "midway_consumer_stored_offset", MW_METRIC_GAUGE,
             "Next offset of an assigned partition, as stored in "
             "PostgreSQL"},
            {AT(end), "midway_consumer_end_offset", MW_METRIC_GAUGE,
             "End offset (high watermark) of an assigned partition, as "
             "last fetched"},
            {AT(assigned), "midway_consumer_assigned", MW_METRIC_GAUGE,
             "1 for each partition assigned to this consumer"},
            {AT(n_assigned), "midway_consumer_assigned_partitions",
             MW_METRIC_GAUGE, "Partitions assigned to this consumer"},
            {AT(held), "midway_consumer_held", MW_METRIC_GAUGE,
             "1 while the partitions are paused after a failed commit"},
            {AT(pg_up), "midway_consumer_pg_up", MW_METRIC_GAUGE,
             "1 if PostgreSQL answered the last probe (every second)"},
#undef AT
        };
        size_t i;

        for (i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
                struct mw_metric **slot =
                    (struct mw_metric **)(void *)((char *)cm + fams[i].at);
                int hist = fams[i].type == MW_METRIC_HISTOGRAM;

                *slot = mw_metrics_add(
                    cm->reg, fams[i].name, fams[i].help, fams[i].type,
                    hist ? commit_buckets : NULL,
                    hist ? sizeof(commit_buckets) / sizeof(double) : 0, errstr,
                    errstr_size);
                if (!*slot)
                        return -1;
        }
        return 0;
}

/* The probe thread: the ends of the assigned partitions, from the brokers,
 * in one request per leader (a ListOffsets for the latest offset: what
 * offsets_for_times does with the timestamp -1; one query per partition
 * took 90 round trips, some 30 s under load). The list is copied, so the
 * brokers are asked without the lock. */
static void
ask_ends(struct consumer_metrics *cm)
{
        rd_kafka_topic_partition_list_t *list = NULL;
        struct end_seen *copy = NULL;
        rd_kafka_t *rk;
        size_t n = 0, i, j;

        pthread_mutex_lock(&cm->rk_lock);
        pthread_mutex_lock(&cm->ends_lock);
        rk = cm->rk;
        if (rk && cm->n_ends > 0 &&
            (copy = malloc(cm->n_ends * sizeof(*copy))) != NULL) {
                memcpy(copy, cm->ends, cm->n_ends * sizeof(*copy));
                n = cm->n_ends;
        }
        pthread_mutex_unlock(&cm->ends_lock);
        if (n > 0)
                list = rd_kafka_topic_partition_list_new((int)n);
        for (i = 0; list && i < n; i++)
                rd_kafka_topic_partition_list_add(list, copy[i].topic,
                                                  copy[i].partition)
                    ->offset = RD_KAFKA_OFFSET_END;
        if (list && rd_kafka_offsets_for_times(rk, list, END_WAIT) ==
                        RD_KAFKA_RESP_ERR_NO_ERROR)
                for (i = 0; i < n; i++) {
                        const rd_kafka_topic_partition_t *tp =
                            rd_kafka_topic_partition_list_find(
                                list, copy[i].topic, copy[i].partition);

                        copy[i].end = tp && !tp->err ? tp->offset : -1;
                }
        if (list)
                rd_kafka_topic_partition_list_destroy(list);
        pthread_mutex_unlock(&cm->rk_lock);
        pthread_mutex_lock(&cm->ends_lock);
        for (i = 0; i < n; i++)
                for (j = 0; j < cm->n_ends; j++)
                        if (cm->ends[j].partition == copy[i].partition &&
                            strcmp(cm->ends[j].topic, copy[i].topic) == 0 &&
                            copy[i].end > cm->ends[j].end)
                                cm->ends[j].end = copy[i].end;
        pthread_mutex_unlock(&cm->ends_lock);
        free(copy);
}

/* The poll loop: the partitions the probe is to ask about (kept: their
 * ends so far). Called with ends_lock held. */
static void
want_ends(struct consumer *c)
{
        struct consumer_metrics *cm = c->metrics;
        struct end_seen *e;
        size_t i, j, kept = 0;

        cm->rk = c->rk;
        for (i = 0; i < cm->n_ends; i++) /* drop the revoked */
                for (j = 0; j < c->n_parts; j++)
                        if (c->parts[j].partition == cm->ends[i].partition &&
                            strcmp(c->parts[j].topic, cm->ends[i].topic) == 0) {
                                cm->ends[kept++] = cm->ends[i];
                                break;
                        }
        cm->n_ends = kept;
        for (j = 0; j < c->n_parts; j++) {
                for (i = 0; i < kept; i++)
                        if (c->parts[j].partition == cm->ends[i].partition &&
                            strcmp(c->parts[j].topic, cm->ends[i].topic) == 0)
                                break;
                if (i < kept)
                        continue;
                if (cm->n_ends == cm->cap_ends) {
                        size_t cap = cm->cap_ends ? cm->cap_ends * 2 : 64;

                        e = realloc(cm->ends, cap * sizeof(*e));
                        if (!e)
                                return; /* asked about next time */
                        cm->ends = e;
                        cm->cap_ends = cap;
                }
                e = &cm->ends[cm->n_ends++];
                snprintf(e->topic, sizeof(e->topic), "%s", c->parts[j].topic);
                e->partition = c->parts[j].partition;
                e->end = -1;
        }
}

/* The end the brokers gave for p, or -1. Called with ends_lock held. */
static int64_t
end_asked(const struct consumer_metrics *cm, const struct part *p)
{
        size_t i;

        for (i = 0; i < cm->n_ends; i++)
                if (cm->ends[i].partition == p->partition &&
                    strcmp(cm->ends[i].topic, p->topic) == 0)
                        return cm->ends[i].end;
        return -1;
}

/* The probe thread: PostgreSQL up or not, on a connection of its own. */
static void
pg_probe(struct mw_metrics *reg, void *arg)
{
        /* ours first: the conninfo (dbname, expanded) may override them */
        static const char *const keys[] = {"connect_timeout",
                                           "tcp_user_timeout",
                                           "application_name", "dbname", NULL};
        struct consumer_metrics *cm = arg;
        static const char app[] = PROG " health";
        const char *vals[] = {"5", "5000", app, cm->conninfo, NULL};
        PGresult *r;
        int ok = 0;

        if (cm->pg && PQstatus(cm->pg) != CONNECTION_OK) {
                PQfinish(cm->pg);
                cm->pg = NULL;
        }
        if (!cm->pg)
                cm->pg = PQconnectdbParams(keys, vals, 1);
        if (cm->pg && PQstatus(cm->pg) == CONNECTION_OK) {
                r = PQexec(cm->pg, "SELECT 1");
                ok = PQresultStatus(r) == PGRES_TUPLES_OK;
                PQclear(r);
        }
        if (!ok && cm->pg) {
                PQfinish(cm->pg);
                cm->pg = NULL;
        }
        mw_metrics_lock(reg);
        mw_metric_set(cm->pg_up, NULL, ok);
        mw_metrics_condition(reg, "pg_up", ok);
        mw_metrics_unlock(reg);
        if (cm->pg_was == 1 && !ok)
                mw_log_warn("health: PostgreSQL does not answer (not ready)");
        else if (cm->pg_was == 0 && ok)
                mw_log_info("health: PostgreSQL answers again");
        cm->pg_was = ok;
        if (mw_clock_ms() - cm->ends_asked_ms >= END_MS) {
                cm->ends_asked_ms = mw_clock_ms();
                ask_ends(cm);
        }
}

static void
cm_free(struct consumer_metrics *cm)
{
        if (!cm)
                return;
        mw_metrics_destroy(cm->reg); /* joins the probe thread first */
        if (cm->pg)
                PQfinish(cm->pg);
        free(cm->conninfo);
        free(cm->ends);
        pthread_mutex_destroy(&cm->ends_lock);
        pthread_mutex_destroy(&cm->rk_lock);
        free(cm);
}

int
mw_consumer_metrics_start(struct consumer *c)
{
        struct consumer_metrics *cm;
        char errstr[512];

        if (!c->conf.metrics_addr || !*c->conf.metrics_addr)
                return 0;
        cm = calloc(1, sizeof(*cm));
        if (!cm || !(cm->conninfo = strdup(c->conf.pg_conninfo))) {
                snprintf(errstr, sizeof(errstr), "out of memory");
                goto fail;
        }
        cm->pg_was = -1;
        pthread_mutex_init(&cm->ends_lock, NULL);
        pthread_mutex_init(&cm->rk_lock, NULL);
        cm->reg = mw_metrics_new(errstr, sizeof(errstr));
        if (!cm->reg || families(cm, errstr, sizeof(errstr)))
                goto fail;
        mw_metric_set_now(cm->last_commit, NULL);
        mw_metrics_condition(cm->reg, "kafka_assigned", 0);
        mw_metric_set(cm->pg_up, NULL, 0); /* until PostgreSQL answers */
        mw_metrics_condition(cm->reg, "pg_up", 0);
        if (mw_metrics_listen(cm->reg, c->conf.metrics_addr, errstr,
                              sizeof(errstr)) ||
            mw_metrics_probe(cm->reg, pg_probe, cm, PROBE_MS, errstr,
                             sizeof(errstr)))
                goto fail;
        mw_log_info("metrics: listening on %s, port %d (/metrics, /healthz, "
                    "/readyz)",
                    c->conf.metrics_addr, mw_metrics_port(cm->reg));
        c->metrics = cm;
        return 0;
fail:
        mw_log_error("%s", errstr);
        cm_free(cm);
        return -1;
}

void
mw_consumer_metrics_stop(struct consumer *c)
{
        cm_free(c->metrics);
        c->metrics = NULL;
}

/* One assigned partition's offsets. Called with the registry locked. */
static void
partition(struct consumer *c, const struct part *p)
{
        struct consumer_metrics *cm = c->metrics;
        int64_t lo = -1, hi = -1, stored;
        char num[16];
        const char *labels[] = {"topic", p->topic, "partition", num, NULL};

        snprintf(num, sizeof(num), "%d", (int)p->partition);
        mw_metric_set(cm->assigned, labels, 1);
        if (rd_kafka_get_watermark_offsets(c->rk, p->topic, p->partition, &lo,
                                           &hi) != RD_KAFKA_RESP_ERR_NO_ERROR)
                hi = -1;
        if (end_asked(cm, p) > hi)
                hi = end_asked(cm, p);
        if (hi < 0)
                return; /* neither fetched nor asked yet: no end known */
        stored = p->db_next >= 0 ? p->db_next : lo >= 0 ? lo : 0;
        mw_metric_set(cm->stored, labels, (double)stored);
        mw_metric_set(cm->end, labels, (double)hi);
        mw_metric_set(cm->lag, labels, (double)(hi > stored ? hi - stored : 0));
}

void
mw_consumer_metrics_update(struct consumer *c, int now)
{
        struct consumer_metrics *cm = c->metrics;
        size_t i;

        if (!cm || (!now && mw_clock_ms() - cm->updated_ms < UPDATE_MS))
                return;
        cm->updated_ms = mw_clock_ms();
        mw_metrics_lock(cm->reg);
        mw_metric_set(cm->messages, NULL, (double)c->total_msgs);
        mw_metric_set(cm->events, NULL, (double)c->total_events);
        mw_metric_set(cm->dups, NULL, (double)c->total_dups);
        mw_metric_set(cm->batches, NULL, (double)c->total_batches);
        mw_metric_set(cm->held, NULL, c->held);
        mw_metric_clear(cm->assigned);
        mw_metric_clear(cm->stored);
        mw_metric_clear(cm->end);
        mw_metric_clear(cm->lag);
        pthread_mutex_lock(&cm->ends_lock);
        want_ends(c);
        for (i = 0; i < c->n_parts; i++)
                partition(c, &c->parts[i]);
        pthread_mutex_unlock(&cm->ends_lock);
        mw_metric_set(cm->n_assigned, NULL, (double)c->n_parts);
        mw_metrics_condition(cm->reg, "kafka_assigned", c->n_parts > 0);
        mw_metrics_unlock(cm->reg);
}

void
mw_consumer_metrics_commit(struct consumer *c, int64_t ms, int ok)
{
        struct consumer_metrics *cm = c->metrics;
        size_t i;

        if (!cm)
                return;
        mw_metrics_lock(cm->reg);
        if (!ok) {
                mw_metric_add(cm->failures, NULL, 1);
        } else {
                mw_metric_observe(cm->commit_seconds, NULL,
                                  (double)ms / 1000.0);
                mw_metric_set_now(cm->last_commit, NULL);
                mw_metric_add(cm->rejects, NULL, 0); /* the series exists */
                for (i = 0; i < c->n_dead; i++) {
                        const char *stage = c->dead[i].stage;

                        mw_metric_add(cm->dead,
                                      (const char *[]){"stage", stage, NULL},
                                      1);
                        if (strcmp(stage, "store") == 0)
                                mw_metric_add(cm->rejects, NULL, 1);
                }
        }
        mw_consumer_metrics_update(c, 1);
        mw_metrics_unlock(cm->reg);
}

void
mw_consumer_metrics_detach(struct consumer *c)
{
        struct consumer_metrics *cm = c->metrics;

        if (!cm)
                return;
        pthread_mutex_lock(&cm->rk_lock); /* the probe's request ends */
        pthread_mutex_lock(&cm->ends_lock);
        cm->rk = NULL;
        pthread_mutex_unlock(&cm->ends_lock);
        pthread_mutex_unlock(&cm->rk_lock);
}
