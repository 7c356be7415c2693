/* SPDX-License-Identifier: MIT */
/* ELF vmlinux reader: the .BTF section and bytes at a link-time virtual address. */
#ifndef ISFCARVE_VMLINUX_H
#define ISFCARVE_VMLINUX_H

#include <stdbool.h>

#include "isfcarve/common.h"

struct ic_vmlinux;

/* Does data start with the ELF magic? (A cheap sniff; ic_vmlinux__open() does the checks.) */
IC_API bool ic_vmlinux__is_elf(const uint8_t *data, size_t len);

/*
 * Parse an ELF32/ELF64 file of either byte order held in data[0..len) (not copied: data must
 * outlive the object). Every header, offset and size is bounds-checked. -EPROTO if data is not
 * ELF, -IC_EFORMAT/-IC_ETRUNC/-IC_ELIMIT with a message naming `what` and the offset.
 * Caller frees with ic_vmlinux__free() (NULL-safe).
 */
IC_API int ic_vmlinux__open(const struct ic_ctx *ctx, const uint8_t *data, size_t len,
			    const char *what, struct ic_vmlinux **out);
IC_API void ic_vmlinux__free(struct ic_vmlinux *v);

/* 4 or 8 (ELFCLASS32/64) and e_machine. */
IC_API unsigned ic_vmlinux__ptr_size(const struct ic_vmlinux *v);
IC_API uint16_t ic_vmlinux__machine(const struct ic_vmlinux *v);

/* Bytes of the named section (not SHT_NOBITS). -IC_ENOTFOUND if there is none. */
IC_API int ic_vmlinux__section(const struct ic_vmlinux *v, const char *name, const uint8_t **data,
			       size_t *len);

/*
 * File bytes at virtual address vaddr: *p points into the file and *avail is how many bytes
 * follow contiguously inside the allocated section (preferred) or PT_LOAD segment holding
 * vaddr. -IC_ENOTFOUND when no section/segment with file bytes contains vaddr.
 */
IC_API int ic_vmlinux__at(const struct ic_vmlinux *v, uint64_t vaddr, const uint8_t **p,
			  size_t *avail);

/*
 * linux_banner at vaddr: "Linux version ..." up to and including "\n\0", at most
 * IC_MAX_BANNER_LEN bytes. *p points into the file. -IC_ENOTFOUND (address not in the file),
 * -IC_EFORMAT (no "Linux version" there, or no "\n\0" within the limit); logged via ctx.
 */
IC_API int ic_vmlinux__banner(const struct ic_ctx *ctx, const struct ic_vmlinux *v, uint64_t vaddr,
			      const uint8_t **p, size_t *len);

/*
 * Where bytes[0..len) lie in the loaded image: the link-time address of the first copy in an
 * allocated section (PT_LOAD segments when there are no section headers) and how many copies
 * there are. -IC_ENOTFOUND when there is none; -IC_ELIMIT when the sections searched add up to
 * more than twice the file (they overlap: a crafted file, not a vmlinux).
 */
IC_API int ic_vmlinux__find(const struct ic_vmlinux *v, const uint8_t *bytes, size_t len,
			    uint64_t *vaddr, unsigned *hits);

/*
 * The ELF vmlinux inside a compressed kernel: an x86 bzImage's payload (boot protocol 2.08+),
 * else the first gzip/xz/zstd stream in data that decodes to ELF (IC_MAX_VMLINUZ_TRIES tried).
 * *out is malloc'd (caller frees), at most IC_MAX_VMLINUX_BYTES. -IC_ENOTFOUND (logged with
 * what), -ENOMEM.
 */
IC_API int ic_vmlinuz__extract(const struct ic_ctx *ctx, const uint8_t *data, size_t len,
			       const char *what, uint8_t **out, size_t *out_len);

#endif
