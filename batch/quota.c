/*
 * quota.c — quota set: replace a wave's per-province quotas from CSV.
 *
 * All or nothing: any bad row refuses the whole file (exit 65) and the
 * quotas stay as they were.  The file goes through COPY like import.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvframe.h"
#include "db.h"
#include "gelombang.h"
#include "jobrun.h"
#include "log.h"

#define QUOTA_HEADER "province,quota"

/* the configured provinces as an array literal: each is two digits, so
 * nothing in it needs quoting */
static char *
quota_provinces_array(const struct gb_config *cfg)
{
	size_t i;
	char *s = malloc(cfg->rules.provinces.n * 3 + 3), *p;

	if (!s)
		return NULL;
	p = s;
	*p++ = '{';
	for (i = 0; i < cfg->rules.provinces.n; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, cfg->rules.provinces.v[i], 2);
		p += 2;
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

static int
quota_load(struct gb_ctx *ctx, FILE *in, const char *file, int *bad)
{
	struct csv_frame *cf = csvf_open(in);
	struct csv_record rec;
	PGresult *res;
	char line[32];
	int r, rc = EXIT_DONE;

	if (!cf)
		return EXIT_SOFTWARE;
	r = csvf_next(cf, &rec);
	if (r <= 0 || rec.problem || !csvf_header_matches(rec.text, rec.len, QUOTA_HEADER)) {
		log_error("%s:1: header: expected \"%s\"", file, QUOTA_HEADER);
		(*bad)++;
		csvf_close(cf);
		return EXIT_DATAERR;
	}
	res =
	    PQexec(ctx->conn,
	           "copy pg_temp.quota_stage (line, province, quota) from stdin with (format csv)");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		log_error("could not load %s: %s", file, PQerrorMessage(ctx->conn));
		PQclear(res);
		csvf_close(cf);
		return EXIT_SOFTWARE;
	}
	PQclear(res);
	while ((r = csvf_next(cf, &rec)) == 1) {
		if (rec.len == 0)
			continue; /* a blank last line */
		if (rec.problem || rec.fields != 2) {
			log_error("%s:%lld: %s", file, rec.line,
			          rec.problem ? rec.problem
			                      : "field count: expected province,quota");
			(*bad)++;
			continue;
		}
		snprintf(line, sizeof(line), "%lld,", rec.line);
		if (PQputCopyData(ctx->conn, line, (int) strlen(line)) != 1 ||
		    PQputCopyData(ctx->conn, rec.text, (int) rec.len) != 1 ||
		    PQputCopyData(ctx->conn, "\n", 1) != 1)
			break;
	}
	PQputCopyEnd(ctx->conn, r < 0 ? "read error" : NULL);
	while ((res = PQgetResult(ctx->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("could not load %s: %s", file, PQresultErrorMessage(res));
			rc = EXIT_DATAERR;
		}
		PQclear(res);
	}
	if (r < 0) {
		log_error("could not read %s: %s", file, strerror(errno));
		rc = EXIT_DATAERR;
	}
	csvf_close(cf);
	return rc;
}

static int
quota_check_rows(struct gb_ctx *ctx, const char *file, const char *provinces, int *bad)
{
	const char *params[1] = {provinces};
	PGresult *res;
	int i;

	res = db_query(
	    ctx->conn, "check the quotas",
	    "select line, case"
	    " when province is null or province !~ '^[0-9]{2}$' then 'province: must be two digits'"
	    " when not (province = any ($1::text[])) then 'province: ' || province || ' is not in rules.provinces'"
	    " when count(*) over (partition by province) > 1 then 'province: ' || province || ' appears more than once'"
	    " when quota is null or quota !~ '^[0-9]{1,15}$' then 'quota: must be a whole number >= 0'"
	    " end as error from pg_temp.quota_stage order by line",
	    1, params);
	if (!res)
		return db_failure_exit();
	for (i = 0; i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, 1))
			continue;
		if (*bad < 20)
			log_error("%s:%s: %s", file, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		(*bad)++;
	}
	PQclear(res);
	return EXIT_DONE;
}

int
cmd_quota_set(struct gb_ctx *ctx)
{
	struct job_run run;
	FILE *in;
	char w[16], msg[128], *provinces = NULL;
	const char *params[2];
	PGresult *res = NULL;
	int rc, bad = 0;
	const char *file = ctx->opt.file;

	snprintf(w, sizeof(w), "%d", ctx->opt.wave);
	in = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	if (!in) {
		log_error("could not open %s: %s", file, strerror(errno));
		return EXIT_DATAERR;
	}
	provinces = quota_provinces_array(&ctx->cfg);
	rc = jr_begin(ctx, &run, "quota set", ctx->opt.wave, false);
	if (rc != 0 || !provinces)
		goto cleanup;
	params[0] = w;
	if (db_begin(ctx->conn) != 0 ||
	    !(res = db_query(
	          ctx->conn, "check the wave",
	          "select case when withdrawn_at is not null then 'withdrawn' else state::text end"
	          " from gelombang.wave where wave = $1::int for update",
	          1, params))) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "DIBUKA") != 0) {
		if (PQntuples(res) == 0)
			log_error("could not set the quotas of wave %s: the wave does not exist",
			          w);
		else
			log_error(
			    "could not set the quotas of wave %s: the wave is %s; quotas change only while it is DIBUKA",
			    w, PQgetvalue(res, 0, 0));
		rc = jr_fail(ctx, &run, EXIT_REFUSED, "refused: the wave is not open");
		goto cleanup;
	}
	if (db_command(
	        ctx->conn, "prepare the quotas",
	        "create temporary table quota_stage (line bigint, province text collate \"C\","
	        " quota text) on commit drop",
	        0, NULL) != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	rc = quota_load(ctx, in, file, &bad);
	if (rc == EXIT_DONE)
		rc = quota_check_rows(ctx, file, provinces, &bad);
	if (rc == EXIT_DONE && bad > 0)
		rc = EXIT_DATAERR;
	if (rc != EXIT_DONE) {
		if (rc == EXIT_DATAERR)
			log_detail(
			    "The whole file is refused (%d bad row%s); the quotas of wave %s are unchanged.",
			    bad, bad == 1 ? "" : "s", w);
		rc = jr_fail(ctx, &run, rc, "refused: bad rows in the quota file");
		goto cleanup;
	}
	PQclear(res);
	if (db_command(ctx->conn, "remove the old quotas",
	               "delete from gelombang.wave_quota where wave = $1::int", 1, params) != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	res = db_query(ctx->conn, "store the quotas",
	               "insert into gelombang.wave_quota (wave, province, quota)"
	               " select $1::int, province, quota::bigint from pg_temp.quota_stage"
	               " returning quota",
	               1, params);
	if (!res) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	if (PQntuples(res) == 0)
		snprintf(msg, sizeof(msg),
		         "wave %s: per-province quotas removed; the national quota applies", w);
	else
		snprintf(
		    msg, sizeof(msg),
		    "wave %s: %d per-province quotas set (a province without a row has quota 0)", w,
		    PQntuples(res));
	if (jr_end(ctx, &run, "SUCCEEDED", PQntuples(res), msg) != 0 || db_commit(ctx->conn) != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	jr_release(ctx, &run);
	printf("%s\n", msg);
	rc = EXIT_DONE;
cleanup:
	PQclear(res);
	free(provinces);
	if (in != stdin)
		fclose(in);
	return rc;
}
