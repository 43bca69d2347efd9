/*
 * copyout.c — see copyout.h.
 */
#include "copyout.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "sqlstate.h"

/* Report a failed result of the COPY and tell the exit code, by SQLSTATE
 * class as db.h describes. */
static int
copy_failure(PGconn *conn, const PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (!state)
		state = "";
	if ((!*state && db_connection_lost(conn)) ||
	    strncmp(state, SQLSTATE_CLASS_CONNECTION_EXCEPTION, 2) == 0 ||
	    strncmp(state, SQLSTATE_PREFIX_SESSION_ENDED, 4) == 0) {
		log_error("%s: database unavailable: %s", what, msg ? msg : PQerrorMessage(conn));
		return EXIT_UNAVAILABLE;
	}
	if (strcmp(state, SQLSTATE_QUERY_CANCELED) == 0 && db_interrupted()) {
		log_error("%s: interrupted", what);
		return EXIT_REFUSED;
	}
	log_error("%s: %s (SQLSTATE %s)", what, msg ? msg : PQerrorMessage(conn), state);
	return EXIT_SOFTWARE;
}

int
copy_out(PGconn *conn, const char *what, const char *sql, copy_row_fn row, void *arg)
{
	PGresult *res;
	char *buf;
	int n, rc = 0;

	log_debug("%s", what);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		rc = copy_failure(conn, res, what);
		PQclear(res);
		return rc;
	}
	PQclear(res);
	while ((n = PQgetCopyData(conn, &buf, 0)) > 0) {
		if (rc == 0)
			rc = row(arg, buf, (size_t) n);
		PQfreemem(buf);
	}
	if (n == -2) {
		log_error("%s: database unavailable: %s", what, PQerrorMessage(conn));
		return EXIT_UNAVAILABLE;
	}
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			int frc = copy_failure(conn, res, what);

			if (rc == 0)
				rc = frc;
		}
		PQclear(res);
	}
	return rc;
}

int
copy_row_to_file(void *file, const char *row, size_t len)
{
	return fwrite(row, 1, len, (FILE *) file) == len ? 0 : EXIT_SOFTWARE;
}

static char
unescape(char c)
{
	switch (c) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'v': return '\v';
	}
	return c;
}

int
copy_split_text(char *buf, char **fields, int max)
{
	char *r = buf, *w = buf, *start = buf;
	int n = 0;

	if (max <= 0)
		return 0;
	for (;;) {
		/* \N alone is NULL; an escaped backslash followed by N is text */
		if (r == start && r[0] == '\\' && r[1] == 'N' && (r[2] == '\t' || r[2] == '\0')) {
			fields[n++] = NULL;
			if (r[2] == '\0' || n == max)
				return n;
			r += 3;
			w = start = r;
			continue;
		}
		if (*r == '\t' || *r == '\0') {
			bool end = *r == '\0';

			*w = '\0';
			fields[n++] = start;
			if (end || n == max)
				return n;
			r++;
			w = start = r;
			continue;
		}
		if (*r == '\\' && r[1] != '\0') {
			*w++ = unescape(r[1]);
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
}
