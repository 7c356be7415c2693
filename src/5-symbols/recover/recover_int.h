/* SPDX-License-Identifier: MIT */
/* Private to recover/: the recovery state, the shared helpers (common.c) and the rule families. */
#ifndef ISFCARVE_RECOVER_INT_H
#define ISFCARVE_RECOVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isfcarve/btf.h"
#include "isfcarve/carver.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/recover.h"
#include "isfcarve/symbols.h"
#include "0-base/internal.h"

/*
 * Call arrows are one way: driver.c calls the rule families (the second block below), the
 * rule files call the helpers (the first block, common.c), and no rule file calls another:
 * a rule that needs an earlier rule's result looks the symbol up in the table (ic_rec_sym).
 */

/* Names recovery can add: recoverable[] (driver.c) and _stext; checked there. */
#define IC_RECOVERABLE_MAX 48

struct ic_rec {
	const struct ic_ctx *ctx;
	const struct ic_image *img;
	struct ic_findings *f;
	const struct ic_kaslr *k;
	const struct ic_btf *btf;
	struct ic_symtab *syms;
	uint64_t delta; /* image VA - PA */
	int n;
	/* names two rules disagreed on: kept out (common.c); one slot per recoverable name */
	char refused[IC_RECOVERABLE_MAX][32];
	unsigned nrefused;
};

/* common.c: the helpers */
IC_HIDDEN bool ic_rec_have(const struct ic_rec *r, const char *name);
IC_HIDDEN bool ic_rec_va_ok(const struct ic_rec *r, uint64_t va);
IC_HIDDEN int ic_rec_add(struct ic_rec *r, const char *name, uint64_t va, char type,
			 const char *fmt, ...) IC_PRINTF(5, 6);
IC_HIDDEN int ic_rec_off(const struct ic_btf *btf, const char *sname, const char *mname,
			 uint64_t *off);
IC_HIDDEN int ic_rec_read(const struct ic_rec *r, uint64_t va, void *buf, size_t len);
IC_HIDDEN int ic_rec_u64(const struct ic_rec *r, uint64_t va, uint64_t *v);
IC_HIDDEN int ic_rec_u32(const struct ic_rec *r, uint64_t va, uint32_t *v);
IC_HIDDEN bool ic_rec_name(const struct ic_rec *r, uint64_t va, char *buf, size_t max);
IC_HIDDEN int ic_rec_scan(const struct ic_rec *r, const void *pat, size_t len, size_t align,
			  uint64_t *hits, unsigned max, unsigned *n);
IC_HIDDEN int ic_rec_scan_u64(const struct ic_rec *r, uint64_t val, uint64_t *hits,
			      unsigned max, unsigned *n);
IC_HIDDEN bool ic_rec_sym(const struct ic_rec *r, const char *name, uint64_t *va);
IC_HIDDEN bool ic_rec_ptr(const struct ic_rec *r, uint64_t va, const char *sname,
			  const char *mname, uint64_t *out);

/* The rule families, in the order driver.c runs them. Each returns 0 or -errno (a rule that
 * does not apply or finds no unique match returns 0). */
IC_HIDDEN int ic_rec_vmcoreinfo(struct ic_rec *r);	/* pinned.c */
IC_HIDDEN int ic_rec_banner(struct ic_rec *r);		/* pinned.c */
IC_HIDDEN int ic_rec_top_table(struct ic_rec *r);	/* pinned.c */
IC_HIDDEN int ic_rec_init_task(struct ic_rec *r);	/* task.c: + init_mm, init_files */
IC_HIDDEN int ic_rec_namespaces(struct ic_rec *r);	/* ns.c */
IC_HIDDEN int ic_rec_page_scan(struct ic_rec *r);	/* lists.c: modules, tty_drivers, idt */
IC_HIDDEN int ic_rec_ops_tables(struct ic_rec *r);	/* tables.c */
IC_HIDDEN int ic_rec_sct_tables(struct ic_rec *r);	/* tables.c */
IC_HIDDEN int ic_rec_mem_section(struct ic_rec *r);	/* memmap.c */
IC_HIDDEN int ic_rec_region_bases(struct ic_rec *r);	/* memmap.c */
IC_HIDDEN int ic_rec_resource_roots(struct ic_rec *r);	/* roots.c */
IC_HIDDEN int ic_rec_module_kset(struct ic_rec *r);	/* roots.c */

#endif
