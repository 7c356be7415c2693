/* SPDX-License-Identifier: MIT */
/* Test helpers: build small LiME / ELF core / raw images in temporary files. */
#ifndef IC_TEST_IMG_BUILD_H
#define IC_TEST_IMG_BUILD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tb {
	uint8_t *p;
	size_t n, cap;
};

static inline void tb_put(struct tb *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = (b->n + n) * 2 + 64;
		uint8_t *p = realloc(b->p, cap);

		if (!p)
			abort();
		b->p = p;
		b->cap = cap;
	}
	if (d)
		memcpy(b->p + b->n, d, n);
	else
		memset(b->p + b->n, 0, n);
	b->n += n;
}

static inline void tb_le(struct tb *b, uint64_t v, unsigned bytes)
{
	uint8_t x[8];

	for (unsigned i = 0; i < bytes; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	tb_put(b, x, bytes);
}

static inline void tb_lime(struct tb *b, uint64_t s, const void *data, size_t n)
{
	tb_le(b, 0x4C694D45u, 4);
	tb_le(b, 1, 4);
	tb_le(b, s, 8);
	tb_le(b, s + n - 1, 8);
	tb_put(b, NULL, 8);
	tb_put(b, data, n);
}

struct tb_seg {
	uint32_t type;     /* 1 PT_LOAD, 4 PT_NOTE */
	uint64_t paddr;
	const void *data;
	size_t n;
	uint64_t memsz;    /* 0 = n */
	uint64_t offset;   /* 0 = next free */
};

/* ELF64 LE core with the given segments (data laid out after the program headers). */
static inline void tb_elf(struct tb *b, const struct tb_seg *s, unsigned nseg, int xnum)
{
	size_t start = b->n, dat;
	uint16_t phnum = xnum ? 0xffff : (uint16_t)nseg;
	uint64_t shoff = xnum ? 64 + 56ull * nseg : 0;

	tb_put(b, "\x7f" "ELF\x02\x01\x01", 7);
	tb_put(b, NULL, 9);
	tb_le(b, 4, 2);        /* ET_CORE */
	tb_le(b, 62, 2);       /* EM_X86_64 */
	tb_le(b, 1, 4);
	tb_le(b, 0, 8);
	tb_le(b, 64, 8);       /* phoff */
	tb_le(b, shoff, 8);
	tb_le(b, 0, 4);
	tb_le(b, 64, 2);
	tb_le(b, 56, 2);
	tb_le(b, phnum, 2);
	tb_le(b, 64, 2);
	tb_le(b, xnum ? 1 : 0, 2);
	tb_le(b, 0, 2);
	dat = 64 + 56 * nseg + (xnum ? 64 : 0);
	for (unsigned i = 0; i < nseg; i++) {
		tb_le(b, s[i].type, 4);
		tb_le(b, 0, 4);
		tb_le(b, s[i].offset ? s[i].offset : dat, 8);
		tb_le(b, s[i].paddr, 8);
		tb_le(b, s[i].paddr, 8);
		tb_le(b, s[i].n, 8);
		tb_le(b, s[i].memsz ? s[i].memsz : s[i].n, 8);
		tb_le(b, 0, 8);
		if (!s[i].offset)
			dat += s[i].n;
	}
	if (xnum) { /* section header 0: sh_info = real phnum */
		tb_put(b, NULL, 44);
		tb_le(b, nseg, 4);
		tb_put(b, NULL, 16);
	}
	for (unsigned i = 0; i < nseg; i++)
		if (!s[i].offset)
			tb_put(b, s[i].data, s[i].n);
	(void)start;
}

/* An ELF note: namesz, descsz, type, name (4-aligned), desc (4-aligned). */
static inline void tb_note(struct tb *b, const char *name, uint32_t type, const void *desc, size_t n)
{
	size_t nl = strlen(name) + 1;

	tb_le(b, nl, 4);
	tb_le(b, n, 4);
	tb_le(b, type, 4);
	tb_put(b, name, nl);
	tb_put(b, NULL, (4 - nl % 4) % 4);
	tb_put(b, desc, n);
	tb_put(b, NULL, (4 - n % 4) % 4);
}

/* Write to a new temp file; returns its path (static buffer per call site slot). */
static inline char *tb_file(const struct tb *b, const char *tag)
{
	const char *dir = getenv("IC_BUILD");
	char *path = malloc(4096);
	int fd;

	snprintf(path, 4096, "%s/ic_test_%s_XXXXXX", dir ? dir : "/tmp", tag);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, b->p, b->n) != (ssize_t)b->n)
		abort();
	close(fd);
	return path;
}

static inline void tb_rm(char *path)
{
	if (path)
		unlink(path);
	free(path);
}

#endif
