// SPDX-License-Identifier: GPL-2.0
/*
 * top_frame_sleep MS: prints its pid, then sleeps MS milliseconds in one
 * nanosleep() made with its frame pointer at the top of the address space
 * (0xfffffffffffffff8: aligned, non-null, with no room for the word after
 * it). The block hook reads the user frame record at the frame pointer: it
 * must not compute past the end of the address space (a Rust overflow
 * check there is a kernel panic), and the sleep is still counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long nanosleep_with_top_frame(const struct timespec *ts)
{
	long ret;

	/* rbp kept in r12 across the call: no stack is touched meanwhile. */
	asm volatile("mov %%rbp, %%r12\n\t"
		     "mov $0xfffffffffffffff8, %%rbp\n\t"
		     "syscall\n\t"
		     "mov %%r12, %%rbp"
		     : "=a"(ret)
		     : "0"((long)SYS_nanosleep), "D"(ts), "S"(0L)
		     : "rcx", "r11", "r12", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: top_frame_sleep MS\n");
		return 2;
	}
	long ms = atol(argv[1]);
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	printf("%d\n", getpid());
	fflush(stdout);
	return nanosleep_with_top_frame(&ts) == 0 ? 0 : 1;
}
