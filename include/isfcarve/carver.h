/* SPDX-License-Identifier: MIT */
/* Carvers: independent finders that share one scan pass over the image. */
#ifndef ISFCARVE_CARVER_H
#define ISFCARVE_CARVER_H

#include "isfcarve/common.h"
#include "isfcarve/image.h"
#include "isfcarve/same_kernel.h"

/* Each carver owns exactly one slot. The slot structs are declared in the carver's own header
 * (include/isfcarve/<carver>.h) so that carvers stay independent. NULL = not found / not run. */
struct ic_banner_finding;
struct ic_btf_finding;
struct ic_vmcoreinfo;
struct ic_kallsyms;
struct ic_kaslr;
struct ic_recovered;

struct ic_findings {
	struct ic_vmcoreinfo *vmcoreinfo;
	struct ic_btf_finding *btf;
	struct ic_kallsyms *kallsyms;
	struct ic_banner_finding *banner;
	struct ic_kaslr *kaslr; /* filled by the kaslr stage, not a carver */
	/* Data symbols recovered by structure (src/5-symbols/recover/), for the report;
	 * malloc'd. */
	struct ic_recovered *recovered;
	size_t nrecovered;
	/* Per-carver outcome: 0 found, -IC_ENOTFOUND absent, other negative = failed. */
	int status[8];
	/* Whether the slots above belong to one kernel, and why (filled after the carvers). */
	struct ic_same_kernel same_kernel;
	/* Two recovery rules that put one symbol at different addresses: the evidence, for the
	 * exit-3 refusal (the symbol is left out of the table). Empty when they all agree. */
	char recover_doubt[384];
};

/*
 * The scanner (src/2-scan/scan.c) walks every range once, in chunks spread over threads, and hands
 * each chunk to every carver's scan() while it is hot in cache. A chunk is [phys, phys+len);
 * `avail` >= len bytes are readable at buf (the chunk plus a lookahead of at least the largest
 * carver->lookahead, less at the end of a range), so a pattern that starts inside the chunk is
 * always fully visible and a pattern is reported by exactly one chunk: report only matches
 * whose first byte lies in [0, len).
 *
 * scan() appends candidates to its state; there is one state per batch of about
 * IC_SCAN_CHUNK bytes, and one state may see several scan() calls (consecutive pieces of
 * ranges, in ascending phys order, not necessarily contiguous: a batch may span a hole).
 * finish() then sees the states of all batches (in ascending phys order), validates the
 * candidates against the image and fills
 * its own slot of the findings. Carvers run finish() in registry order, so finish() may READ
 * the slots of carvers listed before it (never write them, never call another carver).
 */
struct ic_carver {
	const char *name;
	const char *desc;
	size_t lookahead;
	/* Index into ic_findings.status. */
	unsigned slot;
	void *(*scan_new)(const struct ic_ctx *ctx);
	void (*scan_free)(void *state);
	/* 0, or negative error (stops the scan). May be NULL for carvers that need no pass. */
	int (*scan)(void *state, const uint8_t *buf, size_t len, size_t avail, uint64_t phys);
	/* Optional: the costly part of finish() that reads only the image and this carver's own
	 * states (never a slot), run on a second thread while the carvers before it finish. It
	 * prints nothing. Its result goes to finish() as prep, which frees it; NULL (no prepare,
	 * one thread, out of memory) and finish() does that work itself, with the same result. */
	void *(*prepare)(const struct ic_ctx *ctx, const struct ic_image *img, void *const *states,
			 unsigned nstates);
	int (*finish)(const struct ic_ctx *ctx, const struct ic_image *img, void *const *states,
		      unsigned nstates, void *prep, struct ic_findings *out);
	/* Frees this carver's slot in f (NULL-safe). */
	void (*free_finding)(struct ic_findings *f);
};

/* NULL-terminated, in finish() order (carvers/registry.c). */
IC_API extern const struct ic_carver *const ic_carvers[];

/* Run every registered carver over img in one pass. *out is zeroed first; free it with
 * ic_findings__release() even on error. */
IC_API int ic_scan(const struct ic_ctx *ctx, const struct ic_image *img, struct ic_findings *out);
IC_API void ic_findings__release(struct ic_findings *f);

#endif
