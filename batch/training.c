/*
 * training.c — training import: the platform's first-training purchases
 * (SPEC §10), CSV nik,first_training_at.
 *
 * Framed as import frames registrations (import.c): one transaction, the
 * file cut into records (csvframe), each record sent to COPY with its line
 * number in front, records COPY must not see set aside in a temporary
 * file; gelombang.training_rows() then checks every row against the
 * participants and their waves, keeps the earliest time per NIK and sets
 * the bad rows aside.  Killed at any moment it stores nothing; a file
 * imported again changes nothing (an equal time is not earlier).
 *
 * It takes lock 0 (that of wave creation), so two training imports do not
 * interleave; a revoke of a wave waits for it on the wave's row.
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

#define IMPORT_HEADER "nik,first_training_at"
#define IMPORT_FIELDS 2

struct import_state {
	struct gb_ctx *ctx;
	const char *file; /* name for messages */
	FILE *in;
	long long size; /* for progress; 0 = unknown */
	FILE *rawrej;   /* rejects COPY must not see, as COPY text */
	long long staged, raw_rejected;
	char *sendbuf;
	size_t sendcap;
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

static bool
digits(const char *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

static int
num(const char *p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

/*
 * Whether a record is "NIK,TIME" that gelombang.training_rows would find
 * well-formed: 16 digits, then ISO 8601 with an offset as
 * gelombang.is_timestamptz accepts it (YYYY-MM-DD[T ]HH:MM[:SS[.f{1,6}]]
 * then Z, +-HH:MM, +-HHMM or +-HH, a real calendar date, hour < 24, offset
 * hours <= 14).  The database skips its own check (a few regular
 * expressions a row, most of the statement's time) for these; anything
 * else, quoted fields included, it checks itself.
 */
static bool
training_clean(const char *t, size_t len)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *e = t + len, *p;
	int y, m, d, maxd;

	if (len < 17 + 16 || !digits(t, 16) || t[16] != ',')
		return false;
	p = t + 17;
	if (e - p < 16 || !digits(p, 4) || p[4] != '-' || !digits(p + 5, 2) || p[7] != '-' ||
	    !digits(p + 8, 2) || (p[10] != 'T' && p[10] != ' ') || !digits(p + 11, 2) ||
	    p[13] != ':' || !digits(p + 14, 2))
		return false;
	y = num(p, 4);
	m = num(p + 5, 2);
	d = num(p + 8, 2);
	if (y < 1 || m < 1 || m > 12)
		return false;
	maxd = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (d < 1 || d > maxd || num(p + 11, 2) > 23 || num(p + 14, 2) > 59)
		return false;
	p += 16;
	if (p < e && *p == ':') {
		if (e - p < 3 || !digits(p + 1, 2) || num(p + 1, 2) > 59)
			return false;
		p += 3;
		if (p < e && *p == '.') {
			int n = 0;

			for (p++; p < e && n < 7 && *p >= '0' && *p <= '9'; p++)
				n++;
			if (n < 1 || n > 6)
				return false;
		}
	}
	if (p < e && *p == 'Z')
		return p + 1 == e;
	if (p >= e || (*p != '+' && *p != '-') || e - p < 3 || !digits(p + 1, 2) ||
	    num(p + 1, 2) > 14)
		return false;
	p += 3;
	if (p == e)
		return true;
	if (*p == ':')
		p++;
	return e - p == 2 && digits(p, 2) && num(p, 2) < 60;
}

static int
import_send(struct import_state *st, const struct csv_record *rec)
{
	PGconn *conn = st->ctx->conn;
	char prefix[32];
	int plen = snprintf(prefix, sizeof(prefix), "%lld,%c,", rec->line,
	                    training_clean(rec->text, rec->len) ? 't' : 'f');
	size_t need = (size_t) plen + rec->len + 1;

	if (need > st->sendcap) {
		char *p = realloc(st->sendbuf, need);

		if (!p)
			return -1;
		st->sendbuf = p;
		st->sendcap = need;
	}
	memcpy(st->sendbuf, prefix, (size_t) plen);
	memcpy(st->sendbuf + plen, rec->text, rec->len);
	st->sendbuf[need - 1] = '\n';
	if (PQputCopyData(conn, st->sendbuf, (int) need) != 1)
		return -1;
	if (st->staged++ % 10000 == 0)
		fault_point("job:training:record-sent");
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

	res = PQexec(conn, "copy pg_temp.training_stage (line, clean, nik, first_training_at)"
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
			progress_update("training import: reading", csvf_offset(cf), st->size);
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
	res = PQexec(conn, "copy pg_temp.training_reject (line, rec, error) from stdin");
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
	if (db_command(conn, "read the rejects",
	               "declare rejects no scroll cursor for"
	               " select rec || convert_to(',' || line || ',' || gelombang.csv_quote(error) "
	               "|| E'\\n', 'UTF8')"
	               " from pg_temp.training_reject order by line",
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

int
cmd_training_import(struct gb_ctx *ctx)
{
	struct import_state st;
	struct job_run run;
	struct csv_frame *cf = NULL;
	FILE *probe;
	char msg[200], *rejpath = NULL, *tmppath = NULL;
	const char *params[1];
	PGresult *res = NULL;
	long long accepted = 0, rejected = 0;
	int rc;

	memset(&st, 0, sizeof(st));
	memset(&run, 0, sizeof(run));
	st.ctx = ctx;

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
	probe = fopen(tmppath, "wb");
	if (!probe) {
		log_error("could not write the reject file %s: %s", tmppath, strerror(errno));
		log_hint("Name a writable place with --rejects PATH.");
		rc = EXIT_USAGE;
		goto cleanup;
	}
	fclose(probe);
	unlink(tmppath);
	st.rawrej = tmpfile();
	cf = csvf_open(st.in);
	if (!st.rawrej || !cf) {
		log_error("could not set up the training import: %s", strerror(errno));
		rc = EXIT_SOFTWARE;
		goto cleanup;
	}

	rc = jr_begin(ctx, &run, "training import", 0, false);
	if (rc != 0)
		goto cleanup;
	if (db_begin(ctx->conn) != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	if ((rc = import_check_header(&st, cf)) != 0) {
		rc = jr_fail(ctx, &run, rc, "refused: wrong header");
		goto cleanup;
	}
	fault_point("job:training:header");
	if (db_command(ctx->conn, "prepare the training import",
	               "create temporary table training_stage (line bigint not null, clean boolean "
	               "not null,"
	               " nik text collate \"C\", first_training_at text) on commit drop",
	               0, NULL) != 0 ||
	    db_command(
	        ctx->conn, "prepare the rejects",
	        "create temporary table training_reject (line bigint not null, rec bytea not null,"
	        " error text not null) on commit drop",
	        0, NULL) != 0) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	rc = import_stream(&st, cf);
	if (rc == 0) {
		fault_point("job:training:copy-end");
		rc = import_load_set_aside(&st);
	}
	if (rc != 0) {
		rc = jr_fail(ctx, &run, rc,
		             db_interrupted() ? "interrupted" : "could not load the file");
		goto cleanup;
	}
	params[0] = run.id;
	if (!(res = db_query(
	          ctx->conn, "store the first trainings",
	          "select accepted, rejected, stored from gelombang.training_rows($1::bigint)", 1,
	          params))) {
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	accepted = atoll(PQgetvalue(res, 0, 0));
	rejected = atoll(PQgetvalue(res, 0, 1));
	fault_point("job:training:rows-stored");
	if (rejected > 0 && (rc = import_write_rejects(&st, tmppath)) != 0) {
		unlink(tmppath);
		rc = jr_fail(ctx, &run, rc, "could not write the reject file");
		goto cleanup;
	}
	snprintf(msg, sizeof(msg),
	         "%lld accepted, %lld rejected; %s first trainings stored or made earlier",
	         accepted, rejected, PQgetvalue(res, 0, 2));
	rc = jr_end(ctx, &run, "SUCCEEDED", accepted, msg);
	if (rc == 0) {
		fault_point("job:training:end-row");
		rc = db_commit(ctx->conn);
	}
	if (rc != 0) {
		if (rejected > 0)
			unlink(tmppath);
		rc = jr_fail(ctx, &run, db_failure_exit(), NULL);
		goto cleanup;
	}
	fault_point("job:training:committed");
	jr_release(ctx, &run);
	if (rejected > 0 && rename(tmppath, rejpath) != 0)
		log_error("could not move the reject file into place at %s: %s", rejpath,
		          strerror(errno));
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
	free(st.sendbuf);
	free(rejpath);
	free(tmppath);
	return rc;
}
