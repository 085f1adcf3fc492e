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
 * Pids are as seen from the initial pid namespace; uid and gid from the
 * initial user namespace.
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
};

#endif /* _UAPI_LINUX_LATTOP_H */
