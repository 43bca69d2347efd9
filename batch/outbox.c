/*
 * outbox.c — outbox export: hand the pending SMS messages to a gateway.
 *
 * Writes CSV (header wave,nik,phone,status,message) to stdout: the
 * pending messages (gelombang.outbox_pending: past each announced wave's
 * export cursor), oldest wave first, by NIK, at most --limit, of one wave
 * with --wave.  In the same transaction it appends one
 * gelombang.outbox_export row per wave written (first and last NIK, the
 * count, the run), which moves that wave's cursor past them.
 *
 * Order, and why:
 *   1. the export lock, a session-level advisory lock that every export
 *      takes and holds until its end row is committed: a second export at
 *      the same time exits 75 at once instead of exporting the same
 *      messages (recorded BUSY);
 *   2. under it, every export run without an end row is dead (a live one
 *      would hold the lock): marked DEAD (gelombang.mark_dead_exports);
 *   3. the start row of the run, committed on its own (a run that dies
 *      later is still in the history);
 *   4. COPY the pending rows to stdout — READ COMMITTED, so it sees every
 *      export committed before;
 *   5. flush stdout; if writing failed, roll back: nothing is marked;
 *   6. append the cursor rows and the end row, commit, release the lock.
 * A message is marked exported only after it was written and flushed.  If
 * the process dies between 5 and 6, the messages were written but not
 * marked, and the next export writes them again: delivery is at least
 * once, never lost.  A gateway that must not send twice keys on (wave, nik).
 *
 * Fault points (fault.h), "job:outbox:<moment>": locked, dead-marked,
 * started, begun, first-row, copy-end, flushed, marked, end-row,
 * committed, released.
 *
 * Memory: one summary per wave in the batch, whatever the batch's size.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copyout.h"
#include "db.h"
#include "fault.h"
#include "gelombang.h"
#include "jobrun.h"
#include "log.h"

/* the key of the export lock in jr_lock()'s space, whose other keys are
 * wave numbers (0 and 1..9999): -1 is no wave's */
#define OUTBOX_LOCK_KEY (-1)

struct outbox_wave {
	int wave;
	char first_nik[17];
	char last_nik[17];
	long long messages;
};

struct outbox_batch {
	struct outbox_wave *v;
	size_t n, cap;
	long long total;
	bool bad_row;
};

/* Each COPY row is one message; its first two fields, wave and NIK, are
 * digits, never quoted, so the row starts "wave,nik,".  The rows come in
 * (wave, nik) order. */
static int
outbox_row(void *arg, const char *row, size_t len)
{
	struct outbox_batch *b = arg;
	const char *comma1, *comma2;
	struct outbox_wave *w;
	int wave;

	if (fwrite(row, 1, len, stdout) != len)
		return EXIT_SOFTWARE;
	comma1 = memchr(row, ',', len);
	comma2 = comma1 ? memchr(comma1 + 1, ',', len - (size_t) (comma1 + 1 - row)) : NULL;
	if (!comma2 || comma2 - comma1 - 1 != 16) {
		b->bad_row = true;
		return EXIT_SOFTWARE;
	}
	wave = atoi(row);
	if (b->n == 0 || b->v[b->n - 1].wave != wave) {
		if (b->n == b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 8;
			struct outbox_wave *v = realloc(b->v, cap * sizeof(*v));

			if (!v)
				return EXIT_SOFTWARE;
			b->v = v;
			b->cap = cap;
		}
		w = &b->v[b->n++];
		memset(w, 0, sizeof(*w));
		w->wave = wave;
		memcpy(w->first_nik, comma1 + 1, 16);
	}
	w = &b->v[b->n - 1];
	memcpy(w->last_nik, comma1 + 1, 16);
	w->messages++;
	b->total++;
	if (b->total == 1)
		fault_job_point("outbox", "first-row");
	return 0;
}

/* The start row of the run.  Not jr_begin(): that takes a wave's lock,
 * and an export belongs to no wave (with --wave it must still exclude
 * every other export, and not the wave's jobs); and it marks dead runs by
 * their sessions, where the export lock tells for sure. */
static int
outbox_record_start(struct gb_ctx *ctx, struct job_run *run)
{
	memset(run, 0, sizeof(*run));
	run->job = "outbox export";
	run->wave = ctx->opt.wave;
	return jr_record_start(ctx, run);
}

/* Roll back and record how the run ended; returns rc. */
static int
outbox_stop(struct gb_ctx *ctx, struct job_run *run, const char *outcome, int rc, const char *msg)
{
	db_rollback(ctx->conn);
	if (db_interrupted() && strcmp(outcome, "FAILED") == 0)
		outcome = "INTERRUPTED";
	db_set_quiet(true);
	(void) jr_end(ctx, run, outcome, 0, msg ? msg : db_failure_message());
	db_set_quiet(false);
	return rc;
}

/* Another export holds the lock: record a BUSY run, start and end in one
 * transaction (no half-written BUSY run for the next export to mark). */
static int
outbox_busy(struct gb_ctx *ctx)
{
	struct job_run run;

	log_error("could not export the outbox: another export is running");
	log_hint("Try again later; \"gelombang history --failed\" shows the runs.");
	db_set_quiet(true);
	if (db_begin(ctx->conn) == 0 && outbox_record_start(ctx, &run) == 0 &&
	    jr_end(ctx, &run, "BUSY", 0, "another export holds the outbox lock") == 0)
		(void) db_commit(ctx->conn);
	db_rollback(ctx->conn);
	db_set_quiet(false);
	return EXIT_BUSY;
}

static int
outbox_mark_dead(struct gb_ctx *ctx)
{
	PGresult *res = db_query(ctx->conn, "look for dead exports",
	                         "select gelombang.mark_dead_exports()", 0, NULL);
	long long n;

	if (!res)
		return db_failure_exit();
	n = atoll(PQgetvalue(res, 0, 0));
	if (n > 0)
		log_warning("%lld earlier export%s found dead and marked so in the history;"
		            " what it wrote was not marked exported and is exported again",
		            n, n == 1 ? "" : "s");
	PQclear(res);
	return 0;
}

static int
outbox_mark(struct gb_ctx *ctx, struct job_run *run, const struct outbox_batch *b)
{
	char wave[16], count[24];
	const char *params[5];
	size_t i;

	for (i = 0; i < b->n; i++) {
		snprintf(wave, sizeof(wave), "%d", b->v[i].wave);
		snprintf(count, sizeof(count), "%lld", b->v[i].messages);
		params[0] = wave;
		params[1] = b->v[i].first_nik;
		params[2] = b->v[i].last_nik;
		params[3] = count;
		params[4] = run->id;
		if (db_command(ctx->conn, "mark the messages exported",
		               "insert into gelombang.outbox_export"
		               " (wave, first_nik, last_nik, messages, run_id)"
		               " values ($1::int, $2, $3, $4::int, $5::bigint)",
		               5, params) != 0)
			return db_failure_exit();
	}
	return 0;
}

static void
outbox_summary(const struct outbox_batch *b, char *msg, size_t len)
{
	size_t i, used;

	if (b->total == 0) {
		snprintf(msg, len, "no pending messages");
		return;
	}
	used = (size_t) snprintf(msg, len, "%lld message%s exported:", b->total,
	                         b->total == 1 ? "" : "s");
	for (i = 0; i < b->n && used < len; i++)
		used += (size_t) snprintf(msg + used, len - used, "%s wave %d (%lld, NIK %s to %s)",
		                          i ? "," : "", b->v[i].wave, b->v[i].messages,
		                          b->v[i].first_nik, b->v[i].last_nik);
}

/* 4–6: under the lock, with the start row written */
static int
outbox_export(struct gb_ctx *ctx, struct job_run *run, struct outbox_batch *batch)
{
	char sql[512], limit[24], wave[16], msg[1024];
	int rc;

	if (db_begin(ctx->conn) != 0)
		return outbox_stop(ctx, run, "FAILED", db_failure_exit(), NULL);
	fault_job_point("outbox", "begun");
	/* COPY takes no parameters: both are parsed integers (or null) */
	snprintf(wave, sizeof(wave), ctx->opt.wave ? "%d" : "null", ctx->opt.wave);
	snprintf(limit, sizeof(limit), ctx->opt.limit ? "%lld" : "null", ctx->opt.limit);
	snprintf(sql, sizeof(sql),
	         "copy (select wave, nik, phone, status, message"
	         " from gelombang.outbox_pending(%s, %s)) to stdout with (format csv)",
	         wave, limit);
	if (fputs("wave,nik,phone,status,message\n", stdout) == EOF)
		rc = EXIT_SOFTWARE;
	else
		rc = copy_out(ctx->conn, "read the pending messages", sql, outbox_row, batch);
	if (rc == 0)
		fault_job_point("outbox", "copy-end");
	if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout)))
		rc = EXIT_SOFTWARE;
	if (rc != 0) {
		if (batch->bad_row)
			snprintf(msg, sizeof(msg),
			         "a pending message did not start with wave and NIK");
		else
			snprintf(msg, sizeof(msg),
			         "could not write the messages to standard output;"
			         " none marked exported");
		if (rc == EXIT_SOFTWARE)
			log_error("could not export the outbox: %s", msg);
		return outbox_stop(ctx, run, "FAILED", rc, rc == EXIT_SOFTWARE ? msg : NULL);
	}
	fault_job_point("outbox", "flushed");

	outbox_summary(batch, msg, sizeof(msg));
	if ((rc = outbox_mark(ctx, run, batch)) != 0)
		goto failed;
	fault_job_point("outbox", "marked");
	if (jr_end(ctx, run, batch->total ? "SUCCEEDED" : "NOTHING_TO_DO", batch->total, msg) !=
	    0) {
		rc = db_failure_exit();
		goto failed;
	}
	fault_job_point("outbox", "end-row");
	if (db_commit(ctx->conn) != 0) {
		rc = db_failure_exit();
		goto failed;
	}
	fault_job_point("outbox", "committed");
	log_info("%s", msg);
	return EXIT_DONE;
failed:
	log_error("could not mark the exported messages; they will be exported again");
	run->finished = false;
	return outbox_stop(ctx, run, "FAILED", rc, NULL);
}

int
cmd_outbox_export(struct gb_ctx *ctx)
{
	struct job_run run;
	struct outbox_batch batch = {0};
	int rc;

	/* a gateway that closes the pipe early: fail the write, roll back,
	 * record it — rather than die with the messages half-written */
	signal(SIGPIPE, SIG_IGN);
	rc = jr_lock(ctx, OUTBOX_LOCK_KEY);
	if (rc == EXIT_BUSY)
		return outbox_busy(ctx);
	if (rc != 0)
		return rc;
	fault_job_point("outbox", "locked");
	if ((rc = outbox_mark_dead(ctx)) != 0)
		goto release;
	fault_job_point("outbox", "dead-marked");
	if ((rc = outbox_record_start(ctx, &run)) != 0)
		goto release;
	fault_job_point("outbox", "started");
	rc = outbox_export(ctx, &run, &batch);
release:
	jr_unlock(ctx, OUTBOX_LOCK_KEY);
	if (rc == EXIT_DONE)
		fault_job_point("outbox", "released");
	free(batch.v);
	return rc;
}
