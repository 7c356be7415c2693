/* SPDX-License-Identifier: MIT */
/* isfcarve command line: shared declarations of the subcommands. */
#ifndef ISFCARVE_CLI_H
#define ISFCARVE_CLI_H

#include <stdbool.h>

#include "isfcarve/isfcarve.h"

/* Documented exit codes (docs/cli.md). main() never returns anything else. */
enum cli_exit {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_INPUT = 2,      /* input unreadable, unsupported or invalid */
	EXIT_INCOMPLETE = 3, /* profile written (--allow-partial) but something is missing */
	EXIT_INTERNAL = 4,
};

/* Options common to every subcommand. */
struct cli_common {
	int verbose; /* -v count */
	bool quiet;  /* -q */
};

/* Map a library error to an exit code. */
int cli_exit_for(int err);
/* Library message printer: "isfcarve: warning: ..." on stderr, honouring -v/-q. */
void cli_print(enum ic_log_level lvl, const char *msg, void *arg);
/* Fill a context from the common options. */
void cli_ctx_init(struct ic_ctx *ctx, const struct cli_common *c);
/* "isfcarve: error: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Subcommands: argv[0] is the subcommand name (or "isfcarve" for the default profile mode). */
int cmd_profile(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_index(int argc, char **argv);

#endif
