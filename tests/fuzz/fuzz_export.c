/* Fuzz target: a whole municipal export through the reader (mw_export),
 * as midway-producer reads it: project 5 (Frederikshavn), a fixed key and
 * a fixed "now" (2025-06-15 12:00 UTC). The first byte of the input
 * chooses the file name (.csv, .jsonl or .txt, which matters for the
 * format) and whether the encoding is detected or forced; the rest is the
 * file.
 *
 * Besides memory errors (ASan/UBSan) and leaks it checks what the callers
 * rely on; a broken promise aborts:
 *   - no reason, masked row or fatal message holds a run of 6 or more
 *     digits (the CPR mask's rule; inputs are capped at 64 KiB, so line
 *     numbers and columns have at most 5 digits), nor any 10-digit run of
 *     the input;
 *   - an accepted event validates, has a 64-digit hex citizen reference
 *     and no CPR-like run in its intervention reference;
 *   - line numbers increase, and every fatal error comes before the first
 *     row. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/date.h"
#include "midway/export.h"
#include "midway/projects.h"
#include "midway/pseudo.h"
#include "midway/validate.h"

#define MAX_INPUT (64 * 1024)
#define TEST_KEY  "midway-fuzz-key-0123456789abcdef!"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct mw_project *project;
static struct mw_pseudo *ps;

static void
init(void)
{
        char errstr[256];
        size_t n;

        if (ps)
                return;
        if (!mw_projects(&n, errstr, sizeof(errstr)))
                abort();
        project = mw_project_find(5);
        ps = mw_pseudo_new_key(TEST_KEY, strlen(TEST_KEY), errstr,
                               sizeof(errstr));
        if (!project || !ps)
                abort();
}

/* Aborts if s holds a run of 6 or more digits. */
static void
check_no_run(const char *s)
{
        const char *s0 = s;
        size_t d = 0;

        for (; *s; s++) {
                d = *s >= '0' && *s <= '9' ? d + 1 : 0;
                if (d >= 6) {
                        fprintf(stderr, "6-digit run in: %s\n", s0);
                        abort();
                }
        }
}

static int
contains(const char *hay, const uint8_t *needle, size_t len)
{
        size_t n = strlen(hay), i;

        for (i = 0; i + len <= n; i++)
                if (memcmp(hay + i, needle, len) == 0)
                        return 1;
        return 0;
}

/* Aborts if s holds a 10-digit run of the input. */
static void
check_no_input_cpr(const char *s, const uint8_t *in, size_t len)
{
        size_t i, run = 0;

        for (i = 0; i <= len; i++) {
                if (i < len && in[i] >= '0' && in[i] <= '9') {
                        run++;
                        continue;
                }
                if (run >= 10 && contains(s, in + i - 10, 10))
                        abort();
                run = 0;
        }
}

static void
check_text(const char *s, const uint8_t *in, size_t len)
{
        check_no_run(s);
        check_no_input_cpr(s, in, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const names[] = {"export.csv", "export.jsonl",
                                            "export.txt", "export.ndjson"};
        struct mw_export_opts opts;
        struct mw_export *x;
        struct mw_event ev;
        char errstr[512];
        long last = 0, rows = 0;
        unsigned sel;
        FILE *fp;
        mw_err_t err;

        if (size < 1 || size > MAX_INPUT)
                return 0;
        init();
        sel = data[0];
        data++;
        size--;
        opts.project = project;
        opts.ps = ps;
        opts.producer_id = "fuzz";
        opts.now_ms =
            ((int64_t)mw_date_from_ymd(2025, 6, 15) * 86400 + 43200) * 1000;
        /* fmemopen cannot open an empty buffer for reading */
        fp = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
        if (!fp)
                return 0;
        x = mw_export_open(fp, names[sel & 3], &opts, errstr, sizeof(errstr));
        if (!x)
                abort();
        if (sel & 4)
                mw_export_set_encoding(x, (sel & 8) ? MW_EXPORT_ENCODING_CP1252
                                                    : MW_EXPORT_ENCODING_UTF8);
        for (;;) {
                err = mw_export_next(x, &ev, errstr, sizeof(errstr));
                if (err == MW_ERR_NOTFOUND)
                        break;
                if (err != MW_OK && err != MW_ERR_INVALID) {
                        if (rows > 0)
                                abort();
                        check_text(errstr, data, size);
                        break;
                }
                rows++;
                if (mw_export_line(x) <= last)
                        abort();
                last = mw_export_line(x);
                check_text(mw_export_masked_row(x), data, size);
                if (err == MW_ERR_INVALID) {
                        if (errstr[0] == '\0')
                                abort();
                        check_text(errstr, data, size);
                        continue;
                }
                if (mw_event_validate(&ev, errstr, sizeof(errstr)) != MW_OK ||
                    strlen(ev.citizen_ref) != MW_REF_STRLEN)
                        abort();
                if (ev.kind == MW_KIND_INTERVENTION)
                        check_text(ev.u.intervention.intervention_ref, data,
                                   size);
        }
        mw_export_close(x);
        fclose(fp);
        return 0;
}
