/* SPDX-License-Identifier: MIT */
/* Profile naming, the symbols-directory layout, atomic publishing and ISF banner reading. */
#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h> /* PATH_MAX; <limits.h> resolves to src/0-base/ic_limits.h here */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "isfcarve/symdir.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "symdir_read.h"

_Static_assert(IC_MAX_BANNER_LEN == 1024u, "IC_SYMDIR_B64_MAX in symdir.h assumes 1024");

/* ic_symdir__lock(): how often the lock file may be replaced under a locker before it gives
 * up locking (each time another holder finished meanwhile; locking is optional anyway). */
#define IC_SYMDIR_LOCK_TRIES 64u

static const char id_salt[] = "isfcarve-profile-v1"; /* hashed with its NUL: bump to rename all */

static bool release_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '+' || c == '-';
}

int ic_profile_id__compute(struct ic_profile_id *id, const uint8_t *banner, size_t banner_len,
			   const uint8_t btf_sha256[32])
{
	static const char prefix[] = "Linux version ";
	static const uint8_t zero[32];
	struct ic_sha256 s;
	uint8_t digest[32];
	char hex[65];
	size_t n = banner_len, r = 0;

	memset(id, 0, sizeof(*id));
	if (!banner || !banner_len || banner_len > IC_MAX_BANNER_LEN)
		return -EINVAL;
	/* Identity is the text: linux_banner's "\n\0" tail is not part of it. */
	while (n && (banner[n - 1] == '\0' || banner[n - 1] == '\n'))
		n--;
	if (!n)
		return -EINVAL;

	if (n > sizeof(prefix) - 1 && !memcmp(banner, prefix, sizeof(prefix) - 1)) {
		for (size_t i = sizeof(prefix) - 1; i < n && r < IC_SYMDIR_RELEASE_MAX; i++) {
			unsigned char c = banner[i];

			if (c == ' ' || c == '\t' || c == '\n' || c == '\0')
				break;
			/* No hidden files, no path separators, nothing a shell would mangle. */
			id->release[r] = (char)(release_char_ok(c) && !(r == 0 && c == '.') ? c : '_');
			r++;
		}
	}
	if (!r)
		snprintf(id->release, sizeof(id->release), "%s", "unknown");

	ic_sha256_init(&s);
	ic_sha256_update(&s, id_salt, sizeof(id_salt));
	ic_sha256_update(&s, banner, n);
	ic_sha256_update(&s, btf_sha256 ? btf_sha256 : zero, 32);
	ic_sha256_final(&s, digest);
	ic_hex(digest, 32, hex);
	memcpy(id->hash, hex, IC_SYMDIR_HASH_HEX);
	id->hash[IC_SYMDIR_HASH_HEX] = '\0';
	snprintf(id->name, sizeof(id->name), "%s-%s%s", id->release, id->hash, IC_SYMDIR_EXT);
	return 0;
}

int ic_symdir__path(const char *dir, const struct ic_profile_id *id, char *out, size_t out_sz)
{
	int n;

	if (!dir || !*dir || !id || !id->name[0])
		return -EINVAL;
	n = snprintf(out, out_sz, "%s/%s/%s", dir, IC_SYMDIR_SUBDIR, id->name);
	if (n < 0 || (size_t)n >= out_sz)
		return -ENAMETOOLONG;
	return 0;
}

/* mkdir -p: every component may be created concurrently by another host, so EEXIST is fine. */
static int mkdir_p(const struct ic_ctx *ctx, const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	struct stat st;

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) && errno != EEXIST) {
			int err = -errno;

			pr_warn(ctx, "%s: cannot create directory: %s", buf, strerror(errno));
			return err;
		}
		buf[i] = i < len ? '/' : '\0';
	}
	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		pr_warn(ctx, "%s: not a directory", path);
		return -ENOTDIR;
	}
	return 0;
}

int ic_symdir__prepare(const struct ic_ctx *ctx, const char *dir, const struct ic_profile_id *id,
		       char *out, size_t out_sz, bool *exists)
{
	char sub[PATH_MAX];
	struct stat st;
	int n, err;

	*exists = false;
	err = ic_symdir__path(dir, id, out, out_sz);
	if (err)
		return err;
	n = snprintf(sub, sizeof(sub), "%s/%s", dir, IC_SYMDIR_SUBDIR);
	if (n < 0 || (size_t)n >= sizeof(sub))
		return -ENAMETOOLONG;
	err = mkdir_p(ctx, sub);
	if (err)
		return err;
	/* Only ever complete files appear under the name (rename), so non-empty = usable. */
	if (!stat(out, &st) && S_ISREG(st.st_mode) && st.st_size > 0)
		*exists = true;
	return 0;
}

/*
 * The lock file protocol: a holder removes the file while it still holds the lock; so a
 * locker that wins a lock must check that the path still names the file it locked (a waiter
 * may have locked a file the previous holder has just removed) and else try again. No lock
 * file outlives its last holder, and two lockers never both hold the lock on the path.
 */
int ic_symdir__lock(const struct ic_ctx *ctx, const char *dir, const struct ic_profile_id *id,
		    int *fd)
{
	char path[PATH_MAX];
	int n, f, err;

	*fd = -1;
	n = snprintf(path, sizeof(path), "%s/%s/.%s.lock", dir, IC_SYMDIR_SUBDIR, id->name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	for (unsigned tries = 0; tries < IC_SYMDIR_LOCK_TRIES; tries++) {
		struct stat a, b;

		f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
		if (f < 0) {
			err = -errno;
			pr_warn(ctx, "%s: cannot open lock file: %s", path, strerror(errno));
			return err;
		}
		while (flock(f, LOCK_EX)) {
			if (errno == EINTR)
				continue;
			err = -errno;
			pr_warn(ctx, "%s: cannot lock: %s", path, strerror(errno));
			close(f);
			return err;
		}
		if (!fstat(f, &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			*fd = f;
			return 0;
		}
		close(f); /* removed by its last holder meanwhile: lock the new one */
	}
	pr_warn(ctx, "%s: lock file replaced %u times in a row; going on without it", path,
		IC_SYMDIR_LOCK_TRIES);
	return -EAGAIN;
}

void ic_symdir__unlock(int fd)
{
	char link[64], path[PATH_MAX];
	struct stat a, b;
	ssize_t n;

	if (fd < 0)
		return;
	/* Remove the lock file while holding the lock (the protocol above). Its path comes from
	 * /proc (the API hands out only the descriptor); without /proc the file stays, which
	 * costs nothing but a name in the directory. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n > 0 && path[0] == '/') {
		path[n] = '\0';
		if (!fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			unlink(path);
	}
	close(fd); /* closing drops the flock */
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int ic_symdir__publish(const struct ic_ctx *ctx, const char *src, const char *dst)
{
	char tmp[PATH_MAX];
	char buf[1 << 16];
	const char *slash = strrchr(dst, '/');
	int in, out, n, err = 0;
	mode_t um;

	/* The temp file must live in dst's directory: rename(2) is only atomic within a filesystem.
	 * Named ".NAME.tmp.*" like out.c's, for the CLI's supervisor (src/cli/supervise.c). */
	if (slash)
		n = snprintf(tmp, sizeof(tmp), "%.*s/.%.*s.tmp.XXXXXX", (int)(slash - dst), dst,
			     IC_TMP_NAME_KEEP, slash + 1);
	else
		n = snprintf(tmp, sizeof(tmp), ".%.*s.tmp.XXXXXX", IC_TMP_NAME_KEEP, dst);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		err = -errno;
		pr_warn(ctx, "%s: cannot open: %s", src, strerror(errno));
		return err;
	}
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0) {
		err = -errno;
		pr_warn(ctx, "%s: cannot create temp file: %s", tmp, strerror(errno));
		close(in);
		return err;
	}
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			pr_warn(ctx, "%s: read error: %s", src, strerror(errno));
			break;
		}
		if (!r)
			break;
		err = write_all(out, buf, (size_t)r);
		if (err) {
			pr_warn(ctx, "%s: write error: %s", tmp, strerror(-err));
			break;
		}
	}
	close(in);
	um = umask(0);
	umask(um);
	if (!err && fchmod(out, 0666 & ~um))
		err = -errno;
	if (!err && fsync(out))
		err = -errno;
	/* Renamed or removed while still open: the temp name never exists without an open
	 * descriptor (how the CLI's supervisor finds it on an interrupt). */
	if (!err && rename(tmp, dst)) {
		err = -errno;
		pr_warn(ctx, "%s: cannot rename into place: %s", dst, strerror(errno));
	}
	if (err)
		unlink(tmp);
	if (close(out) && !err)
		err = -errno;
	return err;
}

/* ---- Banner reading: decompressing byte source + a minimal streaming JSON key-path tracker ---- */

enum src_kind { SRC_PLAIN, SRC_GZ, SRC_XZ };

/*
 * Read to the very end, whatever the encoding: a stored profile is only good if the data ends
 * where its JSON root value ends. Volatility reads the whole file (lzma.LZMAFile and gzip read
 * every concatenated stream), so a profile with a second stream of data appended, or a gzip
 * without its CRC trailer, fails there even when everything these readers look for came before.
 * One stream, as isfcarve writes (and as Volatility's own downloads are), with nothing after
 * it: stricter than Volatility, which also loads a JSON split over several streams (bgzip,
 * `cat a.gz b.gz`), a gzip followed by zero padding, and an xz followed by bytes that are not
 * an xz stream (Python's readers ignore such a tail); such a file is rebuilt on reuse and
 * skipped by index, never trusted: isfcarve never writes one, so it was made or changed by
 * something else.
 */
struct src {
	enum src_kind kind;
	FILE *f;
	z_stream gz;
	bool gz_init;
	lzma_stream xz;
	bool end;           /* the compressed stream ended, and nothing followed it */
	const char *why;    /* what went wrong, for the caller's one line */
	bool why_placed;    /* why names its own file offset: no "near byte N of the JSON" */
	char why_buf[112];
	uint64_t in_total;  /* compressed bytes read from the file so far */
	uint8_t in[1 << 16];
	size_t in_avail;    /* PLAIN does not use in[] */
	bool in_eof;
};

/* More compressed input when all given is used. -EIO on a read error. */
static int src_fill(struct src *s, const uint8_t **next, size_t *avail)
{
	size_t r;

	if (*avail || s->in_eof)
		return 0;
	r = fread(s->in, 1, sizeof(s->in), s->f);
	if (ferror(s->f))
		return -EIO;
	s->in_eof = r < sizeof(s->in);
	s->in_total += r;
	*next = s->in;
	*avail = r;
	return 0;
}

/* The stream ended: any byte left after it (a second stream, garbage) is not ours. */
static int src_after_end(struct src *s, const uint8_t *next, size_t avail)
{
	int err = src_fill(s, &next, &avail);

	if (err) {
		s->why = "read error";
		return err;
	}
	if (avail) {
		/* avail <= in_total: the unused tail of what was read */
		snprintf(s->why_buf, sizeof(s->why_buf), "data after the end of its compressed "
			 "stream at file offset %" PRIu64 " (a second stream appended?)",
			 s->in_total - avail);
		s->why = s->why_buf;
		s->why_placed = true;
		return -IC_EFORMAT;
	}
	s->end = true;
	return 0;
}

static int src_open(struct src *s, const char *path)
{
	static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	uint8_t magic[6] = { 0 };
	size_t got;

	memset(s, 0, sizeof(*s));
	s->f = fopen(path, "rbe");
	if (!s->f)
		return -errno;
	got = fread(magic, 1, sizeof(magic), s->f);
	rewind(s->f);
	if (got == sizeof(magic) && !memcmp(magic, xz_magic, sizeof(magic))) {
		lzma_stream init = LZMA_STREAM_INIT;
		lzma_stream_flags hf, ff;
		uint8_t h[LZMA_STREAM_HEADER_SIZE], t[LZMA_STREAM_HEADER_SIZE];

		/* A cheap first look: a copy cut short (rsync, a full disk) has no footer. The
		 * full read below is what proves the file is one whole stream. */
		if (fread(h, 1, sizeof(h), s->f) != sizeof(h) || fseek(s->f, -(long)sizeof(t), SEEK_END) ||
		    fread(t, 1, sizeof(t), s->f) != sizeof(t) || lzma_stream_header_decode(&hf, h) != LZMA_OK ||
		    lzma_stream_footer_decode(&ff, t) != LZMA_OK || lzma_stream_flags_compare(&hf, &ff) != LZMA_OK) {
			fclose(s->f);
			return -IC_ETRUNC;
		}
		rewind(s->f);
		s->kind = SRC_XZ;
		s->xz = init;
		/* A named ceiling on the decoder's memory (our writer: preset 6, ~9 MiB); one stream
		 * (our writer makes one: 200 concatenated streams of spaces were 100 GiB of JSON;
		 * anything after the first stream is refused, src_after_end()). */
		if (lzma_stream_decoder(&s->xz, IC_MAX_XZ_DECODER_MEM, 0) != LZMA_OK) {
			fclose(s->f);
			return -ENOMEM;
		}
		return 0;
	}
	if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		s->kind = SRC_GZ;
		/* 15 + 16: a gzip wrapper only; inflate checks the CRC-32 and length trailer. */
		if (inflateInit2(&s->gz, 15 + 16) != Z_OK) {
			fclose(s->f);
			return -ENOMEM;
		}
		s->gz_init = true;
		return 0;
	}
	s->kind = SRC_PLAIN;
	return 0;
}

/* Returns bytes read (0 = end), or a negative error with s->why set. */
static long src_read(struct src *s, uint8_t *buf, size_t len)
{
	if (s->end)
		return 0;
	if (s->kind == SRC_PLAIN) {
		size_t r = fread(buf, 1, len, s->f);

		if (ferror(s->f)) {
			s->why = "read error";
			return -EIO;
		}
		return (long)r;
	}
	if (s->kind == SRC_GZ) {
		s->gz.next_out = buf;
		s->gz.avail_out = (uInt)len;
		while (s->gz.avail_out == len) {
			const uint8_t *next = s->gz.next_in;
			size_t avail = s->gz.avail_in;
			int ret;

			if (src_fill(s, &next, &avail)) {
				s->why = "read error";
				return -EIO;
			}
			s->gz.next_in = (Bytef *)next;
			s->gz.avail_in = (uInt)avail;
			if (!avail && s->in_eof) {
				s->why = "its gzip stream ends before its trailer (cut short?)";
				return -IC_ETRUNC;
			}
			ret = inflate(&s->gz, Z_NO_FLUSH);
			if (ret == Z_STREAM_END) {
				int err = src_after_end(s, s->gz.next_in, s->gz.avail_in);

				if (err)
					return err;
				break;
			}
			if (ret == Z_MEM_ERROR) {
				s->why = "out of memory";
				return -ENOMEM;
			}
			if (ret != Z_OK) {
				s->why = "corrupt gzip data (or a wrong CRC)";
				return -IC_EFORMAT;
			}
		}
		return (long)(len - s->gz.avail_out);
	}
	s->xz.next_out = buf;
	s->xz.avail_out = len;
	while (s->xz.avail_out == len) {
		const uint8_t *next = s->xz.next_in;
		size_t avail = s->xz.avail_in;
		lzma_ret ret;

		if (src_fill(s, &next, &avail)) {
			s->why = "read error";
			return -EIO;
		}
		s->xz.next_in = next;
		s->xz.avail_in = avail;
		ret = lzma_code(&s->xz, s->in_eof ? LZMA_FINISH : LZMA_RUN);
		if (ret == LZMA_STREAM_END) {
			int err = src_after_end(s, s->xz.next_in, s->xz.avail_in);

			if (err)
				return err;
			break;
		}
		if (ret == LZMA_BUF_ERROR) {
			s->why = "its xz stream ends early (cut short?)";
			return -IC_ETRUNC;
		}
		if (ret != LZMA_OK) {
			s->why = ret == LZMA_MEM_ERROR ? "out of memory"
						       : "corrupt xz data (or beyond IC_MAX_XZ_DECODER_MEM)";
			return ret == LZMA_MEM_ERROR ? -ENOMEM : -IC_EFORMAT;
		}
	}
	return (long)(len - s->xz.avail_out);
}

static void src_close(struct src *s)
{
	if (s->kind == SRC_XZ)
		lzma_end(&s->xz);
	if (s->gz_init)
		inflateEnd(&s->gz);
	if (s->f)
		fclose(s->f);
}

/*
 * The tracker follows only what locating symbols.linux_banner.constant_data needs: nesting,
 * whether a string is a key, and the keys on the path at depths 1-3. It does not validate
 * numbers or literals (the full ISF is validated by Volatility itself on use); it does reject
 * structural breakage (unbalanced brackets, depth beyond IC_MAX_ISF_SCAN_DEPTH, control bytes
 * in strings), so a truncated or garbage file is an error, not a silent "no banner".
 */
static const char *const want_path[3] = { "symbols", "linux_banner", "constant_data" };

struct trk {
	unsigned depth;                       /* 0 = outside the root value */
	bool is_obj[IC_MAX_ISF_SCAN_DEPTH + 1];
	bool expect_key;                      /* in an object, the next string is a key */
	bool on_path[4];                      /* on_path[d]: key at depth d matched want_path */
	bool in_str, esc, str_is_key, capture, cap_over;
	char cap[IC_SYMDIR_B64_MAX];          /* key text (short) or the banner value */
	size_t cap_len;
	bool root_seen;
	uint64_t off;                         /* decompressed offset, for messages */
	/* String mode: the path of the string wanted (want_path by default); found once read.
	 * stop_d1: stop when the depth-1 object on the path ends (the value is not in it). */
	const char *const *want;
	bool found, stop_d1;
	/* Set once the wanted values are in: the rest is only followed to where the root value
	 * ends (nothing but whitespace may come after it), nothing captured or stopped at. */
	bool drain;
	/* Address mode (ic_symdir__read_addrs): symbols.<names[i]>.address, a plain number. */
	const char *const *names;
	size_t nnames, cur, nhave;
	uint64_t *addrs, num;
	bool *have, in_num, num_bad;
};

/* Address mode: is the key just read at depth d on the path symbols.<wanted>.address? */
static bool trk_addr_key(struct trk *t, unsigned d)
{
	if (t->cap_over)
		return false;
	if (d == 1)
		return t->cap_len == 7 && !memcmp(t->cap, "symbols", 7);
	if (d == 3)
		return t->on_path[2] && t->cap_len == 7 && !memcmp(t->cap, "address", 7);
	for (size_t i = 0; t->on_path[1] && i < t->nnames; i++)
		if (strlen(t->names[i]) == t->cap_len && !memcmp(t->cap, t->names[i], t->cap_len)) {
			t->cur = i;
			return true;
		}
	return false;
}

/* Address mode: a value ended (',' or '}'). 1 when every wanted address is known. */
static int trk_addr_done(struct trk *t)
{
	if (t->in_num && !t->num_bad && t->depth == 3 && t->on_path[3] && !t->have[t->cur]) {
		t->addrs[t->cur] = t->num;
		t->have[t->cur] = true;
		t->nhave++;
	}
	t->in_num = false;
	return t->nhave == t->nnames;
}

/* Returns 1 when the value is complete, 0 to continue, negative on error. */
static int trk_byte(struct trk *t, unsigned char c)
{
	if (t->in_str) {
		if (t->esc) {
			t->esc = false;
			/* Base64 has no characters JSON must escape; only "\/" is a legal way to write one. */
			if (t->capture && t->str_is_key == false) {
				if (c != '/')
					return -IC_EFORMAT;
				goto append;
			}
			if (t->capture)
				t->cap_over = true; /* escaped key: not one of ours */
			return 0;
		}
		if (c == '\\') {
			t->esc = true;
			return 0;
		}
		if (c < 0x20)
			return -IC_EFORMAT;
		if (c == '"') {
			t->in_str = false;
			if (t->str_is_key) {
				unsigned d = t->depth;

				if (t->drain)
					return 0;
				if (t->names && d >= 1 && d <= 3) {
					t->on_path[d] = trk_addr_key(t, d);
					return 0;
				}
				if (d >= 1 && d <= 3) {
					const char *w = (t->want ? t->want : want_path)[d - 1];

					t->on_path[d] = (d == 1 || t->on_path[d - 1]) && !t->cap_over &&
							strlen(w) == t->cap_len &&
							!memcmp(t->cap, w, t->cap_len);
				}
				return 0;
			}
			if (t->capture) {
				if (t->cap_over)
					return -IC_ELIMIT;
				t->cap[t->cap_len] = '\0';
				t->found = true;
				return 1;
			}
			return 0;
		}
append:
		if (t->capture) {
			if (t->cap_len + 1 >= sizeof(t->cap))
				t->cap_over = true;
			else
				t->cap[t->cap_len++] = (char)c;
		}
		return 0;
	}
	switch (c) {
	case ' ': case '\t': case '\n': case '\r':
		return 0;
	case '{': case '[':
		if (t->depth == 0 && t->root_seen)
			return -IC_EFORMAT; /* a second top-level value */
		if (t->depth == 0 && c != '{')
			return -IC_EFORMAT; /* an ISF is an object */
		if (t->depth >= IC_MAX_ISF_SCAN_DEPTH)
			return -IC_ELIMIT;
		t->root_seen = true;
		t->depth++;
		t->is_obj[t->depth] = c == '{';
		t->expect_key = c == '{';
		if (t->depth <= 3)
			t->on_path[t->depth] = false;
		return 0;
	case '}': case ']':
		if (!t->depth || t->is_obj[t->depth] != (c == '}'))
			return -IC_EFORMAT;
		{
			bool done = !t->drain && t->names && trk_addr_done(t);

			t->depth--;
			t->expect_key = false;
			if (t->drain)
				return 0;
			/* the end of "symbols" (address mode) or of the depth-1 object on the path
			 * (stop_d1): what was not there is absent */
			return done || ((t->names || t->stop_d1) && t->depth == 1 && t->on_path[1]) ? 1 : 0;
		}
	case ':':
		if (!t->depth || !t->is_obj[t->depth] || t->expect_key)
			return -IC_EFORMAT;
		return 0;
	case ',':
		if (!t->depth)
			return -IC_EFORMAT;
		t->expect_key = t->is_obj[t->depth];
		return !t->drain && t->names && trk_addr_done(t) ? 1 : 0;
	case '"':
		if (!t->depth)
			return -IC_EFORMAT;
		t->in_str = true;
		t->str_is_key = t->is_obj[t->depth] && t->expect_key;
		if (t->str_is_key)
			t->expect_key = false;
		if (t->drain) { /* what was captured stays the caller's */
			t->capture = false;
			return 0;
		}
		t->cap_len = 0;
		t->cap_over = false;
		t->capture = t->str_is_key ? t->depth <= 3
					   : (!t->names && t->depth == 3 && t->is_obj[3] && t->on_path[3]);
		return 0;
	default:
		if (!t->depth)
			return -IC_EFORMAT;
		if (t->names && !t->drain && t->depth == 3 && t->on_path[3]) {
			/* an address: unsigned decimal, nothing else */
			if (!t->in_num) {
				t->num = 0;
				t->num_bad = false;
			}
			t->in_num = true;
			if (c < '0' || c > '9' || t->num > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
				t->num_bad = true;
			else
				t->num = t->num * 10 + (uint64_t)(c - '0');
		}
		return 0; /* numbers, true/false/null: not interesting */
	}
}

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict RFC 4648 decoding (padding required), as Python's b64decode accepts it. */
static int b64_decode(const char *s, size_t len, uint8_t *out, size_t out_max, size_t *out_len)
{
	size_t o = 0;

	if (!len || len % 4)
		return -IC_EFORMAT;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		unsigned pad = 0;

		for (unsigned k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad)
				return -IC_EFORMAT; /* data after '=' */
			v[k] = b64_val(s[i + k]);
			if (v[k] < 0)
				return -IC_EFORMAT;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		for (unsigned k = 0; k < 3 - pad; k++) {
			if (o >= out_max)
				return -IC_ELIMIT;
			out[o++] = (uint8_t)(w >> (16 - 8 * k));
		}
	}
	*out_len = o;
	return 0;
}

static int trk_files(const struct ic_ctx *ctx, const char *path, struct trk *const *ts, size_t n,
		     int *res)
{
	uint8_t buf[1 << 16];
	struct src *s = calloc(1, sizeof(*s));
	uint64_t off = 0, warned_at = UINT64_MAX;
	size_t live = n;
	int err;

	if (!s)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++)
		res[k] = 0;
	err = src_open(s, path);
	if (err == -IC_ETRUNC)
		pr_warn(ctx, "%s: no xz stream footer matching its header at the end of the file (cut "
			"short, or bytes after the stream?)", path);
	else if (err)
		pr_warn(ctx, "%s: cannot open: %s", path, strerror(-err));
	if (err) { /* src_open() closed what it opened */
		for (size_t k = 0; k < n; k++)
			res[k] = err;
		free(s);
		return 0;
	}
	while (live) {
		long r = src_read(s, buf, sizeof(buf));

		if (r < 0) {
			err = (int)r;
			if (s->why_placed)
				pr_warn(ctx, "%s: %s", path, s->why);
			else
				pr_warn(ctx, "%s: %s, near byte %" PRIu64 " of the JSON", path,
					s->why ? s->why : "decompression failed", off);
			goto out;
		}
		if (!r) {
			/* Reaching the end inside the root is truncation (the trackers that are still
			 * reading have all followed the same structure). */
			for (size_t k = 0; k < n; k++) {
				const struct trk *t = ts[k];

				if (res[k] < 0 || !(t->depth || t->in_str || !t->root_seen))
					continue;
				if (!err)
					pr_warn(ctx, "%s: JSON ends early at byte %" PRIu64, path, off);
				err = -IC_ETRUNC;
				res[k] = err;
			}
			err = 0;
			break;
		}
		if (off > IC_MAX_OUTPUT_BYTES) {
			pr_warn(ctx, "%s: the JSON goes on past IC_MAX_OUTPUT_BYTES (%" PRIu64 " bytes), "
				"more than isfcarve ever writes", path, (uint64_t)IC_MAX_OUTPUT_BYTES);
			err = -IC_ELIMIT;
			goto out;
		}
		for (size_t k = 0; k < n; k++) {
			struct trk *t = ts[k];

			for (long i = 0; res[k] >= 0 && i < r; i++, t->off++) {
				int rb = trk_byte(t, buf[i]);

				if (rb < 0) {
					/* once per byte: every tracker meets broken structure there */
					if (warned_at != t->off)
						pr_warn(ctx, "%s: %s at byte %" PRIu64 " of the JSON", path,
							rb == -IC_ELIMIT ? "value or nesting beyond limits"
							: t->depth || !t->root_seen ? "malformed JSON"
							: "data after the JSON root value",
							(uint64_t)t->off);
					warned_at = t->off;
					res[k] = rb;
					live--;
				} else if (rb == 1) {
					/* Found: the rest is still read, to know the file is whole. */
					res[k] = 1;
					t->drain = true;
				}
			}
		}
		off += (uint64_t)r;
	}
out:
	for (size_t k = 0; err && k < n; k++)
		if (res[k] >= 0)
			res[k] = err;
	src_close(s);
	free(s);
	return 0;
}

/*
 * Open path and feed its decompressed JSON to the tracker to the very end: 1 when the tracker
 * found what it wants, 0 when it did not (a complete ISF without the wanted values), and only if
 * the file is whole: the data ends where the JSON root value ends (whitespace may follow), and
 * a compressed file is one stream, read to its end (gzip's CRC trailer checked), with nothing
 * after it. Errors are warned about here, one line naming the file and the byte: cannot open,
 * decompression, malformed JSON or beyond limits, data after the stream (-IC_EFORMAT), and
 * -IC_ETRUNC for data that ends inside the root value or inside its compressed stream.
 * trk_files(): several trackers over one decode (each its own result in res[]).
 */
static int trk_file(const struct ic_ctx *ctx, const char *path, struct trk *t)
{
	int res, err = trk_files(ctx, path, &t, 1, &res);

	return err ? err : res;
}

int ic_symdir__read_banner(const struct ic_ctx *ctx, const char *path,
			   char b64[IC_SYMDIR_B64_MAX], uint8_t *banner, size_t *banner_len)
{
	static const char prefix[] = "Linux version ";
	struct trk *t = calloc(1, sizeof(*t));
	uint8_t dec[IC_MAX_BANNER_LEN];
	size_t dec_len = 0;
	int err;

	if (!t)
		return -ENOMEM;
	err = trk_file(ctx, path, t);
	if (err < 0)
		goto out;
	if (err == 0) {
		/* A complete ISF without it is valid. */
		err = -IC_ENOTFOUND;
		pr_info(ctx, "%s: no symbols.linux_banner.constant_data", path);
		goto out;
	}
	err = b64_decode(t->cap, t->cap_len, dec, sizeof(dec), &dec_len);
	if (err || dec_len <= sizeof(prefix) - 1 || memcmp(dec, prefix, sizeof(prefix) - 1)) {
		err = err == -IC_ELIMIT ? err : -IC_EFORMAT;
		pr_warn(ctx, "%s: linux_banner.constant_data is not base64 of a \"Linux version\" banner",
			path);
		goto out;
	}
	memcpy(b64, t->cap, t->cap_len + 1);
	if (banner) {
		memcpy(banner, dec, dec_len);
		*banner_len = dec_len;
	}
	err = 0;
out:
	free(t);
	return err;
}

/* A tracker of metadata.producer.<key> (want: its path, the caller's, living as long as it). */
static void producer_trk(struct trk *t, const char *want[3], const char *key)
{
	want[0] = "metadata";
	want[1] = "producer";
	want[2] = key;
	t->want = want;
	t->stop_d1 = true;
}

/* Its value into out, from its result res (trk_files()). */
static int producer_out(const struct trk *t, int res, char *out, size_t out_sz)
{
	if (res < 0)
		return res;
	if (!t->found)
		return -IC_ENOTFOUND;
	/* Not -IC_ELIMIT: that says the file itself is beyond a limit (nesting, size). */
	if (t->cap_len >= out_sz)
		return -ENOSPC;
	memcpy(out, t->cap, t->cap_len + 1);
	return 0;
}

int ic_symdir__read_producer(const struct ic_ctx *ctx, const char *path, const char *key,
			     char *out, size_t out_sz)
{
	const char *want[3];
	struct trk *t;
	int err;

	if (!key || !out || !out_sz)
		return -EINVAL;
	out[0] = '\0';
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	producer_trk(t, want, key);
	err = trk_file(ctx, path, t);
	err = producer_out(t, err, out, out_sz);
	free(t);
	return err;
}

int ic_symdir__read_addrs(const struct ic_ctx *ctx, const char *path, const char *const *names,
			  size_t n, uint64_t *addrs, bool *have)
{
	struct trk *t;
	int err;

	for (size_t i = 0; i < n; i++)
		have[i] = false;
	if (!n)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->names = names;
	t->nnames = n;
	t->addrs = addrs;
	t->have = have;
	err = trk_file(ctx, path, t);
	if (err > 0)
		err = 0;
	free(t);
	return err;
}

int ic_symdir__read_stored(const struct ic_ctx *ctx, const char *path,
			   const struct ic_symdir_stored_keys *q)
{
	enum { MAXK = 8 };
	struct trk *t[MAXK + 1] = { NULL };
	const char *want[MAXK][3];
	int res[MAXK + 1], err = 0;
	size_t n = q->nkeys + 1;

	if (q->nkeys > MAXK)
		return -EINVAL;
	for (size_t i = 0; i < q->nnames; i++)
		q->have[i] = false;
	for (size_t k = 0; k < n; k++)
		if (!(t[k] = calloc(1, sizeof(*t[k])))) {
			err = -ENOMEM;
			goto out;
		}
	for (size_t k = 0; k < q->nkeys; k++) {
		q->outs[k][0] = '\0';
		producer_trk(t[k], want[k], q->keys[k]);
	}
	t[q->nkeys]->names = q->names;
	t[q->nkeys]->nnames = q->nnames;
	t[q->nkeys]->addrs = q->addrs;
	t[q->nkeys]->have = q->have;
	err = trk_files(ctx, path, t, n, res);
	if (err)
		goto out;
	for (size_t k = 0; k < q->nkeys; k++)
		q->errs[k] = producer_out(t[k], res[k], q->outs[k], q->sizes[k]);
	q->errs[q->nkeys] = res[q->nkeys] > 0 ? 0 : res[q->nkeys];
out:
	for (size_t k = 0; k < n; k++)
		free(t[k]);
	return err;
}
