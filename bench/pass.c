/* SPDX-License-Identifier: MIT */
/* ic_pass: one plain pass over a file on N threads, the floor isfcarve is held against. */
/*
 * The plain pass: the fastest way this machine lets a program look at every byte of a file
 * once, on N threads. isfcarve's timings are held against it (docs/performance.md).
 *
 *   ic_pass [-t THREADS] [-m MODE] FILE
 *
 * Each thread takes an equal contiguous share of the file (page-aligned) and sums its 64-bit
 * words, so the compiler vectorises the loop and the cost is the cost of bringing the bytes in.
 * MODE picks how they come in:
 *   mmap      a fresh MAP_PRIVATE mapping, read in place (what bench/floor.c does, on N threads)
 *   populate  the same with MAP_POPULATE (the page tables are filled in one call)
 *   advise    mmap + madvise(MADV_HUGEPAGE) + madvise(MADV_SEQUENTIAL), then read
 *   poprd     mmap + madvise(MADV_POPULATE_READ) per thread on its share (Linux 5.14+), then read
 *   read      pread() into one reused buffer per thread (IC_PASS_BUF bytes, default 256 KiB)
 *   all       every mode in turn, best of 3 each (for picking the fastest; not for timing)
 * The time printed covers open, mapping, the pass and the unmap; the process around it is what
 * the benchmark scripts time with GNU time, like isfcarve.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

enum mode { M_MMAP, M_POPULATE, M_ADVISE, M_POPRD, M_READ, M_NMODES };
static const char *const mode_name[M_NMODES] = { "mmap", "populate", "advise", "poprd", "read" };

struct share {
	int fd;
	enum mode mode;
	const uint8_t *map; /* mapping modes: the whole file */
	uint64_t off, len;
	size_t buf_len;
	uint64_t sum;
	int err;
};

static uint64_t sum_words(const uint8_t *p, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		s += v;
	}
	return s;
}

static void *run_share(void *arg)
{
	struct share *s = arg;

	if (s->mode == M_READ) {
		uint8_t *buf = aligned_alloc(4096, s->buf_len);
		uint64_t at = s->off, end = s->off + s->len;

		if (!buf) {
			s->err = ENOMEM;
			return NULL;
		}
		while (at < end) {
			size_t want = end - at < s->buf_len ? (size_t)(end - at) : s->buf_len;
			ssize_t n = pread(s->fd, buf, want, (off_t)at);

			if (n <= 0) {
				s->err = n < 0 ? errno : EIO;
				break;
			}
			s->sum += sum_words(buf, (size_t)n);
			at += (uint64_t)n;
		}
		free(buf);
		return NULL;
	}
	if (s->mode == M_POPRD && madvise((void *)(s->map + s->off), s->len, MADV_POPULATE_READ))
		s->err = errno;
	s->sum = sum_words(s->map + s->off, s->len);
	return NULL;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int one_pass(const char *path, enum mode mode, int threads, size_t buf_len, double *secs,
		    uint64_t *sum, uint64_t *bytes)
{
	struct share sh[64];
	pthread_t tid[64];
	struct stat st;
	uint8_t *map = NULL;
	uint64_t size, per, at = 0;
	double t0 = now();
	int fd, err = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || st.st_size <= 0) {
		perror(path);
		return 1;
	}
	size = (uint64_t)st.st_size;
	if (mode != M_READ) {
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE | (mode == M_POPULATE ? MAP_POPULATE : 0),
			   fd, 0);
		if (map == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		if (mode == M_ADVISE) {
			/* advice is best effort: a kernel without THP for files says EINVAL */
			(void)madvise(map, size, MADV_HUGEPAGE);
			(void)madvise(map, size, MADV_SEQUENTIAL);
		}
	}
	per = (size / (uint64_t)threads + 4095) & ~(uint64_t)4095;
	for (int i = 0; i < threads; i++) {
		uint64_t len = at >= size ? 0 : (size - at < per ? size - at : per);

		sh[i] = (struct share){ .fd = fd, .mode = mode, .map = map, .off = at, .len = len,
					.buf_len = buf_len };
		at += len;
		if (i && pthread_create(&tid[i], NULL, run_share, &sh[i])) {
			fprintf(stderr, "ic_pass: cannot start a thread\n");
			return 1;
		}
	}
	run_share(&sh[0]);
	for (int i = 1; i < threads; i++)
		pthread_join(tid[i], NULL);
	*sum = 0;
	for (int i = 0; i < threads; i++) {
		*sum += sh[i].sum;
		if (sh[i].err)
			err = sh[i].err;
	}
	if (map)
		munmap(map, size);
	close(fd);
	*secs = now() - t0;
	*bytes = size;
	if (err) {
		fprintf(stderr, "ic_pass: %s: %s: %s\n", path, mode_name[mode], strerror(err));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode_arg = "read", *env = getenv("IC_PASS_BUF");
	size_t buf_len = env ? strtoull(env, NULL, 0) : 256 * 1024;
	int threads = 2, opt;
	uint64_t sum, bytes;
	double secs;

	while ((opt = getopt(argc, argv, "t:m:")) != -1) {
		if (opt == 't')
			threads = atoi(optarg);
		else if (opt == 'm')
			mode_arg = optarg;
		else
			goto usage;
	}
	if (optind != argc - 1 || threads < 1 || threads > 64 || buf_len < 4096 ||
	    buf_len % 4096)
		goto usage;
	if (!strcmp(mode_arg, "all")) {
		for (int m = 0; m < M_NMODES; m++) {
			double best = 1e9;

			for (int r = 0; r < 3; r++) {
				if (one_pass(argv[optind], (enum mode)m, threads, buf_len, &secs, &sum,
					     &bytes))
					return 1;
				if (secs < best)
					best = secs;
			}
			printf("%-9s %.3f s  %.2f GiB/s  (%d threads, checksum %llx)\n",
			       mode_name[m], best, (double)bytes / best / 1073741824.0, threads,
			       (unsigned long long)sum);
		}
		return 0;
	}
	for (int m = 0; m < M_NMODES; m++) {
		if (strcmp(mode_arg, mode_name[m]))
			continue;
		if (one_pass(argv[optind], (enum mode)m, threads, buf_len, &secs, &sum, &bytes))
			return 1;
		printf("%.3f s  %llu bytes  %s, %d threads  (checksum %llx)\n", secs,
		       (unsigned long long)bytes, mode_name[m], threads, (unsigned long long)sum);
		return 0;
	}
usage:
	fprintf(stderr, "usage: ic_pass [-t THREADS] [-m mmap|populate|advise|poprd|read|all] FILE\n");
	return 1;
}
