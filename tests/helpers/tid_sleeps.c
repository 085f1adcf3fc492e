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
 *   thread tid T pid P count N blocked B total_us X max_us M undisturbed U
 *                                                        (T: gettid())
 *   main tid T pid P count N blocked B total_us X max_us M undisturbed U
 * (U: the sleeps that blocked once and were not preempted meanwhile)
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
	long long total = 0, max = 0;
	long blocked = 0, undisturbed = 0;
	char line[192];
	int n;

	for (long i = 0; i < count; i++) {
		long long start = now_ns();
		long switches = nvcsw(), preemptions = nivcsw();

		sleep_ms(ms);
		long long slept = (now_ns() - start) / 1000;
		blocked += nvcsw() > switches;
		undisturbed += nvcsw() == switches + 1 && nivcsw() == preemptions;
		total += slept;
		if (slept > max)
			max = slept;
	}
	n = snprintf(line, sizeof(line),
		     "%s tid %d pid %d count %ld blocked %ld total_us %lld max_us %lld undisturbed %ld\n",
		     who, gettid(), getpid(), count, blocked, total, max, undisturbed);
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
