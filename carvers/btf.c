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

/* Magic 0xeb9f, version 1, flags 0, little-endian. The kernel's own BTF is in its native byte
 * order, and the image readers and the KASLR stage handle little-endian targets only (x86-64,
 * arm64), so the big-endian spelling is not searched: one pass fewer over every byte. */
static const uint8_t magic_le[4] = { 0x9f, 0xeb, 0x01, 0x00 };
#define BTF_HDR_MAX 32u

static int btf_scan(void *state, const uint8_t *buf, size_t len, size_t avail, uint64_t phys)
{
	return ic_cands_find(state, buf, len, avail, phys, magic_le, sizeof(magic_le));
}

struct valid {
	uint64_t phys, size;
	uint8_t sha[32];
	bool in_image;
};

/*
 * Which valid blob is the kernel's own (docs/carvers.md):
 *  1. inside the kernel image's physical span from VMCOREINFO (SYMBOL(_stext) .. highest image
 *     symbol), when VMCOREINFO was found: .BTF is in the image's RO_DATA;
 *  2. the largest blob: vmlinux BTF has ~100k+ types, a BPF object's own base BTF a handful;
 *  3. page-aligned (>= 6.16 puts .BTF on a page boundary);
 *  4. the lowest physical address (deterministic).
 * Module split BTF never gets here: it fails standalone validation.
 */
static bool better(const struct valid *a, const struct valid *b)
{
	bool pa = !(a->phys & 4095), pb = !(b->phys & 4095);

	if (a->in_image != b->in_image)
		return a->in_image;
	if (a->size != b->size)
		return a->size > b->size;
	if (pa != pb)
		return pa;
	return a->phys < b->phys;
}

static int btf_finish(const struct ic_ctx *ctx, const struct ic_image *img, void *const *states,
		      unsigned nstates, struct ic_findings *out)
{
	uint64_t span_s = 0, span_e = 0;
	bool have_span = false, overflow;
	struct valid *v = NULL, *best = NULL;
	size_t nv = 0, total;
	unsigned headers = 0, split = 0;
	uint8_t *scratch = NULL;
	size_t scap = 0;
	struct ic_btf_finding *f = NULL;
	struct ic_btf *btf = NULL;
	int err = 0;

	if (out->vmcoreinfo && !ic_vmcoreinfo__image_span(out->vmcoreinfo, &span_s, &span_e))
		have_span = true;
	total = ic_cands_total(states, nstates, &overflow);
	if (overflow)
		pr_warn(ctx, "%s: btf: over IC_MAX_CANDIDATES magic hits; some ignored", ic_image__path(img));
	if (!total)
		return -IC_ENOTFOUND;
	v = ic_calloc(total, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (unsigned s = 0; s < nstates; s++) {
		const struct ic_cands *c = states[s];

		for (size_t i = 0; c && i < c->n; i++) {
			uint64_t phys = c->phys[i], size;
			size_t avail = ic_cands_avail(img, phys, IC_MAX_BTF_BYTES);
			uint8_t hdr[BTF_HDR_MAX];
			const uint8_t *p;
			struct ic_btf_diag diag;
			size_t hl = avail < BTF_HDR_MAX ? avail : BTF_HDR_MAX;

			if (ic_image__read(img, phys, hdr, hl) || ic_btf__check_header(hdr, hl, &size))
				continue;
			headers++;
			if (size > avail) {
				pr_debug(ctx, "%s: btf: candidate at 0x%" PRIx64 " needs 0x%" PRIx64
					 " bytes, only 0x%zx present", ic_image__path(img), phys, size, avail);
				split++;
				continue;
			}
			p = ic_image__ptr(img, phys, (size_t)size);
			if (!p) {
				if (scap < size) {
					free(scratch);
					scratch = malloc((size_t)size);
					scap = scratch ? (size_t)size : 0;
					if (!scratch) {
						err = -ENOMEM;
						goto out;
					}
				}
				if (ic_image__read(img, phys, scratch, (size_t)size))
					continue;
				p = scratch;
			}
			err = ic_btf__validate(p, (size_t)size, &diag);
			if (err) {
				pr_debug(ctx, "%s: btf: candidate at 0x%" PRIx64 " (0x%" PRIx64 " bytes) rejected: type %u, offset 0x%" PRIx64 ": %s",
					 ic_image__path(img), phys, size, diag.type_id, diag.offset, diag.msg);
				split++;
				err = 0;
				continue;
			}
			v[nv].phys = phys;
			v[nv].size = size;
			ic_sha256(p, (size_t)size, v[nv].sha);
			v[nv].in_image = have_span && phys >= span_s && phys < span_e;
			pr_debug(ctx, "%s: btf: valid blob at 0x%" PRIx64 ", 0x%" PRIx64 " bytes%s", ic_image__path(img),
				 phys, size, v[nv].in_image ? " (inside the kernel image)" : "");
			nv++;
		}
	}
	if (!nv) {
		pr_info(ctx, "%s: btf: %u BTF headers, none validates standalone", ic_image__path(img), headers);
		err = -IC_ENOTFOUND;
		goto out;
	}
	best = &v[0];
	for (size_t i = 1; i < nv; i++)
		if (better(&v[i], best))
			best = &v[i];
	f = calloc(1, sizeof(*f));
	if (!f) {
		err = -ENOMEM;
		goto out;
	}
	f->data = malloc((size_t)best->size);
	if (!f->data || ic_image__read(img, best->phys, f->data, (size_t)best->size)) {
		err = f->data ? -EIO : -ENOMEM;
		goto out;
	}
	err = ic_btf__new(ctx, f->data, (size_t)best->size, "btf carver", &btf);
	if (err)
		goto out;
	f->phys = best->phys;
	f->size = best->size;
	memcpy(f->sha256, best->sha, 32);
	f->nr_types = ic_btf__nr_types(btf);
	f->candidates = (unsigned)nv;
	f->headers = headers;
	f->split = split;
	f->page_aligned = !(best->phys & 4095);
	if (have_span && !best->in_image)
		pr_warn(ctx, "%s: btf: no valid BTF inside the kernel image span 0x%" PRIx64 "-0x%" PRIx64
			" from VMCOREINFO; took the one at 0x%" PRIx64, ic_image__path(img), span_s, span_e, best->phys);
	pr_info(ctx, "%s: btf: 0x%" PRIx64 " bytes at 0x%" PRIx64 ", %u types; %zu valid blobs, %u headers",
		ic_image__path(img), f->size, f->phys, f->nr_types, nv, headers);
	out->btf = f;
	f = NULL;
out:
	ic_btf__free(btf);
	if (f)
		free(f->data);
	free(f);
	free(scratch);
	free(v);
	return err;
}

static void btf_free(struct ic_findings *f)
{
	if (f->btf)
		free(f->btf->data);
	free(f->btf);
	f->btf = NULL;
}

const struct ic_carver ic_carver_btf = {
	.name = "btf",
	.desc = "vmlinux BTF blob (0xeb9f), strictly validated; the kernel image's own copy",
	.lookahead = sizeof(magic_le),
	.slot = IC_SLOT_BTF,
	.scan_new = ic_cands_new,
	.scan_free = ic_cands_free,
	.scan = btf_scan,
	.finish = btf_finish,
	.free_finding = btf_free,
};
