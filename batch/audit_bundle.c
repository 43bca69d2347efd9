/*
 * audit_bundle.c — audit --independent DIR: see audit.h.
 *
 * The bundle is for an auditor who does not run gelombang: every input the
 * selection reads, in plain formats, and a recipe.  Files:
 *   registrations.csv         the columns the rule reads (SPEC §3 without
 *                             name and phone), one row per entry, as stored
 *                             (region_code filled in), joined_at in WIB
 *   earlier_participants.csv  nik: entries that were participants of an
 *                             earlier wave when the wave was processed
 *   household_prior.csv       kk,prior: earlier participants per family card
 *   quotas.csv                province,quota (only the header: national quota)
 *   wave.json                 opens_at, closes_at, close_date, quota, ...
 *   rules.json                the rules frozen at process (incl. saldo)
 *   seed.txt, commitment.txt  the revealed seed and its commitment
 *   results.csv               what is stored: nik,status,reason,lottery_key,
 *                             card_number,saldo
 *   revocation.csv            nik,first_training_at,revoke_at,revoked: every
 *                             participant of a SELESAI wave (SPEC §10), its
 *                             first training as revoke decided on it (only
 *                             the header before revoke)
 *   README.md, recompute.py, SHA256SUMS
 * The bundle holds personal data (NIK, KK, birth dates): the directory is
 * made 0700 and every file 0600, and a directory that is not empty is
 * refused unless --force (audit_bundle_check, before the audit starts).
 */
#include "audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "copyout.h"
#include "db.h"
#include "log.h"

#define BUNDLE_FILES 13

struct bundle {
	struct gb_ctx *ctx;
	const char *dir;
	int wave;
	char sums[BUNDLE_FILES * 96];
	size_t sums_len;
};

struct bundle_file {
	FILE *f;
	EVP_MD_CTX *md;
	bool failed;
};

/* the reference script of the bundle (Python 3, standard library only):
 * batch/recompute.py, embedded at build time (scripts/embed-text) */
extern const char gb_recompute_py[];

/* a file of the bundle, for the owner only (also when --force rewrites it) */
static FILE *
bundle_fopen(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fchmod(fd, 0600) != 0 || !(f = fdopen(fd, "w"))) {
		close(fd);
		return NULL;
	}
	return f;
}

static int
bundle_open(struct bundle *b, const char *name, struct bundle_file *bf)
{
	char path[4096];

	memset(bf, 0, sizeof(*bf));
	snprintf(path, sizeof(path), "%s/%s", b->dir, name);
	bf->f = bundle_fopen(path);
	bf->md = EVP_MD_CTX_new();
	if (!bf->f || !bf->md || !EVP_DigestInit_ex(bf->md, EVP_sha256(), NULL)) {
		log_error("could not write \"%s\": %s", path,
		          bf->f ? "out of memory" : strerror(errno));
		if (bf->f)
			fclose(bf->f);
		EVP_MD_CTX_free(bf->md);
		return EXIT_SOFTWARE;
	}
	return 0;
}

static int
bundle_write(void *arg, const char *data, size_t len)
{
	struct bundle_file *bf = arg;

	if (fwrite(data, 1, len, bf->f) != len || !EVP_DigestUpdate(bf->md, data, len)) {
		bf->failed = true;
		return EXIT_SOFTWARE;
	}
	return 0;
}

/* Close the file and add its digest to SHA256SUMS; rc is the writing's
 * result so far. */
static int
bundle_close(struct bundle *b, const char *name, struct bundle_file *bf, int rc)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	bool failed = bf->failed || fclose(bf->f) != 0;

	if (bf->failed)
		fclose(bf->f);
	if (!EVP_DigestFinal_ex(bf->md, d, &len))
		failed = true;
	EVP_MD_CTX_free(bf->md);
	if (failed) {
		log_error("could not write \"%s/%s\": %s", b->dir, name, strerror(errno));
		return rc ? rc : EXIT_SOFTWARE;
	}
	if (rc != 0)
		return rc;
	for (i = 0; i < len && b->sums_len + 3 < sizeof(b->sums); i++) {
		b->sums[b->sums_len++] = hex[d[i] >> 4];
		b->sums[b->sums_len++] = hex[d[i] & 15];
	}
	b->sums_len +=
	    (size_t) snprintf(b->sums + b->sums_len, sizeof(b->sums) - b->sums_len, "  %s\n", name);
	return 0;
}

/* a file from a COPY ... TO STDOUT (CSV with header) */
static int
bundle_copy(struct bundle *b, const char *name, const char *sql)
{
	struct bundle_file bf;
	char what[128];
	int rc;

	if ((rc = bundle_open(b, name, &bf)) != 0)
		return rc;
	snprintf(what, sizeof(what), "write %s", name);
	rc = copy_out(b->ctx->conn, what, sql, bundle_write, &bf);
	return bundle_close(b, name, &bf, rc);
}

static int
bundle_text(struct bundle *b, const char *name, const char *text)
{
	struct bundle_file bf;
	int rc;

	if ((rc = bundle_open(b, name, &bf)) != 0)
		return rc;
	rc = bundle_write(&bf, text, strlen(text));
	return bundle_close(b, name, &bf, rc);
}

/* every CSV of the bundle: the wave is a parsed integer (COPY takes no
 * parameters) */
static int
bundle_tables(struct bundle *b)
{
	static const struct {
		const char *name, *query;
	} tables[] = {
	    {"registrations.csv",
	     "select nik, kk, birth_date, sex, occupation, in_school, receives_aid, region_code,"
	     " joined_at from gelombang.audit_registrations(%d) order by nik"},
	    {"earlier_participants.csv",
	     "select nik from gelombang.frozen_prior where wave = %d order by nik"},
	    {"household_prior.csv",
	     "select kk, prior from gelombang.frozen_kk_prior where wave = %d order by kk"},
	    {"quotas.csv",
	     "select province, quota from gelombang.wave_quota where wave = %d order by province"},
	    {"results.csv",
	     "select nik, case when reason is null then 'LOLOS' else 'TIDAK_LOLOS' end as status,"
	     " reason, lottery_key, card_number, saldo"
	     " from gelombang.audit_outcomes(%d) order by nik"},
	    {"revocation.csv",
	     "select p.nik, gelombang.iso_wib(t.first_training_at) as first_training_at,"
	     " gelombang.iso_wib(w.revoke_at) as revoke_at,"
	     " case when v.nik is null then 'false' else 'true' end as revoked"
	     " from gelombang.participant p join gelombang.wave w on w.wave = p.wave"
	     " left join gelombang.first_training t on t.nik = p.nik"
	     " left join gelombang.revoked v on v.nik = p.nik"
	     " where p.wave = %d and w.state = 'SELESAI' order by p.nik"},
	};
	char query[512], sql[640];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(query, sizeof(query), tables[i].query, b->wave);
		snprintf(sql, sizeof(sql), "copy (%s) to stdout with (format csv, header)", query);
		if ((rc = bundle_copy(b, tables[i].name, sql)) != 0)
			return rc;
	}
	return 0;
}

static int
bundle_readme(struct bundle *b, PGresult *w)
{
	char *text = NULL;
	int rc;

	if (asprintf(
	        &text,
	        "# Wave %d: an independent audit bundle\n"
	        "\n"
	        "Written by `gelombang audit --wave %d --independent` at %s (WIB), from\n"
	        "the data frozen when the wave was processed and the results stored by\n"
	        "`select`.  Everything needed to recompute the result of the wave is in\n"
	        "this directory; nothing here needs gelombang or its database.\n"
	        "\n"
	        "| file | what |\n"
	        "|---|---|\n"
	        "| `registrations.csv` | every entry of the wave, with what the rule reads: `nik,kk,birth_date,sex,occupation,in_school,receives_aid,region_code,joined_at` (no name, no phone; `region_code` as stored: an empty one was filled with the NIK's first 4 digits; `joined_at` in WIB) |\n"
	        "| `earlier_participants.csv` | `nik`: entries that were participants of an earlier wave |\n"
	        "| `household_prior.csv` | `kk,prior`: participants of earlier waves per family card (KK) |\n"
	        "| `quotas.csv` | `province,quota`; only the header when the wave has a national quota |\n"
	        "| `wave.json` | `opens_at`, `closes_at`, `close_date` (the closing day in the configured timezone), the national `quota`, `per_province_quotas` |\n"
	        "| `rules.json` | the rules in force, frozen at `process`: ages, household cap, excluded occupations, priority regions, provinces, `saldo` |\n"
	        "| `seed.txt`, `commitment.txt` | the seed revealed at `close`, and the commitment published at `wave create` |\n"
	        "| `results.csv` | what gelombang stored: `nik,status,reason,lottery_key,card_number,saldo` |\n"
	        "| `revocation.csv` | once the wave is `SELESAI`: `nik,first_training_at,revoke_at,revoked` for every participant; revoked is `true` exactly when there is no first training at or before `revoke_at` |\n"
	        "| `recompute.py` | the whole recipe below in Python 3 (standard library only) |\n"
	        "| `SHA256SUMS` | the SHA-256 of every other file: `sha256sum -c SHA256SUMS` |\n"
	        "\n"
	        "## 1. The seed is the one committed to\n"
	        "\n"
	        "The commitment printed when the wave was created (before anyone\n"
	        "registered) is the SHA-256 of the seed's 64 hex characters:\n"
	        "\n"
	        "    printf %%s \"$(cat seed.txt)\" | sha256sum\n"
	        "\n"
	        "must print `%s`, the text of\n"
	        "`commitment.txt`.  Compare it with the commitment published at the time.\n"
	        "\n"
	        "## 2. The selection rule (SPEC section 4)\n"
	        "\n"
	        "1. **Exclusions.** Each entry gets the first reason that applies, in this\n"
	        "   order: `DI_LUAR_JADWAL` (`joined_at` before `opens_at` or at/after\n"
	        "   `closes_at`), `DATA_TIDAK_VALID` (NIK province not in `provinces`, or the\n"
	        "   NIK's DDMMYY — DD + 40 for women — not the birth date), `PESERTA_SEBELUMNYA`\n"
	        "   (in `earlier_participants.csv`), `PEKERJAAN_DIKECUALIKAN` (occupation in\n"
	        "   `excluded_occupations`), `USIA` (not `birth_date + min_age years <=\n"
	        "   close_date < birth_date + (max_age + 1) years`; 29 February + years is 28\n"
	        "   February in a common year; `max_age` 0 = no upper limit), `SEDANG_SEKOLAH`,\n"
	        "   `PENERIMA_BANSOS` (when `exclude_aid_recipients`).  The rest are eligible.\n"
	        "2. **Lottery key** of an eligible entry: the SHA-256 of `<seed>:<nik>`:\n"
	        "\n"
	        "       printf '%%s:%%s' \"$(cat seed.txt)\" 3171012002220001 | sha256sum\n"
	        "\n"
	        "   Every entry's key, with the coreutils only (slow, but plain):\n"
	        "\n"
	        "       seed=$(cat seed.txt)\n"
	        "       tail -n +2 registrations.csv | cut -d, -f1 | while read -r nik; do\n"
	        "           printf '%%s %%s\\n' \"$nik\" \"$(printf '%%s:%%s' \"$seed\" \"$nik\" | sha256sum | cut -c1-64)\"\n"
	        "       done > keys.txt\n"
	        "\n"
	        "   `results.csv` shows the key of every entry that reached the draw.\n"
	        "3. **Order**: eligible entries by (tier, lottery key); tier 0 when\n"
	        "   `region_code` is in `priority_regions`, else 1.\n"
	        "4. **Household cap**: per KK, keep the first `max(0, household_cap - prior)`\n"
	        "   in that order (`prior` from `household_prior.csv`, 0 if absent); the rest\n"
	        "   are `KUOTA_KELUARGA`.\n"
	        "5. **Quota**: the unit is the province (first 2 digits of `region_code`)\n"
	        "   when `quotas.csv` has rows — a province without a row has quota 0 — else\n"
	        "   the whole wave with `quota` of `wave.json`.  Per unit, keep the first\n"
	        "   `quota` survivors of step 4 in the order of step 3; the rest are\n"
	        "   `KUOTA_PENUH`.\n"
	        "6. **Result**: kept entries are `LOLOS`, with saldo `saldo` of `rules.json`\n"
	        "   and a 16-digit Luhn-valid card number unique across waves.  gelombang\n"
	        "   draws them at random (so that one card tells nothing of the others):\n"
	        "   they are checked — one per `LOLOS` entry, 16 digits, Luhn, none twice —\n"
	        "   not recomputed.\n"
	        "\n"
	        "## 3. Recompute everything\n"
	        "\n"
	        "    sha256sum -c SHA256SUMS\n"
	        "    python3 recompute.py\n"
	        "\n"
	        "prints `identical: %s entries` when `results.csv` is exactly what the\n"
	        "rule gives, else the differences; its exit status is 0 only if identical.\n"
	        "gelombang's own check of the database is `gelombang audit --wave %d`.\n",
	        b->wave, b->wave, PQgetvalue(w, 0, 2), PQgetvalue(w, 0, 1), PQgetvalue(w, 0, 5),
	        b->wave) < 0) {
		log_error("out of memory");
		return EXIT_SOFTWARE;
	}
	rc = bundle_text(b, "README.md", text);
	free(text);
	return rc;
}

/* seed.txt, commitment.txt, wave.json, rules.json, README.md */
static int
bundle_wave(struct bundle *b)
{
	char w[16], line[128];
	const char *params[1] = {w};
	PGresult *res;
	int rc;

	snprintf(w, sizeof(w), "%d", b->wave);
	res = db_query(
	    b->ctx->conn, "read the wave for the bundle",
	    "select seed, commitment,"
	    " to_char(clock_timestamp() at time zone interval '+07:00', 'YYYY-MM-DD HH24:MI'),"
	    " jsonb_pretty(rules), gelombang.audit_wave_json(wave),"
	    " (select count(*) from gelombang.registration r where r.wave = w.wave)"
	    " from gelombang.wave w where wave = $1::int",
	    1, params);
	if (!res)
		return db_failure_exit();
	snprintf(line, sizeof(line), "%s\n", PQgetvalue(res, 0, 0));
	rc = bundle_text(b, "seed.txt", line);
	snprintf(line, sizeof(line), "%s\n", PQgetvalue(res, 0, 1));
	if (rc == 0)
		rc = bundle_text(b, "commitment.txt", line);
	if (rc == 0)
		rc = bundle_text(b, "rules.json", PQgetvalue(res, 0, 3));
	if (rc == 0)
		rc = bundle_text(b, "wave.json", PQgetvalue(res, 0, 4));
	if (rc == 0)
		rc = bundle_readme(b, res);
	PQclear(res);
	return rc;
}

static int
bundle_sums(struct bundle *b)
{
	char path[4096];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/SHA256SUMS", b->dir);
	f = bundle_fopen(path);
	ok = f && fwrite(b->sums, 1, b->sums_len, f) == b->sums_len;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok) {
		log_error("could not write \"%s\": %s", path, strerror(errno));
		return EXIT_SOFTWARE;
	}
	return 0;
}

int
audit_bundle_check(const char *dir, bool force)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return 0; /* absent (made later), or not a directory: reported then */
	while (empty && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = false;
	closedir(d);
	if (empty || force)
		return 0;
	log_error("could not write the audit bundle: directory \"%s\" is not empty", dir);
	log_hint("Name a new or empty directory, or add --force to write over the bundle in it.");
	return EXIT_REFUSED;
}

int
audit_write_bundle(struct gb_ctx *ctx, const char *dir, int wave)
{
	struct bundle b;
	int rc;

	memset(&b, 0, sizeof(b));
	b.ctx = ctx;
	b.dir = dir;
	b.wave = wave;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_error("could not create directory \"%s\": %s", dir, strerror(errno));
		return EXIT_SOFTWARE;
	}
	if ((rc = bundle_tables(&b)) != 0 || (rc = bundle_wave(&b)) != 0 ||
	    (rc = bundle_text(&b, "recompute.py", gb_recompute_py)) != 0 ||
	    (rc = bundle_sums(&b)) != 0)
		return rc;
	log_info("wave %d: independent audit bundle written to %s (see its README.md)", wave, dir);
	return 0;
}
