// SPDX-License-Identifier: GPL-2.0
/*
 * idle_threads N: N threads blocked on a pipe, so that a probe loaded after
 * they started has not seen them. Prints "ready"; on SIGUSR1 it lets them
 * go: each sleeps 2 ms once (a block and a wake-up lattop records, so each
 * becomes a tracked task) and blocks again. Prints "slept" when all have
 * slept; exits on SIGTERM. The memory benchmark's "per tracked task".
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "clock.h"

static int go[2], park[2];
static pthread_barrier_t slept;

static void *idle(void *arg)
{
	char byte;

	(void)arg;
	if (read(go[0], &byte, 1) != 1)
		return NULL;
	sleep_ns(2000000);
	pthread_barrier_wait(&slept);
	/* Blocks for good: nothing is ever written to park. */
	if (read(park[0], &byte, 1) < 0)
		perror("read");
	return NULL;
}

int main(int argc, char **argv)
{
	long threads;
	pthread_attr_t attr;
	sigset_t signals;
	int sig;

	if (argc != 2 || (threads = atol(argv[1])) < 1) {
		fprintf(stderr, "usage: idle_threads N\n");
		return 2;
	}
	sigemptyset(&signals);
	sigaddset(&signals, SIGUSR1);
	sigaddset(&signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &signals, NULL);
	if (pipe(go) || pipe(park))
		return 1;
	pthread_barrier_init(&slept, NULL, threads + 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (long i = 0; i < threads; i++) {
		pthread_t id;

		if (pthread_create(&id, &attr, idle, NULL)) {
			perror("pthread_create");
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	sigwait(&signals, &sig);
	if (sig == SIGUSR1) {
		for (long i = 0; i < threads; i++)
			if (write(go[1], "g", 1) != 1)
				return 1;
		pthread_barrier_wait(&slept);
		printf("slept\n");
		sigwait(&signals, &sig);
	}
	return 0;
}
