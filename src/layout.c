// SPDX-License-Identifier: GPL-2.0
/*
 * GCC's layout of the C structs Rust reads, writes or allocates itself, and
 * the constants the kernel's headers do not give a module. Compiled to
 * assembly only (never linked), as the kernel's asm-offsets.c is: each
 * DEFINE() leaves a "->NAME value" marker, which Kbuild turns into a
 * `pub(crate) const NAME: usize` of src/sys/layout_generated.rs.
 *
 * bindgen lays its structs out with clang, which can disagree with GCC (it
 * does for task_struct, whose fields Rust reads at these offsets only): Rust
 * asserts, at compile time and next to each use, that bindgen's offset of
 * every field it touches and size of every struct it allocates are these.
 */
/*
 * The UAPI structs go to user space as their bytes, so none may have a
 * hole or tail padding (uninitialised bytes, and a layout a reader in
 * another language would have to guess): GCC checks every struct of the
 * header for it here, first, before anything else includes the header
 * (but after the kernel's types, which are not ours to check).
 */
#include <linux/types.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wpadded"
#include "uapi/linux/lattop.h"
#pragma GCC diagnostic pop

#include <linux/hrtimer.h>
#include <linux/kbuild.h>
#include <linux/moduleparam.h>
#include <linux/version.h>

#include "lattop_bindings.h"

/*
 * The scheduler's enqueue/dequeue flags are in kernel/sched/sched.h, which
 * is private to the scheduler (distributions' headers packages leave it
 * out): a module cannot include it, so they are spelled out below, as that
 * header has them in each version they were checked against: 6.12, and
 * 7.3 (renumbered in 6.19: DELAYED 0x200 -> 0x20, INITIAL 0x80 -> 0x80000).
 * Any other version fails the build: check them again before allowing it.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define LATTOP_SCHED_FLAGS "kernel/sched/sched.h, Linux 6.12"
#define LATTOP_DEQUEUE_SLEEP 0x01
#define LATTOP_ENQUEUE_WAKEUP 0x01
#define LATTOP_ENQUEUE_INITIAL 0x80
#define LATTOP_ENQUEUE_DELAYED 0x200
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0) && LINUX_VERSION_CODE < KERNEL_VERSION(7, 4, 0)
#define LATTOP_SCHED_FLAGS "kernel/sched/sched.h, Linux 7.3"
#define LATTOP_DEQUEUE_SLEEP 0x0001
#define LATTOP_ENQUEUE_WAKEUP 0x0001
#define LATTOP_ENQUEUE_INITIAL 0x00080000
#define LATTOP_ENQUEUE_DELAYED 0x0020
#else
#error "lattop's scheduler probe flags (src/layout.c, used by src/probes/kprobes.rs) were checked against Linux 6.12 and 7.3 only: compare them with kernel/sched/sched.h"
#endif

/*
 * The tracepoint hooks time a sleep's end and a wait for a CPU from the
 * scheduler's own sched_info (delay accounting's run-queue clock), which
 * only exists with CONFIG_SCHED_INFO: SCHEDSTATS or TASK_DELAY_ACCT select
 * it, as distributions' kernels have them.
 */
#ifndef CONFIG_SCHED_INFO
#error "lattop needs CONFIG_SCHED_INFO (select it with CONFIG_SCHEDSTATS or CONFIG_TASK_DELAY_ACCT): its tracepoint hooks read the scheduler's sched_info"
#endif

/*
 * The hooks read a task's CPU from its thread_info, which x86 keeps in the
 * task_struct.
 */
#if !defined(CONFIG_THREAD_INFO_IN_TASK) || !defined(CONFIG_X86_64)
#error "lattop reads task_cpu() and task_pt_regs() as x86-64 lays them out (CONFIG_THREAD_INFO_IN_TASK)"
#endif

/* A type's size and alignment. */
#define SIZE(sym, type)                          \
	DEFINE(sym##_SIZE, sizeof(type));        \
	DEFINE(sym##_ALIGN, __alignof__(type))

/* A field's offset and size. */
#define FIELD(sym, str, mem)                     \
	OFFSET(sym, str, mem);                   \
	DEFINE(sym##_SIZE, sizeof_field(struct str, mem))

void lattop_layout(void);
void lattop_layout(void)
{
	COMMENT(LATTOP_SCHED_FLAGS);
	DEFINE(SCHED_DEQUEUE_SLEEP, LATTOP_DEQUEUE_SLEEP);
	DEFINE(SCHED_ENQUEUE_WAKEUP, LATTOP_ENQUEUE_WAKEUP);
	DEFINE(SCHED_ENQUEUE_INITIAL, LATTOP_ENQUEUE_INITIAL);
	DEFINE(SCHED_ENQUEUE_DELAYED, LATTOP_ENQUEUE_DELAYED);

	COMMENT("src/sys/kprobe.rs");
	SIZE(KPROBE, struct kprobe);
	OFFSET(KPROBE_ADDR, kprobe, addr);
	OFFSET(KPROBE_SYMBOL_NAME, kprobe, symbol_name);
	OFFSET(KPROBE_PRE_HANDLER, kprobe, pre_handler);
	OFFSET(KPROBE_FLAGS, kprobe, flags);
	OFFSET(KPROBE_NMISSED, kprobe, nmissed);

	COMMENT("src/sys/tracepoint.rs");
	SIZE(TRACEPOINT, struct tracepoint);
	OFFSET(TRACEPOINT_NAME, tracepoint, name);

	COMMENT("src/sys/kprobe.rs, src/sys/task.rs");
	SIZE(PT_REGS, struct pt_regs);
	OFFSET(PT_REGS_DI, pt_regs, di);
	OFFSET(PT_REGS_SI, pt_regs, si);
	OFFSET(PT_REGS_DX, pt_regs, dx);
	OFFSET(PT_REGS_CX, pt_regs, cx);
	OFFSET(PT_REGS_R8, pt_regs, r8);
	OFFSET(PT_REGS_R9, pt_regs, r9);
	OFFSET(PT_REGS_IP, pt_regs, ip);
	OFFSET(PT_REGS_BP, pt_regs, bp);

	/*
	 * The task_struct fields the hooks read on every event, at GCC's
	 * offsets (bindgen's task_struct disagrees with GCC's): read inline,
	 * they cost a load each, where a C helper cost a call and a return.
	 */
	COMMENT("src/sys/task.rs");
	FIELD(TASK_PID, task_struct, pid);
	FIELD(TASK_TGID, task_struct, tgid);
	FIELD(TASK_START_TIME, task_struct, start_time);
	FIELD(TASK_FLAGS, task_struct, flags);
	FIELD(TASK_STATE, task_struct, __state);
	FIELD(TASK_ON_RQ, task_struct, on_rq);
	FIELD(TASK_COMM, task_struct, comm);
	FIELD(TASK_RUN_DELAY, task_struct, sched_info.run_delay);
	FIELD(TASK_LAST_QUEUED, task_struct, sched_info.last_queued);
	FIELD(TASK_LAST_ARRIVAL, task_struct, sched_info.last_arrival);
	FIELD(TASK_SUM_EXEC_RUNTIME, task_struct, se.sum_exec_runtime);
	/* task_cpu(), as CONFIG_THREAD_INFO_IN_TASK keeps it. */
	FIELD(TASK_CPU, task_struct, thread_info.cpu);
	/*
	 * task_pt_regs() of arch/x86/include/asm/processor.h: the user
	 * registers lie this far into the task's kernel stack.
	 */
	FIELD(TASK_STACK, task_struct, stack);
	DEFINE(TASK_PT_REGS_IN_STACK,
	       THREAD_SIZE - TOP_OF_KERNEL_STACK_PADDING - sizeof(struct pt_regs));
	/*
	 * What the evaluator reads of every process each period: the task
	 * list and thread list links, and the signal_struct's counts.
	 */
	FIELD(TASK_TASKS, task_struct, tasks);
	FIELD(TASK_THREAD_NODE, task_struct, thread_node);
	FIELD(TASK_SIGNAL, task_struct, signal);
	FIELD(SIGNAL_THREAD_HEAD, signal_struct, thread_head);
	FIELD(SIGNAL_LIVE, signal_struct, live);
	FIELD(SIGNAL_NR_THREADS, signal_struct, nr_threads);
	FIELD(SIGNAL_SUM_SCHED_RUNTIME, signal_struct, sum_sched_runtime);
	OFFSET(LIST_HEAD_NEXT, list_head, next);

	COMMENT("src/sys/periodic.rs");
	SIZE(HRTIMER, struct hrtimer);
	OFFSET(HRTIMER_FUNCTION, hrtimer, function);

	COMMENT("src/sys/work.rs, src/sys/irq_work.rs");
	SIZE(WORK_STRUCT, struct work_struct);
	SIZE(IRQ_WORK, struct irq_work);

	COMMENT("src/sys/irq_spinlock.rs, src/sys/mod.rs");
	SIZE(RAW_SPINLOCK, raw_spinlock_t);
	SIZE(LOCK_CLASS_KEY, struct lock_class_key);

	COMMENT("src/sys/wait.rs");
	SIZE(WAIT_QUEUE_HEAD, struct wait_queue_head);
	SIZE(WAIT_QUEUE_ENTRY, struct wait_queue_entry);

	COMMENT("src/sys/signal.rs");
	SIZE(KERNEL_SIGINFO, struct kernel_siginfo);

	COMMENT("src/sys/procfs.rs, src/sys/proc_stream.rs");
	SIZE(PROC_OPS, struct proc_ops);
	OFFSET(PROC_OPS_PROC_OPEN, proc_ops, proc_open);
	OFFSET(PROC_OPS_PROC_READ, proc_ops, proc_read);
	OFFSET(PROC_OPS_PROC_WRITE, proc_ops, proc_write);
	OFFSET(PROC_OPS_PROC_LSEEK, proc_ops, proc_lseek);
	OFFSET(PROC_OPS_PROC_RELEASE, proc_ops, proc_release);
	OFFSET(PROC_OPS_PROC_POLL, proc_ops, proc_poll);

	COMMENT("src/sys/task_info.rs");
	SIZE(CRED, struct cred);
	OFFSET(CRED_FSUID, cred, fsuid);
	OFFSET(CRED_FSGID, cred, fsgid);
	SIZE(KUID, kuid_t);
	SIZE(KGID, kgid_t);

	COMMENT("src/sys/module_param.rs");
	SIZE(KERNEL_PARAM, struct kernel_param);
	OFFSET(KERNEL_PARAM_NAME, kernel_param, name);
	OFFSET(KERNEL_PARAM_MOD, kernel_param, mod);
	OFFSET(KERNEL_PARAM_OPS, kernel_param, ops);
	OFFSET(KERNEL_PARAM_PERM, kernel_param, perm);
	OFFSET(KERNEL_PARAM_LEVEL, kernel_param, level);
	OFFSET(KERNEL_PARAM_FLAGS, kernel_param, flags);
	OFFSET(KERNEL_PARAM_ARG, kernel_param, arg);

	COMMENT("src/sys/uapi.rs");
	SIZE(LATTOP_INFO_HEADER, struct lattop_info_header);
	SIZE(LATTOP_RECORD, struct lattop_record);
	SIZE(LATTOP_LATENCY, struct lattop_latency);
	SIZE(LATTOP_PROCESS_RECORD, struct lattop_process_record);
	SIZE(LATTOP_THREAD_RECORD, struct lattop_thread_record);
	SIZE(LATTOP_THRESHOLD, struct lattop_threshold);
	SIZE(LATTOP_EVENT, struct lattop_event);
}
