/* midway: the field table of a registration (see fields.h).
 *
 * The rows follow schemas/registration.avsc field by field;
 * tests/unit/test_fields.c fails the build's tests when they part. */
#include <stddef.h>

#include "midway/fields.h"
#include "midway/validate.h"

#define M(member) offsetof(struct mw_event, member)
#define Z(member) sizeof(((struct mw_event *)0)->member)

/* A required string of a code list. */
#define CODE(rec, name, member, list, col)                                     \
        {                                                                      \
                rec, MW_FT_STRING, name, M(member), Z(member), 0, 0, 0, list,  \
                    NULL, col, 0                                               \
        }
/* An optional one: null is "". */
#define OPT_CODE(rec, name, member, list, col)                                 \
        {                                                                      \
                rec, MW_FT_OPT_STRING, name, M(member), Z(member), 0, 0, 0,    \
                    list, NULL, col, 0                                         \
        }

static const struct mw_field fields[] = {
    /* Registration: the header */
    {MW_REC_HEADER, MW_FT_UUID, "event_id", M(event_id), Z(event_id), 0, 0, 0,
     -1, NULL, NULL, 0},
    {MW_REC_HEADER, MW_FT_INT, "project_id", M(project_id), 0, 0, 0, 0, -1,
     NULL, NULL, 0},
    {MW_REC_HEADER, MW_FT_INT, "municipality_code", M(municipality_code), 0, 0,
     0, 0, -1, NULL, NULL, 0},
    {MW_REC_HEADER, MW_FT_STRING, "citizen_ref", M(citizen_ref), Z(citizen_ref),
     0, 0, 0, -1, NULL, NULL, 0},
    {MW_REC_HEADER, MW_FT_STRING, "key_id", M(key_id), Z(key_id), 0, 0, 0, -1,
     NULL, NULL, 0},
    {MW_REC_HEADER, MW_FT_DATE, "event_date", M(event_date), 0, 0, 0, 0, -1,
     NULL, NULL, 0},
    {MW_REC_HEADER, MW_FT_TIMESTAMP, "registered_at", M(registered_at), 0, 0, 0,
     0, -1, NULL, NULL, 0},
    {MW_REC_HEADER, MW_FT_STRING, "producer_id", M(producer_id), Z(producer_id),
     0, 0, 0, -1, MW_PRODUCER_CHARS, NULL, 0},
    {MW_REC_HEADER, MW_FT_ACTION, "action", M(action), 0, 0, 0, 0, -1, NULL,
     NULL, 0},
    {MW_REC_HEADER, MW_FT_OPT_STRING, "supersedes", M(supersedes),
     Z(supersedes), 0, 0, 0, -1, NULL, NULL, 0},
    {MW_REC_HEADER, MW_FT_PAYLOAD, "payload", 0, 0, 0, 0, 0, -1, NULL, NULL, 0},

    /* Visitation */
    {MW_KIND_VISITATION, MW_FT_STRING, "target_group",
     M(u.visitation.target_group), Z(u.visitation.target_group), 0, 0, 0,
     MW_CL_TARGET_GROUP, NULL, "maalgruppe", MW_FF_DERIVED},
    CODE(MW_KIND_VISITATION, "benefit_type", u.visitation.benefit_type,
         MW_CL_BENEFIT, "ydelse"),
    {MW_KIND_VISITATION, MW_FT_STRING, "gender", M(u.visitation.gender),
     Z(u.visitation.gender), 0, 0, 0, MW_CL_GENDER, NULL, "koen",
     MW_FF_DERIVED},
    {MW_KIND_VISITATION, MW_FT_STRING, "age_band", M(u.visitation.age_band),
     Z(u.visitation.age_band), 0, 0, 0, MW_CL_AGE_BAND, NULL, "aldersgruppe",
     MW_FF_DERIVED},
    {MW_KIND_VISITATION, MW_FT_CODES, "problem_areas", M(u.visitation.areas),
     Z(u.visitation.areas[0]), M(u.visitation.n_areas), 0, MW_MAX_AREAS,
     MW_CL_PROBLEM_AREA, NULL, "problemomraader", 0},

    /* Contact */
    CODE(MW_KIND_CONTACT, "channel", u.contact.channel, MW_CL_CHANNEL,
         "kontaktform"),
    OPT_CODE(MW_KIND_CONTACT, "place", u.contact.place, MW_CL_PLACE, "sted"),

    /* Intervention */
    {MW_KIND_INTERVENTION, MW_FT_STRING, "intervention_ref",
     M(u.intervention.intervention_ref), Z(u.intervention.intervention_ref), 0,
     0, 0, -1, MW_INTREF_CHARS, "indsats_id", 0},
    CODE(MW_KIND_INTERVENTION, "category", u.intervention.category,
         MW_CL_INTERVENTION_CATEGORY, "indsatstype"),
    CODE(MW_KIND_INTERVENTION, "status", u.intervention.status,
         MW_CL_INTERVENTION_STATUS, "status"),
    {MW_KIND_INTERVENTION, MW_FT_OPT_DATE, "start_date",
     M(u.intervention.start_date), 0, 0, 0, 0, -1, NULL, "startdato", 0},
    {MW_KIND_INTERVENTION, MW_FT_OPT_DATE, "end_date",
     M(u.intervention.end_date), 0, 0, 0, 0, -1, NULL, "slutdato", 0},
    {MW_KIND_INTERVENTION, MW_FT_OPT_STRING, "mentor_type",
     M(u.intervention.mentor_type), Z(u.intervention.mentor_type), 0, 0, 0,
     MW_CL_MENTOR_TYPE, NULL, "mentortype", MW_FF_ID_IF_SET},

    /* Exit */
    CODE(MW_KIND_EXIT, "reason", u.exit.reason, MW_CL_EXIT_REASON,
         "afgangsaarsag"),

    /* ProfileChange */
    OPT_CODE(MW_KIND_PROFILE, "benefit_type", u.profile.benefit_type,
             MW_CL_BENEFIT, "ydelse"),
    {MW_KIND_PROFILE, MW_FT_OPT_CODES, "problem_areas", M(u.profile.areas),
     Z(u.profile.areas[0]), M(u.profile.n_areas), M(u.profile.has_areas),
     MW_MAX_AREAS, MW_CL_PROBLEM_AREA, NULL, "problemomraader", 0},
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static const struct mw_kind_info kinds[MW_KIND_COUNT] = {
    [MW_KIND_VISITATION] = {"visitation", "Visitation", "visitation"},
    [MW_KIND_CONTACT] = {"contact", "Contact", "kontakt"},
    [MW_KIND_INTERVENTION] = {"intervention", "Intervention", "indsats"},
    [MW_KIND_EXIT] = {"exit", "Exit", "afgang"},
    [MW_KIND_PROFILE] = {"profile_change", "ProfileChange", "profilaendring"},
};

const struct mw_kind_info *
mw_kind_info(enum mw_kind kind)
{
        if ((unsigned)kind >= MW_KIND_COUNT)
                return NULL;
        return &kinds[kind];
}

const struct mw_field *
mw_fields(size_t *n)
{
        *n = N_FIELDS;
        return fields;
}

const struct mw_field *
mw_fields_of(int record, size_t *n)
{
        size_t i, first = N_FIELDS;

        *n = 0;
        for (i = 0; i < N_FIELDS; i++) {
                if (fields[i].record != record)
                        continue;
                if (first == N_FIELDS)
                        first = i;
                (*n)++;
        }
        return *n ? &fields[first] : NULL;
}
