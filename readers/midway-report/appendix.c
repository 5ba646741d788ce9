/* midway-report: the appendices' figures (appendix.h): reading
 * status.appendix(), the disclosure control of the figures the main table
 * does not hold, and which figure is shown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "appendix.h"

#define OWN     (-1) /* a cell of the appendix's own table */
#define AS_BASE (-2) /* shown whenever its base is (youth/adult projects) */
#define REF     (-3) /* reference data (targets): always shown */

enum { G_NONE, G_GENDER, G_AGE, G_BENEFIT, G_PROBLEM, G_ONE, G_MULTI, G_TYPE };

#define A MW_RC_ACTIVE
const struct app_measure mw_app_measures[APP_N] = {
    {"visited", "1", AK_COUNT, MW_RC_VISITED, -1, 0, "Visiterede borgere",
     "Citizens visited"},
    {"active", "1", AK_COUNT, MW_RC_ACTIVE, -1, 0, "Aktive borgere",
     "Active citizens"},
    {"expected_target", "1", AK_COUNT, REF, -1, 0, "Forventet pr. 1. juli 2015",
     "Expected by 1 July 2015"},
    {"expected_target_total", "1", AK_COUNT, REF, -1, 0, "Samlet måltal",
     "Total target"},
    {"share_of_total_target", "1", AK_SHARE, MW_RC_VISITED, REF, 0,
     "Visiterede i pct. af samlet måltal", "Visited, % of the total target"},
    {"gender.female", "2", AK_SHARE, MW_RC_FEMALE, A, G_GENDER, "Kvinder",
     "Women"},
    {"gender.male", "2", AK_SHARE, MW_RC_MALE, A, G_GENDER, "Mænd", "Men"},
    {"age.18_24", "2", AK_SHARE, MW_RC_AGE_FIRST, A, G_AGE, "18-24 år",
     "18-24 years"},
    {"age.25_29", "2", AK_SHARE, MW_RC_AGE_FIRST + 1, A, G_AGE, "25-29 år",
     "25-29 years"},
    {"age.30_39", "2", AK_SHARE, MW_RC_AGE_FIRST + 2, A, G_AGE, "30-39 år",
     "30-39 years"},
    {"age.40_49", "2", AK_SHARE, MW_RC_AGE_FIRST + 3, A, G_AGE, "40-49 år",
     "40-49 years"},
    {"age.50_plus", "2", AK_SHARE, MW_RC_AGE_FIRST + 4, A, G_AGE,
     "50 år og derover", "50 years and over"},
    {"benefit.ressourceforloeb", "2", AK_SHARE, MW_RC_BENEFIT_FIRST, A,
     G_BENEFIT, "Ressourceforløbsydelse", "Resource-course benefit"},
    {"benefit.kontanthjaelp", "2", AK_SHARE, MW_RC_BENEFIT_FIRST + 1, A,
     G_BENEFIT, "Kontanthjælp", "Cash benefit"},
    {"benefit.uddannelseshjaelp", "2", AK_SHARE, MW_RC_BENEFIT_FIRST + 2, A,
     G_BENEFIT, "Uddannelseshjælp", "Education benefit"},
    {"benefit.other", "2", AK_SHARE, MW_RC_BENEFIT_FIRST + 3, A, G_BENEFIT,
     "Andet", "Other"},
    {"benefit.not_stated", "2", AK_SHARE, MW_RC_BENEFIT_FIRST + 4, A, G_BENEFIT,
     "Ikke angivet", "Not stated"},
    {"problem.one", "2", AK_SHARE, MW_RC_ONE_AREA, A, G_PROBLEM,
     "Ét hovedproblemområde", "One main problem area"},
    {"problem.multiple", "2", AK_SHARE, MW_RC_MULTI_AREA, A, G_PROBLEM,
     "Flere hovedproblemområder", "More than one main problem area"},
    {"problem.not_stated", "2", AK_SHARE, MW_RC_NO_AREA, A, G_PROBLEM,
     "Ikke angivet", "Not stated"},
    {"one.psychological", "2", AK_SHARE, OWN, MW_RC_ONE_AREA, G_ONE, "Psykisk",
     "Psychological"},
    {"one.physical", "2", AK_SHARE, OWN, MW_RC_ONE_AREA, G_ONE, "Fysisk",
     "Physical"},
    {"one.social", "2", AK_SHARE, OWN, MW_RC_ONE_AREA, G_ONE, "Socialt",
     "Social"},
    {"multiple.psychological_physical", "2", AK_SHARE, OWN, MW_RC_MULTI_AREA,
     G_MULTI, "Psykisk og fysisk", "Psychological and physical"},
    {"multiple.psychological_social", "2", AK_SHARE, OWN, MW_RC_MULTI_AREA,
     G_MULTI, "Psykisk og socialt", "Psychological and social"},
    {"multiple.physical_social", "2", AK_SHARE, OWN, MW_RC_MULTI_AREA, G_MULTI,
     "Fysisk og socialt", "Physical and social"},
    {"multiple.all_three", "2", AK_SHARE, OWN, MW_RC_MULTI_AREA, G_MULTI,
     "Alle tre", "All three"},
    {"project_type.youth", "2", AK_SHARE, AS_BASE, A, G_TYPE, "Ungeprojekter",
     "Youth projects"},
    {"project_type.adult", "2", AK_SHARE, AS_BASE, A, G_TYPE, "Voksenprojekter",
     "Adult projects"},
    {"contacts.first_month", "3", AK_RATE, OWN, -1, 0,
     "Kontakter i første måned pr. borger",
     "Contacts in the first month per citizen"},
    {"contacts.later_months", "3", AK_RATE, OWN, -1, 0,
     "Kontakter pr. borger pr. måned derefter",
     "Contacts per citizen per month after that"},
    {"months_in_project", "3", AK_AVERAGE, OWN, A, 0,
     "Gennemsnitlig tid i projektet (måneder)",
     "Average time in the project (months)"},
    {"mentor", "4", AK_SHARE, MW_RC_MENTOR, A, 0, "Aktive med mentorstøtte",
     "Active with mentor support"},
    {"mentor_months", "4", AK_AVERAGE, OWN, MW_RC_MENTOR, 0,
     "Gennemsnitlig varighed af mentorstøtten (måneder)",
     "Average duration of the mentor support (months)"},
    {"without_intervention", "5", AK_SHARE, MW_RC_NO_INTERVENTION, A, 0,
     "Aktive uden indsats", "Active without an intervention"},
    {"without_intervention_months", "5", AK_AVERAGE, OWN, MW_RC_NO_INTERVENTION,
     0, "Deres gennemsnitlige tid i projektet (måneder)",
     "Their average time in the project (months)"},
    {"at_least_one", "interventions", AK_SHARE, MW_RC_INTERVENTION, A, 0,
     "Mindst én indsats", "At least one intervention"},
    {"category.company", "interventions", AK_SHARE, MW_RC_COMPANY, A, 0,
     "Virksomhedsrettet indsats", "Company-oriented"},
    {"category.mentor", "interventions", AK_SHARE, MW_RC_MENTOR, A, 0,
     "Mentorstøtte", "Mentor support"},
    {"category.health", "interventions", AK_SHARE, OWN, A, 0, "Sundhedsindsats",
     "Health"},
    {"category.social", "interventions", AK_SHARE, OWN, A, 0, "Social indsats",
     "Social"},
    {"category.education", "interventions", AK_SHARE, OWN, A, 0,
     "Uddannelsesrettet indsats", "Education"},
    {"category.other", "interventions", AK_SHARE, OWN, A, 0, "Anden indsats",
     "Other intervention"},
    {"parallel", "interventions", AK_SHARE, OWN, A, 0,
     "Flere indsatser på samme tid (parallelle)",
     "Several interventions at the same time (parallel)"},
};
#undef A

int
mw_app_find(const char *name)
{
        int m;

        for (m = 0; m < APP_N; m++)
                if (strcmp(mw_app_measures[m].name, name) == 0)
                        return m;
        return -1;
}

int
mw_app_decimals(int m, enum app_field f)
{
        enum app_kind k = mw_app_measures[m].kind;

        if (f == AF_CHANGE)
                return 1;
        if (f != AF_VALUE && f != AF_PREV_VALUE)
                return 0;
        return k == AK_RATE ? 2 : k == AK_COUNT ? 0 : 1;
}

/* A decimal with an optional minus sign into a scaled value. */
static mw_err_t
parse_signed(const char *s, int decimals, long *out)
{
        int neg = *s == '-';
        mw_err_t err = mw_fmt_parse_fixed(s + neg, decimals, out);

        if (!err && neg)
                *out = -*out;
        return err;
}

static const char *const field_names[AF_COUNT] = {
    "n", "base", "value", "prev_n", "prev_base", "prev_value", "change_pp"};

mw_err_t
mw_app_parse(struct report *rep, void *pgresult, char *errstr,
             size_t errstr_size)
{
        PGresult *res = pgresult;
        const struct mw_rdate *cut = &rep->dates[rep->cutoff];
        struct appendix *app;
        int col[AF_COUNT], f_meas = PQfnumber(res, "measure"), r, f;
        size_t nr = cut->n_rows;

        for (f = 0; f < AF_COUNT; f++)
                if ((col[f] = PQfnumber(res, field_names[f])) < 0)
                        return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                       "appendix has no column %s",
                                       field_names[f]);
        if (f_meas < 0 || (size_t)PQntuples(res) != nr * APP_N)
                return mw_errf(errstr, errstr_size, MW_ERR_DB,
                               "appendix: %d rows, expected %zu",
                               PQntuples(res), nr * APP_N);
        app = rep->app = calloc(1, sizeof(*app));
        if (app)
                app->rows = calloc(nr, sizeof(*app->rows));
        if (!app || !app->rows)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        app->n_rows = nr;
        for (r = 0; r < PQntuples(res); r++) {
                struct app_row *row = &app->rows[(size_t)r / APP_N];
                int m = r % APP_N;
                struct app_val *v = &row->f[m];

                row->project_id = cut->rows[r / APP_N].project_id;
                if (strcmp(PQgetvalue(res, r, f_meas),
                           mw_app_measures[m].name) != 0)
                        return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                       "appendix row %d: %s, expected %s", r,
                                       PQgetvalue(res, r, f_meas),
                                       mw_app_measures[m].name);
                v->id = v->prev_id = MW_RT_NONE;
                for (f = 0; f < AF_COUNT; f++) {
                        v->null[f] = (unsigned char)PQgetisnull(res, r, col[f]);
                        if (!v->null[f] &&
                            parse_signed(PQgetvalue(res, r, col[f]),
                                         mw_app_decimals(m, (enum app_field)f),
                                         &v->v[f]))
                                return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                               "appendix row %d: bad %s", r,
                                               field_names[f]);
                }
        }
        return MW_OK;
}

mw_err_t
mw_app_check(const struct report *rep, char *errstr, size_t errstr_size)
{
        const struct mw_rdate *cut = &rep->dates[rep->cutoff];
        size_t r;
        int m;

        for (r = 0; r < rep->app->n_rows; r++)
                for (m = 0; m < APP_N; m++) {
                        const struct app_val *v = &rep->app->rows[r].f[m];
                        int col = mw_app_measures[m].col;

                        /* the share of the total target counts only the
                         * projects with a target */
                        if (col >= 0 && mw_app_measures[m].base_col != REF &&
                            v->v[AF_N] != cut->rows[r].n[col])
                                return mw_errf(errstr, errstr_size, MW_ERR_DB,
                                               "appendix: %s of row %zu "
                                               "differs from the status",
                                               mw_app_measures[m].name, r);
                }
        return MW_OK;
}

void
mw_app_release(struct appendix *app)
{
        if (!app)
                return;
        free(app->rows);
        mw_dc_destroy(app->dc);
        free(app->company);
        free(app->prev_active);
        free(app->withheld);
        free(app);
}

/* ---- which figure is shown ---------------------------------------- */

static int
own_hidden(const struct appendix *app, size_t id)
{
        return id == MW_RT_NONE || mw_dc_suppressed(app->dc, id);
}

/* The base of measure m on row (at the previous cut-off if prev). */
static int
base_hidden(const struct report *rep, size_t row, int m, int prev)
{
        const struct app_row *r = &rep->app->rows[row];
        int bc = mw_app_measures[m].base_col;

        if (bc < 0)
                return 0; /* reference data, or not published */
        if (!prev)
                return mw_report_hidden(rep, rep->cutoff, row,
                                        (enum mw_rcol)bc);
        if (bc == MW_RC_ONE_AREA)
                return own_hidden(rep->app,
                                  r->f[mw_app_find("problem.one")].prev_id);
        if (bc == MW_RC_MULTI_AREA)
                return own_hidden(
                    rep->app, r->f[mw_app_find("problem.multiple")].prev_id);
        return mw_report_hidden(rep, rep->prev, row, (enum mw_rcol)bc);
}

static int
n_hidden(const struct report *rep, size_t row, int m, int prev)
{
        const struct app_measure *am = &mw_app_measures[m];
        const struct app_val *v = &rep->app->rows[row].f[m];

        if (am->col == AS_BASE)
                return base_hidden(rep, row, m, prev);
        if (prev)
                return own_hidden(rep->app, v->prev_id);
        if (am->col == REF)
                return 0;
        if (am->col >= 0)
                return mw_report_hidden(rep, rep->cutoff, row,
                                        (enum mw_rcol)am->col);
        return own_hidden(rep->app, v->id);
}

/* A share, rate or average over base persons: hidden with its counts,
 * and over 1 to threshold - 1 persons. */
static enum app_show
over(const struct report *rep, int hidden, long base, int counted)
{
        if (hidden)
                return AS_HIDDEN;
        if (counted && base > 0 && base < rep->opts->threshold)
                return AS_HIDDEN;
        return AS_SHOW;
}

enum app_show
mw_app_show(const struct report *rep, size_t row, int m, enum app_field f)
{
        const struct app_measure *am = &mw_app_measures[m];
        const struct app_val *v = &rep->app->rows[row].f[m];
        enum app_show a, b;
        int persons = am->base_col != REF;

        if (v->null[f])
                return AS_EMPTY;
        /* the previous cut-off: of all projects only (appendix_dc.c) */
        if (f >= AF_PREV_N && row + 1 != rep->app->n_rows)
                return AS_EMPTY;
        switch (f) {
        case AF_N:
                if (am->kind == AK_RATE)
                        return AS_EMPTY; /* contacts: not published */
                return n_hidden(rep, row, m, 0) ? AS_HIDDEN : AS_SHOW;
        case AF_BASE:
                if (am->kind == AK_RATE)
                        return AS_EMPTY;
                return base_hidden(rep, row, m, 0) ? AS_HIDDEN : AS_SHOW;
        case AF_VALUE:
                if (am->kind == AK_COUNT)
                        return n_hidden(rep, row, m, 0) ? AS_HIDDEN : AS_SHOW;
                if (am->kind == AK_RATE)
                        return over(rep, 0, v->v[AF_BASE], 1);
                return over(
                    rep,
                    base_hidden(rep, row, m, 0) ||
                        (am->kind == AK_SHARE && n_hidden(rep, row, m, 0)),
                    v->v[AF_BASE], persons);
        case AF_PREV_N:
                return n_hidden(rep, row, m, 1) ? AS_HIDDEN : AS_SHOW;
        case AF_PREV_BASE:
                return base_hidden(rep, row, m, 1) ? AS_HIDDEN : AS_SHOW;
        case AF_PREV_VALUE:
                return over(rep,
                            n_hidden(rep, row, m, 1) ||
                                base_hidden(rep, row, m, 1),
                            v->v[AF_PREV_BASE], 1);
        default: /* AF_CHANGE: withheld when either share is */
                a = mw_app_show(rep, row, m, AF_VALUE);
                b = mw_app_show(rep, row, m, AF_PREV_VALUE);
                if (a == AS_EMPTY || b == AS_EMPTY)
                        return AS_EMPTY;
                return a == AS_HIDDEN || b == AS_HIDDEN ? AS_HIDDEN : AS_SHOW;
        }
}

enum app_show
mw_app_company_show(const struct report *rep, size_t d, size_t row)
{
        const struct appendix *app = rep->app;
        long active = mw_report_value(rep, d, row, MW_RC_ACTIVE);
        int hidden;

        if (active == 0)
                return AS_EMPTY;
        hidden = mw_report_hidden(rep, d, row, MW_RC_ACTIVE);
        if (rep->dates[d].kind == MW_RD_SERIES)
                hidden |= own_hidden(app, app->company[d * app->n_rows + row]);
        else
                hidden |= mw_report_hidden(rep, d, row, MW_RC_COMPANY);
        return over(rep, hidden, active, 1);
}
