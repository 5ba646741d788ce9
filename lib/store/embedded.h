/* Internal to the store layer: the migrations and function files compiled into
 * it by cmake/embed.cmake. */
#ifndef MIDWAY_LIB_STORE_EMBEDDED_H
#define MIDWAY_LIB_STORE_EMBEDDED_H

#include <stddef.h>

struct mw_embedded_file {
        const char *name; /* file name, e.g. "0001_events.sql" */
        const char *text; /* NUL-terminated */
};

/* Every migrations/NNNN_*.sql in name order, ended by {NULL, NULL}. */
extern const struct mw_embedded_file mw_embed_migrations[];
/* Every migrations/functions/NN_*.sql in name order, named
 * "functions/NN_*.sql", ended by {NULL, NULL}. */
extern const struct mw_embedded_file mw_embed_functions[];

#endif
