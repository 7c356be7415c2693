/* SPDX-License-Identifier: MIT */
/* Output guard shared by the profile modes: never write the profile over an input or a non-file. */
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* Same inode as OUT? (stat both: a different spelling or a hard link is still the same file.) */
static int same_file(const char *out, const struct stat *os, const char *in, const char *what)
{
	struct stat is;

	if (!in || !strcmp(in, "-") || stat(in, &is))
		return 0;
	if (os->st_dev == is.st_dev && os->st_ino == is.st_ino) {
		cli_error("%s: output is the same file as the %s %s; refusing to overwrite an input", out,
			  what, in);
		return 1;
	}
	return 0;
}

int cli_check_output_target(const struct cli_opts *o)
{
	struct stat st;

	if (!o->output || !strcmp(o->output, "-") || stat(o->output, &st))
		return -1; /* stdout, or OUT does not exist yet: nothing to protect */
	/* A FIFO, device or socket: rename() would replace the node itself, a direct write would
	 * block or go elsewhere. Either way not a profile file; say so before any work is done. */
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		cli_error("%s: output exists and is not a regular file (device, FIFO or socket); refusing",
			  o->output);
		return EXIT_USAGE;
	}
	if (same_file(o->output, &st, o->image, "image") || same_file(o->output, &st, o->btf, "--btf") ||
	    same_file(o->output, &st, o->map, "--map") || same_file(o->output, &st, o->report, "--report"))
		return EXIT_USAGE;
	return -1;
}
