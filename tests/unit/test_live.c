/* SPDX-License-Identifier: MIT */
/* Unit tests for live mode: link-time _text from a config, and a fake root built from fixture truth
 * (kallsyms + btf_vmlinux + version + config) whose link-time addresses must equal System.map. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ic_test.h"
#include "0-base/internal.h"
#include "isfcarve/live.h"
#include "isfcarve/symbols.h"
#include "0-base/ic_limits.h"

static void test_link_text(void)
{
	static const char x86[] = "# c\nCONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x1000000\n"
				  "CONFIG_PHYSICAL_ALIGN=0x200000\n";
	static const char odd[] = "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x1000001\n"
				  "CONFIG_PHYSICAL_ALIGN=0x1000000\n";
	static const char arm[] = "CONFIG_ARM64=y\nCONFIG_PHYSICAL_START=0x1000000\n";
	static const char missing[] = "CONFIG_X86_64=y\nCONFIG_PHYSICAL_ALIGN=0x200000\n";
	static const char bad[] = "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x10zz\n";
	static const char align[] = "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x1000000\n"
				    "CONFIG_PHYSICAL_ALIGN=0x300000\n";
	/* Kconfig's range is 0x2000..0x1000000: 1 << 63 wrapped the sum to 0x7fffffff80000000 */
	static const char *const huge[] = {
		"CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x1000000\nCONFIG_PHYSICAL_ALIGN=0x8000000000000000\n",
		"CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x1000000\nCONFIG_PHYSICAL_ALIGN=0x100000000\n",
		"CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x1000000\nCONFIG_PHYSICAL_ALIGN=0x1000\n",
	};
	uint64_t t = 0;

	IC_CHECK(ic_live__link_text(NULL, x86, sizeof(x86) - 1, "c", &t) == 0 &&
			 t == 0xffffffff81000000ull, "default x86-64: 0x%llx", (unsigned long long)t);
	IC_CHECK(ic_live__link_text(NULL, odd, sizeof(odd) - 1, "c", &t) == 0 &&
			 t == 0xffffffff82000000ull, "start aligned up: 0x%llx", (unsigned long long)t);
	IC_CHECK(ic_live__link_text(NULL, arm, sizeof(arm) - 1, "c", &t) == -IC_EUNSUPP, "arm64");
	IC_CHECK(ic_live__link_text(NULL, missing, sizeof(missing) - 1, "c", &t) == -IC_ENOTFOUND,
		 "missing start");
	IC_CHECK(ic_live__link_text(NULL, bad, sizeof(bad) - 1, "c", &t) == -IC_EFORMAT, "bad");
	IC_CHECK(ic_live__link_text(NULL, align, sizeof(align) - 1, "c", &t) == -IC_EFORMAT,
		 "align not a power of two");
	for (size_t i = 0; i < IC_ARRAY_SIZE(huge); i++)
		IC_CHECK(ic_live__link_text(NULL, huge[i], strlen(huge[i]), "c", &t) == -IC_EFORMAT,
			 "align out of Kconfig's range: %s", huge[i]);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[16384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int sym_cmp(const void *x, const void *y)
{
	const struct ic_sym *a = x, *b = y;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Fake root: sys/kernel/btf/vmlinux, proc/kallsyms, proc/version, boot/config-<release>. */
static void test_fixture(const char *fx, uint64_t want_slide)
{
	char b1[4096], b2[4096], b3[4096], b4[4096], b5[4096], root[512], path[8192];
	const char *ks = ic_test_fixture(fx, "truth/kallsyms", b1, sizeof(b1));
	const char *btf = ic_test_fixture(fx, "truth/btf_vmlinux", b2, sizeof(b2));
	const char *ver = ic_test_fixture(fx, "truth/version", b3, sizeof(b3));
	const char *cfg = ic_test_fixture(fx, "config", b4, sizeof(b4));
	const char *map = ic_test_fixture(fx, "System.map", b5, sizeof(b5));
	struct ic_live *l = NULL;
	struct ic_symtab *sm;
	struct ic_blob mb;
	size_t checked = 0, bad = 0, absent = 0;
	int err;

	if (!ks || !btf || !ver || !cfg || !map) {
		IC_CHECK(!getenv("CI"), "fixtures of %s missing", fx);
		return;
	}
	snprintf(root, sizeof(root), "%s/live-root-%s-%d", getenv("IC_BUILD") ?: ".", fx,
		 (int)getpid());
	sh("rm -rf '%s'%s", root, "");
	IC_CHECK(sh("mkdir -p '%s/sys/kernel/btf' '%s/proc' '%s/boot'", root, root, root) == 0,
		 "mkdir");
	sh("ln -sf '%s' '%s/sys/kernel/btf/vmlinux'", btf, root);
	sh("ln -sf '%s' '%s/proc/kallsyms'", ks, root);
	sh("ln -sf '%s' '%s/proc/version'", ver, root);

	/* First without any config: the default _text is assumed (right for these kernels). */
	err = ic_live__load(NULL, root, &l);
	IC_CHECK(err == 0 && l && l->link_text_default, "%s: load without config: %d", fx, err);
	ic_live__free(l);
	l = NULL;

	/* With /boot/config-<release>. */
	err = ic_live__load(NULL, root, &l);
	if (l) {
		snprintf(path, sizeof(path), "%s/boot/config-%s", root, l->release);
		sh("ln -sf '%s' '%s'", cfg, path);
		ic_live__free(l);
		l = NULL;
	}
	err = ic_live__load(NULL, root, &l);
	IC_CHECK(err == 0 && l, "%s: live load: %d", fx, err);
	if (!l)
		goto out;
	IC_CHECK(!l->link_text_default && l->link_text == 0xffffffff81000000ull,
		 "%s: link _text from %s", fx, l->config_path);
	IC_CHECK(l->kaslr_offset == want_slide, "%s: KASLR offset 0x%llx want 0x%llx", fx,
		 (unsigned long long)l->kaslr_offset, (unsigned long long)want_slide);
	IC_CHECK(l->banner_len > 20 && l->banner[l->banner_len - 1] == 0 &&
			 l->banner[l->banner_len - 2] == '\n', "%s: banner ends in \\n\\0", fx);

	/* Every kallsyms symbol whose name is in System.map must be there at the same address. */
	sm = ic_symtab__new();
	IC_CHECK(ic_blob__load(NULL, map, IC_MAX_SYMFILE_BYTES, &mb) == 0, "load map");
	IC_CHECK(ic_symtab__parse_map(NULL, sm, (const char *)mb.data, mb.len, map, NULL) == 0,
		 "parse map");
	for (size_t i = 0; i < l->syms->n; i++)
		(void)ic_symtab__find(sm, l->syms->syms[i].name); /* warm index before sort */
	for (size_t i = 0; i < l->syms->n; i++) {
		const struct ic_sym *s = &l->syms->syms[i];

		if (!ic_symtab__find(sm, s->name)) {
			absent++;
			continue;
		}
		checked++;
	}
	ic_symtab__sort(sm);
	for (size_t i = 0; i < l->syms->n; i++) {
		const struct ic_sym *s = &l->syms->syms[i];
		struct ic_sym key = { .addr = s->addr, .name = s->name };

		if (!ic_symtab__find(sm, s->name))
			continue;
		if (!bsearch(&key, sm->syms, sm->n, sizeof(*sm->syms), sym_cmp)) {
			if (bad++ < 5)
				fprintf(stderr, "%s: %s %c at 0x%llx not in System.map\n", fx, s->name,
					s->type, (unsigned long long)s->addr);
		}
	}
	fprintf(stderr, "%s: %zu kallsyms symbols checked against System.map, %zu mismatches, "
		"%zu not in System.map\n", fx, checked, bad, absent);
	IC_CHECK(checked > 50000 && bad == 0, "%s: %zu mismatches of %zu", fx, bad, checked);
	ic_symtab__free(sm);
	ic_blob__release(&mb);
out:
	ic_live__free(l);
	sh("rm -rf '%s'%s", root, "");
}

static void test_restricted(void)
{
	char root[512];
	struct ic_live *l = NULL;
	int err;

	snprintf(root, sizeof(root), "%s/live-zero-%d", getenv("IC_BUILD") ?: ".", (int)getpid());
	err = sh("mkdir -p '%s/sys/kernel/btf' '%s/proc' && printf '\\237\\353' > "
		 "'%s/sys/kernel/btf/vmlinux' && printf '0000000000000000 T _text\\n"
		 "0000000000000000 t x\\n' > '%s/proc/kallsyms' && printf 'Linux version 1.2.3 x\\n' "
		 "> '%s/proc/version'", root, root, root, root, root);
	IC_CHECK(err == 0, "make restricted root");
	err = ic_live__load(NULL, root, &l);
	IC_CHECK(err == -EACCES && !l, "all-zero kallsyms: %d", err);
	IC_CHECK(sh("rm -f '%s/sys/kernel/btf/vmlinux'", root) == 0, "rm");
	err = ic_live__load(NULL, root, &l);
	IC_CHECK(err == -ENOENT && !l, "no BTF: %d", err);
	IC_CHECK(sh("rm -rf '%s'", root) == 0, "cleanup");
}

int main(void)
{
	test_link_text();
	test_restricted();
	test_fixture("fx-deb12-6.1", 0x9200000);
	test_fixture("fx-forky-7.2", 0x14a00000);
	return IC_TEST_DONE();
}
