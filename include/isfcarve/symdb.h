/* SPDX-License-Identifier: MIT */
/* symdb: the compiled-in table (kernel version range, symbol) -> C type expression. */
#ifndef ISFCARVE_SYMDB_H
#define ISFCARVE_SYMDB_H

#include <stdbool.h>

#include "isfcarve/common.h"

/* KERNEL_VERSION(a,b,c) as the kernel encodes it (c saturated at 255). */
#define IC_KVER(a, b, c) (((uint32_t)(a) << 16) + ((uint32_t)(b) << 8) + ((c) > 255 ? 255u : (uint32_t)(c)))

/* Upstream version of a kernel from its banner ("Linux version 6.1.0-56-amd64 (...) ... Debian
 * 6.1.192-2 ..." -> 6.1.192). 0 if none can be read. */
IC_API uint32_t ic_kver_from_banner(const char *banner, size_t len);

/* The tables: one per architecture, generated from that architecture's kernels. */
enum ic_symdb_arch {
	IC_SYMDB_X86_64, /* symdb/symdb.tsv (Debian amd64) */
	IC_SYMDB_ARM64,  /* symdb/symdb-arm64.tsv (Debian arm64) */
};

/* Type expression in C declarator form ("struct task_struct", "struct kset *",
 * "gate_desc[256]", "tracepoint_ptr_t[]") for symbol name on kernel kver of arch, or NULL.
 * The notation is described in docs/symdb.md and parsed by ic_typeexpr__parse(). */
IC_API const char *ic_symdb__lookup_arch(enum ic_symdb_arch arch, uint32_t kver, const char *name);
/* The same, for names looked up in ascending strcmp order (an ISF's symbols): *hint (start at
 * 0) remembers where the last lookup ended, so each lookup searches forward from there instead
 * of the whole table. Correct for any order; fast for ascending names. One hint per arch. */
IC_API const char *ic_symdb__lookup_next_arch(enum ic_symdb_arch arch, uint32_t kver,
					      const char *name, size_t *hint);
/* The table's identity, "x86_64-<16 hex digits>" / "arm64-<...>": a hash of its rows, so two
 * builds with the same rows give the same id. An ISF records the one it was typed from
 * (metadata.producer.symdb); NULL for an arch outside the enum. */
IC_API const char *ic_symdb__id(enum ic_symdb_arch arch);
/* x86-64's table: ic_symdb__lookup_arch(IC_SYMDB_X86_64, ...) (the API before arm64 had one). */
IC_API const char *ic_symdb__lookup(uint32_t kver, const char *name);
IC_API const char *ic_symdb__lookup_next(uint32_t kver, const char *name, size_t *hint);

/*
 * Type expressions. Grammar (docs/symdb.md):
 *   expr  := base [ " " ] decl
 *   base  := GCC base name ("int", "long unsigned int", "_Bool", "void", ...)
 *          | ("struct" | "union" | "enum") " " tag
 *          | ("struct" | "union" | "enum") " {" member ("," member)* "}"   anonymous type, matched
 *                                                by its (flattened) member / enumerator names
 *          | "func"                              a function (only useful behind a pointer)
 *          | identifier                          a typedef that names a struct/union/enum
 *   decl  := "*"* [ "(" decl ")" ] ( "[" [count] "]" )*      C abstract declarator; "[]" = count 0
 * Typedefs of base types and pointers never appear: they are resolved, as dwarf2json does.
 */
#define IC_TYPEEXPR_MAX_STEPS 8u   /* pointer/array derivations: real kernel globals need <= 3 */
#define IC_TYPEEXPR_MAX_LEN 4096u  /* longest expression (anonymous enums list their names) */

enum ic_te_kind {
	IC_TE_BASE,    /* name is a GCC base type name */
	IC_TE_STRUCT,
	IC_TE_UNION,
	IC_TE_ENUM,
	IC_TE_TYPEDEF, /* name is a typedef naming a struct/union/enum (dwarf2json: struct of that name) */
	IC_TE_FUNC,
};

enum ic_te_op {
	IC_TE_PTR,
	IC_TE_ARRAY,
};

struct ic_te_step {
	enum ic_te_op op;
	uint32_t count; /* IC_TE_ARRAY: element count (0 = unknown / flexible) */
};

/* A parsed expression. name and members point into the parsed string (no allocation). */
struct ic_typeexpr {
	enum ic_te_kind kind;
	bool anon;            /* anonymous struct/union/enum: members is set, name is NULL */
	const char *name;     /* base name, tag or typedef name; not NUL-terminated */
	size_t name_len;
	const char *members;  /* anon only: "seq,timekeeper" */
	size_t members_len;
	unsigned nsteps;      /* derivations, outermost (the symbol itself) first */
	struct ic_te_step steps[IC_TYPEEXPR_MAX_STEPS];
	unsigned ptr_depth;   /* number of IC_TE_PTR steps */
	unsigned ndims;       /* number of IC_TE_ARRAY steps */
};

/* Parse s[0..len). 0, or -IC_EFORMAT (syntax, unknown base spelling) / -IC_ELIMIT (too long or
 * too many derivations). */
IC_API int ic_typeexpr__parse(const char *s, size_t len, struct ic_typeexpr *te);

/* Canonical text of te into buf (always NUL-terminated when n > 0). Returns the length, or
 * -IC_ETRUNC if buf is too small. */
IC_API int ic_typeexpr__format(const struct ic_typeexpr *te, char *buf, size_t n);

/* Iterate the member names of an anonymous type: start with *pos = 0; true with name/len set,
 * false at the end. */
IC_API bool ic_typeexpr__next_member(const struct ic_typeexpr *te, size_t *pos, const char **name,
				     size_t *len);

/* Whether name[0..len) is one of the GCC base type spellings the notation accepts. */
IC_API bool ic_typeexpr__is_base_name(const char *name, size_t len);

#endif
