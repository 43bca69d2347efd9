/*
 * cunit_main.h — the one main() of the unit test programs (cunit_main.c).
 *
 * A test program defines its suites, registered with designated
 * initialisers, as
 *
 *	CU_SuiteInfo unit_suites[] = {
 *		{.pName = "nik form", .pTests = form_tests},
 *		CU_SUITE_INFO_NULL,
 *	};
 *
 * and is linked with cunit_main.c, which runs them all in CUnit's verbose
 * basic mode.  The exit status is the number of failed assertions
 * (CU_get_number_of_failures(), capped at 100 so that it never wraps to
 * 0), not CU_get_error(), which reports success when assertions fail;
 * 1 when CUnit itself cannot start.
 */
#ifndef GELOMBANG_CUNIT_MAIN_H
#define GELOMBANG_CUNIT_MAIN_H

#include <CUnit/CUnit.h>

extern CU_SuiteInfo unit_suites[];

#endif
