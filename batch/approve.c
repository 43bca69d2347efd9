/*
 * approve.c — approve: a second person's approval of a selected wave's
 * results before the announcement (SPEC §9).
 *
 * The approval binds the SHA-256 of exactly the bytes "results --wave N"
 * prints (results_stream, the same COPY); announce compares it with the
 * results as stored then (announce_approved), so a change to any outcome
 * after the approval blocks the announcement.  Who approves is the
 * database role (session_user), not the --operator name: it must be a
 * member of gelombang_approver and not the role that ran select.  The
 * database checks the same (guards.sql, approval_guard); the checks here
 * come first so that a refusal is exit 1 with a plain message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "gelombang.h"
#include "jobrun.h"
#include "log.h"

/* the approver role must exist and the session's role be in it; no run is
 * recorded otherwise (a non-member may not write the history) */
static int
approve_member(struct gb_ctx *ctx, const char *w)
{
	PGresult *res;
	int rc = EXIT_DONE;

	res = db_query(ctx->conn, "check the approver role",
	               "select session_user, exists (select 1 from pg_roles where rolname = "
	               "'gelombang_approver')"
	               " and pg_has_role(session_user, 'gelombang_approver', 'MEMBER')",
	               0, NULL);
	if (!res)
		return db_failure_exit();
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		log_error(
		    "could not approve wave %s: role %s is not a member of gelombang_approver", w,
		    PQgetvalue(res, 0, 0));
		log_hint("An administrator grants it: GRANT gelombang_approver TO %s;",
		         PQgetvalue(res, 0, 0));
		rc = EXIT_REFUSED;
	}
	PQclear(res);
	return rc;
}

/* the wave is DISELEKSI and the session's role did not run its select */
static int
approve_check(struct gb_ctx *ctx, const char *w, char *msg, size_t len)
{
	const char *params[1] = {w};
	PGresult *res;
	int rc = EXIT_DONE;

	res = db_query(
	    ctx->conn, "check the wave",
	    "select w.state, w.state = 'DISELEKSI', session_user,"
	    " exists (select 1 from gelombang.job_run j"
	    "  join gelombang.job_run_end e on e.run_id = j.id and e.outcome = 'SUCCEEDED'"
	    "  where j.job = 'select' and j.wave = w.wave and j.db_role = session_user::text)"
	    " from gelombang.wave w where w.wave = $1::int",
	    1, params);
	if (!res)
		return db_failure_exit();
	if (PQntuples(res) == 0) {
		snprintf(msg, len, "wave %s does not exist", w);
		rc = EXIT_REFUSED;
	} else if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		snprintf(msg, len,
		         "wave %s is %s: only a selected wave (DISELEKSI) can be approved", w,
		         PQgetvalue(res, 0, 0));
		rc = EXIT_REFUSED;
	} else if (strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
		snprintf(msg, len,
		         "role %s ran the select of wave %s: another role must approve it",
		         PQgetvalue(res, 0, 2), w);
		rc = EXIT_REFUSED;
	}
	if (rc != EXIT_DONE)
		log_error("could not approve wave %s: %s", w, msg);
	PQclear(res);
	return rc;
}

int
cmd_approve(struct gb_ctx *ctx)
{
	struct job_run run;
	char w[16], digest[65], msg[512];
	const char *params[4];
	PGresult *res = NULL;
	int rc;

	snprintf(w, sizeof(w), "%d", ctx->opt.wave);
	rc = approve_member(ctx, w);
	if (rc != 0)
		return rc;
	rc = jr_begin(ctx, &run, "approve", ctx->opt.wave, false);
	if (rc != 0)
		return rc;
	if (db_begin(ctx->conn) != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	if ((rc = approve_check(ctx, w, msg, sizeof(msg))) != 0) {
		rc = jr_fail(ctx, &run, rc, msg);
		goto cleanup;
	}
	if ((rc = results_stream(ctx, ctx->opt.wave, NULL, digest)) != 0) {
		rc = jr_fail(ctx, &run, rc, "could not read the results");
		goto cleanup;
	}
	params[0] = w;
	params[1] = ctx->opt.note;
	params[2] = digest;
	params[3] = run.id;
	res = db_query(ctx->conn, "record the approval",
	               "insert into gelombang.approval (wave, note, results_digest, run_id)"
	               " values ($1::int, $2, $3, $4::bigint)"
	               " returning approved_by, "
	               "gelombang.wib(approved_at)",
	               4, params);
	if (!res) {
		/* approval_guard: the wave or the role changed since the check */
		rc = db_failure_exit();
		if (strcmp(db_failure_sqlstate(), "42501") == 0 ||
		    strcmp(db_failure_sqlstate(), "55000") == 0)
			rc = EXIT_REFUSED;
		rc = jr_fail(ctx, &run, rc, NULL);
		goto cleanup;
	}
	snprintf(msg, sizeof(msg), "wave %s approved by %s at %s: results digest %s%s%s", w,
	         PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), digest,
	         ctx->opt.note ? "; note: " : "", ctx->opt.note ? ctx->opt.note : "");
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

/*
 * For announce (job.c): with lifecycle.require_approval, an approval of
 * the wave whose digest is that of the results as stored now.  Inside the
 * announce's transaction, after the wave row is locked.
 */
int
announce_approved(struct gb_ctx *ctx, const char *w, char *msg, size_t len)
{
	char digest[65];
	const char *params[2] = {w, digest};
	PGresult *res;
	int rc;

	if (!ctx->cfg.require_approval)
		return EXIT_DONE;
	rc = results_stream(ctx, atoi(w), NULL, digest);
	if (rc != 0)
		return rc;
	res = db_query(ctx->conn, "check the approval",
	               "select count(*), count(*) filter (where results_digest = $2)"
	               " from gelombang.approval where wave = $1::int",
	               2, params);
	if (!res)
		return db_failure_exit();
	rc = EXIT_DONE;
	if (strcmp(PQgetvalue(res, 0, 1), "0") == 0) {
		if (strcmp(PQgetvalue(res, 0, 0), "0") == 0)
			snprintf(msg, len,
			         "not approved: wave %s waits for approval (gelombang approve "
			         "--wave %s)",
			         w, w);
		else
			snprintf(msg, len,
			         "not approved: the results of wave %s changed after their approval"
			         " (digest now %s)",
			         w, digest);
		log_error("could not announce wave %s: %s", w, msg);
		rc = EXIT_REFUSED;
	}
	PQclear(res);
	return rc;
}
