/* midway-gen: a deterministic synthetic case-system export for one
 * project, in the producer's CSV format (docs/input-format.md).
 *
 * The same seed, project and size give byte-identical output. The people
 * are invented: CPR numbers are synthetic (valid dates, random serials).
 *
 * Simple mode (-n): shares follow the midway report's national figures
 * (DOMAIN.md section 5) by chance: about 8% exits with Table 2's reason
 * mix, mentor support for about half, two contacts in the first month and
 * one every other month after.
 *
 * Calibrated mode (--calibration reference/calibration.csv): every count
 * of the project's row is hit exactly at the cut-off 2015-07-01, and
 * events after it (to -u, default 2015-09-30) test that a status for the
 * cut-off filters by date (docs/calibration.md).
 *
 * The export's columns come from the field table (midway/fields.h); this
 * file decides only which values each kind gets. Why one file of more
 * than 1,000 lines: the two modes share the random stream, the CPR
 * numbers and the row writer, and a program is one file unless it is a
 * folder of files with an internal header (docs/architecture.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/cli.h"
#include "midway/codes.h"
#include "midway/date.h"
#include "midway/event.h"
#include "midway/fields.h"
#include "midway/projects.h"

#define PROG "midway-gen"

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

static int
wpick(struct rng *r, const int *weights, int n)
{
        int total = 0, i, x;

        for (i = 0; i < n; i++)
                total += weights[i];
        x = below(r, total);
        for (i = 0; i < n; i++) {
                if (x < weights[i])
                        return i;
                x -= weights[i];
        }
        return n - 1;
}

static const char *
pick(struct rng *r, const char *const *items, const int *weights, int n)
{
        return items[wpick(r, weights, n)];
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

/* ---- the export's columns ------------------------------------------
 *
 * cpr, kommunekode, haendelse, dato and registreret, then the payload
 * columns of the field table (midway/fields.h) in its order, each once,
 * then kilde_id. A column the producer derives when it is empty
 * (MW_FF_DERIVED: maalgruppe, koen, aldersgruppe) is left out. */

#define MAX_COLS 32

static const char *cols[MAX_COLS];
static int n_cols;

static int
cols_init(void)
{
        const struct mw_field *f;
        size_t n, i;
        int c;

        f = mw_fields(&n);
        for (i = 0; i < n; i++) {
                if (f[i].record == MW_REC_HEADER || !f[i].column ||
                    (f[i].flags & MW_FF_DERIVED))
                        continue;
                for (c = 0; c < n_cols; c++)
                        if (strcmp(cols[c], f[i].column) == 0)
                                break;
                if (c < n_cols)
                        continue;
                if (n_cols == MAX_COLS)
                        return -1;
                cols[n_cols++] = f[i].column;
        }
        return 0;
}

static void
print_header(void)
{
        int c;

        fputs("cpr;kommunekode;haendelse;dato;registreret", stdout);
        for (c = 0; c < n_cols; c++) {
                putchar(';');
                fputs(cols[c], stdout);
        }
        fputs(";kilde_id\n", stdout);
}

/* One row: its haendelse word, its date and each column's value (NULL
 * is empty). */
struct crow {
        const char *kind;
        int32_t date;
        const char *v[MAX_COLS];
        char days[MAX_COLS][16]; /* the dates put_date() wrote */
};

static int
col_of(const char *column)
{
        int c;

        for (c = 0; c < n_cols; c++)
                if (strcmp(cols[c], column) == 0)
                        return c;
        /* a column the field table does not have: a bug here */
        fprintf(stderr, PROG ": no export column %s\n", column);
        abort();
}

static void
put(struct crow *w, const char *column, const char *value)
{
        w->v[col_of(column)] = value;
}

static void
put_date(struct crow *w, const char *column, int32_t day)
{
        int c = col_of(column);

        if (day == MW_DATE_NONE)
                return;
        dk_date(day, w->days[c]);
        w->v[c] = w->days[c];
}

static void
write_row(const char *cpr, int muni, const struct crow *w, int32_t regday,
          const char *source)
{
        char d[16], reg[16];
        int c;

        dk_date(w->date, d);
        dk_date(regday, reg);
        printf("%s;%d;%s;%s;%s", cpr, muni, w->kind, d, reg);
        for (c = 0; c < n_cols; c++) {
                putchar(';');
                if (w->v[c])
                        fputs(w->v[c], stdout);
        }
        printf(";%s\n", source);
}

/* The mentor of a mentor support, the LAB mentor most often (DOMAIN.md
 * 4.6): a function of the citizen and the intervention, not a draw, so
 * every status row of one intervention names the same mentor and the
 * random stream (and so every other column) is as it was before the
 * column existed. */
static const char *
mentor_type(int citizen, int n)
{
        static const char *const types[10] = {
            "lab",    "lab",     "lab",       "lab",         "lab",
            "social", "company", "volunteer", "empowerment", "health"};

        return types[(unsigned)(citizen * 7 + n) % 10];
}

/* ---- simple mode ---------------------------------------------------- */

static void
row(struct ctx *c, const struct crow *w)
{
        int32_t regday = w->date + below(&c->r, 15);
        char source[24];

        if (regday > c->until)
                regday = c->until;
        c->row++;
        snprintf(source, sizeof(source), "%ld", c->row);
        write_row(c->cpr, c->muni, w, regday, source);
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
        /* Age at intake: age or age + 1 (youth 18-29, adults 25-65). */
        int age = youth ? 18 + below(&c->r, 11) : 25 + below(&c->r, 40);
        int32_t visit, exit_day = MW_DATE_NONE, end, day, start;
        int y, m, d, i, months;
        char ref[24];
        const char *status;
        struct crow w;

        visit = MW_PROGRAMME_START +
                below(&c->r, c->until - MW_PROGRAMME_START + 1);
        mw_date_to_ymd(visit, &y, &m, &d);
        y -= age + 1;
        m = 1 + below(&c->r, 12);
        d = 1 + below(&c->r, 28);
        /* 7th digit 0-3: born 1900-1999; last digit's parity: gender. */
        snprintf(c->cpr, sizeof(c->cpr), "%02d%02d%02d%d%02d%d", d % 100,
                 m % 100, y % 100, below(&c->r, 4), idx % 100,
                 below(&c->r, 5) * 2 + (chance(&c->r, 44) ? 1 : 0));
        c->muni = c->p->muni[below(&c->r, c->p->n_muni)];
        w = (struct crow){.kind = "visitation", .date = visit};
        /* (areas drawn first: the order the arguments of a call once
         * happened to be evaluated in, kept so a seed gives what it gave) */
        put(&w, "problemomraader", pick(&c->r, areas, areas_w, 8));
        put(&w, "ydelse", pick(&c->r, benefits, youth ? youth_w : adult_w, 5));
        row(c, &w);
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
                        w = (struct crow){.kind = "kontakt", .date = day};
                        put(&w, "sted", pick(&c->r, places, place_w, 5));
                        put(&w, "kontaktform",
                            pick(&c->r, channels, channel_w, 4));
                        row(c, &w);
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
                w = (struct crow){.kind = "indsats", .date = start};
                put(&w, "indsats_id", ref);
                put(&w, "indsatstype", interventions[i].category);
                put(&w, "status", status);
                put_date(&w, "startdato", start);
                if (strcmp(interventions[i].category, "mentor") == 0)
                        put(&w, "mentortype", mentor_type(idx, i));
                row(c, &w);
        }
        if (exit_day != MW_DATE_NONE) {
                w = (struct crow){.kind = "afgang", .date = exit_day};
                put(&w, "afgangsaarsag", pick(&c->r, reasons, reason_w, 12));
                row(c, &w);
        }
}

/* ---- calibrated mode ----------------------------------------------------
 *
 * One project's export that hits every count of its row of
 * reference/calibration.csv (scripts/calibrate.py, docs/calibration.md)
 * exactly at the cut-off 2015-07-01, plus events after the cut-off up to
 * the export's last day (more visitations, exits, contacts, interventions
 * and benefit changes) that a status for the cut-off must leave out. */

#define N_BENEFIT  5
#define N_BAND     5
#define N_AREA     8 /* seven combinations and "not stated" */
#define MAX_REASON 32
#define MAX_LINE   8192
#define MAX_FIELDS 128

static const char *const benefit_codes[N_BENEFIT] = {
    "ressourceforloeb", "kontanthjaelp", "uddannelseshjaelp", "other",
    "not_stated"};
static const char *const benefit_cols[N_BENEFIT] = {
    "n_ressourceforloeb", "n_kontanthjaelp", "n_uddannelseshjaelp",
    "n_other_benefit", "n_benefit_not_stated"};
enum { B_RES, B_KON, B_UDD, B_OTHER, B_NONE };
static const char *const band_cols[N_BAND] = {"n_age_18_24", "n_age_25_29",
                                              "n_age_30_39", "n_age_40_49",
                                              "n_age_50_plus"};
static const int band_lo[N_BAND] = {18, 25, 30, 40, 50};
static const int band_hi[N_BAND] = {24, 29, 39, 49, 64};
static const char *const area_cols[N_AREA] = {"n_area_psychological",
                                              "n_area_physical",
                                              "n_area_social",
                                              "n_area_psychological_physical",
                                              "n_area_psychological_social",
                                              "n_area_physical_social",
                                              "n_area_all_three",
                                              "n_problem_area_not_stated"};
static const char *const area_values[N_AREA] = {"psychological",
                                                "physical",
                                                "social",
                                                "psychological,physical",
                                                "psychological,social",
                                                "physical,social",
                                                "psychological,physical,social",
                                                ""};
/* Fig. 4-6 shares of the eight, for citizens outside the calibration. */
static const int area_w[N_AREA] = {31, 21, 5, 16, 14, 3, 4, 6};

struct calib {
        int visited, active, exits;
        int n_reasons;
        const struct mw_code *reasons; /* lib/event/codes.c, borrowed */
        int reason[MAX_REASON];
        int over4, interv, mentor, company;
        int benefit[N_BENEFIT];
        int female, male;
        int band[N_BAND];
        int area[N_AREA];
        int32_t first_visit;
        int contact_interval;
        int sms;
};

struct citizen {
        char cpr[16];
        int muni;
        int32_t visit;
        int32_t exit; /* MW_DATE_NONE: none in the export */
        const char *reason;
        int benefit;       /* in force at the cut-off (or at the visitation) */
        int benefit_visit; /* at the visitation */
        int32_t change;    /* profile change to benefit; MW_DATE_NONE: none */
        int female;
        int band;
        int age; /* exact age wanted, or -1 for any in the band */
        int area;
        int over4, interv, mentor, company; /* at the cut-off */
        int active;                         /* active at the cut-off */
        int idx;                            /* position in the export */
};

struct gen {
        struct ctx *c;
        const struct calib *k;
        int32_t cutoff, last, march; /* 2015-07-01, export end, 2015-03-01 */
        int youth;
        long contacts_before; /* contacts dated <= cutoff so far */
        int32_t *used;        /* birth date * 100 + serial, per CPR issued */
        int n_used;
};

static int32_t
between(struct rng *r, int32_t lo, int32_t hi)
{
        if (hi <= lo)
                return lo;
        return lo + below(r, hi - lo + 1);
}

static void
shuffle(struct rng *r, int *a, int n)
{
        int i, j, t;

        for (i = n - 1; i > 0; i--) {
                j = below(r, i + 1);
                t = a[i];
                a[i] = a[j];
                a[j] = t;
        }
}

/* out[0..n) gets category i counts[i] times, in random order. */
static void
deal(struct rng *r, int *out, const int *counts, int ncat, int n)
{
        int i, j, o = 0;

        for (i = 0; i < ncat; i++)
                for (j = 0; j < counts[i] && o < n; j++)
                        out[o++] = i;
        while (o < n)
                out[o++] = ncat - 1;
        shuffle(r, out, n);
}


/* The producer's age rule (midway-producer.c): whole years at date. */
static int
years_at(int32_t birth, int32_t date)
{
        int by, bm, bd, y, m, d;

        mw_date_to_ymd(birth, &by, &bm, &bd);
        mw_date_to_ymd(date, &y, &m, &d);
        return y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0);
}

/* PostgreSQL's date + interval '1 month' (the day clamped to the month). */
static int32_t
plus_month(int32_t day)
{
        int y, m, d, last;

        mw_date_to_ymd(day, &y, &m, &d);
        if (++m > 12) {
                m = 1;
                y++;
        }
        last = m == 12
                   ? 31
                   : mw_date_from_ymd(y, m + 1, 1) - mw_date_from_ymd(y, m, 1);
        return mw_date_from_ymd(y, m, d < last ? d : last);
}

/* A synthetic CPR number unique in the export: birth date matching the
 * age band at the visitation, 7th digit 0-3 (born 1900-1999), digits 8-9
 * the project id (so numbers never repeat across projects), last digit
 * even for women. */
static int
issue_cpr(struct gen *g, struct citizen *z)
{
        struct rng *r = &g->c->r;
        int lo = z->age >= 0 ? z->age : band_lo[z->band];
        int hi = z->age >= 0 ? z->age : band_hi[z->band];
        int tries, k, y, m, d, serial, d7, last, taken;
        int32_t birth;

        for (tries = 0; tries < 1000; tries++) {
                birth = z->visit - (int32_t)(lo * 365) - 365 * (hi - lo + 1) +
                        below(r, 365 * (hi - lo + 1) + 1);
                k = years_at(birth, z->visit);
                if (k < lo || k > hi)
                        continue;
                d7 = below(r, 4);
                last = below(r, 5) * 2 + (z->female ? 0 : 1);
                serial = d7 * 10 + last;
                taken = 0;
                for (k = 0; k < g->n_used && !taken; k++)
                        taken = g->used[k] == birth * 100 + serial;
                if (taken)
                        continue;
                g->used[g->n_used++] = birth * 100 + serial;
                mw_date_to_ymd(birth, &y, &m, &d);
                snprintf(z->cpr, sizeof(z->cpr), "%02d%02d%02d%d%02d%d", d, m,
                         y % 100, d7, g->c->p->id % 100, last);
                return 0;
        }
        return -1;
}

static void
emit(struct gen *g, const struct citizen *z, const struct crow *w)
{
        int32_t regday = w->date + below(&g->c->r, 15);
        char source[32];

        g->c->row++;
        snprintf(source, sizeof(source), "%d-%ld", g->c->p->id, g->c->row);
        write_row(z->cpr, z->muni, w, regday, source);
}

/* 17% of all contacts by sms or e-mail (DOMAIN.md 5): exact over the
 * contacts up to the cut-off (after n of them, round(0.17 n) were), a draw
 * after it. */
static void
contact(struct gen *g, const struct citizen *z, int32_t day)
{
        static const char *const talk[] = {"personal", "phone", "group"};
        static const int talk_w[] = {75, 20, 5};
        static const char *const places[] = {"office", "home", "walk",
                                             "provider", "elsewhere"};
        static const int place_w[] = {60, 15, 8, 12, 5};
        struct rng *r = &g->c->r;
        struct crow w = {.kind = "kontakt", .date = day};
        const char *channel;
        int digital;

        if (day <= g->cutoff) {
                g->contacts_before++;
                digital = (g->contacts_before * 17 + 50) / 100 !=
                          ((g->contacts_before - 1) * 17 + 50) / 100;
        } else {
                digital = chance(r, 17);
        }
        if (digital) {
                put(&w, "kontaktform",
                    g->k->sms && chance(r, 60) ? "sms" : "email");
        } else {
                channel = talk[wpick(r, talk_w, 3)];
                put(&w, "kontaktform", channel);
                if (strcmp(channel, "personal") == 0)
                        put(&w, "sted", places[wpick(r, place_w, 5)]);
        }
        emit(g, z, &w);
}

static void
contacts(struct gen *g, const struct citizen *z)
{
        struct rng *r = &g->c->r;
        int32_t end = z->exit != MW_DATE_NONE ? z->exit : g->last;
        int32_t month1 = plus_month(z->visit), day;
        int iv = g->k->contact_interval, i, j;

        /* two in the first month, then one per interval on average */
        for (i = 0; i < 2; i++) {
                day = z->visit + below(r, 28);
                if (day <= end)
                        contact(g, z, day);
        }
        for (j = 0;; j++) {
                day = month1 + j * iv + below(r, iv);
                if (day > end)
                        break;
                contact(g, z, day);
        }
}

static void
intervention(struct gen *g, const struct citizen *z, int n, const char *cat,
             const char *status, int32_t day, int32_t start, int32_t end)
{
        char ref[32];
        struct crow w = {.kind = "indsats", .date = day};

        snprintf(ref, sizeof(ref), "C%d-%d", z->idx + 1, n);
        put(&w, "indsats_id", ref);
        put(&w, "indsatstype", cat);
        put(&w, "status", status);
        put_date(&w, "startdato", start);
        put_date(&w, "slutdato", end);
        if (strcmp(cat, "mentor") == 0)
                put(&w, "mentortype", mentor_type(z->idx, n));
        emit(g, z, &w);
}

/* A started intervention at start (<= limit), ended for some. */
static void
started(struct gen *g, const struct citizen *z, int *n, const char *cat,
        int32_t start)
{
        struct rng *r = &g->c->r;
        int32_t end;

        (*n)++;
        intervention(g, z, *n, cat, "started", start, start, MW_DATE_NONE);
        if (chance(r, 30)) {
                end = start + 30 + below(r, 120);
                if (z->exit != MW_DATE_NONE && end > z->exit)
                        end = z->exit;
                if (end <= g->last && end >= start)
                        intervention(g, z, *n, cat, "ended", end, start, end);
        }
}

static void
interventions(struct gen *g, const struct citizen *z)
{
        static const char *const others[] = {"health", "social", "education",
                                             "other"};
        static const int others_w[] = {35, 25, 10, 30};
        static const char *const any[] = {"company", "mentor",    "health",
                                          "social",  "education", "other"};
        struct rng *r = &g->c->r;
        int32_t limit = z->exit != MW_DATE_NONE ? z->exit : g->last;
        int32_t at_cut = z->active ? g->cutoff : limit, day, d2;
        const char *cat;
        int n = 0;

        if (at_cut > limit)
                at_cut = limit;
        if (!z->active && z->visit <= g->cutoff) {
                /* exited by the cut-off: interventions that do not count */
                if (chance(r, 60))
                        started(g, z, &n, any[below(r, 6)],
                                between(r, z->visit, limit));
                if (chance(r, 40))
                        started(g, z, &n, "mentor",
                                between(r, z->visit, limit));
                return;
        }
        if (z->mentor)
                started(
                    g, z, &n, "mentor",
                    between(r, z->visit,
                            z->visit + 90 < at_cut ? z->visit + 90 : at_cut));
        /* company-oriented: 15% of the target group in March 2015, 20% in
         * July (DOMAIN.md 1.1), so most of the early ones start early */
        if (z->company)
                started(g, z, &n, "company",
                        between(r, z->visit,
                                z->visit < g->march && chance(r, 60)
                                    ? g->march - 1
                                    : at_cut));
        if (z->interv && ((!z->mentor && !z->company) || chance(r, 30)))
                started(g, z, &n, others[wpick(r, others_w, 4)],
                        between(r, z->visit, at_cut));
        if (!z->interv && z->visit <= g->cutoff && chance(r, 40)) {
                /* offered by the cut-off, started after it (or never) */
                cat = any[below(r, 6)];
                day = between(r, z->visit, g->cutoff);
                n++;
                intervention(g, z, n, cat, "offered", day, MW_DATE_NONE,
                             MW_DATE_NONE);
                if (chance(r, 50) && limit > g->cutoff) {
                        d2 = between(r, g->cutoff + 1, limit);
                        intervention(g, z, n, cat, "started", d2, d2,
                                     MW_DATE_NONE);
                }
        }
        if (!z->mentor && z->visit <= g->cutoff && chance(r, 25)) {
                /* many decline a mentor */
                day = between(r, z->visit, g->cutoff);
                n++;
                intervention(g, z, n, "mentor", "offered", day, MW_DATE_NONE,
                             MW_DATE_NONE);
                intervention(g, z, n, "mentor", "declined",
                             between(r, day, g->cutoff), MW_DATE_NONE,
                             MW_DATE_NONE);
        }
        if (!z->company && limit > g->cutoff && chance(r, 10)) {
                /* a company-oriented intervention starting after the
                 * cut-off (or, for a citizen visited after it, any time) */
                day = between(
                    r, z->visit > g->cutoff ? z->visit : g->cutoff + 1, limit);
                if (day > g->cutoff)
                        started(g, z, &n, "company", day);
        }
}

static void
write_citizen(struct gen *g, const struct citizen *z)
{
        static const char *const any_benefit[] = {
            "kontanthjaelp", "ressourceforloeb", "uddannelseshjaelp", "other"};
        struct rng *r = &g->c->r;
        struct crow w = {.kind = "visitation", .date = z->visit};
        const char *later;
        int32_t day;

        put(&w, "ydelse", benefit_codes[z->benefit_visit]);
        put(&w, "problemomraader", area_values[z->area]);
        emit(g, z, &w);
        contacts(g, z);
        interventions(g, z);
        if (z->change != MW_DATE_NONE) {
                struct crow pc = {.kind = "profilaendring", .date = z->change};

                put(&pc, "ydelse", benefit_codes[z->benefit]);
                emit(g, z, &pc);
        }
        if (z->active && g->last > g->cutoff &&
            (z->exit == MW_DATE_NONE || z->exit > g->cutoff + 1) &&
            chance(r, 5)) {
                /* a change after the cut-off must not count */
                later = any_benefit[below(r, 4)];
                if (strcmp(later, benefit_codes[z->benefit]) != 0) {
                        struct crow pc = {.kind = "profilaendring"};

                        put(&pc, "ydelse", later);
                        day = z->exit != MW_DATE_NONE ? z->exit : g->last;
                        pc.date = between(r, g->cutoff + 1, day);
                        emit(g, z, &pc);
                }
        }
        if (z->exit != MW_DATE_NONE) {
                struct crow x = {.kind = "afgang", .date = z->exit};

                put(&x, "afgangsaarsag", z->reason);
                emit(g, z, &x);
        }
}

/* A citizen outside the calibrated counts (exited by the cut-off, or
 * visited after it): attributes drawn from the national shares. */
static void
free_citizen(struct gen *g, struct citizen *z)
{
        static const int adult_band_w[N_BAND] = {3, 5, 30, 35, 27};
        static const int youth_band_w[N_BAND] = {42, 58, 0, 0, 0};
        static const int adult_benefit_w[N_BENEFIT] = {45, 48, 2, 4, 1};
        static const int youth_benefit_w[N_BENEFIT] = {20, 3, 75, 1, 1};
        struct rng *r = &g->c->r;

        z->female = chance(r, 56);
        z->band = wpick(r, g->youth ? youth_band_w : adult_band_w, N_BAND);
        z->age = -1;
        z->area = wpick(r, area_w, N_AREA);
        z->benefit =
            wpick(r, g->youth ? youth_benefit_w : adult_benefit_w, N_BENEFIT);
        if (z->band >= 2 && z->benefit == B_UDD)
                z->benefit = B_KON;
        z->benefit_visit = z->benefit;
        z->change = MW_DATE_NONE;
}

static int
by_visit(const void *a, const void *b)
{
        const struct citizen *x = a, *y = b;

        if (x->visit != y->visit)
                return x->visit < y->visit ? -1 : 1;
        return strcmp(x->cpr, y->cpr);
}

/* Benefits among the citizens active at the cut-off: uddannelseshjaelp
 * (under 30) to the under-30s first, then ressourceforloeb; the 30+ get
 * the rest. order and tmp: room for k->active ints. */
static void
deal_benefits(struct gen *g, struct citizen *z, int *order, int *tmp)
{
        const struct calib *k = g->k;
        struct rng *r = &g->c->r;
        int a = k->active, i, j, o;

        for (i = 0; i < a; i++)
                order[i] = i;
        shuffle(r, order, a);
        for (i = 0, o = 0; i < a; i++)
                if (z[order[i]].band <= 1)
                        tmp[o++] = order[i];
        for (i = 0; i < a; i++)
                if (z[order[i]].band > 1)
                        tmp[o++] = order[i];
        for (i = 0, o = 0; i < N_BENEFIT; i++) {
                static const int seq[N_BENEFIT] = {B_UDD, B_RES, B_KON, B_OTHER,
                                                   B_NONE};

                for (j = 0; j < k->benefit[seq[i]] && o < a; j++)
                        z[tmp[o++]].benefit = seq[i];
        }
}

/* Exits: some of the active after the cut-off (they still count), the
 * calibrated ones by the cut-off per reason (citizens z[k->active] on),
 * and the n_late citizens visited after the cut-off after those. */
static void
place_exits(struct gen *g, struct citizen *z, int n_exit_late, int n_late,
            int *order)
{
        static const int late_reason_w[] = {41, 32, 24, 22, 21, 18, 11,
                                            5,  3,  2,  1,  1,  0};
        const struct calib *k = g->k;
        struct rng *r = &g->c->r;
        int32_t last = g->last;
        int a = k->active, i, j, o;

        /* exits after the cut-off: active at it, so they still count */
        for (i = 0; i < a; i++)
                order[i] = i;
        shuffle(r, order, a);
        for (i = 0, j = 0; i < a && j < n_exit_late; i++) {
                struct citizen *y = &z[order[i]];
                int32_t from = y->visit + 31 > g->cutoff + 1 ? y->visit + 31
                                                             : g->cutoff + 1;

                if (from > last)
                        continue;
                y->exit = between(r, from, last);
                y->reason =
                    k->reasons[wpick(r, late_reason_w,
                                     k->n_reasons < 13 ? k->n_reasons : 13)]
                        .code;
                j++;
        }
        /* the citizens who left by the cut-off, per reason */
        o = a;
        for (i = 0; i < k->n_reasons; i++) {
                for (j = 0; j < k->reason[i]; j++, o++) {
                        struct citizen *y = &z[o];

                        free_citizen(g, y);
                        y->visit = between(r, k->first_visit, g->cutoff - 31);
                        y->exit = between(r, y->visit + 31, g->cutoff);
                        y->reason = k->reasons[i].code;
                        if (strcmp(y->reason, "retirement") == 0) {
                                y->band = 4;
                                y->age = 62 + below(r, 3);
                                y->benefit = y->benefit_visit = B_KON;
                        } else if (strcmp(y->reason, "parental_leave") == 0) {
                                y->female = 1;
                                if (y->band > 2)
                                        y->band = 2;
                        }
                }
        }
        /* visited after the cut-off */
        for (i = 0; i < n_late; i++, o++) {
                free_citizen(g, &z[o]);
                z[o].visit = between(r, g->cutoff + 1, last);
                z[o].exit = MW_DATE_NONE;
        }
}

static int
generate(struct ctx *c, const struct calib *k, int32_t last)
{
        struct gen g;
        struct rng *r = &c->r;
        struct citizen *z = NULL;
        int *band = NULL, *ben = NULL, *order = NULL, *tmp = NULL;
        int a = k->active, n_late, n_exit_late, n, i, o, rcode = -1;
        int counts[2];

        memset(&g, 0, sizeof(g));
        g.c = c;
        g.k = k;
        g.cutoff = mw_date_from_ymd(2015, 7, 1);
        g.march = mw_date_from_ymd(2015, 3, 1);
        g.last = last;
        g.youth = strcmp(c->p->target_group, "youth") == 0;
        n_late = last > g.cutoff ? k->visited / 15 + 1 : 0;
        n_exit_late = last > g.cutoff ? a / 30 + 1 : 0;
        n = k->visited + n_late;
        z = calloc((size_t)n, sizeof(*z));
        g.used = calloc((size_t)n, sizeof(*g.used));
        band = calloc((size_t)a + 1, sizeof(int));
        ben = calloc((size_t)a + 1, sizeof(int));
        order = calloc((size_t)a + 1, sizeof(int));
        tmp = calloc((size_t)a + 1, sizeof(int));
        if (!z || !g.used || !band || !ben || !order || !tmp) {
                fprintf(stderr, PROG ": out of memory\n");
                goto out;
        }

        /* The citizens active at the cut-off carry the calibrated counts:
         * each attribute is dealt out exactly, in random order. */
        deal(r, band, k->band, N_BAND, a);
        for (i = 0; i < a; i++) {
                z[i].active = 1;
                z[i].band = band[i];
                z[i].age = -1;
                z[i].exit = MW_DATE_NONE;
                z[i].change = MW_DATE_NONE;
        }
        deal_benefits(&g, z, order, tmp);
        counts[0] = k->female;
        counts[1] = k->male;
        deal(r, ben, counts, 2, a);
        for (i = 0; i < a; i++)
                z[i].female = ben[i] == 0;
        deal(r, ben, k->area, N_AREA, a);
        for (i = 0; i < a; i++)
                z[i].area = ben[i];
        counts[0] = k->over4;
        counts[1] = a - k->over4;
        deal(r, ben, counts, 2, a);
        for (i = 0; i < a; i++)
                z[i].over4 = ben[i] == 0;
        /* at least one intervention; mentor and company among those */
        counts[0] = k->interv;
        counts[1] = a - k->interv;
        deal(r, ben, counts, 2, a);
        for (i = 0, o = 0; i < a; i++) {
                z[i].interv = ben[i] == 0;
                if (z[i].interv)
                        tmp[o++] = i;
        }
        shuffle(r, tmp, o);
        for (i = 0; i < o; i++)
                z[tmp[i]].mentor = i < k->mentor;
        shuffle(r, tmp, o);
        for (i = 0; i < o; i++)
                z[tmp[i]].company = i < k->company;
        for (i = 0; i < a; i++) {
                struct citizen *y = &z[i];

                if (y->over4)
                        y->visit = between(r, k->first_visit, g.march - 1);
                else
                        y->visit = between(r, g.march, g.cutoff);
                y->benefit_visit = y->benefit;
                /* some moved to a ressourceforloeb after the visitation
                 * (Fig. 3: +13 points from January to July 2015) */
                if (y->benefit == B_RES && y->visit + 30 < g.cutoff &&
                    chance(r, 25)) {
                        y->benefit_visit = y->band <= 1 ? B_UDD : B_KON;
                        y->change = between(r, y->visit + 30, g.cutoff);
                }
        }
        place_exits(&g, z, n_exit_late, n_late, order);
        for (i = 0; i < n; i++) {
                z[i].muni = c->p->muni[below(r, c->p->n_muni)];
                if (issue_cpr(&g, &z[i]) != 0) {
                        fprintf(stderr, PROG ": no unique CPR number left\n");
                        goto out;
                }
        }
        print_header();
        /* in visitation order, as a case system would list them */
        qsort(z, (size_t)n, sizeof(*z), by_visit);
        for (i = 0; i < n; i++) {
                z[i].idx = i;
                write_citizen(&g, &z[i]);
        }
        rcode = 0;
out:
        free(z);
        free(g.used);
        free(band);
        free(ben);
        free(order);
        free(tmp);
        return rcode;
}

/* ---- reference/calibration.csv ---------------------------------------- */

static int
split(char *line, char **f, int max)
{
        char *p = line;
        int n = 0;

        line[strcspn(line, "\r\n")] = '\0';
        f[n++] = p;
        while (n < max && (p = strchr(p, ',')) != NULL) {
                *p++ = '\0';
                f[n++] = p;
        }
        return n;
}

struct table {
        char *head[MAX_FIELDS], *row[MAX_FIELDS];
        int n;
        const char *path;
};

static int
col_int(const struct table *t, const char *name, int *out)
{
        char *end;
        long v;
        int i;

        for (i = 0; i < t->n; i++) {
                if (strcmp(t->head[i], name) != 0)
                        continue;
                v = strtol(t->row[i], &end, 10);
                if (end == t->row[i] || *end || v < 0 || v > 1000000) {
                        fprintf(stderr, PROG ": %s: %s: not a count: '%.20s'\n",
                                t->path, name, t->row[i]);
                        return -1;
                }
                *out = (int)v;
                return 0;
        }
        fprintf(stderr, PROG ": %s: no column %s\n", t->path, name);
        return -1;
}

static int
col_date(const struct table *t, const char *name, int32_t *out)
{
        char errstr[128];
        int i;

        for (i = 0; i < t->n; i++) {
                if (strcmp(t->head[i], name) != 0)
                        continue;
                if (mw_date_parse(t->row[i], out, errstr, sizeof(errstr)) ||
                    *out < MW_PROGRAMME_START) {
                        fprintf(stderr, PROG ": %s: %s: %s\n", t->path, name,
                                errstr);
                        return -1;
                }
                return 0;
        }
        fprintf(stderr, PROG ": %s: no column %s\n", t->path, name);
        return -1;
}

static int
sum(const int *a, int n)
{
        int i, s = 0;

        for (i = 0; i < n; i++)
                s += a[i];
        return s;
}

/* Reads the project's row and checks that its counts fit together. */
static int
load_calib(const char *path, const struct mw_project *p, struct calib *k)
{
        static char head[MAX_LINE], line[MAX_LINE];
        struct table t;
        char name[64];
        FILE *fp;
        int found = 0, id, i, n, rc = 0;
        size_t nr;

        memset(k, 0, sizeof(*k));
        memset(&t, 0, sizeof(t));
        t.path = path;
        fp = fopen(path, "r");
        if (!fp) {
                fprintf(stderr, PROG ": %s: cannot open\n", path);
                return -1;
        }
        if (!fgets(head, sizeof(head), fp)) {
                fprintf(stderr, PROG ": %s: empty\n", path);
                fclose(fp);
                return -1;
        }
        t.n = split(head, t.head, MAX_FIELDS);
        while (!found && fgets(line, sizeof(line), fp)) {
                n = split(line, t.row, MAX_FIELDS);
                if (n != t.n) {
                        fprintf(stderr,
                                PROG ": %s: a row has %d fields, the "
                                     "header %d\n",
                                path, n, t.n);
                        fclose(fp);
                        return -1;
                }
                if (col_int(&t, "project_id", &id)) {
                        fclose(fp);
                        return -1;
                }
                found = id == p->id;
        }
        fclose(fp);
        if (!found) {
                fprintf(stderr, PROG ": %s: no row for project %d\n", path,
                        p->id);
                return -1;
        }
        k->reasons = mw_codes_list(MW_CL_EXIT_REASON, &nr);
        k->n_reasons = (int)nr;
        if (nr > MAX_REASON)
                return -1;
        for (i = 0; i < k->n_reasons; i++) {
                snprintf(name, sizeof(name), "exit_%s", k->reasons[i].code);
                rc |= col_int(&t, name, &k->reason[i]);
        }
        for (i = 0; i < N_BENEFIT; i++)
                rc |= col_int(&t, benefit_cols[i], &k->benefit[i]);
        for (i = 0; i < N_BAND; i++)
                rc |= col_int(&t, band_cols[i], &k->band[i]);
        for (i = 0; i < N_AREA; i++)
                rc |= col_int(&t, area_cols[i], &k->area[i]);
        rc |= col_int(&t, "visited", &k->visited);
        rc |= col_int(&t, "active", &k->active);
        rc |= col_int(&t, "exits_total", &k->exits);
        rc |= col_int(&t, "active_over_4_months", &k->over4);
        rc |= col_int(&t, "n_at_least_one_intervention", &k->interv);
        rc |= col_int(&t, "n_mentor", &k->mentor);
        rc |= col_int(&t, "n_company_oriented", &k->company);
        rc |= col_int(&t, "n_female", &k->female);
        rc |= col_int(&t, "n_male", &k->male);
        rc |= col_int(&t, "contact_interval_days", &k->contact_interval);
        rc |= col_int(&t, "sms", &k->sms);
        rc |= col_date(&t, "first_visitation", &k->first_visit);
        if (rc)
                return -1;
        if (k->visited != k->active + k->exits ||
            sum(k->reason, k->n_reasons) != k->exits ||
            sum(k->benefit, N_BENEFIT) != k->active ||
            sum(k->band, N_BAND) != k->active ||
            sum(k->area, N_AREA) != k->active ||
            k->female + k->male != k->active || k->over4 > k->active ||
            k->interv > k->active || k->mentor > k->interv ||
            k->company > k->interv || k->contact_interval < 1 ||
            (k->over4 > 0 && k->first_visit >= mw_date_from_ymd(2015, 3, 1)) ||
            (k->exits > 0 &&
             k->first_visit > mw_date_from_ymd(2015, 7, 1) - 62) ||
            (strcmp(p->target_group, "youth") == 0 &&
             k->band[2] + k->band[3] + k->band[4] > 0) ||
            k->band[0] + k->band[1] < k->benefit[B_UDD]) {
                fprintf(stderr,
                        PROG ": %s: the counts of project %d do not "
                             "fit together\n",
                        path, p->id);
                return -1;
        }
        return 0;
}

static const struct mw_cli_opt opts[] = {
    {'p', "project", "PROJECT", "project id (1-30) or slug"},
    {'n', "citizens", "CITIZENS", "citizens visited (default 50)"},
    {'s', "seed", "SEED", "seed (default 1)"},
    {'u', "until", "DATE",
     "last day of the export (default 2015-07-01; with\n--calibration "
     "2015-09-30, not before 2015-07-01)"},
    {'C', "calibration", "FILE",
     "hit the project's counts in FILE (reference/calibration.csv)\nexactly "
     "at the cut-off 2015-07-01"},
    {0, NULL, NULL, NULL}};

static const struct mw_cli cli = {
    PROG,
    "-p PROJECT [-n CITIZENS] [-s SEED] [-u YYYY-MM-DD]\n-p PROJECT "
    "--calibration FILE [-s SEED] [-u YYYY-MM-DD]",
    "Write a synthetic, deterministic CSV export of one project to standard "
    "output.",
    opts,
    0,
    0,
    NULL,
    NULL};

struct args {
        struct ctx *c;
        const char *calibration;
        long citizens, seed;
        int have_n, have_u;
};

static mw_err_t
on_opt(void *arg, int key, const char *value, char *errstr, size_t errstr_size)
{
        struct args *a = arg;
        char *end;

        switch (key) {
        case 'p':
                return mw_project_arg(value, &a->c->p, errstr, errstr_size);
        case 'n':
                a->citizens = strtol(value, &end, 10);
                a->have_n = 1;
                if (*end || a->citizens < 1 || a->citizens > 10000000)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "-n: 1 to 10000000 citizens");
                return MW_OK;
        case 's':
                a->seed = strtol(value, &end, 10);
                if (*end)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "-s: a number");
                return MW_OK;
        case 'u':
                a->have_u = 1;
                if (mw_date_parse(value, &a->c->until, errstr, errstr_size))
                        return MW_ERR_INVALID;
                if (a->c->until < MW_PROGRAMME_START)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "-u: not before 2014-10-01");
                return MW_OK;
        default: /* 'C' */
                a->calibration = value;
                return MW_OK;
        }
}

int
main(int argc, char **argv)
{
        struct ctx c;
        struct calib k;
        struct args a = {&c, NULL, 50, 1, 0, 0};
        char errstr[256];
        enum mw_cli_rc cli_rc;
        int i, first;

        memset(&c, 0, sizeof(c));
        c.until = mw_date_from_ymd(2015, 7, 1);
        if (cols_init() != 0) {
                fprintf(stderr, PROG ": more than %d export columns\n",
                        MAX_COLS);
                return MW_EXIT_FAILURE;
        }
        if (!mw_projects(&(size_t){0}, errstr, sizeof(errstr))) {
                fprintf(stderr, PROG ": %s\n", errstr);
                return MW_EXIT_FAILURE;
        }
        cli_rc = mw_cli_start(&cli, argc, argv, NULL, on_opt, &a, 0, 0, &first,
                              errstr, sizeof(errstr));
        if (cli_rc == MW_CLI_RUN && !c.p) {
                snprintf(errstr, sizeof(errstr), "-p PROJECT is required");
                cli_rc = MW_CLI_BAD;
        }
        if (cli_rc == MW_CLI_RUN && a.calibration &&
            (a.have_n ||
             (a.have_u && c.until < mw_date_from_ymd(2015, 7, 1)))) {
                snprintf(errstr, sizeof(errstr),
                         "--calibration takes no -n, and no -u before "
                         "2015-07-01");
                cli_rc = MW_CLI_BAD;
        }
        if (cli_rc != MW_CLI_RUN)
                return mw_cli_exit(&cli, cli_rc, errstr, stdout, stderr);
        c.r.s = (uint64_t)a.seed * 1000003ULL + (uint64_t)c.p->id;
        if (a.calibration) {
                if (!a.have_u)
                        c.until = mw_date_from_ymd(2015, 9, 30);
                if (load_calib(a.calibration, c.p, &k) ||
                    generate(&c, &k, c.until))
                        return MW_EXIT_FAILURE;
                return fflush(stdout) == 0 ? MW_EXIT_OK : MW_EXIT_FAILURE;
        }
        print_header();
        for (i = 0; i < a.citizens; i++)
                citizen(&c, i);
        return fflush(stdout) == 0 ? MW_EXIT_OK : MW_EXIT_FAILURE;
}
