/* SPDX-License-Identifier: MIT */
/* The ISF writer: validated BTF + link-time symbols + banner -> Volatility 3 ISF (format 6.2.0). */
#ifndef ISFCARVE_ISF_H
#define ISFCARVE_ISF_H

#include <stdbool.h>

#include "isfcarve/common.h"

struct ic_btf;
struct ic_symtab;

/*
 * The output revision, written as metadata.producer.revision (a decimal string). It is raised
 * by every change that makes isfcarve write another profile from the same input: a type, an
 * address, a symbol more or less. The version string changes only at releases, so without it a
 * fix made between two releases would never reach the profiles already stored in a shared
 * symbols dir (a stored profile is reused only by a build of the same version, revision and
 * symdb table: src/8-profile/profile.c). tests/scripts/test_isf_revision.py fails when the
 * fixtures' profiles change and this number does not.
 *   1  2026-12-06  the first: every profile made before has no revision
 *   2  2026-12-07  recovery readings that disagree are refused; IKCONFIG read at
 *                  kernel_config_data in the pre-5.2 layout; the kallsyms copy VMCOREINFO
 *                  places is decoded first; arm64 without KERNELOFFSET takes the link
 *                  base of its release (6.1-6.4 or 6.5+) (profiles made from such images
 *                  differ)
 *   3  2026-12-07  recovery: init_mm and init_files from kallsyms' init_task when kallsyms
 *                  lists it (a planted swapper/0 copy gave them); LA57 page tables by
 *                  structure past a decoy level2 page; arm64 without KERNELOFFSET:
 *                  VA_BITS_MIN from the runtime _text's place, not 48; a kallsyms copy
 *                  with a lone member of a name pair is refused, and so are kallsyms names
 *                  the BTF's FUNC names show renamed alike (a damaged token)
 */
#define IC_ISF_REVISION 3
#define IC_ISF_STR_(x) #x
#define IC_ISF_STR(x) IC_ISF_STR_(x)
#define IC_ISF_REVISION_STRING IC_ISF_STR(IC_ISF_REVISION)

/* One metadata.linux.{types,symbols} item. kind must be NULL or one the stock schema accepts
 * ("dwarf", "symtab", "system-map"). */
struct ic_isf_source {
	const char *kind;
	const char *name;
	uint8_t sha256[32];
	bool has_hash;
};

struct ic_isf_input {
	const struct ic_btf *btf;      /* validated */
	const struct ic_symtab *syms;  /* link-time addresses */
	const uint8_t *banner;         /* exact linux_banner bytes incl. "\n\0" */
	size_t banner_len;
	struct ic_isf_source types_src;
	struct ic_isf_source syms_src[2]; /* unused entries have name == NULL */
	unsigned ptr_size;             /* 0 = derive from BTF */
	/* ic_isf__ahead_start() of this btf, or NULL: its work is used instead of redone */
	struct ic_isf_ahead *ahead;
};

/* Statistics of a written ISF (for reports and tests). */
struct ic_isf_stats {
	size_t base_types, user_types, enums, symbols;
	size_t typed_btf, typed_symdb, typed_rule, typed_void; /* how symbols got their types */
	size_t symdb_skipped;   /* symdb rows whose type does not exist in this BTF */
	uint64_t bytes;         /* uncompressed JSON size */
};

/*
 * The part of the ISF that depends on the BTF alone (type names, then user_types), started on a
 * second thread now, to overlap what the caller does before ic_isf__write() (KASLR, the symbol
 * table). Pass it in ic_isf_input.ahead; the output is byte-identical either way. NULL when
 * ctx->threads is 1 or no thread could be started (nothing to free then). btf must outlive it;
 * free it with ic_isf__ahead_free() (NULL-safe; waits for the thread).
 */
struct ic_isf_ahead;
IC_API struct ic_isf_ahead *ic_isf__ahead_start(const struct ic_ctx *ctx, const struct ic_btf *btf);
IC_API void ic_isf__ahead_free(struct ic_isf_ahead *a);

/*
 * Write the ISF to path: ".json", ".json.gz", ".json.xz", or "-" (stdout, plain JSON). The file
 * is written to a temp file in the target directory, fsync'd and renamed; nothing is left on
 * failure. Output is deterministic for identical inputs. stats may be NULL.
 */
IC_API int ic_isf__write(const struct ic_ctx *ctx, const struct ic_isf_input *in, const char *path,
			 struct ic_isf_stats *stats);

#endif
