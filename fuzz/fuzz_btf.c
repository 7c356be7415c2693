/* SPDX-License-Identifier: MIT */
/* Fuzz target: BTF validator, model, and the full ISF conversion into a discarding sink. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "7-isf/isf_write.h"
#include "isfcarve/btf.h"
#include "isfcarve/isf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int discard(void *arg, const void *p, size_t n)
{
	(void)p;
	*(size_t *)arg += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t banner[] = "Linux version 6.1.0 (fuzz) #1\n";
	struct ic_sym syms[] = {
		{ 0xffffffff81000000ull, "linux_banner", 'R', 0 },
		{ 0xffffffff82000000ull, "init_task", 'D', 0 },
		{ 0xffffffff83000000ull, "tk_core", 'b', 0 },
		{ 0x1000, "runqueues", 'D', 0 },
	};
	struct ic_symtab tab = { syms, 4, 4, NULL, NULL };
	struct ic_isf_input in;
	struct ic_btf_diag d;
	struct ic_btf *btf = NULL;
	uint64_t total;
	size_t n = 0;

	ic_btf__check_header(data, size, &total);
	if (ic_btf__validate(data, size, &d) != 0)
		return 0;
	if (ic_btf__new(NULL, data, size, "fuzz", &btf) != 0)
		abort(); /* validate said yes: the model must agree */
	for (uint32_t id = 0; id <= ic_btf__nr_types(btf) + 1; id++) {
		(void)ic_btf__name(btf, id);
		(void)ic_btf__type_size(btf, id);
		(void)ic_btf__skip(btf, id, true);
	}
	memset(&in, 0, sizeof(in));
	in.btf = btf;
	in.syms = &tab;
	in.banner = banner;
	in.banner_len = sizeof(banner);
	ic_isf__write_sink(NULL, &in, discard, &n, NULL);
	ic_btf__free(btf);
	return 0;
}
