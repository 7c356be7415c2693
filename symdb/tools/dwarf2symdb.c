// SPDX-License-Identifier: MIT
/* Maintainer tool: list every named variable of a DWARF vmlinux with its symdb type expression. */
/*
 * Usage: ic_dwarf2symdb VMLINUX > kernel.types
 *
 * Output: "NAME<TAB>TYPE" lines sorted by name; one line per name. Which DW_TAG_variable types a
 * name (the rule of --dwarf, src/6-typing/dwarf/dwarf.c, which is what the kernel's symbol is):
 * best first, a file-scope variable with a location (the definition; the last one wins, as in
 * dwarf2json), a file-scope declaration, a function's static (fixed DW_OP_addr location) or
 * extern declaration, a file-scope definition without a location (optimised, the type is still
 * its own); automatic locals are never a symbol and are not listed. dwarf2json instead lets the
 * last DIE of a name win over every scope, so another scope's `struct zone *movable_zone` typed
 * the global `int movable_zone` (docs/symdb.md). Name and type are read through
 * DW_AT_specification/abstract_origin (a definition that completes `extern T x[];` has its own
 * array type). Type spelling follows dwarf2json 0.9.0: Rust units are skipped; qualifiers are
 * transparent; a typedef directly over a struct/union keeps the typedef name, other typedefs are
 * resolved; anonymous structs/unions/enums are spelled by their flattened member names.
 * Statistics go to stderr.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isfcarve/error.h"
#include "isfcarve/symdb.h"

#define G_MAX_TYPE_DEPTH 64u    /* qualifier/typedef chain we follow before calling it a loop */
#define G_MAX_ANON_DEPTH 8u     /* nesting of anonymous members flattened into one list */

struct sbuf {
	char *p;
	size_t len, cap;
	int overflow;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static int die_type(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;

	if (!dwarf_attr(die, DW_AT_type, &a))
		return 0;
	return dwarf_formref_die(&a, out) != NULL;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;

	if (!dwarf_attr(die, DW_AT_name, &a))
		return NULL;
	return dwarf_formstring(&a);
}

/* Skip qualifiers; 0 = no type (void). */
static int strip_quals(Dwarf_Die *t, unsigned *guard)
{
	for (;;) {
		int tag = dwarf_tag(t);

		if (tag != DW_TAG_const_type && tag != DW_TAG_volatile_type && tag != DW_TAG_restrict_type &&
		    tag != DW_TAG_atomic_type && tag != DW_TAG_immutable_type)
			return 1;
		if (++*guard > G_MAX_TYPE_DEPTH || !die_type(t, t))
			return 0;
	}
}

/* Member names of an anonymous struct/union, anonymous members flattened (Volatility flattens
 * them into the parent too). */
static void anon_members(Dwarf_Die *st, struct sbuf *b, unsigned depth)
{
	Dwarf_Die m;

	if (depth > G_MAX_ANON_DEPTH) {
		b->overflow = 1;
		return;
	}
	if (dwarf_child(st, &m) != 0)
		return;
	do {
		const char *n;
		int tag = dwarf_tag(&m);

		if (tag == DW_TAG_enumerator || tag == DW_TAG_member) {
			n = die_name(&m);
			if (n) {
				if (b->len && b->p[b->len - 1] != '{')
					sb_put(b, ",", 1);
				sb_put(b, n, strlen(n));
			} else if (tag == DW_TAG_member) {
				Dwarf_Die t;
				unsigned guard = 0;

				if (die_type(&m, &t) && strip_quals(&t, &guard) &&
				    (dwarf_tag(&t) == DW_TAG_structure_type || dwarf_tag(&t) == DW_TAG_union_type))
					anon_members(&t, b, depth + 1);
			}
		}
	} while (dwarf_siblingof(&m, &m) == 0);
}

/* Type expression of a type DIE, or -1 when the notation cannot express it. */
static int render(Dwarf_Die *type, int has_type, char *out, size_t outn)
{
	struct ic_typeexpr te;
	Dwarf_Die t = *type;
	unsigned guard = 0;
	char base[IC_TYPEEXPR_MAX_LEN + 64];
	struct sbuf b = { .p = base, .cap = sizeof(base) };

	memset(&te, 0, sizeof(te));
	base[0] = '\0';
	if (!has_type)
		goto void_type;
	for (;;) {
		int tag;

		if (!strip_quals(&t, &guard))
			goto void_type;
		if (++guard > G_MAX_TYPE_DEPTH)
			return -1;
		tag = dwarf_tag(&t);
		if (tag == DW_TAG_pointer_type || tag == DW_TAG_reference_type ||
		    tag == DW_TAG_rvalue_reference_type) {
			if (te.nsteps >= IC_TYPEEXPR_MAX_STEPS)
				return -1;
			te.steps[te.nsteps++].op = IC_TE_PTR;
			if (!die_type(&t, &t))
				goto void_type;
			continue;
		}
		if (tag == DW_TAG_array_type) {
			Dwarf_Die sub;

			if (dwarf_child(&t, &sub) == 0) {
				do {
					Dwarf_Attribute a;
					Dwarf_Word v;
					uint64_t count = 0;

					if (dwarf_tag(&sub) != DW_TAG_subrange_type)
						continue;
					if (dwarf_attr(&sub, DW_AT_count, &a) && dwarf_formudata(&a, &v) == 0)
						count = v;
					else if (dwarf_attr(&sub, DW_AT_upper_bound, &a) &&
						 dwarf_formudata(&a, &v) == 0 && v != (Dwarf_Word)-1)
						count = v + 1;
					if (count > UINT32_MAX || te.nsteps >= IC_TYPEEXPR_MAX_STEPS)
						return -1;
					te.steps[te.nsteps].op = IC_TE_ARRAY;
					te.steps[te.nsteps++].count = (uint32_t)count;
				} while (dwarf_siblingof(&sub, &sub) == 0);
			}
			if (!die_type(&t, &t))
				goto void_type;
			continue;
		}
		if (tag == DW_TAG_typedef) {
			Dwarf_Die target;
			const char *n = die_name(&t);

			if (!die_type(&t, &target))
				goto void_type;
			if (n && (dwarf_tag(&target) == DW_TAG_structure_type ||
				  dwarf_tag(&target) == DW_TAG_union_type || dwarf_tag(&target) == DW_TAG_class_type)) {
				te.kind = IC_TE_TYPEDEF;
				sb_put(&b, n, strlen(n));
				break;
			}
			t = target;
			continue;
		}
		if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type ||
		    tag == DW_TAG_enumeration_type) {
			const char *n = die_name(&t);
			const char *kw = tag == DW_TAG_union_type ? "union " :
					 tag == DW_TAG_enumeration_type ? "enum " : "struct ";

			te.kind = tag == DW_TAG_union_type ? IC_TE_UNION :
				  tag == DW_TAG_enumeration_type ? IC_TE_ENUM : IC_TE_STRUCT;
			sb_put(&b, kw, strlen(kw));
			if (n) {
				sb_put(&b, n, strlen(n));
			} else {
				sb_put(&b, "{", 1);
				anon_members(&t, &b, 0);
				sb_put(&b, "}", 1);
				if (b.len >= 2 && base[b.len - 2] == '{')
					return -1; /* no named members: nothing to match by */
			}
			break;
		}
		if (tag == DW_TAG_base_type) {
			const char *n = die_name(&t);

			if (!n || !ic_typeexpr__is_base_name(n, strlen(n)))
				return -1;
			te.kind = IC_TE_BASE;
			sb_put(&b, n, strlen(n));
			break;
		}
		if (tag == DW_TAG_subroutine_type) {
			te.kind = IC_TE_FUNC;
			sb_put(&b, "func", 4);
			break;
		}
		if (tag == DW_TAG_unspecified_type)
			goto void_type;
		return -1;
	}
	goto done;
void_type:
	te.kind = IC_TE_BASE;
	b.len = 0;
	sb_put(&b, "void", 4);
done:
	if (b.overflow)
		return -1;
	/* Re-parse the base text so format() sees name/members spans, then format with the steps.
	 * The " *" keeps a bare "func" parseable; the steps are replaced right after. */
	{
		struct ic_typeexpr bt;
		unsigned ns = te.nsteps;

		sb_put(&b, " *", 2);
		if (b.overflow || ic_typeexpr__parse(base, b.len, &bt))
			return -1;
		bt.nsteps = ns;
		memcpy(bt.steps, te.steps, sizeof(te.steps));
		if (ic_typeexpr__format(&bt, out, outn) < 0)
			return -1;
		if (ic_typeexpr__parse(out, strlen(out), &bt))
			return -1; /* e.g. a bare function: not an object type */
	}
	return 0;
}

/* Scope ranks, best last; a better rank always wins, within R_DEF the last DIE, else the first. */
enum { R_NOLOC = 0, R_LOCAL = 1, R_DECL = 2, R_DEF = 3 };

struct ent {
	char *name, *type;
	size_t seq;
	int rank;
};

struct table {
	struct ent *e;
	size_t n, cap;
	size_t vars, skipped, rust_units, locals, outscoped;
};

static int add(struct table *tb, const char *name, const char *type, int rank)
{
	if (tb->n == tb->cap) {
		size_t cap = tb->cap ? tb->cap * 2 : 65536;
		struct ent *e = realloc(tb->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		tb->e = e;
		tb->cap = cap;
	}
	tb->e[tb->n].name = strdup(name);
	tb->e[tb->n].type = strdup(type);
	tb->e[tb->n].seq = tb->n;
	tb->e[tb->n].rank = rank;
	if (!tb->e[tb->n].name || !tb->e[tb->n].type)
		return -ENOMEM;
	tb->n++;
	return 0;
}

static bool is_flag(Dwarf_Die *d, unsigned at)
{
	Dwarf_Attribute a;
	bool f = false;

	return dwarf_attr_integrate(d, at, &a) && dwarf_formflag(&a, &f) == 0 && f;
}

/* The scope rank of a variable DIE, -1 if it is no symbol at all (an automatic local). */
static int scope_rank(Dwarf_Die *d, unsigned depth)
{
	Dwarf_Attribute la;
	Dwarf_Block bl;

	if (!dwarf_attr(d, DW_AT_location, &la))
		return is_flag(d, DW_AT_declaration) ? (depth ? R_LOCAL : R_DECL)
						     : (depth ? -1 : R_NOLOC);
	if (!depth)
		return R_DEF;
	/* in a function: only a static has a fixed address */
	if (dwarf_whatform(&la) != DW_FORM_exprloc || dwarf_formblock(&la, &bl) || bl.length < 1 ||
	    bl.data[0] != DW_OP_addr)
		return -1;
	return R_LOCAL;
}

static int walk(Dwarf_Die *die, struct table *tb, unsigned depth)
{
	Dwarf_Die c;
	int err;

	if (dwarf_child(die, &c) != 0)
		return 0;
	do {
		if (dwarf_tag(&c) == DW_TAG_variable) {
			Dwarf_Attribute a;
			const char *n = NULL;
			int rank = scope_rank(&c, depth);

			if (dwarf_attr_integrate(&c, DW_AT_name, &a))
				n = dwarf_formstring(&a);
			if (n && *n && rank >= 0 && dwarf_attr_integrate(&c, DW_AT_type, &a)) {
				Dwarf_Die t;
				char type[IC_TYPEEXPR_MAX_LEN + 64];
				int ht = dwarf_formref_die(&a, &t) != NULL;

				tb->vars++;
				if (render(&t, ht, type, sizeof(type)) == 0) {
					if ((err = add(tb, n, type, rank)))
						return err;
				} else {
					tb->skipped++;
					fprintf(stderr, "dwarf2symdb: %s: type not expressible, skipped\n", n);
				}
			} else if (n && *n && rank < 0) {
				tb->locals++;
			}
		}
		/* Statics in functions and lexical blocks are symbols too (name.NNN in System.map). */
		if (depth < 64 && dwarf_haschildren(&c) && (err = walk(&c, tb, depth + 1)))
			return err;
	} while (dwarf_siblingof(&c, &c) == 0);
	return 0;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int main(int argc, char **argv)
{
	Dwarf *dbg;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, subdie;
	Dwarf_Half version;
	uint8_t unit_type;
	struct table tb = { 0 };
	int fd, err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s VMLINUX\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	dbg = dwarf_begin(fd, DWARF_C_READ);
	if (!dbg) {
		fprintf(stderr, "%s: no DWARF: %s\n", argv[1], dwarf_errmsg(-1));
		return 1;
	}
	while (dwarf_get_units(dbg, cu, &cu, &version, &unit_type, &cudie, &subdie) == 0) {
		Dwarf_Attribute a;
		Dwarf_Word lang = 0;

		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
			continue;
		if (dwarf_attr(&cudie, DW_AT_language, &a) && dwarf_formudata(&a, &lang) == 0 &&
		    lang == DW_LANG_Rust) {
			tb.rust_units++;
			continue;
		}
		if ((err = walk(&cudie, &tb, 0))) {
			fprintf(stderr, "dwarf2symdb: %s\n", strerror(-err));
			return 1;
		}
	}
	/* Per name (a run of the sorted table, in DIE order) the best rank wins; among file-scope
	 * definitions the last one (dwarf2json's order), among the other ranks the first. */
	qsort(tb.e, tb.n, sizeof(*tb.e), ent_cmp);
	for (size_t i = 0, j; i < tb.n; i = j) {
		size_t best = i;

		for (j = i + 1; j < tb.n && !strcmp(tb.e[i].name, tb.e[j].name); j++)
			if (tb.e[j].rank > tb.e[best].rank ||
			    (tb.e[j].rank == R_DEF && tb.e[best].rank == R_DEF))
				best = j;
		/* the last listed DIE of the name (automatic locals are not listed) types it otherwise */
		if (strcmp(tb.e[best].type, tb.e[j - 1].type))
			tb.outscoped++;
		printf("%s\t%s\n", tb.e[best].name, tb.e[best].type);
	}
	fprintf(stderr,
		"dwarf2symdb: %zu variables, %zu skipped, %zu automatic locals ignored, %zu names "
		"typed otherwise than by their last listed DIE, %zu Rust units skipped\n",
		tb.vars, tb.skipped, tb.locals, tb.outscoped, tb.rust_units);
	for (size_t i = 0; i < tb.n; i++) {
		free(tb.e[i].name);
		free(tb.e[i].type);
	}
	free(tb.e);
	dwarf_end(dbg);
	close(fd);
	return ferror(stdout) ? 1 : 0;
}
