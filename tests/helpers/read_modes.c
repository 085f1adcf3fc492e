// SPDX-License-Identifier: GPL-2.0
/*
 * read_modes FILE: opens FILE once and reads its snapshot three ways: 1 byte
 * at a time, 4096 bytes at a time with pread(), and in one pread(); then
 * pread()s past the end. Prints "sizes A B C past_end N identical yes|no".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX (64 << 20)

int main(int argc, char **argv)
{
	char *one = malloc(MAX), *chunks = malloc(MAX), *whole = malloc(MAX), byte;
	size_t a = 0, b = 0;
	ssize_t n, c, past;
	int fd;

	if (argc != 2 || !one || !chunks || !whole) {
		fprintf(stderr, "usage: read_modes FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	while (a < MAX && (n = read(fd, &byte, 1)) == 1)
		one[a++] = byte;
	while (b < MAX && (n = pread(fd, chunks + b, 4096, b)) > 0)
		b += n;
	c = pread(fd, whole, MAX, 0);
	past = pread(fd, &byte, 1, c > 0 ? c + 4096 : 1 << 20);
	printf("sizes %zu %zu %zd past_end %zd identical %s\n", a, b, c, past,
	       a == b && (ssize_t)a == c && !memcmp(one, chunks, a) && !memcmp(one, whole, a) ? "yes" : "no");
	return 0;
}
