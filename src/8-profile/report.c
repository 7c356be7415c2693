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
#include "0-base/json.h"

static void write_image(struct ic_json *j, const struct ic_image *img)
{
	if (!ic_json_kv_obj(j, "image", img))
		return;
	ic_json_kv_str(j, "path", ic_image__path(img));
	ic_json_kv_str(j, "format", ic_image__format(img));
	ic_json_kv_u64(j, "ranges", ic_image__nranges(img));
	ic_json_kv_u64(j, "bytes", ic_image__bytes(img));
	ic_json_kv_u64(j, "file_size", ic_image__file_size(img));
	ic_json_obj_end(j);
}

static void write_banner(struct ic_json *j, const struct ic_banner_finding *b)
{
	if (!ic_json_kv_obj(j, "banner", b))
		return;
	ic_json_kv_strn(j, "text", b->text, b->line_len); /* without "\n\0": see "linux_banner" */
	ic_json_kv_hex(j, "phys", b->phys);
	ic_json_kv_u64(j, "copies", b->copies);
	ic_json_kv_str(j, "release", b->release);
	ic_json_kv_bool(j, "linux_banner", b->linux_banner);
	ic_json_kv_u64(j, "exact_copies", b->exact_copies);
	ic_json_kv_u64(j, "distinct", b->distinct);
	ic_json_kv_bool(j, "near_btf", b->near_btf);
	ic_json_kv_bool(j, "release_matches_vmcoreinfo", b->release_matches_vmcoreinfo);
	ic_json_obj_end(j);
}

static void write_btf(struct ic_json *j, const struct ic_btf_finding *b)
{
	char hex[65];

	if (!ic_json_kv_obj(j, "btf", b))
		return;
	ic_hex(b->sha256, 32, hex);
	ic_json_kv_hex(j, "phys", b->phys);
	ic_json_kv_u64(j, "size", b->size);
	ic_json_kv_str(j, "sha256", hex);
	ic_json_kv_u64(j, "types", b->nr_types);
	ic_json_kv_u64(j, "candidates", b->candidates);
	ic_json_kv_u64(j, "headers", b->headers);
	ic_json_kv_u64(j, "rejected", b->split);
	ic_json_kv_bool(j, "page_aligned", b->page_aligned);
	ic_json_obj_end(j);
}

static void write_vmcoreinfo(struct ic_json *j, const struct ic_vmcoreinfo *v)
{
	uint64_t off;

	if (!ic_json_kv_obj(j, "vmcoreinfo", v))
		return;
	if (v->from_note)
		ic_json_kv_str(j, "phys", NULL); /* from the container's ELF note: no physical address */
	else
		ic_json_kv_hex(j, "phys", v->phys);
	ic_json_kv_str(j, "osrelease", ic_vmcoreinfo__get(v, "OSRELEASE"));
	if (!ic_vmcoreinfo__u64(v, "KERNELOFFSET", &off))
		ic_json_kv_hex(j, "kerneloffset", off);
	else
		ic_json_kv_str(j, "kerneloffset", NULL);
	ic_json_kv_u64(j, "entries", v->nentries);
	ic_json_kv_bool(j, "from_note", v->from_note);
	ic_json_kv_u64(j, "copies", v->copies);
	ic_json_kv_u64(j, "bytes", v->len);
	ic_json_obj_end(j);
}

/* Which evidence tied banner, BTF, kallsyms and VMCOREINFO to one kernel (carvers/same_kernel.c). */
static void write_same_kernel(struct ic_json *j, const struct ic_same_kernel *s)
{
	ic_json_key(j, "same_kernel");
	ic_json_obj_begin(j);
	ic_json_key(j, "ok");
	ic_json_bool(j, !s->mixed);
	ic_json_key(j, "damaged"); /* not ok through damage to one kernel's pieces */
	ic_json_bool(j, s->mixed && s->damaged);
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
	const char *b = (const char *)r->banner, *rel;
	size_t n = r->banner_len, rl;

	if (!ic_json_kv_obj(j, "kernel", b))
		return;
	while (n && b[n - 1] == '\0')
		n--; /* linux_banner's NUL is not text */
	ic_json_key(j, "release");
	rl = ic_banner_release(b, n, &rel);
	if (rl)
		ic_json_strn(j, rel, rl);
	else
		ic_json_null(j);
	ic_json_kv_strn(j, "banner", b, n);
	ic_json_obj_end(j);
}

static void write_profile(struct ic_json *j, const struct ic_report_result *r)
{
	const char *name = r->profile_name;

	if (!ic_json_kv_obj(j, "profile", r->profile_path))
		return;
	if (!name) {
		name = strrchr(r->profile_path, '/');
		name = name ? name + 1 : r->profile_path;
	}
	ic_json_kv_str(j, "path", r->profile_path);
	ic_json_kv_str(j, "name", name);
	ic_json_kv_bool(j, "reused", r->reused);
	ic_json_kv_bool(j, "partial", r->partial);
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
	if (f->recover_doubt[0]) /* only when rules disagreed: the refusal's evidence */
		ic_json_kv_str(j, "recovered_doubt", f->recover_doubt);
	write_same_kernel(j, &f->same_kernel);
	write_status(j, f);
	if (r) {
		write_kernel(j, r);
		write_profile(j, r);
		/* Why the profile is incomplete: batch tells "incomplete" from "failed" by it. */
		ic_json_kv_str(j, "missing", r->missing && r->missing[0] ? r->missing : NULL);
	}
	ic_json_obj_end(j);
	err = ic_json_finish(j);
	free(j);
	if (!err && fputc('\n', out) == EOF)
		err = -EIO;
	return err;
}
