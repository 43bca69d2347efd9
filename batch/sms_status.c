/*
 * sms_status.c — sms status (messages per wave and delivery state, CSV)
 * and sms retry (a wave's FAILED messages back to PENDING, recorded).
 */
#include <stdio.h>
#include <stdlib.h>

#include "copyout.h"
#include "db.h"
#include "gelombang.h"
#include "jobrun.h"
#include "log.h"

static int
sms_status_row(void *arg, const char *row, size_t len)
{
	(void) arg;
	return fwrite(row, 1, len, stdout) == len ? 0 : EXIT_SOFTWARE;
}

int
cmd_sms_status(struct gb_ctx *ctx)
{
	char sql[256];

	/* COPY takes no parameters: the wave is a parsed integer (or null) */
	snprintf(sql, sizeof(sql),
	         ctx->opt.wave
	             ? "copy (select wave, state, messages from gelombang.sms_counts(%d))"
	               " to stdout with (format csv)"
	             : "copy (select wave, state, messages from gelombang.sms_counts(null))"
	               " to stdout with (format csv)",
	         ctx->opt.wave);
	if (fputs("wave,state,messages\n", stdout) == EOF)
		return EXIT_SOFTWARE;
	return copy_out(ctx->conn, "read the SMS counts", sql, sms_status_row, NULL);
}

int
cmd_sms_retry(struct gb_ctx *ctx)
{
	struct job_run run;
	char wave[16], msg[128];
	const char *params[1] = {wave};
	PGresult *res;
	long long n;
	int rc;

	snprintf(wave, sizeof(wave), "%d", ctx->opt.wave);
	if ((rc = jr_begin(ctx, &run, "sms retry", ctx->opt.wave, false)) != 0)
		return rc;
	if (db_begin(ctx->conn) != 0)
		return jr_fail(ctx, &run, db_failure_exit(), NULL);
	res = db_query(ctx->conn, "put the failed messages back",
	               "select gelombang.sms_retry($1::int)", 1, params);
	if (!res)
		return jr_fail(ctx, &run, db_failure_exit(), NULL);
	n = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	snprintf(msg, sizeof(msg), "%lld failed message%s of wave %d pending again", n,
	         n == 1 ? "" : "s", ctx->opt.wave);
	if (jr_end(ctx, &run, n ? "SUCCEEDED" : "NOTHING_TO_DO", n, msg) != 0 ||
	    db_commit(ctx->conn) != 0)
		return jr_fail(ctx, &run, db_failure_exit(), NULL);
	jr_release(ctx, &run);
	log_info("%s", msg);
	return EXIT_DONE;
}
