/* midway: event kinds and actions. */
#include <string.h>

#include "midway/event.h"

static const char *const kind_names[MW_KIND_COUNT] = {
        "visitation", "contact", "intervention", "exit", "profile_change"};
static const char *const kind_records[MW_KIND_COUNT] = {
        "Visitation", "Contact", "Intervention", "Exit", "ProfileChange"};
static const char *const action_names[] = {"new", "correction", "retraction"};

void
mw_event_init(struct mw_event *ev, enum mw_kind kind)
{
        memset(ev, 0, sizeof(*ev));
        ev->kind = kind;
        ev->action = MW_ACTION_NEW;
        if (kind == MW_KIND_INTERVENTION) {
                ev->u.intervention.start_date = MW_DATE_NONE;
                ev->u.intervention.end_date = MW_DATE_NONE;
        }
}

const char *
mw_kind_name(enum mw_kind kind)
{
        if ((unsigned)kind >= MW_KIND_COUNT)
                return NULL;
        return kind_names[kind];
}

const char *
mw_kind_record(enum mw_kind kind)
{
        if ((unsigned)kind >= MW_KIND_COUNT)
                return NULL;
        return kind_records[kind];
}

int
mw_kind_from_record(const char *record_name, enum mw_kind *kind)
{
        const char *dot;
        int i;

        dot = strrchr(record_name, '.'); /* accept full names */
        if (dot)
                record_name = dot + 1;
        for (i = 0; i < MW_KIND_COUNT; i++) {
                if (strcmp(record_name, kind_records[i]) == 0) {
                        *kind = (enum mw_kind)i;
                        return 1;
                }
        }
        return 0;
}

const char *
mw_action_name(enum mw_action action)
{
        if ((unsigned)action > MW_ACTION_RETRACTION)
                return NULL;
        return action_names[action];
}

int
mw_action_parse(const char *s, enum mw_action *action)
{
        int i;

        for (i = 0; i <= MW_ACTION_RETRACTION; i++) {
                if (strcmp(s, action_names[i]) == 0) {
                        *action = (enum mw_action)i;
                        return 1;
                }
        }
        return 0;
}
