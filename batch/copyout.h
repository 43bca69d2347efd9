/*
 * copyout.h — stream the rows of a COPY ... TO STDOUT, one at a time, so
 * that memory does not grow with the number of rows.
 *
 * copy_out() sends sql (a COPY ... TO STDOUT statement: COPY takes no
 * parameters, so whatever varies in it must be a number the caller
 * formatted itself, never text from input) and calls row() once per row
 * with the row's bytes (ending in '\n'; not NUL-terminated; owned by
 * copy_out, valid only during the call).  row() returns 0 to go on, or
 * non-zero to stop: the rest of the rows are then read and dropped and
 * that value is returned.  A server failure is reported as "what: message"
 * and returns db_failure_exit()'s kind of code (69, 70, or 1 when
 * interrupted).  Returns 0 when every row was delivered.
 */
#ifndef GELOMBANG_COPYOUT_H
#define GELOMBANG_COPYOUT_H

#include <stddef.h>

#include <libpq-fe.h>

typedef int (*copy_row_fn)(void *arg, const char *row, size_t len);

int copy_out(PGconn *conn, const char *what, const char *sql, copy_row_fn row, void *arg);

/* A copy_row_fn writing every row to the FILE * given as arg; stops with
 * EXIT_SOFTWARE when writing fails. */
int copy_row_to_file(void *file, const char *row, size_t len);

/*
 * Split a row of COPY's text format (tab-separated, \N for NULL, backslash
 * escapes) into at most max fields, in place: buf (a writable copy of the
 * row, without its '\n', NUL-terminated) is rewritten and fields[i] points
 * into it, or is NULL for \N.  Returns the number of fields.
 */
int copy_split_text(char *buf, char **fields, int max);

#endif
