/* midway-consumer: erasure requests (docs/security.md, "Erasure").
 *
 * A tombstone on a project's topic, keyed by a citizen reference, asks to
 * erase that citizen of the project. It is its batch's only message, so
 * every registration before it in its partition is stored (and erased)
 * and none after it is: the citizen's rows go in the transaction that
 * moves the partition's stored offset past the request
 * (midway_erase_citizen(), functions/60_erasure.sql). Once that has
 * committed, every record of the partition below the stored offset is in
 * PostgreSQL, so they are deleted from Kafka (DeleteRecords; the request
 * itself with them), as are the records of the dead-letter topic that
 * came from that partition. */
#define _DEFAULT_SOURCE /* explicit_bzero() */
#include <stdio.h>
#include <string.h>

#include "consumer.h"
#include "midway/log.h"

/* How long the brokers may take to delete records. */
#define DELETE_WAIT_MS 30000

void
mw_consumer_erase_reset(struct consumer *c)
{
        explicit_bzero(c->erase_ref, sizeof(c->erase_ref));
        c->erase_pending = 0;
}

void
mw_consumer_erase_stage(struct consumer *c, size_t part,
                        const rd_kafka_message_t *m)
{
        memcpy(c->erase_ref, m->key, MW_REF_STRLEN); /* checked by judge */
        c->erase_ref[MW_REF_STRLEN] = '\0';
        c->erase_part = part;
        c->erase_offset = m->offset;
        c->erase_pending = 1;
}

mw_err_t
mw_consumer_erase_apply(struct consumer *c, char *errstr, size_t errstr_size)
{
        const struct part *p = &c->parts[c->erase_part];

        if (!c->erase_pending)
                return MW_OK;
        return mw_sink_erase(c->pg, p->project_id, c->erase_ref, p->topic,
                             p->partition, c->erase_offset, &c->erased, errstr,
                             errstr_size);
}

/* Deletes the records of del from Kafka, waiting DELETE_WAIT_MS at most;
 * 0, or -1 with why. */
static int
delete_records(struct consumer *c, rd_kafka_topic_partition_list_t *del,
               char *why, size_t why_size)
{
        rd_kafka_DeleteRecords_t *dr = rd_kafka_DeleteRecords_new(del);
        const rd_kafka_topic_partition_list_t *res;
        rd_kafka_queue_t *q = rd_kafka_queue_new(c->rk);
        rd_kafka_event_t *ev;
        int i, rc = -1;

        rd_kafka_DeleteRecords(c->rk, &dr, 1, NULL, q);
        ev = rd_kafka_queue_poll(q, DELETE_WAIT_MS);
        if (!ev) {
                snprintf(why, why_size, "no answer in %d s",
                         DELETE_WAIT_MS / 1000);
        } else if (rd_kafka_event_error(ev)) {
                snprintf(why, why_size, "%s", rd_kafka_event_error_string(ev));
        } else {
                res = rd_kafka_DeleteRecords_result_offsets(
                    rd_kafka_event_DeleteRecords_result(ev));
                rc = 0;
                for (i = 0; res && i < res->cnt && rc == 0; i++)
                        if (res->elems[i].err) {
                                snprintf(why, why_size, "%s/%d: %s",
                                         res->elems[i].topic,
                                         (int)res->elems[i].partition,
                                         rd_kafka_err2str(res->elems[i].err));
                                rc = -1;
                        }
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_DeleteRecords_destroy(dr);
        rd_kafka_queue_destroy(q);
        return rc;
}

void
mw_consumer_erase_kafka(struct consumer *c)
{
        const struct part *p = &c->parts[c->erase_part];
        const struct mw_sink_erased *e = &c->erased;
        rd_kafka_topic_partition_list_t *del;
        char why[512];
        size_t i;

        if (!c->erase_pending)
                return;
        mw_log_info("erasure: project=%d topic=%s partition=%d offset=%lld: "
                    "%ld events and %ld dead letters of one citizen removed",
                    (int)p->project_id, p->topic, (int)p->partition,
                    (long long)c->erase_offset, e->events, e->dead_letters);
        mw_consumer_erase_reset(c);
        del = rd_kafka_topic_partition_list_new(1 + (int)e->n_dlq);
        rd_kafka_topic_partition_list_add(del, p->topic, p->partition)->offset =
            p->db_next;
        for (i = 0; i < e->n_dlq; i++)
                rd_kafka_topic_partition_list_add(del, c->dlq_topic,
                                                  e->dlq_partition[i])
                    ->offset = e->dlq_below[i];
        if (delete_records(c, del, why, sizeof(why)) == 0)
                mw_log_info("erasure: Kafka records deleted below offset %lld "
                            "of %s/%d and %zu partition(s) of %s",
                            (long long)p->db_next, p->topic, (int)p->partition,
                            e->n_dlq, c->dlq_topic);
        else
                mw_log_error("erasure: stored, but the Kafka records below "
                             "offset %lld of %s/%d (and of %s) were not "
                             "deleted: %s; they go with the next erasure of "
                             "the partition or with the topics' retention "
                             "(docs/operations.md, \"Erasure\")",
                             (long long)p->db_next, p->topic, (int)p->partition,
                             c->dlq_topic, why);
        rd_kafka_topic_partition_list_destroy(del);
}
