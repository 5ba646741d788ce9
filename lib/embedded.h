/* Internal: files compiled into libmidway by cmake/embed.cmake. */
#ifndef MIDWAY_LIB_EMBEDDED_H
#define MIDWAY_LIB_EMBEDDED_H

#include <stddef.h>

struct mw_embedded_file {
        const char *name; /* file name, e.g. "0001_events.sql" */
        const char *text; /* NUL-terminated */
};

extern const char mw_embed_schema_registration[];
extern const size_t mw_embed_schema_registration_len;
extern const char mw_embed_projects_csv[];
extern const size_t mw_embed_projects_csv_len;
/* Every migrations/NNNN_*.sql in name order, ended by {NULL, NULL}. */
extern const struct mw_embedded_file mw_embed_migrations[];
/* Every migrations/functions/NN_*.sql in name order, named
 * "functions/NN_*.sql", ended by {NULL, NULL}. */
extern const struct mw_embedded_file mw_embed_functions[];

#endif
