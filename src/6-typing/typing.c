/* SPDX-License-Identifier: MIT */
/* Symbol typing: BTF VAR > symdb row for the kernel version > narrow structural rules > void. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isf_int.h"
#include "isfcarve/symdb.h"
#include "0-base/ic_limits.h"

/* One anonymous struct/union/enum of the BTF, keyed by the hash of its flattened member names. */
struct anon_ent {
	uint64_t hash;
	uint32_t id;
};

/* A flattened member: its name and bit offset in the outer type (enumerators: their value). */
struct flat_mem {
	const char *name;
	uint64_t off;
};

struct flat {
	struct flat_mem *m;
	size_t n, cap;
	size_t visits; /* members and enumerators looked at, for IC_MAX_ANON_VISITS */
};

struct ic_typing {
	struct ic_isf_state *s;
	uint32_t kver;
	size_t banner_len;
	bool anon_done;
	uint64_t seed;         /* of anon[].hash (set with the index) */
	struct anon_ent *anon; /* every anonymous struct/union/enum, sorted by (hash, id) */
	size_t nanon;
	struct flat fa, fb;    /* scratch: first candidate, other candidates */
	enum ic_symdb_arch arch; /* which symdb table: the BTF's architecture */
	size_t symdb_hint;     /* ic_symdb__lookup_next_arch() cursor: symbols come in name order */
	struct ic_buf ea, eb;  /* scratch of ic_typing__expr() */
	/* Anonymous expressions already resolved: 6.1's 639 tracepoint rows all name "union
	 * {event,handler}", which matches ~700 identical BTF unions to flatten and compare. */
	struct anon_memo {
		char *members;       /* copy: callers' expressions need not outlive the object */
		size_t len;
		unsigned cls;
		int err;
		uint32_t id;
	} memo[IC_ANON_MEMO];
	unsigned nmemo;
};

static const char DESC_FUNC[] = "{\"kind\":\"function\"}";

/* "Linux version A.B.C..." -> KERNEL_VERSION(A,B,C); 0 when unreadable. Fallback for banners
 * ic_kver_from_banner() cannot read. */
static uint32_t kver_simple(const uint8_t *b, size_t n)
{
	static const char pre[] = "Linux version ";
	unsigned v[3] = { 0, 0, 0 }, k = 0;
	size_t i = sizeof(pre) - 1;

	if (!b || n < i || memcmp(b, pre, i))
		return 0;
	for (; i < n && k < 3; i++) {
		if (b[i] >= '0' && b[i] <= '9') {
			if (v[k] < 100000)
				v[k] = v[k] * 10 + (unsigned)(b[i] - '0');
		} else if (b[i] == '.' && k < 2) {
			k++;
		} else {
			break;
		}
	}
	return k >= 1 ? IC_KVER(v[0], v[1], v[2]) : 0;
}

/* The types say which kernel this is, whatever mode the caller is in. */
enum ic_symdb_arch ic_typing__arch(const struct ic_btf *btf)
{
	return btf && ic_btf__find(btf, "user_pt_regs", IC_BTF_STRUCT) ? IC_SYMDB_ARM64
								       : IC_SYMDB_X86_64;
}

int ic_typing__new(struct ic_isf_state *s, const uint8_t *banner, size_t banner_len,
		   struct ic_typing **out)
{
	struct ic_typing *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->s = s;
	t->banner_len = banner ? banner_len : 0;
	if (banner && banner_len)
		t->kver = ic_kver_from_banner((const char *)banner, banner_len);
	if (!t->kver)
		t->kver = kver_simple(banner, banner_len);
	t->arch = ic_typing__arch(s ? s->btf : NULL);
	*out = t;
	return 0;
}

void ic_typing__free(struct ic_typing *t)
{
	if (!t)
		return;
	free(t->anon);
	free(t->fa.m);
	free(t->fb.m);
	for (unsigned i = 0; i < t->nmemo; i++)
		free(t->memo[i].members);
	free(t->ea.p);
	free(t->eb.p);
	free(t);
}

static int add_desc(struct ic_isf_state *s, uint32_t id, struct ic_buf *out)
{
	const char *txt;
	size_t n;
	int err = ic_isf_desc(s, id, &txt, &n);

	return err ?: ic_buf_add(out, txt, n);
}

/* ---- anonymous types: matched by their flattened member names ---- */

static int flat_add(struct flat *f, const char *name, uint64_t off)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct flat_mem *m;

		if (f->cap >= IC_MAX_ANON_MEMBERS)
			return -IC_ELIMIT;
		m = ic_reallocarray(f->m, cap, sizeof(*m));
		if (!m)
			return -ENOMEM;
		f->m = m;
		f->cap = cap;
	}
	f->m[f->n].name = name;
	f->m[f->n].off = off;
	f->n++;
	return 0;
}

/* Member names of id in declaration order, members of unnamed struct/union members flattened in
 * place with their offsets made absolute (docs/symdb.md); enumerators with their values. */
static int flatten(const struct ic_btf *btf, uint32_t id, uint64_t base, unsigned depth,
		   struct flat *f)
{
	const uint32_t *r = ic_btf__rec(btf, id);
	uint32_t vlen;
	int err = 0;

	if (!r || depth > IC_MAX_BTF_CHAIN)
		return -IC_ELIMIT;
	vlen = ic_btf_vlen(r[1]);
	if (vlen > IC_MAX_ANON_VISITS - f->visits)
		return -IC_ELIMIT; /* more than any row can name (a shared-type DAG, or just big) */
	f->visits += vlen;
	switch (ic_btf_kind(r[1])) {
	case IC_BTF_ENUM:
		for (uint32_t i = 0; i < vlen && !err; i++)
			err = flat_add(f, ic_btf__str(btf, r[3 + 2 * i]), r[4 + 2 * i]);
		return err;
	case IC_BTF_ENUM64:
		for (uint32_t i = 0; i < vlen && !err; i++)
			err = flat_add(f, ic_btf__str(btf, r[3 + 3 * i]),
				       r[4 + 3 * i] | (uint64_t)r[5 + 3 * i] << 32);
		return err;
	case IC_BTF_STRUCT: case IC_BTF_UNION:
		break;
	default:
		return 0;
	}
	for (uint32_t i = 0; i < vlen && !err; i++) {
		const uint32_t *m = r + 3 + 3 * i;
		uint64_t off = base + (ic_btf_kflag(r[1]) ? (m[2] & 0xffffff) : m[2]);

		if (!m[0]) {
			uint32_t sub = ic_btf__skip(btf, m[1], false);
			unsigned k = ic_btf__kind(btf, sub);

			/* unnamed bit-field padding has no name to match: ignore it */
			if (k == IC_BTF_STRUCT || k == IC_BTF_UNION)
				err = flatten(btf, sub, off, depth + 1, f);
			continue;
		}
		err = flat_add(f, ic_btf__str(btf, m[0]), off);
	}
	return err;
}

/* 1 struct, 2 union, 3 enum, 0 other: anonymous types only match their own kind. */
static unsigned kind_class(unsigned btf_kind)
{
	switch (btf_kind) {
	case IC_BTF_STRUCT: return 1;
	case IC_BTF_UNION: return 2;
	case IC_BTF_ENUM: case IC_BTF_ENUM64: return 3;
	default: return 0;
	}
}

/* Hash of "class:a,b,c", the same for a flattened BTF type and for the expression's list
 * (the names come from the BTF: seeded, t->seed). */
static uint64_t names_hash(uint64_t seed, unsigned cls, const struct flat *f)
{
	uint64_t h = ic_hash_more(ic_hash_begin(seed), &(uint8_t){ (uint8_t)cls }, 1);

	for (size_t i = 0; i < f->n; i++) {
		if (i)
			h = ic_hash_more(h, ",", 1);
		h = ic_hash_more(h, f->m[i].name, strlen(f->m[i].name));
	}
	return ic_hash_end(h);
}

static int anon_cmp(const void *a, const void *b)
{
	const struct anon_ent *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Index every anonymous struct/union/enum once: one pass over BTF instead of one per row (the
 * 639 tracepoint-map rows of 6.1 would otherwise scan all types each). */
static int anon_index(struct ic_typing *t)
{
	const struct ic_btf *btf = t->s->btf;
	size_t cap = 0, visits = 0;
	int err;

	t->anon_done = true;
	t->seed = ic_hash_seed();
	for (uint32_t id = 1; id <= t->s->nr; id++) {
		const uint32_t *r = ic_btf__rec(btf, id);
		unsigned cls = kind_class(ic_btf_kind(r[1]));

		if (r[0] || !cls)
			continue;
		t->fa.n = 0;
		t->fa.visits = 0;
		err = flatten(btf, id, 0, 0, &t->fa);
		visits += t->fa.visits;
		if (visits > IC_MAX_ANON_INDEX_VISITS) {
			pr_warn(t->s->ctx, "isf: anonymous types: more than %u members to index "
				"(IC_MAX_ANON_INDEX_VISITS), stopped at BTF type %u: symbols of "
				"anonymous type stay untyped", IC_MAX_ANON_INDEX_VISITS, id);
			/* a partial index could call a match unique that a type past the cut
			 * would have made ambiguous: none at all */
			t->nanon = 0;
			return 0;
		}
		if (err == -IC_ELIMIT)
			continue; /* cannot be named by a row of bounded length either */
		if (err)
			return err;
		if (!t->fa.n)
			continue;
		if (t->nanon == cap) {
			struct anon_ent *n;

			cap = cap ? cap * 2 : 1024;
			n = ic_reallocarray(t->anon, cap, sizeof(*n));
			if (!n)
				return -ENOMEM;
			t->anon = n;
		}
		t->anon[t->nanon].hash = names_hash(t->seed, cls, &t->fa);
		t->anon[t->nanon].id = id;
		t->nanon++;
	}
	if (t->nanon)
		qsort(t->anon, t->nanon, sizeof(*t->anon), anon_cmp);
	pr_debug(t->s->ctx, "isf: anonymous-type index: %zu types, %zu member visits", t->nanon,
		 visits);
	return 0;
}

static bool names_equal(const struct ic_typeexpr *te, const struct flat *f)
{
	size_t pos = 0, i = 0, n;
	const char *p;

	while (ic_typeexpr__next_member(te, &pos, &p, &n)) {
		if (i >= f->n || strlen(f->m[i].name) != n || memcmp(f->m[i].name, p, n))
			return false;
		i++;
	}
	return i == f->n;
}

static bool same_layout(const struct flat *a, const struct flat *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->m[i].off != b->m[i].off || strcmp(a->m[i].name, b->m[i].name))
			return false;
	return true;
}

/* Remember a result (a found id or -IC_ENOTFOUND); when full, later ones are just not kept. */
static void memo_add(struct ic_typing *t, const struct ic_typeexpr *te, unsigned cls, int err,
		     uint32_t id)
{
	char *m;

	if (t->nmemo >= IC_ANON_MEMO || !(m = malloc(te->members_len + 1)))
		return;
	memcpy(m, te->members, te->members_len);
	t->memo[t->nmemo++] = (struct anon_memo){ m, te->members_len, cls, err, id };
}

/* The BTF type an anonymous expression names: the unique match, or the lowest id when all
 * matches have the same layout (size, member names and offsets); otherwise -IC_ENOTFOUND. */
static int anon_find(struct ic_typing *t, const struct ic_typeexpr *te, uint32_t *out)
{
	const struct ic_btf *btf = t->s->btf;
	unsigned cls = te->kind == IC_TE_STRUCT ? 1 : te->kind == IC_TE_UNION ? 2 : 3;
	uint64_t h;
	size_t lo = 0, hi, nmatch = 0;
	uint32_t first = 0;
	int err;

	for (unsigned i = 0; i < t->nmemo; i++) {
		const struct anon_memo *m = &t->memo[i];

		if (m->cls == cls && m->len == te->members_len &&
		    !memcmp(m->members, te->members, m->len)) {
			*out = m->id;
			return m->err;
		}
	}
	if (!t->anon_done && (err = anon_index(t)))
		return err;
	h = ic_hash_end(ic_hash_more(ic_hash_more(ic_hash_begin(t->seed), &(uint8_t){ (uint8_t)cls },
						  1), te->members, te->members_len));
	for (hi = t->nanon; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->anon[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->nanon && t->anon[lo].hash == h; lo++) {
		uint32_t id = t->anon[lo].id;
		const uint32_t *r = ic_btf__rec(btf, id);
		struct flat *f = nmatch ? &t->fb : &t->fa;

		if (kind_class(ic_btf_kind(r[1])) != cls)
			continue;
		f->n = 0;
		f->visits = 0;
		if ((err = flatten(btf, id, 0, 0, f)))
			return err;
		if (!names_equal(te, f))
			continue; /* hash collision */
		if (nmatch++ == 0) {
			first = id;
			continue;
		}
		if (r[2] != ic_btf__rec(btf, first)[2] || !same_layout(&t->fa, &t->fb)) {
			pr_debug(t->s->ctx, "isf: anonymous type {%.*s}: BTF types %u and %u differ",
				 (int)te->members_len, te->members, first, id);
			memo_add(t, te, cls, -IC_ENOTFOUND, 0);
			return -IC_ENOTFOUND;
		}
	}
	err = nmatch ? 0 : -IC_ENOTFOUND;
	*out = first;
	memo_add(t, te, cls, err, first);
	return err;
}

/* ---- named types ---- */

/* GCC base spellings (the notation's) -> the spellings clang writes into DWARF and so BTF. */
static const char *const base_alias[][2] = {
	{ "long unsigned int", "unsigned long" },
	{ "long int", "long" },
	{ "short int", "short" },
	{ "short unsigned int", "unsigned short" },
	{ "long long int", "long long" },
	{ "long long unsigned int", "unsigned long long" },
	{ "__int128 unsigned", "unsigned __int128" },
};

/* Base names the writer always emits in base_types (see isf.c), usable even if BTF lacks them. */
static const char *const always_base[] = {
	"int", "unsigned int", "char", "unsigned char", "signed char", "_Bool", "short int",
	"short unsigned int", "long int", "long unsigned int", "long long int",
	"long long unsigned int", "void",
};

static int base_desc(struct ic_typing *t, const struct ic_typeexpr *te, struct ic_buf *out)
{
	struct ic_isf_state *s = t->s;
	char nm[256];
	uint32_t id;
	int err;

	if (te->kind == IC_TE_FUNC)
		return ic_buf_add(out, DESC_FUNC, sizeof(DESC_FUNC) - 1);
	if (te->anon) {
		if ((err = anon_find(t, te, &id)))
			return err;
		return add_desc(s, id, out);
	}
	if (te->name_len >= sizeof(nm))
		return -IC_ENOTFOUND; /* no BTF name in a kernel is that long */
	memcpy(nm, te->name, te->name_len);
	nm[te->name_len] = '\0';
	switch (te->kind) {
	case IC_TE_STRUCT: case IC_TE_UNION:
		if (!ic_strmap_get(&s->utypes, nm, &id))
			return -IC_ENOTFOUND;
		return ic_isf_kind_name_desc(s, out, ic_btf__kind(s->btf, id) == IC_BTF_UNION ?
					     "union" : "struct", nm);
	case IC_TE_ENUM:
		if (!ic_strmap_get(&s->enums, nm, NULL))
			return -IC_ENOTFOUND;
		return ic_isf_kind_name_desc(s, out, "enum", nm);
	case IC_TE_TYPEDEF:
		/* ic_isf_desc() applies dwarf2json's rule: named if directly over a struct/union */
		if (ic_strmap_get(&s->tdefs, nm, &id) || ic_strmap_get(&s->utypes, nm, &id))
			return add_desc(s, id, out);
		return -IC_ENOTFOUND;
	default:
		break;
	}
	if (ic_strmap_get(&s->ints, nm, &id))
		return add_desc(s, id, out);
	for (size_t i = 0; i < IC_ARRAY_SIZE(base_alias); i++)
		if (!strcmp(nm, base_alias[i][0]) && ic_strmap_get(&s->ints, base_alias[i][1], &id))
			return add_desc(s, id, out);
	for (size_t i = 0; i < IC_ARRAY_SIZE(always_base); i++)
		if (!strcmp(nm, always_base[i]))
			return ic_isf_kind_name_desc(s, out, "base", nm);
	return -IC_ENOTFOUND;
}

int ic_typing__expr(struct ic_typing *t, const char *expr, struct ic_buf *out)
{
	struct ic_typeexpr te;
	struct ic_buf *a = &t->ea, *b = &t->eb;
	int err;

	err = ic_typeexpr__parse(expr, strnlen(expr, IC_TYPEEXPR_MAX_LEN + 1), &te);
	if (err)
		return err;
	a->len = 0;
	if ((err = base_desc(t, &te, a)))
		return err;
	/* steps are outermost first: wrap from the innermost (last) outwards */
	for (unsigned k = te.nsteps; k-- > 0;) {
		struct ic_buf *x;

		b->len = 0;
		err = te.steps[k].op == IC_TE_PTR ? ic_isf_wrap_pointer(b, a->p, a->len)
						  : ic_isf_wrap_array(b, te.steps[k].count, a->p, a->len);
		if (err)
			return err;
		x = a;
		a = b;
		b = x;
	}
	return ic_buf_add(out, a->p, a->len);
}

int ic_isf_desc_expr(struct ic_isf_state *s, const char *expr, struct ic_buf *out)
{
	struct ic_typing *t;
	int err = ic_typing__new(s, NULL, 0, &t);

	if (err)
		return err;
	err = ic_typing__expr(t, expr, out);
	ic_typing__free(t);
	return err;
}

int ic_typing__symbol(struct ic_typing *t, const char *name, struct ic_buf *out,
		      struct ic_isf_stats *st)
{
	struct ic_isf_state *s = t->s;
	uint32_t id;
	int err;

	/* linux_banner: the exact bytes are the identifier; type them as char[len]. */
	if (!strcmp(name, "linux_banner") && t->banner_len) {
		char txt[160];

		snprintf(txt, sizeof(txt),
			 "{\"count\":%zu,\"kind\":\"array\",\"subtype\":{\"kind\":\"base\",\"name\":\"char\"}}",
			 t->banner_len);
		st->typed_rule++;
		return ic_buf_add(out, txt, strlen(txt));
	}
	/* BTF VARs (per-CPU variables, or every global with pahole's global_var) are exact. */
	if (ic_strmap_get(&s->vars, name, &id)) {
		st->typed_btf++;
		return add_desc(s, id, out);
	}
	if (t->kver) {
		const char *expr = ic_symdb__lookup_next_arch(t->arch, t->kver, name, &t->symdb_hint);

		if (expr) {
			size_t mark = out->len;

			err = ic_typing__expr(t, expr, out);
			if (!err) {
				st->typed_symdb++;
				return 0;
			}
			if (err != -IC_ENOTFOUND && err != -IC_EFORMAT && err != -IC_ELIMIT)
				return err;
			out->len = mark;
			st->symdb_skipped++;
			pr_debug(s->ctx, "isf: symdb type '%s' of %s not in this BTF", expr, name);
		}
	}
	if (!strcmp(name, "tk_core")) {
		/* 6.13+: struct tk_data; before: static struct { seqcount_raw_spinlock_t seq; struct
		 * timekeeper timekeeper; } */
		static const char *const tk[] = { "struct tk_data", "struct {seq,timekeeper}" };

		for (size_t i = 0; i < IC_ARRAY_SIZE(tk); i++) {
			size_t mark = out->len;

			err = ic_typing__expr(t, tk[i], out);
			if (!err) {
				st->typed_rule++;
				return 0;
			}
			if (err != -IC_ENOTFOUND)
				return err;
			out->len = mark;
		}
	}
	if (!strcmp(name, "kallsyms_num_syms") && t->kver) {
		/* scripts/kallsyms emits .long since 4.20, a pointer-sized value before */
		st->typed_rule++;
		return ic_typing__expr(t, t->kver >= IC_KVER(4, 20, 0) ? "unsigned int"
									   : "long unsigned int", out);
	}
	st->typed_void++;
	return ic_buf_add(out, "{\"kind\":\"base\",\"name\":\"void\"}", 29);
}
