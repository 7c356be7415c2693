/* SPDX-License-Identifier: MIT */
/* Process-wide memory tuning of the CLI (and of the benchmark floor, for a fair comparison). */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "cli.h"

/*
 * Memory, tuned for the whole process (so here and not in the library: style, no globals).
 * A profile allocates and frees buffers of 1-30 MiB one after another (a BTF copy, name
 * tables, JSON runs) and touches 40-60 MiB of heap in all. glibc's defaults would hand each
 * big buffer back to the kernel on free() (mmap threshold, trim) and let every thread grow an
 * arena of its own, so the pages are faulted in one by one again and again. On a VM a first
 * touch costs ~15 us per page (measured here, Firecracker guest), while madvise(
 * MADV_POPULATE_WRITE) maps the same pages for ~1 us each. So: freed memory is kept for reuse,
 * all threads allocate from one arena, and for an image, whose mapping dwarfs these 64 MiB of
 * RSS anyway, that heap is populated once, up front, on a thread of its own while the main
 * thread opens the image (docs/performance.md: -0.03 to -0.05 s and -0.1 s of CPU on a 1 GiB
 * AVML; no effect on the output). Not for --btf/--map, which stays within its 64 MiB RSS.
 */
#define CLI_HEAP_POPULATE (64u << 20)
#define CLI_HEAP_BLOCK (16u << 20) /* under the mmap threshold: carved from the heap */

static void *populate_heap(void *arg)
{
	void *blk[CLI_HEAP_POPULATE / CLI_HEAP_BLOCK];
	size_t n = 0;

	(void)arg;
	for (; n < sizeof(blk) / sizeof(blk[0]) && (blk[n] = malloc(CLI_HEAP_BLOCK)); n++) {
#ifdef MADV_POPULATE_WRITE
		uintptr_t a = ((uintptr_t)blk[n] + 4095) & ~(uintptr_t)4095;

		/* best effort: kernels before 5.14 say EINVAL, and nothing changes */
		madvise((void *)a, CLI_HEAP_BLOCK - 4096, MADV_POPULATE_WRITE);
#endif
	}
	while (n)
		free(blk[--n]);
	return NULL;
}

void cli_tune_memory(void)
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20); /* glibc's ceiling for this knob on 64-bit */
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	mallopt(M_ARENA_MAX, 1);
}

void cli_populate_heap(void)
{
	pthread_t t;

	if (!pthread_create(&t, NULL, populate_heap, NULL))
		pthread_detach(t);
}
