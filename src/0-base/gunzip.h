/* SPDX-License-Identifier: MIT */
/* One bounded gzip inflater for every gzip stream we read (IKCONFIG, /proc/config.gz, bzImage). */
#ifndef ISFCARVE_GUNZIP_H
#define ISFCARVE_GUNZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "ic_limits.h"

/*
 * Inflate the one gzip stream at in[0..n) into a new heap buffer (the caller frees it) of at
 * most max bytes; max is clamped to IC_MAX_GUNZIP_BYTES. Bytes after the end of the stream are
 * ignored (IKCONFIG's "IKCFG_ED", a bzImage's trailer). Returns 0 with the buffer in *out and its
 * length in *out_len, or
 * -IC_ELIMIT (more than max), -IC_EFORMAT (corrupt), -IC_ETRUNC (the input ends inside the
 * stream), -ENOMEM; then *out is NULL and *bad_at (may be NULL) the input offset reached, for
 * the caller's message (the library's callers word it differently, so none is printed here).
 */
IC_HIDDEN int ic_gunzip(const uint8_t *in, size_t n, size_t max, uint8_t **out, size_t *out_len,
			uint64_t *bad_at);

/* As ic_gunzip(), but with stop the first max bytes are all that is wanted: the decoder stops
 * there and returns 0 with them (a stream that goes on is not an error; its CRC is unchecked). */
IC_HIDDEN int ic_gunzip_upto(const uint8_t *in, size_t n, size_t max, bool stop, uint8_t **out,
			     size_t *out_len, uint64_t *bad_at);

#endif
