/* SPDX-License-Identifier: MIT */
/* Image object: read-only mmap, format detection chain, physical range lookup and reads. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "image_internal.h"
#include "kcore_live.h"
#include "0-base/ic_limits.h"
#include "0-base/elfnote.h"
#include "0-base/reader.h"

int ic_image_add_range(struct ic_image *img, uint64_t phys, uint64_t len, uint64_t file_off)
{
	uint64_t end;

	if (!len)
		return 0;
	if (ic_add_ovf(phys, len - 1, &end)) {
		pr_warn(img->ctx, "%s: range at 0x%" PRIx64 " + 0x%" PRIx64 " wraps the address space",
			img->path, phys, len);
		return -IC_EFORMAT;
	}
	if (!img->fmt->read && !ic_in_bounds(file_off, len, img->size)) {
		pr_warn(img->ctx, "%s: range at 0x%" PRIx64 " (file offset 0x%" PRIx64 ", 0x%" PRIx64
			" bytes) runs past the end of the file (0x%" PRIx64 ")",
			img->path, phys, file_off, len, img->size);
		return -IC_ETRUNC;
	}
	if (img->nranges >= IC_MAX_RANGES) {
		pr_warn(img->ctx, "%s: more than IC_MAX_RANGES (%u) ranges", img->path, IC_MAX_RANGES);
		return -IC_ELIMIT;
	}
	if (img->nranges == img->cap) {
		size_t cap = img->cap ? img->cap * 2 : 16;
		struct ic_range *r = ic_reallocarray(img->ranges, cap, sizeof(*r));
		uint64_t *fo;

		if (!r)
			return -ENOMEM;
		img->ranges = r;
		fo = ic_reallocarray(img->file_off, cap, sizeof(*fo));
		if (!fo)
			return -ENOMEM;
		img->file_off = fo;
		img->cap = cap;
	}
	img->ranges[img->nranges].phys = phys;
	img->ranges[img->nranges].len = len;
	img->file_off[img->nranges] = file_off;
	img->nranges++;
	return 0;
}

int ic_image_restrict(struct ic_image *img, const struct ic_range *parts, size_t nparts)
{
	struct ic_range *old = img->ranges;
	uint64_t *old_off = img->file_off;
	size_t n = img->nranges;
	int err = 0;

	/* parts sorted and disjoint, else the image is left as it was */
	for (size_t j = 0; j < nparts; j++)
		if (!parts[j].len || parts[j].phys > UINT64_MAX - parts[j].len ||
		    (j && parts[j].phys < parts[j - 1].phys + parts[j - 1].len))
			return -IC_EFORMAT;
	size_t old_cap = img->cap;
	uint64_t old_bytes = img->bytes;

	img->ranges = NULL;
	img->file_off = NULL;
	img->nranges = img->cap = 0;
	img->bytes = 0;
	for (size_t i = 0; i < n && !err; i++)
		for (size_t j = 0; j < nparts && !err; j++) {
			uint64_t s = old[i].phys, e, ps = parts[j].phys, pe;

			/* a range may end at 2^64 exactly (phys + len - 1 fits): clamp */
			if (ic_add_ovf(s, old[i].len, &e))
				e = UINT64_MAX;
			if (ic_add_ovf(ps, parts[j].len, &pe))
				pe = UINT64_MAX;
			s = s > ps ? s : ps;
			e = e < pe ? e : pe;
			if (s < e)
				err = ic_image_add_range(img, s, e - s, old_off[i] + (s - old[i].phys));
		}
	if (!err)
		err = ic_image_finish_ranges(img);
	if (err) { /* the image as it was */
		free(img->ranges);
		free(img->file_off);
		img->ranges = old;
		img->file_off = old_off;
		img->nranges = n;
		img->cap = old_cap;
		img->bytes = old_bytes;
		return err;
	}
	free(old);
	free(old_off);
	return 0;
}

int ic_image_note_origin(struct ic_image *img, size_t at, uint64_t off, const char *off_kind,
			 const char *what)
{
	struct ic_note_origin *o;

	/* at most one per 12 bytes of IC_MAX_NOTES_BYTES: grown by doubling */
	if (img->norigin == img->origin_cap) {
		size_t cap = img->origin_cap ? img->origin_cap * 2 : 8;

		o = ic_reallocarray(img->origin, cap, sizeof(*o));
		if (!o)
			return -ENOMEM;
		img->origin = o;
		img->origin_cap = cap;
	}
	o = &img->origin[img->norigin++];
	o->at = at;
	o->off = off;
	o->off_kind = off_kind;
	/* every caller passes a short literal; a longer one would be cut, not overrun */
	snprintf(o->what, sizeof(o->what), "%s", what);
	return 0;
}

int ic_image_add_notes(struct ic_image *img, const uint8_t *p, size_t len, const char *what,
		       uint64_t src_off, const char *off_kind)
{
	struct ic_note note;
	size_t off = 0;

	while (ic_note_next(p, len, &off, &note)) {
		/* kept with its desc padded (the last one in the source may lack it) */
		size_t npad = (size_t)ic_align_up(note.namesz, 4);
		size_t total = 12 + npad + (size_t)ic_align_up(note.descsz, 4);
		uint8_t *n;

		if (total > IC_MAX_NOTES_BYTES - img->notes_len)
			return -IC_ELIMIT;
		n = realloc(img->notes, img->notes_len + total);
		if (!n)
			return -ENOMEM;
		memset(n + img->notes_len, 0, total);
		memcpy(n + img->notes_len, p + note.at, 12 + npad + (size_t)note.descsz);
		img->notes = n;
		if (ic_image_note_origin(img, img->notes_len, src_off + note.at, off_kind, what))
			return -ENOMEM;
		img->notes_len += total;
	}
	if (off < len && len - off >= 12)
		pr_debug(img->ctx, "%s: %s: note at %s 0x%" PRIx64 " does not fit (%zu bytes left): "
			 "it and what follows are left out", img->path, what, off_kind,
			 src_off + off, len - off);
	else if (off < len)
		pr_debug(img->ctx, "%s: %s: %zu bytes after the last note left out", img->path, what,
			 len - off);
	return 0;
}

struct range_sort {
	struct ic_range r;
	uint64_t off;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range_sort *x = a, *y = b;

	return x->r.phys < y->r.phys ? -1 : x->r.phys > y->r.phys;
}

int ic_image_finish_ranges(struct ic_image *img)
{
	struct range_sort *tmp;
	bool sorted = true;

	img->bytes = 0;
	for (size_t i = 1; i < img->nranges; i++)
		if (img->ranges[i].phys < img->ranges[i - 1].phys)
			sorted = false;
	if (!sorted) {
		tmp = ic_calloc(img->nranges, sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		for (size_t i = 0; i < img->nranges; i++) {
			tmp[i].r = img->ranges[i];
			tmp[i].off = img->file_off[i];
		}
		qsort(tmp, img->nranges, sizeof(*tmp), cmp_range);
		for (size_t i = 0; i < img->nranges; i++) {
			img->ranges[i] = tmp[i].r;
			img->file_off[i] = tmp[i].off;
		}
		free(tmp);
	}
	for (size_t i = 0; i < img->nranges; i++) {
		if (i && img->ranges[i].phys - img->ranges[i - 1].phys < img->ranges[i - 1].len) {
			pr_warn(img->ctx,
				"%s: offset 0x%" PRIx64 ": range 0x%" PRIx64 "+0x%" PRIx64
				" overlaps range 0x%" PRIx64 "+0x%" PRIx64 " (file offset 0x%" PRIx64 ")",
				img->path, img->file_off[i], img->ranges[i].phys, img->ranges[i].len,
				img->ranges[i - 1].phys, img->ranges[i - 1].len, img->file_off[i - 1]);
			return -IC_EFORMAT;
		}
		img->bytes += img->ranges[i].len;
	}
	return 0;
}

static int image_map(const struct ic_ctx *ctx, const char *path, struct ic_image **out)
{
	struct ic_image *img;
	struct stat st;
	void *map;
	int err;

	*out = NULL;
	img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	img->ctx = ctx;
	img->fd = -1;
	img->path = strdup(path);
	if (!img->path) {
		err = -ENOMEM;
		goto err;
	}
	/* O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever; it is refused
	 * below like any other non-regular file. Reads go through mmap, so the flag costs nothing. */
	img->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (img->fd < 0) {
		err = -errno;
		pr_warn(ctx, "%s: cannot open: %s", path, ic_strerror(err));
		goto err;
	}
	if (fstat(img->fd, &st)) {
		err = -errno;
		goto err;
	}
	if (S_ISDIR(st.st_mode)) {
		pr_warn(ctx, "%s: is a directory, not a memory image", path);
		err = -EISDIR;
		goto err;
	}
	if (!S_ISREG(st.st_mode)) {
		pr_warn(ctx, "%s: not a regular file (device, FIFO or socket); copy the image to a file first",
			path);
		err = -IC_EUNSUPP;
		goto err;
	}
	if (st.st_size <= 0) {
		pr_warn(ctx, "%s: empty file", path);
		err = -IC_ETRUNC;
		goto err;
	}
	img->size = (uint64_t)st.st_size;
	if (img->size > SIZE_MAX) {
		err = -IC_ELIMIT;
		goto err;
	}
	map = mmap(NULL, (size_t)img->size, PROT_READ, MAP_PRIVATE, img->fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		pr_warn(ctx, "%s: mmap failed: %s", path, ic_strerror(err));
		goto err;
	}
	img->map = map;
	/* One forward pass is the common access pattern (scan); read-ahead helps it. */
	(void)madvise(map, (size_t)img->size, MADV_SEQUENTIAL);
	*out = img;
	return 0;
err:
	ic_image__free(img);
	return err;
}

static void reset_ranges(struct ic_image *img)
{
	img->nranges = 0;
	img->bytes = 0;
	free(img->notes);
	img->notes = NULL;
	img->notes_len = 0;
	free(img->origin);
	img->origin = NULL;
	img->norigin = img->origin_cap = 0;
	if (img->fmt && img->fmt->free_priv)
		img->fmt->free_priv(img);
	img->priv = NULL;
	img->fmt = NULL;
}

static int try_format(const struct ic_ctx *ctx, struct ic_image *img, const struct ic_image_fmt *f)
{
	int err;

	img->fmt = f;
	err = f->probe(ctx, img);
	if (!err)
		err = ic_image_finish_ranges(img);
	if (!err && !img->nranges) {
		pr_warn(ctx, "%s: %s image holds no memory ranges", img->path, f->name);
		err = -IC_ENOTFOUND;
	}
	if (err)
		reset_ranges(img);
	return err;
}

/* statfs(2) f_type of procfs (linux/magic.h PROC_SUPER_MAGIC). */
#define IC_PROC_SUPER_MAGIC 0x9fa0

/*
 * The running kernel's /proc/kcore (or any file on procfs) cannot go through image_map(): it
 * has no mmap, and its st_size is the span of the kernel address space (128 TiB and more on
 * x86-64), not a data length. Such a file is read like live mode reads it: pread() of the
 * direct-map segments. procfs is recognised by statfs() (a bind mount or a symlink to
 * /proc/kcore is still procfs); a kcore copy on disk keeps the copy reader (fmt_kcore.c).
 */
static bool on_procfs(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == IC_PROC_SUPER_MAGIC;
}

static int open_live_kcore(const struct ic_ctx *ctx, const char *path, struct ic_image **out)
{
	struct ic_kcore_text text;
	int fd, err;

	/* The live opener keeps "absent or root-only" quiet (live mode then names what else would
	 * do); here the file was named by the user, so its failure is the error line. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		pr_warn(ctx, "%s: cannot open: %s%s", path, ic_strerror(err),
			err == -EACCES || err == -EPERM ? " (/proc/kcore is readable by root only)" : "");
		return err;
	}
	close(fd);
	err = ic_image_kcore_live_open(ctx, path, 0, 0, 0, &text, out);
	if (!err)
		pr_info(ctx, "%s: kcore image (read in place with pread), %zu ranges, %" PRIu64 " bytes",
			path, (*out)->nranges, (*out)->bytes);
	return err;
}

int ic_image__open_as(const struct ic_ctx *ctx, const char *path, const char *format,
		      struct ic_image **out)
{
	struct ic_image *img;
	int err;

	*out = NULL;
	if (format && !strcmp(format, IC_IMAGE_FORMAT_KCORE_LIVE))
		return open_live_kcore(ctx, path, out);
	if ((!format || !strcmp(format, "kcore")) && on_procfs(path)) {
		pr_info(ctx, "%s: a procfs file: read as the running kernel's /proc/kcore", path);
		return open_live_kcore(ctx, path, out);
	}
	if (format) {
		size_t i;

		for (i = 0; ic_image_formats[i]; i++)
			if (!strcmp(format, ic_image_formats[i]->name))
				break;
		if (!ic_image_formats[i]) {
			char names[256];
			size_t n = 0;

			/* The valid names in the message: the user's next try should be right. */
			names[0] = '\0';
			for (i = 0; ic_image_formats[i] && n < sizeof(names); i++)
				n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
						      ic_image_formats[i]->name);
			pr_warn(ctx, "%s: unknown image format '%s' (formats: %s)", path, format, names);
			return -IC_EUNSUPP;
		}
	}
	err = image_map(ctx, path, &img);
	if (err)
		return err;
	err = -EPROTO;
	for (size_t i = 0; ic_image_formats[i]; i++) {
		const struct ic_image_fmt *f = ic_image_formats[i];

		if (format && strcmp(format, f->name))
			continue;
		err = try_format(ctx, img, f);
		if (err != -EPROTO)
			break;
		pr_debug(ctx, "%s: not %s", path, f->name);
	}
	if (err == -EPROTO) {
		if (format)
			pr_warn(ctx, "%s: not a %s image", path, format);
		err = format ? -IC_EFORMAT : -IC_EUNSUPP;
	}
	if (err) {
		ic_image__free(img);
		return err;
	}
	pr_info(ctx, "%s: %s image, %zu ranges, %" PRIu64 " bytes", path, img->fmt->name,
		img->nranges, img->bytes);
	*out = img;
	return 0;
}

int ic_image__open(const struct ic_ctx *ctx, const char *path, struct ic_image **out)
{
	return ic_image__open_as(ctx, path, NULL, out);
}

void ic_image__free(struct ic_image *img)
{
	if (!img)
		return;
	reset_ranges(img);
	free(img->ranges);
	free(img->file_off);
	if (img->map)
		munmap((void *)img->map, (size_t)img->size);
	if (img->fd >= 0)
		close(img->fd);
	free(img->path);
	free(img);
}

const char *ic_image__path(const struct ic_image *img) { return img->path; }
const char *ic_image__format(const struct ic_image *img) { return img->fmt ? img->fmt->name : "none"; }
size_t ic_image__nranges(const struct ic_image *img) { return img->nranges; }
const struct ic_range *ic_image__ranges(const struct ic_image *img) { return img->ranges; }
uint64_t ic_image__bytes(const struct ic_image *img) { return img->bytes; }
uint64_t ic_image__file_size(const struct ic_image *img) { return img->size; }

int ic_image__notes(const struct ic_image *img, const uint8_t **p, size_t *len)
{
	*p = img->notes;
	*len = img->notes_len;
	return 0;
}

void ic_image__note_where(const struct ic_image *img, size_t at, char *out, size_t out_sz)
{
	size_t lo = 0, hi = img->norigin;

	/* the last origin at or before at (notes are appended in order: ascending) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (img->origin[mid].at <= at)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo) {
		snprintf(out, out_sz, "notes offset 0x%zx", at);
		return;
	}
	snprintf(out, out_sz, "%s 0x%" PRIx64 " (%s)", img->origin[lo - 1].off_kind,
		 img->origin[lo - 1].off + (at - img->origin[lo - 1].at), img->origin[lo - 1].what);
}

/* Index of the range containing phys, or -1. */
static ptrdiff_t find_range(const struct ic_image *img, uint64_t phys)
{
	size_t lo = 0, hi = img->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ic_range *r = &img->ranges[mid];

		if (phys < r->phys)
			hi = mid;
		else if (phys - r->phys >= r->len)
			lo = mid + 1;
		else
			return (ptrdiff_t)mid;
	}
	return -1;
}

bool ic_image__run(const struct ic_image *img, uint64_t phys, uint64_t back, uint64_t fwd,
		   struct ic_range *run)
{
	const struct ic_range *r = img->ranges;
	ptrdiff_t i = find_range(img, phys);
	uint64_t want_lo = phys > back ? phys - back : 0;
	uint64_t want_hi = UINT64_MAX - phys > fwd ? phys + fwd : UINT64_MAX;
	size_t a, b;

	if (i < 0)
		return false;
	a = b = (size_t)i;
	while (a > 0 && r[a].phys > want_lo && r[a - 1].phys + r[a - 1].len == r[a].phys)
		a--;
	while (b + 1 < img->nranges && r[b].phys + r[b].len < want_hi &&
	       r[b].phys + r[b].len == r[b + 1].phys)
		b++;
	run->phys = r[a].phys;
	run->len = r[b].phys + r[b].len - r[a].phys;
	return true;
}

const uint8_t *ic_image__ptr(const struct ic_image *img, uint64_t phys, size_t len)
{
	ptrdiff_t i;
	uint64_t off;

	if (img->fmt->read)
		return NULL;
	i = find_range(img, phys);
	if (i < 0)
		return NULL;
	off = phys - img->ranges[i].phys;
	if (len > img->ranges[i].len - off)
		return NULL;
	/* file_off + off + len <= size was established when the range was added. */
	return img->map + img->file_off[i] + off;
}

static int read_impl(const struct ic_image *img, uint64_t phys, void *buf, size_t len, bool stream)
{
	uint8_t *dst = buf;
	int (*rd)(const struct ic_image *, size_t, uint64_t, void *, size_t) =
		stream && img->fmt->read_stream ? img->fmt->read_stream : img->fmt->read;

	while (len) {
		ptrdiff_t i = find_range(img, phys);
		uint64_t off, take;
		int err;

		if (i < 0)
			return -IC_ENOTFOUND;
		off = phys - img->ranges[i].phys;
		take = img->ranges[i].len - off;
		if (take > len)
			take = len;
		if (rd) {
			err = rd(img, (size_t)i, off, dst, (size_t)take);
			if (err)
				return err;
		} else {
			memcpy(dst, img->map + img->file_off[i] + off, (size_t)take);
		}
		dst += take;
		len -= (size_t)take;
		if (len && ic_add_ovf(phys, take, &phys))
			return -IC_ENOTFOUND;
	}
	return 0;
}

int ic_image__read(const struct ic_image *img, uint64_t phys, void *buf, size_t len)
{
	return read_impl(img, phys, buf, len, false);
}

int ic_image__read_u64(const struct ic_image *img, uint64_t phys, uint64_t *v)
{
	uint8_t raw[8];
	int err = ic_image__read(img, phys, raw, sizeof(raw));

	if (!err)
		*v = ic_get_le64(raw);
	return err;
}

int ic_image__read_stream(const struct ic_image *img, uint64_t phys, void *buf, size_t len)
{
	return read_impl(img, phys, buf, len, true);
}

/* Pieces of the decoded compares below: mostly whole compression units, which the compressed
 * readers decode straight into the buffer (no page-cache copy). */
#define EQ_PIECE (1u << 20)

/* The len bytes at phys equal data? piece: EQ_PIECE bytes of scratch for unmapped formats. */
static bool equals_with(const struct ic_image *img, uint64_t phys, const uint8_t *data,
			size_t len, uint8_t *piece)
{
	const uint8_t *m = ic_image__ptr(img, phys, len);

	if (m)
		return !memcmp(m, data, len);
	for (size_t off = 0; off < len; off += EQ_PIECE) {
		size_t n = len - off < EQ_PIECE ? len - off : EQ_PIECE;

		if (ic_image__read(img, phys + off, piece, n) || memcmp(piece, data + off, n))
			return false;
	}
	return true;
}

bool ic_image__equals(const struct ic_image *img, uint64_t phys, const uint8_t *data, size_t len)
{
	uint8_t *piece = NULL;
	bool eq;

	if (!ic_image__ptr(img, phys, len) && !(piece = malloc(EQ_PIECE)))
		return false;
	eq = equals_with(img, phys, data, len, piece);
	free(piece);
	return eq;
}

bool ic_image__same(const struct ic_image *img, uint64_t a, uint64_t b, uint64_t len)
{
	uint8_t *pa;
	bool eq = true;

	if (len > SIZE_MAX)
		return false;
	if (!img->fmt->read) {
		const uint8_t *ma = ic_image__ptr(img, a, (size_t)len), *mb = ic_image__ptr(img, b, (size_t)len);

		return ma && mb && !memcmp(ma, mb, (size_t)len);
	}
	if (img->fmt->same && img->fmt->same(img, a, b, len) == 1)
		return true;
	/* Not provable from the stored units (copies at offsets that differ by other than a
	 * multiple of the compression unit): compare the decoded bytes, piece by piece. Still far
	 * cheaper than what callers would redo (a kallsyms decode, a BTF validation and hash). */
	pa = malloc(2 * (size_t)EQ_PIECE);
	if (!pa)
		return false;
	for (uint64_t done = 0; eq && done < len;) {
		size_t n = len - done < EQ_PIECE ? (size_t)(len - done) : EQ_PIECE;

		eq = !ic_image__read(img, a + done, pa, n) &&
		     equals_with(img, b + done, pa, n, pa + EQ_PIECE);
		done += n;
	}
	free(pa);
	return eq;
}

const uint8_t *ic_image__view(const struct ic_image *img, uint64_t phys, size_t len, void *scratch)
{
	const uint8_t *p = ic_image__ptr(img, phys, len);

	if (p)
		return p;
	return ic_image__read(img, phys, scratch, len) ? NULL : scratch;
}
