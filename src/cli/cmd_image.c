/* SPDX-License-Identifier: MIT */
/* isfcarve IMAGE: profile a memory image (scan, carvers, KASLR, symbols, types, ISF). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "internal.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/live.h"
#include "isfcarve/profile.h"
#include "isfcarve/report.h"
#include "isfcarve/symbols.h"
#include "isfcarve/vmlinux.h"
#include "ic_limits.h"

/* Refuse to clobber OUT without --force, before minutes of scanning (exit 1, as --btf mode). */
static int check_output(const struct cli_opts *o)
{
	struct stat st;
	int rc;

	rc = cli_check_output_target(o);
	if (rc >= 0)
		return rc;
	if (!strcmp(o->output, "-") || stat(o->output, &st))
		return -1;
	if (S_ISDIR(st.st_mode)) {
		cli_error("%s: output is a directory", o->output);
		return EXIT_USAGE;
	}
	if (!o->force) {
		cli_error("%s: output exists (use --force to overwrite)", o->output);
		return EXIT_USAGE;
	}
	return -1;
}

/* --btf FILE with an IMAGE: an ELF vmlinux's .BTF, or raw BTF. Points into *blob / *vm. */
static int load_btf(struct ic_ctx *ctx, const char *path, struct ic_blob *blob,
		    struct ic_vmlinux **vm, const uint8_t **data, size_t *len)
{
	int err = ic_blob__load(ctx, path, IC_MAX_VMLINUX_BYTES, blob);

	if (err)
		return cli_fail(err, "%s: cannot read", path);
	if (ic_vmlinux__is_elf(blob->data, blob->len)) {
		err = ic_vmlinux__open(ctx, blob->data, blob->len, path, vm);
		if (err)
			return cli_fail(err, "%s: bad ELF file", path);
		if (ic_vmlinux__section(*vm, ".BTF", data, len)) {
			cli_error("%s: no .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF?)",
				  path);
			return EXIT_INPUT;
		}
		return -1;
	}
	if (blob->len >= 2 && ((blob->data[0] == 0x9f && blob->data[1] == 0xeb) ||
			       (blob->data[0] == 0xeb && blob->data[1] == 0x9f))) {
		*data = blob->data;
		*len = blob->len;
		return -1;
	}
	cli_error("%s: neither an ELF vmlinux nor raw BTF (offset 0: no ELF or BTF magic)", path);
	return EXIT_INPUT;
}

static int write_report(const char *path, const struct ic_profile *p)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int err;

	if (!f) {
		cli_error("%s: cannot write the report (%s)", path, strerror(errno));
		return EXIT_INPUT;
	}
	err = ic_report__write_json(p->img, &p->findings, f, 2);
	if (f != stdout && fclose(f) && !err)
		err = -errno;
	if (err) {
		cli_error("%s: writing the report failed (%s)", path, ic_strerror(err));
		return EXIT_INTERNAL;
	}
	return -1;
}

int cli_profile_image(const struct cli_opts *o)
{
	struct ic_ctx ctx;
	struct ic_profile_opts po = { .sz = sizeof(po) };
	struct ic_blob btf_blob = { 0 }, map_blob = { 0 };
	struct ic_vmlinux *vm = NULL;
	struct ic_symtab *map = NULL;
	struct ic_profile *p = NULL;
	int rc, err;

	cli_ctx_init(&ctx, &o->common);
	ctx.threads = o->threads;
	rc = check_output(o);
	if (rc >= 0)
		return rc;
	if (o->btf) {
		rc = load_btf(&ctx, o->btf, &btf_blob, &vm, &po.btf, &po.btf_len);
		if (rc >= 0)
			goto out;
		po.btf_what = o->btf;
	}
	if (o->map) {
		err = ic_blob__load(&ctx, o->map, IC_MAX_SYMFILE_BYTES, &map_blob);
		if (err) {
			rc = cli_fail(err, "%s: cannot read", o->map);
			goto out;
		}
		map = ic_symtab__new();
		if (!map) {
			rc = cli_fail(-ENOMEM, "out of memory");
			goto out;
		}
		err = ic_symtab__parse_map(&ctx, map, (const char *)map_blob.data, map_blob.len, o->map,
					   NULL);
		if (err) {
			rc = cli_fail(err, "%s: bad System.map", o->map);
			goto out;
		}
		po.map = map;
		po.map_what = o->map;
	}
	po.allow_partial = o->allow_partial;
	po.withhold_data_syms = o->withhold_data_syms;

	cli_flush();
	err = ic_profile__build(&ctx, o->image, &po, &p);
	if (err && err != -IC_EINCOMPLETE) {
		rc = cli_fail(err, "%s: cannot profile", o->image);
		goto out;
	}
	cli_flush();
	if (o->report) {
		rc = write_report(o->report, p);
		if (rc >= 0)
			goto out;
	}
	if (err == -IC_EINCOMPLETE && !o->allow_partial) {
		cli_error("%s: incomplete: %s (or --allow-partial to write what there is)", o->image,
			  p->missing);
		rc = EXIT_INCOMPLETE;
		goto out;
	}
	err = ic_profile__write(&ctx, p, &po, o->output);
	cli_flush();
	if (err == -IC_EINCOMPLETE && p->stats.bytes) {
		cli_error("%s: wrote a PARTIAL profile to %s: %s", o->image, o->output, p->missing);
		rc = EXIT_INCOMPLETE;
		goto out;
	}
	if (err) {
		rc = cli_fail(err, "%s: writing the ISF failed", o->output);
		goto out;
	}
	if (o->common.verbose) {
		const struct ic_kaslr *k = p->findings.kaslr;

		if (k)
			fprintf(stderr, "isfcarve: kaslr: slide 0x%" PRIx64 ", phys _text 0x%" PRIx64
				", link _text 0x%" PRIx64 " (%s, %s)%s\n", k->virtual_slide,
				k->phys_text, k->link_text, k->method, k->link_method,
				k->consistent ? "" : " INCONSISTENT");
		fprintf(stderr, "isfcarve: wrote %s: %zu base types, %zu user types, %zu enums, "
			"%zu symbols (%zu from %s, %zu absolute, %zu kallsyms tables)\n", o->output,
			p->stats.base_types, p->stats.user_types, p->stats.enums, p->stats.symbols,
			p->kallsyms_converted, p->syms_source, p->kallsyms_absolute, p->table_syms);
	}
	rc = EXIT_OK;
out:
	ic_profile__free(p);
	ic_symtab__free(map);
	ic_vmlinux__free(vm);
	ic_blob__release(&btf_blob);
	ic_blob__release(&map_blob);
	return rc;
}
