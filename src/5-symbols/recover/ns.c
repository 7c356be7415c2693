/* SPDX-License-Identifier: MIT */
/* Recovery rules for what init_task points at: the initial namespaces, init_net, pid, cred. */
#include <inttypes.h>

#include "0-base/ic_limits.h"
#include "recover_int.h"

/* ns_common.inum of the namespace object (member "ns") at va. */
static int ns_inum(const struct ic_rec *r, const char *sname, uint64_t va, uint32_t *inum)
{
	uint64_t ns, in;

	if (ic_rec_off(r->btf, sname, "ns", &ns) || ic_rec_off(r->btf, "ns_common", "inum", &in))
		return -IC_ENOTFOUND;
	return ic_rec_u32(r, va + ns + in, inum);
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

static int init_user_ns(struct ic_rec *r, uint64_t from, const char *sname, const char *what)
{
	uint64_t uns;
	uint32_t inum;

	if (!ic_rec_ptr(r, from, sname, "user_ns", &uns) ||
	    ns_inum(r, "user_namespace", uns, &inum) || inum != INIT_USER_NS_INUM)
		return 0;
	return ic_rec_add(r, "init_user_ns", uns, 'D', "%s.user_ns; image object, ns.inum "
			  "PROC_USER_INIT_INO", what);
}

/*
 * init_net: nsproxy.net_ns, an image object whose list is a consistent circular list of struct
 * nets (each user_ns a kernel pointer) that holds exactly one other image node: that node is
 * net_namespace_list (the one list_head not inside a struct net: other nets are allocated).
 */
static int init_net(struct ic_rec *r, uint64_t net)
{
	uint64_t list_off, uns_off, head = 0, node, next, back, uns;
	unsigned nimg = 0, n = 0;
	int err;

	if (ic_rec_off(r->btf, "net", "list", &list_off) ||
	    ic_rec_off(r->btf, "net", "user_ns", &uns_off))
		return 0;
	node = net + list_off;
	do {
		if (ic_rec_u64(r, node, &next) || ic_rec_u64(r, next + 8, &back) || back != node) {
			pr_warn(r->ctx, "recover: init_net candidate 0x%" PRIx64 ": net.list not "
				"consistent at 0x%" PRIx64, net, node);
			return 0;
		}
		node = next;
		if (node == net + list_off)
			break;
		if (ic_rec_va_ok(r, node)) {
			head = node;
			nimg++;
		} else if (ic_rec_u64(r, node - list_off + uns_off, &uns) || !(uns >> 63)) {
			pr_warn(r->ctx, "recover: net.list node 0x%" PRIx64 " is no struct net", node);
			return 0;
		}
	} while (++n < IC_MAX_RECOVER_LIST);
	if (n >= IC_MAX_RECOVER_LIST || nimg != 1) {
		pr_warn(r->ctx, "recover: init_net.list: %u image nodes besides init_net (want 1)%s",
			nimg, n >= IC_MAX_RECOVER_LIST ? ", list too long" : "");
		return 0;
	}
	err = ic_rec_add(r, "init_net", net, 'D', "init_nsproxy.net_ns; image object, net.list "
			 "consistent: %u struct net + the head", n);
	if (!err)
		err = ic_rec_add(r, "net_namespace_list", head, 'D',
				 "the one image node of init_net.list "
				 "not inside a struct net (%u-node list)", n + 1);
	if (!err)
		err = init_user_ns(r, net, "net", "init_net");
	return err;
}

/* init_struct_pid: init_task.thread_pid, an image object with level 0 and numbers[0] =
 * {nr 0, ns init_pid_ns}. */
static int init_struct_pid(struct ic_rec *r, uint64_t task)
{
	uint64_t pid, pidns, nums, nr_off, ns_off, lvl_off, ns;
	uint32_t level, nr;

	if (!ic_rec_sym(r, "init_pid_ns", &pidns) ||
	    !ic_rec_ptr(r, task, "task_struct", "thread_pid", &pid) ||
	    ic_rec_off(r->btf, "pid", "numbers", &nums) ||
	    ic_rec_off(r->btf, "pid", "level", &lvl_off) ||
	    ic_rec_off(r->btf, "upid", "nr", &nr_off) || ic_rec_off(r->btf, "upid", "ns", &ns_off))
		return 0;
	if (ic_rec_u32(r, pid + lvl_off, &level) || level != 0 ||
	    ic_rec_u32(r, pid + nums + nr_off, &nr) || nr != 0 ||
	    ic_rec_u64(r, pid + nums + ns_off, &ns) || ns != pidns)
		return 0;
	return ic_rec_add(r, "init_struct_pid", pid, 'D',
			  "init_task.thread_pid; image object, level 0, "
			  "numbers[0] = {0, init_pid_ns}");
}

/* init_nsproxy = init_task.nsproxy, and from it the initial namespaces (ns_rules, init_net). */
int ic_rec_namespaces(struct ic_rec *r)
{
	uint64_t task, nsp, net, cred, real;
	unsigned good = 0;
	int err = 0;

	if (!r->btf || !ic_rec_sym(r, "init_task", &task) ||
	    !ic_rec_ptr(r, task, "task_struct", "nsproxy", &nsp))
		return 0;
	for (size_t i = 0; i < IC_ARRAY_SIZE(ns_rules) && !err; i++) {
		const struct ns_rule *nr = &ns_rules[i];
		uint64_t ns;
		uint32_t inum;

		if (!ic_rec_ptr(r, nsp, "nsproxy", nr->member, &ns) ||
		    ns_inum(r, nr->type, ns, &inum) || inum != nr->inum)
			continue;
		good++;
		err = ic_rec_add(r, nr->sym, ns, 'D', "init_nsproxy.%s; image object, ns.inum 0x%x "
				 "(the initial namespace's fixed number)", nr->member, nr->inum);
		if (!err)
			err = init_user_ns(r, ns, nr->type, nr->sym);
	}
	/* init_task.nsproxy is init_nsproxy when the namespaces it points to are the initial
	 * ones (a task that unshared would point at an allocated nsproxy). */
	if (!err && good)
		err = ic_rec_add(r, "init_nsproxy", nsp, 'D',
				 "init_task.nsproxy; image object, %u of its "
				 "namespaces carry their initial inode number", good);
	if (!err && ic_rec_ptr(r, nsp, "nsproxy", "net_ns", &net))
		err = init_net(r, net);
	if (!err)
		err = init_struct_pid(r, task);
	/* init_cred: init_task's cred and real_cred, one image object whose user_ns is
	 * init_user_ns. */
	if (!err && ic_rec_ptr(r, task, "task_struct", "cred", &cred) &&
	    ic_rec_ptr(r, task, "task_struct", "real_cred", &real) && cred == real) {
		uint64_t uns, want;

		if (ic_rec_sym(r, "init_user_ns", &want) &&
		    ic_rec_ptr(r, cred, "cred", "user_ns", &uns) && uns == want)
			err = ic_rec_add(r, "init_cred", cred, 'D',
					 "init_task.cred == .real_cred; image "
					 "object, its user_ns is init_user_ns");
	}
	return err;
}
