/*
 * fuzz_options.c — libFuzzer target for the command line parser
 * (parse_command_line() in batch/main.c, included here without main()):
 * the input is argv, arguments separated by NUL bytes; any bytes, no
 * crash, no hang, no sanitizer report; the result is 0, -1 (--help,
 * --version) or 64, and a 0 leaves a command whose required options
 * were given.
 *
 *   make fuzz FUZZ_SECONDS=60      (corpus: tests/fuzz/corpus/options)
 */
#define GELOMBANG_NO_MAIN
#include "../../batch/main.c"

#include <stdint.h>

#define FUZZ_MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* usage and error messages are the parser's output, not the fuzzer's:
 * tests/fuzz/run passes -close_fd_mask=3 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[FUZZ_MAX_ARGS + 2];
	struct gb_ctx ctx;
	const struct command *cmd = NULL;
	size_t i, start = 0;
	int argc = 1, rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "gelombang";
	for (i = 0; i <= size && argc <= FUZZ_MAX_ARGS; i++) {
		if (buf[i] == '\0') {
			argv[argc++] = buf + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	memset(&ctx, 0, sizeof(ctx));
	n_db_args = 0;
	optind = 0; /* glibc: start afresh, forget the last argv */
	rc = parse_command_line(&ctx, argc, argv, &cmd);
	if (rc != 0 && rc != -1 && rc != EXIT_USAGE)
		abort();
	if (rc == 0 && (!cmd || (cmd->required & O_WAVE && ctx.opt.wave == 0)))
		abort();
	if (rc == 0) {
		/* the history's copy of the command line, --db masked */
		char *line = command_line_masked(argc, argv);

		free(line);
	}
	free(buf);
	return 0;
}
