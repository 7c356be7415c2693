/* SPDX-License-Identifier: MIT */
/* Unit tests for the ELF vmlinux reader: crafted ELF32/ELF64 of both byte orders, hostile headers,
 * and the real fx-deb12-6.1 vmlinux (.BTF == the running kernel's BTF, linux_banner == /proc/version). */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "ic_test.h"
#include "0-base/internal.h"
#include "isfcarve/live.h"
#include "isfcarve/symbols.h"
#include "isfcarve/vmlinux.h"
#include "0-base/ic_limits.h"

/* A tiny ELF builder: header, 4 sections (null, .text, .BTF, .shstrtab), one PT_LOAD. */
struct elfb {
	uint8_t b[4096];
	bool is64, be;
};

static void put(struct elfb *e, size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		e->b[off + (e->be ? n - 1 - i : i)] = (uint8_t)(v >> (8 * i));
}

#define TEXT_ADDR 0xc1000000ull
#define SEG_ADDR 0xc2000000ull
static const char banner[] = "Linux version 9.9.9-test (x@y) #1 SMP\n";

/* Layout: ehdr @0, phdr @0x100, .text bytes @0x200 (64), .BTF @0x300 (8), shstrtab @0x380,
 * segment bytes @0x400 (0x100), shdrs @0x800. */
static size_t build(struct elfb *e, bool is64, bool be)
{
	const unsigned shsz = is64 ? 64 : 40, phsz = is64 ? 56 : 32;
	const char strs[] = "\0.text\0.BTF\0.shstrtab";
	const unsigned w = is64 ? 8 : 4;
	struct {
		unsigned name, type;
		uint64_t flags, addr, off, size;
	} sh[4] = {
		{ 0, 0, 0, 0, 0, 0 },
		{ 1, 1, 0x6, TEXT_ADDR, 0x200, 64 },
		{ 7, 1, 0, 0, 0x300, 8 },
		{ 12, 3, 0, 0, 0x380, sizeof(strs) },
	};

	memset(e, 0, sizeof(*e));
	e->is64 = is64;
	e->be = be;
	memcpy(e->b, "\x7f" "ELF", 4);
	e->b[4] = is64 ? 2 : 1;
	e->b[5] = be ? 2 : 1;
	e->b[6] = 1;
	put(e, 16, 2, 2);    /* ET_EXEC */
	put(e, 18, 62, 2);   /* EM_X86_64 */
	put(e, 20, 1, 4);
	put(e, 24 + w, 0x100, w);      /* e_phoff */
	put(e, 24 + 2 * w, 0x800, w);  /* e_shoff */
	{
		size_t o = 24 + 3 * w + 4;

		put(e, o, is64 ? 64 : 52, 2);
		put(e, o + 2, phsz, 2);
		put(e, o + 4, 1, 2);
		put(e, o + 6, shsz, 2);
		put(e, o + 8, 4, 2);
		put(e, o + 10, 3, 2);
	}
	/* PT_LOAD: file 0x400+0x100 at SEG_ADDR */
	put(e, 0x100, 1, 4);
	if (is64) {
		put(e, 0x108, 0x400, 8);
		put(e, 0x110, SEG_ADDR, 8);
		put(e, 0x120, 0x100, 8);
	} else {
		put(e, 0x104, 0x400, 4);
		put(e, 0x108, SEG_ADDR, 4);
		put(e, 0x110, 0x100, 4);
	}
	memcpy(e->b + 0x200 + 8, banner, sizeof(banner)); /* includes the NUL */
	memcpy(e->b + 0x300, "\x9f\xeb\x01\x00BTF!", 8);
	memcpy(e->b + 0x380, strs, sizeof(strs));
	memcpy(e->b + 0x400 + 0x10, banner, sizeof(banner));
	for (unsigned i = 0; i < 4; i++) {
		size_t o = 0x800 + i * shsz;

		put(e, o, sh[i].name, 4);
		put(e, o + 4, sh[i].type, 4);
		put(e, o + 8, sh[i].flags, w);
		put(e, o + 8 + w, sh[i].addr, w);
		put(e, o + 8 + 2 * w, sh[i].off, w);
		put(e, o + 8 + 3 * w, sh[i].size, w);
	}
	return 0x800 + 4 * shsz;
}

static void test_good(bool is64, bool be)
{
	struct elfb e;
	size_t len = build(&e, is64, be);
	struct ic_vmlinux *v = NULL;
	const uint8_t *p;
	size_t n;
	int err = ic_vmlinux__open(NULL, e.b, len, "t", &v);

	IC_CHECK(err == 0 && v, "open %d/%d: %d", is64, be, err);
	if (!v)
		return;
	IC_CHECK(ic_vmlinux__ptr_size(v) == (is64 ? 8u : 4u), "ptr size");
	IC_CHECK(ic_vmlinux__machine(v) == 62, "machine");
	err = ic_vmlinux__section(v, ".BTF", &p, &n);
	IC_CHECK(err == 0 && n == 8 && !memcmp(p, "\x9f\xeb", 2), ".BTF %d/%d", is64, be);
	IC_CHECK(ic_vmlinux__section(v, ".nope", &p, &n) == -IC_ENOTFOUND, "absent section");
	err = ic_vmlinux__banner(NULL, v, TEXT_ADDR + 8, &p, &n);
	IC_CHECK(err == 0 && n == sizeof(banner) && !memcmp(p, banner, n), "banner via section");
	err = ic_vmlinux__banner(NULL, v, SEG_ADDR + 0x10, &p, &n);
	IC_CHECK(err == 0 && n == sizeof(banner), "banner via segment: %d", err);
	IC_CHECK(ic_vmlinux__banner(NULL, v, TEXT_ADDR, &p, &n) == -IC_EFORMAT, "no prefix");
	IC_CHECK(ic_vmlinux__banner(NULL, v, 0x1000, &p, &n) == -IC_ENOTFOUND, "unmapped");
	IC_CHECK(ic_vmlinux__at(v, TEXT_ADDR + 63, &p, &n) == 0 && n == 1, "last byte");
	IC_CHECK(ic_vmlinux__at(v, TEXT_ADDR + 64, &p, &n) == -IC_ENOTFOUND, "one past");
	ic_vmlinux__free(v);
}

/* Banner without "\n\0" before the end of its section. */
static void test_unterminated(void)
{
	struct elfb e;
	size_t len = build(&e, true, false);
	struct ic_vmlinux *v = NULL;
	const uint8_t *p;
	size_t n;

	memset(e.b + 0x200 + 8, 'A', 56);
	memcpy(e.b + 0x200 + 8, "Linux version ", 14);
	IC_CHECK(ic_vmlinux__open(NULL, e.b, len, "t", &v) == 0, "open");
	IC_CHECK(ic_vmlinux__banner(NULL, v, TEXT_ADDR + 8, &p, &n) == -IC_EFORMAT, "unterminated");
	ic_vmlinux__free(v);
}

/* Each mutation must fail cleanly (never crash, never succeed with bad bounds). */
static void test_hostile(void)
{
	static const struct {
		const char *what;
		size_t off;
		uint64_t val;
		unsigned n;
		int err;
	} muts[] = {
		{ "class", 4, 3, 1, -IC_EFORMAT },
		{ "encoding", 5, 0, 1, -IC_EFORMAT },
		{ "version", 6, 2, 1, -IC_EFORMAT },
		{ "shoff past end", 40, 0xfffffffffffff000ull, 8, -IC_ETRUNC },
		{ "shoff near end", 40, 0x900, 8, -IC_ETRUNC },
		{ "phoff past end", 32, 0x7fffffffffffffffull, 8, -IC_ETRUNC },
		{ "shentsize small", 58, 10, 2, -IC_EFORMAT },
		{ "phentsize small", 54, 10, 2, -IC_EFORMAT },
		{ "shstrndx range", 62, 9, 2, -IC_EFORMAT },
		{ "shnum huge", 60, 0xfffe, 2, -IC_ETRUNC },
		{ "ehsize", 52, 1, 2, -IC_EFORMAT },
		{ "sec size overflow", 0x800 + 64 * 2 + 32, 0xfffffffffffffff0ull, 8, -IC_ETRUNC },
		{ "sec offset past", 0x800 + 64 * 2 + 24, 0x10000, 8, -IC_ETRUNC },
		{ "name offset", 0x800 + 64 * 1, 0x7fffffff, 4, -IC_EFORMAT },
		{ "strtab unterminated", 0x800 + 64 * 3 + 32, 3, 8, -IC_EFORMAT },
		{ "seg size", 0x120, 0x100000, 8, -IC_ETRUNC },
		{ "xindex shstrndx via sec0 link", 62, 0xffff, 2, -IC_EFORMAT },
	};

	for (size_t i = 0; i < IC_ARRAY_SIZE(muts); i++) {
		struct elfb e;
		size_t len = build(&e, true, false);
		struct ic_vmlinux *v = NULL;
		int err;

		put(&e, muts[i].off, muts[i].val, muts[i].n);
		err = ic_vmlinux__open(NULL, e.b, len, "t", &v);
		IC_CHECK(err == muts[i].err && !v, "%s: %d want %d", muts[i].what, err, muts[i].err);
		ic_vmlinux__free(v);
	}
	/* Every truncation of a valid file fails or yields sections inside the prefix. */
	for (size_t cut = 0; cut < 0x900; cut += 7) {
		struct elfb e;
		struct ic_vmlinux *v = NULL;
		int err;

		build(&e, false, true);
		err = ic_vmlinux__open(NULL, e.b, cut, "t", &v);
		IC_CHECK(err != 0 || cut >= 0x800 + 4 * 40, "cut %zu accepted", cut);
		ic_vmlinux__free(v);
	}
	IC_CHECK(ic_vmlinux__open(NULL, (const uint8_t *)"\x9f\xeb", 2, "t",
				  &(struct ic_vmlinux *){ NULL }) == -EPROTO, "not ELF");
}

/* Extended numbering: e_shnum = 0 and e_shstrndx = SHN_XINDEX, real values in section 0. */
static void test_extended(void)
{
	struct elfb e;
	size_t len = build(&e, true, false);
	struct ic_vmlinux *v = NULL;
	const uint8_t *p;
	size_t n;

	put(&e, 60, 0, 2);
	put(&e, 62, 0xffff, 2);
	put(&e, 0x800 + 32, 4, 8); /* sh_size of section 0 = shnum */
	put(&e, 0x800 + 40, 3, 4); /* sh_link = shstrndx */
	IC_CHECK(ic_vmlinux__open(NULL, e.b, len, "t", &v) == 0, "extended numbering");
	IC_CHECK(v && ic_vmlinux__section(v, ".BTF", &p, &n) == 0 && n == 8, "BTF found");
	ic_vmlinux__free(v);
}

static void test_real(void)
{
	char b1[4096], b2[4096], b3[4096], b4[4096];
	const char *vp = ic_test_fixture("fx-deb12-6.1", "vmlinux", b1, sizeof(b1));
	const char *mp = ic_test_fixture("fx-deb12-6.1", "System.map", b2, sizeof(b2));
	const char *bp = ic_test_fixture("fx-deb12-6.1", "truth/btf_vmlinux", b3, sizeof(b3));
	const char *verp = ic_test_fixture("fx-deb12-6.1", "truth/version", b4, sizeof(b4));
	struct ic_blob vb, mb, bb, verb;
	struct ic_vmlinux *v = NULL;
	struct ic_symtab *t = ic_symtab__new();
	const struct ic_sym *s;
	const uint8_t *p;
	size_t n;
	int err;

	if (!vp || !mp || !bp || !verp) {
		IC_CHECK(!getenv("CI"), "fixtures missing");
		ic_symtab__free(t);
		return;
	}
	IC_CHECK(ic_blob__load(NULL, vp, IC_MAX_VMLINUX_BYTES, &vb) == 0, "load vmlinux");
	IC_CHECK(ic_blob__load(NULL, mp, IC_MAX_SYMFILE_BYTES, &mb) == 0, "load map");
	IC_CHECK(ic_blob__load(NULL, bp, IC_MAX_BTF_BYTES, &bb) == 0, "load btf");
	IC_CHECK(ic_blob__load(NULL, verp, 4096, &verb) == 0, "load version");
	err = ic_vmlinux__open(NULL, vb.data, vb.len, vp, &v);
	IC_CHECK(err == 0, "open real vmlinux: %d", err);
	if (!err) {
		err = ic_vmlinux__section(v, ".BTF", &p, &n);
		IC_CHECK(err == 0 && n == bb.len && !memcmp(p, bb.data, n),
			 ".BTF (%zu bytes) equals truth/btf_vmlinux (%zu)", n, bb.len);
		IC_CHECK(ic_symtab__parse_map(NULL, t, (const char *)mb.data, mb.len, mp, NULL) == 0,
			 "parse map");
		s = ic_symtab__find(t, "linux_banner");
		IC_CHECK(s != NULL, "linux_banner in System.map");
		if (s) {
			err = ic_vmlinux__banner(NULL, v, s->addr, &p, &n);
			IC_CHECK(err == 0 && n == verb.len + 1 && !memcmp(p, verb.data, verb.len) &&
					 p[n - 1] == 0,
				 "banner (%d, %zu bytes) == truth/version + NUL (%zu)", err, n,
				 verb.len);
		}
	}
	ic_vmlinux__free(v);
	ic_symtab__free(t);
	ic_blob__release(&vb);
	ic_blob__release(&mb);
	ic_blob__release(&bb);
	ic_blob__release(&verb);
}

/* ic_vmlinux__find: the loaded copy of the banner (sections, not the section-less segment copy). */
static void test_find(void)
{
	struct elfb e;
	size_t len = build(&e, true, false);
	struct ic_vmlinux *v = NULL;
	uint64_t va = 0;
	unsigned hits = 9;

	IC_CHECK(ic_vmlinux__open(NULL, e.b, len, "t", &v) == 0, "open");
	if (!v)
		return;
	IC_CHECK(ic_vmlinux__find(v, (const uint8_t *)banner, sizeof(banner), &va, &hits) == 0 &&
		 hits == 1 && va == TEXT_ADDR + 8, "find: %u hits at 0x%llx", hits,
		 (unsigned long long)va);
	IC_CHECK(ic_vmlinux__find(v, (const uint8_t *)"Linux version 0", 15, &va, &hits) ==
		 -IC_ENOTFOUND && hits == 0, "absent bytes");
	IC_CHECK(ic_vmlinux__find(v, (const uint8_t *)banner, 0, &va, &hits) == -EINVAL, "len 0");
	ic_vmlinux__free(v);

	/* Allocated sections over the same bytes, adding up to more than twice the file: not
	 * searched (65,000 of them over one 8 MiB region took minutes). Two are still searched. */
	for (unsigned nsec = 2; nsec <= 3; nsec++) {
		len = build(&e, true, false);
		for (unsigned i = 0; i < nsec; i++) {
			size_t o = 0x800 + 64 * i;

			put(&e, o + 8, 0x2, 8); /* SHF_ALLOC */
			put(&e, o + 16, TEXT_ADDR + i * 0x10000ull, 8);
			put(&e, o + 24, 0, 8);
			put(&e, o + 32, 0x800, 8);
		}
		v = NULL;
		IC_CHECK(ic_vmlinux__open(NULL, e.b, len, "t", &v) == 0, "open overlapping");
		if (!v)
			continue;
		IC_CHECK(ic_vmlinux__find(v, (const uint8_t *)banner, sizeof(banner), &va, &hits) ==
				 (nsec == 3 ? -IC_ELIMIT : 0), "%u overlapping sections: %u hits", nsec,
			 hits);
		ic_vmlinux__free(v);
	}
}

static size_t gz(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream zs;
	size_t got;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	got = deflate(&zs, Z_FINISH) == Z_STREAM_END ? zs.total_out : 0;
	deflateEnd(&zs);
	return got;
}

/*
 * A gzip stream of 512 MiB of zeros (about 500 KB) is not an ELF file: told from its first
 * bytes, not decoded whole. Under a 384 MiB address-space limit (in a child), the whole decode
 * ran out of memory (-ENOMEM); now it is "not found". Sanitizer builds reserve terabytes of
 * address space, so there the limit is not set and only the result is checked.
 */
static void test_vmlinuz_bomb(bool elf_magic)
{
	const size_t total = 512u << 20, chunk = 1u << 20, cap = 4u << 20;
	uint8_t *zeros = calloc(1, chunk), *f = malloc(cap), *out = NULL;
	size_t out_len = 0, n;
	z_stream zs;
	pid_t pid;
	int st = 0;

	memset(&zs, 0, sizeof(zs));
	if (!zeros || !f || deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY)) {
		IC_CHECK(0, "bomb setup");
		free(zeros);
		free(f);
		return;
	}
	zs.next_out = f;
	zs.avail_out = (uInt)cap;
	/* With elf_magic the stream starts "\x7fELF": before, the magic was all that was checked
	 * before the whole stream was decoded (and then returned as "the vmlinux"); now the
	 * 64-byte header is checked first (class 0 here: not an ELF header). */
	if (elf_magic)
		memcpy(zeros, "\x7f" "ELF", 4);
	for (size_t done = 0; done < total; done += chunk) {
		zs.next_in = zeros;
		zs.avail_in = (uInt)chunk;
		deflate(&zs, done + chunk < total ? Z_NO_FLUSH : Z_FINISH);
		memset(zeros, 0, 4);
	}
	n = zs.total_out;
	deflateEnd(&zs);
	free(zeros);
	IC_CHECK(n > 0 && n < cap, "bomb: %zu bytes", n);
	pid = fork();
	if (pid == 0) {
#if !defined(__SANITIZE_ADDRESS__)
		struct rlimit rl = { 384u << 20, 384u << 20 };

		setrlimit(RLIMIT_AS, &rl);
#endif
		_exit(ic_vmlinuz__extract(NULL, f, n, "bomb", &out, &out_len) == -IC_ENOTFOUND ? 0 : 1);
	}
	IC_CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
		 "a 512 MiB zero stream%s is not decoded whole (status 0x%x)",
		 elf_magic ? " after an ELF magic" : "", st);
	free(f);
}

/* ic_vmlinuz__extract: through the bzImage header, by magic search past a decoy, xz, and the
 * bound on tries. */
static void test_vmlinuz(void)
{
	struct elfb e;
	size_t len = build(&e, true, false), n, zn, out_len = 0;
	uint8_t *f = calloc(1, 1 << 16), *z = malloc(1 << 14), *out = NULL;

	if (!f || !z) {
		IC_CHECK(0, "alloc");
		free(f);
		free(z);
		return;
	}
	zn = gz(e.b, len, z, 1 << 14);
	IC_CHECK(zn > 0, "gzip");
	/* bzImage-like: setup_sects 1, protocol 2.15, payload 0x40 into the protected-mode part */
	f[0x1f1] = 1;
	memcpy(f + 0x202, "HdrS", 4);
	f[0x206] = 0x0f;
	f[0x207] = 0x02;
	f[0x248] = 0x40;
	memcpy(f + 1024 + 0x40, z, zn);
	n = 1024 + 0x40 + zn + 4;
	IC_CHECK(ic_vmlinuz__extract(NULL, f, n, "t", &out, &out_len) == 0 && out_len == len &&
		 !memcmp(out, e.b, len), "bzImage gzip payload");
	free(out);
	out = NULL;

	/* No header: a decoy gzip magic first, then the stream */
	memset(f, 0, 1 << 16);
	memcpy(f + 100, "\x1f\x8b\x08garbage", 10);
	memcpy(f + 300, z, zn);
	IC_CHECK(ic_vmlinuz__extract(NULL, f, 300 + zn, "t", &out, &out_len) == 0 &&
		 out_len == len && !memcmp(out, e.b, len), "magic search past a decoy");
	free(out);
	out = NULL;

	/* xz */
	{
		size_t xn = 0;

		memset(f, 0, 1 << 16);
		IC_CHECK(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC64, NULL, e.b, len, f + 512, &xn,
						 (1 << 16) - 512) == LZMA_OK, "xz encode");
		IC_CHECK(ic_vmlinuz__extract(NULL, f, 512 + xn + 4, "t", &out, &out_len) == 0 &&
			 out_len == len && !memcmp(out, e.b, len), "xz stream");
		free(out);
		out = NULL;
	}

	/* The stream goes on past the file its ELF header describes (its section header table
	 * ends it): decoded only that far (before: the whole stream was the "vmlinux"). */
	{
		uint8_t *big = calloc(1, len + (1u << 20));
		size_t bn;

		IC_CHECK(big != NULL, "alloc");
		if (big) {
			memcpy(big, e.b, len);
			memset(big + len, 'j', 1u << 20);
			memset(f, 0, 1 << 16);
			bn = gz(big, len + (1u << 20), f, 1 << 16);
			IC_CHECK(bn > 0, "gzip with junk");
			IC_CHECK(ic_vmlinuz__extract(NULL, f, bn, "t", &out, &out_len) == 0 &&
				 out_len == len && !memcmp(out, e.b, len),
				 "decoded up to the header's extent only (%zu bytes, the ELF is %zu)",
				 out_len, len);
			free(out);
			out = NULL;
			/* A 32-bit (or big-endian, or other machine) ELF header: not a kernel
			 * isfcarve profiles, not decoded further. */
			big[4] = 1;
			bn = gz(big, len, f, 1 << 16);
			IC_CHECK(ic_vmlinuz__extract(NULL, f, bn, "t", &out, &out_len) == -IC_ENOTFOUND,
				 "ELF32 header refused");
			big[4] = 2;
			big[18] = 3; /* EM_386 */
			bn = gz(big, len, f, 1 << 16);
			IC_CHECK(ic_vmlinuz__extract(NULL, f, bn, "t", &out, &out_len) == -IC_ENOTFOUND,
				 "another machine refused");
			free(big);
		}
	}

	/* A section whose bytes lie past the section header table (.BTF moved to the end): the
	 * stream is decoded to the section's end (before: cut at the table, so the vmlinux came
	 * back 8 bytes short and ic_vmlinux__open refused it as truncated). */
	{
		struct elfb m;
		size_t ml = build(&m, true, false);

		put(&m, 0x800 + 2 * 64 + 24, ml, 8); /* .BTF's sh_offset */
		memcpy(m.b + ml, "\x9f\xeb\x01\x00BTF!", 8);
		ml += 8;
		memset(f, 0, 1 << 16);
		zn = gz(m.b, ml, f, 1 << 16);
		IC_CHECK(ic_vmlinuz__extract(NULL, f, zn, "t", &out, &out_len) == 0 &&
			 out_len == ml && !memcmp(out, m.b, ml),
			 "a section past the section headers: %zu bytes of %zu", out_len, ml);
		free(out);
		out = NULL;
	}

	/* More decoys than IC_MAX_VMLINUZ_TRIES before the real stream: not found, bounded. */
	memset(f, 0, 1 << 16);
	for (unsigned i = 0; i <= IC_MAX_VMLINUZ_TRIES; i++)
		memcpy(f + 16 * i, "\x1f\x8b\x08", 3);
	memcpy(f + 16 * (IC_MAX_VMLINUZ_TRIES + 2), z, zn);
	IC_CHECK(ic_vmlinuz__extract(NULL, f, 16 * (IC_MAX_VMLINUZ_TRIES + 2) + zn, "t", &out,
				     &out_len) == -IC_ENOTFOUND && !out, "tries bounded");

	/* A stream that is not an ELF file, and a cut stream */
	memset(f, 0, 1 << 16);
	zn = gz((const uint8_t *)"not an elf at all", 17, f, 1 << 16);
	IC_CHECK(ic_vmlinuz__extract(NULL, f, zn, "t", &out, &out_len) == -IC_ENOTFOUND, "not ELF");
	zn = gz(e.b, len, f, 1 << 16);
	IC_CHECK(ic_vmlinuz__extract(NULL, f, zn / 2, "t", &out, &out_len) == -IC_ENOTFOUND, "cut");
	free(f);
	free(z);
	test_vmlinuz_bomb(false);
	test_vmlinuz_bomb(true);
}

int main(void)
{
	test_good(true, false);
	test_good(true, true);
	test_good(false, false);
	test_good(false, true);
	test_unterminated();
	test_find();
	test_vmlinuz();
	test_hostile();
	test_extended();
	test_real();
	return IC_TEST_DONE();
}
