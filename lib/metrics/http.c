/* midway: the metrics listener (libmicrohttpd, one thread of its own) and
 * the probe thread.
 *
 * The listener serves GET (and HEAD) of /metrics, /healthz and /readyz,
 * nothing else; it binds only the numeric address it is given (loopback
 * when only a port is), caps connections and times idle ones out, and
 * reads no request body. libmicrohttpd's error log is not turned on: the
 * library never prints. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "registry.h"

#define MAX_CONNECTIONS    16
#define CONNECTION_TIMEOUT 10 /* seconds */
#define CONTENT_TYPE       "text/plain; version=0.0.4; charset=utf-8"

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *body,
      size_t len, const char *type)
{
        struct MHD_Response *r;
        enum MHD_Result ret;

        r = MHD_create_response_from_buffer(len, (void *)body,
                                            MHD_RESPMEM_MUST_COPY);
        if (!r)
                return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        ret = MHD_queue_response(conn, status, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result
text(struct MHD_Connection *conn, unsigned status, const char *body)
{
        return reply(conn, status, body, strlen(body),
                     "text/plain; charset=utf-8");
}

static enum MHD_Result
metrics_page(struct mw_metrics *m, struct MHD_Connection *conn)
{
        struct mw_buf out = MW_BUF_INIT;
        enum MHD_Result ret;

        if (mw_metrics_render(m, &out, NULL, 0) != MW_OK) {
                mw_buf_release(&out);
                return text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "out of memory\n");
        }
        ret = reply(conn, MHD_HTTP_OK, out.data ? out.data : "", out.len,
                    CONTENT_TYPE);
        mw_buf_release(&out);
        return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **state)
{
        struct mw_metrics *m = cls;
        char why[256], body[300];

        (void)version;
        (void)upload;
        /* the first call only announces the request (headers read) */
        if (*state == NULL) {
                *state = m;
                return MHD_YES;
        }
        if (*upload_size != 0) {
                *upload_size = 0; /* a body is not read, only discarded */
                return MHD_YES;
        }
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
            strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
                return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
        if (strcmp(url, "/metrics") == 0)
                return metrics_page(m, conn);
        if (strcmp(url, "/healthz") == 0)
                return text(conn, MHD_HTTP_OK, "ok\n");
        if (strcmp(url, "/readyz") == 0) {
                if (mw_metrics_ready(m, why, sizeof(why)))
                        return text(conn, MHD_HTTP_OK, "ready\n");
                snprintf(body, sizeof(body), "not ready: %s\n", why);
                return text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, body);
        }
        return text(conn, MHD_HTTP_NOT_FOUND,
                    "not found: /metrics, /healthz, /readyz\n");
}

/* "PORT", "A.B.C.D:PORT" or "[IPv6]:PORT" into sa. */
static mw_err_t
parse_spec(const char *spec, struct sockaddr_storage *sa, char *errstr,
           size_t errstr_size)
{
        char host[64];
        const char *colon, *port_s;
        char *end;
        long port;
        size_t n;

        memset(sa, 0, sizeof(*sa));
        colon = strrchr(spec, ':');
        port_s = colon ? colon + 1 : spec;
        errno = 0;
        port = strtol(port_s, &end, 10);
        if (!*port_s || *end || errno || port < 0 || port > 65535 ||
            *port_s == '-' || *port_s == '+' || *port_s == ' ')
                goto bad;
        n = colon ? (size_t)(colon - spec) : 0;
        if (!colon)
                snprintf(host, sizeof(host), "127.0.0.1");
        else if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']' &&
                 n - 2 < sizeof(host))
                snprintf(host, sizeof(host), "%.*s", (int)(n - 2), spec + 1);
        else if (n > 0 && n < sizeof(host) && spec[0] != '[')
                snprintf(host, sizeof(host), "%.*s", (int)n, spec);
        else
                goto bad;
        if (spec[0] == '[') {
                struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

                s6->sin6_family = AF_INET6;
                s6->sin6_port = htons((uint16_t)port);
                if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
                        goto bad;
        } else {
                struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

                s4->sin_family = AF_INET;
                s4->sin_port = htons((uint16_t)port);
                if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
                        goto bad;
        }
        return MW_OK;
bad:
        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                       "metrics address '%.80s': expected PORT, "
                       "IPV4ADDRESS:PORT or [IPV6ADDRESS]:PORT (numeric)",
                       spec);
}

mw_err_t
mw_metrics_check_addr(const char *spec, char *errstr, size_t errstr_size)
{
        struct sockaddr_storage sa;

        return parse_spec(spec, &sa, errstr, errstr_size);
}

mw_err_t
mw_metrics_listen(struct mw_metrics *m, const char *spec, char *errstr,
                  size_t errstr_size)
{
        struct sockaddr_storage sa;
        const union MHD_DaemonInfo *info;
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
        int err;

        if (m->httpd)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "metrics: already listening");
        if (parse_spec(spec, &sa, errstr, errstr_size))
                return MW_ERR_INVALID;
        if (sa.ss_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        errno = 0;
        m->httpd = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR,
            (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)CONNECTION_TIMEOUT, MHD_OPTION_END);
        if (!m->httpd) {
                err = errno;
                return mw_errf(errstr, errstr_size, MW_ERR_IO,
                               "metrics: cannot listen on %.80s: %s", spec,
                               err ? strerror(err) : "libmicrohttpd failed");
        }
        info = MHD_get_daemon_info(m->httpd, MHD_DAEMON_INFO_BIND_PORT);
        m->port = info ? (int)info->port : 0;
        return MW_OK;
}

int
mw_metrics_port(struct mw_metrics *m)
{
        return m->httpd ? m->port : 0;
}

/* ---- the probe ------------------------------------------------------ */

static void *
probe_main(void *arg)
{
        struct mw_metrics *m = arg;
        struct timespec until;

        pthread_mutex_lock(&m->probe_lock);
        while (!m->stopping) {
                pthread_mutex_unlock(&m->probe_lock);
                m->probe_fn(m, m->probe_arg);
                pthread_mutex_lock(&m->probe_lock);
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_sec += m->probe_interval_ms / 1000;
                until.tv_nsec += (long)(m->probe_interval_ms % 1000) * 1000000L;
                if (until.tv_nsec >= 1000000000L) {
                        until.tv_sec++;
                        until.tv_nsec -= 1000000000L;
                }
                while (!m->stopping &&
                       pthread_cond_timedwait(&m->probe_wake, &m->probe_lock,
                                              &until) == 0)
                        ;
        }
        pthread_mutex_unlock(&m->probe_lock);
        return NULL;
}

mw_err_t
mw_metrics_probe(struct mw_metrics *m, mw_metrics_probe_fn *fn, void *arg,
                 int interval_ms, char *errstr, size_t errstr_size)
{
        int err;

        if (m->probing || interval_ms <= 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "metrics: one probe, with an interval");
        m->probe_fn = fn;
        m->probe_arg = arg;
        m->probe_interval_ms = interval_ms;
        err = pthread_create(&m->probe_thread, NULL, probe_main, m);
        if (err)
                return mw_errf(errstr, errstr_size, MW_ERR_IO,
                               "metrics: cannot start the probe: %s",
                               strerror(err));
        m->probing = 1;
        return MW_OK;
}

void
mw_metrics_stop(struct mw_metrics *m)
{
        if (m->probing) {
                pthread_mutex_lock(&m->probe_lock);
                m->stopping = 1;
                pthread_cond_broadcast(&m->probe_wake);
                pthread_mutex_unlock(&m->probe_lock);
                pthread_join(m->probe_thread, NULL);
                m->probing = 0;
        }
        if (m->httpd) {
                MHD_stop_daemon(m->httpd);
                m->httpd = NULL;
        }
}
