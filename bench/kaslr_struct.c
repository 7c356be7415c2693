/* SPDX-License-Identifier: MIT */
/* ic_kaslr_struct: the KASLR solve by page-table structure alone, timed (docs/performance.md). */
/*
 *   ic_kaslr_struct IMAGE
 *
 * Opens IMAGE and solves KASLR with nothing but the page tables (`structure_only`: what an
 * image with no kallsyms and no VMCOREINFO leaves), then prints the result and the seconds the
 * solve took (the open, which indexes the format, is not counted). Exit 0 solved, 3 not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "isfcarve/image.h"
#include "isfcarve/kaslr.h"

static void print_msg(enum ic_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

int main(int argc, char **argv)
{
	/* IC_BENCH_DEBUG=1: the library's debug lines too (the page-table scan's counts) */
	const char *dbg = getenv("IC_BENCH_DEBUG");
	struct ic_ctx ctx = { .print = print_msg,
			      .level = dbg && *dbg == '1' ? IC_LOG_DEBUG : IC_LOG_WARN };
	struct ic_image *img = NULL;
	struct ic_kaslr *k = NULL;
	struct timespec a, b;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: ic_kaslr_struct IMAGE\n");
		return 1;
	}
	err = ic_image__open(&ctx, argv[1], &img);
	if (err) {
		fprintf(stderr, "%s: cannot open: %d\n", argv[1], err);
		return 2;
	}
	{
		struct ic_kaslr_input in = { .img = img, .structure_only = true };

		clock_gettime(CLOCK_MONOTONIC, &a);
		err = ic_kaslr__solve(&ctx, &in, &k);
		clock_gettime(CLOCK_MONOTONIC, &b);
	}
	printf("%s: %s, slide 0x%llx, %u levels, root 0x%llx, %.3f s\n", argv[1],
	       err ? "not solved" : "solved", k ? (unsigned long long)k->virtual_slide : 0ull,
	       k ? k->levels : 0u, k ? (unsigned long long)k->pgd_phys : 0ull,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	ic_kaslr__free(k);
	ic_image__free(img);
	return err ? 3 : 0;
}
