/*
 * db.c — see db.h.
 */
#include "db.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sqlstate.h"

static char last_sqlstate[6];
static char last_constraint[128];
static char last_message[512];
static int last_exit = EXIT_SOFTWARE;
static bool quiet;
/* the session's role, and whether it holds gelombang_batch, for the
 * message of a permission denied */
static char session_role[128];
static bool session_is_batch;

static PGcancel *volatile cancel_handle;
static volatile sig_atomic_t interrupted;
static bool after_interrupt_ok;

/* Only set a flag and ask the server to cancel: PQcancel is documented as
 * safe to call from a signal handler.  The job notices the failed query, or
 * db_query refuses the next one, and leaves through its normal path.  A
 * second signal is not waited for: it ends the program at once. */
static void
db_on_signal(int sig)
{
	char errbuf[256];
	PGcancel *c = cancel_handle;

	if (interrupted) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	interrupted = 1;
	if (c)
		(void) PQcancel(c, errbuf, sizeof(errbuf));
}

bool
db_interrupted(void)
{
	return interrupted != 0;
}

void
db_set_quiet(bool q)
{
	quiet = q;
}

void
db_allow_after_interrupt(bool on)
{
	after_interrupt_ok = on;
}

static void
db_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = db_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool
db_connection_lost(PGconn *conn)
{
	if (!conn || PQstatus(conn) == CONNECTION_BAD)
		return true;
	/* a failed write leaves the status alone; reading finds it */
	return PQconsumeInput(conn) == 0;
}

static void
db_remember_failure(PGconn *conn, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *cons = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", state ? state : "");
	snprintf(last_constraint, sizeof(last_constraint), "%s", cons ? cons : "");
	if (!msg)
		msg = PQerrorMessage(conn);
	snprintf(last_message, sizeof(last_message), "%s", msg);
	/* trim libpq's trailing newline */
	last_message[strcspn(last_message, "\n")] = '\0';

	if ((!state && db_connection_lost(conn)) ||
	    strncmp(last_sqlstate, SQLSTATE_CLASS_CONNECTION_EXCEPTION, 2) == 0 ||
	    strcmp(last_sqlstate, SQLSTATE_ADMIN_SHUTDOWN) == 0 ||
	    strcmp(last_sqlstate, SQLSTATE_CRASH_SHUTDOWN) == 0 ||
	    strcmp(last_sqlstate, SQLSTATE_CANNOT_CONNECT_NOW) == 0 || (!state && !res))
		last_exit = EXIT_UNAVAILABLE;
	else if (strcmp(last_sqlstate, SQLSTATE_LOCK_NOT_AVAILABLE) == 0)
		last_exit = EXIT_BUSY;
	else if (strcmp(last_sqlstate, SQLSTATE_INVALID_SCHEMA_NAME) == 0 ||
	         strcmp(last_sqlstate, SQLSTATE_UNDEFINED_TABLE) == 0)
		last_exit = EXIT_UNAVAILABLE; /* not a gelombang database (yet) */
	else if (strcmp(last_sqlstate, SQLSTATE_INSUFFICIENT_PRIVILEGE) == 0)
		last_exit = EXIT_REFUSED;
	else if (strcmp(last_sqlstate, SQLSTATE_QUERY_CANCELED) == 0 && interrupted)
		last_exit = EXIT_REFUSED;
	else
		last_exit = EXIT_SOFTWARE;
}

int
db_failure_exit(void)
{
	return last_exit;
}

const char *
db_failure_sqlstate(void)
{
	return last_sqlstate;
}

const char *
db_failure_constraint(void)
{
	return last_constraint;
}

const char *
db_failure_message(void)
{
	return last_message;
}

static void
db_report(PGconn *conn, const PGresult *res, const char *what)
{
	const char *detail, *hint;

	if (quiet)
		return;
	if (strcmp(last_sqlstate, "3F000") == 0 || strcmp(last_sqlstate, "42P01") == 0) {
		log_error("%s: schema gelombang is missing: run gelombang migrate", what);
		log_detail("%s (SQLSTATE %s)", last_message, last_sqlstate);
		return;
	}
	if (strcmp(last_sqlstate, "42501") == 0) {
		log_error("%s: role \"%s\": %s", what, session_role, last_message);
		if (!session_is_batch)
			log_hint(
			    "Role \"%s\" is not a member of gelombang_batch, whose privileges the jobs "
			    "need: grant gelombang_batch to \"%s\" (README \"Roles\").",
			    session_role, session_role);
		return;
	}
	if (last_exit == EXIT_UNAVAILABLE) {
		log_error("%s: database unavailable: %s", what, last_message);
		return;
	}
	if (last_exit == EXIT_REFUSED && strcmp(last_sqlstate, SQLSTATE_QUERY_CANCELED) == 0) {
		log_error("%s: interrupted", what);
		return;
	}
	log_error("%s: %s (SQLSTATE %s)", what, last_message, last_sqlstate);
	detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	if (detail)
		log_detail("%s", detail);
	if (hint)
		log_hint("%s", hint);
	(void) conn;
}

PGresult *
db_query(PGconn *conn, const char *what, const char *sql, int n, const char *const *params)
{
	PGresult *res;
	ExecStatusType st;

	log_debug("%s", what);
	if (interrupted && !after_interrupt_ok) {
		/* the signal came between two queries: start nothing new */
		snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", SQLSTATE_QUERY_CANCELED);
		last_constraint[0] = '\0';
		snprintf(last_message, sizeof(last_message), "interrupted by a signal");
		last_exit = EXIT_REFUSED;
		db_report(conn, NULL, what);
		return NULL;
	}
	res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	db_remember_failure(conn, res);
	db_report(conn, res, what);
	PQclear(res);
	return NULL;
}

int
db_command(PGconn *conn, const char *what, const char *sql, int n, const char *const *params)
{
	PGresult *res = db_query(conn, what, sql, n, params);

	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int
db_begin(PGconn *conn)
{
	return db_command(conn, "begin", "begin", 0, NULL);
}

int
db_commit(PGconn *conn)
{
	return db_command(conn, "commit", "commit", 0, NULL);
}

void
db_rollback(PGconn *conn)
{
	PGresult *res;

	if (!conn || PQstatus(conn) != CONNECTION_OK)
		return;
	if (PQtransactionStatus(conn) == PQTRANS_IDLE)
		return;
	res = PQexec(conn, "rollback");
	PQclear(res);
}

static void
db_notice(void *arg, const char *message)
{
	(void) arg;
	log_debug("server: %.*s", (int) strcspn(message, "\n"), message);
}

int
db_connect(struct gb_ctx *ctx)
{
	const char *conninfo = ctx->db_override ? ctx->db_override : ctx->cfg.conninfo;
	char timeout[16], stmt_timeout[32];
	const char *keys[] = {"dbname", "fallback_application_name", "connect_timeout", NULL};
	const char *vals[4];
	const char *setup_params[2];
	char *masked;
	PGresult *res;

	snprintf(timeout, sizeof(timeout), "%d", ctx->cfg.connect_timeout);
	vals[0] = conninfo;
	vals[1] = ctx->cfg.application_name;
	vals[2] = timeout;
	vals[3] = NULL;
	/* a connect_timeout in the user's conninfo wins over ours */
	if (cfg_conninfo_sets(conninfo, "connect_timeout"))
		keys[2] = NULL;

	ctx->conn = PQconnectdbParams(keys, vals, 1);
	if (!ctx->conn || PQstatus(ctx->conn) != CONNECTION_OK) {
		masked = cfg_mask_conninfo(conninfo);
		log_error("could not connect to the database: %.*s",
		          (int) strcspn(PQerrorMessage(ctx->conn), "\n"),
		          PQerrorMessage(ctx->conn));
		log_detail("Connection string: \"%s\" (libpq's PG* variables apply).",
		           masked ? masked : "");
		free(masked);
		return EXIT_UNAVAILABLE;
	}
	PQsetNoticeProcessor(ctx->conn, db_notice, NULL);
	if (PQsetClientEncoding(ctx->conn, "UTF8") != 0) {
		log_error("could not set client encoding UTF8");
		return EXIT_UNAVAILABLE;
	}

	snprintf(stmt_timeout, sizeof(stmt_timeout), "%ds", ctx->cfg.statement_timeout);
	setup_params[0] = ctx->cfg.timezone;
	setup_params[1] = stmt_timeout;
	db_set_quiet(true);
	res = db_query(
	    ctx->conn, "set up session",
	    "select set_config('TimeZone', $1, false),"
	    " set_config('statement_timeout', $2, false),"
	    " set_config('client_connection_check_interval', '1s', false),"
	    " session_user, exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace"
	    "  where n.nspname = 'gelombang' and c.relname = 'wave'),"
	    " case when exists (select 1 from pg_roles where rolname = 'gelombang_batch')"
	    "  then pg_has_role(session_user, 'gelombang_batch', 'member') else false end",
	    2, setup_params);
	db_set_quiet(false);
	if (!res) {
		if (strcmp(db_failure_sqlstate(), SQLSTATE_INVALID_PARAMETER_VALUE) == 0) {
			log_error("%s: timezone: \"%s\" is not a time zone the server knows",
			          ctx->cfg.path ? ctx->cfg.path : "(defaults)", ctx->cfg.timezone);
			return EXIT_CONFIG;
		}
		log_error("could not set up the session: %s", db_failure_message());
		return db_failure_exit();
	}
	snprintf(session_role, sizeof(session_role), "%s", PQgetvalue(res, 0, 3));
	session_is_batch = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
	if (strcmp(PQgetvalue(res, 0, 4), "t") != 0 && ctx->command &&
	    strcmp(ctx->command, "migrate") != 0) {
		PQclear(res);
		log_error("schema gelombang is missing: run gelombang migrate");
		log_detail("The database \"%s\" has no table gelombang.wave.", PQdb(ctx->conn));
		return EXIT_UNAVAILABLE;
	}
	PQclear(res);

	cancel_handle = PQgetCancel(ctx->conn);
	db_install_signals();
	return 0;
}

void
db_disconnect(struct gb_ctx *ctx)
{
	PGcancel *c = cancel_handle;

	cancel_handle = NULL;
	if (c)
		PQfreeCancel(c);
	if (ctx->conn)
		PQfinish(ctx->conn);
	ctx->conn = NULL;
}
