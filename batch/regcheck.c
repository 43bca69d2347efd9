/*
 * regcheck.c — see regcheck.h.
 *
 * Each check below mirrors one CASE of gelombang.registration_error() (and
 * is_date, is_timestamptz) and may only be stricter than it, never looser.
 * Fields are compared byte by byte: digits and the separators are ASCII,
 * and a record holding a double quote is never called clean, so the bytes
 * between two commas are exactly the text COPY's CSV mode will store.  An
 * empty field is COPY's null.
 */
#include "regcheck.h"

#define REGCHECK_FIELDS 11

struct field {
	const unsigned char *p;
	size_t n;
};

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
all_digits(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(p[i]))
			return false;
	return true;
}

/* two digits at p as a number (the caller checked they are digits) */
static int
num2(const unsigned char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* registration_error: "must have a non-space character" — a visible ASCII
 * character is never white space, whatever the locale */
static bool
has_visible_ascii(struct field f)
{
	for (size_t i = 0; i < f.n; i++)
		if (f.p[i] > 0x20 && f.p[i] < 0x7F)
			return true;
	return false;
}

/* is_date: YYYY-MM-DD, year at least 1, a day of that month */
static bool
date_ok(const unsigned char *p)
{
	static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (!all_digits(p, 4) || p[4] != '-' || !all_digits(p + 5, 2) || p[7] != '-' ||
	    !all_digits(p + 8, 2))
		return false;
	y = num2(p) * 100 + num2(p + 2);
	m = num2(p + 5);
	d = num2(p + 8);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

/* is_timestamptz: YYYY-MM-DD[T ]HH:MM[:SS[.f{1,6}]] then Z, ±HH, ±HHMM or
 * ±HH:MM; hour below 24, minutes and seconds below 60, offset hours at most
 * 14 and offset minutes below 60 */
static bool
timestamptz_ok(struct field f)
{
	const unsigned char *p = f.p;
	size_t n = f.n, i;

	if (n < 17 || !date_ok(p) || (p[10] != 'T' && p[10] != ' ') || !all_digits(p + 11, 2) ||
	    p[13] != ':' || !all_digits(p + 14, 2) || num2(p + 11) >= 24 || num2(p + 14) >= 60)
		return false;
	i = 16;
	if (p[i] == ':') {
		if (i + 3 > n || !all_digits(p + i + 1, 2) || num2(p + i + 1) >= 60)
			return false;
		i += 3;
		if (i < n && p[i] == '.') {
			size_t k = 0;

			for (i++; i < n && is_digit(p[i]); i++)
				k++;
			if (k < 1 || k > 6)
				return false;
		}
	}
	if (i >= n)
		return false;
	if (p[i] == 'Z')
		return i + 1 == n;
	if (p[i] != '+' && p[i] != '-')
		return false;
	i++;
	if (i + 2 > n || !all_digits(p + i, 2) || num2(p + i) > 14)
		return false;
	i += 2;
	if (i == n)
		return true;
	if (p[i] == ':')
		i++;
	return i + 2 == n && all_digits(p + i, 2) && num2(p + i) < 60;
}

/* phone: empty, or +62 or 08 followed by 8 to 13 digits */
static bool
phone_ok(struct field f)
{
	if (f.n == 0)
		return true;
	if (f.n >= 3 && f.p[0] == '+' && f.p[1] == '6' && f.p[2] == '2')
		return f.n >= 11 && f.n <= 16 && all_digits(f.p + 3, f.n - 3);
	if (f.n >= 2 && f.p[0] == '0' && f.p[1] == '8')
		return f.n >= 10 && f.n <= 15 && all_digits(f.p + 2, f.n - 2);
	return false;
}

static bool
is_word(struct field f, const char *w)
{
	size_t i;

	for (i = 0; i < f.n && w[i]; i++)
		if (f.p[i] != (unsigned char) w[i])
			return false;
	return i == f.n && w[i] == '\0';
}

static bool
is_bool(struct field f)
{
	return is_word(f, "true") || is_word(f, "false");
}

bool
regcheck_clean(const char *rec, size_t len)
{
	const unsigned char *s = (const unsigned char *) rec;
	struct field f[REGCHECK_FIELDS];
	size_t start = 0;
	int k = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] == '"')
			return false;
		if (i == len || s[i] == ',') {
			if (k == REGCHECK_FIELDS)
				return false;
			f[k].p = s + start;
			f[k].n = i - start;
			k++;
			start = i + 1;
		}
	}
	if (k != REGCHECK_FIELDS)
		return false;
	/* nik, kk */
	if (f[0].n != 16 || !all_digits(f[0].p, 16) || f[1].n != 16 || !all_digits(f[1].p, 16))
		return false;
	/* name, birth_date, sex, occupation */
	if (!has_visible_ascii(f[2]) || f[3].n != 10 || !date_ok(f[3].p) ||
	    !(is_word(f[4], "L") || is_word(f[4], "P")) || !has_visible_ascii(f[5]))
		return false;
	/* in_school, receives_aid, region_code (empty: the NIK's) */
	if (!is_bool(f[6]) || !is_bool(f[7]) ||
	    !(f[8].n == 0 || (f[8].n == 4 && all_digits(f[8].p, 4))))
		return false;
	/* phone, joined_at */
	return phone_ok(f[9]) && timestamptz_ok(f[10]);
}
