// SPDX-License-Identifier: GPL-2.0
/*
 * duty_cycle PERCENT PERIOD_MS DURATION_MS: for DURATION_MS, busy-loops the
 * first PERCENT% of each PERIOD_MS and sleeps the rest (clock_nanosleep to
 * the period's end, so periods do not drift).
 *
 * Prints "ready pid P", waits START_DELAY_MS (environment, default 300) so a
 * watcher can arm a threshold, then "busy start at NS" (CLOCK_MONOTONIC) as
 * the loop starts, and at the end "cpu_ms C wall_ms W percent P": C the
 * process's user + system time (getrusage, whole run), W the loop's wall
 * time, P = 100 * C / W.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "steps.h"

static void sleep_until(long long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int main(int argc, char **argv)
{
	if (argc != 4 || arg(argv[1]) < 0 || arg(argv[1]) > 100 || arg(argv[2]) <= 0 ||
	    arg(argv[3]) < 0) {
		fprintf(stderr, "usage: duty_cycle PERCENT PERIOD_MS DURATION_MS\n");
		return 2;
	}
	long long period = arg(argv[2]) * 1000000LL;
	long long busy = period * arg(argv[1]) / 100;
	long long start, end, period_start;
	struct rusage ru;

	announce_ready();
	start = now_ns();
	end = start + arg(argv[3]) * 1000000LL;
	printf("busy start at %lld\n", start);
	for (period_start = start; period_start < end; period_start += period) {
		long long busy_end = period_start + busy < end ? period_start + busy : end;
		long long period_end = period_start + period < end ? period_start + period : end;

		while (now_ns() < busy_end)
			;
		if (period_end > busy_end)
			sleep_until(period_end);
	}
	long long wall_ms = (now_ns() - start) / 1000000;

	if (getrusage(RUSAGE_SELF, &ru)) {
		perror("getrusage");
		return 1;
	}
	long long cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000LL +
			   (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;

	printf("cpu_ms %lld wall_ms %lld percent %lld\n", cpu_ms, wall_ms,
	       wall_ms ? cpu_ms * 100 / wall_ms : 0);
	return 0;
}
