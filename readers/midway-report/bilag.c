/* midway-report: the appendices (report.h, appendix.h): the page of
 * Bilag 1-5 across projects (bilag.html, bilag.md), each project's
 * sections "Bilag for projektet" and "Indsatserne i projektet", and
 * appendix.csv. Every figure is shown, hidden or empty as mw_app_show()
 * says; the texts of these pages are here, in Danish and English. */
#include <stdio.h>
#include <string.h>

#include "appendix.h"
#include "midway/date.h"
#include "midway/projects.h"

enum btext {
        B_PAGE,
        B_INTRO,
        B_B1,
        B_B1_NOTE,
        B_B2,
        B_B2_GENDER_AGE,
        B_B2_BENEFIT,
        B_B2_PROBLEM,
        B_B2_NOTE,
        B_FIG3,
        B_FIG3_NOTE,
        B_B3,
        B_B4,
        B_B5,
        B_AVG_NOTE,
        B_INTERVENTIONS,
        B_INT_NOTE,
        B_COMPANY_OVER_TIME,
        B_PROJECT_B,
        B_PROJECT_345,
        B_DETAIL_NOTE,
        B_LINK,
        B_FIGURE,
        B_PREV,
        B_NOW,
        B_CHANGE,
        B_ALL,
        B_N,
        B_SHARE,
        B_MONTH_END,
        B_ONE_PREFIX,
        B_MULTI_PREFIX,
        B_COUNT
};

static const char *const btexts[B_COUNT][2] = {
    [B_PAGE] = {"Bilag", "Appendices"},
    [B_INTRO] = {"Bilag 1-5 som i midtvejsstatussen: tallene for hvert "
                 "projekt og for alle projekter. Andele og gennemsnit over "
                 "færre end %d personer vises ikke.",
                 "Appendices 1-5 as in the midway status: the figures of "
                 "each project and of all projects. Shares and averages "
                 "over fewer than %d persons are not shown."},
    [B_B1] = {"Bilag 1. Nøgletal i forhold til projekternes status",
              "Appendix 1. Key figures on the projects' status"},
    [B_B1_NOTE] = {"Kilderne angiver kun et måltal for Frederikshavn "
                   "(samlet måltal 150, fra udvalgsreferatet) og Slagelse "
                   "(140 pr. 1. juli 2015, samlet 250). For de øvrige "
                   "projekter giver kilderne intet måltal (\xe2\x80\x93). "
                   "I alt: de visiterede i projekter med et måltal i pct. "
                   "af summen af deres måltal.",
                   "The sources state a target for Frederikshavn only (a "
                   "total of 150, from the committee minute) and Slagelse "
                   "(140 by 1 July 2015, 250 in total). For the other "
                   "projects the sources give no target (\xe2\x80\x93). "
                   "Total: the visited of the projects with a target, as a "
                   "percentage of the sum of their targets."},
    [B_B2] = {"Bilag 2. Målgruppeprofil for aktive borgere i projektet",
              "Appendix 2. Target-group profile of the active citizens"},
    [B_B2_GENDER_AGE] = {"Køn og alder (pct. af aktive)",
                         "Gender and age (% of active)"},
    [B_B2_BENEFIT] = {"Forsørgelsesgrundlag (pct. af aktive)",
                      "Benefit type (% of active)"},
    [B_B2_PROBLEM] = {"Hovedproblemområder (pct.)", "Main problem areas (%)"},
    [B_B2_NOTE] = {"Ét, flere og ikke angivet: pct. af aktive. Psykisk, "
                   "fysisk, socialt: pct. af dem med ét område. "
                   "Kombinationerne: pct. af dem med flere områder.",
                   "One, several and not stated: % of active. "
                   "Psychological, physical, social: % of those with one "
                   "area. The combinations: % of those with several areas."},
    [B_FIG3] = {"Ændring i målgruppen siden %s (alle projekter)",
                "Change in the target group since %s (all projects)"},
    [B_FIG3_NOTE] = {"Andele af de aktive borgere på de to datoer og "
                     "ændringen i procentpoint (af de uafrundede andele).",
                     "Shares of the active citizens at the two dates and the "
                     "change in percentage points (of the unrounded "
                     "shares)."},
    [B_B3] = {"Bilag 3. Gennemsnitlig kontakt og varighed pr. borger",
              "Appendix 3. Average contact and duration per citizen"},
    [B_B4] = {"Bilag 4. Mentorstøtte og gennemsnitlig varighed",
              "Appendix 4. Mentor support and its average duration"},
    [B_B5] = {"Bilag 5. Borgere uden indsats og deres gennemsnitlige tid i "
              "projektet",
              "Appendix 5. Citizens without an intervention and their "
              "average time in the project"},
    [B_AVG_NOTE] = {"Måneder = dage / 30,4375. Tid i projektet: fra "
                    "visitation til opgørelsesdatoen, for aktive borgere. "
                    "Mentorstøttens varighed: fra første start til seneste "
                    "slut (eller opgørelsesdatoen, hvis den er i gang).",
                    "Months = days / 30.4375. Time in the project: from "
                    "intake to the cut-off, for active citizens. Duration of "
                    "mentor support: from its first start to its latest end "
                    "(or the cut-off if it is still in progress)."},
    [B_INTERVENTIONS] = {"Indsatserne i projektet",
                         "The interventions in the project"},
    [B_INT_NOTE] = {"Aktive borgere, der har været i gang med en indsats af "
                    "kategorien (påbegyndt senest på opgørelsesdatoen); en "
                    "borger kan have flere. Parallelle: mindst to indsatser "
                    "i gang på opgørelsesdatoen.",
                    "Active citizens who have been in an intervention of the "
                    "category (started by the cut-off); a citizen may have "
                    "several. Parallel: at least two interventions in "
                    "progress at the cut-off."},
    [B_COMPANY_OVER_TIME] = {"Andel med virksomhedsrettet indsats ved "
                             "månedsskift",
                             "Share with a company-oriented intervention at "
                             "the month ends"},
    [B_PROJECT_B] = {"Hovedproblemområder i detaljer (bilag 2)",
                     "Main problem areas in detail (appendix 2)"},
    [B_PROJECT_345] = {"Kontakt, mentorstøtte og borgere uden indsats "
                       "(bilag 3-5)",
                       "Contact, mentor support and citizens without an "
                       "intervention (appendices 3-5)"},
    [B_DETAIL_NOTE] = {"Psykisk, fysisk, socialt: pct. af de aktive med ét "
                       "hovedproblemområde. Kombinationerne: pct. af dem med "
                       "flere. Ændringen siden %s for alle projekter: se "
                       "bilagene.",
                       "Psychological, physical, social: %% of the active "
                       "citizens with one main problem area. The "
                       "combinations: %% of those with several. The change "
                       "since %s for all projects: see the appendices."},
    [B_LINK] = {"Bilag 1-5: nøgletal, målgruppeprofil, kontakt, mentorstøtte "
                "og borgere uden indsats",
                "Appendices 1-5: key figures, target-group profile, contact, "
                "mentor support and citizens without an intervention"},
    [B_FIGURE] = {"", ""},
    [B_PREV] = {"Andel %s", "Share %s"},
    [B_NOW] = {"Andel %s", "Share %s"},
    [B_CHANGE] = {"Ændring", "Change"},
    [B_ALL] = {"Alle projekter", "All projects"},
    [B_N] = {"Antal", "Number"},
    [B_SHARE] = {"Andel af aktive", "Share of active"},
    [B_MONTH_END] = {"Dato", "Date"},
    [B_ONE_PREFIX] = {"Ét område: ", "One area: "},
    [B_MULTI_PREFIX] = {"Flere: ", "Several: "},
};

static const char *
T(const struct report *rep, enum btext t)
{
        return btexts[t][rep->lang == MW_LANG_EN];
}

static const char *
mlabel(const struct report *rep, int m)
{
        return rep->lang == MW_LANG_EN ? mw_app_measures[m].en
                                       : mw_app_measures[m].da;
}

static int
M(const char *name)
{
        return mw_app_find(name);
}

/* The text of field f of measure m on row, or the marker, or empty. */
static struct mw_rcell
fcell(const struct report *rep, struct rowtext *rt, size_t row, int m,
      enum app_field f)
{
        struct mw_rcell c = {NULL, MW_RCELL_NUM, NULL, NULL};
        const struct app_val *v = &rep->app->rows[row].f[m];
        enum app_show s = mw_app_show(rep, row, m, f);
        enum app_kind k = mw_app_measures[m].kind;
        char *out, num[32];

        if (s == AS_HIDDEN) {
                c.text = MARKER;
                c.kind = MW_RCELL_HIDDEN;
                return c;
        }
        if (s == AS_EMPTY)
                return mw_report_cell_empty();
        out = mw_report_slot(rt);
        if (f == AF_CHANGE) {
                mw_fmt_fixed(num, v->v[f], 1, 1, rep->lang);
                snprintf(out, 48, "%s%s", num, L(rep, L_PP));
        } else if ((f == AF_VALUE || f == AF_PREV_VALUE) && k == AK_SHARE) {
                mw_fmt_pct(out, v->v[f], 0, rep->lang);
        } else if (f == AF_VALUE || f == AF_PREV_VALUE) {
                mw_fmt_fixed(out, v->v[f], mw_app_decimals(m, f), 0, rep->lang);
        } else {
                mw_fmt_int(out, v->v[f], 0, rep->lang);
                c.kind = MW_RCELL_COUNT;
        }
        c.text = out;
        return c;
}

/* The project's name, linked to its page (the total: "I alt"). */
static struct mw_rcell
name_cell(const struct report *rep, size_t row, char href[64], char md[64])
{
        const struct mw_rrow *r = mw_report_row(rep, rep->cutoff, row);
        const struct mw_project *p = mw_project_find(r->project_id);
        struct mw_rcell c =
            mw_report_cell_text(row == rep->total ? L(rep, L_TOTAL) : r->name);

        if (row != rep->total && p) {
                snprintf(href, 64, "%s.html", p->slug);
                snprintf(md, 64, "%s.md", p->slug);
                c.href = href;
                c.md_href = md;
        }
        return c;
}

/* One table across projects: a row per project and the total, a column
 * per (measure, field). */
struct acol {
        const char *m;
        enum app_field f;
        const char *head; /* NULL: the measure's label */
};

static void
across(struct report *rep, struct mw_rdoc *doc, const char *caption,
       const struct acol *cols, size_t n, const char *note)
{
        const char *head[16];
        size_t r, i;

        head[0] = L(rep, L_PROJECT);
        for (i = 0; i < n && i < 15; i++)
                head[i + 1] =
                    cols[i].head ? cols[i].head : mlabel(rep, M(cols[i].m));
        mw_rdoc_table(doc, n > 7 ? "app wide" : "app", caption, head, n + 1);
        for (r = 0; r < rep->n_rows && !doc->err; r++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[16];
                char href[64], md[64];

                cell[0] = name_cell(rep, r, href, md);
                for (i = 0; i < n && i < 15; i++)
                        cell[i + 1] =
                            fcell(rep, &rt, r, M(cols[i].m), cols[i].f);
                mw_rdoc_row(doc, cell, r == rep->total);
        }
        mw_rdoc_table_end(doc, note);
}

static void
bilag1(struct report *rep, struct mw_rdoc *doc)
{
        const struct acol cols[] = {{"expected_target", AF_N, NULL},
                                    {"expected_target_total", AF_N, NULL},
                                    {"visited", AF_N, NULL},
                                    {"share_of_total_target", AF_VALUE, NULL},
                                    {"active", AF_N, NULL}};

        mw_rdoc_heading(doc, 2, "bilag1", T(rep, B_B1));
        across(rep, doc, NULL, cols, 5, T(rep, B_B1_NOTE));
}

static void
bilag2(struct report *rep, struct mw_rdoc *doc)
{
        const struct acol ga[] = {
            {"active", AF_N, NULL},          {"gender.female", AF_VALUE, NULL},
            {"gender.male", AF_VALUE, NULL}, {"age.18_24", AF_VALUE, NULL},
            {"age.25_29", AF_VALUE, NULL},   {"age.30_39", AF_VALUE, NULL},
            {"age.40_49", AF_VALUE, NULL},   {"age.50_plus", AF_VALUE, NULL}};
        const struct acol be[] = {{"benefit.ressourceforloeb", AF_VALUE, NULL},
                                  {"benefit.kontanthjaelp", AF_VALUE, NULL},
                                  {"benefit.uddannelseshjaelp", AF_VALUE, NULL},
                                  {"benefit.other", AF_VALUE, NULL},
                                  {"benefit.not_stated", AF_VALUE, NULL}};
        const struct acol pr[] = {
            {"problem.one", AF_VALUE, NULL},
            {"problem.multiple", AF_VALUE, NULL},
            {"problem.not_stated", AF_VALUE, NULL},
            {"one.psychological", AF_VALUE, NULL},
            {"one.physical", AF_VALUE, NULL},
            {"one.social", AF_VALUE, NULL},
            {"multiple.psychological_physical", AF_VALUE, NULL},
            {"multiple.psychological_social", AF_VALUE, NULL},
            {"multiple.physical_social", AF_VALUE, NULL},
            {"multiple.all_three", AF_VALUE, NULL}};

        mw_rdoc_heading(doc, 2, "bilag2", T(rep, B_B2));
        across(rep, doc, T(rep, B_B2_GENDER_AGE), ga, 8, NULL);
        across(rep, doc, T(rep, B_B2_BENEFIT), be, 5, NULL);
        across(rep, doc, T(rep, B_B2_PROBLEM), pr, 10, T(rep, B_B2_NOTE));
}

/* Bilag 2's figures of all projects at the two cut-offs and the change
 * (Fig. 3 of the real report). */
static void
change_table(struct report *rep, struct mw_rdoc *doc)
{
        char prev[64], now[64];
        const char *head[4];
        size_t row = rep->total;
        int m;

        snprintf(prev, sizeof(prev), T(rep, B_PREV), rep->prev_text);
        snprintf(now, sizeof(now), T(rep, B_NOW), rep->cut_text);
        head[0] = "";
        head[1] = prev;
        head[2] = now;
        head[3] = T(rep, B_CHANGE);
        mw_rdoc_table(doc, "app", NULL, head, 4);
        for (m = 0; m < APP_N && !doc->err; m++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[4];
                char *label;

                if (strcmp(mw_app_measures[m].appendix, "2") != 0)
                        continue;
                label = mw_report_slot(&rt);
                snprintf(label, sizeof(rt.s[0]), "%s%s",
                         strncmp(mw_app_measures[m].name, "one.", 4) == 0
                             ? T(rep, B_ONE_PREFIX)
                         : strncmp(mw_app_measures[m].name, "multiple.", 9) == 0
                             ? T(rep, B_MULTI_PREFIX)
                             : "",
                         mlabel(rep, m));
                cell[0] = mw_report_cell_text(label);
                cell[1] = fcell(rep, &rt, row, m, AF_PREV_VALUE);
                cell[2] = fcell(rep, &rt, row, m, AF_VALUE);
                cell[3] = fcell(rep, &rt, row, m, AF_CHANGE);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, T(rep, B_FIG3_NOTE));
}

static void
bilag3to5(struct report *rep, struct mw_rdoc *doc)
{
        const struct acol b3[] = {{"contacts.first_month", AF_VALUE, NULL},
                                  {"contacts.later_months", AF_VALUE, NULL},
                                  {"months_in_project", AF_VALUE, NULL}};
        const struct acol b4[] = {
            {"mentor", AF_N, L(rep, L_NUMBER)},
            {"mentor", AF_VALUE, L(rep, L_SHARE_OF_ACTIVE)},
            {"mentor_months", AF_VALUE, NULL}};
        const struct acol b5[] = {
            {"without_intervention", AF_N, L(rep, L_NUMBER)},
            {"without_intervention", AF_VALUE, L(rep, L_SHARE_OF_ACTIVE)},
            {"without_intervention_months", AF_VALUE, NULL}};

        mw_rdoc_heading(doc, 2, "bilag3", T(rep, B_B3));
        across(rep, doc, NULL, b3, 3, T(rep, B_AVG_NOTE));
        mw_rdoc_heading(doc, 2, "bilag4", T(rep, B_B4));
        across(rep, doc, NULL, b4, 3, NULL);
        mw_rdoc_heading(doc, 2, "bilag5", T(rep, B_B5));
        across(rep, doc, NULL, b5, 3, NULL);
}

void
mw_report_appendix_page(struct report *rep)
{
        struct mw_rdoc doc;
        char title[200], sub[200], kicker[160], intro[400], fig3[160];

        mw_rdoc_init(&doc, L(rep, L_HIDDEN_TITLE));
        snprintf(title, sizeof(title), "%s \xc2\xb7 %s %s", T(rep, B_PAGE),
                 L(rep, L_TITLE), rep->cut_text);
        snprintf(kicker, sizeof(kicker), "%s \xc2\xb7 %s", L(rep, L_PROGRAMME),
                 L(rep, L_TITLE));
        snprintf(sub, sizeof(sub), "%s%s", L(rep, L_STATUS_AS_OF),
                 rep->cut_text);
        mw_report_page_open(rep, &doc, title, kicker, T(rep, B_PAGE), sub);
        snprintf(intro, sizeof(intro), T(rep, B_INTRO), rep->opts->threshold);
        mw_rdoc_para(&doc, NULL, intro);
        bilag1(rep, &doc);
        bilag2(rep, &doc);
        snprintf(fig3, sizeof(fig3), T(rep, B_FIG3), rep->prev_text);
        mw_rdoc_heading(&doc, 3, "figur3", fig3);
        change_table(rep, &doc);
        bilag3to5(rep, &doc);
        mw_report_page_close(rep, &doc);
        if (!rep->err)
                rep->err = doc.err;
        mw_report_add_file(rep, "bilag.html", &doc.html);
        mw_report_add_file(rep, "bilag.md", &doc.md);
        mw_rdoc_release(&doc);
}

/* A table of one row's figures beside all projects': label, n, value. */
static void
beside(struct report *rep, struct mw_rdoc *doc, size_t row, const char *head0,
       const char *const *names, size_t n, const char *note)
{
        const char *head[4];
        size_t i;

        head[0] = head0;
        head[1] = L(rep, L_NUMBER);
        head[2] = L(rep, L_THE_PROJECT);
        head[3] = L(rep, L_ALL_PROJECTS);
        mw_rdoc_table(doc, "beside", NULL, head, 4);
        for (i = 0; i < n && !doc->err; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[4];
                int m = M(names[i]);

                cell[0] = mw_report_cell_text(mlabel(rep, m));
                cell[1] = fcell(rep, &rt, row, m, AF_N);
                cell[2] = fcell(rep, &rt, row, m, AF_VALUE);
                cell[3] = fcell(rep, &rt, rep->total, m, AF_VALUE);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, note);
}

/* The company-oriented share at every date before the cut-off and at it,
 * for the row and all projects. */
static void
company_table(struct report *rep, struct mw_rdoc *doc, size_t row)
{
        const char *head[3];
        size_t d, k;

        head[0] = T(rep, B_MONTH_END);
        head[1] = L(rep, L_THE_PROJECT);
        head[2] = L(rep, L_ALL_PROJECTS);
        mw_rdoc_table(doc, NULL, T(rep, B_COMPANY_OVER_TIME), head, 3);
        for (d = 0; d < rep->n_dates && !doc->err; d++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[3];
                char *date = mw_report_slot(&rt);

                mw_fmt_date(date, rep->dates[d].date, rep->lang);
                cell[0] = mw_report_cell_text(date);
                for (k = 0; k < 2; k++) {
                        size_t r = k ? rep->total : row;
                        enum app_show s = mw_app_company_show(rep, d, r);

                        if (s == AS_SHOW) {
                                char *o = mw_report_slot(&rt);

                                mw_fmt_pct(o,
                                           mw_pct_tenths(
                                               mw_report_value(rep, d, r,
                                                               MW_RC_COMPANY),
                                               mw_report_value(rep, d, r,
                                                               MW_RC_ACTIVE)),
                                           0, rep->lang);
                                cell[k + 1] = (struct mw_rcell){o, MW_RCELL_NUM,
                                                                NULL, NULL};
                        } else if (s == AS_HIDDEN) {
                                cell[k + 1] = (struct mw_rcell){
                                    MARKER, MW_RCELL_HIDDEN, NULL, NULL};
                        } else {
                                cell[k + 1] = mw_report_cell_empty();
                        }
                }
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, NULL);
}

void
mw_report_project_appendix(struct report *rep, struct mw_rdoc *doc, size_t row)
{
        static const char *const interventions[] = {
            "at_least_one",    "category.company", "category.mentor",
            "category.health", "category.social",  "category.education",
            "category.other",  "parallel"};
        static const char *const others[] = {"contacts.first_month",
                                             "contacts.later_months",
                                             "months_in_project",
                                             "mentor",
                                             "mentor_months",
                                             "without_intervention",
                                             "without_intervention_months"};
        static const char *const detail[] = {"one.psychological",
                                             "one.physical",
                                             "one.social",
                                             "multiple.psychological_physical",
                                             "multiple.psychological_social",
                                             "multiple.physical_social",
                                             "multiple.all_three"};
        char note[400];

        if (!rep->app)
                return;
        mw_rdoc_html(doc, "<div class=\"page2\"></div>\n");
        mw_rdoc_heading(doc, 2, "indsatserne", T(rep, B_INTERVENTIONS));
        mw_rdoc_html(doc, "<div class=\"cols\"><div>\n");
        beside(rep, doc, row, "", interventions, 8, T(rep, B_INT_NOTE));
        mw_rdoc_html(doc, "</div><div>\n");
        company_table(rep, doc, row);
        mw_rdoc_html(doc, "</div></div>\n");
        mw_rdoc_heading(doc, 3, "bilag345", T(rep, B_PROJECT_345));
        beside(rep, doc, row, "", others, 7, T(rep, B_AVG_NOTE));
        mw_rdoc_heading(doc, 3, "problemomraader", T(rep, B_PROJECT_B));
        snprintf(note, sizeof(note), T(rep, B_DETAIL_NOTE), rep->prev_text);
        beside(rep, doc, row, "", detail, 7, note);
}

void
mw_report_appendix_link(struct report *rep, struct mw_rdoc *doc)
{
        mw_rdoc_html(doc, "<p class=\"note\"><a href=\"bilag.html\">");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, T(rep, B_LINK));
        mw_rdoc_html(doc, "</a></p>\n");
        mw_rdoc_md(doc, "[");
        mw_rdoc_md(doc, T(rep, B_LINK));
        mw_rdoc_md(doc, "](bilag.md)\n\n");
}

/* ---- appendix.csv ---------------------------------------------------- */

static void
csv_raw(struct mw_buf *b, mw_err_t *err, const char *s)
{
        if (!*err)
                *err = mw_buf_append(b, s, strlen(s));
}

/* A scaled number as plain decimal text ("-1.5", "42.0", "7"). */
static void
plain(char out[32], long v, int decimals)
{
        static const long p10[] = {1, 10, 100, 1000};
        unsigned long a = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
        unsigned long d = (unsigned long)p10[decimals];

        if (decimals)
                snprintf(out, 32, "%s%lu.%0*lu", v < 0 ? "-" : "", a / d,
                         decimals, a % d);
        else
                snprintf(out, 32, "%s%lu", v < 0 ? "-" : "", a);
}

static void
csv_field(struct report *rep, struct mw_buf *b, mw_err_t *err, size_t row,
          int m, enum app_field f)
{
        enum app_show s = mw_app_show(rep, row, m, f);
        char num[32];

        csv_raw(b, err, ",");
        if (s == AS_HIDDEN) {
                csv_raw(b, err, MARKER);
        } else if (s == AS_SHOW) {
                plain(num, rep->app->rows[row].f[m].v[f],
                      mw_app_decimals(m, f));
                csv_raw(b, err, num);
        }
}

/* One line per row and figure at the cut-off, then the company-oriented
 * share at the other dates (measure company_oriented, value only). */
void
mw_report_appendix_csv(struct report *rep)
{
        struct mw_buf b = MW_BUF_INIT;
        mw_err_t err = MW_OK;
        char day[11], head[160];
        size_t r, d;
        int m, f;

        if (!rep->app)
                return;
        csv_raw(&b, &err,
                "as_of,project_id,project_name,appendix,measure,n,base,value,"
                "prev_n,prev_base,prev_value,change_pp\n");
        mw_date_format(rep->dates[rep->cutoff].date, day);
        for (r = 0; r < rep->n_rows && !err; r++) {
                const struct mw_rrow *row = mw_report_row(rep, rep->cutoff, r);

                for (m = 0; m < APP_N && !err; m++) {
                        if (row->project_id)
                                snprintf(head, sizeof(head), "%s,%d,", day,
                                         row->project_id);
                        else
                                snprintf(head, sizeof(head), "%s,,", day);
                        csv_raw(&b, &err, head);
                        if (!err)
                                err = mw_buf_csv(&b, row->name);
                        csv_raw(&b, &err, ",");
                        csv_raw(&b, &err, mw_app_measures[m].appendix);
                        csv_raw(&b, &err, ",");
                        csv_raw(&b, &err, mw_app_measures[m].name);
                        for (f = 0; f < AF_COUNT; f++)
                                csv_field(rep, &b, &err, r, m,
                                          (enum app_field)f);
                        csv_raw(&b, &err, "\n");
                }
        }
        for (d = 0; d < rep->n_dates && !err; d++) {
                if (d == rep->cutoff)
                        continue;
                mw_date_format(rep->dates[d].date, day);
                for (r = 0; r < rep->n_rows && !err; r++) {
                        const struct mw_rrow *row = mw_report_row(rep, d, r);
                        enum app_show s = mw_app_company_show(rep, d, r);
                        char num[32] = "";

                        if (s == AS_HIDDEN)
                                snprintf(num, sizeof(num), "%s", MARKER);
                        else if (s == AS_SHOW)
                                plain(num,
                                      mw_pct_tenths(row->n[MW_RC_COMPANY],
                                                    row->n[MW_RC_ACTIVE]),
                                      1);
                        if (row->project_id)
                                snprintf(head, sizeof(head), "%s,%d,", day,
                                         row->project_id);
                        else
                                snprintf(head, sizeof(head), "%s,,", day);
                        csv_raw(&b, &err, head);
                        if (!err)
                                err = mw_buf_csv(
                                    &b,
                                    mw_report_row(rep, rep->cutoff, r)->name);
                        csv_raw(&b, &err, ",interventions,company_oriented,,,");
                        csv_raw(&b, &err, num);
                        csv_raw(&b, &err, ",,,,\n");
                }
        }
        if (err && !rep->err)
                rep->err = err;
        mw_report_add_file(rep, "appendix.csv", &b);
        mw_buf_release(&b);
}
