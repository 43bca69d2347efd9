/*
 * status.c — status and results: what the stored data says, read only.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "db.h"
#include "gelombang.h"
#include "log.h"

int
cmd_status(struct gb_ctx *ctx)
{
	char w[16];
	const char *params[1] = {NULL};
	PGresult *res;
	int i;

	if (ctx->opt.wave) {
		snprintf(w, sizeof(w), "%d", ctx->opt.wave);
		params[0] = w;
	}
	/* from the waves: an announced wave without entries has no outcome
	 * to count, and must still be listed */
	res = db_query(ctx->conn, "count the entries",
	               "select w.wave, w.state, coalesce(s.status, '-'),"
	               " coalesce(gelombang.status_label(s.status), '-'), coalesce(s.entries, 0)"
	               " from gelombang.wave w"
	               " left join gelombang.status_counts($1::int) s on s.wave = w.wave"
	               " where $1::int is null or w.wave = $1::int"
	               " order by w.wave, s.status",
	               1, params);
	if (!res)
		return db_failure_exit();
	if (PQntuples(res) == 0) {
		PQclear(res);
		if (ctx->opt.wave) {
			log_error("wave %s does not exist", w);
			return EXIT_REFUSED;
		}
		printf("no waves yet\n");
		return EXIT_DONE;
	}
	printf("%-5s %-10s %-28s %-28s %12s\n", "wave", "state", "status", "dashboard label",
	       "entries");
	for (i = 0; i < PQntuples(res); i++)
		printf("%-5s %-10s %-28s %-28s %12s\n", PQgetvalue(res, i, 0),
		       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
		       PQgetvalue(res, i, 4));
	PQclear(res);
	return EXIT_DONE;
}

/* SPEC §3 results CSV, streamed by COPY so memory does not grow with the
 * wave. */
int
cmd_results(struct gb_ctx *ctx)
{
	char w[16];
	const char *params[1] = {w};
	PGresult *res;

	snprintf(w, sizeof(w), "%d", ctx->opt.wave);
	res =
	    db_query(ctx->conn, "check the wave",
	             "select state, state >= 'DISELEKSI' from gelombang.wave where wave = $1::int",
	             1, params);
	if (!res)
		return db_failure_exit();
	if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		if (PQntuples(res) == 0)
			log_error("wave %s does not exist", w);
		else {
			log_error("wave %s has no results yet: it is %s", w, PQgetvalue(res, 0, 0));
			log_hint("Results exist from select on.");
		}
		PQclear(res);
		return EXIT_REFUSED;
	}
	PQclear(res);
	return results_stream(ctx, ctx->opt.wave, stdout, NULL);
}

int
results_stream(struct gb_ctx *ctx, int wave, FILE *out, char digest[65])
{
	static const char header[] = "nik,status,reason,lottery_key,card_number\n";
	char sql[1024], *buf;
	PGresult *res;
	EVP_MD_CTX *md = NULL;
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int sumlen = 0, i;
	int n, rc = EXIT_DONE;

	if (digest) {
		digest[0] = '\0';
		md = EVP_MD_CTX_new();
		if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
			EVP_MD_CTX_free(md);
			log_error("could not compute the results digest");
			return EXIT_SOFTWARE;
		}
	}
	/* the wave number was parsed as an integer, so formatting it into
	 * the COPY (which takes no parameters) is safe.  SPEC §10: after
	 * revoke the revoked show DICABUT, keeping key and card. */
	snprintf(
	    sql, sizeof(sql),
	    "copy (select o.nik, case when v.nik is not null then 'DICABUT'"
	    " when o.reason is null then 'LOLOS' else 'TIDAK_LOLOS' end,"
	    " o.reason, encode(o.lottery_key, 'hex'), p.card_number"
	    " from gelombang.outcome o"
	    " left join gelombang.participant p on o.reason is null and p.nik = o.nik and p.wave = o.wave"
	    " left join gelombang.revoked v on o.reason is null and v.nik = o.nik and v.wave = o.wave"
	    " where o.wave = %d order by o.nik)"
	    " to stdout with (format csv)",
	    wave);
	res = PQexec(ctx->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		log_error("could not read the results: %s", PQerrorMessage(ctx->conn));
		PQclear(res);
		EVP_MD_CTX_free(md);
		return db_connection_lost(ctx->conn) ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
	}
	PQclear(res);
	if (out)
		fputs(header, out);
	if (md)
		EVP_DigestUpdate(md, header, sizeof(header) - 1);
	while ((n = PQgetCopyData(ctx->conn, &buf, 0)) > 0) {
		if (out)
			fwrite(buf, 1, (size_t) n, out);
		if (md)
			EVP_DigestUpdate(md, buf, (size_t) n);
		PQfreemem(buf);
	}
	if (n == -2)
		rc = EXIT_UNAVAILABLE;
	while ((res = PQgetResult(ctx->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("could not read the results: %s", PQresultErrorMessage(res));
			rc = EXIT_SOFTWARE;
		}
		PQclear(res);
	}
	if (md) {
		if (rc == EXIT_DONE && EVP_DigestFinal_ex(md, sum, &sumlen))
			for (i = 0; i < sumlen && i < 32; i++)
				sprintf(digest + 2 * i, "%02x", sum[i]);
		else if (rc == EXIT_DONE)
			rc = EXIT_SOFTWARE;
		EVP_MD_CTX_free(md);
	}
	return rc;
}
