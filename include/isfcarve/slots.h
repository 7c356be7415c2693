/* SPDX-License-Identifier: MIT */
/* Indexes into ic_findings.status, one per carver (plus the kaslr stage). */
#ifndef ISFCARVE_SLOTS_H
#define ISFCARVE_SLOTS_H

enum ic_slot {
	IC_SLOT_VMCOREINFO = 0,
	IC_SLOT_BTF = 1,
	IC_SLOT_KALLSYMS = 2,
	IC_SLOT_BANNER = 3,
	IC_SLOT_KASLR = 4,
};

#endif
