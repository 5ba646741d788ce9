/* Fuzz target: the validator, mw_event_validate(), and the event's JSON
 * rendering (what the consumer stores).
 *
 * The input is laid over a struct mw_event (every string field is then
 * NUL-terminated at its last byte, as the decoder guarantees), the kind
 * and action are taken modulo their ranges plus one out-of-range value, and
 * the event is validated. An event the validator accepts must render to
 * JSON, and its codes must all be in their lists: the checks a consumer
 * relies on before it stores an event. Besides memory errors it aborts if
 * the validator accepts an event with an unknown kind or action. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "midway/buf.h"
#include "midway/codes.h"
#include "midway/event.h"
#include "midway/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATE(field) ((field)[sizeof(field) - 1] = '\0')

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct mw_event ev;
        struct mw_buf json = MW_BUF_INIT;
        char errstr[256];
        int i;

        memset(&ev, 0, sizeof(ev));
        memcpy(&ev, data, size < sizeof(ev) ? size : sizeof(ev));
        ev.kind = (enum mw_kind)((unsigned)ev.kind % (MW_KIND_COUNT + 1));
        ev.action = (enum mw_action)((unsigned)ev.action % 4);
        TERMINATE(ev.event_id);
        TERMINATE(ev.citizen_ref);
        TERMINATE(ev.key_id);
        TERMINATE(ev.producer_id);
        TERMINATE(ev.supersedes);
        TERMINATE(ev.u.visitation.target_group);
        TERMINATE(ev.u.visitation.benefit_type);
        TERMINATE(ev.u.visitation.gender);
        TERMINATE(ev.u.visitation.age_band);
        for (i = 0; i < MW_MAX_AREAS; i++) {
                TERMINATE(ev.u.visitation.areas[i]);
                TERMINATE(ev.u.profile.areas[i]);
        }
        TERMINATE(ev.u.contact.channel);
        TERMINATE(ev.u.contact.place);
        TERMINATE(ev.u.intervention.intervention_ref);
        TERMINATE(ev.u.intervention.category);
        TERMINATE(ev.u.intervention.status);
        TERMINATE(ev.u.exit.reason);
        TERMINATE(ev.u.profile.benefit_type);

        if (mw_event_validate(&ev, errstr, sizeof(errstr)) != MW_OK) {
                if (errstr[0] == '\0')
                        abort(); /* a refusal must say why */
                return 0;
        }
        if (!mw_kind_name(ev.kind) || !mw_action_name(ev.action))
                abort();
        if (ev.kind == MW_KIND_EXIT &&
            !mw_codes_find(MW_CL_EXIT_REASON, ev.u.exit.reason))
                abort();
        if (mw_event_json(&ev, &json) != MW_OK || json.len == 0)
                abort();
        mw_buf_release(&json);
        return 0;
}
