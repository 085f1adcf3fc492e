// SPDX-License-Identifier: GPL-2.0
/*
 * tid_sleeps THREAD_MS THREAD_COUNT MAIN_MS MAIN_COUNT: a process of two
 * threads that sleep differently, so that a test can tell whose sleeps a
 * report attributes to whom. The second thread sleeps THREAD_MS ms
 * THREAD_COUNT times, the main thread MAIN_MS ms MAIN_COUNT times, at the
 * same time; each measures its own sleeps with CLOCK_MONOTONIC around each
 * nanosleep, counts those that blocked (its voluntary context switches,
 * getrusage(RUSAGE_THREAD), went up: a timer that expires before the
 * scheduler takes the thread off its runqueue leaves it running, no sleep),
 * and prints (write(), so neither waits on stdio's lock)
 *
 *   thread tid T pid P count N blocked B total_us X max_us M undisturbed U asleep_us A asleep_max_us Z
 *                                                        (T: gettid())
 *   main tid T pid P count N blocked B total_us X max_us M undisturbed U asleep_us A asleep_max_us Z
 * (U: the sleeps that blocked once and were not preempted meanwhile; A and
 * Z: the total and longest of those U sleeps by the kernel's own account,
 * each the call's time less the thread's time on a CPU and waiting for one
 * during it: a vCPU the host stalls between the timer's arming and the
 * block leaves the thread on its CPU, awake, for part of the time asked)
 *
 * then blocks for a minute (the thread in nanosleep, main in pthread_join),
 * so that its records stay while the test reads them; a blocked sleep that
 * has not ended counts nowhere yet.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/resource.h>
#include "steps.h"

static long thread_ms, thread_count, main_ms, main_count;

/* The calling thread's voluntary context switches. */
static long nivcsw(void)
{
	struct rusage usage;

	getrusage(RUSAGE_THREAD, &usage);
	return usage.ru_nivcsw;
}

static long nvcsw(void)
{
	struct rusage usage;

	getrusage(RUSAGE_THREAD, &usage);
	return usage.ru_nvcsw;
}

static void sleeps(const char *who, long ms, long count)
{
	long long total = 0, max = 0, asleep_total = 0, asleep_max = 0;
	long blocked = 0, undisturbed = 0;
	int schedstat = open("/proc/thread-self/schedstat", O_RDONLY);
	char line[256];
	int n;

	if (schedstat < 0) {
		perror("/proc/thread-self/schedstat");
		exit(1);
	}
	for (long i = 0; i < count; i++) {
		long switches = nvcsw(), preemptions = nivcsw();
		struct cpu_times before = cpu_times(schedstat);
		long long start = now_ns();

		sleep_ms(ms);
		long long slept = now_ns() - start;
		struct cpu_times after = cpu_times(schedstat);
		long long asleep = slept - (after.on_cpu - before.on_cpu) -
				   (after.run_delay - before.run_delay);

		blocked += nvcsw() > switches;
		if (nvcsw() == switches + 1 && nivcsw() == preemptions) {
			undisturbed++;
			asleep_total += asleep / 1000;
			if (asleep / 1000 > asleep_max)
				asleep_max = asleep / 1000;
		}
		total += slept / 1000;
		if (slept / 1000 > max)
			max = slept / 1000;
	}
	close(schedstat);
	n = snprintf(line, sizeof(line),
		     "%s tid %d pid %d count %ld blocked %ld total_us %lld max_us %lld undisturbed %ld asleep_us %lld asleep_max_us %lld\n",
		     who, gettid(), getpid(), count, blocked, total, max, undisturbed, asleep_total,
		     asleep_max);
	if (write(1, line, n) != n)
		exit(1);
}

static void *thread_main(void *unused)
{
	(void)unused;
	sleeps("thread", thread_ms, thread_count);
	sleep_ms(60000);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;

	if (argc != 5 || (thread_ms = arg(argv[1])) < 0 || (thread_count = arg(argv[2])) < 0 ||
	    (main_ms = arg(argv[3])) < 0 || (main_count = arg(argv[4])) < 0) {
		fprintf(stderr, "usage: tid_sleeps THREAD_MS THREAD_COUNT MAIN_MS MAIN_COUNT\n");
		return 2;
	}
	if (pthread_create(&thread, NULL, thread_main, NULL))
		return 1;
	sleeps("main", main_ms, main_count);
	pthread_join(thread, NULL);
	return 0;
}
