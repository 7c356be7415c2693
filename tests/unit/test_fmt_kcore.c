/* SPDX-License-Identifier: MIT */
/* Unit tests for the /proc/kcore reader: detection, aliases vs the direct map, segments not in the copy, no p_paddr. */
#include <string.h>

#include "ic_test.h"
#include "img_build.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"

#define PO 0xffff888000000000ull   /* x86-64 PAGE_OFFSET without KASLR */
#define TEXT 0xffffffff81000000ull /* x86-64 _text */
#define NOPHYS UINT64_MAX

static struct ic_ctx ctx;

struct kseg {
	uint64_t vaddr, paddr;
	const void *data; /* NULL: not in the copy (p_offset far past the end) */
	uint64_t n;
};

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 13);
}

/* ELF64 ET_CORE as /proc/kcore writes it: PT_NOTE first, then the PT_LOADs; data after the notes. */
static void build(struct tb *t, uint16_t machine, const struct tb *notes, const struct kseg *s, unsigned n)
{
	uint64_t nph = 1 + n, data = 64 + 56 * nph + notes->n;

	tb_put(t, "\x7f" "ELF\x02\x01\x01", 7);
	tb_put(t, NULL, 9);
	tb_le(t, 4, 2);       /* ET_CORE */
	tb_le(t, machine, 2);
	tb_le(t, 1, 4);
	tb_le(t, 0, 8);       /* e_entry */
	tb_le(t, 64, 8);      /* e_phoff */
	tb_le(t, 0, 8);       /* e_shoff */
	tb_le(t, 0, 4);
	tb_le(t, 64, 2);
	tb_le(t, 56, 2);
	tb_le(t, nph, 2);
	tb_le(t, 0, 6);
	tb_le(t, 4, 4);       /* PT_NOTE */
	tb_le(t, 0, 4);
	tb_le(t, 64 + 56 * nph, 8);
	tb_put(t, NULL, 16);
	tb_le(t, notes->n, 8);
	tb_put(t, NULL, 16);
	for (unsigned i = 0; i < n; i++) {
		tb_le(t, 1, 4);
		tb_le(t, 7, 4);
		tb_le(t, s[i].data ? data : 1ull << 40, 8);
		tb_le(t, s[i].vaddr, 8);
		tb_le(t, s[i].paddr, 8);
		tb_le(t, s[i].n, 8);
		tb_le(t, s[i].n, 8);
		tb_le(t, 4096, 8);
		if (s[i].data)
			data += s[i].n;
	}
	tb_put(t, notes->p, notes->n);
	for (unsigned i = 0; i < n; i++)
		if (s[i].data)
			tb_put(t, s[i].data, (size_t)s[i].n);
}

static struct ic_image *open_built(const struct tb *t, const char *fmt, int *err)
{
	struct ic_image *img = NULL;
	char *path = tb_file(t, "kcore");

	*err = fmt ? ic_image__open_as(&ctx, path, fmt, &img) : ic_image__open(&ctx, path, &img);
	tb_rm(path);
	return img;
}

/* x86-64 6.x shape: TEXT alias inside RAM, vmalloc/modules/vmemmap not in the copy; a second
 * alias (old KCORE_REMAP) overlapping the first; a third alias reaching past the RAM. */
static void test_aliases(void)
{
	static uint8_t ram[0x4000], low[0x1000], text[0x2000], remap[0x1000], tail[0x2000];
	struct tb notes = { 0 }, t = { 0 };
	struct ic_image *img;
	const struct ic_range *r;
	uint8_t buf[16];
	int err;

	fill(ram, sizeof(ram), 1);
	fill(low, sizeof(low), 2);
	memcpy(text, ram + 0x1000, sizeof(text));   /* the same memory through the text mapping */
	memcpy(remap, ram + 0x2000, sizeof(remap));
	memcpy(tail, ram + 0x3000, 0x1000);
	fill(tail + 0x1000, 0x1000, 3);              /* 0x104000.. exists only in this alias */
	tb_note(&notes, "CORE", 1, ram, 32);
	tb_note(&notes, "CORE", 4, ram, 64);         /* NT_TASKSTRUCT */
	{
		const struct kseg s[] = {
			{ TEXT, 0x101000, text, sizeof(text) },
			{ 0xffffc90000000000ull, NOPHYS, NULL, 1ull << 45 },  /* vmalloc */
			{ 0xffffffffa0000000ull, NOPHYS, NULL, 0x5f000000 },  /* modules */
			{ 0xffffffffff600000ull, NOPHYS, NULL, 0x1000 },      /* vsyscall */
			{ PO + 0x100000, 0x100000, ram, sizeof(ram) },
			{ 0xffffea0000004000ull, NOPHYS, NULL, 0x1000 },      /* vmemmap */
			{ PO + 0x1000, 0x1000, low, sizeof(low) },
			{ 0xfffffe0000000000ull, 0x101800, remap, sizeof(remap) }, /* overlaps TEXT too */
			{ 0xffffffffc0000000ull, 0x103000, tail, sizeof(tail) },
		};
		build(&t, 62, &notes, s, (unsigned)(sizeof(s) / sizeof(s[0])));
	}
	img = open_built(&t, NULL, &err);
	IC_CHECK(err == 0 && img, "open: %d", err);
	if (img) {
		r = ic_image__ranges(img);
		IC_CHECK(!strcmp(ic_image__format(img), "kcore"), "format %s", ic_image__format(img));
		IC_CHECK(ic_image__nranges(img) == 3, "ranges: %zu", ic_image__nranges(img));
		IC_CHECK(r[0].phys == 0x1000 && r[0].len == 0x1000, "low RAM");
		IC_CHECK(r[1].phys == 0x100000 && r[1].len == 0x4000, "RAM: 0x%llx+0x%llx",
			 (unsigned long long)r[1].phys, (unsigned long long)r[1].len);
		IC_CHECK(r[2].phys == 0x104000 && r[2].len == 0x1000, "alias tail kept: 0x%llx+0x%llx",
			 (unsigned long long)r[2].phys, (unsigned long long)r[2].len);
		IC_CHECK(ic_image__read(img, 0x101800, buf, 16) == 0 && !memcmp(buf, ram + 0x1800, 16),
			 "RAM copy wins");
		IC_CHECK(ic_image__read(img, 0x104ff0, buf, 16) == 0 && !memcmp(buf, tail + 0x1ff0, 16),
			 "tail from the alias");
		IC_CHECK(ic_image__read(img, 0x200000, buf, 16) == -IC_ENOTFOUND, "hole");
		IC_CHECK(ic_image__notes(img, &(const uint8_t *){ 0 }, &(size_t){ 0 }) == 0, "notes");
		ic_image__free(img);
	}
	/* The same file forced as plain ELF: p_paddr only, contained loads dropped. */
	img = open_built(&t, "elf", &err);
	IC_CHECK(err == 0 && img && !strcmp(ic_image__format(img), "elf"), "as elf: %d", err);
	ic_image__free(img);
	free(t.p);
	free(notes.p);
}

/* Without kcore notes the segments alone identify it (p_paddr -1 beside a direct map). */
static void test_no_notes(void)
{
	static uint8_t ram[0x2000];
	struct tb notes = { 0 }, t = { 0 };
	struct ic_image *img;
	int err;

	fill(ram, sizeof(ram), 5);
	const struct kseg s[] = {
		{ 0xffffc90000000000ull, NOPHYS, NULL, 1ull << 45 },
		{ PO + 0x100000, 0x100000, ram, sizeof(ram) },
	};
	build(&t, 62, &notes, s, 2);
	img = open_built(&t, NULL, &err);
	IC_CHECK(err == 0 && img && !strcmp(ic_image__format(img), "kcore"), "segments only: %d", err);
	IC_CHECK(img && ic_image__nranges(img) == 1, "one range");
	ic_image__free(img);
	free(t.p);
	free(notes.p);
}

/* arm64 copy with every p_paddr 0: the direct map from VMCOREINFO (T1SZ, PHYS_OFFSET). The
 * kernel image (above the linear half) and a vmemmap segment not in the copy are left out. */
static void test_zero_paddr_arm64(void)
{
	static const char vmci[] = "OSRELEASE=7.2.0\nNUMBER(PHYS_OFFSET)=0x40000000\nNUMBER(TCR_EL1_T1SZ)=0xc\n";
	static uint8_t ram[0x3000], text[0x1000];
	struct tb notes = { 0 }, t = { 0 };
	struct ic_image *img;
	uint8_t buf[8];
	int err;

	fill(ram, sizeof(ram), 7);
	memcpy(text, ram, sizeof(text));
	tb_note(&notes, "CORE", 4, ram, 16);
	tb_note(&notes, "VMCOREINFO", 0, vmci, sizeof(vmci) - 1);
	const struct kseg s[] = {
		{ 0xffff98e227e00000ull, 0, text, sizeof(text) },      /* _text */
		{ 0xfff0000000000000ull + 0x200000, 0, ram, sizeof(ram) },
		{ 0xffffc1ffc0000000ull, 0, NULL, 0x100000 },          /* vmemmap, not copied */
	};
	build(&t, 183, &notes, s, 3);
	img = open_built(&t, NULL, &err);
	IC_CHECK(err == 0 && img, "arm64 zero p_paddr: %d", err);
	if (img) {
		IC_CHECK(ic_image__nranges(img) == 1 && ic_image__ranges(img)[0].phys == 0x40200000 &&
			 ic_image__ranges(img)[0].len == 0x3000, "direct map at PHYS_OFFSET + 0x200000");
		IC_CHECK(ic_image__read(img, 0x40202000, buf, 8) == 0 && !memcmp(buf, ram + 0x2000, 8), "read");
		ic_image__free(img);
	}
	free(t.p);
	free(notes.p);
}

/* Not kcore: a QEMU-style core (p_vaddr 0) goes to the elf reader. */
static void test_not_kcore(void)
{
	static uint8_t ram[0x1000];
	struct tb notes = { 0 }, t = { 0 };
	struct ic_image *img;
	int err;

	tb_note(&notes, "CORE", 1, ram, 32);
	const struct kseg s[] = { { 0, 0x100000, ram, sizeof(ram) } };
	build(&t, 62, &notes, s, 1);
	img = open_built(&t, NULL, &err);
	IC_CHECK(err == 0 && img && !strcmp(ic_image__format(img), "elf"), "QEMU-style core is elf");
	ic_image__free(img);
	img = open_built(&t, "kcore", &err);
	IC_CHECK(err < 0 && !img, "forced kcore refuses it: %d", err);
	ic_image__free(img);
	free(t.p);
	free(notes.p);
}

int main(void)
{
	test_aliases();
	test_no_notes();
	test_zero_paddr_arm64();
	test_not_kcore();
	return IC_TEST_DONE();
}
