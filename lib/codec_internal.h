/* Internal: test hooks of the codec. */
#ifndef MIDWAY_LIB_CODEC_INTERNAL_H
#define MIDWAY_LIB_CODEC_INTERNAL_H

#include "midway/codec.h"

#include "avro_alloc.h"

/* Allocation statistics of the codec's last decode that reached the Avro
 * body (borrowed; valid until the next decode or mw_codec_destroy()). */
const struct mw_avro_alloc_scope *
mw_codec_last_decode(const struct mw_codec *codec);

#endif
