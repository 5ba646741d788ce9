/* midway: the producer's acknowledgement journal (see journal.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "midway/journal.h"

struct mw_journal {
        char *acked_path;    /* owned */
        char *done_path;     /* owned */
        FILE *fp;            /* owned: the acked list, appending */
        unsigned char *bits; /* owned: bit per line number */
        size_t nbits;
        long count;
        long valid; /* bytes of the acked list up to its last whole record */
        long size;  /* bytes of the acked list when loaded */
        int done;
        char summary[256];
};

mw_err_t
mw_file_digest(const char *path, char out[MW_DIGEST_HEX + 1], char *errstr,
               size_t errstr_size)
{
        unsigned char buf[65536], md[32];
        unsigned int mdlen = 0;
        EVP_MD_CTX *ctx = NULL;
        FILE *fp;
        size_t n;
        int i;
        mw_err_t err = MW_OK;

        fp = fopen(path, "rb");
        if (!fp)
                return mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s", path,
                               strerror(errno));
        ctx = EVP_MD_CTX_new();
        if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
                err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                              "SHA-256 unavailable");
                goto out;
        }
        while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
                EVP_DigestUpdate(ctx, buf, n);
        if (ferror(fp)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: read error",
                              path);
                goto out;
        }
        EVP_DigestFinal_ex(ctx, md, &mdlen);
        for (i = 0; i < 32; i++)
                snprintf(out + (size_t)i * 2, 3, "%02x", md[i]);
out:
        EVP_MD_CTX_free(ctx);
        fclose(fp);
        return err;
}

static int
set_bit(struct mw_journal *j, long line)
{
        size_t byte, cap;
        unsigned char *p;

        if (line < 0)
                return -1;
        byte = (size_t)line / 8;
        if (byte >= j->nbits) {
                cap = j->nbits ? j->nbits : 1024;
                while (cap <= byte)
                        cap *= 2;
                p = realloc(j->bits, cap);
                if (!p)
                        return -1;
                memset(p + j->nbits, 0, cap - j->nbits);
                j->bits = p;
                j->nbits = cap;
        }
        if (!(j->bits[byte] & (1u << (line % 8)))) {
                j->bits[byte] |= (unsigned char)(1u << (line % 8));
                j->count++;
        }
        return 0;
}

static char *
path_join(const char *dir, const char *digest, const char *ext)
{
        size_t n = strlen(dir) + strlen(digest) + strlen(ext) + 2;
        char *p = malloc(n);

        if (p)
                snprintf(p, n, "%s/%s%s", dir, digest, ext);
        return p;
}

static mw_err_t
load(struct mw_journal *j, char *errstr, size_t errstr_size)
{
        FILE *fp;
        char line[64], *end;
        long v;

        fp = fopen(j->done_path, "r");
        if (fp) {
                j->done = 1;
                if (!fgets(j->summary, sizeof(j->summary), fp))
                        j->summary[0] = '\0';
                j->summary[strcspn(j->summary, "\n")] = '\0';
                fclose(fp);
        }
        fp = fopen(j->acked_path, "r");
        if (!fp)
                return errno == ENOENT
                           ? MW_OK
                           : mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s",
                                     j->acked_path, strerror(errno));
        while (fgets(line, sizeof(line), fp)) {
                if (strchr(line, '\n'))
                        j->valid = ftell(fp);
                errno = 0;
                v = strtol(line, &end, 10);
                /* A torn last record (crash mid-write) is ignored. */
                if (errno || end == line || *end != '\n')
                        continue;
                if (set_bit(j, v) != 0) {
                        fclose(fp);
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "out of memory");
                }
        }
        j->size = ftell(fp);
        fclose(fp);
        return MW_OK;
}

struct mw_journal *
mw_journal_open(const char *dir, const char *digest, char *errstr,
                size_t errstr_size)
{
        struct mw_journal *j;

        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
                mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s", dir,
                        strerror(errno));
                return NULL;
        }
        j = calloc(1, sizeof(*j));
        if (!j || !(j->acked_path = path_join(dir, digest, ".acked")) ||
            !(j->done_path = path_join(dir, digest, ".done"))) {
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                mw_journal_close(j);
                return NULL;
        }
        if (load(j, errstr, errstr_size) != MW_OK) {
                mw_journal_close(j);
                return NULL;
        }
        return j;
}

void
mw_journal_close(struct mw_journal *j)
{
        if (!j)
                return;
        if (j->fp)
                fclose(j->fp);
        free(j->acked_path);
        free(j->done_path);
        free(j->bits);
        free(j);
}

int
mw_journal_is_done(const struct mw_journal *j, char *summary,
                   size_t summary_size)
{
        if (j->done && summary && summary_size)
                snprintf(summary, summary_size, "%s", j->summary);
        return j->done;
}

int
mw_journal_is_acked(const struct mw_journal *j, long line)
{
        size_t byte;

        if (line < 0)
                return 0;
        byte = (size_t)line / 8;
        return byte < j->nbits && (j->bits[byte] & (1u << (line % 8))) != 0;
}

long
mw_journal_count(const struct mw_journal *j)
{
        return j->count;
}

mw_err_t
mw_journal_ack(struct mw_journal *j, long line, char *errstr,
               size_t errstr_size)
{
        if (!j->fp) {
                j->fp = fopen(j->acked_path, "a");
                if (!j->fp)
                        return mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s",
                                       j->acked_path, strerror(errno));
                /* A torn last record (a crash while stdio wrote out its
                 * buffer) is cut off before appending: the first record
                 * would otherwise continue it ("917" + "918\n" reads as
                 * line 917918, which a later resume would skip unsent). */
                if (j->size > j->valid &&
                    ftruncate(fileno(j->fp), (off_t)j->valid) != 0)
                        return mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s",
                                       j->acked_path, strerror(errno));
                j->size = j->valid;
        }
        if (set_bit(j, line) != 0)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        if (fprintf(j->fp, "%ld\n", line) < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s",
                               j->acked_path, strerror(errno));
        return MW_OK;
}

mw_err_t
mw_journal_sync(struct mw_journal *j, char *errstr, size_t errstr_size)
{
        if (j->fp && (fflush(j->fp) != 0 || fsync(fileno(j->fp)) != 0))
                return mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s",
                               j->acked_path, strerror(errno));
        return MW_OK;
}

mw_err_t
mw_journal_complete(struct mw_journal *j, const char *summary, char *errstr,
                    size_t errstr_size)
{
        char *tmp;
        FILE *fp;
        int fd;
        mw_err_t err = MW_OK;

        tmp = malloc(strlen(j->done_path) + 5);
        if (tmp)
                snprintf(tmp, strlen(j->done_path) + 5, "%s.tmp", j->done_path);
        if (!tmp)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        fp = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!fp || fprintf(fp, "%s\n", summary) < 0 || fflush(fp) != 0 ||
            fsync(fileno(fp)) != 0) {
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s", tmp,
                              strerror(errno));
                if (fp)
                        fclose(fp);
                else if (fd >= 0)
                        close(fd);
                goto out;
        }
        if (fclose(fp) != 0 || rename(tmp, j->done_path) != 0) {
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s",
                              j->done_path, strerror(errno));
                goto out;
        }
        if (j->fp) {
                fclose(j->fp);
                j->fp = NULL;
        }
        unlink(j->acked_path);
        j->done = 1;
        snprintf(j->summary, sizeof(j->summary), "%s", summary);
out:
        free(tmp);
        return err;
}
