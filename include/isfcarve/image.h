/* SPDX-License-Identifier: MIT */
/* A memory image as a set of physical ranges, whatever the container (LiME, ELF core, raw ...). */
#ifndef ISFCARVE_IMAGE_H
#define ISFCARVE_IMAGE_H

#include <stdbool.h>

#include "isfcarve/common.h"

struct ic_image;

/* One run of physical memory present in the image. Ranges are sorted by phys and never
 * overlap; gaps between them are holes (absent, not zero). */
struct ic_range {
	uint64_t phys;
	uint64_t len;
};

/* Open path read-only and detect its format by probing (see src/1-image/formats.c for the order).
 * On success *out owns the mapping; caller frees with ic_image__free() (NULL-safe).
 * Errors: -errno for open/mmap, -IC_EFORMAT/-IC_ETRUNC/-IC_ELIMIT for a broken container.
 * Inputs must not be truncated while open: the library does not trap the SIGBUS that follows
 * (the isfcarve CLI does, src/cli/supervise.c). */
IC_API int ic_image__open(const struct ic_ctx *ctx, const char *path, struct ic_image **out);
/* Same, forcing one format by name ("raw", "lime", "elf", ...); -IC_EUNSUPP if unknown.
 * A file on procfs (the running kernel's /proc/kcore) is read in place with pread() whatever
 * its st_size, when format is NULL or "kcore"; IC_IMAGE_FORMAT_KCORE_LIVE reads any file so
 * (a kcore-shaped copy standing in for /proc/kcore in tests). */
#define IC_IMAGE_FORMAT_KCORE_LIVE "kcore-live"
IC_API int ic_image__open_as(const struct ic_ctx *ctx, const char *path, const char *format,
			     struct ic_image **out);
IC_API void ic_image__free(struct ic_image *img);
/* An image over caller memory (format "mem"): buf must outlive the image and is never written.
 * ranges == NULL: one range [0, size) (a raw image); else n ranges, range i held at buf + offs[i].
 * Reads copy (ic_image__ptr() returns NULL). Caller frees with ic_image__free(). Errors as
 * ic_image__open() (-IC_ETRUNC: a range outside buf, -IC_EFORMAT: overlapping ranges). */
IC_API int ic_image__open_mem(const struct ic_ctx *ctx, const char *name, const void *buf, size_t size,
			      const struct ic_range *ranges, const uint64_t *offs, size_t n,
			      struct ic_image **out);

IC_API const char *ic_image__path(const struct ic_image *img);
IC_API const char *ic_image__format(const struct ic_image *img);
IC_API size_t ic_image__nranges(const struct ic_image *img);
IC_API const struct ic_range *ic_image__ranges(const struct ic_image *img);
/* Sum of all range lengths. */
IC_API uint64_t ic_image__bytes(const struct ic_image *img);
/* Size of the container file. */
IC_API uint64_t ic_image__file_size(const struct ic_image *img);

/* The physically contiguous memory around phys as one range: the range holding phys joined with
 * its adjacent neighbours, whole, until past [phys - back, phys + fwd) (so the walk is bounded
 * however finely a format cuts memory: AVML one range per 16 MiB block, ELF one per segment).
 * false when phys is absent. */
IC_API bool ic_image__run(const struct ic_image *img, uint64_t phys, uint64_t back, uint64_t fwd,
			  struct ic_range *run);

/* Zero-copy view of [phys, phys+len) when it lies inside one range of a mappable format;
 * NULL otherwise (hole, crosses a range end, or a compressed format). */
IC_API const uint8_t *ic_image__ptr(const struct ic_image *img, uint64_t phys, size_t len);

/* Copy [phys, phys+len) into buf, across range boundaries.
 * 0, or -IC_ENOTFOUND if any byte falls into a hole (buf content then undefined). */
IC_API int ic_image__read(const struct ic_image *img, uint64_t phys, void *buf, size_t len);
/* One little-endian u64 at phys (ic_image__read's errors). */
IC_API int ic_image__read_u64(const struct ic_image *img, uint64_t phys, uint64_t *v);

/* View of [phys, phys+len): direct pointer when possible, else copied into scratch
 * (which must hold len bytes). NULL if any byte is absent. */
IC_API const uint8_t *ic_image__view(const struct ic_image *img, uint64_t phys, size_t len,
				     void *scratch);

/* Container-level ELF notes (PT_NOTE contents, concatenated as in the file), if any.
 * Returns 0 and sets *p and *len (len 0 = none). */
IC_API int ic_image__notes(const struct ic_image *img, const uint8_t **p, size_t *len);

/* Where the note at offset at of the ic_image__notes() bytes came from, for messages: "offset
 * 0x1c8 (PT_NOTE 0)", "logical offset 0x4000 (kdump note area)" (a flattened kdump), or
 * "notes offset 0x..." when not recorded. */
IC_API void ic_image__note_where(const struct ic_image *img, size_t at, char *out, size_t out_sz);

#endif
