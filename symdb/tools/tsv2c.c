// SPDX-License-Identifier: MIT
/* Build-time tool: check symdb.tsv and turn it into the C table symdb/symdb.c compiles in. */
/*
 * Usage: tsv2c symdb.tsv symdb_table.h [IDENT]   (IDENT: the arrays' prefix, default ic_symdb)
 *
 * symdb.tsv rows: NAME <TAB> FROM <TAB> TO <TAB> TYPE, '#' starts a comment line. FROM/TO are
 * "A.B", "A.B.C" or "-" (open). FROM "A.B" means A.B.0, TO "A.B" means every A.B.x. Any error
 * (bad field, type that does not parse, overlapping ranges of one name) fails the build with
 * file:line, so a broken table can never be compiled in.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/error.h"
#include "isfcarve/symdb.h"

#define TSV_MAX_LINE 8192u     /* longer than any name + IC_TYPEEXPR_MAX_LEN */
#define TSV_MAX_ROWS 4000000u  /* far above all data symbols of several kernels */

struct row {
	char *name, *type;
	uint32_t from, to;
	unsigned line;
};

static const char *path_in;

static int fail(unsigned line, const char *msg, const char *what)
{
	fprintf(stderr, "%s:%u: %s%s%s\n", path_in, line, msg, what ? ": " : "", what ? what : "");
	return 1;
}

static int parse_ver(const char *s, int is_to, uint32_t *v)
{
	unsigned long a, b, c = 0;
	char *e;

	if (strcmp(s, "-") == 0) {
		*v = is_to ? UINT32_MAX : 0;
		return 0;
	}
	errno = 0;
	a = strtoul(s, &e, 10);
	if (e == s || *e != '.' || a < 2 || a > 255)
		return -1;
	s = e + 1;
	b = strtoul(s, &e, 10);
	if (e == s || b > 255)
		return -1;
	if (*e == '.') {
		s = e + 1;
		c = strtoul(s, &e, 10);
		if (e == s)
			return -1;
	} else if (is_to) {
		c = 255;
	}
	if (*e || errno)
		return -1;
	*v = IC_KVER(a, b, c);
	return 0;
}

static int valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '.' || *s == '$'))
			return 0;
	return 1;
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* String pool with de-duplication (type strings repeat a lot): open addressing on FNV-1a. */
struct pool {
	char **keys;
	uint32_t *offs;
	size_t cap, n;
	uint32_t size;
	FILE *out;
};

#define FNV_BASIS 1469598103934665603ull

/* FNV-1a over s, continuing from h (FNV_BASIS to start). */
static uint64_t fnv_more(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static uint64_t fnv(const char *s)
{
	return fnv_more(FNV_BASIS, s);
}

/* The table's identity: FNV-1a 64 over its rows in table order (name, range, type), so comments,
 * line order and spacing do not change it and any row that changes does. An ISF records it
 * (metadata.producer.symdb): a stored profile typed from another table is rebuilt, not reused. */
static uint64_t table_id(const struct row *rows, size_t n)
{
	uint64_t h = FNV_BASIS;
	char range[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(range, sizeof(range), "\t%x\t%x\t", rows[i].from, rows[i].to);
		h = fnv_more(fnv_more(fnv_more(fnv_more(h, rows[i].name), range), rows[i].type), "\n");
	}
	return h;
}

static uint32_t pool_add(struct pool *p, char *s)
{
	size_t i = (size_t)(fnv(s) & (p->cap - 1));

	while (p->keys[i]) {
		if (strcmp(p->keys[i], s) == 0)
			return p->offs[i];
		i = (i + 1) & (p->cap - 1);
	}
	p->keys[i] = s;
	p->offs[i] = p->size;
	p->n++;
	fprintf(p->out, "\t\"%s\\0\"\n", s);
	p->size += (uint32_t)strlen(s) + 1;
	return p->offs[i];
}

int main(int argc, char **argv)
{
	FILE *in, *out;
	char line[TSV_MAX_LINE + 2];
	struct row *rows = NULL;
	size_t n = 0, cap = 0;
	unsigned lineno = 0;
	struct pool pool = { 0 };
	uint32_t *name_off, *type_off;
	const char *ident;
	char tmp[4096];

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s symdb.tsv out.h [IDENT]\n", argv[0]);
		return 2;
	}
	/* IDENT names the arrays (IDENT_strs, IDENT_rows, IDENT_nrows): one header per table */
	ident = argc == 4 ? argv[3] : "ic_symdb";
	path_in = argv[1];
	if (!valid_name(ident))
		return fail(0, "bad identifier", ident);
	in = fopen(argv[1], "r");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	while (fgets(line, sizeof(line), in)) {
		char *f[4], *save = NULL, *p;
		size_t len = strlen(line);
		struct ic_typeexpr te;
		int k;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(in))
			return fail(lineno, "line too long", NULL);
		if (!len || line[0] == '#')
			continue;
		p = line;
		for (k = 0; k < 4; k++) {
			f[k] = strtok_r(p, "\t", &save);
			p = NULL;
			if (!f[k])
				return fail(lineno, "need 4 tab-separated fields", NULL);
		}
		if (strtok_r(NULL, "\t", &save))
			return fail(lineno, "more than 4 fields", NULL);
		if (!valid_name(f[0]))
			return fail(lineno, "bad symbol name", f[0]);
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > TSV_MAX_ROWS)
				return fail(lineno, "too many rows", NULL);
			rows = realloc(rows, cap * sizeof(*rows));
			if (!rows)
				return fail(lineno, "out of memory", NULL);
		}
		if (parse_ver(f[1], 0, &rows[n].from) || parse_ver(f[2], 1, &rows[n].to))
			return fail(lineno, "bad version range", f[1]);
		if (rows[n].from > rows[n].to)
			return fail(lineno, "FROM after TO", f[1]);
		if (ic_typeexpr__parse(f[3], strlen(f[3]), &te))
			return fail(lineno, "type does not parse", f[3]);
		/* The table keeps the canonical spelling so lookups return one form per type. */
		if (ic_typeexpr__format(&te, tmp, sizeof(tmp)) < 0 || strcmp(tmp, f[3]))
			return fail(lineno, "type not in canonical form, write", tmp);
		rows[n].name = strdup(f[0]);
		rows[n].type = strdup(f[3]);
		rows[n].line = lineno;
		if (!rows[n].name || !rows[n].type)
			return fail(lineno, "out of memory", NULL);
		n++;
	}
	if (ferror(in))
		return fail(lineno, "read error", NULL);
	fclose(in);
	qsort(rows, n, sizeof(*rows), row_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(rows[i - 1].name, rows[i].name) == 0 && rows[i - 1].to >= rows[i].from) {
			snprintf(tmp, sizeof(tmp), "%s (line %u)", rows[i].name, rows[i - 1].line);
			return fail(rows[i].line, "version range overlaps", tmp);
		}
	}

	out = fopen(argv[2], "w");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	pool.cap = 1;
	while (pool.cap < 4 * n + 16)
		pool.cap <<= 1;
	pool.keys = calloc(pool.cap, sizeof(*pool.keys));
	pool.offs = calloc(pool.cap, sizeof(*pool.offs));
	name_off = calloc(n + 1, sizeof(*name_off));
	type_off = calloc(n + 1, sizeof(*type_off));
	if (!pool.keys || !pool.offs || !name_off || !type_off)
		return fail(0, "out of memory", NULL);
	pool.out = out;
	fprintf(out, "/* Generated from %s by symdb/tools/tsv2c.c: do not edit. */\n", path_in);
	fprintf(out, "static const size_t %s_nrows = %zuu;\n", ident, n);
	fprintf(out, "#define %s_id_str \"%016" PRIx64 "\"\n", ident, table_id(rows, n));
	fprintf(out, "static const char %s_strs[] =\n\t\"\\0\"\n", ident);
	pool.size = 1; /* offset 0 = empty string */
	for (size_t i = 0; i < n; i++) {
		name_off[i] = pool_add(&pool, rows[i].name);
		type_off[i] = pool_add(&pool, rows[i].type);
	}
	fprintf(out, "\t;\n");
	fprintf(out, "static const struct ic_symdb_row %s_rows[%zu] = {\n", ident, n ? n : 1);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "\t{ %uu, %uu, 0x%xu, 0x%xu },\n", name_off[i], type_off[i], rows[i].from,
			rows[i].to);
	if (!n)
		fprintf(out, "\t{ 0, 0, 1, 0 },\n");
	fprintf(out, "};\n");
	if (fclose(out)) {
		perror(argv[2]);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		free(rows[i].name);
		free(rows[i].type);
	}
	free(rows);
	free(pool.keys);
	free(pool.offs);
	free(name_off);
	free(type_off);
	return 0;
}
