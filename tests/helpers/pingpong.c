// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong ROUNDS: two processes pass a byte back and forth over two pipes
 * ROUNDS times; prints "ns_per_round_trip N". Each round trip is two
 * blocks and two wake-ups: the context-switch cost probes add to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int ping[2], pong[2];
	char byte = 0;
	struct timespec start, end;

	if (argc != 2) {
		fprintf(stderr, "usage: pingpong ROUNDS\n");
		return 2;
	}
	long rounds = atol(argv[1]);

	if (pipe(ping) || pipe(pong))
		return 1;
	pid_t child = fork();
	if (child == 0) {
		for (long i = 0; i < rounds; i++)
			if (read(ping[0], &byte, 1) != 1 || write(pong[1], &byte, 1) != 1)
				_exit(1);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < rounds; i++)
		if (write(ping[1], &byte, 1) != 1 || read(pong[0], &byte, 1) != 1)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &end);
	waitpid(child, NULL, 0);
	long long ns = (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
	printf("ns_per_round_trip %lld\n", ns / rounds);
	return 0;
}
