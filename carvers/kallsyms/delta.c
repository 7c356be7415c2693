/* SPDX-License-Identifier: MIT */
/* kallsyms decoder, the virtual base (virt - phys of the kernel image): VMCOREINFO's
 * SYMBOL(kallsyms_*), else self-pointing data (place-relative tables), else linux_banner
 * (runtime tables), each confirmed by exact symbol pointers. Calls only core.c. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "isfcarve/symbols.h"
#include "isfcarve/vmcoreinfo.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "decode_int.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
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
void ic_ksd_learn_delta(const struct ic_ctx *ctx, const struct ic_image *img,
			const struct ic_vmcoreinfo *vi, struct ic_kallsyms *k)
{
	bool any = false, agree = true;
	uint64_t d = 0, v0 = 0, p0 = 0, pa;

	for (unsigned i = 0; vi && i < IC_KTAB__COUNT; i++) {
		uint64_t v;

		if (!vmci_keys[i] || !k->tables[i].name || vmci_symbol(vi, vmci_keys[i], &v))
			continue;
		if (any && v - k->tables[i].phys != d)
			agree = false;
		if (!any) {
			v0 = v;
			p0 = k->tables[i].phys;
		}
		d = v - k->tables[i].phys;
		any = true;
	}
	/* The spacing alone holds for every copy of the tables (a page-cache copy, or one planted
	 * at a lower address to be chosen first): whether VMCOREINFO's own translation of the
	 * address (NUMBER(phys_base) on x86-64, NUMBER(kimage_voffset) on arm64) also puts them
	 * here is what tells the running kernel's copy (vmcoreinfo_placed, ranked first). */
	if (any && agree && !ic_vmcoreinfo__image_phys(vi, v0, &pa)) {
		k->vmcoreinfo_placed = pa == p0;
		if (pa != p0)
			pr_info(ctx, "kallsyms: VMCOREINFO SYMBOL(kallsyms_*) have the spacing of the "
				"tables at 0x%" PRIx64 " but place them at 0x%" PRIx64 ": another copy",
				p0, pa);
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
		const struct ic_range *r = ic_ksd_range_of(img, k->tables[IC_KTAB_NAMES].phys,
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

			if (ic_ksd_get_win(img, lo, hi, &w, NULL, &own))
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
