/* SPDX-License-Identifier: MIT */
/* kallsyms decoder: from a token-table anchor to validated tables and symbols, by structure only. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "isfcarve/symbols.h"
#include "isfcarve/vmcoreinfo.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "1-image/image_internal.h"

/*
 * Layout of one era-E3 table set on a 64-bit kernel (E4: same, .balign 4, no relative_base;
 * E1/E2: offsets and relative_base come first, see include/isfcarve/kallsyms.h):
 *
 *   num_syms   u32 N (u64 before 4.20)                 pad to A
 *   names      N x { len (1 or 2 bytes), len token bytes } pad to A
 *   markers    ceil(N/256) x u32 (u64 before 4.20): offset in names of entry 256k
 *   [seqs      E2 only: N x 3 (or 4) bytes]             pad to A
 *   token_table 256 NUL-terminated strings             pad to A
 *   token_index 256 x u16: offset of token i in token_table
 *   offsets    N x s32 | addresses N x u64              pad to A
 *   relative_base u64                                   pad to A
 *   seqs       N x 3 bytes
 *
 * Everything below works on one window of physically contiguous bytes around the anchor
 * (the kernel image is one contiguous block), with offsets into that window. On a compressed
 * image the window is filled lazily (struct win_lazy): the tables are a few MB of a window of up
 * to 160 MiB, and copying all of it re-decoded ~40-60 MB per kernel copy that the scan had
 * already decoded. Every read of window bytes therefore goes through wb(), which loads the
 * WIN_CHUNK-sized pieces it touches on first use.
 */

/* A real token table has ~200 multi-character tokens; random printable text has few. */
#define MIN_MULTI_TOKENS 100u
/* Share of text symbols (t/T): 52% (6.1, KALLSYMS_ALL) to 73% (7.2) on the fixtures. */
#define MIN_TEXT_PERMILLE 300u

/* Granule of a lazy window: small enough that reading a 4-byte marker costs few page decodes
 * on a kdump (4 KiB units), large enough that the bitmap and the calls stay cheap. */
#define WIN_CHUNK (16u << 10)

struct win_lazy {
	const struct ic_image *img;
	uint8_t *buf;   /* w->b: the whole window's size, touched only where loaded */
	uint64_t *have; /* one bit per WIN_CHUNK: loaded */
	int err;        /* a load failed: its bytes read as zero, the decode is rejected */
};

struct win {
	const uint8_t *b;
	size_t len;
	uint64_t phys; /* physical address of b[0] */
	struct win_lazy *lz; /* NULL: b holds the whole window (mapped image) */
};

static void win_load(const struct win *w, size_t off, size_t n)
{
	struct win_lazy *lz = w->lz;
	size_t end = n > w->len - off ? w->len : off + n;

	for (size_t c = off / WIN_CHUNK; c * WIN_CHUNK < end; c++) {
		size_t at = c * WIN_CHUNK, len = w->len - at < WIN_CHUNK ? w->len - at : WIN_CHUNK;

		if (lz->have[c / 64] >> (c % 64) & 1)
			continue;
		lz->have[c / 64] |= 1ull << (c % 64);
		if (ic_image__read(lz->img, w->phys + at, lz->buf + at, len)) {
			memset(lz->buf + at, 0, len);
			lz->err = -IC_ENOTFOUND;
		}
	}
}

static const uint8_t *wb_lazy(const struct win *w, size_t off, size_t n)
{
	if (n && off < w->len)
		win_load(w, off, n);
	return w->b + off;
}

/* The window bytes [off, off + n) (clipped to the window), loaded if lazy. Callers keep their
 * own bounds checks: this only makes the bytes present. A macro so that mapped windows pay one
 * test even in unoptimised (sanitizer) builds: the crafted-progression test reads 64 M elements.
 * Arguments are evaluated twice: pass only plain expressions. */
#define wb(w, off, n) ((w)->lz ? wb_lazy((w), (off), (n)) : (w)->b + (off))

struct toks {
	size_t t, ti;      /* token_table and token_index offsets in the window */
	size_t tt_len;     /* bytes of token_table (to the last NUL) */
	uint16_t idx[256];
	uint16_t len[256]; /* strlen of each token */
	unsigned align;    /* 4 or 8: the padding seen before token_index */
};

struct marks {
	size_t start;      /* offset of markers[0] */
	size_t count;
	unsigned esize;
	uint64_t *m;
	/* E2: seqs_of_names between markers and token_table */
	size_t seqs;
	unsigned seqs_size;
	uint64_t seqs_n;   /* N implied by the seqs size (0: no seqs) */
};

static bool printable(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e;
}

static bool is_type_char(char c)
{
	return c && strchr("TtDdBbRrAaWwVvuGgSsiIpC", c) != NULL;
}

static uint64_t rd_elem(const uint8_t *p, unsigned size)
{
	return size == 8 ? ic_get_le64(p) : ic_get_le32(p);
}

static bool zero_bytes(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Walk one NUL-terminated token at off; its length or -1. */
static long token_at(const struct win *w, size_t off, bool allow_empty)
{
	size_t i = off;

	wb(w, off, IC_MAX_KSYM_NAME + 2);
	while (i < w->len && i - off <= IC_MAX_KSYM_NAME && w->b[i]) {
		if (!printable(w->b[i]))
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
 * backward walk: printable bytes before the table cannot fool it.
 */
static int find_tokens(const struct ic_ctx *ctx, const struct win *w, size_t h, struct toks *t)
{
	size_t rel[256], pos = h, e;
	unsigned multi = 0;

	for (unsigned c = 0x30; c < 256; c++) {
		long l = token_at(w, pos, c > 0x39);

		if (l < 0 || pos - h > IC_MAX_KSYM_TOKEN_TABLE) {
			pr_debug(ctx, "kallsyms: 0x%" PRIx64 ": digit run, but token 0x%02x is not a "
				 "printable string: not a token table", w->phys + h, c);
			return -IC_ENOTFOUND;
		}
		rel[c] = pos - h;
		t->len[c] = (uint16_t)l;
		pos += (size_t)l + 1;
	}
	e = pos;
	for (unsigned a = 4; a <= 8; a += 4) {
		size_t ti = (size_t)(ic_align_up(w->phys + e, a) - w->phys);
		size_t base;
		bool ok = true;

		if (a == 8 && ti == (size_t)(ic_align_up(w->phys + e, 4) - w->phys))
			break; /* same position as already tried */
		if (!ic_in_bounds(ti, 512, w->len) || !zero_bytes(wb(w, e, ti - e), ti - e))
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
static int markers_back(const struct win *w, size_t end, unsigned es, struct marks *mk,
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
		v = rd_elem(wb(w, p, es), es);
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

static bool seqs_permutation(const struct win *w, size_t off, uint64_t n, unsigned size)
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

/* Step 3: markers end right before token_table (E1/E3/E4: zero padding only) or before the
 * seqs_of_names table that E2 puts there. Several candidates may come out; try each. */
static size_t find_markers(const struct win *w, const struct toks *t, struct marks *out, size_t max,
			   bool e2, uint64_t *budget)
{
	size_t n = 0;

	for (unsigned es = 4; es <= 8 && n < max && !e2; es += 4) {
		size_t end = (size_t)((w->phys + t->t) / es * es - w->phys);

		if (t->t < es)
			continue;
		/* The last marker is never 0, so a zero u32 right before token_table is the padding
		 * after an odd marker count; skip only that whole u32 (the last marker's high bytes
		 * are often 0, so never skip zero bytes). */
		if (es == 4 && end >= 4 && ic_get_le32(wb(w, end - 4, 4)) == 0)
			end -= 4;
		memset(&out[n], 0, sizeof(out[n]));
		if (!markers_back(w, end, es, &out[n], budget))
			n++;
	}
	/* E2: N x 3 (or 4) bytes of seqs between markers and token_table. */
	for (size_t q = t->t & ~(size_t)3; e2 && q >= 8 && t->t - q <= 4ull * IC_MAX_KALLSYMS + 16 && n < max;
	     q -= 4) {
		struct marks mk;
		uint64_t last = ic_get_le32(wb(w, q - 8, 8) + 4);

		uint64_t prev = ic_get_le32(w->b + q - 8);

		/* cheap filter before markers_back(): the last two markers */
		if (!last || q == t->t || last <= prev || last - prev < 512 ||
		    last - prev > 256ull * (2 + IC_MAX_KSYM_NAME))
			continue;
		memset(&mk, 0, sizeof(mk));
		if (!*budget)
			break;
		if (markers_back(w, q, 4, &mk, budget))
			continue;
		for (unsigned a = 4; a <= 8; a += 4) {
			size_t ss = (size_t)(ic_align_up(w->phys + q, a) - w->phys);

			if (ss > t->t || !zero_bytes(wb(w, q, ss - q), ss - q))
				continue;
			for (unsigned k = 3; k <= 4 && !mk.seqs_n; k++) {
				size_t span = t->t - ss;

				for (uint64_t nn = span >= 7 ? (span - 7) / k : 0; nn <= span / k; nn++) {
					if ((nn + 255) / 256 != mk.count ||
					    (ic_align_up(w->phys + ss + k * nn, 8) != w->phys + t->t &&
					     ic_align_up(w->phys + ss + k * nn, 4) != w->phys + t->t) ||
					    !seqs_permutation(w, ss, nn, k))
						continue;
					mk.seqs = ss;
					mk.seqs_size = k;
					mk.seqs_n = nn;
					break;
				}
			}
		}
		if (mk.seqs_n) {
			out[n++] = mk;
			break;
		}
		free(mk.m);
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
		      size_t end, bool uleb, bool *long_lens, uint64_t *budget)
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
	if (end - p >= 8 || !zero_bytes(wb(w, p, end - p), end - p))
		return -1;
	return 0;
}

struct names_hit {
	size_t ns;       /* num_syms offset */
	unsigned ns_size;
	size_t names;
	size_t names_len;
	uint64_t n;
	bool uleb;
	bool long_lens;
};

/* Step 4: num_syms immediately precedes names. Scan aligned positions before the first byte the
 * markers say must be names, for a count that fits the number of markers. */
static int find_names(const struct win *w, const struct marks *mk, struct names_hit *out,
		      uint64_t *budget)
{
	uint64_t lo_n = 256 * (uint64_t)(mk->count - 1), hi_n = 256 * (uint64_t)mk->count;
	uint64_t last = mk->m[mk->count - 1];
	size_t top, bottom;

	if (mk->start < last + 8)
		return -IC_ENOTFOUND;
	top = mk->start - (size_t)last - 2;
	bottom = top > 256u * (2 + IC_MAX_KSYM_NAME) + 16 ? top - 256u * (2 + IC_MAX_KSYM_NAME) - 16 : 0;
	if (mk->seqs_n)
		lo_n = mk->seqs_n - 1, hi_n = mk->seqs_n;
	for (size_t q = top & ~(size_t)3; q >= bottom && q + 8 <= w->len; q -= 4) {
		uint64_t v = ic_get_le32(wb(w, q, 8));

		if (v > lo_n && v <= hi_n) {
			for (unsigned gap = 4; gap <= 8; gap += 4) {
				size_t names = q + gap;

				if (!zero_bytes(w->b + q + 4, gap - 4) || names > mk->start)
					continue;
				/* 8-byte counts only with 8-byte markers (before 4.20), 8-aligned. */
				if (mk->esize == 8 && (gap != 8 || (w->phys + q) % 8))
					continue;
				for (int uleb = 1; uleb >= 0; uleb--) {
					bool ll;

					if (walk_names(w, names, v, mk, mk->start, uleb, &ll, budget))
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
static int expand_names(const struct ic_ctx *ctx, const struct win *w, const struct toks *t,
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
	/* find_names() walked these already; the token strings are read raw below */
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
		if (bl < 2 || !is_type_char(buf[0])) {
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

/* Address decoders: fill addr[], false when the sequence is not non-decreasing. */
static bool dec_relative(const struct win *w, size_t o, uint64_t n, uint64_t rb, bool percpu,
			 struct ic_ksym *s, bool *neg_seen)
{
	uint64_t prev = 0;

	*neg_seen = false;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t u = ic_get_le32(wb(w, o + 4 * i, 4));
		uint64_t a;

		s[i].flags = 0;
		if (!percpu) {
			a = rb + u;
		} else if (u & 0x80000000u) {
			a = rb - 1 - (uint64_t)(int64_t)(int32_t)u;
			*neg_seen = true;
		} else {
			a = u;
			if (s[i].type != 'A' && s[i].type != 'a')
				return false; /* only per-CPU 'A' symbols are stored absolute */
			s[i].flags |= IC_SYM_ABSOLUTE;
		}
		if (i && a < prev)
			return false;
		s[i].addr = prev = a;
	}
	return true;
}

static bool dec_place(const struct win *w, size_t o, uint64_t n, struct ic_ksym *s)
{
	uint64_t prev = 0;

	for (uint64_t i = 0; i < n; i++) {
		int32_t v = (int32_t)ic_get_le32(wb(w, o + 4 * i, 4));
		uint64_t a = w->phys + o + 4 * i + (uint64_t)(int64_t)v;

		if (i && a < prev)
			return false;
		s[i].addr = prev = a;
	}
	return true;
}

static bool dec_absolute(const struct win *w, size_t o, uint64_t n, struct ic_ksym *s)
{
	uint64_t prev = 0;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = ic_get_le64(wb(w, o + 8 * i, 8));

		if (i && a < prev)
			return false;
		s[i].addr = prev = a;
	}
	return true;
}

/* Start of the kernel text: _text, or _stext where kallsyms lacks _text (arm64 without
 * KALLSYMS_ALL: _text lies before _stext, outside the text ranges kallsyms keeps). -1: none. */
static long text_start(const struct ic_kallsyms *k)
{
	long it = ic_kallsyms__find(k, "_text");

	return it >= 0 ? it : ic_kallsyms__find(k, "_stext");
}

/* Hard checks on the decoded symbol set (docs/kallsyms.md "Validation"). */
static const char *check_symbols(const struct ic_kallsyms *k)
{
	long it = text_start(k), is = ic_kallsyms__find(k, "_stext");
	long ie = ic_kallsyms__find(k, "_etext"), isk = ic_kallsyms__find(k, "start_kernel");
	long isi = ic_kallsyms__find(k, "_sinittext"), iei = ic_kallsyms__find(k, "_einittext");
	uint64_t text = 0;

	if (it < 0 || is < 0 || ie < 0 || isk < 0)
		return "_stext, _etext or start_kernel missing";
	if (!(k->syms[it].addr <= k->syms[is].addr && k->syms[is].addr < k->syms[ie].addr))
		return "not _text <= _stext < _etext";
	if (k->syms[ie].addr - k->syms[it].addr < (1u << 20) ||
	    k->syms[ie].addr - k->syms[it].addr > (256u << 20))
		return "_etext - _text outside [1 MiB, 256 MiB]";
	if (isi >= 0 && iei >= 0) {
		if (!(k->syms[ie].addr <= k->syms[isi].addr && k->syms[isi].addr <= k->syms[isk].addr &&
		      k->syms[isk].addr < k->syms[iei].addr))
			return "not _etext <= _sinittext <= start_kernel < _einittext";
	} else if (!(k->syms[isk].addr > k->syms[it].addr)) {
		return "start_kernel before _text";
	}
	for (size_t i = 0; i < k->nsyms; i++)
		text += k->syms[i].type == 't' || k->syms[i].type == 'T';
	if (text * 1000 < MIN_TEXT_PERMILLE * (uint64_t)k->nsyms)
		return "too few text symbols";
	return NULL;
}

/* Runtime addresses of a 64-bit kernel (x86-64, arm64) have the top 16 bits set, and
 * relative_base is the first non-absolute symbol, at or below _text. rb 0: absolute table. */
static const char *check_base(const struct ic_kallsyms *k, uint64_t rb)
{
	uint64_t text = k->syms[text_start(k)].addr;

	if (text >> 48 != 0xffff)
		return "_text is not a 64-bit kernel address";
	if (rb && (rb >> 48 != 0xffff || rb > text || text - rb > (256u << 20)))
		return "relative_base is not a kernel address at or just below _text";
	return NULL;
}

/* Place-relative: the decoded _text.._etext are physical and must lie in the window (the kernel
 * image is one contiguous block holding both the code and the tables). */
static const char *check_phys(const struct ic_kallsyms *k, const struct win *w)
{
	uint64_t text = k->syms[text_start(k)].addr;
	uint64_t etext = k->syms[ic_kallsyms__find(k, "_etext")].addr;

	if (text < w->phys || etext > w->phys + w->len)
		return "place-relative _text.._etext fall outside the memory around the tables";
	return NULL;
}

static void set_table(struct ic_kallsyms *k, enum ic_ksym_tab i, const char *name, uint64_t phys,
		      uint64_t size)
{
	k->tables[i].name = name;
	k->tables[i].phys = phys;
	k->tables[i].size = size;
	k->tables[i].virt = 0;
}

/* Step 5: the address table, in every place and encoding the layouts allow. */
static int find_addresses(const struct ic_ctx *ctx, const struct win *w, const struct toks *t,
			  const struct marks *mk, const struct names_hit *nh, struct ic_kallsyms *k)
{
	uint64_t n = nh->n;
	size_t after = t->ti + 512;
	const char *why = "no address table decodes monotonically";
	bool neg;

	/* After token_index: E3 (offsets + relative_base, or addresses) and E4 (place-relative). */
	if (!mk->seqs_n && ic_in_bounds(after, 4 * n, w->len)) {
		size_t rbo = (size_t)(ic_align_up(w->phys + after + 4 * n, 8) - w->phys);

		if (ic_in_bounds(rbo, 8, w->len)) {
			uint64_t rb = ic_get_le64(wb(w, rbo, 8));

			for (int pc = 0; pc <= 1; pc++) {
				const char *bad;

				if (!dec_relative(w, after, n, rb, pc, k->syms, &neg) || (pc && !neg))
					continue;
				if ((bad = check_symbols(k)) || (bad = check_base(k, rb))) {
					why = bad;
					continue;
				}
				k->era = IC_KSYM_E3;
				k->addr_enc = pc ? IC_KSYM_ABS_PERCPU : IC_KSYM_BASE_RELATIVE;
				k->relative_base = rb;
				set_table(k, IC_KTAB_ADDRS, "kallsyms_offsets", w->phys + after, 4 * n);
				set_table(k, IC_KTAB_RELATIVE_BASE, "kallsyms_relative_base", w->phys + rbo, 8);
				k->tables[IC_KTAB_SEQS].phys = ic_align_up(w->phys + rbo + 8, 8);
				return 0;
			}
		}
		for (size_t i = 0; i < n; i++)
			k->syms[i].flags = 0;
		if (dec_place(w, after, n, k->syms)) {
			const char *bad = check_symbols(k) ?: check_phys(k, w);

			if (!bad) {
				k->era = IC_KSYM_E4;
				k->addr_enc = IC_KSYM_PLACE_RELATIVE;
				k->addr_is_phys = true;
				set_table(k, IC_KTAB_ADDRS, "kallsyms_offsets", w->phys + after, 4 * n);
				k->tables[IC_KTAB_SEQS].phys = ic_align_up(w->phys + after + 4 * n, 4);
				return 0;
			}
			why = bad;
		}
		{
			size_t ao = (size_t)(ic_align_up(w->phys + after, 8) - w->phys);

			if (ic_in_bounds(ao, 8 * n, w->len) && dec_absolute(w, ao, n, k->syms)) {
				const char *bad = check_symbols(k) ?: check_base(k, 0);

				if (!bad) {
					k->era = IC_KSYM_E3;
					k->addr_enc = IC_KSYM_ABSOLUTE;
					set_table(k, IC_KTAB_ADDRS, "kallsyms_addresses", w->phys + ao, 8 * n);
					k->tables[IC_KTAB_SEQS].phys = ic_align_up(w->phys + ao + 8 * n, 8);
					return 0;
				}
				why = bad;
			}
		}
	}
	/* Before num_syms: E1/E2. relative_base is the u64 right before num_syms; offsets end at
	 * it (plus 4 zero bytes when N is odd). Absolute addresses end at num_syms itself. */
	if (nh->ns >= 8 && (w->phys + nh->ns) % 8 == 0) {
		size_t rbo = nh->ns - 8;
		uint64_t rb = ic_get_le64(wb(w, rbo, 8));
		size_t pad = n % 2 ? 4 : 0;

		if (rbo >= 4 * n + pad && zero_bytes(wb(w, rbo - pad, pad), pad)) {
			size_t o = rbo - pad - 4 * n;

			for (size_t i = 0; i < n; i++)
				k->syms[i].flags = 0;
			for (int pc = 0; pc <= 1; pc++) {
				const char *bad;

				if (!dec_relative(w, o, n, rb, pc, k->syms, &neg) || (pc && !neg))
					continue;
				if ((bad = check_symbols(k)) || (bad = check_base(k, rb))) {
					why = bad;
					continue;
				}
				k->era = mk->seqs_n ? IC_KSYM_E2 : IC_KSYM_E1;
				k->addr_enc = pc ? IC_KSYM_ABS_PERCPU : IC_KSYM_BASE_RELATIVE;
				k->relative_base = rb;
				set_table(k, IC_KTAB_ADDRS, "kallsyms_offsets", w->phys + o, 4 * n);
				set_table(k, IC_KTAB_RELATIVE_BASE, "kallsyms_relative_base", w->phys + rbo, 8);
				return 0;
			}
		}
		for (size_t i = 0; i < n; i++)
			k->syms[i].flags = 0;
		if (nh->ns >= 8 * n && dec_absolute(w, nh->ns - 8 * n, n, k->syms)) {
			const char *bad = check_symbols(k) ?: check_base(k, 0);

			if (!bad) {
				k->era = mk->seqs_n ? IC_KSYM_E2 : IC_KSYM_E1;
				k->addr_enc = IC_KSYM_ABSOLUTE;
				set_table(k, IC_KTAB_ADDRS, "kallsyms_addresses", w->phys + nh->ns - 8 * n,
					  8 * n);
				return 0;
			}
			why = bad;
		}
	}
	pr_debug(ctx, "kallsyms: names at 0x%" PRIx64 " (%" PRIu64 " symbols): addresses rejected: %s",
		 w->phys + nh->names, n, why);
	return -IC_ENOTFOUND;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The contiguous run around phys (ic_image__run), or NULL when phys is absent. */
static const struct ic_range *range_of(const struct ic_image *img, uint64_t phys, uint64_t back,
				       uint64_t fwd, struct ic_range *run)
{
	return ic_image__run(img, phys, back, fwd, run) ? run : NULL;
}

/* A view of [lo, hi): zero-copy when the format allows, else a malloc'd copy in *own; with lz,
 * a lazy one (loaded by wb() as read; release it with win_release()). */
static int get_win(const struct ic_image *img, uint64_t lo, uint64_t hi, struct win *w,
		   struct win_lazy *lz, void **own)
{
	*own = NULL;
	w->phys = lo;
	w->len = (size_t)(hi - lo);
	w->lz = NULL;
	w->b = ic_image__ptr(img, lo, w->len);
	if (w->b)
		return 0;
	if (!(*own = malloc(w->len ? w->len : 1)))
		return -ENOMEM;
	if (lz) {
		/* malloc'd pages are only backed once touched: an untouched window costs nothing */
		memset(lz, 0, sizeof(*lz));
		lz->img = img;
		lz->buf = *own;
		lz->have = ic_calloc(w->len / WIN_CHUNK / 64 + 1, sizeof(*lz->have));
		if (!lz->have) {
			free(*own);
			*own = NULL;
			return -ENOMEM;
		}
		w->lz = lz;
		w->b = *own;
		return 0;
	}
	if (ic_image__read(img, lo, *own, w->len)) {
		free(*own);
		*own = NULL;
		return -IC_ENOTFOUND;
	}
	w->b = *own;
	return 0;
}

/* Free what get_win() allocated; a lazy window whose loads failed turns ok into -IC_ENOTFOUND
 * (as the eager copy of an unreadable window did, but only for bytes the decode needed). */
static int win_release(struct win *w, void *own, int err)
{
	if (w->lz) {
		if (!err && w->lz->err)
			err = w->lz->err;
		free(w->lz->have);
		w->lz = NULL;
	}
	free(own);
	return err;
}

void ic_kallsyms__set_delta(struct ic_kallsyms *k, uint64_t delta, const char *source)
{
	if (k->addr_is_phys)
		for (size_t i = 0; i < k->nsyms; i++)
			k->syms[i].addr += delta;
	if (k->have_delta && !k->addr_is_phys && k->addr_enc == IC_KSYM_PLACE_RELATIVE)
		for (size_t i = 0; i < k->nsyms; i++)
			k->syms[i].addr += delta - k->virt_delta;
	k->addr_is_phys = false;
	k->have_delta = true;
	k->virt_delta = delta;
	k->delta_source = source;
	for (unsigned i = 0; i < IC_KTAB__COUNT; i++)
		if (k->tables[i].name)
			k->tables[i].virt = k->tables[i].phys + delta;
}

static const char *const vmci_keys[IC_KTAB__COUNT] = {
	[IC_KTAB_NUM_SYMS] = "SYMBOL(kallsyms_num_syms)",
	[IC_KTAB_NAMES] = "SYMBOL(kallsyms_names)",
	[IC_KTAB_TOKEN_TABLE] = "SYMBOL(kallsyms_token_table)",
	[IC_KTAB_TOKEN_INDEX] = "SYMBOL(kallsyms_token_index)",
	[IC_KTAB_ADDRS] = "SYMBOL(kallsyms_offsets)",
	[IC_KTAB_RELATIVE_BASE] = "SYMBOL(kallsyms_relative_base)",
};

/* Is v the address of some symbol? (syms[] is sorted by address: kallsyms order.) */
static bool is_sym_addr(const struct ic_kallsyms *k, uint64_t v)
{
	size_t lo = 0, hi = k->nsyms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k->nsyms && k->syms[lo].addr == v;
}

/*
 * Evidence for a virtual base: data and rodata objects very often start with a pointer to
 * another symbol (ops tables, descriptors, list heads). With the right delta, the first u64 of
 * many of them is exactly some symbol's runtime address; with a wrong one, almost none is.
 * phys_syms: syms[].addr are physical (place-relative), else runtime.
 */
static size_t pointer_hits(const struct ic_image *img, const struct ic_kallsyms *k, uint64_t delta,
			   bool phys_syms)
{
	size_t hits = 0;

	for (size_t i = 0; i < k->nsyms; i++) {
		uint8_t b8[8];
		char ty = k->syms[i].type;
		uint64_t at = phys_syms ? k->syms[i].addr : k->syms[i].addr - delta, v;

		if (!strchr("dDrR", ty) || k->syms[i].addr % 8 || ic_image__read(img, at, b8, 8))
			continue;
		v = ic_get_le64(b8);
		if (v >> 48 == 0xffff && is_sym_addr(k, phys_syms ? v - delta : v))
			hits++;
	}
	return hits;
}

/* SYMBOL(x)=<hex> from VMCOREINFO (read here from the public entries, strictly). */
static int vmci_symbol(const struct ic_vmcoreinfo *vi, const char *key, uint64_t *out)
{
	for (size_t i = 0; i < vi->nentries; i++) {
		const char *v = vi->entries[i].value;
		uint64_t x = 0;
		size_t n = 0;

		if (!vi->entries[i].key || !v || strcmp(vi->entries[i].key, key))
			continue;
		for (; v[n] && v[n] != '\n' && v[n] != '\r'; n++) {
			char c = v[n];
			unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
				   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;

			if (d > 15 || n >= 16)
				return -IC_EFORMAT;
			x = x << 4 | d;
		}
		if (!n)
			return -IC_EFORMAT;
		*out = x;
		return 0;
	}
	return -IC_ENOTFOUND;
}

/*
 * The virtual base. (1) VMCOREINFO SYMBOL(kallsyms_*) are runtime addresses of the tables we
 * hold physically: every one present must give the same delta. (2) Without it, self-pointing
 * data (an empty static LIST_HEAD holds its own address; objects starting with a pointer into
 * themselves): for a candidate delta, count data symbols whose first u64 points into the first
 * 4 KiB of their own runtime address. For
 * place-relative tables each symbol's physical address is known, so each such word proposes a
 * delta directly; for runtime tables the candidates come from where linux_banner's text is.
 */
static void learn_delta(const struct ic_ctx *ctx, const struct ic_image *img,
			const struct ic_vmcoreinfo *vi, struct ic_kallsyms *k)
{
	bool any = false, agree = true;
	uint64_t d = 0;

	for (unsigned i = 0; vi && i < IC_KTAB__COUNT; i++) {
		uint64_t v;

		if (!vmci_keys[i] || !k->tables[i].name || vmci_symbol(vi, vmci_keys[i], &v))
			continue;
		if (any && v - k->tables[i].phys != d)
			agree = false;
		d = v - k->tables[i].phys;
		any = true;
	}
	if (any && agree) {
		k->vmcoreinfo_agrees = true;
		ic_kallsyms__set_delta(k, d, "vmcoreinfo");
		pr_info(ctx, "kallsyms: VMCOREINFO SYMBOL(kallsyms_*) agree with the tables at 0x%" PRIx64
			", virt - phys = 0x%" PRIx64, k->tables[IC_KTAB_NAMES].phys, d);
		return;
	}
	if (any)
		pr_info(ctx, "kallsyms: VMCOREINFO SYMBOL(kallsyms_*) do not match the tables at 0x%" PRIx64
			" (another kernel copy?)", k->tables[IC_KTAB_NAMES].phys);

	if (k->addr_is_phys) {
		/* Vote: u64 at P(s) minus P(s), over data symbols; the mode wins. */
		uint64_t *dd = ic_calloc(k->nsyms + 1, sizeof(*dd)), best = 0;
		size_t nd = 0, votes = 0;

		if (!dd)
			return;
		for (size_t i = 0; i < k->nsyms; i++) {
			uint8_t b8[8];
			char ty = k->syms[i].type;

			if (ty != 'd' && ty != 'D' && ty != 'b' && ty != 'B')
				continue;
			if (k->syms[i].addr % 8 || ic_image__read(img, k->syms[i].addr, b8, 8))
				continue;
			if (ic_get_le64(b8) >> 48 != 0xffff) /* not a 64-bit kernel pointer */
				continue;
			/* a pointer to itself or a little past its own start (the list_head inside
			 * the object, as for empty static lists): virt(s) + [0, 4 KiB) */
			dd[nd++] = (ic_get_le64(b8) - k->syms[i].addr) & ~(uint64_t)4095;
		}
		qsort(dd, nd, sizeof(*dd), cmp_u64);
		/* The 4 most common buckets are the candidates; pointer_hits() decides. */
		{
			uint64_t cand[4] = { 0 };
			size_t cc[4] = { 0 }, hits, best_hits = 0, second = 0;

			for (size_t i = 0, j; i < nd; i = j) {
				for (j = i; j < nd && dd[j] == dd[i]; j++)
					;
				for (unsigned c = 0; c < 4; c++)
					if (j - i > cc[c]) {
						memmove(&cand[c + 1], &cand[c], (3 - c) * sizeof(*cand));
						memmove(&cc[c + 1], &cc[c], (3 - c) * sizeof(*cc));
						cand[c] = dd[i];
						cc[c] = j - i;
						break;
					}
			}
			size_t hc[4] = { 0 };
			bool aligned[4] = { false }, any_aligned = false;
			long it = ic_kallsyms__find(k, "_text");

			free(dd);
			/* Runtime _text is 2 MiB-aligned on x86-64 and arm64: candidates that make it so
			 * win over those that do not (neighbouring pages score too, via nearby symbols).
			 * Without _text in kallsyms there is no such preference. */
			for (unsigned c = 0; c < 4 && cc[c]; c++) {
				hc[c] = pointer_hits(img, k, cand[c], true);
				aligned[c] = it >= 0 && (k->syms[it].addr + cand[c]) % (2u << 20) == 0;
				any_aligned |= aligned[c] && hc[c] >= 64;
				pr_debug(ctx, "kallsyms: candidate virt - phys 0x%" PRIx64 ": %zu self-pointer "
					 "votes, %zu exact symbol pointers%s", cand[c], cc[c], hc[c],
					 aligned[c] ? ", _text 2 MiB-aligned" : "");
			}
			for (unsigned c = 0; c < 4 && cc[c]; c++) {
				hits = hc[c];
				if (any_aligned && !aligned[c])
					continue;
				if (hits > best_hits)
					second = best_hits, best_hits = hits, best = cand[c], votes = cc[c];
				else if (hits > second)
					second = hits;
			}
			if (best_hits >= 64 && best_hits >= 2 * second) {
				ic_kallsyms__set_delta(k, best, "self-pointers");
				k->delta_hits = best_hits;
				pr_info(ctx, "kallsyms: virt - phys = 0x%" PRIx64 " from %zu self-pointing data "
					"symbols and %zu exact symbol pointers", best, votes, best_hits);
			} else {
				pr_info(ctx, "kallsyms: virtual base unknown (best candidate: %zu symbol "
					"pointers, runner-up %zu); symbol addresses stay physical", best_hits,
					second);
			}
		}
		return;
	}
	/* Runtime addresses: try deltas that put linux_banner on a "Linux version " string. */
	{
		long ib = ic_kallsyms__find(k, "linux_banner");
		struct ic_range run;
		const struct ic_range *r = range_of(img, k->tables[IC_KTAB_NAMES].phys,
						    IC_KSYM_WINDOW_BACK, IC_KSYM_WINDOW_BACK +
						    IC_KSYM_WINDOW_FWD, &run);
		uint64_t best = 0;
		size_t bestv = 0, second = 0, evals = 0;

		if (ib < 0 || !r) {
			pr_info(ctx, "kallsyms: no linux_banner symbol; table virtual addresses unknown");
			return;
		}
		/* The banner is in .rodata like the tables: within the window around them. */
		{
			uint64_t lo = k->tables[IC_KTAB_NAMES].phys > r->phys + IC_KSYM_WINDOW_BACK
					      ? k->tables[IC_KTAB_NAMES].phys - IC_KSYM_WINDOW_BACK
					      : r->phys;
			uint64_t hi = r->phys + r->len - lo > (uint64_t)IC_KSYM_WINDOW_BACK + IC_KSYM_WINDOW_FWD
					      ? lo + IC_KSYM_WINDOW_BACK + IC_KSYM_WINDOW_FWD
					      : r->phys + r->len;
			struct win w;
			void *own;
			static const char pat[] = "Linux version ";

			if (get_win(img, lo, hi, &w, NULL, &own))
				return;
			for (const uint8_t *p = w.b; (p = ic_find(p, w.len - (size_t)(p - w.b),
								 (const uint8_t *)pat, sizeof(pat) - 1));
			     p++) {
				uint64_t ph = w.phys + (uint64_t)(p - w.b);
				uint64_t dd = k->syms[ib].addr - ph;
				size_t v;

				if (dd % 4096)
					continue;
				if (++evals > 32) { /* real dumps: the banner, a few log and cache copies */
					pr_debug(ctx, "kallsyms: more than 32 page-consistent banner copies; "
						 "stopped looking");
					break;
				}
				v = pointer_hits(img, k, dd, false);
				pr_debug(ctx, "kallsyms: \"Linux version \" at 0x%" PRIx64 ": virt - phys 0x%" PRIx64
					 ", %zu exact symbol pointers", ph, dd, v);
				if (v > bestv)
					second = bestv, bestv = v, best = dd;
				else if (v > second)
					second = v;
				if ((size_t)(p - w.b) + 1 >= w.len)
					break;
			}
			free(own);
		}
		if (bestv >= 64 && bestv >= 2 * second) {
			ic_kallsyms__set_delta(k, best, "linux_banner");
			k->delta_hits = bestv;
			pr_info(ctx, "kallsyms: virt - phys = 0x%" PRIx64 " from linux_banner, confirmed by "
				"%zu exact symbol pointers", best, bestv);
		} else {
			pr_info(ctx, "kallsyms: table virtual addresses unknown (no confirmed linux_banner)");
		}
	}
}

int ic_kallsyms__probe(const struct ic_ctx *ctx, const struct ic_image *img, uint64_t anchor)
{
	struct ic_range run;
	const struct ic_range *r = range_of(img, anchor, IC_MAX_KSYM_TOKEN_TABLE,
					    2u * IC_MAX_KSYM_TOKEN_TABLE + 1024, &run);
	struct win w;
	struct win_lazy lz;
	void *own = NULL;
	struct toks t;
	uint64_t lo, hi;
	int err;

	if (!r)
		return -IC_ENOTFOUND;
	lo = anchor - r->phys > IC_MAX_KSYM_TOKEN_TABLE ? anchor - IC_MAX_KSYM_TOKEN_TABLE : r->phys;
	/* window offsets keep the physical alignment the layouts are defined by */
	lo = lo % 8 ? (lo - lo % 8 >= r->phys ? lo - lo % 8 : lo + (8 - lo % 8)) : lo;
	hi = r->phys + r->len - anchor > 2u * IC_MAX_KSYM_TOKEN_TABLE + 1024
		     ? anchor + 2u * IC_MAX_KSYM_TOKEN_TABLE + 1024
		     : r->phys + r->len;
	if (lo > anchor)
		return -IC_ENOTFOUND;
	err = get_win(img, lo, hi, &w, &lz, &own);
	if (err)
		return err;
	err = find_tokens(ctx, &w, (size_t)(anchor - lo), &t);
	return win_release(&w, own, err);
}

/* like's result as decoded at like->anchor + s: the state before learn_delta(), moved by s. */
static struct ic_kallsyms *moved_copy(const struct ic_kallsyms *like, uint64_t s)
{
	struct ic_kallsyms *k = malloc(sizeof(*k));
	bool pr = like->addr_enc == IC_KSYM_PLACE_RELATIVE;

	if (!k)
		return NULL;
	*k = *like;
	/* The same bytes decode to the same names: they are read from like, not copied (several
	 * MiB per copy). So are the symbols, unless place-relative addresses move with the copy. */
	k->arena_borrowed = true;
	k->syms_borrowed = !pr;
	if (pr) {
		k->syms = ic_reallocarray(NULL, like->nsyms ? like->nsyms : 1, sizeof(*k->syms));
		if (!k->syms) {
			free(k);
			return NULL;
		}
		for (size_t i = 0; i < like->nsyms; i++) {
			k->syms[i] = like->syms[i];
			/* place-relative addresses are physical, plus the delta once one was set */
			k->syms[i].addr += s - (like->have_delta ? like->virt_delta : 0);
		}
	}
	k->addr_is_phys = like->addr_enc == IC_KSYM_PLACE_RELATIVE;
	k->have_delta = false;
	k->virt_delta = 0;
	k->delta_source = NULL;
	k->delta_hits = 0;
	k->vmcoreinfo_agrees = false;
	k->copies = 0;
	k->anchor = like->anchor + s;
	k->win_phys = like->win_phys + s;
	k->fp_lo = like->fp_lo + s;
	k->fp_hi = like->fp_hi + s;
	for (unsigned i = 0; i < IC_KTAB__COUNT; i++) {
		if (k->tables[i].name || k->tables[i].phys)
			k->tables[i].phys += s;
		k->tables[i].virt = 0;
	}
	return k;
}

int ic_kallsyms__decode(const struct ic_ctx *ctx, const struct ic_image *img, uint64_t anchor,
			const struct ic_vmcoreinfo *vi, struct ic_kallsyms **out)
{
	return ic_kallsyms__decode_like(ctx, img, anchor, vi, NULL, out);
}

int ic_kallsyms__decode_like(const struct ic_ctx *ctx, const struct ic_image *img, uint64_t anchor,
			     const struct ic_vmcoreinfo *vi, const struct ic_kallsyms *like,
			     struct ic_kallsyms **out)
{
	struct ic_range run;
	const struct ic_range *r = range_of(img, anchor, IC_KSYM_WINDOW_BACK, IC_KSYM_WINDOW_FWD, &run);
	struct win w;
	struct win_lazy lz;
	void *own = NULL;
	struct toks t;
	struct marks mk[4];
	size_t nmk = 0;
	struct ic_kallsyms *k = NULL;
	uint64_t lo, hi, budget = IC_KSYM_WORK_BUDGET;
	int err = -IC_ENOTFOUND;

	*out = NULL;
	memset(mk, 0, sizeof(mk));
	if (!r)
		return -IC_ENOTFOUND;
	/* Cheap first: the token tables alone, from a small view. */
	err = ic_kallsyms__probe(ctx, img, anchor);
	if (err)
		return err;

	/* Now the whole neighbourhood the other tables can occupy. */
	lo = anchor - r->phys > IC_KSYM_WINDOW_BACK ? anchor - IC_KSYM_WINDOW_BACK : r->phys;
	lo = lo % 8 ? (lo - lo % 8 >= r->phys ? lo - lo % 8 : lo + (8 - lo % 8)) : lo;
	hi = r->phys + r->len - anchor > IC_KSYM_WINDOW_FWD ? anchor + IC_KSYM_WINDOW_FWD : r->phys + r->len;
	if (lo > anchor)
		return -IC_ENOTFOUND;
	/* Another copy of like's kernel: every byte like's decode read is the same here (and the
	 * window has the same geometry and page alignment), so the decode would repeat itself. */
	if (like && like->fp_hi && anchor != like->anchor && (anchor - like->anchor) % 4096 == 0 &&
	    like->win_len == hi - lo && lo - like->win_phys == anchor - like->anchor &&
	    ic_image__same(img, like->fp_lo, like->fp_lo + (anchor - like->anchor),
			   like->fp_hi - like->fp_lo)) {
		k = moved_copy(like, anchor - like->anchor);
		if (!k)
			return -ENOMEM;
		pr_debug(ctx, "kallsyms: 0x%" PRIx64 "-0x%" PRIx64 " holds the same stored bytes as "
			 "0x%" PRIx64 "-0x%" PRIx64 ": its decode taken over", k->fp_lo, k->fp_hi,
			 like->fp_lo, like->fp_hi);
		err = 0;
		goto done;
	}
	err = get_win(img, lo, hi, &w, &lz, &own);
	if (err)
		return err;
	err = find_tokens(ctx, &w, (size_t)(anchor - lo), &t);
	if (err)
		goto out;
	nmk = find_markers(&w, &t, mk, IC_ARRAY_SIZE(mk), false, &budget);
	err = -IC_ENOTFOUND;
	/* Markers right before token_table first; the E2 search (seqs in between) only if needed. */
	for (size_t mi = 0, pass = 0; err && pass < 2; mi++) {
		struct names_hit nh;
		int e;

		if (mi == nmk) {
			for (size_t i = 0; i < nmk; i++) {
				free(mk[i].m);
				mk[i].m = NULL;
			}
			if (++pass == 2)
				break;
			nmk = find_markers(&w, &t, mk, IC_ARRAY_SIZE(mk), true, &budget);
			mi = (size_t)-1;
			if (!nmk)
				pr_debug(ctx, "kallsyms: token table at 0x%" PRIx64 ": no kallsyms_markers "
					 "before it", w.phys + t.t);
			continue;
		}
		if (find_names(&w, &mk[mi], &nh, &budget)) {
			pr_debug(ctx, "kallsyms: markers at 0x%" PRIx64 " (%zu x %u bytes): no num_syms + "
				 "names that reproduce them", w.phys + mk[mi].start, mk[mi].count, mk[mi].esize);
			continue;
		}
		if (nh.n > IC_MAX_KALLSYMS) {
			err = -IC_ELIMIT;
			break;
		}
		k = calloc(1, sizeof(*k));
		if (!k || !(k->syms = ic_calloc((size_t)nh.n, sizeof(*k->syms)))) {
			err = -ENOMEM;
			break;
		}
		k->nsyms = (size_t)nh.n;
		k->num_syms = nh.n;
		e = expand_names(ctx, &w, &t, &nh, k);
		if (!e)
			e = find_addresses(ctx, &w, &t, &mk[mi], &nh, k);
		if (e) {
			ic_kallsyms__free(k);
			k = NULL;
			if (e != -IC_ENOTFOUND) {
				err = e;
				break;
			}
			continue;
		}
		k->len_enc = !nh.long_lens ? IC_KSYM_LEN_SHORT
			     : nh.uleb ? IC_KSYM_LEN_ULEB128 : IC_KSYM_LEN_1BYTE;
		k->anchor = anchor;
		k->num_syms_size = nh.ns_size;
		k->markers_size = mk[mi].esize;
		k->align = k->era == IC_KSYM_E4 ? 4 : 8;
		set_table(k, IC_KTAB_NUM_SYMS, "kallsyms_num_syms", w.phys + nh.ns, nh.ns_size);
		set_table(k, IC_KTAB_NAMES, "kallsyms_names", w.phys + nh.names, nh.names_len);
		set_table(k, IC_KTAB_MARKERS, "kallsyms_markers", w.phys + mk[mi].start,
			  mk[mi].count * mk[mi].esize);
		set_table(k, IC_KTAB_TOKEN_TABLE, "kallsyms_token_table", w.phys + t.t, t.tt_len);
		set_table(k, IC_KTAB_TOKEN_INDEX, "kallsyms_token_index", w.phys + t.ti, 512);
		if (mk[mi].seqs_n) {
			set_table(k, IC_KTAB_SEQS, "kallsyms_seqs_of_names", w.phys + mk[mi].seqs,
				  mk[mi].seqs_size * nh.n);
			k->seqs_size = mk[mi].seqs_size;
		} else if (k->tables[IC_KTAB_SEQS].phys &&
			   k->tables[IC_KTAB_SEQS].phys - w.phys <= w.len &&
			   seqs_permutation(&w, (size_t)(k->tables[IC_KTAB_SEQS].phys - w.phys), nh.n, 3)) {
			set_table(k, IC_KTAB_SEQS, "kallsyms_seqs_of_names", k->tables[IC_KTAB_SEQS].phys,
				  3 * nh.n);
			k->seqs_size = 3;
		} else {
			k->tables[IC_KTAB_SEQS].phys = 0;
		}
		err = 0;
	}
out:
	for (size_t i = 0; i < IC_ARRAY_SIZE(mk); i++)
		free(mk[i].m);
	if (!err && w.lz) {
		/* the span this decode read, for decode_like() of later copies */
		size_t nb = w.len / WIN_CHUNK + 1, first = SIZE_MAX, last = 0;

		for (size_t c = 0; c < nb; c++)
			if (w.lz->have[c / 64] >> (c % 64) & 1) {
				if (first == SIZE_MAX)
					first = c;
				last = c;
			}
		k->win_phys = w.phys;
		k->win_len = w.len;
		if (first != SIZE_MAX) {
			k->fp_lo = w.phys + first * WIN_CHUNK;
			k->fp_hi = w.phys + ((last + 1) * WIN_CHUNK < w.len ? (last + 1) * WIN_CHUNK : w.len);
		}
	}
	err = win_release(&w, own, err);
	if (err && k) {
		ic_kallsyms__free(k); /* a needed part of the window could not be read */
		k = NULL;
	}
done:
	if (!err) {
		pr_info(ctx, "kallsyms: %" PRIu64 " symbols at 0x%" PRIx64 ": %s, %s addresses, %s name "
			"lengths%s", k->num_syms, k->tables[IC_KTAB_NAMES].phys,
			ic_kallsyms__era_name(k->era), ic_kallsyms__addr_enc_name(k->addr_enc),
			ic_kallsyms__len_enc_name(k->len_enc), k->seqs_size ? ", seqs_of_names" : "");
		learn_delta(ctx, img, vi, k);
		*out = k;
	}
	return err;
}

void ic_kallsyms__free(struct ic_kallsyms *k)
{
	if (!k)
		return;
	if (!k->syms_borrowed)
		free(k->syms);
	if (!k->arena_borrowed)
		free(k->arena);
	free(k);
}

void ic_kallsyms__adopt(struct ic_kallsyms *k, struct ic_kallsyms *like)
{
	if (k->arena_borrowed && k->arena == like->arena && !like->arena_borrowed) {
		k->arena_borrowed = false;
		like->arena_borrowed = true;
	}
	if (k->syms_borrowed && k->syms == like->syms && !like->syms_borrowed) {
		k->syms_borrowed = false;
		like->syms_borrowed = true;
	}
}

long ic_kallsyms__find(const struct ic_kallsyms *k, const char *name)
{
	for (size_t i = 0; i < k->nsyms; i++)
		if (k->syms[i].name && !strcmp(k->syms[i].name, name))
			return (long)i;
	return -1;
}

const char *ic_kallsyms__era_name(enum ic_ksym_era e)
{
	switch (e) {
	case IC_KSYM_E1: return "E1";
	case IC_KSYM_E2: return "E2";
	case IC_KSYM_E3: return "E3";
	case IC_KSYM_E4: return "E4";
	}
	return "?";
}

const char *ic_kallsyms__addr_enc_name(enum ic_ksym_addr_enc e)
{
	switch (e) {
	case IC_KSYM_ABSOLUTE: return "absolute";
	case IC_KSYM_BASE_RELATIVE: return "base-relative";
	case IC_KSYM_ABS_PERCPU: return "abs-percpu";
	case IC_KSYM_PLACE_RELATIVE: return "place-relative";
	}
	return "?";
}

const char *ic_kallsyms__len_enc_name(enum ic_ksym_len_enc e)
{
	switch (e) {
	case IC_KSYM_LEN_1BYTE: return "1-byte";
	case IC_KSYM_LEN_ULEB128: return "uleb128";
	case IC_KSYM_LEN_SHORT: return "short";
	}
	return "?";
}

size_t ic_kallsyms__table_syms(const struct ic_kallsyms *k, struct ic_ksym out[IC_KTAB__COUNT])
{
	size_t n = 0;

	for (unsigned i = 0; i < IC_KTAB__COUNT; i++) {
		if (!k->tables[i].name || !k->have_delta)
			continue;
		out[n].addr = k->tables[i].virt;
		out[n].name = k->tables[i].name;
		out[n].type = 'D'; /* as System.map lists them (they are .rodata, but emitted as data) */
		out[n].flags = IC_SYM_TABLE;
		n++;
	}
	return n;
}
