/* midway: reading a municipality's CSV export into registrations
 * (docs/input-format.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midway/codes.h"
#include "midway/csv.h"
#include "midway/date.h"
#include "midway/export.h"
#include "midway/uuid.h"
#include "midway/validate.h"

/* The columns of the export, in the canonical order used for event ids. */
enum col {
        C_CPR,
        C_MUNI,
        C_KIND,
        C_DATE,
        C_REGISTERED,
        C_TARGET,
        C_BENEFIT,
        C_GENDER,
        C_AGE,
        C_AREAS,
        C_CHANNEL,
        C_PLACE,
        C_INTREF,
        C_CATEGORY,
        C_STATUS,
        C_START,
        C_END,
        C_REASON,
        C_ACTION,
        C_SUPERSEDES,
        C_SOURCE_ID,
        C_COUNT
};

static const char *const col_names[C_COUNT] = {
    "cpr",          "kommunekode",     "haendelse",   "dato",
    "registreret",  "maalgruppe",      "ydelse",      "koen",
    "aldersgruppe", "problemomraader", "kontaktform", "sted",
    "indsats_id",   "indsatstype",     "status",      "startdato",
    "slutdato",     "afgangsaarsag",   "handling",    "erstatter",
    "kilde_id"};

struct row_ctx {
        const char *file;
        long line;
        int map[C_COUNT]; /* column index in the file, -1 if absent */
};

struct mw_export {
        struct mw_export_opts opts;
        FILE *fp;   /* borrowed */
        char *name; /* owned */
        struct row_ctx rc;
        int have_header;
        char *line; /* owned: getline buffer */
        size_t cap;
        char *masked; /* owned: the last row, CPR masked */
};


/* Lower-cases a header name and spells æ ø å as ae oe aa. */
static void
normalise_header(const char *in, char *out, size_t size)
{
        static const struct {
                const char *from, *to;
        } map[] = {{"æ", "ae"}, {"Æ", "ae"}, {"ø", "oe"},
                   {"Ø", "oe"}, {"å", "aa"}, {"Å", "aa"}};
        size_t o = 0, k;
        char ch;

        while (*in == ' ')
                in++;
        while (*in && o + 3 < size) {
                int done = 0;

                for (k = 0; k < sizeof(map) / sizeof(map[0]) && !done; k++) {
                        if (strncmp(in, map[k].from, 2) == 0) {
                                out[o++] = map[k].to[0];
                                out[o++] = map[k].to[1];
                                in += 2;
                                done = 1;
                        }
                }
                if (done)
                        continue;
                ch = *in;
                if (ch >= 'A' && ch <= 'Z')
                        ch = (char)(ch - 'A' + 'a');
                out[o++] = ch;
                in++;
        }
        while (o > 0 && out[o - 1] == ' ')
                o--;
        out[o] = '\0';
}

static int
map_header(struct row_ctx *rc, char **f, size_t n, char *errstr,
           size_t errstr_size)
{
        char name[64];
        size_t i;
        int c;

        for (c = 0; c < C_COUNT; c++)
                rc->map[c] = -1;
        for (i = 0; i < n; i++) {
                normalise_header(f[i], name, sizeof(name));
                for (c = 0; c < C_COUNT; c++)
                        if (strcmp(name, col_names[c]) == 0)
                                break;
                if (c == C_COUNT) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "unknown column '%.40s' in the header", name);
                        return -1;
                }
                if (rc->map[c] >= 0) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "column '%s' appears twice", col_names[c]);
                        return -1;
                }
                rc->map[c] = (int)i;
        }
        for (c = 0; c <= C_DATE; c++) {
                if (rc->map[c] < 0) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "required column '%s' is missing",
                                col_names[c]);
                        return -1;
                }
        }
        return 0;
}

static const char *
field(const struct row_ctx *rc, char **f, size_t n, enum col c)
{
        const char *s;

        if (rc->map[c] < 0 || (size_t)rc->map[c] >= n)
                return "";
        s = f[rc->map[c]];
        while (*s == ' ')
                s++;
        return s;
}

static int
set_str(char *dst, size_t size, const char *src)
{
        size_t len = strlen(src);

        if (len >= size)
                return -1;
        memcpy(dst, src, len + 1);
        return 0;
}

/* Looks up a code by code or Danish/English label. */
static int
code(enum mw_codelist list, const char *text, char *dst, const char *what,
     char *errstr, size_t errstr_size)
{
        const struct mw_code *c;

        if (text[0] == '\0') {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID, "%s is missing",
                        what);
                return -1;
        }
        c = mw_codes_match(list, text);
        if (!c) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "unknown %s '%.40s'", what, text);
                return -1;
        }
        snprintf(dst, MW_CODE_MAX + 1, "%s", c->code);
        return 0;
}

static int
areas(const char *text, int *n, char out[][MW_CODE_MAX + 1], char *errstr,
      size_t errstr_size)
{
        static const struct {
                const char *word, *code;
        } shorts[] = {{"psykisk", "psychological"},
                      {"fysisk", "physical"},
                      {"socialt", "social"}};
        char copy[256], *tok, *save = NULL;
        const char *codetext;
        size_t k;

        *n = 0;
        if (set_str(copy, sizeof(copy), text))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "problem areas too long"),
                       -1;
        for (tok = strtok_r(copy, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
                while (*tok == ' ')
                        tok++;
                if (*tok == '\0')
                        continue;
                codetext = tok;
                for (k = 0; k < sizeof(shorts) / sizeof(shorts[0]); k++)
                        if (strcmp(tok, shorts[k].word) == 0)
                                codetext = shorts[k].code;
                if (*n >= MW_MAX_AREAS) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "more than %d problem areas", MW_MAX_AREAS);
                        return -1;
                }
                if (code(MW_CL_PROBLEM_AREA, codetext, out[*n], "problem area",
                         errstr, errstr_size))
                        return -1;
                (*n)++;
        }
        return 0;
}

static int
kind_of(const char *s, enum mw_kind *kind)
{
        static const struct {
                const char *name;
                enum mw_kind kind;
        } kinds[] = {{"visitation", MW_KIND_VISITATION},
                     {"kontakt", MW_KIND_CONTACT},
                     {"contact", MW_KIND_CONTACT},
                     {"indsats", MW_KIND_INTERVENTION},
                     {"intervention", MW_KIND_INTERVENTION},
                     {"afgang", MW_KIND_EXIT},
                     {"exit", MW_KIND_EXIT},
                     {"profilaendring", MW_KIND_PROFILE},
                     {"profilændring", MW_KIND_PROFILE},
                     {"profile_change", MW_KIND_PROFILE}};
        size_t i;

        for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
                if (strcmp(s, kinds[i].name) == 0) {
                        *kind = kinds[i].kind;
                        return 1;
                }
        }
        return 0;
}

static int
action_of(const char *s, enum mw_action *action)
{
        if (s[0] == '\0' || strcmp(s, "ny") == 0) {
                *action = MW_ACTION_NEW;
                return 1;
        }
        if (strcmp(s, "rettelse") == 0) {
                *action = MW_ACTION_CORRECTION;
                return 1;
        }
        if (strcmp(s, "annullering") == 0) {
                *action = MW_ACTION_RETRACTION;
                return 1;
        }
        return mw_action_parse(s, action);
}

static int
opt_date(const char *s, int32_t *out, const char *what, char *errstr,
         size_t errstr_size)
{
        char why[128];

        *out = MW_DATE_NONE;
        if (s[0] == '\0')
                return 0;
        if (mw_date_parse(s, out, why, sizeof(why)) != MW_OK) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID, "%s: %s", what,
                        why);
                return -1;
        }
        return 0;
}

/* "HH:MM" or "HH:MM:SS". */
static int
parse_clock(const char *s, int *h, int *m, int *sec)
{
        int v[3] = {0, 0, 0}, i, n = 0;

        for (i = 0; i < 3; i++) {
                if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
                        return -1;
                v[i] = (s[0] - '0') * 10 + (s[1] - '0');
                n++;
                s += 2;
                if (*s != ':')
                        break;
                s++;
        }
        if (*s != '\0' || n < 2 || v[0] > 23 || v[1] > 59 || v[2] > 59)
                return -1;
        *h = v[0];
        *m = v[1];
        *sec = v[2];
        return 0;
}

/* "dd-mm-yyyy" or "dd-mm-yyyy HH:MM[:SS]" (local time taken as UTC). */
static int
registered(const char *s, int64_t now, int64_t *ms, char *errstr,
           size_t errstr_size)
{
        char day[16], why[128];
        int32_t days;
        int h = 0, m = 0, sec = 0;
        const char *sp;

        if (s[0] == '\0') {
                *ms = now;
                return 0;
        }
        sp = strchr(s, ' ');
        if (set_str(day, sizeof(day), s) || (sp && (size_t)(sp - s) >= 16))
                goto bad;
        if (sp) {
                day[sp - s] = '\0';
                if (parse_clock(sp + 1, &h, &m, &sec) != 0)
                        goto bad;
        }
        if (mw_date_parse(day, &days, why, sizeof(why)) != MW_OK)
                goto bad;
        *ms = ((int64_t)days * 86400 + (int64_t)h * 3600 + (int64_t)m * 60 +
               sec) *
              1000;
        return 0;
bad:
        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                "registration time is not dd-mm-yyyy [HH:MM[:SS]]");
        return -1;
}

static const char *
age_band(int years)
{
        if (years < 25)
                return "18-24";
        if (years < 30)
                return "25-29";
        if (years < 40)
                return "30-39";
        if (years < 50)
                return "40-49";
        return "50+";
}

static int
age_at(const char cpr[MW_CPR_LEN], int32_t date)
{
        int by, bm, bd, y, m, d, birth;

        mw_cpr_birth_date(cpr, &birth);
        mw_date_to_ymd(birth, &by, &bm, &bd);
        mw_date_to_ymd(date, &y, &m, &d);
        return y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0);
}

/* Builds the event of one row. The CPR is copied only into a local
 * buffer and wiped before returning. */
static int
build_event(const struct mw_export *p, const struct row_ctx *rc, char **f,
            size_t n, struct mw_event *ev, char *errstr, size_t errstr_size)
{
        char cpr[MW_CPR_LEN + 1], why[160], idname[4096];
        const char *s;
        char *endp;
        enum mw_kind kind;
        long muni;
        int c, rcode = -1, age;
        size_t o;

        memset(cpr, 0, sizeof(cpr));
        s = field(rc, f, n, C_KIND);
        if (!kind_of(s, &kind)) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "unknown haendelse '%.30s' (visitation, kontakt, "
                        "indsats, afgang, profilaendring)",
                        s);
                goto out;
        }
        mw_event_init(ev, kind);
        if (mw_cpr_normalise(field(rc, f, n, C_CPR), cpr, why, sizeof(why))) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID, "%s", why);
                goto out;
        }
        s = field(rc, f, n, C_MUNI);
        errno = 0;
        muni = strtol(s, &endp, 10);
        if (errno || endp == s || *endp != '\0' ||
            !mw_project_has_muni(p->opts.project, (int)muni)) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "kommunekode '%.10s' is not a municipality of "
                        "project %d (%s)",
                        s, p->opts.project->id, p->opts.project->slug);
                goto out;
        }
        ev->project_id = p->opts.project->id;
        ev->municipality_code = (int32_t)muni;
        if (mw_date_parse(field(rc, f, n, C_DATE), &ev->event_date, why,
                          sizeof(why))) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID, "dato: %s", why);
                goto out;
        }
        if (registered(field(rc, f, n, C_REGISTERED), p->opts.now_ms,
                       &ev->registered_at, errstr, errstr_size))
                goto out;
        if (!action_of(field(rc, f, n, C_ACTION), &ev->action)) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "unknown handling (ny, rettelse, annullering)");
                goto out;
        }
        if (set_str(ev->supersedes, sizeof(ev->supersedes),
                    field(rc, f, n, C_SUPERSEDES))) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "erstatter is not an event id");
                goto out;
        }
        switch (kind) {
        case MW_KIND_VISITATION: {
                struct mw_visitation *v = &ev->u.visitation;

                s = field(rc, f, n, C_TARGET);
                if (code(MW_CL_TARGET_GROUP,
                         s[0] ? s : p->opts.project->target_group,
                         v->target_group, "maalgruppe", errstr, errstr_size) ||
                    code(MW_CL_BENEFIT, field(rc, f, n, C_BENEFIT),
                         v->benefit_type, "ydelse", errstr, errstr_size))
                        goto out;
                s = field(rc, f, n, C_GENDER);
                if (code(MW_CL_GENDER,
                         s[0] ? s
                              : (mw_cpr_gender(cpr) == 'f' ? "female" : "male"),
                         v->gender, "koen", errstr, errstr_size))
                        goto out;
                age = age_at(cpr, ev->event_date);
                if (age < 18) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "citizen is %d years old at visitation; the "
                                "programme is for adults (18+)",
                                age);
                        goto out;
                }
                s = field(rc, f, n, C_AGE);
                if (code(MW_CL_AGE_BAND, s[0] ? s : age_band(age), v->age_band,
                         "aldersgruppe", errstr, errstr_size) ||
                    areas(field(rc, f, n, C_AREAS), &v->n_areas, v->areas,
                          errstr, errstr_size))
                        goto out;
                break;
        }
        case MW_KIND_CONTACT:
                if (code(MW_CL_CHANNEL, field(rc, f, n, C_CHANNEL),
                         ev->u.contact.channel, "kontaktform", errstr,
                         errstr_size))
                        goto out;
                s = field(rc, f, n, C_PLACE);
                if (s[0] && code(MW_CL_PLACE, s, ev->u.contact.place, "sted",
                                 errstr, errstr_size))
                        goto out;
                break;
        case MW_KIND_INTERVENTION: {
                struct mw_intervention *iv = &ev->u.intervention;

                if (set_str(iv->intervention_ref, sizeof(iv->intervention_ref),
                            field(rc, f, n, C_INTREF))) {
                        mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                "indsats_id is longer than %d characters",
                                MW_INTREF_MAX);
                        goto out;
                }
                if (code(MW_CL_INTERVENTION_CATEGORY,
                         field(rc, f, n, C_CATEGORY), iv->category,
                         "indsatstype", errstr, errstr_size) ||
                    code(MW_CL_INTERVENTION_STATUS, field(rc, f, n, C_STATUS),
                         iv->status, "status", errstr, errstr_size) ||
                    opt_date(field(rc, f, n, C_START), &iv->start_date,
                             "startdato", errstr, errstr_size) ||
                    opt_date(field(rc, f, n, C_END), &iv->end_date, "slutdato",
                             errstr, errstr_size))
                        goto out;
                break;
        }
        case MW_KIND_EXIT:
                if (code(MW_CL_EXIT_REASON, field(rc, f, n, C_REASON),
                         ev->u.exit.reason, "afgangsaarsag", errstr,
                         errstr_size))
                        goto out;
                break;
        case MW_KIND_PROFILE: {
                struct mw_profile *pc = &ev->u.profile;

                s = field(rc, f, n, C_BENEFIT);
                if (s[0] && code(MW_CL_BENEFIT, s, pc->benefit_type, "ydelse",
                                 errstr, errstr_size))
                        goto out;
                s = field(rc, f, n, C_AREAS);
                if (s[0]) {
                        pc->has_areas = 1;
                        if (strcmp(s, "ingen") != 0 &&
                            areas(s, &pc->n_areas, pc->areas, errstr,
                                  errstr_size))
                                goto out;
                }
                break;
        }
        }
        mw_pseudo_ref(p->opts.ps, cpr, ev->citizen_ref);
        snprintf(ev->key_id, sizeof(ev->key_id), "%s",
                 mw_pseudo_key_id(p->opts.ps));
        snprintf(ev->producer_id, sizeof(ev->producer_id), "%s",
                 p->opts.producer_id);
        /* The id names the pseudonymised row: project, citizen reference
         * and every other column in canonical order. */
        o = (size_t)snprintf(idname, sizeof(idname), "%d\x1f%s", ev->project_id,
                             ev->citizen_ref);
        for (c = C_MUNI; c < C_COUNT && o < sizeof(idname); c++)
                o += (size_t)snprintf(idname + o, sizeof(idname) - o, "\x1f%s",
                                      field(rc, f, n, (enum col)c));
        if (o >= sizeof(idname)) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID, "row too long");
                goto out;
        }
        mw_uuid_v5(MW_UUID_NS_EVENT, idname, o, ev->event_id);
        if (mw_event_validate(ev, errstr, errstr_size) != MW_OK)
                goto out;
        rcode = 0;
out:
        memset(cpr, 0, sizeof(cpr));
        return rcode;
}

struct mw_export *
mw_export_open(FILE *fp, const char *name, const struct mw_export_opts *opts,
               char *errstr, size_t errstr_size)
{
        struct mw_export *x;

        x = calloc(1, sizeof(*x));
        if (!x || !(x->name = strdup(name)) ||
            !(x->masked = malloc(MW_EXPORT_MAX_LINE))) {
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM, "out of memory");
                mw_export_close(x);
                return NULL;
        }
        x->opts = *opts;
        x->fp = fp;
        x->rc.file = x->name;
        x->masked[0] = '\0';
        return x;
}

void
mw_export_close(struct mw_export *x)
{
        if (!x)
                return;
        if (x->line)
                memset(x->line, 0, x->cap); /* may have held a CPR */
        free(x->line);
        free(x->masked);
        free(x->name);
        free(x);
}

long
mw_export_line(const struct mw_export *x)
{
        return x->rc.line;
}

const char *
mw_export_masked_row(const struct mw_export *x)
{
        return x->masked;
}

mw_err_t
mw_export_next(struct mw_export *x, struct mw_event *ev, char *errstr,
               size_t errstr_size)
{
        char *f[MW_CSV_MAX_FIELDS];
        size_t n, len;
        ssize_t got;

        while ((got = getline(&x->line, &x->cap, x->fp)) != -1) {
                x->rc.line++;
                len = (size_t)got;
                while (len > 0 &&
                       (x->line[len - 1] == '\n' || x->line[len - 1] == '\r'))
                        x->line[--len] = '\0';
                if (x->rc.line == 1)
                        mw_csv_strip_bom(x->line, &len);
                if (len == 0)
                        continue;
                if (len >= MW_EXPORT_MAX_LINE) {
                        x->masked[0] = '\0';
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "line longer than %d bytes",
                                       MW_EXPORT_MAX_LINE);
                }
                mw_cpr_mask(x->line, x->masked, MW_EXPORT_MAX_LINE);
                if (mw_csv_split(x->line, len, ';', f, MW_CSV_MAX_FIELDS, &n,
                                 errstr, errstr_size) != MW_OK) {
                        if (!x->have_header)
                                return MW_ERR_IO;
                        return MW_ERR_INVALID;
                }
                if (!x->have_header) {
                        if (map_header(&x->rc, f, n, errstr, errstr_size))
                                return MW_ERR_IO;
                        x->have_header = 1;
                        continue;
                }
                if (build_event(x, &x->rc, f, n, ev, errstr, errstr_size))
                        return MW_ERR_INVALID;
                return MW_OK;
        }
        if (ferror(x->fp))
                return mw_errf(errstr, errstr_size, MW_ERR_IO, "read error: %s",
                               strerror(errno));
        if (!x->have_header)
                return mw_errf(errstr, errstr_size, MW_ERR_IO,
                               "no header line");
        return MW_ERR_NOTFOUND;
}
