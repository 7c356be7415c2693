/* SPDX-License-Identifier: MIT */
/* Floor for compressed-format scans: decode every present byte through ic_image__read, no carvers. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "isfcarve/error.h"
#include "isfcarve/image.h"

#define CHUNK (8u << 20) /* = IC_SCAN_CHUNK: the scanner's unit of work */

/* The scanner's read (src/1-image/image_internal.h, library-internal; linked statically): decodes
 * whole units straight into buf, as the scan does, without the page cache's copies. */
int ic_image__read_stream(const struct ic_image *img, uint64_t phys, void *buf, size_t len);
/* The CLI's process-wide memory tuning (src/cli/memtune.c): the floor runs with it too, so the
 * comparison measures the carvers and the ISF, not the allocator. */
void cli_tune_memory(void);
void cli_populate_heap(void);

struct piece {
	uint64_t phys, len;
};

struct job {
	const struct ic_image *img;
	struct piece *p;
	size_t n;
	atomic_size_t next;
	atomic_int err;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	uint8_t *buf = malloc(CHUNK);
	size_t i;

	while (buf && (i = atomic_fetch_add(&j->next, 1)) < j->n) {
		int err = ic_image__read_stream(j->img, j->p[i].phys, buf, (size_t)j->p[i].len);

		if (err)
			atomic_store(&j->err, err);
	}
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	struct ic_ctx ctx = { 0 };
	struct ic_image *img;
	struct job j = { 0 };
	struct timespec a, b;
	pthread_t t[64];
	unsigned nt = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
	const struct ic_range *r;
	size_t cap = 0;
	double s;

	cli_tune_memory();
	cli_populate_heap();
	if (argc < 2 || nt < 1 || nt > 64) {
		fprintf(stderr, "usage: ic_decode_floor IMAGE [THREADS]\n");
		return 1;
	}
	if (ic_image__open(&ctx, argv[1], &img)) {
		fprintf(stderr, "%s: cannot open\n", argv[1]);
		return 2;
	}
	r = ic_image__ranges(img);
	for (size_t i = 0; i < ic_image__nranges(img); i++)
		for (uint64_t o = 0; o < r[i].len; o += CHUNK) {
			if (j.n == cap) {
				cap = cap ? cap * 2 : 256;
				j.p = realloc(j.p, cap * sizeof(*j.p));
				if (!j.p)
					return 4;
			}
			j.p[j.n].phys = r[i].phys + o;
			j.p[j.n].len = r[i].len - o < CHUNK ? r[i].len - o : CHUNK;
			j.n++;
		}
	j.img = img;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (unsigned i = 0; i < nt; i++)
		pthread_create(&t[i], NULL, worker, &j);
	for (unsigned i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%s: %s, %" PRIu64 " bytes decoded in %.3f s (%.0f MB/s), %u threads%s\n", argv[1],
	       ic_image__format(img), ic_image__bytes(img), s, (double)ic_image__bytes(img) / s / 1e6, nt,
	       atomic_load(&j.err) ? ", READ ERRORS" : "");
	free(j.p);
	ic_image__free(img);
	return atomic_load(&j.err) ? 3 : 0;
}
