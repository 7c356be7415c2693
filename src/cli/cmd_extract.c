/* SPDX-License-Identifier: MIT */
/* isfcarve extract: the carved and checked pieces of an image as files for other tools. */
/*
 * isfcarve extract IMAGE -d DIR: the pieces the pipeline carved and checked, as files other tools
 * read: vmlinux.btf (raw BTF), vmlinux.h (libbpf's btf_dump on it, as `bpftool btf dump file
 * format c` prints), System.map (link-time), kallsyms (runtime, as /proc/kallsyms),
 * vmcoreinfo.txt, banner, config (IKCONFIG). Everything is written into a temp directory
 * (".NAME.tmp.PID.HEX", beside a DIR that does not exist yet, inside one that does) and moved
 * into place only when the image was read: a bad image, an error or an interrupt leaves neither
 * DIR nor any piece behind (supervise.c removes the temp directory of an interrupted run).
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "0-base/internal.h"
#include "0-base/out.h"
#include "4-kaslr/kaslr_internal.h"
#include "isfcarve/banner.h"
#include "isfcarve/btf.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/profile.h"
#include "isfcarve/symbols.h"
#include "isfcarve/vmcoreinfo.h"
#include "0-base/ic_limits.h"

/* The files, in the order they are written. */
static const char *const files[] = { "vmlinux.btf", "vmlinux.h", "System.map", "kallsyms",
				     "vmcoreinfo.txt", "banner", "config" };

struct xopts {
	struct cli_common c;
	const char *image, *dir;
	unsigned threads;
	bool force;
};

static void usage(FILE *f)
{
	fputs("usage: isfcarve extract IMAGE -d DIR [-f] [-j N] [-v|-q]\n"
	      "  Write what isfcarve carved from IMAGE and checked, for other tools:\n"
	      "    vmlinux.btf     raw BTF (bpftool btf dump file DIR/vmlinux.btf)\n"
	      "    vmlinux.h       C header of every BTF type (libbpf's btf_dump, as bpftool's\n"
	      "                    'btf dump file ... format c')\n"
	      "    System.map      link-time symbols, sorted like the kernel's\n"
	      "    kallsyms        runtime symbols, as /proc/kallsyms lists the kernel's own\n"
	      "    vmcoreinfo.txt  the VMCOREINFO text\n"
	      "    banner          the kernel's banner line (/proc/version)\n"
	      "    config          the kernel .config, when built with CONFIG_IKCONFIG\n"
	      "  -d, --dir DIR   where (created if missing)\n"
	      "  -f, --force     replace these files if DIR already has them\n"
	      "  -j, --threads N scan threads (default: online CPUs)\n"
	      "  -v / -q         more / fewer messages on stderr\n"
	      "Exit codes: 0 all written, 1 usage, 2 bad input, 3 a piece is missing (the others\n"
	      "are written) or the pieces are of different kernels (none is), 4 internal.\n", f);
}

static int parse(int argc, char **argv, struct xopts *o)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },  { "force", no_argument, NULL, 'f' },
		{ "threads", required_argument, NULL, 'j' }, { "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },      { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":d:fj:vqh", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'f': o->force = true; break;
		case 'v': o->c.verbose++; break;
		case 'q': o->c.quiet = true; break;
		case 'j': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !*optarg || *optarg == '-' || v > 1024) {
				cli_error("extract: --threads: '%s' is not a number from 0 to 1024",
					  optarg);
				return EXIT_USAGE;
			}
			o->threads = (unsigned)v;
			break;
		}
		case 'h': usage(stdout); return EXIT_OK;
		default:
			return cli_option_error("extract", c, argv, ":d:fj:vqh", lo);
		}
	}
	if (optind != argc - 1) {
		cli_error("extract: give exactly one IMAGE (see extract --help)");
		return EXIT_USAGE;
	}
	o->image = argv[optind];
	if (!o->dir || !*o->dir) {
		cli_error("extract: no output directory: give -d DIR");
		return EXIT_USAGE;
	}
	return -1;
}

/*
 * Where the files go first. DIR missing: a temp directory beside it, renamed to DIR at the end
 * (DIR appears complete or not at all). DIR there: a temp directory inside it, whose files are
 * renamed into DIR one by one at the end. The directory the temp one is made in stays open
 * (parent_fd) from before the mkdir to the end: the supervisor finds an interrupted run's temp
 * directory through it, by the name that carries the worker's PID.
 */
struct xdir {
	const char *final;   /* DIR as given */
	char tmp[2 * 4096 + 64]; /* the temp directory */
	int parent_fd;       /* the directory tmp is in, held open; -1: none */
	bool existed;        /* DIR was there: move the files into it */
	bool made;           /* tmp exists (ours to remove until it is moved) */
};

/* Remove tmp and the files in it (only files are ever written there). */
static void xdir_discard(struct xdir *x)
{
	DIR *d;
	struct dirent *de;

	if (x->made && (d = opendir(x->tmp))) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
		rmdir(x->tmp);
	}
	x->made = false;
	if (x->parent_fd >= 0)
		close(x->parent_fd);
	x->parent_fd = -1;
}

/* DIR: made if missing (one level); an existing piece is replaced only with --force. Then the
 * temp directory. -1, or an exit code (the error said). */
static int prepare_dir(const struct xopts *o, struct xdir *x)
{
	struct stat st;
	char p[4096], parent[4096];
	const char *base;
	size_t len = strlen(o->dir);
	int err = 0;

	memset(x, 0, sizeof(*x));
	x->final = o->dir;
	x->parent_fd = -1;
	while (len > 1 && o->dir[len - 1] == '/')
		len--;
	if (len >= sizeof(parent) - 64) {
		cli_error("%s: path too long", o->dir);
		return EXIT_USAGE;
	}
	if (!stat(o->dir, &st)) {
		if (!S_ISDIR(st.st_mode)) {
			cli_error("%s: not a directory", o->dir);
			return EXIT_USAGE;
		}
		for (size_t i = 0; i < IC_ARRAY_SIZE(files) && !o->force; i++) {
			snprintf(p, sizeof(p), "%.*s/%s", (int)len, o->dir, files[i]);
			if (!lstat(p, &st)) {
				cli_error("%s exists (--force replaces it)", p);
				return EXIT_USAGE;
			}
		}
		x->existed = true;
		snprintf(parent, sizeof(parent), "%.*s", (int)len, o->dir);
		base = "extract";
	} else if (errno != ENOENT) {
		cli_error("%s: cannot create the directory (%s)", o->dir, strerror(errno));
		return EXIT_USAGE;
	} else {
		const char *slash = memrchr(o->dir, '/', len);

		if (!slash)
			snprintf(parent, sizeof(parent), ".");
		else
			snprintf(parent, sizeof(parent), "%.*s", slash == o->dir ? 1 : (int)(slash - o->dir),
				 o->dir);
		base = slash ? slash + 1 : o->dir;
		snprintf(p, sizeof(p), "%.*s", (int)(len - (size_t)(base - o->dir)), base);
		base = p;
	}
	x->parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->parent_fd < 0)
		err = errno;
	for (int tries = 0; !err && tries < 100; tries++) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(x->tmp, sizeof(x->tmp), "%s/.%.*s.tmp.%ld.%lx", parent, IC_TMP_NAME_KEEP,
			 base, (long)getpid(),
			 (unsigned long)(ts.tv_nsec ^ (long)tries * 7919));
		if (!mkdir(x->tmp, 0777)) { /* the umask applies, as to DIR itself */
			x->made = true;
			break;
		}
		if (errno != EEXIST)
			err = errno;
	}
	if (!x->made) {
		cli_error("%s: cannot create the directory (%s)", o->dir, strerror(err ? err : EEXIST));
		xdir_discard(x);
		return EXIT_USAGE;
	}
	return -1;
}

/* Move what was written into place: tmp becomes DIR, or its files move into DIR. */
static int xdir_commit(struct xdir *x)
{
	char from[sizeof(((struct xdir *)0)->tmp) + 32], to[4096 + 32];
	struct stat st;

	if (!x->existed) {
		if (rename(x->tmp, x->final)) {
			int err = -errno;

			xdir_discard(x);
			cli_fail(err, "%s: cannot move the files into place", x->final);
			return EXIT_INTERNAL; /* an output step: exit 4 whatever the errno */
		}
		x->made = false;
		xdir_discard(x);
		return -1;
	}
	/* --force into a DIR of an earlier run: a piece this image did not give goes first, else
	 * DIR would hold pieces of two kernels (a 6.x vmlinux.btf beside a 4.x System.map). */
	for (size_t i = 0; i < IC_ARRAY_SIZE(files); i++) {
		snprintf(from, sizeof(from), "%s/%s", x->tmp, files[i]);
		snprintf(to, sizeof(to), "%s/%s", x->final, files[i]);
		if (lstat(from, &st) && errno == ENOENT && unlink(to) && errno != ENOENT) {
			int err = -errno;

			xdir_discard(x);
			cli_fail(err, "%s: cannot remove the earlier run's piece", to);
			return EXIT_INTERNAL; /* an output step: exit 4 whatever the errno */
		}
	}
	for (size_t i = 0; i < IC_ARRAY_SIZE(files); i++) {
		snprintf(from, sizeof(from), "%s/%s", x->tmp, files[i]);
		snprintf(to, sizeof(to), "%s/%s", x->final, files[i]);
		if (rename(from, to) && errno != ENOENT) {
			int err = -errno;

			xdir_discard(x);
			cli_fail(err, "%s: cannot move it into place", to);
			return EXIT_INTERNAL; /* an output step: exit 4 whatever the errno */
		}
	}
	xdir_discard(x);
	return -1;
}

/* One output file: path under DIR, opened through the temp-file sink. */
struct xfile {
	struct ic_out *out;
	char path[4096];
	int err;
	char last; /* last byte vmlinux.h got (see void_params) */
};

static int xopen(const struct ic_ctx *ctx, const char *dir, const char *name, struct xfile *f)
{
	memset(f, 0, sizeof(*f));
	if ((size_t)snprintf(f->path, sizeof(f->path), "%s/%s", dir, name) >= sizeof(f->path))
		return -ENAMETOOLONG;
	return ic_out__open(ctx, f->path, &f->out);
}

/* fmt with ap into buf, or into a heap copy when longer (*big, to free); NULL on error. */
static const char *vformat(char *buf, size_t cap, char **big, int *n, const char *fmt, va_list ap)
{
	va_list cp;

	*big = NULL;
	va_copy(cp, ap);
	*n = vsnprintf(buf, cap, fmt, cp);
	va_end(cp);
	if (*n < 0)
		return NULL;
	if ((size_t)*n < cap)
		return buf;
	*big = malloc((size_t)*n + 1);
	if (!*big)
		return NULL;
	vsnprintf(*big, (size_t)*n + 1, fmt, ap);
	return *big;
}

static void IC_PRINTF(2, 3) xprintf(struct xfile *f, const char *fmt, ...)
{
	char buf[512], *big;
	const char *s;
	va_list ap;
	int n;

	if (f->err)
		return;
	va_start(ap, fmt);
	s = vformat(buf, sizeof(buf), &big, &n, fmt, ap);
	va_end(ap);
	if (!s)
		f->err = n < 0 ? -EINVAL : -ENOMEM;
	else
		f->err = ic_out__write(f->out, s, (size_t)n);
	free(big);
}

/* Commit (or drop on an earlier error); the error, if any, printed with the path. */
static int xclose(struct xfile *f, const char *what)
{
	int err = f->err;

	if (err) {
		ic_out__abort(f->out);
	} else {
		err = ic_out__commit(f->out);
	}
	f->out = NULL;
	if (err)
		return cli_fail(err, "%s: writing the %s failed", f->path, what);
	return -1;
}

static int write_bytes(const struct ic_ctx *ctx, const char *dir, const char *name,
		       const void *data, size_t len, const char *what)
{
	struct xfile f;
	int err = xopen(ctx, dir, name, &f);

	if (err)
		return cli_fail(err, "%s/%s: cannot write the %s", dir, name, what);
	f.err = ic_out__write(f.out, data, len);
	return xclose(&f, what);
}

/*
 * An empty parameter list: libbpf 1.1 (Debian 12's libbpf1) prints a BTF prototype without
 * parameters as "()", while newer libbpf, and the copy built into bpftool, print "(void)" -- the
 * C that says "no parameters", which is what BTF means. vmlinux.h has no other "()" (btf_dump
 * emits only declarations), so "()" becomes "(void)", also across two printf calls; with a
 * libbpf that prints "(void)" already this changes nothing.
 */
static void void_params(struct xfile *f, const char *s, size_t n)
{
	size_t from = 0;

	for (size_t i = 0; i < n && !f->err; i++) {
		char prev = i ? s[i - 1] : f->last;

		if (s[i] == ')' && prev == '(') {
			f->err = ic_out__write(f->out, s + from, i - from);
			if (!f->err)
				f->err = ic_out__write(f->out, "void", 4);
			from = i;
		}
	}
	if (!f->err)
		f->err = ic_out__write(f->out, s + from, n - from);
	if (n)
		f->last = s[n - 1];
}

/* libbpf's btf_dump prints through a vprintf-like callback. */
static void dump_printf(void *arg, const char *fmt, va_list ap)
{
	struct xfile *f = arg;
	char buf[1024], *big;
	const char *s;
	int n;

	if (f->err)
		return;
	s = vformat(buf, sizeof(buf), &big, &n, fmt, ap);
	if (!s)
		f->err = n < 0 ? -EINVAL : -ENOMEM;
	else
		void_params(f, s, (size_t)n);
	free(big);
}

/* vmlinux.h: every type in id order through btf_dump, between the guard and the
 * preserve_access_index pragma that BPF CO-RE programs expect (bpftool's layout). */
static int write_vmlinux_h(const struct ic_ctx *ctx, const char *dir, const uint8_t *data,
			   size_t len)
{
	struct btf *btf;
	struct btf_dump *d;
	struct xfile f;
	int err;
	__u32 n;

	btf = btf__new(data, (__u32)len);
	if (!btf) {
		cli_error("%s/vmlinux.h: libbpf cannot load the BTF (%s)", dir, strerror(errno));
		return EXIT_INTERNAL; /* our validator accepted it */
	}
	err = xopen(ctx, dir, "vmlinux.h", &f);
	if (err) {
		btf__free(btf);
		return cli_fail(err, "%s/vmlinux.h: cannot write", dir);
	}
	d = btf_dump__new(btf, dump_printf, &f, NULL);
	if (!d) {
		f.err = -errno ? -errno : -ENOMEM;
	} else {
		xprintf(&f, "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n");
		xprintf(&f, "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute push "
			"(__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n");
		n = btf__type_cnt(btf);
		for (__u32 id = 1; id < n && !f.err; id++) {
			int e = btf_dump__dump_type(d, id);

			if (e && !f.err)
				f.err = e;
		}
		xprintf(&f, "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n"
			"#endif\n\n#endif /* __VMLINUX_H__ */\n");
		btf_dump__free(d);
	}
	btf__free(btf);
	return xclose(&f, "C header");
}

/* BTF VAR names and linkage (pahole encodes the per-CPU variables), sorted for lookup. */
struct var {
	const char *name;
	bool global;
};

static int cmp_var(const void *a, const void *b)
{
	return strcmp(((const struct var *)a)->name, ((const struct var *)b)->name);
}

/*
 * System.map: the profile's link-time table, sorted as nm -n sorts (address, then name). x86-64
 * kallsyms before 6.15 turn the per-CPU symbols into absolute 'A' entries, where System.map has
 * the section's letter: 'd' for a static, 'D' for a global variable. BTF says which (VAR
 * linkage); the few per-CPU symbols BTF lacks are the linker's and global ones ('D').
 */
static int write_system_map(const struct ic_ctx *ctx, const char *dir, struct ic_symtab *t,
			    const struct ic_btf *btf)
{
	struct var *vars = NULL;
	size_t nvars = 0;
	struct xfile f;
	int err;

	for (uint32_t id = 1, n = btf ? ic_btf__nr_types(btf) : 0; id <= n; id++) {
		const uint32_t *r = ic_btf__rec(btf, id);
		struct var *nv;

		if (ic_btf_kind(r[1]) != IC_BTF_VAR)
			continue;
		nv = ic_reallocarray(vars, nvars + 1, sizeof(*vars));
		if (!nv) {
			free(vars);
			return cli_fail(-ENOMEM, "out of memory");
		}
		vars = nv;
		vars[nvars].name = ic_btf__str(btf, r[0]);
		vars[nvars++].global = r[3] != 0; /* BTF_VAR_STATIC = 0 */
	}
	if (nvars)
		qsort(vars, nvars, sizeof(*vars), cmp_var);
	err = xopen(ctx, dir, "System.map", &f);
	if (err) {
		free(vars);
		return cli_fail(err, "%s/System.map: cannot write", dir);
	}
	ic_symtab__sort(t);
	for (size_t i = 0; i < t->n && !f.err; i++) {
		char type = t->syms[i].type;

		if (type == 'A' && (t->syms[i].flags & IC_SYM_ABSOLUTE)) {
			struct var key = { t->syms[i].name, false };
			const struct var *v = nvars ? bsearch(&key, vars, nvars, sizeof(*vars),
							       cmp_var) : NULL;

			type = v && !v->global ? 'd' : 'D';
		}
		xprintf(&f, "%016" PRIx64 " %c %s\n", t->syms[i].addr, type, t->syms[i].name);
	}
	free(vars);
	return xclose(&f, "System.map");
}

/* kallsyms: the kernel's own entries, runtime addresses, in the kernel's order. */
static int write_kallsyms(const struct ic_ctx *ctx, const char *dir, const struct ic_kallsyms *ks)
{
	struct xfile f;
	int err = xopen(ctx, dir, "kallsyms", &f);

	if (err)
		return cli_fail(err, "%s/kallsyms: cannot write", dir);
	for (size_t i = 0; i < ks->nsyms && !f.err; i++)
		xprintf(&f, "%016" PRIx64 " %c %s\n", ks->syms[i].addr, ks->syms[i].type,
			ks->syms[i].name);
	return xclose(&f, "kallsyms");
}

int cmd_extract(int argc, char **argv)
{
	struct xopts o;
	struct ic_ctx ctx;
	struct ic_profile_opts po = { .sz = sizeof(po) };
	struct ic_profile *p = NULL;
	const struct ic_findings *f;
	struct xdir x;
	const char *dir;
	char missing[1024] = "";
	unsigned written = 0;
	int rc, err;

	rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	cli_ctx_init(&ctx, &o.c);
	ctx.threads = o.threads;
	rc = prepare_dir(&o, &x);
	if (rc >= 0)
		return rc;
	dir = x.tmp;
	cli_populate_heap();
	err = ic_profile__build(&ctx, o.image, &po, &p);
	if (err && err != -IC_EINCOMPLETE) {
		rc = cli_fail(err, "%s: cannot read the image", o.image);
		goto out;
	}
	f = &p->findings;
	if (f->same_kernel.mixed) {
		cli_error("%s: refused: %s", o.image, f->same_kernel.problem);
		rc = EXIT_INCOMPLETE;
		goto out;
	}
	cli_flush();
#define MISSING(what) \
	snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s", \
		 missing[0] ? ", " : "", what)
#define WRITTEN(r) \
	do { \
		if ((r) >= 0) { \
			rc = (r); \
			goto out; \
		} \
		written++; \
	} while (0)
	if (f->btf && p->btf) { /* p->btf: validated (and the carver's own copy) */
		WRITTEN(write_bytes(&ctx, dir, "vmlinux.btf", f->btf->data, (size_t)f->btf->size,
				    "BTF"));
		WRITTEN(write_vmlinux_h(&ctx, dir, f->btf->data, (size_t)f->btf->size));
	} else {
		MISSING("vmlinux.btf and vmlinux.h (no BTF in the image)");
	}
	if (f->kallsyms && f->kaslr && p->syms && p->syms->n && !f->kallsyms->addr_is_phys) {
		WRITTEN(write_system_map(&ctx, dir, p->syms, p->btf));
		WRITTEN(write_kallsyms(&ctx, dir, f->kallsyms));
	} else {
		MISSING(!f->kallsyms ? "System.map and kallsyms (no kallsyms tables)"
				     : "System.map and kallsyms (KASLR not solved)");
	}
	if (f->vmcoreinfo)
		WRITTEN(write_bytes(&ctx, dir, "vmcoreinfo.txt", f->vmcoreinfo->text,
				    f->vmcoreinfo->len, "VMCOREINFO"));
	else
		MISSING("vmcoreinfo.txt (no VMCOREINFO)");
	if (f->banner && f->banner->linux_banner && f->banner->doubt[0]) {
		/* The banner names the kernel a profile is matched by: one in doubt is not written
		 * (IMAGE mode refuses it the same way), so nothing downstream takes it as found. */
		char m[sizeof(f->banner->doubt) + 32];

		snprintf(m, sizeof(m), "banner (in doubt: %s)", f->banner->doubt);
		MISSING(m);
	} else if (f->banner && f->banner->linux_banner) {
		char *b = malloc(f->banner->line_len + 1);

		if (!b) {
			rc = cli_fail(-ENOMEM, "out of memory");
			goto out;
		}
		memcpy(b, f->banner->text, f->banner->line_len);
		b[f->banner->line_len] = '\n';
		rc = write_bytes(&ctx, dir, "banner", b, f->banner->line_len + 1, "banner");
		free(b);
		WRITTEN(rc);
	} else {
		MISSING("banner (no linux_banner)");
	}
	/* config is optional: most distributions build without CONFIG_IKCONFIG */
	if (f->kaslr) {
		const struct ic_kaslr *k = f->kaslr;
		struct ic_kaslr_input in;
		char *cfg = NULL;
		size_t len = 0;

		/* the kernel's own config only, as kallsyms places it: the solver's rule */
		ic_kaslr__input_from_findings(f, p->img, &in);
		err = ic_ikconfig__text(&ctx, &in, true, k->runtime_text - k->phys_text,
					k->runtime_text, k->phys_text, &cfg, &len);
		if (!err) {
			rc = write_bytes(&ctx, dir, "config", cfg, len, "config");
			free(cfg);
			WRITTEN(rc);
		} else if (err == -IC_EAMBIGUOUS) {
			if (!o.c.quiet)
				fprintf(stderr, "isfcarve: warning: %s: configs in the kernel image "
					"disagree and kallsyms does not place one: no config\n",
					o.image);
		} else if (err != -IC_ENOTFOUND) {
			rc = cli_fail(err, "%s: reading IKCONFIG failed", o.image);
			goto out;
		} else if (o.c.verbose) {
			fprintf(stderr, "isfcarve: %s: no IKCONFIG in the kernel image: no config\n",
				o.image);
		}
	}
#undef MISSING
#undef WRITTEN
	/* Some pieces (exit 3 says which are missing): those are written, as with all of them. */
	if (written && (rc = xdir_commit(&x)) >= 0)
		goto out;
	if (missing[0]) {
		cli_error("%s: incomplete: wrote %u file%s to %s; missing: %s", o.image, written,
			  written == 1 ? "" : "s", o.dir, missing);
		rc = EXIT_INCOMPLETE;
		goto out;
	}
	if (!o.c.quiet)
		fprintf(stderr, "isfcarve: %s: wrote %u file%s to %s\n", o.image, written,
			written == 1 ? "" : "s", o.dir);
	rc = EXIT_OK;
out:
	xdir_discard(&x); /* after a commit: only closes parent_fd */
	ic_profile__free(p);
	return rc;
}
