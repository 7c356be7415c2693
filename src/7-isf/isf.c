/* SPDX-License-Identifier: MIT */
/* The ISF writer: names, base types, user types, enums, symbols and metadata, sorted keys. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isf_write.h"
#include "0-base/ic_limits.h"
#include "0-base/out.h"

/* Types Volatility's LinuxKernelIntermedSymbols binds with set_type_class (isf.md 4.2):
 * any missing one stops the whole symbol table from loading. */
static const char *const mandatory_types[] = {
	"file", "list_head", "hlist_head", "mm_struct", "super_block", "task_struct",
	"vm_area_struct", "qstr", "dentry", "fs_struct", "files_struct", "kobject", "cred",
	"inode", "idr", "address_space", "page", "vfsmount", "net", "socket", "sock",
	"inet_sock", "unix_sock", "module_sect_attr",
};

/* Clang spellings -> the GCC spellings Volatility hard-codes (isf.md 8.2). */
static const char *const gcc_alias[][2] = {
	{ "unsigned long", "long unsigned int" },
	{ "long", "long int" },
	{ "unsigned short", "short unsigned int" },
	{ "short", "short int" },
	{ "long long", "long long int" },
	{ "unsigned long long", "long long unsigned int" },
	{ "unsigned __int128", "__int128 unsigned" },
};

/* ---- state ---- */

static int gen_name(struct ic_isf_state *s, const char *fmt_base, uint32_t id, const char **out)
{
	char tmp[600];
	size_t off = s->names.len;
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s__btf%u", fmt_base, id);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		n = snprintf(tmp, sizeof(tmp), "type__btf%u", id);
	if (ic_buf_add(&s->names, tmp, (size_t)n + 1))
		return -ENOMEM;
	/* names.p may move: callers resolve offsets after all names exist */
	*out = (const char *)(uintptr_t)(off + 1); /* encoded offset, fixed up later */
	return 0;
}

static bool is_gen(const struct ic_isf_state *s, const char *p)
{
	return (uintptr_t)p && (uintptr_t)p <= s->names.len;
}

int ic_isf_state_init(struct ic_isf_state *s, const struct ic_ctx *ctx, const struct ic_btf *btf)
{
	uint32_t nr = ic_btf__nr_types(btf), *refs = NULL;
	int err = -ENOMEM;

	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->btf = btf;
	s->nr = nr;
	s->uname = calloc((size_t)nr + 1, sizeof(*s->uname));
	s->alias = calloc((size_t)nr + 1, sizeof(*s->alias));
	s->desc_off = malloc(((size_t)nr + 1) * sizeof(*s->desc_off));
	s->desc_len = calloc((size_t)nr + 1, sizeof(*s->desc_len));
	s->tmp = malloc(sizeof(*s->tmp));
	refs = calloc((size_t)nr + 1, sizeof(*refs));
	if (!s->uname || !s->alias || !s->desc_off || !s->desc_len || !s->tmp || !refs)
		goto out;
	memset(s->desc_off, 0xff, ((size_t)nr + 1) * sizeof(*s->desc_off));
	if (ic_strmap_init(&s->utypes, nr / 4) || ic_strmap_init(&s->enums, nr / 32) ||
	    ic_strmap_init(&s->ints, 64) || ic_strmap_init(&s->vars, 1024) ||
	    ic_strmap_init(&s->tdefs, nr / 16))
		goto out;
	/* Incoming references: the canonical body of a duplicated name is the most used one. */
	for (uint32_t id = 1; id <= nr; id++) {
		const uint32_t *t = ic_btf__rec(btf, id);
		uint32_t vlen = ic_btf_vlen(t[1]);

		switch (ic_btf_kind(t[1])) {
		case IC_BTF_PTR: case IC_BTF_TYPEDEF: case IC_BTF_CONST: case IC_BTF_VOLATILE:
		case IC_BTF_RESTRICT: case IC_BTF_TYPE_TAG: case IC_BTF_VAR:
			refs[t[2]]++;
			break;
		case IC_BTF_ARRAY:
			refs[t[3]]++;
			break;
		case IC_BTF_STRUCT: case IC_BTF_UNION:
			for (uint32_t i = 0; i < vlen; i++)
				refs[t[4 + 3 * i]]++;
			break;
		case IC_BTF_FUNC_PROTO:
			refs[t[2]]++;
			for (uint32_t i = 0; i < vlen; i++)
				refs[t[4 + 2 * i]]++;
			break;
		case IC_BTF_INT: case IC_BTF_FLOAT:
			if (ic_strmap_add(&s->ints, ic_btf__str(btf, t[0]), id) < 0)
				goto out;
			break;
		case IC_BTF_DATASEC:
			for (uint32_t i = 0; i < vlen; i++) {
				const uint32_t *v = ic_btf__rec(btf, t[3 + 3 * i]);

				if (ic_strmap_add(&s->vars, ic_btf__str(btf, v[0]), v[2]) < 0)
					goto out;
			}
			break;
		default:
			break;
		}
		if (ic_btf_kind(t[1]) == IC_BTF_TYPEDEF &&
		    ic_strmap_add(&s->tdefs, ic_btf__str(btf, t[0]), id) < 0)
			goto out;
	}
	/* Winners per name: struct/union share one namespace (user_types), enums another. The
	 * key is prefixed by the namespace so one map serves both. */
	for (uint32_t id = 1; id <= nr; id++) {
		const uint32_t *t = ic_btf__rec(btf, id);
		unsigned k = ic_btf_kind(t[1]);
		bool su = k == IC_BTF_STRUCT || k == IC_BTF_UNION;
		bool en = k == IC_BTF_ENUM || k == IC_BTF_ENUM64;
		struct ic_strmap *ns = su ? &s->utypes : &s->enums;
		uint32_t cur;

		if ((!su && !en) || !t[0])
			continue;
		if (!ic_strmap_get(ns, ic_btf__str(btf, t[0]), &cur)) {
			if (ic_strmap_add(ns, ic_btf__str(btf, t[0]), id) < 0)
				goto out;
			continue;
		}
		if (refs[id] > refs[cur])
			ic_strmap_set(ns, ic_btf__str(btf, t[0]), id); /* not a walk of the whole table */
	}
	/* Names: winners keep the BTF name; losers and anonymous types get generated ones. */
	for (uint32_t id = 1; id <= nr; id++) {
		const uint32_t *t = ic_btf__rec(btf, id);
		unsigned k = ic_btf_kind(t[1]);
		bool su = k == IC_BTF_STRUCT || k == IC_BTF_UNION;
		bool en = k == IC_BTF_ENUM || k == IC_BTF_ENUM64;
		struct ic_strmap *ns = su ? &s->utypes : &s->enums;
		const char *nm = ic_btf__str(btf, t[0]);
		uint32_t cur;

		if (!su && !en)
			continue;
		if (*nm && ic_strmap_get(ns, nm, &cur) && cur == id) {
			s->uname[id] = nm;
			continue;
		}
		if (!*nm)
			nm = k == IC_BTF_STRUCT ? "unnamed_struct" : k == IC_BTF_UNION ? "unnamed_union"
											: "unnamed_enum";
		if (gen_name(s, nm, id, &s->uname[id]))
			goto out;
	}
	/* Fix up generated names (offsets into names) and register them. A generated name that
	 * collides with a real one (hostile input) gets the id appended again. */
	for (uint32_t id = 1; id <= nr; id++) {
		unsigned k = ic_btf__kind(btf, id);
		struct ic_strmap *ns = (k == IC_BTF_ENUM || k == IC_BTF_ENUM64) ? &s->enums : &s->utypes;
		int r;

		if (!is_gen(s, s->uname[id]))
			continue;
		s->uname[id] = s->names.p + ((uintptr_t)s->uname[id] - 1);
		r = ic_strmap_add(ns, s->uname[id], id);
		if (r < 0)
			goto out;
		if (r == 0)
			pr_warn(ctx, "isf: generated name %s for type [%u] collides; kept the first",
				s->uname[id], id);
	}
	/* Typedef aliases (dwarf2json rule): a typedef directly over a struct/union is emitted as
	 * a copy under the typedef name and names the type in descriptors. The first typedef of a
	 * name wins; a name already used by a different user type keeps that type. */
	for (uint32_t id = 1; id <= nr; id++) {
		const uint32_t *t = ic_btf__rec(btf, id);
		unsigned tk;
		uint32_t cur, tgt;
		int r;

		if (ic_btf_kind(t[1]) != IC_BTF_TYPEDEF)
			continue;
		tk = ic_btf__kind(btf, t[2]);
		tgt = t[2];
		if (tk == IC_BTF_FWD) {
			/* typedef over a declaration: copy the definition if this BTF has one;
			 * otherwise the descriptor still names the typedef (dangling, which Volatility
			 * only minds on use), as dwarf2json does */
			uint32_t def;

			if (!ic_strmap_get(&s->utypes, ic_btf__name(btf, t[2]), &def) ||
			    (ic_btf__kind(btf, def) == IC_BTF_UNION) !=
				    (bool)ic_btf_kflag(ic_btf__rec(btf, t[2])[1])) {
				if (!ic_strmap_get(&s->utypes, ic_btf__str(btf, t[0]), NULL))
					s->alias[id] = ic_btf__str(btf, t[0]);
				continue;
			}
			tgt = def;
		} else if (tk != IC_BTF_STRUCT && tk != IC_BTF_UNION) {
			continue;
		}
		r = ic_strmap_add(&s->utypes, ic_btf__str(btf, t[0]), tgt);
		if (r < 0)
			goto out;
		if (r == 1 || (ic_strmap_get(&s->utypes, ic_btf__str(btf, t[0]), &cur) && cur == tgt &&
			       !strcmp(s->uname[tgt], ic_btf__str(btf, t[0]))))
			s->alias[id] = ic_btf__str(btf, t[0]);
	}
	err = 0;
out:
	free(refs);
	return err;
}

int ic_isf_state_fork(struct ic_isf_state *dst, const struct ic_isf_state *s,
		      const struct ic_ctx *ctx)
{
	*dst = *s;
	dst->ctx = ctx;
	dst->fork = true;
	dst->descs = (struct ic_buf){ 0 };
	dst->desc_off = malloc(((size_t)s->nr + 1) * sizeof(*dst->desc_off));
	dst->desc_len = calloc((size_t)s->nr + 1, sizeof(*dst->desc_len));
	dst->tmp = malloc(sizeof(*dst->tmp));
	if (!dst->desc_off || !dst->desc_len || !dst->tmp)
		return -ENOMEM;
	memset(dst->desc_off, 0xff, ((size_t)s->nr + 1) * sizeof(*dst->desc_off));
	return 0;
}

void ic_isf_state_free(struct ic_isf_state *s)
{
	free(s->desc_off);
	free(s->desc_len);
	free(s->descs.p);
	free(s->tmp);
	if (s->fork)
		return;
	free(s->uname);
	free(s->alias);
	free(s->names.p);
	ic_strmap_free(&s->utypes);
	ic_strmap_free(&s->enums);
	ic_strmap_free(&s->ints);
	ic_strmap_free(&s->vars);
	ic_strmap_free(&s->tdefs);
}

/* ---- base types ---- */

struct base {
	const char *name;
	uint32_t size;
	bool sign;
	const char *kind;
};

static int cmp_base(const void *a, const void *b)
{
	return strcmp(((const struct base *)a)->name, ((const struct base *)b)->name);
}

static int add_base(struct base *v, size_t *n, size_t cap, struct ic_strmap *seen, const char *name,
		    uint32_t size, bool sign, const char *kind)
{
	int r;

	if (*n >= cap)
		return 0;
	r = ic_strmap_add(seen, name, (uint32_t)*n);
	if (r <= 0)
		return r;
	v[*n].name = name;
	v[*n].size = size;
	v[*n].sign = sign;
	v[*n].kind = kind;
	(*n)++;
	return 0;
}

static int write_base_types(struct ic_isf_state *s, struct ic_json *j, unsigned ptr_size,
			    const char *endian, size_t *count)
{
	const struct ic_btf *btf = s->btf;
	size_t n = 0, cap = s->ints.n + 32;
	struct base *v = calloc(cap, sizeof(*v));
	struct ic_strmap seen = { 0 };
	int err = -ENOMEM;
	bool char_signed = false;

	if (!v || ic_strmap_init(&seen, cap))
		goto out;
	/* reserved names first so BTF cannot redefine them */
	if ((err = add_base(v, &n, cap, &seen, "void", 0, false, "void")) ||
	    (err = add_base(v, &n, cap, &seen, "pointer", ptr_size, false, "int")))
		goto out;
	for (uint32_t id = 1; id <= s->nr; id++) {
		const uint32_t *t = ic_btf__rec(btf, id);
		const char *nm = ic_btf__str(btf, t[0]);
		unsigned k = ic_btf_kind(t[1]);

		if (k == IC_BTF_FLOAT) {
			err = add_base(v, &n, cap, &seen, nm, t[2], true, "float");
		} else if (k == IC_BTF_INT) {
			uint32_t enc = (t[3] >> 24) & 0xf;
			bool is_char = (enc & IC_BTF_INT_CHAR) || !strcmp(nm, "char") ||
				       !strcmp(nm, "signed char") || !strcmp(nm, "unsigned char");

			if (!strcmp(nm, "char"))
				char_signed = enc & IC_BTF_INT_SIGNED;
			err = add_base(v, &n, cap, &seen, nm, t[2], enc & IC_BTF_INT_SIGNED,
				       (enc & IC_BTF_INT_BOOL) ? "bool" : is_char ? "char" : "int");
		}
		if (err)
			goto out;
	}
	for (size_t i = 0; i < IC_ARRAY_SIZE(gcc_alias); i++) {
		uint32_t id;

		if (ic_strmap_get(&seen, gcc_alias[i][0], &id)) {
			struct base b = v[id];

			if ((err = add_base(v, &n, cap, &seen, gcc_alias[i][1], b.size, b.sign, b.kind)))
				goto out;
		}
	}
	/* the names Volatility code casts to, and the enum bases, always exist */
	if ((err = add_base(v, &n, cap, &seen, "int", 4, true, "int")) ||
	    (err = add_base(v, &n, cap, &seen, "unsigned int", 4, false, "int")) ||
	    (err = add_base(v, &n, cap, &seen, "char", 1, char_signed, "char")) ||
	    (err = add_base(v, &n, cap, &seen, "unsigned char", 1, false, "char")) ||
	    (err = add_base(v, &n, cap, &seen, "signed char", 1, true, "char")) ||
	    (err = add_base(v, &n, cap, &seen, "_Bool", 1, false, "bool")) ||
	    (err = add_base(v, &n, cap, &seen, "short int", 2, true, "int")) ||
	    (err = add_base(v, &n, cap, &seen, "short unsigned int", 2, false, "int")) ||
	    (err = add_base(v, &n, cap, &seen, "long int", ptr_size, true, "int")) ||
	    (err = add_base(v, &n, cap, &seen, "long unsigned int", ptr_size, false, "int")) ||
	    (err = add_base(v, &n, cap, &seen, "long long int", 8, true, "int")) ||
	    (err = add_base(v, &n, cap, &seen, "long long unsigned int", 8, false, "int")))
		goto out;
	qsort(v, n, sizeof(*v), cmp_base);
	ic_json_key(j, "base_types");
	ic_json_obj_begin(j);
	for (size_t i = 0; i < n; i++) {
		ic_json_key(j, v[i].name);
		ic_json_obj_begin(j);
		ic_json_key(j, "endian");
		ic_json_str(j, endian);
		ic_json_key(j, "kind");
		ic_json_str(j, v[i].kind);
		ic_json_key(j, "signed");
		ic_json_bool(j, v[i].sign);
		ic_json_key(j, "size");
		ic_json_u64(j, v[i].size);
		ic_json_obj_end(j);
	}
	ic_json_obj_end(j);
	*count = n;
	err = 0;
out:
	ic_strmap_free(&seen);
	free(v);
	return err;
}

/* ---- user types ---- */

struct entry {
	const char *name;
	uint32_t id; /* 0 = placeholder */
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

struct field {
	const char *name;
	char gen[32];
	uint32_t idx;
	uint32_t type;
	uint64_t boff;
	uint32_t bsz;
	bool anon;
};

static int cmp_field(const void *a, const void *b)
{
	const struct field *x = a, *y = b;
	/* generated names live inside the element, which qsort moves: never use x->name for them */
	int c = strcmp(x->anon ? x->gen : x->name, y->anon ? y->gen : y->name);

	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int write_fields(struct ic_isf_state *s, struct ic_json *j, uint32_t id,
			struct field **fbuf, size_t *fcap)
{
	const struct ic_btf *btf = s->btf;
	const uint32_t *t = ic_btf__rec(btf, id);
	uint32_t vlen = ic_btf_vlen(t[1]), nanon = 0;
	size_t n = 0;
	struct field *f;
	int err;

	if (vlen > *fcap) {
		f = ic_reallocarray(*fbuf, vlen, sizeof(*f));
		if (!f)
			return -ENOMEM;
		*fbuf = f;
		*fcap = vlen;
	}
	f = *fbuf;
	for (uint32_t i = 0; i < vlen; i++) {
		const uint32_t *m = t + 3 + 3 * i;
		struct field *x = &f[n];
		uint32_t r = ic_btf__skip(btf, m[1], true);
		const uint32_t *rt = ic_btf__rec(btf, r);
		unsigned rk = ic_btf__kind(btf, r);

		memset(x, 0, sizeof(*x));
		x->idx = i;
		x->type = m[1];
		if (ic_btf_kflag(t[1])) {
			x->bsz = m[2] >> 24;
			x->boff = m[2] & 0xffffff;
		} else {
			x->boff = m[2];
			/* legacy bitfields: the INT itself carries bits and a bit offset */
			if (rk == IC_BTF_INT) {
				uint32_t bits = rt[3] & 0xff, ioff = (rt[3] >> 16) & 0xff;

				if (bits != 8 * rt[2] || ioff) {
					x->bsz = bits;
					x->boff += ioff;
				}
			}
		}
		x->name = ic_btf__str(btf, m[0]);
		if (!*x->name) {
			if (rk != IC_BTF_STRUCT && rk != IC_BTF_UNION) {
				/* unnamed bitfield padding or an unusable anonymous member */
				pr_debug(s->ctx, "isf: type [%u] member %u: unnamed %s skipped", id, i,
					 rk == IC_BTF_FWD ? "forward-declared type" : "non-struct member");
				continue;
			}
			snprintf(x->gen, sizeof(x->gen), "unnamed_field_%x", nanon++);
			x->name = x->gen;
			x->anon = true;
		}
		n++;
	}
	if (n)
		qsort(f, n, sizeof(*f), cmp_field);
	ic_json_key(j, "fields");
	ic_json_obj_begin(j);
	for (size_t i = 0; i < n; i++) {
		const char *txt;
		size_t len;

		if (f[i].anon)
			f[i].name = f[i].gen;
		if (i && !strcmp(f[i].name, f[i - 1].anon ? f[i - 1].gen : f[i - 1].name))
			continue; /* duplicate member name (hostile input): the first wins */
		if ((err = ic_isf_desc(s, f[i].type, &txt, &len)))
			return err;
		ic_json_key(j, f[i].name);
		ic_json_obj_begin(j);
		if (f[i].anon) {
			ic_json_key(j, "anonymous");
			ic_json_bool(j, true);
		}
		ic_json_key(j, "offset");
		ic_json_u64(j, f[i].boff / 8);
		ic_json_key(j, "type");
		if (f[i].bsz) {
			ic_json_obj_begin(j);
			ic_json_key(j, "bit_length");
			ic_json_u64(j, f[i].bsz);
			ic_json_key(j, "bit_position");
			ic_json_u64(j, f[i].boff % 8);
			ic_json_key(j, "kind");
			ic_json_str(j, "bitfield");
			ic_json_key(j, "type");
			ic_json_raw(j, txt, len);
			ic_json_obj_end(j);
		} else {
			ic_json_raw(j, txt, len);
		}
		ic_json_obj_end(j);
	}
	ic_json_obj_end(j);
	return 0;
}

static int write_user_types(struct ic_isf_state *s, struct ic_json *j, size_t *count)
{
	const struct ic_btf *btf = s->btf;
	size_t n = 0, cap = s->utypes.n + IC_ARRAY_SIZE(mandatory_types), fcap = 0;
	struct entry *e = calloc(cap, sizeof(*e));
	struct field *fbuf = NULL;
	int err = -ENOMEM;

	if (!e)
		goto out;
	for (size_t i = 0; i < s->utypes.cap; i++)
		if (s->utypes.keys[i])
			e[n++] = (struct entry){ s->utypes.keys[i], s->utypes.vals[i] };
	for (size_t i = 0; i < IC_ARRAY_SIZE(mandatory_types); i++)
		if (!ic_strmap_get(&s->utypes, mandatory_types[i], NULL)) {
			/* module_sect_attr is gone from newer kernels (none in the BTF of 7.x): its
			 * placeholder is routine there and the user can do nothing about it, so it is
			 * said at -v only (docs/isf-mapping.md). Any other missing one is a warning. */
			if (!strcmp(mandatory_types[i], "module_sect_attr"))
				pr_info(s->ctx, "isf: BTF has no struct module_sect_attr (newer kernels "
					     "have none; Volatility requires the name): emitting an empty "
					     "placeholder");
			else
				pr_warn(s->ctx, "isf: BTF has no struct %s (Volatility requires it); "
					     "emitting an empty placeholder", mandatory_types[i]);
			e[n++] = (struct entry){ mandatory_types[i], 0 };
		}
	qsort(e, n, sizeof(*e), cmp_entry);
	ic_json_obj_begin(j);
	for (size_t i = 0; i < n; i++) {
		const uint32_t *t = ic_btf__rec(btf, e[i].id);

		ic_json_key(j, e[i].name);
		ic_json_obj_begin(j);
		if (!t) {
			ic_json_key(j, "fields");
			ic_json_obj_begin(j);
			ic_json_obj_end(j);
		} else if ((err = write_fields(s, j, e[i].id, &fbuf, &fcap))) {
			goto out;
		}
		ic_json_key(j, "kind");
		ic_json_str(j, t && ic_btf_kind(t[1]) == IC_BTF_UNION ? "union" : "struct");
		ic_json_key(j, "size");
		ic_json_u64(j, t ? t[2] : 0);
		ic_json_obj_end(j);
	}
	ic_json_obj_end(j);
	*count = n;
	err = 0;
out:
	free(fbuf);
	free(e);
	return err;
}

/* ---- enums ---- */

struct konst {
	const char *name;
	uint32_t idx;
	uint64_t val;
	bool neg;
};

static int cmp_konst(const void *a, const void *b)
{
	const struct konst *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static const char *enum_base(uint32_t size, bool sign)
{
	switch (size) {
	case 1: return sign ? "signed char" : "unsigned char";
	case 2: return sign ? "short int" : "short unsigned int";
	case 8: return sign ? "long long int" : "long long unsigned int";
	default: return sign ? "int" : "unsigned int";
	}
}

static int write_enums(struct ic_isf_state *s, struct ic_json *j, size_t *count)
{
	const struct ic_btf *btf = s->btf;
	size_t n = 0, kcap = 0;
	struct entry *e = calloc(s->enums.n + 1, sizeof(*e));
	struct konst *k = NULL;
	bool legacy = true;
	int err = -ENOMEM;

	if (!e)
		goto out;
	/* BTF from before enum signedness (pahole < 1.24) never sets kind_flag on enums. */
	for (uint32_t id = 1; id <= s->nr && legacy; id++) {
		unsigned kd = ic_btf__kind(btf, id);

		if ((kd == IC_BTF_ENUM || kd == IC_BTF_ENUM64) && ic_btf_kflag(ic_btf__rec(btf, id)[1]))
			legacy = false;
	}
	for (size_t i = 0; i < s->enums.cap; i++)
		if (s->enums.keys[i])
			e[n++] = (struct entry){ s->enums.keys[i], s->enums.vals[i] };
	qsort(e, n, sizeof(*e), cmp_entry);
	ic_json_key(j, "enums");
	ic_json_obj_begin(j);
	for (size_t i = 0; i < n; i++) {
		const uint32_t *t = ic_btf__rec(btf, e[i].id);
		uint32_t vlen = ic_btf_vlen(t[1]);
		bool e64 = ic_btf_kind(t[1]) == IC_BTF_ENUM64, sign = ic_btf_kflag(t[1]);

		if (vlen > kcap) {
			struct konst *nk = ic_reallocarray(k, vlen, sizeof(*k));
			if (!nk)
				goto out;
			k = nk;
			kcap = vlen;
		}
		if (legacy && !e64)
			for (uint32_t c = 0; c < vlen; c++)
				sign |= (int32_t)t[3 + 2 * c + 1] < 0;
		for (uint32_t c = 0; c < vlen; c++) {
			k[c].idx = c;
			if (e64) {
				uint64_t v = (uint64_t)t[3 + 3 * c + 2] << 32 | t[3 + 3 * c + 1];

				k[c].name = ic_btf__str(btf, t[3 + 3 * c]);
				k[c].neg = sign && (int64_t)v < 0;
				k[c].val = v;
			} else {
				uint32_t v = t[3 + 2 * c + 1];

				k[c].name = ic_btf__str(btf, t[3 + 2 * c]);
				k[c].neg = sign && (int32_t)v < 0;
				k[c].val = k[c].neg ? (uint64_t)(int64_t)(int32_t)v : v;
			}
		}
		if (vlen)
			qsort(k, vlen, sizeof(*k), cmp_konst);
		ic_json_key(j, e[i].name);
		ic_json_obj_begin(j);
		ic_json_key(j, "base");
		ic_json_str(j, enum_base(t[2], sign));
		ic_json_key(j, "constants");
		ic_json_obj_begin(j);
		for (uint32_t c = 0; c < vlen; c++) {
			if (c && !strcmp(k[c].name, k[c - 1].name))
				continue;
			ic_json_key(j, k[c].name);
			if (k[c].neg)
				ic_json_i64(j, (int64_t)k[c].val);
			else
				ic_json_u64(j, k[c].val);
		}
		ic_json_obj_end(j);
		ic_json_key(j, "size");
		ic_json_u64(j, t[2]);
		ic_json_obj_end(j);
	}
	ic_json_obj_end(j);
	*count = n;
	err = 0;
out:
	free(k);
	free(e);
	return err;
}

/* ---- symbols ---- */

struct symref {
	uint64_t key; /* first 8 name bytes, big-endian, zero-padded: orders as strcmp does */
	const char *name;
	uint32_t idx;
};

/* Why the key: sorting ~100k-200k names by strcmp was about a tenth of a --btf/--map run's CPU;
 * the names are ordered by a radix sort on 8-byte big-endian chunks instead (sym_sort()). */
static uint64_t name_key(const char *s)
{
	uint64_t k = 0;
	unsigned i = 0;

	for (; i < 8 && s[i]; i++)
		k = k << 8 | (uint8_t)s[i];
	for (; i < 8; i++)
		k <<= 8; /* a shorter name sorts before its extensions, as with strcmp */
	return k;
}

/* Stable insertion sort of a short run whose names agree on their first `skip` bytes. */
static void sym_isort(struct symref *r, size_t n, size_t skip)
{
	for (size_t i = 1; i < n; i++) {
		struct symref x = r[i];
		size_t j = i;

		while (j > 0 && strcmp(r[j - 1].name + skip, x.name + skip) > 0) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = x;
	}
}

/*
 * Order r[0..n) as strcmp on the names, equal names by idx (the input order). r's keys hold
 * bytes [8*depth, 8*depth+8) of each name, and all names agree before that. A stable LSD radix
 * sort on the key (the input is in idx order, so stability keeps that order for equal names),
 * then each run of equal keys that is not the end of its names is sorted again on the next 8
 * bytes. Depth is bounded by the name length (IC_MAX_KSYM_NAME), not by input values.
 */
static void sym_sort(struct symref *r, struct symref *tmp, size_t n, unsigned depth)
{
	size_t cnt[256];

	if (n < 32 || depth > IC_MAX_KSYM_NAME / 8) {
		sym_isort(r, n, (size_t)depth * 8);
		return;
	}
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t sum = 0;
		bool moved = true;

		memset(cnt, 0, sizeof(cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(r[i].key >> shift) & 0xff]++;
		for (unsigned d = 0; d < 256; d++) {
			size_t c = cnt[d];

			if (c == n)
				moved = false; /* every key has this byte: the pass would not move anything */
			cnt[d] = sum;
			sum += c;
		}
		if (!moved)
			continue;
		for (size_t i = 0; i < n; i++)
			tmp[cnt[(r[i].key >> shift) & 0xff]++] = r[i];
		memcpy(r, tmp, n * sizeof(*r));
	}
	for (size_t i = 0; i < n;) {
		size_t e = i + 1;

		while (e < n && r[e].key == r[i].key)
			e++;
		/* a key whose last byte is 0 ends the names: they are equal, idx order stands */
		if (e - i > 1 && (r[i].key & 0xff)) {
			size_t off = (size_t)(depth + 1) * 8;

			for (size_t k = i; k < e; k++)
				r[k].key = name_key(r[k].name + off);
			sym_sort(r + i, tmp, e - i, depth + 1);
		}
		i = e;
	}
}

/* The symbols in output order (name, then input order) in *out (n + 1 entries, caller frees);
 * keys are the first 8 name bytes again. Reads only in->syms, so it may run on a thread. */
static int sym_order(const struct ic_isf_input *in, struct symref **out)
{
	const struct ic_symtab *syms = in->syms;
	size_t n = syms ? syms->n : 0;
	struct symref *r, *tmp;

	*out = NULL;
	if (n > IC_MAX_SYMBOLS)
		return -IC_ELIMIT;
	r = ic_reallocarray(NULL, n + 1, sizeof(*r));
	tmp = ic_reallocarray(NULL, n + 1, sizeof(*tmp));
	if (!r || !tmp) {
		free(r);
		free(tmp);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const char *nm = syms->syms[i].name ? syms->syms[i].name : "";

		r[i] = (struct symref){ name_key(nm), nm, (uint32_t)i };
	}
	sym_sort(r, tmp, n, 0);
	free(tmp);
	/* keys again from the name starts: the duplicate check of write_symbols compares them */
	for (size_t i = 0; i < n; i++)
		r[i].key = name_key(r[i].name);
	*out = r;
	return 0;
}

static int write_symbols(struct ic_isf_state *s, struct ic_json *j, const struct ic_isf_input *in,
			 const struct symref *r, struct ic_isf_stats *st)
{
	const struct ic_symtab *syms = in->syms;
	size_t n = syms ? syms->n : 0, out = 0;
	struct ic_typing *ty = NULL;
	struct ic_buf tb = { 0 };
	int err;

	if ((err = ic_typing__new(s, in->banner, in->banner_len, &ty)))
		goto out;
	ic_json_key(j, "symbols");
	ic_json_obj_begin(j);
	for (size_t i = 0; i < n; i++) {
		const struct ic_sym *sym;

		/* duplicates: the last entry of a name wins (dwarf2json does the same) */
		if (i + 1 < n && r[i].key == r[i + 1].key && !strcmp(r[i].name, r[i + 1].name))
			continue;
		if (!*r[i].name)
			continue;
		sym = &syms->syms[r[i].idx];
		tb.len = 0;
		if ((err = ic_typing__symbol(ty, sym->name, &tb, st)))
			goto out;
		ic_json_key(j, sym->name);
		ic_json_obj_begin(j);
		ic_json_key(j, "address");
		ic_json_u64(j, sym->addr);
		if (!strcmp(sym->name, "linux_banner") && in->banner && in->banner_len) {
			ic_json_key(j, "constant_data");
			ic_json_base64(j, in->banner, in->banner_len);
		}
		ic_json_key(j, "type");
		ic_json_raw(j, tb.p, tb.len);
		ic_json_obj_end(j);
		out++;
	}
	ic_json_obj_end(j);
	st->symbols = out;
	err = 0;
out:
	ic_typing__free(ty);
	free(tb.p);
	return err;
}

/* ---- metadata ---- */

static void write_item(struct ic_json *j, const struct ic_isf_source *src)
{
	ic_json_obj_begin(j);
	if (src->has_hash) {
		char hex[65];

		ic_hex(src->sha256, 32, hex);
		ic_json_key(j, "hash_type");
		ic_json_str(j, "sha256");
		ic_json_key(j, "hash_value");
		ic_json_str(j, hex);
	}
	if (src->kind) {
		ic_json_key(j, "kind");
		ic_json_str(j, src->kind);
	}
	if (src->name) {
		ic_json_key(j, "name");
		ic_json_str(j, src->name);
	}
	ic_json_obj_end(j);
}

static bool kind_ok(const char *kind)
{
	return !kind || !strcmp(kind, "dwarf") || !strcmp(kind, "symtab") ||
	       !strcmp(kind, "system-map");
}

static void write_metadata(struct ic_json *j, const struct ic_isf_input *in)
{
	ic_json_key(j, "metadata");
	ic_json_obj_begin(j);
	ic_json_key(j, "format");
	ic_json_str(j, "6.2.0");
	ic_json_key(j, "linux");
	ic_json_obj_begin(j);
	ic_json_key(j, "symbols");
	ic_json_arr_begin(j);
	for (size_t i = 0; i < IC_ARRAY_SIZE(in->syms_src); i++)
		if (in->syms_src[i].name)
			write_item(j, &in->syms_src[i]);
	ic_json_arr_end(j);
	ic_json_key(j, "types");
	ic_json_arr_begin(j);
	if (in->types_src.name)
		write_item(j, &in->types_src);
	ic_json_arr_end(j);
	ic_json_obj_end(j);
	ic_json_key(j, "producer");
	ic_json_obj_begin(j);
	ic_json_key(j, "name");
	ic_json_str(j, "isfcarve");
	ic_json_key(j, "version");
	ic_json_str(j, IC_VERSION_STRING);
	ic_json_key(j, "revision");
	ic_json_str(j, IC_ISF_REVISION_STRING);
	/* the symbol-type table the symbols were typed from: a profile stored in a symbols dir is
	 * reused only by a build with the same one (src/8-profile/profile.c) */
	ic_json_key(j, "symdb");
	ic_json_str(j, ic_symdb__id(ic_typing__arch(in->btf)));
	ic_json_obj_end(j);
	ic_json_obj_end(j);
}

/* ---- entry point ---- */

/*
 * Two threads (unless ctx->threads is 1): the symbol order is computed while the main thread
 * names the BTF types (or waits for ic_isf__ahead_start()'s names) and writes base_types and
 * enums; user_types (a third of the work, the last section) is rendered into a buffer on a
 * forked state (by the ahead thread, when there is one) while the main thread writes metadata
 * and symbols to the sink. The bytes are the same either way. Messages of the helper threads
 * are held and passed on after they end: the caller's print callback need not be thread-safe.
 */
struct held_msgs {
	struct ic_buf b; /* per message: level byte, text, NUL */
	bool oom;
};

static void hold_print(enum ic_log_level lvl, const char *msg, void *arg)
{
	struct held_msgs *h = arg;
	char l = (char)lvl;

	if (ic_buf_add(&h->b, &l, 1) || ic_buf_add(&h->b, msg, strlen(msg) + 1))
		h->oom = true;
}

static void release_msgs(const struct ic_ctx *ctx, struct held_msgs *h)
{
	for (size_t i = 0; i < h->b.len && ctx && ctx->print;) {
		const char *msg = h->b.p + i + 1;

		ctx->print((enum ic_log_level)h->b.p[i], msg, ctx->print_arg);
		i += 2 + strlen(msg);
	}
	if (h->oom)
		pr_warn(ctx, "isf: some messages lost (out of memory)");
	free(h->b.p);
}

struct order_job {
	const struct ic_isf_input *in;
	struct symref *r;
	int err;
};

static void *order_thread(void *arg)
{
	struct order_job *o = arg;

	o->err = sym_order(o->in, &o->r);
	return NULL;
}

struct types_job {
	struct ic_ctx ctx;       /* the caller's, printing into msgs */
	struct held_msgs msgs;
	struct ic_isf_state s;   /* fork of the main state */
	struct ic_json *j;
	struct ic_buf out;       /* the user_types value */
	size_t count;
	int err;
};

static int buf_sink_(void *arg, const void *p, size_t n)
{
	return ic_buf_add(arg, p, n);
}

static void *types_thread(void *arg)
{
	struct types_job *t = arg;

	/* user_types comes to ~1.2x the BTF's size (6.1: 4.4 MB of BTF, 5.2 MB of JSON): sized
	 * once, not by a doubling series of copies, each touching fresh pages */
	ic_buf_reserve(&t->out, ic_btf__size(t->s.btf) / 4 * 5);
	ic_json_init(t->j, buf_sink_, &t->out, 0);
	t->err = write_user_types(&t->s, t->j, &t->count);
	if (!t->err)
		t->err = ic_json_finish(t->j);
	return NULL;
}

static bool two_threads(const struct ic_ctx *ctx)
{
	return !ctx || ctx->threads != 1;
}

/*
 * ic_isf__ahead_start(): the BTF-only part (type names, then user_types) on a thread of its own,
 * started by the caller as soon as the BTF is known, so that it overlaps KASLR and the symbol
 * table. The writer waits only for the names (state_ready) before it types the symbols, and
 * for user_types at the end. Its messages are held like the types thread's.
 */
struct ic_isf_ahead {
	const struct ic_btf *btf;
	pthread_t t;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool state_ready;      /* under lock: s is initialised, or state_err says why not */
	int state_err;
	bool joined, used;
	struct ic_isf_state s; /* the writer's state once ready (its ctx is then the writer's) */
	struct types_job tj;   /* a fork of s rendering user_types */
};

static void *ahead_thread(void *arg)
{
	struct ic_isf_ahead *a = arg;
	int err = ic_isf_state_init(&a->s, &a->tj.ctx, a->btf);

	if (!err)
		err = ic_isf_state_fork(&a->tj.s, &a->s, &a->tj.ctx);
	pthread_mutex_lock(&a->lock);
	a->state_err = err;
	a->state_ready = true;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	if (!err)
		types_thread(&a->tj);
	return NULL;
}

struct ic_isf_ahead *ic_isf__ahead_start(const struct ic_ctx *ctx, const struct ic_btf *btf)
{
	struct ic_isf_ahead *a;

	if (!btf || !two_threads(ctx))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->btf = btf;
	if (ctx)
		a->tj.ctx = *ctx;
	a->tj.ctx.print = hold_print;
	a->tj.ctx.print_arg = &a->tj.msgs;
	a->tj.j = malloc(sizeof(*a->tj.j));
	if (!a->tj.j || pthread_mutex_init(&a->lock, NULL)) {
		free(a->tj.j);
		free(a);
		return NULL;
	}
	if (pthread_cond_init(&a->cond, NULL)) {
		pthread_mutex_destroy(&a->lock);
		free(a->tj.j);
		free(a);
		return NULL;
	}
	if (pthread_create(&a->t, NULL, ahead_thread, a)) {
		pthread_cond_destroy(&a->cond);
		pthread_mutex_destroy(&a->lock);
		free(a->tj.j);
		free(a);
		return NULL;
	}
	return a;
}

void ic_isf__ahead_free(struct ic_isf_ahead *a)
{
	if (!a)
		return;
	if (!a->joined)
		pthread_join(a->t, NULL);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	free(a->tj.msgs.b.p); /* held messages of an ISF never written: dropped */
	ic_isf_state_free(&a->tj.s);
	free(a->tj.out.p);
	free(a->tj.j);
	ic_isf_state_free(&a->s);
	free(a);
}

/* Wait for the ahead thread's type names; 0 or its error. */
static int ahead_state(struct ic_isf_ahead *a)
{
	pthread_mutex_lock(&a->lock);
	while (!a->state_ready)
		pthread_cond_wait(&a->cond, &a->lock);
	pthread_mutex_unlock(&a->lock);
	return a->state_err;
}

static int write_all(const struct ic_ctx *ctx, const struct ic_isf_input *in, ic_sink_fn sink,
		     void *arg, struct ic_isf_stats *st)
{
	struct ic_isf_ahead *ah = in->ahead && in->ahead->btf == in->btf && !in->ahead->used ?
				  in->ahead : NULL;
	struct ic_isf_state own, *s = &own;
	struct ic_json *j = malloc(sizeof(*j));
	unsigned ptr = in->ptr_size ? in->ptr_size : ic_btf__ptr_size(in->btf);
	const char *endian = ic_btf__big_endian(in->btf) ? "big" : "little";
	struct order_job oj = { .in = in };
	struct types_job *tj = NULL;
	pthread_t ot, tt;
	bool ot_run = false, tt_run = false;
	int err;

	memset(&own, 0, sizeof(own));
	if (!j)
		return -ENOMEM;
	if (ah)
		ah->used = true; /* its user_types text is taken once */
	if (two_threads(ctx))
		ot_run = !pthread_create(&ot, NULL, order_thread, &oj);
	if (ah) {
		err = ahead_state(ah);
		s = &ah->s;
		s->ctx = ctx; /* the symbols are typed here, printing as the caller's thread */
	} else {
		err = ic_isf_state_init(s, ctx, in->btf);
	}
	if (err)
		goto out;
	if (ah) {
		tj = &ah->tj;
		tt_run = true; /* started with the names */
	} else if (two_threads(ctx)) {
		tj = calloc(1, sizeof(*tj));
		if (tj) {
			if (ctx)
				tj->ctx = *ctx;
			tj->ctx.print = hold_print;
			tj->ctx.print_arg = &tj->msgs;
			tj->j = malloc(sizeof(*tj->j));
			/* no thread is no error: the main thread then writes user_types itself */
			tt_run = tj->j && !ic_isf_state_fork(&tj->s, s, &tj->ctx) &&
				 !pthread_create(&tt, NULL, types_thread, tj);
		}
	}
	ic_json_init(j, sink, arg, 0);
	ic_json_obj_begin(j);
	err = write_base_types(s, j, ptr, endian, &st->base_types);
	err = err ?: write_enums(s, j, &st->enums);
	if (!err)
		write_metadata(j, in);
	/* the symbol order was being computed meanwhile */
	if (ot_run) {
		pthread_join(ot, NULL);
		ot_run = false;
	} else {
		oj.err = sym_order(in, &oj.r);
	}
	err = err ?: oj.err;
	err = err ?: write_symbols(s, j, in, oj.r, st);
	if (tt_run) {
		if (ah) {
			pthread_join(ah->t, NULL);
			ah->joined = true;
		} else {
			pthread_join(tt, NULL);
		}
		release_msgs(ctx, &tj->msgs);
		tj->msgs.b.p = NULL;
		err = err ?: tj->err;
		if (!err) {
			ic_json_key(j, "user_types");
			ic_json_raw(j, tj->out.p, tj->out.len);
			st->user_types = tj->count;
		}
	} else if (!err) {
		ic_json_key(j, "user_types");
		err = write_user_types(s, j, &st->user_types);
	}
	ic_json_obj_end(j);
	if (!err)
		err = ic_json_finish(j);
	st->bytes = j->written;
out:
	if (ot_run)
		pthread_join(ot, NULL);
	if (tj && !ah) {
		free(tj->msgs.b.p);
		ic_isf_state_free(&tj->s);
		free(tj->out.p);
		free(tj->j);
		free(tj);
	}
	if (ah && !ah->joined) {
		/* failed before user_types: the thread's messages are still held, then dropped */
		pthread_join(ah->t, NULL);
		ah->joined = true;
	}
	free(oj.r);
	ic_isf_state_free(&own);
	free(j);
	return err;
}

int ic_isf__write_sink(const struct ic_ctx *ctx, const struct ic_isf_input *in, ic_sink_fn sink,
		       void *arg, struct ic_isf_stats *stats)
{
	struct ic_isf_stats st;

	memset(&st, 0, sizeof(st));
	if (!in || !in->btf)
		return -EINVAL;
	for (size_t i = 0; i < IC_ARRAY_SIZE(in->syms_src); i++)
		if (!kind_ok(in->syms_src[i].kind))
			return -EINVAL;
	if (!kind_ok(in->types_src.kind))
		return -EINVAL;
	if (in->banner_len > IC_MAX_BANNER_LEN)
		return -IC_ELIMIT;
	{
		int err = write_all(ctx, in, sink, arg, &st);

		if (stats)
			*stats = st;
		return err;
	}
}

int ic_isf__write(const struct ic_ctx *ctx, const struct ic_isf_input *in, const char *path,
		  struct ic_isf_stats *stats)
{
	struct ic_out *o = NULL;
	int err = ic_out__open(ctx, path, &o);

	if (err)
		return err;
	err = ic_isf__write_sink(ctx, in, ic_out__sink, o, stats);
	if (err) {
		pr_warn(ctx, "%s: ISF not written: %s", path, ic_strerror(err));
		ic_out__abort(o);
		return err;
	}
	err = ic_out__commit(o);
	if (!err)
		pr_info(ctx, "%s: ISF written (%" PRIu64 " bytes of JSON)", path,
			(uint64_t)(stats ? stats->bytes : 0));
	return err;
}
