/* SPDX-License-Identifier: MIT */
/* kallsyms decoder, the driver: from a token-table anchor to validated tables and symbols, by
 * structure only. Runs the common steps (tables.c), the era rules in a fixed order
 * (e2_markers.c, e3_addrs.c, e4_place.c, e1e2_addrs.c, e0_absolute.c), the name-order and
 * padding-symbol checks (name_order.c, prefix_pairs.c) and the virtual base (delta.c);
 * nothing calls back into it (decode_int.h has the map). */
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
#include "decode_int.h"

/* Step 5: the address table, in every place and encoding the layouts allow, in this order:
 * after token_index E3 base-relative/abs-percpu, E4 place-relative, E3 absolute; before
 * num_syms E1/E2, then E0 (absolute, u64 num_syms). With 256-byte padding only E0. The first
 * that decodes and passes the symbol checks wins. */
static int find_addresses(const struct ic_ctx *ctx, const struct win *w, const struct toks *t,
			  const struct marks *mk, const struct names_hit *nh, struct ic_kallsyms *k)
{
	uint64_t n = nh->n;
	size_t after = t->ti + 512;
	const char *why = "no address table decodes monotonically";

	if (t->align == 256) {
		/* 256-byte ALGN: only pre-4.6 arm64 tables (".align 8") */
		if (!ic_ksd_addrs_e0(w, nh->ns, n, 256, k, &why))
			return 0;
	} else {
		if (!mk->seqs_n && ic_in_bounds(after, 4 * n, w->len) &&
		    (!ic_ksd_addrs_e3_relative(w, after, n, k, &why) ||
		     !ic_ksd_addrs_e4(w, after, n, k, &why) ||
		     !ic_ksd_addrs_e3_absolute(w, after, n, k, &why)))
			return 0;
		if (!ic_ksd_addrs_e1e2(w, nh->ns, nh->ns_size, n, mk->seqs_n != 0, k, &why))
			return 0;
		if (nh->ns_size == 8 && !mk->seqs_n && !ic_ksd_addrs_e0(w, nh->ns, n, 8, k, &why))
			return 0;
	}
	pr_debug(ctx, "kallsyms: names at 0x%" PRIx64 " (%" PRIu64 " symbols): addresses rejected: %s",
		 w->phys + nh->names, n, why);
	return -IC_ENOTFOUND;
}

int ic_kallsyms__probe(const struct ic_ctx *ctx, const struct ic_image *img, uint64_t anchor)
{
	struct ic_range run;
	const struct ic_range *r = ic_ksd_range_of(img, anchor, IC_MAX_KSYM_TOKEN_TABLE,
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
	err = ic_ksd_get_win(img, lo, hi, &w, &lz, &own);
	if (err)
		return err;
	err = ic_ksd_find_tokens(ctx, &w, (size_t)(anchor - lo), &t);
	return ic_ksd_win_release(&w, own, err);
}

/* like's result as decoded at like->anchor + s: the state before ic_ksd_learn_delta(), moved
 * by s. */
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
	k->vmcoreinfo_placed = false;
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
	const struct ic_range *r = ic_ksd_range_of(img, anchor, IC_KSYM_WINDOW_BACK, IC_KSYM_WINDOW_FWD,
						   &run);
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
	err = ic_ksd_get_win(img, lo, hi, &w, &lz, &own);
	if (err)
		return err;
	err = ic_ksd_find_tokens(ctx, &w, (size_t)(anchor - lo), &t);
	if (err)
		goto out;
	nmk = ic_ksd_find_markers(&w, &t, mk, IC_ARRAY_SIZE(mk), &budget);
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
			nmk = ic_ksd_find_markers_e2(&w, &t, mk, IC_ARRAY_SIZE(mk), &budget);
			mi = (size_t)-1;
			if (!nmk)
				pr_debug(ctx, "kallsyms: token table at 0x%" PRIx64 ": no kallsyms_markers "
					 "before it", w.phys + t.t);
			continue;
		}
		if (ic_ksd_find_names(&w, &mk[mi], t.align, &nh, &budget)) {
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
		e = ic_ksd_expand_names(ctx, &w, &t, &nh, k);
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
		k->align = k->era == IC_KSYM_E4 ? 4 : t.align == 256 ? 256 : 8;
		ic_ksd_set_table(k, IC_KTAB_NUM_SYMS, "kallsyms_num_syms", w.phys + nh.ns, nh.ns_size);
		ic_ksd_set_table(k, IC_KTAB_NAMES, "kallsyms_names", w.phys + nh.names, nh.names_len);
		ic_ksd_set_table(k, IC_KTAB_MARKERS, "kallsyms_markers", w.phys + mk[mi].start,
				 mk[mi].count * mk[mi].esize);
		ic_ksd_set_table(k, IC_KTAB_TOKEN_TABLE, "kallsyms_token_table", w.phys + t.t, t.tt_len);
		ic_ksd_set_table(k, IC_KTAB_TOKEN_INDEX, "kallsyms_token_index", w.phys + t.ti, 512);
		if (mk[mi].seqs_n) {
			ic_ksd_set_table(k, IC_KTAB_SEQS, "kallsyms_seqs_of_names", w.phys + mk[mi].seqs,
					 mk[mi].seqs_size * nh.n);
			k->seqs_size = mk[mi].seqs_size;
		} else if (k->tables[IC_KTAB_SEQS].phys &&
			   k->tables[IC_KTAB_SEQS].phys - w.phys <= w.len &&
			   ic_ksd_seqs_permutation(&w, (size_t)(k->tables[IC_KTAB_SEQS].phys - w.phys), nh.n, 3)) {
			ic_ksd_set_table(k, IC_KTAB_SEQS, "kallsyms_seqs_of_names", k->tables[IC_KTAB_SEQS].phys,
					 3 * nh.n);
			k->seqs_size = 3;
		} else {
			k->tables[IC_KTAB_SEQS].phys = 0;
		}
		/* The names must be in seqs_of_names order (name_order.c). E3 and E4 (6.4+) always
		 * have the table: without it the names cannot be checked, and a copy whose seqs are
		 * damaged is not trusted either. Before 6.2 (E1) nothing checks the names. */
		if (k->seqs_size ? ic_ksd_check_name_order(ctx, &w,
							   (size_t)(k->tables[IC_KTAB_SEQS].phys - w.phys),
							   k->seqs_size, k)
				 : (k->era == IC_KSYM_E3 || k->era == IC_KSYM_E4)) {
			if (!k->seqs_size)
				pr_warn(ctx, "kallsyms: names at 0x%" PRIx64 ": %s tables without a valid "
					"kallsyms_seqs_of_names after the address table (6.2+ kernels all "
					"have one): the names cannot be checked, this copy is not used",
					w.phys + nh.names, ic_kallsyms__era_name(k->era));
			ic_kallsyms__free(k);
			k = NULL;
			continue;
		}
		/* A few bytes off in the address table keep it sorted: functions are checked
		 * against their __pfx_ padding symbols where the kernel has them, and against the
		 * instruction size on arm64 (prefix_pairs.c). */
		/* And a name renamed by damage leaves its pair partner alone (name_pairs.c). */
		if (ic_ksd_check_prefix_pairs(ctx, k) || ic_ksd_check_insn_align(ctx, k) ||
		    (e = ic_ksd_check_name_pairs(ctx, k))) {
			ic_kallsyms__free(k);
			k = NULL;
			if (e == -ENOMEM) {
				err = e;
				break;
			}
			continue;
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
	err = ic_ksd_win_release(&w, own, err);
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
		ic_ksd_learn_delta(ctx, img, vi, k);
		*out = k;
	}
	return err;
}
