/* SPDX-License-Identifier: MIT */
/* Physical addresses of kernel-image symbols from carved kallsyms: cross-evidence for carvers. */
#ifndef ISFCARVE_CARVERS_KERNEL_PA_H
#define ISFCARVE_CARVERS_KERNEL_PA_H

#include <stdbool.h>
#include <stdint.h>

#include "isfcarve/kallsyms.h"

/*
 * Where symbol `name` of the carved kallsyms lies in physical memory, when that is known
 * without the KASLR stage: place-relative tables (7.0+) decode to physical addresses until a
 * virtual base is set; otherwise a learned virt - phys delta (VMCOREINFO, self-pointers,
 * linux_banner) maps the runtime address back. Both hold for every byte of the kernel image
 * (text, rodata, data, bss), which is all we ask about. 0 and *pa, or -1.
 */
static inline int ic_ksym_pa(const struct ic_kallsyms *k, const char *name, uint64_t *pa)
{
	long i;

	if (!k || (!k->addr_is_phys && !k->have_delta))
		return -1;
	i = ic_kallsyms__find(k, name);
	if (i < 0)
		return -1;
	*pa = k->addr_is_phys ? k->syms[i].addr : k->syms[i].addr - k->virt_delta;
	return 0;
}

/* Physical span [_stext, _end) of the kernel image that kallsyms describes. 0 or -1. */
static inline int ic_ksym_image_span(const struct ic_kallsyms *k, uint64_t *s, uint64_t *e)
{
	if (ic_ksym_pa(k, "_text", s) && ic_ksym_pa(k, "_stext", s))
		return -1;
	if (ic_ksym_pa(k, "_end", e) || *e <= *s)
		return -1;
	return 0;
}

#endif
