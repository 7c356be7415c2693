/* SPDX-License-Identifier: MIT */
/* kallsyms decoder: the names checked against kallsyms_seqs_of_names (6.2+, and backports).
 *
 * scripts/kallsyms writes seqs_of_names[i] = the address-order index of the i-th symbol in
 * name order, so the kernel can binary-search names. The expanded names, taken in that order,
 * must therefore be sorted. One flipped bit in kallsyms_token_table renames every symbol that
 * uses the token, one changed byte in kallsyms_names renames one symbol; both still decode (the
 * bytes stay printable, the markers still fit), and both put names out of order unless the new
 * name happens to sort where the old one did (docs/kallsyms.md, "Name order"). Calls only
 * core.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "0-base/internal.h"
#include "0-base/reader.h"
#include "decode_int.h"

/* Inverted pairs quoted in the warning (the evidence); the count is always given. */
#define ORDER_EVIDENCE 4

static uint64_t seq_at(const uint8_t *p, unsigned size)
{
	/* 3-byte entries are big-endian (scripts/kallsyms writes the high byte first) */
	return size == 3 ? (uint64_t)p[0] << 16 | (uint64_t)p[1] << 8 | p[2] : ic_get_le32(p);
}

/* strcmp of a and b up to the first '.' of each ("" after it). Some kernels sort by names cut
 * there (scripts/kallsyms of 6.2-6.x strips ".llvm.<hash>" or everything from the first '.'
 * before comparing, CONFIG_LTO_CLANG's promoted statics); '.' sorts below every identifier
 * character, so the cut changes only the order of names equal up to their first '.'. */
static int cmp_cut(const char *a, const char *b)
{
	while (*a && *a != '.' && *a == *b)
		a++, b++;
	{
		unsigned char ca = *a == '.' ? 0 : (unsigned char)*a;
		unsigned char cb = *b == '.' ? 0 : (unsigned char)*b;

		return (int)ca - (int)cb;
	}
}

/* Two names in a row of seqs order are in order when either comparison the kernels use says
 * so: plain strcmp, or strcmp of the names cut at the first '.'. */
static bool in_order(const char *a, const char *b)
{
	return strcmp(a, b) <= 0 || cmp_cut(a, b) <= 0;
}

int ic_ksd_check_name_order(const struct ic_ctx *ctx, const struct win *w, size_t seqs,
			    unsigned size, const struct ic_kallsyms *k)
{
	const uint8_t *p;
	size_t bad = 0, shown = 0;
	char ev[ORDER_EVIDENCE * 2 * 80 + 64];
	size_t evl = 0;
	uint64_t prev = UINT64_MAX;

	if ((size != 3 && size != 4) || !ic_in_bounds(seqs, k->nsyms * size, w->len))
		return -IC_ENOTFOUND;
	p = wb(w, seqs, k->nsyms * size);
	ev[0] = '\0';
	for (size_t i = 0; i < k->nsyms; i++) {
		uint64_t s = seq_at(p + i * size, size);

		if (s >= k->nsyms) /* the caller checked it is a permutation */
			return -IC_ENOTFOUND;
		if (prev != UINT64_MAX && !in_order(k->syms[prev].name, k->syms[s].name)) {
			if (shown < ORDER_EVIDENCE && evl < sizeof(ev) - 1) {
				int n = snprintf(ev + evl, sizeof(ev) - evl, "%s'%.60s' before '%.60s'",
						 shown ? ", " : "", k->syms[prev].name, k->syms[s].name);

				if (n > 0)
					evl += (size_t)n < sizeof(ev) - evl ? (size_t)n : sizeof(ev) - evl - 1;
				shown++;
			}
			bad++;
		}
		prev = s;
	}
	if (!bad)
		return 0;
	pr_warn(ctx, "kallsyms: names at 0x%" PRIx64 ": %zu symbols, names out of name order at "
		"%zu places of kallsyms_seqs_of_names (0x%" PRIx64 "): %s%s; kallsyms_names or "
		"kallsyms_token_table is damaged, so these and possibly other names are wrong: this "
		"copy is not used", k->tables[IC_KTAB_NAMES].phys, k->nsyms, bad, w->phys + seqs, ev,
		bad > shown ? ", ..." : "");
	return -IC_ENOTFOUND;
}
