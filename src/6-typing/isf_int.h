/* SPDX-License-Identifier: MIT */
/* BTF -> ISF type names and descriptors (isf_types.c) and symbol typing (typing.c): the typing
 * floor, which the ISF writer (7-isf) builds on. */
#ifndef ISFCARVE_ISF_INT_H
#define ISFCARVE_ISF_INT_H

#include "isfcarve/btf.h"
#include "isfcarve/symdb.h"
#include "isfcarve/isf.h"
#include "isfcarve/symbols.h"
#include "0-base/internal.h"
#include "0-base/json.h"

/* Append-only byte buffer. */
struct ic_buf {
	char *p;
	size_t len, cap;
};
IC_HIDDEN int ic_buf_add(struct ic_buf *b, const void *p, size_t n);
/* Capacity for n bytes in all, at once (a hint: ic_buf_add() still grows it). 0 or -ENOMEM. */
IC_HIDDEN int ic_buf_reserve(struct ic_buf *b, size_t n);

#define IC_NO_DESC UINT32_MAX

/* State of one ISF conversion: names chosen for BTF types and memoised descriptor texts. */
struct ic_isf_state {
	const struct ic_ctx *ctx;
	const struct ic_btf *btf;
	uint32_t nr;
	const char **uname;      /* user-type / enum name per STRUCT/UNION/ENUM/ENUM64 id */
	const char **alias;      /* per TYPEDEF id: user-type alias name emitted for it, or NULL */
	uint32_t *desc_off;      /* offset of the descriptor text in descs, IC_NO_DESC = not yet */
	uint32_t *desc_len;
	struct ic_buf descs;     /* all descriptor texts */
	struct ic_buf names;     /* generated names, NUL-terminated, referenced by offset */
	struct ic_strmap utypes; /* user-type name -> id (struct/union canonical, aliases) */
	struct ic_strmap enums;  /* enum name -> id */
	struct ic_strmap ints;   /* INT/FLOAT name -> id (first wins) */
	struct ic_strmap vars;   /* BTF VAR (in a DATASEC) name -> its type id */
	struct ic_strmap tdefs;  /* TYPEDEF name -> id (first wins) */
	struct ic_json *tmp;     /* writer used to render descriptors into descs */
	bool err_oom;
	bool fork;               /* made by ic_isf_state_fork(): only the memo is its own */
};

/* Choose names for every type of a validated BTF; ic_isf_state_free() also after failure. */
IC_HIDDEN int ic_isf_state_init(struct ic_isf_state *s, const struct ic_ctx *ctx,
				const struct ic_btf *btf);
IC_HIDDEN void ic_isf_state_free(struct ic_isf_state *s);
/* A state for another thread: shares s's names and maps (read-only once init is done), with
 * its own descriptor memo, so two threads can render descriptors at once. ctx may differ.
 * 0 or -ENOMEM; ic_isf_state_free() frees only the fork's own parts. */
IC_HIDDEN int ic_isf_state_fork(struct ic_isf_state *dst, const struct ic_isf_state *s,
				const struct ic_ctx *ctx);

/* Descriptor JSON text of a BTF type id (void for 0). 0 or -ENOMEM. */
IC_HIDDEN int ic_isf_desc(struct ic_isf_state *s, uint32_t id, const char **txt, size_t *len);
/* Descriptor building blocks, appended to b: {"kind":kind,"name":name}, pointer to / array of
 * the descriptor text inner[0..n). 0 or -ENOMEM. */
IC_HIDDEN int ic_isf_kind_name_desc(struct ic_isf_state *s, struct ic_buf *b, const char *kind,
				    const char *name);
IC_HIDDEN int ic_isf_wrap_pointer(struct ic_buf *b, const char *inner, size_t n);
IC_HIDDEN int ic_isf_wrap_array(struct ic_buf *b, uint64_t count, const char *inner, size_t n);

/*
 * Descriptor text of a symdb type expression (docs/symdb.md, parsed by ic_typeexpr__parse())
 * resolved against this BTF, appended to out (src/6-typing/typing.c). -IC_ENOTFOUND when a named type
 * does not exist in it or an anonymous type matches no / several differently laid out BTF
 * types, -IC_EFORMAT / -IC_ELIMIT for an expression that does not parse.
 */
IC_HIDDEN int ic_isf_desc_expr(struct ic_isf_state *s, const char *expr, struct ic_buf *out);

/* Symbol typing (src/6-typing/typing.c): descriptor text for a symbol into out; counts the source. */
struct ic_typing;
IC_HIDDEN int ic_typing__new(struct ic_isf_state *s, const uint8_t *banner, size_t banner_len,
			     struct ic_typing **out);
IC_HIDDEN void ic_typing__free(struct ic_typing *t);
IC_HIDDEN int ic_typing__symbol(struct ic_typing *t, const char *name, struct ic_buf *out,
				struct ic_isf_stats *st);
/* ic_isf_desc_expr() with the anonymous-type index kept in t (built on first use). */
IC_HIDDEN int ic_typing__expr(struct ic_typing *t, const char *expr, struct ic_buf *out);
/* The symdb table for a BTF: arm64's when it has struct user_pt_regs (arm64's uapi register set;
 * x86-64 has user_regs_struct), else x86-64's. */
IC_HIDDEN enum ic_symdb_arch ic_typing__arch(const struct ic_btf *btf);

#endif
