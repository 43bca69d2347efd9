/*
 * log.h — diagnostics on stderr, in PostgreSQL's style: a short lower-case
 * primary line naming the object, then optional detail and hint sentences.
 *
 * Results never go through here; they go to stdout.  -q lowers the level
 * (errors only), -v raises it (debug).  Progress lines are drawn only when
 * stderr is a terminal, so cron stays silent unless something is wrong.
 */
#ifndef GELOMBANG_LOG_H
#define GELOMBANG_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERROR = 0, LOG_WARNING = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_set_level(int level);
int log_get_level(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "DETAIL:  ..." and "HINT:  ..." lines after an error or warning */
void log_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress on a terminal: enabled by configuration and a tty on stderr. */
void progress_enable(bool on);
bool progress_active(void);
/* "label: 42% (1234567 of 2940000, 512345/s)"; total 0 = unknown */
void progress_update(const char *label, long long done, long long total);
void progress_done(void);

#endif
