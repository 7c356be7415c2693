/* SPDX-License-Identifier: MIT */
/* Symbol table: arena-backed names, System.map / /proc/kallsyms parser, lazy name index. */
#include <stdlib.h>
#include <string.h>

#include "0-base/internal.h"
#include "isfcarve/symbols.h"
#include "0-base/ic_limits.h"

/*
 * Names are copied into big arena blocks so a 300k-line System.map costs a handful of
 * mallocs, not one per line. Blocks never move, so struct ic_sym.name stays valid.
 */
#define IC_ARENA_BLOCK (1u << 20)

struct ic_arena_blk {
	struct ic_arena_blk *next;
	size_t used, cap;
	char data[];
};

/* Open-addressing name -> symbol index map; slots hold index + 1 (0 = empty) and the name's
 * hash, so probes compare 32-bit hashes before touching (cache-cold) names. */
struct ic_symslot {
	uint32_t idx1, hash;
};

struct ic_symidx {
	struct ic_symslot *slots;
	size_t mask;
	size_t built_n; /* t->n when built; a later add or sort rebuilds */
	uint64_t seed;  /* ic_hash_str(): names carved from an image must not pile into one chain */
};

struct ic_symtab *ic_symtab__new(void)
{
	return calloc(1, sizeof(struct ic_symtab));
}

static void symidx_free(struct ic_symtab *t)
{
	struct ic_symidx *ix = t->index;

	if (ix) {
		free(ix->slots);
		free(ix);
	}
	t->index = NULL;
}

void ic_symtab__free(struct ic_symtab *t)
{
	struct ic_arena_blk *b, *next;

	if (!t)
		return;
	for (b = t->arena; b; b = next) {
		next = b->next;
		free(b);
	}
	symidx_free(t);
	free(t->syms);
	free(t);
}

static char *arena_alloc(struct ic_symtab *t, size_t n)
{
	struct ic_arena_blk *b = t->arena;
	char *p;

	if (!b || n > b->cap - b->used) {
		size_t cap = n > IC_ARENA_BLOCK ? n : IC_ARENA_BLOCK;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = t->arena;
		t->arena = b;
	}
	p = b->data + b->used;
	b->used += n;
	return p;
}

/* Make room for n more symbols and `names` more name bytes in one go: a 300k-line map then
 * costs two allocations instead of a doubling series (page faults dominate here). */
int ic_symtab__reserve(struct ic_symtab *t, size_t n, size_t names)
{
	struct ic_arena_blk *b = t->arena;

	if (n > IC_MAX_SYMBOLS - t->n)
		n = IC_MAX_SYMBOLS - t->n;
	if (t->n + n > t->cap) {
		struct ic_sym *ns = ic_reallocarray(t->syms, t->n + n, sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		t->syms = ns;
		t->cap = t->n + n;
	}
	if (names > IC_ARENA_BLOCK && (!b || names > b->cap - b->used)) {
		b = malloc(sizeof(*b) + names);
		if (!b)
			return -ENOMEM;
		b->cap = names;
		b->used = 0;
		b->next = t->arena;
		t->arena = b;
	}
	return 0;
}

/*
 * The kernel's System.map (scripts/mksysmap) drops local labels (".L...": .LC0 string constants,
 * .LBB, .Ltmp) and ARM/AArch64 mapping symbols ("$x", "$d", ...), bare and behind arm64's
 * "__kvm_nvhe_" and "__pi_" prefixes. scripts/kallsyms of some kernels keeps the .L ones (5.10
 * x86-64: 64 .LC* names), and they would land in the ISF as symbols at meaningless addresses.
 */
bool ic_sym_name_is_local_label(const char *name, size_t len)
{
	static const char *const ns[] = { "__kvm_nvhe_", "__pi_" };

	for (size_t i = 0; i < IC_ARRAY_SIZE(ns); i++) {
		size_t n = strlen(ns[i]);

		if (len > n && !memcmp(name, ns[i], n)) {
			name += n;
			len -= n;
			break;
		}
	}
	return len && (name[0] == '$' || (len >= 2 && name[0] == '.' && name[1] == 'L'));
}

int ic_symtab__add(struct ic_symtab *t, uint64_t addr, char type, const char *name, size_t len,
		   uint8_t flags)
{
	struct ic_sym *s;
	char *copy;

	if (t->n >= IC_MAX_SYMBOLS || len > IC_MAX_KSYM_NAME)
		return -IC_ELIMIT;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		struct ic_sym *ns;

		if (cap > IC_MAX_SYMBOLS)
			cap = IC_MAX_SYMBOLS;
		ns = ic_reallocarray(t->syms, cap, sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		t->syms = ns;
		t->cap = cap;
	}
	copy = arena_alloc(t, len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, name, len);
	copy[len] = '\0';
	s = &t->syms[t->n++];
	s->addr = addr;
	s->name = copy;
	s->type = type;
	s->flags = flags;
	return 0;
}

static uint32_t name_hash(const struct ic_symidx *ix, const char *s)
{
	return (uint32_t)ic_hash_str(s, ix->seed);
}

static struct ic_symidx *symidx_build(struct ic_symtab *t)
{
	struct ic_symidx *ix;
	size_t size = 16;

	symidx_free(t);
	while (size < t->n * 2)
		size <<= 1;
	ix = calloc(1, sizeof(*ix));
	if (!ix)
		return NULL;
	ix->slots = calloc(size, sizeof(*ix->slots));
	if (!ix->slots) {
		free(ix);
		return NULL;
	}
	ix->mask = size - 1;
	ix->built_n = t->n;
	ix->seed = ic_hash_seed();
	for (size_t i = 0; i < t->n; i++) {
		uint32_t hv = name_hash(ix, t->syms[i].name);
		size_t h = hv & ix->mask;

		/* A later duplicate overwrites the earlier slot: find() returns the last one. */
		while (ix->slots[h].idx1 && (ix->slots[h].hash != hv ||
					     strcmp(t->syms[ix->slots[h].idx1 - 1].name, t->syms[i].name)))
			h = (h + 1) & ix->mask;
		ix->slots[h].idx1 = (uint32_t)(i + 1);
		ix->slots[h].hash = hv;
	}
	t->index = ix;
	return ix;
}

const struct ic_sym *ic_symtab__find(const struct ic_symtab *ct, const char *name)
{
	/* The index is a cache: building it does not change the table's observable state. */
	struct ic_symtab *t = (struct ic_symtab *)ct;
	struct ic_symidx *ix = t->index;
	uint32_t hv;
	size_t h;

	if (!t->n)
		return NULL;
	if (!ix || ix->built_n != t->n) {
		ix = symidx_build(t);
		if (!ix) {
			/* Out of memory: fall back to a linear scan, still last-wins. */
			for (size_t i = t->n; i-- > 0;)
				if (!strcmp(t->syms[i].name, name))
					return &t->syms[i];
			return NULL;
		}
	}
	hv = name_hash(ix, name);
	for (h = hv & ix->mask; ix->slots[h].idx1; h = (h + 1) & ix->mask)
		if (ix->slots[h].hash == hv && !strcmp(t->syms[ix->slots[h].idx1 - 1].name, name))
			return &t->syms[ix->slots[h].idx1 - 1];
	return NULL;
}

size_t ic_symtab__drop(struct ic_symtab *t, const char *name)
{
	size_t kept = 0, n = t->n;

	for (size_t i = 0; i < n; i++)
		if (strcmp(t->syms[i].name, name))
			t->syms[kept++] = t->syms[i];
	if (kept != n) {
		/* the index holds positions: rebuilt by the next find (the names stay in the
		 * arena, freed with the table) */
		symidx_free(t);
		t->n = kept;
	}
	return n - kept;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct ic_sym *x = a, *y = b;
	int c;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	/* Equal address and name: keep insertion order (names are arena pointers that grow
	 * monotonically within a block, but blocks are not ordered, so compare positions). */
	return x < y ? -1 : x > y;
}

void ic_symtab__sort(struct ic_symtab *t)
{
	symidx_free(t);
	if (t->n > 1)
		qsort(t->syms, t->n, sizeof(*t->syms), sym_cmp);
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (uint8_t)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Debian ships /boot/System.map-<ver> as a one-line pointer to the -dbg package. */
static const char placeholder_marker[] = "The real System.map is in the ";

static int check_placeholder(const struct ic_ctx *ctx, const char *text, size_t len,
			     const char *what)
{
	size_t scan = len < 4096 ? len : 4096;
	const char *p = memmem(text, scan, placeholder_marker, sizeof(placeholder_marker) - 1);
	const char *pkg, *end;

	if (!p)
		return 0;
	pkg = p + sizeof(placeholder_marker) - 1;
	end = pkg;
	while ((size_t)(end - text) < len && end - pkg < 128 && *end != ' ' && *end != '\n')
		end++;
	pr_warn(ctx, "%s: placeholder System.map (Debian): the real one is in the %.*s package",
		what, (int)(end - pkg), pkg);
	return -IC_EPLACEHOLDER;
}

int ic_symtab__parse_map(const struct ic_ctx *ctx, struct ic_symtab *t, const char *text,
			 size_t len, const char *what, bool *all_zero)
{
	const uint8_t *p = (const uint8_t *)text, *end = p + len;
	size_t line = 0, added = 0, local = 0;
	bool zero = true;
	int err;

	if (all_zero)
		*all_zero = false;
	err = check_placeholder(ctx, text, len, what);
	if (err)
		return err;
	{
		/* Lines bound the symbol count; the text length bounds the name bytes. */
		size_t lines = 1;

		for (const uint8_t *q = p; (q = memchr(q, '\n', (size_t)(end - q))); q++)
			lines++;
		err = ic_symtab__reserve(t, lines, len);
		if (err)
			return err;
	}
	while (p < end) {
		const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *q, *name;
		size_t ll, nlen;
		uint64_t addr = 0;
		int digits = 0, v;
		char type;

		if (!eol)
			eol = end;
		ll = (size_t)(eol - p);
		line++;
		if (ll && p[ll - 1] == '\r')
			ll--;
		if (ll > IC_MAX_SYMLINE) {
			pr_warn(ctx, "%s:%zu: line longer than %u bytes", what, line, IC_MAX_SYMLINE);
			return -IC_ELIMIT;
		}
		if (!ll) {
			p = eol + 1;
			continue;
		}
		q = p;
		while (q < p + ll && (v = hexval(*q)) >= 0) {
			if (++digits > 16)
				break;
			addr = addr << 4 | (uint64_t)v;
			q++;
		}
		if (!digits || digits > 16 || q + 3 > p + ll || q[0] != ' ' || q[2] != ' ') {
			pr_warn(ctx, "%s:%zu: expected \"<hex address> <type> <name>\"", what, line);
			return -IC_EFORMAT;
		}
		type = (char)q[1];
		if (!((type >= 'a' && type <= 'z') || (type >= 'A' && type <= 'Z'))) {
			pr_warn(ctx, "%s:%zu: symbol type is not a letter (0x%02x)", what, line,
				(unsigned)(uint8_t)type);
			return -IC_EFORMAT;
		}
		name = q + 3;
		q = name;
		while (q < p + ll && *q > ' ' && *q < 0x7f)
			q++;
		nlen = (size_t)(q - name);
		if (!nlen || nlen > IC_MAX_KSYM_NAME) {
			pr_warn(ctx, "%s:%zu: %s symbol name", what, line, nlen ? "overlong" : "empty");
			return -IC_EFORMAT;
		}
		if (q < p + ll) {
			/* Only "\t[module]" (kallsyms) may follow the name. A module's name may
			 * hold other bytes before it (arm64 7.2 virtio_blk lists ".L14472\x021"):
			 * module symbols are skipped, whatever their names. */
			const uint8_t *tab = memchr(q, '\t', (size_t)(p + ll - q));

			if (tab && tab + 1 < p + ll && tab[1] == '[' && p[ll - 1] == ']') {
				p = eol + 1;
				continue;
			}
			pr_warn(ctx, "%s:%zu: unexpected byte 0x%02x after the symbol name", what, line,
				(unsigned)*q);
			return -IC_EFORMAT;
		}
		if (addr)
			zero = false;
		if (ic_sym_name_is_local_label((const char *)name, nlen)) {
			/* /proc/kallsyms as --map or live: as the carved kallsyms (profile.c). */
			local++;
			p = eol + 1;
			continue;
		}
		err = ic_symtab__add(t, addr, type, (const char *)name, nlen,
				     (type == 'A' || type == 'a') ? IC_SYM_ABSOLUTE : 0);
		if (err) {
			if (err == -IC_ELIMIT)
				pr_warn(ctx, "%s:%zu: more than %u symbols", what, line, IC_MAX_SYMBOLS);
			return err;
		}
		added++;
		p = eol + 1;
	}
	if (local)
		pr_info(ctx, "%s: left out %zu compiler-local labels (.L*, $*; System.map has none)",
			what, local);
	if (!added) {
		pr_warn(ctx, "%s: no symbols", what);
		return -IC_EFORMAT;
	}
	if (all_zero)
		*all_zero = zero;
	return 0;
}
