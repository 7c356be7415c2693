/* SPDX-License-Identifier: MIT */
/* External BTF for an image: BTFHub's tree (--btf-dir) and the check that it is the image's kernel's. */
/*
 * External BTF for an image. Users receive BTF for BTF-less kernels from BTFHub as
 * distro/version/arch/<release>.btf.tar.xz; --btf-dir finds the one of the image's release.
 * Types from outside must be the image's kernel's: the release is compared by the caller
 * (profile.c), the function and per-CPU variable names here, against the carved kallsyms.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isfcarve/btf.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/symbols.h"
#include "isfcarve/live.h"
#include "0-base/ic_limits.h"
#include "0-base/internal.h"
#include "0-base/tarxz.h"
#include "extbtf.h"

/* Names of an external BTF that may be missing from the image's kallsyms before it counts as
 * another kernel's (per mille). Measured (docs/btf.md): the same kernel's BTF misses none. */
#define IC_EXTBTF_MISSING_PERMILLE 5u

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t l = strlen(suf);

	return n > l && !memcmp(s + n - l, suf, l);
}

void ic_extbtf__release_of(const char *path, char *rel, size_t cap)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	rel[0] = '\0';
	if (ends_with(b, n, ".btf.tar.xz"))
		n -= strlen(".btf.tar.xz");
	else if (ends_with(b, n, ".btf"))
		n -= strlen(".btf");
	else
		return;
	/* A kernel release starts "<version>.<patchlevel>.<sublevel>" (uname -r: 6.1.0-56-amd64,
	 * 5.15.0-91-generic, 6.7.4-arch1-1); "vmlinux.btf" or "6.1.btf" names none. */
	{
		size_t i = 0;

		for (int part = 0; part < 3; part++) {
			size_t d = i;

			while (i < n && b[i] >= '0' && b[i] <= '9')
				i++;
			if (i == d || (part < 2 && (i >= n || b[i++] != '.')))
				return;
		}
	}
	if (n < cap)
		snprintf(rel, cap, "%.*s", (int)n, b);
}

void ic_extbtf__release(struct ic_extbtf *e)
{
	if (!e)
		return;
	free(e->data);
	memset(e, 0, sizeof(*e));
}

int ic_extbtf__load(const struct ic_ctx *ctx, const char *path, struct ic_extbtf *out)
{
	struct ic_blob b = { 0 };
	int err;

	memset(out, 0, sizeof(*out));
	err = ic_blob__load(ctx, path, IC_MAX_TARXZ_BYTES, &b);
	if (err)
		return err;
	snprintf(out->path, sizeof(out->path), "%s", path);
	if (ic_tarxz__is_xz(b.data, b.len)) {
		struct ic_tar_member m;

		err = ic_tarxz__single(ctx, b.data, b.len, path, &m);
		if (!err) {
			out->data = m.data;
			out->len = m.len;
			ic_extbtf__release_of(m.name, out->release, sizeof(out->release));
		}
	} else if (b.len >= 2 && ((b.data[0] == 0x9f && b.data[1] == 0xeb) ||
				  (b.data[0] == 0xeb && b.data[1] == 0x9f))) {
		out->data = malloc(b.len);
		if (!out->data) {
			err = -ENOMEM;
		} else {
			memcpy(out->data, b.data, b.len);
			out->len = b.len;
		}
	} else {
		pr_warn(ctx, "%s: offset 0: neither an xz'd tar (BTFHub) nor raw BTF", path);
		err = -IC_EFORMAT;
	}
	if (!err && !out->release[0])
		ic_extbtf__release_of(path, out->release, sizeof(out->release));
	ic_blob__release(&b);
	if (err)
		ic_extbtf__release(out);
	return err;
}

/* --btf-dir search state. */
struct walk {
	const struct ic_ctx *ctx;
	const char *release;
	const char *arch;
	char want_xz[96], want_raw[96];
	unsigned files;
	char *match[IC_MAX_BTFDIR_MATCHES];
	unsigned nmatch;
	int err;
};

/* BTFHub's architecture directory names (and the kernel's for arm64). */
static bool other_arch(const char *dirname, const char *arch)
{
	static const char *const arches[] = { "x86_64", "arm64", "aarch64", "amd64", "i386",
					      "i686", "ppc64le", "s390x", "riscv64" };
	bool is_arch = false;

	if (!arch)
		return false;
	for (size_t i = 0; i < IC_ARRAY_SIZE(arches); i++)
		if (!strcmp(dirname, arches[i]))
			is_arch = true;
	if (!is_arch)
		return false;
	if (!strcmp(arch, "x86_64"))
		return strcmp(dirname, "x86_64") && strcmp(dirname, "amd64");
	if (!strcmp(arch, "arm64"))
		return strcmp(dirname, "arm64") && strcmp(dirname, "aarch64");
	return strcmp(dirname, arch);
}

static void walk_dir(struct walk *w, const char *path, unsigned depth)
{
	DIR *d;
	struct dirent *e;

	if (w->err || depth > IC_MAX_BTFDIR_DEPTH)
		return;
	d = opendir(path);
	if (!d) {
		if (!depth) {
			w->err = -errno;
			pr_warn(w->ctx, "%s: cannot read the directory (%s)", path, strerror(errno));
		}
		return;
	}
	while (!w->err && (e = readdir(d))) {
		char sub[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (++w->files > IC_MAX_BTFDIR_FILES) {
			pr_warn(w->ctx, "%s: more than %u entries under --btf-dir", path,
				IC_MAX_BTFDIR_FILES);
			w->err = -IC_ELIMIT;
			break;
		}
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >= sizeof(sub))
			continue;
		if (stat(sub, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (!other_arch(e->d_name, w->arch))
				walk_dir(w, sub, depth + 1);
			continue;
		}
		if (!S_ISREG(st.st_mode) ||
		    (strcmp(e->d_name, w->want_xz) && strcmp(e->d_name, w->want_raw)))
			continue;
		if (w->nmatch == IC_MAX_BTFDIR_MATCHES) {
			pr_warn(w->ctx, "%s: more than %u files for release %s", path,
				IC_MAX_BTFDIR_MATCHES, w->release);
			w->err = -IC_ELIMIT;
			break;
		}
		w->match[w->nmatch] = strdup(sub);
		if (!w->match[w->nmatch])
			w->err = -ENOMEM;
		else
			w->nmatch++;
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ic_extbtf__from_dir(const struct ic_ctx *ctx, const char *dir, const char *release,
			const char *arch, struct ic_extbtf *out)
{
	struct walk w = { .ctx = ctx, .release = release, .arch = arch };
	uint8_t first[32];
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!release[0] || strchr(release, '/'))
		return -IC_ENOTFOUND;
	snprintf(w.want_xz, sizeof(w.want_xz), "%s.btf.tar.xz", release);
	snprintf(w.want_raw, sizeof(w.want_raw), "%s.btf", release);
	walk_dir(&w, dir, 0);
	err = w.err;
	if (!err && !w.nmatch) {
		pr_warn(ctx, "%s: no %s (nor %s) under it%s%s", dir, w.want_xz, w.want_raw,
			arch ? " for " : "", arch ? arch : "");
		err = -IC_ENOTFOUND;
	}
	if (err)
		goto out;
	qsort(w.match, w.nmatch, sizeof(w.match[0]), cmp_str);
	/* Several files for one release (BTFHub: a kernel shipped in two distro versions): the
	 * same BTF is no choice at all; different BTF is, and is left to the user. */
	for (unsigned i = 0; i < w.nmatch && !err; i++) {
		struct ic_extbtf e;
		uint8_t h[32];

		err = ic_extbtf__load(ctx, w.match[i], &e);
		if (err)
			break;
		ic_sha256(e.data, e.len, h);
		if (!i) {
			memcpy(first, h, 32);
			*out = e;
			continue;
		}
		ic_extbtf__release(&e);
		if (memcmp(first, h, 32)) {
			pr_warn(ctx, "%s: %u files for release %s hold different BTF (%s, %s%s): give "
				"the right one with --btf FILE", dir, w.nmatch, release, w.match[0],
				w.match[i], w.nmatch > 2 ? ", ..." : "");
			err = -IC_EAMBIGUOUS;
		}
	}
	if (!err && w.nmatch > 1)
		pr_info(ctx, "%s: %u files for release %s, all the same BTF: %s", dir, w.nmatch,
			release, out->path);
	if (err)
		ic_extbtf__release(out);
out:
	for (unsigned i = 0; i < w.nmatch; i++)
		free(w.match[i]);
	return err;
}

bool ic_extbtf__names_match(const struct ic_btf *btf, const struct ic_kallsyms *ks,
			    const struct ic_symtab *map, const char *what, char *problem, size_t cap)
{
	struct ic_strmap stems;
	char *clones = NULL;
	size_t data_syms = 0, nf = 0, mf = 0, nv = 0, mv = 0, ex = 0, nn, clone_bytes = 0, at = 0;
	uint32_t n = ic_btf__nr_types(btf), v;
	char examples[160] = "";
	const char *against = "the image's kallsyms";
	bool ok = true;

	/* No kallsyms carved: the System.map the profile's symbols come from lists every
	 * function too, and must be this BTF's kernel all the same. */
	if (!ks || !ks->nsyms) {
		ks = NULL;
		if (!map || !map->n) {
			snprintf(problem, cap, "not checked: no kallsyms and no System.map to hold "
				 "its function names against");
			return true; /* no symbols either: the profile is incomplete anyway */
		}
		against = "the System.map";
	}
	nn = ks ? ks->nsyms : map->n;
	/* A set of names up to their first '.': GCC's clones (".constprop.0", ".isra.0",
	 * ".part.0", ".cold") are listed with the suffix, while pahole (1.24+) names the
	 * function without it. A hash set, not a sorted array: the check runs on every
	 * --btf/--map profile, and sorting 190,000 names was a fifth of such a run. The names
	 * are borrowed; the clones' stems are copied into one block. */
	for (size_t i = 0; i < nn; i++) {
		const char *nm = ks ? ks->syms[i].name : map->syms[i].name;
		size_t l = strcspn(nm, ".");

		if (nm[l])
			clone_bytes += l + 1; /* <= the names' own bytes: no overflow */
	}
	if (ic_strmap_init(&stems, nn) ||
	    (clone_bytes && !(clones = malloc(clone_bytes)))) {
		ic_strmap_free(&stems);
		snprintf(problem, cap, "not checked: out of memory");
		return true; /* a check we cannot afford is not evidence of a mismatch */
	}
	for (size_t i = 0; i < nn; i++) {
		const char *nm = ks ? ks->syms[i].name : map->syms[i].name;
		char type = ks ? ks->syms[i].type : map->syms[i].type;
		size_t l = strcspn(nm, ".");

		data_syms += type && strchr("dDbBrR", type);
		if (nm[l]) {
			memcpy(clones + at, nm, l);
			clones[at + l] = '\0';
			nm = clones + at;
			at += l + 1;
		}
		if (ic_strmap_add(&stems, nm, 0) < 0) {
			ic_strmap_free(&stems);
			free(clones);
			snprintf(problem, cap, "not checked: out of memory");
			return true;
		}
	}
	for (uint32_t id = 1; id <= n; id++) {
		unsigned kind = ic_btf__kind(btf, id);
		const char *nm;
		bool found;

		/* pahole encodes only per-CPU variables as VAR; kallsyms lists them with
		 * CONFIG_KALLSYMS_ALL (data symbols present) */
		if (kind != IC_BTF_FUNC && !(kind == IC_BTF_VAR && data_syms >= IC_RECOVER_KALLSYMS_ALL))
			continue;
		nm = ic_btf__name(btf, id);
		if (!nm[0])
			continue;
		found = ic_strmap_get(&stems, nm, &v);
		if (kind == IC_BTF_FUNC) {
			nf++;
			mf += !found;
		} else {
			nv++;
			mv += !found;
		}
		if (!found && ex < 3) {
			size_t l = strlen(examples);

			snprintf(examples + l, sizeof(examples) - l, "%s%s", ex ? ", " : "", nm);
			ex++;
		}
	}
	ic_strmap_free(&stems);
	free(clones);
	if ((mf + mv) * 1000 > (nf + nv) * IC_EXTBTF_MISSING_PERMILLE) {
		ok = false;
		snprintf(problem, cap, "%s is not this kernel's BTF: %zu of its %zu functions and %zu "
			 "of its %zu per-CPU variables are not in %s (e.g. %s)",
			 what, mf, nf, mv, nv, against, ex ? examples : "none named");
	} else if (!nf && !nv) {
		snprintf(problem, cap, "not checked: the BTF has no functions (nor per-CPU "
			 "variables %s lists) to hold against %s", against, against);
	} else {
		snprintf(problem, cap, "%zu of %zu BTF functions, %zu of %zu per-CPU variables in "
			 "%s", nf - mf, nf, nv - mv, nv, ks ? "kallsyms" : "the System.map");
	}
	return ok;
}
