/* midway-consumer: dead letters, exactly once per source offset.
 *
 * A message the consumer cannot apply is recorded in the dead_letter table
 * inside the transaction that moves its partition's offset past it
 * (batch.c), with its key and value. Only after that transaction commits
 * is it produced to the dead-letter topic, keyed by its source
 * (topic/partition/offset), and once Kafka acknowledges it the row is
 * marked published (and its copy of the message dropped). A batch that is
 * rolled back and retried therefore produces nothing twice. A crash, or a
 * broker outage, between the commit and the mark leaves rows pending: the
 * next owner of the partition first reads the dead-letter topic from
 * shortly before the rows were stored and marks those it finds there by
 * their source headers, and produces only the others. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer.h"
#include "midway/clock.h"
#include "midway/kafka.h"
#include "midway/log.h"
#include "midway/pg.h"
#include "midway/cpr.h"
#include "midway/sink.h"

#define FLUSH_MS       30000
#define SCAN_MS        30000
#define SCAN_MARGIN_MS (10LL * 60 * 1000) /* clocks of PostgreSQL, Kafka */
#define RETRY_MS       5000

void
mw_consumer_clean_reason(const char *in, char *out, size_t out_size)
{
        char printable[REASON_MAX];
        size_t i;

        for (i = 0; i + 1 < sizeof(printable) && in[i]; i++) {
                printable[i] = in[i];
                if (in[i] < 0x20 || in[i] >= 0x7f)
                        printable[i] = '?';
        }
        printable[i] = '\0';
        mw_cpr_mask(printable, out, out_size);
}

/* Where p lies in the raw buffer, or copies it there. */
static mw_err_t
keep_raw(struct consumer *c, const void *p, size_t len, size_t *at)
{
        const char *s = p;

        if (len > 0 && c->raw.data && s >= c->raw.data &&
            s < c->raw.data + c->raw.len) {
                *at = (size_t)(s - c->raw.data);
                return MW_OK;
        }
        *at = c->raw.len;
        return len > 0 ? mw_buf_append(&c->raw, p, len) : MW_OK;
}

mw_err_t
mw_consumer_dead(struct consumer *c, size_t part, int64_t offset,
                 const void *key, size_t key_len, const void *val,
                 size_t val_len, int withheld, const char *stage,
                 const char *reason)
{
        struct part *p = &c->parts[part];
        struct dead *d;
        mw_err_t err;

        if (c->n_dead == c->cap_dead) {
                size_t cap = c->cap_dead ? c->cap_dead * 2 : 16;

                d = realloc(c->dead, cap * sizeof(*d));
                if (!d)
                        return MW_ERR_NOMEM;
                c->dead = d;
                c->cap_dead = cap;
        }
        d = &c->dead[c->n_dead];
        memset(d, 0, sizeof(*d));
        d->part = part;
        d->offset = offset;
        d->withheld = withheld;
        snprintf(d->stage, sizeof(d->stage), "%s", stage);
        mw_consumer_clean_reason(reason, d->reason, sizeof(d->reason));
        if (withheld) {
                val = NULL;
                val_len = 0;
        }
        if ((err = keep_raw(c, key, key_len, &d->key)) ||
            (err = keep_raw(c, val, val_len, &d->val)))
                return err;
        d->key_len = key_len;
        d->val_len = val_len;
        c->n_dead++;
        p->batch_dead++;
        mw_log_warn("topic=%s partition=%d offset=%lld dead-lettered (%s): "
                    "%s%s",
                    p->topic, (int)p->partition, (long long)offset, d->stage,
                    d->reason, withheld ? " [value withheld]" : "");
        return MW_OK;
}

/* c->dead as the storage layer takes it; free() the result. */
static struct mw_sink_dead *
sink_dead(const struct consumer *c)
{
        struct mw_sink_dead *d;
        size_t i;

        d = calloc(c->n_dead ? c->n_dead : 1, sizeof(*d));
        for (i = 0; d && i < c->n_dead; i++) {
                const struct dead *x = &c->dead[i];

                d[i].topic = c->parts[x->part].topic;
                d[i].partition = c->parts[x->part].partition;
                d[i].offset = x->offset;
                d[i].stage = x->stage;
                d[i].reason = x->reason;
                d[i].key = c->raw.data + x->key;
                d[i].key_len = x->key_len;
                d[i].val = x->withheld ? NULL : c->raw.data + x->val;
                d[i].val_len = x->withheld ? 0 : x->val_len;
                d[i].withheld = x->withheld;
                d[i].dlq_partition = x->dlq_partition;
                d[i].dlq_offset = x->dlq_offset;
        }
        return d;
}

mw_err_t
mw_consumer_dead_store(struct consumer *c, char *errstr, size_t errstr_size)
{
        struct mw_sink_dead *d;
        mw_err_t err;

        if (c->n_dead == 0)
                return MW_OK;
        if (!(d = sink_dead(c)))
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        err = mw_sink_dead_insert(c->pg, d, c->n_dead, errstr, errstr_size);
        free(d);
        return err;
}

void
mw_consumer_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        struct dead *d = m->_private;

        (void)rk;
        (void)opaque;
        if (!d)
                return;
        d->delivered = m->err ? -1 : 1;
        d->dlq_partition = m->partition;
        d->dlq_offset = m->offset;
}

static rd_kafka_resp_err_t
produce_one(struct consumer *c, struct dead *d)
{
        const struct part *p = &c->parts[d->part];
        char part[16], off[24], key[320];
        rd_kafka_resp_err_t err;

        snprintf(part, sizeof(part), "%d", (int)p->partition);
        snprintf(off, sizeof(off), "%lld", (long long)d->offset);
        snprintf(key, sizeof(key), "%s/%s/%s", p->topic, part, off);
        d->delivered = 0;
        do {
                err = rd_kafka_producev(
                    c->dlq, RD_KAFKA_V_TOPIC(c->dlq_topic),
                    RD_KAFKA_V_KEY(key, strlen(key)),
                    RD_KAFKA_V_VALUE(d->val_len ? c->raw.data + d->val : NULL,
                                     d->val_len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_OPAQUE(d),
                    RD_KAFKA_V_HEADER("mw.source.topic", p->topic, -1),
                    RD_KAFKA_V_HEADER("mw.source.partition", part, -1),
                    RD_KAFKA_V_HEADER("mw.source.offset", off, -1),
                    RD_KAFKA_V_HEADER("mw.error.stage", d->stage, -1),
                    RD_KAFKA_V_HEADER("mw.error", d->reason, -1),
                    RD_KAFKA_V_HEADER("mw.payload",
                                      d->withheld ? "withheld" : "original",
                                      -1),
                    RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        rd_kafka_poll(c->dlq, 100);
        } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL);
        return err;
}

/* Marks the delivered dead letters published, in one statement. */
static mw_err_t
mark_published(struct consumer *c)
{
        struct mw_sink_dead *d;
        char errstr[512];
        int *published;
        size_t i;
        mw_err_t err = MW_ERR_NOMEM;

        d = sink_dead(c);
        published = calloc(c->n_dead ? c->n_dead : 1, sizeof(*published));
        if (d && published) {
                for (i = 0; i < c->n_dead; i++)
                        published[i] = c->dead[i].delivered == 1;
                err = mw_sink_dead_published(c->pg, d, published, c->n_dead,
                                             errstr, sizeof(errstr));
                if (err)
                        mw_log_warn("%s (they are published again only if "
                                    "not found on %s)",
                                    errstr, c->dlq_topic);
        }
        free(d);
        free(published);
        return err;
}

/* Produces every dead letter of c->dead not yet delivered, waits for
 * Kafka's acknowledgements and marks them; 0 when all are published. */
static int
publish(struct consumer *c)
{
        size_t i, failed = 0;
        rd_kafka_resp_err_t err;

        for (i = 0; i < c->n_dead; i++) {
                if (c->dead[i].delivered == 1)
                        continue;
                err = produce_one(c, &c->dead[i]);
                if (err) {
                        c->dead[i].delivered = -1;
                        mw_log_error("cannot produce to %s: %s", c->dlq_topic,
                                     rd_kafka_err2str(err));
                }
        }
        rd_kafka_flush(c->dlq, FLUSH_MS);
        for (i = 0; i < c->n_dead; i++)
                if (c->dead[i].delivered != 1)
                        failed++;
        if (mark_published(c) != MW_OK)
                failed = c->n_dead;
        if (failed) {
                mw_log_error("%zu of %zu dead letters not yet on %s; retrying "
                             "in %d s",
                             failed, c->n_dead, c->dlq_topic, RETRY_MS / 1000);
                c->pending_dlq = 1;
                c->pending_retry_at = mw_clock_ms() + RETRY_MS;
                return -1;
        }
        return 0;
}

void
mw_consumer_dead_publish(struct consumer *c)
{
        if (c->n_dead > 0)
                publish(c);
}

/* ---- recovery ------------------------------------------------------- */

struct pending {
        struct consumer *c;
        int64_t since_ms;
        int failed;
};

static int
add_pending(void *arg, const struct mw_sink_dead *d, int64_t stored_ms)
{
        struct pending *pd = arg;
        struct consumer *c = pd->c;
        size_t i;

        for (i = 0; i < c->n_parts; i++)
                if (c->parts[i].partition == d->partition &&
                    strcmp(c->parts[i].topic, d->topic) == 0)
                        break;
        if (i == c->n_parts)
                return 0;
        if (mw_consumer_dead(c, i, d->offset, d->key, d->key_len, d->val,
                             d->val_len, d->withheld, d->stage,
                             d->reason) != MW_OK) {
                pd->failed = 1;
                return 1;
        }
        c->parts[i].batch_dead--; /* counted in its own batch already */
        if (stored_ms < pd->since_ms)
                pd->since_ms = stored_ms;
        return 0;
}

/* Loads the pending dead letters of the assigned partitions into c->dead;
 * *since_ms is when the oldest was stored. */
static int
load_pending(struct consumer *c, int64_t *since_ms)
{
        struct pending pd = {c, INT64_MAX, 0};
        const char **topics;
        int32_t *parts;
        char errstr[512];
        size_t i;
        int rc = -1;

        topics = calloc(c->n_parts ? c->n_parts : 1, sizeof(*topics));
        parts = calloc(c->n_parts ? c->n_parts : 1, sizeof(*parts));
        if (topics && parts) {
                for (i = 0; i < c->n_parts; i++) {
                        topics[i] = c->parts[i].topic;
                        parts[i] = c->parts[i].partition;
                }
                if (mw_sink_dead_pending(c->pg, topics, parts, c->n_parts,
                                         add_pending, &pd, errstr,
                                         sizeof(errstr)) != MW_OK)
                        mw_log_warn("%s", errstr);
                else
                        rc = pd.failed ? -1 : 0;
        }
        free(topics);
        free(parts);
        *since_ms = pd.since_ms;
        return rc;
}

/* The value of header name of m as a NUL-terminated string, or "". */
static void
header(const rd_kafka_message_t *m, const char *name, char *out, size_t size)
{
        rd_kafka_headers_t *hdrs;
        const void *v;
        size_t len;

        out[0] = '\0';
        if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR ||
            rd_kafka_header_get_last(hdrs, name, &v, &len) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            !v)
                return;
        snprintf(out, size, "%.*s", (int)len, (const char *)v);
}

/* Marks every pending dead letter found on the dead-letter topic among the
 * messages written since since_ms (less a margin for clocks). */
static int
scan_topic(struct consumer *c, int64_t since_ms)
{
        char errstr[512], topic[256], part[16], off[24];
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_partition_list_t *list = NULL;
        rd_kafka_conf_t *kc;
        rd_kafka_topic_t *rkt = NULL;
        rd_kafka_t *rk = NULL;
        rd_kafka_message_t *m;
        rd_kafka_resp_err_t err;
        int64_t deadline;
        int i, eofs = 0, rc = -1;
        size_t k;

        kc = mw_kafka_conf_new(&c->conf, PROG "-dlq-scan", NULL, errstr,
                               sizeof(errstr));
        /* assign() needs a group id; the consumer's own (the one its ACL
         * allows): an assigning handle neither joins nor commits */
        if (!kc ||
            mw_kafka_conf_force(kc, "group.id", c->conf.group_id, errstr,
                                sizeof(errstr)) ||
            mw_kafka_conf_force(kc, "enable.partition.eof", "true", errstr,
                                sizeof(errstr)) ||
            mw_kafka_conf_force(kc, "enable.auto.commit", "false", errstr,
                                sizeof(errstr))) {
                if (kc)
                        rd_kafka_conf_destroy(kc);
                mw_log_warn("dead-letter scan: %s", errstr);
                return -1;
        }
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, sizeof(errstr));
        if (!rk) {
                rd_kafka_conf_destroy(kc);
                mw_log_warn("dead-letter scan: %s", errstr);
                return -1;
        }
        rkt = rd_kafka_topic_new(rk, c->dlq_topic, NULL);
        if (!rkt || rd_kafka_metadata(rk, 0, rkt, &md, 10000) ||
            md->topic_cnt != 1 || md->topics[0].err) {
                mw_log_warn("dead-letter scan: no metadata for %s",
                            c->dlq_topic);
                goto out;
        }
        list = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
        for (i = 0; i < md->topics[0].partition_cnt; i++)
                rd_kafka_topic_partition_list_add(
                    list, c->dlq_topic, md->topics[0].partitions[i].id)
                    ->offset = since_ms - SCAN_MARGIN_MS;
        if ((err = rd_kafka_offsets_for_times(rk, list, 10000)) ||
            (err = rd_kafka_assign(rk, list))) {
                mw_log_warn("dead-letter scan: cannot position on %s: %s",
                            c->dlq_topic, rd_kafka_err2str(err));
                goto out;
        }
        deadline = mw_clock_ms() + SCAN_MS;
        while (eofs < list->cnt && mw_clock_ms() < deadline &&
               mw_consumer_run) {
                m = rd_kafka_consumer_poll(rk, 200);
                if (!m)
                        continue;
                if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        eofs++;
                } else if (!m->err) {
                        header(m, "mw.source.topic", topic, sizeof(topic));
                        header(m, "mw.source.partition", part, sizeof(part));
                        header(m, "mw.source.offset", off, sizeof(off));
                        for (k = 0; k < c->n_dead; k++) {
                                struct dead *d = &c->dead[k];

                                if (d->offset == strtoll(off, NULL, 10) &&
                                    c->parts[d->part].partition ==
                                        (int32_t)strtol(part, NULL, 10) &&
                                    strcmp(c->parts[d->part].topic, topic) ==
                                        0) {
                                        d->delivered = 1;
                                        d->dlq_partition = m->partition;
                                        d->dlq_offset = m->offset;
                                }
                        }
                }
                rd_kafka_message_destroy(m);
        }
        rc = eofs == list->cnt ? 0 : -1;
        if (rc)
                mw_log_warn("dead-letter scan of %s did not reach its end",
                            c->dlq_topic);
out:
        if (list)
                rd_kafka_topic_partition_list_destroy(list);
        if (md)
                rd_kafka_metadata_destroy(md);
        if (rkt)
                rd_kafka_topic_destroy(rkt);
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
        return rc;
}

int
mw_consumer_dead_recover(struct consumer *c)
{
        int64_t since;
        size_t i, found = 0;
        int rc = -1;

        if (c->batch_msgs > 0 || c->n_parts == 0)
                return -1;
        c->pending_dlq = 0;
        if (load_pending(c, &since) != 0)
                goto retry;
        if (c->n_dead == 0)
                return 0;
        if (scan_topic(c, since) != 0)
                goto retry;
        for (i = 0; i < c->n_dead; i++)
                found += c->dead[i].delivered == 1;
        rc = publish(c);
        mw_log_info("%zu pending dead letters: %zu found on %s, %zu produced "
                    "now%s",
                    c->n_dead, found, c->dlq_topic, c->n_dead - found,
                    rc ? " (not all acknowledged)" : "");
        mw_consumer_batch_reset(c);
        return rc;
retry:
        mw_consumer_batch_reset(c);
        c->pending_dlq = 1;
        c->pending_retry_at = mw_clock_ms() + RETRY_MS;
        return -1;
}
