/* midway: a client for a Confluent-compatible schema registry (REST API:
 * Confluent Schema Registry, Apicurio's /apis/ccompat/v7, Karapace), with
 * libcurl and jansson. The base URL includes any API prefix, e.g.
 * http://127.0.0.1:18081/apis/ccompat/v7 */
#ifndef MIDWAY_REGISTRY_H
#define MIDWAY_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "midway/err.h"

struct mw_registry;

/* Returns NULL and fills errstr on failure. timeout_ms bounds each HTTP
 * request. Free with mw_registry_destroy(). */
struct mw_registry *mw_registry_new(const char *base_url, long timeout_ms,
                                    char *errstr, size_t errstr_size);
void mw_registry_destroy(struct mw_registry *reg);

/* POST {base}/subjects/{subject}/versions with the schema text. Returns
 * the registry's id (the same id for an identical schema). The subject is
 * URL-encoded. */
mw_err_t mw_registry_register(struct mw_registry *reg, const char *subject,
                              const char *schema_json, int32_t *id,
                              char *errstr, size_t errstr_size);

/* PUT {base}/config/{subject} with {"compatibility": level}: the rule
 * the registry applies when a new version is registered under subject,
 * e.g. "BACKWARD_TRANSITIVE" (docs/schemas.md, "Evolution"). Succeeds
 * only if the registry answers with the same level. */
mw_err_t mw_registry_set_compatibility(struct mw_registry *reg,
                                       const char *subject, const char *level,
                                       char *errstr, size_t errstr_size);

/* GET {base}/schemas/ids/{id}. *schema_json is a new malloc'ed string the
 * caller frees. Results are cached per handle, so each id costs one
 * request. MW_ERR_NOTFOUND if the registry does not know the id. */
mw_err_t mw_registry_fetch(struct mw_registry *reg, int32_t id,
                           char **schema_json, char *errstr,
                           size_t errstr_size);

#endif
