// SPDX-License-Identifier: GPL-2.0
/*
 * read_time FILE ROUNDS: how long one whole read of FILE takes, as a reader
 * sees it: open, read() in 64 KiB chunks to the end, close. Prints
 * "bytes N best_us B median_us M".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "clock.h"

static int by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static char buf[65536];
	long long bytes = 0, *took;
	int rounds;

	if (argc != 3 || (rounds = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: read_time FILE ROUNDS\n");
		return 2;
	}
	took = calloc(rounds, sizeof(*took));
	for (int i = 0; i < rounds; i++) {
		long long start = now_ns();
		int fd = open(argv[1], O_RDONLY);
		ssize_t n;

		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
		bytes = 0;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			bytes += n;
		close(fd);
		if (n < 0) {
			perror("read");
			return 1;
		}
		took[i] = now_ns() - start;
	}
	qsort(took, rounds, sizeof(*took), by_value);
	printf("bytes %lld best_us %lld median_us %lld\n", bytes, took[0] / 1000, took[rounds / 2] / 1000);
	return 0;
}
