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
	/* the "Kernel ..." entries themselves (the first IC_IOMEM_KERNEL_PARTS): the image without
	 * its freed init memory, which the page cache reuses */
	struct {
		uint64_t lo, hi;
	} kpart[IC_IOMEM_KERNEL_PARTS];
	size_t nkpart;
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
 * two), for which the running task (task_va, a direct-map object) lies at P + t with t in one of
 * io's RAM ranges, and P + phys holds the same page as va (the kernel image seen through its own
 * mapping), and P + phys2 the page at va2 (a second one). Every candidate is tried: 0 with *base
 * when exactly one holds both; -IC_ENOTFOUND none; -IC_EAMBIGUOUS two (both in *base, *other:
 * copies of the kernel image in RAM); -IC_ELIMIT past IC_MAX_BPF_DMAP_TRIES candidates; the
 * reader's error for va or va2 themselves.
 */
IC_HIDDEN int ic_dmap_find(ic_kread_fn rd, void *arg, const struct ic_iomem *io, uint64_t task_va,
			   uint64_t step, uint64_t va, uint64_t phys, uint64_t va2, uint64_t phys2,
			   uint64_t *base, uint64_t *other);

/*
 * Where the running kernel is: anchors[0] the runtime _text, then other symbols "Kernel code" may
 * start at (arm64: _stext), each tried as the page at io->code (an anchor below _text, or more
 * than io->code above it, is passed over). x86-64 (_text in the top 2 GiB) steps 1 GiB, arm64
 * 2 MiB and its task pointer loses a KASAN tag. 0 with *base and *text (phys = io->code -
 * (anchor - _text), len to the kernel's end); else ic_dmap_find()'s error (an anchor that
 * cannot be read, or is nowhere, passes to the next: the last one's).
 */
IC_HIDDEN int ic_bpf_live_place(ic_kread_fn rd, void *arg, const struct ic_iomem *io, uint64_t task,
				const uint64_t *anchors, size_t nanchors, uint64_t *base,
				uint64_t *other, struct ic_kcore_text *text);

/* The files the BPF reader consults (each under live mode's root). */
struct ic_bpf_live_paths {
	const char *iomem;      /* /proc/iomem: RAM and the kernel image (root only) */
	const char *vmcoreinfo; /* /sys/kernel/vmcoreinfo: the note's physical address and size */
	const char *meminfo;    /* /proc/meminfo: unaccepted or poisoned memory refuses BPF */
	const char *kpageflags; /* /proc/kpageflags: pages not to read (poisoned, offline) */
};

/*
 * Open the running kernel's RAM as an image read through a BPF program (bpf_probe_read_kernel
 * at the direct map, BPF_PROG_TEST_RUN of a raw tracepoint program: Linux 5.10+, root or
 * CAP_BPF + CAP_PERFMON, no lockdown of kernel reads). Ranges: iomem's System RAM, only what is
 * in [lo, hi) when lo < hi. anchors: as ic_bpf_live_place(). *base_io: 0 to search for the
 * direct map, else a base an earlier open found (checked against the image, not searched
 * again); set on success. *text as ic_image__open_kcore_live() gives it. The VMCOREINFO note
 * is added to the image's notes when /sys/kernel/vmcoreinfo is there. Errors: -EPERM (not
 * allowed, or memory not safe to read), -EOPNOTSUPP (this kernel's BPF cannot), -EACCES
 * (iomem addresses hidden), -IC_ENOTFOUND (no direct map found), -IC_EAMBIGUOUS (two), each
 * logged at info level; why (may be NULL) gets the reason in a few words.
 */
IC_HIDDEN int ic_image__open_bpf_live(const struct ic_ctx *ctx, const struct ic_bpf_live_paths *paths,
				      const uint64_t *anchors, size_t nanchors, uint64_t lo,
				      uint64_t hi, uint64_t *base_io, struct ic_kcore_text *text,
				      struct ic_image **out, char *why, size_t whysz);

#endif
