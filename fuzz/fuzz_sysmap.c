/* SPDX-License-Identifier: MIT */
/* Fuzz target: System.map / /proc/kallsyms parser and the name index. */
#include <stdint.h>
#include <string.h>

#include "isfcarve/symbols.h"
#include "0-base/ic_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_symtab *t = ic_symtab__new();
	bool zero;
	int err;

	if (!t)
		return 0;
	err = ic_symtab__parse_map(NULL, t, (const char *)data, size, "fuzz", &zero);
	if (!err) {
		/* Invariants: names are non-empty, printable, bounded; find() returns a match. */
		for (size_t i = 0; i < t->n; i++) {
			size_t n = strlen(t->syms[i].name);
			const struct ic_sym *s;

			if (!n || n > IC_MAX_KSYM_NAME)
				__builtin_trap();
			s = ic_symtab__find(t, t->syms[i].name);
			if (!s || strcmp(s->name, t->syms[i].name))
				__builtin_trap();
		}
		ic_symtab__sort(t);
		for (size_t i = 1; i < t->n; i++)
			if (t->syms[i - 1].addr > t->syms[i].addr)
				__builtin_trap();
	}
	ic_symtab__free(t);
	return 0;
}
