// SPDX-License-Identifier: GPL-2.0
/*
 * sleeper MS COUNT: a thread that sleeps MS milliseconds COUNT times, one
 * nanosleep each. Prints the thread's tid first, so a test can find it, and
 * last "total_us T max_us M blocked B preempted P": the sleeps as the thread
 * itself measured them (CLOCK_MONOTONIC around each nanosleep), the ground
 * truth for lattop's, and the thread's voluntary and involuntary context
 * switches during the loop (getrusage(RUSAGE_THREAD)): a nanosleep whose
 * thread was preempted or throttled (a deadline task out of runtime)
 * after arming its timer may end without blocking, so B, not COUNT, is
 * how many times it slept.
 * With NICE=N in the environment, the thread runs at nice N (busybox has
 * no nice applet); with POLICY=fifo or POLICY=deadline it runs in the
 * scheduler's rt or dl class (the thread sets its own policy: a deadline
 * task may not create threads), and the tid line is "TID policy P", P the
 * policy the kernel then gives for the thread (sched_getscheduler()).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long ms, count;

/* include/uapi/linux/sched/types.h, which glibc's headers do not carry. */
struct dl_attr {
	unsigned int size, policy;
	unsigned long long flags;
	int nice;
	unsigned int priority;
	unsigned long long runtime, deadline, period;
};

/* Moves the calling thread to the class POLICY names: 0, or -1 (errno set). */
static int set_policy(const char *policy)
{
	if (!policy)
		return 0;
	if (!strcmp(policy, "fifo")) {
		struct sched_param param = { .sched_priority = 10 };

		return sched_setscheduler(0, SCHED_FIFO, &param);
	}
	if (!strcmp(policy, "deadline")) {
		/* 2 ms of CPU every 100 ms: far more than a sleep loop uses. */
		struct dl_attr attr = {
			.size = sizeof(attr), .policy = 6 /* SCHED_DEADLINE */,
			.runtime = 2000000, .deadline = 100000000, .period = 100000000,
		};

		return syscall(SYS_sched_setattr, 0, &attr, 0);
	}
	fprintf(stderr, "sleeper: unknown POLICY %s\n", policy);
	return -1;
}

static long long now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

static void *sleep_loop(void *arg)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	long long total = 0, max = 0;
	struct rusage before, after;

	(void)arg;
	if (set_policy(getenv("POLICY"))) {
		perror("sleeper: POLICY");
		exit(1);
	}
	if (getenv("POLICY"))
		printf("%d policy %d\n", gettid(), sched_getscheduler(0));
	else
		printf("%d\n", gettid());
	fflush(stdout);
	getrusage(RUSAGE_THREAD, &before);
	for (long i = 0; i < count; i++) {
		long long start = now_us();

		nanosleep(&ts, NULL);
		long long slept = now_us() - start;
		total += slept;
		if (slept > max)
			max = slept;
	}
	getrusage(RUSAGE_THREAD, &after);
	printf("total_us %lld max_us %lld blocked %ld preempted %ld\n", total, max,
	       after.ru_nvcsw - before.ru_nvcsw, after.ru_nivcsw - before.ru_nivcsw);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;

	if (argc != 3) {
		fprintf(stderr, "usage: sleeper MS COUNT\n");
		return 2;
	}
	ms = atol(argv[1]);
	count = atol(argv[2]);
	/* Before the thread is made, which inherits it. */
	if (getenv("NICE") && setpriority(PRIO_PROCESS, 0, atoi(getenv("NICE")))) {
		perror("setpriority");
		return 1;
	}
	if (pthread_create(&thread, NULL, sleep_loop, NULL))
		return 1;
	pthread_join(thread, NULL);
	return 0;
}
