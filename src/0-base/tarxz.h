/* SPDX-License-Identifier: MIT */
/* BTFHub's archives: a tar, xz-compressed, holding one file (<release>.btf). Our own bounded reader. */
#ifndef ISFCARVE_TARXZ_H
#define ISFCARVE_TARXZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "ic_limits.h"

/* The one regular file of an archive: its bytes (malloc'd; free()) and its name inside the tar. */
struct ic_tar_member {
	uint8_t *data;
	size_t len;
	char name[IC_MAX_TAR_NAME + 1];
};

/* Does the buffer start with the xz stream magic (FD 37 7A 58 5A 00)? */
IC_HIDDEN bool ic_tarxz__is_xz(const uint8_t *p, size_t len);

/*
 * Decompress an .xz buffer (at most IC_MAX_TARXZ_BYTES out, decoder memory at most
 * IC_MAX_XZ_DECODER_MEM) and return the single regular file of the tar inside. Directories and
 * pax/GNU long-name headers are read over; anything else (links, devices, a second file) is
 * refused, as are bad header checksums and sizes past the end. Errors are logged as
 * "<what>: offset N: why" (offsets in the decompressed tar) and returned as -IC_EFORMAT,
 * -IC_ETRUNC, -IC_ELIMIT or -ENOMEM; *out is untouched then.
 */
IC_HIDDEN int ic_tarxz__single(const struct ic_ctx *ctx, const uint8_t *xz, size_t len,
			       const char *what, struct ic_tar_member *out);
/* Plain (already decompressed) tar, same rules. */
IC_HIDDEN int ic_tar__single(const struct ic_ctx *ctx, const uint8_t *tar, size_t len,
			     const char *what, struct ic_tar_member *out);

#endif
