/*
 * jobrun.c — see jobrun.h.
 */
#include "jobrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "fault.h"
#include "log.h"

/* 'gelb': the first key of every advisory lock this program takes */
#define JR_LOCK_CLASS "1734700130"

int
jr_lock(struct gb_ctx *ctx, int wave)
{
	char w[16];
	const char *params[1] = {w};
	PGresult *res;
	bool got;

	snprintf(w, sizeof(w), "%d", wave);
	res = db_query(ctx->conn, "take the wave lock",
		       "select pg_try_advisory_lock(" JR_LOCK_CLASS ", $1::int)", 1, params);
	if (!res)
		return db_failure_exit();
	got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return got ? 0 : EXIT_BUSY;
}

void
jr_unlock(struct gb_ctx *ctx, int wave)
{
	char w[16];
	const char *params[1] = {w};
	PGresult *res;

	if (!ctx->conn || PQstatus(ctx->conn) != CONNECTION_OK)
		return;
	snprintf(w, sizeof(w), "%d", wave);
	res = PQexecParams(ctx->conn, "select pg_advisory_unlock(" JR_LOCK_CLASS ", $1::int)",
			   1, NULL, params, NULL, NULL, 0);
	PQclear(res);
}

int
jr_insert_start(struct gb_ctx *ctx, struct job_run *run)
{
	char w[16], host[256] = "", pid[16];
	const char *params[10];
	PGresult *res;

	snprintf(w, sizeof(w), "%d", run->wave);
	snprintf(pid, sizeof(pid), "%d", (int) getpid());
	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	params[0] = run->job;
	params[1] = run->wave ? w : NULL;
	params[2] = ctx->operator;
	params[3] = host;
	params[4] = pid;
	params[5] = ctx->command_line;
	params[6] = ctx->config_digest;
	params[7] = GELOMBANG_VERSION;
	params[8] = gb_now_param(ctx);
	params[9] = run->dry_run ? "t" : "f";
	res = db_query(ctx->conn, "record the job run",
		       "insert into gelombang.job_run (job, wave, operator, host, client_pid,"
		       " backend_start, command_line, config_digest, version, now_override, dry_run)"
		       " values ($1, $2::int, $3, $4, $5::int,"
		       " (select backend_start from pg_stat_activity where pid = pg_backend_pid()),"
		       " $6, $7, $8, $9::timestamptz, $10::boolean) returning id",
		       10, params);
	if (!res)
		return db_failure_exit();
	snprintf(run->id, sizeof(run->id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

static void
jr_mark_dead(struct gb_ctx *ctx, int wave)
{
	char w[16];
	const char *params[1] = {w};
	PGresult *res;
	long long n;

	snprintf(w, sizeof(w), "%d", wave);
	res = db_query(ctx->conn, "look for dead runs",
		       "select gelombang.mark_dead_runs(nullif($1::int, 0))", 1, params);
	if (!res)
		return;
	n = atoll(PQgetvalue(res, 0, 0));
	if (n > 0)
		log_warning("%lld earlier run%s of %s found dead and marked so in the history",
			    n, n == 1 ? "" : "s", wave ? "this wave" : "this database");
	PQclear(res);
}

int
jr_begin(struct gb_ctx *ctx, struct job_run *run, const char *job, int wave, bool dry_run)
{
	int rc;

	memset(run, 0, sizeof(*run));
	run->job = job;
	run->wave = wave;
	run->dry_run = dry_run;

	rc = jr_lock(ctx, wave);
	if (rc == EXIT_BUSY) {
		if (jr_insert_start(ctx, run) == 0)
			jr_end(ctx, run, "BUSY", 0, "another run holds the lock");
		log_error("could not %s wave %d: another run holds the wave's lock", job, wave);
		log_hint("Try again later; \"gelombang history --wave %d\" shows the runs.", wave);
		return EXIT_BUSY;
	}
	if (rc != 0)
		return rc;
	fault_job_point(job, "locked");
	jr_mark_dead(ctx, wave);
	fault_job_point(job, "dead-marked");
	rc = jr_insert_start(ctx, run);
	if (rc != 0)
		jr_unlock(ctx, wave);
	else
		fault_job_point(job, "started");
	return rc;
}

int
jr_end(struct gb_ctx *ctx, struct job_run *run, const char *outcome, long long rows,
       const char *message)
{
	char r[24];
	const char *params[5];
	char w[16];

	if (run->id[0] == '\0' || run->finished)
		return 0;
	snprintf(r, sizeof(r), "%lld", rows);
	snprintf(w, sizeof(w), "%d", run->wave);
	params[0] = run->id;
	params[1] = run->job;
	params[2] = run->wave ? w : NULL;
	params[3] = outcome;
	params[4] = r;
	{
		const char *p6[6] = {params[0], params[1], params[2], params[3], params[4], message};
		/* after Ctrl-C only a run that did its work is refused its end */
		bool record_anyway = strcmp(outcome, "SUCCEEDED") != 0;
		int rc;

		db_allow_after_interrupt(record_anyway);
		rc = db_command(ctx->conn, "record the end of the job run",
				"insert into gelombang.job_run_end (run_id, job, wave, outcome, rows, message)"
				" values ($1::bigint, $2, $3::int, $4, $5::bigint, $6)",
				6, p6);
		db_allow_after_interrupt(false);
		if (rc != 0)
			return db_failure_exit();
	}
	run->finished = true;
	return 0;
}

int
jr_fail(struct gb_ctx *ctx, struct job_run *run, int exit_code, const char *message)
{
	const char *outcome = db_interrupted() ? "INTERRUPTED" : "FAILED";
	char msg[600];

	db_rollback(ctx->conn);
	if (exit_code == EXIT_REFUSED && !db_interrupted())
		outcome = "REFUSED";
	snprintf(msg, sizeof(msg), "%s", message ? message : db_failure_message());
	if (ctx->conn && PQstatus(ctx->conn) == CONNECTION_OK) {
		db_set_quiet(true);
		(void) jr_end(ctx, run, outcome, 0, msg);
		db_set_quiet(false);
	}
	jr_release(ctx, run);
	return exit_code;
}

void
jr_release(struct gb_ctx *ctx, struct job_run *run)
{
	if (run->job == NULL)
		return;
	jr_unlock(ctx, run->wave);
	run->job = NULL;
}
