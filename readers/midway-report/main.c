/* midway-report: the published midway status (docs/report.md).
 *
 * Writes an HTML overview, an HTML page per project (inline SVG charts, no
 * JavaScript, A4 print CSS), the same figures as Markdown and CSV, from
 * status.project_status() and status.project_series() only, so it runs as
 * a member of midway_evaluator. Every count goes through disclosure control
 * (one decision over every file, lib/publish/report_table.c and
 * lib/publish/disclosure.c). The files are written into DIR.tmp-XXXXXX and
 * renamed into place; the same database and date give the same bytes.
 * This file: the command line and the run from reading to publishing; the
 * parts are listed in report.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "midway/cli.h"
#include "midway/conf.h"
#include "midway/date.h"
#include "midway/disclosure.h"
#include "midway/log.h"
#include "appendix.h"
#include "report.h"

static void
on_signal(int sig)
{
        (void)sig;
        mw_report_stop = 1;
}

static const struct mw_cli_opt cli_opts[] = {
    {'a', "as-of", "DATE",
     "cut-off date (default: the first of this month\nin Denmark, the latest "
     "monthly cut-off)"},
    {'O', "out", "DIR",
     "output directory; replaced as a whole (it must be\nempty or an earlier "
     "report)"},
    {'l', "lang", "LANG", "da (default) or en"},
    {'t', "threshold", "N", "hide counts of 1 to N-1 persons (default 5)"},
    {'P', "previous", "DATE",
     "the previous cut-off for the changes (default:\nthree months before "
     "--as-of)"},
    {'L', "ledger", "DIR",
     "the record of published reports: protect this one\ntogether with "
     "those recorded in DIR, refuse a\ncut-off recorded there, and record "
     "this one\n(docs/report.md, \"Reports published before\")"},
    {'j', "jobs", "N",
     "2 (default): read the cut-off's status and the\nseries on two "
     "connections at once; 1: one after\nthe other"},
    {0, NULL, NULL, NULL}};

static const struct mw_cli cli = {
    PROG,
    "[--as-of YYYY-MM-DD] --out DIR [OPTION]...",
    "Write the published midway status: DIR/index.html, a page per project\n"
    "(DIR/<slug>.html and .md), DIR/status.md, DIR/status.csv,\n"
    "DIR/status-previous.csv, DIR/series.csv, the data quality\n"
    "(DIR/datakvalitet.html and .md, DIR/data-quality.csv) and\n"
    "DIR/SHA256SUMS.",
    cli_opts,
    MW_CLI_PG | MW_CLI_FILE | MW_CLI_PROPS,
    0,
    "Reads only status.project_status(), status.project_series() and\n"
    "status.data_quality() (role midway_evaluator).",
    "0 written, 1 failure (nothing replaced), 2 usage error"};

static int
parse_int_arg(const char *s, int min, int max, int *out)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return -1;
        *out = (int)v;
        return 0;
}

static mw_err_t
on_opt(void *arg, int key, const char *value, char *errstr, size_t errstr_size)
{
        struct opts *o = arg;

        switch (key) {
        case 'a':
                return mw_date_parse(value, &o->as_of, errstr, errstr_size);
        case 'P':
                return mw_date_parse(value, &o->prev, errstr, errstr_size);
        case 'O':
                o->out = value;
                return MW_OK;
        case 'L':
                o->ledger = value;
                return MW_OK;
        case 'l':
                if (strcmp(value, "da") == 0)
                        o->lang = MW_LANG_DA;
                else if (strcmp(value, "en") == 0)
                        o->lang = MW_LANG_EN;
                else
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "--lang: da or en");
                return MW_OK;
        case 't':
                if (parse_int_arg(value, 1, MW_DC_MAX_THRESHOLD, &o->threshold))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "--threshold: 1..%d",
                                       MW_DC_MAX_THRESHOLD);
                return MW_OK;
        default: /* 'j' */
                if (parse_int_arg(value, 1, MAX_JOBS, &o->jobs))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "--jobs: 1..%d", MAX_JOBS);
                return MW_OK;
        }
}

static long
ms_since(const struct timespec *t0)
{
        struct timespec t1;

        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (long)(t1.tv_sec - t0->tv_sec) * 1000 +
               (long)(t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static mw_err_t
render(struct report *rep)
{
        size_t r;

        mw_report_status_csv(rep, rep->cutoff, "status.csv");
        mw_report_status_csv(rep, rep->prev, "status-previous.csv");
        mw_report_series_csv(rep);
        mw_report_quality_csv(rep);
        mw_report_appendix_csv(rep);
        if (!rep->err && mw_report_data_id(rep))
                rep->err = MW_ERR_INVALID;
        mw_report_overview(rep);
        for (r = 0; r < rep->total && !rep->err; r++)
                mw_report_project_page(rep, r);
        if (!rep->err)
                mw_report_quality_page(rep);
        if (!rep->err)
                mw_report_appendix_page(rep);
        mw_report_sums(rep);
        return rep->err;
}

static int
run(const struct opts *opts, const struct mw_conf *conf)
{
        struct report rep;
        struct mw_dc_stats st;
        struct timespec t0;
        char errstr[1024], day[11];
        mw_err_t err;
        size_t n_exposed = 0;
        long ms_fetch, ms_dc;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        memset(&rep, 0, sizeof(rep));
        rep.opts = opts;
        rep.lang = opts->lang;
        mw_date_format(opts->as_of, day);
        err = mw_report_plan_dates(&rep, errstr, sizeof(errstr));
        if (!err) {
                mw_log_info("report: as_of=%s out=%s lang=%s threshold=%d "
                            "dates=%zu jobs=%d",
                            day, opts->out,
                            opts->lang == MW_LANG_DA ? "da" : "en",
                            opts->threshold, rep.n_dates, opts->jobs);
                err = mw_report_fetch(&rep, conf, errstr, sizeof(errstr));
        }
        ms_fetch = ms_since(&t0);
        if (!err) {
                mw_log_info("fetched: %zu dates x %zu rows in %ld ms",
                            rep.n_dates, rep.dates ? rep.dates[0].n_rows : 0,
                            ms_fetch);
                err = mw_report_ledger_load(&rep, errstr, sizeof(errstr));
        }
        if (!err) {
                err = mw_rtable_build_past(&rep.table, rep.dates, rep.n_dates,
                                           rep.prev, rep.cutoff, rep.past,
                                           rep.n_past, opts->threshold, errstr,
                                           sizeof(errstr));
        }
        if (!err) {
                mw_dc_set_stop(rep.table.dc, &mw_report_stop);
                err = mw_dc_protect(rep.table.dc, errstr, sizeof(errstr));
        }
        /* fail closed: the verifier must agree before anything is written */
        if (!err)
                err = mw_dc_verify(rep.table.dc, NULL, 0, &n_exposed, errstr,
                                   sizeof(errstr));
        if (!err && n_exposed)
                err = mw_errf(errstr, sizeof(errstr), MW_ERR_INVALID,
                              "disclosure control: %zu hidden cells can be "
                              "worked out; nothing written",
                              n_exposed);
        if (!err) {
                mw_dc_get_stats(rep.table.dc, &st);
                ms_dc = ms_since(&t0) - ms_fetch;
                mw_log_info(
                    "disclosure control: %zu cells, %zu relations, "
                    "%zu primary, %zu secondary (%zu by the audit, "
                    "%zu released), %zu for a change of 1-4; verified: no "
                    "hidden cell can be worked out; in %ld ms",
                    st.cells, st.relations, st.primary, st.secondary,
                    st.audit_added, st.released, rep.table.n_flows, ms_dc);
                rep.n_rows = rep.dates[0].n_rows;
                rep.total = rep.n_rows - 1;
                mw_fmt_date(rep.cut_text, rep.dates[rep.cutoff].date, rep.lang);
                mw_fmt_date(rep.prev_text, rep.dates[rep.prev].date, rep.lang);
                err = mw_app_protect(&rep, errstr, sizeof(errstr));
        }
        if (!err) {
                mw_dc_get_stats(rep.app->dc, &st);
                mw_log_info("appendices: %zu cells, %zu relations, %zu "
                            "primary, %zu secondary; verified: no hidden "
                            "cell can be worked out",
                            st.cells, st.relations, st.primary, st.secondary);
                if (render(&rep))
                        err = mw_errf(errstr, sizeof(errstr), rep.err,
                                      "rendering failed: %s",
                                      mw_err_name(rep.err));
        }
        if (!err)
                err = mw_report_publish(&rep, errstr, sizeof(errstr));
        if (!err)
                err = mw_report_ledger_write(&rep, errstr, sizeof(errstr));
        if (err)
                mw_log_error("report failed: %s", errstr);
        else
                mw_log_info("written: %s (%zu files, data id %s) in %ld ms",
                            opts->out, rep.n_files, rep.data_id, ms_since(&t0));
        mw_app_release(rep.app);
        mw_report_release(&rep);
        return err ? MW_EXIT_FAILURE : MW_EXIT_OK;
}

int
main(int argc, char **argv)
{
        struct opts opts = {mw_date_cutoff(),        -1, NULL, MW_LANG_DA,
                            MW_DC_DEFAULT_THRESHOLD, 2,  NULL};
        struct mw_conf conf;
        char errstr[512];
        enum mw_cli_rc cli_rc;
        int first = 0, rc;

        cli_rc = mw_cli_start(&cli, argc, argv, &conf, on_opt, &opts, 0, 0,
                              &first, errstr, sizeof(errstr));
        if (cli_rc == MW_CLI_RUN && (!opts.out || !*opts.out)) {
                snprintf(errstr, sizeof(errstr), "--out DIR is required");
                cli_rc = MW_CLI_BAD;
        }
        if (cli_rc == MW_CLI_RUN && opts.prev >= 0 && opts.prev >= opts.as_of) {
                snprintf(errstr, sizeof(errstr),
                         "--previous must be before --as-of");
                cli_rc = MW_CLI_BAD;
        }
        if (cli_rc != MW_CLI_RUN) {
                mw_conf_release(&conf);
                return mw_cli_exit(&cli, cli_rc, errstr, stdout, stderr);
        }
        mw_cli_signals(on_signal);
        rc = run(&opts, &conf);
        mw_conf_release(&conf);
        return rc;
}
