/* SPDX-License-Identifier: MIT */
/* Embedded kernel config (CONFIG_IKCONFIG): carve "IKCFG_ST" + gzip, read the link-time _text. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/live.h"
#include "kaslr_internal.h"
#include "0-base/gunzip.h"
#include "0-base/ic_limits.h"

/*
 * kernel/configs.c embeds the .config as
 *     "IKCFG_ST" <gzip stream of .config> "IKCFG_ED"
 * in rodata (and in the configs.ko module when CONFIG_IKCONFIG=m). We look only inside the
 * kernel image's physical span, so a module or page-cache copy of another kernel's config
 * cannot decide the link base.
 */
static const char ik_start[] = "IKCFG_ST";

/* The first config in [lo, hi) that inflates and gives a link-time _text (text NULL), or that
 * inflates (text set: the caller owns it). For the link base every config in the span is
 * looked at: two that give different values are no evidence (-IC_EAMBIGUOUS), since freed
 * init memory inside the span can hold anything (a page-cache copy of another config). */
static int find_config(const struct ic_ctx *ctx, const struct ic_image *img, uint64_t lo,
		       uint64_t hi, uint64_t *link_text, char **text, size_t *text_len)
{
	const size_t chunk = 4u << 20;
	uint8_t *buf = malloc(chunk + IC_MAX_IKCONFIG_GZ);
	unsigned tries = 0;
	uint64_t first = 0, first_at = 0, v;
	int err = -IC_ENOTFOUND;

	if (!buf)
		return -ENOMEM;
	for (uint64_t base = lo; base < hi && (err == -IC_ENOTFOUND || (!err && !text)); base += chunk) {
		size_t n = (size_t)(hi - base < chunk ? hi - base : chunk);
		size_t avail = n + IC_MAX_IKCONFIG_GZ;
		const uint8_t *p = buf;

		/* Read the chunk plus a tail for a stream that starts near its end; shrink the
		 * tail at the end of the image (a read over a hole fails as a whole). */
		while (avail > n && ic_image__read(img, base, buf, avail))
			avail = avail - n > 4096 ? avail - 4096 : n;
		if (avail == n && ic_image__read(img, base, buf, n))
			continue;
		while ((p = memmem(p, n - (size_t)(p - buf), ik_start, 8))) {
			const uint8_t *gz = p + 8;
			size_t gzlen = avail - (size_t)(gz - buf);
			uint8_t *cfg = NULL;
			size_t cfglen = 0;
			int e;

			p++;
			if (gzlen < 18 || gz[0] != 0x1f || gz[1] != 0x8b)
				continue;
			if (tries++ == IC_MAX_IKCONFIG_TRIES) {
				pr_info(ctx, "kaslr: IKCONFIG: %u gzip streams after \"IKCFG_ST\" "
					"tried, none usable; the rest are not (a kernel embeds one)",
					IC_MAX_IKCONFIG_TRIES);
				goto out;
			}
			e = ic_gunzip(gz, gzlen, IC_MAX_CONFIG_BYTES, &cfg, &cfglen, NULL);
			if (e) {
				pr_debug(ctx, "kaslr: IKCONFIG at phys 0x%" PRIx64 ": gzip: %s",
					 base + (uint64_t)(gz - buf), ic_strerror(e));
				continue;
			}
			if (text) {
				pr_info(ctx, "IKCONFIG at phys 0x%" PRIx64 ": %zu bytes of config",
					base + (uint64_t)(gz - 8 - buf), cfglen);
				*text = (char *)cfg;
				*text_len = cfglen;
				err = 0;
				break;
			}
			e = ic_live__link_text(ctx, (const char *)cfg, cfglen, "IKCONFIG", &v);
			free(cfg);
			if (!e && err == -IC_ENOTFOUND) {
				first = v;
				first_at = base + (uint64_t)(gz - 8 - buf);
				pr_info(ctx, "kaslr: IKCONFIG at phys 0x%" PRIx64 ": link _text 0x%"
					PRIx64, first_at, first);
				err = 0;
				continue;
			}
			if (!e && v != first) {
				pr_warn(ctx, "kaslr: IKCONFIG at phys 0x%" PRIx64 " (link _text 0x%" PRIx64
					") and at 0x%" PRIx64 " (0x%" PRIx64 ") disagree: neither is taken",
					first_at, first, base + (uint64_t)(gz - 8 - buf), v);
				err = -IC_EAMBIGUOUS;
				goto out;
			}
			if (!e)
				continue;
			pr_debug(ctx, "kaslr: IKCONFIG at phys 0x%" PRIx64 ": %s",
				 base + (uint64_t)(gz - buf), ic_strerror(e));
		}
	}
out:
	if (!err && !text)
		*link_text = first;
	free(buf);
	return err;
}

int ic_kaslr_ikconfig(const struct ic_ctx *ctx, const struct ic_image *img, uint64_t lo,
		      uint64_t hi, uint64_t *link_text)
{
	return find_config(ctx, img, lo, hi, link_text, NULL, NULL);
}

int ic_ikconfig__text(const struct ic_ctx *ctx, const struct ic_image *img, uint64_t lo,
		      uint64_t hi, char **text, size_t *len)
{
	uint64_t unused;

	return find_config(ctx, img, lo, hi, &unused, text, len);
}
