/* Internal: the Avro encoder compiled from the schema (lib/wire/codec_plan.c)
 * and the schema helpers both encoders share. Used by lib/wire/codec.c; uses
 * nothing of it. */
#ifndef MIDWAY_LIB_CODEC_PLAN_H
#define MIDWAY_LIB_CODEC_PLAN_H

#include <stdint.h>

#include <avro.h>

#include "midway/buf.h"
#include "midway/err.h"
#include "midway/event.h"

/* The encoder compiled from the schema. NULL if the schema has a field it
 * does not know, lacks one it writes, or on out of memory. Free with
 * mw_enc_plan_destroy(). */
struct mw_enc_plan;
struct mw_enc_plan *mw_enc_plan_new(avro_schema_t schema);
void mw_enc_plan_destroy(struct mw_enc_plan *plan);
/* As mw_codec_encode(), same bytes and messages. */
mw_err_t mw_enc_plan_encode(const struct mw_enc_plan *plan,
                            const struct mw_event *ev, int32_t schema_id,
                            struct mw_buf *out, char *errstr,
                            size_t errstr_size);

/* s with links followed (at most 8). */
avro_schema_t mw_codec_schema_deref(avro_schema_t s);
/* Index of the branch of union u with type type (and, for records, the
 * name name, namespace-tolerant); -1 if there is none. Shared by both
 * encoders so that they choose the same branch. */
int mw_codec_union_branch(avro_schema_t u, avro_type_t type, const char *name);

#endif
