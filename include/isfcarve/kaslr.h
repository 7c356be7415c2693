/* SPDX-License-Identifier: MIT */
/* KASLR solver: where the running kernel is, physically and virtually, and its link-time base. */
#ifndef ISFCARVE_KASLR_H
#define ISFCARVE_KASLR_H

#include <stdbool.h>

#include "isfcarve/arch.h"
#include "isfcarve/common.h"
#include "isfcarve/image.h"

struct ic_vmcoreinfo;
struct ic_findings;
struct ic_json;

/* x86-64 constants (arch/x86/include/asm/page_64_types.h). */
#define IC_X86_START_KERNEL_MAP 0xffffffff80000000ull
/* Link-time _text for CONFIG_PHYSICAL_START=0x1000000, the near-universal distro value. */
#define IC_X86_DEFAULT_LINK_TEXT 0xffffffff81000000ull
/* End of the kernel-image mapping (KERNEL_IMAGE_SIZE = 1 GiB with RANDOMIZE_BASE). */
#define IC_X86_KERNEL_MAP_END 0xffffffffc0000000ull
/* Virtual KASLR moves the kernel in CONFIG_PHYSICAL_ALIGN steps, at least 2 MiB on x86-64. */
#define IC_X86_MIN_ALIGN 0x200000ull

/*
 * Inputs of the solver. Every field is optional (NULL/false = absent); the more there is, the
 * more cross-checks. Adapters fill this from ic_findings (ic_kaslr__input_from_findings) or
 * tests fill it by hand. Nothing here is owned by the solver.
 */
struct ic_kaslr_input {
	const struct ic_image *img;              /* required */
	const struct ic_vmcoreinfo *vmcoreinfo;
	/* Runtime virtual address of a kallsyms symbol (pre-7.0 kallsyms decode to runtime
	 * addresses). 0, or -IC_ENOTFOUND. */
	int (*sym_virt)(void *arg, const char *name, uint64_t *va);
	/* Physical address of a kallsyms symbol (7.0+ place-relative offsets decoded over
	 * physical memory). 0, or -IC_ENOTFOUND. Used when sym_virt is NULL. */
	int (*sym_phys)(void *arg, const char *name, uint64_t *pa);
	void *sym_arg;
	bool have_banner;       /* banner_phys: where the linux_banner object's bytes are */
	uint64_t banner_phys;
	bool have_btf;          /* btf_phys: where the carved vmlinux BTF is */
	uint64_t btf_phys;
	/* Link-time _text from elsewhere (embedded IKCONFIG, user option); 0 = unknown. */
	uint64_t link_text;
	const char *link_text_source; /* "ikconfig", "--link-text", ... */
	/* Skip the evidence (VMCOREINFO, kallsyms) and solve from the page tables alone:
	 * for tests of the no-symbol path. */
	bool structure_only;
	/* The banner's release ("6.1.0-27-arm64"), or NULL: arm64's link-time _text moved with
	 * the release (ic_kaslr__arm64_text), so without KERNELOFFSET it picks the layout. */
	const char *release;
};

/* One cross-check: what was compared, and whether it agreed. */
struct ic_kaslr_evidence {
	char what[40];    /* "pgtable:_text", "vmcoreinfo:KERNELOFFSET", ... */
	bool ok;
	char detail[160]; /* the values compared */
};

/*
 * The result. Addresses: runtime = what the running kernel uses; link = System.map;
 * link(s) = runtime(s) - virtual_slide for every symbol that moves with the kernel.
 */
struct ic_kaslr {
	uint64_t phys_text;     /* physical address of _text */
	uint64_t runtime_text;  /* runtime virtual _text */
	uint64_t link_text;     /* link-time _text */
	uint64_t virtual_slide; /* runtime_text - link_text (KERNELOFFSET) */
	uint64_t phys_base;     /* phys = virt - __START_KERNEL_map + phys_base (two's complement) */
	uint64_t pgd_phys;      /* physical address of init_top_pgt; UINT64_MAX if unknown */
	unsigned levels;        /* 4 or 5 (LA57); 0 if no tables were found */
	struct ic_mmu mmu;      /* translation through pgd_phys; valid when levels != 0 */
	const char *method;     /* how runtime/physical were anchored (static string) */
	const char *link_method; /* "vmcoreinfo", "ikconfig", "default", ... (static or input) */
	bool link_text_assumed; /* link_text is a default (x86-64, arm64), not evidence */
	/* runtime_text is not read from the image but computed (a link _text + KERNELOFFSET):
	 * a link _text derived from it is no evidence against a System.map's */
	bool runtime_text_assumed;
	bool consistent;        /* every cross-check made agreed (and at least one was made) */
	/* arm64 only (arch "arm64"; NULL = x86-64): the image mapping and the TTBR1 layout. */
	const char *arch;
	uint64_t kimage_voffset; /* runtime image VA - PA */
	uint64_t phys_offset;    /* start of RAM (PHYS_OFFSET); UINT64_MAX if unknown */
	unsigned va_bits, page_shift;
	bool lpa2;
	struct ic_kaslr_evidence *evidence;
	size_t nevidence;
	/* Non-empty: evidence that decides the link-time addresses disagrees and nothing
	 * independent settled it (e.g. KERNELOFFSET against CONFIG_PHYSICAL_START, VMCOREINFO
	 * copies that differ). kallsyms cannot be made link-time from this result: the pipeline
	 * stops with exit 3 and this text (docs/kaslr.md, "Link base checked"). */
	char doubt[320];
};

/* Solve. On success *out is owned by the caller (ic_kaslr__free, NULL-safe).
 * -EINVAL (no image), -IC_ENOTFOUND (no anchor at all: nothing to say where the kernel is),
 * -IC_EAMBIGUOUS (several kernels, none whose tables are consistent), -ENOMEM. */
IC_API int ic_kaslr__solve(const struct ic_ctx *ctx, const struct ic_kaslr_input *in,
			   struct ic_kaslr **out);
IC_API void ic_kaslr__free(struct ic_kaslr *k);

/* Fill *in from the carvers' findings: VMCOREINFO, kallsyms (virtual or physical), the
 * banner (only the in-kernel linux_banner form), the BTF. Pointers borrow from f. */
IC_API void ic_kaslr__input_from_findings(const struct ic_findings *f, const struct ic_image *img,
					  struct ic_kaslr_input *in);
/* The pipeline's KASLR stage: solve from f, store the result in f->kaslr (freed by
 * ic_findings__release) and f->status[IC_SLOT_KASLR]; give place-relative kallsyms their
 * virtual base. link_text/link_text_source as in struct ic_kaslr_input (0/NULL = none). */
IC_API int ic_kaslr__run(const struct ic_ctx *ctx, const struct ic_image *img,
			 struct ic_findings *f, uint64_t link_text, const char *link_text_source);

/* Link-time address of a runtime kernel-image address. */
static inline uint64_t ic_kaslr__link(const struct ic_kaslr *k, uint64_t runtime)
{
	return runtime - k->virtual_slide;
}

/* Physical address of a runtime kernel-image address (no page tables needed). */
static inline uint64_t ic_kaslr__image_phys(const struct ic_kaslr *k, uint64_t runtime)
{
	return runtime - IC_X86_START_KERNEL_MAP + k->phys_base;
}

/* Write the report's "kaslr" value: {"virtual_slide": "0x..", "phys_text": "0x..",
 * "runtime_text": "0x..", "link_text": "0x..", "method": s, "consistent": b, ...}, or null
 * when k is NULL (same argument order as ic_kallsyms__report_json). */
IC_API void ic_kaslr__report_json(struct ic_json *j, const struct ic_kaslr *k);

/*
 * arm64 link-time _text = KIMAGE_VADDR = _PAGE_END(VA_BITS_MIN) + MODULES_VSIZE
 * (arch/arm64/include/asm/memory.h), for a release ("6.1.0-27-arm64") and VA_BITS_MIN (48 for
 * VA_BITS 48 and 52 with 4K pages, 47 with 16K pages, else VA_BITS): MODULES_VSIZE is 128 MiB
 * in 6.1-6.4 and 2 GiB from 6.5. 0, or -IC_ENOTFOUND with why set: no version number, or a
 * release before 6.1 (a BPF JIT region below the modules in 5.x, TEXT_OFFSET before 5.8, the
 * flipped layout before 5.4: no rule is kept for those).
 */
IC_API int ic_kaslr__arm64_text(const char *release, unsigned va_bits_min, uint64_t *text,
				const char **why);

#endif
