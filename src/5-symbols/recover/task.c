/* SPDX-License-Identifier: MIT */
/* Recovery rules for init_task and what hangs off it: init_mm, init_files. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "recover_int.h"

/*
 * init_task: the task_struct in the kernel image whose comm is "swapper/0" (SMP) or
 * "swapper", pid 0, whose tasks list is consistent (next->prev == prev->next == &tasks), with
 * mm NULL. init_mm is its active_mm when that is an image object whose pgd is the kernel's
 * top table; else (the idle task borrowed a user mm) the one image word holding the top
 * table's VA at mm_struct.pgd. When the table already has init_task (kallsyms lists it, as
 * some kernels do without CONFIG_KALLSYMS_ALL), init_mm and init_files hang off that one, not
 * off whatever task the scan finds: a planted swapper/0 copy must not give them.
 */
struct tsk_off {
	uint64_t comm, pid, tasks, mm, active_mm, files;
	bool have_files;
	uint64_t mm_pgd;
	bool have_pgd;
};

static bool check_task(const struct ic_rec *r, const struct tsk_off *o, uint64_t va,
		       uint64_t *active_mm, uint64_t *files)
{
	uint64_t next, prev, v, mm;
	uint8_t pid[4];

	if (!ic_rec_va_ok(r, va))
		return false;
	if (ic_image__read(r->img, va - r->delta + o->pid, pid, 4) || ic_get_le32(pid) != 0)
		return false;
	if (ic_rec_u64(r, va + o->tasks, &next) || ic_rec_u64(r, va + o->tasks + 8, &prev))
		return false;
	if (ic_rec_u64(r, next + 8, &v) || v != va + o->tasks)
		return false;
	if (ic_rec_u64(r, prev, &v) || v != va + o->tasks)
		return false;
	if (ic_rec_u64(r, va + o->mm, &mm) || mm != 0)
		return false;
	/* active_mm is init_mm only if the idle task has not borrowed a user mm (lazy TLB) */
	if (ic_rec_u64(r, va + o->active_mm, active_mm))
		*active_mm = 0;
	*files = 0;
	if (o->have_files && (ic_rec_u64(r, va + o->files, files) || !ic_rec_va_ok(r, *files)))
		*files = 0;
	return true;
}

static int init_mm(struct ic_rec *r, uint64_t act, uint64_t pgd_off)
{
	uint64_t want = r->k->pgd_phys + r->delta, pgd, hits[IC_MAX_RECOVER_HITS];
	unsigned n = 0, good = 0;
	uint64_t mm = 0;
	int err;

	uint64_t mmlist_off = 0;
	bool have_mmlist = !ic_rec_off(r->btf, "mm_struct", "mmlist", &mmlist_off);

	if (ic_rec_have(r, "init_mm"))
		return 0;
	if (act && ic_rec_va_ok(r, act) && !ic_rec_u64(r, act + pgd_off, &pgd) && pgd == want)
		return ic_rec_add(r, "init_mm", act, 'D',
				  "init_task.active_mm; its pgd is the kernel's "
				  "top-level table");
	err = ic_rec_scan_u64(r, want, hits, IC_MAX_RECOVER_HITS, &n);
	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		uint64_t va = hits[i] - pgd_off + r->delta;

		if (hits[i] < pgd_off || !ic_rec_va_ok(r, va))
			continue;
		/* init_mm.mmlist is a consistent list (LIST_HEAD_INIT, or swapping mms); a
		 * stray copy of the pointer elsewhere has no list there. */
		if (have_mmlist) {
			uint64_t next, back;

			if (ic_rec_u64(r, va + mmlist_off, &next) ||
			    ic_rec_u64(r, next + 8, &back) || back != va + mmlist_off)
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
	return ic_rec_add(r, "init_mm", mm, 'D',
			  "the one image mm_struct whose pgd is the kernel's "
			  "top-level table (init_task.active_mm is a borrowed user mm)");
}

int ic_rec_init_task(struct ic_rec *r)
{
	static const char pat[] = "swapper/0";
	const struct ic_sym *known;
	struct tsk_off o;
	uint64_t start = r->k->phys_text, end, found = 0, act = 0, files = 0;
	unsigned hits = 0;
	uint8_t *buf;
	int err = 0;

	if (ic_rec_have(r, "init_task") && ic_rec_have(r, "init_mm") &&
	    ic_rec_have(r, "init_files"))
		return 0;
	memset(&o, 0, sizeof(o));
	if (ic_rec_off(r->btf, "task_struct", "comm", &o.comm) ||
	    ic_rec_off(r->btf, "task_struct", "pid", &o.pid) ||
	    ic_rec_off(r->btf, "task_struct", "tasks", &o.tasks) ||
	    ic_rec_off(r->btf, "task_struct", "mm", &o.mm) ||
	    ic_rec_off(r->btf, "task_struct", "active_mm", &o.active_mm)) {
		pr_warn(r->ctx, "recover: BTF task_struct lacks comm/pid/tasks/mm/active_mm");
		return 0;
	}
	o.have_files = !ic_rec_off(r->btf, "task_struct", "files", &o.files);
	o.have_pgd = !ic_rec_off(r->btf, "mm_struct", "pgd", &o.mm_pgd);
	known = ic_symtab__find(r->syms, "init_task");
	if (known && !(known->flags & IC_SYM_RECOVERED) && ic_rec_sym(r, "init_task", &found)) {
		/* kallsyms' own (a reading by another rule is weighed against the scan below).
		 * Its shape is still checked: the offsets must fit this task before anything is
		 * read through them. */
		if (!check_task(r, &o, found, &act, &files)) {
			pr_warn(r->ctx, "recover: init_task at link 0x%" PRIx64 " is not a task with "
				"pid 0, mm NULL and a consistent tasks list: init_mm and init_files "
				"are not derived from it", ic_kaslr__link(r->k, found));
			return 0;
		}
		goto derive;
	}
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
	err = ic_rec_add(r, "init_task", found, 'D',
			 "task_struct with comm \"swapper/0\", pid 0, mm NULL, "
			 "consistent tasks list, image object");
derive:
	if (!err && o.have_pgd && r->k->levels)
		err = init_mm(r, act, o.mm_pgd);
	if (!err && files) {
		uint64_t fdt_off, fdtab_off, fdt;

		/* init_files.fdt points at its own embedded fdtab. */
		if (!ic_rec_off(r->btf, "files_struct", "fdt", &fdt_off) &&
		    !ic_rec_off(r->btf, "files_struct", "fdtab", &fdtab_off) &&
		    !ic_rec_u64(r, files + fdt_off, &fdt) && fdt == files + fdtab_off)
			err = ic_rec_add(r, "init_files", files, 'D',
					 "init_task.files; its fdt is its own "
					 "fdtab");
	}
	return err;
}
