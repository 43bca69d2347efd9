/*
 * rundue.c — run-due: for every wave, oldest first, each step whose time has
 * come, in order, once; after downtime it catches up everything missed.
 *
 * Each step is an ordinary job run (job.c): locked, idempotent, recorded.
 * A wave another run is busy with is skipped and reported (exit 75 if
 * nothing failed); a step that must wait (process waits for the earlier
 * wave's selection) ends that wave's turn without being an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "gelombang.h"
#include "job.h"
#include "log.h"

/* the step a wave in this state needs next (*def NULL: none), and whether
 * it is due; 0, or the exit code when the wave could not be read */
static int
rundue_next_step(struct gb_ctx *ctx, int wave, const struct job_def **step, bool *due)
{
	char w[16];
	const char *params[3] = {w, gb_now_param(ctx), ctx->cfg.require_approval ? "t" : "f"};
	PGresult *res;
	const struct job_def *def = NULL;
	const char *state;

	*due = false;
	*step = NULL;
	snprintf(w, sizeof(w), "%d", wave);
	res = db_query(ctx->conn, "read the wave",
	               "select state, closes_at <= coalesce($2::timestamptz, now()),"
	               " announce_at <= coalesce($2::timestamptz, now()),"
	               " revoke_at <= coalesce($2::timestamptz, now()),"
	               /* SPEC §9: a wave without any approval waits quietly;
	                * one whose approval no longer matches is refused by
	                * announce, and recorded */
	               " $3::boolean and not exists (select 1 from gelombang.approval a"
	               "  where a.wave = w.wave)"
	               " from gelombang.wave w where wave = $1::int",
	               3, params);
	if (!res)
		return db_failure_exit();
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	state = PQgetvalue(res, 0, 0);
	if (strcmp(state, "DIBUKA") == 0) {
		def = &job_close;
		*due = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	} else if (strcmp(state, "DITUTUP") == 0) {
		def = &job_process;
		*due = true;
	} else if (strcmp(state, "DIPROSES") == 0) {
		def = &job_select;
		*due = true;
	} else if (strcmp(state, "DISELEKSI") == 0) {
		def = &job_announce;
		*due = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
		if (*due && strcmp(PQgetvalue(res, 0, 4), "t") == 0) {
			log_info("wave %d waits for approval before its announcement"
			         " (gelombang approve --wave %d)",
			         wave, wave);
			*due = false;
		}
	} else if (strcmp(state, "DIUMUMKAN") == 0) {
		def = &job_revoke;
		*due = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
	}
	PQclear(res);
	*step = def;
	return 0;
}

/* the chain of steps, indexed by the state each one needs */
static const struct job_def *const rundue_chain[] = {&job_close, &job_process, &job_select,
                                                     &job_announce};
#define N_CHAIN ((int) (sizeof(rundue_chain) / sizeof(rundue_chain[0])))

/*
 * --dry-run: the whole chain each wave would go through at the clock, as
 * if every earlier step had run: close when closes_at has come, then
 * process once every earlier wave would be selected, select, and announce
 * when announce_at has come.  Printed on stdout, one line per step; the
 * first step of a wave is also run as a dry run of its job (checked and
 * recorded as DRY_RUN) unless it is a process that waits for an earlier
 * wave only this run would select.  *sim is the state index the wave
 * would reach, *now the one it has; earlier_selected, earlier_now:
 * whether every earlier wave would be, and is, DISELEKSI.
 */
static int
rundue_dry_wave(struct gb_ctx *ctx, int wave, bool earlier_selected, bool earlier_now, int *sim,
                int *now, int *busy)
{
	char w[16];
	const char *params[2] = {w, gb_now_param(ctx)};
	PGresult *res;
	int state, first, r = 0;
	bool advanced;

	snprintf(w, sizeof(w), "%d", wave);
	res = db_query(ctx->conn, "read the wave",
	               "select array_position(enum_range(null::gelombang.wave_state), state) - 1,"
	               " closes_at <= coalesce($2::timestamptz, now()),"
	               " announce_at <= coalesce($2::timestamptz, now()),"
	               " "
	               "gelombang.wib(closes_at)"
	               ", "
	               "gelombang.wib(announce_at)"
	               " from gelombang.wave where wave = $1::int",
	               2, params);
	if (!res)
		return db_failure_exit();
	if (PQntuples(res) == 0) {
		PQclear(res);
		*sim = *now = N_CHAIN;
		return 0;
	}
	state = first = *now = atoi(PQgetvalue(res, 0, 0));
	while (state < N_CHAIN) {
		const struct job_def *def = rundue_chain[state];
		const char *wait = NULL;

		if (def == &job_close && strcmp(PQgetvalue(res, 0, 1), "t") != 0)
			wait = PQgetvalue(res, 0, 3);
		else if (def == &job_announce && strcmp(PQgetvalue(res, 0, 2), "t") != 0)
			wait = PQgetvalue(res, 0, 4);
		else if (def == &job_process && !earlier_selected) {
			printf("wave %s: %s waits for an earlier wave's selection\n", w, def->name);
			break;
		}
		if (wait) {
			printf("wave %s: %s not yet due (at %s)\n", w, def->name, wait);
			break;
		}
		if (state == first && (def != &job_process || earlier_now)) {
			r = job_execute(ctx, def, wave, true, &advanced);
			if (r == EXIT_BUSY) {
				(*busy)++;
				printf("wave %s: busy, another run holds its lock\n", w);
				r = 0;
				break;
			}
			/* refused: it must wait, as run-due would */
			if (r == EXIT_REFUSED && !db_interrupted()) {
				r = 0;
				break;
			}
			if (r != 0)
				break;
		}
		printf("wave %s: would %s (%s -> %s)\n", w, def->name, def->from, def->to);
		state++;
	}
	PQclear(res);
	*sim = state;
	return r;
}

static int
rundue_dry(struct gb_ctx *ctx, const int *waves, int n)
{
	int i, sim = 0, now = 0, busy = 0, steps_rc = 0, r;
	bool earlier_selected = true, earlier_now = true;

	for (i = 0; i < n && !db_interrupted(); i++) {
		r = rundue_dry_wave(ctx, waves[i], earlier_selected, earlier_now, &sim, &now,
		                    &busy);
		if (r != 0 && !steps_rc)
			steps_rc = r;
		/* index 3 = DISELEKSI */
		if (sim < 3)
			earlier_selected = false;
		if (now < 3)
			earlier_now = false;
	}
	if (n == 0)
		printf("no wave has a step left\n");
	if (!steps_rc && busy)
		steps_rc = EXIT_BUSY;
	return steps_rc;
}

int
cmd_run_due(struct gb_ctx *ctx)
{
	PGresult *res;
	int i, n, rc = EXIT_DONE, busy = 0, steps = 0, failed = 0;
	int *waves;

	res = db_query(
	    ctx->conn, "list the waves",
	    "select wave from gelombang.wave where state < 'SELESAI' and withdrawn_at is null"
	    " order by wave",
	    0, NULL);
	if (!res)
		return db_failure_exit();
	n = PQntuples(res);
	waves = calloc((size_t) n + 1, sizeof(int));
	if (!waves) {
		PQclear(res);
		return EXIT_SOFTWARE;
	}
	for (i = 0; i < n; i++)
		waves[i] = atoi(PQgetvalue(res, i, 0));
	PQclear(res);
	if (ctx->opt.dry_run) {
		rc = rundue_dry(ctx, waves, n);
		free(waves);
		return rc;
	}

	for (i = 0; i < n && !db_interrupted() && rc != EXIT_UNAVAILABLE; i++) {
		for (;;) {
			bool due, advanced;
			const struct job_def *def;
			int r = rundue_next_step(ctx, waves[i], &def, &due);

			if (r != 0) {
				/* not "nothing was due": a wave that cannot be
				 * read is a failure */
				if (!failed)
					rc = r;
				failed++;
				break;
			}
			if (def == &job_revoke && !due) {
				bool queued;

				r = remind_if_due(ctx, waves[i], true, &queued);
				if (r == EXIT_BUSY)
					busy++;
				else if (r != EXIT_DONE) {
					if (!failed)
						rc = r;
					failed++;
				}
				break;
			}
			if (!def || !due)
				break;
			r = job_execute(ctx, def, waves[i], true, &advanced);
			steps += advanced;
			if (r == EXIT_BUSY) {
				busy++;
				break;
			}
			if (r == EXIT_REFUSED && !db_interrupted())
				break; /* must wait, e.g. for an earlier wave */
			if (r != EXIT_DONE) {
				if (!failed)
					rc = r;
				failed++;
				break;
			}
			if (!advanced)
				break; /* dry run, or already done by another run */
		}
	}
	free(waves);
	if (db_interrupted() && !failed)
		rc = EXIT_REFUSED;
	if (!failed && busy)
		rc = EXIT_BUSY;
	log_debug("run-due: %d step%s done, %d wave%s busy, %d failed", steps,
	          steps == 1 ? "" : "s", busy, busy == 1 ? "" : "s", failed);
	return rc;
}
