/*
 * timeparse.c — the time strings of SPEC §2, parsed without a clock.
 *
 * A hand-written scanner over [p, end): every read is checked against end,
 * and end is the string's own NUL (less trailing white space), so no input,
 * however malformed, is read past.  Numbers are scanned with a digit
 * limit, never accumulated beyond it, so a long run of digits is an error
 * rather than an overflow.
 *
 * No <ctype.h>, strptime or strtol: their classes and forms follow the
 * locale, and a deadline must mean the same thing whatever LC_ALL says.
 */
#include "timeparse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TP_MIN_YEAR       1900
#define TP_MAX_YEAR       2999
#define TP_MAX_OFFSET_MIN (14 * 60)

struct scan {
	const char *p;
	const char *end;
	char *err;
	size_t errlen;
};

/* Index = weekday, 0 = Sunday, as weekday() returns it. */
static const char *const day_names[7] = {
    "Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu",
};

static const struct {
	const char *name;
	int offset_min;
} zones[] = {
    {"WIB", 7 * 60},
    {"WITA", 8 * 60},
    {"WIT", 9 * 60},
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Between the tokens of the Indonesian form. */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Around the whole string: what a shell variable or CSV cell may carry. */
static bool
is_space(char c)
{
	return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char
to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII only) comparison of [s, s+n) with word. */
static bool
word_equal(const char *s, size_t n, const char *word)
{
	size_t i;

	if (strlen(word) != n)
		return false;
	for (i = 0; i < n; i++)
		if (to_lower(s[i]) != to_lower(word[i]))
			return false;
	return true;
}

static int
fail(struct scan *sc, const char *fmt, ...)
{
	va_list ap;

	if (sc->err != NULL && sc->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(sc->err, sc->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool
at_end(const struct scan *sc)
{
	return sc->p >= sc->end;
}

/* The next character, or NUL at the end: NUL matches no token. */
static char
peek(const struct scan *sc)
{
	return at_end(sc) ? '\0' : *sc->p;
}

static bool
accept(struct scan *sc, char c)
{
	if (peek(sc) != c)
		return false;
	sc->p++;
	return true;
}

static size_t
skip_blanks(struct scan *sc)
{
	size_t n = 0;

	while (is_blank(peek(sc))) {
		sc->p++;
		n++;
	}
	return n;
}

/* The length of the run of digits at the cursor, without consuming it. */
static size_t
digit_run(const struct scan *sc)
{
	const char *q = sc->p;

	while (q < sc->end && is_digit(*q))
		q++;
	return (size_t) (q - sc->p);
}

/* Consume n digits (the caller has checked they are there) as a number. */
static int
take_digits(struct scan *sc, size_t n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*sc->p++ - '0');
	return v;
}

/*
 * Exactly n digits; what follows is the caller's business, since ±HHMM
 * runs two fields together.
 */
static int
scan_exact(struct scan *sc, size_t n, int *v, const char *what)
{
	if (digit_run(sc) < n)
		return fail(sc, "%s must have %zu digits", what, n);
	*v = take_digits(sc, n);
	return 0;
}

/* A whole run of min..max digits. */
static int
scan_run(struct scan *sc, size_t min, size_t max, int *v, const char *what)
{
	size_t n = digit_run(sc);

	if (n >= min && n <= max) {
		*v = take_digits(sc, n);
		return 0;
	}
	if (min == max)
		return fail(sc, "%s must have %zu digits", what, min);
	return fail(sc, "%s must have %zu %s %zu digits", what, min, max == min + 1 ? "or" : "to",
	            max);
}

static int
expect(struct scan *sc, char c, const char *where)
{
	if (!accept(sc, c))
		return fail(sc, "expected '%c' %s", c, where);
	return 0;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return (m == 2 && is_leap(y)) ? 29 : days[m - 1];
}

/* Sakamoto's method; 0 = Sunday.  Valid for the Gregorian years we accept. */
static int
weekday(int y, int m, int d)
{
	static const int t[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};

	if (m < 3)
		y--;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

static int
check_date(struct scan *sc, int y, int m, int d)
{
	if (y < TP_MIN_YEAR || y > TP_MAX_YEAR)
		return fail(sc, "year %d out of range (%d to %d)", y, TP_MIN_YEAR, TP_MAX_YEAR);
	if (m < 1 || m > 12)
		return fail(sc, "month %d out of range", m);
	if (d < 1 || d > days_in_month(y, m))
		return fail(sc, "day %d out of range for %04d-%02d", d, y, m);
	return 0;
}

/* Hour 24 is refused: "24.00" of one day is "00.00" of the next, say so. */
static int
check_time(struct scan *sc, int h, int mi, int s)
{
	if (h > 23)
		return fail(sc, "hour %d out of range", h);
	if (mi > 59)
		return fail(sc, "minute %d out of range", mi);
	if (s > 59)
		return fail(sc, "second %d out of range", s);
	return 0;
}

/* 1 to 6 digits after the point, scaled to microseconds. */
static int
scan_fraction(struct scan *sc, int *usec)
{
	size_t n = digit_run(sc);
	int v;

	if (n < 1 || n > 6)
		return fail(sc, "fraction must have 1 to 6 digits");
	v = take_digits(sc, n);
	for (; n < 6; n++)
		v *= 10;
	*usec = v;
	return 0;
}

/* Z, ±HH:MM, ±HHMM, ±HH, or nothing; then the end of the string. */
static int
scan_iso_offset(struct scan *sc, struct gb_time *t)
{
	char sign;
	int oh, om = 0;

	if (at_end(sc))
		return 0;
	if (accept(sc, 'Z')) {
		t->has_offset = true;
		t->offset_min = 0;
	} else if (peek(sc) == '+' || peek(sc) == '-') {
		sign = *sc->p++;
		if (scan_exact(sc, 2, &oh, "offset hour") < 0)
			return -1;
		if (accept(sc, ':') || is_digit(peek(sc))) {
			if (scan_exact(sc, 2, &om, "offset minute") < 0)
				return -1;
		}
		if (om > 59)
			return fail(sc, "offset minute %d out of range", om);
		if (oh * 60 + om > TP_MAX_OFFSET_MIN)
			return fail(sc, "offset %c%02d:%02d out of range", sign, oh, om);
		t->has_offset = true;
		t->offset_min = (sign == '-' ? -1 : 1) * (oh * 60 + om);
	} else
		return fail(sc, "unexpected text after time");
	if (!at_end(sc))
		return fail(sc, "unexpected text after offset");
	return 0;
}

/* YYYY-MM-DD[T| ]HH:MM[:SS[.ffffff]][offset] */
static int
parse_iso(struct scan *sc, struct gb_time *t)
{
	if (scan_exact(sc, 4, &t->year, "year") < 0 || expect(sc, '-', "after year") < 0 ||
	    scan_exact(sc, 2, &t->month, "month") < 0 || expect(sc, '-', "after month") < 0 ||
	    scan_exact(sc, 2, &t->day, "day") < 0)
		return -1;
	if (check_date(sc, t->year, t->month, t->day) < 0)
		return -1;
	if (at_end(sc))
		return fail(sc, "missing time of day");
	if (!accept(sc, 'T') && !accept(sc, ' '))
		return fail(sc, "expected 'T' or a space after date");
	if (scan_exact(sc, 2, &t->hour, "hour") < 0 || expect(sc, ':', "after hour") < 0 ||
	    scan_exact(sc, 2, &t->minute, "minute") < 0)
		return -1;
	if (accept(sc, ':')) {
		if (scan_exact(sc, 2, &t->second, "second") < 0)
			return -1;
		if (accept(sc, '.') && scan_fraction(sc, &t->usec) < 0)
			return -1;
	} else if (peek(sc) == '.')
		return fail(sc, "fraction without seconds");
	if (check_time(sc, t->hour, t->minute, t->second) < 0)
		return -1;
	return scan_iso_offset(sc, t);
}

/* A word of ASCII letters (and the apostrophe of "Jum'at"). */
static size_t
word_run(const struct scan *sc, bool apostrophe)
{
	const char *q = sc->p;

	while (q < sc->end && (is_alpha(*q) || (apostrophe && *q == '\'')))
		q++;
	return (size_t) (q - sc->p);
}

/* The weekday a day name stands for, or -1. */
static int
day_name_lookup(const char *s, size_t n)
{
	int i;

	if (word_equal(s, n, "Jum'at"))
		return 5;
	for (i = 0; i < 7; i++)
		if (word_equal(s, n, day_names[i]))
			return i;
	return -1;
}

static int
scan_day_name(struct scan *sc, int *wday)
{
	size_t n = word_run(sc, true);

	*wday = day_name_lookup(sc->p, n);
	if (*wday < 0) {
		/* Only letters and apostrophes: safe to quote, capped. */
		return fail(sc, "unknown day name \"%.*s\"", (int) (n > 20 ? 20 : n), sc->p);
	}
	sc->p += n;
	if (skip_blanks(sc) == 0)
		return fail(sc, "expected a space after day name");
	return 0;
}

/* [(]D/M/YYYY[)] */
static int
scan_id_date(struct scan *sc, struct gb_time *t)
{
	bool paren = accept(sc, '(');

	if (digit_run(sc) < 1 || digit_run(sc) > 2)
		return fail(sc, "unrecognised date (expected YYYY-MM-DD or "
		                "D/M/YYYY)");
	t->day = take_digits(sc, digit_run(sc));
	if (expect(sc, '/', "after day") < 0 || scan_run(sc, 1, 2, &t->month, "month") < 0 ||
	    expect(sc, '/', "after month") < 0 || scan_run(sc, 4, 4, &t->year, "year") < 0)
		return -1;
	if (paren && !accept(sc, ')'))
		return fail(sc, "expected ')' after date");
	if (!paren && peek(sc) == ')')
		return fail(sc, "unbalanced ')' after date");
	return check_date(sc, t->year, t->month, t->day);
}

static int
scan_zone_name(struct scan *sc, struct gb_time *t)
{
	size_t n = word_run(sc, false);
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (word_equal(sc->p, n, zones[i].name)) {
			sc->p += n;
			t->has_offset = true;
			t->offset_min = zones[i].offset_min;
			return 0;
		}
	}
	return fail(sc, "unknown zone (expected WIB, WITA or WIT)");
}

/* [DayName] [(]D/M/YYYY[)] [pukul] HH.MM[.SS] [WIB|WITA|WIT] */
static int
parse_id(struct scan *sc, struct gb_time *t)
{
	int wday = -1;
	int actual;

	if (is_alpha(peek(sc)) && scan_day_name(sc, &wday) < 0)
		return -1;
	if (scan_id_date(sc, t) < 0)
		return -1;
	actual = weekday(t->year, t->month, t->day);
	if (wday >= 0 && wday != actual)
		return fail(sc,
		            "day name does not match the date: "
		            "%d/%d/%04d is a %s",
		            t->day, t->month, t->year, day_names[actual]);
	if (at_end(sc))
		return fail(sc, "missing time of day");
	if (skip_blanks(sc) == 0)
		return fail(sc, "expected a space after date");
	if (word_equal(sc->p, word_run(sc, false), "pukul")) {
		sc->p += 5;
		if (skip_blanks(sc) == 0)
			return fail(sc, "expected a space after \"pukul\"");
	}
	if (scan_run(sc, 1, 2, &t->hour, "hour") < 0 || expect(sc, '.', "after hour") < 0 ||
	    scan_run(sc, 2, 2, &t->minute, "minute") < 0)
		return -1;
	if (accept(sc, '.') && scan_run(sc, 2, 2, &t->second, "second") < 0)
		return -1;
	if (check_time(sc, t->hour, t->minute, t->second) < 0)
		return -1;
	if (at_end(sc))
		return 0;
	if (skip_blanks(sc) == 0)
		return fail(sc, "unexpected text after time");
	if (scan_zone_name(sc, t) < 0)
		return -1;
	if (!at_end(sc))
		return fail(sc, "unexpected text after zone");
	return 0;
}

/* YYYY- starts the ISO form; nothing in the Indonesian form can. */
static bool
looks_iso(const struct scan *sc)
{
	return sc->end - sc->p >= 5 && digit_run(sc) == 4 && sc->p[4] == '-';
}

int
tp_parse(const char *s, struct gb_time *out, char *err, size_t errlen)
{
	struct scan sc = {.err = err, .errlen = errlen};
	struct gb_time t = {0};
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (s == NULL)
		return fail(&sc, "no time given");
	sc.p = s;
	sc.end = s + strlen(s);
	while (sc.p < sc.end && is_space(*sc.p))
		sc.p++;
	while (sc.end > sc.p && is_space(sc.end[-1]))
		sc.end--;
	if (at_end(&sc))
		return fail(&sc, "empty time");

	rc = looks_iso(&sc) ? parse_iso(&sc, &t) : parse_id(&sc, &t);
	if (rc < 0)
		return -1;
	*out = t;
	return 0;
}

int
tp_format_pg(const struct gb_time *t, char *buf, size_t len)
{
	int off;

	if (!t->has_offset)
		return snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%06d", t->year, t->month,
		                t->day, t->hour, t->minute, t->second, t->usec);
	off = t->offset_min < 0 ? -t->offset_min : t->offset_min;
	return snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%06d%c%02d:%02d", t->year,
	                t->month, t->day, t->hour, t->minute, t->second, t->usec,
	                t->offset_min < 0 ? '-' : '+', off / 60, off % 60);
}
