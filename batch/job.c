/*
 * job.c — see job.h.
 */
#include "job.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "fault.h"
#include "log.h"

static void job_say(bool to_log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
job_say(bool to_log, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (to_log)
		log_info("%s", buf);
	else
		printf("%s\n", buf);
}

/* End a run that did not do its work: roll back, record, release. */
static int
job_stop(struct gb_ctx *ctx, struct job_run *run, const char *outcome, int rc, const char *msg)
{
	if (db_interrupted())
		return jr_fail(ctx, run, EXIT_REFUSED, "interrupted");
	db_rollback(ctx->conn);
	if (jr_end(ctx, run, outcome, 0, msg) != 0)
		rc = db_failure_exit();
	jr_release(ctx, run);
	return rc;
}

/* select --dry-run: the outcomes the selection would store, counted per
 * status and reason, computed in a read-only transaction; the counts are
 * appended to msg for the history.  0 or the exit code. */
static int
select_preview(struct gb_ctx *ctx, const char *w, bool to_log, char *msg, size_t len)
{
	const char *params[1] = {w};
	PGresult *res;
	size_t used = strlen(msg);
	int i;

	if (db_command(ctx->conn, "begin", "begin transaction read only", 0, NULL) != 0)
		return db_failure_exit();
	res = db_query(
	    ctx->conn, "compute the selection",
	    "select case when s.reason is null then 'LOLOS' else 'TIDAK_LOLOS' end,"
	    " coalesce(s.reason::text, ''), count(*)"
	    " from gelombang.selection($1::int) s group by s.reason order by s.reason nulls first",
	    1, params);
	db_rollback(ctx->conn);
	if (!res)
		return db_failure_exit();
	job_say(to_log, "%-12s %-24s %10s", "status", "reason", "entries");
	for (i = 0; i < PQntuples(res); i++) {
		job_say(to_log, "%-12s %-24s %10s", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		        PQgetvalue(res, i, 2));
		if (used < len)
			used += (size_t) snprintf(
			    msg + used, len - used, "%s %s%s%s", i ? "," : ":",
			    PQgetvalue(res, i, 1)[0] ? PQgetvalue(res, i, 1) : "LOLOS", "=",
			    PQgetvalue(res, i, 2));
	}
	PQclear(res);
	return 0;
}

int
job_execute(struct gb_ctx *ctx, const struct job_def *def, int wave, bool from_run_due,
            bool *advanced)
{
	struct job_run run;
	char w[16], msg[512], sql[1024];
	const char *params[5], *due;
	PGresult *res = NULL;
	long long rows = 0;
	int rc;
	bool dry = ctx->opt.dry_run;

	*advanced = false;
	snprintf(w, sizeof(w), "%d", wave);
	rc = jr_begin(ctx, &run, def->name, wave, dry);
	if (rc != 0)
		return rc;

	params[0] = w;
	params[1] = def->from;
	params[2] = def->to;
	params[3] = gb_now_param(ctx);
	params[4] = dry ? "true" : "false";
	/* the due column is one of two fixed names, never input */
	due = def->due_column ? def->due_column : "'-infinity'::timestamptz";
	snprintf(
	    sql, sizeof(sql),
	    "select state, state >= $3::gelombang.wave_state, state < $2::gelombang.wave_state,"
	    " %s <= coalesce($4::timestamptz, now()), gelombang.wib(%s),"
	    /* the count close took; before that (and for a wave closed
	     * before close kept it) count now, except for a close that
	     * will: it counts in its own pass (close_wave) */
	    " coalesce(w.entries, (select count(*) from gelombang.registration r"
	    "  where r.wave = w.wave and (w.state > 'DIBUKA' or $5::boolean))),"
	    " w.withdrawn_at is not null"
	    " from gelombang.wave w where wave = $1::int for update",
	    due, due);
	if (db_begin(ctx->conn) != 0 ||
	    !(res = db_query(ctx->conn, "read the wave", sql, 5, params))) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	fault_job_point(def->name, "state-read");
	if (PQntuples(res) == 0) {
		log_error("could not %s wave %s: the wave does not exist", def->name, w);
		rc = job_stop(ctx, &run, "REFUSED", EXIT_REFUSED, "the wave does not exist");
		goto cleanup;
	}
	if (strcmp(PQgetvalue(res, 0, 6), "t") == 0) {
		snprintf(msg, sizeof(msg), "wave %s was withdrawn", w);
		log_error("could not %s wave %s: it was withdrawn", def->name, w);
		rc = job_stop(ctx, &run, "REFUSED", EXIT_REFUSED, msg);
		goto cleanup;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
		snprintf(msg, sizeof(msg), "wave %s is already %s: nothing to do", w,
		         PQgetvalue(res, 0, 0));
		job_say(from_run_due, "%s", msg);
		rc = job_stop(ctx, &run, "NOTHING_TO_DO", EXIT_DONE, msg);
		goto cleanup;
	}
	if (strcmp(PQgetvalue(res, 0, 2), "t") == 0) {
		snprintf(msg, sizeof(msg), "wave %s is %s: run %s first", w, PQgetvalue(res, 0, 0),
		         def->before);
		log_error("could not %s wave %s: it is %s", def->name, w, PQgetvalue(res, 0, 0));
		log_hint("Run \"gelombang %s --wave %s\" first.", def->before, w);
		rc = job_stop(ctx, &run, "REFUSED", EXIT_REFUSED, msg);
		goto cleanup;
	}
	if (strcmp(PQgetvalue(res, 0, 3), "t") != 0) {
		snprintf(msg, sizeof(msg), "not yet due: wave %s %s at %s", w,
		         strcmp(def->name, "close") == 0    ? "closes"
		         : strcmp(def->name, "revoke") == 0 ? "is revoked"
		                                            : "is announced",
		         PQgetvalue(res, 0, 4));
		log_error("could not %s wave %s: %s", def->name, w, msg);
		rc = job_stop(ctx, &run, "REFUSED", EXIT_REFUSED, msg);
		goto cleanup;
	}
	rows = atoll(PQgetvalue(res, 0, 5));
	if (def->check && (rc = def->check(ctx, w, msg, sizeof(msg))) != 0) {
		rc = job_stop(ctx, &run, rc == EXIT_REFUSED ? "REFUSED" : "FAILED", rc, msg);
		goto cleanup;
	}
	if (dry) {
		snprintf(msg, sizeof(msg),
		         "dry run: would %s wave %s (%lld entries), from %s to %s", def->name, w,
		         rows, def->from, def->to);
		job_say(from_run_due, "%s", msg);
		db_rollback(ctx->conn);
		if (def == &job_select &&
		    (rc = select_preview(ctx, w, from_run_due, msg, sizeof(msg))) != 0) {
			rc = jr_fail(ctx, &run, rc, NULL);
			goto cleanup;
		}
		if (jr_end(ctx, &run, "DRY_RUN", rows, msg) != 0)
			rc = db_failure_exit();
		jr_release(ctx, &run);
		goto cleanup;
	}
	msg[0] = '\0';
	fault_job_point(def->name, "before-work");
	rc = def->work(ctx, &run, w, &rows, msg, sizeof(msg));
	if (rc != 0) {
		rc = jr_fail(ctx, &run, rc, msg[0] ? msg : NULL);
		goto cleanup;
	}
	fault_job_point(def->name, "after-work");
	if (jr_end(ctx, &run, "SUCCEEDED", rows, msg) != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	fault_job_point(def->name, "end-row");
	if (db_commit(ctx->conn) != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	fault_job_point(def->name, "committed");
	jr_release(ctx, &run);
	fault_job_point(def->name, "released");
	*advanced = true;
	job_say(from_run_due, "%s", msg);
	rc = def->after ? def->after(ctx, w) : EXIT_DONE;
cleanup:
	PQclear(res);
	return rc;
}

/* close ---------------------------------------------------------------------- */

static int
close_work(struct gb_ctx *ctx, struct job_run *run, const char *w, long long *rows, char *msg,
           size_t len)
{
	const char *params[2] = {w, gb_now_param(ctx)};
	PGresult *res;

	(void) run;
	/* close_wave alters the partition: on its own, as ALTER TABLE
	 * refuses while this session reads the table */
	res = db_query(ctx->conn, "read the closed wave",
	               "select entries, outside, seed from gelombang.close_wave($1::int,"
	               " coalesce($2::timestamptz, now()))",
	               2, params);
	if (!res)
		return db_failure_exit();
	fault_job_point("close", "wave-closed");
	*rows = atoll(PQgetvalue(res, 0, 0));
	snprintf(msg, len,
	         "wave %s closed: %lld entries (%s outside the wave's hours); seed revealed: %s", w,
	         *rows, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	PQclear(res);
	return 0;
}

/* process -------------------------------------------------------------------- */

/* SPEC §2: process waits until every earlier wave is selected, so that its
 * participants are final. */
static int
process_check(struct gb_ctx *ctx, const char *w, char *msg, size_t len)
{
	const char *params[1] = {w};
	PGresult *res;
	int rc = 0;

	/* the rules frozen now decide the wave: never the built-in defaults
	 * by accident (a run from another directory, a cron job without
	 * $GELOMBANG_CONFIG) */
	if (!ctx->cfg.path && !ctx->use_defaults) {
		snprintf(msg, len,
		         "no configuration file was read: the built-in defaults are not frozen"
		         " without --defaults");
		log_error("could not process wave %s: no configuration file was read (%s)", w,
		          ctx->config_path ? ctx->config_path : "none");
		log_hint(
		    "Give the configuration with -c FILE or $GELOMBANG_CONFIG, or --defaults to "
		    "freeze the built-in defaults.");
		return EXIT_CONFIG;
	}
	/* a withdrawn wave is never selected: it does not hold later waves */
	res = db_query(ctx->conn, "check the earlier waves",
	               "select wave, state from gelombang.wave"
	               " where wave < $1::int and state < 'DISELEKSI' and withdrawn_at is null"
	               " order by wave limit 1",
	               1, params);
	if (!res)
		return db_failure_exit();
	if (PQntuples(res) > 0) {
		snprintf(msg, len, "earlier wave %s is %s: select wave %s first",
		         PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0));
		log_error("could not process wave %s: earlier wave %s is not selected yet (%s)", w,
		          PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		log_hint("Its participants must be final first: select wave %s.",
		         PQgetvalue(res, 0, 0));
		rc = EXIT_REFUSED;
	} else
		fault_job_point("process", "checked");
	PQclear(res);
	return rc;
}

static int
process_work(struct gb_ctx *ctx, struct job_run *run, const char *w, long long *rows, char *msg,
             size_t len)
{
	const char *params[4] = {w, ctx->rules_json, ctx->config_digest, gb_now_param(ctx)};
	PGresult *res;

	(void) run;
	if (db_command(ctx->conn, "analyse the wave", "select gelombang.analyze_wave($1::int)", 1,
	               params) != 0)
		return db_failure_exit();
	res = db_query(ctx->conn, "freeze the wave's inputs",
	               "select gelombang.freeze_inputs($1::int, $2::jsonb, $3,"
	               " coalesce($4::timestamptz, now())),"
	               " (select count(*) from gelombang.frozen_prior where wave = $1::int),"
	               " (select count(*) from gelombang.frozen_kk_prior where wave = $1::int)",
	               4, params);
	if (!res)
		return db_failure_exit();
	fault_job_point("process", "frozen");
	*rows = atoll(PQgetvalue(res, 0, 0));
	snprintf(
	    msg, len,
	    "wave %s processed: %lld entries marked SEDANG_DIPROSES; frozen: the rules"
	    " (digest %.12s), %s earlier participants, %s family cards with earlier participants",
	    w, *rows, ctx->config_digest, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	PQclear(res);
	return 0;
}

/* select --------------------------------------------------------------------- */

static int
select_work(struct gb_ctx *ctx, struct job_run *run, const char *w, long long *rows, char *msg,
            size_t len)
{
	const char *params[2] = {w, gb_now_param(ctx)};
	PGresult *res;

	(void) run;
	/* Committed on its own, so the dashboard shows "Dalam Proses Seleksi"
	 * while the selection runs; the lock keeps the wave ours meanwhile. */
	if (db_command(ctx->conn, "mark the selection as running",
	               "update gelombang.wave set selection_started_at ="
	               " coalesce(selection_started_at, coalesce($2::timestamptz, now()))"
	               " where wave = $1::int",
	               2, params) != 0)
		return db_failure_exit();
	fault_job_point("select", "selection-marked");
	if (db_commit(ctx->conn) != 0 || db_begin(ctx->conn) != 0)
		return db_failure_exit();
	fault_job_point("select", "selection-started");
	if (progress_active())
		log_info("selecting wave %s ...", w);
	/* what process froze has not been analysed yet */
	if (db_command(ctx->conn, "analyse what process froze", "select gelombang.analyze_frozen()",
	               0, NULL) != 0)
		return db_failure_exit();
	res = db_query(ctx->conn, "select the wave", "select gelombang.store_selection($1::int)", 1,
	               params);
	if (!res)
		return db_failure_exit();
	*rows = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	fault_job_point("select", "stored");
	res = db_query(
	    ctx->conn, "finish the selection",
	    "update gelombang.wave set state = 'DISELEKSI',"
	    " selected_at = coalesce($2::timestamptz, now()) where wave = $1::int"
	    " returning (select count(*) from gelombang.participant p where p.wave = $1::int)",
	    2, params);
	if (!res)
		return db_failure_exit();
	fault_job_point("select", "state-set");
	snprintf(
	    msg, len,
	    "wave %s selected: %lld entries, %s LOLOS, %lld TIDAK_LOLOS (embargoed until announce)",
	    w, *rows, PQgetvalue(res, 0, 0), *rows - atoll(PQgetvalue(res, 0, 0)));
	PQclear(res);
	return 0;
}

/* announce ------------------------------------------------------------------- */

static int
announce_work(struct gb_ctx *ctx, struct job_run *run, const char *w, long long *rows, char *msg,
              size_t len)
{
	char days[16];
	const char *params[5];
	PGresult *res;

	(void) run;
	/* A commit record written under remote_apply asks every standby to
	 * report its replay at once, instead of at its next status message
	 * (wal_receiver_status_interval, 10 s): announce_wait_standbys below
	 * sees it sooner.  With synchronous_standby_names set, the commit also
	 * waits for those standbys to apply it. */
	if (db_command(ctx->conn, "ask standbys for prompt replay reports",
	               "select set_config('synchronous_commit', 'remote_apply', true)", 0,
	               NULL) != 0)
		return db_failure_exit();
	snprintf(days, sizeof(days), "%d", ctx->cfg.sms_window_days);
	params[0] = w;
	params[1] = gb_now_param(ctx);
	params[2] = ctx->cfg.sms_lolos;
	params[3] = ctx->cfg.sms_tidak_lolos;
	params[4] = days;
	res = db_query(
	    ctx->conn, "announce the wave",
	    "update gelombang.wave set state = 'DIUMUMKAN',"
	    " announced_at = coalesce($2::timestamptz, now()),"
	    " sms = jsonb_build_object('sms_lolos', $3::text, 'sms_tidak_lolos', $4::text,"
	    " 'sms_window_days', $5::int)"
	    " where wave = $1::int"
	    " returning (select count(*) from gelombang.participant p where p.wave = $1::int),"
	    " coalesce(sms_recipients, (select count(*) from gelombang.registration r"
	    "  where r.wave = $1::int and r.phone is not null))",
	    5, params);
	if (!res)
		return db_failure_exit();
	fault_job_point("announce", "announced");
	snprintf(msg, len, "wave %s announced: %s LOLOS, %lld TIDAK_LOLOS; %s SMS queued", w,
	         PQgetvalue(res, 0, 0), *rows - atoll(PQgetvalue(res, 0, 0)),
	         PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

/* The announcement is committed: a signal ends the wait, not the job. */
static int
announce_wait_interrupted(const char *w)
{
	log_warning("stopped waiting for the standbys to replay the announcement of wave %s:"
	            " interrupted",
	            w);
	return EXIT_DONE;
}

/*
 * The SMS and the dashboard agree: applicants read from hot standbys, which
 * show the results only once they have replayed the announcement.  Record
 * where the announcement ends in the WAL, then wait, up to
 * jobs.standby_wait_seconds, until every standby has replayed it.  The
 * announcement is committed whatever happens here: a standby still behind
 * at the deadline gets a warning, and sms send checks
 * gelombang.announcement_visible_everywhere() itself.
 */
static int
announce_wait_standbys(struct gb_ctx *ctx, const char *w)
{
	const char *params[1] = {w};
	const struct timespec pause = {0, 100 * 1000 * 1000};
	struct timespec start, now;
	PGresult *res;
	int timeout = ctx->cfg.standby_wait_seconds;
	bool said = false;

	res = db_query(ctx->conn, "record where the announcement ends in the WAL",
	               "select gelombang.announcement_lsn($1::int)", 1, params);
	if (!res)
		return db_interrupted() ? announce_wait_interrupted(w) : db_failure_exit();
	PQclear(res);
	if (timeout == 0)
		return EXIT_DONE;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int n;
		double waited;

		if (db_interrupted())
			return announce_wait_interrupted(w);
		res = db_query(
		    ctx->conn, "read the standbys' replay positions",
		    "select standby, coalesce(state, '?'), coalesce(replay_lsn::text, '?'),"
		    " announced_lsn from gelombang.announcement_standbys_behind($1::int)",
		    1, params);
		if (!res)
			return db_interrupted() ? announce_wait_interrupted(w) : db_failure_exit();
		n = PQntuples(res);
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (double) (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
		if (n == 0) {
			if (said)
				log_info(
				    "every standby shows the announcement of wave %s (after %.1f s)",
				    w, waited);
			PQclear(res);
			return EXIT_DONE;
		}
		if (!said) {
			log_info(
			    "waiting up to %d s for %d standby(s) to replay the announcement of"
			    " wave %s (WAL %s); first: %s (%s), replayed to %s",
			    timeout, n, w, PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 0),
			    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
			said = true;
		}
		if (waited >= timeout) {
			log_warning(
			    "the announcement of wave %s is not yet visible on %d standby(s)"
			    " after %.0f s; first: %s (%s), replayed to %s of %s",
			    w, n, waited, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
			    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
			log_hint("The wave is announced.  Its SMS wait until"
			         " gelombang.announcement_visible_everywhere(%s) is true.",
			         w);
			PQclear(res);
			return EXIT_DONE;
		}
		PQclear(res);
		nanosleep(&pause, NULL);
	}
}

const struct job_def job_close = {"close",     "DIBUKA", "DITUTUP",  "wave create",
                                  "closes_at", NULL,     close_work, NULL};
const struct job_def job_process = {"process", "DITUTUP",     "DIPROSES",   "close",
                                    NULL,      process_check, process_work, NULL};
const struct job_def job_select = {"select", "DIPROSES", "DISELEKSI", "process",
                                   NULL,     NULL,       select_work, NULL};
const struct job_def job_announce = {"announce",    "DISELEKSI",           "DIUMUMKAN",
                                     "select",      "announce_at",         announce_approved,
                                     announce_work, announce_wait_standbys};

static int
job_command(struct gb_ctx *ctx, const struct job_def *def)
{
	bool advanced;

	return job_execute(ctx, def, ctx->opt.wave, false, &advanced);
}

int
cmd_close(struct gb_ctx *ctx)
{
	return job_command(ctx, &job_close);
}

int
cmd_process(struct gb_ctx *ctx)
{
	return job_command(ctx, &job_process);
}

int
cmd_select(struct gb_ctx *ctx)
{
	return job_command(ctx, &job_select);
}

int
cmd_announce(struct gb_ctx *ctx)
{
	return job_command(ctx, &job_announce);
}
