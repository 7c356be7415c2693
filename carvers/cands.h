/* SPDX-License-Identifier: MIT */
/* Shared by carvers: a bounded list of candidate physical addresses, and a literal search over a scan block. */
#ifndef ISFCARVE_CARVERS_CANDS_H
#define ISFCARVE_CARVERS_CANDS_H

#include <stdlib.h>
#include <string.h>

#include "0-base/internal.h"
#include "0-base/ic_limits.h"

/*
 * A state covers one ~8 MiB batch, and the states of all batches live until finish(), so the
 * per-state cap is a sixteenth of IC_MAX_CANDIDATES (real dumps have a handful of hits per
 * batch); finish() then looks at no more than IC_MAX_CANDIDATES in total.
 */
#define IC_CANDS_PER_STATE (IC_MAX_CANDIDATES / 16)

struct ic_cands {
	uint64_t *phys;
	size_t n, cap;
	bool overflow; /* more than IC_CANDS_PER_STATE hits: the rest were not stored */
	/* Hits not stored start in [drop_lo, drop_hi): a carver that must not be blinded by a
	 * flood of fakes scans that span again in finish() (ic_cands_rescan), streaming, instead
	 * of keeping every hit in memory. Stored hits are the first ones, so all hits from
	 * drop_lo on (within this state's batch) were dropped. */
	uint64_t drop_lo, drop_hi;
};

static inline void *ic_cands_new(const struct ic_ctx *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(struct ic_cands));
}

static inline void ic_cands_free(void *state)
{
	struct ic_cands *c = state;

	if (c)
		free(c->phys);
	free(c);
}

static inline int ic_cands_add(struct ic_cands *c, uint64_t phys)
{
	if (c->n >= IC_CANDS_PER_STATE) {
		if (!c->overflow)
			c->drop_lo = phys;
		c->drop_hi = phys + 1;
		c->overflow = true;
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		uint64_t *p = ic_reallocarray(c->phys, cap, sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->phys = p;
		c->cap = cap;
	}
	c->phys[c->n++] = phys;
	return 0;
}

/* Record every occurrence of needle that starts in buf[0, len) (it may end in the lookahead,
 * buf[len, avail)). ic_find keeps this at memory speed; no per-byte callback. */
static inline int ic_cands_find(struct ic_cands *c, const uint8_t *buf, size_t len, size_t avail,
				uint64_t phys, const void *needle_, size_t nlen)
{
	const uint8_t *p = buf, *needle = needle_;
	/* Only matches starting before len count: search no further than their last byte. */
	const uint8_t *end = buf + (avail - len < nlen - 1 ? avail : len + nlen - 1);

	while (p < buf + len) {
		const uint8_t *hit = ic_find(p, (size_t)(end - p), needle, nlen);
		int err;

		if (!hit || hit >= buf + len)
			break;
		err = ic_cands_add(c, phys + (uint64_t)(hit - buf));
		if (err)
			return err;
		p = hit + 1;
	}
	return 0;
}

/* Candidates finish() will look at over all per-batch states (at most IC_MAX_CANDIDATES);
 * *overflow when some were dropped. Loops in finish() stop after that many. */
static inline size_t ic_cands_total(void *const *states, unsigned n, bool *overflow)
{
	size_t t = 0;

	*overflow = false;
	for (unsigned i = 0; i < n; i++) {
		const struct ic_cands *c = states[i];

		if (!c)
			continue;
		t += c->n;
		*overflow |= c->overflow;
	}
	if (t > IC_MAX_CANDIDATES) {
		*overflow = true;
		t = IC_MAX_CANDIDATES;
	}
	return t;
}

/* Bytes readable from phys on without a hole (through adjacent ranges), capped at max. */
static inline size_t ic_cands_avail(const struct ic_image *img, uint64_t phys, size_t max)
{
	struct ic_range run;
	uint64_t got;

	if (!ic_image__run(img, phys, 0, max, &run))
		return 0;
	got = run.phys + run.len - phys;
	return got < max ? (size_t)got : max;
}

/*
 * Call fn(arg, phys) for every occurrence of needle that starts in [lo, hi) of the image, in
 * ascending order: the second look at a span whose hits overflowed a state. Reads the span in
 * IC_CANDS_RESCAN_BUF pieces (plus needle-1 bytes of lookahead through adjacent ranges), so the
 * cost is linear in the span and memory is one buffer. fn returns 0, or non-zero to stop (a
 * negative value is returned as the error).
 */
#define IC_CANDS_RESCAN_BUF (1u << 20)

static inline int ic_cands_rescan(const struct ic_image *img, uint64_t lo, uint64_t hi,
				  const void *needle_, size_t nlen, int (*fn)(void *arg, uint64_t phys),
				  void *arg)
{
	const struct ic_range *r = ic_image__ranges(img);
	size_t nr = ic_image__nranges(img);
	const uint8_t *needle = needle_;
	uint8_t *buf = malloc(IC_CANDS_RESCAN_BUF + nlen);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < nr && !err; i++) {
		uint64_t s = r[i].phys > lo ? r[i].phys : lo;
		uint64_t e = r[i].phys + r[i].len < hi ? r[i].phys + r[i].len : hi;

		for (uint64_t at = s; at < e && !err;) {
			size_t step = e - at < IC_CANDS_RESCAN_BUF ? (size_t)(e - at) : IC_CANDS_RESCAN_BUF;
			size_t n = ic_cands_avail(img, at, step + nlen - 1);
			const uint8_t *p = n >= nlen ? ic_image__view(img, at, n, buf) : NULL;

			for (const uint8_t *q = p; q && q < p + step;) {
				const uint8_t *hit = ic_find(q, n - (size_t)(q - p), needle, nlen);

				if (!hit || hit >= p + step)
					break;
				err = fn(arg, at + (uint64_t)(hit - p));
				if (err)
					break;
				q = hit + 1;
			}
			at += step;
		}
	}
	free(buf);
	return err > 0 ? 0 : err;
}

#endif
