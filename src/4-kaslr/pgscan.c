/* SPDX-License-Identifier: MIT */
/* Find the x86-64 kernel page tables by structure when no symbol says where they are. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kaslr_internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"

#define PAGE 4096u
#define ENTRIES 512u
#define P 0x1ull
#define PS 0x80ull
#define ADDR_4K 0x000ffffffffff000ull
#define ADDR_2M 0x000fffffffe00000ull
#define SZ_2M 0x200000ull
/* A kernel image is at least this many 2 MiB PMDs (8 MiB); shorter runs are too weak. */
#define MIN_RUN 4u

struct l2cand {
	uint64_t pa;     /* physical address of the level2_kernel_pgt look-alike */
	unsigned i0, i1; /* present run [i0, i1] */
	uint64_t frame;  /* physical frame mapped by entry i0 (phys _text) */
};

/*
 * The entries 510 and 511 of every page that could be a table pointer (present, not a large
 * page, no bits above the address but NX), recorded in address order by the candidate pass:
 * the three parent sweeps of the climb then read these instead of the image (each sweep was a
 * pass over every page: a 40 GiB image cost 5-6 plain passes). complete: the pass saw every
 * page and kept every such entry (else the climb sweeps the image as before).
 */
struct links {
	uint64_t *pa, *e; /* page, entry; pa ascending */
	size_t n, cap;
};

struct pgscan {
	const struct ic_ctx *ctx;
	const struct ic_image *img;
	struct links l[2]; /* entry 510, entry 511 */
	bool complete;
};

#define ADDR_HIGH 0x7ff0000000000000ull /* bits 52-62: set in no table pointer */

/* Could e point at a table? Present, not a large page, an address, no bits 52-62 (no kernel
 * sets them in a table pointer). One rule for the links kept and the sweeps, so both find the
 * same parents. */
static bool table_ptr(uint64_t e)
{
	return (e & P) && !(e & PS) && !(e & ADDR_HIGH) && (e & ADDR_4K);
}

static void links_free(struct pgscan *s)
{
	for (int i = 0; i < 2; i++) {
		free(s->l[i].pa);
		free(s->l[i].e);
		memset(&s->l[i], 0, sizeof(s->l[i]));
	}
}

/* Keep pa's entries 510 and 511 if they could point at a table; false once over the ceiling
 * or out of memory (then the links are not complete). */
static bool links_add(struct pgscan *s, uint64_t pa, const uint8_t *pg)
{
	for (int i = 0; i < 2; i++) {
		struct links *l = &s->l[i];
		uint64_t e = ic_get_le64(pg + (510u + (unsigned)i) * 8);

		if (!table_ptr(e))
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 4096;
			uint64_t *a, *b;

			if (cap > IC_MAX_PGSCAN_LINKS)
				return false;
			a = realloc(l->pa, cap * sizeof(*a));
			if (a)
				l->pa = a;
			b = a ? realloc(l->e, cap * sizeof(*b)) : NULL;
			if (b)
				l->e = b;
			if (!a || !b)
				return false;
			l->cap = cap;
		}
		l->pa[l->n] = pa;
		l->e[l->n++] = e;
	}
	return true;
}

/*
 * Frame mapped by PMD entry e, or UINT64_MAX when it cannot be told (a PTE table with nothing
 * present: the kernel unmaps freed init memory). *bad on a contradiction.
 */
static uint64_t pmd_frame(struct pgscan *s, uint64_t e, bool *bad)
{
	uint8_t pt[PAGE];

	if (e & PS)
		return e & ADDR_2M;
	if (ic_image__read(s->img, e & ADDR_4K, pt, sizeof(pt))) {
		*bad = true;
		return UINT64_MAX;
	}
	for (unsigned k = 0; k < ENTRIES; k++) {
		uint64_t pte = ic_get_le64(pt + k * 8);

		if (pte & P)
			return (pte & ADDR_4K) - (uint64_t)k * PAGE;
	}
	return UINT64_MAX;
}

/* Does this page look like level2_kernel_pgt? (see kaslr_internal.h) */
static bool is_l2(struct pgscan *s, const uint8_t *pg, struct l2cand *c)
{
	unsigned i0 = 0, i1, matched = 0;
	uint64_t f0 = UINT64_MAX;
	bool bad = false;

	while (i0 < ENTRIES && !(ic_get_le64(pg + i0 * 8) & P))
		i0++;
	/* _text is at least 2 MiB above __START_KERNEL_map; a direct-map PMD starts at 0. */
	if (i0 == 0 || i0 >= ENTRIES)
		return false;
	i1 = i0;
	while (i1 + 1 < ENTRIES && (ic_get_le64(pg + (i1 + 1) * 8) & P))
		i1++;
	if (i1 - i0 + 1 < MIN_RUN)
		return false;
	for (unsigned i = i1 + 1; i < ENTRIES; i++)
		if (ic_get_le64(pg + i * 8) & P)
			return false;
	/* The run's first entry must be a 2 MiB page (the kernel maps _text with a large page
	 * and 2 MiB alignment); the rest may be split into 4 KiB tables. */
	if (!(ic_get_le64(pg + i0 * 8) & PS))
		return false;
	for (unsigned i = i0; i <= i1 && !bad; i++) {
		uint64_t f = pmd_frame(s, ic_get_le64(pg + i * 8), &bad);

		if (f == UINT64_MAX)
			continue;
		if (f0 == UINT64_MAX)
			f0 = f - (uint64_t)(i - i0) * SZ_2M;
		if (f != f0 + (uint64_t)(i - i0) * SZ_2M)
			return false;
		matched++;
	}
	if (bad || matched < MIN_RUN)
		return false;
	c->i0 = i0;
	c->i1 = i1;
	c->frame = f0;
	return true;
}

/*
 * Parents of a set of pages, found in one sweep of the image: for every target t[j], the first
 * `per` pages (in address order) whose entry idx points at t[j] (present, not large), in
 * out[j * per ..], their number in n[j]. One sweep per table level, whatever the number of
 * candidates: climbing each candidate with its own sweeps read the image up to 2 + 8 + 8 * 64
 * times per candidate, so a budget of table reads had to cut it off, and that budget refused
 * every image of 32 GiB or more (8 M pages a sweep).
 */
/* A page to find parents of, and the physical span [lo, hi) of the kernel image of the
 * level2 candidate it was reached from: a parent inside that span is the kernel's own. */
struct target {
	uint64_t pa, lo, hi;
};

struct parents {
	uint64_t *t;      /* targets, sorted, unique */
	uint64_t *lo, *hi; /* each target's span (the hull of its candidates' when reached twice) */
	size_t nt;
	uint64_t *out;    /* nt * per */
	unsigned *n;      /* nt */
	unsigned per;
};

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int target_cmp(const void *a, const void *b)
{
	return u64_cmp(&((const struct target *)a)->pa, &((const struct target *)b)->pa);
}

static void parents_free(struct parents *p)
{
	free(p->t);
	free(p->lo);
	free(p->hi);
	free(p->out);
	free(p->n);
	memset(p, 0, sizeof(*p));
}

/* The target's slot, or SIZE_MAX. */
static size_t parents_slot(const struct parents *p, uint64_t target)
{
	const uint64_t *hit = p->nt ? bsearch(&target, p->t, p->nt, sizeof(*p->t), u64_cmp) : NULL;

	return hit ? (size_t)(hit - p->t) : SIZE_MAX;
}

/* The parents found for target (NULL and 0 if it was not one). */
static const uint64_t *parents_of(const struct parents *p, uint64_t target, unsigned *n)
{
	size_t j = parents_slot(p, target);

	*n = j == SIZE_MAX ? 0 : p->n[j];
	return j == SIZE_MAX ? NULL : p->out + j * p->per;
}

/* The page at pa has entry e at the index swept: a parent of its target, if that is one. Pages
 * come in ascending order: the first `per` are kept. */
static void parent_seen(struct parents *p, unsigned per, uint64_t pa, uint64_t e)
{
	size_t j;

	if (!table_ptr(e))
		return;
	j = parents_slot(p, e & ADDR_4K);
	if (j == SIZE_MAX)
		return;
	if (p->n[j] < per) {
		p->out[j * per + p->n[j]++] = pa;
	} else if (pa >= p->lo[j] && pa < p->hi[j]) {
		/* Full of process tables found first (they sit at lower addresses): the kernel's
		 * own (init_top_pgt, kernel data) still gets a slot. Inside the image of the
		 * candidate this target came from, not of any candidate: one decoy level2 page
		 * whose "image" starts at 0 made every low process table look like kernel data. */
		for (unsigned q = per; q-- > 0;)
			if (p->out[j * per + q] < p->lo[j] || p->out[j * per + q] >= p->hi[j]) {
				p->out[j * per + q] = pa;
				break;
			}
	}
}

/* targets[0..nt) may repeat (sorted here, in place); they are copied and made unique. */
static int find_parents(struct pgscan *s, struct target *targets, size_t nt, unsigned idx,
			unsigned per, struct parents *p)
{
	const struct ic_range *r = ic_image__ranges(s->img);
	size_t nr = ic_image__nranges(s->img), u = 0, bytes;

	memset(p, 0, sizeof(*p));
	p->per = per;
	if (!nt)
		return 0;
	if (ic_mul_ovf(nt, (size_t)per * sizeof(*p->out), &bytes))
		return -IC_ELIMIT;
	p->t = malloc(nt * sizeof(*p->t));
	p->lo = malloc(nt * sizeof(*p->lo));
	p->hi = malloc(nt * sizeof(*p->hi));
	p->n = calloc(nt, sizeof(*p->n));
	p->out = malloc(bytes);
	if (!p->t || !p->lo || !p->hi || !p->n || !p->out) {
		parents_free(p);
		return -ENOMEM;
	}
	qsort(targets, nt, sizeof(*targets), target_cmp);
	for (size_t i = 0; i < nt; i++) {
		if (u && p->t[u - 1] == targets[i].pa) {
			p->lo[u - 1] = targets[i].lo < p->lo[u - 1] ? targets[i].lo : p->lo[u - 1];
			p->hi[u - 1] = targets[i].hi > p->hi[u - 1] ? targets[i].hi : p->hi[u - 1];
			continue;
		}
		p->t[u] = targets[i].pa;
		p->lo[u] = targets[i].lo;
		p->hi[u++] = targets[i].hi;
	}
	p->nt = u;
	if (s->complete && (idx == 510 || idx == 511)) {
		const struct links *l = &s->l[idx - 510];

		for (size_t k = 0; k < l->n; k++)
			parent_seen(p, per, l->pa[k], l->e[k]);
		return 0;
	}
	for (size_t i = 0; i < nr; i++) {
		uint64_t first = ic_align_up(r[i].phys, PAGE);

		if (first < r[i].phys) /* a range in the last page of 2^64: aligning up wrapped to 0 */
			continue;
		for (uint64_t pa = first; pa + PAGE <= r[i].phys + r[i].len && pa >= first;
		     pa += PAGE) {
			uint8_t raw[8];

			if (ic_image__read(s->img, pa + idx * 8, raw, 8))
				continue;
			parent_seen(p, per, pa, ic_get_le64(raw));
		}
	}
	return 0;
}

/* Entries other than skip present in the page at pa (a PGD has the direct map etc. too). */
static bool others_present(struct pgscan *s, uint64_t pa, unsigned skip)
{
	uint8_t pg[PAGE];

	if (ic_image__read(s->img, pa, pg, sizeof(pg)))
		return false;
	for (unsigned i = 0; i < ENTRIES; i++)
		if (i != skip && (ic_get_le64(pg + i * 8) & P))
			return true;
	return false;
}

static bool walk_ok(struct pgscan *s, struct ic_kaslr *k, uint64_t root, unsigned levels)
{
	struct ic_mmu m;
	struct ic_xlate x;

	if (ic_mmu__init(&m, &ic_arch_x86_64, s->img, root, levels))
		return false;
	if (ic_mmu__translate(&m, k->runtime_text, &x) || x.phys != k->phys_text)
		return false;
	k->mmu = m;
	k->levels = levels;
	k->pgd_phys = root;
	return true;
}

/* The parents, through entry 511, of every page `below` found (per: as find_parents()); each
 * carries the span of the target it was found for. */
static int climb_level(struct pgscan *s, const struct parents *below, unsigned per,
		       struct parents *out)
{
	struct target *t;
	size_t m = 0, nt = 0;
	int err;

	memset(out, 0, sizeof(*out));
	for (size_t j = 0; j < below->nt; j++)
		m += below->n[j];
	if (!m)
		return 0;
	t = malloc(m * sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t j = 0; j < below->nt; j++)
		for (unsigned q = 0; q < below->n[j]; q++)
			t[nt++] = (struct target){ below->out[j * below->per + q], below->lo[j],
						   below->hi[j] };
	err = find_parents(s, t, nt, 511, per, out);
	free(t);
	return err;
}

/* Per-candidate limits of the climb: level3 pages, roots (init_top_pgt and every process PGD
 * share the kernel half), PML5s. */
#define MAX_L3 8u
#define MAX_TOP 64u
#define MAX_L5 8u

/*
 * From the level2 candidates up to a root, three sweeps in all (level3, top, and the tops'
 * parents, which only LA57 has: its PML5); then the candidates are tried in order, preferring a root
 * inside the kernel image (init_top_pgt is kernel data) over the PGD of some process, which maps
 * the kernel half identically.
 */
static int climb(struct pgscan *s, struct ic_kaslr *k, const struct l2cand *cands, size_t nc,
		 size_t *which)
{
	struct parents l3 = { 0 }, top = { 0 }, l5 = { 0 };
	struct target *t;
	int err;

	t = malloc(nc * sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < nc; i++)
		t[i] = (struct target){ cands[i].pa, cands[i].frame,
					cands[i].frame + (uint64_t)(cands[i].i1 - cands[i].i0 + 1) * SZ_2M };
	err = find_parents(s, t, nc, 510, MAX_L3, &l3);
	free(t);
	/* every level3 page found, as the targets of the next level; then every top's parents
	 * through entry 511: a PML5 if the kernel uses LA57 */
	if (!err)
		err = climb_level(s, &l3, MAX_TOP, &top);
	if (!err)
		err = climb_level(s, &top, MAX_L5, &l5);
	for (size_t i = 0; !err && i < nc; i++) {
		const struct l2cand *c = &cands[i];
		uint64_t img_lo = c->frame, img_hi = c->frame + (uint64_t)(c->i1 - c->i0 + 1) * SZ_2M;
		uint64_t rt = k->runtime_text, pt = k->phys_text;
		const uint64_t *a3;
		unsigned n3;

		k->runtime_text = IC_X86_START_KERNEL_MAP + c->i0 * SZ_2M;
		k->phys_text = c->frame;
		a3 = parents_of(&l3, c->pa, &n3);
		for (unsigned a = 0; a < n3; a++) {
			unsigned ntop;
			const uint64_t *tops = parents_of(&top, a3[a], &ntop);

			for (int pass = 0; pass < 2; pass++) {
				for (unsigned b = 0; b < ntop; b++) {
					bool inside = tops[b] >= img_lo && tops[b] < img_hi;
					const uint64_t *a5;
					unsigned n5;

					if (inside != (pass == 0))
						continue;
					/*
					 * LA57: the PML5 (init_top_pgt, kernel data) points at
					 * level4_kernel_pgt through entry 511, and that P4D, which
					 * also holds the fixmap, espfix and cpu_entry_area
					 * entries, walks _text as a 4-level root would: a parent
					 * inside the kernel image decides for 5 levels (nothing
					 * points at a 4-level PGD). A 4-level PGD has more than
					 * entry 511 (direct map, vmalloc ...).
					 */
					a5 = parents_of(&l5, tops[b], &n5);
					for (unsigned d = 0; d < n5; d++)
						if (a5[d] >= img_lo && a5[d] < img_hi &&
						    walk_ok(s, k, a5[d], 5))
							goto found;
					if (others_present(s, tops[b], 511) &&
					    walk_ok(s, k, tops[b], 4))
						goto found;
					for (unsigned d = 0; d < n5; d++)
						if (!(a5[d] >= img_lo && a5[d] < img_hi) &&
						    walk_ok(s, k, a5[d], 5))
							goto found;
				}
			}
		}
		k->runtime_text = rt;
		k->phys_text = pt;
		continue;
found:
		*which = i;
		goto out;
	}
	if (!err)
		err = -IC_ENOTFOUND;
out:
	parents_free(&l3);
	parents_free(&top);
	parents_free(&l5);
	return err;
}

int ic_kaslr_pgscan(const struct ic_ctx *ctx, const struct ic_image *img, struct ic_kaslr *k,
		    bool known)
{
	struct pgscan s = { .ctx = ctx, .img = img };
	const struct ic_range *r = ic_image__ranges(img);
	size_t nr = ic_image__nranges(img), nc = 0;
	struct l2cand *cands = calloc(IC_MAX_PGSCAN_CANDIDATES, sizeof(*cands));
	uint8_t *pg = malloc(PAGE);
	int err = -IC_ENOTFOUND;

	if (!cands || !pg) {
		free(cands);
		free(pg);
		return -ENOMEM;
	}
	/* The links are complete if this pass sees every page: not when the candidates run out
	 * first, nor past IC_MAX_PGSCAN_LINKS. Ranges come in ascending order (image.h). */
	s.complete = true;
	for (size_t i = 0; i < nr && nc < IC_MAX_PGSCAN_CANDIDATES; i++) {
		uint64_t first = ic_align_up(r[i].phys, PAGE);

		/* a range in the last page of 2^64: aligning up wrapped to 0, and the loop below
		 * would walk 2^52 pages from there (found by fuzz_kaslr) */
		if (first < r[i].phys)
			continue;
		for (uint64_t pa = first; pa + PAGE <= r[i].phys + r[i].len && pa >= first &&
					  nc < IC_MAX_PGSCAN_CANDIDATES;
		     pa += PAGE) {
			struct l2cand c = { .pa = pa };

			if (ic_image__read(img, pa, pg, PAGE))
				continue;
			if (s.complete && !links_add(&s, pa, pg)) {
				s.complete = false;
				links_free(&s);
			}
			if (!is_l2(&s, pg, &c))
				continue;
			if (known && (c.frame != k->phys_text ||
				      IC_X86_START_KERNEL_MAP + c.i0 * SZ_2M != k->runtime_text))
				continue;
			pr_debug(ctx, "kaslr: level2_kernel_pgt candidate at phys 0x%" PRIx64
				 ": PMD %u..%u -> phys 0x%" PRIx64, pa, c.i0, c.i1, c.frame);
			cands[nc++] = c;
		}
	}
	if (nc == IC_MAX_PGSCAN_CANDIDATES)
		s.complete = false; /* the pass may have stopped early */
	if (nc) {
		size_t i = 0;

		pr_debug(ctx, "kaslr: page-table scan: %zu + %zu possible table pointers kept (%s)",
			 s.l[0].n, s.l[1].n, s.complete ? "the climb reads them" :
			 "incomplete: the climb sweeps the image");
		err = climb(&s, k, cands, nc, &i);
		if (!err)
			pr_info(ctx, "kaslr: page tables by structure: level2_kernel_pgt at phys 0x%"
				PRIx64 ", root 0x%" PRIx64 " (%u levels)", cands[i].pa, k->pgd_phys,
				k->levels);
	}
	if (err == -IC_ENOTFOUND)
		pr_debug(ctx, "kaslr: page-table scan: %zu level2 candidates, none climbs to a "
			 "root that maps _text", nc);
	links_free(&s);
	free(cands);
	free(pg);
	return err;
}
