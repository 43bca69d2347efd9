/*
 * wave.c — wave create, amend, withdraw, list, show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "db.h"
#include "gelombang.h"
#include "jobrun.h"
#include "log.h"

static int
wave_random_seed(char out[65])
{
	unsigned char buf[32];
	size_t got = 0;
	ssize_t n;
	int i;

	while (got < sizeof(buf)) {
		n = getrandom(buf + got, sizeof(buf) - got, 0);
		if (n < 0)
			return -1;
		got += (size_t) n;
	}
	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", buf[i]);
	return 0;
}

/* the refusals of SPEC §2 for a new wave, with a message; 0 when fine */
static int
wave_check_new(struct gb_ctx *ctx, const char *w, const char *opens, const char *closes,
               const char *announce, const char *seed)
{
	const char *params[6] = {w, opens, closes, announce, seed, gb_now_param(ctx)};
	PGresult *res;
	int rc = EXIT_DONE;

	res = db_query(
	    ctx->conn, "check the new wave",
	    "select (select max(wave) from gelombang.wave),"
	    " (select gelombang.wib(closes_at) from gelombang.wave w"
	    "  where to_jsonb(w)->>'withdrawn_at' is null order by wave desc limit 1),"
	    " $1::int <= coalesce((select max(wave) from gelombang.wave), 0),"
	    /* a withdrawn wave does not hold the next one's times;
	     * withdrawn_at through to_jsonb: this also runs on a schema
	     * before migration 017, in an upgrade in the middle of a wave */
	    " $2::timestamptz < (select closes_at from gelombang.wave w"
	    "  where to_jsonb(w)->>'withdrawn_at' is null order by wave desc limit 1),"
	    " $2::timestamptz >= $3::timestamptz,"
	    " $3::timestamptz > coalesce($4::timestamptz, $3::timestamptz + interval '3 days'),"
	    " (select min(wave) from gelombang.wave"
	    "  where commitment = encode(sha256(convert_to(lower($5), 'UTF8')), 'hex')),"
	    " $3::timestamptz <= coalesce($6::timestamptz, now()),"
	    " gelombang.wib(coalesce($6::timestamptz, now()))",
	    6, params);
	if (!res)
		return db_failure_exit();
	if (strcmp(PQgetvalue(res, 0, 2), "t") == 0) {
		log_error(
		    "could not create wave %s: waves are numbered in time, and wave %s exists", w,
		    PQgetvalue(res, 0, 0));
		log_hint("Use a number greater than %s.", PQgetvalue(res, 0, 0));
		rc = EXIT_REFUSED;
	} else if (strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
		log_error("could not create wave %s: it opens before the previous wave closes (%s)",
		          w, PQgetvalue(res, 0, 1));
		rc = EXIT_REFUSED;
	} else if (strcmp(PQgetvalue(res, 0, 4), "t") == 0) {
		log_error("could not create wave %s: --opens must be before --closes", w);
		rc = EXIT_REFUSED;
	} else if (strcmp(PQgetvalue(res, 0, 5), "t") == 0) {
		log_error("could not create wave %s: --announce must not be before --closes", w);
		rc = EXIT_REFUSED;
	} else if (!PQgetisnull(res, 0, 6)) {
		/* its seed is public once that wave closes */
		log_error("could not create wave %s: its seed is the seed of wave %s", w,
		          PQgetvalue(res, 0, 6));
		log_hint(
		    "Give every wave a seed of its own; without --seed one is drawn at random.");
		rc = EXIT_REFUSED;
	} else if (strcmp(PQgetvalue(res, 0, 7), "t") == 0) {
		/* the next run-due would close it at once */
		log_error("could not create wave %s: --closes is not after the clock (%s)", w,
		          PQgetvalue(res, 0, 8));
		log_hint("A drill with past times gives the clock with --now.");
		rc = EXIT_REFUSED;
	}
	PQclear(res);
	return rc;
}

/* SPEC §10: the first-training deadline comes after the announcement */
static int
wave_check_revoke_at(struct gb_ctx *ctx, const char *w, const char *closes, const char *announce,
                     const char *revoke_at)
{
	const char *params[3] = {closes, announce, revoke_at};
	PGresult *res;
	int rc = EXIT_DONE;

	res = db_query(ctx->conn, "check the revocation time",
	               "select $3::timestamptz <= coalesce($2::timestamptz,"
	               " $1::timestamptz + interval '3 days')",
	               3, params);
	if (!res)
		return db_failure_exit();
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		log_error("could not create wave %s: --revoke-at must be after the announcement",
		          w);
		rc = EXIT_REFUSED;
	}
	PQclear(res);
	return rc;
}

int
cmd_wave_create(struct gb_ctx *ctx)
{
	struct gb_opts *o = &ctx->opt;
	struct job_run run;
	char w[16], quota[24], seed[65], msg[160], days[16], sql[1536];
	const char *params[10];
	bool full;
	PGresult *res = NULL;
	int rc;

	snprintf(w, sizeof(w), "%d", o->wave);
	snprintf(quota, sizeof(quota), "%lld", o->has_quota ? o->quota : 0);
	snprintf(days, sizeof(days), "%d", ctx->cfg.first_training_days);
	if (o->seed[0])
		memcpy(seed, o->seed, sizeof(seed));
	else if (wave_random_seed(seed) != 0) {
		log_error("could not read random bytes from the operating system");
		return EXIT_SOFTWARE;
	}

	/* lock 0 serialises wave creation, so two creations cannot both pass
	 * the numbering check */
	rc = jr_lock(ctx, 0);
	if (rc != 0) {
		if (rc == EXIT_BUSY)
			log_error(
			    "could not create wave %s: another wave creation or migrate is running",
			    w);
		return rc;
	}
	rc = jr_begin(ctx, &run, "wave create", o->wave, false);
	if (rc != 0)
		goto unlock;

	rc = wave_check_new(ctx, w, o->opens.pg, o->closes.pg,
	                    o->has_announce ? o->announce.pg : NULL, seed);
	if (rc == 0 && o->has_revoke_at)
		rc = wave_check_revoke_at(ctx, w, o->closes.pg,
		                          o->has_announce ? o->announce.pg : NULL, o->revoke_at.pg);
	if (rc != 0) {
		jr_fail(ctx, &run, rc, "refused: wave number, times or seed break the rules");
		goto unlock;
	}
	params[0] = w;
	params[1] = o->opens.pg;
	params[2] = o->closes.pg;
	params[3] = o->has_announce ? o->announce.pg : NULL;
	params[4] = quota;
	params[5] = seed;
	params[6] = o->has_revoke_at ? o->revoke_at.pg : NULL;
	params[7] = days;
	params[8] = ctx->cfg.timezone;
	params[9] = o->recover[0] ? o->recover : NULL;
	/* SPEC §10: revoke_at defaults to 23:59 in the timezone on the day
	 * first_training_days - 1 after the announcement date there, which
	 * create_wave computes itself for 30 days in the session's timezone
	 * (the configured one): only what differs is passed, so that a
	 * schema older than the revocation still takes a plain wave */
	full = o->has_revoke_at || o->recover[0] || ctx->cfg.first_training_days != 30;
	snprintf(
	    sql, sizeof(sql), "%s%s%s%s%s",
	    "select gelombang.create_wave($1::int, $2::timestamptz, $3::timestamptz,"
	    " a.t, $5::bigint, $6",
	    full ? ", r.t, $10::int[]), w.*," : "), w.*,",
	    o->recover[0] ? " $5::bigint + coalesce((select sum(x.revoked) from gelombang.wave x"
	                    "  where x.wave = any($10::int[])), 0)"
	                  : " $5::bigint",
	    " from (select coalesce($4::timestamptz, $3::timestamptz + interval '3 days') t) a,"
	    " lateral (select coalesce($7::timestamptz, ((a.t at time zone $9)::date"
	    "  + ($8::int - 1) + time '23:59') at time zone $9) t) r,",
	    " lateral (select "
	    "gelombang.wib($2::timestamptz)"
	    ", "
	    "gelombang.wib($3::timestamptz)"
	    ","
	    "gelombang.wib(a.t)"
	    ", "
	    "gelombang.wib(r.t)"
	    ") w");
	if (db_begin(ctx->conn) != 0 ||
	    !(res = db_query(ctx->conn, "create the wave", sql, full ? 10 : 9, params))) {
		/* create_wave: a wave to recover that is not SELESAI or was
		 * recovered already; revoke_at not after the announcement */
		rc = db_failure_exit();
		if (strcmp(db_failure_sqlstate(), "55000") == 0 ||
		    strcmp(db_failure_sqlstate(), "23514") == 0)
			rc = EXIT_REFUSED;
		rc = jr_fail(ctx, &run, rc, NULL);
		goto unlock;
	}
	snprintf(msg, sizeof(msg), "wave %s created, commitment %s", w, PQgetvalue(res, 0, 0));
	if (jr_end(ctx, &run, "SUCCEEDED", 1, msg) != 0 || db_commit(ctx->conn) != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto unlock;
	}
	printf("wave %s created: opens %s, closes %s, announce %s, quota %s\n", w,
	       PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
	       PQgetvalue(res, 0, 5));
	printf("first-training deadline (revoke_at): %s\n", PQgetvalue(res, 0, 4));
	if (o->recover[0])
		printf("quota %s = --quota %s + the places revoked in waves %.*s\n",
		       PQgetvalue(res, 0, 5), quota, (int) strlen(o->recover) - 2, o->recover + 1);
	printf("seed commitment (sha256 of the seed): %s\n", PQgetvalue(res, 0, 0));
	if (!o->seed[0])
		log_info(
		    "the seed was drawn from the operating system; it is revealed when the wave closes");
	rc = EXIT_DONE;
	jr_release(ctx, &run);
unlock:
	PQclear(res);
	jr_unlock(ctx, 0);
	return rc;
}

/* A refusal of amend_wave/withdraw_wave: the server said why (exit 1); any
 * other failure keeps its exit code. */
static int
wave_change_failed(void)
{
	const char *s = db_failure_sqlstate();

	if (strcmp(s, "55000") == 0 || strcmp(s, "22023") == 0)
		return EXIT_REFUSED;
	return db_failure_exit();
}

int
cmd_wave_amend(struct gb_ctx *ctx)
{
	struct gb_opts *o = &ctx->opt;
	struct job_run run;
	char w[16], quota[24], msg[600];
	const char *params[5];
	PGresult *res = NULL;
	int rc;

	if (!o->has_closes && !o->has_announce && !o->has_quota) {
		fprintf(stderr,
		        "gelombang: error: wave amend needs --closes, --announce or --quota\n");
		return EXIT_USAGE;
	}
	snprintf(w, sizeof(w), "%d", o->wave);
	snprintf(quota, sizeof(quota), "%lld", o->quota);
	rc = jr_begin(ctx, &run, "wave amend", o->wave, false);
	if (rc != 0)
		return rc;
	params[0] = w;
	params[1] = o->has_closes ? o->closes.pg : NULL;
	params[2] = o->has_announce ? o->announce.pg : NULL;
	params[3] = o->has_quota ? quota : NULL;
	params[4] = gb_now_param(ctx);
	if (db_begin(ctx->conn) != 0 ||
	    !(res = db_query(ctx->conn, "amend the wave",
	                     "select "
	                     "gelombang.wib(a.old_closes)"
	                     ", "
	                     "gelombang.wib(a.new_closes)"
	                     ","
	                     " "
	                     "gelombang.wib(a.old_announce)"
	                     ", "
	                     "gelombang.wib(a.new_announce)"
	                     ","
	                     " a.old_quota, a.new_quota"
	                     " from gelombang.amend_wave($1::int, $2::timestamptz, $3::timestamptz,"
	                     " $4::bigint, coalesce($5::timestamptz, now())) a",
	                     5, params))) {
		rc = jr_fail(ctx, &run, wave_change_failed(), NULL);
		goto cleanup;
	}
	snprintf(msg, sizeof(msg),
	         "wave %s amended: closes %s -> %s, announce %s -> %s, quota %s -> %s; reason: %s",
	         w, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
	         PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5), o->reason);
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

int
cmd_wave_withdraw(struct gb_ctx *ctx)
{
	struct job_run run;
	char w[16], msg[600];
	const char *params[2];
	int rc;

	snprintf(w, sizeof(w), "%d", ctx->opt.wave);
	rc = jr_begin(ctx, &run, "wave withdraw", ctx->opt.wave, false);
	if (rc != 0)
		return rc;
	params[0] = w;
	params[1] = gb_now_param(ctx);
	if (db_begin(ctx->conn) != 0 ||
	    db_command(ctx->conn, "withdraw the wave",
	               "select gelombang.withdraw_wave($1::int, coalesce($2::timestamptz, now()))",
	               2, params) != 0)
		return jr_fail(ctx, &run, wave_change_failed(), NULL);
	snprintf(msg, sizeof(msg), "wave %s withdrawn; reason: %s", w, ctx->opt.reason);
	if (jr_end(ctx, &run, "SUCCEEDED", 1, msg) != 0 || db_commit(ctx->conn) != 0)
		return jr_fail(ctx, &run, db_failure_exit(), NULL);
	jr_release(ctx, &run);
	printf("%s\n", msg);
	return EXIT_DONE;
}

int
cmd_wave_list(struct gb_ctx *ctx)
{
	PGresult *res;
	int i;

	res = db_query(
	    ctx->conn, "list the waves",
	    "select w.wave, case when w.withdrawn_at is null then w.state::text else 'withdrawn' end,"
	    " gelombang.wib(w.opens_at), gelombang.wib(w.closes_at),"
	    " gelombang.wib(w.announce_at), w.quota,"
	    " (select count(*) from gelombang.wave_quota q where q.wave = w.wave),"
	    " coalesce(w.entries, (select count(*) from gelombang.registration r"
	    "  where r.wave = w.wave))"
	    " from gelombang.wave w order by w.wave",
	    0, NULL);
	if (!res)
		return db_failure_exit();
	if (PQntuples(res) == 0)
		printf("no waves yet\n");
	else
		printf("%-5s %-10s %-23s %-23s %-23s %10s %10s\n", "wave", "state", "opens",
		       "closes", "announce", "quota", "entries");
	for (i = 0; i < PQntuples(res); i++) {
		char quota[40];

		if (strcmp(PQgetvalue(res, i, 6), "0") != 0)
			snprintf(quota, sizeof(quota), "%s prov.", PQgetvalue(res, i, 6));
		else
			snprintf(quota, sizeof(quota), "%s", PQgetvalue(res, i, 5));
		printf("%-5s %-10s %-23s %-23s %-23s %10s %10s\n", PQgetvalue(res, i, 0),
		       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
		       PQgetvalue(res, i, 4), quota, PQgetvalue(res, i, 7));
	}
	PQclear(res);
	return EXIT_DONE;
}

/* the approvals, the waves whose places this one recovered, and the wave
 * that recovered this one's (SPEC §9, §10) */
static int
wave_show_lifecycle(struct gb_ctx *ctx, const char *const *params)
{
	PGresult *res;
	int i;

	res = db_query(ctx->conn, "show the approvals",
	               "select approved_by, "
	               "gelombang.wib(approved_at)"
	               ", results_digest, coalesce(note, '')"
	               " from gelombang.approval where wave = $1::int order by id",
	               1, params);
	if (!res)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		printf("approved:    %s by %s, results digest %s%s%s\n", PQgetvalue(res, i, 1),
		       PQgetvalue(res, i, 0), PQgetvalue(res, i, 2),
		       *PQgetvalue(res, i, 3) ? "; note: " : "", PQgetvalue(res, i, 3));
	PQclear(res);
	res = db_query(
	    ctx->conn, "show the recovered places",
	    "select 'from', source_wave, places from gelombang.wave_recovery where wave = $1::int"
	    " union all"
	    " select 'to', wave, places from gelombang.wave_recovery where source_wave = $1::int"
	    " order by 1, 2",
	    1, params);
	if (!res)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		if (strcmp(PQgetvalue(res, i, 0), "from") == 0)
			printf("  recovered from wave %s: %s places\n", PQgetvalue(res, i, 1),
			       PQgetvalue(res, i, 2));
		else
			printf("places recovered by wave %s: %s\n", PQgetvalue(res, i, 1),
			       PQgetvalue(res, i, 2));
	PQclear(res);
	return 0;
}

int
cmd_wave_show(struct gb_ctx *ctx)
{
	char w[16];
	const char *params[1] = {w};
	PGresult *res, *q;
	int i;

	snprintf(w, sizeof(w), "%d", ctx->opt.wave);
	res = db_query(
	    ctx->conn, "show the wave",
	    "select w.state, gelombang.wib(w.opens_at), gelombang.wib(w.closes_at),"
	    " gelombang.wib(w.announce_at), w.quota, w.commitment,"
	    " case when w.state >= 'DITUTUP' then w.seed end,"
	    " coalesce(w.entries, (select count(*) from gelombang.registration r"
	    "  where r.wave = w.wave)),"
	    " gelombang.wib(w.closed_at), gelombang.wib(w.processed_at), gelombang.wib(w.selected_at),"
	    " gelombang.wib(w.announced_at), w.rules_digest,"
	    " (select count(*) from gelombang.wave_quota q where q.wave = w.wave),"
	    " (select sum(q.quota) from gelombang.wave_quota q where q.wave = w.wave),"
	    " gelombang.wib(w.withdrawn_at),"
	    " gelombang.wib(w.revoke_at), gelombang.wib(w.revoked_at), w.revoked, w.recovered"
	    " from gelombang.wave w where w.wave = $1::int",
	    1, params);
	if (!res)
		return db_failure_exit();
	if (PQntuples(res) == 0) {
		PQclear(res);
		log_error("wave %s does not exist", w);
		return EXIT_REFUSED;
	}
	printf("wave:        %s\n", w);
	printf("state:       %s\n", PQgetvalue(res, 0, 0));
	if (!PQgetisnull(res, 0, 15))
		printf("withdrawn:   %s (\"gelombang history --wave %s\" says by whom and why)\n",
		       PQgetvalue(res, 0, 15), w);
	printf("opens:       %s\n", PQgetvalue(res, 0, 1));
	printf("closes:      %s\n", PQgetvalue(res, 0, 2));
	printf("announce:    %s\n", PQgetvalue(res, 0, 3));
	printf("revoke_at:   %s (first-training deadline)\n", PQgetvalue(res, 0, 16));
	printf("entries:     %s\n", PQgetvalue(res, 0, 7));
	/* SPEC §4: with per-province quotas the national one is not used */
	if (strcmp(PQgetvalue(res, 0, 13), "0") == 0)
		printf("quota:       %s (national)\n", PQgetvalue(res, 0, 4));
	else
		printf(
		    "quota:       per province: %s in %s provinces (the national %s is not used)\n",
		    PQgetvalue(res, 0, 14), PQgetvalue(res, 0, 13), PQgetvalue(res, 0, 4));
	printf("commitment:  %s\n", PQgetvalue(res, 0, 5));
	if (PQgetisnull(res, 0, 6))
		printf("seed:        (hidden until the wave closes)\n");
	else
		printf("seed:        %s\n", PQgetvalue(res, 0, 6));
	if (!PQgetisnull(res, 0, 8))
		printf("closed:      %s\n", PQgetvalue(res, 0, 8));
	if (!PQgetisnull(res, 0, 9))
		printf("processed:   %s (rules digest %s)\n", PQgetvalue(res, 0, 9),
		       PQgetvalue(res, 0, 12));
	if (!PQgetisnull(res, 0, 10))
		printf("selected:    %s\n", PQgetvalue(res, 0, 10));
	if (!PQgetisnull(res, 0, 11))
		printf("announced:   %s\n", PQgetvalue(res, 0, 11));
	if (!PQgetisnull(res, 0, 17))
		printf("revoked:     %s (%s participants DICABUT)\n", PQgetvalue(res, 0, 17),
		       PQgetvalue(res, 0, 18));
	if (strcmp(PQgetvalue(res, 0, 19), "0") != 0)
		printf("recovered:   %s places of the quota come from earlier waves\n",
		       PQgetvalue(res, 0, 19));
	PQclear(res);
	if (wave_show_lifecycle(ctx, params) != 0)
		return db_failure_exit();

	q = db_query(
	    ctx->conn, "show the quotas",
	    "select province, quota from gelombang.wave_quota where wave = $1::int order by province",
	    1, params);
	if (!q)
		return db_failure_exit();
	if (PQntuples(q) > 0) {
		printf("per-province quotas (a province without a row has quota 0):\n");
		for (i = 0; i < PQntuples(q); i++)
			printf("  %s  %s\n", PQgetvalue(q, i, 0), PQgetvalue(q, i, 1));
	}
	PQclear(q);
	return EXIT_DONE;
}
