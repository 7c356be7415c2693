/* SPDX-License-Identifier: MIT */
/* Bounds-checked ELF32/ELF64 (either byte order) reader for vmlinux: sections, segments, banner. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "0-base/internal.h"
#include "isfcarve/vmlinux.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "elfhdr.h"

/*
 * We decode every header field by field through struct ic_rd (never cast a struct over the
 * file), then keep a small decoded table per section and per PT_LOAD segment.
 *
 *   ELF header | ... | program headers (e_phoff) | ... | section headers (e_shoff)
 *   e_shnum == 0 / e_shstrndx == SHN_XINDEX / e_phnum == PN_XNUM: real values in section 0.
 */
#define ELF_SHN_XINDEX 0xffffu
#define ELF_PN_XNUM 0xffffu
#define ELF_SHT_NOBITS 8u
#define ELF_SHF_ALLOC 0x2u
#define ELF_PT_LOAD 1u

struct elf_sec {
	const char *name; /* points into the file's shstrtab, NUL checked; "" if none */
	uint32_t type;
	uint64_t flags, addr, offset, size;
};

struct elf_seg {
	uint64_t offset, vaddr, filesz;
};

struct ic_vmlinux {
	const uint8_t *data;
	size_t len;
	bool is64, be;
	uint16_t machine;
	struct elf_sec *secs;
	size_t nsecs;
	struct elf_seg *segs;
	size_t nsegs;
	char what[256]; /* the file, for messages (cut if longer) */
};

bool ic_vmlinux__is_elf(const uint8_t *data, size_t len)
{
	return len >= 4 && data[0] == 0x7f && data[1] == 'E' && data[2] == 'L' && data[3] == 'F';
}

static uint16_t rd16(struct ic_rd *r, bool be)
{
	return be ? ic_rd_be16(r) : ic_rd_le16(r);
}

static uint32_t rd32(struct ic_rd *r, bool be)
{
	return be ? ic_rd_be32(r) : ic_rd_le32(r);
}

static uint64_t rd64(struct ic_rd *r, bool be)
{
	return be ? ic_rd_be64(r) : ic_rd_le64(r);
}

/* An address-sized field: 8 bytes in ELF64, 4 in ELF32. */
static uint64_t rdw(struct ic_rd *r, const struct ic_vmlinux *v)
{
	return v->is64 ? rd64(r, v->be) : rd32(r, v->be);
}

static int read_shdr(const struct ic_vmlinux *v, uint64_t off, uint32_t *name, struct elf_sec *s,
		     uint32_t *link, uint32_t *info)
{
	struct ic_rd r = ic_rd_init(v->data, v->len);

	ic_rd_seek(&r, (size_t)off);
	*name = rd32(&r, v->be);
	s->type = rd32(&r, v->be);
	s->flags = rdw(&r, v);
	s->addr = rdw(&r, v);
	s->offset = rdw(&r, v);
	s->size = rdw(&r, v);
	*link = rd32(&r, v->be);
	*info = rd32(&r, v->be);
	return r.err;
}

/* A header table of num entries of entsize bytes at off: at most limit entries, inside the file. */
static int check_table(const struct ic_ctx *ctx, const struct ic_vmlinux *v, const char *what,
		       const char *kind, uint64_t off, uint32_t entsize, uint32_t num, uint32_t limit)
{
	uint64_t tab;

	if (num > limit) {
		pr_warn(ctx, "%s: %u %ss (limit %u)", what, num, kind, limit);
		return -IC_ELIMIT;
	}
	if (ic_mul_ovf((uint64_t)num, (uint64_t)entsize, &tab) || !ic_in_bounds(off, tab, v->len)) {
		pr_warn(ctx, "%s: %s table (offset 0x%" PRIx64 ", %u x %u bytes) is outside the file",
			what, kind, off, num, entsize);
		return -IC_ETRUNC;
	}
	return 0;
}

static int parse_sections(const struct ic_ctx *ctx, struct ic_vmlinux *v, const char *what,
			  uint64_t shoff, uint32_t shentsize, uint32_t shnum, uint32_t shstrndx)
{
	const struct elf_sec *strsec;
	int err = check_table(ctx, v, what, "section header", shoff, shentsize, shnum,
			      IC_MAX_ELF_SECTIONS);

	if (err)
		return err;
	v->secs = ic_calloc(shnum ? shnum : 1, sizeof(*v->secs));
	if (!v->secs)
		return -ENOMEM;
	v->nsecs = shnum;
	for (uint32_t i = 0; i < shnum; i++) {
		uint32_t name, link, info;
		struct elf_sec *s = &v->secs[i];

		if (read_shdr(v, shoff + (uint64_t)i * shentsize, &name, s, &link, &info))
			return -IC_ETRUNC;
		s->name = "";
		if (s->type != ELF_SHT_NOBITS && !ic_in_bounds(s->offset, s->size, v->len)) {
			pr_warn(ctx, "%s: section %u (header at 0x%" PRIx64 "): bytes 0x%" PRIx64
				"+0x%" PRIx64 " are outside the file", what, i,
				shoff + (uint64_t)i * shentsize, s->offset, s->size);
			return -IC_ETRUNC;
		}
		if (s->type == ELF_SHT_NOBITS)
			s->offset = 0; /* no file bytes: never dereferenced */
	}
	if (!shnum)
		return 0;
	if (shstrndx >= shnum) {
		pr_warn(ctx, "%s: e_shstrndx %u out of range (%u sections)", what, shstrndx, shnum);
		return -IC_EFORMAT;
	}
	strsec = &v->secs[shstrndx];
	if (strsec->type == ELF_SHT_NOBITS) {
		pr_warn(ctx, "%s: section name table %u has no file bytes", what, shstrndx);
		return -IC_EFORMAT;
	}
	/* Second pass: resolve names against the (now bounds-checked) string table. */
	for (uint32_t i = 0; i < shnum; i++) {
		uint32_t name, link, info;
		struct elf_sec tmp;
		const char *base = (const char *)v->data + strsec->offset;

		read_shdr(v, shoff + (uint64_t)i * shentsize, &name, &tmp, &link, &info);
		if (name >= strsec->size || !memchr(base + name, '\0', strsec->size - name)) {
			pr_warn(ctx, "%s: section %u: name offset %u is outside the name table or "
				"unterminated", what, i, name);
			return -IC_EFORMAT;
		}
		v->secs[i].name = base + name;
	}
	return 0;
}

/* One program header at file offset at: its type, offset, vaddr and filesz. -IC_ETRUNC. */
static int read_phdr(const uint8_t *data, size_t len, bool is64, bool be, uint64_t at,
		     uint32_t *type, struct elf_seg *s)
{
	struct ic_rd r = ic_rd_init(data, len);

	if (at > len)
		return -IC_ETRUNC;
	ic_rd_seek(&r, (size_t)at);
	*type = rd32(&r, be);
	if (is64) {
		rd32(&r, be); /* p_flags */
		s->offset = rd64(&r, be);
		s->vaddr = rd64(&r, be);
		rd64(&r, be); /* p_paddr */
		s->filesz = rd64(&r, be);
	} else {
		s->offset = rd32(&r, be);
		s->vaddr = rd32(&r, be);
		rd32(&r, be); /* p_paddr */
		s->filesz = rd32(&r, be);
	}
	return r.err ? -IC_ETRUNC : 0;
}

static int parse_segments(const struct ic_ctx *ctx, struct ic_vmlinux *v, const char *what,
			  uint64_t phoff, uint32_t phentsize, uint32_t phnum)
{
	int err = check_table(ctx, v, what, "program header", phoff, phentsize, phnum,
			      IC_MAX_ELF_PHDRS);

	if (err)
		return err;
	v->segs = ic_calloc(phnum ? phnum : 1, sizeof(*v->segs));
	if (!v->segs)
		return -ENOMEM;
	for (uint32_t i = 0; i < phnum; i++) {
		uint64_t at = phoff + (uint64_t)i * phentsize;
		uint32_t type;
		struct elf_seg s;

		if (read_phdr(v->data, v->len, v->is64, v->be, at, &type, &s))
			return -IC_ETRUNC;
		if (type != ELF_PT_LOAD || !s.filesz)
			continue;
		if (!ic_in_bounds(s.offset, s.filesz, v->len)) {
			pr_warn(ctx, "%s: program header %u (at 0x%" PRIx64 "): bytes 0x%" PRIx64
				"+0x%" PRIx64 " are outside the file", what, i, at, s.offset, s.filesz);
			return -IC_ETRUNC;
		}
		v->segs[v->nsegs++] = s;
	}
	return 0;
}

int ic_elf__ehdr(const struct ic_ctx *ctx, const uint8_t *data, size_t len, const char *what,
		 struct ic_elf_ehdr *h)
{
	struct ic_rd r = ic_rd_init(data, len);
	struct ic_vmlinux w = { 0 }; /* only is64 and be, for rdw() */
	uint8_t cls, enc, ver;

	memset(h, 0, sizeof(*h));
	if (!ic_vmlinux__is_elf(data, len))
		return -EPROTO;
	ic_rd_skip(&r, 4);
	cls = ic_rd_u8(&r);
	enc = ic_rd_u8(&r);
	ver = ic_rd_u8(&r);
	if (r.err) {
		pr_warn(ctx, "%s: ELF identification truncated at offset %zu", what, len);
		return -IC_ETRUNC;
	}
	if ((cls != 1 && cls != 2) || (enc != 1 && enc != 2) || ver != 1) {
		pr_warn(ctx, "%s: offset 4: bad ELF class/encoding/version %u/%u/%u", what, cls, enc,
			ver);
		return -IC_EFORMAT;
	}
	h->is64 = w.is64 = cls == 2;
	h->be = w.be = enc == 2;
	ic_rd_seek(&r, 16);
	rd16(&r, h->be); /* e_type */
	h->machine = rd16(&r, h->be);
	rd32(&r, h->be); /* e_version */
	rdw(&r, &w);     /* e_entry */
	h->phoff = rdw(&r, &w);
	h->shoff = rdw(&r, &w);
	rd32(&r, h->be); /* e_flags */
	h->ehsize = rd16(&r, h->be);
	h->phentsize = rd16(&r, h->be);
	h->phnum = rd16(&r, h->be);
	h->shentsize = rd16(&r, h->be);
	h->shnum = rd16(&r, h->be);
	h->shstrndx = rd16(&r, h->be);
	if (r.err) {
		pr_warn(ctx, "%s: ELF header truncated (file is %zu bytes)", what, len);
		return -IC_ETRUNC;
	}
	if (h->ehsize < (h->is64 ? 64u : 52u)) {
		pr_warn(ctx, "%s: offset 0x%x: e_ehsize %u too small", what, h->is64 ? 0x34 : 0x28,
			h->ehsize);
		return -IC_EFORMAT;
	}
	if (h->shoff && h->shentsize < (h->is64 ? 64u : 40u)) {
		pr_warn(ctx, "%s: e_shentsize %u < %u", what, h->shentsize, h->is64 ? 64u : 40u);
		return -IC_EFORMAT;
	}
	if (h->phoff && h->phnum && h->phentsize < (h->is64 ? 56u : 32u)) {
		pr_warn(ctx, "%s: e_phentsize %u < %u", what, h->phentsize, h->is64 ? 56u : 32u);
		return -IC_EFORMAT;
	}
	return 0;
}

int ic_elf__ehdr_end(const struct ic_elf_ehdr *h, uint64_t *end)
{
	uint64_t ph = 0, sh = 0;

	*end = h->ehsize;
	if (h->phoff && h->phnum &&
	    (ic_mul_ovf((uint64_t)h->phnum, (uint64_t)h->phentsize, &ph) || ic_add_ovf(ph, h->phoff, &ph)))
		return -IC_EFORMAT;
	if (h->shoff && (ic_mul_ovf((uint64_t)h->shnum, (uint64_t)h->shentsize, &sh) ||
			 ic_add_ovf(sh, h->shoff, &sh)))
		return -IC_EFORMAT;
	if (h->shoff && !h->shnum && ic_add_ovf(h->shoff, (uint64_t)h->shentsize, &sh))
		return -IC_EFORMAT; /* extended numbering: at least section header 0 */
	if (ph > *end)
		*end = ph;
	if (sh > *end)
		*end = sh;
	return 0;
}

int ic_elf__load_end(const struct ic_elf_ehdr *h, const uint8_t *data, size_t len, uint64_t *end)
{
	*end = 0;
	if (!h->phoff || !h->phnum || h->phnum == ELF_PN_XNUM)
		return 0;
	if (h->phnum > IC_MAX_ELF_PHDRS)
		return -IC_ELIMIT;
	for (uint32_t i = 0; i < h->phnum; i++) {
		uint64_t at, e;
		uint32_t type;
		struct elf_seg s;

		if (ic_mul_ovf((uint64_t)i, (uint64_t)h->phentsize, &at) || ic_add_ovf(at, h->phoff, &at))
			return -IC_EFORMAT;
		if (read_phdr(data, len, h->is64, h->be, at, &type, &s))
			return -IC_ETRUNC;
		if (type != ELF_PT_LOAD || !s.filesz)
			continue;
		if (ic_add_ovf(s.offset, s.filesz, &e))
			return -IC_EFORMAT;
		if (e > *end)
			*end = e;
	}
	return 0;
}

int ic_elf__sect_end(const struct ic_elf_ehdr *h, const uint8_t *data, size_t len, uint64_t *end)
{
	const struct ic_vmlinux v = { .data = data, .len = len, .is64 = h->is64, .be = h->be };

	*end = 0;
	if (!h->shoff || !h->shnum)
		return 0;
	if (h->shnum > IC_MAX_ELF_SECTIONS)
		return -IC_ELIMIT;
	for (uint32_t i = 0; i < h->shnum; i++) {
		uint32_t name, link, info;
		struct elf_sec s;
		uint64_t at, e;

		if (ic_mul_ovf((uint64_t)i, (uint64_t)h->shentsize, &at) || ic_add_ovf(at, h->shoff, &at))
			return -IC_EFORMAT;
		if (at > len || read_shdr(&v, at, &name, &s, &link, &info))
			return -IC_ETRUNC;
		if (s.type == ELF_SHT_NOBITS || !s.size)
			continue;
		if (ic_add_ovf(s.offset, s.size, &e))
			return -IC_EFORMAT;
		if (e > *end)
			*end = e;
	}
	return 0;
}

int ic_vmlinux__open(const struct ic_ctx *ctx, const uint8_t *data, size_t len, const char *what,
		     struct ic_vmlinux **out)
{
	struct ic_vmlinux *v;
	struct ic_elf_ehdr h;
	uint64_t phoff, shoff;
	uint32_t phentsize, phnum, shentsize, shnum, shstrndx;
	int err;

	*out = NULL;
	err = ic_elf__ehdr(ctx, data, len, what, &h);
	if (err)
		return err;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->data = data;
	v->len = len;
	snprintf(v->what, sizeof(v->what), "%s", what ? what : "vmlinux");
	v->is64 = h.is64;
	v->be = h.be;
	v->machine = h.machine;
	phoff = h.phoff;
	shoff = h.shoff;
	phentsize = h.phentsize;
	phnum = h.phnum;
	shentsize = h.shentsize;
	shnum = h.shnum;
	shstrndx = h.shstrndx;
	if (shoff) {
		/* Extended numbering: the real counts live in section header 0. */
		if (!shnum || shstrndx == ELF_SHN_XINDEX || phnum == ELF_PN_XNUM) {
			uint32_t name, link, info;
			struct elf_sec s0;

			if (!ic_in_bounds(shoff, shentsize, len) ||
			    read_shdr(v, shoff, &name, &s0, &link, &info)) {
				pr_warn(ctx, "%s: section header 0 at 0x%" PRIx64 " is outside the file",
					what, shoff);
				err = -IC_ETRUNC;
				goto out;
			}
			if (!shnum) {
				if (s0.size > IC_MAX_ELF_SECTIONS) {
					pr_warn(ctx, "%s: %" PRIu64 " section headers (limit %u)", what,
						s0.size, IC_MAX_ELF_SECTIONS);
					err = -IC_ELIMIT;
					goto out;
				}
				shnum = (uint32_t)s0.size;
			}
			if (shstrndx == ELF_SHN_XINDEX)
				shstrndx = link;
			if (phnum == ELF_PN_XNUM)
				phnum = info;
		}
		err = parse_sections(ctx, v, what, shoff, shentsize, shnum, shstrndx);
		if (err)
			goto out;
	}
	if (phoff && phnum) {
		if (phentsize < (v->is64 ? 56u : 32u)) { /* phnum may come from section 0 */
			pr_warn(ctx, "%s: e_phentsize %u < %u", what, phentsize, v->is64 ? 56u : 32u);
			err = -IC_EFORMAT;
			goto out;
		}
		err = parse_segments(ctx, v, what, phoff, phentsize, phnum);
	}
out:
	if (err)
		ic_vmlinux__free(v);
	else
		*out = v;
	return err;
}

void ic_vmlinux__free(struct ic_vmlinux *v)
{
	if (!v)
		return;
	free(v->secs);
	free(v->segs);
	free(v);
}

unsigned ic_vmlinux__ptr_size(const struct ic_vmlinux *v)
{
	return v->is64 ? 8u : 4u;
}

uint16_t ic_vmlinux__machine(const struct ic_vmlinux *v)
{
	return v->machine;
}

int ic_vmlinux__section(const struct ic_vmlinux *v, const char *name, const uint8_t **data,
			size_t *len)
{
	for (size_t i = 0; i < v->nsecs; i++) {
		const struct elf_sec *s = &v->secs[i];

		if (s->type == ELF_SHT_NOBITS || strcmp(s->name, name))
			continue;
		/* Bounds were checked at open: offset + size <= file length. */
		*data = v->data + s->offset;
		*len = (size_t)s->size;
		return 0;
	}
	return -IC_ENOTFOUND;
}

int ic_vmlinux__at(const struct ic_vmlinux *v, uint64_t vaddr, const uint8_t **p, size_t *avail)
{
	/* Sections first: their sh_addr is the link-time address System.map uses. */
	for (size_t i = 0; i < v->nsecs; i++) {
		const struct elf_sec *s = &v->secs[i];

		if (s->type == ELF_SHT_NOBITS || !(s->flags & ELF_SHF_ALLOC) || !s->size)
			continue;
		if (vaddr >= s->addr && vaddr - s->addr < s->size) {
			*p = v->data + s->offset + (vaddr - s->addr);
			*avail = (size_t)(s->size - (vaddr - s->addr));
			return 0;
		}
	}
	for (size_t i = 0; i < v->nsegs; i++) {
		const struct elf_seg *s = &v->segs[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz) {
			*p = v->data + s->offset + (vaddr - s->vaddr);
			*avail = (size_t)(s->filesz - (vaddr - s->vaddr));
			return 0;
		}
	}
	return -IC_ENOTFOUND;
}

int ic_vmlinux__banner(const struct ic_ctx *ctx, const struct ic_vmlinux *v, uint64_t vaddr,
		       const uint8_t **p, size_t *len)
{
	static const char prefix[] = "Linux version ";
	const uint8_t *b;
	size_t avail, n;
	int err = ic_vmlinux__at(v, vaddr, &b, &avail);

	if (err)
		return err;
	if (avail > IC_MAX_BANNER_LEN)
		avail = IC_MAX_BANNER_LEN;
	if (avail < sizeof(prefix) - 1 || memcmp(b, prefix, sizeof(prefix) - 1)) {
		pr_warn(ctx, "%s: linux_banner at 0x%" PRIx64 " (file offset 0x%tx; the address "
			"from the symbols) does not start with \"Linux version \"", v->what, vaddr,
			b - v->data);
		return -IC_EFORMAT;
	}
	for (n = sizeof(prefix) - 1; n + 1 < avail; n++)
		if (b[n] == '\n' && b[n + 1] == '\0') {
			*p = b;
			*len = n + 2;
			return 0;
		}
	pr_warn(ctx, "%s: linux_banner at 0x%" PRIx64 " (file offset 0x%tx; the address from the "
		"symbols): no \"\\n\\0\" within %zu bytes", v->what, vaddr, b - v->data, avail);
	return -IC_EFORMAT;
}

/* Every loaded copy of bytes[0..len): allocated sections with file bytes, or (no section
 * headers) the PT_LOAD segments. A copy split across two sections is not a loaded object. */
int ic_vmlinux__find(const struct ic_vmlinux *v, const uint8_t *bytes, size_t len, uint64_t *vaddr,
		     unsigned *hits)
{
	/* Sections (or segments) are checked to lie in the file, not to be disjoint: a crafted
	 * file of 65,000 section headers over one 8 MiB region would be searched 65,000 times
	 * (minutes). A real vmlinux's allocated sections do not overlap, so they sum to less than
	 * the file: IC_MAX_VMLINUX_SEARCH_FACTOR times that is the budget. */
	uint64_t budget = IC_MAX_VMLINUX_SEARCH_FACTOR * (uint64_t)v->len;

	*hits = 0;
	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < v->nsecs + (v->nsecs ? 0 : v->nsegs); i++) {
		const uint8_t *base, *p;
		uint64_t addr, size;

		if (v->nsecs) {
			const struct elf_sec *s = &v->secs[i];

			if (!(s->flags & ELF_SHF_ALLOC) || s->type == ELF_SHT_NOBITS || !s->addr)
				continue;
			base = v->data + s->offset; /* checked in parse_sections */
			addr = s->addr;
			size = s->size;
		} else {
			base = v->data + v->segs[i].offset;
			addr = v->segs[i].vaddr;
			size = v->segs[i].filesz;
		}
		if (size > budget)
			return -IC_ELIMIT;
		budget -= size;
		for (p = base; (p = ic_find(p, (size_t)(size - (uint64_t)(p - base)), bytes, len));
		     p++) {
			if (!*hits)
				*vaddr = addr + (uint64_t)(p - base);
			(*hits)++;
			if ((uint64_t)(p - base) + 1 >= size)
				break;
		}
	}
	return *hits ? 0 : -IC_ENOTFOUND;
}
