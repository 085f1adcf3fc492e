/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bindgen's input for the module-local bindings: the kernel APIs the 6.12
 * `kernel` crate does not bind, and lattop's UAPI header. Kbuild runs bindgen
 * over this file with the kernel's own flags, generating only what the headers
 * in its lattop_bindgen_headers declare; every other type resolves to
 * `kernel::bindings`, so both crates agree on `struct file`, `struct inode`...
 *
 * Static inlines and macros bindgen cannot bind are forwarded by
 * src/helpers.c, one line each, declared at the end of this file. The
 * layouts Rust relies on are checked against GCC's (src/layout.c).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/eventfd.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>
#include <linux/signal.h>
#include <linux/smp.h>
#include <linux/tracepoint.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "uapi/linux/lattop.h"

/* Forwarded by src/helpers.c; Rust calls each without the prefix. */
void *lattop_helper_pde_data(const struct inode *inode);
void lattop_helper_raw_spin_lock_init(raw_spinlock_t *lock, const char *name,
				      struct lock_class_key *key);
unsigned long lattop_helper_raw_spin_lock_irqsave(raw_spinlock_t *lock);
void lattop_helper_raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long flags);
unsigned long lattop_helper_user_word_nofault(const unsigned long __user *addr);
void lattop_helper_init_irq_work(struct irq_work *work, void (*func)(struct irq_work *));
/*
 * task_struct: bindgen's layout diverges from GCC's on our debug kernel
 * (pid at offset 1104 in Rust, 1120 in C), so Rust reads the fields the
 * hooks need at GCC's offsets (src/layout.c), and the rest through these.
 */
u64 lattop_helper_task_leader_start_time(const struct task_struct *task);
bool lattop_helper_raw_spin_trylock_irqsave(raw_spinlock_t *lock, unsigned long *flags);

/* alloc_workqueue("%s", WQ_UNBOUND, 0, name): a variadic macro. */
struct workqueue_struct *lattop_helper_alloc_unbound_workqueue(const char *name);

/* The RCU read lock, for walking processes and threads (src/sys/task.rs). */
void lattop_helper_rcu_read_lock(void);
void lattop_helper_rcu_read_unlock(void);

/* What a bulk-transfer record shows of a task (see lattop_helper_task_leader_start_time). */
unsigned int lattop_helper_task_state_index(struct task_struct *task);
/* A thread's CPU time (ns, tick-sampled), context switches and page faults. */
struct lattop_usage {
	u64 utime;
	u64 stime;
	unsigned long nvcsw;
	unsigned long nivcsw;
	unsigned long min_flt;
	unsigned long maj_flt;
};
u64 lattop_helper_task_start_boottime(const struct task_struct *task);
pid_t lattop_helper_task_parent_tgid(struct task_struct *task);
/*
 * A task's real, effective and saved ids, in the initial user namespace, and
 * whether its credentials belong to that namespace.
 */
struct lattop_ids {
	uid_t uid;
	uid_t euid;
	uid_t suid;
	gid_t gid;
	gid_t egid;
	gid_t sgid;
	bool initial_user_ns;
};
void lattop_helper_task_ids(struct task_struct *task, struct lattop_ids *ids);
const struct cred *lattop_helper_current_cred(void);
uid_t lattop_helper_uid_in_init_ns(kuid_t uid);
gid_t lattop_helper_gid_in_init_ns(kgid_t gid);
/*
 * Namespaces: the reader's (the current task's active pid namespace, its
 * credentials' user namespace), a task's numbers in a pid namespace (0 when
 * it is outside it; under rcu_read_lock()), an id of the initial user
 * namespace as another shows it (the overflow id where unmapped), counted
 * references to a pid namespace, and ptrace's capability check in the user
 * namespace of a task's credentials or of its memory.
 */
struct pid_namespace *lattop_helper_current_pid_ns(void);
struct user_namespace *lattop_helper_current_user_ns(void);
pid_t lattop_helper_task_tgid_nr_ns(struct task_struct *task, struct pid_namespace *ns);
pid_t lattop_helper_task_pid_nr_ns(struct task_struct *task, struct pid_namespace *ns);
pid_t lattop_helper_task_parent_tgid_nr_ns(struct task_struct *task, struct pid_namespace *ns);
pid_t lattop_helper_pid_nr_ns(pid_t nr, struct pid_namespace *ns);
uid_t lattop_helper_uid_in_ns(struct user_namespace *ns, uid_t uid);
gid_t lattop_helper_gid_in_ns(struct user_namespace *ns, gid_t gid);
struct pid_namespace *lattop_helper_get_pid_ns(struct pid_namespace *ns);
void lattop_helper_put_pid_ns(struct pid_namespace *ns);
bool lattop_helper_cred_ns_may_ptrace(struct task_struct *task);
bool lattop_helper_mm_ns_may_ptrace(struct task_struct *task);
/* The totals its exited threads left in the thread group's signal_struct. */
void lattop_helper_signal_usage(const struct task_struct *task, struct lattop_usage *usage);
/* What a thread record reads of a task besides its accounting. */
struct lattop_thread_reads {
	struct lattop_usage usage;
	unsigned int state_index;
	int prio;
	unsigned int policy;
};
bool lattop_helper_thread_reads(struct task_struct *task, struct lattop_thread_reads *reads,
				struct lattop_acct *acct);
/* The accounting the exited threads of a group left (see src/helpers.c). Under rcu_read_lock(). */
void lattop_helper_exited_threads_acct(struct task_struct *task, struct lattop_acct *acct);
/* Resident pages, as /proc/<pid>/status counts them (see src/helpers.c). */
struct lattop_rss {
	unsigned long file;
	unsigned long anon;
	unsigned long shmem;
};
/* A task's memory, read in one call under task_lock() (see src/helpers.c). */
struct lattop_memory {
	struct lattop_rss rss;
	unsigned long total_vm;
	int dumpable;
};
bool lattop_helper_task_memory(struct task_struct *task, struct lattop_memory *memory);
/* Under rcu_read_lock(). */
unsigned int lattop_helper_task_open_fds(struct task_struct *task);
/* Both, under one task_lock(); under rcu_read_lock(). */
bool lattop_helper_task_memory_fds(struct task_struct *task, struct lattop_memory *memory,
				   unsigned int *fds);
/* Resident pages only (and descriptors unless NULL), for the evaluator. */
bool lattop_helper_task_rss_fds(struct task_struct *task, struct lattop_rss *rss,
				unsigned int *fds);
unsigned int lattop_helper_file_mode(const struct file *file);

void *lattop_helper_file_private(const struct file *file);
void lattop_helper_file_set_private(struct file *file, void *data);
unsigned int lattop_helper_file_flags(const struct file *file);
struct inode *lattop_helper_file_inode(const struct file *file);

/* Wait queues, poll, periodic work and signals, for the notifier. */
void lattop_helper_wake_up_poll(struct wait_queue_head *head, unsigned int mask);
void lattop_helper_wake_up_pollfree(struct wait_queue_head *head);
void lattop_helper_poll_wait(struct file *file, struct wait_queue_head *head,
			     struct poll_table_struct *table);
struct pid *lattop_helper_current_tgid_pid_get(void);
void lattop_helper_siginfo_queued(struct kernel_siginfo *info, int signal, int value);

/* The scheduler's tracepoints, and the CPU a probe runs on. */
void lattop_helper_tracepoint_synchronize_unregister(void);
unsigned int lattop_helper_this_cpu(void);
unsigned int lattop_helper_nr_cpu_ids(void);

/* Dumpable by its owner: SUID_DUMP_USER up to 6.x, TASK_DUMPABLE_OWNER in 7.x. */
#if __has_include(<linux/sched/exec_state.h>)
#include <linux/sched/exec_state.h>
#define LATTOP_DUMP_USER TASK_DUMPABLE_OWNER
#else
#define LATTOP_DUMP_USER SUID_DUMP_USER
#endif

/* Constants bindgen cannot evaluate from their macros. */
#ifdef __BINDGEN__
const size_t LATTOP_CONST_KSYM_SYMBOL_LEN = KSYM_SYMBOL_LEN;
const size_t LATTOP_CONST_PAGE_SIZE = PAGE_SIZE;
const int LATTOP_CONST_CAP_SYS_PTRACE = CAP_SYS_PTRACE;
const int LATTOP_CONST_SUID_DUMP_USER = LATTOP_DUMP_USER;
const unsigned int LATTOP_CONST_FMODE_WRITE = (__force unsigned int)FMODE_WRITE;
const unsigned int LATTOP_CONST_O_NONBLOCK = O_NONBLOCK;
const unsigned int LATTOP_CONST_POLLIN = (__force unsigned int)EPOLLIN;
const unsigned int LATTOP_CONST_POLLPRI = (__force unsigned int)EPOLLPRI;
const unsigned int LATTOP_CONST_POLLERR = (__force unsigned int)EPOLLERR;
const unsigned int LATTOP_CONST_POLLHUP = (__force unsigned int)EPOLLHUP;
#endif
/*
 * Struct layouts are not checked here: an offsetof() evaluated by bindgen's
 * clang agrees with bindgen's layout by construction. src/layout.c has GCC
 * compute them instead.
 */

/* A sleeper's address space, to name its user frames' files (src/sys/mm.rs). */
struct mm_struct *lattop_helper_task_mm_get(struct task_struct *task);
void lattop_helper_mmap_read_lock(struct mm_struct *mm);
void lattop_helper_mmap_read_unlock(struct mm_struct *mm);
struct file *lattop_helper_mapped_file(struct mm_struct *mm, unsigned long addr, u64 *offset);
void lattop_helper_file_identity(const struct file *file, u32 *dev, u64 *ino);
char *lattop_helper_file_d_path(const struct file *file, char *buf, int len);
