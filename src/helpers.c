// SPDX-License-Identifier: GPL-2.0
/*
 * Forwards the static inlines and macros bindgen cannot bind, one line each,
 * as the kernel's rust/helpers/ do. Declared in include/lattop_bindings.h;
 * the generated bindings name each one without its lattop_helper_ prefix.
 * Nothing else belongs here: lattop's logic is in Rust.
 */
#include "lattop_bindings.h"

void *lattop_helper_pde_data(const struct inode *inode) { return pde_data(inode); }

void lattop_helper_raw_spin_lock_init(raw_spinlock_t *lock, const char *name,
				      struct lock_class_key *key)
{
#ifdef CONFIG_DEBUG_SPINLOCK
	__raw_spin_lock_init(lock, name, key, LD_WAIT_SPIN);
#else
	raw_spin_lock_init(lock);
#endif
}

unsigned long lattop_helper_raw_spin_lock_irqsave(raw_spinlock_t *lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(lock, flags);
	return flags;
}

void lattop_helper_raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long flags)
{
	raw_spin_unlock_irqrestore(lock, flags);
}

struct pt_regs *lattop_helper_task_pt_regs(struct task_struct *task) { return task_pt_regs(task); }

void lattop_helper_init_irq_work(struct irq_work *work, void (*func)(struct irq_work *))
{
	init_irq_work(work, func);
}

pid_t lattop_helper_task_tid(const struct task_struct *task) { return task->pid; }
pid_t lattop_helper_task_tgid(const struct task_struct *task) { return task->tgid; }
u64 lattop_helper_task_start_time(const struct task_struct *task) { return task->start_time; }
unsigned int lattop_helper_task_flags(const struct task_struct *task) { return READ_ONCE(task->flags); }
unsigned int lattop_helper_task_state(const struct task_struct *task) { return READ_ONCE(task->__state); }
/* Racy like perf's: a concurrent prctl(PR_SET_NAME) can mix two names. */
void lattop_helper_task_comm(const struct task_struct *task, char *comm) { memcpy(comm, task->comm, TASK_COMM_LEN); }

bool lattop_helper_raw_spin_trylock_irqsave(raw_spinlock_t *lock, unsigned long *flags)
{
	return raw_spin_trylock_irqsave(lock, *flags);
}

/* struct file's layout is the kernel's business: reach private_data in C. */
void *lattop_helper_file_private(const struct file *file) { return file->private_data; }
void lattop_helper_file_set_private(struct file *file, void *data) { file->private_data = data; }
