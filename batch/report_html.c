/*
 * report_html.c — report --format html: one self-contained page.
 *
 * No network: no external stylesheet, script, font or image; the charts
 * are inline SVG (HTML5 needs no namespace attribute for it), the style
 * one <style> element with print rules.  No script at all.  Every text
 * that comes from the database goes through html_text(), even codes and
 * numbers, so that nothing stored can inject markup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static void
html_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* A table whose header rows repeat on every printed page (thead), the
 * first of them naming the wave and the table (shown in print only). */
static void
html_table_begin(FILE *out, const struct report *r, const char *title, int cols, const char *header)
{
	fprintf(out, "<table><thead><tr class=\"running\"><th colspan=\"%d\">Wave %d &middot; ",
	        cols, r->wave);
	html_text(out, title);
	fprintf(out, "</th></tr>\n%s</thead>\n<tbody>\n", header);
}

static void
html_table_end(FILE *out)
{
	fputs("</tbody></table>\n", out);
}

/* "32 Jawa Barat" */
static void
html_province(FILE *out, const char *code)
{
	const char *name = report_province_name(code);

	html_text(out, code);
	if (name) {
		fputc(' ', out);
		html_text(out, name);
	}
}

static const char html_style[] =
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#1d1d1f;"
    "max-width:62em;margin:2em auto;padding:0 1em;line-height:1.4}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;"
    "border-bottom:1px solid #ccc;padding-bottom:.2em}\n"
    "table{border-collapse:collapse;margin:.5em 0}th,td{padding:.15em .7em;"
    "border-bottom:1px solid #e4e4e4;text-align:right;font-variant-numeric:tabular-nums}\n"
    "th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}\n"
    ".meta{color:#555}.verdict{padding:.5em 1em;margin:.4em 0;border-radius:4px}\n"
    ".ok{background:#e7f5ea;border-left:5px solid #2e7d32}\n"
    ".warn{background:#fdecea;border-left:5px solid #c62828;font-weight:bold}\n"
    ".na{background:#f3f3f3;border-left:5px solid #999}\n"
    "svg{display:block;margin:.5em 0}svg text{font-size:11px;fill:#333}\n"
    "svg .bar{fill:#4a78b5}svg .bar.lolos{fill:#2e7d32}svg .bar.tidak{fill:#b0483a}\n"
    "svg .marker{stroke:#111;stroke-width:2}svg .axis{stroke:#999;stroke-width:1}\n"
    ".legend{font-size:.85em;color:#555}\n"
    "thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}\n"
    ".running{display:none}\n"
    "@media print{body{max-width:none;margin:0;font-size:10pt}"
    "section,.keep{break-inside:avoid;page-break-inside:avoid}"
    "h2{break-after:avoid;page-break-after:avoid}"
    ".running{display:table-row}.running th{background:none;font-weight:normal;color:#555;"
    "text-align:left;border:0}"
    ".warn,.ok,.na{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "svg .bar{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

/* one bar of a horizontal bar chart */
struct bar {
	const char *label;
	double value;
	double marker; /* < 0: none */
	char text[48];
	const char *class;
};

#define SVG_LABEL 180
#define SVG_PLOT  380
#define SVG_TEXT  150
#define SVG_ROW   18

static void
svg_bars(FILE *out, const char *title, const struct bar *bars, int n, double max)
{
	int width = SVG_LABEL + SVG_PLOT + SVG_TEXT, height = n * SVG_ROW + 8, i;

	if (n == 0)
		return;
	if (max <= 0)
		max = 1;
	fprintf(out,
	        "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
	        width, height, width, height);
	html_text(out, title);
	fputs("\">\n", out);
	fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"2\" x2=\"%d\" y2=\"%d\"/>\n", SVG_LABEL,
	        SVG_LABEL, height - 4);
	for (i = 0; i < n; i++) {
		double w = bars[i].value / max * SVG_PLOT, end;
		int y = 4 + i * SVG_ROW;

		if (w < 0)
			w = 0;
		if (w > SVG_PLOT)
			w = SVG_PLOT;
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", SVG_LABEL - 6, y + 11);
		html_text(out, bars[i].label);
		fprintf(
		    out,
		    "</text><rect class=\"bar%s%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"12\"/>",
		    bars[i].class ? " " : "", bars[i].class ? bars[i].class : "", SVG_LABEL + 1, y,
		    w);
		end = w;
		if (bars[i].marker >= 0) {
			double m = bars[i].marker / max * SVG_PLOT;

			if (m > SVG_PLOT)
				m = SVG_PLOT;
			fprintf(
			    out,
			    "<line class=\"marker\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
			    SVG_LABEL + 1 + m, y - 2, SVG_LABEL + 1 + m, y + 14);
			if (m > end)
				end = m;
		}
		fprintf(out, "<text x=\"%.1f\" y=\"%d\">", SVG_LABEL + 6 + end, y + 11);
		html_text(out, bars[i].text);
		fputs("</text>\n", out);
	}
	fputs("</svg>\n", out);
}

static void
html_status(FILE *out, const struct report *r)
{
	struct bar bars[2];
	char pct[16];
	int i = 0;

	fputs("<section><h2>Status</h2>\n<div class=\"keep\">\n", out);
	html_table_begin(out, r, "Status", 3,
	                 "<tr><th>status</th><th>entries</th><th>share</th></tr>\n");
	bars[0] = (struct bar){
	    .label = "LOLOS", .value = (double) r->selected, .marker = -1, .class = "lolos"};
	bars[1] = (struct bar){.label = "TIDAK_LOLOS",
	                       .value = (double) (r->entries - r->selected),
	                       .marker = -1,
	                       .class = "tidak"};
	for (i = 0; i < 2; i++) {
		report_percent(pct, sizeof(pct), bars[i].value, (double) r->entries);
		snprintf(bars[i].text, sizeof(bars[i].text), "%.0f (%s)", bars[i].value, pct);
		fprintf(out, "<tr><td>%s</td><td>%.0f</td><td>%s</td></tr>\n", bars[i].label,
		        bars[i].value, pct);
	}
	html_table_end(out);
	svg_bars(out, "entries per status", bars, 2, (double) r->entries);
	fputs("</div>\n</section>\n", out);
}

static void
html_reasons(FILE *out, const struct report *r)
{
	int n = PQntuples(r->reasons), i, k = 0;
	struct bar *bars = calloc((size_t) (n ? n : 1), sizeof(*bars));
	char pct[16];
	double max = 0;

	fputs("<section><h2>Reasons for TIDAK_LOLOS</h2>\n<p class=\"legend\">In the order the rule"
	      " checks them: an entry gets the first that applies.</p>\n<div class=\"keep\">\n",
	      out);
	html_table_begin(out, r, "Reasons for TIDAK_LOLOS", 3,
	                 "<tr><th>reason</th><th>entries</th><th>share of all entries</th></tr>\n");
	for (i = 0; i < n; i++) {
		double v = report_d(r->reasons, i, 2);

		if (strcmp(PQgetvalue(r->reasons, i, 0), "LOLOS") == 0)
			continue;
		report_percent(pct, sizeof(pct), v, (double) r->entries);
		fputs("<tr><td>", out);
		html_text(out, PQgetvalue(r->reasons, i, 1));
		fputs("</td><td>", out);
		html_text(out, PQgetvalue(r->reasons, i, 2));
		fprintf(out, "</td><td>%s</td></tr>\n", pct);
		if (bars) {
			bars[k] = (struct bar){.label = PQgetvalue(r->reasons, i, 1),
			                       .value = v,
			                       .marker = -1,
			                       .class = "tidak"};
			snprintf(bars[k].text, sizeof(bars[k].text), "%.0f", v);
			k++;
		}
		if (v > max)
			max = v;
	}
	html_table_end(out);
	if (bars)
		svg_bars(out, "entries per reason", bars, k, max);
	free(bars);
	fputs("</div>\n</section>\n", out);
}

static void
html_provinces(FILE *out, const struct report *r)
{
	int n = PQntuples(r->provinces), i, k = 0;
	struct bar *bars = calloc((size_t) n + 1, sizeof(*bars));
	bool by_province = strcmp(PQgetvalue(r->info, 0, RW_BY_PROVINCE), "t") == 0;
	long long quota_total = 0;
	char pct[16];

	fputs(
	    "<section><h2>Provinces</h2>\n<p class=\"legend\">Province of domicile (the first two"
	    " digits of region_code), the quota unit when the wave has per-province quotas.</p>\n",
	    out);
	html_table_begin(out, r, "Provinces", 6,
	                 "<tr><th>province</th><th>entries</th><th>eligible</th><th>selected</th>"
	                 "<th>quota</th><th>fill rate</th></tr>\n");
	for (i = 0; i < n; i++) {
		bool q = !PQgetisnull(r->provinces, i, RP_QUOTA);
		double sel = report_d(r->provinces, i, RP_SELECTED);
		double quota = q ? report_d(r->provinces, i, RP_QUOTA) : 0;

		quota_total += (long long) quota;
		report_percent(pct, sizeof(pct), sel, quota);
		fputs("<tr><td>", out);
		html_province(out, PQgetvalue(r->provinces, i, RP_PROVINCE));
		fputs("</td><td>", out);
		html_text(out, PQgetvalue(r->provinces, i, RP_ENTRIES));
		fputs("</td><td>", out);
		html_text(out, PQgetvalue(r->provinces, i, RP_ELIGIBLE));
		fputs("</td><td>", out);
		html_text(out, PQgetvalue(r->provinces, i, RP_SELECTED));
		fputs("</td><td>", out);
		html_text(out, q ? PQgetvalue(r->provinces, i, RP_QUOTA) : "-");
		fprintf(out, "</td><td>%s</td></tr>\n", q ? pct : "-");
		/* a province without quota and without winners has no bar */
		if (bars && q && (quota > 0 || sel > 0)) {
			const char *name =
			    report_province_name(PQgetvalue(r->provinces, i, RP_PROVINCE));

			bars[k] = (struct bar){
			    .label = name ? name : PQgetvalue(r->provinces, i, RP_PROVINCE),
			    .value = quota > 0 ? sel / quota : 0,
			    .marker = -1};
			snprintf(bars[k].text, sizeof(bars[k].text), "%.0f of %.0f (%s)", sel,
			         quota, pct);
			k++;
		}
	}
	if (!by_province)
		quota_total = report_ll(r->info, 0, RW_QUOTA);
	report_percent(pct, sizeof(pct), (double) r->selected, (double) quota_total);
	fprintf(out,
	        "<tr><th>total</th><th>%lld</th><th>%lld</th><th>%lld</th><th>%lld</th>"
	        "<th>%s</th></tr>\n",
	        r->entries, r->eligible, r->selected, quota_total, pct);
	html_table_end(out);
	if (bars && !by_province) {
		bars[k] = (struct bar){
		    .label = "whole wave",
		    .value = quota_total > 0 ? (double) r->selected / (double) quota_total : 0,
		    .marker = -1};
		snprintf(bars[k].text, sizeof(bars[k].text), "%lld of %lld (%s)", r->selected,
		         quota_total, pct);
		k++;
	}
	fputs("<div class=\"keep\"><p class=\"legend\">Quota fill: selected / quota.</p>\n", out);
	if (bars)
		svg_bars(out, "quota fill by province", bars, k, 1.0);
	free(bars);
	fputs("</div>\n</section>\n", out);
}

static void
html_fairness(FILE *out, const struct report *r)
{
	char verdict[512], p[32];
	int d;

	fputs("<section><h2>Fairness of the draw</h2>\n<p>Among the entries that took part in the"
	      " draw (eligible after the exclusions, before the household cap), a fair draw selects"
	      " the same share whatever the day or hour an entry registered, and whatever its"
	      " NIK's last digit. A chi-square test of independence compares each with what a"
	      " uniform draw gives, within each priority tier and quota unit (the rule is a uniform"
	      " draw inside those), summed over them. A p-value below 0.001 is flagged.</p>\n",
	      out);
	for (d = 0; d < REPORT_DIMENSIONS; d++) {
		const struct report_fairness *f = &r->fair[d];

		report_verdict(f, verdict, sizeof(verdict));
		fprintf(out, "<div class=\"verdict %s\"><b>",
		        f->warn       ? "warn"
		        : f->chi2.dof ? "ok"
		                      : "na");
		html_text(out, f->title);
		fputs(":</b> ", out);
		html_text(out, verdict);
		fputs("</div>\n", out);
	}
	html_table_begin(out, r, "Fairness of the draw", 5,
	                 "<tr><th>compared with</th><th>chi-square</th><th>degrees of freedom</th>"
	                 "<th>strata</th><th>p-value</th></tr>\n");
	for (d = 0; d < REPORT_DIMENSIONS; d++) {
		const struct report_fairness *f = &r->fair[d];

		report_pvalue(p, sizeof(p), f->p);
		fputs("<tr><td>", out);
		html_text(out, f->title);
		fprintf(out, "</td><td>%.2f</td><td>%d</td><td>%d</td><td>%s</td></tr>\n",
		        f->chi2.statistic, f->chi2.dof, f->chi2.strata, p);
	}
	html_table_end(out);
	fputs("</section>\n", out);
}

/* the per-category table and chart of one dimension */
static void
html_draw(FILE *out, const struct report *r, const struct report_fairness *f)
{
	int n = PQntuples(r->draw), i, k = 0;
	struct bar *bars = calloc((size_t) (n ? n : 1), sizeof(*bars));
	char rate[16], erate[16], title[96];
	double max = 0;

	fputs("<section><h2>Selection rate by ", out);
	html_text(out, f->title);
	fputs("</h2>\n", out);
	for (i = 0; i < n; i++) {
		double el, sel, e;

		if (strcmp(PQgetvalue(r->draw, i, RD_DIMENSION), f->dimension) != 0 ||
		    !PQgetisnull(r->draw, i, RD_TIER) || !bars)
			continue;
		el = report_d(r->draw, i, RD_ELIGIBLE);
		sel = report_d(r->draw, i, RD_SELECTED);
		e = report_d(r->draw, i, RD_EXPECTED);
		bars[k] = (struct bar){.label = PQgetvalue(r->draw, i, RD_CATEGORY),
		                       .value = el > 0 ? sel / el : 0,
		                       .marker = el > 0 ? e / el : 0};
		report_percent(rate, sizeof(rate), sel, el);
		report_percent(erate, sizeof(erate), e, el);
		snprintf(bars[k].text, sizeof(bars[k].text), "%s (expected %s)", rate, erate);
		if (bars[k].value > max)
			max = bars[k].value;
		if (bars[k].marker > max)
			max = bars[k].marker;
		k++;
	}
	fputs(
	    "<div class=\"keep\">\n<p class=\"legend\">Bar: share of the eligible entries selected;"
	    " line: the share a uniform draw selects on average.</p>\n",
	    out);
	snprintf(title, sizeof(title), "selection rate by %s", f->title);
	svg_bars(out, title, bars, k, max > 0 ? max * 1.05 : 1);
	snprintf(title, sizeof(title), "Selection rate by %s", f->title);
	html_table_begin(out, r, title, 6,
	                 "<tr><th></th><th>eligible</th><th>selected</th><th>expected</th>"
	                 "<th>rate</th><th>expected rate</th></tr>\n");
	for (i = 0; i < n; i++) {
		double el, e;

		if (strcmp(PQgetvalue(r->draw, i, RD_DIMENSION), f->dimension) != 0 ||
		    !PQgetisnull(r->draw, i, RD_TIER))
			continue;
		el = report_d(r->draw, i, RD_ELIGIBLE);
		e = report_d(r->draw, i, RD_EXPECTED);
		report_percent(rate, sizeof(rate), report_d(r->draw, i, RD_SELECTED), el);
		report_percent(erate, sizeof(erate), e, el);
		fputs("<tr><td>", out);
		html_text(out, PQgetvalue(r->draw, i, RD_CATEGORY));
		fputs("</td><td>", out);
		html_text(out, PQgetvalue(r->draw, i, RD_ELIGIBLE));
		fputs("</td><td>", out);
		html_text(out, PQgetvalue(r->draw, i, RD_SELECTED));
		fprintf(out, "</td><td>%.1f</td><td>%s</td><td>%s</td></tr>\n", e, rate, erate);
	}
	html_table_end(out);
	fputs("</div>\n</section>\n", out);
	free(bars);
}

int
report_html(FILE *out, const struct report *r)
{
	const PGresult *w = r->info;
	int d;

	fprintf(out,
	        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<title>Wave %d report</title>\n<style>\n%s"
	        /* A4, the wave number and the page in the margins of every
	         * printed page */
	        "@page{size:A4;margin:18mm 15mm 16mm;"
	        "@top-right{content:\"gelombang \\00b7  wave %d\";font-size:9pt;color:#555}"
	        "@bottom-right{content:\"page \" counter(page) \" of \" counter(pages);"
	        "font-size:9pt;color:#555}}\n"
	        "</style>\n</head>\n<body>\n",
	        r->wave, html_style, r->wave);
	fprintf(out, "<h1>Wave %d: ", r->wave);
	html_text(out, PQgetvalue(w, 0, RW_STATE));
	fputs("</h1>\n<p class=\"meta\">Opened ", out);
	html_text(out, PQgetvalue(w, 0, RW_OPENS));
	fputs(", closed ", out);
	html_text(out, PQgetvalue(w, 0, RW_CLOSES));
	fputs(", announcement ", out);
	html_text(out, PQgetvalue(w, 0, RW_ANNOUNCE));
	fputs(".<br>Seed commitment <code>", out);
	html_text(out, PQgetvalue(w, 0, RW_COMMITMENT));
	fputs("</code><br>Seed (revealed at close; its SHA-256 is the commitment) <code>", out);
	html_text(out, PQgetvalue(w, 0, RW_SEED));
	fputs("</code><br>Quota: ", out);
	if (strcmp(PQgetvalue(w, 0, RW_BY_PROVINCE), "t") == 0)
		fputs("per province.", out);
	else {
		html_text(out, PQgetvalue(w, 0, RW_QUOTA));
		fputs(" for the whole wave.", out);
	}
	fprintf(out,
	        "</p>\n<p><b>%lld</b> entries, <b>%lld</b> eligible for the draw, <b>%lld</b>"
	        " selected.</p>\n",
	        r->entries, r->eligible, r->selected);
	if (strcmp(PQgetvalue(w, 0, RW_ANNOUNCED), "t") != 0)
		fputs("<p class=\"verdict na\">Results embargoed until the announcement: applicants"
		      " still see &ldquo;Dalam Proses Seleksi&rdquo;. This report is for"
		      " administrators.</p>\n",
		      out);
	html_fairness(out, r);
	html_status(out, r);
	html_reasons(out, r);
	html_provinces(out, r);
	for (d = 0; d < REPORT_DIMENSIONS; d++)
		html_draw(out, r, &r->fair[d]);
	fputs("<footer class=\"meta\"><p>Written by gelombang " GELOMBANG_VERSION " at ", out);
	html_text(out, PQgetvalue(w, 0, RW_NOW));
	fputs(". Recompute and compare the stored result with <code>gelombang audit --wave ", out);
	fprintf(out, "%d</code>.</p></footer>\n</body>\n</html>\n", r->wave);
	return ferror(out) ? -1 : 0;
}
