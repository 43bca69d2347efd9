/*
 * config_conninfo.c — cfg_mask_conninfo() (config.h): a connection string
 * as libpq reads it, its password masked, for messages and the history.
 *
 * libpq parses (PQconninfoParse): key=value strings and URIs alike, so
 * what is masked is what libpq would take for the password, however it is
 * quoted, escaped or percent-encoded.  The result is the options the
 * string gives, in libpq's order, written back as key=value.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "strbuf.h"

#define MASK "********"

/* libpq reads a dbname holding '=' or starting like a URI as a connection
 * string of its own (expand_dbname): its password is masked too. */
static bool
is_conninfo(const char *s)
{
	return strchr(s, '=') != NULL || strncmp(s, "postgresql://", 13) == 0 ||
	       strncmp(s, "postgres://", 11) == 0;
}

/* A value as libpq's key=value syntax reads it back: in single quotes,
 * with ' and \ escaped, when it is empty or holds either or white space. */
static void
put_value(struct strbuf *b, const char *s)
{
	const char *p;

	if (*s != '\0' && strpbrk(s, " \t\n\v\f\r'\\") == NULL) {
		sb_addstr(b, s);
		return;
	}
	sb_addch(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'' || *p == '\\')
			sb_addch(b, '\\');
		sb_addch(b, *p);
	}
	sb_addch(b, '\'');
}

static void
put_options(struct strbuf *b, const PQconninfoOption *opts)
{
	const PQconninfoOption *o;
	char *inner;

	for (o = opts; o->keyword; o++) {
		if (o->val == NULL)
			continue;
		if (b->len > 0)
			sb_addch(b, ' ');
		sb_addstr(b, o->keyword);
		sb_addch(b, '=');
		if (strcmp(o->keyword, "password") == 0) {
			sb_addstr(b, MASK);
		} else if (strcmp(o->keyword, "dbname") == 0 && is_conninfo(o->val)) {
			inner = cfg_mask_conninfo(o->val);
			if (inner == NULL)
				b->failed = true;
			else
				put_value(b, inner);
			free(inner);
		} else {
			put_value(b, o->val);
		}
	}
}

char *
cfg_mask_conninfo(const char *conninfo)
{
	struct strbuf b = STRBUF_INIT;
	PQconninfoOption *opts;
	char *err = NULL;

	opts = PQconninfoParse(conninfo ? conninfo : "", &err);
	if (opts != NULL)
		put_options(&b, opts);
	else if (err != NULL)
		/* libpq cannot read it, so nobody can tell where a password
		 * is: none of it is shown (libpq's message may quote it too) */
		sb_addstr(&b, MASK);
	else
		b.failed = true;
	PQconninfoFree(opts);
	PQfreemem(err);
	return sb_detach(&b);
}

bool
cfg_conninfo_sets(const char *conninfo, const char *keyword)
{
	PQconninfoOption *opts, *o;
	bool found = false;

	if (conninfo == NULL || !is_conninfo(conninfo))
		return false;
	opts = PQconninfoParse(conninfo, NULL);
	for (o = opts; o && o->keyword; o++)
		if (o->val != NULL && strcmp(o->keyword, keyword) == 0)
			found = true;
	PQconninfoFree(opts);
	return found;
}
