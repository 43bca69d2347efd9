/*
 * regcheck.h — a fast, conservative check of one registrations CSV record.
 *
 * gelombang.registration_error() in sql/004_import.sql is the rule of
 * SPEC §3 and writes every message; it costs the database microseconds a
 * row (regular expressions, date checks).  regcheck_clean() looks at the
 * record's bytes only and answers true when the record certainly passes
 * every one of those checks, so that import can tell the database which
 * rows need no second look.  True is a promise; false only means "let the
 * database decide": a record with a double quote anywhere, a name without
 * an ASCII character to show for it, or anything else unusual is left to
 * the SQL check, which then accepts or rejects it exactly as before.
 *
 * The record is the text between line breaks as csvframe cuts it (no line
 * break, not NUL-terminated).  No memory is allocated; nothing fails.
 */
#ifndef GELOMBANG_REGCHECK_H
#define GELOMBANG_REGCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* true: the eleven fields of SPEC §3 are all well formed */
bool regcheck_clean(const char *rec, size_t len);

#endif
