/*
 * migrate.c — create or upgrade the schema.
 *
 * Two kinds of SQL, as Flyway's versioned and repeatable migrations:
 *   - numbered migrations (sql/migrations/) change data: types, tables,
 *     indexes, data moves.  Each runs once, in its own transaction together
 *     with the row that records it and its checksum.
 *   - code files of sql/ hold every function, view, trigger and grant,
 *     current, written to be applied again.  After the migrations, the code
 *     files are applied in their fixed order from the first one whose
 *     checksum differs from the one recorded (a later file may depend on
 *     an earlier one: views on functions, grants on everything), and from
 *     the first file whenever a migration was applied (it may have dropped
 *     what a code file defines).  All of them in one transaction with
 *     their records.
 * A failure leaves nothing behind and a second migrate changes nothing.
 * An advisory lock keeps two migrates apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "gelombang.h"
#include "jobrun.h"
#include "log.h"
#include "migrations.h"

static int
migrate_bootstrap(PGconn *conn)
{
	if (db_command(conn, "create the schema", "create schema if not exists gelombang", 0,
	               NULL) != 0)
		return -1;
	if (db_command(conn, "create the migrations table",
	               "create table if not exists gelombang.schema_migration ("
	               " version integer primary key, name text not null,"
	               " checksum text not null,"
	               " applied_at timestamptz not null default now(),"
	               " applied_by text not null default current_user)",
	               0, NULL) != 0)
		return -1;
	return db_command(conn, "create the code table",
	                  "create table if not exists gelombang.schema_code ("
	                  " name text primary key, checksum text not null,"
	                  " applied_at timestamptz not null default now(),"
	                  " applied_by text not null default current_user)",
	                  0, NULL);
}

/* 1 applied with the same text, 2 applied with a different text, 0 not
 * applied, -1 failure */
static int
migrate_applied(PGconn *conn, const struct gb_migration *m)
{
	char v[16];
	const char *params[2] = {v, m->sql};
	PGresult *res;
	int state;

	snprintf(v, sizeof(v), "%d", m->version);
	res = db_query(conn, "read the migrations table",
	               "select checksum = encode(sha256(convert_to($2, 'UTF8')), 'hex')"
	               " from gelombang.schema_migration where version = $1::int",
	               2, params);
	if (!res)
		return -1;
	if (PQntuples(res) == 0)
		state = 0;
	else
		state = strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? 1 : 2;
	PQclear(res);
	return state;
}

static int
migrate_apply(PGconn *conn, const struct gb_migration *m)
{
	char v[16];
	const char *params[3] = {v, m->name, m->sql};
	PGresult *res;

	snprintf(v, sizeof(v), "%d", m->version);
	if (db_begin(conn) != 0)
		return -1;
	/* a migration is a script of several statements: the simple-query
	 * protocol runs them in order; it carries no parameters */
	res = PQexec(conn, m->sql);
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_error("could not apply migration %s: %s", m->name,
		          res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
		PQclear(res);
		db_rollback(conn);
		return -1;
	}
	PQclear(res);
	if (db_command(conn, "record the migration",
	               "insert into gelombang.schema_migration (version, name, checksum)"
	               " values ($1::int, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'))",
	               3, params) != 0 ||
	    db_commit(conn) != 0) {
		db_rollback(conn);
		return -1;
	}
	return 0;
}

/* index of the first code file whose recorded checksum differs (or that
 * was never applied), the number of files when none does, -1 on failure */
static int
code_first_changed(PGconn *conn)
{
	const struct gb_code_file *f;
	const char *params[2];
	PGresult *res;
	int i;

	for (i = 0, f = gb_code; f->name; f++, i++) {
		params[0] = f->name;
		params[1] = f->sql;
		res = db_query(conn, "read the code table",
		               "select 1 from gelombang.schema_code where name = $1"
		               " and checksum = encode(sha256(convert_to($2, 'UTF8')), 'hex')",
		               2, params);
		if (!res)
			return -1;
		if (PQntuples(res) == 0) {
			PQclear(res);
			return i;
		}
		PQclear(res);
	}
	return i;
}

static int
code_apply(PGconn *conn, const struct gb_code_file *f)
{
	const char *params[2] = {f->name, f->sql};
	PGresult *res;

	/* a script of several statements, run by the simple-query protocol */
	res = PQexec(conn, f->sql);
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_error("could not apply %s: %s", f->name,
		          res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return db_command(conn, "record the code file",
	                  "insert into gelombang.schema_code (name, checksum)"
	                  " values ($1, encode(sha256(convert_to($2, 'UTF8')), 'hex'))"
	                  " on conflict (name) do update set checksum = excluded.checksum,"
	                  " applied_at = now(), applied_by = current_user",
	                  2, params);
}

/* apply the code files from the first changed one (from the first when
 * from_start); the number applied, or -1 */
static int
code_update(PGconn *conn, bool from_start)
{
	const struct gb_code_file *f;
	int first, i, n = 0;

	if (db_begin(conn) != 0)
		return -1;
	first = from_start ? 0 : code_first_changed(conn);
	if (first < 0)
		goto fail;
	for (i = 0, f = gb_code; f->name; f++, i++) {
		if (i < first)
			continue;
		if (code_apply(conn, f) != 0)
			goto fail;
		log_info("applied %s", f->name);
		n++;
	}
	if (db_commit(conn) != 0)
		goto fail;
	return n;
fail:
	db_rollback(conn);
	return -1;
}

int
cmd_migrate(struct gb_ctx *ctx)
{
	const struct gb_migration *m;
	int rc, applied = 0, total = 0, state, code;

	rc = jr_lock(ctx, 0);
	if (rc == EXIT_BUSY) {
		log_error("could not migrate: another migrate or wave creation is running");
		return rc;
	}
	if (rc != 0)
		return rc;
	if (migrate_bootstrap(ctx->conn) != 0) {
		rc = db_failure_exit();
		goto cleanup;
	}
	for (m = gb_migrations; m->name; m++) {
		total++;
		state = migrate_applied(ctx->conn, m);
		if (state < 0) {
			rc = db_failure_exit();
			goto cleanup;
		}
		if (state == 2)
			log_warning(
			    "migration %s was applied from a different text; it is not applied again",
			    m->name);
		if (state != 0)
			continue;
		if (migrate_apply(ctx->conn, m) != 0) {
			rc = db_failure_exit() == EXIT_UNAVAILABLE ? EXIT_UNAVAILABLE
			                                           : EXIT_SOFTWARE;
			goto cleanup;
		}
		log_info("applied migration %s", m->name);
		applied++;
	}
	code = code_update(ctx->conn, applied > 0);
	if (code < 0) {
		rc = db_failure_exit() == EXIT_UNAVAILABLE ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
		goto cleanup;
	}
	if (applied == 0 && code == 0)
		printf("schema is up to date (%d migrations)\n", total);
	else
		printf("applied %d of %d migrations, %d code file%s\n", applied, total, code,
		       code == 1 ? "" : "s");
	rc = EXIT_DONE;
cleanup:
	jr_unlock(ctx, 0);
	return rc;
}
