/* SPDX-License-Identifier: MIT */
/* Named ceilings for every input-driven size. Exceeding one is an error naming the limit. */
#ifndef ISFCARVE_LIMITS_H
#define ISFCARVE_LIMITS_H

/* Image containers. A real LiME file has one range per "System RAM" resource: dozens, not
 * thousands; AVML/ELF a few more. 1 Mi ranges still costs only 24 MiB of index. */
#define IC_MAX_RANGES (1u << 20)
/* ELF program headers: QEMU/kdump write one per RAM block; 64 Ki is far beyond any real dump. */
#define IC_MAX_ELF_PHDRS 65535u
/* ELF PT_NOTE total size we keep: VMCOREINFO (4 KiB) + per-CPU notes for 8192 CPUs. */
#define IC_MAX_NOTES_BYTES (64u << 20)

/* Scan: bytes per scan chunk handed to a thread. Big enough to amortise, small enough to balance. */
#define IC_SCAN_CHUNK (8u << 20)
/* Candidates one carver may keep before giving up on the rest (a crafted image full of magics). */
#define IC_MAX_CANDIDATES 65536u

/* BTF: vmlinux BTF is 4-8 MiB today; 256 MiB leaves a wide margin. */
#define IC_MAX_BTF_BYTES (256u << 20)
/* Types in one BTF blob: 7.x kernels have ~150 Ki; 4 Mi is generous. */
#define IC_MAX_BTF_TYPES (4u << 20)

/* Banner: "Linux version ..." is ~200 bytes; kernels cap the utsname fields at 64 each. */
#define IC_MAX_BANNER_LEN 1024u

/* VMCOREINFO note text: the kernel allocates one page (VMCOREINFO_BYTES = PAGE_SIZE). 64 KiB
 * covers 64 KiB pages. */
#define IC_MAX_VMCOREINFO_BYTES (64u << 10)

/* kallsyms: distro kernels have ~200-300 Ki symbols; scripts/kallsyms caps names at 512. */
#define IC_MAX_KALLSYMS 4000000u
#define IC_MAX_KSYM_NAME 512u

/* Symbol files (System.map, /proc/kallsyms): lines and line length. */
#define IC_MAX_SYMBOLS 8000000u
#define IC_MAX_SYMLINE 4096u

/* Page-table walks: entries visited by one walk (5 levels) and by a whole sweep. */
#define IC_MAX_PT_LEVELS 5u
#define IC_MAX_PT_VISITS (1u << 24)

/* Output: an ISF is ~30-60 MiB of JSON; refuse to produce more than 2 GiB. */
#define IC_MAX_OUTPUT_BYTES (2ull << 30)

/* Workflow (symdir, batch, index). ISF nesting is ~6 deep; 64 stops a crafted file early. */
#define IC_MAX_ISF_SCAN_DEPTH 64u
/* Files index visits under one directory tree (a lab's whole profile store fits easily). */
#define IC_MAX_INDEX_FILES 1000000u
/* Directory depth index recurses into (symlink loops and crafted trees end here). */
#define IC_MAX_INDEX_DEPTH 32u
/* A child's --report JSON: the scan/pipeline report is a few KiB. */
#define IC_MAX_REPORT_BYTES (16u << 20)
/* Images in one batch (--from lists, stdin) and parallel children (-j). */
#define IC_MAX_BATCH_IMAGES 1000000u
#define IC_MAX_BATCH_JOBS 1024u

#endif
