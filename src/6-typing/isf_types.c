/* SPDX-License-Identifier: MIT */
/* ISF type side: name maps, memoised BTF -> ISF descriptors. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isf_int.h"
#include "0-base/ic_limits.h"

/* ---- small containers ---- */

int ic_buf_reserve(struct ic_buf *b, size_t n)
{
	char *np;

	if (n <= b->cap)
		return 0;
	np = realloc(b->p, n);
	if (!np)
		return -ENOMEM;
	b->p = np;
	b->cap = n;
	return 0;
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

int ic_isf_kind_name_desc(struct ic_isf_state *s, struct ic_buf *b, const char *kind,
			  const char *name)
{
	int err = buf_str(b, "{\"kind\":\"");

	err = err ?: buf_str(b, kind);
	err = err ?: buf_str(b, "\",\"name\":");
	err = err ?: buf_jstr(s, b, name);
	err = err ?: buf_str(b, "}");
	return err;
}

int ic_isf_wrap_pointer(struct ic_buf *b, const char *inner, size_t n)
{
	int err = buf_str(b, "{\"kind\":\"pointer\",\"subtype\":");

	err = err ?: ic_buf_add(b, inner, n);
	err = err ?: buf_str(b, "}");
	return err;
}

int ic_isf_wrap_array(struct ic_buf *b, uint64_t count, const char *inner, size_t n)
{
	char num[48];
	int err;

	snprintf(num, sizeof(num), "{\"count\":%" PRIu64 ",", (uint64_t)count);
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
		return ic_isf_kind_name_desc(s, b, "base", ic_btf__str(s->btf, t[0]));
	case IC_BTF_PTR:
		if (ic_btf__kind(s->btf, ic_btf__skip(s->btf, t[2], true)) == IC_BTF_FUNC_PROTO)
			return ic_isf_wrap_pointer(b, DESC_FUNC, sizeof(DESC_FUNC) - 1);
		if ((err = ic_isf_desc(s, t[2], &inner, &n)))
			return err;
		return ic_isf_wrap_pointer(b, inner, n);
	case IC_BTF_ARRAY:
		if ((err = ic_isf_desc(s, t[3], &inner, &n)))
			return err;
		return ic_isf_wrap_array(b, t[5], inner, n);
	case IC_BTF_STRUCT: case IC_BTF_UNION:
		return ic_isf_kind_name_desc(s, b, ic_btf_kind(t[1]) == IC_BTF_STRUCT ? "struct" : "union",
				      s->uname[id]);
	case IC_BTF_ENUM: case IC_BTF_ENUM64:
		return ic_isf_kind_name_desc(s, b, "enum", s->uname[id]);
	case IC_BTF_FWD:
		return ic_isf_kind_name_desc(s, b, ic_btf_kflag(t[1]) ? "union" : "struct",
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

		err = ic_isf_kind_name_desc(s, &b, un ? "union" : "struct", s->alias[id]);
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
