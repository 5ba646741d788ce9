/* midway: inline SVG charts (include/midway/report.h). Integer geometry
 * only, so the same data give the same bytes. */
#include <string.h>

#include "midway/date.h"
#include "midway/report.h"

#define LW   760 /* line chart: width, height, margins */
#define LH   300
#define LM_L 68
#define LM_R 24
#define LM_T 40
#define LM_B 44

static const char *const palette[MW_CHART_MAX_SERIES] = {"#1f4e79", "#2e8b57",
                                                         "#c0504d", "#7f6000"};

struct out {
        struct mw_buf *buf;
        mw_err_t err;
};

static void
put(struct out *o, const char *s)
{
        if (!o->err)
                o->err = mw_buf_append(o->buf, s, strlen(s));
}

static void
putf(struct out *o, const char *fmt, long a, long b, long c, long d)
{
        if (!o->err)
                o->err = mw_buf_appendf(o->buf, fmt, a, b, c, d);
}

static void
text(struct out *o, const char *s)
{
        if (!o->err)
                o->err = mw_buf_html(o->buf, s);
}

/* A "nice" step (1, 2 or 5 times a power of ten) for about 5 ticks. */
static long
nice_step(long max)
{
        long step = 1;

        while (max / step > 5) {
                if (max / (step * 2) <= 5)
                        return step * 2;
                if (max / (step * 5) <= 5)
                        return step * 5;
                step *= 10;
        }
        return step;
}

static long
scale(long v, long vmax, long span)
{
        return vmax ? (v * span + vmax / 2) / vmax : 0;
}

/* Where a line chart puts a date and a value. */
struct lgeo {
        const int32_t *dates;
        size_t n;
        long x0, x1, y0, span, dspan, ymax;
};

static long
lx(const struct lgeo *g, size_t k)
{
        return g->dspan ? g->x0 + ((long)(g->dates[k] - g->dates[0]) *
                                       (g->x1 - g->x0) +
                                   g->dspan / 2) /
                                      g->dspan
                        : (g->x0 + g->x1) / 2;
}

static long
ly(const struct lgeo *g, long v)
{
        return g->y0 - scale(v, g->ymax, g->span);
}

/* The grid lines and y ticks, every step. */
static void
line_grid(struct out *o, const struct lgeo *g, long step, enum mw_lang lang)
{
        char num[32];
        long t;

        for (t = 0; t <= g->ymax; t += step) {
                putf(o,
                     "<line class=\"grid\" x1=\"%ld\" y1=\"%ld\" x2=\"%ld\" "
                     "y2=\"%ld\" stroke=\"#d9d9d9\" stroke-width=\"1\"/>",
                     g->x0, ly(g, t), g->x1, ly(g, t));
                mw_fmt_int(num, t, 0, lang);
                putf(o,
                     "<text class=\"tick\" x=\"%ld\" y=\"%ld\" "
                     "text-anchor=\"end\" font-size=\"12\" "
                     "fill=\"#595959\">",
                     g->x0 - 6, ly(g, t) + 4, 0, 0);
                text(o, num);
                put(o, "</text>\n");
        }
}

/* The title of the y axis, turned, left of the ticks. */
static void
line_y_title(struct out *o, const struct lgeo *g, const char *y_title)
{
        if (!y_title || !*y_title)
                return;
        putf(o,
             "<text class=\"ytitle\" transform=\"rotate(-90)\" x=\"%ld\" "
             "y=\"%ld\" text-anchor=\"middle\" font-size=\"12\" "
             "fill=\"#595959\">",
             -(g->y0 + (g->y0 - g->span)) / 2, 14, 0, 0);
        text(o, y_title);
        put(o, "</text>\n");
}

/* x labels: the month of each date, the year at its first month; the
 * last date always, a date too close to the one labelled before it or to
 * the last one not. Then the x axis. */
static void
line_x_labels(struct out *o, const struct lgeo *g, enum mw_lang lang)
{
        int y, m, d, last_year = 0;
        long last_x = -1;
        size_t i, n = g->n;

        for (i = 0; i < n; i++) {
                long x = lx(g, i);

                mw_date_to_ymd(g->dates[i], &y, &m, &d);
                if (n > 13 && i % 3 != 0 && i + 1 != n)
                        continue;
                if (i + 1 < n &&
                    (lx(g, n - 1) - x < 24 || (last_x >= 0 && x - last_x < 24)))
                        continue;
                last_x = x;
                putf(o,
                     "<text class=\"tick\" x=\"%ld\" y=\"%ld\" "
                     "text-anchor=\"middle\" font-size=\"12\" "
                     "fill=\"#595959\">",
                     x, g->y0 + 18, 0, 0);
                text(o, mw_fmt_month_abbr(m, lang));
                put(o, "</text>");
                if (y != last_year) {
                        putf(o,
                             "<text class=\"tick\" x=\"%ld\" y=\"%ld\" "
                             "text-anchor=\"middle\" font-size=\"11\" "
                             "fill=\"#8c8c8c\">%ld</text>",
                             x, g->y0 + 33, y, 0);
                        last_year = y;
                }
                put(o, "\n");
        }
        putf(o,
             "<line x1=\"%ld\" y1=\"%ld\" x2=\"%ld\" y2=\"%ld\" "
             "stroke=\"#595959\" stroke-width=\"1\"/>\n",
             g->x0, g->y0, g->x1, g->y0);
}

/* The dashed target line and its label. */
static void
line_target(struct out *o, const struct lgeo *g, long target,
            const char *target_label, enum mw_lang lang)
{
        char num[32];

        putf(o,
             "<line class=\"target\" x1=\"%ld\" y1=\"%ld\" "
             "x2=\"%ld\" y2=\"%ld\" stroke=\"#7f7f7f\" "
             "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>",
             g->x0, ly(g, target), g->x1, ly(g, target));
        putf(o,
             "<text x=\"%ld\" y=\"%ld\" text-anchor=\"end\" "
             "font-size=\"12\" fill=\"#595959\">",
             g->x1, ly(g, target) - 6, 0, 0);
        text(o, target_label ? target_label : "");
        mw_fmt_int(num, target, 0, lang);
        put(o, ": ");
        text(o, num);
        put(o, "</text>\n");
}

/* Series s: a path with gaps at hidden values, then the points. */
static void
line_series(struct out *o, const struct lgeo *g,
            const struct mw_chart_series *se, size_t s, enum mw_lang lang)
{
        char num[32], date[32];
        size_t i;
        int pen = 0;

        put(o, "<path class=\"");
        text(o, se->cls ? se->cls : "");
        put(o, "\" fill=\"none\" stroke=\"");
        put(o, palette[s]);
        put(o, se->dashed ? "\" stroke-dasharray=\"6 4" : "");
        /* the first series a wide, lighter band under the others: where
         * two series are equal (visited and active before the first
         * exit) both stay visible */
        put(o, s == 0 ? "\" stroke-width=\"7\" stroke-opacity=\"0.45\" "
                        "stroke-linejoin=\"round\" d=\""
                      : "\" stroke-width=\"2.5\" d=\"");
        for (i = 0; i < g->n; i++) {
                if (se->hidden[i]) {
                        pen = 0;
                        continue;
                }
                putf(o, pen ? " L%ld %ld" : " M%ld %ld", lx(g, i),
                     ly(g, se->v[i]), 0, 0);
                pen = 1;
        }
        put(o, "\"/>\n");
        for (i = 0; i < g->n; i++) {
                if (se->hidden[i])
                        continue;
                putf(o,
                     "<circle cx=\"%ld\" cy=\"%ld\" r=\"%ld.5\" "
                     "data-n=\"%ld\" fill=\"",
                     lx(g, i), ly(g, se->v[i]), s == 0 ? 5L : 3L, se->v[i]);
                put(o, palette[s]);
                put(o, "\">");
                put(o, "<title>");
                text(o, se->name);
                mw_fmt_date(date, g->dates[i], lang);
                put(o, ", ");
                text(o, date);
                put(o, ": ");
                mw_fmt_int(num, se->v[i], 0, lang);
                text(o, num);
                put(o, "</title></circle>");
        }
        put(o, "\n");
}

/* The legend: a line and the name of each series, from x0. */
static void
line_legend(struct out *o, const struct mw_chart_series *series,
            size_t n_series, long x0)
{
        long lx0 = x0;
        size_t s;

        for (s = 0; s < n_series; s++) {
                putf(o,
                     "<line x1=\"%ld\" y1=\"16\" x2=\"%ld\" "
                     "y2=\"16\" stroke-width=\"%ld\"",
                     lx0, lx0 + 22, s == 0 ? 7L : 3L, 0);
                put(o, s == 0 ? " stroke-opacity=\"0.45\"" : "");
                put(o, " stroke=\"");
                put(o, palette[s]);
                put(o, series[s].dashed ? "\" stroke-dasharray=\"6 4\"/>"
                                        : "\"/>");
                putf(o,
                     "<text x=\"%ld\" y=\"20\" font-size=\"13\" "
                     "fill=\"#262626\">",
                     lx0 + 28, 0, 0, 0);
                text(o, series[s].name);
                put(o, "</text>");
                lx0 += 40 + 8 * (long)strlen(series[s].name);
        }
        put(o, "\n");
}

mw_err_t
mw_svg_line_chart(struct mw_buf *buf, const char *title, const char *y_title,
                  const int32_t *dates, size_t n,
                  const struct mw_chart_series *series, size_t n_series,
                  long target, const char *target_label, enum mw_lang lang)
{
        struct out o = {buf, MW_OK};
        struct lgeo g;
        long vmax = 0, step;
        size_t s, i;

        if (n == 0 || n > MW_CHART_MAX_POINTS || n_series == 0 ||
            n_series > MW_CHART_MAX_SERIES)
                return MW_ERR_INVALID;
        for (s = 0; s < n_series; s++)
                for (i = 0; i < n; i++)
                        if (!series[s].hidden[i] && series[s].v[i] > vmax)
                                vmax = series[s].v[i];
        if (target > vmax)
                vmax = target;
        step = nice_step(vmax ? vmax : 5);
        g.dates = dates;
        g.n = n;
        g.x0 = LM_L;
        g.x1 = LW - LM_R;
        g.y0 = LH - LM_B;
        g.span = (long)(LH - LM_B - LM_T);
        g.ymax = ((vmax ? vmax : 5) + step - 1) / step * step;
        g.dspan = n > 1 ? (long)(dates[n - 1] - dates[0]) : 0;
        putf(&o,
             "<svg class=\"chart line\" viewBox=\"0 0 %ld %ld\" "
             "role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">",
             LW, LH, 0, 0);
        put(&o, "<title>");
        text(&o, title);
        put(&o, "</title>\n");
        line_grid(&o, &g, step, lang);
        line_y_title(&o, &g, y_title);
        line_x_labels(&o, &g, lang);
        if (target >= 0)
                line_target(&o, &g, target, target_label, lang);
        for (s = 0; s < n_series; s++)
                line_series(&o, &g, &series[s], s, lang);
        line_legend(&o, series, n_series, g.x0);
        put(&o, "</svg>\n");
        return o.err;
}

/* Room for the longest label, right-aligned at 12px: about 7px a
 * character (UTF-8 continuation bytes not counted), at least 176. */
static long
bar_label_width(const struct mw_bar_group *groups, size_t n)
{
        long w = 176;
        size_t g;

        for (g = 0; g < n; g++) {
                const unsigned char *p =
                    (const unsigned char *)(groups[g].label ? groups[g].label
                                                            : "");
                long chars = 0;

                for (; *p; p++)
                        chars += (*p & 0xC0) != 0x80;
                if (7 * chars + 16 > w)
                        w = 7 * chars + 16;
        }
        return w;
}

mw_err_t
mw_svg_bar_chart(struct mw_buf *buf, const char *title,
                 const struct mw_bar_group *groups, size_t n, size_t bars,
                 const char *const *bar_names, const char *marker,
                 enum mw_lang lang)
{
        static const char *const fills[2] = {"#1f4e79", "#9dc3e6"};
        struct out o = {buf, MW_OK};
        long vmax = 0, label_w = bar_label_width(groups, n), x0, x1;
        long bh = 14, gap = 9, h, y, w = label_w + 294;
        size_t g, b;
        char num[32];

        if (bars < 1 || bars > 2)
                return MW_ERR_INVALID;
        for (g = 0; g < n; g++)
                for (b = 0; b < bars; b++)
                        if (!groups[g].hidden[b] && groups[g].tenths[b] > vmax)
                                vmax = groups[g].tenths[b];
        vmax = vmax <= 0 ? 1000 : (vmax + 99) / 100 * 100;
        if (vmax > 1000)
                vmax = 1000;
        x0 = label_w;
        x1 = w - 56;
        h = 28 + (long)n * ((long)bars * bh + gap) + 6;
        putf(&o,
             "<svg class=\"chart bars\" viewBox=\"0 0 %ld %ld\" role=\"img\" "
             "xmlns=\"http://www.w3.org/2000/svg\">",
             w, h, 0, 0);
        put(&o, "<title>");
        text(&o, title);
        put(&o, "</title>\n");
        /* legend */
        for (b = 0; bars > 1 && b < bars; b++) {
                long lx = x0 + (long)b * 110;

                putf(&o,
                     "<rect x=\"%ld\" y=\"6\" width=\"12\" height=\"12\" "
                     "fill=\"",
                     lx, 0, 0, 0);
                put(&o, fills[b]);
                put(&o, "\"/>");
                putf(&o,
                     "<text x=\"%ld\" y=\"16\" font-size=\"12\" "
                     "fill=\"#262626\">",
                     lx + 18, 0, 0, 0);
                text(&o, bar_names[b]);
                put(&o, "</text>");
        }
        put(&o, "\n");
        y = 28;
        for (g = 0; g < n; g++) {
                putf(&o,
                     "<text x=\"%ld\" y=\"%ld\" text-anchor=\"end\" "
                     "font-size=\"12\" fill=\"#262626\">",
                     x0 - 8, y + ((long)bars * bh) / 2 + 4, 0, 0);
                text(&o, groups[g].label);
                put(&o, "</text>");
                for (b = 0; b < bars; b++) {
                        long by = y + (long)b * bh;
                        long len =
                            groups[g].hidden[b]
                                ? 0
                                : scale(groups[g].tenths[b], vmax, x1 - x0);

                        if (groups[g].hidden[b]) {
                                putf(&o,
                                     "<text x=\"%ld\" y=\"%ld\" "
                                     "font-size=\"11\" fill=\"#7f7f7f\" "
                                     "font-style=\"italic\">",
                                     x0 + 4, by + bh - 3, 0, 0);
                                text(&o, marker);
                                put(&o, "</text>");
                                continue;
                        }
                        putf(&o,
                             "<rect x=\"%ld\" y=\"%ld\" width=\"%ld\" "
                             "height=\"%ld\" fill=\"",
                             x0, by + 1, len, bh - 2);
                        put(&o, fills[bars == 1 ? 0 : b]);
                        put(&o, "\"/>");
                        mw_fmt_pct(num, groups[g].tenths[b], 0, lang);
                        putf(&o,
                             "<text x=\"%ld\" y=\"%ld\" font-size=\"11\" "
                             "fill=\"#404040\">",
                             x0 + len + 4, by + bh - 3, 0, 0);
                        text(&o, num);
                        put(&o, "</text>");
                }
                put(&o, "\n");
                y += (long)bars * bh + gap;
        }
        putf(&o,
             "<line x1=\"%ld\" y1=\"24\" x2=\"%ld\" y2=\"%ld\" "
             "stroke=\"#595959\" stroke-width=\"1\"/>\n",
             x0, x0, h - 4, 0);
        put(&o, "</svg>\n");
        return o.err;
}
