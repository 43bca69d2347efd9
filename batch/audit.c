/*
 * audit.c — audit --wave N: is what is stored what the rule gives?
 *
 * In one READ ONLY REPEATABLE READ transaction (one snapshot for every
 * check, nothing written):
 *   1. the seed's SHA-256, computed here, equals the stored commitment;
 *   2. gelombang.audit_differences() recomputes the whole selection from
 *      the frozen inputs (gelombang.selection) and lists every way the
 *      stored outcomes and participants differ from it;
 *   3. independently of the SQL, every stored outcome is streamed through
 *      COPY and its lottery key recomputed here with OpenSSL
 *      (SHA-256 of "<seed>:<nik>"), its card number checked (16 digits,
 *      Luhn; card numbers are drawn at random by select, so their form,
 *      uniqueness and holders are checked, not their value) and its
 *      saldo compared with the frozen rules;
 *   4. with --independent DIR, the bundle of audit_bundle.c.
 * Prints "identical: N entries" and exits 0, or the first AUDIT_SHOW
 * differences and their count and exits 1.  The run is recorded in the
 * history (job "audit"; a mismatch is REFUSED, as SPEC §3 files exit 1).
 *
 * Memory does not grow with the wave: the server returns at most
 * AUDIT_SHOW differences and their count, the outcomes stream row by row,
 * and only the first AUDIT_SHOW differences found here are kept.
 */
#include "audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "copyout.h"
#include "db.h"
#include "jobrun.h"
#include "log.h"
#include "nik.h"

#define AUDIT_SHOW      20
#define AUDIT_SHOW_TEXT "20"

struct audit {
	struct gb_ctx *ctx;
	char wave[16];
	char seed[65];
	char commitment[65];
	long long saldo;
	long long entries;  /* registrations of the wave */
	long long streamed; /* outcomes seen by the C check */
	long long differences;
	char *shown[AUDIT_SHOW];
	int n_shown;
	EVP_MD_CTX *md;
};

static void audit_difference(struct audit *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
audit_difference(struct audit *a, const char *fmt, ...)
{
	va_list ap;
	char *line = NULL;

	a->differences++;
	if (a->n_shown >= AUDIT_SHOW)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (line)
		a->shown[a->n_shown++] = line;
}

/* lowercase hex SHA-256 of the concatenated parts; "" if OpenSSL fails */
static void
sha256_hex(EVP_MD_CTX *md, const char *const *parts, int n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	int p;

	out[0] = '\0';
	if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		return;
	for (p = 0; p < n; p++)
		if (!EVP_DigestUpdate(md, parts[p], strlen(parts[p])))
			return;
	if (!EVP_DigestFinal_ex(md, d, &len) || len != 32)
		return;
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

/* The wave: it must exist and be selected.  Returns 0, EXIT_REFUSED with
 * msg set, or a failure exit. */
static int
audit_read_wave(struct audit *a, char *msg, size_t len)
{
	const char *params[1] = {a->wave};
	PGresult *res;
	int rc = 0;

	res = db_query(a->ctx->conn, "read the wave",
	               "select state, state >= 'DISELEKSI', seed, commitment,"
	               " coalesce((rules->>'saldo')::bigint, -1),"
	               " (select count(*) from gelombang.registration r where r.wave = w.wave)"
	               " from gelombang.wave w where wave = $1::int",
	               1, params);
	if (!res)
		return db_failure_exit();
	if (PQntuples(res) == 0) {
		snprintf(msg, len, "wave %s does not exist", a->wave);
		rc = EXIT_REFUSED;
	} else if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		snprintf(msg, len, "wave %s is %s: there is nothing to audit before select",
		         a->wave, PQgetvalue(res, 0, 0));
		rc = EXIT_REFUSED;
	} else {
		snprintf(a->seed, sizeof(a->seed), "%s", PQgetvalue(res, 0, 2));
		snprintf(a->commitment, sizeof(a->commitment), "%s", PQgetvalue(res, 0, 3));
		a->saldo = atoll(PQgetvalue(res, 0, 4));
		a->entries = atoll(PQgetvalue(res, 0, 5));
	}
	PQclear(res);
	return rc;
}

/* 1. the seed against the commitment printed at wave create */
static void
audit_seed(struct audit *a)
{
	const char *parts[1] = {a->seed};
	char digest[65];

	sha256_hex(a->md, parts, 1, digest);
	if (strcmp(digest, a->commitment) != 0)
		audit_difference(a, "seed: its sha256 is %s, the commitment is %s", digest,
		                 a->commitment);
	else
		log_info("wave %s: the seed matches its commitment %s", a->wave, a->commitment);
}

/* 2. the selection recomputed in SQL, compared in SQL */
static int
audit_sql(struct audit *a)
{
	const char *params[1] = {a->wave};
	PGresult *res;
	int i;

	if (progress_active())
		log_info("recomputing the selection of wave %s ...", a->wave);
	res =
	    db_query(a->ctx->conn, "recompute the selection",
	             "select nik, item, coalesce(stored, '(none)'), coalesce(recomputed, '(none)'),"
	             " count(*) over ()"
	             " from gelombang.audit_differences($1::int) order by nik, item"
	             " limit " AUDIT_SHOW_TEXT,
	             1, params);
	if (!res)
		return db_failure_exit();
	for (i = 0; i < PQntuples(res); i++)
		audit_difference(a, "%s: %s: stored %s, recomputed %s", PQgetvalue(res, i, 0),
		                 PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		                 PQgetvalue(res, i, 3));
	/* the rest are counted, not listed */
	if (PQntuples(res) > 0)
		a->differences += atoll(PQgetvalue(res, 0, 4)) - PQntuples(res);
	PQclear(res);
	return 0;
}

static bool
reason_before_draw(const char *reason)
{
	return reason && strcmp(reason, "KUOTA_KELUARGA") != 0 &&
	       strcmp(reason, "KUOTA_PENUH") != 0;
}

/* 3. one stored outcome: nik, reason, lottery_key, card_number, saldo */
static int
audit_outcome_row(void *arg, const char *row, size_t len)
{
	struct audit *a = arg;
	char buf[512], *f[5], key[65];
	const char *nik, *reason, *stored_key, *card, *saldo;

	if (len == 0 || len >= sizeof(buf))
		return EXIT_SOFTWARE;
	memcpy(buf, row, len - 1); /* without its '\n' */
	buf[len - 1] = '\0';
	if (copy_split_text(buf, f, 5) != 5 || !f[0])
		return EXIT_SOFTWARE;
	nik = f[0];
	reason = f[1];
	stored_key = f[2];
	card = f[3];
	saldo = f[4];
	a->streamed++;
	if (a->streamed % 65536 == 0)
		progress_update("audit: lottery keys", a->streamed, a->entries);

	if (reason_before_draw(reason)) {
		if (stored_key)
			audit_difference(a,
			                 "%s: lottery_key (C): stored %s for an entry turned down"
			                 " before the draw (%s)",
			                 nik, stored_key, reason);
	} else {
		/* SPEC §4 step 2: SHA-256 of the ASCII text "<seed>:<nik>" */
		const char *parts[3] = {a->seed, ":", nik};

		sha256_hex(a->md, parts, 3, key);
		if (!stored_key)
			audit_difference(a, "%s: lottery_key (C): stored (none), recomputed %s",
			                 nik, key);
		else if (strcmp(stored_key, key) != 0)
			audit_difference(a, "%s: lottery_key (C): stored %s, recomputed %s", nik,
			                 stored_key, key);
	}
	if (!reason) {
		if (!card)
			audit_difference(a, "%s: card_number (C): LOLOS without a participant",
			                 nik);
		else if (!nik_is_16_digits(card) || !luhn_valid(card))
			audit_difference(a,
			                 "%s: card_number (C): %s is not 16 digits with a valid"
			                 " Luhn check digit",
			                 nik, card);
		if (card && (!saldo || atoll(saldo) != a->saldo))
			audit_difference(a, "%s: saldo (C): stored %s, the frozen rules say %lld",
			                 nik, saldo ? saldo : "(none)", a->saldo);
	} else if (card) {
		audit_difference(a, "%s: card_number (C): %s held by a TIDAK_LOLOS entry (%s)", nik,
		                 card, reason);
	}
	return 0;
}

static int
audit_c(struct audit *a)
{
	char sql[256];
	int rc;

	/* COPY takes no parameters; the wave is a parsed integer */
	snprintf(sql, sizeof(sql),
	         "copy (select nik, reason, lottery_key, card_number, saldo"
	         " from gelombang.audit_outcomes(%s)) to stdout",
	         a->wave);
	rc = copy_out(a->ctx->conn, "read the stored outcomes", sql, audit_outcome_row, a);
	progress_done();
	if (rc == EXIT_SOFTWARE && !db_interrupted())
		log_error("could not check the stored outcomes of wave %s", a->wave);
	if (rc == 0 && a->streamed != a->entries)
		log_info("wave %s: %lld entries, %lld stored outcomes", a->wave, a->entries,
		         a->streamed);
	return rc;
}

static void
audit_print(struct audit *a, char *msg, size_t len)
{
	int i;

	if (a->differences == 0) {
		printf("identical: %lld entries\n", a->entries);
		snprintf(msg, len, "identical: %lld entries", a->entries);
		return;
	}
	for (i = 0; i < a->n_shown; i++)
		printf("%s\n", a->shown[i]);
	if (a->differences > a->n_shown)
		printf("... and %lld more\n", a->differences - a->n_shown);
	printf("not identical: %lld difference%s in wave %s (%lld entries)\n", a->differences,
	       a->differences == 1 ? "" : "s", a->wave, a->entries);
	snprintf(msg, len, "not identical: %lld difference%s; first: %s", a->differences,
	         a->differences == 1 ? "" : "s", a->shown[0]);
}

static int
audit_run(struct audit *a, char *msg, size_t len)
{
	int rc;

	if (db_command(a->ctx->conn, "start the audit",
	               "begin isolation level repeatable read read only", 0, NULL) != 0)
		return db_failure_exit();
	if ((rc = audit_read_wave(a, msg, len)) != 0)
		return rc;
	audit_seed(a);
	if ((rc = audit_sql(a)) != 0 || (rc = audit_c(a)) != 0)
		return rc;
	if (a->ctx->opt.independent &&
	    (rc = audit_write_bundle(a->ctx, a->ctx->opt.independent, a->ctx->opt.wave)) != 0)
		return rc;
	if (db_commit(a->ctx->conn) != 0)
		return db_failure_exit();
	audit_print(a, msg, len);
	return a->differences ? EXIT_REFUSED : EXIT_DONE;
}

int
cmd_audit(struct gb_ctx *ctx)
{
	struct audit a;
	struct job_run run;
	char msg[1024] = "";
	int rc, i;

	memset(&a, 0, sizeof(a));
	a.ctx = ctx;
	snprintf(a.wave, sizeof(a.wave), "%d", ctx->opt.wave);
	a.md = EVP_MD_CTX_new();
	if (!a.md) {
		log_error("out of memory");
		return EXIT_SOFTWARE;
	}
	if (ctx->opt.independent &&
	    (rc = audit_bundle_check(ctx->opt.independent, ctx->opt.force)) != 0)
		goto cleanup;
	rc = jr_begin(ctx, &run, "audit", ctx->opt.wave, false);
	if (rc != 0)
		goto cleanup;
	rc = audit_run(&a, msg, sizeof(msg));
	if (rc == EXIT_DONE || (rc == EXIT_REFUSED && a.differences > 0)) {
		db_rollback(ctx->conn);
		if (jr_end(ctx, &run, rc == EXIT_DONE ? "SUCCEEDED" : "REFUSED", a.entries, msg) !=
		    0)
			rc = db_failure_exit();
		jr_release(ctx, &run);
	} else if (rc == EXIT_REFUSED && msg[0] && !db_interrupted()) {
		log_error("could not audit wave %s: %s", a.wave, msg);
		rc = jr_fail(ctx, &run, rc, msg);
	} else {
		rc = jr_fail(ctx, &run, rc, NULL);
	}
cleanup:
	for (i = 0; i < a.n_shown; i++)
		free(a.shown[i]);
	EVP_MD_CTX_free(a.md);
	return rc;
}
