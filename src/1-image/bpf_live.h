/* SPDX-License-Identifier: MIT */
/* The running kernel's RAM read through BPF, for kernels built without /proc/kcore. */
#ifndef ISFCARVE_BPF_LIVE_H
#define ISFCARVE_BPF_LIVE_H

#include "isfcarve/image.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "kcore_live.h"

/* What /proc/iomem tells: the top-level "System RAM" ranges and the kernel image's span. */
struct ic_iomem {
	struct {
		uint64_t lo, hi; /* [lo, hi) */
	} ram[IC_MAX_IOMEM_RAM];
	size_t nram;
	uint64_t code;       /* start of "Kernel code" (x86-64: _text; arm64: _stext) */
	uint64_t kernel_end; /* end of the last "Kernel code/rodata/data/bss" entry */
};

/*
 * Parse /proc/iomem text (txt[0, len), not NUL-terminated): lines "<hex>-<hex> : <name>",
 * indented two spaces a level. 0; -EACCES when every address is 0 (what a reader without
 * CAP_SYS_ADMIN sees); -IC_EFORMAT for a line of another shape (*line: its number, 1-based);
 * -IC_ENOTFOUND without "System RAM" or "Kernel code"; -IC_ELIMIT past IC_MAX_IOMEM_RAM RAM
 * ranges.
 */
IC_HIDDEN int ic_iomem_parse(const char *txt, size_t len, struct ic_iomem *io, size_t *line);

/* Read len bytes (at most one page, not crossing one) of kernel virtual address va. */
typedef int (*ic_kread_fn)(void *arg, uint64_t va, void *buf, size_t len);

/*
 * The direct map's base P (virtual = P + physical): the one P, a multiple of step (a power of
 * two) at or below task_va (an object of the direct map: the running task) and no lower than
 * task_va - ram_end, at which P + phys holds the same page as va (the kernel image seen through
 * its own mapping), confirmed at P + phys2 against va2 (a second page of the image). Every
 * candidate is tried: 0 with *base when exactly one holds both; -IC_ENOTFOUND none;
 * -IC_EAMBIGUOUS two (both in *base, *other: copies of the kernel image in RAM); -IC_ELIMIT
 * past IC_MAX_BPF_DMAP_TRIES candidates; the reader's error for va or va2 themselves.
 */
IC_HIDDEN int ic_dmap_find(ic_kread_fn rd, void *arg, uint64_t task_va, uint64_t ram_end,
			   uint64_t step, uint64_t va, uint64_t phys, uint64_t va2, uint64_t phys2,
			   uint64_t *base, uint64_t *other);

/*
 * Open the running kernel's RAM as an image read through a BPF program (bpf_probe_read_kernel
 * at the direct map, BPF_PROG_TEST_RUN of a raw tracepoint program: Linux 5.10+, root or
 * CAP_BPF + CAP_PERFMON, no lockdown of kernel reads). Ranges: iomem's System RAM, only what is
 * in [lo, hi) when lo < hi. anchors[0..nanchors): runtime addresses of _text first, then
 * symbols that may start "Kernel code" (arm64: _stext), each tried; *text as
 * ic_image__open_kcore_live() gives it. vmcoreinfo_path (/sys/kernel/vmcoreinfo: "<phys> <size>")
 * is read, when there, into the image's notes. -EPERM (not allowed), -EOPNOTSUPP (this kernel's
 * BPF cannot do it), -EACCES (iomem addresses hidden), -IC_ENOTFOUND (no direct map found), each
 * logged with the reason; *why (may be NULL) gets it in a few words for the caller's one line.
 */
IC_HIDDEN int ic_image__open_bpf_live(const struct ic_ctx *ctx, const char *iomem_path,
				      const char *vmcoreinfo_path, const uint64_t *anchors,
				      size_t nanchors, uint64_t lo, uint64_t hi,
				      struct ic_kcore_text *text, struct ic_image **out,
				      char *why, size_t whysz);

#endif
