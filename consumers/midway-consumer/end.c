/* midway-consumer --exit-at-end: what "the end" is, and whether it was
 * reached.
 *
 * At start the consumer reads every partition of its topics and its end
 * offset (high watermark). It exits 0 only when each of them is drained
 * to that offset: consumed by this consumer, or found stored in this
 * database by another member of its group. Partitions held by another
 * member for another database (a live consumer in the same group as a
 * replay) make it exit 1 and say so: half a database is never reported as
 * done (issue 14). */
#include <stdlib.h>
#include <string.h>

#include "consumer.h"
#include "midway/clock.h"
#include "midway/log.h"
#include "midway/sink.h"

void
mw_consumer_ends_free(struct consumer *c)
{
        size_t i;

        for (i = 0; i < c->n_ends; i++)
                free(c->ends[i].topic);
        free(c->ends);
        c->ends = NULL;
        c->n_ends = 0;
}

static int
end_add(struct consumer *c, const char *topic, int32_t partition, int64_t end)
{
        struct end *e = realloc(c->ends, (c->n_ends + 1) * sizeof(*e));

        if (!e)
                return -1;
        c->ends = e;
        e = &c->ends[c->n_ends];
        e->topic = strdup(topic);
        if (!e->topic)
                return -1;
        e->partition = partition;
        e->end = end;
        c->n_ends++;
        return 0;
}

static const rd_kafka_metadata_topic_t *
md_topic(const struct rd_kafka_metadata *md, const char *name)
{
        int i;

        for (i = 0; i < md->topic_cnt; i++)
                if (strcmp(md->topics[i].topic, name) == 0)
                        return &md->topics[i];
        return NULL;
}

static int
read_topic(struct consumer *c, const rd_kafka_metadata_topic_t *t,
           int64_t deadline, int64_t *messages)
{
        rd_kafka_resp_err_t err;
        int64_t lo, hi, left;
        int i;

        for (i = 0; i < t->partition_cnt; i++) {
                left = deadline - mw_clock_ms();
                err = rd_kafka_query_watermark_offsets(
                    c->rk, t->topic, t->partitions[i].id, &lo, &hi,
                    left > 1 ? (int)left : 1);
                if (err) {
                        mw_log_error("topic=%s partition=%d: end offset not "
                                     "read from the brokers %s within "
                                     "broker.wait.ms (%d ms): %s",
                                     t->topic, (int)t->partitions[i].id,
                                     c->conf.brokers, c->conf.broker_wait_ms,
                                     rd_kafka_err2str(err));
                        return -1;
                }
                if (end_add(c, t->topic, t->partitions[i].id, hi) != 0) {
                        mw_log_error("out of memory");
                        return -1;
                }
                *messages += hi - lo;
        }
        return 0;
}

int
mw_consumer_read_ends(struct consumer *c)
{
        const struct rd_kafka_metadata *md = NULL;
        const rd_kafka_metadata_topic_t *t;
        int64_t deadline = mw_clock_ms() + c->conf.broker_wait_ms;
        int64_t messages = 0;
        rd_kafka_resp_err_t err;
        size_t i;
        int rc = 0;

        /* a second at a time: a signal is not kept waiting */
        do {
                err = rd_kafka_metadata(c->rk, 1, NULL, &md, 1000);
        } while (err && mw_consumer_run && mw_clock_ms() < deadline);
        if (err && !mw_consumer_run) {
                mw_log_error("stopped by a signal before the end offsets "
                             "were read from the brokers %s",
                             c->conf.brokers);
                return -1;
        }
        if (err) {
                mw_log_error("cannot reach the Kafka brokers %s within "
                             "broker.wait.ms (%d ms): %s; check that they run "
                             "and that -b/brokers names them",
                             c->conf.brokers, c->conf.broker_wait_ms,
                             rd_kafka_err2str(err));
                return -1;
        }
        for (i = 0; i < c->n_topics && rc == 0; i++) {
                t = md_topic(md, c->topics[i]);
                if (!t || t->err) {
                        mw_log_error("topic %s: %s", c->topics[i],
                                     t ? rd_kafka_err2str(t->err)
                                       : "not found on the brokers "
                                         "(midway-admin create-topics "
                                         "makes it)");
                        rc = -1;
                } else {
                        rc = read_topic(c, t, deadline, &messages);
                }
        }
        rd_kafka_metadata_destroy(md);
        if (rc == 0)
                mw_log_info("exit at end: %zu partitions of %zu topics, %lld "
                            "messages up to the end offsets read now",
                            c->n_ends, c->n_topics, (long long)messages);
        return rc;
}

static const struct part *
assigned(const struct consumer *c, const struct end *e)
{
        size_t i;

        for (i = 0; i < c->n_parts; i++)
                if (c->parts[i].partition == e->partition &&
                    strcmp(c->parts[i].topic, e->topic) == 0)
                        return &c->parts[i];
        return NULL;
}

/* Drained by this consumer: stored up to the end, or at its end with
 * nothing of it left in the open batch. */
static int
drained(const struct consumer *c, const struct part *p, const struct end *e)
{
        return e->end <= 0 || p->db_next >= e->end ||
               (p->eof && p->eof_offset >= e->end && p->batch_msgs == 0 &&
                c->batch_msgs == 0);
}

size_t
mw_consumer_drained(const struct consumer *c, size_t *total)
{
        const struct part *p;
        size_t i, n = 0;

        for (i = 0; i < c->n_ends; i++) {
                p = assigned(c, &c->ends[i]);
                if (p ? drained(c, p, &c->ends[i]) : c->ends[i].end <= 0)
                        n++;
        }
        *total = c->n_ends;
        return n;
}

/* Partitions not assigned to us and not stored here up to their end:
 * *n of them, *stored of which have an offset stored here (another member
 * writes into this database), *sum of those offsets. -1 if PostgreSQL did
 * not answer. */
static int
others(struct consumer *c, size_t *n, size_t *stored, int64_t *sum,
       const struct end **first)
{
        char errstr[512];
        const struct end *e;
        size_t i;
        int64_t next;

        *n = *stored = 0;
        *sum = 0;
        for (i = 0; i < c->n_ends; i++) {
                e = &c->ends[i];
                if (e->end <= 0 || assigned(c, e))
                        continue;
                if (mw_sink_load_offset(c->pg, c->conf.group_id, e->topic,
                                        e->partition, &next, errstr,
                                        sizeof(errstr)) != MW_OK) {
                        mw_log_warn("exit at end: %s", errstr);
                        return -1;
                }
                if (next >= e->end)
                        continue;
                if (next >= 0) {
                        (*stored)++;
                        *sum += next;
                }
                if (*n == 0)
                        *first = e;
                (*n)++;
        }
        return 0;
}

int
mw_consumer_end_check(struct consumer *c)
{
        const struct end *first = NULL;
        size_t i, n, stored, away;
        int64_t sum, now = mw_clock_ms();

        for (i = 0; i < c->n_ends; i++) {
                const struct part *p = assigned(c, &c->ends[i]);

                if (p && !drained(c, p, &c->ends[i]))
                        return 0;
        }
        if (now - c->end_checked_ms < 1000)
                return 0;
        c->end_checked_ms = now;
        if (others(c, &n, &stored, &sum, &first) != 0) {
                mw_consumer_hold(c, 1000);
                return 0;
        }
        if (n == 0)
                return 1;
        /* Another member storing into this database (two --exit-at-end
         * consumers sharing the work): wait while it gets on. */
        if (stored > 0 && sum != c->others_sum) {
                c->others_sum = sum;
                c->others_moved_ms = now;
                return 0;
        }
        if (stored > 0 && now - c->others_moved_ms <= c->conf.broker_wait_ms)
                return 0;
        for (i = 0, away = 0; i < c->n_ends; i++)
                away += assigned(c, &c->ends[i]) == NULL;
        mw_log_error("not at the end: %zu of %zu partitions assigned here; %zu "
                     "of the others hold messages not stored in this "
                     "database (such as topic=%s partition=%d, end offset "
                     "%lld%s): another member of group %s holds %zu "
                     "partitions; use a fresh group (-g) or midway-admin "
                     "replay",
                     c->n_ends - away, c->n_ends, n, first->topic,
                     (int)first->partition, (long long)first->end,
                     stored ? ", stored here but not moving for "
                              "broker.wait.ms"
                            : "",
                     c->conf.group_id, away);
        return -1;
}

void
mw_consumer_kafka_silent(struct consumer *c)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t err;
        size_t done, total;

        done = mw_consumer_drained(c, &total);
        err = rd_kafka_metadata(c->rk, 0, NULL, &md, 5000);
        if (err) {
                mw_log_error("no answer from the Kafka brokers %s for "
                             "broker.wait.ms (%d ms): %s; %zu of %zu "
                             "partitions drained; check that the brokers run "
                             "and are reachable and that -b/brokers names "
                             "them, then run again (it goes on from the "
                             "stored offsets)",
                             c->conf.brokers, c->conf.broker_wait_ms,
                             rd_kafka_err2str(err), done, total);
                return;
        }
        rd_kafka_metadata_destroy(md);
        if (c->n_parts == 0)
                mw_log_error("no partition assigned for broker.wait.ms (%d "
                             "ms): other members of group %s hold all %zu "
                             "partitions; use a fresh group (-g) or "
                             "midway-admin replay",
                             c->conf.broker_wait_ms, c->conf.group_id, total);
        else
                mw_log_error("nothing from Kafka for broker.wait.ms (%d ms) "
                             "with %zu of %zu partitions drained (%zu "
                             "assigned here)",
                             c->conf.broker_wait_ms, done, total, c->n_parts);
}
