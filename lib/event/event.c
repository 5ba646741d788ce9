/* midway: event kinds and actions. */
#include <string.h>

#include "midway/date.h"
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

static mw_err_t
json_date(struct mw_buf *out, const char *name, int32_t days)
{
        char iso[11];

        if (days == MW_DATE_NONE)
                return mw_buf_appendf(out, ",\"%s\":null", name);
        /* no yyyy-mm-dd form: validation refuses such a date */
        if (mw_date_format(days, iso) != 0)
                return MW_ERR_INVALID;
        return mw_buf_appendf(out, ",\"%s\":\"%s\"", name, iso);
}

static mw_err_t
json_opt_str(struct mw_buf *out, const char *name, const char *s)
{
        mw_err_t err;

        err = mw_buf_appendf(out, ",\"%s\":", name);
        if (err)
                return err;
        if (s[0] == '\0')
                return mw_buf_append(out, "null", 4);
        return mw_buf_append_json_str(out, s);
}

static mw_err_t
json_areas(struct mw_buf *out, int n, const char areas[][MW_CODE_MAX + 1])
{
        mw_err_t err;
        int i;

        err = mw_buf_append(out, ",\"problem_areas\":[", 18);
        for (i = 0; !err && i < n; i++) {
                if (i > 0)
                        err = mw_buf_append(out, ",", 1);
                if (!err)
                        err = mw_buf_append_json_str(out, areas[i]);
        }
        if (!err)
                err = mw_buf_append(out, "]", 1);
        return err;
}

/* Appends ",\"name\":<string>". */
static mw_err_t
json_str(struct mw_buf *out, const char *name, const char *s)
{
        mw_err_t err;

        err = mw_buf_appendf(out, ",\"%s\":", name);
        return err ? err : mw_buf_append_json_str(out, s);
}

mw_err_t
mw_event_payload_json(const struct mw_event *ev, struct mw_buf *out)
{
        const struct mw_visitation *v = &ev->u.visitation;
        const struct mw_intervention *iv = &ev->u.intervention;
        const struct mw_profile *pc = &ev->u.profile;
        size_t start = out->len;
        mw_err_t err;

        /* Each member is written with a leading comma; the first comma is
         * replaced by the opening brace below. */
        switch (ev->kind) {
        case MW_KIND_VISITATION:
                if ((err = json_str(out, "target_group", v->target_group)) ||
                    (err = json_str(out, "benefit_type", v->benefit_type)) ||
                    (err = json_str(out, "gender", v->gender)) ||
                    (err = json_str(out, "age_band", v->age_band)) ||
                    (err = json_areas(out, v->n_areas, v->areas)))
                        return err;
                break;
        case MW_KIND_CONTACT:
                if ((err = json_str(out, "channel", ev->u.contact.channel)) ||
                    (err = json_opt_str(out, "place", ev->u.contact.place)))
                        return err;
                break;
        case MW_KIND_INTERVENTION:
                if ((err = json_str(out, "intervention_ref",
                                    iv->intervention_ref)) ||
                    (err = json_str(out, "category", iv->category)) ||
                    (err = json_str(out, "status", iv->status)) ||
                    (err = json_date(out, "start_date", iv->start_date)) ||
                    (err = json_date(out, "end_date", iv->end_date)))
                        return err;
                break;
        case MW_KIND_EXIT:
                if ((err = json_str(out, "reason", ev->u.exit.reason)))
                        return err;
                break;
        case MW_KIND_PROFILE:
                if ((err = json_opt_str(out, "benefit_type", pc->benefit_type)))
                        return err;
                if (pc->has_areas)
                        err = json_areas(out, pc->n_areas, pc->areas);
                else
                        err = mw_buf_append(out, ",\"problem_areas\":null", 21);
                if (err)
                        return err;
                break;
        default:
                return MW_ERR_INVALID;
        }
        out->data[start] = '{';
        return mw_buf_append(out, "}", 1);
}

mw_err_t
mw_event_json(const struct mw_event *ev, struct mw_buf *out)
{
        size_t start = out->len;
        mw_err_t err;

        if ((err = json_str(out, "event_id", ev->event_id)) ||
            (err = mw_buf_appendf(out, ",\"project_id\":%d", ev->project_id)) ||
            (err = mw_buf_appendf(out, ",\"municipality_code\":%d",
                                  ev->municipality_code)) ||
            (err = json_str(out, "citizen_ref", ev->citizen_ref)) ||
            (err = json_str(out, "key_id", ev->key_id)) ||
            (err = json_date(out, "event_date", ev->event_date)) ||
            (err = mw_buf_appendf(out, ",\"registered_at\":%lld",
                                  (long long)ev->registered_at)) ||
            (err = json_str(out, "producer_id", ev->producer_id)) ||
            (err = json_str(out, "action",
                            mw_action_name(ev->action)
                                ? mw_action_name(ev->action)
                                : "?")) ||
            (err = json_opt_str(out, "supersedes", ev->supersedes)) ||
            (err = json_str(out, "kind",
                            mw_kind_name(ev->kind) ? mw_kind_name(ev->kind)
                                                   : "?")) ||
            (err = mw_buf_append(out, ",\"payload\":", 11)) ||
            (err = mw_event_payload_json(ev, out)))
                return err;
        out->data[start] = '{';
        return mw_buf_append(out, "}", 1);
}
