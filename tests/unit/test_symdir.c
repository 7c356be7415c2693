/* SPDX-License-Identifier: MIT */
/* Unit tests of profile naming, symbols-dir layout, publishing and streaming banner reads. */
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "ic_test.h"
#include "isfcarve/error.h"
#include "isfcarve/symdir.h"
#include "0-base/ic_limits.h"
#include "8-profile/symdir_read.h"

static const char banner[] = "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) "
			     "(gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian "
			     "6.1.76-1 (2024-02-01)\n";

static void test_naming(void)
{
	struct ic_profile_id a, b, c;
	uint8_t sha[32] = { 1, 2, 3 };

	IC_CHECK(ic_profile_id__compute(&a, (const uint8_t *)banner, sizeof(banner), sha) == 0, "compute");
	IC_CHECK(!strcmp(a.release, "6.1.0-18-amd64"), "release %s", a.release);
	IC_CHECK(strlen(a.hash) == 12 && strspn(a.hash, "0123456789abcdef") == 12, "hash %s", a.hash);
	IC_CHECK(!strncmp(a.name, "6.1.0-18-amd64-", 15) && strstr(a.name, ".json.xz"), "name %s", a.name);
	/* With or without linux_banner's "\n\0": same identity. */
	IC_CHECK(ic_profile_id__compute(&b, (const uint8_t *)banner, sizeof(banner) - 2, sha) == 0, "b");
	IC_CHECK(!strcmp(a.name, b.name), "%s vs %s", a.name, b.name);
	/* A different BTF: a different name, same release. */
	sha[0] ^= 1;
	IC_CHECK(ic_profile_id__compute(&c, (const uint8_t *)banner, sizeof(banner), sha) == 0, "c");
	IC_CHECK(strcmp(a.name, c.name) && !strcmp(a.release, c.release), "btf changes hash");
	/* Stable across versions: the name is part of the on-disk contract. */
	IC_CHECK(ic_profile_id__compute(&c, (const uint8_t *)"Linux version 1.2.3 (x)", 23, NULL) == 0, "d");
	/* Value from: printf 'isfcarve-profile-v1\\0Linux version 1.2.3 (x)'; 32 zero bytes; sha256sum */
	IC_CHECK(!strcmp(c.name, "1.2.3-c29aaac1fbdd.json.xz"), "%s", c.name);
	/* Sanitising: path separators, leading dot, odd bytes. */
	IC_CHECK(ic_profile_id__compute(&c, (const uint8_t *)"Linux version ../x/y\x01z$ (a)", 27, NULL) == 0, "e");
	IC_CHECK(!strcmp(c.release, "_._x_y_z_"), "sanitised %s", c.release);
	IC_CHECK(ic_profile_id__compute(&c, (const uint8_t *)"garbage", 7, NULL) == 0 &&
		 !strcmp(c.release, "unknown"), "no banner prefix -> unknown");
	IC_CHECK(ic_profile_id__compute(&c, (const uint8_t *)"\n\0", 2, NULL) == -EINVAL, "empty");
	IC_CHECK(ic_profile_id__compute(&c, (const uint8_t *)"x", IC_MAX_BANNER_LEN + 1, NULL) == -EINVAL, "long");
	{
		char big[200];

		memset(big, 'a', sizeof(big));
		memcpy(big, "Linux version ", 14);
		IC_CHECK(ic_profile_id__compute(&c, (const uint8_t *)big, sizeof(big), NULL) == 0 &&
			 strlen(c.release) == IC_SYMDIR_RELEASE_MAX, "release capped");
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void test_dir(const char *tmp)
{
	struct ic_ctx ctx = { 0 };
	struct ic_profile_id id;
	char dir[512], path[1024], src[1024], small[8];
	bool exists = true;
	int fd = -1;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/a/b/symbols", tmp);
	ic_profile_id__compute(&id, (const uint8_t *)banner, sizeof(banner), NULL);
	IC_CHECK(ic_symdir__prepare(&ctx, dir, &id, path, sizeof(path), &exists) == 0, "prepare");
	IC_CHECK(!exists, "fresh dir has no profile");
	IC_CHECK(strstr(path, "/a/b/symbols/linux/6.1.0-18-amd64-"), "path %s", path);
	IC_CHECK(ic_symdir__path(dir, &id, small, sizeof(small)) == -ENAMETOOLONG, "too long");

	snprintf(src, sizeof(src), "%s/profile.json.xz", tmp);
	write_file(src, "content");
	IC_CHECK(ic_symdir__publish(&ctx, src, path) == 0, "publish");
	IC_CHECK(stat(path, &st) == 0 && st.st_size == 7, "published size");
	IC_CHECK(ic_symdir__prepare(&ctx, dir, &id, path, sizeof(path), &exists) == 0 && exists,
		 "second prepare sees it");
	/* Publishing again over it (the benign race) leaves one file and no temp files. */
	IC_CHECK(ic_symdir__publish(&ctx, src, path) == 0, "republish");
	IC_CHECK(ic_symdir__lock(&ctx, dir, &id, &fd) == 0 && fd >= 0, "lock");
	{
		char lock[1200];

		snprintf(lock, sizeof(lock), "%s/linux/.%s.lock", dir, id.name);
		IC_CHECK(stat(lock, &st) == 0, "the lock file exists while held");
		ic_symdir__unlock(fd);
		IC_CHECK(stat(lock, &st) < 0 && errno == ENOENT, "unlock removes the lock file");
		/* A waiter blocked on a lock file its holder then removes takes the new one at the
		 * path (it checks the inode after locking), not the removed one. */
		IC_CHECK(ic_symdir__lock(&ctx, dir, &id, &fd) == 0 && fd >= 0, "lock again");
		pid_t pid = fork();

		if (pid == 0) {
			struct stat a, b;
			int wfd;

			close(fd); /* a flock belongs to the open file, which fork shares: not ours */
			alarm(20); /* a deadlock fails the test instead of hanging it */
			if (ic_symdir__lock(&ctx, dir, &id, &wfd))
				_exit(1);
			_exit(fstat(wfd, &a) || stat(lock, &b) || a.st_ino != b.st_ino ? 2 : 0);
		}
		usleep(200 * 1000); /* the child is blocked in flock() on the file by now */
		ic_symdir__unlock(fd);
		int wst = -1;

		IC_CHECK(pid > 0 && waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) &&
			 WEXITSTATUS(wst) == 0, "waiter locks the file at the path, not the removed one");
		unlink(lock); /* the child exited holding it: its lock went with it, the name stays */
	}
	{
		char cmd[1200];

		snprintf(cmd, sizeof(cmd), "test $(ls -A '%s/linux' | wc -l) -eq 1", dir); /* the profile */
		IC_CHECK(system(cmd) == 0, "no temp or lock files left");
	}
	IC_CHECK(ic_symdir__publish(&ctx, "/nonexistent/x", path) == -ENOENT, "missing src");
	/* A file where the directory should be. */
	snprintf(dir, sizeof(dir), "%s/profile.json.xz", tmp);
	IC_CHECK(ic_symdir__prepare(&ctx, dir, &id, path, sizeof(path), &exists) < 0, "not a dir");
}

static void write_gz(const char *path, const char *text)
{
	gzFile g = gzopen(path, "wb");

	gzwrite(g, text, (unsigned)strlen(text));
	gzclose(g);
}

static int read_banner(const char *path, char *b64)
{
	struct ic_ctx ctx = { 0 };
	uint8_t ban[IC_MAX_BANNER_LEN];
	size_t len = 0;

	return ic_symdir__read_banner(&ctx, path, b64, ban, &len);
}

static void test_banner(const char *tmp)
{
	char p[1024], b64[IC_SYMDIR_B64_MAX];
	/* base64("Linux version 1.0 (x)\n\0") */
	const char *good = "TGludXggdmVyc2lvbiAxLjAgKHgpCgA=";
	char text[4096];
	uint8_t ban[IC_MAX_BANNER_LEN];
	size_t len = 0;
	struct ic_ctx ctx = { 0 };

	snprintf(p, sizeof(p), "%s/a.json", tmp);
	/* Decoys first: same keys at the wrong depth, in arrays, in strings. */
	snprintf(text, sizeof(text),
		 "{\"metadata\": {\"symbols\": {\"linux_banner\": {\"constant_data\": \"QQ==\"}}},"
		 " \"x\": [{\"linux_banner\": 1}, \"symbols\"], \"str\": \"\\\"symbols\\\": {\","
		 " \"symbols\": {\"a\": {\"address\": 18446744073709551615},"
		 " \"linux_banner\": {\"type\": {\"kind\": \"array\"}, \"address\": 1, \"constant_data\": \"%s\"}},"
		 " \"user_types\": {}}", good);
	write_file(p, text);
	IC_CHECK(ic_symdir__read_banner(&ctx, p, b64, ban, &len) == 0, "plain");
	IC_CHECK(!strcmp(b64, good), "b64 %s", b64);
	IC_CHECK(len == 23 && !memcmp(ban, "Linux version 1.0 (x)\n", 23), "decoded len %zu", len);

	snprintf(p, sizeof(p), "%s/a.json.gz", tmp);
	write_gz(p, text);
	IC_CHECK(read_banner(p, b64) == 0 && !strcmp(b64, good), "gz");

	snprintf(p, sizeof(p), "%s/none.json", tmp);
	write_file(p, "{\"symbols\": {\"init_task\": {\"address\": 1}}}");
	IC_CHECK(read_banner(p, b64) == -IC_ENOTFOUND, "no banner");
	write_file(p, "{\"symbols\": {\"linux_banner\": {\"address\": 1");
	IC_CHECK(read_banner(p, b64) == -IC_ETRUNC, "truncated");
	write_file(p, "{\"symbols\": {\"linux_banner\": {\"constant_data\": \"!!!!\"}}}");
	IC_CHECK(read_banner(p, b64) == -IC_EFORMAT, "bad base64");
	write_file(p, "{\"symbols\": {\"linux_banner\": {\"constant_data\": \"QUJD\"}}}");
	IC_CHECK(read_banner(p, b64) == -IC_EFORMAT, "not a Linux banner");
	write_file(p, "{\"symbols\": ]");
	IC_CHECK(read_banner(p, b64) == -IC_EFORMAT, "unbalanced");
	write_file(p, "[1]");
	IC_CHECK(read_banner(p, b64) == -IC_EFORMAT, "root array");
	write_file(p, "");
	IC_CHECK(read_banner(p, b64) == -IC_ETRUNC, "empty file");
	{
		char deep[200];

		memset(deep, '[', sizeof(deep));
		deep[0] = '{'; deep[1] = '"'; deep[2] = 'a'; deep[3] = '"'; deep[4] = ':';
		deep[sizeof(deep) - 1] = '\0';
		write_file(p, deep);
		IC_CHECK(read_banner(p, b64) == -IC_ELIMIT, "too deep");
	}
	{
		/* A constant_data longer than any banner. */
		static char big[8192];
		size_t o = (size_t)snprintf(big, sizeof(big), "{\"symbols\": {\"linux_banner\": {\"constant_data\": \"");

		memset(big + o, 'A', 4000);
		strcpy(big + o + 4000, "\"}}}");
		write_file(p, big);
		IC_CHECK(read_banner(p, b64) == -IC_ELIMIT, "long value");
	}
	snprintf(p, sizeof(p), "%s/garbage.json.xz", tmp);
	write_file(p, "\xfd" "7zXZ" "\0" "garbage");
	IC_CHECK(read_banner(p, b64) == -IC_EFORMAT, "corrupt xz");
	IC_CHECK(read_banner("/nonexistent.json", b64) == -ENOENT, "missing");
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	fwrite(data, 1, len, f);
	fclose(f);
}

/* One xz stream of text into out (preset 6, CRC64, as the ISF writer). Returns its size. */
static size_t xz_of(const char *text, uint8_t *out, size_t out_max)
{
	size_t pos = 0;

	if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, (const uint8_t *)text, strlen(text),
				    out, &pos, out_max) != LZMA_OK)
		return 0;
	return pos;
}

/* One gzip member of text into out. Returns its size. */
static size_t gz_of(const char *text, uint8_t *out, size_t out_max)
{
	z_stream z = { 0 };
	size_t n;

	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = out;
	z.avail_out = (uInt)out_max;
	n = deflate(&z, Z_FINISH) == Z_STREAM_END ? out_max - z.avail_out : 0;
	deflateEnd(&z);
	return n;
}

/*
 * The whole file is read, whatever the encoding, even once the wanted value is found: a stored
 * profile is good only if the data ends where its JSON root value ends. Before, the reader
 * stopped at the banner: a second xz stream appended, a gzip cut in half, a JSON cut before
 * "base_types", garbage after the root value all passed (reused by --symbols-dir, listed by
 * index), and Volatility failed on them.
 */
static void test_whole(const char *tmp)
{
	const char *good = "TGludXggdmVyc2lvbiAxLjAgKHgpCgA=";
	char text[1024], cut[1024], p[1024], b64[IC_SYMDIR_B64_MAX];
	uint8_t a[4096], b[4096];
	size_t na, nb;

	snprintf(text, sizeof(text), "{\"symbols\": {\"linux_banner\": {\"constant_data\": \"%s\"}},"
		 " \"base_types\": {\"int\": {\"size\": 4}}, \"user_types\": {}}", good);
	/* cut inside "base_types", after the banner */
	memcpy(cut, text, sizeof(text));
	cut[strstr(text, "\"base_types\"") - text + 8] = '\0';

	/* plain JSON */
	snprintf(p, sizeof(p), "%s/w.json", tmp);
	write_file(p, text);
	IC_CHECK(read_banner(p, b64) == 0 && !strcmp(b64, good), "plain whole");
	{
		char ws[1100];

		snprintf(ws, sizeof(ws), "%s \n\t\r\n", text);
		write_file(p, ws);
		IC_CHECK(read_banner(p, b64) == 0 && !strcmp(b64, good), "whitespace after the root");
		snprintf(ws, sizeof(ws), "%s\n{}", text);
		write_file(p, ws);
		IC_CHECK(read_banner(p, b64) == -IC_EFORMAT, "a second value after the root");
		snprintf(ws, sizeof(ws), "%s garbage", text);
		write_file(p, ws);
		IC_CHECK(read_banner(p, b64) == -IC_EFORMAT, "garbage after the root");
	}
	write_file(p, cut);
	IC_CHECK(read_banner(p, b64) == -IC_ETRUNC, "plain cut before base_types");

	/* xz */
	snprintf(p, sizeof(p), "%s/w.json.xz", tmp);
	na = xz_of(text, a, sizeof(a));
	IC_CHECK(na > 0, "xz encode");
	write_bytes(p, a, na);
	IC_CHECK(read_banner(p, b64) == 0 && !strcmp(b64, good), "xz whole");
	nb = xz_of("garbage", b, sizeof(b));
	memcpy(a + na, b, nb);
	write_bytes(p, a, na + nb);
	IC_CHECK(read_banner(p, b64) == -IC_EFORMAT, "xz with a second stream appended");
	memset(a + na, 0, 8); /* xz stream padding: still not what the writer makes (no footer
			       * at the file's end: refused before decoding) */
	write_bytes(p, a, na + 8);
	IC_CHECK(read_banner(p, b64) == -IC_ETRUNC, "xz with bytes after its stream");
	na = xz_of(cut, a, sizeof(a));
	write_bytes(p, a, na);
	IC_CHECK(read_banner(p, b64) == -IC_ETRUNC, "xz of a JSON cut before base_types");

	/* gzip */
	snprintf(p, sizeof(p), "%s/w.json.gz", tmp);
	na = gz_of(text, a, sizeof(a));
	IC_CHECK(na > 20, "gz encode");
	write_bytes(p, a, na);
	IC_CHECK(read_banner(p, b64) == 0 && !strcmp(b64, good), "gz whole");
	write_bytes(p, a, na - 4); /* no length in the trailer */
	IC_CHECK(read_banner(p, b64) == -IC_ETRUNC, "gz without its trailer");
	write_bytes(p, a, na / 2 + 20);
	IC_CHECK(read_banner(p, b64) == -IC_ETRUNC || read_banner(p, b64) == -IC_EFORMAT,
		 "half a gzip");
	a[na - 8] ^= 1; /* the CRC-32 */
	write_bytes(p, a, na);
	IC_CHECK(read_banner(p, b64) == -IC_EFORMAT, "gz with a wrong CRC");
	a[na - 8] ^= 1;
	memcpy(a + na, "garbage", 7);
	write_bytes(p, a, na + 7);
	IC_CHECK(read_banner(p, b64) == -IC_EFORMAT, "gz with garbage after it");
	na = gz_of(cut, a, sizeof(a));
	write_bytes(p, a, na);
	IC_CHECK(read_banner(p, b64) == -IC_ETRUNC, "gz of a JSON cut before base_types");
}

/* ic_symdir__read_addrs(): symbols.NAME.address only, decoys elsewhere, absent names. */
static void test_addrs(const char *tmp)
{
	static const char *const names[] = { "_text", "init_task", "gone", "neg", "str" };
	uint64_t a[5] = { 0 };
	bool have[5];
	char p[1024];
	struct ic_ctx ctx = { 0 };

	snprintf(p, sizeof(p), "%s/addrs.json", tmp);
	write_file(p, "{\"metadata\": {\"symbols\": {\"_text\": {\"address\": 7}}},"
		      " \"symbols\": {\"_text\": {\"type\": {\"address\": 9}, \"address\":"
		      " 18446744071578845184}, \"neg\": {\"address\": -1}, \"str\": {\"address\":"
		      " \"12\"}, \"init_task\": {\"address\": 42}},"
		      " \"user_types\": {\"gone\": {\"address\": 5}}}");
	IC_CHECK(ic_symdir__read_addrs(&ctx, p, names, 5, a, have) == 0, "read");
	IC_CHECK(have[0] && a[0] == 18446744071578845184ull, "_text 0x%llx", (unsigned long long)a[0]);
	IC_CHECK(have[1] && a[1] == 42, "init_task");
	IC_CHECK(!have[2], "a name outside symbols is not read");
	IC_CHECK(!have[3] && !have[4], "only plain unsigned numbers are addresses");
	write_file(p, "{\"symbols\": {\"_text\": {\"address\": 1");
	IC_CHECK(ic_symdir__read_addrs(&ctx, p, names, 5, a, have) == -IC_ETRUNC, "truncated");
}

/* ic_symdir__read_producer(): metadata.producer.KEY only; the scan stops at the end of
 * "metadata" (a truncated rest of the file does not matter then). */
static void test_producer(const char *tmp)
{
	char p[1024], out[64];
	struct ic_ctx ctx = { 0 };

	snprintf(p, sizeof(p), "%s/prod.json", tmp);
	write_file(p, "{\"base_types\": {\"producer\": {\"symdb\": \"decoy\"}}, \"metadata\":"
		      " {\"format\": \"6.2.0\", \"linux\": {\"producer\": {\"symdb\": \"decoy2\"}},"
		      " \"producer\": {\"name\": \"isfcarve\", \"version\": \"0.1.0\", \"symdb\":"
		      " \"x86_64-0123456789abcdef\"}}, \"symbols\": {\"a\": {\"address\": 1}}}\n");
	IC_CHECK(ic_symdir__read_producer(&ctx, p, "symdb", out, sizeof(out)) == 0 &&
		 !strcmp(out, "x86_64-0123456789abcdef"), "symdb '%s'", out);
	IC_CHECK(ic_symdir__read_producer(&ctx, p, "version", out, sizeof(out)) == 0 &&
		 !strcmp(out, "0.1.0"), "version '%s'", out);
	IC_CHECK(ic_symdir__read_producer(&ctx, p, "datetime", out, sizeof(out)) == -IC_ENOTFOUND &&
		 !out[0], "absent key: not found");
	/* The rest of the file cut short: what was read is not trusted (before, the scan stopped
	 * at the end of "metadata" and returned it). */
	write_file(p, "{\"metadata\": {\"producer\": {\"symdb\": \"x86_64-0123456789abcdef\"}},"
		      " \"symbols\": {\"a\": {\"address\": 1");
	IC_CHECK(ic_symdir__read_producer(&ctx, p, "symdb", out, sizeof(out)) == -IC_ETRUNC,
		 "found, but the file is cut short after it");
	write_file(p, "{\"metadata\": {\"producer\": {\"symdb\": \"x86_64-0123456789abcdef\"}},"
		      " \"symbols\": {}}");
	IC_CHECK(ic_symdir__read_producer(&ctx, p, "symdb", out, 8) == -ENOSPC, "out too small");
	write_file(p, "{\"metadata\": {\"producer\": {\"name\": \"dwarf2json\", \"version\": \"0.9.0\"}},"
		      " \"symbols\": {}}");
	IC_CHECK(ic_symdir__read_producer(&ctx, p, "symdb", out, sizeof(out)) == -IC_ENOTFOUND,
		 "another producer: no symdb");
	write_file(p, "{\"metadata\": {\"producer\": {\"symdb\": \"a\\u0041\"}}}");
	IC_CHECK(ic_symdir__read_producer(&ctx, p, "symdb", out, sizeof(out)) == -IC_EFORMAT,
		 "an escape in the value");
	write_file(p, "{\"metadata\": {\"producer\": {\"symdb\": \"x");
	IC_CHECK(ic_symdir__read_producer(&ctx, p, "symdb", out, sizeof(out)) == -IC_ETRUNC,
		 "truncated inside the value");
	IC_CHECK(ic_symdir__read_producer(&ctx, p, NULL, out, sizeof(out)) == -EINVAL, "no key");
}

/* ic_symdir__read_stored(): the reuse check's keys and addresses in one decode, each result as
 * the single readers give it; a file cut short fails every one. */
static void test_stored(const char *tmp)
{
	static const char *const keys[3] = { "version", "revision", "symdb" };
	static const char *const names[2] = { "_text", "init_task" };
	char ver[32], rev[4], db[64], p[1024];
	char *const outs[3] = { ver, rev, db };
	const size_t sizes[3] = { sizeof(ver), sizeof(rev), sizeof(db) };
	uint64_t addrs[2] = { 0 };
	bool have[2];
	int errs[4];
	const struct ic_symdir_stored_keys q = { .keys = keys, .nkeys = 3, .outs = outs,
		.sizes = sizes, .names = names, .nnames = 2, .addrs = addrs, .have = have,
		.errs = errs };
	struct ic_ctx ctx = { 0 };
	const char *text = "{\"metadata\": {\"producer\": {\"version\": \"0.1.0\", \"revision\":"
			   " \"12345\"}}, \"symbols\": {\"_text\": {\"address\": 7}}, \"x\": [1]}";

	snprintf(p, sizeof(p), "%s/stored.json", tmp);
	write_file(p, text);
	IC_CHECK(ic_symdir__read_stored(&ctx, p, &q) == 0, "read");
	IC_CHECK(!errs[0] && !strcmp(ver, "0.1.0"), "version %d '%s'", errs[0], ver);
	IC_CHECK(errs[1] == -ENOSPC, "revision too long for its buffer: %d", errs[1]);
	IC_CHECK(errs[2] == -IC_ENOTFOUND && !db[0], "no symdb: %d", errs[2]);
	IC_CHECK(!errs[3] && have[0] && addrs[0] == 7 && !have[1], "addresses");
	{
		char cut[256];

		snprintf(cut, sizeof(cut), "%.*s", (int)(strstr(text, "\"x\"") - text), text);
		write_file(p, cut);
	}
	IC_CHECK(ic_symdir__read_stored(&ctx, p, &q) == 0 && errs[0] == -IC_ETRUNC &&
		 errs[1] == -IC_ETRUNC && errs[2] == -IC_ETRUNC && errs[3] == -IC_ETRUNC,
		 "cut short: %d %d %d %d", errs[0], errs[1], errs[2], errs[3]);
	/* Nested beyond the reader's limit after the keys: -IC_ELIMIT in every result, told apart
	 * from a value too long for its buffer (-ENOSPC; before, both were -IC_ELIMIT and the
	 * reuse check said "made by isfcarve (unknown)" for a file it could not read whole). */
	{
		char deep[512];
		int o = snprintf(deep, sizeof(deep), "{\"metadata\": {\"producer\": {\"version\": "
				 "\"0.1.0\"}}, \"x\": ");

		memset(deep + o, '[', 300);
		deep[o + 300] = '\0';
		write_file(p, deep);
	}
	IC_CHECK(ic_symdir__read_stored(&ctx, p, &q) == 0 && errs[0] == -IC_ELIMIT &&
		 errs[1] == -IC_ELIMIT && errs[2] == -IC_ELIMIT && errs[3] == -IC_ELIMIT,
		 "nested too deep: %d %d %d %d", errs[0], errs[1], errs[2], errs[3]);
}

int main(void)
{
	char tmp[] = "/tmp/ic_symdir.XXXXXX";
	char cmd[128];

	if (!mkdtemp(tmp))
		return 1;
	test_naming();
	test_dir(tmp);
	test_banner(tmp);
	test_whole(tmp);
	test_addrs(tmp);
	test_producer(tmp);
	test_stored(tmp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd))
		return 1;
	return IC_TEST_DONE();
}
