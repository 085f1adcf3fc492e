// SPDX-License-Identifier: GPL-2.0
/*
 * many_sleepers THREADS MS [HOLD_MS]: THREADS threads that each sleep MS
 * milliseconds once, all at the same time. Prints its pid, then "ready" when
 * every thread has started, then "joined" when they have all exited; with
 * HOLD_MS, the process then sleeps that long before it exits.
 *
 * Before "joined" it prints "waited_us N": the wall-clock time all its
 * threads spent in the barrier, the sleeps and the joins, measured with
 * CLOCK_MONOTONIC around each call. A profiler's sum of their sleeps cannot
 * exceed it (blocking is a part of that time), and it does not depend on
 * how long the host took to create the threads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long ms;
static pthread_barrier_t started;
static unsigned long long waited_us;

static unsigned long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static void add_waited(unsigned long long since)
{
	__atomic_add_fetch(&waited_us, now_us() - since, __ATOMIC_RELAXED);
}

static void *sleep_once(void *arg)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	unsigned long long start = now_us();

	(void)arg;
	pthread_barrier_wait(&started);
	nanosleep(&ts, NULL);
	add_waited(start);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: many_sleepers THREADS MS [HOLD_MS]\n");
		return 2;
	}
	long n = atol(argv[1]);
	ms = atol(argv[2]);
	pthread_t *threads = calloc(n, sizeof(*threads));
	pthread_attr_t attr;

	printf("%d\n", getpid());
	fflush(stdout);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_barrier_init(&started, NULL, n + 1);
	for (long i = 0; i < n; i++)
		if (pthread_create(&threads[i], &attr, sleep_once, NULL)) {
			perror("pthread_create");
			return 1;
		}
	unsigned long long start = now_us();

	pthread_barrier_wait(&started);
	add_waited(start);
	printf("ready\n");
	fflush(stdout);
	start = now_us();
	for (long i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	add_waited(start);
	printf("waited_us %llu\n", __atomic_load_n(&waited_us, __ATOMIC_RELAXED));
	printf("joined\n");
	fflush(stdout);
	if (argc == 4) {
		long hold = atol(argv[3]);
		struct timespec ts = { .tv_sec = hold / 1000, .tv_nsec = (hold % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	return 0;
}
