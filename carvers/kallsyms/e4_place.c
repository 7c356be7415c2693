/* SPDX-License-Identifier: MIT */
/* kallsyms decoder, era E4 (7.0+): as E3 but .balign 4, no relative_base, and each s32 offset
 * is relative to its own place, so the decoded addresses are physical until the virtual base is
 * known (delta.c). Calls only core.c. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "isfcarve/symbols.h"
#include "0-base/internal.h"
#include "0-base/reader.h"
#include "decode_int.h"

static bool dec_place(const struct win *w, size_t o, uint64_t n, struct ic_ksym *s)
{
	uint64_t prev = 0;

	for (uint64_t i = 0; i < n; i++) {
		int32_t v = (int32_t)ic_get_le32(wb(w, o + 4 * i, 4));
		uint64_t a = w->phys + o + 4 * i + (uint64_t)(int64_t)v;

		if (i && a < prev)
			return false;
		s[i].addr = prev = a;
	}
	return true;
}

/* Place-relative: the decoded _text.._etext are physical and must lie in the window (the kernel
 * image is one contiguous block holding both the code and the tables). */
static const char *check_phys(const struct ic_kallsyms *k, const struct win *w)
{
	uint64_t text = k->syms[ic_ksd_text_start(k)].addr;
	uint64_t etext = k->syms[ic_kallsyms__find(k, "_etext")].addr;

	if (text < w->phys || etext > w->phys + w->len)
		return "place-relative _text.._etext fall outside the memory around the tables";
	return NULL;
}

/* Place-relative offsets right after token_index (at after). */
int ic_ksd_addrs_e4(const struct win *w, size_t after, uint64_t n, struct ic_kallsyms *k,
		    const char **why)
{
	const char *bad;

	for (size_t i = 0; i < n; i++)
		k->syms[i].flags = 0;
	if (!dec_place(w, after, n, k->syms))
		return -IC_ENOTFOUND;
	if ((bad = ic_ksd_check_symbols(k) ?: check_phys(k, w))) {
		*why = bad;
		return -IC_ENOTFOUND;
	}
	k->era = IC_KSYM_E4;
	k->addr_enc = IC_KSYM_PLACE_RELATIVE;
	k->addr_is_phys = true;
	ic_ksd_set_table(k, IC_KTAB_ADDRS, "kallsyms_offsets", w->phys + after, 4 * n);
	k->tables[IC_KTAB_SEQS].phys = ic_align_up(w->phys + after + 4 * n, 4);
	return 0;
}
