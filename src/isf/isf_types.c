/* SPDX-License-Identifier: MIT */
/* ISF type side: name maps, memoised BTF -> ISF descriptors, C type-expression resolver. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isf_int.h"
#include "ic_limits.h"

/* ---- small containers ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ull;
	return h;
}

int ic_strmap_init(struct ic_strmap *m, size_t expect)
{
	size_t cap = 64;

	while (cap < expect * 2)
		cap *= 2;
	m->keys = calloc(cap, sizeof(*m->keys));
	m->vals = calloc(cap, sizeof(*m->vals));
	m->cap = cap;
	m->n = 0;
	if (!m->keys || !m->vals) {
		ic_strmap_free(m);
		return -ENOMEM;
	}
	return 0;
}

void ic_strmap_free(struct ic_strmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->n = 0;
}

static int strmap_grow(struct ic_strmap *m)
{
	struct ic_strmap nm;
	int err = ic_strmap_init(&nm, m->cap);

	if (err)
		return err;
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			ic_strmap_add(&nm, m->keys[i], m->vals[i]);
	ic_strmap_free(m);
	*m = nm;
	return 0;
}

int ic_strmap_add(struct ic_strmap *m, const char *key, uint32_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		int err = strmap_grow(m);
		if (err)
			return err;
	}
	for (i = hash_str(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key))
			return 0;
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 1;
}

bool ic_strmap_get(const struct ic_strmap *m, const char *key, uint32_t *val)
{
	if (!m->cap)
		return false;
	for (size_t i = hash_str(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key)) {
			if (val)
				*val = m->vals[i];
			return true;
		}
	return false;
}

int ic_buf_add(struct ic_buf *b, const void *p, size_t n)
{
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (n > cap - b->len) {
			if (cap > SIZE_MAX / 2)
				return -ENOMEM;
			cap *= 2;
		}
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int buf_str(struct ic_buf *b, const char *s)
{
	return ic_buf_add(b, s, strlen(s));
}

static int buf_sink(void *arg, const void *p, size_t n)
{
	return ic_buf_add(arg, p, n);
}

/* A JSON string literal for name (escaped exactly as the main writer would). */
static int buf_jstr(struct ic_isf_state *s, struct ic_buf *b, const char *name)
{
	ic_json_init(s->tmp, buf_sink, b, 0);
	ic_json_str(s->tmp, name);
	return ic_json_finish(s->tmp);
}

/* ---- descriptors ---- */

static int kind_name_desc(struct ic_isf_state *s, struct ic_buf *b, const char *kind,
			  const char *name)
{
	int err = buf_str(b, "{\"kind\":\"");

	err = err ?: buf_str(b, kind);
	err = err ?: buf_str(b, "\",\"name\":");
	err = err ?: buf_jstr(s, b, name);
	err = err ?: buf_str(b, "}");
	return err;
}

static int wrap_pointer(struct ic_buf *b, const char *inner, size_t n)
{
	int err = buf_str(b, "{\"kind\":\"pointer\",\"subtype\":");

	err = err ?: ic_buf_add(b, inner, n);
	err = err ?: buf_str(b, "}");
	return err;
}

static int wrap_array(struct ic_buf *b, uint64_t count, const char *inner, size_t n)
{
	char num[48];
	int err;

	snprintf(num, sizeof(num), "{\"count\":%llu,", (unsigned long long)count);
	err = buf_str(b, num);
	err = err ?: buf_str(b, "\"kind\":\"array\",\"subtype\":");
	err = err ?: ic_buf_add(b, inner, n);
	err = err ?: buf_str(b, "}");
	return err;
}

static const char DESC_VOID[] = "{\"kind\":\"base\",\"name\":\"void\"}";
static const char DESC_FUNC[] = "{\"kind\":\"function\"}";

/* Render one descriptor into s->descs (children must already be rendered). */
static int render(struct ic_isf_state *s, uint32_t id, struct ic_buf *b)
{
	const uint32_t *t = ic_btf__rec(s->btf, id);
	const char *inner;
	size_t n;
	int err;

	if (!t)
		return buf_str(b, DESC_VOID);
	switch (ic_btf_kind(t[1])) {
	case IC_BTF_INT: case IC_BTF_FLOAT:
		return kind_name_desc(s, b, "base", ic_btf__str(s->btf, t[0]));
	case IC_BTF_PTR:
		if (ic_btf__kind(s->btf, ic_btf__skip(s->btf, t[2], true)) == IC_BTF_FUNC_PROTO)
			return wrap_pointer(b, DESC_FUNC, sizeof(DESC_FUNC) - 1);
		if ((err = ic_isf_desc(s, t[2], &inner, &n)))
			return err;
		return wrap_pointer(b, inner, n);
	case IC_BTF_ARRAY:
		if ((err = ic_isf_desc(s, t[3], &inner, &n)))
			return err;
		return wrap_array(b, t[5], inner, n);
	case IC_BTF_STRUCT: case IC_BTF_UNION:
		return kind_name_desc(s, b, ic_btf_kind(t[1]) == IC_BTF_STRUCT ? "struct" : "union",
				      s->uname[id]);
	case IC_BTF_ENUM: case IC_BTF_ENUM64:
		return kind_name_desc(s, b, "enum", s->uname[id]);
	case IC_BTF_FWD:
		return kind_name_desc(s, b, ic_btf_kflag(t[1]) ? "union" : "struct",
				      ic_btf__str(s->btf, t[0]));
	case IC_BTF_FUNC_PROTO:
		return buf_str(b, DESC_FUNC);
	default:
		return buf_str(b, DESC_VOID);
	}
}

/* Kinds whose descriptor is the descriptor of what they reference. */
static uint32_t transparent_target(struct ic_isf_state *s, uint32_t id)
{
	const uint32_t *t = ic_btf__rec(s->btf, id);

	if (!t)
		return IC_NO_DESC;
	switch (ic_btf_kind(t[1])) {
	case IC_BTF_CONST: case IC_BTF_VOLATILE: case IC_BTF_RESTRICT: case IC_BTF_TYPE_TAG:
		return t[2];
	case IC_BTF_TYPEDEF:
		/* dwarf2json: a typedef directly over a struct/union names it; anything else is
		 * transparent */
		return s->alias[id] ? IC_NO_DESC : t[2];
	default:
		return IC_NO_DESC;
	}
}

int ic_isf_desc(struct ic_isf_state *s, uint32_t id, const char **txt, size_t *len)
{
	uint32_t tgt;
	size_t start;
	int err;

	if (id == 0 || id > s->nr) {
		*txt = DESC_VOID;
		*len = sizeof(DESC_VOID) - 1;
		return 0;
	}
	if (s->desc_off[id] != IC_NO_DESC) {
		*txt = s->descs.p + s->desc_off[id];
		*len = s->desc_len[id];
		return 0;
	}
	/* Chains are bounded (IC_MAX_BTF_CHAIN), so this recursion is too. */
	tgt = transparent_target(s, id);
	if (tgt != IC_NO_DESC) {
		if ((err = ic_isf_desc(s, tgt, txt, len)))
			return err;
		if (tgt != 0 && tgt <= s->nr) {
			s->desc_off[id] = s->desc_off[tgt];
			s->desc_len[id] = s->desc_len[tgt];
		}
		return 0;
	}
	if (ic_btf__kind(s->btf, id) == IC_BTF_TYPEDEF) {
		const uint32_t *t = ic_btf__rec(s->btf, id);
		unsigned k = ic_btf__kind(s->btf, t[2]);
		bool un = k == IC_BTF_UNION ||
			  (k == IC_BTF_FWD && ic_btf_kflag(ic_btf__rec(s->btf, t[2])[1]));
		struct ic_buf b = { 0 };

		err = kind_name_desc(s, &b, un ? "union" : "struct", s->alias[id]);
		if (!err) {
			start = s->descs.len;
			err = ic_buf_add(&s->descs, b.p, b.len);
		}
		free(b.p);
		if (err)
			return err;
	} else {
		/* render children first: they append to descs themselves */
		struct ic_buf b = { 0 };

		err = render(s, id, &b);
		if (!err) {
			start = s->descs.len;
			err = ic_buf_add(&s->descs, b.p, b.len);
		}
		free(b.p);
		if (err)
			return err;
	}
	if (s->descs.len > UINT32_MAX)
		return -IC_ELIMIT;
	s->desc_off[id] = (uint32_t)start;
	s->desc_len[id] = (uint32_t)(s->descs.len - start);
	*txt = s->descs.p + start;
	*len = s->desc_len[id];
	return 0;
}

/* ---- type expressions ---- */

/* C spellings -> the GCC DWARF names BTF carries. */
static const char *const spellings[][2] = {
	{ "unsigned", "unsigned int" },
	{ "signed", "int" },
	{ "signed int", "int" },
	{ "unsigned long", "long unsigned int" },
	{ "unsigned long int", "long unsigned int" },
	{ "long", "long int" },
	{ "signed long", "long int" },
	{ "long unsigned", "long unsigned int" },
	{ "unsigned long long", "long long unsigned int" },
	{ "long long", "long long int" },
	{ "short", "short int" },
	{ "unsigned short", "short unsigned int" },
	{ "bool", "_Bool" },
};

/* Base type names the writer always emits (see isf.c), usable even if BTF lacks them. */
static const char *const always_base[] = {
	"int", "unsigned int", "char", "unsigned char", "signed char", "_Bool", "short int",
	"short unsigned int", "long int", "long unsigned int", "long long int",
	"long long unsigned int", "void",
};

static void squeeze(char *d, size_t dn, const char *s, size_t n)
{
	size_t o = 0;
	bool sp = false;

	for (size_t i = 0; i < n && o + 1 < dn; i++) {
		if (isspace((unsigned char)s[i])) {
			sp = o > 0;
			continue;
		}
		if (sp && o + 2 < dn)
			d[o++] = ' ';
		sp = false;
		d[o++] = s[i];
	}
	d[o] = '\0';
}

/* Does member i of record r carry the name in [p, p+n)? */
static bool member_is(const struct ic_btf *btf, const uint32_t *r, uint32_t i, const char *p,
		      size_t n)
{
	const char *m = ic_btf__str(btf, r[3 + 3 * i]);

	return strlen(m) == n && !memcmp(m, p, n);
}

/* "struct {seq,timekeeper}" (symdb notation): the one anonymous struct/union whose members
 * have exactly these names in this order. Several different matches = not found. */
static int anon_desc(struct ic_isf_state *s, const char *base, struct ic_buf *out)
{
	const struct ic_btf *btf = s->btf;
	unsigned want = base[0] == 'u' ? IC_BTF_UNION : IC_BTF_STRUCT;
	const char *list = strchr(base, '{') + 1, *end = strchr(list, '}');
	uint32_t found = 0, nnames = 1;
	const char *txt;
	size_t n;

	if (!end || end[1])
		return -IC_EFORMAT;
	for (const char *p = list; p < end; p++)
		nnames += *p == ',';
	for (uint32_t id = 1; id <= s->nr; id++) {
		const uint32_t *r = ic_btf__rec(btf, id);
		const char *p = list;
		uint32_t i;

		if (ic_btf_kind(r[1]) != want || r[0] || ic_btf_vlen(r[1]) != nnames)
			continue;
		for (i = 0; i < nnames; i++) {
			const char *q = p;

			while (q < end && *q != ',')
				q++;
			while (p < q && *p == ' ')
				p++;
			if (!member_is(btf, r, i, p, (size_t)(q - p)))
				break;
			p = q + 1;
		}
		if (i < nnames)
			continue;
		if (found)
			return -IC_ENOTFOUND; /* ambiguous: do not guess */
		found = id;
	}
	if (!found)
		return -IC_ENOTFOUND;
	{
		int err = ic_isf_desc(s, found, &txt, &n);
		return err ?: ic_buf_add(out, txt, n);
	}
}

/* Base of an expression (no '*' or '[') -> descriptor text appended to out. */
static int base_desc(struct ic_isf_state *s, const char *base, struct ic_buf *out)
{
	const char *txt;
	size_t n;
	uint32_t id;

	if (!strncmp(base, "const ", 6))
		base += 6;
	if (!strncmp(base, "volatile ", 9))
		base += 9;
	if (!strncmp(base, "struct {", 8) || !strncmp(base, "union {", 7))
		return anon_desc(s, base, out);
	if (!strncmp(base, "struct ", 7) || !strncmp(base, "union ", 6)) {
		bool is_union = base[0] == 'u';
		const char *nm = base + (is_union ? 6 : 7);

		if (!ic_strmap_get(&s->utypes, nm, &id))
			return -IC_ENOTFOUND;
		return kind_name_desc(s, out, ic_btf__kind(s->btf, id) == IC_BTF_UNION ? "union"
										       : "struct", nm);
	}
	if (!strncmp(base, "enum ", 5)) {
		if (!ic_strmap_get(&s->enums, base + 5, NULL))
			return -IC_ENOTFOUND;
		return kind_name_desc(s, out, "enum", base + 5);
	}
	for (size_t i = 0; i < IC_ARRAY_SIZE(spellings); i++)
		if (!strcmp(base, spellings[i][0]) && !ic_strmap_get(&s->ints, base, NULL)) {
			base = spellings[i][1];
			break;
		}
	if (ic_strmap_get(&s->ints, base, &id) ||
	    ic_strmap_get(&s->tdefs, base, &id)) {
		int err = ic_isf_desc(s, id, &txt, &n);
		return err ?: ic_buf_add(out, txt, n);
	}
	for (size_t i = 0; i < IC_ARRAY_SIZE(always_base); i++)
		if (!strcmp(base, always_base[i]))
			return kind_name_desc(s, out, "base", base);
	return -IC_ENOTFOUND;
}

int ic_isf_desc_expr(struct ic_isf_state *s, const char *expr, struct ic_buf *out)
{
	char base[256];
	uint64_t counts[8];
	unsigned ndims = 0, ptrs = 0;
	const char *br = strchr(expr, '['), *end;
	struct ic_buf a = { 0 }, b = { 0 };
	int err;

	end = br ? br : expr + strlen(expr);
	/* arrays: [N] or [] */
	for (const char *p = br; p && *p;) {
		char *e;
		unsigned long long v = 0;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (*p != '[' || ndims == IC_ARRAY_SIZE(counts))
			return -IC_EFORMAT;
		p++;
		if (*p == ']') {
			v = 0;
			e = (char *)p;
		} else {
			if (!isdigit((unsigned char)*p))
				return -IC_EFORMAT;
			v = strtoull(p, &e, 0);
		}
		if (*e != ']')
			return -IC_EFORMAT;
		counts[ndims++] = v;
		p = e + 1;
	}
	/* pointers: trailing '*' of the part before '[' */
	while (end > expr && (isspace((unsigned char)end[-1]) || end[-1] == '*')) {
		if (end[-1] == '*')
			ptrs++;
		end--;
	}
	if (end == expr || (size_t)(end - expr) >= sizeof(base) || ptrs > IC_MAX_BTF_CHAIN)
		return -IC_EFORMAT;
	squeeze(base, sizeof(base), expr, (size_t)(end - expr));
	if ((err = base_desc(s, base, &a)))
		goto out;
	for (unsigned i = 0; i < ptrs; i++) {
		b.len = 0;
		if ((err = wrap_pointer(&b, a.p, a.len)))
			goto out;
		a.len = 0;
		if ((err = ic_buf_add(&a, b.p, b.len)))
			goto out;
	}
	/* T x[a][b]: array a of array b of T: wrap innermost (last) first */
	for (unsigned i = ndims; i-- > 0;) {
		b.len = 0;
		if ((err = wrap_array(&b, counts[i], a.p, a.len)))
			goto out;
		a.len = 0;
		if ((err = ic_buf_add(&a, b.p, b.len)))
			goto out;
	}
	err = ic_buf_add(out, a.p, a.len);
out:
	free(a.p);
	free(b.p);
	return err;
}
