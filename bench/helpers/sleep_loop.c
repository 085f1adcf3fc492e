// SPDX-License-Identifier: GPL-2.0
/*
 * sleep_loop THREADS PERIOD_US SECONDS: THREADS threads that each sleep
 * PERIOD_US microseconds in a loop for SECONDS seconds. Prints "ready" when
 * every thread is created and waits for SIGUSR1, so the caller can read
 * lattop's counters before the load starts (under plain TCG a loaded guest
 * starves the caller's shell); then all start together (a barrier). When
 * all have stopped it prints "threads N sleeps S": the load whose per-event
 * cost the scale benchmark reads from lattop's counters.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include "clock.h"

static long long period_ns, run_ns;
static pthread_barrier_t started;

static void *sleep_loop(void *arg)
{
	long sleeps = 0;
	long long deadline_ns;

	(void)arg;
	pthread_barrier_wait(&started);
	/*
	 * Each thread's own: the last of 10,000 threads may reach the barrier
	 * seconds after the first was created, and leaves it later still.
	 */
	deadline_ns = now_ns() + run_ns;
	while (now_ns() < deadline_ns) {
		sleep_ns(period_ns);
		sleeps++;
	}
	return (void *)sleeps;
}

int main(int argc, char **argv)
{
	long threads, total = 0;
	pthread_attr_t attr;
	sigset_t go;
	int sig;
	pthread_t *ids;

	if (argc != 4 || (threads = atol(argv[1])) < 1) {
		fprintf(stderr, "usage: sleep_loop THREADS PERIOD_US SECONDS\n");
		return 2;
	}
	/* Blocked before any thread exists, so that every thread inherits it. */
	sigemptyset(&go);
	sigaddset(&go, SIGUSR1);
	sigprocmask(SIG_BLOCK, &go, NULL);
	period_ns = atoll(argv[2]) * 1000;
	run_ns = atoll(argv[3]) * 1000000000LL;
	ids = calloc(threads, sizeof(*ids));
	pthread_barrier_init(&started, NULL, threads + 1);
	pthread_attr_init(&attr);
	/* Small stacks: 10,000 threads fit in a small guest. */
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (long i = 0; i < threads; i++)
		if (pthread_create(&ids[i], &attr, sleep_loop, NULL)) {
			perror("pthread_create");
			return 1;
		}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	sigwait(&go, &sig);
	pthread_barrier_wait(&started);
	for (long i = 0; i < threads; i++) {
		void *sleeps;

		pthread_join(ids[i], &sleeps);
		total += (long)sleeps;
	}
	printf("threads %ld sleeps %ld\n", threads, total);
	return 0;
}
