/* SPDX-License-Identifier: MIT */
/* The one bounded gzip inflater (src/0-base/gunzip.c): round trip, trailing bytes, ceiling, damage. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ic_test.h"
#include "0-base/gunzip.h"

/* gzip-compress src into a new buffer (deflateInit2 with 16 + window bits = gzip wrapper). */
static uint8_t *gz(const uint8_t *src, size_t n, size_t *out_len)
{
	z_stream zs;
	size_t cap = n + n / 8 + 1024;
	uint8_t *out = malloc(cap);

	memset(&zs, 0, sizeof(zs));
	if (!out || deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = (Bytef *)(uintptr_t)src;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

int main(void)
{
	/* 1 MiB of a not-too-regular pattern: forces the buffer to grow from 256 KiB four times. */
	size_t n = 1u << 20, zl, got;
	uint8_t *src = malloc(n), *z, *out, *withtail;
	uint64_t at;
	int err;

	for (size_t i = 0; i < n; i++)
		src[i] = (uint8_t)((i * 2654435761u) >> 13 ^ i / 977);
	z = gz(src, n, &zl);

	err = ic_gunzip(z, zl, n, &out, &got, &at);
	IC_CHECK(err == 0 && got == n && !memcmp(out, src, n), "round trip: err %d, %zu bytes", err, got);
	free(out);

	/* Bytes after the stream (IKCFG_ED, a bzImage trailer) are not part of it. */
	withtail = malloc(zl + 8);
	memcpy(withtail, z, zl);
	memcpy(withtail + zl, "IKCFG_ED", 8);
	err = ic_gunzip(withtail, zl + 8, IC_MAX_CONFIG_BYTES, &out, &got, NULL);
	IC_CHECK(err == 0 && got == n && !memcmp(out, src, n), "trailing bytes: err %d, %zu bytes", err,
		 got);
	free(out);

	/* One byte under the real size: the ceiling, not a partial buffer. */
	out = (uint8_t *)1;
	err = ic_gunzip(z, zl, n - 1, &out, &got, NULL);
	IC_CHECK(err == -IC_ELIMIT && !out && !got, "ceiling n-1: err %d", err);
	/* Exactly the real size is enough. */
	err = ic_gunzip(z, zl, n, &out, &got, NULL);
	IC_CHECK(err == 0 && got == n, "ceiling n: err %d", err);
	free(out);
	/* A ceiling of 0 inflates nothing. */
	err = ic_gunzip(z, zl, 0, &out, &got, NULL);
	IC_CHECK(err == -IC_ELIMIT && !out, "ceiling 0: err %d", err);

	/* Cut in the middle: truncated, with the offset reached = everything given. */
	err = ic_gunzip(z, zl / 2, n, &out, &got, &at);
	IC_CHECK(err == -IC_ETRUNC && !out && at == zl / 2, "cut: err %d at %llu", err,
		 (unsigned long long)at);
	/* Only the 10-byte header. */
	err = ic_gunzip(z, 10, n, &out, &got, &at);
	IC_CHECK(err == -IC_ETRUNC && !out, "header only: err %d", err);
	/* Empty input. */
	err = ic_gunzip(z, 0, n, &out, &got, &at);
	IC_CHECK(err == -IC_ETRUNC && !out, "empty: err %d", err);

	/* A bad method byte in the header, and a damaged CRC-32 trailer: corrupt. */
	memcpy(withtail, z, zl);
	withtail[2] = 7;
	err = ic_gunzip(withtail, zl, n, &out, &got, &at);
	IC_CHECK(err == -IC_EFORMAT && !out, "bad method: err %d", err);
	memcpy(withtail, z, zl);
	withtail[zl - 8] ^= 1;
	err = ic_gunzip(withtail, zl, n, &out, &got, &at);
	IC_CHECK(err == -IC_EFORMAT && !out && at > zl / 2, "bad crc: err %d at %llu", err,
		 (unsigned long long)at);

	/* Not gzip at all (a zlib stream, an ELF header). */
	err = ic_gunzip((const uint8_t *)"\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\0\0\0\0", 20, n, &out,
			&got, NULL);
	IC_CHECK(err == -IC_EFORMAT && !out, "not gzip: err %d", err);

	free(withtail);
	free(z);
	free(src);
	return IC_TEST_DONE();
}
