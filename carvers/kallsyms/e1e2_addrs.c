/* SPDX-License-Identifier: MIT */
/* kallsyms decoder, eras E1 and E2 (before 6.4): the address table precedes num_syms.
 * s32 offsets + the u64 kallsyms_relative_base right before num_syms (4.6-6.3: base-relative,
 * or abs-percpu), or u64 absolute addresses ending at a u32 num_syms (4.20+ kernels built
 * without KALLSYMS_BASE_RELATIVE; with a u64 num_syms, before 4.6: era E0, e0_absolute.c).
 * E1 or E2 is told by whether seqs_of_names sat before token_table (e2_markers.c). Calls only
 * core.c. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "isfcarve/symbols.h"
#include "0-base/internal.h"
#include "0-base/reader.h"
#include "decode_int.h"

/* ns: offset of num_syms (ns_size bytes); e2: the markers came with seqs_of_names. */
int ic_ksd_addrs_e1e2(const struct win *w, size_t ns, unsigned ns_size, uint64_t n, bool e2,
		      struct ic_kallsyms *k, const char **why)
{
	bool neg;

	/* relative_base is the u64 right before num_syms; offsets end at it (plus 4 zero bytes
	 * when N is odd). Absolute addresses end at num_syms itself. */
	if (ns < 8 || (w->phys + ns) % 8)
		return -IC_ENOTFOUND;
	{
		size_t rbo = ns - 8;
		uint64_t rb = ic_get_le64(wb(w, rbo, 8));
		size_t pad = n % 2 ? 4 : 0;

		if (rbo >= 4 * n + pad && ic_ksd_zero_bytes(wb(w, rbo - pad, pad), pad)) {
			size_t o = rbo - pad - 4 * n;

			for (size_t i = 0; i < n; i++)
				k->syms[i].flags = 0;
			for (int pc = 0; pc <= 1; pc++) {
				const char *bad;

				if (!ic_ksd_dec_relative(w, o, n, rb, pc, k->syms, &neg) || (pc && !neg))
					continue;
				if ((bad = ic_ksd_check_symbols(k)) || (bad = ic_ksd_check_base(k, rb))) {
					*why = bad;
					continue;
				}
				k->era = e2 ? IC_KSYM_E2 : IC_KSYM_E1;
				k->addr_enc = pc ? IC_KSYM_ABS_PERCPU : IC_KSYM_BASE_RELATIVE;
				k->relative_base = rb;
				ic_ksd_set_table(k, IC_KTAB_ADDRS, "kallsyms_offsets", w->phys + o, 4 * n);
				ic_ksd_set_table(k, IC_KTAB_RELATIVE_BASE, "kallsyms_relative_base",
						 w->phys + rbo, 8);
				return 0;
			}
		}
		for (size_t i = 0; i < n; i++)
			k->syms[i].flags = 0;
		/* absolute addresses with a u64 num_syms and no seqs: era E0 (e0_absolute.c) */
		if (ns_size == 8 && !e2)
			return -IC_ENOTFOUND;
		if (ns >= 8 * n && ic_ksd_dec_absolute(w, ns - 8 * n, n, k->syms)) {
			const char *bad = ic_ksd_check_symbols(k) ?: ic_ksd_check_base(k, 0);

			if (!bad) {
				k->era = e2 ? IC_KSYM_E2 : IC_KSYM_E1;
				k->addr_enc = IC_KSYM_ABSOLUTE;
				ic_ksd_set_table(k, IC_KTAB_ADDRS, "kallsyms_addresses", w->phys + ns - 8 * n,
						 8 * n);
				return 0;
			}
			*why = bad;
		}
	}
	return -IC_ENOTFOUND;
}
