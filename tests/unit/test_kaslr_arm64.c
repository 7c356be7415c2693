/* SPDX-License-Identifier: MIT */
/* arm64 KASLR on fx-arm64-forky-7.2 with kallsyms as a kernel without KALLSYMS_ALL has it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "isfcarve/carver.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/kaslr.h"
#include "4-kaslr/kaslr_internal.h"

/*
 * Without CONFIG_KALLSYMS_ALL, scripts/kallsyms keeps only symbols inside _stext.._etext and
 * _sinittext.._einittext: no data symbols, and on arm64 no _text (it lies 64 KiB below _stext).
 * Debian's arm64 6.1 is such a kernel (docs/arm64.md, docs/validation.md); the fixture has
 * KALLSYMS_ALL, so this test hides what such a kernel would lack from the solver and requires
 * the same answer: runtime _text from VMCOREINFO MODULES_END, equal to truth/slide.txt.
 */

struct hidden {
	const struct ic_kallsyms *ks;
	uint64_t stext, etext, sinit, einit;
};

static uint64_t addr_of(const struct ic_kallsyms *ks, const char *name)
{
	long i = ic_kallsyms__find(ks, name);

	return i < 0 ? 0 : ks->syms[i].addr;
}

static int text_only_sym(void *arg, const char *name, uint64_t *va)
{
	const struct hidden *h = arg;
	long i = ic_kallsyms__find(h->ks, name);
	uint64_t a;

	if (i < 0)
		return -IC_ENOTFOUND;
	a = h->ks->syms[i].addr;
	if ((a >= h->stext && a <= h->etext) || (a >= h->sinit && a <= h->einit)) {
		*va = a;
		return 0;
	}
	return -IC_ENOTFOUND;
}

static uint64_t keyval(const char *path, const char *key)
{
	char line[512];
	uint64_t v = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			v = strtoull(line + strlen(key), NULL, 0);
			break;
		}
	fclose(f);
	return v;
}

static void print_msg(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "  [%d] %s\n", lvl, msg);
}

static bool has_evidence(const struct ic_kaslr *k, const char *what)
{
	for (size_t i = 0; i < k->nevidence; i++)
		if (!strcmp(k->evidence[i].what, what))
			return true;
	return false;
}

/*
 * VA_BITS_MIN without KERNELOFFSET, from where the runtime _text lies, the granule and the
 * page tables' VA size (all three were ignored: 48 assumed, so a 39-bit Android or a 64K-page
 * kernel got a link base 2^47 - 2^38 or 2^47 - 2^41 off). The values are the layouts'
 * _PAGE_END plus MODULES_VSIZE and KASLR offsets inside each layout's vmalloc area.
 */
static void test_va_bits_min(void)
{
	static const struct {
		uint64_t t;
		unsigned shift, va, want; /* want 0: refused */
	} c[] = {
		{ 0xffff800080000000ull, 12, 48, 48 },	  /* 6.5+ nokaslr, Debian */
		{ 0xffffa1b2c0000000ull, 12, 48, 48 },
		{ 0xffffd00000000000ull, 12, 48, 48 },	  /* KASLR above _PAGE_END(47), 4K: 48 */
		{ 0xffffd00000000000ull, 16, 52, 48 },	  /* 64K, 52-bit VA: VA_BITS_MIN 48 */
		{ 0xffffd00000000000ull, 14, 48, 48 },	  /* 16K: the walk tells 48 ... */
		{ 0xffffd00000000000ull, 14, 47, 47 },	  /* ... from 47 */
		{ 0xffffd00000000000ull, 14, 52, 47 },	  /* 16K LPA2: VA_BITS_MIN 47 */
		{ 0xffffd00000000000ull, 14, 0, 0 },	  /* 16K, no walk: 47 or 48 */
		{ 0xffffffc080000000ull, 12, 39, 39 },	  /* Android, 39-bit */
		{ 0xffffffd5a1200000ull, 12, 0, 39 },
		{ 0xffffffd5a1200000ull, 0, 0, 39 },
		{ 0xffffffd5a1200000ull, 16, 0, 0 },	  /* 39-bit place, 64K pages */
		{ 0xffffffd5a1200000ull, 12, 48, 0 },	  /* the walk says 48 */
		{ 0xfffffe0080000000ull, 16, 42, 42 },	  /* 64K, 42-bit */
		{ 0xfffffff808000000ull, 14, 36, 36 },	  /* 16K, 36-bit */
		{ 0xffff000000000000ull, 12, 48, 0 },	  /* the linear map: no kernel image */
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *why = NULL;
		unsigned min = 0;
		int err = ic_kaslr_arm64_va_bits_min(c[i].t, c[i].shift, c[i].va, &min, &why);

		IC_CHECK(c[i].want ? !err && min == c[i].want : err && why,
			 "_text 0x%" PRIx64 ", page shift %u, VA %u: %d, VA_BITS_MIN %u want %u (%s)",
			 c[i].t, c[i].shift, c[i].va, err, min, c[i].want, why ? why : "");
	}
	{
		uint64_t text = 0;
		const char *why = NULL;

		IC_CHECK(!ic_kaslr__arm64_text("6.6.30-android15", 39, &text, &why) &&
				 text == 0xffffffc080000000ull,
			 "39-bit 6.6 link _text 0x%" PRIx64, text);
	}
}

int main(void)
{
	struct ic_ctx ctx = { .print = print_msg, .level = IC_LOG_WARN };
	const char *fx = "fx-arm64-forky-7.2";
	char buf[4096], sbuf[4096];
	const char *path = ic_test_fixture(fx, "mem.elf", buf, sizeof(buf));
	const char *slide = path ? ic_test_fixture(fx, "truth/slide.txt", sbuf, sizeof(sbuf)) : NULL;
	struct ic_image *img = NULL;
	struct ic_findings f;
	struct ic_kaslr_input in;
	struct ic_kaslr *k = NULL;
	struct hidden h;
	uint64_t want_runtime, want_link, want_slide, v;
	int err;

	test_va_bits_min();
	if (!path || !slide)
		return ic_test_no_fixture();
	want_runtime = keyval(slide, "runtime_text=");
	want_link = keyval(slide, "systemmap_text=");
	want_slide = keyval(slide, "kaslr_virtual_slide=");
	IC_CHECK(want_runtime && want_link && want_slide, "truth/slide.txt values");
	err = ic_image__open(&ctx, path, &img);
	IC_CHECK(err == 0, "open %s: %d", path, err);
	if (err)
		return IC_TEST_DONE();
	memset(&f, 0, sizeof(f));
	err = ic_scan(&ctx, img, &f);
	IC_CHECK(err == 0 && f.kallsyms && f.vmcoreinfo, "scan: %d", err);
	if (err || !f.kallsyms || !f.vmcoreinfo)
		goto out;

	h.ks = f.kallsyms;
	h.stext = addr_of(f.kallsyms, "_stext");
	h.etext = addr_of(f.kallsyms, "_etext");
	h.sinit = addr_of(f.kallsyms, "_sinittext");
	h.einit = addr_of(f.kallsyms, "_einittext");
	IC_CHECK(h.stext && h.etext && h.sinit && h.einit, "text range markers in kallsyms");
	ic_kaslr__input_from_findings(&f, img, &in);
	in.sym_virt = text_only_sym;
	in.sym_phys = NULL;
	in.sym_arg = &h;
	IC_CHECK(text_only_sym(&h, "_text", &v) == -IC_ENOTFOUND &&
		 text_only_sym(&h, "kimage_voffset", &v) == -IC_ENOTFOUND &&
		 text_only_sym(&h, "start_kernel", &v) == 0, "the filter hides _text and data");

	err = ic_kaslr__solve(&ctx, &in, &k);
	IC_CHECK(err == 0 && k, "solve without _text: %d", err);
	if (k) {
		fprintf(stderr, "no _text: method %s, link %s, runtime 0x%" PRIx64 ", link 0x%" PRIx64
			", %u levels\n", k->method, k->link_method, k->runtime_text, k->link_text,
			k->levels);
		IC_CHECK(k->runtime_text == want_runtime, "runtime_text 0x%" PRIx64 " want 0x%" PRIx64,
			 k->runtime_text, want_runtime);
		IC_CHECK(k->link_text == want_link, "link_text 0x%" PRIx64 " want 0x%" PRIx64,
			 k->link_text, want_link);
		IC_CHECK(k->virtual_slide == want_slide, "slide 0x%" PRIx64, k->virtual_slide);
		IC_CHECK(!k->link_text_assumed, "link _text not assumed");
		IC_CHECK(has_evidence(k, "vmcoreinfo:MODULES_END"), "MODULES_END evidence");
		IC_CHECK(k->levels == 5 && k->consistent, "tables %u, consistent %d", k->levels,
			 k->consistent);
		for (size_t i = 0; i < k->nevidence; i++)
			IC_CHECK(k->evidence[i].ok, "evidence %s: %s", k->evidence[i].what,
				 k->evidence[i].detail);
		ic_kaslr__free(k);
		k = NULL;
	}

	/* The full kallsyms takes _text from kallsyms, not the fallback. */
	ic_kaslr__input_from_findings(&f, img, &in);
	err = ic_kaslr__solve(&ctx, &in, &k);
	IC_CHECK(err == 0 && k && k->runtime_text == want_runtime &&
		 !has_evidence(k, "vmcoreinfo:MODULES_END"), "solve with _text: %d", err);
	ic_kaslr__free(k);
	k = NULL;

	/* No VMCOREINFO: the link base from the banner's release (the layout moved in 6.5), an
	 * exit-3 doubt before 6.1, the 6.5+ default only when no release is known. */
	{
		static const struct {
			const char *release;
			uint64_t link; /* 0: in doubt */
		} rel[] = {
			{ NULL, 0xffff800080000000ull },
			{ "7.2.0-1-arm64", 0xffff800080000000ull },
			{ "6.5.0", 0xffff800080000000ull },
			{ "6.4.16", 0xffff800008000000ull },
			{ "6.1.0-27-arm64", 0xffff800008000000ull },
			{ "5.10.0-33-arm64", 0 },
			{ "linux", 0 },
		};

		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			ic_kaslr__input_from_findings(&f, img, &in);
			IC_CHECK(in.release && !strncmp(in.release, "7.2.", 4),
				 "the banner's release is handed over: %s", in.release ? in.release : "-");
			in.vmcoreinfo = NULL;
			in.release = rel[i].release;
			err = ic_kaslr__solve(&ctx, &in, &k);
			IC_CHECK(err == 0 && k, "%s: solve without VMCOREINFO: %d", rel[i].release, err);
			if (!k)
				continue;
			IC_CHECK(k->runtime_text == want_runtime, "%s: runtime _text", rel[i].release);
			if (rel[i].link) {
				IC_CHECK(k->link_text == rel[i].link && k->link_text_assumed &&
						 !k->doubt[0],
					 "%s: link _text 0x%" PRIx64 " want 0x%" PRIx64 ", doubt '%s'",
					 rel[i].release, k->link_text, rel[i].link, k->doubt);
			} else {
				/* the release rule's own doubt, not another (not the VA layout's) */
				const char *why = !strcmp(rel[i].release, "linux")
							  ? "the release has no version number"
							  : "no arm64 layout rule for a release before 6.1";

				IC_CHECK(strstr(k->doubt, rel[i].release) && strstr(k->doubt, why),
					 "%s: in doubt for its release (link 0x%" PRIx64 "): '%s'",
					 rel[i].release, k->link_text, k->doubt);
			}
			ic_kaslr__free(k);
			k = NULL;
		}
	}
out:
	ic_findings__release(&f);
	ic_image__free(img);
	return IC_TEST_DONE();
}
