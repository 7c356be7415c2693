/* SPDX-License-Identifier: MIT */
/* kallsyms decoder, common core: the tables every era has. token_table + token_index from the
 * digit-run anchor, kallsyms_markers right before token_table, num_syms + names that reproduce
 * the markers, and the names expanded through the token table. Calls only core.c. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "isfcarve/symbols.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "decode_int.h"

/* A real token table has ~200 multi-character tokens; random ic_ksd_printable text has few. */
#define MIN_MULTI_TOKENS 100u

/* Walk one NUL-terminated token at off; its length or -1. */
static long token_at(const struct win *w, size_t off, bool allow_empty)
{
	size_t i = off;

	wb(w, off, IC_MAX_KSYM_NAME + 2);
	while (i < w->len && i - off <= IC_MAX_KSYM_NAME && w->b[i]) {
		if (!ic_ksd_printable(w->b[i]))
			return -1;
		i++;
	}
	if (i >= w->len || w->b[i] || (i == off && !allow_empty))
		return -1;
	return (long)(i - off);
}

/*
 * Step 2: from the digit run at h, the exact token_table and token_index. The forward walk over
 * tokens 0x30..0xff gives the end of the table; token_index follows after zero padding, and it
 * must describe exactly the strings we walked, which then tells where the table starts. No
 * backward walk: ic_ksd_printable bytes before the table cannot fool it.
 */
int ic_ksd_find_tokens(const struct ic_ctx *ctx, const struct win *w, size_t h, struct toks *t)
{
	size_t rel[256], pos = h, e;
	unsigned multi = 0;

	for (unsigned c = 0x30; c < 256; c++) {
		long l = token_at(w, pos, c > 0x39);

		if (l < 0 || pos - h > IC_MAX_KSYM_TOKEN_TABLE) {
			pr_debug(ctx, "kallsyms: 0x%" PRIx64 ": digit run, but token 0x%02x is not a "
				 "ic_ksd_printable string: not a token table", w->phys + h, c);
			return -IC_ENOTFOUND;
		}
		rel[c] = pos - h;
		t->len[c] = (uint16_t)l;
		pos += (size_t)l + 1;
	}
	e = pos;
	/* ALGN before token_index: .balign 4 or 8; before the switch to .balign (pre-4.6 era),
	 * ".align 8", which ARM's assembler reads as 2^8: 256 bytes on arm64. */
	for (size_t ai = 0, prev_ti = SIZE_MAX; ai < 3; ai++) {
		static const unsigned aligns[3] = { 4, 8, 256 };
		unsigned a = aligns[ai];
		size_t ti = (size_t)(ic_align_up(w->phys + e, a) - w->phys);
		size_t base;
		bool ok = true;

		if (ti == prev_ti)
			continue; /* same position as already tried */
		prev_ti = ti;
		if (!ic_in_bounds(ti, 512, w->len) || !ic_ksd_zero_bytes(wb(w, e, ti - e), ti - e))
			continue;
		wb(w, ti, 512);
		for (unsigned c = 0; c < 256; c++)
			t->idx[c] = ic_get_le16(w->b + ti + 2 * c);
		if (t->idx[0] != 0 || t->idx[0x30] > h)
			continue;
		base = h - t->idx[0x30];
		for (unsigned c = 0x30; c < 256 && ok; c++)
			ok = base + t->idx[c] == h + rel[c];
		if (!ok || (w->phys + base) % 4)
			continue;
		/* Tokens 0x00..0x2f: they must tile [base, h) exactly as the index says. */
		for (unsigned c = 0; c < 0x30 && ok; c++) {
			long l = token_at(w, base + t->idx[c], true);
			size_t next = c == 0x2f ? h : base + t->idx[c + 1];

			ok = l >= 0 && base + t->idx[c] + (size_t)l + 1 == next;
			if (ok)
				t->len[c] = (uint16_t)l;
		}
		if (!ok)
			continue;
		multi = 0;
		for (unsigned c = 0; c < 256; c++)
			multi += t->len[c] > 1;
		if (multi < MIN_MULTI_TOKENS || t->len['_'] != 1 || *wb(w, base + t->idx['_'], 1) != '_') {
			pr_debug(ctx, "kallsyms: 0x%" PRIx64 ": token table with %u multi-char tokens, "
				 "token '_' = %u chars: not kallsyms", w->phys + base, multi, t->len['_']);
			return -IC_ENOTFOUND;
		}
		t->t = base;
		t->ti = ti;
		t->tt_len = e - base;
		t->align = a;
		return 0;
	}
	pr_debug(ctx, "kallsyms: 0x%" PRIx64 ": digit run without a matching token_index",
		 w->phys + h);
	return -IC_ENOTFOUND;
}

/* Read markers backwards from end (exclusive): ... 0 < M1 < ... < M[m-1]. *budget counts the
 * elements read by the whole decode (a crafted arithmetic progression must not cost O(n^2)). */
int ic_ksd_markers_back(const struct win *w, size_t end, unsigned es, struct marks *mk,
			uint64_t *budget)
{
	size_t p = end, n = 0, cap = 0;
	uint64_t prev = 0;
	uint64_t *m = NULL;
	const uint64_t maxd = 256ull * (2 + IC_MAX_KSYM_NAME);

	for (;;) {
		uint64_t v;

		if (p < es || !*budget)
			goto fail;
		--*budget;
		p -= es;
		v = ic_ksd_rd_elem(wb(w, p, es), es);
		if (n) {
			if (v >= prev || prev - v < 512 || prev - v > maxd)
				goto fail;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			uint64_t *nm;

			if (nc > IC_MAX_KALLSYMS / 256 + 2)
				goto fail;
			nm = ic_reallocarray(m, nc, sizeof(*m));
			if (!nm)
				goto fail;
			m = nm;
			cap = nc;
		}
		m[n++] = v;
		prev = v;
		if (!v)
			break;
	}
	if (n < 4)
		goto fail;
	/* reverse into ascending order */
	for (size_t i = 0; i < n / 2; i++) {
		uint64_t x = m[i];

		m[i] = m[n - 1 - i];
		m[n - 1 - i] = x;
	}
	mk->start = p;
	mk->count = n;
	mk->esize = es;
	mk->m = m;
	return 0;
fail:
	free(m);
	return -IC_ENOTFOUND;
}

bool ic_ksd_seqs_permutation(const struct win *w, size_t off, uint64_t n, unsigned size)
{
	uint8_t *seen;
	bool ok = true;

	if (!ic_in_bounds(off, n * size, w->len) || !(seen = calloc((size_t)n / 8 + 1, 1)))
		return false;
	wb(w, off, (size_t)(n * size));
	for (uint64_t i = 0; i < n && ok; i++) {
		const uint8_t *p = w->b + off + i * size;
		uint64_t v = size == 3 ? (uint64_t)p[0] << 16 | (uint64_t)p[1] << 8 | p[2] : ic_get_le32(p);

		ok = v < n && !(seen[v / 8] & (1u << (v % 8)));
		if (ok)
			seen[v / 8] |= (uint8_t)(1u << (v % 8));
	}
	free(seen);
	return ok;
}

/* Step 3 (E1, E3, E4): markers end right before token_table, after zero padding only. E2 puts
 * seqs_of_names in between: e2_markers.c. Several candidates may come out; try each. */
size_t ic_ksd_find_markers(const struct win *w, const struct toks *t, struct marks *out, size_t max,
			   uint64_t *budget)
{
	size_t n = 0;

	for (unsigned es = 4; es <= 8 && n < max; es += 4) {
		size_t end = (size_t)((w->phys + t->t) / es * es - w->phys);

		if (t->t < es)
			continue;
		if (t->align == 256) {
			/* 256-byte ALGN (pre-4.6 arm64): u64 markers (PTR), then up to 255 zero
			 * bytes. The last marker is never 0, so whole zero u64s are padding. */
			if (es != 8)
				continue;
			for (unsigned z = 0; z < 31 && end >= 8 && !ic_get_le64(wb(w, end - 8, 8)); z++)
				end -= 8;
			memset(&out[n], 0, sizeof(out[n]));
			if (!ic_ksd_markers_back(w, end, es, &out[n], budget))
				n++;
			continue;
		}
		/* The last marker is never 0, so a zero u32 right before token_table is the padding
		 * after an odd marker count; skip only that whole u32 (the last marker's high bytes
		 * are often 0, so never skip zero bytes). */
		if (es == 4 && end >= 4 && ic_get_le32(wb(w, end - 4, 4)) == 0)
			end -= 4;
		memset(&out[n], 0, sizeof(out[n]));
		if (!ic_ksd_markers_back(w, end, es, &out[n], budget))
			n++;
	}
	return n;
}

/* Length of one names entry at *pos (advances past the length field), or -1. */
static long name_len(const struct win *w, size_t *pos, size_t end, bool uleb)
{
	size_t p = *pos;
	long l;

	if (p >= end)
		return -1;
	l = *wb(w, p, 2);
	p++;
	if (uleb && (l & 0x80)) {
		if (p >= end || (w->b[p] & 0x80))
			return -1;
		l = (l & 0x7f) | (long)w->b[p++] << 7;
	}
	if (l < 1 || l > (long)IC_MAX_KSYM_NAME)
		return -1;
	*pos = p;
	return l;
}

/* Walk N names from start: every 256th entry must sit where its marker says, and the walk must
 * end in [end - align + 1, end] with zero padding. Returns 0 and whether any 2-byte length was
 * used. */
static int walk_names(const struct win *w, size_t start, uint64_t n, const struct marks *mk,
		      size_t end, unsigned maxpad, bool uleb, bool *long_lens, uint64_t *budget)
{
	size_t p = start;

	*long_lens = false;
	for (uint64_t i = 0; i < n; i++) {
		long l;
		size_t before = p;

		if (!*budget)
			return -1;
		--*budget;
		if (i % 256 == 0 && p - start != mk->m[i / 256])
			return -1;
		l = name_len(w, &p, end, uleb);
		if (l < 0 || (size_t)l > end - p)
			return -1;
		if (p - before == 2 || l >= 0x80)
			*long_lens = true;
		p += (size_t)l;
	}
	if (end - p >= maxpad || !ic_ksd_zero_bytes(wb(w, p, end - p), end - p))
		return -1;
	return 0;
}

/* Step 4: num_syms immediately precedes names. Scan aligned positions before the first byte the
 * markers say must be names, for a count that fits the number of markers. */
int ic_ksd_find_names(const struct win *w, const struct marks *mk, unsigned align,
		      struct names_hit *out, uint64_t *budget)
{
	uint64_t lo_n = 256 * (uint64_t)(mk->count - 1), hi_n = 256 * (uint64_t)mk->count;
	uint64_t last = mk->m[mk->count - 1];
	/* 256-byte ALGN (pre-4.6 arm64): num_syms (u64) on a 256-byte boundary, names on the
	 * next one, and up to 255 zero bytes after the names */
	bool p2 = align == 256;
	size_t top, bottom, span = 256u * (2 + IC_MAX_KSYM_NAME) + 16 + (p2 ? 512 : 0);

	if (mk->start < last + 8 || (p2 && mk->esize != 8))
		return -IC_ENOTFOUND;
	top = mk->start - (size_t)last - 2;
	bottom = top > span ? top - span : 0;
	if (mk->seqs_n)
		lo_n = mk->seqs_n - 1, hi_n = mk->seqs_n;
	for (size_t q = top & ~(size_t)3; q >= bottom && q + 8 <= w->len; q -= 4) {
		uint64_t v = ic_get_le32(wb(w, q, 8));

		if (v > lo_n && v <= hi_n) {
			for (unsigned gap = p2 ? 256 : 4; gap <= (p2 ? 256u : 8u); gap += 4) {
				size_t names = q + gap;

				if (names > mk->start || !ic_in_bounds(q, gap, w->len) ||
				    !ic_ksd_zero_bytes(wb(w, q + 4, gap - 4), gap - 4))
					continue;
				/* 8-byte counts only with 8-byte markers (before 4.20), 8-aligned. */
				if (mk->esize == 8 && ((!p2 && gap != 8) || (w->phys + q) % (p2 ? 256 : 8)))
					continue;
				for (int uleb = 1; uleb >= 0; uleb--) {
					bool ll;

					if (walk_names(w, names, v, mk, mk->start, p2 ? 256 : 8, uleb, &ll,
						       budget))
						continue;
					out->ns = q;
					out->ns_size = mk->esize;
					out->names = names;
					out->names_len = mk->start - names;
					out->n = v;
					out->uleb = uleb && ll;
					out->long_lens = ll;
					return 0;
				}
			}
		}
		if (q < 4)
			break;
	}
	return -IC_ENOTFOUND;
}

/* Expand every name into the arena; check types and characters. */
int ic_ksd_expand_names(const struct ic_ctx *ctx, const struct win *w, const struct toks *t,
			const struct names_hit *nh, struct ic_kallsyms *k)
{
	size_t p = nh->names, end = nh->names + nh->names_len, cap = nh->names_len * 2 + 64, used = 0;
	char *arena = malloc(cap);
	size_t *off = ic_calloc((size_t)nh->n, sizeof(*off));
	char buf[IC_MAX_KSYM_NAME + 2];

	if (!arena || !off) {
		free(arena);
		free(off);
		return -ENOMEM;
	}
	/* ic_ksd_find_names() walked these already; the token strings are read raw below */
	wb(w, nh->names, nh->names_len);
	wb(w, t->t, t->tt_len + 1);
	for (uint64_t i = 0; i < nh->n; i++) {
		long l = name_len(w, &p, end, nh->uleb);
		size_t bl = 0;

		if (l < 0 || (size_t)l > end - p)
			goto bad;
		for (long j = 0; j < l; j++) {
			uint8_t tok = w->b[p++];
			size_t tl = t->len[tok];

			if (!tl || bl + tl > IC_MAX_KSYM_NAME + 1) {
				pr_debug(ctx, "kallsyms: 0x%" PRIx64 ": symbol %" PRIu64
					 " uses empty token 0x%02x or is too long", w->phys + nh->names, i, tok);
				goto bad;
			}
			for (size_t x = 0; x < tl; x++) /* tokens are short: no memcpy call */
				buf[bl + x] = (char)w->b[t->t + t->idx[tok] + x];
			bl += tl;
		}
		if (bl < 2 || !ic_ksd_is_type_char(buf[0])) {
			pr_debug(ctx, "kallsyms: 0x%" PRIx64 ": symbol %" PRIu64 ": bad type '%c'",
				 w->phys + nh->names, i, bl ? buf[0] : '?');
			goto bad;
		}
		if (used + bl + 1 > IC_MAX_KSYM_NAMES_BYTES) {
			pr_warn(ctx, "kallsyms: 0x%" PRIx64 ": expanded names exceed IC_MAX_KSYM_NAMES_BYTES "
				"(%u)", w->phys + nh->names, IC_MAX_KSYM_NAMES_BYTES);
			free(arena);
			free(off);
			return -IC_ELIMIT;
		}
		if (used + bl + 1 > cap) {
			size_t nc = (used + bl + 1) * 2;
			char *na = realloc(arena, nc);

			if (!na) {
				free(arena);
				free(off);
				return -ENOMEM;
			}
			arena = na;
			cap = nc;
		}
		k->syms[i].type = buf[0];
		off[i] = used;
		memcpy(arena + used, buf + 1, bl - 1);
		used += bl - 1;
		arena[used++] = '\0';
	}
	for (uint64_t i = 0; i < nh->n; i++)
		k->syms[i].name = arena + off[i];
	k->arena = arena;
	k->arena_len = used;
	free(off);
	return 0;
bad:
	free(arena);
	free(off);
	return -IC_ENOTFOUND;
}
