/* SPDX-License-Identifier: MIT */
/* ELF64 core dumps (QEMU dump-guest-memory, kdump /proc/vmcore, makedumpfile -E): PT_LOAD by p_paddr, PT_NOTE kept. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "elfcore.h"

#define EHDR_SIZE 64u
#define PHDR_SIZE 56u
#define SHDR_SIZE 64u
#define ET_CORE 4u
#define PN_XNUM 0xffffu

struct load {
	uint64_t paddr, off, len;
	unsigned idx;
};

static int cmp_load(const void *a, const void *b)
{
	const struct load *x = a, *y = b;

	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	/* Same start: the longer first, so the shorter one is seen as contained. */
	return x->len > y->len ? -1 : x->len < y->len;
}

/* The real program-header count: e_phnum, or shdr[0].sh_info when e_phnum == PN_XNUM. */
static int phnum_of(const struct ic_ctx *ctx, struct ic_image *img, uint16_t e_phnum, uint64_t shoff,
		    uint16_t shentsize, uint64_t *phnum)
{
	struct ic_rd r = ic_rd_init(img->map, (size_t)img->size);

	*phnum = e_phnum;
	if (e_phnum != PN_XNUM)
		return 0;
	if (shentsize != SHDR_SIZE || !ic_in_bounds(shoff, SHDR_SIZE, img->size)) {
		pr_warn(ctx, "%s: offset 0x%" PRIx64 ": e_phnum is PN_XNUM but section header 0 is not readable",
			img->path, shoff);
		return -IC_ETRUNC;
	}
	ic_rd_seek(&r, (size_t)shoff + 44); /* sh_info */
	*phnum = ic_rd_le32(&r);
	return r.err;
}

int ic_elf_add_notes(const struct ic_ctx *ctx, struct ic_image *img, const struct ic_elf_phdr *ph)
{
	uint64_t off = ph->off, len = ph->filesz;
	unsigned idx = ph->idx;
	char what[32];
	int err;

	if (!len)
		return 0;
	if (!ic_in_bounds(off, len, img->size)) {
		pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_NOTE %u (0x%" PRIx64 " bytes) runs past the end of the file",
			img->path, off, idx, len);
		return -IC_ETRUNC;
	}
	/* each note copied whole and padded: padding or garbage after a segment's notes must not
	 * shift the next segment's notes off the grid a note walk expects */
	snprintf(what, sizeof(what), "PT_NOTE %u", idx);
	err = len > IC_MAX_NOTES_BYTES ? -IC_ELIMIT
				       : ic_image_add_notes(img, img->map + off, (size_t)len, what, off,
							    "offset");
	if (err == -IC_ELIMIT)
		pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_NOTE data over IC_MAX_NOTES_BYTES (%u)", img->path,
			off, IC_MAX_NOTES_BYTES);
	return err;
}

/*
 * Tolerant repair, documented in docs/formats.md: kdump's /proc/vmcore on x86 adds a kernel-text
 * PT_LOAD that lies inside a RAM PT_LOAD. A load contained in an earlier one is dropped; a load
 * that overlaps only partly is trimmed to start where the earlier one ends. Both copies are the
 * same physical memory, so nothing is lost.
 */
static int add_loads(const struct ic_ctx *ctx, struct ic_image *img, struct load *l, size_t n)
{
	uint64_t end = 0; /* exclusive end of the last kept load; 0 = none yet */
	bool have = false;

	qsort(l, n, sizeof(*l), cmp_load);
	for (size_t i = 0; i < n; i++) {
		uint64_t cut = 0, lend;
		int err;

		lend = l[i].paddr + l[i].len; /* no wrap: checked when collected */
		if (have && l[i].paddr < end) {
			if (lend <= end) {
				pr_debug(ctx, "%s: PT_LOAD %u (phys 0x%" PRIx64 "+0x%" PRIx64 ") lies inside an earlier one; dropped",
					 img->path, l[i].idx, l[i].paddr, l[i].len);
				continue;
			}
			cut = end - l[i].paddr;
			pr_info(ctx, "%s: PT_LOAD %u (phys 0x%" PRIx64 "+0x%" PRIx64 ") overlaps an earlier one; trimmed by 0x%" PRIx64,
				img->path, l[i].idx, l[i].paddr, l[i].len, cut);
		}
		err = ic_image_add_range(img, l[i].paddr + cut, l[i].len - cut, l[i].off + cut);
		if (err)
			return err;
		end = lend;
		have = true;
	}
	return 0;
}

int ic_elf_core_read(const struct ic_ctx *ctx, struct ic_image *img, struct ic_elf_core *core)
{
	struct ic_rd r = ic_rd_init(img->map, (size_t)img->size);
	uint64_t phoff, shoff, phnum;
	uint16_t type, phentsize, e_phnum, shentsize;
	int err;

	memset(core, 0, sizeof(*core));
	if (img->size < 4 || memcmp(img->map, "\x7f" "ELF", 4)) {
		pr_debug(ctx, "%s: offset 0x0: no ELF magic", img->path);
		return -EPROTO;
	}
	if (img->size < EHDR_SIZE) {
		pr_warn(ctx, "%s: offset 0x0: ELF header truncated (%" PRIu64 " bytes)", img->path, img->size);
		return -IC_ETRUNC;
	}
	if (img->map[4] != 2 || img->map[5] != 1) {
		pr_warn(ctx, "%s: offset 0x4: ELF class %u / data %u unsupported (only ELF64 little-endian)",
			img->path, img->map[4], img->map[5]);
		return -IC_EUNSUPP;
	}
	ic_rd_seek(&r, 16);
	type = ic_rd_le16(&r);
	core->machine = ic_rd_le16(&r);
	ic_rd_skip(&r, 4 + 8); /* e_version, e_entry */
	phoff = ic_rd_le64(&r);
	shoff = ic_rd_le64(&r);
	ic_rd_skip(&r, 4 + 2);     /* e_flags, e_ehsize */
	phentsize = ic_rd_le16(&r);
	e_phnum = ic_rd_le16(&r);
	shentsize = ic_rd_le16(&r);
	if (r.err)
		return r.err;
	if (type != ET_CORE) {
		pr_warn(ctx, "%s: offset 0x10: ELF e_type %u is not a core dump (ET_CORE = 4)", img->path, type);
		return -IC_EUNSUPP;
	}
	if (phentsize != PHDR_SIZE) {
		pr_warn(ctx, "%s: offset 0x36: e_phentsize %u (ELF64 needs %u)", img->path, phentsize, PHDR_SIZE);
		return -IC_EFORMAT;
	}
	err = phnum_of(ctx, img, e_phnum, shoff, shentsize, &phnum);
	if (err)
		return err;
	if (phnum > IC_MAX_ELF_PHDRS) {
		pr_warn(ctx, "%s: offset 0x38: %" PRIu64 " program headers, over IC_MAX_ELF_PHDRS (%u)",
			img->path, phnum, IC_MAX_ELF_PHDRS);
		return -IC_ELIMIT;
	}
	if (!ic_in_bounds(phoff, phnum * PHDR_SIZE, img->size)) {
		pr_warn(ctx, "%s: offset 0x%" PRIx64 ": program header table (%" PRIu64 " entries) runs past the end of the file",
			img->path, phoff, phnum);
		return -IC_ETRUNC;
	}
	core->ph = ic_calloc(phnum ? (size_t)phnum : 1, sizeof(*core->ph));
	if (!core->ph)
		return -ENOMEM;
	for (uint64_t i = 0; i < phnum; i++) {
		struct ic_elf_phdr *p = &core->ph[i];

		p->at = phoff + i * PHDR_SIZE;
		p->idx = (unsigned)i;
		ic_rd_seek(&r, (size_t)p->at);
		p->type = ic_rd_le32(&r);
		ic_rd_skip(&r, 4); /* p_flags */
		p->off = ic_rd_le64(&r);
		p->vaddr = ic_rd_le64(&r);
		p->paddr = ic_rd_le64(&r);
		p->filesz = ic_rd_le64(&r);
		p->memsz = ic_rd_le64(&r);
	}
	if (r.err) {
		free(core->ph);
		core->ph = NULL;
		return r.err;
	}
	core->nph = (size_t)phnum;
	return 0;
}

static int elf_probe(const struct ic_ctx *ctx, struct ic_image *img)
{
	struct ic_elf_core core;
	struct load *loads = NULL;
	size_t nloads = 0;
	int err;

	err = ic_elf_core_read(ctx, img, &core);
	if (err)
		return err;
	loads = ic_calloc(core.nph ? core.nph : 1, sizeof(*loads));
	if (!loads) {
		free(core.ph);
		return -ENOMEM;
	}
	for (size_t i = 0; i < core.nph; i++) {
		const struct ic_elf_phdr *p = &core.ph[i];
		uint64_t end;

		if (p->type == IC_PT_NOTE) {
			if ((err = ic_elf_add_notes(ctx, img, p)))
				goto out;
			continue;
		}
		if (p->type != IC_PT_LOAD || !p->filesz)
			continue;
		if (p->filesz > p->memsz) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_LOAD %u has p_filesz 0x%" PRIx64
				" > p_memsz 0x%" PRIx64, img->path, p->at, p->idx, p->filesz, p->memsz);
			err = -IC_EFORMAT;
			goto out;
		}
		if (p->paddr == UINT64_MAX) {
			/* /proc/kcore: vmalloc/module segments have no physical address. */
			pr_debug(ctx, "%s: PT_LOAD %u has no physical address; skipped", img->path, p->idx);
			continue;
		}
		if (ic_add_ovf(p->paddr, p->filesz, &end)) {
			/* Also refuses a load ending exactly at 2^64, so ends stay representable. */
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_LOAD %u (phys 0x%" PRIx64 "+0x%" PRIx64
				") wraps the address space", img->path, p->at, p->idx, p->paddr, p->filesz);
			err = -IC_EFORMAT;
			goto out;
		}
		if (!ic_in_bounds(p->off, p->filesz, img->size)) {
			pr_warn(ctx, "%s: offset 0x%" PRIx64 ": PT_LOAD %u data (file offset 0x%" PRIx64 ", 0x%" PRIx64
				" bytes) runs past the end of the file (0x%" PRIx64 ")",
				img->path, p->at, p->idx, p->off, p->filesz, img->size);
			err = -IC_ETRUNC;
			goto out;
		}
		loads[nloads++] = (struct load){ p->paddr, p->off, p->filesz, p->idx };
	}
	err = add_loads(ctx, img, loads, nloads);
out:
	free(loads);
	free(core.ph);
	return err;
}

const struct ic_image_fmt ic_fmt_elf = {
	.name = "elf",
	.probe = elf_probe,
};
