/* SPDX-License-Identifier: MIT */
/* tests/bad/<format>-*: every hostile file of the dump formats must fail to open (or to read) cleanly. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ic_test.h"
#include "0-base/internal.h"
#include "isfcarve/image.h"

static const char *const formats[] = { "kdump-flat", "kdump", "avml" };

static void print_stderr(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)lvl;
	(void)arg;
	fprintf(stderr, "  %s\n", msg);
}

int main(void)
{
	struct ic_ctx ctx = { .print = print_stderr, .level = IC_LOG_WARN };
	const char *src = getenv("IC_SRC");
	char dir[4096];
	struct dirent *e;
	DIR *d;
	unsigned n = 0;

	snprintf(dir, sizeof(dir), "%s/tests/bad", src ? src : ".");
	d = opendir(dir);
	IC_CHECK(d, "open %s", dir);
	if (!d)
		return IC_TEST_DONE();
	while ((e = readdir(d))) {
		char path[8192];
		const char *fmt = NULL;
		struct ic_image *img = NULL;
		int err;

		for (size_t i = 0; i < IC_ARRAY_SIZE(formats) && !fmt; i++)
			if (!strncmp(e->d_name, formats[i], strlen(formats[i])) &&
			    e->d_name[strlen(formats[i])] == '-')
				fmt = formats[i];
		if (!fmt)
			continue; /* another module's bad file */
		/* kdump-flat-* files are flattened kdumps: detected as "kdump-flat" */
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fprintf(stderr, "%s:\n", e->d_name);
		err = ic_image__open(&ctx, path, &img);
		IC_CHECK(err < 0 && err != -EPROTO, "%s: auto-detect must claim and reject it (%d)",
			 e->d_name, err);
		ic_image__free(img);
		img = NULL;
		err = ic_image__open_as(&ctx, path, fmt, &img);
		IC_CHECK(err < 0, "%s: forced %s must fail (%d)", e->d_name, fmt, err);
		ic_image__free(img);
		n++;
	}
	closedir(d);
	IC_CHECK(n >= 20, "found %u bad files of my formats", n);

	/* the good seeds of the same generator (fuzz/make_corpus_formats.py) must open and read */
	{
		static const struct {
			const char *file, *fmt;
			size_t nranges;
			uint64_t bytes;
		} good[] = {
			{ "fuzz/corpus/kdump/plain-zlib-raw", "kdump", 2, 4 * 512 },
			{ "fuzz/corpus/kdump/flat", "kdump-flat", 2, 4 * 512 },
			{ "fuzz/corpus/avml/two-blocks", "avml", 2, 70000 + 3000 + 1024 },
		};

		for (size_t i = 0; i < IC_ARRAY_SIZE(good); i++) {
			char path[8192];
			struct ic_image *img = NULL;
			uint8_t buf[70000];
			int err;

			snprintf(path, sizeof(path), "%s/%s", src ? src : ".", good[i].file);
			err = ic_image__open(&ctx, path, &img);
			IC_CHECK(!err, "%s: %d", good[i].file, err);
			if (err)
				continue;
			IC_CHECK(!strcmp(ic_image__format(img), good[i].fmt) &&
				 ic_image__nranges(img) == good[i].nranges &&
				 ic_image__bytes(img) == good[i].bytes, "%s: %s %zu ranges %" PRIu64 " bytes",
				 good[i].file, ic_image__format(img), ic_image__nranges(img),
				 ic_image__bytes(img));
			for (size_t r = 0; r < ic_image__nranges(img); r++) {
				const struct ic_range *x = &ic_image__ranges(img)[r];

				IC_CHECK(!ic_image__read(img, x->phys, buf, (size_t)x->len), "%s: read", good[i].file);
			}
			if (good[i].fmt[0] == 'k') {
				const uint8_t *np;
				size_t nl;

				/* pfn 10, page byte j = pfn * 7 + j % 251 */
				IC_CHECK(!ic_image__read(img, 10 * 512 + 300, buf, 2) && buf[0] == (uint8_t)(70 + 49) &&
					 buf[1] == (uint8_t)(70 + 50), "%s: pfn 10 content", good[i].file);
				ic_image__notes(img, &np, &nl);
				IC_CHECK(nl > 24 && !memcmp(np + 24, "OSRELEASE=9.9.9-seed", 20),
					 "%s: VMCOREINFO note", good[i].file);
			}
			ic_image__free(img);
		}
	}
	return IC_TEST_DONE();
}
