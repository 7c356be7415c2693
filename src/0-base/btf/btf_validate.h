/* SPDX-License-Identifier: MIT */
/* Validator internals shared with the model builder. */
#ifndef ISFCARVE_BTF_VALIDATE_H
#define ISFCARVE_BTF_VALIDATE_H

#include "isfcarve/btf.h"
#include "0-base/internal.h"

struct ic_btf_hdr {
	bool be;
	uint32_t hdr_len, type_off, type_len, str_off, str_len, layout_off, layout_len;
	uint64_t total;
};

IC_HIDDEN int ic_btf_parse_header(const uint8_t *data, size_t avail, struct ic_btf_hdr *h,
				  struct ic_btf_diag *diag);
/* Full validation; on success optionally returns the header and the malloc'd per-id byte
 * offsets of records within the type section (index 1..nr). */
IC_HIDDEN int ic_btf_validate_full(const uint8_t *data, size_t len, struct ic_btf_diag *diag,
				   struct ic_btf_hdr *hdr_out, uint32_t **off_out);

#endif
