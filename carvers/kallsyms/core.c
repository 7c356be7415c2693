/* SPDX-License-Identifier: MIT */
/* kallsyms decoder, common core: the window onto the image, the symbol checks every era applies,
 * the address decoders the eras share, and the public accessors. Calls nothing else in the
 * decoder (decode_int.h has the map). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kallsyms.h"
#include "isfcarve/symbols.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "decode_int.h"

/* Share of text symbols (t/T): 52% (6.1, KALLSYMS_ALL) to 73% (7.2) on the fixtures. */
#define MIN_TEXT_PERMILLE 300u

static void win_load(const struct win *w, size_t off, size_t n)
{
	struct win_lazy *lz = w->lz;
	size_t end = n > w->len - off ? w->len : off + n;

	for (size_t c = off / WIN_CHUNK; c * WIN_CHUNK < end; c++) {
		size_t at = c * WIN_CHUNK, len = w->len - at < WIN_CHUNK ? w->len - at : WIN_CHUNK;

		if (lz->have[c / 64] >> (c % 64) & 1)
			continue;
		lz->have[c / 64] |= 1ull << (c % 64);
		if (ic_image__read(lz->img, w->phys + at, lz->buf + at, len)) {
			memset(lz->buf + at, 0, len);
			lz->err = -IC_ENOTFOUND;
		}
	}
}

const uint8_t *ic_ksd_wb_lazy(const struct win *w, size_t off, size_t n)
{
	if (n && off < w->len)
		win_load(w, off, n);
	return w->b + off;
}

/* The contiguous run around phys (ic_image__run), or NULL when phys is absent. */
const struct ic_range *ic_ksd_range_of(const struct ic_image *img, uint64_t phys, uint64_t back,
				       uint64_t fwd, struct ic_range *run)
{
	return ic_image__run(img, phys, back, fwd, run) ? run : NULL;
}

/* A view of [lo, hi): zero-copy when the format allows, else a malloc'd copy in *own; with lz,
 * a lazy one (loaded by wb() as read; release it with ic_ksd_win_release()). */
int ic_ksd_get_win(const struct ic_image *img, uint64_t lo, uint64_t hi, struct win *w,
		   struct win_lazy *lz, void **own)
{
	*own = NULL;
	w->phys = lo;
	w->len = (size_t)(hi - lo);
	w->lz = NULL;
	w->b = ic_image__ptr(img, lo, w->len);
	if (w->b)
		return 0;
	if (!(*own = malloc(w->len ? w->len : 1)))
		return -ENOMEM;
	if (lz) {
		/* malloc'd pages are only backed once touched: an untouched window costs nothing */
		memset(lz, 0, sizeof(*lz));
		lz->img = img;
		lz->buf = *own;
		lz->have = ic_calloc(w->len / WIN_CHUNK / 64 + 1, sizeof(*lz->have));
		if (!lz->have) {
			free(*own);
			*own = NULL;
			return -ENOMEM;
		}
		w->lz = lz;
		w->b = *own;
		return 0;
	}
	if (ic_image__read(img, lo, *own, w->len)) {
		free(*own);
		*own = NULL;
		return -IC_ENOTFOUND;
	}
	w->b = *own;
	return 0;
}

/* Free what ic_ksd_get_win() allocated; a lazy window whose loads failed turns ok into
 * -IC_ENOTFOUND (as the eager copy of an unreadable window did, but only for bytes the decode
 * needed). */
int ic_ksd_win_release(struct win *w, void *own, int err)
{
	if (w->lz) {
		if (!err && w->lz->err)
			err = w->lz->err;
		free(w->lz->have);
		w->lz = NULL;
	}
	free(own);
	return err;
}

/* Start of the kernel text: _text, or _stext where kallsyms lacks _text (arm64 without
 * KALLSYMS_ALL: _text lies before _stext, outside the text ranges kallsyms keeps). -1: none. */
long ic_ksd_text_start(const struct ic_kallsyms *k)
{
	long it = ic_kallsyms__find(k, "_text");

	return it >= 0 ? it : ic_kallsyms__find(k, "_stext");
}

/* Hard checks on the decoded symbol set (docs/kallsyms.md "Validation"). */
const char *ic_ksd_check_symbols(const struct ic_kallsyms *k)
{
	long it = ic_ksd_text_start(k), is = ic_kallsyms__find(k, "_stext");
	long ie = ic_kallsyms__find(k, "_etext"), isk = ic_kallsyms__find(k, "start_kernel");
	long isi = ic_kallsyms__find(k, "_sinittext"), iei = ic_kallsyms__find(k, "_einittext");
	uint64_t text = 0;

	if (it < 0 || is < 0 || ie < 0 || isk < 0)
		return "_stext, _etext or start_kernel missing";
	if (!(k->syms[it].addr <= k->syms[is].addr && k->syms[is].addr < k->syms[ie].addr))
		return "not _text <= _stext < _etext";
	if (k->syms[ie].addr - k->syms[it].addr < (1u << 20) ||
	    k->syms[ie].addr - k->syms[it].addr > (256u << 20))
		return "_etext - _text outside [1 MiB, 256 MiB]";
	if (isi >= 0 && iei >= 0) {
		if (!(k->syms[ie].addr <= k->syms[isi].addr && k->syms[isi].addr <= k->syms[isk].addr &&
		      k->syms[isk].addr < k->syms[iei].addr))
			return "not _etext <= _sinittext <= start_kernel < _einittext";
	} else if (!(k->syms[isk].addr > k->syms[it].addr)) {
		return "start_kernel before _text";
	}
	for (size_t i = 0; i < k->nsyms; i++)
		text += k->syms[i].type == 't' || k->syms[i].type == 'T';
	if (text * 1000 < MIN_TEXT_PERMILLE * (uint64_t)k->nsyms)
		return "too few text symbols";
	return NULL;
}

/* Runtime addresses of a 64-bit kernel (x86-64, arm64) have the top 16 bits set, and
 * relative_base is the first non-absolute symbol, at or below _text. rb 0: absolute table. */
const char *ic_ksd_check_base(const struct ic_kallsyms *k, uint64_t rb)
{
	uint64_t text = k->syms[ic_ksd_text_start(k)].addr;

	if (text >> 48 != 0xffff)
		return "_text is not a 64-bit kernel address";
	if (rb && (rb >> 48 != 0xffff || rb > text || text - rb > (256u << 20)))
		return "relative_base is not a kernel address at or just below _text";
	return NULL;
}

void ic_ksd_set_table(struct ic_kallsyms *k, enum ic_ksym_tab i, const char *name, uint64_t phys,
		      uint64_t size)
{
	k->tables[i].name = name;
	k->tables[i].phys = phys;
	k->tables[i].size = size;
	k->tables[i].virt = 0;
}

/* Address decoders: fill addr[], false when the sequence is not non-decreasing. */
bool ic_ksd_dec_relative(const struct win *w, size_t o, uint64_t n, uint64_t rb, bool percpu,
			 struct ic_ksym *s, bool *neg_seen)
{
	uint64_t prev = 0;

	*neg_seen = false;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t u = ic_get_le32(wb(w, o + 4 * i, 4));
		uint64_t a;

		s[i].flags = 0;
		if (!percpu) {
			a = rb + u;
		} else if (u & 0x80000000u) {
			a = rb - 1 - (uint64_t)(int64_t)(int32_t)u;
			*neg_seen = true;
		} else {
			a = u;
			if (s[i].type != 'A' && s[i].type != 'a')
				return false; /* only per-CPU 'A' symbols are stored absolute */
			s[i].flags |= IC_SYM_ABSOLUTE;
		}
		if (i && a < prev)
			return false;
		s[i].addr = prev = a;
	}
	return true;
}

bool ic_ksd_dec_absolute(const struct win *w, size_t o, uint64_t n, struct ic_ksym *s)
{
	uint64_t prev = 0;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = ic_get_le64(wb(w, o + 8 * i, 8));

		if (i && a < prev)
			return false;
		s[i].addr = prev = a;
		/* scripts/kallsyms writes 'A' symbols as plain values, every other one as
		 * "_text + off", which the kernel's relocation moves: only 'A' stays (x86-64
		 * per-CPU symbols 3.14-4.5) */
		s[i].flags = s[i].type == 'A' || s[i].type == 'a' ? IC_SYM_ABSOLUTE : 0;
	}
	return true;
}

void ic_kallsyms__set_delta(struct ic_kallsyms *k, uint64_t delta, const char *source)
{
	if (k->addr_is_phys)
		for (size_t i = 0; i < k->nsyms; i++)
			k->syms[i].addr += delta;
	if (k->have_delta && !k->addr_is_phys && k->addr_enc == IC_KSYM_PLACE_RELATIVE)
		for (size_t i = 0; i < k->nsyms; i++)
			k->syms[i].addr += delta - k->virt_delta;
	k->addr_is_phys = false;
	k->have_delta = true;
	k->virt_delta = delta;
	k->delta_source = source;
	for (unsigned i = 0; i < IC_KTAB__COUNT; i++)
		if (k->tables[i].name)
			k->tables[i].virt = k->tables[i].phys + delta;
}

void ic_kallsyms__free(struct ic_kallsyms *k)
{
	if (!k)
		return;
	if (!k->syms_borrowed)
		free(k->syms);
	if (!k->arena_borrowed)
		free(k->arena);
	free(k);
}

void ic_kallsyms__adopt(struct ic_kallsyms *k, struct ic_kallsyms *like)
{
	if (k->arena_borrowed && k->arena == like->arena && !like->arena_borrowed) {
		k->arena_borrowed = false;
		like->arena_borrowed = true;
	}
	if (k->syms_borrowed && k->syms == like->syms && !like->syms_borrowed) {
		k->syms_borrowed = false;
		like->syms_borrowed = true;
	}
}

long ic_kallsyms__find(const struct ic_kallsyms *k, const char *name)
{
	for (size_t i = 0; i < k->nsyms; i++)
		if (k->syms[i].name && !strcmp(k->syms[i].name, name))
			return (long)i;
	return -1;
}

const char *ic_kallsyms__era_name(enum ic_ksym_era e)
{
	switch (e) {
	case IC_KSYM_E0: return "E0";
	case IC_KSYM_E1: return "E1";
	case IC_KSYM_E2: return "E2";
	case IC_KSYM_E3: return "E3";
	case IC_KSYM_E4: return "E4";
	}
	return "?";
}

const char *ic_kallsyms__addr_enc_name(enum ic_ksym_addr_enc e)
{
	switch (e) {
	case IC_KSYM_ABSOLUTE: return "absolute";
	case IC_KSYM_BASE_RELATIVE: return "base-relative";
	case IC_KSYM_ABS_PERCPU: return "abs-percpu";
	case IC_KSYM_PLACE_RELATIVE: return "place-relative";
	}
	return "?";
}

const char *ic_kallsyms__len_enc_name(enum ic_ksym_len_enc e)
{
	switch (e) {
	case IC_KSYM_LEN_1BYTE: return "1-byte";
	case IC_KSYM_LEN_ULEB128: return "uleb128";
	case IC_KSYM_LEN_SHORT: return "short";
	}
	return "?";
}

size_t ic_kallsyms__table_syms(const struct ic_kallsyms *k, struct ic_ksym out[IC_KTAB__COUNT])
{
	size_t n = 0;

	for (unsigned i = 0; i < IC_KTAB__COUNT; i++) {
		if (!k->tables[i].name || !k->have_delta)
			continue;
		out[n].addr = k->tables[i].virt;
		out[n].name = k->tables[i].name;
		out[n].type = 'D'; /* as System.map lists them (they are .rodata, but emitted as data) */
		out[n].flags = IC_SYM_TABLE;
		n++;
	}
	return n;
}
