/* SPDX-License-Identifier: MIT */
/* The floor for scan benchmarks: mmap a file and touch every byte (sum of 64-bit words). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat st;
	struct timespec a, b;
	const uint8_t *p;
	uint64_t sum = 0;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: ic_floor FILE\n");
		return 1;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || st.st_size <= 0) {
		perror(argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (size_t i = 0; i + 8 <= (size_t)st.st_size; i += 8) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		sum += v;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.3f s  %zu bytes  (checksum %llx)\n",
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
	       (size_t)st.st_size, (unsigned long long)sum);
	return 0;
}
