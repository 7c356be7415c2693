/* SPDX-License-Identifier: MIT */
/* /proc/kcore copies: an ELF core of kernel virtual addresses; physical ranges from p_paddr or the direct map. */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_internal.h"
#include "kcore_live.h"
#include "0-base/ic_limits.h"
#include "0-base/elfnote.h"
#include "0-base/reader.h"
#include "isfcarve/vmcoreinfo.h"
#include "elfcore.h"

/*
 * What the kernel writes (fs/proc/kcore.c, 4.19 ... 7.x; facts, see docs/formats.md):
 *  - one PT_NOTE first: "CORE" NT_PRSTATUS, "CORE" NT_PRPSINFO (pr_fname "vmlinux"),
 *    "CORE" NT_TASKSTRUCT, and from 4.19 a "VMCOREINFO" note;
 *  - one PT_LOAD per kclist entry, p_vaddr = the kernel address, p_paddr = __pa() for
 *    KCORE_RAM (direct map; also KCORE_REMAP before 5.13), __pa_symbol() for KCORE_TEXT,
 *    -1 for vmalloc, modules, vmemmap and the vsyscall page. Before 4.11 every p_paddr is 0.
 * KCORE_TEXT (and KCORE_REMAP) are second views of memory the direct map already holds, so a
 * physical range may be described twice. Direct-map segments win; an alias keeps only the
 * parts no direct-map segment covers (none, in every real file seen).
 */
#define NT_PRPSINFO 3u
#define NT_TASKSTRUCT 4u
#define EM_AARCH64 183u
#define KERNEL_HALF (1ull << 63)
#define PRPSINFO_FNAME 40u /* offset of pr_fname in the 64-bit struct elf_prpsinfo */

struct seg {
	uint64_t phys, len, off;
	const struct ic_elf_phdr *ph;
	bool direct;
};

/* The direct map as VMCOREINFO describes it: __va(pa) = pa + lin, for vaddr in [start, start + len). */
struct dmap {
	uint64_t lin, start, len;
};

struct span {
	uint64_t start, end; /* [start, end) */
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

static int cmp_u64(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* Find the first note named name with type type (type UINT32_MAX: any) in the image notes. */
static bool note_find(const struct ic_image *img, const char *name, uint32_t type, const uint8_t **desc,
		      size_t *dlen)
{
	struct ic_note n;
	size_t off = 0;

	while (ic_note_next(img->notes, img->notes_len, &off, &n))
		if (ic_note_is(&n, name) && (type == UINT32_MAX || n.type == type)) {
			*desc = n.desc;
			*dlen = n.descsz;
			return true;
		}
	return false;
}

/* Is this ELF core a /proc/kcore copy? kcore's own notes, or segments no other producer writes. */
static bool looks_like_kcore(const struct ic_image *img, const struct ic_elf_core *core)
{
	const uint8_t *d;
	size_t dlen, zero_kernel = 0;

	if (note_find(img, "CORE", NT_TASKSTRUCT, &d, &dlen))
		return true;
	if (note_find(img, "CORE", NT_PRPSINFO, &d, &dlen) && dlen >= PRPSINFO_FNAME + 8 &&
	    !memcmp(d + PRPSINFO_FNAME, "vmlinux", 8))
		return true;
	bool no_phys = false, linear = false;

	/* Without the notes: a page-aligned kernel segment with p_paddr -1 (vmalloc, modules,
	 * vmemmap) beside a segment whose p_vaddr - p_paddr is a kernel address (the direct map). */
	for (size_t i = 0; i < core->nph; i++) {
		const struct ic_elf_phdr *p = &core->ph[i];

		if (p->type != IC_PT_LOAD || !p->filesz || p->vaddr < KERNEL_HALF)
			continue;
		if (p->paddr == UINT64_MAX)
			no_phys |= !(p->vaddr & 0xfff);
		else if (!p->paddr)
			zero_kernel++;
		else if (p->vaddr - p->paddr >= KERNEL_HALF)
			linear = true;
	}
	if (no_phys && linear)
		return true;
	return zero_kernel >= 2; /* before 4.11: kernel addresses, every p_paddr 0 */
}

/*
 * The direct-map offset (vaddr - paddr of KCORE_RAM) as VMCOREINFO states it: NUMBER(PAGE_OFFSET)
 * where an arch prints it; arm64 (5.4+) -(1 << (64 - TCR_EL1_T1SZ)) - PHYS_OFFSET, as its
 * __va(pa) is pa - PHYS_OFFSET + PAGE_OFFSET. Modular arithmetic: PHYS_OFFSET may exceed the
 * PAGE_OFFSET difference only in a corrupt note, and the result is range-checked by the caller.
 */
static bool vmci_page_offset(const struct ic_image *img, uint16_t machine, struct dmap *dm)
{
	struct ic_vmcoreinfo *vi = NULL;
	const uint8_t *d;
	size_t dlen;
	uint64_t v, phys_offset, bits;
	bool ok = false;

	/* the note's text, read by the one VMCOREINFO parser (src/0-base/vmcoreinfo.c) */
	if (!note_find(img, "VMCOREINFO", UINT32_MAX, &d, &dlen) ||
	    ic_vmcoreinfo__parse((const char *)d, dlen, &vi))
		return false;
	if (!ic_vmcoreinfo__u64(vi, "NUMBER(PAGE_OFFSET)", &v) && v >= KERNEL_HALF) {
		bits = IC_KCORE_PHYS_BITS;
		if (!ic_vmcoreinfo__u64(vi, "NUMBER(MAX_PHYSMEM_BITS)", &phys_offset) &&
		    phys_offset >= 20 && phys_offset < bits)
			bits = phys_offset;
		*dm = (struct dmap){ v, v, 1ull << bits };
		ok = true;
	} else if (machine == EM_AARCH64 && !ic_vmcoreinfo__u64(vi, "NUMBER(TCR_EL1_T1SZ)", &v) &&
		   v >= 12 && v <= 40 && !ic_vmcoreinfo__u64(vi, "NUMBER(PHYS_OFFSET)", &phys_offset)) {
		/* arm64: the linear map is the lower half of the kernel VA space, 2^(vabits - 1)
		 * bytes. */
		uint64_t page_offset = ~0ull << (64 - v);

		*dm = (struct dmap){ page_offset - phys_offset, page_offset, 1ull << (63 - v) };
		ok = dm->lin >= KERNEL_HALF;
	}
	ic_vmcoreinfo__free(vi);
	return ok;
}

/* The direct-map offset the segments agree on most (by bytes): RAM segments share vaddr - paddr. */
static int majority_delta(const struct seg *s, size_t n, uint64_t *po)
{
	uint64_t *d = ic_calloc(n ? n : 1, sizeof(*d) * 2), best = 0, best_w = 0;
	size_t k = 0;

	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (s[i].ph->vaddr < s[i].phys)
			continue;
		d[2 * k] = s[i].ph->vaddr - s[i].phys;
		d[2 * k + 1] = s[i].len;
		k++;
	}
	qsort(d, k, sizeof(*d) * 2, cmp_u64); /* sorts pairs by their first u64 */
	for (size_t i = 0; i < k;) {
		uint64_t w = 0, v = d[2 * i];
		size_t j = i;

		for (; j < k && d[2 * j] == v; j++)
			if (ic_add_ovf(w, d[2 * j + 1], &w))
				w = UINT64_MAX;
		if (w > best_w) {
			best_w = w;
			best = v;
		}
		i = j;
	}
	free(d);
	*po = best;
	return best_w ? 0 : -IC_ENOTFOUND;
}

/* Add the parts of alias a that no kept span covers; kept (sorted) grows with what was added. */
static int add_alias(const struct ic_ctx *ctx, struct ic_image *img, const struct seg *a, struct span *kept,
		     size_t *nkept, size_t cap)
{
	uint64_t cur = a->phys, end = a->phys + a->len; /* no wrap: checked when collected */
	size_t n0 = *nkept;
	int err;

	for (size_t i = 0; i <= n0 && cur < end; i++) {
		uint64_t gap_end = i < n0 ? kept[i].start : end;

		if (i < n0 && kept[i].end <= cur)
			continue;
		if (gap_end > end)
			gap_end = end;
		if (gap_end > cur) {
			uint64_t off, len = gap_end - cur;

			/* p_offset + p_filesz was checked not to wrap when collected */
			if (ic_add_ovf(a->off, cur - a->phys, &off) || !ic_in_bounds(off, len, img->size)) {
				pr_info(ctx, "%s: PT_LOAD %u (phys 0x%" PRIx64 "+0x%" PRIx64 "): 0x%" PRIx64
					" bytes no direct-map segment holds are not in the copy; left out",
					img->path, a->ph->idx, cur, len, len);
			} else {
				pr_info(ctx, "%s: PT_LOAD %u: phys 0x%" PRIx64 "+0x%" PRIx64 " only in this alias segment; kept",
					img->path, a->ph->idx, cur, len);
				if (*nkept >= cap) { /* unreachable: see the sizing of kept */
					pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_LOAD %u: more than %zu "
						"memory pieces", img->path, a->ph->at, a->ph->idx, cap);
					return -IC_ELIMIT;
				}
				if ((err = ic_image_add_range(img, cur, len, off)))
					return err;
				kept[(*nkept)++] = (struct span){ cur, gap_end };
			}
		}
		if (i < n0 && kept[i].end > cur)
			cur = kept[i].end;
	}
	if (*nkept == n0)
		pr_debug(ctx, "%s: PT_LOAD %u (phys 0x%" PRIx64 "+0x%" PRIx64 ") is an alias of direct-map memory; dropped",
			 img->path, a->ph->idx, a->phys, a->len);
	qsort(kept, *nkept, sizeof(*kept), cmp_span);
	return 0;
}

/* Collect every PT_LOAD with data and a physical address (given or computed), checked. */
static int collect(const struct ic_ctx *ctx, struct ic_image *img, const struct ic_elf_core *core, bool no_paddr,
		   const struct dmap *dm, uint64_t phys_limit, struct seg *segs, size_t *nseg)
{
	for (size_t i = 0; i < core->nph; i++) {
		const struct ic_elf_phdr *p = &core->ph[i];
		uint64_t phys, end;

		if (p->type != IC_PT_LOAD || !p->filesz)
			continue;
		if (p->filesz > p->memsz) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_LOAD %u has p_filesz 0x%" PRIx64 " > p_memsz 0x%" PRIx64,
				img->path, p->at, p->idx, p->filesz, p->memsz);
			return -IC_EFORMAT;
		}
		if (ic_add_ovf(p->vaddr, p->filesz - 1, &end)) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_LOAD %u (vaddr 0x%" PRIx64 "+0x%" PRIx64
				") wraps the address space", img->path, p->at, p->idx, p->vaddr, p->filesz);
			return -IC_EFORMAT;
		}
		/* A file offset that wraps would land a piece on bytes no segment describes. */
		if (ic_add_ovf(p->off, p->filesz, &end)) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_LOAD %u: p_offset 0x%" PRIx64 " + p_filesz 0x%"
				PRIx64 " wraps a 64-bit file offset", img->path, p->at, p->idx, p->off, p->filesz);
			return -IC_EFORMAT;
		}
		if (p->paddr == UINT64_MAX) {
			pr_debug(ctx, "%s: PT_LOAD %u (vaddr 0x%" PRIx64 ") has no physical address (vmalloc, modules, vmemmap); skipped",
				 img->path, p->idx, p->vaddr);
			continue;
		}
		if (no_paddr) {
			/* Before 4.11 (or a copy that zeroed p_paddr): only the direct map has a known
			 * physical address, vaddr - PAGE_OFFSET. */
			/* Modular: a vaddr below the start wraps to a huge value and fails the check. */
			uint64_t rel = p->vaddr - dm->start;

			phys = p->vaddr - dm->lin;
			if (rel >= dm->len || p->filesz > dm->len - rel || phys >= phys_limit ||
			    p->filesz > phys_limit - phys) {
				pr_debug(ctx, "%s: PT_LOAD %u (vaddr 0x%" PRIx64 ") is outside the direct map; skipped",
					 img->path, p->idx, p->vaddr);
				continue;
			}
			/* Every segment says 0 here, vmalloc and vmemmap too, and some of those fall
			 * inside the direct map's span: a segment counts as RAM only if the copy has its
			 * data (responders copy RAM; vmalloc is terabytes). */
			if (!ic_in_bounds(p->off, p->filesz, img->size)) {
				pr_info(ctx, "%s: PT_LOAD %u (vaddr 0x%" PRIx64 "+0x%" PRIx64 ") not in the copy; skipped",
					img->path, p->idx, p->vaddr, p->filesz);
				continue;
			}
		} else {
			phys = p->paddr;
			if (phys >= phys_limit || p->filesz > phys_limit - phys) {
				pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_LOAD %u p_paddr 0x%" PRIx64 "+0x%" PRIx64
					" lies beyond the %u-bit physical address space", img->path, p->at, p->idx,
					phys, p->filesz, IC_KCORE_PHYS_BITS);
				return -IC_EFORMAT;
			}
		}
		segs[*nseg] = (struct seg){ phys, p->filesz, p->off, p, false };
		(*nseg)++;
	}
	return 0;
}

/* File offset of the first PT_LOAD header, for messages about the segments as a whole. */
static uint64_t first_load_at(const struct ic_elf_core *core)
{
	for (size_t i = 0; i < core->nph; i++)
		if (core->ph[i].type == IC_PT_LOAD)
			return core->ph[i].at;
	return core->nph ? core->ph[0].at : 0;
}

static int kcore_probe(const struct ic_ctx *ctx, struct ic_image *img)
{
	const uint64_t phys_limit = 1ull << IC_KCORE_PHYS_BITS;
	struct ic_elf_core core;
	struct seg *segs = NULL;
	struct span *kept = NULL;
	size_t nseg = 0, nkept = 0, ndirect = 0, naliases = 0, kept_cap;
	bool no_paddr, have_po;
	uint64_t po = 0;
	struct dmap dm = { 0, 0, 0 };
	int err;

	/* Only a complete ELF64 LE core header is looked at; anything else is the elf reader's to
	 * explain (so its messages are not printed twice). */
	if (img->size < 64 || memcmp(img->map, "\x7f" "ELF", 4) || img->map[4] != 2 || img->map[5] != 1 ||
	    ic_get_le16(img->map + 16) != 4) {
		pr_debug(ctx, "%s: offset 0x0: not an ELF64 little-endian core", img->path);
		return -EPROTO;
	}
	err = ic_elf_core_read(ctx, img, &core);
	if (err)
		return err;
	for (size_t i = 0; i < core.nph; i++)
		if (core.ph[i].type == IC_PT_NOTE && (err = ic_elf_add_notes(ctx, img, &core.ph[i])))
			goto out;
	if (!looks_like_kcore(img, &core)) {
		pr_debug(ctx, "%s: ELF core without /proc/kcore notes or segments: not a kcore copy", img->path);
		err = -EPROTO;
		goto out;
	}
	/* Pre-4.11 shape: some segment says p_paddr 0 and none gives a real one. */
	no_paddr = false;
	for (size_t i = 0; i < core.nph; i++) {
		const struct ic_elf_phdr *p = &core.ph[i];

		if (p->type != IC_PT_LOAD || !p->filesz)
			continue;
		if (!p->paddr)
			no_paddr = true;
	}
	for (size_t i = 0; i < core.nph; i++) {
		const struct ic_elf_phdr *p = &core.ph[i];

		if (p->type == IC_PT_LOAD && p->filesz && p->paddr && p->paddr != UINT64_MAX)
			no_paddr = false;
	}
	have_po = vmci_page_offset(img, core.machine, &dm);
	if (no_paddr && !have_po) {
		pr_warn(ctx, "%s: offset 0x%" PRIx64 ": /proc/kcore copy without physical addresses (every p_paddr 0: "
			"kernel before 4.11) and no PAGE_OFFSET in a VMCOREINFO note: unsupported", img->path,
			first_load_at(&core));
		err = -IC_EUNSUPP;
		goto out;
	}
	segs = ic_calloc(core.nph ? core.nph : 1, sizeof(*segs));
	if (!segs) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = collect(ctx, img, &core, no_paddr, &dm, phys_limit, segs, &nseg)))
		goto out;
	if (!nseg) {
		pr_warn(ctx, "%s: /proc/kcore copy holds no memory ranges (no segment with a physical address)", img->path);
		err = -IC_ENOTFOUND;
		goto out;
	}
	if (no_paddr) {
		po = dm.lin;
	} else if ((err = majority_delta(segs, nseg, &po))) {
		pr_warn(ctx, "%s: offset 0x%" PRIx64 ": /proc/kcore copy has no segment with p_vaddr >= p_paddr: "
			"p_vaddr is not a kernel address", img->path, first_load_at(&core));
		err = -IC_EFORMAT;
		goto out;
	}
	if (have_po && !no_paddr && po != dm.lin)
		pr_info(ctx, "%s: direct map of the segments at 0x%" PRIx64 ", VMCOREINFO gives 0x%" PRIx64
			"; using the segments' p_paddr", img->path, po, dm.lin);
	if (po < KERNEL_HALF) {
		pr_warn(ctx, "%s: offset 0x%" PRIx64 ": /proc/kcore direct-map offset 0x%" PRIx64
			" (p_vaddr - p_paddr) is not a kernel address", img->path, first_load_at(&core), po);
		err = -IC_EFORMAT;
		goto out;
	}
	pr_debug(ctx, "%s: /proc/kcore copy, PAGE_OFFSET 0x%" PRIx64 "%s", img->path, po,
		 no_paddr ? " (from VMCOREINFO; p_paddr unset)" : "");
	for (size_t i = 0; i < nseg; i++) {
		segs[i].direct = no_paddr || (segs[i].ph->vaddr >= segs[i].phys && segs[i].ph->vaddr - segs[i].phys == po);
		if (segs[i].direct)
			ndirect++;
		else
			naliases++;
	}
	if (!ndirect) {
		pr_warn(ctx, "%s: /proc/kcore copy holds no memory ranges (no direct-map KCORE_RAM segment)", img->path);
		err = -IC_ENOTFOUND;
		goto out;
	}
	if (naliases > IC_MAX_KCORE_ALIASES) {
		pr_warn(ctx, "%s: offset 0x%" PRIx64 ": %zu kcore segments outside the direct map, over IC_MAX_KCORE_ALIASES (%u)",
			img->path, first_load_at(&core), naliases, IC_MAX_KCORE_ALIASES);
		err = -IC_ELIMIT;
		goto out;
	}
	qsort(segs, nseg, sizeof(*segs), cmp_seg);
	/* Each alias piece either fills a whole gap between kept spans, or lies at an end of its
	 * alias (at most 2 per alias). A whole gap filled is gone for good; the gaps are the
	 * ndirect + 1 around the direct spans plus at most one more per alias (an alias inside a
	 * gap splits it in two). So at most ndirect + (ndirect + 1 + naliases) + 2 * naliases spans:
	 * 2 * nseg + 2 * naliases + 1 covers it (nseg = ndirect + naliases). */
	kept_cap = 2 * nseg + 2 * naliases + 1;
	kept = ic_calloc(kept_cap, sizeof(*kept));
	if (!kept) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nseg; i++) {
		const struct seg *s = &segs[i];

		if (!s->direct)
			continue;
		if (!ic_in_bounds(s->off, s->len, img->size)) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": direct-map PT_LOAD %u (phys 0x%" PRIx64 "+0x%" PRIx64
				", file offset 0x%" PRIx64 ") runs past the end of the file (0x%" PRIx64 "): RAM missing from the copy",
				img->path, s->ph->at, s->ph->idx, s->phys, s->len, s->off, img->size);
			err = -IC_ETRUNC;
			goto out;
		}
		/* Overlapping direct-map segments are refused by ic_image_finish_ranges(). */
		if ((err = ic_image_add_range(img, s->phys, s->len, s->off)))
			goto out;
		kept[nkept++] = (struct span){ s->phys, s->phys + s->len };
	}
	/* segs is sorted, so kept is too; aliases are resolved in physical order. */
	for (size_t i = 0; i < nseg; i++) {
		if (segs[i].direct)
			continue;
		if ((err = add_alias(ctx, img, &segs[i], kept, &nkept, kept_cap)))
			goto out;
	}
out:
	free(kept);
	free(segs);
	free(core.ph);
	return err;
}

const struct ic_image_fmt ic_fmt_kcore = {
	.name = "kcore",
	.probe = kcore_probe,
};

/*
 * The running kernel's /proc/kcore. It has no mmap, and its st_size is the span of the kernel
 * address space (128 TiB and more), so nothing of the copy reader above applies: the headers
 * and the note are pread() into memory, each range remembers its p_offset, and every image
 * read is one bounded pread(). Only direct-map segments (vaddr - paddr = the majority
 * offset) become ranges: KCORE_TEXT is the same memory seen a second time.
 */
static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	if (off > (uint64_t)INT64_MAX - len)
		return -IC_ETRUNC;
	while (got < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			return -IC_ETRUNC;
		got += (size_t)n;
	}
	return 0;
}

/*
 * The KASLR stage and the recovery rules read a few bytes at a time (page-table entries, list
 * pointers): one pread each was 600,000 system calls for one profile. Small reads go through a
 * direct-mapped cache of IC_KCORE_LIVE_BLOCK-byte blocks (shared by the scan threads, hence the
 * lock); reads of a block or more (the scan's chunks) go straight to the file.
 */
struct live_block {
	size_t ri;
	uint64_t blk, len; /* len 0: empty slot */
};

struct live_cache {
	pthread_mutex_t mu;
	struct live_block tag[IC_KCORE_LIVE_SLOTS];
	uint8_t *data; /* IC_KCORE_LIVE_SLOTS blocks */
	bool warned;   /* a failed read was reported (once: a short copy fails every read past its end) */
};

/* Callers skip what they cannot read (the scan goes on after a bad chunk), so the failure is
 * said here, once, naming the file offset. */
static int live_failed(const struct ic_image *img, struct live_cache *c, uint64_t at, size_t len,
		       int err, bool locked)
{
	bool first;

	if (!locked)
		pthread_mutex_lock(&c->mu);
	first = !c->warned;
	c->warned = true;
	if (!locked)
		pthread_mutex_unlock(&c->mu);
	if (first)
		pr_warn(img->ctx, "%s: offset 0x%" PRIx64 ": read of 0x%zx bytes failed: %s (later "
			"failures not reported)", img->path, at, len, ic_strerror(err));
	return err;
}

static int live_read(const struct ic_image *img, size_t ri, uint64_t off, void *buf, size_t len)
{
	struct live_cache *c = img->priv;
	uint8_t *dst = buf;
	uint64_t at;
	int err = 0;

	if (ic_add_ovf(img->file_off[ri], off, &at))
		return -IC_ETRUNC;
	if (len >= IC_KCORE_LIVE_BLOCK) {
		err = pread_full(img->fd, buf, len, at);
		return err ? live_failed(img, c, at, len, err, false) : 0;
	}
	pthread_mutex_lock(&c->mu);
	while (len && !err) {
		uint64_t blk = off / IC_KCORE_LIVE_BLOCK, in = off % IC_KCORE_LIVE_BLOCK;
		size_t slot = (size_t)((blk * 0x9e3779b97f4a7c15ull + ri) >> 40) % IC_KCORE_LIVE_SLOTS;
		struct live_block *t = &c->tag[slot];
		uint8_t *d = c->data + slot * (size_t)IC_KCORE_LIVE_BLOCK;
		size_t n;

		if (!t->len || t->ri != ri || t->blk != blk) {
			uint64_t start = blk * IC_KCORE_LIVE_BLOCK, blen = img->ranges[ri].len - start;

			if (blen > IC_KCORE_LIVE_BLOCK)
				blen = IC_KCORE_LIVE_BLOCK;
			t->len = 0;
			err = pread_full(img->fd, d, (size_t)blen, img->file_off[ri] + start);
			if (err) {
				live_failed(img, c, img->file_off[ri] + start, (size_t)blen, err, true);
				break;
			}
			*t = (struct live_block){ ri, blk, blen };
		}
		if (in >= t->len) {
			err = -IC_ETRUNC;
			break;
		}
		n = (size_t)(t->len - in) < len ? (size_t)(t->len - in) : len;
		memcpy(dst, d + in, n);
		dst += n;
		off += n;
		len -= n;
	}
	pthread_mutex_unlock(&c->mu);
	return err;
}

static void live_free_priv(struct ic_image *img)
{
	struct live_cache *c = img->priv;

	if (!c)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c->data);
	free(c);
}

static int live_probe(const struct ic_ctx *ctx, struct ic_image *img)
{
	(void)ctx;
	(void)img;
	return -EPROTO; /* never detected: only ic_image__open_kcore_live() builds one */
}

static const struct ic_image_fmt ic_fmt_kcore_live = {
	.name = "kcore",
	.probe = live_probe,
	.read = live_read,
	.free_priv = live_free_priv,
};

/* Clip [phys, phys + len) to [lo, hi) (lo >= hi: no clipping) and add what is left. */
static int live_add(struct ic_image *img, uint64_t phys, uint64_t len, uint64_t off, uint64_t lo,
		    uint64_t hi)
{
	uint64_t end = phys + len; /* no wrap: checked against IC_KCORE_PHYS_BITS */

	if (lo < hi) {
		if (end <= lo || phys >= hi)
			return 0;
		if (phys < lo) {
			off += lo - phys;
			phys = lo;
		}
		if (end > hi)
			end = hi;
	}
	return ic_image_add_range(img, phys, end - phys, off);
}

int ic_image__open_kcore_live(const struct ic_ctx *ctx, const char *path, uint64_t runtime_text,
			      uint64_t lo, uint64_t hi, struct ic_kcore_text *text,
			      struct ic_image **out)
{
	const uint64_t phys_limit = 1ull << IC_KCORE_PHYS_BITS;
	struct ic_image *img;
	struct ic_elf_phdr *ph = NULL;
	struct seg *segs = NULL;
	uint8_t eh[64], *raw = NULL;
	uint64_t phoff, po = 0;
	size_t nph, nseg = 0;
	struct stat st;
	bool have_text = false;
	int err;

	*out = NULL;
	memset(text, 0, sizeof(*text));
	img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	img->fd = -1;
	img->ctx = ctx;
	img->fmt = &ic_fmt_kcore_live;
	img->path = strdup(path);
	img->priv = calloc(1, sizeof(struct live_cache));
	if (img->priv) {
		struct live_cache *c = img->priv;

		c->data = malloc((size_t)IC_KCORE_LIVE_SLOTS * IC_KCORE_LIVE_BLOCK);
		if (!c->data || pthread_mutex_init(&c->mu, NULL)) {
			free(c->data);
			free(c);
			img->priv = NULL;
		}
	}
	if (!img->path || !img->priv) {
		err = -ENOMEM;
		goto out;
	}
	img->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (img->fd < 0) {
		err = -errno;
		/* absent or root-only: the caller says what else would do */
		if (err == -ENOENT || err == -EACCES || err == -EPERM)
			pr_info(ctx, "%s: %s", path, ic_strerror(err));
		else
			pr_warn(ctx, "%s: %s", path, ic_strerror(err));
		goto out;
	}
	if (fstat(img->fd, &st) || !S_ISREG(st.st_mode)) {
		pr_warn(ctx, "%s: not a regular file", path);
		err = -IC_EFORMAT;
		goto out;
	}
	img->size = (uint64_t)st.st_size; /* informative only: never used as a data length */
	if ((err = pread_full(img->fd, eh, sizeof(eh), 0))) {
		pr_warn(ctx, "%s: offset 0x0: cannot read the ELF header: %s", path, ic_strerror(err));
		goto out;
	}
	if (memcmp(eh, "\x7f" "ELF", 4) || eh[4] != 2 || eh[5] != 1 || ic_get_le16(eh + 16) != 4 ||
	    ic_get_le16(eh + 54) != 56) {
		pr_warn(ctx, "%s: offset 0x0: not an ELF64 little-endian core with 56-byte program "
			"headers: not /proc/kcore", path);
		err = -IC_EFORMAT;
		goto out;
	}
	phoff = ic_get_le64(eh + 32);
	nph = ic_get_le16(eh + 56);
	if (!nph) {
		pr_warn(ctx, "%s: offset 0x38: no program headers", path);
		err = -IC_EFORMAT;
		goto out;
	}
	raw = malloc(nph * 56); /* nph <= 65535 (a u16) */
	ph = ic_calloc(nph, sizeof(*ph));
	segs = ic_calloc(nph, sizeof(*segs));
	if (!raw || !ph || !segs) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = pread_full(img->fd, raw, nph * 56, phoff))) {
		pr_warn(ctx, "%s: offset 0x%" PRIx64 ": cannot read %zu program headers: %s", path, phoff,
			nph, ic_strerror(err));
		goto out;
	}
	for (size_t i = 0; i < nph; i++) {
		const uint8_t *p = raw + 56 * i;

		ph[i] = (struct ic_elf_phdr){ .type = ic_get_le32(p), .off = ic_get_le64(p + 8),
					      .vaddr = ic_get_le64(p + 16), .paddr = ic_get_le64(p + 24),
					      .filesz = ic_get_le64(p + 32), .memsz = ic_get_le64(p + 40),
					      .idx = (unsigned)i, .at = phoff + 56 * i };
		if (ph[i].type == IC_PT_NOTE && !img->notes && ph[i].filesz &&
		    ph[i].filesz <= IC_MAX_NOTES_BYTES) {
			img->notes = malloc((size_t)ph[i].filesz);
			if (!img->notes) {
				err = -ENOMEM;
				goto out;
			}
			if ((err = pread_full(img->fd, img->notes, (size_t)ph[i].filesz, ph[i].off))) {
				pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_NOTE of 0x%" PRIx64 " bytes unreadable: %s",
					path, ph[i].off, ph[i].filesz, ic_strerror(err));
				goto out;
			}
			img->notes_len = (size_t)ph[i].filesz;
			/* read as it is in the file: one origin maps every note */
			if ((err = ic_image_note_origin(img, 0, ph[i].off, "offset", "PT_NOTE")))
				goto out;
		}
		if (ph[i].type != IC_PT_LOAD || !ph[i].filesz)
			continue;
		if (runtime_text && ph[i].vaddr <= runtime_text && runtime_text - ph[i].vaddr < ph[i].filesz &&
		    ph[i].paddr != UINT64_MAX && ph[i].paddr && !have_text) {
			text->vaddr = runtime_text;
			text->phys = ph[i].paddr + (runtime_text - ph[i].vaddr);
			text->len = ph[i].filesz - (runtime_text - ph[i].vaddr);
			have_text = true;
		}
		/* vmalloc, modules, vmemmap (-1) have no physical address; 0 is a pre-4.11 kernel. */
		if (ph[i].paddr == UINT64_MAX || !ph[i].paddr)
			continue;
		if (ph[i].paddr >= phys_limit || ph[i].filesz > phys_limit - ph[i].paddr) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_LOAD %zu p_paddr 0x%" PRIx64 "+0x%" PRIx64
				" lies beyond the %u-bit physical address space", path, ph[i].at, i,
				ph[i].paddr, ph[i].filesz, IC_KCORE_PHYS_BITS);
			err = -IC_EFORMAT;
			goto out;
		}
		segs[nseg++] = (struct seg){ ph[i].paddr, ph[i].filesz, ph[i].off, &ph[i], false };
	}
	if (runtime_text && !have_text) {
		pr_warn(ctx, "%s: no segment with a physical address holds _text 0x%" PRIx64
			" (the kernel image; a kernel before 4.11 writes p_paddr 0)", path, runtime_text);
		err = -IC_ENOTFOUND;
		goto out;
	}
	if (!nseg || majority_delta(segs, nseg, &po) || po < KERNEL_HALF) {
		pr_warn(ctx, "%s: offset 0x%" PRIx64 ": no direct-map (KCORE_RAM) segment", path, phoff);
		err = -IC_ENOTFOUND;
		goto out;
	}
	for (size_t i = 0; i < nseg; i++) {
		if (segs[i].ph->vaddr < segs[i].phys || segs[i].ph->vaddr - segs[i].phys != po)
			continue; /* KCORE_TEXT (and the old KCORE_REMAP): aliases of RAM */
		if ((err = live_add(img, segs[i].phys, segs[i].len, segs[i].off, lo, hi)))
			goto out;
	}
	if ((err = ic_image_finish_ranges(img)))
		goto out;
	if (!img->nranges) {
		pr_warn(ctx, "%s: no RAM in physical 0x%" PRIx64 "-0x%" PRIx64, path, lo, hi);
		err = -IC_ENOTFOUND;
		goto out;
	}
	if (have_text)
		pr_info(ctx, "%s: live kcore, %zu ranges, %" PRIu64 " bytes; _text at physical 0x%" PRIx64,
			path, img->nranges, img->bytes, text->phys);
	else
		pr_info(ctx, "%s: live kcore, %zu ranges, %" PRIu64 " bytes", path, img->nranges,
			img->bytes);
out:
	free(raw);
	free(ph);
	free(segs);
	if (err)
		ic_image__free(img);
	else
		*out = img;
	return err;
}
