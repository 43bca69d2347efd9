/*
 * test_regcheck.c — the client's conservative check of a registrations
 * record (batch/regcheck.h): clean records are called clean, and every
 * kind of fault the SQL check names is never called clean.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "regcheck.h"

#define GOOD_NIK "3171011201900001"
#define GOOD_KK  "3171000000000001"

/* a record from its eleven fields */
static const char *
rec(const char *nik, const char *kk, const char *name, const char *birth, const char *sex,
    const char *occ, const char *school, const char *aid, const char *region, const char *phone,
    const char *joined)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s", nik, kk, name, birth, sex,
	         occ, school, aid, region, phone, joined);
	return buf;
}

static bool
clean(const char *s)
{
	return regcheck_clean(s, strlen(s));
}

/* the good record with field i replaced by v */
static bool
clean_with(int i, const char *v)
{
	const char *f[11] = {GOOD_NIK,
	                     GOOD_KK,
	                     "Budi Santoso",
	                     "1990-01-12",
	                     "L",
	                     "BURUH",
	                     "false",
	                     "false",
	                     "3171",
	                     "081234567890",
	                     "2022-02-19T10:00:00+07:00"};

	f[i] = v;
	return clean(rec(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10]));
}

static void
test_good(void)
{
	CU_ASSERT_TRUE(
	    clean(rec(GOOD_NIK, GOOD_KK, "Budi Santoso", "1990-01-12", "L", "BURUH", "false",
	              "false", "3171", "081234567890", "2022-02-19T10:00:00+07:00")));
	CU_ASSERT_TRUE(clean(rec(GOOD_NIK, GOOD_KK, "x", "2000-02-29", "P", "A", "true", "true", "",
	                         "", "2022-02-19 10:00Z")));
	CU_ASSERT_TRUE(clean_with(2, " Ni Luh \xc3\xa9"));
	CU_ASSERT_TRUE(clean_with(9, "+6281234567"));
	CU_ASSERT_TRUE(clean_with(9, "+628123456789012"));
	CU_ASSERT_TRUE(clean_with(9, "0812345678"));
	CU_ASSERT_TRUE(clean_with(9, "081234567890123"));
	CU_ASSERT_TRUE(clean_with(10, "2022-02-19T10:00+14"));
	CU_ASSERT_TRUE(clean_with(10, "2022-02-19T10:00-1459"));
	CU_ASSERT_TRUE(clean_with(10, "2022-02-19T23:59:59.123456-00:30"));
	CU_ASSERT_TRUE(clean_with(10, "2024-02-29T00:00:00.1Z"));
	CU_ASSERT_TRUE(clean_with(3, "0001-01-01"));
	CU_ASSERT_TRUE(clean_with(3, "2400-02-29"));
}

/* the SQL check decides: never clean */
static void
test_left_to_the_database(void)
{
	/* quotes anywhere, however harmless */
	CU_ASSERT_FALSE(clean_with(2, "\"Budi\""));
	CU_ASSERT_FALSE(clean_with(2, "O\"Brien"));
	/* a name or occupation with nothing but non-ASCII or spaces */
	CU_ASSERT_FALSE(clean_with(2, ""));
	CU_ASSERT_FALSE(clean_with(2, "   "));
	CU_ASSERT_FALSE(clean_with(2, "\t"));
	CU_ASSERT_FALSE(clean_with(2, "\xc3\xa9"));
	CU_ASSERT_FALSE(clean_with(5, ""));
	CU_ASSERT_FALSE(clean_with(5, "\xe2\x80\x83"));
	/* field count */
	CU_ASSERT_FALSE(clean(""));
	CU_ASSERT_FALSE(clean(GOOD_NIK));
	CU_ASSERT_FALSE(clean_with(9, "081234567890,"));
}

static void
test_bad_fields(void)
{
	static const struct {
		int field;
		const char *value;
	} bad[] = {
	    {0, ""},
	    {0, "317101120190000"},
	    {0, "31710112019000011"},
	    {0, "317101120190000a"},
	    {0, " 3171011201900001"},
	    {1, ""},
	    {1, "317100000000000"},
	    {3, ""},
	    {3, "1990-1-12"},
	    {3, "1990-01-32"},
	    {3, "1990-02-29"},
	    {3, "1900-02-29"},
	    {3, "1990-04-31"},
	    {3, "1990-13-01"},
	    {3, "1990-00-01"},
	    {3, "1990-01-00"},
	    {3, "0000-01-01"},
	    {3, "1990/01/12"},
	    {3, "1990-01-12 "},
	    {4, ""},
	    {4, "l"},
	    {4, "X"},
	    {4, "LP"},
	    {6, ""},
	    {6, "t"},
	    {6, "TRUE"},
	    {6, "1"},
	    {7, "False"},
	    {8, "317"},
	    {8, "31711"},
	    {8, "31a1"},
	    {8, " 3171"},
	    {9, "+62"},
	    {9, "+628123456"},
	    {9, "+62812345678901234"},
	    {9, "081234567"},
	    {9, "0812345678901234"},
	    {9, "62812345678"},
	    {9, "+63812345678"},
	    {9, "0812a45678"},
	    {9, "08 12345678"},
	    {10, ""},
	    {10, "2022-02-19T10:00:00"},
	    {10, "2022-02-19T10:00"},
	    {10, "2022-02-19t10:00Z"},
	    {10, "2022-02-19T24:00Z"},
	    {10, "2022-02-19T10:60Z"},
	    {10, "2022-02-19T10:00:60Z"},
	    {10, "2022-02-19T10:00+15"},
	    {10, "2022-02-19T10:00+07:60"},
	    {10, "2022-02-19T10:00+0760"},
	    {10, "2022-02-19T10:00+7"},
	    {10, "2022-02-19T10:00+070"},
	    {10, "2022-02-19T10:00+07:00:00"},
	    {10, "2022-02-19T10:00:00.1234567Z"},
	    {10, "2022-02-19T10:00:00.Z"},
	    {10, "2022-02-19T10:00.5Z"},
	    {10, "2022-02-19T10:00Zx"},
	    {10, "2022-02-29T10:00Z"},
	    {10, "0000-02-19T10:00Z"},
	    {10, "2022-02-19T1:00Z"},
	    {10, "2022-02-19T10:00:0Z"},
	    {10, "2022-02-19T10:00:00+"},
	    {10, "2022-02-19T10:00:00+07:"},
	    {10, "2022-02-19"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (clean_with(bad[i].field, bad[i].value))
			fprintf(stderr, "\ncalled clean: field %d = \"%s\"\n", bad[i].field,
			        bad[i].value);
		CU_ASSERT_FALSE(clean_with(bad[i].field, bad[i].value));
	}
}

/* the record is not NUL-terminated: only len bytes are read */
static void
test_length_bounds(void)
{
	char buf[200];
	const char *good = rec(GOOD_NIK, GOOD_KK, "Budi", "1990-01-12", "L", "BURUH", "false",
	                       "false", "", "", "2022-02-19T10:00Z");
	size_t n = strlen(good);

	memcpy(buf, good, n);
	buf[n] = '9'; /* past the end: must not count */
	CU_ASSERT_TRUE(regcheck_clean(buf, n));
	/* every shorter prefix is a different, unclean record */
	for (size_t k = 0; k < n; k++)
		CU_ASSERT_FALSE(regcheck_clean(buf, k));
}

static CU_TestInfo tests[] = {
    {.pName = "good records are clean", .pTestFunc = test_good},
    {.pName = "quotes and non-ASCII text are left to SQL", .pTestFunc = test_left_to_the_database},
    {.pName = "every bad field is unclean", .pTestFunc = test_bad_fields},
    {.pName = "reads only len bytes", .pTestFunc = test_length_bounds},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
    {.pName = "regcheck", .pTests = tests},
    CU_SUITE_INFO_NULL,
};
