/* SPDX-License-Identifier: MIT */
/* Test helper: build small BTF blobs record by record (host values, either byte order out). */
#ifndef IC_TEST_BTF_BUILDER_H
#define IC_TEST_BTF_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BB_MAXW 8192

struct bb {
	uint32_t w[BB_MAXW];
	unsigned nw;
	char s[8192];
	unsigned ns;
	unsigned nr;
};

static inline void bb_init(struct bb *b)
{
	memset(b, 0, sizeof(*b));
	b->ns = 1;
}

static inline uint32_t bb_str(struct bb *b, const char *s)
{
	uint32_t off = b->ns;
	size_t n = strlen(s) + 1;

	if (!*s)
		return 0;
	memcpy(b->s + b->ns, s, n);
	b->ns += (unsigned)n;
	return off;
}

static inline uint32_t bb_info(unsigned kind, uint32_t vlen, int kflag)
{
	return (uint32_t)kind << 24 | vlen | (kflag ? 1u << 31 : 0);
}

static inline unsigned bb_rec(struct bb *b, const char *name, uint32_t info, uint32_t sz)
{
	b->w[b->nw++] = bb_str(b, name);
	b->w[b->nw++] = info;
	b->w[b->nw++] = sz;
	return ++b->nr;
}

static inline void bb_word(struct bb *b, uint32_t v)
{
	b->w[b->nw++] = v;
}

static inline void bb_member(struct bb *b, const char *name, uint32_t type, uint32_t off)
{
	bb_word(b, bb_str(b, name));
	bb_word(b, type);
	bb_word(b, off);
}

static inline uint8_t *bb_build(const struct bb *b, size_t *len)
{
	uint32_t hdr[6] = { 0x0001eb9fu, 24, 0, 4 * b->nw, 4 * b->nw, b->ns };
	size_t n = 24 + 4 * (size_t)b->nw + b->ns;
	uint8_t *p = malloc(n);

	memcpy(p, hdr, 24); /* little-endian hosts (the test machines) */
	memcpy(p + 24, b->w, 4 * (size_t)b->nw);
	memcpy(p + 24 + 4 * (size_t)b->nw, b->s, b->ns);
	*len = n;
	return p;
}

#endif
