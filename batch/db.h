/*
 * db.h — the connection and every query, through libpq.
 *
 * Parameters always travel as parameters; no value from a file, a flag or
 * the configuration is pasted into SQL text.  Every failed result is
 * reported on stderr with the server's message and SQLSTATE, and mapped to
 * an exit code by SQLSTATE class, never by message text:
 *   08xxx, 57P01–57P03, a lost connection   -> 69 (database unavailable)
 *   55P03 lock_not_available                -> 75
 *   57014 query_canceled (Ctrl-C, SIGTERM)  -> 1, and db_interrupted();
 *         after such a signal no new query starts (db_allow_after_interrupt)
 *   3F000, 42P01 (no schema gelombang)      -> 69, "run gelombang migrate"
 *   42501 insufficient_privilege            -> 1, naming the session's role
 *   anything else                           -> 70
 * Returned PGresults belong to the caller (PQclear).
 */
#ifndef GELOMBANG_DB_H
#define GELOMBANG_DB_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "gelombang.h"

/* Connect with the configuration (and --db), set the session up
 * (client_encoding UTF8, TimeZone, statement_timeout, a check that the
 * client is still there), install the cancel handler for SIGINT/SIGTERM.
 * Unless the command is migrate, the schema must be there.
 * Returns 0, EXIT_UNAVAILABLE (also: no schema) or EXIT_CONFIG (a timezone
 * the server does not know). */
int db_connect(struct gb_ctx *ctx);
void db_disconnect(struct gb_ctx *ctx);

/* Run sql with n text parameters (NULL = SQL NULL).  Returns the result on
 * PGRES_COMMAND_OK / PGRES_TUPLES_OK, else reports "what: server message"
 * and returns NULL; db_failure_exit() then tells the exit code. */
PGresult *db_query(PGconn *conn, const char *what, const char *sql, int n,
                   const char *const *params);
/* db_query for commands whose result is not needed; 0 or -1 */
int db_command(PGconn *conn, const char *what, const char *sql, int n, const char *const *params);

int db_begin(PGconn *conn);
int db_commit(PGconn *conn);
void db_rollback(PGconn *conn); /* quiet; safe after any failure */

/* the exit code for the last failure seen by db_query/db_command */
int db_failure_exit(void);
/* the SQLSTATE of the last failure ("" if none) */
const char *db_failure_sqlstate(void);
/* the constraint named by the last failure ("" if none) */
const char *db_failure_constraint(void);
/* the server's primary message of the last failure */
const char *db_failure_message(void);

/* Whether the server is gone after a failed call.  libpq may report "server
 * closed the connection unexpectedly" (no SQLSTATE) and still say
 * CONNECTION_OK; reading what is left on the socket tells. */
bool db_connection_lost(PGconn *conn);

/* true once SIGINT or SIGTERM arrived; the running query was cancelled */
bool db_interrupted(void);
/* quiet failure reporting (the caller explains it better itself) */
void db_set_quiet(bool quiet);
/* Once interrupted, db_query refuses every new query (exit 1, SQLSTATE
 * 57014) so that a job stops between two steps too; jr_end() turns that
 * off around the end row of a run that did not succeed. */
void db_allow_after_interrupt(bool on);

#endif
