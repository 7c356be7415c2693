/* SPDX-License-Identifier: MIT */
/* isfcarve scan: show what the carvers find in an image (placeholder until the scan issue lands). */
#include "cli.h"

int cmd_scan(int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error("scan: not implemented yet");
	return EXIT_INTERNAL;
}
