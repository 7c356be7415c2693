/* SPDX-License-Identifier: MIT */
/* kallsyms decoder, private: what the decoder's files share. Not for other carvers. */
#ifndef IC_KALLSYMS_DECODE_INT_H
#define IC_KALLSYMS_DECODE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "0-base/internal.h"
#include "0-base/reader.h"

/*
 * Layout of one era-E3 table set on a 64-bit kernel (E4: same, .balign 4, no relative_base;
 * E1/E2: offsets and relative_base come first, see include/isfcarve/kallsyms.h):
 *
 *   num_syms   u32 N (u64 before 4.20)                 pad to A
 *   names      N x { len (1 or 2 bytes), len token bytes } pad to A
 *   markers    ceil(N/256) x u32 (u64 before 4.20): offset in names of entry 256k
 *   [seqs      E2 only: N x 3 (or 4) bytes]             pad to A
 *   token_table 256 NUL-terminated strings             pad to A
 *   token_index 256 x u16: offset of token i in token_table
 *   offsets    N x s32 | addresses N x u64              pad to A
 *   relative_base u64                                   pad to A
 *   seqs       N x 3 bytes
 *
 * Everything works on one window of physically contiguous bytes around the anchor (the kernel
 * image is one contiguous block), with offsets into that window. On a compressed image the
 * window is filled lazily (struct win_lazy): the tables are a few MB of a window of up to
 * 160 MiB, and copying all of it re-decoded ~40-60 MB per kernel copy that the scan had already
 * decoded. Every read of window bytes therefore goes through wb(), which loads the
 * WIN_CHUNK-sized pieces it touches on first use.
 *
 * Files, and who calls whom (arrows one way only; core.c and tables.c are the common core and
 * never call an era file):
 *
 *   decode.c      driver: probe, decode, decode_like   -> tables.c, e2_markers.c, e3_addrs.c,
 *                                                         e4_place.c, e1e2_addrs.c, e0_absolute.c,
 *                                                         name_order.c, prefix_pairs.c, delta.c,
 *                                                         core.c
 *   delta.c       the virtual base (learn_delta)       -> core.c
 *   e0_absolute.c E0: absolute addresses before num_syms -> core.c
 *   e1e2_addrs.c  E1/E2: addresses before num_syms     -> core.c
 *   e2_markers.c  E2: seqs_of_names before token_table -> tables.c, core.c
 *   e3_addrs.c    E3: addresses after token_index      -> core.c
 *   e4_place.c    E4: place-relative offsets           -> core.c
 *   tables.c      tokens, markers, num_syms + names    -> core.c
 *   name_order.c  names sorted in seqs_of_names order  -> core.c
 *   prefix_pairs.c functions the same distance after __pfx_X (no calls)
 *   core.c        window, symbol checks, shared address decoders, public accessors
 */

/* Granule of a lazy window: small enough that reading a 4-byte marker costs few page decodes
 * on a kdump (4 KiB units), large enough that the bitmap and the calls stay cheap. */
#define WIN_CHUNK (16u << 10)

struct win_lazy {
	const struct ic_image *img;
	uint8_t *buf;   /* w->b: the whole window's size, touched only where loaded */
	uint64_t *have; /* one bit per WIN_CHUNK: loaded */
	int err;        /* a load failed: its bytes read as zero, the decode is rejected */
};

struct win {
	const uint8_t *b;
	size_t len;
	uint64_t phys; /* physical address of b[0] */
	struct win_lazy *lz; /* NULL: b holds the whole window (mapped image) */
};

struct toks {
	size_t t, ti;      /* token_table and token_index offsets in the window */
	size_t tt_len;     /* bytes of token_table (to the last NUL) */
	uint16_t idx[256];
	uint16_t len[256]; /* strlen of each token */
	unsigned align;    /* 4, 8, or 256 (pre-4.6 arm64): the padding seen before token_index */
};

struct marks {
	size_t start;      /* offset of markers[0] */
	size_t count;
	unsigned esize;
	uint64_t *m;
	/* E2: seqs_of_names between markers and token_table */
	size_t seqs;
	unsigned seqs_size;
	uint64_t seqs_n;   /* N implied by the seqs size (0: no seqs) */
};

struct names_hit {
	size_t ns;       /* num_syms offset */
	unsigned ns_size;
	size_t names;
	size_t names_len;
	uint64_t n;
	bool uleb;
	bool long_lens;
};

/* ---- core.c: the window */
IC_HIDDEN const uint8_t *ic_ksd_wb_lazy(const struct win *w, size_t off, size_t n);

/* The window bytes [off, off + n) (clipped to the window), loaded if lazy. Callers keep their
 * own bounds checks: this only makes the bytes present. A macro so that mapped windows pay one
 * test even in unoptimised (sanitizer) builds: the crafted-progression test reads 64 M elements.
 * Arguments are evaluated twice: pass only plain expressions. */
#define wb(w, off, n) ((w)->lz ? ic_ksd_wb_lazy((w), (off), (n)) : (w)->b + (off))

/* The contiguous run around phys (ic_image__run), or NULL when phys is absent. */
IC_HIDDEN const struct ic_range *ic_ksd_range_of(const struct ic_image *img, uint64_t phys,
						 uint64_t back, uint64_t fwd, struct ic_range *run);
/* A view of [lo, hi): zero-copy when the format allows, else a malloc'd copy in *own; with lz,
 * a lazy one (loaded by wb() as read; release it with ic_ksd_win_release()). */
IC_HIDDEN int ic_ksd_get_win(const struct ic_image *img, uint64_t lo, uint64_t hi, struct win *w,
			     struct win_lazy *lz, void **own);
IC_HIDDEN int ic_ksd_win_release(struct win *w, void *own, int err);

/* ---- core.c: checks every era applies to a decoded symbol set (NULL: passed, else why not) */
IC_HIDDEN long ic_ksd_text_start(const struct ic_kallsyms *k);
IC_HIDDEN const char *ic_ksd_check_symbols(const struct ic_kallsyms *k);
IC_HIDDEN const char *ic_ksd_check_base(const struct ic_kallsyms *k, uint64_t rb);
IC_HIDDEN void ic_ksd_set_table(struct ic_kallsyms *k, enum ic_ksym_tab i, const char *name,
				uint64_t phys, uint64_t size);

/* ---- core.c: address decoders more than one era uses (false: not non-decreasing) */
IC_HIDDEN bool ic_ksd_dec_relative(const struct win *w, size_t o, uint64_t n, uint64_t rb,
				   bool percpu, struct ic_ksym *s, bool *neg_seen);
IC_HIDDEN bool ic_ksd_dec_absolute(const struct win *w, size_t o, uint64_t n, struct ic_ksym *s);

/* ---- tables.c: the tables every era has */
IC_HIDDEN int ic_ksd_find_tokens(const struct ic_ctx *ctx, const struct win *w, size_t h,
				 struct toks *t);
IC_HIDDEN int ic_ksd_markers_back(const struct win *w, size_t end, unsigned es, struct marks *mk,
				  uint64_t *budget);
IC_HIDDEN bool ic_ksd_seqs_permutation(const struct win *w, size_t off, uint64_t n, unsigned size);
IC_HIDDEN size_t ic_ksd_find_markers(const struct win *w, const struct toks *t, struct marks *out,
				     size_t max, uint64_t *budget);
/* align: 4 or 8 (the usual ALGN), or 256 (".align 8" on pre-4.6 arm64: 2^8 bytes) */
IC_HIDDEN int ic_ksd_find_names(const struct win *w, const struct marks *mk, unsigned align,
				struct names_hit *out, uint64_t *budget);
IC_HIDDEN int ic_ksd_expand_names(const struct ic_ctx *ctx, const struct win *w,
				  const struct toks *t, const struct names_hit *nh,
				  struct ic_kallsyms *k);

/* ---- the era rules. Address finders: 0 and k's era, encoding and address table set, or
 * -IC_ENOTFOUND (*why: the last check that failed, for the driver's debug line). */
IC_HIDDEN size_t ic_ksd_find_markers_e2(const struct win *w, const struct toks *t,
					struct marks *out, size_t max, uint64_t *budget);
IC_HIDDEN int ic_ksd_addrs_e3_relative(const struct win *w, size_t after, uint64_t n,
				       struct ic_kallsyms *k, const char **why);
IC_HIDDEN int ic_ksd_addrs_e3_absolute(const struct win *w, size_t after, uint64_t n,
				       struct ic_kallsyms *k, const char **why);
IC_HIDDEN int ic_ksd_addrs_e4(const struct win *w, size_t after, uint64_t n,
			      struct ic_kallsyms *k, const char **why);
IC_HIDDEN int ic_ksd_addrs_e1e2(const struct win *w, size_t ns, unsigned ns_size, uint64_t n,
				bool e2, struct ic_kallsyms *k, const char **why);
/* E0 (before 4.6): u64 absolute addresses before a u64 num_syms at ns; align 8 or 256 */
IC_HIDDEN int ic_ksd_addrs_e0(const struct win *w, size_t ns, uint64_t n, unsigned align,
			      struct ic_kallsyms *k, const char **why);

/* ---- name_order.c: names in kallsyms_seqs_of_names order must be sorted (0), else a
 * pr_warn with the evidence and -IC_ENOTFOUND. k's names and tables[NAMES] must be set. */
IC_HIDDEN int ic_ksd_check_name_order(const struct ic_ctx *ctx, const struct win *w, size_t seqs,
				      unsigned size, const struct ic_kallsyms *k);

/* ---- prefix_pairs.c: every function X with a __pfx_X padding symbol lies the same distance
 * after it (0; also when the kernel has no such pairs), else a pr_warn and -IC_ENOTFOUND */
IC_HIDDEN int ic_ksd_check_prefix_pairs(const struct ic_ctx *ctx, const struct ic_kallsyms *k);
/* ---- name_pairs.c: every member of a name family the kernel makes in pairs (__ksymtab_X and
 * X, __pfx_X and X, __SCK__X and __SCT__X ...) has its partner (0; also when the kernel makes
 * none), else a pr_warn with the lone ones and -IC_ENOTFOUND; -ENOMEM */
IC_HIDDEN int ic_ksd_check_name_pairs(const struct ic_ctx *ctx, const struct ic_kallsyms *k);
/* ---- and every function 4-byte aligned where instructions are (arm64: text below x86-64's
 * top 2 GiB); a few unaligned ones are damage (-IC_ENOTFOUND, warned) */
IC_HIDDEN int ic_ksd_check_insn_align(const struct ic_ctx *ctx, const struct ic_kallsyms *k);

/* ---- delta.c: the virtual base */
IC_HIDDEN void ic_ksd_learn_delta(const struct ic_ctx *ctx, const struct ic_image *img,
				  const struct ic_vmcoreinfo *vi, struct ic_kallsyms *k);

/* Small byte helpers, inline: they run per byte of the tables. */
static inline bool ic_ksd_printable(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e;
}

static inline bool ic_ksd_is_type_char(char c)
{
	return c && strchr("TtDdBbRrAaWwVvuGgSsiIpC", c) != NULL;
}

static inline uint64_t ic_ksd_rd_elem(const uint8_t *p, unsigned size)
{
	return size == 8 ? ic_get_le64(p) : ic_get_le32(p);
}

static inline bool ic_ksd_zero_bytes(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

#endif
