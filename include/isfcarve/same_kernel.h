/* SPDX-License-Identifier: MIT */
/* Do the banner, BTF, kallsyms and VMCOREINFO found in one image belong to the same kernel? */
#ifndef ISFCARVE_SAME_KERNEL_H
#define ISFCARVE_SAME_KERNEL_H

#include <stdbool.h>

#include "isfcarve/common.h"

#define IC_SAME_KERNEL_MAX_EVIDENCE 8

/*
 * Filled by ic_scan() after every carver (carvers/same_kernel.c). evidence[] names what tied
 * the pieces together (static strings, e.g. "banner at kallsyms linux_banner"); problem is
 * set when they contradict each other, or when the image holds several kernels and nothing
 * tells which banner goes with which BTF: a profile from such findings would mix kernels, so
 * the pipeline refuses it (exit 3) and scan reports it. damaged goes with mixed when the
 * problem is one kernel's pieces disagreeing through damage (kallsyms names renamed alike
 * against the BTF's FUNC names), not two kernels: the refusal is the same, its words differ.
 */
struct ic_same_kernel {
	unsigned n;
	const char *evidence[IC_SAME_KERNEL_MAX_EVIDENCE];
	bool mixed;
	bool damaged;
	char problem[320];
};

struct ic_findings;
/* (Re)compute f->same_kernel from the other slots; warns through ctx when mixed. */
IC_API void ic_same_kernel__check(const struct ic_ctx *ctx, const struct ic_image *img,
				  struct ic_findings *f);

#endif
