/* SPDX-License-Identifier: MIT */
/* Unit tests for live memory through BPF (src/1-image/bpf_live.c): /proc/iomem, the direct map. */
/*
 * The BPF reads themselves need root on a kernel that allows them: tests/scripts/
 * test_live_bpf.py runs them for real. Here the two pure parts: the /proc/iomem parser on the
 * shapes x86-64 and arm64 write (and what a non-root reader sees), and the search for the
 * direct map's base against simulated kernel memory, decoys included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "1-image/bpf_live.h"
#include "1-image/image_internal.h"

/* This machine's (Firecracker, 6.18), shortened. */
static const char x86[] =
	"00000000-00000fff : Reserved\n"
	"00001000-0009fbff : System RAM\n"
	"0009fc00-000fffff : Reserved\n"
	"  000f0000-000fffff : System ROM\n"
	"00100000-bfffffff : System RAM\n"
	"  01000000-0225b13f : Kernel code\n"
	"  02400000-02dfefff : Kernel rodata\n"
	"  02e00000-0307a57f : Kernel data\n"
	"  03928000-03a59fff : Kernel bss\n"
	"c0001000-eebfffff : PCI Bus 0000:00\n"
	"100000000-63fffffff : System RAM\n"
	"4000000000-7fffffffff : PCI Bus 0000:00\n"
	"    4000000000-400007ffff : virtio-pci-modern\n";

/* arm64 (QEMU virt, 6.1): "Kernel code" from _stext, "Kernel data" to _end. */
static const char arm64[] =
	"09000000-09000fff : pl011@9000000\n"
	"40000000-bfffffff : System RAM\n"
	"  40210000-40f6ffff : Kernel code\n"
	"  40f70000-4124ffff : reserved\n"
	"  41250000-416cffff : Kernel data\n"
	"  48000000-483fffff : reserved";

static void test_iomem(void)
{
	struct ic_iomem *io = malloc(sizeof(*io));
	char *big;
	size_t line, n;

	if (!io)
		return;
	IC_CHECK(ic_iomem_parse(x86, sizeof(x86) - 1, io, &line) == 0, "x86 parses");
	IC_CHECK(io->nram == 3 && io->ram[0].lo == 0x1000 && io->ram[0].hi == 0x9fc00 &&
		 io->ram[2].lo == 0x100000000ull && io->ram[2].hi == 0x640000000ull,
		 "x86 RAM: %zu ranges", io->nram);
	IC_CHECK(io->code == 0x1000000 && io->kernel_end == 0x3a5a000, "x86 kernel 0x%llx-0x%llx",
		 (unsigned long long)io->code, (unsigned long long)io->kernel_end);
	/* the parts, without the freed init memory between data and bss */
	IC_CHECK(io->nkpart == 4 && io->kpart[2].hi == 0x307a580 && io->kpart[3].lo == 0x3928000,
		 "x86 kernel parts: %zu", io->nkpart);
	IC_CHECK(ic_iomem_parse(arm64, sizeof(arm64) - 1, io, &line) == 0, "arm64 parses (no final \\n)");
	IC_CHECK(io->nram == 1 && io->code == 0x40210000 && io->kernel_end == 0x416d0000,
		 "arm64: code 0x%llx end 0x%llx", (unsigned long long)io->code,
		 (unsigned long long)io->kernel_end);
	/* hot-plugged RAM (virtio-mem, dax kmem under Soft Reserved) counts; pieces merge */
	{
		static const char hp[] =
			"00001000-0009ffff : System RAM\n"
			"00100000-3fffffff : System RAM\n"
			"  01000000-01ffffff : Kernel code\n"
			"  02000000-02ffffff : Kernel data\n"
			"40000000-7fffffff : System RAM\n"
			"100000000-13fffffff : System RAM (virtio_mem)\n"
			"200000000-23fffffff : Soft Reserved\n"
			"  200000000-23fffffff : dax0.0\n"
			"    200000000-23fffffff : System RAM (kmem)\n"
			"300000000-3000fffff : System RAMBLE\n";

		IC_CHECK(ic_iomem_parse(hp, sizeof(hp) - 1, io, &line) == 0 && io->nram == 4 &&
			 io->ram[1].lo == 0x100000 && io->ram[1].hi == 0x80000000ull &&
			 io->ram[2].lo == 0x100000000ull && io->ram[3].hi == 0x240000000ull,
			 "hot-plugged RAM: %zu ranges", io->nram);
	}
	/* what a reader without CAP_SYS_ADMIN sees */
	IC_CHECK(ic_iomem_parse("00000000-00000000 : System RAM\n  00000000-00000000 : Kernel code\n",
				63, io, &line) == -EACCES, "all zero: -EACCES");
	IC_CHECK(ic_iomem_parse("00001000-0009fbff : System RAM\n00100000-zz : System RAM\n", 54, io,
				&line) == -IC_EFORMAT && line == 2, "bad hex: line %zu", line);
	IC_CHECK(ic_iomem_parse("2000-1000 : System RAM\n", 23, io, &line) == -IC_EFORMAT,
		 "end below start");
	IC_CHECK(ic_iomem_parse("1000-2000 System RAM\n", 21, io, &line) == -IC_EFORMAT, "no ' : '");
	IC_CHECK(ic_iomem_parse("11112222333344445-2 : System RAM\n", 33, io, &line) == -IC_EFORMAT,
		 "17 hex digits");
	IC_CHECK(ic_iomem_parse("1000-2000 : System RAM\n", 23, io, &line) == -IC_ENOTFOUND,
		 "no Kernel code");
	IC_CHECK(ic_iomem_parse("", 0, io, &line) == -IC_ENOTFOUND, "empty");
	IC_CHECK(ic_iomem_parse("0-ffffffffffffffff : System RAM\n", 32, io, &line) == -IC_EFORMAT,
		 "a range to 2^64 cannot be [lo, hi)");
	/* more System RAM lines than the ceiling */
	big = malloc((IC_MAX_IOMEM_RAM + 1) * 40);
	if (big) {
		n = 0;
		for (unsigned i = 0; i <= IC_MAX_IOMEM_RAM; i++)
			n += (size_t)sprintf(big + n, "%x-%x : System RAM\n", i * 0x2000, i * 0x2000 + 0xfff);
		IC_CHECK(ic_iomem_parse(big, n, io, &line) == -IC_ELIMIT, "ceiling");
		free(big);
	}
	free(io);
}

/*
 * Simulated kernel memory: a direct map at base over RAM [0, ram_end), the kernel image mapped at
 * text_va (its pages from physical TEXT_PHYS), and decoy copies of the kernel image's first two
 * MiB at other physical addresses.
 */
struct sim {
	uint64_t base, text_va, ram_end;
	uint64_t decoy[2];
	size_t ndecoy;
	unsigned reads;
	bool no_image; /* the image's own mapping unreadable */
};

#define TEXT_PHYS 0x1000000ull
#define GIB (1ull << 30)
#define MIB2 (2ull << 20)

static void page_bytes(uint64_t image_off, uint8_t *buf)
{
	for (unsigned i = 0; i < 4096; i++)
		buf[i] = (uint8_t)((image_off >> 12) * 131 + i * 7 + (image_off >> 20));
}

static int sim_read(void *arg, uint64_t va, void *buf, size_t len)
{
	struct sim *s = arg;
	uint64_t pa;

	s->reads++;
	if (len != 4096 || va & 4095)
		return -22;
	if (!s->no_image && va >= s->text_va && va - s->text_va < (4ull << 20)) {
		page_bytes(va - s->text_va, buf);
		return 0;
	}
	if (va < s->base || va - s->base >= s->ram_end)
		return -14; /* -EFAULT: not mapped */
	pa = va - s->base;
	if (pa >= TEXT_PHYS && pa - TEXT_PHYS < (4ull << 20)) {
		page_bytes(pa - TEXT_PHYS, buf);
		return 0;
	}
	for (size_t i = 0; i < s->ndecoy; i++)
		if (pa >= s->decoy[i] && pa - s->decoy[i] < (2ull << 20)) {
			page_bytes(pa - s->decoy[i], buf);
			return 0;
		}
	memset(buf, 0, 4096);
	return 0;
}

/* /proc/iomem as the simulation has it: RAM [0x1000, ram_end), "Kernel code" at `code`. */
static void sim_iomem(const struct sim *s, struct ic_iomem *io, uint64_t code)
{
	memset(io, 0, sizeof(*io));
	io->ram[0].lo = 0x1000;
	io->ram[0].hi = s->ram_end;
	io->nram = 1;
	io->code = code;
	io->kernel_end = TEXT_PHYS + (4ull << 20);
}

static int find(struct sim *s, struct ic_iomem *io, uint64_t task_pa, uint64_t step,
		uint64_t *base, uint64_t *other)
{
	sim_iomem(s, io, TEXT_PHYS);
	return ic_dmap_find(sim_read, s, io, s->base + task_pa, step, s->text_va, TEXT_PHYS,
			    s->text_va + (1u << 20), TEXT_PHYS + (1u << 20), base, other);
}

static void test_dmap(struct ic_iomem *io)
{
	struct sim s = { .base = 0xffff888000000000ull, .text_va = 0xffffffff81000000ull,
			 .ram_end = 24ull << 30 };
	uint64_t base = 0, other = 0;
	int err;

	/* the x86-64 default, the task 4 GiB up */
	err = find(&s, io, 4ull << 30, GIB, &base, &other);
	IC_CHECK(!err && base == s.base, "x86-64 default: %d 0x%llx", err, (unsigned long long)base);
	/* randomized (1 GiB multiple), the task near the top of RAM */
	s.base = 0xffff9a4bc0000000ull;
	err = find(&s, io, (24ull << 30) - 4096, GIB, &base, &other);
	IC_CHECK(!err && base == s.base, "randomized: %d 0x%llx", err, (unsigned long long)base);
	/* a 2 MiB multiple (arm64 with a smaller memstart alignment) */
	s.base = 0xffff000000000000ull - 0x40200000ull;
	err = find(&s, io, 1ull << 30, MIB2, &base, &other);
	IC_CHECK(!err && base == s.base, "2 MiB base: %d 0x%llx", err, (unsigned long long)base);
	/* ... which 1 GiB steps do not reach */
	err = find(&s, io, 1ull << 30, GIB, &base, &other);
	IC_CHECK(err == -IC_ENOTFOUND, "2 MiB base, 1 GiB steps: %d", err);
	/* a copy of the image's first 2 MiB at another physical address: P' = base + decoy -
	 * TEXT_PHYS also holds both pages compared: two bases, refused (the real one is met
	 * first; the search goes on) */
	s.base = 0xffff888000000000ull;
	s.decoy[0] = 0x40000000; /* P' = base + 1 GiB - 16 MiB, a 2 MiB multiple */
	s.ndecoy = 1;
	err = find(&s, io, 4ull << 30, MIB2, &base, &other);
	IC_CHECK(err == -IC_EAMBIGUOUS && (base == s.base || other == s.base),
		 "decoy copy: %d 0x%llx 0x%llx", err, (unsigned long long)base,
		 (unsigned long long)other);
	/* a task outside the direct map: not found, in bounded tries (RAM / step) */
	s.ndecoy = 0;
	s.reads = 0;
	sim_iomem(&s, io, TEXT_PHYS);
	err = ic_dmap_find(sim_read, &s, io, 0xffffc90000000000ull, MIB2, s.text_va, TEXT_PHYS,
			   s.text_va + (1u << 20), TEXT_PHYS + (1u << 20), &base, &other);
	IC_CHECK(err == -IC_ENOTFOUND && s.reads <= (24ull << 30 >> 21) + 2,
		 "not found: %d after %u reads", err, s.reads);
	/* only candidates that put the task in RAM: two RAM ranges with a 64 GiB hole, the
	 * task in the upper one; a base that would put it in the hole is never read */
	s.reads = 0;
	sim_iomem(&s, io, TEXT_PHYS);
	io->ram[0].hi = 4ull << 30;
	io->ram[1].lo = 68ull << 30;
	io->ram[1].hi = 72ull << 30;
	io->nram = 2;
	s.ram_end = 72ull << 30;
	err = ic_dmap_find(sim_read, &s, io, s.base + (70ull << 30), GIB, s.text_va, TEXT_PHYS,
			   s.text_va + (1u << 20), TEXT_PHYS + (1u << 20), &base, &other);
	IC_CHECK(!err && base == s.base && s.reads <= 2 + 4 + 4 + 2,
		 "RAM with a hole: %d 0x%llx, %u reads", err, (unsigned long long)base, s.reads);
	s.ram_end = 24ull << 30;
	/* the image itself unreadable: the reader's error */
	s.no_image = true;
	err = find(&s, io, 4ull << 30, GIB, &base, &other);
	IC_CHECK(err == -14, "image unreadable: %d", err);
}

/*
 * ic_bpf_live_place(): arm64 whose "Kernel code" starts at _stext, 64 KiB above _text (6.1): the
 * page at _text is not at P + code, the one at _stext is; _text's physical address is code -
 * 64 KiB. And a KASAN-tagged task pointer.
 */
static void test_place(struct ic_iomem *io)
{
	struct sim s = { .base = 0xffff000000000000ull - 0x40000000ull,
			 .text_va = 0xffff800008000000ull, .ram_end = 4ull << 30 };
	const uint64_t text = s.text_va - 0x10000, stext = s.text_va;
	uint64_t anchors[2] = { text, stext }, base = 0, other = 0;
	struct ic_kcore_text kt;
	int err;

	sim_iomem(&s, io, TEXT_PHYS);
	err = ic_bpf_live_place(sim_read, &s, io, ((s.base + (2ull << 30)) & ~(0xffull << 56)) |
				(0xf4ull << 56), anchors, 2, &base, &other, &kt);
	IC_CHECK(!err && base == s.base && kt.vaddr == text && kt.phys == TEXT_PHYS - 0x10000 &&
		 kt.len == io->kernel_end - kt.phys, "arm64 _stext anchor: %d base 0x%llx phys 0x%llx",
		 err, (unsigned long long)base, (unsigned long long)kt.phys);
	/* an anchor below _text is passed over: what is left is _text's own read error (not
	 * mapped: -EFAULT) */
	anchors[1] = text - 0x1000;
	err = ic_bpf_live_place(sim_read, &s, io, s.base + (2ull << 30), anchors, 2, &base, &other, &kt);
	IC_CHECK(err == -14, "anchor below _text: %d", err);
	/* "Kernel code" at _stext (arm64 6.1-6.17) with _text's page readable (a kernel that keeps
	 * it mapped, or other data there): _stext finds the base; with a copy of the image's start
	 * in RAM where _text's page lines up with "Kernel code", _text finds another: two bases
	 * from two anchors, refused (returning the first would read all RAM at a copy's offset) */
	s.no_image = false;
	s.text_va = text;
	s.ram_end = 4ull << 30;
	sim_iomem(&s, io, TEXT_PHYS + 0x10000);
	anchors[0] = text;
	anchors[1] = stext;
	err = ic_bpf_live_place(sim_read, &s, io, s.base + (2ull << 30), anchors, 2, &base, &other, &kt);
	IC_CHECK(!err && base == s.base && kt.phys == TEXT_PHYS, "arm64 pre-6.1: %d 0x%llx 0x%llx",
		 err, (unsigned long long)base, (unsigned long long)kt.phys);
	s.decoy[0] = TEXT_PHYS + 0x10000 + (1ull << 30);
	s.ndecoy = 1;
	err = ic_bpf_live_place(sim_read, &s, io, s.base + (2ull << 30), anchors, 2, &base, &other, &kt);
	IC_CHECK(err == -IC_EAMBIGUOUS && base == s.base + (1ull << 30) && other == s.base,
		 "arm64 pre-6.1, a copy: %d 0x%llx 0x%llx", err, (unsigned long long)base,
		 (unsigned long long)other);
	s.ndecoy = 0;
	/* "Kernel code" at _text (arm64 before 6.1 and from 6.18): _text finds the base, _stext
	 * (64 KiB on) nothing */
	sim_iomem(&s, io, TEXT_PHYS);
	err = ic_bpf_live_place(sim_read, &s, io, s.base + (2ull << 30), anchors, 2, &base, &other, &kt);
	IC_CHECK(!err && base == s.base && kt.phys == TEXT_PHYS, "arm64, Kernel code at _text: %d",
		 err);
	/* x86-64: _text itself, 1 GiB steps */
	sim_iomem(&s, io, TEXT_PHYS);
	s.base = 0xffff888000000000ull;
	s.text_va = 0xffffffff81000000ull;
	anchors[0] = s.text_va;
	anchors[1] = 0;
	err = ic_bpf_live_place(sim_read, &s, io, s.base + (3ull << 30), anchors, 2, &base, &other, &kt);
	IC_CHECK(!err && base == s.base && kt.phys == TEXT_PHYS, "x86-64: %d 0x%llx", err,
		 (unsigned long long)base);
}

/*
 * ic_image_restrict(): the live readers' kernel image window cut to iomem's "Kernel ..." parts.
 * Over a memory image of two ranges (phys 0x1000000 + 1 MiB at buf 0, phys 0x2000000 + 1 MiB at
 * buf 1 MiB): parts that take the first range's second half and cross into the second.
 */
static void test_restrict(void)
{
	static uint8_t buf[2u << 20];
	const struct ic_range ranges[2] = { { 0x1000000, 1u << 20 }, { 0x2000000, 1u << 20 } };
	const uint64_t offs[2] = { 0, 1u << 20 };
	const struct ic_range parts[2] = { { 0x1080000, 0x80000 }, { 0x1ff0000, 0x20000 } };
	struct ic_image *img = NULL;
	uint8_t b[4];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 31 + (i >> 16));
	if (ic_image__open_mem(NULL, "mem", buf, sizeof(buf), ranges, offs, 2, &img)) {
		IC_CHECK(0, "open_mem");
		return;
	}
	IC_CHECK(ic_image_restrict(img, parts, 2) == 0, "restrict");
	IC_CHECK(img->nranges == 2 && img->ranges[0].phys == 0x1080000 &&
		 img->ranges[0].len == 0x80000 && img->ranges[1].phys == 0x2000000 &&
		 img->ranges[1].len == 0x10000 && ic_image__bytes(img) == 0x90000,
		 "ranges: %zu", img->nranges);
	/* the bytes are still the ones at those physical addresses */
	IC_CHECK(!ic_image__read(img, 0x1080000, b, 4) && !memcmp(b, buf + 0x80000, 4) &&
		 !ic_image__read(img, 0x2000010, b, 4) && !memcmp(b, buf + (1u << 20) + 0x10, 4),
		 "reads follow");
	IC_CHECK(ic_image__read(img, 0x1000000, b, 4) != 0, "the cut part is gone");
	ic_image__free(img);
	/* parts out of order or overlapping: refused, the image as it was */
	if (!ic_image__open_mem(NULL, "mem", buf, sizeof(buf), ranges, offs, 2, &img)) {
		const struct ic_range unsorted[2] = { parts[1], parts[0] };
		const struct ic_range overlap[2] = { { 0x1000000, 0x20000 }, { 0x1010000, 0x20000 } };

		IC_CHECK(ic_image_restrict(img, unsorted, 2) == -IC_EFORMAT &&
			 ic_image_restrict(img, overlap, 2) == -IC_EFORMAT && img->nranges == 2 &&
			 ic_image__bytes(img) == (2u << 20) && !ic_image__read(img, 0x1000000, b, 4) &&
			 !memcmp(b, buf, 4), "bad parts: image unchanged");
		ic_image__free(img);
	}
}

int main(void)
{
	test_restrict();
	struct ic_iomem *io = malloc(sizeof(*io));

	test_iomem();
	if (io) {
		test_dmap(io);
		test_place(io);
	}
	free(io);
	return IC_TEST_DONE();
}
