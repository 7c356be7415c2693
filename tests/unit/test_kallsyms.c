/* SPDX-License-Identifier: MIT */
/* kallsyms carver on synthetic tables built in a raw image: every era, address and length encoding. */
#include <inttypes.h>
#include <stdbool.h>
#include <time.h>

#include "ic_test.h"
#include "isfcarve/carver.h"
#include "isfcarve/image.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/symbols.h"
#include "isfcarve/vmcoreinfo.h"
#include "../carvers/kallsyms/decode_int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PT UINT64_C(0x1000000)              /* physical _text */
#define VT_X86 UINT64_C(0xffffffff8a200000) /* runtime _text */
#define VT_ARM64_3 UINT64_C(0xffffffc000080000) /* arm64 3.x-4.5 (VA_BITS 39) _text */
#define VT vt                               /* the case's runtime _text */
#define IMG_SIZE (PT + (12u << 20))
#define TABLES (PT + (6u << 20))      /* where .rodata holds the kallsyms tables */

struct sym {
	uint64_t v; /* runtime address (or absolute value for per-CPU) */
	char type;
	char name[304];
};

/* The fields after nsyms are optional: the case tables leave them out (0: the era's default). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct spec {
	const char *what;
	enum ic_ksym_era era;
	enum ic_ksym_addr_enc enc;
	unsigned ns_size;   /* num_syms and markers element size: 4, or 8 (4.18/4.19) */
	unsigned seqs;      /* 0, 3, 4 */
	int long_name;      /* 0 none, 1 ULEB128 2-byte length, 2 literal 1-byte length >= 0x80 */
	unsigned nsyms;
	unsigned align;     /* 0: the era's (8, E4 4); 256: pre-4.6 arm64 (".align 8" = 2^8) */
	int percpu;         /* E0 x86-64 per-CPU symbols first: 1 typed 'D' (3.10), 2 'A' (3.14-4.5) */
	bool arm64;         /* runtime addresses of an arm64 3.x kernel */
	bool pfx;           /* a __pfx_X padding symbol 16 bytes before every function X (6.2+ x86-64) */
};

static uint64_t vt = VT_X86;

static struct sym syms[4096];
static unsigned nsyms;
static char tokens[256][8];

static void add(uint64_t v, char type, const char *name)
{
	syms[nsyms].v = v;
	syms[nsyms].type = type;
	snprintf(syms[nsyms].name, sizeof(syms[nsyms].name), "%s", name);
	nsyms++;
}

/* A kernel-like symbol set, sorted by address. */
static void make_syms(const struct spec *s)
{
	char nm[300];
	unsigned ntext = s->nsyms / 2, ndata = s->nsyms / 4;

	nsyms = 0;
	if (s->percpu) {
		/* x86-64 before 4.6: the zero-based per-CPU section sorts first (nm -n) */
		char t = s->percpu == 2 ? 'A' : 'D';

		add(0, t, "irq_stack_union");
		add(0, t, "__per_cpu_start");
		add(0x4000, t, "gdt_page");
		add(0x9000, t, "exception_stacks");
		add(0x11000, t, "__per_cpu_end");
	}
	if (s->enc == IC_KSYM_ABS_PERCPU) {
		add(0, 'A', "fixed_percpu_data");
		add(0, 'A', "__per_cpu_start");
		add(0x1000, 'A', "cpu_debug_store");
		add(0x2000, 'A', "irq_stack_backing_store");
	}
	add(VT, 'T', "_text");
	add(VT, 'T', "_stext");
	for (unsigned i = 0; i < ntext; i++) {
		uint64_t a = VT + 0x1000 + (uint64_t)i * 0x1000 + (i * 37u) % 0x800;
		char pn[sizeof(syms[0].name)];

		snprintf(nm, sizeof(nm), "%s_func_%u", i % 3 ? "do" : "sys", i);
		if (s->pfx) {
			snprintf(pn, sizeof(pn), "__pfx_%.200s", nm);
			add(a - 16, i % 2 ? 't' : 'T', pn);
		}
		add(a, i % 2 ? 't' : 'T', nm);
	}
	if (s->long_name) {
		memset(nm, 'a', 200);
		nm[200] = '\0';
		add(VT + 0x1000 + (uint64_t)ntext * 0x1000, 't', nm);
	}
	add(VT + (5u << 20), 'T', "_etext");
	add(VT + (8u << 20), 'D', "linux_banner");
	for (unsigned i = 0; i < ndata; i++) {
		snprintf(nm, sizeof(nm), "data_obj_%u.llvm.%u", i, i * 7);
		add(VT + (8u << 20) + 0x100 + (uint64_t)i * 0x40, i % 2 ? 'd' : 'D', nm);
	}
	add(VT + (9u << 20), 'T', "_sinittext");
	add(VT + (9u << 20) + 0x100, 'T', "start_kernel");
	while (nsyms < s->nsyms - 1) {
		snprintf(nm, sizeof(nm), "init_fn_%u", nsyms);
		add(VT + (9u << 20) + 0x200 + (uint64_t)nsyms * 0x10, 't', nm);
	}
	add(VT + (10u << 20), 'T', "_einittext");
}

/* Single chars keep their code; every other code gets a multi-char token (none made of 'a's
 * only, so the 200-char name really takes 201 tokens). */
static void make_tokens(void)
{
	static const char *const pool[] = { "_fu", "nc_", "do", "sys", "_f", "unc", "dat", "a_o",
					    "bj_", "ini", "t_f", "n_", ".ll", "vm.", "_te", "xt" };
	unsigned p = 0;

	for (unsigned c = 0; c < 256; c++) {
		bool single = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      c == '_' || c == '.';

		if (single) {
			tokens[c][0] = (char)c;
			tokens[c][1] = '\0';
		} else if (p < ARRAY_SIZE(pool)) {
			snprintf(tokens[c], sizeof(tokens[c]), "%s", pool[p++]);
		} else {
			snprintf(tokens[c], sizeof(tokens[c]), "%c%c", 'B' + c % 20, 'k' + c % 13);
		}
	}
}

/* Greedy longest-token encoding of "<type><name>". */
static size_t encode(const char *s, uint8_t *out)
{
	size_t n = 0;

	while (*s) {
		unsigned best = (uint8_t)*s;
		size_t bl = 1;

		for (unsigned c = 0; c < 256; c++) {
			size_t l = strlen(tokens[c]);

			if (l > bl && !strncmp(s, tokens[c], l))
				best = c, bl = l;
		}
		out[n++] = (uint8_t)best;
		s += bl;
	}
	return n;
}

static void put(uint8_t *b, uint64_t at, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		b[at + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t align(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static uint64_t phys_of(uint64_t v)
{
	return v - VT + PT;
}

struct built {
	uint64_t names, tt, ti, offs, end;
};

static const struct sym *seq_base;
static int cmp_seq(const void *a, const void *b)
{
	return strcmp(seq_base[*(const unsigned *)a].name, seq_base[*(const unsigned *)b].name);
}

static uint64_t emit_addrs(uint8_t *b, uint64_t c, const struct spec *s, uint64_t *rb_at)
{
	uint64_t rb = VT;

	*rb_at = 0;
	if (s->enc == IC_KSYM_ABSOLUTE) {
		for (unsigned i = 0; i < nsyms; i++)
			put(b, c + 8ull * i, syms[i].v, 8);
		return c + 8ull * nsyms;
	}
	for (unsigned i = 0; i < nsyms; i++) {
		uint64_t at = c + 4ull * i;
		uint32_t o;

		if (s->enc == IC_KSYM_PLACE_RELATIVE)
			o = (uint32_t)(phys_of(syms[i].v) - at);
		else if (s->enc == IC_KSYM_ABS_PERCPU)
			o = syms[i].type == 'A' ? (uint32_t)syms[i].v : (uint32_t)(rb - 1 - syms[i].v);
		else
			o = (uint32_t)(syms[i].v - rb);
		put(b, at, o, 4);
	}
	c += 4ull * nsyms;
	if (s->enc != IC_KSYM_PLACE_RELATIVE) {
		c = align(c, 8);
		*rb_at = c;
		put(b, c, rb, 8);
		c += 8;
	}
	return c;
}

/* Write the tables of spec s into b (a raw image) in its era's order. */
static struct built build(uint8_t *b, const struct spec *s)
{
	unsigned a = s->align ? s->align : s->era == IC_KSYM_E4 ? 4 : 8, ord[4096];
	uint64_t c = TABLES, rb_at, marks[32];
	struct built r;
	uint8_t enc[600];
	char full[320];

	memset(b, 0, IMG_SIZE);
	/* data: each object starts with a pointer to a text symbol; the banner is where it says */
	for (unsigned i = 0; i < nsyms; i++) {
		if (syms[i].v < VT)
			continue; /* per-CPU values, not addresses of the image */
		if (!strcmp(syms[i].name, "linux_banner"))
			memcpy(b + phys_of(syms[i].v), "Linux version 6.1.0-test (x@y) #1 SMP\n", 38);
		else if (syms[i].type == 'd' && i % 3 == 0) /* an empty list_head: points to itself */
			put(b, phys_of(syms[i].v), syms[i].v, 8);
		else if (syms[i].type == 'd' || syms[i].type == 'D') /* an ops table: a function */
			put(b, phys_of(syms[i].v), syms[(i * 7) % 1000 + 10].v, 8);
	}
	if (s->era == IC_KSYM_E0 || s->era == IC_KSYM_E1 || s->era == IC_KSYM_E2) {
		c = align(c, a);
		r.offs = c;
		c = emit_addrs(b, c, s, &rb_at);
		c = align(c, a);
	}
	put(b, c, nsyms, s->ns_size); /* num_syms */
	c = align(c + s->ns_size, a);
	r.names = c;
	for (unsigned i = 0; i < nsyms; i++) {
		size_t n;

		if (i % 256 == 0)
			marks[i / 256] = c - r.names;
		snprintf(full, sizeof(full), "%c%s", syms[i].type, syms[i].name);
		n = encode(full, enc);
		if (n >= 0x80 && s->long_name == 1) {
			b[c++] = (uint8_t)((n & 0x7f) | 0x80);
			b[c++] = (uint8_t)(n >> 7);
		} else {
			b[c++] = (uint8_t)n;
		}
		memcpy(b + c, enc, n);
		c += n;
	}
	c = align(c, a);
	for (unsigned k = 0; k < (nsyms + 255) / 256; k++) {
		put(b, c, marks[k], s->ns_size);
		c += s->ns_size;
	}
	c = align(c, a);
	if (s->seqs) {
		for (unsigned i = 0; i < nsyms; i++)
			ord[i] = i;
		seq_base = syms;
		qsort(ord, nsyms, sizeof(*ord), cmp_seq);
	}
	if (s->era == IC_KSYM_E2) {
		for (unsigned i = 0; i < nsyms; i++) {
			if (s->seqs == 3) {
				b[c + 3ull * i] = (uint8_t)(ord[i] >> 16);
				b[c + 3ull * i + 1] = (uint8_t)(ord[i] >> 8);
				b[c + 3ull * i + 2] = (uint8_t)ord[i];
			} else {
				put(b, c + 4ull * i, ord[i], 4);
			}
		}
		c = align(c + s->seqs * nsyms, a);
	}
	r.tt = c;
	{
		uint64_t idx[256], t0 = c;

		for (unsigned k = 0; k < 256; k++) {
			idx[k] = c - t0;
			memcpy(b + c, tokens[k], strlen(tokens[k]) + 1);
			c += strlen(tokens[k]) + 1;
		}
		c = align(c, a);
		r.ti = c;
		for (unsigned k = 0; k < 256; k++)
			put(b, c + 2 * k, idx[k], 2);
		c += 512;
	}
	if (s->era == IC_KSYM_E3 || s->era == IC_KSYM_E4) {
		c = align(c, a);
		r.offs = c;
		c = emit_addrs(b, c, s, &rb_at);
		c = align(c, a);
		if (s->seqs)
			for (unsigned i = 0; i < nsyms; i++) {
				b[c + 3ull * i] = (uint8_t)(ord[i] >> 16);
				b[c + 3ull * i + 1] = (uint8_t)(ord[i] >> 8);
				b[c + 3ull * i + 2] = (uint8_t)ord[i];
			}
	}
	(void)rb_at;
	r.end = c + (s->seqs && (s->era == IC_KSYM_E3 || s->era == IC_KSYM_E4) ? 3ull * nsyms : 0);
	return r;
}

static uint8_t *img_buf;

static void printer(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)lvl;
	(void)arg;
	fprintf(stderr, "  %s\n", msg);
}

/* IC_TEST_VERBOSE=1 shows the carver's reasoning. */
static struct ic_ctx test_ctx(unsigned threads)
{
	struct ic_ctx c = { .threads = threads };

	if (getenv("IC_TEST_VERBOSE")) {
		c.print = printer;
		c.level = IC_LOG_DEBUG;
	}
	return c;
}

/* IC_KSYM_CORPUS_DIR=dir: write the table bytes of each pre-7.0 case as a fuzz seed (raw image
 * starting at the first table; place-relative tables need the whole kernel image, too big). */
static void write_seed(const struct spec *s, struct built bt)
{
	const char *dir = getenv("IC_KSYM_CORPUS_DIR");
	uint64_t lo = bt.names < bt.offs ? bt.names : bt.offs;
	char path[512], *q;
	FILE *f;

	if (!dir || s->era == IC_KSYM_E4)
		return;
	lo -= s->align == 256 ? 256 : 8; /* keep the tables' alignment in the seed's offsets */
	snprintf(path, sizeof(path), "%s/seed-%s", dir, s->what);
	for (q = path + strlen(dir) + 1; *q; q++)
		if (*q == ' ' || *q == '(' || *q == ')' || *q == '.')
			*q = '_';
	f = fopen(path, "wb");
	if (f) {
		fwrite(img_buf + lo, 1, (size_t)(bt.end - lo), f);
		fclose(f);
	}
}

static void check_case(const struct spec *s)
{
	struct ic_ctx ctx = test_ctx(1);
	struct ic_image *img = NULL;
	struct ic_findings f;
	struct built bt;
	const struct ic_kallsyms *k;
	enum ic_ksym_len_enc want_len = s->long_name == 1 ? IC_KSYM_LEN_ULEB128
				      : s->long_name == 2 ? IC_KSYM_LEN_1BYTE : IC_KSYM_LEN_SHORT;
	size_t bad = 0;

	vt = s->arm64 ? VT_ARM64_3 : VT_X86;
	make_syms(s);
	bt = build(img_buf, s);
	write_seed(s, bt);
	IC_CHECK(!ic_image__open_mem(&ctx, s->what, img_buf, IMG_SIZE, NULL, NULL, 0, &img), "%s", s->what);
	if (!img)
		return;
	IC_CHECK(!ic_scan(&ctx, img, &f), "%s: scan", s->what);
	k = f.kallsyms;
	IC_CHECK(k != NULL, "%s: not found", s->what);
	if (k) {
		IC_CHECK(k->era == s->era, "%s: era %s", s->what, ic_kallsyms__era_name(k->era));
		IC_CHECK(k->addr_enc == s->enc, "%s: enc %s", s->what, ic_kallsyms__addr_enc_name(k->addr_enc));
		IC_CHECK(k->len_enc == want_len, "%s: len %s", s->what, ic_kallsyms__len_enc_name(k->len_enc));
		IC_CHECK(k->num_syms_size == s->ns_size, "%s: num_syms size %u", s->what, k->num_syms_size);
		IC_CHECK(k->seqs_size == s->seqs, "%s: seqs %u", s->what, k->seqs_size);
		IC_CHECK(k->align == (s->align ? s->align : s->era == IC_KSYM_E4 ? 4u : 8u), "%s: align %u",
			 s->what, k->align);
		IC_CHECK(k->nsyms == nsyms, "%s: %zu symbols of %u", s->what, k->nsyms, nsyms);
		IC_CHECK(k->tables[IC_KTAB_NAMES].phys == bt.names, "%s: names at 0x%" PRIx64, s->what,
			 k->tables[IC_KTAB_NAMES].phys);
		IC_CHECK(k->tables[IC_KTAB_TOKEN_TABLE].phys == bt.tt, "%s: token_table", s->what);
		IC_CHECK(k->tables[IC_KTAB_ADDRS].phys == bt.offs, "%s: offsets", s->what);
		IC_CHECK(k->have_delta && k->virt_delta == VT - PT, "%s: delta %d 0x%" PRIx64 " (%s)",
			 s->what, k->have_delta, k->virt_delta, k->delta_source ? k->delta_source : "-");
		IC_CHECK(k->tables[IC_KTAB_NAMES].virt == bt.names + VT - PT, "%s: names virt", s->what);
		for (size_t i = 0; i < k->nsyms && i < nsyms; i++) {
			bool ok = k->syms[i].addr == syms[i].v && k->syms[i].type == syms[i].type &&
				  !strcmp(k->syms[i].name, syms[i].name) &&
				  !!(k->syms[i].flags & IC_SYM_ABSOLUTE) == (syms[i].type == 'A');

			if (!ok && bad++ < 3)
				fprintf(stderr, "%s: [%zu] %c %s 0x%" PRIx64 " vs %c %s 0x%" PRIx64 "\n",
					s->what, i, k->syms[i].type, k->syms[i].name, k->syms[i].addr,
					syms[i].type, syms[i].name, syms[i].v);
		}
		IC_CHECK(!bad, "%s: %zu symbols differ", s->what, bad);
		{
			struct ic_ksym ts[IC_KTAB__COUNT];
			size_t n = ic_kallsyms__table_syms(k, ts);

			IC_CHECK(n >= 6, "%s: %zu table symbols", s->what, n);
		}
	}
	ic_findings__release(&f);
	ic_image__free(img);
	vt = VT_X86;
}

/* Damage that must make the only candidate fail cleanly (no symbols, no crash). */
static void check_reject(const char *what, const struct spec *s, void (*damage)(uint8_t *, struct built))
{
	struct ic_ctx ctx = test_ctx(1);
	struct ic_image *img = NULL;
	struct ic_findings f;
	struct built bt;

	make_syms(s);
	bt = build(img_buf, s);
	damage(img_buf, bt);
	IC_CHECK(!ic_image__open_mem(&ctx, what, img_buf, IMG_SIZE, NULL, NULL, 0, &img), "%s", what);
	if (!img)
		return;
	IC_CHECK(!ic_scan(&ctx, img, &f), "%s: scan", what);
	IC_CHECK(f.kallsyms == NULL, "%s: damaged table accepted", what);
	ic_findings__release(&f);
	ic_image__free(img);
}

static void bad_marker(uint8_t *b, struct built bt) { b[bt.tt - 8]++; }
static void bad_index(uint8_t *b, struct built bt) { b[bt.ti + 2 * 0x41]++; }
static void bad_token(uint8_t *b, struct built bt) { b[bt.tt + 1] = 0x01; }
static void bad_type(uint8_t *b, struct built bt) { b[bt.names + 1] = '!'; }
static void bad_order(uint8_t *b, struct built bt) { put(b, bt.offs + 4 * 600, 0x7fffffff, 4); }
/* seqs_of_names still a permutation, but two names swapped: out of name order */
static void bad_seqs(uint8_t *b, struct built bt)
{
	uint64_t sq = bt.end - 3ull * nsyms;
	uint8_t x[3];

	memcpy(x, b + sq + 3 * 100, 3);
	memcpy(b + sq + 3 * 100, b + sq + 3 * 900, 3);
	memcpy(b + sq + 3 * 900, x, 3);
}
/* one name byte (issue 18 D2): the first digit of an "init_fn_N" name near the end becomes
 * '9' (digits are single-char tokens), so it sorts after its neighbours */
static void bad_name_byte(uint8_t *b, struct built bt)
{
	uint64_t p = bt.names;

	for (unsigned i = 0; i < nsyms - 10; i++)
		p += 1 + b[p]; /* short lengths in this case */
	for (unsigned j = 1; j <= b[p]; j++)
		if (b[p + j] >= '1' && b[p + j] <= '8') {
			b[p + j] = '9';
			return;
		}
}
/* one bit of a multi-char token: "sys" -> "rys" renames every sys_func_N (issue 18 D1) */
static void bad_token_bit(uint8_t *b, struct built bt)
{
	for (uint64_t p = bt.tt; p < bt.ti; p++)
		if (!memcmp(b + p, "sys", 4)) {
			b[p] ^= 0x01;
			return;
		}
}
/* one low bit of one function's offset (issue 18 D3): do_func_500 moves 2 bytes, the table
 * stays sorted, the distance to __pfx_do_func_500 becomes 18 */
static void bad_offset_bit(uint8_t *b, struct built bt)
{
	for (unsigned i = 0; i < nsyms; i++)
		if (!strcmp(syms[i].name, "do_func_500")) {
			b[bt.offs + 4ull * i] ^= 0x02;
			return;
		}
}
/* E3 without its seqs_of_names: the names could not be checked */
static void no_seqs(uint8_t *b, struct built bt)
{
	memset(b + bt.end - 3ull * nsyms, 0, 3ull * nsyms);
}

/* VMCOREINFO naming the tables: agreement and the delta it gives. */
static void check_vmcoreinfo(void)
{
	static const struct spec s = { "E3 vmcoreinfo", IC_KSYM_E3, IC_KSYM_BASE_RELATIVE, 4, 3, 0, 1500 };
	struct ic_ctx ctx = test_ctx(1);
	struct ic_image *img = NULL;
	struct ic_kallsyms *k = NULL;
	struct built bt;
	char v1[32], v2[32];
	struct ic_vmcoreinfo_entry ent[2] = { { "SYMBOL(kallsyms_names)", v1 },
					      { "SYMBOL(kallsyms_token_table)", v2 } };
	struct ic_vmcoreinfo vi = { .entries = ent, .nentries = 2 };

	make_syms(&s);
	bt = build(img_buf, &s);
	snprintf(v1, sizeof(v1), "%" PRIx64, bt.names + VT - PT);
	snprintf(v2, sizeof(v2), "%" PRIx64, bt.tt + VT - PT);
	IC_CHECK(!ic_image__open_mem(&ctx, "vmci", img_buf, IMG_SIZE, NULL, NULL, 0, &img), "open");
	{
		const uint8_t pat[4] = { '0', 0, '1', 0 };
		uint64_t at = 0;

		for (uint64_t p = bt.tt; p < bt.tt + 4096; p++)
			if (!memcmp(img_buf + p, pat, 4)) {
				at = p;
				break;
			}
		IC_CHECK(!ic_kallsyms__decode(&ctx, img, at, &vi, &k), "decode with VMCOREINFO");
	}
	if (k) {
		IC_CHECK(k->vmcoreinfo_agrees, "VMCOREINFO agreement");
		IC_CHECK(!strcmp(k->delta_source, "vmcoreinfo") && k->virt_delta == VT - PT, "delta");
		ic_kallsyms__free(k);
		k = NULL;
	}
	/* a VMCOREINFO of another kernel: no agreement, structural evidence still decides */
	snprintf(v1, sizeof(v1), "%" PRIx64, bt.names + VT - PT + 0x200000);
	{
		const uint8_t pat[4] = { '0', 0, '1', 0 };
		uint64_t at = 0;

		for (uint64_t p = bt.tt; p < bt.tt + 4096; p++)
			if (!memcmp(img_buf + p, pat, 4)) {
				at = p;
				break;
			}
		IC_CHECK(!ic_kallsyms__decode(&ctx, img, at, &vi, &k), "decode with foreign VMCOREINFO");
	}
	if (k) {
		IC_CHECK(!k->vmcoreinfo_agrees, "foreign VMCOREINFO must not agree");
		IC_CHECK(k->have_delta && k->virt_delta == VT - PT, "structural delta");
		ic_kallsyms__free(k);
	}
	ic_image__free(img);
}

/* Two copies of the same kernel (running + page-cache copy): both validate, one is chosen. */
static void check_two_copies(void)
{
	static const struct spec s = { "E4 twice", IC_KSYM_E4, IC_KSYM_PLACE_RELATIVE, 4, 3, 1, 1500 };
	struct ic_ctx ctx = test_ctx(2);
	uint8_t *big = calloc(1, 2 * IMG_SIZE);
	struct ic_image *img = NULL;
	struct ic_findings f;

	if (!big)
		return;
	make_syms(&s);
	build(img_buf, &s);
	memcpy(big, img_buf, IMG_SIZE);
	memcpy(big + IMG_SIZE + PT, img_buf + PT, IMG_SIZE - PT);
	IC_CHECK(!ic_image__open_mem(&ctx, "two", big, 2 * IMG_SIZE, NULL, NULL, 0, &img), "open");
	if (img) {
		IC_CHECK(!ic_scan(&ctx, img, &f), "scan");
		IC_CHECK(f.kallsyms && f.kallsyms->copies == 2, "copies %u",
			 f.kallsyms ? f.kallsyms->copies : 0);
		IC_CHECK(f.kallsyms && f.kallsyms->tables[IC_KTAB_TOKEN_TABLE].phys < IMG_SIZE,
			 "lowest copy chosen");
		ic_findings__release(&f);
		ic_image__free(img);
	}
	free(big);
}

/* Many exact token tables and nothing else: rejected, and bounded (IC_MAX_KSYM_TABLE_CANDIDATES). */
static void check_many_token_tables(void)
{
	static const struct spec s = { "tokens only", IC_KSYM_E3, IC_KSYM_BASE_RELATIVE, 4, 3, 0, 1500 };
	struct ic_ctx ctx = test_ctx(2);
	struct ic_image *img = NULL;
	struct ic_findings f;
	struct built bt;
	uint8_t *b = calloc(1, 8u << 20);
	size_t tl;

	if (!b)
		return;
	make_syms(&s);
	bt = build(img_buf, &s);
	tl = (size_t)(bt.ti + 512 - bt.tt);
	for (size_t i = 0; i < 100; i++)
		memcpy(b + 4096 + i * 65536, img_buf + bt.tt, tl);
	IC_CHECK(!ic_image__open_mem(&ctx, "tokens", b, 8u << 20, NULL, NULL, 0, &img), "open");
	if (img) {
		IC_CHECK(!ic_scan(&ctx, img, &f), "scan");
		IC_CHECK(!f.kallsyms, "token tables alone accepted");
		ic_findings__release(&f);
		ic_image__free(img);
	}
	free(b);
}

/* A crafted increasing u32 progression before a token table: every position looks like the end
 * of a marker array. The work budget must keep this fast (it was quadratic). */
static void check_progression(void)
{
	static const struct spec s = { "progression", IC_KSYM_E3, IC_KSYM_BASE_RELATIVE, 4, 3, 0, 1500 };
	struct ic_ctx ctx = test_ctx(1);
	struct ic_image *img = NULL;
	struct ic_findings f;
	struct built bt;
	size_t size = 24u << 20, at = 20u << 20;
	uint8_t *b = calloc(1, size);
	time_t t0;

	if (!b)
		return;
	make_syms(&s);
	bt = build(img_buf, &s);
	for (size_t i = 1; i < at / 4; i++)
		put(b, 4 * i, 600 * (uint64_t)i, 4);
	memcpy(b + at, img_buf + bt.tt, (size_t)(bt.ti + 512 - bt.tt));
	t0 = time(NULL);
	IC_CHECK(!ic_image__open_mem(&ctx, "progression", b, size, NULL, NULL, 0, &img), "open");
	if (img) {
		IC_CHECK(!ic_scan(&ctx, img, &f), "scan");
		IC_CHECK(!f.kallsyms, "progression accepted");
		ic_findings__release(&f);
		ic_image__free(img);
	}
	IC_CHECK(time(NULL) - t0 < 60, "progression took %ld s", (long)(time(NULL) - t0));
	free(b);
}

/*
 * Names the kernel makes in pairs (name_pairs.c): 300 exports __ksymtab_fN with their fN, and
 * 150 __SCK__sN without __SCT__sN (as on arm64: a family this kernel does not pair, not
 * judged), and 1000 data objects (a CONFIG_KALLSYMS_ALL table). One fN renamed leaves its
 * __ksymtab_ alone: the copy is refused (the order check misses a new name that sorts where
 * the old one did, and before 6.2 there is none). A quarter of the exports alone: not a
 * family this kernel pairs, not judged. Without the data objects (no KALLSYMS_ALL: an
 * exported data object is dropped while its __ksymtab_ stays on old arm64) the exports are
 * not judged either.
 */
static void test_name_pairs(void)
{
	enum { NF = 300, NS = 150, ND = 1000, N = 2 * NF + NS + ND };
	static char names[N][32];
	struct ic_ksym ks[N];
	struct ic_kallsyms k;

	memset(&k, 0, sizeof(k));
	for (unsigned i = 0; i < NF; i++) {
		snprintf(names[2 * i], sizeof(names[0]), "__ksymtab_f%u", i);
		snprintf(names[2 * i + 1], sizeof(names[0]), "f%u", i);
	}
	for (unsigned i = 0; i < NS; i++)
		snprintf(names[2 * NF + i], sizeof(names[0]), "__SCK__s%u", i);
	for (unsigned i = 0; i < ND; i++)
		snprintf(names[2 * NF + NS + i], sizeof(names[0]), "v%u", i);
	for (unsigned i = 0; i < N; i++)
		ks[i] = (struct ic_ksym){ 0xffffffff81000000ull + i * 16, names[i],
					  i < 2 * NF + NS ? 'T' : 'd', 0 };
	k.syms = ks;
	k.nsyms = N;
	IC_CHECK(ic_ksd_check_name_pairs(NULL, &k) == 0, "name pairs: all partnered");
	snprintf(names[2 * 17 + 1], sizeof(names[0]), "f17x");
	IC_CHECK(ic_ksd_check_name_pairs(NULL, &k) == -IC_ENOTFOUND, "name pairs: f17 renamed f17x");
	k.nsyms = 2 * NF + NS;
	IC_CHECK(ic_ksd_check_name_pairs(NULL, &k) == 0,
		 "name pairs: without data objects the exports are not judged");
	k.nsyms = N;
	snprintf(names[2 * 17 + 1], sizeof(names[0]), "f17");
	snprintf(names[2 * 40], sizeof(names[0]), "__ksymtab_f4O");
	IC_CHECK(ic_ksd_check_name_pairs(NULL, &k) == -IC_ENOTFOUND,
		 "name pairs: __ksymtab_f40 renamed __ksymtab_f4O");
	for (unsigned i = 0; i < NF / 4; i++)
		snprintf(names[2 * i + 1], sizeof(names[0]), "g%u", i);
	IC_CHECK(ic_ksd_check_name_pairs(NULL, &k) == 0,
		 "name pairs: a quarter of a family alone is not judged");
}

int main(void)
{
	static const struct spec cases[] = {
		{ "E1 4.19 u64 abs-percpu", IC_KSYM_E1, IC_KSYM_ABS_PERCPU, 8, 0, 0, 1500 },
		{ "E1 4.20 abs-percpu", IC_KSYM_E1, IC_KSYM_ABS_PERCPU, 4, 0, 0, 1501 },
		{ "E1 base-relative", IC_KSYM_E1, IC_KSYM_BASE_RELATIVE, 4, 0, 0, 1300 },
		{ "E1 absolute", IC_KSYM_E1, IC_KSYM_ABSOLUTE, 4, 0, 0, 1200 },
		{ "E0 u64 absolute literal long", IC_KSYM_E0, IC_KSYM_ABSOLUTE, 8, 0, 2, 1200 },
		/* before 4.6 (scripts/kallsyms of 3.10 and 4.4): u64 addresses, num_syms, markers */
		{ "E0 3.10 x86-64", IC_KSYM_E0, IC_KSYM_ABSOLUTE, 8, 0, 0, 1500, .percpu = 1 },
		{ "E0 4.4 x86-64 percpu A", IC_KSYM_E0, IC_KSYM_ABSOLUTE, 8, 0, 0, 1501, .percpu = 2 },
		{ "E0 3.10 arm64 align 256", IC_KSYM_E0, IC_KSYM_ABSOLUTE, 8, 0, 0, 1502, .align = 256,
		  .arm64 = true },
		{ "E0 4.4 arm64 align 256 odd", IC_KSYM_E0, IC_KSYM_ABSOLUTE, 8, 0, 0, 1027, .align = 256,
		  .arm64 = true },
		{ "E1 6.1 uleb", IC_KSYM_E1, IC_KSYM_ABS_PERCPU, 4, 0, 1, 1777 },
		{ "E2 seqs3", IC_KSYM_E2, IC_KSYM_ABS_PERCPU, 4, 3, 1, 1500 },
		{ "E2 seqs4 (6.1.42-59)", IC_KSYM_E2, IC_KSYM_ABS_PERCPU, 4, 4, 0, 1501 },
		{ "E2 base-relative odd", IC_KSYM_E2, IC_KSYM_BASE_RELATIVE, 4, 3, 0, 1027 },
		{ "E3 abs-percpu", IC_KSYM_E3, IC_KSYM_ABS_PERCPU, 4, 3, 1, 1500 },
		{ "E3 base-relative", IC_KSYM_E3, IC_KSYM_BASE_RELATIVE, 4, 3, 0, 1501 },
		{ "E3 absolute", IC_KSYM_E3, IC_KSYM_ABSOLUTE, 4, 3, 0, 1400 },
		{ "E4 place-relative", IC_KSYM_E4, IC_KSYM_PLACE_RELATIVE, 4, 3, 1, 1500 },
		{ "E4 place-relative odd short", IC_KSYM_E4, IC_KSYM_PLACE_RELATIVE, 4, 3, 0, 1001 },
	};
	static const struct spec rej = { "reject", IC_KSYM_E3, IC_KSYM_BASE_RELATIVE, 4, 3, 0, 1500 };
	static const struct spec pfx = { "E3 __pfx_ pairs", IC_KSYM_E3, IC_KSYM_BASE_RELATIVE, 4, 3, 0,
					 2400, .pfx = true };

	test_name_pairs();
	img_buf = malloc(IMG_SIZE);
	if (!img_buf)
		return 1;
	make_tokens();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_case(&cases[i]);
	check_reject("bad marker", &rej, bad_marker);
	check_reject("bad token_index", &rej, bad_index);
	check_reject("bad token", &rej, bad_token);
	check_reject("bad type", &rej, bad_type);
	check_reject("non-monotonic offsets", &rej, bad_order);
	check_reject("names out of seqs order", &rej, bad_seqs);
	check_reject("one name byte", &rej, bad_name_byte);
	check_reject("one token bit", &rej, bad_token_bit);
	check_reject("E3 without seqs_of_names", &rej, no_seqs);
	check_case(&pfx);
	check_reject("one offset bit of a function with __pfx_", &pfx, bad_offset_bit);
	check_vmcoreinfo();
	check_two_copies();
	check_many_token_tables();
	check_progression();
	free(img_buf);
	return IC_TEST_DONE();
}
