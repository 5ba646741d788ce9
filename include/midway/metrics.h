/* midway: metrics and health of a running program, over HTTP.
 *
 * A registry of metric families (counters, gauges, histograms, ages), the
 * Prometheus text format of it (exposition format 0.0.4), readiness
 * conditions, and an HTTP listener (libmicrohttpd, its own thread)
 * serving
 *   /metrics  the registry, text format
 *   /healthz  200 while the process answers
 *   /readyz   200 when every condition is true, else 503 naming the false
 * A probe thread (mw_metrics_probe()) can check something slow (a
 * database, the brokers) away from the program's own loop.
 *
 * Thread safety: every function may be called from any thread. The
 * registry has one lock; each update takes it, and a program that changes
 * several values that belong together (a batch's messages, events and
 * offsets) wraps them in mw_metrics_lock()/mw_metrics_unlock(), so a scrape
 * sees all of them or none (the lock is recursive). Rendering takes the
 * same lock.
 *
 * Ownership: the registry owns its families and series; a struct
 * mw_metric is borrowed from the registry and lives until
 * mw_metrics_destroy(). The library never prints: the listener's errors go
 * to errstr, libmicrohttpd's own messages are not enabled. */
#ifndef MIDWAY_METRICS_H
#define MIDWAY_METRICS_H

#include <stddef.h>

#include "midway/buf.h"
#include "midway/err.h"

enum mw_metric_type {
        MW_METRIC_COUNTER,   /* only goes up; name it ..._total */
        MW_METRIC_GAUGE,     /* any value */
        MW_METRIC_HISTOGRAM, /* observations in buckets, their sum, count */
        /* A gauge of seconds since a moment: mw_metric_set_now() records
         * the moment (monotonic clock) and each scrape shows the seconds
         * since, so the value grows while the program is stuck. */
        MW_METRIC_AGE,
};

struct mw_metrics;
struct mw_metric;

/* NULL on out of memory (errstr says so). */
struct mw_metrics *mw_metrics_new(char *errstr, size_t errstr_size);
/* Stops the listener and the probe (waiting for both threads), frees
 * everything. NULL is fine. */
void mw_metrics_destroy(struct mw_metrics *m);

/* Adds a family. name: [a-zA-Z_:][a-zA-Z0-9_:]*, unique; help: one line.
 * buckets (histograms only): upper bounds, strictly increasing, +Inf is
 * added. Returns the family (owned by m), or NULL with errstr filled. */
struct mw_metric *mw_metrics_add(struct mw_metrics *m, const char *name,
                                 const char *help, enum mw_metric_type type,
                                 const double *buckets, size_t n_buckets,
                                 char *errstr, size_t errstr_size);

/* The series of a family are told apart by their labels: NULL (none) or
 * an array of names and values ending with NULL, e.g.
 *   (const char *[]){"topic", "midway.registrations.odder",
 *                    "partition", "2", NULL}
 * Names follow the metric name rule without ':'; values are any UTF-8
 * (escaped when rendered). A series is made by its first update. These
 * fail only on out of memory, a bad label name or the wrong type for the
 * family (MW_ERR_INVALID: set on a histogram, observe on a counter). */
mw_err_t mw_metric_set(struct mw_metric *f, const char *const *labels,
                       double value);
mw_err_t mw_metric_add(struct mw_metric *f, const char *const *labels,
                       double delta);
mw_err_t mw_metric_observe(struct mw_metric *f, const char *const *labels,
                           double value);
/* MW_METRIC_AGE: the moment is now. */
mw_err_t mw_metric_set_now(struct mw_metric *f, const char *const *labels);
/* Drops every series of the family (a partition no longer assigned). */
void mw_metric_clear(struct mw_metric *f);

void mw_metrics_lock(struct mw_metrics *m);
void mw_metrics_unlock(struct mw_metrics *m);

/* Appends the registry in the text format to out: per family "# HELP",
 * "# TYPE" and its series in the order they were made; a family with no
 * series only its two comment lines. */
mw_err_t mw_metrics_render(struct mw_metrics *m, struct mw_buf *out,
                           char *errstr, size_t errstr_size);

/* Readiness: a named condition (at most 8 names) is set true or false;
 * ready means at least one condition is known and all are true. */
mw_err_t mw_metrics_condition(struct mw_metrics *m, const char *name, int ok);
/* 1 ready, 0 not; why (may be NULL) gets the false conditions' names,
 * comma-separated ("pg_up,kafka_assigned"), or "" when ready. */
int mw_metrics_ready(struct mw_metrics *m, char *why, size_t why_size);

/* Starts the HTTP listener on spec: "PORT" (loopback, 127.0.0.1),
 * "HOST:PORT" with a numeric IPv4 address, or "[IPv6]:PORT". Port 0 lets
 * the system choose (mw_metrics_port() tells which). Anything but a
 * numeric address is refused: no name lookups. */
mw_err_t mw_metrics_listen(struct mw_metrics *m, const char *spec, char *errstr,
                           size_t errstr_size);
/* Whether spec is an address mw_metrics_listen() takes (a program checks
 * its --metrics option with it: a usage error). MW_ERR_INVALID with the
 * reason in errstr. */
mw_err_t mw_metrics_check_addr(const char *spec, char *errstr,
                               size_t errstr_size);
/* The port listened on, 0 when not listening. */
int mw_metrics_port(struct mw_metrics *m);

/* Calls fn(m, arg) at once and then every interval_ms on a thread of its
 * own until mw_metrics_destroy() (one probe per registry). fn sets
 * conditions and gauges; it may block, and destroy waits for it to
 * return. */
typedef void mw_metrics_probe_fn(struct mw_metrics *m, void *arg);
mw_err_t mw_metrics_probe(struct mw_metrics *m, mw_metrics_probe_fn *fn,
                          void *arg, int interval_ms, char *errstr,
                          size_t errstr_size);

#endif
