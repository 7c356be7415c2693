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

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The base (address - DATASEC offset) shared by the most variables, in *base with their
 * number in *agree, when at least IC_PERCPU_MIN_AGREE share it and they are at least 9 in 10
 * of the variables found (one symbol per variable: its first); *agree 0 otherwise. *best and
 * *found: the most sharing one base, and the variables found.
 */
#define IC_PERCPU_MIN_AGREE 16u
static int common_base(const struct ic_symtab *syms, const struct var *v,
		       const struct ic_strmap *set, uint64_t *base, size_t *agree, size_t *most,
		       size_t *found)
{
	uint64_t *d;
	bool *used;
	size_t nd = 0, best = 0, run = 0, nv = set->n;

	*agree = 0;
	*most = 0;
	*found = 0;
	d = malloc((nv ? nv : 1) * sizeof(*d));
	used = calloc(nv ? nv : 1, sizeof(*used));
	if (!d || !used) {
		free(d);
		free(used);
		return -ENOMEM;
	}
	for (size_t i = 0; i < syms->n && nd < nv; i++) {
		const struct ic_sym *s = &syms->syms[i];
		uint32_t x;

		if (!ic_strmap_get(set, s->name, &x) || used[x])
			continue;
		used[x] = true;
		d[nd++] = s->addr - v[x].off;
	}
	qsort(d, nd, sizeof(*d), u64_cmp);
	for (size_t i = 0; i < nd; i++) {
		run = i && d[i] == d[i - 1] ? run + 1 : 1;
		if (run > best) {
			best = run;
			*base = d[i];
		}
	}
	if (best >= IC_PERCPU_MIN_AGREE && best * 10 >= nd * 9)
		*agree = best;
	*most = best;
	*found = nd;
	free(d);
	free(used);
	return 0;
}

int ic_percpu__check(const struct ic_btf *btf, const struct ic_symtab *syms, char *why,
		     size_t n, size_t *checked)
{
	uint32_t nr = ic_btf__nr_types(btf), sec = 0;
	const uint32_t *r = NULL;
	struct var *v;
	struct ic_strmap set;
	size_t nv = 0, bad = 0, shown = 0, len = 0;
	uint64_t base = 0;
	bool have_base = false;
	size_t derived = 0;

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
	if (!sec)
		return 0;
	r = ic_btf__rec(btf, sec);
	v = calloc(ic_btf_vlen(r[1]) + 1, sizeof(*v));
	if (!v || ic_strmap_init(&set, ic_btf_vlen(r[1]))) { /* name -> index into v */
		free(v);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < ic_btf_vlen(r[1]); i++) {
		uint32_t var = r[3 + 3 * i];
		const char *nm = ic_btf__kind(btf, var) == IC_BTF_VAR ? ic_btf__name(btf, var) : NULL;
		int a;

		if (!nm || !*nm)
			continue;
		a = ic_strmap_add(&set, nm, (uint32_t)nv); /* a name twice: the first offset */
		if (a < 0) {
			free(v);
			ic_strmap_free(&set);
			return -ENOMEM;
		}
		if (a)
			v[nv++] = (struct var){ nm, r[4 + 3 * i], false, false, 0 };
	}
	/* No __per_cpu_start (its name damaged, and only that, would switch the check off): the
	 * base most variables agree on, when they agree overwhelmingly; when enough of them are
	 * there and share none, that is the evidence against them. */
	if (!have_base) {
		size_t most = 0, found = 0;
		int e = common_base(syms, v, &set, &base, &derived, &most, &found);

		if (!e && !derived && found >= IC_PERCPU_MIN_AGREE) {
			if (n)
				snprintf(why, n, "no __per_cpu_start, and the per-CPU variables share "
					 "no base: at most %zu of %zu do", most, found);
			*checked = found;
			e = -IC_EFORMAT;
		}
		if (e || !derived) {
			free(v);
			ic_strmap_free(&set);
			return e;
		}
		have_base = true;
	}
	/* One pass over the symbols, not ic_symtab__find() (its index over every name would be
	 * built for these few hundred). Any symbol of the name at the right place will do. */
	for (size_t i = 0; i < syms->n; i++) {
		const struct ic_sym *s = &syms->syms[i];
		struct var *x;
		uint32_t at;

		if (!ic_strmap_get(&set, s->name, &at))
			continue;
		x = &v[at];
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
		if (!shown && derived && len + 1 < n) {
			int k = snprintf(why + len, n - len, "no __per_cpu_start, base 0x%" PRIx64
					 " from %zu variables: ", base, derived);

			if (k > 0)
				len += (size_t)k < n - len ? (size_t)k : n - len - 1;
		}
		if (shown < IC_PERCPU_EVIDENCE && len + 1 < n) {
			int k = snprintf(why + len, n - len, "%s'%.60s' at %s+0x%" PRIx64
					 ", the BTF says +0x%" PRIx32, shown ? ", " : "", v[i].name,
					 derived ? "base" : "__per_cpu_start", v[i].got, v[i].off);

			if (k > 0)
				len += (size_t)k < n - len ? (size_t)k : n - len - 1;
			shown++;
		}
		bad++;
	}
	if (bad > shown && len + 1 < n)
		snprintf(why + len, n - len, ", ... (%zu)", bad);
	free(v);
	ic_strmap_free(&set);
	return bad ? -IC_EFORMAT : 0;
}
