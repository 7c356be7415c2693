/* SPDX-License-Identifier: MIT */
/* Fuzz target: DWARF -> BTF (ic_dwarf__to_btf_mem: libelf + libdw on an ELF image in memory),
 * then the strict validator on what it made. Without libdw the call only says "not built in".
 * Seed: fuzz/corpus/dwarf/ (tests/data/dwarf/kernel_like*.c linked with gcc -g). */
#include <stdint.h>
#include <stdlib.h>

#include "isfcarve/btf.h"
#include "isfcarve/dwarf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_btf_diag d;
	uint8_t *btf = NULL;
	size_t len = 0;

	if (ic_dwarf__to_btf_mem(NULL, data, size, "fuzz", &btf, &len, NULL) == 0) {
		/* what the converter makes goes through the validator like any BTF; a hostile
		 * input may still describe a type cycle, which the validator must catch */
		(void)ic_btf__validate(btf, len, &d);
		free(btf);
	}
	return 0;
}
