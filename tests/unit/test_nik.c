/*
 * test_nik.c — the NIK of SPEC §5, the ages of SPEC §6 and the Luhn check
 * digit of SPEC §4 step 6 (batch/nik.h).
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "nik.h"

/* ---- NIK form ---------------------------------------------------------- */

static void
test_16_digits(void)
{
	CU_ASSERT_TRUE(nik_is_16_digits("3171012002220001"));
	CU_ASSERT_TRUE(nik_is_16_digits("0000000000000000"));
	CU_ASSERT_TRUE(nik_is_16_digits("9999999999999999"));

	CU_ASSERT_FALSE(nik_is_16_digits(NULL));
	CU_ASSERT_FALSE(nik_is_16_digits(""));
	CU_ASSERT_FALSE(nik_is_16_digits("317101200222000"));
	CU_ASSERT_FALSE(nik_is_16_digits("31710120022200011"));
	CU_ASSERT_FALSE(nik_is_16_digits("317101200222000A"));
	CU_ASSERT_FALSE(nik_is_16_digits("A171012002220001"));
	CU_ASSERT_FALSE(nik_is_16_digits("3171 12002220001"));
	CU_ASSERT_FALSE(nik_is_16_digits(" 3171012002220001"));
	CU_ASSERT_FALSE(nik_is_16_digits("3171012002220001 "));
	CU_ASSERT_FALSE(nik_is_16_digits("3171012002220001\n"));
	CU_ASSERT_FALSE(nik_is_16_digits("-171012002220001"));
	CU_ASSERT_FALSE(nik_is_16_digits("3171.12002220001"));
	CU_ASSERT_FALSE(nik_is_16_digits("3171-0120-0222-0001"));
	/* U+0661 ARABIC-INDIC DIGIT ONE is not an ASCII digit */
	CU_ASSERT_FALSE(nik_is_16_digits("317101200222000\xd9\xa1"));
	CU_ASSERT_FALSE(nik_is_16_digits("\xff\xff\xff\xff\xff\xff\xff\xff"
	                                 "\xff\xff\xff\xff\xff\xff\xff\xff"));
}

/* A short string in a heap block of its own size: no read past the NUL. */
static void
test_16_digits_short_heap(void)
{
	size_t n;

	for (n = 0; n < 16; n++) {
		char *s = malloc(n + 1);

		if (s == NULL) {
			CU_FAIL_FATAL("out of memory");
			return;
		}
		memset(s, '7', n);
		s[n] = '\0';
		CU_ASSERT_FALSE(nik_is_16_digits(s));
		CU_ASSERT_FALSE(nik_matches(s, 2022, 2, 20, 'L'));
		free(s);
	}
}

/* ---- NIK against birth date and sex ----------------------------------- */

static void
test_matches_male(void)
{
	/* 31 71 01 | 20 02 22 | 0001: born 20/2/2022 */
	CU_ASSERT_TRUE(nik_matches("3171012002220001", 2022, 2, 20, 'L'));
	CU_ASSERT_TRUE(nik_matches("3273010101900123", 1990, 1, 1, 'L'));
	CU_ASSERT_TRUE(nik_matches("3273013112990123", 1999, 12, 31, 'L'));
	CU_ASSERT_FALSE(nik_matches("3171012002220001", 2022, 2, 20, 'P'));
}

static void
test_matches_female(void)
{
	/* women: day + 40, so 60 is the 20th, 52 the 12th, 41 the 1st */
	CU_ASSERT_TRUE(nik_matches("3171016002220001", 2022, 2, 20, 'P'));
	CU_ASSERT_TRUE(nik_matches("3171015203990001", 1999, 3, 12, 'P'));
	CU_ASSERT_TRUE(nik_matches("3171014101850001", 1985, 1, 1, 'P'));
	CU_ASSERT_TRUE(nik_matches("3171017112850001", 1985, 12, 31, 'P'));
	/* the raw DD is not the day for a woman, nor +40 for a man */
	CU_ASSERT_FALSE(nik_matches("3171015203990001", 1999, 3, 52, 'P'));
	CU_ASSERT_FALSE(nik_matches("3171015203990001", 1999, 3, 12, 'L'));
	CU_ASSERT_FALSE(nik_matches("3171011203990001", 1999, 3, 12, 'P'));
	CU_ASSERT_FALSE(nik_matches("3171016002220001", 2022, 2, 20, 'L'));
}

static void
test_matches_century(void)
{
	/* YY is the year mod 100: 00 stands for 1900 and 2000 alike */
	CU_ASSERT_TRUE(nik_matches("3171010101000001", 2000, 1, 1, 'L'));
	CU_ASSERT_TRUE(nik_matches("3171010101000001", 1900, 1, 1, 'L'));
	CU_ASSERT_TRUE(nik_matches("3171012902000001", 2000, 2, 29, 'L'));
	CU_ASSERT_TRUE(nik_matches("3171016902000001", 2000, 2, 29, 'P'));
	CU_ASSERT_TRUE(nik_matches("3171013112990001", 1999, 12, 31, 'L'));
	CU_ASSERT_TRUE(nik_matches("3171010101990001", 2099, 1, 1, 'L'));
	CU_ASSERT_FALSE(nik_matches("3171010101000001", 2001, 1, 1, 'L'));
	CU_ASSERT_FALSE(nik_matches("3171010101000001", 1901, 1, 1, 'L'));
	CU_ASSERT_FALSE(nik_matches("3171010101000001", 1999, 1, 1, 'L'));
}

static void
test_matches_mismatch(void)
{
	CU_ASSERT_FALSE(nik_matches("3171012002220001", 2022, 2, 21, 'L'));
	CU_ASSERT_FALSE(nik_matches("3171012002220001", 2022, 2, 19, 'L'));
	CU_ASSERT_FALSE(nik_matches("3171012002220001", 2022, 3, 20, 'L'));
	CU_ASSERT_FALSE(nik_matches("3171012002220001", 2021, 2, 20, 'L'));
	CU_ASSERT_FALSE(nik_matches("3171012002220001", 2023, 2, 20, 'L'));
	/* day and month swapped */
	CU_ASSERT_FALSE(nik_matches("3171010512900001", 1990, 5, 12, 'L'));
	CU_ASSERT_TRUE(nik_matches("3171010512900001", 1990, 12, 5, 'L'));
	/* sex must be exactly 'L' or 'P' */
	CU_ASSERT_FALSE(nik_matches("3171012002220001", 2022, 2, 20, 'l'));
	CU_ASSERT_FALSE(nik_matches("3171016002220001", 2022, 2, 20, 'p'));
	CU_ASSERT_FALSE(nik_matches("3171012002220001", 2022, 2, 20, 'p'));
	CU_ASSERT_FALSE(nik_matches("3171016002220001", 2022, 2, 20, 'l'));
	CU_ASSERT_FALSE(nik_matches("3171012002220001", 2022, 2, 20, 'M'));
	CU_ASSERT_FALSE(nik_matches("3171016002220001", 2022, 2, 20, 'F'));
	CU_ASSERT_FALSE(nik_matches("3171012002220001", 2022, 2, 20, '\0'));
	/* a negative year never matches */
	CU_ASSERT_FALSE(nik_matches("3171012002220001", -22, 2, 20, 'L'));
}

static void
test_matches_malformed(void)
{
	CU_ASSERT_FALSE(nik_matches(NULL, 2022, 2, 20, 'L'));
	CU_ASSERT_FALSE(nik_matches("", 2022, 2, 20, 'L'));
	CU_ASSERT_FALSE(nik_matches("317101200222000", 2022, 2, 20, 'L'));
	CU_ASSERT_FALSE(nik_matches("31710120022200012", 2022, 2, 20, 'L'));
	CU_ASSERT_FALSE(nik_matches("317101200222000X", 2022, 2, 20, 'L'));
	CU_ASSERT_FALSE(nik_matches("317101 002220001", 2022, 2, 20, 'L'));
	/* ':' - '0' == 10: a non-digit must not pass as a number */
	CU_ASSERT_FALSE(nik_matches("3171012:02220001", 2022, 2, 20, 'L'));
}

/* ---- ages ------------------------------------------------------------- */

/* close date 20/2/2022, rules 18..64 unless said otherwise */
#define CLOSE 2022, 2, 20

static void
test_age_min(void)
{
	/* exactly 18 on the close date */
	CU_ASSERT_TRUE(nik_age_eligible(2004, 2, 20, CLOSE, 18, 64));
	/* one day short */
	CU_ASSERT_FALSE(nik_age_eligible(2004, 2, 21, CLOSE, 18, 64));
	CU_ASSERT_TRUE(nik_age_eligible(2004, 2, 19, CLOSE, 18, 64));
	CU_ASSERT_FALSE(nik_age_eligible(2005, 1, 1, CLOSE, 18, 64));
	CU_ASSERT_TRUE(nik_age_eligible(2003, 12, 31, CLOSE, 18, 64));
	/* year boundary: 18th birthday on 1/1 */
	CU_ASSERT_TRUE(nik_age_eligible(2004, 1, 1, 2022, 1, 1, 18, 64));
	CU_ASSERT_FALSE(nik_age_eligible(2004, 1, 1, 2021, 12, 31, 18, 64));
	/* min_age 0: born on the close date */
	CU_ASSERT_TRUE(nik_age_eligible(2022, 2, 20, CLOSE, 0, 64));
	CU_ASSERT_FALSE(nik_age_eligible(2022, 2, 21, CLOSE, 0, 64));
}

static void
test_age_max(void)
{
	/* exactly 64 */
	CU_ASSERT_TRUE(nik_age_eligible(1958, 2, 20, CLOSE, 18, 64));
	/* the day before the 65th birthday: still 64 */
	CU_ASSERT_TRUE(nik_age_eligible(1957, 2, 21, CLOSE, 18, 64));
	/* the 65th birthday: too old */
	CU_ASSERT_FALSE(nik_age_eligible(1957, 2, 20, CLOSE, 18, 64));
	CU_ASSERT_FALSE(nik_age_eligible(1957, 2, 19, CLOSE, 18, 64));
	CU_ASSERT_FALSE(nik_age_eligible(1900, 1, 1, CLOSE, 18, 64));
	/* min == max: only that one year of age */
	CU_ASSERT_TRUE(nik_age_eligible(2004, 2, 20, CLOSE, 18, 18));
	CU_ASSERT_TRUE(nik_age_eligible(2003, 2, 21, CLOSE, 18, 18));
	CU_ASSERT_FALSE(nik_age_eligible(2003, 2, 20, CLOSE, 18, 18));
}

static void
test_age_no_upper_limit(void)
{
	CU_ASSERT_TRUE(nik_age_eligible(1957, 2, 20, CLOSE, 18, 0));
	CU_ASSERT_TRUE(nik_age_eligible(1900, 1, 1, CLOSE, 18, 0));
	CU_ASSERT_TRUE(nik_age_eligible(1900, 1, 1, 2999, 12, 31, 18, 0));
	/* the lower limit still applies */
	CU_ASSERT_FALSE(nik_age_eligible(2004, 2, 21, CLOSE, 18, 0));
	CU_ASSERT_TRUE(nik_age_eligible(2004, 2, 20, CLOSE, 18, 0));
	/* 0..0: everyone born by the close date */
	CU_ASSERT_TRUE(nik_age_eligible(2022, 2, 20, CLOSE, 0, 0));
	CU_ASSERT_FALSE(nik_age_eligible(2022, 2, 21, CLOSE, 0, 0));
}

static void
test_age_29_february(void)
{
	/* 18th birthday of a 29/2/2004 child falls on 28/2/2022 */
	CU_ASSERT_TRUE(nik_age_eligible(2004, 2, 29, 2022, 2, 28, 18, 64));
	CU_ASSERT_FALSE(nik_age_eligible(2004, 2, 29, 2022, 2, 27, 18, 64));
	CU_ASSERT_TRUE(nik_age_eligible(2004, 2, 29, 2022, 3, 1, 18, 64));
	/* in a leap year the birthday is the 29th itself */
	CU_ASSERT_FALSE(nik_age_eligible(2004, 2, 29, 2024, 2, 28, 20, 64));
	CU_ASSERT_TRUE(nik_age_eligible(2004, 2, 29, 2024, 2, 29, 20, 64));
	/* 2100 is a common year, 2000 a leap one */
	CU_ASSERT_TRUE(nik_age_eligible(2080, 2, 29, 2100, 2, 28, 20, 64));
	CU_ASSERT_FALSE(nik_age_eligible(1980, 2, 29, 2000, 2, 28, 20, 64));
	CU_ASSERT_TRUE(nik_age_eligible(1980, 2, 29, 2000, 2, 29, 20, 64));
	/* upper limit: 65th birthday of 29/2/1956 is 28/2/2021 */
	CU_ASSERT_TRUE(nik_age_eligible(1956, 2, 29, 2021, 2, 27, 18, 64));
	CU_ASSERT_FALSE(nik_age_eligible(1956, 2, 29, 2021, 2, 28, 18, 64));
	CU_ASSERT_FALSE(nik_age_eligible(1956, 2, 29, 2021, 3, 1, 18, 64));
	/* with max_age 67 the 68th birthday is 29/2/2024, a leap year */
	CU_ASSERT_TRUE(nik_age_eligible(1956, 2, 29, 2024, 2, 28, 18, 67));
	CU_ASSERT_FALSE(nik_age_eligible(1956, 2, 29, 2024, 2, 29, 18, 67));
	/* the other Februaries are not touched */
	CU_ASSERT_FALSE(nik_age_eligible(2004, 2, 28, 2022, 2, 27, 18, 64));
	CU_ASSERT_TRUE(nik_age_eligible(2004, 2, 28, 2022, 2, 28, 18, 64));
}

static void
test_age_odd_input(void)
{
	/* born after the close date */
	CU_ASSERT_FALSE(nik_age_eligible(2030, 1, 1, CLOSE, 18, 64));
	CU_ASSERT_FALSE(nik_age_eligible(2030, 1, 1, CLOSE, 0, 0));
	/* negative ages are a caller's bug and nobody qualifies */
	CU_ASSERT_FALSE(nik_age_eligible(1990, 1, 1, CLOSE, -1, 64));
	CU_ASSERT_FALSE(nik_age_eligible(1990, 1, 1, CLOSE, 18, -1));
	/* extreme ages do not overflow */
	CU_ASSERT_FALSE(nik_age_eligible(1990, 1, 1, CLOSE, 2147483647, 0));
	CU_ASSERT_TRUE(nik_age_eligible(1990, 1, 1, CLOSE, 18, 2147483647));
	CU_ASSERT_FALSE(nik_age_eligible(2147483647, 12, 31, CLOSE, 2147483647, 0));
}

/* ---- Luhn ------------------------------------------------------------- */

static void
test_luhn_known(void)
{
	CU_ASSERT_TRUE(luhn_valid("79927398713"));
	CU_ASSERT_TRUE(luhn_valid("4111111111111111"));
	CU_ASSERT_TRUE(luhn_valid("4539578763621486"));
	CU_ASSERT_TRUE(luhn_valid("5555555555554444"));
	CU_ASSERT_TRUE(luhn_valid("378282246310005"));
	CU_ASSERT_TRUE(luhn_valid("1234567812345670"));
	CU_ASSERT_TRUE(luhn_valid("0000000000000000"));
	CU_ASSERT_TRUE(luhn_valid("00"));
	CU_ASSERT_TRUE(luhn_valid("18"));

	CU_ASSERT_EQUAL(luhn_check_digit("7992739871"), 3);
	CU_ASSERT_EQUAL(luhn_check_digit("411111111111111"), 1);
	CU_ASSERT_EQUAL(luhn_check_digit("453957876362148"), 6);
	CU_ASSERT_EQUAL(luhn_check_digit("123456781234567"), 0);
	CU_ASSERT_EQUAL(luhn_check_digit("000000000000000"), 0);
	CU_ASSERT_EQUAL(luhn_check_digit("0"), 0);
	CU_ASSERT_EQUAL(luhn_check_digit("1"), 8);
	CU_ASSERT_EQUAL(luhn_check_digit("5"), 9);
	CU_ASSERT_EQUAL(luhn_check_digit("9"), 1);
}

static void
test_luhn_invalid(void)
{
	char s[] = "79927398713";
	int d;

	/* every other check digit is wrong */
	for (d = 0; d <= 9; d++) {
		s[10] = (char) ('0' + d);
		CU_ASSERT_EQUAL(luhn_valid(s), d == 3);
	}
	/* an adjacent transposition is caught */
	CU_ASSERT_FALSE(luhn_valid("79927398731"));
	CU_ASSERT_FALSE(luhn_valid("97927398713"));
	/* too short, not digits, NULL */
	CU_ASSERT_FALSE(luhn_valid(NULL));
	CU_ASSERT_FALSE(luhn_valid(""));
	CU_ASSERT_FALSE(luhn_valid("0"));
	CU_ASSERT_FALSE(luhn_valid("7992739871a"));
	CU_ASSERT_FALSE(luhn_valid("79927398713 "));
	CU_ASSERT_FALSE(luhn_valid(" 79927398713"));
	CU_ASSERT_FALSE(luhn_valid("7992-7398-713"));
	CU_ASSERT_FALSE(luhn_valid("-79927398713"));

	CU_ASSERT_EQUAL(luhn_check_digit(NULL), -1);
	CU_ASSERT_EQUAL(luhn_check_digit(""), -1);
	CU_ASSERT_EQUAL(luhn_check_digit("799273987a"), -1);
	CU_ASSERT_EQUAL(luhn_check_digit("7992739871 "), -1);
	CU_ASSERT_EQUAL(luhn_check_digit("\xff"), -1);
}

/*
 * For generated 15-digit payloads, payload + check digit is valid and
 * any single changed digit makes it invalid (what Luhn promises).
 */
static void
test_luhn_property(void)
{
	unsigned long state = 3550000;
	char s[17];
	int i, j, d, check;

	for (i = 0; i < 2000; i++) {
		for (j = 0; j < 15; j++) {
			state = state * 6364136223846793005UL + 1442695040888963407UL;
			s[j] = (char) ('0' + (state >> 33) % 10);
		}
		s[15] = '\0';
		check = luhn_check_digit(s);
		CU_ASSERT_FATAL(check >= 0 && check <= 9);
		s[15] = (char) ('0' + check);
		s[16] = '\0';
		CU_ASSERT_TRUE(luhn_valid(s));
		CU_ASSERT_TRUE(nik_is_16_digits(s));
		j = (int) ((state >> 40) % 16);
		d = s[j];
		s[j] = (char) ('0' + (d - '0' + 1 + (int) ((state >> 20) % 9)) % 10);
		CU_ASSERT_FALSE(luhn_valid(s));
	}
}

/* A long number: the running sum must not overflow. */
static void
test_luhn_long(void)
{
	size_t n = 1000000;
	char *s = malloc(n + 2);
	int check;

	if (s == NULL) {
		CU_FAIL_FATAL("out of memory");
		return;
	}
	memset(s, '9', n);
	s[n] = '\0';
	check = luhn_check_digit(s);
	CU_ASSERT(check >= 0 && check <= 9);
	s[n] = (char) ('0' + check);
	s[n + 1] = '\0';
	CU_ASSERT_TRUE(luhn_valid(s));
	free(s);
}

static CU_TestInfo form_tests[] = {
    {.pName = "exactly 16 ASCII digits", .pTestFunc = test_16_digits},
    {.pName = "short strings, no over-read", .pTestFunc = test_16_digits_short_heap},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo match_tests[] = {
    {.pName = "men: DD is the day", .pTestFunc = test_matches_male},
    {.pName = "women: DD is the day + 40", .pTestFunc = test_matches_female},
    {.pName = "YY: 00 for 1900 and 2000", .pTestFunc = test_matches_century},
    {.pName = "mismatches and bad sex", .pTestFunc = test_matches_mismatch},
    {.pName = "malformed NIK", .pTestFunc = test_matches_malformed},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo age_tests[] = {
    {.pName = "lower limit on the close date", .pTestFunc = test_age_min},
    {.pName = "upper limit: the day before max+1", .pTestFunc = test_age_max},
    {.pName = "max_age 0 is no upper limit", .pTestFunc = test_age_no_upper_limit},
    {.pName = "born on 29 February", .pTestFunc = test_age_29_february},
    {.pName = "odd input", .pTestFunc = test_age_odd_input},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo luhn_tests[] = {
    {.pName = "known numbers", .pTestFunc = test_luhn_known},
    {.pName = "invalid numbers", .pTestFunc = test_luhn_invalid},
    {.pName = "check digit makes valid, one change breaks", .pTestFunc = test_luhn_property},
    {.pName = "a million digits", .pTestFunc = test_luhn_long},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
    {.pName = "nik form", .pTests = form_tests},
    {.pName = "nik birth date and sex", .pTests = match_tests},
    {.pName = "nik age", .pTests = age_tests},
    {.pName = "luhn", .pTests = luhn_tests},
    CU_SUITE_INFO_NULL,
};
