/*
 * test_copyout.c — copy_split_text() (batch/copyout.h): a row of COPY's
 * text format into its fields, NULLs and backslash escapes included, as
 * audit reads the stored outcomes.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "copyout.h"

static int
split(const char *row, char *buf, size_t len, char **f, int max)
{
	snprintf(buf, len, "%s", row);
	return copy_split_text(buf, f, max);
}

static void
test_plain(void)
{
	char buf[128], *f[5];

	CU_ASSERT_EQUAL(split("3171012002220001\tUSIA\tab12\t\\N\t3550000", buf, sizeof(buf), f, 5),
	                5);
	CU_ASSERT_STRING_EQUAL(f[0], "3171012002220001");
	CU_ASSERT_STRING_EQUAL(f[1], "USIA");
	CU_ASSERT_STRING_EQUAL(f[2], "ab12");
	CU_ASSERT_PTR_NULL(f[3]);
	CU_ASSERT_STRING_EQUAL(f[4], "3550000");
}

static void
test_nulls_and_empty(void)
{
	char buf[64], *f[4];

	CU_ASSERT_EQUAL(split("\\N\t\t\\N\t", buf, sizeof(buf), f, 4), 4);
	CU_ASSERT_PTR_NULL(f[0]);
	CU_ASSERT_STRING_EQUAL(f[1], "");
	CU_ASSERT_PTR_NULL(f[2]);
	CU_ASSERT_STRING_EQUAL(f[3], "");
	CU_ASSERT_EQUAL(split("\\N", buf, sizeof(buf), f, 4), 1);
	CU_ASSERT_PTR_NULL(f[0]);
}

/* an escaped backslash followed by N is the text \N, not NULL */
static void
test_escapes(void)
{
	char buf[64], *f[3];

	CU_ASSERT_EQUAL(split("\\\\N\ta\\tb\\nc\tx\\\\y", buf, sizeof(buf), f, 3), 3);
	CU_ASSERT_STRING_EQUAL(f[0], "\\N");
	CU_ASSERT_STRING_EQUAL(f[1], "a\tb\nc");
	CU_ASSERT_STRING_EQUAL(f[2], "x\\y");
	CU_ASSERT_EQUAL(split("\\Nx\t\\N", buf, sizeof(buf), f, 3), 2);
	CU_ASSERT_STRING_EQUAL(f[0], "Nx");
	CU_ASSERT_PTR_NULL(f[1]);
}

static void
test_max_fields(void)
{
	char buf[64], *f[2];

	CU_ASSERT_EQUAL(split("a\tb\tc\td", buf, sizeof(buf), f, 2), 2);
	CU_ASSERT_STRING_EQUAL(f[0], "a");
	CU_ASSERT_STRING_EQUAL(f[1], "b");
	CU_ASSERT_EQUAL(split("a", buf, sizeof(buf), f, 0), 0);
	CU_ASSERT_EQUAL(split("", buf, sizeof(buf), f, 2), 1);
	CU_ASSERT_STRING_EQUAL(f[0], "");
}

static CU_TestInfo split_tests[] = {
    {.pName = "plain fields and a NULL", .pTestFunc = test_plain},
    {.pName = "NULLs and empty fields", .pTestFunc = test_nulls_and_empty},
    {.pName = "backslash escapes", .pTestFunc = test_escapes},
    {.pName = "at most max fields", .pTestFunc = test_max_fields},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
    {.pName = "copy_split_text", .pTests = split_tests},
    CU_SUITE_INFO_NULL,
};
