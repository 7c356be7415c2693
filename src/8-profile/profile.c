/* SPDX-License-Identifier: MIT */
/* The image -> ISF pipeline: scan, carvers, KASLR, link-time symbol table, BTF types, ISF. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/banner.h"
#include "isfcarve/btf.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/isf.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/profile.h"
#include "isfcarve/recover.h"
#include "isfcarve/slots.h"
#include "isfcarve/symbols.h"
#include "0-base/internal.h"

/* Append one "what is missing; what to supply" clause to p->missing. */
static void missing(struct ic_profile *p, const char *what)
{
	size_t n = strlen(p->missing);

	snprintf(p->missing + n, sizeof(p->missing) - n, "%s%s", n ? "; " : "", what);
}

/* kallsyms (runtime addresses) -> link-time table: minus the slide, except the per-CPU
 * absolute entries ('A', x86-64 before 6.15), which already are link-time values. The
 * kallsyms_* tables themselves are not listed by kallsyms: add them (if not already there). */
/* Data objects some kernels' kallsyms type as text (7.x x86-64 lists init_task as 'T'):
 * withheld too when emulating a kernel without CONFIG_KALLSYMS_ALL. */
static bool is_data_object(const char *name)
{
	return ic_recover__is_recoverable(name);
}

static int kallsyms_to_link(const struct ic_ctx *ctx, struct ic_profile *p, bool text_only)
{
	struct ic_kallsyms *ks = p->findings.kallsyms;
	const struct ic_kaslr *k = p->findings.kaslr;
	struct ic_ksym tabs[IC_KTAB__COUNT];
	size_t ntabs, local = 0;
	int err;

	if (!ks->have_delta)
		ic_kallsyms__set_delta(ks, k->runtime_text - k->phys_text, "kaslr");
	if (ks->addr_is_phys) {
		pr_warn(ctx, "profile: kallsyms addresses are still physical after KASLR");
		return -IC_EINCOMPLETE;
	}
	{
		size_t names = 0;

		for (size_t i = 0; i < ks->nsyms; i++)
			names += strlen(ks->syms[i].name) + 1;
		err = ic_symtab__reserve(p->syms, ks->nsyms + IC_KTAB__COUNT, names + 256);
		if (err)
			return err;
	}
	for (size_t i = 0; i < ks->nsyms; i++) {
		const struct ic_ksym *s = &ks->syms[i];
		bool abs = s->flags & IC_SYM_ABSOLUTE;

		if (text_only && (!strchr("tTwW", s->type) || is_data_object(s->name)))
			continue;
		if (ic_sym_name_is_local_label(s->name, strlen(s->name))) {
			local++; /* what System.map leaves out (symbols.c) */
			continue;
		}
		err = ic_symtab__add(p->syms, abs ? s->addr : ic_kaslr__link(k, s->addr), s->type,
				     s->name, strlen(s->name), s->flags);
		if (err)
			return err;
		if (abs)
			p->kallsyms_absolute++;
		else
			p->kallsyms_converted++;
	}
	if (local)
		pr_info(ctx, "profile: kallsyms: left out %zu compiler-local labels (.L*, $*; "
			"System.map has none)", local);
	ntabs = ic_kallsyms__table_syms(ks, tabs);
	for (size_t i = 0; i < ntabs; i++) {
		if (text_only)
			break;
		if (ic_kallsyms__find(ks, tabs[i].name) >= 0)
			continue; /* 7.x lists some of its own tables */
		err = ic_symtab__add(p->syms, ic_kaslr__link(k, tabs[i].addr), tabs[i].type,
				     tabs[i].name, strlen(tabs[i].name), tabs[i].flags);
		if (err)
			return err;
		p->table_syms++;
	}
	return 0;
}

/* Names Volatility needs as data symbols (carving.md 3.8): their absence means kallsyms was
 * built without CONFIG_KALLSYMS_ALL (text symbols only). */
static const char *const needed_data[] = { "init_task", "init_files", "init_mm", "linux_banner" };

static void check_symbols(struct ic_profile *p)
{
	bool have[IC_ARRAY_SIZE(needed_data)] = { false };
	char buf[160];
	size_t off = 0;

	/* One pass, not ic_symtab__find(): its hash index over ~100k names would be built for
	 * these four lookups alone (~15 ms and 2 MiB of fresh pages per profile). */
	for (size_t k = 0; k < p->syms->n; k++) {
		const char *name = p->syms->syms[k].name;

		for (size_t i = 0; i < IC_ARRAY_SIZE(needed_data); i++)
			if (name[0] == needed_data[i][0] && !strcmp(name, needed_data[i]))
				have[i] = true;
	}
	for (size_t i = 0; i < IC_ARRAY_SIZE(needed_data); i++)
		if (!have[i])
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", off ? ", " : "",
						needed_data[i]);
	if (off) {
		char msg[320];

		if (strcmp(p->syms_source, "kallsyms"))
			snprintf(msg, sizeof(msg), "%s has no %s: supply the kernel's complete "
				 "System.map with --map", p->syms_source, buf);
		else
			snprintf(msg, sizeof(msg), "kallsyms has no %s (built without data "
				 "symbols: CONFIG_KALLSYMS_ALL=n): supply --map System.map", buf);
		missing(p, msg);
	}
}

static bool has_identified(const struct ic_profile_opts *opts)
{
	return opts->sz >= offsetof(struct ic_profile_opts, identified_arg) + sizeof(void *) &&
	       opts->identified;
}

int ic_profile__build(const struct ic_ctx *ctx, const char *image_path,
		      const struct ic_profile_opts *opts, struct ic_profile **out)
{
	static const struct ic_profile_opts none = { .sz = sizeof(none) };
	struct ic_profile *p;
	struct ic_findings *f;
	int err;

	if (!image_path || !out)
		return -EINVAL;
	if (!opts)
		opts = &none;
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	f = &p->findings;
	err = opts->format ? ic_image__open_as(ctx, image_path, opts->format, &p->img)
			   : ic_image__open(ctx, image_path, &p->img);
	if (err)
		goto fail;
	err = ic_scan(ctx, p->img, f);
	if (err)
		goto fail;
	/* Not one piece of a Linux kernel: not a Linux memory image at all (a wrong file). One
	 * line and bad input, before KASLR and "supply --map/--btf" hints that would only mislead. */
	if (!f->banner && !f->btf && !f->kallsyms && !f->vmcoreinfo) {
		pr_warn(ctx, "%s: no Linux kernel found (no banner, BTF, kallsyms or VMCOREINFO)",
			image_path);
		err = -IC_ENOTFOUND;
		goto fail;
	}
	/* Banner, BTF and kallsyms of different kernels would make a profile that lies. */
	if (f->same_kernel.mixed)
		missing(p, f->same_kernel.problem);
	/* The ISF's type names and user_types need only the BTF: begun now, they overlap KASLR
	 * and the symbol table (after the identity check when the caller may stop there). */
	if (!opts->btf && f->btf && f->btf->model && !has_identified(opts))
		p->isf_ahead = ic_isf__ahead_start(ctx, f->btf->model);

	/* KASLR: even with a System.map it is solved, for the report and as a cross-check. */
	{
		const struct ic_sym *mt = opts->map ? ic_symtab__find(opts->map, "_text") : NULL;
		uint64_t link = opts->link_text ? opts->link_text : mt ? mt->addr : 0;
		const char *src = opts->link_text ? "--link-text" : mt ? "System.map" : NULL;

		err = ic_kaslr__run(ctx, p->img, f, link, src);
		if (err && err != -IC_ENOTFOUND && err != -IC_EAMBIGUOUS && err != -IC_EUNSUPP)
			goto fail;
		if (err)
			pr_warn(ctx, "%s: KASLR not solved: %s", image_path, ic_strerror(err));
	}

	/* Identity: banner + BTF hash. Known now, so a caller can reuse an existing profile
	 * before the costly part (kallsyms conversion, BTF validation, ISF). */
	if (f->banner && f->banner->linux_banner) {
		p->banner = (const uint8_t *)f->banner->text;
		p->banner_len = f->banner->len;
	}
	if (opts->btf) {
		ic_sha256(opts->btf, opts->btf_len, p->btf_sha256);
		p->have_btf_sha256 = true;
	} else if (f->btf) {
		memcpy(p->btf_sha256, f->btf->sha256, 32);
		p->have_btf_sha256 = true;
	}
	if (has_identified(opts) && p->banner && p->have_btf_sha256 && !f->same_kernel.mixed &&
	    opts->identified(opts->identified_arg, p)) {
		p->stopped = true;
		*out = p;
		return 0;
	}
	if (!opts->btf && f->btf && f->btf->model && !p->isf_ahead)
		p->isf_ahead = ic_isf__ahead_start(ctx, f->btf->model);

	/* Symbols. */
	p->syms = ic_symtab__new();
	if (!p->syms) {
		err = -ENOMEM;
		goto fail;
	}
	if (opts->map) {
		size_t names = 0;

		for (size_t i = 0; i < opts->map->n; i++)
			names += strlen(opts->map->syms[i].name) + 1;
		err = ic_symtab__reserve(p->syms, opts->map->n, names);
		if (err)
			goto fail;
		for (size_t i = 0; i < opts->map->n; i++) {
			const struct ic_sym *s = &opts->map->syms[i];

			err = ic_symtab__add(p->syms, s->addr, s->type, s->name, strlen(s->name),
					     s->flags);
			if (err)
				goto fail;
		}
		p->syms_source = opts->map_what ? opts->map_what : "System.map";
	} else if (!f->kallsyms) {
		missing(p, "no kallsyms tables found in the image: supply --map System.map");
		p->syms_source = "kallsyms";
	} else if (!f->kaslr) {
		missing(p, "KASLR not solved, so kallsyms' runtime addresses cannot be made "
			   "link-time: supply --map System.map");
		p->syms_source = "kallsyms";
	} else {
		p->syms_source = "kallsyms";
		err = kallsyms_to_link(ctx, p, opts->sz >= sizeof(*opts) &&
					       opts->withhold_data_syms);
		if (err == -IC_EINCOMPLETE)
			missing(p, "kallsyms addresses could not be made virtual: supply --map "
				   "System.map");
		else if (err)
			goto fail;
	}
	/* Types. */
	if (opts->btf) {
		p->btf_source = opts->btf_what ? opts->btf_what : "--btf";
		err = ic_btf__new(ctx, opts->btf, opts->btf_len, p->btf_source, &p->btf);
		if (err)
			goto fail;
		p->isf_ahead = ic_isf__ahead_start(ctx, p->btf);
	} else if (f->btf) {
		p->btf_source = "image";
		if (f->btf->model) {
			/* the carver's own model of these bytes: validated once, not copied again */
			p->btf = f->btf->model;
			f->btf->model = NULL;
		} else {
			err = ic_btf__new(ctx, f->btf->data, (size_t)f->btf->size, "carved BTF",
					  &p->btf);
			if (err)
				goto fail;
		}
	} else {
		missing(p, "no vmlinux BTF in the image (kernels before 5.4 keep none in memory, "
			   "or CONFIG_DEBUG_INFO_BTF=n): supply --btf FILE (vmlinux with .BTF, or "
			   "/sys/kernel/btf/vmlinux)");
	}

	/* No CONFIG_KALLSYMS_ALL: recover the data symbols by structure
	 * (src/5-symbols/recover/). */
	if (p->syms->n && f->kaslr && !opts->map) {
		err = ic_recover__data_syms(ctx, p->img, f, p->btf, p->syms);
		if (err < 0)
			goto fail;
		err = 0;
	}
	if (p->syms->n)
		check_symbols(p);

	/* Identity. */
	if (!p->banner) {
		missing(p, f->banner ? "the banner found is not the kernel's linux_banner object "
				       "(no \"\\n\\0\" end): cannot give Volatility its exact bytes"
				     : "no \"Linux version\" banner in the image");
	}
	*out = p;
	if (p->missing[0]) {
		pr_warn(ctx, "%s: incomplete profile: %s", image_path, p->missing);
		return -IC_EINCOMPLETE;
	}
	return 0;
fail:
	ic_profile__free(p);
	return err;
}

int ic_profile__write(const struct ic_ctx *ctx, struct ic_profile *p,
		      const struct ic_profile_opts *opts, const char *out_path)
{
	struct ic_isf_input in;
	int err;

	if (!p || !out_path)
		return -EINVAL;
	if (p->missing[0] && !(opts && opts->allow_partial))
		return -IC_EINCOMPLETE;
	/* Not even with --allow-partial: a profile mixing two kernels is wrong, not partial. */
	if (p->findings.same_kernel.mixed) {
		pr_warn(ctx, "profile: %s: refusing to write a profile mixing kernels: %s", out_path,
			p->findings.same_kernel.problem);
		return -IC_EINCOMPLETE;
	}
	/* Without types or without any symbol there is nothing Volatility can use. */
	if (!p->btf || !p->syms || !p->syms->n) {
		pr_warn(ctx, "profile: %s: refusing to write an ISF without %s", out_path,
			!p->btf ? "types" : "symbols");
		return -IC_EINCOMPLETE;
	}
	memset(&in, 0, sizeof(in));
	in.btf = p->btf;
	in.syms = p->syms;
	in.banner = p->banner;
	in.banner_len = p->banner_len;
	in.types_src.name = p->btf_source;
	if (p->findings.btf && !strcmp(p->btf_source, "image")) {
		memcpy(in.types_src.sha256, p->findings.btf->sha256, 32);
		in.types_src.has_hash = true;
	}
	in.syms_src[0].name = p->syms_source;
	in.ptr_size = 0;
	in.ahead = p->isf_ahead;
	err = ic_isf__write(ctx, &in, out_path, &p->stats);
	if (err)
		return err;
	return p->missing[0] ? -IC_EINCOMPLETE : 0;
}

void ic_profile__free(struct ic_profile *p)
{
	if (!p)
		return;
	ic_isf__ahead_free(p->isf_ahead); /* first: it reads the BTF */
	ic_symtab__free(p->syms);
	ic_btf__free(p->btf);
	ic_findings__release(&p->findings);
	ic_image__free(p->img);
	free(p);
}
