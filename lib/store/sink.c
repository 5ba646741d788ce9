/* midway: the consumer's writes to PostgreSQL (see sink.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/buf.h"
#include "midway/pg.h"
#include "midway/sink.h"

mw_err_t
mw_sink_session(PGconn *pg, char *errstr, size_t errstr_size)
{
        /* The staging table lives as long as the session. */
        return mw_pg_exec(pg,
                          "CREATE TEMP TABLE IF NOT EXISTS stage_event "
                          "(LIKE event INCLUDING DEFAULTS) "
                          "ON COMMIT DELETE ROWS",
                          errstr, errstr_size);
}

mw_err_t
mw_sink_load_offset(PGconn *pg, const char *group, const char *topic,
                    int32_t partition, int64_t *next, char *errstr,
                    size_t errstr_size)
{
        char part[16];
        const char *vals[3] = {group, topic, part};
        PGresult *res;
        mw_err_t err = MW_OK;

        snprintf(part, sizeof(part), "%d", (int)partition);
        res = PQexecParams(pg,
                           "SELECT next_offset FROM kafka_offset "
                           "WHERE consumer_group = $1 AND topic = $2 "
                           "AND partition = $3",
                           3, NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                err = mw_errf(errstr, errstr_size, MW_ERR_DB,
                              "reading offsets: %s", PQerrorMessage(pg));
                goto out;
        }
        *next =
            PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
out:
        PQclear(res);
        return err;
}

/* ---- applying rows ---------------------------------------------------- */

static enum mw_sink_rc
failed(PGconn *pg, PGresult *res, const char *what, char *errstr,
       size_t errstr_size)
{
        char state[6] = "";

        mw_pg_result_state(pg, res, what, state, errstr, errstr_size);
        if (PQstatus(pg) != CONNECTION_OK)
                return MW_SINK_OTHER;
        return mw_pg_state_is_data(state) ? MW_SINK_DATA : MW_SINK_OTHER;
}

static enum mw_sink_rc
copy_rows(PGconn *pg, const char *copy, size_t len, char *errstr,
          size_t errstr_size)
{
        PGresult *res;

        res = PQexec(pg, "COPY stage_event (event_id, project_id, "
                         "municipality_code, citizen_ref, key_id, kind, "
                         "event_date, registered_at, producer_id, action, "
                         "supersedes, payload, kafka_topic, kafka_partition, "
                         "kafka_offset) FROM STDIN");
        if (PQresultStatus(res) != PGRES_COPY_IN)
                return failed(pg, res, "COPY", errstr, errstr_size);
        PQclear(res);
        if (PQputCopyData(pg, copy, (int)len) != 1 ||
            PQputCopyEnd(pg, NULL) != 1) {
                mw_errf(errstr, errstr_size, MW_ERR_DB, "COPY: %s",
                        PQerrorMessage(pg));
                return MW_SINK_OTHER;
        }
        res = PQgetResult(pg);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                return failed(pg, res, "COPY", errstr, errstr_size);
        PQclear(res);
        return MW_SINK_OK;
}

/* INSERTs the staged events and reports the duplicates. Usually there are
 * none: the inserted count then says so. A staged event was inserted iff
 * the stored row of its id carries its topic, partition and offset. */
static enum mw_sink_rc
insert_events(PGconn *pg, long n_rows, mw_sink_dups_cb *dups, void *arg,
              long *n_dups, char *errstr, size_t errstr_size)
{
        PGresult *res;
        long inserted, n;
        int r;

        *n_dups = 0;
        res = PQexec(pg, "INSERT INTO event SELECT * FROM stage_event "
                         "ON CONFLICT (event_id) DO NOTHING");
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                return failed(pg, res, "INSERT events", errstr, errstr_size);
        inserted = strtol(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        if (inserted == n_rows)
                return MW_SINK_OK;
        res =
            PQexec(pg, "SELECT s.kafka_topic, s.kafka_partition, count(*) "
                       "FROM stage_event s WHERE NOT EXISTS (SELECT 1 FROM "
                       "event e WHERE e.event_id = s.event_id AND "
                       "e.kafka_topic = s.kafka_topic AND e.kafka_partition = "
                       "s.kafka_partition AND e.kafka_offset = s.kafka_offset) "
                       "GROUP BY 1, 2");
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                return failed(pg, res, "counting duplicates", errstr,
                              errstr_size);
        for (r = 0; r < PQntuples(res); r++) {
                n = strtol(PQgetvalue(res, r, 2), NULL, 10);
                if (dups)
                        dups(arg, PQgetvalue(res, r, 0),
                             (int32_t)strtol(PQgetvalue(res, r, 1), NULL, 10),
                             n);
                *n_dups += n;
        }
        PQclear(res);
        return MW_SINK_OK;
}

enum mw_sink_rc
mw_sink_apply(PGconn *pg, const char *copy, size_t len, long n_rows,
              mw_sink_dups_cb *dups, void *arg, long *n_dups, char *errstr,
              size_t errstr_size)
{
        enum mw_sink_rc rc;
        PGresult *res;

        res = PQexec(pg, "TRUNCATE stage_event");
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                return failed(pg, res, "TRUNCATE", errstr, errstr_size);
        PQclear(res);
        if ((rc = copy_rows(pg, copy, len, errstr, errstr_size)) !=
                MW_SINK_OK ||
            (rc = insert_events(pg, n_rows, dups, arg, n_dups, errstr,
                                errstr_size)) != MW_SINK_OK)
                return rc;
        res = PQexec(pg, *n_dups == 0 ? "SELECT midway_apply_batch(true)"
                                      : "SELECT midway_apply_batch(false)");
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                return failed(pg, res, "applying the batch", errstr,
                              errstr_size);
        PQclear(res);
        return MW_SINK_OK;
}

static mw_err_t
savepoint_cmd(PGconn *pg, const char *verb, const char *name, char *errstr,
              size_t errstr_size)
{
        char sql[128];

        snprintf(sql, sizeof(sql), "%s %s", verb, name);
        return mw_pg_exec(pg, sql, errstr, errstr_size);
}

mw_err_t
mw_sink_savepoint(PGconn *pg, const char *name, char *errstr,
                  size_t errstr_size)
{
        return savepoint_cmd(pg, "SAVEPOINT", name, errstr, errstr_size);
}

mw_err_t
mw_sink_rollback_to(PGconn *pg, const char *name, char *errstr,
                    size_t errstr_size)
{
        return savepoint_cmd(pg, "ROLLBACK TO SAVEPOINT", name, errstr,
                             errstr_size);
}

mw_err_t
mw_sink_release(PGconn *pg, const char *name, char *errstr, size_t errstr_size)
{
        return savepoint_cmd(pg, "RELEASE SAVEPOINT", name, errstr,
                             errstr_size);
}

/* ---- array parameters ------------------------------------------------ */

/* PostgreSQL array literals, one per column, built element by element. */
struct arrays {
        struct mw_buf b[8];
        size_t n_cols, n;
        mw_err_t err;
};

static void
arrays_init(struct arrays *a, size_t n_cols)
{
        size_t k;

        memset(a, 0, sizeof(*a));
        a->n_cols = n_cols;
        for (k = 0; k < n_cols && !a->err; k++)
                a->err = mw_buf_append(&a->b[k], "{", 1);
}

static void
arrays_text(struct arrays *a, size_t k, const char *s)
{
        const char *t;

        if (a->err || (a->err = mw_buf_append(&a->b[k], a->n ? ",\"" : "\"",
                                              a->n ? 2 : 1)))
                return;
        for (t = s; *t && !a->err; t++)
                a->err = *t == '"' || *t == '\\'
                             ? mw_buf_appendf(&a->b[k], "\\%c", *t)
                             : mw_buf_append(&a->b[k], t, 1);
        if (!a->err)
                a->err = mw_buf_append(&a->b[k], "\"", 1);
}

static void
arrays_num(struct arrays *a, size_t k, long long v)
{
        if (!a->err)
                a->err = mw_buf_appendf(&a->b[k], "%s%lld", a->n ? "," : "", v);
}

/* Closes the arrays into vals[first..first + n_cols). */
static mw_err_t
arrays_close(struct arrays *a, const char **vals)
{
        size_t k;

        for (k = 0; k < a->n_cols && !a->err; k++) {
                a->err = mw_buf_append(&a->b[k], "}", 1);
                vals[k] = a->b[k].data;
        }
        return a->err;
}

static void
arrays_release(struct arrays *a)
{
        size_t k;

        for (k = 0; k < a->n_cols; k++)
                mw_buf_release(&a->b[k]);
}

/* ---- offsets ----------------------------------------------------------- */

mw_err_t
mw_sink_offsets(PGconn *pg, const char *group, struct mw_sink_offset *offs,
                size_t n, int fresh, char *errstr, size_t errstr_size)
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
        struct arrays a;
        const char *vals[8];
        PGresult *res = NULL;
        size_t i;
        int r;
        mw_err_t err;

        if (n == 0)
                return MW_OK;
        arrays_init(&a, 7);
        for (i = 0; i < n; i++, a.n++) {
                arrays_text(&a, 0, offs[i].topic);
                arrays_num(&a, 1, offs[i].partition);
                arrays_num(&a, 2, offs[i].prev);
                arrays_num(&a, 3, offs[i].next);
                arrays_num(&a, 4, offs[i].messages);
                arrays_num(&a, 5, offs[i].duplicates);
                arrays_num(&a, 6, offs[i].dead_letters);
                offs[i].moved = 0;
        }
        vals[0] = group;
        if ((err = arrays_close(&a, vals + 1))) {
                err = mw_errf(errstr, errstr_size, err, "out of memory");
                goto out;
        }
        res = PQexecParams(pg, fresh ? insert_sql : update_sql, 8, NULL, vals,
                           NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                err = mw_errf(errstr, errstr_size, MW_ERR_DB,
                              "offset update: %s", PQerrorMessage(pg));
                goto out;
        }
        if ((size_t)PQntuples(res) == n)
                goto out;
        for (r = 0; r < PQntuples(res); r++)
                for (i = 0; i < n; i++)
                        if (offs[i].partition ==
                                (int32_t)strtol(PQgetvalue(res, r, 1), NULL,
                                                10) &&
                            strcmp(offs[i].topic, PQgetvalue(res, r, 0)) == 0)
                                offs[i].moved = 1;
        for (i = 0; i < n && offs[i].moved; i++)
                ;
        err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                      "topic=%s partition=%d: stored offset is no longer "
                      "%s%lld (another consumer owns the partition); batch "
                      "rolled back",
                      i < n ? offs[i].topic : "?",
                      i < n ? (int)offs[i].partition : -1,
                      fresh ? "absent, was " : "",
                      i < n ? (long long)offs[i].prev : -1LL);
out:
        PQclear(res);
        arrays_release(&a);
        return err;
}

/* ---- dead letters ------------------------------------------------------ */

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
mw_sink_dead_insert(PGconn *pg, const struct mw_sink_dead *d, size_t n,
                    char *errstr, size_t errstr_size)
{
        char part[16], off[24];
        struct mw_buf key = {0}, val = {0};
        const char *vals[8];
        size_t i;
        mw_err_t err = MW_OK;

        for (i = 0; i < n && !err; i++) {
                snprintf(part, sizeof(part), "%d", (int)d[i].partition);
                snprintf(off, sizeof(off), "%lld", (long long)d[i].offset);
                if ((err = hex_bytes(&key, d[i].key, d[i].key_len)) ||
                    (err = hex_bytes(&val, d[i].val, d[i].val_len))) {
                        mw_errf(errstr, errstr_size, err, "out of memory");
                        break;
                }
                vals[0] = d[i].topic;
                vals[1] = part;
                vals[2] = off;
                vals[3] = d[i].reason;
                vals[4] = d[i].stage;
                vals[5] = key.data;
                vals[6] = d[i].withheld ? NULL : val.data;
                vals[7] = d[i].withheld ? "true" : "false";
                err = mw_pg_result(
                    pg,
                    PQexecParams(pg,
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

mw_err_t
mw_sink_dead_published(PGconn *pg, const struct mw_sink_dead *d,
                       const int *published, size_t n, char *errstr,
                       size_t errstr_size)
{
        struct arrays a;
        const char *vals[5];
        size_t i;
        mw_err_t err;

        arrays_init(&a, 5);
        for (i = 0; i < n; i++) {
                if (!published[i])
                        continue;
                arrays_text(&a, 0, d[i].topic);
                arrays_num(&a, 1, d[i].partition);
                arrays_num(&a, 2, d[i].offset);
                arrays_num(&a, 3, d[i].dlq_partition);
                arrays_num(&a, 4, d[i].dlq_offset);
                a.n++;
        }
        if ((err = arrays_close(&a, vals))) {
                err = mw_errf(errstr, errstr_size, err, "out of memory");
        } else if (a.n > 0) {
                err = mw_pg_result(
                    pg,
                    PQexecParams(
                        pg,
                        "UPDATE dead_letter d SET published_at = now(), "
                        "dlq_partition = u.dp, dlq_offset = u.dof, "
                        "msg_key = NULL, payload = NULL FROM "
                        "unnest($1::text[], $2::int[], $3::bigint[], "
                        "$4::int[], $5::bigint[]) AS u(t, p, o, dp, dof) "
                        "WHERE d.kafka_topic = u.t AND d.kafka_partition = "
                        "u.p AND d.kafka_offset = u.o",
                        5, NULL, vals, NULL, NULL, 0),
                    "marking dead letters published", errstr, errstr_size);
        }
        arrays_release(&a);
        return err;
}

mw_err_t
mw_sink_dead_pending(PGconn *pg, const char *const *topics,
                     const int32_t *parts, size_t n, mw_sink_pending_cb *cb,
                     void *arg, char *errstr, size_t errstr_size)
{
        struct mw_sink_dead d;
        struct arrays a;
        const char *vals[2];
        unsigned char *key = NULL, *val = NULL;
        PGresult *res = NULL;
        size_t i;
        int r, stop;
        mw_err_t err;

        arrays_init(&a, 2);
        for (i = 0; i < n; i++, a.n++) {
                arrays_text(&a, 0, topics[i]);
                arrays_num(&a, 1, parts[i]);
        }
        if ((err = arrays_close(&a, vals))) {
                err = mw_errf(errstr, errstr_size, err, "out of memory");
                goto out;
        }
        res = PQexecParams(
            pg,
            "SELECT kafka_topic, kafka_partition, kafka_offset, stage, "
            "reason, msg_key, payload, payload_withheld, "
            "(extract(epoch FROM dead_lettered_at) * 1000)::bigint "
            "FROM dead_letter d JOIN unnest($1::text[], $2::int[]) AS "
            "a(t, p) ON d.kafka_topic = a.t AND d.kafka_partition = a.p "
            "WHERE published_at IS NULL ORDER BY 1, 2, 3",
            2, NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                err = mw_errf(errstr, errstr_size, MW_ERR_DB,
                              "reading pending dead letters: %s",
                              PQerrorMessage(pg));
                goto out;
        }
        for (r = 0; r < PQntuples(res); r++) {
                memset(&d, 0, sizeof(d));
                d.topic = PQgetvalue(res, r, 0);
                d.partition = (int32_t)strtol(PQgetvalue(res, r, 1), NULL, 10);
                d.offset = strtoll(PQgetvalue(res, r, 2), NULL, 10);
                d.stage = PQgetvalue(res, r, 3);
                d.reason = PQgetvalue(res, r, 4);
                d.withheld = PQgetvalue(res, r, 7)[0] == 't';
                if (!PQgetisnull(res, r, 5)) {
                        key = PQunescapeBytea(
                            (const unsigned char *)PQgetvalue(res, r, 5),
                            &d.key_len);
                        d.key = key;
                }
                if (!PQgetisnull(res, r, 6)) {
                        val = PQunescapeBytea(
                            (const unsigned char *)PQgetvalue(res, r, 6),
                            &d.val_len);
                        d.val = val;
                }
                if ((d.key_len && !key) || (d.val_len && !val)) {
                        err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                      "out of memory");
                        goto out;
                }
                stop = cb(arg, &d, strtoll(PQgetvalue(res, r, 8), NULL, 10));
                PQfreemem(key);
                PQfreemem(val);
                key = val = NULL;
                if (stop)
                        break;
        }
out:
        PQfreemem(key);
        PQfreemem(val);
        PQclear(res);
        arrays_release(&a);
        return err;
}

/* ---- erasure ---------------------------------------------------------- */

mw_err_t
mw_sink_erase(PGconn *pg, int32_t project_id, const char *ref,
              const char *topic, int32_t partition, int64_t offset,
              struct mw_sink_erased *out, char *errstr, size_t errstr_size)
{
        char proj[16], part[16], off[24];
        const char *vals[5] = {proj, ref, topic, part, off};
        PGresult *res;
        int i, n;

        memset(out, 0, sizeof(*out));
        snprintf(proj, sizeof(proj), "%d", (int)project_id);
        snprintf(part, sizeof(part), "%d", (int)partition);
        snprintf(off, sizeof(off), "%lld", (long long)offset);
        res = PQexecParams(pg,
                           "SELECT events, dead_letters, dlq_partition, "
                           "dlq_below FROM midway_erase_citizen($1, $2, $3, "
                           "$4, $5)",
                           5, NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                return mw_pg_result(pg, res, "erasing a citizen", errstr,
                                    errstr_size);
        n = PQntuples(res);
        for (i = 0; i < n; i++) {
                out->events = strtol(PQgetvalue(res, i, 0), NULL, 10);
                out->dead_letters = strtol(PQgetvalue(res, i, 1), NULL, 10);
                if (PQgetisnull(res, i, 2) || out->n_dlq == MW_SINK_DLQ_PARTS)
                        continue;
                out->dlq_partition[out->n_dlq] =
                    (int32_t)strtol(PQgetvalue(res, i, 2), NULL, 10);
                out->dlq_below[out->n_dlq] =
                    strtoll(PQgetvalue(res, i, 3), NULL, 10);
                out->n_dlq++;
        }
        PQclear(res);
        return MW_OK;
}
