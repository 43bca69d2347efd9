/*
 * stats.c — see stats.h.
 */
#include "stats.h"

#include <float.h>
#include <math.h>

#define GAMMA_EPS  1e-15
#define GAMMA_TINY (DBL_MIN / DBL_EPSILON)
/* enough for a up to about 10^8: both expansions need O(sqrt(a)) terms
 * near x = a */
#define GAMMA_MAX_ITER 1000000

/* log of x^a e^-x / Γ(a), the common factor of both expansions */
static double
gamma_prefix_log(double a, double x)
{
	return a * log(x) - x - lgamma(a);
}

/* P(a, x) by its series, for x < a + 1 */
static double
gamma_p_series(double a, double x)
{
	double ap = a, del = 1.0 / a, sum = del;
	int n;

	for (n = 0; n < GAMMA_MAX_ITER; n++) {
		ap += 1.0;
		del *= x / ap;
		sum += del;
		if (fabs(del) < fabs(sum) * GAMMA_EPS)
			break;
	}
	return sum * exp(gamma_prefix_log(a, x));
}

/* Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1 */
static double
gamma_q_fraction(double a, double x)
{
	double b = x + 1.0 - a, c = 1.0 / GAMMA_TINY, d = 1.0 / b, h = d, an, del;
	int i;

	for (i = 1; i < GAMMA_MAX_ITER; i++) {
		an = -i * (i - a);
		b += 2.0;
		d = an * d + b;
		if (fabs(d) < GAMMA_TINY)
			d = GAMMA_TINY;
		c = b + an / c;
		if (fabs(c) < GAMMA_TINY)
			c = GAMMA_TINY;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < GAMMA_EPS)
			break;
	}
	return exp(gamma_prefix_log(a, x)) * h;
}

double
stats_gamma_q(double a, double x)
{
	if (isnan(a) || isnan(x) || a <= 0.0 || x < 0.0)
		return NAN;
	if (x == 0.0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	if (x < a + 1.0)
		return 1.0 - gamma_p_series(a, x);
	return gamma_q_fraction(a, x);
}

double
stats_chi2_pvalue(double statistic, int dof)
{
	if (isnan(statistic) || statistic < 0.0)
		return NAN;
	if (dof <= 0)
		return 1.0;
	return stats_gamma_q(dof / 2.0, statistic / 2.0);
}

/* one pooled group's term: (s - n p)^2 / (n p (1 - p)) */
static double
group_term(double n, double s, double p)
{
	double e = n * p;

	return (s - e) * (s - e) / (e * (1.0 - p));
}

static int
group_full(double n, double p)
{
	return n * p >= STATS_MIN_EXPECTED && n * (1.0 - p) >= STATS_MIN_EXPECTED;
}

void
stats_chi2_add(struct stats_chi2 *acc, const long long *n, const long long *s, size_t k)
{
	double total_n = 0, total_s = 0, p, stat = 0;
	double gn = 0, gs = 0;         /* the open group */
	double last_n = 0, last_s = 0; /* the last closed group, not yet added */
	int groups = 0;
	size_t i;

	for (i = 0; i < k; i++) {
		total_n += (double) n[i];
		total_s += (double) s[i];
	}
	if (total_n <= 0 || total_s <= 0 || total_s >= total_n)
		return;
	p = total_s / total_n;
	for (i = 0; i < k; i++) {
		gn += (double) n[i];
		gs += (double) s[i];
		if (!group_full(gn, p))
			continue;
		if (groups > 0)
			stat += group_term(last_n, last_s, p);
		last_n = gn;
		last_s = gs;
		groups++;
		gn = gs = 0;
	}
	if (gn > 0) {
		/* a short tail joins the last group, or is the only one */
		last_n += gn;
		last_s += gs;
		if (groups == 0)
			groups = 1;
	}
	if (groups < 2)
		return;
	stat += group_term(last_n, last_s, p);
	acc->statistic += stat;
	acc->dof += groups - 1;
	acc->strata++;
}
