/* SPDX-License-Identifier: MIT */
/* DWARF -> BTF with elfutils' libdw (docs/dwarf.md): kernel types from a debug vmlinux. */
/*
 * One pass over the compile units' top-level
 * DIEs; a type is converted the first time it is reached and every later reach is a table look-up:
 *  - named struct/union/enum/typedef: one BTF type per (kind, name, size, declaration line), so
 *    the copy of a header type in each of ~3000 units is read once, and two different bodies of
 *    one name (declared on different lines) stay two types, as in pahole's BTF; their members
 *    are read from a work list, never by recursion, so reference cycles cost nothing;
 *  - anonymous types, pointers, arrays, qualifiers, function types: converted from their members
 *    (recursion bounded by IC_MAX_DWARF_DEPTH), then hash-consed on their BTF record, so equal
 *    ones from different units become one type;
 *  - declarations (struct foo;) resolve to the first body of that name, or a FWD;
 *  - variables: the last definition of a name wins (dwarf2json's rule), a declaration only
 *    where no unit defines the name (linker-made symbols: extern char _text[]).
 * The BTF is then checked by our strict validator like any other, by the caller.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isfcarve/btf.h"
#include "isfcarve/dwarf.h"
#include "0-base/ic_limits.h"
#include "0-base/internal.h"

#ifndef IC_HAVE_LIBDW

bool ic_dwarf__available(void)
{
	return false;
}

int ic_dwarf__to_btf(const struct ic_ctx *ctx, const char *path, uint8_t **out, size_t *len,
		     struct ic_dwarf_stats *stats)
{
	(void)stats;
	*out = NULL;
	*len = 0;
	pr_warn(ctx, "%s: DWARF support is not built in (isfcarve was built without elfutils' "
		"libdw; install libdw-dev and rebuild)", path);
	return -IC_EUNSUPP;
}

int ic_dwarf__to_btf_mem(const struct ic_ctx *ctx, const uint8_t *data, size_t size,
			 const char *what, uint8_t **out, size_t *len, struct ic_dwarf_stats *stats)
{
	(void)data;
	(void)size;
	return ic_dwarf__to_btf(ctx, what, out, len, stats);
}

#else

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>

#define NO_ID UINT32_MAX
#define BUSY (UINT32_MAX - 1)   /* memo: conversion of this DIE under way (a cycle if reached) */
#define NOCONV (UINT32_MAX - 2) /* memo: this DIE's type has no BTF equivalent */

/* Open-addressing u64 -> u32 map (DIE offset -> BTF id). */
struct memo {
	uint64_t *k; /* key + 1; 0 = empty */
	uint32_t *v;
	size_t cap, n;
};

/* A named type's identity. */
struct nkey {
	const char *name;
	uint32_t kind, size, line, id;
};

struct nmap {
	struct nkey *e;
	size_t cap, n;
	uint64_t seed; /* ic_hash_str(): names are input */
};

/* BTF records deduplicated by content: ids whose record equals the one looked up. */
struct cmap {
	uint32_t *id; /* 0 = empty */
	size_t cap, n;
	uint64_t seed; /* the records are made from input */
};

struct smap { /* string -> offset in the string section */
	const char **k;
	uint32_t *v;
	size_t cap, n;
	uint64_t seed; /* ic_hash_str(): names are input */
};

/* Which DWARF variable types a name, best first: a file-scope definition (the last one wins,
 * as in dwarf2json), a file-scope declaration, one in a function (a static with a fixed
 * address, or an extern declaration). */
enum { VAR_LOCAL = 1, VAR_DECL = 2, VAR_DEF = 3 };

struct var {
	const char *name;
	uint32_t type;
	uint8_t rank;
	bool ext;
};

struct work {
	uint64_t off;
	uint32_t id;
};

struct conv {
	const struct ic_ctx *ctx;
	const char *what;
	Dwarf *dw;
	/* the BTF being built: records (u32 words) in pool, by id */
	uint32_t *pool;
	size_t npool, cpool;
	uint64_t *rec;   /* per id: pool offset << 16 | words (records are < 2^16 words + 3) */
	uint8_t *defd;   /* per id: 1 once a named type has its body (0 = FWD placeholder) */
	uint32_t nr, crec;
	char *str;
	size_t nstr, cstr;
	struct smap strs;
	struct memo memo;
	struct nmap named;   /* (kind, name, size, line) -> id */
	struct nmap byname;  /* (kind class, name) -> first id of that name */
	struct cmap cons;
	struct smap vmap;    /* variable name -> index in vars */
	struct var *vars;
	size_t nvars, cvars;
	struct work *wl;
	size_t nwl, cwl;
	uint32_t index_int;  /* an INT for arrays whose DWARF index type is none (DW_AT_type-less
			      * subranges of `T x[]` declarations) */
	uint32_t *sk;        /* scratch stack of records under construction */
	size_t nsk, csk;
	unsigned depth;
	struct ic_dwarf_stats st;
	uint64_t bad_off;    /* DIE of the first error */
	char bad[160];
};


static int fail(struct conv *c, int err, const Dwarf_Die *die, const char *fmt, ...)
	IC_PRINTF(4, 5);

static int fail(struct conv *c, int err, const Dwarf_Die *die, const char *fmt, ...)
{
	va_list ap;

	if (!c->bad[0]) {
		c->bad_off = die ? dwarf_dieoffset((Dwarf_Die *)die) : 0;
		va_start(ap, fmt);
		vsnprintf(c->bad, sizeof(c->bad), fmt, ap);
		va_end(ap);
	}
	return err;
}

/* ---- containers ---- */

static int memo_grow(struct memo *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1u << 16;
	uint64_t *k = calloc(cap, sizeof(*k));
	uint32_t *v = malloc(cap * sizeof(*v));

	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->k[i])
			continue;
		for (j = ic_mix64(m->k[i]) & (cap - 1); k[j]; j = (j + 1) & (cap - 1))
			;
		k[j] = m->k[i];
		v[j] = m->v[i];
	}
	free(m->k);
	free(m->v);
	m->k = k;
	m->v = v;
	m->cap = cap;
	return 0;
}

/* Slot of key (found or where it would go). */
static size_t memo_slot(const struct memo *m, uint64_t key)
{
	size_t i;

	for (i = ic_mix64(key + 1) & (m->cap - 1); m->k[i] && m->k[i] != key + 1; i = (i + 1) & (m->cap - 1))
		;
	return i;
}

static bool memo_get(const struct memo *m, uint64_t key, uint32_t *v)
{
	size_t i;

	if (!m->cap)
		return false;
	i = memo_slot(m, key);
	if (!m->k[i])
		return false;
	*v = m->v[i];
	return true;
}

static int memo_put(struct memo *m, uint64_t key, uint32_t v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		int err = memo_grow(m);
		if (err)
			return err;
	}
	i = memo_slot(m, key);
	if (!m->k[i]) {
		m->k[i] = key + 1;
		m->n++;
	}
	m->v[i] = v;
	return 0;
}

static uint64_t nkey_hash(const struct nkey *k, uint64_t seed)
{
	return ic_mix64(ic_hash_str(k->name, seed) ^
		     ((uint64_t)k->kind << 56 ^ (uint64_t)k->size << 24 ^ k->line));
}

static bool nkey_eq(const struct nkey *a, const struct nkey *b)
{
	return a->kind == b->kind && a->size == b->size && a->line == b->line &&
	       !strcmp(a->name, b->name);
}

static struct nkey *nmap_find(struct nmap *m, const struct nkey *k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = nkey_hash(k, m->seed) & (m->cap - 1); m->e[i].name; i = (i + 1) & (m->cap - 1))
		if (nkey_eq(&m->e[i], k))
			return &m->e[i];
	return NULL;
}

static int nmap_add(struct nmap *m, const struct nkey *k)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1u << 14;
		struct nkey *e = calloc(cap, sizeof(*e));

		if (!e)
			return -ENOMEM;
		for (size_t j = 0; j < m->cap; j++) {
			if (!m->e[j].name)
				continue;
			for (i = nkey_hash(&m->e[j], m->seed) & (cap - 1); e[i].name; i = (i + 1) & (cap - 1))
				;
			e[i] = m->e[j];
		}
		free(m->e);
		m->e = e;
		m->cap = cap;
	}
	for (i = nkey_hash(k, m->seed) & (m->cap - 1); m->e[i].name; i = (i + 1) & (m->cap - 1))
		;
	m->e[i] = *k;
	m->n++;
	return 0;
}

static int smap_get_or_add(struct smap *m, const char *key, uint32_t val, uint32_t *out,
			   bool *added)
{
	size_t i;

	*added = false;
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1u << 14;
		const char **k = calloc(cap, sizeof(*k));
		uint32_t *v = malloc(cap * sizeof(*v));

		if (!k || !v) {
			free(k);
			free(v);
			return -ENOMEM;
		}
		for (size_t j = 0; j < m->cap; j++) {
			if (!m->k[j])
				continue;
			for (i = ic_hash_str(m->k[j], m->seed) & (cap - 1); k[i]; i = (i + 1) & (cap - 1))
				;
			k[i] = m->k[j];
			v[i] = m->v[j];
		}
		free(m->k);
		free(m->v);
		m->k = k;
		m->v = v;
		m->cap = cap;
	}
	for (i = ic_hash_str(key, m->seed) & (m->cap - 1); m->k[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->k[i], key)) {
			*out = m->v[i];
			return 0;
		}
	m->k[i] = key;
	m->v[i] = val;
	m->n++;
	*out = val;
	*added = true;
	return 0;
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 256;
	void *np;

	while (n < need) {
		if (n > SIZE_MAX / 4 / elem)
			return NULL;
		n *= 2;
	}
	np = ic_reallocarray(p, n, elem);
	if (np)
		*cap = n;
	return np;
}

/* ---- the BTF being built ---- */

static int str_off(struct conv *c, const char *s, uint32_t *off)
{
	size_t n;
	bool added;
	int err;

	if (!s || !*s) {
		*off = 0;
		return 0;
	}
	n = strlen(s) + 1;
	if (c->nstr + n > IC_MAX_BTF_BYTES || c->nstr + n > 0xffffffu)
		return fail(c, -IC_ELIMIT, NULL, "BTF strings beyond IC_MAX_BTF_BYTES / 24-bit offsets");
	err = smap_get_or_add(&c->strs, s, (uint32_t)c->nstr, off, &added);
	if (err || !added)
		return err;
	if (c->nstr + n > c->cstr) {
		char *np = grow(c->str, &c->cstr, c->nstr + n, 1);
		if (!np)
			return -ENOMEM;
		c->str = np;
	}
	memcpy(c->str + c->nstr, s, n);
	c->nstr += n;
	return 0;
}

static int new_id(struct conv *c, uint32_t *id)
{
	if (c->nr + 1 >= IC_MAX_BTF_TYPES)
		return fail(c, -IC_ELIMIT, NULL, "more than IC_MAX_BTF_TYPES (%u) types",
			    IC_MAX_BTF_TYPES);
	if (c->nr + 2 > c->crec) {
		size_t cap = c->crec, cap2 = c->crec;
		uint64_t *r = grow(c->rec, &cap, (size_t)c->nr + 2, sizeof(*r));
		uint8_t *d;

		if (!r)
			return -ENOMEM;
		c->rec = r;
		d = grow(c->defd, &cap2, (size_t)c->nr + 2, 1);
		if (!d)
			return -ENOMEM;
		c->defd = d;
		c->crec = (uint32_t)(cap < cap2 ? cap : cap2);
	}
	*id = ++c->nr;
	c->rec[*id] = 0;
	c->defd[*id] = 0;
	return 0;
}

/* Store words w[0..n) as the record of id. */
static int set_rec(struct conv *c, uint32_t id, const uint32_t *w, size_t n)
{
	if (n >= 1u << 16 << 2 || c->npool + n > ((uint64_t)1 << 46))
		return fail(c, -IC_ELIMIT, NULL, "BTF record of %zu words", n);
	if (c->npool + n > c->cpool) {
		uint32_t *np = grow(c->pool, &c->cpool, c->npool + n, sizeof(*np));
		if (!np)
			return -ENOMEM;
		c->pool = np;
	}
	memcpy(c->pool + c->npool, w, n * sizeof(*w));
	c->rec[id] = (uint64_t)c->npool << 18 | n;
	c->npool += n;
	return 0;
}

static const uint32_t *get_rec(const struct conv *c, uint32_t id, size_t *n)
{
	*n = c->rec[id] & 0x3ffff;
	return c->pool + (c->rec[id] >> 18);
}

/* Kind of id's record; IC_BTF_UNKN while a named type waits for its body. */
static unsigned rec_kind(const struct conv *c, uint32_t id)
{
	size_t n;
	const uint32_t *r = get_rec(c, id, &n);

	return n >= 2 ? ic_btf_kind(r[1]) : IC_BTF_UNKN;
}

static uint64_t rec_hash(const uint32_t *w, size_t n, uint64_t seed)
{
	return ic_hash_mem(w, n * sizeof(*w), seed);
}

/* The id of an anonymous record equal to w[0..n), made if new. */
static int cons(struct conv *c, const uint32_t *w, size_t n, uint32_t *id)
{
	uint64_t h = rec_hash(w, n, c->cons.seed);
	size_t i;
	int err;

	if ((c->cons.n + 1) * 2 > c->cons.cap) {
		size_t cap = c->cons.cap ? c->cons.cap * 2 : 1u << 16;
		uint32_t *t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (size_t j = 0; j < c->cons.cap; j++) {
			size_t m;
			const uint32_t *r;

			if (!c->cons.id[j])
				continue;
			r = get_rec(c, c->cons.id[j], &m);
			for (i = rec_hash(r, m, c->cons.seed) & (cap - 1); t[i]; i = (i + 1) & (cap - 1))
				;
			t[i] = c->cons.id[j];
		}
		free(c->cons.id);
		c->cons.id = t;
		c->cons.cap = cap;
	}
	for (i = h & (c->cons.cap - 1); c->cons.id[i]; i = (i + 1) & (c->cons.cap - 1)) {
		size_t m;
		const uint32_t *r = get_rec(c, c->cons.id[i], &m);

		if (m == n && !memcmp(r, w, n * sizeof(*w))) {
			*id = c->cons.id[i];
			return 0;
		}
	}
	if ((err = new_id(c, id)) || (err = set_rec(c, *id, w, n)))
		return err;
	c->cons.id[i] = *id;
	c->cons.n++;
	return 0;
}

/* Scratch stack: a record under construction lives at sk[base..nsk). */
static int push(struct conv *c, uint32_t w)
{
	if (c->nsk == c->csk) {
		uint32_t *np = grow(c->sk, &c->csk, c->nsk + 1, sizeof(*np));
		if (!np)
			return -ENOMEM;
		c->sk = np;
	}
	c->sk[c->nsk++] = w;
	return 0;
}

static uint32_t info(unsigned kind, uint32_t vlen, bool kflag)
{
	return (uint32_t)kind << 24 | vlen | (kflag ? 1u << 31 : 0);
}

/* ---- DIE helpers ---- */

static const char *die_name(Dwarf_Die *d)
{
	const char *n = dwarf_diename(d);

	return n && *n ? n : NULL;
}

static bool get_udata(Dwarf_Die *d, unsigned at, Dwarf_Word *v)
{
	Dwarf_Attribute a;

	return dwarf_attr(d, at, &a) && dwarf_formudata(&a, v) == 0;
}

static uint32_t decl_line(Dwarf_Die *d)
{
	Dwarf_Word v;

	return get_udata(d, DW_AT_decl_line, &v) ? (uint32_t)v : 0;
}

static bool is_decl(Dwarf_Die *d)
{
	bool f = false;
	Dwarf_Attribute a;

	return dwarf_attr(d, DW_AT_declaration, &a) && dwarf_formflag(&a, &f) == 0 && f;
}

static int count_die(struct conv *c, Dwarf_Die *d)
{
	if (++c->st.dies > IC_MAX_DWARF_DIES)
		return fail(c, -IC_ELIMIT, d, "more than IC_MAX_DWARF_DIES (%u) DIEs",
			    IC_MAX_DWARF_DIES);
	return 0;
}

static int resolve(struct conv *c, Dwarf_Die *d, uint32_t *id);

/* BTF id of d's DW_AT_type (0 = void when absent). integrate: follow DW_AT_specification /
 * DW_AT_abstract_origin (variables defined apart from their declaration). */
static int type_of(struct conv *c, Dwarf_Die *d, bool integrate, uint32_t *id)
{
	Dwarf_Attribute a, *ap;
	Dwarf_Die t;

	ap = integrate ? dwarf_attr_integrate(d, DW_AT_type, &a) : dwarf_attr(d, DW_AT_type, &a);
	if (!ap) {
		*id = 0;
		return 0;
	}
	if (!dwarf_formref_die(&a, &t))
		return fail(c, -IC_EFORMAT, d, "DW_AT_type does not lead to a DIE");
	return resolve(c, &t, id);
}

/* ---- conversions ---- */

static int conv_base(struct conv *c, Dwarf_Die *d, uint32_t *id)
{
	const char *name = die_name(d);
	Dwarf_Word enc = 0, sz = 0;
	struct nkey k, *f;
	uint32_t w[4], noff;
	unsigned bits = 0;
	int err;

	if (!name || !get_udata(d, DW_AT_byte_size, &sz) || !get_udata(d, DW_AT_encoding, &enc))
		return -IC_ENOTFOUND;
	k = (struct nkey){ name, IC_BTF_INT, (uint32_t)sz, (uint32_t)enc, 0 };
	if ((f = nmap_find(&c->named, &k))) {
		*id = f->id;
		return 0;
	}
	if ((err = str_off(c, name, &noff)))
		return err;
	switch (enc) {
	case DW_ATE_float:
		if (sz != 2 && sz != 4 && sz != 8 && sz != 12 && sz != 16)
			return -IC_ENOTFOUND;
		w[0] = noff;
		w[1] = info(IC_BTF_FLOAT, 0, false);
		w[2] = (uint32_t)sz;
		goto add3;
	case DW_ATE_boolean: bits = IC_BTF_INT_BOOL; break;
	case DW_ATE_signed: bits = IC_BTF_INT_SIGNED; break;
	case DW_ATE_signed_char: bits = IC_BTF_INT_SIGNED; break; /* char kind: by name (isf.c) */
	case DW_ATE_unsigned_char: bits = IC_BTF_INT_CHAR; break;
	case DW_ATE_unsigned: case DW_ATE_UTF: bits = 0; break;
	case DW_ATE_complex_float: bits = IC_BTF_INT_SIGNED; break; /* dwarf2json: int, signed */
	default: return -IC_ENOTFOUND;
	}
	if (sz != 1 && sz != 2 && sz != 4 && sz != 8 && sz != 16)
		return -IC_ENOTFOUND;
	w[0] = noff;
	w[1] = info(IC_BTF_INT, 0, false);
	w[2] = (uint32_t)sz;
	w[3] = bits << 24 | (uint32_t)(sz * 8);
	if ((err = new_id(c, id)) || (err = set_rec(c, *id, w, 4)))
		return err;
	if (!c->index_int && !bits && sz >= 4)
		c->index_int = *id;
	k.id = *id;
	return nmap_add(&c->named, &k);
add3:
	if ((err = new_id(c, id)) || (err = set_rec(c, *id, w, 3)))
		return err;
	k.id = *id;
	return nmap_add(&c->named, &k);
}

/* Enumerators of d appended to the scratch stack; kind/size/signedness out. */
static int enum_body(struct conv *c, Dwarf_Die *d, uint32_t size, unsigned *kind, uint32_t *vlen,
		     bool *sign)
{
	Dwarf_Die ch, bt;
	Dwarf_Attribute a;
	Dwarf_Word benc;
	int err, r;

	*vlen = 0;
	*sign = false;
	*kind = size == 8 ? IC_BTF_ENUM64 : IC_BTF_ENUM;
	/* DWARF 5 GCC gives the underlying type; older DWARF: signed when a value is negative */
	if (dwarf_attr(d, DW_AT_type, &a) && dwarf_formref_die(&a, &bt) &&
	    get_udata(&bt, DW_AT_encoding, &benc))
		*sign = benc == DW_ATE_signed || benc == DW_ATE_signed_char;
	for (r = dwarf_child(d, &ch); r == 0; r = dwarf_siblingof(&ch, &ch)) {
		Dwarf_Sword sv = 0;
		Dwarf_Word uv = 0;
		uint32_t noff;
		uint64_t v;

		if ((err = count_die(c, &ch)))
			return err;
		if (dwarf_tag(&ch) != DW_TAG_enumerator || !die_name(&ch))
			continue;
		if (!dwarf_attr(&ch, DW_AT_const_value, &a))
			return fail(c, -IC_EFORMAT, &ch, "enumerator without a value");
		if (dwarf_whatform(&a) == DW_FORM_sdata) {
			if (dwarf_formsdata(&a, &sv))
				return fail(c, -IC_EFORMAT, &ch, "unreadable enumerator value");
			v = (uint64_t)sv;
			if (sv < 0 && !dwarf_hasattr(d, DW_AT_type))
				*sign = true;
		} else {
			if (dwarf_formudata(&a, &uv))
				return fail(c, -IC_EFORMAT, &ch, "unreadable enumerator value");
			v = uv;
		}
		/* A value the enum's size cannot hold was cut to its low bits (0x100000001 in a
		 * 4-byte enum came out as 1): signed or unsigned, it must fit. The dataN forms carry
		 * no sign: GCC writes -1 of a 4-byte enum as data8 0xffffffffffffffff (seen in the
		 * Debian 6.1 vmlinux), so they are read as 64-bit two's complement. */
		if (size && size < 8) {
			unsigned bits = size * 8;
			int64_t s64 = (int64_t)v;
			bool fits = s64 >= -((int64_t)1 << (bits - 1)) &&
				    (s64 < 0 || (uint64_t)s64 < ((uint64_t)1 << bits));

			if (!fits)
				return fail(c, -IC_EFORMAT, &ch, "enumerator value 0x%" PRIx64 " does not "
					    "fit the enum's %u bytes", v, size);
		}
		if (++*vlen > IC_MAX_DWARF_MEMBERS)
			return fail(c, -IC_ELIMIT, d, "enum with more than IC_MAX_DWARF_MEMBERS (%u) "
				    "enumerators", IC_MAX_DWARF_MEMBERS);
		if ((err = str_off(c, die_name(&ch), &noff)) || (err = push(c, noff)) ||
		    (err = push(c, (uint32_t)v)))
			return err;
		if (*kind == IC_BTF_ENUM64 && (err = push(c, (uint32_t)(v >> 32))))
			return err;
	}
	if (r < 0)
		return fail(c, -IC_EFORMAT, d, "bad enumerator list: %s", dwarf_errmsg(-1));
	return 0;
}

/* Members of struct/union d appended to the scratch stack (3 words each). */
static int members(struct conv *c, Dwarf_Die *d, bool is_union, uint32_t size, uint32_t *vlen,
		   bool *kflag)
{
	Dwarf_Die ch;
	size_t base = c->nsk;
	int err, r;

	*vlen = 0;
	*kflag = false;
	for (r = dwarf_child(d, &ch); r == 0; r = dwarf_siblingof(&ch, &ch)) {
		Dwarf_Attribute a;
		Dwarf_Word loc = 0, bsz = 0, dbo;
		uint64_t bit;
		uint32_t t, noff;

		if ((err = count_die(c, &ch)))
			return err;
		if (dwarf_tag(&ch) != DW_TAG_member)
			continue;
		err = type_of(c, &ch, false, &t);
		if (err == -IC_ENOTFOUND) { /* dwarf2json drops such a member too */
			c->st.dropped++;
			continue;
		}
		if (err)
			return err;
		if (!t) { /* a member of type void: not C */
			c->st.dropped++;
			continue;
		}
		if (dwarf_attr(&ch, DW_AT_data_member_location, &a)) {
			if (dwarf_formudata(&a, &loc)) {
				Dwarf_Op *ops;
				size_t nops;

				if (dwarf_getlocation(&a, &ops, &nops) || nops != 1 ||
				    ops[0].atom != DW_OP_plus_uconst)
					return fail(c, -IC_EFORMAT, &ch, "member location is not a constant");
				loc = ops[0].number;
			}
		} else if (!is_union && !dwarf_hasattr(&ch, DW_AT_data_bit_offset)) {
			return fail(c, -IC_EFORMAT, &ch, "struct member without a location");
		}
		get_udata(&ch, DW_AT_bit_size, &bsz);
		if (ic_mul_ovf((uint64_t)loc, 8, &bit))
			return fail(c, -IC_EFORMAT, &ch, "member offset overflows");
		if (get_udata(&ch, DW_AT_data_bit_offset, &dbo)) {
			bit = dbo; /* DWARF 5 */
		} else if (bsz && get_udata(&ch, DW_AT_bit_offset, &dbo)) {
			/* DWARF <= 4, little-endian: counted from the storage unit's MSB */
			Dwarf_Word usz;

			if (!get_udata(&ch, DW_AT_byte_size, &usz)) {
				Dwarf_Die td;
				Dwarf_Word s2;

				if (!dwarf_attr(&ch, DW_AT_type, &a) || !dwarf_formref_die(&a, &td) ||
				    dwarf_aggregate_size(&td, &s2))
					return fail(c, -IC_EFORMAT, &ch, "bit-field without a unit size");
				usz = s2;
			}
			/* each sum checked: bit_offset 2^64-1 with bit_size 1 wrapped to 0 and passed */
			if (usz > 16 || bsz > usz * 8 || dbo > usz * 8 - bsz ||
			    ic_add_ovf(bit, usz * 8 - (dbo + bsz), &bit))
				return fail(c, -IC_EFORMAT, &ch, "bit-field outside its unit");
		}
		if (bsz > 255)
			return fail(c, -IC_EFORMAT, &ch, "bit-field of %" PRIu64 " bits", (uint64_t)bsz);
		if (bit > (uint64_t)size * 8 || bsz > (uint64_t)size * 8 - bit)
			return fail(c, -IC_EFORMAT, &ch, "member at bit %" PRIu64 " beyond the %u-byte "
				    "type", bit, size);
		if (bit > UINT32_MAX)
			return fail(c, -IC_ELIMIT, &ch, "member offset beyond BTF's 32 bits");
		if (bsz)
			*kflag = true;
		if (++*vlen > IC_MAX_DWARF_MEMBERS)
			return fail(c, -IC_ELIMIT, d, "more than IC_MAX_DWARF_MEMBERS (%u) members",
				    IC_MAX_DWARF_MEMBERS);
		if ((err = str_off(c, die_name(&ch), &noff)) || (err = push(c, noff)) ||
		    (err = push(c, t)) || (err = push(c, (uint32_t)bit)) ||
		    (err = push(c, (uint32_t)bsz))) /* 4th word: folded below */
			return err;
	}
	if (r < 0)
		return fail(c, -IC_EFORMAT, d, "bad member list: %s", dwarf_errmsg(-1));
	/* fold {name, type, bit, bits} into BTF's 3 words */
	for (uint32_t i = 0; i < *vlen; i++) {
		uint32_t *m = c->sk + base + 4 * i, bit = m[2], bsz = m[3];

		if (*kflag && bit > 0xffffff)
			return fail(c, -IC_ELIMIT, d, "bit-field struct larger than BTF's 24-bit offsets");
		c->sk[base + 3 * i] = m[0];
		c->sk[base + 3 * i + 1] = m[1];
		c->sk[base + 3 * i + 2] = *kflag ? bsz << 24 | bit : bit;
	}
	c->nsk = base + 3 * (size_t)*vlen;
	return 0;
}

/* Body of a struct/union/enum into the record of id (named: from the work list). */
static int fill_body(struct conv *c, Dwarf_Die *d, int tag, uint32_t noff, uint32_t *id,
		     bool anon)
{
	size_t base = c->nsk;
	Dwarf_Word sz = 0;
	uint32_t vlen;
	unsigned kind;
	bool kflag;
	int err;

	if (!get_udata(d, DW_AT_byte_size, &sz))
		return fail(c, -IC_EFORMAT, d, "type without DW_AT_byte_size");
	if (sz > UINT32_MAX / 8)
		return fail(c, -IC_ELIMIT, d, "type of %" PRIu64 " bytes", (uint64_t)sz);
	if ((err = push(c, noff)) || (err = push(c, 0)) || (err = push(c, (uint32_t)sz)))
		goto out;
	if (tag == DW_TAG_enumeration_type) {
		if (sz != 1 && sz != 2 && sz != 4 && sz != 8) {
			err = -IC_ENOTFOUND;
			goto out;
		}
		err = enum_body(c, d, (uint32_t)sz, &kind, &vlen, &kflag);
	} else {
		kind = tag == DW_TAG_union_type ? IC_BTF_UNION : IC_BTF_STRUCT;
		err = members(c, d, kind == IC_BTF_UNION, (uint32_t)sz, &vlen, &kflag);
	}
	if (err)
		goto out;
	c->sk[base + 1] = info(kind, vlen, kflag);
	if (anon)
		err = cons(c, c->sk + base, c->nsk - base, id);
	else
		err = set_rec(c, *id, c->sk + base, c->nsk - base);
out:
	c->nsk = base;
	return err;
}

static unsigned kind_class(int tag)
{
	switch (tag) {
	case DW_TAG_structure_type: case DW_TAG_class_type: return IC_BTF_STRUCT;
	case DW_TAG_union_type: return IC_BTF_UNION;
	case DW_TAG_enumeration_type: return IC_BTF_ENUM;
	default: return IC_BTF_TYPEDEF;
	}
}

/* A declaration: the first body of that name, else a FWD (or empty enum) placeholder that the
 * first body to come will fill. */
static int named_decl(struct conv *c, const char *name, int tag, uint32_t *id)
{
	struct nkey k = { name, kind_class(tag), 0, 0, 0 }, *f;
	uint32_t w[3];
	int err;

	if ((f = nmap_find(&c->byname, &k))) {
		*id = f->id;
		return 0;
	}
	if ((err = str_off(c, name, &w[0])))
		return err;
	if (k.kind == IC_BTF_ENUM) {
		w[1] = info(IC_BTF_ENUM, 0, false);
		w[2] = 4;
	} else {
		w[1] = info(IC_BTF_FWD, 0, k.kind == IC_BTF_UNION);
		w[2] = 0;
	}
	if ((err = new_id(c, id)) || (err = set_rec(c, *id, w, 3)))
		return err;
	k.id = *id;
	return nmap_add(&c->byname, &k);
}

/* A named struct/union/enum/typedef definition: its id by identity; a new one is queued. */
static int named_def(struct conv *c, Dwarf_Die *d, const char *name, int tag, uint32_t *id)
{
	Dwarf_Word sz = 0;
	struct nkey k, bk, *f;
	int err;

	get_udata(d, DW_AT_byte_size, &sz);
	k = (struct nkey){ name, kind_class(tag), (uint32_t)sz, decl_line(d), 0 };
	if ((f = nmap_find(&c->named, &k))) {
		*id = f->id;
		return 0;
	}
	bk = (struct nkey){ name, k.kind, 0, 0, 0 };
	f = k.kind == IC_BTF_TYPEDEF ? NULL : nmap_find(&c->byname, &bk);
	if (f && !c->defd[f->id]) {
		*id = f->id; /* the placeholder of earlier declarations becomes this body */
	} else {
		if ((err = new_id(c, id)))
			return err;
		if (!f && k.kind != IC_BTF_TYPEDEF) {
			bk.id = *id;
			if ((err = nmap_add(&c->byname, &bk)))
				return err;
		}
	}
	c->defd[*id] = 1;
	k.id = *id;
	if ((err = nmap_add(&c->named, &k)))
		return err;
	if (c->nwl == c->cwl) {
		struct work *nw = grow(c->wl, &c->cwl, c->nwl + 1, sizeof(*nw));
		if (!nw)
			return -ENOMEM;
		c->wl = nw;
	}
	c->wl[c->nwl++] = (struct work){ dwarf_dieoffset(d), *id };
	return 0;
}

/* Array: dimensions outermost first in DWARF; BTF nests arrays from the innermost. */
static int conv_array(struct conv *c, Dwarf_Die *d, uint32_t *id)
{
	uint64_t dims[16];
	uint32_t idx[16], elem, w[6];
	unsigned nd = 0;
	Dwarf_Die ch;
	int err, r;

	if ((err = type_of(c, d, false, &elem)))
		return err;
	for (r = dwarf_child(d, &ch); r == 0; r = dwarf_siblingof(&ch, &ch)) {
		Dwarf_Word cnt, lo = 0, hi, ones;
		Dwarf_Sword shi;
		Dwarf_Attribute a;

		if ((err = count_die(c, &ch)))
			return err;
		if (dwarf_tag(&ch) != DW_TAG_subrange_type)
			continue;
		if (nd == IC_ARRAY_SIZE(dims))
			return fail(c, -IC_ELIMIT, d, "array of more than %zu dimensions",
				    IC_ARRAY_SIZE(dims));
		if (get_udata(&ch, DW_AT_count, &cnt)) {
			dims[nd] = cnt;
		} else if (dwarf_attr(&ch, DW_AT_upper_bound, &a)) {
			get_udata(&ch, DW_AT_lower_bound, &lo);
			if (dwarf_whatform(&a) == DW_FORM_sdata) {
				if (dwarf_formsdata(&a, &shi))
					return fail(c, -IC_EFORMAT, &ch, "unreadable array bound");
				hi = (Dwarf_Word)shi;
			} else if (dwarf_formudata(&a, &hi)) {
				dims[nd] = 0; /* variable-length (exprloc): no static count */
				idx[nd++] = 0;
				continue;
			}
			/* Upper bound -1, a zero-length array: GCC writes it as data4 0xffffffff, data8 or
			 * sdata all ones. Only those: data1 0xff is 255 (u8 x[256], 102 arrays of the
			 * Debian 6.1 vmlinux), and 0x1ffffffff, whose low 32 bits are all ones, is a bound
			 * (too large: refused below), not -1. */
			ones = dwarf_whatform(&a) == DW_FORM_data4 ? 0xffffffff : UINT64_MAX;
			if (hi == ones || hi + 1 == 0)
				dims[nd] = 0;
			else if (hi < lo)
				return fail(c, -IC_EFORMAT, &ch, "array upper bound %" PRIu64 " below its "
					    "lower bound %" PRIu64, (uint64_t)hi, (uint64_t)lo);
			else
				dims[nd] = hi - lo + 1;
		} else {
			dims[nd] = 0; /* flexible array member */
		}
		if (dims[nd] > UINT32_MAX)
			return fail(c, -IC_ELIMIT, &ch, "array of %" PRIu64 " elements", dims[nd]);
		err = type_of(c, &ch, false, &idx[nd]);
		if (err && err != -IC_ENOTFOUND)
			return err;
		if (err)
			idx[nd] = 0;
		nd++;
	}
	if (r < 0)
		return fail(c, -IC_EFORMAT, d, "bad subrange list: %s", dwarf_errmsg(-1));
	if (!nd) { /* GCC: a [] declaration without a subrange */
		dims[0] = 0;
		idx[0] = 0;
		nd = 1;
	}
	for (unsigned i = nd; i-- > 0;) {
		uint32_t it = idx[i];

		if ((!it || rec_kind(c, it) != IC_BTF_INT) && c->index_int)
			it = c->index_int; /* the index type does not reach the ISF: any INT will do */
		if (!it || rec_kind(c, it) != IC_BTF_INT) {
			/* BTF needs an INT index type; GCC always names one, hostile input may not */
			static const char nm[] = "__ARRAY_SIZE_TYPE__";
			struct nkey k = { nm, IC_BTF_INT, 4, 0, 0 }, *f = nmap_find(&c->named, &k);

			if (f) {
				it = f->id;
			} else {
				uint32_t iw[4] = { 0, info(IC_BTF_INT, 0, false), 4, 32 };

				if ((err = str_off(c, nm, &iw[0])) || (err = new_id(c, &it)) ||
				    (err = set_rec(c, it, iw, 4)))
					return err;
				k.id = it;
				if ((err = nmap_add(&c->named, &k)))
					return err;
			}
		}
		w[0] = 0;
		w[1] = info(IC_BTF_ARRAY, 0, false);
		w[2] = 0;
		w[3] = elem;
		w[4] = it;
		w[5] = (uint32_t)dims[i];
		if ((err = cons(c, w, 6, &elem)))
			return err;
	}
	*id = elem;
	return 0;
}

static int conv_func(struct conv *c, Dwarf_Die *d, uint32_t *id)
{
	size_t base = c->nsk;
	uint32_t ret, vlen = 0;
	Dwarf_Die ch;
	int err, r;

	err = type_of(c, d, false, &ret);
	if (err == -IC_ENOTFOUND)
		ret = 0;
	else if (err)
		return err;
	if ((err = push(c, 0)) || (err = push(c, 0)) || (err = push(c, ret)))
		goto out;
	for (r = dwarf_child(d, &ch); r == 0; r = dwarf_siblingof(&ch, &ch)) {
		int tag = dwarf_tag(&ch);
		uint32_t t = 0;

		if ((err = count_die(c, &ch)))
			goto out;
		if (tag != DW_TAG_formal_parameter && tag != DW_TAG_unspecified_parameters)
			continue;
		if (tag == DW_TAG_formal_parameter) {
			err = type_of(c, &ch, false, &t);
			if (err == -IC_ENOTFOUND || (!err && !t))
				continue; /* no BTF form: the ISF records no parameters anyway */
			if (err)
				goto out;
		}
		if (++vlen > IC_MAX_DWARF_MEMBERS) {
			err = fail(c, -IC_ELIMIT, d, "more than IC_MAX_DWARF_MEMBERS parameters");
			goto out;
		}
		if ((err = push(c, 0)) || (err = push(c, t)))
			goto out;
		if (!t)
			break; /* "...": the last one */
	}
	if (r < 0) {
		err = fail(c, -IC_EFORMAT, d, "bad parameter list: %s", dwarf_errmsg(-1));
		goto out;
	}
	c->sk[base + 1] = info(IC_BTF_FUNC_PROTO, vlen, false);
	err = cons(c, c->sk + base, c->nsk - base, id);
out:
	c->nsk = base;
	return err;
}

static int conv(struct conv *c, Dwarf_Die *d, int tag, uint32_t *id)
{
	const char *name;
	uint32_t t, w[3];
	unsigned k;
	int err;

	switch (tag) {
	case DW_TAG_base_type:
		return conv_base(c, d, id);
	case DW_TAG_unspecified_type:
		*id = 0; /* void */
		return 0;
	case DW_TAG_pointer_type: k = IC_BTF_PTR; break;
	case DW_TAG_const_type: k = IC_BTF_CONST; break;
	case DW_TAG_volatile_type: k = IC_BTF_VOLATILE; break;
	case DW_TAG_restrict_type: k = IC_BTF_RESTRICT; break;
	case DW_TAG_atomic_type:
		return type_of(c, d, false, id); /* _Atomic: same layout */
	case DW_TAG_typedef:
		name = die_name(d);
		if (!name)
			return type_of(c, d, false, id);
		return named_def(c, d, name, tag, id);
	case DW_TAG_structure_type: case DW_TAG_class_type: case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
		name = die_name(d);
		if (name && is_decl(d))
			return named_decl(c, name, tag, id);
		if (is_decl(d))
			return -IC_ENOTFOUND;
		if (name)
			return named_def(c, d, name, tag, id);
		return fill_body(c, d, tag, 0, id, true);
	case DW_TAG_array_type:
		return conv_array(c, d, id);
	case DW_TAG_subroutine_type:
		return conv_func(c, d, id);
	default:
		return -IC_ENOTFOUND; /* C++ references, pointer-to-member, ... */
	}
	/* pointer / qualifier */
	err = type_of(c, d, false, &t);
	if (err == -IC_ENOTFOUND) {
		if (k != IC_BTF_PTR)
			return err;
		t = 0; /* a pointer to something BTF cannot say is still a pointer: void * */
	} else if (err) {
		return err;
	}
	w[0] = 0;
	w[1] = info(k, 0, false);
	w[2] = t;
	return cons(c, w, 3, id);
}

static int resolve(struct conv *c, Dwarf_Die *d, uint32_t *id)
{
	uint64_t off = dwarf_dieoffset(d);
	uint32_t v;
	int err;

	if (memo_get(&c->memo, off, &v)) {
		if (v == BUSY)
			return fail(c, -IC_EFORMAT, d, "type refers to itself");
		if (v == NOCONV)
			return -IC_ENOTFOUND;
		*id = v;
		return 0;
	}
	if (c->depth >= IC_MAX_DWARF_DEPTH)
		return fail(c, -IC_ELIMIT, d, "types nested deeper than IC_MAX_DWARF_DEPTH (%u)",
			    IC_MAX_DWARF_DEPTH);
	if ((err = count_die(c, d)) || (err = memo_put(&c->memo, off, BUSY)))
		return err;
	c->depth++;
	err = conv(c, d, dwarf_tag(d), id);
	c->depth--;
	if (err == -IC_ENOTFOUND)
		return memo_put(&c->memo, off, NOCONV) ?: -IC_ENOTFOUND;
	if (err)
		return err;
	return memo_put(&c->memo, off, *id);
}

/* Bodies of named types reached so far. */
static int drain(struct conv *c)
{
	while (c->nwl) {
		struct work wk = c->wl[--c->nwl];
		Dwarf_Die d;
		const char *name;
		uint32_t noff, t;
		int tag, err;

		if (!dwarf_offdie(c->dw, wk.off, &d))
			return fail(c, -IC_EFORMAT, NULL, "DIE 0x%" PRIx64 " unreadable", wk.off);
		tag = dwarf_tag(&d);
		name = die_name(&d);
		if ((err = str_off(c, name, &noff)))
			return err;
		if (tag == DW_TAG_typedef) {
			uint32_t w[3];

			c->depth = 0;
			err = type_of(c, &d, false, &t);
			if (err == -IC_ENOTFOUND)
				t = 0; /* typedef of something BTF cannot say: of void */
			else if (err)
				return err;
			w[0] = noff;
			w[1] = info(IC_BTF_TYPEDEF, 0, false);
			w[2] = t;
			if ((err = set_rec(c, wk.id, w, 3)))
				return err;
			continue;
		}
		c->depth = 0;
		err = fill_body(c, &d, tag, noff, &wk.id, false);
		if (err == -IC_ENOTFOUND) {
			/* an enum of a size BTF lacks: keep the name as an empty 4-byte enum */
			uint32_t w[3] = { noff, info(IC_BTF_ENUM, 0, false), 4 };

			c->st.dropped++;
			err = set_rec(c, wk.id, w, 3);
		}
		if (err)
			return err;
	}
	return 0;
}

static int add_var(struct conv *c, Dwarf_Die *d, bool local)
{
	Dwarf_Attribute a, la;
	const char *name;
	bool has_loc = dwarf_attr(d, DW_AT_location, &la) != NULL, ext = false, added;
	uint32_t idx, t;
	unsigned rank;
	int err;

	if (local && has_loc) {
		/* a static in a function has a fixed address (DW_OP_addr); an automatic one not */
		Dwarf_Block bl;

		if (dwarf_whatform(&la) != DW_FORM_exprloc || dwarf_formblock(&la, &bl) ||
		    bl.length < 1 || bl.data[0] != DW_OP_addr)
			return 0;
		rank = VAR_LOCAL;
	} else if (has_loc) {
		rank = VAR_DEF;
	} else if (is_decl(d)) {
		rank = local ? VAR_LOCAL : VAR_DECL;
	} else {
		return 0; /* optimised away: no storage, no symbol */
	}
	if (!dwarf_attr_integrate(d, DW_AT_name, &a) || !(name = dwarf_formstring(&a)) || !*name)
		return 0;
	err = smap_get_or_add(&c->vmap, name, (uint32_t)c->nvars, &idx, &added);
	if (err)
		return err;
	if (!added && c->vars[idx].type && rank <= c->vars[idx].rank &&
	    !(rank == VAR_DEF && c->vars[idx].rank == VAR_DEF))
		return 0; /* only a better kind, or a later definition, replaces a typed name */
	c->depth = 0;
	err = type_of(c, d, true, &t);
	if (err == -IC_ENOTFOUND || (!err && !t)) {
		c->st.dropped++;
		if (added) { /* keep the slot: later units may type it */
			t = 0;
			err = 0;
		} else {
			return 0;
		}
	}
	if (err)
		return err;
	if (dwarf_attr_integrate(d, DW_AT_external, &a))
		dwarf_formflag(&a, &ext);
	if (rank == VAR_DEF && !strcmp(name, "linux_banner")) {
		/* where the kernel's identity is: the caller can read it from the same file */
		Dwarf_Op *ops;
		size_t nops;

		if (dwarf_attr(d, DW_AT_location, &a) && !dwarf_getlocation(&a, &ops, &nops) &&
		    nops == 1 && ops[0].atom == DW_OP_addr)
			c->st.banner_addr = ops[0].number;
	}
	if (added) {
		if (c->nvars == c->cvars) {
			struct var *nv = grow(c->vars, &c->cvars, c->nvars + 1, sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			c->vars = nv;
		}
		c->nvars++;
	}
	c->vars[idx] = (struct var){ name, t, (uint8_t)rank, ext };
	return 0;
}

/* Named types defined inside a function (struct bts_record in intel/ds.c, enum slab_modes in
 * slub.c): dwarf2json lists them too. Only the scopes are walked: a function's and its
 * lexical blocks' direct children, not parameters' or locals' types. */
static int walk_scope(struct conv *c, Dwarf_Die *fn, unsigned depth)
{
	Dwarf_Die d;
	int r, err = 0;

	if (depth > IC_MAX_DWARF_DEPTH)
		return fail(c, -IC_ELIMIT, fn, "scopes nested deeper than IC_MAX_DWARF_DEPTH (%u)",
			    IC_MAX_DWARF_DEPTH);
	for (r = dwarf_child(fn, &d); r == 0 && !err; r = dwarf_siblingof(&d, &d)) {
		uint32_t id;

		if ((err = count_die(c, &d)))
			return err;
		switch (dwarf_tag(&d)) {
		case DW_TAG_lexical_block:
			err = walk_scope(c, &d, depth + 1);
			break;
		case DW_TAG_variable:
			err = add_var(c, &d, true);
			if (!err)
				err = drain(c);
			break;
		case DW_TAG_structure_type: case DW_TAG_union_type: case DW_TAG_class_type:
		case DW_TAG_enumeration_type:
			if (!die_name(&d) || is_decl(&d))
				break;
			c->depth = 0;
			err = resolve(c, &d, &id);
			if (err == -IC_ENOTFOUND)
				err = 0;
			if (!err)
				err = drain(c);
			break;
		default:
			break;
		}
	}
	if (!err && r < 0)
		err = fail(c, -IC_EFORMAT, fn, "bad DIE list: %s", dwarf_errmsg(-1));
	return err;
}

static int walk_unit(struct conv *c, Dwarf_Die *cu)
{
	Dwarf_Die d;
	Dwarf_Word lang;
	int r, err;

	if (get_udata(cu, DW_AT_language, &lang) && lang == DW_LANG_Rust)
		return 0; /* dwarf2json 0.9 skips Rust units: their types overwrote C's */
	for (r = dwarf_child(cu, &d); r == 0; r = dwarf_siblingof(&d, &d)) {
		int tag = dwarf_tag(&d);
		uint32_t id;

		if ((err = count_die(c, &d)))
			return err;
		switch (tag) {
		case DW_TAG_variable:
			err = add_var(c, &d, false);
			break;
		case DW_TAG_structure_type: case DW_TAG_union_type: case DW_TAG_class_type:
		case DW_TAG_enumeration_type: case DW_TAG_typedef: case DW_TAG_base_type:
			/* every named type (dwarf2json lists them all); anonymous ones only when used */
			if (!die_name(&d) || is_decl(&d))
				continue;
			c->depth = 0;
			err = resolve(c, &d, &id);
			if (err == -IC_ENOTFOUND)
				err = 0;
			break;
		case DW_TAG_subprogram:
			if (!dwarf_hasattr(&d, DW_AT_declaration) && (err = walk_scope(c, &d, 0)))
				return err;
			continue;
		default:
			continue; /* imported units, ... */
		}
		if (!err)
			err = drain(c);
		if (err)
			return err;
	}
	if (r < 0)
		return fail(c, -IC_EFORMAT, cu, "bad DIE list: %s", dwarf_errmsg(-1));
	return 0;
}

/* VARs and the DATASECs listing them (BTF's vlen is 16 bits: one section per 65535). */
static int emit_vars(struct conv *c)
{
	uint32_t *vid, sec = 0;
	int err = 0;

	if (!c->nvars)
		return 0;
	vid = calloc(c->nvars, sizeof(*vid));
	if (!vid)
		return -ENOMEM;
	for (size_t i = 0; i < c->nvars && !err; i++) {
		uint32_t w[4];

		if (!c->vars[i].type)
			continue;
		w[1] = info(IC_BTF_VAR, 0, false);
		w[2] = c->vars[i].type;
		w[3] = c->vars[i].ext ? 1 : 0;
		if (!(err = str_off(c, c->vars[i].name, &w[0])) && !(err = new_id(c, &vid[i])))
			err = set_rec(c, vid[i], w, 4);
		c->st.vars++;
	}
	if (!err)
		err = str_off(c, ".dwarf_vars", &sec);
	for (size_t i = 0; i < c->nvars && !err;) {
		size_t base = c->nsk;
		uint32_t n = 0, id;

		/* offsets and sizes 0: the section carries names and types, not a layout */
		if ((err = push(c, sec)) || (err = push(c, 0)) || (err = push(c, 0)))
			break;
		for (; i < c->nvars && n < IC_MAX_DWARF_MEMBERS && !err; i++) {
			if (!vid[i])
				continue;
			n++;
			err = push(c, vid[i]) ?: push(c, 0) ?: push(c, 0);
		}
		if (!err) {
			c->sk[base + 1] = info(IC_BTF_DATASEC, n, false);
			if (!(err = new_id(c, &id)))
				err = set_rec(c, id, c->sk + base, c->nsk - base);
		}
		c->nsk = base;
	}
	free(vid);
	return err;
}

static int serialize(struct conv *c, uint8_t **out, size_t *len)
{
	uint64_t tl = 0, total;
	uint8_t *b, *p;
	uint32_t hdr[6];

	for (uint32_t id = 1; id <= c->nr; id++)
		tl += (c->rec[id] & 0x3ffff) * 4;
	total = 24 + tl + c->nstr;
	if (total > IC_MAX_BTF_BYTES || tl > UINT32_MAX)
		return fail(c, -IC_ELIMIT, NULL, "BTF of %" PRIu64 " bytes exceeds IC_MAX_BTF_BYTES",
			    total);
	b = malloc(total);
	if (!b)
		return -ENOMEM;
	hdr[0] = 0xeb9fu | 1u << 16; /* magic, version 1, flags 0 (host order) */
	hdr[1] = 24;
	hdr[2] = 0;
	hdr[3] = (uint32_t)tl;
	hdr[4] = (uint32_t)tl;
	hdr[5] = (uint32_t)c->nstr;
	memcpy(b, hdr, sizeof(hdr));
	p = b + 24;
	for (uint32_t id = 1; id <= c->nr; id++) {
		size_t n;
		const uint32_t *r = get_rec(c, id, &n);

		memcpy(p, r, n * 4);
		p += n * 4;
	}
	memcpy(p, c->str, c->nstr);
	*out = b;
	*len = (size_t)total;
	c->st.types = c->nr;
	return 0;
}

static void conv_free(struct conv *c)
{
	free(c->pool);
	free(c->rec);
	free(c->defd);
	free(c->str);
	free(c->strs.k);
	free(c->strs.v);
	free(c->memo.k);
	free(c->memo.v);
	free(c->named.e);
	free(c->byname.e);
	free(c->cons.id);
	free(c->vmap.k);
	free(c->vmap.v);
	free(c->vars);
	free(c->wl);
	free(c->sk);
}

/* Is there a compressed .debug_info whose compression libelf cannot undo? */
static bool compressed_unreadable(Elf *elf)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Chdr ch;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_COMPRESSED))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".debug_info"))
			continue;
		/* a header libelf reads but a type it lacks (ELFCOMPRESS_ZLIB is 1) */
		return !gelf_getchdr(scn, &ch) || ch.ch_type != ELFCOMPRESS_ZLIB ||
		       elf_compress(scn, 0, 0) < 0;
	}
	return false;
}

/*
 * The size a GNU-compressed .zdebug_* section claims: libdw inflates those too (dwarf_begin_elf
 * looks for ".zdebug_info" when ".debug_info" is absent), from a 12-byte header "ZLIB" +
 * the inflated size as a big-endian u64. False when the section is not in that form (libdw
 * then does not inflate it either).
 */
static bool gnu_zdebug_size(Elf_Scn *scn, const GElf_Shdr *sh, uint64_t *size)
{
	Elf_Data *d;
	const uint8_t *b;

	if (sh->sh_type == SHT_NOBITS || sh->sh_size < 12 || !(d = elf_rawdata(scn, NULL)) ||
	    !d->d_buf || d->d_size < 12)
		return false;
	b = d->d_buf;
	if (memcmp(b, "ZLIB", 4))
		return false;
	*size = 0;
	for (unsigned i = 4; i < 12; i++)
		*size = *size << 8 | b[i];
	return true;
}

/* What compressed sections (every SHF_COMPRESSED one, GNU .zdebug_*) would inflate to, checked
 * before libdw inflates them; and no supplementary file named for libdw to open. The flag wins over the name: libdw inflates a flagged section
 * under more names than .debug_* (.zdebug_*, .gnu.debuglto_.debug_* in a file it takes for GNU
 * LTO output), and a flagged .zdebug_* has no GNU header to read. */
static int compressed_ceiling(const struct ic_ctx *ctx, Elf *elf, const char *what)
{
	uint64_t total = 0;
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0; /* libdw says what is wrong */
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Chdr ch;
		const char *name;
		uint64_t size;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		/* A supplementary DWARF file (dwz): libdw opens the file this section names, any
		 * path or a build-id path, when a DIE refers into it. Input must not make isfcarve
		 * open files: a FIFO named there hung the run. No kernel debug file uses dwz. */
		if (!strcmp(name, ".gnu_debugaltlink") || !strcmp(name, ".debug_sup")) {
			pr_warn(ctx, "%s: section %s (offset 0x%" PRIx64 ") names a supplementary DWARF "
				"file (dwz): not read (give the vmlinux with all its DWARF)", what, name,
				(uint64_t)sh.sh_offset);
			return -IC_EUNSUPP;
		}
		if ((sh.sh_flags & SHF_COMPRESSED) && gelf_getchdr(scn, &ch))
			size = ch.ch_size;
		else if (strncmp(name, ".zdebug_", 8) || !gnu_zdebug_size(scn, &sh, &size))
			continue;
		if (size / IC_MAX_DWARF_INFLATE_RATIO > sh.sh_size ||
		    ic_add_ovf(total, size, &total) || total > IC_MAX_DWARF_INFLATED_BYTES) {
			pr_warn(ctx, "%s: section %s (offset 0x%" PRIx64 ") claims to inflate from %" PRIu64
				" to %" PRIu64 " bytes: beyond IC_MAX_DWARF_INFLATE_RATIO (%u) or, with the "
				"others, IC_MAX_DWARF_INFLATED_BYTES", what, name, (uint64_t)sh.sh_offset,
				(uint64_t)sh.sh_size, size, IC_MAX_DWARF_INFLATE_RATIO);
			return -IC_ELIMIT;
		}
	}
	return 0;
}

static int convert(const struct ic_ctx *ctx, Elf *elf, const char *what, uint8_t **out,
		   size_t *len, struct ic_dwarf_stats *stats)
{
	struct conv c;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t utype;
	Dwarf_Half ver;
	int err = 0, r;

	GElf_Ehdr eh;

	if (!gelf_getehdr(elf, &eh)) {
		pr_warn(ctx, "%s: no ELF header (%s)", what, elf_errmsg(-1));
		return -IC_EFORMAT;
	}
	/* The bit-field layout (DW_AT_bit_offset counts from the MSB: little-endian only), the
	 * base types ("little"), pointer size and symdb table are those of 64-bit little-endian
	 * x86-64 and arm64: any other file got a wrong profile with exit 0. */
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    (eh.e_machine != EM_X86_64 && eh.e_machine != EM_AARCH64)) {
		pr_warn(ctx, "%s: ELF class %u, data %u, machine %u: only the DWARF of 64-bit "
			"little-endian x86-64 and arm64 kernels is read", what, eh.e_ident[EI_CLASS],
			eh.e_ident[EI_DATA], eh.e_machine);
		return -IC_EUNSUPP;
	}
	if (eh.e_type == ET_REL) {
		/* libdw applies no relocations: a .o's or .ko's DWARF offsets would be wrong */
		pr_warn(ctx, "%s: relocatable object (ET_REL, a .o or .ko): its DWARF is not "
			"relocated; give the linked debug vmlinux", what);
		return -IC_EUNSUPP;
	}
	if ((err = compressed_ceiling(ctx, elf, what)))
		return err;
	memset(&c, 0, sizeof(c));
	c.strs.seed = c.vmap.seed = c.named.seed = c.byname.seed = c.cons.seed = ic_hash_seed();
	c.ctx = ctx;
	c.what = what;
	c.dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!c.dw && compressed_unreadable(elf)) {
		pr_warn(ctx, "%s: the debug sections are compressed in a way this libdw cannot read "
			"(zstd needs elfutils >= 0.189): decompress them with objcopy "
			"--decompress-debug-sections", what);
		return -IC_EUNSUPP;
	}
	if (!c.dw) {
		pr_warn(ctx, "%s: no DWARF debug information (%s): give the debug vmlinux (Debian "
			"linux-image-*-dbg, Ubuntu -dbgsym ddeb, Fedora kernel-debuginfo)", what,
			dwarf_errmsg(-1));
		return -IC_EUNSUPP;
	}
	/* string offset 0 is the empty name */
	c.str = malloc(1 << 20);
	if (!c.str) {
		err = -ENOMEM;
		goto out;
	}
	c.cstr = 1 << 20;
	c.str[0] = '\0';
	c.nstr = 1;
	while ((r = dwarf_get_units(c.dw, cu, &cu, &ver, &utype, &cudie, NULL)) == 0) {
		if (utype != DW_UT_compile && utype != DW_UT_partial)
			continue; /* type units, skeletons: not in a kernel build */
		if (++c.st.units > IC_MAX_DWARF_UNITS) {
			err = fail(&c, -IC_ELIMIT, NULL, "more than IC_MAX_DWARF_UNITS (%u) units",
				   IC_MAX_DWARF_UNITS);
			goto out;
		}
		if ((err = walk_unit(&c, &cudie)))
			goto out;
	}
	if (r < 0) {
		err = fail(&c, -IC_EFORMAT, NULL, "bad unit header: %s", dwarf_errmsg(-1));
		goto out;
	}
	if (!c.st.units) {
		pr_warn(ctx, "%s: no compile units in the DWARF", what);
		err = -IC_EUNSUPP;
		goto out;
	}
	if ((err = emit_vars(&c)) || (err = serialize(&c, out, len)))
		goto out;
out:
	if (err && err != -IC_EUNSUPP) {
		if (c.bad[0])
			pr_warn(ctx, "%s: DWARF: %s (DIE at .debug_info offset 0x%" PRIx64 ")", what,
				c.bad, c.bad_off);
		else if (err == -ENOMEM)
			pr_warn(ctx, "%s: DWARF: out of memory", what);
	}
	if (stats)
		*stats = c.st;
	dwarf_end(c.dw);
	conv_free(&c);
	return err;
}

bool ic_dwarf__available(void)
{
	return true;
}

int ic_dwarf__to_btf_mem(const struct ic_ctx *ctx, const uint8_t *data, size_t size,
			 const char *what, uint8_t **out, size_t *len, struct ic_dwarf_stats *stats)
{
	Elf *elf;
	char *copy;
	int err;

	*out = NULL;
	*len = 0;
	if (stats)
		memset(stats, 0, sizeof(*stats));
	/* libelf may convert an image given to elf_memory() in place (byte order): a private copy */
	copy = malloc(size ? size : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, size);
	elf_version(EV_CURRENT);
	elf = elf_memory(copy, size);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		pr_warn(ctx, "%s: not an ELF file (offset 0)", what);
		elf_end(elf);
		free(copy);
		return -IC_EFORMAT;
	}
	err = convert(ctx, elf, what, out, len, stats);
	elf_end(elf);
	free(copy);
	return err;
}

int ic_dwarf__to_btf(const struct ic_ctx *ctx, const char *path, uint8_t **out, size_t *len,
		     struct ic_dwarf_stats *stats)
{
	struct stat sb;
	Elf *elf;
	int fd, err;

	*out = NULL;
	*len = 0;
	if (stats)
		memset(stats, 0, sizeof(*stats));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_warn(ctx, "%s: cannot open: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		pr_warn(ctx, "%s: not a regular file", path);
		close(fd);
		return -IC_EFORMAT;
	}
	if ((uint64_t)sb.st_size > IC_MAX_DWARF_FILE_BYTES) {
		pr_warn(ctx, "%s: %" PRIu64 " bytes exceeds IC_MAX_DWARF_FILE_BYTES", path,
			(uint64_t)sb.st_size);
		close(fd);
		return -IC_ELIMIT;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		pr_warn(ctx, "%s: not an ELF file (offset 0)", path);
		elf_end(elf);
		close(fd);
		return -IC_EFORMAT;
	}
	err = convert(ctx, elf, path, out, len, stats);
	elf_end(elf);
	close(fd);
	return err;
}

#endif /* IC_HAVE_LIBDW */
