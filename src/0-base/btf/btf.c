/* SPDX-License-Identifier: MIT */
/* The BTF model: a validated private copy in host byte order, with per-id record offsets. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "btf_int.h"
#include "btf_validate.h"
#include "0-base/ic_limits.h"

static bool host_is_be(void)
{
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
}

static uint32_t bswap32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static int btf_new(const struct ic_ctx *ctx, const uint8_t *data, size_t len, const char *what,
		   bool borrow, struct ic_btf **out)
{
	struct ic_btf_diag diag;
	struct ic_btf_hdr h;
	struct ic_btf *btf;
	uint32_t *off = NULL;
	int err;

	*out = NULL;
	err = data ? ic_btf_validate_full(data, len, &diag, &h, &off) : -EINVAL;
	if (err) {
		if (data)
			pr_warn(ctx, "%s: BTF invalid at offset 0x%" PRIx64 " (type %u): %s",
				what ? what : "btf", (uint64_t)diag.offset, diag.type_id,
				diag.msg);
		return err;
	}
	btf = calloc(1, sizeof(*btf));
	if (!btf) {
		free(off);
		return -ENOMEM;
	}
	/* in place only if nothing must be rewritten: no byte swap, word-aligned types */
	borrow = borrow && h.be == host_is_be() &&
		 (((uintptr_t)data + h.hdr_len + h.type_off) & 3) == 0;
	if (borrow) {
		btf->data = (uint8_t *)(uintptr_t)data; /* never written: see the swap below */
	} else {
		btf->data = malloc(len);
		if (!btf->data) {
			free(off);
			free(btf);
			return -ENOMEM;
		}
		memcpy(btf->data, data, len);
		btf->owned = true;
	}
	btf->len = len;
	btf->hdr_len = h.hdr_len;
	btf->big_endian = h.be;
	btf->str_len = h.str_len;
	btf->strs = (const char *)btf->data + h.hdr_len + h.str_off;
	/* hdr_len and type_off are multiples of 4 and malloc aligns (a borrowed blob was checked):
	 * word access is safe. */
	btf->types = (const uint32_t *)(void *)(btf->data + h.hdr_len + h.type_off);
	btf->off = off;
	{
		/* Convert to word indices and count the records again from the walk's result. */
		uint32_t pos = 0, id = 1;
		uint32_t *words = (uint32_t *)(void *)(btf->data + h.hdr_len + h.type_off);

		if (h.be != host_is_be())
			for (uint32_t i = 0; i < h.type_len / 4; i++)
				words[i] = bswap32(words[i]);
		while (pos < h.type_len) {
			uint32_t info = words[pos / 4 + 1], vlen = ic_btf_vlen(info), extra;

			switch (ic_btf_kind(info)) {
			case IC_BTF_INT: case IC_BTF_VAR: case IC_BTF_DECL_TAG: extra = 4; break;
			case IC_BTF_ARRAY: extra = 12; break;
			case IC_BTF_STRUCT: case IC_BTF_UNION: case IC_BTF_DATASEC: case IC_BTF_ENUM64:
				extra = 12 * vlen; break;
			case IC_BTF_ENUM: case IC_BTF_FUNC_PROTO: extra = 8 * vlen; break;
			default: extra = 0; break;
			}
			off[id++] = pos / 4;
			pos += 12 + extra;
		}
		btf->nr = id - 1;
	}
	*out = btf;
	{
		/* Pointer size: a "long" INT is pointer-sized on every Linux ABI. */
		static const char *const longs[] = { "long unsigned int", "long int", "unsigned long",
						     "long" };
		btf->ptr_size = 8;
		for (size_t i = 0; i < IC_ARRAY_SIZE(longs); i++) {
			uint32_t t = ic_btf__find(btf, longs[i], IC_BTF_INT);

			if (t) {
				btf->ptr_size = ic_btf__rec(btf, t)[2];
				break;
			}
		}
	}
	pr_debug(ctx, "%s: BTF %zu bytes, %u types, %s-endian", what ? what : "btf", len, btf->nr,
		 h.be ? "big" : "little");
	return 0;
}

int ic_btf__new(const struct ic_ctx *ctx, const uint8_t *data, size_t len, const char *what,
		struct ic_btf **out)
{
	return btf_new(ctx, data, len, what, false, out);
}

int ic_btf__new_borrow(const struct ic_ctx *ctx, const uint8_t *data, size_t len,
		       const char *what, struct ic_btf **out)
{
	return btf_new(ctx, data, len, what, true, out);
}

void ic_btf__free(struct ic_btf *btf)
{
	if (!btf)
		return;
	free(btf->off);
	if (btf->owned)
		free(btf->data);
	free(btf);
}

uint32_t ic_btf__nr_types(const struct ic_btf *btf)
{
	return btf->nr;
}

size_t ic_btf__size(const struct ic_btf *btf)
{
	return btf->len;
}

const uint8_t *ic_btf__data(const struct ic_btf *btf)
{
	return btf->data;
}

const uint32_t *ic_btf__rec(const struct ic_btf *btf, uint32_t id)
{
	if (!id || id > btf->nr)
		return NULL;
	return btf->types + btf->off[id];
}

unsigned ic_btf__kind(const struct ic_btf *btf, uint32_t id)
{
	const uint32_t *r = ic_btf__rec(btf, id);

	return r ? ic_btf_kind(r[1]) : IC_BTF_UNKN;
}

const char *ic_btf__str(const struct ic_btf *btf, uint32_t off)
{
	return off < btf->str_len ? btf->strs + off : "";
}

const char *ic_btf__name(const struct ic_btf *btf, uint32_t id)
{
	const uint32_t *r = ic_btf__rec(btf, id);

	return r ? ic_btf__str(btf, r[0]) : "";
}

uint32_t ic_btf__skip(const struct ic_btf *btf, uint32_t id, bool typedefs)
{
	/* Chains are validated to be acyclic and at most IC_MAX_BTF_CHAIN long. */
	for (unsigned i = 0; i <= IC_MAX_BTF_CHAIN; i++) {
		unsigned k = ic_btf__kind(btf, id);

		if (k == IC_BTF_CONST || k == IC_BTF_VOLATILE || k == IC_BTF_RESTRICT ||
		    k == IC_BTF_TYPE_TAG || (typedefs && k == IC_BTF_TYPEDEF))
			id = ic_btf__rec(btf, id)[2];
		else
			break;
	}
	return id;
}

unsigned ic_btf__ptr_size(const struct ic_btf *btf)
{
	return btf->ptr_size;
}

bool ic_btf__big_endian(const struct ic_btf *btf)
{
	return btf->big_endian;
}

uint64_t ic_btf__type_size(const struct ic_btf *btf, uint32_t id)
{
	uint64_t mult = 1, r;

	for (unsigned i = 0; i <= IC_MAX_BTF_CHAIN; i++) {
		const uint32_t *t;

		id = ic_btf__skip(btf, id, true);
		t = ic_btf__rec(btf, id);
		if (!t)
			return 0;
		switch (ic_btf_kind(t[1])) {
		case IC_BTF_INT: case IC_BTF_STRUCT: case IC_BTF_UNION: case IC_BTF_ENUM:
		case IC_BTF_ENUM64: case IC_BTF_FLOAT: case IC_BTF_DATASEC:
			return ic_mul_ovf(mult, (uint64_t)t[2], &r) ? UINT64_MAX : r;
		case IC_BTF_PTR:
			return ic_mul_ovf(mult, (uint64_t)btf->ptr_size, &r) ? UINT64_MAX : r;
		case IC_BTF_ARRAY:
			if (ic_mul_ovf(mult, (uint64_t)t[5], &mult))
				return UINT64_MAX;
			id = t[3];
			break;
		default:
			return 0;
		}
	}
	return 0;
}

uint32_t ic_btf__find(const struct ic_btf *btf, const char *name, unsigned kind)
{
	for (uint32_t id = 1; id <= btf->nr; id++) {
		const uint32_t *t = btf->types + btf->off[id];

		if ((!kind || ic_btf_kind(t[1]) == kind) && !strcmp(btf->strs + t[0], name))
			return id;
	}
	return 0;
}
