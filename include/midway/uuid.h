/* midway: deterministic name-based UUIDs (RFC 4122 version 5, SHA-1). */
#ifndef MIDWAY_UUID_H
#define MIDWAY_UUID_H

#include <stddef.h>
#include <stdint.h>

#include "midway/event.h"

/* midway's namespace for event ids. */
extern const uint8_t MW_UUID_NS_EVENT[16];

/* Writes the lowercase 36-character form of UUIDv5(ns, name) to out. */
void mw_uuid_v5(const uint8_t ns[16], const void *name, size_t len,
                char out[MW_UUID_STRLEN + 1]);

/* The same for many names in one namespace: a generator holds the
 * namespace. A generator is used by one thread at a time. mw_uuid5_new()
 * returns NULL when out of memory; free with mw_uuid5_destroy() (NULL is
 * fine). */
struct mw_uuid5;
struct mw_uuid5 *mw_uuid5_new(const uint8_t ns[16]);
void mw_uuid5_destroy(struct mw_uuid5 *g);
/* As mw_uuid_v5(g's namespace, name, len, out). */
void mw_uuid5_make(struct mw_uuid5 *g, const void *name, size_t len,
                   char out[MW_UUID_STRLEN + 1]);

/* 1 if s is a canonical lowercase or uppercase 8-4-4-4-12 hex UUID. */
int mw_uuid_valid(const char *s);

#endif
