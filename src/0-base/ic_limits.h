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

/* Compressed dump formats (src/1-image/fmt_kdump.c, fmt_avml.c, pagecache.c). */
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
/* BTF semantic pass (btf_validate.c, check_meaning): longest name (kernel identifiers stay
 * under 128 bytes; KSYM_NAME_LEN is 512), the largest explicit alignment a struct may be padded
 * to (page-aligned structs exist; 64 KiB pages on arm64), the largest object an array may span. */
#define IC_MAX_BTF_NAME 512u
/* BTF <-> kallsyms by content (carvers/same_kernel.c): the share of BTF FUNC names kallsyms
 * may lack (own kernel: <= 1.4 % on the fixtures; another kernel's BTF: >= 5.5 %), and the
 * fewest FUNC records worth judging (a vmlinux BTF has 40k+). */
#define IC_SAME_KERNEL_FUNC_MISS_PCT 3u
#define IC_SAME_KERNEL_MIN_FUNCS 1000u
/* Missing BTF FUNC names that, with one character changed the same way, are in kallsyms: at
 * this many, kallsyms' token table renamed them (issue 18 D1). A good kernel's missing names
 * share no such change: at most 1 on the fixtures, 5 on Ubuntu 5.15 (docs/security.md). */
#define IC_SAME_KERNEL_SUBST_MIN 16u
/* ... looked for in at most this many characters of missing FUNC names (each tried with every
 * printable character: 94 lookups a character; a good kernel's missing names: ~29,000) */
#define IC_MAX_SUBST_CHARS (256u << 10)
/* A valid BTF blob this large counts as a kernel's (vmlinux BTF: 3-8 MiB on the fixtures; a
 * BPF object's own BTF, also found in RAM, a few KiB): for "another kernel is there too". */
#define IC_BTF_KERNEL_MIN_BYTES (1u << 20)
#define IC_MAX_BTF_ALIGN (64u << 10)
#define IC_MAX_BTF_OBJECT (1ull << 40)

/* Global BTF-validation budget of one scan, in blob bytes handed to the validator: MIN plus
 * PER_BYTE x the image's bytes. Real dumps validate one to a few blobs (the kernel's BTF and a
 * copy, ~5 MiB each), far below it; crafted nested candidates that each fail late would
 * otherwise cost candidates x size. Linear in the image, never quadratic. */
#define IC_BTF_VALIDATE_BUDGET_MIN (64ull << 20)
#define IC_BTF_VALIDATE_BUDGET_PER_BYTE 1u
/* Valid BTF blobs kept for ranking (the best ones): the kernel's, a kdump kernel's, a few
 * copies in the page cache; more are dropped by rank, not by order. */
#define IC_MAX_BTF_VALID 64u
/* Validation done ahead on a second thread (carvers/btf.c btf_prepare), on top of the budget
 * above: a vmlinux BTF is 3-8 MiB, so the kernel's blob and a few copies fit; finish()
 * validates the rest itself. Bounds the extra work a flood of candidates can cause. */
#define IC_BTF_PREPARE_BUDGET (32ull << 20)
#define IC_BTF_PREPARE_MAX 16u

/* Banner: "Linux version ..." is ~200 bytes; kernels cap the utsname fields at 64 each. */
#define IC_MAX_BANNER_LEN 1024u
/* Distinct banner lines counted (hash set); real dumps hold a handful (several kernels, torn
 * copies). A flood of distinct fakes saturates the count without more memory. */
#define IC_MAX_BANNER_DISTINCT 256u
/* linux_banner-form texts of the kernel's release kept whole to compare the kernel's own copy
 * with (carvers/banner.c): real dumps hold 2-4 variants (template copies, overwritten tails). */
#define IC_MAX_BANNER_TEXTS 8u

/* VMCOREINFO note text: the kernel allocates one page (VMCOREINFO_BYTES = PAGE_SIZE). 64 KiB
 * covers 64 KiB pages. */
#define IC_MAX_VMCOREINFO_BYTES (64u << 10)
/* Distinct carved VMCOREINFO texts kept for the choice: a dump has a few (vmcoreinfo_data, the
 * note copy, page-cache copies of /sys/kernel/vmcoreinfo readers); more is a flood of fakes. */
#define IC_MAX_VMCOREINFO_TEXTS 256u

/* kallsyms: distro kernels have ~200-300 Ki symbols; scripts/kallsyms caps names at 512. */
#define IC_MAX_KALLSYMS 4000000u
#define IC_MAX_KSYM_NAME 512u
/* kallsyms_token_table: 256 tokens of a few chars (1.5-2 KiB in real kernels); 16 KiB is 8x that. */
#define IC_MAX_KSYM_TOKEN_TABLE 16384u
/* Bytes of physical memory before/after a token-table anchor that may hold the other kallsyms
 * tables: names (~20 B/symbol) + offsets (4 B) + seqs (3-4 B) for IC_MAX_KALLSYMS symbols. */
#define IC_KSYM_WINDOW_BACK (112u << 20)
#define IC_KSYM_WINDOW_FWD (48u << 20)
/* Anchors with an exact token table that get the expensive decode (a window of up to 160 MiB):
 * a real dump holds 1-4 kernel copies; a crafted image must not make us decode thousands. */
#define IC_MAX_KSYM_TABLE_CANDIDATES 64u
/* Elements and entries one kallsyms decode may read while searching markers and names:
 * a real table needs ~2 x N; 64 Mi bounds crafted self-similar data to well under a second. */
#define IC_KSYM_WORK_BUDGET (64ull << 20)
/* Expanded symbol names of one table: 200 Ki symbols x ~30 chars = 6 MiB on 7.x. */
#define IC_MAX_KSYM_NAMES_BYTES (256u << 20)
/* Validated kallsyms copies kept for selection (running kernel, kdump kernel, page cache). */
#define IC_MAX_KSYM_COPIES 16u

/* Symbol files (System.map, /proc/kallsyms): lines and line length. */
#define IC_MAX_SYMBOLS 8000000u
#define IC_MAX_SYMLINE 4096u

/* Page-table walks: levels of one walk (the structure scan reads each page at most 3 times
 * more, one sweep per level: src/4-kaslr/pgscan.c). */
#define IC_MAX_PT_LEVELS 5u

/* Output: an ISF is ~30-60 MiB of JSON; refuse to produce more than 2 GiB. */
#define IC_MAX_OUTPUT_BYTES (2ull << 30)

/* A FIFO or pipe given as an input file (--map, --btf, --dwarf; `<(...)` is one too): how long
 * to wait for its first bytes (src/8-profile/live.c ic_blob__load); then it is read to its end
 * without a limit on time. */
#define IC_FIFO_WRITER_WAIT_MS 120000u

/* --map with an IMAGE (src/8-profile/profile.c check_map): at most this many per mille of the
 * names kallsyms lists once may sit at another distance from _text in the map. The same
 * kernel's System.map: 0 on the fixtures; another kernel's: most of them. */
#define IC_MAP_MISMATCH_PERMILLE 5u

/* A temp name ".NAME.tmp.PID.HEX" keeps at most this many bytes of NAME: with '.', ".tmp.", a
 * pid and 16 hex digits (at most 33 more) it stays within NAME_MAX (255), so any OUT name the
 * file system takes can be written through its temp file. */
#define IC_TMP_NAME_KEEP 200

/* KASLR: cross-checks kept in one result (a handful are made; the cap guards the list). */
#define IC_MAX_KASLR_EVIDENCE 64u
/* KASLR page-table scan: level2_kernel_pgt look-alikes climbed. One per kernel image in RAM
 * (running, kdump, leftovers) plus early boot copies; more is a crafted image. */
#define IC_MAX_PGSCAN_CANDIDATES 32u
/* KASLR page-table scan: entries 510 (and as many 511) that could point at a table, kept from
 * the candidate pass so the climb needs no more passes (16 bytes each: 64 MiB at most for
 * both). Real images hold about one per hundred pages (an 800 GiB image would reach it); past
 * the ceiling the climb sweeps the image instead. */
#define IC_MAX_PGSCAN_LINKS (1u << 21)
/* Embedded IKCONFIG: compressed bytes read after "IKCFG_ST" (a distro .config gzips to ~70 KiB). */
#define IC_MAX_IKCONFIG_GZ (1u << 20)
/* "IKCFG_ST" + gzip streams inflated per search of a kernel image: a kernel embeds one. Each may
 * inflate to IC_MAX_CONFIG_BYTES from ~16 KiB, so a span packed with them would otherwise cost
 * hours (16 Ki streams in 256 MiB, 16 MiB each). */
#define IC_MAX_IKCONFIG_TRIES 16u

/* Inputs of the --btf/--map and live modes (cli helper). */
/* ELF section headers in a vmlinux: ~40-80 real ones (plus -ffunction-sections builds ~100 Ki). */
#define IC_MAX_ELF_SECTIONS (1u << 20)
/* A vmlinux file: distro ones are 60-400 MiB with debug info; 4 GiB is far beyond any. */
#define IC_MAX_VMLINUX_BYTES (4ull << 30)
/* Bytes ic_vmlinux__find() searches, in multiples of the file's size: a real vmlinux's allocated
 * sections do not overlap, so they sum to less than the file; crafted ones over one region could
 * make it search the same bytes 65,000 times (minutes). */
#define IC_MAX_VMLINUX_SEARCH_FACTOR 2u
/* System.map / /proc/kallsyms text: ~300 Ki lines of <100 bytes = 30 MiB; 1 GiB is generous. */
#define IC_MAX_SYMFILE_BYTES (1ull << 30)
/* Kernel .config text: ~250 KiB today. */
#define IC_MAX_CONFIG_BYTES (16u << 20)
/* Any one gzip stream we inflate (src/0-base/gunzip.c): the largest of its callers' own ceilings,
 * a vmlinux out of a bzImage (IC_MAX_VMLINUX_BYTES); a .config asks for IC_MAX_CONFIG_BYTES. */
#define IC_MAX_GUNZIP_BYTES IC_MAX_VMLINUX_BYTES

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

/* Flattened member names of one anonymous BTF type (symdb typing): the largest kernel struct has
 * a few hundred members; BTF allows 2^24 per level. */
#define IC_MAX_ANON_MEMBERS 65536u
/* Members and enumerators one flattening may visit, named or not: a symdb row of at most
 * IC_TYPEEXPR_MAX_LEN (4096) characters names fewer, so a type past it can match no row. Bounds
 * the walk on a hostile BTF whose unnamed members share their types (3 a level, 32 levels:
 * 3^32 visits without it). */
#define IC_MAX_ANON_VISITS 4096u
/* Visits of the whole anonymous-type index (every anonymous root flattened once). The 6.1-7.2
 * fixtures' BTFs need well under 1 % of it (docs/symdb.md); a BTF of 20,000 roots sharing a
 * 65,535-member union took 25 s before IC_MAX_ANON_VISITS, past this budget the index stops
 * and anonymous rows stay untyped. */
#define IC_MAX_ANON_INDEX_VISITS (16u << 20)

/* arm64 kallsyms without _text (no KALLSYMS_ALL): how far below _stext the Image header at _text
 * is looked for (the head text is 64 KiB on 6.x; 2 MiB is one whole KASLR alignment unit). */
#define IC_MAX_ARM64_HEAD_GAP (2ull << 20)

/* Recovery by structure (src/5-symbols/recover/): how far past _text the kernel image (text, data,
 * bss) may reach (arm64 distro images are ~50 MiB; x86-64 KERNEL_IMAGE_SIZE is 1 GiB, but
 * its objects sit well below 256 MiB), the read size of its scan, and how many candidate
 * init_tasks are checked before giving up as ambiguous. */
#define IC_MAX_KERNEL_IMAGE (256ull << 20)
/* Compressed-stream starts (gzip, xz, zstd magic) tried in a vmlinuz before giving up: the
 * bzImage payload is the first; a few more for a wrapper without a boot-protocol header. */
#define IC_MAX_VMLINUZ_TRIES 16u
#define IC_RECOVER_CHUNK (1u << 20)
#define IC_MAX_RECOVER_HITS 16u
/* Recovered symbols kept for the report. */
#define IC_MAX_RECOVERED 64u
/* Nodes followed on one recovered list (net namespaces, loaded modules): thousands at most on
 * real systems; a corrupt or cyclic-but-not-closed list must end. */
#define IC_MAX_RECOVER_LIST 65536u
/* List nodes all candidate module-list heads may visit together (a real image: one list of a
 * few hundred modules, plus a node or two per false candidate). */
#define IC_MAX_RECOVER_VISITS (1u << 20)
/* Step of the page-by-page kernel-image scans (the smallest granule; larger pages are just
 * checked several times). */
#define IC_RECOVER_PAGE 4096u
/* Data-typed symbols (d/D/b/B/r/R) at which a symbol table counts as CONFIG_KALLSYMS_ALL's: a
 * text-only kallsyms has none, a full one tens of thousands; recovery is skipped then. */
#define IC_RECOVER_KALLSYMS_ALL 1000u
/* arm64 without VMCOREINFO (src/4-kaslr/solve_arm64.c): 64 KiB aligned kernel-VA words kept
 * from the kernel image while looking for kimage_vaddr/kimage_voffset (a 50 MiB image has a
 * few thousand). */
#define IC_MAX_ARM64_VA_WORDS (1u << 22)

/* /proc/kcore copies (src/1-image/fmt_kcore.c). Alias segments (a physical address that another
 * segment already maps: KCORE_TEXT, the old KCORE_REMAP) are resolved against the kept ranges one
 * by one; the kernel writes one or two, 256 bounds the quadratic resolution. */
#define IC_MAX_KCORE_ALIASES 256u
/* Highest physical address bit a kcore segment may reach: 52 bits (x86-64 5-level paging,
 * arm64 LPA/LPA2). A p_paddr beyond is corrupt, not memory. */
#define IC_KCORE_PHYS_BITS 52u
/* The live /proc/kcore reader's cache of small reads: 256 blocks of 16 KiB (4 MiB). */
#define IC_KCORE_LIVE_BLOCK (16u << 10)
#define IC_KCORE_LIVE_SLOTS 256u
/* Live memory through BPF (src/1-image/bpf_live.c), for kernels without /proc/kcore: /proc/iomem
 * read whole up to this size (a large server's has a few hundred lines, 20-40 KiB), its
 * top-level "System RAM" ranges kept up to IC_MAX_IOMEM_RAM; the direct map's base looked for
 * in steps of IC_BPF_DMAP_STEP (2 MiB: x86-64 aligns page_offset_base to 1 GiB, arm64 its linear
 * map to ARM64_MEMSTART_ALIGN, >= 2 MiB) below the running task's own address, at most
 * IC_MAX_BPF_DMAP_TRIES candidates (32 TiB of RAM at that step). */
#define IC_MAX_IOMEM_BYTES (4u << 20)
#define IC_MAX_IOMEM_RAM 4096u
/* "Kernel code", "Kernel rodata", "Kernel data", "Kernel bss": at most that many kept */
#define IC_IOMEM_KERNEL_PARTS 8u
#define IC_BPF_DMAP_STEP (2ull << 20)
#define IC_MAX_BPF_DMAP_TRIES (1u << 24)
/* /proc/kpageflags read to find offline or poisoned pages before that search: 256 MiB of flags
 * (128 GiB of RAM in 4 KiB pages, about 5 s at the 49 MB/s the kernel serves it here) */
#define IC_MAX_KPF_SCAN_BYTES (256u << 20)

/* Distinct anonymous type expressions whose BTF match symbol typing remembers (src/6-typing/typing.c):
 * symdb has about 20 for one kernel; more are resolved each time, only slower. */
#define IC_ANON_MEMO 64u

/* DWARF -> BTF (src/6-typing/dwarf/). A 6.x debug vmlinux is 0.6-1 GiB with ~3000 units. */
/* The debug file itself: the largest distribution vmlinux with DWARF is ~1.5 GiB. */
#define IC_MAX_DWARF_FILE_BYTES (8ull << 30)
/* Compressed debug sections (SHF_COMPRESSED .debug_*, GNU "ZLIB" .zdebug_*), which libelf and
 * libdw inflate whole: what they may claim
 * in all, and per section against their compressed size. DWARF compresses 3-8x with zlib or
 * zstd; 1032x is a section of zeros (a 2 MB file claimed 2 GiB). */
#define IC_MAX_DWARF_INFLATED_BYTES (8ull << 30)
#define IC_MAX_DWARF_INFLATE_RATIO 64u
/* Compile units: a kernel has ~3000; allmodconfig-style builds ~30 Ki. */
#define IC_MAX_DWARF_UNITS (1u << 20)
/* DIEs looked at in all: top-level DIEs of every unit plus the members of converted types;
 * a 6.1 vmlinux needs ~10 Mi. */
#define IC_MAX_DWARF_DIES (1u << 28)
/* Recursion through anonymous types and declarators (pointer to array of const anonymous
 * struct ...): C code nests a handful deep; named types are never recursed into. */
#define IC_MAX_DWARF_DEPTH 64u
/* Members of one struct/union, enumerators of one enum, parameters of one function type:
 * BTF's vlen is 16 bits. */
#define IC_MAX_DWARF_MEMBERS 65535u
/* BTFHub's .btf.tar.xz (src/0-base/tarxz.c): the decompressed tar holds one raw BTF (4-8 MiB
 * today), so one BTF ceiling plus headers and padding bounds it; the decoder's dictionary memory
 * (xz -9 needs 65 MiB; tar -cJf's default -6, 9 MiB); the longest member name kept (BTFHub's are
 * "<release>.btf", under 100 bytes; GNU long names and pax paths up to this). */
#define IC_MAX_TARXZ_BYTES (IC_MAX_BTF_BYTES + (1u << 20))
#define IC_MAX_XZ_DECODER_MEM (128ull << 20)
#define IC_MAX_TAR_NAME 1024u
/* --btf-dir DIR (src/8-profile/btfdir.c): BTFHub's tree is distro/version/arch/<release>.btf.tar.xz
 * (depth 3, ~10^4 files for the whole archive); candidates of one release kept (a release occurs
 * under a few distro versions at most). */
#define IC_MAX_BTFDIR_DEPTH 8u
#define IC_MAX_BTFDIR_FILES 1000000u
#define IC_MAX_BTFDIR_MATCHES 16u

#endif
