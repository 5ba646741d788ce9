/* Unit tests: the metrics registry, its Prometheus text format, readiness,
 * the HTTP listener (a real socket on loopback) and the snapshot a scrape
 * sees while another thread updates. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "midway/metrics.h"

static struct mw_metrics *
new_registry(void)
{
        char errstr[128];
        struct mw_metrics *m = mw_metrics_new(errstr, sizeof(errstr));

        assert_non_null(m);
        return m;
}

static char *
render(struct mw_metrics *m)
{
        struct mw_buf out = MW_BUF_INIT;
        char errstr[128];

        assert_int_equal(mw_metrics_render(m, &out, errstr, sizeof(errstr)),
                         MW_OK);
        return out.data ? out.data : strdup("");
}

static void
test_text_format(void **state)
{
        static const double buckets[] = {0.01, 0.1, 1};
        struct mw_metrics *m = new_registry();
        struct mw_metric *msgs, *lag, *commit, *empty;
        char errstr[128], *text;

        (void)state;
        msgs =
            mw_metrics_add(m, "t_messages_total", "Messages \\ seen",
                           MW_METRIC_COUNTER, NULL, 0, errstr, sizeof(errstr));
        lag = mw_metrics_add(m, "t_lag", "Lag", MW_METRIC_GAUGE, NULL, 0,
                             errstr, sizeof(errstr));
        commit = mw_metrics_add(m, "t_commit_seconds", "Commit time",
                                MW_METRIC_HISTOGRAM, buckets, 3, errstr,
                                sizeof(errstr));
        empty = mw_metrics_add(m, "t_empty", "Nothing yet", MW_METRIC_GAUGE,
                               NULL, 0, errstr, sizeof(errstr));
        assert_non_null(msgs);
        assert_non_null(lag);
        assert_non_null(commit);
        assert_non_null(empty);
        assert_int_equal(mw_metric_add(msgs, NULL, 2), MW_OK);
        assert_int_equal(mw_metric_add(msgs, NULL, 40), MW_OK);
        assert_int_equal(mw_metric_set(lag,
                                       (const char *[]){"topic", "a\"b\\c\nd",
                                                        "partition", "0", NULL},
                                       7),
                         MW_OK);
        assert_int_equal(
            mw_metric_set(lag, (const char *[]){"topic", "x", NULL}, 0.25),
            MW_OK);
        assert_int_equal(mw_metric_observe(commit, NULL, 0.005), MW_OK);
        assert_int_equal(mw_metric_observe(commit, NULL, 0.1), MW_OK);
        assert_int_equal(mw_metric_observe(commit, NULL, 3), MW_OK);
        text = render(m);
        assert_string_equal(
            text, "# HELP t_messages_total Messages \\\\ seen\n"
                  "# TYPE t_messages_total counter\n"
                  "t_messages_total 42\n"
                  "# HELP t_lag Lag\n"
                  "# TYPE t_lag gauge\n"
                  "t_lag{topic=\"a\\\"b\\\\c\\nd\",partition=\"0\"} 7\n"
                  "t_lag{topic=\"x\"} 0.25\n"
                  "# HELP t_commit_seconds Commit time\n"
                  "# TYPE t_commit_seconds histogram\n"
                  "t_commit_seconds_bucket{le=\"0.01\"} 1\n"
                  "t_commit_seconds_bucket{le=\"0.1\"} 2\n"
                  "t_commit_seconds_bucket{le=\"1\"} 2\n"
                  "t_commit_seconds_bucket{le=\"+Inf\"} 3\n"
                  "t_commit_seconds_sum 3.105\n"
                  "t_commit_seconds_count 3\n"
                  "# HELP t_empty Nothing yet\n"
                  "# TYPE t_empty gauge\n");
        free(text);
        /* a cleared family keeps its comments only */
        mw_metric_clear(lag);
        assert_int_equal(mw_metric_set(lag, NULL, -1), MW_OK);
        text = render(m);
        assert_non_null(strstr(text, "# TYPE t_lag gauge\nt_lag -1\n# HELP"));
        free(text);
        mw_metrics_destroy(m);
}

static void
test_histogram_labels_and_age(void **state)
{
        static const double buckets[] = {1};
        struct mw_metrics *m = new_registry();
        struct mw_metric *h, *age;
        char errstr[128], *text, *at;
        double v = -1;

        (void)state;
        h = mw_metrics_add(m, "t_h", "h", MW_METRIC_HISTOGRAM, buckets, 1,
                           errstr, sizeof(errstr));
        age = mw_metrics_add(m, "t_age_seconds", "age", MW_METRIC_AGE, NULL, 0,
                             errstr, sizeof(errstr));
        assert_int_equal(
            mw_metric_observe(h, (const char *[]){"k", "v", NULL}, 1), MW_OK);
        assert_int_equal(mw_metric_set_now(age, NULL), MW_OK);
        text = render(m);
        assert_non_null(strstr(text, "t_h_bucket{k=\"v\",le=\"1\"} 1\n"
                                     "t_h_bucket{k=\"v\",le=\"+Inf\"} 1\n"
                                     "t_h_sum{k=\"v\"} 1\n"
                                     "t_h_count{k=\"v\"} 1\n"));
        assert_non_null(strstr(text, "# TYPE t_age_seconds gauge\n"));
        at = strstr(text, "\nt_age_seconds ");
        assert_non_null(at);
        assert_int_equal(sscanf(at, "\nt_age_seconds %lf", &v), 1);
        assert_true(v >= 0 && v < 5);
        free(text);
        mw_metrics_destroy(m);
}

static void
test_refused(void **state)
{
        static const double down[] = {1, 0.5};
        struct mw_metrics *m = new_registry();
        struct mw_metric *c, *g;
        char errstr[128];

        (void)state;
        assert_null(mw_metrics_add(m, "9lives", "x", MW_METRIC_GAUGE, NULL, 0,
                                   errstr, sizeof(errstr)));
        assert_null(mw_metrics_add(m, "a-b", "x", MW_METRIC_GAUGE, NULL, 0,
                                   errstr, sizeof(errstr)));
        assert_null(mw_metrics_add(m, "ok", "two\nlines", MW_METRIC_GAUGE, NULL,
                                   0, errstr, sizeof(errstr)));
        assert_null(mw_metrics_add(m, "h", "x", MW_METRIC_HISTOGRAM, down, 2,
                                   errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "increasing"));
        c = mw_metrics_add(m, "c_total", "x", MW_METRIC_COUNTER, NULL, 0,
                           errstr, sizeof(errstr));
        assert_non_null(c);
        assert_null(mw_metrics_add(m, "c_total", "x", MW_METRIC_GAUGE, NULL, 0,
                                   errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "twice"));
        g = mw_metrics_add(m, "g", "x", MW_METRIC_GAUGE, NULL, 0, errstr,
                           sizeof(errstr));
        assert_int_equal(mw_metric_observe(c, NULL, 1), MW_ERR_INVALID);
        assert_int_equal(mw_metric_set_now(g, NULL), MW_ERR_INVALID);
        assert_int_equal(
            mw_metric_set(g, (const char *[]){"bad-name", "v", NULL}, 1),
            MW_ERR_INVALID);
        assert_int_equal(
            mw_metric_set(g, (const char *[]){"__reserved", "v", NULL}, 1),
            MW_ERR_INVALID);
        mw_metrics_destroy(m);
}

static void
test_readiness(void **state)
{
        struct mw_metrics *m = new_registry();
        char why[64];

        (void)state;
        assert_int_equal(mw_metrics_ready(m, why, sizeof(why)), 0);
        assert_string_equal(why, "starting");
        assert_int_equal(mw_metrics_condition(m, "pg_up", 0), MW_OK);
        assert_int_equal(mw_metrics_condition(m, "kafka_assigned", 0), MW_OK);
        assert_int_equal(mw_metrics_ready(m, why, sizeof(why)), 0);
        assert_string_equal(why, "pg_up,kafka_assigned");
        assert_int_equal(mw_metrics_condition(m, "pg_up", 1), MW_OK);
        assert_int_equal(mw_metrics_ready(m, why, sizeof(why)), 0);
        assert_string_equal(why, "kafka_assigned");
        assert_int_equal(mw_metrics_condition(m, "kafka_assigned", 1), MW_OK);
        assert_int_equal(mw_metrics_ready(m, why, sizeof(why)), 1);
        assert_string_equal(why, "");
        mw_metrics_destroy(m);
}

/* One HTTP/1.0 GET on 127.0.0.1:port; the whole answer in buf. */
static void
get(int port, const char *path, char *buf, size_t size)
{
        struct sockaddr_in sa;
        char req[256];
        size_t used = 0;
        ssize_t n;
        int fd;

        fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fd >= 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", path);
        assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
        while (used + 1 < size &&
               (n = read(fd, buf + used, size - used - 1)) > 0)
                used += (size_t)n;
        buf[used] = '\0';
        close(fd);
}

static void
test_http(void **state)
{
        struct mw_metrics *m = new_registry();
        struct mw_metric *c;
        char errstr[256], page[4096];
        int port;

        (void)state;
        c = mw_metrics_add(m, "t_total", "x", MW_METRIC_COUNTER, NULL, 0,
                           errstr, sizeof(errstr));
        assert_int_equal(mw_metric_add(c, NULL, 5), MW_OK);
        assert_int_equal(
            mw_metrics_listen(m, "127.0.0.1:0", errstr, sizeof(errstr)), MW_OK);
        port = mw_metrics_port(m);
        assert_true(port > 0);
        get(port, "/metrics", page, sizeof(page));
        assert_non_null(strstr(page, "HTTP/1.0 200") ? page
                                                     : strstr(page, " 200 "));
        assert_non_null(strstr(page, "text/plain; version=0.0.4"));
        assert_non_null(strstr(page, "\r\n\r\n# HELP t_total x\n"
                                     "# TYPE t_total counter\nt_total 5\n"));
        get(port, "/healthz", page, sizeof(page));
        assert_non_null(strstr(page, " 200 "));
        get(port, "/readyz", page, sizeof(page));
        assert_non_null(strstr(page, " 503 "));
        assert_non_null(strstr(page, "not ready: starting"));
        assert_int_equal(mw_metrics_condition(m, "pg_up", 0), MW_OK);
        get(port, "/readyz", page, sizeof(page));
        assert_non_null(strstr(page, "not ready: pg_up"));
        assert_int_equal(mw_metrics_condition(m, "pg_up", 1), MW_OK);
        get(port, "/readyz", page, sizeof(page));
        assert_non_null(strstr(page, " 200 "));
        assert_non_null(strstr(page, "ready\n"));
        get(port, "/other", page, sizeof(page));
        assert_non_null(strstr(page, " 404 "));
        /* a second listener on the same registry is refused */
        assert_int_equal(mw_metrics_listen(m, "0", errstr, sizeof(errstr)),
                         MW_ERR_INVALID);
        mw_metrics_destroy(m);
}

static void
test_listen_spec(void **state)
{
        static const char *const bad[] = {
            "",           "x",           "localhost:80", "1.2.3:80",
            "127.0.0.1:", ":80",         "127.0.0.1:-1", "127.0.0.1:65536",
            "[::1]",      "[::1:80",     "::1:80",       "127.0.0.1:8 0",
            "[nope]:80",  "0.0.0.0:+80",
        };
        struct mw_metrics *m;
        char errstr[256];
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                m = new_registry();
                assert_int_equal(
                    mw_metrics_listen(m, bad[i], errstr, sizeof(errstr)),
                    MW_ERR_INVALID);
                assert_non_null(strstr(errstr, "expected PORT"));
                assert_int_equal(
                    mw_metrics_check_addr(bad[i], errstr, sizeof(errstr)),
                    MW_ERR_INVALID);
                mw_metrics_destroy(m);
        }
        assert_int_equal(
            mw_metrics_check_addr("[::1]:9464", errstr, sizeof(errstr)), MW_OK);
        assert_int_equal(
            mw_metrics_check_addr("10.0.0.1:80", errstr, sizeof(errstr)),
            MW_OK);
        /* only a port: loopback */
        m = new_registry();
        assert_int_equal(mw_metrics_listen(m, "0", errstr, sizeof(errstr)),
                         MW_OK);
        assert_true(mw_metrics_port(m) > 0);
        mw_metrics_destroy(m);
}

/* A scrape sees a batch's updates all or none: two counters always
 * changed together under mw_metrics_lock() render equal. */
struct writer {
        struct mw_metrics *m;
        struct mw_metric *a, *b;
        volatile int stop;
};

static void *
write_pairs(void *arg)
{
        struct writer *w = arg;

        while (!w->stop) {
                mw_metrics_lock(w->m);
                mw_metric_add(w->a, NULL, 1);
                mw_metric_add(w->b, NULL, 1);
                mw_metrics_unlock(w->m);
        }
        return NULL;
}

static void
test_snapshot(void **state)
{
        struct writer w;
        pthread_t t;
        char errstr[128], *text;
        long a, b, moved = 0, last = -1;
        int i;

        (void)state;
        memset(&w, 0, sizeof(w));
        w.m = new_registry();
        w.a = mw_metrics_add(w.m, "a_total", "a", MW_METRIC_COUNTER, NULL, 0,
                             errstr, sizeof(errstr));
        w.b = mw_metrics_add(w.m, "b_total", "b", MW_METRIC_COUNTER, NULL, 0,
                             errstr, sizeof(errstr));
        assert_int_equal(pthread_create(&t, NULL, write_pairs, &w), 0);
        for (i = 0; i < 2000; i++) {
                text = render(w.m);
                a = b = -2;
                if (strstr(text, "\na_total "))
                        sscanf(strstr(text, "\na_total "), "\na_total %ld", &a);
                else
                        a = 0;
                if (strstr(text, "\nb_total "))
                        sscanf(strstr(text, "\nb_total "), "\nb_total %ld", &b);
                else
                        b = 0;
                free(text);
                assert_int_equal(a, b);
                moved += a != last;
                last = a;
        }
        w.stop = 1;
        pthread_join(t, NULL);
        assert_true(moved > 1); /* the writer did run meanwhile */
        mw_metrics_destroy(w.m);
}

static void
probe(struct mw_metrics *m, void *arg)
{
        int *calls = arg;

        (*calls)++;
        mw_metrics_condition(m, "probed", 1);
}

static void
test_probe(void **state)
{
        struct mw_metrics *m = new_registry();
        char errstr[128];
        int calls = 0, i;

        (void)state;
        /* a long interval: destroy must not wait for it */
        assert_int_equal(
            mw_metrics_probe(m, probe, &calls, 3600000, errstr, sizeof(errstr)),
            MW_OK);
        assert_int_equal(
            mw_metrics_probe(m, probe, &calls, 1000, errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        for (i = 0; i < 1000 && !mw_metrics_ready(m, NULL, 0); i++)
                nanosleep(&(struct timespec){0, 10000000L}, NULL);
        assert_int_equal(mw_metrics_ready(m, NULL, 0), 1);
        mw_metrics_destroy(m);
        assert_int_equal(calls, 1);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_text_format),
            cmocka_unit_test(test_histogram_labels_and_age),
            cmocka_unit_test(test_refused),
            cmocka_unit_test(test_readiness),
            cmocka_unit_test(test_http),
            cmocka_unit_test(test_listen_spec),
            cmocka_unit_test(test_snapshot),
            cmocka_unit_test(test_probe),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
