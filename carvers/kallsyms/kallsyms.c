/* SPDX-License-Identifier: MIT */
/* kallsyms carver: token-table anchors in the scan pass, full structural decode in finish(). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/carver.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/slots.h"
#include "isfcarve/vmcoreinfo.h"
#include "0-base/internal.h"
#include "0-base/json.h"
#include "0-base/ic_limits.h"
#include "../cands.h"

/* Token codes 0x30..0x39 are always the digits themselves (every digit occurs in some symbol
 * name and keeps its own code), so the table holds "0\0" "1\0" ... "9\0" contiguously. */
static const uint8_t digits[20] = { '0', 0, '1', 0, '2', 0, '3', 0, '4', 0,
				    '5', 0, '6', 0, '7', 0, '8', 0, '9', 0 };

static int ks_scan(void *state, const uint8_t *buf, size_t len, size_t avail, uint64_t phys)
{
	struct ic_cands *c = state;
	size_t lim = avail < len + sizeof(digits) - 1 ? avail : len + sizeof(digits) - 1;
	const uint8_t *p = buf, *end = buf + lim;

	/* Search without the final NUL: "first '0', last '9'" is a sharp SIMD filter for ic_find(). */
	while ((size_t)(end - p) >= sizeof(digits) &&
	       (p = ic_find(p, (size_t)(end - p), digits, sizeof(digits) - 1))) {
		int err;

		if ((size_t)(end - p) < sizeof(digits))
			break;
		if (!p[sizeof(digits) - 1]) {
			err = ic_cands_add(c, phys + (uint64_t)(p - buf));
			if (err)
				return err;
		}
		p++;
	}
	return 0;
}

/*
 * Whether k's tables lie inside the kernel image its own symbols and virtual base describe:
 * [_text, _end) - (virt - phys). The running kernel's copy does; a copy of it in the page cache
 * (a dump or /proc/kcore copy written to tmpfs or disk inside the machine, a vmlinux read by a
 * tool) decodes to the same symbols and, found near the same banner, the same virtual base, but
 * sits elsewhere. Before 6.0 VMCOREINFO does not name the tables, and this is what tells the
 * kernel's copy from the others (seen on a real 5.10 /proc/kcore copy: three copies).
 */
static bool in_own_image(const struct ic_kallsyms *k)
{
	long t = ic_kallsyms__find(k, "_text"), e = ic_kallsyms__find(k, "_end");
	uint64_t phys = k->tables[IC_KTAB_NAMES].phys;

	if (t < 0)
		t = ic_kallsyms__find(k, "_stext");
	if (!k->have_delta || k->addr_is_phys || t < 0 || e < 0 ||
	    k->syms[e].addr <= k->syms[t].addr)
		return false;
	return phys >= k->syms[t].addr - k->virt_delta && phys < k->syms[e].addr - k->virt_delta;
}

/* Prefer: tables where VMCOREINFO places them, then VMCOREINFO agreement on their spacing, then
 * a confirmed virtual base, then tables inside their own kernel image, then the most symbols,
 * then the best-confirmed virtual base, then the lowest physical address (deterministic). */
static bool better(const struct ic_kallsyms *a, const struct ic_kallsyms *b)
{
	bool ia, ib;

	if (a->vmcoreinfo_placed != b->vmcoreinfo_placed)
		return a->vmcoreinfo_placed;
	if (a->vmcoreinfo_agrees != b->vmcoreinfo_agrees)
		return a->vmcoreinfo_agrees;
	if (a->have_delta != b->have_delta)
		return a->have_delta;
	ia = in_own_image(a);
	ib = in_own_image(b);
	if (ia != ib)
		return ia;
	if (a->num_syms != b->num_syms)
		return a->num_syms > b->num_syms;
	/* a copy whose own banner copy gave it a virtual base finds few pointers that agree;
	 * the kernel's base is confirmed by its whole .data */
	if (a->delta_hits != b->delta_hits)
		return a->delta_hits > b->delta_hits;
	return a->tables[IC_KTAB_NAMES].phys < b->tables[IC_KTAB_NAMES].phys;
}

/* Tokens 0x30..0xff: the strings from the digit run to the end of the token table. */
#define KS_TOKENS_AFTER (0x100u - 0x30u)
/* How far past an anchor ic_kallsyms__probe() reads (its window: 2 x IC_MAX_KSYM_TOKEN_TABLE
 * + 1024 bytes), plus slack: could_be_table() must never reject what the probe could accept. */
#define KS_PROBE_REACH (2u * IC_MAX_KSYM_TOKEN_TABLE + 1024u + 16u)

/* finish() state: the best copy so far and the counts, shared by every anchor (stored or rescanned). */
struct ks_run {
	const struct ic_ctx *ctx;
	const struct ic_image *img;
	const struct ic_findings *out;
	struct ic_kallsyms *best;
	struct ic_kallsyms *ref; /* the first copy, for ic_kallsyms__decode_like() */
	unsigned copies;
	size_t tried, rejected, tables;
	uint64_t last_names;
	uint64_t placed_names; /* names of the copy decoded where VMCOREINFO places it, or ~0 */
	bool stop; /* a ceiling was reached (warned once): the remaining anchors are skipped */
	/* The NULs after the current anchor (ring, ascending), for could_be_table(): anchors
	 * come in ascending order, so every byte is looked at about once. */
	uint64_t nul[KS_TOKENS_AFTER];
	unsigned nul_head, nul_n;
	uint64_t nul_next; /* NULs before this were collected (or passed) */
	uint8_t chunk[4096];
	uint64_t chunk_at, chunk_len;
	size_t filtered;
};

/* Byte at phys through a 4 KiB cache; false on a hole. */
static bool ks_byte(struct ks_run *r, uint64_t phys, uint8_t *b)
{
	if (phys - r->chunk_at >= r->chunk_len || phys < r->chunk_at) {
		size_t n = ic_cands_avail(r->img, phys, sizeof(r->chunk));

		if (!n || ic_image__read(r->img, phys, r->chunk, n))
			return false;
		r->chunk_at = phys;
		r->chunk_len = n;
	}
	*b = r->chunk[phys - r->chunk_at];
	return true;
}

/*
 * A necessary condition for the token walk of ic_kallsyms__probe() from anchor h (tables.c,
 * ic_ksd_find_tokens; keep the two in step): tokens 0x30..0xff are 208
 * NUL-terminated strings from h on, so the table ends at the 208th NUL p at or after h; then
 * zero padding and token_index, whose entry 0 is the u16 0: the two bytes after p are zero.
 * All of it lies in the probe's window (< h + KS_PROBE_REACH). A flood of anchor-shaped digit
 * runs fails this after a few byte reads per anchor instead of a 208-token walk.
 */
static bool could_be_table(struct ks_run *r, uint64_t h)
{
	uint64_t p;
	uint8_t b;

	/* forget the NULs before the anchor's own first one (h + 1) */
	while (r->nul_n && r->nul[r->nul_head] <= h) {
		r->nul_head = (r->nul_head + 1) % KS_TOKENS_AFTER;
		r->nul_n--;
	}
	if (r->nul_next <= h)
		r->nul_next = h + 1;
	while (r->nul_n < KS_TOKENS_AFTER) {
		if (r->nul_next - h >= KS_PROBE_REACH || !ks_byte(r, r->nul_next, &b))
			return false;
		if (!b)
			r->nul[(r->nul_head + r->nul_n++) % KS_TOKENS_AFTER] = r->nul_next;
		r->nul_next++;
	}
	p = r->nul[(r->nul_head + KS_TOKENS_AFTER - 1) % KS_TOKENS_AFTER];
	return ks_byte(r, p + 1, &b) && !b && ks_byte(r, p + 2, &b) && !b;
}

/* One anchor: probe, decode, keep the best copy. 0 = go on, 1 = stop looking (a ceiling was
 * reached, warned), negative = error. */
static int try_anchor(void *arg, uint64_t phys)
{
	struct ks_run *r = arg;
	const struct ic_ctx *ctx = r->ctx;
	struct ic_kallsyms *k;
	int e;

	if (r->stop)
		return 1;
	/* anchors inside a table we already decoded */
	if (r->best && phys >= r->best->tables[IC_KTAB_TOKEN_TABLE].phys &&
	    phys < r->best->tables[IC_KTAB_TOKEN_INDEX].phys)
		return 0;
	r->tried++;
	if (!could_be_table(r, phys)) {
		r->rejected++;
		r->filtered++;
		return 0;
	}
	e = ic_kallsyms__probe(ctx, r->img, phys);
	if (e == -IC_ENOTFOUND) {
		r->rejected++;
		return 0;
	}
	if (e)
		return e;
	if (++r->tables > IC_MAX_KSYM_TABLE_CANDIDATES) {
		pr_warn(ctx, "kallsyms: more than IC_MAX_KSYM_TABLE_CANDIDATES (%u) token tables; "
			"the rest were not decoded", IC_MAX_KSYM_TABLE_CANDIDATES);
		r->stop = true;
		return 1;
	}
	e = ic_kallsyms__decode_like(ctx, r->img, phys, r->out->vmcoreinfo, r->ref, &k);
	if (e == -IC_ENOTFOUND) {
		r->rejected++;
		return 0;
	}
	if (e)
		return e;
	if (k->tables[IC_KTAB_NAMES].phys == r->last_names ||
	    k->tables[IC_KTAB_NAMES].phys == r->placed_names) {
		ic_kallsyms__free(k);
		return 0;
	}
	if (!r->ref)
		r->ref = k; /* the first copy: later identical ones take over its decode */
	r->last_names = k->tables[IC_KTAB_NAMES].phys;
	r->copies++;
	pr_info(ctx, "kallsyms: copy %u at 0x%" PRIx64 " (%" PRIu64 " symbols, %s %s)%s",
		r->copies, k->tables[IC_KTAB_NAMES].phys, k->num_syms,
		ic_kallsyms__era_name(k->era), ic_kallsyms__addr_enc_name(k->addr_enc),
		k->vmcoreinfo_agrees ? ", matches VMCOREINFO" : "");
	if (!r->best || better(k, r->best)) {
		if (r->best != r->ref)
			ic_kallsyms__free(r->best);
		r->best = k;
	} else if (k != r->ref) {
		ic_kallsyms__free(k);
	}
	if (r->copies >= IC_MAX_KSYM_COPIES) {
		pr_warn(ctx, "kallsyms: more than IC_MAX_KSYM_COPIES (%u) valid copies; "
			"stopped looking", IC_MAX_KSYM_COPIES);
		r->stop = true;
		return 1;
	}
	return 0;
}

/* The physical span where VMCOREINFO places the token table (6.0+ name it), for its digit
 * anchor: [pa, pa + IC_MAX_KSYM_TOKEN_TABLE). False when VMCOREINFO does not say. */
static bool placed_window(const struct ic_vmcoreinfo *vi, uint64_t *lo, uint64_t *hi)
{
	uint64_t va;

	if (!vi || ic_vmcoreinfo__u64(vi, "SYMBOL(kallsyms_token_table)", &va) ||
	    ic_vmcoreinfo__image_phys(vi, va, lo) || ic_add_ovf(*lo, IC_MAX_KSYM_TOKEN_TABLE, hi))
		return false;
	return true;
}

static int ks_finish(const struct ic_ctx *ctx, const struct ic_image *img, void *const *states,
		     unsigned nstates, void *prep, struct ic_findings *out)
{
	struct ks_run r = { .ctx = ctx, .img = img, .out = out, .last_names = UINT64_MAX,
			    .placed_names = UINT64_MAX };
	struct ic_kallsyms *best;
	unsigned rescans = 0;
	uint64_t lo, hi;
	int err = 0;

	(void)prep; /* this carver has no prepare() */

	/*
	 * First the tables where VMCOREINFO puts them (SYMBOL(kallsyms_token_table) through its
	 * own phys_base / kimage_voffset): the running kernel's copy, ranked first by better().
	 * The anchors below come in physical order and stop at IC_MAX_KSYM_COPIES, so without
	 * this, that many copies at lower addresses (page cache, planted) hide the real one.
	 */
	if (placed_window(out->vmcoreinfo, &lo, &hi)) {
		err = ic_cands_rescan(img, lo, hi, digits, sizeof(digits), try_anchor, &r);
		if (err > 0)
			err = 0;
		/* could_be_table()'s NUL ring assumes ascending anchors: start it afresh */
		r.nul_head = r.nul_n = 0;
		r.nul_next = 0;
		r.stop = false;
		r.placed_names = r.last_names; /* not decoded, nor counted, a second time */
		r.last_names = UINT64_MAX;
	}

	/*
	 * Every anchor, in phys order: the stored ones, then the span of a batch whose anchors
	 * overflowed its state, scanned again (streaming), so no number of fake digit runs can
	 * hide a later table. could_be_table() rejects most fakes after a few bytes, a probe the
	 * rest within a bounded walk (IC_MAX_KSYM_TOKEN_TABLE), and anchors are >= 20 bytes apart,
	 * so the work stays linear in the image size; only anchors with an exact token table get
	 * the expensive decode (IC_MAX_KSYM_TABLE_CANDIDATES).
	 */
	for (unsigned si = 0; si < nstates && !err && !r.stop; si++) {
		const struct ic_cands *s = states[si];

		for (size_t i = 0; s && i < s->n && !err; i++)
			err = try_anchor(&r, s->phys[i]);
		if (s && s->overflow && !err && !r.stop) {
			rescans++;
			err = ic_cands_rescan(img, s->drop_lo, s->drop_hi, digits, sizeof(digits), try_anchor, &r);
		}
	}
	best = r.best;
	if (r.ref != best) {
		if (best)
			ic_kallsyms__adopt(best, r.ref); /* a copy made like ref: its names are ref's */
		ic_kallsyms__free(r.ref);
	}
	if (err < 0) {
		ic_kallsyms__free(best);
		return err;
	}
	if (rescans)
		pr_info(ctx, "%s: kallsyms: %u batches had more than %u token-table anchors; their rest was "
			"scanned again", ic_image__path(img), rescans, IC_CANDS_PER_STATE);
	pr_info(ctx, "kallsyms: %zu anchors tried, %zu rejected (%zu without a token_index after 208 "
		"tokens), %u valid copies", r.tried, r.rejected, r.filtered, r.copies);
	if (!best)
		return -IC_ENOTFOUND;
	best->copies = r.copies;
	/* Only kernels >= 6.0 name their tables in VMCOREINFO; older ones have nothing to disagree. */
	if (out->vmcoreinfo && !best->vmcoreinfo_agrees &&
	    ic_vmcoreinfo__get(out->vmcoreinfo, "SYMBOL(kallsyms_names)"))
		pr_warn(ctx, "kallsyms: chosen tables at 0x%" PRIx64 " are not the ones VMCOREINFO names",
			best->tables[IC_KTAB_NAMES].phys);
	out->kallsyms = best;
	return 0;
}

static void ks_free_finding(struct ic_findings *f)
{
	ic_kallsyms__free(f->kallsyms);
	f->kallsyms = NULL;
}

void ic_kallsyms__report_json(struct ic_json *j, const struct ic_kallsyms *k)
{
	char layout[96];

	if (!k) {
		ic_json_null(j);
		return;
	}
	snprintf(layout, sizeof(layout), "%s %s %s%s", ic_kallsyms__era_name(k->era),
		 ic_kallsyms__addr_enc_name(k->addr_enc), ic_kallsyms__len_enc_name(k->len_enc),
		 k->seqs_size ? " seqs" : "");
	ic_json_obj_begin(j);
	ic_json_key(j, "phys");
	ic_json_hex(j, k->tables[IC_KTAB_NAMES].phys);
	ic_json_key(j, "num_syms");
	ic_json_u64(j, k->num_syms);
	ic_json_key(j, "layout");
	ic_json_str(j, layout);
	ic_json_key(j, "copies");
	ic_json_u64(j, k->copies);
	ic_json_key(j, "vmcoreinfo_agrees");
	ic_json_bool(j, k->vmcoreinfo_agrees);
	ic_json_key(j, "vmcoreinfo_placed");
	ic_json_bool(j, k->vmcoreinfo_placed);
	ic_json_key(j, "virt_delta");
	if (k->have_delta)
		ic_json_hex(j, k->virt_delta);
	else
		ic_json_null(j);
	ic_json_key(j, "delta_source");
	if (k->delta_source)
		ic_json_str(j, k->delta_source);
	else
		ic_json_null(j);
	ic_json_key(j, "tables");
	ic_json_obj_begin(j);
	for (unsigned i = 0; i < IC_KTAB__COUNT; i++) {
		if (!k->tables[i].name)
			continue;
		ic_json_key(j, k->tables[i].name);
		ic_json_obj_begin(j);
		ic_json_key(j, "phys");
		ic_json_hex(j, k->tables[i].phys);
		ic_json_key(j, "size");
		ic_json_u64(j, k->tables[i].size);
		if (k->have_delta) {
			ic_json_key(j, "virt");
			ic_json_hex(j, k->tables[i].virt);
		}
		ic_json_obj_end(j);
	}
	ic_json_obj_end(j);
	ic_json_obj_end(j);
}

const struct ic_carver ic_carver_kallsyms = {
	.name = "kallsyms",
	.desc = "kallsyms tables (all eras and encodings), found by structure",
	.lookahead = sizeof(digits),
	.slot = IC_SLOT_KALLSYMS,
	.scan_new = ic_cands_new,
	.scan_free = ic_cands_free,
	.scan = ks_scan,
	.finish = ks_finish,
	.free_finding = ks_free_finding,
};
