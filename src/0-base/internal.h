/* SPDX-License-Identifier: MIT */
/* Library-private helpers: logging macros, overflow-checked arithmetic, small utilities. */
#ifndef ISFCARVE_INTERNAL_H
#define ISFCARVE_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h> /* strlen in ic_hash_str() */

#include "isfcarve/common.h"
#include "isfcarve/error.h"

#define IC_HIDDEN __attribute__((visibility("hidden")))
#define IC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define IC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Diagnostics go only through ctx->print; formatting is skipped when the level is off. */
IC_HIDDEN void ic_log(const struct ic_ctx *ctx, enum ic_log_level lvl, const char *fmt, ...)
	IC_PRINTF(3, 4);
#define pr_warn(ctx, ...) ic_log((ctx), IC_LOG_WARN, __VA_ARGS__)
#define pr_info(ctx, ...) ic_log((ctx), IC_LOG_INFO, __VA_ARGS__)
#define pr_debug(ctx, ...) ic_log((ctx), IC_LOG_DEBUG, __VA_ARGS__)

/* Overflow-checked arithmetic on input-derived values: true on overflow. */
#define ic_add_ovf(a, b, res) __builtin_add_overflow((a), (b), (res))
#define ic_mul_ovf(a, b, res) __builtin_mul_overflow((a), (b), (res))

/* calloc/realloc with count*size overflow checks; NULL + errno=ENOMEM on failure. */
IC_HIDDEN void *ic_reallocarray(void *p, size_t n, size_t size);
IC_HIDDEN void *ic_calloc(size_t n, size_t size);

/* Online CPUs (>= 1). */
IC_HIDDEN unsigned ic_online_cpus(void);

/* SHA-256 (FIPS 180-4), incremental. */
struct ic_sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t fill;
};
IC_HIDDEN void ic_sha256_init(struct ic_sha256 *s);
IC_HIDDEN void ic_sha256_update(struct ic_sha256 *s, const void *data, size_t len);
IC_HIDDEN void ic_sha256_final(struct ic_sha256 *s, uint8_t out[32]);
IC_HIDDEN void ic_sha256(const void *data, size_t len, uint8_t out[32]);
/* 64 lowercase hex digits + NUL. */
IC_HIDDEN void ic_hex(const uint8_t *in, size_t n, char *out);

/* First occurrence of the m-byte needle in hay[0, n), or NULL. SIMD-filtered; for carvers'
 * scan() callbacks, which must run at memory speed (src/0-base/find.c). */
IC_HIDDEN const uint8_t *ic_find(const uint8_t *hay, size_t n, const uint8_t *nd, size_t m);

/* A compiler-local label System.map never lists (".L*", "$*" mapping symbols, also in arm64's
 * __kvm_nvhe_/__pi_ namespaces); profiles leave them out whatever the symbol source
 * (src/5-symbols/symbols.c). */
IC_HIDDEN bool ic_sym_name_is_local_label(const char *name, size_t len);

/*
 * String hashing for the open-addressing tables whose keys come from input (symbol names carved
 * from an image or read from a System.map, BTF and DWARF names). FNV-1a alone lets an attacker
 * make many names share their low bits (its low k bits depend only on the low k bits before):
 * 2^16 such names made a table lookup quadratic, 14 s instead of 0.6. So the hash starts from a
 * per-table seed nobody can guess (ic_hash_seed(), getrandom) and ends with a 64-bit mixer, which
 * carries every bit of the state into the low bits. The tables' contents and every output stay
 * the same whatever the seed: only where an entry sits in a table changes.
 */
IC_HIDDEN uint64_t ic_hash_seed(void);
static inline uint64_t ic_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* The one FNV-1a: a hash built from pieces is ic_hash_end(ic_hash_more(...ic_hash_more(
 * ic_hash_begin(seed), p1, n1)..., pk, nk)), the same as ic_hash_mem() of their concatenation. */
static inline uint64_t ic_hash_begin(uint64_t seed)
{
	return 0xcbf29ce484222325ull ^ seed;
}

static inline uint64_t ic_hash_more(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static inline uint64_t ic_hash_end(uint64_t h)
{
	return ic_mix64(h);
}

/* p[0..n) hashed from seed (ic_hash_seed() per table when the keys come from input). */
static inline uint64_t ic_hash_mem(const void *p, size_t n, uint64_t seed)
{
	return ic_hash_end(ic_hash_more(ic_hash_begin(seed), p, n));
}

static inline uint64_t ic_hash_str(const char *s, uint64_t seed)
{
	return ic_hash_mem(s, strlen(s), seed);
}

/* Name -> u32 map (src/0-base/strmap.c): open addressing, seeded, grows; keys are borrowed. */
struct ic_strmap {
	const char **keys;
	uint32_t *vals;
	size_t cap, n;
	uint64_t seed;
};
IC_HIDDEN int ic_strmap_init(struct ic_strmap *m, size_t expect);
IC_HIDDEN void ic_strmap_free(struct ic_strmap *m);
/* Insert if absent; returns 1 if inserted, 0 if present, -ENOMEM. */
IC_HIDDEN int ic_strmap_add(struct ic_strmap *m, const char *key, uint32_t val);
IC_HIDDEN bool ic_strmap_get(const struct ic_strmap *m, const char *key, uint32_t *val);
/* The value of a key already there replaced (nothing if absent). */
IC_HIDDEN void ic_strmap_set(struct ic_strmap *m, const char *key, uint32_t val);

/* The release in a banner's first n bytes: the word after "Linux version " (uname -r), up to a
 * space, tab, newline or NUL, at most n bytes read. Its length (0: no prefix, or nothing after
 * it), *rel set to its start. src/0-base/util.c */
IC_HIDDEN size_t ic_banner_release(const char *b, size_t n, const char **rel);

static inline uint64_t ic_align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

#endif
