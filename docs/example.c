/* SPDX-License-Identifier: MIT */
/* Example use of libisfcarve from C: inspect an image, file an ISF into a shared symbols dir. */
/*
 * Build (installed library):   cc example.c $(pkg-config --cflags --libs isfcarve) -o example
 * Build (from a build tree):   cc -I include docs/example.c -L build -lisfcarve -o example
 *
 *   example image IMAGE        print the container format and the physical ranges
 *   example file ISF SYMDIR    copy an existing ISF to SYMDIR/linux/<release>-<hash>.json.xz
 *                              (the name isfcarve itself would use; the ISF has no BTF hash,
 *                              so 32 zero bytes stand in for it), unless one is already there
 *
 * Exit status: 0 ok, 1 usage, 2 failure (the library's message is on stderr).
 */
#include <stdio.h>
#include <string.h>

#include <isfcarve/isfcarve.h>
#include <isfcarve/symdir.h>

/* The library never prints: it hands every message to this callback. */
static void print_msg(enum ic_log_level level, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s%s\n", level == IC_LOG_WARN ? "warning: " : "", msg);
}

static int show_image(const struct ic_ctx *ctx, const char *path)
{
	struct ic_image *img = NULL;
	int err = ic_image__open(ctx, path, &img); /* 0 or a negative code */

	if (err) {
		fprintf(stderr, "%s: %s\n", path, ic_strerror(err));
		return 2;
	}
	printf("%s: format %s, %zu ranges, %llu bytes of memory\n", ic_image__path(img),
	       ic_image__format(img), ic_image__nranges(img),
	       (unsigned long long)ic_image__bytes(img));
	for (size_t i = 0; i < ic_image__nranges(img); i++) {
		const struct ic_range *r = &ic_image__ranges(img)[i];

		printf("  0x%012llx-0x%012llx\n", (unsigned long long)r->phys,
		       (unsigned long long)(r->phys + r->len));
	}
	ic_image__free(img);
	return 0;
}

static int file_isf(const struct ic_ctx *ctx, const char *isf, const char *symdir)
{
	char b64[IC_SYMDIR_B64_MAX], dst[4096];
	uint8_t banner[1024];
	size_t banner_len = 0;
	struct ic_profile_id id;
	bool exists;
	int err;

	/* Stream-scans the (possibly .gz/.xz) ISF for symbols.linux_banner.constant_data. */
	err = ic_symdir__read_banner(ctx, isf, b64, banner, &banner_len);
	err = err ?: ic_profile_id__compute(&id, banner, banner_len, NULL);
	err = err ?: ic_symdir__prepare(ctx, symdir, &id, dst, sizeof(dst), &exists);
	if (!err && !exists)
		err = ic_symdir__publish(ctx, isf, dst); /* temp file + rename: safe to race */
	if (err) {
		fprintf(stderr, "%s: %s\n", isf, ic_strerror(err));
		return 2;
	}
	printf("%s %s (kernel %s)\n", exists ? "exists" : "filed", dst, id.release);
	return 0;
}

int main(int argc, char **argv)
{
	/* No globals: all run state is in the context. */
	struct ic_ctx ctx = { .print = print_msg, .level = IC_LOG_WARN };

	if (argc == 3 && !strcmp(argv[1], "image"))
		return show_image(&ctx, argv[2]);
	if (argc == 4 && !strcmp(argv[1], "file"))
		return file_isf(&ctx, argv[2], argv[3]);
	fprintf(stderr, "usage: %s image IMAGE | file ISF SYMDIR   (libisfcarve %s)\n", argv[0],
		ic_version());
	return 1;
}
