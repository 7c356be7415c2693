// SPDX-License-Identifier: MIT
/* Output sink: plain/gz/xz round trips, temp-file hygiene, refusals, JSON sink. */
#include <dirent.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ic_test.h"
#include "0-base/json.h"
#include "0-base/out.h"

static char dir[256];

static uint8_t *gunzip(const uint8_t *in, size_t len, size_t *outlen)
{
	z_stream z;
	size_t cap = 8u << 20;
	uint8_t *out = malloc(cap);
	int r;

	memset(&z, 0, sizeof(z));
	inflateInit2(&z, 15 + 16);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	r = inflate(&z, Z_FINISH);
	*outlen = z.total_out;
	inflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

static uint8_t *unxz(const uint8_t *in, size_t len, size_t *outlen)
{
	size_t cap = 8u << 20, inpos = 0, outpos = 0;
	uint8_t *out = malloc(cap);
	uint64_t memlimit = UINT64_MAX;

	if (lzma_stream_buffer_decode(&memlimit, 0, NULL, in, &inpos, len, out, &outpos, cap) !=
	    LZMA_OK) {
		free(out);
		return NULL;
	}
	*outlen = outpos;
	return out;
}

static int count_tmp(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp."))
			n++;
	closedir(d);
	return n;
}

static void payload(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)("{\"a\": 1234567890}\n"[i % 18] ^ (i / 4096 % 3 == 0 ? 0 : 0));
}

/* ctx NULL: the writer thread (several 1 MiB slots: data is ~5 MiB, one write spans many);
 * threads 1: the caller's thread writes. Same bytes either way. */
static void round_trip(const char *name, const struct ic_ctx *ctx)
{
	char path[512];
	struct ic_out *o = NULL;
	static uint8_t data[(5u << 20) + 12345];
	uint8_t *raw, *dec = NULL;
	size_t rawlen = 0, declen = 0;
	struct stat st;
	int err;

	payload(data, sizeof(data));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = ic_out__open(ctx, path, &o);
	IC_CHECK(err == 0 && o, "%s: open %d", name, err);
	if (!o)
		return;
	for (size_t off = 0; off < 300000; off += 7777)
		IC_CHECK(ic_out__write(o, data + off, 300000 - off < 7777 ? 300000 - off : 7777) == 0,
			 "%s: write", name);
	IC_CHECK(ic_out__write(o, data + 300000, sizeof(data) - 300000) == 0, "%s: big write", name);
	IC_CHECK(access(path, F_OK) != 0, "%s: target must not exist before commit", name);
	IC_CHECK(count_tmp() == 1, "%s: one temp file while writing", name);
	IC_CHECK(ic_out__bytes(o) == sizeof(data), "%s: bytes", name);
	IC_CHECK(ic_out__commit(o) == 0, "%s: commit", name);
	IC_CHECK(count_tmp() == 0, "%s: temp file left", name);
	IC_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == (0644u & ~(unsigned)umask(022)),
		 "%s: mode %o", name, st.st_mode & 0777);
	raw = ic_test_slurp(path, &rawlen);
	switch (ic_out_fmt_for(path)) {
	case IC_OUT_PLAIN:
		dec = raw, declen = rawlen, raw = NULL;
		break;
	case IC_OUT_GZ:
		IC_CHECK(rawlen > 2 && raw[0] == 0x1f && raw[1] == 0x8b, "%s: gzip magic", name);
		dec = gunzip(raw, rawlen, &declen);
		break;
	case IC_OUT_XZ:
		IC_CHECK(rawlen > 6 && !memcmp(raw, "\xfd" "7zXZ", 5), "%s: xz magic", name);
		dec = unxz(raw, rawlen, &declen);
		break;
	}
	IC_CHECK(dec && declen == sizeof(data) && !memcmp(dec, data, declen), "%s: round trip (%zu)",
		 name, declen);
	free(raw);
	free(dec);
}

/*
 * .xz is written by liblzma's multi-threaded encoder (out.c): the blocks are cut at fixed
 * sizes, so the file must be the same bytes whatever the thread count, and the ~5 MiB payload
 * must be more than one block (else the threads were never used).
 */
static void same_xz(const char *a, const char *b)
{
	char pa[512], pb[512];
	uint8_t *ra, *rb;
	size_t la = 0, lb = 0;

	snprintf(pa, sizeof(pa), "%s/%s", dir, a);
	snprintf(pb, sizeof(pb), "%s/%s", dir, b);
	ra = ic_test_slurp(pa, &la);
	rb = ic_test_slurp(pb, &lb);
	IC_CHECK(ra && rb && la == lb && !memcmp(ra, rb, la), "%s and %s: same bytes (%zu, %zu)", a,
		 b, la, lb);
	if (ra && la > 12) {
		lzma_stream_flags sf;
		lzma_index *idx = NULL;
		uint64_t memlimit = UINT64_MAX;
		size_t pos = 0;

		/* the index sits just before the 12-byte footer: its size is in the footer */
		IC_CHECK(lzma_stream_footer_decode(&sf, ra + la - 12) == LZMA_OK, "%s: footer", a);
		IC_CHECK(sf.backward_size < la - 12 &&
				 lzma_index_buffer_decode(&idx, &memlimit, NULL,
							  ra + la - 12 - sf.backward_size, &pos,
							  sf.backward_size) == LZMA_OK,
			 "%s: index", a);
		IC_CHECK(idx && lzma_index_block_count(idx) > 1, "%s: %llu blocks", a,
			 idx ? (unsigned long long)lzma_index_block_count(idx) : 0ull);
		lzma_index_end(idx, NULL);
	}
	free(ra);
	free(rb);
}

static void test_abort_and_refusals(void)
{
	char path[512], sub[512];
	struct ic_out *o = NULL;
	int err;

	/* abort removes the temp file and leaves an existing target untouched */
	snprintf(path, sizeof(path), "%s/keep.json", dir);
	FILE *f = fopen(path, "w");
	fputs("old", f);
	fclose(f);
	IC_CHECK(ic_out__open(NULL, path, &o) == 0, "open");
	ic_out__write(o, "new", 3);
	ic_out__abort(o);
	IC_CHECK(count_tmp() == 0, "abort left a temp file");
	{
		size_t n;
		uint8_t *p = ic_test_slurp(path, &n);
		IC_CHECK(p && n == 3 && !memcmp(p, "old", 3), "abort changed the target");
		free(p);
	}
	ic_out__abort(NULL);
	/* abort with the writer thread busy: ~6 MiB queued and written in 1 MiB slots */
	{
		static uint8_t big[6u << 20];

		IC_CHECK(ic_out__open(NULL, path, &o) == 0, "open 2");
		IC_CHECK(ic_out__write(o, big, sizeof(big)) == 0, "big write");
		ic_out__abort(o);
		IC_CHECK(count_tmp() == 0, "abort with a busy writer left a temp file");
	}

	/* a directory, a FIFO: refused */
	snprintf(sub, sizeof(sub), "%s/adir", dir);
	mkdir(sub, 0755);
	err = ic_out__open(NULL, sub, &o);
	IC_CHECK(err == -EISDIR && !o, "directory: %d", err);
	snprintf(sub, sizeof(sub), "%s/fifo", dir);
	mkfifo(sub, 0644);
	err = ic_out__open(NULL, sub, &o);
	IC_CHECK(err == -EINVAL && !o, "fifo: %d", err);
	err = ic_out__open(NULL, "/dev/null", &o);
	IC_CHECK(err == -EINVAL && !o, "device: %d", err);
	/* missing directory */
	snprintf(sub, sizeof(sub), "%s/nodir/x.json", dir);
	err = ic_out__open(NULL, sub, &o);
	IC_CHECK(err == -ENOENT && !o, "no dir: %d", err);

	/* same file as an input */
	IC_CHECK(ic_out_check_distinct(NULL, path, path) == -EINVAL, "same path");
	snprintf(sub, sizeof(sub), "%s/link.json", dir);
	IC_CHECK(link(path, sub) == 0, "hard link");
	IC_CHECK(ic_out_check_distinct(NULL, sub, path) == -EINVAL, "hard link not detected");
	snprintf(sub, sizeof(sub), "%s/other.json", dir);
	IC_CHECK(ic_out_check_distinct(NULL, sub, path) == 0, "nonexistent output");
	IC_CHECK(ic_out_check_distinct(NULL, "-", path) == 0, "stdout");
}

static void test_json_sink(void)
{
	char path[512];
	struct ic_out *o = NULL;
	static struct ic_json j;
	size_t n;
	uint8_t *p;

	snprintf(path, sizeof(path), "%s/j.json", dir);
	IC_CHECK(ic_out__open(NULL, path, &o) == 0, "open");
	ic_json_init(&j, ic_out__sink, o, 0);
	ic_json_obj_begin(&j);
	ic_json_key(&j, "a");
	ic_json_u64(&j, 18446744073709551615ull);
	ic_json_obj_end(&j);
	IC_CHECK(ic_json_finish(&j) == 0, "json");
	IC_CHECK(ic_out__commit(o) == 0, "commit");
	p = ic_test_slurp(path, &n);
	IC_CHECK(p && n == 26 && !memcmp(p, "{\"a\":18446744073709551615}", 26), "json text %.*s",
		 (int)n, p ? (char *)p : "");
	free(p);
}

int main(void)
{
	char cmd[300];

	snprintf(dir, sizeof(dir), "%s/test_out.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	static const struct ic_ctx one = { .threads = 1 }, three = { .threads = 3 };

	round_trip("a.json", NULL);
	round_trip("b.json.gz", NULL);
	round_trip("c.json.xz", NULL);
	round_trip("d.json", &one);
	round_trip("e.json.xz", &one);
	round_trip("f.json.xz", &three);
	same_xz("c.json.xz", "e.json.xz");
	same_xz("c.json.xz", "f.json.xz");
	test_abort_and_refusals();
	test_json_sink();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
	return IC_TEST_DONE();
}
