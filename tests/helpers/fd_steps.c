// SPDX-License-Identifier: GPL-2.0
/*
 * fd_steps N HOLD_MS: opens /dev/null N times, one at a time, holding
 * HOLD_MS after each open, then closes them one at a time (newest first),
 * holding HOLD_MS after each close, and exits.
 *
 * Prints "ready pid P", waits START_DELAY_MS (environment, default 300) so a
 * watcher can arm a threshold, then after each change, once it is done:
 * "open I fds F at NS" and "close I fds F at NS" (I = 1..N), F being the
 * number of entries /proc/self/fd had before the first step (not counting
 * the directory's own fd used to list it) plus those opened since, NS
 * CLOCK_MONOTONIC. Last "done". The directory is listed once, before
 * "ready": listing it at each step would open one more fd for a moment,
 * which a watcher sampling then would see.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "steps.h"

int main(int argc, char **argv)
{
	if (argc != 3 || arg(argv[1]) < 0 || arg(argv[2]) < 0) {
		fprintf(stderr, "usage: fd_steps N HOLD_MS\n");
		return 2;
	}
	long n = arg(argv[1]), hold = arg(argv[2]);
	int *fds = calloc(n + 1, sizeof(*fds));

	if (!fds) {
		perror("calloc");
		return 1;
	}
	int before = count_fds();

	announce_ready();
	for (long i = 0; i < n; i++) {
		fds[i] = open("/dev/null", O_RDONLY);
		if (fds[i] < 0) {
			perror("/dev/null");
			return 1;
		}
		printf("open %ld fds %ld at %lld\n", i + 1, before + i + 1, now_ns());
		sleep_ms(hold);
	}
	for (long i = 0; i < n; i++) {
		if (close(fds[n - 1 - i])) {
			perror("close");
			return 1;
		}
		printf("close %ld fds %ld at %lld\n", i + 1, before + n - i - 1, now_ns());
		sleep_ms(hold);
	}
	printf("done\n");
	return 0;
}
