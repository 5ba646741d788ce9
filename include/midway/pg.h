/* midway: PostgreSQL helpers (libpq) shared by the programs: connecting,
 * running commands with error text in errstr, and the schema migrations. */
#ifndef MIDWAY_PG_H
#define MIDWAY_PG_H

#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "midway/err.h"

/* Connects with a libpq conninfo ("" = libpq defaults and PG* variables)
 * and sets application_name. NULL with errstr on failure; close with
 * PQfinish(). */
PGconn *mw_pg_connect(const char *conninfo, const char *application_name,
                      char *errstr, size_t errstr_size);

/* Checks a result: COMMAND_OK or TUPLES_OK is MW_OK, anything else is
 * MW_ERR_DB with "<what>: <PostgreSQL's message>" in errstr (what may be
 * NULL). Takes ownership of res and clears it. */
mw_err_t mw_pg_result(PGconn *pg, PGresult *res, const char *what, char *errstr,
                      size_t errstr_size);

/* Runs one or more SQL commands without parameters; any result status but
 * COMMAND_OK/TUPLES_OK is MW_ERR_DB with PostgreSQL's message. */
/* As mw_pg_result(), and copies the failure's SQLSTATE into sqlstate
 * (6 bytes; "" when there is none, e.g. a lost connection). */
mw_err_t mw_pg_result_state(PGconn *pg, PGresult *res, const char *what,
                            char sqlstate[6], char *errstr, size_t errstr_size);
/* 1 if sqlstate is of a class that one row of data can cause (a value
 * PostgreSQL refuses, a constraint, a RAISE in a function), 0 for the
 * rest (connection, serialisation, resources, privileges, internal):
 * those are not the data's fault and are retried, never dead-lettered. */
int mw_pg_state_is_data(const char *sqlstate);

mw_err_t mw_pg_exec(PGconn *pg, const char *sql, char *errstr,
                    size_t errstr_size);

/* Applies the embedded migrations/NNNN_*.sql not yet recorded in
 * schema_migration, then the function files (migrations/functions/NN_*.sql,
 * the current definition of every function and view) from the first one
 * whose SHA-256 differs from the one recorded in schema_function (all of
 * them if a migration ran), all in one transaction, under an advisory lock
 * so that concurrent migrators wait for each other; then refreshes the
 * reference data (projects, municipalities, code lists) from the embedded
 * reference/projects.csv and lib/event/codes.c. *applied = number of
 * migrations, *functions = number of function files applied by this call
 * (either may be NULL). */
mw_err_t mw_pg_migrate(PGconn *pg, int *applied, int *functions, char *errstr,
                       size_t errstr_size);

/* Drift of the functions and views: writes to out one line per function
 * file not applied, or applied in another version, per recorded file this
 * binary does not have, and per function or view whose definition or
 * privileges differ from what the function files give, that is missing,
 * or that no file defines (found by applying every file in a transaction
 * that is rolled back; needs the owner's rights, and briefly locks the
 * views). *differences = number of lines. MW_ERR_DB on a failure. */
mw_err_t mw_pg_check_sql(PGconn *pg, FILE *out, int *differences, char *errstr,
                         size_t errstr_size);

#endif
