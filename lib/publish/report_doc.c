/* midway: one document, written as HTML and Markdown at once
 * (include/midway/report.h). */
#include <string.h>

#include "midway/report.h"

static void
html(struct mw_rdoc *doc, const char *s)
{
        if (!doc->err)
                doc->err = mw_buf_append(&doc->html, s, strlen(s));
}

static void
html_text(struct mw_rdoc *doc, const char *s)
{
        if (!doc->err)
                doc->err = mw_buf_html(&doc->html, s);
}

static void
md(struct mw_rdoc *doc, const char *s)
{
        if (!doc->err)
                doc->err = mw_buf_append(&doc->md, s, strlen(s));
}

static void
md_text(struct mw_rdoc *doc, const char *s)
{
        if (!doc->err)
                doc->err = mw_buf_md(&doc->md, s);
}

void
mw_rdoc_init(struct mw_rdoc *doc, const char *hidden_title)
{
        memset(doc, 0, sizeof(*doc));
        doc->hidden_title = hidden_title;
}

void
mw_rdoc_release(struct mw_rdoc *doc)
{
        mw_buf_release(&doc->html);
        mw_buf_release(&doc->md);
}

void
mw_rdoc_heading(struct mw_rdoc *doc, int level, const char *id,
                const char *text)
{
        static const char *const hashes[] = {"# ", "## ", "### ", "#### "};
        char tag[8];

        if (level < 1)
                level = 1;
        if (level > 4)
                level = 4;
        tag[0] = 'h';
        tag[1] = (char)('0' + level);
        tag[2] = '\0';
        html(doc, "<");
        html(doc, tag);
        if (id) {
                html(doc, " id=\"");
                html_text(doc, id);
                html(doc, "\"");
        }
        html(doc, ">");
        html_text(doc, text);
        html(doc, "</");
        html(doc, tag);
        html(doc, ">\n");
        md(doc, hashes[level - 1]);
        md_text(doc, text);
        md(doc, "\n\n");
}

void
mw_rdoc_para(struct mw_rdoc *doc, const char *cls, const char *text)
{
        if (cls) {
                html(doc, "<p class=\"");
                html_text(doc, cls);
                html(doc, "\">");
        } else {
                html(doc, "<p>");
        }
        html_text(doc, text);
        html(doc, "</p>\n");
        md_text(doc, text);
        md(doc, "\n\n");
}

void
mw_rdoc_html(struct mw_rdoc *doc, const char *html_text_raw)
{
        html(doc, html_text_raw);
}

void
mw_rdoc_md(struct mw_rdoc *doc, const char *md_text_raw)
{
        md(doc, md_text_raw);
}

void
mw_rdoc_table(struct mw_rdoc *doc, const char *cls, const char *caption,
              const char *const *head, size_t ncol)
{
        size_t i;

        if (doc->ncol && !doc->err)
                doc->err = MW_ERR_INVALID; /* nested table */
        doc->ncol = ncol;
        html(doc, "<table");
        if (cls) {
                html(doc, " class=\"");
                html_text(doc, cls);
                html(doc, "\"");
        }
        html(doc, ">\n");
        if (caption) {
                html(doc, "<caption>");
                html_text(doc, caption);
                html(doc, "</caption>\n");
                md(doc, "**");
                md_text(doc, caption);
                md(doc, "**\n\n");
        }
        html(doc, "<thead><tr>");
        md(doc, "|");
        for (i = 0; i < ncol; i++) {
                html(doc, i ? "<th scope=\"col\">"
                            : "<th scope=\"col\" "
                              "class=\"l\">");
                html_text(doc, head[i]);
                html(doc, "</th>");
                md(doc, " ");
                md_text(doc, head[i]);
                md(doc, " |");
        }
        html(doc, "</tr></thead>\n<tbody>\n");
        md(doc, "\n|");
        for (i = 0; i < ncol; i++)
                md(doc, i ? " ---: |" : " :--- |");
        md(doc, "\n");
}

static void
cell_html(struct mw_rdoc *doc, const struct mw_rcell *c, int first)
{
        const char *cls;

        switch (c->kind) {
        case MW_RCELL_COUNT:
                cls = "n";
                break;
        case MW_RCELL_NUM:
                cls = "v";
                break;
        case MW_RCELL_HIDDEN:
                cls = "x";
                break;
        case MW_RCELL_EMPTY:
                cls = "e";
                break;
        default:
                cls = first ? NULL : "t";
        }
        html(doc, first ? "<th scope=\"row\"" : "<td");
        if (cls) {
                html(doc, " class=\"");
                html(doc, cls);
                html(doc, "\"");
        }
        if (c->kind == MW_RCELL_HIDDEN && doc->hidden_title) {
                html(doc, " title=\"");
                html_text(doc, doc->hidden_title);
                html(doc, "\"");
        }
        html(doc, ">");
        if (c->href) {
                html(doc, "<a href=\"");
                html_text(doc, c->href);
                html(doc, "\">");
        }
        html_text(doc, c->text ? c->text : "");
        if (c->href)
                html(doc, "</a>");
        html(doc, first ? "</th>" : "</td>");
}

void
mw_rdoc_row(struct mw_rdoc *doc, const struct mw_rcell *cells, int total)
{
        size_t i;

        if (!doc->ncol) {
                if (!doc->err)
                        doc->err = MW_ERR_INVALID;
                return;
        }
        html(doc, total ? "<tr class=\"total\">" : "<tr>");
        md(doc, "|");
        for (i = 0; i < doc->ncol; i++) {
                const struct mw_rcell *c = &cells[i];

                cell_html(doc, c, i == 0);
                md(doc, " ");
                if (total)
                        md(doc, "**");
                if (c->md_href) {
                        md(doc, "[");
                        md_text(doc, c->text ? c->text : "");
                        md(doc, "](");
                        md(doc, c->md_href);
                        md(doc, ")");
                } else {
                        md_text(doc, c->text ? c->text : "");
                }
                if (total)
                        md(doc, "**");
                md(doc, " |");
        }
        html(doc, "</tr>\n");
        md(doc, "\n");
}

void
mw_rdoc_table_end(struct mw_rdoc *doc, const char *note)
{
        html(doc, "</tbody>\n</table>\n");
        md(doc, "\n");
        if (note) {
                html(doc, "<p class=\"note\">");
                html_text(doc, note);
                html(doc, "</p>\n");
                md(doc, "*");
                md_text(doc, note);
                md(doc, "*\n\n");
        }
        doc->ncol = 0;
}
