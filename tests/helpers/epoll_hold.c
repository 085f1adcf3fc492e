// SPDX-License-Identifier: GPL-2.0
/*
 * epoll_hold [--read] PATH: arms an "any change" threshold (LEVEL|UP at INT64_MIN,
 * poll delivery) on the notifier file PATH, registers it with epoll, prints
 * "armed", then waits in epoll_wait, reading the events each wake-up brings,
 * until a wake-up reports EPOLLERR or EPOLLHUP or a read fails: it prints
 * "events N" (events read in all), "last_mask 0x..." and "last_read ERR"
 * (the errno name of the last read, or "eof"), closes the file and exits 0.
 * Used across rmmod: the file's wait queue goes while epoll still watches it.
 * With --read, it waits in a blocking read() instead, and prints its result
 * the same way ("last_mask 0x0").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "../../include/uapi/linux/lattop.h"

int main(int argc, char **argv)
{
	struct lattop_threshold t = {
		.level = INT64_MIN,
		.flags = LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_UP,
		.delivery = LATTOP_DELIVER_POLL,
	};
	struct lattop_event events[64];
	struct epoll_event ev = { .events = EPOLLIN | EPOLLPRI };
	unsigned long total = 0;
	int fd, ep, err = 0;
	ssize_t n;

	int blocking = argc == 3 && !strcmp(argv[1], "--read");
	const char *path = argv[argc - 1];

	if (argc != 2 && !blocking) {
		fprintf(stderr, "usage: epoll_hold [--read] NOTIFIER_FILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(path, blocking ? O_RDWR : O_RDWR | O_NONBLOCK);
	if (fd < 0 || write(fd, &t, sizeof(t)) != sizeof(t)) {
		perror(path);
		return 1;
	}
	if (blocking) {
		printf("armed\n");
		while ((n = read(fd, events, sizeof(events))) > 0)
			total += n / sizeof(events[0]);
		err = n < 0 ? errno : 0;
		ev.events = 0;
		goto out;
	}
	ep = epoll_create1(0);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		perror("epoll");
		return 1;
	}
	printf("armed\n");
	for (;;) {
		if (epoll_wait(ep, &ev, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("epoll_wait");
			return 1;
		}
		while ((n = read(fd, events, sizeof(events))) > 0)
			total += n / sizeof(events[0]);
		err = n < 0 ? errno : 0;
		if ((ev.events & (EPOLLERR | EPOLLHUP)) || (err && err != EAGAIN))
			break;
	}
	close(ep);
out:
	printf("events %lu\nlast_mask 0x%x\nlast_read %s\n", total, ev.events,
	       err == 0 ? "eof" : err == EIO ? "EIO" : strerror(err));
	close(fd);
	return 0;
}
