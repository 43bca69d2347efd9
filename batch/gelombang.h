/*
 * gelombang.h — what every command shares: the parsed command line, the
 * configuration and the connection, and the entry point of each command.
 *
 * main() fills a struct gb_ctx in three steps — command line (exit 64 on a
 * bad option, before anything else), configuration (78), connection (69) —
 * then calls the command's cmd_*() function, whose return value is the exit
 * code (exitcode.h).  Commands own nothing in the context; main frees it.
 */
#ifndef GELOMBANG_H
#define GELOMBANG_H

#include <stdbool.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "config.h"
#include "exitcode.h"
#include "timeparse.h"

/* a time option, checked by the parser, converted by PostgreSQL */
struct gb_timeopt {
	const char *text; /* as given */
	char pg[64];      /* tp_format_pg(); without offset it is read in the
	                     configured timezone (the session's TimeZone) */
};

/* The options of the subcommand (only those it accepts are ever set). */
struct gb_opts {
	int wave;         /* 0: not given */
	const char *file; /* positional FILE; "-" = stdin */
	struct gb_timeopt opens, closes, announce;
	bool has_opens, has_closes, has_announce;
	long long quota;
	bool has_quota;
	char seed[65]; /* lower case; empty = from the OS */
	const char *nik;
	bool dry_run;
	const char *rejects;
	const char *format;          /* text, csv, html */
	const char *output;          /* -o FILE */
	long long limit;             /* outbox export --limit; 0 = all */
	const char *independent;     /* audit --independent DIR */
	bool force;                  /* audit --force: write over a bundle */
	bool failed;                 /* history --failed */
	const char *reason;          /* wave amend/withdraw --reason */
	const char *note;            /* approve --note */
	struct gb_timeopt revoke_at; /* wave create --revoke-at */
	bool has_revoke_at;
	char recover[256]; /* wave create --recover, as "{18,19}"; "" = none */
	double rate;       /* sms send --rate, messages a second; 0 = no cap */
	int port;          /* sms listen --port */
};

struct gb_ctx {
	const char *config_path;
	bool config_explicit;
	bool use_defaults;       /* process/run-due --defaults: they may be frozen */
	const char *db_override; /* --db */
	struct gb_timeopt now;   /* --now */
	bool has_now;
	const char *operator; /* --operator, else the OS user */
	char *command_line;   /* the whole argv, for the history */
	const char *command;  /* "close", "wave create", ... */
	struct gb_opts opt;
	struct gb_config cfg;
	char *rules_json;       /* cfg_rules_json(), for process */
	char config_digest[65]; /* sha256 of rules_json */
	PGconn *conn;
};

/* commands: each returns an exit code */
int cmd_migrate(struct gb_ctx *ctx);
int cmd_wave_create(struct gb_ctx *ctx);
int cmd_wave_list(struct gb_ctx *ctx);
int cmd_wave_show(struct gb_ctx *ctx);
int cmd_wave_amend(struct gb_ctx *ctx);
int cmd_wave_withdraw(struct gb_ctx *ctx);
int cmd_quota_set(struct gb_ctx *ctx);
int cmd_import(struct gb_ctx *ctx);
int cmd_join(struct gb_ctx *ctx);
int cmd_close(struct gb_ctx *ctx);
int cmd_process(struct gb_ctx *ctx);
int cmd_select(struct gb_ctx *ctx);
int cmd_announce(struct gb_ctx *ctx);
int cmd_run_due(struct gb_ctx *ctx);
int cmd_status(struct gb_ctx *ctx);
int cmd_results(struct gb_ctx *ctx);
int cmd_audit(struct gb_ctx *ctx);
int cmd_report(struct gb_ctx *ctx);
int cmd_history(struct gb_ctx *ctx);
int cmd_outbox_export(struct gb_ctx *ctx);
int cmd_approve(struct gb_ctx *ctx);
int cmd_training_import(struct gb_ctx *ctx);
int cmd_revoke(struct gb_ctx *ctx);

/* The results CSV of SPEC §3 (status.c), streamed by COPY in the current
 * transaction, if any: written to out when out is not NULL, and its SHA-256
 * put in digest (lowercase hex) when digest is not NULL.  The caller has
 * checked that the wave has results.  Returns an exit code. */
int results_stream(struct gb_ctx *ctx, int wave, FILE *out, char digest[65]);

int cmd_sms_send(struct gb_ctx *ctx);
int cmd_sms_listen(struct gb_ctx *ctx);
int cmd_sms_status(struct gb_ctx *ctx);
int cmd_sms_retry(struct gb_ctx *ctx);

/* The clock of every due/deadline check, as a SQL parameter: --now, or
 * NULL meaning the server's clock (queries use coalesce($n::timestamptz,
 * now())). */
const char *gb_now_param(const struct gb_ctx *ctx);

#endif
