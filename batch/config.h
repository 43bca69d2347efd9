/*
 * config.h — the configuration, read once into a typed, validated struct.
 *
 * cfg_load() reads a libconfig file (SPEC §7 plus the keys below), checks
 * every key, and copies every string it keeps: the struct outlives the
 * libconfig handle.  Jobs read only this struct, never libconfig.
 *
 * Keys beyond SPEC §7, each with a default:
 *   database.connect_timeout  int 1..3600 seconds       (10)
 *   database.application_name string                    ("gelombang")
 *   sms.lolos, sms.tidak_lolos strings; placeholders {nama} {gelombang}
 *                               {kartu} {saldo} {hari}; others are refused
 *   sms.window_days            int 1..365, the days to buy the first
 *                               training, placeholder {hari}       (30)
 *   sms.gateway_address        the address sms listen accepts reports
 *                               from ("127.0.0.1"; "" = any)
 *   sms.in_flight              int 1..64, requests in flight (16)
 *   sms.timeout                int 1..300, seconds per request   (10)
 *   sms.retries                int 0..20, tries again of a message the
 *                               gateway could not take (5xx)     (4)
 *   jobs.statement_timeout     int seconds 0..86400, 0 = none   (0)
 *   jobs.progress              bool, progress lines on a terminal (true)
 *   lifecycle.allow_simulated_clock bool: a --now ahead of the real clock
 *                               is accepted for jobs that change a wave
 *                               (drill and test databases only) (false)
 *   jobs.standby_wait_seconds  int 0..86400: after its commit, announce
 *                               waits this long for every hot standby to
 *                               replay it; 0 = no wait             (60)
 *   benefit.reminder_days_before int 0..365: the reminder SMS is queued this
 *                               many days before revoke_at; 0 = none   (7)
 */
#ifndef GELOMBANG_CONFIG_H
#define GELOMBANG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct gb_strlist {
	char **v; /* owned; each string owned */
	size_t n;
};

struct gb_rules {
	int min_age;                 /* 0..150, default 18 */
	int max_age;                 /* 0..150, 0 = no limit, default 64; >= min_age unless 0 */
	int household_cap;           /* 0..100, default 2 */
	bool exclude_aid_recipients; /* default true */
	struct gb_strlist excluded_occupations;
	struct gb_strlist priority_regions; /* each exactly 4 digits */
	struct gb_strlist provinces;        /* each exactly 2 digits, no repeats */
};

struct gb_config {
	char *path;     /* file read, or NULL when the built-in defaults apply */
	char *timezone; /* default "Asia/Jakarta" */
	char *conninfo; /* default "" (libpq's PG* variables apply) */
	int connect_timeout;
	char *application_name;
	struct gb_rules rules;
	long long saldo;          /* benefit.saldo, whole rupiah, 0..10^12, default 3550000 */
	int first_training_days;  /* benefit.first_training_days, 1..365, default 30 */
	int reminder_days_before; /* benefit.reminder_days_before, 0..365, default 7 */
	bool require_approval;    /* lifecycle.require_approval, default false */
	char *sms_lolos;
	char *sms_tidak_lolos;
	int sms_window_days;
	char *sms_gateway_url; /* SPEC §7 sms.* (kept out of cfg_rules_json) */
	char *sms_username;
	char *sms_password; /* never printed */
	char *sms_sender;
	char *sms_dlr_url;
	char *sms_gateway_address;
	int sms_in_flight;
	int sms_timeout;
	int sms_retries;
	int statement_timeout;
	bool progress;
	bool allow_simulated_clock; /* lifecycle.allow_simulated_clock, default false */
	int standby_wait_seconds;
};

/* The built-in defaults, every string owned (free with cfg_free). */
void cfg_defaults(struct gb_config *cfg);

/*
 * Load path into *cfg (defaults first, then the file's keys).
 * explicit: the file was named by -c or $GELOMBANG_CONFIG; when false and
 * the file does not exist, the defaults apply and 0 is returned.
 * Returns 0, or EXIT_CONFIG (78) with err holding "file:line: key: what is
 * wrong" (or "file: ..." when there is no line).  On failure *cfg is left
 * freed-safe (cfg_free may be called).
 */
int cfg_load(const char *path, bool explicit, struct gb_config *cfg, char *err, size_t errlen);

void cfg_free(struct gb_config *cfg);

/*
 * The rules, timezone, saldo and SMS templates as one canonical JSON object
 * (keys in fixed order, strings escaped) — frozen into a wave at process.
 * Returns malloc'd text the caller frees, or NULL when out of memory.
 * Keys: timezone, min_age, max_age, household_cap, exclude_aid_recipients,
 * excluded_occupations, priority_regions, provinces, saldo, sms_lolos,
 * sms_tidak_lolos, sms_window_days.
 */
char *cfg_rules_json(const struct gb_config *cfg);

/*
 * conninfo with any password value replaced by "********", for messages
 * and history (config_conninfo.c).  libpq parses it (key=value or URI):
 * the result is the options it gives, in libpq's order, as key=value
 * ("user=u password=******** host=h"), a dbname holding a connection
 * string masked in turn; a string libpq cannot parse is "********" as a
 * whole.  Returns malloc'd text the caller frees, NULL when out of memory.
 */
char *cfg_mask_conninfo(const char *conninfo);

/* Does conninfo, as libpq parses it, set keyword?  False for a string
 * libpq cannot parse or reads as a plain database name. */
bool cfg_conninfo_sets(const char *conninfo, const char *keyword);

#endif
