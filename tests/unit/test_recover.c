/* SPDX-License-Identifier: MIT */
/* Unit tests for data-symbol recovery (src/5-symbols/recover/) on the real fx-deb12-6.1 image. */
/*
 * Through ic_recover__data_syms() with a symbol table built as a kernel without
 * CONFIG_KALLSYMS_ALL would give it, but listing init_task (as some kernels' kallsyms do: 7.x
 * types it 'T'). init_mm and init_files must then hang off kallsyms' init_task, not off a
 * swapper/0 task the scan finds elsewhere: a planted copy (its tasks list a loop on itself, its
 * active_mm and files pointing at planted copies of init_mm and init_files) gave a profile with
 * both at the copies' addresses, exit 0, once the real task's comm was damaged; with it intact,
 * the two candidates made the scan give up and neither was recovered.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "phys_mem.h"
#include "isfcarve/btf.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/carver.h"
#include "isfcarve/image.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/recover.h"
#include "isfcarve/symbols.h"
#include "5-symbols/recover/recover_int.h"

#define PAGE 4096u

static void print_msg(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)arg;
	if (lvl <= IC_LOG_WARN)
		fprintf(stderr, "  lib: %s\n", msg);
}

/* link-time addresses from System.map: the answer */
struct want {
	uint64_t task, mm, files;
};

static int load_map(const char *fx, struct want *w)
{
	char buf[4096], line[512];
	const char *path = ic_test_fixture(fx, "System.map", buf, sizeof(buf));
	FILE *f = path ? fopen(path, "r") : NULL;

	if (!f)
		return -1;
	memset(w, 0, sizeof(*w));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a;
		char t, name[256];

		if (sscanf(line, "%llx %c %255s", &a, &t, name) != 3)
			continue;
		if (!strcmp(name, "init_task"))
			w->task = a;
		else if (!strcmp(name, "init_mm"))
			w->mm = a;
		else if (!strcmp(name, "init_files"))
			w->files = a;
	}
	fclose(f);
	return w->task && w->mm && w->files ? 0 : -1;
}

struct got {
	uint64_t mm, files; /* 0: not recovered */
};

/*
 * Scan, solve KASLR, and recover from img with kallsyms' text symbols plus init_task (the
 * recoverable names taken out, as --withhold-data-syms does, then init_task put back).
 */
static int recover(struct ic_image *img, struct got *g, struct ic_findings *keep)
{
	struct ic_ctx ctx = { .print = print_msg, .level = IC_LOG_WARN };
	struct ic_findings f;
	struct ic_symtab *syms = NULL;
	struct ic_btf *btf = NULL;
	const struct ic_sym *s;
	int err;

	memset(g, 0, sizeof(*g));
	err = ic_scan(&ctx, img, &f);
	IC_CHECK(!err && f.kallsyms && f.btf, "scan: %d", err);
	if (err)
		return err;
	err = ic_kaslr__run(&ctx, img, &f, 0, NULL);
	IC_CHECK(!err && f.kaslr && !f.kaslr->doubt[0], "kaslr: %d", err);
	if (err || !f.kaslr || !f.kallsyms || !f.btf)
		goto out;
	if (!f.kallsyms->have_delta)
		ic_kallsyms__set_delta(f.kallsyms, f.kaslr->runtime_text - f.kaslr->phys_text,
				       "kaslr");
	syms = ic_symtab__new();
	err = syms ? ic_btf__new(&ctx, f.btf->data, (size_t)f.btf->size, "carved BTF", &btf)
		   : -ENOMEM;
	for (size_t i = 0; !err && i < f.kallsyms->nsyms; i++) {
		const struct ic_ksym *k = &f.kallsyms->syms[i];
		bool task = !strcmp(k->name, "init_task");

		if (!task && (!strchr("tTwW", k->type) || ic_recover__is_recoverable(k->name)))
			continue;
		if (k->flags & IC_SYM_ABSOLUTE)
			continue;
		err = ic_symtab__add(syms, ic_kaslr__link(f.kaslr, k->addr), k->type, k->name,
				     strlen(k->name), k->flags);
	}
	IC_CHECK(!err && ic_symtab__find(syms, "init_task") && !ic_symtab__find(syms, "init_mm"),
		 "symbol table: %d", err);
	if (!err)
		err = ic_recover__data_syms(&ctx, img, &f, btf, syms) < 0 ? -1 : 0;
	IC_CHECK(!err, "recover");
	if ((s = ic_symtab__find(syms, "init_mm")) && (s->flags & IC_SYM_RECOVERED))
		g->mm = s->addr;
	if ((s = ic_symtab__find(syms, "init_files")) && (s->flags & IC_SYM_RECOVERED))
		g->files = s->addr;
out:
	ic_btf__free(btf);
	ic_symtab__free(syms);
	if (keep)
		*keep = f;
	else
		ic_findings__release(&f);
	return err;
}

enum { TASK_LEN = 16 * PAGE, MM_LEN = 2 * PAGE, FILES_LEN = PAGE };

static int run(const char *fx, const char *file)
{
	struct ic_ctx ctx = { .print = print_msg, .level = IC_LOG_WARN };
	char buf[4096];
	const char *path = ic_test_fixture(fx, file, buf, sizeof(buf));
	struct ic_image *img = NULL;
	struct ic_findings f;
	struct want w;
	struct got g;
	struct ic_btf *btf = NULL;
	uint64_t *offs = NULL, o_comm, o_tasks, o_mm_ptr, o_active, o_files, o_fdt, o_fdtab;
	uint64_t delta, slide, decoy_pa = 0, task_pa, zeros_need = TASK_LEN + MM_LEN + FILES_LEN;
	uint8_t *copy = NULL;
	size_t total = 0;

	if (!path || load_map(fx, &w))
		return ic_test_no_fixture();
	IC_CHECK(ic_image__open(&ctx, path, &img) == 0, "open %s", path);
	if (!img)
		return 0;

	/* 1. The image as it is: init_mm and init_files from kallsyms' init_task. */
	memset(&f, 0, sizeof(f));
	if (recover(img, &g, &f)) {
		ic_findings__release(&f);
		ic_image__free(img);
		return 0;
	}
	IC_CHECK(g.mm == w.mm && g.files == w.files, "%s: as it is: init_mm 0x%" PRIx64 " want 0x%"
		 PRIx64 ", init_files 0x%" PRIx64 " want 0x%" PRIx64, fx, g.mm, w.mm, g.files,
		 w.files);
	slide = f.kaslr->virtual_slide;
	delta = f.kaslr->runtime_text - f.kaslr->phys_text;
	IC_CHECK(ic_btf__new(&ctx, f.btf->data, (size_t)f.btf->size, "BTF", &btf) == 0, "btf");
	IC_CHECK(btf && !ic_rec_off(btf, "task_struct", "comm", &o_comm) &&
			 !ic_rec_off(btf, "task_struct", "tasks", &o_tasks) &&
			 !ic_rec_off(btf, "task_struct", "mm", &o_mm_ptr) &&
			 !ic_rec_off(btf, "task_struct", "active_mm", &o_active) &&
			 !ic_rec_off(btf, "task_struct", "files", &o_files) &&
			 !ic_rec_off(btf, "files_struct", "fdt", &o_fdt) &&
			 !ic_rec_off(btf, "files_struct", "fdtab", &o_fdtab),
		 "offsets");
	ic_btf__free(btf);
	IC_CHECK(o_files + 8 <= TASK_LEN && o_fdtab + 8 <= FILES_LEN, "copy sizes");

	/* 2. A planted swapper/0 task: a copy of init_task in zero pages of the kernel image
	 * (its .bss), with init_mm and init_files copies after it. */
	copy = pm_copy_image(img, &offs, &total);
	IC_CHECK(copy != NULL, "copy");
	task_pa = w.task + slide - delta;
	for (uint64_t pa = f.kaslr->phys_text + (32u << 20); copy && !decoy_pa &&
	     pa < f.kaslr->phys_text + (64u << 20); pa += PAGE) {
		const uint8_t *p = pm_at_phys(img, copy, offs, pa, (size_t)zeros_need);
		size_t z = 0;

		while (p && z < zeros_need && !p[z])
			z++;
		if (p && z == zeros_need)
			decoy_pa = pa;
	}
	IC_CHECK(decoy_pa != 0, "%s: no %" PRIu64 " zero bytes in the kernel image", fx, zeros_need);
	if (copy && decoy_pa) {
		uint64_t mm_pa = decoy_pa + TASK_LEN, files_pa = mm_pa + MM_LEN;
		uint8_t *d = pm_at_phys(img, copy, offs, decoy_pa, (size_t)zeros_need);
		uint8_t *t = pm_at_phys(img, copy, offs, task_pa, TASK_LEN);
		uint8_t *m = pm_at_phys(img, copy, offs, w.mm + slide - delta, MM_LEN);
		uint8_t *fl = pm_at_phys(img, copy, offs, w.files + slide - delta, FILES_LEN);
		struct ic_image *bad = NULL;
		const struct ic_range *r = ic_image__ranges(img);

		IC_CHECK(t && m && fl && !memcmp(t + o_comm, "swapper/0", 10), "%s: real objects", fx);
		if (t && m && fl) {
			memcpy(d, t, TASK_LEN);
			memcpy(d + TASK_LEN, m, MM_LEN);
			memcpy(d + TASK_LEN + MM_LEN, fl, FILES_LEN);
			pm_put64(d + o_tasks, 0, decoy_pa + delta + o_tasks); /* a list of one */
			pm_put64(d + o_tasks + 8, 0, decoy_pa + delta + o_tasks);
			pm_put64(d + o_active, 0, mm_pa + delta);
			pm_put64(d + o_files, 0, files_pa + delta);
			pm_put64(d + TASK_LEN + MM_LEN + o_fdt, 0, files_pa + delta + o_fdtab);
			IC_CHECK(pm_get64(d + o_mm_ptr, 0) == 0, "the copy's mm is NULL");
			for (int damaged = 0; damaged < 2; damaged++) {
				/* damaged: the real task's comm "swapper/X", so the scan sees only
				 * the copy (before: both taken from it, exit 0); intact: two
				 * candidates (before: neither recovered) */
				t[o_comm + 8] = damaged ? 'X' : '0';
				IC_CHECK(ic_image__open_mem(&ctx, "planted", copy, total, r, offs,
							    ic_image__nranges(img), &bad) == 0,
					 "open the copy");
				if (!bad)
					break;
				if (!recover(bad, &g, NULL))
					IC_CHECK(g.mm == w.mm && g.files == w.files,
						 "%s: a planted swapper/0 (real comm %s): init_mm 0x%"
						 PRIx64 " want 0x%" PRIx64 ", init_files 0x%" PRIx64
						 " want 0x%" PRIx64, fx, damaged ? "damaged" : "intact",
						 g.mm, w.mm, g.files, w.files);
				ic_image__free(bad);
				bad = NULL;
			}
		}
	}
	free(copy);
	free(offs);
	ic_findings__release(&f);
	ic_image__free(img);
	return 0;
}

int main(void)
{
	int rc = run("fx-deb12-6.1", "mem.lime");

	return rc ? rc : IC_TEST_DONE();
}
