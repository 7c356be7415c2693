/* SPDX-License-Identifier: MIT */
/* kallsyms carved from physical memory: where the tables are, how they are encoded, the symbols. */
#ifndef ISFCARVE_KALLSYMS_H
#define ISFCARVE_KALLSYMS_H

#include <stdbool.h>

#include "isfcarve/common.h"
#include "isfcarve/image.h"

struct ic_json;
struct ic_vmcoreinfo;

/*
 * Table order ("era"), told apart by structure, never by version (docs/kallsyms.md):
 *   E0  addresses num_syms(u64) names markers(u64) token_table token_index: before 4.6
 *       (x86-64, arm64); tables 8-byte aligned, or 256-byte on arm64 (".align 8")
 *   E1  [offsets|addresses] [relative_base] num_syms names markers token_table token_index
 *   E2  offsets relative_base num_syms names markers seqs_of_names token_table token_index
 *   E3  num_syms names markers token_table token_index [offsets|addresses] [relative_base] seqs
 *   E4  as E3, .balign 4, place-relative offsets, no relative_base
 */
enum ic_ksym_era {
	IC_KSYM_E1 = 1,
	IC_KSYM_E2 = 2,
	IC_KSYM_E3 = 3,
	IC_KSYM_E4 = 4,
	IC_KSYM_E0 = 5, /* the oldest; not 0, which a zeroed struct holds before any rule ran */
};

enum ic_ksym_addr_enc {
	IC_KSYM_ABSOLUTE = 1,       /* kallsyms_addresses[i] (u64), relocated: runtime values */
	IC_KSYM_BASE_RELATIVE = 2,  /* relative_base + (u32)off[i] */
	IC_KSYM_ABS_PERCPU = 3,     /* off >= 0: absolute off; off < 0: relative_base - 1 - off */
	IC_KSYM_PLACE_RELATIVE = 4, /* &off[i] + (s32)off[i]: physical until the virtual base is known */
};

enum ic_ksym_len_enc {
	IC_KSYM_LEN_1BYTE = 1,  /* one length byte per name, some >= 0x80 (literal, before 6.1) */
	IC_KSYM_LEN_ULEB128 = 2, /* 6.1+: lengths >= 0x80 take two bytes (ULEB128), and some do */
	IC_KSYM_LEN_SHORT = 3,  /* every length < 0x80: both encodings read the same bytes */
};

/* One kallsyms table as found. virt is 0 until the virtual base of the image is known. */
enum ic_ksym_tab {
	IC_KTAB_NUM_SYMS,
	IC_KTAB_NAMES,
	IC_KTAB_MARKERS,
	IC_KTAB_SEQS,
	IC_KTAB_TOKEN_TABLE,
	IC_KTAB_TOKEN_INDEX,
	IC_KTAB_ADDRS, /* kallsyms_offsets or kallsyms_addresses */
	IC_KTAB_RELATIVE_BASE,
	IC_KTAB__COUNT,
};

struct ic_ksym_table {
	const char *name; /* "kallsyms_names" ...; NULL = this table does not exist in this layout */
	uint64_t phys;
	uint64_t size;
	uint64_t virt;
};

/* A decoded symbol. addr is the runtime virtual address when k->addr_is_phys is false;
 * with place-relative offsets and no known virtual base it is the physical address. */
struct ic_ksym {
	uint64_t addr;
	const char *name; /* NUL-terminated, owned by the struct ic_kallsyms */
	char type;        /* nm letter as kallsyms stores it */
	uint8_t flags;    /* IC_SYM_ABSOLUTE for per-CPU absolute entries (enum ic_sym_flags) */
};

struct ic_kallsyms {
	enum ic_ksym_era era;
	enum ic_ksym_addr_enc addr_enc;
	enum ic_ksym_len_enc len_enc;
	unsigned num_syms_size;   /* 4, or 8 (before 4.20) */
	unsigned markers_size;    /* 4, or 8 (before 4.20) */
	unsigned seqs_size;       /* 0 (absent), 3, or 4 (6.1.42..6.1.59) */
	unsigned align;           /* label alignment: 8 before 7.0, 4 since; 256 in E0 on arm64 */
	uint64_t num_syms;
	uint64_t relative_base;   /* runtime value; 0 when the layout has none */
	struct ic_ksym_table tables[IC_KTAB__COUNT];

	struct ic_ksym *syms;     /* num_syms entries, kallsyms (address) order */
	size_t nsyms;

	/* Virtual base: virt = phys + virt_delta for every byte of the kernel image. */
	bool addr_is_phys;        /* syms[].addr are physical (place-relative, delta unknown) */
	bool have_delta;
	uint64_t virt_delta;      /* virt - phys (mod 2^64) */
	const char *delta_source; /* "vmcoreinfo", "self-pointers", "linux_banner" or NULL */
	size_t delta_hits;        /* exact symbol pointers that confirmed virt_delta (0: none counted) */

	/* Selection among validated copies. */
	unsigned copies;          /* copies that validated (running kernel, kdump kernel, file cache) */
	bool vmcoreinfo_agrees;   /* VMCOREINFO SYMBOL(kallsyms_*) have these tables' spacing */
	bool vmcoreinfo_placed;   /* ... and VMCOREINFO's own translation (phys_base,
				   * kimage_voffset) puts them at this copy: the running kernel's */

	uint64_t anchor;          /* physical address of the "0\0".."9\0" run it was decoded from */
	char *arena;              /* private: names */
	size_t arena_len;         /* private: bytes of arena */
	/* private: a copy taken over by ic_kallsyms__decode_like() reads the names (and, unless
	 * its addresses are place-relative, the symbols) of the result it was made like, which
	 * must then outlive it; ic_kallsyms__adopt() moves them to it */
	bool arena_borrowed, syms_borrowed;
	/* private: the window it was decoded from, and the span of it the decode read (lazy
	 * windows of compressed images only; fp_hi 0: unknown), for ic_kallsyms__decode_like() */
	uint64_t win_phys, win_len, fp_lo, fp_hi;
};

/* Decode the kallsyms tables whose token-table digit run "0\0".."9\0" starts at phys anchor.
 * vi (may be NULL) is used to cross-check and to learn the virtual base. 0 and *out (free with
 * ic_kallsyms__free()), -IC_ENOTFOUND when the candidate is not a kallsyms table (the reason is
 * logged with pr_debug), -ENOMEM, -IC_ELIMIT. */
IC_API int ic_kallsyms__decode(const struct ic_ctx *ctx, const struct ic_image *img, uint64_t anchor,
			       const struct ic_vmcoreinfo *vi, struct ic_kallsyms **out);
IC_API void ic_kallsyms__free(struct ic_kallsyms *k);
/* k, made by ic_kallsyms__decode_like() from like, takes over what it reads of like (names,
 * symbols), so that like can be freed first. */
IC_API void ic_kallsyms__adopt(struct ic_kallsyms *k, struct ic_kallsyms *like);
/* ic_kallsyms__decode(), but when like (an earlier result, or NULL) was decoded from bytes that
 * are equal at this anchor (ic_image__same: stored units compared, or decoded bytes when those
 * prove nothing; another copy of the same kernel, page-aligned), its tables and symbols are taken over (moved by the distance)
 * instead of decoded again. Same result, same log lines; the virtual base is learnt anew. */
IC_API int ic_kallsyms__decode_like(const struct ic_ctx *ctx, const struct ic_image *img,
				    uint64_t anchor, const struct ic_vmcoreinfo *vi,
				    const struct ic_kallsyms *like, struct ic_kallsyms **out);
/* The cheap first step of decode alone: 0 when an exact token_table + token_index pair sits
 * at the anchor, -IC_ENOTFOUND otherwise (or -ENOMEM). */
IC_API int ic_kallsyms__probe(const struct ic_ctx *ctx, const struct ic_image *img, uint64_t anchor);

/* Set the virtual base (virt = phys + delta): fills tables[].virt and, for place-relative
 * tables, converts syms[].addr to runtime virtual addresses. source is a static string. */
IC_API void ic_kallsyms__set_delta(struct ic_kallsyms *k, uint64_t delta, const char *source);

/* kallsyms never lists its own tables: their symbols (name, runtime address, type 'D', flags
 * IC_SYM_TABLE), for the tables whose virtual address is known (k->have_delta). Returns the count. */
IC_API size_t ic_kallsyms__table_syms(const struct ic_kallsyms *k, struct ic_ksym out[IC_KTAB__COUNT]);

/* Index of the first symbol with that name, or -1. Linear; callers that look up many names
 * should build their own index. */
IC_API long ic_kallsyms__find(const struct ic_kallsyms *k, const char *name);

/* Names of the enums for reports: "E1".."E4", "absolute", "base-relative", "abs-percpu",
 * "place-relative", "1-byte", "uleb128", "short". */
IC_API const char *ic_kallsyms__era_name(enum ic_ksym_era e);
IC_API const char *ic_kallsyms__addr_enc_name(enum ic_ksym_addr_enc e);
IC_API const char *ic_kallsyms__len_enc_name(enum ic_ksym_len_enc e);

/* Write the scan report's "kallsyms" value: {"phys": "0x..", "num_syms": n, "layout": "E3
 * base-relative uleb128", ...}. k may be NULL (writes null). */
IC_API void ic_kallsyms__report_json(struct ic_json *j, const struct ic_kallsyms *k);

#endif
