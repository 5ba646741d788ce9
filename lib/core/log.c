/* midway: logging through a program-installed callback. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "midway/log.h"

static mw_log_cb_t *log_cb;
static void *log_opaque;
static enum mw_log_level log_level = MW_LOG_INFO;

void
mw_log_set_cb(mw_log_cb_t *cb, void *opaque)
{
        log_cb = cb;
        log_opaque = opaque;
}

void
mw_log_set_level(enum mw_log_level level)
{
        log_level = level;
}

int
mw_log_enabled(enum mw_log_level level)
{
        return log_cb != NULL && level <= log_level;
}

/* One event, one line: a message quoting a multi-line text (libpq's
 * errors end in a newline and may hold a DETAIL or HINT line) has each
 * line break, and the blanks after it, turned into " / ", and trailing
 * ones dropped; what no longer fits is cut. */
static void
one_line(char *line, size_t size)
{
        char out[2048];
        size_t len = strlen(line), in, n = 0;

        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
                           line[len - 1] == ' '))
                len--;
        line[len] = '\0';
        if (!strpbrk(line, "\r\n"))
                return;
        for (in = 0; in < len && n + 4 < sizeof(out); in++) {
                if (line[in] != '\n' && line[in] != '\r') {
                        out[n++] = line[in];
                        continue;
                }
                while (in + 1 < len && strchr("\r\n \t", line[in + 1]))
                        in++;
                memcpy(out + n, " / ", 3);
                n += 3;
        }
        out[n] = '\0';
        snprintf(line, size, "%s", out);
}

void
mw_log_write(enum mw_log_level level, const char *fmt, ...)
{
        char line[2048];
        va_list ap;

        if (!mw_log_enabled(level))
                return;
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        one_line(line, sizeof(line));
        log_cb(level, line, log_opaque);
}

void
mw_log_stderr_cb(enum mw_log_level level, const char *line, void *opaque)
{
        static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
        struct timespec ts;
        struct tm tm;
        char when[32];

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(stderr, "%s.%03ldZ %s %s %s\n", when, ts.tv_nsec / 1000000L,
                opaque ? (const char *)opaque : "midway",
                names[level <= MW_LOG_DEBUG ? level : MW_LOG_DEBUG], line);
}
