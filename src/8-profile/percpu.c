/* SPDX-License-Identifier: MIT */
/* Per-CPU variables: kallsyms' addresses against the BTF's DATASEC offsets (issue 18, D3). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/btf.h"
#include "isfcarve/symbols.h"
#include "percpu.h"

/*
 * pahole writes a DATASEC ".data..percpu" listing every per-CPU variable with its offset in
 * that section (380-426 variables on the fixtures). kallsyms has the same variables at
 * __per_cpu_start + offset (absolute offsets from 0 on x86-64 before 6.15, link addresses
 * after the section start on 7.x and arm64): all of them on all four fixtures. A low bit
 * flipped in kallsyms_offsets keeps the table sorted and moves one symbol a few bytes; for a
 * per-CPU variable this is the independent evidence that sees it. Other data symbols have no
 * DATASEC in a vmlinux BTF (pahole emits only the per-CPU one).
 */
struct var {
	const char *name;
	uint32_t off;
	bool seen, ok;
	uint64_t got;
};

int ic_percpu__check(const struct ic_btf *btf, const struct ic_symtab *syms, char *why,
		     size_t n, size_t *checked)
{
	uint32_t nr = ic_btf__nr_types(btf), sec = 0;
	const uint32_t *r = NULL;
	struct var *v;
	uint32_t *set;
	size_t nv = 0, cap = 16, mask, bad = 0, shown = 0, len = 0;
	uint64_t base = 0, seed;
	bool have_base = false;

	*checked = 0;
	if (n)
		why[0] = '\0';
	for (uint32_t id = 1; id <= nr && !sec; id++)
		if (ic_btf__kind(btf, id) == IC_BTF_DATASEC && ic_btf__name(btf, id) &&
		    !strcmp(ic_btf__name(btf, id), ".data..percpu"))
			sec = id;
	for (size_t i = 0; sec && i < syms->n && !have_base; i++)
		if (!strcmp(syms->syms[i].name, "__per_cpu_start")) {
			base = syms->syms[i].addr;
			have_base = true;
		}
	if (!sec || !have_base)
		return 0;
	r = ic_btf__rec(btf, sec);
	v = calloc(ic_btf_vlen(r[1]) + 1, sizeof(*v));
	while (cap < 2 * ((size_t)ic_btf_vlen(r[1]) + 1))
		cap *= 2;
	set = calloc(cap, sizeof(*set)); /* index + 1 into v; vlen < 2^16 */
	if (!v || !set) {
		free(v);
		free(set);
		return -ENOMEM;
	}
	mask = cap - 1;
	seed = ic_hash_seed(); /* BTF names are input */
	for (uint32_t i = 0; i < ic_btf_vlen(r[1]); i++) {
		uint32_t var = r[3 + 3 * i];
		const char *nm = ic_btf__kind(btf, var) == IC_BTF_VAR ? ic_btf__name(btf, var) : NULL;
		size_t h;

		if (!nm || !*nm)
			continue;
		for (h = ic_hash_str(nm, seed) & mask; set[h] && strcmp(v[set[h] - 1].name, nm); h = (h + 1) & mask)
			;
		if (set[h])
			continue; /* a name twice: the first offset is compared */
		v[nv] = (struct var){ nm, r[4 + 3 * i], false, false, 0 };
		set[h] = (uint32_t)++nv;
	}
	/* One pass over the symbols, not ic_symtab__find() (its index over every name would be
	 * built for these few hundred). Any symbol of the name at the right place will do. */
	for (size_t i = 0; i < syms->n; i++) {
		const struct ic_sym *s = &syms->syms[i];
		struct var *x;
		size_t h;

		for (h = ic_hash_str(s->name, seed) & mask; set[h] && strcmp(v[set[h] - 1].name, s->name);
		     h = (h + 1) & mask)
			;
		if (!set[h])
			continue;
		x = &v[set[h] - 1];
		if (s->addr - base == x->off)
			x->ok = true;
		else if (!x->seen)
			x->got = s->addr - base;
		x->seen = true;
	}
	for (size_t i = 0; i < nv; i++) {
		*checked += v[i].seen;
		if (!v[i].seen || v[i].ok)
			continue;
		if (shown < IC_PERCPU_EVIDENCE && len + 1 < n) {
			int k = snprintf(why + len, n - len, "%s'%.60s' at __per_cpu_start+0x%" PRIx64
					 ", the BTF says +0x%" PRIx32, shown ? ", " : "", v[i].name,
					 v[i].got, v[i].off);

			if (k > 0)
				len += (size_t)k < n - len ? (size_t)k : n - len - 1;
			shown++;
		}
		bad++;
	}
	if (bad > shown && len + 1 < n)
		snprintf(why + len, n - len, ", ... (%zu)", bad);
	free(v);
	free(set);
	return bad ? -IC_EFORMAT : 0;
}
