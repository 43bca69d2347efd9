/*
 * fault.c — see fault.h.
 */
#include "fault.h"

/* the whole file: a build without fault points has none of it */
#ifdef GELOMBANG_FAULT_POINTS

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fault_spec {
	const char *name; /* points into the environment */
	size_t len;
	long number; /* the N of NAME:N (kill) or the MS of NAME:MS (sleep) */
	long seen;
};

static int fault_ready = -1; /* -1 not yet read, 0 nothing set, 1 set */
static struct fault_spec kill_at, sleep_at;

/* NAME or NAME:NUMBER; *number = dflt without a number */
static bool
fault_parse(const char *env, struct fault_spec *f, long dflt)
{
	const char *colon;
	char *end;
	long v;

	if (!env || !*env)
		return false;
	f->name = env;
	f->len = strlen(env);
	f->number = dflt;
	colon = strrchr(env, ':');
	if (colon && colon[1] >= '0' && colon[1] <= '9') {
		errno = 0;
		v = strtol(colon + 1, &end, 10);
		if (!*end && !errno && v > 0) {
			f->len = (size_t) (colon - env);
			f->number = v;
		}
	}
	return true;
}

static void
fault_init(void)
{
	bool k = fault_parse(getenv("GELOMBANG_FAULT"), &kill_at, 1);
	bool s = fault_parse(getenv("GELOMBANG_FAULT_SLEEP"), &sleep_at, 0);

	if (s && sleep_at.number == 0) {
		fprintf(
		    stderr,
		    "gelombang: warning: GELOMBANG_FAULT_SLEEP needs NAME:MILLISECONDS; ignored\n");
		s = false;
		sleep_at.name = NULL;
	}
	if (!k)
		kill_at.name = NULL;
	fault_ready = k || s;
}

static bool
fault_matches(const struct fault_spec *f, const char *name)
{
	return f->name && strlen(name) == f->len && memcmp(name, f->name, f->len) == 0;
}

static void
fault_say(const char *what, const char *name)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "gelombang: fault: %s at %s\n", what, name);

	if (n > 0)
		(void) !write(STDERR_FILENO, line,
		              (size_t) n < sizeof(line) ? (size_t) n : sizeof(line) - 1);
}

void
fault_point(const char *name)
{
	struct timespec ts;

	if (fault_ready < 0)
		fault_init();
	if (!fault_ready)
		return;
	if (fault_matches(&sleep_at, name)) {
		fault_say("pause", name);
		ts.tv_sec = sleep_at.number / 1000;
		ts.tv_nsec = (sleep_at.number % 1000) * 1000000L;
		/* a signal (Ctrl-C, SIGTERM) ends the pause: the job then
		 * notices it and stops */
		(void) nanosleep(&ts, NULL);
	}
	if (fault_matches(&kill_at, name) && ++kill_at.seen == kill_at.number) {
		fault_say("kill", name);
		raise(SIGKILL);
	}
}

void
fault_job_point(const char *job, const char *moment)
{
	char name[128];

	if (fault_ready < 0)
		fault_init();
	if (!fault_ready)
		return;
	snprintf(name, sizeof(name), "job:%s:%s", job, moment);
	fault_point(name);
}

#endif /* GELOMBANG_FAULT_POINTS */
