/* SPDX-License-Identifier: MIT */
/* The image -> ISF pipeline: open, scan, carvers, KASLR, link-time symbols, types, ISF. */
#ifndef ISFCARVE_PROFILE_H
#define ISFCARVE_PROFILE_H

#include <stdbool.h>

#include "isfcarve/carver.h"
#include "isfcarve/common.h"
#include "isfcarve/image.h"
#include "isfcarve/isf.h"

struct ic_symtab;
struct ic_btf;
struct ic_profile;

/* Options; start with sz = sizeof(struct ic_profile_opts) so fields can be added. */
struct ic_profile_opts {
	size_t sz;
	const char *format;          /* force an image format ("lime", "elf", "raw" ...); NULL = detect */
	const struct ic_symtab *map; /* link-time symbols supplied by the user (--map): replace kallsyms */
	const char *map_what;        /* its file name, for messages and the ISF metadata */
	const uint8_t *btf;          /* raw BTF supplied by the user (--btf): replaces the carved one */
	size_t btf_len;
	const char *btf_what;
	uint64_t link_text;          /* link-time _text supplied by the user; 0 = evidence or default */
	bool allow_partial;          /* write an ISF even when something is missing (see missing) */
	/* Tests: keep only kallsyms' text symbols ('t'/'T'/'w'/'W'), as a kernel without
	 * CONFIG_KALLSYMS_ALL lists, so the data symbols must be recovered by structure. */
	bool withhold_data_syms;
	/* Called once the kernel's identity is known (exact linux_banner and the sha256 of the
	 * BTF the types would come from), after the scan and KASLR, before kallsyms conversion and
	 * BTF parsing. A non-zero return stops the pipeline there: ic_profile__build() returns 0
	 * with p->stopped set (findings, banner, btf_sha256 filled; no syms, no btf). Used to
	 * reuse an existing profile from a symbols directory without building one. NULL = never. */
	int (*identified)(void *arg, const struct ic_profile *p);
	void *identified_arg;
	/* ISF metadata kind of the --btf bytes' source ("dwarf" when made from DWARF by
	 * ic_dwarf__to_btf()); NULL = none. */
	const char *btf_kind;
	/* External BTF (docs/btf.md "External BTF"). btf_release: the release btf claims (BTFHub's
	 * "<release>.btf" name), refused when the image's banner names another; NULL = unknown.
	 * Either way its function names are checked against the image's kallsyms. */
	const char *btf_release;
	/* A BTFHub tree (distro/version/arch/<release>.btf.tar.xz): used when btf is NULL and the
	 * image carries no BTF of its own; the file of the banner's release is taken. */
	const char *btf_dir;
	/* Tests: drop the carved BTF after the scan, as for a kernel without CONFIG_DEBUG_INFO_BTF. */
	bool withhold_btf;
};

/* Everything the pipeline learnt. Owned by the caller: ic_profile__free() (NULL-safe). */
struct ic_profile {
	struct ic_image *img;
	struct ic_findings findings;  /* carvers' slots + findings.kaslr */
	struct ic_symtab *syms;       /* link-time symbols that go into the ISF */
	struct ic_btf *btf;           /* validated BTF that gives the types */
	const uint8_t *banner;        /* exact linux_banner bytes ("...\n\0"), or NULL */
	size_t banner_len;
	const char *syms_source;      /* "kallsyms", "System.map" */
	const char *btf_source;       /* "image", "--btf" */
	size_t kallsyms_converted;    /* kallsyms entries moved to link-time (slide subtracted) */
	size_t kallsyms_absolute;     /* per-CPU/absolute entries copied verbatim */
	size_t table_syms;            /* kallsyms_* table symbols added */
	/* What is missing for a complete profile, and what the user can supply instead, as one
	 * human-readable line; "" when complete. */
	char missing[512];
	struct ic_isf_stats stats;    /* after ic_profile__write */
	uint8_t btf_sha256[32];       /* of the BTF the types come from (carved or --btf) */
	bool have_btf_sha256;
	bool stopped;                 /* opts->identified asked to stop (see there) */
	/* the ISF's BTF-only part, started as soon as the BTF was known (ic_isf__ahead_start) */
	struct ic_isf_ahead *isf_ahead;
	const char *btf_kind;         /* opts->btf_kind for the ISF metadata, or NULL */
	/* BTF that --btf-dir (opts->btf_dir) found: its bytes (owned) and the file's path */
	uint8_t *dir_btf;
	size_t dir_btf_len;
	char *dir_btf_path;
};

/*
 * Run the pipeline up to (not including) the ISF. 0 = complete. -IC_EINCOMPLETE = *out is
 * filled but something is missing (out->missing says what; ic_profile__write then needs
 * opts->allow_partial; the pipeline logs it at info level only: saying it is the caller's, once).
 * Other negative codes: the image cannot be opened or scanned, or nothing
 * at all could be profiled (*out is NULL then).
 */
IC_API int ic_profile__build(const struct ic_ctx *ctx, const char *image_path,
			     const struct ic_profile_opts *opts, struct ic_profile **out);
/* Write the ISF (ic_isf__write). -IC_EINCOMPLETE without writing when p->missing is set and
 * allow_partial is false; with allow_partial the ISF is written and -IC_EINCOMPLETE returned,
 * except (nothing written, -IC_EINCOMPLETE too) for a profile mixing kernels or one without
 * types or symbols. */
IC_API int ic_profile__write(const struct ic_ctx *ctx, struct ic_profile *p,
			     const struct ic_profile_opts *opts, const char *out_path);
IC_API void ic_profile__free(struct ic_profile *p);
/*
 * Before reusing the ISF at path (a profile of the same banner + BTF identity): was it made by
 * this build (metadata.producer version, output revision (IC_ISF_REVISION) and symdb table
 * id), and do its link-time addresses of
 * a few symbols (_text, init_task, linux_banner, _end ...) agree with what this run computed
 * itself (kallsyms minus a slide no evidence disputes)? The identity says which kernel build,
 * not whether the profile made from it was right, nor with which types. 0 agree, 1 they do not
 * or the file cannot be read (why says how), -IC_ENOTFOUND this build made it but this run has
 * nothing to check the addresses with (no kallsyms, KASLR unsolved or in doubt).
 */
IC_API int ic_profile__check_stored(const struct ic_ctx *ctx, const struct ic_profile *p,
				    const char *path, char *why, size_t why_sz);

#endif
