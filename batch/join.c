/*
 * join.c — an earlier applicant joins an open wave with the data on file.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "gelombang.h"
#include "jobrun.h"
#include "log.h"
#include "sqlstate.h"

int
cmd_join(struct gb_ctx *ctx)
{
	struct job_run run;
	char w[16], msg[160];
	const char *params[4], *wave_params[2];
	PGresult *res = NULL;
	int rc;

	snprintf(w, sizeof(w), "%d", ctx->opt.wave);
	rc = jr_begin(ctx, &run, "join", ctx->opt.wave, false);
	if (rc != 0)
		return rc;
	params[0] = w;
	params[1] = ctx->opt.nik;
	params[2] = gb_now_param(ctx);
	params[3] = run.id;
	wave_params[0] = w;
	wave_params[1] = params[2];
	if (db_begin(ctx->conn) != 0 ||
	    !(res = db_query(ctx->conn, "check the wave",
	                     "select state, withdrawn_at is not null,"
	                     " closes_at <= coalesce($2::timestamptz, now()), "
	                     "gelombang.wib(closes_at)"
	                     " from gelombang.wave where wave = $1::int for share",
	                     2, wave_params))) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	if (PQntuples(res) == 0)
		snprintf(msg, sizeof(msg), "wave %s does not exist", w);
	else if (strcmp(PQgetvalue(res, 0, 0), "DIBUKA") != 0)
		snprintf(msg, sizeof(msg), "wave %s is no longer open", w);
	else if (strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		snprintf(msg, sizeof(msg), "wave %s was withdrawn", w);
	else if (strcmp(PQgetvalue(res, 0, 2), "t") == 0)
		/* SPEC §1: joined at or after closes_at is DI_LUAR_JADWAL, certainly */
		snprintf(msg, sizeof(msg), "wave %s closed for joins at %s", w,
		         PQgetvalue(res, 0, 3));
	else
		msg[0] = '\0';
	if (msg[0]) {
		log_error("could not join NIK %s to wave %s: %s", ctx->opt.nik, w, msg);
		rc = jr_fail(ctx, &run, EXIT_REFUSED, msg);
		goto cleanup;
	}
	PQclear(res);
	/* the newest registration's row is the applicant's data on file */
	res =
	    db_query(ctx->conn, "join the wave",
	             "insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,"
	             " occupation, in_school, receives_aid, region_code, phone, joined_at, run_id)"
	             " select $1::int, a.nik, a.kk, a.name, a.birth_date, a.sex, a.occupation,"
	             " a.in_school, a.receives_aid, a.region_code, a.phone,"
	             " coalesce($3::timestamptz, now()), $4::bigint"
	             " from (select * from gelombang.registration r where r.nik = $2"
	             "       order by r.wave desc limit 1) a"
	             " on conflict (wave, nik) do nothing"
	             " returning (select max(wave) from gelombang.registration r where r.nik = $2)",
	             4, params);
	if (!res) {
		if (strcmp(db_failure_sqlstate(), SQLSTATE_CHECK_VIOLATION) == 0)
			rc = jr_fail(ctx, &run, EXIT_REFUSED, "the wave is closed");
		else
			rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		res = db_query(
		    ctx->conn, "look up the applicant",
		    "select exists (select 1 from gelombang.registration where wave = $1::int and nik = $2)",
		    2, params);
		if (!res) {
			rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
			goto cleanup;
		}
		if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
			snprintf(msg, sizeof(msg), "NIK %s is already in wave %s", ctx->opt.nik, w);
			log_error("could not join: NIK %s is already in wave %s", ctx->opt.nik, w);
		} else {
			snprintf(msg, sizeof(msg), "no applicant with NIK %s", ctx->opt.nik);
			log_error(
			    "could not join NIK %s to wave %s: no earlier registration of this NIK",
			    ctx->opt.nik, w);
			log_hint("A new applicant registers through import.");
		}
		rc = jr_fail(ctx, &run, EXIT_REFUSED, msg);
		goto cleanup;
	}
	snprintf(msg, sizeof(msg), "NIK %s joined wave %s with its data on file", ctx->opt.nik, w);
	if (jr_end(ctx, &run, "SUCCEEDED", 1, msg) != 0 || db_commit(ctx->conn) != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	jr_release(ctx, &run);
	printf("%s\n", msg);
	rc = EXIT_DONE;
cleanup:
	PQclear(res);
	return rc;
}
