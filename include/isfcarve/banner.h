/* SPDX-License-Identifier: MIT */
/* The banner carver's finding: the running kernel's "Linux version ..." string. */
#ifndef ISFCARVE_BANNER_H
#define ISFCARVE_BANNER_H

#include <stdbool.h>

#include "isfcarve/common.h"

/* Longest UTS field (release) the kernel keeps: __NEW_UTS_LEN + NUL. */
#define IC_UTS_LEN 65

/*
 * Owned by ic_findings (freed by the carver's free_finding). text holds the exact bytes of the
 * chosen copy: for the kernel's own linux_banner object that is "Linux version ...\n\0", i.e.
 * len includes the newline and the NUL (text[len - 1] == '\0'), as the ISF needs them. A copy
 * that is not in that form (dmesg record, page cache) has no "\0" and len stops after "\n" or
 * at the last byte of the match. text is always also NUL-terminated at text[len].
 */
struct ic_banner_finding {
	uint64_t phys;            /* physical address of the chosen copy's 'L' */
	char *text;
	size_t len;               /* bytes of text that belong to the banner (see above) */
	size_t line_len;          /* bytes up to, not including, the "\n" */
	char release[IC_UTS_LEN]; /* "6.1.0-56-amd64" */
	bool linux_banner;        /* chosen copy ends "\n\0" (the in-kernel object form) */
	unsigned copies;          /* every "Linux version <release> (...)" match in the image */
	unsigned exact_copies;    /* how many of them end "\n\0" */
	unsigned distinct;        /* distinct banner lines (several kernels' banners in one dump) */
	/* Evidence that picked the copy (for reports): */
	bool near_btf;            /* within the kernel image span around the chosen BTF */
	bool release_matches_vmcoreinfo; /* release == VMCOREINFO OSRELEASE */
	bool at_kallsyms_banner;  /* phys == the physical address of kallsyms' linux_banner */
	unsigned releases;        /* distinct releases among linux_banner-form copies (capped) */
	/* Non-zero: the kernel's own linux_banner (phys) was the only copy of its text and this
	 * many copies elsewhere agreed on another, which text holds (docs/security.md). */
	unsigned text_from_copies;
	/* Non-empty: the text taken is contradicted by init_uts_ns (release or version) and no
	 * copy that init_uts_ns confirms can stand in: the evidence, for the "in doubt" refusal
	 * (the profile refuses to use such a banner; docs/security.md). */
	char doubt[256];
};

#endif
