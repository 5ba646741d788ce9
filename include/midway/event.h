/* midway: one registration, in its decoded C form.
 *
 * The Avro schema schemas/registration.avsc is the single source of truth
 * for the wire format; this struct is what producers fill and what the
 * consumer gets back from mw_codec_decode(). All strings are fixed-size,
 * NUL-terminated buffers, so a decoded event owns no heap memory and a
 * hostile message cannot make it grow. A decoder refuses strings that do
 * not fit. */
#ifndef MIDWAY_EVENT_H
#define MIDWAY_EVENT_H

#include <stdint.h>

#include "midway/buf.h"
#include "midway/err.h"

#define MW_UUID_STRLEN  36 /* 8-4-4-4-12 */
#define MW_REF_STRLEN   64 /* hex HMAC-SHA256 */
#define MW_KEYID_MAX    32
#define MW_KEYID_STRLEN 16 /* hex of the first 8 bytes of SHA-256(key) */
#define MW_PRODUCER_MAX 64
#define MW_CODE_MAX     32 /* longest code of any code list, + margin */
#define MW_INTREF_MAX   64
#define MW_MAX_AREAS    3 /* psychological, physical, social */

enum mw_kind {
        MW_KIND_VISITATION = 0,
        MW_KIND_CONTACT = 1,
        MW_KIND_INTERVENTION = 2,
        MW_KIND_EXIT = 3,
        MW_KIND_PROFILE = 4,
};
#define MW_KIND_COUNT 5

enum mw_action {
        MW_ACTION_NEW = 0,
        MW_ACTION_CORRECTION = 1,
        MW_ACTION_RETRACTION = 2,
};

/* Marks an absent optional date (Avro null). */
#define MW_DATE_NONE INT32_MIN

struct mw_visitation {
        char target_group[MW_CODE_MAX + 1];
        char benefit_type[MW_CODE_MAX + 1];
        char gender[MW_CODE_MAX + 1];
        char age_band[MW_CODE_MAX + 1];
        int n_areas;
        char areas[MW_MAX_AREAS][MW_CODE_MAX + 1];
};

struct mw_contact {
        char channel[MW_CODE_MAX + 1];
        char place[MW_CODE_MAX + 1]; /* "" = not stated (null) */
};

struct mw_intervention {
        char intervention_ref[MW_INTREF_MAX + 1];
        char category[MW_CODE_MAX + 1];
        char status[MW_CODE_MAX + 1];
        int32_t start_date;                /* MW_DATE_NONE if null */
        int32_t end_date;                  /* MW_DATE_NONE if null */
        char mentor_type[MW_CODE_MAX + 1]; /* "" = not stated (null) */
};

struct mw_exit {
        char reason[MW_CODE_MAX + 1];
};

struct mw_profile {
        char benefit_type[MW_CODE_MAX + 1]; /* "" = unchanged (null) */
        int has_areas;                      /* 0 = unchanged (null) */
        int n_areas;
        char areas[MW_MAX_AREAS][MW_CODE_MAX + 1];
};

struct mw_event {
        char event_id[MW_UUID_STRLEN + 1];
        int32_t project_id;
        int32_t municipality_code;
        char citizen_ref[MW_REF_STRLEN + 1];
        char key_id[MW_KEYID_MAX + 1];
        int32_t event_date;    /* days since 1970-01-01 */
        int64_t registered_at; /* ms since the epoch, UTC */
        char producer_id[MW_PRODUCER_MAX + 1];
        enum mw_action action;
        char supersedes[MW_UUID_STRLEN + 1]; /* "" = null */
        enum mw_kind kind;
        union {
                struct mw_visitation visitation;
                struct mw_contact contact;
                struct mw_intervention intervention;
                struct mw_exit exit;
                struct mw_profile profile;
        } u;
};

/* Zeroes ev and sets optional dates to MW_DATE_NONE. */
void mw_event_init(struct mw_event *ev, enum mw_kind kind);

/* "visitation", "contact", "intervention", "exit", "profile_change";
 * NULL for an unknown value. */
const char *mw_kind_name(enum mw_kind kind);
/* Avro record name of the payload branch: "Visitation", ... */
const char *mw_kind_record(enum mw_kind kind);
int mw_kind_from_record(const char *record_name, enum mw_kind *kind);

/* "new", "correction", "retraction"; NULL for an unknown value. */
const char *mw_action_name(enum mw_action action);
int mw_action_parse(const char *s, enum mw_action *action);

/* Appends the payload as a JSON object (codes as strings, dates as
 * "yyyy-mm-dd", absent optionals as null): what the consumer stores in
 * event.payload. */
mw_err_t mw_event_payload_json(const struct mw_event *ev, struct mw_buf *out);

/* Appends the whole event as one JSON object: header fields, "kind" and
 * "payload". */
mw_err_t mw_event_json(const struct mw_event *ev, struct mw_buf *out);

#endif
