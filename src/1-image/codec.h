/* SPDX-License-Identifier: MIT */
/* Page decompressors for compressed dump formats; optional codecs are compiled in when found. */
#ifndef ISFCARVE_CODEC_H
#define ISFCARVE_CODEC_H

#include "0-base/internal.h"

enum ic_codec {
	IC_CODEC_NONE,
	IC_CODEC_ZLIB,
	IC_CODEC_LZO,
	IC_CODEC_SNAPPY, /* raw snappy (not framed) */
	IC_CODEC_ZSTD,
};

IC_HIDDEN const char *ic_codec_name(enum ic_codec c);
/* Was this build compiled with the codec? */
IC_HIDDEN bool ic_codec_available(enum ic_codec c);
/* The -dev package that enables a codec (for error messages). */
IC_HIDDEN const char *ic_codec_package(enum ic_codec c);
/* Decode src[0..n) into exactly want bytes at dst. Output never exceeds want (bomb-safe).
 * 0; -IC_EFORMAT when corrupt or the decoded size differs from want; -IC_EUNSUPP when the
 * codec is not built in. Thread-safe. */
IC_HIDDEN int ic_codec_decode(enum ic_codec c, const uint8_t *src, size_t n, uint8_t *dst,
			      size_t want);

#endif
