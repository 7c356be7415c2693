/* SPDX-License-Identifier: MIT */
/* The image object and the interface each container format implements. */
#ifndef ISFCARVE_IMAGE_INTERNAL_H
#define ISFCARVE_IMAGE_INTERNAL_H

#include "isfcarve/image.h"
#include "0-base/internal.h"

struct ic_image;

/*
 * One container format. probe() inspects img->map/img->size (the whole file, read-only) and
 * either returns -EPROTO ("definitely not mine", the detector tries the next format), or claims
 * the file: it adds ranges with ic_image_add_range() and returns 0, or returns another negative
 * error ("mine but broken": detection stops and the error is reported). A probe must log the
 * file offset of what it rejects (pr_warn for broken, pr_debug for not-mine).
 *
 * read() is for formats whose ranges are not plain file bytes (compressed): copy len bytes at
 * byte off of range ri into buf. NULL means range i is the file bytes at file_off[i].
 * read_stream() (optional, compressed formats) is read() for the scanner's one pass: whole units
 * are decoded straight into buf and not kept in the format's cache, since the pass never comes
 * back to them; read() keeps them, for the carvers' repeated reads. NULL: read() serves both.
 */
struct ic_image_fmt {
	const char *name;
	int (*probe)(const struct ic_ctx *ctx, struct ic_image *img);
	int (*read)(const struct ic_image *img, size_t ri, uint64_t off, void *buf, size_t len);
	int (*read_stream)(const struct ic_image *img, size_t ri, uint64_t off, void *buf, size_t len);
	/* Optional (compressed formats): 1 when the len bytes at phys a and at phys b are provably
	 * equal from their stored (compressed) form alone, without decoding: same unit alignment,
	 * byte-identical compressed units. 0 when that cannot be shown (not: "they differ"). */
	int (*same)(const struct ic_image *img, uint64_t a, uint64_t b, uint64_t len);
	void (*free_priv)(struct ic_image *img);
};

struct ic_image {
	const struct ic_ctx *ctx;
	char *path;
	int fd;
	const uint8_t *map;
	uint64_t size;
	const struct ic_image_fmt *fmt;
	struct ic_range *ranges;
	uint64_t *file_off; /* parallel to ranges; meaningful only when fmt->read == NULL */
	size_t nranges, cap;
	uint64_t bytes;
	uint8_t *notes;     /* owned copy of PT_NOTE bytes (ELF); NULL if none */
	size_t notes_len;
	/* Where each note of notes[] came from (notes are re-laid whole and padded, so an offset
	 * in notes[] is neither a file offset nor one in the source's note area): ascending at. */
	struct ic_note_origin *origin;
	size_t norigin, origin_cap;
	void *priv;         /* format-private state, freed by fmt->free_priv */
};

struct ic_note_origin {
	size_t at;            /* offset of the note in img->notes */
	uint64_t off;         /* ... and of its header in the file (or the flattened dump) */
	const char *off_kind; /* "offset", or "logical offset" (a flattened kdump): a literal */
	char what[32];        /* "PT_NOTE 3", "kdump sub-header VMCOREINFO" ... (the longest) */
};

/* Append the ELF notes in p[0, len) (a PT_NOTE segment, a kdump note area) to img->notes, each
 * whole and 4-byte padded; a note that does not fit, and whatever follows it, is left out (said
 * at debug level). So img->notes is a list any note walk reads to its end, whatever padding or
 * garbage the source had between or after its notes. p[0] is at src_off of the file (off_kind:
 * "offset", or "logical offset" in a flattened kdump, a literal): each note's origin is
 * recorded for messages (ic_image__note_where()). 0, -IC_ELIMIT past IC_MAX_NOTES_BYTES,
 * -ENOMEM. */
IC_HIDDEN int ic_image_add_notes(struct ic_image *img, const uint8_t *p, size_t len, const char *what,
				 uint64_t src_off, const char *off_kind);

/* Record that the note appended at img->notes[at] came from off_kind off (what). 0, -ENOMEM. */
IC_HIDDEN int ic_image_note_origin(struct ic_image *img, size_t at, uint64_t off,
				   const char *off_kind, const char *what);

/* Add one range while probing. Ranges may arrive unsorted; ic_image_finish_ranges() sorts them
 * and rejects overlaps. -IC_ELIMIT past IC_MAX_RANGES, -ENOMEM. Zero-length ranges are ignored. */
IC_HIDDEN int ic_image_add_range(struct ic_image *img, uint64_t phys, uint64_t len, uint64_t file_off);
/* Keep only what of the ranges lies in parts[] (file offsets follow): the live readers' kernel
 * image window without its freed init memory. 0; else the image is left as it was: -ENOMEM,
 * -IC_EFORMAT for parts not sorted, empty, wrapping or overlapping. */
IC_HIDDEN int ic_image_restrict(struct ic_image *img, const struct ic_range *parts, size_t nparts);
/* Sort, merge nothing, reject overlapping ranges (-IC_EFORMAT, logged with both addresses). */
IC_HIDDEN int ic_image_finish_ranges(struct ic_image *img);

/* ic_image__read() for a one-pass sequential reader (the scanner): same result, but a compressed
 * format does not keep what it decodes for it in its cache (see read_stream above). */
IC_HIDDEN int ic_image__read_stream(const struct ic_image *img, uint64_t phys, void *buf, size_t len);

/* Are the len bytes at phys a and at phys b equal? Mapped formats compare the bytes; compressed
 * ones compare stored units (fmt->same, no decoding) and, when that proves nothing, the decoded
 * bytes. false: different or absent. For callers that would otherwise redo costly work on a
 * second copy of something they already have (identical kernel copies in one image). */
IC_HIDDEN bool ic_image__same(const struct ic_image *img, uint64_t a, uint64_t b, uint64_t len);
/* Are the len bytes at phys equal to data? Mapped formats compare in place; the others decode a
 * piece at a time into a small buffer (no len-sized one). false: different or absent. */
IC_HIDDEN bool ic_image__equals(const struct ic_image *img, uint64_t phys, const uint8_t *data,
				size_t len);

/* NULL-terminated, in probe order; raw is last and always claims a non-empty file. */
IC_HIDDEN extern const struct ic_image_fmt *const ic_image_formats[];
struct ic_kcore_text;
typedef int (*ic_kcore_live_open_fn)(const struct ic_ctx *ctx, const char *path,
				     uint64_t runtime_text, uint64_t lo, uint64_t hi,
				     struct ic_kcore_text *text, struct ic_image **out);
/* ic_image__open_kcore_live (kcore_live.h), for image.c's procfs path. */
IC_HIDDEN extern const ic_kcore_live_open_fn ic_image_kcore_live_open;

#endif
