// SPDX-License-Identifier: GPL-2.0
/*
 * named_frames COUNT MS: a known call chain, main -> outer_frame ->
 * middle_frame -> inner_frame -> nanosleep, that sleeps MS milliseconds
 * COUNT times and then exits: the ground truth for naming user frames
 * after their process is gone (lattop report). Prints "pid P" first, then
 * "total_us T" (CLOCK_MONOTONIC around the sleeps) when done. The build
 * keeps frame pointers and symbols; a stripped copy (named_frames_stripped)
 * tests what a report of a binary without symbols shows.
 */
#include "steps.h"

static long count, ms;
static long long total_us;

static __attribute__((noinline)) void inner_frame(void)
{
	long long start = now_ns();

	sleep_ms(ms);
	total_us += (now_ns() - start) / 1000;
	__asm__ volatile("" ::: "memory"); /* not a tail call */
}

static __attribute__((noinline)) void middle_frame(void)
{
	inner_frame();
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void outer_frame(void)
{
	for (long i = 0; i < count; i++)
		middle_frame();
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: named_frames COUNT MS\n");
		return 2;
	}
	count = atol(argv[1]);
	ms = atol(argv[2]);
	printf("pid %d\n", getpid());
	fflush(stdout);
	outer_frame();
	printf("total_us %lld\n", total_us);
	return 0;
}
