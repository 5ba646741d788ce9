/* midway: deterministic name-based UUIDs (RFC 4122 section 4.3, version 5:
 * SHA-1 over the namespace's 16 bytes followed by the name), computed by
 * libuuid's uuid_generate_sha1() (util-linux, Debian uuid-dev).
 *
 * Until 2026 this was our own code over OpenSSL's SHA-1, with the
 * namespace hashed once per generator. Measured (gcc -O2, 150-byte names,
 * the size of an event id's name; medians of 5 runs of 10^6 calls): ours
 * 237 ns a call, libuuid 450 ns. The producer makes one id per accepted
 * row, and a dry run of a 120,603-row export takes 1.1-1.6 s (about 10 us
 * a row), so the difference is 25 ms, about 2%; in exchange about 60
 * lines of our own go, and with them the event layer's need for libcrypto.
 * Both give the same bytes: 200,000 random names of 0-199 bytes compared
 * equal, and tests/unit/test_uuid.c holds the known vectors. */
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "midway/uuid.h"

/* midway's event namespace, 3634269f-85fa-447a-b126-7c2499adaa67: 16
 * random bytes drawn once (2026) with the version 4 and variant bits set,
 * so the namespace is itself a well-formed UUID. Never change it: every
 * event id ever produced is derived from it, and re-sending an export
 * must give the same ids so the consumer can drop duplicates. */
const uint8_t MW_UUID_NS_EVENT[16] = {0x36, 0x34, 0x26, 0x9f, 0x85, 0xfa,
                                      0x44, 0x7a, 0xb1, 0x26, 0x7c, 0x24,
                                      0x99, 0xad, 0xaa, 0x67};

void
mw_uuid_v5(const uint8_t ns[16], const void *name, size_t len,
           char out[MW_UUID_STRLEN + 1])
{
        uuid_t u;

        uuid_generate_sha1(u, ns, name, len);
        uuid_unparse_lower(u, out);
}

struct mw_uuid5 {
        uint8_t ns[16];
};

struct mw_uuid5 *
mw_uuid5_new(const uint8_t ns[16])
{
        struct mw_uuid5 *g = malloc(sizeof(*g));

        if (g)
                memcpy(g->ns, ns, sizeof(g->ns));
        return g;
}

void
mw_uuid5_destroy(struct mw_uuid5 *g)
{
        free(g);
}

void
mw_uuid5_make(struct mw_uuid5 *g, const void *name, size_t len,
              char out[MW_UUID_STRLEN + 1])
{
        mw_uuid_v5(g->ns, name, len, out);
}

/* 1 for the hex digits 0-9 a-f A-F, by byte value. */
static const unsigned char hex_digit[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1,
    ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['A'] = 1, ['B'] = 1,
    ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1};

/* Any version and variant; hex digits in either case (RFC 4122: "case
 * insensitive on input"). */
int
mw_uuid_valid(const char *s)
{
        int i;

        if (!s)
                return 0;
        for (i = 0; i < MW_UUID_STRLEN; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s[i] != '-')
                                return 0;
                } else if (!hex_digit[(unsigned char)s[i]]) {
                        return 0;
                }
        }
        return s[MW_UUID_STRLEN] == '\0';
}
