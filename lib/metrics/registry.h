/* The metrics layer's internal header: the registry, shared by
 * metrics.c (families, series, the text format, readiness) and http.c
 * (the listener and the probe thread). */
#ifndef MIDWAY_METRICS_REGISTRY_H
#define MIDWAY_METRICS_REGISTRY_H

#include <pthread.h>
#include <stdint.h>

#include "midway/metrics.h"

#define MAX_CONDITIONS 8
#define CONDITION_MAX  32

struct series {
        char *labels;   /* owned: rendered, 'a="x",b="y"', "" for none */
        double value;   /* counter, gauge; age: the moment (seconds) */
        double sum;     /* histogram */
        uint64_t count; /* histogram */
        uint64_t *hits; /* owned, histogram: per bucket (not cumulative) */
};

struct mw_metric {
        struct mw_metrics *m; /* borrowed: the owner */
        char *name;           /* owned */
        char *help;           /* owned */
        enum mw_metric_type type;
        double *bounds; /* owned, histogram: n_bounds upper bounds */
        size_t n_bounds;
        struct series *series; /* owned, n_series used */
        size_t n_series, cap_series;
};

struct condition {
        char name[CONDITION_MAX];
        int ok;
};

struct mw_metrics {
        pthread_mutex_t lock;    /* recursive: all of the below */
        struct mw_metric **fams; /* owned, n_fams */
        size_t n_fams, cap_fams;
        struct condition cond[MAX_CONDITIONS];
        size_t n_cond;
        /* http.c */
        struct MHD_Daemon *httpd; /* owned */
        int port;
        pthread_t probe_thread;
        int probing;  /* the probe thread runs */
        int stopping; /* under probe_lock */
        pthread_mutex_t probe_lock;
        pthread_cond_t probe_wake;
        mw_metrics_probe_fn *probe_fn;
        void *probe_arg;
        int probe_interval_ms;
};

/* http.c: stops the listener and the probe thread (destroy calls it
 * first, without the registry's lock). */
void mw_metrics_stop(struct mw_metrics *m);

#endif
