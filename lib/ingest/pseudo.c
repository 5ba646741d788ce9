/* midway: pseudonymisation of CPR numbers (the keyed HMAC; reading,
 * checking and finding CPR numbers is lib/event/cpr.c).
 *
 * Nothing in this file copies a CPR number, or any digit of one, into an
 * error message: messages say what is wrong ("has 9 digits, expected 10")
 * and at most give a position. Buffers that held key material or CPR digits
 * are wiped with OPENSSL_cleanse() before they go out of scope or are
 * freed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "midway/pseudo.h"
#include "pseudo_internal.h"

#define MW_KEYID_BYTES 8 /* key_id = hex of the first 8 bytes of SHA-256 */

#define HMAC_BLOCK 64 /* SHA-256's block size */

/* The HMAC is keyed once: inner and outer hold SHA-256 after the key XOR
 * ipad and opad blocks; each reference copies them into work (no
 * allocation, no algorithm fetch, no key schedule per row). */
struct mw_pseudo {
        size_t key_len;
        unsigned char key[MW_PSEUDO_KEY_MAX]; /* wiped by destroy */
        char key_id[2 * MW_KEYID_BYTES + 1];
        EVP_MD *sha256;    /* owned */
        EVP_MD_CTX *inner; /* owned: keyed, never finalised */
        EVP_MD_CTX *outer; /* owned: keyed, never finalised */
        EVP_MD_CTX *work;  /* owned: scratch of mw_pseudo_ref() */
};

static void
hex_encode(const unsigned char *in, size_t len, char *out)
{
        static const char hex[] = "0123456789abcdef";
        size_t i;

        for (i = 0; i < len; i++) {
                out[2 * i] = hex[in[i] >> 4];
                out[2 * i + 1] = hex[in[i] & 0xf];
        }
        out[2 * len] = '\0';
}

mw_err_t
mw_pseudo_hmac_hex(const void *key, size_t key_len, const void *data,
                   size_t len, char out[MW_REF_STRLEN + 1])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        mw_err_t err = MW_OK;

        out[0] = '\0';
        if (key_len > MW_PSEUDO_KEY_MAX ||
            !HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &md_len) ||
            md_len * 2 != MW_REF_STRLEN) {
                err = MW_ERR_INVALID;
                goto out;
        }
        hex_encode(md, md_len, out);
out:
        OPENSSL_cleanse(md, sizeof(md));
        return err;
}

/* Keys ps->inner and ps->outer with ps->key (RFC 2104: a key longer than
 * the block is hashed first). 0 on success. */
static int
hmac_prepare(struct mw_pseudo *ps)
{
        unsigned char k[HMAC_BLOCK], pad[HMAC_BLOCK];
        unsigned int k_len = 0;
        size_t i;
        int rc = -1;

        memset(k, 0, sizeof(k));
        ps->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
        ps->inner = EVP_MD_CTX_new();
        ps->outer = EVP_MD_CTX_new();
        ps->work = EVP_MD_CTX_new();
        if (!ps->sha256 || !ps->inner || !ps->outer || !ps->work)
                goto out;
        if (ps->key_len > HMAC_BLOCK) {
                if (!EVP_Digest(ps->key, ps->key_len, k, &k_len, ps->sha256,
                                NULL))
                        goto out;
        } else {
                memcpy(k, ps->key, ps->key_len);
        }
        for (i = 0; i < HMAC_BLOCK; i++)
                pad[i] = (unsigned char)(k[i] ^ 0x36);
        if (!EVP_DigestInit_ex(ps->inner, ps->sha256, NULL) ||
            !EVP_DigestUpdate(ps->inner, pad, HMAC_BLOCK))
                goto out;
        for (i = 0; i < HMAC_BLOCK; i++)
                pad[i] = (unsigned char)(k[i] ^ 0x5c);
        if (!EVP_DigestInit_ex(ps->outer, ps->sha256, NULL) ||
            !EVP_DigestUpdate(ps->outer, pad, HMAC_BLOCK))
                goto out;
        rc = 0;
out:
        OPENSSL_cleanse(k, sizeof(k));
        OPENSSL_cleanse(pad, sizeof(pad));
        return rc;
}

struct mw_pseudo *
mw_pseudo_new_key(const void *key, size_t key_len, char *errstr,
                  size_t errstr_size)
{
        struct mw_pseudo *ps = NULL;
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;

        if (!key || key_len < MW_PSEUDO_KEY_MIN) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "pseudonymisation key has %zu bytes, at least %d are "
                        "needed",
                        key ? key_len : 0, MW_PSEUDO_KEY_MIN);
                goto out;
        }
        if (key_len > MW_PSEUDO_KEY_MAX) {
                mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                        "pseudonymisation key has %zu bytes, at most %d are "
                        "allowed",
                        key_len, MW_PSEUDO_KEY_MAX);
                goto out;
        }
        if (!EVP_Digest(key, key_len, md, &md_len, EVP_sha256(), NULL) ||
            md_len < MW_KEYID_BYTES) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "SHA-256 of the pseudonymisation key failed");
                goto out;
        }
        ps = calloc(1, sizeof(*ps));
        if (!ps) {
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                goto out;
        }
        memcpy(ps->key, key, key_len);
        ps->key_len = key_len;
        hex_encode(md, MW_KEYID_BYTES, ps->key_id);
        if (hmac_prepare(ps) != 0) {
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                        "cannot prepare HMAC-SHA256 (out of memory?)");
                mw_pseudo_destroy(ps);
                ps = NULL;
        }
out:
        OPENSSL_cleanse(md, sizeof(md));
        return ps;
}

mw_err_t
mw_pseudo_read_key_file(const char *path, unsigned char key[MW_PSEUDO_KEY_BUF],
                        size_t *key_len, char *errstr, size_t errstr_size)
{
        char why[128];
        size_t len = 0;
        ssize_t got;
        struct stat st;
        int fd;
        mw_err_t err = MW_OK;

        *key_len = 0;
        /* open first and check the open file, so the file checked is the
         * file read */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                strerror_r(errno, why, sizeof(why));
                err = mw_errf(errstr, errstr_size,
                              errno == ENOENT ? MW_ERR_NOTFOUND : MW_ERR_IO,
                              "cannot open key file %s: %s", path, why);
                goto out;
        }
        if (fstat(fd, &st) != 0) {
                strerror_r(errno, why, sizeof(why));
                err = mw_errf(errstr, errstr_size, MW_ERR_IO,
                              "cannot stat key file %s: %s", path, why);
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "key file %s is not a regular file", path);
                goto out;
        }
        if (st.st_mode & (S_IRWXG | S_IRWXO)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_PERM,
                              "key file %s has mode %04o, but group and "
                              "others must have no access; run: chmod 600 %s",
                              path, (unsigned)(st.st_mode & 07777), path);
                goto out;
        }
        while (len < MW_PSEUDO_KEY_BUF) {
                got = read(fd, key + len, MW_PSEUDO_KEY_BUF - len);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        strerror_r(errno, why, sizeof(why));
                        err = mw_errf(errstr, errstr_size, MW_ERR_IO,
                                      "cannot read key file %s: %s", path, why);
                        goto out;
                }
                if (got == 0)
                        break;
                len += (size_t)got;
        }
        if (len == 0) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "key file %s is empty", path);
                goto out;
        }
        if (key[len - 1] == '\n')
                len--;
        if (len > MW_PSEUDO_KEY_MAX) {
                err = mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                              "key file %s holds more than %d bytes", path,
                              MW_PSEUDO_KEY_MAX);
                goto out;
        }
        if (len < MW_PSEUDO_KEY_MIN) {
                err = mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                              "key file %s holds a %zu-byte key, at least %d "
                              "bytes are needed",
                              path, len, MW_PSEUDO_KEY_MIN);
                goto out;
        }
        *key_len = len;
out:
        if (fd >= 0)
                close(fd);
        return err;
}

struct mw_pseudo *
mw_pseudo_new(const char *key_path, char *errstr, size_t errstr_size)
{
        struct mw_pseudo *ps = NULL;
        unsigned char key[MW_PSEUDO_KEY_BUF];
        size_t len;

        if (mw_pseudo_read_key_file(key_path, key, &len, errstr, errstr_size) ==
            MW_OK)
                ps = mw_pseudo_new_key(key, len, errstr, errstr_size);
        OPENSSL_cleanse(key, sizeof(key));
        return ps;
}

void
mw_pseudo_destroy(struct mw_pseudo *ps)
{
        if (!ps)
                return;
        EVP_MD_CTX_free(ps->work);
        EVP_MD_CTX_free(ps->outer);
        EVP_MD_CTX_free(ps->inner);
        EVP_MD_free(ps->sha256);
        OPENSSL_cleanse(ps, sizeof(*ps));
        free(ps);
}

const char *
mw_pseudo_key_id(const struct mw_pseudo *ps)
{
        return ps->key_id;
}

void
mw_pseudo_ref(const struct mw_pseudo *ps, const char cpr[MW_CPR_LEN],
              char out[MW_REF_STRLEN + 1])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;

        /* on failure out is "", which mw_event_validate() refuses */
        out[0] = '\0';
        if (EVP_MD_CTX_copy_ex(ps->work, ps->inner) &&
            EVP_DigestUpdate(ps->work, cpr, MW_CPR_LEN) &&
            EVP_DigestFinal_ex(ps->work, md, &md_len) &&
            EVP_MD_CTX_copy_ex(ps->work, ps->outer) &&
            EVP_DigestUpdate(ps->work, md, md_len) &&
            EVP_DigestFinal_ex(ps->work, md, &md_len) &&
            md_len * 2 == MW_REF_STRLEN)
                hex_encode(md, md_len, out);
        OPENSSL_cleanse(md, sizeof(md));
}
