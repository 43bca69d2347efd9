/*
 * test_config.c — unit tests of config.c: defaults, the shipped file,
 * every refusal (file, line and key), the rules JSON and conninfo masking.
 * Run from the repository root (it reads conf/gelombang.conf).
 */
#include "cunit_main.h"
#include "config.h"
#include "exitcode.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const occupations[] = {
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

static const char *const provinces[] = {
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33",
    "34", "35", "36", "51", "52", "53", "61", "62", "63", "64", "65", "71", "72",
    "73", "74", "75", "76", "81", "82", "91", "92", "93", "94", "95", "96",
};

static const char sms_lolos[] =
    "Selamat {nama}, Anda LOLOS Kartu Prakerja Gelombang {gelombang}. Kartu "
    "{kartu}, saldo Rp{saldo}. Beli pelatihan pertama dalam {hari} hari.";
static const char sms_tidak_lolos[] =
    "Mohon maaf {nama}, Anda belum lolos Kartu Prakerja Gelombang "
    "{gelombang}. Silakan ikut gelombang berikutnya tanpa mengisi data lagi.";

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* A temporary file holding text; path receives its name. */
static void
write_conf(const char *text, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "/tmp/test_config_XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t) strlen(text));
	close(fd);
}

static bool
list_equals(const struct gb_strlist *l, const char *const *v, size_t n)
{
	size_t i;

	if (l->n != n)
		return false;
	for (i = 0; i < n; i++)
		if (l->v[i] == NULL || strcmp(l->v[i], v[i]) != 0)
			return false;
	return true;
}

/* Asserts every field of cfg holds the SPEC §7 / config.h default. */
static void
assert_defaults(const struct gb_config *c)
{
	CU_ASSERT_STRING_EQUAL(c->timezone, "Asia/Jakarta");
	CU_ASSERT_STRING_EQUAL(c->conninfo, "");
	CU_ASSERT_EQUAL(c->connect_timeout, 10);
	CU_ASSERT_STRING_EQUAL(c->application_name, "gelombang");
	CU_ASSERT_EQUAL(c->rules.min_age, 18);
	CU_ASSERT_EQUAL(c->rules.max_age, 64);
	CU_ASSERT_EQUAL(c->rules.household_cap, 2);
	CU_ASSERT_TRUE(c->rules.exclude_aid_recipients);
	CU_ASSERT_TRUE(
	    list_equals(&c->rules.excluded_occupations, occupations, NELEM(occupations)));
	CU_ASSERT_EQUAL(c->rules.priority_regions.n, 0);
	CU_ASSERT_TRUE(list_equals(&c->rules.provinces, provinces, NELEM(provinces)));
	CU_ASSERT_EQUAL(c->saldo, 3550000LL);
	CU_ASSERT_STRING_EQUAL(c->sms_lolos, sms_lolos);
	CU_ASSERT_STRING_EQUAL(c->sms_tidak_lolos, sms_tidak_lolos);
	CU_ASSERT_EQUAL(c->sms_window_days, 30);
	CU_ASSERT_EQUAL(c->statement_timeout, 0);
	CU_ASSERT_TRUE(c->progress);
	CU_ASSERT_FALSE(c->allow_simulated_clock);
	CU_ASSERT_EQUAL(c->standby_wait_seconds, 60);
}

static bool
cfg_is_zero(const struct gb_config *c)
{
	static const struct gb_config zero;

	return memcmp(c, &zero, sizeof(zero)) == 0;
}

/*
 * Loads text from a temporary file and checks the refusal: 78, an err
 * starting "FILE:LINE: KEY: " and containing what, and *cfg left freed.
 * Returns whether all held, so CUnit names the caller's line.
 */
static bool
refused(const char *text, int line, const char *key, const char *what)
{
	char path[64], want[256], err[512];
	struct gb_config c;
	int rc;
	bool ok;

	write_conf(text, path, sizeof(path));
	memset(&c, 0xa5, sizeof(c));
	rc = cfg_load(path, true, &c, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:%d: %s: ", path, line, key);
	ok = rc == EXIT_CONFIG && strncmp(err, want, strlen(want)) == 0 &&
	     strstr(err, what) != NULL && cfg_is_zero(&c);
	if (!ok)
		fprintf(stderr, "\n  refused(): rc %d, err \"%s\"; want 78, \"%s...%s\"\n", rc, err,
		        want, what);
	cfg_free(&c);
	unlink(path);
	return ok;
}

/* Loads text and returns 0 or the exit code; *c must be freed. */
static int
load_text(const char *text, struct gb_config *c)
{
	char path[64], err[512];
	int rc;

	write_conf(text, path, sizeof(path));
	rc = cfg_load(path, true, c, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "\n  load_text(): %s\n", err);
	unlink(path);
	return rc;
}

static void
set_list(struct gb_strlist *l, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = n ? calloc(n, sizeof(*l->v)) : NULL;
	for (i = 0; i < n; i++)
		l->v[i] = strdup(v[i]);
	l->n = n;
}

static void
set_string(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
}

/* ------------------------------------------------------------------ */
/* Defaults and successful loads                                       */

static void
test_defaults(void)
{
	struct gb_config c;

	cfg_defaults(&c);
	CU_ASSERT_PTR_NULL(c.path);
	assert_defaults(&c);
	cfg_free(&c);
	CU_ASSERT_TRUE(cfg_is_zero(&c));
	cfg_free(&c); /* twice is harmless */
}

/* The length of TEMPLATE rendered with values of the given lengths for
 * {nama}, {gelombang}, {kartu}, {saldo} and {hari}. */
static size_t
rendered_length(const char *t, size_t nama, size_t gelombang, size_t kartu, size_t saldo,
                size_t hari)
{
	static const char *const names[] = {"{nama}", "{gelombang}", "{kartu}", "{saldo}",
	                                    "{hari}"};
	size_t values[] = {nama, gelombang, kartu, saldo, hari};
	size_t n = 0;

	while (*t) {
		size_t i;

		for (i = 0; i < NELEM(names); i++)
			if (strncmp(t, names[i], strlen(names[i])) == 0)
				break;
		if (i < NELEM(names)) {
			n += values[i];
			t += strlen(names[i]);
		} else {
			n++;
			t++;
		}
	}
	return n;
}

/* The default messages are one SMS part each (160 GSM characters) for a
 * name of 29 characters (42 for TIDAK_LOLOS), a wave number of three
 * digits, a 16-digit card, a saldo of Rp3.550.000 and 30 days; one more
 * character of the name makes the message two parts.  Both are plain ASCII, of the GSM alphabet. */
static void
test_default_sms_one_part(void)
{
	struct gb_config c;

	cfg_defaults(&c);
	CU_ASSERT_EQUAL(rendered_length(c.sms_lolos, 29, 3, 16, 9, 2), 160);
	CU_ASSERT_EQUAL(rendered_length(c.sms_tidak_lolos, 42, 3, 16, 9, 2), 160);
	for (const char *p = c.sms_lolos; *p; p++)
		CU_ASSERT_TRUE((unsigned char) *p < 0x80 && *p != '[' && *p != '^' && *p != '~');
	for (const char *p = c.sms_tidak_lolos; *p; p++)
		CU_ASSERT_TRUE((unsigned char) *p < 0x80 && *p != '[' && *p != '^' && *p != '~');
	cfg_free(&c);
}

static void
test_shipped_conf(void)
{
	struct gb_config c;
	char err[512] = "";

	CU_ASSERT_EQUAL_FATAL(cfg_load("conf/gelombang.conf", true, &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_STRING_EQUAL(c.path, "conf/gelombang.conf");
	assert_defaults(&c);
	cfg_free(&c);
}

static void
test_missing_not_named(void)
{
	struct gb_config c;
	char path[64], err[512] = "x";

	write_conf("", path, sizeof(path));
	unlink(path);
	CU_ASSERT_EQUAL(cfg_load(path, false, &c, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(c.path);
	CU_ASSERT_STRING_EQUAL(err, "");
	assert_defaults(&c);
	cfg_free(&c);
}

static void
test_empty_file(void)
{
	struct gb_config c;

	CU_ASSERT_EQUAL_FATAL(load_text("# nothing\n", &c), 0);
	CU_ASSERT_PTR_NOT_NULL(c.path);
	assert_defaults(&c);
	cfg_free(&c);
}

static void
test_subset(void)
{
	struct gb_config c;

	CU_ASSERT_EQUAL_FATAL(load_text("rules: { min_age = 21; };\n", &c), 0);
	CU_ASSERT_EQUAL(c.rules.min_age, 21);
	c.rules.min_age = 18;
	assert_defaults(&c);
	cfg_free(&c);
}

static void
test_every_key(void)
{
	static const char text[] =
	    "timezone = \"Asia/Makassar\";\n"
	    "database = { conninfo = \"host=db password=x\";\n"
	    "  connect_timeout = 3600; application_name = \"gb-test\"; };\n"
	    "rules: {\n"
	    "  min_age = 0; max_age = 0; household_cap = 100;\n"
	    "  exclude_aid_recipients = false;\n"
	    "  excluded_occupations = ( \"ASN\", \"PEG\xc3\x89\" );\n"
	    "  priority_regions = [ \"3201\", \"9471\" ];\n"
	    "  provinces = [ \"32\" ];\n"
	    "};\n"
	    "benefit: { saldo = 1000000000000L; };\n"
	    "sms: { lolos = \"{nama} {gelombang} {kartu} {saldo} {hari} }\";\n"
	    "  tidak_lolos = \"\"; window_days = 365; };\n"
	    "jobs: { statement_timeout = 86400; progress = false;\n"
	    "  standby_wait_seconds = 0; };\n"
	    "lifecycle: { allow_simulated_clock = true; };\n";
	static const char *const occ[] = {"ASN", "PEG\xc3\x89"};
	static const char *const reg[] = {"3201", "9471"};
	static const char *const prov[] = {"32"};
	struct gb_config c;

	CU_ASSERT_EQUAL_FATAL(load_text(text, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.timezone, "Asia/Makassar");
	CU_ASSERT_STRING_EQUAL(c.conninfo, "host=db password=x");
	CU_ASSERT_EQUAL(c.connect_timeout, 3600);
	CU_ASSERT_STRING_EQUAL(c.application_name, "gb-test");
	CU_ASSERT_EQUAL(c.rules.min_age, 0);
	CU_ASSERT_EQUAL(c.rules.max_age, 0);
	CU_ASSERT_EQUAL(c.rules.household_cap, 100);
	CU_ASSERT_FALSE(c.rules.exclude_aid_recipients);
	CU_ASSERT_TRUE(list_equals(&c.rules.excluded_occupations, occ, 2));
	CU_ASSERT_TRUE(list_equals(&c.rules.priority_regions, reg, 2));
	CU_ASSERT_TRUE(list_equals(&c.rules.provinces, prov, 1));
	CU_ASSERT_EQUAL(c.saldo, 1000000000000LL);
	CU_ASSERT_STRING_EQUAL(c.sms_lolos, "{nama} {gelombang} {kartu} {saldo} {hari} }");
	CU_ASSERT_STRING_EQUAL(c.sms_tidak_lolos, "");
	CU_ASSERT_EQUAL(c.sms_window_days, 365);
	CU_ASSERT_EQUAL(c.statement_timeout, 86400);
	CU_ASSERT_FALSE(c.progress);
	CU_ASSERT_TRUE(c.allow_simulated_clock);
	CU_ASSERT_EQUAL(c.standby_wait_seconds, 0);
	cfg_free(&c);
}

static void
test_int64_and_limits(void)
{
	struct gb_config c;

	/* An L suffix makes an int64; it is fine for int keys too. */
	CU_ASSERT_EQUAL_FATAL(load_text("rules: { min_age = 20L; max_age = 20; };\n"
	                                "benefit: { saldo = 5000000000L; };\n",
	                                &c),
	                      0);
	CU_ASSERT_EQUAL(c.rules.min_age, 20);
	CU_ASSERT_EQUAL(c.rules.max_age, 20);
	CU_ASSERT_EQUAL(c.saldo, 5000000000LL);
	cfg_free(&c);

	/* Hexadecimal and the lower bounds. */
	CU_ASSERT_EQUAL_FATAL(load_text("benefit: { saldo = 0x10; };\n"
	                                "database: { connect_timeout = 1; };\n"
	                                "sms: { window_days = 1; };\n",
	                                &c),
	                      0);
	CU_ASSERT_EQUAL(c.saldo, 16);
	CU_ASSERT_EQUAL(c.connect_timeout, 1);
	CU_ASSERT_EQUAL(c.sms_window_days, 1);
	cfg_free(&c);

	/* max_age 0 means no limit, whatever min_age is. */
	CU_ASSERT_EQUAL_FATAL(load_text("rules: { min_age = 150; max_age = 0; };\n", &c), 0);
	CU_ASSERT_EQUAL(c.rules.min_age, 150);
	CU_ASSERT_EQUAL(c.rules.max_age, 0);
	cfg_free(&c);

	/* A large value inside a string or a comment is not an integer. */
	CU_ASSERT_EQUAL_FATAL(load_text("# saldo = 5000000000;\n"
	                                "database: { conninfo = \"port=99999999999\"; };\n"
	                                "benefit: { saldo = 1000000; /* 99999999999 */ };\n",
	                                &c),
	                      0);
	CU_ASSERT_EQUAL(c.saldo, 1000000);
	cfg_free(&c);
}

/* ------------------------------------------------------------------ */
/* Refusals                                                            */

static void
test_unknown_keys(void)
{
	CU_ASSERT_TRUE(refused("timezone = \"UTC\";\nfoo = 1;\n", 2, "foo", "unknown key"));
	CU_ASSERT_TRUE(refused("rules: {\n  min_age = 18;\n  min_agee = 19;\n"
	                       "};\n",
	                       3, "rules.min_agee", "unknown key"));
	CU_ASSERT_TRUE(refused("database: { conninfo = \"\"; password = "
	                       "\"x\"; };\n",
	                       1, "database.password", "unknown key"));
	CU_ASSERT_TRUE(
	    refused("sms: {\n  extra: { a = 1; };\n};\n", 2, "sms.extra", "unknown key"));
	CU_ASSERT_TRUE(refused("jobs: { progress = true; };\n"
	                       "benefit: { saldo = 1; };\nschedule: { };\n",
	                       3, "schedule", "unknown key"));
	/* min_age belongs in rules, not at the top level. */
	CU_ASSERT_TRUE(refused("\n\nmin_age = 18;\n", 3, "min_age", "unknown key"));
}

static void
test_wrong_types(void)
{
	/* int */
	CU_ASSERT_TRUE(refused("rules: {\n  min_age = \"18\";\n};\n", 2, "rules.min_age",
	                       "expected an integer"));
	CU_ASSERT_TRUE(refused("benefit: { saldo = 3550000.0; };\n", 1, "benefit.saldo",
	                       "expected an integer"));
	CU_ASSERT_TRUE(refused("sms: { window_days = true; };\n", 1, "sms.window_days",
	                       "expected an integer"));
	/* bool */
	CU_ASSERT_TRUE(refused("rules: { exclude_aid_recipients = 1; };\n", 1,
	                       "rules.exclude_aid_recipients", "expected a boolean"));
	CU_ASSERT_TRUE(refused("jobs: {\n progress = \"yes\";\n};\n", 2, "jobs.progress",
	                       "expected a boolean"));
	CU_ASSERT_TRUE(refused("lifecycle: { allow_simulated_clock = 1; };\n", 1,
	                       "lifecycle.allow_simulated_clock", "expected a boolean"));
	/* string */
	CU_ASSERT_TRUE(refused("timezone = 7;\n", 1, "timezone", "expected a string"));
	CU_ASSERT_TRUE(refused("database: {\n\n conninfo = true; };\n", 3, "database.conninfo",
	                       "expected a string"));
	CU_ASSERT_TRUE(
	    refused("sms: { lolos = [ \"a\" ]; };\n", 1, "sms.lolos", "expected a string"));
	/* list */
	CU_ASSERT_TRUE(refused("rules: { provinces = [ 11, 12 ]; };\n", 1, "rules.provinces",
	                       "expected a list of strings"));
	CU_ASSERT_TRUE(refused("rules: { provinces = ( \"11\",\n 12 ); };\n", 2, "rules.provinces",
	                       "expected a list of strings"));
	CU_ASSERT_TRUE(refused("rules: { excluded_occupations = \"ASN\"; };\n", 1,
	                       "rules.excluded_occupations", "expected a list of strings"));
	CU_ASSERT_TRUE(refused("rules: { priority_regions = ( ( \"3201\" ) ); "
	                       "};\n",
	                       1, "rules.priority_regions", "expected a list of strings"));
	/* group */
	CU_ASSERT_TRUE(refused("rules = 5;\n", 1, "rules", "expected a group"));
	CU_ASSERT_TRUE(refused("benefit = ( 1 );\n", 1, "benefit", "expected a group"));
}

static void
test_out_of_range(void)
{
	CU_ASSERT_TRUE(refused("rules: { min_age = 200; };\n", 1, "rules.min_age",
	                       "200 is out of range 0..150"));
	CU_ASSERT_TRUE(refused("rules: { min_age = -1; };\n", 1, "rules.min_age",
	                       "-1 is out of range 0..150"));
	CU_ASSERT_TRUE(refused("rules: { max_age = 151; };\n", 1, "rules.max_age",
	                       "151 is out of range 0..150"));
	CU_ASSERT_TRUE(refused("rules: { household_cap = 101; };\n", 1, "rules.household_cap",
	                       "101 is out of range 0..100"));
	CU_ASSERT_TRUE(refused("rules: { household_cap = -1; };\n", 1, "rules.household_cap",
	                       "-1 is out of range 0..100"));
	CU_ASSERT_TRUE(refused("database: { connect_timeout = 0; };\n", 1,
	                       "database.connect_timeout", "0 is out of range 1..3600"));
	CU_ASSERT_TRUE(refused("database: { connect_timeout = 3601; };\n", 1,
	                       "database.connect_timeout", "3601 is out of range 1..3600"));
	CU_ASSERT_TRUE(refused("sms: { window_days = 0; };\n", 1, "sms.window_days",
	                       "0 is out of range 1..365"));
	CU_ASSERT_TRUE(refused("sms: { window_days = 366; };\n", 1, "sms.window_days",
	                       "366 is out of range 1..365"));
	CU_ASSERT_TRUE(refused("jobs: { statement_timeout = -1; };\n", 1, "jobs.statement_timeout",
	                       "-1 is out of range 0..86400"));
	CU_ASSERT_TRUE(refused("jobs: { statement_timeout = 86401; };\n", 1,
	                       "jobs.statement_timeout", "86401 is out of range 0..86400"));
	CU_ASSERT_TRUE(refused("jobs: { standby_wait_seconds = -1; };\n", 1,
	                       "jobs.standby_wait_seconds", "-1 is out of range 0..86400"));
	CU_ASSERT_TRUE(refused("benefit: { saldo = -1; };\n", 1, "benefit.saldo",
	                       "-1 is out of range 0..1000000000000"));
	CU_ASSERT_TRUE(refused("benefit: { saldo = 1000000000001L; };\n", 1, "benefit.saldo",
	                       "1000000000001 is out of range 0..1000000000000"));
	CU_ASSERT_TRUE(refused("rules: { min_age = 4294967296L; };\n", 1, "rules.min_age",
	                       "4294967296 is out of range 0..150"));
}

/* libconfig 1.5 would keep only the low 32 bits of these. */
static void
test_truncated_literals(void)
{
	CU_ASSERT_TRUE(
	    refused("benefit: {\n saldo = 5000000000;\n};\n", 2, "benefit.saldo", "5000000000L"));
	/* 2^32 + 18 would load as 18. */
	CU_ASSERT_TRUE(refused("rules: { max_age = 64; min_age = 4294967314; "
	                       "};\n",
	                       1, "rules.min_age", "4294967314L"));
	CU_ASSERT_TRUE(refused("sms: { window_days = 0x10000001e; };\n", 1, "sms.window_days",
	                       "0x10000001eL"));
	CU_ASSERT_TRUE(refused("benefit: { saldo = 99999999999999999999999; "
	                       "};\n",
	                       1, "benefit.saldo", "too large"));
}

static void
test_ages(void)
{
	CU_ASSERT_TRUE(refused("rules: {\n min_age = 40;\n max_age = 30;\n};\n", 3, "rules.max_age",
	                       "30 is less than rules.min_age (40)"));
	/* Only min_age in the file: the default max_age 64 is below it. */
	CU_ASSERT_TRUE(refused("\nrules: {\n min_age = 70;\n};\n", 3, "rules.min_age",
	                       "70 is more than rules.max_age (64)"));
}

static void
test_lists(void)
{
	CU_ASSERT_TRUE(refused("rules: { provinces = [ \"11\", \"1\" ]; };\n", 1, "rules.provinces",
	                       "\"1\" is not a 2-digit province code"));
	CU_ASSERT_TRUE(refused("rules: {\n provinces = [ \"11\",\n \"ABC\" ];\n"
	                       "};\n",
	                       3, "rules.provinces", "\"ABC\" is not a 2-digit province code"));
	CU_ASSERT_TRUE(
	    refused("rules: { provinces = [ \"1a\" ]; };\n", 1, "rules.provinces", "\"1a\""));
	CU_ASSERT_TRUE(refused("rules: {\n provinces = [ \"11\", \"12\",\n"
	                       "  \"13\",\n  \"12\" ];\n};\n",
	                       4, "rules.provinces", "\"12\" is listed twice"));
	CU_ASSERT_TRUE(refused("rules: {\n\n provinces = [ ];\n};\n", 3, "rules.provinces",
	                       "must not be empty"));
	CU_ASSERT_TRUE(refused("rules: { priority_regions = [ \"3201\",\n"
	                       " \"12345\" ]; };\n",
	                       2, "rules.priority_regions",
	                       "\"12345\" is not a 4-digit region code"));
	CU_ASSERT_TRUE(refused("rules: { priority_regions = [ \"320\" ]; };\n", 1,
	                       "rules.priority_regions", "\"320\" is not a 4-digit region code"));
	CU_ASSERT_TRUE(refused("rules: { excluded_occupations = [ \"ASN\", "
	                       "\"\" ]; };\n",
	                       1, "rules.excluded_occupations", "blank"));
	CU_ASSERT_TRUE(refused("rules: {\n excluded_occupations = [ \"ASN\",\n"
	                       " \"  \\t \" ]; };\n",
	                       3, "rules.excluded_occupations", "blank"));
	CU_ASSERT_TRUE(refused("rules: { excluded_occupations = [ \"A\\xff\" "
	                       "]; };\n",
	                       1, "rules.excluded_occupations", "UTF-8"));
}

static void
test_strings(void)
{
	char text[700];

	CU_ASSERT_TRUE(
	    refused("timezone = \"Asia/Jak arta\";\n", 1, "timezone", "is not a time zone name"));
	CU_ASSERT_TRUE(
	    refused("\ntimezone = \"Asia;Jakarta\";\n", 2, "timezone", "\"Asia;Jakarta\""));
	CU_ASSERT_TRUE(
	    refused("timezone = \"../etc/x\";\n", 1, "timezone", "is not a time zone name"));
	CU_ASSERT_TRUE(refused("timezone = \"\";\n", 1, "timezone", "must not be empty"));
	CU_ASSERT_TRUE(refused("sms: {\n lolos = \"Halo {nama} {xyz}\";\n};\n", 2, "sms.lolos",
	                       "unknown placeholder {xyz}"));
	CU_ASSERT_TRUE(refused("sms: { tidak_lolos = \"Halo {Nama}\"; };\n", 1, "sms.tidak_lolos",
	                       "unknown placeholder {Nama}"));
	CU_ASSERT_TRUE(refused("sms: { tidak_lolos = \"Halo {}\"; };\n", 1, "sms.tidak_lolos",
	                       "unknown placeholder {}"));
	CU_ASSERT_TRUE(refused("sms: { lolos = \"Halo {nama\"; };\n", 1, "sms.lolos",
	                       "unterminated placeholder"));
	CU_ASSERT_TRUE(refused("sms: { lolos = \"Halo \\xc3\"; };\n", 1, "sms.lolos", "UTF-8"));

	/* 480 bytes pass, 481 do not. */
	snprintf(text, sizeof(text), "sms: { lolos = \"%480s\"; };\n", "x");
	{
		struct gb_config c;

		CU_ASSERT_EQUAL(load_text(text, &c), 0);
		CU_ASSERT_EQUAL(strlen(c.sms_lolos), 480);
		cfg_free(&c);
	}
	snprintf(text, sizeof(text), "sms: { lolos = \"%481s\"; };\n", "x");
	CU_ASSERT_TRUE(refused(text, 1, "sms.lolos", "481 bytes"));
}

static void
test_syntax_error(void)
{
	char path[64], want[128], err[512];
	struct gb_config c;

	write_conf("rules: {\n  min_age = ;\n};\n", path, sizeof(path));
	CU_ASSERT_EQUAL(cfg_load(path, true, &c, err, sizeof(err)), EXIT_CONFIG);
	/* file:line: and libconfig's text once, not "syntax error: syntax error" */
	snprintf(want, sizeof(want), "%s:2: syntax error", path);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_TRUE(cfg_is_zero(&c));
	cfg_free(&c);

	/* Not named on the command line, but present and bad: still 78. */
	CU_ASSERT_EQUAL(cfg_load(path, false, &c, err, sizeof(err)), EXIT_CONFIG);
	CU_ASSERT_STRING_EQUAL(err, want);
	cfg_free(&c);
	unlink(path);

	/* libconfig itself refuses a key given twice. */
	write_conf("timezone = \"UTC\";\n\ntimezone = \"UTC\";\n", path, sizeof(path));
	CU_ASSERT_EQUAL(cfg_load(path, true, &c, err, sizeof(err)), EXIT_CONFIG);
	snprintf(want, sizeof(want), "%s:3: syntax error: ", path);
	CU_ASSERT_NSTRING_EQUAL(err, want, strlen(want));
	cfg_free(&c);
	unlink(path);

	/* Not named but bad in content: 78 too. */
	write_conf("rules: { min_age = 200; };\n", path, sizeof(path));
	CU_ASSERT_EQUAL(cfg_load(path, false, &c, err, sizeof(err)), EXIT_CONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "rules.min_age"));
	cfg_free(&c);
	unlink(path);
}

static void
test_unreadable(void)
{
	char path[64], want[160], err[512];
	struct gb_config c;

	/* Named and missing. */
	write_conf("", path, sizeof(path));
	unlink(path);
	CU_ASSERT_EQUAL(cfg_load(path, true, &c, err, sizeof(err)), EXIT_CONFIG);
	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", path);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_TRUE(cfg_is_zero(&c));
	cfg_free(&c);

	/* Named and unreadable; root reads anything, so only as a user. */
	if (geteuid() != 0) {
		write_conf("timezone = \"UTC\";\n", path, sizeof(path));
		CU_ASSERT_EQUAL_FATAL(chmod(path, 0), 0);
		CU_ASSERT_EQUAL(cfg_load(path, true, &c, err, sizeof(err)), EXIT_CONFIG);
		snprintf(want, sizeof(want), "%s: cannot read: Permission denied", path);
		CU_ASSERT_STRING_EQUAL(err, want);
		cfg_free(&c);
		/* Present but unreadable is an error even when not named. */
		CU_ASSERT_EQUAL(cfg_load(path, false, &c, err, sizeof(err)), EXIT_CONFIG);
		cfg_free(&c);
		unlink(path);
	}

	/* A directory cannot be read as a file, by root either. */
	CU_ASSERT_EQUAL(cfg_load("/tmp", true, &c, err, sizeof(err)), EXIT_CONFIG);
	CU_ASSERT_STRING_EQUAL(err, "/tmp: cannot read: Is a directory");
	cfg_free(&c);
	CU_ASSERT_EQUAL(cfg_load("/tmp", false, &c, err, sizeof(err)), EXIT_CONFIG);
	cfg_free(&c);

	/* A missing directory on the way is still "missing". */
	CU_ASSERT_EQUAL(cfg_load("/nonexistent-dir/gelombang.conf", false, &c, err, sizeof(err)),
	                0);
	cfg_free(&c);
}

/* A short err buffer is truncated, never overrun. */
static void
test_short_err(void)
{
	char path[64], err[8];
	struct gb_config c;

	write_conf("foo = 1;\n", path, sizeof(path));
	memset(err, 'z', sizeof(err));
	CU_ASSERT_EQUAL(cfg_load(path, true, &c, err, sizeof(err)), EXIT_CONFIG);
	CU_ASSERT_EQUAL(strlen(err), sizeof(err) - 1);
	CU_ASSERT_EQUAL(cfg_load(path, true, &c, NULL, 0), EXIT_CONFIG);
	cfg_free(&c);
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* Rules JSON                                                          */

static void
test_json_small(void)
{
	static const char *const occ[] = {"ASN", "TNI"};
	static const char *const reg[] = {"3201"};
	static const char *const prov[] = {"11", "32"};
	struct gb_config c;
	char *json;

	cfg_defaults(&c);
	set_list(&c.rules.excluded_occupations, occ, 2);
	set_list(&c.rules.priority_regions, reg, 1);
	set_list(&c.rules.provinces, prov, 2);
	set_string(&c.sms_lolos, "L {nama}");
	set_string(&c.sms_tidak_lolos, "T {nama}");
	json = cfg_rules_json(&c);
	CU_ASSERT_STRING_EQUAL(json,
	                       "{\"timezone\":\"Asia/Jakarta\",\"min_age\":18,\"max_age\":64,"
	                       "\"household_cap\":2,\"exclude_aid_recipients\":true,"
	                       "\"excluded_occupations\":[\"ASN\",\"TNI\"],"
	                       "\"priority_regions\":[\"3201\"],\"provinces\":[\"11\",\"32\"],"
	                       "\"saldo\":3550000,\"sms_lolos\":\"L {nama}\","
	                       "\"sms_tidak_lolos\":\"T {nama}\",\"sms_window_days\":30}");
	free(json);

	/* Empty lists, false, and a saldo beyond 32 bits. */
	set_list(&c.rules.excluded_occupations, NULL, 0);
	set_list(&c.rules.priority_regions, NULL, 0);
	c.rules.exclude_aid_recipients = false;
	c.saldo = 1000000000000LL;
	c.rules.max_age = 0;
	json = cfg_rules_json(&c);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"max_age\":0,\"household_cap\":2,"
	                                    "\"exclude_aid_recipients\":false,"
	                                    "\"excluded_occupations\":[],"
	                                    "\"priority_regions\":[],"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"saldo\":1000000000000,"));
	free(json);
	cfg_free(&c);
}

static void
test_json_escaping(void)
{
	static const char *const occ[] = {"A\"B\\C", "PEG\xc3\x89 \xe2\x82\xac"};
	struct gb_config c;
	char *json;

	cfg_defaults(&c);
	set_string(&c.timezone, "x\n\t\r\x01\x1f\x7f/");
	set_list(&c.rules.excluded_occupations, occ, 2);
	set_list(&c.rules.provinces, NULL, 0);
	set_string(&c.sms_lolos, "say \"hi\" \\ {nama}");
	set_string(&c.sms_tidak_lolos, "");
	json = cfg_rules_json(&c);
	CU_ASSERT_STRING_EQUAL(json, "{\"timezone\":\"x\\u000a\\u0009\\u000d\\u0001\\u001f\x7f/\","
	                             "\"min_age\":18,\"max_age\":64,\"household_cap\":2,"
	                             "\"exclude_aid_recipients\":true,"
	                             "\"excluded_occupations\":[\"A\\\"B\\\\C\","
	                             "\"PEG\xc3\x89 \xe2\x82\xac\"],"
	                             "\"priority_regions\":[],\"provinces\":[],\"saldo\":3550000,"
	                             "\"sms_lolos\":\"say \\\"hi\\\" \\\\ {nama}\","
	                             "\"sms_tidak_lolos\":\"\",\"sms_window_days\":30}");
	free(json);
	cfg_free(&c);
}

static void
test_json_defaults(void)
{
	struct gb_config c;
	char *json;

	cfg_defaults(&c);
	json = cfg_rules_json(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_NSTRING_EQUAL(json, "{\"timezone\":\"Asia/Jakarta\",\"min_age\":18,", 40);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"excluded_occupations\":[\"PEJABAT_NEGARA\","));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"95\",\"96\"],\"saldo\":3550000,"
	                                    "\"sms_lolos\":\"Selamat {nama}, "));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "tanpa mengisi data lagi.\",\"sms_window_days\":30}"));
	free(json);
	cfg_free(&c);
}

/* ------------------------------------------------------------------ */
/* Masking                                                             */

static bool
masks(const char *in, const char *want)
{
	char *got = cfg_mask_conninfo(in);
	bool ok = got && strcmp(got, want) == 0;

	if (!ok)
		fprintf(stderr, "\n  mask(\"%s\") = \"%s\", want \"%s\"\n", in,
		        got ? got : "(null)", want);
	free(got);
	return ok;
}

/* Masked as libpq reads the string: its options in libpq's order, as
 * key=value, quoted where libpq needs quotes. */
static void
test_mask_keyvalue(void)
{
	CU_ASSERT_TRUE(masks("", ""));
	CU_ASSERT_TRUE(masks("host=db port=5432", "host=db port=5432"));
	CU_ASSERT_TRUE(masks("password=secret", "password=********"));
	CU_ASSERT_TRUE(masks("host=db password=secret user=u", "user=u password=******** host=db"));
	CU_ASSERT_TRUE(masks("password = 'se cret\\'x' dbname=d", "password=******** dbname=d"));
	CU_ASSERT_TRUE(masks("  password='a b'  host=x ", "password=******** host=x"));
	CU_ASSERT_TRUE(masks("host=x password=a\\ b port=1", "password=******** host=x port=1"));
	CU_ASSERT_TRUE(masks("host=x password=", "password=******** host=x"));
	/* Not a password key, or password only as a value; quotes kept
	 * where a value needs them. */
	CU_ASSERT_TRUE(masks("passfile=/p user=password host='pass word=x'",
	                     "user=password passfile=/p host='pass word=x'"));
	CU_ASSERT_TRUE(
	    masks("application_name='it\\'s' dbname=''", "dbname='' application_name='it\\'s'"));
	/* A dbname holding a connection string or URI. */
	CU_ASSERT_TRUE(
	    masks("dbname='user=u password=s' host=h", "dbname='user=u password=********' host=h"));
	CU_ASSERT_TRUE(masks("dbname=postgresql://u:pw@h/db",
	                     "dbname='user=u password=******** dbname=db host=h'"));
	CU_ASSERT_TRUE(masks("dbname=gelombang", "dbname=gelombang"));
	/* What libpq cannot parse (an unknown or mis-cased key, a key
	 * without '=', an open quote) is not shown at all. */
	CU_ASSERT_TRUE(masks("  PassWord='a b'  host=x ", "********"));
	CU_ASSERT_TRUE(masks("host=x password secret", "********"));
	CU_ASSERT_TRUE(masks("host=x password='secret", "********"));
	CU_ASSERT_TRUE(masks("host=x pasword=secret", "********"));
}

static void
test_mask_uri(void)
{
	CU_ASSERT_TRUE(masks("postgresql://", ""));
	CU_ASSERT_TRUE(masks("postgresql://h/db", "dbname=db host=h"));
	CU_ASSERT_TRUE(masks("postgresql://u@h:5432/db", "user=u dbname=db host=h port=5432"));
	CU_ASSERT_TRUE(masks("postgresql://u:secret@h:5432/db",
	                     "user=u password=******** dbname=db host=h port=5432"));
	CU_ASSERT_TRUE(masks("postgres://u:secret@h1:5432,h2/db",
	                     "user=u password=******** dbname=db host=h1,h2 port=5432,"));
	CU_ASSERT_TRUE(masks("postgres://u@h/db?password=secret&sslmode=require",
	                     "user=u password=******** dbname=db host=h sslmode=require"));
	/* percent-encoded, in the user information and in a key */
	CU_ASSERT_TRUE(masks("postgresql://u:se%20cret@h?pass%77ord=b&sslmode=require",
	                     "user=u password=******** host=h sslmode=require"));
	CU_ASSERT_TRUE(masks("postgresql:///db?host=/run/pg&passfile=/p",
	                     "passfile=/p dbname=db host=/run/pg"));
	CU_ASSERT_TRUE(masks("postgresql://h/db?sslmode=require&Password=x", "********"));
	CU_ASSERT_TRUE(masks("postgresql://u:secret@h/db?nosuchkey=1", "********"));
}

/* connect_timeout given by the user wins over the configured one */
static void
test_conninfo_sets(void)
{
	CU_ASSERT_TRUE(cfg_conninfo_sets("host=h connect_timeout=3", "connect_timeout"));
	CU_ASSERT_TRUE(cfg_conninfo_sets("postgresql://h/db?connect_timeout=3", "connect_timeout"));
	CU_ASSERT_FALSE(
	    cfg_conninfo_sets("host=h application_name=connect_timeout", "connect_timeout"));
	CU_ASSERT_FALSE(cfg_conninfo_sets("host=h", "connect_timeout"));
	CU_ASSERT_FALSE(cfg_conninfo_sets("gelombang", "connect_timeout"));
	CU_ASSERT_FALSE(cfg_conninfo_sets("host=h connect_timeout", "connect_timeout"));
	CU_ASSERT_FALSE(cfg_conninfo_sets(NULL, "connect_timeout"));
}

/* ------------------------------------------------------------------ */

static CU_TestInfo defaults_tests[] = {
    {.pName = "built-in defaults", .pTestFunc = test_defaults},
    {.pName = "default SMS fit one part", .pTestFunc = test_default_sms_one_part},
    {.pName = "shipped conf/gelombang.conf", .pTestFunc = test_shipped_conf},
    {.pName = "missing, not named: defaults", .pTestFunc = test_missing_not_named},
    {.pName = "empty file: defaults", .pTestFunc = test_empty_file},
    {.pName = "subset of keys", .pTestFunc = test_subset},
    {.pName = "every key set", .pTestFunc = test_every_key},
    {.pName = "int64, hex and limits", .pTestFunc = test_int64_and_limits},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo error_tests[] = {
    {.pName = "unknown keys", .pTestFunc = test_unknown_keys},
    {.pName = "wrong types", .pTestFunc = test_wrong_types},
    {.pName = "out of range", .pTestFunc = test_out_of_range},
    {.pName = "truncated integer literals", .pTestFunc = test_truncated_literals},
    {.pName = "max_age below min_age", .pTestFunc = test_ages},
    {.pName = "list elements", .pTestFunc = test_lists},
    {.pName = "timezone and templates", .pTestFunc = test_strings},
    {.pName = "syntax errors", .pTestFunc = test_syntax_error},
    {.pName = "unreadable files", .pTestFunc = test_unreadable},
    {.pName = "short err buffer", .pTestFunc = test_short_err},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo json_tests[] = {
    {.pName = "small lists", .pTestFunc = test_json_small},
    {.pName = "escaping", .pTestFunc = test_json_escaping},
    {.pName = "defaults", .pTestFunc = test_json_defaults},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo mask_tests[] = {
    {.pName = "key=value", .pTestFunc = test_mask_keyvalue},
    {.pName = "URI", .pTestFunc = test_mask_uri},
    {.pName = "which keys a conninfo sets", .pTestFunc = test_conninfo_sets},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
    {.pName = "config: loading", .pTests = defaults_tests},
    {.pName = "config: refusals", .pTests = error_tests},
    {.pName = "config: rules json", .pTests = json_tests},
    {.pName = "config: mask conninfo", .pTests = mask_tests},
    CU_SUITE_INFO_NULL,
};
