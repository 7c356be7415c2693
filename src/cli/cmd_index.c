/* SPDX-License-Identifier: MIT */
/* isfcarve index: the banner -> ISF location list that vol.py --remote-isf-url reads. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <linux/limits.h> /* PATH_MAX (<limits.h> resolves to src/0-base/ic_limits.h in this tree) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "isfcarve/symdir.h"
#include "0-base/json.h"
#include "0-base/ic_limits.h"
#include "0-base/out.h"

/*
 * Volatility 3's remote identifier format (automagic/symbol_cache.py, RemoteIdentifierFormat,
 * version 1): {"version": 1, "<os>": {"<base64 identifier>": ["<location URL>", ...]},
 * "additional": ["<URL of another such file>", ...]}. For Linux the identifier is the
 * linux_banner bytes (base64, as in the ISF's constant_data); vol3 strips trailing whitespace
 * and one NUL from remote identifiers before matching.
 */

struct entry {
	char *b64;
	char *url;
	char *rel;
};

struct index {
	struct ic_ctx ctx;
	struct entry *v;
	size_t n, cap;
	size_t files, bad, nobanner, banners;
	const char *base_url;
	char root_abs[PATH_MAX];
};

static bool isf_name(const char *name)
{
	static const char *const ext[] = { ".json", ".json.gz", ".json.xz" };
	size_t len = strlen(name);

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);

		if (len > e && !strcmp(name + len - e, ext[i]))
			return true;
	}
	return false;
}

/* RFC 3986: keep unreserved characters and '/', percent-encode the rest. */
static int url_append(char *out, size_t out_sz, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '-' || c == '.' || c == '_' || c == '~' || c == '/';

		if (*o + (keep ? 1 : 3) >= out_sz)
			return -ENAMETOOLONG;
		if (keep) {
			out[(*o)++] = (char)c;
		} else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[c >> 4];
			out[(*o)++] = hex[c & 15];
		}
	}
	out[*o] = '\0';
	return 0;
}

static int add_file(struct index *ix, const char *full, const char *rel)
{
	char b64[IC_SYMDIR_B64_MAX];
	char url[PATH_MAX * 3 + 1024];
	size_t o = 0;
	int err;

	ix->files++;
	err = ic_symdir__read_banner(&ix->ctx, full, b64, NULL, NULL);
	if (err == -IC_ENOTFOUND) {
		ix->nobanner++; /* e.g. a Windows or macOS ISF: not ours to list under "linux" */
		return 0;
	}
	if (err) {
		ix->bad++; /* the reader already said which file and where */
		return 0;
	}
	if (ix->base_url) {
		size_t bl = strlen(ix->base_url);

		while (bl && ix->base_url[bl - 1] == '/')
			bl--;
		if (bl + 2 >= sizeof(url))
			return -ENAMETOOLONG;
		memcpy(url, ix->base_url, bl);
		o = bl;
		url[o++] = '/';
		url[o] = '\0';
		err = url_append(url, sizeof(url), &o, rel);
	} else {
		memcpy(url, "file://", sizeof("file://"));
		o = sizeof("file://") - 1;
		err = url_append(url, sizeof(url), &o, ix->root_abs);
		if (!err && o + 1 < sizeof(url)) {
			url[o++] = '/';
			url[o] = '\0';
		}
		err = err ?: url_append(url, sizeof(url), &o, rel);
	}
	if (err)
		return err;
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 64;
		struct entry *v = realloc(ix->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ix->v = v;
		ix->cap = cap;
	}
	ix->v[ix->n].b64 = strdup(b64);
	ix->v[ix->n].url = strdup(url);
	ix->v[ix->n].rel = strdup(rel);
	if (!ix->v[ix->n].b64 || !ix->v[ix->n].url || !ix->v[ix->n].rel)
		return -ENOMEM;
	ix->n++;
	return 0;
}

/* Depth-first, entries sorted by name so the index is byte-identical for the same tree. */
static int walk(struct index *ix, const char *dir, const char *rel, unsigned depth)
{
	struct dirent **ents = NULL;
	int n, err = 0;

	if (depth > IC_MAX_INDEX_DEPTH) {
		cli_error("%s: directory nesting deeper than %u (IC_MAX_INDEX_DEPTH)", dir,
			  IC_MAX_INDEX_DEPTH);
		return -IC_ELIMIT;
	}
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		err = -errno;
		cli_error("%s: cannot read directory: %s", dir, strerror(errno));
		return err;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char full[PATH_MAX], sub[PATH_MAX];
		struct stat st;
		int a, b;

		/* Hidden entries: ".", "..", publish temp files, identity locks. */
		if (err || name[0] == '.')
			continue;
		a = snprintf(full, sizeof(full), "%s/%s", dir, name);
		b = snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", name);
		if (a < 0 || b < 0 || (size_t)a >= sizeof(full) || (size_t)b >= sizeof(sub)) {
			cli_error("%s/%s: path too long", dir, name);
			err = -ENAMETOOLONG;
			continue;
		}
		/* Symlinked directories are not followed (loops); symlinked files are. */
		if (lstat(full, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			err = walk(ix, full, sub, depth + 1);
			continue;
		}
		if (!isf_name(name) || stat(full, &st) || !S_ISREG(st.st_mode))
			continue;
		if (ix->files >= IC_MAX_INDEX_FILES) {
			cli_error("%s: more than %u ISF files (IC_MAX_INDEX_FILES)", dir, IC_MAX_INDEX_FILES);
			err = -IC_ELIMIT;
			continue;
		}
		err = add_file(ix, full, sub);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return err;
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int c = strcmp(a->b64, b->b64);

	return c ? c : strcmp(a->url, b->url);
}

static int write_index(struct index *ix, ic_sink_fn sink, void *arg)
{
	struct ic_json *j = malloc(sizeof(*j));
	int err;

	if (!j)
		return -ENOMEM;
	ic_json_init(j, sink, arg, 2);
	ic_json_obj_begin(j);
	ic_json_key(j, "version");
	ic_json_u64(j, 1);
	ic_json_key(j, "linux");
	ic_json_obj_begin(j);
	ix->banners = 0;
	for (size_t i = 0; i < ix->n; i++) {
		if (!i || strcmp(ix->v[i].b64, ix->v[i - 1].b64)) {
			ix->banners++;
			if (i)
				ic_json_arr_end(j);
			ic_json_key(j, ix->v[i].b64);
			ic_json_arr_begin(j);
		} else {
			/* vol3 keeps one location per banner; the rest are fallbacks at best. */
			pr_warn(&ix->ctx, "%s: same banner as %s", ix->v[i].rel, ix->v[i - 1].rel);
		}
		ic_json_str(j, ix->v[i].url);
	}
	if (ix->n)
		ic_json_arr_end(j);
	ic_json_obj_end(j);
	ic_json_obj_end(j);
	err = ic_json_finish(j); /* the indenting writer ends the text with a newline */
	free(j);
	return err;
}

static void usage(FILE *f)
{
	fputs("usage: isfcarve index DIR [--base-url URL] [-o FILE [--force]] [-v|-q]\n"
	      "  Write the banner index vol.py --remote-isf-url reads, for every .json, .json.gz and\n"
	      "  .json.xz ISF under DIR (recursively). Locations are URL + '/' + path relative to DIR\n"
	      "  (--base-url), else file:// URLs of the absolute paths. Output: FILE (atomic; an\n"
	      "  existing FILE is replaced only with --force) or stdout.\n",
	      f);
}

int cmd_index(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "base-url", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common com = { 0 };
	struct index ix = { 0 };
	struct cli_opts oo = { 0 };
	struct ic_out *w = NULL;
	const char *out = NULL, *dir;
	bool force = false;
	int c, err, rc;

	opterr = 0; /* one line of ours, as the profile modes, not getopt's + the usage */
	optind = 1;
	while ((c = getopt_long(argc, argv, ":b:o:fvqh", lopts, NULL)) != -1) {
		switch (c) {
		case 'b': ix.base_url = optarg; break;
		case 'o': out = optarg; break;
		case 'f': force = true; break;
		case 'v': com.verbose++; break;
		case 'q': com.quiet = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default:
			return cli_option_error("index", c, argv, ":b:o:fvqh", lopts);
		}
	}
	if (argc - optind != 1) {
		cli_error("index: exactly one DIR expected");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (ix.base_url && !*ix.base_url) {
		cli_error("index: --base-url must not be empty");
		return EXIT_USAGE;
	}
	dir = argv[optind];
	/* -o FILE before the walk, by the profile modes' rules (out_guard.c): an existing FILE is
	 * replaced only with --force; its directory exists and is writable. */
	oo.output = out;
	oo.force = force;
	oo.image = dir;
	rc = out ? cli_check_output_file(&oo) : -1;
	if (rc >= 0)
		return rc;
	cli_ctx_init(&ix.ctx, &com);
	if (!realpath(dir, ix.root_abs)) {
		cli_error("%s: %s", dir, strerror(errno));
		return EXIT_INPUT;
	}
	err = walk(&ix, ix.root_abs, "", 0);
	if (err) {
		rc = cli_exit_for(err);
		goto out;
	}
	if (ix.n)
		qsort(ix.v, ix.n, sizeof(*ix.v), entry_cmp);

	if (out && strcmp(out, "-")) {
		/* Temp + rename (out.c): a web server never serves a half-written index, and an
		 * interrupted run leaves nothing (the CLI's supervisor, supervise.c). */
		err = ic_out__open(&ix.ctx, out, &w);
		if (err) {
			rc = cli_fail(err, "%s: cannot create", out);
			goto out;
		}
		err = write_index(&ix, ic_out__sink, w);
		err = err ? (ic_out__abort(w), err) : ic_out__commit(w);
	} else {
		err = write_index(&ix, ic_sink_file, stdout);
		if (fflush(stdout) && !err)
			err = -EIO;
	}
	if (err) {
		cli_error("%s: cannot write index: %s", out ? out : "stdout", ic_strerror(err));
		rc = EXIT_INTERNAL;
		goto out;
	}
	if (!com.quiet)
		fprintf(stderr, "isfcarve: index: %zu ISF files: %zu listed under %zu banners, %zu without a "
			"Linux banner, %zu unreadable\n", ix.files, ix.n, ix.banners, ix.nobanner, ix.bad);
	rc = ix.bad ? EXIT_INPUT : EXIT_OK;
out:
	for (size_t i = 0; i < ix.n; i++) {
		free(ix.v[i].b64);
		free(ix.v[i].url);
		free(ix.v[i].rel);
	}
	free(ix.v);
	return rc;
}
