/* midway: validation of a registration (see validate.h). */
#include <stdio.h>
#include <string.h>

#include "midway/codes.h"
#include "midway/date.h"
#include "midway/projects.h"
#include "midway/uuid.h"
#include "midway/validate.h"


static int
is_hex_ref(const char *s)
{
        size_t i;

        for (i = 0; i < MW_REF_STRLEN; i++)
                if (!((s[i] >= '0' && s[i] <= '9') ||
                      (s[i] >= 'a' && s[i] <= 'f')))
                        return 0;
        return s[MW_REF_STRLEN] == '\0';
}

static mw_err_t
check_code(enum mw_codelist list, const char *code, int optional, char *errstr,
           size_t errstr_size)
{
        if (optional && code[0] == '\0')
                return MW_OK;
        if (mw_codes_find(list, code))
                return MW_OK;
        /* A code is at most MW_CODE_MAX printable bytes; quoting it is
         * safe because it has passed no further than a code field. */
        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                       "unknown %s code '%.32s'", mw_codes_list_name(list),
                       code);
}

static mw_err_t
check_areas(int n, const char areas[][MW_CODE_MAX + 1], char *errstr,
            size_t errstr_size)
{
        int i, j;
        mw_err_t err;

        if (n < 0 || n > MW_MAX_AREAS)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "%d problem areas, at most %d", n, MW_MAX_AREAS);
        for (i = 0; i < n; i++) {
                err = check_code(MW_CL_PROBLEM_AREA, areas[i], 0, errstr,
                                 errstr_size);
                if (err)
                        return err;
                for (j = 0; j < i; j++)
                        if (strcmp(areas[i], areas[j]) == 0)
                                return mw_errf(
                                    errstr, errstr_size, MW_ERR_INVALID,
                                    "problem area '%s' given twice", areas[i]);
        }
        return MW_OK;
}

static mw_err_t
check_payload(const struct mw_event *ev, char *errstr, size_t errstr_size)
{
        const struct mw_visitation *v = &ev->u.visitation;
        const struct mw_intervention *iv = &ev->u.intervention;
        const struct mw_profile *pc = &ev->u.profile;
        mw_err_t err = MW_OK;

        switch (ev->kind) {
        case MW_KIND_VISITATION:
                if ((err = check_code(MW_CL_TARGET_GROUP, v->target_group, 0,
                                      errstr, errstr_size)) ||
                    (err = check_code(MW_CL_BENEFIT, v->benefit_type, 0, errstr,
                                      errstr_size)) ||
                    (err = check_code(MW_CL_GENDER, v->gender, 0, errstr,
                                      errstr_size)) ||
                    (err = check_code(MW_CL_AGE_BAND, v->age_band, 0, errstr,
                                      errstr_size)))
                        return err;
                return check_areas(v->n_areas, v->areas, errstr, errstr_size);
        case MW_KIND_CONTACT:
                if ((err = check_code(MW_CL_CHANNEL, ev->u.contact.channel, 0,
                                      errstr, errstr_size)))
                        return err;
                return check_code(MW_CL_PLACE, ev->u.contact.place, 1, errstr,
                                  errstr_size);
        case MW_KIND_INTERVENTION:
                if (iv->intervention_ref[0] == '\0')
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "intervention without a reference");
                if ((err = check_code(MW_CL_INTERVENTION_CATEGORY, iv->category,
                                      0, errstr, errstr_size)) ||
                    (err = check_code(MW_CL_INTERVENTION_STATUS, iv->status, 0,
                                      errstr, errstr_size)))
                        return err;
                if (iv->start_date != MW_DATE_NONE &&
                    iv->end_date != MW_DATE_NONE &&
                    iv->end_date < iv->start_date)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "intervention ends before it starts");
                if (iv->start_date != MW_DATE_NONE &&
                    iv->start_date < MW_PROGRAMME_START)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "intervention starts before the "
                                       "programme started (2014-10-01)");
                return MW_OK;
        case MW_KIND_EXIT:
                return check_code(MW_CL_EXIT_REASON, ev->u.exit.reason, 0,
                                  errstr, errstr_size);
        case MW_KIND_PROFILE:
                if (pc->benefit_type[0] == '\0' && !pc->has_areas)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "profile change changes nothing");
                if ((err = check_code(MW_CL_BENEFIT, pc->benefit_type, 1,
                                      errstr, errstr_size)))
                        return err;
                if (pc->has_areas)
                        return check_areas(pc->n_areas, pc->areas, errstr,
                                           errstr_size);
                return MW_OK;
        }
        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                       "unknown event kind %d", (int)ev->kind);
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
        if (!is_hex_ref(ev->citizen_ref))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "citizen_ref is not a 64-digit hex reference");
        if (ev->key_id[0] == '\0')
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "key_id is empty");
        if (ev->producer_id[0] == '\0')
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "producer_id is empty");
        if (ev->event_date < MW_PROGRAMME_START)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "event date is before the programme started "
                               "(2014-10-01)");
        /* the Danish date of the registration: a fact of today registered
         * at 00:30 Danish time is registered on its own day */
        if (ev->registered_at < 0 ||
            ev->event_date > mw_date_dk_day(ev->registered_at)) {
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
