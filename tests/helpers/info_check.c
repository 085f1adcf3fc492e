// SPDX-License-Identifier: GPL-2.0
/*
 * info_check [FILE]: reads lattop's bulk-transfer snapshot (default
 * /proc/allpids/info) in one read, decodes it with the UAPI header (C, apart
 * from the Rust CLI's decoder), and checks every process and thread record
 * against /proc/<pid>/stat, status and fd/ read right after.
 *
 * Exact: ppid, uid, gid, comm, start time, vsize, rss (file, anon, shmem),
 * open fds, thread count, the set of thread ids, policy. Counters that only
 * grow (faults, context switches) may have grown by /proc's read: within
 * DRIFT. CPU time: /proc's utime + stime is scaled to the precise runtime
 * (cputime_adjust()), which the record has as cpu_ns: within TICKS_SLACK
 * ticks plus a tenth for what the task ran meanwhile (utime and stime
 * apart are tick samples, which the scaling redistributes). A kernel
 * thread's comm in /proc may be longer than the 15 bytes of the task's
 * (workqueue workers add their queue): the record's must be its prefix.
 * The state may differ only for a task
 * seen running (R) at one of the two moments. This checker itself is not
 * compared (it reads while it runs), nor its parent (which forked it and may
 * still be running, faulting pages in, while the snapshot is taken). Processes gone by /proc's read are
 * skipped and counted.
 *
 * Reading the default file, every process in /proc both before and after
 * the snapshot must have a record ("mismatch PID 0 missing").
 *
 * Prints one "mismatch PID TID FIELD record=X proc=Y" line per difference,
 * then "processes N threads N skipped N mismatches N", and exits 1 on any
 * mismatch or a malformed snapshot.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>
#include "../../include/uapi/linux/lattop.h"

#define DRIFT 200		/* counts a busy kernel thread may add meanwhile */
#define TICKS_SLACK 5		/* scaling difference allowed, in ticks */
#define NS_PER_TICK 10000000ULL	/* USER_HZ = 100 */

static int mismatches, processes, threads, skipped;

static void mismatch(int pid, int tid, const char *field, unsigned long long record,
		     unsigned long long proc)
{
	printf("mismatch %d %d %s record=%llu proc=%llu\n", pid, tid, field, record, proc);
	mismatches++;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* /proc/<pid>[/task/<tid>]/stat, split after the comm. */
struct stat_line {
	char comm[64];
	char state;
	unsigned long long field[64]; /* field[n] is stat's field n (1-based) */
};

static int read_stat(const char *dir, struct stat_line *s)
{
	char path[256], buf[4096];
	char *open_paren, *close_paren, *p;

	snprintf(path, sizeof(path), "%s/stat", dir);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren)
		return -1;
	snprintf(s->comm, sizeof(s->comm), "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
	s->state = close_paren[2];
	p = close_paren + 4;
	for (int n = 4; n < 64 && *p; n++) {
		s->field[n] = strtoull(p, &p, 10);
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* The first number after "KEY:" in a status file, or ~0. */
static unsigned long long status_value(const char *status, const char *key)
{
	char pattern[64];
	const char *at;

	snprintf(pattern, sizeof(pattern), "\n%s:", key);
	at = strstr(status, pattern);
	if (!at)
		return ~0ULL;
	return strtoull(at + strlen(pattern), NULL, 10);
}

static unsigned int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	unsigned int n = 0;

	if (!d)
		return ~0U;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void check_counter(int pid, int tid, const char *field, unsigned long long record,
			  unsigned long long proc)
{
	if (proc < record || proc - record > DRIFT)
		mismatch(pid, tid, field, record, proc);
}

static void check_cpu_time(int pid, int tid, unsigned long long record_ns, const struct stat_line *s)
{
	unsigned long long record_ticks = record_ns / NS_PER_TICK;
	unsigned long long proc_ticks = s->field[14] + s->field[15];

	if (proc_ticks + TICKS_SLACK < record_ticks || proc_ticks > record_ticks + TICKS_SLACK + record_ticks / 10)
		mismatch(pid, tid, "cpu_ns", record_ticks, proc_ticks);
}

static void check_state(int pid, int tid, char record, char proc)
{
	if (record != proc && record != 'R' && proc != 'R')
		mismatch(pid, tid, "state", record, proc);
}

static int comm_equal(const char comm[16], const char *proc)
{
	return strncmp(comm, proc, strnlen(comm, 16)) == 0;
}

/* DIR's stat and status; counts a task gone meanwhile as skipped. */
static int read_task(const char *dir, struct stat_line *s, char *status, size_t size)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/status", dir);
	if (read_stat(dir, s) || read_file(path, status, size)) {
		skipped++;
		return -1;
	}
	return 0;
}

static void check_thread(const struct lattop_thread_record *t)
{
	char dir[128], status[8192];
	struct stat_line s;

	threads++;
	snprintf(dir, sizeof(dir), "/proc/%d/task/%d", t->pid, t->tid);
	if (read_task(dir, &s, status, sizeof(status)))
		return;
	if (!comm_equal(t->comm, s.comm))
		mismatch(t->pid, t->tid, "comm", 0, 1);
	check_state(t->pid, t->tid, t->state, s.state);
	if ((unsigned long long)t->policy != s.field[41])
		mismatch(t->pid, t->tid, "policy", t->policy, s.field[41]);
	check_counter(t->pid, t->tid, "nvcsw", t->nvcsw, status_value(status, "voluntary_ctxt_switches"));
	check_counter(t->pid, t->tid, "nivcsw", t->nivcsw,
		      status_value(status, "nonvoluntary_ctxt_switches"));
	check_cpu_time(t->pid, t->tid, t->cpu_ns, &s);
}

/* The tids of /proc/<pid>/task, to compare with the thread records. */
static int proc_tids(int pid, int *tids, int max)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) && n < max)
		if (e->d_name[0] != '.')
			tids[n++] = atoi(e->d_name);
	closedir(d);
	return n;
}

static void check_process(const struct lattop_process_record *p, const int *record_tids, int nr_record_tids)
{
	char dir[64], path[96], status[8192];
	struct stat_line s;
	int tids[4096], n;

	processes++;
	snprintf(dir, sizeof(dir), "/proc/%d", p->pid);
	if (read_task(dir, &s, status, sizeof(status)))
		return;
	if (!comm_equal(p->comm, s.comm))
		mismatch(p->pid, 0, "comm", 0, 1);
	check_state(p->pid, 0, p->state, s.state);
	if ((unsigned long long)p->ppid != s.field[4])
		mismatch(p->pid, 0, "ppid", p->ppid, s.field[4]);
	if (p->uid != status_value(status, "Uid"))
		mismatch(p->pid, 0, "uid", p->uid, status_value(status, "Uid"));
	if (p->gid != status_value(status, "Gid"))
		mismatch(p->pid, 0, "gid", p->gid, status_value(status, "Gid"));
	if (p->start_time_ns / NS_PER_TICK != s.field[22])
		mismatch(p->pid, 0, "start_time", p->start_time_ns / NS_PER_TICK, s.field[22]);
	if (p->vsize != s.field[23])
		mismatch(p->pid, 0, "vsize", p->vsize, s.field[23]);
	if (status_value(status, "VmRSS") != ~0ULL) {
		if (p->rss_anon / 1024 != status_value(status, "RssAnon"))
			mismatch(p->pid, 0, "rss_anon", p->rss_anon / 1024, status_value(status, "RssAnon"));
		if (p->rss_file / 1024 != status_value(status, "RssFile"))
			mismatch(p->pid, 0, "rss_file", p->rss_file / 1024, status_value(status, "RssFile"));
		if (p->rss_shmem / 1024 != status_value(status, "RssShmem"))
			mismatch(p->pid, 0, "rss_shmem", p->rss_shmem / 1024, status_value(status, "RssShmem"));
	}
	snprintf(path, sizeof(path), "%s/fd", dir);
	if (p->nr_fds != count_entries(path))
		mismatch(p->pid, 0, "nr_fds", p->nr_fds, count_entries(path));
	if (p->nr_threads != status_value(status, "Threads"))
		mismatch(p->pid, 0, "nr_threads", p->nr_threads, status_value(status, "Threads"));
	check_counter(p->pid, 0, "minflt", p->minflt, s.field[10]);
	check_counter(p->pid, 0, "majflt", p->majflt, s.field[12]);
	check_cpu_time(p->pid, 0, p->cpu_ns, &s);

	n = proc_tids(p->pid, tids, 4096);
	if (n != nr_record_tids) {
		mismatch(p->pid, 0, "thread_records", nr_record_tids, n);
	} else {
		for (int i = 0; i < n; i++) {
			int found = 0;

			for (int j = 0; j < nr_record_tids; j++)
				found |= tids[i] == record_tids[j];
			if (!found)
				mismatch(p->pid, tids[i], "thread_record_missing", 0, 1);
		}
	}
}

/* The pids of /proc, as a bitmap over pid numbers. */
#define MAX_PID (1 << 22)
static unsigned char *proc_pids(void)
{
	unsigned char *set = calloc(MAX_PID / 8, 1);
	DIR *d = opendir("/proc");
	struct dirent *e;

	while (set && d && (e = readdir(d))) {
		int pid = atoi(e->d_name);

		if (pid > 0 && pid < MAX_PID)
			set[pid / 8] |= 1 << (pid % 8);
	}
	if (d)
		closedir(d);
	return set;
}

static int in_set(const unsigned char *set, int pid)
{
	return pid > 0 && pid < MAX_PID && (set[pid / 8] >> (pid % 8)) & 1;
}

int main(int argc, char **argv)
{
	const char *file = argc > 1 ? argv[1] : "/proc/allpids/info";
	size_t size = 64 << 20;
	char *buf = malloc(size);
	int fd = open(file, O_RDONLY);
	ssize_t len;
	const struct lattop_info_header *h = (const void *)buf;
	size_t off;
	int self = getpid(), parent = getppid();

	unsigned char *before = proc_pids(), *recorded = calloc(MAX_PID / 8, 1), *after;

	if (!buf || fd < 0 || !before || !recorded) {
		perror(file);
		return 2;
	}
	len = read(fd, buf, size);
	close(fd);
	if (len < (ssize_t)sizeof(*h) || h->magic != LATTOP_INFO_MAGIC ||
	    h->abi_version != LATTOP_ABI_VERSION || h->total_size != (unsigned long long)len) {
		printf("malformed snapshot: %zd bytes\n", len);
		return 1;
	}

	/* Each process record with the thread records after it. */
	off = h->header_size;
	for (unsigned int i = 0; i < h->record_count;) {
		const struct lattop_process_record *p = (const void *)(buf + off);
		int tids[4096], nr_tids = 0;

		if (p->record.tag != LATTOP_TAG_PROCESS || p->record.length % 8) {
			printf("malformed record at %zu\n", off);
			return 1;
		}
		off += p->record.length;
		i++;
		if (p->pid > 0 && p->pid < MAX_PID)
			recorded[p->pid / 8] |= 1 << (p->pid % 8);
		while (i < h->record_count) {
			const struct lattop_thread_record *t = (const void *)(buf + off);

			if (t->record.tag != LATTOP_TAG_THREAD)
				break;
			if (p->pid != self && p->pid != parent)
				check_thread(t);
			if (nr_tids < 4096)
				tids[nr_tids++] = t->tid;
			off += t->record.length;
			i++;
		}
		if (p->pid != self && p->pid != parent)
			check_process(p, tids, nr_tids);
	}
	if (off != (size_t)len) {
		printf("records end at %zu of %zd bytes\n", off, len);
		return 1;
	}
	after = proc_pids();
	for (int pid = 1; argc == 1 && after && pid < MAX_PID; pid++)
		if (in_set(before, pid) && in_set(after, pid) && !in_set(recorded, pid))
			mismatch(pid, 0, "missing", 0, 1);
	printf("processes %d threads %d skipped %d mismatches %d\n", processes, threads, skipped,
	       mismatches);
	return mismatches ? 1 : 0;
}
