/* Internal to the wire layer: the schema compiled into it by
 * cmake/embed.cmake. */
#ifndef MIDWAY_LIB_WIRE_EMBEDDED_H
#define MIDWAY_LIB_WIRE_EMBEDDED_H

#include <stddef.h>

extern const char mw_embed_schema_registration[];
extern const size_t mw_embed_schema_registration_len;

#endif
