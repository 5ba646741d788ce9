/* midway: the field table of a registration.
 *
 * One row per field of schemas/registration.avsc, in the schema's order:
 * first the header record (Registration), then each kind's payload
 * record in enum mw_kind order. A row says where the field lives in
 * struct mw_event, how it travels (its Avro type and nullability), which
 * code list or alphabet it is checked against and which column of the
 * municipalities' export (docs/input-format.md) carries it.
 *
 * The Avro encoders and the decoder (lib/wire), the JSON form and the
 * per-field validation (lib/event), the export reader (lib/ingest) and
 * midway-gen walk this table instead of naming fields themselves.
 * tests/unit/test_fields.c proves, at every build, that the table and
 * schemas/registration.avsc list the same fields with the same types in
 * the same order. How to add a field or a kind: docs/architecture.md,
 * "Adding a field or a kind". */
#ifndef MIDWAY_FIELDS_H
#define MIDWAY_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "midway/codes.h"
#include "midway/event.h"

/* The record of the header fields (the kinds' records are enum mw_kind). */
#define MW_REC_HEADER (-1)

/* How a field travels, and its C member. */
enum mw_ftype {
        MW_FT_STRING,     /* "string"; char[size], required */
        MW_FT_UUID,       /* string, logicalType uuid; char[size] */
        MW_FT_INT,        /* "int"; int32_t */
        MW_FT_DATE,       /* int, logicalType date; int32_t days */
        MW_FT_TIMESTAMP,  /* long, logicalType timestamp-millis; int64_t */
        MW_FT_ACTION,     /* "string" holding mw_action_name(); enum */
        MW_FT_OPT_STRING, /* ["null", "string"] default null; "" is null */
        MW_FT_OPT_DATE,   /* ["null", date] default null; MW_DATE_NONE */
        MW_FT_CODES,      /* array of string; int count + char[][33] */
        MW_FT_OPT_CODES,  /* ["null", array of string] default null; plus
                             an int "has" flag, 0 is null */
        MW_FT_PAYLOAD,    /* union of the kinds' records */
};

/* Flags. */
#define MW_FF_DERIVED                                                          \
        1u /* the export reader derives an empty column                        \
              (maalgruppe, koen, aldersgruppe): midway-gen                     \
              leaves the column out */
#define MW_FF_ID_IF_SET                                                        \
        2u /* a column added after exports existed: it                         \
              joins the event id only when not empty, so                       \
              the ids of older exports do not change */

struct mw_field {
        int record; /* MW_REC_HEADER or enum mw_kind */
        enum mw_ftype type;
        const char *name;     /* the Avro field name */
        size_t offset;        /* of the member in struct mw_event */
        size_t size;          /* strings: the buffer; code arrays: one item */
        size_t count_off;     /* code arrays: the int item count */
        size_t has_off;       /* MW_FT_OPT_CODES: the int "has" flag */
        int max_items;        /* code arrays: at most this many */
        int codelist;         /* enum mw_codelist, or -1 */
        const char *alphabet; /* free identifiers: the characters allowed
                                 besides A-Z a-z 0-9; NULL for codes */
        const char *column;   /* the Danish export column, NULL if none */
        unsigned flags;       /* MW_FF_* */
};

/* A kind: its name (mw_kind_name(), the event.kind column), the name of
 * its payload record in the schema, and the haendelse word of the
 * municipalities' export (the reader also takes the name). */
struct mw_kind_info {
        const char *name;
        const char *record;
        const char *word_da;
};

/* The kind's row; NULL for an unknown kind. */
const struct mw_kind_info *mw_kind_info(enum mw_kind kind);

/* All fields, header first, then each kind's record. *n is set. */
const struct mw_field *mw_fields(size_t *n);

/* The fields of one record (MW_REC_HEADER or a kind), in schema order;
 * NULL and *n = 0 for an unknown record. */
const struct mw_field *mw_fields_of(int record, size_t *n);

/* The member of field f in ev (the pointers point into ev). */
static inline char *
mw_field_str(struct mw_event *ev, const struct mw_field *f)
{
        return (char *)ev + f->offset;
}

static inline const char *
mw_field_cstr(const struct mw_event *ev, const struct mw_field *f)
{
        return (const char *)ev + f->offset;
}

/* MW_FT_INT, MW_FT_DATE, MW_FT_OPT_DATE. */
static inline int32_t *
mw_field_i32(struct mw_event *ev, const struct mw_field *f)
{
        return (int32_t *)(void *)((char *)ev + f->offset);
}

static inline int32_t
mw_field_ci32(const struct mw_event *ev, const struct mw_field *f)
{
        return *(const int32_t *)(const void *)((const char *)ev + f->offset);
}

/* MW_FT_TIMESTAMP. */
static inline int64_t
mw_field_ci64(const struct mw_event *ev, const struct mw_field *f)
{
        return *(const int64_t *)(const void *)((const char *)ev + f->offset);
}

/* Code arrays: item i, the count, the "has" flag. */
static inline char *
mw_field_item(struct mw_event *ev, const struct mw_field *f, int i)
{
        return (char *)ev + f->offset + (size_t)i * f->size;
}

static inline const char *
mw_field_citem(const struct mw_event *ev, const struct mw_field *f, int i)
{
        return (const char *)ev + f->offset + (size_t)i * f->size;
}

static inline int *
mw_field_count(struct mw_event *ev, const struct mw_field *f)
{
        return (int *)(void *)((char *)ev + f->count_off);
}

static inline int
mw_field_ccount(const struct mw_event *ev, const struct mw_field *f)
{
        return *(const int *)(const void *)((const char *)ev + f->count_off);
}

static inline int *
mw_field_has(struct mw_event *ev, const struct mw_field *f)
{
        return (int *)(void *)((char *)ev + f->has_off);
}

static inline int
mw_field_chas(const struct mw_event *ev, const struct mw_field *f)
{
        return *(const int *)(const void *)((const char *)ev + f->has_off);
}

#endif
