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

/* how far --now may be ahead of the database server's clock without
 * lifecycle.allow_simulated_clock: clocks drift, a drill does not */
#define JR_CLOCK_TOLERANCE "5 minutes"

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
	res = PQexecParams(ctx->conn, "select pg_advisory_unlock(" JR_LOCK_CLASS ", $1::int)", 1,
	                   NULL, params, NULL, NULL, 0);
	PQclear(res);
}

int
jr_record_start(struct gb_ctx *ctx, struct job_run *run)
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
	/* the session's start as this role sees it: the function, under the
	 * owner's rights, may not see it (see run_start) */
	res =
	    db_query(ctx->conn, "record the job run",
	             "select gelombang.run_start($1, $2::int, $3, $4, $5::int, $6, $7, $8,"
	             " $9::timestamptz, $10::boolean,"
	             " (select backend_start from pg_stat_activity where pid = pg_backend_pid()))",
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
		log_warning("%lld earlier run%s of %s found dead and marked so in the history", n,
		            n == 1 ? "" : "s", wave ? "this wave" : "this database");
	PQclear(res);
}

/*
 * --now is for drills and tests: a clock ahead of the real one would let a
 * job close a wave (and reveal its seed) or announce it before its time.
 * Refused, and recorded REFUSED, for every job but audit (which changes
 * no wave) unless the configuration allows it.  A clock in the past is a
 * catch-up and always accepted.
 */
static int
jr_check_clock(struct gb_ctx *ctx, struct job_run *run)
{
	const char *params[1] = {gb_now_param(ctx)};
	char msg[256];
	PGresult *res;
	bool ahead;

	if (!ctx->has_now || ctx->cfg.allow_simulated_clock || strcmp(run->job, "audit") == 0)
		return 0;
	res = db_query(ctx->conn, "compare the clock with the real one",
	               "select $1::timestamptz > now() + interval '" JR_CLOCK_TOLERANCE "',"
	               " "
	               "gelombang.wib($1::timestamptz)"
	               ", "
	               "gelombang.wib(now())",
	               1, params);
	if (!res)
		return jr_fail(ctx, run, db_failure_exit(), NULL);
	ahead = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	if (ahead)
		snprintf(msg, sizeof(msg),
		         "the clock given with --now (%s) is ahead of the real one (%s)",
		         PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	PQclear(res);
	if (!ahead)
		return 0;
	log_error("could not run %s: %s", run->job, msg);
	log_hint(
	    "--now is for drills and tests: a clock ahead of the real one is accepted only where"
	    " the configuration sets lifecycle.allow_simulated_clock = true.");
	return jr_fail(ctx, run, EXIT_REFUSED, msg);
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
		if (jr_record_start(ctx, run) == 0)
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
	rc = jr_record_start(ctx, run);
	if (rc != 0) {
		jr_unlock(ctx, wave);
		return rc;
	}
	fault_job_point(job, "started");
	return jr_check_clock(ctx, run);
}

int
jr_end(struct gb_ctx *ctx, struct job_run *run, const char *outcome, long long rows,
       const char *message)
{
	char r[24];
	const char *params[4];
	bool record_anyway = strcmp(outcome, "SUCCEEDED") != 0;
	int rc;

	if (run->id[0] == '\0' || run->finished)
		return 0;
	snprintf(r, sizeof(r), "%lld", rows);
	params[0] = run->id;
	params[1] = outcome;
	params[2] = r;
	params[3] = message;
	/* after Ctrl-C only a run that did its work is refused its end */
	db_allow_after_interrupt(record_anyway);
	rc = db_command(ctx->conn, "record the end of the job run",
	                "select gelombang.run_end($1::bigint, $2, $3::bigint, $4)", 4, params);
	db_allow_after_interrupt(false);
	if (rc != 0)
		return db_failure_exit();
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
