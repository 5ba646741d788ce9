/* midway-report: the pages (report.h): the HTML overview and one page
 * per project (inline SVG charts, no JavaScript, A4 print CSS), and the
 * same figures as Markdown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/codes.h"
#include "midway/date.h"
#include "midway/projects.h"
#include "report.h"

static const char css[] =
    "<style>\n"
    ":root{--ink:#1a1a1a;--muted:#595959;--rule:#d9d9d9;--accent:#1f4e79;"
    "--band:#f3f6f9}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;color:var(--ink);background:#fff;font:15px/1.45 "
    "\"Segoe UI\",\"Helvetica Neue\",Helvetica,Arial,\"Liberation Sans\","
    "sans-serif}\n"
    "main{max-width:1040px;margin:0 auto;padding:28px 36px 40px}\n"
    "header.top{border-bottom:3px solid var(--accent);padding-bottom:10px;"
    "margin-bottom:18px}\n"
    "header.top .kicker{color:var(--accent);font-weight:600;letter-spacing:"
    ".04em;text-transform:uppercase;font-size:12px}\n"
    "h1{font-size:30px;margin:2px 0 4px;line-height:1.15}\n"
    "header.top .sub{color:var(--muted);font-size:15px}\n"
    "h2{font-size:19px;color:var(--accent);margin:26px 0 8px;border-bottom:"
    "1px solid var(--rule);padding-bottom:3px}\n"
    "h3{font-size:15px;margin:16px 0 6px}\n"
    "a{color:var(--accent)}\n"
    "table{border-collapse:collapse;width:100%;margin:6px 0 4px;"
    "font-size:13.5px;font-variant-numeric:tabular-nums}\n"
    "caption{text-align:left;font-weight:600;padding:4px 0;color:var(--ink)}"
    "\n"
    "th,td{padding:4px 8px;border-bottom:1px solid var(--rule);"
    "vertical-align:top}\n"
    "thead th{font-size:12px;color:var(--muted);font-weight:600;"
    "text-align:right;border-bottom:1.5px solid #8c8c8c}\n"
    "thead th.l,tbody th{text-align:left;font-weight:normal}\n"
    "td{text-align:right;white-space:nowrap}\n"
    "td.t{text-align:left;white-space:normal}\n"
    "td.x{color:#8c8c8c;font-style:italic}\n"
    "td.e{color:#a6a6a6}\n"
    "tbody tr:nth-child(even){background:var(--band)}\n"
    "tr.total th,tr.total td{font-weight:700;border-top:1.5px solid "
    "#8c8c8c}\n"
    "table.wide{font-size:12.5px}\n"
    "table.wide th,table.wide td{padding:3px 5px}\n"
    ".cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;"
    "margin:10px 0 6px}\n"
    ".card{background:var(--band);border-left:4px solid var(--accent);"
    "padding:8px 12px}\n"
    ".card .v{font-size:26px;font-weight:700;line-height:1.2}\n"
    ".card .k{font-size:12.5px;color:var(--muted)}\n"
    ".card .d{font-size:12px;color:var(--muted)}\n"
    ".cols{display:grid;grid-template-columns:1fr 1fr;gap:22px}\n"
    "svg.chart{width:100%;height:auto;display:block;margin:4px 0}\n"
    "svg.chart text{font-family:inherit}\n"
    "p.note,.legend{color:var(--muted);font-size:12.5px;margin:4px 0 8px}\n"
    "details{margin:4px 0 8px;font-size:13px}\n"
    "summary{cursor:pointer;color:var(--accent)}\n"
    "footer{margin-top:26px;border-top:1px solid var(--rule);padding-top:8px;"
    "color:var(--muted);font-size:12px}\n"
    "nav.back{font-size:13px;margin-bottom:6px}\n"
    "@page{size:A4;margin:12mm 12mm 13mm}\n"
    "@media print{body{font-size:9pt;line-height:1.25}"
    "main{max-width:none;padding:0}"
    "header.top{margin-bottom:6pt;padding-bottom:4pt}"
    "h1{font-size:18pt}h2{font-size:12pt;margin:9pt 0 3pt}"
    "h3{font-size:10pt;margin:5pt 0 2pt}"
    "table{font-size:8pt;margin:2pt 0}table.wide{font-size:7pt}"
    "th,td{padding:1.2pt 4pt}thead th{font-size:7.5pt}"
    "table.wide th,table.wide td{padding:1pt 2.5pt}"
    ".cards{gap:6pt;margin:4pt 0}.card{padding:4pt 8pt}"
    ".card .v{font-size:15pt}.cols{gap:12pt}"
    "p.note,.legend{font-size:7.5pt;margin:2pt 0 4pt}"
    "footer{margin-top:8pt;padding-top:4pt;font-size:7.5pt}"
    ".page2,#projekter{break-before:page}"
    "h2,h3,caption{break-after:avoid}tr,svg,.card{break-inside:avoid}"
    "details{display:none}nav.back{display:none}a{color:inherit;"
    "text-decoration:none}}\n"
    "</style>\n";

static void
page_start(const struct report *rep, struct mw_rdoc *doc, const char *title,
           const char *kicker, const char *h1, const char *sub)
{
        mw_rdoc_html(doc, "<!DOCTYPE html>\n<html lang=\"");
        mw_rdoc_html(doc, rep->lang == MW_LANG_DA ? "da" : "en");
        mw_rdoc_html(doc, "\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-"
                          "width, initial-scale=1\">\n<title>");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, title);
        mw_rdoc_html(doc, "</title>\n");
        mw_rdoc_html(doc, css);
        mw_rdoc_html(doc, "</head>\n<body>\n<main>\n<header class=\"top\">"
                          "<div class=\"kicker\">");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, kicker);
        mw_rdoc_html(doc, "</div>\n");
        mw_rdoc_heading(doc, 1, NULL, h1);
        mw_rdoc_para(doc, "sub", sub);
        mw_rdoc_html(doc, "</header>\n");
}

static void
page_end(const struct report *rep, struct mw_rdoc *doc)
{
        char text[1024];

        mw_rdoc_html(doc, "<footer>\n");
        snprintf(text, sizeof(text), L(rep, L_LEGEND),
                 rep->opts->threshold - 1);
        mw_rdoc_para(doc, "legend", text);
        snprintf(text, sizeof(text), L(rep, L_SOURCE), rep->data_id);
        mw_rdoc_para(doc, NULL, text);
        mw_rdoc_html(doc, "</footer>\n</main>\n</body>\n</html>\n");
}

/* The text of a code in the report's language; where the report's wording
 * differs from the registration tool's (Kvinder/Mænd, sms), the report's. */
static const char *
code_label(const struct report *rep, const struct mw_code *c)
{
        if (strcmp(c->code, "female") == 0)
                return L(rep, L_WOMEN);
        if (strcmp(c->code, "male") == 0)
                return L(rep, L_MEN);
        if (strcmp(c->code, "sms") == 0)
                return L(rep, L_SMS);
        return rep->lang == MW_LANG_DA ? c->label_da : c->label_en;
}

static const char *
slug_of(int project_id, char buf[48])
{
        const struct mw_project *p = mw_project_find(project_id);

        if (p)
                return p->slug;
        snprintf(buf, 48, "project-%d", project_id);
        return buf;
}

/* The link back to the overview (HTML and Markdown). */
static void
back_link(const struct report *rep, struct mw_rdoc *doc)
{
        mw_rdoc_html(doc, "<nav class=\"back\"><a href=\"index.html\">");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, L(rep, L_BACK));
        mw_rdoc_html(doc, "</a></nav>\n");
        mw_rdoc_md(doc, "[");
        mw_rdoc_md(doc, L(rep, L_BACK));
        mw_rdoc_md(doc, "](status.md)\n\n");
}

/* The time series of one row: visited, active, exits (and the target). */
static void
series_chart(struct report *rep, struct mw_rdoc *doc, size_t row,
             const char *title)
{
        static const enum mw_rcol cols[3] = {MW_RC_VISITED, MW_RC_ACTIVE,
                                             MW_RC_EXITS_TOTAL};
        static const enum label names[3] = {L_VISITED, L_ACTIVE, L_EXITS};
        static const char *const cls[3] = {"s1", "s2", "s3"};
        int32_t dates[MAX_DATES + 2];
        long v[3][MAX_DATES + 2];
        unsigned char hid[3][MAX_DATES + 2];
        struct mw_chart_series series[3];
        const struct mw_rrow *last = mw_report_row(rep, rep->cutoff, row);
        struct mw_buf svg = MW_BUF_INIT;
        const char *head[4];
        size_t d, s;

        for (d = 0; d < rep->n_dates; d++) {
                dates[d] = rep->dates[d].date;
                for (s = 0; s < 3; s++) {
                        v[s][d] = mw_report_value(rep, d, row, cols[s]);
                        hid[s][d] = (unsigned char)mw_report_hidden(rep, d, row,
                                                                    cols[s]);
                }
        }
        for (s = 0; s < 3; s++) {
                series[s].name = L(rep, names[s]);
                series[s].cls = cls[s];
                series[s].v = v[s];
                series[s].hidden = hid[s];
                series[s].dashed = 0;
        }
        mw_rdoc_heading(doc, 3, NULL, title);
        if (!doc->err)
                doc->err = mw_svg_line_chart(
                    &svg, title, L(rep, L_Y_PERSONS), dates, rep->n_dates,
                    series, 3, row == rep->total ? -1 : last->expected,
                    L(rep, L_EXPECTED), rep->lang);
        mw_rdoc_html(doc, svg.data ? svg.data : "");
        mw_buf_release(&svg);
        mw_rdoc_html(doc, "<p class=\"note\">");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, L(rep, L_GAPS));
        mw_rdoc_html(doc, "</p>\n<details><summary>");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, L(rep, L_CHART_DATA));
        mw_rdoc_html(doc, "</summary>\n");
        head[0] = L(rep, L_DATE);
        head[1] = L(rep, L_VISITED);
        head[2] = L(rep, L_ACTIVE);
        head[3] = L(rep, L_EXITS);
        mw_rdoc_table(doc, "series", NULL, head, 4);
        for (d = 0; d < rep->n_dates; d++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell c[4];
                char *ds = mw_report_slot(&rt);

                mw_fmt_date(ds, rep->dates[d].date, rep->lang);
                c[0] = mw_report_cell_text(ds);
                for (s = 0; s < 3; s++)
                        c[1 + s] =
                            mw_report_cell_count(rep, &rt, d, row, cols[s]);
                mw_rdoc_row(doc, c, 0);
        }
        mw_rdoc_table_end(doc, NULL);
        mw_rdoc_html(doc, "</details>\n");
}

/* Exits by outcome and by reason, for one row (and beside it the total
 * row when row is a project). */
static void
exits_tables(struct report *rep, struct mw_rdoc *doc, size_t row)
{
        static const enum label outcome[4] = {L_JOB, L_FLEXJOB, L_EDUCATION,
                                              L_OTHER};
        const struct mw_code *reasons;
        size_t nr, i, c = rep->cutoff, ncol;
        int project = row != rep->total;
        const char *head[5];

        reasons = mw_codes_list(MW_CL_EXIT_REASON, &nr);
        head[0] = L(rep, L_OUTCOME);
        head[1] = project ? L(rep, L_THE_PROJECT) : L(rep, L_NUMBER);
        head[2] = L(rep, L_SHARE_OF_EXITS);
        head[3] = L(rep, L_ALL_PROJECTS);
        head[4] = L(rep, L_SHARE_OF_EXITS);
        ncol = project ? 5 : 3;
        mw_rdoc_table(doc, NULL, NULL, head, ncol);
        for (i = 0; i <= 4; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[5];
                enum mw_rcol col = i < 4 ? (enum mw_rcol)(MW_RC_EXITS_JOB + i)
                                         : MW_RC_EXITS_TOTAL;

                cell[0] =
                    mw_report_cell_text(L(rep, i < 4 ? outcome[i] : L_TOTAL));
                cell[1] = mw_report_cell_count(rep, &rt, c, row, col);
                cell[2] = mw_report_cell_pct(rep, &rt, c, row, col,
                                             MW_RC_EXITS_TOTAL);
                cell[3] = mw_report_cell_count(rep, &rt, c, rep->total, col);
                cell[4] = mw_report_cell_pct(rep, &rt, c, rep->total, col,
                                             MW_RC_EXITS_TOTAL);
                mw_rdoc_row(doc, cell, i == 4);
        }
        mw_rdoc_table_end(doc, NULL);
        head[0] = L(rep, L_EXIT_REASONS);
        mw_rdoc_table(doc, NULL, NULL, head, ncol);
        for (i = 0; i <= nr && i <= MW_RT_REASONS; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[5];
                enum mw_rcol col = i < nr ? (enum mw_rcol)(MW_RC_EXIT_FIRST + i)
                                          : MW_RC_EXITS_TOTAL;

                cell[0] = mw_report_cell_text(
                    i < nr ? (rep->lang == MW_LANG_DA ? reasons[i].label_da
                                                      : reasons[i].label_en)
                           : L(rep, L_TOTAL));
                cell[1] = mw_report_cell_count(rep, &rt, c, row, col);
                cell[2] = mw_report_cell_pct(rep, &rt, c, row, col,
                                             MW_RC_EXITS_TOTAL);
                cell[3] = mw_report_cell_count(rep, &rt, c, rep->total, col);
                cell[4] = mw_report_cell_pct(rep, &rt, c, rep->total, col,
                                             MW_RC_EXITS_TOTAL);
                mw_rdoc_row(doc, cell, i == nr);
        }
        mw_rdoc_table_end(doc, NULL);
}

/* The profile of the active citizens: a table and a bar chart of shares
 * (the row beside all projects when row is a project). */
static void
profile(struct report *rep, struct mw_rdoc *doc, size_t row)
{
        struct prof {
                enum label group;
                enum mw_rcol col;
                const char *label;
        } items[20];
        const struct mw_code *codes;
        struct mw_bar_group bars[20];
        struct mw_buf svg = MW_BUF_INIT;
        const char *head[5], *bar_names[2];
        size_t n = 0, i, k, nc, c = rep->cutoff;
        int project = row != rep->total, en = rep->lang == MW_LANG_EN;

        codes = mw_codes_list(MW_CL_GENDER, &nc);
        for (i = 0; i < nc && i < 2; i++)
                items[n++] =
                    (struct prof){L_GENDER, (enum mw_rcol)(MW_RC_FEMALE + i),
                                  code_label(rep, &codes[i])};
        codes = mw_codes_list(MW_CL_AGE_BAND, &nc);
        for (i = 0; i < nc && i < 5; i++)
                items[n++] =
                    (struct prof){L_AGE, (enum mw_rcol)(MW_RC_AGE_FIRST + i),
                                  en ? codes[i].label_en : codes[i].label_da};
        codes = mw_codes_list(MW_CL_BENEFIT, &nc);
        for (i = 0; i < nc && i < 5; i++)
                items[n++] = (struct prof){
                    L_BENEFIT, (enum mw_rcol)(MW_RC_BENEFIT_FIRST + i),
                    en ? codes[i].label_en : codes[i].label_da};
        items[n++] =
            (struct prof){L_PROBLEM, MW_RC_ONE_AREA, L(rep, L_ONE_AREA)};
        items[n++] =
            (struct prof){L_PROBLEM, MW_RC_MULTI_AREA, L(rep, L_MULTI_AREA)};
        items[n++] = (struct prof){L_PROBLEM, MW_RC_NO_AREA, L(rep, L_NO_AREA)};

        head[0] = "";
        head[1] = project ? L(rep, L_THE_PROJECT) : L(rep, L_NUMBER);
        head[2] = L(rep, L_SHARE_OF_ACTIVE);
        head[3] = L(rep, L_ALL_PROJECTS);
        head[4] = L(rep, L_SHARE_OF_ACTIVE);
        mw_rdoc_html(doc, "<div class=\"cols\"><div>\n");
        for (i = 0; i < n; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[5];

                if (i == 0 || items[i].group != items[i - 1].group) {
                        if (i)
                                mw_rdoc_table_end(doc, NULL);
                        head[0] = L(rep, items[i].group);
                        mw_rdoc_table(doc, NULL, NULL, head, project ? 5 : 3);
                }
                cell[0] = mw_report_cell_text(items[i].label);
                cell[1] = mw_report_cell_count(rep, &rt, c, row, items[i].col);
                cell[2] = mw_report_cell_pct(rep, &rt, c, row, items[i].col,
                                             MW_RC_ACTIVE);
                cell[3] =
                    mw_report_cell_count(rep, &rt, c, rep->total, items[i].col);
                cell[4] = mw_report_cell_pct(rep, &rt, c, rep->total,
                                             items[i].col, MW_RC_ACTIVE);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, L(rep, L_PROFILE_NOTE));
        mw_rdoc_html(doc, "</div><div>\n");
        for (i = 0; i < n; i++) {
                long p;

                bars[i].label = items[i].label;
                for (k = 0; k < 2; k++) {
                        size_t r = k == 0 && project ? row : rep->total;

                        p = mw_report_pct_of(rep, c, r, items[i].col,
                                             MW_RC_ACTIVE);
                        bars[i].hidden[k] = p == -1;
                        bars[i].tenths[k] = p < 0 ? 0 : p;
                }
        }
        bar_names[0] = L(rep, L_THE_PROJECT);
        bar_names[1] = L(rep, L_ALL_PROJECTS);
        if (!doc->err)
                doc->err = mw_svg_bar_chart(&svg, L(rep, L_PROFILE_H), bars, n,
                                            project ? 2 : 1, bar_names, MARKER,
                                            rep->lang);
        mw_rdoc_html(doc, svg.data ? svg.data : "");
        mw_buf_release(&svg);
        mw_rdoc_html(doc, "</div></div>\n");
}

/* Contacts: per citizen and by channel (row beside all projects). */
static void
contacts(struct report *rep, struct mw_rdoc *doc, size_t row)
{
        static const enum mw_rratio main_ratios[3] = {
            MW_RR_CONTACTS_FIRST_MONTH, MW_RR_CONTACTS_LATER,
            MW_RR_PCT_SMS_EMAIL};
        static const enum label main_labels[3] = {
            L_CONTACTS_FIRST, L_CONTACTS_LATER, L_SMS_EMAIL};
        const struct mw_code *ch;
        size_t nch, i, c = rep->cutoff;
        int project = row != rep->total;
        const char *head[3];

        head[0] = L(rep, L_CONTACTS_SHORT);
        head[1] = project ? L(rep, L_THE_PROJECT) : L(rep, L_ALL_PROJECTS);
        head[2] = L(rep, L_ALL_PROJECTS);
        mw_rdoc_html(doc, "<div class=\"cols\"><div>\n");
        mw_rdoc_table(doc, NULL, NULL, head, project ? 3 : 2);
        for (i = 0; i < 3; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[3];

                cell[0] = mw_report_cell_text(L(rep, main_labels[i]));
                cell[1] =
                    mw_report_cell_ratio(rep, &rt, c, row, main_ratios[i]);
                cell[2] = mw_report_cell_ratio(rep, &rt, c, rep->total,
                                               main_ratios[i]);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, NULL);
        mw_rdoc_html(doc, "</div><div>\n");
        ch = mw_codes_list(MW_CL_CHANNEL, &nch);
        head[0] = L(rep, L_CHANNEL);
        mw_rdoc_table(doc, NULL, NULL, head, project ? 3 : 2);
        for (i = 0; i < nch && i < 6; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[3];
                enum mw_rratio r =
                    (enum mw_rratio)(MW_RR_PCT_CHANNEL_FIRST + i);

                cell[0] = mw_report_cell_text(code_label(rep, &ch[i]));
                cell[1] = mw_report_cell_ratio(rep, &rt, c, row, r);
                cell[2] = mw_report_cell_ratio(rep, &rt, c, rep->total, r);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, L(rep, L_CHANNEL_NOTE));
        mw_rdoc_html(doc, "</div></div>\n");
}

/* ---- the overview
 * -------------------------------------------------------------- */

static void
card(const struct report *rep, struct mw_rdoc *doc, const struct mw_rcell *v,
     const char *label, const struct mw_rcell *change)
{
        mw_rdoc_html(doc, "<div class=\"card\"><div class=\"v\">");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, v->text);
        mw_rdoc_html(doc, "</div><div class=\"k\">");
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, label);
        mw_rdoc_html(doc, "</div>");
        if (change) {
                mw_rdoc_html(doc, "<div class=\"d\">");
                if (!doc->err)
                        doc->err = mw_buf_html(&doc->html, change->text);
                mw_rdoc_html(doc, " ");
                if (!doc->err)
                        doc->err = mw_buf_html(&doc->html, L(rep, L_SINCE));
                if (!doc->err)
                        doc->err = mw_buf_html(&doc->html, rep->prev_text);
                mw_rdoc_html(doc, "</div>");
        }
        mw_rdoc_html(doc, "</div>\n");
}

/* Key figures of one row: the figure, (the cross-site average), the
 * previous cut-off, the change. */
static void
key_figures(struct report *rep, struct mw_rdoc *doc, size_t row)
{
        struct shr {
                enum label label;
                enum mw_rcol num, den;
        };
        static const struct shr shares[] = {
            {L_EXIT_RATE, MW_RC_EXITS_TOTAL, MW_RC_VISITED},
            {L_OVER4, MW_RC_OVER4, MW_RC_ACTIVE},
            {L_INTERVENTION, MW_RC_INTERVENTION, MW_RC_ACTIVE},
            {L_MENTOR, MW_RC_MENTOR, MW_RC_ACTIVE},
            {L_COMPANY, MW_RC_COMPANY, MW_RC_ACTIVE},
        };
        static const enum mw_rcol counts[3] = {MW_RC_VISITED, MW_RC_ACTIVE,
                                               MW_RC_EXITS_TOTAL};
        static const enum label count_labels[3] = {L_VISITED, L_ACTIVE,
                                                   L_EXITS};
        const struct mw_rrow *r = mw_report_row(rep, rep->cutoff, row);
        int project = row != rep->total;
        size_t i, c = rep->cutoff, p = rep->prev, nc;
        char hd_now[64], hd_prev[64], hd_change[80];
        const char *head[5];

        snprintf(hd_now, sizeof(hd_now), "%s", rep->cut_text);
        snprintf(hd_prev, sizeof(hd_prev), "%s", rep->prev_text);
        snprintf(hd_change, sizeof(hd_change), "%s%s", L(rep, L_CHANGE_SINCE),
                 rep->prev_text);
        nc = 0;
        head[nc++] = L(rep, L_MEASURE);
        head[nc++] = project ? L(rep, L_THE_PROJECT) : hd_now;
        if (project)
                head[nc++] = L(rep, L_AVERAGE);
        head[nc++] = hd_prev;
        head[nc++] = hd_change;
        mw_rdoc_table(doc, "key", NULL, head, nc);
        for (i = 0; i < 3; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[5];
                size_t k = 0;

                cell[k++] = mw_report_cell_text(L(rep, count_labels[i]));
                cell[k++] = mw_report_cell_count(rep, &rt, c, row, counts[i]);
                if (project)
                        cell[k++] = mw_report_cell_average(rep, &rt, counts[i]);
                cell[k++] = mw_report_cell_count(rep, &rt, p, row, counts[i]);
                cell[k++] =
                    counts[i] == MW_RC_ACTIVE
                        ? mw_report_cell_change_count(rep, &rt, row, counts[i])
                        : mw_report_cell_change_flow(
                              rep, &rt, row, counts[i] == MW_RC_EXITS_TOTAL);
                mw_rdoc_row(doc, cell, 0);
                if (i == 0 && project &&
                    (r->expected >= 0 || r->expected_total >= 0)) {
                        struct rowtext rt2 = {.n = 0};
                        char *s;
                        int e;

                        for (e = 0; e < 2; e++) {
                                long t = e ? r->expected_total : r->expected;

                                if (t < 0)
                                        continue;
                                k = 0;
                                s = mw_report_slot(&rt2);
                                mw_fmt_int(s, t, 0, rep->lang);
                                cell[k++] = mw_report_cell_text(
                                    L(rep, e ? L_EXPECTED_TOTAL : L_EXPECTED));
                                cell[k++] = (struct mw_rcell){s, MW_RCELL_NUM,
                                                              NULL, NULL};
                                cell[k++] = mw_report_cell_empty();
                                cell[k++] = mw_report_cell_empty();
                                cell[k++] = mw_report_cell_empty();
                                mw_rdoc_row(doc, cell, 0);
                        }
                }
        }
        for (i = 0; i < sizeof(shares) / sizeof(shares[0]); i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[5];
                long now =
                    mw_report_pct_of(rep, c, row, shares[i].num, shares[i].den);
                long before =
                    mw_report_pct_of(rep, p, row, shares[i].num, shares[i].den);
                size_t k = 0;

                cell[k++] = mw_report_cell_text(L(rep, shares[i].label));
                cell[k++] = mw_report_cell_pct_value(rep, &rt, now);
                if (project)
                        cell[k++] = mw_report_cell_pct_value(
                            rep, &rt,
                            mw_report_pct_of(rep, c, rep->total, shares[i].num,
                                             shares[i].den));
                cell[k++] = mw_report_cell_pct_value(rep, &rt, before);
                cell[k++] = mw_report_cell_change_pct(rep, &rt, before, now);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, project ? L(rep, L_AVERAGE_NOTE) : NULL);
}

static void
interventions(struct report *rep, struct mw_rdoc *doc)
{
        static const enum mw_rcol cols[5] = {
            MW_RC_INTERVENTION, MW_RC_NO_INTERVENTION, MW_RC_MENTOR,
            MW_RC_COMPANY, MW_RC_OVER4};
        static const enum label lab[5] = {L_INTERVENTION, L_NO_INTERVENTION,
                                          L_MENTOR, L_COMPANY, L_OVER4};
        const char *head[3];
        size_t i, c = rep->cutoff, t = rep->total;

        head[0] = "";
        head[1] = L(rep, L_NUMBER);
        head[2] = L(rep, L_SHARE_OF_ACTIVE);
        mw_rdoc_table(doc, NULL, NULL, head, 3);
        for (i = 0; i < 5; i++) {
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[3];

                cell[0] = mw_report_cell_text(L(rep, lab[i]));
                cell[1] = mw_report_cell_count(rep, &rt, c, t, cols[i]);
                cell[2] =
                    mw_report_cell_pct(rep, &rt, c, t, cols[i], MW_RC_ACTIVE);
                mw_rdoc_row(doc, cell, 0);
        }
        mw_rdoc_table_end(doc, NULL);
}

static void
projects_table(struct report *rep, struct mw_rdoc *doc)
{
        const char *head[14];
        size_t r, c = rep->cutoff, k;

        k = 0;
        head[k++] = L(rep, L_PROJECT);
        head[k++] = L(rep, L_GROUP);
        head[k++] = L(rep, L_EXPECTED_SHORT);
        head[k++] = L(rep, L_VISITED);
        head[k++] = L(rep, L_ACTIVE);
        head[k++] = L(rep, L_EXITS_SHORT);
        head[k++] = L(rep, L_JOB);
        head[k++] = L(rep, L_FLEXJOB);
        head[k++] = L(rep, L_EDUCATION);
        head[k++] = L(rep, L_OTHER);
        head[k++] = L(rep, L_OVER4_SHORT);
        head[k++] = L(rep, L_INTERVENTION_SHORT);
        head[k++] = L(rep, L_MENTOR_SHORT);
        head[k++] = L(rep, L_COMPANY_SHORT);
        mw_rdoc_table(doc, "wide", NULL, head, k);
        for (r = 0; r < rep->n_rows; r++) {
                const struct mw_rrow *row = mw_report_row(rep, c, r);
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[14];
                char slug[48], href[64], md_href[64];
                size_t i;

                k = 0;
                cell[k] = mw_report_cell_text(r == rep->total ? L(rep, L_TOTAL)
                                                              : row->name);
                if (r != rep->total) {
                        const char *s = slug_of(row->project_id, slug);

                        snprintf(href, sizeof(href), "%s.html", s);
                        snprintf(md_href, sizeof(md_href), "%s.md", s);
                        cell[k].href = href;
                        cell[k].md_href = md_href;
                }
                k++;
                cell[k++] =
                    r == rep->total
                        ? mw_report_cell_text("")
                        : mw_report_cell_text(
                              L(rep, strcmp(row->target_group, "youth") == 0
                                         ? L_YOUTH
                                         : L_ADULT));
                if (row->expected >= 0) {
                        char *s = mw_report_slot(&rt);

                        mw_fmt_int(s, row->expected, 0, rep->lang);
                        cell[k++] =
                            (struct mw_rcell){s, MW_RCELL_NUM, NULL, NULL};
                } else {
                        cell[k++] = mw_report_cell_empty();
                }
                cell[k++] = mw_report_cell_count(rep, &rt, c, r, MW_RC_VISITED);
                cell[k++] = mw_report_cell_count(rep, &rt, c, r, MW_RC_ACTIVE);
                cell[k++] =
                    mw_report_cell_count(rep, &rt, c, r, MW_RC_EXITS_TOTAL);
                for (i = 0; i < 4; i++)
                        cell[k++] = mw_report_cell_count(
                            rep, &rt, c, r,
                            (enum mw_rcol)(MW_RC_EXITS_JOB + i));
                cell[k++] = mw_report_cell_pct(rep, &rt, c, r, MW_RC_OVER4,
                                               MW_RC_ACTIVE);
                cell[k++] = mw_report_cell_pct(
                    rep, &rt, c, r, MW_RC_INTERVENTION, MW_RC_ACTIVE);
                cell[k++] = mw_report_cell_pct(rep, &rt, c, r, MW_RC_MENTOR,
                                               MW_RC_ACTIVE);
                cell[k++] = mw_report_cell_pct(rep, &rt, c, r, MW_RC_COMPANY,
                                               MW_RC_ACTIVE);
                mw_rdoc_row(doc, cell, r == rep->total);
        }
        mw_rdoc_table_end(doc, NULL);
}

void
mw_report_overview(struct report *rep)
{
        struct mw_rdoc doc;
        struct rowtext rt = {.n = 0};
        struct mw_rcell v, d;
        char title[160], sub[200], kicker[96];
        size_t t = rep->total, c = rep->cutoff;

        mw_rdoc_init(&doc, L(rep, L_HIDDEN_TITLE));
        snprintf(title, sizeof(title), "%s %s", L(rep, L_TITLE), rep->cut_text);
        snprintf(kicker, sizeof(kicker), "%s", L(rep, L_PROGRAMME));
        snprintf(sub, sizeof(sub), "%s%s \xc2\xb7 %zu %s",
                 L(rep, L_STATUS_AS_OF), rep->cut_text, rep->n_rows - 1,
                 L(rep, L_PROJECTS_COUNT));
        page_start(rep, &doc, title, kicker, L(rep, L_TITLE), sub);

        mw_rdoc_heading(&doc, 2, "noegletal", L(rep, L_KEY_FIGURES));
        mw_rdoc_html(&doc, "<div class=\"cards\">\n");
        v = mw_report_cell_count(rep, &rt, c, t, MW_RC_VISITED);
        d = mw_report_cell_change_flow(rep, &rt, t, 0);
        card(rep, &doc, &v, L(rep, L_VISITED), &d);
        v = mw_report_cell_count(rep, &rt, c, t, MW_RC_ACTIVE);
        d = mw_report_cell_change_count(rep, &rt, t, MW_RC_ACTIVE);
        card(rep, &doc, &v, L(rep, L_ACTIVE), &d);
        v = mw_report_cell_count(rep, &rt, c, t, MW_RC_EXITS_TOTAL);
        d = mw_report_cell_change_flow(rep, &rt, t, 1);
        card(rep, &doc, &v, L(rep, L_EXITS), &d);
        v = mw_report_cell_pct(rep, &rt, c, t, MW_RC_INTERVENTION,
                               MW_RC_ACTIVE);
        card(rep, &doc, &v, L(rep, L_INTERVENTION), NULL);
        mw_rdoc_html(&doc, "</div>\n");
        key_figures(rep, &doc, t);
        series_chart(rep, &doc, t, L(rep, L_OVER_TIME));

        mw_rdoc_heading(&doc, 2, "afgange", L(rep, L_EXIT_REASONS));
        exits_tables(rep, &doc, t);

        mw_rdoc_heading(&doc, 2, "indsatser", L(rep, L_INTERVENTIONS_H));
        interventions(rep, &doc);

        mw_rdoc_heading(&doc, 2, "kontakt", L(rep, L_CONTACTS_H));
        contacts(rep, &doc, t);

        /* no forced page break here: the profile follows the contacts
         * (a break left page 2 of the printed overview mostly blank) */
        mw_rdoc_heading(&doc, 2, "profil", L(rep, L_PROFILE_H));
        profile(rep, &doc, t);

        mw_rdoc_heading(&doc, 2, "projekter", L(rep, L_PROJECTS_H));
        projects_table(rep, &doc);
        mw_rdoc_html(&doc, "<p class=\"note\"><a href=\"datakvalitet.html\">");
        if (!doc.err)
                doc.err = mw_buf_html(&doc.html, L(rep, L_DQ_LINK));
        mw_rdoc_html(&doc, "</a></p>\n");
        mw_rdoc_md(&doc, "[");
        mw_rdoc_md(&doc, L(rep, L_DQ_LINK));
        mw_rdoc_md(&doc, "](datakvalitet.md)\n\n");
        mw_report_appendix_link(rep, &doc);
        page_end(rep, &doc);
        if (!rep->err)
                rep->err = doc.err;
        mw_report_add_file(rep, "index.html", &doc.html);
        mw_report_add_file(rep, "status.md", &doc.md);
        mw_rdoc_release(&doc);
}

/* The evaluator's assessment of the project (status.project_assessment):
 * the minimum requirements with their status, then the focus areas. */
static void
assessment(struct report *rep, struct mw_rdoc *doc, int project_id)
{
        static const struct {
                const char *item;
                enum label label;
        } items[] = {
            {"requirement_1", L_REQ_1},       {"requirement_2", L_REQ_2},
            {"requirement_3", L_REQ_3},       {"requirement_4", L_REQ_4},
            {"focus_so_far", L_FOCUS_SO_FAR}, {"focus_ahead", L_FOCUS_AHEAD}};
        const char *head[3] = {L(rep, L_ASSESS_ITEM), L(rep, L_ASSESS_LEVEL),
                               L(rep, L_ASSESS_TEXT)};
        struct mw_rcell cell[3];
        size_t i, k, shown = 0;

        for (i = 0; i < rep->n_assess; i++)
                shown += rep->assess[i].project_id == project_id;
        if (shown == 0) {
                mw_rdoc_para(doc, "note", L(rep, L_ASSESS_NONE));
                return;
        }
        mw_rdoc_table(doc, "wide", NULL, head, 3);
        for (k = 0; k < sizeof(items) / sizeof(items[0]); k++)
                for (i = 0; i < rep->n_assess; i++) {
                        const struct assessment *a = &rep->assess[i];

                        if (a->project_id != project_id ||
                            strcmp(a->item, items[k].item) != 0)
                                continue;
                        cell[0] = (struct mw_rcell){L(rep, items[k].label),
                                                    MW_RCELL_TEXT, NULL, NULL};
                        cell[1] = (struct mw_rcell){
                            strcmp(a->level, "met") == 0 ? L(rep, L_MET)
                            : strcmp(a->level, "not_met") == 0
                                ? L(rep, L_NOT_MET)
                            : a->level[0] ? L(rep, L_PARTLY_MET)
                                          : "",
                            a->level[0] ? MW_RCELL_TEXT : MW_RCELL_EMPTY, NULL,
                            NULL};
                        cell[2] = (struct mw_rcell){a->text, MW_RCELL_TEXT,
                                                    NULL, NULL};
                        mw_rdoc_row(doc, cell, 0);
                }
        mw_rdoc_table_end(doc, NULL);
}

void
mw_report_project_page(struct report *rep, size_t row)
{
        const struct mw_rrow *r = mw_report_row(rep, rep->cutoff, row);
        const struct mw_project *p = mw_project_find(r->project_id);
        struct mw_rdoc doc;
        char title[200], sub[300], kicker[160], name[64], slug[48], munis[160];
        const char *s = slug_of(r->project_id, slug);
        int i;

        mw_rdoc_init(&doc, L(rep, L_HIDDEN_TITLE));
        snprintf(title, sizeof(title), "%s \xc2\xb7 %s %s", r->name,
                 L(rep, L_TITLE), rep->cut_text);
        snprintf(kicker, sizeof(kicker), "%s \xc2\xb7 %s", L(rep, L_PROGRAMME),
                 L(rep, L_TITLE));
        munis[0] = '\0';
        for (i = 0; p && i < p->n_muni; i++) {
                size_t used = strlen(munis);

                snprintf(munis + used, sizeof(munis) - used, "%s%s",
                         i ? ", " : "", p->muni_name[i]);
        }
        snprintf(sub, sizeof(sub), "%s \xc2\xb7 %s%s%s%s \xc2\xb7 %s%s",
                 L(rep, strcmp(r->target_group, "youth") == 0
                            ? L_YOUTH_PROJECT
                            : L_ADULT_PROJECT),
                 munis[0] ? L(rep, L_MUNICIPALITY) : "", munis[0] ? ": " : "",
                 munis, "", L(rep, L_STATUS_AS_OF), rep->cut_text);
        page_start(rep, &doc, title, kicker, r->name, sub);
        back_link(rep, &doc);

        mw_rdoc_heading(&doc, 2, "noegletal", L(rep, L_KEY_FIGURES));
        key_figures(rep, &doc, row);
        series_chart(rep, &doc, row, L(rep, L_OVER_TIME));
        mw_rdoc_heading(&doc, 2, "kontakt", L(rep, L_CONTACTS_H));
        contacts(rep, &doc, row);

        mw_rdoc_html(&doc, "<div class=\"page2\"></div>\n");
        mw_rdoc_heading(&doc, 2, "afgange", L(rep, L_EXIT_REASONS));
        exits_tables(rep, &doc, row);
        mw_rdoc_heading(&doc, 2, "profil", L(rep, L_PROFILE_H));
        profile(rep, &doc, row);
        mw_report_project_appendix(rep, &doc, row);
        mw_rdoc_heading(&doc, 2, "vurdering", L(rep, L_ASSESS_H));
        assessment(rep, &doc, r->project_id);
        page_end(rep, &doc);
        if (!rep->err)
                rep->err = doc.err;
        snprintf(name, sizeof(name), "%s.html", s);
        mw_report_add_file(rep, name, &doc.html);
        snprintf(name, sizeof(name), "%s.md", s);
        mw_report_add_file(rep, name, &doc.md);
        mw_rdoc_release(&doc);
}

/* ---- the data quality
 * -------------------------------------------------------------- */

/* A count or a number of days of the data-quality page; -1 (null) empty. */
static struct mw_rcell
dq_cell(const struct report *rep, struct rowtext *rt, long v)
{
        char *s;

        if (v < 0)
                return mw_report_cell_empty();
        s = mw_report_slot(rt);
        mw_fmt_int(s, v, 0, rep->lang);
        return (struct mw_rcell){s, MW_RCELL_NUM, NULL, NULL};
}

/* The first cell of a data-quality row: the project, linked to its page,
 * or "Total". */
static struct mw_rcell
dq_name(const struct report *rep, const struct dq_row *q, char href[64],
        char md_href[64])
{
        struct mw_rcell c;
        char slug[48];
        const char *s;

        if (!q->project_id)
                return mw_report_cell_text(L(rep, L_TOTAL));
        c = mw_report_cell_text(q->name);
        s = slug_of(q->project_id, slug);
        snprintf(href, 64, "%s.html", s);
        snprintf(md_href, 64, "%s.md", s);
        c.href = href;
        c.md_href = md_href;
        return c;
}

/* Contacts outside the status, registrations and their lag, dead letters:
 * one row per project and the total. */
static void
dq_main_table(struct report *rep, struct mw_rdoc *doc)
{
        static const enum label lab[9] = {
            L_DQ_CONTACTS,      L_DQ_BEFORE, L_DQ_WITHOUT,
            L_DQ_REGISTRATIONS, L_DQ_MEDIAN, L_DQ_P90,
            L_DQ_MAX,           L_DQ_LATE,   L_DQ_DEAD_H};
        const char *head[10];
        size_t r, k;

        head[0] = L(rep, L_PROJECT);
        for (k = 0; k < 9; k++)
                head[1 + k] = L(rep, lab[k]);
        mw_rdoc_table(doc, "wide", NULL, head, 10);
        for (r = 0; r < rep->n_dq; r++) {
                const struct dq_row *q = &rep->dq[r];
                long v[DQ_FIGURES];
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[10];
                char href[64], md_href[64];

                mw_report_dq_figures(q, v);
                cell[0] = dq_name(rep, q, href, md_href);
                for (k = 0; k < 9; k++)
                        cell[1 + k] = dq_cell(rep, &rt, v[k]);
                mw_rdoc_row(doc, cell, q->project_id == 0);
        }
        mw_rdoc_table_end(doc, L(rep, L_DQ_LAG_NOTE));
}

/* Dead letters by stage: the projects that have any, and the total. */
static void
dq_dead_table(struct report *rep, struct mw_rdoc *doc)
{
        const char *head[DQ_STAGES + 2];
        size_t r, k;

        head[0] = L(rep, L_PROJECT);
        for (k = 0; k < DQ_STAGES; k++)
                head[1 + k] =
                    mw_report_dq_stage_labels[k][rep->lang == MW_LANG_EN];
        head[DQ_STAGES + 1] = L(rep, L_DQ_DEAD);
        mw_rdoc_table(doc, NULL, NULL, head, DQ_STAGES + 2);
        for (r = 0; r < rep->n_dq; r++) {
                const struct dq_row *q = &rep->dq[r];
                struct rowtext rt = {.n = 0};
                struct mw_rcell cell[DQ_STAGES + 2];
                char href[64], md_href[64];

                if (q->project_id && q->dead <= 0)
                        continue;
                cell[0] = dq_name(rep, q, href, md_href);
                for (k = 0; k < DQ_STAGES; k++)
                        cell[1 + k] = dq_cell(rep, &rt, q->dead_stage[k]);
                cell[DQ_STAGES + 1] = dq_cell(rep, &rt, q->dead);
                mw_rdoc_row(doc, cell, q->project_id == 0);
        }
        mw_rdoc_table_end(doc, L(rep, L_DQ_DEAD_NOTE));
}

/* datakvalitet.html and .md: the registration-level figures of
 * status.data_quality() at the cut-off (no counts of citizens). */
void
mw_report_quality_page(struct report *rep)
{
        struct mw_rdoc doc;
        char title[160], sub[200], kicker[160];

        mw_rdoc_init(&doc, L(rep, L_HIDDEN_TITLE));
        snprintf(title, sizeof(title), "%s \xc2\xb7 %s %s", L(rep, L_DQ_H),
                 L(rep, L_TITLE), rep->cut_text);
        snprintf(kicker, sizeof(kicker), "%s \xc2\xb7 %s", L(rep, L_PROGRAMME),
                 L(rep, L_TITLE));
        snprintf(sub, sizeof(sub), "%s%s", L(rep, L_STATUS_AS_OF),
                 rep->cut_text);
        page_start(rep, &doc, title, kicker, L(rep, L_DQ_H), sub);
        back_link(rep, &doc);
        mw_rdoc_para(&doc, NULL, L(rep, L_DQ_INTRO));
        mw_rdoc_heading(&doc, 2, "registreringer", L(rep, L_DQ_REG_H));
        dq_main_table(rep, &doc);
        mw_rdoc_para(&doc, "note", L(rep, L_DQ_PERSONS_NOTE));
        mw_rdoc_heading(&doc, 2, "afviste", L(rep, L_DQ_DEAD_H));
        dq_dead_table(rep, &doc);
        page_end(rep, &doc);
        if (!rep->err)
                rep->err = doc.err;
        mw_report_add_file(rep, "datakvalitet.html", &doc.html);
        mw_report_add_file(rep, "datakvalitet.md", &doc.md);
        mw_rdoc_release(&doc);
}

/* The page frame for the pages of other files (bilag.c). */
void
mw_report_page_open(const struct report *rep, struct mw_rdoc *doc,
                    const char *title, const char *kicker, const char *h1,
                    const char *sub)
{
        page_start(rep, doc, title, kicker, h1, sub);
        back_link(rep, doc);
}

void
mw_report_page_close(const struct report *rep, struct mw_rdoc *doc)
{
        page_end(rep, doc);
}
