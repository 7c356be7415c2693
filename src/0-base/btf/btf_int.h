/* SPDX-License-Identifier: MIT */
/* Private layout of the BTF model: a validated copy normalised to host byte order. */
#ifndef ISFCARVE_BTF_INT_H
#define ISFCARVE_BTF_INT_H

#include "isfcarve/btf.h"
#include "0-base/internal.h"

struct ic_btf {
	uint8_t *data;        /* private copy, or the caller's bytes if !owned; type section
			       * words in host order */
	bool owned;           /* data is ours to free */
	size_t len;
	uint32_t hdr_len;
	const uint32_t *types; /* start of the type section (4-aligned in our copy) */
	const char *strs;
	uint32_t str_len;
	uint32_t nr;           /* types excluding void */
	uint32_t *off;         /* off[id] = word index of record id in types (id >= 1) */
	bool big_endian;       /* the original blob's byte order */
	unsigned ptr_size;     /* 8 or 4, from the "long" INT types; 0 if unknown */
};

#endif
