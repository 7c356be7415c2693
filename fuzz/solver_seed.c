/* SPDX-License-Identifier: MIT */
/* Seed cutter for fuzz_kaslr / fuzz_kaslr_arm64 / fuzz_recover: real findings + only the pages the target reads. */
/*
 * Built and run by fuzz/make_corpus_solvers.py, linked with one fuzz target's .c file:
 *
 *   solver_seed IMAGE OUT FLAGS-CLEAR FLAGS-SET [--syms a,b,c] [--withhold a,b] [--btf]
 *
 * Scans IMAGE with the carvers, writes the findings in the input format of
 * fuzz_solver_common.h (kallsyms restricted to --syms, minus --withhold; the carved BTF with
 * --btf), with the whole image as ranges, and runs the target on that input with the range
 * bytes mapped PROT_NONE: a SIGSEGV handler records each page touched and opens it. The seed
 * then holds only the touched pages. FLAGS-CLEAR/FLAGS-SET edit the flag byte of the written
 * seed after the trace (e.g. set FZS_STRUCTURE: traced with symbols, written structure-only,
 * so the structure scan has the real tables among few pages to find).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_solver_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *g_mem;   /* the traced range bytes (tool only, not the library) */
static size_t g_memlen;
static uint32_t *g_touched; /* per page: 0, or the order it was first touched in (1, 2, ...) */
static uint32_t g_order;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr, base = (uintptr_t)g_mem;
	size_t pg;

	(void)uc;
	if (a < base || a >= base + g_memlen) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	pg = (a - base) / 4096;
	g_touched[pg] = ++g_order;
	mprotect(g_mem + pg * 4096, 4096, PROT_READ);
}

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			exit(1);
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put_u(struct buf *b, uint64_t v, unsigned bytes)
{
	uint8_t t[8];

	for (unsigned i = 0; i < bytes; i++)
		t[i] = (uint8_t)(v >> (8 * i));
	put(b, t, bytes);
}

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && !memcmp(p, name, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct ic_ctx ctx = { .threads = 2 };
	struct ic_image *img = NULL;
	struct ic_findings f;
	const char *syms = NULL, *withhold = NULL;
	bool want_btf = false;
	const char *keep_map = NULL, *keep = NULL;
	uint32_t keep_first = 0;
	struct buf hdr = { 0 }, out = { 0 }, in = { 0 };
	const struct ic_range *r;
	size_t nr, total = 0, pages, nsel = 0, off = 0;
	unsigned flags = 0, clr, set;
	struct sigaction sa;
	FILE *fp;

	if (argc < 5)
		return 2;
	clr = (unsigned)strtoul(argv[3], NULL, 0);
	set = (unsigned)strtoul(argv[4], NULL, 0);
	for (int i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "--syms") && i + 1 < argc)
			syms = argv[++i];
		else if (!strcmp(argv[i], "--withhold") && i + 1 < argc)
			withhold = argv[++i];
		else if (!strcmp(argv[i], "--btf"))
			want_btf = true;
		else if (!strcmp(argv[i], "--keep-first") && i + 1 < argc)
			keep_first = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--keep-map") && i + 2 < argc) {
			keep_map = argv[++i];
			keep = argv[++i];
		}
	}
	if (ic_image__open(&ctx, argv[1], &img) || ic_scan(&ctx, img, &f)) {
		fprintf(stderr, "%s: cannot open or scan\n", argv[1]);
		return 1;
	}
	r = ic_image__ranges(img);
	nr = ic_image__nranges(img);
	if (f.vmcoreinfo)
		flags |= FZS_VMCOREINFO;
	if (f.kallsyms)
		flags |= FZS_KALLSYMS | (f.kallsyms->addr_is_phys ? FZS_KS_PHYS : 0);
	if (f.banner && f.banner->linux_banner)
		flags |= FZS_BANNER;
	if (f.btf)
		flags |= FZS_BTF;
	put_u(&hdr, 0, 1); /* flags, patched below */
	put_u(&hdr, f.banner ? f.banner->phys : 0, 8);
	put_u(&hdr, f.btf ? f.btf->phys : 0, 8);
	put_u(&hdr, 0, 8);
	put_u(&hdr, f.vmcoreinfo ? f.vmcoreinfo->len : 0, 4);
	if (f.vmcoreinfo)
		put(&hdr, f.vmcoreinfo->text, f.vmcoreinfo->len);
	for (size_t i = 0; f.kallsyms && i < f.kallsyms->nsyms; i++) {
		const char *n = f.kallsyms->syms[i].name;

		nsel += in_list(syms, n) && !in_list(withhold, n) && strlen(n) < 256;
	}
	put_u(&hdr, nsel, 4);
	for (size_t i = 0; f.kallsyms && i < f.kallsyms->nsyms; i++) {
		const struct ic_ksym *e = &f.kallsyms->syms[i];

		if (!in_list(syms, e->name) || in_list(withhold, e->name) || strlen(e->name) >= 256)
			continue;
		put_u(&hdr, e->addr, 8);
		put_u(&hdr, (uint8_t)e->type, 1);
		put_u(&hdr, strlen(e->name), 1);
		put(&hdr, e->name, strlen(e->name));
	}
	put_u(&hdr, want_btf && f.btf ? f.btf->size : 0, 4);
	if (want_btf && f.btf)
		put(&hdr, f.btf->data, (size_t)f.btf->size);
	hdr.p[0] = (uint8_t)flags;

	/* Input 1: every range, its bytes in a PROT_NONE mapping behind the header. */
	for (size_t i = 0; i < nr; i++)
		total += (size_t)r[i].len;
	pages = (total + 4095) / 4096;
	{
		size_t hlen = hdr.n + 4 + 12 * nr, hpad = (hlen + 4095) / 4096 * 4096;
		uint8_t *m = mmap(NULL, hpad + pages * 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (m == MAP_FAILED)
			return 1;
		/* header at the end of the first hpad bytes, so the range bytes start page-aligned */
		in.p = m + hpad - hlen;
		memcpy(in.p, hdr.p, hdr.n);
		{
			uint8_t *q = in.p + hdr.n;

			for (unsigned b = 0; b < 4; b++)
				*q++ = (uint8_t)(nr >> (8 * b));
			for (size_t i = 0; i < nr; i++) {
				for (unsigned b = 0; b < 8; b++)
					*q++ = (uint8_t)(r[i].phys >> (8 * b));
				for (unsigned b = 0; b < 4; b++)
					*q++ = (uint8_t)(r[i].len >> (8 * b));
			}
		}
		g_mem = m + hpad;
		g_memlen = pages * 4096;
		for (size_t i = 0; i < nr; i++) {
			if (ic_image__read(img, r[i].phys, g_mem + off, (size_t)r[i].len))
				return 1;
			off += (size_t)r[i].len;
		}
		g_touched = calloc(pages ? pages : 1, sizeof(*g_touched));
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		mprotect(g_mem, g_memlen, PROT_NONE);
		LLVMFuzzerTestOneInput(in.p, hlen + total);
		mprotect(g_mem, g_memlen, PROT_READ);
	}

	/* Big traces (recovery reads every page of the kernel image): keep the first keep_first
	 * pages touched (the KASLR solve and the first steps) and a few pages at each --keep-map
	 * object (System.map link address + the solved slide), so the seed stays small but the
	 * real objects are there to be found. */
	if (keep_first) {
		FILE *mp = keep_map ? fopen(keep_map, "r") : NULL;
		char line[512], name[256], type;
		unsigned long long link;
		size_t kept = 0;

		int kerr;

		for (size_t pg = 0; pg < pages; pg++)
			if (g_touched[pg] > keep_first)
				g_touched[pg] = 0;
		kerr = ic_kaslr__run(&ctx, img, &f, 0, NULL);
		if (mp && !kerr) {
			const struct ic_kaslr *k = f.kaslr;

			while (fgets(line, sizeof(line), mp)) {
				uint64_t rt, pa;

				if (sscanf(line, "%llx %c %255s", &link, &type, name) != 3 || !in_list(keep, name))
					continue;
				rt = (uint64_t)link + k->virtual_slide;
				pa = k->arch ? rt - k->kimage_voffset : ic_kaslr__image_phys(k, rt);
				off = 0;
				for (size_t i = 0; i < nr; i++) {
					if (pa >= r[i].phys && pa - r[i].phys < r[i].len) {
						size_t pg = (off + (size_t)(pa - r[i].phys)) / 4096;

						for (size_t j = pg; j < pg + 4 && j < pages; j++)
							g_touched[j] = 1;
						kept++;
					}
					off += (size_t)r[i].len;
				}
			}
		}
		if (mp)
			fclose(mp);
		fprintf(stderr, "%s: kept %zu objects from %s\n", argv[2], kept, keep_map ? keep_map : "-");
	}

	/* Input 2: the header (flags edited), the touched pages as ranges (split at range ends). */
	hdr.p[0] = (uint8_t)((flags & ~clr) | set);
	put(&out, hdr.p, hdr.n);
	{
		struct buf rl = { 0 }, data = { 0 };
		size_t nrun = 0, touched = 0;

		off = 0;
		for (size_t i = 0; i < nr; i++) {
			for (uint64_t a = 0; a < r[i].len;) {
				size_t pg = (off + (size_t)a) / 4096;
				uint64_t s = a, e;

				if (!g_touched[pg]) {
					a = (uint64_t)((pg + 1) * 4096 - off);
					continue;
				}
				while (a < r[i].len && g_touched[(off + (size_t)a) / 4096])
					a = (uint64_t)(((off + (size_t)a) / 4096 + 1) * 4096 - off);
				e = a < r[i].len ? a : r[i].len;
				put_u(&rl, r[i].phys + s, 8);
				put_u(&rl, e - s, 4);
				put(&data, g_mem + off + s, (size_t)(e - s));
				touched += (size_t)(e - s);
				nrun++;
			}
			off += (size_t)r[i].len;
		}
		put_u(&out, nrun, 4);
		put(&out, rl.p, rl.n);
		put(&out, data.p, data.n);
		fprintf(stderr, "%s: %zu symbols, %zu ranges, %zu bytes of memory, seed %zu bytes\n", argv[2],
			nsel, nrun, touched, out.n);
	}
	fp = fopen(argv[2], "wb");
	if (!fp || fwrite(out.p, 1, out.n, fp) != out.n || fclose(fp))
		return 1;
	return 0;
}
