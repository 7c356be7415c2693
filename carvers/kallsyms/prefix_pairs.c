/* SPDX-License-Identifier: MIT */
/* kallsyms decoder: function addresses checked against their padding symbols.
 *
 * x86-64 kernels built with CONFIG_FUNCTION_PADDING (6.2+; Debian's 6.12 and 7.2) give every
 * function X a symbol __pfx_X for the padding objtool puts before it, always the same number
 * of bytes (CONFIG_FUNCTION_PADDING_BYTES, 16 on both fixtures: 56,793 and 51,215 pairs, not
 * one at another distance). A low bit flipped in kallsyms_offsets moves one symbol by a few
 * bytes and the table stays sorted (issue 18, D3); when the symbol is one of such a pair, the
 * distance changes and this check sees it. Data symbols, and kernels without the padding
 * symbols, are not covered (docs/security.md, "kallsyms: what can and cannot be caught").
 * Calls nothing outside this file. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "0-base/internal.h"
#include "decode_int.h"

#define PFX "__pfx_"
#define PFX_LEN 6
/* the partner X follows __pfx_X within this many entries (aliases at X's address may sit
 * before it); a partner further on is not looked for */
#define PFX_LOOKAHEAD 8
/* below this many pairs the distance is not learnt (no padding symbols, or a tiny kernel) */
#define PFX_MIN_PAIRS 1000
/* distances counted when learning the padding (the kernel's is 16, or a few bytes more with
 * CFI); a pair further apart counts as "other" */
#define PFX_MAX_DIST 64
#define PFX_EVIDENCE 3

/* Index of X after the padding symbol at i, or -1. */
static long partner(const struct ic_kallsyms *k, size_t i)
{
	const char *x = k->syms[i].name + PFX_LEN;

	for (size_t j = i + 1; j < k->nsyms && j <= i + PFX_LOOKAHEAD; j++)
		if (!strcmp(k->syms[j].name, x))
			return (long)j;
	return -1;
}

int ic_ksd_check_prefix_pairs(const struct ic_ctx *ctx, const struct ic_kallsyms *k)
{
	size_t count[PFX_MAX_DIST + 1] = { 0 }, pairs = 0, bad = 0, shown = 0;
	uint64_t pad = 0;
	char ev[PFX_EVIDENCE * 160 + 8];
	size_t evl = 0;

	for (size_t i = 0; i < k->nsyms; i++) {
		long j;
		uint64_t d;

		if (strncmp(k->syms[i].name, PFX, PFX_LEN) || (j = partner(k, i)) < 0)
			continue;
		d = k->syms[j].addr - k->syms[i].addr;
		count[d <= PFX_MAX_DIST ? d : 0]++;
		pairs++;
	}
	if (pairs < PFX_MIN_PAIRS)
		return 0;
	for (uint64_t d = 1; d <= PFX_MAX_DIST; d++)
		if (count[d] > count[pad])
			pad = d;
	/* the padding is one constant (every pair of both fixtures). Deviations are damage as
	 * long as they are few; a kernel where more than a tenth of the pairs deviate is not one
	 * this check understands (a different padding scheme): say so and check nothing. */
	if (!pad || count[pad] * 10 < pairs * 9) {
		pr_info(ctx, "kallsyms: %zu __pfx_ pairs without one common distance: not checked",
			pairs);
		return 0;
	}
	ev[0] = '\0';
	for (size_t i = 0; i < k->nsyms; i++) {
		long j;
		uint64_t d;

		if (strncmp(k->syms[i].name, PFX, PFX_LEN) || (j = partner(k, i)) < 0)
			continue;
		d = k->syms[j].addr - k->syms[i].addr;
		if (d == pad)
			continue;
		if (shown < PFX_EVIDENCE && evl < sizeof(ev) - 1) {
			int n = snprintf(ev + evl, sizeof(ev) - evl, "%s'%.60s' %" PRId64 " bytes after "
					 "its __pfx_", shown ? ", " : "", k->syms[j].name, (int64_t)d);

			if (n > 0)
				evl += (size_t)n < sizeof(ev) - evl ? (size_t)n : sizeof(ev) - evl - 1;
			shown++;
		}
		bad++;
	}
	if (!bad)
		return 0;
	pr_warn(ctx, "kallsyms: names at 0x%" PRIx64 ": %zu of %zu functions not %" PRIu64 " bytes "
		"after their __pfx_ padding symbol as all others are: %s%s; the address table is "
		"damaged, so these addresses are wrong: this copy is not used",
		k->tables[IC_KTAB_NAMES].phys, bad, pairs, pad, ev, bad > shown ? ", ..." : "");
	return -IC_ENOTFOUND;
}

/*
 * Fixed-width instruction sets: every arm64 instruction is 4 bytes and 4-byte aligned, so is
 * every function symbol (all 65,374 't'/'T' symbols of fx-arm64-forky-7.2). x86-64 has
 * thousands of unaligned text symbols (entry code labels, .cold parts: 2,495 to 5,026 on the
 * fixtures) and is told apart by where its kernel text lives (the top 2 GiB,
 * >= 0xffffffff80000000, which arm64's kernel mapping never reaches). A flipped bit 0 or 1
 * of an arm64 function's offset leaves it unaligned: damage. Bit 2 and above keep the
 * alignment and stay uncaught.
 */
#define INSN_ALIGN 4u
#define X86_64_TEXT_START 0xffffffff80000000ull
/* text symbols needed to judge; below, a tiny or unusual table is not checked */
#define INSN_MIN_TEXT 1000u

int ic_ksd_check_insn_align(const struct ic_ctx *ctx, const struct ic_kallsyms *k)
{
	size_t text = 0, bad = 0, shown = 0, evl = 0;
	char ev[PFX_EVIDENCE * 100 + 8];

	ev[0] = '\0';
	for (size_t i = 0; i < k->nsyms; i++) {
		char t = k->syms[i].type;

		if (t != 't' && t != 'T')
			continue;
		if (k->syms[i].addr >= X86_64_TEXT_START)
			return 0; /* x86-64 (or unknown): variable-length instructions */
		text++;
		if (!(k->syms[i].addr % INSN_ALIGN))
			continue;
		if (shown < PFX_EVIDENCE && evl < sizeof(ev) - 1) {
			int n = snprintf(ev + evl, sizeof(ev) - evl, "%s'%.60s' at 0x%" PRIx64,
					 shown ? ", " : "", k->syms[i].name, k->syms[i].addr);

			if (n > 0)
				evl += (size_t)n < sizeof(ev) - evl ? (size_t)n : sizeof(ev) - evl - 1;
			shown++;
		}
		bad++;
	}
	if (text < INSN_MIN_TEXT || !bad)
		return 0;
	/* a kernel with more than a few unaligned functions is not a fixed-width one this check
	 * understands: say so and check nothing */
	if (bad * 1000 > text) {
		pr_info(ctx, "kallsyms: %zu of %zu text symbols not %u-byte aligned: not checked", bad,
			text, INSN_ALIGN);
		return 0;
	}
	pr_warn(ctx, "kallsyms: names at 0x%" PRIx64 ": %zu of %zu functions not %u-byte aligned "
		"as every instruction of this architecture is: %s%s; the address table is damaged, "
		"so these addresses are wrong: this copy is not used",
		k->tables[IC_KTAB_NAMES].phys, bad, text, INSN_ALIGN, ev, bad > shown ? ", ..." : "");
	return -IC_ENOTFOUND;
}
