/* SPDX-License-Identifier: MIT */
/* Fast literal search for carvers: SIMD "first and last byte" filter, then memcmp. */
#include <string.h>

#include "internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* Candidate positions in a block (bit j: the first and the last byte match at p + j): the
 * first where the middle bytes match too. Shared by the SIMD loops (inlined into each). */
static inline const uint8_t *first_match(const uint8_t *p, uint64_t mask, const uint8_t *nd,
					 size_t m)
{
	while (mask) {
		unsigned bit = (unsigned)__builtin_ctzll(mask);

		if (!memcmp(p + bit + 1, nd + 1, m - 2))
			return p + bit;
		mask &= mask - 1;
	}
	return NULL;
}

/* The last positions from i on, fewer than a block: byte by byte. */
static inline const uint8_t *find_tail(const uint8_t *hay, size_t n, size_t i, const uint8_t *nd,
				       size_t m)
{
	for (; i + m <= n; i++)
		if (hay[i] == nd[0] && !memcmp(hay + i, nd, m))
			return hay + i;
	return NULL;
}

/*
 * Test 32 (AVX2) or 16 (SSE2) positions at once for "needle's first byte here AND its last
 * byte m-1 further on", then memcmp only those. glibc's memmem ran at ~1 GB/s on memory
 * images and was 90% of a scan; this runs near memory bandwidth.
 */
__attribute__((target("avx2"))) static const uint8_t *find_avx2(const uint8_t *hay, size_t n,
								    const uint8_t *nd, size_t m)
{
	const __m256i f = _mm256_set1_epi8((char)nd[0]), l = _mm256_set1_epi8((char)nd[m - 1]);
	size_t i = 0;

	for (; i + (m - 1) + 32 <= n; i += 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(hay + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(hay + i + m - 1));
		unsigned mask = (unsigned)_mm256_movemask_epi8(
			_mm256_and_si256(_mm256_cmpeq_epi8(a, f), _mm256_cmpeq_epi8(b, l)));
		const uint8_t *r = first_match(hay + i, mask, nd, m);

		if (r)
			return r;
	}
	return find_tail(hay, n, i, nd, m);
}

/*
 * The same filter 64 positions at a time. The scan hands every 64 KiB block to four carvers,
 * each searching it for its needle: this loop was over half of the CPU time of a whole run on
 * a 1 GiB LiME (perf, docs/performance.md); half the iterations of the AVX2 loop take ~13 %
 * off the run's CPU time there. The last < 64 + m - 1 bytes go to the AVX2 loop.
 */
__attribute__((target("avx512bw"))) static const uint8_t *find_avx512(const uint8_t *hay, size_t n,
									const uint8_t *nd, size_t m)
{
	const __m512i f = _mm512_set1_epi8((char)nd[0]), l = _mm512_set1_epi8((char)nd[m - 1]);
	size_t i = 0;

	for (; i + (m - 1) + 64 <= n; i += 64) {
		__m512i a = _mm512_loadu_si512((const void *)(hay + i));
		__m512i b = _mm512_loadu_si512((const void *)(hay + i + m - 1));
		uint64_t mask = _mm512_mask_cmpeq_epi8_mask(_mm512_cmpeq_epi8_mask(a, f), b, l);
		const uint8_t *r = first_match(hay + i, mask, nd, m);

		if (r)
			return r;
	}
	return find_avx2(hay + i, n - i, nd, m);
}

static const uint8_t *find_sse2(const uint8_t *hay, size_t n, const uint8_t *nd, size_t m)
{
	const __m128i f = _mm_set1_epi8((char)nd[0]), l = _mm_set1_epi8((char)nd[m - 1]);
	size_t i = 0;

	for (; i + (m - 1) + 16 <= n; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(hay + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(hay + i + m - 1));
		unsigned mask = (unsigned)_mm_movemask_epi8(
			_mm_and_si128(_mm_cmpeq_epi8(a, f), _mm_cmpeq_epi8(b, l)));
		const uint8_t *r = first_match(hay + i, mask, nd, m);

		if (r)
			return r;
	}
	return find_tail(hay, n, i, nd, m);
}
#endif

const uint8_t *ic_find(const uint8_t *hay, size_t n, const uint8_t *nd, size_t m)
{
	if (!m || n < m)
		return NULL;
	if (m == 1)
		return memchr(hay, nd[0], n);
#if defined(__x86_64__) || defined(__i386__)
	/* __builtin_cpu_supports reads a table libgcc fills at start-up: no state of ours. */
	if (__builtin_cpu_supports("avx512bw"))
		return find_avx512(hay, n, nd, m);
	if (__builtin_cpu_supports("avx2"))
		return find_avx2(hay, n, nd, m);
	return find_sse2(hay, n, nd, m);
#else
	return memmem(hay, n, nd, m);
#endif
}
