/*
 * csvframe.c — see csvframe.h.
 */
#include "csvframe.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#define CSVF_BUFSIZE (64 * 1024)

struct csv_frame {
	FILE *f;
	char *buf; /* input buffer */
	size_t pos, end;
	bool eof;
	bool started;   /* the BOM check is done */
	long long line; /* the next physical line's number */
	long long offset;
	struct strbuf rec; /* the current record */
	bool rec_truncated;
};

struct csv_frame *
csvf_open(FILE *f)
{
	struct csv_frame *cf = calloc(1, sizeof(*cf));

	if (!cf)
		return NULL;
	cf->f = f;
	cf->line = 1;
	cf->buf = malloc(CSVF_BUFSIZE);
	sb_init(&cf->rec);
	if (!cf->buf || !sb_grow(&cf->rec, 4096)) {
		csvf_close(cf);
		return NULL;
	}
	return cf;
}

void
csvf_close(struct csv_frame *cf)
{
	if (!cf)
		return;
	free(cf->buf);
	sb_release(&cf->rec);
	free(cf);
}

long long
csvf_offset(const struct csv_frame *cf)
{
	return cf->offset;
}

static int
csvf_fill(struct csv_frame *cf)
{
	size_t n;

	if (cf->eof)
		return 0;
	n = fread(cf->buf, 1, CSVF_BUFSIZE, cf->f);
	if (n == 0) {
		if (ferror(cf->f))
			return -1;
		cf->eof = true;
		return 0;
	}
	cf->pos = 0;
	cf->end = n;
	return 1;
}

static int
csvf_append(struct csv_frame *cf, char c)
{
	if (cf->rec.len >= CSVF_MAX_RECORD) {
		cf->rec_truncated = true;
		return 0;
	}
	sb_addch(&cf->rec, c);
	return sb_failed(&cf->rec) ? -1 : 0;
}

/* n bytes at once: as n calls of csvf_append */
static int
csvf_append_run(struct csv_frame *cf, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (cf->rec.len + n > CSVF_MAX_RECORD) {
		cf->rec_truncated = true;
		n = CSVF_MAX_RECORD - cf->rec.len;
	}
	sb_add(&cf->rec, p, n);
	return sb_failed(&cf->rec) ? -1 : 0;
}

/* the bytes csvf_next looks at one by one; the others are copied in runs */
static const bool csvf_special[256] = {['\n'] = true, ['"'] = true, [','] = true, ['\0'] = true};

bool
csvf_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *) str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned int cp;
		uint64_t w;

		/* eight ASCII bytes at a time: most of every record */
		if (i + 8 <= len) {
			memcpy(&w, s + i, 8);
			if ((w & UINT64_C(0x8080808080808080)) == 0) {
				i += 8;
				continue;
			}
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else
			return false;
		if (i + n >= len)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

/* see csvframe.h; no name holds a comma or a quote, so one inside quotes
 * is a mismatch */
bool
csvf_header_matches(const char *s, size_t len, const char *want)
{
	size_t i = 0;

	for (;;) {
		if (i < len && s[i] == '"') {
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == ',' || *want++ != s[i])
					return false;
			if (i++ == len)
				return false;
		} else {
			for (; i < len && s[i] != ','; i++)
				if (*want++ != s[i])
					return false;
		}
		if (i == len)
			return *want == '\0';
		if (s[i] != ',' || *want != ',')
			return false;
		i++;
		want++;
	}
}

int
csvf_next(struct csv_frame *cf, struct csv_record *rec)
{
	bool in_quote = false, any = false, nul = false;
	int fields = 1, r;

	sb_reset(&cf->rec);
	cf->rec_truncated = false;
	rec->line = cf->line;

	for (;;) {
		char c;

		if (cf->pos >= cf->end) {
			r = csvf_fill(cf);
			if (r < 0)
				return -1;
			if (r == 0)
				break;
			if (!cf->started) {
				cf->started = true;
				if (cf->end >= 3 && memcmp(cf->buf, "\xEF\xBB\xBF", 3) == 0) {
					cf->pos = 3;
					cf->offset += 3;
					continue;
				}
			}
		}
		/* a run of ordinary bytes in one copy: most of every record */
		if (!csvf_special[(unsigned char) cf->buf[cf->pos]]) {
			size_t start = cf->pos;

			while (cf->pos < cf->end && !csvf_special[(unsigned char) cf->buf[cf->pos]])
				cf->pos++;
			cf->offset += (long long) (cf->pos - start);
			any = true;
			if (csvf_append_run(cf, cf->buf + start, cf->pos - start) < 0)
				return -1;
			continue;
		}
		c = cf->buf[cf->pos++];
		cf->offset++;
		any = true;
		if (c == '\n') {
			cf->line++;
			if (!in_quote) {
				/* a CRLF line end is not part of the record */
				if (cf->rec.len > 0 && cf->rec.buf[cf->rec.len - 1] == '\r' &&
				    !cf->rec_truncated)
					sb_setlen(&cf->rec, cf->rec.len - 1);
				goto record;
			}
			if (csvf_append(cf, c) < 0)
				return -1;
			continue;
		}
		if (c == '"')
			in_quote = !in_quote;
		else if (c == ',' && !in_quote)
			fields++;
		else if (c == '\0')
			nul = true;
		/* No check for COPY's end-of-data marker "\.": import sends each
		 * record behind its line number, so none starts a line with it,
		 * and inside quotes COPY's CSV mode reads it as data. */
		if (csvf_append(cf, c) < 0)
			return -1;
	}
	if (!any)
		return 0;
	/* the last record had no line break */
	if (cf->rec.len > 0 && cf->rec.buf[cf->rec.len - 1] == '\r' && !in_quote)
		sb_setlen(&cf->rec, cf->rec.len - 1);
record:
	rec->text = cf->rec.buf;
	rec->len = cf->rec.len;
	rec->fields = fields;
	rec->problem = NULL;
	if (cf->rec_truncated)
		rec->problem = "record: longer than 1048576 bytes";
	else if (in_quote)
		rec->problem = "record: a quoted field is not closed before the end of the file";
	else if (nul)
		rec->problem = "encoding: the record contains a NUL byte";
	else if (!csvf_utf8_valid(cf->rec.buf, cf->rec.len))
		rec->problem = "encoding: the record is not valid UTF-8";
	return 1;
}
