/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * lattop's user ABI: the one definition shared by the kernel module (through
 * bindgen) and by the `lattop` CLI. Every name, field and unit a user sees is
 * spelled here first.
 */
#ifndef _UAPI_LINUX_LATTOP_H
#define _UAPI_LINUX_LATTOP_H

#include <linux/types.h>

/* Bumped on any incompatible change to a format defined in this file. */
#define LATTOP_ABI_VERSION 1

/*
 * /proc/lattop: a text report, root only (it shows kernel addresses).
 * Its first line is this header; then one line per task, columns separated
 * by white space, sorted by TOTAL_US descending.
 */
#define LATTOP_PROC_REPORT "lattop"
#define LATTOP_REPORT_HEADER "PID TGID COMM SLEEPS TOTAL_US MAX_US"

/*
 * /proc/lattop_traces: every call trace kept, of every task the reader may
 * see (as /proc/lattop: root only, the reader's pid namespace), worst task
 * first. Line-oriented text, fields separated by one space:
 *
 *   lattop-traces 1                       this header (the format's version)
 *   file N PATH                           a file user frames are in; PATH
 *                                         is the rest of the line, its
 *                                         control bytes and backslashes as
 *                                         \ooo octal escapes
 *   task TID TGID COMM KIND STATE SLEEPS TOTAL_US MAX_US
 *                                         KIND user|kernel (a kernel thread),
 *                                         STATE live|exited; COMM as in
 *                                         /proc/lattop (no blanks)
 *   trace TOTAL_US COUNT MAX_US           one of the task's traces (up to
 *                                         32), as /proc/lattop's trace line
 *   k SYMBOL                              a kernel frame, innermost first, as
 *                                         %pS prints it (the rest of the line)
 *   u 0xADDR N 0xOFFSET                   a user frame, innermost first: its
 *                                         address, the file N it is in and
 *                                         its offset in that file
 *   u 0xADDR - -                          a user frame not in a named file
 *
 * A trace's frames follow its trace line; its kernel frames come before its
 * user frames. Every file line comes before the first task line. A reader
 * skips lines whose first word it does not know. Read it like /proc/lattop:
 * listing an exited task counts as reporting it.
 */
#define LATTOP_PROC_TRACES "lattop_traces"
#define LATTOP_TRACES_HEADER "lattop-traces 1"

/*
 * /proc/lattop_stats: the module's own counters, one "name value" line each
 * (README.md lists them).
 */
#define LATTOP_PROC_STATS "lattop_stats"

/*
 * Bulk transfer: /proc/allpids/info (every process the reader may see) and
 * /proc/allpids/<pid>/info (one process). A read returns a binary snapshot,
 * taken when the file is opened (one pass over the processes) and kept until
 * it is closed: reads of any size, and pread at any offset, see the same
 * bytes. All integers are in the machine's byte order.
 *
 * The snapshot is a struct lattop_info_header, then header_size - sizeof
 * what the reader knows of it, then record_count records. Each record starts
 * with a struct lattop_record; its length covers the record, that struct
 * included, and is a multiple of 8, so every record is 8-byte aligned. A
 * reader skips a record whose tag it does not know, and ignores the bytes
 * past the fields it knows in a longer record: fields are only ever added at
 * the end, the way taskstats grows. A process record is followed by one
 * thread record per thread of that process.
 *
 * Pids, ppid and tids are as the reader's pid namespace numbers them (the
 * namespace of the task that opens the file), ppid 0 when the parent is
 * outside it; uid and gid as the reader's user namespace shows them (the
 * overflow id, 65534, where unmapped): what the reader's own /proc shows. A
 * reader in a pid namespace sees only its processes. In the initial
 * namespaces, that is every process, numbered as the kernel numbers it. The
 * /proc/allpids/<pid>/ directories are named by the initial namespace's
 * pids (a module's proc entries are the same in every /proc mount): from
 * inside a pid namespace, those of processes outside it fail to open with
 * ENOENT, and a process's own is found by its record (README, Containers).
 */
#define LATTOP_PROC_DIR "allpids"
#define LATTOP_PROC_INFO "info"

#define LATTOP_INFO_MAGIC 0x4f49544cU /* "LTIO" in little-endian bytes */

struct lattop_info_header {
	__u32 magic;		/* LATTOP_INFO_MAGIC */
	__u16 abi_version;	/* LATTOP_ABI_VERSION */
	__u16 header_size;	/* bytes of this header: the first record follows */
	__u32 record_count;	/* records that follow */
	__u32 flags;		/* none defined yet: 0 */
	__u64 snapshot_ns;	/* when it was taken: CLOCK_MONOTONIC, ns */
	__u64 total_size;	/* bytes of the snapshot, this header included */
};

struct lattop_record {
	__u16 tag;		/* enum lattop_record_tag */
	__u16 reserved;		/* 0 */
	__u32 length;		/* bytes of the record, this struct included */
};

enum lattop_record_tag {
	LATTOP_TAG_PROCESS = 1,	/* struct lattop_process_record */
	LATTOP_TAG_THREAD = 2,	/* struct lattop_thread_record */
};

/*
 * Off-CPU time as lattop's profiler measured it since it was loaded: sleeps
 * are counted from the scheduler's dequeue of a blocking task to its wake-up
 * (run-queue wait not included). All 0 for what it has not seen sleep.
 */
struct lattop_latency {
	__u64 sleeps;		/* sleeps seen */
	__u64 total_ns;		/* their total, ns */
	__u64 max_ns;		/* the longest, ns */
};

/*
 * What the kernel's own accounting knows of a task: the delay and I/O
 * fields of struct taskstats (<linux/taskstats.h>, which the kernel's
 * tools/accounting/getdelays prints one pid at a time), read the way
 * taskstats reads them (a thread's delays under its delay lock). `groups`
 * says which groups below the running kernel provides for this record; the
 * fields of a group not set are 0 and are not data.
 */
/* cpu: sched_info's runs and run-queue wait (CONFIG_SCHED_INFO: SCHEDSTATS or TASK_DELAY_ACCT). */
#define LATTOP_ACCT_CPU_DELAY	0x1
/*
 * blkio to irq: CONFIG_TASK_DELAY_ACCT, and delay accounting was on when the
 * thread was born (the `delayacct` kernel argument, or sysctl
 * kernel.task_delayacct=1 since): a thread born while it was off has none,
 * as taskstats then reports zeros. (Turned off since, the figures stop.)
 */
#define LATTOP_ACCT_DELAYS	0x2
/* read_bytes, write_bytes, cancelled_write_bytes: CONFIG_TASK_IO_ACCOUNTING. */
#define LATTOP_ACCT_IO_STORAGE	0x4
/* rchar, wchar, syscr, syscw: CONFIG_TASK_XACCT. */
#define LATTOP_ACCT_IO_CALLS	0x8

/* One kind of delay: how many, and their total. */
struct lattop_delay {
	__u64 count;		/* delays counted */
	__u64 total_ns;		/* their total, ns */
};

struct lattop_acct {
	__u32 groups;		/* LATTOP_ACCT_*: which groups are data */
	__u32 pad;		/* 0 */
	/*
	 * Waiting for a CPU (taskstats' cpu_count and cpu_delay_total): count
	 * is the runs on a CPU (sched_info's pcount), total the time spent
	 * runnable on a run queue (run_delay).
	 */
	struct lattop_delay cpu;
	struct lattop_delay blkio;	/* waiting for synchronous block I/O */
	struct lattop_delay swapin;	/* waiting for a page to be swapped in */
	struct lattop_delay freepages;	/* in direct memory reclaim */
	struct lattop_delay thrashing;	/* waiting for a thrashing page cache page */
	struct lattop_delay compact;	/* in direct memory compaction */
	struct lattop_delay wpcopy;	/* copying a page on a write-protect fault */
	struct lattop_delay irq;	/* interrupts on its CPU while it ran (0 without CONFIG_IRQ_TIME_ACCOUNTING) */
	__u64 read_bytes;	/* bytes it caused to be read from storage */
	__u64 write_bytes;	/* bytes it caused (or will cause) to be written to storage */
	__u64 cancelled_write_bytes;	/* of those, bytes whose writing it cancelled (truncated dirty pages) */
	__u64 rchar;		/* bytes read by read-like system calls (from anywhere) */
	__u64 wchar;		/* bytes written by write-like system calls */
	__u64 syscr;		/* read-like system calls */
	__u64 syscw;		/* write-like system calls */
};

/*
 * A task's state, as the letter of /proc/<pid>/stat's third field: R
 * running or runnable, S sleeping, D uninterruptible (disk) sleep, T
 * stopped, t traced, X dead, Z zombie, P parked, I idle kernel thread.
 */

struct lattop_process_record {
	struct lattop_record record;	/* tag LATTOP_TAG_PROCESS */
	__s32 pid;		/* the process id (tgid) */
	__s32 ppid;		/* the parent's process id; 0 for none */
	__u32 uid;		/* real user id */
	__u32 gid;		/* real group id */
	char comm[16];		/* command name, NUL-padded */
	__u8 state;		/* the thread-group leader's state letter */
	__u8 pad[3];		/* 0 */
	__u32 nr_threads;	/* threads now */
	__u64 start_time_ns;	/* when it started: ns since boot (CLOCK_BOOTTIME) */
	/*
	 * CPU time of all its threads, live and exited (as getrusage's
	 * RUSAGE_SELF). utime and stime are the scheduler tick's samples, as
	 * taskstats' ac_utime and ac_stime are; cpu_ns is the precise sum of
	 * the time its threads ran.
	 */
	__u64 utime_ns;		/* user time, ns */
	__u64 stime_ns;		/* system time, ns */
	__u64 cpu_ns;		/* time on a CPU, ns */
	__u64 minflt;		/* minor page faults, all threads */
	__u64 majflt;		/* major page faults, all threads */
	__u64 nvcsw;		/* voluntary context switches, all threads */
	__u64 nivcsw;		/* involuntary context switches, all threads */
	__u64 rss_file;		/* resident file-backed memory, bytes */
	__u64 rss_anon;		/* resident anonymous memory, bytes */
	__u64 rss_shmem;	/* resident shared memory (shmem, tmpfs), bytes */
	__u64 vsize;		/* virtual memory size, bytes */
	__u32 nr_fds;		/* open file descriptors */
	__u32 pad2;		/* 0 */
	struct lattop_latency latency;	/* summed over its threads */
	/*
	 * Run-queue delay, as lattop's profiler measured it since it was
	 * loaded: each wait for a CPU, from a wake-up, a preemption or a new
	 * task's first wake-up to running (delay accounting's cpu_delay,
	 * BCC's runqlat), each counted one run late: when the run it began
	 * ends by blocking or exiting, or when the task runs again after a
	 * preemption (README, "How a sleep travels"). Measured with
	 * hooks=tracepoint only: 0 with hooks=kprobe, which sees no task
	 * switched in.
	 */
	struct lattop_latency run_delay;	/* summed over its threads */
	/*
	 * The kernel's accounting (appended: there when the record's length
	 * covers it) of all its threads, live and exited. Delays are summed as
	 * taskstats sums a thread group's (TASKSTATS_CMD_ATTR_TGID): what its
	 * exited threads left, plus each live thread's (a zombie thread's are
	 * already in the first: taskstats adds a thread's delays to its
	 * group's as it exits). I/O is summed as /proc/<pid>/io sums it: what
	 * exited threads left, plus each thread on its list. So it is what
	 * its exited threads left plus the sum of its thread records (less
	 * zombie threads' delays). groups: those of any of its threads.
	 */
	struct lattop_acct acct;
};

struct lattop_thread_record {
	struct lattop_record record;	/* tag LATTOP_TAG_THREAD */
	__s32 tid;		/* the thread id */
	__s32 pid;		/* its process id (tgid) */
	char comm[16];		/* command name, NUL-padded */
	__u8 state;		/* state letter, as above */
	__u8 pad[3];		/* 0 */
	__s32 cpu;		/* the CPU it last ran on */
	__s32 prio;		/* priority, as /proc/<pid>/stat's 18th field */
	__u32 policy;		/* scheduling policy (SCHED_NORMAL 0, SCHED_FIFO 1...) */
	__u64 utime_ns;		/* user time, ns (tick samples) */
	__u64 stime_ns;		/* system time, ns (tick samples) */
	__u64 cpu_ns;		/* time on a CPU, ns */
	__u64 nvcsw;		/* voluntary context switches */
	__u64 nivcsw;		/* involuntary context switches */
	/*
	 * How long it has been blocked, when it is blocked now and lattop saw
	 * it go to sleep; 0 otherwise, ns.
	 */
	__u64 blocked_ns;
	struct lattop_latency latency;
	struct lattop_latency run_delay;	/* as the process record's */
	/*
	 * The kernel's accounting of this thread (appended, as above): as
	 * taskstats' per-pid figures (TASKSTATS_CMD_ATTR_PID) and
	 * /proc/<pid>/task/<tid>/io.
	 */
	struct lattop_acct acct;
};

/*
 * Threshold notifier. A monitor opens a notifier file, writes one struct
 * lattop_threshold to it, and is told when the resource crosses the level:
 *
 *   /proc/allpids/<pid>/notifier/<resource>  that one process
 *   /proc/anypid/notifier/<resource>         each process on its own, those
 *                                            alive when armed and those
 *                                            started later (root only)
 *   /proc/allpids/notifier/<resource>        the sum over all processes
 *                                            (root only)
 *
 * One threshold per open file: a second write fails with EBUSY, and closing
 * the file removes the threshold. read() returns whole struct lattop_event
 * records (as many as fit; a buffer shorter than one is EINVAL), blocking
 * while none is queued unless the file is O_NONBLOCK (then EAGAIN); before a
 * threshold is written it fails with EINVAL. poll() reports POLLIN|POLLPRI
 * while events are queued. Each threshold queues at most
 * LATTOP_EVENT_QUEUE_LEN events; when full, new events are dropped and the
 * next event queued says how many in `lost`.
 *
 * When the process of a /proc/allpids/<pid>/ threshold exits, one last event
 * of kind LATTOP_EVENT_EXITED is queued and delivered, the threshold stops,
 * and once that event is read, read() returns 0 and poll() reports POLLHUP.
 * (anypid thresholds forget exited processes silently.)
 */
#define LATTOP_PROC_ANYPID "anypid"
#define LATTOP_PROC_NOTIFIER "notifier"
#define LATTOP_EVENT_QUEUE_LEN 64

/* The resources, one notifier file each, named LATTOP_RESOURCE_NAME_*. */
enum lattop_resource {
	LATTOP_RESOURCE_MEMORY_USAGE = 1,	/* "memory_usage": resident memory (rss_file + rss_anon + rss_shmem), bytes */
	LATTOP_RESOURCE_SHM_USAGE = 2,		/* "shm_usage": resident shared memory (rss_shmem), bytes */
	LATTOP_RESOURCE_FD_COUNT = 3,		/* "fd_count": open file descriptors */
	LATTOP_RESOURCE_THREAD_COUNT = 4,	/* "thread_count": threads */
	LATTOP_RESOURCE_CPU_USAGE = 5,		/* "cpu_usage": CPU time over the last window, percent of one CPU */
	LATTOP_RESOURCE_SLEEP_LATENCY = 6,	/* "sleep_latency": one sleep's length, ns, checked at its wake-up */
	LATTOP_RESOURCE_BLOCKED_TIME = 7,	/* "blocked_time": the longest time one of its threads has been blocked in uninterruptible sleep (D) so far, ns */
	LATTOP_RESOURCE_PROCESS_COUNT = 8,	/* "process_count": processes (under /proc/allpids/notifier only) */
};

/* The notifier file of each resource: LATTOP_RESOURCE_<X> is named LATTOP_RESOURCE_NAME_<X>. */
#define LATTOP_RESOURCE_NAME_MEMORY_USAGE "memory_usage"
#define LATTOP_RESOURCE_NAME_SHM_USAGE "shm_usage"
#define LATTOP_RESOURCE_NAME_FD_COUNT "fd_count"
#define LATTOP_RESOURCE_NAME_THREAD_COUNT "thread_count"
#define LATTOP_RESOURCE_NAME_CPU_USAGE "cpu_usage"
#define LATTOP_RESOURCE_NAME_SLEEP_LATENCY "sleep_latency"
#define LATTOP_RESOURCE_NAME_BLOCKED_TIME "blocked_time"
#define LATTOP_RESOURCE_NAME_PROCESS_COUNT "process_count"

/* struct lattop_threshold's flags. */
#define LATTOP_THRESHOLD_LEVEL   0x1	/* every change while on that side of the level, not only the crossing */
#define LATTOP_THRESHOLD_UP      0x2	/* rising: at or above the level */
#define LATTOP_THRESHOLD_DOWN    0x4	/* falling: below the level */
#define LATTOP_THRESHOLD_ONESHOT 0x8	/* the threshold stops after its first event */
#define LATTOP_THRESHOLD_PRESENT 0x10	/* no baseline: a value already on the firing side when armed fires (not sleep_latency) */

/*
 * How an event is announced, besides being queued for read() and poll():
 * POLL nothing more; EVENTFD adds 1 to the eventfd `eventfd` (a descriptor
 * in the writer's table when it writes) per event; SIGNAL sends `signal` to
 * the writer's process (its main thread) per event, with si_code SI_QUEUE
 * and si_value.sival_int the event's pid (a realtime signal queues one per
 * event; a standard one may merge).
 */
enum lattop_delivery {
	LATTOP_DELIVER_POLL = 1,
	LATTOP_DELIVER_EVENTFD = 2,
	LATTOP_DELIVER_SIGNAL = 3,
};

/*
 * Semantics (v is the value, "prev" the previous value of the same stream:
 * of the process, or of the sum; for sleep_latency, of the same thread):
 *   UP          prev < level and v >= level
 *   DOWN        prev >= level and v < level
 *   LEVEL|UP    v != prev and v >= level   (level INT64_MIN: any change)
 *   LEVEL|DOWN  v != prev and v < level
 * A stream's first value after arming has no prev. For a stream that exists
 * when the threshold is armed (a process alive then; for sleep_latency, a
 * thread started before: its first sleep to end after arming), it is the
 * baseline and fires nothing, unless LATTOP_THRESHOLD_PRESENT: then it fires
 * if it is on the firing side (UP: v >= level; DOWN: v < level), so a
 * sampled value already past the level fires at arming (cpu_usage: at the
 * end of its first window). A stream that begins after arming (an anypid
 * process started later; for sleep_latency, a thread started later) is
 * judged from its birth: its first value fires if it is on the firing side,
 * with or without PRESENT. For sleep_latency the value is each sleep, and
 * prev the same thread's previous sleep, under every scope (one process's
 * sleeps never set another's prev); PRESENT is refused (EINVAL): a sleep has
 * no present value (blocked_time is what is blocked now). Without LEVEL, a
 * threshold fires at most once per evaluation period for each stream (each
 * process; the sum; for sleep_latency, each process, and at most
 * LATTOP_SLEEP_FIRINGS_PER_PERIOD processes per period); a crossing past
 * the limit is dropped, not queued, and not counted in lost. Sampled resources are evaluated every `eval_period_ms` (a module
 * parameter, default 10); sleep_latency at each wake-up; process_count at
 * each process start and exit (the event's pid is that process; 0 for a
 * PRESENT event at arming).
 */
#define LATTOP_SLEEP_FIRINGS_PER_PERIOD 16

struct lattop_threshold {
	__s64 level;		/* in the resource's unit */
	__u64 cookie;		/* echoed in every event */
	__u32 flags;		/* LATTOP_THRESHOLD_*: exactly one of UP and DOWN */
	__u32 delivery;		/* enum lattop_delivery */
	__s32 eventfd;		/* LATTOP_DELIVER_EVENTFD: the eventfd; else 0 */
	__s32 signal;		/* LATTOP_DELIVER_SIGNAL: 1..SIGRTMAX; else 0 */
	__u32 window_ms;	/* cpu_usage: the averaging window, > 0; else 0 */
	__u32 reserved0;	/* 0 */
	__u64 reserved[2];	/* 0 */
};

enum lattop_event_kind {
	LATTOP_EVENT_CROSSED = 1,	/* the threshold fired */
	LATTOP_EVENT_EXITED = 2,	/* the watched process exited: the last event */
};

struct lattop_event {
	__u64 time_ns;		/* when the kernel saw it: CLOCK_MONOTONIC, ns */
	__s64 value;		/* the value then */
	__s64 level;		/* the threshold's level */
	__u64 cookie;		/* the threshold's cookie */
	__s32 pid;		/* the process (tgid) it is about; 0 for a sum */
	__s32 tid;		/* sleep_latency, blocked_time: the thread; else 0 */
	__u32 resource;		/* enum lattop_resource */
	__u32 kind;		/* enum lattop_event_kind */
	__u64 lost;		/* events dropped, queue full, just before this one */
};

#endif /* _UAPI_LINUX_LATTOP_H */
