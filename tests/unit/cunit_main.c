/*
 * cunit_main.c — see cunit_main.h.
 */
#include "cunit_main.h"

#include <CUnit/Basic.h>
#include <stdio.h>

int
main(void)
{
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "could not initialise CUnit: %s\n", CU_get_error_msg());
		return 1;
	}
	if (CU_register_suites(unit_suites) != CUE_SUCCESS) {
		fprintf(stderr, "could not register suites: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		fprintf(stderr, "could not run tests: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	/* read before cleanup, which resets the run summary */
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures > 100 ? 100 : (int) failures;
}
