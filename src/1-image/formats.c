/* SPDX-License-Identifier: MIT */
/* Probe order of container formats: most specific magic first, raw (no magic) last. */
#include "image_internal.h"

extern const struct ic_image_fmt ic_fmt_lime;
extern const struct ic_image_fmt ic_fmt_kcore;
extern const struct ic_image_fmt ic_fmt_elf;
extern const struct ic_image_fmt ic_fmt_kdump;
extern const struct ic_image_fmt ic_fmt_kdump_flat;
extern const struct ic_image_fmt ic_fmt_avml;
extern const struct ic_image_fmt ic_fmt_vmware;
extern const struct ic_image_fmt ic_fmt_raw;

const struct ic_image_fmt *const ic_image_formats[] = {
	&ic_fmt_lime,
	&ic_fmt_kcore, /* before elf: claims only ELF cores shaped like /proc/kcore */
	&ic_fmt_elf,
	&ic_fmt_kdump,
	&ic_fmt_kdump_flat,
	&ic_fmt_avml,
	&ic_fmt_vmware,
	&ic_fmt_raw,
	NULL,
};
