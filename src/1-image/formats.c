/* SPDX-License-Identifier: MIT */
/* Probe order of container formats: most specific magic first, raw (no magic) last. */
#include "image_internal.h"
#include "kcore_live.h"

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

/* The running kernel's /proc/kcore has no mapping to probe (st_size is the address space):
 * image.c opens it with the live reader, reached through here like every other format, so the
 * format files depend on image.c and never the other way round. */
const ic_kcore_live_open_fn ic_image_kcore_live_open = ic_image__open_kcore_live;
