/* SPDX-License-Identifier: MIT */
/* Live mode: read this kernel's BTF, kallsyms and banner; undo KASLR; whole-file loading. */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "0-base/gunzip.h"
#include "0-base/internal.h"
#include "0-base/elfnote.h"
#include "0-base/reader.h"
#include "1-image/kcore_live.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/live.h"
#include "isfcarve/symbols.h"
#include "isfcarve/vmcoreinfo.h"
#include "0-base/ic_limits.h"

/* The name of the ceiling a caller passed as max, for the message that names it (they all
 * differ; an unlisted value gets none). */
static const char *limit_name(uint64_t max)
{
	static const struct {
		uint64_t v;
		const char *name;
	} lim[] = {
		{ IC_MAX_BTF_BYTES, " (IC_MAX_BTF_BYTES)" },
		{ IC_MAX_BANNER_LEN, " (IC_MAX_BANNER_LEN)" },
		{ IC_MAX_SYMFILE_BYTES, " (IC_MAX_SYMFILE_BYTES)" },
		{ IC_MAX_CONFIG_BYTES, " (IC_MAX_CONFIG_BYTES)" },
		{ IC_MAX_DWARF_FILE_BYTES, " (IC_MAX_DWARF_FILE_BYTES)" },
		{ IC_MAX_TARXZ_BYTES, " (IC_MAX_TARXZ_BYTES)" },
	};

	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++)
		if (lim[i].v == max)
			return lim[i].name;
	return "";
}

static int read_all(const struct ic_ctx *ctx, int fd, const char *path, uint64_t max,
		    struct ic_blob *out)
{
	size_t cap = 1u << 16, len = 0;
	uint8_t *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			uint8_t *nb;

			if (cap >= max + 1) {
				free(buf);
				pr_warn(ctx, "%s: larger than the limit %" PRIu64 " bytes%s", path,
					max, limit_name(max));
				return -IC_ELIMIT;
			}
			cap = cap * 2 > max + 1 ? (size_t)(max + 1) : cap * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			free(buf);
			pr_warn(ctx, "%s: read failed at offset %zu: %s", path, len, strerror(err));
			return -err;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		pr_warn(ctx, "%s: larger than %" PRIu64 " bytes", path, max);
		return -IC_ELIMIT;
	}
	out->data = buf;
	out->len = len;
	out->priv = buf;
	out->priv_len = cap;
	out->mapped = false;
	return 0;
}

int ic_blob__load(const struct ic_ctx *ctx, const char *path, uint64_t max, struct ic_blob *out)
{
	struct stat st;
	int fd, err = 0;

	memset(out, 0, sizeof(*out));
	/* O_NONBLOCK: a FIFO nobody writes would block open() for ever; once open, reads block
	 * again (a pipe with a writer, `--map <(zcat System.map.gz)`, is read to its end; a named
	 * FIFO waits for a writer IC_FIFO_WRITER_WAIT_MS). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		pr_warn(ctx, "%s: %s", path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st)) {
		err = errno;
		pr_warn(ctx, "%s: %s", path, strerror(err));
		err = -err;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		pr_warn(ctx, "%s: is a directory", path);
		err = -EISDIR;
		goto out;
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)) {
		/* /dev/zero would be read up to max (GiBs) before it failed; a terminal waits */
		pr_warn(ctx, "%s: a device or socket, not a file or pipe", path);
		err = -IC_EUNSUPP;
		goto out;
	}
	if (S_ISFIFO(st.st_mode)) {
		/* A FIFO whose writer comes later (`mkfifo f; isfcarve --map f & cat m > f`), or
		 * a pipe whose writer is slow to start: wait for its first bytes, a bounded time,
		 * rather than read it as empty. */
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r;

		do
			r = poll(&pfd, 1, IC_FIFO_WRITER_WAIT_MS);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			pr_warn(ctx, "%s: a FIFO or pipe that gave no data within %u s "
				"(IC_FIFO_WRITER_WAIT_MS)", path, IC_FIFO_WRITER_WAIT_MS / 1000);
			err = -IC_ETRUNC;
			goto out;
		}
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
		err = -errno;
		pr_warn(ctx, "%s: %s", path, strerror(-err));
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0 && !strncmp(path, "/proc/", 6)) {
		/* procfs sizes are not file lengths (kallsyms says 0, config.gz is exact): read. */
		err = read_all(ctx, fd, path, max, out);
	} else if (S_ISREG(st.st_mode) && st.st_size > 0) {
		void *m;

		if ((uint64_t)st.st_size > max) {
			pr_warn(ctx, "%s: %" PRIu64 " bytes, larger than the limit %" PRIu64 "%s",
				path, (uint64_t)st.st_size, max, limit_name(max));
			err = -IC_ELIMIT;
			goto out;
		}
		/* Inputs must not be truncated while we read them (no SIGBUS guard here). */
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			/* Some pseudo-filesystems (sysfs BTF) cannot be mapped: fall back to read(). */
			err = read_all(ctx, fd, path, max, out);
		} else {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			out->data = m;
			out->len = (size_t)st.st_size;
			out->priv = m;
			out->priv_len = (size_t)st.st_size;
			out->mapped = true;
		}
	} else {
		err = read_all(ctx, fd, path, max, out);
	}
out:
	close(fd);
	return err;
}

void ic_blob__release(struct ic_blob *b)
{
	if (!b)
		return;
	if (b->mapped)
		munmap(b->priv, b->priv_len);
	else
		free(b->priv);
	memset(b, 0, sizeof(*b));
}

/* Inflate a gzip blob (/proc/config.gz) into a heap buffer of at most max bytes. */
static int gunzip(const struct ic_ctx *ctx, const struct ic_blob *in, const char *what,
		  size_t max, struct ic_blob *out)
{
	uint8_t *buf;
	size_t len;
	uint64_t at;
	int err = ic_gunzip(in->data, in->len, max, &buf, &len, &at);

	memset(out, 0, sizeof(*out));
	if (err == -IC_ELIMIT)
		pr_warn(ctx, "%s: inflates to more than %zu bytes", what, max);
	else if (err == -IC_EFORMAT)
		pr_warn(ctx, "%s: gzip data corrupt at input offset %" PRIu64, what, at);
	else if (err == -IC_ETRUNC)
		pr_warn(ctx, "%s: gzip data truncated at offset %" PRIu64, what, at);
	if (err)
		return err;
	out->data = buf;
	out->len = len;
	out->priv = buf;
	return 0;
}

static void join(char *dst, size_t n, const char *root, const char *path, const char *tail)
{
	size_t rl = strlen(root);

	while (rl && root[rl - 1] == '/')
		rl--;
	snprintf(dst, n, "%.*s%s%s", (int)rl, root, path, tail ? tail : "");
}

/* The value of "KEY=" in .config text (not NUL-terminated), or NULL; *vl its length. */
static const char *cfg_value(const char *cfg, size_t len, const char *key, size_t *vl)
{
	const char *p = cfg, *end = cfg + len;
	size_t kl = strlen(key);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > kl && !memcmp(p, key, kl) && p[kl] == '=') {
			*vl = (size_t)(eol - p - kl - 1);
			return p + kl + 1;
		}
		p = eol + 1;
	}
	return NULL;
}

static bool cfg_yes(const char *cfg, size_t len, const char *key)
{
	size_t vl;
	const char *v = cfg_value(cfg, len, key, &vl);

	return v && vl == 1 && *v == 'y';
}

/* The running kernel's .config: /boot/config-<release>, else /proc/config.gz (inflated).
 * 0 with out->data NULL when neither exists. */
static int load_config(const struct ic_ctx *ctx, const struct ic_live *l, const char *root,
		       bool skip_boot, struct ic_blob *out, char *path, size_t n)
{
	struct ic_blob raw;
	int err;

	memset(out, 0, sizeof(*out));
	join(path, n, root, IC_LIVE_BOOT_CONFIG, l->release);
	if (!skip_boot && ic_blob__load(NULL, path, IC_MAX_CONFIG_BYTES, out) == 0)
		return 0;
	join(path, n, root, IC_LIVE_CONFIG_GZ, NULL);
	if (ic_blob__load(NULL, path, IC_MAX_CONFIG_BYTES, &raw) == 0) {
		err = gunzip(ctx, &raw, path, IC_MAX_CONFIG_BYTES, out);
		ic_blob__release(&raw);
		return err;
	}
	path[0] = '\0';
	return 0;
}

/* The VMCOREINFO note of root/proc/kcore (readable by root only), parsed; NULL without one.
 * Quiet: the caller says what it lacked. */
static struct ic_vmcoreinfo *kcore_vmcoreinfo(const char *root, char *path, size_t n)
{
	struct ic_vmcoreinfo *vi = NULL;
	struct ic_kcore_text text;
	struct ic_image *img;
	const uint8_t *notes;
	struct ic_note note;
	size_t len;

	join(path, n, root, IC_LIVE_KCORE, NULL);
	if (ic_image__open_kcore_live(NULL, path, 0, 0, 0, &text, &img))
		return NULL;
	ic_image__notes(img, &notes, &len);
	for (size_t off = 0; !vi && ic_note_next(notes, len, &off, &note);)
		if (ic_note_is(&note, "VMCOREINFO") &&
		    ic_vmcoreinfo__parse((const char *)note.desc, note.descsz, &vi))
			vi = NULL;
	ic_image__free(img);
	return vi;
}

/*
 * arm64 link-time _text from the kernel config and release (arch/arm64/include/asm/memory.h):
 * _text = KIMAGE_VADDR = MODULES_END = _PAGE_END(VA_BITS_MIN) + MODULES_VSIZE, with
 * _PAGE_END(va) = -(1 << (va - 1)) and VA_BITS_MIN = VA_BITS, or 48 above 48 bits (47 with 16K
 * pages). MODULES_VSIZE is 128 MiB in 6.1-6.4 and 2 GiB from 6.5 ("arm64: module: rework
 * module VA range selection", merged for 6.5 on a 6.4-rc3 base). Checked: 7.2 VA_BITS 52
 * (fx-arm64-forky-7.2 System.map: 0xffff800080000000) and 6.1 VA_BITS 48 (a real Debian 6.1
 * arm64 run, docs/validation.md: 0xffff800008000000). Older releases (a BPF JIT region below
 * the modules in 5.x, TEXT_OFFSET before 5.8, the flipped layout before 5.4) get no rule:
 * -IC_ENOTFOUND with why in *why.
 */
static int arm64_config_text(const char *cfg, size_t len, const char *release, uint64_t *text,
			     const char **why)
{
	unsigned bits = 0, min_bits;
	const char *v;
	size_t vl;

	v = cfg_value(cfg, len, "CONFIG_ARM64_VA_BITS", &vl);
	for (size_t i = 0; v && i < vl && i < 3; i++)
		bits = bits * 10 + (unsigned)(v[i] >= '0' && v[i] <= '9' ? v[i] - '0' : 100);
	if (!v || vl > 2 || bits < 36 || bits > 52) {
		*why = "no valid CONFIG_ARM64_VA_BITS";
		return -IC_ENOTFOUND;
	}
	min_bits = bits > 48 ? (cfg_yes(cfg, len, "CONFIG_ARM64_16K_PAGES") ? 47 : 48) : bits;
	/* the release's layout: one rule with the image solver (src/4-kaslr/solve_arm64.c) */
	return ic_kaslr__arm64_text(release, min_bits, text, why);
}

/* arm64 MIN_KIMG_ALIGN: the kernel image is placed (and slid by KASLR) in 64 KiB steps. */
#define ARM64_KIMG_ALIGN 0x10000ull
/* before 5.8 _text = KIMAGE_VADDR + TEXT_OFFSET */
#define ARM64_OLD_TEXT_OFFSET 0x80000ull

/*
 * arm64: no default is safe (the layout moved with 5.4, 5.8, 6.5 and VA_BITS), so the link-time
 * _text comes from evidence or the run stops (exit 3): the VMCOREINFO note of /proc/kcore
 * (KERNELOFFSET = kaslr_offset(), checked against NUMBER(MODULES_END)), and the config rule
 * above; both when both are there, and they must agree.
 */
static int arm64_link_text(const struct ic_ctx *ctx, struct ic_live *l, const char *root,
			   const struct ic_blob *cfg, const char *cfg_path,
			   struct ic_vmcoreinfo *vi, const char *kc_path)
{
	uint64_t kc_text = 0, cfg_text = 0, ko, me;
	const char *why = "no kernel config";
	bool have_kc = false, have_cfg = false;

	if (vi && !ic_vmcoreinfo__u64(vi, "KERNELOFFSET", &ko) && ko <= l->runtime_text) {
		kc_text = l->runtime_text - ko;
		if (!ic_vmcoreinfo__u64(vi, "NUMBER(MODULES_END)", &me) && kc_text != me &&
		    kc_text != me + ARM64_OLD_TEXT_OFFSET) {
			pr_warn(ctx, "%s: KERNELOFFSET 0x%" PRIx64 " puts the link-time _text at 0x%"
				PRIx64 ", not at NUMBER(MODULES_END) 0x%" PRIx64 " (KIMAGE_VADDR)",
				kc_path, ko, kc_text, me);
			return -IC_EINCOMPLETE;
		}
		have_kc = true;
	}
	if (cfg->data && cfg_yes((const char *)cfg->data, cfg->len, "CONFIG_ARM64"))
		have_cfg = !arm64_config_text((const char *)cfg->data, cfg->len, l->release,
					      &cfg_text, &why);
	if (have_kc && have_cfg && kc_text != cfg_text) {
		pr_warn(ctx, "%s: link-time _text 0x%" PRIx64 " from KERNELOFFSET disagrees with "
			"0x%" PRIx64 " from %s", kc_path, kc_text, cfg_text, cfg_path);
		return -IC_EINCOMPLETE;
	}
	if (!have_kc && !have_cfg) {
		pr_warn(ctx, "arm64 live mode: the link-time _text is not known (%s%s%s): run as root "
			"with %s%s readable (its VMCOREINFO gives KERNELOFFSET), give %s%s%s of a "
			"6.1 or later kernel, or give its System.map (--map System.map --btf %s%s)",
			cfg->data ? cfg_path : "", cfg->data ? ": " : "", why, root, IC_LIVE_KCORE, root,
			IC_LIVE_BOOT_CONFIG, l->release, root, IC_LIVE_BTF);
		return -IC_EINCOMPLETE;
	}
	l->link_text = have_kc ? kc_text : cfg_text;
	if (l->runtime_text < l->link_text || (l->runtime_text - l->link_text) % ARM64_KIMG_ALIGN) {
		pr_warn(ctx, "%s: runtime _text 0x%" PRIx64 " is not the link-time _text 0x%" PRIx64
			" (%s) slid in 64 KiB steps: wrong kernel config?", l->kallsyms_path,
			l->runtime_text, l->link_text, have_kc ? kc_path : cfg_path);
		return -IC_EINCOMPLETE;
	}
	snprintf(l->config_path, sizeof(l->config_path), "%.4000s%s", have_kc ? kc_path : cfg_path,
		 have_kc ? " VMCOREINFO" : "");
	pr_info(ctx, "live: arm64 link-time _text 0x%" PRIx64 " from %s%s%s", l->link_text,
		l->config_path, have_kc && have_cfg ? ", as " : "", have_kc && have_cfg ? cfg_path : "");
	return 0;
}

/*
 * x86-64: the rule is __START_KERNEL_map + ALIGN(CONFIG_PHYSICAL_START, CONFIG_PHYSICAL_ALIGN)
 * from the config (cfg_path, rule), else the default 0xffffffff81000000 (cfg_path NULL).
 * /proc/kcore's VMCOREINFO (root) is independent evidence: KERNELOFFSET = kaslr_offset() =
 * runtime _text - link-time _text. When it is there it must agree with the rule: a kernel
 * built with another CONFIG_PHYSICAL_START, a wrong config or a damaged note cannot be told
 * apart here, so a disagreement stops the run (exit 3) naming both, never a guess
 * (docs/security.md: disagreeing evidence ends in exit 3 with the evidence listed).
 */
static int x86_64_link_text(const struct ic_ctx *ctx, struct ic_live *l, const char *root,
			    uint64_t rule, const char *cfg_path, const struct ic_vmcoreinfo *vi,
			    const char *kc_path)
{
	uint64_t ko, kc_text;
	bool have_kc = vi && !ic_vmcoreinfo__u64(vi, "KERNELOFFSET", &ko), deferred = false;

	if (have_kc) {
		kc_text = l->runtime_text - ko; /* mod 2^64: an absurd offset cannot agree */
		if (kc_text != rule && !cfg_path && !ic_symtab__find(l->syms, "linux_banner")) {
			/* No config, and kallsyms without data symbols: the kernel is read through
			 * kcore next (live_kcore.c), whose KASLR stage weighs KERNELOFFSET against
			 * the image's own IKCONFIG and refuses a slide in doubt. Decided there. */
			pr_info(ctx, "%s: KERNELOFFSET 0x%" PRIx64 " puts the link-time _text at 0x%"
				PRIx64 ", not the default: the kernel image will tell", kc_path, ko,
				kc_text);
			have_kc = false;
			deferred = true;
		} else if (kc_text != rule) {
			pr_warn(ctx, "%s: link-time _text 0x%" PRIx64 " from KERNELOFFSET 0x%" PRIx64
				" (runtime _text 0x%" PRIx64 ") disagrees with 0x%" PRIx64 " from %s: "
				"give this kernel's System.map (--map System.map --btf %s%s)", kc_path,
				kc_text, ko, l->runtime_text, rule, cfg_path ? cfg_path
				: "the default CONFIG_PHYSICAL_START 0x1000000 (no kernel config)", root,
				IC_LIVE_BTF);
			return -IC_EINCOMPLETE;
		}
	}
	if (have_kc) {
		snprintf(l->config_path, sizeof(l->config_path), "%.4000s VMCOREINFO", kc_path);
		pr_info(ctx, "live: x86-64 link-time _text 0x%" PRIx64 " from %s, as %s says", rule,
			l->config_path, cfg_path ? cfg_path : "the default rule");
	} else if (cfg_path) {
		snprintf(l->config_path, sizeof(l->config_path), "%s", cfg_path);
	} else if (deferred) {
		l->link_text_default = true; /* for now: live_kcore.c settles it */
	} else {
		l->link_text_default = true;
		pr_warn(ctx, "no x86-64 kernel config with CONFIG_PHYSICAL_START/ALIGN (%s%s%s, %s%s) "
			"and no KERNELOFFSET from %s%s (root): assuming link-time _text 0x%" PRIx64,
			root, IC_LIVE_BOOT_CONFIG, l->release, root, IC_LIVE_CONFIG_GZ, root,
			IC_LIVE_KCORE, rule);
	}
	l->link_text = rule;
	return 0;
}

/*
 * Link-time _text. Which architecture: the kernel config says (CONFIG_ARM64 / CONFIG_X86_64),
 * else kcore's VMCOREINFO (only arm64 prints NUMBER(kimage_voffset)), else kallsyms' _text
 * (below __START_KERNEL_map: not x86-64, taken as arm64). x86-64: x86_64_link_text() (the
 * config's CONFIG_PHYSICAL_START/ALIGN or the default, checked by kcore's KERNELOFFSET);
 * arm64: arm64_link_text().
 */
static int find_link_text(const struct ic_ctx *ctx, struct ic_live *l, const char *root)
{
	struct ic_vmcoreinfo *vi = NULL;
	struct ic_blob cfg;
	char path[4096], kc_path[4096];
	uint64_t v, rule = IC_DEFAULT_LINK_TEXT;
	bool arm64, have_cfg = false;
	int err;

	err = load_config(ctx, l, root, false, &cfg, path, sizeof(path));
	if (err)
		return err;
	if (cfg.data && (cfg_yes((const char *)cfg.data, cfg.len, "CONFIG_ARM64") ||
			 cfg_yes((const char *)cfg.data, cfg.len, "CONFIG_X86_64"))) {
		arm64 = cfg_yes((const char *)cfg.data, cfg.len, "CONFIG_ARM64");
	} else {
		vi = kcore_vmcoreinfo(root, kc_path, sizeof(kc_path));
		/* x86-64 maps its image at __START_KERNEL_map and up, KASLR or not. */
		arm64 = vi ? !ic_vmcoreinfo__u64(vi, "NUMBER(kimage_voffset)", &v)
			   : l->runtime_text < IC_X86_64_START_KERNEL_MAP;
	}
	if (arm64) {
		if (!vi)
			vi = kcore_vmcoreinfo(root, kc_path, sizeof(kc_path));
		err = arm64_link_text(ctx, l, root, &cfg, path, vi, kc_path);
		goto out;
	}
	/* /boot/config-<release> without the two options: /proc/config.gz may still have them. */
	for (bool boot = cfg.data && strstr(path, IC_LIVE_BOOT_CONFIG); cfg.data; boot = false) {
		err = ic_live__link_text(ctx, (const char *)cfg.data, cfg.len, path, &rule);
		if (err != -IC_ENOTFOUND && err != -IC_EUNSUPP) {
			if (err)
				goto out;
			have_cfg = true;
			break;
		}
		ic_blob__release(&cfg);
		if (!boot || (err = load_config(ctx, l, root, true, &cfg, path, sizeof(path))))
			break;
	}
	if (err && err != -IC_ENOTFOUND && err != -IC_EUNSUPP)
		goto out;
	if (!vi)
		vi = kcore_vmcoreinfo(root, kc_path, sizeof(kc_path));
	err = x86_64_link_text(ctx, l, root, rule, have_cfg ? path : NULL, vi, kc_path);
out:
	ic_vmcoreinfo__free(vi);
	ic_blob__release(&cfg);
	return err;
}

static int load_banner(const struct ic_ctx *ctx, struct ic_live *l)
{
	static const char prefix[] = "Linux version ";
	struct ic_blob b;
	const char *rel, *rel_end;
	size_t n;
	int err = ic_blob__load(ctx, l->version_path, IC_MAX_BANNER_LEN, &b);

	if (err)
		return err;
	n = b.len;
	if (n < sizeof(prefix) || memcmp(b.data, prefix, sizeof(prefix) - 1) ||
	    memchr(b.data, '\0', n) || memchr(b.data, '\n', n) != b.data + n - 1) {
		pr_warn(ctx, "%s: not one \"Linux version ...\\n\" line", l->version_path);
		ic_blob__release(&b);
		return -IC_EFORMAT;
	}
	l->banner = malloc(n + 1);
	if (!l->banner) {
		ic_blob__release(&b);
		return -ENOMEM;
	}
	memcpy(l->banner, b.data, n);
	l->banner[n] = '\0';
	l->banner_len = n + 1;
	ic_blob__release(&b);
	rel = (const char *)l->banner + sizeof(prefix) - 1;
	rel_end = rel;
	while (*rel_end > ' ' && *rel_end < 0x7f)
		rel_end++;
	if (rel_end == rel || rel_end - rel >= (ptrdiff_t)sizeof(l->release)) {
		pr_warn(ctx, "%s: no kernel release after \"Linux version\"", l->version_path);
		return -IC_EFORMAT;
	}
	memcpy(l->release, rel, (size_t)(rel_end - rel));
	l->release[rel_end - rel] = '\0';
	return 0;
}

int ic_live__load(const struct ic_ctx *ctx, const char *root, struct ic_live **out)
{
	struct ic_live *l;
	struct ic_blob ks = { 0 };
	const struct ic_sym *text;
	bool all_zero;
	int err;

	*out = NULL;
	if (!root)
		root = "";
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	join(l->btf_path, sizeof(l->btf_path), root, IC_LIVE_BTF, NULL);
	join(l->kallsyms_path, sizeof(l->kallsyms_path), root, IC_LIVE_KALLSYMS, NULL);
	join(l->version_path, sizeof(l->version_path), root, IC_LIVE_VERSION, NULL);

	err = load_banner(ctx, l);
	if (err)
		goto out;
	err = ic_blob__load(NULL, l->btf_path, IC_MAX_BTF_BYTES, &l->btf);
	if (err) {
		if (err == -ENOENT)
			pr_warn(ctx, "%s: this kernel exposes no BTF (CONFIG_DEBUG_INFO_BTF is off)",
				l->btf_path);
		else
			pr_warn(ctx, "%s: %s", l->btf_path, ic_strerror(err));
		goto out;
	}
	err = ic_blob__load(ctx, l->kallsyms_path, IC_MAX_SYMFILE_BYTES, &ks);
	if (err)
		goto out;
	l->syms = ic_symtab__new();
	if (!l->syms) {
		err = -ENOMEM;
		goto out;
	}
	err = ic_symtab__parse_map(ctx, l->syms, (const char *)ks.data, ks.len, l->kallsyms_path,
				   &all_zero);
	if (err)
		goto out;
	if (all_zero) {
		pr_warn(ctx, "%s: every address is 0 (kptr_restrict hides them): run as root or "
			"set kernel.kptr_restrict=0", l->kallsyms_path);
		err = -EACCES;
		goto out;
	}
	text = ic_symtab__find(l->syms, "_text");
	if (!text) {
		pr_warn(ctx, "%s: no _text symbol", l->kallsyms_path);
		err = -IC_EFORMAT;
		goto out;
	}
	l->runtime_text = text->addr;
	err = find_link_text(ctx, l, root);
	if (err)
		goto out;
	if (l->runtime_text < l->link_text) {
		pr_warn(ctx, "%s: runtime _text 0x%" PRIx64 " is below the link-time _text 0x%" PRIx64
			" (wrong kernel config?)", l->kallsyms_path, l->runtime_text, l->link_text);
		err = -IC_EFORMAT;
		goto out;
	}
	l->kaslr_offset = l->runtime_text - l->link_text;
	pr_info(ctx, "live: runtime _text 0x%" PRIx64 ", link-time _text 0x%" PRIx64
		", KASLR offset 0x%" PRIx64, l->runtime_text, l->link_text, l->kaslr_offset);
	for (size_t i = 0; i < l->syms->n; i++) {
		struct ic_sym *s = &l->syms->syms[i];

		/* Absolute symbols (per-CPU offsets, sizes) are not relocated by KASLR. */
		if (s->flags & IC_SYM_ABSOLUTE)
			continue;
		s->addr -= l->kaslr_offset;
	}
out:
	ic_blob__release(&ks);
	if (err)
		ic_live__free(l);
	else
		*out = l;
	return err;
}

void ic_live__free(struct ic_live *l)
{
	if (!l)
		return;
	ic_blob__release(&l->btf);
	ic_symtab__free(l->syms);
	free(l->banner);
	free(l);
}
