/* Fuzz target: one line of a municipal export.
 *
 * The input is copied into a NUL-terminated buffer, split on ';' and on
 * ',' (in place, so each split gets a fresh copy), and also fed to
 * mw_date_parse(), mw_cpr_normalise() and mw_cpr_mask(), as the producer
 * does with single fields. Besides memory errors (ASan/UBSan) it checks
 * the promises the callers rely on; a broken one aborts:
 *   - a split returns between 1 and max fields, each inside the buffer;
 *   - a normalised CPR is 10 digits with a valid birth date;
 *   - no error message repeats a run of the input's digits (a CPR number
 *     must never reach a log line), and a masked text has no run of 6
 *     digits left. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "midway/csv.h"
#include "midway/date.h"
#include "midway/pseudo.h"

#define MAX_INPUT 4096 /* longer lines teach the fuzzer nothing new */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs this long may make a message hold a number (a digit count, a
 * position) of 4 digits, which may then occur in the input by chance. */
#define LEAK_CHECK_MAX 999

static int
contains(const char *hay, size_t hay_len, const char *needle, size_t len)
{
        size_t i;

        for (i = 0; i + len <= hay_len; i++) {
                if (memcmp(hay + i, needle, len) == 0)
                        return 1;
        }
        return 0;
}

/* True if msg contains a run of at least min digits that is also in the
 * input. */
static int
leaks_digits(const char *msg, const char *in, size_t in_len, size_t min)
{
        size_t i, j, k;

        if (in_len > LEAK_CHECK_MAX)
                return 0;
        for (i = 0; msg[i]; i++) {
                if (msg[i] < '0' || msg[i] > '9')
                        continue;
                for (j = i; msg[j] >= '0' && msg[j] <= '9'; j++)
                        ;
                for (k = i; k + min <= j; k++) {
                        if (contains(in, in_len, msg + k, min))
                                return 1;
                }
                i = j - 1;
        }
        return 0;
}

static void
check_split(const char *in, size_t len, char sep)
{
        char *buf;
        char *fields[MW_CSV_MAX_FIELDS];
        char errstr[128];
        size_t n = 0, i;

        buf = malloc(len + 1);
        if (!buf)
                return;
        memcpy(buf, in, len + 1);
        if (mw_csv_split(buf, len, sep, fields, MW_CSV_MAX_FIELDS, &n, errstr,
                         sizeof(errstr)) == MW_OK) {
                if (n < 1 || n > MW_CSV_MAX_FIELDS)
                        abort();
                for (i = 0; i < n; i++) {
                        if (fields[i] < buf || fields[i] > buf + len ||
                            fields[i] + strlen(fields[i]) > buf + len)
                                abort();
                }
        } else if (leaks_digits(errstr, in, len, 4)) {
                abort();
        }
        free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *in;
        char *masked;
        char errstr[128];
        char cpr[MW_CPR_LEN + 1];
        int32_t days;
        int bdays;
        size_t i, run;

        if (size > MAX_INPUT)
                return 0;
        in = malloc(size + 1);
        masked = malloc(size + 1);
        if (!in || !masked)
                goto out;
        memcpy(in, data, size);
        in[size] = '\0';

        check_split(in, size, ';');
        check_split(in, size, ',');

        if (mw_date_parse(in, &days, errstr, sizeof(errstr)) != MW_OK &&
            leaks_digits(errstr, in, size, 5))
                abort();

        if (mw_cpr_normalise(in, cpr, errstr, sizeof(errstr)) == MW_OK) {
                if (strlen(cpr) != MW_CPR_LEN ||
                    strspn(cpr, "0123456789") != MW_CPR_LEN ||
                    !mw_cpr_birth_date(cpr, &bdays))
                        abort();
        } else if (cpr[0] != '\0' || leaks_digits(errstr, in, size, 4)) {
                abort();
        }

        mw_cpr_mask(in, masked, size + 1);
        for (i = 0, run = 0; masked[i]; i++) {
                run = masked[i] >= '0' && masked[i] <= '9' ? run + 1 : 0;
                if (run >= 6)
                        abort();
        }
out:
        free(in);
        free(masked);
        return 0;
}
