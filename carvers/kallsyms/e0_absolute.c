/* SPDX-License-Identifier: MIT */
/* kallsyms decoder, era E0 (before 4.6 on x86-64 and arm64): no relative base. scripts/kallsyms
 * of 3.x-4.5 writes, each table behind ALGN:
 *
 *   kallsyms_addresses  N x PTR (u64): "_text + off" (relocated with the kernel), or the plain
 *                       value for type 'A' symbols (x86-64 per-CPU symbols from 3.14 on)
 *   kallsyms_num_syms   PTR (u64)
 *   kallsyms_names      N x { u8 len, len token bytes }   (names < 128 characters)
 *   kallsyms_markers    ceil(N/256) x PTR (u64)
 *   kallsyms_token_table, kallsyms_token_index            (as in every later era)
 *
 * ALGN is ".align 8" in the kernels that still write <asm/types.h>, later ".balign 8": the
 * same 8 bytes on x86-64, but 2^8 = 256 bytes on arm64, whose assembler reads .align as a
 * power of two. So the addresses end at num_syms (8) or up to 255 zero bytes before it (256,
 * the table itself starting on a 256-byte boundary). Calls only core.c. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "isfcarve/symbols.h"
#include "0-base/internal.h"
#include "0-base/reader.h"
#include "decode_int.h"

int ic_ksd_addrs_e0(const struct win *w, size_t ns, uint64_t n, unsigned align,
		    struct ic_kallsyms *k, const char **why)
{
	uint64_t end, ao;
	const char *bad;

	if (n > SIZE_MAX / 8 || (w->phys + ns) % (align == 256 ? 256 : 8) || ns < 8 * n)
		return -IC_ENOTFOUND;
	end = w->phys + ns;
	/* the table starts on an ALGN boundary and ends at most ALGN - 1 zero bytes before
	 * num_syms: exactly one place */
	ao = align == 256 ? (end - 8 * n) / 256 * 256 : end - 8 * n;
	if (ao < w->phys || ao + 8 * n > end ||
	    !ic_ksd_zero_bytes(wb(w, (size_t)(ao + 8 * n - w->phys), (size_t)(end - ao - 8 * n)),
			       (size_t)(end - ao - 8 * n)))
		return -IC_ENOTFOUND;
	if (!ic_ksd_dec_absolute(w, (size_t)(ao - w->phys), n, k->syms))
		return -IC_ENOTFOUND;
	if ((bad = ic_ksd_check_symbols(k) ?: ic_ksd_check_base(k, 0))) {
		*why = bad;
		return -IC_ENOTFOUND;
	}
	k->era = IC_KSYM_E0;
	k->addr_enc = IC_KSYM_ABSOLUTE;
	ic_ksd_set_table(k, IC_KTAB_ADDRS, "kallsyms_addresses", ao, 8 * n);
	return 0;
}
