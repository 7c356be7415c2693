/* SPDX-License-Identifier: MIT */
/* VMCOREINFO: the kernel's "KEY=value" note (OSRELEASE, KERNELOFFSET, SYMBOL(x), NUMBER(x) ...). */
#ifndef ISFCARVE_VMCOREINFO_H
#define ISFCARVE_VMCOREINFO_H

#include <stdbool.h>

#include "isfcarve/common.h"

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
};

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

#endif
