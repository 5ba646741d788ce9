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
 * the batch back and retry it after a growing pause. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consumer.h"
#include "midway/clock.h"
#include "midway/date.h"
#include "midway/log.h"
#include "midway/pg.h"

#define DB_RETRY_MAX_MS 10000

enum apply_rc {
        APPLY_OK,
        APPLY_DATA,  /* refused for a reason one row can cause */
        APPLY_OTHER, /* anything else: retry the whole batch later */
};

mw_err_t
mw_consumer_session(struct consumer *c, char *errstr, size_t errstr_size)
{
        /* The staging table lives as long as the session. */
        return mw_pg_exec(c->pg,
                          "CREATE TEMP TABLE IF NOT EXISTS stage_event "
                          "(LIKE event INCLUDING DEFAULTS) "
                          "ON COMMIT DELETE ROWS",
                          errstr, errstr_size);
}

mw_err_t
mw_consumer_load_offset(struct consumer *c, struct part *p, char *errstr,
                        size_t errstr_size)
{
        char part[16];
        const char *vals[3] = {c->conf.group_id, p->topic, part};
        PGresult *res;
        mw_err_t err = MW_OK;

        snprintf(part, sizeof(part), "%d", (int)p->partition);
        res = PQexecParams(c->pg,
                           "SELECT next_offset FROM kafka_offset "
                           "WHERE consumer_group = $1 AND topic = $2 "
                           "AND partition = $3",
                           3, NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                err = mw_errf(errstr, errstr_size, MW_ERR_DB,
                              "reading offsets: %s", PQerrorMessage(c->pg));
                goto out;
        }
        p->db_next =
            PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
out:
        PQclear(res);
        return err;
}

/* Reconnects until PostgreSQL answers again or we are told to stop. */
static int
db_reconnect(struct consumer *c)
{
        char errstr[512];
        int delay = 250;

        while (mw_consumer_run) {
                PQreset(c->pg);
                if (PQstatus(c->pg) == CONNECTION_OK &&
                    mw_consumer_session(c, errstr, sizeof(errstr)) == MW_OK) {
                        mw_log_info("PostgreSQL connection re-established");
                        return 0;
                }
                mw_log_warn("PostgreSQL unavailable, retrying in %d ms: %s",
                            delay, PQerrorMessage(c->pg));
                mw_clock_sleep_ms(delay, &mw_consumer_run);
                delay =
                    delay * 2 > DB_RETRY_MAX_MS ? DB_RETRY_MAX_MS : delay * 2;
        }
        return -1;
}

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
        mw_buf_reset(&c->copy);
        mw_buf_reset(&c->raw);
        c->n_rows = 0;
        c->n_dead = 0;
        c->batch_msgs = 0;
}

/* Throws the batch away and moves every partition it touched back to the
 * offset stored in PostgreSQL (re-read, since a successor may have moved
 * it). */
static void
batch_discard(struct consumer *c)
{
        char errstr[512];
        rd_kafka_topic_t *rkt;
        rd_kafka_resp_err_t err;
        int64_t offset;
        size_t i;

        for (i = 0; i < c->n_parts; i++) {
                struct part *p = &c->parts[i];

                if (p->batch_msgs == 0)
                        continue;
                if (PQstatus(c->pg) == CONNECTION_OK &&
                    mw_consumer_load_offset(c, p, errstr, sizeof(errstr)) !=
                        MW_OK)
                        mw_log_warn("%s", errstr);
                offset =
                    p->db_next >= 0 ? p->db_next : RD_KAFKA_OFFSET_BEGINNING;
                rkt = rd_kafka_topic_new(c->rk, p->topic, NULL);
                if (!rkt)
                        continue;
                err = rd_kafka_seek(rkt, p->partition, offset, 10000);
                if (err)
                        mw_log_warn("topic=%s partition=%d seek to %lld "
                                    "failed: %s",
                                    p->topic, (int)p->partition,
                                    (long long)offset, rd_kafka_err2str(err));
                else
                        mw_log_info("topic=%s partition=%d rewound to "
                                    "offset %lld",
                                    p->topic, (int)p->partition,
                                    (long long)offset);
                rd_kafka_topic_destroy(rkt);
                p->eof = 0;
        }
        mw_consumer_batch_reset(c);
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

static enum apply_rc
classify(struct consumer *c, const char *sqlstate)
{
        if (PQstatus(c->pg) != CONNECTION_OK)
                return APPLY_OTHER;
        return mw_pg_state_is_data(sqlstate) ? APPLY_DATA : APPLY_OTHER;
}

static enum apply_rc
copy_rows(struct consumer *c, size_t lo, size_t hi, char *errstr,
          size_t errstr_size)
{
        char state[6] = "";
        const char *data = c->copy.data + c->rows[lo].start;
        size_t len = row_end(c, hi - 1) - c->rows[lo].start;
        PGresult *res;

        res =
            PQexec(c->pg, "COPY stage_event (event_id, project_id, "
                          "municipality_code, citizen_ref, key_id, kind, "
                          "event_date, registered_at, producer_id, action, "
                          "supersedes, payload, kafka_topic, kafka_partition, "
                          "kafka_offset) FROM STDIN");
        if (PQresultStatus(res) != PGRES_COPY_IN) {
                mw_pg_result_state(c->pg, res, "COPY", state, errstr,
                                   errstr_size);
                return classify(c, state);
        }
        PQclear(res);
        if (PQputCopyData(c->pg, data, (int)len) != 1 ||
            PQputCopyEnd(c->pg, NULL) != 1) {
                mw_errf(errstr, errstr_size, MW_ERR_DB, "COPY: %s",
                        PQerrorMessage(c->pg));
                return APPLY_OTHER;
        }
        if (mw_pg_result_state(c->pg, PQgetResult(c->pg), "COPY", state, errstr,
                               errstr_size))
                return classify(c, state);
        return APPLY_OK;
}

/* INSERTs the staged events; sets each partition's try_dups to the events
 * it staged that were already stored. Usually none are: the inserted count
 * then says so and no per-partition count is needed. A staged event was
 * inserted iff the stored row of its id carries its topic, partition and
 * offset. */
static enum apply_rc
insert_events(struct consumer *c, size_t lo, size_t hi, long *dups,
              char *errstr, size_t errstr_size)
{
        char state[6] = "";
        PGresult *res;
        struct part *p;
        long inserted;
        size_t i;
        int r;

        *dups = 0;
        for (i = 0; i < c->n_parts; i++)
                c->parts[i].try_dups = 0;
        res = PQexec(c->pg, "INSERT INTO event SELECT * FROM stage_event "
                            "ON CONFLICT (event_id) DO NOTHING");
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                mw_pg_result_state(c->pg, res, "INSERT events", state, errstr,
                                   errstr_size);
                return classify(c, state);
        }
        inserted = strtol(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        if (inserted == (long)(hi - lo))
                return APPLY_OK;
        res = PQexec(c->pg,
                     "SELECT s.kafka_topic, s.kafka_partition, count(*) "
                     "FROM stage_event s WHERE NOT EXISTS (SELECT 1 FROM "
                     "event e WHERE e.event_id = s.event_id AND "
                     "e.kafka_topic = s.kafka_topic AND e.kafka_partition = "
                     "s.kafka_partition AND e.kafka_offset = s.kafka_offset) "
                     "GROUP BY 1, 2");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                mw_pg_result_state(c->pg, res, "counting duplicates", state,
                                   errstr, errstr_size);
                return classify(c, state);
        }
        for (r = 0; r < PQntuples(res); r++) {
                const char *topic = PQgetvalue(res, r, 0);
                int32_t part = (int32_t)strtol(PQgetvalue(res, r, 1), NULL, 10);

                for (i = 0; i < c->n_parts; i++) {
                        p = &c->parts[i];
                        if (p->partition == part &&
                            strcmp(p->topic, topic) == 0)
                                p->try_dups =
                                    strtol(PQgetvalue(res, r, 2), NULL, 10);
                }
                *dups += strtol(PQgetvalue(res, r, 2), NULL, 10);
        }
        PQclear(res);
        return APPLY_OK;
}

/* Applies rows [lo, hi): staging table emptied, COPY, INSERT, and the
 * state of every citizen they can affect, merged incrementally when every
 * staged event was new to the database, else recomputed
 * (migrations/functions/20_citizen_batch.sql).
 * On success the attempt's duplicates count for the batch. */
static enum apply_rc
apply_rows(struct consumer *c, size_t lo, size_t hi, char *errstr,
           size_t errstr_size)
{
        char state[6] = "";
        enum apply_rc rc;
        long dups;
        size_t i;

        if (mw_pg_result_state(c->pg, PQexec(c->pg, "TRUNCATE stage_event"),
                               "TRUNCATE", state, errstr, errstr_size))
                return APPLY_OTHER;
        if ((rc = copy_rows(c, lo, hi, errstr, errstr_size)) != APPLY_OK ||
            (rc = insert_events(c, lo, hi, &dups, errstr, errstr_size)) !=
                APPLY_OK)
                return rc;
        if (mw_pg_result_state(
                c->pg,
                PQexec(c->pg, dups == 0 ? "SELECT midway_apply_batch(true)"
                                        : "SELECT midway_apply_batch(false)"),
                "applying the batch", state, errstr, errstr_size))
                return classify(c, state);
        for (i = 0; i < c->n_parts; i++)
                c->parts[i].batch_dups += c->parts[i].try_dups;
        return APPLY_OK;
}

static mw_err_t
savepoint(struct consumer *c, const char *sql, char *errstr, size_t errstr_size)
{
        return mw_pg_exec(c->pg, sql, errstr, errstr_size);
}

/* Rows [lo, hi) failed together with reason why: applies what of them
 * PostgreSQL takes, half by half under a savepoint, and dead-letters each
 * single row it refuses. APPLY_OTHER when something that is not the data's
 * fault got in the way. */
static enum apply_rc
isolate(struct consumer *c, size_t lo, size_t hi, const char *why, char *errstr,
        size_t errstr_size)
{
        char reason[REASON_MAX], sub[512];
        const struct row *r;
        size_t mid, a, b;
        enum apply_rc rc;
        int half;

        if (hi - lo == 1) {
                r = &c->rows[lo];
                mw_consumer_clean_reason(why, reason, sizeof(reason));
                if (mw_consumer_dead(
                        c, r->part, r->offset, c->raw.data + r->key, r->key_len,
                        c->raw.data + r->val, r->val_len, 0, "store", reason)) {
                        mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                "out of memory");
                        return APPLY_OTHER;
                }
                c->parts[r->part].batch_rows--;
                c->total_isolated++;
                return APPLY_OK;
        }
        mid = lo + (hi - lo) / 2;
        for (half = 0; half < 2; half++) {
                a = half ? mid : lo;
                b = half ? hi : mid;
                if (savepoint(c, "SAVEPOINT isolate", errstr, errstr_size))
                        return APPLY_OTHER;
                rc = apply_rows(c, a, b, sub, sizeof(sub));
                if (rc == APPLY_OTHER) {
                        mw_errf(errstr, errstr_size, MW_ERR_DB, "%s", sub);
                        return rc;
                }
                if (rc == APPLY_DATA) {
                        if (savepoint(c, "ROLLBACK TO SAVEPOINT isolate",
                                      errstr, errstr_size))
                                return APPLY_OTHER;
                        rc = isolate(c, a, b, sub, errstr, errstr_size);
                        if (rc != APPLY_OK)
                                return rc;
                }
                if (savepoint(c, "RELEASE SAVEPOINT isolate", errstr,
                              errstr_size))
                        return APPLY_OTHER;
        }
        return APPLY_OK;
}

/* Applies the batch's rows; a data failure is isolated (see the top). */
static int
apply_batch(struct consumer *c, char *errstr, size_t errstr_size)
{
        char why[512];
        size_t before = c->n_dead;
        enum apply_rc rc;

        if (c->n_rows == 0)
                return 0;
        if (savepoint(c, "SAVEPOINT batch", errstr, errstr_size))
                return -1;
        rc = apply_rows(c, 0, c->n_rows, why, sizeof(why));
        if (rc == APPLY_OK)
                return 0;
        if (rc == APPLY_OTHER) {
                mw_errf(errstr, errstr_size, MW_ERR_DB, "%s", why);
                return -1;
        }
        mw_consumer_clean_reason(why, errstr, errstr_size);
        mw_log_warn("batch of %zu events refused (%s): isolating the "
                    "message(s) at fault",
                    c->n_rows, errstr);
        if (savepoint(c, "ROLLBACK TO SAVEPOINT batch", errstr, errstr_size) ||
            isolate(c, 0, c->n_rows, why, errstr, errstr_size) != APPLY_OK)
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

/* The partitions of the batch whose stored offset is absent (fresh) or
 * present, as the arrays advance_offsets() binds (PostgreSQL array
 * literals: topics quoted, the rest numbers; OFF_* above). */
static mw_err_t
offset_arrays(struct consumer *c, int fresh, struct mw_buf *a, long *n)
{
        const char *t;
        size_t i, k;
        mw_err_t err = MW_OK;

        *n = 0;
        for (k = 0; k < OFF_N; k++) {
                mw_buf_reset(&a[k]);
                if ((err = mw_buf_append(&a[k], "{", 1)))
                        return err;
        }
        for (i = 0; i < c->n_parts; i++) {
                struct part *p = &c->parts[i];
                const char *sep = *n > 0 ? "," : "";

                if (p->batch_msgs == 0 || (p->db_next < 0) != fresh)
                        continue;
                if ((err = mw_buf_appendf(&a[OFF_TOPIC], "%s\"", sep)))
                        return err;
                for (t = p->topic; *t && !err; t++)
                        err = *t == '"' || *t == '\\'
                                  ? mw_buf_appendf(&a[OFF_TOPIC], "\\%c", *t)
                                  : mw_buf_append(&a[OFF_TOPIC], t, 1);
                if (err || (err = mw_buf_append(&a[OFF_TOPIC], "\"", 1)) ||
                    (err = mw_buf_appendf(&a[OFF_PART], "%s%d", sep,
                                          (int)p->partition)) ||
                    (err = mw_buf_appendf(&a[OFF_PREV], "%s%lld", sep,
                                          (long long)p->db_next)) ||
                    (err = mw_buf_appendf(&a[OFF_NEXT], "%s%lld", sep,
                                          (long long)p->batch_next)) ||
                    (err = mw_buf_appendf(&a[OFF_MSGS], "%s%ld", sep,
                                          p->batch_msgs)) ||
                    (err = mw_buf_appendf(&a[OFF_DUPS], "%s%ld", sep,
                                          p->batch_dups)) ||
                    (err = mw_buf_appendf(&a[OFF_DEAD], "%s%ld", sep,
                                          p->batch_dead)))
                        return err;
                (*n)++;
        }
        for (k = 0; k < OFF_N; k++)
                if ((err = mw_buf_append(&a[k], "}", 1)))
                        return err;
        return MW_OK;
}

/* Moves the stored offsets of the batch's partitions, each only from where
 * this consumer read it, in one statement for those already stored and
 * one for those stored for the first time: a partition the statement did
 * not change is owned by someone else now. */
static mw_err_t
advance_offsets(struct consumer *c, int fresh, char *errstr, size_t errstr_size)
{
        static const char *const update_sql =
            "UPDATE kafka_offset k SET next_offset = u.next_offset, "
            "messages = k.messages + u.messages, "
            "duplicates = k.duplicates + u.duplicates, "
            "dead_letters = k.dead_letters + u.dead_letters, "
            "updated_at = now() "
            "FROM unnest($2::text[], $3::int[], $4::bigint[], $5::bigint[], "
            "$6::bigint[], $7::bigint[], $8::bigint[]) "
            "AS u(topic, partition, prev, next_offset, messages, duplicates, "
            "dead_letters) "
            "WHERE k.consumer_group = $1 AND k.topic = u.topic AND "
            "k.partition = u.partition AND k.next_offset = u.prev "
            "RETURNING k.topic, k.partition";
        static const char *const insert_sql =
            "INSERT INTO kafka_offset (consumer_group, topic, partition, "
            "next_offset, messages, duplicates, dead_letters) "
            "SELECT $1, u.topic, u.partition, u.next_offset, u.messages, "
            "u.duplicates, u.dead_letters "
            "FROM unnest($2::text[], $3::int[], $4::bigint[], $5::bigint[], "
            "$6::bigint[], $7::bigint[], $8::bigint[]) "
            "AS u(topic, partition, prev, next_offset, messages, duplicates, "
            "dead_letters) "
            "ON CONFLICT DO NOTHING RETURNING topic, partition";
        struct mw_buf *a = c->offsets;
        const char *vals[1 + OFF_N];
        PGresult *res = NULL;
        struct part *p;
        long n;
        size_t i;
        int r;
        mw_err_t err;

        if ((err = offset_arrays(c, fresh, a, &n)))
                return mw_errf(errstr, errstr_size, err, "out of memory");
        if (n == 0)
                return MW_OK;
        vals[0] = c->conf.group_id;
        for (i = 0; i < OFF_N; i++)
                vals[1 + i] = a[i].data;
        res = PQexecParams(c->pg, fresh ? insert_sql : update_sql, 1 + OFF_N,
                           NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                err = mw_errf(errstr, errstr_size, MW_ERR_DB,
                              "offset update: %s", PQerrorMessage(c->pg));
                goto out;
        }
        if (PQntuples(res) == n)
                goto out;
        /* Name a partition whose offset did not move. */
        for (i = 0; i < c->n_parts; i++)
                c->parts[i].moved = 0;
        for (r = 0; r < PQntuples(res); r++)
                for (i = 0; i < c->n_parts; i++)
                        if (c->parts[i].partition ==
                                (int32_t)strtol(PQgetvalue(res, r, 1), NULL,
                                                10) &&
                            strcmp(c->parts[i].topic, PQgetvalue(res, r, 0)) ==
                                0)
                                c->parts[i].moved = 1;
        for (i = 0; i < c->n_parts; i++) {
                p = &c->parts[i];
                if (p->batch_msgs == 0 || (p->db_next < 0) != fresh || p->moved)
                        continue;
                err =
                    mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                            "topic=%s partition=%d: stored offset is no "
                            "longer %s%lld (another consumer owns the "
                            "partition); batch rolled back",
                            p->topic, (int)p->partition,
                            fresh ? "absent, was " : "", (long long)p->db_next);
                goto out;
        }
        err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                      "%d of %ld stored offsets moved; batch rolled back",
                      PQntuples(res), n);
out:
        PQclear(res);
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
        mw_log_debug("batch committed: %ld messages, %ld events, %ld "
                     "duplicates, %zu dead letters; open %lld ms, commit %lld "
                     "ms",
                     c->batch_msgs, events, dups, c->n_dead,
                     (long long)(started - c->batch_started),
                     (long long)c->last_commit_ms);
        mw_consumer_dead_publish(c);
        mw_consumer_batch_reset(c);
        return 0;
fail:
        mw_log_error("batch of %ld messages not applied: %s", c->batch_msgs,
                     errstr);
        if (in_tx && PQstatus(c->pg) == CONNECTION_OK)
                mw_pg_exec(c->pg, "ROLLBACK", NULL, 0);
        if (PQstatus(c->pg) != CONNECTION_OK && db_reconnect(c) != 0) {
                mw_consumer_batch_reset(c);
                return -1;
        }
        batch_discard(c);
        /* not the data's fault: wait a little longer each time, rather
         * than re-reading and re-failing as fast as the machine can */
        c->fail_backoff_ms = c->fail_backoff_ms ? c->fail_backoff_ms * 2 : 250;
        if (c->fail_backoff_ms > DB_RETRY_MAX_MS)
                c->fail_backoff_ms = DB_RETRY_MAX_MS;
        mw_clock_sleep_ms((int)c->fail_backoff_ms, &mw_consumer_run);
        return -1;
}
