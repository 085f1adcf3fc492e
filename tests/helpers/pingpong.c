// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong ROUNDS [processes|threads]: two processes (the default) or two
 * threads of one process pass a byte back and forth over two pipes ROUNDS
 * times; prints "ns_per_round_trip N". Each round trip is two blocks and
 * two wake-ups: the context-switch cost probes add to.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int ping[2], pong[2];
static long rounds;

/* The other side: answers each ping with a pong. */
static void *answer(void *arg)
{
	char byte;

	(void)arg;
	for (long i = 0; i < rounds; i++)
		if (read(ping[0], &byte, 1) != 1 || write(pong[1], &byte, 1) != 1)
			return (void *)1;
	return NULL;
}

int main(int argc, char **argv)
{
	char byte = 0;
	struct timespec start, end;
	int threads = argc == 3 && !strcmp(argv[2], "threads");
	pthread_t answerer;
	pid_t child = -1;

	if (argc < 2 || argc > 3 || (argc == 3 && !threads && strcmp(argv[2], "processes"))) {
		fprintf(stderr, "usage: pingpong ROUNDS [processes|threads]\n");
		return 2;
	}
	rounds = atol(argv[1]);

	if (pipe(ping) || pipe(pong))
		return 1;
	if (threads) {
		if (pthread_create(&answerer, NULL, answer, NULL))
			return 1;
	} else {
		child = fork();
		if (child == 0)
			_exit(answer(NULL) ? 1 : 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < rounds; i++)
		if (write(ping[1], &byte, 1) != 1 || read(pong[0], &byte, 1) != 1)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (threads)
		pthread_join(answerer, NULL);
	else
		waitpid(child, NULL, 0);
	long long ns = (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
	printf("ns_per_round_trip %lld\n", ns / rounds);
	return 0;
}
