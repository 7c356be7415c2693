// SPDX-License-Identifier: MIT
/* Parser and formatter of symdb type expressions (C abstract declarators over GCC base names). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "isfcarve/error.h"
#include "isfcarve/symdb.h"

/* The spellings GCC writes into DWARF (and dwarf2json into ISF base_types); rows must use these so
 * that a writer can emit them unchanged. */
static const char *const base_names[] = {
	"void",          "char",          "signed char",       "unsigned char",
	"short int",     "short unsigned int", "int",          "unsigned int",
	"long int",      "long unsigned int",  "long long int", "long long unsigned int",
	"_Bool",         "__int128",      "__int128 unsigned", "float",
	"double",        "long double",
};

/* Words that can only be part of a base name, so "unsigned" alone is an error, not a typedef. */
static const char *const base_words[] = {
	"void", "char", "signed", "unsigned", "short", "int", "long", "_Bool", "__int128", "float", "double",
};

struct te_cur {
	const char *s;
	size_t len, i;
};

static bool is_id_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_id_char(char c)
{
	return is_id_start(c) || (c >= '0' && c <= '9');
}

static void skip_ws(struct te_cur *c)
{
	while (c->i < c->len && c->s[c->i] == ' ')
		c->i++;
}

static size_t ident_len(const struct te_cur *c)
{
	size_t n = 0;

	if (c->i >= c->len || !is_id_start(c->s[c->i]))
		return 0;
	while (c->i + n < c->len && is_id_char(c->s[c->i + n]))
		n++;
	return n;
}

static bool word_is(const char *w, size_t n, const char *kw)
{
	return strlen(kw) == n && memcmp(w, kw, n) == 0;
}

bool ic_typeexpr__is_base_name(const char *name, size_t len)
{
	for (size_t k = 0; k < sizeof(base_names) / sizeof(base_names[0]); k++)
		if (word_is(name, len, base_names[k]))
			return true;
	return false;
}

static bool is_base_word(const char *w, size_t n)
{
	for (size_t k = 0; k < sizeof(base_words) / sizeof(base_words[0]); k++)
		if (word_is(w, n, base_words[k]))
			return true;
	return false;
}

/* "{a,b,c}" after struct/union/enum: names separated by single commas, no spaces. */
static int parse_members(struct te_cur *c, struct ic_typeexpr *te)
{
	size_t start;

	c->i++; /* '{' */
	start = c->i;
	for (;;) {
		size_t n = ident_len(c);

		if (!n)
			break;
		c->i += n;
		if (c->i < c->len && c->s[c->i] == ',') {
			c->i++;
			continue;
		}
		break;
	}
	if (c->i >= c->len || c->s[c->i] != '}')
		return -IC_EFORMAT;
	/* "{}" and "{a,}" are not allowed: a trailing comma leaves an empty name. */
	if (c->i == start || c->s[c->i - 1] == ',')
		return -IC_EFORMAT;
	te->members = c->s + start;
	te->members_len = c->i - start;
	te->anon = true;
	c->i++;
	return 0;
}

static int parse_base(struct te_cur *c, struct ic_typeexpr *te)
{
	size_t n = ident_len(c);
	const char *w = c->s + c->i;

	if (!n)
		return -IC_EFORMAT;
	if (word_is(w, n, "struct") || word_is(w, n, "union") || word_is(w, n, "enum")) {
		te->kind = w[0] == 's' ? IC_TE_STRUCT : w[0] == 'u' ? IC_TE_UNION : IC_TE_ENUM;
		c->i += n;
		if (c->i >= c->len || c->s[c->i] != ' ')
			return -IC_EFORMAT;
		skip_ws(c);
		if (c->i < c->len && c->s[c->i] == '{')
			return parse_members(c, te);
		n = ident_len(c);
		if (!n)
			return -IC_EFORMAT;
		te->name = c->s + c->i;
		te->name_len = n;
		c->i += n;
		return 0;
	}
	if (word_is(w, n, "func")) {
		te->kind = IC_TE_FUNC;
		te->name = w;
		te->name_len = n;
		c->i += n;
		return 0;
	}
	if (!is_base_word(w, n)) {
		te->kind = IC_TE_TYPEDEF;
		te->name = w;
		te->name_len = n;
		c->i += n;
		return 0;
	}
	/* Multi-word base name: words separated by single spaces, then checked as a whole. */
	te->kind = IC_TE_BASE;
	te->name = w;
	for (;;) {
		size_t save = c->i + n, m;
		struct te_cur peek;

		c->i = save;
		if (c->i >= c->len || c->s[c->i] != ' ')
			break;
		peek = *c;
		peek.i++;
		m = ident_len(&peek);
		if (!m || !is_base_word(peek.s + peek.i, m))
			break;
		c->i = peek.i;
		n = m;
	}
	te->name_len = (size_t)(c->s + c->i - w);
	if (!ic_typeexpr__is_base_name(te->name, te->name_len))
		return -IC_EFORMAT;
	return 0;
}

static int add_step(struct ic_te_step *steps, unsigned *n, enum ic_te_op op, uint32_t count)
{
	if (*n >= IC_TYPEEXPR_MAX_STEPS)
		return -IC_ELIMIT;
	steps[*n].op = op;
	steps[*n].count = count;
	(*n)++;
	return 0;
}

/* decl := "*"* [ "(" decl ")" ] suffix*. Steps come out outermost first: the parenthesised inner
 * declarator binds first, then the array suffixes, then the leading pointers. */
static int parse_decl(struct te_cur *c, struct ic_te_step *out, unsigned *nout, unsigned depth)
{
	struct ic_te_step inner[IC_TYPEEXPR_MAX_STEPS], suffix[IC_TYPEEXPR_MAX_STEPS];
	unsigned ninner = 0, nsuffix = 0, nptr = 0;
	int err;

	if (depth > IC_TYPEEXPR_MAX_STEPS)
		return -IC_ELIMIT;
	skip_ws(c);
	while (c->i < c->len && c->s[c->i] == '*') {
		nptr++;
		c->i++;
		skip_ws(c);
	}
	if (c->i < c->len && c->s[c->i] == '(') {
		c->i++;
		err = parse_decl(c, inner, &ninner, depth + 1);
		if (err)
			return err;
		skip_ws(c);
		/* "()" would be a function declarator, which the notation spells "func". */
		if (c->i >= c->len || c->s[c->i] != ')' || ninner == 0)
			return -IC_EFORMAT;
		c->i++;
	}
	while (c->i < c->len && c->s[c->i] == '[') {
		uint64_t v = 0;
		size_t digits = 0;

		c->i++;
		while (c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
			v = v * 10 + (uint64_t)(c->s[c->i] - '0');
			if (v > UINT32_MAX)
				return -IC_ELIMIT;
			digits++;
			c->i++;
		}
		if (digits > 1 && c->s[c->i - digits] == '0')
			return -IC_EFORMAT; /* one spelling per value */
		if (c->i >= c->len || c->s[c->i] != ']')
			return -IC_EFORMAT;
		c->i++;
		err = add_step(suffix, &nsuffix, IC_TE_ARRAY, (uint32_t)v);
		if (err)
			return err;
	}
	*nout = 0;
	for (unsigned k = 0; k < ninner; k++)
		if ((err = add_step(out, nout, inner[k].op, inner[k].count)))
			return err;
	for (unsigned k = 0; k < nsuffix; k++)
		if ((err = add_step(out, nout, IC_TE_ARRAY, suffix[k].count)))
			return err;
	for (unsigned k = 0; k < nptr; k++)
		if ((err = add_step(out, nout, IC_TE_PTR, 0)))
			return err;
	return 0;
}

int ic_typeexpr__parse(const char *s, size_t len, struct ic_typeexpr *te)
{
	struct te_cur c = { .s = s, .len = len, .i = 0 };
	int err;

	memset(te, 0, sizeof(*te));
	if (!s || len == 0)
		return -IC_EFORMAT;
	if (len > IC_TYPEEXPR_MAX_LEN)
		return -IC_ELIMIT;
	if ((err = parse_base(&c, te)))
		return err;
	if ((err = parse_decl(&c, te->steps, &te->nsteps, 0)))
		return err;
	skip_ws(&c);
	if (c.i != len)
		return -IC_EFORMAT;
	for (unsigned k = 0; k < te->nsteps; k++) {
		if (te->steps[k].op == IC_TE_PTR)
			te->ptr_depth++;
		else
			te->ndims++;
	}
	/* A bare function or void has no size: only pointers to them are real object types, except
	 * that dwarf2json types function symbols as void, so a bare "void" stays legal. */
	if (te->kind == IC_TE_FUNC && (te->nsteps == 0 || te->steps[te->nsteps - 1].op != IC_TE_PTR))
		return -IC_EFORMAT;
	return 0;
}

struct te_buf {
	char *p;
	size_t n, len;
};

static void put(struct te_buf *b, const char *s, size_t n)
{
	/* Copy what fits (leaving room for the NUL) so a truncated result is a prefix. */
	if (b->len + 1 < b->n) {
		size_t room = b->n - 1 - b->len;

		memcpy(b->p + b->len, s, n < room ? n : room);
	}
	b->len += n;
}

int ic_typeexpr__format(const struct ic_typeexpr *te, char *buf, size_t n)
{
	/* Declarator built from the outermost step inwards; a pointer step wraps the text so far
	 * with '*', an array after a pointer needs parentheses ("(*)[4]"). */
	char decl[IC_TYPEEXPR_MAX_STEPS * 16 + 8], tmp[sizeof(decl)];
	size_t dl = 0;
	struct te_buf b = { .p = buf, .n = n, .len = 0 };

	decl[0] = '\0';
	for (unsigned k = 0; k < te->nsteps && k < IC_TYPEEXPR_MAX_STEPS; k++) {
		int w;

		if (te->steps[k].op == IC_TE_PTR) {
			w = snprintf(tmp, sizeof(tmp), "*%s", decl);
		} else if (dl && decl[0] == '*') {
			if (te->steps[k].count)
				w = snprintf(tmp, sizeof(tmp), "(%s)[%u]", decl, te->steps[k].count);
			else
				w = snprintf(tmp, sizeof(tmp), "(%s)[]", decl);
		} else if (te->steps[k].count) {
			w = snprintf(tmp, sizeof(tmp), "%s[%u]", decl, te->steps[k].count);
		} else {
			w = snprintf(tmp, sizeof(tmp), "%s[]", decl);
		}
		if (w < 0 || (size_t)w >= sizeof(tmp))
			return -IC_ETRUNC;
		memcpy(decl, tmp, (size_t)w + 1);
		dl = (size_t)w;
	}
	switch (te->kind) {
	case IC_TE_STRUCT: put(&b, "struct ", 7); break;
	case IC_TE_UNION: put(&b, "union ", 6); break;
	case IC_TE_ENUM: put(&b, "enum ", 5); break;
	default: break;
	}
	if (te->anon) {
		put(&b, "{", 1);
		put(&b, te->members, te->members_len);
		put(&b, "}", 1);
	} else {
		put(&b, te->name, te->name_len);
	}
	if (dl && (decl[0] == '*' || decl[0] == '('))
		put(&b, " ", 1);
	put(&b, decl, dl);
	if (n)
		buf[b.len < n ? b.len : n - 1] = '\0';
	if (b.len >= n)
		return -IC_ETRUNC;
	return (int)b.len;
}

bool ic_typeexpr__next_member(const struct ic_typeexpr *te, size_t *pos, const char **name, size_t *len)
{
	size_t i = *pos, j;

	if (!te->anon || i >= te->members_len)
		return false;
	for (j = i; j < te->members_len && te->members[j] != ','; j++)
		;
	*name = te->members + i;
	*len = j - i;
	*pos = j + 1;
	return true;
}
