/*
 * migrate.c — create or upgrade the schema.
 *
 * Each migration runs in its own transaction together with the row that
 * records it, so a failed migration leaves nothing behind and a second
 * migrate changes nothing.  An advisory lock keeps two migrates apart.
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
	if (db_command(conn, "create the schema", "create schema if not exists gelombang", 0, NULL) != 0)
		return -1;
	return db_command(conn, "create the migrations table",
			  "create table if not exists gelombang.schema_migration ("
			  " version integer primary key, name text not null,"
			  " checksum text not null,"
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

int
cmd_migrate(struct gb_ctx *ctx)
{
	const struct gb_migration *m;
	int rc, applied = 0, total = 0, state;

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
			log_warning("migration %s was applied from a different text; it is not applied again",
				    m->name);
		if (state != 0)
			continue;
		if (migrate_apply(ctx->conn, m) != 0) {
			rc = db_failure_exit() == EXIT_UNAVAILABLE ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
			goto cleanup;
		}
		log_info("applied migration %s", m->name);
		applied++;
	}
	if (applied == 0)
		printf("schema is up to date (%d migrations)\n", total);
	else
		printf("applied %d of %d migrations\n", applied, total);
	rc = EXIT_DONE;
cleanup:
	jr_unlock(ctx, 0);
	return rc;
}
