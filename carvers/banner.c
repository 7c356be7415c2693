/* SPDX-License-Identifier: MIT */
/* banner carver: every "Linux version ..." string, and the running kernel's linux_banner ("...\n\0"). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <inttypes.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/banner.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/carver.h"
#include "isfcarve/slots.h"
#include "isfcarve/vmcoreinfo.h"
#include "cands.h"

#define NEEDLE "Linux version "

/*
 * linux_banner = "Linux version " UTS_RELEASE " (" BY "@" HOST ") (" COMPILER ") " UTS_VERSION "\n",
 * and UTS_VERSION starts with "#<build>". Printable ASCII only; the release is one word of at
 * most 64 bytes (__NEW_UTS_LEN). The match is anchored at the candidate.
 */
static const char banner_re[] =
	"\\ALinux version ([\\x21-\\x7e]{1,64}) \\([\\x20-\\x7e]*\\) #[\\x20-\\x7e]*";

/* How far from the BTF blob the banner may be and still count as the same kernel image:
 * both are in the image's read-only data, a few MiB apart on distro kernels. */
#define NEAR_BTF (64ull << 20)

static int banner_scan(void *state, const uint8_t *buf, size_t len, size_t avail, uint64_t phys)
{
	return ic_cands_find(state, buf, len, avail, phys, NEEDLE, sizeof(NEEDLE) - 1);
}

struct hit {
	uint64_t phys;
	size_t line_len;   /* up to the newline / end of printable text */
	size_t len;        /* banner bytes incl. "\n\0" when present */
	size_t rel_len;
	bool exact;        /* "\n\0" */
	char text[IC_MAX_BANNER_LEN + 2];
};

static uint64_t dist(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static int score(const struct hit *h, const char *osrel, const struct ic_findings *f, bool *near_btf,
		 bool *rel_ok)
{
	int s = 0;

	*rel_ok = osrel && strlen(osrel) == h->rel_len && !memcmp(h->text + 14, osrel, h->rel_len);
	*near_btf = f->btf && dist(h->phys, f->btf->phys) < NEAR_BTF;
	if (h->exact)
		s += 8;
	if (*rel_ok)
		s += 4;
	if (*near_btf)
		s += 2;
	return s;
}

static int banner_finish(const struct ic_ctx *ctx, const struct ic_image *img, void *const *states,
			 unsigned nstates, struct ic_findings *out)
{
	const char *osrel = out->vmcoreinfo ? ic_vmcoreinfo__get(out->vmcoreinfo, "OSRELEASE") : NULL;
	pcre2_code *re;
	pcre2_match_data *md = NULL;
	struct hit *h = NULL, *best = NULL, cur;
	struct ic_banner_finding *bf = NULL;
	unsigned copies = 0, exact = 0, distinct = 0;
	int best_score = -1, errcode, err = 0;
	bool best_near = false, best_rel = false, overflow;
	PCRE2_SIZE erroff;
	char **lines = NULL;
	size_t total;

	total = ic_cands_total(states, nstates, &overflow);
	if (overflow)
		pr_warn(ctx, "%s: banner: over IC_MAX_CANDIDATES \"" NEEDLE "\" hits; some ignored",
			ic_image__path(img));
	if (!total)
		return -IC_ENOTFOUND;
	re = pcre2_compile((PCRE2_SPTR)banner_re, PCRE2_ZERO_TERMINATED, PCRE2_NO_UTF_CHECK, &errcode,
			   &erroff, NULL);
	if (!re)
		return -EINVAL; /* our own pattern: a build problem, not input */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* optional speed-up; interpreter otherwise */
	md = pcre2_match_data_create_from_pattern(re, NULL);
	h = malloc(sizeof(*h));
	lines = ic_calloc(256, sizeof(*lines)); /* distinct banners counted up to 256 */
	if (!md || !h || !lines) {
		err = -ENOMEM;
		goto out;
	}
	size_t seen = 0;

	for (unsigned s = 0; s < nstates; s++) {
		const struct ic_cands *c = states[s];

		for (size_t i = 0; c && i < c->n && seen++ < total; i++) {
			size_t n = ic_cands_avail(img, c->phys[i], IC_MAX_BANNER_LEN + 2);
			PCRE2_SIZE *ov;
			bool near_btf, rel_ok;
			int sc, rc;

			cur.phys = c->phys[i];
			if (!n || ic_image__read(img, cur.phys, cur.text, n))
				continue;
			rc = pcre2_match(re, (PCRE2_SPTR)cur.text, n, 0, 0, md, NULL);
			if (rc < 2)
				continue;
			ov = pcre2_get_ovector_pointer(md);
			cur.line_len = ov[1];
			cur.rel_len = ov[3] - ov[2];
			/* The printable run must end the line: "\n" (linux_banner, /proc/version
			 * copies, logs) or a NUL (a printk record's text has no newline). A run cut
			 * by IC_MAX_BANNER_LEN or by a hole is not a banner. */
			if (cur.line_len >= n || (cur.text[cur.line_len] != '\n' && cur.text[cur.line_len] != '\0'))
				continue;
			cur.exact = cur.text[cur.line_len] == '\n' && cur.line_len + 1 < n &&
				    cur.text[cur.line_len + 1] == '\0';
			cur.len = cur.exact ? cur.line_len + 2 : cur.line_len + (cur.text[cur.line_len] == '\n');
			cur.text[cur.len] = '\0';
			copies++;
			exact += cur.exact;
			{
				size_t d;

				/* Quadratic: real dumps hold a handful of distinct banners; a crafted
				 * one with thousands saturates the count at 256. */
				for (d = 0; d < distinct && distinct < 256; d++)
					if (strlen(lines[d]) == cur.line_len && !memcmp(lines[d], cur.text, cur.line_len))
						break;
				if (d == distinct && distinct < 256 && (lines[distinct] = strndup(cur.text, cur.line_len)))
					distinct++;
			}
			sc = score(&cur, osrel, out, &near_btf, &rel_ok);
			/* Ties: nearest to the BTF blob, then the lowest address (first seen). */
			if (sc > best_score ||
			    (sc == best_score && out->btf && dist(cur.phys, out->btf->phys) < dist(best->phys, out->btf->phys))) {
				memcpy(h, &cur, sizeof(cur));
				best = h;
				best_score = sc;
				best_near = near_btf;
				best_rel = rel_ok;
			}
		}
	}
	if (!best) {
		err = -IC_ENOTFOUND;
		goto out;
	}
	bf = calloc(1, sizeof(*bf));
	if (!bf || !(bf->text = malloc(best->len + 1))) {
		free(bf);
		err = -ENOMEM;
		goto out;
	}
	memcpy(bf->text, best->text, best->len);
	bf->text[best->len] = '\0';
	bf->phys = best->phys;
	bf->len = best->len;
	bf->line_len = best->line_len;
	memcpy(bf->release, best->text + 14, best->rel_len);
	bf->release[best->rel_len] = '\0';
	bf->linux_banner = best->exact;
	bf->copies = copies;
	bf->exact_copies = exact;
	bf->distinct = distinct;
	bf->near_btf = best_near;
	bf->release_matches_vmcoreinfo = best_rel;
	if (!best->exact)
		pr_warn(ctx, "%s: banner: no copy in the linux_banner form (\"...\\n\\0\"); took the one at 0x%" PRIx64,
			ic_image__path(img), best->phys);
	if (osrel && !best_rel)
		pr_warn(ctx, "%s: banner: release %s differs from VMCOREINFO OSRELEASE %s", ic_image__path(img),
			bf->release, osrel);
	pr_info(ctx, "%s: banner: at 0x%" PRIx64 " (%u copies, %u in linux_banner form, %u distinct)%s%s",
		ic_image__path(img), bf->phys, copies, exact, distinct, best_near ? ", near the BTF" : "",
		best_rel ? ", release = VMCOREINFO OSRELEASE" : "");
	out->banner = bf;
out:
	for (size_t d = 0; lines && d < distinct; d++)
		free(lines[d]);
	free(lines);
	free(h);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return err;
}

static void banner_free(struct ic_findings *f)
{
	if (f->banner)
		free(f->banner->text);
	free(f->banner);
	f->banner = NULL;
}

const struct ic_carver ic_carver_banner = {
	.name = "banner",
	.desc = "\"Linux version ...\" strings; the running kernel's linux_banner (\"...\\n\\0\")",
	.lookahead = sizeof(NEEDLE) - 1,
	.slot = IC_SLOT_BANNER,
	.scan_new = ic_cands_new,
	.scan_free = ic_cands_free,
	.scan = banner_scan,
	.finish = banner_finish,
	.free_finding = banner_free,
};
