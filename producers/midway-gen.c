/* midway-gen: a deterministic synthetic case-system export for one
 * project, in the producer's CSV format (docs/input-format.md).
 *
 * The same seed, project and size give byte-identical output. The people
 * are invented: CPR numbers are synthetic (valid dates, random serials).
 * Shares follow the midway report's national figures (DOMAIN.md section
 * 5): about 8% exits with Table 2's reason mix, mentor support for about
 * half, two contacts in the first month and one every other month after. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/date.h"
#include "midway/event.h"
#include "midway/projects.h"

#define PROG       "midway-gen"
#define EXIT_USAGE 2

struct rng {
        uint64_t s;
};

static uint64_t
next(struct rng *r)
{
        uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static int
below(struct rng *r, int n)
{
        return (int)(next(r) % (uint64_t)n);
}

static int
chance(struct rng *r, int percent)
{
        return below(r, 1000) < percent * 10;
}

static const char *
pick(struct rng *r, const char *const *items, const int *weights, int n)
{
        int total = 0, i, x;

        for (i = 0; i < n; i++)
                total += weights[i];
        x = below(r, total);
        for (i = 0; i < n; i++) {
                if (x < weights[i])
                        return items[i];
                x -= weights[i];
        }
        return items[n - 1];
}

static void
dk_date(int32_t days, char out[16])
{
        int y, m, d;

        mw_date_to_ymd(days, &y, &m, &d);
        snprintf(out, 16, "%02d-%02d-%04d", d, m, y);
}

struct ctx {
        struct rng r;
        const struct mw_project *p;
        int32_t until;
        long row;
        char cpr[32];
        int muni;
};

static void
row(struct ctx *c, const char *kind, int32_t date, const char *benefit,
    const char *areas, const char *channel, const char *place,
    const char *intref, const char *category, const char *status, int32_t start,
    const char *reason)
{
        char d[16], reg[16], s[16] = "";
        int32_t regday = date + below(&c->r, 15);

        if (regday > c->until)
                regday = c->until;
        dk_date(date, d);
        dk_date(regday, reg);
        if (start != MW_DATE_NONE)
                dk_date(start, s);
        c->row++;
        printf("%s;%d;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%ld\n", c->cpr,
               c->muni, kind, d, reg, benefit, areas, channel, place, intref,
               category, status, s, reason, c->row);
}

static void
citizen(struct ctx *c, int idx)
{
        static const char *const benefits[] = {
            "ressourceforloeb", "kontanthjaelp", "uddannelseshjaelp", "other",
            "not_stated"};
        static const int adult_w[] = {43, 52, 3, 1, 1};
        static const int youth_w[] = {40, 3, 55, 1, 1};
        static const char *const areas[] = {"psychological",
                                            "physical",
                                            "social",
                                            "psychological,physical",
                                            "psychological,social",
                                            "physical,social",
                                            "psychological,physical,social",
                                            ""};
        static const int areas_w[] = {31, 21, 5, 16, 14, 3, 4, 6};
        static const char *const channels[] = {"personal", "phone", "sms",
                                               "email"};
        static const int channel_w[] = {70, 13, 10, 7};
        static const char *const places[] = {"office", "home", "walk",
                                             "provider", ""};
        static const int place_w[] = {50, 15, 5, 10, 20};
        static const char *const reasons[] = {"caseworker_assessed",
                                              "flexjob",
                                              "moved",
                                              "citizen_left",
                                              "ordinary_job",
                                              "ordinary_education",
                                              "disability_pension",
                                              "parental_leave",
                                              "rehabilitation",
                                              "prison",
                                              "retirement",
                                              "death"};
        static const int reason_w[] = {41, 32, 24, 22, 21, 18,
                                       11, 5,  3,  2,  1,  1};
        static const struct {
                const char *category;
                int percent;
        } interventions[] = {{"mentor", 49}, {"company", 20},   {"health", 30},
                             {"social", 20}, {"education", 10}, {"other", 25}};
        int youth = strcmp(c->p->target_group, "youth") == 0;
        int age = youth ? 18 + below(&c->r, 12) : 25 + below(&c->r, 40);
        int32_t visit, exit_day = MW_DATE_NONE, end, day, start;
        int y, m, d, i, months;
        char ref[24];
        const char *status;

        visit = MW_PROGRAMME_START +
                below(&c->r, c->until - MW_PROGRAMME_START + 1);
        mw_date_to_ymd(visit - age * 365 - below(&c->r, 365), &y, &m, &d);
        /* 7th digit 0-3: born 1900-1999; last digit's parity: gender. */
        snprintf(c->cpr, sizeof(c->cpr), "%02d%02d%02d%d%02d%d", d % 100,
                 m % 100, y % 100, below(&c->r, 4), idx % 100,
                 below(&c->r, 5) * 2 + (chance(&c->r, 44) ? 1 : 0));
        c->muni = c->p->muni[below(&c->r, c->p->n_muni)];
        row(c, "visitation", visit,
            pick(&c->r, benefits, youth ? youth_w : adult_w, 5),
            pick(&c->r, areas, areas_w, 8), "", "", "", "", "", MW_DATE_NONE,
            "");
        if (chance(&c->r, 9) && visit + 14 <= c->until)
                exit_day = visit + 14 + below(&c->r, c->until - visit - 13);
        end = exit_day != MW_DATE_NONE ? exit_day : c->until;
        months = (end - visit) / 30;
        for (i = 0; i <= months; i++) {
                int k, n = i == 0 ? 2 : (chance(&c->r, 50) ? 1 : 0);

                for (k = 0; k < n; k++) {
                        day = visit + i * 30 + below(&c->r, 30);
                        if (day > end)
                                continue;
                        row(c, "kontakt", day, "", "",
                            pick(&c->r, channels, channel_w, 4),
                            pick(&c->r, places, place_w, 5), "", "", "",
                            MW_DATE_NONE, "");
                }
        }
        for (i = 0; i < (int)(sizeof(interventions) / sizeof(interventions[0]));
             i++) {
                if (!chance(&c->r, interventions[i].percent))
                        continue;
                start = visit + below(&c->r, 60);
                if (start > end)
                        continue;
                snprintf(ref, sizeof(ref), "I%d-%d", idx, i);
                status = chance(&c->r, 85) ? "started" : "offered";
                row(c, "indsats", start, "", "", "", "", ref,
                    interventions[i].category, status, start, "");
        }
        if (exit_day != MW_DATE_NONE)
                row(c, "afgang", exit_day, "", "", "", "", "", "", "",
                    MW_DATE_NONE, pick(&c->r, reasons, reason_w, 12));
}

static void
usage(FILE *fp)
{
        fprintf(fp,
                "Usage: " PROG " -p PROJECT [-n CITIZENS] [-s SEED] "
                "[-u YYYY-MM-DD]\n"
                "Write a synthetic, deterministic CSV export of one project "
                "to standard output.\n\n"
                "  -p PROJECT   project id (1-30) or slug\n"
                "  -n CITIZENS  citizens visited (default 50)\n"
                "  -s SEED      seed (default 1)\n"
                "  -u DATE      last day of the export (default 2015-07-01)\n"
                "  -h, --help   this help\n");
}

int
main(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
        struct ctx c;
        char errstr[256], *end;
        const char *project = NULL;
        long citizens = 50, seed = 1, id;
        int opt, i;

        memset(&c, 0, sizeof(c));
        c.until = mw_date_from_ymd(2015, 7, 1);
        while ((opt = getopt_long(argc, argv, "p:n:s:u:h", longopts, NULL)) !=
               -1) {
                switch (opt) {
                case 'p':
                        project = optarg;
                        break;
                case 'n':
                        citizens = strtol(optarg, &end, 10);
                        if (*end || citizens < 1 || citizens > 10000000)
                                goto bad;
                        break;
                case 's':
                        seed = strtol(optarg, &end, 10);
                        if (*end)
                                goto bad;
                        break;
                case 'u':
                        if (mw_date_parse(optarg, &c.until, errstr,
                                          sizeof(errstr)) ||
                            c.until < MW_PROGRAMME_START)
                                goto bad;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }
        }
        if (!project || optind != argc)
                goto bad;
        if (!mw_projects(&(size_t){0}, errstr, sizeof(errstr))) {
                fprintf(stderr, PROG ": %s\n", errstr);
                return 1;
        }
        id = strtol(project, &end, 10);
        c.p = *end == '\0' ? mw_project_find((int)id)
                           : mw_project_by_slug(project);
        if (!c.p)
                goto bad;
        c.r.s = (uint64_t)seed * 1000003ULL + (uint64_t)c.p->id;
        printf("cpr;kommunekode;haendelse;dato;registreret;ydelse;"
               "problemomraader;kontaktform;sted;indsats_id;indsatstype;"
               "status;startdato;afgangsaarsag;kilde_id\n");
        for (i = 0; i < citizens; i++)
                citizen(&c, i);
        return fflush(stdout) == 0 ? 0 : 1;
bad:
        fprintf(stderr, PROG ": invalid arguments (see --help)\n");
        return EXIT_USAGE;
}
