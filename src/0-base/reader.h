/* SPDX-License-Identifier: MIT */
/* Bounds-checked little/big-endian cursor over untrusted bytes. Every parser reads through it. */
#ifndef ISFCARVE_READER_H
#define ISFCARVE_READER_H

#include <stdint.h>
#include <string.h>

#include "isfcarve/error.h"

/*
 * A read that does not fit sets a sticky err (-IC_ETRUNC) and returns 0; later reads keep
 * failing, so a run of reads can be checked once at the end. off never moves past len.
 */
struct ic_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;
};

static inline struct ic_rd ic_rd_init(const void *p, size_t len)
{
	struct ic_rd r = { (const uint8_t *)p, len, 0, 0 };
	return r;
}

static inline int ic_rd_need(struct ic_rd *r, size_t n)
{
	if (r->err)
		return r->err;
	if (r->off > r->len || n > r->len - r->off)
		return r->err = -IC_ETRUNC;
	return 0;
}

static inline size_t ic_rd_left(const struct ic_rd *r)
{
	return r->off <= r->len ? r->len - r->off : 0;
}

/* Move to an absolute offset (<= len). */
static inline int ic_rd_seek(struct ic_rd *r, size_t off)
{
	if (r->err)
		return r->err;
	if (off > r->len)
		return r->err = -IC_ETRUNC;
	r->off = off;
	return 0;
}

static inline int ic_rd_skip(struct ic_rd *r, size_t n)
{
	if (ic_rd_need(r, n))
		return r->err;
	r->off += n;
	return 0;
}

/* Pointer to the next n bytes (and advance), or NULL. */
static inline const uint8_t *ic_rd_bytes(struct ic_rd *r, size_t n)
{
	const uint8_t *p;

	if (ic_rd_need(r, n))
		return NULL;
	p = r->p + r->off;
	r->off += n;
	return p;
}

static inline uint8_t ic_rd_u8(struct ic_rd *r)
{
	if (ic_rd_need(r, 1))
		return 0;
	return r->p[r->off++];
}

static inline uint16_t ic_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t ic_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t ic_get_le64(const uint8_t *p)
{
	return (uint64_t)ic_get_le32(p) | (uint64_t)ic_get_le32(p + 4) << 32;
}
static inline uint16_t ic_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[1] | (uint16_t)p[0] << 8);
}
static inline uint32_t ic_get_be32(const uint8_t *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}
static inline uint64_t ic_get_be64(const uint8_t *p)
{
	return (uint64_t)ic_get_be32(p + 4) | (uint64_t)ic_get_be32(p) << 32;
}

#define IC_RD_INT(name, type, n, get)                \
	static inline type ic_rd_##name(struct ic_rd *r) \
	{                                                \
		type v;                                  \
		if (ic_rd_need(r, n))                    \
			return 0;                        \
		v = get(r->p + r->off);                  \
		r->off += n;                             \
		return v;                                \
	}
IC_RD_INT(le16, uint16_t, 2, ic_get_le16)
IC_RD_INT(le32, uint32_t, 4, ic_get_le32)
IC_RD_INT(le64, uint64_t, 8, ic_get_le64)
IC_RD_INT(be16, uint16_t, 2, ic_get_be16)
IC_RD_INT(be32, uint32_t, 4, ic_get_be32)
IC_RD_INT(be64, uint64_t, 8, ic_get_be64)
#undef IC_RD_INT

/* Is [off, off+len) inside a buffer of size total? (no overflow) */
static inline int ic_in_bounds(uint64_t off, uint64_t len, uint64_t total)
{
	return off <= total && len <= total - off;
}

#endif
