/*
 * nik.h — the Indonesian NIK and KK of SPEC §5, and the card-number check
 * digit of SPEC §4 step 6.  Pure functions, no allocation.
 *
 * The NIK is 16 digits: province (2) · regency/city (2) · district (2) ·
 * birth date DDMMYY with 40 added to DD for women · serial (4).
 */
#ifndef GELOMBANG_NIK_H
#define GELOMBANG_NIK_H

#include <stdbool.h>

/* exactly 16 ASCII digits (NIK and KK share the form) */
bool nik_is_16_digits(const char *s);

/*
 * The NIK's embedded birth date matches the given date and sex ('L' or
 * 'P'): DD (less 40 for 'P'), MM and YY equal day, month and year % 100.
 * False for a malformed NIK or a sex other than 'L'/'P'.
 */
bool nik_matches(const char *nik, int year, int month, int day, char sex);

/*
 * Eligible by age on the close date (SPEC §6): birth + min_age years <=
 * close and close < birth + (max_age + 1) years, 29 February plus years
 * landing on 28 February in a common year; max_age 0 = no upper limit.
 */
bool nik_age_eligible(int by, int bm, int bd, int cy, int cm, int cd, int min_age, int max_age);

/*
 * Luhn: the check digit for a string of digits, or -1 if not all digits
 * (an empty string or NULL is -1 too)
 */
int luhn_check_digit(const char *digits);
/*
 * Luhn: the whole number (payload and check digit) is valid; false for
 * fewer than two digits, a non-digit or NULL
 */
bool luhn_valid(const char *digits);

#endif
