// SPDX-License-Identifier: GPL-2.0
/*
 * notify_check MODE [ARG]: checks notifier promises of
 * include/uapi/linux/lattop.h against what this helper itself did, and prints
 * "key value" lines (one fact each) for tests/notifier_promises.sh to assert.
 *
 *   queue      A sleep_latency LEVEL|UP threshold on this process, delivery by
 *              eventfd, nobody reading: one short sleep, then SLEEPS (100)
 *              sleeps of 20 ms, each at or above the level (10 ms) and
 *              different from the one before, so each fires. The queue takes
 *              LATTOP_EVENT_QUEUE_LEN of them; the rest are dropped, and the
 *              next event queued (after a read made room and one more sleep)
 *              carries their number in `lost`. Each event is checked against
 *              the sleep it reports (inside the call as this helper's clock
 *              saw it, and no shorter than the kernel's account of it: see
 *              value_ok), and the echoed cookie, level, resource, pid and
 *              tid.
 *              Also O_NONBLOCK reads with nothing queued, and the eventfd
 *              counter against the events queued. "disturbed" counts the
 *              sleeps that were preempted or did not block once: their
 *              run is no ground truth, to be made again.
 *   ratelimit PERIOD_MS
 *              A sleep_latency UP threshold (no LEVEL) and a LEVEL|UP one on
 *              this process while it alternates sleeps of 1 ms and 20 ms for
 *              about 3 s (level 10 ms): a crossing about every 21 ms. The UP
 *              events are checked against the crossings and PERIOD_MS, the
 *              module's eval_period_ms (see mode_ratelimit).
 *   shm        A child grows its anonymous memory by 32 MiB, then its shared
 *              memory (a memfd, mapped shared and touched) by 32 MiB;
 *              shm_usage and memory_usage thresholds on it are read after
 *              each phase.
 *   cpu        A child spins for 1.2 s then sleeps; a cpu_usage DOWN
 *              threshold (level 50 %, window 200 ms) on it: when it fired
 *              against when the child stopped spinning (its own clock).
 *   reuse      Needs /proc/sys/kernel/pid_max lowered first (the test does)
 *              so that pids come round quickly: a child's notifier files
 *              are opened (and a threshold armed on one, which keeps its
 *              directory), the child is killed and reaped; one open file
 *              is written to then (ESRCH expected); children are vforked
 *              until one gets the same pid (it execs "notify_check hold",
 *              which waits until killed); then another old open file is
 *              written to (ESRCH expected, never arming on the new
 *              process), and the armed one is read (EXITED of the old one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>
#include "../../include/uapi/linux/lattop.h"
#include "steps.h"

#define MS 1000000LL
#define MIB (1024L * 1024L)

/* One nanosleep of MS ms (not resumed: nothing here sends signals). */
static long long sleep_measured(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * MS };
	long long start = now_ns();

	nanosleep(&ts, NULL);
	return now_ns() - start;
}

/* One nanosleep, and what the kernel says of it, against which to check the module's. */
struct sleep_truth {
	/* The call, timed around it (CLOCK_MONOTONIC): no sleep is longer. */
	long long measured;
	/*
	 * The call less the kernel's time of this thread on a CPU (the
	 * call's own work, and interrupts, which this kernel counts there:
	 * no CONFIG_IRQ_TIME_ACCOUNTING; an emulator's stall counts there
	 * too) and waiting for one, during it: the time it was asleep, which
	 * is no ground truth if a preemption disturbed it (below).
	 */
	long long asleep;
};

/*
 * Whether a call between the thread's resource usage BEFORE and AFTER did
 * not block exactly once without being preempted: one more voluntary
 * switch, and no involuntary one.
 */
static int call_disturbed(const struct rusage *before, const struct rusage *after)
{
	return after->ru_nvcsw - before->ru_nvcsw != 1 || after->ru_nivcsw != before->ru_nivcsw;
}

/*
 * sleep_measured(), with the kernel's account of the call, and counts in
 * *disturbed a call that did not block exactly once without being
 * preempted (getrusage(RUSAGE_THREAD): one more voluntary switch, no
 * involuntary one). A thread preempted between arming its timer and
 * blocking waits for a CPU, not asleep, in a wait the kernel's run_delay
 * does not count (it was not TASK_RUNNING): it then blocks for less than
 * asked, or not at all if its timer fired meanwhile. The module is right
 * to report that, but such a call is then no ground truth for the
 * module's sleeps.
 */
static struct sleep_truth sleep_undisturbed(long ms, int schedstat, int *disturbed)
{
	struct rusage before, after;
	struct cpu_times start, end;
	struct sleep_truth truth;

	getrusage(RUSAGE_THREAD, &before);
	start = cpu_times(schedstat);
	truth.measured = sleep_measured(ms);
	end = cpu_times(schedstat);
	getrusage(RUSAGE_THREAD, &after);
	truth.asleep = truth.measured - (end.on_cpu - start.on_cpu) - (end.run_delay - start.run_delay);
	*disturbed += call_disturbed(&before, &after);
	return truth;
}

/*
 * sleep_measured(MS), counting in *disturbed a call that did not block
 * exactly once without being preempted (call_disturbed()).
 */
static long long sleep_blocked_once(long ms, int *disturbed)
{
	struct rusage before, after;
	long long measured;

	getrusage(RUSAGE_THREAD, &before);
	measured = sleep_measured(ms);
	getrusage(RUSAGE_THREAD, &after);
	*disturbed += call_disturbed(&before, &after);
	return measured;
}

/*
 * Whether the module's VALUE for the sleep TRUTH made is right: inside the
 * call, and no shorter than the kernel's account of the sleep less 0.1 ms.
 * The kernel stops the thread's CPU time at its dequeue, early in
 * __schedule(); the sched_switch tracepoint comes after pick_next_task(),
 * which on a CPU going idle first tries to pull work from the others (a
 * newidle balance, which drops the run queue's lock): 0.2 ms on the debug
 * kernel under emulation, 3 ms when a vCPU stalled there. The module dates
 * the block at the dequeue all the same (TaskSlot::left_cpu_at), so its
 * value is no shorter than the account, which is itself short by the CPU
 * time of the helper's reads around the call (0.16 to 0.24 ms over the
 * runs seen); dated at the tracepoint, it fell short by up to 0.87 ms, and
 * by 3 ms once. A sleep the kernel's run_delay took in part for a wait
 * (moved while asleep: see tests/profiler_moved_asleep.sh) only lowers
 * the floor.
 */
static int value_ok(long long value, struct sleep_truth truth)
{
	return value <= truth.measured && value >= truth.asleep - MS / 10;
}

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EAGAIN: return "EAGAIN";
	case EINVAL: return "EINVAL";
	case ESRCH: return "ESRCH";
	case EBADF: return "EBADF";
	case ENOENT: return "ENOENT";
	case EBUSY: return "EBUSY";
	case EIO: return "EIO";
	default: return strerror(e);
	}
}

/* Opens /proc/allpids/PID/notifier/RES, retrying while the directory is new. */
static int open_notifier(pid_t pid, const char *res, int flags)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/allpids/%d/notifier/%s", pid, res);
	for (int i = 0; (fd = open(path, O_RDWR | flags)) < 0 && i < 500; i++)
		usleep(10000);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

static void arm(int fd, const char *what, __s64 level, __u64 cookie, __u32 flags, int efd,
		__u32 window_ms)
{
	struct lattop_threshold t = {
		.level = level,
		.cookie = cookie,
		.flags = flags,
		.delivery = efd >= 0 ? LATTOP_DELIVER_EVENTFD : LATTOP_DELIVER_POLL,
		.eventfd = efd >= 0 ? efd : 0,
		.window_ms = window_ms,
	};

	if (write(fd, &t, sizeof(t)) != sizeof(t)) {
		printf("arm_%s %s\n", what, errno_name(errno));
		exit(1);
	}
}

/* A non-blocking read of up to MAX events: their number, or -errno. */
static int read_events(int fd, struct lattop_event *ev, int max)
{
	ssize_t n = read(fd, ev, max * sizeof(*ev));

	if (n < 0)
		return -errno;
	if (n % sizeof(*ev)) {
		printf("partial_read %zd\n", n);
		exit(1);
	}
	return n / sizeof(*ev);
}

/*
 * The sum of the eventfd's counter over SPIN_MS, read without sleeping (a
 * sleep would be one more sleep_latency value): all of it, so that an
 * announcement too many is seen too.
 */
static unsigned long long drain_eventfd(int efd, long spin_ms)
{
	unsigned long long total = 0, v;
	long long until = now_ns() + spin_ms * MS;

	while (now_ns() < until) {
		if (read(efd, &v, sizeof(v)) == sizeof(v))
			total += v;
		sched_yield();
	}
	return total;
}

#define SLEEPS 100
#define LONG_MS 20
#define QUEUE_LEVEL 10000123LL		/* ns: between the 1 ms and 20 ms sleeps, distinctive */
#define QUEUE_COOKIE 0x5eed0000c0ffee01ULL

static int mode_queue(void)
{
	struct lattop_event ev[2 * LATTOP_EVENT_QUEUE_LEN];
	struct sleep_truth truth[SLEEPS + 1];
	int schedstat = open("/proc/thread-self/schedstat", O_RDONLY);
	int pid = getpid(), tid = syscall(SYS_gettid), n, bad_echo = 0, bad_value = 0, disturbed = 0;
	long long most_short = LLONG_MIN;
	int efd = eventfd(0, EFD_NONBLOCK);
	int fd = open_notifier(pid, LATTOP_RESOURCE_NAME_SLEEP_LATENCY, O_NONBLOCK);
	unsigned long long counted, counted_after;

	arm(fd, "queue", QUEUE_LEVEL, QUEUE_COOKIE, LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_UP, efd, 0);
	n = read_events(fd, ev, 1);
	printf("empty_read %s\n", n < 0 ? errno_name(-n) : "events");
	/*
	 * The baseline: the threshold's first sleep fires nothing. Then every
	 * 20 ms sleep is at or above the level and differs from the one before
	 * (lengths in ns never repeat), so LEVEL|UP fires on each, whatever
	 * this one's length. No other sleep comes between: this process does
	 * nothing else until the reads (which do not block). A sleep
	 * disturbed by a preemption is counted (the test runs this again).
	 */
	if (schedstat < 0) {
		perror("/proc/thread-self/schedstat");
		exit(1);
	}
	sleep_undisturbed(1, schedstat, &disturbed);
	for (int i = 0; i < SLEEPS; i++)
		truth[i] = sleep_undisturbed(LONG_MS, schedstat, &disturbed);
	/* Announcements are irq_work: spin (never sleep) until they are in. */
	counted = drain_eventfd(efd, 500);
	n = read_events(fd, ev, 2 * LATTOP_EVENT_QUEUE_LEN);
	printf("crossings %d\n", SLEEPS);
	printf("queued %d\n", n);
	printf("eventfd %llu\n", counted);
	for (int i = 0; i < n; i++) {
		const struct lattop_event *e = &ev[i];

		if (e->cookie != QUEUE_COOKIE || e->level != QUEUE_LEVEL ||
		    e->resource != LATTOP_RESOURCE_SLEEP_LATENCY || e->kind != LATTOP_EVENT_CROSSED ||
		    e->pid != pid || e->tid != tid || e->lost != 0) {
			printf("bad_event %d cookie %llx level %lld resource %u kind %u pid %d tid %d lost %llu\n",
			       i, (unsigned long long)e->cookie, (long long)e->level, e->resource, e->kind,
			       e->pid, e->tid, (unsigned long long)e->lost);
			bad_echo++;
		}
		/* The module's sleep runs from the dequeue to the wake-up. */
		if (truth[i].asleep - e->value > most_short)
			most_short = truth[i].asleep - e->value;
		if (!value_ok(e->value, truth[i])) {
			printf("bad_value %d value %lld measured %lld asleep %lld\n", i,
			       (long long)e->value, truth[i].measured, truth[i].asleep);
			bad_value++;
		}
	}
	printf("bad_echo %d\nbad_value %d\n", bad_echo, bad_value);
	/* How far below the kernel's account the module's values went, at most. */
	printf("most_short_of_asleep_ns %lld\n", most_short);
	n = read_events(fd, ev, 1);
	printf("drained_read %s\n", n < 0 ? errno_name(-n) : "events");

	/* One more crossing: the first event after the drops. */
	truth[SLEEPS] = sleep_undisturbed(LONG_MS, schedstat, &disturbed);
	for (long long until = now_ns() + 1000 * MS; now_ns() < until; sched_yield())
		if ((n = read_events(fd, ev, 2 * LATTOP_EVENT_QUEUE_LEN)) != -EAGAIN)
			break;
	counted_after = drain_eventfd(efd, 200);
	printf("next_events %d\n", n);
	if (n > 0) {
		printf("next_lost %llu\n", (unsigned long long)ev[0].lost);
		printf("next_value %lld measured %lld asleep %lld\n", (long long)ev[0].value,
		       truth[SLEEPS].measured, truth[SLEEPS].asleep);
		printf("next_value_ok %d\n",
		       value_ok(ev[0].value, truth[SLEEPS]) && ev[0].cookie == QUEUE_COOKIE);
	}
	printf("expected_lost %d\n", SLEEPS - LATTOP_EVENT_QUEUE_LEN);
	printf("eventfd_after %llu\n", counted_after);
	printf("disturbed %d\n", disturbed);
	return 0;
}

#define RATE_LEVEL 10000000LL	/* ns: between the 1 ms and the 20 ms sleeps */
#define RATE_CYCLES 140		/* 140 x (1 + 20) ms: about 3 s */

/*
 * ratelimit PERIOD_MS: PERIOD_MS is the module's eval_period_ms. Checks the
 * UP threshold's events against the crossings this helper made:
 *  - never two within PERIOD_MS ("too_soon");
 *  - each one comes at the latest at the end of the first crossing whose
 *    long sleep began at least PERIOD_MS after the event before (that
 *    sleep's wake-up, which the module sees after its start plus 20 ms,
 *    is past the period, so it must fire): "late";
 *  - no crossing began PERIOD_MS or more after the last event
 *    ("missed_at_end").
 * The first event must come by the end of the first crossing.
 */
static int mode_ratelimit(long period_ms)
{
	struct lattop_event ev[LATTOP_EVENT_QUEUE_LEN];
	int pid = getpid(), up = open_notifier(pid, LATTOP_RESOURCE_NAME_SLEEP_LATENCY, O_NONBLOCK);
	int level = open_notifier(pid, LATTOP_RESOURCE_NAME_SLEEP_LATENCY, O_NONBLOCK);
	static long long began[RATE_CYCLES], ended[RATE_CYCLES];
	static int clear[RATE_CYCLES];
	int n, crossings = 0, unclear = 0, disturbed = 0, too_soon = 0, late = 0, missed = 0;
	long long start, end, period = period_ms * MS, min_gap = -1, max_gap = 0;

	arm(up, "up", RATE_LEVEL, 0x4a7e, LATTOP_THRESHOLD_UP, -1, 0);
	arm(level, "level", RATE_LEVEL, 0x1e7e1, LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_UP, -1, 0);
	start = now_ns();
	for (int i = 0; i < RATE_CYCLES; i++) {
		/*
		 * A short sleep this helper measured under the level was
		 * under it for the module too (its measure is inside ours),
		 * so the long one after it is a crossing. One measured at or
		 * above the level (a late timer under emulation) may or may
		 * not have been: not counted as a crossing (the first sleep
		 * is the baseline: the first long one is a crossing). Nor is
		 * a cycle where either sleep did not block exactly once
		 * unpreempted (see sleep_undisturbed): a short one whose
		 * timer fired while the vCPU stalled before it could block
		 * is no sleep at all to the module, and a long one preempted
		 * after arming its timer may block for less than the level.
		 */
		int cycle_disturbed = 0;

		clear[i] = sleep_blocked_once(1, &cycle_disturbed) < RATE_LEVEL;
		began[i] = now_ns();
		sleep_blocked_once(LONG_MS, &cycle_disturbed);
		ended[i] = now_ns();
		clear[i] = clear[i] && !cycle_disturbed;
		crossings += clear[i];
		unclear += !clear[i];
		disturbed += cycle_disturbed;
	}
	end = now_ns();
	n = read_events(up, ev, LATTOP_EVENT_QUEUE_LEN);
	if (n < 0)
		n = 0;
	for (int k = 0; k < n; k++) {
		long long t = ev[k].time_ns, due = -1;

		printf("up_event %d at_ms %lld value %lld cookie %llx\n", k, (t - start) / MS,
		       (long long)ev[k].value, (unsigned long long)ev[k].cookie);
		if (k > 0) {
			long long prev = ev[k - 1].time_ns, gap = t - prev;

			if (gap < period)
				too_soon++;
			if (min_gap < 0 || gap < min_gap)
				min_gap = gap;
			if (gap > max_gap)
				max_gap = gap;
			for (int i = 0; i < RATE_CYCLES && due < 0; i++)
				if (clear[i] && began[i] >= prev + period)
					due = ended[i];
		} else {
			for (int i = 0; i < RATE_CYCLES && due < 0; i++)
				if (clear[i])
					due = ended[i];
		}
		if (due >= 0 && t > due) {
			printf("late_event %d at_ms %lld due_ms %lld\n", k, (t - start) / MS, (due - start) / MS);
			late++;
		}
	}
	for (int i = 0; n > 0 && i < RATE_CYCLES; i++)
		if (clear[i] && began[i] >= (long long)ev[n - 1].time_ns + period) {
			printf("missed_crossing at_ms %lld\n", (began[i] - start) / MS);
			missed++;
			break;
		}
	printf("span_ms %lld\ncrossings %d\nunclear %d\ndisturbed %d\n", (end - start) / MS, crossings,
	       unclear, disturbed);
	printf("up_events %d\nmin_gap_ms %lld\nmax_gap_ms %lld\n", n, min_gap / MS, max_gap / MS);
	printf("too_soon %d\nlate %d\nmissed_at_end %d\n", too_soon, late, missed);
	n = read_events(level, ev, LATTOP_EVENT_QUEUE_LEN);
	printf("level_events %d\n", n);
	return 0;
}

/* The child's side of a pipe protocol: waits for one byte from the parent. */
static void wait_byte(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(1);
}

static void touch(char *p, long len)
{
	for (long i = 0; i < len; i += 4096)
		p[i] = 1;
}

/* One threshold of the shm mode and what it got in the current phase. */
struct watched {
	int fd;
	__u64 cookie;
	int events, bad;
	long long first, last, max;
	int decreasing;		/* values that fell (growth only: none expected) */
};

static void drain(struct watched *w)
{
	struct lattop_event ev[LATTOP_EVENT_QUEUE_LEN];
	int n;

	while ((n = read_events(w->fd, ev, LATTOP_EVENT_QUEUE_LEN)) > 0) {
		for (int i = 0; i < n; i++) {
			if (ev[i].cookie != w->cookie || ev[i].kind != LATTOP_EVENT_CROSSED ||
			    ev[i].lost != 0)
				w->bad++;
			if (w->events > 0 && ev[i].value < w->last)
				w->decreasing++;
			if (w->events == 0)
				w->first = ev[i].value;
			w->last = ev[i].value;
			if (ev[i].value > w->max)
				w->max = ev[i].value;
			w->events++;
		}
	}
	if (n < 0 && n != -EAGAIN) {
		printf("read_failed %s\n", errno_name(-n));
		exit(1);
	}
}

static void new_phase(struct watched *w, int nr)
{
	for (int i = 0; i < nr; i++) {
		w[i].events = w[i].bad = w[i].decreasing = 0;
		w[i].first = w[i].last = w[i].max = -1;
	}
}

/*
 * Lets the child go on (one byte), then reads its report line ("ANON_KB
 * SHMEM_KB") into BUF while draining the thresholds' queues (so none
 * fills), and drains them for 300 ms (30 evaluation periods) more.
 */
static void run_phase(int to_child, int from_child, struct watched *w, int nr, char *buf,
		      size_t size)
{
	struct pollfd pfd = { .fd = from_child, .events = POLLIN };
	size_t len = 0;
	long long until;

	if (to_child >= 0 && write(to_child, "g", 1) != 1)
		exit(1);
	while (len < size - 1) {
		if (poll(&pfd, 1, 5) == 1) {
			if (read(from_child, buf + len, 1) != 1)
				exit(1);
			if (buf[len] == '\n')
				break;
			len++;
		}
		for (int i = 0; i < nr; i++)
			drain(&w[i]);
	}
	buf[len] = 0;
	for (until = now_ns() + 300 * MS; now_ns() < until; usleep(5000))
		for (int i = 0; i < nr; i++)
			drain(&w[i]);
}

static void show(const char *phase, const char *name, const struct watched *w)
{
	printf("%s_%s events %d first %lld last %lld max %lld decreasing %d bad %d\n", phase, name,
	       w->events, w->first, w->last, w->max, w->decreasing, w->bad);
}

/* What the child reports: its RssAnon and RssShmem, in kB. */
static void child_report(int fd)
{
	dprintf(fd, "%ld %ld\n", status_field("RssAnon"), status_field("RssShmem"));
}

static int mode_shm(void)
{
	int to_child[2], from_child[2];
	char line[256];
	long anon0, shm0, anon1, shm1, anon2, shm2;
	struct watched w[3];
	pid_t child;

	if (pipe(to_child) || pipe(from_child))
		return 1;
	child = fork();
	if (child == 0) {
		char *anon, *shm;
		int memfd;

		close(to_child[1]);
		close(from_child[0]);
		/*
		 * The binary lives on the initramfs (tmpfs): its pages count as
		 * shared memory. Fault them all in now, before the thresholds
		 * are armed, so that running new code in the anonymous phase
		 * does not grow RssShmem.
		 */
		if (mlockall(MCL_CURRENT))
			_exit(1);
		child_report(from_child[1]);
		wait_byte(to_child[0]);
		anon = malloc(32 * MIB);
		touch(anon, 32 * MIB);
		child_report(from_child[1]);
		wait_byte(to_child[0]);
		memfd = memfd_create("notify_check", 0);
		if (memfd < 0 || ftruncate(memfd, 32 * MIB))
			_exit(1);
		shm = mmap(NULL, 32 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
		if (shm == MAP_FAILED)
			_exit(1);
		touch(shm, 32 * MIB);
		child_report(from_child[1]);
		wait_byte(to_child[0]);
		_exit(0);
	}
	close(to_child[0]);
	close(from_child[1]);
	new_phase(w, 3);
	run_phase(-1, from_child[0], w, 0, line, sizeof(line));
	sscanf(line, "%ld %ld", &anon0, &shm0);

	long long shm_level = shm0 * 1024 + 16 * MIB;

	w[0].fd = open_notifier(child, LATTOP_RESOURCE_NAME_SHM_USAGE, O_NONBLOCK);
	w[0].cookie = 0x5a;
	arm(w[0].fd, "shm_any", INT64_MIN, 0x5a, LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_UP, -1, 0);
	w[1].fd = open_notifier(child, LATTOP_RESOURCE_NAME_SHM_USAGE, O_NONBLOCK);
	w[1].cookie = 0x5b;
	arm(w[1].fd, "shm_up", shm_level, 0x5b, LATTOP_THRESHOLD_UP, -1, 0);
	w[2].fd = open_notifier(child, LATTOP_RESOURCE_NAME_MEMORY_USAGE, O_NONBLOCK);
	w[2].cookie = 0x3e;
	arm(w[2].fd, "mem_any", INT64_MIN, 0x3e, LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_UP, -1, 0);
	/* 30 evaluation periods: the baselines are taken, nothing moves. */
	usleep(300000);
	for (int i = 0; i < 3; i++)
		drain(&w[i]);
	show("idle", "shm_any", &w[0]);
	show("idle", "mem_any", &w[2]);

	new_phase(w, 3);
	run_phase(to_child[1], from_child[0], w, 3, line, sizeof(line));
	sscanf(line, "%ld %ld", &anon1, &shm1);
	printf("anon_phase_anon_kb %ld %ld\nanon_phase_shmem_kb %ld %ld\n", anon0, anon1, shm0, shm1);
	show("anon_phase", "shm_any", &w[0]);
	show("anon_phase", "shm_up", &w[1]);
	show("anon_phase", "mem_any", &w[2]);

	new_phase(w, 3);
	run_phase(to_child[1], from_child[0], w, 3, line, sizeof(line));
	sscanf(line, "%ld %ld", &anon2, &shm2);
	printf("shm_phase_anon_kb %ld %ld\nshm_phase_shmem_kb %ld %ld\n", anon1, anon2, shm1, shm2);
	show("shm_phase", "shm_any", &w[0]);
	show("shm_phase", "shm_up", &w[1]);
	show("shm_phase", "mem_any", &w[2]);
	printf("shm_level %lld\n", shm_level);
	if (write(to_child[1], "g", 1) != 1)
		return 1;
	waitpid(child, NULL, 0);
	return 0;
}

#define SPIN_MS 1200
#define CPU_WINDOW_MS 200
#define CPU_LEVEL 50
#define CPU_COOKIE 0xc0c0c0c0ULL

static int mode_cpu(void)
{
	int from_child[2], fd, n;
	struct lattop_event ev[LATTOP_EVENT_QUEUE_LEN];
	struct pollfd pfd;
	long long stopped = 0, armed;
	pid_t child;

	if (pipe(from_child))
		return 1;
	child = fork();
	if (child == 0) {
		long long until = now_ns() + SPIN_MS * MS, t;

		close(from_child[0]);
		while ((t = now_ns()) < until)
			;
		if (write(from_child[1], &t, sizeof(t)) != sizeof(t))
			_exit(1);
		sleep(2);
		_exit(0);
	}
	close(from_child[1]);
	fd = open_notifier(child, LATTOP_RESOURCE_NAME_CPU_USAGE, O_NONBLOCK);
	arm(fd, "cpu", CPU_LEVEL, CPU_COOKIE, LATTOP_THRESHOLD_DOWN, -1, CPU_WINDOW_MS);
	armed = now_ns();
	if (read(from_child[0], &stopped, sizeof(stopped)) != sizeof(stopped))
		return 1;
	printf("armed_before_stop_ms %lld\n", (stopped - armed) / MS);
	pfd.fd = fd;
	pfd.events = POLLIN;
	poll(&pfd, 1, 1500);
	/* A second event (there should be none) would come meanwhile. */
	usleep(500000);
	n = read_events(fd, ev, LATTOP_EVENT_QUEUE_LEN);
	printf("events %d\n", n < 0 ? 0 : n);
	/* Negative delays: events before the spinning stopped. */
	for (int i = 0; i < n; i++)
		printf("event delay_ms %lld value %lld level %lld cookie %llx resource %u pid %d\n",
		       ((long long)ev[i].time_ns - stopped) / MS, (long long)ev[i].value,
		       (long long)ev[i].level, (unsigned long long)ev[i].cookie, ev[i].resource,
		       ev[i].pid);
	printf("child %d\nwindow_ms %d\n", child, CPU_WINDOW_MS);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}

/*
 * A vfork child (no copy of the memory: far cheaper than fork under
 * emulation) that exits at once, or, if it got pid HOLD, execs this
 * helper's "hold" mode, which waits until killed. Returns its pid. Apart
 * so that the child never returns into the caller's frame.
 */
static __attribute__((noinline)) pid_t vfork_one(pid_t hold)
{
	pid_t child = vfork();

	if (child == 0) {
		if (getpid() == hold)
			execl("/proc/self/exe", "notify_check", "hold", (char *)NULL);
		_exit(0);
	}
	return child;
}

static int mode_reuse(void)
{
	struct lattop_threshold t = {
		.level = 1,
		.flags = LATTOP_THRESHOLD_UP,
		.delivery = LATTOP_DELIVER_POLL,
	};
	struct lattop_event ev[4];
	int armed, unarmed, early, attempts = 0, err, n, exited = 0, other = 0;
	pid_t victim, again = -1;

	/*
	 * The victim's pid must be one the allocator comes back to: past the
	 * 300 reserved ones (after pid_max, the allocator wraps to 300).
	 * vfork children that exit at once use pids up until then.
	 */
	for (int i = 0; i < 5000; i++) {
		pid_t burn = vfork_one(-1);

		if (burn < 0)
			break;
		waitpid(burn, NULL, 0);
		if (burn >= 300)
			break;
	}
	victim = fork();
	if (victim == 0) {
		pause();
		_exit(0);
	}
	armed = open_notifier(victim, LATTOP_RESOURCE_NAME_MEMORY_USAGE, O_NONBLOCK);
	unarmed = open_notifier(victim, LATTOP_RESOURCE_NAME_FD_COUNT, O_NONBLOCK);
	early = open_notifier(victim, LATTOP_RESOURCE_NAME_THREAD_COUNT, O_NONBLOCK);
	if (write(armed, &t, sizeof(t)) != sizeof(t)) {
		printf("arm_victim %s\n", errno_name(errno));
		return 1;
	}
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
	/* Exited, its directory kept by the armed threshold, pid not reused yet. */
	usleep(500000);
	err = write(early, &t, sizeof(t)) < 0 ? errno : 0;
	printf("write_before_reuse %s\n", errno_name(err));
	close(early);
	/*
	 * vfork_one until a child gets the victim's pid. Given up after 5,000
	 * tries or 40 s (pid_max set too low for the tasks alive would make
	 * each fail, EAGAIN).
	 */
	long long give_up = now_ns() + 40000 * MS;
	int failed = 0;

	while (attempts + failed < 5000 && now_ns() < give_up) {
		pid_t child = vfork_one(victim);

		if (child < 0) {
			failed++;
			usleep(1000);
			continue;
		}
		attempts++;
		if (child == victim) {
			again = child;
			break;
		}
		waitpid(child, NULL, 0);
	}
	printf("victim %d\nattempts %d\nfork_failures %d\nreused %s\n", victim, attempts, failed,
	       again == victim ? "yes" : "no");
	if (again != victim)
		return 0;
	/* Give the directory pass time to see the new process (tests allow 500 ms). */
	usleep(500000);
	err = write(unarmed, &t, sizeof(t)) < 0 ? errno : 0;
	printf("write_after_reuse %s\n", errno_name(err));
	n = read_events(armed, ev, 4);
	printf("old_read %s\n", n < 0 ? errno_name(-n) : "ok");
	for (int i = 0; i < n; i++) {
		if (ev[i].kind == LATTOP_EVENT_EXITED && ev[i].pid == victim)
			exited++;
		else
			other++;
	}
	printf("old_exited_events %d\nold_other_events %d\n", exited, other);
	/* Once EXITED was read: 0, not the new process's events. */
	n = read(armed, ev, sizeof(ev));
	printf("old_read_after %s\n", n < 0 ? errno_name(errno) : n == 0 ? "0" : "events");
	close(unarmed);
	close(armed);
	kill(again, SIGKILL);
	waitpid(again, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "queue"))
		return mode_queue();
	if (argc == 3 && !strcmp(argv[1], "ratelimit"))
		return mode_ratelimit(atol(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "shm"))
		return mode_shm();
	if (argc == 2 && !strcmp(argv[1], "cpu"))
		return mode_cpu();
	if (argc == 2 && !strcmp(argv[1], "reuse"))
		return mode_reuse();
	if (argc == 2 && !strcmp(argv[1], "hold"))
		return pause();
	fprintf(stderr, "usage: notify_check queue|ratelimit PERIOD_MS|shm|cpu|reuse|hold\n");
	return 2;
}
