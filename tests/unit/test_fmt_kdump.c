/* SPDX-License-Identifier: MIT */
/* kdump-compressed reader: the real makedumpfile fixture vs truth and LiME, flattened, synthetic. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#if __has_include(<snappy-c.h>)
#include <snappy-c.h>
#define IC_HAVE_SNAPPY_TEST 1
#endif
#if __has_include(<lzo/lzo1x.h>)
/* <lzo/lzo1x.h> cannot be included (its <limits.h> resolves to src/0-base/ic_limits.h): see codec.c. */
int lzo1x_1_compress(const unsigned char *src, unsigned long src_len, unsigned char *dst,
		     unsigned long *dst_len, void *wrkmem);
#define IC_HAVE_LZO_TEST 1
#endif
#if __has_include(<zstd.h>)
#include <zstd.h>
#define IC_HAVE_ZSTD_TEST 1
#endif

#include "ic_test.h"
#include "0-base/internal.h"
#include "isfcarve/image.h"

#define PAGE 4096u
/* fx-deb12-6.1 (same boot as the kdump): PA = link VA - 0xffffffff80000000 + slide 0x9200000 +
 * phys_base 0x400000, link addresses from its System.map. */
#define FX_TEXT_PA 0xa600000ull      /* _text; truth/slide.txt kernel_code_phys */
#define FX_BTF_PA 0xbac1b88ull       /* __start_BTF */
#define FX_BTF_LEN 4359789u          /* __stop_BTF - __start_BTF = size of truth/btf_vmlinux */
#define FX_BANNER_PA 0xb761900ull    /* linux_banner */
#define FX_DUMPED_PAGES 19917u       /* README: makedumpfile's report (14164 data + 5753 zero) */

static int spit(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Minimal LiME lookup: copy [pa, pa+n) out of a LiME file mapping (one range). */
static int lime_read(const uint8_t *m, size_t size, uint64_t pa, void *buf, size_t n)
{
	size_t off = 0;

	while (off + 32 <= size) {
		uint64_t s, e;

		memcpy(&s, m + off + 8, 8);
		memcpy(&e, m + off + 16, 8);
		if (pa >= s && pa + n <= e + 1) {
			memcpy(buf, m + off + 32 + (pa - s), n);
			return 0;
		}
		off += 32 + (size_t)(e - s + 1);
	}
	return -1;
}

static struct ic_ctx quiet;

/* Flatten a kdump file the way makedumpfile -F does (records of varied sizes, out of order). */
static uint8_t *flatten(const uint8_t *k, size_t n, size_t *out_len)
{
	size_t cap = n + n / 64 + 8192, len = 4096, nrec = 0, max = n / 1000 + 64;
	uint8_t *f = calloc(1, cap);
	size_t *starts = calloc(max, sizeof(size_t));
	unsigned seed = 12345;

	memcpy(f, "makedumpfile\0\0\0\0", 16);
	f[23] = 1; /* be64 type 1 */
	f[31] = 1; /* be64 version 1 */
	for (size_t off = 0; off < n && nrec < max;) {
		size_t sz;

		seed = seed * 1103515245u + 12345u;
		sz = 100 + (seed >> 8) % 20000;
		if (sz > n - off)
			sz = n - off;
		starts[nrec++] = off;
		off += sz;
	}
	/* emit records in a shuffled order: a reader must not assume ascending offsets */
	for (size_t i = nrec; i > 1; i--) {
		size_t j, t;

		seed = seed * 1103515245u + 12345u;
		j = (seed >> 8) % i;
		t = starts[i - 1];
		starts[i - 1] = starts[j];
		starts[j] = t;
	}
	for (size_t i = 0; i < nrec; i++) {
		size_t off = starts[i], end = n, sz;

		for (size_t k2 = 0; k2 < nrec; k2++)
			if (starts[k2] > off && starts[k2] < end)
				end = starts[k2];
		sz = end - off;
		for (int b = 0; b < 8; b++) {
			f[len + (size_t)b] = (uint8_t)((uint64_t)off >> (56 - 8 * b));
			f[len + 8 + (size_t)b] = (uint8_t)((uint64_t)sz >> (56 - 8 * b));
		}
		memcpy(f + len + 16, k + off, sz);
		len += 16 + sz;
	}
	memset(f + len, 0xff, 16);
	len += 16;
	free(starts);
	*out_len = len;
	return f;
}

static void test_fixture(void)
{
	char p1[4096], p2[4096], p3[4096], p4[4096], flatpath[4200];
	const char *kpath = ic_test_fixture("fx-deb12-6.1-kdump", "vmcore.kdump", p1, sizeof(p1));
	const char *btfp = ic_test_fixture("fx-deb12-6.1", "truth/btf_vmlinux", p2, sizeof(p2));
	const char *verp = ic_test_fixture("fx-deb12-6.1", "truth/version", p3, sizeof(p3));
	const char *limep = ic_test_fixture("fx-deb12-6.1", "mem.lime", p4, sizeof(p4));
	struct ic_image *img = NULL, *flat = NULL;
	size_t btf_len = 0, ver_len = 0, klen = 0, flen = 0;
	uint8_t *btf, *ver, *buf, *k, *fl;
	const struct ic_range *r;
	uint64_t absent = UINT64_MAX, text_same = 0, text_diff = 0, all_same = 0, all_pages = 0;
	int err, fd;
	struct stat st;
	const uint8_t *lime;
	const uint8_t *np;
	size_t nlen;

	if (!kpath || !btfp || !verp || !limep) {
		exit(ic_test_no_fixture());
	}
	err = ic_image__open(&quiet, kpath, &img);
	IC_CHECK(!err, "open %s: %d", kpath, err);
	if (err)
		return;
	IC_CHECK(!strcmp(ic_image__format(img), "kdump"), "format %s", ic_image__format(img));
	IC_CHECK(ic_image__bytes(img) == (uint64_t)FX_DUMPED_PAGES * PAGE, "bytes %" PRIu64,
		 ic_image__bytes(img));
	IC_CHECK(ic_image__ptr(img, FX_BTF_PA, 16) == NULL, "compressed format has no direct pointers");
	ic_image__notes(img, &np, &nlen);
	IC_CHECK(nlen == 1632, "note area = the QEMU PT_NOTE (1632 bytes), got %zu", nlen);

	btf = ic_test_slurp(btfp, &btf_len);
	ver = ic_test_slurp(verp, &ver_len);
	IC_CHECK(btf && btf_len == FX_BTF_LEN, "truth btf %zu", btf_len);
	buf = malloc(FX_BTF_LEN);
	err = ic_image__read(img, FX_BTF_PA, buf, FX_BTF_LEN);
	IC_CHECK(!err && !memcmp(buf, btf, FX_BTF_LEN), "BTF bytes == truth/btf_vmlinux (%d)", err);
	while (ver_len && (ver[ver_len - 1] == '\n'))
		ver_len--;
	err = ic_image__read(img, FX_BANNER_PA, buf, ver_len);
	IC_CHECK(!err && !memcmp(buf, ver, ver_len), "banner == truth/version (%d)", err);
	/* small unaligned reads crossing pages go through the page cache */
	for (uint64_t o = 0; o < 200000; o += 4093) {
		uint8_t s[300];

		err = ic_image__read(img, FX_BTF_PA + o, s, sizeof(s));
		IC_CHECK(!err && !memcmp(s, btf + o, sizeof(s)), "cached read at +%" PRIu64, o);
	}
	/* an excluded page is absent, not zero */
	r = ic_image__ranges(img);
	for (size_t i = 0; i + 1 < ic_image__nranges(img); i++)
		if (r[i].phys + r[i].len < r[i + 1].phys) {
			absent = r[i].phys + r[i].len;
			break;
		}
	IC_CHECK(absent != UINT64_MAX, "the dump has holes (dump level 31)");
	IC_CHECK(ic_image__read(img, absent, buf, 8) == -IC_ENOTFOUND, "excluded page reads absent");
	IC_CHECK(ic_image__read(img, absent - 8, buf, 16) == -IC_ENOTFOUND, "read into a hole fails");
	IC_CHECK(ic_image__read(img, 0x100000000ull, buf, 8) == -IC_ENOTFOUND, "beyond max_mapnr");

	/* the same boot's LiME (taken a little later): kernel text pages must agree */
	fd = open(limep, O_RDONLY);
	fstat(fd, &st);
	lime = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	for (size_t i = 0; i < ic_image__nranges(img); i++)
		for (uint64_t pa = r[i].phys; pa < r[i].phys + r[i].len; pa += PAGE) {
			uint8_t a[PAGE], b[PAGE];
			bool same;

			IC_CHECK(!ic_image__read(img, pa, a, PAGE), "read page 0x%" PRIx64, pa);
			if (lime_read(lime, (size_t)st.st_size, pa, b, PAGE))
				continue;
			same = !memcmp(a, b, PAGE);
			all_pages++;
			all_same += same;
			if (pa >= FX_TEXT_PA && pa < FX_BTF_PA - (FX_BTF_PA % PAGE)) {
				text_same += same;
				text_diff += !same;
			}
		}
	fprintf(stderr, "kdump vs LiME: %" PRIu64 "/%" PRIu64 " dumped pages identical; kernel"
		" text+rodata up to BTF: %" PRIu64 " identical, %" PRIu64 " differ\n", all_same,
		all_pages, text_same, text_diff);
	IC_CHECK(text_same > 4000 && text_diff * 100 < text_same, "kernel image pages agree with LiME");
	munmap((void *)lime, (size_t)st.st_size);

	/* flattened (makedumpfile -F) copy of the same dump reads the same bytes */
	k = ic_test_slurp(kpath, &klen);
	fl = flatten(k, klen, &flen);
	snprintf(flatpath, sizeof(flatpath), "%s/test_fmt_kdump.flat", getenv("IC_BUILD") ?: ".");
	IC_CHECK(!spit(flatpath, fl, flen), "write %s", flatpath);
	err = ic_image__open(&quiet, flatpath, &flat);
	IC_CHECK(!err && flat, "open flattened: %d", err);
	if (flat) {
		uint8_t *a = malloc(1 << 20), *b = malloc(1 << 20);

		IC_CHECK(!strcmp(ic_image__format(flat), "kdump-flat"), "format %s",
			 ic_image__format(flat));
		IC_CHECK(ic_image__nranges(flat) == ic_image__nranges(img), "same ranges");
		for (size_t i = 0; i < ic_image__nranges(img); i++)
			for (uint64_t o = 0; o < r[i].len; o += 1 << 20) {
				size_t n = r[i].len - o < (1 << 20) ? (size_t)(r[i].len - o) : (1 << 20);

				IC_CHECK(!ic_image__read(img, r[i].phys + o, a, n) &&
					 !ic_image__read(flat, r[i].phys + o, b, n) && !memcmp(a, b, n),
					 "flat == plain at 0x%" PRIx64, r[i].phys + o);
			}
		free(a);
		free(b);
		ic_image__free(flat);
		/* truncated flattened file: the end marker is missing */
		IC_CHECK(!spit(flatpath, fl, flen - 20), "write");
		flat = NULL;
		err = ic_image__open(&quiet, flatpath, &flat);
		IC_CHECK(err == -IC_ETRUNC && !flat, "truncated flattened file: %d", err);
	}
	unlink(flatpath);
	free(fl);
	free(k);
	free(buf);
	free(btf);
	free(ver);
	ic_image__free(img);
}

/* ---- synthetic dumps: every codec, VMCOREINFO note, broken headers ---- */

struct syn {
	uint8_t *b;
	size_t len;
};

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* 64-pfn machine; pfns 1, 2, 3, 10, 11, 12 dumped (zlib, raw, zstd, zlib, snappy, lzo: each
 * falls back to zlib when the test cannot compress with it); pfn 5 exists but is excluded */
static struct syn make_syn(void)
{
	struct syn s;
	uint8_t page[PAGE];
	size_t off = 6 * PAGE + 4 * 24; /* hdr, sub, 2 bitmap blocks (1+1), descs start block 4 */
	const char *vmci = "OSRELEASE=9.9.9-test\nPAGESIZE=4096\n";
	uint64_t pfns[6] = { 1, 2, 3, 10, 11, 12 };

	s.b = calloc(1, 64 * PAGE);
	memcpy(s.b, "KDUMP   ", 8);
	put32(s.b + 8, 6);
	put32(s.b + 428, PAGE);
	put32(s.b + 432, 1);
	put32(s.b + 436, 2);
	put32(s.b + 440, 64);
	/* sub header */
	put64(s.b + PAGE + 32, 5 * PAGE);          /* offset_vmcoreinfo: inside block 5 */
	put64(s.b + PAGE + 40, strlen(vmci));
	memcpy(s.b + 5 * PAGE, vmci, strlen(vmci));
	put64(s.b + PAGE + 96, 64);                /* max_mapnr_64 */
	s.b[2 * PAGE] = 0x3e; /* 1st bitmap: pfns 1-5 */
	s.b[2 * PAGE + 1] = 0x1c; /* pfns 10-12 */
	s.b[3 * PAGE] = 0x0e;     /* 2nd bitmap: 1,2,3 */
	s.b[3 * PAGE + 1] = 0x1c;
	/* descriptors at block 4; data after them */
	off = 4 * PAGE + 4 * 24;
	off = 6 * PAGE;
	for (int i = 0; i < 6; i++) {
		uLongf cl = 2 * PAGE;
		uint32_t flags = 1;

		for (unsigned j = 0; j < PAGE; j++)
			page[j] = (uint8_t)(pfns[i] * 7 + j % 251);
		if (i == 1) {
			memcpy(s.b + off, page, PAGE);
			cl = PAGE;
			flags = 0;
		} else {
#ifdef IC_HAVE_ZSTD_TEST
			if (i == 2) {
				cl = ZSTD_compress(s.b + off, 2 * PAGE, page, PAGE, 3);
				flags = 0x20;
			} else
#endif
#ifdef IC_HAVE_SNAPPY_TEST
			if (i == 4) {
				size_t sl = 2 * PAGE;

				snappy_compress((const char *)page, PAGE, (char *)s.b + off, &sl);
				cl = sl;
				flags = 0x4;
			} else
#endif
#ifdef IC_HAVE_LZO_TEST
			if (i == 5) {
				static unsigned char wrk[16384 * sizeof(void *)];
				unsigned long ll = 2 * PAGE;

				lzo1x_1_compress(page, PAGE, s.b + off, &ll, wrk);
				cl = ll;
				flags = 0x2;
			} else
#endif
				compress2(s.b + off, &cl, page, PAGE, 6);
		}
		put64(s.b + 4 * PAGE + (size_t)i * 24, off);
		put32(s.b + 4 * PAGE + (size_t)i * 24 + 8, (uint32_t)cl);
		put32(s.b + 4 * PAGE + (size_t)i * 24 + 12, flags);
		off += cl;
	}
	s.len = off;
	return s;
}

static int open_bytes(const char *name, const uint8_t *b, size_t n, struct ic_image **img)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/test_fmt_kdump.%s", getenv("IC_BUILD") ?: ".", name);
	if (spit(path, b, n))
		return -EIO;
	if (getenv("IC_KEEP_SYNTH"))
		return ic_image__open(&quiet, path, img);
	{
		int err = ic_image__open(&quiet, path, img);

		unlink(path);
		return err;
	}
}

static void test_synthetic(void)
{
	struct syn s = make_syn();
	struct ic_image *img = NULL;
	uint8_t page[PAGE], want[PAGE];
	const uint8_t *np;
	size_t nlen;
	int err;

	err = open_bytes("syn", s.b, s.len, &img);
	IC_CHECK(!err, "open synthetic: %d", err);
	if (!err) {
		const struct ic_range *r = ic_image__ranges(img);

		IC_CHECK(ic_image__nranges(img) == 2 && r[0].phys == PAGE && r[0].len == 3 * PAGE &&
			 r[1].phys == 10 * PAGE && r[1].len == 3 * PAGE, "ranges from the 2nd bitmap");
		for (uint64_t pfn = 1; pfn <= 12; pfn += (pfn == 3 ? 7 : 1)) {
			for (unsigned j = 0; j < PAGE; j++)
				want[j] = (uint8_t)(pfn * 7 + j % 251);
			err = ic_image__read(img, pfn * PAGE, page, PAGE);
			IC_CHECK(!err && !memcmp(page, want, PAGE), "pfn %" PRIu64 ": %d", pfn, err);
		}
		IC_CHECK(ic_image__read(img, 5 * PAGE, page, 1) == -IC_ENOTFOUND, "pfn 5 excluded");
		ic_image__notes(img, &np, &nlen);
		IC_CHECK(nlen >= 12 + 12 && !memcmp(np + 12, "VMCOREINFO", 11) &&
			 !memcmp(np + 24, "OSRELEASE=9.9.9-test\n", 21),
			 "sub-header VMCOREINFO becomes a VMCOREINFO note (%zu)", nlen);
		ic_image__free(img);
	}

	/* broken variants: each must fail to open with a format error, never crash */
	{
		struct {
			const char *name;
			size_t at;
			uint32_t v;
			size_t cut;
			int want;
		} bad[] = {
			{ "block-size", 428, 3000, 0, -IC_EFORMAT },
			{ "bitmap-odd", 436, 3, 0, -IC_EFORMAT },
			{ "mapnr-huge", PAGE + 96, 1u << 31, 0, -IC_EFORMAT },
			{ "bm2-not-in-bm1", 3 * PAGE, 0x4e, 0, -IC_EFORMAT },
			{ "desc-size", 4 * PAGE + 8, PAGE + 1, 0, -IC_EFORMAT },
			{ "desc-offset", 4 * PAGE + 4, 0x7fffffff, 0, -IC_EFORMAT },
			{ "desc-flags-lzo", 4 * PAGE + 12, 0x2, 0, 0 },
			{ "truncated", 0, 0, 5 * PAGE, -IC_ETRUNC },
			{ "version", 8, 99, 0, -IC_EUNSUPP },
		};

		for (size_t i = 0; i < IC_ARRAY_SIZE(bad); i++) {
			struct syn c = make_syn();

			img = NULL;
			if (bad[i].cut)
				c.len = bad[i].cut;
			else
				put32(c.b + bad[i].at, bad[i].v);
			err = open_bytes(bad[i].name, c.b, c.len, &img);
			if (!strcmp(bad[i].name, "desc-flags-lzo")) {
				/* zlib data labelled lzo: opens (the flag is valid), the read fails */
				if (!err) {
					IC_CHECK(ic_image__read(img, PAGE, page, PAGE) == -IC_EFORMAT ||
						 ic_image__read(img, PAGE, page, PAGE) == -IC_EUNSUPP,
						 "mislabelled page fails to decode");
				} else {
					IC_CHECK(err == -IC_EUNSUPP, "no lzo: %d", err);
				}
			} else if (!strcmp(bad[i].name, "mapnr-huge")) {
				IC_CHECK(err == -IC_EFORMAT || err == -IC_ETRUNC, "%s: %d", bad[i].name, err);
			} else {
				IC_CHECK(err == bad[i].want, "%s: got %d want %d", bad[i].name, err,
					 bad[i].want);
			}
			ic_image__free(img);
			free(c.b);
		}
	}
	/* corrupt compressed bytes of pfn 1: open works, reading that page fails cleanly */
	{
		struct syn c = make_syn();
		uint64_t doff;

		memcpy(&doff, c.b + 4 * PAGE, 8);
		c.b[doff + 10] ^= 0xff;
		c.b[doff + 11] ^= 0x55;
		img = NULL;
		err = open_bytes("corrupt", c.b, c.len, &img);
		IC_CHECK(!err, "open corrupt-data dump: %d", err);
		if (!err) {
			IC_CHECK(ic_image__read(img, PAGE, page, PAGE) == -IC_EFORMAT, "corrupt zlib page");
			IC_CHECK(ic_image__read(img, PAGE + 5, page, 5) == -IC_EFORMAT, "cached path too");
			IC_CHECK(!ic_image__read(img, 2 * PAGE, page, PAGE), "other pages still read");
		}
		ic_image__free(img);
		free(c.b);
	}
	free(s.b);
}

/* Every dumped pfn of make_syn() reads its bytes, pfn 5 is absent. */
static void check_syn_pages(const char *what, struct ic_image *img)
{
	uint8_t page[PAGE], want[PAGE];

	IC_CHECK(ic_image__nranges(img) == 2, "%s: %zu ranges", what, ic_image__nranges(img));
	for (uint64_t pfn = 1; pfn <= 12; pfn += (pfn == 3 ? 7 : 1)) {
		int err;

		for (unsigned j = 0; j < PAGE; j++)
			want[j] = (uint8_t)(pfn * 7 + j % 251);
		err = ic_image__read(img, pfn * PAGE, page, PAGE);
		IC_CHECK(!err && !memcmp(page, want, PAGE), "%s: pfn %" PRIu64 ": %d", what, pfn, err);
	}
	IC_CHECK(ic_image__read(img, 5 * PAGE, page, 1) == -IC_ENOTFOUND, "%s: pfn 5 excluded", what);
}

/*
 * "DISKDUMP" (diskdumputils savecore, as crash reads it): same header/bitmaps/descriptors as
 * KDUMP, header_version 1, a register sub-header that must not be read as kdump_sub_header, and
 * one bitmap when bitmap_blocks cannot hold two. Also makedumpfile -F's unwritten bitmap padding.
 */
static void test_diskdump_and_flat_padding(void)
{
	struct ic_image *img = NULL;
	const uint8_t *np;
	size_t nlen;
	int err;

	for (int one = 0; one < 2; one++) {
		struct syn c = make_syn();
		const char *what = one ? "diskdump one bitmap" : "diskdump two bitmaps";

		memcpy(c.b, "DISKDUMP", 8);
		put32(c.b + 8, 1);
		memset(c.b + PAGE, 0xa5, PAGE); /* registers: garbage as a kdump_sub_header */
		put32(c.b + 440, 64);
		if (one) {
			/* bitmap = the dumped set; descriptors one block earlier, data in place */
			memcpy(c.b + 2 * PAGE, c.b + 3 * PAGE, PAGE);
			memmove(c.b + 3 * PAGE, c.b + 4 * PAGE, 6 * 24);
			put32(c.b + 436, 1);
		}
		img = NULL;
		err = open_bytes(one ? "dd1" : "dd2", c.b, c.len, &img);
		IC_CHECK(!err, "%s: open %d", what, err);
		if (!err) {
			IC_CHECK(!strcmp(ic_image__format(img), "kdump"), "%s: format %s", what,
				 ic_image__format(img));
			check_syn_pages(what, img);
			ic_image__notes(img, &np, &nlen);
			IC_CHECK(nlen == 0, "%s: no notes from a register sub-header (%zu)", what, nlen);
		}
		ic_image__free(img);
		if (one) {
			/* a bitmap that cannot hold max_mapnr bits is refused */
			put32(c.b + 440, 8 * PAGE + 1);
			img = NULL;
			err = open_bytes("dd1-small", c.b, c.len, &img);
			IC_CHECK(err == -IC_EFORMAT, "diskdump bitmap too small: %d", err);
			ic_image__free(img);
		}
		free(c.b);
	}

	/* flattened like makedumpfile -F: bitmaps written as ceil(max_mapnr / 8) = 8 bytes each */
	{
		struct syn c = make_syn();
		size_t cuts[][2] = { { 0, 2 * PAGE }, { 2 * PAGE, 8 }, { 3 * PAGE, 8 }, { 4 * PAGE, 0 } };
		uint8_t *f = calloc(1, c.len + 8192);
		size_t len = 4096;

		cuts[3][1] = c.len - 4 * PAGE;
		memcpy(f, "makedumpfile\0\0\0\0", 16);
		f[23] = 1;
		f[31] = 1;
		for (size_t i = 0; i < 4; i++) {
			for (int b = 0; b < 8; b++) {
				f[len + (size_t)b] = (uint8_t)((uint64_t)cuts[i][0] >> (56 - 8 * b));
				f[len + 8 + (size_t)b] = (uint8_t)((uint64_t)cuts[i][1] >> (56 - 8 * b));
			}
			memcpy(f + len + 16, c.b + cuts[i][0], cuts[i][1]);
			len += 16 + cuts[i][1];
		}
		memset(f + len, 0xff, 16);
		len += 16;
		img = NULL;
		err = open_bytes("flat-pad", f, len, &img);
		IC_CHECK(!err, "flattened with unwritten bitmap padding: %d", err);
		if (!err)
			check_syn_pages("flat bitmap padding", img);
		ic_image__free(img);
		free(f);
		free(c.b);
	}
}

static void print_stderr(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "[%d] %s\n", (int)lvl, msg);
}

int main(void)
{
	if (getenv("IC_TEST_VERBOSE")) {
		quiet.print = print_stderr;
		quiet.level = IC_LOG_DEBUG;
	}
	test_synthetic();
	test_diskdump_and_flat_padding();
	test_fixture();
	return IC_TEST_DONE();
}
