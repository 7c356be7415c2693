/* SPDX-License-Identifier: MIT */
/* Bounded, thread-safe cache of decompressed units (pages, snappy chunks) of a compressed image. */
#ifndef ISFCARVE_PAGECACHE_H
#define ISFCARVE_PAGECACHE_H

#include "0-base/internal.h"

struct ic_pagecache;

/* Decode unit key into buf (unit bytes). 0 or a negative error (logged by the callee). */
typedef int (*ic_pagecache_fill_fn)(void *arg, uint64_t key, uint8_t *buf);

/* A cache of units of `unit` bytes using at most `budget` bytes of unit storage.
 * Caller frees with ic_pagecache_free() (NULL-safe). NULL + errno on failure. */
IC_HIDDEN struct ic_pagecache *ic_pagecache_new(size_t unit, size_t budget);
IC_HIDDEN void ic_pagecache_free(struct ic_pagecache *pc);

/* Copy len bytes at off of unit key into dst (off + len <= unit), decoding it with fill on a miss.
 * Safe to call from several threads at once; fill runs outside any lock. */
IC_HIDDEN int ic_pagecache_read(struct ic_pagecache *pc, uint64_t key, size_t off, void *dst,
				size_t len, ic_pagecache_fill_fn fill, void *arg);

/* Copy len bytes at off of unit key into dst if the unit is cached: 0, or -ENOENT (nothing
 * decoded). For the scan's pass, which decodes straight into its buffer on a miss. */
IC_HIDDEN int ic_pagecache_peek(struct ic_pagecache *pc, uint64_t key, size_t off, void *dst,
				size_t len);

#endif
