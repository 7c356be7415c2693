/* SPDX-License-Identifier: MIT */
/* The vmlinux ELF inside a compressed kernel (bzImage payload): gzip, xz, zstd. */
#include <inttypes.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef IC_HAVE_ZSTD
#include <zstd.h>
#endif

#include "0-base/gunzip.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "isfcarve/vmlinux.h"
#include "elfhdr.h"

/*
 * x86 boot protocol (Documentation/arch/x86/boot.rst, facts only): the setup header holds
 * setup_sects at 0x1f1 (0 means 4), "HdrS" at 0x202, the version at 0x206, and from 2.08
 * payload_offset (0x248) and payload_length (0x24c), relative to the protected-mode code at
 * (setup_sects + 1) * 512. The payload is the compressed vmlinux ELF; every compressor but
 * gzip has the decompressed size appended (4 bytes after the stream, ignored here).
 * Without a usable header, the file is searched for the compressors' magic numbers.
 */
enum comp { C_GZIP, C_XZ, C_ZSTD };

static const struct {
	const char *name;
	uint8_t magic[6];
	size_t len;
} comps[] = {
	[C_GZIP] = { "gzip", { 0x1f, 0x8b, 0x08 }, 3 },
	[C_XZ] = { "xz", { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6 },
	[C_ZSTD] = { "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
};

/* Grow *buf to hold at least need bytes (doubling, at most max). */
static int grow(uint8_t **buf, size_t *cap, size_t need, size_t max)
{
	uint8_t *nb;
	size_t n = *cap ? *cap : 1u << 22;

	if (need > max)
		return -IC_ELIMIT;
	if (n > max)
		n = max; /* a peek at a header needs 64 bytes, not 4 MiB */
	while (n < need)
		n = n > max / 2 ? max : n * 2;
	nb = realloc(*buf, n);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = n;
	return 0;
}

/*
 * The decoders: the stream at in[0..n) into a new buffer *out (the caller frees it) of at most
 * max bytes. With stop, the first max bytes are all that is wanted: the decoder stops there
 * (a stream that goes on is not an error); without, more is -IC_ELIMIT.
 */
static int un_xz(const uint8_t *in, size_t n, size_t max, bool stop, uint8_t **out, size_t *olen)
{
	lzma_stream xs = LZMA_STREAM_INIT;
	size_t cap = 0;
	lzma_ret r;
	int err = 0;

	/* the dictionary size is the stream's to choose: a named ceiling, as for BTFHub's .tar.xz */
	if (lzma_stream_decoder(&xs, IC_MAX_XZ_DECODER_MEM, 0) != LZMA_OK)
		return -ENOMEM;
	xs.next_in = in;
	xs.avail_in = n;
	for (;;) {
		if (stop && xs.total_out == max)
			break;
		if (xs.total_out == cap && (err = grow(out, &cap, cap + 1, max)))
			break;
		xs.next_out = *out + xs.total_out;
		xs.avail_out = cap - xs.total_out;
		r = lzma_code(&xs, LZMA_FINISH);
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK) {
			err = r == LZMA_MEM_ERROR ? -ENOMEM : -IC_EFORMAT;
			break;
		}
	}
	*olen = xs.total_out;
	lzma_end(&xs);
	return err;
}

static int un_zstd(const uint8_t *in, size_t n, size_t max, bool stop, uint8_t **out,
		   size_t *olen)
{
#ifdef IC_HAVE_ZSTD
	ZSTD_DCtx *z = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, n, 0 };
	size_t cap = 0, got = 0;
	int err = 0;

	if (!z)
		return -ENOMEM;
	for (;;) {
		ZSTD_outBuffer ob;
		size_t r;

		if (stop && got == max)
			break;
		if (got == cap && (err = grow(out, &cap, cap + 1, max)))
			break;
		ob = (ZSTD_outBuffer){ *out, cap, got };
		r = ZSTD_decompressStream(z, &ob, &ib);
		got = ob.pos;
		if (ZSTD_isError(r)) {
			err = -IC_EFORMAT;
			break;
		}
		if (!r)
			break; /* frame complete */
		if (ib.pos == ib.size && ob.pos < ob.size) {
			err = -IC_ETRUNC;
			break;
		}
	}
	*olen = got;
	ZSTD_freeDCtx(z);
	return err;
#else
	(void)in;
	(void)n;
	(void)max;
	(void)stop;
	(void)out;
	(void)olen;
	return -IC_EUNSUPP;
#endif
}

/* Decode the stream of kind c at in[0..n): at most max bytes, the first max only with stop. */
static int decode(enum comp c, const uint8_t *in, size_t n, size_t max, bool stop, uint8_t **out,
		  size_t *olen)
{
	*out = NULL;
	*olen = 0;
	switch (c) {
	case C_GZIP: return ic_gunzip_upto(in, n, max, stop, out, olen, NULL);
	case C_XZ: return un_xz(in, n, max, stop, out, olen);
	default: return un_zstd(in, n, max, stop, out, olen);
	}
}

#define EM_X86_64 62u
#define EM_AARCH64 183u

/*
 * Decode the stream of kind c at data[at..len) and keep it if it is a vmlinux ELF. A magic
 * number found in a file is only a candidate (up to IC_MAX_VMLINUZ_TRIES are tried), and a
 * 153 KB xz stream of zeros decodes to 1 GiB: so first its 64-byte ELF header is decoded and
 * checked as ic_vmlinux__open() checks it (ELF64, little-endian, version 1, x86-64 or AArch64:
 * the kernels isfcarve profiles), then the stream is decoded only as far as that header says
 * the file reaches (its program and section header tables; the PT_LOAD segments' and the
 * sections' ends once those tables are read), at most IC_MAX_VMLINUX_BYTES. A header with extended numbering
 * (e_shnum 0) does not say: then up to IC_MAX_VMLINUX_BYTES.
 */
static int try_at(const struct ic_ctx *ctx, const uint8_t *data, size_t len, size_t at, enum comp c,
		  const char *what, uint8_t **out, size_t *out_len)
{
	struct ic_elf_ehdr h;
	uint8_t *buf = NULL;
	uint64_t end = 0, load = 0;
	size_t n = 0;
	bool known;
	int err;

#ifndef IC_HAVE_ZSTD
	if (c == C_ZSTD)
		return -IC_EUNSUPP; /* said once by the caller */
#endif
	err = decode(c, data + at, len - at, IC_ELF_EHDR64_SIZE, true, &buf, &n);
	if (!err)
		err = ic_elf__ehdr(NULL, buf, n, what, &h);
	if (!err && (!h.is64 || h.be || (h.machine != EM_X86_64 && h.machine != EM_AARCH64)))
		err = -EPROTO;
	if (!err)
		err = ic_elf__ehdr_end(&h, &end);
	free(buf);
	buf = NULL;
	if (err) {
		pr_debug(ctx, "%s: offset 0x%zx: %s stream: does not start a 64-bit little-endian "
			 "x86-64 or AArch64 ELF header", what, at, comps[c].name);
		return err == -ENOMEM ? err : -EPROTO;
	}
	known = !(h.shoff && !h.shnum) && h.phnum != 0xffffu;
	if (!known)
		end = IC_MAX_VMLINUX_BYTES;
	if (end > IC_MAX_VMLINUX_BYTES) {
		pr_debug(ctx, "%s: offset 0x%zx: %s stream: its ELF header reaches byte %" PRIu64
			 ", beyond IC_MAX_VMLINUX_BYTES", what, at, comps[c].name, end);
		return -IC_ELIMIT;
	}
	err = decode(c, data + at, len - at, (size_t)end, true, &buf, &n);
	/* The segments' and sections' ends, now that both tables are read: ld and `objcopy -S`
	 * put the section headers last, but nothing obliges a producer to, and a section past the
	 * table would otherwise be cut off (and the file refused as truncated). */
	if (!err && known) {
		uint64_t e;

		if (!ic_elf__load_end(&h, buf, n, &e) && e > load)
			load = e;
		if (!ic_elf__sect_end(&h, buf, n, &e) && e > load)
			load = e;
	}
	if (!err && load > end) {
		free(buf);
		buf = NULL;
		end = load > IC_MAX_VMLINUX_BYTES ? IC_MAX_VMLINUX_BYTES : load;
		err = decode(c, data + at, len - at, (size_t)end, true, &buf, &n);
	}
	if (!err && known && n < end)
		err = -IC_ETRUNC; /* the stream ends before the file its header describes */
	pr_debug(ctx, "%s: offset 0x%zx: %s stream: %s", what, at, comps[c].name,
		 err ? ic_strerror(err) : "vmlinux");
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*out_len = n;
	return 0;
}

int ic_vmlinuz__extract(const struct ic_ctx *ctx, const uint8_t *data, size_t len, const char *what,
			uint8_t **out, size_t *out_len)
{
	size_t start = 0, tries = 0;
	bool unsupp = false;
	int err;

	*out = NULL;
	*out_len = 0;
	if (len >= 0x250 && !memcmp(data + 0x202, "HdrS", 4) && ic_get_le16(data + 0x206) >= 0x208) {
		size_t sects = data[0x1f1] ? data[0x1f1] : 4;
		uint64_t at = (uint64_t)(sects + 1) * 512 + ic_get_le32(data + 0x248);

		if (at < len)
			start = (size_t)at; /* the payload: searched from there (it is found first) */
		else
			pr_info(ctx, "%s: offset 0x248: payload_offset past the end of the file; "
				"searching the whole file", what);
	}
	for (size_t at = start; at + 4 <= len && tries < IC_MAX_VMLINUZ_TRIES; at++) {
		for (unsigned c = 0; c < IC_ARRAY_SIZE(comps); c++) {
			if (data[at] != comps[c].magic[0] || len - at < comps[c].len ||
			    memcmp(data + at, comps[c].magic, comps[c].len))
				continue;
			tries++;
			err = try_at(ctx, data, len, at, (enum comp)c, what, out, out_len);
			if (!err) {
				pr_info(ctx, "%s: offset 0x%zx: %s-compressed vmlinux, %zu bytes", what,
					at, comps[c].name, *out_len);
				return 0;
			}
			if (err == -ENOMEM)
				return err;
			unsupp |= err == -IC_EUNSUPP;
		}
	}
	pr_warn(ctx, "%s: no gzip, xz or zstd stream holding an ELF vmlinux (%zu tried)%s", what,
		tries, unsupp ? "; zstd support was not built in (libzstd-dev)" : "");
	return -IC_ENOTFOUND;
}
