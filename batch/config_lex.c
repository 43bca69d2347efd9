/*
 * config_lex.c — see config_lex.h: a lexer of libconfig's syntax just
 * good enough to find integer literals, skipping comments and strings.
 */
#include "config_lex.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* an int setting is refused when a literal on its line truncates to
 * exactly its value */
struct int_scan {
	unsigned line;    /* line of interest */
	int value;        /* the value libconfig stored */
	char literal[32]; /* set when found */
};

static const char *
skip_comment_or_string(const char *p, unsigned *line)
{
	if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
		while (*p && *p != '\n')
			p++;
	} else if (p[0] == '/' && p[1] == '*') {
		for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
			if (*p == '\n')
				(*line)++;
		p += *p ? 2 : 0;
	} else if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (*p == '\n')
				(*line)++;
		}
		p += *p ? 1 : 0;
	}
	return p;
}

static bool
is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '*';
}

/* One numeric token at p; reports a truncated literal on sc->line. */
static const char *
scan_number(const char *p, unsigned line, struct int_scan *sc)
{
	const char *start = p, *digits;
	bool hex, is_float = false;
	long long v;
	size_t len;

	if (*p == '+' || *p == '-')
		p++;
	hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
	if (hex)
		p += 2;
	digits = p;
	while ((*p >= '0' && *p <= '9') ||
	       (hex && ((*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))))
		p++;
	while (!hex && (*p == '.' || *p == 'e' || *p == 'E' ||
	                ((*p == '+' || *p == '-') && (p[-1] == 'e' || p[-1] == 'E')) ||
	                (*p >= '0' && *p <= '9'))) {
		is_float = true;
		p++;
	}
	if (*p == 'L' || is_float || p == digits || line != sc->line)
		return p;
	errno = 0;
	v = strtoll(start, NULL, hex ? 16 : 10);
	if (errno == 0 && v >= INT_MIN && v <= INT_MAX)
		return p;
	/* What libconfig keeps: the low 32 bits of the clamped value. */
	if ((int) (unsigned) (unsigned long long) v != sc->value)
		return p;
	len = (size_t) (p - start);
	if (len >= sizeof(sc->literal))
		len = sizeof(sc->literal) - 1;
	memcpy(sc->literal, start, len);
	sc->literal[len] = '\0';
	return p;
}

static void
scan_int_literals(const char *text, struct int_scan *sc)
{
	const char *p = text, *next;
	unsigned line = 1;

	while (*p && line <= sc->line && sc->literal[0] == '\0') {
		next = skip_comment_or_string(p, &line);
		if (next != p) {
			p = next;
		} else if (*p == '\n') {
			line++;
			p++;
		} else if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '*') {
			while (is_name_char(*p))
				p++;
		} else if ((*p >= '0' && *p <= '9') ||
		           ((*p == '-' || *p == '+' || *p == '.') && p[1] >= '0' && p[1] <= '9')) {
			p = scan_number(p, line, sc);
		} else {
			p++;
		}
	}
}

static char *
read_text(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	if (sb_read_file(&sb, path) != 0) {
		sb_release(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

bool
cfg_int_truncated(const char *path, unsigned line, int value, char *lit, size_t litlen)
{
	struct int_scan sc = {.line = line, .value = value};
	char *text = read_text(path);

	if (text == NULL)
		return false;
	scan_int_literals(text, &sc);
	free(text);
	snprintf(lit, litlen, "%s", sc.literal);
	return sc.literal[0] != '\0';
}
