/*
 * jobrun.h — one run of a job: its lock and its two history rows.
 *
 * A run takes the wave's advisory lock (session level, so it outlives the
 * transactions of the run and dies with the session), writes its start row
 * in a transaction of its own — so that a run killed later is still
 * visible — and writes its end row in the same transaction as its work,
 * so that SUCCEEDED is recorded if and only if the work is committed.
 * Taking the lock also marks earlier runs of the wave whose sessions are
 * gone as DEAD.  Both rows are written by SQL functions under the owner's
 * rights (gelombang.run_start, run_end): no role inserts into the history
 * tables, a run is ended only by the session that started it, and the
 * database role of the session is recorded beside the operator.
 */
#ifndef GELOMBANG_JOBRUN_H
#define GELOMBANG_JOBRUN_H

#include <stdbool.h>

#include "gelombang.h"

struct job_run {
	char id[24];     /* job_run.id as text; "" before jr_start */
	const char *job; /* "close", "import", ... */
	int wave;        /* 0 = no wave */
	bool dry_run;
	bool finished;
};

/* Try the wave's lock (wave 0 = the lock over wave creation and migrate).
 * Returns 0, EXIT_BUSY when another session holds it, or a failure exit. */
int jr_lock(struct gb_ctx *ctx, int wave);
void jr_unlock(struct gb_ctx *ctx, int wave);

/* Lock, then record the start.  On EXIT_BUSY a BUSY run is recorded and
 * a message printed.  Returns 0 or the exit code to leave with. */
int jr_begin(struct gb_ctx *ctx, struct job_run *run, const char *job, int wave, bool dry_run);

/* Record the start row of run (job, wave, dry_run set by the caller) on
 * its own, through gelombang.run_start, without a lock: for jobs that
 * lock otherwise (outbox export).  Sets run->id.  Returns 0 or a failure
 * exit. */
int jr_record_start(struct gb_ctx *ctx, struct job_run *run);

/* Record the end row in the current transaction (or on its own when none
 * is open).  outcome: SUCCEEDED, NOTHING_TO_DO, REFUSED, FAILED, ...
 * After SIGINT/SIGTERM a SUCCEEDED end row is refused (exit 1, the caller
 * rolls back); any other is still recorded. */
int jr_end(struct gb_ctx *ctx, struct job_run *run, const char *outcome, long long rows,
           const char *message);

/* After a failure: roll back, record FAILED / INTERRUPTED / the like with
 * the failure's message, release the lock.  Returns exit_code. */
int jr_fail(struct gb_ctx *ctx, struct job_run *run, int exit_code, const char *message);

/* Release the lock of a run that finished (safe to call twice). */
void jr_release(struct gb_ctx *ctx, struct job_run *run);

#endif
