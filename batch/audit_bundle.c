/*
 * audit_bundle.c — audit --independent DIR: see audit.h.
 *
 * The bundle is for an auditor who does not run gelombang: every input the
 * selection reads, in plain formats, and a recipe.  Files:
 *   registrations.csv         SPEC §3 columns, one row per entry, as stored
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
 */
#include "audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* the reference script of the bundle (Python 3, standard library only) */
static const char recompute_py[] =
	"#!/usr/bin/env python3\n"
	"\"\"\"Recompute a gelombang wave's selection (SPEC section 4) from this bundle\n"
	"alone and compare it with results.csv, entry by entry.\n"
	"\n"
	"    python3 recompute.py [BUNDLE_DIR]\n"
	"\n"
	"Prints \"identical: N entries\" and exits 0, or the differences (the first\n"
	"20, then their count) and exits 1.  Needs only the Python standard library.\n"
	"\"\"\"\n"
	"import csv\n"
	"import datetime\n"
	"import hashlib\n"
	"import json\n"
	"import os\n"
	"import sys\n"
	"\n"
	"HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))\n"
	"\n"
	"\n"
	"def read(name):\n"
	"    with open(os.path.join(HERE, name), encoding=\"utf-8\") as f:\n"
	"        return f.read().strip()\n"
	"\n"
	"\n"
	"def table(name):\n"
	"    with open(os.path.join(HERE, name), newline=\"\", encoding=\"utf-8\") as f:\n"
	"        yield from csv.DictReader(f)\n"
	"\n"
	"\n"
	"def instant(text):\n"
	"    return datetime.datetime.fromisoformat(text.replace(\"Z\", \"+00:00\"))\n"
	"\n"
	"\n"
	"def add_years(day, years):\n"
	"    \"\"\"29 February plus years lands on 28 February in a common year.\"\"\"\n"
	"    try:\n"
	"        return day.replace(year=day.year + years)\n"
	"    except ValueError:\n"
	"        return day.replace(year=day.year + years, day=28)\n"
	"\n"
	"\n"
	"def nik_matches(nik, birth, sex):\n"
	"    \"\"\"SPEC section 5: DDMMYY in the NIK, 40 added to DD for women.\"\"\"\n"
	"    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])\n"
	"    if sex == \"P\":\n"
	"        dd -= 40\n"
	"    return dd == birth.day and mm == birth.month and yy == birth.year % 100\n"
	"\n"
	"\n"
	"def luhn_digit(payload):\n"
	"    total = 0\n"
	"    for i, c in enumerate(reversed(payload)):\n"
	"        d = int(c) * (2 if i % 2 == 0 else 1)\n"
	"        total += d // 10 + d % 10\n"
	"    return (10 - total % 10) % 10\n"
	"\n"
	"\n"
	"seed = read(\"seed.txt\")\n"
	"commitment = read(\"commitment.txt\")\n"
	"rules = json.loads(read(\"rules.json\"))\n"
	"wave = json.loads(read(\"wave.json\"))\n"
	"opens, closes = instant(wave[\"opens_at\"]), instant(wave[\"closes_at\"])\n"
	"close_date = datetime.date.fromisoformat(wave[\"close_date\"])\n"
	"earlier = {r[\"nik\"] for r in table(\"earlier_participants.csv\")}\n"
	"kk_prior = {r[\"kk\"]: int(r[\"prior\"]) for r in table(\"household_prior.csv\")}\n"
	"quotas = {r[\"province\"]: int(r[\"quota\"]) for r in table(\"quotas.csv\")}\n"
	"by_province = bool(wave[\"per_province_quotas\"])\n"
	"provinces = set(rules[\"provinces\"])\n"
	"excluded = set(rules[\"excluded_occupations\"])\n"
	"priority = set(rules[\"priority_regions\"])\n"
	"\n"
	"\n"
	"def exclusion(r):\n"
	"    \"\"\"Step 1: the first reason that applies, or None (eligible).\"\"\"\n"
	"    joined = instant(r[\"joined_at\"])\n"
	"    if joined < opens or joined >= closes:\n"
	"        return \"DI_LUAR_JADWAL\"\n"
	"    birth = datetime.date.fromisoformat(r[\"birth_date\"])\n"
	"    if r[\"nik\"][:2] not in provinces or not nik_matches(r[\"nik\"], birth, r[\"sex\"]):\n"
	"        return \"DATA_TIDAK_VALID\"\n"
	"    if r[\"nik\"] in earlier:\n"
	"        return \"PESERTA_SEBELUMNYA\"\n"
	"    if r[\"occupation\"] in excluded:\n"
	"        return \"PEKERJAAN_DIKECUALIKAN\"\n"
	"    old_enough = add_years(birth, rules[\"min_age\"]) <= close_date\n"
	"    young_enough = rules[\"max_age\"] == 0 or close_date < add_years(birth, rules[\"max_age\"] + 1)\n"
	"    if not (old_enough and young_enough):\n"
	"        return \"USIA\"\n"
	"    if r[\"in_school\"] == \"true\":\n"
	"        return \"SEDANG_SEKOLAH\"\n"
	"    if r[\"receives_aid\"] == \"true\" and rules[\"exclude_aid_recipients\"]:\n"
	"        return \"PENERIMA_BANSOS\"\n"
	"    return None\n"
	"\n"
	"\n"
	"problems = []\n"
	"if hashlib.sha256(seed.encode(\"ascii\")).hexdigest() != commitment:\n"
	"    problems.append(\"seed: its sha256 is not the commitment in commitment.txt\")\n"
	"\n"
	"reason, key, draw = {}, {}, []\n"
	"for r in table(\"registrations.csv\"):\n"
	"    nik = r[\"nik\"]\n"
	"    reason[nik] = exclusion(r)\n"
	"    key[nik] = None\n"
	"    if reason[nik] is None:\n"
	"        # step 2: the lottery key; step 3: the order (tier, key)\n"
	"        key[nik] = hashlib.sha256(f\"{seed}:{nik}\".encode(\"ascii\")).hexdigest()\n"
	"        tier = 0 if r[\"region_code\"] in priority else 1\n"
	"        unit = r[\"region_code\"][:2] if by_province else \"\"\n"
	"        draw.append((tier, key[nik], nik, r[\"kk\"], unit))\n"
	"draw.sort()\n"
	"\n"
	"kept_per_kk, survivors = {}, []\n"
	"for tier, k, nik, kk, unit in draw:  # step 4: the household cap\n"
	"    n = kept_per_kk.get(kk, 0)\n"
	"    if n >= max(0, rules[\"household_cap\"] - kk_prior.get(kk, 0)):\n"
	"        reason[nik] = \"KUOTA_KELUARGA\"\n"
	"    else:\n"
	"        kept_per_kk[kk] = n + 1\n"
	"        survivors.append((k, nik, unit))\n"
	"\n"
	"filled, winners = {}, []\n"
	"for k, nik, unit in survivors:  # step 5: the quota of the unit\n"
	"    quota = quotas.get(unit, 0) if by_province else wave[\"quota\"]\n"
	"    if filled.get(unit, 0) >= quota:\n"
	"        reason[nik] = \"KUOTA_PENUH\"\n"
	"    else:\n"
	"        filled[unit] = filled.get(unit, 0) + 1\n"
	"        winners.append((k, nik))\n"
	"\n"
	"# step 6: gelombang numbers the winners' cards in lottery-key order:\n"
	"# \"8\", the wave in 4 digits, the serial in 10, the Luhn check digit\n"
	"card = {}\n"
	"for serial, (k, nik) in enumerate(sorted(winners), start=1):\n"
	"    payload = \"8%04d%010d\" % (wave[\"wave\"], serial)\n"
	"    card[nik] = payload + str(luhn_digit(payload))\n"
	"\n"
	"seen = set()\n"
	"stored_cards = {}\n"
	"for row in table(\"results.csv\"):\n"
	"    nik = row[\"nik\"]\n"
	"    seen.add(nik)\n"
	"    if nik not in reason:\n"
	"        problems.append(f\"{nik}: in results.csv but not a registration\")\n"
	"        continue\n"
	"    want = {\n"
	"        \"status\": \"LOLOS\" if reason[nik] is None else \"TIDAK_LOLOS\",\n"
	"        \"reason\": reason[nik] or \"\",\n"
	"        \"lottery_key\": key[nik] or \"\",\n"
	"        \"card_number\": card.get(nik, \"\"),\n"
	"        \"saldo\": str(rules[\"saldo\"]) if nik in card else \"\",\n"
	"    }\n"
	"    for column, value in want.items():\n"
	"        if row[column] != value:\n"
	"            problems.append(f\"{nik}: {column}: stored {row[column] or '(none)'}, \"\n"
	"                            f\"recomputed {value or '(none)'}\")\n"
	"    c = row[\"card_number\"]\n"
	"    if c:\n"
	"        if len(c) != 16 or not c.isdigit() or luhn_digit(c[:-1]) != int(c[-1]):\n"
	"            problems.append(f\"{nik}: card_number {c} is not 16 digits with a valid Luhn digit\")\n"
	"        if c in stored_cards:\n"
	"            problems.append(f\"{nik}: card_number {c} also held by {stored_cards[c]}\")\n"
	"        stored_cards[c] = nik\n"
	"for nik in sorted(set(reason) - seen):\n"
	"    problems.append(f\"{nik}: registration without a result in results.csv\")\n"
	"\n"
	"# SPEC section 10: revoke revoked every participant of a SELESAI wave\n"
	"# without a first training at or before revoke_at, and no other\n"
	"for row in table(\"revocation.csv\"):\n"
	"    nik = row[\"nik\"]\n"
	"    if nik not in card:\n"
	"        problems.append(f\"{nik}: in revocation.csv but not a participant\")\n"
	"        continue\n"
	"    ft = row[\"first_training_at\"]\n"
	"    want = \"false\" if ft and instant(ft) <= instant(row[\"revoke_at\"]) else \"true\"\n"
	"    if row[\"revoked\"] != want:\n"
	"        problems.append(f\"{nik}: revoked: stored {row['revoked']}, recomputed {want}\")\n"
	"\n"
	"if problems:\n"
	"    for p in problems[:20]:\n"
	"        print(p)\n"
	"    if len(problems) > 20:\n"
	"        print(f\"... and {len(problems) - 20} more\")\n"
	"    print(f\"not identical: {len(problems)} differences\")\n"
	"    sys.exit(1)\n"
	"print(f\"identical: {len(reason)} entries\")\n";

static int
bundle_open(struct bundle *b, const char *name, struct bundle_file *bf)
{
	char path[4096];

	memset(bf, 0, sizeof(*bf));
	snprintf(path, sizeof(path), "%s/%s", b->dir, name);
	bf->f = fopen(path, "w");
	bf->md = EVP_MD_CTX_new();
	if (!bf->f || !bf->md || !EVP_DigestInit_ex(bf->md, EVP_sha256(), NULL)) {
		log_error("could not write \"%s\": %s", path, bf->f ? "out of memory" : strerror(errno));
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
	b->sums_len += (size_t) snprintf(b->sums + b->sums_len, sizeof(b->sums) - b->sums_len,
					 "  %s\n", name);
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
		 "select * from gelombang.audit_registrations(%d) order by nik"},
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

	if (asprintf(&text,
		     "# Wave %d: an independent audit bundle\n"
		     "\n"
		     "Written by `gelombang audit --wave %d --independent` at %s (WIB), from\n"
		     "the data frozen when the wave was processed and the results stored by\n"
		     "`select`.  Everything needed to recompute the result of the wave is in\n"
		     "this directory; nothing here needs gelombang or its database.\n"
		     "\n"
		     "| file | what |\n"
		     "|---|---|\n"
		     "| `registrations.csv` | every entry of the wave: `nik,kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at` (`region_code` as stored: an empty one was filled with the NIK's first 4 digits; `joined_at` in WIB) |\n"
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
		     "   numbers them in lottery-key order: `8`, the wave in 4 digits, the serial\n"
		     "   in 10 digits, the Luhn check digit.\n"
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
	res = db_query(b->ctx->conn, "read the wave for the bundle",
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
	f = fopen(path, "w");
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
audit_write_bundle(struct gb_ctx *ctx, const char *dir, int wave)
{
	struct bundle b;
	int rc;

	memset(&b, 0, sizeof(b));
	b.ctx = ctx;
	b.dir = dir;
	b.wave = wave;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		log_error("could not create directory \"%s\": %s", dir, strerror(errno));
		return EXIT_SOFTWARE;
	}
	if ((rc = bundle_tables(&b)) != 0 || (rc = bundle_wave(&b)) != 0 ||
	    (rc = bundle_text(&b, "recompute.py", recompute_py)) != 0 || (rc = bundle_sums(&b)) != 0)
		return rc;
	log_info("wave %d: independent audit bundle written to %s (see its README.md)", wave, dir);
	return 0;
}
