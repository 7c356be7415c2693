/* SPDX-License-Identifier: MIT */
/* The running kernel's /proc/kcore read in place: pread, never mmap, never its st_size. */
#ifndef ISFCARVE_KCORE_LIVE_H
#define ISFCARVE_KCORE_LIVE_H

#include "isfcarve/image.h"
#include "0-base/internal.h"

/* Where the kernel image lies: the PT_LOAD (KCORE_TEXT) holding the runtime _text. */
struct ic_kcore_text {
	uint64_t phys;  /* physical address of _text */
	uint64_t len;   /* bytes from _text to the end of that segment (_end) */
	uint64_t vaddr; /* the runtime _text it was asked for */
};

/*
 * Open a live /proc/kcore (or a file of the same shape) as an image of the direct-map RAM
 * segments, every read a bounded pread() at p_offset (live kcore cannot be mmap'd and its
 * st_size is the size of the kernel address space, not of data). Only the ELF header, the
 * program headers and the PT_NOTE are read up front. When lo < hi, only the parts of RAM in
 * [lo, hi) become ranges (the caller scans the kernel image, not all of RAM). runtime_text
 * selects the kernel-image segment described in *text; 0: none wanted (IMAGE mode given the
 * file: all of RAM is scanned and *text stays zero). Errors (-errno from open, -IC_EFORMAT,
 * -IC_ETRUNC, -IC_ENOTFOUND: no segment holds runtime_text) are logged naming path and offset.
 */
IC_HIDDEN int ic_image__open_kcore_live(const struct ic_ctx *ctx, const char *path,
					uint64_t runtime_text, uint64_t lo, uint64_t hi,
					struct ic_kcore_text *text, struct ic_image **out);

#endif
