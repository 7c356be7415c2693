/* SPDX-License-Identifier: MIT */
/* In-memory image: physical ranges over a caller's buffer (tests, fuzzers, embedders). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"
#include "0-base/reader.h"

struct mem_priv {
	const uint8_t *buf;
	uint64_t size;
};

/* Ranges of this format are not file bytes of a mapping we own, so reads go through here;
 * ic_image_add_range() kept each range's buffer offset in file_off. */
static int mem_read(const struct ic_image *img, size_t ri, uint64_t off, void *buf, size_t len)
{
	const struct mem_priv *mp = img->priv;
	uint64_t at;

	if (ic_add_ovf(img->file_off[ri], off, &at) || !ic_in_bounds(at, len, mp->size))
		return -IC_ETRUNC;
	memcpy(buf, mp->buf + at, len);
	return 0;
}

static void mem_free_priv(struct ic_image *img)
{
	free(img->priv);
}

static int mem_probe(const struct ic_ctx *ctx, struct ic_image *img)
{
	(void)ctx;
	(void)img;
	return -EPROTO; /* never detected from a file; only ic_image__open_mem() uses it */
}

static const struct ic_image_fmt ic_fmt_mem = {
	.name = "mem",
	.probe = mem_probe,
	.read = mem_read,
	.free_priv = mem_free_priv,
};

int ic_image__open_mem(const struct ic_ctx *ctx, const char *name, const void *buf, size_t size,
		       const struct ic_range *ranges, const uint64_t *offs, size_t n,
		       struct ic_image **out)
{
	struct ic_image *img;
	struct mem_priv *mp;
	int err = 0;

	*out = NULL;
	if (!buf && size)
		return -EINVAL;
	img = calloc(1, sizeof(*img));
	mp = calloc(1, sizeof(*mp));
	if (!img || !mp) {
		free(img);
		free(mp);
		return -ENOMEM;
	}
	img->ctx = ctx;
	img->fd = -1;
	img->size = size;
	img->fmt = &ic_fmt_mem;
	mp->buf = buf;
	mp->size = size;
	img->priv = mp;
	img->path = strdup(name ? name : "<memory>");
	if (!img->path) {
		err = -ENOMEM;
		goto out;
	}
	if (!ranges) {
		err = ic_image_add_range(img, 0, size, 0);
	} else {
		for (size_t i = 0; i < n && !err; i++) {
			if (!ic_in_bounds(offs[i], ranges[i].len, size)) {
				pr_warn(ctx, "%s: range %zu at 0x%" PRIx64 " lies outside the buffer",
					img->path, i, ranges[i].phys);
				err = -IC_ETRUNC;
				break;
			}
			err = ic_image_add_range(img, ranges[i].phys, ranges[i].len, offs[i]);
		}
	}
	if (!err)
		err = ic_image_finish_ranges(img);
	if (!err && !img->nranges)
		err = -IC_ENOTFOUND;
out:
	if (err) {
		ic_image__free(img);
		return err;
	}
	*out = img;
	return 0;
}
