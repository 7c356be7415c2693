/* SPDX-License-Identifier: MIT */
/* kallsyms decoder, era E3 (6.4-6.19): num_syms and names first; the address table follows
 * token_index: s32 offsets + the u64 kallsyms_relative_base (base-relative, or abs-percpu), or
 * u64 absolute addresses; seqs_of_names after it. Calls only core.c. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "isfcarve/symbols.h"
#include "0-base/internal.h"
#include "0-base/reader.h"
#include "decode_int.h"

/* Offsets at after (token_index + 512), relative_base at the next 8-aligned place after them. */
int ic_ksd_addrs_e3_relative(const struct win *w, size_t after, uint64_t n, struct ic_kallsyms *k,
			     const char **why)
{
	size_t rbo = (size_t)(ic_align_up(w->phys + after + 4 * n, 8) - w->phys);
	uint64_t rb;
	bool neg;

	if (!ic_in_bounds(rbo, 8, w->len))
		return -IC_ENOTFOUND;
	rb = ic_get_le64(wb(w, rbo, 8));
	for (int pc = 0; pc <= 1; pc++) {
		const char *bad;

		if (!ic_ksd_dec_relative(w, after, n, rb, pc, k->syms, &neg) || (pc && !neg))
			continue;
		if ((bad = ic_ksd_check_symbols(k)) || (bad = ic_ksd_check_base(k, rb))) {
			*why = bad;
			continue;
		}
		k->era = IC_KSYM_E3;
		k->addr_enc = pc ? IC_KSYM_ABS_PERCPU : IC_KSYM_BASE_RELATIVE;
		k->relative_base = rb;
		ic_ksd_set_table(k, IC_KTAB_ADDRS, "kallsyms_offsets", w->phys + after, 4 * n);
		ic_ksd_set_table(k, IC_KTAB_RELATIVE_BASE, "kallsyms_relative_base", w->phys + rbo, 8);
		k->tables[IC_KTAB_SEQS].phys = ic_align_up(w->phys + rbo + 8, 8);
		return 0;
	}
	return -IC_ENOTFOUND;
}

/* Absolute u64 addresses at the first 8-aligned place after token_index. */
int ic_ksd_addrs_e3_absolute(const struct win *w, size_t after, uint64_t n, struct ic_kallsyms *k,
			     const char **why)
{
	size_t ao = (size_t)(ic_align_up(w->phys + after, 8) - w->phys);
	const char *bad;

	/* ic_ksd_dec_absolute() leaves flags alone: no entry of this table is per-CPU absolute */
	for (size_t i = 0; i < n; i++)
		k->syms[i].flags = 0;
	if (!ic_in_bounds(ao, 8 * n, w->len) || !ic_ksd_dec_absolute(w, ao, n, k->syms))
		return -IC_ENOTFOUND;
	if ((bad = ic_ksd_check_symbols(k) ?: ic_ksd_check_base(k, 0))) {
		*why = bad;
		return -IC_ENOTFOUND;
	}
	k->era = IC_KSYM_E3;
	k->addr_enc = IC_KSYM_ABSOLUTE;
	ic_ksd_set_table(k, IC_KTAB_ADDRS, "kallsyms_addresses", w->phys + ao, 8 * n);
	k->tables[IC_KTAB_SEQS].phys = ic_align_up(w->phys + ao + 8 * n, 8);
	return 0;
}
