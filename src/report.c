/* SPDX-License-Identifier: MIT */
/* Findings -> JSON report (scan --json, --report): one object, exact integers, hex addresses. */
#include <stdlib.h>
#include <string.h>

#include "isfcarve/banner.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/recover.h"
#include "isfcarve/report.h"
#include "isfcarve/slots.h"
#include "isfcarve/vmcoreinfo.h"
#include "json.h"

static void write_image(struct ic_json *j, const struct ic_image *img)
{
	ic_json_key(j, "image");
	ic_json_obj_begin(j);
	ic_json_key(j, "path");
	ic_json_str(j, ic_image__path(img));
	ic_json_key(j, "format");
	ic_json_str(j, ic_image__format(img));
	ic_json_key(j, "ranges");
	ic_json_u64(j, ic_image__nranges(img));
	ic_json_key(j, "bytes");
	ic_json_u64(j, ic_image__bytes(img));
	ic_json_key(j, "file_size");
	ic_json_u64(j, ic_image__file_size(img));
	ic_json_obj_end(j);
}

static void write_banner(struct ic_json *j, const struct ic_banner_finding *b)
{
	ic_json_key(j, "banner");
	if (!b) {
		ic_json_null(j);
		return;
	}
	ic_json_obj_begin(j);
	ic_json_key(j, "text");
	ic_json_strn(j, b->text, b->line_len); /* without "\n\0": see "linux_banner" */
	ic_json_key(j, "phys");
	ic_json_hex(j, b->phys);
	ic_json_key(j, "copies");
	ic_json_u64(j, b->copies);
	ic_json_key(j, "release");
	ic_json_str(j, b->release);
	ic_json_key(j, "linux_banner");
	ic_json_bool(j, b->linux_banner);
	ic_json_key(j, "exact_copies");
	ic_json_u64(j, b->exact_copies);
	ic_json_key(j, "distinct");
	ic_json_u64(j, b->distinct);
	ic_json_key(j, "near_btf");
	ic_json_bool(j, b->near_btf);
	ic_json_key(j, "release_matches_vmcoreinfo");
	ic_json_bool(j, b->release_matches_vmcoreinfo);
	ic_json_obj_end(j);
}

static void write_btf(struct ic_json *j, const struct ic_btf_finding *b)
{
	char hex[65];

	ic_json_key(j, "btf");
	if (!b) {
		ic_json_null(j);
		return;
	}
	ic_hex(b->sha256, 32, hex);
	ic_json_obj_begin(j);
	ic_json_key(j, "phys");
	ic_json_hex(j, b->phys);
	ic_json_key(j, "size");
	ic_json_u64(j, b->size);
	ic_json_key(j, "sha256");
	ic_json_str(j, hex);
	ic_json_key(j, "types");
	ic_json_u64(j, b->nr_types);
	ic_json_key(j, "candidates");
	ic_json_u64(j, b->candidates);
	ic_json_key(j, "headers");
	ic_json_u64(j, b->headers);
	ic_json_key(j, "rejected");
	ic_json_u64(j, b->split);
	ic_json_key(j, "page_aligned");
	ic_json_bool(j, b->page_aligned);
	ic_json_obj_end(j);
}

static void write_vmcoreinfo(struct ic_json *j, const struct ic_vmcoreinfo *v)
{
	uint64_t off;
	const char *rel;

	ic_json_key(j, "vmcoreinfo");
	if (!v) {
		ic_json_null(j);
		return;
	}
	ic_json_obj_begin(j);
	ic_json_key(j, "phys");
	if (v->from_note)
		ic_json_null(j); /* from the container's ELF note: not at a physical address */
	else
		ic_json_hex(j, v->phys);
	ic_json_key(j, "osrelease");
	rel = ic_vmcoreinfo__get(v, "OSRELEASE");
	if (rel)
		ic_json_str(j, rel);
	else
		ic_json_null(j);
	ic_json_key(j, "kerneloffset");
	if (!ic_vmcoreinfo__u64(v, "KERNELOFFSET", &off))
		ic_json_hex(j, off);
	else
		ic_json_null(j);
	ic_json_key(j, "entries");
	ic_json_u64(j, v->nentries);
	ic_json_key(j, "from_note");
	ic_json_bool(j, v->from_note);
	ic_json_key(j, "copies");
	ic_json_u64(j, v->copies);
	ic_json_key(j, "bytes");
	ic_json_u64(j, v->len);
	ic_json_obj_end(j);
}

/* Which evidence tied banner, BTF, kallsyms and VMCOREINFO to one kernel (carvers/same_kernel.c). */
static void write_same_kernel(struct ic_json *j, const struct ic_same_kernel *s)
{
	ic_json_key(j, "same_kernel");
	ic_json_obj_begin(j);
	ic_json_key(j, "ok");
	ic_json_bool(j, !s->mixed);
	ic_json_key(j, "evidence");
	ic_json_arr_begin(j);
	for (unsigned i = 0; i < s->n; i++)
		ic_json_str(j, s->evidence[i]);
	ic_json_arr_end(j);
	ic_json_key(j, "problem");
	if (s->mixed)
		ic_json_str(j, s->problem);
	else
		ic_json_null(j);
	ic_json_obj_end(j);
}

static void write_status(struct ic_json *j, const struct ic_findings *f)
{
	ic_json_key(j, "status");
	ic_json_obj_begin(j);
	for (unsigned k = 0; ic_carvers[k]; k++) {
		int st = f->status[ic_carvers[k]->slot];

		ic_json_key(j, ic_carvers[k]->name);
		ic_json_str(j, !st ? "found" : st == -IC_ENOTFOUND ? "not found" : ic_strerror(st));
	}
	ic_json_obj_end(j);
}

/* The release is the word after "Linux version " (uname -r), as the banner has it. */
static void write_kernel(struct ic_json *j, const struct ic_report_result *r)
{
	static const char pfx[] = "Linux version ";
	const char *b = (const char *)r->banner;
	size_t n = r->banner_len, rl = 0;

	ic_json_key(j, "kernel");
	if (!b) {
		ic_json_null(j);
		return;
	}
	while (n && b[n - 1] == '\0')
		n--; /* linux_banner's NUL is not text */
	ic_json_obj_begin(j);
	ic_json_key(j, "release");
	if (n > sizeof(pfx) - 1 && !memcmp(b, pfx, sizeof(pfx) - 1)) {
		const char *rel = b + sizeof(pfx) - 1;

		while (rl < n - (sizeof(pfx) - 1) && rel[rl] != ' ' && rel[rl] != '\n' &&
		       rel[rl] != '\t')
			rl++;
		if (rl)
			ic_json_strn(j, rel, rl);
	}
	if (!rl)
		ic_json_null(j);
	ic_json_key(j, "banner");
	ic_json_strn(j, b, n);
	ic_json_obj_end(j);
}

static void write_profile(struct ic_json *j, const struct ic_report_result *r)
{
	const char *name = r->profile_name;

	ic_json_key(j, "profile");
	if (!r->profile_path) {
		ic_json_null(j);
		return;
	}
	if (!name) {
		name = strrchr(r->profile_path, '/');
		name = name ? name + 1 : r->profile_path;
	}
	ic_json_obj_begin(j);
	ic_json_key(j, "path");
	ic_json_str(j, r->profile_path);
	ic_json_key(j, "name");
	ic_json_str(j, name);
	ic_json_key(j, "reused");
	ic_json_bool(j, r->reused);
	ic_json_obj_end(j);
}

int ic_report__write_json(const struct ic_image *img, const struct ic_findings *f, FILE *out,
			  unsigned indent)
{
	return ic_report__write_json_ex(img, f, NULL, out, indent);
}

int ic_report__write_json_ex(const struct ic_image *img, const struct ic_findings *f,
			     const struct ic_report_result *r, FILE *out, unsigned indent)
{
	struct ic_json *j = malloc(sizeof(*j)); /* 64 KiB buffer: not on the stack */
	int err;

	if (!j)
		return -ENOMEM;
	ic_json_init(j, ic_sink_file, out, indent);
	ic_json_obj_begin(j);
	write_image(j, img);
	write_banner(j, f->banner);
	write_btf(j, f->btf);
	write_vmcoreinfo(j, f->vmcoreinfo);
	ic_json_key(j, "kallsyms");
	ic_kallsyms__report_json(j, f->kallsyms);
	ic_json_key(j, "kaslr");
	ic_kaslr__report_json(j, f->kaslr); /* null until the KASLR stage ran */
	ic_json_key(j, "recovered_symbols");
	ic_recover__report_json(f, j);
	write_same_kernel(j, &f->same_kernel);
	write_status(j, f);
	if (r) {
		write_kernel(j, r);
		write_profile(j, r);
	}
	ic_json_obj_end(j);
	err = ic_json_finish(j);
	free(j);
	if (!err && fputc('\n', out) == EOF)
		err = -EIO;
	return err;
}
