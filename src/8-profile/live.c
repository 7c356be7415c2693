/* SPDX-License-Identifier: MIT */
/* Live mode: read this kernel's BTF, kallsyms and banner; undo KASLR; whole-file loading. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "0-base/gunzip.h"
#include "0-base/internal.h"
#include "isfcarve/live.h"
#include "isfcarve/symbols.h"
#include "0-base/ic_limits.h"

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
				pr_warn(ctx, "%s: larger than %" PRIu64 " bytes", path, max);
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
	fd = open(path, O_RDONLY | O_CLOEXEC);
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
	if (S_ISREG(st.st_mode) && st.st_size > 0 && !strncmp(path, "/proc/", 6)) {
		/* procfs sizes are not file lengths (kallsyms says 0, config.gz is exact): read. */
		err = read_all(ctx, fd, path, max, out);
	} else if (S_ISREG(st.st_mode) && st.st_size > 0) {
		void *m;

		if ((uint64_t)st.st_size > max) {
			pr_warn(ctx, "%s: %" PRIu64 " bytes, larger than the limit %" PRIu64, path,
				(uint64_t)st.st_size, max);
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

/* Link-time _text from /boot/config-<release>, else /proc/config.gz; 0 if neither helps. */
static int find_link_text(const struct ic_ctx *ctx, struct ic_live *l, const char *root)
{
	struct ic_blob raw, text;
	char path[4096];
	int err;

	join(path, sizeof(path), root, IC_LIVE_BOOT_CONFIG, l->release);
	if (ic_blob__load(NULL, path, IC_MAX_CONFIG_BYTES, &raw) == 0) {
		err = ic_live__link_text(ctx, (const char *)raw.data, raw.len, path, &l->link_text);
		ic_blob__release(&raw);
		if (err != -IC_ENOTFOUND && err != -IC_EUNSUPP)
			goto done;
	}
	join(path, sizeof(path), root, IC_LIVE_CONFIG_GZ, NULL);
	if (ic_blob__load(NULL, path, IC_MAX_CONFIG_BYTES, &raw) == 0) {
		err = gunzip(ctx, &raw, path, IC_MAX_CONFIG_BYTES, &text);
		ic_blob__release(&raw);
		if (err)
			return err;
		err = ic_live__link_text(ctx, (const char *)text.data, text.len, path,
					 &l->link_text);
		ic_blob__release(&text);
		if (err != -IC_ENOTFOUND && err != -IC_EUNSUPP)
			goto done;
	}
	l->link_text = IC_DEFAULT_LINK_TEXT;
	l->link_text_default = true;
	pr_warn(ctx, "no x86-64 kernel config with CONFIG_PHYSICAL_START/ALIGN (%s%s, %s%s): "
		"assuming link-time _text 0x%" PRIx64, root, IC_LIVE_BOOT_CONFIG, l->release,
		IC_LIVE_CONFIG_GZ, (uint64_t)IC_DEFAULT_LINK_TEXT);
	return 0;
done:
	if (!err)
		snprintf(l->config_path, sizeof(l->config_path), "%s", path);
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
