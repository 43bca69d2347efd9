/*
 * strbuf.c — see strbuf.h.
 */
#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* what buf points at before the first allocation: never written to */
char sb_empty[1];

void
sb_init(struct strbuf *sb)
{
	*sb = (struct strbuf) STRBUF_INIT;
}

bool
sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need, alloc;
	char *p;

	if (sb->failed)
		return false;
	if (extra >= SIZE_MAX - sb->len - 1) {
		sb->failed = true;
		return false;
	}
	need = sb->len + extra + 1;
	if (need <= sb->alloc)
		return true;
	alloc = sb->alloc < 64 ? 64 : sb->alloc;
	while (alloc < need)
		alloc = alloc > SIZE_MAX / 2 ? need : alloc * 2;
	p = realloc(sb->alloc ? sb->buf : NULL, alloc);
	if (p == NULL) {
		sb->failed = true;
		return false;
	}
	if (sb->alloc == 0)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = alloc;
	return true;
}

void
sb_addstr(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void
sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->alloc ? sb->alloc - sb->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = true;
		return;
	}
	if (sb->alloc == 0 || (size_t) n >= sb->alloc - sb->len) {
		if (!sb_grow(sb, (size_t) n))
			return;
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t) n;
}

int
sb_read_file(struct strbuf *sb, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n;
	int rc = 0;

	if (f == NULL)
		return -1;
	do {
		if (!sb_grow(sb, 8192)) {
			errno = ENOMEM;
			rc = -1;
			break;
		}
		n = fread(sb->buf + sb->len, 1, sb->alloc - sb->len - 1, f);
		sb->len += n;
		sb->buf[sb->len] = '\0';
	} while (n > 0);
	if (rc == 0 && ferror(f)) {
		errno = EIO;
		rc = -1;
	}
	fclose(f);
	return rc;
}

void
sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

void
sb_setlen(struct strbuf *sb, size_t len)
{
	if (len > sb->len)
		return;
	sb->len = len;
	if (sb->alloc)
		sb->buf[len] = '\0';
}

char *
sb_detach(struct strbuf *sb)
{
	char *text = NULL;

	if (!sb->failed && sb->alloc == 0)
		sb_grow(sb, 0);
	if (!sb->failed)
		text = sb->buf;
	else if (sb->alloc)
		free(sb->buf);
	sb_init(sb);
	return text;
}

void
sb_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	sb_init(sb);
}
