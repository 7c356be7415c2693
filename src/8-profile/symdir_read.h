/* SPDX-License-Identifier: MIT */
/* The reuse check's one read of a stored profile (src/8-profile/symdir.c, used by profile.c). */
#ifndef ISFCARVE_SYMDIR_READ_H
#define ISFCARVE_SYMDIR_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "0-base/internal.h"

struct ic_symdir_stored_keys {
	/* metadata.producer.<keys[k]> into outs[k] (sizes[k] bytes): errs[k] as
	 * ic_symdir__read_producer() returns (0, -IC_ENOTFOUND, -ENOSPC, the file's error) */
	const char *const *keys;
	size_t nkeys; /* at most 8 */
	char *const *outs;
	const size_t *sizes;
	/* symbols.<names[i]>.address into addrs[i], have[i]; errs[nkeys] as
	 * ic_symdir__read_addrs() returns */
	const char *const *names;
	size_t nnames;
	uint64_t *addrs;
	bool *have;
	int *errs; /* nkeys + 1 */
};

/*
 * ic_symdir__read_producer() for each key and ic_symdir__read_addrs() for the names, in one
 * decode of path (each read alone decodes the whole file: 0.12 s for a 14.8 MB ISF). The file's
 * own errors (cut short, bytes after the stream ...) are in every errs[]. 0, -ENOMEM, -EINVAL.
 */
IC_HIDDEN int ic_symdir__read_stored(const struct ic_ctx *ctx, const char *path,
				     const struct ic_symdir_stored_keys *q);

#endif
