/* midway-producer: a municipality's registrations, from a case-system CSV
 * export to Kafka.
 *
 * Each row is validated, its CPR number is replaced by the pseudonymous
 * citizen reference (keyed HMAC-SHA256), it gets a deterministic event id
 * (UUIDv5 of the pseudonymised row, so re-sending a file sends the same
 * ids), is Avro-encoded with Confluent framing and produced with
 * enable.idempotence=true and acks=all, keyed by the citizen reference.
 * The program waits for every delivery report. Rejected rows are reported
 * as file:line: reason (and to --rejects FILE with the CPR masked); the
 * accepted rows are still sent. The CPR number never leaves this process.
 * The input format is documented in docs/input-format.md. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "midway/buf.h"
#include "midway/codec.h"
#include "midway/codes.h"
#include "midway/conf.h"
#include "midway/csv.h"
#include "midway/date.h"
#include "midway/log.h"
#include "midway/projects.h"
#include "midway/pseudo.h"
#include "midway/registry.h"
#include "midway/uuid.h"
#include "midway/validate.h"

#define PROG          "midway-producer"
#define EXIT_FAILURE_ 1
#define EXIT_USAGE    2
#define EXIT_REJECTED 3
#define MAX_LINE      65536

static volatile sig_atomic_t run = 1;

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

struct producer {
        struct mw_conf conf;
        const struct mw_project *project; /* borrowed */
        struct mw_pseudo *ps;             /* owned */
        struct mw_codec *codec;           /* owned */
        rd_kafka_t *rk;                   /* owned */
        FILE *rejects;                    /* owned */
        char topic[256];
        char producer_id[MW_PRODUCER_MAX + 1];
        int32_t schema_id;
        int dry_run;
        int64_t now_ms;
        long rows, sent, acked, failed, rejected;
        int64_t started;
        int64_t last_progress;
        struct mw_buf out;
};

struct row_ctx {
        const char *file;
        long line;
        int map[C_COUNT]; /* column index in the file, -1 if absent */
};

static void
on_signal(int sig)
{
        (void)sig;
        run = 0;
}

static int64_t
mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(FILE *fp)
{
        fprintf(fp,
                "Usage: " PROG " -p PROJECT -k KEYFILE [OPTION]... FILE...\n"
                "Validate, pseudonymise and publish a municipality's "
                "registrations (CSV export,\nsee docs/input-format.md; '-' "
                "reads standard input).\n\n"
                "  -p PROJECT       project id (1-30) or slug, e.g. "
                "frederikshavn\n"
                "  -k KEYFILE       pseudonymisation key (mode 0600)\n"
                "  -b BROKERS       Kafka bootstrap servers (brokers)\n"
                "  -r URL           schema registry URL (registry.url)\n"
                "  -c FILE          read key=value configuration from FILE\n"
                "  -X KEY=VALUE     set a librdkafka property (repeatable)\n"
                "  -o KEY=VALUE     set a midway property (repeatable)\n"
                "  -R, --rejects F  write rejected rows to F (CPR masked)\n"
                "  -n, --dry-run    validate and print events as JSON lines "
                "on stdout; no Kafka\n"
                "  -v, -q           more, less logging\n"
                "  -h, --help       this help\n\n"
                "Exit status: 0 all rows sent, 1 failure (delivery or "
                "set-up), 2 usage error,\n3 some rows rejected (every "
                "accepted row was sent).\n");
}

/* ---- row parsing --------------------------------------------------- */

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
build_event(struct producer *p, const struct row_ctx *rc, char **f, size_t n,
            struct mw_event *ev, char *errstr, size_t errstr_size)
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
            !mw_project_has_muni(p->project, (int)muni)) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                        "kommunekode '%.10s' is not a municipality of "
                        "project %d (%s)",
                        s, p->project->id, p->project->slug);
                goto out;
        }
        ev->project_id = p->project->id;
        ev->municipality_code = (int32_t)muni;
        if (mw_date_parse(field(rc, f, n, C_DATE), &ev->event_date, why,
                          sizeof(why))) {
                mw_errf(errstr, errstr_size, MW_ERR_INVALID, "dato: %s", why);
                goto out;
        }
        if (registered(field(rc, f, n, C_REGISTERED), p->now_ms,
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
                         s[0] ? s : p->project->target_group, v->target_group,
                         "maalgruppe", errstr, errstr_size) ||
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
        mw_pseudo_ref(p->ps, cpr, ev->citizen_ref);
        snprintf(ev->key_id, sizeof(ev->key_id), "%s", mw_pseudo_key_id(p->ps));
        snprintf(ev->producer_id, sizeof(ev->producer_id), "%s",
                 p->producer_id);
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

/* ---- output -------------------------------------------------------- */

static void
reject(struct producer *p, const struct row_ctx *rc, const char *raw,
       const char *reason)
{
        char masked_reason[512], masked_row[MAX_LINE];

        p->rejected++;
        /* Belt and braces: no message built above quotes a CPR, but the
         * reason may quote a code field a clerk typed a CPR into. */
        mw_cpr_mask(reason, masked_reason, sizeof(masked_reason));
        mw_log_warn("%s:%ld: rejected: %s", rc->file, rc->line, masked_reason);
        if (p->rejects) {
                mw_cpr_mask(raw, masked_row, sizeof(masked_row));
                fprintf(p->rejects, "%s;%ld;%s;%s\n", rc->file, rc->line,
                        masked_reason, masked_row);
        }
}

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        struct producer *p = opaque;

        (void)rk;
        if (m->err) {
                p->failed++;
                mw_log_error("topic=%s partition=%d delivery failed for the "
                             "row at line %ld: %s",
                             rd_kafka_topic_name(m->rkt), (int)m->partition,
                             (long)(intptr_t)m->_private,
                             rd_kafka_err2str(m->err));
        } else {
                p->acked++;
        }
}

static void
progress(struct producer *p, int final)
{
        int64_t now = mono_ms();
        double secs = (double)(now - p->started) / 1000.0;

        if (!final && (!isatty(STDERR_FILENO) || now - p->last_progress < 500))
                return;
        p->last_progress = now;
        if (final)
                mw_log_info("topic=%s rows read %ld, sent %ld, acknowledged "
                            "%ld, rejected %ld, failed %ld (%.0f rows/s)",
                            p->topic, p->rows, p->sent, p->acked, p->rejected,
                            p->failed, secs > 0 ? (double)p->rows / secs : 0);
        else
                fprintf(stderr,
                        "\r%s: read %ld, sent %ld, acknowledged %ld, "
                        "rejected %ld, %.0f rows/s  ",
                        PROG, p->rows, p->sent, p->acked, p->rejected,
                        secs > 0 ? (double)p->rows / secs : 0);
}

static int
send_event(struct producer *p, const struct mw_event *ev, long line)
{
        char errstr[512];
        void *opaque;
        rd_kafka_resp_err_t err;

        mw_buf_reset(&p->out);
        if (p->dry_run) {
                if (mw_event_json(ev, &p->out) != MW_OK)
                        return -1;
                printf("%s\n", p->out.data);
                p->sent++;
                p->acked++;
                return 0;
        }
        if (mw_codec_encode(p->codec, ev, p->schema_id, &p->out, errstr,
                            sizeof(errstr)) != MW_OK) {
                mw_log_error("line %ld: %s", line, errstr);
                return -1;
        }
        /* The opaque carries the row's line number, for the message of a
         * failed delivery. */
        opaque = (void *)(intptr_t)line; /* NOLINT(performance-no-int-to-ptr) */
        for (;;) {
                err = rd_kafka_producev(
                    p->rk, RD_KAFKA_V_TOPIC(p->topic),
                    RD_KAFKA_V_KEY(ev->citizen_ref, MW_REF_STRLEN),
                    RD_KAFKA_V_VALUE(p->out.data, p->out.len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                rd_kafka_poll(p->rk, 100);
        }
        if (err) {
                mw_log_error("line %ld: produce failed: %s", line,
                             rd_kafka_err2str(err));
                p->failed++;
                return 0;
        }
        p->sent++;
        rd_kafka_poll(p->rk, 0);
        return 0;
}

static int
process_file(struct producer *p, const char *path)
{
        char *line = NULL, *copy = NULL, *f[MW_CSV_MAX_FIELDS];
        char errstr[512];
        size_t cap = 0, n, len;
        ssize_t got;
        struct row_ctx rc;
        struct mw_event ev;
        FILE *fp;
        int have_header = 0, rcode = 0;

        memset(&rc, 0, sizeof(rc));
        rc.file = path;
        fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
        if (!fp) {
                mw_log_error("%s: %s", path, strerror(errno));
                return -1;
        }
        copy = malloc(MAX_LINE);
        if (!copy) {
                rcode = -1;
                goto out;
        }
        while (run && (got = getline(&line, &cap, fp)) != -1) {
                rc.line++;
                len = (size_t)got;
                while (len > 0 &&
                       (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        line[--len] = '\0';
                if (rc.line == 1)
                        mw_csv_strip_bom(line, &len);
                if (len == 0)
                        continue;
                if (len >= MAX_LINE) {
                        p->rows++;
                        reject(p, &rc, "", "line longer than 64 KiB");
                        continue;
                }
                memcpy(copy, line, len + 1);
                if (mw_csv_split(line, len, ';', f, MW_CSV_MAX_FIELDS, &n,
                                 errstr, sizeof(errstr)) != MW_OK) {
                        if (!have_header) {
                                mw_log_error("%s:%ld: header: %s", path,
                                             rc.line, errstr);
                                rcode = -1;
                                goto out;
                        }
                        p->rows++;
                        reject(p, &rc, copy, errstr);
                        continue;
                }
                if (!have_header) {
                        if (map_header(&rc, f, n, errstr, sizeof(errstr))) {
                                mw_log_error("%s:%ld: %s", path, rc.line,
                                             errstr);
                                rcode = -1;
                                goto out;
                        }
                        have_header = 1;
                        continue;
                }
                p->rows++;
                if (build_event(p, &rc, f, n, &ev, errstr, sizeof(errstr))) {
                        reject(p, &rc, copy, errstr);
                        continue;
                }
                if (send_event(p, &ev, rc.line) != 0) {
                        rcode = -1;
                        goto out;
                }
                progress(p, 0);
        }
        if (ferror(fp)) {
                mw_log_error("%s: read error: %s", path, strerror(errno));
                rcode = -1;
        }
out:
        free(line);
        free(copy);
        if (fp != stdin)
                fclose(fp);
        return rcode;
}

/* ---- set-up -------------------------------------------------------- */

static int
setup_kafka(struct producer *p)
{
        char errstr[512];
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        size_t i;

        if (rd_kafka_conf_set(kc, "bootstrap.servers", p->conf.brokers, errstr,
                              sizeof(errstr)) ||
            rd_kafka_conf_set(kc, "client.id", PROG, errstr, sizeof(errstr)) ||
            rd_kafka_conf_set(kc, "enable.idempotence", "true", errstr,
                              sizeof(errstr)) ||
            rd_kafka_conf_set(kc, "acks", "all", errstr, sizeof(errstr)) ||
            rd_kafka_conf_set(kc, "linger.ms", "20", errstr, sizeof(errstr)))
                goto fail;
        for (i = 0; i < p->conf.n_kafka; i++)
                if (rd_kafka_conf_set(kc, p->conf.kafka_key[i],
                                      p->conf.kafka_val[i], errstr,
                                      sizeof(errstr)))
                        goto fail;
        rd_kafka_conf_set_dr_msg_cb(kc, dr_cb);
        rd_kafka_conf_set_opaque(kc, p);
        p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
        if (!p->rk)
                goto fail;
        return 0;
fail:
        rd_kafka_conf_destroy(kc);
        mw_log_error("Kafka producer: %s", errstr);
        return -1;
}

static int
setup(struct producer *p, const char *project, const char *keyfile)
{
        char errstr[512], subject[300], *end;
        struct mw_registry *reg;
        long id;
        mw_err_t err;

        if (!mw_projects(&(size_t){0}, errstr, sizeof(errstr)))
                goto fail;
        id = strtol(project, &end, 10);
        p->project = *end == '\0' ? mw_project_find((int)id)
                                  : mw_project_by_slug(project);
        if (!p->project) {
                mw_log_error("unknown project '%s' (an id 1-30 or a slug)",
                             project);
                return -2;
        }
        if (mw_conf_topic(&p->conf, p->project->slug, p->topic,
                          sizeof(p->topic)) != MW_OK) {
                snprintf(errstr, sizeof(errstr), "topic.prefix is too long");
                goto fail;
        }
        if (p->conf.producer_id[0])
                snprintf(p->producer_id, sizeof(p->producer_id), "%s",
                         p->conf.producer_id);
        else if (gethostname(p->producer_id, sizeof(p->producer_id)) != 0)
                snprintf(p->producer_id, sizeof(p->producer_id), "unknown");
        p->ps = mw_pseudo_new(keyfile, errstr, sizeof(errstr));
        if (!p->ps)
                goto fail;
        if (p->dry_run)
                return 0;
        p->codec = mw_codec_new(errstr, sizeof(errstr));
        if (!p->codec)
                goto fail;
        reg = mw_registry_new(p->conf.registry_url, 10000, errstr,
                              sizeof(errstr));
        if (!reg)
                goto fail;
        snprintf(subject, sizeof(subject), "%s-value", p->topic);
        err = mw_registry_register(reg, subject, mw_codec_schema_json(),
                                   &p->schema_id, errstr, sizeof(errstr));
        mw_registry_destroy(reg);
        if (err)
                goto fail;
        mw_log_info("topic=%s project=%d schema id %d, key id %s", p->topic,
                    p->project->id, (int)p->schema_id, mw_pseudo_key_id(p->ps));
        return setup_kafka(p);
fail:
        mw_log_error("%s", errstr);
        return -1;
}

static int
finish(struct producer *p)
{
        if (!p->rk)
                return 0;
        while (rd_kafka_outq_len(p->rk) > 0 && p->acked + p->failed < p->sent)
                rd_kafka_poll(p->rk, 100);
        rd_kafka_flush(p->rk, 1000);
        return p->acked == p->sent ? 0 : -1;
}

int
main(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"rejects", required_argument, NULL, 'R'},
            {"dry-run", no_argument, NULL, 'n'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        struct producer p;
        char errstr[512];
        const char *project = NULL, *keyfile = NULL, *rejects = NULL;
        int opt, i, rc = 0, level = MW_LOG_INFO;
        mw_err_t err = MW_OK;

        memset(&p, 0, sizeof(p));
        mw_log_set_cb(mw_log_stderr_cb, PROG);
        if (mw_conf_init(&p.conf) ||
            mw_conf_load_env(&p.conf, errstr, sizeof(errstr)))
                goto usage_error;
        while ((opt = getopt_long(argc, argv, MW_CONF_FLAGS "p:k:R:nvqh",
                                  longopts, NULL)) != -1) {
                switch (opt) {
                case 'p':
                        project = optarg;
                        break;
                case 'k':
                        keyfile = optarg;
                        break;
                case 'R':
                        rejects = optarg;
                        break;
                case 'n':
                        p.dry_run = 1;
                        break;
                case 'v':
                        level = MW_LOG_DEBUG;
                        break;
                case 'q':
                        level = MW_LOG_WARN;
                        break;
                case 'h':
                        usage(stdout);
                        mw_conf_release(&p.conf);
                        return 0;
                default:
                        err = mw_conf_flag(&p.conf, opt, optarg, errstr,
                                           sizeof(errstr));
                        if (err == MW_ERR_NOTFOUND) {
                                usage(stderr);
                                mw_conf_release(&p.conf);
                                return EXIT_USAGE;
                        }
                }
                if (err)
                        goto usage_error;
        }
        if (!project || !keyfile || optind == argc) {
                snprintf(errstr, sizeof(errstr),
                         "-p PROJECT, -k KEYFILE and at least one FILE are "
                         "required");
                goto usage_error;
        }
        mw_log_set_level((enum mw_log_level)level);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        p.started = mono_ms();
        {
                struct timeval tv;

                gettimeofday(&tv, NULL);
                p.now_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
        }
        rc = setup(&p, project, keyfile);
        if (rc == -2) {
                rc = EXIT_USAGE;
                goto out;
        }
        if (rc != 0) {
                rc = EXIT_FAILURE_;
                goto out;
        }
        if (rejects && !(p.rejects = fopen(rejects, "w"))) {
                mw_log_error("%s: %s", rejects, strerror(errno));
                rc = EXIT_FAILURE_;
                goto out;
        }
        for (i = optind; i < argc && run; i++)
                if (process_file(&p, argv[i]) != 0)
                        rc = EXIT_FAILURE_;
        if (finish(&p) != 0)
                rc = EXIT_FAILURE_;
        if (!run) {
                mw_log_warn("interrupted");
                rc = EXIT_FAILURE_;
        }
        if (isatty(STDERR_FILENO))
                fputc('\n', stderr);
        progress(&p, 1);
        if (rc == 0 && p.rejected > 0)
                rc = EXIT_REJECTED;
out:
        if (p.rk)
                rd_kafka_destroy(p.rk);
        if (p.rejects && fclose(p.rejects) != 0) {
                mw_log_error("%s: %s", rejects, strerror(errno));
                rc = EXIT_FAILURE_;
        }
        mw_codec_destroy(p.codec);
        mw_pseudo_destroy(p.ps);
        mw_buf_release(&p.out);
        mw_conf_release(&p.conf);
        return rc;
usage_error:
        mw_log_error("%s (see --help)", errstr);
        mw_conf_release(&p.conf);
        return EXIT_USAGE;
}
