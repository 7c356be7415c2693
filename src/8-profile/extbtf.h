/* SPDX-License-Identifier: MIT */
/* External BTF for an image (--btf FILE, --btf-dir DIR): BTFHub's tree, and the checks that the
 * types are of the image's kernel. */
#ifndef ISFCARVE_EXTBTF_H
#define ISFCARVE_EXTBTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "0-base/internal.h"

struct ic_btf;
struct ic_kallsyms;

/* Release a BTF file names: the base name of "<release>.btf.tar.xz" or "<release>.btf" (BTFHub's
 * archive and the file inside it) when it starts like a release ("<digit>...", with a '.'), else
 * "" (vmlinux.btf, a vmlinux, /sys/kernel/btf/vmlinux ...). */
IC_HIDDEN void ic_extbtf__release_of(const char *path, char *rel, size_t cap);

/* The BTF --btf-dir picked: raw BTF bytes (malloc'd), the file they came from, its release. */
struct ic_extbtf {
	uint8_t *data;
	size_t len;
	char path[4096];
	char release[65];
};

/*
 * Look under dir (BTFHub's distro/version/arch/ tree, or any tree) for "<release>.btf.tar.xz"
 * or "<release>.btf"; a file under a directory named for another architecture than arch
 * ("x86_64", "arm64"; NULL = any) is passed over. One match, or several whose BTF is identical:
 * *out is filled (the first path in sorted order names it), 0. None: -IC_ENOTFOUND; several
 * that differ: -IC_EAMBIGUOUS; each logged with the paths. Unreadable archives: their error.
 */
IC_HIDDEN int ic_extbtf__from_dir(const struct ic_ctx *ctx, const char *dir, const char *release,
				  const char *arch, struct ic_extbtf *out);
/* Load one file: an xz'd tar (BTFHub) or raw BTF (by magic). */
IC_HIDDEN int ic_extbtf__load(const struct ic_ctx *ctx, const char *path, struct ic_extbtf *out);
IC_HIDDEN void ic_extbtf__release(struct ic_extbtf *e);

/*
 * Are btf's FUNC names (and, when kallsyms lists data symbols, its VAR names) the image's kallsyms
 * names (without kallsyms: map's, the --map System.map)? Another kernel's BTF misses hundreds to
 * thousands of them; the same kernel's none (docs/btf.md). false with problem filled (counts and
 * examples) when more than IC_EXTBTF_MISSING_PERMILLE per mille are missing; true with problem
 * saying "not checked: ..." when there was nothing to compare.
 */
struct ic_symtab;
IC_HIDDEN bool ic_extbtf__names_match(const struct ic_btf *btf, const struct ic_kallsyms *ks,
				      const struct ic_symtab *map, const char *what, char *problem,
				      size_t cap);

#endif
