/*
 * fuzz_timeparse.c — libFuzzer target for tp_parse() (batch/timeparse.c):
 * any bytes, no crash, no hang, no sanitizer report; a parsed time is in
 * range and formats into something that parses back to the same time.
 *
 *   make fuzz FUZZ_SECONDS=60      (corpus: tests/fuzz/corpus/timeparse)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timeparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[128], pg[64];
	struct gb_time t, back;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&t, 0, sizeof(t));
	if (tp_parse(s, &t, err, sizeof(err)) == 0) {
		if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour < 0 ||
		    t.hour > 23 || t.minute < 0 || t.minute > 59 || t.second < 0 || t.second > 59 ||
		    t.usec < 0 || t.usec > 999999 ||
		    (t.has_offset && (t.offset_min < -14 * 60 || t.offset_min > 14 * 60)))
			abort();
		/* what the program hands to PostgreSQL parses back the same:
		 * an ISO time (year 0 to 9999) */
		tp_format_pg(&t, pg, sizeof(pg));
		if (t.year >= 0 && t.year <= 9999) {
			pg[10] = 'T';
			if (tp_parse(pg, &back, err, sizeof(err)) != 0 || back.year != t.year ||
			    back.month != t.month || back.day != t.day || back.hour != t.hour ||
			    back.minute != t.minute || back.second != t.second || back.usec != t.usec ||
			    back.has_offset != t.has_offset ||
			    (t.has_offset && back.offset_min != t.offset_min))
				abort();
		}
	} else if (err[0] == '\0' || strlen(err) >= sizeof(err)) {
		abort(); /* a refusal always says why */
	}
	free(s);
	return 0;
}
