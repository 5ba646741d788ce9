/* midway-erase: a municipality's request to erase citizens (docs/security.md,
 * "Erasure").
 *
 * Reads CPR numbers, one a line, turns each into its citizen reference
 * with the project's pseudonymisation key (the producer's HMAC, so no CPR
 * number travels) and publishes an erasure request for it: a tombstone, a
 * record keyed by the reference without a value, on the project's topic
 * (docs/schemas.md, "Erasure"). Keyed as the citizen's registrations are,
 * it lands in their partition after all of them; the consumer removes the
 * citizen's rows from PostgreSQL and the partition's records below it from
 * Kafka. Produced with enable.idempotence=true and acks=all; the program
 * waits for every delivery report.
 *
 * A program of its own rather than a mode of midway-producer: it shares
 * the key and the topic but none of the export reading, journal or codec
 * (and midway-producer.c is at its size limit). Logs name line numbers
 * only, never a CPR number or a reference. */
#define _DEFAULT_SOURCE /* explicit_bzero() */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "midway/cli.h"
#include "midway/clock.h"
#include "midway/conf.h"
#include "midway/cpr.h"
#include "midway/kafka.h"
#include "midway/log.h"
#include "midway/projects.h"
#include "midway/pseudo.h"

#define PROG "midway-erase"
/* How long the deliveries may take once everything is produced. */
#define FLUSH_MS 60000

static volatile sig_atomic_t run = 1;

struct erase {
        struct mw_conf conf;
        const struct mw_project *project; /* borrowed */
        const char *keyfile;
        struct mw_pseudo *ps; /* owned */
        rd_kafka_t *rk;       /* owned */
        char topic[256];
        long sent, acked, failed, rejected;
};

static void
on_signal(int sig)
{
        (void)sig;
        run = 0;
}

static const struct mw_cli_opt cli_opts[] = {
    {'p', "project", "PROJECT",
     "project id (1-30) or slug, e.g. frederikshavn"},
    {'k', "key", "KEYFILE", "the project's pseudonymisation key (mode 0600)"},
    {0, NULL, NULL, NULL}};

static const struct mw_cli cli = {
    PROG,
    "-p PROJECT -k KEYFILE FILE",
    "Ask for the erasure of citizens: FILE holds their CPR numbers, one a "
    "line\n(blank lines and lines starting with '#' are skipped; '-' reads "
    "standard\ninput). Each is sent as its citizen reference only.",
    cli_opts,
    MW_CLI_BROKERS | MW_CLI_FILE | MW_CLI_KAFKA | MW_CLI_PROPS,
    0,
    NULL,
    "0 every request sent, 1 failure, 2 usage error,\n3 some lines were not "
    "CPR numbers (every other request was sent)"};

static mw_err_t
on_opt(void *arg, int key, const char *value, char *errstr, size_t errstr_size)
{
        struct erase *e = arg;

        if (key == 'p')
                return mw_project_arg(value, &e->project, errstr, errstr_size);
        e->keyfile = value;
        return MW_OK;
}

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        struct erase *e = opaque;

        (void)rk;
        if (m->err) {
                e->failed++;
                mw_log_error("topic=%s: an erasure request was not delivered: "
                             "%s",
                             e->topic, rd_kafka_err2str(m->err));
        } else {
                e->acked++;
        }
}

static int
setup(struct erase *e)
{
        char errstr[512];
        rd_kafka_conf_t *kc = NULL;

        if (mw_conf_topic(&e->conf, e->project->slug, e->topic,
                          sizeof(e->topic)) != MW_OK) {
                snprintf(errstr, sizeof(errstr), "topic.prefix is too long");
                goto fail;
        }
        e->ps = mw_pseudo_new(e->keyfile, errstr, sizeof(errstr));
        if (!e->ps)
                goto fail;
        kc = mw_kafka_conf_new(&e->conf, PROG, NULL, errstr, sizeof(errstr));
        if (!kc)
                goto fail;
        if (mw_kafka_conf_force(kc, "enable.idempotence", "true", errstr,
                                sizeof(errstr)) ||
            mw_kafka_conf_force(kc, "acks", "all", errstr, sizeof(errstr)))
                goto fail;
        rd_kafka_conf_set_dr_msg_cb(kc, dr_cb);
        rd_kafka_conf_set_opaque(kc, e);
        e->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
        if (!e->rk)
                goto fail;
        mw_log_info("topic=%s project=%d key id %s", e->topic, e->project->id,
                    mw_pseudo_key_id(e->ps));
        return 0;
fail:
        if (kc)
                rd_kafka_conf_destroy(kc);
        mw_log_error("%s", errstr);
        return -1;
}

/* Publishes the request for one normalised CPR number. */
static int
request(struct erase *e, const char cpr[MW_CPR_LEN], long line)
{
        char ref[MW_REF_STRLEN + 1];
        rd_kafka_resp_err_t err;

        mw_pseudo_ref(e->ps, cpr, ref);
        do {
                err = rd_kafka_producev(
                    e->rk, RD_KAFKA_V_TOPIC(e->topic),
                    RD_KAFKA_V_KEY(ref, MW_REF_STRLEN),
                    RD_KAFKA_V_VALUE(NULL, 0),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        rd_kafka_poll(e->rk, 100);
        } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && run);
        explicit_bzero(ref, sizeof(ref));
        if (err) {
                mw_log_error("line %ld: cannot produce to %s: %s", line,
                             e->topic, rd_kafka_err2str(err));
                return -1;
        }
        e->sent++;
        rd_kafka_poll(e->rk, 0);
        return 0;
}

/* Sends a request for every CPR number of fp; -1 on a failure. */
static int
send_all(struct erase *e, FILE *fp, const char *name)
{
        char line[256], cpr[MW_CPR_LEN + 1], why[256];
        long n = 0;
        size_t len;
        int rc = 0;

        while (run && rc == 0 && fgets(line, sizeof(line), fp)) {
                n++;
                len = strcspn(line, "\r\n");
                line[len] = '\0';
                if (line[strspn(line, " \t")] == '\0' ||
                    line[strspn(line, " \t")] == '#')
                        continue;
                if (mw_cpr_normalise(line, cpr, why, sizeof(why)) != MW_OK) {
                        /* why names no digits (cpr.h) */
                        mw_log_warn("%s:%ld: not a CPR number: %s", name, n,
                                    why);
                        e->rejected++;
                } else {
                        rc = request(e, cpr, n);
                }
                explicit_bzero(line, sizeof(line));
                explicit_bzero(cpr, sizeof(cpr));
        }
        if (ferror(fp)) {
                mw_log_error("%s: %s", name, strerror(errno));
                rc = -1;
        }
        return rc;
}

/* The brokers and the project's topic, asked for before anything is
 * sent: a wrong or unreachable broker is named within broker.wait.ms
 * instead of every request failing after message.timeout.ms. */
static int
reach(struct erase *e)
{
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(e->rk, e->topic, NULL);
        const struct rd_kafka_metadata *md = NULL;
        int64_t deadline = mw_clock_ms() + e->conf.broker_wait_ms;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TRANSPORT;
        int rc = -1;

        while (rkt && run && mw_clock_ms() < deadline) {
                err = rd_kafka_metadata(e->rk, 0, rkt, &md, 1000);
                if (err)
                        continue;
                err = md->topic_cnt == 1 ? md->topics[0].err
                                         : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
                rd_kafka_metadata_destroy(md);
                if (!err)
                        rc = 0;
                else
                        mw_log_error("topic=%s: %s (brokers %s); is it "
                                     "created (midway-admin create-topics) "
                                     "and may this site's user write it?",
                                     e->topic, rd_kafka_err2str(err),
                                     e->conf.brokers);
                break;
        }
        if (rc && err && run && mw_clock_ms() >= deadline)
                mw_log_error("cannot reach the Kafka brokers %s within "
                             "broker.wait.ms (%d ms): %s; check that they "
                             "run, that -b/brokers names them and the "
                             "credentials; nothing was sent",
                             e->conf.brokers, e->conf.broker_wait_ms,
                             rd_kafka_err2str(err));
        if (rkt)
                rd_kafka_topic_destroy(rkt);
        return rc;
}

/* Waits for the deliveries, up to FLUSH_MS; Ctrl-C stops the wait. */
static void
flush(struct erase *e)
{
        int64_t deadline = mw_clock_ms() + FLUSH_MS;

        while (run && rd_kafka_outq_len(e->rk) > 0 && mw_clock_ms() < deadline)
                rd_kafka_flush(e->rk, 100);
        if (!run)
                rd_kafka_purge(e->rk, RD_KAFKA_PURGE_F_QUEUE |
                                          RD_KAFKA_PURGE_F_INFLIGHT);
}

int
main(int argc, char **argv)
{
        struct erase e;
        char errstr[512];
        enum mw_cli_rc cli_rc;
        const char *name;
        FILE *fp = NULL;
        int first = 0, rc = MW_EXIT_FAILURE;

        memset(&e, 0, sizeof(e));
        cli_rc = mw_cli_start(&cli, argc, argv, &e.conf, on_opt, &e, 1, 1,
                              &first, errstr, sizeof(errstr));
        if (cli_rc == MW_CLI_RUN && (!e.project || !e.keyfile)) {
                snprintf(errstr, sizeof(errstr),
                         "-p PROJECT and -k KEYFILE are required");
                cli_rc = MW_CLI_BAD;
        }
        if (cli_rc != MW_CLI_RUN) {
                mw_conf_release(&e.conf);
                return mw_cli_exit(&cli, cli_rc, errstr, stdout, stderr);
        }
        mw_cli_signals(on_signal);
        name = argv[first];
        if (strcmp(name, "-") == 0) {
                fp = stdin;
        } else if (!(fp = fopen(name, "r"))) {
                mw_log_error("%s: %s", name, strerror(errno));
                goto out;
        }
        if (setup(&e) != 0 || reach(&e) != 0 || send_all(&e, fp, name) != 0)
                goto out;
        flush(&e);
        if (!run) {
                mw_log_warn("interrupted: %ld of %ld requests acknowledged",
                            e.acked, e.sent);
                goto out;
        }
        mw_log_info("done: %ld erasure requests acknowledged, %ld failed, %ld "
                    "lines not CPR numbers",
                    e.acked, e.sent - e.acked, e.rejected);
        if (e.acked == e.sent)
                rc = e.rejected ? MW_EXIT_REJECTS : MW_EXIT_OK;
out:
        if (fp && fp != stdin)
                fclose(fp);
        if (e.rk)
                rd_kafka_destroy(e.rk);
        mw_pseudo_destroy(e.ps);
        mw_conf_release(&e.conf);
        return rc;
}
