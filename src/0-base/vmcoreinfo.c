/* SPDX-License-Identifier: MIT */
/* VMCOREINFO text parser: "KEY=value\n" lines into a lookup table, with typed numeric reads. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/vmcoreinfo.h"
#include "internal.h"
#include "ic_limits.h"

/* Keys are what the kernel's VMCOREINFO_* macros print: letters, digits and _ ( ) . - */
static bool key_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '(' || c == ')' || c == '.' || c == '-';
}

/* Values are printf output of numbers, names and release strings: printable ASCII. */
static bool value_char(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/*
 * Length of the valid line at p[0..n) (without its '\n'), or 0 if it is not "KEY=value".
 * *eq gets the offset of '='. A line must end with '\n', or at the end of the text / a NUL.
 */
static size_t line_ok(const char *p, size_t n, size_t *eq)
{
	size_t i = 0;

	while (i < n && key_char((unsigned char)p[i]))
		i++;
	if (i == 0 || i >= n || p[i] != '=')
		return 0;
	*eq = i++;
	while (i < n && value_char((unsigned char)p[i]))
		i++;
	if (i < n && p[i] != '\n' && p[i] != '\0')
		return 0;
	return i;
}

int ic_vmcoreinfo__parse(const char *text, size_t len, struct ic_vmcoreinfo **out)
{
	struct ic_vmcoreinfo *vi;
	size_t off = 0, n = 0, cap = 0, end;
	char *split;

	*out = NULL;
	if (len > IC_MAX_VMCOREINFO_BYTES)
		return -IC_ELIMIT;
	/* First pass: how far the valid lines go (a NUL, the end or a bad line stops). */
	while (off < len && text[off] != '\0') {
		size_t eq, l = line_ok(text + off, len - off, &eq);

		if (!l)
			break;
		n++;
		off += l;
		if (off < len && text[off] == '\n')
			off++;
	}
	if (!n)
		return -IC_EFORMAT;
	end = off;
	vi = calloc(1, sizeof(*vi));
	if (!vi)
		return -ENOMEM;
	vi->phys = UINT64_MAX;
	/* One buffer: the pristine text, then a copy split into NUL-terminated keys and values. */
	vi->text = malloc(2 * (end + 1));
	cap = n;
	vi->entries = ic_calloc(cap, sizeof(*vi->entries));
	if (!vi->text || !vi->entries) {
		ic_vmcoreinfo__free(vi);
		return -ENOMEM;
	}
	memcpy(vi->text, text, end);
	vi->text[end] = '\0';
	vi->len = end;
	split = vi->text + end + 1;
	memcpy(split, text, end);
	split[end] = '\0';
	off = 0;
	while (off < end && vi->nentries < cap) {
		size_t eq, l = line_ok(split + off, end - off, &eq);

		if (!l)
			break;
		split[off + eq] = '\0';
		split[off + l] = '\0'; /* the '\n' (or the terminator at end) */
		vi->entries[vi->nentries].key = split + off;
		vi->entries[vi->nentries].value = split + off + eq + 1;
		vi->nentries++;
		off += l + 1;
	}
	*out = vi;
	return 0;
}

void ic_vmcoreinfo__free(struct ic_vmcoreinfo *vi)
{
	if (!vi)
		return;
	free(vi->text);
	free(vi->entries);
	free(vi);
}

const char *ic_vmcoreinfo__get(const struct ic_vmcoreinfo *vi, const char *key)
{
	if (!vi)
		return NULL;
	/* The kernel writes each key once; a panic appends CRASHTIME. Take the last, as a reader of
	 * the appended note would. */
	for (size_t i = vi->nentries; i-- > 0;)
		if (!strcmp(vi->entries[i].key, key))
			return vi->entries[i].value;
	return NULL;
}

/* Values the kernel prints with %lx and no "0x" prefix (x86 and arm64 vmcore_info code). */
static bool hex_key(const char *key)
{
	static const char *const hex[] = {
		"KERNELOFFSET", "NUMBER(kimage_voffset)", "NUMBER(PHYS_OFFSET)",
		"NUMBER(KERNELPACMASK)", "NUMBER(TCR_EL1_T1SZ)",
	};

	if (!strncmp(key, "SYMBOL(", 7))
		return true;
	for (size_t i = 0; i < IC_ARRAY_SIZE(hex); i++)
		if (!strcmp(key, hex[i]))
			return true;
	return false;
}

static int parse_digits(const char *s, unsigned base, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -IC_EFORMAT;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -IC_EFORMAT;
		if (ic_mul_ovf(v, (uint64_t)base, &v) || ic_add_ovf(v, (uint64_t)d, &v))
			return -IC_EFORMAT;
	}
	*out = v;
	return 0;
}

int ic_vmcoreinfo__u64(const struct ic_vmcoreinfo *vi, const char *key, uint64_t *out)
{
	const char *v = ic_vmcoreinfo__get(vi, key);
	bool neg = false;
	uint64_t x;
	int err;

	if (!v)
		return -IC_ENOTFOUND;
	if (*v == '-') {
		/* NUMBER() is %ld: negative values (phys_base, *_MAPCOUNT_VALUE) wrap to u64 as in C. */
		neg = true;
		v++;
	}
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		err = parse_digits(v + 2, 16, &x);
	else
		err = parse_digits(v, hex_key(key) ? 16 : 10, &x);
	if (err)
		return err;
	*out = neg ? (uint64_t)0 - x : x;
	return 0;
}

/* x86-64 __START_KERNEL_map: where the kernel image is mapped (before the KASLR slide). */
#define X86_START_KERNEL_MAP 0xffffffff80000000ull
/* x86-64 KERNEL_IMAGE_SIZE ceiling (1 GiB with KASLR): image symbols lie within it. */
#define KERNEL_IMAGE_MAX (1ull << 30)

int ic_vmcoreinfo__image_phys(const struct ic_vmcoreinfo *vi, uint64_t vaddr, uint64_t *phys)
{
	uint64_t v;

	if (!ic_vmcoreinfo__u64(vi, "NUMBER(kimage_voffset)", &v)) {
		if (vaddr < v)
			return -IC_EFORMAT;
		*phys = vaddr - v;
		return 0;
	}
	if (!ic_vmcoreinfo__u64(vi, "NUMBER(phys_base)", &v)) {
		if (vaddr < X86_START_KERNEL_MAP)
			return -IC_EFORMAT;
		*phys = vaddr - X86_START_KERNEL_MAP + v; /* phys_base may be negative: wraps back */
		return 0;
	}
	return -IC_ENOTFOUND;
}

int ic_vmcoreinfo__image_span(const struct ic_vmcoreinfo *vi, uint64_t *start, uint64_t *end)
{
	uint64_t stext, s, hi;
	int err;

	if (!vi || ic_vmcoreinfo__u64(vi, "SYMBOL(_stext)", &stext))
		return -IC_ENOTFOUND;
	err = ic_vmcoreinfo__image_phys(vi, stext, &s);
	if (err)
		return err;
	hi = s;
	for (size_t i = 0; i < vi->nentries; i++) {
		uint64_t v, p;

		if (strncmp(vi->entries[i].key, "SYMBOL(", 7) ||
		    ic_vmcoreinfo__u64(vi, vi->entries[i].key, &v) || v < stext || v - stext >= KERNEL_IMAGE_MAX ||
		    ic_vmcoreinfo__image_phys(vi, v, &p))
			continue;
		if (p > hi)
			hi = p;
	}
	*start = s;
	*end = hi + (2u << 20) < hi ? UINT64_MAX : hi + (2u << 20);
	return 0;
}

const char *ic_vmcoreinfo__where(uint64_t phys, char buf[IC_VMCOREINFO_WHERE_MAX])
{
	if (phys == UINT64_MAX)
		snprintf(buf, IC_VMCOREINFO_WHERE_MAX, "the container's ELF note");
	else
		snprintf(buf, IC_VMCOREINFO_WHERE_MAX, "phys 0x%" PRIx64, phys);
	return buf;
}
