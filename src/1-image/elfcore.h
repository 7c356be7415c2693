/* SPDX-License-Identifier: MIT */
/* ELF64 core parsing shared by the ELF core reader (fmt_elf.c) and the /proc/kcore reader (fmt_kcore.c). */
#ifndef ISFCARVE_IMAGE_ELFCORE_H
#define ISFCARVE_IMAGE_ELFCORE_H

#include "image_internal.h"

#define IC_PT_LOAD 1u
#define IC_PT_NOTE 4u

/* One program header as read from the file; nothing in it is validated yet. */
struct ic_elf_phdr {
	uint64_t at; /* file offset of the header itself (for messages) */
	uint32_t type;
	uint64_t off, vaddr, paddr, filesz, memsz;
	unsigned idx;
};

struct ic_elf_core {
	uint16_t machine; /* e_machine: 62 x86-64, 183 aarch64 */
	struct ic_elf_phdr *ph;
	size_t nph;
};

/* Check the ELF header (magic -> -EPROTO; ELF64 LE, ET_CORE, e_phentsize, PN_XNUM, the
 * IC_MAX_ELF_PHDRS ceiling, the table inside the file) and read every program header.
 * On success the caller frees core->ph. Logs the file offset of what it rejects. */
IC_HIDDEN int ic_elf_core_read(const struct ic_ctx *ctx, struct ic_image *img, struct ic_elf_core *core);
/* Append a PT_NOTE's bytes to img->notes (bounds and IC_MAX_NOTES_BYTES checked). */
IC_HIDDEN int ic_elf_add_notes(const struct ic_ctx *ctx, struct ic_image *img, const struct ic_elf_phdr *ph);

#endif
