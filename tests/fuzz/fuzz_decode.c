/* libFuzzer target: mw_codec_decode() on arbitrary bytes.
 *
 * The codec knows the current schema under ids 1 and 2, an older version
 * (no supersedes, no Contact.place, a plain-int start_date) under id 3
 * and a newer one (a map, a double, bytes, an unknown branch) under id 4,
 * so most inputs get past the frame. Besides the sanitizers, it
 * checks that a decode leaves no avro-c block behind, and that whatever
 * decodes re-encodes and decodes to the same event. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "midway/buf.h"
#include "midway/codec.h"
#include "midway/event.h"

#include "avro_alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char older_schema[] =
    "{\"type\":\"record\",\"name\":\"Registration\",\"namespace\":"
    "\"dk.midway\",\"fields\":["
    "{\"name\":\"event_id\",\"type\":\"string\"},"
    "{\"name\":\"project_id\",\"type\":\"int\"},"
    "{\"name\":\"municipality_code\",\"type\":\"int\"},"
    "{\"name\":\"citizen_ref\",\"type\":\"string\"},"
    "{\"name\":\"key_id\",\"type\":\"string\"},"
    "{\"name\":\"event_date\",\"type\":\"int\"},"
    "{\"name\":\"registered_at\",\"type\":\"long\"},"
    "{\"name\":\"producer_id\",\"type\":\"string\"},"
    "{\"name\":\"action\",\"type\":\"string\"},"
    "{\"name\":\"payload\",\"type\":["
    "{\"type\":\"record\",\"name\":\"Visitation\",\"fields\":["
    "{\"name\":\"target_group\",\"type\":\"string\"},"
    "{\"name\":\"benefit_type\",\"type\":\"string\"},"
    "{\"name\":\"gender\",\"type\":\"string\"},"
    "{\"name\":\"age_band\",\"type\":\"string\"},"
    "{\"name\":\"problem_areas\",\"type\":{\"type\":\"array\","
    "\"items\":\"string\"}}]},"
    "{\"type\":\"record\",\"name\":\"Contact\",\"fields\":["
    "{\"name\":\"channel\",\"type\":\"string\"}]},"
    "{\"type\":\"record\",\"name\":\"Intervention\",\"fields\":["
    "{\"name\":\"intervention_ref\",\"type\":\"string\"},"
    "{\"name\":\"category\",\"type\":\"string\"},"
    "{\"name\":\"status\",\"type\":\"string\"},"
    "{\"name\":\"start_date\",\"type\":\"int\"},"
    "{\"name\":\"end_date\",\"type\":[\"null\",\"int\"]}]},"
    "{\"type\":\"record\",\"name\":\"Exit\",\"fields\":["
    "{\"name\":\"reason\",\"type\":\"string\"}]},"
    "{\"type\":\"record\",\"name\":\"ProfileChange\",\"fields\":["
    "{\"name\":\"benefit_type\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"problem_areas\",\"type\":[\"null\",{\"type\":"
    "\"array\",\"items\":\"string\"}]}]}]}]}";

/* A newer version: extra header fields (one a map), an extra Visitation
 * field and an extra payload branch. */
static const char newer_schema[] =
    "{\"type\":\"record\",\"name\":\"Registration\",\"fields\":["
    "{\"name\":\"note\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"event_id\",\"type\":\"string\"},"
    "{\"name\":\"project_id\",\"type\":\"int\"},"
    "{\"name\":\"municipality_code\",\"type\":\"int\"},"
    "{\"name\":\"citizen_ref\",\"type\":\"string\"},"
    "{\"name\":\"key_id\",\"type\":\"string\"},"
    "{\"name\":\"event_date\",\"type\":\"int\"},"
    "{\"name\":\"registered_at\",\"type\":\"long\"},"
    "{\"name\":\"producer_id\",\"type\":\"string\"},"
    "{\"name\":\"action\",\"type\":\"string\"},"
    "{\"name\":\"supersedes\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"tags\",\"type\":{\"type\":\"map\",\"values\":"
    "\"long\"}},"
    "{\"name\":\"payload\",\"type\":["
    "{\"type\":\"record\",\"name\":\"Visitation\",\"fields\":["
    "{\"name\":\"target_group\",\"type\":\"string\"},"
    "{\"name\":\"benefit_type\",\"type\":\"string\"},"
    "{\"name\":\"gender\",\"type\":\"string\"},"
    "{\"name\":\"age_band\",\"type\":\"string\"},"
    "{\"name\":\"score\",\"type\":\"double\"},"
    "{\"name\":\"problem_areas\",\"type\":{\"type\":\"array\","
    "\"items\":\"string\"}}]},"
    "{\"type\":\"record\",\"name\":\"Transfer\",\"fields\":["
    "{\"name\":\"to\",\"type\":\"bytes\"}]},"
    "{\"type\":\"record\",\"name\":\"Exit\",\"fields\":["
    "{\"name\":\"reason\",\"type\":\"string\"}]}]}]}";

static struct mw_codec *codec; /* owned, for the whole run */

static void
setup(void)
{
        const char *cur = mw_codec_schema_json();
        char errstr[256];

        codec = mw_codec_new(errstr, sizeof(errstr));
        if (!codec ||
            mw_codec_add_schema(codec, 1, cur, strlen(cur), errstr,
                                sizeof(errstr)) ||
            mw_codec_add_schema(codec, 2, cur, strlen(cur), errstr,
                                sizeof(errstr)) ||
            mw_codec_add_schema(codec, 3, older_schema, strlen(older_schema),
                                errstr, sizeof(errstr)) ||
            mw_codec_add_schema(codec, 4, newer_schema, strlen(newer_schema),
                                errstr, sizeof(errstr)))
                abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct mw_event ev, again;
        struct mw_buf buf = MW_BUF_INIT;
        char errstr[256];
        int32_t id = -1;
        size_t live;
        mw_err_t err;

        if (!codec)
                setup();
        live = mw_avro_alloc_live_blocks();
        err = mw_codec_decode(codec, data, size, &ev, &id, errstr,
                              sizeof(errstr));
        if (mw_avro_alloc_live_blocks() != live)
                abort(); /* a decode left an avro-c block behind */
        if (err) {
                if (errstr[0] == '\0')
                        abort(); /* every failure says why */
                return 0;
        }
        /* what decodes must re-encode to something that decodes the same
         * (mw_codec_decode() zeroes the whole struct, padding included) */
        if (mw_codec_encode(codec, &ev, 1, &buf, errstr, sizeof(errstr)) ||
            mw_codec_decode(codec, buf.data, buf.len, &again, &id, errstr,
                            sizeof(errstr)))
                abort();
        /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
        if (memcmp(&ev, &again, sizeof(ev)) != 0)
                abort();
        mw_buf_release(&buf);
        return 0;
}
