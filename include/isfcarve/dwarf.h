/* SPDX-License-Identifier: MIT */
/* Kernel types from DWARF: a debug vmlinux (Debian -dbg, Ubuntu ddeb, Fedora kernel-debuginfo)
 * -> raw BTF in memory, which then goes through the strict validator and the ISF writer like
 * any other BTF (docs/dwarf.md). Needs elfutils' libdw at build time (optional dependency). */
#ifndef ISFCARVE_DWARF_H
#define ISFCARVE_DWARF_H

#include <stdbool.h>

#include "isfcarve/common.h"

/* What the conversion saw and made. */
struct ic_dwarf_stats {
	uint64_t units;      /* compile units read (Rust units skipped, as dwarf2json 0.9 does) */
	uint64_t dies;       /* DIEs looked at (top level and the members of converted types) */
	uint32_t types;      /* BTF types written (excluding void) */
	uint32_t vars;       /* global variables given a BTF VAR */
	uint32_t dropped;    /* members/variables whose DWARF type has no BTF equivalent */
	uint64_t banner_addr; /* linux_banner's link-time address (its DW_OP_addr), 0 = none */
};

/* True when this build has DWARF support (libdw found at build time). */
IC_API bool ic_dwarf__available(void);

/*
 * Convert the DWARF of the ELF file at path into raw BTF (host byte order): every struct,
 * union, enum, typedef and base type defined at file scope in a C unit, each distinct body
 * once, plus one VAR per global variable (definitions preferred over declarations) in DATASECs
 * named ".dwarf_vars". *out is malloc'd (free()). 0, or -IC_EUNSUPP (built without libdw; no
 * DWARF in the file), -IC_EFORMAT (malformed DWARF), -IC_ELIMIT (a ceiling of ic_limits.h),
 * -errno; one line through ctx names the file and DIE offset. stats may be NULL.
 */
IC_API int ic_dwarf__to_btf(const struct ic_ctx *ctx, const char *path, uint8_t **out,
			    size_t *len, struct ic_dwarf_stats *stats);
/* The same on an ELF image in memory (tests, fuzzing); data must stay valid during the call. */
IC_API int ic_dwarf__to_btf_mem(const struct ic_ctx *ctx, const uint8_t *data, size_t size,
				const char *what, uint8_t **out, size_t *len,
				struct ic_dwarf_stats *stats);

#endif
