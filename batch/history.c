/*
 * history.c — history: every job run, oldest first (SPEC §3).
 *
 * Read only: a run without an end row is shown RUNNING while its session
 * lives and DEAD once it is gone, computed by gelombang.history_runs()
 * on the fly; marking it DEAD in the tables is left to the next run of
 * its wave (jobrun.c).
 *
 * --format csv is SPEC §3's history CSV exactly:
 *   job,wave,started_at,finished_at,operator,outcome,rows,message
 * with times in WIB as "2022-02-20 23:59:00+07" (whole seconds, the
 * offset spelled out so that spreadsheets and tools read them as the
 * instants they are); finished_at, wave and rows empty where there is
 * none.  --format text (the default) is a table for a terminal, with the
 * run's duration, the database role beside the operator ("alice
 * (gelombang_cron)"; the role is recorded by gelombang.run_start, the
 * operator is what --operator said) and the clock: "real", or "sim" and
 * the time --now gave.  The CSV keeps SPEC §3's columns: the role and the
 * clock are in the text table and in the view gelombang.history.
 * --failed keeps FAILED, INTERRUPTED, DEAD, REFUSED and BUSY runs.  Both
 * stream, so a long history costs no memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copyout.h"
#include "db.h"
#include "gelombang.h"
#include "log.h"

/* rows per FETCH of the text table */
#define HISTORY_FETCH_TEXT "1000"

/* "12.34 s", "3 min 05 s", "2 h 07 min" */
static void
format_duration(const char *seconds, bool running, char *out, size_t len)
{
	double s;
	long t;

	if (!seconds || !*seconds) {
		snprintf(out, len, "-");
		return;
	}
	s = atof(seconds);
	t = (long) s;
	if (s < 60)
		snprintf(out, len, "%.2f s", s);
	else if (s < 3600)
		snprintf(out, len, "%ld min %02ld s", t / 60, t % 60);
	else
		snprintf(out, len, "%ld h %02ld min", t / 3600, (t % 3600) / 60);
	if (running && strlen(out) + 1 < len)
		strcat(out, "+");
}

static int
history_csv(struct gb_ctx *ctx, const char *wave, const char *failed)
{
	char sql[1024];
	int rc;

	/* COPY takes no parameters: the wave is a parsed integer (or null)
	 * and failed a fixed word */
	snprintf(
	    sql, sizeof(sql),
	    "copy (select job, wave,"
	    " to_char(started_at at time zone interval '+07:00', 'YYYY-MM-DD HH24:MI:SS') || '+07',"
	    " to_char(finished_at at time zone interval '+07:00', 'YYYY-MM-DD HH24:MI:SS') || '+07',"
	    " operator, outcome, rows, message"
	    " from gelombang.history_runs(%s, %s))"
	    " to stdout with (format csv)",
	    wave ? wave : "null", failed);
	fputs("job,wave,started_at,finished_at,operator,outcome,rows,message\n", stdout);
	rc = copy_out(ctx->conn, "read the history", sql, copy_row_to_file, stdout);
	return rc;
}

static void
history_text_header(void)
{
	printf("%6s  %-13s %5s  %-19s  %12s  %-24s %-20s %-13s %10s  %s\n", "run", "job", "wave",
	       "started (WIB)", "duration", "operator (role)", "clock (WIB)", "outcome", "rows",
	       "message");
}

static void
history_text_row(PGresult *res, int i)
{
	char duration[32], who[160], clock[40];
	bool running = strcmp(PQgetvalue(res, i, 6), "RUNNING") == 0;

	format_duration(PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4), running, duration,
	                sizeof(duration));
	if (PQgetisnull(res, i, 9))
		snprintf(who, sizeof(who), "%s", PQgetvalue(res, i, 5));
	else
		snprintf(who, sizeof(who), "%s (%s)", PQgetvalue(res, i, 5), PQgetvalue(res, i, 9));
	if (PQgetisnull(res, i, 10))
		snprintf(clock, sizeof(clock), "real");
	else
		snprintf(clock, sizeof(clock), "sim %s", PQgetvalue(res, i, 10));
	printf("%6s  %-13s %5s  %-19s  %12s  %-24s %-20s %-13s %10s  %s\n", PQgetvalue(res, i, 0),
	       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), duration, who,
	       clock, PQgetvalue(res, i, 6), PQgetvalue(res, i, 7), PQgetvalue(res, i, 8));
}

static int
history_text(struct gb_ctx *ctx, const char *wave, const char *failed)
{
	const char *params[2] = {wave, failed};
	PGresult *res = NULL;
	long long shown = 0;
	int i, rc = EXIT_DONE;

	if (db_begin(ctx->conn) != 0 ||
	    db_command(
	        ctx->conn, "read the history",
	        "declare history_cursor no scroll cursor for"
	        " select id, job, coalesce(wave::text, ''),"
	        " to_char(started_at at time zone interval '+07:00', 'YYYY-MM-DD HH24:MI:SS'),"
	        " extract(epoch from case when outcome = 'RUNNING'"
	        "   then clock_timestamp() - started_at else finished_at - started_at end),"
	        " operator, outcome, coalesce(rows::text, ''),"
	        " coalesce(replace(message, e'\\n', ' '), ''), db_role,"
	        " to_char(clock at time zone interval '+07:00', 'YYYY-MM-DD HH24:MI')"
	        " from gelombang.history_runs($1::int, $2::boolean)",
	        2, params) != 0) {
		rc = db_failure_exit();
		goto cleanup;
	}
	for (;;) {
		res = db_query(ctx->conn, "read the history",
		               "fetch " HISTORY_FETCH_TEXT " from history_cursor", 0, NULL);
		if (!res) {
			rc = db_failure_exit();
			goto cleanup;
		}
		if (PQntuples(res) == 0)
			break;
		if (shown == 0)
			history_text_header();
		for (i = 0; i < PQntuples(res); i++)
			history_text_row(res, i);
		shown += PQntuples(res);
		PQclear(res);
		res = NULL;
	}
	if (shown == 0)
		printf("no %sruns%s%s\n", *failed == 't' ? "failed " : "", wave ? " of wave " : "",
		       wave ? wave : "");
cleanup:
	PQclear(res);
	db_rollback(ctx->conn);
	return rc;
}

int
cmd_history(struct gb_ctx *ctx)
{
	char w[16];
	const char *wave = NULL;
	const char *failed = ctx->opt.failed ? "true" : "false";

	if (ctx->opt.wave) {
		snprintf(w, sizeof(w), "%d", ctx->opt.wave);
		wave = w;
	}
	if (ctx->opt.format && strcmp(ctx->opt.format, "csv") == 0)
		return history_csv(ctx, wave, failed);
	return history_text(ctx, wave, failed);
}
