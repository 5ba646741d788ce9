/* midway-report: the report's files, their hashes and data id, and
 * publishing them (report.h): written into DIR.tmp-XXXXXX and renamed into
 * place, so a reader sees the old report or the new one, never a mix. */
#define _GNU_SOURCE /* renameat2(RENAME_EXCHANGE) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "midway/log.h"
#include "report.h"

volatile sig_atomic_t mw_report_stop;

void
mw_report_add_file(struct report *rep, const char *name, struct mw_buf *buf)
{
        struct file *f;

        if (rep->err)
                return;
        f = realloc(rep->files, (rep->n_files + 1) * sizeof(*f));
        if (!f) {
                rep->err = MW_ERR_NOMEM;
                return;
        }
        rep->files = f;
        f = &rep->files[rep->n_files++];
        snprintf(f->name, sizeof(f->name), "%s", name);
        f->buf = *buf; /* takes the allocation */
        memset(buf, 0, sizeof(*buf));
}

static int
sha256_hex(const struct mw_buf *b, char out[65])
{
        unsigned char md[32];
        unsigned int len = 0, i;

        if (!EVP_Digest(b->data ? b->data : "", b->len, md, &len, EVP_sha256(),
                        NULL) ||
            len != 32)
                return -1;
        for (i = 0; i < 32; i++)
                snprintf(out + (size_t)2 * i, 3, "%02x", md[i]);
        return 0;
}

static int
cmp_files(const void *a, const void *b)
{
        return strcmp(((const struct file *)a)->name,
                      ((const struct file *)b)->name);
}

/* The data id: the first 12 hex digits of the SHA-256 of the CSV files. */
int
mw_report_data_id(struct report *rep)
{
        struct mw_buf all = MW_BUF_INIT;
        char hex[65];
        size_t i;
        int rc = 0;

        for (i = 0; i < rep->n_files && !rc; i++)
                if (mw_buf_append(&all, rep->files[i].buf.data,
                                  rep->files[i].buf.len))
                        rc = -1;
        if (!rc && sha256_hex(&all, hex))
                rc = -1;
        mw_buf_release(&all);
        if (!rc)
                snprintf(rep->data_id, sizeof(rep->data_id), "%.12s", hex);
        return rc;
}

void
mw_report_sums(struct report *rep)
{
        struct mw_buf b = MW_BUF_INIT;
        char hex[65];
        size_t i;

        qsort(rep->files, rep->n_files, sizeof(*rep->files), cmp_files);
        for (i = 0; i < rep->n_files && !rep->err; i++) {
                if (sha256_hex(&rep->files[i].buf, hex))
                        rep->err = MW_ERR_INVALID;
                else
                        rep->err = mw_buf_appendf(&b, "%s  %s\n", hex,
                                                  rep->files[i].name);
        }
        mw_report_add_file(rep, "SHA256SUMS", &b);
        mw_buf_release(&b);
}

/* ---- writing
 * ---------------------------------------------------------------------- */

static int
write_file(int dirfd, const struct file *f)
{
        const char *p = f->buf.data ? f->buf.data : "";
        size_t left = f->buf.len;
        int fd = openat(dirfd, f->name, O_WRONLY | O_CREAT | O_EXCL, 0644);

        if (fd < 0)
                return -1;
        while (left) {
                ssize_t w = write(fd, p, left);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0) {
                        close(fd);
                        return -1;
                }
                p += w;
                left -= (size_t)w;
        }
        if (fsync(fd)) {
                close(fd);
                return -1;
        }
        return close(fd);
}

/* Removes the files of a report directory, then the directory. A
 * subdirectory (not ours) stops it. */
static int
remove_report_dir(const char *path)
{
        DIR *dir = opendir(path);
        struct dirent *e;
        int dfd, rc = 0;

        if (!dir)
                return errno == ENOENT ? 0 : -1;
        dfd = dirfd(dir);
        while ((e = readdir(dir)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                if (unlinkat(dfd, e->d_name, 0))
                        rc = -1;
        }
        closedir(dir);
        if (rc == 0 && rmdir(path))
                rc = -1;
        return rc;
}

/* An existing output directory may be replaced if it is empty or holds
 * an earlier report (SHA256SUMS). */
static int
replaceable(const char *path)
{
        char sums_path[4096];
        DIR *dir;
        struct dirent *e;
        int empty = 1;

        snprintf(sums_path, sizeof(sums_path), "%s/SHA256SUMS", path);
        if (access(sums_path, F_OK) == 0)
                return 1;
        dir = opendir(path);
        if (!dir)
                return 0;
        while ((e = readdir(dir)) != NULL)
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                        empty = 0;
        closedir(dir);
        return empty;
}

mw_err_t
mw_report_publish(struct report *rep, char *errstr, size_t errstr_size)
{
        const char *out = rep->opts->out;
        char tmp[4096], old[4096];
        struct stat st;
        int dfd = -1;
        size_t i;
        mw_err_t err = MW_OK;

        if (strlen(out) > sizeof(tmp) - 32)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "--out: path too long");
        if (stat(out, &st) == 0 && (!S_ISDIR(st.st_mode) || !replaceable(out)))
                return mw_errf(errstr, errstr_size, MW_ERR_IO,
                               "%s exists and is not an earlier report "
                               "(no SHA256SUMS); not replacing it",
                               out);
        snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", out);
        if (!mkdtemp(tmp))
                return mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s", tmp,
                               strerror(errno));
        if (chmod(tmp, 0755) || (dfd = open(tmp, O_RDONLY | O_DIRECTORY)) < 0)
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s", tmp,
                              strerror(errno));
        for (i = 0; !err && i < rep->n_files; i++)
                if (write_file(dfd, &rep->files[i]))
                        err =
                            mw_errf(errstr, errstr_size, MW_ERR_IO, "%s/%s: %s",
                                    tmp, rep->files[i].name, strerror(errno));
        if (!err && fsync(dfd))
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "%s: %s", tmp,
                              strerror(errno));
        if (dfd >= 0)
                close(dfd);
        if (!err && mw_report_stop)
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "interrupted");
        if (err) {
                remove_report_dir(tmp);
                return err;
        }
        if (stat(out, &st) != 0) {
                if (rename(tmp, out) == 0)
                        return MW_OK;
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "rename %s: %s",
                              out, strerror(errno));
                remove_report_dir(tmp);
                return err;
        }
        /* swap atomically; the old report ends up in tmp */
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_EXCHANGE) == 0) {
                if (remove_report_dir(tmp))
                        mw_log_warn("could not remove the old report in %s",
                                    tmp);
                return MW_OK;
        }
        if (errno != EINVAL && errno != ENOSYS) {
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "rename %s: %s",
                              out, strerror(errno));
                remove_report_dir(tmp);
                return err;
        }
        /* no RENAME_EXCHANGE on this file system: two renames */
        snprintf(old, sizeof(old), "%s.old-XXXXXX", out);
        if (!mkdtemp(old) || rmdir(old) || rename(out, old) ||
            rename(tmp, out)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_IO, "replace %s: %s",
                              out, strerror(errno));
                remove_report_dir(tmp);
                return err;
        }
        remove_report_dir(old);
        return MW_OK;
}

void
mw_report_release(struct report *rep)
{
        size_t i;

        mw_rtable_release(&rep->table);
        for (i = 0; i < rep->n_past; i++) {
                free(rep->past[i].date.rows);
                free(rep->past[i].shown);
        }
        free(rep->past);
        free(rep->past_file);
        free(rep->app_past);
        for (i = 0; rep->dates && i < rep->n_dates; i++)
                free(rep->dates[i].rows);
        free(rep->dates);
        free(rep->dq);
        for (i = 0; i < rep->n_assess; i++)
                free(rep->assess[i].text);
        free(rep->assess);
        for (i = 0; i < rep->n_files; i++)
                mw_buf_release(&rep->files[i].buf);
        free(rep->files);
}
