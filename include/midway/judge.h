/* midway: the consumer's verdict on one Kafka message (docs/schemas.md,
 * "What the consumer checks"): store it, or dead-letter it at a stage:
 * decode, schema, privacy, validate, bind. midway-consumer applies it and
 * `midway-admin check` reports it without writing anything, so a vendor's
 * producer is judged by the very code that will consume it. */
#ifndef MIDWAY_JUDGE_H
#define MIDWAY_JUDGE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "midway/codec.h"
#include "midway/err.h"
#include "midway/event.h"
#include "midway/registry.h"

/* One message as it came (borrowed). */
struct mw_message {
        const char *topic;
        int32_t project_id; /* the topic's project; 0: no project's topic */
        const void *key;    /* NULL: no key */
        size_t key_len;
        const void *value;
        size_t len;
};

/* Decodes m (fetching an unknown writer schema from reg, retried with
 * pauses that end early when *run turns 0) and checks it as the consumer
 * does. MW_OK: ev is filled, the event is to be stored. MW_ERR_INVALID:
 * the message is to be dead-lettered; *stage is its stage (a static
 * string) and reason says why, in printable ASCII without any CPR number
 * (stage "privacy" names only the field). Any other error is not the
 * message's fault (the registry unreachable): errstr says what. */
/* 1 if m is an erasure request (docs/schemas.md, "Erasure"): a tombstone,
 * that is a record without a value, whose key is a citizen reference (64
 * lowercase hex digits), on a project's topic. The consumer erases that
 * citizen of the topic's project instead of judging the message. */
int mw_judge_erasure(const struct mw_message *m);

mw_err_t mw_judge(struct mw_codec *codec, struct mw_registry *reg,
                  const struct mw_message *m, const volatile sig_atomic_t *run,
                  struct mw_event *ev, const char **stage, char *reason,
                  size_t reason_size, char *errstr, size_t errstr_size);

#endif
