// SPDX-License-Identifier: GPL-2.0
/*
 * fork_storm COUNT: forks COUNT short-lived children, each of which sleeps
 * 1 ms (so the profiler sees it block and wake) and exits; at most 64 alive
 * at once. Exits 0 once all were reaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000000L };
	long alive = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: fork_storm COUNT\n");
		return 2;
	}
	long count = atol(argv[1]);

	for (long i = 0; i < count; i++) {
		if (alive == 64) {
			if (wait(NULL) < 0)
				return 1;
			alive--;
		}
		pid_t child = fork();
		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0) {
			nanosleep(&ms, NULL);
			_exit(0);
		}
		alive++;
	}
	while (alive-- > 0)
		wait(NULL);
	return 0;
}
