/* SPDX-License-Identifier: MIT */
/* Unit tests for the image readers: LiME, ELF core, raw; repairs, limits, images over 4 GiB. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ic_test.h"
#include "img_build.h"
#include "isfcarve/banner.h"
#include "isfcarve/carver.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"

static struct ic_ctx ctx;

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void test_lime(void)
{
	uint8_t a[0x1000], b[0x1000], c[0x1000], buf[32];
	struct tb t = { 0 };
	struct ic_image *img = NULL;
	const struct ic_range *r;
	char *path;

	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	fill(c, sizeof(c), 3);
	/* Unsorted, adjacent ranges (AVML-style blocks). */
	tb_lime(&t, 0x2000, c, sizeof(c));
	tb_lime(&t, 0x0, a, sizeof(a));
	tb_lime(&t, 0x1000, b, sizeof(b));
	path = tb_file(&t, "lime");
	IC_CHECK(ic_image__open(&ctx, path, &img) == 0, "open lime");
	if (img) {
		IC_CHECK(!strcmp(ic_image__format(img), "lime"), "format %s", ic_image__format(img));
		IC_CHECK(ic_image__nranges(img) == 3 && ic_image__bytes(img) == 0x3000, "3 ranges");
		r = ic_image__ranges(img);
		IC_CHECK(r[0].phys == 0 && r[1].phys == 0x1000 && r[2].phys == 0x2000, "sorted");
		IC_CHECK(ic_image__read(img, 0xff8, buf, 16) == 0 && !memcmp(buf, a + 0xff8, 8) &&
			 !memcmp(buf + 8, b, 8), "read across ranges");
		IC_CHECK(ic_image__ptr(img, 0xff8, 16) == NULL, "ptr does not cross ranges");
		IC_CHECK(ic_image__view(img, 0x1ff0, 32, buf) == buf && !memcmp(buf + 16, c, 16), "view copies");
		IC_CHECK(ic_image__ptr(img, 0x2000, 16) && !memcmp(ic_image__ptr(img, 0x2000, 16), c, 16), "ptr");
		IC_CHECK(ic_image__read(img, 0x2ff8, buf, 16) == -IC_ENOTFOUND, "read past end");
	}
	ic_image__free(img);
	img = NULL;
	IC_CHECK(ic_image__open_as(&ctx, path, "elf", &img) == -IC_EFORMAT && !img, "forced elf on lime");
	IC_CHECK(ic_image__open_as(&ctx, path, "nosuch", &img) == -IC_EUNSUPP, "unknown format");
	tb_rm(path);

	/* A range at the very top of the address space (e_addr = 2^64-1) is fine. */
	t.n = 0;
	tb_lime(&t, 0xffffffffffffffc0ull, a, 64);
	path = tb_file(&t, "lime");
	IC_CHECK(ic_image__open(&ctx, path, &img) == 0, "top range");
	if (img)
		IC_CHECK(ic_image__read(img, UINT64_MAX, buf, 1) == 0 && buf[0] == a[63], "last byte");
	ic_image__free(img);
	img = NULL;
	tb_rm(path);

	/* Not LiME (no magic): raw claims it. */
	t.n = 0;
	tb_put(&t, "ELIM", 4);
	tb_put(&t, a, 100);
	path = tb_file(&t, "raw");
	IC_CHECK(ic_image__open(&ctx, path, &img) == 0 && img && !strcmp(ic_image__format(img), "raw"),
		 "falls back to raw");
	ic_image__free(img);
	tb_rm(path);
	free(t.p);
}

static void test_elf(void)
{
	uint8_t ram[0x3000], notes_buf[256] = { 0 };
	struct tb t = { 0 }, nb = { 0 };
	struct ic_image *img = NULL;
	const struct ic_range *r;
	const uint8_t *np;
	size_t nlen;
	char *path;

	fill(ram, sizeof(ram), 9);
	tb_note(&nb, "CORE", 1, notes_buf, 32);
	tb_note(&nb, "VMCOREINFO", 0, "OSRELEASE=1.2.3\nPAGESIZE=4096\n", 30);
	{
		/* RAM at 0x100000 (3 pages); a kdump-style kernel-text load inside it; a load that
		 * overlaps its end partly; a kcore-style load without a physical address; memsz >
		 * filesz (tail absent). */
		const struct tb_seg s[] = {
			{ 4, 0, nb.p, nb.n, 0, 0 },
			{ 1, 0x100000, ram, 0x3000, 0, 0 },
			{ 1, 0x101000, ram + 0x1000, 0x1000, 0, 0 },
			{ 1, 0x102800, ram + 0x2800, 0x800 + 0, 0x4000, 0 },
			{ 1, UINT64_MAX, ram, 0x100, 0, 0 },
			{ 1, 0x200000, ram, 0x1000, 0x10000, 0 },
		};

		tb_elf(&t, s, (unsigned)(sizeof(s) / sizeof(s[0])), 0);
	}
	path = tb_file(&t, "elf");
	IC_CHECK(ic_image__open(&ctx, path, &img) == 0, "open elf");
	if (img) {
		r = ic_image__ranges(img);
		IC_CHECK(!strcmp(ic_image__format(img), "elf"), "format");
		IC_CHECK(ic_image__nranges(img) == 2, "contained/overlapping loads folded: %zu",
			 ic_image__nranges(img));
		IC_CHECK(r[0].phys == 0x100000 && r[0].len == 0x3000, "ram range");
		IC_CHECK(r[1].phys == 0x200000 && r[1].len == 0x1000, "filesz only");
		IC_CHECK(ic_image__notes(img, &np, &nlen) == 0 && nlen == nb.n && !memcmp(np, nb.p, nlen),
			 "notes kept");
	}
	ic_image__free(img);
	img = NULL;
	tb_rm(path);

	/* Partial overlap is trimmed, not dropped. */
	t.n = 0;
	{
		const struct tb_seg s[] = {
			{ 1, 0x1000, ram, 0x2000, 0, 0 },
			{ 1, 0x2000, ram + 0x1000, 0x2000, 0, 0 },
		};

		tb_elf(&t, s, 2, 0);
	}
	path = tb_file(&t, "elf");
	IC_CHECK(ic_image__open(&ctx, path, &img) == 0, "open overlapping");
	if (img) {
		r = ic_image__ranges(img);
		IC_CHECK(ic_image__nranges(img) == 2 && r[1].phys == 0x3000 && r[1].len == 0x1000, "trimmed");
		IC_CHECK(ic_image__bytes(img) == 0x3000, "bytes");
	}
	ic_image__free(img);
	img = NULL;
	tb_rm(path);

	/* PN_XNUM: the count comes from section header 0. */
	t.n = 0;
	{
		const struct tb_seg s[] = {
			{ 1, 0x0, ram, 0x1000, 0, 0 },
			{ 1, 0x5000, ram, 0x1000, 0, 0 },
		};

		tb_elf(&t, s, 2, 1);
	}
	path = tb_file(&t, "elf");
	IC_CHECK(ic_image__open(&ctx, path, &img) == 0 && img && ic_image__nranges(img) == 2, "PN_XNUM");
	ic_image__free(img);
	tb_rm(path);
	free(t.p);
	free(nb.p);
}

/* Over 4 GiB: a sparse ELF whose only PT_LOAD sits at file offset 5 GiB, physical 6 GiB. */
static void test_big(void)
{
	static const char banner[] = "Linux version 9.8.7-big (u@h) (gcc) #1 SMP\n";
	const uint64_t foff = 5ull << 30, phys = 6ull << 30, seglen = 1 << 16;
	uint8_t seg[1 << 16], buf[64];
	struct tb t = { 0 };
	const struct tb_seg s[] = { { 1, phys, NULL, seglen, 0, foff } };
	struct ic_image *img = NULL;
	struct ic_findings f;
	char *path;
	int fd;

	memset(seg, 0, sizeof(seg));
	memcpy(seg + 0x1234, banner, sizeof(banner)); /* includes the "\0" after "\n" */
	tb_elf(&t, s, 1, 0);
	path = tb_file(&t, "big");
	fd = open(path, O_WRONLY);
	IC_CHECK(fd >= 0 && pwrite(fd, seg, sizeof(seg), (off_t)foff) == (ssize_t)sizeof(seg), "sparse write");
	if (fd >= 0)
		close(fd);
	IC_CHECK(ic_image__open(&ctx, path, &img) == 0, "open big elf");
	if (img) {
		IC_CHECK(ic_image__file_size(img) == foff + seglen, "file size");
		IC_CHECK(ic_image__nranges(img) == 1 && ic_image__ranges(img)[0].phys == phys, "range at 6 GiB");
		IC_CHECK(ic_image__read(img, phys + 0x1234, buf, 14) == 0 && !memcmp(buf, banner, 14), "read");
		IC_CHECK(ic_scan(&ctx, img, &f) == 0, "scan");
		IC_CHECK(f.banner && f.banner->phys == phys + 0x1234 && f.banner->linux_banner,
			 "banner above 4 GiB: %llx", f.banner ? (unsigned long long)f.banner->phys : 0ull);
		ic_findings__release(&f);
	}
	ic_image__free(img);
	img = NULL;
	/* The same file as raw: file offset = physical address, past 4 GiB. */
	IC_CHECK(ic_image__open_as(&ctx, path, "raw", &img) == 0, "open big raw");
	if (img) {
		IC_CHECK(ic_image__bytes(img) == foff + seglen, "raw bytes");
		IC_CHECK(ic_image__read(img, foff + 0x1234, buf, 14) == 0 && !memcmp(buf, banner, 14),
			 "raw read past 4 GiB");
	}
	ic_image__free(img);
	tb_rm(path);
	free(t.p);
}

/* Many tiny ranges: 1-byte adjacent LiME ranges holding a banner are scanned in linear time and
 * the banner across all of them is found; one range more than IC_MAX_RANGES is refused. */
static void test_tiny_ranges(void)
{
	static const char banner[] = "Linux version 1.2.3-tiny (u@h) (cc) #1 SMP\n";
	const size_t n = 200000, at = 123457;
	struct tb t = { 0 };
	struct ic_image *img = NULL;
	struct ic_findings f;
	char *path;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = i >= at && i - at < sizeof(banner) ? (uint8_t)banner[i - at] : (uint8_t)'.';

		tb_lime(&t, i, &c, 1);
	}
	path = tb_file(&t, "tiny");
	IC_CHECK(ic_image__open(&ctx, path, &img) == 0 && img && ic_image__nranges(img) == n, "open tiny");
	if (img) {
		IC_CHECK(ic_scan(&ctx, img, &f) == 0, "scan tiny");
		IC_CHECK(f.banner && f.banner->phys == at && f.banner->linux_banner, "banner over 45 ranges");
		ic_findings__release(&f);
	}
	ic_image__free(img);
	img = NULL;
	tb_rm(path);
	t.n = 0;
	for (size_t i = 0; i <= 1u << 20; i++) /* IC_MAX_RANGES + 1 */
		tb_lime(&t, 2 * i, "x", 1);
	path = tb_file(&t, "many");
	IC_CHECK(ic_image__open(&ctx, path, &img) == -IC_ELIMIT && !img, "IC_MAX_RANGES");
	tb_rm(path);
	free(t.p);
}

int main(void)
{
	test_tiny_ranges();
	test_lime();
	test_elf();
	test_big();
	return IC_TEST_DONE();
}
