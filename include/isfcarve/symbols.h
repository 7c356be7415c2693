/* SPDX-License-Identifier: MIT */
/* Symbol tables: System.map, /proc/kallsyms, or carved kallsyms; link-time addresses. */
#ifndef ISFCARVE_SYMBOLS_H
#define ISFCARVE_SYMBOLS_H

#include <stdbool.h>

#include "isfcarve/common.h"

enum ic_sym_flags {
	IC_SYM_ABSOLUTE = 1 << 0,  /* per-CPU / absolute ('A'): never shifted by KASLR */
	IC_SYM_RECOVERED = 1 << 1, /* not in kallsyms; recovered by structure (see report) */
	IC_SYM_TABLE = 1 << 2,     /* a kallsyms_* table address added by the carver */
};

struct ic_sym {
	uint64_t addr;    /* link-time (System.map) address once the table is final */
	const char *name; /* owned by the table */
	char type;        /* nm letter: T t D d B b R r A V W ... */
	uint8_t flags;
};

/* Append-only table; names live in the table's own arena. Order = insertion order until
 * ic_symtab__sort() (by address, then name; stable). Duplicate names are kept. */
struct ic_symtab {
	struct ic_sym *syms;
	size_t n, cap;
	void *arena;      /* private */
	void *index;      /* private: name index built lazily by ic_symtab__find() */
};

IC_API struct ic_symtab *ic_symtab__new(void);
IC_API void ic_symtab__free(struct ic_symtab *t);
/* Room for n more symbols whose names take `names` bytes in all (NULs included), so that
 * adding them allocates nothing more. Only a hint: adding more still works. 0 or -ENOMEM. */
IC_API int ic_symtab__reserve(struct ic_symtab *t, size_t n, size_t names);
/* Copies name[0..len). -IC_ELIMIT past IC_MAX_SYMBOLS or for len > IC_MAX_KSYM_NAME, -ENOMEM. */
IC_API int ic_symtab__add(struct ic_symtab *t, uint64_t addr, char type, const char *name,
			  size_t len, uint8_t flags);
/* Last entry with that name (dwarf2json keeps the last duplicate), or NULL. The first call
 * after an add/sort builds a hash index (O(n)); later calls are O(1). Building mutates the
 * table's private index, so concurrent first calls on one table are not safe. */
IC_API const struct ic_sym *ic_symtab__find(const struct ic_symtab *t, const char *name);
/* Remove every entry named `name`, keeping the others' order; returns how many went. O(n): for
 * the rare symbol that evidence disputes (recovery's conflicts), not for bulk edits. */
IC_API size_t ic_symtab__drop(struct ic_symtab *t, const char *name);
/* Sort by address, then name; equal (address, name) pairs keep insertion order. Not thread-safe
 * with concurrent ic_symtab__find() (which builds its index lazily). */
IC_API void ic_symtab__sort(struct ic_symtab *t);

/*
 * Parse System.map or /proc/kallsyms text ("<hex addr> <letter> <name>[\t[module]]" per line).
 * Module symbols ([mod]) are skipped. `what` names the input in messages (file path).
 * Errors name the file and line: -IC_EFORMAT, -IC_EPLACEHOLDER (Debian's placeholder
 * System.map), -IC_ELIMIT. *all_zero is set when every address is 0 (kptr_restrict).
 */
IC_API int ic_symtab__parse_map(const struct ic_ctx *ctx, struct ic_symtab *t, const char *text,
				size_t len, const char *what, bool *all_zero);

#endif
