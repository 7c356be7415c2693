/* SPDX-License-Identifier: MIT */
/* BTF: our own strict validator, and a read-only model of validated BTF. */
#ifndef ISFCARVE_BTF_H
#define ISFCARVE_BTF_H

#include <stdbool.h>

#include "isfcarve/common.h"

struct ic_btf;

/* Where validation failed: type id (0 = header/strings), byte offset in the blob, and why. */
struct ic_btf_diag {
	uint32_t type_id;
	uint64_t offset;
	char msg[192];
};

/*
 * Cheap check for carvers: does a BTF header start at data (magic 0xeb9f either byte order,
 * version 1, flags 0, hdr_len 24 or 32, sections inside and ordered)? On success *total is the
 * exact blob length (hdr_len + max section end). -EPROTO if not a BTF header, -IC_ETRUNC if
 * avail is too short for the header, -IC_EFORMAT for a broken one.
 */
IC_API int ic_btf__check_header(const uint8_t *data, size_t avail, uint64_t *total);

/* Full strict validation (header, strings, every type record, ids, string offsets).
 * 0 or -IC_EFORMAT/-IC_ETRUNC/-IC_ELIMIT/-IC_EUNSUPP with diag filled (diag may be NULL). */
IC_API int ic_btf__validate(const uint8_t *data, size_t len, struct ic_btf_diag *diag);

/* Validate and build the model over a private copy of data. Caller frees with
 * ic_btf__free() (NULL-safe). Logs the diag through ctx on failure, prefixed with `what`. */
IC_API int ic_btf__new(const struct ic_ctx *ctx, const uint8_t *data, size_t len, const char *what,
		       struct ic_btf **out);
IC_API void ic_btf__free(struct ic_btf *btf);
IC_API uint32_t ic_btf__nr_types(const struct ic_btf *btf); /* excluding void (id 0) */
IC_API size_t ic_btf__size(const struct ic_btf *btf);
IC_API const uint8_t *ic_btf__data(const struct ic_btf *btf);

#endif
