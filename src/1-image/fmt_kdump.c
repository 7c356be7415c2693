/* SPDX-License-Identifier: MIT */
/* makedumpfile kdump-compressed ("KDUMP   ") images, plain and flattened (-F), decoded on demand. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "image_internal.h"
#include "pagecache.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"

/*
 * Layout of the (logical) kdump file [makedumpfile diskdump_mod.h, IMPLEMENTATION]:
 *
 *   block 0                disk_dump_header  "KDUMP   " | i32 header_version | utsname 6x65 |
 *                          pad | timeval @408 (16) | u32 status @424 | i32 block_size @428 |
 *                          i32 sub_hdr_size @432 | u32 bitmap_blocks @436 | u32 max_mapnr @440 ...
 *   block 1                kdump_sub_header  u64 phys_base | i32 dump_level | i32 split |
 *                          u64 start_pfn, end_pfn | u64 offset_vmcoreinfo, size_vmcoreinfo (v3+) |
 *                          u64 offset_note, size_note (v4+) | u64 offset_eraseinfo, size (v5+) |
 *                          u64 start_pfn_64, end_pfn_64, max_mapnr_64 (v6+)
 *   1 + sub_hdr_size       1st bitmap (pfn exists), bitmap_blocks/2 blocks, bit pfn%8 of byte pfn/8
 *   ... + bitmap_blocks/2  2nd bitmap (pfn dumped)
 *   1+sub_hdr+bitmap_blks  page_desc {u64 offset; u32 size; u32 flags; u64 page_flags} (24 bytes)
 *                          per set bit of the 2nd bitmap, in pfn order; then page data
 *
 * "DISKDUMP" files (RHEL 4 diskdump, saved by diskdumputils) share the header, bitmaps and page
 * descriptors [crash diskdump.c reads both through one path]; they differ in: an arch-specific
 * sub-header (registers: no phys_base, VMCOREINFO, notes or max_mapnr_64, so max_mapnr is the
 * 32-bit header field), status bits (1 incomplete, 4 short area, 8 compressed), and the bitmap
 * area may hold a single bitmap (RAM = dumped) when bitmap_blocks is too small for two.
 *
 * The flattened variant (makedumpfile -F, QEMU dump-guest-memory kdump-*) is a 4096-byte header
 * "makedumpfile\0\0\0\0" | be64 type=1 | be64 version=1, then records {be64 offset; be64 size}
 * + size bytes, each to be written at offset of the logical file, ending with offset = size = -1.
 * We index the records instead of rebuilding the file.
 */

#define KD_SIG "KDUMP   "
#define DD_SIG "DISKDUMP" /* diskdumputils' savecore output, read like KDUMP (see kd_open) */
#define DD_STATUS_PARTIAL 0x5u /* DUMP_HEADER_INCOMPLETED | DUMP_HEADER_SHORT_AREA */
#define KD_HDR_STATUS 424u
#define KD_HDR_END 464u
#define KD_PD_SIZE 24u
#define KD_STATUS_INCOMPLETE 0x8u
#define KD_F_ZLIB 0x1u
#define KD_F_LZO 0x2u
#define KD_F_SNAPPY 0x4u
#define KD_F_ZSTD 0x20u
#define FLAT_SIG "makedumpfile\0\0\0\0"
#define FLAT_HDR_SIZE 4096u
#define RANK_SHIFT 9 /* one rank entry per 512 pfns (8 bitmap words) */

struct flat_rec {
	uint64_t loff; /* offset in the logical kdump file */
	uint64_t len;
	uint64_t foff; /* offset of the data in the flattened file */
};

/* The logical kdump file: the mapping itself, or the flattened records over it. */
struct kd_src {
	const uint8_t *map;
	uint64_t size; /* logical size */
	struct flat_rec *recs; /* NULL for a plain file */
	size_t nrecs;
};

struct kdump {
	struct kd_src src;
	uint32_t bs;
	uint64_t max_mapnr;
	const uint8_t *bm2;  /* 2nd bitmap, max_mapnr bits (rounded up to 64) */
	uint8_t *bm_owned;   /* copy of both bitmaps for flattened files */
	uint64_t *rank;      /* dumped pages before pfn (i << RANK_SHIFT) */
	uint64_t ndumped;
	uint64_t pd_off;
	uint64_t pd_end;     /* end of the page descriptors: page data lies at or after it */
	bool incomplete;     /* header status: makedumpfile ran out of space (pages were lost) */
	struct ic_pagecache *cache;
};

/* Offsets in messages are of the logical file; in a flattened one that is not the file's own. */
#define KD_OFF(kd) ((kd)->src.recs ? "logical offset" : "offset")

/* Locate [off, off+len) of the logical file: a pointer into the mapping when it is one piece. */
static const uint8_t *src_ptr(const struct kd_src *s, uint64_t off, uint64_t len)
{
	size_t lo = 0, hi;

	if (!ic_in_bounds(off, len, s->size))
		return NULL;
	if (!s->recs)
		return s->map + off;
	hi = s->nrecs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct flat_rec *r = &s->recs[mid];

		if (off < r->loff)
			hi = mid;
		else if (off - r->loff >= r->len)
			lo = mid + 1;
		else
			return len <= r->len - (off - r->loff) ? s->map + r->foff + (off - r->loff) : NULL;
	}
	return NULL;
}

/* Copy [off, off+len) of the logical file; -IC_ETRUNC if any byte was never written. dst NULL:
 * only check that every byte was written (a flattened file may have holes). */
static int src_copy(const struct kd_src *s, uint64_t off, uint64_t len, uint8_t *dst)
{
	size_t lo = 0, hi;

	if (!ic_in_bounds(off, len, s->size))
		return -IC_ETRUNC;
	if (!s->recs) {
		if (dst)
			memcpy(dst, s->map + off, (size_t)len);
		return 0;
	}
	/* first record ending after off */
	hi = s->nrecs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->recs[mid].loff + s->recs[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; len; i++) {
		const struct flat_rec *r = &s->recs[i];
		uint64_t in, take;

		if (i >= s->nrecs || off < r->loff)
			return -IC_ETRUNC; /* hole in the flattened file */
		in = off - r->loff;
		take = r->len - in < len ? r->len - in : len;
		if (dst) {
			memcpy(dst, s->map + r->foff + in, (size_t)take);
			dst += take;
		}
		off += take;
		len -= take;
	}
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct flat_rec *x = a, *y = b;

	return x->loff < y->loff ? -1 : x->loff > y->loff;
}

/* Index the records of a flattened file. */
static int flat_index(const struct ic_ctx *ctx, const struct ic_image *img, struct kd_src *s)
{
	struct ic_rd rd = ic_rd_init(img->map, (size_t)img->size);
	size_t cap = 0;
	int err;

	ic_rd_seek(&rd, FLAT_HDR_SIZE);
	for (;;) {
		size_t at = rd.off;
		uint64_t off = ic_rd_be64(&rd), len = ic_rd_be64(&rd), end;

		if (rd.err) {
			pr_warn(ctx, "%s: flattened kdump: record header at offset 0x%zx runs past the end of"
				" the file (no end marker: truncated?)", img->path, at);
			return -IC_ETRUNC;
		}
		if (off == UINT64_MAX && len == UINT64_MAX)
			break;
		if (off > INT64_MAX || len > INT64_MAX || ic_add_ovf(off, len, &end)) {
			pr_warn(ctx, "%s: flattened kdump: record at offset 0x%zx: bad offset 0x%" PRIx64
				" / size 0x%" PRIx64, img->path, at, off, len);
			return -IC_EFORMAT;
		}
		if (!ic_in_bounds(rd.off, len, rd.len)) {
			pr_warn(ctx, "%s: flattened kdump: record at offset 0x%zx: 0x%" PRIx64
				" data bytes run past the end of the file", img->path, at, len);
			return -IC_ETRUNC;
		}
		if (len) {
			if (s->nrecs >= IC_MAX_FLAT_RECORDS) {
				pr_warn(ctx, "%s: flattened kdump: more than IC_MAX_FLAT_RECORDS (%u) records",
					img->path, IC_MAX_FLAT_RECORDS);
				return -IC_ELIMIT;
			}
			if (s->nrecs == cap) {
				struct flat_rec *n;

				cap = cap ? cap * 2 : 256;
				n = ic_reallocarray(s->recs, cap, sizeof(*n));
				if (!n)
					return -ENOMEM;
				s->recs = n;
			}
			s->recs[s->nrecs].loff = off;
			s->recs[s->nrecs].len = len;
			s->recs[s->nrecs].foff = rd.off;
			s->nrecs++;
			if (end > s->size)
				s->size = end;
		}
		ic_rd_skip(&rd, (size_t)len);
	}
	if (ic_rd_left(&rd))
		pr_debug(ctx, "%s: flattened kdump: %zu bytes after the end marker ignored", img->path,
			 ic_rd_left(&rd));
	if (!s->nrecs) {
		pr_warn(ctx, "%s: flattened kdump holds no data records", img->path);
		return -IC_EFORMAT;
	}
	qsort(s->recs, s->nrecs, sizeof(*s->recs), cmp_rec);
	err = 0;
	for (size_t i = 1; i < s->nrecs; i++) {
		if (s->recs[i].loff - s->recs[i - 1].loff < s->recs[i - 1].len) {
			/* makedumpfile -R would let the later record win; no producer we know rewrites
			 * ranges in flattened mode, so an overlap is treated as corruption. */
			pr_warn(ctx, "%s: flattened kdump: records at file offsets 0x%" PRIx64 " and 0x%"
				PRIx64 " overlap (logical 0x%" PRIx64 "+0x%" PRIx64 " and 0x%" PRIx64 ")",
				img->path, s->recs[i - 1].foff - 16, s->recs[i].foff - 16,
				s->recs[i - 1].loff, s->recs[i - 1].len, s->recs[i].loff);
			err = -IC_EFORMAT;
			break;
		}
	}
	return err;
}

static uint64_t popcount64(uint64_t v)
{
	return (uint64_t)__builtin_popcountll(v);
}

/* Bitmap word w (64 pfns), zero past max_mapnr so stray bits beyond it never count. */
static uint64_t bm_word(const uint8_t *bm, uint64_t max_mapnr, uint64_t w)
{
	uint64_t v, first = w * 64;
	uint64_t left = max_mapnr - first;
	uint8_t tmp[8] = { 0 };

	if (left >= 64)
		return ic_get_le64(bm + w * 8);
	memcpy(tmp, bm + w * 8, (size_t)((left + 7) / 8));
	v = ic_get_le64(tmp);
	return v & ((1ull << left) - 1);
}

static bool kd_dumped(const struct kdump *kd, uint64_t pfn)
{
	return pfn < kd->max_mapnr && (kd->bm2[pfn / 8] >> (pfn % 8) & 1);
}

/* Index of pfn's page descriptor (pfn must be dumped). */
static uint64_t kd_rank(const struct kdump *kd, uint64_t pfn)
{
	uint64_t r = kd->rank[pfn >> RANK_SHIFT];
	uint64_t w0 = (pfn >> RANK_SHIFT) << (RANK_SHIFT - 6), w = pfn / 64;

	for (uint64_t i = w0; i < w; i++)
		r += popcount64(bm_word(kd->bm2, kd->max_mapnr, i));
	return r + popcount64(bm_word(kd->bm2, kd->max_mapnr, w) & ((1ull << (pfn % 64)) - 1));
}

static enum ic_codec kd_codec(uint32_t flags)
{
	if (flags & KD_F_ZLIB)
		return IC_CODEC_ZLIB;
	if (flags & KD_F_LZO)
		return IC_CODEC_LZO;
	if (flags & KD_F_SNAPPY)
		return IC_CODEC_SNAPPY;
	if (flags & KD_F_ZSTD)
		return IC_CODEC_ZSTD;
	return IC_CODEC_NONE;
}

/* How many of the last page descriptors kd_check_tail() reads (96 KiB): a fixed cost at open. */
#define IC_KDUMP_TAIL_DESCS 4096u

struct kd_desc {
	uint64_t off;
	uint32_t size;
	uint32_t flags;
};

/* Could page data at off (+size) be in a whole dump of this one? After the descriptors, at most
 * one block per dumped page (and the shared zero page) further: beyond that it is garbage,
 * not a dump cut short. */
static bool kd_desc_plausible(const struct kdump *kd, uint64_t off, uint32_t size)
{
	uint64_t room;

	if (!size || size > kd->bs || off < kd->pd_end)
		return false;
	if (ic_mul_ovf(kd->ndumped + 1, (uint64_t)kd->bs, &room) || ic_add_ovf(room, kd->pd_end, &room))
		return true; /* cannot be: ndumped is bounded by IC_MAX_KDUMP_PFNS */
	return off <= room - size;
}

/* Read and check descriptor idx. Logs what is wrong. -IC_ENOTFOUND (not logged): in an incomplete
 * dump, a page makedumpfile lost when it ran out of space. */
static int kd_get_desc(const struct ic_image *img, const struct kdump *kd, uint64_t idx,
		       uint64_t pfn, struct kd_desc *d)
{
	uint8_t raw[KD_PD_SIZE];
	uint64_t at = kd->pd_off + idx * KD_PD_SIZE; /* in bounds: checked at open */
	bool plausible;
	enum ic_codec c;
	int err;

	err = src_copy(&kd->src, at, KD_PD_SIZE, raw);
	if (err) {
		pr_warn(img->ctx, "%s: kdump: page descriptor of pfn 0x%" PRIx64 " at %s 0x%" PRIx64
			" is not in the file", img->path, pfn, KD_OFF(kd), at);
		return err;
	}
	d->off = ic_get_le64(raw);
	d->size = ic_get_le32(raw + 8);
	d->flags = ic_get_le32(raw + 12);
	c = kd_codec(d->flags);
	plausible = kd_desc_plausible(kd, d->off, d->size);
	/* makedumpfile out of space (status bit): descriptors it never wrote are zeros, and data
	 * it never wrote is past the end (or, flattened, in no record). Those pages are lost,
	 * not damage [crash and libkdumpfile read an incomplete dump the same way]. */
	if (kd->incomplete && ((!d->off && !d->size) ||
			       (plausible && src_copy(&kd->src, d->off, d->size, NULL))))
		return -IC_ENOTFOUND;
	if (plausible && !ic_in_bounds(d->off, d->size, kd->src.size)) {
		/* A plausible descriptor whose data lies past the end: the dump was cut short. */
		pr_warn(img->ctx, "%s: kdump: page data of pfn 0x%" PRIx64 " (0x%" PRIx64 " +%" PRIu32
			", descriptor at %s 0x%" PRIx64 ") runs past the end: the file ends at 0x%"
			PRIx64 ", at least %" PRIu64 " bytes short (truncated dump?)", img->path, pfn, d->off,
			d->size, KD_OFF(kd), at, kd->src.size, d->off + d->size - kd->src.size);
		return -IC_ETRUNC;
	}
	if (d->off < kd->pd_end && d->size) {
		/* makedumpfile writes page data after the descriptors: these bytes are the header,
		 * the bitmaps or the descriptors themselves, not a page */
		pr_warn(img->ctx, "%s: kdump: page descriptor of pfn 0x%" PRIx64 " at %s 0x%" PRIx64
			": data offset 0x%" PRIx64 " lies before the end of the page descriptors (0x%"
			PRIx64 "), where no page data is", img->path, pfn, KD_OFF(kd), at, d->off,
			kd->pd_end);
		return -IC_EFORMAT;
	}
	if (!d->size || d->size > kd->bs || (c == IC_CODEC_NONE && d->size != kd->bs) ||
	    !ic_in_bounds(d->off, d->size, kd->src.size)) {
		pr_warn(img->ctx, "%s: kdump: page descriptor of pfn 0x%" PRIx64 " at %s 0x%" PRIx64
			": bad data offset 0x%" PRIx64 " / size %" PRIu32 " (flags 0x%" PRIx32 ")",
			img->path, pfn, KD_OFF(kd), at, d->off, d->size, d->flags);
		return -IC_EFORMAT;
	}
	if (kd->src.recs && src_copy(&kd->src, d->off, d->size, NULL)) {
		/* a hole between the records: checked here, at open, not found mid-scan */
		pr_warn(img->ctx, "%s: kdump: page data of pfn 0x%" PRIx64 " (logical offset 0x%" PRIx64
			" +%" PRIu32 ", descriptor at logical offset 0x%" PRIx64 ") is missing from the"
			" flattened file (no record holds it)", img->path, pfn, d->off, d->size, at);
		return -IC_ETRUNC;
	}
	if (!ic_codec_available(c)) {
		pr_warn(img->ctx, "%s: kdump: pfn 0x%" PRIx64 " (descriptor at %s 0x%" PRIx64
			"): unsupported compression %s: this build has no %s support (install %s and"
			" rebuild)", img->path, pfn, KD_OFF(kd), at, ic_codec_name(c), ic_codec_name(c),
			ic_codec_package(c));
		return -IC_EUNSUPP;
	}
	return 0;
}

/*
 * A dump cut short, said at open in one line (not as a bad descriptor when the scan reaches
 * the page): makedumpfile writes page data in pfn order after the descriptors, so the end of
 * the data is among the last descriptors' (the very last ones may all point back at the one
 * shared zero page). The last IC_KDUMP_TAIL_DESCS descriptors are read, not all of them.
 */
static int kd_check_tail(const struct ic_ctx *ctx, const struct ic_image *img,
			 const struct kdump *kd)
{
	uint64_t n = kd->ndumped < IC_KDUMP_TAIL_DESCS ? kd->ndumped : IC_KDUMP_TAIL_DESCS;
	uint64_t end = 0, at = 0;
	uint8_t raw[KD_PD_SIZE];

	if (kd->incomplete)
		return 0; /* a short file is what the status says: kd_check_descs() counts the loss */
	for (uint64_t i = kd->ndumped - n; i < kd->ndumped; i++) {
		uint64_t off, e;
		uint32_t size;

		if (src_copy(&kd->src, kd->pd_off + i * KD_PD_SIZE, KD_PD_SIZE, raw))
			return 0; /* descriptors were bounds-checked; kd_get_desc says it if not */
		off = ic_get_le64(raw);
		size = ic_get_le32(raw + 8);
		/* only plausible ones: a garbage descriptor is reported as such, on use */
		if (!kd_desc_plausible(kd, off, size))
			continue;
		e = off + size;
		if (e > end) {
			end = e;
			at = kd->pd_off + i * KD_PD_SIZE;
		}
	}
	if (end <= kd->src.size)
		return 0;
	pr_warn(ctx, "%s: kdump: page data runs to 0x%" PRIx64 " (descriptor at %s 0x%" PRIx64
		"): the file ends at 0x%" PRIx64 ", %" PRIu64 " bytes short (truncated dump?)",
		img->path, end, KD_OFF(kd), at, kd->src.size, end - kd->src.size);
	return -IC_ETRUNC;
}

struct kd_fill {
	const struct ic_image *img;
	const struct kdump *kd;
};

/* Decode page pfn (dumped) into out (bs bytes). */
static int kd_decode(const struct ic_image *img, const struct kdump *kd, uint64_t pfn, uint8_t *out)
{
	struct kd_desc d;
	const uint8_t *p;
	uint8_t *tmp = NULL;
	int err;

	err = kd_get_desc(img, kd, kd_rank(kd, pfn), pfn, &d);
	if (err)
		return err;
	p = src_ptr(&kd->src, d.off, d.size);
	if (!p) {
		/* page data split over flattened records */
		tmp = malloc(d.size);
		if (!tmp)
			return -ENOMEM;
		err = src_copy(&kd->src, d.off, d.size, tmp);
		if (err) {
			pr_warn(img->ctx, "%s: kdump: data of pfn 0x%" PRIx64 " (logical offset 0x%" PRIx64
				") is missing from the flattened file", img->path, pfn, d.off);
			free(tmp);
			return err;
		}
		p = tmp;
	}
	err = ic_codec_decode(kd_codec(d.flags), p, d.size, out, kd->bs);
	free(tmp);
	if (err)
		pr_warn(img->ctx, "%s: kdump: pfn 0x%" PRIx64 ": %s data at %s 0x%" PRIx64
			" (%" PRIu32 " bytes) does not decode to one %" PRIu32 "-byte page", img->path,
			pfn, ic_codec_name(kd_codec(d.flags)), KD_OFF(kd), d.off, d.size, kd->bs);
	return err;
}

static int kd_fill_fn(void *arg, uint64_t pfn, uint8_t *buf)
{
	const struct kd_fill *f = arg;

	return kd_decode(f->img, f->kd, pfn, buf);
}

/* stream: the scanner's pass (whole pages decoded straight into buf, not cached). */
static int kd_read(const struct ic_image *img, size_t ri, uint64_t off, void *buf, size_t len,
		   bool stream)
{
	const struct kdump *kd = img->priv;
	struct kd_fill f = { img, kd };
	uint64_t phys = img->ranges[ri].phys + off; /* in range: ic_image__read checked */
	uint8_t *dst = buf;

	while (len) {
		uint64_t pfn = phys / kd->bs;
		size_t in = (size_t)(phys % kd->bs), take = kd->bs - in;
		int err;

		if (take > len)
			take = len;
		if (!kd_dumped(kd, pfn))
			return -IC_ENOTFOUND;
		if (stream && !in && take == kd->bs) {
			/* Straight into the caller's buffer, unless the page is cached: the previous
			 * piece's lookahead tail read its first bytes through the cache. */
			err = ic_pagecache_peek(kd->cache, pfn, 0, dst, take);
			if (err == -ENOENT)
				err = kd_decode(img, kd, pfn, dst);
		} else
			err = ic_pagecache_read(kd->cache, pfn, in, dst, take, kd_fill_fn, &f);
		if (err)
			return err;
		dst += take;
		len -= take;
		phys += take;
	}
	return 0;
}

static int kdump_read(const struct ic_image *img, size_t ri, uint64_t off, void *buf, size_t len)
{
	return kd_read(img, ri, off, buf, len, false);
}

static int kdump_read_stream(const struct ic_image *img, size_t ri, uint64_t off, void *buf,
			     size_t len)
{
	return kd_read(img, ri, off, buf, len, true);
}

/* Equal bytes shown without decoding: page-for-page the same descriptor size and flags and the
 * same stored bytes (a codec is deterministic, so equal input bytes decode equally). */
static int kdump_same(const struct ic_image *img, uint64_t a, uint64_t b, uint64_t len)
{
	const struct kdump *kd = img->priv;
	uint64_t pa = a / kd->bs, pb = b / kd->bs, last;

	if (!len || a % kd->bs != b % kd->bs || ic_add_ovf(a, len - 1, &last))
		return 0;
	for (last /= kd->bs; pa <= last; pa++, pb++) {
		struct kd_desc da, db;
		const uint8_t *sa, *sb;

		if (!kd_dumped(kd, pa) || !kd_dumped(kd, pb) ||
		    kd_get_desc(img, kd, kd_rank(kd, pa), pa, &da) ||
		    kd_get_desc(img, kd, kd_rank(kd, pb), pb, &db))
			return 0;
		if (da.size != db.size || da.flags != db.flags)
			return 0;
		if (da.off == db.off)
			continue;
		sa = src_ptr(&kd->src, da.off, da.size);
		sb = src_ptr(&kd->src, db.off, db.size);
		if (!sa || !sb || memcmp(sa, sb, da.size))
			return 0;
	}
	return 1;
}

static void kdump_free(struct ic_image *img)
{
	struct kdump *kd = img->priv;

	if (!kd)
		return;
	ic_pagecache_free(kd->cache);
	free(kd->src.recs);
	free(kd->bm_owned);
	free(kd->rank);
	free(kd);
}

/* Append one ELF note (4-byte aligned name and desc) to img->notes. */
static int notes_append(struct ic_image *img, const char *name, uint32_t type, const uint8_t *desc,
			size_t dlen)
{
	size_t nlen = strlen(name) + 1, total, at = img->notes_len;
	size_t npad = (size_t)ic_align_up(nlen, 4), dpad = (size_t)ic_align_up(dlen, 4);
	uint8_t *n;

	total = 12 + npad + dpad;
	if (dlen > IC_MAX_NOTES_BYTES || at + total > IC_MAX_NOTES_BYTES)
		return -IC_ELIMIT;
	n = realloc(img->notes, at + total);
	if (!n)
		return -ENOMEM;
	memset(n + at, 0, total);
	n[at + 0] = (uint8_t)nlen;
	n[at + 4] = (uint8_t)dlen;
	n[at + 5] = (uint8_t)(dlen >> 8);
	n[at + 6] = (uint8_t)(dlen >> 16);
	n[at + 7] = (uint8_t)(dlen >> 24);
	n[at + 8] = (uint8_t)type;
	memcpy(n + at + 12, name, nlen);
	memcpy(n + at + 12 + npad, desc, dlen);
	img->notes = n;
	img->notes_len = at + total;
	return 0;
}

/*
 * Container notes: the sub-header's VMCOREINFO (v3+) as a "VMCOREINFO" note, first, then the
 * dump's ELF-note area (v4+: the source's PT_NOTE). First, so that a note area the carver cannot
 * walk to its end (odd padding, trailing garbage) does not hide it; always, even when the note
 * area holds a VMCOREINFO too, so that two copies that disagree are seen as such (the vmcoreinfo
 * carver compares every note) rather than one dropped unread.
 */
static int kd_notes(const struct ic_ctx *ctx, struct ic_image *img, const struct kdump *kd,
		    int version, const uint8_t *sub)
{
	uint64_t voff = ic_get_le64(sub + 32), vlen = ic_get_le64(sub + 40);
	uint64_t noff = ic_get_le64(sub + 48), nlen = ic_get_le64(sub + 56);
	uint8_t *tmp;
	int err;

	if (version >= 3 && vlen) {
		if (vlen > IC_MAX_VMCOREINFO_BYTES) {
			pr_warn(ctx, "%s: kdump: VMCOREINFO of 0x%" PRIx64 " bytes exceeds"
				" IC_MAX_VMCOREINFO_BYTES", img->path, vlen);
			return -IC_ELIMIT;
		}
		tmp = malloc((size_t)vlen);
		if (!tmp)
			return -ENOMEM;
		err = src_copy(&kd->src, voff, vlen, tmp);
		if (err)
			pr_warn(ctx, "%s: kdump: VMCOREINFO at %s 0x%" PRIx64 " (+0x%" PRIx64
				") is outside the file", img->path, KD_OFF(kd), voff, vlen);
		else if (!(err = ic_image_note_origin(img, img->notes_len, voff, KD_OFF(kd),
						      "kdump sub-header VMCOREINFO")))
			err = notes_append(img, "VMCOREINFO", 0, tmp, (size_t)vlen);
		free(tmp);
		if (err)
			return err;
	}
	if (version < 4 || !nlen)
		return 0;
	if (nlen > IC_MAX_NOTES_BYTES) {
		pr_warn(ctx, "%s: kdump: ELF-note area of 0x%" PRIx64 " bytes exceeds"
			" IC_MAX_NOTES_BYTES; ignored", img->path, nlen);
		return 0;
	}
	tmp = malloc((size_t)nlen);
	if (!tmp)
		return -ENOMEM;
	if (src_copy(&kd->src, noff, nlen, tmp)) {
		pr_warn(ctx, "%s: kdump: ELF-note area at %s 0x%" PRIx64 " (+0x%" PRIx64
			") is outside the file; ignored", img->path, KD_OFF(kd), noff, nlen);
		free(tmp);
		return 0;
	}
	err = ic_image_add_notes(img, tmp, (size_t)nlen, "kdump note area", noff, KD_OFF(kd));
	free(tmp);
	if (err == -IC_ELIMIT) {
		pr_warn(ctx, "%s: kdump: ELF-note area of 0x%" PRIx64 " bytes exceeds"
			" IC_MAX_NOTES_BYTES; ignored", img->path, nlen);
		err = 0;
	}
	return err;
}

/* One range per run of dumped pfns; its file_off is (informative only: the data is compressed)
 * the logical offset of the run's first page descriptor, which error messages then show. */
static int kd_add_run(struct ic_image *img, const struct kdump *kd, uint64_t pfn, uint64_t n,
		      uint64_t first)
{
	return ic_image_add_range(img, pfn * kd->bs, n * kd->bs, kd->pd_off + first * KD_PD_SIZE);
}

static int kd_index(const struct ic_ctx *ctx, struct ic_image *img, struct kdump *kd,
		    const uint8_t *bm1, uint64_t bm2_off);
static int dd_single_bitmap(const struct ic_ctx *ctx, struct ic_image *img, struct kdump *kd,
			    uint64_t bm_off, uint32_t bitmap_blocks);

static int kd_open(const struct ic_ctx *ctx, struct ic_image *img, struct kdump *kd)
{
	uint8_t hdr[KD_HDR_END], sub[104];
	const uint8_t *bm1;
	bool disk;
	int32_t version, bs, sub_blocks;
	uint32_t status, bitmap_blocks;
	uint64_t bm_off, half, stride, used;
	int err;

	if (src_copy(&kd->src, 0, sizeof(hdr), hdr)) {
		pr_warn(ctx, "%s: kdump: disk_dump_header (%zu bytes at %s 0) is truncated",
			img->path, sizeof(hdr), KD_OFF(kd));
		return -IC_ETRUNC;
	}
	if (memcmp(hdr, KD_SIG, 8) && memcmp(hdr, DD_SIG, 8)) {
		pr_warn(ctx, "%s: kdump: logical file does not start with \"KDUMP   \" or \"DISKDUMP\"",
			img->path);
		return -IC_EFORMAT;
	}
	disk = !memcmp(hdr, DD_SIG, 8);
	version = (int32_t)ic_get_le32(hdr + 8);
	status = ic_get_le32(hdr + KD_HDR_STATUS);
	bs = (int32_t)ic_get_le32(hdr + 428);
	sub_blocks = (int32_t)ic_get_le32(hdr + 432);
	bitmap_blocks = ic_get_le32(hdr + 436);
	kd->max_mapnr = ic_get_le32(hdr + 440);
	if (version < 1 || version > 64) {
		pr_warn(ctx, "%s: kdump: header_version %" PRId32 " at %s 8 is not supported",
			img->path, version, KD_OFF(kd));
		return -IC_EUNSUPP;
	}
	if (bs < 512 || bs > (int32_t)IC_MAX_KDUMP_BLOCK_SIZE || (bs & (bs - 1))) {
		pr_warn(ctx, "%s: kdump: block_size %" PRId32 " at %s 428 is not a power of two in"
			" [512, %u]", img->path, bs, KD_OFF(kd), IC_MAX_KDUMP_BLOCK_SIZE);
		return -IC_EFORMAT;
	}
	kd->bs = (uint32_t)bs;
	if (sub_blocks < 1 || (uint64_t)sub_blocks * kd->bs < sizeof(sub) ||
	    sub_blocks > 1024) {
		pr_warn(ctx, "%s: kdump: sub_hdr_size %" PRId32 " at %s 432 is not a sane block count",
			img->path, sub_blocks, KD_OFF(kd));
		return -IC_EFORMAT;
	}
	if (src_copy(&kd->src, kd->bs, sizeof(sub), sub)) {
		pr_warn(ctx, "%s: kdump: kdump_sub_header at %s 0x%" PRIx32 " is truncated",
			img->path, KD_OFF(kd), kd->bs);
		return -IC_ETRUNC;
	}
	if (disk) {
		memset(sub, 0, sizeof(sub)); /* registers, not a kdump_sub_header */
		pr_info(ctx, "%s: \"DISKDUMP\" (diskdump) signature, header_version %" PRId32
			": no phys_base/VMCOREINFO/notes in its sub-header", img->path, version);
	}
	if (version >= 6 && !disk)
		kd->max_mapnr = ic_get_le64(sub + 96);
	/* said once the loss is counted (kd_check_descs) */
	kd->incomplete = disk ? status & DD_STATUS_PARTIAL : status & KD_STATUS_INCOMPLETE;
	if (ic_get_le32(sub + 12))
		pr_info(ctx, "%s: kdump: split dump (pfn 0x%" PRIx64 "-0x%" PRIx64 "): other parts"
			" are separate files", img->path, ic_get_le64(sub + 80), ic_get_le64(sub + 88));
	if (!kd->max_mapnr || kd->max_mapnr > IC_MAX_KDUMP_PFNS) {
		pr_warn(ctx, "%s: kdump: max_mapnr %" PRIu64 " is 0 or above IC_MAX_KDUMP_PFNS",
			img->path, kd->max_mapnr);
		return kd->max_mapnr ? -IC_ELIMIT : -IC_EFORMAT;
	}
	/* the bitmaps: two halves of bitmap_blocks blocks, each covering max_mapnr bits; a
	 * DISKDUMP whose bitmap area is too small for two holds one (crash: dump_is_partial) */
	bm_off = (1 + (uint64_t)sub_blocks) * kd->bs;
	half = (uint64_t)(bitmap_blocks / 2) * kd->bs;
	if (disk && (uint64_t)bitmap_blocks < 2 * ((kd->max_mapnr + 8ull * kd->bs - 1) / (8ull * kd->bs)))
		return dd_single_bitmap(ctx, img, kd, bm_off, bitmap_blocks);
	if (!bitmap_blocks || bitmap_blocks % 2 || half * 8 < kd->max_mapnr) {
		pr_warn(ctx, "%s: kdump: bitmap_blocks %" PRIu32 " at %s 436 does not hold two bitmaps"
			" of max_mapnr %" PRIu64 " bits", img->path, bitmap_blocks, KD_OFF(kd),
			kd->max_mapnr);
		return -IC_EFORMAT;
	}
	if (!ic_in_bounds(bm_off, 2 * half, kd->src.size)) {
		pr_warn(ctx, "%s: kdump: bitmaps at %s 0x%" PRIx64 " (+0x%" PRIx64 ") run past the"
			" end: the file ends at 0x%" PRIx64 ", %" PRIu64 " bytes short (truncated dump?)",
			img->path, KD_OFF(kd), bm_off, 2 * half, kd->src.size,
			bm_off + 2 * half > kd->src.size ? bm_off + 2 * half - kd->src.size : 0);
		return -IC_ETRUNC;
	}
	bm1 = src_ptr(&kd->src, bm_off, 2 * half);
	stride = half;
	if (!bm1) {
		/* Only the max_mapnr bits of each bitmap are data: makedumpfile -F writes
		 * ceil(max_mapnr / 8) bytes per bitmap and never the padding to the block end
		 * (-R leaves it a file hole, i.e. zeros), so copy the bits and keep zeros after. */
		used = (kd->max_mapnr + 7) / 8;

		/* only the bits: bitmap_blocks may claim far more (bounded by IC_MAX_KDUMP_PFNS).
		 * Both are looked for before the copy is allocated: a small file claiming 2^32
		 * pages would otherwise cost 1 GiB first. */
		for (unsigned i = 0; i < 2; i++) {
			if (src_copy(&kd->src, bm_off + i * half, used, NULL)) {
				pr_warn(ctx, "%s: kdump: %s bitmap at logical offset 0x%" PRIx64 " (0x%"
					PRIx64 " bytes) is missing from the flattened file", img->path,
					i ? "2nd" : "1st", bm_off + i * half, used);
				return -IC_ETRUNC;
			}
		}
		kd->bm_owned = ic_calloc((size_t)(2 * used), 1);
		if (!kd->bm_owned)
			return -ENOMEM;
		for (unsigned i = 0; i < 2; i++)
			(void)src_copy(&kd->src, bm_off + i * half, used, kd->bm_owned + i * used);
		bm1 = kd->bm_owned;
		stride = used;
	}
	kd->bm2 = bm1 + stride;
	kd->pd_off = bm_off + 2 * half;
	err = kd_index(ctx, img, kd, bm1, bm_off + half);
	if (err)
		return err;
	if (!disk)
		err = kd_notes(ctx, img, kd, version, sub);
	return err;
}

/* Rank index, the 2nd-within-1st check, the ranges and the descriptor bounds; then the cache. */
static int kd_index(const struct ic_ctx *ctx, struct ic_image *img, struct kdump *kd,
		    const uint8_t *bm1, uint64_t bm2_off)
{
	uint64_t pd_bytes, end, run = 0, run_start = 0, run_rank = 0, seen;
	int err;

	/* rank index, the 2nd-within-1st check and the ranges in one pass over the words */
	kd->rank = ic_calloc((size_t)((kd->max_mapnr >> RANK_SHIFT) + 1), sizeof(*kd->rank));
	if (!kd->rank)
		return -ENOMEM;
	for (uint64_t w = 0; w * 64 < kd->max_mapnr; w++) {
		uint64_t b2 = bm_word(kd->bm2, kd->max_mapnr, w);

		if ((w << 6) % (1u << RANK_SHIFT) == 0)
			kd->rank[(w << 6) >> RANK_SHIFT] = kd->ndumped;
		if (b2 & ~bm_word(bm1, kd->max_mapnr, w)) {
			pr_warn(ctx, "%s: kdump: 2nd bitmap (%s 0x%" PRIx64 ") marks pfns near 0x%" PRIx64
				" dumped that the 1st bitmap says do not exist", img->path, KD_OFF(kd),
				bm2_off + w * 8, w * 64);
			return -IC_EFORMAT;
		}
		seen = kd->ndumped;
		kd->ndumped += popcount64(b2);
		if (!b2 && !run)
			continue;
		if (b2 == UINT64_MAX && run) {
			run += 64;
			continue;
		}
		for (unsigned b = 0; b < 64; b++) {
			bool on = b2 >> b & 1;

			if (on && !run) {
				run_start = w * 64 + b;
				run_rank = seen;
			}
			seen += on;
			if (on) {
				run++;
			} else if (run) {
				err = kd_add_run(img, kd, run_start, run, run_rank);
				if (err)
					return err;
				run = 0;
			}
		}
	}
	if (run) {
		err = kd_add_run(img, kd, run_start, run, run_rank);
		if (err)
			return err;
	}
	/* page descriptors: one per dumped pfn, inside the file */
	if (ic_mul_ovf(kd->ndumped, (uint64_t)KD_PD_SIZE, &pd_bytes) ||
	    ic_add_ovf(kd->pd_off, pd_bytes, &end)) {
		pr_warn(ctx, "%s: kdump: %" PRIu64 " page descriptors at %s 0x%" PRIx64 " overflow"
			" a 64-bit offset", img->path, kd->ndumped, KD_OFF(kd), kd->pd_off);
		return -IC_EFORMAT;
	}
	if (end > kd->src.size) {
		pr_warn(ctx, "%s: kdump: %" PRIu64 " page descriptors at %s 0x%" PRIx64 " run past the"
			" end: the file ends at 0x%" PRIx64 ", %" PRIu64 " bytes short (%s)", img->path,
			kd->ndumped, KD_OFF(kd), kd->pd_off, kd->src.size, end - kd->src.size,
			kd->incomplete ? "the header marks the dump incomplete: it ran out of space"
				       : "truncated dump?");
		return -IC_ETRUNC;
	}
	kd->pd_end = end;
	err = kd_check_tail(ctx, img, kd);
	if (err)
		return err;
	kd->cache = ic_pagecache_new(kd->bs, IC_PAGECACHE_BYTES);
	if (!kd->cache)
		return -ENOMEM;
	pr_debug(ctx, "%s: kdump: block %" PRIu32 ", max_mapnr %" PRIu64 ", %" PRIu64 " pages dumped",
		 img->path, kd->bs, kd->max_mapnr, kd->ndumped);
	return 0;
}

/* DISKDUMP with one bitmap: every pfn it marks is dumped; descriptors follow the bitmap area. */
static int dd_single_bitmap(const struct ic_ctx *ctx, struct ic_image *img, struct kdump *kd,
			    uint64_t bm_off, uint32_t bitmap_blocks)
{
	uint64_t len = (uint64_t)bitmap_blocks * kd->bs, used = (kd->max_mapnr + 7) / 8;
	const uint8_t *bm;

	if (len < used || !ic_in_bounds(bm_off, len, kd->src.size)) {
		pr_warn(ctx, "%s: diskdump: bitmap of %" PRIu32 " blocks at %s 0x%" PRIx64 " does not"
			" hold max_mapnr %" PRIu64 " bits inside the file", img->path, bitmap_blocks,
			KD_OFF(kd), bm_off, kd->max_mapnr);
		return len < used ? -IC_EFORMAT : -IC_ETRUNC;
	}
	bm = src_ptr(&kd->src, bm_off, len);
	if (!bm) {
		if (src_copy(&kd->src, bm_off, used, NULL)) { /* before allocating, as kd_open */
			pr_warn(ctx, "%s: diskdump: bitmap at logical offset 0x%" PRIx64 " is missing"
				" from the flattened file", img->path, bm_off);
			return -IC_ETRUNC;
		}
		kd->bm_owned = ic_calloc((size_t)used, 1); /* the bits only, not all len */
		if (!kd->bm_owned)
			return -ENOMEM;
		(void)src_copy(&kd->src, bm_off, used, kd->bm_owned);
		bm = kd->bm_owned;
	}
	kd->bm2 = bm;
	kd->pd_off = bm_off + len;
	return kd_index(ctx, img, kd, bm, bm_off);
}

/* Check every descriptor once at open so a broken dump fails up front, not mid-scan. An
 * incomplete dump's lost pages are taken out of the ranges (they read as absent, like pages
 * never dumped), and the loss is said once. */
static int kd_check_descs(struct ic_image *img, const struct kdump *kd)
{
	struct ic_range *old = img->ranges;
	uint64_t *old_fo = img->file_off, lost = 0;
	size_t nold = img->nranges;
	int err = 0;

	if (kd->incomplete) { /* the ranges are rebuilt from the pages that have data */
		img->ranges = NULL;
		img->file_off = NULL;
		img->nranges = img->cap = 0;
	}
	for (size_t i = 0; i < nold && !err; i++) {
		uint64_t pfn = old[i].phys / kd->bs, n = old[i].len / kd->bs;
		uint64_t idx = kd_rank(kd, pfn), run = 0;

		for (uint64_t k = 0; k < n && !err; k++) {
			struct kd_desc d;

			err = kd_get_desc(img, kd, idx + k, pfn + k, &d);
			if (!err && kd->incomplete) {
				run++;
			} else if (err == -IC_ENOTFOUND) {
				lost++;
				err = kd_add_run(img, kd, pfn + k - run, run, idx + k - run);
				run = 0;
			}
		}
		if (!err && run)
			err = kd_add_run(img, kd, pfn + n - run, run, idx + n - run);
	}
	if (kd->incomplete) {
		free(old);
		free(old_fo);
		if (!err)
			pr_warn(img->ctx, "%s: kdump: the header's status marks the dump incomplete (the"
				" dump ran out of space): %" PRIu64 " of its %" PRIu64 " pages have no data"
				" and read as absent", img->path, lost, kd->ndumped);
	}
	return err;
}

static int kd_probe_common(const struct ic_ctx *ctx, struct ic_image *img, struct kdump *kd)
{
	int err;

	img->priv = kd;
	err = kd_open(ctx, img, kd);
	if (!err)
		err = kd_check_descs(img, kd);
	return err; /* on error, try_format() frees priv through free_priv */
}

static int kdump_probe(const struct ic_ctx *ctx, struct ic_image *img)
{
	struct kdump *kd;

	if (img->size < 8 || (memcmp(img->map, KD_SIG, 8) && memcmp(img->map, DD_SIG, 8))) {
		pr_debug(ctx, "%s: no \"KDUMP   \" or \"DISKDUMP\" signature at offset 0", img->path);
		return -EPROTO;
	}
	kd = calloc(1, sizeof(*kd));
	if (!kd)
		return -ENOMEM;
	kd->src.map = img->map;
	kd->src.size = img->size;
	return kd_probe_common(ctx, img, kd);
}

static int kdump_flat_probe(const struct ic_ctx *ctx, struct ic_image *img)
{
	struct kdump *kd;
	int err;

	if (img->size < 16 || memcmp(img->map, FLAT_SIG, 16)) {
		pr_debug(ctx, "%s: no \"makedumpfile\" flattened signature at offset 0", img->path);
		return -EPROTO;
	}
	if (img->size < FLAT_HDR_SIZE) {
		pr_warn(ctx, "%s: flattened kdump: header (4096 bytes) is truncated", img->path);
		return -IC_ETRUNC;
	}
	if (ic_get_be64(img->map + 16) != 1 || ic_get_be64(img->map + 24) != 1) {
		pr_warn(ctx, "%s: flattened kdump: type %" PRIu64 " / version %" PRIu64 " at offset 16"
			" (want 1 / 1)", img->path, ic_get_be64(img->map + 16), ic_get_be64(img->map + 24));
		return -IC_EUNSUPP;
	}
	kd = calloc(1, sizeof(*kd));
	if (!kd)
		return -ENOMEM;
	kd->src.map = img->map;
	img->priv = kd;
	err = flat_index(ctx, img, &kd->src);
	if (err)
		return err;
	return kd_probe_common(ctx, img, kd);
}

const struct ic_image_fmt ic_fmt_kdump = {
	.name = "kdump",
	.probe = kdump_probe,
	.read = kdump_read,
	.read_stream = kdump_read_stream,
	.same = kdump_same,
	.free_priv = kdump_free,
};

const struct ic_image_fmt ic_fmt_kdump_flat = {
	.name = "kdump-flat",
	.probe = kdump_flat_probe,
	.read = kdump_read,
	.read_stream = kdump_read_stream,
	.same = kdump_same,
	.free_priv = kdump_free,
};
