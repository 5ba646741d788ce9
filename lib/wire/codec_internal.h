/* Internal: test hooks of the codec (lib/wire/codec.c). The compiled encoder
 * and the schema helpers are codec_plan.h, which codec.c uses and which
 * uses nothing of codec.c. */
#ifndef MIDWAY_LIB_CODEC_INTERNAL_H
#define MIDWAY_LIB_CODEC_INTERNAL_H

#include <avro.h>

#include "midway/codec.h"

#include "avro_alloc.h"
#include "codec_plan.h"

/* 1 if mw_codec_encode() uses the compiled encoder. */
int mw_codec_has_plan(const struct mw_codec *codec);
/* mw_codec_encode() with avro-c's generic values: the reference the
 * compiled encoder is tested against. */
mw_err_t mw_codec_encode_generic(struct mw_codec *codec,
                                 const struct mw_event *ev, int32_t schema_id,
                                 struct mw_buf *out, char *errstr,
                                 size_t errstr_size);

/* Allocation statistics of the codec's last decode that reached the Avro
 * body (borrowed; valid until the next decode or mw_codec_destroy()). */
const struct mw_avro_alloc_scope *
mw_codec_last_decode(const struct mw_codec *codec);

#endif
