/* SPDX-License-Identifier: MIT */
/* Second unit of the test kernel (tests/scripts/test_dwarf.py): another body of struct irq_info,
 * as the kernel has for irq_info, slot, getdents_callback ..., and a second declaration of
 * init_task's type, and a function whose local and static reuse the names of kernel_like.c's
 * globals movable_zone and nr_swap_pages (as mm/ and other kernel units do). */
struct irq_info {
	char name[32];
	int irq;
};

struct task_struct;
extern struct task_struct init_task;
struct irq_info irq_info_b;
struct task_struct *init_task_ptr = &init_task;

struct zone {
	int node;
};

long scope_shadow(struct zone *z);
long scope_shadow(struct zone *z)
{
	struct zone *movable_zone = z;  /* automatic: never a symbol */
	static long nr_swap_pages;      /* a symbol, but nr_swap_pages.N in System.map */

	nr_swap_pages += movable_zone->node;
	return nr_swap_pages;
}
