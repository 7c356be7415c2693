/* SPDX-License-Identifier: MIT */
/* After the carvers: check that banner, BTF, kallsyms and VMCOREINFO are of one kernel. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/banner.h"
#include "isfcarve/btf.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/carver.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/same_kernel.h"
#include "isfcarve/vmcoreinfo.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "kernel_pa.h"

static void evidence(struct ic_same_kernel *s, const char *what)
{
	if (s->n < IC_SAME_KERNEL_MAX_EVIDENCE)
		s->evidence[s->n++] = what;
}

/* First problem wins (later ones are usually consequences of it). */
static void IC_PRINTF(2, 3) problem(struct ic_same_kernel *s, const char *fmt, ...)
{
	va_list ap;

	if (s->mixed)
		return;
	s->mixed = true;
	va_start(ap, fmt);
	vsnprintf(s->problem, sizeof(s->problem), fmt, ap);
	va_end(ap);
}

/*
 * One changed byte of kallsyms_token_table renames every name that uses the token the same way
 * (write -> wrjte in 1,713 names on fx-deb12-6.1), in name order and with pairs renamed
 * together, so the decoder's checks pass (issue 18, D1). The BTF still has the right names:
 * its FUNC names then miss kallsyms, and each is in kallsyms with one character changed, the
 * same character for the same one. Missing FUNC names of a good kernel (inlined statics) have
 * no such common substitution. The substitution that explains the most missing FUNC names, in
 * *best (with *from, *to); only identifier characters are tried.
 */
/* the characters a token byte may become: every printable one (tables.c accepts 0x21-0x7e) */
#define SUBST_FIRST 0x21
#define SUBST_LAST 0x7e

/* kallsyms' names by a polynomial hash (seeded odd base B: h = sum s[i] B^(len-1-i)), so a
 * name with one character changed is looked up from its own hash in O(1), not rehashed: a
 * good kernel's 350-1,150 missing FUNC names x ~25 places x 62 characters are ~10^6 lookups
 * (rehashing each variant doubled the scan of 7.2). */
struct phset {
	uint64_t *key;
	uint32_t *idx; /* name index + 1; 0 empty */
	size_t mask;
	uint64_t base;
	/* the names cut at their first '.' (GCC's clones foo.constprop.0, foo.isra.0 ...), as
	 * (hash, index + 1) too, with the cut length: a good kernel's missing FUNC names are these
	 * clones' originals (all of them on 6.12 and Ubuntu 5.15), not renamed ones */
	uint64_t *ckey;
	uint32_t *cidx, *clen;
};

static uint64_t poly(const char *s, uint64_t base)
{
	uint64_t h = 0;

	while (*s)
		h = h * base + (unsigned char)*s++;
	return h;
}

static int phset_build(struct phset *ps, const struct ic_kallsyms *k, uint64_t seed)
{
	size_t cap = 1024;

	while (cap < 2 * k->nsyms)
		cap *= 2;
	ps->mask = cap - 1;
	ps->base = (seed ^ 0x9e3779b97f4a7c15ull) | 1;
	ps->key = ic_calloc(cap, sizeof(*ps->key));
	ps->idx = ic_calloc(cap, sizeof(*ps->idx));
	ps->ckey = ic_calloc(cap, sizeof(*ps->ckey));
	ps->cidx = ic_calloc(cap, sizeof(*ps->cidx));
	ps->clen = ic_calloc(cap, sizeof(*ps->clen));
	if (!ps->key || !ps->idx || !ps->ckey || !ps->cidx || !ps->clen)
		return -ENOMEM;
	for (size_t i = 0; i < k->nsyms; i++) {
		uint64_t h;
		size_t j;

		if (!k->syms[i].name)
			continue;
		h = poly(k->syms[i].name, ps->base);
		/* a name once (thousands of __func__.0 copies: each copy probed past all the
		 * others before, quadratic) */
		for (j = (h ^ h >> 29) & ps->mask;
		     ps->idx[j] && !(ps->key[j] == h &&
				     !strcmp(k->syms[ps->idx[j] - 1].name, k->syms[i].name));
		     j = (j + 1) & ps->mask)
			;
		if (ps->idx[j])
			continue;
		ps->key[j] = h;
		ps->idx[j] = (uint32_t)i + 1; /* nsyms <= IC_MAX_KALLSYMS < 2^32 */
		{
			const char *dot = strchr(k->syms[i].name, '.');
			uint64_t ch = 0;

			if (!dot || dot == k->syms[i].name)
				continue;
			for (const char *q = k->syms[i].name; q < dot; q++)
				ch = ch * ps->base + (unsigned char)*q;
			for (j = (ch ^ ch >> 29) & ps->mask; ps->cidx[j] && ps->ckey[j] != ch;
			     j = (j + 1) & ps->mask)
				;
			if (ps->cidx[j])
				continue; /* a hash, not a name: a collision only skips a check */
			ps->ckey[j] = ch;
			ps->cidx[j] = (uint32_t)i + 1;
			ps->clen[j] = (uint32_t)(dot - k->syms[i].name);
		}
	}
	return 0;
}

/* Is buf (hash h, length len) some kallsyms name cut at its first '.'? */
static bool phset_has_cut(const struct phset *ps, const struct ic_kallsyms *k, uint64_t h,
			  const char *buf, size_t len)
{
	for (size_t j = (h ^ h >> 29) & ps->mask; ps->cidx[j]; j = (j + 1) & ps->mask)
		if (ps->ckey[j] == h && ps->clen[j] == len &&
		    !memcmp(k->syms[ps->cidx[j] - 1].name, buf, len))
			return true;
	return false;
}

/* Is the name of hash h, equal to buf, in kallsyms? */
static bool phset_has(const struct phset *ps, const struct ic_kallsyms *k, uint64_t h,
		      const char *buf)
{
	for (size_t j = (h ^ h >> 29) & ps->mask; ps->idx[j]; j = (j + 1) & ps->mask)
		if (ps->key[j] == h && !strcmp(k->syms[ps->idx[j] - 1].name, buf))
			return true;
	return false;
}

static int common_substitution(const struct ic_btf *btf, const struct ic_kallsyms *k,
			       const struct ic_strmap *set, size_t *best, char *from, char *to)
{
	uint32_t n = ic_btf__nr_types(btf), (*count)[128] = ic_calloc(128, sizeof(*count));
	struct phset ps = { 0 };
	char buf[IC_MAX_KSYM_NAME + 1];
	const char *prev = NULL;
	size_t work = 0;
	int err = 0;

	*best = 0;
	if (!count || phset_build(&ps, k, set->seed)) {
		err = -ENOMEM;
		goto out;
	}
	/* Bounded: at most IC_MAX_SUBST_CHARS characters of missing names are tried (a good
	 * kernel's: ~29,000; crafted BTF could point 4M FUNC records at long names), and it ends
	 * as soon as a substitution is common enough to refuse. */
	for (uint32_t id = 1; id <= n && *best < IC_SAME_KERNEL_SUBST_MIN; id++) {
		const char *nm;
		size_t len;
		uint64_t h, pw = 1;

		if (ic_btf__kind(btf, id) != IC_BTF_FUNC || !(nm = ic_btf__name(btf, id)) || !*nm ||
		    nm == prev || (len = strlen(nm)) >= sizeof(buf) || ic_strmap_get(set, nm, NULL))
			continue;
		prev = nm; /* the same name string twice in a row: once */
		h = poly(nm, ps.base);
		if (phset_has_cut(&ps, k, h, nm, len))
			continue; /* kallsyms has its clones (nm.constprop.0 ...): not renamed */
		if (len > IC_MAX_SUBST_CHARS - work)
			break;
		work += len;
		memcpy(buf, nm, len + 1);
		/* from the last character back: pw = B^(len-1-p) */
		for (size_t p = len; p-- > 0; pw *= ps.base) {
			unsigned char c = (unsigned char)nm[p];

			if (c >= 128)
				continue;
			for (unsigned r = SUBST_FIRST; r <= SUBST_LAST; r++) {
				uint64_t hv = h + ((uint64_t)r - c) * pw;

				if (r == c)
					continue;
				buf[p] = (char)r;
				if (phset_has(&ps, k, hv, buf) && ++count[c][r] > *best) {
					*best = count[c][r];
					*from = (char)c;
					*to = (char)r;
				}
			}
			buf[p] = (char)c;
		}
	}
out:
	free(ps.key);
	free(ps.idx);
	free(ps.ckey);
	free(ps.cidx);
	free(ps.clen);
	free(count);
	return err;
}

/*
 * BTF <-> kallsyms by content (issue 18 D7): a vmlinux BTF's FUNC records are the kernel's own
 * functions (pahole takes them from the ELF symbol table), so nearly every FUNC name is in
 * kallsyms: 98.6-100 % on the fixtures' kernels, the rest static functions inlined everywhere.
 * Another kernel's BTF put where this one's was shares far fewer: at most 94.5 % across the
 * fixtures (6.1, 6.12, 7.2, x86-64 and arm64). More than IC_SAME_KERNEL_FUNC_MISS_PCT percent
 * missing is another kernel's BTF. Names are matched through a hash set of kallsyms' names.
 * Then, unless that already says another kernel, common_substitution() in *subst. 0, -ENOMEM
 * (*nfunc and *nmiss are set by then), -IC_ENOTFOUND (too few FUNC records to judge).
 */
static int btf_funcs_in_kallsyms(const struct ic_btf *btf, const struct ic_kallsyms *k,
				 size_t *nfunc, size_t *nmiss, size_t *subst, char *from, char *to)
{
	struct ic_strmap set;
	uint32_t n = ic_btf__nr_types(btf);

	*nfunc = *nmiss = *subst = 0;
	if (ic_strmap_init(&set, k->nsyms))
		return -ENOMEM;
	for (size_t i = 0; i < k->nsyms; i++)
		if (k->syms[i].name && ic_strmap_add(&set, k->syms[i].name, 0) < 0) {
			ic_strmap_free(&set);
			return -ENOMEM;
		}
	for (uint32_t id = 1; id <= n; id++) {
		const char *nm;

		if (ic_btf__kind(btf, id) != IC_BTF_FUNC)
			continue;
		nm = ic_btf__name(btf, id);
		if (!nm || !*nm)
			continue;
		(*nfunc)++;
		*nmiss += !ic_strmap_get(&set, nm, NULL);
	}
	if (*nfunc >= IC_SAME_KERNEL_MIN_FUNCS && *nmiss >= IC_SAME_KERNEL_SUBST_MIN &&
	    *nmiss * 100 <= *nfunc * IC_SAME_KERNEL_FUNC_MISS_PCT &&
	    common_substitution(btf, k, &set, subst, from, to)) {
		ic_strmap_free(&set);
		return -ENOMEM;
	}
	ic_strmap_free(&set);
	return *nfunc >= IC_SAME_KERNEL_MIN_FUNCS ? 0 : -IC_ENOTFOUND;
}

void ic_same_kernel__check(const struct ic_ctx *ctx, const struct ic_image *img, struct ic_findings *f)
{
	struct ic_same_kernel *s = &f->same_kernel;
	const struct ic_banner_finding *b = f->banner;
	const struct ic_btf_finding *t = f->btf;
	const struct ic_kallsyms *k = f->kallsyms;
	const char *osrel = f->vmcoreinfo ? ic_vmcoreinfo__get(f->vmcoreinfo, "OSRELEASE") : NULL;
	uint64_t pa, span_s, span_e;
	bool banner_tied = false, btf_tied = false;

	memset(s, 0, sizeof(*s));
	/* kallsyms <-> VMCOREINFO: kernels >= 6.0 name their kallsyms tables in VMCOREINFO. */
	if (k && f->vmcoreinfo) {
		if (k->vmcoreinfo_agrees)
			evidence(s, "kallsyms tables = VMCOREINFO SYMBOL(kallsyms_*)");
		else if (ic_vmcoreinfo__get(f->vmcoreinfo, "SYMBOL(kallsyms_names)"))
			problem(s, "the kallsyms tables at 0x%" PRIx64 " are not the ones VMCOREINFO names "
				"(two kernels in the image)", k->tables[IC_KTAB_NAMES].phys);
	}
	/* Banner <-> VMCOREINFO and kallsyms. */
	if (b && osrel) {
		if (b->release_matches_vmcoreinfo) {
			evidence(s, "banner release = VMCOREINFO OSRELEASE");
			banner_tied = true;
		} else {
			problem(s, "banner release %s is not VMCOREINFO's OSRELEASE %s", b->release, osrel);
		}
	}
	if (b && !ic_ksym_pa(k, "linux_banner", &pa)) {
		if (b->at_kallsyms_banner) {
			evidence(s, "banner at kallsyms linux_banner");
			banner_tied = true;
		} else {
			problem(s, "banner at 0x%" PRIx64 " but kallsyms' linux_banner is at 0x%" PRIx64,
				b->phys, pa);
		}
	}
	/* BTF <-> kallsyms (__start_BTF, _text.._end) or VMCOREINFO (image span). */
	if (t && t->evidence) {
		if (!strcmp(t->evidence, "kallsyms __start_BTF"))
			evidence(s, "BTF at kallsyms __start_BTF");
		else if (!strcmp(t->evidence, "kallsyms _text.._end"))
			evidence(s, "BTF inside kallsyms _text.._end");
		else
			evidence(s, "BTF inside the VMCOREINFO image span");
		btf_tied = true;
	} else if (t && !ic_ksym_image_span(k, &span_s, &span_e)) {
		problem(s, "BTF at 0x%" PRIx64 " is outside the kernel image kallsyms describes "
			"(0x%" PRIx64 "-0x%" PRIx64 ")", t->phys, span_s, span_e);
	} else if (t && f->vmcoreinfo && !ic_vmcoreinfo__image_span(f->vmcoreinfo, &span_s, &span_e)) {
		problem(s, "BTF at 0x%" PRIx64 " is outside the kernel image span from VMCOREINFO "
			"(0x%" PRIx64 "-0x%" PRIx64 ")", t->phys, span_s, span_e);
	}
	/* Where the BTF is proves little if another kernel's was put there: its functions. */
	if (t && t->model && k && k->nsyms) {
		size_t nf = 0, nm = 0, sub = 0;
		char from = 0, to = 0;
		int e = btf_funcs_in_kallsyms(t->model, k, &nf, &nm, &sub, &from, &to);

		if (e == -ENOMEM) /* not a pass: the checks were not made */
			problem(s, "out of memory comparing the BTF's FUNC names with kallsyms");
		/* Too few FUNCs to judge (pahole before 1.16 wrote none; or a small BTF put in
		 * the real one's place): where it lies is then all that ties it. Said, not
		 * refused: old kernels' own BTF looks like this. */
		if (e == -IC_ENOTFOUND)
			pr_warn(ctx, "%s: same kernel: the BTF at 0x%" PRIx64 " has fewer than %u "
				"FUNC records: its functions cannot be held against kallsyms (tied "
				"only by where it lies)", ic_image__path(img), t->phys,
				IC_SAME_KERNEL_MIN_FUNCS);
		if (!e && sub)
			pr_debug(ctx, "%s: same kernel: %zu missing BTF FUNC names are in kallsyms with "
				 "'%c' as '%c' (the most common one-character change)",
				 ic_image__path(img), sub, from, to);
		if (!e && sub >= IC_SAME_KERNEL_SUBST_MIN) {
			s->damaged = !s->mixed; /* only when this is the problem reported */
			problem(s, "kallsyms names renamed: %zu or more of the BTF's FUNC names are in "
				"kallsyms only with '%c' changed into '%c' (a damaged kallsyms_token_table "
				"renames every name using a token alike)", sub, from, to);
		} else if (!e && nm * 100 > nf * IC_SAME_KERNEL_FUNC_MISS_PCT)
			problem(s, "the BTF at 0x%" PRIx64 " is another kernel's: %zu of its %zu FUNC "
				"names are not in kallsyms (more than %u %%)", t->phys, nm, nf,
				IC_SAME_KERNEL_FUNC_MISS_PCT);
		else if (!e)
			evidence(s, "BTF FUNC names in kallsyms");
		if (!e)
			pr_info(ctx, "%s: same kernel: %zu of %zu BTF FUNC names in kallsyms",
				ic_image__path(img), nf - nm, nf);
	}
	/* Several kernels and nothing to pick the right pair: refuse rather than mix. */
	if (b && !banner_tied && b->releases > 1 && (t || k))
		problem(s, "%u kernel releases in linux_banner form (%s chosen) and no VMCOREINFO or "
			"kallsyms to tell which one the %s belongs to", b->releases, b->release,
			t ? "BTF" : "kallsyms");
	if (t && !btf_tied && t->distinct > 1)
		problem(s, "%u different valid BTF blobs (0x%" PRIx64 " chosen) and no VMCOREINFO or "
			"kallsyms to tell which one is the banner's kernel", t->distinct, t->phys);
	if (!s->mixed) {
		if (b && !banner_tied && b->releases <= 1)
			evidence(s, "one kernel release in the image");
		if (t && !btf_tied && t->distinct == 1)
			evidence(s, "one distinct BTF blob in the image");
	}
	if (s->mixed) /* s->problem is the caller's refusal line (profile, extract, scan): -v here */
		pr_info(ctx, "%s: %s: %s", ic_image__path(img),
			s->damaged ? "damaged kernel pieces" : "not one kernel", s->problem);
	else if ((b && b->releases > 1) || (t && t->distinct_kernels > 1))
		/* Tied pieces make one kernel's profile; a responder must still know the image
		 * holds another (a guest, a crash kernel, a previous boot): whatever the layout. */
		pr_warn(ctx, "%s: another kernel is in the image too (%u releases in linux_banner form, "
			"%u distinct kernel-sized BTF blobs): the profile is for %s, the one %s",
			ic_image__path(img), b ? b->releases : 0, t ? t->distinct_kernels : 0,
			b ? b->release : "the kernel", s->n ? "the evidence ties together" : "chosen");
	else if (s->n)
		pr_info(ctx, "%s: same kernel: %u pieces of evidence (%s%s)", ic_image__path(img), s->n,
			s->evidence[0], s->n > 1 ? ", ..." : "");
}
