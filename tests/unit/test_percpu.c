/* SPDX-License-Identifier: MIT */
/* Unit tests for the per-CPU check (src/8-profile/percpu.c) on real fx-deb12-6.1 inputs. */
/*
 * With the real BTF (truth/btf_vmlinux) and System.map: every variable of the ".data..percpu"
 * DATASEC at __per_cpu_start + its offset. Without __per_cpu_start (its kallsyms name
 * damaged) the check was off: a variable moved 4 bytes then passed. Now the base most
 * variables share stands in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "isfcarve/btf.h"
#include "isfcarve/symbols.h"
#include "8-profile/percpu.h"

/* System.map's symbols, without `drop` (NULL: all), `move` (NULL: none) 4 bytes on, and
 * `nmove` per-CPU variables (the first found after __per_cpu_start in the file) 8 bytes on. */
static struct ic_symtab *table(const char *map, size_t len, const char *drop, const char *move,
			       unsigned nmove)
{
	struct ic_symtab *t = ic_symtab__new(), *out = ic_symtab__new();
	bool zero = false, in_percpu = false;

	if (!t || !out || ic_symtab__parse_map(NULL, t, map, len, "System.map", &zero)) {
		ic_symtab__free(t);
		ic_symtab__free(out);
		return NULL;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct ic_sym *s = &t->syms[i];
		uint64_t a = s->addr;

		if (!strcmp(s->name, "__per_cpu_start"))
			in_percpu = true;
		else if (!strcmp(s->name, "__per_cpu_end"))
			in_percpu = false;
		if (drop && !strcmp(s->name, drop))
			continue;
		if (move && !strcmp(s->name, move))
			a += 4;
		if (in_percpu && nmove && strncmp(s->name, "__per_cpu_", 10)) {
			a += 8;
			nmove--;
		}
		if (ic_symtab__add(out, a, s->type, s->name, strlen(s->name), s->flags)) {
			ic_symtab__free(out);
			out = NULL;
			break;
		}
	}
	ic_symtab__free(t);
	return out;
}

int main(void)
{
	static const struct {
		const char *what, *drop, *move;
		unsigned nmove;
		int want;          /* 0 or -IC_EFORMAT */
		bool any_checked;  /* checked > 300 */
		const char *in_why;
	} c[] = {
		{ "System.map as it is", NULL, NULL, 0, 0, true, NULL },
		{ "a variable 4 bytes off", NULL, "runqueues", 0, -IC_EFORMAT, true,
		  "'runqueues' at __per_cpu_start+" },
		{ "no __per_cpu_start", "__per_cpu_start", NULL, 0, 0, true, NULL },
		/* before: 0, nothing checked */
		{ "no __per_cpu_start, a variable 4 bytes off", "__per_cpu_start", "runqueues", 0,
		  -IC_EFORMAT, true, "no __per_cpu_start, base 0x0 from " },
		/* no base 9 in 10 agree on: refused (before: 0, nothing checked) */
		{ "no __per_cpu_start, 100 variables 8 bytes off", "__per_cpu_start", NULL, 100,
		  -IC_EFORMAT, true, "share no base: at most " },
	};
	char buf[4096], mbuf[4096];
	const char *bpath = ic_test_fixture("fx-deb12-6.1", "truth/btf_vmlinux", buf, sizeof(buf));
	const char *mpath = bpath ? ic_test_fixture("fx-deb12-6.1", "System.map", mbuf,
						    sizeof(mbuf)) : NULL;
	size_t blen = 0, mlen = 0;
	uint8_t *bdata = bpath ? ic_test_slurp(bpath, &blen) : NULL;
	char *map = mpath ? ic_test_slurp(mpath, &mlen) : NULL;
	struct ic_btf *btf = NULL;

	if (!bdata || !map) {
		free(bdata);
		free(map);
		return ic_test_no_fixture();
	}
	IC_CHECK(ic_btf__new(NULL, bdata, blen, "btf_vmlinux", &btf) == 0, "btf");
	for (size_t i = 0; btf && i < sizeof(c) / sizeof(c[0]); i++) {
		struct ic_symtab *t = table(map, mlen, c[i].drop, c[i].move, c[i].nmove);
		char why[360];
		size_t checked = 0;
		int err;

		IC_CHECK(t != NULL, "%s: table", c[i].what);
		if (!t)
			continue;
		err = ic_percpu__check(btf, t, why, sizeof(why), &checked);
		IC_CHECK(err == c[i].want && (checked > 300) == c[i].any_checked &&
				 (!c[i].in_why || strstr(why, c[i].in_why)),
			 "%s: %d, %zu checked, '%s'", c[i].what, err, checked, err ? why : "");
		fprintf(stderr, "%s: %d, %zu checked%s%s\n", c[i].what, err, checked,
			err ? ": " : "", err ? why : "");
		ic_symtab__free(t);
	}
	ic_btf__free(btf);
	free(bdata);
	free(map);
	return IC_TEST_DONE();
}
