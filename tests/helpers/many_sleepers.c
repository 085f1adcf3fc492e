// SPDX-License-Identifier: GPL-2.0
/*
 * many_sleepers THREADS MS [HOLD_MS]: THREADS threads that each sleep MS
 * milliseconds once, all at the same time. Prints its pid, then "ready" when
 * every thread has started, then "joined" when they have all exited; with
 * HOLD_MS, the process then sleeps that long before it exits.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long ms;
static pthread_barrier_t started;

static void *sleep_once(void *arg)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	(void)arg;
	pthread_barrier_wait(&started);
	nanosleep(&ts, NULL);
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
	pthread_barrier_wait(&started);
	printf("ready\n");
	fflush(stdout);
	for (long i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	printf("joined\n");
	fflush(stdout);
	if (argc == 4) {
		long hold = atol(argv[3]);
		struct timespec ts = { .tv_sec = hold / 1000, .tv_nsec = (hold % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	return 0;
}
