/* midway-producer: a municipality's registrations, from a case-system CSV
 * export to Kafka.
 *
 * Each row is validated, its CPR number is replaced by the pseudonymous
 * citizen reference (keyed HMAC-SHA256), it gets a deterministic event id
 * (UUIDv5 of the pseudonymised row, so re-sending a file sends the same
 * ids), is Avro-encoded with Confluent framing and produced with
 * enable.idempotence=true and acks=all, keyed by the citizen reference.
 * The program waits for every delivery report. Rejected rows are reported
 * as file:line: reason (and to --rejects FILE with the CPR masked); the
 * accepted rows are still sent. The CPR number never leaves this process.
 * The input format is documented in docs/input-format.md.
 *
 * Just over 1,000 lines: sending a file, the delivery bookkeeping and
 * watch mode share the producer's state; the next change here should split
 * this file by them (send.c, watch.c beside main.c), as the consumer and
 * the report are split. metrics.c (metrics and health) is apart already. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "midway/buf.h"
#include "midway/clock.h"
#include "midway/cli.h"
#include "midway/codec.h"
#include "midway/codes.h"
#include "midway/conf.h"
#include "midway/export.h"
#include "midway/journal.h"
#include "midway/kafka.h"
#include "midway/log.h"
#include "midway/metrics.h"
#include "midway/projects.h"
#include "midway/pseudo.h"
#include "midway/registry.h"
#include "midway/uuid.h"
#include "midway/validate.h"
#include "producer.h"

static volatile sig_atomic_t run = 1;
static volatile sig_atomic_t fatal; /* a Kafka error waiting cannot cure */
/* Kafka refused an authorisation within auth.wait.ms of the start */
static volatile sig_atomic_t authz_refused;

/* The failed deliveries of one error code in the current file: the first
 * is logged with its line, the rest only counted, and one summary line
 * per code ends the file (a broker that is down fails every row alike). */
struct delivery_failure {
        rd_kafka_resp_err_t err;
        long count, first_line, last_line;
};
#define MAX_FAILURE_KINDS 8
/* After SIGINT or SIGTERM, how long the rows in flight may still be
 * acknowledged before the rest is given up (and sent again by the next
 * run, from the journal). */
#define STOP_GRACE_MS 1000
/* How long a topic the brokers do not know yet is asked for again at the
 * start of a one-shot run (metadata of a new topic spreads in moments). */
#define TOPIC_WAIT_MS 5000

struct producer {
        struct mw_conf conf;
        const struct mw_project *project; /* borrowed */
        struct mw_pseudo *ps;             /* owned */
        struct mw_codec *codec;           /* owned */
        rd_kafka_t *rk;                   /* owned */
        rd_kafka_topic_t *rkt;            /* owned: the topic's handle */
        FILE *rejects;                    /* owned */
        char topic[256];
        char producer_id[MW_PRODUCER_MAX + 1];
        int32_t schema_id;
        int dry_run;
        int force;                  /* send files the journal marks done */
        const char *state_dir;      /* borrowed; NULL: no journal */
        struct mw_journal *journal; /* owned: the current file's */
        int64_t last_sync;
        int64_t now_ms;
        long rows, sent, acked, failed, rejected, skipped;
        long file_sent, file_acked, file_failed; /* the current file */
        long file_stopped; /* of file_failed: given up after a signal */
        struct delivery_failure failures[MAX_FAILURE_KINDS];
        int n_failures;
        int64_t started;
        int64_t authz_until; /* started + auth.wait.ms */
        int64_t last_progress;
        int tty; /* stderr is a terminal: show progress */
        struct mw_buf out;
        struct producer_metrics *metrics; /* owned; NULL: none */
};

static void
on_signal(int sig)
{
        (void)sig;
        run = 0;
}

enum { OPT_POLL_MS = 256, OPT_FORCE, OPT_METRICS };

static const struct mw_cli_opt cli_opts[] = {
    {'p', "project", "PROJECT",
     "project id (1-30) or slug, e.g. frederikshavn"},
    {'k', "key", "KEYFILE", "pseudonymisation key (mode 0600)"},
    {'R', "rejects", "FILE", "write rejected rows to FILE (CPR masked)"},
    {'n', "dry-run", NULL,
     "validate and print events as JSON lines on stdout;\nno Kafka"},
    {'s', "state-dir", "DIR",
     "acknowledgement journal: resume a file after a\ncrash or outage, "
     "never send a finished file twice"},
    {'w', "watch", "DIR",
     "send every export dropped into DIR, once, then\nmove it to DIR/done/ "
     "(with NAME.rejects) or\nDIR/failed/ (NAME.error); state in "
     "DIR/.state\nunless -s; until SIGTERM"},
    {OPT_POLL_MS, "poll-ms", "N", "how often --watch looks (default 2000)"},
    {OPT_FORCE, "force", NULL, "send files the journal says were sent"},
    {OPT_METRICS, "metrics", "ADDR",
     "with --watch: serve /metrics, /healthz and /readyz\non ADDR: PORT "
     "(loopback) or ADDRESS:PORT"},
    {0, NULL, NULL, NULL}};

static const struct mw_cli cli = {
    PROG,
    "-p PROJECT -k KEYFILE [OPTION]... FILE...\n"
    "-p PROJECT -k KEYFILE --watch DIR [OPTION]...",
    "Validate, pseudonymise and publish a municipality's registrations (CSV "
    "or JSON\nLines, UTF-8 or Windows-1252; see docs/input-format.md; '-' "
    "reads standard\ninput).",
    cli_opts,
    MW_CLI_BROKERS | MW_CLI_REGISTRY | MW_CLI_FILE | MW_CLI_KAFKA |
        MW_CLI_PROPS,
    0,
    NULL,
    "0 all rows sent, 1 failure (delivery or set-up), 2 usage error,\n3 some "
    "rows rejected (every accepted row was sent)"};

/* What the command line asks beyond the producer's own settings. */
struct args {
        struct producer *p;
        const char *keyfile, *rejects, *watch_dir;
        long poll_ms;
        char default_state[4096]; /* DIR/.state of --watch DIR */
};

static mw_err_t
on_opt(void *arg, int key, const char *value, char *errstr, size_t errstr_size)
{
        struct args *a = arg;
        char *end;

        switch (key) {
        case 'p':
                return mw_project_arg(value, &a->p->project, errstr,
                                      errstr_size);
        case 'k':
                a->keyfile = value;
                return MW_OK;
        case 'R':
                a->rejects = value;
                return MW_OK;
        case 'n':
                a->p->dry_run = 1;
                return MW_OK;
        case 's':
                a->p->state_dir = value;
                return MW_OK;
        case 'w':
                a->watch_dir = value;
                return MW_OK;
        case OPT_POLL_MS:
                a->poll_ms = strtol(value, &end, 10);
                if (*end || end == value || a->poll_ms < 10 ||
                    a->poll_ms > 3600000)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "--poll-ms: 10 to 3600000");
                return MW_OK;
        case OPT_METRICS:
                if (mw_metrics_check_addr(value, errstr, errstr_size))
                        return MW_ERR_INVALID;
                return mw_conf_set(&a->p->conf, "metrics.listen", value, errstr,
                                   errstr_size);
        default: /* OPT_FORCE */
                a->p->force = 1;
                return MW_OK;
        }
}

/* The rules between the options; n_files: the operands. */
static enum mw_cli_rc
check_args(struct args *a, int n_files, char *errstr, size_t errstr_size)
{
        if (!a->p->project || !a->keyfile || (n_files == 0) == !a->watch_dir) {
                snprintf(errstr, errstr_size,
                         "-p PROJECT, -k KEYFILE and either FILEs or --watch "
                         "DIR are required");
                return MW_CLI_BAD;
        }
        if (a->watch_dir && (a->p->dry_run || a->rejects)) {
                snprintf(errstr, errstr_size,
                         "--watch writes its own reject files and cannot be "
                         "a dry run");
                return MW_CLI_BAD;
        }
        if (a->watch_dir && !a->p->state_dir) {
                snprintf(a->default_state, sizeof(a->default_state),
                         "%s/.state", a->watch_dir);
                a->p->state_dir = a->default_state;
        }
        return MW_CLI_RUN;
}

/* ---- output -------------------------------------------------------- */

/* masked_row: the row with every CPR-like digit run masked. */
static void
reject(struct producer *p, const char *file, long line, const char *masked_row,
       const char *reason)
{
        char masked_reason[512];

        p->rejected++;
        /* Belt and braces: no message built above quotes a CPR, but the
         * reason may quote a code field a clerk typed a CPR into. */
        mw_cpr_mask(reason, masked_reason, sizeof(masked_reason));
        mw_log_warn("%s:%ld: rejected: %s", file, line, masked_reason);
        if (p->rejects)
                fprintf(p->rejects, "%s;%ld;%s;%s\n", file, line, masked_reason,
                        masked_row);
}

/* Counts a failed delivery; logs the first of its error code in the file. */
static void
delivery_failed(struct producer *p, const rd_kafka_message_t *m, long line)
{
        struct delivery_failure *f = NULL;
        int i;

        p->failed++;
        p->file_failed++;
        if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
            m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
                p->file_stopped++; /* a signal gave it up: summed up once */
                return;
        }
        for (i = 0; i < p->n_failures; i++)
                if (p->failures[i].err == m->err)
                        f = &p->failures[i];
        if (!f && p->n_failures < MAX_FAILURE_KINDS) {
                f = &p->failures[p->n_failures++];
                f->err = m->err;
                f->count = 0;
                f->first_line = line;
                mw_log_error("topic=%s partition=%d delivery failed for the "
                             "row at line %ld: %s (further rows failing so "
                             "are counted, not logged)",
                             rd_kafka_topic_name(m->rkt), (int)m->partition,
                             line, rd_kafka_err2str(m->err));
        }
        if (f) {
                f->count++;
                f->last_line = line;
        }
}

/* One line per error code of the file's failed deliveries. */
static void
delivery_summary(struct producer *p, const char *name)
{
        int i;

        for (i = 0; i < p->n_failures; i++)
                mw_log_error("%s: delivery failed for %ld row(s), lines "
                             "%ld-%ld: %s",
                             name, p->failures[i].count,
                             p->failures[i].first_line,
                             p->failures[i].last_line,
                             rd_kafka_err2str(p->failures[i].err));
        if (p->file_stopped)
                mw_log_warn("%s: stopped by a signal: %ld row(s) not "
                            "acknowledged; the next run sends them%s",
                            name, p->file_stopped,
                            p->state_dir ? " again (journal kept)"
                                         : " again only with --state-dir");
}

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        struct producer *p = opaque;
        long line = (long)(intptr_t)m->_private;
        char errstr[256];

        (void)rk;
        if (m->err) {
                delivery_failed(p, m, line);
        } else {
                p->acked++;
                p->file_acked++;
                if (p->journal && mw_journal_ack(p->journal, line, errstr,
                                                 sizeof(errstr)) != MW_OK)
                        mw_log_warn("journal: %s", errstr);
        }
}

static void
metrics(struct producer *p, int now)
{
        struct producer_counts n = {p->rows, p->sent, p->acked, p->rejected,
                                    p->failed};

        mw_producer_metrics_update(p->metrics, &n, now);
}

static void
progress(struct producer *p, int final)
{
        int64_t now;
        double secs;

        metrics(p, final);
        if (!final && !p->tty)
                return;
        now = mw_clock_ms();
        secs = (double)(now - p->started) / 1000.0;
        if (!final && now - p->last_progress < 500)
                return;
        p->last_progress = now;
        if (final)
                mw_log_info("topic=%s rows read %ld, sent %ld, acknowledged "
                            "%ld, rejected %ld, failed %ld (%.0f rows/s)",
                            p->topic, p->rows, p->sent, p->acked, p->rejected,
                            p->failed, secs > 0 ? (double)p->rows / secs : 0);
        else
                fprintf(stderr,
                        "\r%s: read %ld, sent %ld, acknowledged %ld, "
                        "rejected %ld, %.0f rows/s  ",
                        PROG, p->rows, p->sent, p->acked, p->rejected,
                        secs > 0 ? (double)p->rows / secs : 0);
}

static int
send_event(struct producer *p, const struct mw_event *ev, long line)
{
        char errstr[512];
        void *opaque;
        rd_kafka_resp_err_t err;

        mw_buf_reset(&p->out);
        if (p->dry_run) {
                if (mw_event_json(ev, &p->out) != MW_OK)
                        return -1;
                printf("%s\n", p->out.data);
                p->sent++;
                p->acked++;
                p->file_sent++;
                p->file_acked++;
                return 0;
        }
        if (mw_codec_encode(p->codec, ev, p->schema_id, &p->out, errstr,
                            sizeof(errstr)) != MW_OK) {
                mw_log_error("line %ld: %s", line, errstr);
                return -1;
        }
        /* The opaque carries the row's line number, for the message of a
         * failed delivery. */
        opaque = (void *)(intptr_t)line; /* NOLINT(performance-no-int-to-ptr) */
        for (;;) {
                err = rd_kafka_producev(
                    p->rk, RD_KAFKA_V_RKT(p->rkt),
                    RD_KAFKA_V_KEY(ev->citizen_ref, MW_REF_STRLEN),
                    RD_KAFKA_V_VALUE(p->out.data, p->out.len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || !run)
                        break;
                rd_kafka_poll(p->rk, 100);
        }
        if (err) {
                mw_log_error("line %ld: produce failed: %s", line,
                             rd_kafka_err2str(err));
                p->failed++;
                p->file_failed++;
                return 0;
        }
        p->sent++;
        p->file_sent++;
        rd_kafka_poll(p->rk, 0);
        return 0;
}

enum outcome {
        FILE_DONE,        /* every accepted row acknowledged */
        FILE_DONE_BEFORE, /* the journal says it was sent already */
        FILE_UNREADABLE,  /* cannot be read (missing, bad header, I/O) */
        FILE_UNDELIVERED, /* rows failed to reach Kafka: retry later */
        FILE_INTERRUPTED, /* signal */
};

static void
journal_sync(struct producer *p, int force)
{
        char errstr[256];
        int64_t now;

        if (!p->journal)
                return;
        now = mw_clock_ms();
        if (!force && now - p->last_sync < 1000)
                return;
        p->last_sync = now;
        if (mw_journal_sync(p->journal, errstr, sizeof(errstr)) != MW_OK)
                mw_log_warn("journal: %s", errstr);
}

/* Waits for every delivery report of the current file. After a signal,
 * what is not acknowledged within STOP_GRACE_MS is given up (purged): a
 * broker that is down would otherwise hold the program for
 * message.timeout.ms (5 minutes). */
static void
await_deliveries(struct producer *p)
{
        int64_t give_up = 0;

        if (!p->rk)
                return;
        while (p->file_acked + p->file_failed < p->file_sent &&
               rd_kafka_outq_len(p->rk) > 0) {
                if (!run && !give_up)
                        give_up = mw_clock_ms() + STOP_GRACE_MS;
                if (fatal || (give_up && mw_clock_ms() >= give_up))
                        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE |
                                                  RD_KAFKA_PURGE_F_INFLIGHT);
                rd_kafka_poll(p->rk, 100);
                journal_sync(p, 0);
                progress(p, 0);
        }
}

/* The end of a file's rows: waits for their deliveries and sums up the
 * failures. */
static void
file_deliveries(struct producer *p, const char *name, long rows)
{
        if (p->rk && p->file_acked + p->file_failed < p->file_sent)
                mw_log_info("%s: %ld rows read, waiting for %ld "
                            "acknowledgement(s)",
                            name, rows,
                            p->file_sent - p->file_acked - p->file_failed);
        await_deliveries(p);
        delivery_summary(p, name);
}

/* A file name as it is logged: a name may hold a CPR number
 * (export_1402721168.csv), so it is masked like a rejected row. */
static const char *
shown(const char *path, char *buf, size_t size)
{
        mw_cpr_mask(path, buf, size);
        return buf;
}

/* The reason of FILE_UNREADABLE may quote the file name (the journal's,
 * the digest's messages): masked in place. */
static void
mask_in_place(char *text, size_t size)
{
        char masked[1024];
        size_t n;

        mw_cpr_mask(text, masked, sizeof(masked));
        /* masking keeps the length; copied with its bound stated (a
         * snprintf here trips -Wformat-truncation at -O2) */
        n = strnlen(masked, size - 1);
        memcpy(text, masked, n);
        text[n] = '\0';
}

/* Reads and sends one export. *why gets the reason of FILE_UNREADABLE
 * (no CPR number in it, nor in any line logged: the file name is
 * masked). */
static enum outcome
send_file(struct producer *p, const char *path, char *why, size_t why_size)
{
        struct mw_export_opts opts = {p->project, p->ps, p->producer_id,
                                      p->now_ms};
        char digest[MW_DIGEST_HEX + 1], errstr[512], summary[512];
        char name[4096];
        struct mw_export *x = NULL;
        struct mw_event ev;
        enum outcome rc = FILE_DONE;
        long rows = 0, rejected = 0, skipped = 0, no_intake = 0;
        FILE *fp = NULL;
        mw_err_t err;

        shown(path, name, sizeof(name));
        p->file_sent = p->file_acked = p->file_failed = 0;
        p->file_stopped = 0;
        p->n_failures = 0;
        if (p->state_dir && strcmp(path, "-") != 0) {
                if (mw_file_digest(path, digest, why, why_size) != MW_OK)
                        return FILE_UNREADABLE;
                p->journal =
                    mw_journal_open(p->state_dir, digest, why, why_size);
                if (!p->journal)
                        return FILE_UNREADABLE;
                if (mw_journal_is_done(p->journal, summary, sizeof(summary)) &&
                    !p->force) {
                        mw_log_info("%s: already sent (%s); --force sends it "
                                    "again",
                                    name, summary);
                        rc = FILE_DONE_BEFORE;
                        goto out;
                }
                if (mw_journal_count(p->journal) > 0)
                        mw_log_info("%s: resuming: %ld rows were "
                                    "acknowledged before",
                                    name, mw_journal_count(p->journal));
        }
        fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
        if (!fp) {
                mw_errf(why, why_size, MW_ERR_IO, "%s", strerror(errno));
                rc = FILE_UNREADABLE;
                goto out;
        }
        x = mw_export_open(fp, name, &opts, why, why_size);
        if (!x) {
                rc = FILE_UNREADABLE;
                goto out;
        }
        while (run) {
                err = mw_export_next(x, &ev, errstr, sizeof(errstr));
                if (err == MW_ERR_NOTFOUND)
                        break;
                if (err != MW_OK && err != MW_ERR_INVALID) {
                        mw_errf(why, why_size, err, "line %ld: %s",
                                mw_export_line(x), errstr);
                        rc = FILE_UNREADABLE;
                        break;
                }
                if (rows == 0)
                        mw_log_info("%s: %s, %s", name,
                                    mw_export_format_name(x),
                                    mw_export_encoding_name(x));
                p->rows++;
                rows++;
                if (err == MW_ERR_INVALID) {
                        rejected++;
                        reject(p, name, mw_export_line(x),
                               mw_export_masked_row(x), errstr);
                        continue;
                }
                if (mw_export_flags(x) & MW_EXPORT_NO_INTAKE)
                        no_intake++;
                if (p->journal &&
                    mw_journal_is_acked(p->journal, mw_export_line(x))) {
                        skipped++;
                        p->skipped++;
                        continue;
                }
                if (send_event(p, &ev, mw_export_line(x)) != 0) {
                        mw_errf(why, why_size, MW_ERR_ENCODE,
                                "line %ld: cannot encode", mw_export_line(x));
                        rc = FILE_UNREADABLE;
                        break;
                }
                journal_sync(p, 0);
                progress(p, 0);
        }
        file_deliveries(p, name, rows);
        if (rc == FILE_DONE && fatal)
                rc = FILE_UNDELIVERED;
        if (rc == FILE_DONE && !run)
                rc = FILE_INTERRUPTED;
        if (rc == FILE_DONE && p->file_failed > 0)
                rc = FILE_UNDELIVERED;
        mw_log_info("%s: rows %ld, sent %ld, acknowledged %ld, failed %ld, "
                    "rejected %ld, acknowledged before %ld, without an intake "
                    "in this file %ld",
                    name, rows, p->file_sent, p->file_acked, p->file_failed,
                    rejected, skipped, no_intake);
        if (rc == FILE_DONE && p->journal) {
                snprintf(summary, sizeof(summary),
                         "rows %ld, rejected %ld, sent by %s", rows, rejected,
                         p->producer_id);
                if (mw_journal_complete(p->journal, summary, errstr,
                                        sizeof(errstr)) != MW_OK)
                        mw_log_warn("journal: %s", errstr);
        }
out:
        if (p->journal) {
                journal_sync(p, 1);
                mw_journal_close(p->journal);
                p->journal = NULL;
        }
        mw_export_close(x);
        if (fp && fp != stdin)
                fclose(fp);
        if (rc == FILE_UNREADABLE)
                mask_in_place(why, why_size);
        return rc;
}

/* ---- watch mode ---------------------------------------------------- */

/* Files a municipality drops are picked up when complete: names starting
 * with '.' or ending in .tmp or .part are still being written. */
static int
is_candidate(const char *dir, const char *name, time_t *mtime)
{
        char path[4096];
        struct stat st;
        size_t n = strlen(name);

        if (name[0] == '.' || (n > 4 && strcmp(name + n - 4, ".tmp") == 0) ||
            (n > 5 && strcmp(name + n - 5, ".part") == 0))
                return 0;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                return 0;
        *mtime = st.st_mtime;
        return 1;
}

struct dropped {
        char name[256];
        time_t mtime;
};

static int
by_age(const void *a, const void *b)
{
        const struct dropped *x = a, *y = b;

        if (x->mtime != y->mtime)
                return x->mtime < y->mtime ? -1 : 1;
        return strcmp(x->name, y->name);
}

/* Moves dir/name to dir/sub/name (or name.1, name.2 ... if taken). */
static int
move_to(const char *dir, const char *name, const char *sub, char *dst,
        size_t dst_size)
{
        char src[4096], shown_src[4096];
        struct stat st;
        int i;

        snprintf(src, sizeof(src), "%s/%s", dir, name);
        snprintf(dst, dst_size, "%s/%s/%s", dir, sub, name);
        for (i = 1; stat(dst, &st) == 0 && i < 1000; i++)
                snprintf(dst, dst_size, "%s/%s/%s.%d", dir, sub, name, i);
        if (rename(src, dst) != 0) {
                mw_log_error("%s: cannot move to %s/: %s",
                             shown(src, shown_src, sizeof(shown_src)), sub,
                             strerror(errno));
                return -1;
        }
        return 0;
}

static int kafka_restart(struct producer *p);

static int
watch(struct producer *p, const char *dir, long poll_ms)
{
        char sub[4096], path[4400], dst[4096], why[512], rej[4400];
        char shown_buf[4400];
        struct dropped *files = NULL, *grown;
        size_t n, cap = 0, i;
        long rejected;
        struct dirent *de;
        enum outcome rc;
        DIR *d;
        FILE *fp;

        for (i = 0; i < 2; i++) {
                snprintf(sub, sizeof(sub), "%s/%s", dir, i ? "failed" : "done");
                if (mkdir(sub, 0750) != 0 && errno != EEXIST) {
                        mw_log_error("%s: %s",
                                     shown(sub, shown_buf, sizeof(shown_buf)),
                                     strerror(errno));
                        return -1;
                }
        }
        mw_log_info("watching %s (done/ and failed/ beside it)",
                    shown(dir, shown_buf, sizeof(shown_buf)));
        while (run) {
                if (authz_refused && kafka_restart(p) != 0) {
                        free(files);
                        return -1;
                }
                d = opendir(dir);
                if (!d) {
                        mw_log_error("%s: %s",
                                     shown(dir, shown_buf, sizeof(shown_buf)),
                                     strerror(errno));
                        free(files);
                        return -1;
                }
                n = 0;
                while ((de = readdir(d)) != NULL) {
                        time_t mtime;

                        if (!is_candidate(dir, de->d_name, &mtime) ||
                            strlen(de->d_name) >= sizeof(files->name))
                                continue;
                        if (n == cap) {
                                cap = cap ? cap * 2 : 16;
                                grown = realloc(files, cap * sizeof(*files));
                                if (!grown) {
                                        closedir(d);
                                        free(files);
                                        return -1;
                                }
                                files = grown;
                        }
                        snprintf(files[n].name, sizeof(files[n].name), "%s",
                                 de->d_name);
                        files[n++].mtime = mtime;
                }
                closedir(d);
                if (n > 1)
                        qsort(files, n, sizeof(*files), by_age);
                for (i = 0; i < n && run; i++) {
                        snprintf(path, sizeof(path), "%s/%s", dir,
                                 files[i].name);
                        snprintf(rej, sizeof(rej), "%s/done/.%s.rejects", dir,
                                 files[i].name);
                        p->rejects = fopen(rej, "w");
                        rejected = p->rejected;
                        rc = send_file(p, path, why, sizeof(why));
                        metrics(p, 1);
                        if (p->rejects)
                                fclose(p->rejects);
                        p->rejects = NULL;
                        if (p->rejected == rejected)
                                unlink(rej); /* no reject file for none */
                        if (rc == FILE_DONE || rc == FILE_DONE_BEFORE) {
                                if (move_to(dir, files[i].name, "done", dst,
                                            sizeof(dst)) == 0) {
                                        snprintf(path, sizeof(path),
                                                 "%s.rejects", dst);
                                        rename(rej, path);
                                        mw_producer_metrics_file(p->metrics, 1);
                                        mw_log_info("%s: done",
                                                    shown(dst, shown_buf,
                                                          sizeof(shown_buf)));
                                }
                        } else if (rc == FILE_UNREADABLE) {
                                mw_log_error(
                                    "%s: %s",
                                    shown(path, shown_buf, sizeof(shown_buf)),
                                    why);
                                if (move_to(dir, files[i].name, "failed", dst,
                                            sizeof(dst)) == 0) {
                                        mw_producer_metrics_file(p->metrics, 0);
                                        snprintf(path, sizeof(path), "%s.error",
                                                 dst);
                                        fp = fopen(path, "w");
                                        if (fp) {
                                                fprintf(fp, "%s\n", why);
                                                fclose(fp);
                                        }
                                }
                                unlink(rej);
                        } else {
                                unlink(rej);
                                if (rc == FILE_UNDELIVERED)
                                        mw_log_warn("%s: not every row "
                                                    "reached Kafka; it stays "
                                                    "and is retried",
                                                    shown(path, shown_buf,
                                                          sizeof(shown_buf)));
                                break;
                        }
                }
                mw_clock_sleep_ms(poll_ms, &run);
        }
        free(files);
        return 0;
}

/* ---- set-up -------------------------------------------------------- */

static void
on_fatal(int err, const char *reason)
{
        (void)err;
        (void)reason;
        fatal = 1;
        run = 0;
}

static void
on_authz(int err, const char *reason)
{
        (void)err;
        (void)reason;
        authz_refused = 1;
}

static int
setup_kafka(struct producer *p)
{
        static const char *const defaults[] = {"linger.ms", "20", NULL};
        char errstr[512];
        rd_kafka_conf_t *kc;

        kc =
            mw_kafka_conf_new(&p->conf, PROG, defaults, errstr, sizeof(errstr));
        if (!kc)
                goto fail;
        /* What "nothing lost, nothing twice" rests on: not overridable. */
        if (mw_kafka_conf_force(kc, "enable.idempotence", "true", errstr,
                                sizeof(errstr)) ||
            mw_kafka_conf_force(kc, "acks", "all", errstr, sizeof(errstr)))
                goto fail;
        rd_kafka_conf_set_dr_msg_cb(kc, dr_cb);
        rd_kafka_conf_set_opaque(kc, p);
        p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
        if (!p->rk)
                goto fail;
        /* one handle, not a look-up by name for every message */
        p->rkt = rd_kafka_topic_new(p->rk, p->topic, NULL);
        if (!p->rkt) {
                mw_log_error("Kafka producer: topic %s: %s", p->topic,
                             rd_kafka_err2str(rd_kafka_last_error()));
                return -1;
        }
        return 0;
fail:
        if (kc)
                rd_kafka_conf_destroy(kc);
        mw_log_error("Kafka producer: %s", errstr);
        return -1;
}

/* Kafka refused an authorisation within auth.wait.ms of the start: most
 * likely a broker that has not applied the ACLs yet. A new handle after a
 * pause (one refused its producer id cannot be used again); rows it had not
 * delivered are not acknowledged, so their file stays and is sent again
 * (the journal skips what was delivered). 0, or -1 (logged). */
static int
kafka_restart(struct producer *p)
{
        authz_refused = 0;
        mw_log_warn("Kafka refused an authorisation at start-up (the ACLs "
                    "may not be on every broker yet): connecting again in "
                    "2 s; an authorisation error %d s after the start stops "
                    "the producer (auth.wait.ms)",
                    p->conf.auth_wait_ms / 1000);
        if (p->rkt)
                rd_kafka_topic_destroy(p->rkt);
        if (p->rk)
                rd_kafka_destroy(p->rk);
        p->rkt = NULL;
        p->rk = NULL;
        mw_clock_sleep_ms(2000, &run);
        if (!run)
                return -1;
        return setup_kafka(p);
}

/* A one-shot run first asks the brokers for its topic and gives up after
 * broker.wait.ms, naming the brokers: with a broker down or misnamed every
 * row would otherwise wait message.timeout.ms (5 minutes) and fail alike.
 * Watch mode, a service, keeps waiting instead. */
static int
reach_brokers(struct producer *p)
{
        const struct rd_kafka_metadata *md = NULL;
        int64_t start = mw_clock_ms(), now;
        int64_t deadline = start + p->conf.broker_wait_ms;
        rd_kafka_resp_err_t err;

        for (;;) {
                err = rd_kafka_metadata(p->rk, 0, p->rkt, &md, 1000);
                if (!err) {
                        err = md->topic_cnt == 1
                                  ? md->topics[0].err
                                  : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
                        rd_kafka_metadata_destroy(md);
                        if (!err)
                                return 0;
                        /* a topic created a moment ago may not be in
                         * every broker's metadata yet: asked again for a
                         * few seconds before it counts as missing */
                        now = mw_clock_ms();
                        if ((err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                             err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) &&
                            now - start < TOPIC_WAIT_MS && now < deadline &&
                            run) {
                                mw_clock_sleep_ms(200, &run);
                                continue;
                        }
                        if (mw_kafka_error_is_authz(p->rk, err) &&
                            now < p->authz_until && run) {
                                authz_refused = 1;
                                if (kafka_restart(p) != 0)
                                        return -1;
                                continue;
                        }
                        mw_log_error("topic=%s: %s (brokers %s); is it "
                                     "created (midway-admin create-topics) and "
                                     "may this producer write it?",
                                     p->topic, rd_kafka_err2str(err),
                                     p->conf.brokers);
                        return -1;
                }
                if (!run || fatal || mw_clock_ms() >= deadline)
                        break;
                if (authz_refused && kafka_restart(p) != 0)
                        return -1;
        }
        if (fatal)
                mw_log_error("stopped: Kafka refused this producer (see "
                             "above); nothing was sent");
        else if (run)
                mw_log_error("cannot reach the Kafka brokers %s within "
                             "broker.wait.ms (%d ms): %s; check that they run, "
                             "that -b/brokers names them and the credentials "
                             "(librdkafka's errors are above)",
                             p->conf.brokers, p->conf.broker_wait_ms,
                             rd_kafka_err2str(err));
        return -1;
}

static int
setup(struct producer *p, const char *keyfile)
{
        char errstr[512], subject[300];
        struct mw_registry *reg;
        mw_err_t err;

        if (mw_conf_topic(&p->conf, p->project->slug, p->topic,
                          sizeof(p->topic)) != MW_OK) {
                snprintf(errstr, sizeof(errstr), "topic.prefix is too long");
                goto fail;
        }
        if (p->conf.producer_id[0])
                snprintf(p->producer_id, sizeof(p->producer_id), "%s",
                         p->conf.producer_id);
        else if (gethostname(p->producer_id, sizeof(p->producer_id)) != 0)
                snprintf(p->producer_id, sizeof(p->producer_id), "unknown");
        p->ps = mw_pseudo_new(keyfile, errstr, sizeof(errstr));
        if (!p->ps)
                goto fail;
        if (p->dry_run)
                return 0;
        p->codec = mw_codec_new(errstr, sizeof(errstr));
        if (!p->codec)
                goto fail;
        reg = mw_registry_new(p->conf.registry_url, 10000, errstr,
                              sizeof(errstr));
        if (!reg)
                goto fail;
        snprintf(subject, sizeof(subject), "%s-value", p->topic);
        err = mw_registry_register(reg, subject, mw_codec_schema_json(),
                                   &p->schema_id, errstr, sizeof(errstr));
        mw_registry_destroy(reg);
        if (err)
                goto fail;
        mw_log_info("topic=%s project=%d schema id %d, key id %s", p->topic,
                    p->project->id, (int)p->schema_id, mw_pseudo_key_id(p->ps));
        return setup_kafka(p);
fail:
        mw_log_error("%s", errstr);
        return -1;
}

static int
finish(struct producer *p)
{
        if (!p->rk)
                return 0;
        rd_kafka_flush(p->rk, 1000);
        return p->acked == p->sent ? 0 : -1;
}

/* Sends every file of the command line; MW_EXIT_OK or MW_EXIT_FAILURE. */
static int
send_files(struct producer *p, char **files, int n)
{
        char why[512], name[4096];
        enum outcome outcome;
        int i, rc = MW_EXIT_OK;

        for (i = 0; i < n && run; i++) {
                outcome = send_file(p, files[i], why, sizeof(why));
                if (outcome == FILE_UNREADABLE)
                        mw_log_error("%s: %s",
                                     shown(files[i], name, sizeof(name)), why);
                if (outcome != FILE_DONE && outcome != FILE_DONE_BEFORE)
                        rc = MW_EXIT_FAILURE;
        }
        return rc;
}

/* After sending: waits for the last deliveries, says why a run stopped
 * early, the final progress line; the exit status from rc. */
static int
wrap_up(struct producer *p, int rc)
{
        if (finish(p) != 0)
                rc = MW_EXIT_FAILURE;
        if (fatal) {
                mw_log_error("stopped: Kafka refused this producer (see "
                             "above); unsent rows stay unacknowledged");
                rc = MW_EXIT_FAILURE;
        } else if (!run) {
                mw_log_warn("interrupted");
                rc = MW_EXIT_FAILURE;
        }
        if (isatty(STDERR_FILENO))
                fputc('\n', stderr);
        progress(p, 1);
        if (rc == MW_EXIT_OK && p->rejected > 0)
                rc = MW_EXIT_REJECTS;
        return rc;
}

/* Releases p; MW_EXIT_FAILURE if the rejects file could not be closed. */
static int
teardown(struct producer *p, const char *rejects, int rc)
{
        char why[512];

        mw_producer_metrics_stop(p->metrics);
        if (p->rkt)
                rd_kafka_topic_destroy(p->rkt);
        if (p->rk)
                rd_kafka_destroy(p->rk);
        if (p->rejects && fclose(p->rejects) != 0) {
                mw_log_error("%s: %s", shown(rejects, why, sizeof(why)),
                             strerror(errno));
                rc = MW_EXIT_FAILURE;
        }
        mw_codec_destroy(p->codec);
        mw_pseudo_destroy(p->ps);
        mw_buf_release(&p->out);
        mw_conf_release(&p->conf);
        return rc;
}

int
main(int argc, char **argv)
{
        struct producer p;
        struct args a;
        struct timeval tv;
        char errstr[512], why[512];
        enum mw_cli_rc cli_rc;
        int first = 0, rc;

        memset(&p, 0, sizeof(p));
        memset(&a, 0, sizeof(a));
        a.p = &p;
        a.poll_ms = 2000;
        cli_rc = mw_cli_start(&cli, argc, argv, &p.conf, on_opt, &a, 0, -1,
                              &first, errstr, sizeof(errstr));
        if (cli_rc == MW_CLI_RUN)
                cli_rc = check_args(&a, argc - first, errstr, sizeof(errstr));
        if (cli_rc != MW_CLI_RUN) {
                mw_conf_release(&p.conf);
                return mw_cli_exit(&cli, cli_rc, errstr, stdout, stderr);
        }
        mw_cli_signals(on_signal);
        mw_kafka_on_fatal(on_fatal);
        p.started = mw_clock_ms();
        p.authz_until = p.started + p.conf.auth_wait_ms;
        mw_kafka_on_authz(p.authz_until, on_authz);
        p.tty = isatty(STDERR_FILENO);
        gettimeofday(&tv, NULL);
        p.now_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
        if (setup(&p, a.keyfile) != 0)
                return teardown(&p, a.rejects, MW_EXIT_FAILURE);
        if (a.rejects && !(p.rejects = fopen(a.rejects, "w"))) {
                mw_log_error("%s: %s", shown(a.rejects, why, sizeof(why)),
                             strerror(errno));
                return teardown(&p, a.rejects, MW_EXIT_FAILURE);
        }
        if (p.rk && !a.watch_dir && reach_brokers(&p) != 0)
                return teardown(&p, a.rejects, MW_EXIT_FAILURE);
        if (a.watch_dir && p.rk && *p.conf.metrics_addr &&
            !(p.metrics =
                  mw_producer_metrics_start(p.conf.metrics_addr, p.rk, p.rkt)))
                return teardown(&p, a.rejects, MW_EXIT_FAILURE);
        rc = MW_EXIT_OK;
        if (a.watch_dir) {
                if (watch(&p, a.watch_dir, a.poll_ms) != 0)
                        rc = MW_EXIT_FAILURE;
                if (!fatal)
                        run = 1; /* a signal ends watching: no failure */
        }
        if (send_files(&p, argv + first, argc - first) != MW_EXIT_OK)
                rc = MW_EXIT_FAILURE;
        return teardown(&p, a.rejects, wrap_up(&p, rc));
}
