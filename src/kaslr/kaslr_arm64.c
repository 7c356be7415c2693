/* SPDX-License-Identifier: MIT */
/* KASLR solver for arm64: kimage_voffset, runtime and link-time _text, the TTBR1 tables. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kaslr.h"
#include "isfcarve/vmcoreinfo.h"
#include "../internal.h"
#include "ic_limits.h"
#include "../reader.h"
#include "kaslr_internal.h"

/*
 * arm64 keeps one relation for the kernel image (docs/arm64.md): PA = VA - kimage_voffset,
 * and kaslr_offset() = runtime _text - link _text (VMCOREINFO KERNELOFFSET). The linear map
 * and vmalloc are not image addresses; only the page-table walk covers them.
 */

/* Link-time _text of 6.5+ kernels with VA_BITS_MIN 48 (MODULES_VSIZE 2 GiB above
 * _PAGE_END(48)); only a fallback when nothing says otherwise, flagged as assumed. */
#define ARM64_DEFAULT_LINK_TEXT 0xffff800080000000ull
/* The arm64 Image header at _text: magic "ARM\x64" at +0x38, flags at +24 (bits 2:1 page
 * size: 1 = 4K, 2 = 16K, 3 = 64K). */
#define IMAGE_MAGIC_OFF 0x38u
#define IMAGE_MAGIC 0x644d5241u
#define IMAGE_FLAGS_OFF 24u
#define IMAGE_SIZE_OFF 16u
/* KASLR moves the image in at least 64 KiB steps (kaslr_early_init masks from bit 16). */
#define ARM64_MIN_ALIGN 0x10000ull

struct a64 {
	const struct ic_ctx *ctx;
	const struct ic_kaslr_input *in;
	struct ic_kaslr *k;
	const struct ic_vmcoreinfo *vi;
	bool have_voff;
	uint64_t probe; /* the VA whose walk accepted the tables: _stext, else _text */
};

static int evidence(struct a64 *s, const char *what, bool ok, const char *fmt, ...)
	IC_PRINTF(4, 5);
static int evidence(struct a64 *s, const char *what, bool ok, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = ic_kaslr_evidence_v(s->ctx, s->k, what, ok, fmt, ap);
	va_end(ap);
	return err;
}

static int rd_u64(const struct ic_image *img, uint64_t pa, uint64_t *v)
{
	uint8_t raw[8];
	int err = ic_image__read(img, pa, raw, sizeof(raw));

	if (!err)
		*v = ic_get_le64(raw);
	return err;
}

static int sym_va(const struct a64 *s, const char *name, uint64_t *va)
{
	return ic_kaslr_sym_va(s->in, s->have_voff, s->k->kimage_voffset, name, va);
}

/* A kernel VA on arm64 has its top 12 bits set whatever VA_BITS is (52 at most). */
static bool kernel_va(uint64_t v)
{
	return (v >> 52) == 0xfff;
}

bool ic_kaslr_arm64_detect(const struct ic_kaslr_input *in)
{
	uint64_t v;

	if (in->structure_only)
		return false;
	if (in->vmcoreinfo && !ic_vmcoreinfo__u64(in->vmcoreinfo, "NUMBER(kimage_voffset)", &v))
		return true;
	if (in->sym_virt && !in->sym_virt(in->sym_arg, "kimage_voffset", &v))
		return true;
	return in->sym_phys && !in->sym_phys(in->sym_arg, "kimage_voffset", &v);
}

/* Step 1: kimage_voffset. */
static int anchor(struct a64 *s)
{
	const struct ic_kaslr_input *in = s->in;
	struct ic_kaslr *k = s->k;
	uint64_t v, p, r, rb;

	if (s->vi && !ic_vmcoreinfo__u64(s->vi, "NUMBER(kimage_voffset)", &v)) {
		k->kimage_voffset = v;
		k->method = "vmcoreinfo";
		return 0;
	}
	/* 7.0+ place-relative kallsyms: the variable's physical address is known; it holds
	 * R(kimage_voffset) - p's own offset, i.e. the value itself. */
	if (!in->sym_virt && in->sym_phys && !in->sym_phys(in->sym_arg, "kimage_voffset", &p) &&
	    !rd_u64(in->img, p, &v) && kernel_va(v + p)) {
		k->kimage_voffset = v;
		k->method = "kallsyms-phys+kimage_voffset";
		return 0;
	}
	/* Runtime kallsyms: the variable sits at PA R - v and holds v (self-check, 2^-64 by
	 * chance); the banner's position gives the candidate. */
	if (in->sym_virt && in->have_banner && !in->sym_virt(in->sym_arg, "linux_banner", &rb) &&
	    !in->sym_virt(in->sym_arg, "kimage_voffset", &r)) {
		uint64_t d = rb - in->banner_phys;

		if (!rd_u64(in->img, r - d, &v) && v == d) {
			k->kimage_voffset = d;
			k->method = "kallsyms+linux_banner";
			return 0;
		}
	}
	return -IC_ENOTFOUND;
}

/*
 * Runtime _text from the Image header when kallsyms lacks _text (no KALLSYMS_ALL): _text is
 * 64 KiB-aligned (ARM64_MIN_ALIGN) at or below _stext, and its header has the "ARM\x64" magic
 * and an image_size reaching past _stext. The nearest such header below _stext wins.
 */
static int header_text(struct a64 *s, uint64_t *out)
{
	struct ic_kaslr *k = s->k;
	uint64_t st, va;
	uint8_t hdr[64];

	if (sym_va(s, "_stext", &st) &&
	    (!s->vi || ic_vmcoreinfo__u64(s->vi, "SYMBOL(_stext)", &st)))
		return -IC_ENOTFOUND;
	if (!kernel_va(st))
		return -IC_ENOTFOUND;
	for (va = st & ~(ARM64_MIN_ALIGN - 1); st - va <= IC_MAX_ARM64_HEAD_GAP;
	     va -= ARM64_MIN_ALIGN) {
		uint64_t size;

		if (!ic_image__read(s->in->img, va - k->kimage_voffset, hdr, sizeof(hdr)) &&
		    ic_get_le32(hdr + IMAGE_MAGIC_OFF) == IMAGE_MAGIC) {
			size = ic_get_le64(hdr + IMAGE_SIZE_OFF);
			if (size > st - va && size <= IC_MAX_KERNEL_IMAGE) {
				*out = va;
				return 0;
			}
			pr_debug(s->ctx, "kaslr: arm64 Image header at phys 0x%" PRIx64
				 ": image_size 0x%" PRIx64 " does not reach _stext", va - k->kimage_voffset,
				 size);
		}
		if (va < ARM64_MIN_ALIGN)
			break;
	}
	return -IC_ENOTFOUND;
}

/*
 * Link-time _text from VMCOREINFO when kallsyms lacks _text: KIMAGE_VADDR is MODULES_END on
 * every arm64 kernel since 4.6, and _text is KIMAGE_VADDR (5.8+) or KIMAGE_VADDR + TEXT_OFFSET
 * 0x80000 (before 5.8). Link _stext (runtime _stext - KERNELOFFSET) decides: the nearer of the
 * two at or below it, within IC_MAX_ARM64_HEAD_GAP.
 */
#define ARM64_OLD_TEXT_OFFSET 0x80000ull
static int modules_end_text(struct a64 *s, uint64_t ko, uint64_t *link)
{
	uint64_t me, st, lst;

	if (!s->vi || ic_vmcoreinfo__u64(s->vi, "NUMBER(MODULES_END)", &me) || !kernel_va(me))
		return -IC_ENOTFOUND;
	if (sym_va(s, "_stext", &st) && ic_vmcoreinfo__u64(s->vi, "SYMBOL(_stext)", &st))
		return -IC_ENOTFOUND;
	lst = st - ko;
	if (me + ARM64_OLD_TEXT_OFFSET <= lst && lst - me - ARM64_OLD_TEXT_OFFSET <= IC_MAX_ARM64_HEAD_GAP)
		*link = me + ARM64_OLD_TEXT_OFFSET;
	else if (me <= lst && lst - me <= IC_MAX_ARM64_HEAD_GAP)
		*link = me;
	else
		return -IC_ENOTFOUND;
	return 0;
}

/* Step 2: runtime _text. */
static int runtime_text(struct a64 *s)
{
	struct ic_kaslr *k = s->k;
	uint64_t v, ko, link;
	bool have_ko = s->vi && !ic_vmcoreinfo__u64(s->vi, "KERNELOFFSET", &ko);

	if (!sym_va(s, "_text", &v)) {
		k->runtime_text = v;
		return 0;
	}
	if (have_ko && !s->in->link_text && !modules_end_text(s, ko, &link)) {
		k->runtime_text = link + ko;
		return evidence(s, "vmcoreinfo:MODULES_END", true, "kallsyms has no _text: link _text "
				"0x%" PRIx64 " from NUMBER(MODULES_END) (KIMAGE_VADDR), below link _stext;"
				" runtime 0x%" PRIx64, link, k->runtime_text);
	}
	if (!header_text(s, &v)) {
		k->runtime_text = v;
		return evidence(s, "image-header:_text", true, "kallsyms has no _text: the Image "
				"header below _stext puts runtime _text at 0x%" PRIx64, v);
	}
	if (have_ko) {
		link = s->in->link_text ? s->in->link_text : ARM64_DEFAULT_LINK_TEXT;
		k->runtime_text = link + ko;
		pr_warn(s->ctx, "kaslr: arm64 runtime _text assumed = link _text 0x%" PRIx64
			" + KERNELOFFSET", link);
		return 0;
	}
	return -IC_ENOTFOUND;
}

static bool walk_is(const struct ic_mmu *m, uint64_t va, uint64_t want)
{
	return ic_mmu__v2p(m, va) == want;
}

/* Step 3: the TTBR1 tables from swapper_pg_dir; the layout from VMCOREINFO, else tried. */
static int find_tables(struct a64 *s)
{
	struct ic_kaslr *k = s->k;
	uint64_t pgd, v, hdr_flags = 0, probe;
	unsigned vas[2], nva = 0, shifts[3], nsh = 0;
	uint8_t hdr[64];

	if ((!s->vi || ic_vmcoreinfo__u64(s->vi, "SYMBOL(swapper_pg_dir)", &pgd)) &&
	    sym_va(s, "swapper_pg_dir", &pgd))
		return -IC_ENOTFOUND;
	if (s->vi && !ic_vmcoreinfo__u64(s->vi, "NUMBER(TCR_EL1_T1SZ)", &v) && v >= 12 && v <= 28)
		vas[nva++] = (unsigned)(64 - v);
	if (s->vi && !ic_vmcoreinfo__u64(s->vi, "NUMBER(VA_BITS)", &v) && v >= 36 && v <= 52 &&
	    (!nva || vas[0] != v))
		vas[nva++] = (unsigned)v;
	if (!nva) {
		vas[nva++] = 48;
		vas[nva++] = 39;
	}
	if (s->vi && !ic_vmcoreinfo__u64(s->vi, "PAGESIZE", &v) &&
	    (v == 4096 || v == 16384 || v == 65536))
		shifts[nsh++] = v == 4096 ? 12 : v == 16384 ? 14 : 16;
	if (!nsh && !ic_image__read(s->in->img, k->phys_text, hdr, sizeof(hdr)) &&
	    ic_get_le32(hdr + IMAGE_MAGIC_OFF) == IMAGE_MAGIC) {
		hdr_flags = (ic_get_le64(hdr + IMAGE_FLAGS_OFF) >> 1) & 3;
		if (hdr_flags)
			shifts[nsh++] = hdr_flags == 1 ? 12 : hdr_flags == 2 ? 14 : 16;
	}
	if (!nsh) {
		shifts[nsh++] = 12;
		shifts[nsh++] = 16;
		shifts[nsh++] = 14;
	}
	/* The probe is _stext where known: 6.1 (Debian bookworm) maps the image from _stext and
	 * gives the head below it (the Image header) back to the page allocator. */
	if (sym_va(s, "_stext", &probe) || probe < k->runtime_text ||
	    probe - k->runtime_text > IC_MAX_ARM64_HEAD_GAP)
		probe = k->runtime_text;
	s->probe = probe;
	for (unsigned a = 0; a < nva; a++) {
		for (unsigned b = 0; b < nsh; b++) {
			for (int lpa2 = 0; lpa2 < 2; lpa2++) {
				struct ic_mmu m;

				if (ic_mmu__init_arm64(&m, s->in->img, pgd - k->kimage_voffset,
						       shifts[b], vas[a], lpa2 != 0))
					continue;
				if (!walk_is(&m, probe, k->phys_text + (probe - k->runtime_text)) ||
				    !walk_is(&m, pgd, pgd - k->kimage_voffset))
					continue;
				k->mmu = m;
				k->levels = m.levels;
				k->pgd_phys = m.root;
				k->va_bits = vas[a];
				k->page_shift = shifts[b];
				k->lpa2 = lpa2 != 0;
				return 0;
			}
		}
	}
	pr_warn(s->ctx, "kaslr: arm64 swapper_pg_dir 0x%" PRIx64 " (phys 0x%" PRIx64
		") does not map _text/_stext under any granule/VA size tried", pgd,
		pgd - k->kimage_voffset);
	return -IC_ENOTFOUND;
}

static void link_base(struct a64 *s)
{
	struct ic_kaslr *k = s->k;
	uint64_t ko;

	if (s->vi && !ic_vmcoreinfo__u64(s->vi, "KERNELOFFSET", &ko)) {
		k->virtual_slide = ko;
		k->link_text = k->runtime_text - ko;
		k->link_method = "vmcoreinfo";
		return;
	}
	if (s->in->link_text) {
		k->link_text = s->in->link_text;
		k->link_method = s->in->link_text_source ? s->in->link_text_source : "input";
	} else {
		k->link_text = ARM64_DEFAULT_LINK_TEXT;
		k->link_method = "default";
		k->link_text_assumed = true;
		pr_warn(s->ctx, "kaslr: no VMCOREINFO KERNELOFFSET: link-time _text assumed to be "
			"the arm64 6.5+ default 0x%" PRIx64, k->link_text);
	}
	k->virtual_slide = k->runtime_text - k->link_text;
}

/* Walk a kallsyms symbol and compare with its image PA (VA - kimage_voffset). */
static int check_sym_walk(struct a64 *s, const char *name, const char *what)
{
	struct ic_kaslr *k = s->k;
	uint64_t va, pa;

	if (!k->levels || sym_va(s, name, &va))
		return 0;
	pa = ic_mmu__v2p(&k->mmu, va);
	return evidence(s, what, pa == va - k->kimage_voffset,
			"%s 0x%" PRIx64 " walks to 0x%" PRIx64 ", image map says 0x%" PRIx64, name,
			va, pa, va - k->kimage_voffset);
}

static int cross_check(struct a64 *s)
{
	const struct ic_kaslr_input *in = s->in;
	struct ic_kaslr *k = s->k;
	uint64_t v, r;
	uint8_t hdr[64];
	int err = 0;

	if (!ic_image__read(in->img, k->phys_text, hdr, sizeof(hdr))) {
		uint32_t magic = ic_get_le32(hdr + IMAGE_MAGIC_OFF);

		/* An unmapped head was freed after boot: its bytes prove nothing either way. */
		if (magic != IMAGE_MAGIC && k->levels && s->probe != k->runtime_text &&
		    ic_mmu__v2p(&k->mmu, k->runtime_text) == UINT64_MAX)
			pr_info(s->ctx, "kaslr: arm64 _text 0x%" PRIx64 " is not mapped (image mapped "
				"from _stext): no Image header expected at phys 0x%" PRIx64,
				k->runtime_text, k->phys_text);
		else
			err = evidence(s, "image-header:magic", magic == IMAGE_MAGIC,
				       "u32 at phys _text 0x%" PRIx64 "+0x38 = 0x%08x (want "
				       "\"ARM\\x64\")", k->phys_text, magic);
	}
	if (!err && k->levels)
		err = evidence(s, "pgtable:_text", true, "%s 0x%" PRIx64 " walks to 0x%" PRIx64
			       " (%u-level, %u KiB granule, %u-bit VA%s)",
			       s->probe == k->runtime_text ? "_text" : "_stext", s->probe,
			       k->phys_text + (s->probe - k->runtime_text), k->levels,
			       (1u << k->page_shift) / 1024, k->va_bits, k->lpa2 ? ", LPA2" : "");
	if (!err && !sym_va(s, "kimage_voffset", &r) && !rd_u64(in->img, r - k->kimage_voffset, &v))
		err = evidence(s, "kallsyms:kimage_voffset", v == k->kimage_voffset,
			       "u64 at phys 0x%" PRIx64 " = 0x%" PRIx64 ", solved 0x%" PRIx64,
			       r - k->kimage_voffset, v, k->kimage_voffset);
	if (!err && !sym_va(s, "kimage_vaddr", &r) && !rd_u64(in->img, r - k->kimage_voffset, &v))
		err = evidence(s, "kallsyms:kimage_vaddr", v == k->runtime_text,
			       "kimage_vaddr holds 0x%" PRIx64 ", runtime _text 0x%" PRIx64, v,
			       k->runtime_text);
	if (!err && s->vi && !ic_vmcoreinfo__u64(s->vi, "SYMBOL(_stext)", &v) &&
	    !sym_va(s, "_stext", &r))
		err = evidence(s, "vmcoreinfo:_stext", v == r, "VMCOREINFO 0x%" PRIx64
			       ", kallsyms 0x%" PRIx64, v, r);
	if (!err && in->have_banner && k->levels && !sym_va(s, "linux_banner", &r))
		err = evidence(s, "pgtable:linux_banner", ic_mmu__v2p(&k->mmu, r) == in->banner_phys,
			       "linux_banner 0x%" PRIx64 " walks to 0x%" PRIx64 ", carved at 0x%" PRIx64,
			       r, ic_mmu__v2p(&k->mmu, r), in->banner_phys);
	if (!err && in->have_btf && k->levels && !sym_va(s, "__start_BTF", &r))
		err = evidence(s, "pgtable:__start_BTF", ic_mmu__v2p(&k->mmu, r) == in->btf_phys,
			       "__start_BTF 0x%" PRIx64 " walks to 0x%" PRIx64 ", carved at 0x%" PRIx64,
			       r, ic_mmu__v2p(&k->mmu, r), in->btf_phys);
	if (!err)
		err = check_sym_walk(s, "init_task", "pgtable:init_task");
	if (!err && k->phys_offset != UINT64_MAX)
		err = evidence(s, "vmcoreinfo:PHYS_OFFSET", k->phys_text >= k->phys_offset,
			       "phys _text 0x%" PRIx64 ", start of RAM 0x%" PRIx64, k->phys_text,
			       k->phys_offset);
	if (!err)
		err = evidence(s, "slide:alignment", (k->virtual_slide & (ARM64_MIN_ALIGN - 1)) == 0,
			       "slide 0x%" PRIx64 " (64 KiB multiple)", k->virtual_slide);
	return err;
}

int ic_kaslr_arm64_solve(const struct ic_ctx *ctx, const struct ic_kaslr_input *in,
			 struct ic_kaslr *k)
{
	struct a64 s = { .ctx = ctx, .in = in, .k = k };
	uint64_t v;
	int err;

	s.vi = in->structure_only ? NULL : in->vmcoreinfo;
	k->arch = "arm64";
	k->phys_offset = UINT64_MAX;
	if (s.vi && !ic_vmcoreinfo__u64(s.vi, "NUMBER(PHYS_OFFSET)", &v))
		k->phys_offset = v;
	err = anchor(&s);
	if (err) {
		pr_warn(ctx, "kaslr: arm64: no kimage_voffset (no VMCOREINFO, no kallsyms "
			"kimage_voffset that checks out)");
		return err;
	}
	s.have_voff = true;
	err = runtime_text(&s);
	if (err) {
		pr_warn(ctx, "kaslr: arm64: no runtime _text");
		return err;
	}
	k->phys_text = k->runtime_text - k->kimage_voffset;
	/* ic_kaslr__image_phys() computes VA - __START_KERNEL_map + phys_base: make that
	 * VA - kimage_voffset. */
	k->phys_base = IC_X86_START_KERNEL_MAP - k->kimage_voffset;
	if (find_tables(&s))
		pr_warn(ctx, "kaslr: arm64 kernel page tables not found");
	link_base(&s);
	err = cross_check(&s);
	if (err)
		return err;
	k->consistent = k->nevidence > 0 && k->levels != 0;
	for (size_t i = 0; i < k->nevidence; i++)
		k->consistent = k->consistent && k->evidence[i].ok;
	pr_info(ctx, "kaslr: arm64 %s: phys _text 0x%" PRIx64 ", runtime _text 0x%" PRIx64
		", link _text 0x%" PRIx64 " (%s), slide 0x%" PRIx64 ", kimage_voffset 0x%" PRIx64
		", %u-level tables at 0x%" PRIx64 "%s", k->method, k->phys_text, k->runtime_text,
		k->link_text, k->link_method, k->virtual_slide, k->kimage_voffset, k->levels,
		k->pgd_phys, k->consistent ? "" : " (INCONSISTENT)");
	return 0;
}
