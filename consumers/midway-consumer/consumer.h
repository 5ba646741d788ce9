/* midway-consumer's internal header: the consumer's state, shared by
 * main.c (command line, Kafka set-up, the poll loop, rebalancing),
 * batch.c (one PostgreSQL transaction per batch, poison isolation, pausing
 * and resuming the partitions around a failure), end.c (what
 * --exit-at-end must reach, and whether it did) and
 * dlq.c (dead letters: recorded in the batch's transaction, published to
 * the dead-letter topic after it commits, exactly once per source
 * offset), erase.c (an erasure request: one citizen's rows removed in
 * the transaction of its offset, then the Kafka records below it) and
 * metrics.c (metrics and health over HTTP, when asked). */
#ifndef MIDWAY_CONSUMER_H
#define MIDWAY_CONSUMER_H

#include <signal.h>
#include <stdint.h>

#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>

#include "midway/buf.h"
#include "midway/codec.h"
#include "midway/conf.h"
#include "midway/registry.h"
#include "midway/sink.h"

#define PROG       "midway-consumer"
#define MAX_TOPICS 256
#define REASON_MAX 256
#define STAGE_MAX  16

extern volatile sig_atomic_t mw_consumer_run;

struct part {
        char *topic; /* owned */
        int32_t partition;
        int32_t project_id; /* of the topic; 0: no project's topic */
        int64_t db_next;    /* next_offset stored in PostgreSQL; -1: none */
        int64_t batch_next; /* offset after the batch's last message; -1 */
        long batch_msgs;
        long batch_rows; /* events staged */
        long batch_dups; /* staged events already stored */
        long try_dups;   /* of the attempt under way (batch.c) */
        long batch_dead;
        int eof;
        int64_t eof_offset; /* the end the last end-of-partition saw */
};

/* A partition of the subscribed topics and its end offset (high
 * watermark) read at start: what --exit-at-end must reach (end.c). */
struct end {
        char *topic; /* owned */
        int32_t partition;
        int64_t end;
};

/* One staged event of the batch: its COPY text is rows[start, end of the
 * next row), its message's key and value are raw[key..], raw[val..], kept
 * so that a row PostgreSQL refuses can still be dead-lettered whole. */
struct row {
        size_t part; /* index into parts */
        int64_t offset;
        size_t start;
        size_t key, key_len, val, val_len; /* into raw */
};

/* A dead letter of the batch, or one waiting to be published. */
struct dead {
        size_t part; /* index into parts */
        int64_t offset;
        char stage[STAGE_MAX];
        char reason[REASON_MAX]; /* printable ASCII, no CPR number */
        int withheld;            /* the value held personal data: not kept */
        size_t key, key_len, val, val_len; /* into raw */
        int32_t dlq_partition;             /* set by the delivery report */
        int64_t dlq_offset;
        int delivered; /* 1 acknowledged, -1 failed, 0 not yet */
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
        struct row *rows; /* owned, n_rows used */
        size_t n_rows, cap_rows;
        struct mw_buf copy; /* COPY text of the batch's events */
        struct mw_buf raw;  /* keys and values of rows and dead */
        struct mw_buf json; /* scratch */
        struct dead *dead;  /* owned, n_dead used */
        size_t n_dead, cap_dead;
        long batch_msgs;
        int64_t batch_started;
        int64_t last_commit_ms; /* how long the last commit took */
        int64_t fail_backoff_ms;
        int exit_at_end;
        int fatal;
        struct end *ends; /* owned, n_ends: --exit-at-end's goal */
        size_t n_ends;
        int64_t kafka_seen_ms;   /* last message, end or assignment */
        int64_t authz_until;     /* start + auth.wait.ms (mw_clock_ms) */
        int64_t end_checked_ms;  /* partitions of other members: checked */
        int64_t others_sum;      /* their offsets stored here, summed */
        int64_t others_moved_ms; /* when that sum last moved */
        /* After a failed commit the assigned partitions are paused (and
         * poll goes on, keeping the group membership) until held_until;
         * then PostgreSQL is reconnected if need be, every partition is
         * rewound to its stored offset and resumed (batch.c). */
        int held;
        int64_t held_until;
        int reconnecting; /* the connection is being re-established */
        int pending_dlq;  /* dead letters stored but not yet published */
        int64_t pending_retry_at;
        /* An erasure request ends its batch: the open batch is committed
         * before it is staged, and it is committed alone (erase.c). */
        int erase_pending;
        size_t erase_part;
        int64_t erase_offset;
        char erase_ref[65]; /* the citizen reference; wiped after use */
        struct mw_sink_erased erased;
        char dlq_topic[256];
        size_t n_topics;
        char *topics[MAX_TOPICS]; /* owned */
        long total_msgs, total_events, total_dups, total_dead, total_batches,
            total_isolated;
        int64_t last_progress;
        int tty;             /* stderr is a terminal: show progress */
        int64_t last_logged; /* off a terminal: the last progress line */
        long logged_msgs;    /* total_msgs at that line */
        struct consumer_metrics *metrics; /* owned; NULL: no listener */
};

/* batch.c */
/* Stages an event decoded from m (COPY text, key and value kept). */
mw_err_t mw_consumer_stage(struct consumer *c, size_t part,
                           const struct mw_event *ev,
                           const rd_kafka_message_t *m);
/* Commits the open batch; 0 on success, -1 if it was rolled back (the
 * partitions are rewound to their stored offsets). */
int mw_consumer_commit(struct consumer *c);
void mw_consumer_batch_reset(struct consumer *c);
/* Pauses the assigned partitions after a failure, for backoff_ms. */
void mw_consumer_hold(struct consumer *c, int64_t backoff_ms);
/* When the hold is up: reconnects PostgreSQL if need be, rewinds every
 * assigned partition to its stored offset and resumes it. 0 when resumed
 * (or nothing is held), 1 still held. */
int mw_consumer_resume(struct consumer *c);

/* end.c */
/* Reads the partitions of c->topics and their end offsets, waiting at
 * most broker.wait.ms for the brokers. 0, or -1 (logged). */
int mw_consumer_read_ends(struct consumer *c);
/* What --exit-at-end decides once every assigned partition is caught up:
 * 1 every partition of its topics is drained to its end (by us, or stored
 * in this database by another member), 0 not yet, -1 never by this run
 * (partitions held by another member; logged). */
int mw_consumer_end_check(struct consumer *c);
/* Partitions of ends drained (a summary); the number of ends in *total. */
size_t mw_consumer_drained(const struct consumer *c, size_t *total);
/* Why Kafka gave nothing for broker.wait.ms (logged). */
void mw_consumer_kafka_silent(struct consumer *c);
void mw_consumer_ends_free(struct consumer *c);

/* dlq.c */
/* Records a dead letter for the batch: nothing is produced until the
 * batch's transaction has committed. withheld: the value is not kept
 * (it held personal data). */
mw_err_t mw_consumer_dead(struct consumer *c, size_t part, int64_t offset,
                          const void *key, size_t key_len, const void *val,
                          size_t val_len, int withheld, const char *stage,
                          const char *reason);
/* INSERTs the batch's dead letters (inside its transaction). */
mw_err_t mw_consumer_dead_store(struct consumer *c, char *errstr,
                                size_t errstr_size);
/* After the commit: produces the batch's dead letters and marks those
 * acknowledged as published; the rest stay pending. */
void mw_consumer_dead_publish(struct consumer *c);
/* Publishes the dead letters of the assigned partitions that were stored
 * but never marked published (a crash or a broker outage after their
 * commit): those already on the dead-letter topic are found there by their
 * source headers and only marked; the others are produced. 0 when none is
 * pending any more. */
int mw_consumer_dead_recover(struct consumer *c);
void mw_consumer_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m,
                       void *opaque);
/* A reason fit for logs, headers and the database: printable ASCII only,
 * CPR-like digit runs masked. */
void mw_consumer_clean_reason(const char *in, char *out, size_t out_size);

/* erase.c */
/* Stages the erasure request m of partition part as the whole batch (the
 * caller committed what was open before). */
void mw_consumer_erase_stage(struct consumer *c, size_t part,
                             const rd_kafka_message_t *m);
/* In the batch's transaction: erases the staged request's citizen. */
mw_err_t mw_consumer_erase_apply(struct consumer *c, char *errstr,
                                 size_t errstr_size);
/* After the commit: logs the erasure (without the reference) and deletes
 * the records of its partition below the stored offset, and those of the
 * dead-letter topic that came from that partition. */
void mw_consumer_erase_kafka(struct consumer *c);
/* Forgets a staged request (the reference is wiped). */
void mw_consumer_erase_reset(struct consumer *c);

/* metrics.c */
/* Starts the listener of metrics.listen, if set, and the PostgreSQL
 * probe. 0 (also when not asked), -1 failed (logged). */
int mw_consumer_metrics_start(struct consumer *c);
/* Feeds the metrics from c: at most every 200 ms unless now. */
void mw_consumer_metrics_update(struct consumer *c, int now);
/* A commit that took ms: ok (its dead letters counted by stage), or
 * rolled back. */
void mw_consumer_metrics_commit(struct consumer *c, int64_t ms, int ok);
void mw_consumer_metrics_stop(struct consumer *c);
/* Before the Kafka handle is destroyed (a restart at start-up, the end):
 * the probe no longer uses it once this returns. */
void mw_consumer_metrics_detach(struct consumer *c);

#endif
