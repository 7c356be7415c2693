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
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "kaslr_internal.h"

/*
 * arm64 keeps one relation for the kernel image (docs/arm64.md): PA = VA - kimage_voffset,
 * and kaslr_offset() = runtime _text - link _text (VMCOREINFO KERNELOFFSET). The linear map
 * and vmalloc are not image addresses; only the page-table walk covers them.
 */

/* Link-time _text of 6.5+ kernels with VA_BITS_MIN 48 (MODULES_VSIZE 2 GiB above
 * _PAGE_END(48)); only a fallback when nothing says otherwise (not even the release),
 * flagged as assumed. */
#define ARM64_DEFAULT_LINK_TEXT 0xffff800080000000ull

/* _PAGE_END(v): the start of the kernel half's upper part for VA_BITS_MIN v. */
static uint64_t page_end(unsigned v)
{
	return 0 - (1ull << (v - 1));
}

int ic_kaslr_arm64_va_bits_min(uint64_t t, unsigned page_shift, unsigned va_bits, unsigned *min,
			       const char **why)
{
	static const unsigned layouts[] = { 36, 39, 42, 47, 48 };
	unsigned v = 0, want;

	for (size_t i = 0; i < IC_ARRAY_SIZE(layouts) && !v; i++)
		if (t >= page_end(layouts[i]))
			v = layouts[i];
	if (!v) {
		*why = "the runtime _text lies below every arm64 kernel layout";
		return -IC_ENOTFOUND;
	}
	/* 47 is a 16K-page layout only: elsewhere a 48-bit image placed high by KASLR */
	if (v == 47 && page_shift && page_shift != 14)
		v = 48;
	if (page_shift && !(v == 48 || (page_shift == 14 && (v == 36 || v == 47)) ||
			    (page_shift == 12 && v == 39) || (page_shift == 16 && v == 42))) {
		*why = "the runtime _text lies where only a layout of another page size puts it";
		return -IC_ENOTFOUND;
	}
	if (va_bits) {
		/* 52-bit VA (LPA2, 64K) keeps VA_BITS_MIN 48, or 47 with 16K pages */
		want = va_bits == 52 ? (page_shift == 14 ? 47 : 48) : va_bits;
		if (v == 47 && want == 48)
			v = 48;
		if (want != v) {
			*why = "the page tables' VA size disagrees with where the runtime _text lies";
			return -IC_ENOTFOUND;
		}
	} else if (v == 47) {
		*why = page_shift ? "the runtime _text fits VA_BITS_MIN 47 and 48 (16K pages), and no "
				    "page-table walk says which"
				  : "the runtime _text fits VA_BITS_MIN 47 (16K pages) and 48, and "
				    "no page-table walk, VMCOREINFO PAGESIZE or Image header says the "
				    "page size";
		return -IC_ENOTFOUND;
	}
	*min = v;
	return 0;
}

int ic_kaslr__arm64_text(const char *release, unsigned va_bits_min, uint64_t *text,
			 const char **why)
{
	unsigned major = 0, minor = 0;
	uint64_t vsize;

	if (!release || sscanf(release, "%u.%u", &major, &minor) != 2) {
		*why = "the release has no version number";
		return -IC_ENOTFOUND;
	}
	if (major > 6 || (major == 6 && minor >= 5)) {
		vsize = 2ull << 30;
	} else if (major == 6 && minor >= 1) {
		vsize = 128ull << 20;
	} else {
		*why = "no arm64 layout rule for a release before 6.1";
		return -IC_ENOTFOUND;
	}
	if (va_bits_min < 36 || va_bits_min > 48) {
		*why = "VA_BITS_MIN out of range";
		return -IC_ENOTFOUND;
	}
	*text = (0 - (1ull << (va_bits_min - 1))) + vsize;
	return 0;
}
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

#define evidence(s, ...) ic_kaslr_evidence((s)->ctx, (s)->k, __VA_ARGS__)

static int sym_va(const struct a64 *s, const char *name, uint64_t *va)
{
	return ic_kaslr_sym_va(s->in, s->have_voff, s->k->kimage_voffset, name, va);
}

/* A kernel VA on arm64 has its top 12 bits set whatever VA_BITS is (52 at most). */
static bool kernel_va(uint64_t v)
{
	return (v >> 52) == 0xfff;
}

static int find_phys_text(const struct ic_kaslr_input *in, uint64_t *pa, uint64_t *size,
			  unsigned *page_shift);

bool ic_kaslr_arm64_detect(const struct ic_kaslr_input *in)
{
	uint64_t v;

	if (!in->structure_only && in->vmcoreinfo &&
	    !ic_vmcoreinfo__u64(in->vmcoreinfo, "NUMBER(kimage_voffset)", &v))
		return true;
	if (!in->structure_only && in->sym_virt && !in->sym_virt(in->sym_arg, "kimage_voffset", &v))
		return true;
	if (!in->structure_only && in->sym_phys &&
	    !in->sym_phys(in->sym_arg, "kimage_voffset", &v))
		return true;
	/* x86-64's own evidence, its top page table by name: there is no arm64 Image header to
	 * look for then, and a compressed image is not decoded every 2 MiB for one (~30 ms per
	 * GiB of AVML). */
	if (!in->structure_only &&
	    ((in->vmcoreinfo && !ic_vmcoreinfo__u64(in->vmcoreinfo, "SYMBOL(init_top_pgt)", &v)) ||
	     (in->sym_virt && !in->sym_virt(in->sym_arg, "init_top_pgt", &v))))
		return false;
	/* No VMCOREINFO, no kimage_voffset symbol: an arm64 Image header where _text is */
	{
		uint64_t pa, size;
		unsigned sh;

		return !find_phys_text(in, &pa, &size, &sh);
	}
}

static bool walk_is(const struct ic_mmu *m, uint64_t va, uint64_t want)
{
	return ic_mmu__v2p(m, va) == want;
}

/* Image header fields: image_size (u64 at +16, text to end of bss), and the two code words
 * (the EFI stub starts with "MZ"; otherwise code0 is a branch). */
#define IMAGE_SIZE_OFF 16u
/* The arm64 boot protocol puts the Image at a 2 MiB aligned PA (text_offset 0 since 5.x). */
#define ARM64_IMAGE_PA_ALIGN 0x200000ull

/* An arm64 Image header at pa: magic, page-size flags set, plausible image_size. */
static bool image_header_at(const struct ic_image *img, uint64_t pa, uint64_t *size,
			    unsigned *page_shift)
{
	uint8_t hdr[64];
	uint64_t sz, fl;

	if (ic_image__read(img, pa, hdr, sizeof(hdr)) ||
	    ic_get_le32(hdr + IMAGE_MAGIC_OFF) != IMAGE_MAGIC)
		return false;
	sz = ic_get_le64(hdr + IMAGE_SIZE_OFF);
	fl = (ic_get_le64(hdr + IMAGE_FLAGS_OFF) >> 1) & 3;
	if (!fl || sz < (1u << 20) || sz > IC_MAX_KERNEL_IMAGE)
		return false;
	*size = sz;
	*page_shift = fl == 1 ? 12 : fl == 2 ? 14 : 16;
	return true;
}

/* Physical _text with no VMCOREINFO: kallsyms' place-relative _text (7.0+), else the one
 * 2 MiB aligned PA holding an Image header. */
static int find_phys_text(const struct ic_kaslr_input *in, uint64_t *pa, uint64_t *size,
			  unsigned *page_shift)
{
	const struct ic_range *rgs = ic_image__ranges(in->img);
	size_t nr = ic_image__nranges(in->img);
	unsigned n = 0;

	if (!in->structure_only && !in->sym_virt && in->sym_phys &&
	    !in->sym_phys(in->sym_arg, "_text", pa))
		return image_header_at(in->img, *pa, size, page_shift) ? 0 : -IC_ENOTFOUND;
	for (size_t i = 0; rgs && i < nr; i++) {
		const struct ic_range *rg = &rgs[i];
		uint64_t a = (rg->phys + ARM64_IMAGE_PA_ALIGN - 1) & ~(ARM64_IMAGE_PA_ALIGN - 1);

		for (; a >= rg->phys && a - rg->phys < rg->len; a += ARM64_IMAGE_PA_ALIGN) {
			uint64_t sz;
			unsigned sh;

			if (image_header_at(in->img, a, &sz, &sh) && n++ == 0) {
				*pa = a;
				*size = sz;
				*page_shift = sh;
			}
		}
	}
	return n == 1 ? 0 : -IC_ENOTFOUND;
}

/* VA sizes tried when VMCOREINFO does not name one: largest first (52-bit LPA2 tables read
 * as 48-bit ones do not map _text). */
static const unsigned try_va_bits[] = { 52, 48, 47, 42, 39, 36 };

/* Image words (8-byte aligned, in [pt, pt + size)) equal to val. */
static unsigned image_words_equal(const struct ic_image *img, uint64_t pt, uint64_t size,
				  uint64_t val)
{
	uint8_t buf[IC_RECOVER_PAGE];
	unsigned n = 0;

	for (uint64_t off = 0; off < size; off += sizeof(buf)) {
		if (ic_image__read(img, pt + off, buf, sizeof(buf)))
			continue;
		for (size_t i = 0; i < sizeof(buf); i += 8)
			n += ic_get_le64(buf + i) == val;
	}
	return n;
}

/*
 * swapper_pg_dir by structure: a table page inside the image whose TTBR1 walk (under some VA
 * size and descriptor format of the given granule) maps runtime _text to phys _text and maps
 * its own image VA (pa + voff) to itself. The boot tables (init_pg_dir, after the bss, and
 * its lower levels) do too; swapper_pg_dir is the one whose VA the image holds (init_mm.pgd).
 * Returns the number of such pages left (1 = found, in *m).
 */
static unsigned scan_swapper(const struct ic_image *img, uint64_t phys_text, uint64_t size,
			     uint64_t rt_text, uint64_t voff, unsigned page_shift, struct ic_mmu *m)
{
	struct ic_mmu c[IC_MAX_PGSCAN_CANDIDATES];
	unsigned n = 0, ref = 0;
	uint64_t step = 1ull << page_shift;

	for (uint64_t pa = phys_text; pa - phys_text < size && n < IC_MAX_PGSCAN_CANDIDATES;
	     pa += step) {
		for (size_t a = 0; a < IC_ARRAY_SIZE(try_va_bits); a++) {
			bool hit = false;

			for (int lpa2 = 0; lpa2 < 2 && !hit; lpa2++) {
				struct ic_mmu t;

				if (ic_mmu__init_arm64(&t, img, pa, page_shift, try_va_bits[a],
						       lpa2 != 0) ||
				    !walk_is(&t, rt_text, phys_text) || !walk_is(&t, pa + voff, pa))
					continue;
				c[n++] = t;
				hit = true;
			}
			if (hit)
				break;
		}
	}
	if (n == 1) {
		*m = c[0];
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!image_words_equal(img, phys_text, size, c[i].root + voff))
			continue;
		if (!ref++)
			*m = c[i];
	}
	return ref;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * No VMCOREINFO, no kimage_voffset symbol: kimage_vaddr holds runtime _text and
 * kimage_voffset holds runtime _text - phys _text, both 64 KiB aligned kernel VAs, both in
 * the image. Every pair of image words (w, w - phys _text) is a candidate; the one whose
 * swapper_pg_dir (scan_swapper) exists, and is unique, is taken.
 */
static int anchor_structure(struct a64 *s)
{
	struct ic_kaslr *k = s->k;
	uint64_t pt, size, *w = NULL, best_rt = 0, best_voff = 0;
	unsigned shift, good = 0, pairs = 0;
	size_t nw = 0, cap = 0;
	struct ic_mmu m, best_m;
	uint8_t *buf;
	int err = 0;

	if (find_phys_text(s->in, &pt, &size, &shift))
		return -IC_ENOTFOUND;
	buf = malloc(IC_RECOVER_PAGE);
	if (!buf)
		return -ENOMEM;
	for (uint64_t off = 0; off < size && !err; off += IC_RECOVER_PAGE) {
		if (ic_image__read(s->in->img, pt + off, buf, IC_RECOVER_PAGE))
			continue;
		for (size_t i = 0; i < IC_RECOVER_PAGE; i += 8) {
			uint64_t v = ic_get_le64(buf + i);

			if (!kernel_va(v) || (v & (ARM64_MIN_ALIGN - 1)))
				continue;
			if (nw == cap) {
				uint64_t *nwp;

				if (cap >= IC_MAX_ARM64_VA_WORDS) {
					err = -IC_ELIMIT;
					break;
				}
				cap = cap ? cap * 2 : 1024;
				nwp = ic_reallocarray(w, cap, sizeof(*w));
				if (!nwp) {
					err = -ENOMEM;
					break;
				}
				w = nwp;
			}
			w[nw++] = v;
		}
	}
	free(buf);
	if (err)
		goto out;
	if (nw) /* w is NULL when no word was kept: qsort/bsearch need an array */
		qsort(w, nw, sizeof(*w), cmp_u64);
	for (size_t i = 0; i < nw; i++) {
		uint64_t voff = w[i] - pt;

		if ((i && w[i] == w[i - 1]) || !kernel_va(voff) ||
		    !bsearch(&voff, w, nw, sizeof(*w), cmp_u64))
			continue;
		/* each pair costs a table scan: a real image has one or two */
		if (++pairs > IC_MAX_PGSCAN_CANDIDATES) {
			pr_warn(s->ctx, "kaslr: arm64 structure: more than %u (kimage_vaddr, "
				"kimage_voffset) candidate pairs: giving up", IC_MAX_PGSCAN_CANDIDATES);
			good = 0;
			break;
		}
		{
			unsigned nsw = scan_swapper(s->in->img, pt, size, w[i], voff, shift, &m);

			pr_debug(s->ctx, "kaslr: arm64 structure: _text 0x%" PRIx64 ", voffset 0x%"
				 PRIx64 ": %u table pages map _text and themselves", w[i], voff, nsw);
			if (nsw != 1)
				continue;
		}
		if (!good++) {
			best_rt = w[i];
			best_voff = voff;
			best_m = m;
		}
	}
	if (good != 1) {
		pr_warn(s->ctx, "kaslr: arm64 structure: %u (kimage_vaddr, kimage_voffset) pairs "
			"with a unique swapper_pg_dir (want 1)", good);
		err = -IC_ENOTFOUND;
		goto out;
	}
	k->kimage_voffset = best_voff;
	k->runtime_text = best_rt;
	k->phys_text = pt;
	k->mmu = best_m;
	k->levels = best_m.levels;
	k->pgd_phys = best_m.root;
	k->va_bits = best_m.va_bits;
	k->page_shift = best_m.page_shift;
	k->lpa2 = best_m.lpa2;
	k->method = "structure:image-header+kimage_vaddr/voffset+swapper_pg_dir";
out:
	free(w);
	return err;
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
	if (!in->structure_only && !in->sym_virt && in->sym_phys &&
	    !in->sym_phys(in->sym_arg, "kimage_voffset", &p) &&
	    !ic_image__read_u64(in->img, p, &v) && kernel_va(v + p)) {
		k->kimage_voffset = v;
		k->method = "kallsyms-phys+kimage_voffset";
		return 0;
	}
	/* Runtime kallsyms: the variable sits at PA R - v and holds v (self-check, 2^-64 by
	 * chance); the banner's position gives the candidate. */
	if (!in->structure_only && in->sym_virt && in->have_banner &&
	    !in->sym_virt(in->sym_arg, "linux_banner", &rb) &&
	    !in->sym_virt(in->sym_arg, "kimage_voffset", &r)) {
		uint64_t d = rb - in->banner_phys;

		if (!ic_image__read_u64(in->img, r - d, &v) && v == d) {
			k->kimage_voffset = d;
			k->method = "kallsyms+linux_banner";
			return 0;
		}
	}
	return anchor_structure(s);
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

	if (k->levels)
		return 0; /* anchor_structure() found it with the tables */
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
		k->runtime_text_assumed = true;
		pr_warn(s->ctx, "kaslr: arm64 runtime _text assumed = link _text 0x%" PRIx64
			" + KERNELOFFSET", link);
		return 0;
	}
	return -IC_ENOTFOUND;
}

/* Step 3: the TTBR1 tables from swapper_pg_dir; the layout from VMCOREINFO, else tried. */
static int find_tables(struct a64 *s)
{
	struct ic_kaslr *k = s->k;
	uint64_t pgd, v, hdr_flags = 0, probe;
	unsigned vas[IC_ARRAY_SIZE(try_va_bits)], nva = 0, shifts[3], nsh = 0;
	uint8_t hdr[64];

	if (k->levels) {
		s->probe = k->runtime_text; /* anchor_structure() found them, by _text */
		return 0;
	}
	if ((!s->vi || ic_vmcoreinfo__u64(s->vi, "SYMBOL(swapper_pg_dir)", &pgd)) &&
	    sym_va(s, "swapper_pg_dir", &pgd)) {
		uint64_t size;
		unsigned sh;
		struct ic_mmu m;

		/* no symbol: the one image page that is such a table (scan_swapper) */
		if (!image_header_at(s->in->img, k->phys_text, &size, &sh) ||
		    scan_swapper(s->in->img, k->phys_text, size, k->runtime_text,
				 k->kimage_voffset, sh, &m) != 1)
			return -IC_ENOTFOUND;
		pgd = m.root + k->kimage_voffset;
		pr_info(s->ctx, "kaslr: arm64 swapper_pg_dir by structure at phys 0x%" PRIx64,
			m.root);
	}
	if (s->vi && !ic_vmcoreinfo__u64(s->vi, "NUMBER(TCR_EL1_T1SZ)", &v) && v >= 12 && v <= 28)
		vas[nva++] = (unsigned)(64 - v);
	if (s->vi && !ic_vmcoreinfo__u64(s->vi, "NUMBER(VA_BITS)", &v) && v >= 36 && v <= 52 &&
	    (!nva || vas[0] != v))
		vas[nva++] = (unsigned)v;
	for (size_t i = 0; !nva && i < IC_ARRAY_SIZE(try_va_bits); i++)
		vas[i] = try_va_bits[i];
	if (!nva)
		nva = (unsigned)IC_ARRAY_SIZE(try_va_bits);
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

/*
 * Link-time _text, hence the slide. From KERNELOFFSET it must be KIMAGE_VADDR (= MODULES_END,
 * a constant VMCOREINFO gives apart from the slide) or that + TEXT_OFFSET 0x80000 before 5.8:
 * a damaged KERNELOFFSET, or copies that disagree, are settled by it (docs/kaslr.md, "Link
 * base"). Without NUMBER(MODULES_END) there is nothing independent to compare with.
 */
/* The granule without a page-table walk: VMCOREINFO's PAGESIZE, else the Image header's flags
 * at phys _text (6.1 may have given that page back: then unknown, 0). */
static unsigned granule(const struct a64 *s)
{
	uint64_t v, size;
	unsigned shift;

	if (s->vi && !ic_vmcoreinfo__u64(s->vi, "PAGESIZE", &v) &&
	    (v == 4096 || v == 16384 || v == 65536))
		return v == 4096 ? 12 : v == 16384 ? 14 : 16;
	return image_header_at(s->in->img, s->k->phys_text, &size, &shift) ? shift : 0;
}

static int link_base(struct a64 *s)
{
	struct ic_kaslr *k = s->k;

	if (ic_kaslr_link_known(s->vi, s->in, k)) {
		uint64_t me, want[2], ko = k->virtual_slide;
		char where[IC_VMCOREINFO_WHERE_MAX];

		bool copies = s->vi && (s->vi->nalt || s->vi->nalt_more);

		/* as x86-64: a caller's link _text (--map's) never picks a copy; copies that
		 * disagree are settled by NUMBER(MODULES_END) as without it */
		if (strcmp(k->link_method, "vmcoreinfo") || (s->in->link_text && !copies))
			return 0;
		if (copies && k->runtime_text_assumed) {
			return ic_kaslr_copies_undecidable(s->ctx, k, "no kallsyms _text, no "
							   "Image header");
		}
		if (ic_vmcoreinfo__u64(s->vi, "NUMBER(MODULES_END)", &me) || !kernel_va(me)) {
			/* copies that disagree and nothing to settle them: not the chosen one's say */
			if (!s->vi->nalt && !s->vi->nalt_more)
				return 0;
			snprintf(k->doubt, sizeof(k->doubt), "VMCOREINFO copies disagree on "
				 "KERNELOFFSET (0x%" PRIx64 " at %u places, 0x%" PRIx64 " at %s%s) "
				 "and no NUMBER(MODULES_END) settles it", ko, s->vi->places,
				 s->vi->alt[0].kerneloffset, ic_vmcoreinfo__where(s->vi->alt[0].phys, where),
				 s->vi->nalt + s->vi->nalt_more > 1 ? ", more" : "");
			return evidence(s, "link:_text", false, "%s", k->doubt);
		}
		want[0] = me;
		want[1] = me + ARM64_OLD_TEXT_OFFSET;
		return ic_kaslr_link_settle(s->ctx, k, s->vi, want, 2, "NUMBER(MODULES_END) "
					    "(KIMAGE_VADDR)", &ko);
	}
	k->link_method = "default";
	k->link_text_assumed = true;
	if (!s->in->release) {
		k->link_text = ARM64_DEFAULT_LINK_TEXT;
		pr_warn(s->ctx, "kaslr: no VMCOREINFO KERNELOFFSET and no release: link-time _text "
			"assumed to be the arm64 6.5+ default 0x%" PRIx64, k->link_text);
	} else {
		const char *why = NULL;
		uint64_t text;
		unsigned vmin = 0, shift = k->levels ? k->page_shift : granule(s);
		char pages[16] = "? KiB", vab[16] = "?-bit";

		/* The layout moved with the release: 6.5's default on a 6.1 kernel put every
		 * symbol 1.875 GiB off. Before 6.1 there is no rule: no guess either. And with
		 * the VA size: a 39-bit (Android) or 16K/64K-page kernel has another _PAGE_END,
		 * told by where its runtime _text lies, checked against the granule and the VA
		 * size its page tables walk with (VA_BITS_MIN 48 was assumed until 2026-12-07). */
		if (ic_kaslr_arm64_va_bits_min(k->runtime_text, shift, k->levels ? k->va_bits : 0,
					       &vmin, &why) ||
		    ic_kaslr__arm64_text(s->in->release, vmin, &text, &why)) {
			if (shift)
				snprintf(pages, sizeof(pages), "%u KiB", (1u << shift) / 1024);
			if (k->levels)
				snprintf(vab, sizeof(vab), "%u-bit", k->va_bits);
			/* the reason first: the evidence line keeps only its start */
			snprintf(k->doubt, sizeof(k->doubt), "the link-time _text is unknown: %s (no "
				 "VMCOREINFO KERNELOFFSET; release %.64s, runtime _text 0x%" PRIx64
				 ", %s pages, %s VA)", why, s->in->release, k->runtime_text, pages,
				 vab);
			k->link_text = ARM64_DEFAULT_LINK_TEXT;
			k->virtual_slide = k->runtime_text - k->link_text;
			return evidence(s, "link:_text", false, "%s", k->doubt);
		}
		k->link_text = text;
		pr_warn(s->ctx, "kaslr: no VMCOREINFO KERNELOFFSET: link-time _text assumed to be "
			"0x%" PRIx64 ", the arm64 layout of release %.64s with VA_BITS_MIN %u (where "
			"the runtime _text lies)", k->link_text, s->in->release, vmin);
	}
	k->virtual_slide = k->runtime_text - k->link_text;
	return 0;
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
	if (!err && !sym_va(s, "kimage_voffset", &r) && !ic_image__read_u64(in->img, r - k->kimage_voffset, &v))
		err = evidence(s, "kallsyms:kimage_voffset", v == k->kimage_voffset,
			       "u64 at phys 0x%" PRIx64 " = 0x%" PRIx64 ", solved 0x%" PRIx64,
			       r - k->kimage_voffset, v, k->kimage_voffset);
	if (!err && !sym_va(s, "kimage_vaddr", &r) && !ic_image__read_u64(in->img, r - k->kimage_voffset, &v))
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
	if (err) { /* info: the caller says "KASLR not solved" once (profile.c, live_kcore.c) */
		pr_info(ctx, "kaslr: arm64: no kimage_voffset (no VMCOREINFO, no kallsyms "
			"kimage_voffset that checks out)");
		return err;
	}
	s.have_voff = true;
	err = runtime_text(&s);
	if (err) {
		pr_info(ctx, "kaslr: arm64: no runtime _text");
		return err;
	}
	k->phys_text = k->runtime_text - k->kimage_voffset;
	/* ic_kaslr__image_phys() computes VA - __START_KERNEL_map + phys_base: make that
	 * VA - kimage_voffset. */
	k->phys_base = IC_X86_START_KERNEL_MAP - k->kimage_voffset;
	if (find_tables(&s))
		pr_warn(ctx, "kaslr: arm64 kernel page tables not found");
	err = link_base(&s) ?: cross_check(&s);
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
