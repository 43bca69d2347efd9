/*
 * revoke.c — revoke: the end of the thirty days (SPEC §10), a job of the
 * same engine as close, process, select and announce (job.c: the wave's
 * lock, the history, --dry-run, due at revoke_at, idempotent); and the
 * reminder SMS some days before revoke_at.
 *
 * revoke writes one row per revoked participant into gelombang.revoked
 * and moves the wave to SELESAI, in one transaction with its SUCCEEDED
 * history row; the participants themselves are never changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fault.h"
#include "gelombang.h"
#include "job.h"
#include "jobrun.h"
#include "log.h"

/* {nama} {gelombang} {kartu} {batas} (the deadline, WIB) */
#define REMIND_TEMPLATE                                                                            \
	"Halo {nama}, Anda belum membeli pelatihan pertama Kartu Prakerja Gelombang "              \
	"{gelombang} (kartu {kartu}). Batas pembelian: {batas}. Setelah itu kepesertaan "          \
	"Anda dicabut."

static int
revoke_work(struct gb_ctx *ctx, struct job_run *run, const char *w, long long *rows, char *msg,
            size_t len)
{
	const char *params[2] = {w, gb_now_param(ctx)};
	PGresult *res;

	(void) run;
	res = db_query(ctx->conn, "revoke the wave",
	               "select r.participants, r.revoked, r.trained, gelombang.wib(w.revoke_at)"
	               " from gelombang.revoke_wave($1::int, coalesce($2::timestamptz, now())) r,"
	               " gelombang.wave w where w.wave = $1::int",
	               2, params);
	if (!res)
		return db_failure_exit();
	fault_job_point("revoke", "revoked");
	*rows = atoll(PQgetvalue(res, 0, 1));
	snprintf(msg, len,
	         "wave %s revoked: %s participants, %s with a first training by %s, %lld DICABUT",
	         w, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3), *rows);
	PQclear(res);
	return 0;
}

const struct job_def job_revoke = {"revoke",    "DIUMUMKAN", "SELESAI",   "announce",
                                   "revoke_at", NULL,        revoke_work, NULL};

int
cmd_revoke(struct gb_ctx *ctx)
{
	bool advanced;

	return job_execute(ctx, &job_revoke, ctx->opt.wave, false, &advanced);
}

/* reminder ------------------------------------------------------------------ */

int
remind_if_due(struct gb_ctx *ctx, int wave, bool from_run_due, bool *queued)
{
	struct job_run run;
	char w[16], days[16], msg[256];
	const char *params[5];
	PGresult *res = NULL;
	int rc;

	*queued = false;
	if (ctx->cfg.reminder_days_before == 0)
		return EXIT_DONE;
	snprintf(w, sizeof(w), "%d", wave);
	snprintf(days, sizeof(days), "%d", ctx->cfg.reminder_days_before);
	params[0] = w;
	params[1] = gb_now_param(ctx);
	params[2] = days;
	/* due: inside the window, and not done yet (a cheap look before the
	 * lock; queue_reminders itself never queues a reminder twice) */
	res = db_query(
	    ctx->conn, "check the reminder",
	    "select 1 from gelombang.wave w where w.wave = $1::int and w.state = 'DIUMUMKAN'"
	    " and coalesce($2::timestamptz, now()) >= w.revoke_at - make_interval(days => $3::int)"
	    " and coalesce($2::timestamptz, now()) < w.revoke_at"
	    " and not exists (select 1 from gelombang.job_run j"
	    "  join gelombang.job_run_end e on e.run_id = j.id and e.outcome = 'SUCCEEDED'"
	    "  where j.job = 'remind' and j.wave = w.wave)",
	    3, params);
	if (!res)
		return db_failure_exit();
	rc = PQntuples(res);
	PQclear(res);
	res = NULL;
	if (rc == 0)
		return EXIT_DONE;
	rc = jr_begin(ctx, &run, "remind", wave, ctx->opt.dry_run);
	if (rc != 0)
		return rc;
	params[3] = REMIND_TEMPLATE;
	params[4] = run.id;
	if (db_begin(ctx->conn) != 0 ||
	    !(res = db_query(
	          ctx->conn, "queue the reminders",
	          "select gelombang.queue_reminders($1::int, coalesce($2::timestamptz, now()),"
	          " $3::int, $4, $5::bigint)",
	          5, params))) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	fault_job_point("remind", "queued");
	snprintf(msg, sizeof(msg), "%swave %s: %s reminder SMS queued (%s days before revoke_at)",
	         ctx->opt.dry_run ? "dry run: " : "", w, PQgetvalue(res, 0, 0), days);
	if (ctx->opt.dry_run) {
		db_rollback(ctx->conn);
		rc = jr_end(ctx, &run, "DRY_RUN", atoll(PQgetvalue(res, 0, 0)), msg);
	} else {
		rc = jr_end(ctx, &run, "SUCCEEDED", atoll(PQgetvalue(res, 0, 0)), msg);
		if (rc == 0)
			rc = db_commit(ctx->conn);
	}
	if (rc != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	jr_release(ctx, &run);
	*queued = !ctx->opt.dry_run;
	if (from_run_due)
		log_info("%s", msg);
	else
		printf("%s\n", msg);
	rc = EXIT_DONE;
cleanup:
	PQclear(res);
	return rc;
}
