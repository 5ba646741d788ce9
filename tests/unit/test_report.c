/* Unit tests: the report's renderers (lib/publish/report_fmt.c, report_doc.c,
 * report_svg.c): number and date formatting in Danish and English,
 * escaping for HTML, CSV and Markdown, the HTML/Markdown document and the
 * SVG charts (hidden values are never drawn and never scale an axis). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "midway/date.h"
#include "midway/report.h"

static void
test_fmt_int(void **state)
{
        char out[32];
        (void)state;

        mw_fmt_int(out, 0, 0, MW_LANG_DA);
        assert_string_equal(out, "0");
        mw_fmt_int(out, 999, 0, MW_LANG_DA);
        assert_string_equal(out, "999");
        mw_fmt_int(out, 2145, 0, MW_LANG_DA);
        assert_string_equal(out, "2.145");
        mw_fmt_int(out, 2145, 0, MW_LANG_EN);
        assert_string_equal(out, "2,145");
        mw_fmt_int(out, 1234567, 0, MW_LANG_DA);
        assert_string_equal(out, "1.234.567");
        mw_fmt_int(out, 711, 1, MW_LANG_DA);
        assert_string_equal(out, "+711");
        mw_fmt_int(out, 0, 1, MW_LANG_DA);
        assert_string_equal(out, "0");
        mw_fmt_int(out, -1500, 1, MW_LANG_EN);
        assert_string_equal(out, "\xe2\x88\x92"
                                 "1,500");
}

static void
test_fmt_fixed_pct(void **state)
{
        char out[32];
        (void)state;

        mw_fmt_pct(out, 420, 0, MW_LANG_DA);
        assert_string_equal(out, "42,0 %");
        mw_fmt_pct(out, 420, 0, MW_LANG_EN);
        assert_string_equal(out, "42.0%");
        mw_fmt_pct(out, 1000, 0, MW_LANG_DA);
        assert_string_equal(out, "100,0 %");
        mw_fmt_pct(out, 5, 0, MW_LANG_DA);
        assert_string_equal(out, "0,5 %");
        mw_fmt_fixed(out, 200, 2, 0, MW_LANG_DA);
        assert_string_equal(out, "2,00");
        mw_fmt_fixed(out, 51, 2, 0, MW_LANG_EN);
        assert_string_equal(out, "0.51");
        mw_fmt_fixed(out, 211, 1, 1, MW_LANG_DA);
        assert_string_equal(out, "+21,1");
        mw_fmt_fixed(out, -27, 1, 1, MW_LANG_DA);
        assert_string_equal(out, "\xe2\x88\x92"
                                 "2,7");
        mw_fmt_fixed(out, 123456789, 1, 0, MW_LANG_DA);
        assert_string_equal(out, "12.345.678,9");
}

/* As PostgreSQL's round(100.0 * n / d, 1): half away from zero. */
static void
test_pct_tenths(void **state)
{
        (void)state;
        assert_int_equal(mw_pct_tenths(1, 3), 333);
        assert_int_equal(mw_pct_tenths(2, 3), 667);
        assert_int_equal(mw_pct_tenths(1, 16), 63); /* 6.25 -> 6.3 */
        assert_int_equal(mw_pct_tenths(1, 8), 125);
        assert_int_equal(mw_pct_tenths(0, 7), 0);
        assert_int_equal(mw_pct_tenths(7, 7), 1000);
        assert_int_equal(mw_pct_tenths(1660, 1964), 845);
        assert_int_equal(mw_pct_tenths(938, 1964), 478);
        assert_int_equal(mw_pct_tenths(1, 0), -1);
        assert_int_equal(mw_pct_tenths(-1, 5), -1);
}

static void
test_parse_fixed(void **state)
{
        long v = -1;
        (void)state;

        assert_int_equal(mw_fmt_parse_fixed("2.00", 2, &v), MW_OK);
        assert_int_equal(v, 200);
        assert_int_equal(mw_fmt_parse_fixed("16.5", 1, &v), MW_OK);
        assert_int_equal(v, 165);
        assert_int_equal(mw_fmt_parse_fixed("42", 1, &v), MW_OK);
        assert_int_equal(v, 420);
        assert_int_equal(mw_fmt_parse_fixed("0.505", 2, &v), MW_OK);
        assert_int_equal(v, 51);
        assert_int_equal(mw_fmt_parse_fixed("0.504", 2, &v), MW_OK);
        assert_int_equal(v, 50);
        assert_int_equal(mw_fmt_parse_fixed("", 1, &v), MW_ERR_INVALID);
        assert_int_equal(mw_fmt_parse_fixed("abc", 1, &v), MW_ERR_INVALID);
        assert_int_equal(mw_fmt_parse_fixed("1.", 1, &v), MW_ERR_INVALID);
        assert_int_equal(mw_fmt_parse_fixed("-1", 1, &v), MW_ERR_INVALID);
        assert_int_equal(mw_fmt_parse_fixed("1.5x", 1, &v), MW_ERR_INVALID);
        assert_int_equal(mw_fmt_parse_fixed(NULL, 1, &v), MW_ERR_INVALID);
}

static void
test_fmt_date(void **state)
{
        char out[32];
        (void)state;

        mw_fmt_date(out, mw_date_from_ymd(2015, 7, 1), MW_LANG_DA);
        assert_string_equal(out, "1. juli 2015");
        mw_fmt_date(out, mw_date_from_ymd(2015, 7, 1), MW_LANG_EN);
        assert_string_equal(out, "1 July 2015");
        mw_fmt_date(out, mw_date_from_ymd(2014, 12, 31), MW_LANG_DA);
        assert_string_equal(out, "31. december 2014");
        assert_string_equal(mw_fmt_month_abbr(5, MW_LANG_DA), "maj");
        assert_string_equal(mw_fmt_month_abbr(5, MW_LANG_EN), "May");
        assert_string_equal(mw_fmt_month_abbr(13, MW_LANG_EN), "?");
}

static void
test_escape(void **state)
{
        struct mw_buf b = MW_BUF_INIT;
        (void)state;

        /* project names with æøå pass through; markup does not */
        assert_int_equal(mw_buf_html(&b, "Vallensbæk/Ishøj <b>&\"'"), MW_OK);
        assert_string_equal(b.data, "Vallensbæk/Ishøj "
                                    "&lt;b&gt;&amp;&quot;&#39;");
        mw_buf_reset(&b);
        assert_int_equal(mw_buf_html(&b, "Brønderslev"), MW_OK);
        assert_string_equal(b.data, "Brønderslev");
        mw_buf_reset(&b);
        assert_int_equal(mw_buf_csv(&b, "Lyngby-Taarbæk"), MW_OK);
        assert_string_equal(b.data, "Lyngby-Taarbæk");
        mw_buf_reset(&b);
        assert_int_equal(mw_buf_csv(&b, "a,b \"c\""), MW_OK);
        assert_string_equal(b.data, "\"a,b \"\"c\"\"\"");
        mw_buf_reset(&b);
        assert_int_equal(mw_buf_md(&b, "a|b *c* [d]\nÆ"), MW_OK);
        assert_string_equal(b.data, "a\\|b \\*c\\* \\[d\\] Æ");
        mw_buf_release(&b);
}

static void
test_doc(void **state)
{
        static const char *const head[3] = {"Projekt", "Antal", "Andel"};
        struct mw_rdoc doc;
        struct mw_rcell row[3] = {
            {"Ærø & Co", MW_RCELL_TEXT, "aeroe.html", "aeroe.md"},
            {"x", MW_RCELL_HIDDEN, NULL, NULL},
            {"42,0 %", MW_RCELL_NUM, NULL, NULL}};
        struct mw_rcell tot[3] = {{"I alt", MW_RCELL_TEXT, NULL, NULL},
                                  {"2.145", MW_RCELL_COUNT, NULL, NULL},
                                  {"\xe2\x80\x93", MW_RCELL_EMPTY, NULL, NULL}};
        (void)state;

        mw_rdoc_init(&doc, "Skjult");
        mw_rdoc_heading(&doc, 2, "id1", "Nøgletal <1>");
        mw_rdoc_table(&doc, "key", "Tabel", head, 3);
        mw_rdoc_row(&doc, row, 0);
        mw_rdoc_row(&doc, tot, 1);
        mw_rdoc_table_end(&doc, "Note");
        assert_int_equal(doc.err, MW_OK);
        assert_non_null(
            strstr(doc.html.data, "<h2 id=\"id1\">Nøgletal &lt;1&gt;</h2>"));
        assert_non_null(strstr(doc.html.data,
                               "<th scope=\"row\"><a href=\"aeroe.html\">"
                               "Ærø &amp; Co</a></th>"));
        assert_non_null(
            strstr(doc.html.data, "<td class=\"x\" title=\"Skjult\">x</td>"));
        assert_non_null(strstr(doc.html.data, "<td class=\"n\">2.145</td>"));
        assert_non_null(strstr(doc.html.data, "<tr class=\"total\">"));
        assert_non_null(strstr(doc.md.data, "## Nøgletal \\<1\\>"));
        assert_non_null(strstr(doc.md.data, "| Projekt | Antal | Andel |\n"
                                            "| :--- | ---: | ---: |\n"));
        assert_non_null(
            strstr(doc.md.data, "| [Ærø & Co](aeroe.md) | x | 42,0 % |"));
        assert_non_null(strstr(doc.md.data, "| **I alt** | **2.145** |"));
        assert_non_null(strstr(doc.md.data, "*Note*"));
        /* a row outside a table is an error, and it sticks */
        mw_rdoc_row(&doc, row, 0);
        assert_int_equal(doc.err, MW_ERR_INVALID);
        mw_rdoc_release(&doc);
}

static void
test_line_chart(void **state)
{
        int32_t dates[4];
        long visited[4] = {10, 3, 1000, 40};
        unsigned char hid[4] = {0, 1, 1, 0};
        struct mw_chart_series s = {"Visiterede <borgere>", "s1", visited, hid,
                                    0};
        struct mw_buf a = MW_BUF_INIT, b = MW_BUF_INIT;
        (void)state;

        dates[0] = mw_date_from_ymd(2014, 10, 31);
        dates[1] = mw_date_from_ymd(2014, 11, 30);
        dates[2] = mw_date_from_ymd(2014, 12, 31);
        dates[3] = mw_date_from_ymd(2015, 1, 31);
        assert_int_equal(mw_svg_line_chart(&a, "Udvikling", "Antal", dates, 4,
                                           &s, 1, -1, NULL, MW_LANG_DA),
                         MW_OK);
        /* the published points only */
        assert_non_null(strstr(a.data, "data-n=\"10\""));
        assert_non_null(strstr(a.data, "data-n=\"40\""));
        assert_null(strstr(a.data, "data-n=\"3\""));
        assert_null(strstr(a.data, "data-n=\"1000\""));
        /* the axis goes to 40 (nice steps of 10), not to the hidden 1000 */
        assert_non_null(strstr(a.data, ">40</text>"));
        assert_null(strstr(a.data, "1.000"));
        /* a gap: the path starts again after the hidden points */
        assert_non_null(strstr(a.data, "d=\" M"));
        assert_int_equal(strstr(strstr(a.data, "d=\" M") + 4, " M") != NULL, 1);
        assert_non_null(strstr(a.data, "Visiterede &lt;borgere&gt;"));
        assert_non_null(strstr(a.data, "<title>Visiterede &lt;borgere&gt;, "
                                       "31. oktober 2014: 10</title>"));
        assert_null(strstr(a.data, "<script"));
        /* the y axis has its title, turned */
        assert_non_null(
            strstr(a.data, "class=\"ytitle\" transform=\"rotate(-90)\""));
        assert_non_null(strstr(a.data, ">Antal</text>"));
        /* the first series is a wide band under the others (issue 13) */
        assert_non_null(strstr(a.data, "stroke-width=\"7\" stroke-opacity"));
        /* deterministic */
        assert_int_equal(mw_svg_line_chart(&b, "Udvikling", "Antal", dates, 4,
                                           &s, 1, -1, NULL, MW_LANG_DA),
                         MW_OK);
        assert_string_equal(a.data, b.data);
        mw_buf_reset(&a);
        /* a target line scales the axis too */
        assert_int_equal(mw_svg_line_chart(&a, "x", NULL, dates, 4, &s, 1, 140,
                                           "Forventet", MW_LANG_DA),
                         MW_OK);
        assert_non_null(strstr(a.data, "Forventet: 140"));
        assert_null(strstr(a.data, "ytitle"));
        assert_non_null(strstr(a.data, ">150</text>"));
        assert_int_equal(mw_svg_line_chart(&a, "x", NULL, dates, 0, &s, 1, -1,
                                           NULL, MW_LANG_DA),
                         MW_ERR_INVALID);
        mw_buf_release(&a);
        mw_buf_release(&b);
}

static void
test_bar_chart(void **state)
{
        struct mw_bar_group g[2] = {{"Kvinde", {554, 560}, {0, 0}},
                                    {"18-24 år", {0, 100}, {1, 0}}};
        const char *names[2] = {"Projektet", "Alle projekter"};
        struct mw_buf a = MW_BUF_INIT;
        (void)state;

        assert_int_equal(
            mw_svg_bar_chart(&a, "Profil", g, 2, 2, names, "x", MW_LANG_DA),
            MW_OK);
        assert_non_null(strstr(a.data, "55,4 %"));
        assert_non_null(strstr(a.data, "10,0 %"));
        assert_non_null(strstr(a.data, "18-24 år"));
        assert_non_null(strstr(a.data, "font-style=\"italic\">x</text>"));
        assert_int_equal(
            mw_svg_bar_chart(&a, "Profil", g, 2, 3, names, "x", MW_LANG_DA),
            MW_ERR_INVALID);
        mw_buf_release(&a);
        /* a long label gets room: the chart widens, the label starts
         * right of x = 0 (issue 13: the English profile label was cut) */
        g[0].label = "More than one main problem area";
        assert_int_equal(
            mw_svg_bar_chart(&a, "Profil", g, 2, 2, names, "x", MW_LANG_EN),
            MW_OK);
        assert_non_null(strstr(a.data, "viewBox=\"0 0 527 "));
        assert_non_null(strstr(a.data, "<text x=\"225\" y=\"46\" "
                                       "text-anchor=\"end\""));
        mw_buf_release(&a);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fmt_int),
            cmocka_unit_test(test_fmt_fixed_pct),
            cmocka_unit_test(test_pct_tenths),
            cmocka_unit_test(test_parse_fixed),
            cmocka_unit_test(test_fmt_date),
            cmocka_unit_test(test_escape),
            cmocka_unit_test(test_doc),
            cmocka_unit_test(test_line_chart),
            cmocka_unit_test(test_bar_chart),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
