// SPDX-License-Identifier: GPL-2.0
/*
 * vfork_block HOLD_MS: vfork()s a child that sleeps HOLD_MS (nanosleep)
 * and _exit()s, so the parent waits in vfork, uninterruptible (state D:
 * TASK_KILLABLE), for HOLD_MS. The child borrows the parent's memory and
 * stack, so it only calls nanosleep and _exit.
 *
 * Prints "ready pid P", waits START_DELAY_MS (environment, default 300) so a
 * watcher can arm a threshold, then "blocking at NS" just before vfork and
 * "unblocked at NS blocked_ms B" in the parent once vfork has returned, B
 * the time between the two (NS CLOCK_MONOTONIC). Exits 0 once the child is
 * reaped.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steps.h"

int main(int argc, char **argv)
{
	if (argc != 2 || arg(argv[1]) < 0) {
		fprintf(stderr, "usage: vfork_block HOLD_MS\n");
		return 2;
	}
	long hold = arg(argv[1]);
	long long start;
	pid_t child;

	announce_ready();
	start = now_ns();
	printf("blocking at %lld\n", start);
	child = vfork();
	if (child < 0) {
		perror("vfork");
		return 1;
	}
	if (child == 0) {
		sleep_ms(hold);
		_exit(0);
	}
	long long end = now_ns();

	printf("unblocked at %lld blocked_ms %lld\n", end, (end - start) / 1000000);
	if (waitpid(child, NULL, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	return 0;
}
