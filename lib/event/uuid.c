/* midway: deterministic name-based UUIDs (RFC 4122 section 4.3, version 5:
 * SHA-1 over the namespace's 16 bytes followed by the name). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "midway/uuid.h"

/* midway's event namespace, 3634269f-85fa-447a-b126-7c2499adaa67: 16
 * random bytes drawn once (2026) with the version 4 and variant bits set,
 * so the namespace is itself a well-formed UUID. Never change it: every
 * event id ever produced is derived from it, and re-sending an export
 * must give the same ids so the consumer can drop duplicates. */
const uint8_t MW_UUID_NS_EVENT[16] = {0x36, 0x34, 0x26, 0x9f, 0x85, 0xfa,
                                      0x44, 0x7a, 0xb1, 0x26, 0x7c, 0x24,
                                      0x99, 0xad, 0xaa, 0x67};

static void
format_uuid(const uint8_t u[16], char out[MW_UUID_STRLEN + 1])
{
        static const char hex[] = "0123456789abcdef";
        size_t i, w = 0;

        for (i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        out[w++] = '-';
                out[w++] = hex[u[i] >> 4];
                out[w++] = hex[u[i] & 0xf];
        }
        out[w] = '\0';
}

void
mw_uuid_v5(const uint8_t ns[16], const void *name, size_t len,
           char out[MW_UUID_STRLEN + 1])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        EVP_MD_CTX *ctx;
        uint8_t u[16];

        /* on an OpenSSL failure (out of memory) out is "", which
         * mw_uuid_valid() and mw_event_validate() refuse */
        out[0] = '\0';
        ctx = EVP_MD_CTX_new();
        if (!ctx)
                goto out;
        if (!EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) ||
            !EVP_DigestUpdate(ctx, ns, 16) ||
            !EVP_DigestUpdate(ctx, name, len) ||
            !EVP_DigestFinal_ex(ctx, md, &md_len) || md_len < 16)
                goto out;
        memcpy(u, md, 16);
        u[6] = (uint8_t)((u[6] & 0x0f) | 0x50); /* version 5 */
        u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        format_uuid(u, out);
out:
        EVP_MD_CTX_free(ctx);
}

struct mw_uuid5 {
        EVP_MD *sha1;       /* owned */
        EVP_MD_CTX *ns_ctx; /* owned: SHA-1 after the namespace's bytes */
        EVP_MD_CTX *work;   /* owned: scratch */
};

struct mw_uuid5 *
mw_uuid5_new(const uint8_t ns[16])
{
        struct mw_uuid5 *g = calloc(1, sizeof(*g));

        if (!g)
                return NULL;
        g->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
        g->ns_ctx = EVP_MD_CTX_new();
        g->work = EVP_MD_CTX_new();
        if (!g->sha1 || !g->ns_ctx || !g->work ||
            !EVP_DigestInit_ex(g->ns_ctx, g->sha1, NULL) ||
            !EVP_DigestUpdate(g->ns_ctx, ns, 16)) {
                mw_uuid5_destroy(g);
                return NULL;
        }
        return g;
}

void
mw_uuid5_destroy(struct mw_uuid5 *g)
{
        if (!g)
                return;
        EVP_MD_CTX_free(g->work);
        EVP_MD_CTX_free(g->ns_ctx);
        EVP_MD_free(g->sha1);
        free(g);
}

void
mw_uuid5_make(struct mw_uuid5 *g, const void *name, size_t len,
              char out[MW_UUID_STRLEN + 1])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        uint8_t u[16];

        out[0] = '\0'; /* on failure, as mw_uuid_v5() */
        if (!EVP_MD_CTX_copy_ex(g->work, g->ns_ctx) ||
            !EVP_DigestUpdate(g->work, name, len) ||
            !EVP_DigestFinal_ex(g->work, md, &md_len) || md_len < 16)
                return;
        memcpy(u, md, 16);
        u[6] = (uint8_t)((u[6] & 0x0f) | 0x50); /* version 5 */
        u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        format_uuid(u, out);
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
