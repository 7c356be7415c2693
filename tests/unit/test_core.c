/* SPDX-License-Identifier: MIT */
/* Unit tests for the core helpers: reader, sha256, JSON writer, raw image ranges. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ic_test.h"
#include "0-base/internal.h"
#include "0-base/elfnote.h"
#include "0-base/json.h"
#include "0-base/reader.h"
#include "isfcarve/image.h"

struct membuf {
	char b[4096];
	size_t n;
};

static int sink_mem(void *arg, const void *buf, size_t len)
{
	struct membuf *m = arg;

	if (len > sizeof(m->b) - 1 - m->n)
		return -ENOSPC;
	memcpy(m->b + m->n, buf, len);
	m->n += len;
	m->b[m->n] = 0;
	return 0;
}

static void test_reader(void)
{
	const uint8_t data[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct ic_rd r = ic_rd_init(data, sizeof(data));

	IC_CHECK(ic_rd_le32(&r) == 0x04030201u, "le32");
	IC_CHECK(ic_rd_be32(&r) == 0x05060708u, "be32");
	IC_CHECK(ic_rd_u8(&r) == 9 && !r.err, "u8");
	IC_CHECK(ic_rd_u8(&r) == 0 && r.err == -IC_ETRUNC, "past end is sticky error");
	IC_CHECK(ic_rd_le16(&r) == 0 && r.err == -IC_ETRUNC, "stays failed");
	r = ic_rd_init(data, sizeof(data));
	IC_CHECK(ic_rd_skip(&r, SIZE_MAX) == -IC_ETRUNC, "huge skip rejected");
	IC_CHECK(ic_in_bounds(8, 1, 9) && !ic_in_bounds(8, 2, 9) && !ic_in_bounds(UINT64_MAX, 2, 9),
		 "in_bounds");
}

static void test_sha256(void)
{
	uint8_t d[32];
	char hex[65];

	ic_sha256("abc", 3, d);
	ic_hex(d, 32, hex);
	IC_CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
		 "sha256(abc) = %s", hex);
	ic_sha256("", 0, d);
	ic_hex(d, 32, hex);
	IC_CHECK(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
		 "sha256('') = %s", hex);
	/* Long inputs take the SHA-NI path where the CPU has it (>= 4 KiB per update): FIPS 180-2's
	 * one million 'a', and bulk vs byte-at-a-time (portable) updates of the same bytes. */
	{
		static uint8_t big[1000000];
		struct ic_sha256 s;
		uint8_t d2[32];
		uint32_t x = 1;

		memset(big, 'a', sizeof(big));
		ic_sha256(big, sizeof(big), d);
		ic_hex(d, 32, hex);
		IC_CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
			 "sha256(10^6 x 'a') = %s", hex);
		for (size_t i = 0; i < 10007; i++) {
			x = x * 1103515245u + 12345u;
			big[i] = (uint8_t)(x >> 16);
		}
		ic_sha256(big, 10007, d);
		ic_sha256_init(&s);
		for (size_t i = 0; i < 10007; i++)
			ic_sha256_update(&s, big + i, 1);
		ic_sha256_final(&s, d2);
		IC_CHECK(!memcmp(d, d2, 32), "sha256: bulk == byte-at-a-time");
	}
}

static void test_json(void)
{
	struct membuf m = { .n = 0 };
	struct ic_json j;
	const uint8_t b64[] = "Linux version\n";

	ic_json_init(&j, sink_mem, &m, 0);
	ic_json_obj_begin(&j);
	ic_json_key(&j, "addr");
	ic_json_u64(&j, 0xffffffff81000000ull);
	ic_json_key(&j, "s");
	ic_json_strn(&j, "a\"\\\n\x01\xff\xc3\xa9", 8);
	ic_json_key(&j, "a");
	ic_json_arr_begin(&j);
	ic_json_i64(&j, -5);
	ic_json_bool(&j, true);
	ic_json_null(&j);
	ic_json_hex(&j, 0x1000);
	ic_json_arr_end(&j);
	ic_json_key(&j, "b");
	ic_json_base64(&j, b64, sizeof(b64));
	ic_json_obj_end(&j);
	IC_CHECK(ic_json_finish(&j) == 0, "finish");
	IC_CHECK(!strcmp(m.b, "{\"addr\":18446744071578845184,\"s\":\"a\\\"\\\\\\n\\u0001\\ufffd\xc3\xa9\","
			      "\"a\":[-5,true,null,\"0x1000\"],\"b\":\"TGludXggdmVyc2lvbgoA\"}"),
		 "json output: %s", m.b);

	m.n = 0;
	ic_json_init(&j, sink_mem, &m, 2);
	ic_json_arr_begin(&j);
	ic_json_u64(&j, 0);
	ic_json_u64(&j, UINT64_MAX);
	ic_json_arr_end(&j);
	IC_CHECK(ic_json_finish(&j) == 0 && !strcmp(m.b, "[\n  0,\n  18446744073709551615\n]\n"),
		 "json u64 extremes, indented: %s", m.b);

	m.n = 0;
	ic_json_init(&j, sink_mem, &m, 0);
	ic_json_obj_begin(&j);
	IC_CHECK(ic_json_finish(&j) != 0, "unbalanced is an error");
}

static void test_raw_image(void)
{
	char path[] = "/tmp/ic_test_rawXXXXXX";
	int fd = mkstemp(path);
	uint8_t data[10000], buf[16];
	struct ic_image *img = NULL;
	struct ic_ctx ctx = { 0 };

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	IC_CHECK(fd >= 0 && write(fd, data, sizeof(data)) == (ssize_t)sizeof(data), "tmp file");
	close(fd);
	IC_CHECK(ic_image__open_as(&ctx, path, "raw", &img) == 0, "open raw");
	if (img) {
		IC_CHECK(ic_image__nranges(img) == 1 && ic_image__bytes(img) == sizeof(data), "one range");
		IC_CHECK(ic_image__read(img, 300, buf, 4) == 0 && buf[0] == (uint8_t)300, "read");
		IC_CHECK(ic_image__read(img, 9998, buf, 4) == -IC_ENOTFOUND, "read past end");
		IC_CHECK(ic_image__ptr(img, 0, sizeof(data)) != NULL, "ptr whole");
		IC_CHECK(ic_image__ptr(img, 1, sizeof(data)) == NULL, "ptr past end");
	}
	ic_image__free(img);
	unlink(path);
	IC_CHECK(ic_image__open(&ctx, "/nonexistent/x", &img) == -ENOENT, "missing file");
	IC_CHECK(ic_image__open(&ctx, "/tmp", &img) == -EISDIR, "directory");
}

/* The one FNV-1a (ic_hash_mem): FNV-1a's known value then the mixer; pieces hash as their
 * concatenation (typing's "class:a,b,c" is hashed in pieces); ic_hash_str is ic_hash_mem of the
 * string; the seed changes the value (so crafted keys cannot aim at a table's slots). */
static void test_hash(void)
{
	uint64_t h = ic_hash_more(ic_hash_begin(0), "a", 1);

	IC_CHECK(h == 0xaf63dc4c8601ec8cull, "FNV-1a(\"a\") 0x%llx", (unsigned long long)h);
	IC_CHECK(ic_hash_mem("a", 1, 0) == ic_mix64(0xaf63dc4c8601ec8cull), "mixed");
	IC_CHECK(ic_hash_mem("foobar", 6, 42) ==
		 ic_hash_end(ic_hash_more(ic_hash_more(ic_hash_begin(42), "foo", 3), "bar", 3)),
		 "pieces = whole");
	IC_CHECK(ic_hash_str("foobar", 42) == ic_hash_mem("foobar", 6, 42), "str = mem");
	IC_CHECK(ic_hash_mem("foobar", 6, 1) != ic_hash_mem("foobar", 6, 2), "seeded");
	IC_CHECK(ic_hash_mem("", 0, 7) == ic_mix64(0xcbf29ce484222325ull ^ 7), "empty");
}

/* ic_note_next() / ic_note_is(): the one notes walker of the image readers, the VMCOREINFO
 * carver and live mode. */
static void test_notes(void)
{
	/* "CORE" type 1 desc 3 bytes (padded), "VMCOREINFO\0" desc 5 bytes with no padding (the
	 * last note may lack it) */
	static const uint8_t area[] = {
		5, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 'C', 'O', 'R', 'E', 0, 0, 0, 0, 'a', 'b', 'c', 0,
		11, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 'V', 'M', 'C', 'O', 'R', 'E', 'I', 'N', 'F', 'O',
		0, 0, 'O', 'S', 'R', '=', '1',
	};
	/* one padded note, then 7 stray bytes */
	static const uint8_t stray[] = { 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c', 'd',
					 9, 9, 9, 9, 9, 9, 9 };
	static const uint8_t noname[] = { 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'V', 'M', 'C', 'O',
					  'R', 'E', 'I', 'N', 'F', 'O', 0, 0 };
	static const uint8_t longer[] = { 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'V', 'M', 'C', 'O',
					  'R', 'E', 'I', 'N', 'F', 'O', 'X', 0 };
	static const uint8_t cut[] = { 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 'a', 'b', 'c', 0 };
	struct ic_note n;
	size_t off = 0;

	IC_CHECK(ic_note_next(area, sizeof(area), &off, &n) && n.at == 0 && n.type == 1 &&
			 n.descsz == 3 && !memcmp(n.desc, "abc", 3) && ic_note_is(&n, "CORE") &&
			 !ic_note_is(&n, "VMCOREINFO") && off == 24,
		 "first note, padded desc");
	IC_CHECK(ic_note_next(area, sizeof(area), &off, &n) && n.at == 24 && n.descsz == 5 &&
			 ic_note_is(&n, "VMCOREINFO") && !memcmp(n.desc, "OSR=1", 5) && off == 53,
		 "last note without its desc padding, off %zu", off);
	IC_CHECK(!ic_note_next(area, sizeof(area), &off, &n) && off == 53, "the end");
	off = 0;
	IC_CHECK(ic_note_next(stray, sizeof(stray), &off, &n) && n.namesz == 0 && off == 16 &&
			 !ic_note_next(stray, sizeof(stray), &off, &n) && off == 16,
		 "7 stray bytes after a note: the end");
	off = 0;
	IC_CHECK(ic_note_next(noname, sizeof(noname), &off, &n) && ic_note_is(&n, "VMCOREINFO"),
		 "namesz 10: the name without its NUL");
	off = 0;
	IC_CHECK(ic_note_next(longer, sizeof(longer), &off, &n) && !ic_note_is(&n, "VMCOREINFO"),
		 "VMCOREINFOX is another name");
	off = 0;
	IC_CHECK(!ic_note_next(cut, sizeof(cut), &off, &n) && off == 0, "a desc past the end");
	off = sizeof(area) + 1;
	IC_CHECK(!ic_note_next(area, sizeof(area), &off, &n), "an offset past the end");
}

int main(void)
{
	test_hash();
	test_notes();
	test_reader();
	test_sha256();
	test_json();
	test_raw_image();
	return IC_TEST_DONE();
}
