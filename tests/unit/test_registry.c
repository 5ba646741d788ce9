/* Unit tests: schema registry client, against an in-process HTTP double
 * (a thread serving canned Confluent-style responses on 127.0.0.1, one
 * request per connection). The client is tested against the real
 * registry (Apicurio) in the integration tier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "midway/registry.h"

#define SCHEMA_TEXT                                                            \
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\","     \
        "\"type\":\"string\",\"doc\":\"quote \\\" and \\\\ and \\u00e9\"}]}"
#define CT "application/vnd.schemaregistry.v1+json"

enum reply {
        REPLY_CANNED, /* status + body */
        REPLY_BIG,    /* 200 with a 2 MiB body */
        REPLY_NONE,   /* read the request, never answer */
};

struct route {
        const char *method;
        const char *path;
        enum reply reply;
        int status;
        const char *body;
};

static const struct route routes[] = {
    {"POST", "/subjects/midway-value/versions", REPLY_CANNED, 200,
     "{\"id\":42}"},
    {"POST", "/subjects/a%20b%2Fc%3Fd%25%C3%A9~x.y_z-1/versions", REPLY_CANNED,
     200, "{\"id\":43}"},
    {"POST", "/subjects/bad/versions", REPLY_CANNED, 422,
     "{\"error_code\":42201,\"message\":\"Invalid schema\\nline 2\"}"},
    {"POST", "/subjects/noid/versions", REPLY_CANNED, 200, "{\"version\":1}"},
    {"POST", "/subjects/bigid/versions", REPLY_CANNED, 200,
     "{\"id\":4294967296}"},
    {"GET", "/schemas/ids/5", REPLY_CANNED, 200,
     "{\"schema\":\"{\\\"type\\\":\\\"string\\\"}\"}"},
    {"GET", "/schemas/ids/6", REPLY_CANNED, 200,
     "{\"schema\":\"\\\"long\\\"\"}"},
    {"GET", "/apis/ccompat/v7/schemas/ids/5", REPLY_CANNED, 200,
     "{\"schema\":\"\\\"int\\\"\"}"},
    {"GET", "/schemas/ids/404", REPLY_CANNED, 404,
     "{\"error_code\":40403,\"message\":\"Schema 404 not found\"}"},
    {"GET", "/schemas/ids/500", REPLY_CANNED, 500,
     "{\"error_code\":50001,\"message\":\"Error in the backend data "
     "store\"}"},
    {"GET", "/schemas/ids/502", REPLY_CANNED, 502, "<html>gateway</html>"},
    {"GET", "/schemas/ids/7", REPLY_BIG, 200, NULL},
    {"GET", "/schemas/ids/8", REPLY_CANNED, 200, "{\"schema\": "},
    {"GET", "/schemas/ids/10", REPLY_CANNED, 200, "{\"schema\":17}"},
    {"GET", "/schemas/ids/9", REPLY_NONE, 0, NULL},
    {"PUT", "/config/midway-value", REPLY_CANNED, 200,
     "{\"compatibility\":\"BACKWARD_TRANSITIVE\"}"},
    {"PUT", "/config/apicurio", REPLY_CANNED, 200,
     "{\"compatibilityLevel\":\"BACKWARD_TRANSITIVE\"}"},
    {"PUT", "/config/ignored", REPLY_CANNED, 200,
     "{\"compatibility\":\"NONE\"}"},
    {"PUT", "/config/refused", REPLY_CANNED, 422,
     "{\"error_code\":42203,\"message\":\"Invalid compatibility level\"}"},
};

struct server {
        int fd;
        int port;
        pthread_t thread;
        atomic_int stop;
        pthread_mutex_t mu;
        /* the last request, under mu */
        int n_requests;
        char method[8];
        char path[512];
        char content_type[128];
        char accept[128];
        char *body; /* owned */
};

static struct server srv;

/* ------------------------------------------------------------------ */
/* the HTTP double */

static void
send_all(int fd, const char *p, size_t n)
{
        ssize_t w;

        while (n > 0) {
                w = send(fd, p, n, MSG_NOSIGNAL);
                if (w <= 0)
                        return; /* the client gave up (oversized body) */
                p += w;
                n -= (size_t)w;
        }
}

static void
reply(int fd, int status, const char *body, size_t len)
{
        char hdr[256];
        int n;

        n = snprintf(hdr, sizeof(hdr),
                     "HTTP/1.1 %d X\r\nContent-Type: " CT
                     "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, len);
        send_all(fd, hdr, (size_t)n);
        send_all(fd, body, len);
}

/* Copies the value of header name (case-insensitive) from hdrs. */
static void
header_value(const char *hdrs, const char *name, char *out, size_t out_size)
{
        const char *p = hdrs, *eol;
        size_t nl = strlen(name), n;

        out[0] = '\0';
        while ((eol = strstr(p, "\r\n")) != NULL) {
                if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 &&
                    p[nl] == ':') {
                        p += nl + 1;
                        while (*p == ' ')
                                p++;
                        n = (size_t)(eol - p);
                        if (n >= out_size)
                                n = out_size - 1;
                        memcpy(out, p, n);
                        out[n] = '\0';
                        return;
                }
                p = eol + 2;
        }
}

static void
serve_one(int fd)
{
        static char req[65536];
        size_t len = 0, need, i;
        char *end, method[8], path[512], clen[32];
        const struct route *rt = NULL;
        ssize_t r;
        long body_len = 0;
        struct pollfd pfd = {fd, POLLIN, 0};

        /* headers */
        for (;;) {
                if (poll(&pfd, 1, 5000) <= 0)
                        return;
                r = recv(fd, req + len, sizeof(req) - 1 - len, 0);
                if (r <= 0)
                        return;
                len += (size_t)r;
                req[len] = '\0';
                end = strstr(req, "\r\n\r\n");
                if (end)
                        break;
                if (len == sizeof(req) - 1)
                        return;
        }
        if (sscanf(req, "%7s %511s", method, path) != 2)
                return;
        header_value(req, "Content-Length", clen, sizeof(clen));
        if (clen[0])
                body_len = strtol(clen, NULL, 10);
        need = (size_t)(end + 4 - req) + (size_t)body_len;
        while (len < need && len < sizeof(req) - 1) {
                if (poll(&pfd, 1, 5000) <= 0)
                        return;
                r = recv(fd, req + len, sizeof(req) - 1 - len, 0);
                if (r <= 0)
                        return;
                len += (size_t)r;
                req[len] = '\0';
        }
        pthread_mutex_lock(&srv.mu);
        srv.n_requests++;
        snprintf(srv.method, sizeof(srv.method), "%s", method);
        snprintf(srv.path, sizeof(srv.path), "%s", path);
        header_value(req, "Content-Type", srv.content_type,
                     sizeof(srv.content_type));
        header_value(req, "Accept", srv.accept, sizeof(srv.accept));
        free(srv.body);
        srv.body = strndup(end + 4, (size_t)body_len);
        pthread_mutex_unlock(&srv.mu);

        for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
                if (strcmp(routes[i].method, method) == 0 &&
                    strcmp(routes[i].path, path) == 0)
                        rt = &routes[i];
        }
        if (!rt) {
                const char *nf = "{\"error_code\":40401,\"message\":"
                                 "\"Subject not found\"}";

                reply(fd, 404, nf, strlen(nf));
                return;
        }
        switch (rt->reply) {
        case REPLY_CANNED:
                reply(fd, rt->status, rt->body, strlen(rt->body));
                break;
        case REPLY_BIG: {
                size_t n = (size_t)2 * 1024 * 1024;
                char *big = malloc(n);

                if (!big)
                        return;
                memset(big, 'x', n);
                snprintf(big, n, "{\"schema\":\"");
                big[11] = 'x'; /* over the terminator */
                big[n - 2] = '"';
                big[n - 1] = '}';
                reply(fd, 200, big, n);
                free(big);
                break;
        }
        case REPLY_NONE:
                /* until the client times out and closes */
                while (poll(&pfd, 1, 5000) > 0 &&
                       recv(fd, req, sizeof(req), 0) > 0)
                        ;
                break;
        }
}

static void *
server_main(void *arg)
{
        struct pollfd pfd = {srv.fd, POLLIN, 0};
        int c;

        (void)arg;
        while (!atomic_load(&srv.stop)) {
                if (poll(&pfd, 1, 50) <= 0)
                        continue;
                c = accept(srv.fd, NULL, NULL);
                if (c < 0)
                        continue;
                serve_one(c);
                close(c);
        }
        return NULL;
}

static int
server_start(void **state)
{
        struct sockaddr_in sa;
        socklen_t sl = sizeof(sa);

        (void)state;
        memset(&srv, 0, sizeof(srv));
        pthread_mutex_init(&srv.mu, NULL);
        srv.fd = socket(AF_INET, SOCK_STREAM, 0);
        if (srv.fd < 0)
                return -1;
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa.sin_port = 0;
        if (bind(srv.fd, (struct sockaddr *)&sa, sizeof(sa)) ||
            listen(srv.fd, 16) ||
            getsockname(srv.fd, (struct sockaddr *)&sa, &sl))
                return -1;
        srv.port = ntohs(sa.sin_port);
        return pthread_create(&srv.thread, NULL, server_main, NULL) ? -1 : 0;
}

static int
server_stop(void **state)
{
        (void)state;
        atomic_store(&srv.stop, 1);
        pthread_join(srv.thread, NULL);
        close(srv.fd);
        free(srv.body);
        pthread_mutex_destroy(&srv.mu);
        return 0;
}

static int
n_requests(void)
{
        int n;

        pthread_mutex_lock(&srv.mu);
        n = srv.n_requests;
        pthread_mutex_unlock(&srv.mu);
        return n;
}

static struct mw_registry *
new_reg(const char *prefix, long timeout_ms)
{
        char url[256], errstr[256];
        struct mw_registry *reg;

        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", srv.port, prefix);
        reg = mw_registry_new(url, timeout_ms, errstr, sizeof(errstr));
        if (!reg)
                fail_msg("mw_registry_new: %s", errstr);
        return reg;
}

/* ------------------------------------------------------------------ */
/* tests */

static void
test_new_invalid(void **state)
{
        char errstr[256];

        (void)state;
        assert_null(mw_registry_new(NULL, 1000, errstr, sizeof(errstr)));
        assert_null(mw_registry_new("", 1000, errstr, sizeof(errstr)));
        assert_null(mw_registry_new("http://x", 0, errstr, sizeof(errstr)));
        mw_registry_destroy(NULL);
}

static void
test_register(void **state)
{
        struct mw_registry *reg = new_reg("/", 5000);
        char errstr[256];
        json_t *root;
        int32_t id = -1;

        (void)state;
        assert_int_equal(mw_registry_register(reg, "midway-value", SCHEMA_TEXT,
                                              &id, errstr, sizeof(errstr)),
                         MW_OK);
        assert_int_equal(id, 42);
        pthread_mutex_lock(&srv.mu);
        assert_string_equal(srv.method, "POST");
        assert_string_equal(srv.path, "/subjects/midway-value/versions");
        assert_string_equal(srv.content_type, CT);
        assert_string_equal(srv.accept, CT);
        /* the body is {"schema": "<the schema text>"} */
        root = json_loads(srv.body, 0, NULL);
        pthread_mutex_unlock(&srv.mu);
        assert_non_null(root);
        assert_string_equal(json_string_value(json_object_get(root, "schema")),
                            SCHEMA_TEXT);
        json_decref(root);
        mw_registry_destroy(reg);
}

static void
test_subject_encoding(void **state)
{
        struct mw_registry *reg = new_reg("", 5000);
        char errstr[256];
        int32_t id = -1;

        (void)state;
        assert_int_equal(mw_registry_register(reg, "a b/c?d%\xc3\xa9~x.y_z-1",
                                              SCHEMA_TEXT, &id, errstr,
                                              sizeof(errstr)),
                         MW_OK);
        assert_int_equal(id, 43);
        pthread_mutex_lock(&srv.mu);
        assert_string_equal(srv.path,
                            "/subjects/a%20b%2Fc%3Fd%25%C3%A9~x.y_z-1/"
                            "versions");
        pthread_mutex_unlock(&srv.mu);
        mw_registry_destroy(reg);
}

static void
test_register_errors(void **state)
{
        struct mw_registry *reg = new_reg("", 5000);
        char errstr[256];
        int32_t id = -1;

        (void)state;
        assert_int_equal(mw_registry_register(reg, "bad", SCHEMA_TEXT, &id,
                                              errstr, sizeof(errstr)),
                         MW_ERR_REGISTRY);
        assert_non_null(strstr(errstr, "HTTP 422"));
        assert_non_null(strstr(errstr, "Invalid schema line 2"));
        assert_int_equal(id, -1);
        assert_int_equal(mw_registry_register(reg, "noid", SCHEMA_TEXT, &id,
                                              errstr, sizeof(errstr)),
                         MW_ERR_REGISTRY);
        assert_non_null(strstr(errstr, "id"));
        assert_int_equal(mw_registry_register(reg, "bigid", SCHEMA_TEXT, &id,
                                              errstr, sizeof(errstr)),
                         MW_ERR_REGISTRY);
        /* an unknown subject route: 404 */
        assert_int_equal(mw_registry_register(reg, "nope", SCHEMA_TEXT, &id,
                                              errstr, sizeof(errstr)),
                         MW_ERR_NOTFOUND);
        assert_non_null(strstr(errstr, "Subject not found"));
        assert_int_equal(mw_registry_register(reg, "", SCHEMA_TEXT, &id, errstr,
                                              sizeof(errstr)),
                         MW_ERR_INVALID);
        mw_registry_destroy(reg);
}

static void
test_fetch_and_cache(void **state)
{
        struct mw_registry *reg = new_reg("", 5000);
        char errstr[256], *json = NULL;
        int n0;

        (void)state;
        n0 = n_requests();
        assert_int_equal(
            mw_registry_fetch(reg, 5, &json, errstr, sizeof(errstr)), MW_OK);
        assert_string_equal(json, "{\"type\":\"string\"}");
        free(json);
        assert_int_equal(n_requests(), n0 + 1);
        pthread_mutex_lock(&srv.mu);
        assert_string_equal(srv.method, "GET");
        assert_string_equal(srv.path, "/schemas/ids/5");
        assert_string_equal(srv.accept, CT);
        pthread_mutex_unlock(&srv.mu);
        /* cached: no second request, a fresh copy */
        assert_int_equal(
            mw_registry_fetch(reg, 5, &json, errstr, sizeof(errstr)), MW_OK);
        assert_string_equal(json, "{\"type\":\"string\"}");
        free(json);
        assert_int_equal(n_requests(), n0 + 1);
        /* another id is another request, once */
        assert_int_equal(
            mw_registry_fetch(reg, 6, &json, errstr, sizeof(errstr)), MW_OK);
        assert_string_equal(json, "\"long\"");
        free(json);
        assert_int_equal(
            mw_registry_fetch(reg, 6, &json, errstr, sizeof(errstr)), MW_OK);
        free(json);
        assert_int_equal(n_requests(), n0 + 2);
        mw_registry_destroy(reg);
}

static void
test_fetch_prefix(void **state)
{
        struct mw_registry *reg = new_reg("/apis/ccompat/v7//", 5000);
        char errstr[256], *json = NULL;

        (void)state;
        assert_int_equal(
            mw_registry_fetch(reg, 5, &json, errstr, sizeof(errstr)), MW_OK);
        assert_string_equal(json, "\"int\"");
        free(json);
        mw_registry_destroy(reg);
}

static void
test_fetch_errors(void **state)
{
        struct mw_registry *reg = new_reg("", 5000);
        char errstr[256], *json = NULL;
        int n0;

        (void)state;
        n0 = n_requests();
        assert_int_equal(
            mw_registry_fetch(reg, 404, &json, errstr, sizeof(errstr)),
            MW_ERR_NOTFOUND);
        assert_null(json);
        assert_non_null(strstr(errstr, "HTTP 404"));
        assert_non_null(strstr(errstr, "Schema 404 not found"));
        /* errors are not cached */
        assert_int_equal(
            mw_registry_fetch(reg, 404, &json, errstr, sizeof(errstr)),
            MW_ERR_NOTFOUND);
        assert_int_equal(n_requests(), n0 + 2);
        assert_int_equal(
            mw_registry_fetch(reg, 500, &json, errstr, sizeof(errstr)),
            MW_ERR_REGISTRY);
        assert_non_null(strstr(errstr, "HTTP 500"));
        assert_non_null(strstr(errstr, "Error in the backend data store"));
        assert_int_equal(
            mw_registry_fetch(reg, 502, &json, errstr, sizeof(errstr)),
            MW_ERR_REGISTRY);
        assert_non_null(strstr(errstr, "HTTP 502"));
        /* 200, but not JSON, or no schema string */
        assert_int_equal(
            mw_registry_fetch(reg, 8, &json, errstr, sizeof(errstr)),
            MW_ERR_REGISTRY);
        assert_int_equal(
            mw_registry_fetch(reg, 10, &json, errstr, sizeof(errstr)),
            MW_ERR_REGISTRY);
        assert_int_equal(
            mw_registry_fetch(reg, -1, &json, errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        assert_null(json);
        mw_registry_destroy(reg);
}

static void
test_fetch_oversized(void **state)
{
        struct mw_registry *reg = new_reg("", 5000);
        char errstr[256], *json = NULL;

        (void)state;
        assert_int_equal(
            mw_registry_fetch(reg, 7, &json, errstr, sizeof(errstr)),
            MW_ERR_TOOBIG);
        assert_null(json);
        assert_non_null(strstr(errstr, "larger than"));
        /* the handle still works */
        assert_int_equal(
            mw_registry_fetch(reg, 5, &json, errstr, sizeof(errstr)), MW_OK);
        free(json);
        mw_registry_destroy(reg);
}

static void
test_timeout(void **state)
{
        struct mw_registry *reg = new_reg("", 300);
        char errstr[256], *json = NULL;
        struct timespec t0, t1;
        double secs;

        (void)state;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(
            mw_registry_fetch(reg, 9, &json, errstr, sizeof(errstr)),
            MW_ERR_REGISTRY);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        secs = (double)(t1.tv_sec - t0.tv_sec) +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        assert_true(secs < 3.0);
        assert_non_null(strstr(errstr, "/schemas/ids/9"));
        assert_null(json);
        mw_registry_destroy(reg);
}

/* PUT /config/{subject}: the level goes as {"compatibility": level}, and
 * only an answer with that level counts as taken. */
static void
test_set_compatibility(void **state)
{
        struct mw_registry *reg = new_reg("/", 5000);
        char errstr[256];
        json_t *root;

        (void)state;
        assert_int_equal(mw_registry_set_compatibility(reg, "midway-value",
                                                       "BACKWARD_TRANSITIVE",
                                                       errstr, sizeof(errstr)),
                         MW_OK);
        pthread_mutex_lock(&srv.mu);
        assert_string_equal(srv.method, "PUT");
        assert_string_equal(srv.path, "/config/midway-value");
        assert_string_equal(srv.content_type, CT);
        root = json_loads(srv.body, 0, NULL);
        pthread_mutex_unlock(&srv.mu);
        assert_non_null(root);
        assert_string_equal(
            json_string_value(json_object_get(root, "compatibility")),
            "BACKWARD_TRANSITIVE");
        json_decref(root);
        /* Apicurio's answer names the level as GET does */
        assert_int_equal(mw_registry_set_compatibility(reg, "apicurio",
                                                       "BACKWARD_TRANSITIVE",
                                                       errstr, sizeof(errstr)),
                         MW_OK);
        /* a registry that keeps another level */
        assert_int_equal(mw_registry_set_compatibility(reg, "ignored",
                                                       "BACKWARD_TRANSITIVE",
                                                       errstr, sizeof(errstr)),
                         MW_ERR_REGISTRY);
        assert_non_null(
            strstr(errstr, "answered NONE, not BACKWARD_TRANSITIVE"));
        assert_int_equal(mw_registry_set_compatibility(reg, "refused", "SOME",
                                                       errstr, sizeof(errstr)),
                         MW_ERR_REGISTRY);
        assert_non_null(
            strstr(errstr, "HTTP 422: Invalid compatibility level"));
        assert_int_equal(mw_registry_set_compatibility(reg, "missing", "FULL",
                                                       errstr, sizeof(errstr)),
                         MW_ERR_NOTFOUND);
        assert_int_equal(
            mw_registry_set_compatibility(reg, "s", "", errstr, sizeof(errstr)),
            MW_ERR_INVALID);
        mw_registry_destroy(reg);
}

static void
test_connection_refused(void **state)
{
        struct sockaddr_in sa;
        socklen_t sl = sizeof(sa);
        struct mw_registry *reg;
        char url[128], errstr[256], *json = NULL;
        int fd, port;
        int32_t id;

        (void)state;
        /* a port that was free a moment ago */
        fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fd >= 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
        port = ntohs(sa.sin_port);
        close(fd);
        snprintf(url, sizeof(url), "http://user:secret@127.0.0.1:%d", port);
        reg = mw_registry_new(url, 2000, errstr, sizeof(errstr));
        assert_non_null(reg);
        assert_int_equal(
            mw_registry_fetch(reg, 1, &json, errstr, sizeof(errstr)),
            MW_ERR_REGISTRY);
        assert_null(strstr(errstr, "secret"));
        assert_int_equal(mw_registry_register(reg, "s", SCHEMA_TEXT, &id,
                                              errstr, sizeof(errstr)),
                         MW_ERR_REGISTRY);
        assert_null(strstr(errstr, "secret"));
        mw_registry_destroy(reg);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_new_invalid),
            cmocka_unit_test(test_register),
            cmocka_unit_test(test_subject_encoding),
            cmocka_unit_test(test_register_errors),
            cmocka_unit_test(test_fetch_and_cache),
            cmocka_unit_test(test_fetch_prefix),
            cmocka_unit_test(test_fetch_errors),
            cmocka_unit_test(test_fetch_oversized),
            cmocka_unit_test(test_timeout),
            cmocka_unit_test(test_set_compatibility),
            cmocka_unit_test(test_connection_refused),
        };

        return cmocka_run_group_tests(tests, server_start, server_stop);
}
