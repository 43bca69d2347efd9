/*
 * config.c — read the libconfig file into struct gb_config.
 *
 * The file is walked key by key against a table of the keys we know
 * (key_spec below), so an unknown key, a wrong type or a value out of range
 * is refused with its file, line and dotted name instead of being ignored.
 * Every string is copied: libconfig's die with config_destroy().
 *
 * The rest of the module, by concern: config_lex.c finds the integer
 * literals libconfig truncates, config_json.c writes the rules as JSON,
 * config_conninfo.c masks the password of a connection string.
 */
#include "config.h"
#include "config_lex.h"
#include "exitcode.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Three concatenated 160-character SMS. */
#define SMS_MAX_BYTES 480

static const char *const default_occupations[] = {
    "PEJABAT_NEGARA",
    "ANGGOTA_DPR",
    "ANGGOTA_DPRD",
    "ASN",
    "TNI",
    "POLRI",
    "KEPALA_DESA",
    "PERANGKAT_DESA",
    "DIREKSI_BUMN_BUMD",
    "KOMISARIS_BUMN_BUMD",
    "DEWAN_PENGAWAS_BUMN_BUMD",
};

static const char *const default_provinces[] = {
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33",
    "34", "35", "36", "51", "52", "53", "61", "62", "63", "64", "65", "71", "72",
    "73", "74", "75", "76", "81", "82", "91", "92", "93", "94", "95", "96",
};

/* The default messages fit one SMS part (160 characters of the GSM
 * alphabet) with a name of up to 29 characters (LOLOS: a 16-digit card, a
 * saldo of 9 characters) or 42 (TIDAK_LOLOS): a longer message goes to the
 * SMSC as two parts, which doubles the gateway's work and the cost of
 * every message. */
static const char default_sms_lolos[] =
    "Selamat {nama}, Anda LOLOS Kartu Prakerja Gelombang {gelombang}. "
    "Kartu {kartu}, saldo Rp{saldo}. Beli pelatihan pertama dalam {hari} "
    "hari.";

static const char default_sms_tidak_lolos[] =
    "Mohon maaf {nama}, Anda belum lolos Kartu Prakerja Gelombang "
    "{gelombang}. Silakan ikut gelombang berikutnya tanpa mengisi data "
    "lagi.";

static const char *const sms_placeholders[] = {
    "nama", "gelombang", "kartu", "saldo", "hari",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Defaults and freeing                                                */

static int
strlist_set(struct gb_strlist *l, const char *const *items, size_t n)
{
	size_t i;

	l->v = NULL;
	l->n = 0;
	if (n == 0)
		return 0;
	l->v = calloc(n, sizeof(*l->v));
	if (l->v == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		l->v[i] = strdup(items[i]);
		if (l->v[i] == NULL)
			return -1; /* l->n counts only what is set */
		l->n++;
	}
	return 0;
}

static void
strlist_free(struct gb_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
cfg_defaults(struct gb_config *cfg)
{
	struct gb_rules *r = &cfg->rules;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = NULL;
	cfg->timezone = strdup("Asia/Jakarta");
	cfg->conninfo = strdup("");
	cfg->connect_timeout = 10;
	cfg->application_name = strdup("gelombang");
	r->min_age = 18;
	r->max_age = 64;
	r->household_cap = 2;
	r->exclude_aid_recipients = true;
	/* On failure the lists stay short; cfg_load notices (defaults_ok). */
	(void) strlist_set(&r->excluded_occupations, default_occupations,
	                   NELEM(default_occupations));
	(void) strlist_set(&r->priority_regions, NULL, 0);
	(void) strlist_set(&r->provinces, default_provinces, NELEM(default_provinces));
	cfg->saldo = 3550000;
	cfg->first_training_days = 30;
	cfg->reminder_days_before = 7;
	cfg->require_approval = false;
	cfg->sms_lolos = strdup(default_sms_lolos);
	cfg->sms_tidak_lolos = strdup(default_sms_tidak_lolos);
	cfg->sms_window_days = 30;
	cfg->sms_gateway_url = strdup("http://127.0.0.1:13013/cgi-bin/sendsms");
	cfg->sms_username = strdup("");
	cfg->sms_password = strdup("");
	cfg->sms_sender = strdup("PRAKERJA");
	cfg->sms_dlr_url = strdup("http://127.0.0.1:13080/dlr");
	cfg->sms_gateway_address = strdup("127.0.0.1");
	cfg->sms_in_flight = 16;
	cfg->sms_timeout = 10;
	cfg->sms_retries = 4;
	cfg->statement_timeout = 0;
	cfg->progress = true;
	cfg->allow_simulated_clock = false;
	cfg->standby_wait_seconds = 60;
}

/* cfg_defaults() cannot report running out of memory; this sees it. */
static bool
defaults_ok(const struct gb_config *cfg)
{
	return cfg->timezone && cfg->conninfo && cfg->application_name && cfg->sms_lolos &&
	       cfg->sms_tidak_lolos && cfg->sms_gateway_url && cfg->sms_username &&
	       cfg->sms_password && cfg->sms_sender && cfg->sms_dlr_url &&
	       cfg->sms_gateway_address &&
	       cfg->rules.excluded_occupations.n == NELEM(default_occupations) &&
	       cfg->rules.provinces.n == NELEM(default_provinces);
}

void
cfg_free(struct gb_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->timezone);
	free(cfg->conninfo);
	free(cfg->application_name);
	strlist_free(&cfg->rules.excluded_occupations);
	strlist_free(&cfg->rules.priority_regions);
	strlist_free(&cfg->rules.provinces);
	free(cfg->sms_lolos);
	free(cfg->sms_tidak_lolos);
	free(cfg->sms_gateway_url);
	free(cfg->sms_username);
	free(cfg->sms_password);
	free(cfg->sms_sender);
	free(cfg->sms_dlr_url);
	free(cfg->sms_gateway_address);
	memset(cfg, 0, sizeof(*cfg));
}

/* ------------------------------------------------------------------ */
/* The key table                                                       */

struct loader {
	const char *path;
	struct gb_config *cfg;
	char *err;
	size_t errlen;
};

enum key_kind { K_GROUP, K_INT, K_LLONG, K_BOOL, K_STRING, K_STRLIST };

/* Checks one string value (or one element of a list); 0 or EXIT_CONFIG. */
typedef int (*check_fn)(struct loader *ld, const config_setting_t *s, const char *key,
                        const char *value);

struct key_spec {
	const char *name;
	enum key_kind kind;
	size_t off;                     /* of the field in struct gb_config */
	long long min, max;             /* K_INT, K_LLONG */
	check_fn check;                 /* K_STRING, K_STRLIST elements */
	bool unique;                    /* K_STRLIST: no element twice */
	bool nonempty;                  /* K_STRLIST: at least one element */
	const struct key_spec *members; /* K_GROUP */
};

static int check_timezone(struct loader *, const config_setting_t *, const char *, const char *);
static int check_province(struct loader *, const config_setting_t *, const char *, const char *);
static int check_region(struct loader *, const config_setting_t *, const char *, const char *);
static int check_occupation(struct loader *, const config_setting_t *, const char *, const char *);
static int check_template(struct loader *, const config_setting_t *, const char *, const char *);

#define OFF(field) offsetof(struct gb_config, field)

static const struct key_spec database_keys[] = {
    {.name = "conninfo", .kind = K_STRING, .off = OFF(conninfo)},
    {.name = "connect_timeout", .kind = K_INT, .off = OFF(connect_timeout), .min = 1, .max = 3600},
    {.name = "application_name", .kind = K_STRING, .off = OFF(application_name)},
    {.name = NULL},
};

static const struct key_spec rules_keys[] = {
    {.name = "min_age", .kind = K_INT, .off = OFF(rules.min_age), .min = 0, .max = 150},
    {.name = "max_age", .kind = K_INT, .off = OFF(rules.max_age), .min = 0, .max = 150},
    {.name = "household_cap", .kind = K_INT, .off = OFF(rules.household_cap), .min = 0, .max = 100},
    {.name = "exclude_aid_recipients", .kind = K_BOOL, .off = OFF(rules.exclude_aid_recipients)},
    {.name = "excluded_occupations",
     .kind = K_STRLIST,
     .off = OFF(rules.excluded_occupations),
     .check = check_occupation},
    {.name = "priority_regions",
     .kind = K_STRLIST,
     .off = OFF(rules.priority_regions),
     .check = check_region},
    {.name = "provinces",
     .kind = K_STRLIST,
     .off = OFF(rules.provinces),
     .check = check_province,
     .unique = true,
     .nonempty = true},
    {.name = NULL},
};

static const struct key_spec benefit_keys[] = {
    {.name = "saldo", .kind = K_LLONG, .off = OFF(saldo), .min = 0, .max = 1000000000000LL},
    {.name = "first_training_days",
     .kind = K_INT,
     .off = OFF(first_training_days),
     .min = 1,
     .max = 365},
    {.name = "reminder_days_before",
     .kind = K_INT,
     .off = OFF(reminder_days_before),
     .min = 0,
     .max = 365},
    {.name = NULL},
};

static const struct key_spec lifecycle_keys[] = {
    {.name = "require_approval", .kind = K_BOOL, .off = OFF(require_approval)},
    {.name = "allow_simulated_clock", .kind = K_BOOL, .off = OFF(allow_simulated_clock)},
    {.name = NULL},
};

static const struct key_spec sms_keys[] = {
    {.name = "lolos", .kind = K_STRING, .off = OFF(sms_lolos), .check = check_template},
    {.name = "tidak_lolos", .kind = K_STRING, .off = OFF(sms_tidak_lolos), .check = check_template},
    {.name = "window_days", .kind = K_INT, .off = OFF(sms_window_days), .min = 1, .max = 365},
    {.name = "gateway_url", .kind = K_STRING, .off = OFF(sms_gateway_url)},
    {.name = "username", .kind = K_STRING, .off = OFF(sms_username)},
    {.name = "password", .kind = K_STRING, .off = OFF(sms_password)},
    {.name = "sender", .kind = K_STRING, .off = OFF(sms_sender)},
    {.name = "dlr_url", .kind = K_STRING, .off = OFF(sms_dlr_url)},
    {.name = "gateway_address", .kind = K_STRING, .off = OFF(sms_gateway_address)},
    {.name = "in_flight", .kind = K_INT, .off = OFF(sms_in_flight), .min = 1, .max = 64},
    {.name = "timeout", .kind = K_INT, .off = OFF(sms_timeout), .min = 1, .max = 300},
    {.name = "retries", .kind = K_INT, .off = OFF(sms_retries), .min = 0, .max = 20},
    {.name = NULL},
};

/*
 * statement_timeout is capped at a day: PostgreSQL's own limit is INT_MAX
 * milliseconds (24.8 days), and a job stuck longer than a day is a fault.
 */
static const struct key_spec jobs_keys[] = {
    {.name = "statement_timeout",
     .kind = K_INT,
     .off = OFF(statement_timeout),
     .min = 0,
     .max = 86400},
    {.name = "progress", .kind = K_BOOL, .off = OFF(progress)},
    {.name = "standby_wait_seconds",
     .kind = K_INT,
     .off = OFF(standby_wait_seconds),
     .min = 0,
     .max = 86400},
    {.name = NULL},
};

static const struct key_spec top_keys[] = {
    {.name = "timezone", .kind = K_STRING, .off = OFF(timezone), .check = check_timezone},
    {.name = "database", .kind = K_GROUP, .members = database_keys},
    {.name = "rules", .kind = K_GROUP, .members = rules_keys},
    {.name = "benefit", .kind = K_GROUP, .members = benefit_keys},
    {.name = "lifecycle", .kind = K_GROUP, .members = lifecycle_keys},
    {.name = "sms", .kind = K_GROUP, .members = sms_keys},
    {.name = "jobs", .kind = K_GROUP, .members = jobs_keys},
    {.name = NULL},
};

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static const char *
setting_file(struct loader *ld, const config_setting_t *s)
{
	const char *f = s ? config_setting_source_file(s) : NULL;

	return f ? f : ld->path;
}

/* "file:line: key: what"; returns EXIT_CONFIG. */
static int __attribute__((format(printf, 4, 5)))
fail(struct loader *ld, const config_setting_t *s, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ld->err == NULL || ld->errlen == 0)
		return EXIT_CONFIG;
	n = snprintf(ld->err, ld->errlen, "%s:%u: %s: ", setting_file(ld, s),
	             s ? config_setting_source_line(s) : 0, key);
	if (n >= 0 && (size_t) n < ld->errlen) {
		va_start(ap, fmt);
		vsnprintf(ld->err + n, ld->errlen - (size_t) n, fmt, ap);
		va_end(ap);
	}
	return EXIT_CONFIG;
}

/* "file: what" for errors without a line. */
static int __attribute__((format(printf, 2, 3))) fail_file(struct loader *ld, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ld->err == NULL || ld->errlen == 0)
		return EXIT_CONFIG;
	n = snprintf(ld->err, ld->errlen, "%s: ", ld->path);
	if (n >= 0 && (size_t) n < ld->errlen) {
		va_start(ap, fmt);
		vsnprintf(ld->err + n, ld->errlen - (size_t) n, fmt, ap);
		va_end(ap);
	}
	return EXIT_CONFIG;
}

/* ------------------------------------------------------------------ */
/* Value checks                                                        */

static bool
all_digits(const char *s, size_t len)
{
	size_t i;

	if (strlen(s) != len)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool
valid_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *) str;

	while (*s) {
		unsigned c = *s;
		size_t n, i;
		unsigned cp, min;

		if (c < 0x80) {
			s++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

static int
check_timezone(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	const char *p;

	if (*v == '\0')
		return fail(ld, s, key, "must not be empty");
	for (p = v; *p; p++) {
		unsigned char c = (unsigned char) *p;

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '_' || c == '+' || c == '-'))
			return fail(ld, s, key,
			            "\"%s\" is not a time zone name (letters, "
			            "digits and / _ + - only)",
			            v);
	}
	return 0;
}

static int
check_province(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	if (!all_digits(v, 2))
		return fail(ld, s, key, "\"%s\" is not a 2-digit province code", v);
	return 0;
}

static int
check_region(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	if (!all_digits(v, 4))
		return fail(ld, s, key, "\"%s\" is not a 4-digit region code", v);
	return 0;
}

/* Occupations are compared exactly as written, so only blanks are refused. */
static int
check_occupation(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	const char *p;

	for (p = v; *p == ' ' || (*p >= '\t' && *p <= '\r'); p++)
		;
	if (*p == '\0')
		return fail(ld, s, key, "\"%s\" is not an occupation code (it is blank)", v);
	if (!valid_utf8(v))
		return fail(ld, s, key, "\"%s\" is not valid UTF-8", v);
	return 0;
}

/*
 * Every '{' must open a known placeholder: an unknown one would otherwise
 * be sent to applicants as it stands.  A lone '}' is plain text.
 */
static int
check_template(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	const char *p, *close;
	size_t i, len;

	if (strlen(v) > SMS_MAX_BYTES)
		return fail(ld, s, key, "is %zu bytes long, more than %d", strlen(v),
		            SMS_MAX_BYTES);
	if (!valid_utf8(v))
		return fail(ld, s, key, "is not valid UTF-8");
	for (p = strchr(v, '{'); p; p = strchr(close + 1, '{')) {
		close = strchr(p + 1, '}');
		if (close == NULL)
			return fail(ld, s, key, "unterminated placeholder \"%.20s\"", p);
		len = (size_t) (close - p - 1);
		for (i = 0; i < NELEM(sms_placeholders); i++)
			if (strlen(sms_placeholders[i]) == len &&
			    strncmp(p + 1, sms_placeholders[i], len) == 0)
				break;
		if (i == NELEM(sms_placeholders))
			return fail(ld, s, key,
			            "unknown placeholder {%.*s} (known: {nama} "
			            "{gelombang} {kartu} {saldo} {hari})",
			            len > 40 ? 40 : (int) len, p + 1);
	}
	return 0;
}

/* Is an int setting's value a truncated literal?  Then lit holds it. */
static bool
truncated_literal(struct loader *ld, const config_setting_t *s, char *lit, size_t litlen)
{
	return cfg_int_truncated(setting_file(ld, s), (unsigned) config_setting_source_line(s),
	                         config_setting_get_int(s), lit, litlen);
}

/* ------------------------------------------------------------------ */
/* Loading one key                                                     */

static int load_group(struct loader *ld, const config_setting_t *group,
                      const struct key_spec *specs, const char *prefix);

static int
load_integer(struct loader *ld, const config_setting_t *s, const struct key_spec *spec,
             const char *key)
{
	long long v;
	char lit[32];

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		if (truncated_literal(ld, s, lit, sizeof(lit)))
			return fail(ld, s, key,
			            "%s is too large for a plain integer; "
			            "write it with an L suffix (%sL)",
			            lit, lit);
		v = config_setting_get_int(s);
		break;
	case CONFIG_TYPE_INT64: v = config_setting_get_int64(s); break;
	default: return fail(ld, s, key, "expected an integer");
	}
	if (v < spec->min || v > spec->max)
		return fail(ld, s, key, "%lld is out of range %lld..%lld", v, spec->min, spec->max);
	if (spec->kind == K_INT)
		*(int *) ((char *) ld->cfg + spec->off) = (int) v;
	else
		*(long long *) ((char *) ld->cfg + spec->off) = v;
	return 0;
}

static int
load_bool(struct loader *ld, const config_setting_t *s, const struct key_spec *spec,
          const char *key)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(ld, s, key, "expected a boolean (true or false)");
	*(bool *) ((char *) ld->cfg + spec->off) = config_setting_get_bool(s);
	return 0;
}

static int
load_string(struct loader *ld, const config_setting_t *s, const struct key_spec *spec,
            const char *key)
{
	char **field = (char **) ((char *) ld->cfg + spec->off);
	const char *v;
	char *copy;
	int rc;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(ld, s, key, "expected a string");
	v = config_setting_get_string(s);
	if (spec->check && (rc = spec->check(ld, s, key, v)) != 0)
		return rc;
	copy = strdup(v);
	if (copy == NULL)
		return fail(ld, s, key, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

static int
load_strlist(struct loader *ld, const config_setting_t *s, const struct key_spec *spec,
             const char *key)
{
	struct gb_strlist *field = (struct gb_strlist *) ((char *) ld->cfg + spec->off);
	struct gb_strlist l = {NULL, 0};
	const config_setting_t *e;
	size_t i, j, n;
	int rc = 0;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST)
		return fail(ld, s, key, "expected a list of strings");
	n = (size_t) config_setting_length(s);
	if (n == 0 && spec->nonempty)
		return fail(ld, s, key, "must not be empty");
	if (n > 0 && (l.v = calloc(n, sizeof(*l.v))) == NULL)
		return fail(ld, s, key, "out of memory");
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned) i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			rc = fail(ld, e, key, "expected a list of strings");
			goto cleanup;
		}
		l.v[i] = strdup(config_setting_get_string(e));
		if (l.v[i] == NULL) {
			rc = fail(ld, e, key, "out of memory");
			goto cleanup;
		}
		l.n++;
		if (spec->check && (rc = spec->check(ld, e, key, l.v[i])) != 0)
			goto cleanup;
		for (j = 0; spec->unique && j < i; j++)
			if (strcmp(l.v[j], l.v[i]) == 0) {
				rc = fail(ld, e, key, "\"%s\" is listed twice", l.v[i]);
				goto cleanup;
			}
	}
	strlist_free(field);
	*field = l;
	l.v = NULL;
	l.n = 0;
cleanup:
	strlist_free(&l);
	return rc;
}

static int
load_key(struct loader *ld, const config_setting_t *s, const struct key_spec *spec, const char *key)
{
	switch (spec->kind) {
	case K_GROUP:
		if (config_setting_type(s) != CONFIG_TYPE_GROUP)
			return fail(ld, s, key, "expected a group { ... }");
		return load_group(ld, s, spec->members, key);
	case K_INT:
	case K_LLONG: return load_integer(ld, s, spec, key);
	case K_BOOL: return load_bool(ld, s, spec, key);
	case K_STRING: return load_string(ld, s, spec, key);
	case K_STRLIST: return load_strlist(ld, s, spec, key);
	}
	return fail(ld, s, key, "internal error: unknown key kind");
}

static int
load_group(struct loader *ld, const config_setting_t *group, const struct key_spec *specs,
           const char *prefix)
{
	const config_setting_t *s;
	const struct key_spec *spec;
	char key[256];
	int i, n, rc;

	n = config_setting_length(group);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(group, (unsigned) i);
		if (prefix)
			snprintf(key, sizeof(key), "%s.%s", prefix, config_setting_name(s));
		else
			snprintf(key, sizeof(key), "%s", config_setting_name(s));
		for (spec = specs; spec->name; spec++)
			if (strcmp(spec->name, config_setting_name(s)) == 0)
				break;
		if (spec->name == NULL)
			return fail(ld, s, key, "unknown key");
		if ((rc = load_key(ld, s, spec, key)) != 0)
			return rc;
	}
	return 0;
}

/* max_age is checked against min_age once both are known. */
static int
check_ages(struct loader *ld, const config_t *lc)
{
	const struct gb_rules *r = &ld->cfg->rules;
	const config_setting_t *s;

	if (r->max_age == 0 || r->max_age >= r->min_age)
		return 0;
	if ((s = config_lookup(lc, "rules.max_age")) != NULL)
		return fail(ld, s, "rules.max_age",
		            "%d is less than rules.min_age (%d); use 0 for no "
		            "upper limit",
		            r->max_age, r->min_age);
	s = config_lookup(lc, "rules.min_age");
	return fail(ld, s, "rules.min_age", "%d is more than rules.max_age (%d)", r->min_age,
	            r->max_age);
}

/* ------------------------------------------------------------------ */
/* cfg_load                                                            */

/*
 * 0 when the file can be opened for reading, or when it is missing and
 * was not named (*missing: the defaults apply); EXIT_CONFIG otherwise.
 * libconfig alone would only say "file I/O error", and would read a
 * directory as an empty file.
 */
static int
probe_file(struct loader *ld, bool explicit, bool *missing)
{
	struct stat st;
	int fd;

	*missing = false;
	/* O_NONBLOCK: a FIFO (-c <(...)) must not block the probe. */
	fd = open(ld->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !explicit) {
			*missing = true;
			return 0;
		}
		return fail_file(ld, "cannot read: %s", strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		int e = errno;

		close(fd);
		return fail_file(ld, "cannot read: %s", strerror(e));
	}
	close(fd);
	if (S_ISDIR(st.st_mode))
		return fail_file(ld, "cannot read: %s", strerror(EISDIR));
	return 0;
}

static int
read_error(struct loader *ld, const config_t *lc)
{
	const char *file = config_error_file(lc);
	const char *text = config_error_text(lc);

	if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
		return fail_file(ld, "cannot read: %s", text ? text : "file I/O error");
	if (ld->err && ld->errlen)
		/* libconfig's text, once: it often is "syntax error" itself */
		snprintf(ld->err, ld->errlen, "%s:%d: %s%s", file ? file : ld->path,
		         config_error_line(lc),
		         text && strncmp(text, "syntax error", 12) == 0 ? "" : "syntax error: ",
		         text ? text : "");
	return EXIT_CONFIG;
}

int
cfg_load(const char *path, bool explicit, struct gb_config *cfg, char *err, size_t errlen)
{
	struct loader ld = {path ? path : "(none)", cfg, err, errlen};
	config_t lc;
	bool lc_live = false, missing;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	cfg_defaults(cfg);
	if (!defaults_ok(cfg)) {
		rc = fail_file(&ld, "out of memory");
		goto cleanup;
	}
	if (path == NULL) {
		rc = 0;
		goto cleanup;
	}
	rc = probe_file(&ld, explicit, &missing);
	if (rc != 0 || missing)
		goto cleanup;

	config_init(&lc);
	lc_live = true;
	if (!config_read_file(&lc, path)) {
		rc = read_error(&ld, &lc);
		goto cleanup;
	}
	rc = load_group(&ld, config_root_setting(&lc), top_keys, NULL);
	if (rc == 0)
		rc = check_ages(&ld, &lc);
	if (rc == 0 && (cfg->path = strdup(path)) == NULL)
		rc = fail_file(&ld, "out of memory");
cleanup:
	if (lc_live)
		config_destroy(&lc);
	if (rc != 0)
		cfg_free(cfg);
	return rc;
}
