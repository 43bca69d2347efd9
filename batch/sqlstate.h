/*
 * sqlstate.h — the SQLSTATEs gelombang decides on, by name.
 *
 * Decisions are taken on the SQLSTATE, never on the message text (db.h says
 * which state leads to which exit code).  The names are PostgreSQL's
 * condition names (Appendix A of its manual, errcodes.txt), upper-cased, as
 * pg_repack names them.  Header only: nothing to link, nothing allocated.
 */
#ifndef GELOMBANG_SQLSTATE_H
#define GELOMBANG_SQLSTATE_H

/* class 08: the connection is gone or could not be made (compare the
 * first two characters) */
#define SQLSTATE_CLASS_CONNECTION_EXCEPTION "08"

/* 57P0x: the server ended the session (shutdown, a dropped database, an
 * idle timeout; compare the first four characters) */
#define SQLSTATE_PREFIX_SESSION_ENDED "57P0"

#define SQLSTATE_INVALID_SCHEMA_NAME     "3F000"
#define SQLSTATE_UNDEFINED_TABLE         "42P01"
#define SQLSTATE_INSUFFICIENT_PRIVILEGE  "42501"
#define SQLSTATE_INVALID_PARAMETER_VALUE "22023"
#define SQLSTATE_CHECK_VIOLATION         "23514"
#define SQLSTATE_LOCK_NOT_AVAILABLE      "55P03"
#define SQLSTATE_QUERY_CANCELED          "57014"
#define SQLSTATE_ADMIN_SHUTDOWN          "57P01"
#define SQLSTATE_CRASH_SHUTDOWN          "57P02"
#define SQLSTATE_CANNOT_CONNECT_NOW      "57P03"

#endif
