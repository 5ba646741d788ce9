/* midway: Confluent wire framing (magic byte, big-endian schema id). */
#include "midway/frame.h"

void
mw_frame_write_header(uint8_t out[MW_FRAME_HDRLEN], int32_t schema_id)
{
        uint32_t id = (uint32_t)schema_id;

        out[0] = MW_FRAME_MAGIC;
        out[1] = (uint8_t)(id >> 24);
        out[2] = (uint8_t)(id >> 16);
        out[3] = (uint8_t)(id >> 8);
        out[4] = (uint8_t)id;
}

mw_err_t
mw_frame_parse(const void *buf, size_t len, int32_t *schema_id,
               const uint8_t **body, size_t *body_len, char *errstr,
               size_t errstr_size)
{
        const uint8_t *p = buf;
        uint32_t id;

        if (!p || len < MW_FRAME_HDRLEN)
                return mw_errf(errstr, errstr_size, MW_ERR_DECODE,
                               "frame: %zu bytes, shorter than the %d-byte "
                               "header",
                               len, MW_FRAME_HDRLEN);
        if (p[0] != MW_FRAME_MAGIC)
                return mw_errf(errstr, errstr_size, MW_ERR_DECODE,
                               "frame: bad magic byte 0x%02x", p[0]);
        id = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 |
             (uint32_t)p[4];
        if (id > INT32_MAX)
                return mw_errf(errstr, errstr_size, MW_ERR_DECODE,
                               "frame: negative schema id");
        *schema_id = (int32_t)id;
        *body = p + MW_FRAME_HDRLEN;
        *body_len = len - MW_FRAME_HDRLEN;
        return MW_OK;
}
