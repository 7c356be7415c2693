/* SPDX-License-Identifier: MIT */
/* SHA-256 as specified in FIPS 180-4; used for metadata hashes and finding fingerprints. */
#include <string.h>

#include "internal.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void block(struct ic_sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* CPUID leaf 7 EBX bit 29 (SHA extensions), leaf 1 ECX bits 9 (SSSE3) and 19 (SSE4.1). Asked per
 * bulk call, not cached: the library keeps no mutable globals, and a call hashes >= 4 KiB. */
static bool have_sha_ni(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
		return false;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
}

/*
 * n 64-byte blocks with the SHA-NI instructions (~5x the portable code). The state lives in two
 * registers as the instructions want it: {A,B,E,F} and {C,D,G,H}, highest lane first. Each
 * sha256rnds2 does two rounds and yields the new {A,B,E,F}; the old one becomes {C,D,G,H}.
 * Schedule: W[t..t+3] = msg2(msg1(W[t-16..], W[t-12..]) + W[t-7..t-4], W[t-4..t-1]).
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(struct ic_sha256 *s,
								   const uint8_t *p, size_t n)
{
	const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	__m128i abef = _mm_set_epi32((int)s->h[0], (int)s->h[1], (int)s->h[4], (int)s->h[5]);
	__m128i cdgh = _mm_set_epi32((int)s->h[2], (int)s->h[3], (int)s->h[6], (int)s->h[7]);

	for (; n; n--, p += 64) {
		__m128i w[16], abef0 = abef, cdgh0 = cdgh;

		for (int g = 0; g < 4; g++)
			w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)),
						bswap);
		for (int g = 4; g < 16; g++)
			w[g] = _mm_sha256msg2_epu32(
				_mm_add_epi32(_mm_sha256msg1_epu32(w[g - 4], w[g - 3]),
					      _mm_alignr_epi8(w[g - 1], w[g - 2], 4)),
				w[g - 1]);
		for (int g = 0; g < 16; g++) {
			__m128i wk = _mm_add_epi32(w[g], _mm_loadu_si128((const __m128i *)(const void *)&K[4 * g]));

			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0e));
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	s->h[0] = (uint32_t)_mm_extract_epi32(abef, 3);
	s->h[1] = (uint32_t)_mm_extract_epi32(abef, 2);
	s->h[4] = (uint32_t)_mm_extract_epi32(abef, 1);
	s->h[5] = (uint32_t)_mm_extract_epi32(abef, 0);
	s->h[2] = (uint32_t)_mm_extract_epi32(cdgh, 3);
	s->h[3] = (uint32_t)_mm_extract_epi32(cdgh, 2);
	s->h[6] = (uint32_t)_mm_extract_epi32(cdgh, 1);
	s->h[7] = (uint32_t)_mm_extract_epi32(cdgh, 0);
}
#endif

void ic_sha256_init(struct ic_sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->fill = 0;
}

void ic_sha256_update(struct ic_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->len += len;
	if (s->fill) {
		size_t take = 64 - s->fill < len ? 64 - s->fill : len;
		memcpy(s->buf + s->fill, p, take);
		s->fill += take;
		p += take;
		len -= take;
		if (s->fill < 64)
			return;
		block(s, s->buf);
		s->fill = 0;
	}
#if defined(__x86_64__)
	if (len >= 4096 && have_sha_ni()) {
		blocks_ni(s, p, len / 64);
		p += len / 64 * 64;
		len %= 64;
	}
#endif
	for (; len >= 64; p += 64, len -= 64)
		block(s, p);
	memcpy(s->buf, p, len);
	s->fill = len;
}

void ic_sha256_final(struct ic_sha256 *s, uint8_t out[32])
{
	uint64_t bits = s->len * 8;
	uint8_t pad = 0x80;

	ic_sha256_update(s, &pad, 1);
	pad = 0;
	while (s->fill != 56)
		ic_sha256_update(s, &pad, 1);
	for (int i = 7; i >= 0; i--) {
		uint8_t b = (uint8_t)(bits >> (8 * i));
		ic_sha256_update(s, &b, 1);
	}
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}

void ic_sha256(const void *data, size_t len, uint8_t out[32])
{
	struct ic_sha256 s;

	ic_sha256_init(&s);
	ic_sha256_update(&s, data, len);
	ic_sha256_final(&s, out);
}
