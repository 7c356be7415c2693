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

/* The config in [lo, hi) ("IKCFG_ST" starting in it, its gzip stream may run past hi): its
 * link-time _text (text NULL), or its text (text set: the caller owns it). Every config in the
 * range is looked at: two that give different values (text mode: different texts) are no
 * evidence (-IC_EAMBIGUOUS), since freed init memory inside the kernel's span can hold anything
 * (a page-cache copy of another config). */
static int find_config(const struct ic_ctx *ctx, const struct ic_image *img, uint64_t lo,
		       uint64_t hi, uint64_t *link_text, char **text, size_t *text_len)
{
	const size_t chunk = 4u << 20;
	uint8_t *buf = malloc(chunk + IC_MAX_IKCONFIG_GZ);
	unsigned tries = 0;
	uint64_t first = 0, first_at = 0, v;
	char *first_text = NULL;
	size_t first_len = 0, n = 0;
	int err = -IC_ENOTFOUND;

	if (!buf)
		return -ENOMEM;
	/* base advances by n <= hi - base, so it never wraps: hi may be UINT64_MAX (a span clamped
	 * at the top of the address space; phys_text comes from VMCOREINFO's phys_base, which can
	 * say anything), and stepping by chunk there wrapped base back to 0 and walked all 2^64
	 * bytes in 4 MiB steps. */
	for (uint64_t base = lo; base < hi && (err == -IC_ENOTFOUND || !err); base += n) {
		const uint8_t *p = buf;
		size_t avail;

		n = (size_t)(hi - base < chunk ? hi - base : chunk);
		avail = n + IC_MAX_IKCONFIG_GZ;

		/* Read the chunk plus a tail for a stream that starts near its end; shrink the
		 * tail at the end of the image (a read over a hole fails as a whole). */
		while (avail > n && ic_image__read(img, base, buf, avail))
			avail = avail - n > 4096 ? avail - 4096 : n;
		if (avail == n && ic_image__read(img, base, buf, n))
			continue;
		/* a magic that starts in [base, base + n): its 8 bytes may run into the tail */
		while (p < buf + n && (p = memmem(p, avail - (size_t)(p - buf), ik_start, 8)) &&
		       p < buf + n) {
			const uint8_t *gz = p + 8;
			size_t gzlen = avail - (size_t)(gz - buf);
			uint64_t at = base + (uint64_t)(p - buf);
			uint8_t *cfg = NULL;
			size_t cfglen = 0;
			int e;

			p++;
			if (gzlen < 18 || gz[0] != 0x1f || gz[1] != 0x8b)
				continue;
			if (tries++ == IC_MAX_IKCONFIG_TRIES) {
				if (err)
					pr_info(ctx, "kaslr: IKCONFIG: %u gzip streams after \"IKCFG_ST\" "
						"tried, none usable; the rest are not (a kernel embeds one)",
						IC_MAX_IKCONFIG_TRIES);
				else
					pr_info(ctx, "kaslr: IKCONFIG: %u gzip streams after \"IKCFG_ST\" "
						"tried, the one at phys 0x%" PRIx64 " taken, the rest are not "
						"compared with it", IC_MAX_IKCONFIG_TRIES, first_at);
				goto out;
			}
			e = ic_gunzip(gz, gzlen, IC_MAX_CONFIG_BYTES, &cfg, &cfglen, NULL);
			if (e) {
				pr_debug(ctx, "kaslr: IKCONFIG at phys 0x%" PRIx64 ": gzip: %s", at + 8,
					 ic_strerror(e));
				continue;
			}
			if (text) {
				if (err == -IC_ENOTFOUND) {
					pr_info(ctx, "IKCONFIG at phys 0x%" PRIx64 ": %zu bytes of config",
						at, cfglen);
					first_text = (char *)cfg;
					first_len = cfglen;
					first_at = at;
					err = 0;
					continue;
				}
				e = cfglen != first_len || memcmp(cfg, first_text, cfglen);
				free(cfg);
				if (e) {
					pr_warn(ctx, "IKCONFIG at phys 0x%" PRIx64 " and at 0x%" PRIx64
						" differ: neither is taken", first_at, at);
					err = -IC_EAMBIGUOUS;
					goto out;
				}
				continue;
			}
			e = ic_live__link_text(ctx, (const char *)cfg, cfglen, "IKCONFIG", &v);
			free(cfg);
			if (!e && err == -IC_ENOTFOUND) {
				first = v;
				first_at = at;
				pr_info(ctx, "kaslr: IKCONFIG at phys 0x%" PRIx64 ": link _text 0x%"
					PRIx64, first_at, first);
				err = 0;
				continue;
			}
			if (!e && v != first) {
				pr_warn(ctx, "kaslr: IKCONFIG at phys 0x%" PRIx64 " (link _text 0x%" PRIx64
					") and at 0x%" PRIx64 " (0x%" PRIx64 ") disagree: neither is taken",
					first_at, first, at, v);
				err = -IC_EAMBIGUOUS;
				goto out;
			}
			if (!e)
				continue;
			pr_debug(ctx, "kaslr: IKCONFIG at phys 0x%" PRIx64 ": %s", at + 8,
				 ic_strerror(e));
		}
	}
out:
	if (!err && text) {
		*text = first_text;
		*text_len = first_len;
	} else {
		free(first_text);
	}
	if (!err && !text)
		*link_text = first;
	free(buf);
	return err;
}

/* Bytes of the kernel image from _text: to _end when kallsyms says, else a generous 128 MiB
 * (the image is < 64 MiB today), never past IC_MAX_KERNEL_IMAGE. */
static uint64_t image_span(const struct ic_kaslr_input *in, bool have_delta, uint64_t delta,
			   uint64_t runtime_text)
{
	uint64_t end;

	if (!ic_kaslr_sym_va(in, have_delta, delta, "_end", &end) && end > runtime_text &&
	    end - runtime_text <= IC_MAX_KERNEL_IMAGE)
		return end - runtime_text;
	return 128u << 20;
}

/*
 * The kernel's own config, placed by kallsyms (docs/kaslr.md, "Link base checked"). Where
 * kallsyms knows kernel_config_data, only the config there: from 5.2 the symbol is the gzip
 * stream and "IKCFG_ST" is the 8 bytes before it, before 5.2 the symbol is the magic itself;
 * exactly those two places are read. Where kallsyms has data symbols (linux_banner) but no
 * kernel_config_data, the kernel embeds none, and a config found in its span is someone
 * else's (freed init memory, the gap after .text: page cache lands there). Without data
 * symbols, the whole span. One rule for the solver and `isfcarve extract`.
 */
static int placed(const struct ic_ctx *ctx, const struct ic_kaslr_input *in, bool have_delta,
		  uint64_t delta, uint64_t runtime_text, uint64_t phys_text, uint64_t *link_text,
		  char **text, size_t *text_len)
{
	uint64_t r, p, lo, hi;
	int err;

	if (!ic_kaslr_sym_va(in, have_delta, delta, "kernel_config_data", &r)) {
		if (r < runtime_text || ic_add_ovf(phys_text, r - runtime_text, &p) || p < 8 ||
		    ic_add_ovf(p, 1, &hi))
			return -IC_ENOTFOUND;
		/* a magic starting exactly at p-8 (5.2+), else exactly at p (before 5.2) */
		err = find_config(ctx, in->img, p - 8, p - 7, link_text, text, text_len);
		if (err == -IC_ENOTFOUND)
			err = find_config(ctx, in->img, p, hi, link_text, text, text_len);
		if (err == -IC_ENOTFOUND)
			pr_info(ctx, "kaslr: no IKCONFIG at kallsyms' kernel_config_data (phys 0x%"
				PRIx64 ")", p);
		return err;
	}
	if (!ic_kaslr_sym_va(in, have_delta, delta, "linux_banner", &r)) {
		pr_info(ctx, "kaslr: kallsyms lists data symbols but no kernel_config_data: the "
			"kernel embeds no config, none in its span is taken");
		return -IC_ENOTFOUND;
	}
	lo = phys_text;
	if (ic_add_ovf(lo, image_span(in, have_delta, delta, runtime_text), &hi))
		hi = UINT64_MAX;
	return find_config(ctx, in->img, lo, hi, link_text, text, text_len);
}

int ic_kaslr_ikconfig(const struct ic_ctx *ctx, const struct ic_kaslr_input *in, bool have_delta,
		      uint64_t delta, uint64_t runtime_text, uint64_t phys_text,
		      uint64_t *link_text)
{
	return placed(ctx, in, have_delta, delta, runtime_text, phys_text, link_text, NULL, NULL);
}

int ic_ikconfig__text(const struct ic_ctx *ctx, const struct ic_kaslr_input *in, bool have_delta,
		      uint64_t delta, uint64_t runtime_text, uint64_t phys_text, char **text,
		      size_t *len)
{
	uint64_t unused;

	return placed(ctx, in, have_delta, delta, runtime_text, phys_text, &unused, text, len);
}
