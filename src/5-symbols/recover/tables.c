/* SPDX-License-Identifier: MIT */
/* Recovery rules for function-pointer tables: ops structs, sched classes, syscall tables. */
#include "0-base/ic_limits.h"
#include "recover_int.h"

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

static int ops_table(struct ic_rec *r, const struct ops_rule *o)
{
	uint64_t off[4], fn[4], hits[IC_MAX_RECOVER_HITS], found = 0;
	unsigned n = 0, good = 0, nm = 0;
	int err;

	if (ic_rec_have(r, o->sym))
		return 0;
	for (nm = 0; nm < IC_ARRAY_SIZE(o->member) && o->member[nm]; nm++)
		if (ic_rec_off(r->btf, o->type, o->member[nm], &off[nm]) ||
		    !ic_rec_sym(r, o->func[nm], &fn[nm]))
			return 0;
	err = ic_rec_scan_u64(r, fn[0], hits, IC_MAX_RECOVER_HITS, &n);
	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		uint64_t va = hits[i] + r->delta - off[0], v;
		unsigned m;

		if (hits[i] < off[0] || !ic_rec_va_ok(r, va))
			continue;
		for (m = 1; m < nm; m++)
			if (ic_rec_u64(r, va + off[m], &v) || v != fn[m])
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
	return ic_rec_add(r, o->sym, found, 'd',
			  "the one image struct %s whose %s is %s%s", o->type,
			  o->member[0], o->func[0], nm > 1 ? " (and the rest of its members)" : "");
}

int ic_rec_ops_tables(struct ic_rec *r)
{
	int err = 0;

	for (size_t i = 0; !err && i < IC_ARRAY_SIZE(ops_rules); i++)
		err = ops_table(r, &ops_rules[i]);
	return err;
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

static int sct_table(struct ic_rec *r, const struct sct_rule *t)
{
	uint64_t fn[4], hits[IC_MAX_RECOVER_HITS], found = 0;
	unsigned n = 0, good = 0;
	bool old = false;
	int err;

	if (ic_rec_have(r, t->sym) || t->arm64 != (r->k->arch != NULL))
		return 0;
	for (unsigned i = 0; i < 4; i++)
		if (!ic_rec_sym(r, t->func[i], &fn[i]))
			old = true;
	for (unsigned i = 0; old && i < 4; i++)
		if (!t->old[i] || !ic_rec_sym(r, t->old[i], &fn[i]))
			return 0;
	err = ic_rec_scan_u64(r, fn[0], hits, IC_MAX_RECOVER_HITS, &n);
	if (err)
		return err;
	for (unsigned h = 0; h < n; h++) {
		uint64_t va = hits[h] + r->delta - 8ull * t->idx[0], v;
		unsigned i;

		if (hits[h] < 8ull * t->idx[0] || !ic_rec_va_ok(r, va))
			continue;
		for (i = 1; i < 4; i++)
			if (ic_rec_u64(r, va + 8ull * t->idx[i], &v) || v != fn[i])
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
	return ic_rec_add(r, t->sym, found, 'D',
			  "the one image array whose entries %u, %u, %u, %u are "
			  "%s, %s, %s, %s", t->idx[0], t->idx[1], t->idx[2], t->idx[3],
			  old ? t->old[0] : t->func[0], old ? t->old[1] : t->func[1],
			  old ? t->old[2] : t->func[2], old ? t->old[3] : t->func[3]);
}

int ic_rec_sct_tables(struct ic_rec *r)
{
	int err = 0;

	for (size_t i = 0; !err && i < IC_ARRAY_SIZE(sct_rules); i++)
		err = sct_table(r, &sct_rules[i]);
	return err;
}
