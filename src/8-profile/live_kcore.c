/* SPDX-License-Identifier: MIT */
/* Live mode without CONFIG_KALLSYMS_ALL: the data symbols recovered through /proc/kcore. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "1-image/bpf_live.h"
#include "1-image/image_internal.h"
#include "1-image/kcore_live.h"
#include "isfcarve/banner.h"
#include "isfcarve/btf.h"
#include "isfcarve/carver.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/live.h"
#include "isfcarve/recover.h"
#include "isfcarve/symbols.h"

/*
 * No /proc/kcore: the same two images read through BPF (bpf_live.c). The anchors are the
 * runtime _text and _stext (arm64's "Kernel code" in /proc/iomem starts at _stext); *base: 0
 * to find the direct map, then the base found. -errno of kcore when BPF cannot stand in either
 * (l->mem_why says why).
 */
static int open_bpf(const struct ic_ctx *ctx, struct ic_live *l, const char *root, size_t rl,
		    uint64_t lo, uint64_t hi, uint64_t *base, struct ic_kcore_text *text,
		    struct ic_image **img)
{
	const struct ic_sym *st = ic_symtab__find(l->syms, "_stext");
	uint64_t anchors[2] = { l->runtime_text, st ? st->addr + l->kaslr_offset : 0 };
	char iomem[4096], vmci[4096], mi[4096], kpf[4096];
	struct ic_bpf_live_paths paths = { iomem, vmci, mi, kpf };

	snprintf(iomem, sizeof(iomem), "%.*s%s", (int)rl, root, IC_LIVE_IOMEM);
	snprintf(vmci, sizeof(vmci), "%.*s%s", (int)rl, root, IC_LIVE_VMCOREINFO);
	snprintf(mi, sizeof(mi), "%.*s/proc/meminfo", (int)rl, root);
	snprintf(kpf, sizeof(kpf), "%.*s/proc/kpageflags", (int)rl, root);
	return ic_image__open_bpf_live(ctx, &paths, anchors, 2, lo, hi, base, text, img,
				       l->mem_why, sizeof(l->mem_why));
}

/*
 * The kernel image window without its freed init memory, where the page cache keeps file pages
 * (other kernels' banners among them, once a responder's machine has read images: "another
 * kernel in the image" for the running one): /proc/iomem's "Kernel code/rodata/data/bss"
 * entries, when it can be read (root) and names them. Else the window stays whole.
 */
static int window_parts(const struct ic_ctx *ctx, const char *root, size_t rl, struct ic_image *win)
{
	struct ic_iomem *io = malloc(sizeof(*io));
	char path[4096], *txt = malloc(IC_MAX_IOMEM_BYTES);
	struct ic_range parts[IC_IOMEM_KERNEL_PARTS];
	FILE *f;
	size_t n = 0, line;
	int err = 0;

	snprintf(path, sizeof(path), "%.*s%s", (int)rl, root, IC_LIVE_IOMEM);
	if (!io || !txt) {
		err = -ENOMEM;
		goto out;
	}
	if (!(f = fopen(path, "re")))
		goto out;
	n = fread(txt, 1, IC_MAX_IOMEM_BYTES, f);
	fclose(f);
	if (n == IC_MAX_IOMEM_BYTES || ic_iomem_parse(txt, n, io, &line) || !io->nkpart)
		goto out;
	for (size_t i = 0; i < io->nkpart; i++)
		parts[i] = (struct ic_range){ io->kpart[i].lo, io->kpart[i].hi - io->kpart[i].lo };
	n = (size_t)ic_image__bytes(win);
	err = ic_image_restrict(win, parts, io->nkpart);
	if (err == -IC_EFORMAT) /* iomem's parts out of order: the window stays whole */
		err = 0;
	else if (!err)
		pr_info(ctx, "%s: kernel image window: %zu of %zu bytes, %s's Kernel parts (not the "
			"freed init memory)", ic_image__path(win), (size_t)ic_image__bytes(win), n,
			path);
out:
	free(io);
	free(txt);
	return err;
}

/*
 * Why two images over one file: the carvers (banner, BTF, kallsyms, VMCOREINFO from kcore's
 * own note) need only the kernel image, tens of MiB, while a scan of all RAM through kcore
 * reads gigabytes; the KASLR stage and the recovery rules follow pointers into the rest of RAM
 * (page tables, the task list, slab objects) and read those few pages on demand.
 */
int ic_live__recover(const struct ic_ctx *ctx, struct ic_live *l, const char *root)
{
	struct ic_image *full = NULL, *win = NULL;
	struct ic_kcore_text text;
	struct ic_findings f;
	struct ic_btf *btf = NULL;
	char path[4096];
	size_t rl;
	uint64_t span, base = 0;
	bool force;
	int err, n = 0;

	memset(&f, 0, sizeof(f));
	if (!root)
		root = "";
	rl = strlen(root);
	while (rl && root[rl - 1] == '/')
		rl--;
	snprintf(path, sizeof(path), "%.*s%s", (int)rl, root, IC_LIVE_KCORE);
	force = l->mem_bpf && !rl;
	l->mem_bpf = false;
	l->mem_why[0] = '\0';
	err = force ? -ENOENT : ic_image__open_kcore_live(ctx, path, l->runtime_text, 0, 0, &text,
							   &full);
	/* No kcore on the running system (not a --live-root tree: BPF reads this kernel only) */
	if ((err == -ENOENT || err == -EACCES || err == -EPERM) && !rl) {
		int kerr = err;

		err = open_bpf(ctx, l, root, rl, 0, 0, &base, &text, &full);
		if (err)
			return err == -ENOMEM ? err : kerr;
		l->mem_bpf = true;
		snprintf(path, sizeof(path), "%s", ic_image__path(full));
	}
	if (err)
		return err;
	span = text.len < IC_MAX_KERNEL_IMAGE ? text.len : IC_MAX_KERNEL_IMAGE;
	err = l->mem_bpf ? open_bpf(ctx, l, root, rl, text.phys, text.phys + span, &base, &text,
				    &win)
			 : ic_image__open_kcore_live(ctx, path, l->runtime_text, text.phys,
						     text.phys + span, &text, &win);
	if (err) {
		/* the window failing after the whole opened (BPF: the image no longer where it
		 * was) is no evidence against kallsyms: not -IC_EINCOMPLETE (a conflict, which
		 * refuses the run) nor -IC_EAMBIGUOUS (recovery rules disagreeing) */
		err = err == -ENOMEM ? err : -IC_ENOTFOUND;
		goto out;
	}
	if ((err = window_parts(ctx, root, rl, win)))
		goto out;
	err = ic_scan(ctx, win, &f);
	if (err)
		goto out;
	if (f.same_kernel.mixed) {
		pr_warn(ctx, "%s: %s", path, f.same_kernel.problem);
		err = -IC_EINCOMPLETE;
		goto out;
	}
	/* The slide is known from kallsyms; the stage still runs for the physical side and the
	 * page tables the recovery rules walk. */
	err = ic_kaslr__run(ctx, full, &f, l->link_text_default ? 0 : l->link_text,
			    l->link_text_default ? NULL : l->config_path);
	if (err || !f.kaslr) {
		pr_warn(ctx, "%s: KASLR not solved from the kernel image: %s", path,
			ic_strerror(err ? err : -IC_ENOTFOUND));
		/* nothing found is no disagreement (the slide is kallsyms' anyway) */
		err = err == -ENOMEM ? err : -IC_ENOTFOUND;
		goto out;
	}
	if (f.kaslr->doubt[0]) { /* as IMAGE mode: no symbols from a slide evidence disputes */
		pr_warn(ctx, "%s: the KASLR slide is in doubt: %s", path, f.kaslr->doubt);
		err = -IC_EINCOMPLETE;
		goto out;
	}
	if (f.kaslr->runtime_text != l->runtime_text) {
		pr_warn(ctx, "%s: runtime _text 0x%" PRIx64 " disagrees with %s (0x%" PRIx64 ")", path,
			f.kaslr->runtime_text, l->kallsyms_path, l->runtime_text);
		err = -IC_EINCOMPLETE;
		goto out;
	}
	if (f.kaslr->link_text != l->link_text) {
		if (!l->link_text_default) {
			pr_warn(ctx, "%s: link-time _text 0x%" PRIx64 " (%s) disagrees with %s "
				"(0x%" PRIx64 ")", path, f.kaslr->link_text,
				f.kaslr->link_method ? f.kaslr->link_method : "image", l->config_path,
				l->link_text);
			err = -IC_EINCOMPLETE;
			goto out;
		}
		/* The assumed default lost to evidence in the image (VMCOREINFO, IKCONFIG). */
		pr_info(ctx, "%s: link-time _text 0x%" PRIx64 " (%s), not the assumed 0x%" PRIx64,
			path, f.kaslr->link_text, f.kaslr->link_method ? f.kaslr->link_method : "image",
			l->link_text);
		for (size_t i = 0; i < l->syms->n; i++)
			if (!(l->syms->syms[i].flags & IC_SYM_ABSOLUTE))
				l->syms->syms[i].addr += l->kaslr_offset - f.kaslr->virtual_slide;
		l->link_text = f.kaslr->link_text;
		l->kaslr_offset = f.kaslr->virtual_slide;
		l->link_text_default = false;
	}
	/* The banner the carver picked must be the one this kernel prints. None found is no
	 * evidence against kallsyms (-IC_ENOTFOUND: step 2 may place linux_banner); another
	 * text is (a conflict: the run stops). */
	if (!f.banner || !f.banner->linux_banner) {
		pr_warn(ctx, "%s: no linux_banner in the kernel image", path);
		err = -IC_ENOTFOUND;
		goto out;
	}
	if (f.banner->len != l->banner_len || memcmp(f.banner->text, l->banner, f.banner->len)) {
		pr_warn(ctx, "%s: the kernel image's banner differs from /proc/version: not the "
			"running kernel?", path);
		err = -IC_EINCOMPLETE;
		goto out;
	}
	err = ic_btf__new(ctx, l->btf.data, l->btf.len, l->btf_path, &btf);
	if (err)
		goto out;
	n = ic_recover__data_syms(ctx, full, &f, btf, l->syms);
	if (n < 0) {
		err = n;
		goto out;
	}
	for (size_t i = 0; i < f.nrecovered; i++)
		pr_debug(ctx, "live: recovered %s at 0x%" PRIx64 " (%s)", f.recovered[i].name,
			 f.recovered[i].link, f.recovered[i].how);
	pr_info(ctx, "live: %d data symbols recovered through %s (%" PRIu64 " bytes of kernel "
		"image scanned)", n, path, ic_image__bytes(win));
	/* Readings that disagree were left out of l->syms; as in IMAGE mode the profile is then
	 * refused unless the caller accepts a partial one (the rest are in l->syms). */
	if (f.recover_doubt[0]) {
		pr_warn(ctx, "%s: recovered symbols in doubt: %s", path, f.recover_doubt);
		err = -IC_EAMBIGUOUS;
	}
out:
	ic_btf__free(btf);
	ic_findings__release(&f);
	ic_image__free(win);
	ic_image__free(full);
	return err ? err : n;
}
