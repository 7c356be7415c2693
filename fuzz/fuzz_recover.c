/* SPDX-License-Identifier: MIT */
/* Fuzz target: data-symbol recovery (ic_recover__data_syms) over a crafted image + BTF + symbol table. */
#include "fuzz_solver_common.h"
#include "isfcarve/recover.h"
#include "isfcarve/symbols.h"

/*
 * Input: fuzz_solver_common.h, with the BTF field. The KASLR solver runs first as in the
 * pipeline (recovery needs its result); the symbol table is the input's kallsyms at link
 * time (runtime - slide), as src/8-profile/profile.c builds it. Seeds: fuzz/make_corpus_solvers.py
 * (real fixtures with the recoverable names withheld from the symbols).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_ctx ctx = fzs_ctx();
	struct ic_btf *btf = NULL;
	struct ic_symtab *syms = NULL;
	struct fzs s;
	int n;

	if (fzs_parse(&ctx, data, size, &s) || fzs_solve(&ctx, &s) || !(syms = ic_symtab__new()))
		goto out;
	if (s.btf_len && ic_btf__new(&ctx, s.btf_data, s.btf_len, "fuzz", &btf))
		btf = NULL;
	for (size_t i = 0; s.ks && i < s.ks->nsyms; i++) {
		const struct ic_ksym *e = &s.ks->syms[i];

		if (ic_symtab__add(syms, e->addr - s.f.kaslr->virtual_slide, e->type, e->name,
				   strlen(e->name), 0))
			goto out;
	}
	n = ic_recover__data_syms(&ctx, s.img, &s.f, btf, syms);
	if (n > 0 && (size_t)n != s.f.nrecovered)
		abort();
	for (size_t i = 0; n > 0 && i < s.f.nrecovered; i++)
		if (!memchr(s.f.recovered[i].name, 0, sizeof(s.f.recovered[i].name)) ||
		    !ic_symtab__find(syms, s.f.recovered[i].name))
			abort();
out:
	ic_symtab__free(syms);
	ic_btf__free(btf);
	fzs_free(&s);
	return 0;
}
