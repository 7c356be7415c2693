/* SPDX-License-Identifier: MIT */
/* AVML v2 compressed images: per-block snappy framed streams, decoded chunk by chunk on demand. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "image_internal.h"
#include "pagecache.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"

/*
 * An AVML v2 file [microsoft/avml src/1-image.rs, src/io/snappy.rs] is a sequence of blocks:
 *
 *   +0  u32 magic 0x4c4d5641 ("AVML") | u32 version 2 | u64 start | u64 end (inclusive) | u64 0
 *   +32 snappy framed stream of the end-start+1 bytes at physical start (a fresh stream per
 *       block, so it begins with the stream identifier chunk ff 06 00 00 "sNaPpY")
 *   ... u64 length of that framed stream (the compressed length)
 *
 * avml cuts each RAM range into blocks of at most 16 MiB and skips blocks that are all zero, so
 * a skipped block is a hole (absent), like any gap between ranges.
 *
 * Snappy framing (google/snappy framing_format.txt): chunks {u8 type; u24 LE length; body}.
 * type 0x00 = compressed (u32 masked CRC-32C of the uncompressed data + raw snappy),
 * 0x01 = uncompressed (CRC + data), 0xff = stream identifier, 0x80-0xfe skippable,
 * 0x02-0x7f reserved (unskippable: an error). Uncompressed data per chunk <= 65536 bytes.
 *
 * Each block becomes one range whose img->file_off is the offset of the block header; blocks
 * are stored in file order, so a range finds its block by binary search on that offset. Every data chunk is indexed at open (16 bytes
 * each), so a read finds its chunk by binary search and decodes only that chunk.
 */

#define AVML_MAGIC 0x4c4d5641u
#define AVML_VERSION 2u
#define AVML_HDR 32u

struct av_chunk {
	uint64_t foff;     /* file offset of the chunk body (CRC first) */
	uint32_t ustart;   /* uncompressed offset inside the block */
	uint32_t len_type; /* body length << 1 | 1 when snappy-compressed */
};

struct av_block {
	uint64_t foff;  /* file offset of its header (= img->file_off of its range) */
	uint64_t first; /* index of its first chunk */
	uint32_t nchunks;
	uint32_t len;   /* uncompressed bytes */
};

struct avml {
	struct av_chunk *chunks;
	size_t nchunks, ccap;
	struct av_block *blocks;
	size_t nblocks, bcap;
	struct ic_pagecache *cache;
};

/* CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), table for one byte at a time. */
static const uint32_t crc32c_table[256] = {
	0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u, 0xc79a971fu, 0x35f1141cu,
	0x26a1e7e8u, 0xd4ca64ebu, 0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu,
	0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u, 0x105ec76fu, 0xe235446cu,
	0xf165b798u, 0x030e349bu, 0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
	0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u, 0x5d1d08bfu, 0xaf768bbcu,
	0xbc267848u, 0x4e4dfb4bu, 0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au,
	0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u, 0xaa64d611u, 0x580f5512u,
	0x4b5fa6e6u, 0xb93425e5u, 0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
	0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u, 0xf779deaeu, 0x05125dadu,
	0x1642ae59u, 0xe4292d5au, 0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au,
	0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u, 0x417b1dbcu, 0xb3109ebfu,
	0xa0406d4bu, 0x522bee48u, 0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
	0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u, 0x0c38d26cu, 0xfe53516fu,
	0xed03a29bu, 0x1f682198u, 0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u,
	0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u, 0xdbfc821cu, 0x2997011fu,
	0x3ac7f2ebu, 0xc8ac71e8u, 0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
	0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u, 0xa65c047du, 0x5437877eu,
	0x4767748au, 0xb50cf789u, 0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u,
	0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u, 0x7198540du, 0x83f3d70eu,
	0x90a324fau, 0x62c8a7f9u, 0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
	0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u, 0x3cdb9bddu, 0xceb018deu,
	0xdde0eb2au, 0x2f8b6829u, 0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu,
	0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u, 0x082f63b7u, 0xfa44e0b4u,
	0xe9141340u, 0x1b7f9043u, 0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
	0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u, 0x55326b08u, 0xa759e80bu,
	0xb4091bffu, 0x466298fcu, 0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu,
	0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u, 0xa24bb5a6u, 0x502036a5u,
	0x4370c551u, 0xb11b4652u, 0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
	0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du, 0xef087a76u, 0x1d63f975u,
	0x0e330a81u, 0xfc588982u, 0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du,
	0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u, 0x38cc2a06u, 0xcaa7a905u,
	0xd9f75af1u, 0x2b9cd9f2u, 0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
	0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u, 0x0417b1dbu, 0xf67c32d8u,
	0xe52cc12cu, 0x1747422fu, 0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu,
	0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u, 0xd3d3e1abu, 0x21b862a8u,
	0x32e8915cu, 0xc083125fu, 0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
	0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u, 0x9e902e7bu, 0x6cfbad78u,
	0x7fab5e8cu, 0x8dc0dd8fu, 0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu,
	0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u, 0x69e9f0d5u, 0x9b8273d6u,
	0x88d28022u, 0x7ab90321u, 0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
	0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u, 0x34f4f86au, 0xc69f7b69u,
	0xd5cf889du, 0x27a40b9eu, 0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu,
	0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u,
};

#if defined(__x86_64__)
/* SSE4.2 crc32 instruction: same polynomial, ~10x the table's speed. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t c, const uint8_t *p, size_t n)
{
	uint64_t c64 = c;

	for (; n >= 8; p += 8, n -= 8)
		c64 = __builtin_ia32_crc32di(c64, ic_get_le64(p));
	c = (uint32_t)c64;
	for (; n; p++, n--)
		c = __builtin_ia32_crc32qi(c, *p);
	return c;
}
#endif

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return crc32c_hw(c, p, n) ^ 0xffffffffu;
#endif
	while (n--)
		c = crc32c_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* Snappy framing stores the CRC masked so that CRCs of data containing CRCs stay useful. */
static uint32_t masked_crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = crc32c(p, n);

	return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

/* The uncompressed length that prefixes a raw snappy block (varint, at most 32 bits). */
static int snappy_ulen(const uint8_t *p, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 5 && i < n; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (v > UINT32_MAX)
				return -IC_EFORMAT;
			*out = (uint32_t)v;
			return 0;
		}
	}
	return -IC_EFORMAT;
}

static int av_add_chunk(struct avml *av, uint64_t foff, uint32_t ustart, uint32_t blen, bool comp)
{
	if (av->nchunks >= IC_MAX_AVML_CHUNKS)
		return -IC_ELIMIT;
	if (av->nchunks == av->ccap) {
		size_t cap = av->ccap ? av->ccap * 2 : 1024;
		struct av_chunk *n = ic_reallocarray(av->chunks, cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		av->chunks = n;
		av->ccap = cap;
	}
	av->chunks[av->nchunks].foff = foff;
	av->chunks[av->nchunks].ustart = ustart;
	av->chunks[av->nchunks].len_type = blen << 1 | (comp ? 1u : 0u);
	av->nchunks++;
	return 0;
}

/*
 * Walk one block's framed stream from rd's position until it has yielded want uncompressed
 * bytes; index its data chunks. The compressed length is only known from the trailer after the
 * stream, so the walk is driven by the uncompressed size from the header, and the trailer must
 * then agree with where the walk ended.
 */
static int av_walk_block(const struct ic_ctx *ctx, const struct ic_image *img, struct avml *av,
			 struct ic_rd *rd, uint64_t blk_at, uint32_t want)
{
	size_t start = rd->off;
	uint32_t got = 0;
	bool seen_id = false;
	uint64_t trailer;
	int err;

	while (got < want) {
		size_t at = rd->off;
		uint8_t type = ic_rd_u8(rd);
		const uint8_t *b;
		uint32_t blen, ulen = 0;

		blen = ic_rd_u8(rd);
		blen |= (uint32_t)ic_rd_u8(rd) << 8;
		blen |= (uint32_t)ic_rd_u8(rd) << 16;
		b = ic_rd_bytes(rd, blen);
		if (!b) {
			pr_warn(ctx, "%s: avml: block at offset 0x%" PRIx64 ": snappy chunk at offset 0x%zx runs"
				" past the end of the file", img->path, blk_at, at);
			return -IC_ETRUNC;
		}
		if (!seen_id && type != 0xff) {
			pr_warn(ctx, "%s: avml: block at offset 0x%" PRIx64 ": snappy stream at offset 0x%zx does"
				" not start with a stream identifier", img->path, blk_at, at);
			return -IC_EFORMAT;
		}
		if (type == 0xff) {
			if (blen != 6 || memcmp(b, "sNaPpY", 6)) {
				pr_warn(ctx, "%s: avml: bad snappy stream identifier at offset 0x%zx",
					img->path, at);
				return -IC_EFORMAT;
			}
			seen_id = true;
			continue;
		}
		if (type >= 0x80)
			continue; /* padding / skippable */
		if (type > 0x01) {
			pr_warn(ctx, "%s: avml: reserved unskippable snappy chunk type 0x%02x at offset"
				" 0x%zx", img->path, type, at);
			return -IC_EFORMAT;
		}
		if (blen < 4 || (type == 0x00 && snappy_ulen(b + 4, blen - 4, &ulen)))
			ulen = UINT32_MAX; /* reported below */
		else if (type == 0x01)
			ulen = blen - 4;
		if (ulen == 0 || ulen > IC_SNAPPY_FRAME_MAX || ulen > want - got) {
			pr_warn(ctx, "%s: avml: block at offset 0x%" PRIx64 ": snappy chunk at offset 0x%zx: bad"
				" uncompressed length (chunk length %" PRIu32 ", %" PRIu32 " of %" PRIu32
				" bytes decoded so far)", img->path, blk_at, at, blen, got, want);
			return -IC_EFORMAT;
		}
		err = av_add_chunk(av, (uint64_t)at + 4, got, blen, type == 0x00);
		if (err) {
			if (err == -IC_ELIMIT)
				pr_warn(ctx, "%s: avml: more than IC_MAX_AVML_CHUNKS (%u) snappy chunks",
					img->path, IC_MAX_AVML_CHUNKS);
			return err;
		}
		got += ulen;
	}
	trailer = ic_rd_le64(rd);
	if (rd->err) {
		pr_warn(ctx, "%s: avml: block at offset 0x%" PRIx64 ": compressed-length trailer at offset 0x%zx"
			" is truncated", img->path, blk_at, rd->off);
		return -IC_ETRUNC;
	}
	if (trailer != rd->off - 8 - start) {
		pr_warn(ctx, "%s: avml: block at offset 0x%" PRIx64 ": trailer at offset 0x%zx says %" PRIu64
			" compressed bytes, the stream has %zu", img->path, blk_at, rd->off - 8, trailer,
			rd->off - 8 - start);
		return -IC_EFORMAT;
	}
	return 0;
}

static int avml_parse(const struct ic_ctx *ctx, struct ic_image *img, struct avml *av)
{
	struct ic_rd rd = ic_rd_init(img->map, (size_t)img->size);
	int err;

	while (ic_rd_left(&rd)) {
		size_t at = rd.off;
		uint32_t magic = ic_rd_le32(&rd), version = ic_rd_le32(&rd);
		uint64_t start = ic_rd_le64(&rd), end = ic_rd_le64(&rd), pad = ic_rd_le64(&rd), len;
		struct av_block *b;

		if (rd.err) {
			pr_warn(ctx, "%s: avml: block header at offset 0x%zx is truncated", img->path, at);
			return -IC_ETRUNC;
		}
		if (magic != AVML_MAGIC || version != AVML_VERSION) {
			pr_warn(ctx, "%s: avml: offset 0x%zx: magic 0x%08" PRIx32 " version %" PRIu32
				" is not an AVML v2 block header", img->path, at, magic, version);
			return -IC_EFORMAT;
		}
		if (pad) {
			/* avml's own reader (Header::read) rejects this too */
			pr_warn(ctx, "%s: avml: block header at offset 0x%zx: non-zero padding 0x%" PRIx64,
				img->path, at, pad);
			return -IC_EFORMAT;
		}
		if (end < start || end - start >= IC_MAX_AVML_BLOCK) {
			pr_warn(ctx, "%s: avml: block at offset 0x%zx: range 0x%" PRIx64 "-0x%" PRIx64
				" is inverted or larger than IC_MAX_AVML_BLOCK", img->path, at, start, end);
			return end < start ? -IC_EFORMAT : -IC_ELIMIT;
		}
		len = end - start + 1;
		if (av->nblocks == av->bcap) {
			size_t cap = av->bcap ? av->bcap * 2 : 64;
			struct av_block *n = ic_reallocarray(av->blocks, cap, sizeof(*n));

			if (!n)
				return -ENOMEM;
			av->blocks = n;
			av->bcap = cap;
		}
		b = &av->blocks[av->nblocks];
		b->foff = at;
		b->first = av->nchunks;
		b->len = (uint32_t)len;
		err = av_walk_block(ctx, img, av, &rd, at, (uint32_t)len);
		if (err)
			return err;
		b->nchunks = (uint32_t)(av->nchunks - b->first);
		err = ic_image_add_range(img, start, len, at);
		if (err)
			return err;
		av->nblocks++;
	}
	return 0;
}

/* Decode chunk ci into out (its full uncompressed length) and check its CRC. */
static int av_decode(const struct ic_image *img, const struct avml *av, size_t ci, uint32_t ulen,
		     uint8_t *out)
{
	const struct av_chunk *c = &av->chunks[ci];
	uint32_t blen = c->len_type >> 1;
	const uint8_t *body = img->map + c->foff; /* inside the file: checked at open */
	int err;

	err = ic_codec_decode(c->len_type & 1 ? IC_CODEC_SNAPPY : IC_CODEC_NONE, body + 4, blen - 4,
			      out, ulen);
	if (err) {
		pr_warn(img->ctx, "%s: avml: snappy chunk at offset 0x%" PRIx64 " does not decode to %"
			PRIu32 " bytes%s", img->path, c->foff - 4, ulen,
			err == -IC_EUNSUPP ? " (this build has no snappy: install libsnappy-dev)" : "");
		return err;
	}
	if (masked_crc32c(out, ulen) != ic_get_le32(body)) {
		pr_warn(img->ctx, "%s: avml: snappy chunk at offset 0x%" PRIx64 ": CRC-32C mismatch",
			img->path, c->foff - 4);
		return -IC_EFORMAT;
	}
	return 0;
}

static uint32_t av_ulen(const struct avml *av, const struct av_block *b, size_t ci)
{
	uint32_t next = ci + 1 < b->first + b->nchunks ? av->chunks[ci + 1].ustart : b->len;

	return next - av->chunks[ci].ustart;
}

struct av_fill {
	const struct ic_image *img;
	const struct avml *av;
	uint32_t ulen;
};

static int av_fill_fn(void *arg, uint64_t ci, uint8_t *buf)
{
	const struct av_fill *f = arg;

	return av_decode(f->img, f->av, (size_t)ci, f->ulen, buf);
}

/* The block of range ri and the chunk holding byte off of it. */
static const struct av_block *av_find(const struct ic_image *img, const struct avml *av, size_t ri,
				      uint64_t off, size_t *ci)
{
	const struct av_block *b;
	size_t lo = 0, hi = av->nblocks;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (av->blocks[mid].foff <= img->file_off[ri])
			lo = mid;
		else
			hi = mid;
	}
	b = &av->blocks[lo];
	lo = b->first;
	hi = b->first + b->nchunks;

	/* last chunk starting at or before off */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (av->chunks[mid].ustart <= off)
			lo = mid;
		else
			hi = mid;
	}
	*ci = lo;
	return b;
}

/* Whole chunks are decoded straight into buf, not cached: the scanner's pass and large reads
 * (a 4-6 MiB BTF blob) would only evict what is read piecemeal (page tables, kallsyms). */
static int avml_read(const struct ic_image *img, size_t ri, uint64_t off, void *buf, size_t len)
{
	const struct avml *av = img->priv;
	size_t ci0;
	const struct av_block *b = av_find(img, av, ri, off, &ci0);
	uint8_t *dst = buf;

	for (size_t ci = ci0; len; ci++) {
		uint32_t ulen = av_ulen(av, b, ci);
		size_t in = (size_t)(off - av->chunks[ci].ustart), take = ulen - in;
		int err;

		if (take > len)
			take = len;
		if (!in && take == ulen) {
			/* Unless cached: the previous scan piece's lookahead tail read this chunk's
			 * first bytes through the cache. */
			err = ic_pagecache_peek(av->cache, ci, 0, dst, take);
			if (err == -ENOENT)
				err = av_decode(img, av, ci, ulen, dst);
		} else {
			struct av_fill f = { img, av, ulen };

			err = ic_pagecache_read(av->cache, ci, in, dst, take, av_fill_fn, &f);
		}
		if (err)
			return err;
		dst += take;
		off += take;
		len -= take;
	}
	return 0;
}

/* The range holding phys, or -1. */
static ptrdiff_t av_range(const struct ic_image *img, uint64_t phys)
{
	size_t lo = 0, hi = img->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (phys < img->ranges[mid].phys)
			hi = mid;
		else if (phys - img->ranges[mid].phys >= img->ranges[mid].len)
			lo = mid + 1;
		else
			return (ptrdiff_t)mid;
	}
	return -1;
}

/* Equal bytes shown without decoding: chunk for chunk at the same offset in chunks of the same
 * uncompressed length, with the same type and byte-identical stored bodies (CRC included). */
static int avml_same(const struct ic_image *img, uint64_t a, uint64_t b, uint64_t len)
{
	const struct avml *av = img->priv;

	while (len) {
		ptrdiff_t ra = av_range(img, a), rb = av_range(img, b);
		const struct av_block *ba, *bb;
		size_t ca, cb;
		uint64_t ina, inb, take;
		uint32_t ula, ulb, blen;

		if (ra < 0 || rb < 0)
			return 0;
		ba = av_find(img, av, (size_t)ra, a - img->ranges[ra].phys, &ca);
		bb = av_find(img, av, (size_t)rb, b - img->ranges[rb].phys, &cb);
		ina = a - img->ranges[ra].phys - av->chunks[ca].ustart;
		inb = b - img->ranges[rb].phys - av->chunks[cb].ustart;
		ula = av_ulen(av, ba, ca);
		ulb = av_ulen(av, bb, cb);
		blen = av->chunks[ca].len_type >> 1;
		if (ina != inb || ula != ulb || av->chunks[ca].len_type != av->chunks[cb].len_type)
			return 0;
		/* bodies are inside the file: checked at open */
		if (av->chunks[ca].foff != av->chunks[cb].foff &&
		    memcmp(img->map + av->chunks[ca].foff, img->map + av->chunks[cb].foff, blen))
			return 0;
		take = ula - ina < len ? ula - ina : len;
		a += take;
		b += take;
		len -= take;
	}
	return 1;
}

static void avml_free(struct ic_image *img)
{
	struct avml *av = img->priv;

	if (!av)
		return;
	ic_pagecache_free(av->cache);
	free(av->chunks);
	free(av->blocks);
	free(av);
}

static int avml_probe(const struct ic_ctx *ctx, struct ic_image *img)
{
	struct avml *av;
	int err;

	if (img->size < 8 || ic_get_le32(img->map) != AVML_MAGIC) {
		pr_debug(ctx, "%s: no AVML magic at offset 0", img->path);
		return -EPROTO;
	}
	if (!ic_codec_available(IC_CODEC_SNAPPY)) {
		pr_warn(ctx, "%s: avml: unsupported compression snappy: this build has no snappy support"
			" (install libsnappy-dev and rebuild)", img->path);
		return -IC_EUNSUPP;
	}
	av = calloc(1, sizeof(*av));
	if (!av)
		return -ENOMEM;
	img->priv = av;
	err = avml_parse(ctx, img, av);
	if (err)
		return err;
	av->cache = ic_pagecache_new(IC_SNAPPY_FRAME_MAX, IC_PAGECACHE_BYTES);
	if (!av->cache)
		return -ENOMEM;
	pr_debug(ctx, "%s: avml: %zu blocks, %zu snappy chunks", img->path, av->nblocks, av->nchunks);
	return 0;
}

const struct ic_image_fmt ic_fmt_avml = {
	.name = "avml",
	.probe = avml_probe,
	.read = avml_read,
	.read_stream = avml_read,
	.same = avml_same,
	.free_priv = avml_free,
};
