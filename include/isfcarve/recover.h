/* SPDX-License-Identifier: MIT */
/* Data symbols recovered by structure when kallsyms lacks them (no CONFIG_KALLSYMS_ALL). */
#ifndef ISFCARVE_RECOVER_H
#define ISFCARVE_RECOVER_H

#include "isfcarve/common.h"
#include "isfcarve/image.h"

struct ic_findings;
struct ic_symtab;
struct ic_btf;
struct ic_json;

/* One recovered symbol: its link-time address and how it was found and verified. */
struct ic_recovered {
	char name[32];
	uint64_t link;
	char how[128];
};

/*
 * Recover the data symbols Volatility needs that syms lacks (init_task, init_mm, init_files,
 * linux_banner, swapper_pg_dir / init_top_pgt, init_uts_ns, init_net, net_namespace_list,
 * modules, socket_file_ops ... docs/recovery.md) from the image by structure,
 * using the carved BTF, the solved KASLR (f->kaslr) and VMCOREINFO. Each one is verified,
 * added to syms at its link-time address with IC_SYM_RECOVERED, and listed in
 * f->recovered (for the report). Returns the number recovered, or -ENOMEM.
 */
IC_API int ic_recover__data_syms(const struct ic_ctx *ctx, const struct ic_image *img,
				 struct ic_findings *f, const struct ic_btf *btf,
				 struct ic_symtab *syms);
/* True for every name ic_recover__data_syms() can add (tests withhold these from kallsyms,
 * where some kernels list data objects as text). */
IC_API bool ic_recover__is_recoverable(const char *name);
/* The report's "recovered_symbols" array. */
IC_API void ic_recover__report_json(const struct ic_findings *f, struct ic_json *j);

#endif
