/* SPDX-License-Identifier: MIT */
/* BTF meaning checks beyond the validator: string section structure, members Volatility reads. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_int.h"
#include "btf_trust.h"
#include "0-base/ic_limits.h"

/*
 * A name changed into another valid identifier passes the validator (issue 18: the mutation
 * harness renamed the enum constant N_DROP to NoDROP in fx-la57-6.12's carved BTF). Nothing in
 * RAM repeats a BTF name, so most such renames have no independent evidence; two kinds do:
 *
 * 1. The string section's own structure. Every vmlinux BTF is written by libbpf's dedup
 *    (pahole, bpftool, our DWARF converter likewise): each string is stored once, and names
 *    point at the first byte of a string. A NUL lost between two names makes a reference
 *    point into the middle of the joined string; a rename or a NUL inserted that makes a
 *    string equal to another makes a duplicate. Unreferenced strings are not evidence: 7.x
 *    and 6.12 BTFs have 149-246 (strings of types dedup dropped later).
 * 2. The members Volatility's Linux analyses read (task_struct.comm, list_head.next, ...):
 *    each must be there with a plausible kind. Names are shared through (1), so renaming
 *    "next" loses list_head.next and every other "next" at once. Kernel versions differ
 *    (task_struct.state became __state in 5.14; mm_struct.mmap became the maple tree mm_mt
 *    in 6.1): those are "one of" sets. Structs a kernel config can leave out (module, socket,
 *    sock, sock_common, net, mount) are checked only when present. All four fixtures'
 *    truth BTFs (6.1, 6.12, 7.2 x86-64, 7.2 arm64) pass.
 */

/* kinds a member may have after typedefs/modifiers: Pointer, Array, Integer (INT or enum),
 * Struct/union */
struct need {
	const char *sname, *members, *kinds; /* members: "a|b" one of */
	bool optional;                       /* the struct depends on the config: checked when there */
};

#define R(s, m, k) { s, m, k, false }
#define O(s, m, k) { s, m, k, true }
static const struct need needs[] = {
	R("list_head", "next", "P"), R("list_head", "prev", "P"), R("hlist_head", "first", "P"),
	R("hlist_node", "next", "P"), R("task_struct", "comm", "A"), R("task_struct", "pid", "I"),
	R("task_struct", "tgid", "I"), R("task_struct", "tasks", "S"), R("task_struct", "mm", "P"),
	R("task_struct", "active_mm", "P"), R("task_struct", "real_parent", "P"),
	R("task_struct", "parent", "P"), R("task_struct", "cred", "P"),
	R("task_struct", "files", "P"), R("task_struct", "fs", "P"),
	R("task_struct", "nsproxy", "P"), R("task_struct", "state|__state", "I"),
	R("task_struct", "children", "S"), R("task_struct", "sibling", "S"),
	R("task_struct", "thread_group|thread_node", "S"), R("mm_struct", "pgd", "P"),
	R("mm_struct", "mmap|mm_mt", "PS"), R("mm_struct", "start_code", "I"),
	R("mm_struct", "arg_start", "I"), R("cred", "uid", "S"), R("cred", "gid", "S"),
	R("cred", "euid", "S"), R("files_struct", "fdt", "P"), R("fdtable", "fd", "P"),
	R("fdtable", "max_fds", "I"), R("file", "f_path", "S"), R("file", "f_inode", "P"),
	R("path", "dentry", "P"), R("path", "mnt", "P"), R("dentry", "d_name", "S"),
	R("dentry", "d_parent", "P"), R("dentry", "d_inode", "P"), R("qstr", "name", "P"),
	R("inode", "i_mode", "I"), R("inode", "i_ino", "I"), R("inode", "i_sb", "P"),
	R("super_block", "s_dev", "I"), O("module", "list", "S"), O("module", "name", "A"),
	O("module", "state", "I"), R("vm_area_struct", "vm_start", "I"),
	R("vm_area_struct", "vm_end", "I"), R("vm_area_struct", "vm_flags|__vm_flags", "I"),
	R("vm_area_struct", "vm_file", "P"), R("nsproxy", "pid_ns_for_children", "P"),
	R("nsproxy", "net_ns", "P"), R("nsproxy", "mnt_ns", "P"), R("pid", "numbers", "A"),
	R("upid", "nr", "I"), R("upid", "ns", "P"), O("socket", "sk", "P"),
	O("sock", "__sk_common", "S"), O("sock_common", "skc_family", "I"),
	R("new_utsname", "release", "A"), R("new_utsname", "version", "A"),
	R("uts_namespace", "name", "S"), R("kobject", "name", "P"), O("net", "list", "S"),
	O("mount", "mnt", "S"), O("mount", "mnt_parent", "P"), O("mount", "mnt_mountpoint", "P"),
};
#undef R
#undef O

struct ev {
	char *buf;
	size_t cap, len;
	unsigned n;
};

static void say(struct ev *e, const char *text)
{
	int k;

	if (e->n++ >= IC_BTF_TRUST_EVIDENCE || e->len + 1 >= e->cap)
		return;
	k = snprintf(e->buf + e->len, e->cap - e->len, "%s%s", e->n > 1 ? "; " : "", text);
	if (k > 0)
		e->len += (size_t)k < e->cap - e->len ? (size_t)k : e->cap - e->len - 1;
}

/* A shown name: escaped and cut, it may be anything. */
static const char *shown(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && s[i]; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

#define BIT(m, i) ((m)[(i) / 8] & (1u << ((i) % 8)))
#define SET(m, i) ((m)[(i) / 8] |= (uint8_t)(1u << ((i) % 8)))

/* Names the profile is made of: types, members, enumerators, variables. FUNC names (kallsyms
 * gives the functions), parameter names, section names and tags are not in the ISF. */
static bool in_profile(unsigned kind)
{
	return kind != IC_BTF_FUNC && kind != IC_BTF_FUNC_PROTO && kind != IC_BTF_DATASEC &&
	       kind != IC_BTF_DECL_TAG && kind != IC_BTF_TYPE_TAG;
}

/* Name references of record r (kind, count): word 0, then one per member/enumerator/param. */
static uint32_t name_ref(const uint32_t *r, uint32_t i)
{
	unsigned kind = ic_btf_kind(r[1]);
	unsigned step = kind == IC_BTF_ENUM || kind == IC_BTF_FUNC_PROTO ? 2 : 3;

	return i ? r[3 + step * (i - 1)] : r[0];
}

static uint32_t name_refs(const uint32_t *r)
{
	switch (ic_btf_kind(r[1])) {
	case IC_BTF_STRUCT: case IC_BTF_UNION: case IC_BTF_ENUM: case IC_BTF_ENUM64:
	case IC_BTF_FUNC_PROTO:
		return ic_btf_vlen(r[1]) + 1;
	default:
		return 1;
	}
}

/*
 * Damage is counted only where the profile reads it: a lost NUL or a duplicate among FUNC or
 * parameter names, or in strings nothing names, changes no type (the mutation harness saw such
 * runs give a right profile). Which copy of a duplicate is the damaged one is not known: both
 * count. libbpf writes the empty string once, at offset 0: another one is NULs over a name.
 */
static int check_strings(const struct ic_btf *btf, struct ev *e)
{
	const char *s = btf->strs;
	uint32_t len = btf->str_len, nstr = 0;
	size_t bm = (size_t)len / 8 + 1;
	/* bitmaps over the section: string starts, strings the profile names, and name
	 * references into the middle of a string (from the profile's records / from any) */
	uint8_t *start = calloc(bm, 1), *used = calloc(bm, 1), *mid_p = calloc(bm, 1),
		*mid = calloc(bm, 1);
	uint32_t *set = NULL, cs = 0;
	size_t cap = 16, mask;
	uint64_t seed;
	char a[48], b[48], t[200];
	int err = -ENOMEM;

	if (!start || !used || !mid_p || !mid)
		goto out;
	/* string starts; the validator made sure the section starts and ends with a NUL */
	for (uint32_t i = 0; i < len; i += (uint32_t)strlen(s + i) + 1) {
		SET(start, i);
		nstr++;
	}
	for (uint32_t id = 1; id <= btf->nr; id++) {
		const uint32_t *r = ic_btf__rec(btf, id);
		bool p = in_profile(ic_btf_kind(r[1]));

		for (uint32_t i = 0; i < name_refs(r); i++) {
			uint32_t off = name_ref(r, i);

			if (!off || off >= len)
				continue;
			if (BIT(start, off)) {
				if (p)
					SET(used, off);
				continue;
			}
			SET(mid, off);
			if (p)
				SET(mid_p, off);
		}
	}
	/* Two sweeps (linear, however many references): a string a profile name points into is
	 * used; then every middle reference into a used string is evidence. */
	for (uint32_t i = 0; i < len; i++) {
		cs = BIT(start, i) ? i : cs;
		if (BIT(mid_p, i))
			SET(used, cs);
	}
	for (uint32_t i = 0, prev = 0; i < len; i++) {
		if (BIT(start, i)) {
			prev = cs;
			cs = i;
			/* "" past offset 0 is NULs where a name was: the name before it got shorter */
			if (i && !s[i] && BIT(used, prev) && s[prev]) {
				snprintf(t, sizeof(t), "NULs inside a name at %u (\"%s\" is cut short: "
					 "an empty string follows it)", prev, shown(s + prev, a, sizeof(a)));
				say(e, t);
			}
		}
		if (!BIT(mid, i) || !BIT(used, cs))
			continue;
		snprintf(t, sizeof(t), "a name points into the middle of the string at %u (\"%s\", "
			 "then \"%s\"): a NUL between two names lost", cs, shown(s + cs, a, sizeof(a)),
			 shown(s + i, b, sizeof(b)));
		say(e, t);
	}
	while (cap < 2 * (size_t)nstr)
		cap *= 2;
	mask = cap - 1;
	seed = ic_hash_seed(); /* the strings are input */
	set = calloc(cap, sizeof(*set)); /* offsets + 1; 0 = free. nstr <= str_len <= 16 MiB */
	if (!set)
		goto out;
	for (uint32_t i = 0; i < len; i += (uint32_t)strlen(s + i) + 1) {
		size_t h;

		for (h = ic_hash_str(s + i, seed) & mask; set[h] && strcmp(s + set[h] - 1, s + i);
		     h = (h + 1) & mask)
			;
		if (!set[h]) {
			set[h] = i + 1;
			continue;
		}
		if (!BIT(used, i) && !BIT(used, set[h] - 1))
			continue;
		snprintf(t, sizeof(t), "the string \"%s\" is stored twice (at %u and %u): a name "
			 "changed into another", shown(s + i, a, sizeof(a)), set[h] - 1, i);
		say(e, t);
	}
	err = 0;
out:
	free(set);
	free(mid);
	free(mid_p);
	free(used);
	free(start);
	return err;
}

/* Kind code of the member type: P, A, I, S, or '?'. */
static char kind_code(const struct ic_btf *btf, uint32_t t)
{
	switch (ic_btf__kind(btf, ic_btf__skip(btf, t, true))) {
	case IC_BTF_PTR: return 'P';
	case IC_BTF_ARRAY: return 'A';
	case IC_BTF_INT: case IC_BTF_ENUM: case IC_BTF_ENUM64: return 'I';
	case IC_BTF_STRUCT: case IC_BTF_UNION: return 'S';
	default: return '?';
	}
}

/* The type of member name of struct/union id (looking into unnamed members), 0 if none. */
static uint32_t member_type(const struct ic_btf *btf, uint32_t id, const char *name, unsigned depth,
			   bool *found)
{
	const uint32_t *r;
	unsigned kind;

	id = ic_btf__skip(btf, id, true);
	kind = ic_btf__kind(btf, id);
	r = ic_btf__rec(btf, id);
	if (!r || (kind != IC_BTF_STRUCT && kind != IC_BTF_UNION) || depth > 8)
		return 0;
	for (uint32_t i = 0; i < ic_btf_vlen(r[1]); i++) {
		const char *mn = ic_btf__str(btf, r[3 + 3 * i]);
		uint32_t t;

		if (mn && *mn) {
			if (!strcmp(mn, name)) {
				*found = true;
				return r[4 + 3 * i];
			}
		} else if ((t = member_type(btf, r[4 + 3 * i], name, depth + 1, found)) || *found) {
			return t;
		}
	}
	return 0;
}

static void check_members(const struct ic_btf *btf, struct ev *e)
{
	uint32_t sids[IC_ARRAY_SIZE(needs)] = { 0 };

	/* the first STRUCT of each name (as ic_btf__find() gives it), in one pass over the types
	 * rather than one linear ic_btf__find() per entry */
	for (uint32_t id = 1; id <= btf->nr; id++) {
		const char *nm = ic_btf__name(btf, id);

		if (ic_btf__kind(btf, id) != IC_BTF_STRUCT || !nm || !*nm)
			continue;
		for (size_t i = 0; i < IC_ARRAY_SIZE(needs); i++)
			if (!sids[i] && nm[0] == needs[i].sname[0] && !strcmp(nm, needs[i].sname))
				sids[i] = id;
	}
	for (size_t i = 0; i < IC_ARRAY_SIZE(needs); i++) {
		const struct need *n = &needs[i];
		uint32_t sid = sids[i];
		const char *p = n->members;
		bool ok = false;
		char one[64], t[160], got = 0;

		if (!sid && n->optional)
			continue;
		if (!sid) {
			snprintf(t, sizeof(t), "no struct %s", n->sname);
			say(e, t);
			continue;
		}
		while (*p && !ok) {
			size_t l = strcspn(p, "|");
			bool found = false;
			uint32_t mt;

			snprintf(one, sizeof(one), "%.*s", (int)l, p);
			mt = member_type(btf, sid, one, 0, &found);
			if (found) {
				got = kind_code(btf, mt);
				ok = strchr(n->kinds, got) != NULL;
			}
			p += l + (p[l] == '|');
		}
		if (ok)
			continue;
		snprintf(t, sizeof(t), got ? "%s.%s is not of the kind Volatility reads"
				     : "struct %s has no member %s", n->sname, n->members);
		say(e, t);
	}
}

int ic_btf__check_trust(const struct ic_btf *btf, char *why, size_t n)
{
	struct ev e = { why, n, 0, 0 };
	int err;

	if (n)
		why[0] = '\0';
	err = check_strings(btf, &e);
	if (err)
		return err;
	check_members(btf, &e);
	if (!e.n)
		return 0;
	if (e.n > IC_BTF_TRUST_EVIDENCE && e.len + 8 < e.cap)
		snprintf(e.buf + e.len, e.cap - e.len, "; ... (%u)", e.n);
	return -IC_EFORMAT;
}
