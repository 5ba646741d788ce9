/* midway: the consumer's verdict on one message (include/midway/judge.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/clock.h"
#include "midway/cpr.h"
#include "midway/judge.h"
#include "midway/log.h"
#include "midway/validate.h"

/* How often an unreachable registry is asked before giving up, with
 * pauses of 0.2, 0.4, 0.8 ... seconds. */
#define REGISTRY_TRIES 5

/* 1 if the key has the form of a citizen reference (64 lowercase hex
 * digits), which a CPR-like run of its digits does not make personal. */
static int
key_is_ref(const struct mw_message *m)
{
        const char *k = m->key;
        size_t i;

        if (!k || m->key_len != MW_REF_STRLEN)
                return 0;
        for (i = 0; i < MW_REF_STRLEN; i++)
                if (!((k[i] >= '0' && k[i] <= '9') ||
                      (k[i] >= 'a' && k[i] <= 'f')))
                        return 0;
        return 1;
}

int
mw_judge_erasure(const struct mw_message *m)
{
        return (!m->value || m->len == 0) && m->project_id != 0 &&
               key_is_ref(m);
}

/* Makes the writer schema of id known to codec. MW_ERR_INVALID (stage
 * "schema") if the registry does not know it or it cannot be read. */
static mw_err_t
learn_schema(struct mw_codec *codec, struct mw_registry *reg, int32_t id,
             const volatile sig_atomic_t *run, const char **stage, char *reason,
             size_t reason_size, char *errstr, size_t errstr_size)
{
        char *json = NULL;
        int tries;
        mw_err_t err = MW_ERR_REGISTRY;

        for (tries = 0; tries < REGISTRY_TRIES && (!run || *run); tries++) {
                err = mw_registry_fetch(reg, id, &json, errstr, errstr_size);
                if (err != MW_ERR_REGISTRY)
                        break;
                mw_log_warn("schema registry: %s (retrying)", errstr);
                mw_clock_sleep_ms(200L << tries, run);
        }
        if (err == MW_ERR_NOTFOUND) {
                *stage = "schema";
                snprintf(reason, reason_size,
                         "schema id %d is not in the registry", (int)id);
                return MW_ERR_INVALID;
        }
        if (err) /* never the message's fault */
                return err == MW_ERR_INVALID ? MW_ERR_REGISTRY : err;
        err = mw_codec_add_schema(codec, id, json, strlen(json), errstr,
                                  errstr_size);
        free(json);
        if (err) {
                *stage = "schema";
                snprintf(reason, reason_size, "schema id %d: %.200s", (int)id,
                         errstr);
                return MW_ERR_INVALID;
        }
        return MW_OK;
}

mw_err_t
mw_judge(struct mw_codec *codec, struct mw_registry *reg,
         const struct mw_message *m, const volatile sig_atomic_t *run,
         struct mw_event *ev, const char **stage, char *reason,
         size_t reason_size, char *errstr, size_t errstr_size)
{
        char why[512];
        const char *field;
        int32_t id = -1;
        mw_err_t err;

        err =
            mw_codec_decode(codec, m->value, m->len, ev, &id, why, sizeof(why));
        if (err == MW_ERR_NOTFOUND) {
                err = learn_schema(codec, reg, id, run, stage, reason,
                                   reason_size, errstr, errstr_size);
                if (err)
                        return err;
                err = mw_codec_decode(codec, m->value, m->len, ev, &id, why,
                                      sizeof(why));
        }
        if (err) {
                *stage = "decode";
                snprintf(reason, reason_size, "%.200s", why);
                return MW_ERR_INVALID;
        }
        if ((field = mw_event_cpr_field(ev)) != NULL ||
            (m->key && !key_is_ref(m) && mw_cpr_find(m->key, m->key_len))) {
                *stage = "privacy";
                snprintf(reason, reason_size, "%s holds a CPR number",
                         field ? field : "the message key");
                return MW_ERR_INVALID;
        }
        if (mw_event_validate(ev, why, sizeof(why)) != MW_OK) {
                *stage = "validate";
                snprintf(reason, reason_size, "%.200s", why);
                return MW_ERR_INVALID;
        }
        if (ev->project_id != m->project_id) {
                *stage = "bind";
                if (m->project_id == 0)
                        snprintf(reason, reason_size,
                                 "topic %.100s is no project's topic",
                                 m->topic);
                else
                        snprintf(reason, reason_size,
                                 "event of project %d on the topic of "
                                 "project %d",
                                 (int)ev->project_id, (int)m->project_id);
                return MW_ERR_INVALID;
        }
        if (!m->key || m->key_len != MW_REF_STRLEN ||
            memcmp(m->key, ev->citizen_ref, MW_REF_STRLEN) != 0) {
                *stage = "bind";
                snprintf(reason, reason_size,
                         "the message key is not the event's citizen_ref");
                return MW_ERR_INVALID;
        }
        return MW_OK;
}
