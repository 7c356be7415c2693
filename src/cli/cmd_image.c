/* SPDX-License-Identifier: MIT */
/* isfcarve IMAGE: raw-image profiling (placeholder until the image pipeline lands). */
#include "cli.h"

int cli_profile_image(const struct cli_opts *o)
{
	(void)o;
	cli_error("profiling a memory image is not available in this build");
	return EXIT_INTERNAL;
}
