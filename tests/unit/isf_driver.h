/* SPDX-License-Identifier: MIT */
/* Test-side helper: parse System.map into an ic_symtab without the symbols module. */
#ifndef IC_TEST_ISF_DRIVER_H
#define IC_TEST_ISF_DRIVER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/symbols.h"

/* "<hex> <letter> <name>" lines; names point into text (modified in place). */
static int drv_parse_map(char *text, struct ic_symtab *t)
{
	size_t cap = 1024;

	memset(t, 0, sizeof(*t));
	t->syms = malloc(cap * sizeof(*t->syms));
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *end, *name;
		unsigned long long a = strtoull(line, &end, 16);

		if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		name = end + 3;
		if (strchr(name, '\t'))
			*strchr(name, '\t') = 0;
		if (t->n == cap) {
			cap *= 2;
			t->syms = realloc(t->syms, cap * sizeof(*t->syms));
		}
		t->syms[t->n].addr = a;
		t->syms[t->n].name = name;
		t->syms[t->n].type = end[1];
		t->syms[t->n].flags = 0;
		t->n++;
	}
	t->cap = cap;
	return 0;
}

#endif
