/*
 * report.c — report --wave N [--format text|csv|html] [-o FILE]
 *
 * What happened in a selected wave, for administrators right after the
 * announcement and for auditors: entries per status and per reason; per
 * province entries, eligible, selected, quota and fill rate; and a
 * fairness check of the draw.
 *
 * The fairness check.  Among the eligible entries (past the exclusions,
 * before the household cap: those that took part in the draw) the
 * selection must not depend on when an entry registered, nor on its NIK's
 * last digit (a check on the hashing).  For each of the three dimensions —
 * registration day, hour of day, NIK last digit — a chi-square test of
 * independence between "selected" and the category is computed within
 * each stratum (priority tier × quota unit: inside one, the rule is a
 * uniform draw by lottery key) and summed over the strata (statistics and
 * degrees of freedom add up); stats.c pools thin categories.  p <
 * REPORT_ALPHA (0.001) prints a plain warning: the 2011 visa lottery that
 * drew 90% of its winners from the first two days would have been
 * flagged at p far below 1e-100.
 *
 * text is for a terminal, csv for a spreadsheet (one table,
 * section,key,measure,value), html one self-contained page
 * (report_html.c).  Before select there is nothing to report: exit 1.
 * With -o the file is written beside the target and renamed into place,
 * so a failed report never leaves half a file.
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

long long
report_ll(const PGresult *res, int row, int col)
{
	return atoll(PQgetvalue(res, row, col));
}

double
report_d(const PGresult *res, int row, int col)
{
	return atof(PQgetvalue(res, row, col));
}

void
report_percent(char *out, size_t len, double part, double whole)
{
	if (whole <= 0)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.1f%%", 100.0 * part / whole);
}

void
report_pvalue(char *out, size_t len, double p)
{
	if (p >= 0.01)
		snprintf(out, len, "%.2f", p);
	else if (p >= 0.0001)
		snprintf(out, len, "%.4f", p);
	else if (p > 0)
		snprintf(out, len, "%.2g", p);
	else
		snprintf(out, len, "< 1e-300");
}

void
report_verdict(const struct report_fairness *f, char *out, size_t len)
{
	char p[32];

	report_pvalue(p, sizeof(p), f->p);
	if (f->chi2.dof == 0)
		snprintf(out, len,
		         "not testable: too few entries selected and not selected per"
		         " stratum to compare %s",
		         f->noun);
	else if (f->warn)
		snprintf(out, len,
		         "WARNING: the selection depends on %s far more than chance"
		         " allows (p = %s). A fair draw does this less than once in a thousand"
		         " waves: check the draw (gelombang audit) before the results are"
		         " published.",
		         f->noun, p);
	else
		snprintf(out, len, "consistent with a uniform draw (p = %s)", p);
}

/* The 38 provinces by their Kemendagri code (the codes of rules.provinces;
 * 91-96: the six provinces of Papua since 2022). */
static const struct {
	const char code[3];
	const char *name;
} provinces[] = {
    {"11", "Aceh"},
    {"12", "Sumatera Utara"},
    {"13", "Sumatera Barat"},
    {"14", "Riau"},
    {"15", "Jambi"},
    {"16", "Sumatera Selatan"},
    {"17", "Bengkulu"},
    {"18", "Lampung"},
    {"19", "Kepulauan Bangka Belitung"},
    {"21", "Kepulauan Riau"},
    {"31", "DKI Jakarta"},
    {"32", "Jawa Barat"},
    {"33", "Jawa Tengah"},
    {"34", "DI Yogyakarta"},
    {"35", "Jawa Timur"},
    {"36", "Banten"},
    {"51", "Bali"},
    {"52", "Nusa Tenggara Barat"},
    {"53", "Nusa Tenggara Timur"},
    {"61", "Kalimantan Barat"},
    {"62", "Kalimantan Tengah"},
    {"63", "Kalimantan Selatan"},
    {"64", "Kalimantan Timur"},
    {"65", "Kalimantan Utara"},
    {"71", "Sulawesi Utara"},
    {"72", "Sulawesi Tengah"},
    {"73", "Sulawesi Selatan"},
    {"74", "Sulawesi Tenggara"},
    {"75", "Gorontalo"},
    {"76", "Sulawesi Barat"},
    {"81", "Maluku"},
    {"82", "Maluku Utara"},
    {"91", "Papua"},
    {"92", "Papua Barat"},
    {"93", "Papua Selatan"},
    {"94", "Papua Tengah"},
    {"95", "Papua Pegunungan"},
    {"96", "Papua Barat Daya"},
};

const char *
report_province_name(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
		if (strcmp(provinces[i].code, code) == 0)
			return provinces[i].name;
	return NULL;
}

/* ---- reading ------------------------------------------------------------ */

static int
report_read(PGconn *conn, struct report *r, char *msg, size_t len)
{
	char w[16];
	const char *params[1] = {w};

	snprintf(w, sizeof(w), "%d", r->wave);
	r->info =
	    db_query(conn, "read the wave",
	             "select state, state >= 'DISELEKSI', gelombang.wib(opens_at), "
	             "gelombang.wib(closes_at), gelombang.wib(announce_at), quota, commitment,"
	             " exists (select 1 from gelombang.wave_quota q where q.wave = w.wave),"
	             " (select count(*) from gelombang.registration r where r.wave = w.wave),"
	             " state = 'DIUMUMKAN', gelombang.wib(clock_timestamp()),"
	             /* revealed at close (SPEC §2), so always here */
	             " seed"
	             " from gelombang.wave w where wave = $1::int",
	             1, params);
	if (!r->info)
		return db_failure_exit();
	if (PQntuples(r->info) == 0) {
		snprintf(msg, len, "wave %s does not exist", w);
		return EXIT_REFUSED;
	}
	if (strcmp(PQgetvalue(r->info, 0, RW_SELECTED_STATE), "t") != 0) {
		snprintf(msg, len, "wave %s is %s: there is nothing to report before select", w,
		         PQgetvalue(r->info, 0, RW_STATE));
		return EXIT_REFUSED;
	}
	r->entries = report_ll(r->info, 0, RW_ENTRIES);
	if (!(r->reasons = db_query(conn, "count the reasons",
	                            "select status, coalesce(reason, ''), entries"
	                            " from gelombang.report_reasons($1::int)",
	                            1, params)) ||
	    !(r->provinces = db_query(conn, "count the provinces",
	                              "select province, entries, eligible, selected, quota"
	                              " from gelombang.report_provinces($1::int)",
	                              1, params)) ||
	    !(r->draw =
	          db_query(conn, "count the draw",
	                   "select dimension, tier, unit, category, eligible, selected, expected"
	                   " from gelombang.report_draw($1::int)",
	                   1, params)) ||
	    !(r->lifecycle = db_query(conn, "read the approvals and the revocation",
	                              "select section, key, measure, value"
	                              " from gelombang.report_lifecycle($1::int)",
	                              1, params)) ||
	    !(r->sms =
	          db_query(conn, "count the SMS messages",
	                   "select state, messages from gelombang.sms_counts($1::int)", 1, params)))
		return db_failure_exit();
	return 0;
}

/* ---- fairness ----------------------------------------------------------- */

/* Feed each stratum's rows (consecutive: ordered by dimension, tier,
 * unit, category) to the chi-square test of its dimension. */
static int
report_fairness(struct report *r)
{
	static const char *const dims[REPORT_DIMENSIONS][3] = {
	    {"day", "registration day (WIB)", "the registration day"},
	    {"hour", "hour of registration (WIB)", "the hour of registration"},
	    {"nik_digit", "last digit of the NIK", "the last digit of the NIK"},
	};
	int rows = PQntuples(r->draw), i, d, start;
	long long *n = NULL, *s = NULL;

	n = malloc(sizeof(*n) * (size_t) (rows ? rows : 1));
	s = malloc(sizeof(*s) * (size_t) (rows ? rows : 1));
	if (!n || !s) {
		free(n);
		free(s);
		return -1;
	}
	for (d = 0; d < REPORT_DIMENSIONS; d++) {
		struct report_fairness *f = &r->fair[d];

		f->dimension = dims[d][0];
		f->title = dims[d][1];
		f->noun = dims[d][2];
		for (i = 0; i < rows;) {
			if (strcmp(PQgetvalue(r->draw, i, RD_DIMENSION), f->dimension) != 0 ||
			    PQgetisnull(r->draw, i, RD_TIER)) {
				i++;
				continue;
			}
			for (start = i;
			     i < rows &&
			     strcmp(PQgetvalue(r->draw, i, RD_DIMENSION), f->dimension) == 0 &&
			     !PQgetisnull(r->draw, i, RD_TIER) &&
			     strcmp(PQgetvalue(r->draw, i, RD_TIER),
			            PQgetvalue(r->draw, start, RD_TIER)) == 0 &&
			     strcmp(PQgetvalue(r->draw, i, RD_UNIT),
			            PQgetvalue(r->draw, start, RD_UNIT)) == 0;
			     i++) {
				n[i - start] = report_ll(r->draw, i, RD_ELIGIBLE);
				s[i - start] = report_ll(r->draw, i, RD_SELECTED);
				f->eligible += n[i - start];
				f->selected += s[i - start];
			}
			stats_chi2_add(&f->chi2, n, s, (size_t) (i - start));
		}
		f->p = stats_chi2_pvalue(f->chi2.statistic, f->chi2.dof);
		f->warn = f->chi2.dof > 0 && f->p < REPORT_ALPHA;
	}
	r->eligible = r->fair[0].eligible;
	r->selected = 0;
	for (i = 0; i < PQntuples(r->reasons); i++)
		if (strcmp(PQgetvalue(r->reasons, i, 0), "LOLOS") == 0)
			r->selected += report_ll(r->reasons, i, 2);
	free(n);
	free(s);
	return 0;
}

/* ---- text --------------------------------------------------------------- */

static void
text_bar(FILE *out, double part, double whole, int width)
{
	int k = whole > 0 ? (int) lround(width * part / whole) : 0;

	while (k-- > 0)
		fputc('#', out);
}

static void
text_draw_table(FILE *out, const struct report *r, const struct report_fairness *f)
{
	char rate[16], erate[16];
	int i;

	fprintf(out, "\nSelection by %s\n", f->title);
	fprintf(out, "  %-12s %10s %10s %10s %8s %9s\n", "", "eligible", "selected", "expected",
	        "rate", "exp.rate");
	for (i = 0; i < PQntuples(r->draw); i++) {
		double e = report_d(r->draw, i, RD_EXPECTED);
		long long el = report_ll(r->draw, i, RD_ELIGIBLE);

		if (strcmp(PQgetvalue(r->draw, i, RD_DIMENSION), f->dimension) != 0 ||
		    !PQgetisnull(r->draw, i, RD_TIER))
			continue;
		report_percent(rate, sizeof(rate), (double) report_ll(r->draw, i, RD_SELECTED),
		               (double) el);
		report_percent(erate, sizeof(erate), e, (double) el);
		fprintf(out, "  %-12s %10lld %10lld %10.1f %8s %9s\n",
		        PQgetvalue(r->draw, i, RD_CATEGORY), el, report_ll(r->draw, i, RD_SELECTED),
		        e, rate, erate);
	}
}

static void
report_text(FILE *out, const struct report *r)
{
	const PGresult *w = r->info;
	char pct[16], verdict[512];
	long long quota_total = 0;
	bool by_province = strcmp(PQgetvalue(w, 0, RW_BY_PROVINCE), "t") == 0;
	int i, d;

	fprintf(out, "Wave %d — %s\n", r->wave, PQgetvalue(w, 0, RW_STATE));
	fprintf(out, "  opened %s, closed %s, announce %s\n", PQgetvalue(w, 0, RW_OPENS),
	        PQgetvalue(w, 0, RW_CLOSES), PQgetvalue(w, 0, RW_ANNOUNCE));
	fprintf(out, "  seed commitment %s\n", PQgetvalue(w, 0, RW_COMMITMENT));
	fprintf(out, "  seed (revealed at close) %s\n", PQgetvalue(w, 0, RW_SEED));
	if (by_province)
		fprintf(out, "  quota: per province (see below)\n");
	else
		fprintf(out, "  quota: %s for the whole wave\n", PQgetvalue(w, 0, RW_QUOTA));
	fprintf(out, "  %lld entries, %lld eligible for the draw, %lld selected\n", r->entries,
	        r->eligible, r->selected);
	if (strcmp(PQgetvalue(w, 0, RW_ANNOUNCED), "t") != 0)
		fprintf(out, "  results embargoed until the announcement: applicants still see"
		             " \"Dalam Proses Seleksi\"\n");

	fprintf(out,
	        "\nFairness of the draw (chi-square test within priority tier and quota unit)\n");
	for (d = 0; d < REPORT_DIMENSIONS; d++) {
		const struct report_fairness *f = &r->fair[d];

		report_verdict(f, verdict, sizeof(verdict));
		fprintf(out, "  %-28s chi-square %.2f, %d degrees of freedom, %d strata\n",
		        f->title, f->chi2.statistic, f->chi2.dof, f->chi2.strata);
		fprintf(out, "  %-28s %s\n", "", verdict);
	}

	fprintf(out, "\nStatus\n");
	{
		long long lolos = 0, tidak = 0;

		for (i = 0; i < PQntuples(r->reasons); i++) {
			if (strcmp(PQgetvalue(r->reasons, i, 0), "LOLOS") == 0)
				lolos += report_ll(r->reasons, i, 2);
			else
				tidak += report_ll(r->reasons, i, 2);
		}
		report_percent(pct, sizeof(pct), (double) lolos, (double) r->entries);
		fprintf(out, "  %-24s %10lld %7s  ", "LOLOS", lolos, pct);
		text_bar(out, (double) lolos, (double) r->entries, 30);
		report_percent(pct, sizeof(pct), (double) tidak, (double) r->entries);
		fprintf(out, "\n  %-24s %10lld %7s  ", "TIDAK_LOLOS", tidak, pct);
		text_bar(out, (double) tidak, (double) r->entries, 30);
		fputc('\n', out);
	}

	fprintf(out, "\nReasons (TIDAK_LOLOS, in the order they are checked)\n");
	for (i = 0; i < PQntuples(r->reasons); i++) {
		long long n = report_ll(r->reasons, i, 2);

		if (strcmp(PQgetvalue(r->reasons, i, 0), "LOLOS") == 0)
			continue;
		report_percent(pct, sizeof(pct), (double) n, (double) r->entries);
		fprintf(out, "  %-24s %10lld %7s  ", PQgetvalue(r->reasons, i, 1), n, pct);
		text_bar(out, (double) n, (double) r->entries, 30);
		fputc('\n', out);
	}

	fprintf(out, "\nProvinces (of domicile: the first two digits of region_code)\n");
	fprintf(out, "  %-8s %10s %10s %10s %10s %7s\n", "province", "entries", "eligible",
	        "selected", "quota", "fill");
	for (i = 0; i < PQntuples(r->provinces); i++) {
		bool q = !PQgetisnull(r->provinces, i, RP_QUOTA);

		quota_total += q ? report_ll(r->provinces, i, RP_QUOTA) : 0;
		if (q)
			report_percent(pct, sizeof(pct),
			               (double) report_ll(r->provinces, i, RP_SELECTED),
			               (double) report_ll(r->provinces, i, RP_QUOTA));
		fprintf(out, "  %-8s %10s %10s %10s %10s %7s\n",
		        PQgetvalue(r->provinces, i, RP_PROVINCE),
		        PQgetvalue(r->provinces, i, RP_ENTRIES),
		        PQgetvalue(r->provinces, i, RP_ELIGIBLE),
		        PQgetvalue(r->provinces, i, RP_SELECTED),
		        q ? PQgetvalue(r->provinces, i, RP_QUOTA) : "-", q ? pct : "-");
	}
	if (!by_province)
		quota_total = report_ll(w, 0, RW_QUOTA);
	report_percent(pct, sizeof(pct), (double) r->selected, (double) quota_total);
	fprintf(out, "  %-8s %10lld %10lld %10lld %10lld %7s\n", "total", r->entries, r->eligible,
	        r->selected, quota_total, pct);

	fprintf(out, "\napproval and revocation:\n");
	for (i = 0; i < PQntuples(r->lifecycle); i++)
		fprintf(out, "  %-10s %-8s %-15s %s\n", PQgetvalue(r->lifecycle, i, 0),
		        PQgetvalue(r->lifecycle, i, 1), PQgetvalue(r->lifecycle, i, 2),
		        PQgetvalue(r->lifecycle, i, 3));

	for (d = 0; d < REPORT_DIMENSIONS; d++)
		text_draw_table(out, r, &r->fair[d]);
	fprintf(out, "\n(expected, exp.rate: what a uniform draw within each priority tier and"
	             " quota unit\n selects on average, and its share of the eligible)\n");
	if (PQntuples(r->sms) > 0)
		fprintf(out, "\nSMS messages by delivery state\n");
	for (i = 0; i < PQntuples(r->sms); i++)
		fprintf(out, "  %-10s %10s\n", PQgetvalue(r->sms, i, 0), PQgetvalue(r->sms, i, 1));
}

/* ---- csv ---------------------------------------------------------------- */

/* keys and values here are codes, numbers and dates — never text that
 * needs quoting — except the wave's times, which contain no comma either */
static void
csv_row(FILE *out, const char *section, const char *key, const char *measure, const char *value)
{
	fprintf(out, "%s,%s,%s,%s\n", section, key, measure, value);
}

static void
csv_ll(FILE *out, const char *section, const char *key, const char *measure, long long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%lld", v);
	csv_row(out, section, key, measure, b);
}

static void
csv_g(FILE *out, const char *section, const char *key, const char *measure, double v)
{
	char b[40];

	snprintf(b, sizeof(b), "%.10g", v);
	csv_row(out, section, key, measure, b);
}

static void
report_csv(FILE *out, const struct report *r)
{
	const PGresult *w = r->info;
	char wave[16];
	int i, d;

	snprintf(wave, sizeof(wave), "%d", r->wave);
	fputs("section,key,measure,value\n", out);
	csv_row(out, "wave", wave, "state", PQgetvalue(w, 0, RW_STATE));
	csv_row(out, "wave", wave, "opens_at", PQgetvalue(w, 0, RW_OPENS));
	csv_row(out, "wave", wave, "closes_at", PQgetvalue(w, 0, RW_CLOSES));
	csv_row(out, "wave", wave, "announce_at", PQgetvalue(w, 0, RW_ANNOUNCE));
	csv_row(out, "wave", wave, "quota",
	        strcmp(PQgetvalue(w, 0, RW_BY_PROVINCE), "t") == 0 ? "per_province"
	                                                           : PQgetvalue(w, 0, RW_QUOTA));
	csv_row(out, "wave", wave, "commitment", PQgetvalue(w, 0, RW_COMMITMENT));
	csv_ll(out, "wave", wave, "entries", r->entries);
	csv_ll(out, "wave", wave, "eligible", r->eligible);
	csv_ll(out, "wave", wave, "selected", r->selected);
	csv_ll(out, "status", "LOLOS", "entries", r->selected);
	csv_ll(out, "status", "TIDAK_LOLOS", "entries", r->entries - r->selected);
	for (i = 0; i < PQntuples(r->reasons); i++)
		if (strcmp(PQgetvalue(r->reasons, i, 0), "LOLOS") != 0)
			csv_row(out, "reason", PQgetvalue(r->reasons, i, 1), "entries",
			        PQgetvalue(r->reasons, i, 2));
	for (i = 0; i < PQntuples(r->provinces); i++) {
		const char *p = PQgetvalue(r->provinces, i, RP_PROVINCE);

		csv_row(out, "province", p, "entries", PQgetvalue(r->provinces, i, RP_ENTRIES));
		csv_row(out, "province", p, "eligible", PQgetvalue(r->provinces, i, RP_ELIGIBLE));
		csv_row(out, "province", p, "selected", PQgetvalue(r->provinces, i, RP_SELECTED));
		if (!PQgetisnull(r->provinces, i, RP_QUOTA)) {
			csv_row(out, "province", p, "quota", PQgetvalue(r->provinces, i, RP_QUOTA));
			if (report_ll(r->provinces, i, RP_QUOTA) > 0)
				csv_g(out, "province", p, "fill_rate",
				      report_d(r->provinces, i, RP_SELECTED) /
				          report_d(r->provinces, i, RP_QUOTA));
		}
	}
	for (i = 0; i < PQntuples(r->lifecycle); i++)
		csv_row(out, PQgetvalue(r->lifecycle, i, 0), PQgetvalue(r->lifecycle, i, 1),
		        PQgetvalue(r->lifecycle, i, 2), PQgetvalue(r->lifecycle, i, 3));
	for (d = 0; d < REPORT_DIMENSIONS; d++) {
		const struct report_fairness *f = &r->fair[d];

		csv_g(out, "fairness", f->dimension, "chi_square", f->chi2.statistic);
		csv_ll(out, "fairness", f->dimension, "dof", f->chi2.dof);
		csv_ll(out, "fairness", f->dimension, "strata", f->chi2.strata);
		csv_g(out, "fairness", f->dimension, "p_value", f->p);
		csv_row(out, "fairness", f->dimension, "warning", f->warn ? "true" : "false");
	}
	for (i = 0; i < PQntuples(r->draw); i++) {
		const char *dim = PQgetvalue(r->draw, i, RD_DIMENSION);
		const char *c = PQgetvalue(r->draw, i, RD_CATEGORY);

		if (!PQgetisnull(r->draw, i, RD_TIER))
			continue;
		csv_row(out, dim, c, "eligible", PQgetvalue(r->draw, i, RD_ELIGIBLE));
		csv_row(out, dim, c, "selected", PQgetvalue(r->draw, i, RD_SELECTED));
		csv_g(out, dim, c, "expected", report_d(r->draw, i, RD_EXPECTED));
	}
	for (i = 0; i < PQntuples(r->sms); i++)
		csv_row(out, "sms", PQgetvalue(r->sms, i, 0), "messages", PQgetvalue(r->sms, i, 1));
}

/* ---- the command -------------------------------------------------------- */

static void
report_free(struct report *r)
{
	PQclear(r->info);
	PQclear(r->reasons);
	PQclear(r->provinces);
	PQclear(r->draw);
	PQclear(r->lifecycle);
	PQclear(r->sms);
}

static int
report_write(const struct report *r, const char *format, const char *path)
{
	char tmp[4096];
	FILE *out = stdout;
	int failed;

	if (path) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		out = fopen(tmp, "w");
		if (!out) {
			log_error("could not write \"%s\": %s", tmp, strerror(errno));
			return EXIT_CANTCREAT;
		}
	}
	if (strcmp(format, "csv") == 0)
		report_csv(out, r);
	else if (strcmp(format, "html") == 0)
		report_html(out, r);
	else
		report_text(out, r);
	failed = fflush(out) != 0 || ferror(out);
	if (!path)
		return failed ? EXIT_SOFTWARE : EXIT_DONE;
	if (fclose(out) != 0)
		failed = 1;
	if (!failed && rename(tmp, path) != 0) {
		log_error("could not write \"%s\": %s", path, strerror(errno));
		remove(tmp);
		return EXIT_CANTCREAT;
	}
	if (failed) {
		log_error("could not write \"%s\": %s", path, strerror(errno));
		remove(tmp);
		return EXIT_SOFTWARE;
	}
	log_info("report of wave %d written to %s", r->wave, path);
	return EXIT_DONE;
}

int
cmd_report(struct gb_ctx *ctx)
{
	struct report r;
	char msg[256] = "";
	const char *format = ctx->opt.format ? ctx->opt.format : "text";
	int rc, d;

	memset(&r, 0, sizeof(r));
	r.wave = ctx->opt.wave;
	if (db_command(ctx->conn, "start the report",
	               "begin isolation level repeatable read read only", 0, NULL) != 0)
		return db_failure_exit();
	rc = report_read(ctx->conn, &r, msg, sizeof(msg));
	db_rollback(ctx->conn);
	if (rc != 0) {
		if (rc == EXIT_REFUSED && msg[0])
			log_error("could not report on wave %d: %s", r.wave, msg);
		goto cleanup;
	}
	if (report_fairness(&r) != 0) {
		log_error("out of memory");
		rc = EXIT_SOFTWARE;
		goto cleanup;
	}
	rc = report_write(&r, format, ctx->opt.output);
	for (d = 0; d < REPORT_DIMENSIONS; d++)
		if (r.fair[d].warn && (ctx->opt.output || strcmp(format, "text") != 0))
			log_warning("wave %d: the selection depends on %s more than chance allows"
			            " (p = %.2g)",
			            r.wave, r.fair[d].noun, r.fair[d].p);
cleanup:
	report_free(&r);
	return rc;
}
