/* SPDX-License-Identifier: MIT */
/* Recovery rules for the memory-model variables: mem_section, the x86-64 region bases. */
#include <inttypes.h>

#include "isfcarve/vmcoreinfo.h"
#include "0-base/ic_limits.h"
#include "recover_int.h"

/* mem_section: VMCOREINFO gives its value. SPARSEMEM_EXTREME (a pointer to the allocated root
 * array): the one image word holding that value is the variable; else it is the array. */
int ic_rec_mem_section(struct ic_rec *r)
{
	uint64_t v, hits[IC_MAX_RECOVER_HITS];
	unsigned n = 0;
	int err;

	if (ic_rec_have(r, "mem_section") || !r->f->vmcoreinfo ||
	    ic_vmcoreinfo__u64(r->f->vmcoreinfo, "SYMBOL(mem_section)", &v) || !v)
		return 0;
	if (ic_rec_va_ok(r, v))
		return ic_rec_add(r, "mem_section", v, 'B',
				  "VMCOREINFO SYMBOL(mem_section), an image "
				  "object (static array)");
	err = ic_rec_scan_u64(r, v, hits, IC_MAX_RECOVER_HITS, &n);
	if (err || n != 1) {
		if (!err)
			pr_warn(r->ctx, "recover: mem_section: %u image words hold VMCOREINFO's "
				"value 0x%" PRIx64, n, v);
		return err;
	}
	return ic_rec_add(r, "mem_section", hits[0] + r->delta, 'B', "the one image word holding "
			  "VMCOREINFO SYMBOL(mem_section) 0x%" PRIx64 " (SPARSEMEM_EXTREME root)",
			  v);
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

static bool direct_map_base(const struct ic_rec *r, uint64_t *base)
{
	uint64_t task, off, va = 0, pa, ms;

	if (ic_rec_sym(r, "init_task", &task) &&
	    !ic_rec_off(r->btf, "task_struct", "tasks", &off) &&
	    !ic_rec_u64(r, task + off, &va) && !ic_rec_va_ok(r, va) && (va >> 63)) {
		/* va is the next task's list node, in the direct map */
	} else if (r->f->vmcoreinfo &&
		   !ic_vmcoreinfo__u64(r->f->vmcoreinfo, "SYMBOL(mem_section)", &ms) &&
		   (ms >> 63) && !ic_rec_va_ok(r, ms)) {
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

static bool vmemmap_value(const struct ic_rec *r, uint64_t *m)
{
	const struct ic_vmcoreinfo *vi = r->f->vmcoreinfo;
	uint64_t ms, sec, smm, off;

	if (!vi)
		return false;
	if (!ic_vmcoreinfo__u64(vi, "SYMBOL(vmemmap)", m))
		return (*m >> 63) && !(*m % REGION_ALIGN);
	if (ic_vmcoreinfo__u64(vi, "SYMBOL(mem_section)", &ms) || !(ms >> 63) ||
	    ic_rec_off(r->btf, "mem_section", "section_mem_map", &off))
		return false;
	/* SPARSEMEM_EXTREME: ms is the root array of section-array pointers; else the array */
	if (ic_rec_va_ok(r, ms))
		sec = ms;
	else if (ic_rec_u64(r, ms, &sec) || !(sec >> 63))
		return false;
	if (ic_rec_u64(r, sec + off, &smm) || !(smm >> 63))
		return false;
	*m = smm & ~(REGION_ALIGN - 1);
	/* section 0's encoded map is vmemmap itself plus a few flag bits */
	return smm - *m < IC_RECOVER_PAGE;
}

int ic_rec_region_bases(struct ic_rec *r)
{
	uint64_t p, m, hits[IC_MAX_RECOVER_HITS], found = 0;
	unsigned n = 0, good = 0;
	int err;

	if (r->k->arch || !r->k->levels || !r->btf ||
	    (ic_rec_have(r, "page_offset_base") && ic_rec_have(r, "vmalloc_base") &&
	     ic_rec_have(r, "vmemmap_base")))
		return 0;
	if (!direct_map_base(r, &p) || !vmemmap_value(r, &m) || m <= p) {
		pr_info(r->ctx, "recover: page_offset_base/vmemmap_base: values not known");
		return 0;
	}
	err = ic_rec_scan_u64(r, p, hits, IC_MAX_RECOVER_HITS, &n);
	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		uint64_t va = hits[i] + r->delta, w0, w1;

		if (ic_rec_u64(r, va - 16, &w0) || w0 != m || ic_rec_u64(r, va - 8, &w1) ||
		    w1 % REGION_ALIGN || w1 <= p || w1 >= m || !ic_rec_va_ok(r, va - 16))
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
	err = ic_rec_add(r, "vmemmap_base", found - 16, 'D',
			 "the one image triple (vmemmap 0x%" PRIx64
			 ", vmalloc, direct map 0x%" PRIx64 ") of region bases", m, p);
	if (!err)
		err = ic_rec_add(r, "vmalloc_base", found - 8, 'D', "between vmemmap_base and "
				 "page_offset_base: 1 GiB aligned, between their values");
	if (!err)
		err = ic_rec_add(r, "page_offset_base", found, 'D',
				 "the one image triple (vmemmap, "
				 "vmalloc, direct map 0x%" PRIx64 ") of region bases", p);
	return err;
}
