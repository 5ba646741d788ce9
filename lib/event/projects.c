/* midway: the 30 project sites, parsed from the embedded
 * reference/projects.csv. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "midway/csv.h"
#include "midway/projects.h"

#define MW_MAX_PROJECTS 64

static struct mw_project projects[MW_MAX_PROJECTS];
static size_t n_projects;
static int loaded;

static int
parse_int(const char *s, int empty, int *out)
{
        char *end;
        long v;

        if (*s == '\0') {
                *out = empty;
                return 1;
        }
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || *end != '\0' || v < 0 || v > 1000000)
                return 0;
        *out = (int)v;
        return 1;
}

static int
copy_field(char *dst, size_t size, const char *src)
{
        size_t len = strlen(src);

        if (len == 0 || len >= size)
                return 0;
        memcpy(dst, src, len + 1);
        return 1;
}

static mw_err_t
parse_row(char *line, size_t lineno, struct mw_project *p, char *errstr,
          size_t errstr_size)
{
        char *f[16], *codes, *names, *tok, *save = NULL, *save2 = NULL;
        size_t n;
        int i;

        if (mw_csv_split(line, strlen(line), ';', f, 16, &n, errstr,
                         errstr_size))
                return MW_ERR_INVALID;
        if (n != 8)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "projects.csv:%zu: %zu fields, expected 8",
                               lineno, n);
        memset(p, 0, sizeof(*p));
        if (!parse_int(f[0], -1, &p->id) || p->id <= 0 ||
            !copy_field(p->name, sizeof(p->name), f[1]) ||
            !copy_field(p->slug, sizeof(p->slug), f[2]) ||
            (strcmp(f[3], "youth") != 0 && strcmp(f[3], "adult") != 0) ||
            !copy_field(p->target_group, sizeof(p->target_group), f[3]) ||
            !parse_int(f[6], -1, &p->expected_2015_07_01) ||
            !parse_int(f[7], -1, &p->expected_total))
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "projects.csv:%zu: malformed row", lineno);
        codes = f[4];
        names = f[5];
        for (tok = strtok_r(codes, "+", &save), i = 0; tok;
             tok = strtok_r(NULL, "+", &save), i++) {
                if (i >= MW_PROJECT_MAX_MUNI ||
                    !parse_int(tok, -1, &p->muni[i]) || p->muni[i] < 100 ||
                    p->muni[i] > 999)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "projects.csv:%zu: bad municipality "
                                       "code",
                                       lineno);
        }
        p->n_muni = i;
        for (tok = strtok_r(names, "+", &save2), i = 0; tok;
             tok = strtok_r(NULL, "+", &save2), i++) {
                if (i >= p->n_muni ||
                    !copy_field(p->muni_name[i], sizeof(p->muni_name[i]), tok))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "projects.csv:%zu: municipality names "
                                       "do not match codes",
                                       lineno);
        }
        if (i != p->n_muni || p->n_muni == 0)
                return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                               "projects.csv:%zu: municipality names do not "
                               "match codes",
                               lineno);
        return MW_OK;
}

static mw_err_t
load(char *errstr, size_t errstr_size)
{
        char *text, *line, *save = NULL;
        size_t lineno = 0;
        int header = 1;
        mw_err_t err = MW_OK;

        text = strdup(mw_embed_projects_csv);
        if (!text)
                return mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                               "out of memory");
        n_projects = 0;
        for (line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                lineno++;
                if (line[0] == '#' || line[0] == '\0')
                        continue;
                if (header) {
                        header = 0;
                        continue;
                }
                if (n_projects >= MW_MAX_PROJECTS) {
                        err = mw_errf(errstr, errstr_size, MW_ERR_TOOBIG,
                                      "projects.csv: too many projects");
                        goto out;
                }
                err = parse_row(line, lineno, &projects[n_projects], errstr,
                                errstr_size);
                if (err)
                        goto out;
                n_projects++;
        }
        loaded = 1;
out:
        free(text);
        return err;
}

const struct mw_project *
mw_projects(size_t *n, char *errstr, size_t errstr_size)
{
        if (!loaded && load(errstr, errstr_size) != MW_OK) {
                *n = 0;
                return NULL;
        }
        *n = n_projects;
        return projects;
}

const struct mw_project *
mw_project_find(int id)
{
        size_t i, n;

        if (!mw_projects(&n, NULL, 0))
                return NULL;
        for (i = 0; i < n; i++)
                if (projects[i].id == id)
                        return &projects[i];
        return NULL;
}

const struct mw_project *
mw_project_by_slug(const char *slug)
{
        size_t i, n;

        if (!mw_projects(&n, NULL, 0))
                return NULL;
        for (i = 0; i < n; i++)
                if (strcmp(projects[i].slug, slug) == 0)
                        return &projects[i];
        return NULL;
}

int
mw_project_has_muni(const struct mw_project *p, int municipality_code)
{
        int i;

        for (i = 0; i < p->n_muni; i++)
                if (p->muni[i] == municipality_code)
                        return 1;
        return 0;
}

const struct mw_project *
mw_project_parse(const char *arg)
{
        char *end;
        long id;

        id = strtol(arg, &end, 10);
        if (end != arg && *end == '\0')
                return id > 0 && id <= 1000 ? mw_project_find((int)id) : NULL;
        return mw_project_by_slug(arg);
}

mw_err_t
mw_project_arg(const char *arg, const struct mw_project **project, char *errstr,
               size_t errstr_size)
{
        *project = mw_project_parse(arg);
        if (*project)
                return MW_OK;
        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                       "unknown project '%s': a project id (1-30) or slug, "
                       "e.g. 20 or odder",
                       arg);
}
