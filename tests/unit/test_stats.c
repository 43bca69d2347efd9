/*
 * test_stats.c — the chi-square test of report's fairness check
 * (batch/stats.h): the regularized upper incomplete gamma function against
 * values computed with mpmath at 40 digits, chi-square critical values
 * from the usual tables, and the pooling of small categories.
 */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>

#include "cunit_main.h"
#include "stats.h"

/* relative closeness, with an absolute floor for values near zero */
static int
close_to(double got, double want, double rel)
{
	if (isnan(got))
		return 0;
	return fabs(got - want) <= rel * fabs(want) + 1e-300;
}

#define ASSERT_REL(got, want, rel) CU_ASSERT_TRUE(close_to((got), (want), (rel)))

/* ---- Q(a, x) ----------------------------------------------------------- */

static void
test_q_reference(void)
{
	static const struct {
		double a, x, q;
	} ref[] = {
	    {.a = 0.5, .x = 0.1, .q = 0.65472084601857702044},
	    {.a = 0.5, .x = 2, .q = 0.045500263896358414401},
	    {.a = 1, .x = 0.5, .q = 0.6065306597126334236},
	    {.a = 2.5, .x = 1, .q = 0.84914503608460963623},
	    {.a = 3, .x = 10, .q = 0.0027693957155115759437},
	    {.a = 10, .x = 5, .q = 0.96817194269379518826},
	    {.a = 10, .x = 15, .q = 0.069853660699409767692},
	    {.a = 50, .x = 40, .q = 0.92966493334060504556},
	    {.a = 50, .x = 60, .q = 0.084406681093691829623},
	    {.a = 500, .x = 450, .q = 0.98928276190871025844},
	    {.a = 500, .x = 560, .q = 0.0046931659992947693582},
	    {.a = 800, .x = 900, .q = 0.00032508130791782254506},
	    {.a = 1000, .x = 1100, .q = 0.0010593232539299773489},
	    {.a = 0.5, .x = 30, .q = 9.4857375710738483885e-15},
	    {.a = 5, .x = 0.001, .q = 0.99999999999999999167},
	};
	size_t i;

	for (i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
		double got = stats_gamma_q(ref[i].a, ref[i].x);

		if (!close_to(got, ref[i].q, 1e-9))
			printf("\n  Q(%g, %g) = %.17g, expected %.17g", ref[i].a, ref[i].x, got,
			       ref[i].q);
		ASSERT_REL(got, ref[i].q, 1e-9);
	}
}

/* Q(1, x) = e^-x; Q(1/2, x) = erfc(sqrt x); Q(n, x) = e^-x Σ_{k<n} x^k/k! */
static void
test_q_closed_forms(void)
{
	double x;
	int n;

	for (x = 0.01; x < 60; x *= 1.7) {
		ASSERT_REL(stats_gamma_q(1, x), exp(-x), 1e-11);
		ASSERT_REL(stats_gamma_q(0.5, x), erfc(sqrt(x)), 1e-10);
		for (n = 2; n <= 30; n += 7) {
			double term = 1, sum = 1;
			int k;

			for (k = 1; k < n; k++) {
				term *= x / k;
				sum += term;
			}
			ASSERT_REL(stats_gamma_q(n, x), exp(-x) * sum, 1e-10);
		}
	}
}

/* the two expansions meet at x = a + 1: no jump there */
static void
test_q_continuous_at_switch(void)
{
	double a;

	for (a = 0.5; a < 2000; a *= 2.3) {
		double below = stats_gamma_q(a, a + 1 - 1e-9);
		double above = stats_gamma_q(a, a + 1 + 1e-9);

		CU_ASSERT_TRUE(fabs(below - above) < 1e-8);
	}
}

static void
test_q_monotone_and_bounded(void)
{
	double a, x, prev;

	for (a = 0.5; a < 300; a *= 3) {
		prev = 1.0;
		for (x = 0; x < 4 * a + 50; x += a / 7 + 0.1) {
			double q = stats_gamma_q(a, x);

			CU_ASSERT_TRUE(q >= 0.0 && q <= 1.0);
			CU_ASSERT_TRUE(q <= prev + 1e-12);
			prev = q;
		}
	}
}

static void
test_q_domain(void)
{
	CU_ASSERT_TRUE(isnan(stats_gamma_q(0, 1)));
	CU_ASSERT_TRUE(isnan(stats_gamma_q(-1, 1)));
	CU_ASSERT_TRUE(isnan(stats_gamma_q(1, -0.5)));
	CU_ASSERT_TRUE(isnan(stats_gamma_q(NAN, 1)));
	CU_ASSERT_TRUE(isnan(stats_gamma_q(1, NAN)));
	CU_ASSERT_EQUAL(stats_gamma_q(3, 0), 1.0);
	CU_ASSERT_EQUAL(stats_gamma_q(3, INFINITY), 0.0);
}

/* ---- chi-square p-values ----------------------------------------------- */

static void
test_chi2_critical_values(void)
{
	static const struct {
		double chi2;
		int dof;
		double p;
	} ref[] = {
	    {.chi2 = 3.841458820694124, .dof = 1, .p = 0.05},
	    {.chi2 = 6.634896601021214, .dof = 1, .p = 0.01},
	    {.chi2 = 10.827566170662733, .dof = 1, .p = 0.001},
	    {.chi2 = 5.991464547107979, .dof = 2, .p = 0.05},
	    {.chi2 = 18.307038053275146, .dof = 10, .p = 0.05},
	    {.chi2 = 1.1454762260617692, .dof = 5, .p = 0.95},
	    {.chi2 = 124.34211340400407, .dof = 100, .p = 0.05},
	    {.chi2 = 1074.6794488034409845, .dof = 1000, .p = 0.05},
	    {.chi2 = 100, .dof = 10, .p = 5.4497019829205293351e-17},
	    {.chi2 = 2000, .dof = 1500, .p = 5.8099109897619926837e-17},
	};
	size_t i;

	for (i = 0; i < sizeof(ref) / sizeof(ref[0]); i++)
		ASSERT_REL(stats_chi2_pvalue(ref[i].chi2, ref[i].dof), ref[i].p, 1e-8);
}

static void
test_chi2_edge(void)
{
	CU_ASSERT_EQUAL(stats_chi2_pvalue(0, 3), 1.0);
	CU_ASSERT_EQUAL(stats_chi2_pvalue(12.5, 0), 1.0);
	CU_ASSERT_TRUE(isnan(stats_chi2_pvalue(-1, 3)));
	CU_ASSERT_TRUE(isnan(stats_chi2_pvalue(NAN, 3)));
	/* dof 2: p = e^(-chi2/2) exactly */
	ASSERT_REL(stats_chi2_pvalue(7, 2), exp(-3.5), 1e-12);
	/* far in the tail: tiny but not negative, not NaN */
	CU_ASSERT_TRUE(stats_chi2_pvalue(5000, 3) >= 0.0);
	CU_ASSERT_TRUE(stats_chi2_pvalue(5000, 3) < 1e-100);
}

/* ---- strata, tables, pooling ------------------------------------------- */

static void
test_stratum_textbook(void)
{
	/* 2x3: selected 20/50, 30/50, 10/50 of 150; p = 0.4.
	 * E = 20 each; X² = (0 + 100 + 100) / (50·0.4·0.6) = 200/12 */
	long long n[] = {50, 50, 50}, s[] = {20, 30, 10};
	struct stats_chi2 acc = {0};

	stats_chi2_add(&acc, n, s, 3);
	ASSERT_REL(acc.statistic, 200.0 / 12.0, 1e-12);
	CU_ASSERT_EQUAL(acc.dof, 2);
	CU_ASSERT_EQUAL(acc.strata, 1);
}

static void
test_stratum_uniform_is_zero(void)
{
	long long n[] = {100, 200, 300, 400}, s[] = {10, 20, 30, 40};
	struct stats_chi2 acc = {0};

	stats_chi2_add(&acc, n, s, 4);
	CU_ASSERT_TRUE(fabs(acc.statistic) < 1e-12);
	CU_ASSERT_EQUAL(acc.dof, 3);
}

static void
test_stratum_without_information(void)
{
	long long n[] = {10, 20, 30}, none[] = {0, 0, 0};
	struct stats_chi2 acc = {0};

	stats_chi2_add(&acc, n, none, 3); /* nobody selected */
	stats_chi2_add(&acc, n, n, 3);    /* everybody selected */
	stats_chi2_add(&acc, n, none, 0); /* no categories */
	CU_ASSERT_EQUAL(acc.statistic, 0.0);
	CU_ASSERT_EQUAL(acc.dof, 0);
	CU_ASSERT_EQUAL(acc.strata, 0);
}

/* small categories pool with their neighbours until each group expects
 * at least 5 selected and 5 not selected */
static void
test_stratum_pooling(void)
{
	/* p = 0.5; each category expects 1 and 1: groups of five categories
	 * (expect 5 and 5); 12 categories -> groups 5, 5, and the tail of 2
	 * joins the second: 2 groups, 1 dof */
	long long n[12], s[12];
	struct stats_chi2 acc = {0};
	int i;

	for (i = 0; i < 12; i++) {
		n[i] = 2;
		s[i] = i < 5 ? 2 : 0; /* first group: 10 of 10 */
	}
	s[5] = 2; /* second group (7 categories, 14 entries): 2 selected */
	stats_chi2_add(&acc, n, s, 12);
	CU_ASSERT_EQUAL(acc.dof, 1);
	/* p = 12/24 = 0.5; group 1: n 10, s 10: (10-5)^2/(2.5) = 10;
	 * group 2: n 14, s 2: (2-7)^2/(3.5) = 25/3.5 */
	ASSERT_REL(acc.statistic, 10.0 + 25.0 / 3.5, 1e-12);
}

static void
test_stratum_too_small_to_test(void)
{
	/* 6 entries, 3 selected: one group only */
	long long n[] = {1, 1, 1, 1, 1, 1}, s[] = {1, 1, 1, 0, 0, 0};
	struct stats_chi2 acc = {0};

	stats_chi2_add(&acc, n, s, 6);
	CU_ASSERT_EQUAL(acc.dof, 0);
	CU_ASSERT_EQUAL(acc.statistic, 0.0);
}

static void
test_strata_sum(void)
{
	long long n1[] = {50, 50, 50}, s1[] = {20, 30, 10};
	long long n2[] = {100, 100}, s2[] = {50, 50};
	struct stats_chi2 acc = {0};

	stats_chi2_add(&acc, n1, s1, 3);
	stats_chi2_add(&acc, n2, s2, 2);
	ASSERT_REL(acc.statistic, 200.0 / 12.0, 1e-12);
	CU_ASSERT_EQUAL(acc.dof, 3);
	CU_ASSERT_EQUAL(acc.strata, 2);
}

/* a draw that picks only the first day's entries is far beyond chance */
static void
test_biased_draw_is_flagged(void)
{
	long long n[] = {1000, 1000, 1000, 1000}, s[] = {1000, 0, 0, 0};
	long long fair[] = {251, 248, 256, 245};
	struct stats_chi2 acc = {0}, ok = {0};

	stats_chi2_add(&acc, n, s, 4);
	CU_ASSERT_TRUE(stats_chi2_pvalue(acc.statistic, acc.dof) < 1e-100);
	stats_chi2_add(&ok, n, fair, 4);
	CU_ASSERT_TRUE(stats_chi2_pvalue(ok.statistic, ok.dof) > 0.5);
}

static CU_TestInfo gamma_tests[] = {
    {.pName = "reference values (mpmath)", .pTestFunc = test_q_reference},
    {.pName = "closed forms", .pTestFunc = test_q_closed_forms},
    {.pName = "continuous where the method switches", .pTestFunc = test_q_continuous_at_switch},
    {.pName = "monotone in x, within [0, 1]", .pTestFunc = test_q_monotone_and_bounded},
    {.pName = "domain", .pTestFunc = test_q_domain},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo chi2_tests[] = {
    {.pName = "critical values", .pTestFunc = test_chi2_critical_values},
    {.pName = "edges", .pTestFunc = test_chi2_edge},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo stratum_tests[] = {
    {.pName = "textbook 2x3 table", .pTestFunc = test_stratum_textbook},
    {.pName = "proportional selection gives zero", .pTestFunc = test_stratum_uniform_is_zero},
    {.pName = "nobody or everybody selected", .pTestFunc = test_stratum_without_information},
    {.pName = "small categories pooled", .pTestFunc = test_stratum_pooling},
    {.pName = "too small to test", .pTestFunc = test_stratum_too_small_to_test},
    {.pName = "strata summed", .pTestFunc = test_strata_sum},
    {.pName = "a first-day draw is flagged, a fair one not",
     .pTestFunc = test_biased_draw_is_flagged},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
    {.pName = "incomplete gamma Q(a, x)", .pTests = gamma_tests},
    {.pName = "chi-square p-value", .pTests = chi2_tests},
    {.pName = "chi-square over strata", .pTests = stratum_tests},
    CU_SUITE_INFO_NULL,
};
