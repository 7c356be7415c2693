/* SPDX-License-Identifier: MIT */
/* banner carver: every "Linux version ..." string, and the running kernel's linux_banner ("...\n\0"). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <inttypes.h>
#include <pcre2.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "isfcarve/banner.h"
#include "isfcarve/btf.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/carver.h"
#include "isfcarve/slots.h"
#include "isfcarve/vmcoreinfo.h"
#include "cands.h"
#include "kernel_pa.h"

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
	char text[IC_MAX_BANNER_LEN + 3]; /* + NUL after a "\n\0" that ends at the last byte read */
};

static uint64_t dist(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Distinct lines and releases seen, counted without keeping every line: a flood of distinct
 * fakes saturates the counts at a fixed memory cost. */
#define DSET_SLOTS (2 * IC_MAX_BANNER_DISTINCT)
#define MAX_RELEASES 16u

/* Distinct linux_banner-form texts kept whole, with how many places hold each: a damaged byte
 * in the running kernel's own copy must not outvote copies that agree (issue 18 D5). The
 * first IC_MAX_BANNER_TEXTS of the kernel's release; later distinct ones are only counted. */
struct text {
	uint64_t hash, phys;
	unsigned count;
	size_t len;
	char text[IC_MAX_BANNER_LEN + 3];
};

struct run {
	const struct ic_ctx *ctx;
	const struct ic_image *img;
	const struct ic_findings *f;
	const char *osrel;
	uint64_t ks_pa;
	bool have_ks;
	pcre2_code *re;
	pcre2_match_data *md;
	struct hit cur, best;
	int best_score;
	bool have_best, best_near, best_rel;
	unsigned copies, exact, distinct, nrel;
	uint64_t dset[DSET_SLOTS];
	uint64_t seed; /* of text_hash() */
	char rel[MAX_RELEASES][IC_UTS_LEN];
	struct text texts[IC_MAX_BANNER_TEXTS];
	unsigned ntexts, texts_dropped;
};

/* Text hash, seeded (the texts come from the image: r->seed, ic_hash_seed()). */
static uint64_t text_hash(const struct run *r, const char *p, size_t n)
{
	return ic_hash_mem(p, n, r->seed) | 1; /* 0 marks a free slot */
}

static void count_distinct(struct run *r, const struct hit *h)
{
	uint64_t k = text_hash(r, h->text, h->line_len);

	if (r->distinct >= IC_MAX_BANNER_DISTINCT)
		return;
	for (size_t i = k % DSET_SLOTS;; i = (i + 1) % DSET_SLOTS) {
		if (r->dset[i] == k)
			return;
		if (!r->dset[i]) {
			r->dset[i] = k;
			r->distinct++;
			return;
		}
	}
}

static void count_release(struct run *r, const struct hit *h)
{
	if (!h->exact || r->nrel > MAX_RELEASES)
		return;
	for (unsigned i = 0; i < r->nrel; i++) /* nrel <= MAX_RELEASES here */
		if (strlen(r->rel[i]) == h->rel_len && !memcmp(r->rel[i], h->text + 14, h->rel_len))
			return;
	if (r->nrel < MAX_RELEASES) {
		memcpy(r->rel[r->nrel], h->text + 14, h->rel_len);
		r->rel[r->nrel][h->rel_len] = '\0';
	}
	r->nrel++; /* MAX_RELEASES + 1 = "more" */
}

/* Count an exact copy among the kept texts (only the VMCOREINFO release's, when known). */
static void count_text(struct run *r, const struct hit *h)
{
	uint64_t k;

	if (!h->exact || (r->osrel && (strlen(r->osrel) != h->rel_len ||
				       memcmp(h->text + 14, r->osrel, h->rel_len))))
		return;
	k = text_hash(r, h->text, h->len);
	for (unsigned i = 0; i < r->ntexts; i++)
		if (r->texts[i].hash == k && r->texts[i].len == h->len &&
		    !memcmp(r->texts[i].text, h->text, h->len)) {
			r->texts[i].count++;
			return;
		}
	if (r->ntexts == IC_MAX_BANNER_TEXTS) {
		r->texts_dropped++;
		return;
	}
	r->texts[r->ntexts] = (struct text){ .hash = k, .phys = h->phys, .count = 1, .len = h->len };
	memcpy(r->texts[r->ntexts].text, h->text, h->len + 1);
	r->ntexts++;
}

static int score(const struct run *r, const struct hit *h, bool *near_btf, bool *rel_ok)
{
	int s = 0;

	*rel_ok = r->osrel && strlen(r->osrel) == h->rel_len && !memcmp(h->text + 14, r->osrel, h->rel_len);
	*near_btf = r->f->btf && dist(h->phys, r->f->btf->phys) < NEAR_BTF;
	if (r->have_ks && h->phys == r->ks_pa)
		s += 32; /* the kernel's own linux_banner object, by its symbol */
	if (h->exact)
		s += 8;
	if (*rel_ok)
		s += 4;
	if (*near_btf)
		s += 2;
	return s;
}

/* One "Linux version " hit: parse, count, and keep it if it is the best so far. */
static int try_hit(void *arg, uint64_t phys)
{
	struct run *r = arg;
	struct hit *c = &r->cur;
	size_t n = ic_cands_avail(r->img, phys, IC_MAX_BANNER_LEN + 2);
	PCRE2_SIZE *ov;
	bool near_btf, rel_ok;
	int sc, rc;

	c->phys = phys;
	if (!n || ic_image__read(r->img, phys, c->text, n))
		return 0;
	rc = pcre2_match(r->re, (PCRE2_SPTR)c->text, n, 0, 0, r->md, NULL);
	if (rc < 2)
		return 0;
	ov = pcre2_get_ovector_pointer(r->md);
	c->line_len = ov[1];
	c->rel_len = ov[3] - ov[2];
	/* The printable run must end the line: "\n" (linux_banner, /proc/version copies, logs)
	 * or a NUL (a printk record's text has no newline). A run cut by IC_MAX_BANNER_LEN or by
	 * a hole is not a banner. */
	if (c->line_len >= n || (c->text[c->line_len] != '\n' && c->text[c->line_len] != '\0'))
		return 0;
	c->exact = c->text[c->line_len] == '\n' && c->line_len + 1 < n && c->text[c->line_len + 1] == '\0';
	c->len = c->exact ? c->line_len + 2 : c->line_len + (c->text[c->line_len] == '\n');
	c->text[c->len] = '\0';
	r->copies++;
	r->exact += c->exact;
	count_distinct(r, c);
	count_release(r, c);
	count_text(r, c);
	sc = score(r, c, &near_btf, &rel_ok);
	/* Ties: nearest to the BTF blob, then the lowest address (first seen). */
	if (sc > r->best_score ||
	    (sc == r->best_score && r->f->btf &&
	     dist(c->phys, r->f->btf->phys) < dist(r->best.phys, r->f->btf->phys))) {
		memcpy(&r->best, c, sizeof(*c));
		r->have_best = true;
		r->best_score = sc;
		r->best_near = near_btf;
		r->best_rel = rel_ok;
	}
	return 0;
}

/* Byte offset of member `name` of struct/union id (bitfields: none), and its type. 0 or -1. */
static int member(const struct ic_btf *b, uint32_t id, const char *name, uint64_t *off,
		  uint32_t *type)
{
	const uint32_t *rec = ic_btf__rec(b, ic_btf__skip(b, id, true));
	unsigned k = rec ? ic_btf_kind(rec[1]) : 0;

	if (k != IC_BTF_STRUCT && k != IC_BTF_UNION)
		return -1;
	for (uint32_t i = 0; i < ic_btf_vlen(rec[1]); i++) {
		uint32_t bits = ic_btf_kflag(rec[1]) ? rec[5 + 3 * i] & 0xffffff : rec[5 + 3 * i];

		if (strcmp(ic_btf__str(b, rec[3 + 3 * i]), name) || bits % 8)
			continue;
		*off = bits / 8;
		if (type)
			*type = rec[4 + 3 * i];
		return 0;
	}
	return -1;
}

/*
 * The running kernel's release and version as init_uts_ns holds them (struct uts_namespace
 * .name, a struct new_utsname: char release[65], version[65]), read at kallsyms' init_uts_ns
 * through the BTF's layout. Independent of linux_banner's bytes: "Linux version " release
 * " (" by "@" host ") (" compiler ") " version "\n". 0, or -1 when not readable.
 */
static int read_uts(const struct run *r, char rel[IC_UTS_LEN], char ver[IC_UTS_LEN])
{
	const struct ic_btf *b = r->f->btf ? r->f->btf->model : NULL;
	uint64_t pa, name, o_rel, o_ver;
	uint32_t un;

	if (!b || ic_ksym_pa(r->f->kallsyms, "init_uts_ns", &pa) ||
	    member(b, ic_btf__find(b, "uts_namespace", IC_BTF_STRUCT), "name", &name, &un) ||
	    member(b, un, "release", &o_rel, NULL) || member(b, un, "version", &o_ver, NULL) ||
	    ic_image__read(r->img, pa + name + o_rel, rel, IC_UTS_LEN) ||
	    ic_image__read(r->img, pa + name + o_ver, ver, IC_UTS_LEN) ||
	    !memchr(rel, '\0', IC_UTS_LEN) || !memchr(ver, '\0', IC_UTS_LEN) || !rel[0] || !ver[0])
		return -1;
	return 0;
}

/* Does a linux_banner text say init_uts_ns' release and version? */
static bool uts_says(const char *t, size_t line_len, const char *rel, const char *ver)
{
	size_t nr = strlen(rel), nv = strlen(ver);

	return line_len > 14 + nr + nv && !memcmp(t + 14, rel, nr) && t[14 + nr] == ' ' &&
	       !memcmp(t + line_len - nv, ver, nv) && t[line_len - nv - 1] == ' ';
}

/*
 * Ubuntu's linux_banner carries the package's version signature after UTS_VERSION:
 * "... #242-Ubuntu SMP Fri Apr 16 09:57:56 UTC 2021 (Ubuntu 4.4.0-210.242-generic 4.4.262)\n",
 * while /proc/version (linux_proc_banner, filled from init_uts_ns) and init_uts_ns' version
 * stop before it (real Ubuntu 4.4, 4.15 and 5.15 images, docs/kallsyms.md). The line's length
 * without such a trailing " (...)" group (no parenthesis inside), else line_len.
 */
static size_t unsigned_len(const char *t, size_t line_len)
{
	if (line_len < 18 || t[line_len - 1] != ')')
		return line_len;
	for (size_t i = line_len - 1; i-- > 15;) {
		if (t[i] == ')')
			return line_len;
		if (t[i] == '(')
			return t[i - 1] == ' ' ? i - 1 : line_len;
	}
	return line_len;
}

/* uts_says(), for the line as it is or without a trailing signature group. */
static bool uts_says_signed(const char *t, size_t line_len, const char *rel, const char *ver)
{
	size_t u = unsigned_len(t, line_len);

	return uts_says(t, line_len, rel, ver) || (u < line_len && uts_says(t, u, rel, ver));
}

/* Is text t (len bytes, "\n\0" included) the kernel's own line without its signature, i.e.
 * what /proc/version prints for it? Such copies confirm the kernel's copy, not contradict it. */
static bool is_unsigned_form(const struct ic_banner_finding *bf, const struct text *t)
{
	size_t u = unsigned_len(bf->text, bf->line_len);

	return u < bf->line_len && t->len == u + 2 && !memcmp(t->text, bf->text, u) &&
	       !memcmp(t->text + u, "\n", 2);
}

/*
 * The running kernel's own copy against the others and init_uts_ns (issue 18 D5). Its bytes
 * win by position (kallsyms' linux_banner), but one damaged byte there must not make the
 * profile's banner: when it is the only copy of its text and another text of the release is
 * held by two or more places, the agreeing text is taken unless init_uts_ns says the
 * kernel's own copy is right and the others are not. The position stays the kernel's (the
 * KASLR checks and the same-kernel tie use it). Disagreement is reported either way.
 */
static void check_own_text(struct run *r, struct ic_banner_finding *bf)
{
	char rel[IC_UTS_LEN], ver[IC_UTS_LEN];
	const struct text *own = NULL, *agree = NULL;
	bool have_uts = !read_uts(r, rel, ver), own_ok, agree_ok;
	const char *path = ic_image__path(r->img);
	unsigned proc_form = 0;

	if (have_uts && uts_says_signed(bf->text, bf->line_len, rel, ver))
		pr_info(r->ctx, "%s: banner: release and version = init_uts_ns'", path);
	if (!bf->at_kallsyms_banner || !bf->linux_banner)
		goto verdict;
	for (unsigned i = 0; i < r->ntexts; i++) {
		const struct text *t = &r->texts[i];

		if (t->len == bf->len && !memcmp(t->text, bf->text, bf->len))
			own = t;
		else if (is_unsigned_form(bf, t))
			proc_form += t->count;
		else if (t->count >= 2 && (!agree || t->count > agree->count))
			agree = t;
	}
	if (proc_form)
		pr_info(r->ctx, "%s: banner: %u copies hold the kernel's linux_banner without its "
			"trailing signature group (as /proc/version prints it): they confirm it", path,
			proc_form);
	if (own && own->count == 1 && !agree) {
		/* One other copy (or several, each different) of this release: one against one,
		 * and init_uts_ns holds only release and version, so a difference in the rest
		 * (compile-by, host, compiler) cannot be settled: in doubt, not a coin toss. */
		size_t nrel = strlen(bf->release);

		for (unsigned i = 0; i < r->ntexts; i++) {
			const struct text *t = &r->texts[i];

			if (t == own || is_unsigned_form(bf, t) || t->len < 16 + nrel ||
			    memcmp(t->text + 14, bf->release, nrel) ||
			    t->text[14 + nrel] != ' ' ||
			    (have_uts && !uts_says_signed(t->text, t->len - 2, rel, ver)))
				continue;
			snprintf(bf->doubt, sizeof(bf->doubt), "the kernel's linux_banner at 0x%"
				 PRIx64 " and a copy at 0x%" PRIx64 " of the same release differ, and "
				 "no third copy or init_uts_ns settles which is right", bf->phys,
				 t->phys);
			/* info: bf->doubt is the callers' to say once (profile's exit-3 line,
			 * scan's and extract's output) */
			pr_info(r->ctx, "%s: banner: %s", path, bf->doubt);
			break;
		}
	}
	if (!own || own->count != 1 || !agree)
		goto verdict;
	own_ok = have_uts && uts_says_signed(bf->text, bf->line_len, rel, ver);
	agree_ok = !have_uts || uts_says_signed(agree->text, agree->len - 2, rel, ver);
	if (own_ok && !agree_ok) {
		pr_warn(r->ctx, "%s: banner: the kernel's linux_banner differs from %u agreeing copies "
			"(first at 0x%" PRIx64 "), which init_uts_ns contradicts: kept the kernel's",
			path, agree->count, agree->phys);
		goto verdict;
	}
	if (!agree_ok) {
		pr_warn(r->ctx, "%s: banner: the kernel's linux_banner at 0x%" PRIx64 " differs from "
			"%u agreeing copies (first at 0x%" PRIx64 ") and init_uts_ns confirms neither",
			path, bf->phys, agree->count, agree->phys);
		goto verdict;
	}
	pr_warn(r->ctx, "%s: banner: the kernel's linux_banner at 0x%" PRIx64 " is the only copy of "
		"its text; %u copies (first at 0x%" PRIx64 ") agree on another%s: took theirs",
		path, bf->phys, agree->count, agree->phys,
		!have_uts ? " (no init_uts_ns to compare with)"
		: own_ok ? " that init_uts_ns' release and version also match"
			 : ", which init_uts_ns' release and version match");
	memcpy(bf->text, agree->text, agree->len + 1);
	bf->len = agree->len;
	bf->line_len = agree->len - 2;
	bf->text_from_copies = agree->count;
verdict:
	/* What init_uts_ns says the running kernel is, and nothing that agrees with it to take
	 * instead: the banner, and so the profile's identity, is in doubt. */
	if (have_uts && !bf->doubt[0] && !uts_says_signed(bf->text, bf->line_len, rel, ver)) {
		snprintf(bf->doubt, sizeof(bf->doubt), "the banner at 0x%" PRIx64 " does not say "
			 "init_uts_ns' release %s and version %s", bf->phys, rel, ver);
		pr_info(r->ctx, "%s: banner: %s", path, bf->doubt); /* info: as above */
	}
}

static int banner_finish(const struct ic_ctx *ctx, const struct ic_image *img, void *const *states,
			 unsigned nstates, void *prep, struct ic_findings *out)
{
	struct run *r;
	struct hit *best;
	struct ic_banner_finding *bf = NULL;
	int errcode, err = 0;
	unsigned rescans = 0;
	PCRE2_SIZE erroff;

	(void)prep; /* this carver has no prepare() */

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ctx = ctx;
	r->img = img;
	r->f = out;
	r->best_score = -1;
	r->seed = ic_hash_seed();
	r->osrel = out->vmcoreinfo ? ic_vmcoreinfo__get(out->vmcoreinfo, "OSRELEASE") : NULL;
	r->have_ks = !ic_ksym_pa(out->kallsyms, "linux_banner", &r->ks_pa);
	r->re = pcre2_compile((PCRE2_SPTR)banner_re, PCRE2_ZERO_TERMINATED, PCRE2_NO_UTF_CHECK, &errcode,
			      &erroff, NULL);
	if (!r->re) {
		free(r);
		return -EINVAL; /* our own pattern: a build problem, not input */
	}
	(void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE); /* optional speed-up; interpreter otherwise */
	r->md = pcre2_match_data_create_from_pattern(r->re, NULL);
	if (!r->md) {
		err = -ENOMEM;
		goto out;
	}
	/* Every hit, in phys order: stored ones, and the spans that overflowed a state scanned
	 * again (streaming), so no flood of fakes before or after hides the real banner. The one
	 * at kallsyms' linux_banner is among them (the scan saw it) and outranks all. */
	for (unsigned s = 0; s < nstates && !err; s++) {
		const struct ic_cands *c = states[s];

		for (size_t i = 0; c && i < c->n && !err; i++)
			err = try_hit(r, c->phys[i]);
		if (c && c->overflow && !err) {
			rescans++;
			err = ic_cands_rescan(img, c->drop_lo, c->drop_hi, NEEDLE, sizeof(NEEDLE) - 1, try_hit, r);
		}
	}
	if (err)
		goto out;
	if (rescans)
		pr_info(ctx, "%s: banner: %u batches had more than %u \"" NEEDLE "\" hits; their rest was "
			"scanned again", ic_image__path(img), rescans, IC_CANDS_PER_STATE);
	if (!r->have_best) {
		err = -IC_ENOTFOUND;
		goto out;
	}
	best = &r->best;
	bf = calloc(1, sizeof(*bf));
	/* room for an agreeing copy's text too (check_own_text) */
	if (!bf || !(bf->text = malloc(IC_MAX_BANNER_LEN + 3))) {
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
	bf->copies = r->copies;
	bf->exact_copies = r->exact;
	bf->distinct = r->distinct;
	bf->releases = r->nrel;
	bf->near_btf = r->best_near;
	bf->release_matches_vmcoreinfo = r->best_rel;
	bf->at_kallsyms_banner = r->have_ks && best->phys == r->ks_pa;
	check_own_text(r, bf);
	if (!best->exact)
		pr_warn(ctx, "%s: banner: no copy in the linux_banner form (\"...\\n\\0\"); took the one at 0x%" PRIx64,
			ic_image__path(img), best->phys);
	if (r->osrel && !r->best_rel)
		pr_warn(ctx, "%s: banner: release %s differs from VMCOREINFO OSRELEASE %s", ic_image__path(img),
			bf->release, r->osrel);
	if (r->have_ks && !bf->at_kallsyms_banner)
		pr_warn(ctx, "%s: banner: none at kallsyms' linux_banner (phys 0x%" PRIx64 "); took the one at 0x%" PRIx64,
			ic_image__path(img), r->ks_pa, best->phys);
	pr_info(ctx, "%s: banner: at 0x%" PRIx64 " (%u copies, %u in linux_banner form, %u distinct, %u releases)%s%s%s",
		ic_image__path(img), bf->phys, r->copies, r->exact, r->distinct, r->nrel,
		bf->at_kallsyms_banner ? ", at kallsyms linux_banner" : "", r->best_near ? ", near the BTF" : "",
		r->best_rel ? ", release = VMCOREINFO OSRELEASE" : "");
	out->banner = bf;
out:
	pcre2_match_data_free(r->md);
	pcre2_code_free(r->re);
	free(r);
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
