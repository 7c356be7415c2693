/* SPDX-License-Identifier: MIT */
/* Raw memory image: file offset = physical address, one range covering the file. */
#include "image_internal.h"

static int raw_probe(const struct ic_ctx *ctx, struct ic_image *img)
{
	(void)ctx;
	return ic_image_add_range(img, 0, img->size, 0);
}

const struct ic_image_fmt ic_fmt_raw = {
	.name = "raw",
	.probe = raw_probe,
};
