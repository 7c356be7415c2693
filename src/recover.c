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
#include "internal.h"
#include "json.h"
#include "ic_limits.h"
#include "reader.h"

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

static int rd_va(const struct rec *r, uint64_t va, uint64_t *v)
{
	if (r->k->levels)
		return ic_mmu__read_u64(&r->k->mmu, va, v);
	if (!image_va_ok(r, va))
		return -IC_ENOTFOUND;
	{
		uint8_t raw[8];
		int err = ic_image__read(r->img, va - r->delta, raw, sizeof(raw));

		if (!err)
			*v = ic_get_le64(raw);
		return err;
	}
}

/* VMCOREINFO SYMBOL(x) entries that are image objects (not pointer values like mem_section)
 * and real symbols (not macros: node_online_map is node_states[N_ONLINE]). */
static int from_vmcoreinfo(struct rec *r)
{
	static const char *const names[] = { "swapper_pg_dir", "init_top_pgt", "init_uts_ns",
					     "_stext", "prb",
					     "printk_rb_static", "clear_seq", "vmcoreinfo_data" };
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

/* Scan the image for 8-byte-aligned words equal to val; the first up to max hits' PAs. */
static int scan_u64(const struct rec *r, uint64_t val, uint64_t *hits, unsigned max,
		    unsigned *n)
{
	uint64_t start = r->k->phys_text & ~7ull, end;
	uint8_t *buf = malloc(IC_RECOVER_CHUNK);

	if (!buf)
		return -ENOMEM;
	*n = 0;
	if (ic_add_ovf(start, IC_MAX_KERNEL_IMAGE, &end))
		end = UINT64_MAX;
	for (uint64_t pa = start; pa < end && *n < max; pa += IC_RECOVER_CHUNK) {
		if (ic_image__read(r->img, pa, buf, IC_RECOVER_CHUNK))
			continue;
		for (size_t i = 0; i < IC_RECOVER_CHUNK && *n < max; i += 8)
			if (ic_get_le64(buf + i) == val)
				hits[(*n)++] = pa + i;
	}
	free(buf);
	return 0;
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

int ic_recover__data_syms(const struct ic_ctx *ctx, const struct ic_image *img,
			  struct ic_findings *f, const struct ic_btf *btf, struct ic_symtab *syms)
{
	struct rec r = { .ctx = ctx, .img = img, .f = f, .k = f->kaslr, .btf = btf, .syms = syms };
	int err;

	if (!r.k || !img || !syms)
		return 0;
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
	return err ? err : r.n;
}

void ic_recover__report_json(const struct ic_findings *f, struct ic_json *j)
{
	ic_json_arr_begin(j);
	for (size_t i = 0; f && i < f->nrecovered; i++) {
		const struct ic_recovered *e = &f->recovered[i];

		ic_json_obj_begin(j);
		ic_json_key(j, "name");
		ic_json_str(j, e->name);
		ic_json_key(j, "address");
		ic_json_hex(j, e->link);
		ic_json_key(j, "how");
		ic_json_str(j, e->how);
		ic_json_obj_end(j);
	}
	ic_json_arr_end(j);
}
