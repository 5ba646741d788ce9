/* midway: the producer's Avro encoder, compiled from the schema.
 *
 * avro-c's generic values cost a field look-up by name, a union branch
 * selection and allocations for every field of every event. The encoder
 * here walks the compiled-in schema (schemas/registration.avsc) once, when
 * the codec is made, and records for each field, in the schema's order,
 * which member of struct mw_event it is and how it is written (string,
 * int, long, union branch indexes, array). Encoding an event then writes
 * the Avro binary encoding straight into the output buffer.
 *
 * The schema stays the single source of truth: field order and union
 * branch indexes come from it, and a schema with a field this file does
 * not know, or without one it writes, gives no plan (mw_codec_encode()
 * then uses avro-c). tests/unit/test_codec.c checks that both encoders
 * give the same bytes for many random events. Error messages are those
 * of the avro-c path.
 *
 * The two schema helpers both encoders share (following links, choosing
 * a union branch) live here too, so that codec.c uses this file and this
 * file uses nothing of codec.c: one direction only. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>

#include "midway/event.h"
#include "midway/frame.h"

#include "codec_plan.h"

/* Which member of struct mw_event a field is. */
enum src {
        S_EVENT_ID,
        S_PROJECT_ID,
        S_MUNI,
        S_CITIZEN_REF,
        S_KEY_ID,
        S_EVENT_DATE,
        S_REGISTERED_AT,
        S_PRODUCER_ID,
        S_ACTION,
        S_SUPERSEDES,
        S_PAYLOAD,
        S_V_TARGET,
        S_V_BENEFIT,
        S_V_GENDER,
        S_V_AGE,
        S_V_AREAS,
        S_C_CHANNEL,
        S_C_PLACE,
        S_I_REF,
        S_I_CATEGORY,
        S_I_STATUS,
        S_I_START,
        S_I_END,
        S_E_REASON,
        S_P_BENEFIT,
        S_P_AREAS,
        S_COUNT
};

/* How it is written. */
enum shape {
        SH_STRING,     /* string */
        SH_INT,        /* int */
        SH_LONG,       /* long */
        SH_OPT_STRING, /* ["null", "string"]: "" is null */
        SH_OPT_DATE,   /* ["null", int]: MW_DATE_NONE is null */
        SH_AREAS,      /* array of string */
        SH_OPT_AREAS,  /* ["null", array of string]: !has_areas is null */
        SH_PAYLOAD,    /* union of the kinds' records */
};

/* The fields this encoder knows: record (-1 the header, else the kind),
 * name, member, shape. */
static const struct known {
        int record;
        const char *name;
        enum src src;
        enum shape shape;
} known[] = {
    {-1, "event_id", S_EVENT_ID, SH_STRING},
    {-1, "project_id", S_PROJECT_ID, SH_INT},
    {-1, "municipality_code", S_MUNI, SH_INT},
    {-1, "citizen_ref", S_CITIZEN_REF, SH_STRING},
    {-1, "key_id", S_KEY_ID, SH_STRING},
    {-1, "event_date", S_EVENT_DATE, SH_INT},
    {-1, "registered_at", S_REGISTERED_AT, SH_LONG},
    {-1, "producer_id", S_PRODUCER_ID, SH_STRING},
    {-1, "action", S_ACTION, SH_STRING},
    {-1, "supersedes", S_SUPERSEDES, SH_OPT_STRING},
    {-1, "payload", S_PAYLOAD, SH_PAYLOAD},
    {MW_KIND_VISITATION, "target_group", S_V_TARGET, SH_STRING},
    {MW_KIND_VISITATION, "benefit_type", S_V_BENEFIT, SH_STRING},
    {MW_KIND_VISITATION, "gender", S_V_GENDER, SH_STRING},
    {MW_KIND_VISITATION, "age_band", S_V_AGE, SH_STRING},
    {MW_KIND_VISITATION, "problem_areas", S_V_AREAS, SH_AREAS},
    {MW_KIND_CONTACT, "channel", S_C_CHANNEL, SH_STRING},
    {MW_KIND_CONTACT, "place", S_C_PLACE, SH_OPT_STRING},
    {MW_KIND_INTERVENTION, "intervention_ref", S_I_REF, SH_STRING},
    {MW_KIND_INTERVENTION, "category", S_I_CATEGORY, SH_STRING},
    {MW_KIND_INTERVENTION, "status", S_I_STATUS, SH_STRING},
    {MW_KIND_INTERVENTION, "start_date", S_I_START, SH_OPT_DATE},
    {MW_KIND_INTERVENTION, "end_date", S_I_END, SH_OPT_DATE},
    {MW_KIND_EXIT, "reason", S_E_REASON, SH_STRING},
    {MW_KIND_PROFILE, "benefit_type", S_P_BENEFIT, SH_OPT_STRING},
    {MW_KIND_PROFILE, "problem_areas", S_P_AREAS, SH_OPT_AREAS},
};

#define N_KNOWN  (sizeof(known) / sizeof(known[0]))
#define MAX_OPS  16
#define N_RECORD (MW_KIND_COUNT + 1) /* the header and the kinds */

struct op {
        const char *name; /* the field's, for messages (static) */
        unsigned char src;
        unsigned char shape;
        unsigned char null_idx; /* union branch of null */
        unsigned char val_idx;  /* union branch of the value */
};

struct record_plan {
        struct op ops[MAX_OPS];
        int n;
        int branch; /* kinds: the payload union's branch */
};

struct mw_enc_plan {
        struct record_plan rec[N_RECORD]; /* [0] the header, [1 + kind] */
};

/* ---- schema helpers shared with codec.c ------------------------------ */

avro_schema_t
mw_codec_schema_deref(avro_schema_t s)
{
        int i;

        for (i = 0; i < 8 && is_avro_link(s); i++)
                s = avro_schema_link_target(s);
        return s;
}

int
mw_codec_union_branch(avro_schema_t u, avro_type_t type, const char *name)
{
        avro_schema_t b;
        enum mw_kind kind_b, kind_n;
        size_t i, n;

        n = avro_schema_union_size(u);
        for (i = 0; i < n && i < INT_MAX; i++) {
                b = mw_codec_schema_deref(avro_schema_union_branch(u, (int)i));
                if (!b || avro_typeof(b) != type)
                        continue;
                if (!name)
                        return (int)i;
                if (mw_kind_from_record(avro_schema_name(b), &kind_b) &&
                    mw_kind_from_record(name, &kind_n) && kind_b == kind_n)
                        return (int)i;
        }
        return -1;
}

/* ---- building the plan from the schema ------------------------------ */

static int
is_string_array(avro_schema_t s)
{
        return s && avro_typeof(s) == AVRO_ARRAY &&
               mw_codec_schema_deref(avro_schema_array_items(s)) &&
               avro_typeof(mw_codec_schema_deref(avro_schema_array_items(s))) ==
                   AVRO_STRING;
}

/* Union branches of null and of a value of type type; 0 if s is a union
 * with both, in small indexes. */
static int
opt_branches(avro_schema_t s, avro_type_t type, struct op *op)
{
        int null_idx, val_idx;

        if (!s || avro_typeof(s) != AVRO_UNION)
                return -1;
        null_idx = mw_codec_union_branch(s, AVRO_NULL, NULL);
        val_idx = mw_codec_union_branch(s, type, NULL);
        if (null_idx < 0 || val_idx < 0 || null_idx > 63 || val_idx > 63)
                return -1;
        if (type == AVRO_ARRAY && !is_string_array(mw_codec_schema_deref(
                                      avro_schema_union_branch(s, val_idx))))
                return -1;
        op->null_idx = (unsigned char)null_idx;
        op->val_idx = (unsigned char)val_idx;
        return 0;
}

/* Does the field schema s have the shape? Fills the union indexes. */
static int
shape_fits(avro_schema_t s, enum shape shape, struct op *op)
{
        switch (shape) {
        case SH_STRING:
                return s && avro_typeof(s) == AVRO_STRING ? 0 : -1;
        case SH_INT:
                return s && avro_typeof(s) == AVRO_INT32 ? 0 : -1;
        case SH_LONG:
                return s && avro_typeof(s) == AVRO_INT64 ? 0 : -1;
        case SH_OPT_STRING:
                return opt_branches(s, AVRO_STRING, op);
        case SH_OPT_DATE:
                return opt_branches(s, AVRO_INT32, op);
        case SH_AREAS:
                return is_string_array(s) ? 0 : -1;
        case SH_OPT_AREAS:
                return opt_branches(s, AVRO_ARRAY, op);
        case SH_PAYLOAD:
                return s && avro_typeof(s) == AVRO_UNION ? 0 : -1;
        }
        return -1;
}

static int plan_record(struct mw_enc_plan *plan, int record, avro_schema_t rs);

/* The payload union: each kind's record branch and its fields. */
static int
plan_payload(struct mw_enc_plan *plan, avro_schema_t u)
{
        avro_schema_t rs;
        int k, idx;

        for (k = 0; k < MW_KIND_COUNT; k++) {
                idx = mw_codec_union_branch(u, AVRO_RECORD,
                                            mw_kind_record((enum mw_kind)k));
                if (idx < 0 || idx > 63)
                        return -1;
                rs = mw_codec_schema_deref(avro_schema_union_branch(u, idx));
                plan->rec[1 + k].branch = idx;
                if (plan_record(plan, k, rs) != 0)
                        return -1;
        }
        return 0;
}

/* The fields of record schema rs, in its order; every known field of the
 * record exactly once, nothing else. */
static int
plan_record(struct mw_enc_plan *plan, int record, avro_schema_t rs)
{
        struct record_plan *rp = &plan->rec[1 + record];
        int seen[N_KNOWN] = {0};
        avro_schema_t fs;
        const char *name;
        size_t i, k, n;

        if (!rs || avro_typeof(rs) != AVRO_RECORD)
                return -1;
        n = avro_schema_record_size(rs);
        if (n > MAX_OPS)
                return -1;
        rp->n = 0;
        for (i = 0; i < n; i++) {
                name = avro_schema_record_field_name(rs, (int)i);
                fs = mw_codec_schema_deref(
                    avro_schema_record_field_get_by_index(rs, (int)i));
                for (k = 0; k < N_KNOWN; k++)
                        if (known[k].record == record && name &&
                            strcmp(known[k].name, name) == 0)
                                break;
                if (k == N_KNOWN || seen[k]++)
                        return -1;
                rp->ops[rp->n].name = known[k].name;
                rp->ops[rp->n].src = (unsigned char)known[k].src;
                rp->ops[rp->n].shape = (unsigned char)known[k].shape;
                if (shape_fits(fs, known[k].shape, &rp->ops[rp->n]) != 0)
                        return -1;
                if (known[k].shape == SH_PAYLOAD && plan_payload(plan, fs) != 0)
                        return -1;
                rp->n++;
        }
        for (k = 0; k < N_KNOWN; k++)
                if (known[k].record == record && !seen[k])
                        return -1;
        return 0;
}

struct mw_enc_plan *
mw_enc_plan_new(avro_schema_t schema)
{
        struct mw_enc_plan *plan = calloc(1, sizeof(*plan));

        if (!plan)
                return NULL;
        if (plan_record(plan, -1, mw_codec_schema_deref(schema)) != 0) {
                free(plan);
                return NULL;
        }
        return plan;
}

void
mw_enc_plan_destroy(struct mw_enc_plan *plan)
{
        free(plan);
}

/* ---- encoding -------------------------------------------------------- */

/* Avro's long: zig-zag, then 7 bits a byte, low first. */
static uint8_t *
put_long(uint8_t *p, int64_t v)
{
        uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);

        while (z > 0x7F) {
                *p++ = (uint8_t)((z & 0x7F) | 0x80);
                z >>= 7;
        }
        *p++ = (uint8_t)z;
        return p;
}

static uint8_t *
put_bytes(uint8_t *p, const char *s, size_t len)
{
        p = put_long(p, (int64_t)len);
        memcpy(p, s, len);
        return p + len;
}

/* A string member: its buffer and size (for the terminator check). */
static void
member_str(const struct mw_event *ev, enum src src, const char **s,
           size_t *size)
{
#define M(field)                                                               \
        do {                                                                   \
                *s = ev->field;                                                \
                *size = sizeof(ev->field);                                     \
        } while (0)
        switch (src) {
        case S_EVENT_ID:
                M(event_id);
                break;
        case S_CITIZEN_REF:
                M(citizen_ref);
                break;
        case S_KEY_ID:
                M(key_id);
                break;
        case S_PRODUCER_ID:
                M(producer_id);
                break;
        case S_SUPERSEDES:
                M(supersedes);
                break;
        case S_V_TARGET:
                M(u.visitation.target_group);
                break;
        case S_V_BENEFIT:
                M(u.visitation.benefit_type);
                break;
        case S_V_GENDER:
                M(u.visitation.gender);
                break;
        case S_V_AGE:
                M(u.visitation.age_band);
                break;
        case S_C_CHANNEL:
                M(u.contact.channel);
                break;
        case S_C_PLACE:
                M(u.contact.place);
                break;
        case S_I_REF:
                M(u.intervention.intervention_ref);
                break;
        case S_I_CATEGORY:
                M(u.intervention.category);
                break;
        case S_I_STATUS:
                M(u.intervention.status);
                break;
        case S_E_REASON:
                M(u.exit.reason);
                break;
        case S_P_BENEFIT:
                M(u.profile.benefit_type);
                break;
        default:
                *s = "";
                *size = 1;
                break;
        }
#undef M
}

static int64_t
member_num(const struct mw_event *ev, enum src src)
{
        switch (src) {
        case S_PROJECT_ID:
                return ev->project_id;
        case S_MUNI:
                return ev->municipality_code;
        case S_EVENT_DATE:
                return ev->event_date;
        case S_REGISTERED_AT:
                return ev->registered_at;
        case S_I_START:
                return ev->u.intervention.start_date;
        case S_I_END:
                return ev->u.intervention.end_date;
        default:
                return 0;
        }
}

/* A checked string: its length, or -1 (errstr filled) if it fills its
 * buffer without a terminator. */
static long
str_len(const char *s, size_t size, const char *name, char *errstr,
        size_t errstr_size)
{
        size_t len = strnlen(s, size);

        if (len == size) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "encode: field %s is not NUL-terminated", name);
                return -1;
        }
        return (long)len;
}

static uint8_t *
put_areas(uint8_t *p, int n, const char areas[][MW_CODE_MAX + 1], char *errstr,
          size_t errstr_size)
{
        long len;
        int i;

        if (n < 0 || n > MW_MAX_AREAS) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "encode: %d problem areas (0-%d allowed)", n,
                        MW_MAX_AREAS);
                return NULL;
        }
        if (n > 0)
                p = put_long(p, n); /* one block of n items */
        for (i = 0; i < n; i++) {
                len = str_len(areas[i], MW_CODE_MAX + 1, "problem_areas",
                              errstr, errstr_size);
                if (len < 0)
                        return NULL;
                p = put_bytes(p, areas[i], (size_t)len);
        }
        return put_long(p, 0); /* end of the array */
}

static uint8_t *put_record(const struct mw_enc_plan *plan, int record,
                           const struct mw_event *ev, uint8_t *p, char *errstr,
                           size_t errstr_size);

static uint8_t *
put_field(const struct mw_enc_plan *plan, const struct op *op,
          const struct mw_event *ev, uint8_t *p, char *errstr,
          size_t errstr_size)
{
        const struct mw_profile *pc = &ev->u.profile;
        const char *s, *rec_name;
        size_t size;
        int64_t v;
        long len;

        switch ((enum shape)op->shape) {
        case SH_STRING:
        case SH_OPT_STRING:
                if (op->src == S_ACTION) {
                        s = mw_action_name(ev->action); /* checked before */
                        size = strlen(s) + 1;
                } else {
                        member_str(ev, (enum src)op->src, &s, &size);
                }
                len = str_len(s, size, op->name, errstr, errstr_size);
                if (len < 0)
                        return NULL;
                if (op->shape == SH_OPT_STRING)
                        p = put_long(p, len == 0 ? op->null_idx : op->val_idx);
                if (op->shape == SH_STRING || len > 0)
                        p = put_bytes(p, s, (size_t)len);
                return p;
        case SH_INT:
        case SH_LONG:
                return put_long(p, member_num(ev, (enum src)op->src));
        case SH_OPT_DATE:
                v = member_num(ev, (enum src)op->src);
                if (v == MW_DATE_NONE)
                        return put_long(p, op->null_idx);
                p = put_long(p, op->val_idx);
                return put_long(p, v);
        case SH_AREAS:
                return put_areas(p, ev->u.visitation.n_areas,
                                 ev->u.visitation.areas, errstr, errstr_size);
        case SH_OPT_AREAS:
                if (!pc->has_areas)
                        return put_long(p, op->null_idx);
                p = put_long(p, op->val_idx);
                return put_areas(p, pc->n_areas, pc->areas, errstr,
                                 errstr_size);
        case SH_PAYLOAD:
                rec_name = mw_kind_record(ev->kind);
                if (!rec_name) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "encode: unknown kind %d", (int)ev->kind);
                        return NULL;
                }
                p = put_long(p, plan->rec[1 + ev->kind].branch);
                return put_record(plan, ev->kind, ev, p, errstr, errstr_size);
        }
        return NULL;
}

static uint8_t *
put_record(const struct mw_enc_plan *plan, int record,
           const struct mw_event *ev, uint8_t *p, char *errstr,
           size_t errstr_size)
{
        const struct record_plan *rp = &plan->rec[1 + record];
        int i;

        for (i = 0; i < rp->n && p; i++)
                p = put_field(plan, &rp->ops[i], ev, p, errstr, errstr_size);
        return p;
}

mw_err_t
mw_enc_plan_encode(const struct mw_enc_plan *plan, const struct mw_event *ev,
                   int32_t schema_id, struct mw_buf *out, char *errstr,
                   size_t errstr_size)
{
        /* Every string is at most its buffer in *ev (the action name is
         * shorter than any), every number or count at most 10 bytes. */
        const size_t bound = sizeof(*ev) + (size_t)64 * 10;
        size_t start = out->len;
        uint8_t *dst, *p;
        mw_err_t err;

        if (!mw_action_name(ev->action))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "encode: unknown action %d", (int)ev->action);
        err = mw_buf_reserve(out, MW_FRAME_HDRLEN + bound);
        if (err)
                return mw_errf(errstr, errstr_size, err,
                               "encode: cannot grow the output buffer");
        dst = (uint8_t *)out->data + start;
        mw_frame_write_header(dst, schema_id);
        p = put_record(plan, -1, ev, dst + MW_FRAME_HDRLEN, errstr,
                       errstr_size);
        if (!p) {
                if (out->data)
                        out->data[out->len] = '\0';
                return MW_ERR_INVALID;
        }
        out->len = start + (size_t)(p - dst);
        out->data[out->len] = '\0';
        return MW_OK;
}
