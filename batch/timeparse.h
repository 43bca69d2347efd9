/*
 * timeparse.h — the time strings of SPEC §2, parsed without a clock.
 *
 * Accepted forms:
 *   ISO 8601: YYYY-MM-DD[T| ]HH:MM[:SS[.ffffff]] then Z, ±HH:MM, ±HHMM, ±HH,
 *             or nothing (then the configured timezone applies);
 *   Indonesian: [DayName] [(]D/M/YYYY[)] [pukul] HH.MM[.SS] [WIB|WITA|WIT],
 *             e.g. "20/2/2022 23.59 WIB", "Minggu (20/2/2022) pukul 23.59 WIB".
 *             WIB = +07:00, WITA = +08:00, WIT = +09:00.  A day name, when
 *             given, must be an Indonesian day name (Senin … Minggu, any case)
 *             and must match the date.
 * Calendar checks are exact (31/4 and 29/2 of a common year are refused);
 * hour 24 is refused; seconds 0–59; offsets at most ±14:00.
 *
 * Nothing here allocates; the caller owns every buffer.
 */
#ifndef GELOMBANG_TIMEPARSE_H
#define GELOMBANG_TIMEPARSE_H

#include <stdbool.h>
#include <stddef.h>

struct gb_time {
	int year, month, day;
	int hour, minute, second;
	int usec;        /* 0–999999 */
	bool has_offset; /* false: local time in the configured timezone */
	int offset_min;  /* east of UTC, minutes; valid when has_offset */
};

/*
 * Parse s into *out.  Returns 0, or -1 with a one-line reason in err
 * (lower case, no trailing period, e.g. "month 13 out of range").
 * Leading and trailing white space is ignored.  On failure *out is left
 * unchanged; err may be NULL (or errlen 0) when the reason is not wanted.
 * Reads s only up to its NUL and never crashes on any bytes.
 */
int tp_parse(const char *s, struct gb_time *out, char *err, size_t errlen);

/*
 * Write t as text PostgreSQL reads as timestamptz (with offset) or as
 * timestamp (without): "2022-02-20 23:59:00.000000+07:00".  Returns the
 * length written, truncating like snprintf.
 */
int tp_format_pg(const struct gb_time *t, char *buf, size_t len);

#endif
