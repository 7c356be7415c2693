// SPDX-License-Identifier: MIT
/* BTF validator: one crafted blob per check (in both byte orders), real vmlinux blobs, model. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "isfcarve/btf.h"
#include "isfcarve/error.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"

#define MAXW 4096

/* A blob under construction: type words (host values), strings, per-id word index. */
struct blob {
	uint32_t w[MAXW];
	unsigned nw;
	char s[512];
	unsigned ns;
	unsigned rec[64]; /* rec[id] = word index */
	unsigned nr;
	/* header overrides, applied after layout */
	int hdr_len;      /* 0 = 24 */
	uint32_t layout_len;
};

static uint32_t str(struct blob *b, const char *s)
{
	uint32_t off = b->ns;
	size_t n = strlen(s) + 1;

	if (!*s)
		return 0;
	memcpy(b->s + b->ns, s, n);
	b->ns += (unsigned)n;
	return off;
}

static uint32_t info(unsigned kind, uint32_t vlen, int kflag)
{
	return (uint32_t)kind << 24 | vlen | (kflag ? 1u << 31 : 0);
}

/* Start a record: returns its id. */
static unsigned rec(struct blob *b, const char *name, uint32_t inf, uint32_t sz)
{
	unsigned id = ++b->nr;

	b->rec[id] = b->nw;
	b->w[b->nw++] = str(b, name);
	b->w[b->nw++] = inf;
	b->w[b->nw++] = sz;
	return id;
}

static void word(struct blob *b, uint32_t v)
{
	b->w[b->nw++] = v;
}

/* The reference blob: one record of every kind, all valid. */
static void base_blob(struct blob *b)
{
	memset(b, 0, sizeof(*b));
	b->ns = 1; /* leading NUL */
	rec(b, "int", info(IC_BTF_INT, 0, 0), 4);            /* 1 */
	word(b, 1u << 24 | 32);
	rec(b, "", info(IC_BTF_PTR, 0, 0), 1);               /* 2 */
	rec(b, "", info(IC_BTF_ARRAY, 0, 0), 0);             /* 3 */
	word(b, 1), word(b, 1), word(b, 4);
	rec(b, "s", info(IC_BTF_STRUCT, 3, 1), 16);          /* 4 */
	word(b, str(b, "a")), word(b, 1), word(b, 0);
	word(b, str(b, "b")), word(b, 2), word(b, 64);
	word(b, str(b, "c")), word(b, 1), word(b, 3u << 24 | 32);
	rec(b, "e", info(IC_BTF_ENUM, 1, 0), 4);             /* 5 */
	word(b, str(b, "E0")), word(b, 0);
	rec(b, "", info(IC_BTF_FUNC_PROTO, 1, 0), 1);        /* 6 */
	word(b, str(b, "x")), word(b, 1);
	rec(b, "f", info(IC_BTF_FUNC, 1, 0), 6);             /* 7 */
	rec(b, "v", info(IC_BTF_VAR, 0, 0), 1);              /* 8 */
	word(b, 1);
	rec(b, ".data..percpu", info(IC_BTF_DATASEC, 1, 0), 8); /* 9 */
	word(b, 8), word(b, 0), word(b, 4);
	rec(b, "t", info(IC_BTF_TYPEDEF, 0, 0), 4);          /* 10 */
	rec(b, "", info(IC_BTF_CONST, 0, 0), 10);            /* 11 */
	rec(b, "tag", info(IC_BTF_DECL_TAG, 0, 0), 4);       /* 12 */
	word(b, 0);
	rec(b, "double", info(IC_BTF_FLOAT, 0, 0), 8);       /* 13 */
	rec(b, "fw", info(IC_BTF_FWD, 0, 0), 0);             /* 14 */
	rec(b, "e64", info(IC_BTF_ENUM64, 1, 0), 8);         /* 15 */
	word(b, str(b, "E1")), word(b, 1), word(b, 1);
	rec(b, "tt", info(IC_BTF_TYPE_TAG, 0, 0), 1);        /* 16 */
	rec(b, "", info(IC_BTF_VOLATILE, 0, 0), 1);          /* 17 */
	rec(b, "", info(IC_BTF_RESTRICT, 0, 0), 2);          /* 18 */
	rec(b, "", info(IC_BTF_FUNC_PROTO, 2, 0), 0);        /* 19: (int, ...) -> void */
	word(b, 0), word(b, 1), word(b, 0), word(b, 0);
}

static void put32(uint8_t *p, uint32_t v, int be)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
}

/* Serialise: returns malloc'd bytes and *len. */
static uint8_t *build(const struct blob *b, int be, size_t *len)
{
	uint32_t hl = b->hdr_len ? (uint32_t)b->hdr_len : 24;
	uint32_t tl = 4 * b->nw, ll = b->layout_len;
	size_t n = hl + tl + ll + b->ns;
	uint8_t *p = calloc(1, n);

	p[0] = be ? 0xeb : 0x9f;
	p[1] = be ? 0x9f : 0xeb;
	p[2] = 1;
	put32(p + 4, hl, be);
	put32(p + 8, 0, be);
	put32(p + 12, tl, be);
	put32(p + 16, tl + ll, be);
	put32(p + 20, b->ns, be);
	if (hl >= 32) {
		put32(p + 24, ll ? tl : 0, be);
		put32(p + 28, ll, be);
	}
	for (unsigned i = 0; i < b->nw; i++)
		put32(p + hl + 4 * i, b->w[i], be);
	memcpy(p + hl + tl + ll, b->s, b->ns);
	*len = n;
	return p;
}

typedef void (*mut_fn)(struct blob *b);
typedef void (*raw_fn)(uint8_t *p, size_t *len, int be);

struct mcase {
	const char *what;
	mut_fn mut;   /* change the model */
	raw_fn raw;   /* or the bytes */
	int err;
	const char *msg; /* substring of diag.msg */
	uint32_t id;     /* expected diag.type_id */
};

#define W(b, id, k) ((b)->w[(b)->rec[id] + (k)])

static void m_magic(uint8_t *p, size_t *l, int be) { (void)l, (void)be; p[0] = 0x12; }
static void m_version(uint8_t *p, size_t *l, int be) { (void)l, (void)be; p[2] = 2; }
static void m_flags(uint8_t *p, size_t *l, int be) { (void)l, (void)be; p[3] = 1; }
static void m_hdrlen(uint8_t *p, size_t *l, int be) { (void)l; put32(p + 4, 28, be); }
static void m_typeoff(uint8_t *p, size_t *l, int be) { (void)l; put32(p + 8, 4, be); }
static void m_align(uint8_t *p, size_t *l, int be) { (void)l; put32(p + 12, 6, be); }
static void m_overlap(uint8_t *p, size_t *l, int be) { (void)l; put32(p + 16, 8, be); }
static void m_gap(uint8_t *p, size_t *l, int be)
{
	uint32_t so = be ? (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19]
			 : (uint32_t)p[19] << 24 | (uint32_t)p[18] << 16 | (uint32_t)p[17] << 8 | p[16];
	(void)l;
	put32(p + 16, so + 8, be);
}
static void m_trunc(uint8_t *p, size_t *l, int be) { (void)p, (void)be; *l -= 1; }
static void m_trail(uint8_t *p, size_t *l, int be) { (void)p, (void)be; *l += 1; }
static void m_limit(uint8_t *p, size_t *l, int be) { (void)l; put32(p + 20, IC_MAX_BTF_BYTES, be); }
static void m_str0(uint8_t *p, size_t *l, int be) { (void)be; p[*l - 0] = 0; }

static void m_strfirst(struct blob *b) { b->s[0] = 'x'; }
static void m_strlast(struct blob *b) { b->s[b->ns - 1] = 'x'; }
static void m_strempty(struct blob *b)
{
	/* no strings at all: all names must be 0, so drop every record */
	b->nw = 0, b->nr = 0, b->ns = 0;
}
static void m_kind20(struct blob *b) { W(b, 13, 1) = info(20, 0, 0); }
static void m_kind0(struct blob *b) { W(b, 14, 1) = info(0, 0, 0); }
static void m_cross(struct blob *b) { W(b, 19, 1) = info(IC_BTF_FUNC_PROTO, 3, 0); }
static void m_ref(struct blob *b) { W(b, 2, 2) = 99; }
static void m_name(struct blob *b) { W(b, 1, 0) = 9999; }
static void m_intenc(struct blob *b) { W(b, 1, 3) = 3u << 24 | 32; }
static void m_intbits(struct blob *b) { W(b, 1, 3) = 1u << 24 | 33; }
static void m_intsize(struct blob *b) { W(b, 1, 2) = 3; }
static void m_intres(struct blob *b) { W(b, 1, 3) = 1u << 24 | 1u << 8 | 32; }
static void m_arridx(struct blob *b) { W(b, 3, 4) = 2; }
static void m_arrvoid(struct blob *b) { W(b, 3, 3) = 0; }
static void m_funclink(struct blob *b) { W(b, 7, 1) = info(IC_BTF_FUNC, 3, 0); }
static void m_functype(struct blob *b) { W(b, 7, 2) = 1; }
static void m_varlink(struct blob *b) { W(b, 8, 3) = 3; }
static void m_dsecsize(struct blob *b) { W(b, 9, 4) = 6; }
static void m_dsecvar(struct blob *b) { W(b, 9, 3) = 1; }
static void m_tagidx(struct blob *b) { W(b, 12, 3) = 5; }
static void m_tagneg(struct blob *b) { W(b, 12, 3) = (uint32_t)-2; }
static void m_tagkind(struct blob *b) { W(b, 12, 2) = 1; }
static void m_membeyond(struct blob *b) { W(b, 4, 5) = 136; }
static void m_bitbeyond(struct blob *b) { W(b, 4, 11) = 30u << 24 | 100; }
static void m_bitkind(struct blob *b) { W(b, 4, 10) = 2; }
static void m_kflag(struct blob *b) { W(b, 1, 1) |= 1u << 31; }
static void m_cycle(struct blob *b) { W(b, 10, 2) = 11; }
static void m_floatsz(struct blob *b) { W(b, 13, 2) = 3; }
static void m_enumsz(struct blob *b) { W(b, 5, 2) = 3; }
static void m_needname(struct blob *b) { W(b, 10, 0) = 0; }
static void m_anon(struct blob *b) { W(b, 2, 0) = 1; }
static void m_vlen(struct blob *b) { W(b, 2, 1) = info(IC_BTF_PTR, 1, 0); }
static void m_memvoid(struct blob *b) { W(b, 4, 4) = 0; }
static void m_enumname(struct blob *b) { W(b, 5, 3) = 0; }
static void m_varvoid(struct blob *b) { W(b, 8, 2) = 0; }
static void m_vararg(struct blob *b) { W(b, 19, 4) = 0; } /* void param not last */
static void m_layout_bad(struct blob *b) { b->hdr_len = 32, b->layout_len = 8; }
/* Semantic pass (issue 18 D6): with b an int, struct s's members end at byte 12: 16 is that
 * rounded up, 8208 (a flipped bit) is not; a member name of 0xff bytes is no identifier. */
static void m_structsize(struct blob *b) { W(b, 4, 7) = 1; W(b, 4, 2) = 8208; }
static void m_badname(struct blob *b) { W(b, 4, 3) = str(b, "a\xff\xff"); }
/* A member's name lost (its string offset 0, or its bytes zeroed): only an anonymous struct
 * or union may go unnamed, and struct s's first member is an int (the mutation harness). */
static void m_nameless(struct blob *b) { W(b, 4, 3) = 0; }
/* struct s's first member (offset 0) of type struct s itself: the sizes add up (it ends at
 * s's size), but no such type can exist (a review's DWARF "struct foo { struct foo a; }"). */
static void m_selfhold(struct blob *b) { W(b, 4, 4) = 4; }
static void m_chain(struct blob *b)
{
	/* int ***...* 40 levels: beyond IC_MAX_BTF_CHAIN */
	unsigned prev = 1;

	for (int i = 0; i < 40; i++)
		prev = rec(b, "", info(IC_BTF_PTR, 0, 0), prev);
}

static const struct mcase cases[] = {
	{ "magic", NULL, m_magic, -EPROTO, "magic", 0 },
	{ "version", NULL, m_version, -IC_EFORMAT, "version", 0 },
	{ "flags", NULL, m_flags, -IC_EFORMAT, "flags", 0 },
	{ "hdr_len", NULL, m_hdrlen, -IC_EFORMAT, "hdr_len", 0 },
	{ "type_off", NULL, m_typeoff, -IC_EFORMAT, "type_off", 0 },
	{ "alignment", NULL, m_align, -IC_EFORMAT, "4-aligned", 0 },
	{ "overlap", NULL, m_overlap, -IC_EFORMAT, "overlaps", 0 },
	{ "gap", NULL, m_gap, -IC_EFORMAT, "does not follow", 0 },
	{ "truncated", NULL, m_trunc, -IC_ETRUNC, "announces", 0 },
	{ "trailing", NULL, m_trail, -IC_EFORMAT, "trailing", 0 },
	{ "size ceiling", NULL, m_limit, -IC_ELIMIT, "IC_MAX_BTF_BYTES", 0 },
	{ "strings first", m_strfirst, NULL, -IC_EFORMAT, "first byte", 0 },
	{ "strings last", m_strlast, NULL, -IC_EFORMAT, "NUL-terminated", 0 },
	{ "strings empty", m_strempty, NULL, -IC_EFORMAT, "empty string", 0 },
	{ "unknown kind", m_kind20, NULL, -IC_EFORMAT, "unknown kind 20", 13 },
	{ "kind 0", m_kind0, NULL, -IC_EFORMAT, "unknown kind 0", 14 },
	{ "record crosses end", m_cross, NULL, -IC_EFORMAT, "crosses the end", 19 },
	{ "type id range", m_ref, NULL, -IC_EFORMAT, "references type 99", 2 },
	{ "name offset", m_name, NULL, -IC_EFORMAT, "outside strings", 1 },
	{ "INT encoding", m_intenc, NULL, -IC_EFORMAT, "INT encoding", 1 },
	{ "INT bits", m_intbits, NULL, -IC_EFORMAT, "INT bits", 1 },
	{ "INT size", m_intsize, NULL, -IC_EFORMAT, "INT size", 1 },
	{ "INT reserved", m_intres, NULL, -IC_EFORMAT, "INT reserved", 1 },
	{ "ARRAY index", m_arridx, NULL, -IC_EFORMAT, "index type", 3 },
	{ "ARRAY void elem", m_arrvoid, NULL, -IC_EFORMAT, "void", 3 },
	{ "FUNC linkage", m_funclink, NULL, -IC_EFORMAT, "FUNC linkage", 7 },
	{ "FUNC proto", m_functype, NULL, -IC_EFORMAT, "not a FUNC_PROTO", 7 },
	{ "VAR linkage", m_varlink, NULL, -IC_EFORMAT, "VAR linkage", 8 },
	{ "VAR void", m_varvoid, NULL, -IC_EFORMAT, "void", 8 },
	{ "DATASEC size", m_dsecsize, NULL, -IC_EFORMAT, "beyond size", 9 },
	{ "DATASEC var", m_dsecvar, NULL, -IC_EFORMAT, "not a VAR", 9 },
	{ "DECL_TAG idx", m_tagidx, NULL, -IC_EFORMAT, "component_idx 5", 12 },
	{ "DECL_TAG neg", m_tagneg, NULL, -IC_EFORMAT, "component_idx -2", 12 },
	{ "DECL_TAG kind", m_tagkind, NULL, -IC_EFORMAT, "component_idx 0 on kind 1", 12 },
	{ "member offset", m_membeyond, NULL, -IC_EFORMAT, "beyond size", 4 },
	{ "bitfield offset", m_bitbeyond, NULL, -IC_EFORMAT, "beyond size", 4 },
	{ "bitfield kind", m_bitkind, NULL, -IC_EFORMAT, "bitfield member", 4 },
	{ "member void", m_memvoid, NULL, -IC_EFORMAT, "void", 4 },
	{ "kind_flag", m_kflag, NULL, -IC_EFORMAT, "kind_flag", 1 },
	{ "cycle", m_cycle, NULL, -IC_EFORMAT, "cycle", 10 },
	{ "chain", m_chain, NULL, -IC_ELIMIT, "IC_MAX_BTF_CHAIN", 0 },
	{ "struct size vs members", m_structsize, NULL, -IC_EFORMAT, "members end at byte 12", 4 },
	{ "member name", m_badname, NULL, -IC_EFORMAT, "not a C identifier", 4 },
	{ "nameless member", m_nameless, NULL, -IC_EFORMAT, "not an anonymous struct", 4 },
	{ "holds itself", m_selfhold, NULL, -IC_EFORMAT, "contains itself", 4 },
	{ "FLOAT size", m_floatsz, NULL, -IC_EFORMAT, "FLOAT size", 13 },
	{ "enum size", m_enumsz, NULL, -IC_EFORMAT, "enum size", 5 },
	{ "enumerator name", m_enumname, NULL, -IC_EFORMAT, "no name", 5 },
	{ "name required", m_needname, NULL, -IC_EFORMAT, "needs a name", 10 },
	{ "name forbidden", m_anon, NULL, -IC_EFORMAT, "anonymous", 2 },
	{ "vlen", m_vlen, NULL, -IC_EFORMAT, "vlen", 2 },
	{ "varargs not last", m_vararg, NULL, -IC_EFORMAT, "void", 19 },
	{ "layout gap", m_layout_bad, m_str0, -IC_EFORMAT, "does not follow", 0 },
};

static void test_crafted(void)
{
	for (int be = 0; be < 2; be++) {
		struct blob b;
		struct ic_btf_diag d;
		size_t len;
		uint8_t *p;
		uint64_t total = 0;
		int err;

		base_blob(&b);
		p = build(&b, be, &len);
		err = ic_btf__validate(p, len, &d);
		IC_CHECK(err == 0, "base blob (be=%d): %d %s (type %u @%llu)", be, err, d.msg,
			 d.type_id, (unsigned long long)d.offset);
		IC_CHECK(ic_btf__check_header(p, len, &total) == 0 && total == len,
			 "check_header total %llu", (unsigned long long)total);
		IC_CHECK(ic_btf__check_header(p, 10, &total) == -IC_ETRUNC, "short header");
		free(p);

		/* a 32-byte header with a layout section between types and strings is valid */
		base_blob(&b);
		b.hdr_len = 32;
		b.layout_len = 8;
		p = build(&b, be, &len);
		err = ic_btf__validate(p, len, &d);
		IC_CHECK(err == 0, "layout blob (be=%d): %d %s", be, err, d.msg);
		free(p);

		for (size_t i = 0; i < IC_ARRAY_SIZE(cases); i++) {
			const struct mcase *c = &cases[i];

			base_blob(&b);
			if (c->mut)
				c->mut(&b);
			p = build(&b, be, &len);
			p = realloc(p, len + 1);
			if (c->raw == m_str0) {
				/* layout announced at the wrong place: move layout_off */
				put32(p + 24, 4 * b.nw + 8, be);
			} else if (c->raw) {
				p[len] = 0;
				c->raw(p, &len, be);
			}
			memset(&d, 0, sizeof(d));
			err = ic_btf__validate(p, len, &d);
			IC_CHECK(err == c->err, "%s (be=%d): err %d, want %d (%s)", c->what, be, err,
				 c->err, d.msg);
			IC_CHECK(c->err == -EPROTO || strstr(d.msg, c->msg), "%s (be=%d): diag '%s' lacks '%s'",
				 c->what, be, d.msg, c->msg);
			IC_CHECK(!c->id || d.type_id == c->id, "%s (be=%d): diag type %u, want %u",
				 c->what, be, d.type_id, c->id);
			free(p);
		}
	}
}

static void test_model_small(void)
{
	struct blob b;
	struct ic_btf *btf = NULL;
	size_t len;
	uint8_t *p;

	for (int be = 0; be < 2; be++) {
		base_blob(&b);
		p = build(&b, be, &len);
		IC_CHECK(ic_btf__new(NULL, p, len, "crafted", &btf) == 0, "model");
		free(p);
		if (!btf)
			continue;
		IC_CHECK(ic_btf__nr_types(btf) == 19, "nr %u", ic_btf__nr_types(btf));
		IC_CHECK(ic_btf__big_endian(btf) == (be != 0), "endian");
		IC_CHECK(ic_btf__kind(btf, 4) == IC_BTF_STRUCT, "kind");
		IC_CHECK(!strcmp(ic_btf__name(btf, 4), "s"), "name %s", ic_btf__name(btf, 4));
		IC_CHECK(ic_btf__rec(btf, 4)[2] == 16, "size");
		IC_CHECK(ic_btf__rec(btf, 15)[4] == 1 && ic_btf__rec(btf, 15)[5] == 1, "enum64 words");
		IC_CHECK(ic_btf__find(btf, "t", IC_BTF_TYPEDEF) == 10, "find");
		IC_CHECK(ic_btf__skip(btf, 11, true) == 4, "skip");
		IC_CHECK(ic_btf__skip(btf, 11, false) == 10, "skip mods");
		IC_CHECK(ic_btf__type_size(btf, 3) == 16, "array size %llu",
			 (unsigned long long)ic_btf__type_size(btf, 3));
		IC_CHECK(ic_btf__rec(btf, 0) == NULL && ic_btf__rec(btf, 20) == NULL, "range");
		ic_btf__free(btf);
		btf = NULL;
	}
	ic_btf__free(NULL);
}

static int test_real(void)
{
	static const char *const fx[] = { "fx-deb12-6.1", "fx-forky-7.2", "fx-arm64-forky-7.2" };

	for (size_t i = 0; i < IC_ARRAY_SIZE(fx); i++) {
		char path[4096];
		struct ic_btf_diag d;
		struct ic_btf *btf = NULL;
		size_t len;
		uint8_t *p;
		uint32_t ts;
		int err;

		if (!ic_test_fixture(fx[i], "truth/btf_vmlinux", path, sizeof(path)))
			return ic_test_no_fixture();
		p = ic_test_slurp(path, &len);
		IC_CHECK(p != NULL, "read %s", path);
		if (!p)
			continue;
		err = ic_btf__validate(p, len, &d);
		IC_CHECK(err == 0, "%s: %d type %u @%llu: %s", fx[i], err, d.type_id,
			 (unsigned long long)d.offset, d.msg);
		/* one byte less is truncated; a flipped kind byte in the middle is caught */
		IC_CHECK(ic_btf__validate(p, len - 1, &d) == -IC_ETRUNC, "%s truncated", fx[i]);
		err = ic_btf__new(NULL, p, len, fx[i], &btf);
		IC_CHECK(err == 0 && btf, "%s: model %d", fx[i], err);
		if (btf) {
			fprintf(stderr, "%s: %zu bytes, %u types, ptr %u\n", fx[i], len,
				ic_btf__nr_types(btf), ic_btf__ptr_size(btf));
			IC_CHECK(ic_btf__nr_types(btf) > 10000, "%s nr", fx[i]);
			ts = ic_btf__find(btf, "task_struct", IC_BTF_STRUCT);
			IC_CHECK(ts && ic_btf__rec(btf, ts)[2] > 1000, "%s task_struct", fx[i]);
			IC_CHECK(ic_btf__ptr_size(btf) == 8, "%s ptr size", fx[i]);
			IC_CHECK(ic_btf__find(btf, ".data..percpu", IC_BTF_DATASEC) != 0, "%s percpu",
				 fx[i]);
			ic_btf__free(btf);
		}
		free(p);
	}
	return 0;
}

int main(void)
{
	int rc;

	test_crafted();
	test_model_small();
	rc = test_real();
	if (rc)
		return rc;
	return IC_TEST_DONE();
}
