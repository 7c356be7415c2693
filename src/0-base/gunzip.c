/* SPDX-License-Identifier: MIT */
/* Bounded gzip inflate into a growing heap buffer (the one copy; see gunzip.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gunzip.h"

/* zlib counts in uInt: inputs and output windows over 4 GiB are fed in pieces of this. */
#define ZCHUNK ((size_t)UINT32_MAX)

int ic_gunzip(const uint8_t *in, size_t n, size_t max, uint8_t **out, size_t *out_len,
	      uint64_t *bad_at)
{
	return ic_gunzip_upto(in, n, max, false, out, out_len, bad_at);
}

int ic_gunzip_upto(const uint8_t *in, size_t n, size_t max, bool stop, uint8_t **out,
		   size_t *out_len, uint64_t *bad_at)
{
	z_stream zs;
	uint8_t *buf = NULL;
	size_t cap = 0, used = 0, fed = 0;
	uInt win;
	int zr, err = 0;

	*out = NULL;
	*out_len = 0;
	if (max > IC_MAX_GUNZIP_BYTES)
		max = IC_MAX_GUNZIP_BYTES;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	for (;;) {
		if (used == cap) {
			/* Start at 256 KiB (a .config is ~250 KiB), then double up to max. */
			size_t first = max < (256u << 10) ? max : 256u << 10;
			size_t ncap = cap ? (cap > max / 2 ? max : cap * 2) : first;
			uint8_t *nb;

			if (ncap <= cap || !ncap) {
				if (!stop || !ncap)
					err = -IC_ELIMIT; /* else the first max bytes were wanted */
				break;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		if (!zs.avail_in && fed < n) {
			zs.next_in = (Bytef *)(uintptr_t)(in + fed);
			zs.avail_in = (uInt)(n - fed > ZCHUNK ? ZCHUNK : n - fed);
			fed += zs.avail_in;
		}
		zs.next_out = buf + used;
		win = (uInt)(cap - used > ZCHUNK ? ZCHUNK : cap - used);
		zs.avail_out = win;
		zr = inflate(&zs, Z_NO_FLUSH);
		used += win - zs.avail_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_MEM_ERROR) {
			err = -ENOMEM;
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			err = -IC_EFORMAT;
			break;
		}
		/* No progress possible: the input is used up with room left for output. */
		if (zr == Z_BUF_ERROR && zs.avail_out && !zs.avail_in && fed == n) {
			err = -IC_ETRUNC;
			break;
		}
	}
	if (bad_at)
		*bad_at = (uint64_t)(fed - zs.avail_in);
	inflateEnd(&zs);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*out_len = used;
	return 0;
}
