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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static long arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= 0 ? v : -1;
}

int main(int argc, char **argv)
{
	const char *delay = getenv("START_DELAY_MS");

	if (argc < 2) {
		fprintf(stderr, "usage: sleep_steps MS...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (arg(argv[i]) < 0) {
			fprintf(stderr, "usage: sleep_steps MS...\n");
			return 2;
		}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready pid %d\n", getpid());
	sleep_ms(delay ? atol(delay) : 300);
	for (int i = 1; i < argc; i++) {
		long long began = now_ns();

		sleep_ms(arg(argv[i]));
		printf("slept %ld tid %d woke_at %lld began_at %lld\n", arg(argv[i]), gettid(), now_ns(),
		       began);
	}
	return 0;
}
