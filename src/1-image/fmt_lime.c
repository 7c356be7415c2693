/* SPDX-License-Identifier: MIT */
/* LiME v1 (and AVML's uncompressed output): a sequence of 32-byte range headers, each followed by its bytes. */
#include <inttypes.h>

#include "image_internal.h"
#include "0-base/reader.h"

/*
 * One range on disk (all fields little-endian, LiME src/lime.h):
 *
 *   0        4          8                16               24            32
 *   +--------+----------+----------------+----------------+-------------+----------------
 *   | magic  | version  | s_addr         | e_addr         | reserved[8] | e-s+1 bytes ...
 *   | "EMiL" | 1        | first phys     | LAST phys      |             |
 *   +--------+----------+----------------+----------------+-------------+----------------
 *
 * e_addr is inclusive. AVML writes the same header (uncompressed v1) with ranges of at most
 * 16 MiB and drops all-zero blocks, so adjacent ranges are common and gaps are holes.
 */
#define LIME_MAGIC 0x4C694D45u
#define LIME_HDR 32u

static int lime_probe(const struct ic_ctx *ctx, struct ic_image *img)
{
	struct ic_rd r = ic_rd_init(img->map, (size_t)img->size);
	unsigned idx = 0;

	if (img->size < 4 || ic_get_le32(img->map) != LIME_MAGIC) {
		pr_debug(ctx, "%s: offset 0x0: no LiME magic", img->path);
		return -EPROTO;
	}
	while (ic_rd_left(&r)) {
		uint64_t off = r.off, s, e, len;
		uint32_t magic, version;
		int err;

		if (ic_rd_left(&r) < LIME_HDR) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": LiME header %u truncated (%zu bytes left, need %u)",
				img->path, off, idx, ic_rd_left(&r), LIME_HDR);
			return -IC_ETRUNC;
		}
		magic = ic_rd_le32(&r);
		version = ic_rd_le32(&r);
		s = ic_rd_le64(&r);
		e = ic_rd_le64(&r);
		ic_rd_skip(&r, 8);
		if (magic != LIME_MAGIC) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": bad LiME magic 0x%08x in header %u (after the previous range's data)",
				img->path, off, magic, idx);
			return -IC_EFORMAT;
		}
		if (version != 1) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": LiME version %u unsupported (only 1)",
				img->path, off, version);
			return -IC_EUNSUPP;
		}
		if (e < s) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": LiME range %u ends before it starts (s_addr 0x%" PRIx64
				" > e_addr 0x%" PRIx64 ")", img->path, off, idx, s, e);
			return -IC_EFORMAT;
		}
		/* e_addr is inclusive: e - s + 1 overflows only for the whole 64-bit space. */
		if (ic_add_ovf(e - s, (uint64_t)1, &len)) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": LiME range %u covers the whole address space",
				img->path, off, idx);
			return -IC_EFORMAT;
		}
		if (len > ic_rd_left(&r)) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": LiME range %u (0x%" PRIx64 "-0x%" PRIx64 ", 0x%" PRIx64
				" bytes) runs past the end of the file (0x%" PRIx64 " bytes left)",
				img->path, off, idx, s, e, len, (uint64_t)ic_rd_left(&r));
			return -IC_ETRUNC;
		}
		err = ic_image_add_range(img, s, len, r.off);
		if (err)
			return err;
		ic_rd_skip(&r, (size_t)len);
		idx++;
	}
	return 0;
}

const struct ic_image_fmt ic_fmt_lime = {
	.name = "lime",
	.probe = lime_probe,
};
