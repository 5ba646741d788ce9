/* Unit tests: event validation, code lists and the project table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "midway/codes.h"
#include "midway/date.h"
#include "midway/projects.h"
#include "midway/validate.h"

static void
good_event(struct mw_event *ev, enum mw_kind kind)
{
        mw_event_init(ev, kind);
        strcpy(ev->event_id, "0f8fad5b-d9cb-569f-a1a1-4f6f6fe1a7a4");
        ev->project_id = 28;
        ev->municipality_code = 183;
        memset(ev->citizen_ref, 'a', MW_REF_STRLEN);
        strcpy(ev->key_id, "0011223344556677");
        strcpy(ev->producer_id, "test");
        ev->event_date = mw_date_from_ymd(2015, 3, 1);
        ev->registered_at = (int64_t)mw_date_from_ymd(2015, 3, 2) * 86400000;
        switch (kind) {
        case MW_KIND_VISITATION:
                strcpy(ev->u.visitation.target_group, "adult");
                strcpy(ev->u.visitation.benefit_type, "kontanthjaelp");
                strcpy(ev->u.visitation.gender, "female");
                strcpy(ev->u.visitation.age_band, "30-39");
                ev->u.visitation.n_areas = 2;
                strcpy(ev->u.visitation.areas[0], "psychological");
                strcpy(ev->u.visitation.areas[1], "social");
                break;
        case MW_KIND_CONTACT:
                strcpy(ev->u.contact.channel, "sms");
                break;
        case MW_KIND_INTERVENTION:
                strcpy(ev->u.intervention.intervention_ref, "X1");
                strcpy(ev->u.intervention.category, "mentor");
                strcpy(ev->u.intervention.status, "started");
                ev->u.intervention.start_date = ev->event_date;
                break;
        case MW_KIND_EXIT:
                strcpy(ev->u.exit.reason, "flexjob");
                break;
        case MW_KIND_PROFILE:
                strcpy(ev->u.profile.benefit_type, "ressourceforloeb");
                break;
        }
}

static void
test_valid_events(void **state)
{
        char errstr[256] = "";
        struct mw_event ev;
        int k;

        (void)state;
        for (k = 0; k < MW_KIND_COUNT; k++) {
                good_event(&ev, (enum mw_kind)k);
                assert_int_equal(mw_event_validate(&ev, errstr, sizeof(errstr)),
                                 MW_OK);
        }
        /* mentor support with its mentor's type */
        good_event(&ev, MW_KIND_INTERVENTION);
        strcpy(ev.u.intervention.mentor_type, "lab");
        assert_int_equal(mw_event_validate(&ev, errstr, sizeof(errstr)), MW_OK);
}

struct bad_case {
        const char *expect; /* substring of the error */
        void (*mutate)(struct mw_event *ev);
        enum mw_kind kind;
};

static void
m_project(struct mw_event *ev)
{
        ev->project_id = 31;
}
static void
m_muni(struct mw_event *ev)
{
        ev->municipality_code = 151;
}
static void
m_ref(struct mw_event *ev)
{
        ev->citizen_ref[3] = 'G';
}
static void
m_uuid(struct mw_event *ev)
{
        ev->event_id[8] = 'x';
}
static void
m_early(struct mw_event *ev)
{
        ev->event_date = mw_date_from_ymd(2014, 9, 30);
}
static void
m_future(struct mw_event *ev)
{
        ev->event_date = mw_date_from_ymd(2015, 3, 3);
}
static void
m_code(struct mw_event *ev)
{
        strcpy(ev->u.visitation.gender, "x");
}
static void
m_areas_dup(struct mw_event *ev)
{
        strcpy(ev->u.visitation.areas[1], "psychological");
}
static void
m_reason(struct mw_event *ev)
{
        strcpy(ev->u.exit.reason, "Fleksjob"); /* a label, not the code */
}
static void
m_ends_early(struct mw_event *ev)
{
        ev->u.intervention.end_date = ev->u.intervention.start_date - 1;
}
static void
m_correction(struct mw_event *ev)
{
        ev->action = MW_ACTION_CORRECTION;
}
static void
m_new_supersedes(struct mw_event *ev)
{
        strcpy(ev->supersedes, "0f8fad5b-d9cb-569f-a1a1-4f6f6fe1a7a5");
}
static void
m_self(struct mw_event *ev)
{
        ev->action = MW_ACTION_RETRACTION;
        strcpy(ev->supersedes, ev->event_id);
}
static void
m_empty_profile(struct mw_event *ev)
{
        ev->u.profile.benefit_type[0] = '\0';
}
static void
m_place(struct mw_event *ev)
{
        strcpy(ev->u.contact.place, "moon");
}

/* The red team's values (issue 11): what PostgreSQL would refuse, or what
 * would reach it as a made-up date, is refused here. */
static void
m_year_10000(struct mw_event *ev)
{
        ev->event_date = mw_date_from_ymd(10000, 1, 1);
}
static void
m_registered_300000(struct mw_event *ev)
{
        ev->registered_at = INT64_C(9400000000000000); /* year 300000 */
}
static void
m_registered_future(struct mw_event *ev)
{
        ev->registered_at = ((int64_t)mw_date_today() + 3) * 86400000;
}
/* a registration before the programme: the reason writes the time as a
 * UTC date and time, never as 13 digits of milliseconds */
static void
m_registered_2005(struct mw_event *ev)
{
        ev->registered_at =
            ((int64_t)mw_date_from_ymd(2005, 2, 3) * 86400 + 36900) * 1000;
}
static void
m_start_max(struct mw_event *ev)
{
        ev->u.intervention.start_date = INT32_MAX;
}
static void
m_end_early(struct mw_event *ev)
{
        ev->u.intervention.start_date = MW_DATE_NONE;
        ev->u.intervention.end_date = 100;
}
static void
m_intref_utf8(struct mw_event *ev)
{
        strcpy(ev->u.intervention.intervention_ref, "\xff\xfePOISON");
}
static void
m_intref_blank(struct mw_event *ev)
{
        strcpy(ev->u.intervention.intervention_ref, "R 4");
}
static void
m_mentor_type_code(struct mw_event *ev)
{
        strcpy(ev->u.intervention.mentor_type, "coach");
}

static void
m_mentor_type_not_mentor(struct mw_event *ev)
{
        strcpy(ev->u.intervention.category, "health");
        strcpy(ev->u.intervention.mentor_type, "volunteer");
}

static void
m_producer_ctrl(struct mw_event *ev)
{
        strcpy(ev->producer_id, "host\nFAKE LOG LINE");
}
static void
m_producer_empty(struct mw_event *ev)
{
        ev->producer_id[0] = '\0';
}
static void
m_keyid(struct mw_event *ev)
{
        strcpy(ev->key_id, "k1");
}
static void
m_keyid_upper(struct mw_event *ev)
{
        strcpy(ev->key_id, "00112233445566AA");
}
static void
m_code_ctrl(struct mw_event *ev)
{
        strcpy(ev->u.visitation.gender, "x\n1402721168\x1b[2J");
}

static void
test_invalid_events(void **state)
{
        static const struct bad_case cases[] = {
            {"unknown project", m_project, MW_KIND_CONTACT},
            {"not part of project", m_muni, MW_KIND_CONTACT},
            {"citizen_ref", m_ref, MW_KIND_CONTACT},
            {"event_id", m_uuid, MW_KIND_CONTACT},
            {"before the programme", m_early, MW_KIND_CONTACT},
            {"after its registration", m_future, MW_KIND_CONTACT},
            {"unknown gender", m_code, MW_KIND_VISITATION},
            {"given twice", m_areas_dup, MW_KIND_VISITATION},
            {"unknown exit_reason", m_reason, MW_KIND_EXIT},
            {"ends before it starts", m_ends_early, MW_KIND_INTERVENTION},
            {"must name the event", m_correction, MW_KIND_EXIT},
            {"cannot supersede", m_new_supersedes, MW_KIND_EXIT},
            {"supersede itself", m_self, MW_KIND_EXIT},
            {"changes nothing", m_empty_profile, MW_KIND_PROFILE},
            {"unknown contact_place", m_place, MW_KIND_CONTACT},
            {"after its registration", m_year_10000, MW_KIND_CONTACT},
            {"registered_at is outside the years 0-9999", m_registered_300000,
             MW_KIND_CONTACT},
            {"T00:00:00Z is not between", m_registered_future, MW_KIND_CONTACT},
            {"registered_at 2005-02-03T10:15:00Z is not", m_registered_2005,
             MW_KIND_CONTACT},
            {"after 2099-12-31", m_start_max, MW_KIND_INTERVENTION},
            {"before the programme", m_end_early, MW_KIND_INTERVENTION},
            {"intervention_ref has a character", m_intref_utf8,
             MW_KIND_INTERVENTION},
            {"intervention_ref has a character", m_intref_blank,
             MW_KIND_INTERVENTION},
            {"unknown mentor_type code 'coach'", m_mentor_type_code,
             MW_KIND_INTERVENTION},
            {"mentor_type given for a health intervention",
             m_mentor_type_not_mentor, MW_KIND_INTERVENTION},
            {"producer_id", m_producer_ctrl, MW_KIND_CONTACT},
            {"producer_id is empty", m_producer_empty, MW_KIND_CONTACT},
            {"key_id", m_keyid, MW_KIND_CONTACT},
            {"key_id", m_keyid_upper, MW_KIND_CONTACT},
            {"unknown gender code 'x?XXXXXXXXXX?[2J'", m_code_ctrl,
             MW_KIND_VISITATION},
        };
        char errstr[256];
        struct mw_event ev;
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                good_event(&ev, cases[i].kind);
                cases[i].mutate(&ev);
                errstr[0] = '\0';
                assert_int_equal(mw_event_validate(&ev, errstr, sizeof(errstr)),
                                 MW_ERR_INVALID);
                if (!strstr(errstr, cases[i].expect))
                        fail_msg("case %zu: '%s' does not mention '%s'", i,
                                 errstr, cases[i].expect);
        }
}

/* mw_event_cpr_field() names the field that holds a CPR number, never
 * the number; a 16-digit hex key_id is a hash's, whatever its digits. */
static void
test_cpr_fields(void **state)
{
        struct mw_event ev;

        (void)state;
        good_event(&ev, MW_KIND_INTERVENTION);
        assert_null(mw_event_cpr_field(&ev));
        strcpy(ev.u.intervention.intervention_ref, "14.02.72-1168");
        assert_string_equal(mw_event_cpr_field(&ev), "intervention_ref");
        good_event(&ev, MW_KIND_CONTACT);
        strcpy(ev.producer_id, "host-3112791000");
        assert_string_equal(mw_event_cpr_field(&ev), "producer_id");
        good_event(&ev, MW_KIND_CONTACT);
        strcpy(ev.key_id, "0107904321");
        assert_string_equal(mw_event_cpr_field(&ev), "key_id");
        strcpy(ev.key_id, "0107904321abcdef");
        assert_null(mw_event_cpr_field(&ev));
        /* a contact has no intervention_ref: stale bytes are not read */
        strcpy(ev.u.intervention.intervention_ref, "1402721168");
        assert_null(mw_event_cpr_field(&ev));
}

/* The registration's date is its Danish one: a contact of 1 March 2015
 * registered at 23:30 UTC on 28 February (00:30 in Denmark) is valid; one
 * registered at 22:59 UTC (23:59 in Denmark) is after its registration. */
static void
test_registered_danish_day(void **state)
{
        int64_t midnight = (int64_t)mw_date_from_ymd(2015, 3, 1) * 86400000;
        char errstr[256] = "";
        struct mw_event ev;

        (void)state;
        good_event(&ev, MW_KIND_CONTACT);
        ev.registered_at = midnight - 30 * 60000;
        if (mw_event_validate(&ev, errstr, sizeof(errstr)) != MW_OK)
                fail_msg("00:30 Danish time rejected: %s", errstr);
        ev.registered_at = midnight - 61 * 60000;
        assert_int_equal(mw_event_validate(&ev, errstr, sizeof(errstr)),
                         MW_ERR_INVALID);
        assert_non_null(strstr(errstr, "after its registration"));
}

/* What mw_codes_match()'s exact-code shortcut rests on: no code has
 * blanks around it, and none equals an earlier entry's code or label,
 * ignoring case (codes are ASCII, where that is what folding does), so
 * the folding loop would return the same entry. */
static void
test_codes_exact(void **state)
{
        const struct mw_code *c;
        size_t n, j, k, len, checked = 0;
        int l;

        (void)state;
        for (l = 0; l < MW_CL_COUNT; l++) {
                c = mw_codes_list((enum mw_codelist)l, &n);
                for (j = 0; j < n; j++) {
                        len = strlen(c[j].code);
                        assert_true(len > 0);
                        assert_true(c[j].code[0] != ' ' &&
                                    c[j].code[0] != '\t' &&
                                    c[j].code[len - 1] != ' ' &&
                                    c[j].code[len - 1] != '\t');
                        for (k = 0; k < len; k++)
                                assert_true((unsigned char)c[j].code[k] < 0x80);
                        for (k = 0; k < j; k++) {
                                assert_true(strcasecmp(c[j].code, c[k].code));
                                assert_true(
                                    strcasecmp(c[j].code, c[k].label_da));
                                assert_true(
                                    strcasecmp(c[j].code, c[k].label_en));
                        }
                        assert_ptr_equal(
                            mw_codes_match((enum mw_codelist)l, c[j].code),
                            &c[j]);
                        checked++;
                }
        }
        print_message("%zu codes match themselves first\n", checked);
}

static void
test_codes_match(void **state)
{
        const struct mw_code *c;
        size_t n;

        (void)state;
        c = mw_codes_match(MW_CL_EXIT_REASON, "  graviditet ");
        assert_non_null(c);
        assert_string_equal(c->code, "parental_leave");
        c = mw_codes_match(MW_CL_EXIT_REASON, "BORGEREN ER OVERGÅET TIL "
                                              "FLEKSJOB");
        assert_non_null(c);
        assert_string_equal(c->group, "flexjob");
        c = mw_codes_match(MW_CL_BENEFIT, "kontanthjælp");
        assert_non_null(c);
        assert_string_equal(c->code, "kontanthjaelp");
        assert_null(mw_codes_match(MW_CL_BENEFIT, "kontant"));
        assert_null(mw_codes_match(MW_CL_BENEFIT, "kontanthjælpx"));
        assert_null(mw_codes_match(MW_CL_BENEFIT, "kontanthjæl"));
        assert_null(mw_codes_match(MW_CL_GENDER, ""));
        /* a lone 0xC3 at the end, and Æ Ø Å against æ ø å */
        assert_null(mw_codes_match(MW_CL_BENEFIT, "kontanthj\xc3"));
        c = mw_codes_match(MW_CL_BENEFIT, "KONTANTHJÆLP");
        assert_non_null(c);
        assert_string_equal(c->code, "kontanthjaelp");
        c = mw_codes_match(MW_CL_BENEFIT, "Ressourceforløbsydelse");
        assert_non_null(c);
        assert_string_equal(c->code, "ressourceforloeb");
        /* Table 2's twelve reasons plus illness; every reason grouped. */
        c = mw_codes_list(MW_CL_EXIT_REASON, &n);
        assert_int_equal(n, 13);
        while (n--)
                assert_non_null(c[n].group);
}

static void
test_projects(void **state)
{
        char errstr[256];
        const struct mw_project *p;
        size_t n, i;
        int youth = 0;

        (void)state;
        p = mw_projects(&n, errstr, sizeof(errstr));
        assert_non_null(p);
        assert_int_equal(n, 30);
        for (i = 0; i < n; i++) {
                assert_int_equal(p[i].id, (int)i + 1);
                youth += strcmp(p[i].target_group, "youth") == 0;
        }
        assert_int_equal(youth, 8); /* DOMAIN.md section 2 */
        p = mw_project_by_slug("vallensbaek-ishoej");
        assert_non_null(p);
        assert_int_equal(p->n_muni, 2);
        assert_true(mw_project_has_muni(p, 187));
        assert_true(mw_project_has_muni(p, 183));
        assert_int_equal(mw_project_find(24)->expected_total, 250);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid_events),
            cmocka_unit_test(test_invalid_events),
            cmocka_unit_test(test_registered_danish_day),
            cmocka_unit_test(test_cpr_fields),
            cmocka_unit_test(test_codes_match),
            cmocka_unit_test(test_codes_exact),
            cmocka_unit_test(test_projects),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
