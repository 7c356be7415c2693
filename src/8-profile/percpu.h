/* SPDX-License-Identifier: MIT */
/* Per-CPU variables: kallsyms' addresses against the BTF's DATASEC offsets. */
#ifndef ISFCARVE_PERCPU_H
#define ISFCARVE_PERCPU_H

#include <stddef.h>

#include "0-base/internal.h"

struct ic_btf;
struct ic_symtab;

/* Evidence items listed in why. */
#define IC_PERCPU_EVIDENCE 3u

/*
 * Every variable of the BTF's ".data..percpu" DATASEC must be at __per_cpu_start + its DATASEC
 * offset in the symbol table (docs/security.md, D3): 0, or -IC_EFORMAT with the variables that
 * are not in why (a symbol of that name at another address, none at the right one); 0 as well
 * when there is nothing to compare (no such DATASEC). Without __per_cpu_start the base is the
 * one at least 9 in 10 of the variables (16 or more) share; -IC_EFORMAT when 16 or more are
 * there and share none, 0 when fewer are. -ENOMEM.
 */
IC_HIDDEN int ic_percpu__check(const struct ic_btf *btf, const struct ic_symtab *syms, char *why,
			       size_t n, size_t *checked);

#endif
