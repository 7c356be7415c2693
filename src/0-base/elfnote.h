/* SPDX-License-Identifier: MIT */
/* Walking an ELF notes area (PT_NOTE contents, kdump's note area, /proc/kcore's notes). */
#ifndef ISFCARVE_ELFNOTE_H
#define ISFCARVE_ELFNOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "reader.h"

/* One note: Elf64_Nhdr (namesz, descsz, type: 32-bit little-endian), the name and the desc,
 * each padded to 4 bytes. */
struct ic_note {
	size_t at;           /* offset of its header in the area */
	uint32_t namesz, descsz, type;
	const uint8_t *name; /* namesz bytes */
	const uint8_t *desc; /* descsz bytes */
};

/*
 * The note at *off in p[0..len): true, with *off moved past it. False at the end, or when the
 * note does not fit (a cut or damaged area: what follows is not read). The desc of the last
 * note may lack its padding (QEMU and makedumpfile write it so). Every image reader, the
 * VMCOREINFO carver and live mode walk notes with this one rule.
 */
static inline bool ic_note_next(const uint8_t *p, size_t len, size_t *off, struct ic_note *n)
{
	struct ic_rd r = ic_rd_init(p, len);
	size_t npad, dpad, left;

	r.off = *off;
	if (*off > len || ic_rd_left(&r) < 12)
		return false;
	n->at = *off;
	n->namesz = ic_rd_le32(&r);
	n->descsz = ic_rd_le32(&r);
	n->type = ic_rd_le32(&r);
	npad = ((size_t)n->namesz + 3) & ~(size_t)3;
	dpad = ((size_t)n->descsz + 3) & ~(size_t)3;
	left = ic_rd_left(&r);
	if (npad > left || n->descsz > left - npad)
		return false;
	n->name = p + r.off;
	n->desc = p + r.off + npad;
	*off = r.off + npad + (dpad <= left - npad ? dpad : n->descsz);
	return true;
}

/* The note's name is `name`: namesz counts its NUL (the ELF rule, "VMCOREINFO" is 11), or
 * exactly the name's bytes (a producer that leaves the NUL out). */
static inline bool ic_note_is(const struct ic_note *n, const char *name)
{
	size_t l = strlen(name);

	return (n->namesz == l || (n->namesz == l + 1 && n->name[l] == '\0')) &&
	       !memcmp(n->name, name, l);
}

#endif
