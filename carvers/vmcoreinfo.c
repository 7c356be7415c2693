/* SPDX-License-Identifier: MIT */
/* vmcoreinfo carver: the kernel's VMCOREINFO text, from the container's ELF note or carved from RAM. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/carver.h"
#include "isfcarve/slots.h"
#include "isfcarve/vmcoreinfo.h"
#include "cands.h"
#include "reader.h"

#define NEEDLE "OSRELEASE="

static int vci_scan(void *state, const uint8_t *buf, size_t len, size_t avail, uint64_t phys)
{
	return ic_cands_find(state, buf, len, avail, phys, NEEDLE, sizeof(NEEDLE) - 1);
}

/* A VMCOREINFO text worth taking: parses to the end (the NUL after it), has PAGESIZE. */
static int parse_text(const char *t, size_t n, struct ic_vmcoreinfo **out)
{
	struct ic_vmcoreinfo *vi;
	int err = ic_vmcoreinfo__parse(t, n, &vi);

	if (err)
		return err;
	/* The kernel fills the rest of its page with zeros: a complete copy ends in a NUL. A copy
	 * cut by a hole, or text that merely contains "OSRELEASE=", is not taken. */
	if (vi->len >= n || t[vi->len] != '\0' || !ic_vmcoreinfo__get(vi, "PAGESIZE")) {
		ic_vmcoreinfo__free(vi);
		return -IC_EFORMAT;
	}
	*out = vi;
	return 0;
}

/* ELF notes (Elf64_Nhdr: namesz, descsz, type; name and desc 4-byte padded) named "VMCOREINFO". */
static int from_notes(const struct ic_ctx *ctx, const struct ic_image *img, struct ic_vmcoreinfo **out)
{
	const uint8_t *p;
	size_t len;
	struct ic_rd r;

	ic_image__notes(img, &p, &len);
	r = ic_rd_init(p, len);
	while (ic_rd_left(&r) >= 12) {
		size_t at = r.off;
		uint32_t namesz = ic_rd_le32(&r), descsz = ic_rd_le32(&r);
		const uint8_t *name, *desc;

		ic_rd_skip(&r, 4); /* type */
		name = ic_rd_bytes(&r, namesz);
		ic_rd_skip(&r, (size_t)(ic_align_up(namesz, 4) - namesz));
		desc = ic_rd_bytes(&r, descsz);
		ic_rd_skip(&r, (size_t)(ic_align_up(descsz, 4) - descsz));
		if (!name || !desc) {
			/* QEMU and kdump pad the last note; trailing garbage is not our problem. */
			pr_debug(ctx, "%s: note at notes offset 0x%zx runs past the notes", ic_image__path(img), at);
			break;
		}
		if (namesz >= 10 && !memcmp(name, "VMCOREINFO", 10) && (namesz == 10 || name[10] == '\0')) {
			/* The desc is the text, usually without a trailing NUL: copy and terminate. */
			char *t = malloc((size_t)descsz + 1);
			int err;

			if (!t)
				return -ENOMEM;
			memcpy(t, desc, descsz);
			t[descsz] = '\0';
			err = descsz > IC_MAX_VMCOREINFO_BYTES ? -IC_ELIMIT : parse_text(t, (size_t)descsz + 1, out);
			free(t);
			if (!err) {
				(*out)->from_note = true;
				return 0;
			}
			pr_warn(ctx, "%s: VMCOREINFO note at notes offset 0x%zx is not valid VMCOREINFO text (%s)",
				ic_image__path(img), at, ic_strerror(err));
		}
	}
	return -IC_ENOTFOUND;
}

struct copy {
	struct ic_vmcoreinfo *vi;
	unsigned same; /* copies with identical text */
	bool note;     /* inside an ELF note header: the kernel's vmcoreinfo_note */
};

/*
 * Better of two carved copies: the text most copies agree on; then the one in ELF note form
 * (vmcoreinfo_note, what /sys/kernel/vmcoreinfo points at); then page-aligned (vmcoreinfo_data);
 * then the lower address.
 */
static bool better(const struct copy *a, const struct copy *b)
{
	bool pa = !(a->vi->phys & 4095), pb = !(b->vi->phys & 4095);

	if (a->same != b->same)
		return a->same > b->same;
	if (a->note != b->note)
		return a->note;
	if (pa != pb)
		return pa;
	return a->vi->phys < b->vi->phys;
}

/* Elf64_Nhdr{namesz 11, descsz, type 0} + "VMCOREINFO\0" padded to 12, right before phys? */
static bool in_note(const struct ic_image *img, uint64_t phys, size_t len)
{
	uint8_t h[24];

	if (phys < sizeof(h) || ic_image__read(img, phys - sizeof(h), h, sizeof(h)))
		return false;
	return ic_get_le32(h) == 11 && ic_get_le32(h + 4) >= len && ic_get_le32(h + 8) == 0 &&
	       !memcmp(h + 12, "VMCOREINFO\0\0", 12);
}

static int vci_finish(const struct ic_ctx *ctx, const struct ic_image *img, void *const *states,
		      unsigned nstates, struct ic_findings *out)
{
	struct ic_vmcoreinfo *note = NULL;
	struct copy *copies = NULL;
	size_t ncopies = 0, total;
	bool overflow;
	char *buf = NULL;
	int err;

	err = from_notes(ctx, img, &note);
	if (err && err != -IC_ENOTFOUND)
		return err;
	total = ic_cands_total(states, nstates, &overflow);
	if (overflow)
		pr_warn(ctx, "%s: vmcoreinfo: over IC_MAX_CANDIDATES \"" NEEDLE "\" hits; some ignored",
			ic_image__path(img));
	if (total) {
		copies = ic_calloc(total, sizeof(*copies));
		buf = malloc(IC_MAX_VMCOREINFO_BYTES);
		if (!copies || !buf) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (unsigned s = 0; s < nstates; s++) {
		const struct ic_cands *c = states[s];

		for (size_t i = 0; c && i < c->n; i++) {
			uint64_t phys = c->phys[i];
			size_t n = ic_cands_avail(img, phys, IC_MAX_VMCOREINFO_BYTES);
			struct ic_vmcoreinfo *vi;
			const uint8_t *t;
			uint8_t prev;

			/* The text starts a page (vmcoreinfo_data) or follows a NUL (the note's padded
			 * name); "OSRELEASE=" inside other text is not a VMCOREINFO start. */
			if ((phys & 4095) && (ic_image__read(img, phys - 1, &prev, 1) || prev != 0))
				continue;
			if (!n || !(t = ic_image__view(img, phys, n, buf)))
				continue;
			if (parse_text((const char *)t, n, &vi))
				continue;
			vi->phys = phys;
			copies[ncopies].note = in_note(img, phys, vi->len);
			copies[ncopies++].vi = vi;
		}
	}
	/* Agreement count; quadratic, so only for a sane number of copies (real dumps have a few). */
	for (size_t i = 0; i < ncopies; i++)
		for (size_t j = 0; j < (ncopies <= 256 ? ncopies : 0); j++)
			if (copies[i].vi->len == copies[j].vi->len &&
			    !memcmp(copies[i].vi->text, copies[j].vi->text, copies[i].vi->len))
				copies[i].same++;
	if (note) {
		note->copies = (unsigned)ncopies + 1;
		out->vmcoreinfo = note;
		note = NULL;
	} else if (ncopies) {
		size_t best = 0;

		for (size_t i = 1; i < ncopies; i++)
			if (better(&copies[i], &copies[best]))
				best = i;
		out->vmcoreinfo = copies[best].vi;
		out->vmcoreinfo->copies = (unsigned)ncopies;
		copies[best].vi = NULL;
	}
	err = out->vmcoreinfo ? 0 : -IC_ENOTFOUND;
	if (!err)
		pr_info(ctx, "%s: vmcoreinfo: %s at %s0x%" PRIx64 ", %u copies, OSRELEASE=%s", ic_image__path(img),
			out->vmcoreinfo->from_note ? "ELF note" : "carved", out->vmcoreinfo->from_note ? "(note) " : "",
			out->vmcoreinfo->phys, out->vmcoreinfo->copies,
			ic_vmcoreinfo__get(out->vmcoreinfo, "OSRELEASE"));
out:
	for (size_t i = 0; i < ncopies; i++)
		ic_vmcoreinfo__free(copies[i].vi);
	free(copies);
	free(buf);
	ic_vmcoreinfo__free(note);
	return err;
}

static void vci_free(struct ic_findings *f)
{
	ic_vmcoreinfo__free(f->vmcoreinfo);
	f->vmcoreinfo = NULL;
}

const struct ic_carver ic_carver_vmcoreinfo = {
	.name = "vmcoreinfo",
	.desc = "VMCOREINFO text (OSRELEASE, KERNELOFFSET, SYMBOL(...)): ELF note or carved from RAM",
	.lookahead = sizeof(NEEDLE) - 1,
	.slot = IC_SLOT_VMCOREINFO,
	.scan_new = ic_cands_new,
	.scan_free = ic_cands_free,
	.scan = vci_scan,
	.finish = vci_finish,
	.free_finding = vci_free,
};
