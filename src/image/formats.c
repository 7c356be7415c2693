/* SPDX-License-Identifier: MIT */
/* Probe order of container formats: most specific magic first, raw (no magic) last. */
#include "image_internal.h"

extern const struct ic_image_fmt ic_fmt_lime;
extern const struct ic_image_fmt ic_fmt_elf;
extern const struct ic_image_fmt ic_fmt_raw;

const struct ic_image_fmt *const ic_image_formats[] = {
	&ic_fmt_lime,
	&ic_fmt_elf,
	&ic_fmt_raw,
	NULL,
};
