/* SPDX-License-Identifier: MIT */
/* btf carver: the running kernel's vmlinux BTF (.BTF, == /sys/kernel/btf/vmlinux), validated strictly. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/btf.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/carver.h"
#include "isfcarve/slots.h"
#include "isfcarve/vmcoreinfo.h"
#include "cands.h"
#include "kernel_pa.h"
#include "0-base/reader.h"
#include "1-image/image_internal.h"

/* Magic 0xeb9f, version 1, flags 0, little-endian. The kernel's own BTF is in its native byte
 * order, and the image readers and the KASLR stage handle little-endian targets only (x86-64,
 * arm64), so the big-endian spelling is not searched: one pass fewer over every byte. */
static const uint8_t magic_le[4] = { 0x9f, 0xeb, 0x01, 0x00 };
#define BTF_HDR_MAX 32u

/* Hits that fail the header check are not kept: a flood of bare 0xeb9f magics costs no memory
 * and cannot push the real header out of a state (cands.h). */
static int btf_scan(void *state, const uint8_t *buf, size_t len, size_t avail, uint64_t phys)
{
	struct ic_cands *c = state;
	const uint8_t *end = buf + (avail - len < sizeof(magic_le) - 1 ? avail : len + sizeof(magic_le) - 1);

	for (const uint8_t *p = buf; p < buf + len;) {
		const uint8_t *hit = ic_find(p, (size_t)(end - p), magic_le, sizeof(magic_le));
		uint64_t size;
		int e;

		if (!hit || hit >= buf + len)
			break;
		e = ic_btf__check_header(hit, avail - (size_t)(hit - buf), &size);
		/* ETRUNC: the header runs past what this piece shows (end of a run): decide later. */
		if (!e || e == -IC_ETRUNC) {
			e = ic_cands_add(c, phys + (uint64_t)(hit - buf));
			if (e)
				return e;
		}
		p = hit + 1;
	}
	return 0;
}

struct valid {
	uint64_t phys, size;
	uint8_t sha[32];
	bool in_image, at_start;
};

/*
 * Which valid blob is the kernel's own (docs/carvers.md):
 *  1. at kallsyms' __start_BTF (its physical address, when kallsyms knows it);
 *  2. inside the kernel image's physical span: kallsyms [_text, _end), else VMCOREINFO
 *     (SYMBOL(_stext) .. highest image symbol): .BTF is in the image's RO_DATA;
 *  3. the largest blob: vmlinux BTF has ~100k+ types, a BPF object's own base BTF a handful;
 *  4. page-aligned (>= 6.16 puts .BTF on a page boundary);
 *  5. the lowest physical address (deterministic).
 * Module split BTF never gets here: it fails standalone validation.
 */
static bool better(const struct valid *a, const struct valid *b)
{
	bool pa = !(a->phys & 4095), pb = !(b->phys & 4095);

	if (a->at_start != b->at_start)
		return a->at_start;
	if (a->in_image != b->in_image)
		return a->in_image;
	if (a->size != b->size)
		return a->size > b->size;
	if (pa != pb)
		return pa;
	return a->phys < b->phys;
}

struct run {
	const struct ic_ctx *ctx;
	const struct ic_image *img;
	uint64_t span_s, span_e, start_pa;
	bool have_span, have_start;
	const char *span_what;
	uint64_t budget, spent;
	unsigned headers, split, inside, over_budget;
	struct valid v[IC_MAX_BTF_VALID];
	size_t nv;
	uint64_t dropped; /* valid blobs pushed out of v[] by better ones */
	uint8_t *scratch;
	size_t scap;
	/* Compressed images: the bytes of the best blob so far (the finding takes them), so the
	 * chosen blob is not decoded a second time. best_phys is valid while best_data is set. */
	uint8_t *best_data;
	uint64_t best_phys, best_size;
	size_t best_cap;
	const struct prep *prep; /* btf_prepare()'s results, or NULL */
};

/* Bytes of the type section walked by the cheap check below: ~100-300 records. */
#define PREWALK_BYTES 4096u

/* Bytes after a record's 12-byte head, by kind (0 for kinds without trailing words), or -1
 * for an unknown kind. The same sizes the validator walks with (src/0-base/btf/btf_validate.c). */
static long extra_of(uint32_t info)
{
	uint32_t vlen = ic_btf_vlen(info);

	switch (ic_btf_kind(info)) {
	case IC_BTF_INT: case IC_BTF_VAR: case IC_BTF_DECL_TAG:
		return 4;
	case IC_BTF_ARRAY:
		return 12;
	case IC_BTF_STRUCT: case IC_BTF_UNION: case IC_BTF_DATASEC: case IC_BTF_ENUM64:
		return 12l * vlen;
	case IC_BTF_ENUM: case IC_BTF_FUNC_PROTO:
		return 8l * vlen;
	case IC_BTF_PTR: case IC_BTF_FWD: case IC_BTF_TYPEDEF: case IC_BTF_VOLATILE:
	case IC_BTF_CONST: case IC_BTF_RESTRICT: case IC_BTF_FUNC: case IC_BTF_FLOAT:
	case IC_BTF_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

/*
 * Bounded checks a real blob always passes, before any validation is paid for: the string
 * section starts and ends with a NUL, and the records in the first PREWALK_BYTES of the type
 * section have known kinds and names inside the strings. Bare or sloppy fakes fail here for
 * a few reads; only a fake with a well-formed start costs validation (and budget).
 */
static bool plausible(const struct ic_image *img, uint64_t phys, const uint8_t *hdr)
{
	uint32_t hl = ic_get_le32(hdr + 4), toff = ic_get_le32(hdr + 8), tlen = ic_get_le32(hdr + 12);
	uint32_t soff = ic_get_le32(hdr + 16), slen = ic_get_le32(hdr + 20);
	uint8_t a, z, t[PREWALK_BYTES];
	size_t n = tlen < PREWALK_BYTES ? tlen : PREWALK_BYTES, pos = 0;

	if (!slen || ic_image__read(img, phys + hl + soff, &a, 1) ||
	    ic_image__read(img, phys + hl + soff + slen - 1, &z, 1) || a || z)
		return false;
	if (ic_image__read(img, phys + hl + toff, t, n))
		return false;
	while (n - pos >= 12) {
		uint32_t info = ic_get_le32(t + pos + 4);
		long extra = extra_of(info);

		if (extra < 0 || ic_get_le32(t + pos) >= slen || (uint64_t)pos + 12 + (uint64_t)extra > tlen)
			return false;
		pos += 12 + (size_t)extra;
		if (pos > n)
			break; /* the record's tail is past what we read: fine so far */
	}
	return true;
}

/*
 * prepare() (carver.h): the stored candidates validated and hashed ahead, on a second thread
 * while kallsyms finishes, so that finish() (which needs kallsyms' evidence to rank them) only
 * looks the results up. Bounded by IC_BTF_PREPARE_BUDGET bytes and IC_BTF_PREPARE_MAX
 * candidates; finish() validates whatever was not prepared, so the result is the same.
 */
struct prep_ent {
	uint64_t phys, size;
	uint8_t sha[32];
	bool ok;
	struct ic_btf_diag diag; /* when !ok */
};

/* a candidate's cheap checks (cand_size), done once */
struct prep_cheap {
	uint64_t phys, size;
	bool header;
};

struct prep {
	struct prep_ent e[IC_BTF_PREPARE_MAX];
	size_t n;
	struct prep_cheap *cheap; /* ascending phys: every candidate prepare() checked */
	size_t ncheap, cheap_cap;
	/* the first valid blob's bytes (a private copy) and its model over them */
	uint8_t *data;
	uint64_t data_phys, data_size;
	struct ic_btf *model;
};

static void prep_free(struct prep *pr)
{
	if (!pr)
		return;
	ic_btf__free(pr->model);
	free(pr->data);
	free(pr->cheap);
	free(pr);
}

/* Remember a candidate's cheap checks for finish() (nothing when out of memory: it redoes them). */
static void prep_cheap_add(struct prep *pr, uint64_t phys, uint64_t size, bool header)
{
	if (pr->ncheap == pr->cheap_cap) {
		size_t cap = pr->cheap_cap ? pr->cheap_cap * 2 : 256;
		struct prep_cheap *c = ic_reallocarray(pr->cheap, cap, sizeof(*c));

		if (!c)
			return;
		pr->cheap = c;
		pr->cheap_cap = cap;
	}
	pr->cheap[pr->ncheap++] = (struct prep_cheap){ phys, size, header };
}

/* The cheap checks prepare() made of the candidate at phys, if it made them. */
static bool prep_cheap_find(const struct prep *pr, uint64_t phys, uint64_t *size, bool *header)
{
	size_t lo = 0, hi = pr ? pr->ncheap : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pr->cheap[mid].phys < phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!pr || lo == pr->ncheap || pr->cheap[lo].phys != phys)
		return false;
	*size = pr->cheap[lo].size;
	*header = pr->cheap[lo].header;
	return true;
}

/* header + cheap checks of the candidate at phys; its size, or 0 when it is not worth validating */
static uint64_t cand_size(const struct ic_image *img, uint64_t phys, bool *header)
{
	uint8_t hdr[BTF_HDR_MAX];
	size_t avail = ic_cands_avail(img, phys, IC_MAX_BTF_BYTES);
	size_t hl = avail < BTF_HDR_MAX ? avail : BTF_HDR_MAX;
	uint64_t size;

	*header = false;
	if (hl < 24 || ic_image__read(img, phys, hdr, hl) || ic_btf__check_header(hdr, hl, &size))
		return 0;
	*header = true;
	return size <= avail && plausible(img, phys, hdr) ? size : 0;
}

/* The first valid blob: its private copy (taken from buf when decoded there) and its model,
 * made in one validation. 0, or -1 when the blob does not validate (e->diag says why). */
static int keep_first(struct prep *pr, struct prep_ent *e, const uint8_t *p, uint8_t **buf,
		      size_t *cap)
{
	struct ic_ctx quiet = { 0 }; /* prints nothing (carver.h) */
	uint8_t *data;

	if (p == *buf) {
		data = *buf; /* take the decoded bytes */
		*buf = NULL;
		*cap = 0;
	} else if ((data = malloc((size_t)e->size))) {
		memcpy(data, p, (size_t)e->size);
	} else {
		return -1;
	}
	if (ic_btf__new_borrow(&quiet, data, (size_t)e->size, NULL, &pr->model)) {
		ic_btf__validate(data, (size_t)e->size, &e->diag); /* only for the diag */
		pr->model = NULL;
		free(data);
		return -1;
	}
	ic_sha256(data, (size_t)e->size, e->sha);
	pr->data = data;
	pr->data_phys = e->phys;
	pr->data_size = e->size;
	return 0;
}

static void *btf_prepare(const struct ic_ctx *ctx, const struct ic_image *img, void *const *states,
			 unsigned nstates)
{
	struct prep *pr = calloc(1, sizeof(*pr));
	uint64_t spent = 0;
	uint8_t *buf = NULL;
	size_t cap = 0;

	(void)ctx; /* prints nothing (carver.h) */
	if (!pr)
		return NULL;
	for (unsigned si = 0; si < nstates && pr->n < IC_BTF_PREPARE_MAX; si++) {
		const struct ic_cands *c = states[si];

		for (size_t i = 0; c && i < c->n && pr->n < IC_BTF_PREPARE_MAX; i++) {
			uint64_t phys = c->phys[i], size;
			struct prep_ent *e = &pr->e[pr->n];
			const uint8_t *p;
			bool header, inside = false;

			for (size_t j = 0; j < pr->n && !inside; j++)
				inside = pr->e[j].ok && phys >= pr->e[j].phys &&
					 phys - pr->e[j].phys < pr->e[j].size;
			if (inside)
				continue;
			size = cand_size(img, phys, &header);
			prep_cheap_add(pr, phys, size, header);
			if (!size)
				continue;
			if (size > IC_BTF_PREPARE_BUDGET - spent)
				goto done;
			spent += size;
			memset(e, 0, sizeof(*e));
			e->phys = phys;
			e->size = size;
			if (pr->data && size == pr->data_size &&
			    ic_image__equals(img, phys, pr->data, (size_t)size)) {
				memcpy(e->sha, pr->e[0].sha, 32); /* a copy of the kept blob */
				e->ok = true;
				pr->n++;
				continue;
			}
			p = ic_image__ptr(img, phys, (size_t)size);
			if (!p) {
				if (cap < size) {
					free(buf);
					buf = malloc((size_t)size);
					cap = buf ? (size_t)size : 0;
					if (!buf)
						goto done;
				}
				if (ic_image__read(img, phys, buf, (size_t)size))
					continue;
				p = buf;
			}
			if (!pr->data) {
				e->ok = !keep_first(pr, e, p, &buf, &cap);
				/* keep e[0] the kept blob's entry: copies above take its hash */
				if (e->ok && pr->n) {
					struct prep_ent t = pr->e[0];

					pr->e[0] = *e;
					*e = t;
				}
			} else {
				e->ok = !ic_btf__validate(p, (size_t)size, &e->diag);
				if (e->ok)
					ic_sha256(p, (size_t)size, e->sha);
			}
			pr->n++;
		}
	}
done:
	free(buf);
	return pr;
}

static const struct prep_ent *prep_find(const struct prep *pr, uint64_t phys, uint64_t size)
{
	for (size_t i = 0; pr && i < pr->n; i++)
		if (pr->e[i].phys == phys && pr->e[i].size == size)
			return &pr->e[i];
	return NULL;
}

/* The size bytes at phys: in place when mapped, else read into r->scratch. 1 = unreadable. */
static int cand_bytes(struct run *r, uint64_t phys, uint64_t size, const uint8_t **p)
{
	*p = ic_image__ptr(r->img, phys, (size_t)size);
	if (*p)
		return 0;
	if (r->scap < size) {
		free(r->scratch);
		r->scratch = malloc((size_t)size);
		r->scap = r->scratch ? (size_t)size : 0;
		if (!r->scratch)
			return -ENOMEM;
	}
	if (ic_image__read(r->img, phys, r->scratch, (size_t)size))
		return 1;
	*p = r->scratch;
	return 0;
}

/* A candidate that failed validation (here or in prepare()): counted with the others; 0. */
static int rejected(struct run *r, uint64_t phys, uint64_t size, const struct ic_btf_diag *d)
{
	/* The kernel's own BTF is damaged: say why, or "no BTF" would hide it (issue 18 D6). */
	if (r->have_start && phys == r->start_pa)
		pr_warn(r->ctx, "%s: btf: the BTF at kallsyms __start_BTF (0x%" PRIx64 ") is invalid: "
			"type %u, offset 0x%" PRIx64 ": %s", ic_image__path(r->img), phys, d->type_id,
			d->offset, d->msg);
	else
		pr_debug(r->ctx, "%s: btf: candidate at 0x%" PRIx64 " (0x%" PRIx64 " bytes) rejected: type %u, "
		 "offset 0x%" PRIx64 ": %s", ic_image__path(r->img), phys, size, d->type_id, d->offset,
		 d->msg);
	r->split++;
	return 0;
}

static int try_cand(void *arg, uint64_t phys)
{
	struct run *r = arg;
	const struct ic_image *img = r->img;
	uint64_t size;
	bool header;
	const uint8_t *p;
	struct ic_btf_diag diag;
	struct valid cur;
	size_t slot;
	int err;

	/* A header inside a blob that already validated is part of it (or a copy of it). */
	for (size_t i = 0; i < r->nv; i++)
		if (phys >= r->v[i].phys && phys - r->v[i].phys < r->v[i].size) {
			r->inside += phys != r->v[i].phys;
			return 0;
		}
	if (!prep_cheap_find(r->prep, phys, &size, &header))
		size = cand_size(img, phys, &header);
	if (!header)
		return 0;
	r->headers++;
	if (!size) {
		pr_debug(r->ctx, "%s: btf: candidate at 0x%" PRIx64 " fails the cheap checks (size, "
			 "strings, first records)", ic_image__path(img), phys);
		r->split++;
		return 0;
	}
	if (size > r->budget - r->spent) {
		r->over_budget++;
		return 0;
	}
	r->spent += size;
	/* validated ahead (btf_prepare) */
	{
		const struct prep_ent *e = prep_find(r->prep, phys, size);

		if (e && !e->ok)
			return rejected(r, phys, size, &e->diag);
		if (e) {
			memcpy(cur.sha, e->sha, 32);
			p = NULL;
			goto valid;
		}
	}
	/* A copy of a blob that already validated (an image holding the same kernel several times:
	 * crash kernels, KVM guests' memory) has its result: shown equal (from the stored bytes, or
	 * by comparing the decoded ones), the copy is neither validated nor hashed again. */
	for (size_t i = 0; i < r->nv; i++) {
		bool same;

		if (r->v[i].size != size)
			continue;
		if (r->best_data && r->best_phys == r->v[i].phys && r->best_size == size)
			same = ic_image__equals(img, phys, r->best_data, (size_t)size); /* at hand */
		else
			same = ic_image__same(img, r->v[i].phys, phys, size);
		if (same) {
			memcpy(cur.sha, r->v[i].sha, 32);
			p = NULL;
			goto valid;
		}
	}
	if ((err = cand_bytes(r, phys, size, &p)))
		return err > 0 ? 0 : err;
	if (ic_btf__validate(p, (size_t)size, &diag))
		return rejected(r, phys, size, &diag);
	ic_sha256(p, (size_t)size, cur.sha);
valid:
	cur.phys = phys;
	cur.size = size;
	cur.in_image = false;
	cur.at_start = r->have_start && phys == r->start_pa;
	cur.in_image = r->have_span && phys >= r->span_s && phys < r->span_e;
	pr_debug(r->ctx, "%s: btf: valid blob at 0x%" PRIx64 ", 0x%" PRIx64 " bytes%s%s", ic_image__path(img),
		 phys, size, cur.at_start ? " (at kallsyms __start_BTF)" : "",
		 cur.in_image ? " (inside the kernel image)" : "");
	/* Keep the best IC_MAX_BTF_VALID: a full set drops its worst, not the newcomer. */
	slot = r->nv;
	if (r->nv == IC_MAX_BTF_VALID) {
		slot = 0;
		for (size_t i = 1; i < r->nv; i++)
			if (better(&r->v[slot], &r->v[i]))
				slot = i;
		r->dropped++;
		if (!better(&cur, &r->v[slot]))
			return 0;
	} else {
		r->nv++;
	}
	r->v[slot] = cur;
	/* Keep the bytes just decoded if this is now the best blob (mapped images: reading the
	 * winner again is a memcpy; proven copies: their bytes were not read). */
	if (p && p == r->scratch) {
		bool is_best = true;

		for (size_t i = 0; i < r->nv && is_best; i++)
			is_best = i == slot || !better(&r->v[i], &cur);
		if (is_best) {
			uint8_t *t = r->best_data;
			size_t tcap = r->best_cap;

			r->best_data = r->scratch;
			r->best_cap = r->scap;
			r->best_phys = phys;
			r->best_size = size;
			r->scratch = t;
			r->scap = t ? tcap : 0;
		}
	}
	return 0;
}

static int btf_finish(const struct ic_ctx *ctx, const struct ic_image *img, void *const *states,
		      unsigned nstates, void *prep, struct ic_findings *out)
{
	struct prep *pr = prep;
	struct run *r;
	struct valid *best;
	unsigned rescans = 0;
	struct ic_btf_finding *f = NULL;
	struct ic_btf *btf = NULL;
	uint64_t stop_pa;
	bool took = false;
	int err = 0;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ctx = ctx;
	r->img = img;
	r->prep = pr;
	if (ic_mul_ovf(ic_image__bytes(img), (uint64_t)IC_BTF_VALIDATE_BUDGET_PER_BYTE, &r->budget) ||
	    ic_add_ovf(r->budget, (uint64_t)IC_BTF_VALIDATE_BUDGET_MIN, &r->budget))
		r->budget = UINT64_MAX;
	if (!ic_ksym_image_span(out->kallsyms, &r->span_s, &r->span_e)) {
		r->have_span = true;
		r->span_what = "kallsyms _text.._end";
	} else if (out->vmcoreinfo && !ic_vmcoreinfo__image_span(out->vmcoreinfo, &r->span_s, &r->span_e)) {
		r->have_span = true;
		r->span_what = "VMCOREINFO image span";
	}
	if (!ic_ksym_pa(out->kallsyms, "__start_BTF", &r->start_pa) &&
	    !ic_ksym_pa(out->kallsyms, "__stop_BTF", &stop_pa) && stop_pa > r->start_pa)
		r->have_start = true;

	/* Evidence first: the address kallsyms names is validated whatever floods the image. */
	if (r->have_start && (err = try_cand(r, r->start_pa)))
		goto out;
	/* Then every hit, in phys order: the stored ones, and the spans whose hits overflowed a
	 * state scanned again (streaming), so no count of fakes can hide a later header. */
	for (unsigned s = 0; s < nstates && !err; s++) {
		const struct ic_cands *c = states[s];

		for (size_t i = 0; c && i < c->n && !err; i++)
			err = try_cand(r, c->phys[i]);
		if (c && c->overflow && !err) {
			rescans++;
			err = ic_cands_rescan(img, c->drop_lo, c->drop_hi, magic_le, sizeof(magic_le), try_cand, r);
		}
	}
	if (err)
		goto out;
	if (rescans)
		pr_info(ctx, "%s: btf: %u batches had more than %u header hits; their rest was scanned again",
			ic_image__path(img), rescans, IC_CANDS_PER_STATE);
	if (r->over_budget)
		pr_warn(ctx, "%s: btf: IC_BTF_VALIDATE_BUDGET (0x%" PRIx64 " bytes) spent; %u plausible "
			"candidates not validated", ic_image__path(img), r->budget, r->over_budget);
	if (!r->nv) {
		pr_info(ctx, "%s: btf: %u BTF headers, none validates standalone", ic_image__path(img), r->headers);
		err = -IC_ENOTFOUND;
		goto out;
	}
	best = &r->v[0];
	for (size_t i = 1; i < r->nv; i++)
		if (better(&r->v[i], best))
			best = &r->v[i];
	f = calloc(1, sizeof(*f));
	if (!f) {
		err = -ENOMEM;
		goto out;
	}
	if (pr && pr->model && pr->data_phys == best->phys && pr->data_size == best->size) {
		/* prepared: bytes and model taken over */
		f->data = pr->data;
		btf = pr->model;
		pr->data = NULL;
		pr->model = NULL;
		took = true;
	} else if (r->best_data && r->best_phys == best->phys && r->best_size == best->size) {
		f->data = r->best_data;
		r->best_data = NULL;
		took = true;
	} else {
		f->data = malloc((size_t)best->size);
	}
	if (!f->data || (!took && ic_image__read(img, best->phys, f->data, (size_t)best->size))) {
		err = f->data ? -EIO : -ENOMEM;
		goto out;
	}
	/* over f->data, which lives as long as the finding: no second 4-6 MiB copy to fault in */
	if (!btf)
		err = ic_btf__new_borrow(ctx, f->data, (size_t)best->size, "btf carver", &btf);
	if (err)
		goto out;
	f->phys = best->phys;
	f->size = best->size;
	memcpy(f->sha256, best->sha, 32);
	f->nr_types = ic_btf__nr_types(btf);
	f->candidates = (unsigned)(r->nv + r->dropped);
	f->headers = r->headers;
	f->split = r->split;
	f->page_aligned = !(best->phys & 4095);
	f->evidence = best->at_start ? "kallsyms __start_BTF" : best->in_image ? r->span_what : NULL;
	f->budget_exhausted = r->over_budget > 0;
	f->model = btf;
	btf = NULL;
	for (size_t i = 0; i < r->nv; i++) {
		size_t j = 0;

		while (j < i && memcmp(r->v[j].sha, r->v[i].sha, 32))
			j++;
		f->distinct += j == i;
		f->distinct_kernels += j == i && r->v[i].size >= IC_BTF_KERNEL_MIN_BYTES;
	}
	if (r->have_span && !best->in_image)
		pr_warn(ctx, "%s: btf: no valid BTF inside the kernel image span 0x%" PRIx64 "-0x%" PRIx64
			" (%s); took the one at 0x%" PRIx64, ic_image__path(img), r->span_s, r->span_e,
			r->span_what, best->phys);
	if (r->have_start && !best->at_start)
		pr_warn(ctx, "%s: btf: no valid BTF at kallsyms __start_BTF (0x%" PRIx64 "); took the one at 0x%" PRIx64,
			ic_image__path(img), r->start_pa, best->phys);
	pr_info(ctx, "%s: btf: 0x%" PRIx64 " bytes at 0x%" PRIx64 ", %u types; %u valid blobs (%u distinct), "
		"%u headers, %u inside a valid blob; 0x%" PRIx64 " bytes validated%s%s",
		ic_image__path(img), f->size, f->phys, f->nr_types, f->candidates, f->distinct, r->headers,
		r->inside, r->spent, f->evidence ? "; tied by " : "", f->evidence ? f->evidence : "");
	out->btf = f;
	f = NULL;
out:
	ic_btf__free(btf);
	if (f)
		free(f->data);
	free(f);
	free(r->scratch);
	free(r->best_data);
	free(r);
	prep_free(pr);
	return err;
}

static void btf_free(struct ic_findings *f)
{
	if (f->btf) {
		ic_btf__free(f->btf->model);
		free(f->btf->data);
	}
	free(f->btf);
	f->btf = NULL;
}

const struct ic_carver ic_carver_btf = {
	.name = "btf",
	.desc = "vmlinux BTF blob (0xeb9f), strictly validated; the kernel image's own copy",
	.lookahead = BTF_HDR_MAX, /* the header is checked in the scan pass */
	.slot = IC_SLOT_BTF,
	.scan_new = ic_cands_new,
	.scan_free = ic_cands_free,
	.scan = btf_scan,
	.prepare = btf_prepare,
	.finish = btf_finish,
	.free_finding = btf_free,
};
