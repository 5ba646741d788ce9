/* midway: event kinds and actions. */
#include <string.h>

#include "midway/date.h"
#include "midway/event.h"
#include "midway/fields.h"

static const char *const action_names[] = {"new", "correction", "retraction"};

void
mw_event_init(struct mw_event *ev, enum mw_kind kind)
{
        const struct mw_field *f;
        size_t i, n;

        memset(ev, 0, sizeof(*ev));
        ev->kind = kind;
        ev->action = MW_ACTION_NEW;
        f = mw_fields_of((int)kind, &n);
        for (i = 0; i < n; i++)
                if (f[i].type == MW_FT_OPT_DATE)
                        *mw_field_i32(ev, &f[i]) = MW_DATE_NONE;
}

const char *
mw_kind_name(enum mw_kind kind)
{
        const struct mw_kind_info *k = mw_kind_info(kind);

        return k ? k->name : NULL;
}

const char *
mw_kind_record(enum mw_kind kind)
{
        const struct mw_kind_info *k = mw_kind_info(kind);

        return k ? k->record : NULL;
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
                if (strcmp(record_name,
                           mw_kind_info((enum mw_kind)i)->record) == 0) {
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
json_codes(struct mw_buf *out, const struct mw_event *ev,
           const struct mw_field *f)
{
        int i, n = mw_field_ccount(ev, f);
        mw_err_t err;

        err = mw_buf_appendf(out, ",\"%s\":[", f->name);
        for (i = 0; !err && i < n; i++) {
                if (i > 0)
                        err = mw_buf_append(out, ",", 1);
                if (!err)
                        err = mw_buf_append_json_str(out,
                                                     mw_field_citem(ev, f, i));
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

static mw_err_t json_record(const struct mw_event *ev, int record,
                            struct mw_buf *out);

/* Appends ",\"name\":<value>" of one field, as its table row says. */
static mw_err_t
json_field(const struct mw_event *ev, const struct mw_field *f,
           struct mw_buf *out)
{
        const char *s;
        mw_err_t err;

        switch (f->type) {
        case MW_FT_STRING:
        case MW_FT_UUID:
                return json_str(out, f->name, mw_field_cstr(ev, f));
        case MW_FT_ACTION:
                s = mw_action_name(ev->action);
                return json_str(out, f->name, s ? s : "?");
        case MW_FT_INT:
                return mw_buf_appendf(out, ",\"%s\":%d", f->name,
                                      (int)mw_field_ci32(ev, f));
        case MW_FT_DATE:
        case MW_FT_OPT_DATE:
                return json_date(out, f->name, mw_field_ci32(ev, f));
        case MW_FT_TIMESTAMP:
                return mw_buf_appendf(out, ",\"%s\":%lld", f->name,
                                      (long long)mw_field_ci64(ev, f));
        case MW_FT_OPT_STRING:
                return json_opt_str(out, f->name, mw_field_cstr(ev, f));
        case MW_FT_CODES:
                return json_codes(out, ev, f);
        case MW_FT_OPT_CODES:
                if (mw_field_chas(ev, f))
                        return json_codes(out, ev, f);
                return mw_buf_appendf(out, ",\"%s\":null", f->name);
        case MW_FT_PAYLOAD:
                s = mw_kind_name(ev->kind);
                if ((err = json_str(out, "kind", s ? s : "?")) ||
                    (err = mw_buf_appendf(out, ",\"%s\":", f->name)))
                        return err;
                return mw_event_payload_json(ev, out);
        }
        return MW_ERR_INVALID;
}

/* The fields of record as one JSON object. Each member is written with a
 * leading comma; the first comma is replaced by the opening brace. */
static mw_err_t
json_record(const struct mw_event *ev, int record, struct mw_buf *out)
{
        const struct mw_field *f;
        size_t start = out->len, i, n;
        mw_err_t err = MW_OK;

        f = mw_fields_of(record, &n);
        if (!f)
                return MW_ERR_INVALID;
        for (i = 0; i < n && !err; i++)
                err = json_field(ev, &f[i], out);
        if (err)
                return err;
        out->data[start] = '{';
        return mw_buf_append(out, "}", 1);
}

mw_err_t
mw_event_payload_json(const struct mw_event *ev, struct mw_buf *out)
{
        if ((unsigned)ev->kind >= MW_KIND_COUNT)
                return MW_ERR_INVALID;
        return json_record(ev, (int)ev->kind, out);
}

mw_err_t
mw_event_json(const struct mw_event *ev, struct mw_buf *out)
{
        return json_record(ev, MW_REC_HEADER, out);
}
