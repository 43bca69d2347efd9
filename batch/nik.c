/*
 * nik.c — the NIK of SPEC §5, the age rule of SPEC §6 and the Luhn check
 * digit of card numbers (SPEC §4 step 6).
 *
 * Pure functions over ASCII digits; no <ctype.h>, whose isdigit() may
 * accept more than '0'..'9' in some locales.
 */
#include "nik.h"

#include <stddef.h>

#define NIK_LEN               16
#define NIK_FEMALE_DAY_OFFSET 40

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Two digits at s as a number; the caller has checked they are digits. */
static int
two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

bool
nik_is_16_digits(const char *s)
{
	size_t i;

	if (s == NULL)
		return false;
	/* Stops at the first non-digit, the NUL included: never reads past. */
	for (i = 0; i < NIK_LEN; i++)
		if (!is_digit(s[i]))
			return false;
	return s[NIK_LEN] == '\0';
}

bool
nik_matches(const char *nik, int year, int month, int day, char sex)
{
	int dd, mm, yy;

	if (!nik_is_16_digits(nik) || (sex != 'L' && sex != 'P'))
		return false;
	/* province(2) regency(2) district(2) DD MM YY serial(4) */
	dd = two_digits(nik + 6);
	mm = two_digits(nik + 8);
	yy = two_digits(nik + 10);
	if (sex == 'P')
		dd -= NIK_FEMALE_DAY_OFFSET;
	/* year % 100 of a negative year is negative and so never matches */
	return dd == day && mm == month && yy == year % 100;
}

static bool
is_leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * The date n years after y-m-d as one comparable number yyyymmdd.  29
 * February lands on 28 February in a common year (SPEC §6), not on 1 March:
 * a person born on 29 February comes of age on the last day of February.
 * long long so that no int inputs can overflow.
 */
static long long
add_years(int y, int m, int d, long long n)
{
	long long ny = y + n;

	if (m == 2 && d == 29 && !is_leap(ny))
		d = 28;
	return ny * 10000 + (long long) m * 100 + d;
}

/*
 * Whole years on the close date, without computing the age itself:
 * old enough once birth + min_age years has come, too old from
 * birth + (max_age + 1) years on, so that the day before the
 * (max_age + 1)th birthday is still eligible.
 */
bool
nik_age_eligible(int by, int bm, int bd, int cy, int cm, int cd, int min_age, int max_age)
{
	long long close = (long long) cy * 10000 + (long long) cm * 100 + cd;

	/* The configuration allows 0..150; a negative age is a caller bug. */
	if (min_age < 0 || max_age < 0)
		return false;
	if (add_years(by, bm, bd, min_age) > close)
		return false;
	if (max_age != 0 && close >= add_years(by, bm, bd, (long long) max_age + 1))
		return false;
	return true;
}

/*
 * Sum of the Luhn digits of s, doubling from the right when first_doubled
 * says the rightmost digit is doubled (computing a check digit) or not
 * (validating a number that ends in its check digit).  Kept mod 10 as it
 * goes, so any length is safe.  -1 if s is empty or holds a non-digit.
 */
static int
luhn_sum(const char *s, bool first_doubled)
{
	size_t n, i;
	int sum = 0;
	bool dbl = first_doubled;

	if (s == NULL)
		return -1;
	for (n = 0; s[n] != '\0'; n++)
		if (!is_digit(s[n]))
			return -1;
	if (n == 0)
		return -1;
	for (i = n; i-- > 0;) {
		int v = s[i] - '0';

		if (dbl) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum = (sum + v) % 10;
		dbl = !dbl;
	}
	return sum;
}

int
luhn_check_digit(const char *digits)
{
	int sum = luhn_sum(digits, true);

	if (sum < 0)
		return -1;
	return (10 - sum) % 10;
}

bool
luhn_valid(const char *digits)
{
	/* A payload of at least one digit, then the check digit. */
	if (digits == NULL || digits[0] == '\0' || digits[1] == '\0')
		return false;
	return luhn_sum(digits, false) == 0;
}
