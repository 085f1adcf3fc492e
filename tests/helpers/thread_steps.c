// SPDX-License-Identifier: GPL-2.0
/*
 * thread_steps N HOLD_MS: starts N threads one at a time, holding HOLD_MS
 * after each start; each thread just waits on a condition variable until
 * told to exit. Then ends them one at a time (oldest first: tell it, join
 * it), holding HOLD_MS after each, and exits.
 *
 * Prints "ready pid P", waits START_DELAY_MS (environment, default 300) so a
 * watcher can arm a threshold, then after each change, once it is done:
 * "thread up I threads T at NS" and "thread down I threads T at NS"
 * (I = 1..N), T being Threads: of /proc/self/status, NS CLOCK_MONOTONIC.
 * Last "done". pthread_join() returns when the kernel clears the thread's
 * tid, a little before the thread leaves the thread group, so after each
 * join the helper polls Threads: (every 100 us, up to 1 s) until it has
 * dropped, and only then prints the line.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "steps.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long released; static void *wait_release(void *arg)
{
	long index = (long)arg;

	pthread_mutex_lock(&lock);
	while (released <= index)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3 || arg(argv[1]) < 0 || arg(argv[2]) < 0) {
		fprintf(stderr, "usage: thread_steps N HOLD_MS\n");
		return 2;
	}
	long n = arg(argv[1]), hold = arg(argv[2]), threads;
	pthread_t *tids = calloc(n + 1, sizeof(*tids));
	pthread_attr_t attr;
	int err;

	if (!tids) {
		perror("calloc");
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	announce_ready();
	for (long i = 0; i < n; i++) {
		err = pthread_create(&tids[i], &attr, wait_release, (void *)i);
		if (err) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			return 1;
		}
		printf("thread up %ld threads %ld at %lld\n", i + 1, status_field("Threads"), now_ns());
		sleep_ms(hold);
	}
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&lock);
		released = i + 1;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
		err = pthread_join(tids[i], NULL);
		if (err) {
			fprintf(stderr, "pthread_join: %s\n", strerror(err));
			return 1;
		}
		/* Until the thread has left the group: 1 + N - (i + 1) remain. */
		for (int tries = 0; (threads = status_field("Threads")) > n - i && tries < 10000; tries++)
			usleep(100);
		printf("thread down %ld threads %ld at %lld\n", i + 1, threads, now_ns());
		sleep_ms(hold);
	}
	printf("done\n");
	return 0;
}
