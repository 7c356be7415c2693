/* SPDX-License-Identifier: MIT */
/* BTF meaning checks after validation: string section structure, the members Volatility reads. */
#ifndef ISFCARVE_BTF_TRUST_H
#define ISFCARVE_BTF_TRUST_H

#include <stddef.h>

#include "isfcarve/btf.h"
#include "0-base/internal.h"

/* Evidence items listed in why (the count of all is appended). */
#define IC_BTF_TRUST_EVIDENCE 4u

/*
 * A validated vmlinux BTF whose names were damaged into other valid names (docs/security.md,
 * "BTF names"): a string stored twice or a name pointing into the middle of a string (libbpf's
 * dedup writes neither), or a member Volatility's analyses read missing or of another kind.
 * 0, or -IC_EFORMAT with the evidence in why; -ENOMEM.
 */
IC_HIDDEN int ic_btf__check_trust(const struct ic_btf *btf, char *why, size_t n);

#endif
