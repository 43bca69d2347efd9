/*
 * main.c — gelombang: options, configuration, connection, dispatch.
 *
 * The command line is checked completely before the configuration is read
 * (SPEC §2: a bad option is 64 even when the configuration is bad too),
 * and the configuration before the database is reached.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "db.h"
#include "gelombang.h"
#include "log.h"
#include "nik.h"

#ifndef GELOMBANG_SYSCONFDIR
#define GELOMBANG_SYSCONFDIR "/usr/local/etc"
#endif

/* the options a subcommand may take */
enum {
	O_WAVE = 1 << 0,
	O_FILE = 1 << 1,
	O_OPENS = 1 << 2,
	O_CLOSES = 1 << 3,
	O_ANNOUNCE = 1 << 4,
	O_QUOTA = 1 << 5,
	O_SEED = 1 << 6,
	O_NIK = 1 << 7,
	O_DRYRUN = 1 << 8,
	O_REJECTS = 1 << 9,
	O_FORMAT = 1 << 10,
	O_OUTPUT = 1 << 11,
	O_LIMIT = 1 << 12,
	O_INDEPENDENT = 1 << 13,
	O_FAILED = 1 << 14,
	O_OPERATOR = 1 << 15,
	O_FORCE = 1 << 16,
	O_REASON = 1 << 17,
	O_DEFAULTS = 1 << 18,
	O_NOTE = 1 << 19,
	O_REVOKE_AT = 1 << 20,
	O_RECOVER = 1 << 21,
	O_RATE = 1 << 22,
	O_PORT = 1 << 23,
};

struct command {
	const char *name; /* one or two words */
	int (*run)(struct gb_ctx *);
	int allowed;
	int required;
	bool needs_db;
	const char *usage;
	const char *help;
};

#define JOB_OPTS (O_WAVE | O_DRYRUN | O_OPERATOR)

static const struct command commands[] = {
    {"migrate", cmd_migrate, O_OPERATOR, 0, true, "migrate",
     "Create or upgrade the schema \"gelombang\" from the migrations built into\n"
     "this program (sql/ of its source).  Each migration runs in a transaction\n"
     "and is recorded; running migrate again changes nothing."},
    {"wave create", cmd_wave_create,
     O_WAVE | O_OPENS | O_CLOSES | O_ANNOUNCE | O_QUOTA | O_SEED | O_OPERATOR | O_REVOKE_AT |
         O_RECOVER,
     O_WAVE | O_OPENS | O_CLOSES, true,
     "wave create --wave N --opens T --closes T [--announce T] --quota Q [--seed HEX]\n"
     "            [--revoke-at T] [--recover W[,W...]]",
     "Create wave N, open for joins from --opens until --closes (exclusive).\n"
     "--announce defaults to three days after --closes.  --quota is the national\n"
     "quota (per-province quotas: quota set).  Without --seed, 32 random bytes\n"
     "from the operating system; the seed stays secret until close, and its\n"
     "SHA-256 commitment is printed now so that anyone can check it later.\n"
     "Refused (exit 1) when N is not greater than every existing wave,\n"
     "--opens is before the previous wave's closing time, or --closes is not\n"
     "after the clock (a drill with past times gives the clock with --now).\n"
     "--revoke-at: the first-training deadline (default 23:59 on the day\n"
     "benefit.first_training_days - 1 after the announcement date).\n"
     "--recover W,...: add the revoked places of these SELESAI waves to the\n"
     "national quota (--quota then defaults to 0); each wave once."},
    {"wave list", cmd_wave_list, 0, 0, true, "wave list",
     "List the waves with their state, times (WIB) and entries."},
    {"wave show", cmd_wave_show, O_WAVE, O_WAVE, true, "wave show --wave N",
     "Show one wave: state, times, quotas, the seed commitment, and the seed\n"
     "itself once the wave is closed."},
    {"wave amend", cmd_wave_amend, O_WAVE | O_CLOSES | O_ANNOUNCE | O_QUOTA | O_REASON | O_OPERATOR,
     O_WAVE | O_REASON, true,
     "wave amend --wave N [--closes T] [--announce T] [--quota Q] --reason TEXT",
     "Correct open wave N: its closing time (earlier or later, but not before\n"
     "the clock nor before the last entry joined), its announcement time (not\n"
     "before the closing time) or its national quota.  Recorded in the history\n"
     "with --operator and --reason.  Once the wave is closed nothing changes."},
    {"wave withdraw", cmd_wave_withdraw, O_WAVE | O_REASON | O_OPERATOR, O_WAVE | O_REASON, true,
     "wave withdraw --wave N --reason TEXT",
     "Withdraw open wave N, which must have no entries: it is never closed,\n"
     "and import and join refuse it.  Recorded in the history with --operator\n"
     "and --reason."},
    {"quota set", cmd_quota_set, O_WAVE | O_FILE | O_OPERATOR, O_WAVE | O_FILE, true,
     "quota set --wave N FILE",
     "Replace the wave's per-province quotas with the CSV FILE (header\n"
     "province,quota).  Only while the wave is open; any bad row refuses the\n"
     "whole file (exit 65).  A file with only the header removes the\n"
     "per-province quotas: the national quota applies again."},
    {"import", cmd_import, O_WAVE | O_FILE | O_REJECTS | O_OPERATOR, O_WAVE | O_FILE, true,
     "import --wave N [--rejects PATH] FILE",
     "Load registrations (SPEC §3 CSV) into open wave N; FILE - reads stdin\n"
     "(then --rejects is required).  Rows that break the format, or repeat a\n"
     "NIK already in the wave, are written to the reject file (default\n"
     "FILE.rejects.csv) with their line and what is wrong; every other row is\n"
     "stored.  Prints \"N accepted, M rejected\"; exit 65 when M > 0."},
    {"join", cmd_join, O_WAVE | O_NIK | O_OPERATOR, O_WAVE | O_NIK, true, "join --wave N --nik NIK",
     "An earlier applicant joins open wave N with the data already on file\n"
     "(the newest registration's), joined now (or at --now), which must be\n"
     "before the wave's closing time."},
    {"close", cmd_close, JOB_OPTS, O_WAVE, true, "close --wave N [--dry-run]",
     "Close wave N at or after its closing time: no more joins (the database\n"
     "refuses them), the seed is revealed.  Before the closing time: exit 1."},
    {"process", cmd_process, JOB_OPTS | O_DEFAULTS, O_WAVE, true,
     "process --wave N [--dry-run] [--defaults]",
     "Mark every entry of closed wave N as being processed and freeze what the\n"
     "selection reads: the rules and configuration in force, the earlier\n"
     "participation of each NIK and family card.  Refused while an earlier\n"
     "wave is not yet selected, and (exit 78) when no configuration file was\n"
     "read, unless --defaults says the built-in defaults are meant."},
    {"select", cmd_select, JOB_OPTS, O_WAVE, true, "select --wave N [--dry-run]",
     "Apply the selection rule (SPEC §4) to processed wave N, store every\n"
     "outcome, and create the participants with their card numbers.  Results\n"
     "stay embargoed until announce.  --dry-run prints the number of entries\n"
     "per status and reason it would store."},
    {"announce", cmd_announce, JOB_OPTS, O_WAVE, true, "announce --wave N [--dry-run]",
     "At or after the announcement time, publish wave N's results on the\n"
     "dashboard and queue one SMS per entry with a phone number."},
    {"approve", cmd_approve, O_WAVE | O_NOTE | O_OPERATOR, O_WAVE, true,
     "approve --wave N [--note TEXT]",
     "Approve the stored results of selected wave N for the announcement\n"
     "(lifecycle.require_approval).  The approval records the database role,\n"
     "the time, the note and the SHA-256 of exactly what \"results --wave N\"\n"
     "prints; a later change of the results voids it.  Refused (exit 1) for a\n"
     "role that is not a member of gelombang_approver or that ran select."},
    {"training import", cmd_training_import, O_FILE | O_REJECTS | O_OPERATOR, O_FILE, true,
     "training import [--rejects PATH] FILE",
     "Load first-training purchases (CSV nik,first_training_at); FILE - reads\n"
     "stdin (then --rejects is required).  The earliest time per NIK counts.\n"
     "A row whose NIK is not a participant of an announced (DIUMUMKAN) wave,\n"
     "or whose time is malformed, goes to the reject file with its line;\n"
     "exit 65 when any was rejected.  Importing a file again changes nothing."},
    {"revoke", cmd_revoke, JOB_OPTS, O_WAVE, true, "revoke --wave N [--dry-run]",
     "At or after revoke_at, revoke every participant of announced wave N\n"
     "without a first training at or before revoke_at (Kepesertaan Dicabut)\n"
     "and move the wave to SELESAI."},
    {"run-due", cmd_run_due, O_DRYRUN | O_OPERATOR | O_DEFAULTS, 0, true,
     "run-due [--dry-run] [--defaults]",
     "For every wave, oldest first, run each step whose time has come, in\n"
     "order, catching up whatever was missed.  For cron, every minute.\n"
     "--dry-run lists every step it would run, as if the earlier ones had run.\n"
     "--defaults: as for process."},
    {"status", cmd_status, O_WAVE, 0, true, "status [--wave N]", "Entries per wave and status."},
    {"results", cmd_results, O_WAVE, O_WAVE, true, "results --wave N",
     "The outcome of every entry of wave N as CSV on stdout\n"
     "(nik,status,reason,lottery_key,card_number), from select on."},
    {"audit", cmd_audit, O_WAVE | O_INDEPENDENT | O_FORCE | O_OPERATOR, O_WAVE, true,
     "audit --wave N [--independent DIR [--force]]",
     "Check the seed against its commitment, recompute the selection from the\n"
     "frozen data and compare it with what is stored.  Exit 0 only if\n"
     "identical.  --independent DIR also writes a bundle from which anyone\n"
     "can recompute the result without this program (only the data the rule\n"
     "reads; directory 0700, files 0600).  A DIR that is not empty is refused\n"
     "(exit 1) unless --force."},
    {"report", cmd_report, O_WAVE | O_FORMAT | O_OUTPUT, O_WAVE, true,
     "report --wave N [--format text|csv|html] [-o FILE]",
     "Counts per status, reason and province, and a fairness check of the\n"
     "draw against registration time and NIK digits."},
    {"history", cmd_history, O_WAVE | O_FORMAT | O_FAILED, 0, true,
     "history [--wave N] [--format text|csv] [--failed]",
     "Every job run: job, wave, start, end, operator, outcome, rows, message."},
    {"outbox export", cmd_outbox_export, O_LIMIT | O_WAVE | O_OPERATOR, 0, true,
     "outbox export [--limit N] [--wave N]",
     "Write pending SMS messages as CSV (wave,nik,phone,status,message) to\n"
     "stdout and mark them exported in the same transaction."},
    {"sms send", cmd_sms_send, O_LIMIT | O_WAVE | O_RATE | O_OPERATOR, 0, true,
     "sms send [--wave N] [--limit N] [--rate PER_SECOND]",
     "Submit pending SMS messages to the gateway (sms.gateway_url), LOLOS first,\n"
     "older waves first, asking for delivery reports at sms.dlr_url.  A message\n"
     "is recorded SENT once the gateway accepted it; refused for itself (4xx),\n"
     "FAILED; gateway unreachable (5xx) after sms.retries tries: exit 69, the\n"
     "messages stay PENDING.  Each run continues where the last stopped."},
    {"sms listen", cmd_sms_listen, O_PORT, O_PORT, true, "sms listen --port P",
     "Receive the gateway's delivery reports (GET or POST /dlr?id=..&status=..)\n"
     "from sms.gateway_address and record them; runs until SIGINT/SIGTERM."},
    {"sms status", cmd_sms_status, O_WAVE, 0, true, "sms status [--wave N]",
     "Messages per wave and delivery state as CSV (wave,state,messages)."},
    {"sms retry", cmd_sms_retry, O_WAVE | O_OPERATOR, O_WAVE, true, "sms retry --wave N",
     "Put wave N's FAILED messages back to PENDING for the next sms send."},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage_global(FILE *f)
{
	size_t i;

	fprintf(f, "gelombang — registration waves: close, process, select, announce.\n\n"
	           "Usage: gelombang [GLOBAL OPTIONS] COMMAND [OPTIONS]\n\n"
	           "Global options:\n"
	           "  -c, --config FILE   configuration (default $GELOMBANG_CONFIG, else\n"
	           "                      conf/gelombang.conf, else " GELOMBANG_SYSCONFDIR
	           "/gelombang.conf,\n"
	           "                      else built-in defaults; -v says which)\n"
	           "      --db CONNINFO   libpq connection string (overrides database.conninfo)\n"
	           "      --now TIME      the clock for every due/deadline check\n"
	           "      --operator NAME who runs this (default: the OS user)\n"
	           "  -q, --quiet         errors only      -v, --verbose   more detail\n"
	           "  -h, --help          this help         -V, --version   the version\n\n"
	           "Commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\n\"gelombang COMMAND --help\" explains a command.  Exit codes: 0 done,\n"
	           "1 refused (also: permission denied), 64 usage, 65 bad data, 69 database\n"
	           "unavailable or without the schema, 70 internal, 73 cannot create an output\n"
	           "file, 75 busy, 78 configuration.  Times: 2022-02-20T23:59:00+07:00 or\n"
	           "\"Minggu (20/2/2022) pukul 23.59 WIB\" (WIB, WITA, WIT).\n");
}

static void
usage_command(const struct command *c)
{
	printf("Usage: gelombang [GLOBAL OPTIONS] %s\n\n%s\n", c->usage, c->help);
	if (c->allowed & O_DRYRUN)
		printf("\n--dry-run shows what would be done and changes nothing (it is\n"
		       "recorded in the history as DRY_RUN).\n");
	if (c->allowed & O_OPERATOR)
		printf("--operator NAME records who ran it (default: the OS user).\n");
}

static int
usage_error(const char *fmt, const char *arg)
{
	fputs("gelombang: error: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry \"gelombang --help\".\n", stderr);
	return EXIT_USAGE;
}

static int
parse_wave(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 9999 || !isdigit((unsigned char) s[0]))
		return usage_error("--wave: \"%s\" is not a wave number (1 to 9999)", s);
	*out = (int) v;
	return 0;
}

static int
parse_count(const char *opt, const char *s, long long *out)
{
	char *end;
	long long v;
	char msg[128];

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0 || !isdigit((unsigned char) s[0])) {
		snprintf(msg, sizeof(msg), "%s: \"%%s\" is not a whole number >= 0", opt);
		return usage_error(msg, s);
	}
	*out = v;
	return 0;
}

static int
parse_rate(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !isdigit((unsigned char) s[0]) || *out <= 0 || *out > 1e6)
		return usage_error("--rate: \"%s\" is not a number of messages a second", s);
	return 0;
}

static int
parse_port(const char *s, int *out)
{
	long long v;

	if (parse_count("--port", s, &v) != 0)
		return EXIT_USAGE;
	if (v < 1 || v > 65535)
		return usage_error("--port: \"%s\" is not a port (1 to 65535)", s);
	*out = (int) v;
	return 0;
}

static int
parse_time(const char *opt, const char *s, struct gb_timeopt *out)
{
	struct gb_time t;
	char err[128];

	if (tp_parse(s, &t, err, sizeof(err)) != 0) {
		fprintf(stderr, "gelombang: error: %s: \"%s\" is not a time: %s\n", opt, s, err);
		fputs("Try \"gelombang --help\".\n", stderr);
		return EXIT_USAGE;
	}
	out->text = s;
	tp_format_pg(&t, out->pg, sizeof(out->pg));
	return 0;
}

static int
parse_seed(const char *s, char *out)
{
	size_t i;

	if (strlen(s) != 64)
		return usage_error("--seed: expected 64 hexadecimal digits, got \"%s\"", s);
	for (i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char) s[i]))
			return usage_error("--seed: expected 64 hexadecimal digits, got \"%s\"", s);
		out[i] = (char) tolower((unsigned char) s[i]);
	}
	out[64] = '\0';
	return 0;
}

/* "wave", "quota", "outbox": the first word of two-word commands.  With
 * --help (or -h) the group's commands are listed (exit 0, -1 here);
 * otherwise the word that follows is not one of them (64).  Any other
 * word is an unknown command. */
static int
command_group(const char *word, const char *next)
{
	size_t i, len = strlen(word);
	bool help = next && (strcmp(next, "--help") == 0 || strcmp(next, "-h") == 0);
	FILE *f = help ? stdout : stderr;
	int n = 0;

	for (i = 0; i < N_COMMANDS; i++)
		if (strncmp(commands[i].name, word, len) == 0 && commands[i].name[len] == ' ')
			n++;
	if (n == 0)
		return usage_error("unknown command \"%s\"", word);
	if (!help) {
		if (next)
			fprintf(stderr, "gelombang: error: unknown command \"%s %s\"\n", word,
			        next);
		else
			fprintf(stderr, "gelombang: error: \"%s\" needs a subcommand\n", word);
	}
	fprintf(f, "The %s commands:\n", word);
	for (i = 0; i < N_COMMANDS; i++)
		if (strncmp(commands[i].name, word, len) == 0 && commands[i].name[len] == ' ')
			fprintf(f, "  gelombang %s\n", commands[i].usage);
	fprintf(f, "\"gelombang %s SUBCOMMAND --help\" explains one.\n", word);
	return help ? -1 : EXIT_USAGE;
}

/* --recover W[,W...]: wave numbers, as a PostgreSQL array literal "{W,...}" */
static int
parse_wave_list(const char *s, char *out, size_t len)
{
	const char *p = s;
	size_t n = 1;
	int w, r;

	out[0] = '{';
	for (;;) {
		const char *comma = strchr(p, ',');
		char one[16];
		size_t l = comma ? (size_t) (comma - p) : strlen(p);

		if (l == 0 || l >= sizeof(one))
			return usage_error(
			    "--recover: \"%s\" is not a list of wave numbers (e.g. 18,19)", s);
		memcpy(one, p, l);
		one[l] = '\0';
		if (strspn(one, "0123456789") != l)
			return usage_error(
			    "--recover: \"%s\" is not a list of wave numbers (e.g. 18,19)", s);
		if ((r = parse_wave(one, &w)) != 0)
			return r;
		r = snprintf(out + n, len - n, "%s%d", n > 1 ? "," : "", w);
		if (r < 0 || (size_t) r + 2 >= len - n)
			return usage_error("--recover: \"%s\" lists too many waves", s);
		n += (size_t) r;
		if (!comma)
			break;
		p = comma + 1;
	}
	out[n++] = '}';
	out[n] = '\0';
	return 0;
}

static const struct command *
find_command(int argc, char **argv, int *consumed)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++) {
		const char *name = commands[i].name;
		const char *sp = strchr(name, ' ');

		if (!sp) {
			if (strcmp(argv[0], name) == 0) {
				*consumed = 1;
				return &commands[i];
			}
		} else if (argc >= 2 && strncmp(argv[0], name, (size_t) (sp - name)) == 0 &&
		           argv[0][sp - name] == '\0' && strcmp(argv[1], sp + 1) == 0) {
			*consumed = 2;
			return &commands[i];
		}
	}
	return NULL;
}

static const struct option sub_options[] = {
    {"wave", required_argument, NULL, 'w'},
    {"opens", required_argument, NULL, 1001},
    {"closes", required_argument, NULL, 1002},
    {"announce", required_argument, NULL, 1003},
    {"quota", required_argument, NULL, 1004},
    {"seed", required_argument, NULL, 1005},
    {"nik", required_argument, NULL, 1006},
    {"dry-run", no_argument, NULL, 'n'},
    {"rejects", required_argument, NULL, 1007},
    {"format", required_argument, NULL, 1008},
    {"output", required_argument, NULL, 'o'},
    {"limit", required_argument, NULL, 1009},
    {"independent", required_argument, NULL, 1010},
    {"failed", no_argument, NULL, 1011},
    {"operator", required_argument, NULL, 1012},
    {"force", no_argument, NULL, 1013},
    {"reason", required_argument, NULL, 1015},
    {"defaults", no_argument, NULL, 1014},
    {"note", required_argument, NULL, 1016},
    {"revoke-at", required_argument, NULL, 1017},
    {"recover", required_argument, NULL, 1018},
    {"rate", required_argument, NULL, 1019},
    {"port", required_argument, NULL, 1020},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int
option_bit(int c)
{
	switch (c) {
	case 'w': return O_WAVE;
	case 1001: return O_OPENS;
	case 1002: return O_CLOSES;
	case 1003: return O_ANNOUNCE;
	case 1004: return O_QUOTA;
	case 1005: return O_SEED;
	case 1006: return O_NIK;
	case 'n': return O_DRYRUN;
	case 1007: return O_REJECTS;
	case 1008: return O_FORMAT;
	case 'o': return O_OUTPUT;
	case 1009: return O_LIMIT;
	case 1010: return O_INDEPENDENT;
	case 1011: return O_FAILED;
	case 1012: return O_OPERATOR;
	case 1013: return O_FORCE;
	case 1015: return O_REASON;
	case 1014: return O_DEFAULTS;
	case 1016: return O_NOTE;
	case 1017: return O_REVOKE_AT;
	case 1018: return O_RECOVER;
	case 1019: return O_RATE;
	case 1020: return O_PORT;
	}
	return 0;
}

static const char *
option_name(int bit)
{
	static const char *names[] = {
	    "--wave",     "FILE",          "--opens",     "--closes",   "--announce", "--quota",
	    "--seed",     "--nik",         "--dry-run",   "--rejects",  "--format",   "--output",
	    "--limit",    "--independent", "--failed",    "--operator", "--force",    "--reason",
	    "--defaults", "--note",        "--revoke-at", "--recover",  "--rate",     "--port"};
	int i;

	for (i = 0; i < (int) (sizeof(names) / sizeof(names[0])); i++)
		if (bit == (1 << i))
			return names[i];
	return "?";
}

/* whether NAME ("--now", "-q") is one of the global options */
static bool
is_global_option(const char *name)
{
	static const char *const globals[] = {"-c", "--config", "--db", "--now",
	                                      "-q", "--quiet",  "-v",   "--verbose",
	                                      "-V", "--version"};
	size_t i;

	for (i = 0; i < sizeof(globals) / sizeof(globals[0]); i++)
		if (strcmp(name, globals[i]) == 0)
			return true;
	return false;
}

/* Parse the subcommand's options into ctx->opt; 0, EXIT_USAGE, or -1 for
 * --help (already printed). */
static int
parse_command_options(struct gb_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	struct gb_opts *o = &ctx->opt;
	int c, seen = 0, rc = 0, bit;

	optind = 0; /* GNU: a full re-initialisation, permutation included */
	opterr = 0;
	/* no "+": options may follow FILE (import f.csv --wave 1) */
	/* ":": a missing value is told apart from an unknown option */
	while ((c = getopt_long(argc, argv, ":w:no:h", sub_options, NULL)) != -1) {
		if (c == 'h') {
			usage_command(cmd);
			return -1;
		}
		if (c == '?' || c == ':') {
			char name[64];
			const char *arg = argv[optind - 1];

			/* a long option by its name as given (optopt holds its
			 * internal code), a short one by its letter */
			if (strncmp(arg, "--", 2) == 0)
				snprintf(name, sizeof(name), "%.*s", (int) strcspn(arg, "="), arg);
			else
				snprintf(name, sizeof(name), "-%c", optopt ? optopt : '?');
			fprintf(stderr, "gelombang: error: %s: option \"%s\" %s\n", cmd->name, name,
			        c == ':' ? "needs a value" : "is unknown");
			if (c == '?' && is_global_option(name))
				fprintf(stderr,
				        "HINT:  Global options come before the subcommand: "
				        "gelombang %s%s %s ...\n",
				        name,
				        strcmp(name, "-c") == 0 || strcmp(name, "--config") == 0 ||
				                strcmp(name, "--db") == 0 ||
				                strcmp(name, "--now") == 0
				            ? " VALUE"
				            : "",
				        cmd->name);
			fprintf(stderr, "Usage: gelombang %s\n", cmd->usage);
			return EXIT_USAGE;
		}
		bit = option_bit(c);
		if (!(cmd->allowed & bit)) {
			fprintf(stderr, "gelombang: error: %s does not take %s\n", cmd->name,
			        option_name(bit));
			fprintf(stderr, "Usage: gelombang %s\n", cmd->usage);
			return EXIT_USAGE;
		}
		if ((seen & bit) && bit != O_DRYRUN && bit != O_FAILED) {
			fprintf(stderr, "gelombang: error: %s: %s given twice\n", cmd->name,
			        option_name(bit));
			return EXIT_USAGE;
		}
		seen |= bit;
		switch (c) {
		case 'w': rc = parse_wave(optarg, &o->wave); break;
		case 1001:
			rc = parse_time("--opens", optarg, &o->opens);
			o->has_opens = true;
			break;
		case 1002:
			rc = parse_time("--closes", optarg, &o->closes);
			o->has_closes = true;
			break;
		case 1003:
			rc = parse_time("--announce", optarg, &o->announce);
			o->has_announce = true;
			break;
		case 1004:
			rc = parse_count("--quota", optarg, &o->quota);
			o->has_quota = true;
			break;
		case 1005: rc = parse_seed(optarg, o->seed); break;
		case 1006:
			if (!nik_is_16_digits(optarg))
				rc = usage_error("--nik: \"%s\" is not a NIK (exactly 16 digits)",
				                 optarg);
			o->nik = optarg;
			break;
		case 'n': o->dry_run = true; break;
		case 1007: o->rejects = optarg; break;
		case 1008:
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "csv") != 0 &&
			    !(strcmp(optarg, "html") == 0 && strcmp(cmd->name, "report") == 0))
				rc = usage_error(
				    strcmp(cmd->name, "report") == 0
				        ? "--format: \"%s\" is not a format of report: text, csv or html"
				        : "--format: \"%s\" is not a format of this command: text or csv",
				    optarg);
			o->format = optarg;
			break;
		case 'o': o->output = optarg; break;
		case 1009:
			rc = parse_count("--limit", optarg, &o->limit);
			if (rc == 0 && o->limit == 0)
				rc = usage_error("--limit: \"%s\" must be at least 1", optarg);
			break;
		case 1010: o->independent = optarg; break;
		case 1011: o->failed = true; break;
		case 1012: ctx->operator= optarg; break;
		case 1013: o->force = true; break;
		case 1014: ctx->use_defaults = true; break;
		case 1015:
			if (optarg[strspn(optarg, " \t")] == '\0')
				rc = usage_error("--reason: \"%s\" says nothing: say why", optarg);
			o->reason = optarg;
			break;
		case 1016: o->note = optarg; break;
		case 1017:
			rc = parse_time("--revoke-at", optarg, &o->revoke_at);
			o->has_revoke_at = true;
			break;
		case 1018: rc = parse_wave_list(optarg, o->recover, sizeof(o->recover)); break;
		case 1019: rc = parse_rate(optarg, &o->rate); break;
		case 1020: rc = parse_port(optarg, &o->port); break;
		}
		if (rc)
			return rc;
	}
	if (optind < argc) {
		if (!(cmd->allowed & O_FILE) || argc - optind > 1) {
			fprintf(stderr, "gelombang: error: %s: unexpected argument \"%s\"\n",
			        cmd->name, argv[optind]);
			fprintf(stderr, "Usage: gelombang %s\n", cmd->usage);
			return EXIT_USAGE;
		}
		o->file = argv[optind];
		seen |= O_FILE;
	}
	if ((seen & cmd->required) != cmd->required) {
		int missing = cmd->required & ~seen;

		fprintf(stderr, "gelombang: error: %s needs %s\n", cmd->name,
		        option_name(missing & -missing));
		fprintf(stderr, "Usage: gelombang %s\n", cmd->usage);
		return EXIT_USAGE;
	}
	if (strcmp(cmd->name, "wave create") == 0 && !(seen & (O_QUOTA | O_RECOVER))) {
		fprintf(stderr, "gelombang: error: wave create needs --quota (or --recover)\n");
		fprintf(stderr, "Usage: gelombang %s\n", cmd->usage);
		return EXIT_USAGE;
	}
	if (o->file && strcmp(o->file, "-") == 0 && (cmd->allowed & O_REJECTS) && !o->rejects)
		return usage_error("%s: reading stdin needs --rejects PATH", cmd->name);
	return 0;
}

static char *
join_argv(int argc, char **argv)
{
	size_t len = 1;
	int i;
	char *s, *p;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) * 4 + 3;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool plain = *a != '\0' && strcspn(a, " \t\n'\"\\$`*?;&|<>()") == strlen(a);

		if (i)
			*p++ = ' ';
		if (plain) {
			p = stpcpy(p, a);
			continue;
		}
		*p++ = '\'';
		for (; *a; a++) {
			if (*a == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *a;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return s;
}

/* Every --db value of the command line (the option may be given more than
 * once, abbreviated, or as --db=VALUE): they may carry a password. */
static const char *db_args[8];
static int n_db_args;

static void
note_db_arg(const char *arg)
{
	if (n_db_args < (int) (sizeof(db_args) / sizeof(db_args[0])))
		db_args[n_db_args++] = arg;
}

/* The command line for the history, each --db value masked before the
 * argument is quoted (a value holding a quote is masked too).  NULL when
 * out of memory, or when a value cannot be masked: better no command line
 * than a password in the history. */
static char *
command_line_masked(int argc, char **argv)
{
	char **v = calloc((size_t) argc + 1, sizeof(*v));
	char **own = calloc((size_t) argc + 1, sizeof(*own));
	char *masked, *line = NULL;
	int i, j;
	bool ok = v && own;

	for (i = 0; ok && i < argc; i++) {
		v[i] = argv[i];
		for (j = 0; j < n_db_args; j++) {
			const char *d = db_args[j];
			size_t off;

			if (d < argv[i] || d > argv[i] + strlen(argv[i]))
				continue;
			off = (size_t) (d - argv[i]); /* "--db=VALUE": the value's offset */
			masked = cfg_mask_conninfo(d);
			if (!masked ||
			    asprintf(&own[i], "%.*s%s", (int) off, argv[i], masked) < 0) {
				own[i] = NULL;
				ok = false;
			}
			free(masked);
			v[i] = own[i];
			break;
		}
	}
	if (ok)
		line = join_argv(argc, v);
	for (i = 0; own && i < argc; i++)
		free(own[i]);
	free(own);
	free(v);
	return line;
}

static void
digest_hex(const char *text, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	out[0] = '\0';
	if (!text || !EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL))
		return;
	for (i = 0; i < len && i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static const char *
default_operator(void)
{
	const char *u = getenv("SUDO_USER");
	struct passwd *pw;

	if (u && *u)
		return u;
	pw = getpwuid(geteuid());
	if (pw && pw->pw_name)
		return pw->pw_name;
	u = getenv("USER");
	return u && *u ? u : "unknown";
}

/*
 * The whole command line into ctx (SPEC §2: checked before anything else):
 * the global options, the command, its options.  Returns 0 to go on, -1
 * when --help or --version has been printed, else the exit code (64) after
 * the message.  Never exits, so that a fuzzer can call it again and again
 * (set optind = 0 between calls).  *cmd is set when it returns 0.
 */
static int
parse_command_line(struct gb_ctx *ctx, int argc, char **argv, const struct command **cmd)
{
	static const struct option global_options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"db", required_argument, NULL, 1},
	    {"now", required_argument, NULL, 2},
	    {"operator", required_argument, NULL, 3},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c, rc, consumed = 0, level = LOG_INFO;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:qvhV", global_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctx->config_path = optarg;
			ctx->config_explicit = true;
			break;
		case 1:
			ctx->db_override = optarg;
			note_db_arg(optarg);
			break;
		case 2:
			if ((rc = parse_time("--now", optarg, &ctx->now)) != 0)
				return rc;
			ctx->has_now = true;
			break;
		case 3: ctx->operator= optarg; break;
		case 'q': level = LOG_ERROR; break;
		case 'v': level = LOG_DEBUG; break;
		case 'h': usage_global(stdout); return -1;
		case 'V': printf("gelombang %s\n", GELOMBANG_VERSION); return -1;
		default: {
			/* the name only: "--dbx=...password=..." must not be shown */
			char name[64];

			snprintf(name, sizeof(name), "%.*s", (int) strcspn(argv[optind - 1], "="),
			         argv[optind - 1]);
			return usage_error("unknown global option or missing value: \"%s\"", name);
		}
		}
	}
	log_set_level(level);
	if (optind >= argc) {
		usage_global(stderr);
		return EXIT_USAGE;
	}
	*cmd = find_command(argc - optind, argv + optind, &consumed);
	if (!*cmd)
		return command_group(argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL);
	ctx->command = (*cmd)->name;
	/* getopt_long wants argv[0] to be the program: point at the last word
	 * of the command */
	return parse_command_options(ctx, *cmd, argc - optind - consumed + 1,
	                             argv + optind + consumed - 1);
}

#ifndef GELOMBANG_NO_MAIN
int
main(int argc, char **argv)
{
	struct gb_ctx ctx;
	const struct command *cmd = NULL;
	char err[1024];
	int rc;

	memset(&ctx, 0, sizeof(ctx));

	rc = parse_command_line(&ctx, argc, argv, &cmd);
	if (rc != 0) {
		if (rc < 0)
			rc = EXIT_DONE;
		goto done;
	}
	if (!ctx.operator)
		ctx.operator= default_operator();
	ctx.command_line = command_line_masked(argc, argv);

	/* configuration */
	if (!ctx.config_path) {
		const char *env = getenv("GELOMBANG_CONFIG");

		if (env && *env) {
			ctx.config_path = env;
			ctx.config_explicit = true;
		} else
			ctx.config_path = "conf/gelombang.conf";
	}
	rc = cfg_load(ctx.config_path, ctx.config_explicit, &ctx.cfg, err, sizeof(err));
	if (rc == 0 && !ctx.cfg.path && !ctx.config_explicit) {
		/* where make install put it */
		cfg_free(&ctx.cfg);
		ctx.config_path = GELOMBANG_SYSCONFDIR "/gelombang.conf";
		rc = cfg_load(ctx.config_path, false, &ctx.cfg, err, sizeof(err));
	}
	if (rc != 0) {
		fprintf(stderr, "gelombang: error: %s\n", err);
		rc = EXIT_CONFIG;
		goto done;
	}
	if (ctx.cfg.path)
		log_debug("configuration: %s", ctx.cfg.path);
	else
		log_debug("configuration: built-in defaults (no conf/gelombang.conf, no %s)",
		          GELOMBANG_SYSCONFDIR "/gelombang.conf");
	ctx.rules_json = cfg_rules_json(&ctx.cfg);
	if (!ctx.rules_json) {
		log_error("out of memory");
		rc = EXIT_SOFTWARE;
		goto done;
	}
	digest_hex(ctx.rules_json, ctx.config_digest);
	progress_enable(ctx.cfg.progress);

	if (cmd->needs_db) {
		rc = db_connect(&ctx);
		if (rc != 0)
			goto done;
	}
	rc = cmd->run(&ctx);

done:
	db_disconnect(&ctx);
	cfg_free(&ctx.cfg);
	free(ctx.rules_json);
	free(ctx.command_line);
	fflush(stdout);
	if (ferror(stdout) && rc == EXIT_DONE) {
		fprintf(stderr, "gelombang: error: could not write to standard output\n");
		rc = EXIT_SOFTWARE;
	}
	return rc;
}
#endif
