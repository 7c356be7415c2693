/* SPDX-License-Identifier: MIT */
/* The BTFHub archive reader (src/0-base/tarxz.c) on crafted tars, and release names from paths. */
#include <errno.h>
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "0-base/tarxz.h"
#include "8-profile/extbtf.h"

static void print(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)lvl;
	(void)arg;
	if (getenv("IC_TEST_VERBOSE"))
		fprintf(stderr, "  lib: %s\n", msg);
}

static const struct ic_ctx ctx = { .print = print, .level = IC_LOG_DEBUG };

/* A tar being built: 512-byte blocks. */
struct tb {
	uint8_t buf[16384];
	size_t len;
};

/* Append a header (ustar) with the checksum filled, and size bytes of data (pattern). */
static uint8_t *hdr(struct tb *t, const char *name, char type, uint64_t size, const char *prefix)
{
	uint8_t *h = t->buf + t->len;
	unsigned sum = 0;

	memset(h, 0, 512);
	memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
	h[156] = (uint8_t)type;
	memcpy(h + 257, "ustar\0" "00", 8);
	if (prefix)
		memcpy(h + 345, prefix, strlen(prefix));
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	t->len += 512;
	for (uint64_t i = 0; i < size; i++)
		t->buf[t->len + i] = (uint8_t)(i * 7 + 1);
	t->len += (size_t)((size + 511) / 512 * 512);
	return h;
}

static void resum(uint8_t *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

static void end(struct tb *t)
{
	memset(t->buf + t->len, 0, 1024);
	t->len += 1024;
}

static int run(const struct tb *t, struct ic_tar_member *m)
{
	int err = ic_tar__single(&ctx, t->buf, t->len, "t", m);

	if (!err) {
		for (size_t i = 0; i < m->len; i++)
			if (m->data[i] != (uint8_t)(i * 7 + 1))
				return -1000; /* wrong bytes */
	}
	return err;
}

int main(void)
{
	struct ic_tar_member m;
	struct tb t;
	uint8_t *h;
	int err;

	/* one file, a directory before it */
	memset(&t, 0, sizeof(t));
	hdr(&t, "debian/", '5', 0, NULL);
	hdr(&t, "6.1.0-1-amd64.btf", '0', 1000, NULL);
	end(&t);
	err = run(&t, &m);
	IC_CHECK(!err && m.len == 1000 && !strcmp(m.name, "6.1.0-1-amd64.btf"), "err %d %s", err, m.name);
	if (!err)
		free(m.data);
	/* every truncation: an error or the same file, never more */
	for (size_t l = 0; l < t.len; l++) {
		struct tb c = t;

		c.len = l;
		err = run(&c, &m);
		IC_CHECK(err != -1000, "truncated at %zu: wrong bytes", l);
		if (!err) {
			IC_CHECK(m.len == 1000 && l >= 2024, "truncated at %zu: %zu bytes", l, m.len);
			free(m.data);
		}
	}
	/* ustar prefix */
	memset(&t, 0, sizeof(t));
	hdr(&t, "x.btf", '0', 3, "some/dir");
	end(&t);
	err = run(&t, &m);
	IC_CHECK(!err && !strcmp(m.name, "some/dir/x.btf"), "prefix: %d %s", err, m.name);
	if (!err)
		free(m.data);
	/* base-256 size */
	memset(&t, 0, sizeof(t));
	h = hdr(&t, "x.btf", '0', 600, NULL);
	memset(h + 124, 0, 12);
	h[124] = 0x80;
	h[134] = 600 >> 8;
	h[135] = 600 & 0xff;
	resum(h);
	end(&t);
	err = run(&t, &m);
	IC_CHECK(!err && m.len == 600, "base-256: %d", err);
	if (!err)
		free(m.data);
	/* bad checksum */
	memset(&t, 0, sizeof(t));
	h = hdr(&t, "x.btf", '0', 10, NULL);
	h[0] ^= 1;
	end(&t);
	IC_CHECK(run(&t, &m) == -IC_EFORMAT, "bad checksum");
	/* size past the end */
	memset(&t, 0, sizeof(t));
	h = hdr(&t, "x.btf", '0', 10, NULL);
	snprintf((char *)h + 124, 12, "%011o", 077777777);
	resum(h);
	IC_CHECK(run(&t, &m) == -IC_ETRUNC, "size past the end");
	/* two files; a symlink; no file at all */
	memset(&t, 0, sizeof(t));
	hdr(&t, "a.btf", '0', 10, NULL);
	hdr(&t, "b.btf", '0', 10, NULL);
	end(&t);
	IC_CHECK(run(&t, &m) == -IC_EFORMAT, "two files");
	memset(&t, 0, sizeof(t));
	hdr(&t, "a.btf", '2', 0, NULL);
	end(&t);
	IC_CHECK(run(&t, &m) == -IC_EFORMAT, "symlink");
	memset(&t, 0, sizeof(t));
	hdr(&t, "d/", '5', 0, NULL);
	end(&t);
	IC_CHECK(run(&t, &m) == -IC_EFORMAT, "no file");
	/* GNU long name: used; past IC_MAX_TAR_NAME: refused */
	memset(&t, 0, sizeof(t));
	h = hdr(&t, "././@LongLink", 'L', 200, NULL);
	memset(h + 512, 'n', 199);
	h[512 + 199] = 0;
	hdr(&t, "short", '0', 5, NULL);
	end(&t);
	err = ic_tar__single(&ctx, t.buf, t.len, "t", &m);
	IC_CHECK(!err && strlen(m.name) == 199 && m.name[0] == 'n', "GNU long name: %d", err);
	if (!err)
		free(m.data);
	memset(&t, 0, sizeof(t));
	hdr(&t, "././@LongLink", 'L', IC_MAX_TAR_NAME + 1, NULL);
	hdr(&t, "short", '0', 5, NULL);
	end(&t);
	IC_CHECK(run(&t, &m) == -IC_ELIMIT, "GNU long name past the ceiling");
	/* pax: path and size; a malformed record */
	{
		static const char rec[] = "30 path=dir/7.0.0-1-arm64.btf\n12 size=700\n";

		memset(&t, 0, sizeof(t));
		h = hdr(&t, "PaxHeaders/x", 'x', sizeof(rec) - 1, NULL);
		memcpy(h + 512, rec, sizeof(rec) - 1);
		h = hdr(&t, "x.btf", '0', 700, NULL);
		snprintf((char *)h + 124, 12, "%011o", 0); /* the pax size wins */
		resum(h);
		end(&t);
		err = ic_tar__single(&ctx, t.buf, t.len, "t", &m);
		IC_CHECK(!err && m.len == 700 && !strcmp(m.name, "dir/7.0.0-1-arm64.btf"),
			 "pax: %d %s %zu", err, m.name, m.len);
		if (!err)
			free(m.data);
		memset(&t, 0, sizeof(t));
		h = hdr(&t, "PaxHeaders/x", 'x', 9, NULL);
		memcpy(h + 512, "99 path=x", 9);
		hdr(&t, "x.btf", '0', 7, NULL);
		end(&t);
		IC_CHECK(run(&t, &m) == -IC_EFORMAT, "malformed pax record");
	}
	/* xz around it: ok; one byte flipped; truncated; not xz */
	{
		static uint8_t xz[20000];
		size_t xl = 0;

		memset(&t, 0, sizeof(t));
		hdr(&t, "6.1.0-1-amd64.btf", '0', 5000, NULL);
		end(&t);
		IC_CHECK(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, t.buf, t.len, xz, &xl,
						 sizeof(xz)) == LZMA_OK, "lzma encode");
		IC_CHECK(ic_tarxz__is_xz(xz, xl) && !ic_tarxz__is_xz(t.buf, t.len), "magic");
		err = ic_tarxz__single(&ctx, xz, xl, "x", &m);
		IC_CHECK(!err && m.len == 5000, "xz: %d", err);
		if (!err)
			free(m.data);
		IC_CHECK(ic_tarxz__single(&ctx, xz, xl / 2, "x", &m) == -IC_ETRUNC, "xz truncated");
		xz[xl / 2] ^= 0x55;
		err = ic_tarxz__single(&ctx, xz, xl, "x", &m);
		IC_CHECK(err == -IC_EFORMAT || err == -IC_ETRUNC, "xz corrupt: %d", err);
		IC_CHECK(ic_tarxz__single(&ctx, t.buf, t.len, "x", &m) == -IC_EFORMAT, "not xz");
	}
	/* release names */
	{
		static const char *const cases[][2] = {
			{ "a/b/5.4.0-1018-aws.btf.tar.xz", "5.4.0-1018-aws" },
			{ "4.18.0-193.el8.x86_64.btf", "4.18.0-193.el8.x86_64" },
			{ "vmlinux.btf", "" },
			{ "/sys/kernel/btf/vmlinux", "" },
			{ "x.btf", "" },
			{ ".btf.tar.xz", "" },
			/* a release is X.Y.Z...: a short version number names none (was "6.1",
			 * refusing a right --banner) */
			{ "6.1.btf", "" },
			{ "6.1..btf", "" },
			{ "6..1.btf", "" },
			{ "6.1.0.btf", "6.1.0" },
			{ "6.7.4-arch1-1.btf", "6.7.4-arch1-1" },
			{ "7.2.12+deb14-amd64.btf.tar.xz", "7.2.12+deb14-amd64" },
		};
		char rel[65];

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			ic_extbtf__release_of(cases[i][0], rel, sizeof(rel));
			IC_CHECK(!strcmp(rel, cases[i][1]), "%s -> '%s'", cases[i][0], rel);
		}
	}
	return IC_TEST_DONE();
}
