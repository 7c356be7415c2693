/* SPDX-License-Identifier: MIT */
/* The btf carver's finding: the running kernel's own vmlinux BTF blob, carved from RAM. */
#ifndef ISFCARVE_BTF_FINDING_H
#define ISFCARVE_BTF_FINDING_H

#include <stdbool.h>

#include "isfcarve/common.h"

struct ic_btf;

/*
 * Owned by ic_findings (freed by the carver's free_finding). data is a private copy of the
 * size bytes at phys that passed ic_btf__validate(); later stages (ic_btf__new) take it from
 * here, so nothing needs to re-read the image.
 */
struct ic_btf_finding {
	uint64_t phys;          /* physical address of the blob's first byte (the 0xeb9f magic) */
	uint64_t size;          /* exact blob length: hdr_len + max section end */
	uint8_t sha256[32];
	uint32_t nr_types;      /* type records, excluding void (id 0) */
	uint8_t *data;          /* size bytes */
	unsigned candidates;    /* blobs that validated standalone (base BTF), incl. the chosen one */
	unsigned headers;       /* header hits with a sane header (valid or not) */
	unsigned split;         /* sane headers whose blob failed standalone validation (module split BTF, torn copies) */
	bool page_aligned;      /* phys % 4096 == 0 (always true for >= 6.16 kernels' own copy) */
	/* What tied this blob to the running kernel: "kallsyms __start_BTF", "kallsyms _text.._end",
	 * "VMCOREINFO image span", or NULL (no evidence: the largest valid blob). Static string. */
	const char *evidence;
	unsigned distinct;      /* valid blobs with distinct contents (sha256): > 1 = several kernels */
	bool budget_exhausted;  /* IC_BTF_VALIDATE_BUDGET ran out: some candidates not validated */
	/* ic_btf__new_borrow() of data, made while choosing (it counts nr_types): a later stage may
	 * take it (and set this NULL) instead of validating and copying the blob again, and must
	 * free it before the finding, whose data it reads; freed with the finding otherwise. */
	struct ic_btf *model;
	/* Of distinct, the blobs of a kernel's size (>= IC_BTF_KERNEL_MIN_BYTES; a BPF program's
	 * own BTF is a few KiB): > 1 = another kernel's BTF is in the image too. */
	unsigned distinct_kernels;
};

#endif
