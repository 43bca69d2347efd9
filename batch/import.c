/*
 * import.c — bulk-load registrations (SPEC §3).
 *
 * One transaction: the file is cut into records (csvframe), each record is
 * sent to COPY with its line number in front into a temporary table, and
 * gelombang.import_rows() stores the good rows and sets the bad ones aside
 * in one pass each.  Records COPY must not see (wrong field count, invalid
 * UTF-8, ...) go to a temporary file and then into import_reject, so memory
 * does not grow with the file.  Killed at any moment, the import stores
 * nothing; run again, it stores everything once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvframe.h"
#include "db.h"
#include "fault.h"
#include "gelombang.h"
#include "jobrun.h"
#include "log.h"
#include "regcheck.h"
#include "strbuf.h"

#define IMPORT_HEADER                                                                              \
	"nik,kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at"
#define IMPORT_FIELDS 11

struct import_state {
	struct gb_ctx *ctx;
	const char *file; /* name for messages */
	FILE *in;
	long long size; /* for progress; 0 = unknown */
	FILE *rawrej;   /* rejects COPY must not see, as COPY text */
	long long staged, raw_rejected;
	struct strbuf send; /* the record as sent to COPY */
};

static int
import_open(struct import_state *st, const char *path)
{
	struct stat sb;

	if (strcmp(path, "-") == 0) {
		st->in = stdin;
		st->file = "(stdin)";
		return 0;
	}
	st->file = path;
	st->in = fopen(path, "rb");
	if (!st->in) {
		log_error("could not open %s: %s", path, strerror(errno));
		return EXIT_DATAERR;
	}
	if (fstat(fileno(st->in), &sb) == 0 && S_ISREG(sb.st_mode))
		st->size = (long long) sb.st_size;
	return 0;
}

/* a reject COPY must not see: line, the raw bytes as bytea hex, the error */
static int
import_set_aside(struct import_state *st, const struct csv_record *rec, const char *error)
{
	size_t i, quotes = 0;

	if (fprintf(st->rawrej, "%lld\t\\\\x", rec->line) < 0)
		return -1;
	for (i = 0; i < rec->len; i++) {
		fprintf(st->rawrej, "%02x", (unsigned char) rec->text[i]);
		quotes += rec->text[i] == '"';
	}
	/* a record that ends inside quotes (unterminated, or cut at the size
	 * limit) gets its quote closed, or line and error would become part
	 * of its last field in the reject file */
	if (quotes % 2)
		fputs("22", st->rawrej);
	/* COPY text format: a backslash in the message must be doubled */
	fputc('\t', st->rawrej);
	for (; *error; error++) {
		if (*error == '\\')
			fputc('\\', st->rawrej);
		fputc(*error, st->rawrej);
	}
	fputc('\n', st->rawrej);
	st->raw_rejected++;
	return ferror(st->rawrej) ? -1 : 0;
}

static int
import_send(struct import_state *st, const struct csv_record *rec)
{
	PGconn *conn = st->ctx->conn;

	/* the line, then whether the database may skip its own check of the
	 * fields (regcheck.h): most records need no second look */
	sb_reset(&st->send);
	sb_addf(&st->send, "%lld,%c,", rec->line, regcheck_clean(rec->text, rec->len) ? 't' : 'f');
	sb_add(&st->send, rec->text, rec->len);
	sb_addch(&st->send, '\n');
	if (sb_failed(&st->send) || PQputCopyData(conn, st->send.buf, (int) st->send.len) != 1)
		return -1;
	if (st->staged++ % 10000 == 0)
		fault_point("job:import:record-sent");
	return 0;
}

static int
import_check_header(struct import_state *st, struct csv_frame *cf)
{
	struct csv_record rec;
	int r = csvf_next(cf, &rec);

	if (r < 0) {
		log_error("could not read %s: %s", st->file, strerror(errno));
		return EXIT_DATAERR;
	}
	if (r == 0) {
		log_error("%s: the file is empty; expected the header line", st->file);
		log_detail("The header is: %s", IMPORT_HEADER);
		return EXIT_DATAERR;
	}
	if (rec.problem || !csvf_header_matches(rec.text, rec.len, IMPORT_HEADER)) {
		log_error("%s:1: header: expected \"%s\", found \"%.*s\"", st->file, IMPORT_HEADER,
		          (int) (rec.len > 200 ? 200 : rec.len), rec.text);
		log_detail("A wrong header rejects the whole file; nothing was stored.");
		return EXIT_DATAERR;
	}
	return 0;
}

/* stream every record into import_stage, or aside */
static int
import_stream(struct import_state *st, struct csv_frame *cf)
{
	PGconn *conn = st->ctx->conn;
	struct csv_record rec;
	PGresult *res;
	long long n = 0;
	int r;
	char error[96];

	res = PQexec(conn, "copy pg_temp.import_stage (line, clean, nik, kk, name, birth_date, sex,"
	                   " occupation, in_school, receives_aid, region_code, phone, joined_at)"
	                   " from stdin with (format csv)");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		log_error("could not start loading %s: %s", st->file, PQerrorMessage(conn));
		PQclear(res);
		return EXIT_SOFTWARE;
	}
	PQclear(res);

	while ((r = csvf_next(cf, &rec)) == 1) {
		if (db_interrupted())
			break;
		/* an empty line holds no registration (editors leave one at the
		 * end); it is skipped, not rejected */
		if (rec.len == 0 && !rec.problem)
			continue;
		if (rec.problem)
			r = import_set_aside(st, &rec, rec.problem);
		else if (rec.fields != IMPORT_FIELDS) {
			snprintf(error, sizeof(error), "field count: %d fields, expected %d",
			         rec.fields, IMPORT_FIELDS);
			r = import_set_aside(st, &rec, error);
		} else
			r = import_send(st, &rec);
		if (r != 0)
			break;
		if ((++n & 0xFFFF) == 0)
			progress_update("import: reading", csvf_offset(cf), st->size);
	}
	progress_done();
	if (r != 0 || db_interrupted()) {
		const char *why = db_interrupted()           ? "interrupted"
		                  : r < 0 && ferror(st->in)  ? strerror(errno)
		                  : db_connection_lost(conn) ? "database unavailable"
		                                             : "could not send data";

		PQputCopyEnd(conn, why);
		while ((res = PQgetResult(conn)) != NULL)
			PQclear(res);
		log_error("could not load %s: %s", st->file, why);
		return db_interrupted()           ? EXIT_REFUSED
		       : db_connection_lost(conn) ? EXIT_UNAVAILABLE
		                                  : EXIT_DATAERR;
	}
	if (PQputCopyEnd(conn, NULL) != 1) {
		log_error("could not load %s: database unavailable: %s", st->file,
		          PQerrorMessage(conn));
		return EXIT_UNAVAILABLE;
	}
	r = EXIT_DONE;
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			r = db_connection_lost(conn) ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
			log_error("could not load %s: %s%s", st->file,
			          r == EXIT_UNAVAILABLE ? "database unavailable: " : "",
			          PQresultErrorMessage(res));
		}
		PQclear(res);
	}
	return r;
}

/* the set-aside records into import_reject */
static int
import_load_set_aside(struct import_state *st)
{
	PGconn *conn = st->ctx->conn;
	PGresult *res;
	char buf[65536];
	size_t n;
	int rc = EXIT_DONE;

	if (st->raw_rejected == 0)
		return EXIT_DONE;
	rewind(st->rawrej);
	res = PQexec(conn, "copy pg_temp.import_reject (line, rec, error) from stdin");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		log_error("could not set rejected records aside: %s", PQerrorMessage(conn));
		PQclear(res);
		return EXIT_SOFTWARE;
	}
	PQclear(res);
	while ((n = fread(buf, 1, sizeof(buf), st->rawrej)) > 0)
		if (PQputCopyData(conn, buf, (int) n) != 1)
			break;
	PQputCopyEnd(conn, NULL);
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("could not set rejected records aside: %s",
			          PQresultErrorMessage(res));
			rc = EXIT_SOFTWARE;
		}
		PQclear(res);
	}
	return rc;
}

/* The reject file: the input's header plus line,error, then each reject in
 * line order, its fields as they were.  Written to PATH.tmp and renamed by
 * the caller once the import has committed. */
static int
import_write_rejects(struct import_state *st, const char *tmppath)
{
	PGconn *conn = st->ctx->conn;
	FILE *out;
	PGresult *res;
	int i, rc = EXIT_DONE;

	/* a failure here rolls the import back: not 65, which promises that
	 * the good rows were kept */
	out = fopen(tmppath, "wb");
	if (!out) {
		log_error("could not write the reject file %s: %s", tmppath, strerror(errno));
		return EXIT_SOFTWARE;
	}
	fputs(IMPORT_HEADER ",line,error\n", out);
	if (db_command(
	        conn, "read the rejects",
	        "declare rejects no scroll cursor for"
	        " select rec || convert_to(',' || line || ',' || gelombang.csv_quote(error) || E'\\n', 'UTF8')"
	        " from pg_temp.import_reject order by line",
	        0, NULL) != 0) {
		fclose(out);
		return db_failure_exit();
	}
	for (;;) {
		res = PQexecParams(conn, "fetch 10000 from rejects", 0, NULL, NULL, NULL, NULL, 1);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			log_error("could not read the rejects: %s", PQresultErrorMessage(res));
			PQclear(res);
			rc = EXIT_SOFTWARE;
			break;
		}
		if (PQntuples(res) == 0) {
			PQclear(res);
			break;
		}
		for (i = 0; i < PQntuples(res); i++)
			fwrite(PQgetvalue(res, i, 0), 1, (size_t) PQgetlength(res, i, 0), out);
		PQclear(res);
	}
	(void) db_command(conn, "close the rejects", "close rejects", 0, NULL);
	if (fclose(out) != 0 && rc == EXIT_DONE) {
		log_error("could not write the reject file %s: %s", tmppath, strerror(errno));
		rc = EXIT_SOFTWARE;
	}
	return rc;
}

static int
import_wave_open(struct gb_ctx *ctx, const char *w)
{
	const char *params[1] = {w};
	PGresult *res;
	int rc = EXIT_DONE;

	/* FOR SHARE: a close waiting for this wave waits for the import */
	res = db_query(ctx->conn, "check the wave",
	               /* withdrawn_at through to_jsonb: this also runs on a schema
	                * before migration 017, in an upgrade in the middle of a wave */
	               "select case when to_jsonb(w)->>'withdrawn_at' is not null then 'withdrawn'"
	               " else w.state::text end"
	               " from gelombang.wave w where w.wave = $1::int for share",
	               1, params);
	if (!res)
		return db_failure_exit();
	if (PQntuples(res) == 0) {
		log_error("could not import into wave %s: the wave does not exist", w);
		rc = EXIT_REFUSED;
	} else if (strcmp(PQgetvalue(res, 0, 0), "DIBUKA") != 0) {
		log_error("could not import into wave %s: the wave is %s, no longer open", w,
		          PQgetvalue(res, 0, 0));
		rc = EXIT_REFUSED;
	}
	PQclear(res);
	return rc;
}

int
cmd_import(struct gb_ctx *ctx)
{
	struct import_state st;
	struct job_run run;
	struct csv_frame *cf = NULL;
	FILE *probe;
	char w[16], staged[24], msg[160], *rejpath = NULL, *tmppath = NULL;
	const char *params[3];
	PGresult *res = NULL;
	long long accepted = 0, rejected = 0;
	int rc;

	memset(&st, 0, sizeof(st));
	sb_init(&st.send);
	memset(&run, 0, sizeof(run));
	st.ctx = ctx;
	snprintf(w, sizeof(w), "%d", ctx->opt.wave);

	rc = import_open(&st, ctx->opt.file);
	if (rc != 0)
		return rc;
	if (ctx->opt.rejects)
		rejpath = strdup(ctx->opt.rejects);
	else if (asprintf(&rejpath, "%s.rejects.csv", ctx->opt.file) < 0)
		rejpath = NULL;
	if (!rejpath || asprintf(&tmppath, "%s.tmp", rejpath) < 0) {
		tmppath = NULL;
		rc = EXIT_SOFTWARE;
		goto cleanup;
	}
	/* find out before loading the file, not after, that the reject file
	 * cannot be written there */
	probe = fopen(tmppath, "wb");
	if (!probe) {
		log_error("could not write the reject file %s: %s", tmppath, strerror(errno));
		log_hint("Name a writable place with --rejects PATH.");
		rc = EXIT_CANTCREAT;
		goto cleanup;
	}
	fclose(probe);
	unlink(tmppath);
	st.rawrej = tmpfile();
	cf = csvf_open(st.in);
	if (!st.rawrej || !cf) {
		log_error("could not set up the import: %s", strerror(errno));
		rc = EXIT_SOFTWARE;
		goto cleanup;
	}

	rc = jr_begin(ctx, &run, "import", ctx->opt.wave, false);
	if (rc != 0)
		goto cleanup;
	if (db_begin(ctx->conn) != 0 || (rc = import_wave_open(ctx, w)) != 0) {
		rc = jr_fail(ctx, &run, rc ? rc : db_failure_exit(),
		             rc ? "refused: the wave is not open" : NULL);
		goto cleanup;
	}
	fault_point("job:import:wave-checked");
	if ((rc = import_check_header(&st, cf)) != 0) {
		rc = jr_fail(ctx, &run, rc, "refused: wrong header");
		goto cleanup;
	}
	fault_point("job:import:header");
	if (db_command(
	        ctx->conn, "prepare the import",
	        "create temporary table import_stage (line bigint not null, clean boolean not null,"
	        " nik text collate \"C\","
	        " kk text, name text, birth_date text, sex text, occupation text, in_school text,"
	        " receives_aid text, region_code text, phone text, joined_at text) on commit drop",
	        0, NULL) != 0 ||
	    db_command(
	        ctx->conn, "prepare the rejects",
	        "create temporary table import_reject (line bigint not null, rec bytea not null,"
	        " error text not null) on commit drop",
	        0, NULL) != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	fault_point("job:import:staging");
	rc = import_stream(&st, cf);
	if (rc == 0) {
		fault_point("job:import:copy-end");
		rc = import_load_set_aside(&st);
	}
	if (rc != 0) {
		rc = jr_fail(ctx, &run, rc,
		             db_interrupted() ? "interrupted" : "could not load the file");
		goto cleanup;
	}
	fault_point("job:import:set-aside");
	snprintf(staged, sizeof(staged), "%lld", st.staged);
	params[0] = w;
	params[1] = run.id;
	params[2] = staged;
	if (!(res = db_query(
	          ctx->conn, "store the registrations",
	          "select accepted, rejected from gelombang.import_rows($1::int, $2::bigint, $3::bigint)",
	          3, params))) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	accepted = atoll(PQgetvalue(res, 0, 0));
	rejected = atoll(PQgetvalue(res, 0, 1)); /* set-aside records included */
	fault_point("job:import:rows-stored");
	if (rejected > 0 && (rc = import_write_rejects(&st, tmppath)) != 0) {
		unlink(tmppath);
		rc = jr_fail(ctx, &run, rc, "could not write the reject file");
		goto cleanup;
	}
	fault_point("job:import:rejects-written");
	snprintf(msg, sizeof(msg), "%lld accepted, %lld rejected", accepted, rejected);
	rc = jr_end(ctx, &run, "SUCCEEDED", accepted, msg);
	if (rc == 0) {
		fault_point("job:import:end-row");
		rc = db_commit(ctx->conn);
	}
	if (rc != 0) {
		if (rejected > 0)
			unlink(tmppath);
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	fault_point("job:import:committed");
	jr_release(ctx, &run);
	fault_point("job:import:released");
	if (rejected > 0 && rename(tmppath, rejpath) != 0)
		log_error("could not move the reject file into place at %s: %s", rejpath,
		          strerror(errno));
	fault_point("job:import:renamed");
	printf("%s\n", msg);
	if (rejected > 0) {
		log_info("rejected rows, with their line and what is wrong, are in %s", rejpath);
		rc = EXIT_DATAERR;
	} else
		rc = EXIT_DONE;

cleanup:
	PQclear(res);
	csvf_close(cf);
	if (st.rawrej)
		fclose(st.rawrej);
	if (st.in && st.in != stdin)
		fclose(st.in);
	sb_release(&st.send);
	free(rejpath);
	free(tmppath);
	return rc;
}
