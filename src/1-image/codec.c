/* SPDX-License-Identifier: MIT */
/* Page decompressors for compressed dump formats (zlib always; lzo, snappy, zstd when found). */
#include <string.h>
#include <zlib.h>

#ifdef IC_HAVE_LZO2
#include <lzo/lzo1x.h>
#define IC_LZO_E_OK LZO_E_OK
#endif
#ifdef IC_HAVE_SNAPPY
#include <snappy-c.h>
#endif
#ifdef IC_HAVE_ZSTD
#include <zstd.h>
#endif

#include "codec.h"

const char *ic_codec_name(enum ic_codec c)
{
	switch (c) {
	case IC_CODEC_NONE: return "none";
	case IC_CODEC_ZLIB: return "zlib";
	case IC_CODEC_LZO: return "lzo";
	case IC_CODEC_SNAPPY: return "snappy";
	case IC_CODEC_ZSTD: return "zstd";
	}
	return "?";
}

const char *ic_codec_package(enum ic_codec c)
{
	switch (c) {
	case IC_CODEC_LZO: return "liblzo2-dev";
	case IC_CODEC_SNAPPY: return "libsnappy-dev";
	case IC_CODEC_ZSTD: return "libzstd-dev";
	default: return "zlib1g-dev";
	}
}

bool ic_codec_available(enum ic_codec c)
{
	switch (c) {
	case IC_CODEC_NONE:
	case IC_CODEC_ZLIB:
		return true;
	case IC_CODEC_LZO:
#ifdef IC_HAVE_LZO2
		return true;
#else
		return false;
#endif
	case IC_CODEC_SNAPPY:
#ifdef IC_HAVE_SNAPPY
		return true;
#else
		return false;
#endif
	case IC_CODEC_ZSTD:
#ifdef IC_HAVE_ZSTD
		return true;
#else
		return false;
#endif
	}
	return false;
}

static int decode_zlib(const uint8_t *src, size_t n, uint8_t *dst, size_t want)
{
	z_stream zs;
	int rc;

	if (n > UINT32_MAX || want > UINT32_MAX)
		return -IC_ELIMIT;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)(uintptr_t)src;
	zs.avail_in = (uInt)n;
	zs.next_out = dst;
	zs.avail_out = (uInt)want;
	rc = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	/* Z_STREAM_END with the output exactly full; Z_BUF_ERROR/Z_OK = longer or shorter stream */
	if (rc != Z_STREAM_END || zs.total_out != want)
		return -IC_EFORMAT;
	return 0;
}

int ic_codec_decode(enum ic_codec c, const uint8_t *src, size_t n, uint8_t *dst, size_t want)
{
	switch (c) {
	case IC_CODEC_NONE:
		if (n != want)
			return -IC_EFORMAT;
		memcpy(dst, src, n);
		return 0;
	case IC_CODEC_ZLIB:
		return decode_zlib(src, n, dst, want);
	case IC_CODEC_LZO: {
#ifdef IC_HAVE_LZO2
		unsigned long out = want;

		/* the _safe variant checks both input and output bounds */
		if (lzo1x_decompress_safe(src, n, dst, &out, NULL) != IC_LZO_E_OK || out != want)
			return -IC_EFORMAT;
		return 0;
#else
		return -IC_EUNSUPP;
#endif
	}
	case IC_CODEC_SNAPPY: {
#ifdef IC_HAVE_SNAPPY
		size_t out = 0;

		if (snappy_uncompressed_length((const char *)src, n, &out) != SNAPPY_OK || out != want)
			return -IC_EFORMAT;
		if (snappy_uncompress((const char *)src, n, (char *)dst, &out) != SNAPPY_OK ||
		    out != want)
			return -IC_EFORMAT;
		return 0;
#else
		return -IC_EUNSUPP;
#endif
	}
	case IC_CODEC_ZSTD: {
#ifdef IC_HAVE_ZSTD
		size_t r = ZSTD_decompress(dst, want, src, n);

		if (ZSTD_isError(r) || r != want)
			return -IC_EFORMAT;
		return 0;
#else
		return -IC_EUNSUPP;
#endif
	}
	}
	return -IC_EUNSUPP;
}
