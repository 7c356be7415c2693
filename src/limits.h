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

/* Compressed dump formats (src/image/fmt_kdump.c, fmt_avml.c, pagecache.c). */
/* kdump block (= page) size: 4 KiB on x86, up to 64 KiB pages on arm64/ppc64. */
#define IC_MAX_KDUMP_BLOCK_SIZE (64u << 10)
/* kdump max_mapnr: 2^32 pfns of 4 KiB = 16 TiB; each bitmap is then 512 MiB (mapped, not copied). */
#define IC_MAX_KDUMP_PFNS (1ull << 32)
/* Flattened kdump (makedumpfile -F) records we index: makedumpfile writes one per buffer flush
 * (a few per MiB); 4 Mi records (96 MiB of index) covers dumps far beyond a TiB. */
#define IC_MAX_FLAT_RECORDS (4u << 20)
/* AVML snappy chunks we index (64 KiB each): 16 Mi chunks = 1 TiB of non-zero memory, 256 MiB index. */
#define IC_MAX_AVML_CHUNKS (16u << 20)
/* AVML block: avml writes at most 16 MiB per block; 1 GiB keeps in-block offsets in 32 bits. */
#define IC_MAX_AVML_BLOCK (1u << 30)
/* Snappy framing: a chunk's uncompressed data is at most 65536 bytes (framing_format.txt). */
#define IC_SNAPPY_FRAME_MAX (64u << 10)
/* VMware .vmss/.vmsn: groups in the header (a dozen in practice) and tags walked in the "memory"
 * group (a few per region plus a few dozen others). */
#define IC_MAX_VMSS_GROUPS 4096u
#define IC_MAX_VMSS_TAGS (1u << 20)
/* Decompressed-page cache per open compressed image: bounded, independent of the image size. */
#define IC_PAGECACHE_BYTES (16u << 20)

/* Scan: bytes per scan chunk handed to a thread. Big enough to amortise, small enough to balance. */
#define IC_SCAN_CHUNK (8u << 20)
/* Candidates one carver may keep before giving up on the rest (a crafted image full of magics). */
#define IC_MAX_CANDIDATES 65536u

/* BTF: vmlinux BTF is 4-8 MiB today; 256 MiB leaves a wide margin. */
#define IC_MAX_BTF_BYTES (256u << 20)
/* Types in one BTF blob: 7.x kernels have ~150 Ki; 4 Mi is generous. */
#define IC_MAX_BTF_TYPES (4u << 20)
/* BTF reference chains through PTR/ARRAY/TYPEDEF/qualifiers: C declarators in the kernel nest a
 * handful deep; 32 keeps descriptor recursion and JSON nesting (IC_JSON_MAX_DEPTH) bounded. */
#define IC_MAX_BTF_CHAIN 32u

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

#endif
