/* SPDX-License-Identifier: MIT */
/* Private interface of the KASLR floor: kaslr.c picks a solver (solve_x86_64.c, solve_arm64.c);
 * both use core.c (evidence, link-time _text, symbol lookups) and the structure scans
 * (pgscan.c, ikconfig.c), none of which calls back into a solver. */
#ifndef ISFCARVE_KASLR_INTERNAL_H
#define ISFCARVE_KASLR_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>

#include "isfcarve/kaslr.h"
#include "0-base/internal.h"

/*
 * Find the kernel's tables by structure (docs/kaslr.md, "No symbols"): a level2_kernel_pgt
 * page (a run of present PMDs mapping consecutive 2 MiB frames, nothing present outside it),
 * the level3 page pointing at it from entry 510, the PGD (or PML5 -> level4) pointing at that
 * from entry 511, and a walk of runtime _text landing on the run's first frame.
 * known = k->runtime_text/phys_text are already solved: accept only tables that agree.
 * Otherwise fills them from the table. Sets k->mmu, k->levels, k->pgd_phys.
 * 0, -IC_ENOTFOUND, -ENOMEM.
 */
IC_HIDDEN int ic_kaslr_pgscan(const struct ic_ctx *ctx, const struct ic_image *img,
			      struct ic_kaslr *k, bool known);

/*
 * The kernel's own embedded IKCONFIG ("IKCFG_ST" + gzip'd .config), placed by kallsyms
 * (ikconfig.c: only at kernel_config_data when kallsyms lists it; none when kallsyms lists data
 * symbols but not that one; else anywhere in the kernel image from phys_text). Symbols are
 * looked up as ic_kaslr_sym_va(in, have_delta, delta); runtime_text/phys_text map the kernel
 * image. One rule for the solver and `isfcarve extract`.
 * ic_kaslr_ikconfig: link-time _text from CONFIG_PHYSICAL_START/ALIGN; two configs in the span
 * that disagree: -IC_EAMBIGUOUS. ic_ikconfig__text: the .config text, *text malloc'd (*len
 * bytes, NUL after them). 0, -IC_ENOTFOUND, -IC_EAMBIGUOUS, -ENOMEM.
 */
IC_HIDDEN int ic_kaslr_ikconfig(const struct ic_ctx *ctx, const struct ic_kaslr_input *in,
				bool have_delta, uint64_t delta, uint64_t runtime_text,
				uint64_t phys_text, uint64_t *link_text);
IC_HIDDEN int ic_ikconfig__text(const struct ic_ctx *ctx, const struct ic_kaslr_input *in,
				bool have_delta, uint64_t delta, uint64_t runtime_text,
				uint64_t phys_text, char **text, size_t *len);

/* Solve k for an x86-64 kernel: anchor virt<->phys (VMCOREINFO, kallsyms, phys_base scan),
 * runtime/link _text, the kernel page tables (by symbols or structure), the cross-checks.
 * 0, -IC_ENOTFOUND, -ENOMEM; k is the caller's to free either way. */
IC_HIDDEN int ic_kaslr_x86_64_solve(const struct ic_ctx *ctx, const struct ic_kaslr_input *in,
				    struct ic_kaslr *k);

/* arm64 (solve_arm64.c): does the evidence say this is an arm64 kernel (VMCOREINFO
 * NUMBER(kimage_voffset), or a kallsyms kimage_voffset)? */
IC_HIDDEN bool ic_kaslr_arm64_detect(const struct ic_kaslr_input *in);

/*
 * arm64 VA_BITS_MIN from where the runtime _text lies, the granule (page_shift 12/14/16, 0
 * unknown) and the VA size the kernel page tables walked with (va_bits, 0 unknown). The image
 * lies above _PAGE_END(VA_BITS_MIN) = -2^(VA_BITS_MIN-1), and KASLR keeps it inside the middle
 * half of that layout's vmalloc area, below the next smaller layout's _PAGE_END (36, 39, 42,
 * 47, 48), but for 48 and 47 (16K pages): a 48-bit image can lie above _PAGE_END(47). 0 with
 * *min; -IC_ENOTFOUND with *why when the evidence does not say or disagrees.
 */
IC_HIDDEN int ic_kaslr_arm64_va_bits_min(uint64_t runtime_text, unsigned page_shift,
					 unsigned va_bits, unsigned *min, const char **why);
/* Solve k for an arm64 kernel: kimage_voffset, runtime/link _text, swapper_pg_dir walk and
 * the cross-checks. 0, -IC_ENOTFOUND, -ENOMEM. */
IC_HIDDEN int ic_kaslr_arm64_solve(const struct ic_ctx *ctx, const struct ic_kaslr_input *in,
				   struct ic_kaslr *k);

/* Append one cross-check to k->evidence (capped at IC_MAX_KASLR_EVIDENCE) and log it. */
IC_HIDDEN int ic_kaslr_evidence_v(const struct ic_ctx *ctx, struct ic_kaslr *k, const char *what,
				  bool ok, const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
IC_HIDDEN int ic_kaslr_evidence(const struct ic_ctx *ctx, struct ic_kaslr *k, const char *what,
				bool ok, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Link-time _text from VMCOREINFO KERNELOFFSET (slide known) or the caller's input; false when
 * neither gives it and the architecture must fall back (IKCONFIG, its default). */
IC_HIDDEN bool ic_kaslr_link_known(const struct ic_vmcoreinfo *vi, const struct ic_kaslr_input *in,
				   struct ic_kaslr *k);

/* VMCOREINFO copies disagree on KERNELOFFSET while runtime _text was itself computed from one
 * of them (k->runtime_text_assumed): every copy then "agrees" with it and none can be picked.
 * Sets k->doubt (naming what could not be read: `lacking`) and records a failed "link:_text"
 * evidence. 0 or -ENOMEM. */
IC_HIDDEN int ic_kaslr_copies_undecidable(const struct ic_ctx *ctx, struct ic_kaslr *k,
					  const char *lacking);

/*
 * Check link _text taken from VMCOREINFO KERNELOFFSET against independent evidence of what it
 * must be (want[]: x86-64 __START_KERNEL_map + CONFIG_PHYSICAL_START, arm64 KIMAGE_VADDR;
 * want_src names it), with the disagreeing copies' values (vi->alt) as the other candidates:
 * the one value whose link _text is wanted is taken (k->virtual_slide, k->link_text,
 * *ko_used); otherwise k->doubt says why and a failed "link:_text" evidence lists it.
 * No-op (0) when link _text did not come from KERNELOFFSET. 0 or -ENOMEM.
 */
IC_HIDDEN int ic_kaslr_link_settle(const struct ic_ctx *ctx, struct ic_kaslr *k,
				   const struct ic_vmcoreinfo *vi, const uint64_t *want,
				   unsigned nwant, const char *want_src, uint64_t *ko_used);

/* Runtime virtual address of a kallsyms symbol, whichever way kallsyms was decoded: directly,
 * or physical + delta (7.x place-relative tables) when the delta is known. 0 or -IC_ENOTFOUND. */
IC_HIDDEN int ic_kaslr_sym_va(const struct ic_kaslr_input *in, bool have_delta, uint64_t delta,
			      const char *name, uint64_t *va);

#endif
