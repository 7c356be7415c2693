/* SPDX-License-Identifier: MIT */
/* The ELF file header as ic_vmlinux__open() reads and checks it, shared with the vmlinuz
 * extractor (which checks a decoded stream's header before decoding the rest). */
#ifndef ISFCARVE_ELFHDR_H
#define ISFCARVE_ELFHDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "0-base/internal.h"

#define IC_ELF_EHDR64_SIZE 64u /* the largest ELF header: enough bytes to check any */

struct ic_elf_ehdr {
	bool is64, be;
	uint16_t machine;
	uint64_t phoff, shoff;
	uint32_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

/*
 * Decode and check the ELF header at data[0..len): magic, class, encoding, version, e_ehsize,
 * and the entry sizes of the tables it announces (e_shentsize when e_shoff, e_phentsize when
 * e_phoff and e_phnum). Warnings name what (none when ctx is NULL). 0, -EPROTO (no ELF magic),
 * -IC_ETRUNC, -IC_EFORMAT.
 */
IC_HIDDEN int ic_elf__ehdr(const struct ic_ctx *ctx, const uint8_t *data, size_t len,
			   const char *what, struct ic_elf_ehdr *h);

/*
 * How far into the file its header alone says it reaches: the end of the ELF header, of the
 * program header table and of the section header table (whichever is last), in *end. The
 * contents of those tables (segment and section ends) are not known from the header.
 * -IC_EFORMAT when an end overflows.
 */
IC_HIDDEN int ic_elf__ehdr_end(const struct ic_elf_ehdr *h, uint64_t *end);

/*
 * The end of the last PT_LOAD segment's file bytes (p_offset + p_filesz), from the program
 * header table in data[0..len) (which must hold it; extended numbering gives 0). 0,
 * -IC_ETRUNC (the table is not all in data), -IC_EFORMAT (an end overflows), -IC_ELIMIT (more
 * than IC_MAX_ELF_PHDRS).
 */
IC_HIDDEN int ic_elf__load_end(const struct ic_elf_ehdr *h, const uint8_t *data, size_t len,
			       uint64_t *end);

/*
 * The end of the last section's file bytes (sh_offset + sh_size, SHT_NOBITS excluded), from the
 * section header table in data[0..len) (which must hold it; extended numbering gives 0). 0,
 * -IC_ETRUNC, -IC_EFORMAT, -IC_ELIMIT (more than IC_MAX_ELF_SECTIONS).
 */
IC_HIDDEN int ic_elf__sect_end(const struct ic_elf_ehdr *h, const uint8_t *data, size_t len,
			       uint64_t *end);

#endif
