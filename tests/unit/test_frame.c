/* Unit tests: Confluent wire framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "midway/frame.h"

static void
test_header_bytes(void **state)
{
        static const struct {
                int32_t id;
                uint8_t bytes[MW_FRAME_HDRLEN];
        } cases[] = {
            {0, {0, 0, 0, 0, 0}},
            {1, {0, 0, 0, 0, 1}},
            {258, {0, 0, 0, 1, 2}},
            {0x12345678, {0, 0x12, 0x34, 0x56, 0x78}},
            {INT32_MAX, {0, 0x7f, 0xff, 0xff, 0xff}},
        };
        uint8_t hdr[MW_FRAME_HDRLEN];
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                mw_frame_write_header(hdr, cases[i].id);
                assert_memory_equal(hdr, cases[i].bytes, MW_FRAME_HDRLEN);
        }
}

static void
test_round_trip(void **state)
{
        uint8_t msg[MW_FRAME_HDRLEN + 3] = {0};
        const uint8_t *body = NULL;
        size_t body_len = 0;
        int32_t id = -1;
        char errstr[128];

        (void)state;
        mw_frame_write_header(msg, 4242);
        msg[5] = 'a';
        msg[6] = 'b';
        msg[7] = 'c';
        assert_int_equal(mw_frame_parse(msg, sizeof(msg), &id, &body, &body_len,
                                        errstr, sizeof(errstr)),
                         MW_OK);
        assert_int_equal(id, 4242);
        assert_ptr_equal(body, msg + MW_FRAME_HDRLEN);
        assert_int_equal(body_len, 3);
}

static void
test_empty_body(void **state)
{
        uint8_t msg[MW_FRAME_HDRLEN];
        const uint8_t *body = NULL;
        size_t body_len = 99;
        int32_t id = -1;
        char errstr[128];

        (void)state;
        mw_frame_write_header(msg, 7);
        assert_int_equal(mw_frame_parse(msg, sizeof(msg), &id, &body, &body_len,
                                        errstr, sizeof(errstr)),
                         MW_OK);
        assert_int_equal(id, 7);
        assert_int_equal(body_len, 0);
}

static void
test_short(void **state)
{
        uint8_t msg[MW_FRAME_HDRLEN] = {0, 0, 0, 0, 1};
        const uint8_t *body;
        size_t body_len, n;
        int32_t id;
        char errstr[128];

        (void)state;
        for (n = 0; n < MW_FRAME_HDRLEN; n++) {
                errstr[0] = '\0';
                assert_int_equal(mw_frame_parse(msg, n, &id, &body, &body_len,
                                                errstr, sizeof(errstr)),
                                 MW_ERR_DECODE);
                assert_non_null(strstr(errstr, "shorter"));
        }
        assert_int_equal(mw_frame_parse(NULL, 10, &id, &body, &body_len, errstr,
                                        sizeof(errstr)),
                         MW_ERR_DECODE);
}

static void
test_bad_magic(void **state)
{
        uint8_t msg[] = {1, 0, 0, 0, 1, 0};
        const uint8_t *body;
        size_t body_len;
        int32_t id;
        char errstr[128];

        (void)state;
        assert_int_equal(mw_frame_parse(msg, sizeof(msg), &id, &body, &body_len,
                                        errstr, sizeof(errstr)),
                         MW_ERR_DECODE);
        assert_non_null(strstr(errstr, "magic"));
        msg[0] = 0xc3; /* single-object encoding is not ours */
        assert_int_equal(mw_frame_parse(msg, sizeof(msg), &id, &body, &body_len,
                                        errstr, sizeof(errstr)),
                         MW_ERR_DECODE);
}

static void
test_negative_id(void **state)
{
        uint8_t msg[] = {0, 0x80, 0, 0, 0, 0};
        const uint8_t *body;
        size_t body_len;
        int32_t id;
        char errstr[128];

        (void)state;
        assert_int_equal(mw_frame_parse(msg, sizeof(msg), &id, &body, &body_len,
                                        errstr, sizeof(errstr)),
                         MW_ERR_DECODE);
        assert_non_null(strstr(errstr, "negative"));
        msg[1] = 0xff;
        assert_int_equal(
            mw_frame_parse(msg, sizeof(msg), &id, &body, &body_len, NULL, 0),
            MW_ERR_DECODE);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_header_bytes),
            cmocka_unit_test(test_round_trip),
            cmocka_unit_test(test_empty_body),
            cmocka_unit_test(test_short),
            cmocka_unit_test(test_bad_magic),
            cmocka_unit_test(test_negative_id),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
