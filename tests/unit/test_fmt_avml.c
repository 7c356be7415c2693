/* SPDX-License-Identifier: MIT */
/* AVML v2 reader: round trip of files written by tools/avml-convert.py, holes, threads, bad input. */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ic_test.h"
#include "0-base/internal.h"
#include "1-image/image_internal.h"
#include "isfcarve/image.h"

static struct ic_ctx quiet;
static char build[4096];

struct map {
	const uint8_t *p;
	size_t n;
};

static struct map map_file(const char *path)
{
	struct map m = { NULL, 0 };
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return m;
	if (!fstat(fd, &st) && st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p != MAP_FAILED) {
			m.p = p;
			m.n = (size_t)st.st_size;
		}
	}
	close(fd);
	return m;
}

/* LiME lookup: [pa, pa+n) inside one LiME range, or NULL. */
static const uint8_t *lime_at(struct map m, uint64_t pa, size_t n)
{
	size_t off = 0;

	while (off + 32 <= m.n) {
		uint64_t s, e;

		memcpy(&s, m.p + off + 8, 8);
		memcpy(&e, m.p + off + 16, 8);
		if (pa >= s && pa + n <= e + 1)
			return m.p + off + 32 + (pa - s);
		off += 32 + (size_t)(e - s + 1);
	}
	return NULL;
}

/* Run avml-convert.py write; 0 on success. */
static int convert(const char *src, const char *out, const char *sel)
{
	char cmd[16384];
	const char *py = getenv("IC_PYTHON") ?: "/usr/bin/python3";
	const char *shared = getenv("IC_SHARED") ?: "../shared";

	snprintf(cmd, sizeof(cmd), "'%s' '%s/tools/tools/avml-convert.py' write '%s' '%s' %s >'%s.log' 2>&1",
		 py, shared, src, out, sel, out);
	return system(cmd);
}

struct thr {
	const struct ic_image *img;
	const uint8_t *src; /* raw source: pa = offset */
	unsigned seed;
	int bad;
};

static void *reader_thread(void *arg)
{
	struct thr *t = arg;
	const struct ic_range *r = ic_image__ranges(t->img);
	size_t nr = ic_image__nranges(t->img);
	uint8_t buf[9000];

	for (int i = 0; i < 3000; i++) {
		const struct ic_range *x;
		uint64_t o;
		size_t n;

		t->seed = t->seed * 1103515245u + 12345u;
		x = &r[(t->seed >> 8) % nr];
		t->seed = t->seed * 1103515245u + 12345u;
		n = 1 + (t->seed >> 4) % sizeof(buf);
		if (n > x->len)
			n = (size_t)x->len;
		o = x->phys + ((uint64_t)t->seed * 2654435761u) % (x->len - n + 1);
		if (ic_image__read(t->img, o, buf, n) || memcmp(buf, t->src + o, n))
			t->bad++;
	}
	return NULL;
}

/* A 40 MiB raw source; avml-convert cuts 0x1000-0x2800000 in 16 MiB blocks from 0x1000, and the
 * second one (0x1001000-0x2001000) is all zero: avml skips it (a hole). */
static void test_synthetic(void)
{
	char raw[4200], avml[4200], badp[4200];
	size_t n = 40u << 20;
	uint8_t *src = calloc(1, n);
	struct ic_image *img = NULL;
	struct map m;
	int err;

	for (size_t i = 0; i < n; i++)
		if (i < 0x1001000 || i >= 0x2001000)
			src[i] = (uint8_t)(i % 4096 < 2048 ? (i * 31) >> 7 : i % 7); /* part compressible */
	/* a copy of 0x101000.. at an offset no multiple of the 64 KiB snappy chunk (a kernel copy) */
	memcpy(src + 0x2200800, src + 0x101000, 0x30000);
	snprintf(raw, sizeof(raw), "%s/test_fmt_avml.raw", build);
	snprintf(avml, sizeof(avml), "%s/test_fmt_avml.syn.avml", build);
	{
		FILE *f = fopen(raw, "wb");

		IC_CHECK(f && fwrite(src, 1, n, f) == n && !fclose(f), "write %s", raw);
	}
	err = convert(raw, avml, "--ranges 1000-2800000");
	IC_CHECK(!err, "avml-convert.py (see %s.log): %d", avml, err);
	if (err)
		goto out;
	err = ic_image__open(&quiet, avml, &img);
	IC_CHECK(!err, "open %s: %d", avml, err);
	if (err)
		goto out;
	IC_CHECK(!strcmp(ic_image__format(img), "avml"), "format %s", ic_image__format(img));
	IC_CHECK(ic_image__nranges(img) == 2 && ic_image__ranges(img)[0].phys == 0x1000 &&
		 ic_image__ranges(img)[1].phys == 0x2001000, "zero block skipped");
	IC_CHECK(ic_image__bytes(img) == 0x2800000 - 0x1000 - 0x1000000, "bytes %" PRIu64,
		 ic_image__bytes(img));
	{
		uint8_t *buf = malloc(24u << 20);

		IC_CHECK(!ic_image__read(img, 0x1000, buf, 0x1000000) &&
			 !memcmp(buf, src + 0x1000, 0x1000000), "block 1 round trip");
		IC_CHECK(!ic_image__read(img, 0x2001000, buf, 0x7ff000) &&
			 !memcmp(buf, src + 0x2001000, 0x7ff000), "block 3 round trip");
		IC_CHECK(ic_image__read(img, 0x1800000, buf, 16) == -IC_ENOTFOUND, "zero block is absent");
		IC_CHECK(ic_image__read(img, 0x1000ff8, buf, 16) == -IC_ENOTFOUND, "read into the hole");
		IC_CHECK(ic_image__read(img, 0, buf, 16) == -IC_ENOTFOUND, "below the first range");
		free(buf);
	}
	/* equal bytes in differently cut chunks: shown equal by decoding; a shifted or absent
	 * span is not */
	IC_CHECK(ic_image__same(img, 0x101000, 0x2200800, 0x30000), "copy shown equal");
	IC_CHECK(ic_image__same(img, 0x101000, 0x101000, 0x30000), "a span equals itself");
	IC_CHECK(!ic_image__same(img, 0x101000, 0x2200801, 0x30000), "shifted copy differs");
	IC_CHECK(!ic_image__same(img, 0x101000, 0x1000000, 0x30000), "span into the hole");
	IC_CHECK(ic_image__equals(img, 0x2200800, src + 0x101000, 0x30000), "copy equals the bytes");
	IC_CHECK(!ic_image__equals(img, 0x2200801, src + 0x101000, 0x30000), "shifted: not equal");
	IC_CHECK(!ic_image__equals(img, 0x1000000, src + 0x1000000, 0x30000), "hole: not equal");
	/* four threads of small random reads through the shared page cache */
	{
		pthread_t t[4];
		struct thr a[4];

		for (unsigned i = 0; i < 4; i++) {
			a[i] = (struct thr){ img, src, 7 + i, 0 };
			pthread_create(&t[i], NULL, reader_thread, &a[i]);
		}
		for (unsigned i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			IC_CHECK(!a[i].bad, "thread %u: %d bad reads", i, a[i].bad);
		}
	}
	ic_image__free(img);
	img = NULL;

	/* hostile variants of the file */
	m = map_file(avml);
	snprintf(badp, sizeof(badp), "%s/test_fmt_avml.bad", build);
	{
		struct {
			const char *name;
			size_t at;    /* byte to change (or length to keep, for cut) */
			uint8_t xor;
			bool cut;
			int open_err; /* 1 = opens, reading the block must fail; 2 = EFORMAT or ETRUNC */
		} bad[] = {
			{ "magic", 0, 0x01, false, -EPROTO },
			{ "version", 4, 0x03, false, -IC_EFORMAT },
			{ "end-before-start", 23, 0x80, false, -IC_ELIMIT },
			{ "padding", 24, 0x01, false, -IC_EFORMAT },
			{ "stream-id", 32 + 4, 0x20, false, -IC_EFORMAT },
			{ "chunk-type", 42, 0x05, false, -IC_EFORMAT },
			{ "chunk-len", 44, 0x40, false, 2 },
			{ "crc", 46, 0x01, false, 1 },
			{ "truncated-mid-stream", 1, 0, true, 2 },
			{ "truncated-trailer", 0, 0, true, -IC_ETRUNC },
		};

		for (size_t i = 0; i < IC_ARRAY_SIZE(bad) && m.p; i++) {
			uint8_t *c = malloc(m.n);
			size_t len = m.n;
			FILE *f;

			memcpy(c, m.p, m.n);
			if (bad[i].cut)
				len = bad[i].at ? m.n / 2 : m.n - 4; /* mid-stream / inside the trailer */
			else
				c[bad[i].at] ^= bad[i].xor;
			f = fopen(badp, "wb");
			fwrite(c, 1, len, f);
			fclose(f);
			img = NULL;
			err = ic_image__open_as(&quiet, badp, "avml", &img);
			if (bad[i].open_err == 1) {
				uint8_t b[64];

				IC_CHECK(!err, "%s: opens (%d)", bad[i].name, err);
				if (!err)
					IC_CHECK(ic_image__read(img, 0x1000, b, sizeof(b)) == -IC_EFORMAT,
						 "%s: read fails", bad[i].name);
			} else if (bad[i].open_err == 2) {
				IC_CHECK(err == -IC_EFORMAT || err == -IC_ETRUNC, "%s: %d", bad[i].name, err);
			} else if (bad[i].open_err == -EPROTO) {
				IC_CHECK(err == -IC_EFORMAT, "%s: forced avml on non-AVML: %d", bad[i].name, err);
			} else {
				IC_CHECK(err == bad[i].open_err, "%s: got %d want %d", bad[i].name, err,
					 bad[i].open_err);
			}
			ic_image__free(img);
			free(c);
		}
		unlink(badp);
	}
	if (m.p)
		munmap((void *)m.p, m.n);
out:
	unlink(raw);
	if (!getenv("IC_KEEP_SYNTH"))
		unlink(avml);
	free(src);
}

/* The real LiME image of fx-deb12-6.1 converted the way avml would have acquired it. */
static void test_fixture(void)
{
	char p1[4096], p2[4096], avml[4200];
	const char *limep = ic_test_fixture("fx-deb12-6.1", "mem.lime", p1, sizeof(p1));
	const char *iomem = ic_test_fixture("fx-deb12-6.1", "truth/iomem", p2, sizeof(p2));
	struct ic_image *img = NULL;
	struct map lime;
	uint8_t *buf = malloc(16u << 20);
	uint64_t total = 0;
	int err;

	if (!limep || !iomem)
		exit(ic_test_no_fixture());
	snprintf(avml, sizeof(avml), "%s/test_fmt_avml.fx.avml", build);
	{
		char sel[4200];

		snprintf(sel, sizeof(sel), "--iomem '%s'", iomem);
		err = convert(limep, avml, sel);
	}
	IC_CHECK(!err, "avml-convert.py on mem.lime (see %s.log): %d", avml, err);
	if (err)
		return;
	lime = map_file(limep);
	err = ic_image__open(&quiet, avml, &img);
	IC_CHECK(!err, "open: %d", err);
	if (!err) {
		const struct ic_range *r = ic_image__ranges(img);

		/* iomem System RAM 0x1000-0x9fbff and 0x100000-0xffd9fff; avml drops each last byte */
		IC_CHECK(r[0].phys == 0x1000 && r[0].len == 0x9fbff - 0x1000, "first range");
		IC_CHECK(ic_image__bytes(img) == (0x9fbffull - 0x1000) + (0xffd9fffull - 0x100000),
			 "bytes %" PRIu64, ic_image__bytes(img));
		for (size_t i = 0; i < ic_image__nranges(img); i++) {
			const uint8_t *want = lime_at(lime, r[i].phys, (size_t)r[i].len);

			err = ic_image__read(img, r[i].phys, buf, (size_t)r[i].len);
			IC_CHECK(!err && want && !memcmp(buf, want, (size_t)r[i].len),
				 "range 0x%" PRIx64 " == LiME", r[i].phys);
			total += r[i].len;
		}
		fprintf(stderr, "avml round trip: %zu ranges, %" PRIu64 " bytes identical to mem.lime\n",
			ic_image__nranges(img), total);
	}
	ic_image__free(img);
	if (lime.p)
		munmap((void *)lime.p, lime.n);
	if (!getenv("IC_KEEP_SYNTH"))
		unlink(avml);
	free(buf);
}

static void print_stderr(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "[%d] %s\n", (int)lvl, msg);
}

int main(void)
{
	char chk[4200];
	const char *py = getenv("IC_PYTHON") ?: "/usr/bin/python3";

	if (getenv("IC_TEST_VERBOSE")) {
		quiet.print = print_stderr;
		quiet.level = IC_LOG_DEBUG;
	}
	snprintf(build, sizeof(build), "%s", getenv("IC_BUILD") ?: ".");
	snprintf(chk, sizeof(chk), "'%s' -c 'import snappy' 2>/dev/null", py);
	if (system(chk)) {
		fprintf(stderr, "python3-snappy missing: avml-convert.py cannot run\n");
		return getenv("CI") && *getenv("CI") ? 1 : 77;
	}
	test_synthetic();
	test_fixture();
	return IC_TEST_DONE();
}
