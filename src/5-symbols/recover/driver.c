/* SPDX-License-Identifier: MIT */
/* Recover data symbols kallsyms lacks (no CONFIG_KALLSYMS_ALL) by structure: the driver. */
#include <string.h>

#include "0-base/json.h"
#include "0-base/ic_limits.h"
#include "recover_int.h"

/*
 * Rules (docs/recovery.md): a symbol is recovered only from something that pins its runtime
 * address (VMCOREINFO, the carved banner, a structure whose fields check out), only when its
 * runtime VA walks through the kernel tables to the physical address the kernel-image mapping
 * gives (so it really is an image object), and it is converted to link time with the slide.
 */

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

/* every name a conflict can refuse has a slot in struct ic_rec.refused (+1: _stext) */
_Static_assert(IC_ARRAY_SIZE(recoverable) + 1 <= IC_RECOVERABLE_MAX, "IC_RECOVERABLE_MAX");

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
	struct ic_rec r = { .ctx = ctx, .img = img, .f = f, .k = f->kaslr, .btf = btf,
			     .syms = syms };
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
	err = ic_rec_vmcoreinfo(&r);
	if (!err)
		err = ic_rec_banner(&r);
	if (!err)
		err = ic_rec_top_table(&r);
	if (!err && btf)
		err = ic_rec_init_task(&r);
	if (!err && btf)
		err = ic_rec_namespaces(&r);
	if (!err && btf)
		err = ic_rec_page_scan(&r);
	if (!err && btf)
		err = ic_rec_ops_tables(&r);
	if (!err)
		err = ic_rec_sct_tables(&r);
	if (!err)
		err = ic_rec_mem_section(&r);
	if (!err)
		err = ic_rec_region_bases(&r);
	if (!err && btf)
		err = ic_rec_resource_roots(&r);
	if (!err && btf)
		err = ic_rec_module_kset(&r);
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
