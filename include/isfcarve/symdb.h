/* SPDX-License-Identifier: MIT */
/* symdb: the compiled-in table (kernel version range, symbol) -> C type expression. */
#ifndef ISFCARVE_SYMDB_H
#define ISFCARVE_SYMDB_H

#include "isfcarve/common.h"

/* KERNEL_VERSION(a,b,c) as the kernel encodes it (c saturated at 255). */
#define IC_KVER(a, b, c) (((uint32_t)(a) << 16) + ((uint32_t)(b) << 8) + ((c) > 255 ? 255u : (uint32_t)(c)))

/* Upstream version of a kernel from its banner ("Linux version 6.1.0-56-amd64 (...) ... Debian
 * 6.1.192-2 ..." -> 6.1.192). 0 if none can be read. */
IC_API uint32_t ic_kver_from_banner(const char *banner, size_t len);

/* Type expression in C declarator form ("struct task_struct", "struct kset *",
 * "gate_desc[256]", "tracepoint_ptr_t[]") for symbol name on kernel kver, or NULL. */
IC_API const char *ic_symdb__lookup(uint32_t kver, const char *name);

#endif
