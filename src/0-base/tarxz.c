/* SPDX-License-Identifier: MIT */
/* BTFHub's .btf.tar.xz: liblzma around our own bounded reader of a one-file tar. */
/*
 * BTFHub ships external BTF as <release>.btf.tar.xz: an xz stream (liblzma) around a tar that
 * holds the one raw BTF file. The tar reader is our own and reads only what such an archive
 * needs: ustar/GNU headers (checksummed), directories, pax and GNU long names. Everything is
 * bounded (src/0-base/ic_limits.h) and read through the bounds-checked reader.
 */
#include <errno.h>
#include <inttypes.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "tarxz.h"

#define TAR_BLOCK 512u

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

bool ic_tarxz__is_xz(const uint8_t *p, size_t len)
{
	return p && len >= sizeof(xz_magic) && !memcmp(p, xz_magic, sizeof(xz_magic));
}

/* Decompress the whole stream into a buffer that grows by doubling up to the ceiling. */
static int unxz(const struct ic_ctx *ctx, const uint8_t *xz, size_t len, const char *what,
		uint8_t **out, size_t *out_len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = len < (IC_MAX_TARXZ_BYTES / 8) ? len * 8 : IC_MAX_TARXZ_BYTES;
	uint8_t *buf = NULL;
	lzma_ret r;
	int err = 0;

	if (cap < (1u << 16))
		cap = 1u << 16;
	if (lzma_stream_decoder(&s, IC_MAX_XZ_DECODER_MEM, LZMA_CONCATENATED) != LZMA_OK)
		return -ENOMEM;
	buf = malloc(cap);
	if (!buf) {
		lzma_end(&s);
		return -ENOMEM;
	}
	s.next_in = xz;
	s.avail_in = len;
	s.next_out = buf;
	s.avail_out = cap;
	for (;;) {
		r = lzma_code(&s, LZMA_FINISH);
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_OK && !s.avail_out) {
			size_t used = cap;
			uint8_t *nb;

			if (cap >= IC_MAX_TARXZ_BYTES) {
				pr_warn(ctx, "%s: decompresses to more than %u bytes (the ceiling for one "
					"BTF archive)", what, IC_MAX_TARXZ_BYTES);
				err = -IC_ELIMIT;
				break;
			}
			cap = cap > IC_MAX_TARXZ_BYTES / 2 ? IC_MAX_TARXZ_BYTES : cap * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			s.next_out = buf + used;
			s.avail_out = cap - used;
			continue;
		}
		if (r == LZMA_OK)
			continue;
		switch (r) {
		case LZMA_MEMLIMIT_ERROR:
			pr_warn(ctx, "%s: the xz stream needs more than %" PRIu64 " MiB of decoder "
				"memory", what, (uint64_t)(IC_MAX_XZ_DECODER_MEM >> 20));
			err = -IC_ELIMIT;
			break;
		case LZMA_BUF_ERROR:
			pr_warn(ctx, "%s: offset 0x%zx: the xz stream ends early (truncated file)", what,
				len - s.avail_in);
			err = -IC_ETRUNC;
			break;
		case LZMA_MEM_ERROR:
			err = -ENOMEM;
			break;
		default:
			pr_warn(ctx, "%s: offset 0x%zx: corrupt xz data (liblzma error %d)", what,
				len - s.avail_in, (int)r);
			err = -IC_EFORMAT;
			break;
		}
		break;
	}
	if (!err) {
		*out = buf;
		*out_len = cap - s.avail_out;
		buf = NULL;
	}
	free(buf);
	lzma_end(&s);
	return err;
}

/* A numeric header field: octal digits (leading spaces/zeros, ended by space or NUL), or
 * GNU's base-256 (top bit of the first byte set; positive values only). */
static int tar_num(const uint8_t *f, size_t n, uint64_t *v)
{
	size_t i = 0;

	*v = 0;
	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -1; /* negative, or more than 64 bits */
		for (i = 1; i < n; i++) {
			if (*v >> 56)
				return -1;
			*v = *v << 8 | f[i];
		}
		return 0;
	}
	while (i < n && f[i] == ' ')
		i++;
	if (i == n || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (*v >> 60)
			return -1;
		*v = *v << 3 | (uint64_t)(f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The header checksum: the byte sum with the checksum field counted as spaces. Old tars summed
 * signed chars; either sum is accepted. */
static bool checksum_ok(const uint8_t *h)
{
	uint64_t want, us = 0;
	int64_t ss = 0;

	if (tar_num(h + 148, 8, &want))
		return false;
	for (unsigned i = 0; i < TAR_BLOCK; i++) {
		uint8_t c = i >= 148 && i < 156 ? ' ' : h[i];

		us += c;
		ss += (int8_t)c;
	}
	return want == us || (ss >= 0 && want == (uint64_t)ss);
}

/* Copy a field of at most n bytes that need not end in NUL. */
static void field_str(char *dst, size_t cap, const uint8_t *f, size_t n)
{
	size_t l = 0;

	while (l < n && f[l])
		l++;
	if (l >= cap)
		l = cap - 1;
	memcpy(dst, f, l);
	dst[l] = '\0';
}

/* pax extended header records "LEN key=value\n": path and size override the next header's. */
static int pax_parse(const uint8_t *p, size_t n, char *path, size_t path_cap, uint64_t *size,
		     bool *have_size)
{
	size_t off = 0;

	while (off < n) {
		size_t rl = 0, i = off, eq;
		const uint8_t *rec;

		while (i < n && p[i] >= '0' && p[i] <= '9') {
			if (rl > n)
				return -1;
			rl = rl * 10 + (size_t)(p[i] - '0');
			i++;
		}
		if (i == off || i >= n || p[i] != ' ' || rl <= i - off + 1 || !ic_in_bounds(off, rl, n) ||
		    p[off + rl - 1] != '\n')
			return -1;
		rec = p + i + 1;
		eq = 0;
		while (rec + eq < p + off + rl - 1 && rec[eq] != '=')
			eq++;
		if (rec + eq >= p + off + rl - 1)
			return -1;
		{
			size_t vl = (size_t)(p + off + rl - 1 - (rec + eq + 1));
			const uint8_t *val = rec + eq + 1;

			if (eq == 4 && !memcmp(rec, "path", 4)) {
				if (vl >= path_cap)
					return -1;
				memcpy(path, val, vl);
				path[vl] = '\0';
			} else if (eq == 4 && !memcmp(rec, "size", 4)) {
				uint64_t v = 0;

				if (!vl || vl > 19)
					return -1;
				for (size_t k = 0; k < vl; k++) {
					if (val[k] < '0' || val[k] > '9')
						return -1;
					v = v * 10 + (uint64_t)(val[k] - '0');
				}
				*size = v;
				*have_size = true;
			}
		}
		off += rl;
	}
	return 0;
}

int ic_tar__single(const struct ic_ctx *ctx, const uint8_t *tar, size_t len, const char *what,
		   struct ic_tar_member *out)
{
	struct ic_rd r = ic_rd_init(tar, len);
	char next_name[IC_MAX_TAR_NAME + 1] = "";
	uint64_t pax_size = 0;
	bool have_pax_size = false, found = false;
	size_t found_off = 0, found_len = 0;

	memset(out, 0, sizeof(*out));
	while (ic_rd_left(&r) >= TAR_BLOCK) {
		size_t hoff = r.off;
		const uint8_t *h = ic_rd_bytes(&r, TAR_BLOCK);
		uint64_t size;
		size_t doff;
		char type;

		if (all_zero(h, TAR_BLOCK))
			break; /* end-of-archive marker */
		if (!checksum_ok(h)) {
			pr_warn(ctx, "%s: tar offset 0x%zx: not a tar header (bad checksum)", what, hoff);
			return -IC_EFORMAT;
		}
		if (tar_num(h + 124, 12, &size)) {
			pr_warn(ctx, "%s: tar offset 0x%zx: bad size field in the tar header", what, hoff);
			return -IC_EFORMAT;
		}
		type = (char)h[156];
		if (have_pax_size && (type == '0' || type == '\0' || type == '7'))
			size = pax_size;
		doff = r.off;
		if (size > IC_MAX_TARXZ_BYTES || !ic_in_bounds(doff, size, len)) {
			pr_warn(ctx, "%s: tar offset 0x%zx: member of %" PRIu64 " bytes runs past the end of the "
				"tar (%zu bytes)", what, hoff, size, len);
			return -IC_ETRUNC;
		}
		switch (type) {
		case '0': case '\0': case '7': /* regular file ('7': contiguous, a regular file too) */
			if (found) {
				pr_warn(ctx, "%s: tar offset 0x%zx: a second file in the archive (expected one "
					"BTF file)", what, hoff);
				return -IC_EFORMAT;
			}
			found = true;
			found_off = doff;
			found_len = (size_t)size;
			if (next_name[0]) {
				snprintf(out->name, sizeof(out->name), "%s", next_name);
			} else {
				char nm[101], pre[156];

				field_str(nm, sizeof(nm), h, 100);
				pre[0] = '\0';
				if (!memcmp(h + 257, "ustar\0", 6)) /* POSIX: prefix; GNU uses it otherwise */
					field_str(pre, sizeof(pre), h + 345, 155);
				snprintf(out->name, sizeof(out->name), "%s%s%s", pre, pre[0] ? "/" : "", nm);
			}
			next_name[0] = '\0';
			have_pax_size = false;
			break;
		case '5': /* directory */
			next_name[0] = '\0';
			have_pax_size = false;
			break;
		case 'L': /* GNU long name of the next member */
			if (size > IC_MAX_TAR_NAME) {
				pr_warn(ctx, "%s: tar offset 0x%zx: long name of %" PRIu64 " bytes (ceiling %u)",
					what, hoff, size, IC_MAX_TAR_NAME);
				return -IC_ELIMIT;
			}
			field_str(next_name, sizeof(next_name), tar + doff, (size_t)size);
			break;
		case 'x': /* pax extended header of the next member */
			if (size > IC_MAX_TAR_NAME * 4u ||
			    pax_parse(tar + doff, (size_t)size, next_name, sizeof(next_name), &pax_size,
				      &have_pax_size)) {
				pr_warn(ctx, "%s: tar offset 0x%zx: bad pax extended header", what, hoff);
				return -IC_EFORMAT;
			}
			break;
		case 'g': case 'K': /* pax global header, GNU long link name: nothing we use */
			break;
		default:
			pr_warn(ctx, "%s: tar offset 0x%zx: tar member of type '%c' (a link or device): "
				"expected one regular BTF file", what, hoff, type >= 32 && type < 127 ? type : '?');
			return -IC_EFORMAT;
		}
		/* data, padded to whole blocks (the padding of the last member may be cut) */
		ic_rd_seek(&r, doff + (size_t)size);
		ic_rd_skip(&r, ic_rd_left(&r) < (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK
			       ? ic_rd_left(&r) : (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK);
	}
	if (!found) {
		pr_warn(ctx, "%s: the archive holds no regular file (expected one BTF file)", what);
		return -IC_EFORMAT;
	}
	out->data = malloc(found_len ? found_len : 1);
	if (!out->data)
		return -ENOMEM;
	memcpy(out->data, tar + found_off, found_len);
	out->len = found_len;
	return 0;
}

int ic_tarxz__single(const struct ic_ctx *ctx, const uint8_t *xz, size_t len, const char *what,
		     struct ic_tar_member *out)
{
	uint8_t *tar = NULL;
	size_t tar_len = 0;
	int err;

	if (!ic_tarxz__is_xz(xz, len)) {
		pr_warn(ctx, "%s: offset 0: not an xz file (no FD 37 7A 58 5A 00 magic)", what);
		return -IC_EFORMAT;
	}
	err = unxz(ctx, xz, len, what, &tar, &tar_len);
	if (err)
		return err;
	err = ic_tar__single(ctx, tar, tar_len, what, out);
	free(tar);
	return err;
}
