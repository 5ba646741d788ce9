/* Fuzz target: CPR numbers in free text (mw_cpr_find(), mw_cpr_mask()).
 *
 * The input is any bytes (UTF-8 or not). Besides memory errors (ASan/UBSan)
 * it checks the promise reject files and messages rely on; a broken one
 * aborts:
 *   - mw_cpr_find() finds no CPR number in what mw_cpr_mask() made of the
 *     input, whole or cut short by a small buffer;
 *   - the mask keeps the length (one 'X' per masked byte) when it fits,
 *     and leaves no run of 6 ASCII digits;
 *   - a CPR number the input holds is found again with blanks around it
 *     (the find does not depend on where the text starts or ends). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "midway/pseudo.h"

#define MAX_INPUT 4096 /* longer texts teach the fuzzer nothing new */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
has_ascii_run(const char *s, size_t min)
{
        size_t n = 0;

        for (; *s; s++) {
                n = (*s >= '0' && *s <= '9') ? n + 1 : 0;
                if (n >= min)
                        return 1;
        }
        return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const size_t cuts[] = {1, 7, 20, 41, 48};
        char *text, *out, *padded;
        size_t len, i;
        int found;

        if (size > MAX_INPUT)
                size = MAX_INPUT;
        text = malloc(size + 1);
        out = malloc(size + 1);
        padded = malloc(size + 3);
        if (!text || !out || !padded)
                abort();
        memcpy(text, data, size);
        text[size] = '\0';
        len = strlen(text); /* the mask reads up to the first NUL */

        found = mw_cpr_find((const char *)data, size);
        padded[0] = ' ';
        memcpy(padded + 1, data, size);
        padded[size + 1] = ' ';
        if (mw_cpr_find(padded, size + 2) != found)
                abort();

        mw_cpr_mask(text, out, size + 1);
        if (strlen(out) != len || mw_cpr_find(out, strlen(out)) ||
            has_ascii_run(out, 6))
                abort();
        for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
                if (cuts[i] > size + 1)
                        break;
                mw_cpr_mask(text, out, cuts[i]);
                if (strlen(out) >= cuts[i] || mw_cpr_find(out, strlen(out)) ||
                    has_ascii_run(out, 6))
                        abort();
        }
        free(padded);
        free(out);
        free(text);
        return 0;
}
