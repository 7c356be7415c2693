/* SPDX-License-Identifier: MIT */
/* Recovery rules for roots of kernel object trees: the resource trees, the module kset. */
#include <inttypes.h>
#include <string.h>

#include "0-base/ic_limits.h"
#include "recover_int.h"

/*
 * Resource tree roots: iomem_resource ("PCI mem") and ioport_resource ("PCI IO"), the one image
 * struct resource whose name is that string, start 0, no parent, flags holding its type,
 * end + 1 a power of two (or end all ones), and whose first child points back at it.
 */
struct res_rule {
	const char *sym, *name;
	uint64_t flag;
};

static const struct res_rule res_rules[] = {
	{ "iomem_resource", "PCI mem", 0x200 }, /* IORESOURCE_MEM */
	{ "ioport_resource", "PCI IO", 0x100 }, /* IORESOURCE_IO */
};

static bool resource_ok(const struct ic_rec *r, const struct res_rule *t, uint64_t va)
{
	uint64_t o_start, o_end, o_flags, o_parent, o_child, v, end, child;

	if (ic_rec_off(r->btf, "resource", "start", &o_start) ||
	    ic_rec_off(r->btf, "resource", "end", &o_end) ||
	    ic_rec_off(r->btf, "resource", "flags", &o_flags) ||
	    ic_rec_off(r->btf, "resource", "parent", &o_parent) ||
	    ic_rec_off(r->btf, "resource", "child", &o_child))
		return false;
	if (ic_rec_u64(r, va + o_start, &v) || v || ic_rec_u64(r, va + o_parent, &v) || v ||
	    ic_rec_u64(r, va + o_flags, &v) || !(v & t->flag) || ic_rec_u64(r, va + o_end, &end) ||
	    (end != UINT64_MAX && ((end + 1) & end)))
		return false;
	if (ic_rec_u64(r, va + o_child, &child) || !(child >> 63) ||
	    ic_rec_u64(r, child + o_parent, &v))
		return false;
	return v == va;
}

static int resource_root(struct ic_rec *r, const struct res_rule *t)
{
	uint64_t str[IC_MAX_RECOVER_HITS], hits[IC_MAX_RECOVER_HITS], name_off, found = 0;
	unsigned ns = 0, good = 0;
	int err;

	if (ic_rec_have(r, t->sym) || ic_rec_off(r->btf, "resource", "name", &name_off))
		return 0;
	err = ic_rec_scan(r, t->name, strlen(t->name) + 1, 1, str, IC_MAX_RECOVER_HITS, &ns);
	for (unsigned i = 0; !err && i < ns; i++) {
		unsigned n = 0;

		err = ic_rec_scan_u64(r, str[i] + r->delta, hits, IC_MAX_RECOVER_HITS, &n);
		for (unsigned h = 0; !err && h < n; h++) {
			uint64_t va = hits[h] + r->delta - name_off;

			if (hits[h] < name_off || !ic_rec_va_ok(r, va) || !resource_ok(r, t, va))
				continue;
			good++;
			found = va;
		}
	}
	if (err)
		return err;
	if (good != 1) {
		pr_warn(r->ctx, "recover: %s: %u image struct resources named \"%s\": %s", t->sym,
			good, t->name, good ? "ambiguous" : "not found");
		return 0;
	}
	return ic_rec_add(r, t->sym, found, 'D',
			  "the one image struct resource named \"%s\", start 0, "
			  "no parent, its child's parent", t->name);
}

int ic_rec_resource_roots(struct ic_rec *r)
{
	int err = 0;

	for (size_t i = 0; !err && i < IC_ARRAY_SIZE(res_rules); i++)
		err = resource_root(r, &res_rules[i]);
	return err;
}

/*
 * module_kset: the variable pointing at the kset of /sys/module. Every loaded module's
 * mkobj.kobj.kset is that kset (named "module"); the one image word holding it is the
 * variable. Needs a loaded module (the `modules` list).
 */
int ic_rec_module_kset(struct ic_rec *r)
{
	uint64_t head, node, list, mkobj, kobj, kset_off, name_off, kset, nm, hits[IC_MAX_RECOVER_HITS];
	char name[16];
	unsigned n = 0;
	int err;

	if (ic_rec_have(r, "module_kset") || !ic_rec_sym(r, "modules", &head) ||
	    ic_rec_off(r->btf, "module", "list", &list) ||
	    ic_rec_off(r->btf, "module", "mkobj", &mkobj) ||
	    ic_rec_off(r->btf, "module_kobject", "kobj", &kobj) ||
	    ic_rec_off(r->btf, "kobject", "kset", &kset_off) ||
	    ic_rec_off(r->btf, "kobject", "name", &name_off))
		return 0;
	if (ic_rec_u64(r, head, &node) || node == head || node < list ||
	    ic_rec_u64(r, node - list + mkobj + kobj + kset_off, &kset) || !(kset >> 63) ||
	    ic_rec_va_ok(r, kset))
		return 0;
	/* struct kset starts with its list, then its kobject: read the kobject's name */
	if (ic_rec_off(r->btf, "kset", "kobj", &kobj) ||
	    ic_rec_u64(r, kset + kobj + name_off, &nm) ||
	    !ic_rec_name(r, nm, name, sizeof(name)) || strcmp(name, "module"))
		return 0;
	err = ic_rec_scan_u64(r, kset, hits, IC_MAX_RECOVER_HITS, &n);
	if (err || n != 1) {
		if (!err)
			pr_warn(r->ctx, "recover: module_kset: %u image words hold the \"module\" "
				"kset 0x%" PRIx64, n, kset);
		return err;
	}
	return ic_rec_add(r, "module_kset", hits[0] + r->delta, 'B',
			  "the one image word holding the "
			  "kset named \"module\" (a loaded module's mkobj.kobj.kset)");
}
