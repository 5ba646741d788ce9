/* Internal to the event layer: the reference data compiled into it by
 * cmake/embed.cmake. */
#ifndef MIDWAY_LIB_EVENT_EMBEDDED_H
#define MIDWAY_LIB_EVENT_EMBEDDED_H

#include <stddef.h>

extern const char mw_embed_projects_csv[];
extern const size_t mw_embed_projects_csv_len;

#endif
