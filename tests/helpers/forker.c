// SPDX-License-Identifier: GPL-2.0
/*
 * forker N INTERVAL_MS: forks N children, one every INTERVAL_MS; each child
 * sleeps 2 s and exits. Once all are forked, the parent reaps them all.
 *
 * Prints "ready pid P", waits START_DELAY_MS (environment, default 300) so a
 * watcher can arm a threshold, then in the parent, right after each fork
 * returns, "child I pid C at NS" (I = 1..N, NS CLOCK_MONOTONIC), and
 * "done" once every child is reaped.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steps.h"

int main(int argc, char **argv)
{
	if (argc != 3 || arg(argv[1]) < 0 || arg(argv[2]) < 0) {
		fprintf(stderr, "usage: forker N INTERVAL_MS\n");
		return 2;
	}
	long n = arg(argv[1]), interval = arg(argv[2]);

	announce_ready();
	for (long i = 0; i < n; i++) {
		if (i)
			sleep_ms(interval);
		pid_t child = fork();

		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0) {
			sleep_ms(2000);
			_exit(0);
		}
		printf("child %ld pid %d at %lld\n", i + 1, child, now_ns());
	}
	for (long i = 0; i < n; i++)
		if (wait(NULL) < 0) {
			perror("wait");
			return 1;
		}
	printf("done\n");
	return 0;
}
