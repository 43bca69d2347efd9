/*
 * exitcode.h — the exit codes of SPEC §2, the only ones gelombang uses.
 *
 * Every command returns one of these from its cmd_*() function; main()
 * passes it to exit().  They follow sysexits(3) where a meaning exists.
 */
#ifndef GELOMBANG_EXITCODE_H
#define GELOMBANG_EXITCODE_H

enum gb_exit {
	EXIT_DONE = 0,         /* done, or nothing to do */
	EXIT_REFUSED = 1,      /* wrong state, not yet due, audit mismatch */
	EXIT_USAGE = 64,       /* bad command line */
	EXIT_DATAERR = 65,     /* bad input data; the good rows are kept */
	EXIT_UNAVAILABLE = 69, /* database unavailable */
	EXIT_SOFTWARE = 70,    /* internal error */
	EXIT_CANTCREAT = 73,   /* an output file (-o, --rejects) cannot be created */
	EXIT_BUSY = 75,        /* another run holds this wave's lock */
	EXIT_CONFIG = 78       /* bad configuration */
};

#endif
