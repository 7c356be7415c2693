/* SPDX-License-Identifier: MIT */
/* Recovery rules of the one page scan: the modules and tty_drivers list heads, idt_table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "recover_int.h"

/*
 * Image list heads of allocated objects: `modules` (struct module.list) and `tty_drivers`
 * (struct tty_driver.tty_drivers). Found by scanning the image's pages for a list_head whose
 * neighbours point back at it and whose circular list's other nodes all pass the rule's node
 * check (outside the image: the objects are allocated). The same page scan finds idt_table.
 */
#define MODULE_NAME_LEN 56u	/* 64 - sizeof(unsigned long) on 64-bit kernels */
#define MODULE_STATE_MAX 3u	/* LIVE, COMING, GOING, UNFORMED */
#define TTY_NAME_MAX 64u	/* tty driver names are short ("pty_master", "serial") */
#define TTY_TYPE_MAX 6u		/* TTY_DRIVER_TYPE_SYSTEM .. TTY_DRIVER_TYPE_SYSCONS (0..5 or 1..6) */

struct list_find;
typedef bool (*ic_node_ok_fn)(const struct ic_rec *r, const struct list_find *l, uint64_t node);

struct list_find {
	const char *sym, *what;
	uint64_t member;	/* offset of the list_head in the node's struct */
	uint64_t o[6];		/* the members the node check reads */
	ic_node_ok_fn node_ok;
	bool on;
	unsigned hits, nnodes;
	uint64_t found;
};

static bool module_ok(const struct ic_rec *r, const struct list_find *l, uint64_t node)
{
	char name[MODULE_NAME_LEN];
	uint32_t state;
	size_t len;

	if (ic_rec_va_ok(r, node) || node < l->member)
		return false;
	if (ic_rec_read(r, node - l->member + l->o[0], name, sizeof(name)) ||
	    ic_rec_u32(r, node - l->member + l->o[1], &state) || state > MODULE_STATE_MAX)
		return false;
	len = strnlen(name, sizeof(name));
	if (!len || len == sizeof(name))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(name[i] == '_' || name[i] == '-' || (name[i] >= '0' && name[i] <= '9') ||
		      (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z')))
			return false;
	return true;
}

/* A struct tty_driver: name a printable string, driver_name one or NULL (the vt console
 * driver has none), type a known driver type (0-based enum since 6.x, 1-based defines before),
 * a valid major, at least one minor, and its ops an image object. */
static bool tty_ok(const struct ic_rec *r, const struct list_find *l, uint64_t node)
{
	char name[TTY_NAME_MAX];
	uint64_t base, dn, nm, ops;
	uint32_t major, num;
	uint8_t type[2];

	if (ic_rec_va_ok(r, node) || node < l->member)
		return false;
	base = node - l->member;
	if (ic_rec_read(r, base + l->o[2], type, sizeof(type)) || ic_get_le16(type) > TTY_TYPE_MAX)
		return false;
	if (ic_rec_u64(r, base + l->o[0], &dn) || ic_rec_u64(r, base + l->o[1], &nm))
		return false;
	/* major below 4096 (12 bits), one minor at least, ops an image tty_operations */
	if (ic_rec_u32(r, base + l->o[3], &major) || major >= 4096 ||
	    ic_rec_u32(r, base + l->o[4], &num) || !num || ic_rec_u64(r, base + l->o[5], &ops) ||
	    !ic_rec_va_ok(r, ops))
		return false;
	if (dn && (!(dn >> 63) || !ic_rec_name(r, dn, name, sizeof(name))))
		return false;
	return (nm >> 63) && ic_rec_name(r, nm, name, sizeof(name));
}

/* The number of nodes on the list headed at head, 0 if any node fails the check. *budget
 * counts the nodes all candidates may visit together (crafted lists cannot make the scan
 * quadratic). */
static unsigned walk_list(const struct ic_rec *r, const struct list_find *l, uint64_t head,
			  uint64_t *budget)
{
	uint64_t node = head, next, back;
	unsigned n = 0;

	for (;;) {
		if (!*budget)
			return 0;
		--*budget;
		if (ic_rec_u64(r, node, &next) || ic_rec_u64(r, next + 8, &back) || back != node)
			return 0;
		node = next;
		if (node == head)
			return n;
		if (++n >= IC_MAX_RECOVER_LIST || !l->node_ok(r, l, node))
			return 0;
	}
}

/*
 * idt_table (x86-64): the page-aligned image array of 256 16-byte gates whose vectors 0, 3 and
 * 14 are present interrupt gates to the divide-error, int3 and page-fault entry points (text
 * symbols every kallsyms lists; pre-5.8 names as fallback).
 */
struct idt_vec {
	unsigned vec;
	const char *name[2];
};

static const struct idt_vec idt_vecs[] = {
	{ 0, { "asm_exc_divide_error", "divide_error" } },
	{ 3, { "asm_exc_int3", "int3" } },
	{ 14, { "asm_exc_page_fault", "page_fault" } },
};
#define IDT_GATE 16u

struct idt_find {
	bool on;
	uint64_t fn[IC_ARRAY_SIZE(idt_vecs)];
	unsigned hits;
	uint64_t found;
};

static uint64_t gate_target(const uint8_t *g)
{
	return (uint64_t)ic_get_le16(g) | (uint64_t)ic_get_le16(g + 6) << 16 |
	       (uint64_t)ic_get_le32(g + 8) << 32;
}

static void idt_check(const struct idt_find *d, const uint8_t *page, uint64_t va,
		      struct idt_find *out)
{
	for (size_t i = 0; i < IC_ARRAY_SIZE(idt_vecs); i++) {
		const uint8_t *g = page + idt_vecs[i].vec * IDT_GATE;

		/* P=1, type 0xE (64-bit interrupt gate), any DPL */
		if ((g[5] & 0x9f) != 0x8e || gate_target(g) != d->fn[i])
			return;
	}
	out->hits++;
	out->found = va;
}

static void idt_setup(const struct ic_rec *r, struct idt_find *d)
{
	memset(d, 0, sizeof(*d));
	if (r->k->arch || ic_rec_have(r, "idt_table"))
		return;
	for (size_t i = 0; i < IC_ARRAY_SIZE(idt_vecs); i++)
		if (!ic_rec_sym(r, idt_vecs[i].name[0], &d->fn[i]) &&
		    !ic_rec_sym(r, idt_vecs[i].name[1], &d->fn[i]))
			return;
	d->on = true;
}

/*
 * A kernel built without CONFIG_MODULES still has struct module in its BTF, but no `modules`
 * list. Its kallsyms lack the loader: __module_address and module_put are global (module_put
 * only with MODULE_UNLOAD), load_module and do_init_module static (a GCC clone's or an LTO name
 * may carry a ".suffix"). Judged only when the table has text symbols at all (schedule).
 */
static bool module_support(const struct ic_rec *r)
{
	static const char *const fns[] = { "load_module", "do_init_module" };

	if (!ic_rec_have(r, "schedule") || ic_rec_have(r, "__module_address") ||
	    ic_rec_have(r, "module_put") || ic_rec_have(r, fns[0]) || ic_rec_have(r, fns[1]))
		return true;
	for (size_t i = 0; i < r->syms->n; i++)
		for (size_t f = 0; f < IC_ARRAY_SIZE(fns); f++) {
			size_t n = strlen(fns[f]);

			if (!strncmp(r->syms->syms[i].name, fns[f], n) &&
			    r->syms->syms[i].name[n] == '.')
				return true;
		}
	return false;
}

static int list_setup(const struct ic_rec *r, struct list_find *l)
{
	memset(l, 0, 2 * sizeof(*l));
	l[0].sym = "modules";
	l[0].what = "struct module.list (name, state)";
	l[0].node_ok = module_ok;
	l[0].on = !ic_rec_have(r, "modules") && module_support(r) &&
		  !ic_rec_off(r->btf, "module", "list", &l[0].member) &&
		  !ic_rec_off(r->btf, "module", "name", &l[0].o[0]) &&
		  !ic_rec_off(r->btf, "module", "state", &l[0].o[1]);
	l[1].sym = "tty_drivers";
	l[1].what = "struct tty_driver.tty_drivers (name, type, major, ops)";
	l[1].node_ok = tty_ok;
	l[1].on = !ic_rec_have(r, "tty_drivers") &&
		  !ic_rec_off(r->btf, "tty_driver", "tty_drivers", &l[1].member) &&
		  !ic_rec_off(r->btf, "tty_driver", "driver_name", &l[1].o[0]) &&
		  !ic_rec_off(r->btf, "tty_driver", "name", &l[1].o[1]) &&
		  !ic_rec_off(r->btf, "tty_driver", "type", &l[1].o[2]) &&
		  !ic_rec_off(r->btf, "tty_driver", "major", &l[1].o[3]) &&
		  !ic_rec_off(r->btf, "tty_driver", "num", &l[1].o[4]) &&
		  !ic_rec_off(r->btf, "tty_driver", "ops", &l[1].o[5]);
	return 2;
}

/* One pass over the image's pages for the list heads and the IDT. */
int ic_rec_page_scan(struct ic_rec *r)
{
	struct list_find l[2];
	struct idt_find idt, idt_out;
	uint64_t budget = IC_MAX_RECOVER_VISITS;
	unsigned nl = (unsigned)list_setup(r, l);
	uint8_t *buf;
	int err = 0;

	idt_setup(r, &idt);
	idt_out = idt;
	if (!l[0].on && !l[1].on && !idt.on)
		return 0;
	buf = malloc(IC_RECOVER_PAGE + 8);
	if (!buf)
		return -ENOMEM;
	for (uint64_t off = 0; off < IC_MAX_KERNEL_IMAGE; off += IC_RECOVER_PAGE) {
		uint64_t va = r->k->runtime_text + off;
		size_t len = IC_RECOVER_PAGE + 8;

		if (!ic_rec_va_ok(r, va))
			continue;
		/* the last list_head of a page may end in the next one */
		if (ic_image__read(r->img, va - r->delta, buf, len)) {
			len = IC_RECOVER_PAGE;
			if (ic_image__read(r->img, va - r->delta, buf, len))
				continue;
		}
		if (idt.on && idt_out.hits < IC_MAX_RECOVER_HITS)
			idt_check(&idt, buf, va, &idt_out);
		for (size_t i = 0; i + 16 <= len && i < IC_RECOVER_PAGE; i += 8) {
			uint64_t next = ic_get_le64(buf + i), prev = ic_get_le64(buf + i + 8);
			uint64_t self = va + i, back;
			bool linked = false;

			if (!(next >> 63) || !(prev >> 63) || next == self)
				continue;
			for (unsigned k = 0; k < nl; k++) {
				unsigned n;

				if (!l[k].on || l[k].hits >= IC_MAX_RECOVER_HITS)
					continue;
				if (!linked) {
					if (ic_rec_u64(r, next + 8, &back) || back != self ||
					    ic_rec_u64(r, prev, &back) || back != self)
						break;
					linked = true;
				}
				if (!l[k].node_ok(r, &l[k], next))
					continue;
				n = walk_list(r, &l[k], self, &budget);
				if (!n)
					continue;
				l[k].hits++;
				l[k].found = self;
				l[k].nnodes = n;
			}
		}
	}
	free(buf);
	if (!budget) {
		pr_warn(r->ctx, "recover: list heads: more than %u list nodes visited: giving up",
			IC_MAX_RECOVER_VISITS);
		return 0;
	}
	for (unsigned k = 0; k < nl && !err; k++) {
		if (!l[k].on)
			continue;
		if (l[k].hits != 1) {
			pr_warn(r->ctx, "recover: %s: %u image list heads of %s lists%s", l[k].sym,
				l[k].hits, l[k].what, l[k].hits ? " (ambiguous)" : " (empty list?)");
			continue;
		}
		err = ic_rec_add(r, l[k].sym, l[k].found, 'D',
				 "the one image list_head whose other %u "
				 "nodes are %s", l[k].nnodes, l[k].what);
	}
	if (!err && idt.on) {
		if (idt_out.hits != 1)
			pr_warn(r->ctx, "recover: idt_table: %u image pages hold the IDT's gates",
				idt_out.hits);
		else
			err = ic_rec_add(r, "idt_table", idt_out.found, 'b',
					 "the one page-aligned image gate array whose vectors "
					 "0, 3, 14 are interrupt gates to the divide-error, int3, "
					 "page-fault entries");
	}
	return err;
}
