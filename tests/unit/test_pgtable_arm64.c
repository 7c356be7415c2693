/* SPDX-License-Identifier: MIT */
/* Unit tests of the arm64 walker over synthetic TTBR1 tables, per granule and VA size. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ic_test.h"
#include "isfcarve/arch.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"
#include "phys_mem.h"

#define MEM_SIZE (8u << 20) /* 8 MiB of "physical memory" */
#define CONT (1ull << 52)
#define AF (1ull << 10)

struct cfg {
	unsigned g, va_bits;
	bool lpa2;
	unsigned levels; /* expected */
};

/* Every granule with the VA sizes Linux builds (and 36-bit), LPA2 and 64K 52-bit PA. */
static const struct cfg cfgs[] = {
	{ 12, 39, false, 3 }, { 12, 48, false, 4 }, { 12, 48, true, 4 }, { 12, 52, true, 5 },
	{ 14, 36, false, 2 }, { 14, 47, false, 3 }, { 14, 48, false, 4 }, { 14, 52, true, 4 },
	{ 16, 42, false, 2 }, { 16, 48, false, 3 }, { 16, 52, false, 3 },
};

static uint8_t *mem;
static uint64_t next_table;

static void put(uint64_t pa, uint64_t v)
{
	pm_put64(mem, pa, v);
}

static uint64_t get(uint64_t pa)
{
	return pm_get64(mem, pa);
}

/* Encode an output address the way the test's configuration stores it. */
static uint64_t enc(const struct cfg *c, uint64_t oa)
{
	if (c->lpa2)
		return (oa & 0x0003fffffffff000ull) | ((oa >> 50) & 3) << 8;
	if (c->g == 16)
		return (oa & 0x0000ffffffff0000ull) | ((oa >> 48) & 0xf) << 12;
	return oa & 0x0000fffffffff000ull;
}

static uint64_t shift_of(const struct cfg *c, unsigned level)
{
	return c->g + (c->g - 3) * (level - 1);
}

static uint64_t index_of(const struct cfg *c, uint64_t va, unsigned level)
{
	unsigned s = (unsigned)shift_of(c, level);
	unsigned bits = level == c->levels ? c->va_bits - s : c->g - 3;

	return (va >> s) & ((1ull << bits) - 1);
}

static uint64_t new_table(const struct cfg *c)
{
	uint64_t t = next_table;

	next_table += 1ull << c->g;
	if (next_table > MEM_SIZE) {
		fprintf(stderr, "test tables overflow\n");
		exit(1);
	}
	memset(mem + t, 0, (size_t)1 << c->g);
	return t;
}

/* Map va -> oa with a leaf at `leaf` (1 = page), creating tables from root; returns the
 * leaf's physical slot. */
static uint64_t map(const struct cfg *c, uint64_t root, uint64_t va, uint64_t oa, unsigned leaf,
		uint64_t extra)
{
	uint64_t table = root;

	for (unsigned level = c->levels; level > leaf; level--) {
		uint64_t slot = table + index_of(c, va, level) * 8;
		uint64_t d = get(slot);

		if (!(d & 1)) {
			uint64_t t = new_table(c);

			d = enc(c, t) | 3;
			put(slot, d);
		}
		/* decode our own encoding (tables live below 8 MiB: plain bits) */
		table = d & 0x0000fffffffff000ull & ~((1ull << c->g) - 1);
	}
	put(table + index_of(c, va, leaf) * 8, enc(c, oa) | AF | extra | (leaf == 1 ? 3 : 1));
	return table + index_of(c, va, leaf) * 8;
}

static struct ic_image *write_image(char *path)
{
	return pm_image(mem, MEM_SIZE, path);
}

static void expect(const struct ic_mmu *m, uint64_t va, int want_err, uint64_t want_pa,
		   uint64_t want_size, const struct cfg *c, unsigned line)
{
	struct ic_xlate x;
	int err = ic_mmu__translate(m, va, &x);

	IC_CHECK(err == want_err, "line %u g=%u va_bits=%u lpa2=%d: va 0x%llx err %d want %d",
		 line, c->g, c->va_bits, c->lpa2, (unsigned long long)va, err, want_err);
	if (!err && !want_err) {
		IC_CHECK(x.phys == want_pa, "line %u g=%u va_bits=%u: va 0x%llx -> 0x%llx want 0x%llx",
			 line, c->g, c->va_bits, (unsigned long long)va,
			 (unsigned long long)x.phys, (unsigned long long)want_pa);
		IC_CHECK(x.page_size == want_size, "line %u g=%u: size 0x%llx want 0x%llx", line,
			 c->g, (unsigned long long)x.page_size, (unsigned long long)want_size);
	}
}

static void run_cfg(const struct cfg *c)
{
	char path[] = "/tmp/ic_test_pgarm64.XXXXXX";
	uint64_t page = 1ull << c->g, blk = 1ull << shift_of(c, 2);
	/* Kernel-half addresses: the lowest TTBR1 VA, an image-like VA, the top page. */
	uint64_t base = ~0ull << c->va_bits;
	uint64_t ktext = base + (1ull << (c->va_bits - 1)) + 7 * blk;
	uint64_t top = ~0ull & ~(page - 1);
	uint64_t hi_pa = c->va_bits == 52 || c->lpa2 || c->g == 16 ? 0x000f123456780000ull
								       : 0x0000123456780000ull;
	struct ic_image *img;
	struct ic_mmu m;
	uint64_t root;
	int err;

	memset(mem, 0, MEM_SIZE);
	next_table = 1ull << 16;
	root = new_table(c);
	map(c, root, ktext, 0x300000ull & ~(page - 1), 1, 0);
	map(c, root, ktext + page, hi_pa & ~(page - 1), 1, CONT);
	map(c, root, ktext + blk, 2 * blk, 2, 0);   /* a block */
	map(c, root, base, 0x5000ull & ~(page - 1), 1, 0);
	map(c, root, top, 0x7000ull & ~(page - 1), 1, 0);
	/* Reserved 0b01 at the last level. */
	put(map(c, root, ktext + 2 * page, 0x9000ull & ~(page - 1), 1, 0), enc(c, 0x10000) | 1);
	img = write_image(path);

	err = ic_mmu__init_arm64(&m, img, root, c->g, c->va_bits, c->lpa2);
	IC_CHECK(err == 0 && m.levels == c->levels, "init g=%u va_bits=%u: err %d levels %u", c->g,
		 c->va_bits, err, m.levels);
	expect(&m, ktext + 0x123, 0, (0x300000ull & ~(page - 1)) + 0x123, page, c, __LINE__);
	expect(&m, ktext + page + 8, 0, (hi_pa & ~(page - 1)) + 8, page, c, __LINE__);
	expect(&m, ktext + blk + 0x1234, 0, 2 * blk + 0x1234, blk, c, __LINE__);
	expect(&m, base, 0, 0x5000ull & ~(page - 1), page, c, __LINE__);
	expect(&m, top + 0x10, 0, (0x7000ull & ~(page - 1)) + 0x10, page, c, __LINE__);
	expect(&m, ktext + 2 * page, -IC_EFORMAT, 0, 0, c, __LINE__);
	expect(&m, ktext + 3 * page, -IC_ENOTFOUND, 0, 0, c, __LINE__);
	expect(&m, base - 1, -EINVAL, 0, 0, c, __LINE__);          /* below TTBR1 */
	expect(&m, 0x1000, -EINVAL, 0, 0, c, __LINE__);            /* TTBR0 */
	/* Bytes through the mapping */
	{
		uint64_t v;

		put(0x300000ull & ~(page - 1), 0x1122334455667788ull);
		ic_image__free(img);
		unlink(path);
		strcpy(path, "/tmp/ic_test_pgarm64.XXXXXX");
		img = write_image(path);
		m.img = img;
		IC_CHECK(ic_mmu__read_u64(&m, ktext, &v) == 0 && v == 0x1122334455667788ull,
			 "read through g=%u va_bits=%u", c->g, c->va_bits);
	}
	/* A table pointing outside the image: truncated, not a crash. */
	{
		struct ic_mmu bad = m;

		bad.root = 0x7fffffff000ull;
		expect(&bad, ktext, -IC_ETRUNC, 0, 0, c, __LINE__);
	}
	ic_image__free(img);
	unlink(path);
}

int main(void)
{
	struct ic_mmu m;

	mem = malloc(MEM_SIZE);
	if (!mem)
		return 1;
	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
		run_cfg(&cfgs[i]);
	/* Unsupported combinations are refused up front. */
	IC_CHECK(ic_mmu__init_arm64(&m, (const struct ic_image *)mem, 0, 13, 48, false) == -EINVAL,
		 "granule 8K");
	IC_CHECK(ic_mmu__init_arm64(&m, (const struct ic_image *)mem, 0, 12, 52, false) == -EINVAL,
		 "4K 52-bit without LPA2");
	IC_CHECK(ic_mmu__init_arm64(&m, (const struct ic_image *)mem, 0, 16, 48, true) == -EINVAL,
		 "64K with LPA2");
	IC_CHECK(ic_mmu__init_arm64(&m, (const struct ic_image *)mem, 0, 12, 53, true) == -EINVAL,
		 "53-bit VA");
	free(mem);
	return IC_TEST_DONE();
}
