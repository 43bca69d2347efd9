/*
 * job.h — the lifecycle jobs (close, process, select, announce) and the
 * rules every one of them keeps (SPEC §2):
 *
 *   - one run per wave at a time (the wave's advisory lock; busy = 75);
 *   - idempotent: in the job's state or a later one, it changes nothing and
 *     exits 0 saying so;
 *   - ordered: before its state, it changes nothing and exits 1 naming the
 *     step that must come first; not yet due, the same;
 *   - atomic: the state change, the job's rows and its SUCCEEDED history row
 *     commit together, or nothing does;
 *   - --dry-run says what it would do, changes nothing, and is recorded.
 */
#ifndef GELOMBANG_JOB_H
#define GELOMBANG_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "gelombang.h"
#include "jobrun.h"

struct job_def {
	const char *name;       /* "close" */
	const char *from;       /* the state it needs: "DIBUKA" */
	const char *to;         /* the state it makes: "DITUTUP" */
	const char *before;     /* the step that makes `from`, for refusals */
	const char *due_column; /* "closes_at", "announce_at" or NULL */
	/* optional: refuse (return EXIT_REFUSED with msg) for another reason */
	int (*check)(struct gb_ctx *ctx, const char *wave, char *msg, size_t len);
	/* the work, inside the job's transaction; rows and msg for the history */
	int (*work)(struct gb_ctx *ctx, struct job_run *run, const char *wave, long long *rows,
	            char *msg, size_t len);
	/* optional: after the commit and the success message; its return
	 * value is the job's exit code */
	int (*after)(struct gb_ctx *ctx, const char *wave);
};

extern const struct job_def job_close, job_process, job_select, job_announce, job_revoke;

/* announce's check (approve.c): with lifecycle.require_approval, refuse
 * (EXIT_REFUSED, "not approved") unless an approval's digest is that of the
 * results as stored now. */
int announce_approved(struct gb_ctx *ctx, const char *wave, char *msg, size_t len);

/* The reminder SMS of an announced wave (revoke.c), when due: queued once
 * per participant (gelombang.queue_reminders), recorded as a "remind" run.
 * *queued: whether it ran.  Returns an exit code. */
int remind_if_due(struct gb_ctx *ctx, int wave, bool from_run_due, bool *queued);

/*
 * Run one job on one wave with all of the above.  from_run_due: messages
 * of success go to the log (stderr, silenced by -q) instead of stdout.
 * Returns the exit code; *advanced tells whether the wave's state moved.
 */
int job_execute(struct gb_ctx *ctx, const struct job_def *def, int wave, bool from_run_due,
                bool *advanced);

#endif
