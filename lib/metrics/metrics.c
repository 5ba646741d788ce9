/* midway: the metrics registry and its Prometheus text format.
 *
 * Our own, small: Debian 12 packages no C client library for Prometheus
 * (prometheus-client-c is not in it), and the format is a few lines per
 * family. Families and series are kept in arrays in the order they were
 * made; a program has a few dozen series (one per partition at most), so
 * a series is found by a linear search of its rendered labels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/clock.h"
#include "registry.h"

static int
name_ok(const char *s, int colon)
{
        size_t i;

        if (!s || !*s)
                return 0;
        for (i = 0; s[i]; i++) {
                char ch = s[i];
                int alpha = (ch >= 'a' && ch <= 'z') ||
                            (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                            (colon && ch == ':');

                if (!alpha && !(i > 0 && ch >= '0' && ch <= '9'))
                        return 0;
        }
        return 1;
}

struct mw_metrics *
mw_metrics_new(char *errstr, size_t errstr_size)
{
        pthread_mutexattr_t attr;
        struct mw_metrics *m = calloc(1, sizeof(*m));

        if (!m) {
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                return NULL;
        }
        pthread_mutexattr_init(&attr);
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
        pthread_mutex_init(&m->lock, &attr);
        pthread_mutexattr_destroy(&attr);
        pthread_mutex_init(&m->probe_lock, NULL);
        pthread_cond_init(&m->probe_wake, NULL);
        return m;
}

static void
family_free(struct mw_metric *f)
{
        size_t i;

        for (i = 0; i < f->n_series; i++) {
                free(f->series[i].labels);
                free(f->series[i].hits);
        }
        free(f->series);
        free(f->bounds);
        free(f->name);
        free(f->help);
        free(f);
}

void
mw_metrics_destroy(struct mw_metrics *m)
{
        size_t i;

        if (!m)
                return;
        mw_metrics_stop(m);
        for (i = 0; i < m->n_fams; i++)
                family_free(m->fams[i]);
        free(m->fams);
        pthread_cond_destroy(&m->probe_wake);
        pthread_mutex_destroy(&m->probe_lock);
        pthread_mutex_destroy(&m->lock);
        free(m);
}

void
mw_metrics_lock(struct mw_metrics *m)
{
        pthread_mutex_lock(&m->lock);
}

void
mw_metrics_unlock(struct mw_metrics *m)
{
        pthread_mutex_unlock(&m->lock);
}

static mw_err_t
check_family(struct mw_metrics *m, const char *name, const char *help,
             enum mw_metric_type type, const double *buckets, size_t n,
             char *errstr, size_t errstr_size)
{
        size_t i;

        if (!name_ok(name, 1))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "metric name '%.64s' is not valid", name);
        if (!help || strchr(help, '\n'))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%s: help must be one line", name);
        for (i = 0; i < m->n_fams; i++)
                if (strcmp(m->fams[i]->name, name) == 0)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "metric %s added twice", name);
        if (type == MW_METRIC_HISTOGRAM && n == 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%s: a histogram needs buckets", name);
        for (i = 0; type == MW_METRIC_HISTOGRAM && i < n; i++)
                if (isnan(buckets[i]) || isinf(buckets[i]) ||
                    (i > 0 && buckets[i] <= buckets[i - 1]))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "%s: buckets must be finite and "
                                       "increasing",
                                       name);
        return MW_OK;
}

struct mw_metric *
mw_metrics_add(struct mw_metrics *m, const char *name, const char *help,
               enum mw_metric_type type, const double *buckets,
               size_t n_buckets, char *errstr, size_t errstr_size)
{
        struct mw_metric *f = NULL;

        mw_metrics_lock(m);
        if (check_family(m, name, help, type, buckets, n_buckets, errstr,
                         errstr_size))
                goto fail;
        if (m->n_fams == m->cap_fams) {
                size_t cap = m->cap_fams ? m->cap_fams * 2 : 16;
                struct mw_metric **p =
                    realloc(m->fams, cap * sizeof(struct mw_metric *));

                if (!p)
                        goto oom;
                m->fams = p;
                m->cap_fams = cap;
        }
        f = calloc(1, sizeof(*f));
        if (!f)
                goto oom;
        f->m = m;
        f->type = type;
        f->name = strdup(name);
        f->help = strdup(help);
        if (!f->name || !f->help)
                goto oom;
        if (type == MW_METRIC_HISTOGRAM) {
                f->bounds = malloc(n_buckets * sizeof(double));
                if (!f->bounds)
                        goto oom;
                memcpy(f->bounds, buckets, n_buckets * sizeof(double));
                f->n_bounds = n_buckets;
        }
        m->fams[m->n_fams++] = f;
        mw_metrics_unlock(m);
        return f;
oom:
        mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
fail:
        if (f)
                family_free(f);
        mw_metrics_unlock(m);
        return NULL;
}

/* Label values escaped as the format wants: \\, \" and \n. */
static mw_err_t
render_labels(const char *const *labels, struct mw_buf *out)
{
        size_t i;
        const char *s;

        for (i = 0; labels && labels[i]; i += 2) {
                if (!name_ok(labels[i], 0) || !labels[i + 1] ||
                    strncmp(labels[i], "__", 2) == 0)
                        return MW_ERR_INVALID;
                if (mw_buf_appendf(out, "%s%s=\"", i ? "," : "", labels[i]))
                        return MW_ERR_NOMEM;
                for (s = labels[i + 1]; *s; s++) {
                        const char *esc = *s == '\\'   ? "\\\\"
                                          : *s == '"'  ? "\\\""
                                          : *s == '\n' ? "\\n"
                                                       : NULL;

                        if (esc ? mw_buf_append(out, esc, 2)
                                : mw_buf_append(out, s, 1))
                                return MW_ERR_NOMEM;
                }
                if (mw_buf_append(out, "\"", 1))
                        return MW_ERR_NOMEM;
        }
        return MW_OK;
}

/* The series of f with these labels, made if need be; NULL on a bad label
 * or out of memory (*err says which). Called with the lock held. */
static struct series *
series_get(struct mw_metric *f, const char *const *labels, mw_err_t *err)
{
        struct mw_buf key = MW_BUF_INIT;
        struct series *s = NULL;
        size_t i;

        *err = render_labels(labels, &key);
        if (*err == MW_OK && !key.data)
                *err = mw_buf_append(&key, "", 0) ? MW_ERR_NOMEM : MW_OK;
        if (*err)
                goto done;
        for (i = 0; i < f->n_series; i++)
                if (strcmp(f->series[i].labels, key.data) == 0) {
                        s = &f->series[i];
                        goto done;
                }
        *err = MW_ERR_NOMEM;
        if (f->n_series == f->cap_series) {
                size_t cap = f->cap_series ? f->cap_series * 2 : 8;
                struct series *p = realloc(f->series, cap * sizeof(*p));

                if (!p)
                        goto done;
                f->series = p;
                f->cap_series = cap;
        }
        s = &f->series[f->n_series];
        memset(s, 0, sizeof(*s));
        if (f->type == MW_METRIC_HISTOGRAM &&
            !(s->hits = calloc(f->n_bounds + 1, sizeof(uint64_t)))) {
                s = NULL;
                goto done;
        }
        s->labels = key.data; /* the buffer's string is the series' now */
        key.data = NULL;
        f->n_series++;
        *err = MW_OK;
done:
        mw_buf_release(&key);
        return s;
}

/* op: 's' set, 'a' add, 'o' observe, 'n' now. */
static mw_err_t
update(struct mw_metric *f, const char *const *labels, char op, double v)
{
        struct series *s;
        mw_err_t err = MW_ERR_INVALID;
        size_t i;
        int hist = f->type == MW_METRIC_HISTOGRAM;

        if ((op == 'o') != hist || (op == 'n') != (f->type == MW_METRIC_AGE))
                return MW_ERR_INVALID;
        mw_metrics_lock(f->m);
        s = series_get(f, labels, &err);
        if (!s)
                goto done;
        if (op == 's')
                s->value = v;
        else if (op == 'a')
                s->value += v;
        else if (op == 'n')
                s->value = (double)mw_clock_ms() / 1000.0;
        else {
                for (i = 0; i < f->n_bounds && v > f->bounds[i]; i++)
                        ;
                s->hits[i]++;
                s->sum += v;
                s->count++;
        }
done:
        mw_metrics_unlock(f->m);
        return err;
}

mw_err_t
mw_metric_set(struct mw_metric *f, const char *const *labels, double value)
{
        return update(f, labels, 's', value);
}

mw_err_t
mw_metric_add(struct mw_metric *f, const char *const *labels, double delta)
{
        return update(f, labels, 'a', delta);
}

mw_err_t
mw_metric_observe(struct mw_metric *f, const char *const *labels, double value)
{
        return update(f, labels, 'o', value);
}

mw_err_t
mw_metric_set_now(struct mw_metric *f, const char *const *labels)
{
        return update(f, labels, 'n', 0);
}

void
mw_metric_clear(struct mw_metric *f)
{
        size_t i;

        mw_metrics_lock(f->m);
        for (i = 0; i < f->n_series; i++) {
                free(f->series[i].labels);
                free(f->series[i].hits);
        }
        f->n_series = 0;
        mw_metrics_unlock(f->m);
}

/* ---- the text format ------------------------------------------------ */

/* A sample value: integers without a decimal point, NaN and infinities
 * as the format spells them. */
static mw_err_t
value(struct mw_buf *out, double v)
{
        if (isnan(v))
                return mw_buf_appendf(out, "NaN");
        if (isinf(v))
                return mw_buf_appendf(out, v > 0 ? "+Inf" : "-Inf");
        if (v == floor(v) && fabs(v) < 1e15)
                return mw_buf_appendf(out, "%.0f", v);
        return mw_buf_appendf(out, "%.9g", v);
}

/* name{labels[,extra]} */
static mw_err_t
sample_name(struct mw_buf *out, const char *name, const char *suffix,
            const char *labels, const char *extra)
{
        const char *sep = *labels && extra ? "," : "";

        if (!*labels && !extra)
                return mw_buf_appendf(out, "%s%s ", name, suffix);
        return mw_buf_appendf(out, "%s%s{%s%s%s} ", name, suffix, labels, sep,
                              extra ? extra : "");
}

static mw_err_t
render_histogram(struct mw_buf *out, const struct mw_metric *f,
                 const struct series *s)
{
        uint64_t cum = 0;
        char le[64];
        size_t i;

        for (i = 0; i <= f->n_bounds; i++) {
                cum += s->hits[i];
                if (i < f->n_bounds)
                        snprintf(le, sizeof(le), "le=\"%.9g\"", f->bounds[i]);
                else
                        snprintf(le, sizeof(le), "le=\"+Inf\"");
                if (sample_name(out, f->name, "_bucket", s->labels, le) ||
                    mw_buf_appendf(out, "%llu\n", (unsigned long long)cum))
                        return MW_ERR_NOMEM;
        }
        if (sample_name(out, f->name, "_sum", s->labels, NULL) ||
            value(out, s->sum) || mw_buf_append(out, "\n", 1) ||
            sample_name(out, f->name, "_count", s->labels, NULL) ||
            mw_buf_appendf(out, "%llu\n", (unsigned long long)s->count))
                return MW_ERR_NOMEM;
        return MW_OK;
}

static mw_err_t
render_family(struct mw_buf *out, const struct mw_metric *f, double now)
{
        static const char *const types[] = {"counter", "gauge", "histogram",
                                            "gauge"};
        const char *h;
        size_t i;

        if (mw_buf_appendf(out, "# HELP %s ", f->name))
                return MW_ERR_NOMEM;
        for (h = f->help; *h; h++)
                if (*h == '\\' ? mw_buf_append(out, "\\\\", 2)
                               : mw_buf_append(out, h, 1))
                        return MW_ERR_NOMEM;
        if (mw_buf_appendf(out, "\n# TYPE %s %s\n", f->name, types[f->type]))
                return MW_ERR_NOMEM;
        for (i = 0; i < f->n_series; i++) {
                const struct series *s = &f->series[i];
                double v = s->value;

                if (f->type == MW_METRIC_HISTOGRAM) {
                        if (render_histogram(out, f, s))
                                return MW_ERR_NOMEM;
                        continue;
                }
                if (f->type == MW_METRIC_AGE)
                        v = now - s->value;
                if (sample_name(out, f->name, "", s->labels, NULL) ||
                    value(out, v) || mw_buf_append(out, "\n", 1))
                        return MW_ERR_NOMEM;
        }
        return MW_OK;
}

mw_err_t
mw_metrics_render(struct mw_metrics *m, struct mw_buf *out, char *errstr,
                  size_t errstr_size)
{
        double now = (double)mw_clock_ms() / 1000.0;
        mw_err_t err = MW_OK;
        size_t i;

        mw_metrics_lock(m);
        for (i = 0; i < m->n_fams && !err; i++)
                err = render_family(out, m->fams[i], now);
        mw_metrics_unlock(m);
        if (err)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        return MW_OK;
}

/* ---- readiness ------------------------------------------------------ */

mw_err_t
mw_metrics_condition(struct mw_metrics *m, const char *name, int ok)
{
        mw_err_t err = MW_OK;
        size_t i;

        if (strlen(name) >= CONDITION_MAX)
                return MW_ERR_INVALID;
        mw_metrics_lock(m);
        for (i = 0; i < m->n_cond; i++)
                if (strcmp(m->cond[i].name, name) == 0)
                        break;
        if (i == m->n_cond) {
                if (i == MAX_CONDITIONS) {
                        err = MW_ERR_TOOBIG;
                        goto done;
                }
                snprintf(m->cond[i].name, CONDITION_MAX, "%s", name);
                m->n_cond++;
        }
        m->cond[i].ok = ok != 0;
done:
        mw_metrics_unlock(m);
        return err;
}

int
mw_metrics_ready(struct mw_metrics *m, char *why, size_t why_size)
{
        size_t i, used = 0;
        int ready;

        if (why && why_size)
                why[0] = '\0';
        mw_metrics_lock(m);
        ready = m->n_cond > 0;
        if (!ready && why)
                snprintf(why, why_size, "starting");
        for (i = 0; i < m->n_cond; i++) {
                if (m->cond[i].ok)
                        continue;
                if (why && used < why_size) {
                        int n = snprintf(why + used, why_size - used, "%s%s",
                                         ready ? "" : ",", m->cond[i].name);

                        used += n > 0 ? (size_t)n : 0;
                }
                ready = 0;
        }
        mw_metrics_unlock(m);
        return ready;
}
