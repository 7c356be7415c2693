/* SPDX-License-Identifier: MIT */
/* kallsyms decoder, era E2 (6.2-6.3): kallsyms_seqs_of_names (N x 3 or 4 bytes, padded) sits
 * between kallsyms_markers and token_table, so the markers end up to 4 * IC_MAX_KALLSYMS bytes
 * earlier; seqs must be a permutation of [0, N) with ceil(N/256) = the marker count.
 * Calls only the core (tables.c, core.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "decode_int.h"

size_t ic_ksd_find_markers_e2(const struct win *w, const struct toks *t, struct marks *out,
			      size_t max, uint64_t *budget)
{
	size_t n = 0;

	/* N x 3 (or 4) bytes of seqs between markers and token_table. */
	for (size_t q = t->t & ~(size_t)3; q >= 8 && t->t - q <= 4ull * IC_MAX_KALLSYMS + 16 && n < max;
	     q -= 4) {
		struct marks mk;
		uint64_t last = ic_get_le32(wb(w, q - 8, 8) + 4);

		uint64_t prev = ic_get_le32(w->b + q - 8);

		/* cheap filter before ic_ksd_markers_back(): the last two markers */
		if (!last || q == t->t || last <= prev || last - prev < 512 ||
		    last - prev > 256ull * (2 + IC_MAX_KSYM_NAME))
			continue;
		memset(&mk, 0, sizeof(mk));
		if (!*budget)
			break;
		if (ic_ksd_markers_back(w, q, 4, &mk, budget))
			continue;
		for (unsigned a = 4; a <= 8; a += 4) {
			size_t ss = (size_t)(ic_align_up(w->phys + q, a) - w->phys);

			if (ss > t->t || !ic_ksd_zero_bytes(wb(w, q, ss - q), ss - q))
				continue;
			for (unsigned k = 3; k <= 4 && !mk.seqs_n; k++) {
				size_t span = t->t - ss;

				for (uint64_t nn = span >= 7 ? (span - 7) / k : 0; nn <= span / k; nn++) {
					if ((nn + 255) / 256 != mk.count ||
					    (ic_align_up(w->phys + ss + k * nn, 8) != w->phys + t->t &&
					     ic_align_up(w->phys + ss + k * nn, 4) != w->phys + t->t) ||
					    !ic_ksd_seqs_permutation(w, ss, nn, k))
						continue;
					mk.seqs = ss;
					mk.seqs_size = k;
					mk.seqs_n = nn;
					break;
				}
			}
		}
		if (mk.seqs_n) {
			out[n++] = mk;
			break;
		}
		free(mk.m);
	}
	return n;
}
