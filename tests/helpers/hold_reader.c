// SPDX-License-Identifier: GPL-2.0
/*
 * hold_reader FILE...: keeps each FILE open and reads it from offset 0 in a
 * loop (pread), across insmod and rmmod: when a read fails (EIO once the
 * module is gone) or the file cannot be opened (not loaded), it closes and
 * reopens it. On SIGTERM prints "reads N errors N eio N reopens N" and exits.
 * A notifier file (a path with "/notifier/") is opened read-write and
 * non-blocking, armed with an "any change" threshold, and read() (EAGAIN,
 * nothing queued, counts as a read).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../../include/uapi/linux/lattop.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int is_notifier(const char *path)
{
	return strstr(path, "/notifier/") != NULL;
}

/* Opens `path`; a notifier file is armed too. -1 on failure. */
static int open_armed(const char *path)
{
	struct lattop_threshold t = {
		.level = INT64_MIN,
		.flags = LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_UP,
		.delivery = LATTOP_DELIVER_POLL,
	};
	int fd;

	if (!is_notifier(path))
		return open(path, O_RDONLY);
	fd = open(path, O_RDWR | O_NONBLOCK);
	if (fd >= 0 && write(fd, &t, sizeof(t)) != sizeof(t)) {
		close(fd);
		return -1;
	}
	return fd;
}

static ssize_t read_some(int fd, const char *path, char *buf, size_t size)
{
	ssize_t n;

	if (!is_notifier(path))
		return pread(fd, buf, size, 0);
	n = read(fd, buf, size);
	return n < 0 && errno == EAGAIN ? 0 : n;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	long reads = 0, errors = 0, eio = 0, reopens = 0;
	int fds[16];
	int n = argc - 1 < 16 ? argc - 1 : 16;

	signal(SIGTERM, on_term);
	for (int i = 0; i < n; i++)
		fds[i] = -1;
	while (!stop) {
		for (int i = 0; i < n && !stop; i++) {
			if (fds[i] < 0) {
				fds[i] = open_armed(argv[i + 1]);
				if (fds[i] < 0) {
					usleep(1000);
					continue;
				}
				reopens++;
			}
			if (read_some(fds[i], argv[i + 1], buf, sizeof(buf)) < 0) {
				errors++;
				eio += errno == EIO;
				close(fds[i]);
				fds[i] = -1;
			} else {
				reads++;
			}
		}
	}
	printf("reads %ld errors %ld eio %ld reopens %ld\n", reads, errors, eio, reopens);
	return 0;
}
