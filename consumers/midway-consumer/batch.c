/* midway-consumer: one PostgreSQL transaction per batch.
 *
 * A batch's events are COPYed into a staging table, INSERTed into event
 * (ON CONFLICT on the event id: a duplicate is counted, not stored twice),
 * folded into the per-citizen state (midway_apply_batch), its dead letters
 * recorded and every partition's stored offset moved with a compare-and-set,
 * all in one transaction: nothing is lost or counted twice, whatever
 * crashes.
 *
 * A message that decodes and validates but that PostgreSQL still refuses
 * (a poison message) must not stop the stream: when applying the batch
 * fails for a reason one row can cause (mw_pg_state_is_data()), the batch
 * is applied again in halves under savepoints, down to the single rows that
 * fail; each of those becomes a dead letter of stage "store" with the
 * database's reason and the rest commits with the offsets. A poison message
 * costs about 2 log2(batch) small statements, once. Failures that are not
 * the data's fault (connection, serialisation, privileges, resources) roll
 * the batch back and retry it after a growing pause, during which the
 * partitions are paused and the consumer keeps polling Kafka. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consumer.h"
#include "midway/clock.h"
#include "midway/date.h"
#include "midway/log.h"
#include "midway/pg.h"
#include "midway/sink.h"

#define DB_RETRY_MAX_MS 10000

void
mw_consumer_batch_reset(struct consumer *c)
{
        size_t i;

        for (i = 0; i < c->n_parts; i++) {
                c->parts[i].batch_next = -1;
                c->parts[i].batch_msgs = 0;
                c->parts[i].batch_rows = 0;
                c->parts[i].batch_dups = 0;
                c->parts[i].batch_dead = 0;
        }
        mw_consumer_erase_reset(c);
        mw_buf_reset(&c->copy);
        mw_buf_reset(&c->raw);
        c->n_rows = 0;
        c->n_dead = 0;
        c->batch_msgs = 0;
}

/* ---- holding: a failure pauses, poll goes on -------------------- */

static void
pause_all(struct consumer *c, int pause)
{
        rd_kafka_topic_partition_list_t *list = NULL;
        rd_kafka_resp_err_t err;

        if (rd_kafka_assignment(c->rk, &list) != RD_KAFKA_RESP_ERR_NO_ERROR ||
            !list)
                return;
        err = pause ? rd_kafka_pause_partitions(c->rk, list)
                    : rd_kafka_resume_partitions(c->rk, list);
        if (err)
                mw_log_warn("%s %d partitions: %s",
                            pause ? "pausing" : "resuming", list->cnt,
                            rd_kafka_err2str(err));
        rd_kafka_topic_partition_list_destroy(list);
}

/* The batch is thrown away and the assigned partitions paused: the poll
 * loop keeps calling poll (so max.poll.interval.ms never runs out and the
 * group keeps the assignment) and gets nothing from them until
 * mw_consumer_resume() rewinds them. */
void
mw_consumer_hold(struct consumer *c, int64_t backoff_ms)
{
        size_t i;

        if (!c->held)
                mw_log_warn("%zu partitions paused for %lld ms; polling goes "
                            "on, the group membership is kept",
                            c->n_parts, (long long)backoff_ms);
        pause_all(c, 1);
        c->held = 1;
        c->held_until = mw_clock_ms() + backoff_ms;
        for (i = 0; i < c->n_parts; i++)
                c->parts[i].eof = 0;
        mw_consumer_batch_reset(c);
}

static int64_t
next_backoff(struct consumer *c)
{
        c->fail_backoff_ms = c->fail_backoff_ms ? c->fail_backoff_ms * 2 : 250;
        if (c->fail_backoff_ms > DB_RETRY_MAX_MS)
                c->fail_backoff_ms = DB_RETRY_MAX_MS;
        return c->fail_backoff_ms;
}

/* Moves every assigned partition to the offset stored in PostgreSQL (re-
 * read, since a successor may have moved it). */
static int
rewind_all(struct consumer *c, char *errstr, size_t errstr_size)
{
        rd_kafka_topic_partition_list_t *list;
        rd_kafka_error_t *error;
        struct part *p;
        size_t i;
        int j, rc = 0;

        list = rd_kafka_topic_partition_list_new((int)c->n_parts + 1);
        for (i = 0; i < c->n_parts; i++) {
                p = &c->parts[i];
                if (mw_sink_load_offset(c->pg, c->conf.group_id, p->topic,
                                        p->partition, &p->db_next, errstr,
                                        errstr_size) != MW_OK) {
                        rd_kafka_topic_partition_list_destroy(list);
                        return -1;
                }
                rd_kafka_topic_partition_list_add(list, p->topic, p->partition)
                    ->offset =
                    p->db_next >= 0 ? p->db_next : RD_KAFKA_OFFSET_BEGINNING;
        }
        error = rd_kafka_seek_partitions(c->rk, list, 10000);
        if (error) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID, "seek: %s",
                        rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
                rc = -1;
        }
        for (j = 0; rc == 0 && j < list->cnt; j++) {
                if (list->elems[j].err) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "topic=%s partition=%d seek to %lld: %s",
                                list->elems[j].topic,
                                (int)list->elems[j].partition,
                                (long long)list->elems[j].offset,
                                rd_kafka_err2str(list->elems[j].err));
                        rc = -1;
                }
        }
        rd_kafka_topic_partition_list_destroy(list);
        return rc;
}

int
mw_consumer_resume(struct consumer *c)
{
        char errstr[512];
        int64_t now = mw_clock_ms(), delay;

        if (!c->held)
                return 0;
        if (now < c->held_until)
                return 1;
        if (c->reconnecting || PQstatus(c->pg) != CONNECTION_OK) {
                c->reconnecting = 1;
                PQreset(c->pg);
                if (PQstatus(c->pg) != CONNECTION_OK ||
                    mw_sink_session(c->pg, errstr, sizeof(errstr)) != MW_OK) {
                        delay = next_backoff(c);
                        mw_log_warn("PostgreSQL unavailable, retrying in %lld "
                                    "ms: %s",
                                    (long long)delay,
                                    PQstatus(c->pg) != CONNECTION_OK
                                        ? PQerrorMessage(c->pg)
                                        : errstr);
                        c->held_until = mw_clock_ms() + delay;
                        return 1;
                }
                c->reconnecting = 0;
                mw_log_info("PostgreSQL connection re-established");
        }
        if (rewind_all(c, errstr, sizeof(errstr)) != 0) {
                delay = next_backoff(c);
                mw_log_warn("rewinding to the stored offsets, retrying in "
                            "%lld ms: %s",
                            (long long)delay, errstr);
                c->held_until = mw_clock_ms() + delay;
                return 1;
        }
        pause_all(c, 0);
        c->held = 0;
        c->kafka_seen_ms = mw_clock_ms();
        mw_log_info("%zu partitions rewound to their stored offsets and "
                    "resumed",
                    c->n_parts);
        return 0;
}

/* ---- staging ------------------------------------------------------- */

/* Appends s as one field of COPY text format: runs without a character
 * to escape are copied at once. */
static mw_err_t
copy_field(struct mw_buf *b, const char *s, int last)
{
        const char *p = s;
        size_t n;
        mw_err_t err = MW_OK;

        for (;;) {
                n = strcspn(p, "\\\t\n\r");
                if (n > 0 && (err = mw_buf_append(b, p, n)))
                        return err;
                p += n;
                if (*p == '\0')
                        break;
                switch (*p++) {
                case '\\':
                        err = mw_buf_append(b, "\\\\", 2);
                        break;
                case '\t':
                        err = mw_buf_append(b, "\\t", 2);
                        break;
                case '\n':
                        err = mw_buf_append(b, "\\n", 2);
                        break;
                default: /* '\r' */
                        err = mw_buf_append(b, "\\r", 2);
                }
                if (err)
                        return err;
        }
        return mw_buf_append(b, last ? "\n" : "\t", 1);
}

static mw_err_t
copy_event(struct consumer *c, const struct mw_event *ev,
           const rd_kafka_message_t *m)
{
        char num[32], day[11], ts[40];
        time_t secs;
        struct tm tm;
        int64_t ms = ev->registered_at;
        struct mw_buf *b = &c->copy;
        mw_err_t err;

        mw_buf_reset(&c->json);
        if ((err = mw_event_payload_json(ev, &c->json)))
                return err;
        /* validation bounds every date; a date with no yyyy-mm-dd form is
         * refused here all the same, never written as a made-up one */
        if (mw_date_format(ev->event_date, day) != 0)
                return MW_ERR_INVALID;
        secs = (time_t)(ms / 1000);
        gmtime_r(&secs, &tm);
        strftime(ts, 24, "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03d+00",
                 (int)(ms % 1000));
        if ((err = copy_field(b, ev->event_id, 0)))
                return err;
        snprintf(num, sizeof(num), "%d", ev->project_id);
        if ((err = copy_field(b, num, 0)))
                return err;
        snprintf(num, sizeof(num), "%d", ev->municipality_code);
        if ((err = copy_field(b, num, 0)) ||
            (err = copy_field(b, ev->citizen_ref, 0)) ||
            (err = copy_field(b, ev->key_id, 0)) ||
            (err = copy_field(b, mw_kind_name(ev->kind), 0)) ||
            (err = copy_field(b, day, 0)) || (err = copy_field(b, ts, 0)) ||
            (err = copy_field(b, ev->producer_id, 0)) ||
            (err = copy_field(b, mw_action_name(ev->action), 0)))
                return err;
        if (ev->supersedes[0])
                err = copy_field(b, ev->supersedes, 0);
        else
                err = mw_buf_append(b, "\\N\t", 3);
        if (err || (err = copy_field(b, c->json.data, 0)) ||
            (err = copy_field(b, rd_kafka_topic_name(m->rkt), 0)))
                return err;
        snprintf(num, sizeof(num), "%d", (int)m->partition);
        if ((err = copy_field(b, num, 0)))
                return err;
        snprintf(num, sizeof(num), "%lld", (long long)m->offset);
        return copy_field(b, num, 1);
}

mw_err_t
mw_consumer_stage(struct consumer *c, size_t part, const struct mw_event *ev,
                  const rd_kafka_message_t *m)
{
        struct row *r;
        size_t copy_len = c->copy.len, raw_len = c->raw.len;
        mw_err_t err;

        if (c->n_rows == c->cap_rows) {
                size_t cap = c->cap_rows ? c->cap_rows * 2 : 1024;

                r = realloc(c->rows, cap * sizeof(*r));
                if (!r)
                        return MW_ERR_NOMEM;
                c->rows = r;
                c->cap_rows = cap;
        }
        r = &c->rows[c->n_rows];
        r->part = part;
        r->offset = m->offset;
        r->start = c->copy.len;
        r->key = c->raw.len;
        r->key_len = m->key_len;
        r->val = c->raw.len + m->key_len;
        r->val_len = m->len;
        if ((err = copy_event(c, ev, m)) ||
            (m->key_len &&
             (err = mw_buf_append(&c->raw, m->key, m->key_len))) ||
            (m->len && (err = mw_buf_append(&c->raw, m->payload, m->len)))) {
                c->copy.len = copy_len; /* the row is not staged */
                c->raw.len = raw_len;
                return err;
        }
        c->n_rows++;
        return MW_OK;
}

/* ---- applying rows --------------------------------------------------- */

/* The end of row i's COPY text. */
static size_t
row_end(const struct consumer *c, size_t i)
{
        return i + 1 < c->n_rows ? c->rows[i + 1].start : c->copy.len;
}

static void
count_dups(void *arg, const char *topic, int32_t partition, long n)
{
        struct consumer *c = arg;
        size_t i;

        for (i = 0; i < c->n_parts; i++)
                if (c->parts[i].partition == partition &&
                    strcmp(c->parts[i].topic, topic) == 0)
                        c->parts[i].try_dups = n;
}

/* Applies rows [lo, hi) (mw_sink_apply()); on success the attempt's
 * duplicates count for the batch. */
static enum mw_sink_rc
apply_rows(struct consumer *c, size_t lo, size_t hi, char *errstr,
           size_t errstr_size)
{
        enum mw_sink_rc rc;
        long dups;
        size_t i;

        for (i = 0; i < c->n_parts; i++)
                c->parts[i].try_dups = 0;
        rc = mw_sink_apply(c->pg, c->copy.data + c->rows[lo].start,
                           row_end(c, hi - 1) - c->rows[lo].start,
                           (long)(hi - lo), count_dups, c, &dups, errstr,
                           errstr_size);
        if (rc == MW_SINK_OK)
                for (i = 0; i < c->n_parts; i++)
                        c->parts[i].batch_dups += c->parts[i].try_dups;
        return rc;
}

/* Rows [lo, hi) failed together with reason why: applies what of them
 * PostgreSQL takes, half by half under a savepoint, and dead-letters each
 * single row it refuses. MW_SINK_OTHER when something that is not the data's
 * fault got in the way. */
static enum mw_sink_rc
isolate(struct consumer *c, size_t lo, size_t hi, const char *why, char *errstr,
        size_t errstr_size)
{
        char reason[REASON_MAX], sub[512];
        const struct row *r;
        size_t mid, a, b;
        enum mw_sink_rc rc;
        int half;

        if (hi - lo == 1) {
                r = &c->rows[lo];
                mw_consumer_clean_reason(why, reason, sizeof(reason));
                if (mw_consumer_dead(
                        c, r->part, r->offset, c->raw.data + r->key, r->key_len,
                        c->raw.data + r->val, r->val_len, 0, "store", reason)) {
                        mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                "out of memory");
                        return MW_SINK_OTHER;
                }
                c->parts[r->part].batch_rows--;
                c->total_isolated++;
                return MW_SINK_OK;
        }
        mid = lo + (hi - lo) / 2;
        for (half = 0; half < 2; half++) {
                a = half ? mid : lo;
                b = half ? hi : mid;
                if (mw_sink_savepoint(c->pg, "isolate", errstr, errstr_size))
                        return MW_SINK_OTHER;
                rc = apply_rows(c, a, b, sub, sizeof(sub));
                if (rc == MW_SINK_OTHER) {
                        mw_errf(errstr, errstr_size, MW_ERR_DB, "%s", sub);
                        return rc;
                }
                if (rc == MW_SINK_DATA) {
                        if (mw_sink_rollback_to(c->pg, "isolate", errstr,
                                                errstr_size))
                                return MW_SINK_OTHER;
                        rc = isolate(c, a, b, sub, errstr, errstr_size);
                        if (rc != MW_SINK_OK)
                                return rc;
                }
                if (mw_sink_release(c->pg, "isolate", errstr, errstr_size))
                        return MW_SINK_OTHER;
        }
        return MW_SINK_OK;
}

/* Applies the batch's rows; a data failure is isolated (see the top). */
static int
apply_batch(struct consumer *c, char *errstr, size_t errstr_size)
{
        char why[512];
        size_t before = c->n_dead;
        enum mw_sink_rc rc;

        if (c->n_rows == 0)
                return 0;
        if (mw_sink_savepoint(c->pg, "batch", errstr, errstr_size))
                return -1;
        rc = apply_rows(c, 0, c->n_rows, why, sizeof(why));
        if (rc == MW_SINK_OK)
                return 0;
        if (rc == MW_SINK_OTHER) {
                mw_errf(errstr, errstr_size, MW_ERR_DB, "%s", why);
                return -1;
        }
        mw_consumer_clean_reason(why, errstr, errstr_size);
        mw_log_warn("batch of %zu events refused (%s): isolating the "
                    "message(s) at fault",
                    c->n_rows, errstr);
        if (mw_sink_rollback_to(c->pg, "batch", errstr, errstr_size) ||
            isolate(c, 0, c->n_rows, why, errstr, errstr_size) != MW_SINK_OK)
                return -1;
        /* Every row refused on its own: the database, not the data, is at
         * fault (a broken function, a full disk reported as data): retry
         * rather than dead-letter a whole batch of good events. */
        if (c->n_rows > 1 && c->n_dead - before == c->n_rows) {
                mw_errf(errstr, errstr_size, MW_ERR_DB,
                        "every one of %zu events was refused on its own; "
                        "not dead-lettering them all: %s",
                        c->n_rows, c->dead[before].reason);
                return -1;
        }
        return 0;
}

/* ---- offsets ----------------------------------------------------------- */

/* Moves the stored offsets of the batch's partitions (mw_sink_offsets()):
 * one statement for those already stored, one for those stored for the
 * first time. */
static mw_err_t
advance_offsets(struct consumer *c, int fresh, char *errstr, size_t errstr_size)
{
        struct mw_sink_offset *offs;
        size_t i, n = 0;
        mw_err_t err;

        offs = calloc(c->n_parts ? c->n_parts : 1, sizeof(*offs));
        if (!offs)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        for (i = 0; i < c->n_parts; i++) {
                const struct part *p = &c->parts[i];

                if (p->batch_msgs == 0 || (p->db_next < 0) != fresh)
                        continue;
                offs[n].topic = p->topic;
                offs[n].partition = p->partition;
                offs[n].prev = p->db_next;
                offs[n].next = p->batch_next;
                offs[n].messages = p->batch_msgs;
                offs[n].duplicates = p->batch_dups;
                offs[n].dead_letters = p->batch_dead;
                n++;
        }
        err = mw_sink_offsets(c->pg, c->conf.group_id, offs, n, fresh, errstr,
                              errstr_size);
        free(offs);
        return err;
}

/* ---- the transaction ------------------------------------------------- */

int
mw_consumer_commit(struct consumer *c)
{
        char errstr[1024];
        long events = 0, dups = 0;
        int64_t started = mw_clock_ms();
        size_t i;
        int in_tx = 0;

        if (c->batch_msgs == 0)
                return 0;
        for (i = 0; i < c->n_parts; i++)
                c->parts[i].batch_dups = 0;
        if (mw_pg_exec(c->pg, "BEGIN", errstr, sizeof(errstr)))
                goto fail;
        in_tx = 1;
        if (apply_batch(c, errstr, sizeof(errstr)) ||
            mw_consumer_dead_store(c, errstr, sizeof(errstr)) ||
            mw_consumer_erase_apply(c, errstr, sizeof(errstr)) ||
            advance_offsets(c, 0, errstr, sizeof(errstr)) ||
            advance_offsets(c, 1, errstr, sizeof(errstr)) ||
            mw_pg_exec(c->pg, "COMMIT", errstr, sizeof(errstr)))
                goto fail;
        for (i = 0; i < c->n_parts; i++) {
                struct part *p = &c->parts[i];

                if (p->batch_msgs == 0)
                        continue;
                p->db_next = p->batch_next;
                events += p->batch_rows - p->batch_dups;
                dups += p->batch_dups;
        }
        c->total_msgs += c->batch_msgs;
        c->total_events += events;
        c->total_dups += dups;
        c->total_dead += (long)c->n_dead;
        c->total_batches++;
        c->last_commit_ms = mw_clock_ms() - started;
        c->fail_backoff_ms = 0;
        mw_consumer_metrics_commit(c, c->last_commit_ms, 1);
        mw_log_debug("batch committed: %ld messages, %ld events, %ld "
                     "duplicates, %zu dead letters; open %lld ms, commit %lld "
                     "ms",
                     c->batch_msgs, events, dups, c->n_dead,
                     (long long)(started - c->batch_started),
                     (long long)c->last_commit_ms);
        mw_consumer_dead_publish(c);
        mw_consumer_erase_kafka(c);
        mw_consumer_batch_reset(c);
        return 0;
fail:
        mw_log_error("batch of %ld messages not applied: %s", c->batch_msgs,
                     errstr);
        mw_consumer_metrics_commit(c, mw_clock_ms() - started, 0);
        if (in_tx && PQstatus(c->pg) == CONNECTION_OK)
                mw_pg_exec(c->pg, "ROLLBACK", NULL, 0);
        /* not the data's fault: pause, and try again a little later each
         * time rather than re-reading and re-failing as fast as the
         * machine can; a lost connection is re-established first */
        mw_consumer_hold(c, next_backoff(c));
        return -1;
}
