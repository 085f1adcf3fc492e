/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bindgen's input for the module-local bindings: the kernel APIs the 6.12
 * `kernel` crate does not bind, and lattop's UAPI header. Kbuild runs bindgen
 * over this file with the kernel's own flags, generating only what the headers
 * in its lattop_bindgen_headers declare; every other type resolves to
 * `kernel::bindings`, so both crates agree on `struct file`, `struct inode`...
 *
 * Static inlines and macros bindgen cannot bind are forwarded by
 * src/helpers.c, one line each, declared at the end of this file.
 */
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>

#include "uapi/linux/lattop.h"

/* Forwarded by src/helpers.c; Rust calls each without the prefix. */
void *lattop_helper_pde_data(const struct inode *inode);
void lattop_helper_raw_spin_lock_init(raw_spinlock_t *lock, const char *name,
				      struct lock_class_key *key);
unsigned long lattop_helper_raw_spin_lock_irqsave(raw_spinlock_t *lock);
void lattop_helper_raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long flags);
struct pt_regs *lattop_helper_task_pt_regs(struct task_struct *task);
void lattop_helper_init_irq_work(struct irq_work *work, void (*func)(struct irq_work *));
/*
 * task_struct fields, read in C: bindgen's layout of task_struct diverges
 * from GCC's on our debug kernel (pid at offset 1104 in Rust, 1120 in C),
 * so Rust never reads its fields itself.
 */
pid_t lattop_helper_task_tid(const struct task_struct *task);
pid_t lattop_helper_task_tgid(const struct task_struct *task);
u64 lattop_helper_task_start_time(const struct task_struct *task);
unsigned int lattop_helper_task_flags(const struct task_struct *task);
unsigned int lattop_helper_task_state(const struct task_struct *task);
void lattop_helper_task_comm(const struct task_struct *task, char *comm);
bool lattop_helper_raw_spin_trylock_irqsave(raw_spinlock_t *lock, unsigned long *flags);

void *lattop_helper_file_private(const struct file *file);
void lattop_helper_file_set_private(struct file *file, void *data);

/* Constants bindgen cannot evaluate from their macros. */
#ifdef __BINDGEN__
const size_t LATTOP_CONST_KSYM_SYMBOL_LEN = KSYM_SYMBOL_LEN;
#endif
