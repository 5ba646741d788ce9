/* midway: rendering the published report (docs/report.md): number and
 * date formatting in Danish and English, escaping for HTML, CSV and
 * Markdown, a small document model that writes the same content as HTML
 * and as Markdown, and inline SVG charts.
 *
 * Everything here is deterministic: the same input gives the same bytes
 * (no locale, no clock, integer arithmetic for every printed number). */
#ifndef MIDWAY_REPORT_H
#define MIDWAY_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "midway/buf.h"
#include "midway/err.h"

enum mw_lang { MW_LANG_DA = 0, MW_LANG_EN };

/* ---- numbers and dates ------------------------------------------------ */

/* 2145 -> "2.145" (da) / "2,145" (en); negative numbers get a minus
 * sign U+2212 with sign != 0 a '+' for positive values too. out must hold
 * 32 bytes. */
void mw_fmt_int(char out[32], long v, int sign, enum mw_lang lang);
/* A fixed-point value (scaled = value * 10^decimals, decimals 0..3):
 * 420, 1 -> "42,0" (da) / "42.0" (en); thousands grouped as above. */
void mw_fmt_fixed(char out[32], long scaled, int decimals, int sign,
                  enum mw_lang lang);
/* A percentage in tenths: 420 -> "42,0 %" (da) / "42.0%" (en). */
void mw_fmt_pct(char out[32], long tenths, int sign, enum mw_lang lang);
/* 100 * num / den in tenths of a percent, rounded half up (as
 * PostgreSQL's round(100.0 * num / den, 1) for non-negative values); -1
 * if den <= 0 or num < 0. */
long mw_pct_tenths(long num, long den);
/* Parses a non-negative decimal ("2.00", "42", "16.5") into a fixed-point
 * value with the given decimals (rounded half up beyond them). */
mw_err_t mw_fmt_parse_fixed(const char *s, int decimals, long *scaled);
/* "1. juli 2015" (da) / "1 July 2015" (en); out must hold 32 bytes. */
void mw_fmt_date(char out[32], int32_t days, enum mw_lang lang);
/* "jul" / "Jul" (month 1..12). */
const char *mw_fmt_month_abbr(int month, enum mw_lang lang);

/* ---- escaping ---------------------------------------------------------- */

/* & < > " ' as entities; UTF-8 passes through. */
mw_err_t mw_buf_html(struct mw_buf *buf, const char *s);
/* RFC 4180: quoted when it holds , " CR or LF, quotes doubled. */
mw_err_t mw_buf_csv(struct mw_buf *buf, const char *s);
/* Markdown table-safe text: \ ` * _ [ ] < > | # escaped with a backslash,
 * line breaks become spaces. */
mw_err_t mw_buf_md(struct mw_buf *buf, const char *s);

/* ---- a document written as HTML and as Markdown at once ------------------
 *
 * The first error is kept in doc->err and every later call does nothing,
 * so a page can be built without checking each call. */

enum mw_rcell_kind {
        MW_RCELL_TEXT = 0, /* left-aligned text */
        MW_RCELL_COUNT,    /* a count of persons (class "n") */
        MW_RCELL_NUM,      /* another number: percentage, ratio, change */
        MW_RCELL_HIDDEN,   /* suppressed: the marker, class "x" */
        MW_RCELL_EMPTY,    /* not applicable / not stated */
};

struct mw_rcell {
        const char *text; /* borrowed; the marker for MW_RCELL_HIDDEN */
        enum mw_rcell_kind kind;
        const char *href; /* borrowed; a link (HTML href; Markdown uses
                             md_href) or NULL */
        const char *md_href;
};

struct mw_rdoc {
        struct mw_buf html; /* owned */
        struct mw_buf md;   /* owned */
        mw_err_t err;
        size_t ncol;              /* of the open table, 0 if none */
        const char *hidden_title; /* borrowed: tooltip of hidden cells */
};

void mw_rdoc_init(struct mw_rdoc *doc, const char *hidden_title);
void mw_rdoc_release(struct mw_rdoc *doc);
/* <hN id="id"> / "#..." heading (level 1..4; id may be NULL). */
void mw_rdoc_heading(struct mw_rdoc *doc, int level, const char *id,
                     const char *text);
/* A paragraph of plain text (escaped); cls: HTML class or NULL. */
void mw_rdoc_para(struct mw_rdoc *doc, const char *cls, const char *text);
/* Raw HTML (not escaped: the caller's markup) or raw Markdown. */
void mw_rdoc_html(struct mw_rdoc *doc, const char *html_text_raw);
void mw_rdoc_md(struct mw_rdoc *doc, const char *md_text_raw);
/* Starts a table: caption (may be NULL), ncol header texts, cls: HTML
 * class of the table or NULL. The first column is the row header. */
void mw_rdoc_table(struct mw_rdoc *doc, const char *cls, const char *caption,
                   const char *const *head, size_t ncol);
/* One row of ncol cells; total: printed as a total row (bold). */
void mw_rdoc_row(struct mw_rdoc *doc, const struct mw_rcell *cells, int total);
/* Ends the table; note (may be NULL) goes below it. */
void mw_rdoc_table_end(struct mw_rdoc *doc, const char *note);

/* ---- charts -------------------------------------------------------------- */

#define MW_CHART_MAX_SERIES 4
#define MW_CHART_MAX_POINTS 240

struct mw_chart_series {
        const char *name;            /* legend text (borrowed) */
        const char *cls;             /* CSS class for the colour: s1..s4 */
        const long *v;               /* n values (borrowed) */
        const unsigned char *hidden; /* n flags: not drawn (borrowed) */
        int dashed;
};

/* A line chart over dates: one point per date, series with gaps where a
 * value is hidden; the y axis is scaled to the largest drawn value (and
 * target, if >= 0), never to a hidden one. Each point carries
 * data-n="value" and a <title>. y_title: the title of the y axis (NULL:
 * none). target: a dashed reference line at that value with target_label,
 * or -1. The first series is drawn as a wide, lighter band under the
 * others, so a series equal to it stays visible. Appends <svg> markup to
 * buf. */
mw_err_t mw_svg_line_chart(struct mw_buf *buf, const char *title,
                           const char *y_title, const int32_t *dates, size_t n,
                           const struct mw_chart_series *series,
                           size_t n_series, long target,
                           const char *target_label, enum mw_lang lang);

/* Horizontal bars: one group per label with up to 2 bars (e.g. the
 * project and all projects), values in tenths of a percent, hidden bars
 * drawn as an outline with the marker. */
struct mw_bar_group {
        const char *label;
        long tenths[2];
        unsigned char hidden[2];
};

mw_err_t mw_svg_bar_chart(struct mw_buf *buf, const char *title,
                          const struct mw_bar_group *groups, size_t n,
                          size_t bars, const char *const *bar_names,
                          const char *marker, enum mw_lang lang);

#endif
