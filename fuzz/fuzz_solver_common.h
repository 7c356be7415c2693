/* SPDX-License-Identifier: MIT */
/* Fuzz helpers for the KASLR solvers and structure recovery: one input format giving findings + sparse memory. */
#ifndef IC_FUZZ_SOLVER_COMMON_H
#define IC_FUZZ_SOLVER_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/banner.h"
#include "isfcarve/btf.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/carver.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/vmcoreinfo.h"

/*
 * Input (little-endian), shared by fuzz_kaslr, fuzz_kaslr_arm64 and fuzz_recover, so that
 * a seed cut from a real fixture (fuzz/make_corpus_solvers.py) reaches the deep paths and
 * every header bit can be flipped to reach the others:
 *
 *   u8  flags          FZS_* below: which findings exist and how the solver is called
 *   u64 banner_phys    the linux_banner object's physical address (FZS_BANNER)
 *   u64 btf_phys       the carved BTF's physical address (FZS_BTF)
 *   u64 link_text      caller-supplied link-time _text (FZS_LINK_TEXT)
 *   u32 n, n bytes     VMCOREINFO text (FZS_VMCOREINFO)
 *   u32 n, n entries   kallsyms symbols: u64 addr, u8 type, u8 len, len name bytes (FZS_KALLSYMS)
 *   u32 n, n bytes     raw BTF for structure recovery (fuzz_recover only; others skip it)
 *   u32 n, n entries   physical ranges: u64 phys, u32 len
 *   rest               the ranges' bytes, one after the other (a range past the end is cut)
 */
enum {
	FZS_KALLSYMS = 1 << 0,
	FZS_KS_PHYS = 1 << 1,     /* kallsyms addresses are physical (7.0+ place-relative) */
	FZS_BANNER = 1 << 2,
	FZS_BTF = 1 << 3,
	FZS_STRUCTURE = 1 << 4,   /* solve from the page tables alone (ic_kaslr__solve) */
	FZS_LINK_TEXT = 1 << 5,
	FZS_VMCOREINFO = 1 << 6,
};

/* Bounds for one input: the harness must stay fast, the solver's own ceilings do the rest. */
#define FZS_MAX_SYMS 4096u
#define FZS_MAX_RANGES 4096u

static inline void fzs_print(enum ic_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

/* One thread, silent; IC_FUZZ_LOG=1 in the environment prints the library's log (to check
 * which paths a seed reaches, e.g. fuzz_kaslr_replay on one corpus file). */
static inline struct ic_ctx fzs_ctx(void)
{
	struct ic_ctx ctx = { .threads = 1 };

	if (getenv("IC_FUZZ_LOG")) {
		ctx.print = fzs_print;
		ctx.level = IC_LOG_DEBUG;
	}
	return ctx;
}

struct fzs_cur {
	const uint8_t *p;
	size_t left;
};

static inline bool fzs_take(struct fzs_cur *c, size_t n, const uint8_t **out)
{
	if (n > c->left)
		return false;
	*out = c->p;
	c->p += n;
	c->left -= n;
	return true;
}

static inline bool fzs_u(struct fzs_cur *c, unsigned bytes, uint64_t *v)
{
	const uint8_t *b;

	if (!fzs_take(c, bytes, &b))
		return false;
	*v = 0;
	for (unsigned i = bytes; i-- > 0;)
		*v = *v << 8 | b[i];
	return true;
}

/* Everything one input describes; fzs_free() releases it. */
struct fzs {
	unsigned flags;
	struct ic_findings f;
	struct ic_kallsyms *ks; /* also f.kallsyms when FZS_KALLSYMS */
	struct ic_banner_finding banner;
	struct ic_btf_finding btf;
	const uint8_t *btf_data;
	size_t btf_len;
	uint64_t link_text;
	struct ic_range *ranges;
	uint64_t *offs;
	struct ic_image *img;
};

static inline void fzs_free(struct fzs *s)
{
	ic_image__free(s->img);
	ic_kallsyms__free(s->ks);
	ic_vmcoreinfo__free(s->f.vmcoreinfo);
	ic_kaslr__free(s->f.kaslr);
	free(s->f.recovered);
	free(s->ranges);
	free(s->offs);
}

static inline int fzs_syms(struct fzs *s, struct fzs_cur *c)
{
	uint64_t n, addr, type, len;
	const uint8_t *name;
	char *arena;
	size_t used = 0;

	if (!fzs_u(c, 4, &n) || n > FZS_MAX_SYMS)
		return -1;
	if (!(s->flags & FZS_KALLSYMS) || !n) {
		/* still consume the entries so the layout does not depend on the flag */
		for (uint64_t i = 0; i < n; i++)
			if (!fzs_u(c, 8, &addr) || !fzs_u(c, 1, &type) || !fzs_u(c, 1, &len) ||
			    !fzs_take(c, (size_t)len, &name))
				return -1;
		return 0;
	}
	s->ks = calloc(1, sizeof(*s->ks));
	arena = malloc((size_t)n * 256);
	if (!s->ks || !arena || !(s->ks->syms = calloc((size_t)n, sizeof(*s->ks->syms)))) {
		free(arena);
		return -1;
	}
	s->ks->arena = arena;
	for (uint64_t i = 0; i < n; i++) {
		if (!fzs_u(c, 8, &addr) || !fzs_u(c, 1, &type) || !fzs_u(c, 1, &len) ||
		    !fzs_take(c, (size_t)len, &name))
			return -1;
		memcpy(arena + used, name, (size_t)len);
		arena[used + len] = '\0';
		s->ks->syms[i].addr = addr;
		s->ks->syms[i].type = (char)type;
		s->ks->syms[i].name = arena + used;
		used += (size_t)len + 1;
	}
	s->ks->nsyms = (size_t)n;
	s->ks->num_syms = n;
	s->ks->addr_is_phys = s->flags & FZS_KS_PHYS;
	s->f.kallsyms = s->ks;
	return 0;
}

/* Parse one input into s (memory image over the input bytes). 0, or -1 = not a usable input. */
static inline int fzs_parse(const struct ic_ctx *ctx, const uint8_t *data, size_t size, struct fzs *s)
{
	struct fzs_cur c = { data, size };
	uint64_t v, n, bphys, fphys;
	const uint8_t *b;
	size_t at = 0;

	memset(s, 0, sizeof(*s));
	if (!fzs_u(&c, 1, &v))
		return -1;
	s->flags = (unsigned)v;
	if (!fzs_u(&c, 8, &bphys) || !fzs_u(&c, 8, &fphys) || !fzs_u(&c, 8, &s->link_text))
		return -1;
	if (!fzs_u(&c, 4, &n) || !fzs_take(&c, (size_t)n, &b))
		return -1;
	if ((s->flags & FZS_VMCOREINFO) && n && ic_vmcoreinfo__parse((const char *)b, (size_t)n, &s->f.vmcoreinfo))
		s->f.vmcoreinfo = NULL;
	if (fzs_syms(s, &c))
		return -1;
	if (!fzs_u(&c, 4, &n) || !fzs_take(&c, (size_t)n, &s->btf_data))
		return -1;
	s->btf_len = (size_t)n;
	if (!fzs_u(&c, 4, &n) || !n || n > FZS_MAX_RANGES)
		return -1;
	s->ranges = calloc((size_t)n, sizeof(*s->ranges));
	s->offs = calloc((size_t)n, sizeof(*s->offs));
	if (!s->ranges || !s->offs)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		if (!fzs_u(&c, 8, &s->ranges[i].phys) || !fzs_u(&c, 4, &s->ranges[i].len))
			return -1;
	}
	/* Cut the ranges to the bytes there are; the image reader checks order and overlap. */
	for (uint64_t i = 0; i < n; i++) {
		if (s->ranges[i].len > c.left - at)
			s->ranges[i].len = c.left - at;
		s->offs[i] = at;
		at += (size_t)s->ranges[i].len;
		if (!s->ranges[i].len) {
			n = i;
			break;
		}
	}
	if (!n || ic_image__open_mem(ctx, "fuzz", c.p, c.left, s->ranges, s->offs, (size_t)n, &s->img))
		return -1;
	if (s->flags & FZS_BANNER) {
		s->banner.phys = bphys;
		s->banner.linux_banner = true;
		s->f.banner = &s->banner;
	}
	if (s->flags & FZS_BTF) {
		s->btf.phys = fphys;
		s->f.btf = &s->btf;
	}
	return 0;
}

/* Invariants of a solution, whatever the input. */
static inline void fzs_check_kaslr(const struct ic_kaslr *k)
{
	if (!k)
		return;
	if (k->virtual_slide != k->runtime_text - k->link_text)
		abort();
	if (k->levels && k->levels != 4 && k->levels != 5 && !k->arch)
		abort();
	if (!k->method || !k->link_method || (k->nevidence && !k->evidence))
		abort();
	for (size_t i = 0; i < k->nevidence; i++)
		if (!memchr(k->evidence[i].what, 0, sizeof(k->evidence[i].what)) ||
		    !memchr(k->evidence[i].detail, 0, sizeof(k->evidence[i].detail)))
			abort();
}

/* Solve as the pipeline does (ic_kaslr__run), or from the page tables alone (FZS_STRUCTURE). */
static inline int fzs_solve(const struct ic_ctx *ctx, struct fzs *s)
{
	int err;

	if (s->flags & FZS_STRUCTURE) {
		struct ic_kaslr_input in;

		ic_kaslr__input_from_findings(&s->f, s->img, &in);
		in.structure_only = true;
		in.link_text = (s->flags & FZS_LINK_TEXT) ? s->link_text : 0;
		in.link_text_source = "fuzz";
		err = ic_kaslr__solve(ctx, &in, &s->f.kaslr);
	} else {
		err = ic_kaslr__run(ctx, s->img, &s->f, (s->flags & FZS_LINK_TEXT) ? s->link_text : 0, "fuzz");
	}
	if (!err)
		fzs_check_kaslr(s->f.kaslr);
	else if (err > 0 || err == -EINVAL) /* errors are negative; -EINVAL = caller bug */
		abort();
	return err;
}

#endif
