// SPDX-License-Identifier: GPL-2.0
/*
 * pipe_wait MS: blocks in read() on a pipe that a child writes to MS
 * milliseconds after it has seen the parent asleep (State S in
 * /proc/PID/status): the read's sleep is then at least MS, however late the
 * parent got to its read() after the fork (seen: 6 ms late on a loaded
 * host, and a 300 ms wait profiled as 294 ms, rightly). Prints its pid
 * first, and last "read_us N": how long the read() took by its own clock
 * (CLOCK_MONOTONIC around the call).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Whether process PID is asleep (State S), by /proc/PID/status. */
static int asleep(pid_t pid)
{
	char path[64], buf[4096], *at;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	at = strstr(buf, "\nState:");
	return at && at[strspn(at + 7, " \t") + 7] == 'S';
}

int main(int argc, char **argv)
{
	int fds[2];
	char byte;

	if (argc != 2) {
		fprintf(stderr, "usage: pipe_wait MS\n");
		return 2;
	}
	long ms = atol(argv[1]);
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	if (pipe(fds))
		return 1;
	printf("%d\n", getpid());
	fflush(stdout);
	pid_t parent = getpid();
	pid_t child = fork();
	if (child == 0) {
		struct timespec poll = { .tv_nsec = 100000 };

		/* The parent sleeps in nothing else between the fork and its read. */
		while (!asleep(parent))
			nanosleep(&poll, NULL);
		nanosleep(&ts, NULL);
		return write(fds[1], "x", 1) == 1 ? 0 : 1;
	}
	struct timespec before, after;

	clock_gettime(CLOCK_MONOTONIC, &before);
	if (read(fds[0], &byte, 1) != 1)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &after);
	waitpid(child, NULL, 0);
	printf("read_us %lld\n", (after.tv_sec - before.tv_sec) * 1000000LL +
				       (after.tv_nsec - before.tv_nsec) / 1000);
	return 0;
}
