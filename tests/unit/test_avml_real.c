/* SPDX-License-Identifier: MIT */
/* AVML v2 written by microsoft/avml 0.20.0 itself (tests/data/avml): every byte, holes and ranges. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "0-base/internal.h"
#include "isfcarve/image.h"

static struct ic_ctx quiet;

/* The source LiME's bytes: the same formula as tests/lib/avmlsrc.py. */
static uint8_t avml_src_byte(uint64_t a)
{
	uint64_t o = a & 0xfff;

	if ((a >= 0x2000000 && a < 0x3000000) || (a >= 0x8000000 && a < 0x9000000) || o >= 64)
		return 0;
	return (uint8_t)(((a >> 12) * 131 + o * 7 + (a >> 20)) & 0xff);
}

int main(void)
{
	/* avml cuts ranges in 16 MiB blocks and leaves out all-zero blocks: what it kept. */
	static const struct ic_range want[] = {
		{ 0x1000, 0x9f000 }, { 0x9000000, 0x1000 }, { 0x10000000, 0x3801 },
	};
	const char *src = getenv("IC_SRC") ?: ".";
	char path[4200];
	struct ic_image *img = NULL;
	uint8_t *buf;
	int err;

	snprintf(path, sizeof(path), "%s/tests/data/avml/avml-0.20.avml", src);
	err = ic_image__open(&quiet, path, &img);
	IC_CHECK(!err, "open %s: %d", path, err);
	if (err)
		return IC_TEST_DONE();
	IC_CHECK(!strcmp(ic_image__format(img), "avml"), "format %s", ic_image__format(img));
	IC_CHECK(ic_image__nranges(img) == 3, "%zu ranges", ic_image__nranges(img));
	for (size_t i = 0; i < 3 && i < ic_image__nranges(img); i++) {
		const struct ic_range *r = &ic_image__ranges(img)[i];

		IC_CHECK(r->phys == want[i].phys && r->len == want[i].len, "range %zu: 0x%" PRIx64 "+0x%" PRIx64, i,
			 r->phys, r->len);
	}
	buf = malloc(0x9f000);
	IC_CHECK(buf != NULL, "malloc");
	for (size_t i = 0; buf && i < 3; i++) {
		size_t bad = 0;

		err = ic_image__read(img, want[i].phys, buf, (size_t)want[i].len);
		IC_CHECK(!err, "read range %zu: %d", i, err);
		for (size_t k = 0; !err && k < want[i].len; k++)
			bad += buf[k] != avml_src_byte(want[i].phys + k);
		IC_CHECK(!bad, "range %zu: %zu bytes differ from the source", i, bad);
	}
	/* skipped zero blocks, the byte after an odd end, and reads across a range end are absent */
	IC_CHECK(buf && ic_image__read(img, 0x2000000, buf, 16) == -IC_ENOTFOUND, "zero block 0x2000000 absent");
	IC_CHECK(buf && ic_image__read(img, 0x8fff000, buf, 16) == -IC_ENOTFOUND, "zero block 0x8000000 absent");
	IC_CHECK(buf && ic_image__read(img, 0x10003801, buf, 1) == -IC_ENOTFOUND, "past the odd end");
	IC_CHECK(buf && ic_image__read(img, 0x10003800, buf, 2) == -IC_ENOTFOUND, "across the odd end");
	free(buf);
	ic_image__free(img);
	return IC_TEST_DONE();
}
