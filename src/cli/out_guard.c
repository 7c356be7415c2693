/* SPDX-License-Identifier: MIT */
/* Output guard shared by the profile modes: never write the profile over an input or a non-file. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a > b && !strcmp(s + a - b, suf) && s[a - b - 1] != '/';
}

bool cli_output_name_ok(const char *out)
{
	return !strcmp(out, "-") || ends_with(out, ".json") || ends_with(out, ".json.gz") ||
	       ends_with(out, ".json.xz");
}

/* Same inode as OUT? (stat both: a different spelling or a hard link is still the same file.) */
static int same_file(const char *out, const struct stat *os, const char *in, const char *what)
{
	struct stat is;

	if (!in || !strcmp(in, "-") || stat(in, &is))
		return 0;
	if (os->st_dev == is.st_dev && os->st_ino == is.st_ino) {
		cli_error("%s: output is the same file as the %s %s; refusing to overwrite an input", out,
			  what, in);
		return 1;
	}
	return 0;
}

int cli_check_output_target(const struct cli_opts *o)
{
	struct stat st;

	if (!o->output || !strcmp(o->output, "-") || stat(o->output, &st))
		return -1; /* stdout, or OUT does not exist yet: nothing to protect */
	/* A FIFO, device or socket: rename() would replace the node itself, a direct write would
	 * block or go elsewhere. Either way not a profile file; say so before any work is done. */
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		cli_error("%s: output exists and is not a regular file (device, FIFO or socket); refusing",
			  o->output);
		return EXIT_USAGE;
	}
	if (same_file(o->output, &st, o->image, "image") || same_file(o->output, &st, o->btf, "--btf") ||
	    same_file(o->output, &st, o->dwarf, "--dwarf") ||
	    same_file(o->output, &st, o->map, "--map") || same_file(o->output, &st, o->report, "--report"))
		return EXIT_USAGE;
	return -1;
}

/* The directory a file will be written to (through a temp file there) exists and is writable:
 * -1, else EXIT_USAGE after the error line ("<path>: <what> directory ..."). */
static int check_dir(const char *path, const char *what)
{
	struct stat st;
	char *copy = strdup(path), *dir;
	int rc = -1;

	if (!copy)
		return EXIT_INTERNAL;
	dir = dirname(copy);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		cli_error("%s: %s directory %s does not exist", path, what, dir);
		rc = EXIT_USAGE;
	} else if (access(dir, W_OK | X_OK)) {
		cli_error("%s: %s directory %s is not writable", path, what, dir);
		rc = EXIT_USAGE;
	}
	free(copy);
	return rc;
}

/* "DIR/NAME" with DIR resolved (symlinks, "..", "."), so that two spellings of a path that
 * does not exist yet compare equal; NULL when DIR cannot be resolved. Caller frees. */
static char *canonical(const char *path)
{
	char *a = strdup(path), *b = strdup(path), *dir, *res = NULL, *out = NULL;

	if (a && b) {
		dir = realpath(dirname(a), NULL);
		if (dir && asprintf(&res, "%s/%s", dir, basename(b)) < 0)
			res = NULL;
		free(dir);
		out = res;
	}
	free(a);
	free(b);
	return out;
}

/* Two paths name the same file: the same inode when both exist, else the same resolved path. */
static bool same_target(const char *x, const char *y)
{
	struct stat xs, ys;
	char *cx, *cy;
	bool same;

	if (!stat(x, &xs) && !stat(y, &ys))
		return xs.st_dev == ys.st_dev && xs.st_ino == ys.st_ino;
	cx = canonical(x);
	cy = canonical(y);
	same = cx && cy && !strcmp(cx, cy);
	free(cx);
	free(cy);
	return same;
}

int cli_check_report(const struct cli_opts *o)
{
	const char *ins[] = { o->image, o->btf, o->dwarf, o->map };
	const char *what[] = { "the image", "--btf", "--dwarf", "--map" };
	struct stat st;

	if (!o->report)
		return -1;
	if (!strcmp(o->report, "-")) {
		if (o->output && !strcmp(o->output, "-")) {
			cli_error("--report - and -o - would mix the report into the profile on "
				  "standard output");
			return EXIT_USAGE;
		}
		return -1;
	}
	for (size_t i = 0; i < sizeof(ins) / sizeof(ins[0]); i++)
		if (ins[i] && strcmp(ins[i], "-") && same_target(o->report, ins[i])) {
			cli_error("%s: --report is %s; refusing to overwrite an input", o->report,
				  what[i]);
			return EXIT_USAGE;
		}
	if (o->output && strcmp(o->output, "-") && same_target(o->report, o->output)) {
		cli_error("%s: --report is also -o OUT: the report would replace the profile",
			  o->report);
		return EXIT_USAGE;
	}
	if (!stat(o->report, &st) && !S_ISREG(st.st_mode)) {
		cli_error("%s: --report exists and is not a regular file; refusing", o->report);
		return EXIT_USAGE;
	}
	return check_dir(o->report, "report");
}

static int check_file(const struct cli_opts *o, bool vol_name)
{
	struct stat st;
	int rc;

	rc = cli_check_output_target(o);
	if (rc >= 0)
		return rc;
	if (!o->output || !strcmp(o->output, "-"))
		return -1;
	if (!stat(o->output, &st)) {
		if (S_ISDIR(st.st_mode)) {
			cli_error("%s: output is a directory", o->output);
			return EXIT_USAGE;
		}
	}
	/* vol.py looks for .json, .json.gz and .json.xz files only: any other name would be a
	 * profile it never finds, after a run that said "next: vol.py". --force writes it anyway. */
	if (vol_name && !cli_output_name_ok(o->output) && !o->force) {
		cli_error("%s: vol.py only finds profiles named *.json, *.json.gz or *.json.xz "
			  "(or use -o - for stdout, --force to write this name anyway)", o->output);
		return EXIT_USAGE;
	}
	if (!stat(o->output, &st) && !o->force) {
		cli_error("%s: output exists (use --force to overwrite)", o->output);
		return EXIT_USAGE;
	}
	return check_dir(o->output, "output");
}

int cli_check_output_file(const struct cli_opts *o)
{
	return check_file(o, false);
}

int cli_check_output(const struct cli_opts *o)
{
	return check_file(o, true);
}

int cli_check_symbols_dir(const struct cli_opts *o)
{
	char *path;
	struct stat st;
	int rc = -1;

	if (!o->symbols_dir)
		return -1;
	/* DIR/linux, or its nearest existing ancestor (mkdir -p makes the rest): a writable
	 * directory, said before the scan like -o OUT's. */
	if (asprintf(&path, "%s/linux", o->symbols_dir) < 0)
		return EXIT_INTERNAL;
	while (stat(path, &st) && errno == ENOENT) {
		char *cut = strrchr(path, '/');

		if (!cut)
			memcpy(path, ".", 2); /* "x/linux" became "x": "." is shorter than both */
		else
			cut[cut == path] = '\0'; /* "/x" -> "/" */
	}
	if (stat(path, &st)) {
		cli_error("%s: symbols directory: %s: %s", o->symbols_dir, path, strerror(errno));
		rc = EXIT_USAGE;
	} else if (!S_ISDIR(st.st_mode)) {
		cli_error("%s: symbols directory: %s is not a directory", o->symbols_dir, path);
		rc = EXIT_USAGE;
	} else if (access(path, W_OK | X_OK)) {
		cli_error("%s: symbols directory: %s is not writable", o->symbols_dir, path);
		rc = EXIT_USAGE;
	}
	free(path);
	return rc;
}
