/* SPDX-License-Identifier: MIT */
/* Strict BTF validator: header, sections, strings, the record walk, then cross-references. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_validate.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"

#define BTF_MAGIC 0xeb9fu
/* BTF_MAX_NAME_OFFSET: name offsets are 24-bit in the kernel's checks. */
#define BTF_MAX_STR_LEN (0xffffffu + 1u)

static int fail(struct ic_btf_diag *diag, int err, uint32_t id, uint64_t off, const char *fmt, ...)
	IC_PRINTF(5, 6);

static int fail(struct ic_btf_diag *diag, int err, uint32_t id, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	if (diag) {
		diag->type_id = id;
		diag->offset = off;
		va_start(ap, fmt);
		vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}

static inline uint32_t g32(bool be, const uint8_t *p)
{
	return be ? ic_get_be32(p) : ic_get_le32(p);
}

int ic_btf_parse_header(const uint8_t *data, size_t avail, struct ic_btf_hdr *h,
			struct ic_btf_diag *diag)
{
	uint64_t t_end, l_end, s_end;

	memset(h, 0, sizeof(*h));
	if (avail < 4)
		return fail(diag, -IC_ETRUNC, 0, 0, "header: %zu bytes, need at least 4", avail);
	if (data[0] == 0x9f && data[1] == 0xeb)
		h->be = false;
	else if (data[0] == 0xeb && data[1] == 0x9f)
		h->be = true;
	else
		return fail(diag, -EPROTO, 0, 0, "header: bad magic %02x%02x", data[0], data[1]);
	if (data[2] != 1)
		return fail(diag, -IC_EFORMAT, 0, 2, "header: version %u, expected 1", data[2]);
	if (data[3] != 0)
		return fail(diag, -IC_EFORMAT, 0, 3, "header: flags 0x%x, expected 0", data[3]);
	if (avail < 24)
		return fail(diag, -IC_ETRUNC, 0, 0, "header: %zu bytes, need 24", avail);
	h->hdr_len = g32(h->be, data + 4);
	if (h->hdr_len != 24 && h->hdr_len != 32)
		return fail(diag, -IC_EFORMAT, 0, 4, "header: hdr_len %u, expected 24 or 32",
			    h->hdr_len);
	if (avail < h->hdr_len)
		return fail(diag, -IC_ETRUNC, 0, 0, "header: %zu bytes, need %u", avail, h->hdr_len);
	h->type_off = g32(h->be, data + 8);
	h->type_len = g32(h->be, data + 12);
	h->str_off = g32(h->be, data + 16);
	h->str_len = g32(h->be, data + 20);
	if (h->hdr_len == 32) {
		h->layout_off = g32(h->be, data + 24);
		h->layout_len = g32(h->be, data + 28);
	}
	if (h->type_off % 4 || h->type_len % 4 || h->str_off % 4 || h->layout_off % 4 ||
	    h->layout_len % 4)
		return fail(diag, -IC_EFORMAT, 0, 8,
			    "header: section offset/length not 4-aligned (type %u+%u, layout %u+%u, "
			    "str %u+%u)",
			    h->type_off, h->type_len, h->layout_off, h->layout_len, h->str_off,
			    h->str_len);
	/* Sections in order type, [layout], strings; the types start right after the header and
	 * only alignment padding (< 8 bytes, as the 2026 header extension allows) may separate
	 * sections. Offsets are u32, so the u64 sums cannot overflow. */
	if (h->type_off != 0)
		return fail(diag, -IC_EFORMAT, 0, 8, "header: type_off %u, expected 0", h->type_off);
	t_end = (uint64_t)h->type_off + h->type_len;
	l_end = t_end;
	if (h->layout_len || h->layout_off) {
		if (h->layout_off < t_end || h->layout_off - t_end >= 8)
			return fail(diag, -IC_EFORMAT, 0, 24,
				    "header: layout section at %u does not follow types ending at %" PRIu64,
				    h->layout_off, (uint64_t)t_end);
		l_end = (uint64_t)h->layout_off + h->layout_len;
	}
	if (h->str_off < l_end || h->str_off - l_end >= 8)
		return fail(diag, -IC_EFORMAT, 0, 16,
			    "header: string section at %u overlaps or does not follow the section "
			    "ending at %" PRIu64,
			    h->str_off, (uint64_t)l_end);
	s_end = (uint64_t)h->str_off + h->str_len;
	h->total = h->hdr_len + s_end;
	if (h->total > IC_MAX_BTF_BYTES)
		return fail(diag, -IC_ELIMIT, 0, 0,
			    "header: blob of %" PRIu64 " bytes exceeds IC_MAX_BTF_BYTES (%u)",
			    (uint64_t)h->total, IC_MAX_BTF_BYTES);
	return 0;
}

int ic_btf__check_header(const uint8_t *data, size_t avail, uint64_t *total)
{
	struct ic_btf_hdr h;
	int err = ic_btf_parse_header(data, avail, &h, NULL);

	if (err)
		return err;
	if (total)
		*total = h.total;
	return 0;
}

static bool name_required(unsigned kind)
{
	switch (kind) {
	case IC_BTF_INT: case IC_BTF_FWD: case IC_BTF_TYPEDEF: case IC_BTF_FUNC: case IC_BTF_VAR:
	case IC_BTF_DATASEC: case IC_BTF_FLOAT: case IC_BTF_DECL_TAG: case IC_BTF_TYPE_TAG:
		return true;
	default:
		return false;
	}
}

static bool name_forbidden(unsigned kind)
{
	switch (kind) {
	case IC_BTF_PTR: case IC_BTF_ARRAY: case IC_BTF_CONST: case IC_BTF_VOLATILE:
	case IC_BTF_RESTRICT: case IC_BTF_FUNC_PROTO:
		return true;
	default:
		return false;
	}
}

static bool kflag_allowed(unsigned kind)
{
	switch (kind) {
	case IC_BTF_STRUCT: case IC_BTF_UNION: case IC_BTF_ENUM: case IC_BTF_ENUM64:
	case IC_BTF_FWD: case IC_BTF_DECL_TAG: case IC_BTF_TYPE_TAG:
		return true;
	default:
		return false;
	}
}

/* Kinds whose size_or_type word is a type reference that forms a declarator chain. */
static bool is_chain(unsigned kind)
{
	switch (kind) {
	case IC_BTF_PTR: case IC_BTF_TYPEDEF: case IC_BTF_VOLATILE: case IC_BTF_CONST:
	case IC_BTF_RESTRICT: case IC_BTF_TYPE_TAG: case IC_BTF_ARRAY:
		return true;
	default:
		return false;
	}
}

struct walk {
	const uint8_t *t;     /* type section */
	uint64_t base;        /* byte offset of the type section in the blob (for diags) */
	bool be;
	uint32_t str_len;
	uint32_t nr;
	uint32_t *off;        /* byte offset of each record in the type section, by id */
	struct ic_btf_diag *diag;
};

static inline uint32_t w32(const struct walk *w, uint32_t id, unsigned word)
{
	return g32(w->be, w->t + w->off[id] + 4u * word);
}

static inline unsigned kind_of(const struct walk *w, uint32_t id)
{
	return id == 0 ? IC_BTF_UNKN : ic_btf_kind(w32(w, id, 1));
}

#define FAILT(err, id, word, ...) fail(w->diag, err, id, w->base + w->off[id] + 4u * (word), __VA_ARGS__)

static int check_name(const struct walk *w, uint32_t id, unsigned word, uint32_t name_off,
		      const char *what)
{
	if (name_off >= w->str_len)
		return FAILT(-IC_EFORMAT, id, word, "type [%u]: %s name offset %u outside strings (%u)",
			     id, what, name_off, w->str_len);
	return 0;
}

/* Pass 1: per-record checks that need nothing but the record itself. */
static int check_record(const struct walk *w, uint32_t id, const char *strs)
{
	uint32_t name_off = w32(w, id, 0), info = w32(w, id, 1), sz = w32(w, id, 2);
	unsigned kind = ic_btf_kind(info);
	uint32_t vlen = ic_btf_vlen(info);
	int err;

	if ((err = check_name(w, id, 0, name_off, "type")))
		return err;
	if (name_required(kind) && !strs[name_off])
		return FAILT(-IC_EFORMAT, id, 0, "type [%u]: kind %u needs a name", id, kind);
	if (name_forbidden(kind) && name_off)
		return FAILT(-IC_EFORMAT, id, 0, "type [%u]: kind %u must be anonymous", id, kind);
	if (ic_btf_kflag(info) && !kflag_allowed(kind))
		return FAILT(-IC_EFORMAT, id, 1, "type [%u]: kind_flag set on kind %u", id, kind);
	switch (kind) {
	case IC_BTF_INT: {
		uint32_t d = w32(w, id, 3);
		uint32_t bits = d & 0xff, boff = (d >> 16) & 0xff, enc = (d >> 24) & 0xf;

		if (vlen)
			return FAILT(-IC_EFORMAT, id, 1, "type [%u]: INT with vlen %u", id, vlen);
		if (sz != 1 && sz != 2 && sz != 4 && sz != 8 && sz != 16)
			return FAILT(-IC_EFORMAT, id, 2, "type [%u]: INT size %u", id, sz);
		if (d & 0xf000ff00u)
			return FAILT(-IC_EFORMAT, id, 3, "type [%u]: INT reserved bits 0x%x", id, d);
		if (enc != 0 && enc != IC_BTF_INT_SIGNED && enc != IC_BTF_INT_CHAR &&
		    enc != IC_BTF_INT_BOOL)
			return FAILT(-IC_EFORMAT, id, 3, "type [%u]: INT encoding 0x%x", id, enc);
		if (bits == 0 || bits > 128 || boff + bits > 8 * sz)
			return FAILT(-IC_EFORMAT, id, 3, "type [%u]: INT bits %u at offset %u in %u bytes",
				     id, bits, boff, sz);
		break;
	}
	case IC_BTF_PTR: case IC_BTF_TYPEDEF: case IC_BTF_VOLATILE: case IC_BTF_CONST:
	case IC_BTF_RESTRICT: case IC_BTF_TYPE_TAG: case IC_BTF_FWD:
		if (vlen)
			return FAILT(-IC_EFORMAT, id, 1, "type [%u]: kind %u with vlen %u", id, kind, vlen);
		break;
	case IC_BTF_ARRAY:
		if (vlen || sz)
			return FAILT(-IC_EFORMAT, id, 1, "type [%u]: ARRAY with vlen %u size %u", id,
				     vlen, sz);
		break;
	case IC_BTF_STRUCT: case IC_BTF_UNION:
		for (uint32_t i = 0; i < vlen; i++) {
			unsigned wd = 3 + 3 * i;
			uint32_t moff = w32(w, id, wd + 2);
			uint64_t bsz = ic_btf_kflag(info) ? moff >> 24 : 0;
			uint64_t boff = ic_btf_kflag(info) ? moff & 0xffffff : moff;

			if ((err = check_name(w, id, wd, w32(w, id, wd), "member")))
				return err;
			if (boff + bsz > 8ull * sz)
				return FAILT(-IC_EFORMAT, id, wd + 2,
					     "type [%u]: member %u at bit %" PRIu64 "+%" PRIu64 " beyond size %u", id,
					     i, (uint64_t)boff, (uint64_t)bsz, sz);
		}
		break;
	case IC_BTF_ENUM: case IC_BTF_ENUM64:
		if (sz != 1 && sz != 2 && sz != 4 && sz != 8)
			return FAILT(-IC_EFORMAT, id, 2, "type [%u]: enum size %u", id, sz);
		for (uint32_t i = 0; i < vlen; i++) {
			unsigned wd = 3 + (kind == IC_BTF_ENUM ? 2 : 3) * i;
			uint32_t n = w32(w, id, wd);

			if ((err = check_name(w, id, wd, n, "enumerator")))
				return err;
			if (!strs[n])
				return FAILT(-IC_EFORMAT, id, wd, "type [%u]: enumerator %u has no name",
					     id, i);
		}
		break;
	case IC_BTF_FUNC:
		if (vlen > 2)
			return FAILT(-IC_EFORMAT, id, 1, "type [%u]: FUNC linkage %u", id, vlen);
		break;
	case IC_BTF_FUNC_PROTO:
		for (uint32_t i = 0; i < vlen; i++)
			if ((err = check_name(w, id, 3 + 2 * i, w32(w, id, 3 + 2 * i), "parameter")))
				return err;
		break;
	case IC_BTF_VAR:
		if (vlen)
			return FAILT(-IC_EFORMAT, id, 1, "type [%u]: VAR with vlen %u", id, vlen);
		if (w32(w, id, 3) > 2)
			return FAILT(-IC_EFORMAT, id, 3, "type [%u]: VAR linkage %u", id, w32(w, id, 3));
		break;
	case IC_BTF_DATASEC:
		for (uint32_t i = 0; i < vlen; i++) {
			unsigned wd = 3 + 3 * i;
			uint64_t end = (uint64_t)w32(w, id, wd + 1) + w32(w, id, wd + 2);

			if (end > sz)
				return FAILT(-IC_EFORMAT, id, wd + 1,
					     "type [%u]: DATASEC entry %u ends at %" PRIu64 " beyond size %u",
					     id, i, (uint64_t)end, sz);
		}
		break;
	case IC_BTF_FLOAT:
		if (vlen)
			return FAILT(-IC_EFORMAT, id, 1, "type [%u]: FLOAT with vlen %u", id, vlen);
		if (sz != 2 && sz != 4 && sz != 8 && sz != 12 && sz != 16)
			return FAILT(-IC_EFORMAT, id, 2, "type [%u]: FLOAT size %u", id, sz);
		break;
	case IC_BTF_DECL_TAG:
		if (vlen)
			return FAILT(-IC_EFORMAT, id, 1, "type [%u]: DECL_TAG with vlen %u", id, vlen);
		if ((int32_t)w32(w, id, 3) < -1)
			return FAILT(-IC_EFORMAT, id, 3, "type [%u]: DECL_TAG component_idx %d", id,
				     (int32_t)w32(w, id, 3));
		break;
	default:
		return FAILT(-IC_EFORMAT, id, 1, "type [%u]: unknown kind %u", id, kind);
	}
	return 0;
}

static int check_ref(const struct walk *w, uint32_t id, unsigned word, uint32_t ref, bool void_ok)
{
	if (ref > w->nr)
		return FAILT(-IC_EFORMAT, id, word, "type [%u]: references type %u, only %u types",
			     id, ref, w->nr);
	if (!ref && !void_ok)
		return FAILT(-IC_EFORMAT, id, word, "type [%u]: references void where a type is needed",
			     id);
	return 0;
}

/* Pass 2a: every id a record names exists. */
static int check_refs(const struct walk *w, uint32_t id)
{
	uint32_t info = w32(w, id, 1), vlen = ic_btf_vlen(info);
	unsigned kind = ic_btf_kind(info);
	int err = 0;

	switch (kind) {
	case IC_BTF_PTR: case IC_BTF_TYPEDEF: case IC_BTF_VOLATILE: case IC_BTF_CONST:
	case IC_BTF_RESTRICT: case IC_BTF_TYPE_TAG:
		return check_ref(w, id, 2, w32(w, id, 2), true);
	case IC_BTF_FUNC:
		return check_ref(w, id, 2, w32(w, id, 2), false);
	case IC_BTF_VAR: case IC_BTF_DECL_TAG:
		return check_ref(w, id, 2, w32(w, id, 2), false);
	case IC_BTF_ARRAY:
		if ((err = check_ref(w, id, 3, w32(w, id, 3), false)))
			return err;
		return check_ref(w, id, 4, w32(w, id, 4), false);
	case IC_BTF_STRUCT: case IC_BTF_UNION:
		for (uint32_t i = 0; i < vlen && !err; i++)
			err = check_ref(w, id, 4 + 3 * i, w32(w, id, 4 + 3 * i), false);
		return err;
	case IC_BTF_FUNC_PROTO:
		if ((err = check_ref(w, id, 2, w32(w, id, 2), true)))
			return err;
		for (uint32_t i = 0; i < vlen && !err; i++) {
			uint32_t t = w32(w, id, 4 + 2 * i);
			/* void with no name = "...", only as the last parameter */
			bool varargs = i + 1 == vlen && !t && !w32(w, id, 3 + 2 * i);

			err = check_ref(w, id, 4 + 2 * i, t, varargs);
		}
		return err;
	case IC_BTF_DATASEC:
		for (uint32_t i = 0; i < vlen && !err; i++)
			err = check_ref(w, id, 3 + 3 * i, w32(w, id, 3 + 3 * i), false);
		return err;
	default:
		return 0;
	}
}

static uint32_t chain_next(const struct walk *w, uint32_t id)
{
	return kind_of(w, id) == IC_BTF_ARRAY ? w32(w, id, 3) : w32(w, id, 2);
}

/* Pass 2b: declarator chains (PTR/ARRAY/TYPEDEF/qualifiers) end within IC_MAX_BTF_CHAIN steps
 * and have no cycles, so every later recursion over them is bounded. depth[] is 0 = unknown,
 * 1 + chain length once known, 0xff = on the current path. */
static int check_chains(const struct walk *w, uint8_t *depth)
{
	uint32_t path[IC_MAX_BTF_CHAIN + 2];

	for (uint32_t id = 1; id <= w->nr; id++) {
		unsigned n = 0, d;
		uint32_t cur = id;

		while (cur && is_chain(kind_of(w, cur)) && depth[cur] == 0) {
			if (n > IC_MAX_BTF_CHAIN)
				return FAILT(-IC_ELIMIT, id, 2,
					     "type [%u]: declarator chain longer than IC_MAX_BTF_CHAIN "
					     "(%u)", id, IC_MAX_BTF_CHAIN);
			depth[cur] = 0xff;
			path[n++] = cur;
			cur = chain_next(w, cur);
		}
		if (cur && depth[cur] == 0xff)
			return FAILT(-IC_EFORMAT, id, 2, "type [%u]: reference cycle through type %u", id,
				     cur);
		d = (cur && is_chain(kind_of(w, cur))) ? depth[cur] : 1;
		while (n) {
			d++;
			if (d > IC_MAX_BTF_CHAIN + 1)
				return FAILT(-IC_ELIMIT, id, 2,
					     "type [%u]: declarator chain longer than IC_MAX_BTF_CHAIN "
					     "(%u)", id, IC_MAX_BTF_CHAIN);
			depth[path[--n]] = (uint8_t)d;
		}
	}
	return 0;
}

/* Skip qualifiers and typedefs (bounded by the chain check). */
static uint32_t resolve(const struct walk *w, uint32_t id)
{
	for (unsigned i = 0; id && i <= IC_MAX_BTF_CHAIN; i++) {
		unsigned k = kind_of(w, id);

		if (k != IC_BTF_TYPEDEF && k != IC_BTF_CONST && k != IC_BTF_VOLATILE &&
		    k != IC_BTF_RESTRICT && k != IC_BTF_TYPE_TAG)
			break;
		id = w32(w, id, 2);
	}
	return id;
}

/* Pass 2c: what a reference points to has the right kind. */
static int check_targets(const struct walk *w, uint32_t id)
{
	uint32_t info = w32(w, id, 1), vlen = ic_btf_vlen(info);
	unsigned kind = ic_btf_kind(info);

	switch (kind) {
	case IC_BTF_ARRAY: {
		uint32_t it = resolve(w, w32(w, id, 4));

		if (kind_of(w, it) != IC_BTF_INT)
			return FAILT(-IC_EFORMAT, id, 4, "type [%u]: ARRAY index type %u is not an INT",
				     id, w32(w, id, 4));
		break;
	}
	case IC_BTF_FUNC:
		if (kind_of(w, w32(w, id, 2)) != IC_BTF_FUNC_PROTO)
			return FAILT(-IC_EFORMAT, id, 2, "type [%u]: FUNC type %u is not a FUNC_PROTO",
				     id, w32(w, id, 2));
		break;
	case IC_BTF_DATASEC:
		for (uint32_t i = 0; i < vlen; i++)
			if (kind_of(w, w32(w, id, 3 + 3 * i)) != IC_BTF_VAR)
				return FAILT(-IC_EFORMAT, id, 3 + 3 * i,
					     "type [%u]: DATASEC entry %u (type %u) is not a VAR", id, i,
					     w32(w, id, 3 + 3 * i));
		break;
	case IC_BTF_STRUCT: case IC_BTF_UNION:
		if (!ic_btf_kflag(info))
			break;
		for (uint32_t i = 0; i < vlen; i++) {
			uint32_t mt = resolve(w, w32(w, id, 4 + 3 * i));
			unsigned mk = kind_of(w, mt);

			if ((w32(w, id, 5 + 3 * i) >> 24) && mk != IC_BTF_INT && mk != IC_BTF_ENUM &&
			    mk != IC_BTF_ENUM64)
				return FAILT(-IC_EFORMAT, id, 5 + 3 * i,
					     "type [%u]: bitfield member %u of kind %u", id, i, mk);
		}
		break;
	case IC_BTF_DECL_TAG: {
		int32_t ci = (int32_t)w32(w, id, 3);
		uint32_t t = w32(w, id, 2);
		unsigned tk = kind_of(w, t);
		uint32_t n;

		if (ci < 0)
			break;
		if (tk == IC_BTF_STRUCT || tk == IC_BTF_UNION)
			n = ic_btf_vlen(w32(w, t, 1));
		else if (tk == IC_BTF_FUNC)
			n = ic_btf_vlen(w32(w, w32(w, t, 2), 1));
		else
			return FAILT(-IC_EFORMAT, id, 3,
				     "type [%u]: DECL_TAG component_idx %d on kind %u", id, ci, tk);
		if ((uint32_t)ci >= n)
			return FAILT(-IC_EFORMAT, id, 3,
				     "type [%u]: DECL_TAG component_idx %d, target has %u", id, ci, n);
		break;
	}
	default:
		break;
	}
	return 0;
}

/*
 * Pass 3, meaning: what passed the structural checks must also look like something a compiler
 * emitted, or one flipped bit or a run of 0xff becomes a type Volatility trusts (issue 18 D6;
 * docs/security.md, "Meaning, not only shape"). Names are C identifiers where C needs one
 * (INT/FLOAT base names may hold spaces, DATASEC names are section names, tags are free
 * printable text); a struct or union is exactly as large as its members rounded up to some
 * power-of-two alignment (IC_MAX_BTF_ALIGN at most).
 */
enum name_rule { NAME_IDENT, NAME_BASE, NAME_SECTION, NAME_TEXT };

static bool name_ok(const char *s, enum name_rule r)
{
	size_t n = 0;

	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			     (c >= '0' && c <= '9');

		if (n >= IC_MAX_BTF_NAME)
			return false;
		switch (r) {
		case NAME_IDENT:
			if (!alnum || (n == 0 && c >= '0' && c <= '9'))
				return false;
			break;
		case NAME_BASE:
			if (!alnum && !(c == ' ' && n))
				return false;
			break;
		case NAME_SECTION:
			if (c <= 0x20 || c >= 0x7f)
				return false;
			break;
		case NAME_TEXT:
			if (c < 0x20 || c >= 0x7f)
				return false;
			break;
		}
	}
	return true;
}

static int check_name_text(const struct walk *w, uint32_t id, unsigned word, const char *strs,
			   uint32_t off, enum name_rule r, const char *what)
{
	char shown[40];
	size_t n;

	if (!off || name_ok(strs + off, r))
		return 0;
	/* Show a prefix, escaped: the name may be anything. */
	for (n = 0; n + 4 < sizeof(shown) && strs[off + n]; n++)
		shown[n] = strs[off + n] >= 0x20 && strs[off + n] < 0x7f ? strs[off + n] : '?';
	shown[n] = '\0';
	return FAILT(-IC_EFORMAT, id, word, "type [%u]: %s name \"%s\" at string offset %u is not "
		     "%s", id, what, shown, off,
		     r == NAME_IDENT ? "a C identifier" : r == NAME_BASE ? "a base type name"
		     : "printable");
}

static int check_names(const struct walk *w, uint32_t id, const char *strs)
{
	uint32_t info = w32(w, id, 1), vlen = ic_btf_vlen(info);
	unsigned kind = ic_btf_kind(info);
	enum name_rule r = NAME_IDENT;
	int err;

	if (kind == IC_BTF_INT || kind == IC_BTF_FLOAT)
		r = NAME_BASE;
	else if (kind == IC_BTF_DATASEC)
		r = NAME_SECTION;
	else if (kind == IC_BTF_DECL_TAG || kind == IC_BTF_TYPE_TAG)
		r = NAME_TEXT;
	if ((err = check_name_text(w, id, 0, strs, w32(w, id, 0), r, "type")))
		return err;
	switch (kind) {
	case IC_BTF_STRUCT: case IC_BTF_UNION:
		for (uint32_t i = 0; i < vlen; i++) {
			uint32_t moff = w32(w, id, 3 + 3 * i);
			unsigned mk;

			if ((err = check_name_text(w, id, 3 + 3 * i, strs, moff, NAME_IDENT,
						   "member")))
				return err;
			if (moff && strs[moff])
				continue;
			/* C lets a member go unnamed only as an anonymous struct or union (unnamed
			 * bitfields are padding pahole leaves out): a nameless "long" is a name
			 * whose bytes were lost. */
			mk = kind_of(w, resolve(w, w32(w, id, 4 + 3 * i)));
			if (mk != IC_BTF_STRUCT && mk != IC_BTF_UNION)
				return FAILT(-IC_EFORMAT, id, 3 + 3 * i, "type [%u]: member %u has "
					     "no name but is not an anonymous struct or union", id, i);
		}
		break;
	case IC_BTF_ENUM: case IC_BTF_ENUM64:
		for (uint32_t i = 0; i < vlen; i++) {
			unsigned wd = 3 + (kind == IC_BTF_ENUM ? 2 : 3) * i;

			if ((err = check_name_text(w, id, wd, strs, w32(w, id, wd), NAME_IDENT,
						   "enumerator")))
				return err;
		}
		break;
	case IC_BTF_FUNC_PROTO:
		for (uint32_t i = 0; i < vlen; i++)
			if ((err = check_name_text(w, id, 3 + 2 * i, strs, w32(w, id, 3 + 2 * i),
						   NAME_IDENT, "parameter")))
				return err;
		break;
	default:
		break;
	}
	return 0;
}

/* Bytes an object of type id occupies; 0 when unknown (FWD, void, FUNC_PROTO, overflow).
 * ptr: the pointer size (0 = unknown). Recursion over arrays is bounded by the chain check. */
static uint64_t size_of(const struct walk *w, uint32_t id, uint32_t ptr, unsigned depth)
{
	unsigned k;

	if (depth > IC_MAX_BTF_CHAIN + 1)
		return 0;
	id = resolve(w, id);
	k = kind_of(w, id);
	switch (k) {
	case IC_BTF_INT: case IC_BTF_ENUM: case IC_BTF_ENUM64: case IC_BTF_FLOAT:
	case IC_BTF_STRUCT: case IC_BTF_UNION:
		return w32(w, id, 2);
	case IC_BTF_PTR:
		return ptr;
	case IC_BTF_ARRAY: {
		uint64_t e = size_of(w, w32(w, id, 3), ptr, depth + 1), n = w32(w, id, 5);

		if (!n)
			return 0; /* flexible */
		return e && e <= (uint64_t)IC_MAX_BTF_OBJECT / n ? e * n : 0;
	}
	default:
		return 0;
	}
}

/* Does the member at index i have a size we know (so its end can be checked)? */
static bool member_end(const struct walk *w, uint32_t id, uint32_t i, uint32_t ptr, uint64_t *end)
{
	uint32_t info = w32(w, id, 1), moff = w32(w, id, 5 + 3 * i), mt = w32(w, id, 4 + 3 * i);
	uint64_t bsz = ic_btf_kflag(info) ? moff >> 24 : 0;
	uint64_t boff = ic_btf_kflag(info) ? moff & 0xffffff : moff;
	uint32_t rt = resolve(w, mt);
	uint64_t sz;

	if (!bsz && kind_of(w, rt) == IC_BTF_INT && (w32(w, rt, 3) & 0xff) != 8 * w32(w, rt, 2))
		bsz = w32(w, rt, 3) & 0xff; /* an old-style bitfield: INT with fewer bits */
	if (bsz) {
		*end = (boff + bsz + 7) / 8;
		return true;
	}
	if (kind_of(w, rt) == IC_BTF_ARRAY && !w32(w, rt, 5)) {
		*end = (boff + 7) / 8; /* flexible array member: nothing past its start */
		return true;
	}
	sz = size_of(w, mt, ptr, 0);
	if (!sz)
		return false;
	*end = (boff + 7) / 8 + sz;
	return true;
}

/* Trailing bytes a struct may have past its last member beyond the alignment rounding: the
 * unnamed bitfields pahole leaves out (44 bytes in struct __kernel_timex, the most in the
 * fixtures' kernels). A damaged size within this slack is not caught (docs/security.md). */
#define BTF_UNNAMED_PAD 64u

static int check_layout(const struct walk *w, uint32_t id, uint32_t ptr)
{
	uint32_t info = w32(w, id, 1), vlen = ic_btf_vlen(info), sz = w32(w, id, 2);
	unsigned kind = ic_btf_kind(info);
	uint64_t max_end = 0, end;

	if ((kind != IC_BTF_STRUCT && kind != IC_BTF_UNION) || !vlen)
		return 0;
	for (uint32_t i = 0; i < vlen; i++) {
		if (!member_end(w, id, i, ptr, &end))
			return 0; /* a member of unknown size: nothing to compare with */
		if (end > sz)
			return FAILT(-IC_EFORMAT, id, 5 + 3 * i, "type [%u]: member %u ends at byte %"
				     PRIu64 ", beyond the %s's size %u", id, i, end,
				     kind == IC_BTF_STRUCT ? "struct" : "union", sz);
		if (end > max_end)
			max_end = end;
	}
	/* size = max_end rounded up to the alignment, a power of two */
	for (uint64_t a = 1; a <= IC_MAX_BTF_ALIGN; a *= 2)
		if ((max_end + a - 1) / a * a == sz)
			return 0;
	/* ... or UAPI padding BTF does not list: unnamed bitfields ("int :32;" x 11 closes
	 * struct __kernel_timex, 44 bytes past its last named member). */
	if (sz % 4 == 0 && sz - max_end < BTF_UNNAMED_PAD)
		return 0;
	return FAILT(-IC_EFORMAT, id, 2, "type [%u]: %s size %u, but its members end at byte %"
		     PRIu64 " (no alignment up to %u gives that size)", id,
		     kind == IC_BTF_STRUCT ? "struct" : "union", sz, max_end, IC_MAX_BTF_ALIGN);
}

/* The pointer size: that of "long unsigned int" / "long int" (the kernel's pointer-sized
 * integers on every Linux ABI), 0 when neither is there. */
static uint32_t pointer_size(const struct walk *w, const char *strs)
{
	for (uint32_t id = 1; id <= w->nr; id++) {
		const char *n = strs + w32(w, id, 0);

		if (kind_of(w, id) == IC_BTF_INT &&
		    (!strcmp(n, "long unsigned int") || !strcmp(n, "long int")))
			return w32(w, id, 2);
	}
	return 0;
}

/* The struct or union an object of type id holds by value (through qualifiers, typedefs and
 * arrays), or 0. */
static uint32_t held(const struct walk *w, uint32_t id)
{
	for (unsigned i = 0; i <= IC_MAX_BTF_CHAIN; i++) {
		unsigned k;

		id = resolve(w, id);
		k = kind_of(w, id);
		if (k == IC_BTF_STRUCT || k == IC_BTF_UNION)
			return id;
		if (k != IC_BTF_ARRAY)
			return 0;
		id = w32(w, id, 3); /* the element type */
	}
	return 0;
}

/*
 * No struct or union may hold itself by value, directly or through others (struct a { struct
 * b x; }; struct b { struct a y; }): such a type cannot exist, yet its sizes can be made to add
 * up (a member of the struct's own size at offset 0), so check_layout() passes it. A depth-first
 * walk over the by-value edges; color 1 = on the current path, 2 = done.
 */
static int check_containment(const struct walk *w)
{
	uint8_t *color = calloc((size_t)w->nr + 1, 1);
	struct frame {
		uint32_t id, next; /* next member to follow */
	} *stack = malloc(((size_t)w->nr + 1) * sizeof(*stack));
	int err = 0;

	if (!color || !stack) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t root = 1; root <= w->nr && !err; root++) {
		size_t sp = 0;

		if (color[root] || (kind_of(w, root) != IC_BTF_STRUCT && kind_of(w, root) != IC_BTF_UNION))
			continue;
		color[root] = 1;
		stack[sp++] = (struct frame){ root, 0 };
		while (sp && !err) {
			struct frame *f = &stack[sp - 1];
			uint32_t c;

			if (f->next == ic_btf_vlen(w32(w, f->id, 1))) {
				color[f->id] = 2;
				sp--;
				continue;
			}
			c = held(w, w32(w, f->id, 4 + 3 * f->next++));
			if (!c || color[c] == 2)
				continue;
			if (color[c] == 1)
				err = FAILT(-IC_EFORMAT, f->id, 4 + 3 * (f->next - 1), "type [%u]: member %u "
					    "holds type [%u] by value, which holds type [%u]: a type that "
					    "contains itself", f->id, f->next - 1, c, f->id);
			else {
				color[c] = 1;
				stack[sp++] = (struct frame){ c, 0 }; /* each type once: sp <= nr */
			}
		}
	}
out:
	free(color);
	free(stack);
	return err;
}

static int check_meaning(const struct walk *w, const char *strs)
{
	uint32_t ptr = pointer_size(w, strs);
	int err;

	for (uint32_t id = 1; id <= w->nr; id++)
		if ((err = check_names(w, id, strs)) || (err = check_layout(w, id, ptr)))
			return err;
	return check_containment(w);
}

int ic_btf_validate_full(const uint8_t *data, size_t len, struct ic_btf_diag *diag,
			 struct ic_btf_hdr *hdr_out, uint32_t **off_out)
{
	struct ic_btf_hdr h;
	struct walk wk = { 0 }, *w = &wk;
	const char *strs;
	uint8_t *depth = NULL;
	uint32_t pos = 0, id;
	size_t cap;
	int err;

	if (diag)
		memset(diag, 0, sizeof(*diag));
	if ((err = ic_btf_parse_header(data, len, &h, diag)))
		return err;
	if (len < h.total)
		return fail(diag, -IC_ETRUNC, 0, len, "blob: %zu bytes, header announces %" PRIu64, len,
			    (uint64_t)h.total);
	if (len > h.total)
		return fail(diag, -IC_EFORMAT, 0, h.total, "blob: %" PRIu64 " trailing bytes after the strings",
			    (uint64_t)(len - h.total));
	strs = (const char *)data + h.hdr_len + h.str_off;
	if (h.str_len == 0)
		return fail(diag, -IC_EFORMAT, 0, 20, "strings: empty string section");
	if (h.str_len > BTF_MAX_STR_LEN)
		return fail(diag, -IC_EFORMAT, 0, 20, "strings: %u bytes, at most %u", h.str_len,
			    BTF_MAX_STR_LEN);
	if (strs[0] != '\0')
		return fail(diag, -IC_EFORMAT, 0, h.hdr_len + h.str_off,
			    "strings: first byte is not NUL (split BTF without base?)");
	if (strs[h.str_len - 1] != '\0')
		return fail(diag, -IC_EFORMAT, 0, h.hdr_len + h.str_off + h.str_len - 1,
			    "strings: last string is not NUL-terminated");

	w->t = data + h.hdr_len + h.type_off;
	w->base = h.hdr_len + h.type_off;
	w->be = h.be;
	w->str_len = h.str_len;
	w->diag = diag;
	/* A record is at least 12 bytes: type_len / 12 bounds the id count. Start small and grow:
	 * a crafted header claiming a huge section must not cost its claimed size before the walk
	 * fails on the first bad record (thousands of such candidates in one image). */
	cap = h.type_len / 12 + 2;
	if (cap > 4096)
		cap = 4096;
	w->off = malloc(cap * sizeof(*w->off));
	if (!w->off)
		return fail(diag, -ENOMEM, 0, 0, "out of memory for %zu type offsets", cap);
	w->off[0] = 0;
	for (id = 1; pos < h.type_len; id++) {
		uint32_t info, vlen, extra;
		unsigned kind;

		if (id > IC_MAX_BTF_TYPES) {
			err = fail(diag, -IC_ELIMIT, id, w->base + pos,
				   "types: more than IC_MAX_BTF_TYPES (%u)", IC_MAX_BTF_TYPES);
			goto out;
		}
		if (h.type_len - pos < 12) {
			err = fail(diag, -IC_EFORMAT, id, w->base + pos,
				   "type [%u]: record header crosses the end of the type section", id);
			goto out;
		}
		info = g32(w->be, w->t + pos + 4);
		kind = ic_btf_kind(info);
		vlen = ic_btf_vlen(info);
		switch (kind) {
		case IC_BTF_INT: case IC_BTF_VAR: case IC_BTF_DECL_TAG:
			extra = 4;
			break;
		case IC_BTF_ARRAY:
			extra = 12;
			break;
		case IC_BTF_STRUCT: case IC_BTF_UNION: case IC_BTF_DATASEC: case IC_BTF_ENUM64:
			extra = 12 * vlen; /* vlen < 2^24: no overflow */
			break;
		case IC_BTF_ENUM: case IC_BTF_FUNC_PROTO:
			extra = 8 * vlen;
			break;
		case IC_BTF_PTR: case IC_BTF_FWD: case IC_BTF_TYPEDEF: case IC_BTF_VOLATILE:
		case IC_BTF_CONST: case IC_BTF_RESTRICT: case IC_BTF_FUNC: case IC_BTF_FLOAT:
		case IC_BTF_TYPE_TAG:
			extra = 0;
			break;
		default:
			err = fail(diag, -IC_EFORMAT, id, w->base + pos + 4,
				   "type [%u]: unknown kind %u (known: 1..%u)", id, kind,
				   IC_BTF_KIND_MAX);
			goto out;
		}
		if (h.type_len - pos - 12 < extra) {
			err = fail(diag, -IC_EFORMAT, id, w->base + pos,
				   "type [%u]: kind %u record of %u bytes crosses the end of the type "
				   "section",
				   id, kind, 12 + extra);
			goto out;
		}
		if (id >= cap) {
			uint32_t *n = ic_reallocarray(w->off, cap * 2, sizeof(*w->off));

			if (!n) {
				err = fail(diag, -ENOMEM, id, 0, "out of memory for %zu type offsets", cap * 2);
				goto out;
			}
			w->off = n;
			cap *= 2;
		}
		w->off[id] = pos;
		pos += 12 + extra;
	}
	w->nr = id - 1;
	for (id = 1; id <= w->nr; id++)
		if ((err = check_record(w, id, strs)))
			goto out;
	for (id = 1; id <= w->nr; id++)
		if ((err = check_refs(w, id)))
			goto out;
	depth = calloc((size_t)w->nr + 1, 1);
	if (!depth) {
		err = fail(diag, -ENOMEM, 0, 0, "out of memory");
		goto out;
	}
	if ((err = check_chains(w, depth)))
		goto out;
	for (id = 1; id <= w->nr; id++)
		if ((err = check_targets(w, id)))
			goto out;
	if ((err = check_meaning(w, strs)))
		goto out;
	if (hdr_out)
		*hdr_out = h;
	if (off_out) {
		*off_out = w->off;
		w->off = NULL;
	}
out:
	free(depth);
	free(w->off);
	return err;
}

int ic_btf__validate(const uint8_t *data, size_t len, struct ic_btf_diag *diag)
{
	if (!data)
		return fail(diag, -EINVAL, 0, 0, "no data");
	return ic_btf_validate_full(data, len, diag, NULL, NULL);
}
