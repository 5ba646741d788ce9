/* midway: logging through a program-installed callback. */
#include <stdarg.h>
#include <stdio.h>
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
