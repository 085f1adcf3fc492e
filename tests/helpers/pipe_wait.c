// SPDX-License-Identifier: GPL-2.0
/*
 * pipe_wait MS: blocks in read() on a pipe that a child writes to after MS
 * milliseconds. Prints its pid first, and last "read_us N": how long the
 * read() took by its own clock (CLOCK_MONOTONIC around the call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fds[2];
	char byte;

	if (argc != 2) {
		fprintf(stderr, "usage: pipe_wait MS\n");
		return 2;
	}
	long ms = atol(argv[1]);
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	if (pipe(fds))
		return 1;
	printf("%d\n", getpid());
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		nanosleep(&ts, NULL);
		return write(fds[1], "x", 1) == 1 ? 0 : 1;
	}
	struct timespec before, after;

	clock_gettime(CLOCK_MONOTONIC, &before);
	if (read(fds[0], &byte, 1) != 1)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &after);
	waitpid(child, NULL, 0);
	printf("read_us %lld\n", (after.tv_sec - before.tv_sec) * 1000000LL +
				       (after.tv_nsec - before.tv_nsec) / 1000);
	return 0;
}
