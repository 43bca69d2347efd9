/*
 * stats.h — the chi-square test of report's fairness check.
 *
 * Pure functions, no allocation, no I/O.  The p-value of a chi-square
 * statistic is the regularized upper incomplete gamma function
 * Q(dof/2, statistic/2), computed the Numerical Recipes way: a series for
 * x < a + 1, a continued fraction (modified Lentz) otherwise.
 */
#ifndef GELOMBANG_STATS_H
#define GELOMBANG_STATS_H

#include <stddef.h>

/*
 * Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma
 * function, for a > 0 and x >= 0; NaN outside that domain.  Relative
 * accuracy about 1e-12 where the result is not tiny.
 */
double stats_gamma_q(double a, double x);

/* P(X >= statistic) for X chi-square with dof degrees of freedom; 1 for
 * dof <= 0 (nothing tested), NaN for a negative or NaN statistic. */
double stats_chi2_pvalue(double statistic, int dof);

/* A chi-square test of independence summed over strata. */
struct stats_chi2 {
	double statistic;
	int dof;
	int strata; /* strata that contributed (at least two groups) */
};

/* Expected count each pooled group needs in both cells (Cochran's rule). */
#define STATS_MIN_EXPECTED 5.0

/*
 * Add one stratum's 2×k table to acc: for category i, n[i] entries of
 * which s[i] were selected (0 <= s[i] <= n[i]).  Under independence each
 * category expects n[i]·S/N selected, S and N the stratum's totals.
 * Neighbouring categories (in the order given) are pooled until each
 * group expects at least STATS_MIN_EXPECTED selected and not selected; a
 * short last group joins the one before.  The stratum adds
 * Σ (s - n·p)² / (n·p·(1-p)) over its groups and groups-1 degrees of
 * freedom; a stratum where nobody or everybody was selected, or with one
 * group, adds nothing.
 */
void stats_chi2_add(struct stats_chi2 *acc, const long long *n, const long long *s, size_t k);

#endif
