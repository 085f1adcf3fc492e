// SPDX-License-Identifier: GPL-2.0
/*
 * comm_sleeper HEX MS COUNT: renames itself (prctl(PR_SET_NAME)) to the
 * bytes HEX spells (at most 15), then sleeps MS ms COUNT times. Prints
 * "pid P comm HEX2", HEX2 being the name the kernel then holds, read back
 * from /proc/self/comm (the ground truth), before the sleeps, and "done"
 * after them.
 */
#include <sys/prctl.h>
#include "steps.h"

int main(int argc, char **argv)
{
	char name[16] = { 0 }, back[64];
	long ms, count;
	size_t len = argc > 1 ? strlen(argv[1]) : 0;
	int fd;
	ssize_t n;

	if (argc != 4 || len % 2 || len > 30 || (ms = arg(argv[2])) < 0 || (count = arg(argv[3])) < 0) {
		fprintf(stderr, "usage: comm_sleeper HEX MS COUNT\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < len / 2; i++) {
		unsigned int byte;

		if (sscanf(argv[1] + 2 * i, "%2x", &byte) != 1)
			return 2;
		name[i] = (char)byte;
	}
	if (prctl(PR_SET_NAME, name)) {
		perror("PR_SET_NAME");
		return 1;
	}
	fd = open("/proc/self/comm", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, back, sizeof(back));
	if (n <= 0) {
		perror("/proc/self/comm");
		return 1;
	}
	printf("pid %d comm ", getpid());
	for (ssize_t i = 0; i < n && back[i] != '\n'; i++)
		printf("%02x", (unsigned char)back[i]);
	printf("\n");
	for (long i = 0; i < count; i++)
		sleep_ms(ms);
	printf("done\n");
	return 0;
}
