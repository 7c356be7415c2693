/* SPDX-License-Identifier: MIT */
/* Recover data symbols kallsyms lacks (no CONFIG_KALLSYMS_ALL) by structure, with the BTF. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/banner.h"
#include "isfcarve/btf.h"
#include "isfcarve/carver.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/recover.h"
#include "isfcarve/symbols.h"
#include "isfcarve/vmcoreinfo.h"
#include "0-base/internal.h"
#include "0-base/json.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"

/*
 * Rules (docs/recovery.md): a symbol is recovered only from something that pins its runtime
 * address (VMCOREINFO, the carved banner, a structure whose fields check out), only when its
 * runtime VA walks through the kernel tables to the physical address the kernel-image mapping
 * gives (so it really is an image object), and it is converted to link time with the slide.
 */

struct rec {
	const struct ic_ctx *ctx;
	const struct ic_image *img;
	struct ic_findings *f;
	const struct ic_kaslr *k;
	const struct ic_btf *btf;
	struct ic_symtab *syms;
	uint64_t delta; /* image VA - PA */
	int n;
};

static bool have(const struct rec *r, const char *name)
{
	return ic_symtab__find(r->syms, name) != NULL;
}

/* The VA is an image address whose table walk agrees with the image mapping. */
static bool image_va_ok(const struct rec *r, uint64_t va)
{
	uint64_t pa = va - r->delta;

	if (va < r->k->runtime_text || va - r->k->runtime_text >= IC_MAX_KERNEL_IMAGE)
		return false;
	return !r->k->levels || ic_mmu__v2p(&r->k->mmu, va) == pa;
}

static int add(struct rec *r, const char *name, uint64_t va, char type, const char *fmt, ...)
	IC_PRINTF(5, 6);
static int add(struct rec *r, const char *name, uint64_t va, char type, const char *fmt, ...)
{
	struct ic_findings *f = r->f;
	struct ic_recovered *v, *e;
	uint64_t link = ic_kaslr__link(r->k, va);
	va_list ap;
	int err;

	if (have(r, name))
		return 0;
	if (f->nrecovered >= IC_MAX_RECOVERED)
		return 0;
	v = ic_reallocarray(f->recovered, f->nrecovered + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	f->recovered = v;
	e = &v[f->nrecovered];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->link = link;
	va_start(ap, fmt);
	vsnprintf(e->how, sizeof(e->how), fmt, ap);
	va_end(ap);
	err = ic_symtab__add(r->syms, link, type, name, strlen(name), IC_SYM_RECOVERED);
	if (err)
		return err;
	f->nrecovered++;
	r->n++;
	pr_info(r->ctx, "recover: %s at link 0x%" PRIx64 " (%s)", name, link, e->how);
	return 0;
}

/* Byte offset of member `name` of struct/union id, looking into anonymous members. */
static int member_off(const struct ic_btf *btf, uint32_t id, const char *name, unsigned depth,
		      uint64_t *off)
{
	const uint32_t *rec;
	unsigned kind;
	uint32_t vlen;

	id = ic_btf__skip(btf, id, true);
	kind = ic_btf__kind(btf, id);
	rec = ic_btf__rec(btf, id);
	if (!rec || (kind != IC_BTF_STRUCT && kind != IC_BTF_UNION) || depth > 8)
		return -IC_ENOTFOUND;
	vlen = ic_btf_vlen(rec[1]);
	for (uint32_t i = 0; i < vlen; i++) {
		const uint32_t *m = rec + 3 + 3 * i;
		uint64_t bits = ic_btf_kflag(rec[1]) ? (m[2] & 0xffffff) : m[2];
		const char *mn = ic_btf__str(btf, m[0]);

		if (bits % 8)
			continue;
		if (mn && *mn) {
			if (!strcmp(mn, name)) {
				*off = bits / 8;
				return 0;
			}
		} else if (!member_off(btf, m[1], name, depth + 1, off)) {
			*off += bits / 8;
			return 0;
		}
	}
	return -IC_ENOTFOUND;
}

static int struct_off(const struct ic_btf *btf, const char *sname, const char *mname,
		      uint64_t *off)
{
	uint32_t id = ic_btf__find(btf, sname, IC_BTF_STRUCT);

	return id ? member_off(btf, id, mname, 0, off) : -IC_ENOTFOUND;
}

/* Read len bytes at a kernel VA: through the tables, or (no tables) only inside the image. */
static int rd_bytes(const struct rec *r, uint64_t va, void *buf, size_t len)
{
	uint64_t last;

	if (r->k->levels)
		return ic_mmu__read(&r->k->mmu, va, buf, len);
	if (!len || ic_add_ovf(va, len - 1, &last) || !image_va_ok(r, va) || !image_va_ok(r, last))
		return -IC_ENOTFOUND;
	return ic_image__read(r->img, va - r->delta, buf, len);
}

static int rd_va(const struct rec *r, uint64_t va, uint64_t *v)
{
	uint8_t raw[8];
	int err;

	if (r->k->levels)
		return ic_mmu__read_u64(&r->k->mmu, va, v);
	err = rd_bytes(r, va, raw, sizeof(raw));
	if (!err)
		*v = ic_get_le64(raw);
	return err;
}

static int rd_u32(const struct rec *r, uint64_t va, uint32_t *v)
{
	uint8_t raw[4];
	int err = rd_bytes(r, va, raw, sizeof(raw));

	if (!err)
		*v = ic_get_le32(raw);
	return err;
}

/* VMCOREINFO SYMBOL(x) entries that are image objects (not pointer values like mem_section)
 * and real symbols (not macros: node_online_map is node_states[N_ONLINE]). */
static int from_vmcoreinfo(struct rec *r)
{
	static const char *const names[] = { "swapper_pg_dir", "init_top_pgt", "init_uts_ns",
					     "_stext", "prb",
					     "printk_rb_static", "clear_seq", "vmcoreinfo_data",
					     "node_data" };
	const struct ic_vmcoreinfo *vi = r->f->vmcoreinfo;
	int err = 0;

	if (!vi)
		return 0;
	for (size_t i = 0; i < IC_ARRAY_SIZE(names) && !err; i++) {
		char key[64];
		uint64_t v;

		snprintf(key, sizeof(key), "SYMBOL(%s)", names[i]);
		if (have(r, names[i]) || ic_vmcoreinfo__u64(vi, key, &v) || !image_va_ok(r, v))
			continue;
		/* x86-64 exports init_top_pgt under the name swapper_pg_dir (a #define there) */
		if (!r->k->arch && !strcmp(names[i], "swapper_pg_dir"))
			continue;
		err = add(r, names[i], v, strcmp(names[i], "_stext") ? 'D' : 'T',
			  "VMCOREINFO %s, walks to the image mapping", key);
	}
	return err;
}

static int banner(struct rec *r)
{
	const struct ic_banner_finding *b = r->f->banner;
	uint64_t va;

	if (!b || !b->linux_banner || have(r, "linux_banner"))
		return 0;
	va = b->phys + r->delta;
	if (!image_va_ok(r, va))
		return 0;
	return add(r, "linux_banner", va, 'D',
		   "the carved \"Linux version\" object (\\n\\0 end) at phys 0x%" PRIx64, b->phys);
}

/*
 * init_task: the task_struct in the kernel image whose comm is "swapper/0" (SMP) or
 * "swapper", pid 0, whose tasks list is consistent (next->prev == prev->next == &tasks), with
 * mm NULL. init_mm is its active_mm when that is an image object whose pgd is the kernel's
 * top table; else (the idle task borrowed a user mm) the one image word holding the top
 * table's VA at mm_struct.pgd.
 */
struct tsk_off {
	uint64_t comm, pid, tasks, mm, active_mm, files;
	bool have_files;
	uint64_t mm_pgd;
	bool have_pgd;
};

static bool check_task(const struct rec *r, const struct tsk_off *o, uint64_t va,
		       uint64_t *active_mm, uint64_t *files)
{
	uint64_t next, prev, v, mm;
	uint8_t pid[4];

	if (!image_va_ok(r, va))
		return false;
	if (ic_image__read(r->img, va - r->delta + o->pid, pid, 4) || ic_get_le32(pid) != 0)
		return false;
	if (rd_va(r, va + o->tasks, &next) || rd_va(r, va + o->tasks + 8, &prev))
		return false;
	if (rd_va(r, next + 8, &v) || v != va + o->tasks)
		return false;
	if (rd_va(r, prev, &v) || v != va + o->tasks)
		return false;
	if (rd_va(r, va + o->mm, &mm) || mm != 0)
		return false;
	/* active_mm is init_mm only if the idle task has not borrowed a user mm (lazy TLB) */
	if (rd_va(r, va + o->active_mm, active_mm))
		*active_mm = 0;
	*files = 0;
	if (o->have_files && (rd_va(r, va + o->files, files) || !image_va_ok(r, *files)))
		*files = 0;
	return true;
}

/* Scan the kernel image for align-aligned copies of the len-byte pattern pat; the PAs of the
 * first up to max hits that are image objects (a copy in other memory is no symbol). Chunks
 * overlap by len - 1 bytes so a match across a boundary is seen once. */
static int scan_image(const struct rec *r, const void *pat, size_t len, size_t align,
		      uint64_t *hits, unsigned max, unsigned *n)
{
	uint64_t start = r->k->phys_text & ~(uint64_t)(align - 1), end;
	uint8_t *buf;

	*n = 0;
	if (!len || len > IC_RECOVER_PAGE || !align)
		return 0;
	buf = malloc(IC_RECOVER_CHUNK + len - 1);
	if (!buf)
		return -ENOMEM;
	if (ic_add_ovf(start, IC_MAX_KERNEL_IMAGE, &end))
		end = UINT64_MAX;
	for (uint64_t pa = start; pa < end && *n < max; pa += IC_RECOVER_CHUNK) {
		size_t got = IC_RECOVER_CHUNK + len - 1;

		if (ic_image__read(r->img, pa, buf, got)) {
			got = IC_RECOVER_CHUNK; /* the last chunk of a RAM range */
			if (ic_image__read(r->img, pa, buf, got))
				continue;
		}
		for (size_t i = 0; i + len <= got && i < IC_RECOVER_CHUNK && *n < max; i += align)
			if (buf[i] == *(const uint8_t *)pat && !memcmp(buf + i, pat, len) &&
			    image_va_ok(r, pa + i + r->delta))
				hits[(*n)++] = pa + i;
	}
	free(buf);
	return 0;
}

/* 8-byte-aligned image words equal to val. */
static int scan_u64(const struct rec *r, uint64_t val, uint64_t *hits, unsigned max,
		    unsigned *n)
{
	uint8_t pat[8];

	for (unsigned i = 0; i < 8; i++)
		pat[i] = (uint8_t)(val >> (8 * i));
	return scan_image(r, pat, sizeof(pat), 8, hits, max, n);
}

static int init_mm(struct rec *r, uint64_t act, uint64_t pgd_off)
{
	uint64_t want = r->k->pgd_phys + r->delta, pgd, hits[IC_MAX_RECOVER_HITS];
	unsigned n = 0, good = 0;
	uint64_t mm = 0;
	int err;

	uint64_t mmlist_off = 0;
	bool have_mmlist = !struct_off(r->btf, "mm_struct", "mmlist", &mmlist_off);

	if (have(r, "init_mm"))
		return 0;
	if (act && image_va_ok(r, act) && !rd_va(r, act + pgd_off, &pgd) && pgd == want)
		return add(r, "init_mm", act, 'D', "init_task.active_mm; its pgd is the kernel's "
			   "top-level table");
	err = scan_u64(r, want, hits, IC_MAX_RECOVER_HITS, &n);
	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		uint64_t va = hits[i] - pgd_off + r->delta;

		if (hits[i] < pgd_off || !image_va_ok(r, va))
			continue;
		/* init_mm.mmlist is a consistent list (LIST_HEAD_INIT, or swapping mms); a
		 * stray copy of the pointer elsewhere has no list there. */
		if (have_mmlist) {
			uint64_t next, back;

			if (rd_va(r, va + mmlist_off, &next) || rd_va(r, next + 8, &back) ||
			    back != va + mmlist_off)
				continue;
		}
		good++;
		mm = va;
	}
	if (good != 1) {
		pr_warn(r->ctx, "recover: init_mm: %u image words hold the top table's VA at "
			"mm_struct.pgd: %s", good, good ? "ambiguous" : "not found");
		return 0;
	}
	return add(r, "init_mm", mm, 'D', "the one image mm_struct whose pgd is the kernel's "
		   "top-level table (init_task.active_mm is a borrowed user mm)");
}

static int init_task(struct rec *r)
{
	static const char pat[] = "swapper/0";
	struct tsk_off o;
	uint64_t start = r->k->phys_text, end, found = 0, act = 0, files = 0;
	unsigned hits = 0;
	uint8_t *buf;
	int err = 0;

	if (have(r, "init_task") && have(r, "init_mm") && have(r, "init_files"))
		return 0;
	memset(&o, 0, sizeof(o));
	if (struct_off(r->btf, "task_struct", "comm", &o.comm) ||
	    struct_off(r->btf, "task_struct", "pid", &o.pid) ||
	    struct_off(r->btf, "task_struct", "tasks", &o.tasks) ||
	    struct_off(r->btf, "task_struct", "mm", &o.mm) ||
	    struct_off(r->btf, "task_struct", "active_mm", &o.active_mm)) {
		pr_warn(r->ctx, "recover: BTF task_struct lacks comm/pid/tasks/mm/active_mm");
		return 0;
	}
	o.have_files = !struct_off(r->btf, "task_struct", "files", &o.files);
	o.have_pgd = !struct_off(r->btf, "mm_struct", "pgd", &o.mm_pgd);
	if (ic_add_ovf(start, IC_MAX_KERNEL_IMAGE, &end))
		end = UINT64_MAX;
	buf = malloc(IC_RECOVER_CHUNK + sizeof(pat));
	if (!buf)
		return -ENOMEM;
	/* Chunks overlap by the pattern length so a match across a boundary is seen once. */
	for (uint64_t pa = start; pa < end && hits < IC_MAX_RECOVER_HITS; pa += IC_RECOVER_CHUNK) {
		size_t len = IC_RECOVER_CHUNK + sizeof(pat) - 1;

		if (ic_image__read(r->img, pa, buf, len))
			continue; /* a hole, or the end of RAM: the task cannot span it */
		for (size_t i = 0; i + sizeof(pat) <= len && i < IC_RECOVER_CHUNK; i++) {
			uint64_t va, a, fl;

			if (buf[i] != 's' || memcmp(buf + i, pat, sizeof(pat)))
				continue;
			if (pa + i < o.comm)
				continue;
			va = pa + i - o.comm + r->delta;
			if (!check_task(r, &o, va, &a, &fl))
				continue;
			hits++;
			found = va;
			act = a;
			files = fl;
		}
	}
	free(buf);
	if (hits != 1) {
		if (hits)
			pr_warn(r->ctx, "recover: %u swapper/0 task candidates: init_task ambiguous",
				hits);
		else
			pr_info(r->ctx, "recover: no swapper/0 task_struct in the kernel image");
		return 0;
	}
	err = add(r, "init_task", found, 'D', "task_struct with comm \"swapper/0\", pid 0, mm NULL, "
		  "consistent tasks list, image object");
	if (!err && o.have_pgd && r->k->levels)
		err = init_mm(r, act, o.mm_pgd);
	if (!err && files) {
		uint64_t fdt_off, fdtab_off, fdt;

		/* init_files.fdt points at its own embedded fdtab. */
		if (!struct_off(r->btf, "files_struct", "fdt", &fdt_off) &&
		    !struct_off(r->btf, "files_struct", "fdtab", &fdtab_off) &&
		    !rd_va(r, files + fdt_off, &fdt) && fdt == files + fdtab_off)
			err = add(r, "init_files", files, 'D', "init_task.files; its fdt is its own "
				  "fdtab");
	}
	return err;
}

/* The runtime VA of a symbol the table already has (kallsyms, or recovered above). */
static bool sym_rt(const struct rec *r, const char *name, uint64_t *va)
{
	const struct ic_sym *s = ic_symtab__find(r->syms, name);

	if (!s)
		return false;
	*va = s->addr + r->k->virtual_slide;
	return true;
}

/* Pointer member sname.mname of the object at va, when it holds an image object's VA. */
static bool image_ptr(const struct rec *r, uint64_t va, const char *sname, const char *mname,
		      uint64_t *out)
{
	uint64_t off;

	if (struct_off(r->btf, sname, mname, &off) || rd_va(r, va + off, out))
		return false;
	return image_va_ok(r, *out);
}

/* ns_common.inum of the namespace object (member "ns") at va. */
static int ns_inum(const struct rec *r, const char *sname, uint64_t va, uint32_t *inum)
{
	uint64_t ns, in;

	if (struct_off(r->btf, sname, "ns", &ns) || struct_off(r->btf, "ns_common", "inum", &in))
		return -IC_ENOTFOUND;
	return rd_u32(r, va + ns + in, inum);
}

/*
 * The initial namespaces have fixed proc inode numbers (include/linux/proc_ns.h,
 * PROC_*_INIT_INO), so a pointer from init_task's nsproxy to an image object carrying its
 * one number is that init_*_ns.
 */
struct ns_rule {
	const char *member; /* in struct nsproxy */
	const char *type;
	const char *sym;
	uint32_t inum;
};

static const struct ns_rule ns_rules[] = {
	{ "uts_ns", "uts_namespace", "init_uts_ns", 0xeffffffeu },
	{ "ipc_ns", "ipc_namespace", "init_ipc_ns", 0xefffffffu },
	{ "pid_ns_for_children", "pid_namespace", "init_pid_ns", 0xeffffffcu },
	{ "cgroup_ns", "cgroup_namespace", "init_cgroup_ns", 0xeffffffbu },
	{ "time_ns", "time_namespace", "init_time_ns", 0xeffffffau },
};
#define INIT_USER_NS_INUM 0xeffffffdu

static int init_user_ns(struct rec *r, uint64_t from, const char *sname, const char *what)
{
	uint64_t uns;
	uint32_t inum;

	if (!image_ptr(r, from, sname, "user_ns", &uns) ||
	    ns_inum(r, "user_namespace", uns, &inum) || inum != INIT_USER_NS_INUM)
		return 0;
	return add(r, "init_user_ns", uns, 'D', "%s.user_ns; image object, ns.inum "
		   "PROC_USER_INIT_INO", what);
}

/*
 * init_net: nsproxy.net_ns, an image object whose list is a consistent circular list of struct
 * nets (each user_ns a kernel pointer) that holds exactly one other image node: that node is
 * net_namespace_list (the one list_head not inside a struct net: other nets are allocated).
 */
static int init_net(struct rec *r, uint64_t net)
{
	uint64_t list_off, uns_off, head = 0, node, next, back, uns;
	unsigned nimg = 0, n = 0;
	int err;

	if (struct_off(r->btf, "net", "list", &list_off) ||
	    struct_off(r->btf, "net", "user_ns", &uns_off))
		return 0;
	node = net + list_off;
	do {
		if (rd_va(r, node, &next) || rd_va(r, next + 8, &back) || back != node) {
			pr_warn(r->ctx, "recover: init_net candidate 0x%" PRIx64 ": net.list not "
				"consistent at 0x%" PRIx64, net, node);
			return 0;
		}
		node = next;
		if (node == net + list_off)
			break;
		if (image_va_ok(r, node)) {
			head = node;
			nimg++;
		} else if (rd_va(r, node - list_off + uns_off, &uns) || !(uns >> 63)) {
			pr_warn(r->ctx, "recover: net.list node 0x%" PRIx64 " is no struct net", node);
			return 0;
		}
	} while (++n < IC_MAX_RECOVER_LIST);
	if (n >= IC_MAX_RECOVER_LIST || nimg != 1) {
		pr_warn(r->ctx, "recover: init_net.list: %u image nodes besides init_net (want 1)%s",
			nimg, n >= IC_MAX_RECOVER_LIST ? ", list too long" : "");
		return 0;
	}
	err = add(r, "init_net", net, 'D', "init_nsproxy.net_ns; image object, net.list "
		  "consistent: %u struct net + the head", n);
	if (!err)
		err = add(r, "net_namespace_list", head, 'D', "the one image node of init_net.list "
			  "not inside a struct net (%u-node list)", n + 1);
	if (!err)
		err = init_user_ns(r, net, "net", "init_net");
	return err;
}

/* init_struct_pid: init_task.thread_pid, an image object with level 0 and numbers[0] =
 * {nr 0, ns init_pid_ns}. */
static int init_struct_pid(struct rec *r, uint64_t task)
{
	uint64_t pid, pidns, nums, nr_off, ns_off, lvl_off, ns;
	uint32_t level, nr;

	if (!sym_rt(r, "init_pid_ns", &pidns) ||
	    !image_ptr(r, task, "task_struct", "thread_pid", &pid) ||
	    struct_off(r->btf, "pid", "numbers", &nums) ||
	    struct_off(r->btf, "pid", "level", &lvl_off) ||
	    struct_off(r->btf, "upid", "nr", &nr_off) || struct_off(r->btf, "upid", "ns", &ns_off))
		return 0;
	if (rd_u32(r, pid + lvl_off, &level) || level != 0 ||
	    rd_u32(r, pid + nums + nr_off, &nr) || nr != 0 ||
	    rd_va(r, pid + nums + ns_off, &ns) || ns != pidns)
		return 0;
	return add(r, "init_struct_pid", pid, 'D', "init_task.thread_pid; image object, level 0, "
		   "numbers[0] = {0, init_pid_ns}");
}

/* init_nsproxy = init_task.nsproxy, and from it the initial namespaces (ns_rules, init_net). */
static int namespaces(struct rec *r)
{
	uint64_t task, nsp, net, cred, real;
	unsigned good = 0;
	int err = 0;

	if (!r->btf || !sym_rt(r, "init_task", &task) ||
	    !image_ptr(r, task, "task_struct", "nsproxy", &nsp))
		return 0;
	for (size_t i = 0; i < IC_ARRAY_SIZE(ns_rules) && !err; i++) {
		const struct ns_rule *nr = &ns_rules[i];
		uint64_t ns;
		uint32_t inum;

		if (!image_ptr(r, nsp, "nsproxy", nr->member, &ns) ||
		    ns_inum(r, nr->type, ns, &inum) || inum != nr->inum)
			continue;
		good++;
		err = add(r, nr->sym, ns, 'D', "init_nsproxy.%s; image object, ns.inum 0x%x "
			  "(the initial namespace's fixed number)", nr->member, nr->inum);
		if (!err)
			err = init_user_ns(r, ns, nr->type, nr->sym);
	}
	/* init_task.nsproxy is init_nsproxy when the namespaces it points to are the initial
	 * ones (a task that unshared would point at an allocated nsproxy). */
	if (!err && good)
		err = add(r, "init_nsproxy", nsp, 'D', "init_task.nsproxy; image object, %u of its "
			  "namespaces carry their initial inode number", good);
	if (!err && image_ptr(r, nsp, "nsproxy", "net_ns", &net))
		err = init_net(r, net);
	if (!err)
		err = init_struct_pid(r, task);
	/* init_cred: init_task's cred and real_cred, one image object whose user_ns is
	 * init_user_ns. */
	if (!err && image_ptr(r, task, "task_struct", "cred", &cred) &&
	    image_ptr(r, task, "task_struct", "real_cred", &real) && cred == real) {
		uint64_t uns, want;

		if (sym_rt(r, "init_user_ns", &want) && image_ptr(r, cred, "cred", "user_ns", &uns) &&
		    uns == want)
			err = add(r, "init_cred", cred, 'D', "init_task.cred == .real_cred; image "
				  "object, its user_ns is init_user_ns");
	}
	return err;
}

/* A NUL-terminated printable ASCII string of 1 .. max-1 bytes at a kernel VA (read page by page,
 * so a short string at the end of a mapping reads). */
static bool rd_name(const struct rec *r, uint64_t va, char *buf, size_t max)
{
	size_t got = 0, len;

	while (got < max) {
		uint64_t a;
		size_t n;

		if (ic_add_ovf(va, got, &a))
			return false;
		n = IC_RECOVER_PAGE - (size_t)(a % IC_RECOVER_PAGE);
		if (n > max - got)
			n = max - got;
		if (rd_bytes(r, a, buf + got, n))
			return false;
		got += n;
		if (memchr(buf + got - n, 0, n))
			break;
	}
	len = strnlen(buf, max);
	if (!len || len == max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return false;
	return true;
}

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
typedef bool (*ic_node_ok_fn)(const struct rec *r, const struct list_find *l, uint64_t node);

struct list_find {
	const char *sym, *what;
	uint64_t member;	/* offset of the list_head in the node's struct */
	uint64_t o[6];		/* the members the node check reads */
	ic_node_ok_fn node_ok;
	bool on;
	unsigned hits, nnodes;
	uint64_t found;
};

static bool module_ok(const struct rec *r, const struct list_find *l, uint64_t node)
{
	char name[MODULE_NAME_LEN];
	uint32_t state;
	size_t len;

	if (image_va_ok(r, node) || node < l->member)
		return false;
	if (rd_bytes(r, node - l->member + l->o[0], name, sizeof(name)) ||
	    rd_u32(r, node - l->member + l->o[1], &state) || state > MODULE_STATE_MAX)
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
static bool tty_ok(const struct rec *r, const struct list_find *l, uint64_t node)
{
	char name[TTY_NAME_MAX];
	uint64_t base, dn, nm, ops;
	uint32_t major, num;
	uint8_t type[2];

	if (image_va_ok(r, node) || node < l->member)
		return false;
	base = node - l->member;
	if (rd_bytes(r, base + l->o[2], type, sizeof(type)) || ic_get_le16(type) > TTY_TYPE_MAX)
		return false;
	if (rd_va(r, base + l->o[0], &dn) || rd_va(r, base + l->o[1], &nm))
		return false;
	/* major below 4096 (12 bits), one minor at least, ops an image tty_operations */
	if (rd_u32(r, base + l->o[3], &major) || major >= 4096 ||
	    rd_u32(r, base + l->o[4], &num) || !num || rd_va(r, base + l->o[5], &ops) ||
	    !image_va_ok(r, ops))
		return false;
	if (dn && (!(dn >> 63) || !rd_name(r, dn, name, sizeof(name))))
		return false;
	return (nm >> 63) && rd_name(r, nm, name, sizeof(name));
}

/* The number of nodes on the list headed at head, 0 if any node fails the check. *budget
 * counts the nodes all candidates may visit together (crafted lists cannot make the scan
 * quadratic). */
static unsigned walk_list(const struct rec *r, const struct list_find *l, uint64_t head,
			  uint64_t *budget)
{
	uint64_t node = head, next, back;
	unsigned n = 0;

	for (;;) {
		if (!*budget)
			return 0;
		--*budget;
		if (rd_va(r, node, &next) || rd_va(r, next + 8, &back) || back != node)
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

static bool sym_rt(const struct rec *r, const char *name, uint64_t *va);

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

static void idt_setup(const struct rec *r, struct idt_find *d)
{
	memset(d, 0, sizeof(*d));
	if (r->k->arch || have(r, "idt_table"))
		return;
	for (size_t i = 0; i < IC_ARRAY_SIZE(idt_vecs); i++)
		if (!sym_rt(r, idt_vecs[i].name[0], &d->fn[i]) &&
		    !sym_rt(r, idt_vecs[i].name[1], &d->fn[i]))
			return;
	d->on = true;
}

static int list_setup(const struct rec *r, struct list_find *l)
{
	memset(l, 0, 2 * sizeof(*l));
	l[0].sym = "modules";
	l[0].what = "struct module.list (name, state)";
	l[0].node_ok = module_ok;
	l[0].on = !have(r, "modules") && !struct_off(r->btf, "module", "list", &l[0].member) &&
		  !struct_off(r->btf, "module", "name", &l[0].o[0]) &&
		  !struct_off(r->btf, "module", "state", &l[0].o[1]);
	l[1].sym = "tty_drivers";
	l[1].what = "struct tty_driver.tty_drivers (name, type, major, ops)";
	l[1].node_ok = tty_ok;
	l[1].on = !have(r, "tty_drivers") &&
		  !struct_off(r->btf, "tty_driver", "tty_drivers", &l[1].member) &&
		  !struct_off(r->btf, "tty_driver", "driver_name", &l[1].o[0]) &&
		  !struct_off(r->btf, "tty_driver", "name", &l[1].o[1]) &&
		  !struct_off(r->btf, "tty_driver", "type", &l[1].o[2]) &&
		  !struct_off(r->btf, "tty_driver", "major", &l[1].o[3]) &&
		  !struct_off(r->btf, "tty_driver", "num", &l[1].o[4]) &&
		  !struct_off(r->btf, "tty_driver", "ops", &l[1].o[5]);
	return 2;
}

/* One pass over the image's pages for the list heads and the IDT. */
static int page_scan(struct rec *r)
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

		if (!image_va_ok(r, va))
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
					if (rd_va(r, next + 8, &back) || back != self ||
					    rd_va(r, prev, &back) || back != self)
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
		err = add(r, l[k].sym, l[k].found, 'D', "the one image list_head whose other %u "
			  "nodes are %s", l[k].nnodes, l[k].what);
	}
	if (!err && idt.on) {
		if (idt_out.hits != 1)
			pr_warn(r->ctx, "recover: idt_table: %u image pages hold the IDT's gates",
				idt_out.hits);
		else
			err = add(r, "idt_table", idt_out.found, 'b', "the one page-aligned image "
				  "gate array whose vectors 0, 3, 14 are interrupt gates to the "
				  "divide-error, int3, page-fault entries");
	}
	return err;
}

/*
 * Operation tables Volatility compares pointers with (sockstat): the one image object of the
 * type whose members hold these functions' addresses (the functions are in every kallsyms).
 */
struct ops_rule {
	const char *sym, *type;
	const char *member[4], *func[4];
};

static const struct ops_rule ops_rules[] = {
	{ "socket_file_ops", "file_operations",
	  { "read_iter", "write_iter", "poll", "release" },
	  { "sock_read_iter", "sock_write_iter", "sock_poll", "sock_close" } },
	{ "sockfs_dentry_operations", "dentry_operations", { "d_dname" }, { "sockfs_dname" } },
	/* the scheduling classes (psscan scans for pointers to every *_sched_class) */
	{ "fair_sched_class", "sched_class", { "enqueue_task" }, { "enqueue_task_fair" } },
	{ "rt_sched_class", "sched_class", { "enqueue_task" }, { "enqueue_task_rt" } },
	{ "dl_sched_class", "sched_class", { "enqueue_task" }, { "enqueue_task_dl" } },
	{ "stop_sched_class", "sched_class", { "enqueue_task" }, { "enqueue_task_stop" } },
	{ "ext_sched_class", "sched_class", { "enqueue_task" }, { "enqueue_task_scx" } },
	{ "idle_sched_class", "sched_class", { "dequeue_task" }, { "dequeue_task_idle" } },
};

static int ops_table(struct rec *r, const struct ops_rule *o)
{
	uint64_t off[4], fn[4], hits[IC_MAX_RECOVER_HITS], found = 0;
	unsigned n = 0, good = 0, nm = 0;
	int err;

	if (have(r, o->sym))
		return 0;
	for (nm = 0; nm < IC_ARRAY_SIZE(o->member) && o->member[nm]; nm++)
		if (struct_off(r->btf, o->type, o->member[nm], &off[nm]) ||
		    !sym_rt(r, o->func[nm], &fn[nm]))
			return 0;
	err = scan_u64(r, fn[0], hits, IC_MAX_RECOVER_HITS, &n);
	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		uint64_t va = hits[i] + r->delta - off[0], v;
		unsigned m;

		if (hits[i] < off[0] || !image_va_ok(r, va))
			continue;
		for (m = 1; m < nm; m++)
			if (rd_va(r, va + off[m], &v) || v != fn[m])
				break;
		if (m < nm)
			continue;
		good++;
		found = va;
	}
	if (good != 1) {
		pr_warn(r->ctx, "recover: %s: %u image %s objects hold %s ...: %s", o->sym, good,
			o->type, o->func[0], good ? "ambiguous" : "not found");
		return 0;
	}
	return add(r, o->sym, found, 'd', "the one image struct %s whose %s is %s%s", o->type,
		   o->member[0], o->func[0], nm > 1 ? " (and the rest of its members)" : "");
}

/*
 * System call tables: the one image array of function pointers whose entries at these indices
 * hold the runtime addresses of these syscall entry points (text symbols in every kallsyms;
 * the x86-64 pre-4.17 names as fallback). The indices are chosen so that look-alike tables
 * differ: x32's table shares read/write with the 64-bit one but has its own rt_sigaction (13).
 */
struct sct_rule {
	const char *sym;
	bool arm64;
	unsigned idx[4];
	const char *func[4], *old[4];
};

static const struct sct_rule sct_rules[] = {
	{ "sys_call_table", false, { 0, 1, 3, 13 },
	  { "__x64_sys_read", "__x64_sys_write", "__x64_sys_close", "__x64_sys_rt_sigaction" },
	  { "sys_read", "sys_write", "sys_close", "sys_rt_sigaction" } },
	{ "ia32_sys_call_table", false, { 0, 1, 3, 4 },
	  { "__ia32_sys_restart_syscall", "__ia32_sys_exit", "__ia32_sys_read",
	    "__ia32_sys_write" },
	  { NULL, NULL, NULL, NULL } },
	{ "sys_call_table", true, { 0, 1, 2, 3 },
	  { "__arm64_sys_io_setup", "__arm64_sys_io_destroy", "__arm64_sys_io_submit",
	    "__arm64_sys_io_cancel" },
	  { NULL, NULL, NULL, NULL } },
};

static int sct_table(struct rec *r, const struct sct_rule *t)
{
	uint64_t fn[4], hits[IC_MAX_RECOVER_HITS], found = 0;
	unsigned n = 0, good = 0;
	bool old = false;
	int err;

	if (have(r, t->sym) || t->arm64 != (r->k->arch != NULL))
		return 0;
	for (unsigned i = 0; i < 4; i++)
		if (!sym_rt(r, t->func[i], &fn[i]))
			old = true;
	for (unsigned i = 0; old && i < 4; i++)
		if (!t->old[i] || !sym_rt(r, t->old[i], &fn[i]))
			return 0;
	err = scan_u64(r, fn[0], hits, IC_MAX_RECOVER_HITS, &n);
	if (err)
		return err;
	for (unsigned h = 0; h < n; h++) {
		uint64_t va = hits[h] + r->delta - 8ull * t->idx[0], v;
		unsigned i;

		if (hits[h] < 8ull * t->idx[0] || !image_va_ok(r, va))
			continue;
		for (i = 1; i < 4; i++)
			if (rd_va(r, va + 8ull * t->idx[i], &v) || v != fn[i])
				break;
		if (i < 4)
			continue;
		good++;
		found = va;
	}
	if (good > 1)
		pr_warn(r->ctx, "recover: %s: %u image arrays hold %s at [%u]...: ambiguous",
			t->sym, good, old ? t->old[0] : t->func[0], t->idx[0]);
	else if (!good) /* 6.9+ x86-64 has no ia32 table (the ia32 entry is a switch) */
		pr_info(r->ctx, "recover: %s: no image array holds its syscall entries", t->sym);
	if (good != 1)
		return 0;
	return add(r, t->sym, found, 'D', "the one image array whose entries %u, %u, %u, %u are "
		   "%s, %s, %s, %s", t->idx[0], t->idx[1], t->idx[2], t->idx[3],
		   old ? t->old[0] : t->func[0], old ? t->old[1] : t->func[1],
		   old ? t->old[2] : t->func[2], old ? t->old[3] : t->func[3]);
}

/* mem_section: VMCOREINFO gives its value. SPARSEMEM_EXTREME (a pointer to the allocated root
 * array): the one image word holding that value is the variable; else it is the array. */
static int mem_section(struct rec *r)
{
	uint64_t v, hits[IC_MAX_RECOVER_HITS];
	unsigned n = 0;
	int err;

	if (have(r, "mem_section") || !r->f->vmcoreinfo ||
	    ic_vmcoreinfo__u64(r->f->vmcoreinfo, "SYMBOL(mem_section)", &v) || !v)
		return 0;
	if (image_va_ok(r, v))
		return add(r, "mem_section", v, 'B', "VMCOREINFO SYMBOL(mem_section), an image "
			   "object (static array)");
	err = scan_u64(r, v, hits, IC_MAX_RECOVER_HITS, &n);
	if (err || n != 1) {
		if (!err)
			pr_warn(r->ctx, "recover: mem_section: %u image words hold VMCOREINFO's "
				"value 0x%" PRIx64, n, v);
		return err;
	}
	return add(r, "mem_section", hits[0] + r->delta, 'B', "the one image word holding "
		   "VMCOREINFO SYMBOL(mem_section) 0x%" PRIx64 " (SPARSEMEM_EXTREME root)", v);
}

/*
 * x86-64 CONFIG_RANDOMIZE_MEMORY region bases (arch/x86/mm/kaslr.c): page_offset_base,
 * vmalloc_base, vmemmap_base hold 1 GiB aligned values in that address order. Their values:
 * the direct-map base P = VA - PA of an allocated object (init_task's next task, or the
 * kmalloc'd mem_section root); vmemmap M from VMCOREINFO SYMBOL(vmemmap) (6.12+), else
 * decoded from section 0's section_mem_map (with SPARSEMEM_VMEMMAP: vmemmap + flag bits).
 * The variables: the one image triple of consecutive words (M, V, P) with V 1 GiB aligned and
 * P < V < M, the layout every kernel we have (5.10 .. 7.2) uses.
 */
#define REGION_ALIGN (1ull << 30)

static bool direct_map_base(const struct rec *r, uint64_t *base)
{
	uint64_t task, off, va = 0, pa, ms;

	if (sym_rt(r, "init_task", &task) && !struct_off(r->btf, "task_struct", "tasks", &off) &&
	    !rd_va(r, task + off, &va) && !image_va_ok(r, va) && (va >> 63)) {
		/* va is the next task's list node, in the direct map */
	} else if (r->f->vmcoreinfo &&
		   !ic_vmcoreinfo__u64(r->f->vmcoreinfo, "SYMBOL(mem_section)", &ms) &&
		   (ms >> 63) && !image_va_ok(r, ms)) {
		va = ms;
	} else {
		return false;
	}
	pa = ic_mmu__v2p(&r->k->mmu, va);
	if (pa == UINT64_MAX || pa > va)
		return false;
	*base = va - pa;
	return !(*base % REGION_ALIGN) && (*base >> 63);
}

static bool vmemmap_value(const struct rec *r, uint64_t *m)
{
	const struct ic_vmcoreinfo *vi = r->f->vmcoreinfo;
	uint64_t ms, sec, smm, off;

	if (!vi)
		return false;
	if (!ic_vmcoreinfo__u64(vi, "SYMBOL(vmemmap)", m))
		return (*m >> 63) && !(*m % REGION_ALIGN);
	if (ic_vmcoreinfo__u64(vi, "SYMBOL(mem_section)", &ms) || !(ms >> 63) ||
	    struct_off(r->btf, "mem_section", "section_mem_map", &off))
		return false;
	/* SPARSEMEM_EXTREME: ms is the root array of section-array pointers; else the array */
	if (image_va_ok(r, ms))
		sec = ms;
	else if (rd_va(r, ms, &sec) || !(sec >> 63))
		return false;
	if (rd_va(r, sec + off, &smm) || !(smm >> 63))
		return false;
	*m = smm & ~(REGION_ALIGN - 1);
	/* section 0's encoded map is vmemmap itself plus a few flag bits */
	return smm - *m < IC_RECOVER_PAGE;
}

static int region_bases(struct rec *r)
{
	uint64_t p, m, hits[IC_MAX_RECOVER_HITS], found = 0;
	unsigned n = 0, good = 0;
	int err;

	if (r->k->arch || !r->k->levels || !r->btf ||
	    (have(r, "page_offset_base") && have(r, "vmalloc_base") && have(r, "vmemmap_base")))
		return 0;
	if (!direct_map_base(r, &p) || !vmemmap_value(r, &m) || m <= p) {
		pr_info(r->ctx, "recover: page_offset_base/vmemmap_base: values not known");
		return 0;
	}
	err = scan_u64(r, p, hits, IC_MAX_RECOVER_HITS, &n);
	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		uint64_t va = hits[i] + r->delta, w0, w1;

		if (rd_va(r, va - 16, &w0) || w0 != m || rd_va(r, va - 8, &w1) ||
		    w1 % REGION_ALIGN || w1 <= p || w1 >= m || !image_va_ok(r, va - 16))
			continue;
		good++;
		found = va;
	}
	if (good != 1) {
		pr_warn(r->ctx, "recover: page_offset_base: %u image triples (vmemmap 0x%" PRIx64
			", vmalloc, page_offset 0x%" PRIx64 "): %s", good, m, p,
			good ? "ambiguous" : "not found");
		return 0;
	}
	err = add(r, "vmemmap_base", found - 16, 'D', "the one image triple (vmemmap 0x%" PRIx64
		  ", vmalloc, direct map 0x%" PRIx64 ") of region bases", m, p);
	if (!err)
		err = add(r, "vmalloc_base", found - 8, 'D', "between vmemmap_base and "
			  "page_offset_base: 1 GiB aligned, between their values");
	if (!err)
		err = add(r, "page_offset_base", found, 'D', "the one image triple (vmemmap, "
			  "vmalloc, direct map 0x%" PRIx64 ") of region bases", p);
	return err;
}

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

static bool resource_ok(const struct rec *r, const struct res_rule *t, uint64_t va)
{
	uint64_t o_start, o_end, o_flags, o_parent, o_child, v, end, child;

	if (struct_off(r->btf, "resource", "start", &o_start) ||
	    struct_off(r->btf, "resource", "end", &o_end) ||
	    struct_off(r->btf, "resource", "flags", &o_flags) ||
	    struct_off(r->btf, "resource", "parent", &o_parent) ||
	    struct_off(r->btf, "resource", "child", &o_child))
		return false;
	if (rd_va(r, va + o_start, &v) || v || rd_va(r, va + o_parent, &v) || v ||
	    rd_va(r, va + o_flags, &v) || !(v & t->flag) || rd_va(r, va + o_end, &end) ||
	    (end != UINT64_MAX && ((end + 1) & end)))
		return false;
	if (rd_va(r, va + o_child, &child) || !(child >> 63) || rd_va(r, child + o_parent, &v))
		return false;
	return v == va;
}

static int resource_root(struct rec *r, const struct res_rule *t)
{
	uint64_t str[IC_MAX_RECOVER_HITS], hits[IC_MAX_RECOVER_HITS], name_off, found = 0;
	unsigned ns = 0, good = 0;
	int err;

	if (have(r, t->sym) || struct_off(r->btf, "resource", "name", &name_off))
		return 0;
	err = scan_image(r, t->name, strlen(t->name) + 1, 1, str, IC_MAX_RECOVER_HITS, &ns);
	for (unsigned i = 0; !err && i < ns; i++) {
		unsigned n = 0;

		err = scan_u64(r, str[i] + r->delta, hits, IC_MAX_RECOVER_HITS, &n);
		for (unsigned h = 0; !err && h < n; h++) {
			uint64_t va = hits[h] + r->delta - name_off;

			if (hits[h] < name_off || !image_va_ok(r, va) || !resource_ok(r, t, va))
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
	return add(r, t->sym, found, 'D', "the one image struct resource named \"%s\", start 0, "
		   "no parent, its child's parent", t->name);
}

/*
 * module_kset: the variable pointing at the kset of /sys/module. Every loaded module's
 * mkobj.kobj.kset is that kset (named "module"); the one image word holding it is the
 * variable. Needs a loaded module (the `modules` list).
 */
static int module_kset(struct rec *r)
{
	uint64_t head, node, list, mkobj, kobj, kset_off, name_off, kset, nm, hits[IC_MAX_RECOVER_HITS];
	char name[16];
	unsigned n = 0;
	int err;

	if (have(r, "module_kset") || !sym_rt(r, "modules", &head) ||
	    struct_off(r->btf, "module", "list", &list) ||
	    struct_off(r->btf, "module", "mkobj", &mkobj) ||
	    struct_off(r->btf, "module_kobject", "kobj", &kobj) ||
	    struct_off(r->btf, "kobject", "kset", &kset_off) ||
	    struct_off(r->btf, "kobject", "name", &name_off))
		return 0;
	if (rd_va(r, head, &node) || node == head || node < list ||
	    rd_va(r, node - list + mkobj + kobj + kset_off, &kset) || !(kset >> 63) ||
	    image_va_ok(r, kset))
		return 0;
	/* struct kset starts with its list, then its kobject: read the kobject's name */
	if (struct_off(r->btf, "kset", "kobj", &kobj) || rd_va(r, kset + kobj + name_off, &nm) ||
	    !rd_name(r, nm, name, sizeof(name)) || strcmp(name, "module"))
		return 0;
	err = scan_u64(r, kset, hits, IC_MAX_RECOVER_HITS, &n);
	if (err || n != 1) {
		if (!err)
			pr_warn(r->ctx, "recover: module_kset: %u image words hold the \"module\" "
				"kset 0x%" PRIx64, n, kset);
		return err;
	}
	return add(r, "module_kset", hits[0] + r->delta, 'B', "the one image word holding the "
		   "kset named \"module\" (a loaded module's mkobj.kobj.kset)");
}

/* Every data object ic_recover__data_syms() may add (it also adds _stext, a text symbol that
 * every kallsyms lists). */
static const char *const recoverable[] = {
	"swapper_pg_dir", "init_top_pgt", "init_uts_ns", "prb", "printk_rb_static",
	"clear_seq", "vmcoreinfo_data", "linux_banner", "init_task", "init_mm", "init_files",
	"init_nsproxy", "init_ipc_ns", "init_pid_ns", "init_cgroup_ns", "init_time_ns",
	"init_user_ns", "init_net", "net_namespace_list", "init_struct_pid", "init_cred",
	"modules", "socket_file_ops", "sockfs_dentry_operations", "mem_section",
	"tty_drivers", "idt_table", "sys_call_table", "ia32_sys_call_table",
	"vmemmap_base", "vmalloc_base", "page_offset_base", "iomem_resource", "ioport_resource",
	"module_kset", "node_data", "fair_sched_class", "rt_sched_class", "dl_sched_class",
	"stop_sched_class", "ext_sched_class", "idle_sched_class",
};

bool ic_recover__is_recoverable(const char *name)
{
	for (size_t i = 0; i < IC_ARRAY_SIZE(recoverable); i++)
		if (!strcmp(name, recoverable[i]))
			return true;
	return false;
}

int ic_recover__data_syms(const struct ic_ctx *ctx, const struct ic_image *img,
			  struct ic_findings *f, const struct ic_btf *btf, struct ic_symtab *syms)
{
	struct rec r = { .ctx = ctx, .img = img, .f = f, .k = f->kaslr, .btf = btf, .syms = syms };
	int err;

	if (!r.k || !img || !syms)
		return 0;
	/*
	 * A kallsyms with data symbols (CONFIG_KALLSYMS_ALL) already names every object the
	 * kernel has: a name missing from it does not exist in this kernel (ia32_sys_call_table
	 * on 6.1), and searching the image for it would only cost a re-read of the kernel image.
	 */
	{
		size_t data = 0;

		for (size_t i = 0; i < syms->n && data < IC_RECOVER_KALLSYMS_ALL; i++)
			data += strchr("dDbBrR", syms->syms[i].type) != NULL && syms->syms[i].type;
		if (data >= IC_RECOVER_KALLSYMS_ALL) {
			pr_debug(ctx, "recover: the symbols include data objects (CONFIG_KALLSYMS_ALL): "
				 "nothing to recover");
			return 0;
		}
	}
	r.delta = r.k->runtime_text - r.k->phys_text;
	err = from_vmcoreinfo(&r);
	if (!err)
		err = banner(&r);
	if (!err && r.k->levels && !have(&r, "swapper_pg_dir") && !have(&r, "init_top_pgt") &&
	    image_va_ok(&r, r.k->pgd_phys + r.delta))
		err = add(&r, r.k->arch ? "swapper_pg_dir" : "init_top_pgt",
			  r.k->pgd_phys + r.delta, 'D', "the kernel's top-level table found by the "
			  "KASLR solver (maps _text)");
	if (!err && btf)
		err = init_task(&r);
	if (!err && btf)
		err = namespaces(&r);
	if (!err && btf)
		err = page_scan(&r);
	for (size_t i = 0; !err && btf && i < IC_ARRAY_SIZE(ops_rules); i++)
		err = ops_table(&r, &ops_rules[i]);
	for (size_t i = 0; !err && i < IC_ARRAY_SIZE(sct_rules); i++)
		err = sct_table(&r, &sct_rules[i]);
	if (!err)
		err = mem_section(&r);
	if (!err)
		err = region_bases(&r);
	for (size_t i = 0; !err && btf && i < IC_ARRAY_SIZE(res_rules); i++)
		err = resource_root(&r, &res_rules[i]);
	if (!err && btf)
		err = module_kset(&r);
	return err ? err : r.n;
}

void ic_recover__report_json(const struct ic_findings *f, struct ic_json *j)
{
	ic_json_arr_begin(j);
	for (size_t i = 0; f && i < f->nrecovered; i++) {
		const struct ic_recovered *e = &f->recovered[i];

		ic_json_obj_begin(j);
		ic_json_kv_str(j, "name", e->name);
		ic_json_kv_hex(j, "address", e->link);
		ic_json_kv_str(j, "how", e->how);
		ic_json_obj_end(j);
	}
	ic_json_arr_end(j);
}
