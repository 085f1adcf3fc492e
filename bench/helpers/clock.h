/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark helpers' clock: CLOCK_MONOTONIC, the clock lattop stamps its
 * events with. Under QEMU's -icount it counts the guest's instructions.
 */
#ifndef LATTOP_BENCH_CLOCK_H
#define LATTOP_BENCH_CLOCK_H

#include <errno.h>
#include <time.h>

/* CLOCK_MONOTONIC, in ns. */
static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One sleep of NS nanoseconds, resumed if a signal interrupts it. */
static inline void sleep_ns(long long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

#endif
