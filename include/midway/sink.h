/* midway: the consumer's writes to PostgreSQL (the storage layer's side of
 * consumers/midway-consumer): the staging table, events, the offsets
 * compare-and-set and the dead-letter records. The consumer decides what
 * goes into a batch and what to do when PostgreSQL refuses it; every SQL
 * statement it runs is here, beside the migrations that define the
 * tables (migrations/).
 *
 * All functions take a connection the caller owns and run inside the
 * caller's transaction; none begins, commits or rolls back one. */
#ifndef MIDWAY_SINK_H
#define MIDWAY_SINK_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "midway/err.h"

/* How an attempt to apply rows ended. */
enum mw_sink_rc {
        MW_SINK_OK,
        MW_SINK_DATA,  /* refused for a reason one row can cause
                        * (mw_pg_state_is_data()) */
        MW_SINK_OTHER, /* anything else: connection, serialisation,
                        * privileges, resources */
};

/* Creates the session's staging table (once per connection). */
mw_err_t mw_sink_session(PGconn *pg, char *errstr, size_t errstr_size);

/* The stored next offset of (group, topic, partition) in *next, -1 if
 * none is stored. */
mw_err_t mw_sink_load_offset(PGconn *pg, const char *group, const char *topic,
                             int32_t partition, int64_t *next, char *errstr,
                             size_t errstr_size);

/* Called with the number of rows of (topic, partition) that were already
 * stored (duplicates of stored event ids). */
typedef void mw_sink_dups_cb(void *arg, const char *topic, int32_t partition,
                             long n);

/* Applies n_rows events given as COPY text (the columns of stage_event,
 * docs/operations.md): the staging table is emptied, the rows COPYed in
 * and INSERTed into event (a stored event id is skipped and reported to
 * dups), and the state of every citizen they can affect is merged
 * incrementally when none was a duplicate, else recomputed (migration
 * 0005). *n_dups is the number skipped. */
enum mw_sink_rc mw_sink_apply(PGconn *pg, const char *copy, size_t len,
                              long n_rows, mw_sink_dups_cb *dups, void *arg,
                              long *n_dups, char *errstr, size_t errstr_size);

/* SAVEPOINT name, ROLLBACK TO SAVEPOINT name, RELEASE SAVEPOINT name. */
mw_err_t mw_sink_savepoint(PGconn *pg, const char *name, char *errstr,
                           size_t errstr_size);
mw_err_t mw_sink_rollback_to(PGconn *pg, const char *name, char *errstr,
                             size_t errstr_size);
mw_err_t mw_sink_release(PGconn *pg, const char *name, char *errstr,
                         size_t errstr_size);

/* One partition's move of the stored offset. */
struct mw_sink_offset {
        const char *topic;
        int32_t partition;
        int64_t prev; /* where this consumer read it; -1: none stored */
        int64_t next;
        long messages, duplicates, dead_letters;
        int moved; /* set by mw_sink_offsets() */
};

/* Moves the stored offsets of offs[0..n) (all with prev >= 0, or all with
 * prev < 0 for fresh), each only from prev: one statement. MW_ERR_INVALID
 * naming a partition that did not move (another consumer owns it). */
mw_err_t mw_sink_offsets(PGconn *pg, const char *group,
                         struct mw_sink_offset *offs, size_t n, int fresh,
                         char *errstr, size_t errstr_size);

/* A dead letter as the dead_letter table holds it. */
struct mw_sink_dead {
        const char *topic;
        int32_t partition;
        int64_t offset;
        const char *stage;
        const char *reason;
        const void *key;
        size_t key_len;
        const void *val; /* NULL when withheld */
        size_t val_len;
        int withheld;
        int32_t dlq_partition; /* for mw_sink_dead_published() */
        int64_t dlq_offset;
};

mw_err_t mw_sink_dead_insert(PGconn *pg, const struct mw_sink_dead *d, size_t n,
                             char *errstr, size_t errstr_size);
/* Marks d[i] published where published[i] is set, and drops their copy
 * of the message; one statement. */
mw_err_t mw_sink_dead_published(PGconn *pg, const struct mw_sink_dead *d,
                                const int *published, size_t n, char *errstr,
                                size_t errstr_size);

/* Called for each stored but unpublished dead letter; key and val are
 * valid during the call only; stored_ms is when it was stored. Returns
 * non-zero to stop. */
typedef int mw_sink_pending_cb(void *arg, const struct mw_sink_dead *d,
                               int64_t stored_ms);

/* The unpublished dead letters of the partitions topics[i]/parts[i]. */
mw_err_t mw_sink_dead_pending(PGconn *pg, const char *const *topics,
                              const int32_t *parts, size_t n,
                              mw_sink_pending_cb *cb, void *arg, char *errstr,
                              size_t errstr_size);

/* ---- erasure (migration 0011, functions/60_erasure.sql) ---------------- */

#define MW_SINK_DLQ_PARTS 64 /* dead-letter partitions an erasure reports */

/* What one erasure removed, and where in the dead-letter topic the
 * records dead-lettered from the request's source partition end. */
struct mw_sink_erased {
        long events, dead_letters;
        size_t n_dlq;
        int32_t dlq_partition[MW_SINK_DLQ_PARTS];
        int64_t dlq_below[MW_SINK_DLQ_PARTS]; /* delete the records below */
};

/* Erases every row of citizen ref (64 hex digits) of project_id: events,
 * per-citizen state, dead letters still keyed by it; records the erasure
 * against the request's place on Kafka (topic, partition, offset), without
 * the reference. Inside the caller's transaction. */
mw_err_t mw_sink_erase(PGconn *pg, int32_t project_id, const char *ref,
                       const char *topic, int32_t partition, int64_t offset,
                       struct mw_sink_erased *out, char *errstr,
                       size_t errstr_size);

#endif
