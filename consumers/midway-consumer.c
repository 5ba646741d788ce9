/* midway-consumer: applies the registration stream to PostgreSQL, exactly
 * once.
 *
 * Every batch is one PostgreSQL transaction that writes the events (COPY
 * into a staging table, then INSERT ... ON CONFLICT DO NOTHING on the
 * event id) and moves each partition's stored offset with a compare-and-set
 * (UPDATE ... WHERE next_offset = <what this consumer last read>). Offsets
 * are read back from PostgreSQL on every partition assignment, so Kafka's
 * own committed offsets play no part. A consumer that lost its partitions
 * (a zombie) fails the compare-and-set, rolls back and re-reads. Messages
 * that cannot be decoded or validated go to the dead-letter topic (with
 * headers naming source topic/partition/offset and the reason) before the
 * transaction that moves the offset past them commits. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "midway/buf.h"
#include "midway/clock.h"
#include "midway/codec.h"
#include "midway/conf.h"
#include "midway/date.h"
#include "midway/kafka.h"
#include "midway/log.h"
#include "midway/pg.h"
#include "midway/projects.h"
#include "midway/pseudo.h"
#include "midway/registry.h"
#include "midway/validate.h"

#define PROG            "midway-consumer"
#define EXIT_USAGE      2
#define MAX_TOPICS      256
#define REASON_MAX      256
#define REGISTRY_TRIES  5
#define DB_RETRY_MAX_MS 10000

static volatile sig_atomic_t run = 1;
static volatile sig_atomic_t fatal; /* a Kafka error waiting cannot cure */

/* The columns of the offsets statement of advance_offsets(). */
enum {
        OFF_TOPIC,
        OFF_PART,
        OFF_PREV,
        OFF_NEXT,
        OFF_MSGS,
        OFF_DUPS,
        OFF_DEAD,
        OFF_N
};

struct part {
        char *topic; /* owned */
        int32_t partition;
        int64_t db_next;    /* next_offset stored in PostgreSQL; -1: none */
        int64_t batch_next; /* offset after the batch's last message; -1 */
        long batch_msgs;
        long batch_rows; /* events staged */
        long batch_dups; /* staged events already stored */
        long batch_dead;
        int eof;
        int moved; /* scratch of advance_offsets() */
};

struct consumer {
        struct mw_conf conf;
        rd_kafka_t *rk;          /* owned */
        rd_kafka_queue_t *queue; /* owned: rk's consumer queue */
        rd_kafka_t *dlq;         /* owned: dead-letter producer */
        PGconn *pg;              /* owned */
        struct mw_codec *codec;  /* owned */
        struct mw_registry *reg; /* owned */
        struct part *parts;      /* owned, n_parts used */
        size_t n_parts, cap_parts;
        struct mw_buf rows;           /* COPY text of the batch's events */
        struct mw_buf json;           /* scratch */
        struct mw_buf offsets[OFF_N]; /* scratch of advance_offsets() */
        struct dead {                 /* the batch's dead letters */
                char *topic;          /* borrowed from parts */
                int32_t partition;
                int64_t offset;
                char reason[REASON_MAX];
        } * dead;
        size_t n_dead, cap_dead;
        long batch_msgs;
        int64_t batch_started;
        int64_t last_commit_ms; /* how long the last commit took */
        int exit_at_end;
        int fatal;
        int dlq_failures; /* delivery failures since the last flush */
        char dlq_topic[256];
        size_t n_topics;
        char *topics[MAX_TOPICS]; /* owned */
        long total_msgs, total_events, total_dups, total_dead, total_batches;
        int64_t last_progress;
        int tty; /* stderr is a terminal: show progress */
};

static void
on_signal(int sig)
{
        (void)sig;
        run = 0;
}

static void
usage(FILE *fp)
{
        const struct mw_conf_prop *props;
        size_t n, i;

        fprintf(fp,
                "Usage: " PROG " [OPTION]...\n"
                "Consume midway registrations from Kafka and apply them to "
                "PostgreSQL exactly once.\n\n"
                "  -b BROKERS        Kafka bootstrap servers (brokers)\n"
                "  -d CONNINFO       libpq conninfo (pg.conninfo; PG* "
                "variables apply)\n"
                "  -r URL            schema registry URL (registry.url)\n"
                "  -g GROUP          consumer group (group.id)\n"
                "  -t TOPIC          consume TOPIC (repeatable; default: "
                "every project's topic)\n"
                "  -c FILE           read key=value configuration from "
                "FILE\n"
                "  -X KEY=VALUE      set a librdkafka property (repeatable)\n"
                "  -o KEY=VALUE      set a midway property (repeatable)\n"
                "  -e, --exit-at-end exit when every assigned partition is "
                "consumed\n"
                "  -v, -q            more, less logging\n"
                "  -h, --help        this help\n\n"
                "Properties (defaults; environment MW_<NAME>):\n");
        props = mw_conf_props(&n);
        for (i = 0; i < n; i++)
                fprintf(fp, "  %-18s %s (default: \"%s\")\n", props[i].name,
                        props[i].doc, props[i].def);
        fprintf(fp, "\nExit status: 0 done, 1 failure, 2 usage error.\n");
}

/* ---- partitions ---------------------------------------------------- */

static struct part *
part_find(struct consumer *c, const char *topic, int32_t partition)
{
        size_t i;

        for (i = 0; i < c->n_parts; i++)
                if (c->parts[i].partition == partition &&
                    strcmp(c->parts[i].topic, topic) == 0)
                        return &c->parts[i];
        return NULL;
}

static void
parts_clear(struct consumer *c)
{
        size_t i;

        for (i = 0; i < c->n_parts; i++)
                free(c->parts[i].topic);
        c->n_parts = 0;
}

static struct part *
part_add(struct consumer *c, const char *topic, int32_t partition)
{
        struct part *p;

        if (c->n_parts == c->cap_parts) {
                size_t cap = c->cap_parts ? c->cap_parts * 2 : 64;

                p = realloc(c->parts, cap * sizeof(*p));
                if (!p)
                        return NULL;
                c->parts = p;
                c->cap_parts = cap;
        }
        p = &c->parts[c->n_parts];
        memset(p, 0, sizeof(*p));
        p->topic = strdup(topic);
        if (!p->topic)
                return NULL;
        p->partition = partition;
        p->db_next = -1;
        p->batch_next = -1;
        c->n_parts++;
        return p;
}

/* ---- PostgreSQL session ------------------------------------------- */

static mw_err_t
db_session(struct consumer *c, char *errstr, size_t errstr_size)
{
        /* The staging table lives as long as the session. */
        return mw_pg_exec(c->pg,
                          "CREATE TEMP TABLE IF NOT EXISTS stage_event "
                          "(LIKE event INCLUDING DEFAULTS) "
                          "ON COMMIT DELETE ROWS",
                          errstr, errstr_size);
}

/* Reads next_offset for one partition into p->db_next (-1 if none). */
static mw_err_t
db_load_offset(struct consumer *c, struct part *p, char *errstr,
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

        while (run) {
                PQreset(c->pg);
                if (PQstatus(c->pg) == CONNECTION_OK &&
                    db_session(c, errstr, sizeof(errstr)) == MW_OK) {
                        mw_log_info("PostgreSQL connection re-established");
                        return 0;
                }
                mw_log_warn("PostgreSQL unavailable, retrying in %d ms: %s",
                            delay, PQerrorMessage(c->pg));
                mw_clock_sleep_ms(delay, &run);
                delay =
                    delay * 2 > DB_RETRY_MAX_MS ? DB_RETRY_MAX_MS : delay * 2;
        }
        return -1;
}

/* ---- batches ------------------------------------------------------- */

static void
batch_reset(struct consumer *c)
{
        size_t i;

        for (i = 0; i < c->n_parts; i++) {
                c->parts[i].batch_next = -1;
                c->parts[i].batch_msgs = 0;
                c->parts[i].batch_rows = 0;
                c->parts[i].batch_dups = 0;
                c->parts[i].batch_dead = 0;
        }
        mw_buf_reset(&c->rows);
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
                    db_load_offset(c, p, errstr, sizeof(errstr)) != MW_OK)
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
        batch_reset(c);
}

static mw_err_t
copy_rows(struct consumer *c, char *errstr, size_t errstr_size)
{
        PGresult *res;

        res =
            PQexec(c->pg, "COPY stage_event (event_id, project_id, "
                          "municipality_code, citizen_ref, key_id, kind, "
                          "event_date, registered_at, producer_id, action, "
                          "supersedes, payload, kafka_topic, kafka_partition, "
                          "kafka_offset) FROM STDIN");
        if (PQresultStatus(res) != PGRES_COPY_IN)
                return mw_pg_result(c->pg, res, "COPY", errstr, errstr_size);
        PQclear(res);
        if (PQputCopyData(c->pg, c->rows.data, (int)c->rows.len) != 1 ||
            PQputCopyEnd(c->pg, NULL) != 1)
                return mw_errf(errstr, errstr_size, MW_ERR_DB, "COPY: %s",
                               PQerrorMessage(c->pg));
        return mw_pg_result(c->pg, PQgetResult(c->pg), "COPY", errstr,
                            errstr_size);
}

/* INSERTs the staged events; sets each partition's batch_dups to the
 * events it staged that were already stored. Usually none are: the
 * inserted count then says so and no per-partition count is needed. A
 * staged event was inserted iff the stored row of its id carries its
 * topic, partition and offset. */
static mw_err_t
insert_events(struct consumer *c, char *errstr, size_t errstr_size)
{
        PGresult *res;
        struct part *p;
        long staged = 0, inserted;
        size_t i;
        int r;

        res = PQexec(c->pg, "INSERT INTO event SELECT * FROM stage_event "
                            "ON CONFLICT (event_id) DO NOTHING");
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                return mw_pg_result(c->pg, res, "INSERT events", errstr,
                                    errstr_size);
        inserted = strtol(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        for (i = 0; i < c->n_parts; i++) {
                c->parts[i].batch_dups = 0;
                staged += c->parts[i].batch_rows;
        }
        if (inserted == staged)
                return MW_OK;
        res = PQexec(c->pg,
                     "SELECT s.kafka_topic, s.kafka_partition, count(*) "
                     "FROM stage_event s WHERE NOT EXISTS (SELECT 1 FROM "
                     "event e WHERE e.event_id = s.event_id AND "
                     "e.kafka_topic = s.kafka_topic AND e.kafka_partition = "
                     "s.kafka_partition AND e.kafka_offset = s.kafka_offset) "
                     "GROUP BY 1, 2");
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                return mw_pg_result(c->pg, res, "counting duplicates", errstr,
                                    errstr_size);
        for (r = 0; r < PQntuples(res); r++) {
                p = part_find(c, PQgetvalue(res, r, 0),
                              (int32_t)strtol(PQgetvalue(res, r, 1), NULL, 10));
                if (p)
                        p->batch_dups = strtol(PQgetvalue(res, r, 2), NULL, 10);
        }
        PQclear(res);
        return MW_OK;
}

static mw_err_t
insert_dead(struct consumer *c, char *errstr, size_t errstr_size)
{
        char part[16], off[24];
        const char *vals[4];
        size_t i;
        mw_err_t err;

        for (i = 0; i < c->n_dead; i++) {
                snprintf(part, sizeof(part), "%d", (int)c->dead[i].partition);
                snprintf(off, sizeof(off), "%lld",
                         (long long)c->dead[i].offset);
                vals[0] = c->dead[i].topic;
                vals[1] = part;
                vals[2] = off;
                vals[3] = c->dead[i].reason;
                err =
                    mw_pg_result(c->pg,
                                 PQexecParams(c->pg,
                                              "INSERT INTO dead_letter "
                                              "(kafka_topic, kafka_partition, "
                                              "kafka_offset, reason) VALUES "
                                              "($1, $2, $3, $4)",
                                              4, NULL, vals, NULL, NULL, 0),
                                 "INSERT dead_letter", errstr, errstr_size);
                if (err)
                        return err;
        }
        return MW_OK;
}

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
        for (r = 0; r < PQntuples(res); r++) {
                p = part_find(c, PQgetvalue(res, r, 0),
                              (int32_t)strtol(PQgetvalue(res, r, 1), NULL, 10));
                if (p)
                        p->moved = 1;
        }
        for (i = 0; i < c->n_parts; i++) {
                p = &c->parts[i];
                if (p->batch_msgs == 0 || (p->db_next < 0) != fresh || p->moved)
                        continue;
                if (fresh)
                        err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                      "topic=%s partition=%d: stored offset "
                                      "is no longer absent (another "
                                      "consumer owns the partition); batch "
                                      "rolled back",
                                      p->topic, (int)p->partition);
                else
                        err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                      "topic=%s partition=%d: stored offset "
                                      "is no longer %lld (another consumer "
                                      "owns the partition); batch rolled back",
                                      p->topic, (int)p->partition,
                                      (long long)p->db_next);
                goto out;
        }
        err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                      "%d of %ld stored offsets moved; batch rolled back",
                      PQntuples(res), n);
out:
        PQclear(res);
        return err;
}

/* Waits until every dead letter of the batch is acknowledged by Kafka. */
static mw_err_t
dlq_flush(struct consumer *c, char *errstr, size_t errstr_size)
{
        rd_kafka_resp_err_t err;

        if (c->n_dead == 0)
                return MW_OK;
        err = rd_kafka_flush(c->dlq, 30000);
        if (err || c->dlq_failures) {
                c->dlq_failures = 0;
                return mw_errf(errstr, errstr_size, MW_ERR_KAFKA,
                               "dead-letter topic %s: delivery failed (%s)",
                               c->dlq_topic,
                               err ? rd_kafka_err2str(err) : "see log");
        }
        return MW_OK;
}

/* Commits the batch: one transaction for events, dead letters and
 * offsets. On failure everything is rolled back and re-read. */
static int
batch_commit(struct consumer *c)
{
        char errstr[1024];
        long events = 0, dups = 0;
        int64_t started = mw_clock_ms();
        size_t i;
        int in_tx = 0;

        if (c->batch_msgs == 0)
                return 0;
        if (dlq_flush(c, errstr, sizeof(errstr)))
                goto fail;
        if (mw_pg_exec(c->pg, "BEGIN", errstr, sizeof(errstr)))
                goto fail;
        in_tx = 1;
        /* The events, then the state of every citizen they can affect:
         * merged incrementally when every staged event was new to the
         * database (migration 0005), else recomputed. */
        if (c->rows.len > 0) {
                if (copy_rows(c, errstr, sizeof(errstr)) ||
                    insert_events(c, errstr, sizeof(errstr)))
                        goto fail;
                for (i = 0; i < c->n_parts; i++)
                        dups += c->parts[i].batch_dups;
                if (mw_pg_exec(c->pg,
                               dups == 0 ? "SELECT midway_apply_batch(true)"
                                         : "SELECT midway_apply_batch(false)",
                               errstr, sizeof(errstr)))
                        goto fail;
                dups = 0;
        }
        if (insert_dead(c, errstr, sizeof(errstr)))
                goto fail;
        if (advance_offsets(c, 0, errstr, sizeof(errstr)) ||
            advance_offsets(c, 1, errstr, sizeof(errstr)))
                goto fail;
        if ((mw_pg_exec(c->pg, "COMMIT", errstr, sizeof(errstr))))
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
        mw_log_debug("batch committed: %ld messages, %ld events, %ld "
                     "duplicates, %zu dead letters; open %lld ms, commit %lld "
                     "ms",
                     c->batch_msgs, events, dups, c->n_dead,
                     (long long)(started - c->batch_started),
                     (long long)c->last_commit_ms);
        batch_reset(c);
        return 0;
fail:
        mw_log_error("batch of %ld messages not applied: %s", c->batch_msgs,
                     errstr);
        if (in_tx && PQstatus(c->pg) == CONNECTION_OK)
                mw_pg_exec(c->pg, "ROLLBACK", NULL, 0);
        if (PQstatus(c->pg) != CONNECTION_OK && db_reconnect(c) != 0) {
                batch_reset(c);
                return -1;
        }
        batch_discard(c);
        return -1;
}

/* ---- messages ------------------------------------------------------ */

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
stage_event(struct consumer *c, const struct mw_event *ev,
            const rd_kafka_message_t *m)
{
        char num[32], day[11], ts[40];
        time_t secs;
        struct tm tm;
        int64_t ms = ev->registered_at;
        struct mw_buf *b = &c->rows;
        mw_err_t err;

        mw_buf_reset(&c->json);
        if ((err = mw_event_payload_json(ev, &c->json)))
                return err;
        secs = (time_t)(ms / 1000);
        gmtime_r(&secs, &tm);
        strftime(ts, 24, "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03d+00",
                 (int)(ms % 1000));
        mw_date_format(ev->event_date, day);
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

static void
dlq_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        struct consumer *c = opaque;

        (void)rk;
        if (m->err) {
                c->dlq_failures++;
                mw_log_error("dead-letter delivery failed: %s",
                             rd_kafka_err2str(m->err));
        }
}

/* Sends m to the dead-letter topic and records it in the batch. */
static int
dead_letter(struct consumer *c, struct part *p, const rd_kafka_message_t *m,
            const char *stage, const char *reason)
{
        char part[16], off[24];
        struct dead *d;
        rd_kafka_resp_err_t err;

        snprintf(part, sizeof(part), "%d", (int)m->partition);
        snprintf(off, sizeof(off), "%lld", (long long)m->offset);
        mw_log_warn("topic=%s partition=%d offset=%lld dead-lettered to %s: "
                    "%s: %s",
                    p->topic, (int)m->partition, (long long)m->offset,
                    c->dlq_topic, stage, reason);
        do {
                err = rd_kafka_producev(
                    c->dlq, RD_KAFKA_V_TOPIC(c->dlq_topic),
                    RD_KAFKA_V_KEY(m->key, m->key_len),
                    RD_KAFKA_V_VALUE(m->payload, m->len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_HEADER("mw.source.topic", p->topic, -1),
                    RD_KAFKA_V_HEADER("mw.source.partition", part, -1),
                    RD_KAFKA_V_HEADER("mw.source.offset", off, -1),
                    RD_KAFKA_V_HEADER("mw.error.stage", stage, -1),
                    RD_KAFKA_V_HEADER("mw.error", reason, -1), RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        rd_kafka_poll(c->dlq, 100);
        } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL);
        if (err) {
                mw_log_error("cannot produce to %s: %s", c->dlq_topic,
                             rd_kafka_err2str(err));
                return -1;
        }
        if (c->n_dead == c->cap_dead) {
                size_t cap = c->cap_dead ? c->cap_dead * 2 : 16;

                d = realloc(c->dead, cap * sizeof(*d));
                if (!d)
                        return -1;
                c->dead = d;
                c->cap_dead = cap;
        }
        d = &c->dead[c->n_dead++];
        d->topic = p->topic;
        d->partition = m->partition;
        d->offset = m->offset;
        snprintf(d->reason, sizeof(d->reason), "%.16s: %.200s", stage, reason);
        p->batch_dead++;
        return 0;
}

/* Decodes m, fetching an unknown writer schema from the registry. Returns
 * 0 with ev filled, 1 if m is to be dead-lettered (stage/reason set), -1 on
 * a failure that is not the message's fault (registry down). */
static int
decode(struct consumer *c, const rd_kafka_message_t *m, struct mw_event *ev,
       const char **stage, char *reason, size_t reason_size)
{
        char errstr[512], masked[REASON_MAX];
        char *json = NULL;
        int32_t id = -1;
        int tries;
        mw_err_t err;

        err = mw_codec_decode(c->codec, m->payload, m->len, ev, &id, errstr,
                              sizeof(errstr));
        if (err == MW_ERR_NOTFOUND) {
                for (tries = 0; tries < REGISTRY_TRIES; tries++) {
                        err = mw_registry_fetch(c->reg, id, &json, errstr,
                                                sizeof(errstr));
                        if (err != MW_ERR_REGISTRY)
                                break;
                        mw_log_warn("schema registry: %s (retrying)", errstr);
                        mw_clock_sleep_ms(200L << tries, &run);
                }
                if (err == MW_ERR_NOTFOUND) {
                        *stage = "schema";
                        snprintf(reason, reason_size,
                                 "schema id %d is not in the registry",
                                 (int)id);
                        return 1;
                }
                if (err) {
                        mw_log_error("schema registry: %s", errstr);
                        return -1;
                }
                err = mw_codec_add_schema(c->codec, id, json, strlen(json),
                                          errstr, sizeof(errstr));
                free(json);
                if (err) {
                        *stage = "schema";
                        mw_cpr_mask(errstr, masked, sizeof(masked));
                        snprintf(reason, reason_size, "schema id %d: %.200s",
                                 (int)id, masked);
                        return 1;
                }
                err = mw_codec_decode(c->codec, m->payload, m->len, ev, &id,
                                      errstr, sizeof(errstr));
        }
        if (err) {
                *stage = "decode";
                mw_cpr_mask(errstr, masked, sizeof(masked));
                snprintf(reason, reason_size, "%s", masked);
                return 1;
        }
        if (mw_event_validate(ev, errstr, sizeof(errstr)) != MW_OK) {
                *stage = "validate";
                mw_cpr_mask(errstr, masked, sizeof(masked));
                snprintf(reason, reason_size, "%s", masked);
                return 1;
        }
        return 0;
}

static int
handle_message(struct consumer *c, const rd_kafka_message_t *m)
{
        char reason[REASON_MAX];
        const char *stage = "";
        struct mw_event ev;
        struct part *p;
        int rc;

        p = part_find(c, rd_kafka_topic_name(m->rkt), m->partition);
        if (!p) {
                mw_log_warn("topic=%s partition=%d offset=%lld: message for "
                            "a partition not assigned, ignored",
                            rd_kafka_topic_name(m->rkt), (int)m->partition,
                            (long long)m->offset);
                return 0;
        }
        p->eof = 0;
        rc = decode(c, m, &ev, &stage, reason, sizeof(reason));
        if (rc < 0)
                return -1;
        if (rc == 1) {
                if (dead_letter(c, p, m, stage, reason) != 0)
                        return -1;
        } else {
                if (stage_event(c, &ev, m) != MW_OK) {
                        mw_log_error("out of memory staging an event");
                        return -1;
                }
                p->batch_rows++;
        }
        if (c->batch_msgs == 0) {
                c->batch_started = mw_clock_ms();
                mw_log_debug("topic=%s partition=%d offset=%lld batch started",
                             p->topic, (int)m->partition, (long long)m->offset);
        }
        p->batch_msgs++;
        p->batch_next = m->offset + 1;
        c->batch_msgs++;
        return 0;
}

/* ---- rebalancing --------------------------------------------------- */

static void
rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
             rd_kafka_topic_partition_list_t *list, void *opaque)
{
        struct consumer *c = opaque;
        char errstr[512];
        struct part *p;
        int i;

        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                for (i = 0; i < list->cnt; i++) {
                        rd_kafka_topic_partition_t *tp = &list->elems[i];

                        p = part_find(c, tp->topic, tp->partition);
                        if (!p)
                                p = part_add(c, tp->topic, tp->partition);
                        if (!p || db_load_offset(c, p, errstr,
                                                 sizeof(errstr)) != MW_OK) {
                                mw_log_error("assignment: %s",
                                             p ? errstr : "out of memory");
                                c->fatal = 1;
                                rd_kafka_assign(rk, NULL);
                                return;
                        }
                        tp->offset = p->db_next >= 0
                                         ? p->db_next
                                         : RD_KAFKA_OFFSET_BEGINNING;
                        mw_log_info(
                            "topic=%s partition=%d assigned, "
                            "starting at offset %s%lld",
                            tp->topic, (int)tp->partition,
                            p->db_next >= 0 ? "" : "(beginning) ",
                            (long long)(p->db_next >= 0 ? p->db_next : 0));
                }
                rd_kafka_assign(rk, list);
                return;
        }
        if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
                if (rd_kafka_assignment_lost(rk)) {
                        mw_log_warn("partitions lost: discarding the "
                                    "uncommitted batch");
                        batch_reset(c);
                } else {
                        batch_commit(c);
                }
                mw_log_info("%d partitions revoked", list->cnt);
                batch_reset(c);
                parts_clear(c);
                rd_kafka_assign(rk, NULL);
                return;
        }
        mw_log_error("rebalance error: %s", rd_kafka_err2str(err));
        batch_reset(c);
        parts_clear(c);
        rd_kafka_assign(rk, NULL);
}

/* ---- set-up -------------------------------------------------------- */

static void
on_fatal(int err, const char *reason)
{
        (void)err;
        (void)reason;
        fatal = 1;
        run = 0;
}

/* The consumer's or the dead-letter producer's configuration. The
 * settings exactly-once relies on are forced after the user's -X. */
static rd_kafka_conf_t *
kafka_conf(struct consumer *c, int consumer)
{
        /* Prefetch limits, so memory stays bounded whatever the backlog:
         * librdkafka's defaults (64 MiB of queued payload, fetches of up to
         * 1 MiB per partition) gave over 200 MB of RSS on the 90
         * partitions of the 30 project topics. 8 MiB of payload is some
         * 35000 messages, 7 batches (docs/performance.md). */
        static const char *const consumer_defaults[] = {
            "auto.offset.reset",
            "earliest",
            "partition.assignment.strategy",
            "roundrobin",
            "queued.max.messages.kbytes",
            "8192",
            "fetch.message.max.bytes",
            "262144",
            NULL};
        static const char *const forced[] = {"enable.auto.commit",
                                             "false",
                                             "enable.auto.offset.store",
                                             "false",
                                             "isolation.level",
                                             "read_committed",
                                             "enable.partition.eof",
                                             "true",
                                             NULL};
        static const char *const dlq_forced[] = {"enable.idempotence", "true",
                                                 "acks", "all", NULL};
        const char *const *f = consumer ? forced : dlq_forced;
        char errstr[512];
        rd_kafka_conf_t *kc;
        size_t i;

        kc = mw_kafka_conf_new(&c->conf, PROG,
                               consumer ? consumer_defaults : NULL, errstr,
                               sizeof(errstr));
        if (!kc)
                goto fail;
        if (consumer && mw_kafka_conf_force(kc, "group.id", c->conf.group_id,
                                            errstr, sizeof(errstr)))
                goto fail;
        for (i = 0; f[i]; i += 2)
                if (mw_kafka_conf_force(kc, f[i], f[i + 1], errstr,
                                        sizeof(errstr)))
                        goto fail;
        return kc;
fail:
        if (kc)
                rd_kafka_conf_destroy(kc);
        mw_log_error("%s", errstr);
        return NULL;
}

static int
setup(struct consumer *c)
{
        char errstr[512];
        const struct mw_project *projects;
        rd_kafka_topic_partition_list_t *subs;
        rd_kafka_conf_t *kc;
        rd_kafka_resp_err_t err;
        size_t n, i;

        c->codec = mw_codec_new(errstr, sizeof(errstr));
        if (!c->codec)
                goto fail;
        c->reg = mw_registry_new(c->conf.registry_url, 10000, errstr,
                                 sizeof(errstr));
        if (!c->reg)
                goto fail;
        c->pg =
            mw_pg_connect(c->conf.pg_conninfo, PROG, errstr, sizeof(errstr));
        if (!c->pg || db_session(c, errstr, sizeof(errstr)))
                goto fail;
        if (!mw_conf_dlq(&c->conf, c->dlq_topic, sizeof(c->dlq_topic))) {
                snprintf(errstr, sizeof(errstr),
                         "dead-letter topic name is too long");
                goto fail;
        }
        if (c->n_topics == 0) {
                projects = mw_projects(&n, errstr, sizeof(errstr));
                if (!projects)
                        goto fail;
                for (i = 0; i < n && i < MAX_TOPICS; i++) {
                        char topic[256];

                        if (mw_conf_topic(&c->conf, projects[i].slug, topic,
                                          sizeof(topic)) != MW_OK) {
                                snprintf(errstr, sizeof(errstr),
                                         "topic.prefix is too long");
                                goto fail;
                        }
                        c->topics[c->n_topics] = strdup(topic);
                        if (!c->topics[c->n_topics])
                                goto oom;
                        c->n_topics++;
                }
        }
        kc = kafka_conf(c, 0);
        if (!kc)
                return -1;
        rd_kafka_conf_set_dr_msg_cb(kc, dlq_dr_cb);
        rd_kafka_conf_set_opaque(kc, c);
        c->dlq = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
        if (!c->dlq) {
                rd_kafka_conf_destroy(kc);
                goto fail;
        }
        kc = kafka_conf(c, 1);
        if (!kc)
                return -1;
        rd_kafka_conf_set_rebalance_cb(kc, rebalance_cb);
        rd_kafka_conf_set_opaque(kc, c);
        c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, sizeof(errstr));
        if (!c->rk) {
                rd_kafka_conf_destroy(kc);
                goto fail;
        }
        rd_kafka_poll_set_consumer(c->rk);
        c->queue = rd_kafka_queue_get_consumer(c->rk);
        subs = rd_kafka_topic_partition_list_new((int)c->n_topics);
        for (i = 0; i < c->n_topics; i++)
                rd_kafka_topic_partition_list_add(subs, c->topics[i],
                                                  RD_KAFKA_PARTITION_UA);
        err = rd_kafka_subscribe(c->rk, subs);
        rd_kafka_topic_partition_list_destroy(subs);
        if (err) {
                mw_log_error("subscribe: %s", rd_kafka_err2str(err));
                return -1;
        }
        mw_log_info("group=%s subscribed to %zu topics; dead letters to %s",
                    c->conf.group_id, c->n_topics, c->dlq_topic);
        return 0;
oom:
        snprintf(errstr, sizeof(errstr), "out of memory");
fail:
        mw_log_error("%s", errstr);
        return -1;
}

static int
all_eof(const struct consumer *c)
{
        size_t i;

        if (c->n_parts == 0)
                return 0;
        for (i = 0; i < c->n_parts; i++)
                if (!c->parts[i].eof)
                        return 0;
        return 1;
}

/* Every assigned partition is consumed to the end its last fetch saw, and
 * no fetched message waits in the local queue. An end-of-partition event
 * alone is not enough: when the consumer is behind, the queue holds
 * messages fetched after it, and closing a batch at every such event cut
 * the stream into batches of a few dozen events, whose fixed cost then
 * kept the consumer behind (bench/latency.sh, docs/performance.md). */
static int
caught_up(struct consumer *c)
{
        return all_eof(c) &&
               (!c->queue || rd_kafka_queue_length(c->queue) == 0);
}

/* Whether to commit the open batch before it is full or batch.ms is up:
 * every partition has reported its end, and either nothing fetched waits
 * (caught up), or the batch has been open as long as the last commit took.
 * The second keeps latency low on a steady stream, where some message is
 * nearly always queued, without letting stale end reports cut a backlog
 * into tiny batches: a batch then gathers at least a commit's worth of
 * messages, so commits take at most about half of the consumer's time. */
static int
close_early(struct consumer *c)
{
        return all_eof(c) &&
               (mw_clock_ms() - c->batch_started >= c->last_commit_ms ||
                caught_up(c));
}

/* How long to wait for the next message: a batch closes when batch.ms is
 * up, not after a full poll interval. */
static int
poll_timeout(const struct consumer *c)
{
        int64_t left;

        if (c->batch_msgs == 0)
                return 100;
        left = c->conf.batch_ms - (mw_clock_ms() - c->batch_started);
        return left <= 0 ? 0 : left < 100 ? (int)left : 100;
}

static void
progress(struct consumer *c, int final)
{
        int64_t now = mw_clock_ms();

        if (!final && (!c->tty || now - c->last_progress < 500))
                return;
        c->last_progress = now;
        if (final)
                mw_log_info("done: %ld messages in %ld batches: %ld events "
                            "stored, %ld duplicates, %ld dead letters",
                            c->total_msgs, c->total_batches, c->total_events,
                            c->total_dups, c->total_dead);
        else
                fprintf(stderr,
                        "\r%s: %ld messages, %ld events, %ld duplicates, %ld "
                        "dead letters  ",
                        PROG, c->total_msgs, c->total_events, c->total_dups,
                        c->total_dead);
}

static int
consume(struct consumer *c)
{
        rd_kafka_message_t *m;
        struct part *p;
        int rc = 0;

        c->tty = isatty(STDERR_FILENO);
        while (run && !c->fatal) {
                m = rd_kafka_consumer_poll(c->rk, poll_timeout(c));
                if (m) {
                        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                                p = part_find(c, rd_kafka_topic_name(m->rkt),
                                              m->partition);
                                if (p)
                                        p->eof = 1;
                        } else if (m->err) {
                                mw_log_warn("consumer: %s",
                                            rd_kafka_message_errstr(m));
                        } else if (handle_message(c, m) != 0) {
                                rd_kafka_message_destroy(m);
                                rc = 1;
                                break;
                        }
                        rd_kafka_message_destroy(m);
                }
                rd_kafka_poll(c->dlq, 0);
                if (c->batch_msgs > 0 &&
                    (c->batch_msgs >= c->conf.batch_size ||
                     mw_clock_ms() - c->batch_started >= c->conf.batch_ms ||
                     close_early(c)))
                        batch_commit(c);
                progress(c, 0);
                if (c->exit_at_end && c->batch_msgs == 0 && caught_up(c))
                        break;
        }
        if (c->fatal || fatal)
                rc = 1;
        if (rc == 0)
                batch_commit(c);
        else
                batch_reset(c);
        if (c->tty)
                fputc('\n', stderr);
        progress(c, 1);
        return rc;
}

static void
teardown(struct consumer *c)
{
        size_t i;

        if (c->rk) {
                rd_kafka_consumer_close(c->rk);
                if (c->queue)
                        rd_kafka_queue_destroy(c->queue);
                rd_kafka_destroy(c->rk);
        }
        if (c->dlq) {
                rd_kafka_flush(c->dlq, 10000);
                rd_kafka_destroy(c->dlq);
        }
        if (c->pg)
                PQfinish(c->pg);
        mw_registry_destroy(c->reg);
        mw_codec_destroy(c->codec);
        parts_clear(c);
        free(c->parts);
        free(c->dead);
        mw_buf_release(&c->rows);
        mw_buf_release(&c->json);
        for (i = 0; i < OFF_N; i++)
                mw_buf_release(&c->offsets[i]);
        for (i = 0; i < c->n_topics; i++)
                free(c->topics[i]);
        mw_conf_release(&c->conf);
}

static int
parse_args(struct consumer *c, int argc, char **argv)
{
        static const struct option longopts[] = {
            {"exit-at-end", no_argument, NULL, 'e'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        char errstr[512], *topic;
        int opt, verbosity = MW_LOG_INFO;
        mw_err_t err = MW_OK;

        if (mw_conf_load_env(&c->conf, errstr, sizeof(errstr)))
                goto bad;
        while ((opt = getopt_long(argc, argv, MW_CONF_FLAGS "t:evqh", longopts,
                                  NULL)) != -1) {
                switch (opt) {
                case 't':
                        if (c->n_topics >= MAX_TOPICS)
                                err =
                                    mw_errf(errstr, sizeof(errstr),
                                            MW_ERR_INVALID, "too many topics");
                        else if ((topic = strdup(optarg)) != NULL)
                                c->topics[c->n_topics++] = topic;
                        else
                                err = mw_errf(errstr, sizeof(errstr),
                                              MW_ERR_NOMEM, "out of memory");
                        break;
                case 'e':
                        c->exit_at_end = 1;
                        break;
                case 'v':
                        verbosity = MW_LOG_DEBUG;
                        break;
                case 'q':
                        verbosity = MW_LOG_WARN;
                        break;
                case 'h':
                        usage(stdout);
                        return 1;
                default:
                        err = mw_conf_flag(&c->conf, opt, optarg, errstr,
                                           sizeof(errstr));
                        if (err == MW_ERR_NOTFOUND) {
                                usage(stderr);
                                return -1;
                        }
                }
                if (err)
                        goto bad;
        }
        if (optind != argc) {
                snprintf(errstr, sizeof(errstr), "unexpected argument '%s'",
                         argv[optind]);
                goto bad;
        }
        mw_log_set_level((enum mw_log_level)verbosity);
        return 0;
bad:
        mw_log_error("%s (see --help)", errstr);
        return -1;
}

int
main(int argc, char **argv)
{
        struct consumer c;
        char errstr[256];
        int rc;

        memset(&c, 0, sizeof(c));
        mw_log_set_cb(mw_log_stderr_cb, PROG);
        if (mw_conf_init(&c.conf) != MW_OK) {
                mw_log_error("out of memory");
                return 1;
        }
        rc = parse_args(&c, argc, argv);
        if (rc != 0) {
                teardown(&c);
                return rc > 0 ? 0 : EXIT_USAGE;
        }
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        mw_kafka_on_fatal(on_fatal);
        if (!mw_projects(&(size_t){0}, errstr, sizeof(errstr))) {
                mw_log_error("%s", errstr);
                teardown(&c);
                return 1;
        }
        rc = setup(&c) == 0 ? consume(&c) : 1;
        teardown(&c);
        return rc;
}
