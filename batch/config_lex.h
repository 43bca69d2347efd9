/*
 * config_lex.h — the integer literals libconfig 1.5 truncates, found in
 * the configuration's source text (config_lex.c); for config.c only.
 *
 * libconfig 1.5 parses an integer without an L suffix into a C int and
 * silently keeps the low 32 bits of a larger one: saldo = 5000000000
 * would load as 705032704, which is in range.  The parsed tree cannot
 * tell, so the source is scanned for such literals.
 */
#ifndef GELOMBANG_CONFIG_LEX_H
#define GELOMBANG_CONFIG_LEX_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Does line `line` of the file at path hold an integer literal that
 * libconfig truncated to exactly value?  Then true, and lit (litlen bytes)
 * holds the literal as written.  False when there is none, or when the
 * file cannot be read again.  Nothing is printed.
 */
bool cfg_int_truncated(const char *path, unsigned line, int value, char *lit, size_t litlen);

#endif
