/* midway: validation of a registration (see validate.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "midway/codes.h"
#include "midway/cpr.h"
#include "midway/date.h"
#include "midway/fields.h"
#include "midway/projects.h"
#include "midway/uuid.h"
#include "midway/validate.h"

/* How far ahead of this machine's clock a registration time may be: a
 * producer's clock may be wrong by minutes, not by a day. */
#define FUTURE_SLACK_MS (24LL * 3600 * 1000)

/* Copies s for an error message: printable ASCII kept, every other byte
 * '?', so a hostile value can neither forge a log line nor carry bytes a
 * terminal or PostgreSQL would act on; digit runs that could be a CPR
 * number are masked. */
static void
quote(const char *s, char out[MW_CODE_MAX + 1])
{
        char raw[MW_CODE_MAX + 1];
        size_t i;

        for (i = 0; i < MW_CODE_MAX && s[i]; i++) {
                raw[i] = s[i];
                if (s[i] < 0x20 || s[i] >= 0x7f)
                        raw[i] = '?';
        }
        raw[i] = '\0';
        mw_cpr_mask(raw, out, MW_CODE_MAX + 1);
}

/* 1 if s is 1..max bytes, each an ASCII letter or digit or one of extra:
 * the strict alphabet of identifier fields (docs/schemas.md). */
static int
is_ident(const char *s, size_t max, const char *extra)
{
        size_t i;

        for (i = 0; s[i]; i++) {
                char c = s[i];

                if (i >= max ||
                    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || strchr(extra, c)))
                        return 0;
        }
        return i > 0;
}

static int
is_hex(const char *s, size_t len)
{
        size_t i;

        for (i = 0; i < len; i++)
                if (!((s[i] >= '0' && s[i] <= '9') ||
                      (s[i] >= 'a' && s[i] <= 'f')))
                        return 0;
        return s[len] == '\0';
}

static mw_err_t
check_code(enum mw_codelist list, const char *code, int optional, char *errstr,
           size_t errstr_size)
{
        if (optional && code[0] == '\0')
                return MW_OK;
        char q[MW_CODE_MAX + 1];

        if (mw_codes_find(list, code))
                return MW_OK;
        quote(code, q);
        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                       "unknown %s code '%s'", mw_codes_list_name(list), q);
}

/* The name of code list f->codelist in words: "problem area". */
static void
list_words(const struct mw_field *f, char out[MW_CODE_MAX + 1])
{
        size_t i;

        snprintf(out, MW_CODE_MAX + 1, "%s",
                 mw_codes_list_name((enum mw_codelist)f->codelist));
        for (i = 0; out[i]; i++)
                if (out[i] == '_')
                        out[i] = ' ';
}

/* A code array: at most max_items known codes, none twice. */
static mw_err_t
check_codes(const struct mw_event *ev, const struct mw_field *f, char *errstr,
            size_t errstr_size)
{
        int n = mw_field_ccount(ev, f), i, j;
        char words[MW_CODE_MAX + 1];
        mw_err_t err;

        list_words(f, words);
        if (n < 0 || n > f->max_items)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%d %ss, at most %d", n, words, f->max_items);
        for (i = 0; i < n; i++) {
                err = check_code((enum mw_codelist)f->codelist,
                                 mw_field_citem(ev, f, i), 0, errstr,
                                 errstr_size);
                if (err)
                        return err;
                for (j = 0; j < i; j++)
                        if (strcmp(mw_field_citem(ev, f, i),
                                   mw_field_citem(ev, f, j)) == 0)
                                return mw_errf(errstr, errstr_size,
                                               MW_ERR_INVALID,
                                               "%s '%s' given twice", words,
                                               mw_field_citem(ev, f, i));
                /* (a known code, so no personal data) */
        }
        return MW_OK;
}

/* One payload field, as its table row says: a code against its list, an
 * identifier against its alphabet (an empty one is the kind's rule), a
 * code array. Dates: check_dates(). */
static mw_err_t
check_field(const struct mw_event *ev, const struct mw_field *f, char *errstr,
            size_t errstr_size)
{
        const char *s;

        switch (f->type) {
        case MW_FT_STRING:
        case MW_FT_OPT_STRING:
                s = mw_field_cstr(ev, f);
                if (f->codelist >= 0)
                        return check_code((enum mw_codelist)f->codelist, s,
                                          f->type == MW_FT_OPT_STRING, errstr,
                                          errstr_size);
                if (f->alphabet && s[0] != '\0' &&
                    !is_ident(s, f->size - 1, f->alphabet))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "%s has a character other than "
                                       "A-Z a-z 0-9 %s",
                                       f->name, f->alphabet);
                return MW_OK;
        case MW_FT_CODES:
                return check_codes(ev, f, errstr, errstr_size);
        case MW_FT_OPT_CODES:
                return mw_field_chas(ev, f)
                           ? check_codes(ev, f, errstr, errstr_size)
                           : MW_OK;
        default:
                return MW_OK;
        }
}

/* The payload's optional dates: within the programme's years. */
static mw_err_t
check_dates(const struct mw_event *ev, const struct mw_field *f, size_t n,
            char *errstr, size_t errstr_size)
{
        int32_t d;
        size_t i;

        for (i = 0; i < n; i++) {
                if (f[i].type != MW_FT_OPT_DATE)
                        continue;
                d = mw_field_ci32(ev, &f[i]);
                if (d != MW_DATE_NONE && d < MW_PROGRAMME_START)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "%s dated before the programme "
                                       "started (2014-10-01)",
                                       mw_kind_name(ev->kind));
                if (d != MW_DATE_NONE && d > MW_DATE_LAST)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "%s dated after 2099-12-31",
                                       mw_kind_name(ev->kind));
        }
        return MW_OK;
}

/* The rules of a kind that no single field states. */
static mw_err_t
check_kind_rules(const struct mw_event *ev, char *errstr, size_t errstr_size)
{
        const struct mw_intervention *iv = &ev->u.intervention;
        const struct mw_profile *pc = &ev->u.profile;

        switch (ev->kind) {
        case MW_KIND_INTERVENTION:
                if (iv->intervention_ref[0] == '\0')
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "intervention without a reference");
                if (iv->start_date != MW_DATE_NONE &&
                    iv->end_date != MW_DATE_NONE &&
                    iv->end_date < iv->start_date)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "intervention ends before it starts");
                if (iv->mentor_type[0] != '\0' &&
                    strcmp(iv->category, "mentor") != 0)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "mentor_type given for a %s "
                                       "intervention, not mentor support",
                                       iv->category); /* a known code */
                return MW_OK;
        case MW_KIND_PROFILE:
                if (pc->benefit_type[0] == '\0' && !pc->has_areas)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "profile change changes nothing");
                return MW_OK;
        case MW_KIND_VISITATION:
        case MW_KIND_CONTACT:
        case MW_KIND_EXIT:
                return MW_OK;
        }
        return MW_OK;
}

static mw_err_t
check_payload(const struct mw_event *ev, char *errstr, size_t errstr_size)
{
        const struct mw_field *f;
        size_t i, n;
        mw_err_t err;

        f = mw_fields_of((int)ev->kind, &n);
        if (!f)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "unknown event kind %d", (int)ev->kind);
        for (i = 0; i < n; i++) {
                err = check_field(ev, &f[i], errstr, errstr_size);
                if (err)
                        return err;
        }
        err = check_kind_rules(ev, errstr, errstr_size);
        if (err)
                return err;
        /* a required identifier a kind's rule did not already ask for */
        for (i = 0; i < n; i++)
                if (f[i].type == MW_FT_STRING && f[i].alphabet &&
                    mw_field_cstr(ev, &f[i])[0] == '\0')
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "%s is empty", f[i].name);
        return check_dates(ev, f, n, errstr, errstr_size);
}

/* The reason for a registration time out of range, with the time written
 * as a UTC date and time: a raw millisecond count would be a run of 13
 * digits, which the producer's reject file masks as a possible CPR number
 * (docs/security.md) and which tells the reader nothing. */
static mw_err_t
registered_at_error(int64_t ms, char *errstr, size_t errstr_size)
{
        int64_t days = ms / 86400000, rest = ms % 86400000;
        char day[11];

        if (rest < 0) {
                rest += 86400000;
                days--;
        }
        if (days < INT32_MIN || days > INT32_MAX ||
            mw_date_format((int32_t)days, day) != 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "registered_at is outside the years 0-9999");
        rest /= 1000;
        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                       "registered_at %sT%02d:%02d:%02dZ is not between the "
                       "programme start (2014-10-01) and a day after now",
                       day, (int)(rest / 3600), (int)(rest / 60 % 60),
                       (int)(rest % 60));
}

mw_err_t
mw_event_validate(const struct mw_event *ev, char *errstr, size_t errstr_size)
{
        const struct mw_project *p;
        char day[11];

        if (!mw_uuid_valid(ev->event_id))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "event_id is not a UUID");
        p = mw_project_find(ev->project_id);
        if (!p)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "unknown project %d", (int)ev->project_id);
        if (!mw_project_has_muni(p, ev->municipality_code))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "municipality %d is not part of project %d "
                               "(%s)",
                               (int)ev->municipality_code, p->id, p->slug);
        if (!is_hex(ev->citizen_ref, MW_REF_STRLEN))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "citizen_ref is not a 64-digit hex reference");
        if (!is_hex(ev->key_id, MW_KEYID_STRLEN))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "key_id is not 16 lowercase hex digits");
        if (!is_ident(ev->producer_id, MW_PRODUCER_MAX, MW_PRODUCER_CHARS))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "producer_id is empty or has a character "
                               "other than A-Z a-z 0-9 %s",
                               MW_PRODUCER_CHARS);
        if (ev->event_date < MW_PROGRAMME_START)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "event date is before the programme started "
                               "(2014-10-01)");
        if (ev->registered_at < (int64_t)MW_PROGRAMME_START * 86400000LL ||
            ev->registered_at > (int64_t)time(NULL) * 1000 + FUTURE_SLACK_MS ||
            ev->registered_at >= ((int64_t)MW_DATE_LAST + 1) * 86400000LL)
                return registered_at_error(ev->registered_at, errstr,
                                           errstr_size);
        /* the Danish date of the registration: a fact of today registered
         * at 00:30 Danish time is registered on its own day */
        if (ev->event_date > mw_date_dk_day(ev->registered_at)) {
                mw_date_format(ev->event_date, day);
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "event date %s is after its registration time",
                               day);
        }
        if ((unsigned)ev->action > MW_ACTION_RETRACTION)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "unknown action %d", (int)ev->action);
        if (ev->action == MW_ACTION_NEW && ev->supersedes[0] != '\0')
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "a new registration cannot supersede another");
        if (ev->action != MW_ACTION_NEW && !mw_uuid_valid(ev->supersedes))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "a %s must name the event it replaces",
                               mw_action_name(ev->action));
        if (ev->action != MW_ACTION_NEW &&
            strcmp(ev->supersedes, ev->event_id) == 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "an event cannot supersede itself");
        return check_payload(ev, errstr, errstr_size);
}

const char *
mw_event_cpr_field(const struct mw_event *ev)
{
        const struct mw_field *f;
        size_t i, n;

        /* Every string an event carries that is not a code or a hex id.
         * Codes are checked against their lists. A hex id (citizen_ref,
         * event_id, a key_id of its 16-digit form) is checked for its form
         * only: a hash's hex digits hold a CPR-like run of decimal digits
         * by chance (a 16-digit key_id in about one key of 50), and what a
         * hostile producer hides in hex no check can tell from a hash
         * (docs/security.md). */
        if (mw_cpr_find(ev->producer_id, strlen(ev->producer_id)))
                return "producer_id";
        if (!is_hex(ev->key_id, MW_KEYID_STRLEN) &&
            mw_cpr_find(ev->key_id, strlen(ev->key_id)))
                return "key_id";
        /* the payload's free identifiers (intervention_ref) */
        f = mw_fields_of((int)ev->kind, &n);
        for (i = 0; f && i < n; i++)
                if (f[i].alphabet &&
                    mw_cpr_find(mw_field_cstr(ev, &f[i]),
                                strlen(mw_field_cstr(ev, &f[i]))))
                        return f[i].name;
        return NULL;
}
