/* SPDX-License-Identifier: MIT */
/* VMCOREINFO: the kernel's "KEY=value" note (OSRELEASE, KERNELOFFSET, SYMBOL(x), NUMBER(x) ...). */
#ifndef ISFCARVE_VMCOREINFO_H
#define ISFCARVE_VMCOREINFO_H

#include <stdbool.h>

#include "isfcarve/common.h"

/* Disagreeing KERNELOFFSET values kept beside the chosen text (struct ic_vmcoreinfo.alt). */
#define IC_VMCOREINFO_MAX_ALT 4

struct ic_vmcoreinfo_entry {
	const char *key;   /* e.g. "OSRELEASE", "SYMBOL(swapper_pg_dir)", "NUMBER(phys_base)" */
	const char *value; /* text after '=' */
};

struct ic_vmcoreinfo {
	uint64_t phys;      /* physical address of the text; UINT64_MAX when taken from an ELF note */
	bool from_note;     /* container ELF note rather than carved from RAM */
	unsigned copies;    /* how many distinct places held a valid VMCOREINFO text */
	char *text;         /* NUL-terminated copy of the text */
	size_t len;
	struct ic_vmcoreinfo_entry *entries;
	size_t nentries;
	/* Set by the carver (0 otherwise). places: how many places hold exactly this text. alt[]:
	 * the other complete texts of the same OSRELEASE whose KERNELOFFSET differs from this
	 * one's (a damaged copy, or a copy left by another boot), one entry per distinct value.
	 * Which one the running kernel's symbols agree with is settled by the KASLR stage against
	 * independent evidence (docs/kaslr.md, "Copies that disagree"); nalt_more counts the
	 * distinct values past IC_VMCOREINFO_MAX_ALT. */
	unsigned places;
	struct ic_vmcoreinfo_alt {
		uint64_t kerneloffset;
		uint64_t phys;   /* its best-placed copy; UINT64_MAX for the container's ELF note */
		unsigned places; /* places holding a text with this value */
	} alt[IC_VMCOREINFO_MAX_ALT];
	unsigned nalt, nalt_more;
};

/* Where a copy sits, for messages: "phys 0x..." for a copy carved from RAM, "the container's
 * ELF note" for phys UINT64_MAX (struct ic_vmcoreinfo.phys, alt[].phys). Returns buf. */
#define IC_VMCOREINFO_WHERE_MAX 32
IC_API const char *ic_vmcoreinfo__where(uint64_t phys, char buf[IC_VMCOREINFO_WHERE_MAX]);

/* Parse "KEY=value\n" lines (a NUL or the end stops). 0, -IC_EFORMAT (no valid line),
 * -IC_ELIMIT (over IC_MAX_VMCOREINFO_BYTES). Caller frees with ic_vmcoreinfo__free(). */
IC_API int ic_vmcoreinfo__parse(const char *text, size_t len, struct ic_vmcoreinfo **out);
IC_API void ic_vmcoreinfo__free(struct ic_vmcoreinfo *vi);
/* Value text of key, or NULL. */
IC_API const char *ic_vmcoreinfo__get(const struct ic_vmcoreinfo *vi, const char *key);
/* Numeric value: hex for SYMBOL(...), KERNELOFFSET, NUMBER(kimage_voffset)/(PHYS_OFFSET) and other
 * values the kernel prints with %lx; decimal for the rest (NUMBER(...), OFFSET, SIZE, LENGTH,
 * PAGESIZE). 0, -IC_ENOTFOUND, -IC_EFORMAT. */
IC_API int ic_vmcoreinfo__u64(const struct ic_vmcoreinfo *vi, const char *key, uint64_t *out);

/* Physical address of a kernel-image virtual address (SYMBOL() values are runtime addresses):
 * x86-64 vaddr - __START_KERNEL_map + NUMBER(phys_base), arm64 vaddr - NUMBER(kimage_voffset).
 * 0, -IC_ENOTFOUND (no translation keys), -IC_EFORMAT (vaddr outside the kernel image map). */
IC_API int ic_vmcoreinfo__image_phys(const struct ic_vmcoreinfo *vi, uint64_t vaddr, uint64_t *phys);
/* Physical span [*start, *end) that the kernel image occupies, as far as VMCOREINFO tells:
 * from SYMBOL(_stext) to past the highest SYMBOL() that lies in the image (+2 MiB slack for
 * what follows it, e.g. .bss). Used to prefer the running kernel's copy among carved ones. */
IC_API int ic_vmcoreinfo__image_span(const struct ic_vmcoreinfo *vi, uint64_t *start, uint64_t *end);

#endif
