/* midway: Confluent wire framing.
 *
 *   byte 0     magic 0x00
 *   bytes 1-4  schema id, big-endian int32 (from the schema registry)
 *   bytes 5-   Avro binary body */
#ifndef MIDWAY_FRAME_H
#define MIDWAY_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "midway/err.h"

#define MW_FRAME_MAGIC  0x00
#define MW_FRAME_HDRLEN 5

void mw_frame_write_header(uint8_t out[MW_FRAME_HDRLEN], int32_t schema_id);

/* Checks magic and length. On success *schema_id, *body and *body_len
 * describe the Avro body (borrowed from buf). Fails with MW_ERR_DECODE on
 * a short buffer, a wrong magic byte or a negative id. */
mw_err_t mw_frame_parse(const void *buf, size_t len, int32_t *schema_id,
                        const uint8_t **body, size_t *body_len, char *errstr,
                        size_t errstr_size);

#endif
