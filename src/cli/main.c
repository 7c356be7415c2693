/* SPDX-License-Identifier: MIT */
/* isfcarve entry point: option parsing, subcommand dispatch, exit codes and messages. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <bpf/libbpf.h>

#include "cli.h"

int cli_exit_for(int err)
{
	if (!err)
		return EXIT_OK;
	if (err < 0)
		err = -err;
	switch (err) {
	case IC_EFORMAT: case IC_ETRUNC: case IC_ENOTFOUND: case IC_ELIMIT: case IC_EUNSUPP:
	case IC_EPLACEHOLDER: case IC_EAMBIGUOUS:
	case ENOENT: case EACCES: case EISDIR: case EPROTO: case EPERM: case ENOTDIR:
		return EXIT_INPUT;
	case IC_EINCOMPLETE:
		return EXIT_INCOMPLETE;
	default:
		return EXIT_INTERNAL;
	}
}

/*
 * What is wrong with the option getopt_long() just refused, as the user wrote it. An unknown
 * short letter (optopt, not one of shortopts) is "-x": inside a cluster (-xf) getopt has not
 * moved past its argument, so argv[optind - 1] would be the one before; a byte past ASCII is
 * shown in hex. A known long option given an argument (optopt its value: 'f' for --force=1,
 * or a code past 255) takes none; an unknown long one (optopt 0) is the argument getopt has
 * just moved past, unless it is the prefix of several long options (getopt refuses an
 * ambiguous abbreviation the same way): then they are named.
 */
static const char *bad_option(char *const *argv, const char *shortopts,
			      const struct option *longopts, char *buf, size_t n)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	int oc = optopt < 0 ? optopt & 0xff : optopt; /* a byte past ASCII, from a signed char */

	if (!oc && !strncmp(arg, "--", 2) && arg[2] && longopts) {
		size_t pl = strcspn(arg + 2, "="), l, hits = 0;

		for (const struct option *o = longopts; o->name; o++)
			hits += !strncmp(o->name, arg + 2, pl);
		if (hits > 1) {
			l = (size_t)snprintf(buf, n, "ambiguous option '--%.*s' (", (int)pl, arg + 2);
			for (const struct option *o = longopts; o->name && l < n; o++)
				if (!strncmp(o->name, arg + 2, pl))
					l += (size_t)snprintf(buf + l, n - l, "%s--%s",
							      buf[l - 1] == '(' ? "" : ", ",
							      o->name);
			if (l < n)
				snprintf(buf + l, n - l, ")");
			return buf;
		}
	}

	/* ':' leads shortopts (getopt's "report a missing argument" flag): never a letter */
	if (oc > 0 && oc < 256 && (oc == ':' || !(oc < 128 && strchr(shortopts, oc)))) {
		if (oc < 128 && isgraph(oc))
			snprintf(buf, n, "unknown option '-%c'", oc);
		else
			snprintf(buf, n, "unknown option '-\\x%02x'", (unsigned)oc);
	} else if (oc && !strncmp(arg, "--", 2) && strchr(arg, '=')) {
		snprintf(buf, n, "option '%.*s' takes no argument ('%s')",
			 (int)(strchr(arg, '=') - arg), arg, arg);
	} else {
		snprintf(buf, n, "unknown option '%s'", arg);
	}
	return buf;
}

int cli_option_error(const char *cmd, int c, char *const *argv, const char *shortopts,
		     const struct option *longopts)
{
	char bad[256];

	if (c == ':')
		snprintf(bad, sizeof(bad), "option '%s' needs an argument",
			 optind > 0 ? argv[optind - 1] : "?");
	else
		bad_option(argv, shortopts, longopts, bad, sizeof(bad));
	if (cmd)
		cli_error("%s: %s (see %s --help)", cmd, bad, cmd);
	else
		cli_error("%s (see --help)", bad);
	return EXIT_USAGE;
}

/* The CLI's message state (the library has none; the tool is single-threaded here). */
static struct {
	char pending[1024];
	bool has_pending;
	bool quiet;
} cli_log;

void cli_flush(void)
{
	if (cli_log.has_pending && !cli_log.quiet)
		fprintf(stderr, "isfcarve: warning: %s\n", cli_log.pending);
	cli_log.has_pending = false;
}

void cli_print(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)arg;
	cli_flush();
	if (lvl == IC_LOG_WARN) {
		snprintf(cli_log.pending, sizeof(cli_log.pending), "%s", msg);
		cli_log.has_pending = true;
		return;
	}
	fprintf(stderr, "isfcarve: %s%s\n", lvl == IC_LOG_DEBUG ? "debug: " : "", msg);
}

void cli_ctx_init(struct ic_ctx *ctx, const struct cli_common *c)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->print = cli_print;
	cli_log.quiet = c->quiet;
	/* -q still formats warnings: the last one becomes the error line on failure. */
	ctx->level = c->quiet ? IC_LOG_WARN : c->verbose >= 2 ? IC_LOG_DEBUG
					  : c->verbose == 1 ? IC_LOG_INFO : IC_LOG_WARN;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	cli_flush();
	fputs("isfcarve: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_fail(int err, const char *fmt, ...)
{
	va_list ap;

	if (cli_log.has_pending) {
		fprintf(stderr, "isfcarve: error: %s\n", cli_log.pending);
		cli_log.has_pending = false;
	} else {
		fputs("isfcarve: error: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, " (%s)\n", ic_strerror(err));
	}
	return cli_exit_for(err);
}

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      "  isfcarve --btf FILE --map FILE [--banner STR] -o OUT   profile from kernel files\n"
	      "  isfcarve --dwarf VMLINUX --map FILE -o OUT             ... types from DWARF\n"
	      "  isfcarve [--live] -o OUT                               profile the running kernel\n"
	      "  isfcarve IMAGE -o OUT [--report FILE] [--allow-partial] profile a memory image\n"
	      "  isfcarve IMAGE --symbols-dir DIR [--report FILE]       ... into a shared symbols dir\n"
	      "  isfcarve batch [-j N] --symbols-dir DIR IMAGE...       many images (batch --help)\n"
	      "  isfcarve index DIR                                     banner list for --remote-isf-url\n"
	      "  isfcarve scan IMAGE                                    show what the carvers find\n"
	      "  isfcarve extract IMAGE -d DIR                          carved BTF, vmlinux.h, System.map,\n"
	      "                                                         kallsyms ... as files (extract --help)\n"
	      "\n"
	      "Writes a Volatility 3 symbol table (ISF JSON) with link-time (System.map) addresses.\n"
	      "\n"
	      "Options:\n"
	      "  -o, --output OUT   where to write the ISF: .json, .json.gz, .json.xz, or - (stdout)\n"
	      "      --btf FILE     kernel types: an ELF vmlinux with a .BTF section, raw BTF\n"
	      "                     (/sys/kernel/btf/vmlinux), or BTFHub's <release>.btf.tar.xz;\n"
	      "                     detected by magic. For an IMAGE it must be the image's kernel's\n"
	      "      --btf-dir DIR  (IMAGE) a BTFHub tree: when the image has no BTF, use the\n"
	      "                     <release>.btf.tar.xz of the banner's release found under DIR\n"
	      "      --dwarf FILE   kernel types from the DWARF of the debug vmlinux (Debian -dbg,\n"
	      "                     Ubuntu -dbgsym, Fedora kernel-debuginfo); instead of --btf\n"
	      "      --map FILE     kernel symbols: the real System.map (Debian: from the -dbg package)\n"
	      "      --banner STR   the kernel's banner (/proc/version); \"\\n\" is appended if\n"
	      "                     missing, then a NUL: the exact linux_banner bytes. Default: read\n"
	      "                     linux_banner from the vmlinux; required with raw BTF\n"
	      "      --live         profile the running kernel: /sys/kernel/btf/vmlinux,\n"
	      "                     /proc/kallsyms (needs root or kptr_restrict=0), /proc/version.\n"
	      "                     Also the default when no input is given\n"
	      "      --symbols-dir DIR  (IMAGE) write the profile to DIR/linux/<release>-<hash>.json.xz\n"
	      "                     (hash of banner and BTF), or reuse the one already there for\n"
	      "                     the same kernel (--force rebuilds); with -o OUT too, OUT is\n"
	      "                     written and then copied into DIR. vol.py -s DIR finds it\n"
	      "      --report FILE  (IMAGE) write what was found and how, as JSON\n"
	      "      --allow-partial write a profile even if a piece is missing (exit 3), e.g.\n"
	      "                     live mode on a kernel whose kallsyms lacks linux_banner\n"
	      "                     (IMAGE) --btf/--dwarf FILE, --map FILE supply the types /\n"
	      "                     symbols an image lacks (no BTF before 5.4; no KALLSYMS_ALL)\n"
	      "  -j, --threads N    scan threads (default: online CPUs)\n"
	      "  -f, --force        overwrite OUT if it exists; rebuild a --symbols-dir profile;\n"
	      "                     write an OUT whose name vol.py does not look for\n"
	      "  -v, --verbose      more messages (-vv: debug)\n"
	      "  -q, --quiet        no warnings and no summary, only errors\n"
	      "                     (-v and -q may also come before scan, batch, index)\n"
	      "  -h, --help         this help\n"
	      "  -V, --version      versions of isfcarve and its libraries\n"
	      "\n"
	      "Examples:\n"
	      "  isfcarve --btf vmlinux --map System.map -o linux.json.xz\n"
	      "  isfcarve --btf /sys/kernel/btf/vmlinux --map System.map \\\n"
	      "           --banner \"$(cat /proc/version)\" -o linux.json\n"
	      "  sudo isfcarve -o \"$(uname -r).json.xz\"\n"
	      "  isfcarve mem.lime -o linux.json.xz --report report.json\n"
	      "  isfcarve mem.lime --symbols-dir symbols && vol.py -s symbols -f mem.lime linux.pslist\n"
	      "\n"
	      "Exit codes: 0 ok, 1 usage, 2 input unreadable/unsupported/invalid, 3 incomplete,\n"
	      "4 internal error. See docs/cli.md.\n",
	      f);
}

static void version(void)
{
	char pcre[64] = "";

	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	printf("isfcarve %s\n", ic_version());
	printf("jansson %s\n", jansson_version_str());
	printf("PCRE2 %s\n", pcre);
	printf("zlib %s\n", zlibVersion());
	printf("liblzma %s\n", lzma_version_string());
	printf("libbpf %s\n", libbpf_version_string());
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static bool is_subcommand(const char *name);

enum { OPT_BTF = 256, OPT_MAP, OPT_BANNER, OPT_LIVE, OPT_LIVE_ROOT, OPT_REPORT, OPT_PARTIAL,
       OPT_WITHHOLD, OPT_SYMDIR, OPT_DWARF, OPT_BTF_DIR, OPT_WITHHOLD_BTF };

int cli_parse_opts(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "dwarf", required_argument, NULL, OPT_DWARF },
		{ "banner", required_argument, NULL, OPT_BANNER },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "live-root", required_argument, NULL, OPT_LIVE_ROOT }, /* tests; not in --help */
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "allow-partial", no_argument, NULL, OPT_PARTIAL },
		{ "withhold-data-syms", no_argument, NULL, OPT_WITHHOLD }, /* tests; not in --help */
		{ "symbols-dir", required_argument, NULL, OPT_SYMDIR },
		{ "btf-dir", required_argument, NULL, OPT_BTF_DIR },
		{ "withhold-btf", no_argument, NULL, OPT_WITHHOLD_BTF }, /* tests; not in --help */
		{ "threads", required_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *types;
	int c;

	memset(o, 0, sizeof(*o));
	o->live_root = getenv("IC_LIVE_ROOT");
	o->image_format = getenv("IC_IMAGE_FORMAT");
	o->live_memory_bpf = getenv("IC_LIVE_MEMORY") && !strcmp(getenv("IC_LIVE_MEMORY"), "bpf");
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:j:fvqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o->output = optarg; break;
		case OPT_BTF: o->btf = optarg; break;
		case OPT_MAP: o->map = optarg; break;
		case OPT_DWARF: o->dwarf = optarg; break;
		case OPT_BANNER: o->banner = optarg; break;
		case OPT_LIVE: o->live = true; break;
		case OPT_LIVE_ROOT: o->live_root = optarg; break;
		case OPT_REPORT: o->report = optarg; break;
		case OPT_PARTIAL: o->allow_partial = true; break;
		case OPT_WITHHOLD: o->withhold_data_syms = true; break;
		case OPT_SYMDIR: o->symbols_dir = optarg; break;
		case OPT_BTF_DIR: o->btf_dir = optarg; break;
		case OPT_WITHHOLD_BTF: o->withhold_btf = true; break;
		case 'j':
			if (parse_uint(optarg, 1024, &o->threads)) {
				cli_error("--threads: '%s' is not a number from 0 to 1024", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f': o->force = true; break;
		case 'v': o->common.verbose++; break;
		case 'q': o->common.quiet = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': version(); return EXIT_OK;
		default:
			return cli_option_error(NULL, c, argv, ":o:j:fvqhV", longopts);
		}
	}
	if (optind < argc)
		o->image = argv[optind++];
	/* `isfcarve -j 1 scan IMAGE`: an option before a subcommand made its name the IMAGE */
	if (o->image && is_subcommand(o->image) && access(o->image, F_OK)) {
		cli_error("'%s' must come first: isfcarve %s [OPTIONS] ... (only -q and -v may stand "
			  "before it; see isfcarve %s --help)", o->image, o->image, o->image);
		return EXIT_USAGE;
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s': give one IMAGE (see --help)", argv[optind]);
		return EXIT_USAGE;
	}
	if (o->symbols_dir && !o->image) {
		cli_error("--symbols-dir only applies to an IMAGE");
		return EXIT_USAGE;
	}
	if (o->symbols_dir && !*o->symbols_dir) {
		cli_error("--symbols-dir must not be empty");
		return EXIT_USAGE;
	}
	/* A partial profile must never sit under the canonical name (the next run would reuse
	 * it forever): with --symbols-dir it can only go to -o OUT. */
	if (o->symbols_dir && o->allow_partial && !o->output) {
		cli_error("--allow-partial with --symbols-dir needs -o OUT (partial profiles are "
			  "never published)");
		return EXIT_USAGE;
	}
	if (o->symbols_dir && o->output && !strcmp(o->output, "-")) {
		cli_error("-o - cannot be combined with --symbols-dir (nothing to publish)");
		return EXIT_USAGE;
	}
	if (!o->output && !o->symbols_dir) {
		cli_error("no output: give -o OUT or --symbols-dir DIR (see --help)");
		return EXIT_USAGE;
	}
	if (o->btf && o->dwarf) {
		cli_error("--btf and --dwarf both give the types: choose one");
		return EXIT_USAGE;
	}
	types = o->btf ? "--btf" : o->dwarf ? "--dwarf" : NULL;
	if ((types || o->map) && o->live) {
		cli_error("--btf/--dwarf/--map cannot be combined with --live");
		return EXIT_USAGE;
	}
	if (o->image && o->live) {
		cli_error("--live cannot be combined with an IMAGE");
		return EXIT_USAGE;
	}
	/* With an IMAGE, --btf or --map alone stands in for what the image lacks. */
	if (!o->image && ((types && !o->map) || (o->map && !types))) {
		if (types)
			cli_error("%s and --map go together: --map is missing", types);
		else
			cli_error("--btf and --map go together: --btf is missing (or --dwarf)");
		return EXIT_USAGE;
	}
	if (o->banner && (!types || o->image)) {
		/* With an IMAGE the banner is the image's own, checked against init_uts_ns and
		 * the other copies: one typed by hand would be dropped unseen. */
		cli_error(o->image ? "--banner does not apply to an IMAGE (its own banner is used)"
				   : "--banner only applies with --btf/--dwarf and --map");
		return EXIT_USAGE;
	}
	if (o->btf_dir && (!o->image || o->btf)) {
		cli_error("--btf-dir only applies to an IMAGE, without --btf");
		return EXIT_USAGE;
	}
	if (o->report && !o->image) {
		cli_error("--report only applies to an IMAGE");
		return EXIT_USAGE;
	}
	if (!types && !o->image)
		o->live = true;
	return -1;
}

int cmd_profile(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse_opts(argc, argv, &o);

	if (rc >= 0)
		return rc;
	if (o.image)
		return cli_profile_image(&o);
	if (o.btf || o.dwarf)
		return cli_profile_files(&o);
	return cli_profile_live(&o);
}

/* writes: the command writes files, so it runs under the supervisor (supervise.c) that
 * removes unfinished ones on SIGINT/SIGTERM/SIGHUP. batch does not: each image's child is an
 * `isfcarve IMAGE` with its own. */
static const struct {
	const char *name;
	int (*fn)(int, char **);
	bool writes;
} cmds[] = {
	{ "scan", cmd_scan, false },
	{ "profile", cmd_profile, true },
	{ "batch", cmd_batch, false },
	{ "index", cmd_index, true },
	{ "extract", cmd_extract, true },
};

static bool is_subcommand(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(name, cmds[i].name))
			return true;
	return false;
}

/* -q, -v, --quiet, --verbose (and -vv ...): the options every subcommand takes. */
static bool global_flag(const char *a)
{
	if (!strcmp(a, "--quiet") || !strcmp(a, "--verbose"))
		return true;
	if (a[0] != '-' || !a[1])
		return false;
	for (a++; *a; a++)
		if (*a != 'q' && *a != 'v')
			return false;
	return true;
}

int main(int argc, char **argv)
{
	int g = 1;

	/* A warning held back to become the error line must still reach stderr on success. */
	atexit(cli_flush);
	cli_tune_memory();
	/* `isfcarve -q scan IMAGE`: global flags before a subcommand move behind its name. */
	while (g < argc && global_flag(argv[g]))
		g++;
	if (g < argc)
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[g], cmds[i].name)) {
				char *name = argv[g];

				memmove(argv + 2, argv + 1, (size_t)(g - 1) * sizeof(*argv));
				argv[1] = name;
				if (cmds[i].writes)
					cli_supervise();
				else
					cli_catch_sigbus(0);
				return cmds[i].fn(argc - 1, argv + 1);
			}
	cli_supervise();
	/* No subcommand: profile mode (image, --btf/--map, or live). */
	return cmd_profile(argc, argv);
}
