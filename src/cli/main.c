/* SPDX-License-Identifier: MIT */
/* isfcarve entry point: subcommand dispatch, shared helpers for exit codes and messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_exit_for(int err)
{
	if (!err)
		return EXIT_OK;
	if (err < 0)
		err = -err;
	switch (err) {
	case IC_EFORMAT: case IC_ETRUNC: case IC_ENOTFOUND: case IC_ELIMIT: case IC_EUNSUPP:
	case IC_EPLACEHOLDER: case IC_EAMBIGUOUS:
	case ENOENT: case EACCES: case EISDIR: case EPROTO: case EPERM: case ENOTDIR:
		return EXIT_INPUT;
	case IC_EINCOMPLETE:
		return EXIT_INCOMPLETE;
	default:
		return EXIT_INTERNAL;
	}
}

void cli_print(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "isfcarve: %s%s\n",
		lvl == IC_LOG_WARN ? "warning: " : lvl == IC_LOG_DEBUG ? "debug: " : "", msg);
}

void cli_ctx_init(struct ic_ctx *ctx, const struct cli_common *c)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->print = cli_print;
	ctx->level = c->quiet ? IC_LOG_WARN : c->verbose >= 2 ? IC_LOG_DEBUG
					  : c->verbose == 1 ? IC_LOG_INFO : IC_LOG_WARN;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("isfcarve: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} cmds[] = {
	{ "scan", cmd_scan },
	{ "profile", cmd_profile },
	{ "batch", cmd_batch },
	{ "index", cmd_index },
};

int main(int argc, char **argv)
{
	if (argc > 1)
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 1, argv + 1);
	/* No subcommand: profile mode (image, --btf/--map, or live). */
	return cmd_profile(argc, argv);
}
