// SPDX-License-Identifier: GPL-2.0
/*
 * Forwards the static inlines and macros bindgen cannot bind, one line each,
 * as the kernel's rust/helpers/ do. Declared in include/lattop_bindings.h;
 * the generated bindings name each one without its lattop_helper_ prefix.
 * Nothing else belongs here: lattop's logic is in Rust.
 */
#include "lattop_bindings.h"

#include <linux/delayacct.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/taskstats.h>
#include <linux/uaccess.h>

/*
 * Where a process's dumpability and the user namespace it was exec'd in
 * live: in its mm up to 6.x; in the task's exec state from 7.x (whose
 * getter is not exported). Under task_lock(task), with `mm` its mm.
 */
#if __has_include(<linux/sched/exec_state.h>)
#include <linux/sched/exec_state.h>
static inline int lattop_dumpable(struct task_struct *task, struct mm_struct *mm)
{
	int dumpable;

	rcu_read_lock();
	dumpable = READ_ONCE(rcu_dereference(task->exec_state)->dumpable);
	rcu_read_unlock();
	return dumpable;
}
static inline bool lattop_exec_ns_capable(struct task_struct *task, struct mm_struct *mm, int cap)
{
	bool capable;

	rcu_read_lock();
	capable = ns_capable_noaudit(rcu_dereference(task->exec_state)->user_ns, cap);
	rcu_read_unlock();
	return capable;
}
#else
static inline int lattop_dumpable(struct task_struct *task, struct mm_struct *mm)
{
	return get_dumpable(mm);
}
static inline bool lattop_exec_ns_capable(struct task_struct *task, struct mm_struct *mm, int cap)
{
	return ns_capable_noaudit(mm->user_ns, cap);
}
#endif

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

void lattop_helper_init_irq_work(struct irq_work *work, void (*func)(struct irq_work *))
{
	init_irq_work(work, func);
}

/*
 * The leader outlives the call: probes run with interrupts off (an RCU
 * read-side section), and a leader replaced by exec is freed after a grace
 * period.
 */
u64 lattop_helper_task_leader_start_time(const struct task_struct *task)
{
	return READ_ONCE(task->group_leader)->start_time;
}

bool lattop_helper_raw_spin_trylock_irqsave(raw_spinlock_t *lock, unsigned long *flags)
{
	return raw_spin_trylock_irqsave(lock, *flags);
}

/* struct file's layout is the kernel's business: reach private_data in C. */
void *lattop_helper_file_private(const struct file *file) { return file->private_data; }
void lattop_helper_file_set_private(struct file *file, void *data) { file->private_data = data; }

struct workqueue_struct *lattop_helper_alloc_unbound_workqueue(const char *name)
{
	return alloc_workqueue("%s", WQ_UNBOUND, 0, name);
}

void lattop_helper_rcu_read_lock(void) { rcu_read_lock(); }
void lattop_helper_rcu_read_unlock(void) { rcu_read_unlock(); }

unsigned int lattop_helper_task_state_index(struct task_struct *task) { return task_state_index(task); }
/*
 * One call a thread (and one a process, below) for what the bulk records
 * show of each: a call per field cost more than the reads, 5,000 processes
 * a read. task_struct and signal_struct name the six counters alike.
 */
#define LATTOP_READ_USAGE(usage, from)				\
	do {							\
		(usage)->utime = READ_ONCE((from)->utime);	\
		(usage)->stime = READ_ONCE((from)->stime);	\
		(usage)->nvcsw = READ_ONCE((from)->nvcsw);	\
		(usage)->nivcsw = READ_ONCE((from)->nivcsw);	\
		(usage)->min_flt = READ_ONCE((from)->min_flt);	\
		(usage)->maj_flt = READ_ONCE((from)->maj_flt);	\
	} while (0)

u64 lattop_helper_task_start_boottime(const struct task_struct *task) { return task->start_boottime; }
pid_t lattop_helper_task_parent_tgid(struct task_struct *task) { return rcu_dereference(task->real_parent)->tgid; }
/*
 * from_kuid_munged(&init_user_ns, id), without the call: the initial user
 * namespace maps every valid id to itself. With CONFIG_USER_NS the call
 * searches the namespace's extents, and six of them a process cost about 200
 * instructions of the bulk read.
 */
#define LATTOP_UID_IN_INIT_NS(id) (uid_valid(id) ? __kuid_val(id) : overflowuid)
#define LATTOP_GID_IN_INIT_NS(id) (gid_valid(id) ? __kgid_val(id) : overflowgid)

/* Under rcu_read_lock(), which keeps the credentials alive. */
void lattop_helper_task_ids(struct task_struct *task, struct lattop_ids *ids)
{
	const struct cred *cred = __task_cred(task);

	ids->uid = LATTOP_UID_IN_INIT_NS(cred->uid);
	ids->euid = LATTOP_UID_IN_INIT_NS(cred->euid);
	ids->suid = LATTOP_UID_IN_INIT_NS(cred->suid);
	ids->gid = LATTOP_GID_IN_INIT_NS(cred->gid);
	ids->egid = LATTOP_GID_IN_INIT_NS(cred->egid);
	ids->sgid = LATTOP_GID_IN_INIT_NS(cred->sgid);
	ids->initial_user_ns = cred->user_ns == &init_user_ns;
}
const struct cred *lattop_helper_current_cred(void) { return current_cred(); }
/* For the opener's fsuid and fsgid, as LATTOP_UID_IN_INIT_NS() reads a task's. */
uid_t lattop_helper_uid_in_init_ns(kuid_t uid) { return LATTOP_UID_IN_INIT_NS(uid); }
gid_t lattop_helper_gid_in_init_ns(kgid_t gid) { return LATTOP_GID_IN_INIT_NS(gid); }

struct pid_namespace *lattop_helper_current_pid_ns(void) { return task_active_pid_ns(current); }
struct user_namespace *lattop_helper_current_user_ns(void) { return current_user_ns(); }
pid_t lattop_helper_task_tgid_nr_ns(struct task_struct *task, struct pid_namespace *ns)
{
	return task_tgid_nr_ns(task, ns);
}
pid_t lattop_helper_task_pid_nr_ns(struct task_struct *task, struct pid_namespace *ns)
{
	return task_pid_nr_ns(task, ns);
}
pid_t lattop_helper_task_parent_tgid_nr_ns(struct task_struct *task, struct pid_namespace *ns)
{
	return task_tgid_nr_ns(rcu_dereference(task->real_parent), ns);
}
/* Under rcu_read_lock(): nr is a number of the initial pid namespace. */
pid_t lattop_helper_pid_nr_ns(pid_t nr, struct pid_namespace *ns)
{
	return pid_nr_ns(find_pid_ns(nr, &init_pid_ns), ns);
}
uid_t lattop_helper_uid_in_ns(struct user_namespace *ns, uid_t uid)
{
	return from_kuid_munged(ns, KUIDT_INIT(uid));
}
gid_t lattop_helper_gid_in_ns(struct user_namespace *ns, gid_t gid)
{
	return from_kgid_munged(ns, KGIDT_INIT(gid));
}
/* Inline, or a no-op without CONFIG_PID_NS. */
struct pid_namespace *lattop_helper_get_pid_ns(struct pid_namespace *ns) { return get_pid_ns(ns); }
void lattop_helper_put_pid_ns(struct pid_namespace *ns) { put_pid_ns(ns); }
/* Under rcu_read_lock(), which keeps the credentials alive. */
bool lattop_helper_cred_ns_may_ptrace(struct task_struct *task)
{
	return ns_capable_noaudit(__task_cred(task)->user_ns, CAP_SYS_PTRACE);
}
/* Under task_lock(), which keeps exit_mm() from releasing the memory. */
bool lattop_helper_mm_ns_may_ptrace(struct task_struct *task)
{
	bool capable;

	task_lock(task);
	capable = task->mm && lattop_exec_ns_capable(task, task->mm, CAP_SYS_PTRACE);
	task_unlock(task);
	return capable;
}

void lattop_helper_signal_usage(const struct task_struct *task, struct lattop_usage *usage)
{
	LATTOP_READ_USAGE(usage, task->signal);
}

/* The groups of struct lattop_acct this kernel was built with (delays aside). */
#define LATTOP_ACCT_BUILT						\
	((IS_ENABLED(CONFIG_SCHED_INFO) ? LATTOP_ACCT_CPU_DELAY : 0) |	\
	 (IS_ENABLED(CONFIG_TASK_IO_ACCOUNTING) ? LATTOP_ACCT_IO_STORAGE : 0) | \
	 (IS_ENABLED(CONFIG_TASK_XACCT) ? LATTOP_ACCT_IO_CALLS : 0))

/*
 * The accounting helpers write every byte of the struct lattop_acct they are
 * handed (Rust hands them the room of a record being written, not zeroed):
 * each figure, or 0 where this kernel or task has none.
 */
static __always_inline void lattop_set_delay(struct lattop_delay *delay, u64 count, u64 total_ns)
{
	delay->count = count;
	delay->total_ns = total_ns;
}

/* All but cpu: those delay accounting keeps. */
static __always_inline void lattop_zero_delays(struct lattop_acct *acct)
{
	lattop_set_delay(&acct->blkio, 0, 0);
	lattop_set_delay(&acct->swapin, 0, 0);
	lattop_set_delay(&acct->freepages, 0, 0);
	lattop_set_delay(&acct->thrashing, 0, 0);
	lattop_set_delay(&acct->compact, 0, 0);
	lattop_set_delay(&acct->wpcopy, 0, 0);
	lattop_set_delay(&acct->irq, 0, 0);
}

/* task_struct and signal_struct keep their I/O accounting alike. */
static __always_inline void lattop_read_io(struct lattop_acct *acct,
					   const struct task_io_accounting *ioac)
{
#ifdef CONFIG_TASK_XACCT
	acct->rchar = READ_ONCE(ioac->rchar);
	acct->wchar = READ_ONCE(ioac->wchar);
	acct->syscr = READ_ONCE(ioac->syscr);
	acct->syscw = READ_ONCE(ioac->syscw);
#else
	acct->rchar = acct->wchar = acct->syscr = acct->syscw = 0;
#endif
#ifdef CONFIG_TASK_IO_ACCOUNTING
	acct->read_bytes = READ_ONCE(ioac->read_bytes);
	acct->write_bytes = READ_ONCE(ioac->write_bytes);
	acct->cancelled_write_bytes = READ_ONCE(ioac->cancelled_write_bytes);
#else
	acct->read_bytes = acct->write_bytes = acct->cancelled_write_bytes = 0;
#endif
}

/*
 * A thread's accounting, as taskstats' per-pid reply has it (its
 * delayacct_add_tsk(): sched_info read as is, the delays under their lock)
 * and /proc/<pid>/task/<tid>/io (read as is). Under rcu_read_lock(), which
 * keeps the task, and so its delays, from being freed. Returns whether it
 * is live (no exit_state): a zombie's delays are in its group's already.
 */
static __always_inline bool lattop_task_acct(struct task_struct *task, struct lattop_acct *acct)
{
	u32 groups = LATTOP_ACCT_BUILT;
#ifdef CONFIG_TASK_DELAY_ACCT
	struct task_delay_info *delays = task->delays;
	unsigned long flags;
#endif

	acct->pad = 0;
#ifdef CONFIG_SCHED_INFO
	lattop_set_delay(&acct->cpu, READ_ONCE(task->sched_info.pcount),
			 READ_ONCE(task->sched_info.run_delay));
#else
	lattop_set_delay(&acct->cpu, 0, 0);
#endif
#ifdef CONFIG_TASK_DELAY_ACCT
	if (delays) {
		groups |= LATTOP_ACCT_DELAYS;
		raw_spin_lock_irqsave(&delays->lock, flags);
		lattop_set_delay(&acct->blkio, delays->blkio_count, delays->blkio_delay);
		lattop_set_delay(&acct->swapin, delays->swapin_count, delays->swapin_delay);
		lattop_set_delay(&acct->freepages, delays->freepages_count, delays->freepages_delay);
		lattop_set_delay(&acct->thrashing, delays->thrashing_count, delays->thrashing_delay);
		lattop_set_delay(&acct->compact, delays->compact_count, delays->compact_delay);
		lattop_set_delay(&acct->wpcopy, delays->wpcopy_count, delays->wpcopy_delay);
		lattop_set_delay(&acct->irq, delays->irq_count, delays->irq_delay);
		raw_spin_unlock_irqrestore(&delays->lock, flags);
	} else {
		lattop_zero_delays(acct);
	}
#else
	lattop_zero_delays(acct);
#endif
	lattop_read_io(acct, &task->ioac);
	acct->groups = groups;
	return !READ_ONCE(task->exit_state);
}

/*
 * All a thread record reads of the task, in one call: its usage, state,
 * priority and policy into `reads`, its accounting into `acct` (every byte,
 * as lattop_task_acct()). A call each cost more than the reads.
 */
bool lattop_helper_thread_reads(struct task_struct *task, struct lattop_thread_reads *reads,
				struct lattop_acct *acct)
{
	LATTOP_READ_USAGE(&reads->usage, task);
	reads->state_index = task_state_index(task);
	reads->prio = task->prio - MAX_RT_PRIO;
	reads->policy = task->policy;
	return lattop_task_acct(task, acct);
}

#ifdef CONFIG_TASKSTATS
/*
 * lock_task_sighand(), whose out-of-line part is not exported: the task's
 * sighand_struct, locked, or NULL once the task is released. Under
 * rcu_read_lock(): a sighand_struct is SLAB_TYPESAFE_BY_RCU, its siglock
 * always initialised, so one freed under us is locked harmlessly and found
 * to be no longer the task's.
 */
static struct sighand_struct *lattop_lock_sighand(struct task_struct *task,
						  unsigned long *flags)
{
	struct sighand_struct *sighand;

	for (;;) {
		sighand = rcu_dereference(task->sighand);
		if (!sighand)
			return NULL;
		spin_lock_irqsave(&sighand->siglock, *flags);
		if (likely(sighand == rcu_access_pointer(task->sighand)))
			return sighand;
		spin_unlock_irqrestore(&sighand->siglock, *flags);
	}
}
#endif

/*
 * What the exited threads of the task's group left: their delays, which
 * taskstats adds to signal->stats under the siglock as each exits (the
 * stats exist once a thread of a group of several has exited, so most
 * processes cost no lock here), read under it as its per-tgid reply does;
 * their I/O, which __exit_signal() adds to signal->ioac, read under
 * stats_lock as /proc/<pid>/io does. Under rcu_read_lock().
 */
void lattop_helper_exited_threads_acct(struct task_struct *task, struct lattop_acct *acct)
{
	struct signal_struct *sig = task->signal;
	bool read = false;
	unsigned int seq;
#ifdef CONFIG_TASKSTATS
	struct sighand_struct *sighand;
	unsigned long flags;

	/* Pairs with taskstats_tgid_alloc()'s smp_store_release(). */
	if (smp_load_acquire(&sig->stats)) {
		sighand = lattop_lock_sighand(task, &flags);
		if (sighand) {
			const struct taskstats *stats = sig->stats;

			lattop_set_delay(&acct->cpu, stats->cpu_count, stats->cpu_delay_total);
			lattop_set_delay(&acct->blkio, stats->blkio_count, stats->blkio_delay_total);
			lattop_set_delay(&acct->swapin, stats->swapin_count, stats->swapin_delay_total);
			lattop_set_delay(&acct->freepages, stats->freepages_count,
					 stats->freepages_delay_total);
			lattop_set_delay(&acct->thrashing, stats->thrashing_count,
					 stats->thrashing_delay_total);
			lattop_set_delay(&acct->compact, stats->compact_count, stats->compact_delay_total);
			lattop_set_delay(&acct->wpcopy, stats->wpcopy_count, stats->wpcopy_delay_total);
			lattop_set_delay(&acct->irq, stats->irq_count, stats->irq_delay_total);
			spin_unlock_irqrestore(&sighand->siglock, flags);
			read = true;
		}
	}
#endif
	if (!read) {
		lattop_set_delay(&acct->cpu, 0, 0);
		lattop_zero_delays(acct);
	}
	acct->groups = LATTOP_ACCT_BUILT;
	acct->pad = 0;
	do {
		seq = read_seqbegin(&sig->stats_lock);
		lattop_read_io(acct, &sig->ioac);
	} while (read_seqretry(&sig->stats_lock, seq));
}

/*
 * The three counters /proc/<pid>/status sums with get_mm_counter_sum(), summed
 * the same way (the total, plus each CPU's part not yet folded into it) but in
 * one pass over the CPUs, and without the lock percpu_counter_sum() takes, with
 * interrupts off, for each: three lock round trips and three passes per
 * process were half the evaluator's cost, and on a large machine they contend
 * with the process's own page faults. What the lock excluded is a CPU folding
 * its part into the total during the pass (once in percpu_counter_batch pages
 * it faults or frees): such a read may count that part twice or not at all.
 */
static __always_inline void lattop_mm_rss(struct mm_struct *mm, struct lattop_rss *rss)
{
	struct percpu_counter *stat = mm->rss_stat;
	s64 file = percpu_counter_read(&stat[MM_FILEPAGES]);
	s64 anon = percpu_counter_read(&stat[MM_ANONPAGES]);
	s64 shmem = percpu_counter_read(&stat[MM_SHMEMPAGES]);
#ifdef CONFIG_SMP
	int cpu;

	for_each_cpu_or(cpu, cpu_online_mask, cpu_dying_mask) {
		file += READ_ONCE(*per_cpu_ptr(stat[MM_FILEPAGES].counters, cpu));
		anon += READ_ONCE(*per_cpu_ptr(stat[MM_ANONPAGES].counters, cpu));
		shmem += READ_ONCE(*per_cpu_ptr(stat[MM_SHMEMPAGES].counters, cpu));
	}
#endif
	rss->file = file > 0 ? file : 0;
	rss->anon = anon > 0 ? anon : 0;
	rss->shmem = shmem > 0 ? shmem : 0;
}
/*
 * @task's open descriptors, counted as /proc/<pid>/fd's getattr counts them:
 * under task_lock(), which keeps task->files attached, and rcu_read_lock()
 * (the caller's), which keeps its fd table allocated.
 */
static unsigned int lattop_count_open_fds(struct files_struct *files)
{
	struct fdtable *fdt;

	if (!files)
		return 0;
	fdt = files_fdtable(files);
	return bitmap_weight(fdt->open_fds, fdt->max_fds);
}

unsigned int lattop_helper_task_open_fds(struct task_struct *task)
{
	unsigned int n;

	task_lock(task);
	n = lattop_count_open_fds(task->files);
	task_unlock(task);
	return n;
}

/*
 * @task's resident pages (lattop_mm_rss()), and unless they are NULL its
 * virtual size and dumpability (which the bulk records and the access rule
 * read) and its open descriptors, in one call and under one task_lock().
 * The evaluator reads every process in each run, where the calls
 * themselves (the lock, the mm, each figure) cost as much as the reads: it
 * asks for the resident pages and descriptors only. Inlined into each
 * helper below, whose constant NULLs leave no test behind. False for a task
 * with no mm (a kernel thread, or one past exit_mm()).
 */
static __always_inline bool lattop_task_memory(struct task_struct *task, struct lattop_rss *rss,
					       unsigned long *total_vm, int *dumpable,
					       unsigned int *fds)
{
	struct mm_struct *mm;

	task_lock(task);
	mm = task->mm;
	if (mm) {
		lattop_mm_rss(mm, rss);
		if (total_vm)
			*total_vm = READ_ONCE(mm->total_vm);
		if (dumpable)
			*dumpable = lattop_dumpable(task, mm);
	}
	if (fds)
		*fds = lattop_count_open_fds(task->files);
	task_unlock(task);
	return mm;
}

bool lattop_helper_task_memory_fds(struct task_struct *task, struct lattop_memory *memory,
				   unsigned int *fds)
{
	return lattop_task_memory(task, &memory->rss, &memory->total_vm, &memory->dumpable, fds);
}

bool lattop_helper_task_memory(struct task_struct *task, struct lattop_memory *memory)
{
	return lattop_task_memory(task, &memory->rss, &memory->total_vm, &memory->dumpable, NULL);
}

bool lattop_helper_task_rss_fds(struct task_struct *task, struct lattop_rss *rss,
				unsigned int *fds)
{
	return lattop_task_memory(task, rss, NULL, NULL, fds);
}

unsigned int lattop_helper_file_mode(const struct file *file) { return (__force unsigned int)file->f_mode; }
unsigned int lattop_helper_file_flags(const struct file *file) { return file->f_flags; }
struct inode *lattop_helper_file_inode(const struct file *file) { return file_inode(file); }

void lattop_helper_wake_up_poll(struct wait_queue_head *head, unsigned int mask)
{
	wake_up_poll(head, (__force __poll_t)mask);
}
void lattop_helper_wake_up_pollfree(struct wait_queue_head *head) { wake_up_pollfree(head); }
void lattop_helper_poll_wait(struct file *file, struct wait_queue_head *head,
			     struct poll_table_struct *table)
{
	poll_wait(file, head, table);
}
struct pid *lattop_helper_current_tgid_pid_get(void) { return get_pid(task_tgid(current)); }
/* siginfo's fields are macros over its unions. */
void lattop_helper_siginfo_queued(struct kernel_siginfo *info, int signal, int value)
{
	clear_siginfo(info);
	info->si_signo = signal;
	info->si_code = SI_QUEUE;
	info->si_int = value;
}

void lattop_helper_tracepoint_synchronize_unregister(void) { tracepoint_synchronize_unregister(); }
/* Probes run with preemption off: the CPU cannot change under them. */
unsigned int lattop_helper_this_cpu(void) { return raw_smp_processor_id(); }
unsigned int lattop_helper_nr_cpu_ids(void) { return nr_cpu_ids; }

/*
 * copy_from_user_nofault() for one word, as perf's user callchain reads a
 * frame record: one inline user access with page faults off, instead of a
 * copy routine sized for any length (a block hook reads a word on every
 * block). Only for the current task in schedule(), before it switches out:
 * its mm is the one loaded, which is what copy_from_user_nofault()'s
 * nmi_uaccess_okay() (not exported) checks for an NMI that may land in the
 * middle of a switch, unless it has none (past exit_mm(), while it exits).
 * Returns the word, or 0 if it cannot be read: its callers read frame
 * records, where a 0 ends the chain anyway, so one register answers both
 * (no result through memory). notrace: a block hook calls it on every
 * block, and ftrace's entry nop would be one instruction more there.
 */
notrace unsigned long lattop_helper_user_word_nofault(const unsigned long __user *addr)
{
	unsigned long value;

	if (!current->mm)
		return 0;
	pagefault_disable();
	if (!user_access_begin(addr, sizeof(*addr)))
		goto fail;
	unsafe_get_user(value, addr, fault);
	user_access_end();
	pagefault_enable();
	return value;
fault:
	user_access_end();
fail:
	pagefault_enable();
	return 0;
}

/*
 * The address space of TASK, with a user reference (mmget_not_zero(): one
 * atomic increment, safe in the scheduler), or NULL. Only for a task that
 * does not run (asleep, or woken and not yet switched in): its mm cannot
 * change under the read.
 */
struct mm_struct *lattop_helper_task_mm_get(struct task_struct *task)
{
	struct mm_struct *mm = READ_ONCE(task->mm);

	return mm && mmget_not_zero(mm) ? mm : NULL;
}
void lattop_helper_mmap_read_lock(struct mm_struct *mm) { mmap_read_lock(mm); }
void lattop_helper_mmap_read_unlock(struct mm_struct *mm) { mmap_read_unlock(mm); }
/* vma_lookup(): the file mapped at ADDR, and ADDR's offset in that file. */
struct file *lattop_helper_mapped_file(struct mm_struct *mm, unsigned long addr, u64 *offset)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	if (!vma || !vma->vm_file)
		return NULL;
	*offset = addr - vma->vm_start + ((u64)vma->vm_pgoff << PAGE_SHIFT);
	return vma->vm_file;
}
void lattop_helper_file_identity(const struct file *file, u32 *dev, u64 *ino)
{
	struct inode *inode = file_inode(file);

	*dev = inode->i_sb->s_dev;
	*ino = inode->i_ino;
}
char *lattop_helper_file_d_path(const struct file *file, char *buf, int len)
{
	return d_path(&file->f_path, buf, len);
}
