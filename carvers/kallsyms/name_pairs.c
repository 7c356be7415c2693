/* SPDX-License-Identifier: MIT */
/* kallsyms decoder: names that come in pairs, checked for their partner.
 *
 * The kernel's build makes many symbols in pairs by name: EXPORT_SYMBOL(X) gives __ksymtab_X
 * (and __kstrtab_X, __kstrtabns_X on kernels before 6.0; never __crc_X, which scripts/kallsyms
 * leaves out) for a symbol X; objtool's padding
 * gives __pfx_X before function X (x86-64 6.2+); a static call gives __SCK__X and __SCT__X; a
 * tracepoint's __traceiter_X and __SCK__tp_func_X go with __tracepoint_X. One changed byte in
 * kallsyms_names renames one symbol (issue 18, D2): the order check (name_order.c) misses it
 * when the new name still sorts where the old one did, and before 6.2 there is no order to
 * check. A renamed member of a pair leaves its partner alone: on the four fixtures no member
 * of these families lacks its partner (10,584-13,867 exports, 51,243-56,823 padding symbols),
 * so a lone one is damage. A family a quarter or more of whose members lack partners is not
 * one this kernel makes that way (arm64 has __SCK__ without __SCT__): it is not checked. Below
 * that, every lone member counts: one bit in kallsyms_token_table renames 1.5-3 % of all names
 * (D1), and a family that only tolerated "rare" lone members would let that through.
 * Calls nothing outside this file. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "0-base/ic_limits.h"
#include "0-base/internal.h"
#include "decode_int.h"

/* below this many members a family is not judged (a tiny or unusual kernel) */
#define PAIR_MIN_MEMBERS 100u
#define PAIR_EVIDENCE 3

struct family {
	const char *prefix, *partner; /* prefix + X needs partner + X */
	bool needs_all;               /* X may be data: only judged with CONFIG_KALLSYMS_ALL */
};

/*
 * An export's X may be a data object, which kallsyms keeps only with CONFIG_KALLSYMS_ALL,
 * while its __ksymtab_X (rodata) is kept wherever the kernel's text range takes in rodata:
 * old arm64 (_etext after RO_DATA until 3.18) and 32-bit arm. There 5-6 % of the exports are
 * alone in a good kernel, so the export families are judged only when the table holds data
 * symbols. The other families pair text with text, or leave a family all alone (not judged).
 */
static const struct family families[] = {
	{ "__ksymtab_", "", true },	    { "__kstrtab_", "", true },
	{ "__kstrtabns_", "", true },	    { "__pfx_", "", false },
	{ "__SCK__", "__SCT__", false },
	{ "__SCT__", "__SCK__", false },    { "__traceiter_", "__tracepoint_", false },
	{ "__SCK__tp_func_", "__tracepoint_", false },
};

/* The table's data objects ('d'/'D'/'b'/'B') at which it counts as CONFIG_KALLSYMS_ALL (a
 * kernel without it has a handful: the per-CPU and linker-script ones; the fixtures have
 * 36,000 and more) */
#define PAIR_ALL_DATA 1000u

/* The names as a set (the value is not used). */
static int nset_build(struct ic_strmap *s, const struct ic_kallsyms *k)
{
	int e = ic_strmap_init(s, k->nsyms);

	for (size_t i = 0; !e && i < k->nsyms; i++)
		e = ic_strmap_add(s, k->syms[i].name, 0) < 0 ? -ENOMEM : 0;
	if (e)
		ic_strmap_free(s);
	return e;
}

/* Is partner + rest a name of the set? */
static bool have(const struct ic_strmap *s, const char *partner, const char *rest)
{
	char buf[IC_MAX_KSYM_NAME + 32];
	size_t pl = strlen(partner), rl = strlen(rest);

	if (pl + rl >= sizeof(buf))
		return false;
	memcpy(buf, partner, pl);
	memcpy(buf + pl, rest, rl + 1);
	return ic_strmap_get(s, buf, NULL);
}

int ic_ksd_check_name_pairs(const struct ic_ctx *ctx, const struct ic_kallsyms *k)
{
	size_t members[IC_ARRAY_SIZE(families)] = { 0 }, lone[IC_ARRAY_SIZE(families)] = { 0 };
	size_t bad = 0, checked = 0, shown = 0, evl = 0, data = 0;
	struct ic_strmap set;
	char ev[PAIR_EVIDENCE * 160 + 8];

	if (k->nsyms < PAIR_MIN_MEMBERS)
		return 0;
	for (size_t i = 0; i < k->nsyms && data < PAIR_ALL_DATA; i++)
		data += strchr("dDbB", k->syms[i].type) && k->syms[i].type;
	if (nset_build(&set, k))
		return -ENOMEM;
	/* first the families this kernel makes: members, and how many lack their partner (every
	 * prefix starts "__": most names are passed over at once) */
	for (size_t i = 0; i < k->nsyms; i++)
		for (size_t f = 0; f < IC_ARRAY_SIZE(families) && k->syms[i].name[0] == '_' &&
				   k->syms[i].name[1] == '_'; f++) {
			size_t pl = strlen(families[f].prefix);

			if ((families[f].needs_all && data < PAIR_ALL_DATA) ||
			    strncmp(k->syms[i].name, families[f].prefix, pl) || !k->syms[i].name[pl])
				continue;
			members[f]++;
			lone[f] += !have(&set, families[f].partner, k->syms[i].name + pl);
		}
	ev[0] = '\0';
	for (size_t f = 0; f < IC_ARRAY_SIZE(families); f++) {
		size_t pl = strlen(families[f].prefix);
		bool judged = members[f] >= PAIR_MIN_MEMBERS && lone[f] * 4 < members[f];

		if (!judged || !lone[f]) {
			checked += judged ? members[f] : 0;
			continue;
		}
		checked += members[f];
		bad += lone[f];
		for (size_t i = 0; i < k->nsyms && shown < PAIR_EVIDENCE; i++) {
			const char *nm = k->syms[i].name;
			int n;

			if (strncmp(nm, families[f].prefix, pl) || !nm[pl] ||
			    have(&set, families[f].partner, nm + pl))
				continue;
			n = snprintf(ev + evl, sizeof(ev) - evl, "%s'%.60s' without '%s%.60s'",
				     shown ? ", " : "", nm, families[f].partner, nm + pl);
			if (n > 0)
				evl += (size_t)n < sizeof(ev) - evl ? (size_t)n : sizeof(ev) - evl - 1;
			shown++;
		}
	}
	ic_strmap_free(&set);
	if (!bad) {
		if (checked)
			pr_debug(ctx, "kallsyms: %zu paired names (exports, padding, static calls, "
				 "tracepoints) all with their partner", checked);
		return 0;
	}
	pr_warn(ctx, "kallsyms: names at 0x%" PRIx64 ": %zu of %zu paired names (exports, padding, "
		"static calls, tracepoints) without their partner: %s%s; kallsyms_names is damaged, "
		"so names are wrong: this copy is not used", k->tables[IC_KTAB_NAMES].phys, bad,
		checked, ev, bad > shown ? ", ..." : "");
	return -IC_ENOTFOUND;
}
