/* SPDX-License-Identifier: MIT */
/* A kernel-like C unit whose DWARF tests --dwarf (tests/scripts/test_dwarf.py). */
/*
 * Compiled with gcc -g at test time, its
 * DWARF goes through isfcarve --dwarf, and the layouts in the ISF are checked against what the
 * compiler itself says (this file built again with -DIC_LAYOUT: offsetof/sizeof, bit-field
 * positions found by setting the field). Declares what kernel headers do: structs, unions,
 * enums (negative, 64-bit), bit-fields, anonymous struct/union members, typedefs over named and
 * anonymous structs, multi-dimensional and flexible arrays, function pointers, and globals such
 * as init_task and linux_banner.
 */
#include <stddef.h>

typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long s64;

struct list_head {
	struct list_head *next, *prev;
};

typedef struct {
	int counter;
} atomic_t;

/* typedef over a NAMED struct: dwarf2json names the use site by the typedef */
typedef struct kernel_cap_struct {
	u32 cap[2];
} kernel_cap_t;

enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_PGID, PIDTYPE_SID, PIDTYPE_MAX };
enum neg_enum { NEG_A = -2, NEG_B = 5 };
enum big_enum { BIG_A = 1, BIG_B = 0x1000000000ull };

struct cred {
	atomic_t usage;
	kernel_cap_t cap_effective;
	unsigned securebits : 3;
	unsigned keep : 1, drop : 12;
	u64 wide : 40;
	enum pid_type pt : 4;
};

struct mm_struct {
	struct {
		unsigned long mmap_base;
		union {
			unsigned long task_size;
			void *task_size_ptr;
		};
	};
	int map_count;
	unsigned long saved_auxv[2][23];
	void (*get_unmapped)(struct mm_struct *mm, unsigned long addr, ...);
	long (*ops[3])(int);
};

struct files_struct {
	atomic_t count;
	int fd_array[0];
};

struct task_struct {
	volatile long state;
	void *stack;
	unsigned int flags;
	struct list_head tasks;
	struct mm_struct *mm, *active_mm;
	const struct cred *cred;
	char comm[16];
	int pid;
	int tgid;
	union {
		struct list_head rcu_node;
		unsigned long rcu_users;
	};
	struct task_struct *parent;
	enum pid_type kind;
	enum neg_enum neg;
	enum big_enum big;
	s64 utime;
	struct files_struct *files;
	_Bool on_cpu;
	float weight;
	double ratio;
	const volatile u64 *restrict vptr;
};

struct tk_data {
	unsigned int seq;
	struct {
		u64 xtime_sec;
		int shift;
	} timekeeper;
};

/* the same name as a struct in kernel_like2.c with another body (a same-name collision) */
struct irq_info {
	int irq;
	long data;
};

/* the test builds it again with an image's banner, to be "that kernel" in IMAGE mode */
#ifndef IC_BANNER
#define IC_BANNER "Linux version 6.1.0-ic (gcc) #1 SMP PREEMPT_DYNAMIC\n"
#endif
const char linux_banner[] = IC_BANNER;
struct task_struct init_task;
struct mm_struct init_mm;
struct files_struct init_files;
struct tk_data tk_core;
struct irq_info irq_info_a;
struct list_head modules;
unsigned long cpu_map[4][8];
int (*notifier_call)(void *data, unsigned long action);
static struct cred root_cred __attribute__((used));
extern struct task_struct *current_task_ptr;
struct task_struct *current_task_ptr = &init_task;
unsigned long __per_cpu_offset[64];
/* Globals whose names kernel_like2.c reuses in a function (an automatic local, a static): the
 * symbol is the global, whatever DIE of the name comes last (tests/scripts/test_symdb_gen.py). */
int movable_zone;
atomic_t nr_swap_pages;

int sched_local_type(int n);
int sched_local_type(int n)
{
	/* a type defined in a function: dwarf2json lists it too */
	struct sched_local {
		int a;
		char b[3];
	} s = { n, { 0 } };
	return s.a + s.b[0];
}
