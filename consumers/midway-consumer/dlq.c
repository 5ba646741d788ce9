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

/* PostgreSQL's text form of bytes: \x and hex digits. */
static mw_err_t
hex_bytes(struct mw_buf *b, const unsigned char *p, size_t len)
{
        static const char hex[] = "0123456789abcdef";
        size_t i;
        mw_err_t err;

        mw_buf_reset(b);
        if ((err = mw_buf_append(b, "\\x", 2)))
                return err;
        for (i = 0; i < len && !err; i++) {
                char two[2] = {hex[p[i] >> 4], hex[p[i] & 15]};

                err = mw_buf_append(b, two, 2);
        }
        return err;
}

mw_err_t
mw_consumer_dead_store(struct consumer *c, char *errstr, size_t errstr_size)
{
        char part[16], off[24];
        struct mw_buf key = {0}, val = {0};
        const char *vals[8];
        size_t i;
        mw_err_t err = MW_OK;

        for (i = 0; i < c->n_dead && !err; i++) {
                const struct dead *d = &c->dead[i];

                snprintf(part, sizeof(part), "%d",
                         (int)c->parts[d->part].partition);
                snprintf(off, sizeof(off), "%lld", (long long)d->offset);
                if ((err = hex_bytes(
                         &key, (const unsigned char *)c->raw.data + d->key,
                         d->key_len)) ||
                    (err = hex_bytes(
                         &val, (const unsigned char *)c->raw.data + d->val,
                         d->val_len))) {
                        mw_errf(errstr, errstr_size, err, "out of memory");
                        break;
                }
                vals[0] = c->parts[d->part].topic;
                vals[1] = part;
                vals[2] = off;
                vals[3] = d->reason;
                vals[4] = d->stage;
                vals[5] = key.data;
                vals[6] = d->withheld ? NULL : val.data;
                vals[7] = d->withheld ? "true" : "false";
                err = mw_pg_result(
                    c->pg,
                    PQexecParams(c->pg,
                                 "INSERT INTO dead_letter (kafka_topic, "
                                 "kafka_partition, kafka_offset, reason, "
                                 "stage, msg_key, payload, payload_withheld) "
                                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                                 8, NULL, vals, NULL, NULL, 0),
                    "INSERT dead_letter", errstr, errstr_size);
        }
        mw_buf_release(&key);
        mw_buf_release(&val);
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
mark_published(struct consumer *c, size_t *n_marked)
{
        struct mw_buf a[5] = {{0}};
        const char *vals[5];
        char errstr[512];
        size_t i, k;
        mw_err_t err = MW_OK;

        *n_marked = 0;
        for (k = 0; k < 5 && !err; k++)
                err = mw_buf_append(&a[k], "{", 1);
        for (i = 0; i < c->n_dead && !err; i++) {
                const struct dead *d = &c->dead[i];
                const char *sep = *n_marked ? "," : "";

                if (d->delivered != 1)
                        continue;
                /* topic names are of Kafka's alphabet: no quote needed
                 * beyond the double quotes */
                if ((err = mw_buf_appendf(&a[0], "%s\"%s\"", sep,
                                          c->parts[d->part].topic)) ||
                    (err = mw_buf_appendf(&a[1], "%s%d", sep,
                                          (int)c->parts[d->part].partition)) ||
                    (err = mw_buf_appendf(&a[2], "%s%lld", sep,
                                          (long long)d->offset)) ||
                    (err = mw_buf_appendf(&a[3], "%s%d", sep,
                                          (int)d->dlq_partition)) ||
                    (err = mw_buf_appendf(&a[4], "%s%lld", sep,
                                          (long long)d->dlq_offset)))
                        break;
                (*n_marked)++;
        }
        for (k = 0; k < 5 && !err; k++)
                err = mw_buf_append(&a[k], "}", 1);
        if (!err && *n_marked > 0) {
                for (k = 0; k < 5; k++)
                        vals[k] = a[k].data;
                err = mw_pg_result(
                    c->pg,
                    PQexecParams(
                        c->pg,
                        "UPDATE dead_letter d SET published_at = now(), "
                        "dlq_partition = u.dp, dlq_offset = u.dof, "
                        "msg_key = NULL, payload = NULL FROM "
                        "unnest($1::text[], $2::int[], $3::bigint[], "
                        "$4::int[], $5::bigint[]) AS u(t, p, o, dp, dof) "
                        "WHERE d.kafka_topic = u.t AND d.kafka_partition = "
                        "u.p AND d.kafka_offset = u.o",
                        5, NULL, vals, NULL, NULL, 0),
                    "marking dead letters published", errstr, sizeof(errstr));
                if (err)
                        mw_log_warn("%s (they are published again only if "
                                    "not found on %s)",
                                    errstr, c->dlq_topic);
        }
        for (k = 0; k < 5; k++)
                mw_buf_release(&a[k]);
        return err;
}

/* Produces every dead letter of c->dead not yet delivered, waits for
 * Kafka's acknowledgements and marks them; 0 when all are published. */
static int
publish(struct consumer *c)
{
        size_t i, failed = 0, marked = 0;
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
        if (mark_published(c, &marked) != MW_OK)
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

/* Loads the pending dead letters of the assigned partitions into c->dead;
 * *since_ms is when the oldest was stored. */
static int
load_pending(struct consumer *c, int64_t *since_ms)
{
        struct mw_buf topics = {0}, parts = {0};
        const char *vals[2];
        unsigned char *bytes;
        PGresult *res = NULL;
        size_t i, n, len;
        int r, rc = -1;

        *since_ms = INT64_MAX;
        mw_buf_append(&topics, "{", 1);
        mw_buf_append(&parts, "{", 1);
        for (i = 0; i < c->n_parts; i++) {
                mw_buf_appendf(&topics, "%s\"%s\"", i ? "," : "",
                               c->parts[i].topic);
                mw_buf_appendf(&parts, "%s%d", i ? "," : "",
                               (int)c->parts[i].partition);
        }
        if (mw_buf_append(&topics, "}", 1) || mw_buf_append(&parts, "}", 1))
                goto out;
        vals[0] = topics.data;
        vals[1] = parts.data;
        res = PQexecParams(
            c->pg,
            "SELECT kafka_topic, kafka_partition, kafka_offset, stage, "
            "reason, msg_key, payload, payload_withheld, "
            "(extract(epoch FROM dead_lettered_at) * 1000)::bigint "
            "FROM dead_letter d JOIN unnest($1::text[], $2::int[]) AS "
            "a(t, p) ON d.kafka_topic = a.t AND d.kafka_partition = a.p "
            "WHERE published_at IS NULL ORDER BY 1, 2, 3",
            2, NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                mw_log_warn("reading pending dead letters: %s",
                            PQerrorMessage(c->pg));
                goto out;
        }
        for (r = 0; r < PQntuples(res); r++) {
                const char *topic = PQgetvalue(res, r, 0);
                int32_t part = (int32_t)strtol(PQgetvalue(res, r, 1), NULL, 10);
                int64_t ms = strtoll(PQgetvalue(res, r, 8), NULL, 10);
                const void *key = NULL, *val = NULL;
                size_t key_len = 0, val_len = 0;
                unsigned char *kb = NULL;

                for (i = 0; i < c->n_parts; i++)
                        if (c->parts[i].partition == part &&
                            strcmp(c->parts[i].topic, topic) == 0)
                                break;
                if (i == c->n_parts)
                        continue;
                n = i;
                if (!PQgetisnull(res, r, 5)) {
                        kb = PQunescapeBytea(
                            (const unsigned char *)PQgetvalue(res, r, 5), &len);
                        key = kb;
                        key_len = kb ? len : 0;
                }
                bytes = NULL;
                if (!PQgetisnull(res, r, 6)) {
                        bytes = PQunescapeBytea(
                            (const unsigned char *)PQgetvalue(res, r, 6), &len);
                        val = bytes;
                        val_len = bytes ? len : 0;
                }
                if (mw_consumer_dead(
                        c, n, strtoll(PQgetvalue(res, r, 2), NULL, 10), key,
                        key_len, val, val_len, PQgetvalue(res, r, 7)[0] == 't',
                        PQgetvalue(res, r, 3),
                        PQgetvalue(res, r, 4)) != MW_OK) {
                        PQfreemem(kb);
                        PQfreemem(bytes);
                        goto out;
                }
                /* counted in its own batch already */
                c->parts[n].batch_dead--;
                PQfreemem(kb);
                PQfreemem(bytes);
                if (ms < *since_ms)
                        *since_ms = ms;
        }
        rc = 0;
out:
        PQclear(res);
        mw_buf_release(&topics);
        mw_buf_release(&parts);
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
