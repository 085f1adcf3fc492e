// SPDX-License-Identifier: GPL-2.0
/*
 * sleep_steps MS...: for each argument, sleeps that many milliseconds with
 * one nanosleep (resumed if a signal interrupts it).
 *
 * Prints "ready pid P", waits START_DELAY_MS (environment, default 300) so a
 * watcher can arm a threshold, then after each sleep
 * "slept MS tid T woke_at NS began_at NS", NS CLOCK_MONOTONIC read right
 * before and right after the sleep.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

#include "steps.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sleep_steps MS...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (arg(argv[i]) < 0) {
			fprintf(stderr, "usage: sleep_steps MS...\n");
			return 2;
		}
	announce_ready();
	for (int i = 1; i < argc; i++) {
		long long began = now_ns();

		sleep_ms(arg(argv[i]));
		printf("slept %ld tid %d woke_at %lld began_at %lld\n", arg(argv[i]), gettid(), now_ns(),
		       began);
	}
	return 0;
}
