/*
 * context.c — small accessors of struct gb_ctx shared by the commands.
 */
#include "gelombang.h"

const char *
gb_now_param(const struct gb_ctx *ctx)
{
	return ctx->has_now ? ctx->now.pg : NULL;
}
