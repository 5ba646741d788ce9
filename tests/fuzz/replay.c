/* Replays every file of a corpus directory through LLVMFuzzerTestOneInput
 * (for builds without libFuzzer): `fuzz_<name> DIR`. Each input gets its
 * own exactly-sized heap copy, so ASan sees any overread. Fails if the
 * directory cannot be read or holds no files. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads path into a new buffer of exactly its size (*len). */
static uint8_t *
read_input(const char *path, size_t *len)
{
        struct stat st;
        uint8_t *buf = NULL;
        FILE *f;

        f = fopen(path, "rb");
        if (!f)
                return NULL;
        if (fstat(fileno(f), &st) || st.st_size < 0)
                goto out;
        *len = (size_t)st.st_size;
        buf = malloc(*len ? *len : 1);
        if (buf && *len && fread(buf, 1, *len, f) != *len) {
                free(buf);
                buf = NULL;
        }
out:
        fclose(f);
        return buf;
}

int
main(int argc, char **argv)
{
        struct dirent **names = NULL;
        char path[4096];
        struct stat st;
        uint8_t *data;
        size_t len = 0;
        int n, i, ran = 0, rc = 0;

        if (argc != 2) {
                fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
                return 2;
        }
        n = scandir(argv[1], &names, NULL, alphasort);
        if (n < 0) {
                perror(argv[1]);
                return 1;
        }
        for (i = 0; i < n; i++) {
                snprintf(path, sizeof(path), "%s/%s", argv[1],
                         names[i]->d_name);
                if (stat(path, &st) || !S_ISREG(st.st_mode))
                        continue;
                data = read_input(path, &len);
                if (!data) {
                        perror(path);
                        rc = 1;
                        continue;
                }
                LLVMFuzzerTestOneInput(data, len);
                free(data);
                ran++;
        }
        for (i = 0; i < n; i++)
                free(names[i]);
        free(names);
        printf("replayed %d inputs from %s\n", ran, argv[1]);
        if (ran == 0) {
                fprintf(stderr, "%s: no inputs\n", argv[1]);
                return 1;
        }
        return rc;
}
