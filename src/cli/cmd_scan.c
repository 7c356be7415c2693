/* SPDX-License-Identifier: MIT */
/* isfcarve scan: open an image, run every carver in one pass, print what they found. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "isfcarve/banner.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/report.h"
#include "isfcarve/slots.h"
#include "isfcarve/vmcoreinfo.h"

struct scan_opts {
	struct cli_common c;
	bool json;
	unsigned threads;
	const char *format;
	const char *path;
};

/* Library messages: warnings are held back one at a time, so that when opening fails the
 * last one (which names the file and offset) becomes the single error line. */
struct scan_log {
	const struct ic_ctx *ctx;
	char held[1024];
	bool have;
	bool progress_line; /* a progress bar is on screen: clear it before printing */
};

static void clear_progress(struct scan_log *l)
{
	if (l->progress_line) {
		fputs("\r\033[K", stderr);
		l->progress_line = false;
	}
}

static void flush_held(struct scan_log *l)
{
	if (l->have)
		cli_print(IC_LOG_WARN, l->held, NULL);
	l->have = false;
}

static void scan_print(enum ic_log_level lvl, const char *msg, void *arg)
{
	struct scan_log *l = arg;

	clear_progress(l);
	if (lvl != IC_LOG_WARN) {
		cli_print(lvl, msg, NULL);
		return;
	}
	flush_held(l);
	snprintf(l->held, sizeof(l->held), "%s", msg);
	l->have = true;
}

struct progress {
	struct scan_log *log;
	int last;
};

static void scan_progress(uint64_t done, uint64_t total, void *arg)
{
	struct progress *p = arg;
	int pct = total ? (int)(done * 100 / total) : 100;

	if (pct == p->last)
		return;
	p->last = pct;
	fprintf(stderr, "\rscanning: %3d%% (%" PRIu64 " / %" PRIu64 " MiB)", pct, done >> 20, total >> 20);
	p->log->progress_line = true;
}

static void usage(FILE *f)
{
	fputs("usage: isfcarve scan [--json] [-v|-q] [-j N] [--format NAME] IMAGE\n"
	      "  Scan a memory image once with every carver and report\n"
	      "  the banner, BTF, VMCOREINFO, kallsyms and KASLR it finds.\n"
	      "  --json         machine-readable report on stdout\n"
	      "  -j, --threads  scan threads (default and 0: online CPUs)\n"
	      "  --format NAME  force the container format (lime, kcore, elf, kdump,\n"
	      "                 kdump-flat, avml, vmware, raw)\n"
	      "  -v / -q        more / fewer messages on stderr\n", f);
}

static int parse_args(int argc, char **argv, struct scan_opts *o)
{
	/* long-only options: codes past 255, so that cli_option_error() never takes them for a
	 * short letter (--json=1 read "unknown option '-J'") */
	enum { OPT_JSON = 256, OPT_FORMAT };
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },   { "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },  { "threads", required_argument, NULL, 'j' },
		{ "format", required_argument, NULL, OPT_FORMAT }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0; /* one line of ours, as the profile modes, not getopt's + the usage */
	optind = 1;
	while ((c = getopt_long(argc, argv, ":vqj:h", lo, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: o->json = true; break;
		case 'v': o->c.verbose++; break;
		case 'q': o->c.quiet = true; break;
		case OPT_FORMAT: o->format = optarg; break;
		case 'j': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			/* as the profile modes: 0 = online CPUs (docs/cli.md) */
			if (*end || !*optarg || *optarg == '-' || v > 1024) {
				cli_error("scan: -j wants a thread count 0..1024 (0 = online CPUs), "
					  "not '%s'", optarg);
				return EXIT_USAGE;
			}
			o->threads = (unsigned)v;
			break;
		}
		case 'h': usage(stdout); return -1;
		default:
			return cli_option_error("scan", c, argv, ":vqj:h", lo);
		}
	}
	if (optind != argc - 1) {
		cli_error("scan: exactly one IMAGE expected");
		usage(stderr);
		return EXIT_USAGE;
	}
	o->path = argv[optind];
	return 0;
}

static const char *status_str(int st)
{
	return st == -IC_ENOTFOUND ? "not found" : ic_strerror(st);
}

static void print_human(const struct ic_image *img, const struct ic_findings *f)
{
	printf("image:      %s (%s, %zu ranges, %" PRIu64 " bytes)\n", ic_image__path(img),
	       ic_image__format(img), ic_image__nranges(img), ic_image__bytes(img));
	if (f->banner)
		printf("banner:     %.*s\n            at 0x%" PRIx64 "%s; %u copies (%u in linux_banner form)\n",
		       (int)f->banner->line_len, f->banner->text, f->banner->phys,
		       f->banner->linux_banner ? " (linux_banner)" : "", f->banner->copies,
		       f->banner->exact_copies);
	if (f->banner && f->banner->doubt[0]) /* the carver says it at -v only */
		printf("            IN DOUBT: %s\n", f->banner->doubt);
	else if (!f->banner)
		printf("banner:     %s\n", status_str(f->status[IC_SLOT_BANNER]));
	if (f->btf) {
		char hex[65];

		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", f->btf->sha256[i]);
		printf("btf:        %" PRIu64 " bytes at 0x%" PRIx64 ", %u types, sha256 %s\n"
		       "            %u valid blob(s), %u header hit(s)\n",
		       f->btf->size, f->btf->phys, f->btf->nr_types, hex, f->btf->candidates, f->btf->headers);
	} else {
		printf("btf:        %s\n", status_str(f->status[IC_SLOT_BTF]));
	}
	if (f->vmcoreinfo) {
		const char *rel = ic_vmcoreinfo__get(f->vmcoreinfo, "OSRELEASE");
		const char *ko = ic_vmcoreinfo__get(f->vmcoreinfo, "KERNELOFFSET");

		if (f->vmcoreinfo->from_note)
			printf("vmcoreinfo: ELF note");
		else
			printf("vmcoreinfo: at 0x%" PRIx64, f->vmcoreinfo->phys);
		printf(", OSRELEASE=%s, KERNELOFFSET=%s%s, %zu entries, %u copies\n", rel ? rel : "?",
		       ko ? "0x" : "", ko ? ko : "(none)", f->vmcoreinfo->nentries, f->vmcoreinfo->copies);
	} else {
		printf("vmcoreinfo: %s\n", status_str(f->status[IC_SLOT_VMCOREINFO]));
	}
	printf("kallsyms:   %s\n", f->status[IC_SLOT_KALLSYMS] ? status_str(f->status[IC_SLOT_KALLSYMS]) : "found");
	if (f->same_kernel.mixed) {
		printf("kernel:     %s: %s\n", f->same_kernel.damaged ? "DAMAGED" : "NOT one kernel",
		       f->same_kernel.problem);
	} else if (f->same_kernel.n) {
		printf("kernel:     one kernel, tied by");
		for (unsigned i = 0; i < f->same_kernel.n; i++)
			printf("%s %s", i ? ";" : "", f->same_kernel.evidence[i]);
		printf("\n");
	}
}

int cmd_scan(int argc, char **argv)
{
	struct scan_opts o = { 0 };
	struct ic_ctx ctx;
	struct scan_log log = { 0 };
	struct progress prog = { &log, -1 };
	struct ic_image *img = NULL;
	struct ic_findings f;
	int err, rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	cli_ctx_init(&ctx, &o.c);
	cli_populate_heap(); /* while the image opens (memtune.c) */
	ctx.print = scan_print;
	ctx.print_arg = &log;
	log.ctx = &ctx;
	ctx.threads = o.threads;
	if (!o.c.quiet && isatty(STDERR_FILENO)) {
		ctx.progress = scan_progress;
		ctx.progress_arg = &prog;
	}
	err = o.format ? ic_image__open_as(&ctx, o.path, o.format, &img) : ic_image__open(&ctx, o.path, &img);
	if (err) {
		if (log.have)
			cli_error("%s", log.held);
		else
			cli_error("%s: %s", o.path, ic_strerror(err));
		return cli_exit_for(err);
	}
	flush_held(&log);
	err = ic_scan(&ctx, img, &f);
	clear_progress(&log);
	if (err) {
		if (log.have)
			cli_error("%s", log.held);
		else
			cli_error("%s: scan failed: %s", o.path, ic_strerror(err));
		ic_findings__release(&f);
		ic_image__free(img);
		return cli_exit_for(err);
	}
	flush_held(&log);
	if (o.json)
		err = ic_report__write_json(img, &f, stdout, 2);
	else
		print_human(img, &f);
	if (!err && fflush(stdout))
		err = -EIO;
	ic_findings__release(&f);
	ic_image__free(img);
	if (err) {
		cli_error("%s: cannot write the report: %s", o.path, ic_strerror(err));
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}
