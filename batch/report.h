/*
 * report.h — what report.c (data, fairness, text, csv) shares with
 * report_html.c (the HTML page).
 *
 * Everything a report shows is read once, in one READ ONLY REPEATABLE READ
 * transaction, into the PGresults below; their size depends on the number
 * of reasons, provinces, days and hours, never on the number of entries.
 * The struct owns them (report_free).
 */
#ifndef GELOMBANG_REPORT_H
#define GELOMBANG_REPORT_H

#include <stdio.h>

#include "gelombang.h"
#include "stats.h"

/* the fairness check warns below this p-value */
#define REPORT_ALPHA 0.001

/* columns of report.wave */
enum {
	RW_STATE,
	RW_SELECTED_STATE,
	RW_OPENS,
	RW_CLOSES,
	RW_ANNOUNCE,
	RW_QUOTA,
	RW_COMMITMENT,
	RW_BY_PROVINCE,
	RW_ENTRIES,
	RW_ANNOUNCED,
	RW_NOW,
	RW_SEED
};
/* columns of report.provinces (gelombang.report_provinces) */
enum { RP_PROVINCE, RP_ENTRIES, RP_ELIGIBLE, RP_SELECTED, RP_QUOTA };
/* columns of report.draw (gelombang.report_draw) */
enum { RD_DIMENSION, RD_TIER, RD_UNIT, RD_CATEGORY, RD_ELIGIBLE, RD_SELECTED, RD_EXPECTED };

/* one dimension of the fairness check */
struct report_fairness {
	const char *dimension; /* as in report_draw: day, hour, nik_digit */
	const char *title;     /* "registration day (WIB)" */
	const char *noun;      /* "the registration day" */
	struct stats_chi2 chi2;
	double p;  /* 1 when nothing could be tested */
	bool warn; /* p < REPORT_ALPHA */
	long long eligible, selected;
};

#define REPORT_DIMENSIONS 3

struct report {
	int wave;
	PGresult *info;      /* one row, columns RW_* */
	PGresult *reasons;   /* status, reason, entries */
	PGresult *provinces; /* RP_* */
	PGresult *draw;      /* RD_* */
	PGresult *lifecycle; /* section, key, measure, value: approvals and
	                        revocation (gelombang.report_lifecycle) */
	PGresult *sms;       /* state, messages (none before sms send) */
	struct report_fairness fair[REPORT_DIMENSIONS];
	long long entries, eligible, selected;
};

/* numbers of a PGresult cell */
long long report_ll(const PGresult *res, int row, int col);
double report_d(const PGresult *res, int row, int col);

/* "12.5%" of part/whole, or "-" when whole is 0 */
void report_percent(char *out, size_t len, double part, double whole);
/* a p-value for people: "0.36", "0.0042", "3.1e-45" */
void report_pvalue(char *out, size_t len, double p);
/* the fairness verdict as one sentence (no trailing newline) */
void report_verdict(const struct report_fairness *f, char *out, size_t len);

/* the name of a province by its two-digit code (rules.provinces), or NULL */
const char *report_province_name(const char *code);

/* the HTML page (report_html.c); returns 0 or -1 when writing failed */
int report_html(FILE *out, const struct report *r);

#endif
