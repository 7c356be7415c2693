/* SPDX-License-Identifier: MIT */
/* isfcarve IMAGE: profile a memory image (scan, carvers, KASLR, symbols, types, ISF). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "0-base/internal.h"
#include "isfcarve/btf.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/live.h"
#include "isfcarve/profile.h"
#include "isfcarve/report.h"
#include "isfcarve/symbols.h"
#include "isfcarve/symdir.h"
#include "isfcarve/vmlinux.h"
#include "0-base/ic_limits.h"
#include "0-base/out.h"

/* --symbols-dir state: the identity, the profile path, whether it is reused, the lock. */
struct symdir_run {
	const struct cli_opts *o;
	const struct ic_ctx *ctx;
	struct ic_profile_id id;
	char path[4096];
	bool have_path;
	bool reused;
	bool rebuild; /* the stored profile disagreed with this image's evidence */
	int lock_fd;
	int err; /* a symbols-dir failure seen in the callback (it cannot return one) */
};

/* The identity (banner + BTF) names the kernel build, not whether the stored profile was made
 * right: reuse it only if its symbols agree with this image's own evidence (docs/security.md,
 * "Meaning, not only shape"). Otherwise rebuild it, as --force would. */
static bool stored_ok(struct symdir_run *r, const struct ic_profile *p)
{
	char why[320];

	if (ic_profile__check_stored(r->ctx, p, r->path, why, sizeof(why)) != 1)
		return true;
	pr_warn(r->ctx, "%s: not reused: %s; rebuilding it", r->path, why);
	r->rebuild = true;
	return false;
}

/* Called by the pipeline once banner + BTF are known, before the costly part: reuse an
 * existing profile of the same identity (docs/workflow.md section 3, steps 2-4). */
static int on_identified(void *arg, const struct ic_profile *p)
{
	struct symdir_run *r = arg;
	bool exists = false;
	int err;

	err = ic_profile_id__compute(&r->id, p->banner, p->banner_len, p->btf_sha256);
	if (!err)
		err = ic_symdir__prepare(r->ctx, r->o->symbols_dir, &r->id, r->path, sizeof(r->path),
					 &exists);
	if (err) {
		r->err = err;
		return 1; /* stop: nothing to build into */
	}
	r->have_path = true;
	if (exists && !r->o->force && stored_ok(r, p)) {
		r->reused = true;
		return 1;
	}
	/* Serialise identical kernels: the second producer waits, then finds the profile. */
	if (ic_symdir__lock(r->ctx, r->o->symbols_dir, &r->id, &r->lock_fd))
		r->lock_fd = -1; /* optional: publishing is atomic anyway */
	else if (!r->o->force && !r->rebuild &&
		 !ic_symdir__prepare(r->ctx, r->o->symbols_dir, &r->id, r->path, sizeof(r->path),
				     &exists) && exists && stored_ok(r, p)) {
		ic_symdir__unlock(r->lock_fd);
		r->lock_fd = -1;
		r->reused = true;
		return 1;
	}
	return 0;
}

/* --report FILE: written whole to memory, then through out.c (temp + rename), so that an
 * interrupted or failed run never leaves half a report; "-" is stdout. */
static int write_report(const char *path, const struct ic_profile *p, const char *profile,
			bool reused, bool partial)
{
	struct ic_report_result res = { .sz = sizeof(res) };
	bool to_stdout = !strcmp(path, "-");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = to_stdout ? stdout : open_memstream(&buf, &len);
	struct ic_out *w = NULL;
	int err;

	if (!f) {
		cli_error("%s: cannot write the report (%s)", path, strerror(errno));
		return EXIT_INTERNAL;
	}
	res.banner = p->banner;
	res.banner_len = p->banner_len;
	res.profile_path = profile;
	res.reused = reused;
	res.partial = partial;
	res.missing = p->missing; /* "" when complete; batch reads it on exit 3 */
	err = ic_report__write_json_ex(p->img, &p->findings, &res, f, 2);
	if (!to_stdout) {
		if (fclose(f) && !err)
			err = -ENOMEM;
		if (!err)
			err = ic_out__open(NULL, path, &w);
		if (!err)
			err = ic_out__write(w, buf, len);
		if (w)
			err = err ? (ic_out__abort(w), err) : ic_out__commit(w);
		free(buf);
	}
	if (err) {
		/* An output that cannot be written (its directory was checked before the scan):
		 * not bad input, whatever the errno. */
		cli_error("%s: writing the report failed (%s)", path, ic_strerror(err));
		return EXIT_INTERNAL;
	}
	return -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Shell-quote s for the "next:" line only when needed (paths with spaces etc.). */
static void print_arg(const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			    "_-./+=:,@%") == strlen(s)) {
		fputs(s, stderr);
		return;
	}
	fputc('\'', stderr);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", stderr);
		else
			fputc(*s, stderr);
	fputc('\'', stderr);
}

/* The human summary at the end of a run (stderr; -q silences it). */
static void summary(const struct cli_opts *o, const struct ic_profile *p, const char *profile,
		    bool reused, double secs)
{
	const struct ic_findings *f = &p->findings;
	const char *b = (const char *)p->banner, *rel = "?";
	int rl = 1;
	char dir[4096];
	const char *ext_src;
	bool carved_types;

	if (o->common.quiet)
		return;
	if (b) {
		const char *r;
		size_t l = ic_banner_release(b, p->banner_len, &r);

		if (l) {
			rel = r;
			rl = l > 64 ? 64 : (int)l;
		}
	}
	fprintf(stderr, "isfcarve: %s: kernel %.*s, %s image; carved:%s%s%s%s", o->image, rl, rel,
		ic_image__format(p->img), f->banner ? " banner" : "", f->btf ? " BTF" : "",
		f->kallsyms ? " kallsyms" : "", f->vmcoreinfo ? " vmcoreinfo" : "");
	/* The type count is of the BTF the profile's types came from: the carved one, or the
	 * --btf / --dwarf / --btf-dir one (then said after the carved list, with its source).
	 * A reused run stops before the types are chosen (btf_source, btf still NULL). */
	ext_src = p->btf_source && strcmp(p->btf_source, "image") ? p->btf_source
		: p->dir_btf_path ? p->dir_btf_path : o->dwarf ? o->dwarf : o->btf;
	carved_types = f->btf && !ext_src;
	if (carved_types)
		fprintf(stderr, " (%" PRIu32 " types", f->btf->nr_types);
	if (f->kallsyms)
		fprintf(stderr, "%s%zu symbols", carved_types ? ", " : " (", f->kallsyms->nsyms);
	if (carved_types || f->kallsyms)
		fputc(')', stderr);
	if (ext_src && p->btf)
		fprintf(stderr, "; types: %" PRIu32 " from %s%s", ic_btf__nr_types(p->btf),
			ext_src, f->btf ? ", not the carved BTF" : "");
	else if (ext_src)
		fprintf(stderr, "; types from %s%s", ext_src, f->btf ? ", not the carved BTF" : "");
	if (f->kaslr)
		fprintf(stderr, "; slide 0x%" PRIx64, f->kaslr->virtual_slide);
	fprintf(stderr, "; profile %s (%s) in %.1fs\n", profile, reused ? "reused" : "written",
		secs);
	/* vol.py -s wants the directory holding the profile (searched recursively); a name it
	 * does not look for (written with --force) gets no such hint. */
	if (!o->symbols_dir && !strcmp(profile, "-"))
		return; /* on standard output: there is no directory to point vol.py at */
	if (!o->symbols_dir && !cli_output_name_ok(profile)) {
		fprintf(stderr, "isfcarve: note: vol.py does not look for %s (it wants *.json, "
			"*.json.gz or *.json.xz)\n", profile);
		return;
	}
	if (o->symbols_dir) {
		snprintf(dir, sizeof(dir), "%s", o->symbols_dir);
	} else {
		const char *sl = strrchr(profile, '/');

		if (sl)
			snprintf(dir, sizeof(dir), "%.*s", (int)(sl - profile), profile);
		else
			snprintf(dir, sizeof(dir), ".");
		if (!dir[0])
			snprintf(dir, sizeof(dir), "/");
	}
	fputs("isfcarve: next: vol.py -s ", stderr);
	print_arg(dir);
	fputs(" -f ", stderr);
	print_arg(o->image);
	fputs(" linux.pslist.PsList\n", stderr);
}

/* Scan progress on a terminal (stderr), like `isfcarve scan`: one line, redrawn per percent. */
struct image_progress {
	int last;
	bool drawn;
};

static void image_progress(uint64_t done, uint64_t total, void *arg)
{
	struct image_progress *pr = arg;
	int pct = total ? (int)(done * 100 / total) : 100;

	if (pct == pr->last)
		return;
	pr->last = pct;
	fprintf(stderr, "\rscanning: %3d%% (%" PRIu64 " / %" PRIu64 " MiB)", pct, done >> 20,
		total >> 20);
	pr->drawn = true;
}

int cli_profile_image(const struct cli_opts *o)
{
	struct ic_ctx ctx;
	struct ic_profile_opts po = { .sz = sizeof(po) };
	struct ic_blob btf_blob = { 0 }, map_blob = { 0 };
	uint8_t *dwarf_btf = NULL;
	const uint8_t *dwarf_banner = NULL;
	size_t dwarf_banner_len = 0;
	struct ic_blob dwarf_blob = { 0 };
	struct ic_vmlinux *dwarf_vm = NULL;
	char dwarf_what[4096 + 24];
	struct ic_vmlinux *vm = NULL;
	struct ic_symtab *map = NULL;
	struct ic_profile *p = NULL;
	struct symdir_run sd = { .o = o, .lock_fd = -1 };
	const char *published = NULL, *out_path;
	char btf_release[65] = "";
	struct image_progress prog = { -1, false };
	double t0;
	int rc, err;

	cli_ctx_init(&ctx, &o->common);
	cli_populate_heap(); /* while the image opens (memtune.c) */
	ctx.threads = o->threads;
	if (!o->common.quiet && isatty(STDERR_FILENO)) {
		ctx.progress = image_progress;
		ctx.progress_arg = &prog;
	}
	sd.ctx = &ctx;
	/* OUT (its name, directory, --force) before the scan: a mistake there is a usage error
	 * said at once, not after minutes of work. */
	rc = cli_check_output(o);
	if (rc < 0)
		rc = cli_check_symbols_dir(o);
	if (rc < 0)
		rc = cli_check_report(o);
	if (rc >= 0)
		return rc;
	/* the run's time includes loading --btf / converting --dwarf (most of such a run) */
	t0 = now();
	if (o->btf) {
		rc = cli_load_btf_ex(&ctx, o->btf, &btf_blob, &vm, &po.btf, &po.btf_len, btf_release,
				     sizeof(btf_release));
		if (rc >= 0)
			goto out;
		po.btf_what = o->btf;
		po.btf_release = btf_release[0] ? btf_release : NULL;
	}
	if (o->dwarf) {
		/* symbols, KASLR and the banner still come from the image: only the types */
		rc = cli_load_dwarf(&ctx, o->dwarf, &dwarf_btf, &po.btf_len, &dwarf_blob, &dwarf_vm,
				    &dwarf_banner, &dwarf_banner_len);
		if (rc >= 0)
			goto out;
		po.btf = dwarf_btf;
		snprintf(dwarf_what, sizeof(dwarf_what), "%s (DWARF -> BTF)", o->dwarf);
		po.btf_what = dwarf_what;
		po.btf_kind = "dwarf";
	}
	if (o->map) {
		rc = cli_load_map(&ctx, o->map, &map_blob, &map);
		if (rc >= 0)
			goto out;
		po.map = map;
		po.map_what = o->map;
	}
	po.format = o->image_format && *o->image_format ? o->image_format : NULL;
	po.allow_partial = o->allow_partial;
	po.withhold_data_syms = o->withhold_data_syms;
	po.withhold_btf = o->withhold_btf;
	po.btf_dir = o->btf_dir;
	if (o->symbols_dir) {
		po.identified = on_identified;
		po.identified_arg = &sd;
	}

	cli_flush();
	err = ic_profile__build(&ctx, o->image, &po, &p);
	if (prog.drawn)
		fputs("\r\033[K", stderr);
	if (err && err != -IC_EINCOMPLETE) {
		rc = cli_fail(err, "%s: cannot profile", o->image);
		goto out;
	}
	cli_flush();
	/* Types of another kernel would make a profile that lies: the debug vmlinux names its
	 * kernel by its own linux_banner. */
	if (dwarf_banner && p->banner && (dwarf_banner_len != p->banner_len ||
					  memcmp(dwarf_banner, p->banner, p->banner_len))) {
		cli_error("%s: --dwarf %s is another kernel: its banner \"%.*s\", the image's "
			  "\"%.*s\"", o->image, o->dwarf, (int)strcspn((const char *)dwarf_banner, "\n"),
			  (const char *)dwarf_banner, (int)strcspn((const char *)p->banner, "\n"),
			  (const char *)p->banner);
		rc = EXIT_INPUT;
		goto report_out;
	}
	if (!dwarf_banner && o->dwarf)
		cli_print(IC_LOG_WARN, "--dwarf: the file has no readable linux_banner: cannot check "
			  "it is the image's kernel", NULL);
	if (sd.err) {
		rc = cli_fail(sd.err, "%s: cannot use the symbols directory", o->symbols_dir);
		goto report_out;
	}
	if (p->stopped) {
		/* Reused: an identical kernel's profile is already in the symbols directory. With -o,
		 * the user still gets the file (a copy). */
		if (o->output) {
			err = ic_symdir__publish(&ctx, sd.path, o->output);
			if (err) {
				rc = cli_fail(err, "%s: copying the reused profile failed", o->output);
				goto report_out;
			}
		}
		published = sd.path;
		goto done;
	}
	if (err == -IC_EINCOMPLETE && !o->allow_partial) {
		/* --allow-partial writes what there is, but never pieces that are not of one
		 * intact kernel (same_kernel): no hint then */
		cli_error("%s: incomplete: %s%s", o->image, p->missing,
			  p->findings.same_kernel.mixed ? ""
			  : " (or --allow-partial to write what there is)");
		rc = EXIT_INCOMPLETE;
		goto report_out;
	}
	if (o->symbols_dir && !sd.have_path) {
		/* The pipeline never reached the identity check (no linux_banner or no BTF): only
		 * possible here for a partial profile, which is never published (-o only). */
		if (!o->allow_partial) {
			cli_error("%s: no kernel identity (banner and BTF) to name the profile by",
				  o->image);
			rc = EXIT_INCOMPLETE;
			goto report_out;
		}
	}
	/* -o OUT: write it there (then publish a complete one); else straight into DIR. */
	out_path = o->output ? o->output : sd.path;
	err = ic_profile__write(&ctx, p, &po, out_path);
	cli_flush();
	if (err == -IC_EINCOMPLETE && p->stats.bytes) {
		cli_error("%s: wrote a PARTIAL profile to %s: %s", o->image, out_path, p->missing);
		rc = EXIT_INCOMPLETE;
		/* -o only, never published */
		if (o->report && write_report(o->report, p, out_path, false, true) >= 0)
			rc = EXIT_INTERNAL;
		goto out;
	}
	if (err == -IC_EINCOMPLETE && p->missing[0]) {
		/* --allow-partial, yet nothing Volatility could use (no types, no symbols), or
		 * pieces of two kernels or damaged ones: the one line says what is missing and that
		 * nothing was written (the library's refusal is for -v). */
		const struct ic_same_kernel *sk = &p->findings.same_kernel;

		cli_error("%s: incomplete: %s; nothing written to %s (%s)", o->image, p->missing,
			  out_path, sk->mixed && sk->damaged ? "a profile from damaged kernel pieces "
			  "is refused even with --allow-partial" : sk->mixed ? "a profile mixing kernels "
			  "is refused even with --allow-partial" : !p->btf ? "an ISF without types is "
			  "of no use" : "an ISF without symbols is of no use");
		rc = EXIT_INCOMPLETE;
		goto report_out;
	}
	if (err) {
		rc = cli_fail(err, "%s: writing the ISF failed", out_path);
		goto report_out;
	}
	published = out_path;
	if (o->symbols_dir && o->output) {
		err = ic_symdir__publish(&ctx, o->output, sd.path);
		if (err) {
			rc = cli_fail(err, "%s: publishing into the symbols directory failed", sd.path);
			goto report_out;
		}
		published = sd.path;
	}
	if (o->common.verbose) {
		const struct ic_kaslr *k = p->findings.kaslr;

		if (k)
			fprintf(stderr, "isfcarve: kaslr: slide 0x%" PRIx64 ", phys _text 0x%" PRIx64
				", link _text 0x%" PRIx64 " (%s, %s)%s\n", k->virtual_slide,
				k->phys_text, k->link_text, k->method, k->link_method,
				k->consistent ? "" : " INCONSISTENT");
		fprintf(stderr, "isfcarve: wrote %s: %zu base types, %zu user types, %zu enums, "
			"%zu symbols (%zu from %s, %zu absolute, %zu kallsyms tables)\n", out_path,
			p->stats.base_types, p->stats.user_types, p->stats.enums, p->stats.symbols,
			/* from a System.map every symbol is the map's, none converted */
			o->map ? p->syms->n : p->kallsyms_converted, p->syms_source,
			p->kallsyms_absolute, p->table_syms);
	}
done:
	if (sd.lock_fd >= 0) {
		ic_symdir__unlock(sd.lock_fd);
		sd.lock_fd = -1;
	}
	if (o->report) {
		rc = write_report(o->report, p, published, p->stopped, false);
		if (rc >= 0)
			goto out;
	}
	summary(o, p, published, p->stopped, now() - t0);
	rc = EXIT_OK;
	goto out;
report_out:
	/* A failure after the scan: the report still says what is known (batch shows the
	 * release); profile null. */
	if (o->report)
		write_report(o->report, p, NULL, false, false);
out:
	if (sd.lock_fd >= 0)
		ic_symdir__unlock(sd.lock_fd);
	ic_profile__free(p);
	ic_symtab__free(map);
	ic_vmlinux__free(vm);
	ic_blob__release(&btf_blob);
	ic_blob__release(&map_blob);
	free(dwarf_btf);
	ic_vmlinux__free(dwarf_vm);
	ic_blob__release(&dwarf_blob);
	return rc;
}
