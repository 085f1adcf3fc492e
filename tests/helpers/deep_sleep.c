// SPDX-License-Identifier: GPL-2.0
/*
 * deep_sleep MS: a chain of calls, then a
 * sleep at the bottom, so the user trace must show every level. Built with
 * frame pointers; noinline keeps each level a frame of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long ms;

__attribute__((noinline)) void level_four(void)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void level_three(void) { level_four(); __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) void level_two(void) { level_three(); __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) void level_one(void) { level_two(); __asm__ volatile("" ::: "memory"); }

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: deep_sleep MS\n");
		return 2;
	}
	ms = atol(argv[1]);
	printf("%d\n", getpid());
	fflush(stdout);
	level_one();
	return 0;
}
