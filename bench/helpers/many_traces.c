// SPDX-License-Identifier: GPL-2.0
/*
 * many_traces THREADS SITES MS: THREADS threads, each sleeping MS ms once at
 * each of SITES (at most 32) call sites of its own code, then blocking for
 * good: every thread ends with SITES traces of distinct user stacks (each
 * site returns to a different address). At most 8 threads sleep at a
 * time, so that the wake-ups' traces never outrun the module's drain (a
 * CPU's ring holds 256). Prints "ready" once all have slept; exits on
 * SIGTERM. The report benchmark's 1,000 tasks of 32 traces.
 */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "clock.h"

#define MAX_SITES 32
#define AT_ONCE 8

static long sites, ms;
static int park[2];
static pthread_barrier_t slept;
static sem_t turns;

static __attribute__((noinline)) void nap(void)
{
	sleep_ns(ms * 1000000LL);
	__asm__ volatile("" ::: "memory"); /* not a tail call */
}

/* One call of nap() per case: 32 return addresses, 32 user stacks. */
#define SITE(n) \
	case n: \
		nap(); \
		break
static __attribute__((noinline)) void sleep_at(long site)
{
	switch (site) {
	SITE(0); SITE(1); SITE(2); SITE(3); SITE(4); SITE(5); SITE(6); SITE(7);
	SITE(8); SITE(9); SITE(10); SITE(11); SITE(12); SITE(13); SITE(14); SITE(15);
	SITE(16); SITE(17); SITE(18); SITE(19); SITE(20); SITE(21); SITE(22); SITE(23);
	SITE(24); SITE(25); SITE(26); SITE(27); SITE(28); SITE(29); SITE(30); SITE(31);
	}
	__asm__ volatile("" ::: "memory");
}

static void *thread(void *arg)
{
	char byte;

	(void)arg;
	while (sem_wait(&turns))
		;
	for (long site = 0; site < sites; site++)
		sleep_at(site);
	sem_post(&turns);
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

	if (argc != 4 || (threads = atol(argv[1])) < 1 || (sites = atol(argv[2])) < 1 ||
	    sites > MAX_SITES || (ms = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: many_traces THREADS SITES(1-32) MS\n");
		return 2;
	}
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &signals, NULL);
	if (pipe(park))
		return 1;
	pthread_barrier_init(&slept, NULL, threads + 1);
	sem_init(&turns, 0, AT_ONCE);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (long i = 0; i < threads; i++) {
		pthread_t id;

		if (pthread_create(&id, &attr, thread, NULL)) {
			perror("pthread_create");
			return 1;
		}
	}
	pthread_barrier_wait(&slept);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	sigwait(&signals, &sig);
	return 0;
}
