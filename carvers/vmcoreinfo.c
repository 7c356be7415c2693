/* SPDX-License-Identifier: MIT */
/* vmcoreinfo carver: the kernel's VMCOREINFO text, from the container's ELF note or carved from RAM. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/carver.h"
#include "isfcarve/slots.h"
#include "isfcarve/vmcoreinfo.h"
#include "cands.h"
#include "0-base/elfnote.h"
#include "0-base/reader.h"

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

/* Does b say another KERNELOFFSET than a (a value one has and the other lacks counts)? *ko: b's. */
static bool other_offset(const struct ic_vmcoreinfo *a, const struct ic_vmcoreinfo *b, uint64_t *ko)
{
	uint64_t x;
	bool ha = !ic_vmcoreinfo__u64(a, "KERNELOFFSET", &x), hb = !ic_vmcoreinfo__u64(b, "KERNELOFFSET", ko);

	return hb && (!ha || x != *ko);
}

/* One more KERNELOFFSET value against vi's (places: how many places hold it). */
static void add_alt(struct ic_vmcoreinfo *vi, uint64_t ko, uint64_t phys, unsigned places)
{
	unsigned a;

	for (a = 0; a < vi->nalt && vi->alt[a].kerneloffset != ko; a++)
		;
	if (a == vi->nalt) {
		if (vi->nalt == IC_VMCOREINFO_MAX_ALT) {
			vi->nalt_more++;
			return;
		}
		vi->alt[vi->nalt++] = (struct ic_vmcoreinfo_alt){ .kerneloffset = ko, .phys = phys };
	}
	vi->alt[a].places += places;
}

/*
 * The container's ELF notes (Elf64_Nhdr: namesz, descsz, type; name and desc 4-byte padded)
 * named "VMCOREINFO": every one, not the first only. The first valid text is taken; each other
 * valid one is compared with it. The same text is one more place. The same OSRELEASE with
 * another KERNELOFFSET goes to alt[], settled by the KASLR stage against independent evidence as
 * for carved copies (docs/kaslr.md, "Copies that disagree"). Another OSRELEASE: the container
 * names two kernels, so no note is taken and the copies carved from RAM decide. Notes that are
 * not valid text are said once, with their count (a crafted core can hold 65,535 of them).
 */
static int from_notes(const struct ic_ctx *ctx, const struct ic_image *img, struct ic_vmcoreinfo **out)
{
	struct ic_vmcoreinfo *first = NULL;
	unsigned valid = 0, same = 0, bad = 0, other_rel = 0, other_lines = 0;
	size_t bad_at = 0, other_at = 0;
	int bad_err = 0;
	char other[65] = "";
	const uint8_t *p;
	size_t len, off = 0;
	struct ic_note note;

	ic_image__notes(img, &p, &len);
	for (;;) {
		size_t at = off;
		uint32_t descsz;
		const uint8_t *desc;
		struct ic_vmcoreinfo *vi = NULL;
		const char *rel, *frel;
		uint64_t ko;
		char *t;
		int err;

		if (!ic_note_next(p, len, &off, &note)) {
			char where[96];

			if (len - at < 12)
				break;
			/* QEMU and kdump pad the last note; trailing garbage is not our problem. */
			ic_image__note_where(img, at, where, sizeof(where));
			pr_debug(ctx, "%s: note at %s runs past the notes", ic_image__path(img), where);
			break;
		}
		if (!ic_note_is(&note, "VMCOREINFO"))
			continue;
		at = note.at;
		desc = note.desc;
		descsz = note.descsz;
		/* The desc is the text, usually without a trailing NUL: copy and terminate. */
		if (descsz > IC_MAX_VMCOREINFO_BYTES) {
			err = -IC_ELIMIT;
		} else if (!(t = malloc((size_t)descsz + 1))) {
			ic_vmcoreinfo__free(first);
			return -ENOMEM;
		} else {
			memcpy(t, desc, descsz);
			t[descsz] = '\0';
			err = parse_text(t, (size_t)descsz + 1, &vi);
			free(t);
		}
		if (err) {
			if (!bad++) {
				bad_at = at;
				bad_err = err;
			}
			continue;
		}
		valid++;
		if (!first) {
			first = vi;
			first->from_note = true;
			same = 1;
			continue;
		}
		rel = ic_vmcoreinfo__get(vi, "OSRELEASE");
		frel = ic_vmcoreinfo__get(first, "OSRELEASE");
		if (vi->len == first->len && !memcmp(vi->text, first->text, vi->len)) {
			same++;
		} else if (!rel || !frel || strcmp(rel, frel)) {
			if (!other_rel++)
				snprintf(other, sizeof(other), "%s", rel ? rel : "(none)");
		} else if (other_offset(first, vi, &ko)) {
			add_alt(first, ko, UINT64_MAX, 1);
		} else if (!other_lines++) {
			other_at = at;
		}
		ic_vmcoreinfo__free(vi);
	}
	if (bad) {
		char where[96];

		ic_image__note_where(img, bad_at, where, sizeof(where));
		if (bad > 1)
			pr_warn(ctx, "%s: VMCOREINFO note at %s is not valid VMCOREINFO text (%s); %u more "
				"like it", ic_image__path(img), where, ic_strerror(bad_err), bad - 1);
		else
			pr_warn(ctx, "%s: VMCOREINFO note at %s is not valid VMCOREINFO text (%s)",
				ic_image__path(img), where, ic_strerror(bad_err));
	}
	if (first && other_rel) {
		pr_warn(ctx, "%s: the container's VMCOREINFO notes name two kernel releases (%s, %s): "
			"none is taken, the copies carved from RAM decide", ic_image__path(img),
			ic_vmcoreinfo__get(first, "OSRELEASE") ? ic_vmcoreinfo__get(first, "OSRELEASE")
							       : "(none)", other);
		ic_vmcoreinfo__free(first);
		return -IC_ENOTFOUND;
	}
	if (!first)
		return -IC_ENOTFOUND;
	if (other_lines) {
		char where[96];

		ic_image__note_where(img, other_at, where, sizeof(where));
		pr_info(ctx, "%s: %u VMCOREINFO note(s) (the first at %s) differ from the first one in "
			"lines other than OSRELEASE and KERNELOFFSET; the first is taken",
			ic_image__path(img), other_lines, where);
	}
	first->copies = valid;
	first->places = same;
	*out = first;
	return 0;
}

struct copy {
	struct ic_vmcoreinfo *vi; /* the best-placed copy of this text (note, then page start, then lowest) */
	uint64_t hash;            /* of the text, to find identical copies without comparing them all */
	unsigned same;            /* places holding this identical text */
	bool note;                /* vi is inside an ELF note header: the kernel's vmcoreinfo_note */
};

/* Placement only (one text): in note form (vmcoreinfo_note, what /sys/kernel/vmcoreinfo points
 * at), then page-aligned (vmcoreinfo_data), then the lower address. */
static bool better_place(bool note_a, uint64_t a, bool note_b, uint64_t b)
{
	bool pa = !(a & 4095), pb = !(b & 4095);

	if (note_a != note_b)
		return note_a;
	if (pa != pb)
		return pa;
	return a < b;
}

/* Better of two carved texts: the one most places agree on, then the better placed. */
static bool better(const struct copy *a, const struct copy *b)
{
	if (a->same != b->same)
		return a->same > b->same;
	return better_place(a->note, a->vi->phys, b->note, b->vi->phys);
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

/*
 * The look at every "OSRELEASE=" hit. Hits are not capped: the stored ones and the spans that
 * overflowed a scan state (scanned again, streaming) all come here, so a flood of fakes cannot
 * push the kernel's own copies out unseen. What is kept is bounded: at most
 * IC_MAX_VMCOREINFO_TEXTS distinct texts (identical copies only raise a count); once full, a
 * new text in ELF note form or with more entries takes the place of the plain text seen once
 * with the fewest entries. Reads grow from VCI_HEAD bytes to IC_MAX_VMCOREINFO_BYTES only while
 * no NUL ends the text, so densely packed fakes (each ended by the next one's NUL) cost their
 * own bytes, not 64 KiB each.
 */
#define VCI_HEAD 512u

/* Open-addressing index of copies[] by text hash: a flood of fakes costs O(1) per hit, not a
 * walk of IC_MAX_VMCOREINFO_TEXTS copies (1 min/GiB of packed fakes before). Slot value i + 1,
 * 0 empty; twice as many slots as texts. */
#define VCI_SLOTS (2 * IC_MAX_VMCOREINFO_TEXTS)
/* slot[] holds index + 1 in a uint16_t (0: empty) */
_Static_assert(IC_MAX_VMCOREINFO_TEXTS < 65535u, "VCI slot values are uint16_t");

struct vrun {
	const struct ic_image *img;
	struct copy *copies;
	size_t n, places, dropped;
	size_t weakest;   /* when full: the index keep() would replace, or n if none; n + 1: unknown */
	uint16_t slot[VCI_SLOTS];
	uint64_t seed;    /* of the text hash: the texts come from the image (ic_hash_seed()) */
	uint8_t *buf;
};

static size_t slot_of(const struct vrun *r, uint64_t h, size_t want)
{
	size_t s = (size_t)(h % VCI_SLOTS);

	/* want: the copy sought (its slot), or VCI_SLOTS for the first free slot on h's chain;
	 * never full: at most IC_MAX_VMCOREINFO_TEXTS of VCI_SLOTS are used */
	while (r->slot[s] && (want == VCI_SLOTS || r->slot[s] - 1u != want))
		s = (s + 1) % VCI_SLOTS;
	return s;
}

/* The copy holding exactly vi's text, or r->n. */
static size_t find_same(const struct vrun *r, const struct ic_vmcoreinfo *vi, uint64_t h)
{
	for (size_t s = (size_t)(h % VCI_SLOTS); r->slot[s]; s = (s + 1) % VCI_SLOTS) {
		const struct copy *c = &r->copies[r->slot[s] - 1u];

		if (c->hash == h && c->vi->len == vi->len && !memcmp(c->vi->text, vi->text, vi->len))
			return r->slot[s] - 1u;
	}
	return r->n;
}

/* Take copy i out of the index (linear probing: the chain after it is put back). */
static void unindex(struct vrun *r, size_t i)
{
	size_t s = slot_of(r, r->copies[i].hash, i);

	r->slot[s] = 0;
	for (s = (s + 1) % VCI_SLOTS; r->slot[s]; s = (s + 1) % VCI_SLOTS) {
		uint16_t v = r->slot[s];

		r->slot[s] = 0;
		r->slot[slot_of(r, r->copies[v - 1u].hash, VCI_SLOTS)] = v;
	}
}

static int keep(struct vrun *r, struct ic_vmcoreinfo *vi, bool note)
{
	uint64_t h = ic_hash_mem(vi->text, vi->len, r->seed);
	size_t i = find_same(r, vi, h);

	r->places++;
	if (i < r->n) {
		struct copy *c = &r->copies[i];

		c->same++;
		if (i == r->weakest)
			r->weakest = r->n + 1; /* seen twice now: no longer a candidate */
		if (better_place(note, vi->phys, c->note, c->vi->phys)) {
			ic_vmcoreinfo__free(c->vi);
			c->vi = vi;
			c->note = note;
		} else {
			ic_vmcoreinfo__free(vi);
		}
		return 0;
	}
	if (r->n == IC_MAX_VMCOREINFO_TEXTS) {
		/* Full: the weakest plain text seen once (fewest entries) gives way to a text in note
		 * form or with more entries (the kernel's has ~100; cheap fakes a few). The weakest is
		 * looked for again only after it changed, not per hit. */
		size_t w = r->weakest;

		if (w == r->n + 1) {
			w = r->n;
			for (size_t k = 0; k < r->n; k++) {
				const struct copy *c = &r->copies[k];

				if (!c->note && c->same == 1 &&
				    (w == r->n || c->vi->nentries < r->copies[w].vi->nentries))
					w = k;
			}
			r->weakest = w;
		}
		if (w == r->n || (!note && vi->nentries <= r->copies[w].vi->nentries)) {
			r->dropped++;
			ic_vmcoreinfo__free(vi);
			return 0;
		}
		i = w;
		unindex(r, i);
		ic_vmcoreinfo__free(r->copies[i].vi);
		r->dropped++;
		r->weakest = r->n + 1;
	} else {
		i = r->n++;
	}
	r->copies[i] = (struct copy){ .vi = vi, .hash = h, .same = 1, .note = note };
	r->slot[slot_of(r, h, VCI_SLOTS)] = (uint16_t)(i + 1);
	return 0;
}

static int try_hit(void *arg, uint64_t phys)
{
	struct vrun *r = arg;
	size_t avail = ic_cands_avail(r->img, phys, IC_MAX_VMCOREINFO_BYTES), n;
	struct ic_vmcoreinfo *vi = NULL;
	uint8_t prev;

	/* The text starts a page (vmcoreinfo_data) or follows a NUL (the note's padded name);
	 * "OSRELEASE=" inside other text is not a VMCOREINFO start. */
	if ((phys & 4095) && (ic_image__read(r->img, phys - 1, &prev, 1) || prev != 0))
		return 0;
	for (n = avail < VCI_HEAD ? avail : VCI_HEAD; n;) {
		const uint8_t *t = ic_image__view(r->img, phys, n, r->buf);

		if (!t)
			return 0;
		if (memchr(t, '\0', n)) {
			if (parse_text((const char *)t, n, &vi))
				return 0;
			break;
		}
		if (n == avail)
			return 0; /* no NUL before a hole or the ceiling: cut, not a complete copy */
		n = avail - n < n * 8 ? avail : n * 8;
	}
	if (!vi)
		return 0;
	vi->phys = phys;
	return keep(r, vi, in_note(r->img, phys, vi->len));
}

/*
 * Record on the chosen text the copies that disagree with it about the slide: the other texts
 * of the same OSRELEASE with another KERNELOFFSET (one entry per value, places summed). The
 * choice above is by count and placement only; a 1:1 tie between a damaged copy and an
 * intact one must not be settled silently (docs/kaslr.md, "Copies that disagree").
 */
static void note_disagreement(struct ic_vmcoreinfo *vi, const struct copy *copies, size_t n,
			      size_t skip)
{
	const char *rel = ic_vmcoreinfo__get(vi, "OSRELEASE");
	uint64_t ko, o;
	bool have = !ic_vmcoreinfo__u64(vi, "KERNELOFFSET", &ko);

	for (size_t i = 0; i < n; i++) {
		const struct copy *c = &copies[i];
		const char *crel;

		if (i == skip || !c->vi)
			continue;
		crel = ic_vmcoreinfo__get(c->vi, "OSRELEASE");
		if (!rel || !crel || strcmp(rel, crel) || ic_vmcoreinfo__u64(c->vi, "KERNELOFFSET", &o) ||
		    (have && o == ko))
			continue;
		add_alt(vi, o, c->vi->phys, c->same);
	}
}

static int vci_finish(const struct ic_ctx *ctx, const struct ic_image *img, void *const *states,
		      unsigned nstates, void *prep, struct ic_findings *out)
{
	struct ic_vmcoreinfo *note = NULL;
	struct vrun r = { .img = img, .weakest = IC_MAX_VMCOREINFO_TEXTS + 1, .seed = ic_hash_seed() };
	char where[IC_VMCOREINFO_WHERE_MAX];
	unsigned rescans = 0;
	int err;

	(void)prep; /* this carver has no prepare() */

	err = from_notes(ctx, img, &note);
	if (err && err != -IC_ENOTFOUND)
		return err;
	r.copies = ic_calloc(IC_MAX_VMCOREINFO_TEXTS, sizeof(*r.copies));
	r.buf = malloc(IC_MAX_VMCOREINFO_BYTES);
	if (!r.copies || !r.buf) {
		err = -ENOMEM;
		goto out;
	}
	err = 0;
	for (unsigned s = 0; s < nstates && !err; s++) {
		const struct ic_cands *c = states[s];

		for (size_t i = 0; c && i < c->n && !err; i++)
			err = try_hit(&r, c->phys[i]);
		if (c && c->overflow && !err) {
			rescans++;
			err = ic_cands_rescan(img, c->drop_lo, c->drop_hi, NEEDLE, sizeof(NEEDLE) - 1, try_hit, &r);
		}
	}
	if (err)
		goto out;
	if (rescans)
		pr_info(ctx, "%s: vmcoreinfo: %u batches had more than %u \"" NEEDLE "\" hits; their rest "
			"was scanned again", ic_image__path(img), rescans, IC_CANDS_PER_STATE);
	if (r.dropped)
		pr_warn(ctx, "%s: vmcoreinfo: over IC_MAX_VMCOREINFO_TEXTS (%u) distinct texts; %zu were "
			"not kept (the fewest entries go first)", ic_image__path(img),
			IC_MAX_VMCOREINFO_TEXTS, r.dropped);
	if (note) {
		/* copies, places: the notes' own count (from_notes) plus RAM's */
		note->copies += (unsigned)(r.places > UINT32_MAX - note->copies ? UINT32_MAX - note->copies
										 : r.places);
		for (size_t i = 0; i < r.n; i++)
			if (r.copies[i].vi->len == note->len &&
			    !memcmp(r.copies[i].vi->text, note->text, note->len))
				note->places += r.copies[i].same;
		note_disagreement(note, r.copies, r.n, r.n);
		out->vmcoreinfo = note;
		note = NULL;
	} else if (r.n) {
		size_t best = 0;

		for (size_t i = 1; i < r.n; i++)
			if (better(&r.copies[i], &r.copies[best]))
				best = i;
		out->vmcoreinfo = r.copies[best].vi;
		out->vmcoreinfo->copies = (unsigned)(r.places > UINT32_MAX ? UINT32_MAX : r.places);
		out->vmcoreinfo->places = r.copies[best].same;
		note_disagreement(out->vmcoreinfo, r.copies, r.n, best);
		r.copies[best].vi = NULL;
	}
	err = out->vmcoreinfo ? 0 : -IC_ENOTFOUND;
	if (!err && out->vmcoreinfo->from_note)
		pr_info(ctx, "%s: vmcoreinfo: the container's ELF note, %u copies, OSRELEASE=%s",
			ic_image__path(img), out->vmcoreinfo->copies,
			ic_vmcoreinfo__get(out->vmcoreinfo, "OSRELEASE"));
	else if (!err)
		pr_info(ctx, "%s: vmcoreinfo: carved at 0x%" PRIx64 ", %u copies, OSRELEASE=%s",
			ic_image__path(img), out->vmcoreinfo->phys, out->vmcoreinfo->copies,
			ic_vmcoreinfo__get(out->vmcoreinfo, "OSRELEASE"));
	if (!err && out->vmcoreinfo->nalt)
		pr_warn(ctx, "%s: vmcoreinfo: copies of OSRELEASE=%s disagree: KERNELOFFSET=%s (%u "
			"places) against %u other value%s (first 0x%" PRIx64 " at %s, %u places); the "
			"KASLR stage decides by independent evidence", ic_image__path(img),
			ic_vmcoreinfo__get(out->vmcoreinfo, "OSRELEASE"),
			ic_vmcoreinfo__get(out->vmcoreinfo, "KERNELOFFSET")
				? ic_vmcoreinfo__get(out->vmcoreinfo, "KERNELOFFSET") : "(none)",
			out->vmcoreinfo->places, out->vmcoreinfo->nalt + out->vmcoreinfo->nalt_more,
			out->vmcoreinfo->nalt + out->vmcoreinfo->nalt_more > 1 ? "s" : "",
			out->vmcoreinfo->alt[0].kerneloffset,
			ic_vmcoreinfo__where(out->vmcoreinfo->alt[0].phys, where),
			out->vmcoreinfo->alt[0].places);
out:
	for (size_t i = 0; r.copies && i < r.n; i++)
		ic_vmcoreinfo__free(r.copies[i].vi);
	free(r.copies);
	free(r.buf);
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
