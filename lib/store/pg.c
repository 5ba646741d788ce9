/* midway: PostgreSQL helpers and the migration runner. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

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

/* The hex SHA-256 of a function file's text: what schema_function records. */
static int
sha256_hex(const char *text, char out[65])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0, i;

        if (!EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL) ||
            n != 32)
                return -1;
        for (i = 0; i < n; i++)
                snprintf(out + (size_t)2 * i, 3, "%02x", md[i]);
        return 0;
}

/* Runs one embedded file; a file of comments only (an empty query) is no
 * error. */
static mw_err_t
exec_file(PGconn *pg, const struct mw_embedded_file *f, char *errstr,
          size_t errstr_size)
{
        PGresult *res = PQexec(pg, f->text);
        char why[512];
        mw_err_t err;

        if (PQresultStatus(res) == PGRES_EMPTY_QUERY) {
                PQclear(res);
                return MW_OK;
        }
        err = mw_pg_result(pg, res, NULL, why, sizeof(why));
        if (err)
                mw_errf(errstr, errstr_size, err, "%s: %s", f->name, why);
        return err;
}

/* The index of the first function file to apply: 0 if all must be (a
 * migration ran: it may have replaced or dropped what a file defines),
 * else the first whose text differs from the one recorded, or that is not
 * recorded; the count of files if none. Later files may depend on earlier
 * ones (name order), so every file from the first changed one on is
 * applied again. */
static int
first_changed_function(PGconn *pg, int all)
{
        const struct mw_embedded_file *f;
        char hash[65];
        const char *vals[2];
        PGresult *res;
        int i, same;

        for (i = 0, f = mw_embed_functions; f->name; f++, i++) {
                if (all || sha256_hex(f->text, hash))
                        return i;
                vals[0] = f->name;
                vals[1] = hash;
                res = PQexecParams(pg,
                                   "SELECT 1 FROM schema_function "
                                   "WHERE name = $1 AND sha256 = $2",
                                   2, NULL, vals, NULL, NULL, 0);
                same = PQresultStatus(res) == PGRES_TUPLES_OK &&
                       PQntuples(res) == 1;
                PQclear(res);
                if (!same)
                        return i;
        }
        return i;
}

/* Deletes the schema_function rows of files this binary does not have. */
static mw_err_t
forget_removed_functions(PGconn *pg, char *errstr, size_t errstr_size)
{
        const struct mw_embedded_file *f;
        char list[4096];
        const char *vals[1] = {list};
        size_t len = 0;
        int n;

        for (f = mw_embed_functions; f->name; f++) {
                n = snprintf(list + len, sizeof(list) - len, "%c\"%s\"",
                             len == 0 ? '{' : ',', f->name);
                if (n < 0 || (size_t)n >= sizeof(list) - len - 1)
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "too many function files");
                len += (size_t)n;
        }
        snprintf(list + len, sizeof(list) - len, "%s", len ? "}" : "{}");
        return exec_params(pg,
                           "DELETE FROM schema_function "
                           "WHERE name <> ALL ($1::text[])",
                           1, vals, errstr, errstr_size);
}

/* Applies the function files from the first changed one on and records
 * their hashes; forgets files this binary no longer has. In the caller's
 * transaction. */
static mw_err_t
apply_functions(PGconn *pg, int all, int *applied, char *errstr,
                size_t errstr_size)
{
        const struct mw_embedded_file *f;
        char hash[65];
        const char *vals[2];
        int i, first;
        mw_err_t err;

        *applied = 0;
        first = first_changed_function(pg, all);
        for (i = 0, f = mw_embed_functions; f->name; f++, i++) {
                if (i < first)
                        continue;
                if (sha256_hex(f->text, hash))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "%s: SHA-256 failed", f->name);
                vals[0] = f->name;
                vals[1] = hash;
                if ((err = exec_file(pg, f, errstr, errstr_size)) ||
                    (err = exec_params(
                         pg,
                         "INSERT INTO schema_function (name, sha256) "
                         "VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET "
                         "sha256 = EXCLUDED.sha256, applied_at = now()",
                         2, vals, errstr, errstr_size)))
                        return err;
                (*applied)++;
        }
        return *applied ? forget_removed_functions(pg, errstr, errstr_size)
                        : MW_OK;
}

mw_err_t
mw_pg_migrate(PGconn *pg, int *applied, int *functions, char *errstr,
              size_t errstr_size)
{
        const struct mw_embedded_file *m;
        char sql[128], why[512];
        const char *vals[1];
        int count = 0, nfunc = 0, locked = 0;
        mw_err_t err;

        err = mw_pg_exec(pg,
                         "CREATE TABLE IF NOT EXISTS schema_migration ("
                         "name text PRIMARY KEY, "
                         "applied_at timestamptz NOT NULL DEFAULT now());"
                         "CREATE TABLE IF NOT EXISTS schema_function ("
                         "name text PRIMARY KEY, "
                         "sha256 text NOT NULL, "
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
        /* One transaction: the pending migrations, then the function files
         * (a stub a migration creates for a policy is replaced before
         * anybody sees it; a failure leaves the database as it was). */
        if ((err = mw_pg_exec(pg, "BEGIN", errstr, errstr_size)))
                goto out;
        for (m = mw_embed_migrations; m->name; m++) {
                if (is_applied(pg, m->name))
                        continue;
                vals[0] = m->name;
                if ((err = exec_file(pg, m, why, sizeof(why))) ||
                    (err = exec_params(pg,
                                       "INSERT INTO schema_migration (name) "
                                       "VALUES ($1)",
                                       1, vals, why, sizeof(why)))) {
                        mw_pg_exec(pg, "ROLLBACK", NULL, 0);
                        err = mw_errf(errstr, errstr_size, err, "migration %s",
                                      why);
                        goto out;
                }
                count++;
        }
        if ((err = apply_functions(pg, count > 0, &nfunc, why, sizeof(why))) ||
            (err = mw_pg_exec(pg, "COMMIT", why, sizeof(why)))) {
                mw_pg_exec(pg, "ROLLBACK", NULL, 0);
                count = nfunc = 0;
                err = mw_errf(errstr, errstr_size, err, "%s", why);
                goto out;
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
        if (functions)
                *functions = nfunc;
        return err;
}

/* Every function and view of midway's schemas: name, a digest of its
 * definition and options, its privileges, and whether this transaction
 * (re)defined it. Not functions of extensions, not aggregates. */
#define CATALOG_SQL                                                            \
        "SELECT 'function ' || p.oid::regprocedure AS object, "                \
        "md5(pg_get_functiondef(p.oid)) AS def, "                              \
        "coalesce(p.proacl::text, '') AS acl, "                                \
        "p.xmin = pg_current_xact_id()::xid AS mine "                          \
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "        \
        "WHERE n.nspname IN ('public', 'status', 'municipal') "                \
        "AND p.prokind IN ('f', 'p') AND NOT EXISTS (SELECT 1 FROM "           \
        "pg_depend d WHERE d.classid = 'pg_proc'::regclass "                   \
        "AND d.objid = p.oid AND d.deptype = 'e') "                            \
        "UNION ALL "                                                           \
        "SELECT 'view ' || c.oid::regclass, "                                  \
        "md5(pg_get_viewdef(c.oid) || coalesce(c.reloptions::text, '')), "     \
        "coalesce(c.relacl::text, ''), "                                       \
        "r.xmin = pg_current_xact_id()::xid "                                  \
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "       \
        "JOIN pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN' "  \
        "WHERE n.nspname IN ('public', 'status', 'municipal') "                \
        "AND c.relkind = 'v'"

mw_err_t
mw_pg_check_sql(PGconn *pg, FILE *out, int *differences, char *errstr,
                size_t errstr_size)
{
        const struct mw_embedded_file *f;
        char hash[65], why[512];
        const char *vals[1];
        PGresult *res;
        int n = 0, r;
        mw_err_t err;

        /* 1. the files this binary has against those the database recorded */
        for (f = mw_embed_functions; f->name; f++) {
                if (sha256_hex(f->text, hash))
                        return mw_errf(errstr, errstr_size, MW_ERR_INVALID,
                                       "%s: SHA-256 failed", f->name);
                vals[0] = f->name;
                res = PQexecParams(pg,
                                   "SELECT sha256 FROM schema_function "
                                   "WHERE name = $1",
                                   1, NULL, vals, NULL, NULL, 0);
                if (PQresultStatus(res) != PGRES_TUPLES_OK)
                        return mw_pg_result(pg, res, "check-sql", errstr,
                                            errstr_size);
                if (PQntuples(res) == 0) {
                        fprintf(out, "%s: not applied to this database\n",
                                f->name);
                        n++;
                } else if (strcmp(PQgetvalue(res, 0, 0), hash) != 0) {
                        fprintf(out,
                                "%s: the database has another version "
                                "(sha256 %.12s, this binary's %.12s)\n",
                                f->name, PQgetvalue(res, 0, 0), hash);
                        n++;
                }
                PQclear(res);
        }
        res = PQexec(pg, "SELECT name FROM schema_function ORDER BY 1");
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                return mw_pg_result(pg, res, "check-sql", errstr, errstr_size);
        for (r = 0; r < PQntuples(res); r++) {
                for (f = mw_embed_functions; f->name; f++)
                        if (strcmp(f->name, PQgetvalue(res, r, 0)) == 0)
                                break;
                if (!f->name) {
                        fprintf(out, "%s: applied, unknown to this binary\n",
                                PQgetvalue(res, r, 0));
                        n++;
                }
        }
        PQclear(res);

        /* 2. the catalog against the files: apply them all in a
         * transaction, compare every definition and privilege, roll back */
        if ((err = mw_pg_exec(pg,
                              "BEGIN; SET LOCAL lock_timeout = '10s'; "
                              "CREATE TEMP TABLE check_sql_before "
                              "ON COMMIT DROP AS " CATALOG_SQL,
                              errstr, errstr_size)))
                return err;
        for (f = mw_embed_functions; f->name; f++) {
                if ((err = exec_file(pg, f, why, sizeof(why)))) {
                        mw_pg_exec(pg, "ROLLBACK", NULL, 0);
                        return mw_errf(errstr, errstr_size, err, "%s", why);
                }
        }
        res = PQexec(pg,
                     "WITH a AS (" CATALOG_SQL ") "
                     "SELECT coalesce(a.object, b.object), CASE "
                     "WHEN a.object IS NULL THEN 'in the database, retired by "
                     "the function files (00_retired.sql)' "
                     "WHEN b.object IS NULL THEN 'missing from the database' "
                     "WHEN a.def <> b.def THEN 'definition differs from its "
                     "function file' "
                     "WHEN a.acl <> b.acl THEN 'privileges differ from its "
                     "function file (' || b.acl || ', file: ' || a.acl || ')' "
                     "ELSE 'in the database, defined by no function file' END "
                     "FROM a FULL JOIN check_sql_before b USING (object) "
                     "WHERE a.object IS NULL OR b.object IS NULL "
                     "OR a.def <> b.def OR a.acl <> b.acl OR NOT a.mine "
                     "ORDER BY 1");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                err = mw_pg_result(pg, res, "check-sql", errstr, errstr_size);
                mw_pg_exec(pg, "ROLLBACK", NULL, 0);
                return err;
        }
        for (r = 0; r < PQntuples(res); r++)
                fprintf(out, "%s: %s\n", PQgetvalue(res, r, 0),
                        PQgetvalue(res, r, 1));
        n += PQntuples(res);
        PQclear(res);
        if ((err = mw_pg_exec(pg, "ROLLBACK", errstr, errstr_size)))
                return err;
        if (differences)
                *differences = n;
        return MW_OK;
}
