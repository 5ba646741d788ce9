/* midway: Avro encoding and decoding of registrations (avro-c).
 *
 * Encoding always uses the compiled-in schema (schemas/registration.avsc).
 * Decoding uses the *writer's* schema, looked up by the schema id in the
 * Confluent frame, and maps fields by name into struct mw_event, so events
 * from older and newer producer versions decode (avro-c 1.11 cannot apply
 * reader defaults; absent optional fields take their documented defaults,
 * absent required fields are a decode error).
 *
 * Hostile input: every decode runs under an allocation cap proportional
 * to the message size, so a corrupt length cannot make avro-c allocate
 * gigabytes, and memory avro-c leaks on a failed read is reclaimed.
 *
 * A codec handle is not thread-safe (avro-c keeps global error state): use
 * one handle per thread and decode from one thread at a time. */
#ifndef MIDWAY_CODEC_H
#define MIDWAY_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "midway/buf.h"
#include "midway/err.h"
#include "midway/event.h"

struct mw_codec;

/* The compiled-in registration schema, as its original JSON text (this,
 * not avro-c's re-serialisation, is what gets registered). */
const char *mw_codec_schema_json(void);

/* New codec. Returns NULL and fills errstr on failure.
 * Free with mw_codec_destroy(). */
struct mw_codec *mw_codec_new(char *errstr, size_t errstr_size);
void mw_codec_destroy(struct mw_codec *codec);

/* Appends the framed encoding of ev (header with schema_id + Avro body)
 * to out. ev is not validated here (see mw_event_validate()). */
mw_err_t mw_codec_encode(struct mw_codec *codec, const struct mw_event *ev,
                         int32_t schema_id, struct mw_buf *out, char *errstr,
                         size_t errstr_size);

/* Makes a writer schema known under id (the JSON is copied and parsed).
 * Adding an id twice with the same text is a no-op; with another text it
 * is MW_ERR_INVALID. Fails with MW_ERR_INVALID if the JSON is not a
 * record schema with the registration's header fields. */
mw_err_t mw_codec_add_schema(struct mw_codec *codec, int32_t id,
                             const char *json, size_t json_len, char *errstr,
                             size_t errstr_size);
int mw_codec_has_schema(const struct mw_codec *codec, int32_t id);

/* Decodes one framed message into ev. Returns MW_ERR_NOTFOUND (and sets
 * *schema_id) when the writer schema id is unknown: the caller fetches it
 * from the registry, adds it and retries. MW_ERR_DECODE for anything
 * malformed (bad frame, truncated or trailing bytes, wrong types,
 * oversized strings, more problem areas than MW_MAX_AREAS, unknown payload
 * branch); MW_ERR_TOOBIG if the allocation cap was hit. */
mw_err_t mw_codec_decode(struct mw_codec *codec, const void *msg, size_t len,
                         struct mw_event *ev, int32_t *schema_id, char *errstr,
                         size_t errstr_size);

#endif
