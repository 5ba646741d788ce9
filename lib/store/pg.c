/* midway: PostgreSQL helpers and the migration runner. */
#include <stdio.h>
#include <string.h>

#include "embedded.h"
#include "midway/codes.h"
#include "midway/log.h"
#include "midway/pg.h"
#include "midway/projects.h"

/* Arbitrary constant: the advisory lock midway's migrators share. */
#define MW_MIGRATE_LOCK 0x6d696477 /* "midw" */

/* Server notices ("relation already exists, skipping") go to the debug
 * log, not straight to stderr. */
static void
on_notice(void *arg, const char *message)
{
        (void)arg;
        mw_log_debug("PostgreSQL: %.*s", (int)strcspn(message, "\n"), message);
}

PGconn *
mw_pg_connect(const char *conninfo, const char *application_name, char *errstr,
              size_t errstr_size)
{
        const char *keys[] = {"dbname", "application_name", NULL};
        const char *vals[] = {conninfo ? conninfo : "", application_name, NULL};
        PGconn *pg;

        /* expand_dbname=1: the conninfo string may hold every parameter;
         * PG* environment variables fill in the rest. */
        pg = PQconnectdbParams(keys, vals, 1);
        if (!pg) {
                mw_errf(errstr, errstr_size, MW_ERR_NOMEM,
                        "PostgreSQL: out of memory");
                return NULL;
        }
        if (PQstatus(pg) != CONNECTION_OK) {
                mw_errf(errstr, errstr_size, MW_ERR_DB,
                        "PostgreSQL connection failed: %s", PQerrorMessage(pg));
                PQfinish(pg);
                return NULL;
        }
        PQsetNoticeProcessor(pg, on_notice, NULL);
        return pg;
}

static void
chomp(char *s)
{
        size_t n = strlen(s);

        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
                s[--n] = '\0';
}

mw_err_t
mw_pg_result_state(PGconn *pg, PGresult *res, const char *what,
                   char sqlstate[6], char *errstr, size_t errstr_size)
{
        const char *state;
        mw_err_t err = MW_OK;

        if (sqlstate)
                sqlstate[0] = '\0';
        if (PQresultStatus(res) != PGRES_COMMAND_OK &&
            PQresultStatus(res) != PGRES_TUPLES_OK) {
                state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
                if (sqlstate && state)
                        snprintf(sqlstate, 6, "%s", state);
                err = mw_errf(errstr, errstr_size, MW_ERR_DB, "%s%s%s",
                              what ? what : "", what ? ": " : "",
                              PQerrorMessage(pg));
                if (errstr && errstr_size)
                        chomp(errstr);
        }
        PQclear(res);
        return err;
}

mw_err_t
mw_pg_result(PGconn *pg, PGresult *res, const char *what, char *errstr,
             size_t errstr_size)
{
        return mw_pg_result_state(pg, res, what, NULL, errstr, errstr_size);
}

int
mw_pg_state_is_data(const char *sqlstate)
{
        /* data exception, integrity constraint, cardinality, program
         * limit (a value too long or too deep), SQL or external routine
         * exceptions and PL/pgSQL RAISE: what one row can cause */
        static const char *const classes[] = {"22", "23", "21", "54",
                                              "2F", "38", "P0"};
        size_t i;

        if (!sqlstate || strlen(sqlstate) != 5)
                return 0;
        for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
                if (strncmp(sqlstate, classes[i], 2) == 0)
                        return 1;
        return 0;
}

mw_err_t
mw_pg_exec(PGconn *pg, const char *sql, char *errstr, size_t errstr_size)
{
        return mw_pg_result(pg, PQexec(pg, sql), NULL, errstr, errstr_size);
}

static mw_err_t
exec_params(PGconn *pg, const char *sql, int n, const char *const *vals,
            char *errstr, size_t errstr_size)
{
        return mw_pg_result(pg,
                            PQexecParams(pg, sql, n, NULL, vals, NULL, NULL, 0),
                            NULL, errstr, errstr_size);
}

static int
is_applied(PGconn *pg, const char *name)
{
        const char *vals[1] = {name};
        PGresult *res;
        int yes;

        res = PQexecParams(pg, "SELECT 1 FROM schema_migration WHERE name = $1",
                           1, NULL, vals, NULL, NULL, 0);
        yes = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
        PQclear(res);
        return yes;
}

static mw_err_t
sync_reference(PGconn *pg, char *errstr, size_t errstr_size)
{
        const struct mw_project *projects, *p;
        const struct mw_code *codes;
        char id[24], exp1[24], exp2[24], muni[24], pos[24];
        const char *vals[7];
        size_t n, i, nc, c;
        int m, list;
        mw_err_t err;

        projects = mw_projects(&n, errstr, errstr_size);
        if (!projects)
                return MW_ERR_INVALID;
        for (i = 0; i < n; i++) {
                p = &projects[i];
                snprintf(id, sizeof(id), "%d", p->id);
                snprintf(exp1, sizeof(exp1), "%d", p->expected_2015_07_01);
                snprintf(exp2, sizeof(exp2), "%d", p->expected_total);
                vals[0] = id;
                vals[1] = p->name;
                vals[2] = p->slug;
                vals[3] = p->target_group;
                vals[4] = p->expected_2015_07_01 < 0 ? NULL : exp1;
                vals[5] = p->expected_total < 0 ? NULL : exp2;
                err = exec_params(
                    pg,
                    "INSERT INTO project VALUES ($1, $2, $3, $4, $5, $6) "
                    "ON CONFLICT (project_id) DO UPDATE SET "
                    "name = EXCLUDED.name, slug = EXCLUDED.slug, "
                    "target_group = EXCLUDED.target_group, "
                    "expected_target_2015_07_01 = "
                    "EXCLUDED.expected_target_2015_07_01, "
                    "expected_target_total = "
                    "EXCLUDED.expected_target_total",
                    6, vals, errstr, errstr_size);
                if (err)
                        return err;
                for (m = 0; m < p->n_muni; m++) {
                        snprintf(muni, sizeof(muni), "%d", p->muni[m]);
                        vals[0] = muni;
                        vals[1] = id;
                        vals[2] = p->muni_name[m];
                        err = exec_params(pg,
                                          "INSERT INTO project_municipality "
                                          "VALUES ($1, $2, $3) ON CONFLICT "
                                          "(municipality_code) DO UPDATE SET "
                                          "project_id = EXCLUDED.project_id, "
                                          "municipality_name = "
                                          "EXCLUDED.municipality_name",
                                          3, vals, errstr, errstr_size);
                        if (err)
                                return err;
                }
        }
        for (list = 0; list < MW_CL_COUNT; list++) {
                codes = mw_codes_list((enum mw_codelist)list, &nc);
                for (c = 0; c < nc; c++) {
                        snprintf(pos, sizeof(pos), "%zu", c + 1);
                        vals[0] = mw_codes_list_name((enum mw_codelist)list);
                        vals[1] = codes[c].code;
                        vals[2] = pos;
                        vals[3] = codes[c].label_da;
                        vals[4] = codes[c].label_en;
                        vals[5] = codes[c].group;
                        err = exec_params(
                            pg,
                            "INSERT INTO code VALUES ($1, $2, $3, $4, "
                            "$5, $6) ON CONFLICT (list, code) DO UPDATE "
                            "SET position = EXCLUDED.position, "
                            "label_da = EXCLUDED.label_da, "
                            "label_en = EXCLUDED.label_en, "
                            "grp = EXCLUDED.grp",
                            6, vals, errstr, errstr_size);
                        if (err)
                                return err;
                }
        }
        return MW_OK;
}

mw_err_t
mw_pg_migrate(PGconn *pg, int *applied, char *errstr, size_t errstr_size)
{
        const struct mw_embedded_file *m;
        char sql[128];
        const char *vals[1];
        int count = 0, locked = 0;
        mw_err_t err;

        err = mw_pg_exec(pg,
                         "CREATE TABLE IF NOT EXISTS schema_migration ("
                         "name text PRIMARY KEY, "
                         "applied_at timestamptz NOT NULL DEFAULT now())",
                         errstr, errstr_size);
        if (err)
                goto out;
        snprintf(sql, sizeof(sql), "SELECT pg_advisory_lock(%d)",
                 MW_MIGRATE_LOCK);
        err = mw_pg_exec(pg, sql, errstr, errstr_size);
        if (err)
                goto out;
        locked = 1;
        for (m = mw_embed_migrations; m->name; m++) {
                if (is_applied(pg, m->name))
                        continue;
                vals[0] = m->name;
                if ((err = mw_pg_exec(pg, "BEGIN", errstr, errstr_size)))
                        goto out;
                if (mw_pg_exec(pg, m->text, errstr, errstr_size) ||
                    exec_params(pg,
                                "INSERT INTO schema_migration (name) "
                                "VALUES ($1)",
                                1, vals, errstr, errstr_size) ||
                    mw_pg_exec(pg, "COMMIT", errstr, errstr_size)) {
                        char why[512];

                        snprintf(why, sizeof(why), "%s", errstr);
                        mw_pg_exec(pg, "ROLLBACK", NULL, 0);
                        err = mw_errf(errstr, errstr_size, MW_ERR_DB,
                                      "migration %s: %s", m->name, why);
                        goto out;
                }
                count++;
        }
        if ((err = mw_pg_exec(pg, "BEGIN", errstr, errstr_size)))
                goto out;
        err = sync_reference(pg, errstr, errstr_size);
        if (!err)
                err = mw_pg_exec(pg, "COMMIT", errstr, errstr_size);
        if (err)
                mw_pg_exec(pg, "ROLLBACK", NULL, 0);
out:
        if (locked) {
                snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%d)",
                         MW_MIGRATE_LOCK);
                mw_pg_exec(pg, sql, NULL, 0);
        }
        if (applied)
                *applied = count;
        return err;
}
