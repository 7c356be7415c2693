/* SPDX-License-Identifier: MIT */
/* Unit tests for the symbol table and the System.map / /proc/kallsyms parser. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ic_test.h"
#include "0-base/internal.h"
#include "isfcarve/live.h"
#include "isfcarve/symbols.h"
#include "0-base/ic_limits.h"

/* The last library message, to check that errors name the file and line. */
struct lastmsg {
	char msg[1024];
	int n;
};

static void keep_msg(enum ic_log_level lvl, const char *msg, void *arg)
{
	struct lastmsg *m = arg;

	(void)lvl;
	snprintf(m->msg, sizeof(m->msg), "%s", msg);
	m->n++;
}

static int parse(const char *text, struct ic_symtab **out, struct lastmsg *m, bool *zero)
{
	struct ic_ctx ctx = { .print = keep_msg, .print_arg = m, .level = IC_LOG_DEBUG };
	struct ic_symtab *t = ic_symtab__new();
	int err;

	memset(m, 0, sizeof(*m));
	err = ic_symtab__parse_map(&ctx, t, text, strlen(text), "test.map", zero);
	*out = t;
	return err;
}

static void test_good(void)
{
	static const char text[] =
		"0000000000000000 D __per_cpu_start\n"
		"ffffffff81000000 T _text\n"
		"ffffffff81000010 t dup\n"
		"00000000000001ea A kexec_control_code_size\n"
		"ffffffff82000000 d dup\r\n"
		"\n"
		"ffffffffc0001000 t mod_fn\t[ext4]\n"
		"ffffffffc0001008 r .L14472\x02" "1\t[virtio_blk]\n" /* arm64 7.2 lists such names */
		"ffffffff83000000 V weakobj\n"
		"ffffffff83000008 w weakfn";
	struct ic_symtab *t;
	struct lastmsg m;
	const struct ic_sym *s;
	bool zero = true;
	int err = parse(text, &t, &m, &zero);

	IC_CHECK(err == 0, "parse: %d %s", err, m.msg);
	IC_CHECK(t->n == 7, "7 symbols (module line skipped), got %zu", t->n);
	IC_CHECK(!zero, "not all zero");
	s = ic_symtab__find(t, "dup");
	IC_CHECK(s && s->addr == 0xffffffff82000000ull && s->type == 'd', "last duplicate wins");
	s = ic_symtab__find(t, "kexec_control_code_size");
	IC_CHECK(s && s->addr == 0x1ea && (s->flags & IC_SYM_ABSOLUTE), "A is absolute");
	s = ic_symtab__find(t, "_text");
	IC_CHECK(s && s->type == 'T' && !(s->flags & IC_SYM_ABSOLUTE), "_text");
	IC_CHECK(!ic_symtab__find(t, "mod_fn"), "module symbol skipped");
	IC_CHECK(!ic_symtab__find(t, "nope"), "absent");
	s = ic_symtab__find(t, "weakfn");
	IC_CHECK(s && s->addr == 0xffffffff83000008ull, "no trailing newline");
	/* Adding invalidates the index; the new last duplicate wins. */
	IC_CHECK(ic_symtab__add(t, 5, 't', "dup", 3, 0) == 0, "add");
	s = ic_symtab__find(t, "dup");
	IC_CHECK(s && s->addr == 5, "index rebuilt after add");
	ic_symtab__sort(t);
	IC_CHECK(t->syms[0].addr == 0 && t->syms[1].addr == 5 && t->syms[2].addr == 0x1ea,
		 "sorted by address");
	IC_CHECK(!strcmp(t->syms[1].name, "dup"), "sorted names stay attached");
	/* Dropping a name takes every copy, keeps the others' order and the index right. */
	IC_CHECK(ic_symtab__find(t, "weakobj"), "find before drop (index built)");
	IC_CHECK(ic_symtab__drop(t, "dup") == 3, "3 dups dropped");
	IC_CHECK(t->n == 5 && !ic_symtab__find(t, "dup"), "dup gone, %zu left", t->n);
	IC_CHECK(t->syms[0].addr == 0 && t->syms[1].addr == 0x1ea, "order kept after drop");
	s = ic_symtab__find(t, "weakobj");
	IC_CHECK(s && s->addr == 0xffffffff83000000ull, "index rebuilt after drop");
	IC_CHECK(ic_symtab__drop(t, "nope") == 0 && t->n == 5, "absent name: nothing dropped");
	ic_symtab__free(t);
}

static void test_bad(void)
{
	static const struct {
		const char *text, *want;
		int err;
	} cases[] = {
		{ "ffffffff81000000 T ok\nzzzz T bad\n", "test.map:2:", -IC_EFORMAT },
		{ "ffffffff81000000 T ok\nffffffff81000000 1 bad\n", "test.map:2:", -IC_EFORMAT },
		{ "ffffffff81000000 T\n", "test.map:1:", -IC_EFORMAT },
		{ "ffffffff81000000  T x\n", "test.map:1:", -IC_EFORMAT },
		{ "1ffffffff81000000 T x\n", "test.map:1:", -IC_EFORMAT },
		{ "ffffffff81000000 T x y\n", "test.map:1:", -IC_EFORMAT },
		{ "ffffffff81000000 T x\t[mod\n", "test.map:1:", -IC_EFORMAT },
		{ "ffffffff81000000 T na\x01me\n", "test.map:1:", -IC_EFORMAT },
		{ "ffffffff81000000 T na\x01me\t[mod\n", "test.map:1:", -IC_EFORMAT },
		{ "ffffffff81000000 T n\xc3\xa9\n", "test.map:1:", -IC_EFORMAT },
		{ "", "no symbols", -IC_EFORMAT },
		{ "\n\n", "no symbols", -IC_EFORMAT },
		{ "ffffffffc0000000 t x\t[mod]\n", "no symbols", -IC_EFORMAT },
		{ "ffffffffffffffff B The real System.map is in the linux-image-6.1.0-56-amd64-dbg "
		  "package\n",
		  "linux-image-6.1.0-56-amd64-dbg", -IC_EPLACEHOLDER },
	};
	char big[IC_MAX_SYMLINE + 64];

	for (size_t i = 0; i < IC_ARRAY_SIZE(cases); i++) {
		struct ic_symtab *t;
		struct lastmsg m;
		int err = parse(cases[i].text, &t, &m, NULL);

		IC_CHECK(err == cases[i].err, "case %zu: err %d want %d (%s)", i, err, cases[i].err,
			 m.msg);
		IC_CHECK(strstr(m.msg, cases[i].want), "case %zu: message '%s' lacks '%s'", i, m.msg,
			 cases[i].want);
		ic_symtab__free(t);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "ffffffff81000000 T ", 19);
	{
		struct ic_symtab *t;
		struct lastmsg m;
		int err = parse(big, &t, &m, NULL);

		IC_CHECK(err == -IC_ELIMIT && strstr(m.msg, "test.map:1:"), "long line: %d %s", err,
			 m.msg);
		ic_symtab__free(t);
	}
}

/* Compiler-local labels (5.10's kallsyms lists .LC* string constants) are not symbols: System.map
 * (scripts/mksysmap) never lists them, so neither does a table parsed from kallsyms text. */
static void test_local_labels(void)
{
	static const char text[] =
		"ffffffff81000000 T _text\n"
		"ffffffff81e00010 r .LC0\n"
		"ffffffff81e00020 r .LC1\n"
		"ffffffff81e00030 t .Ltmp7\n"
		"ffff800008010000 t $x\n"
		"ffff800008010008 d __kvm_nvhe_$d\n"
		"ffff800008010010 t __pi_.L42\n"
		"ffffffff82000000 d __func__.12\n"
		"ffffffff82000010 b __key.5\n"
		"ffffffff82000020 d .data_mark\n"
		"ffffffff82000030 t __pi_memcpy\n"
		"ffffffff82000040 t L0\n";
	static const char *const kept[] = { "_text", "__func__.12", "__key.5", ".data_mark",
					    "__pi_memcpy", "L0" };
	static const char *const gone[] = { ".LC0", ".LC1", ".Ltmp7", "$x", "__kvm_nvhe_$d",
					    "__pi_.L42" };
	struct ic_symtab *t;
	struct lastmsg m;
	int err = parse(text, &t, &m, NULL);

	IC_CHECK(err == 0, "parse: %d %s", err, m.msg);
	IC_CHECK(t->n == IC_ARRAY_SIZE(kept), "%zu kept, got %zu", IC_ARRAY_SIZE(kept), t->n);
	for (size_t i = 0; i < IC_ARRAY_SIZE(kept); i++)
		IC_CHECK(ic_symtab__find(t, kept[i]), "%s kept", kept[i]);
	for (size_t i = 0; i < IC_ARRAY_SIZE(gone); i++)
		IC_CHECK(!ic_symtab__find(t, gone[i]), "%s left out", gone[i]);
	IC_CHECK(strstr(m.msg, "left out 6 compiler-local labels"), "info message: %s", m.msg);
	IC_CHECK(!ic_sym_name_is_local_label(".L", 1), "length bounds the name");
	IC_CHECK(!ic_sym_name_is_local_label("__pi_", 5), "bare namespace prefix is a name");
	IC_CHECK(ic_sym_name_is_local_label("$", 1), "lone $");
	ic_symtab__free(t);
}

static void test_zero(void)
{
	struct ic_symtab *t;
	struct lastmsg m;
	bool zero = false;
	int err = parse("0000000000000000 T _text\n0000000000000000 t x\n", &t, &m, &zero);

	IC_CHECK(err == 0 && zero, "kptr_restrict output: all zero");
	ic_symtab__free(t);
}

/* Real System.map files: count lines and time the parse (target: a few ms for 300k lines). */
static void test_real(const char *fx)
{
	char buf[4096];
	const char *path = ic_test_fixture(fx, "System.map", buf, sizeof(buf));
	struct ic_ctx ctx = { 0 };
	struct ic_blob b;
	struct ic_symtab *t;
	struct timespec t0, t1;
	size_t lines = 0;
	const struct ic_sym *s;
	int err;

	if (!path) {
		IC_CHECK(!getenv("CI"), "fixture %s missing", fx);
		return;
	}
	err = ic_blob__load(&ctx, path, IC_MAX_SYMFILE_BYTES, &b);
	IC_CHECK(err == 0, "load %s: %d", path, err);
	if (err)
		return;
	for (size_t i = 0; i < b.len; i++)
		lines += b.data[i] == '\n';
	t = ic_symtab__new();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = ic_symtab__parse_map(&ctx, t, (const char *)b.data, b.len, path, NULL);
	s = ic_symtab__find(t, "linux_banner");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	IC_CHECK(err == 0, "%s: parse %d", fx, err);
	IC_CHECK(t->n == lines, "%s: %zu symbols for %zu lines", fx, t->n, lines);
	IC_CHECK(s && s->type == 'D', "%s: linux_banner", fx);
	s = ic_symtab__find(t, "_text");
	IC_CHECK(s && s->addr == 0xffffffff81000000ull, "%s: _text", fx);
	fprintf(stderr, "%s: %zu symbols parsed + indexed in %.2f ms\n", fx, t->n,
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	ic_symtab__free(t);
	ic_blob__release(&b);
}

int main(void)
{
	test_good();
	test_bad();
	test_zero();
	test_local_labels();
	test_real("fx-deb12-6.1");
	test_real("fx-forky-7.2");
	return IC_TEST_DONE();
}
