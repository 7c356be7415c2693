/* SPDX-License-Identifier: MIT */
/* Live mode inputs: this kernel's BTF, kallsyms (to link-time addresses) and banner; file loading. */
#ifndef ISFCARVE_LIVE_H
#define ISFCARVE_LIVE_H

#include <stdbool.h>

#include "isfcarve/common.h"

struct ic_symtab;

/* A whole input file in memory: mmap'd when it is a regular file with a size, else read()
 * (/proc and /sys files report size 0 or a page). Release with ic_blob__release(). */
struct ic_blob {
	const uint8_t *data;
	size_t len;
	void *priv;      /* private: mapping or heap buffer */
	size_t priv_len; /* private */
	bool mapped;     /* private */
};

/*
 * Load path (at most max bytes, else -IC_ELIMIT). -errno from open/read (ENOENT, EACCES...),
 * -EISDIR for a directory; every failure is logged as "<path>: <why>".
 */
IC_API int ic_blob__load(const struct ic_ctx *ctx, const char *path, uint64_t max,
			 struct ic_blob *out);
IC_API void ic_blob__release(struct ic_blob *b);

/* x86-64 __START_KERNEL_map: kernel image virtual base before KASLR. */
#define IC_X86_64_START_KERNEL_MAP 0xffffffff80000000ull
/* Link-time _text assumed when the kernel config is not available. */
#define IC_DEFAULT_LINK_TEXT 0xffffffff81000000ull

/*
 * Link-time _text from kernel .config text: for CONFIG_X86_64=y it is __START_KERNEL_map +
 * ALIGN(CONFIG_PHYSICAL_START, CONFIG_PHYSICAL_ALIGN) (arch/x86/include/asm/page_types.h).
 * -IC_EUNSUPP for another arch, -IC_ENOTFOUND when the options are missing, -IC_EFORMAT for a
 * bad value (logged with what:line).
 */
IC_API int ic_live__link_text(const struct ic_ctx *ctx, const char *cfg, size_t len, const char *what,
			      uint64_t *text);

/* Paths read in live mode, each under root ("" or "/" = the running system). */
#define IC_LIVE_BTF "/sys/kernel/btf/vmlinux"
#define IC_LIVE_KALLSYMS "/proc/kallsyms"
#define IC_LIVE_VERSION "/proc/version"
#define IC_LIVE_CONFIG_GZ "/proc/config.gz"
#define IC_LIVE_BOOT_CONFIG "/boot/config-" /* + release */

struct ic_live {
	struct ic_blob btf;        /* raw BTF of the running kernel (not validated here) */
	struct ic_symtab *syms;    /* link-time (System.map) addresses; module symbols skipped */
	uint8_t *banner;           /* /proc/version + "\0": the exact linux_banner bytes */
	size_t banner_len;
	char release[65];          /* from the banner ("6.1.0-56-amd64") */
	uint64_t runtime_text;     /* _text in kallsyms */
	uint64_t link_text;        /* _text at link time */
	uint64_t kaslr_offset;     /* runtime_text - link_text */
	bool link_text_default;    /* no config, no kcore KERNELOFFSET: IC_DEFAULT_LINK_TEXT assumed */
	char btf_path[4096], kallsyms_path[4096], version_path[4096], config_path[4096];
	/* ic_live__recover(): memory read through BPF (no /proc/kcore), or why it could not be
	 * (a few words for the caller's message; empty: not tried). mem_bpf set by the caller
	 * before the call: BPF at once, kcore not tried (tests; the running system only). */
	bool mem_bpf;
	char mem_why[320];
};

/*
 * Read the live inputs under root (NULL/"" = "/"). kallsyms addresses are converted to
 * link-time: runtime - kaslr_offset, except absolute ('A'/'a', per-CPU) symbols. Errors are
 * logged naming the file: -EACCES when every kallsyms address is 0 (kptr_restrict),
 * -ENOENT for a missing input, -IC_EFORMAT for bad contents. Caller frees with ic_live__free()
 * (NULL-safe).
 */
IC_API int ic_live__load(const struct ic_ctx *ctx, const char *root, struct ic_live **out);
IC_API void ic_live__free(struct ic_live *l);

#define IC_LIVE_KCORE "/proc/kcore"
#define IC_LIVE_IOMEM "/proc/iomem"
#define IC_LIVE_VMCOREINFO "/sys/kernel/vmcoreinfo"

/*
 * A kallsyms without data symbols (no CONFIG_KALLSYMS_ALL): read the running kernel through
 * root/proc/kcore and recover them by structure as IMAGE mode does (ic_recover__data_syms()),
 * with l->btf for the types and l's text symbols and KASLR offset. Only the kernel image's
 * physical range is scanned; the recovery rules read the rest of RAM on demand. The recovered
 * symbols are added to l->syms (link-time). Without /proc/kcore (absent or unreadable) on the
 * running system (root NULL, "" or "/"), RAM is read through BPF instead (src/1-image/bpf_live.c:
 * bpf_probe_read_kernel at the direct map, found from /proc/iomem; Linux 5.10+, root; not with
 * unaccepted, offline or poisoned memory in /proc/meminfo or /proc/kpageflags):
 * l->mem_bpf is set, or l->mem_why says why not. Either way the scanned kernel image window is
 * /proc/iomem's "Kernel ..." parts when it names them. Returns how many were recovered, or -errno
 * (-ENOENT / -EACCES / -EPERM: kcore's, when BPF could not stand in; -IC_ENOTFOUND when the
 * kernel image window or its KASLR stage gave nothing), -IC_EINCOMPLETE when what kcore shows
 * disagrees with kallsyms (pieces of two kernels, the slide in doubt, runtime or link-time
 * _text, the carved banner), each logged naming the file: evidence against the profile, which
 * the CLI refuses (exit 3) rather than place linux_banner some other way;
 * -IC_EAMBIGUOUS when two recovery rules disagreed on a symbol (left out of l->syms, the
 * others added: a partial profile only with the caller's consent, as IMAGE mode).
 */
IC_API int ic_live__recover(const struct ic_ctx *ctx, struct ic_live *l, const char *root);

/*
 * Place linux_banner (the one symbol Volatility needs to match a profile to an image) from
 * this kernel's image file under root: /usr/lib/debug/boot/vmlinux-<release>,
 * /usr/lib/debug/lib/modules/<release>/vmlinux, /boot/vmlinux-<release>, /boot/vmlinuz-<release>
 * (bzImage: the compressed vmlinux inside, ic_vmlinuz__extract()), the first that holds the
 * exact banner bytes (/proc/version + NUL) once in its loaded sections; its link-time address
 * comes from the ELF headers. Added to l->syms; the file used is copied to used (may be NULL).
 * When l->syms has linux_banner already (recovered through kcore) it is checked instead:
 * -IC_EINCOMPLETE (logged) when the two addresses differ.
 * 0, -ENOENT (no such file), or the first file's problem (logged).
 */
IC_API int ic_live__place_banner(const struct ic_ctx *ctx, struct ic_live *l, const char *root,
				 char *used, size_t used_len);

#endif
