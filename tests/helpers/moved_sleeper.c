// SPDX-License-Identifier: GPL-2.0
/*
 * moved_sleeper asleep|woken SLEEP_MS MOVED_WANTED MAX_SLEEPS: a thread
 * that sleeps SLEEP_MS at a time and is moved to the other CPU by a mover
 * thread (sched_setaffinity, which moves a queued task at once and a
 * dequeued one only when it wakes), until MOVED_WANTED sleeps were moved
 * as the mode says or MAX_SLEEPS sleeps were made.
 *
 * asleep: moved 0.3 ms into its sleep, while EEVDF's delayed dequeue
 *   (6.12) still leaves it queued: the move re-enqueues it on its new CPU,
 *   and the kernel's own sched_info then counts the rest of its sleep as a
 *   wait for a CPU (run_delay), though it is still asleep. Two spinners,
 *   one pinned to each CPU, compete with the sleeper, which runs at nice
 *   19: its virtual time runs 68 times faster than theirs, so it is ahead
 *   of its fair share (ineligible) whenever it has just run, as when it
 *   goes to sleep, which is when EEVDF delays its dequeue, for as long as
 *   the spinner takes to catch up. A sleep is "moved" when its run_delay
 *   grew by more than the call took beyond SLEEP_MS (1 ms allowed): the
 *   call slept at least what it asked (a timer never fires early), so it
 *   waited at most the rest, and a larger run_delay counted sleep.
 * woken: moved 10 ms after its sleep's end, while it waits for its CPU,
 *   which a SCHED_FIFO spinner pinned there holds from 1 ms into the sleep
 *   to 20 ms after it (one such spinner a CPU, each started by the
 *   sleeper through a pipe). Alone in its class on its CPU when it
 *   sleeps, the sleeper is never delayed asleep. A sleep is "moved" when
 *   it ended on the other CPU with a run_delay grown by 3 ms or more.
 *
 * The sleeper is a thread of its own, created on CPU 0 for the loop and
 * joined after it, so that all its sleeps are the loop's nanosleeps.
 * Before and after each sleep it reads its CPU and its run_delay
 * (/proc/thread-self/schedstat), and its context switches
 * (getrusage(RUSAGE_THREAD)) around the call. Prints, once it is joined:
 * "tid T", "sleeps N" (calls), "blocked B" (its voluntary switches in the
 * calls: a call preempted after arming its timer may end without
 * blocking), "clean K" (calls that blocked once and were not preempted),
 * "moved M", "cpu_changes C" (sleeps that ended on another CPU), "measured_us U" (the nanosleeps timed around each call,
 * CLOCK_MONOTONIC) and "asked_us A" (N x SLEEP_MS).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "steps.h"

#define MS 1000000LL
#define SPIN_MS 3
#define MOVE_ASLEEP_AFTER_US 300
#define MOVE_WOKEN_AFTER_MS 10
#define HOLD_FROM_MS 1
#define HOLD_PAST_MS 20
#define WOKEN_WAIT_MS 3

static int woken_mode;
static long sleep_ms_arg, moved_wanted, max_sleeps;
static atomic_int stop;
static pid_t sleeper_tid;
/* The sleeper says "I am going to sleep on CPU c" to the mover, and in
 * woken mode to CPU c's holder, when it sleeps from start_ns. */
static int to_mover[2], to_holder[2][2];
static atomic_llong sleep_start_ns;

static struct {
	long sleeps, moved, cpu_changes, blocked, clean;
	long long measured_ns;
} result;

static void affinity(cpu_set_t *set, int cpu)
{
	CPU_ZERO(set);
	CPU_SET(cpu, set);
}

static void pin(pid_t tid, int cpu)
{
	cpu_set_t set;

	affinity(&set, cpu);
	if (sched_setaffinity(tid, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static void spin_until(long long until_ns)
{
	while (now_ns() < until_ns)
		;
}

/* Asleep mode: a CFS spinner on CPU `cpu`, for as long as the run. */
static void *spinner(void *cpu)
{
	pin(0, (int)(long)cpu);
	while (!atomic_load(&stop))
		;
	return NULL;
}

/* Woken mode: on CPU `cpu`, in SCHED_FIFO, holds it over each sleep's end. */
static void *holder(void *cpu_arg)
{
	int cpu = (int)(long)cpu_arg;
	struct sched_param param = { .sched_priority = 1 };
	char byte;

	pin(0, cpu);
	if (sched_setscheduler(0, SCHED_FIFO, &param)) {
		perror("sched_setscheduler");
		exit(1);
	}
	while (read(to_holder[cpu][0], &byte, 1) == 1) {
		/* Let the sleeper, which it woke from, go to sleep first. */
		sleep_ms(HOLD_FROM_MS);
		spin_until(atomic_load(&sleep_start_ns) + (sleep_ms_arg + HOLD_PAST_MS) * MS);
	}
	return NULL;
}

/* sched_info's run_delay of this thread, ns (schedstat's second field). */
static long long run_delay(int fd)
{
	char buf[128];
	unsigned long long on_cpu, delay;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (sscanf(buf, "%llu %llu", &on_cpu, &delay) != 2)
		return -1;
	return delay;
}

/*
 * Each time the sleeper says it goes to sleep on a CPU, moves it to the
 * other one. Asleep mode: MOVE_ASLEEP_AFTER_US later, spinning meanwhile
 * (a sleep of its own would end late, with both CPUs busy), and soon,
 * because a delayed dequeue lasts only until the task would be eligible
 * again. Woken mode: MOVE_WOKEN_AFTER_MS after the sleep's end (it runs
 * on the CPU the holder leaves free).
 */
static void *mover(void *unused)
{
	char byte;

	(void)unused;
	while (read(to_mover[0], &byte, 1) == 1) {
		long long start = atomic_load(&sleep_start_ns);

		if (woken_mode)
			spin_until(start + (sleep_ms_arg + MOVE_WOKEN_AFTER_MS) * MS);
		else
			spin_until(now_ns() + MOVE_ASLEEP_AFTER_US * 1000LL);
		pin(sleeper_tid, byte == '0' ? 1 : 0);
	}
	return NULL;
}

static void say(int fd, char byte)
{
	if (write(fd, &byte, 1) != 1) {
		perror("write");
		exit(1);
	}
}

static void *sleeper(void *unused)
{
	int fd = open("/proc/thread-self/schedstat", O_RDONLY);
	long long asked = sleep_ms_arg * MS;

	(void)unused;
	if (fd < 0) {
		perror("/proc/thread-self/schedstat");
		exit(1);
	}
	sleeper_tid = syscall(SYS_gettid);
	/* At nice 19 it outruns its share whenever it runs (see the top). */
	if (!woken_mode && setpriority(PRIO_PROCESS, sleeper_tid, 19)) {
		perror("setpriority");
		exit(1);
	}
	while (result.sleeps < max_sleeps && result.moved < moved_wanted) {
		struct timespec ts = { .tv_sec = sleep_ms_arg / 1000,
				       .tv_nsec = (sleep_ms_arg % 1000) * 1000000L };
		long long delay, start, call, waited;
		struct rusage before, after;
		int cpu;

		spin_until(now_ns() + SPIN_MS * MS);
		cpu = sched_getcpu();
		delay = run_delay(fd);
		atomic_store(&sleep_start_ns, now_ns());
		if (woken_mode)
			say(to_holder[cpu][1], 'h');
		say(to_mover[1], cpu == 0 ? '0' : '1');
		getrusage(RUSAGE_THREAD, &before);
		start = now_ns();
		nanosleep(&ts, NULL);
		call = now_ns() - start;
		getrusage(RUSAGE_THREAD, &after);
		result.blocked += after.ru_nvcsw - before.ru_nvcsw;
		result.clean += after.ru_nvcsw - before.ru_nvcsw == 1 &&
				after.ru_nivcsw == before.ru_nivcsw;
		waited = run_delay(fd) - delay;
		result.measured_ns += call;
		result.sleeps++;
		result.cpu_changes += sched_getcpu() != cpu;
		if (woken_mode)
			result.moved += sched_getcpu() != cpu && waited >= WOKEN_WAIT_MS * MS;
		else
			result.moved += waited > call - asked + MS;
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t helpers[2], mover_thread, sleeper_thread;

	if (argc != 5 || (strcmp(argv[1], "asleep") && strcmp(argv[1], "woken"))) {
		fprintf(stderr, "usage: moved_sleeper asleep|woken SLEEP_MS MOVED_WANTED MAX_SLEEPS\n");
		return 2;
	}
	woken_mode = !strcmp(argv[1], "woken");
	sleep_ms_arg = atol(argv[2]);
	moved_wanted = atol(argv[3]);
	max_sleeps = atol(argv[4]);
	if (pipe(to_mover) || pipe(to_holder[0]) || pipe(to_holder[1])) {
		perror("pipe");
		return 1;
	}
	for (long cpu = 0; cpu < 2; cpu++)
		pthread_create(&helpers[cpu], NULL, woken_mode ? holder : spinner, (void *)cpu);
	pthread_create(&mover_thread, NULL, mover, NULL);
	/*
	 * Made by this thread, pinned to CPU 0 first, whose affinity it
	 * inherits: moving itself would block it once, and so would a
	 * pthread affinity attribute (glibc holds the new thread on a lock
	 * while it sets it).
	 */
	pin(0, 0);
	pthread_create(&sleeper_thread, NULL, sleeper, NULL);
	pthread_join(sleeper_thread, NULL);
	atomic_store(&stop, 1);
	close(to_mover[1]);
	close(to_holder[0][1]);
	close(to_holder[1][1]);
	pthread_join(mover_thread, NULL);
	for (int cpu = 0; cpu < 2; cpu++)
		pthread_join(helpers[cpu], NULL);
	printf("tid %d\nsleeps %ld\nblocked %ld\nclean %ld\nmoved %ld\ncpu_changes %ld\n",
	       sleeper_tid, result.sleeps, result.blocked, result.clean, result.moved,
	       result.cpu_changes);
	printf("measured_us %lld\nasked_us %lld\n", result.measured_ns / 1000,
	       result.sleeps * sleep_ms_arg * 1000LL);
	return 0;
}
