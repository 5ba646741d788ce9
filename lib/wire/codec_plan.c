/* midway: the producer's Avro encoder, compiled from the schema.
 *
 * avro-c's generic values cost a field look-up by name, a union branch
 * selection and allocations for every field of every event. The encoder
 * here walks the compiled-in schema (schemas/registration.avsc) once, when
 * the codec is made, and records for each field, in the schema's order,
 * its row of the field table (midway/fields.h: the member of struct
 * mw_event and how it is written) and its union branch indexes. Encoding
 * an event then writes the Avro binary encoding straight into the output
 * buffer.
 *
 * The schema stays the single source of truth: field order and union
 * branch indexes come from it, and a schema with a field the table does
 * not list, or without one it lists, gives no plan (mw_codec_encode()
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
#include "midway/fields.h"
#include "midway/frame.h"

#include "codec_plan.h"

#define MAX_OPS  16
#define N_RECORD (MW_KIND_COUNT + 1) /* the header and the kinds */

struct op {
        const struct mw_field *f; /* its row of the field table (static) */
        unsigned char null_idx;   /* union branch of null */
        unsigned char val_idx;    /* union branch of the value */
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
        avro_schema_t items;

        if (!s || avro_typeof(s) != AVRO_ARRAY)
                return 0;
        items = mw_codec_schema_deref(avro_schema_array_items(s));
        return items && avro_typeof(items) == AVRO_STRING;
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

/* Does the field schema s have the table type's shape? Fills the union
 * indexes. */
static int
shape_fits(avro_schema_t s, enum mw_ftype type, struct op *op)
{
        switch (type) {
        case MW_FT_STRING:
        case MW_FT_UUID:
        case MW_FT_ACTION:
                return s && avro_typeof(s) == AVRO_STRING ? 0 : -1;
        case MW_FT_INT:
        case MW_FT_DATE:
                return s && avro_typeof(s) == AVRO_INT32 ? 0 : -1;
        case MW_FT_TIMESTAMP:
                return s && avro_typeof(s) == AVRO_INT64 ? 0 : -1;
        case MW_FT_OPT_STRING:
                return opt_branches(s, AVRO_STRING, op);
        case MW_FT_OPT_DATE:
                return opt_branches(s, AVRO_INT32, op);
        case MW_FT_CODES:
                return is_string_array(s) ? 0 : -1;
        case MW_FT_OPT_CODES:
                return opt_branches(s, AVRO_ARRAY, op);
        case MW_FT_PAYLOAD:
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

/* The fields of record schema rs, in its order; every field the table
 * lists for the record exactly once, nothing else. */
static int
plan_record(struct mw_enc_plan *plan, int record, avro_schema_t rs)
{
        struct record_plan *rp = &plan->rec[1 + record];
        const struct mw_field *known;
        int seen[MAX_OPS] = {0};
        avro_schema_t fs;
        const char *name;
        size_t i, k, n, n_known;

        known = mw_fields_of(record, &n_known);
        if (!rs || avro_typeof(rs) != AVRO_RECORD || n_known > MAX_OPS)
                return -1;
        n = avro_schema_record_size(rs);
        if (n > MAX_OPS)
                return -1;
        rp->n = 0;
        for (i = 0; i < n; i++) {
                name = avro_schema_record_field_name(rs, (int)i);
                fs = mw_codec_schema_deref(
                    avro_schema_record_field_get_by_index(rs, (int)i));
                for (k = 0; k < n_known; k++)
                        if (name && strcmp(known[k].name, name) == 0)
                                break;
                if (k == n_known || seen[k]++)
                        return -1;
                rp->ops[rp->n].f = &known[k];
                if (shape_fits(fs, known[k].type, &rp->ops[rp->n]) != 0)
                        return -1;
                if (known[k].type == MW_FT_PAYLOAD &&
                    plan_payload(plan, fs) != 0)
                        return -1;
                rp->n++;
        }
        for (k = 0; k < n_known; k++)
                if (!seen[k])
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
put_codes(uint8_t *p, const struct mw_field *f, const struct mw_event *ev,
          char *errstr, size_t errstr_size)
{
        int n = mw_field_ccount(ev, f), i;
        const char *item;
        long len;

        if (n < 0 || n > f->max_items) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "encode: %d problem areas (0-%d allowed)", n,
                        f->max_items);
                return NULL;
        }
        if (n > 0)
                p = put_long(p, n); /* one block of n items */
        for (i = 0; i < n; i++) {
                item = mw_field_citem(ev, f, i);
                len = str_len(item, f->size, f->name, errstr, errstr_size);
                if (len < 0)
                        return NULL;
                p = put_bytes(p, item, (size_t)len);
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
        const struct mw_field *f = op->f;
        const char *s;
        size_t size;
        int64_t v;
        long len;

        switch (f->type) {
        case MW_FT_STRING:
        case MW_FT_UUID:
        case MW_FT_ACTION:
        case MW_FT_OPT_STRING:
                if (f->type == MW_FT_ACTION) {
                        s = mw_action_name(ev->action); /* checked before */
                        size = strlen(s) + 1;
                } else {
                        s = mw_field_cstr(ev, f);
                        size = f->size;
                }
                len = str_len(s, size, f->name, errstr, errstr_size);
                if (len < 0)
                        return NULL;
                if (f->type == MW_FT_OPT_STRING)
                        p = put_long(p, len == 0 ? op->null_idx : op->val_idx);
                if (f->type != MW_FT_OPT_STRING || len > 0)
                        p = put_bytes(p, s, (size_t)len);
                return p;
        case MW_FT_INT:
        case MW_FT_DATE:
                return put_long(p, mw_field_ci32(ev, f));
        case MW_FT_TIMESTAMP:
                return put_long(p, mw_field_ci64(ev, f));
        case MW_FT_OPT_DATE:
                v = mw_field_ci32(ev, f);
                if (v == MW_DATE_NONE)
                        return put_long(p, op->null_idx);
                p = put_long(p, op->val_idx);
                return put_long(p, v);
        case MW_FT_CODES:
                return put_codes(p, f, ev, errstr, errstr_size);
        case MW_FT_OPT_CODES:
                if (!mw_field_chas(ev, f))
                        return put_long(p, op->null_idx);
                p = put_long(p, op->val_idx);
                return put_codes(p, f, ev, errstr, errstr_size);
        case MW_FT_PAYLOAD:
                if (!mw_kind_record(ev->kind)) {
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
