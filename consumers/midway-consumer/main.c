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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "consumer.h"
#include "midway/cli.h"
#include "midway/clock.h"
#include "midway/judge.h"
#include "midway/kafka.h"
#include "midway/log.h"
#include "midway/metrics.h"
#include "midway/pg.h"
#include "midway/projects.h"
#include "midway/sink.h"

#define RAW_MAX (32u << 20) /* bytes of kept messages per batch */

volatile sig_atomic_t mw_consumer_run = 1;
static volatile sig_atomic_t fatal; /* a Kafka error waiting cannot cure */
/* Kafka refused an authorisation within auth.wait.ms of the start */
static volatile sig_atomic_t authz_refused;

static void
on_signal(int sig)
{
        (void)sig;
        mw_consumer_run = 0;
}

#define OPT_METRICS 256

static const struct mw_cli_opt opts[] = {
    {'t', "topic", "TOPIC",
     "consume TOPIC (repeatable; default: every project's topic)"},
    {'e', "exit-at-end", NULL,
     "exit when every partition of the topics is consumed to the end\n"
     "offset read at start: exit 0 only then; exit 1 if another member of\n"
     "the group holds some of them, on a signal before the end, or when\n"
     "the brokers give nothing for broker.wait.ms"},
    {OPT_METRICS, "metrics", "ADDR",
     "serve /metrics, /healthz and /readyz over HTTP on ADDR: PORT\n"
     "(loopback), IPV4ADDRESS:PORT or [IPV6ADDRESS]:PORT (the property\n"
     "metrics.listen)"},
    {0, NULL, NULL, NULL}};

static const struct mw_cli cli = {
    PROG,
    "[OPTION]...",
    "Consume midway registrations from Kafka and apply them to PostgreSQL "
    "exactly once.",
    opts,
    MW_CLI_BROKERS | MW_CLI_PG | MW_CLI_REGISTRY | MW_CLI_GROUP | MW_CLI_FILE |
        MW_CLI_KAFKA | MW_CLI_PROPS,
    1,
    NULL,
    NULL};

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

/* The project whose topic this is (topic.prefix + slug), or 0. */
static int32_t
topic_project(const struct consumer *c, const char *topic)
{
        const struct mw_project *projects;
        char name[256], errstr[128];
        size_t n, i;

        projects = mw_projects(&n, errstr, sizeof(errstr));
        for (i = 0; projects && i < n; i++)
                if (mw_conf_topic(&c->conf, projects[i].slug, name,
                                  sizeof(name)) == MW_OK &&
                    strcmp(name, topic) == 0)
                        return projects[i].id;
        return 0;
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
        p->project_id = topic_project(c, topic);
        c->n_parts++;
        return p;
}

/* The verdict on m (lib/wire/judge.c, the same code midway-admin check
 * reports with). Returns 0 with ev filled, 1 if m is to be dead-lettered
 * (stage/reason set), -1 on a failure that is not the message's fault
 * (registry down). */
static int
decode(struct consumer *c, const struct part *p, const rd_kafka_message_t *m,
       struct mw_event *ev, const char **stage, char *reason,
       size_t reason_size)
{
        struct mw_message msg = {p->topic,   p->project_id, m->key,
                                 m->key_len, m->payload,    m->len};
        char errstr[512];
        mw_err_t err;

        err = mw_judge(c->codec, c->reg, &msg, &mw_consumer_run, ev, stage,
                       reason, reason_size, errstr, sizeof(errstr));
        if (err == MW_ERR_INVALID)
                return 1;
        if (err) {
                mw_log_error("schema registry: %s", errstr);
                return -1;
        }
        return 0;
}

static int
handle_message(struct consumer *c, const rd_kafka_message_t *m)
{
        char reason[REASON_MAX];
        const char *stage = "";
        struct mw_message msg;
        struct mw_event ev;
        struct part *p;
        size_t part;
        int rc;

        p = part_find(c, rd_kafka_topic_name(m->rkt), m->partition);
        if (!p) {
                mw_log_warn("topic=%s partition=%d offset=%lld: message for "
                            "a partition not assigned, ignored",
                            rd_kafka_topic_name(m->rkt), (int)m->partition,
                            (long long)m->offset);
                return 0;
        }
        part = (size_t)(p - c->parts);
        p->eof = 0;
        msg = (struct mw_message){p->topic,   p->project_id, m->key,
                                  m->key_len, m->payload,    m->len};
        if (mw_judge_erasure(&msg)) {
                /* alone in its batch: what came before is committed first;
                 * if that fails, the partitions are rewound and the
                 * request is read again */
                if (c->batch_msgs > 0 && mw_consumer_commit(c) != 0)
                        return 0;
                mw_consumer_erase_stage(c, part, m);
                rc = 2;
        } else {
                rc = decode(c, p, m, &ev, &stage, reason, sizeof(reason));
        }
        if (rc < 0)
                return -1;
        if (rc == 1) {
                if (mw_consumer_dead(c, part, m->offset, m->key, m->key_len,
                                     m->payload, m->len,
                                     strcmp(stage, "privacy") == 0, stage,
                                     reason) != MW_OK) {
                        mw_log_error("out of memory recording a dead letter");
                        return -1;
                }
        } else if (rc == 0) {
                if (mw_consumer_stage(c, part, &ev, m) != MW_OK) {
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
        int i, held = 0;

        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                for (i = 0; i < list->cnt; i++) {
                        rd_kafka_topic_partition_t *tp = &list->elems[i];

                        p = part_find(c, tp->topic, tp->partition);
                        if (!p)
                                p = part_add(c, tp->topic, tp->partition);
                        if (p && !c->held &&
                            mw_sink_load_offset(
                                c->pg, c->conf.group_id, p->topic, p->partition,
                                &p->db_next, errstr, sizeof(errstr)) != MW_OK) {
                                /* PostgreSQL away: assigned paused, and
                                 * rewound to the stored offsets when it
                                 * is back (mw_consumer_resume()) */
                                mw_log_warn("assignment: %s", errstr);
                                held = 1;
                        }
                        if (!p) {
                                mw_log_error("assignment: out of memory");
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
                c->kafka_seen_ms = mw_clock_ms();
                if (held || c->held)
                        mw_consumer_hold(
                            c, c->held ? c->held_until - mw_clock_ms() : 0);
                /* dead letters a predecessor stored but did not publish */
                c->pending_dlq = 1;
                c->pending_retry_at = 0;
                return;
        }
        if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
                if (rd_kafka_assignment_lost(rk)) {
                        mw_log_warn("partitions lost: discarding the "
                                    "uncommitted batch");
                        mw_consumer_batch_reset(c);
                } else {
                        mw_consumer_commit(c);
                }
                mw_log_info("%d partitions revoked", list->cnt);
                mw_consumer_batch_reset(c);
                parts_clear(c);
                rd_kafka_assign(rk, NULL);
                return;
        }
        mw_log_error("rebalance error: %s", rd_kafka_err2str(err));
        mw_consumer_batch_reset(c);
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
        mw_consumer_run = 0;
}

static void
on_authz(int err, const char *reason)
{
        (void)err;
        (void)reason;
        authz_refused = 1;
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

static int setup_kafka(struct consumer *c);

static int
setup(struct consumer *c)
{
        char errstr[512];
        const struct mw_project *projects;
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
        if (!c->pg || mw_sink_session(c->pg, errstr, sizeof(errstr)))
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
        return setup_kafka(c);
oom:
        snprintf(errstr, sizeof(errstr), "out of memory");
fail:
        mw_log_error("%s", errstr);
        return -1;
}

/* The dead-letter producer and the consumer, subscribed. 0 or -1 (logged). */
static int
setup_kafka(struct consumer *c)
{
        char errstr[512];
        rd_kafka_topic_partition_list_t *subs;
        rd_kafka_conf_t *kc;
        rd_kafka_resp_err_t err;
        size_t i;

        kc = kafka_conf(c, 0);
        if (!kc)
                return -1;
        rd_kafka_conf_set_dr_msg_cb(kc, mw_consumer_dr_cb);
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
fail:
        mw_log_error("%s", errstr);
        return -1;
}

static void
teardown_kafka(struct consumer *c)
{
        mw_consumer_metrics_detach(c);
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
        c->rk = c->dlq = NULL;
        c->queue = NULL;
}

/* Kafka refused an authorisation within auth.wait.ms of the start: most
 * likely a broker that has not applied the ACLs yet. New handles after a
 * pause (the dead-letter producer, refused its producer id, cannot be used
 * again); the open batch is committed on the revocation as at any close,
 * and the offsets are read again from PostgreSQL on the new assignment.
 * 0, or -1 (stopped by a signal or the new handles failed). */
static int
kafka_restart(struct consumer *c)
{
        authz_refused = 0;
        mw_log_warn("Kafka refused an authorisation at start-up (the ACLs "
                    "may not be on every broker yet): connecting again in "
                    "2 s; an authorisation error %d s after the start stops "
                    "the consumer (auth.wait.ms)",
                    c->conf.auth_wait_ms / 1000);
        teardown_kafka(c);
        mw_consumer_batch_reset(c);
        parts_clear(c);
        mw_clock_sleep_ms(2000, &mw_consumer_run);
        if (!mw_consumer_run)
                return -1;
        return setup_kafka(c);
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

/* Off a terminal, a log line this often while messages come in (a long
 * consume was silent at the default level until "done"). */
#define PROGRESS_LOG_MS 30000

static void
progress(struct consumer *c, int final)
{
        int64_t now = mw_clock_ms();

        if (!final && !c->tty) {
                if (c->last_logged == 0)
                        c->last_logged = now;
                if (now - c->last_logged < PROGRESS_LOG_MS ||
                    c->total_msgs == c->logged_msgs)
                        return;
                mw_log_info("progress: %ld messages (%.0f a second over the "
                            "last %ld s): %ld events stored, %ld duplicates, "
                            "%ld dead letters",
                            c->total_msgs,
                            (double)(c->total_msgs - c->logged_msgs) * 1000.0 /
                                (double)(now - c->last_logged),
                            (long)((now - c->last_logged) / 1000),
                            c->total_events, c->total_dups, c->total_dead);
                c->last_logged = now;
                c->logged_msgs = c->total_msgs;
                return;
        }
        if (!final && now - c->last_progress < 500)
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

/* One message or event from poll. 0, or -1 to stop with a failure. */
static int
on_message(struct consumer *c, rd_kafka_message_t *m)
{
        struct part *p;

        c->kafka_seen_ms = mw_clock_ms();
        /* held: whatever slipped in before the pause is read again from
         * the stored offsets on resume */
        if (c->held)
                return 0;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                p = part_find(c, rd_kafka_topic_name(m->rkt), m->partition);
                if (p) {
                        p->eof = 1;
                        p->eof_offset = m->offset;
                }
        } else if (m->err) {
                mw_log_warn("consumer: %s", rd_kafka_message_errstr(m));
                if (mw_kafka_error_is_authz(c->rk, m->err)) {
                        if (mw_clock_ms() < c->authz_until) {
                                authz_refused = 1;
                        } else {
                                mw_log_error("stopped: Kafka refused this "
                                             "consumer (auth.wait.ms after "
                                             "the start has passed): check "
                                             "its ACLs");
                                c->fatal = 1;
                        }
                }
        } else if (handle_message(c, m) != 0) {
                return -1;
        }
        return 0;
}

/* For --exit-at-end: 1 drained (exit 0), -1 never (exit 1), 0 go on. */
static int
at_end(struct consumer *c)
{
        if (!c->exit_at_end || c->held)
                return 0;
        if (c->batch_msgs == 0 && !c->pending_dlq && caught_up(c))
                return mw_consumer_end_check(c);
        if (mw_clock_ms() - c->kafka_seen_ms > c->conf.broker_wait_ms) {
                mw_consumer_kafka_silent(c);
                return -1;
        }
        return 0;
}

/* How a run that did not fail ends: a summary, and for --exit-at-end
 * stopped by a signal before the end, not "done" but exit 1. */
static int
finish(struct consumer *c, int end)
{
        size_t drained, total;

        if (!c->exit_at_end || end == 1) {
                progress(c, 1);
                return 0;
        }
        drained = mw_consumer_drained(c, &total);
        mw_log_error("stopped by a signal before the end: %zu of %zu "
                     "partitions drained; %ld messages in %ld batches: %ld "
                     "events stored, %ld duplicates, %ld dead letters (all "
                     "committed: a new run goes on from the stored offsets)",
                     drained, total, c->total_msgs, c->total_batches,
                     c->total_events, c->total_dups, c->total_dead);
        return 1;
}

static int
consume(struct consumer *c)
{
        rd_kafka_message_t *m;
        int rc = 0, end = 0;

        c->tty = isatty(STDERR_FILENO);
        c->kafka_seen_ms = mw_clock_ms();
        while (mw_consumer_run && !c->fatal) {
                if (authz_refused && kafka_restart(c) != 0) {
                        rc = 1;
                        break;
                }
                if (c->held)
                        mw_consumer_resume(c);
                m = rd_kafka_consumer_poll(c->rk,
                                           c->held ? 100 : poll_timeout(c));
                if (m) {
                        rc = on_message(c, m) != 0;
                        rd_kafka_message_destroy(m);
                        if (rc)
                                break;
                }
                rd_kafka_poll(c->dlq, 0);
                if (!c->held && c->batch_msgs > 0 &&
                    (c->erase_pending || c->batch_msgs >= c->conf.batch_size ||
                     c->raw.len >= RAW_MAX ||
                     mw_clock_ms() - c->batch_started >= c->conf.batch_ms ||
                     close_early(c)))
                        mw_consumer_commit(c);
                if (!c->held && c->pending_dlq && c->batch_msgs == 0 &&
                    mw_clock_ms() >= c->pending_retry_at)
                        mw_consumer_dead_recover(c);
                progress(c, 0);
                mw_consumer_metrics_update(c, 0);
                if ((end = at_end(c)) != 0)
                        break;
        }
        if (c->fatal || fatal || end < 0)
                rc = 1;
        if (rc == 0 && !c->held)
                mw_consumer_commit(c);
        else
                mw_consumer_batch_reset(c);
        if (c->tty)
                fputc('\n', stderr);
        if (rc == 0)
                return finish(c, end);
        return rc;
}

static void
teardown(struct consumer *c)
{
        size_t i;

        mw_consumer_metrics_stop(c);
        teardown_kafka(c);
        if (c->pg)
                PQfinish(c->pg);
        mw_registry_destroy(c->reg);
        mw_codec_destroy(c->codec);
        parts_clear(c);
        free(c->parts);
        mw_consumer_ends_free(c);
        free(c->dead);
        free(c->rows);
        mw_buf_release(&c->copy);
        mw_buf_release(&c->raw);
        mw_buf_release(&c->json);
        for (i = 0; i < c->n_topics; i++)
                free(c->topics[i]);
        mw_conf_release(&c->conf);
}

static mw_err_t
on_opt(void *arg, int key, const char *value, char *errstr, size_t errstr_size)
{
        struct consumer *c = arg;

        if (key == 'e') {
                c->exit_at_end = 1;
                return MW_OK;
        }
        if (key == OPT_METRICS)
                return mw_metrics_check_addr(value, errstr, errstr_size)
                           ? MW_ERR_INVALID
                           : mw_conf_set(&c->conf, "metrics.listen", value,
                                         errstr, errstr_size);
        /* 't' */
        if (c->n_topics >= MAX_TOPICS)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "too many topics");
        if (!(c->topics[c->n_topics] = strdup(value)))
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        c->n_topics++;
        return MW_OK;
}

int
main(int argc, char **argv)
{
        struct consumer c;
        char errstr[512];
        enum mw_cli_rc cli_rc;
        int rc, first = 0;

        memset(&c, 0, sizeof(c));
        cli_rc = mw_cli_start(&cli, argc, argv, &c.conf, on_opt, &c, 0, 0,
                              &first, errstr, sizeof(errstr));
        if (cli_rc != MW_CLI_RUN) {
                teardown(&c);
                return mw_cli_exit(&cli, cli_rc, errstr, stdout, stderr);
        }
        mw_cli_signals(on_signal);
        mw_kafka_on_fatal(on_fatal);
        c.authz_until = mw_clock_ms() + c.conf.auth_wait_ms;
        mw_kafka_on_authz(c.authz_until, on_authz);
        if (!mw_projects(&(size_t){0}, errstr, sizeof(errstr))) {
                mw_log_error("%s", errstr);
                teardown(&c);
                return 1;
        }
        rc = mw_consumer_metrics_start(&c) == 0 && setup(&c) == 0 &&
                     (!c.exit_at_end || mw_consumer_read_ends(&c) == 0)
                 ? consume(&c)
                 : 1;
        teardown(&c);
        return rc;
}
