/*
 * test_strbuf.c — the string buffer (batch/strbuf.h): the text always
 * NUL-terminated, growth past any first size, formatted appends longer
 * than a first guess, detach and reuse, a file read whole.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "strbuf.h"

static void
test_empty(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	CU_ASSERT_STRING_EQUAL(sb.buf, "");
	CU_ASSERT_EQUAL(sb.len, 0);
	s = sb_detach(&sb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
	sb_release(&sb);
}

static void
test_appends(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	sb_addstr(&sb, "wave ");
	sb_addf(&sb, "%d", 23);
	sb_addch(&sb, ':');
	sb_add(&sb, " closed and more", 7);
	CU_ASSERT_FALSE(sb_failed(&sb));
	CU_ASSERT_EQUAL(sb.len, strlen("wave 23: closed"));
	CU_ASSERT_STRING_EQUAL(sb.buf, "wave 23: closed");
	s = sb_detach(&sb);
	CU_ASSERT_STRING_EQUAL(s, "wave 23: closed");
	free(s);
	/* detached: empty and reusable */
	CU_ASSERT_EQUAL(sb.len, 0);
	sb_addstr(&sb, "again");
	CU_ASSERT_STRING_EQUAL(sb.buf, "again");
	sb_release(&sb);
}

/* many small appends, and one formatted append far past the buffer */
static void
test_growth(void)
{
	struct strbuf sb = STRBUF_INIT;
	char big[5000];
	size_t i;

	for (i = 0; i < 100000; i++)
		sb_addch(&sb, (char) ('a' + i % 26));
	CU_ASSERT_EQUAL(sb.len, 100000);
	CU_ASSERT_EQUAL(sb.buf[99999], 'a' + 99999 % 26);
	CU_ASSERT_EQUAL(sb.buf[100000], '\0');
	sb_reset(&sb);
	CU_ASSERT_EQUAL(sb.len, 0);
	CU_ASSERT_STRING_EQUAL(sb.buf, "");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sb_addstr(&sb, "<");
	sb_addf(&sb, "%s|%s>", big, big);
	CU_ASSERT_EQUAL(sb.len, 1 + 2 * (sizeof(big) - 1) + 2);
	CU_ASSERT_EQUAL(sb.buf[0], '<');
	CU_ASSERT_EQUAL(sb.buf[sizeof(big)], '|');
	CU_ASSERT_EQUAL(sb.buf[sb.len - 1], '>');
	CU_ASSERT_EQUAL(sb.buf[sb.len], '\0');
	sb_release(&sb);
}

/* a text may hold NUL bytes: len, not strlen, tells */
static void
test_nul_bytes(void)
{
	struct strbuf sb = STRBUF_INIT;

	sb_add(&sb, "a\0b", 3);
	CU_ASSERT_EQUAL(sb.len, 3);
	CU_ASSERT_EQUAL(memcmp(sb.buf, "a\0b", 4), 0);
	sb_release(&sb);
}

/* a size that cannot be allocated fails the buffer, not the program */
static void
test_failure(void)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addstr(&sb, "kept");
	CU_ASSERT_FALSE(sb_grow(&sb, SIZE_MAX));
	CU_ASSERT_TRUE(sb_failed(&sb));
	sb_addstr(&sb, " lost");
	CU_ASSERT_EQUAL(sb.len, 4);
	CU_ASSERT_PTR_NULL(sb_detach(&sb));
	CU_ASSERT_FALSE(sb_failed(&sb));
	sb_release(&sb);
}

static void
test_read_file(void)
{
	char path[] = "/tmp/test_strbuf.XXXXXX";
	struct strbuf sb = STRBUF_INIT;
	FILE *f;
	int fd, i;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (i = 0; i < 3000; i++)
		fprintf(f, "line %d\n", i);
	fclose(f);
	sb_addstr(&sb, "> ");
	CU_ASSERT_EQUAL(sb_read_file(&sb, path), 0);
	CU_ASSERT_EQUAL(strncmp(sb.buf, "> line 0\nline 1\n", 16), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, "\nline 2999\n"));
	CU_ASSERT_EQUAL(sb.len, strlen(sb.buf));
	unlink(path);
	sb_reset(&sb);
	CU_ASSERT_EQUAL(sb_read_file(&sb, path), -1);
	CU_ASSERT_EQUAL(sb.len, 0);
	sb_release(&sb);
}

static CU_TestInfo strbuf_tests[] = {
    {.pName = "an empty buffer", .pTestFunc = test_empty},
    {.pName = "appends, detach and reuse", .pTestFunc = test_appends},
    {.pName = "growth", .pTestFunc = test_growth},
    {.pName = "NUL bytes in the text", .pTestFunc = test_nul_bytes},
    {.pName = "out of memory", .pTestFunc = test_failure},
    {.pName = "a whole file", .pTestFunc = test_read_file},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
    {.pName = "strbuf", .pTests = strbuf_tests},
    CU_SUITE_INFO_NULL,
};
