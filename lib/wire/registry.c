/* midway: Confluent-compatible schema registry client (libcurl + jansson).
 *
 * One easy handle per registry handle (so connections are reused), every
 * response body capped at RESP_MAX, fetched schemas cached by id. */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "midway/buf.h"
#include "midway/registry.h"

#define CONTENT_TYPE "application/vnd.schemaregistry.v1+json"
/* Hard cap on a response body: a schema is a few KiB. */
#define RESP_MAX ((size_t)1024 * 1024)
/* How much of the registry's error message goes into errstr. */
#define MSG_MAX 200

struct cache_entry {
        int32_t id;
        char *json; /* owned */
};

struct mw_registry {
        char *base; /* owned, without a trailing '/' */
        long timeout_ms;
        CURL *curl;                /* owned */
        struct curl_slist *hdrs;   /* owned: Accept, Content-Type */
        struct cache_entry *cache; /* owned array */
        size_t n_cache;
        size_t cap_cache;
};

/* Response of one request. */
struct resp {
        struct mw_buf body; /* owned */
        int toobig;         /* the body went past RESP_MAX */
        long status;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void
curl_init(void)
{
        curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct mw_registry *
mw_registry_new(const char *base_url, long timeout_ms, char *errstr,
                size_t errstr_size)
{
        struct mw_registry *reg = NULL;
        struct curl_slist *h;
        size_t len;

        if (!base_url || !*base_url || timeout_ms <= 0) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "registry: a base URL and a positive timeout are "
                        "required");
                return NULL;
        }
        pthread_once(&curl_once, curl_init);
        if (curl_init_rc != CURLE_OK) {
                mw_errf(errstr, errstr_size, MW_ERR_REGISTRY,
                        "registry: curl_global_init: %s",
                        curl_easy_strerror(curl_init_rc));
                return NULL;
        }
        reg = calloc(1, sizeof(*reg));
        if (!reg)
                goto nomem;
        reg->timeout_ms = timeout_ms;
        reg->base = strdup(base_url);
        if (!reg->base)
                goto nomem;
        len = strlen(reg->base);
        while (len > 0 && reg->base[len - 1] == '/')
                reg->base[--len] = '\0';
        reg->curl = curl_easy_init();
        if (!reg->curl)
                goto nomem;
        h = curl_slist_append(NULL, "Accept: " CONTENT_TYPE);
        if (!h)
                goto nomem;
        reg->hdrs = h;
        h = curl_slist_append(reg->hdrs, "Content-Type: " CONTENT_TYPE);
        if (!h)
                goto nomem;
        reg->hdrs = h;
        return reg;
nomem:
        mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "registry: out of memory");
        mw_registry_destroy(reg);
        return NULL;
}

void
mw_registry_destroy(struct mw_registry *reg)
{
        size_t i;

        if (!reg)
                return;
        for (i = 0; i < reg->n_cache; i++)
                free(reg->cache[i].json);
        free(reg->cache);
        curl_slist_free_all(reg->hdrs);
        if (reg->curl)
                curl_easy_cleanup(reg->curl);
        free(reg->base);
        free(reg);
}

/* curl write callback: appends to the body up to RESP_MAX. Returning
 * less than n makes curl fail the transfer with CURLE_WRITE_ERROR. */
static size_t
resp_write(char *data, size_t size, size_t nmemb, void *opaque)
{
        struct resp *r = opaque;
        size_t n;

        if (nmemb && size > SIZE_MAX / nmemb)
                return 0;
        n = size * nmemb;
        if (n > RESP_MAX - r->body.len) {
                r->toobig = 1;
                return 0;
        }
        if (mw_buf_append(&r->body, data, n))
                return 0;
        return n;
}

/* Appends s percent-encoded (everything but RFC 3986 unreserved). */
static mw_err_t
url_encode(struct mw_buf *out, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        const unsigned char *p;
        char esc[3];
        mw_err_t err = MW_OK;

        for (p = (const unsigned char *)s; !err && *p; p++) {
                if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
                    *p == '_' || *p == '~') {
                        err = mw_buf_append(out, p, 1);
                } else {
                        esc[0] = '%';
                        esc[1] = hex[*p >> 4];
                        esc[2] = hex[*p & 0xf];
                        err = mw_buf_append(out, esc, 3);
                }
        }
        return err;
}

/* Copies the registry's "message" (if the body is JSON with one) into
 * msg, with control characters replaced. */
static void
resp_message(const struct resp *r, char *msg, size_t msg_size)
{
        json_t *root;
        const char *m;
        size_t i;

        msg[0] = '\0';
        root =
            json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
        if (!root)
                return;
        m = json_string_value(json_object_get(root, "message"));
        if (m) {
                for (i = 0; m[i] && i + 1 < msg_size; i++) {
                        msg[i] = m[i];
                        if ((unsigned char)m[i] < 0x20)
                                msg[i] = ' ';
                }
                msg[i] = '\0';
        }
        json_decref(root);
}

/* Runs one request for base + path (method "GET", or "POST" or "PUT" with
 * a body) and fills r. Fails only for transport problems and oversized bodies;
 * the caller judges r->status. Messages name the path, not the URL,
 * which may carry credentials. */
static mw_err_t
request(struct mw_registry *reg, const char *method, const char *path,
        const struct mw_buf *body, struct resp *r, char *errstr,
        size_t errstr_size)
{
        struct mw_buf url = MW_BUF_INIT;
        char cerr[CURL_ERROR_SIZE];
        CURL *c = reg->curl;
        CURLcode rc = CURLE_OK;
        mw_err_t err = MW_OK;

        cerr[0] = '\0';
        if (mw_buf_appendf(&url, "%s%s", reg->base, path)) {
                err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                              "registry: out of memory");
                goto out;
        }
        curl_easy_reset(c);
#define SETOPT(opt, val)                                                       \
        do {                                                                   \
                if (rc == CURLE_OK)                                            \
                        rc = curl_easy_setopt(c, opt, val);                    \
        } while (0)
        SETOPT(CURLOPT_URL, url.data);
        SETOPT(CURLOPT_HTTPHEADER, reg->hdrs);
        SETOPT(CURLOPT_WRITEFUNCTION, resp_write);
        SETOPT(CURLOPT_WRITEDATA, r);
        SETOPT(CURLOPT_ERRORBUFFER, cerr);
        SETOPT(CURLOPT_TIMEOUT_MS, reg->timeout_ms);
        SETOPT(CURLOPT_CONNECTTIMEOUT_MS, reg->timeout_ms);
        SETOPT(CURLOPT_NOSIGNAL, 1L);
        SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
        SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
        if (body) {
                SETOPT(CURLOPT_POST, 1L);
                SETOPT(CURLOPT_POSTFIELDS, body->data);
                SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
                if (strcmp(method, "POST") != 0)
                        SETOPT(CURLOPT_CUSTOMREQUEST, method);
        } else {
                SETOPT(CURLOPT_HTTPGET, 1L);
        }
#undef SETOPT
        if (rc != CURLE_OK) {
                err = mw_errf(errstr, errstr_size, MW_ERR_REGISTRY,
                              "registry: %s %s: cannot set up the request: "
                              "%s",
                              method, path, curl_easy_strerror(rc));
                goto out;
        }
        rc = curl_easy_perform(c);
        if (r->toobig) {
                err = mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                              "registry: %s %s: response larger than %zu "
                              "bytes",
                              method, path, RESP_MAX);
                goto out;
        }
        if (rc != CURLE_OK) {
                err = mw_errf(errstr, errstr_size, MW_ERR_REGISTRY,
                              "registry: %s %s: %s", method, path,
                              cerr[0] ? cerr : curl_easy_strerror(rc));
                goto out;
        }
        if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status) !=
            CURLE_OK)
                r->status = 0;
out:
        /* the handle keeps no pointer into url or cerr past the request */
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
        mw_buf_release(&url);
        return err;
}

/* The error for a non-2xx response: MW_ERR_NOTFOUND for 404. */
static mw_err_t
status_error(const struct resp *r, const char *what, char *errstr,
             size_t errstr_size)
{
        char msg[MSG_MAX + 1];

        resp_message(r, msg, sizeof(msg));
        return mw_errf(errstr, errstr_size,
                       r->status == 404 ? MW_ERR_NOTFOUND : MW_ERR_REGISTRY,
                       "registry: %s: HTTP %ld%s%s", what, r->status,
                       msg[0] ? ": " : "", msg);
}

/* A request about one subject with a JSON body of one string member:
 * METHOD {base}{prefix}{subject, URL-encoded}{suffix} with {"key": value}.
 * On success *root is the parsed answer (NULL if it is not JSON), which the
 * caller frees; "what" names the call in messages. */
static mw_err_t
subject_call(struct mw_registry *reg, const char *what, const char *method,
             const char *prefix, const char *subject, const char *suffix,
             const char *key, const char *value, json_t **root, char *errstr,
             size_t errstr_size)
{
        struct mw_buf path = MW_BUF_INIT, body = MW_BUF_INIT;
        struct resp r = {MW_BUF_INIT, 0, 0};
        mw_err_t err;

        *root = NULL;
        err = mw_buf_append(&path, prefix, strlen(prefix));
        if (!err)
                err = url_encode(&path, subject);
        if (!err)
                err = mw_buf_append(&path, suffix, strlen(suffix));
        if (!err)
                err = mw_buf_appendf(&body, "{\"%s\":", key);
        if (!err)
                err = mw_buf_append_json_str(&body, value);
        if (!err)
                err = mw_buf_append(&body, "}", 1);
        if (err) {
                err = mw_errf(errstr, errstr_size, err,
                              "registry: %s: out of memory", what);
                goto out;
        }
        err = request(reg, method, path.data, &body, &r, errstr, errstr_size);
        if (err)
                goto out;
        if (r.status < 200 || r.status > 299) {
                err = status_error(&r, what, errstr, errstr_size);
                goto out;
        }
        *root = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
out:
        mw_buf_release(&r.body);
        mw_buf_release(&body);
        mw_buf_release(&path);
        return err;
}

mw_err_t
mw_registry_register(struct mw_registry *reg, const char *subject,
                     const char *schema_json, int32_t *id, char *errstr,
                     size_t errstr_size)
{
        json_t *root = NULL;
        json_int_t n;
        mw_err_t err;

        if (!reg || !subject || !*subject || !schema_json || !id)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "registry: register: bad argument");
        err = subject_call(reg, "register", "POST", "/subjects/", subject,
                           "/versions", "schema", schema_json, &root, errstr,
                           errstr_size);
        if (err)
                goto out;
        n = json_integer_value(json_object_get(root, "id"));
        if (!json_is_integer(json_object_get(root, "id")) || n < 0 ||
            n > INT32_MAX) {
                err = mw_errf(errstr, errstr_size, MW_ERR_REGISTRY,
                              "registry: register: response has no valid "
                              "\"id\"");
                goto out;
        }
        *id = (int32_t)n;
out:
        json_decref(root);
        return err;
}

mw_err_t
mw_registry_set_compatibility(struct mw_registry *reg, const char *subject,
                              const char *level, char *errstr,
                              size_t errstr_size)
{
        json_t *root = NULL;
        const char *got;
        mw_err_t err;

        if (!reg || !subject || !*subject || !level || !*level)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "registry: set compatibility: bad argument");
        err = subject_call(reg, "set compatibility", "PUT", "/config/", subject,
                           "", "compatibility", level, &root, errstr,
                           errstr_size);
        if (err)
                goto out;
        /* The registry answers with the level it stored (Confluent's as
         * "compatibility", Apicurio's as "compatibilityLevel", the key of
         * Confluent's GET); one that stored another level, or none, has
         * not taken the rule. */
        got = json_string_value(json_object_get(root, "compatibility"));
        if (!got)
                got = json_string_value(
                    json_object_get(root, "compatibilityLevel"));
        if (!got || strcmp(got, level) != 0)
                err = mw_errf(errstr, errstr_size, MW_ERR_REGISTRY,
                              "registry: set compatibility of %s: the "
                              "registry answered %s, not %s",
                              subject, got ? got : "without a level", level);
out:
        json_decref(root);
        return err;
}

static const char *
cache_find(const struct mw_registry *reg, int32_t id)
{
        size_t i;

        for (i = 0; i < reg->n_cache; i++) {
                if (reg->cache[i].id == id)
                        return reg->cache[i].json;
        }
        return NULL;
}

/* Adds json (copied) under id. */
static mw_err_t
cache_add(struct mw_registry *reg, int32_t id, const char *json)
{
        struct cache_entry *c;
        size_t cap;
        char *copy;

        if (reg->n_cache == reg->cap_cache) {
                cap = reg->cap_cache ? reg->cap_cache * 2 : 4;
                c = realloc(reg->cache, cap * sizeof(*c));
                if (!c)
                        return MW_ERR_NOMEM;
                reg->cache = c;
                reg->cap_cache = cap;
        }
        copy = strdup(json);
        if (!copy)
                return MW_ERR_NOMEM;
        reg->cache[reg->n_cache].id = id;
        reg->cache[reg->n_cache].json = copy;
        reg->n_cache++;
        return MW_OK;
}

mw_err_t
mw_registry_fetch(struct mw_registry *reg, int32_t id, char **schema_json,
                  char *errstr, size_t errstr_size)
{
        struct mw_buf path = MW_BUF_INIT;
        struct resp r = {MW_BUF_INIT, 0, 0};
        json_t *root = NULL;
        const char *cached, *s;
        mw_err_t err;

        if (!reg || !schema_json || id < 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "registry: fetch: bad argument");
        *schema_json = NULL;
        cached = cache_find(reg, id);
        if (cached) {
                *schema_json = strdup(cached);
                if (!*schema_json)
                        return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                                       "registry: fetch: out of memory");
                return MW_OK;
        }
        err = mw_buf_appendf(&path, "/schemas/ids/%d", (int)id);
        if (err) {
                err = mw_errf(errstr, errstr_size, err,
                              "registry: fetch: out of memory");
                goto out;
        }
        err = request(reg, "GET", path.data, NULL, &r, errstr, errstr_size);
        if (err)
                goto out;
        if (r.status < 200 || r.status > 299) {
                err = status_error(&r, "fetch", errstr, errstr_size);
                goto out;
        }
        root = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
        s = json_string_value(json_object_get(root, "schema"));
        if (!s || !*s) {
                err = mw_errf(errstr, errstr_size, MW_ERR_REGISTRY,
                              "registry: fetch: schema id %d: response has "
                              "no \"schema\" string",
                              (int)id);
                goto out;
        }
        *schema_json = strdup(s);
        if (!*schema_json || cache_add(reg, id, s) != MW_OK) {
                free(*schema_json);
                *schema_json = NULL;
                err = mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                              "registry: fetch: out of memory");
                goto out;
        }
out:
        json_decref(root);
        mw_buf_release(&r.body);
        mw_buf_release(&path);
        return err;
}
