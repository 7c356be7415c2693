/* SPDX-License-Identifier: MIT */
/* Recovery by structure: the helpers every rule family shares (reads, scans, BTF offsets, add). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "recover_int.h"

bool ic_rec_have(const struct ic_rec *r, const char *name)
{
	return ic_symtab__find(r->syms, name) != NULL;
}

/* The VA is an image address whose table walk agrees with the image mapping. */
bool ic_rec_va_ok(const struct ic_rec *r, uint64_t va)
{
	uint64_t pa = va - r->delta;

	if (va < r->k->runtime_text || va - r->k->runtime_text >= IC_MAX_KERNEL_IMAGE)
		return false;
	return !r->k->levels || ic_mmu__v2p(&r->k->mmu, va) == pa;
}

/* Whether an earlier conflict put name out of the table for good. */
static bool refused(const struct ic_rec *r, const char *name)
{
	for (unsigned i = 0; i < r->nrefused; i++)
		if (!strcmp(r->refused[i], name))
			return true;
	return false;
}

/*
 * Two rules put one symbol at different addresses (a VMCOREINFO SYMBOL() edited the same way
 * in every copy against the namespace rule, say). Neither is independent evidence for the
 * other, so neither wins: the symbol leaves the table, stays out (a third rule agreeing with
 * one of them is no tie-breaker the first two did not already have), and both readings go to
 * f->recover_doubt for the exit-3 refusal.
 */
static void conflict(struct ic_rec *r, const char *name, uint64_t had, uint64_t link,
		     const char *how)
{
	struct ic_findings *f = r->f;
	char had_how[sizeof(f->recovered[0].how)] = "kallsyms";
	size_t n = strlen(f->recover_doubt), kept = 0;

	for (size_t i = 0; i < f->nrecovered; i++) {
		if (!strcmp(f->recovered[i].name, name)) {
			/* copied: the compaction below writes over this entry */
			memcpy(had_how, f->recovered[i].how, sizeof(had_how));
			continue; /* the earlier reading is not "recovered" any more */
		}
		f->recovered[kept++] = f->recovered[i];
	}
	pr_warn(r->ctx, "recover: %s: two rules disagree: link 0x%" PRIx64 " (%s) against 0x%"
		PRIx64 " (%s): left out", name, had, had_how, link, how);
	/* the first conflicts in full; later ones, if they do not fit, only by name */
	if (snprintf(f->recover_doubt + n, sizeof(f->recover_doubt) - n,
		     "%s%s at link 0x%" PRIx64 " (%s) or 0x%" PRIx64 " (%s)", n ? "; " : "", name,
		     had, had_how, link, how) >= (int)(sizeof(f->recover_doubt) - n)) {
		f->recover_doubt[n] = '\0';
		if (n + strlen(name) + 16 < sizeof(f->recover_doubt))
			snprintf(f->recover_doubt + n, sizeof(f->recover_doubt) - n,
				 "%s%s (two readings)", n ? "; " : "", name);
	}
	/* the earlier reading was counted in r->n; only a recovered one can be dropped */
	if (kept != f->nrecovered) {
		f->nrecovered = kept;
		r->n--;
	}
	ic_symtab__drop(r->syms, name);
	/* room for every recoverable name (driver.c), so none comes back */
	if (r->nrefused < IC_ARRAY_SIZE(r->refused))
		snprintf(r->refused[r->nrefused++], sizeof(r->refused[0]), "%s", name);
}

int ic_rec_add(struct ic_rec *r, const char *name, uint64_t va, char type, const char *fmt, ...)
{
	struct ic_findings *f = r->f;
	struct ic_recovered *v, *e;
	const struct ic_sym *had;
	uint64_t link = ic_kaslr__link(r->k, va);
	char how[sizeof(e->how)];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(how, sizeof(how), fmt, ap);
	va_end(ap);
	if (refused(r, name))
		return 0;
	had = ic_symtab__find(r->syms, name);
	if (had) {
		/* Only recovered readings are weighed: kallsyms' own addresses are the table
		 * every rule starts from (and it lists no data object recovery adds). */
		if (had->addr != link && (had->flags & IC_SYM_RECOVERED))
			conflict(r, name, had->addr, link, how);
		else if (had->addr == link)
			pr_debug(r->ctx, "recover: %s confirmed (%s)", name, how);
		return 0;
	}
	if (f->nrecovered >= IC_MAX_RECOVERED)
		return 0;
	v = ic_reallocarray(f->recovered, f->nrecovered + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	f->recovered = v;
	e = &v[f->nrecovered];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->link = link;
	memcpy(e->how, how, sizeof(e->how));
	err = ic_symtab__add(r->syms, link, type, name, strlen(name), IC_SYM_RECOVERED);
	if (err)
		return err;
	f->nrecovered++;
	r->n++;
	pr_info(r->ctx, "recover: %s at link 0x%" PRIx64 " (%s)", name, link, e->how);
	return 0;
}

/* Byte offset of member `name` of struct/union id, looking into anonymous members. */
static int member_off(const struct ic_btf *btf, uint32_t id, const char *name, unsigned depth,
		      uint64_t *off)
{
	const uint32_t *rec;
	unsigned kind;
	uint32_t vlen;

	id = ic_btf__skip(btf, id, true);
	kind = ic_btf__kind(btf, id);
	rec = ic_btf__rec(btf, id);
	if (!rec || (kind != IC_BTF_STRUCT && kind != IC_BTF_UNION) || depth > 8)
		return -IC_ENOTFOUND;
	vlen = ic_btf_vlen(rec[1]);
	for (uint32_t i = 0; i < vlen; i++) {
		const uint32_t *m = rec + 3 + 3 * i;
		uint64_t bits = ic_btf_kflag(rec[1]) ? (m[2] & 0xffffff) : m[2];
		const char *mn = ic_btf__str(btf, m[0]);

		if (bits % 8)
			continue;
		if (mn && *mn) {
			if (!strcmp(mn, name)) {
				*off = bits / 8;
				return 0;
			}
		} else if (!member_off(btf, m[1], name, depth + 1, off)) {
			*off += bits / 8;
			return 0;
		}
	}
	return -IC_ENOTFOUND;
}

int ic_rec_off(const struct ic_btf *btf, const char *sname, const char *mname,
	       uint64_t *off)
{
	uint32_t id = ic_btf__find(btf, sname, IC_BTF_STRUCT);

	return id ? member_off(btf, id, mname, 0, off) : -IC_ENOTFOUND;
}

/* Read len bytes at a kernel VA: through the tables, or (no tables) only inside the image. */
int ic_rec_read(const struct ic_rec *r, uint64_t va, void *buf, size_t len)
{
	uint64_t last;

	if (r->k->levels)
		return ic_mmu__read(&r->k->mmu, va, buf, len);
	if (!len || ic_add_ovf(va, len - 1, &last) || !ic_rec_va_ok(r, va) ||
	    !ic_rec_va_ok(r, last))
		return -IC_ENOTFOUND;
	return ic_image__read(r->img, va - r->delta, buf, len);
}

int ic_rec_u64(const struct ic_rec *r, uint64_t va, uint64_t *v)
{
	uint8_t raw[8];
	int err;

	if (r->k->levels)
		return ic_mmu__read_u64(&r->k->mmu, va, v);
	err = ic_rec_read(r, va, raw, sizeof(raw));
	if (!err)
		*v = ic_get_le64(raw);
	return err;
}

int ic_rec_u32(const struct ic_rec *r, uint64_t va, uint32_t *v)
{
	uint8_t raw[4];
	int err = ic_rec_read(r, va, raw, sizeof(raw));

	if (!err)
		*v = ic_get_le32(raw);
	return err;
}

/* A NUL-terminated printable ASCII string of 1 .. max-1 bytes at a kernel VA (read page by page,
 * so a short string at the end of a mapping reads). */
bool ic_rec_name(const struct ic_rec *r, uint64_t va, char *buf, size_t max)
{
	size_t got = 0, len;

	while (got < max) {
		uint64_t a;
		size_t n;

		if (ic_add_ovf(va, got, &a))
			return false;
		n = IC_RECOVER_PAGE - (size_t)(a % IC_RECOVER_PAGE);
		if (n > max - got)
			n = max - got;
		if (ic_rec_read(r, a, buf + got, n))
			return false;
		got += n;
		if (memchr(buf + got - n, 0, n))
			break;
	}
	len = strnlen(buf, max);
	if (!len || len == max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return false;
	return true;
}

/* Scan the kernel image for align-aligned copies of the len-byte pattern pat; the PAs of the
 * hits that are image objects (a copy in other memory is no symbol). Chunks overlap by len - 1
 * bytes so a match across a boundary is seen once. More than max hits: none (*n = 0). The
 * callers judge uniqueness among the hits, so the first max of more would be no judgement: 15
 * decoys planted low once hid the real socket_file_ops behind a fake one, taken as "the one". */
int ic_rec_scan(const struct ic_rec *r, const void *pat, size_t len, size_t align,
		uint64_t *hits, unsigned max, unsigned *n)
{
	uint64_t start = r->k->phys_text & ~(uint64_t)(align - 1), end;
	unsigned total = 0;
	uint8_t *buf;

	*n = 0;
	if (!len || len > IC_RECOVER_PAGE || !align)
		return 0;
	buf = malloc(IC_RECOVER_CHUNK + len - 1);
	if (!buf)
		return -ENOMEM;
	if (ic_add_ovf(start, IC_MAX_KERNEL_IMAGE, &end))
		end = UINT64_MAX;
	for (uint64_t pa = start; pa < end && total <= max; pa += IC_RECOVER_CHUNK) {
		size_t got = IC_RECOVER_CHUNK + len - 1;

		if (ic_image__read(r->img, pa, buf, got)) {
			got = IC_RECOVER_CHUNK; /* the last chunk of a RAM range */
			if (ic_image__read(r->img, pa, buf, got))
				continue;
		}
		for (size_t i = 0; i + len <= got && i < IC_RECOVER_CHUNK && total <= max; i += align)
			if (buf[i] == *(const uint8_t *)pat && !memcmp(buf + i, pat, len) &&
			    ic_rec_va_ok(r, pa + i + r->delta) && total++ < max)
				hits[(*n)++] = pa + i;
	}
	free(buf);
	if (total > max) {
		pr_info(r->ctx, "recover: more than %u image copies of a %zu-byte pattern: too many to "
			"tell one object by, none taken", max, len);
		*n = 0;
	}
	return 0;
}

/* 8-byte-aligned image words equal to val. */
int ic_rec_scan_u64(const struct ic_rec *r, uint64_t val, uint64_t *hits, unsigned max,
		    unsigned *n)
{
	uint8_t pat[8];

	for (unsigned i = 0; i < 8; i++)
		pat[i] = (uint8_t)(val >> (8 * i));
	return ic_rec_scan(r, pat, sizeof(pat), 8, hits, max, n);
}

/* The runtime VA of a symbol the table already has (kallsyms, or recovered by an earlier rule). */
bool ic_rec_sym(const struct ic_rec *r, const char *name, uint64_t *va)
{
	const struct ic_sym *s = ic_symtab__find(r->syms, name);

	if (!s)
		return false;
	*va = s->addr + r->k->virtual_slide;
	return true;
}

/* Pointer member sname.mname of the object at va, when it holds an image object's VA. */
bool ic_rec_ptr(const struct ic_rec *r, uint64_t va, const char *sname, const char *mname,
		uint64_t *out)
{
	uint64_t off;

	if (ic_rec_off(r->btf, sname, mname, &off) || ic_rec_u64(r, va + off, out))
		return false;
	return ic_rec_va_ok(r, *out);
}
