/*
 * log.c — see log.h.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int log_level = LOG_INFO;
static bool progress_on;
static bool progress_drawn;
static struct timespec progress_start;

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

static void
log_clear_progress(void)
{
	if (progress_drawn) {
		fputs("\r\033[K", stderr);
		progress_drawn = false;
	}
}

static void
log_emit(int level, const char *prefix, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	log_clear_progress();
	fputs("gelombang: ", stderr);
	if (prefix)
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LOG_FN(name, level, prefix)                                                                \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_emit(level, prefix, fmt, ap);                                                  \
		va_end(ap);                                                                        \
	}

LOG_FN(log_error, LOG_ERROR, "error: ")
LOG_FN(log_warning, LOG_WARNING, "warning: ")
LOG_FN(log_info, LOG_INFO, NULL)
LOG_FN(log_debug, LOG_DEBUG, "debug: ")

static void
log_sub(const char *prefix, const char *fmt, va_list ap)
{
	log_clear_progress();
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
log_detail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_sub("DETAIL:  ", fmt, ap);
	va_end(ap);
}

void
log_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_sub("HINT:  ", fmt, ap);
	va_end(ap);
}

void
progress_enable(bool on)
{
	progress_on = on && log_level >= LOG_INFO && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &progress_start);
}

bool
progress_active(void)
{
	return progress_on;
}

void
progress_update(const char *label, long long done, long long total)
{
	struct timespec now;
	double secs, rate;

	if (!progress_on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double) (now.tv_sec - progress_start.tv_sec) +
	       (double) (now.tv_nsec - progress_start.tv_nsec) / 1e9;
	rate = secs > 0 ? (double) done / secs : 0;
	if (total > 0)
		fprintf(stderr, "\r\033[K%s: %3d%% (%lld of %lld, %.0f/s)", label,
		        (int) (done * 100 / total), done, total, rate);
	else
		fprintf(stderr, "\r\033[K%s: %lld (%.0f/s)", label, done, rate);
	progress_drawn = true;
}

void
progress_done(void)
{
	log_clear_progress();
}
