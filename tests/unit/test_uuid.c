/* Unit tests: lib/event/uuid.c.
 *
 * Expected values from Python's uuid module, independent of libmidway:
 *   uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
 *   uuid.uuid5(uuid.UUID("3634269f-85fa-447a-b126-7c2499adaa67"), "midway")
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "midway/uuid.h"

/* RFC 4122 appendix C: 6ba7b810-9dad-11d1-80b4-00c04fd430c8 */
static const uint8_t ns_dns[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad,
                                   0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0,
                                   0x4f, 0xd4, 0x30, 0xc8};

static void
test_v5_known(void **state)
{
        char out[MW_UUID_STRLEN + 1];

        (void)state;
        mw_uuid_v5(ns_dns, "python.org", 10, out);
        assert_string_equal(out, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
        mw_uuid_v5(MW_UUID_NS_EVENT, "midway", 6, out);
        assert_string_equal(out, "f7de5a5f-536d-5fd9-8e2f-76ac5c72b752");
}

static void
test_v5_properties(void **state)
{
        char a[MW_UUID_STRLEN + 1];
        char b[MW_UUID_STRLEN + 1];
        static const char name[] = "101|2015-07-01|row 17";

        (void)state;
        /* deterministic */
        mw_uuid_v5(MW_UUID_NS_EVENT, name, strlen(name), a);
        mw_uuid_v5(MW_UUID_NS_EVENT, name, strlen(name), b);
        assert_string_equal(a, b);
        assert_true(mw_uuid_valid(a));
        assert_int_equal(strlen(a), MW_UUID_STRLEN);
        assert_int_equal(a[14], '5');           /* version */
        assert_non_null(strchr("89ab", a[19])); /* variant */
        /* the namespace and every byte of the name count */
        mw_uuid_v5(ns_dns, name, strlen(name), b);
        assert_string_not_equal(a, b);
        mw_uuid_v5(MW_UUID_NS_EVENT, name, strlen(name) - 1, b);
        assert_string_not_equal(a, b);
        /* an empty name is allowed */
        mw_uuid_v5(MW_UUID_NS_EVENT, "", 0, b);
        assert_true(mw_uuid_valid(b));
}

static void
test_namespace(void **state)
{
        (void)state;
        /* documented as 3634269f-85fa-447a-b126-7c2499adaa67 (v4, RFC) */
        assert_int_equal(MW_UUID_NS_EVENT[0], 0x36);
        assert_int_equal(MW_UUID_NS_EVENT[6] >> 4, 4);
        assert_int_equal(MW_UUID_NS_EVENT[8] >> 6, 2);
        assert_int_equal(MW_UUID_NS_EVENT[15], 0x67);
}

static void
test_valid(void **state)
{
        static const char *const good[] = {
            "886313e1-3b8a-5372-9b90-0c9aee199e5d",
            "886313E1-3B8A-5372-9B90-0C9AEE199E5D",
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
        };
        static const char *const bad[] = {
            "",
            "886313e1-3b8a-5372-9b90-0c9aee199e5",
            "886313e1-3b8a-5372-9b90-0c9aee199e5d0",
            "886313e1-3b8a-5372-9b90-0c9aee199e5g",
            "886313e13b8a53729b900c9aee199e5d",
            "886313e1_3b8a-5372-9b90-0c9aee199e5d",
            "886313e1-3b8a-5372-9b900-c9aee199e5d",
            "{886313e1-3b8a-5372-9b90-0c9aee199e5d}",
            " 886313e1-3b8a-5372-9b90-0c9aee199e5d",
            "886313e1-3b8a-5372-9b90-0c9aee199e5d ",
            "886313e1-3b8a-5372-9b90-0c9aee199e\n5",
        };
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                if (!mw_uuid_valid(good[i]))
                        fail_msg("refused: %s", good[i]);
        }
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (mw_uuid_valid(bad[i]))
                        fail_msg("accepted: %s", bad[i]);
        }
        assert_false(mw_uuid_valid(NULL));
}

/* The generator with a pre-hashed namespace against mw_uuid_v5() for
 * names of 0 to 300 bytes (SHA-1 block boundaries included), and the
 * known vectors. */
static void
test_generator(void **state)
{
        char a[MW_UUID_STRLEN + 1], b[MW_UUID_STRLEN + 1];
        unsigned char name[300];
        struct mw_uuid5 *g, *dns;
        uint32_t x = 7;
        size_t len, i;

        (void)state;
        g = mw_uuid5_new(MW_UUID_NS_EVENT);
        dns = mw_uuid5_new(ns_dns);
        assert_non_null(g);
        assert_non_null(dns);
        mw_uuid5_make(dns, "python.org", 10, a);
        assert_string_equal(a, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
        mw_uuid5_make(g, "midway", 6, a);
        assert_string_equal(a, "f7de5a5f-536d-5fd9-8e2f-76ac5c72b752");
        for (len = 0; len <= sizeof(name); len++) {
                for (i = 0; i < len; i++) {
                        x = x * 1103515245u + 12345u;
                        name[i] = (unsigned char)(x >> 16);
                }
                mw_uuid5_make(g, name, len, a);
                mw_uuid_v5(MW_UUID_NS_EVENT, name, len, b);
                assert_string_equal(a, b);
        }
        print_message("generator equals mw_uuid_v5() for %zu names\n", len);
        mw_uuid5_destroy(g);
        mw_uuid5_destroy(dns);
        mw_uuid5_destroy(NULL);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_v5_known),
            cmocka_unit_test(test_v5_properties),
            cmocka_unit_test(test_namespace),
            cmocka_unit_test(test_generator),
            cmocka_unit_test(test_valid),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
