/* SPDX-License-Identifier: MIT */
/* kdump files written by upstream makedumpfile itself (tests/data/kdump): snappy, zstd, lzo, -F. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "1-image/codec.h"
#include "0-base/internal.h"
#include "0-base/reader.h"
#include "isfcarve/image.h"

#define PAGE 4096u
#define NOISE_PFN 0x4034u      /* all noise: makedumpfile stores it raw */
#define HALF_NOISE_PFN 0x115u  /* half noise: compressed, but large */
#define PD_OFF 0x4000u         /* header, sub-header and two one-block bitmaps come first */
#define NPAGES 559u            /* every page of the four ranges: -d 1 keeps zero pages */

static struct ic_ctx quiet;

/* The ELF core's ranges (tests/lib/kdumpsrc.py RANGES). */
static const struct ic_range ranges[] = {
	{ 0x1000, 0x9f000 }, { 0x100000, 0x100000 }, { 0x4000000, 0x80000 }, { 0x7ff0000, 0x10000 },
};

static uint64_t splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9E3779B97F4A7C15ull;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The source core's bytes: the same formula as tests/lib/kdumpsrc.py page(). */
static uint8_t src_byte(uint64_t a)
{
	uint64_t pfn = a / PAGE, o = a % PAGE;

	if ((pfn >> 3) % 10 != 4 || pfn % 7 == 3)
		return 0;
	if (pfn == NOISE_PFN || (pfn == HALF_NOISE_PFN && o < PAGE / 2))
		return (uint8_t)(splitmix64(pfn * PAGE + (o & ~7ull)) >> (8 * (o & 7)));
	if (pfn == HALF_NOISE_PFN)
		return 0;
	if (o < 128)
		return (uint8_t)((pfn * 131 + o * 7) ^ (pfn >> 3));
	return (uint8_t)((pfn + (o & 15)) * 29);
}

/* Index of pfn's page descriptor: every pfn of the ranges is dumped, in order. */
static uint64_t pd_index(uint64_t pfn)
{
	uint64_t idx = 0;

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		uint64_t first = ranges[i].phys / PAGE, n = ranges[i].len / PAGE;

		if (pfn >= first && pfn < first + n)
			return idx + pfn - first;
		idx += n;
	}
	return UINT64_MAX;
}

/* The file holds what its README says: codec pages, a raw noise page, a shared zero page. */
static void check_descs(const char *name, const uint8_t *f, size_t n, uint32_t flag)
{
	const uint8_t *pd = f + PD_OFF;
	uint64_t data = pd_index(0x20), noise = pd_index(NOISE_PFN), half = pd_index(HALF_NOISE_PFN);
	uint64_t zero1 = pd_index(0x1), zero2 = pd_index(0x7ff4);

	IC_CHECK(n >= PD_OFF + NPAGES * 24u, "%s: %zu bytes", name, n);
	if (n < PD_OFF + NPAGES * 24u)
		return;
	IC_CHECK(ic_get_le32(pd + data * 24 + 12) == flag && ic_get_le32(pd + data * 24 + 8) < 400,
		 "%s: pfn 0x20: flags 0x%" PRIx32 " size %" PRIu32, name, ic_get_le32(pd + data * 24 + 12),
		 ic_get_le32(pd + data * 24 + 8));
	IC_CHECK(ic_get_le32(pd + half * 24 + 12) == flag && ic_get_le32(pd + half * 24 + 8) > PAGE / 2,
		 "%s: half-noise pfn: flags 0x%" PRIx32 " size %" PRIu32, name,
		 ic_get_le32(pd + half * 24 + 12), ic_get_le32(pd + half * 24 + 8));
	IC_CHECK(ic_get_le32(pd + noise * 24 + 12) == 0 && ic_get_le32(pd + noise * 24 + 8) == PAGE,
		 "%s: noise pfn stored raw: flags 0x%" PRIx32 " size %" PRIu32, name,
		 ic_get_le32(pd + noise * 24 + 12), ic_get_le32(pd + noise * 24 + 8));
	IC_CHECK(ic_get_le32(pd + zero1 * 24 + 12) == 0 &&
			 ic_get_le64(pd + zero1 * 24) == ic_get_le64(pd + zero2 * 24),
		 "%s: zero pages share one raw page", name);
}

static void check_file(const char *src, const char *file, const char *fmt, enum ic_codec codec,
		       uint32_t flag)
{
	static const uint64_t absent[][2] = {
		{ 0x0, 1 },        { 0xfff, 2 },      { 0x9ffff, 2 },    { 0xa0000, 1 },
		{ 0x200000, 1 },   { 0x3fff000, 4096 }, { 0x407ffff, 2 }, { 0x4080000, 1 },
		{ 0x7feffff, 1 },  { 0x7ffffff, 2 },  { 0x8000000, 1 },  { 0x100000000, 8 },
	};
	char path[4200];
	struct ic_image *img = NULL;
	const uint8_t *notes;
	size_t nlen, flen;
	uint8_t *buf, *raw;
	int err;

	if (!ic_codec_available(codec)) {
		/* the library was built without this codec: that is a skip, not a pass, in CI */
		fprintf(stderr, "%s: %s support not built in\n", file, ic_codec_name(codec));
		IC_CHECK(!getenv("CI"), "%s: %s codec missing in CI", file, ic_codec_name(codec));
		return;
	}
	snprintf(path, sizeof(path), "%s/tests/data/kdump/%s", src, file);
	err = ic_image__open(&quiet, path, &img);
	IC_CHECK(!err, "open %s: %d", path, err);
	if (err)
		return;
	IC_CHECK(!strcmp(ic_image__format(img), fmt), "%s: format %s", file, ic_image__format(img));
	IC_CHECK(ic_image__nranges(img) == 4, "%s: %zu ranges", file, ic_image__nranges(img));
	IC_CHECK(ic_image__bytes(img) == (uint64_t)NPAGES * PAGE, "%s: %" PRIu64 " bytes", file,
		 ic_image__bytes(img));
	for (size_t i = 0; i < 4 && i < ic_image__nranges(img); i++) {
		const struct ic_range *r = &ic_image__ranges(img)[i];

		IC_CHECK(r->phys == ranges[i].phys && r->len == ranges[i].len,
			 "%s: range %zu: 0x%" PRIx64 "+0x%" PRIx64, file, i, r->phys, r->len);
	}
	/* every byte: whole ranges at once, then in odd pieces that cut pages (the page cache) */
	buf = malloc(0x100000);
	IC_CHECK(buf != NULL, "malloc");
	for (size_t i = 0; buf && i < 4; i++) {
		size_t bad = 0;

		err = ic_image__read(img, ranges[i].phys, buf, (size_t)ranges[i].len);
		IC_CHECK(!err, "%s: read range %zu: %d", file, i, err);
		for (size_t k = 0; !err && k < ranges[i].len; k++)
			bad += buf[k] != src_byte(ranges[i].phys + k);
		IC_CHECK(!bad, "%s: range %zu: %zu bytes differ from the source", file, i, bad);
		bad = 0;
		for (uint64_t at = 0; !err && at < ranges[i].len; at += 3001) {
			size_t take = ranges[i].len - at < 3001 ? (size_t)(ranges[i].len - at) : 3001;

			err = ic_image__read(img, ranges[i].phys + at, buf, take);
			for (size_t k = 0; !err && k < take; k++)
				bad += buf[k] != src_byte(ranges[i].phys + at + k);
		}
		IC_CHECK(!err && !bad, "%s: range %zu in pieces: err %d, %zu bytes differ", file, i, err, bad);
	}
	/* holes between the ranges, reads across a range's ends, past max_mapnr */
	for (size_t i = 0; buf && i < sizeof(absent) / sizeof(absent[0]); i++)
		IC_CHECK(ic_image__read(img, absent[i][0], buf, (size_t)absent[i][1]) == -IC_ENOTFOUND,
			 "%s: 0x%" PRIx64 "+%" PRIu64 " not absent", file, absent[i][0], absent[i][1]);
	free(buf);
	/* the source's PT_NOTE (one zeroed NT_PRSTATUS) is the dump's note area */
	err = ic_image__notes(img, &notes, &nlen);
	IC_CHECK(!err && nlen == 356 && !memcmp(notes + 12, "CORE", 5), "%s: notes err %d len %zu", file,
		 err, nlen);
	ic_image__free(img);
	raw = ic_test_slurp(path, &flen);
	IC_CHECK(raw != NULL, "read %s", path);
	if (raw && !strcmp(fmt, "kdump"))
		check_descs(file, raw, flen, flag);
	free(raw);
}

int main(void)
{
	const char *src = getenv("IC_SRC") ?: ".";

	check_file(src, "snappy-d1.kdump", "kdump", IC_CODEC_SNAPPY, 0x4);
	check_file(src, "zstd-d1.kdump", "kdump", IC_CODEC_ZSTD, 0x20);
	check_file(src, "lzo-d1.kdump", "kdump", IC_CODEC_LZO, 0x2);
	check_file(src, "zstd-d1.flat", "kdump-flat", IC_CODEC_ZSTD, 0x20);
	return IC_TEST_DONE();
}
