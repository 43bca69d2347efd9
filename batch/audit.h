/*
 * audit.h — what audit.c shares with audit_bundle.c.
 */
#ifndef GELOMBANG_AUDIT_H
#define GELOMBANG_AUDIT_H

#include "gelombang.h"

/*
 * Write the independent audit bundle of wave into directory dir (created
 * mode 0700 if missing; files mode 0600, those of the same names replaced):
 * the frozen inputs the rule reads (no name, no phone) as
 * CSV and JSON, the seed and its commitment, the stored results, a README
 * with the sha256sum recipe of SPEC §4, recompute.py (Python 3 standard
 * library only) that recomputes the results from the bundle alone, and
 * SHA256SUMS over every other file.  Reads inside the caller's
 * transaction, so the bundle is of the same snapshot as the audit; streams
 * every table (memory does not grow with the wave).  Returns 0, or an
 * exit code after reporting what failed.
 */
int audit_write_bundle(struct gb_ctx *ctx, const char *dir, int wave);

/* Before the audit: a directory dir that exists and is not empty is
 * refused (EXIT_REFUSED, after the message) unless force.  Returns 0 when
 * the bundle may be written there. */
int audit_bundle_check(const char *dir, bool force);

#endif
