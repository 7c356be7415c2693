/* SPDX-License-Identifier: MIT */
/* BTF: our own strict validator, and a read-only model of validated BTF. */
#ifndef ISFCARVE_BTF_H
#define ISFCARVE_BTF_H

#include <stdbool.h>

#include "isfcarve/common.h"

struct ic_btf;

/* Where validation failed: type id (0 = header/strings), byte offset in the blob, and why. */
struct ic_btf_diag {
	uint32_t type_id;
	uint64_t offset;
	char msg[192];
};

/*
 * Cheap check for carvers: does a BTF header start at data (magic 0xeb9f either byte order,
 * version 1, flags 0, hdr_len 24 or 32, sections inside and ordered)? On success *total is the
 * exact blob length (hdr_len + max section end). -EPROTO if not a BTF header, -IC_ETRUNC if
 * avail is too short for the header, -IC_EFORMAT for a broken one.
 */
IC_API int ic_btf__check_header(const uint8_t *data, size_t avail, uint64_t *total);

/* Full strict validation (header, strings, every type record, ids, string offsets).
 * 0 or -IC_EFORMAT/-IC_ETRUNC/-IC_ELIMIT/-IC_EUNSUPP with diag filled (diag may be NULL). */
IC_API int ic_btf__validate(const uint8_t *data, size_t len, struct ic_btf_diag *diag);

/* Validate and build the model over a private copy of data. Caller frees with
 * ic_btf__free() (NULL-safe). Logs the diag through ctx on failure, prefixed with `what`. */
IC_API int ic_btf__new(const struct ic_ctx *ctx, const uint8_t *data, size_t len, const char *what,
		       struct ic_btf **out);
/* The same without the copy when data is already usable in place (host byte order, 4-byte
 * aligned; otherwise it copies as ic_btf__new()): data must then stay valid and unchanged until
 * ic_btf__free(). Saves copying (and page-faulting) a 4-6 MiB blob per profile. */
IC_API int ic_btf__new_borrow(const struct ic_ctx *ctx, const uint8_t *data, size_t len,
			      const char *what, struct ic_btf **out);
IC_API void ic_btf__free(struct ic_btf *btf);
IC_API uint32_t ic_btf__nr_types(const struct ic_btf *btf); /* excluding void (id 0) */
IC_API size_t ic_btf__size(const struct ic_btf *btf);
IC_API const uint8_t *ic_btf__data(const struct ic_btf *btf);

/* BTF kinds (include/uapi/linux/btf.h numbering). */
enum ic_btf_kind {
	IC_BTF_UNKN = 0,
	IC_BTF_INT = 1,
	IC_BTF_PTR = 2,
	IC_BTF_ARRAY = 3,
	IC_BTF_STRUCT = 4,
	IC_BTF_UNION = 5,
	IC_BTF_ENUM = 6,
	IC_BTF_FWD = 7,
	IC_BTF_TYPEDEF = 8,
	IC_BTF_VOLATILE = 9,
	IC_BTF_CONST = 10,
	IC_BTF_RESTRICT = 11,
	IC_BTF_FUNC = 12,
	IC_BTF_FUNC_PROTO = 13,
	IC_BTF_VAR = 14,
	IC_BTF_DATASEC = 15,
	IC_BTF_FLOAT = 16,
	IC_BTF_DECL_TAG = 17,
	IC_BTF_TYPE_TAG = 18,
	IC_BTF_ENUM64 = 19,
	IC_BTF_KIND_MAX = 19,
};

/* INT encoding bits (bits 24..27 of the INT data word). */
#define IC_BTF_INT_SIGNED 1u
#define IC_BTF_INT_CHAR 2u
#define IC_BTF_INT_BOOL 4u

/*
 * Model accessors. A record is an array of host-order u32 words: [0] name_off, [1] info,
 * [2] size or type, then the kind's trailing words (INT: 1 word; ARRAY: type, index_type,
 * nelems; STRUCT/UNION: vlen x {name_off, type, offset}; ENUM: vlen x {name_off, val};
 * FUNC_PROTO: vlen x {name_off, type}; VAR: linkage; DATASEC: vlen x {type, offset, size};
 * DECL_TAG: component_idx; ENUM64: vlen x {name_off, lo32, hi32}).
 * Every id, name offset and count in a record of a model has been validated.
 */
static inline unsigned ic_btf_kind(uint32_t info)
{
	return (info >> 24) & 0x7f;
}
static inline uint32_t ic_btf_vlen(uint32_t info)
{
	return info & 0xffffff;
}
static inline int ic_btf_kflag(uint32_t info)
{
	return (int)(info >> 31);
}
/* Record of type id (1..nr_types), or NULL (id 0 = void, or out of range). */
IC_API const uint32_t *ic_btf__rec(const struct ic_btf *btf, uint32_t id);
/* Kind of id (IC_BTF_UNKN for void / out of range). */
IC_API unsigned ic_btf__kind(const struct ic_btf *btf, uint32_t id);
/* NUL-terminated string at a validated name offset ("" when off is out of range). */
IC_API const char *ic_btf__str(const struct ic_btf *btf, uint32_t off);
/* Name of type id ("" for void/anonymous). */
IC_API const char *ic_btf__name(const struct ic_btf *btf, uint32_t id);
/* Skip CONST/VOLATILE/RESTRICT/TYPE_TAG (and TYPEDEF too when typedefs is true). */
IC_API uint32_t ic_btf__skip(const struct ic_btf *btf, uint32_t id, bool typedefs);
/* Pointer size in bytes derived from the "long" INT types (8 or 4), 8 when none exist. */
IC_API unsigned ic_btf__ptr_size(const struct ic_btf *btf);
/* Byte order of the original blob. */
IC_API bool ic_btf__big_endian(const struct ic_btf *btf);
/* Size in bytes of a type after skipping modifiers and typedefs (arrays multiply, pointers =
 * ptr size); 0 for void, functions and FWD. Saturates at UINT64_MAX. */
IC_API uint64_t ic_btf__type_size(const struct ic_btf *btf, uint32_t id);
/* First type id with this name and kind (kind 0 = any), or 0. */
IC_API uint32_t ic_btf__find(const struct ic_btf *btf, const char *name, unsigned kind);

#endif
