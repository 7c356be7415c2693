/* SPDX-License-Identifier: MIT */
/* isfcarve profile modes from kernel files: --btf/--map (vmlinux or raw BTF) and --live. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "0-base/internal.h"
#include "isfcarve/btf.h"
#include "isfcarve/dwarf.h"
#include "isfcarve/isf.h"
#include "isfcarve/live.h"
#include "isfcarve/recover.h"
#include "isfcarve/symbols.h"
#include "isfcarve/vmlinux.h"
#include "0-base/ic_limits.h"
#include "0-base/tarxz.h"
#include "0-base/btf/btf_trust.h"
#include "8-profile/extbtf.h"

/* --banner STR as typed -> exact linux_banner bytes: STR, "\n" if missing, then "\0". */
static int banner_from_arg(const char *s, uint8_t **out, size_t *len)
{
	static const char prefix[] = "Linux version ";
	size_t n = strlen(s);
	bool nl = n && s[n - 1] == '\n';
	const char *inner = memchr(s, '\n', n);
	uint8_t *b;

	if (strncmp(s, prefix, sizeof(prefix) - 1)) {
		cli_error("--banner: must start with \"Linux version \" (the text of /proc/version)");
		return EXIT_USAGE;
	}
	if (inner && inner != s + n - 1) {
		cli_error("--banner: must be one line");
		return EXIT_USAGE;
	}
	if (!s[sizeof(prefix) - 1] || isspace((unsigned char)s[sizeof(prefix) - 1])) {
		/* the release follows "Linux version " at once in every kernel's banner */
		cli_error("--banner: no kernel release after \"Linux version \"");
		return EXIT_USAGE;
	}
	if (n + 2 > IC_MAX_BANNER_LEN) {
		cli_error("--banner: longer than %u bytes", IC_MAX_BANNER_LEN - 2);
		return EXIT_USAGE;
	}
	b = malloc(n + 2);
	if (!b)
		return EXIT_INTERNAL;
	memcpy(b, s, n);
	if (!nl)
		b[n++] = '\n';
	b[n++] = '\0';
	*out = b;
	*len = n;
	return -1;
}

/* Raw BTF starts with magic 0xeb9f in the blob's own byte order. */
static bool is_raw_btf(const uint8_t *p, size_t len)
{
	return len >= 2 && ((p[0] == 0x9f && p[1] == 0xeb) || (p[0] == 0xeb && p[1] == 0x9f));
}

int cli_load_btf(struct ic_ctx *ctx, const char *path, struct ic_blob *blob,
		 struct ic_vmlinux **vm, const uint8_t **data, size_t *len)
{
	return cli_load_btf_ex(ctx, path, blob, vm, data, len, NULL, 0);
}

int cli_load_btf_ex(struct ic_ctx *ctx, const char *path, struct ic_blob *blob,
		    struct ic_vmlinux **vm, const uint8_t **data, size_t *len, char *release,
		    size_t cap)
{
	/* a debug vmlinux (it has .BTF too) may be larger than IC_MAX_VMLINUX_BYTES; a file
	 * is mapped, not read */
	int err = ic_blob__load(ctx, path, IC_MAX_DWARF_FILE_BYTES, blob);

	if (err)
		return cli_fail(err, "%s: cannot read", path);
	if (release && cap)
		release[0] = '\0';
	/* BTFHub's archive: the one raw BTF file inside takes the blob's place. */
	if (ic_tarxz__is_xz(blob->data, blob->len)) {
		struct ic_tar_member m;

		err = ic_tarxz__single(ctx, blob->data, blob->len, path, &m);
		if (err)
			return cli_fail(err, "%s: bad BTF archive", path);
		ic_blob__release(blob);
		blob->data = m.data;
		blob->len = m.len;
		blob->priv = m.data;
		blob->priv_len = m.len;
		if (release && cap) {
			ic_extbtf__release_of(m.name, release, cap);
			if (!release[0])
				ic_extbtf__release_of(path, release, cap);
		}
		if (!is_raw_btf(blob->data, blob->len)) {
			cli_error("%s: the file in the archive (%s) is not raw BTF (no 0xeb9f magic)",
				  path, m.name);
			return EXIT_INPUT;
		}
		*data = blob->data;
		*len = blob->len;
		return -1;
	}
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
	if (is_raw_btf(blob->data, blob->len)) {
		*data = blob->data;
		*len = blob->len;
		if (release && cap)
			ic_extbtf__release_of(path, release, cap);
		return -1;
	}
	cli_error("%s: neither an ELF vmlinux nor raw BTF (offset 0: no ELF or BTF magic)", path);
	return EXIT_INPUT;
}

int cli_load_dwarf(struct ic_ctx *ctx, const char *path, uint8_t **btf, size_t *len,
		   struct ic_blob *blob, struct ic_vmlinux **vm, const uint8_t **banner,
		   size_t *banner_len)
{
	struct ic_dwarf_stats st;
	int err;

	if (!ic_dwarf__available()) {
		cli_error("%s: --dwarf is not built in (isfcarve was built without elfutils' libdw: "
			  "install libdw-dev and rebuild)", path);
		return EXIT_INTERNAL; /* docs/cli.md: a feature not in this build */
	}
	{
		/* mapped, not read: the banner costs a page, not the 0.6-1 GiB file; the DWARF
		 * reader's own ceiling (a debug vmlinux may pass IC_MAX_VMLINUX_BYTES) */
		err = ic_blob__load(ctx, path, IC_MAX_DWARF_FILE_BYTES, blob);
		if (err)
			return cli_fail(err, "%s: cannot read", path);
		if (!ic_vmlinux__is_elf(blob->data, blob->len)) {
			cli_error("%s: not an ELF vmlinux (offset 0: no ELF magic); --dwarf takes the "
				  "debug vmlinux", path);
			return EXIT_INPUT;
		}
		err = ic_vmlinux__open(ctx, blob->data, blob->len, path, vm);
		if (err)
			return cli_fail(err, "%s: bad ELF file", path);
	}
	err = ic_dwarf__to_btf(ctx, path, btf, len, &st);
	if (err)
		return cli_fail(err, "%s: cannot read the DWARF types", path);
	if (ctx->print && ctx->level >= IC_LOG_INFO) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s: DWARF: %" PRIu64 " units, %" PRIu32 " BTF types, %"
			 PRIu32 " variables (%" PRIu32 " members/variables without a BTF form)", path,
			 st.units, st.types, st.vars, st.dropped);
		ctx->print(IC_LOG_INFO, msg, ctx->print_arg);
	}
	if (banner) {
		struct ic_ctx quiet = *ctx;

		quiet.print = NULL; /* no banner is said by the caller, in its own words */
		*banner = NULL;
		if (!st.banner_addr ||
		    ic_vmlinux__banner(&quiet, *vm, st.banner_addr, banner, banner_len))
			*banner = NULL;
	}
	return -1;
}

int cli_load_map(struct ic_ctx *ctx, const char *path, struct ic_blob *blob,
		 struct ic_symtab **syms)
{
	int err = ic_blob__load(ctx, path, IC_MAX_SYMFILE_BYTES, blob);
	bool zero;

	if (err)
		return cli_fail(err, "%s: cannot read", path);
	*syms = ic_symtab__new();
	if (!*syms)
		return cli_fail(-ENOMEM, "out of memory");
	err = ic_symtab__parse_map(ctx, *syms, (const char *)blob->data, blob->len, path, &zero);
	if (err)
		return cli_fail(err, "%s: bad System.map", path);
	if (zero) {
		cli_error("%s: every address is 0 (a /proc/kallsyms read without root, or with "
			  "kernel.kptr_restrict set): no symbol can be placed", path);
		return EXIT_INPUT;
	}
	return -1;
}

/* The last symbol named name (the one the ISF keeps), by a linear scan: one lookup does not
 * pay for ic_symtab__find()'s hash index (building it cost ~6 % of a --btf/--map run). */
static const struct ic_sym *last_named(const struct ic_symtab *t, const char *name)
{
	for (size_t i = t ? t->n : 0; i-- > 0;)
		if (t->syms[i].name[0] == name[0] && !strcmp(t->syms[i].name, name))
			return &t->syms[i];
	return NULL;
}

/* Messages of work done on a second thread, or done early, are held and passed to the CLI's
 * printer later, in order: its message state is single-threaded, and an error line must come
 * out where the sequential run would have printed it. */
struct held {
	char *p; /* per message: level byte, text, NUL */
	size_t len, cap;
	bool lost;
};

static void held_print(enum ic_log_level lvl, const char *msg, void *arg)
{
	struct held *h = arg;
	size_t n = strlen(msg) + 2;

	if (n > h->cap - h->len) {
		size_t cap = h->cap ? h->cap : 1024;
		char *np;

		while (cap - h->len < n && cap < ((size_t)1 << 30))
			cap *= 2;
		np = cap - h->len >= n ? realloc(h->p, cap) : NULL;
		if (!np) {
			h->lost = true;
			return;
		}
		h->p = np;
		h->cap = cap;
	}
	h->p[h->len] = (char)lvl;
	memcpy(h->p + h->len + 1, msg, n - 1);
	h->len += n;
}

/* hctx: ctx printing into h. */
static void held_init(struct ic_ctx *hctx, const struct ic_ctx *ctx, struct held *h)
{
	*hctx = *ctx;
	hctx->print = held_print;
	hctx->print_arg = h;
}

/* Pass the held messages on (release) or drop them; frees h. */
static void held_done(const struct ic_ctx *ctx, struct held *h, bool release)
{
	for (size_t i = 0; release && ctx->print && i < h->len;) {
		const char *msg = h->p + i + 1;

		ctx->print((enum ic_log_level)h->p[i], msg, ctx->print_arg);
		i += strlen(msg) + 2;
	}
	if (release && h->lost && ctx->print)
		ctx->print(IC_LOG_WARN, "some messages were lost (out of memory)", ctx->print_arg);
	free(h->p);
	memset(h, 0, sizeof(*h));
}

/* Input hashes for metadata are computed on a second thread while the BTF is validated: hashing
 * ~8 MiB costs about as much as the rest of the parse. */
struct hash_job {
	struct ic_isf_source *src;
	const uint8_t *data;
	size_t len;
};

struct hash_jobs {
	struct hash_job j[3];
	unsigned n;
};

static void src_set(struct hash_jobs *h, struct ic_isf_source *s, const char *kind,
		    const char *name, const uint8_t *data, size_t len)
{
	s->kind = kind;
	s->name = name;
	if (h->n < sizeof(h->j) / sizeof(h->j[0]))
		h->j[h->n++] = (struct hash_job){ s, data, len };
}

static void *hash_all(void *arg)
{
	struct hash_jobs *h = arg;

	for (unsigned i = 0; i < h->n; i++) {
		ic_sha256(h->j[i].data, h->j[i].len, h->j[i].src->sha256);
		h->j[i].src->has_hash = true;
	}
	return NULL;
}

/*
 * Refuse a symbol table without linux_banner unless --allow-partial. Volatility 3 matches a
 * profile to an image by symbols.linux_banner (its constant_data) and finds the KASLR shift from
 * its address. Kernels without CONFIG_KALLSYMS_ALL have no data symbols in kallsyms, so a live
 * profile would lack it. -1 to go on, else the exit code. A partial write says why in why[]
 * (kept when the caller already put a fuller reason there).
 */
static int banner_check(const struct cli_opts *o, const struct ic_isf_input *in, bool has_banner,
			char *why, size_t whysz)
{
	if (has_banner)
		return -1;
	if (!o->allow_partial) {
		cli_error("%s: no linux_banner symbol (kernel without CONFIG_KALLSYMS_ALL?): "
			  "Volatility 3 could not match the profile; --allow-partial writes "
			  "it anyway (exit 3)", in->syms_src[0].name);
		return EXIT_INPUT;
	}
	if (!why[0])
		snprintf(why, whysz, "no linux_banner symbol: Volatility 3 cannot match the "
			 "profile by banner");
	return -1;
}

/*
 * Write the ISF from a validated BTF (freed here). A partial one (why[0]) ends in one error line
 * that names the file and what it lacks, as IMAGE mode's does, and exit 3: a warning alone
 * beside a written file reads as success.
 */
static int write_out(const struct ic_ctx *ctx, const struct cli_opts *o, struct ic_isf_input *in,
		     struct ic_btf *btf, const char *why)
{
	struct ic_isf_stats st;
	int err;

	in->btf = btf;
	cli_flush();
	memset(&st, 0, sizeof(st));
	err = ic_isf__write(ctx, in, o->output, &st);
	ic_btf__free(btf);
	in->btf = NULL;
	if (err)
		return cli_fail(err, "%s: writing the ISF failed", o->output);
	cli_flush();
	if (o->common.verbose)
		fprintf(stderr, "isfcarve: wrote %s: %zu base types, %zu user types, %zu enums, "
			"%zu symbols (%" PRIu64 " bytes of JSON)\n", o->output, st.base_types,
			st.user_types, st.enums, st.symbols, st.bytes);
	if (!why[0])
		return EXIT_OK;
	cli_error("%s: wrote a PARTIAL profile to %s: %s", in->syms_src[0].name, o->output, why);
	return EXIT_INCOMPLETE;
}

static int write_isf(const struct ic_ctx *ctx, const struct cli_opts *o,
		     struct ic_isf_input *in, struct hash_jobs *hashes, const uint8_t *btf_data,
		     size_t btf_len, const char *btf_what, char *why, size_t whysz)
{
	pthread_t hasher;
	bool threaded;
	struct ic_btf *btf = NULL;
	int err, rc;

	rc = banner_check(o, in, last_named(in->syms, "linux_banner") != NULL, why, whysz);
	if (rc >= 0)
		return rc;
	cli_flush();
	threaded = !pthread_create(&hasher, NULL, hash_all, hashes);
	err = ic_btf__new_borrow(ctx, btf_data, btf_len, btf_what, &btf);
	if (threaded)
		pthread_join(hasher, NULL);
	else
		hash_all(hashes);
	if (err)
		return cli_fail(err, "%s: invalid BTF", btf_what);
	return write_out(ctx, o, in, btf, why);
}

/* Both file modes: the context from the options, then OUT checked before any input is read. */
static int start(struct ic_ctx *ctx, const struct cli_opts *o)
{
	cli_ctx_init(ctx, &o->common);
	ctx->threads = o->threads;
	return cli_check_output(o);
}

/*
 * System.map on a second thread (read, parse, find linux_banner, then hash it and the BTF for
 * metadata) while the main thread validates the BTF: the two are independent and cost about
 * the same. Messages of both are held so that they, and the error reported, are those of the
 * sequential order (map, banner, then BTF).
 */
struct map_job {
	struct ic_ctx ctx; /* printing into msgs */
	struct held msgs;
	const char *path;
	struct ic_blob blob;
	struct ic_symtab *syms;
	const struct ic_sym *banner;
	struct hash_jobs *hashes;
	struct ic_isf_source *src;
	int err;
	const char *failed; /* what failed, for the error line */
};

static void *map_thread(void *arg)
{
	struct map_job *m = arg;
	bool zero;

	m->err = ic_blob__load(&m->ctx, m->path, IC_MAX_SYMFILE_BYTES, &m->blob);
	if (m->err) {
		m->failed = "cannot read";
		return NULL;
	}
	m->syms = ic_symtab__new();
	if (!m->syms) {
		m->err = -ENOMEM;
		m->failed = NULL;
		return NULL;
	}
	m->err = ic_symtab__parse_map(&m->ctx, m->syms, (const char *)m->blob.data, m->blob.len,
				      m->path, &zero);
	if (m->err) {
		m->failed = "bad System.map";
		return NULL;
	}
	if (zero) {
		m->err = -IC_EFORMAT;
		m->failed = "every address is 0 (a /proc/kallsyms read without root, or with "
			    "kernel.kptr_restrict set): no symbol can be placed";
		return NULL;
	}
	m->banner = last_named(m->syms, "linux_banner");
	src_set(m->hashes, m->src, "system-map", m->path, m->blob.data, m->blob.len);
	hash_all(m->hashes);
	return NULL;
}

int cli_profile_files(const struct cli_opts *o)
{
	struct ic_ctx ctx, bctx;
	struct ic_blob kern = { 0 };
	struct ic_vmlinux *vm = NULL;
	struct ic_isf_input in;
	struct hash_jobs hashes = { .n = 0 };
	struct map_job m;
	struct held bmsgs = { 0 };
	struct ic_btf *btf = NULL;
	pthread_t mt;
	bool mt_run = false;
	char why[160] = "";
	const uint8_t *btf_data, *banner;
	uint8_t *banner_arg = NULL, *dwarf_btf = NULL;
	size_t btf_len, banner_len = 0;
	char types_name[4096 + 24], btf_rel[128] = "";
	const char *tpath = o->btf ? o->btf : o->dwarf;
	int rc, err, btf_err;

	memset(&m, 0, sizeof(m));
	rc = start(&ctx, o);
	if (rc >= 0)
		return rc;
	if (o->banner) {
		rc = banner_from_arg(o->banner, &banner_arg, &banner_len);
		if (rc >= 0)
			return rc;
	}
	memset(&in, 0, sizeof(in));

	if (o->dwarf) {
		rc = cli_load_dwarf(&ctx, o->dwarf, &dwarf_btf, &btf_len, &kern, &vm, NULL, NULL);
		btf_data = dwarf_btf;
	} else {
		rc = cli_load_btf_ex(&ctx, o->btf, &kern, &vm, &btf_data, &btf_len, btf_rel,
				     sizeof(btf_rel));
	}
	if (rc >= 0)
		goto out;
	if (btf_rel[0] && banner_arg) {
		/* A BTFHub archive or raw BTF named for its release (5.15.0-91-generic.btf.tar.xz)
		 * with a typed banner of another: the profile would carry one kernel's types under
		 * another's name, and Volatility would take it for that kernel's images (IMAGE mode
		 * holds such a name against the image's banner). */
		const char *r;
		size_t rl = ic_banner_release((const char *)banner_arg, banner_len, &r);

		if (strlen(btf_rel) != rl || memcmp(btf_rel, r, rl)) {
			cli_error("%s: BTF named for release %s (the file's or its archive member's "
				  "name), but --banner says %.*s: give the banner of that kernel (or "
				  "rename a misnamed file)", tpath, btf_rel, (int)rl, r);
			rc = EXIT_INPUT;
			goto out;
		}
	}
	if (!vm && !banner_arg) {
		cli_error("%s: raw BTF has no linux_banner: give --banner \"$(cat "
			  "/proc/version)\" of that kernel (Volatility 3 matches a profile "
			  "to an image by its banner)", tpath);
		rc = EXIT_USAGE;
		goto out;
	}
	cli_flush();

	/* The types hash covers the BTF bytes used; for a vmlinux say so in the name (hashing
	 * the whole 60+ MiB file would cost more than the rest of the run). */
	if (o->dwarf) {
		/* the hash is of the BTF made from the DWARF (deterministic), as the name says */
		snprintf(types_name, sizeof(types_name), "%s (DWARF -> BTF)", o->dwarf);
		src_set(&hashes, &in.types_src, "dwarf", types_name, btf_data, btf_len);
	} else if (vm) {
		snprintf(types_name, sizeof(types_name), "%s (.BTF)", o->btf);
		src_set(&hashes, &in.types_src, NULL, types_name, btf_data, btf_len);
	} else {
		src_set(&hashes, &in.types_src, NULL, o->btf, btf_data, btf_len);
	}
	held_init(&m.ctx, &ctx, &m.msgs);
	m.path = o->map;
	m.hashes = &hashes;
	m.src = &in.syms_src[0];
	held_init(&bctx, &ctx, &bmsgs);
	if (ctx.threads != 1)
		mt_run = !pthread_create(&mt, NULL, map_thread, &m);
	btf_err = ic_btf__new_borrow(&bctx, btf_data, btf_len, tpath, &btf);
	if (mt_run)
		pthread_join(mt, NULL);
	else
		map_thread(&m);
	held_done(&ctx, &m.msgs, true);
	if (m.err) {
		rc = m.failed ? cli_fail(m.err, "%s: %s", o->map, m.failed)
			      : cli_fail(m.err, "out of memory");
		goto out;
	}

	if (banner_arg && vm && m.banner) {
		/* A typed banner beside a vmlinux that has its own: they must agree, else the
		 * profile would be matched to another kernel's images (as IMAGE --dwarf refuses a
		 * vmlinux whose banner is not the image's). */
		struct ic_ctx quiet = ctx;
		const uint8_t *own;
		size_t own_len;

		quiet.print = NULL;
		if (!ic_vmlinux__banner(&quiet, vm, m.banner->addr, &own, &own_len) &&
		    (own_len != banner_len || memcmp(own, banner_arg, own_len))) {
			cli_error("%s: --banner \"%.*s\" is not this kernel's own \"%.*s\" (at "
				  "linux_banner, from %s)", tpath, (int)strcspn((const char *)banner_arg,
				  "\n"), banner_arg, (int)strcspn((const char *)own, "\n"), own, o->map);
			rc = EXIT_INPUT;
			goto out;
		}
	}
	if (banner_arg) {
		banner = banner_arg;
	} else {
		if (!m.banner) {
			cli_error("%s: no linux_banner symbol: give --banner \"<the kernel's "
				  "/proc/version>\"", o->map);
			rc = EXIT_INPUT;
			goto out;
		}
		cli_flush();
		err = ic_vmlinux__banner(&ctx, vm, m.banner->addr, &banner, &banner_len);
		if (err == -IC_ENOTFOUND) {
			cli_error("%s: linux_banner address 0x%" PRIx64 " (from %s) is in no section "
				  "or segment: wrong System.map for this vmlinux?", tpath,
				  m.banner->addr, o->map);
			rc = EXIT_INPUT;
			goto out;
		}
		if (err) {
			rc = cli_fail(err, "%s: cannot read linux_banner", tpath);
			goto out;
		}
	}

	in.syms = m.syms;
	in.banner = banner;
	in.banner_len = banner_len;
	rc = banner_check(o, &in, m.banner != NULL, why, sizeof(why));
	if (rc >= 0)
		goto out;
	cli_flush();
	held_done(&ctx, &bmsgs, true);
	if (btf_err) {
		rc = cli_fail(btf_err, "%s: invalid BTF%s", tpath, o->dwarf ? " made from DWARF" : "");
		goto out;
	}
	/* The checks IMAGE mode makes on a --btf file (docs/security.md): names damaged into
	 * other valid names, and the functions of another kernel than the System.map's. Both
	 * refused, even with --allow-partial. DWARF-made types are ours and carry no FUNCs. */
	if (!o->dwarf) {
		char tw[320];

		err = ic_btf__check_trust(btf, tw, sizeof(tw));
		if (err == -IC_EFORMAT) {
			cli_error("%s: the BTF is damaged: %s", tpath, tw);
			rc = EXIT_INCOMPLETE;
			goto out;
		}
		if (err) {
			rc = cli_fail(err, "out of memory");
			goto out;
		}
		if (!ic_extbtf__names_match(btf, NULL, m.syms, tpath, tw, sizeof(tw))) {
			cli_error("%s (--map %s)", tw, o->map);
			rc = EXIT_INCOMPLETE;
			goto out;
		}
	}
	rc = write_out(&ctx, o, &in, btf, why);
	btf = NULL;
out:
	held_done(&ctx, &bmsgs, false);
	held_done(&ctx, &m.msgs, false);
	ic_btf__free(btf);
	ic_vmlinux__free(vm);
	ic_symtab__free(m.syms);
	ic_blob__release(&m.blob);
	ic_blob__release(&kern);
	free(banner_arg);
	free(dwarf_btf);
	return rc;
}

/* Why /proc/kcore (or BPF in its place) gave no linux_banner, from ic_live__recover()'s
 * result, into buf. */
static const char *kcore_why(int n, const struct ic_live *l, char *buf, size_t sz)
{
	const char *via = l->mem_bpf ? "kernel memory read through BPF" : "/proc/kcore";
	bool kcore = n == -ENOENT || n == -EACCES || n == -EPERM;

	if (n >= 0)
		snprintf(buf, sz, "no linux_banner was recovered through %s", via);
	else if (!kcore || l->mem_bpf)
		snprintf(buf, sz, "recovery through %s failed: %s", via, ic_strerror(n));
	else
		snprintf(buf, sz, "%s%s%s%s", n == -ENOENT ? "there is no /proc/kcore" :
			 n == -EACCES ? "/proc/kcore is readable only by root" :
			 "/proc/kcore may not be read (kernel lockdown?)",
			 l->mem_why[0] ? ", nor can BPF read kernel memory (" : "", l->mem_why,
			 l->mem_why[0] ? ")" : "");
	return buf;
}

/*
 * kallsyms without data symbols (no CONFIG_KALLSYMS_ALL): recover them through /proc/kcore.
 * -1 to go on and write (a partial profile, exit 3, when why[] is set), else the exit code (the
 * error said which input would do).
 */
static int live_data_syms(struct ic_ctx *ctx, const struct cli_opts *o, struct ic_live *l,
			  char *why, size_t whysz)
{
	char used[4096] = "", kw[640];
	int n = ic_live__recover(ctx, l, o->live_root), b;

	/* What the kernel's memory shows disagrees with kallsyms (the warning above names it:
	 * two kernels, the slide in doubt, _text, the banner): the link-time addresses are in
	 * question, so no other source may place linux_banner over it. Refused, even with
	 * --allow-partial (as IMAGE mode refuses a slide in doubt). */
	if (n == -IC_EINCOMPLETE)
		return cli_fail(n, "%s: %s disagrees with it (the warning above says how); no profile "
				"(--map System.map --btf /sys/kernel/btf/vmlinux settles it)",
				l->kallsyms_path, l->mem_bpf ? "kernel memory read through BPF" :
				"/proc/kcore");
	/* Two recovery rules disagreed (the warning names both readings): refused as in IMAGE
	 * mode, or with --allow-partial written without that symbol, exit 3. */
	if (n == -IC_EAMBIGUOUS) {
		if (!o->allow_partial)
			return cli_fail(-IC_EINCOMPLETE, "%s: recovered symbols in doubt",
					l->kallsyms_path);
		n = 0;
		snprintf(why, whysz, "recovered symbols in doubt are left out");
	}
	cli_flush();
	if (n >= 0 && last_named(l->syms, "linux_banner")) {
		/* This kernel's vmlinux/vmlinuz, when there is one, must agree. */
		b = ic_live__place_banner(ctx, l, o->live_root, used, sizeof(used));
		if (b == -ENOMEM)
			return cli_fail(b, "out of memory");
		if (b == -IC_EINCOMPLETE)
			return cli_fail(b, "%s: linux_banner is not where %s puts it", l->kallsyms_path,
					used);
		cli_flush();
		return -1;
	}
	if (n == -ENOMEM)
		return cli_fail(n, "out of memory");
	/* No kcore: this kernel's vmlinux or vmlinuz still places linux_banner, so Volatility
	 * can match the profile (the other data objects stay unknown). */
	b = ic_live__place_banner(ctx, l, o->live_root, used, sizeof(used));
	cli_flush();
	if (b == -ENOMEM)
		return cli_fail(b, "out of memory");
	if (!b) {
		char msg[8800];

		if (n > 0 || why[0]) /* recovery found others, not linux_banner */
			snprintf(msg, sizeof(msg), "%s: linux_banner placed from %s (not recovered "
				 "through %s)", l->kallsyms_path, used, l->mem_bpf ? "BPF" : "/proc/kcore");
		else
			snprintf(msg, sizeof(msg), "%s: linux_banner placed from %s; no other data "
				 "symbol (init_task, init_mm...): plugins that need them will fail "
				 "(/proc/kcore or BPF, as root, recovers them)", l->kallsyms_path, used);
		cli_print(IC_LOG_WARN, msg, NULL);
		return -1;
	}
	if (o->allow_partial) {
		/* written without linux_banner (banner_check() keeps this fuller reason) */
		bool doubt = why[0];

		if (n > 0)
			snprintf(why, whysz, "no linux_banner among the %d data symbols recovered "
				 "through %s%s: Volatility 3 cannot match the profile by banner", n,
				 l->mem_bpf ? "BPF" : "/proc/kcore", doubt ? " (those in doubt left out)"
				 : "");
		else
			snprintf(why, whysz, "no data symbols (no CONFIG_KALLSYMS_ALL, and %s%s): "
				 "no linux_banner, init_task...: Volatility 3 can neither match the "
				 "profile nor walk the kernel", kcore_why(n, l, kw, sizeof(kw)),
				 doubt ? "; those in doubt left out" : "");
		return -1;
	}
	cli_error("%s has no data symbols (kernel without CONFIG_KALLSYMS_ALL) and %s: "
		  "run as root with /proc/kcore, or give its System.map (--map System.map --btf %s "
		  "--banner \"$(cat /proc/version)\"), or install /boot/vmlinuz-%s", l->kallsyms_path,
		  kcore_why(n, l, kw, sizeof(kw)), IC_LIVE_BTF, l->release);
	return EXIT_INCOMPLETE;
}

/* Tests (--withhold-data-syms): the kernel's kallsyms as without CONFIG_KALLSYMS_ALL, so that
 * what live recovery finds can be held against what the kernel itself lists. */
static int withhold_data_syms(struct ic_live *l)
{
	struct ic_symtab *t = ic_symtab__new();

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < l->syms->n; i++) {
		const struct ic_sym *s = &l->syms->syms[i];

		if (strchr("tTwW", s->type) && s->type && !ic_recover__is_recoverable(s->name) &&
		    ic_symtab__add(t, s->addr, s->type, s->name, strlen(s->name),
				   s->flags)) {
			ic_symtab__free(t);
			return -ENOMEM;
		}
	}
	ic_symtab__free(l->syms);
	l->syms = t;
	return 0;
}

int cli_profile_live(const struct cli_opts *o)
{
	struct ic_ctx ctx;
	struct ic_live *l = NULL;
	struct ic_isf_input in;
	struct hash_jobs hashes = { .n = 0 };
	char why[320] = "";
	int rc, err;

	rc = start(&ctx, o);
	if (rc >= 0)
		return rc;
	err = ic_live__load(&ctx, o->live_root, &l);
	if (err)
		return cli_fail(err, "live mode: cannot read this kernel's inputs");
	l->mem_bpf = o->live_memory_bpf; /* the test hook IC_LIVE_MEMORY=bpf: no kcore tried */
	if (o->withhold_data_syms && (err = withhold_data_syms(l))) {
		ic_live__free(l);
		return cli_fail(err, "out of memory");
	}
	if (l->link_text_default)
		cli_flush();
	if (!last_named(l->syms, "linux_banner")) {
		rc = live_data_syms(&ctx, o, l, why, sizeof(why));
		if (rc >= 0) {
			ic_live__free(l);
			return rc;
		}
	}
	memset(&in, 0, sizeof(in));
	in.syms = l->syms;
	in.banner = l->banner;
	in.banner_len = l->banner_len;
	src_set(&hashes, &in.types_src, NULL, l->btf_path, l->btf.data, l->btf.len);
	in.syms_src[0].kind = "symtab";
	in.syms_src[0].name = l->kallsyms_path;
	rc = write_isf(&ctx, o, &in, &hashes, l->btf.data, l->btf.len, l->btf_path, why,
		       sizeof(why));
	ic_live__free(l);
	return rc;
}
