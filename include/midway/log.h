/* midway: logging.
 *
 * Programs log to stderr, one line per event, with identifying keys
 * (topic, partition, offset, project, event id). The library itself never
 * writes anywhere: it logs only through the callback a program installs
 * with mw_log_set_cb(); without a callback library log lines are dropped.
 * Log lines must never contain a CPR number. */
#ifndef MIDWAY_LOG_H
#define MIDWAY_LOG_H

enum mw_log_level {
        MW_LOG_ERROR = 0,
        MW_LOG_WARN = 1,
        MW_LOG_INFO = 2,
        MW_LOG_DEBUG = 3,
};

typedef void(mw_log_cb_t)(enum mw_log_level level, const char *line,
                          void *opaque);

/* Installs the sink for every log line (NULL: drop). Not thread-safe:
 * call once at start-up. */
void mw_log_set_cb(mw_log_cb_t *cb, void *opaque);
void mw_log_set_level(enum mw_log_level level);
int mw_log_enabled(enum mw_log_level level);

/* Standard sink for programs: "<ISO time> <prog> <LEVEL> <line>\n" on
 * stderr. opaque is the program name (const char *). */
void mw_log_stderr_cb(enum mw_log_level level, const char *line, void *opaque);

void mw_log_write(enum mw_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define mw_log_error(...) mw_log_write(MW_LOG_ERROR, __VA_ARGS__)
#define mw_log_warn(...)  mw_log_write(MW_LOG_WARN, __VA_ARGS__)
#define mw_log_info(...)                                                       \
        do {                                                                   \
                if (mw_log_enabled(MW_LOG_INFO))                               \
                        mw_log_write(MW_LOG_INFO, __VA_ARGS__);                \
        } while (0)
#define mw_log_debug(...)                                                      \
        do {                                                                   \
                if (mw_log_enabled(MW_LOG_DEBUG))                              \
                        mw_log_write(MW_LOG_DEBUG, __VA_ARGS__);               \
        } while (0)

#endif
