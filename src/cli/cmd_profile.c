/* SPDX-License-Identifier: MIT */
/* isfcarve [profile]: write an ISF (placeholder until the foundation issue lands). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_profile(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--version")) {
			printf("isfcarve %s\n", ic_version());
			return EXIT_OK;
		}
	cli_error("profile: not implemented yet");
	return EXIT_INTERNAL;
}
