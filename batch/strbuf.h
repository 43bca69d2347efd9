/*
 * strbuf.h — a growable string, the one buffer type of gelombang (after
 * git's strbuf and PostgreSQL's PQExpBuffer).
 *
 * Promises: buf always holds len bytes followed by a NUL (the text may
 * itself hold NULs: len, not strlen, tells its length), so it can be
 * handed to anything that wants a C string.  Appending never truncates:
 * the buffer grows, at least doubling, as far as memory allows.
 *
 * Memory: the buffer owns buf until sb_detach() hands it to the caller
 * (who frees it with free()) or sb_release() frees it.  A pointer into
 * buf is valid only until the next append.
 *
 * Names: sb_*, not git's strbuf_*, which libconfig exports for itself
 * (strbuf_append, strbuf_release) and would be bound to ours instead.
 *
 * Failure: when memory runs out the buffer is marked failed (as
 * PQExpBuffer is "broken"): every later append does nothing,
 * sb_failed() says so, sb_detach() returns NULL.  Nothing is
 * printed, nothing exits; a caller checks once, after its last append.
 *
 *	struct strbuf sb = STRBUF_INIT;
 *	sb_addstr(&sb, "wave ");
 *	sb_addf(&sb, "%d", wave);
 *	text = sb_detach(&sb);	// NULL when out of memory
 */
#ifndef GELOMBANG_STRBUF_H
#define GELOMBANG_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct strbuf {
	char *buf;    /* the text, NUL-terminated; "" before the first append */
	size_t len;   /* bytes of text, the NUL not counted */
	size_t alloc; /* bytes allocated at buf, 0 while buf is the static "" */
	bool failed;  /* an allocation failed: appends do nothing */
};

extern char sb_empty[];
/* clang-format off */
#define STRBUF_INIT {.buf = sb_empty, .len = 0, .alloc = 0, .failed = false}
/* clang-format on */

void sb_init(struct strbuf *sb);

/* Room for extra more bytes (and the NUL) without another allocation.
 * Returns false, and marks the buffer failed, when out of memory. */
bool sb_grow(struct strbuf *sb, size_t extra);

void sb_addstr(struct strbuf *sb, const char *s);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append the whole of the file at path.  Returns 0, or -1 with errno set
 * (the file could not be opened or read, or memory ran out: ENOMEM). */
int sb_read_file(struct strbuf *sb, const char *path);

/* Empty the text, keep the memory (and the failed mark). */
void sb_reset(struct strbuf *sb);

/* Cut the text to its first len bytes (len <= sb->len). */
void sb_setlen(struct strbuf *sb, size_t len);

/* inline, as csvframe.c appends every record in pieces */
static inline void
sb_add(struct strbuf *sb, const void *data, size_t n)
{
	if (sb->failed || (n >= sb->alloc - sb->len && !sb_grow(sb, n)))
		return;
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static inline void
sb_addch(struct strbuf *sb, char c)
{
	if (sb->failed || (sb->len + 1 >= sb->alloc && !sb_grow(sb, 1)))
		return;
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

static inline bool
sb_failed(const struct strbuf *sb)
{
	return sb->failed;
}

/* The text, now the caller's (free() it), or NULL if the buffer failed;
 * never NULL for an empty text.  The buffer is left empty and reusable. */
char *sb_detach(struct strbuf *sb);

/* Free the memory; the buffer is left empty and reusable. */
void sb_release(struct strbuf *sb);

#endif
