/* midway: Avro encoding and decoding of registrations with avro-c 1.11.
 *
 * Encoding fills a generic value of the compiled-in schema. Decoding reads
 * the body with a generic value of the *writer's* schema (avro-c's
 * resolved readers cannot apply defaults) and then walks that value by
 * field name into struct mw_event. The read runs inside an allocation
 * scope (avro_alloc.h), which caps what a hostile length can make avro-c
 * allocate and frees what avro-c leaks on a failed read. Error messages
 * name fields and sizes, never values: a message may carry personal
 * data.
 *
 * Why one file of more than 1,000 lines: the avro-c encoder, the checks of
 * a writer schema and the bounded decoder share struct mw_codec and the
 * helpers around avro-c's global error text. The fields themselves are
 * the field table's (midway/fields.h); the direct encoder is in
 * codec_plan.c. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>

#include "midway/codec.h"
#include "midway/fields.h"
#include "midway/frame.h"

#include "avro_alloc.h"
#include "codec_internal.h"
#include "codec_plan.h"
#include "embedded.h"

/* Decode allocation caps: one new block may be as large as the body plus
 * DECODE_SLACK_SINGLE; all blocks of one decode together
 * DECODE_TOTAL_FACTOR times the body plus DECODE_SLACK_TOTAL. */
#define DECODE_SLACK_SINGLE ((size_t)16 * 1024)
#define DECODE_SLACK_TOTAL  ((size_t)64 * 1024)
#define DECODE_TOTAL_FACTOR 16
/* Largest body we decode at all (Kafka's default message cap is 1 MiB). */
#define DECODE_MAX_BODY ((size_t)64 * 1024 * 1024)
/* Nesting limit for writer schemas. */
#define SCHEMA_MAX_DEPTH 32
/* How much of avro-c's (global, accumulating) error text we copy. */
#define AVRO_ERR_MAX 160

struct schema_entry {
        int32_t id;
        char *json;                /* owned, NUL-terminated copy */
        size_t json_len;           /* without the terminator */
        avro_schema_t schema;      /* owned reference */
        avro_value_iface_t *iface; /* owned: generic class of schema */
};

struct mw_codec {
        avro_schema_t schema;         /* owned: the compiled-in schema */
        avro_value_iface_t *iface;    /* owned: its generic class */
        struct schema_entry *writers; /* owned array of writer schemas */
        size_t n_writers;
        size_t cap_writers;
        struct mw_avro_alloc_scope last; /* statistics of the last decode */
        struct mw_enc_plan *plan;        /* owned: encoder, NULL: avro-c */
};

/* Context for the decoding walk: which record we are in, for messages. */
struct dec {
        const char *rec;
        char *errstr;
        size_t errstr_size;
};

enum field_state {
        FIELD_ERROR = -1,
        FIELD_ABSENT = 0, /* not in the writer schema */
        FIELD_NULL = 1,
        FIELD_VALUE = 2,
};

/* ------------------------------------------------------------------ */
/* avro-c helpers */

/* avro-c keeps one global error buffer that failed calls prefix onto, so
 * it is cleared before every call whose message we may report. */
static void
avro_err_clear(void)
{
        avro_set_error("%s", "");
}

static int
avro_err_len(void)
{
        const char *s = avro_strerror();

        return s ? (int)strnlen(s, AVRO_ERR_MAX) : 0;
}

static const char *
avro_err_text(void)
{
        const char *s = avro_strerror();

        return s ? s : "";
}

static const char *
type_name(avro_type_t t)
{
        switch (t) {
        case AVRO_STRING:
                return "string";
        case AVRO_BYTES:
                return "bytes";
        case AVRO_INT32:
                return "int";
        case AVRO_INT64:
                return "long";
        case AVRO_FLOAT:
                return "float";
        case AVRO_DOUBLE:
                return "double";
        case AVRO_BOOLEAN:
                return "boolean";
        case AVRO_NULL:
                return "null";
        case AVRO_RECORD:
                return "record";
        case AVRO_ENUM:
                return "enum";
        case AVRO_FIXED:
                return "fixed";
        case AVRO_MAP:
                return "map";
        case AVRO_ARRAY:
                return "array";
        case AVRO_UNION:
                return "union";
        case AVRO_LINK:
                return "link";
        }
        return "?";
}

/* ------------------------------------------------------------------ */
/* Writer schema checks */

/* Can a value of s encode to zero bytes? Links are not followed (they
 * are refused if recursive, and a link to an empty record only makes this
 * answer 0, which is safe for the one use below). */
static int
schema_can_be_empty(avro_schema_t s, int depth)
{
        size_t i, n;

        if (depth > SCHEMA_MAX_DEPTH)
                return 0;
        switch (avro_typeof(s)) {
        case AVRO_NULL:
                return 1;
        case AVRO_FIXED:
                return avro_schema_fixed_size(s) == 0;
        case AVRO_RECORD:
                n = avro_schema_record_size(s);
                for (i = 0; i < n && i < INT_MAX; i++) {
                        if (!schema_can_be_empty(
                                avro_schema_record_field_get_by_index(s,
                                                                      (int)i),
                                depth + 1))
                                return 0;
                }
                return 1;
        default:
                return 0;
        }
}

/* State of schema_check_bounded(). */
struct bound_check {
        avro_schema_t path[SCHEMA_MAX_DEPTH]; /* types on the way down */
        avro_schema_t done[64];               /* records checked completely */
        int n_done;
};

/* Refuses what could make decoding unbounded: recursive types (the data
 * could nest as deep as it is long), nesting deeper than SCHEMA_MAX_DEPTH
 * and arrays whose items encode to zero bytes (a 2-byte body could then
 * announce 2^62 items). A record reached again through a link is checked
 * once: if its subtree had a way back to one of its ancestors, the first
 * check would have found that record on its own path. */
static mw_err_t
schema_check_bounded(struct bound_check *bc, avro_schema_t s, int depth,
                     char *errstr, size_t errstr_size)
{
        avro_schema_t t;
        size_t i, n;
        int j;
        mw_err_t err = MW_OK;

        if (depth >= SCHEMA_MAX_DEPTH)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "schema nests deeper than %d levels",
                               SCHEMA_MAX_DEPTH);
        bc->path[depth] = s;
        switch (avro_typeof(s)) {
        case AVRO_LINK:
                t = avro_schema_link_target(s);
                for (j = 0; j < depth; j++) {
                        if (bc->path[j] == t)
                                return mw_errf(errstr, errstr_size,
                                               MW_ERR_INVALID,
                                               "schema is recursive "
                                               "(record %.64s)",
                                               avro_schema_name(t));
                }
                for (j = 0; j < bc->n_done; j++) {
                        if (bc->done[j] == t)
                                return MW_OK;
                }
                return schema_check_bounded(bc, t, depth + 1, errstr,
                                            errstr_size);
        case AVRO_RECORD:
                n = avro_schema_record_size(s);
                for (i = 0; !err && i < n && i < INT_MAX; i++)
                        err = schema_check_bounded(
                            bc,
                            avro_schema_record_field_get_by_index(s, (int)i),
                            depth + 1, errstr, errstr_size);
                if (!err &&
                    bc->n_done < (int)(sizeof(bc->done) / sizeof(bc->done[0])))
                        bc->done[bc->n_done++] = s;
                return err;
        case AVRO_ARRAY:
                t = avro_schema_array_items(s);
                if (schema_can_be_empty(t, 0))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "schema has an array of items that "
                                       "encode to zero bytes");
                return schema_check_bounded(bc, t, depth + 1, errstr,
                                            errstr_size);
        case AVRO_MAP:
                return schema_check_bounded(bc, avro_schema_map_values(s),
                                            depth + 1, errstr, errstr_size);
        case AVRO_UNION:
                n = avro_schema_union_size(s);
                for (i = 0; !err && i < n && i < INT_MAX; i++)
                        err = schema_check_bounded(
                            bc, avro_schema_union_branch(s, (int)i), depth + 1,
                            errstr, errstr_size);
                return err;
        default:
                return MW_OK;
        }
}

/* Type of field name of record s, NULL if there is none.
 * (avro_schema_record_field_get() reads an uninitialised value for a
 * missing name in avro-c 1.11.) */
static avro_schema_t
record_field(avro_schema_t s, const char *name)
{
        int idx = avro_schema_record_field_get_index(s, name);

        if (idx < 0)
                return NULL;
        return avro_schema_record_field_get_by_index(s, idx);
}

/* Does a field of writer type s carry a want (possibly in a union)? */
static int
schema_accepts(avro_schema_t s, avro_type_t want)
{
        avro_type_t alt = want == AVRO_INT64 ? AVRO_INT32 : want;

        s = mw_codec_schema_deref(s);
        if (is_avro_union(s))
                return mw_codec_union_branch(s, want, NULL) >= 0 ||
                       mw_codec_union_branch(s, alt, NULL) >= 0;
        return avro_typeof(s) == want || avro_typeof(s) == alt;
}

/* The Avro type a field of table type t carries. */
static avro_type_t
ftype_avro(enum mw_ftype t)
{
        switch (t) {
        case MW_FT_INT:
        case MW_FT_DATE:
        case MW_FT_OPT_DATE:
                return AVRO_INT32;
        case MW_FT_TIMESTAMP:
                return AVRO_INT64;
        case MW_FT_CODES:
        case MW_FT_OPT_CODES:
                return AVRO_ARRAY;
        case MW_FT_PAYLOAD:
                return AVRO_UNION;
        default:
                return AVRO_STRING;
        }
}

static int
ftype_optional(enum mw_ftype t)
{
        return t == MW_FT_OPT_STRING || t == MW_FT_OPT_DATE ||
               t == MW_FT_OPT_CODES;
}

/* A writer schema must be a record with the registration's header fields
 * and a payload union, and decoding it must be bounded. */
static mw_err_t
schema_check_writer(avro_schema_t s, char *errstr, size_t errstr_size)
{
        const struct mw_field *hf;
        struct bound_check bc;
        avro_schema_t f;
        size_t i, n;

        hf = mw_fields_of(MW_REC_HEADER, &n);
        if (!is_avro_record(s))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "schema is not a record");
        for (i = 0; i < n; i++) {
                if (hf[i].type == MW_FT_PAYLOAD)
                        continue; /* below */
                f = record_field(s, hf[i].name);
                if (!f && ftype_optional(hf[i].type))
                        continue;
                if (!f)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "schema lacks field %s", hf[i].name);
                if (!schema_accepts(f, ftype_avro(hf[i].type)))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "schema field %s has the wrong type",
                                       hf[i].name);
        }
        f = record_field(s, "payload");
        if (!f || !is_avro_union(mw_codec_schema_deref(f)))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "schema lacks the payload union");
        bc.n_done = 0;
        return schema_check_bounded(&bc, s, 0, errstr, errstr_size);
}

/* ------------------------------------------------------------------ */
/* Codec handle */

const char *
mw_codec_schema_json(void)
{
        return mw_embed_schema_registration;
}

/* Parses json into a checked writer schema and its generic class. */
static mw_err_t
schema_load(const char *json, size_t json_len, avro_schema_t *schema,
            avro_value_iface_t **iface, char *errstr, size_t errstr_size)
{
        avro_schema_t s = NULL;
        avro_value_iface_t *c = NULL;
        mw_err_t err;

        avro_err_clear();
        if (avro_schema_from_json_length(json, json_len, &s)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "cannot parse schema: %.*s", avro_err_len(),
                              avro_err_text());
                s = NULL;
                goto out;
        }
        err = schema_check_writer(s, errstr, errstr_size);
        if (err)
                goto out;
        c = avro_generic_class_from_schema(s);
        if (!c) {
                err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                              "cannot create a value class: %.*s",
                              avro_err_len(), avro_err_text());
                goto out;
        }
        *schema = s;
        *iface = c;
        s = NULL;
out:
        if (s)
                avro_schema_decref(s);
        avro_err_clear();
        return err;
}

struct mw_codec *
mw_codec_new(char *errstr, size_t errstr_size)
{
        struct mw_codec *codec;
        mw_err_t err;

        mw_avro_alloc_install();
        codec = calloc(1, sizeof(*codec));
        if (!codec) {
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                return NULL;
        }
        err = schema_load(mw_embed_schema_registration,
                          mw_embed_schema_registration_len, &codec->schema,
                          &codec->iface, errstr, errstr_size);
        if (err) {
                free(codec);
                return NULL;
        }
        /* NULL if the schema is not what lib/wire/codec_plan.c knows; then
         * avro-c encodes */
        codec->plan = mw_enc_plan_new(codec->schema);
        return codec;
}

void
mw_codec_destroy(struct mw_codec *codec)
{
        size_t i;

        if (!codec)
                return;
        for (i = 0; i < codec->n_writers; i++) {
                avro_value_iface_decref(codec->writers[i].iface);
                avro_schema_decref(codec->writers[i].schema);
                free(codec->writers[i].json);
        }
        free(codec->writers);
        mw_enc_plan_destroy(codec->plan);
        avro_value_iface_decref(codec->iface);
        avro_schema_decref(codec->schema);
        free(codec);
}

static struct schema_entry *
writer_find(const struct mw_codec *codec, int32_t id)
{
        size_t i;

        for (i = 0; i < codec->n_writers; i++) {
                if (codec->writers[i].id == id)
                        return &codec->writers[i];
        }
        return NULL;
}

mw_err_t
mw_codec_add_schema(struct mw_codec *codec, int32_t id, const char *json,
                    size_t json_len, char *errstr, size_t errstr_size)
{
        struct schema_entry *se, e = {0};
        size_t cap;
        mw_err_t err;

        if (!codec || !json || id < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "add schema: bad argument");
        se = writer_find(codec, id);
        if (se) {
                if (se->json_len == json_len &&
                    memcmp(se->json, json, json_len) == 0)
                        return MW_OK;
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "schema id %d is already known with another "
                               "text",
                               (int)id);
        }
        if (codec->n_writers == codec->cap_writers) {
                cap = codec->cap_writers ? codec->cap_writers * 2 : 4;
                se = realloc(codec->writers, cap * sizeof(*se));
                if (!se)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                codec->writers = se;
                codec->cap_writers = cap;
        }
        e.id = id;
        e.json_len = json_len;
        e.json = malloc(json_len + 1);
        if (!e.json)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        memcpy(e.json, json, json_len);
        e.json[json_len] = '\0';
        err = schema_load(e.json, json_len, &e.schema, &e.iface, errstr,
                          errstr_size);
        if (err) {
                free(e.json);
                return err;
        }
        codec->writers[codec->n_writers++] = e;
        return MW_OK;
}

int
mw_codec_has_schema(const struct mw_codec *codec, int32_t id)
{
        return codec && writer_find(codec, id) != NULL;
}

const struct mw_avro_alloc_scope *
mw_codec_last_decode(const struct mw_codec *codec)
{
        return &codec->last;
}

/* ------------------------------------------------------------------ */
/* Encoding */

static mw_err_t
enc_get(avro_value_t *rec, const char *name, avro_value_t *f, char *errstr,
        size_t errstr_size)
{
        /* (explicit codes where *f stays unset: clang-analyzer cannot see
         * that mw_errf() returns its err argument) */
        if (avro_value_get_by_name(rec, name, f, NULL)) {
                mw_errf(errstr, errstr_size, MW_ERR_ENCODE,
                        "encode: schema has no field %s", name);
                return MW_ERR_ENCODE;
        }
        return MW_OK;
}

/* Checks that the fixed-size buffer s of size bufsize is terminated. */
static mw_err_t
enc_check_str(const char *s, size_t bufsize, const char *name, char *errstr,
              size_t errstr_size)
{
        if (strnlen(s, bufsize) == bufsize)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "encode: field %s is not NUL-terminated", name);
        return MW_OK;
}

static mw_err_t
enc_string(avro_value_t *rec, const char *name, const char *s, size_t bufsize,
           char *errstr, size_t errstr_size)
{
        avro_value_t f;
        mw_err_t err;

        err = enc_check_str(s, bufsize, name, errstr, errstr_size);
        if (!err)
                err = enc_get(rec, name, &f, errstr, errstr_size);
        if (!err && avro_value_set_string(&f, s))
                err = mw_errf(errstr, errstr_size, MW_ERR_ENCODE,
                              "encode: cannot set field %s", name);
        return err;
}

static mw_err_t
enc_int(avro_value_t *rec, const char *name, int32_t v, char *errstr,
        size_t errstr_size)
{
        avro_value_t f;
        mw_err_t err;

        err = enc_get(rec, name, &f, errstr, errstr_size);
        if (!err && avro_value_set_int(&f, v))
                err = mw_errf(errstr, errstr_size, MW_ERR_ENCODE,
                              "encode: cannot set field %s", name);
        return err;
}

static mw_err_t
enc_long(avro_value_t *rec, const char *name, int64_t v, char *errstr,
         size_t errstr_size)
{
        avro_value_t f;
        mw_err_t err;

        err = enc_get(rec, name, &f, errstr, errstr_size);
        if (!err && avro_value_set_long(&f, v))
                err = mw_errf(errstr, errstr_size, MW_ERR_ENCODE,
                              "encode: cannot set field %s", name);
        return err;
}

/* Selects the branch of type type in the union field name; *branch is
 * the branch value. */
static mw_err_t
enc_branch(avro_value_t *rec, const char *name, avro_type_t type,
           const char *rec_name, avro_value_t *branch, char *errstr,
           size_t errstr_size)
{
        avro_value_t f;
        int idx;
        mw_err_t err;

        err = enc_get(rec, name, &f, errstr, errstr_size);
        if (err)
                return err;
        idx = avro_value_get_type(&f) == AVRO_UNION
                  ? mw_codec_union_branch(avro_value_get_schema(&f), type,
                                          rec_name)
                  : -1;
        if (idx < 0 || avro_value_set_branch(&f, idx, branch)) {
                mw_errf(errstr, errstr_size, MW_ERR_ENCODE,
                        "encode: field %s has no %s branch", name,
                        rec_name ? rec_name : type_name(type));
                return MW_ERR_ENCODE;
        }
        return MW_OK;
}

static mw_err_t
enc_null(avro_value_t *rec, const char *name, char *errstr, size_t errstr_size)
{
        avro_value_t b;
        mw_err_t err;

        err = enc_branch(rec, name, AVRO_NULL, NULL, &b, errstr, errstr_size);
        if (!err && avro_value_set_null(&b))
                err = mw_errf(errstr, errstr_size, MW_ERR_ENCODE,
                              "encode: cannot set field %s", name);
        return err;
}

/* "" is null. */
static mw_err_t
enc_opt_string(avro_value_t *rec, const char *name, const char *s,
               size_t bufsize, char *errstr, size_t errstr_size)
{
        avro_value_t b;
        mw_err_t err;

        err = enc_check_str(s, bufsize, name, errstr, errstr_size);
        if (err)
                return err;
        if (s[0] == '\0')
                return enc_null(rec, name, errstr, errstr_size);
        err = enc_branch(rec, name, AVRO_STRING, NULL, &b, errstr, errstr_size);
        if (!err && avro_value_set_string(&b, s))
                err = mw_errf(errstr, errstr_size, MW_ERR_ENCODE,
                              "encode: cannot set field %s", name);
        return err;
}

/* MW_DATE_NONE is null. */
static mw_err_t
enc_opt_date(avro_value_t *rec, const char *name, int32_t v, char *errstr,
             size_t errstr_size)
{
        avro_value_t b;
        mw_err_t err;

        if (v == MW_DATE_NONE)
                return enc_null(rec, name, errstr, errstr_size);
        err = enc_branch(rec, name, AVRO_INT32, NULL, &b, errstr, errstr_size);
        if (!err && avro_value_set_int(&b, v))
                err = mw_errf(errstr, errstr_size, MW_ERR_ENCODE,
                              "encode: cannot set field %s", name);
        return err;
}

static mw_err_t
enc_codes(avro_value_t *arr, const struct mw_field *f,
          const struct mw_event *ev, char *errstr, size_t errstr_size)
{
        int n = mw_field_ccount(ev, f), i;
        avro_value_t el;
        mw_err_t err;

        if (n < 0 || n > f->max_items)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "encode: %d problem areas (0-%d allowed)", n,
                               f->max_items);
        for (i = 0; i < n; i++) {
                err = enc_check_str(mw_field_citem(ev, f, i), f->size, f->name,
                                    errstr, errstr_size);
                if (err)
                        return err;
                if (avro_value_append(arr, &el, NULL) ||
                    avro_value_set_string(&el, mw_field_citem(ev, f, i)))
                        return mw_errf(errstr, errstr_size, MW_ERR_ENCODE,
                                       "encode: cannot append to %s", f->name);
        }
        return MW_OK;
}

static mw_err_t enc_payload(avro_value_t *val, const struct mw_event *ev,
                            char *errstr, size_t errstr_size);

/* One field of record rec, as its table row says. */
static mw_err_t
enc_field(avro_value_t *rec, const struct mw_field *f,
          const struct mw_event *ev, char *errstr, size_t errstr_size)
{
        const char *action;
        avro_value_t arr;
        mw_err_t err;

        switch (f->type) {
        case MW_FT_STRING:
        case MW_FT_UUID:
                return enc_string(rec, f->name, mw_field_cstr(ev, f), f->size,
                                  errstr, errstr_size);
        case MW_FT_ACTION:
                action = mw_action_name(ev->action); /* checked before */
                return enc_string(rec, f->name, action, strlen(action) + 1,
                                  errstr, errstr_size);
        case MW_FT_INT:
        case MW_FT_DATE:
                return enc_int(rec, f->name, mw_field_ci32(ev, f), errstr,
                               errstr_size);
        case MW_FT_TIMESTAMP:
                return enc_long(rec, f->name, mw_field_ci64(ev, f), errstr,
                                errstr_size);
        case MW_FT_OPT_STRING:
                return enc_opt_string(rec, f->name, mw_field_cstr(ev, f),
                                      f->size, errstr, errstr_size);
        case MW_FT_OPT_DATE:
                return enc_opt_date(rec, f->name, mw_field_ci32(ev, f), errstr,
                                    errstr_size);
        case MW_FT_CODES:
                err = enc_get(rec, f->name, &arr, errstr, errstr_size);
                return err ? err : enc_codes(&arr, f, ev, errstr, errstr_size);
        case MW_FT_OPT_CODES:
                if (!mw_field_chas(ev, f))
                        return enc_null(rec, f->name, errstr, errstr_size);
                err = enc_branch(rec, f->name, AVRO_ARRAY, NULL, &arr, errstr,
                                 errstr_size);
                return err ? err : enc_codes(&arr, f, ev, errstr, errstr_size);
        case MW_FT_PAYLOAD:
                return enc_payload(rec, ev, errstr, errstr_size);
        }
        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                       "encode: field %s has no known type", f->name);
}

/* Every field of record (MW_REC_HEADER or a kind), in the table's order. */
static mw_err_t
enc_record(avro_value_t *rec, int record, const struct mw_event *ev,
           char *errstr, size_t errstr_size)
{
        const struct mw_field *f;
        size_t i, n;
        mw_err_t err = MW_OK;

        f = mw_fields_of(record, &n);
        for (i = 0; i < n && !err; i++)
                err = enc_field(rec, &f[i], ev, errstr, errstr_size);
        return err;
}

static mw_err_t
enc_payload(avro_value_t *val, const struct mw_event *ev, char *errstr,
            size_t errstr_size)
{
        const char *rec_name = mw_kind_record(ev->kind);
        avro_value_t p;
        mw_err_t err;

        if (!rec_name)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "encode: unknown kind %d", (int)ev->kind);
        err = enc_branch(val, "payload", AVRO_RECORD, rec_name, &p, errstr,
                         errstr_size);
        if (err)
                return err;
        return enc_record(&p, (int)ev->kind, ev, errstr, errstr_size);
}

mw_err_t
mw_codec_encode(struct mw_codec *codec, const struct mw_event *ev,
                int32_t schema_id, struct mw_buf *out, char *errstr,
                size_t errstr_size)
{
        if (!codec || !ev || !out || schema_id < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "encode: bad argument");
        if (codec->plan)
                return mw_enc_plan_encode(codec->plan, ev, schema_id, out,
                                          errstr, errstr_size);
        return mw_codec_encode_generic(codec, ev, schema_id, out, errstr,
                                       errstr_size);
}

int
mw_codec_has_plan(const struct mw_codec *codec)
{
        return codec->plan != NULL;
}

mw_err_t
mw_codec_encode_generic(struct mw_codec *codec, const struct mw_event *ev,
                        int32_t schema_id, struct mw_buf *out, char *errstr,
                        size_t errstr_size)
{
        avro_value_t val;
        avro_writer_t w = NULL;
        int have_val = 0;
        size_t size = 0, start;
        uint8_t *dst;
        mw_err_t err;

        if (!codec || !ev || !out || schema_id < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "encode: bad argument");
        start = out->len;
        avro_err_clear();
        if (avro_generic_value_new(codec->iface, &val)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                              "encode: cannot create a value");
                goto out;
        }
        have_val = 1;
        if (!mw_action_name(ev->action)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "encode: unknown action %d", (int)ev->action);
                goto out;
        }
        err = enc_record(&val, MW_REC_HEADER, ev, errstr, errstr_size);
        if (err)
                goto out;
        if (avro_value_sizeof(&val, &size) || size > INT64_MAX) {
                err = mw_errf(errstr, errstr_size, MW_ERR_ENCODE,
                              "encode: cannot size the value: %.*s",
                              avro_err_len(), avro_err_text());
                goto out;
        }
        err = mw_buf_reserve(out, MW_FRAME_HDRLEN + size);
        if (err) {
                err = mw_errf(errstr, errstr_size, err,
                              "encode: cannot grow the output buffer");
                goto out;
        }
        dst = (uint8_t *)out->data + start;
        mw_frame_write_header(dst, schema_id);
        w = avro_writer_memory((const char *)dst + MW_FRAME_HDRLEN,
                               (int64_t)size);
        if (!w) {
                err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                              "encode: cannot create a writer");
                goto out;
        }
        if (avro_value_write(w, &val) || avro_writer_tell(w) != (int64_t)size) {
                err = mw_errf(errstr, errstr_size, MW_ERR_ENCODE,
                              "encode: cannot write the value: %.*s",
                              avro_err_len(), avro_err_text());
                goto out;
        }
        out->len = start + MW_FRAME_HDRLEN + size;
out:
        if (w)
                avro_writer_free(w);
        if (have_val)
                avro_value_decref(&val);
        if (out->data)
                out->data[out->len] = '\0';
        avro_err_clear();
        return err;
}

/* ------------------------------------------------------------------ */
/* Decoding: walk the writer's value by field name */

/* Looks up field name in record rec. For FIELD_VALUE, *out is the value
 * with a union unwrapped to its branch. */
static enum field_state
dec_field(struct dec *d, avro_value_t *rec, const char *name, avro_value_t *out)
{
        avro_schema_t rs = mw_codec_schema_deref(avro_value_get_schema(rec));
        avro_value_t f;
        int idx;

        idx = is_avro_record(rs) ? avro_schema_record_field_get_index(rs, name)
                                 : -1;
        if (idx < 0)
                return FIELD_ABSENT;
        if (avro_value_get_by_index(rec, (size_t)idx, &f, NULL)) {
                mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                        "decode: %s.%s: cannot get the field", d->rec, name);
                return FIELD_ERROR;
        }
        if (avro_value_get_type(&f) == AVRO_UNION) {
                if (avro_value_get_current_branch(&f, out)) {
                        mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                                "decode: %s.%s: union without a branch", d->rec,
                                name);
                        return FIELD_ERROR;
                }
        } else {
                *out = f;
        }
        return avro_value_get_type(out) == AVRO_NULL ? FIELD_NULL : FIELD_VALUE;
}

static mw_err_t
dec_type_error(struct dec *d, const char *name, avro_value_t *v,
               const char *want)
{
        return mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                       "decode: %s.%s: writer type %s, expected %s", d->rec,
                       name, type_name(avro_value_get_type(v)), want);
}

/* Resolves a required field: FIELD_VALUE or an error. */
static mw_err_t
dec_required(struct dec *d, avro_value_t *rec, const char *name,
             avro_value_t *v)
{
        switch (dec_field(d, rec, name, v)) {
        case FIELD_VALUE:
                return MW_OK;
        case FIELD_NULL:
                mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                        "decode: %s.%s: null in a required field", d->rec,
                        name);
                break;
        case FIELD_ABSENT:
                mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                        "decode: %s.%s: required field missing from the "
                        "writer schema",
                        d->rec, name);
                break;
        case FIELD_ERROR:
                break;
        }
        return MW_ERR_DECODE; /* explicit: see enc_get() */
}

/* Copies string value v into dst, a buffer of cap + 1 bytes. */
static mw_err_t
dec_str_value(struct dec *d, const char *name, avro_value_t *v, char *dst,
              size_t cap)
{
        const char *s = NULL;
        size_t size = 0, n;

        if (avro_value_get_type(v) != AVRO_STRING)
                return dec_type_error(d, name, v, "string");
        if (avro_value_get_string(v, &s, &size))
                return mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                               "decode: %s.%s: cannot get the string", d->rec,
                               name);
        n = size > 0 ? size - 1 : 0; /* size counts the terminator */
        if (n > cap)
                return mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                               "decode: %s.%s: %zu bytes, longer than %zu",
                               d->rec, name, n, cap);
        if (n > 0 && (!s || memchr(s, '\0', n)))
                return mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                               "decode: %s.%s: string contains a NUL byte",
                               d->rec, name);
        if (n > 0)
                memcpy(dst, s, n);
        dst[n] = '\0';
        return MW_OK;
}

static mw_err_t
dec_string(struct dec *d, avro_value_t *rec, const char *name, char *dst,
           size_t cap)
{
        avro_value_t v;
        mw_err_t err;

        err = dec_required(d, rec, name, &v);
        if (!err)
                err = dec_str_value(d, name, &v, dst, cap);
        return err;
}

/* Absent or null is "". */
static mw_err_t
dec_opt_string(struct dec *d, avro_value_t *rec, const char *name, char *dst,
               size_t cap)
{
        avro_value_t v;

        dst[0] = '\0';
        switch (dec_field(d, rec, name, &v)) {
        case FIELD_VALUE:
                return dec_str_value(d, name, &v, dst, cap);
        case FIELD_NULL:
        case FIELD_ABSENT:
                return MW_OK;
        case FIELD_ERROR:
                break;
        }
        return MW_ERR_DECODE;
}

static mw_err_t
dec_int_value(struct dec *d, const char *name, avro_value_t *v, int32_t *out)
{
        if (avro_value_get_type(v) != AVRO_INT32)
                return dec_type_error(d, name, v, "int");
        if (avro_value_get_int(v, out))
                return mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                               "decode: %s.%s: cannot get the int", d->rec,
                               name);
        return MW_OK;
}

static mw_err_t
dec_int(struct dec *d, avro_value_t *rec, const char *name, int32_t *out)
{
        avro_value_t v;
        mw_err_t err;

        err = dec_required(d, rec, name, &v);
        if (!err)
                err = dec_int_value(d, name, &v, out);
        return err;
}

/* A long field also accepts an int writer (Avro promotion). */
static mw_err_t
dec_long(struct dec *d, avro_value_t *rec, const char *name, int64_t *out)
{
        avro_value_t v;
        int32_t i = 0;
        mw_err_t err;

        err = dec_required(d, rec, name, &v);
        if (err)
                return err;
        if (avro_value_get_type(&v) == AVRO_INT32) {
                err = dec_int_value(d, name, &v, &i);
                *out = i;
                return err;
        }
        if (avro_value_get_type(&v) != AVRO_INT64)
                return dec_type_error(d, name, &v, "long");
        if (avro_value_get_long(&v, out))
                return mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                               "decode: %s.%s: cannot get the long", d->rec,
                               name);
        return MW_OK;
}

/* Absent or null is MW_DATE_NONE; so is a date equal to it, which no
 * valid event carries. */
static mw_err_t
dec_opt_date(struct dec *d, avro_value_t *rec, const char *name, int32_t *out)
{
        avro_value_t v;

        *out = MW_DATE_NONE;
        switch (dec_field(d, rec, name, &v)) {
        case FIELD_VALUE:
                return dec_int_value(d, name, &v, out);
        case FIELD_NULL:
        case FIELD_ABSENT:
                return MW_OK;
        case FIELD_ERROR:
                break;
        }
        return MW_ERR_DECODE;
}

static mw_err_t
dec_codes(struct dec *d, const struct mw_field *f, avro_value_t *arr,
          struct mw_event *ev)
{
        avro_value_t el;
        size_t i, n = 0;
        mw_err_t err;

        if (avro_value_get_type(arr) != AVRO_ARRAY)
                return dec_type_error(d, f->name, arr, "array");
        if (avro_value_get_size(arr, &n))
                return mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                               "decode: %s.%s: cannot get the array size",
                               d->rec, f->name);
        if (n > (size_t)f->max_items)
                return mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                               "decode: %s.%s: %zu items, more than %d", d->rec,
                               f->name, n, f->max_items);
        for (i = 0; i < n; i++) {
                if (avro_value_get_by_index(arr, i, &el, NULL))
                        return mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                                       "decode: %s.%s: cannot get item %zu",
                                       d->rec, f->name, i);
                err = dec_str_value(d, f->name, &el,
                                    mw_field_item(ev, f, (int)i), f->size - 1);
                if (err)
                        return err;
        }
        *mw_field_count(ev, f) = (int)n;
        return MW_OK;
}

/* An optional array: absent or null leaves the "has" flag 0. */
static mw_err_t
dec_opt_codes(struct dec *d, avro_value_t *rec, const struct mw_field *f,
              struct mw_event *ev)
{
        avro_value_t arr;

        *mw_field_has(ev, f) = 0;
        *mw_field_count(ev, f) = 0;
        switch (dec_field(d, rec, f->name, &arr)) {
        case FIELD_VALUE:
                *mw_field_has(ev, f) = 1;
                return dec_codes(d, f, &arr, ev);
        case FIELD_NULL:
        case FIELD_ABSENT:
                return MW_OK;
        case FIELD_ERROR:
                break;
        }
        return MW_ERR_DECODE;
}

static mw_err_t
dec_action(struct dec *d, avro_value_t *rec, const struct mw_field *f,
           struct mw_event *ev)
{
        char action[MW_CODE_MAX + 1];
        mw_err_t err;

        err = dec_string(d, rec, f->name, action, MW_CODE_MAX);
        if (!err && !mw_action_parse(action, &ev->action))
                err = mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                              "decode: %s.action: unknown action", d->rec);
        return err;
}

static mw_err_t dec_payload(struct dec *d, avro_value_t *val,
                            struct mw_event *ev);

/* One field of record rec into its member of ev, as its table row says. */
static mw_err_t
dec_one(struct dec *d, avro_value_t *rec, const struct mw_field *f,
        struct mw_event *ev)
{
        avro_value_t arr;
        mw_err_t err;

        switch (f->type) {
        case MW_FT_STRING:
        case MW_FT_UUID:
                return dec_string(d, rec, f->name, mw_field_str(ev, f),
                                  f->size - 1);
        case MW_FT_ACTION:
                return dec_action(d, rec, f, ev);
        case MW_FT_INT:
        case MW_FT_DATE:
                return dec_int(d, rec, f->name, mw_field_i32(ev, f));
        case MW_FT_TIMESTAMP:
                return dec_long(d, rec, f->name,
                                (int64_t *)(void *)((char *)ev + f->offset));
        case MW_FT_OPT_STRING:
                return dec_opt_string(d, rec, f->name, mw_field_str(ev, f),
                                      f->size - 1);
        case MW_FT_OPT_DATE:
                return dec_opt_date(d, rec, f->name, mw_field_i32(ev, f));
        case MW_FT_CODES:
                err = dec_required(d, rec, f->name, &arr);
                return err ? err : dec_codes(d, f, &arr, ev);
        case MW_FT_OPT_CODES:
                return dec_opt_codes(d, rec, f, ev);
        case MW_FT_PAYLOAD:
                return dec_payload(d, rec, ev);
        }
        return MW_ERR_DECODE;
}

/* Every field of record (MW_REC_HEADER or a kind), in the table's order. */
static mw_err_t
dec_record(struct dec *d, avro_value_t *rec, int record, struct mw_event *ev)
{
        const struct mw_field *f;
        size_t i, n;
        mw_err_t err = MW_OK;

        f = mw_fields_of(record, &n);
        for (i = 0; i < n && !err; i++)
                err = dec_one(d, rec, &f[i], ev);
        return err;
}

static mw_err_t
dec_payload(struct dec *d, avro_value_t *val, struct mw_event *ev)
{
        avro_value_t p;
        const char *name;
        enum mw_kind kind;
        mw_err_t err;

        err = dec_required(d, val, "payload", &p);
        if (err)
                return err;
        if (avro_value_get_type(&p) != AVRO_RECORD)
                return dec_type_error(d, "payload", &p, "record");
        name =
            avro_schema_name(mw_codec_schema_deref(avro_value_get_schema(&p)));
        if (!name || !mw_kind_from_record(name, &kind))
                return mw_errf(d->errstr, d->errstr_size, MW_ERR_DECODE,
                               "decode: payload branch %.64s is not known",
                               name ? name : "?");
        ev->kind = kind;
        d->rec = mw_kind_record(kind);
        return dec_record(d, &p, (int)kind, ev);
}

/* Reads body (writer schema se) into val and walks it into ev, inside an
 * allocation scope. val is created and destroyed here. */
static mw_err_t
dec_body(struct mw_codec *codec, struct schema_entry *se, const uint8_t *body,
         size_t body_len, struct mw_event *ev, char *errstr, size_t errstr_size)
{
        struct dec d = {"Registration", errstr, errstr_size};
        struct mw_avro_alloc_scope *scope = &codec->last;
        avro_reader_t rd = NULL;
        avro_value_t val;
        int have_val = 0, in_scope = 0;
        char extra;
        mw_err_t err = MW_OK;

        rd = avro_reader_memory((const char *)body, (int64_t)body_len);
        if (!rd) {
                err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                              "decode: cannot create a reader");
                goto out;
        }
        if (mw_avro_alloc_begin(scope, body_len + 1 + DECODE_SLACK_SINGLE,
                                DECODE_TOTAL_FACTOR * body_len +
                                    DECODE_SLACK_TOTAL)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "decode: called from inside a decode");
                goto out;
        }
        in_scope = 1;
        if (avro_generic_value_new(se->iface, &val)) {
                err = mw_errf(errstr, errstr_size,
                              mw_avro_alloc_capped(scope) ? MW_ERR_TOOBIG
                                                          : MW_ERR_NOMEM,
                              "decode: cannot create a value");
                goto out;
        }
        have_val = 1;
        avro_err_clear();
        if (avro_value_read(rd, &val)) {
                if (mw_avro_alloc_capped(scope))
                        err = mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                                      "decode: allocation cap hit (body of "
                                      "%zu bytes, schema id %d)",
                                      body_len, (int)se->id);
                else
                        err = mw_errf(errstr, errstr_size, MW_ERR_DECODE,
                                      "decode: body does not match writer "
                                      "schema %d: %.*s",
                                      (int)se->id, avro_err_len(),
                                      avro_err_text());
                goto out;
        }
        if (mw_avro_alloc_capped(scope)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                              "decode: allocation cap hit (body of %zu "
                              "bytes, schema id %d)",
                              body_len, (int)se->id);
                goto out;
        }
        if (avro_read(rd, &extra, 1) == 0) {
                err = mw_errf(errstr, errstr_size, MW_ERR_DECODE,
                              "decode: trailing bytes after the record "
                              "(schema id %d)",
                              (int)se->id);
                goto out;
        }
        err = dec_record(&d, &val, MW_REC_HEADER, ev);
out:
        if (have_val)
                avro_value_decref(&val);
        if (in_scope)
                mw_avro_alloc_end(scope);
        if (rd)
                avro_reader_free(rd);
        return err;
}

mw_err_t
mw_codec_decode(struct mw_codec *codec, const void *msg, size_t len,
                struct mw_event *ev, int32_t *schema_id, char *errstr,
                size_t errstr_size)
{
        struct schema_entry *se;
        const uint8_t *body = NULL;
        size_t body_len = 0;
        int32_t id = -1;
        mw_err_t err;

        if (!codec || !ev)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "decode: bad argument");
        memset(ev, 0, sizeof(*ev));
        err = mw_frame_parse(msg, len, &id, &body, &body_len, errstr,
                             errstr_size);
        if (err)
                goto out;
        if (schema_id)
                *schema_id = id;
        se = writer_find(codec, id);
        if (!se) {
                err = mw_errf(errstr, errstr_size, MW_ERR_NOTFOUND,
                              "decode: writer schema id %d is not known",
                              (int)id);
                goto out;
        }
        if (body_len > DECODE_MAX_BODY) {
                err = mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                              "decode: body of %zu bytes, more than %zu",
                              body_len, DECODE_MAX_BODY);
                goto out;
        }
        avro_err_clear();
        err = dec_body(codec, se, body, body_len, ev, errstr, errstr_size);
out:
        avro_err_clear();
        if (err)
                memset(ev, 0, sizeof(*ev));
        return err;
}
