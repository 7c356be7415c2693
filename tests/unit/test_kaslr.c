/* SPDX-License-Identifier: MIT */
/* KASLR solver on the real fixtures, fed from ground-truth symbols, against truth/slide.txt. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "ic_test.h"
#include "phys_mem.h"
#include "isfcarve/error.h"
#include "isfcarve/carver.h"
#include "isfcarve/image.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/live.h"
#include "isfcarve/vmcoreinfo.h"
#include "0-base/ic_limits.h"
#include "4-kaslr/kaslr_internal.h"

/*
 * The solver's inputs normally come from the carvers. Here they come from the guest's own
 * /proc/kallsyms (truth/kallsyms: runtime addresses) and truth/vmcoreinfo.txt, so this test
 * checks the solver and the page-table walker alone, on real memory, against the truth the
 * guest reported (truth/slide.txt, truth/iomem "Kernel code").
 */

struct sym {
	uint64_t addr;
	char name[128];
};

struct truth {
	struct sym *syms;
	size_t nsyms;
	uint64_t runtime_text, slide, code_phys, phys_base;
	unsigned levels; /* slide.txt's paging_levels (VMCOREINFO pgtable_l5_enabled) */
	char *banner; /* truth/version + "\n\0" */
	size_t banner_len;
	char *vmcoreinfo;
	size_t vmcoreinfo_len;
	const struct truth *phys_of; /* sym_phys mode: convert runtime with this truth */
};

static char *slurp(const char *fx, const char *file, size_t *len)
{
	char buf[4096];
	const char *p = ic_test_fixture(fx, file, buf, sizeof(buf));
	FILE *f;
	char *s;
	long n;

	if (!p || !(f = fopen(p, "rb")))
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	if (!s || fread(s, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(s);
		return NULL;
	}
	fclose(f);
	s[n] = '\0';
	*len = (size_t)n;
	return s;
}

static uint64_t keyval(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 0) : 0;
}

static int load_truth(const char *fx, struct truth *t)
{
	size_t len;
	char *ks = slurp(fx, "truth/kallsyms", &len), *slide = slurp(fx, "truth/slide.txt", &len);
	char *iomem = slurp(fx, "truth/iomem", &len), *derived = slurp(fx, "truth/derived.txt", &len);
	char *ver = slurp(fx, "truth/version", &len), *line, *save = NULL, *kc;

	memset(t, 0, sizeof(*t));
	t->vmcoreinfo = slurp(fx, "truth/vmcoreinfo.txt", &t->vmcoreinfo_len);
	if (!ks || !slide || !iomem || !derived || !ver || !t->vmcoreinfo)
		return -1;
	/* The truth file starts with a "# where it was read" comment line: not VMCOREINFO. */
	while (t->vmcoreinfo[0] == '#') {
		char *nl = strchr(t->vmcoreinfo, '\n');
		size_t skip = nl ? (size_t)(nl - t->vmcoreinfo) + 1 : t->vmcoreinfo_len;

		memmove(t->vmcoreinfo, t->vmcoreinfo + skip, t->vmcoreinfo_len - skip + 1);
		t->vmcoreinfo_len -= skip;
	}
	t->syms = calloc(400000, sizeof(*t->syms));
	for (line = strtok_r(ks, "\n", &save); line && t->nsyms < 400000;
	     line = strtok_r(NULL, "\n", &save)) {
		char type, name[128];
		unsigned long long a;

		if (sscanf(line, "%llx %c %127s", &a, &type, name) != 3 || strchr(line, '['))
			continue;
		t->syms[t->nsyms].addr = a;
		snprintf(t->syms[t->nsyms].name, sizeof(t->syms[0].name), "%s", name);
		t->nsyms++;
	}
	t->runtime_text = keyval(slide, "runtime_text=");
	t->slide = keyval(slide, "kaslr_virtual_slide=");
	t->levels = (unsigned)keyval(slide, "paging_levels=");
	kc = strstr(iomem, " : Kernel code");
	while (kc > iomem && kc[-1] != '\n')
		kc--;
	t->code_phys = strtoull(kc, NULL, 16);
	t->phys_base = (uint64_t)strtoll(strstr(derived, "\nphys_base=") + 11, NULL, 0);
	while (len && ver[len - 1] == '\n')
		len--;
	t->banner = malloc(len + 2);
	memcpy(t->banner, ver, len);
	t->banner[len] = '\n';
	t->banner[len + 1] = '\0';
	t->banner_len = len + 2;
	free(ks);
	free(slide);
	free(iomem);
	free(derived);
	free(ver);
	return 0;
}

static int truth_sym(void *arg, const char *name, uint64_t *va)
{
	const struct truth *t = arg;

	for (size_t i = 0; i < t->nsyms; i++)
		if (!strcmp(t->syms[i].name, name)) {
			*va = t->syms[i].addr;
			return 0;
		}
	return -IC_ENOTFOUND;
}

/* 7.0+ style input: physical addresses only. */
static int truth_sym_phys(void *arg, const char *name, uint64_t *pa)
{
	const struct truth *t = arg;
	uint64_t va;
	int err = truth_sym(arg, name, &va);

	if (!err)
		*pa = va - IC_X86_START_KERNEL_MAP + t->phys_base;
	return err;
}

/* Every physical address where the exact banner bytes are (several copies in RAM). */
static size_t find_banners(const struct ic_image *img, const struct truth *t, uint64_t *out,
			   size_t max)
{
	const struct ic_range *r = ic_image__ranges(img);
	size_t n = 0;
	uint8_t *buf = malloc(1u << 20);

	for (size_t i = 0; i < ic_image__nranges(img); i++)
		for (uint64_t off = 0; off < r[i].len; off += (1u << 20) - 512) {
			size_t len = (size_t)(r[i].len - off < (1u << 20) ? r[i].len - off : (1u << 20));

			if (ic_image__read(img, r[i].phys + off, buf, len))
				continue;
			for (uint8_t *p = buf; (p = memmem(p, len - (size_t)(p - buf), t->banner,
							   t->banner_len));
			     p++) {
				uint64_t pa = r[i].phys + off + (uint64_t)(p - buf);

				if (n < max && (n == 0 || out[n - 1] != pa))
					out[n++] = pa;
			}
		}
	free(buf);
	return n;
}

static void print_msg(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "  [%d] %s\n", lvl, msg);
}

static void check_result(const char *what, const struct ic_kaslr *k, const struct truth *t,
			 bool want_consistent)
{
	fprintf(stderr, "%s: method %s, link %s\n", what, k->method, k->link_method);
	IC_CHECK(k->phys_text == t->code_phys, "%s: phys_text 0x%" PRIx64 " want 0x%" PRIx64, what,
		 k->phys_text, t->code_phys);
	IC_CHECK(k->runtime_text == t->runtime_text, "%s: runtime_text 0x%" PRIx64, what,
		 k->runtime_text);
	IC_CHECK(k->virtual_slide == t->slide, "%s: slide 0x%" PRIx64 " want 0x%" PRIx64, what,
		 k->virtual_slide, t->slide);
	IC_CHECK(k->link_text == IC_X86_DEFAULT_LINK_TEXT, "%s: link_text 0x%" PRIx64, what,
		 k->link_text);
	IC_CHECK(k->phys_base == t->phys_base, "%s: phys_base 0x%" PRIx64, what, k->phys_base);
	IC_CHECK(k->levels == t->levels, "%s: levels %u want %u", what, k->levels, t->levels);
	IC_CHECK(k->consistent == want_consistent, "%s: consistent %d", what, k->consistent);
	for (size_t i = 0; i < k->nevidence; i++)
		fprintf(stderr, "    %-26s %s  %s\n", k->evidence[i].what,
			k->evidence[i].ok ? "ok" : "MISMATCH", k->evidence[i].detail);
}


/* Write m[0..size) to a temp file (path is its mkstemp template) and open it as a raw image.
 * False, with a failed check, when that cannot be done. */
static bool temp_image(const uint8_t *m, size_t size, char *path, struct ic_image **img)
{
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, m, size) != (ssize_t)size) {
		IC_CHECK(0, "temp image");
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	IC_CHECK(ic_image__open_as(NULL, path, "raw", img) == 0, "open");
	return true;
}

/* Synthetic image: kernel tables only (found by structure) and an embedded IKCONFIG whose
 * CONFIG_PHYSICAL_START is not the default: the link base must come from it. decoys
 * "IKCFG_ST" + broken gzip streams before it: up to IC_MAX_IKCONFIG_TRIES streams are
 * inflated, so with that many decoys the real one is not reached (the default is assumed). */
static void put64(uint8_t *m, uint64_t pa, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		m[pa + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static size_t gzip_text(const char *text, uint8_t *out, size_t cap)
{
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	zs.next_in = (Bytef *)(uintptr_t)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		return 0;
	deflateEnd(&zs);
	return zs.total_out;
}

static void run_synthetic(bool with_config, bool corrupt, unsigned decoys, const char *other_cfg)
{
	const size_t size = 8u << 20;
	const uint64_t pgd = 0x1000, l3 = 0x2000, l2 = 0x3000, phys_text = 0x200000;
	const unsigned i0 = 40; /* runtime _text = MAP + 80 MiB */
	const char *cfg = other_cfg ? other_cfg
				    : "# comment\nCONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x2000000\n"
				      "CONFIG_PHYSICAL_ALIGN=0x1000000\nCONFIG_IKCONFIG=y\n";
	uint8_t *m = calloc(1, size);
	char path[] = "/tmp/ic_test_kaslr.XXXXXX";
	struct ic_image *img = NULL;
	struct ic_kaslr *k = NULL;
	struct ic_kaslr_input in = { .structure_only = true };

	put64(m, pgd + 511 * 8, l3 | 3);
	put64(m, pgd + 273 * 8, 0x5000 | 3); /* a direct-map entry: this is a 4-level PGD */
	put64(m, l3 + 510 * 8, l2 | 3);
	for (unsigned i = 0; i < 6; i++)
		put64(m, l2 + (i0 + i) * 8, (phys_text + i * 0x200000ull) | 0x80 | 3);
	put64(m, l2 + 2 * 8, 0x123400000ull | 0x80); /* stale, PRESENT cleared */
	if (with_config) {
		uint64_t at = phys_text + 0x100000;
		size_t n;

		memcpy(m + 0x100, "IKCFG_ST", 8); /* outside the kernel image: ignored */
		memcpy(m + at, "IKCFG_ST", 8);
		n = gzip_text(cfg, m + at + 8, 4096);
		IC_CHECK(n > 0, "gzip");
		if (corrupt)
			m[at + 8 + n / 2] ^= 0xff;
		memcpy(m + at + 8 + n, "IKCFG_ED", 8);
		for (unsigned i = 0; i < decoys; i++) {
			static const uint8_t hdr[] = "IKCFG_ST\x1f\x8b\x08\0\0\0\0\0\0\x03";
			uint8_t *d = m + phys_text + 0x80000 + i * 64u;

			memcpy(d, hdr, sizeof(hdr) - 1);
			memset(d + sizeof(hdr) - 1, 0xff, 32); /* deflate block type 3: an error */
		}
	}
	corrupt = corrupt || decoys >= IC_MAX_IKCONFIG_TRIES; /* the config is not reached */
	if (!temp_image(m, size, path, &img)) {
		free(m);
		return;
	}
	in.img = img;
	IC_CHECK(ic_kaslr__solve(NULL, &in, &k) == 0, "synthetic solve");
	if (k && other_cfg) {
		/* a cross-check that fails puts the slide in doubt (it was logged, exit 0) */
		IC_CHECK(strstr(k->doubt, "slide:alignment: MISMATCH") && !k->consistent,
			 "failed cross-check: doubt \"%s\"", k->doubt);
		ic_kaslr__free(k);
		k = NULL;
	}
	if (k) {
		uint64_t want_link = with_config && !corrupt ? 0xffffffff82000000ull
							     : IC_X86_DEFAULT_LINK_TEXT;

		IC_CHECK(k->runtime_text == IC_X86_START_KERNEL_MAP + i0 * 0x200000ull,
			 "synthetic runtime _text 0x%" PRIx64, k->runtime_text);
		IC_CHECK(k->phys_text == phys_text && k->pgd_phys == pgd && k->levels == 4,
			 "synthetic phys 0x%" PRIx64 " pgd 0x%" PRIx64, k->phys_text, k->pgd_phys);
		IC_CHECK(k->link_text == want_link, "synthetic link _text 0x%" PRIx64, k->link_text);
		IC_CHECK(!strcmp(k->link_method, with_config && !corrupt ? "ikconfig" : "default"),
			 "link method %s", k->link_method);
		IC_CHECK(k->link_text_assumed == !(with_config && !corrupt), "assumed flag");
		IC_CHECK(k->virtual_slide == k->runtime_text - want_link, "synthetic slide");
		ic_kaslr__free(k);
	}
	ic_image__free(img);
	unlink(path);
	free(m);
}

/* The page-table scan's log: whether the climb read the kept links or swept the image. */
struct climb_log {
	bool links, sweeps;
};

static void climb_log(enum ic_log_level lvl, const char *msg, void *arg)
{
	struct climb_log *l = arg;

	(void)lvl;
	l->links |= strstr(msg, "(the climb reads them)") != NULL;
	l->sweeps |= strstr(msg, "incomplete: the climb sweeps the image") != NULL;
}

/*
 * The climb reads the entries 510/511 the candidate pass kept, and sweeps the image as before
 * when that pass stopped early: here IC_MAX_PGSCAN_CANDIDATES - 1 copies of the level2 page
 * after the real one fill the candidates (the pass stops, its links are partial). Both paths
 * find the same root, and refuse alike a PGD entry with bit 52 set (the links left such an
 * entry out, the sweeps took it: the answer hung on how many look-alikes the image held).
 */
static void run_climb_paths(void)
{
	const size_t size = 8u << 20;
	const uint64_t pgd = 0x1000, l3 = 0x2000, l2 = 0x3000, phys_text = 0x200000;
	const unsigned i0 = 40;

	for (int run = 0; run < 4; run++) {
		int copies = run & 1, high = run >> 1;
		uint8_t *m = calloc(1, size);
		char path[] = "/tmp/ic_test_kaslr.XXXXXX";
		struct climb_log log = { false, false };
		struct ic_ctx ctx = { .print = climb_log, .print_arg = &log, .level = IC_LOG_DEBUG };
		struct ic_image *img = NULL;
		struct ic_kaslr *k = NULL;
		struct ic_kaslr_input in = { .structure_only = true };

		if (!m) {
			IC_CHECK(0, "alloc");
			return;
		}
		put64(m, pgd + 511 * 8, l3 | 3 | (high ? 1ull << 52 : 0));
		put64(m, pgd + 273 * 8, 0x5000 | 3);
		put64(m, l3 + 510 * 8, l2 | 3);
		for (unsigned i = 0; i < 6; i++)
			put64(m, l2 + (i0 + i) * 8, (phys_text + i * 0x200000ull) | 0x80 | 3);
		for (unsigned c = 0; copies && c + 1 < IC_MAX_PGSCAN_CANDIDATES; c++)
			memcpy(m + 0x400000 + c * 0x1000ull, m + l2, 0x1000);
		if (!temp_image(m, size, path, &img)) {
			free(m);
			return;
		}
		in.img = img;
		if (high)
			IC_CHECK(ic_kaslr__solve(&ctx, &in, &k) != 0 && !k,
				 "climb %s: a table pointer with bit 52 taken",
				 copies ? "by sweeps" : "by links");
		else
			IC_CHECK(ic_kaslr__solve(&ctx, &in, &k) == 0 && k && k->pgd_phys == pgd &&
					 k->levels == 4 && k->phys_text == phys_text,
				 "climb %s: root 0x%" PRIx64, copies ? "by sweeps" : "by links",
				 k ? k->pgd_phys : 0);
		IC_CHECK(copies ? log.sweeps && !log.links : log.links && !log.sweeps,
			 "climb %s: the log says links %d, sweeps %d", copies ? "by sweeps" : "by links",
			 log.links, log.sweeps);
		ic_kaslr__free(k);
		ic_image__free(img);
		unlink(path);
		free(m);
	}
}

/*
 * The config kallsyms places (ikconfig.c): kernel_config_data is the gzip stream after the
 * "IKCFG_ST" magic from Linux 5.2, the magic itself before (old kernel/configs.c read
 * kernel_config_data + MAGIC_SIZE). Synthetic image as run_synthetic, symbols from sym_virt.
 */
enum placed_mode {
	PLACED_5_2,       /* kernel_config_data just after the magic */
	PLACED_OLD,       /* kernel_config_data = the magic (before 5.2) */
	PLACED_AND_OTHER, /* placed, plus another kernel's config later in the span: not read */
	DATA_NO_KCD,      /* kallsyms has linux_banner, no kernel_config_data: none taken */
	SPAN_DISAGREE,    /* no data symbols: two configs in the span disagree: none taken */
	SPAN_ONE,         /* no data symbols: the one config in the span */
	SPAN_BAD_START,   /* ... and it says PHYSICAL_START=0x80000000: refused, the default */
	SPAN_THEN_DECOYS, /* the one config, then IC_MAX_IKCONFIG_TRIES broken streams: taken */
};

struct placed_syms {
	enum placed_mode mode;
	uint64_t kcd_va, banner_va;
	char log[16384];
};

static int placed_sym(void *arg, const char *name, uint64_t *va)
{
	const struct placed_syms *ps = arg;

	if (ps->mode == SPAN_DISAGREE || ps->mode == SPAN_ONE || ps->mode == SPAN_BAD_START ||
	    ps->mode == SPAN_THEN_DECOYS)
		return -IC_ENOTFOUND;
	if (!strcmp(name, "linux_banner")) {
		*va = ps->banner_va;
		return 0;
	}
	if (!strcmp(name, "kernel_config_data") && ps->mode != DATA_NO_KCD) {
		*va = ps->kcd_va;
		return 0;
	}
	return -IC_ENOTFOUND;
}

static void placed_log(enum ic_log_level lvl, const char *msg, void *arg)
{
	struct placed_syms *ps = arg;
	size_t n = strlen(ps->log);

	(void)lvl;
	snprintf(ps->log + n, sizeof(ps->log) - n, "%s\n", msg);
}

static void run_placed(enum placed_mode mode)
{
	const size_t size = 8u << 20;
	const uint64_t pgd = 0x1000, l3 = 0x2000, l2 = 0x3000, phys_text = 0x200000;
	const uint64_t at = phys_text + 0x100000, other_at = phys_text + 0x300000;
	const unsigned i0 = 40;
	const char *cfg = mode == SPAN_BAD_START
				  ? "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x80000000\n"
				    "CONFIG_PHYSICAL_ALIGN=0x200000\n"
				  : "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x2000000\n"
				    "CONFIG_PHYSICAL_ALIGN=0x1000000\n";
	const char *other = "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x4000000\n"
			    "CONFIG_PHYSICAL_ALIGN=0x1000000\n";
	uint8_t *m = calloc(1, size);
	char path[] = "/tmp/ic_test_kaslr.XXXXXX";
	struct placed_syms ps = { .mode = mode };
	struct ic_ctx ctx = { .print = placed_log, .print_arg = &ps, .level = IC_LOG_DEBUG };
	struct ic_image *img = NULL;
	struct ic_kaslr *k = NULL;
	struct ic_kaslr_input in = { .sym_virt = placed_sym, .sym_arg = &ps };
	bool want_cfg = mode == PLACED_5_2 || mode == PLACED_OLD || mode == PLACED_AND_OTHER ||
			mode == SPAN_ONE || mode == SPAN_THEN_DECOYS;
	size_t n;

	put64(m, pgd + 511 * 8, l3 | 3);
	put64(m, pgd + 273 * 8, 0x5000 | 3);
	put64(m, l3 + 510 * 8, l2 | 3);
	for (unsigned i = 0; i < 6; i++)
		put64(m, l2 + (i0 + i) * 8, (phys_text + i * 0x200000ull) | 0x80 | 3);
	memcpy(m + at, "IKCFG_ST", 8);
	n = gzip_text(cfg, m + at + 8, 4096);
	IC_CHECK(n > 0, "gzip");
	memcpy(m + at + 8 + n, "IKCFG_ED", 8);
	if (mode == PLACED_AND_OTHER || mode == SPAN_DISAGREE || mode == DATA_NO_KCD) {
		memcpy(m + other_at, "IKCFG_ST", 8);
		n = gzip_text(other, m + other_at + 8, 4096);
		IC_CHECK(n > 0, "gzip");
	}
	for (unsigned i = 0; mode == SPAN_THEN_DECOYS && i < IC_MAX_IKCONFIG_TRIES; i++) {
		static const uint8_t hdr[] = "IKCFG_ST\x1f\x8b\x08\0\0\0\0\0\0\x03";
		uint8_t *d = m + other_at + i * 64u;

		memcpy(d, hdr, sizeof(hdr) - 1);
		memset(d + sizeof(hdr) - 1, 0xff, 32); /* deflate block type 3: an error */
	}
	ps.kcd_va = IC_X86_START_KERNEL_MAP + i0 * 0x200000ull + (at - phys_text) +
		    (mode == PLACED_OLD ? 0 : 8);
	ps.banner_va = IC_X86_START_KERNEL_MAP + i0 * 0x200000ull + 0x500000;
	if (!temp_image(m, size, path, &img)) {
		free(m);
		return;
	}
	in.img = img;
	IC_CHECK(ic_kaslr__solve(&ctx, &in, &k) == 0, "placed %d: solve", mode);
	if (k) {
		uint64_t want = want_cfg ? 0xffffffff82000000ull : IC_X86_DEFAULT_LINK_TEXT;

		IC_CHECK(k->runtime_text == IC_X86_START_KERNEL_MAP + i0 * 0x200000ull,
			 "placed %d: runtime _text 0x%" PRIx64, mode, k->runtime_text);
		IC_CHECK(k->link_text == want && k->virtual_slide == k->runtime_text - want,
			 "placed %d: link _text 0x%" PRIx64 ", want 0x%" PRIx64, mode,
			 k->link_text, want);
		IC_CHECK(!strcmp(k->link_method, want_cfg ? "ikconfig" : "default"),
			 "placed %d: link method %s", mode, k->link_method);
	}
	if (k) {
		/* isfcarve extract's text: the same rule (the config placed, none, or ambiguous) */
		char *text = NULL;
		size_t len = 0;
		int e = ic_ikconfig__text(&ctx, &in, false, 0, k->runtime_text, k->phys_text, &text,
					  &len);

		if (want_cfg || mode == SPAN_BAD_START) /* its text is there, its value refused */
			IC_CHECK(!e && len == strlen(cfg) && !memcmp(text, cfg, len),
				 "placed %d: text: %d, %zu bytes", mode, e, len);
		else
			IC_CHECK(e == (mode == SPAN_DISAGREE ? -IC_EAMBIGUOUS : -IC_ENOTFOUND) && !text,
				 "placed %d: text: %d", mode, e);
		free(text);
	}
	if (mode == SPAN_DISAGREE)
		IC_CHECK(strstr(ps.log, "disagree: neither is taken") != NULL,
			 "span disagree: not reported as such: %s", ps.log);
	if (mode == SPAN_THEN_DECOYS) /* the message once said "none usable" after taking one */
		IC_CHECK(!strstr(ps.log, "none usable") && strstr(ps.log, "taken"),
			 "config then decoys: %s", ps.log);
	if (mode == DATA_NO_KCD)
		IC_CHECK(strstr(ps.log, "no kernel_config_data") != NULL, "data, no kcd: %s",
			 ps.log);
	ic_kaslr__free(k);
	ic_image__free(img);
	unlink(path);
	free(m);
}

/*
 * CONFIG_PHYSICAL_START must put the aligned start inside the 1 GiB kernel mapping: 0x80000000
 * once gave link _text 0xffffffff80000000 + 0x80000000 = 0 (wrapped), caught only by a later
 * cross-check. Through the solver: run_placed's SPAN_BAD_START.
 */
static void run_physical_start(void)
{
	static const struct {
		const char *cfg;
		int err;
		uint64_t text;
	} c[] = {
		{ "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x80000000\nCONFIG_PHYSICAL_ALIGN=0x200000\n",
		  -IC_EFORMAT, 0 },
		{ "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x40000000\nCONFIG_PHYSICAL_ALIGN=0x200000\n",
		  -IC_EFORMAT, 0 },
		/* below 1 GiB, aligned up to it */
		{ "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x3ff00000\nCONFIG_PHYSICAL_ALIGN=0x200000\n",
		  -IC_EFORMAT, 0 },
		{ "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x10000000000\nCONFIG_PHYSICAL_ALIGN=0x200000\n",
		  -IC_EFORMAT, 0 },
		{ "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x3fe00000\nCONFIG_PHYSICAL_ALIGN=0x200000\n",
		  0, 0xffffffffbfe00000ull },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint64_t t = 0;
		int e = ic_live__link_text(NULL, c[i].cfg, strlen(c[i].cfg), "c", &t);

		IC_CHECK(e == c[i].err && (e || t == c[i].text), "PHYSICAL_START case %zu: %d, 0x%" PRIx64,
			 i, e, t);
	}
}

/*
 * The structure-only solve on a copy of the fixture's RAM (in memory) with one decoy
 * level2_kernel_pgt look-alike planted in a zero page below the kernel: PMD entries 1..4 map
 * 2 MiB pages from phys 0, a "kernel image" at [0, 8 MiB). The parents' slots kept for the
 * kernel's own tables were judged against the hull of every candidate's image, which the decoy
 * stretched down to 0: on LA57 every low process PML5 then counted as kernel data, filled the
 * slots, and the scan settled for a 4-level walk from level4_kernel_pgt (a review helper's
 * finding). Now each target carries its own candidate's image.
 */
static void run_decoy_l2(const char *fx, struct ic_image *img, const struct truth *t)
{
	struct ic_ctx ctx = { .print = print_msg, .level = IC_LOG_WARN };
	const struct ic_range *r = ic_image__ranges(img);
	size_t n = ic_image__nranges(img), total = 0, at = SIZE_MAX;
	uint64_t *offs = NULL, decoy = 0;
	struct ic_image *m = NULL;
	struct ic_kaslr *k = NULL;
	uint8_t *buf = pm_copy_image(img, &offs, &total);

	IC_CHECK(buf != NULL, "%s: decoy: a copy of %zu bytes", fx, total);
	/* the first all-zero page from 16 MiB up, below the kernel */
	for (size_t i = 0; buf && i < n && at == SIZE_MAX; i++)
		for (uint64_t pa = (r[i].phys + 4095) & ~4095ull;
		     pa + 4096 <= r[i].phys + r[i].len && pa < t->code_phys; pa += 4096) {
			const uint8_t *pg = buf + offs[i] + (pa - r[i].phys);
			size_t z = 0;

			while (z < 4096 && !pg[z])
				z++;
			if (pa >= (16u << 20) && z == 4096) {
				at = (size_t)(offs[i] + (pa - r[i].phys));
				decoy = pa;
				break;
			}
		}
	IC_CHECK(at != SIZE_MAX, "%s: decoy: no zero page below the kernel", fx);
	if (at != SIZE_MAX) {
		struct ic_kaslr_input in = { .structure_only = true };

		for (unsigned e = 1; e <= 4; e++)
			put64(buf + at, e * 8, (uint64_t)(e - 1) * 0x200000 | 0x81);
		IC_CHECK(ic_image__open_mem(&ctx, "decoy", buf, total, r, offs, n, &m) == 0,
			 "%s: decoy: open", fx);
		in.img = m;
		IC_CHECK(m && ic_kaslr__solve(&ctx, &in, &k) == 0, "%s: decoy: solve", fx);
		if (k) {
			fprintf(stderr, "%s: decoy level2 page at phys 0x%" PRIx64 "\n", fx, decoy);
			check_result("structure-only, a decoy level2 page", k, t, true);
			ic_kaslr__free(k);
		}
		ic_image__free(m);
	}
	free(buf);
	free(offs);
}

static int run_fixture(const char *fx, const char *image_file)
{
	struct ic_ctx ctx = { .print = print_msg, .level = IC_LOG_WARN };
	struct truth t;
	char buf[4096];
	const char *path;
	struct ic_image *img = NULL;
	struct ic_vmcoreinfo *vi = NULL;
	struct ic_kaslr *k = NULL;
	uint64_t banners[16], va, link_init_task, true_banner;
	size_t nb;
	int err;

	path = ic_test_fixture(fx, image_file, buf, sizeof(buf));
	if (!path || load_truth(fx, &t))
		return ic_test_no_fixture();
	err = ic_image__open(&ctx, path, &img);
	IC_CHECK(err == 0, "%s: open %s: %d", fx, path, err);
	if (err)
		return 0;
	IC_CHECK(ic_vmcoreinfo__parse(t.vmcoreinfo, t.vmcoreinfo_len, &vi) == 0, "vmcoreinfo");
	nb = find_banners(img, &t, banners, 16);
	IC_CHECK(nb >= 1, "%s: banner in image", fx);
	truth_sym(&t, "linux_banner", &va);
	true_banner = va - t.runtime_text + t.code_phys;

	/* 0. The pipeline's stage: the carvers' findings in, the solution out. */
	{
		struct ic_findings f;

		err = ic_scan(&ctx, img, &f);
		IC_CHECK(err == 0, "%s: scan: %d", fx, err);
		IC_CHECK(f.vmcoreinfo && f.kallsyms && f.banner && f.btf,
			 "%s: carvers found vmcoreinfo %p kallsyms %p banner %p btf %p", fx,
			 (void *)f.vmcoreinfo, (void *)f.kallsyms, (void *)f.banner, (void *)f.btf);
		err = ic_kaslr__run(&ctx, img, &f, 0, NULL);
		IC_CHECK(err == 0 && f.kaslr, "%s: kaslr stage: %d", fx, err);
		if (f.kaslr) {
			check_result("pipeline", f.kaslr, &t, true);
			IC_CHECK(!strcmp(f.kaslr->method, "vmcoreinfo"), "method %s", f.kaslr->method);
			IC_CHECK(f.kallsyms && !f.kallsyms->addr_is_phys, "kallsyms virtual");
			if (f.kallsyms && !f.kallsyms->addr_is_phys) {
				long i = ic_kallsyms__find(f.kallsyms, "init_task");

				truth_sym(&t, "init_task", &va);
				IC_CHECK(i >= 0 && f.kallsyms->syms[i].addr == va,
					 "kallsyms init_task runtime");
			}
		}
		ic_findings__release(&f);
	}
	/* 1. Everything: VMCOREINFO + kallsyms + banner + tables. */
	{
		struct ic_kaslr_input in = { .img = img, .vmcoreinfo = vi, .sym_virt = truth_sym,
					     .sym_arg = &t, .have_banner = true };

		for (size_t i = 0; i < nb; i++) {
			in.banner_phys = banners[i];
			k = NULL;
			IC_CHECK(ic_kaslr__solve(&ctx, &in, &k) == 0, "%s: solve all", fx);
			if (!k)
				continue;
			/* A wrong banner copy must show up as a mismatch, the true one not. */
			check_result("vmcoreinfo+kallsyms", k, &t, banners[i] == true_banner);
			IC_CHECK(!strcmp(k->method, "vmcoreinfo"), "method %s", k->method);
			IC_CHECK(k->pgd_phys == strtoull(strstr(t.vmcoreinfo, "SYMBOL(init_top_pgt)=") + 21, NULL, 16) -
							IC_X86_START_KERNEL_MAP + t.phys_base,
				 "pgd 0x%" PRIx64, k->pgd_phys);
			/* Read init_task.comm-ish: the banner through the tables. */
			truth_sym(&t, "linux_banner", &va);
			{
				char b[16] = { 0 };

				IC_CHECK(ic_mmu__read(&k->mmu, va, b, 14) == 0 &&
						 !memcmp(b, "Linux version ", 14),
					 "banner through tables");
			}
			truth_sym(&t, "init_task", &va);
			link_init_task = ic_kaslr__link(k, va);
			IC_CHECK(link_init_task == va - t.slide, "link init_task");
			ic_kaslr__free(k);
		}
	}
	/* 2. No VMCOREINFO: kallsyms + banner (each copy; wrong copies fall back to the
	 * phys_base self-check scan). Link _text is the assumed default. */
	{
		struct ic_kaslr_input in = { .img = img, .sym_virt = truth_sym, .sym_arg = &t,
					     .have_banner = true };

		for (size_t i = 0; i < nb; i++) {
			in.banner_phys = banners[i];
			k = NULL;
			IC_CHECK(ic_kaslr__solve(&ctx, &in, &k) == 0, "%s: solve no-vmcoreinfo", fx);
			if (!k)
				continue;
			IC_CHECK(k->link_text_assumed, "assumed link text");
			check_result("kallsyms+banner", k, &t, banners[i] == true_banner);
			IC_CHECK(!strcmp(k->method, banners[i] == true_banner ? "kallsyms+linux_banner"
									       : "kallsyms+phys_base-scan"),
				 "method %s", k->method);
			ic_kaslr__free(k);
		}
	}
	/* 3. kallsyms only (no banner): phys_base self-check scan. */
	{
		struct ic_kaslr_input in = { .img = img, .sym_virt = truth_sym, .sym_arg = &t };

		k = NULL;
		IC_CHECK(ic_kaslr__solve(&ctx, &in, &k) == 0, "%s: solve kallsyms only", fx);
		if (k) {
			IC_CHECK(!strcmp(k->method, "kallsyms+phys_base-scan"), "method %s", k->method);
			check_result("kallsyms-only", k, &t, true);
			ic_kaslr__free(k);
		}
	}
	/* 4. 7.0+ style: kallsyms in physical coordinates. */
	{
		struct ic_kaslr_input in = { .img = img, .sym_phys = truth_sym_phys, .sym_arg = &t };

		k = NULL;
		IC_CHECK(ic_kaslr__solve(&ctx, &in, &k) == 0, "%s: solve kallsyms-phys", fx);
		if (k) {
			IC_CHECK(!strcmp(k->method, "kallsyms-phys+phys_base"), "method %s", k->method);
			check_result("kallsyms-phys", k, &t, true);
			ic_kaslr__free(k);
		}
	}
	/* 5. VMCOREINFO alone. */
	{
		struct ic_kaslr_input in = { .img = img, .vmcoreinfo = vi };

		k = NULL;
		IC_CHECK(ic_kaslr__solve(&ctx, &in, &k) == 0, "%s: solve vmcoreinfo only", fx);
		if (k) {
			check_result("vmcoreinfo-only", k, &t, true);
			ic_kaslr__free(k);
		}
	}
	/* 6. Nothing but the page tables. */
	{
		struct ic_kaslr_input in = { .img = img, .structure_only = true };

		k = NULL;
		IC_CHECK(ic_kaslr__solve(&ctx, &in, &k) == 0, "%s: solve structure only", fx);
		if (k) {
			IC_CHECK(!strcmp(k->method, "pgtable-scan"), "method %s", k->method);
			check_result("structure-only", k, &t, true);
			ic_kaslr__free(k);
		}
	}
	/* 7. With a link-time _text given (as from IKCONFIG) that is wrong by 2 MiB: the slide
	 * follows it, and nothing pretends it is the default. */
	{
		struct ic_kaslr_input in = { .img = img, .structure_only = true,
					     .link_text = IC_X86_DEFAULT_LINK_TEXT + 0x200000,
					     .link_text_source = "ikconfig" };

		k = NULL;
		IC_CHECK(ic_kaslr__solve(&ctx, &in, &k) == 0, "%s: solve given link", fx);
		if (k) {
			IC_CHECK(k->virtual_slide == t.slide - 0x200000 && !k->link_text_assumed &&
					 !strcmp(k->link_method, "ikconfig"),
				 "given link text");
			ic_kaslr__free(k);
		}
	}
	run_decoy_l2(fx, img, &t);
	ic_vmcoreinfo__free(vi);
	ic_image__free(img);
	free(t.syms);
	free(t.banner);
	free(t.vmcoreinfo);
	return 0;
}

/*
 * The IKCONFIG search of the kernel's span where phys_text is near 2^64 (VMCOREINFO's
 * NUMBER(phys_base) says what it likes): the span's end clamped to UINT64_MAX, and the 4 MiB
 * step wrapped the search back to 0, walking 2^42 chunks (a crafted 8 MiB image hung the
 * pipeline and `extract`). In a child under a 20 s alarm: not found, at once.
 */
static void run_ikconfig_top(void)
{
	static const uint64_t tops[] = { 0xffffffffffe00000ull, UINT64_MAX - 4096, UINT64_MAX };
	const size_t size = 1u << 20;
	uint8_t *m = calloc(1, size);
	char path[] = "/tmp/ic_test_kaslr.XXXXXX";
	struct ic_image *img = NULL;

	if (!m || !temp_image(m, size, path, &img)) {
		IC_CHECK(m != NULL, "alloc");
		free(m);
		return;
	}
	for (size_t i = 0; i < IC_ARRAY_SIZE(tops); i++) {
		pid_t pid = fork();
		int st = 0;

		if (pid == 0) {
			struct ic_kaslr_input in = { .img = img };
			uint64_t link = 0;

			alarm(20);
			_exit(ic_kaslr_ikconfig(NULL, &in, false, 0, IC_X86_DEFAULT_LINK_TEXT, tops[i],
						&link) == -IC_ENOTFOUND ? 0 : 1);
		}
		IC_CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
			 !WEXITSTATUS(st), "IKCONFIG search from phys 0x%" PRIx64 ": status 0x%x "
			 "(a signal: the 20 s alarm)", tops[i], st);
	}
	ic_image__free(img);
	unlink(path);
	free(m);
}

int main(void)
{
	int rc;

	run_synthetic(true, false, 0, NULL);
	run_synthetic(true, true, 0, NULL);
	run_synthetic(false, false, 0, NULL);
	run_synthetic(true, false, IC_MAX_IKCONFIG_TRIES - 1, NULL);
	run_synthetic(true, false, IC_MAX_IKCONFIG_TRIES, NULL);
	/* a config that makes the slide 0x2f00000: not a 2 MiB multiple */
	run_synthetic(true, false, 0, "CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x2100000\n"
				      "CONFIG_PHYSICAL_ALIGN=0x100000\n");
	run_physical_start();
	run_ikconfig_top();
	run_climb_paths();
	for (int mode = PLACED_5_2; mode <= SPAN_THEN_DECOYS; mode++)
		run_placed((enum placed_mode)mode);
	rc = run_fixture("fx-deb12-6.1", "mem.lime");
	if (rc)
		return rc;
	rc = run_fixture("fx-forky-7.2", "mem.elf");
	if (rc)
		return rc;
	/* 5-level paging: the structure scan climbs one level more (level4_kernel_pgt -> PML5) */
	rc = run_fixture("fx-la57-6.12", "mem.elf");
	if (rc)
		return rc;
	return IC_TEST_DONE();
}
