/* SPDX-License-Identifier: MIT */
/* Kernel .config text: the link-time _text an x86-64 config implies. Shared by the live mode
 * (/boot/config-*, /proc/config.gz) and the KASLR floor (IKCONFIG carved from an image), so it
 * sits here, below both. Declared in include/isfcarve/live.h, where the API always had it. */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "isfcarve/live.h"
#include "internal.h"

/* Parse a config integer value (decimal or 0x hex), strictly. */
static int parse_num(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return -1;
		if (ic_mul_ovf(v, (uint64_t)base, &v) || ic_add_ovf(v, (uint64_t)d, &v))
			return -1;
	}
	*out = v;
	return 0;
}

/* The x86-64 kernel mapping's size: __START_KERNEL_map + KERNEL_IMAGE_SIZE (1 GiB with KASLR,
 * 512 MiB without: the larger bound). */
#define X86_64_KERNEL_MAP_SIZE (1ull << 30)

int ic_live__link_text(const struct ic_ctx *ctx, const char *cfg, size_t len, const char *what,
		       uint64_t *text)
{
	static const char *const keys[] = { "CONFIG_X86_64=", "CONFIG_PHYSICAL_START=",
					    "CONFIG_PHYSICAL_ALIGN=" };
	const char *p = cfg, *end = cfg + len;
	bool have[3] = { false, false, false };
	uint64_t val[3] = { 0, 0, 0 };
	size_t line = 0;
	uint64_t start;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		line++;
		for (size_t k = 0; k < 3; k++) {
			size_t kl = strlen(keys[k]);
			const char *v = p + kl;
			size_t vl;

			if ((size_t)(eol - p) < kl || memcmp(p, keys[k], kl))
				continue;
			vl = (size_t)(eol - v);
			if (k == 0) {
				have[0] = vl == 1 && *v == 'y';
			} else if (parse_num(v, vl, &val[k])) {
				pr_warn(ctx, "%s:%zu: bad value for %.*s", what, line, (int)kl - 1,
					keys[k]);
				return -IC_EFORMAT;
			} else {
				have[k] = true;
			}
		}
		p = eol + 1;
	}
	if (!have[0])
		return -IC_EUNSUPP;
	if (!have[1] || !have[2])
		return -IC_ENOTFOUND;
	/* PHYSICAL_ALIGN is a power of two in Kconfig's range 0x2000..0x1000000; refuse others
	 * (a carved IKCONFIG is input: 1 << 63 would wrap the sum below to a low address). The
	 * kernel runs from the kernel mapping, __START_KERNEL_map + 1 GiB at most
	 * (KERNEL_IMAGE_SIZE), so its aligned start lies below 1 GiB: 0x80000000 once put link
	 * _text at 0xffffffff80000000 + 0x80000000 = 0 (wrapped). */
	if (val[2] < 0x2000 || val[2] > 0x1000000 || (val[2] & (val[2] - 1)) ||
	    val[1] >= X86_64_KERNEL_MAP_SIZE ||
	    (start = ic_align_up(val[1], val[2])) >= X86_64_KERNEL_MAP_SIZE ||
	    ic_add_ovf(IC_X86_64_START_KERNEL_MAP, start, text)) {
		pr_warn(ctx, "%s: CONFIG_PHYSICAL_START=0x%" PRIx64 " / CONFIG_PHYSICAL_ALIGN=0x%"
			PRIx64 " are not a valid pair (the aligned start must lie in the 1 GiB "
			"kernel mapping)", what, val[1], val[2]);
		return -IC_EFORMAT;
	}
	return 0;
}
