/*
 * csvframe.h — cut a CSV stream into records, without parsing fields.
 *
 * PostgreSQL's COPY parses the fields; this only finds where each record
 * starts and ends, the way COPY's CSV mode does (a record ends at a line
 * break outside double quotes; every quote toggles), so that each record
 * can be sent to COPY with its line number in front, and a record COPY
 * would choke on — wrong field count, invalid UTF-8, a NUL byte, an
 * unterminated quote — can be set aside with its
 * line number instead of failing the whole load.
 *
 * Memory: one buffer for the file (64 KiB) and one for the longest record
 * (a strbuf; at most CSVF_MAX_RECORD bytes of a record are kept, so it
 * stays under twice that; longer records are reported, not kept).
 */
#ifndef GELOMBANG_CSVFRAME_H
#define GELOMBANG_CSVFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CSVF_MAX_RECORD (1024 * 1024)

struct csv_record {
	const char *text;    /* without its line break (CRLF or LF); not NUL-safe */
	size_t len;          /* bytes kept in text (at most CSVF_MAX_RECORD) */
	long long line;      /* physical line where the record starts (1-based) */
	int fields;          /* commas outside quotes + 1 */
	const char *problem; /* NULL, or why COPY must not see this record */
};

struct csv_frame;

/* Read from f (not closed here).  Returns NULL when out of memory. */
struct csv_frame *csvf_open(FILE *f);
void csvf_close(struct csv_frame *cf);

/* The next record: 1 and *rec filled (valid until the next call), 0 at end
 * of input, -1 on a read error (errno set).  A UTF-8 byte-order mark at the
 * start of the input is skipped. */
int csvf_next(struct csv_frame *cf, struct csv_record *rec);

/* bytes consumed so far (for progress) */
long long csvf_offset(const struct csv_frame *cf);

/* A header record: its fields, each written plain or in RFC 4180 quotes
 * ("nik","kk",... as R and pandas write it), are the comma-separated
 * names of want (names without commas or quotes), in that order. */
bool csvf_header_matches(const char *text, size_t len, const char *want);

/* Check UTF-8 validity (exposed for tests). */
bool csvf_utf8_valid(const char *s, size_t len);

#endif
