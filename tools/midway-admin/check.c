/* midway-admin check: what midway-consumer would do with every message of
 * the project topics, judged by the consumer's own code (mw_judge()),
 * without writing anything: no group offsets, no database, no dead
 * letters. For a vendor's producer (docs/schemas.md) and for an operator
 * who wants to know what a topic holds before a replay.
 *
 * stdout, one line per message:
 *   TOPIC PARTITION OFFSET store KIND EVENT_ID
 *   TOPIC PARTITION OFFSET dead-letter STAGE REASON
 *   TOPIC PARTITION OFFSET erase          (an erasure request: a tombstone)
 * stderr: one summary line. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "admin.h"
#include "midway/cli.h"
#include "midway/clock.h"
#include "midway/codec.h"
#include "midway/judge.h"
#include "midway/kafka.h"
#include "midway/log.h"
#include "midway/projects.h"
#include "midway/registry.h"

#define PROG      "midway-admin"
#define MAX_PARTS 4096
#define EXIT_DEAD 3 /* some messages would be dead-lettered */

static volatile sig_atomic_t check_run = 1;

static void
on_stop(int sig)
{
        (void)sig;
        check_run = 0;
}

struct cpart {
        char topic[256];
        int32_t project_id, partition;
        int64_t high; /* read up to here (exclusive) */
        int done;
};

struct check {
        const struct mw_conf *conf;
        rd_kafka_t *rk;
        struct mw_codec *codec;
        struct mw_registry *reg;
        struct cpart parts[MAX_PARTS];
        size_t n_parts, n_open;
        long stored, dead, erased;
};

/* Adds the partitions of topic that hold messages, at their first offset,
 * to list. */
static int
add_topic(struct check *k, const char *topic, int32_t project_id,
          rd_kafka_topic_partition_list_t *list)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *rkt;
        rd_kafka_resp_err_t err;
        int64_t lo, hi;
        struct cpart *p;
        int i;

        rkt = rd_kafka_topic_new(k->rk, topic, NULL);
        if (!rkt)
                return -1;
        err = rd_kafka_metadata(k->rk, 0, rkt, &md, k->conf->broker_wait_ms);
        rd_kafka_topic_destroy(rkt);
        if (err) {
                mw_log_error("topic=%s: %s (brokers %s)", topic,
                             rd_kafka_err2str(err), k->conf->brokers);
                return -1;
        }
        for (i = 0; md->topic_cnt == 1 && !md->topics[0].err &&
                    i < md->topics[0].partition_cnt && k->n_parts < MAX_PARTS;
             i++) {
                err = rd_kafka_query_watermark_offsets(
                    k->rk, topic, md->topics[0].partitions[i].id, &lo, &hi,
                    k->conf->broker_wait_ms);
                if (err) {
                        mw_log_error("topic=%s partition=%d: %s", topic,
                                     (int)md->topics[0].partitions[i].id,
                                     rd_kafka_err2str(err));
                        rd_kafka_metadata_destroy(md);
                        return -1;
                }
                if (hi <= lo)
                        continue;
                p = &k->parts[k->n_parts++];
                snprintf(p->topic, sizeof(p->topic), "%s", topic);
                p->project_id = project_id;
                p->partition = md->topics[0].partitions[i].id;
                p->high = hi;
                k->n_open++;
                rd_kafka_topic_partition_list_add(list, topic, p->partition)
                    ->offset = RD_KAFKA_OFFSET_BEGINNING;
        }
        rd_kafka_metadata_destroy(md);
        return 0;
}

static struct cpart *
find_part(struct check *k, const char *topic, int32_t partition)
{
        size_t i;

        for (i = 0; i < k->n_parts; i++)
                if (k->parts[i].partition == partition &&
                    strcmp(k->parts[i].topic, topic) == 0)
                        return &k->parts[i];
        return NULL;
}

/* Judges and prints one message; -1 if the check cannot go on. */
static int
judge_one(struct check *k, const rd_kafka_message_t *m)
{
        const char *topic = rd_kafka_topic_name(m->rkt), *stage = "";
        char reason[256], errstr[512];
        struct mw_event ev;
        struct cpart *p = find_part(k, topic, m->partition);
        struct mw_message msg;
        mw_err_t err;

        if (!p || p->done || m->offset >= p->high)
                return 0;
        msg = (struct mw_message){topic,      p->project_id, m->key,
                                  m->key_len, m->payload,    m->len};
        if (mw_judge_erasure(&msg)) {
                k->erased++;
                printf("%s %d %lld erase\n", topic, (int)m->partition,
                       (long long)m->offset);
        } else if ((err = mw_judge(k->codec, k->reg, &msg, &check_run, &ev,
                                   &stage, reason, sizeof(reason), errstr,
                                   sizeof(errstr))) == MW_OK) {
                k->stored++;
                printf("%s %d %lld store %s %s\n", topic, (int)m->partition,
                       (long long)m->offset, mw_kind_name(ev.kind),
                       ev.event_id);
        } else if (err == MW_ERR_INVALID) {
                k->dead++;
                printf("%s %d %lld dead-letter %s %s\n", topic,
                       (int)m->partition, (long long)m->offset, stage, reason);
        } else {
                mw_log_error("%s", errstr);
                return -1;
        }
        if (m->offset + 1 >= p->high) {
                p->done = 1;
                k->n_open--;
        }
        return 0;
}

/* Reads every assigned partition to the offset it had at the start. */
static int
read_all(struct check *k)
{
        rd_kafka_message_t *m;
        int64_t quiet_since = mw_clock_ms();

        while (k->n_open > 0 && check_run) {
                m = rd_kafka_consumer_poll(k->rk, 500);
                if (!m) {
                        if (mw_clock_ms() - quiet_since >
                            k->conf->broker_wait_ms) {
                                mw_log_error("no message from the brokers %s "
                                             "for broker.wait.ms (%d ms), "
                                             "%zu partitions not read to "
                                             "their end",
                                             k->conf->brokers,
                                             k->conf->broker_wait_ms,
                                             k->n_open);
                                return -1;
                        }
                        continue;
                }
                quiet_since = mw_clock_ms();
                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                mw_log_warn("Kafka: %s",
                                            rd_kafka_message_errstr(m));
                } else if (judge_one(k, m) != 0) {
                        rd_kafka_message_destroy(m);
                        return -1;
                }
                rd_kafka_message_destroy(m);
        }
        return check_run ? 0 : -1;
}

/* The consumer of the check: no group commits, nothing stored. */
static int
open_client(struct check *k)
{
        static const char *const defaults[] = {
            "group.id", "midway-admin-check",       "enable.auto.commit",
            "false",    "enable.auto.offset.store", "false",
            NULL};
        char errstr[512];
        rd_kafka_conf_t *kc;

        kc = mw_kafka_conf_new(k->conf, PROG, defaults, errstr, sizeof(errstr));
        if (!kc) {
                mw_log_error("%s", errstr);
                return -1;
        }
        k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, sizeof(errstr));
        if (!k->rk) {
                rd_kafka_conf_destroy(kc);
                mw_log_error("Kafka consumer: %s", errstr);
                return -1;
        }
        k->codec = mw_codec_new(errstr, sizeof(errstr));
        if (k->codec)
                k->reg = mw_registry_new(k->conf->registry_url, 10000, errstr,
                                         sizeof(errstr));
        if (!k->codec || !k->reg) {
                mw_log_error("%s", errstr);
                return -1;
        }
        return 0;
}

int
mw_admin_check(const struct mw_conf *conf)
{
        struct check *k = calloc(1, sizeof(*k));
        rd_kafka_topic_partition_list_t *list = NULL;
        const struct mw_project *projects;
        char errstr[256], topic[256];
        size_t n, i;
        int rc = MW_EXIT_FAILURE;

        if (!k)
                return MW_EXIT_FAILURE;
        k->conf = conf;
        mw_cli_signals(on_stop);
        projects = mw_projects(&n, errstr, sizeof(errstr));
        if (!projects || open_client(k) != 0)
                goto out;
        list = rd_kafka_topic_partition_list_new(64);
        for (i = 0; i < n; i++)
                if (mw_conf_topic(conf, projects[i].slug, topic,
                                  sizeof(topic)) != MW_OK ||
                    add_topic(k, topic, projects[i].id, list) != 0)
                        goto out;
        if (list->cnt > 0 && rd_kafka_assign(k->rk, list) != 0)
                goto out;
        if (read_all(k) != 0)
                goto out;
        mw_log_info("check: %ld messages would be stored, %ld dead-lettered, "
                    "%ld erasure requests (%zu partitions read to their end)",
                    k->stored, k->dead, k->erased, k->n_parts);
        rc = k->dead ? EXIT_DEAD : MW_EXIT_OK;
out:
        if (list)
                rd_kafka_topic_partition_list_destroy(list);
        if (k->rk) {
                rd_kafka_consumer_close(k->rk);
                rd_kafka_destroy(k->rk);
        }
        mw_registry_destroy(k->reg);
        mw_codec_destroy(k->codec);
        free(k);
        return fflush(stdout) == 0 ? rc : MW_EXIT_FAILURE;
}
