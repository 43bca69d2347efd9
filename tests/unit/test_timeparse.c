/*
 * test_timeparse.c — the time strings of SPEC §2 (batch/timeparse.h).
 *
 * Each check names the input in its failure message, so a failing line
 * says which string went wrong, not only which helper.
 */
#include <CUnit/Basic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "timeparse.h"

#define WIB  (7 * 60)
#define WITA (8 * 60)
#define WIT  (9 * 60)

static void
check(bool ok, int line, const char *msg)
{
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned) line, msg, __FILE__, "",
	                        CU_FALSE);
}

/*
 * Parse s and compare every field with want.  has_offset false in want
 * means no zone was given; offset_min is then not compared.
 */
static void
check_ok(int line, const char *s, struct gb_time want)
{
	struct gb_time got;
	char err[128] = "";
	char msg[512];
	int rc = tp_parse(s, &got, err, sizeof err);

	snprintf(msg, sizeof msg, "tp_parse(\"%s\") failed: %s", s, err);
	check(rc == 0, line, msg);
	if (rc != 0)
		return;
	snprintf(msg, sizeof msg,
	         "tp_parse(\"%s\") = %04d-%02d-%02d %02d:%02d:%02d.%06d "
	         "offset %s %d",
	         s, got.year, got.month, got.day, got.hour, got.minute, got.second, got.usec,
	         got.has_offset ? "yes" : "no", got.offset_min);
	check(got.year == want.year && got.month == want.month && got.day == want.day &&
	          got.hour == want.hour && got.minute == want.minute && got.second == want.second &&
	          got.usec == want.usec && got.has_offset == want.has_offset &&
	          (!want.has_offset || got.offset_min == want.offset_min),
	      line, msg);
}

/*
 * s must be refused, leaving *out alone, with a reason that contains
 * reason and follows the message style: lower case, no trailing period.
 */
static void
check_err(int line, const char *s, const char *reason)
{
	struct gb_time got, sentinel;
	char err[128] = "";
	char msg[512];
	int rc;
	size_t n;

	memset(&sentinel, 0x5a, sizeof sentinel);
	got = sentinel;
	rc = tp_parse(s, &got, err, sizeof err);
	snprintf(msg, sizeof msg, "tp_parse(\"%s\") accepted", s ? s : "NULL");
	check(rc == -1, line, msg);
	if (rc != -1)
		return;
	snprintf(msg, sizeof msg, "tp_parse(\"%s\") changed *out on failure", s ? s : "NULL");
	check(memcmp(&got, &sentinel, sizeof got) == 0, line, msg);
	n = strlen(err);
	snprintf(msg, sizeof msg, "tp_parse(\"%s\"): reason \"%s\" lacks \"%s\"", s ? s : "NULL",
	         err, reason);
	check(strstr(err, reason) != NULL, line, msg);
	snprintf(msg, sizeof msg, "tp_parse(\"%s\"): reason \"%s\" badly styled", s ? s : "NULL",
	         err);
	check(n > 0 && !(err[0] >= 'A' && err[0] <= 'Z') && err[n - 1] != '.', line, msg);
}

#define OK(s, ...)     check_ok(__LINE__, (s), (struct gb_time){__VA_ARGS__})
#define ERR(s, reason) check_err(__LINE__, (s), (reason))

/* A time with a zone, and one without. */
#define AT(y, mo, d, h, mi, sec, us, off)                                                          \
	.year = (y), .month = (mo), .day = (d), .hour = (h), .minute = (mi), .second = (sec),      \
	.usec = (us), .has_offset = true, .offset_min = (off)
#define LOCAL(y, mo, d, h, mi, sec, us)                                                            \
	.year = (y), .month = (mo), .day = (d), .hour = (h), .minute = (mi), .second = (sec),      \
	.usec = (us), .has_offset = false

/* ---- ISO 8601 ---------------------------------------------------------- */

static void
test_iso_forms(void)
{
	OK("2022-02-20T23:59:00+07:00", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("2022-02-20 23:59:00+07:00", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("2022-02-20T23:59+07:00", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("2022-02-20 23:59+07:00", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("2022-02-20T23:59:30+07:00", AT(2022, 2, 20, 23, 59, 30, 0, WIB));
	OK("2022-02-20T00:00:00+07:00", AT(2022, 2, 20, 0, 0, 0, 0, WIB));
	OK("2022-02-20T23:59:00Z", AT(2022, 2, 20, 23, 59, 0, 0, 0));
	OK("2022-02-20T23:59Z", AT(2022, 2, 20, 23, 59, 0, 0, 0));
	OK("2022-02-20 23:59:00Z", AT(2022, 2, 20, 23, 59, 0, 0, 0));
}

static void
test_iso_offsets(void)
{
	OK("2022-02-20T23:59:00+0700", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("2022-02-20T23:59:00+07", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("2022-02-20T23:59+07", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("2022-02-20T23:59+0800", AT(2022, 2, 20, 23, 59, 0, 0, WITA));
	OK("2022-02-20T23:59:00+09:00", AT(2022, 2, 20, 23, 59, 0, 0, WIT));
	OK("2022-02-20T23:59:00-03:30", AT(2022, 2, 20, 23, 59, 0, 0, -210));
	OK("2022-02-20T23:59:00-0330", AT(2022, 2, 20, 23, 59, 0, 0, -210));
	OK("2022-02-20T23:59:00-03", AT(2022, 2, 20, 23, 59, 0, 0, -180));
	OK("2022-02-20T23:59:00+05:45", AT(2022, 2, 20, 23, 59, 0, 0, 345));
	OK("2022-02-20T23:59:00+00:00", AT(2022, 2, 20, 23, 59, 0, 0, 0));
	OK("2022-02-20T23:59:00-00", AT(2022, 2, 20, 23, 59, 0, 0, 0));
	OK("2022-02-20T23:59:00+14:00", AT(2022, 2, 20, 23, 59, 0, 0, 840));
	OK("2022-02-20T23:59:00-14:00", AT(2022, 2, 20, 23, 59, 0, 0, -840));
	OK("2022-02-20T23:59:00-1400", AT(2022, 2, 20, 23, 59, 0, 0, -840));

	ERR("2022-02-20T23:59:00+14:01", "offset +14:01 out of range");
	ERR("2022-02-20T23:59:00-14:30", "offset -14:30 out of range");
	ERR("2022-02-20T23:59:00+15", "offset +15:00 out of range");
	ERR("2022-02-20T23:59:00+99:99", "offset minute 99 out of range");
	ERR("2022-02-20T23:59:00+07:60", "offset minute 60 out of range");
	ERR("2022-02-20T23:59:00+7", "offset hour must have 2 digits");
	ERR("2022-02-20T23:59:00+7:00", "offset hour must have 2 digits");
	ERR("2022-02-20T23:59:00+07:0", "offset minute must have 2 digits");
	ERR("2022-02-20T23:59:00+070", "offset minute must have 2 digits");
	ERR("2022-02-20T23:59:00+07000", "unexpected text after offset");
	ERR("2022-02-20T23:59:00+07:00:00", "unexpected text after offset");
	ERR("2022-02-20T23:59:00 +07:00", "unexpected text after time");
	ERR("2022-02-20T23:59:00z", "unexpected text after time");
	ERR("2022-02-20T23:59:00 WIB", "unexpected text after time");
	ERR("2022-02-20T23:59:00ZZ", "unexpected text after offset");
	ERR("2022-02-20T23:59:00+", "offset hour must have 2 digits");
	ERR("2022-02-20T23:59:00\xe2\x88\x92"
	    "07:00",
	    "unexpected text after time"); /* U+2212 minus sign */
}

static void
test_iso_fractions(void)
{
	OK("2022-02-20T23:59:00.5+07:00", AT(2022, 2, 20, 23, 59, 0, 500000, WIB));
	OK("2022-02-20T23:59:00.05Z", AT(2022, 2, 20, 23, 59, 0, 50000, 0));
	OK("2022-02-20T23:59:00.123456Z", AT(2022, 2, 20, 23, 59, 0, 123456, 0));
	OK("2022-02-20T23:59:59.999999+07", AT(2022, 2, 20, 23, 59, 59, 999999, WIB));
	OK("2022-02-20T23:59:00.000001Z", AT(2022, 2, 20, 23, 59, 0, 1, 0));
	OK("2022-02-20T23:59:00.000000Z", AT(2022, 2, 20, 23, 59, 0, 0, 0));
	OK("2022-02-20 23:59:00.25", LOCAL(2022, 2, 20, 23, 59, 0, 250000));

	ERR("2022-02-20T23:59:00.1234567Z", "fraction must have 1 to 6 digits");
	ERR("2022-02-20T23:59:00.Z", "fraction must have 1 to 6 digits");
	ERR("2022-02-20T23:59:00.", "fraction must have 1 to 6 digits");
	ERR("2022-02-20T23:59.5Z", "fraction without seconds");
	ERR("2022-02-20T23:59:00,5Z", "unexpected text after time");
}

static void
test_iso_no_zone(void)
{
	OK("2022-02-20T23:59:00", LOCAL(2022, 2, 20, 23, 59, 0, 0));
	OK("2022-02-20 23:59", LOCAL(2022, 2, 20, 23, 59, 0, 0));
	OK("2022-02-20T08:05:09.7", LOCAL(2022, 2, 20, 8, 5, 9, 700000));
}

static void
test_iso_syntax(void)
{
	ERR("2022-02-20", "missing time of day");
	ERR("2022-02-20T", "hour must have 2 digits");
	ERR("2022-02-20t23:59Z", "expected 'T' or a space after date");
	ERR("2022-02-20  23:59Z", "hour must have 2 digits");
	ERR("2022-02-20\t23:59Z", "expected 'T' or a space after date");
	ERR("2022-2-20T23:59Z", "month must have 2 digits");
	ERR("2022-02-2T23:59Z", "day must have 2 digits");
	ERR("2022-02-201T23:59Z", "expected 'T' or a space after date");
	ERR("2022-02/20T23:59Z", "expected '-' after month");
	ERR("2022-02-20T9:59Z", "hour must have 2 digits");
	ERR("2022-02-20T23.59Z", "expected ':' after hour");
	ERR("2022-02-20T23:5Z", "minute must have 2 digits");
	ERR("2022-02-20T23:59:0Z", "second must have 2 digits");
	ERR("2022-02-20T2359Z", "expected ':' after hour");
}

/* ---- the Indonesian form ---------------------------------------------- */

static void
test_id_forms(void)
{
	OK("20/2/2022 23.59 WIB", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("Minggu (20/2/2022) pukul 23.59 WIB", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("Minggu 20/2/2022 pukul 23.59 WIB", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("Minggu 20/2/2022 23.59 WIB", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("(20/2/2022) 23.59 WIB", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("20/2/2022 pukul 23.59 WIB", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("20/02/2022 23.59 WIB", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("05/02/2022 09.00 WIB", AT(2022, 2, 5, 9, 0, 0, 0, WIB));
	OK("5/2/2022 9.00 WIB", AT(2022, 2, 5, 9, 0, 0, 0, WIB));
	OK("20/2/2022 23.59.30 WIB", AT(2022, 2, 20, 23, 59, 30, 0, WIB));
	OK("20/2/2022 pukul 00.00", LOCAL(2022, 2, 20, 0, 0, 0, 0));
	OK("20/2/2022 23.59", LOCAL(2022, 2, 20, 23, 59, 0, 0));
	OK("Minggu (20/2/2022) pukul 23.59.01", LOCAL(2022, 2, 20, 23, 59, 1, 0));
	OK("MINGGU (20/2/2022) PUKUL 23.59 wib", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("minggu (20/2/2022) Pukul 23.59 Wib", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	/* Runs of blanks between the words of a hand-written time. */
	OK("Minggu  (20/2/2022)\tpukul  23.59   WIB", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
}

static void
test_id_zones(void)
{
	OK("20/2/2022 23.59 WIB", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("20/2/2022 23.59 WITA", AT(2022, 2, 20, 23, 59, 0, 0, WITA));
	OK("20/2/2022 23.59 WIT", AT(2022, 2, 20, 23, 59, 0, 0, WIT));
	OK("20/2/2022 23.59 wib", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("20/2/2022 23.59 wita", AT(2022, 2, 20, 23, 59, 0, 0, WITA));
	OK("20/2/2022 23.59 wIt", AT(2022, 2, 20, 23, 59, 0, 0, WIT));

	ERR("20/2/2022 23.59 WITT", "unknown zone");
	ERR("20/2/2022 23.59 WI", "unknown zone");
	ERR("20/2/2022 23.59 UTC", "unknown zone");
	ERR("20/2/2022 23.59 Z", "unknown zone");
	ERR("20/2/2022 23.59 +07:00", "unknown zone");
	ERR("20/2/2022 23.59WIB", "unexpected text after time");
	ERR("20/2/2022 23.59 WIB+1", "unexpected text after zone");
	ERR("20/2/2022 23.59 WIB WIB", "unexpected text after zone");
}

static void
test_id_day_names(void)
{
	/* 20/2/2022 was a Sunday. */
	OK("Minggu (20/2/2022) 12.00 WIB", AT(2022, 2, 20, 12, 0, 0, 0, WIB));
	OK("Senin (21/2/2022) 12.00 WIB", AT(2022, 2, 21, 12, 0, 0, 0, WIB));
	OK("Selasa (22/2/2022) 12.00 WIB", AT(2022, 2, 22, 12, 0, 0, 0, WIB));
	OK("Rabu (23/2/2022) 12.00 WIB", AT(2022, 2, 23, 12, 0, 0, 0, WIB));
	OK("Kamis (24/2/2022) 12.00 WIB", AT(2022, 2, 24, 12, 0, 0, 0, WIB));
	OK("Jumat (25/2/2022) 12.00 WIB", AT(2022, 2, 25, 12, 0, 0, 0, WIB));
	OK("Jum'at (25/2/2022) 12.00 WIB", AT(2022, 2, 25, 12, 0, 0, 0, WIB));
	OK("JUM'AT (25/2/2022) 12.00 WIB", AT(2022, 2, 25, 12, 0, 0, 0, WIB));
	OK("jumat (25/2/2022) 12.00 WIB", AT(2022, 2, 25, 12, 0, 0, 0, WIB));
	OK("Sabtu (26/2/2022) 12.00 WIB", AT(2022, 2, 26, 12, 0, 0, 0, WIB));
	OK("Senin (1/1/1900) 00.00 WIB", AT(1900, 1, 1, 0, 0, 0, 0, WIB));
	OK("Selasa (31/12/2999) 23.59 WIT", AT(2999, 12, 31, 23, 59, 0, 0, WIT));
	OK("Selasa (29/2/2000) 10.00 WITA", AT(2000, 2, 29, 10, 0, 0, 0, WITA));
	OK("Kamis (29/2/2024) 10.00 WITA", AT(2024, 2, 29, 10, 0, 0, 0, WITA));

	ERR("Senin (20/2/2022) pukul 23.59 WIB",
	    "day name does not match the date: 20/2/2022 is a Minggu");
	ERR("Sabtu 20/2/2022 23.59 WIB", "is a Minggu");
	ERR("Jumat (26/2/2022) 12.00 WIB", "is a Sabtu");
	ERR("Minggu (1/1/1900) 00.00 WIB", "is a Senin");
	ERR("Mingu (20/2/2022) 23.59 WIB", "unknown day name \"Mingu\"");
	ERR("Sunday (20/2/2022) 23.59 WIB", "unknown day name \"Sunday\"");
	ERR("Ahad (20/2/2022) 23.59 WIB", "unknown day name");
	ERR("Jum''at (25/2/2022) 12.00 WIB", "unknown day name");
	ERR("Minggu(20/2/2022) 23.59 WIB", "expected a space after day name");
	ERR("Minggu, 20/2/2022 23.59 WIB", "expected a space after day name");
	ERR("Minggu", "expected a space after day name");
	ERR("Minggu Minggu 20/2/2022 23.59", "unrecognised date");
}

static void
test_id_syntax(void)
{
	ERR("20/2/2022", "missing time of day");
	ERR("(20/2/2022)", "missing time of day");
	ERR("20/2/2022 pukul", "expected a space after \"pukul\"");
	ERR("20/2/2022 pukul23.59", "expected a space after \"pukul\"");
	ERR("20/2/2022 pukul pukul 23.59", "hour must have 1 or 2 digits");
	ERR("20/2/2022 23:59 WIB", "expected '.' after hour");
	ERR("20/2/2022 2359 WIB", "hour must have 1 or 2 digits");
	ERR("20/2/2022 23.5 WIB", "minute must have 2 digits");
	ERR("20/2/2022 23.590 WIB", "minute must have 2 digits");
	ERR("20/2/2022 23.59.3 WIB", "second must have 2 digits");
	ERR("20/2/2022 23.59.30.5 WIB", "unexpected text after time");
	ERR("20/2/22 23.59 WIB", "year must have 4 digits");
	ERR("20/2/02022 23.59 WIB", "year must have 4 digits");
	ERR("20/123/2022 23.59 WIB", "month must have 1 or 2 digits");
	ERR("20-2-2022 23.59 WIB", "expected '/' after day");
	ERR("20/2-2022 23.59 WIB", "expected '/' after month");
	ERR("(20/2/2022 23.59 WIB", "expected ')' after date");
	ERR("20/2/2022) 23.59 WIB", "unbalanced ')' after date");
	ERR("((20/2/2022)) 23.59 WIB", "unrecognised date");
	ERR("( 20/2/2022 ) 23.59 WIB", "unrecognised date");
	ERR("20/2/2022pukul 23.59", "expected a space after date");
	ERR("20/2/2022\xc2\xa0"
	    "23.59 WIB",
	    "expected a space after date");
}

/* ---- calendar and clock boundaries ------------------------------------ */

static void
test_boundaries(void)
{
	OK("31/12/2022 23.59 WIB", AT(2022, 12, 31, 23, 59, 0, 0, WIB));
	OK("2022-12-31T23:59:59.999999+07:00", AT(2022, 12, 31, 23, 59, 59, 999999, WIB));
	OK("1/1/2023 00.00 WIB", AT(2023, 1, 1, 0, 0, 0, 0, WIB));
	OK("31/1/2022 12.00", LOCAL(2022, 1, 31, 12, 0, 0, 0));
	OK("30/4/2022 12.00", LOCAL(2022, 4, 30, 12, 0, 0, 0));
	OK("28/2/2023 12.00", LOCAL(2023, 2, 28, 12, 0, 0, 0));
	OK("29/2/2024 12.00", LOCAL(2024, 2, 29, 12, 0, 0, 0));
	OK("29/2/2000 12.00", LOCAL(2000, 2, 29, 12, 0, 0, 0));
	OK("2024-02-29T12:00Z", AT(2024, 2, 29, 12, 0, 0, 0, 0));
	OK("2000-02-29T12:00Z", AT(2000, 2, 29, 12, 0, 0, 0, 0));
	OK("20/2/2022 23.59 WIB", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("20/2/2022 23.59.59 WIB", AT(2022, 2, 20, 23, 59, 59, 0, WIB));
	OK("2022-02-20T23:59:59Z", AT(2022, 2, 20, 23, 59, 59, 0, 0));
	OK("1900-01-01T00:00Z", AT(1900, 1, 1, 0, 0, 0, 0, 0));
	OK("2999-12-31T23:59Z", AT(2999, 12, 31, 23, 59, 0, 0, 0));

	ERR("29/2/2023 12.00", "day 29 out of range for 2023-02");
	ERR("29/2/1900 12.00", "day 29 out of range for 1900-02");
	ERR("2023-02-29T12:00Z", "day 29 out of range for 2023-02");
	ERR("1900-02-29T12:00Z", "day 29 out of range for 1900-02");
	ERR("30/2/2024 12.00", "day 30 out of range for 2024-02");
	ERR("31/4/2022 12.00", "day 31 out of range for 2022-04");
	ERR("2022-04-31T12:00Z", "day 31 out of range for 2022-04");
	ERR("31/6/2022 12.00", "day 31 out of range");
	ERR("31/9/2022 12.00", "day 31 out of range");
	ERR("31/11/2022 12.00", "day 31 out of range");
	ERR("32/1/2022 12.00", "day 32 out of range");
	ERR("0/1/2022 12.00", "day 0 out of range");
	ERR("2022-01-00T12:00Z", "day 0 out of range");
	ERR("1/13/2022 12.00", "month 13 out of range");
	ERR("2022-13-01T12:00Z", "month 13 out of range");
	ERR("1/0/2022 12.00", "month 0 out of range");
	ERR("2022-00-01T12:00Z", "month 0 out of range");
	ERR("31/12/1899 23.59", "year 1899 out of range");
	ERR("1/1/3000 00.00", "year 3000 out of range");
	ERR("0000-01-01T00:00Z", "year 0 out of range");
	ERR("9999-12-31T23:59Z", "year 9999 out of range");

	ERR("20/2/2022 24.00 WIB", "hour 24 out of range");
	ERR("2022-02-20T24:00:00+07:00", "hour 24 out of range");
	ERR("2022-02-20T24:00Z", "hour 24 out of range");
	ERR("20/2/2022 99.00", "hour 99 out of range");
	ERR("20/2/2022 23.60 WIB", "minute 60 out of range");
	ERR("2022-02-20T23:60Z", "minute 60 out of range");
	ERR("20/2/2022 23.59.60 WIB", "second 60 out of range");
	ERR("2022-02-20T23:59:60Z", "second 60 out of range");
}

/* ---- malformed input -------------------------------------------------- */

static void
test_whitespace(void)
{
	OK("  2022-02-20T23:59Z", AT(2022, 2, 20, 23, 59, 0, 0, 0));
	OK("2022-02-20T23:59Z \t\r\n", AT(2022, 2, 20, 23, 59, 0, 0, 0));
	OK("\t 20/2/2022 23.59 WIB \n", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	OK("\n2022-02-20 23:59\n", LOCAL(2022, 2, 20, 23, 59, 0, 0));
}

static void
test_malformed(void)
{
	ERR("", "empty time");
	ERR("   \t\n", "empty time");
	ERR(NULL, "no time given");
	ERR("garbage", "unknown day name \"garbage\"");
	ERR("now", "unknown day name");
	ERR("!", "unrecognised date");
	ERR("\xff\xfe", "unrecognised date");
	ERR("2022", "unrecognised date");
	ERR("2022-", "month must have 2 digits");
	ERR("2022-02", "expected '-' after month");
	ERR("2022-02-", "day must have 2 digits");
	ERR("2022-02-20T23", "expected ':' after hour");
	ERR("2022-02-20T23:", "minute must have 2 digits");
	ERR("2022-02-20T23:59:", "second must have 2 digits");
	ERR("2022-02-20T23:59+07:", "offset minute must have 2 digits");
	ERR("20/", "month must have 1 or 2 digits");
	ERR("20/2/", "year must have 4 digits");
	ERR("20/2/2022 ", "missing time of day");
	ERR("20/2/2022 23", "expected '.' after hour");
	ERR("20/2/2022 23.", "minute must have 2 digits");

	/* trailing junk */
	ERR("2022-02-20T23:59:00+07:00x", "unexpected text after offset");
	ERR("2022-02-20T23:59:00Z.", "unexpected text after offset");
	ERR("2022-02-20T23:59:00x", "unexpected text after time");
	ERR("20/2/2022 23.59 WIB.", "unexpected text after zone");
	ERR("20/2/2022 23.59 WIB x", "unexpected text after zone");
	ERR("20/2/2022 23.59x", "unexpected text after time");
	ERR("20/2/2022 23.59 WIB\xff", "unexpected text after zone");

	/* huge numbers: refused by their length, never accumulated */
	ERR("99999999999999999999-02-20T23:59Z", "unrecognised date");
	ERR("99999999999999999999/2/2022 23.59", "unrecognised date");
	ERR("20/99999999999999999999/2022 23.59", "month must have 1 or 2 digits");
	ERR("20/2/99999999999999999999 23.59", "year must have 4 digits");
	ERR("20/2/2022 99999999999999999999.00", "hour must have 1 or 2");
	ERR("20/2/2022 23.99999999999999999999", "minute must have 2 digits");
	ERR("2022-02-20T99999999999999999999:00Z", "expected ':' after hour");
	ERR("2022-02-20T23:59:00.99999999999999999999Z", "fraction must have 1 to 6 digits");
	ERR("2022-02-20T23:59:00+99999999999999999999", "offset minute 99 out of range");
	ERR("2022-02-20T23:59:00+14009999999999999999", "unexpected text after offset");
	ERR("-2022-02-20T23:59Z", "unrecognised date");
	ERR("+2022-02-20T23:59Z", "unrecognised date");
}

static void
test_err_buffer(void)
{
	struct gb_time t;
	char err[4];
	char big[64];

	/* The reason is optional. */
	CU_ASSERT_EQUAL(tp_parse("x", &t, NULL, 0), -1);
	CU_ASSERT_EQUAL(tp_parse("x", &t, err, 0), -1);
	/* and truncated, always terminated, when the buffer is short */
	memset(err, 'x', sizeof err);
	CU_ASSERT_EQUAL(tp_parse("", &t, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "emp");
	/* and cleared on success */
	strcpy(big, "stale");
	CU_ASSERT_EQUAL(tp_parse("2022-02-20T23:59Z", &t, big, sizeof big), 0);
	CU_ASSERT_STRING_EQUAL(big, "");
}

/*
 * Every prefix of valid strings, each in a heap block of exactly its
 * size: under -fsanitize=address any read past the NUL is caught.  Every
 * prefix must come back 0 or -1 with a reason.
 */
static void
test_prefixes(void)
{
	static const char *const valid[] = {
	    "Minggu (20/2/2022) pukul 23.59.59 WITA",
	    "Jum'at (25/2/2022) pukul 9.05 WIT",
	    "2022-02-20T23:59:59.123456+07:00",
	    "2022-02-20 23:59:00-0330",
	    "2022-02-20T23:59:00+07",
	};
	size_t i, n;

	for (i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		size_t len = strlen(valid[i]);

		for (n = 0; n <= len; n++) {
			char *s = malloc(n + 1);
			char err[128] = "";
			struct gb_time t;
			int rc;

			if (s == NULL) {
				CU_FAIL_FATAL("out of memory");
				return;
			}
			memcpy(s, valid[i], n);
			s[n] = '\0';
			rc = tp_parse(s, &t, err, sizeof err);
			CU_ASSERT(rc == 0 || (rc == -1 && err[0] != '\0'));
			free(s);
		}
		CU_ASSERT_EQUAL(tp_parse(valid[i], &(struct gb_time){0}, NULL, 0), 0);
	}
}

/*
 * Random strings over the bytes the grammar cares about plus a few it
 * does not, with a fixed seed so a failure is reproducible.
 */
static void
test_random_bytes(void)
{
	static const char alphabet[] = "0123456789/.:-+()TZ WIBTAnmgpukl'\t\xff";
	unsigned long state = 20220220;
	int i;
	size_t j;

	for (i = 0; i < 20000; i++) {
		size_t len;
		char *s;
		char err[64] = "";
		struct gb_time t;
		int rc;

		state = state * 6364136223846793005UL + 1442695040888963407UL;
		len = (state >> 33) % 40;
		s = malloc(len + 1);
		if (s == NULL) {
			CU_FAIL_FATAL("out of memory");
			return;
		}
		for (j = 0; j < len; j++) {
			state = state * 6364136223846793005UL + 1442695040888963407UL;
			s[j] = alphabet[(state >> 33) % (sizeof alphabet - 1)];
		}
		s[len] = '\0';
		rc = tp_parse(s, &t, err, sizeof err);
		if (rc == 0) {
			CU_ASSERT(t.month >= 1 && t.month <= 12);
			CU_ASSERT(t.hour >= 0 && t.hour <= 23);
		} else {
			CU_ASSERT(rc == -1 && err[0] != '\0');
		}
		free(s);
	}
}

/* ---- tp_format_pg ----------------------------------------------------- */

static void
check_format(int line, struct gb_time t, const char *want)
{
	char buf[64];
	char msg[256];
	int n = tp_format_pg(&t, buf, sizeof buf);

	snprintf(msg, sizeof msg, "tp_format_pg gave \"%s\" (%d), want \"%s\"", buf, n, want);
	check(n == (int) strlen(want) && strcmp(buf, want) == 0, line, msg);
}

#define FORMAT(want, ...) check_format(__LINE__, (struct gb_time){__VA_ARGS__}, (want))

static void
test_format(void)
{
	FORMAT("2022-02-20 23:59:00.000000+07:00", AT(2022, 2, 20, 23, 59, 0, 0, WIB));
	FORMAT("2022-02-20 23:59:00.000000+08:00", AT(2022, 2, 20, 23, 59, 0, 0, WITA));
	FORMAT("2022-02-20 23:59:00.000000+09:00", AT(2022, 2, 20, 23, 59, 0, 0, WIT));
	FORMAT("2022-02-20 23:59:00.000000+00:00", AT(2022, 2, 20, 23, 59, 0, 0, 0));
	FORMAT("2022-02-20 23:59:00.000000-03:30", AT(2022, 2, 20, 23, 59, 0, 0, -210));
	FORMAT("2022-02-20 23:59:00.000000+05:45", AT(2022, 2, 20, 23, 59, 0, 0, 345));
	FORMAT("2022-02-20 23:59:00.000000-14:00", AT(2022, 2, 20, 23, 59, 0, 0, -840));
	FORMAT("1900-01-01 00:00:00.000005+07:00", AT(1900, 1, 1, 0, 0, 0, 5, WIB));
	FORMAT("2022-12-31 23:59:59.999999+07:00", AT(2022, 12, 31, 23, 59, 59, 999999, WIB));
	FORMAT("2022-02-20 23:59:00.000000", LOCAL(2022, 2, 20, 23, 59, 0, 0));
	FORMAT("2022-02-05 09:05:07.500000", LOCAL(2022, 2, 5, 9, 5, 7, 500000));
	/* offset_min is ignored without has_offset */
	FORMAT("2022-02-20 23:59:00.000000", .year = 2022, .month = 2, .day = 20, .hour = 23,
	       .minute = 59, .has_offset = false, .offset_min = 420);
}

static void
test_format_truncates(void)
{
	struct gb_time t = {AT(2022, 2, 20, 23, 59, 0, 0, WIB)};
	char buf[11];

	memset(buf, 'x', sizeof buf);
	CU_ASSERT_EQUAL(tp_format_pg(&t, buf, sizeof buf), 32);
	CU_ASSERT_STRING_EQUAL(buf, "2022-02-20");
	CU_ASSERT_EQUAL(tp_format_pg(&t, NULL, 0), 32);
}

/* What tp_format_pg writes, tp_parse reads back to the same time. */
static void
test_format_round_trip(void)
{
	static const char *const inputs[] = {
	    "Minggu (20/2/2022) pukul 23.59 WIB",
	    "31/12/2022 23.59.59 WIT",
	    "2022-02-20T23:59:00.123456-03:30",
	    "2022-02-20T23:59:00.5",
	    "29/2/2024 00.00 WITA",
	};
	size_t i;

	for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct gb_time a, b;
		char buf[64];

		CU_ASSERT_EQUAL_FATAL(tp_parse(inputs[i], &a, NULL, 0), 0);
		tp_format_pg(&a, buf, sizeof buf);
		CU_ASSERT_EQUAL_FATAL(tp_parse(buf, &b, NULL, 0), 0);
		CU_ASSERT(a.year == b.year && a.month == b.month && a.day == b.day &&
		          a.hour == b.hour && a.minute == b.minute && a.second == b.second &&
		          a.usec == b.usec && a.has_offset == b.has_offset &&
		          a.offset_min == b.offset_min);
	}
}

static CU_TestInfo iso_tests[] = {
    {.pName = "forms with T, space, seconds, Z", .pTestFunc = test_iso_forms},
    {.pName = "numeric offsets and their range", .pTestFunc = test_iso_offsets},
    {.pName = "fractions of 1 to 6 digits", .pTestFunc = test_iso_fractions},
    {.pName = "no zone: local time", .pTestFunc = test_iso_no_zone},
    {.pName = "syntax errors", .pTestFunc = test_iso_syntax},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo id_tests[] = {
    {.pName = "forms with day name, parentheses, pukul", .pTestFunc = test_id_forms},
    {.pName = "zones WIB, WITA, WIT", .pTestFunc = test_id_zones},
    {.pName = "day names match the date", .pTestFunc = test_id_day_names},
    {.pName = "syntax errors", .pTestFunc = test_id_syntax},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo boundary_tests[] = {
    {.pName = "calendar and clock limits", .pTestFunc = test_boundaries},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo malformed_tests[] = {
    {.pName = "surrounding white space", .pTestFunc = test_whitespace},
    {.pName = "empty, garbage, truncated, junk, huge", .pTestFunc = test_malformed},
    {.pName = "error buffer handling", .pTestFunc = test_err_buffer},
    {.pName = "every prefix of valid input", .pTestFunc = test_prefixes},
    {.pName = "random bytes", .pTestFunc = test_random_bytes},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo format_tests[] = {
    {.pName = "exact output", .pTestFunc = test_format},
    {.pName = "truncates like snprintf", .pTestFunc = test_format_truncates},
    {.pName = "parses back", .pTestFunc = test_format_round_trip},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
    {.pName = "timeparse iso 8601", .pTests = iso_tests},
    {.pName = "timeparse indonesian", .pTests = id_tests},
    {.pName = "timeparse boundaries", .pTests = boundary_tests},
    {.pName = "timeparse malformed", .pTests = malformed_tests},
    {.pName = "timeparse format", .pTests = format_tests},
    CU_SUITE_INFO_NULL,
};
