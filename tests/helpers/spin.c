// SPDX-License-Identifier: GPL-2.0
/* spin SECONDS: burns CPU without ever sleeping. Prints its pid first. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec start, now;

	if (argc != 2) {
		fprintf(stderr, "usage: spin SECONDS\n");
		return 2;
	}
	long seconds = atol(argv[1]);

	printf("%d\n", getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while (now.tv_sec - start.tv_sec < seconds);
	return 0;
}
