/*
 * fault.h — named fault points, for tests that break things on purpose.
 *
 * A fault point is a moment in a job where dying must lose nothing:
 *
 *   GELOMBANG_FAULT=NAME          the process kills itself with SIGKILL the
 *                                 first time it reaches point NAME
 *   GELOMBANG_FAULT=NAME:N        ... the N-th time it reaches it
 *   GELOMBANG_FAULT_SLEEP=NAME:MS pause MS milliseconds every time it
 *                                 reaches NAME (a signal ends the pause
 *                                 early), to make concurrency tests
 *                                 deterministic
 *
 * Before dying or pausing it says so on stderr ("fault: kill at NAME").
 * Unset, a fault point costs one getenv() per variable on the first call
 * and a test of a cached flag afterwards.  Nothing here allocates.
 *
 * Points of a job are named "job:<job>:<moment>".  The points of the
 * lifecycle jobs (close, process, select, announce, revoke) and of import come
 * from jobrun.c and job.c (every job) plus the job's own:
 *
 *   every job (jobrun.c)  locked       the wave's advisory lock is held
 *                         dead-marked  earlier dead runs have been marked
 *                         started      the start row is committed
 *   close, process, select, announce (job.c)
 *                         state-read   the wave row is read FOR UPDATE
 *                         before-work  every check passed
 *                         after-work   the work is done, no end row yet
 *                         end-row      the end row is written, not committed
 *                         committed    work and end row are committed
 *                         released     the lock is released
 *   close                 wave-closed  close_wave() done, seed not yet read
 *   process               checked      the earlier waves are selected
 *                         frozen       freeze_inputs() done
 *   select                selection-marked   selection_started_at set
 *                         selection-started  ... and committed
 *                         stored       store_selection() done
 *                         state-set    the wave is DISELEKSI (uncommitted)
 *   announce              announced    the wave is DIUMUMKAN (uncommitted)
 *   revoke (revoke.c; the points of job.c too)
 *                         revoked      revoke_wave() done (uncommitted)
 *   remind (revoke.c)     queued       queue_reminders() done (uncommitted)
 *   training (training import, training.c; jobrun.c's points are named
 *                         "job:training import:<moment>")
 *                         header, record-sent, copy-end, rows-stored,
 *                         end-row, committed
 *   import                wave-checked the wave is open (FOR SHARE)
 *                         header       the header line is accepted
 *                         staging      the staging tables exist
 *                         record-sent  the 1st, 10001st, 20001st ... record
 *                                      is in the COPY stream
 *                         copy-end     COPY is complete
 *                         set-aside    the records COPY must not see are in
 *                         rows-stored  import_rows() done
 *                         rejects-written  the reject file is written (.tmp)
 *                         end-row, committed, renamed (the reject file is
 *                         in place), released
 *   outbox (export, outbox.c: its own lock, not jobrun.c's)
 *                         locked, dead-marked, started, begun, first-row,
 *                         row (every 10,000th message), copy-end, flushed
 *                         (written, not marked), marked, end-row,
 *                         committed, released
 *   sms (sms send, sms_send.c: the outbox lock too)
 *                         locked, dead-marked, started, queued (the
 *                         announced waves copied into sms_message), and for
 *                         each page: page-read, submitted (the gateway
 *                         answered, nothing recorded), recorded (not
 *                         committed), committed; then end-row, released
 *
 * tests/integration/test_crash.sh finds the points in the sources and
 * kills each job at each of them.
 *
 * Test builds only, as PostgreSQL's injection points: the points exist
 * when the program is compiled with -DGELOMBANG_FAULT_POINTS, which the
 * Makefile adds unless FAULT_POINTS=0.  `make`, `make check` and the
 * builds the tests run have them; `make install` builds with
 * FAULT_POINTS=0, and there fault_point() and fault_job_point() are
 * empty macros: the program cannot be made to kill itself, and the
 * variables above are ignored.
 */
#ifndef GELOMBANG_FAULT_H
#define GELOMBANG_FAULT_H

#ifdef GELOMBANG_FAULT_POINTS

/* Die or pause here if the environment asks for point name. */
void fault_point(const char *name);

/* fault_point("job:<job>:<moment>"); the name is only built when a fault
 * is set. */
void fault_job_point(const char *job, const char *moment);

#else

#define fault_point(name)            ((void) (name))
#define fault_job_point(job, moment) ((void) (job), (void) (moment))

#endif

#endif
