/* SPDX-License-Identifier: MIT */
/* Second unit of the test kernel (tests/scripts/test_dwarf.py): another body of struct irq_info,
 * as the kernel has for irq_info, slot, getdents_callback ..., and a second declaration of
 * init_task's type. */
struct irq_info {
	char name[32];
	int irq;
};

struct task_struct;
extern struct task_struct init_task;
struct irq_info irq_info_b;
struct task_struct *init_task_ptr = &init_task;
