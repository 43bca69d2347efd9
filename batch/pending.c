/*
 * pending.c — commands whose issue is still open.  They say so plainly and
 * exit 70; they never pretend to succeed.
 */
#include "gelombang.h"
#include "log.h"

static int
not_available(const char *what)
{
	log_error("%s is not available in this version of gelombang", what);
	return EXIT_SOFTWARE;
}

int
cmd_audit(struct gb_ctx *ctx)
{
	(void) ctx;
	return not_available("audit");
}

int
cmd_report(struct gb_ctx *ctx)
{
	(void) ctx;
	return not_available("report");
}

int
cmd_history(struct gb_ctx *ctx)
{
	(void) ctx;
	return not_available("history");
}

int
cmd_outbox_export(struct gb_ctx *ctx)
{
	(void) ctx;
	return not_available("outbox export");
}
